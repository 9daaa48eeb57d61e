// Rewrites a translated query for evaluation: orders the patterns of every
// basic graph pattern by estimated selectivity and pushes filters into the
// BGP step where their variables become bound.  Semantics are unchanged.
#pragma once

#include "algebra.h"

namespace torchprov::triplestore::sparql {

void optimize(Op& root, const Dataset& dataset);

// The BGP re-planned for solutions that bind `bound` (slots) before it runs:
// the inside of EXISTS, or the right side of a join fed the left's rows.
Op reorder_bgp(const Op& bgp, const Dataset& dataset, const std::vector<int>& bound);

// The order chosen for one BGP (exposed for tests): indexes into patterns.
std::vector<std::size_t> choose_pattern_order(const std::vector<PatternElement>& patterns, const Dataset& dataset,
                                              const std::vector<int>& already_bound = {});

}  // namespace torchprov::triplestore::sparql
