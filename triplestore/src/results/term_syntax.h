// Text forms of single RDF terms used by the result writers: the Turtle /
// N-Triples form (TSV results), the plain CSV value, and the compact form of
// the human `table` format.
#pragma once

#include <string>
#include <string_view>

#include <torchprov/rdf.h>

namespace torchprov::triplestore::results {

inline constexpr std::string_view rdf_namespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
inline constexpr std::string_view rdfs_namespace = "http://www.w3.org/2000/01/rdf-schema#";
inline constexpr std::string_view xsd_namespace = "http://www.w3.org/2001/XMLSchema#";
inline constexpr std::string_view xsd_string = "http://www.w3.org/2001/XMLSchema#string";
inline constexpr std::string_view rdf_lang_string = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";

// The well-known prefixes of the table format and of Turtle output.
struct PrefixBinding {
  std::string_view prefix;
  std::string_view namespace_iri;
};
inline constexpr PrefixBinding well_known_prefixes[] = {
    {"rdf", rdf_namespace},   {"rdfs", rdfs_namespace}, {"xsd", xsd_namespace},
    {"prov", prov_namespace}, {"dl", dl_namespace},
};

// The term in Turtle syntax, as TSV results want it: <iri>, _:label,
// "text"@lang, "text"^^<datatype>, and bare numbers / booleans where the
// lexical form is one Turtle reads back as the same literal.
std::string turtle_term(const Term& term);

// The plain value CSV results carry: the IRI, _:label or lexical form.
std::string csv_value(const Term& term);

// The compact form of the table format: prefixed names for well-known
// namespaces, bare numbers, "text"@lang, "text"^^prefix:type.
std::string compact_term(const Term& term);

// True when `lexical` is written by Turtle's INTEGER / DECIMAL / DOUBLE /
// BOOLEAN production for `datatype`, so the bare form reads back unchanged.
bool has_bare_turtle_form(std::string_view lexical, std::string_view datatype);

}  // namespace torchprov::triplestore::results
