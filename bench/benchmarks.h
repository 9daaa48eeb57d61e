#pragma once

namespace torchprov::bench {

// `torchprov bench capture [--runs N] [--epochs N] [--batches N] [--batch-size N]`
int capture_overhead(int argc, char** argv);

// `torchprov bench load [--seconds 10] [--connections 16] ...`: the endpoint
// under point and analysis SELECTs while a writer ingests N-Quads.
int load_benchmark(int argc, char** argv);

}  // namespace torchprov::bench
