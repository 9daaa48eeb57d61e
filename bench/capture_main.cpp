// torchprov-bench-capture: `torchprov bench capture` runs this program, the
// only part of the command line that needs libtorch; keeping libtorch out of
// `torchprov` itself saves every other command its load, about a second.
#include "benchmarks.h"

int main(int argc, char** argv) {
  torchprov::cli::Command command = torchprov::bench::capture_command;
  command.run = torchprov::bench::capture_overhead;
  return torchprov::cli::run_command(command, argc - 1, argv + 1);
}
