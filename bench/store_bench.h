#pragma once

namespace torchprov::bench {

// `torchprov bench store [--runs R] [--epochs E] [--repeat N] [--skip-oxigraph]
//  [--skip-jena] [--dir D]`: synthetic dl: provenance, loaded into a fresh
// persistent Store, Oxigraph and Jena; the canonical analysis queries in two
// pattern orders on each; one table side by side.  Returns 0 unless a query
// fails or the engines (or the two orders) disagree.
int store_benchmark(int argc, char** argv);

}  // namespace torchprov::bench
