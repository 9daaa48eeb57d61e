// `torchprov bench capture`, declared for the command line (its options and
// --help) without libtorch: `torchprov` runs the program
// torchprov-bench-capture beside it, which links libtorch and runs the
// benchmark under this same table (capture_main.cpp).
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "benchmarks.h"

namespace torchprov::bench {
namespace {

// The options given, passed on as they were checked here.
int run_capture_program(const cli::Arguments& args) {
  const std::filesystem::path program =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "torchprov-bench-capture";
  std::vector<std::string> words{program.string()};
  for (const cli::Option& option : args.command().options) {
    if (!args.has(option.name)) continue;
    words.emplace_back(option.name);
    if (!option.value.empty()) words.push_back(args.value(option.name));
  }
  std::vector<char*> argv;
  for (std::string& word : words) argv.push_back(word.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  ::execv(program.c_str(), argv.data());
  throw std::runtime_error("cannot run " + program.string() + ": " + std::strerror(errno));
}

}  // namespace

const cli::Command capture_command{
    .name = "bench capture",
    .summary = "Capture overhead: the same small-CNN training without capture, with epoch capture and with "
               "step capture every 10 batches, alternated; median time per step side by side.",
    .options =
        {
            {.name = "--runs", .value = "N", .help = "timed trainings per mode", .default_value = "5"},
            {.name = "--epochs", .value = "N", .help = "epochs per training", .default_value = "5"},
            {.name = "--batches", .value = "N", .help = "batches per epoch", .default_value = "40"},
            {.name = "--batch-size", .value = "N", .help = "examples per batch (synthetic 28x28)", .default_value = "64"},
        },
    .details = "Writes its capture as Turtle (.ttl, text/turtle) in the temporary folder and removes it.\n"
               "Prints a table on standard output; targets: epoch capture <= 0.5 %, step capture every 10\n"
               "batches <= 2 %.  Runs the program torchprov-bench-capture beside torchprov (it links libtorch).",
    .example = "torchprov bench capture --runs 7",
    .run = run_capture_program,
};

}  // namespace torchprov::bench
