// Readers of SPARQL results back into a QueryResult: the W3C formats (XML
// .srx, JSON .srj, CSV, TSV) and RDF result sets (the rs: vocabulary the
// W3C test suite uses for some expected results).  They serve the
// conformance tests and clients of remote endpoints.
#pragma once

#include <stdexcept>
#include <string_view>
#include <vector>

#include <torchprov/rdf.h>

#include "../sparql/engine.h"

namespace torchprov::triplestore::results {

inline constexpr std::string_view sparql_results_namespace = "http://www.w3.org/2005/sparql-results#";
inline constexpr std::string_view result_set_namespace = "http://www.w3.org/2001/sw/DataAccess/tests/result-set#";

// A result document that is not well-formed or not a SPARQL result.
struct ResultParseError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// SELECT documents give form select, variables and rows; ASK documents
// give form ask and boolean.  `ordered` is false (the formats do not say
// whether the order meant anything).
sparql::QueryResult read_xml_results(std::string_view text);
sparql::QueryResult read_json_results(std::string_view text);

// TSV keeps terms (Turtle syntax).  CSV keeps only plain values: every
// value reads back as a simple literal, except "_:label" (a blank node) and
// an empty field (unbound).  The CSV text is lossy by design; compare CSV
// results by writing both sides as CSV first.
sparql::QueryResult read_tsv_results(std::string_view text);
sparql::QueryResult read_csv_results(std::string_view text);

// The result set described by rs:ResultSet in `statements` (a parsed .ttl
// or .rdf file); solutions follow rs:index where given, and then `ordered`
// is true.
sparql::QueryResult read_rdf_result_set(const std::vector<Statement>& statements);

// Whether `statements` hold an rs:ResultSet at all (otherwise a .ttl
// expected result is a plain graph, the answer of CONSTRUCT / DESCRIBE).
bool holds_rdf_result_set(const std::vector<Statement>& statements);

}  // namespace torchprov::triplestore::results
