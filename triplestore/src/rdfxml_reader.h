// RDF/XML in through Raptor (Redland's parser library, which the store links
// already): the same statement stream as the Serd formats, blank nodes
// prefixed the same way, errors as ParseError with Raptor's line and column.
// No network or external entity is fetched while reading.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "rdf_io.h"

namespace torchprov::triplestore::rdf_io {

void parse_rdfxml_file(const std::filesystem::path& file, const StatementHandler& handler,
                       std::string_view blank_prefix);
// `base` resolves relative IRIs (rdf:about="x"); empty: the document must not use any.
void parse_rdfxml_text(std::string_view text, const std::string& base, const StatementHandler& handler,
                       std::string_view name, std::string_view blank_prefix);

}  // namespace torchprov::triplestore::rdf_io
