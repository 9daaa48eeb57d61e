// Random small datasets and queries from a grammar, for comparing the
// engine's answers with another engine's (tests/fuzz/differential.sh runs
// Jena ARQ on them).  The grammar stays inside what the SPARQL 1.1 text
// defines one answer for: no LIMIT without a total order, no SAMPLE, no
// RAND / NOW / UUID / BNODE, no GROUP_CONCAT (its order is free).
#pragma once

#include <string>

#include "fuzz_support.h"

namespace torchprov::fuzz {

struct DifferentialCase {
  std::string data;   // TriG: a default graph and up to two named graphs
  std::string query;  // SELECT or ASK
};

DifferentialCase make_differential_case(Bytes& in);

}  // namespace torchprov::fuzz
