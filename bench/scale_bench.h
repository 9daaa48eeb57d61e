#pragma once

namespace torchprov::bench {

// `torchprov bench scale [--runs R1,R2] [--virtuoso-runs R1] [--epochs E]
//  [--repeat N] [--drain-quads Q] [--dir D] [--keep]`: the provenance of
// `bench store` at several sizes, loaded with `torchprov import` into the
// embedded store (load rate until the command returns, RSS and disk per
// quad, reopen time, canonical queries) and into Virtuoso through
// `torchprov serve --backend` (bench/backend/scale.py).  Returns 0 unless a
// step or a query fails or the front and Virtuoso disagree.
int scale_benchmark(int argc, char** argv);

}  // namespace torchprov::bench
