// The checks the SPARQL result-format targets share.
#pragma once

#include <cstddef>
#include <cstdint>

#include "results/result_format.h"

namespace torchprov::fuzz {

// Reads `data` with the public reader of `format` (json, xml, csv, tsv).  A
// document the reader accepts must write out in the same format and read
// back to the same solutions.
void check_result_reader(const std::uint8_t* data, std::size_t size, triplestore::results::ResultFormat format);

// Reads back `text`, which `format`'s writer wrote; throws what the reader
// throws.
triplestore::sparql::QueryResult read_results(std::string_view text, triplestore::results::ResultFormat format);

// Whether two results hold the same solutions (rows in order, blank nodes
// up to renaming) or the same boolean; the difference otherwise.
std::string difference(const triplestore::sparql::QueryResult& expected, const triplestore::sparql::QueryResult& actual);

}  // namespace torchprov::fuzz
