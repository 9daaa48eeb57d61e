// The serialisations a query result can be written in, how a client picks
// one (CLI name or HTTP Accept header), and writing a whole QueryResult.
#pragma once

#include <iosfwd>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "../sparql/engine.h"

namespace torchprov::triplestore::results {

// table: aligned columns for people.  csv / tsv / json / xml: the W3C SPARQL
// 1.1 result formats.  turtle / ntriples / nquads / trig: RDF, for the
// graphs CONSTRUCT and DESCRIBE produce.
enum class ResultFormat { table, csv, tsv, json, xml, turtle, ntriples, nquads, trig };

// A result the chosen format cannot carry (U+0000 in SPARQL XML results: XML
// 1.0 has no way to write it): refused, never written as a document no reader
// takes.  The endpoint answers 406 when no byte is sent yet.
struct UnrepresentableResult : std::domain_error {
  using std::domain_error::domain_error;
};

// From the CLI name: table csv tsv json xml turtle ntriples nquads trig.
std::optional<ResultFormat> parse_result_format(std::string_view name);
std::string_view format_name(ResultFormat format);

// The Content-Type of the format, without parameters (text/plain for table).
std::string_view media_type(ResultFormat format);

bool is_rdf_format(ResultFormat format);
// Whether write_query_result accepts results of `form` in `format`: the
// solution formats take SELECT and ASK (CSV / TSV write ASK as a one-column
// `_askResult`, as common practice has it; the W3C text leaves ASK out), RDF
// formats take CONSTRUCT / DESCRIBE, and table / csv / tsv also show graphs
// as subject / predicate / object (/ graph) rows.
bool supports(ResultFormat format, sparql::QueryForm form);

// Picks the format for an HTTP Accept header (RFC 9110 media ranges with
// q-values; specific ranges override wildcards).  An empty header means
// "anything".  Among equally acceptable formats the client's order decides,
// then the server's preference (JSON for solutions, Turtle for graphs).
// std::nullopt: nothing acceptable, answer 406 Not Acceptable.
std::optional<ResultFormat> negotiate(std::string_view accept_header, sparql::QueryForm form);

// Writes the whole result; throws std::invalid_argument when
// !supports(format, result.form).
void write_query_result(const sparql::QueryResult& result, ResultFormat format, std::ostream& out);

}  // namespace torchprov::triplestore::results
