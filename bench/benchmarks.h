// `torchprov bench ...`: benchmarks that print figures side by side.
#pragma once

#include <torchprov/command_line.h>

namespace torchprov::bench {

// `torchprov bench capture`: capture overhead on a small CNN.  The table
// runs the program torchprov-bench-capture (libtorch), which runs
// capture_overhead under it.
extern const cli::Command capture_command;
int capture_overhead(const cli::Arguments& args);

// `torchprov bench load`: the endpoint under point and analysis SELECTs while
// a writer ingests N-Quads.
extern const cli::Command load_command;

// `torchprov bench soak`: the endpoint for N minutes under mixed load, sampled
// each minute (CSV and a gnuplot PNG).
extern const cli::Command soak_command;

}  // namespace torchprov::bench
