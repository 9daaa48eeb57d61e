// torchprov — one command for the store, the endpoint and the benchmarks.
#include <cstdio>
#include <cstring>
#include <string>

#include "benchmarks.h"

namespace {

int usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: torchprov <command> [options]\n"
               "commands:\n"
               "  bench capture [--runs N] [--epochs N] [--batches N]   capture overhead benchmark\n"
               "  version                                                print the version\n");
  return code;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(2);
  const std::string command = argv[1];
  if (command == "help" || command == "--help" || command == "-h") return usage(0);
  if (command == "version" || command == "--version") {
    std::printf("torchprov 0.1.0\n");
    return 0;
  }
  if (command == "bench") {
    if (argc >= 3 && std::strcmp(argv[2], "capture") == 0)
      return torchprov::bench::capture_overhead(argc - 3, argv + 3);
    std::fprintf(stderr, "torchprov bench: expected 'capture'\n");
    return 2;
  }
  std::fprintf(stderr, "torchprov: unknown command '%s'\n", command.c_str());
  return usage(2);
}
