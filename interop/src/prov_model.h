// PROV-DM records and their PROV-O form: the standard mapping both ways,
// shared by the PROV-JSON reader and the PROV-JSON and PROV-N writers.
//
// PROV-O to records: an RDF node typed with a PROV class is an element
// (entity, activity, agent; its other rdf:types become prov:type); each
// direct relation triple (prov:used, prov:wasGeneratedBy, ...) is a relation
// record, and each qualified influence node (prov:qualifiedUsage [...]) a
// relation record carrying the node's attributes, which replaces the direct
// triple it qualifies.  Shortcuts fold into the records they abbreviate:
// prov:startedAtTime / prov:endedAtTime into the activity, prov:generatedAtTime
// into the entity's generation (PROV allows an entity one generation),
// prov:wasRevisionOf / wasQuotedFrom / hadPrimarySource into a derivation
// typed prov:Revision / Quotation / PrimarySource.
#pragma once

#include <torchprov/rdf.h>

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::interop::prov_dm {

inline constexpr std::string_view prov_ns = "http://www.w3.org/ns/prov#";
inline constexpr std::string_view xsd_ns = "http://www.w3.org/2001/XMLSchema#";
inline constexpr std::string_view rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
inline constexpr std::string_view rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label";

enum class Kind {
  entity, activity, agent,
  generation, usage, communication, start, end, invalidation, derivation,
  attribution, association, delegation, influence, alternate, specialization, mention, membership
};

// What PROV-JSON and PROV-N call a record kind ("entity", "wasGeneratedBy").
std::string_view kind_name(Kind kind);
std::optional<Kind> kind_from_name(std::string_view name);
bool is_element(Kind kind);
// The formal attributes of a kind in PROV-N order, as PROV-DM names them
// ("activity", "entity", "time", ...); elements other than activities have none.
std::span<const std::string_view> formal_attributes(Kind kind);
// Whether a formal attribute holds a time (else an identifier).
bool is_time_attribute(std::string_view name);

struct Record {
  Kind kind = Kind::entity;
  std::optional<Term> id;                       // IRI; none for anonymous relations
  std::map<std::string, Term> formal;           // by PROV-DM name; absent: "-"
  std::vector<std::pair<std::string, Term>> attributes;  // attribute IRI (prov:type, prov:label, ...) and value
};

struct Container {
  std::vector<Record> records;
};

struct Document {
  Container top;                                          // the default graph
  std::vector<std::pair<std::string, Container>> bundles;  // graph IRI, its records
};

// Statements (any order) to records, graph by graph.
Document from_statements(std::span<const Statement> statements);

// Records to statements.  `graph` names the container's graph ("" default).
// Anonymous qualified nodes become blank nodes "<blank_prefix>qN".
void to_statements(const Container& container, const std::string& graph, std::string_view blank_prefix,
                   std::vector<Statement>& out);

}  // namespace torchprov::interop::prov_dm
