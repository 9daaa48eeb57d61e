// torchprov/rdf.h — RDF terms and statements as plain values, shared by the
// capture library, the triplestore and the endpoint.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace torchprov {

inline constexpr std::string_view dl_namespace = "https://w3id.org/torchprov/dl#";
inline constexpr std::string_view prov_namespace = "http://www.w3.org/ns/prov#";

enum class TermKind : std::uint8_t { iri, blank, literal };

// An RDF term.  Literals carry a datatype IRI (empty for xsd:string) or a
// language tag; values are unescaped text, escaping is the writer's job.
struct Term {
  TermKind kind = TermKind::iri;
  std::string value;
  std::string datatype;
  std::string language;

  static Term iri(std::string v) { return {TermKind::iri, std::move(v), {}, {}}; }
  static Term blank(std::string v) { return {TermKind::blank, std::move(v), {}, {}}; }
  static Term literal(std::string v, std::string datatype = {}) {
    return {TermKind::literal, std::move(v), std::move(datatype), {}};
  }
  static Term lang_literal(std::string v, std::string language) {
    return {TermKind::literal, std::move(v), {}, std::move(language)};
  }
  friend bool operator==(const Term&, const Term&) = default;
};

// A quad; an empty graph means the default graph.
struct Statement {
  Term subject, predicate, object;
  std::string graph;
  friend bool operator==(const Statement&, const Statement&) = default;
};

}  // namespace torchprov
