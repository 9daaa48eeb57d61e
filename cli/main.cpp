// torchprov — one command for the store, the endpoint and the benchmarks.
// Every command is declared as a table (torchprov/command_line.h); this file
// lists them, and `torchprov --help` is made from the list.
#include <cstdio>
#include <string_view>

#include <torchprov/command_line.h>

#include "benchmarks.h"
#include "rules_command.h"
#include "scale_bench.h"
#include "serve_command.h"
#include "store_bench.h"
#include "store_commands.h"

namespace cli = torchprov::cli;

namespace {

const cli::Command version_command{
    .name = "version",
    .summary = "Print the version.",
    .example = "torchprov version",
    .run = [](const cli::Arguments&) {
      std::printf("torchprov %s\n", TORCHPROV_VERSION);
      return cli::exit_success;
    },
};

const cli::CommandGroup bench_commands{
    .name = "bench",
    .summary = "Benchmarks that print figures side by side.",
    .entries = {&torchprov::bench::capture_command, &torchprov::bench::store_command,
                &torchprov::bench::scale_command, &torchprov::bench::load_command,
                &torchprov::bench::soak_command},
};

const cli::CommandGroup torchprov_commands{
    .name = "",
    .summary = "Provenance of deep-learning training: the store, its SPARQL endpoint and the benchmarks.",
    .entries = {&serve_command, &import_command, &export_command, &query_command, &update_command, &stats_command,
                &redland_sync_command, &rules_commands, &bench_commands, &version_command},
    .details = "first steps (from the repository root):\n"
               "  make demo    builds, serves out/store at http://127.0.0.1:7878/ and trains Fashion-MNIST into it\n"
               "  torchprov query --store out/store --file ontology/queries/01-loss-accuracy-curves.rq\n"
               "  torchprov export --store out/store --format trig -o provenance.trig\n"
               "  torchprov stats --store out/store\n"
               "exit codes, the same for every command:\n"
               "  0  success\n"
               "  1  runtime failure: the command ran and failed (the message says what failed)\n"
               "  2  usage error: unknown option, missing or malformed value (the message names it); nothing done\n"
               "environment:\n"
               "  TORCHPROV_PERSON             who a captured run is attributed to (default: the login name)\n"
               "  TORCHPROV_PROGRESS_AFTER_MS  when a progress line appears on a terminal (default 2000)\n"
               "  TORCHPROV_PROGRESS=always    draw the progress line even when stderr is not a terminal",
};

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == "--version") return cli::run_command(version_command, 0, nullptr);
  return cli::run_group(torchprov_commands, argc - 1, argv + 1);
}
