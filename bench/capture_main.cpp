// `torchprov bench capture` runs this program (the only part of the command
// line that needs libtorch): keeping libtorch out of `torchprov` itself saves
// every store command its load, about a second of start-up.
#include "benchmarks.h"

int main(int argc, char** argv) { return torchprov::bench::capture_overhead(argc - 1, argv + 1); }
