#pragma once

namespace torchprov::bench {

// `torchprov bench capture [--runs N] [--epochs N] [--batches N] [--batch-size N]`
int capture_overhead(int argc, char** argv);

}  // namespace torchprov::bench
