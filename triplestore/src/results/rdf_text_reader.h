// Serd-backed reading of RDF text (Turtle, N-Triples, N-Quads, TriG) into
// Statements: used for RDF result sets, for TSV result terms and by the W3C
// conformance runner for data and manifests.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <torchprov/rdf.h>

namespace torchprov::triplestore::results {

enum class RdfSyntax { turtle, ntriples, nquads, trig };

struct RdfSyntaxError : std::runtime_error {
  RdfSyntaxError(const std::string& message, std::size_t line, std::size_t column);
  std::size_t line, column;  // 1-based; 0 when unknown
};

struct RdfReadOptions {
  // Relative IRIs resolve against it (and against @base in the text).
  std::string base_iri;
  // Prepended to every blank node label, so that several documents read
  // into one dataset keep their blank nodes apart.
  std::string blank_prefix;
};

// Every statement of `text`; graph names are IRIs, or "_:label" for a blank
// graph name (TriG / N-Quads).  Throws RdfSyntaxError.
std::vector<Statement> read_rdf_text(std::string_view text, RdfSyntax syntax, const RdfReadOptions& options = {});

// The syntax a file name's extension announces (.ttl .nt .nq .trig).
std::optional<RdfSyntax> rdf_syntax_for_path(std::string_view path);

}  // namespace torchprov::triplestore::results
