// torchprov — one command for the store, the endpoint and the benchmarks.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "benchmarks.h"
#include "rules_command.h"
#include "serve_command.h"
#include "store_commands.h"
#include "scale_bench.h"
#include "store_bench.h"

namespace {

int usage(int code) {
  std::fprintf(code ? stderr : stdout,
               "usage: torchprov <command> [options]\n"
               "commands:\n"
               "  serve   --store DIR [--port 7878] ...          SPARQL 1.1 endpoint, Graph Store, dashboard\n"
               "  import  (--store DIR | --endpoint URL [--token-file F]) [--graph IRI] FILE...\n"
               "                                                 load Turtle / N-Triples / N-Quads / TriG / RDF/XML / PROV-JSON\n"
               "  import  --from keras-prov (--store DIR | --endpoint URL) [--person P] DUMP.sql...\n"
               "                                                 Keras-Prov / DNNProv MonetDB dumps as runs\n"
               "  export  --store DIR [--graph IRI] --format F   write turtle|ntriples|nquads|trig|provjson|provn\n"
               "  export  --store DIR --format dot --run RUN_ID  a run's provenance graph for Graphviz [--expand all]\n"
               "  query   --store DIR --format F (--file Q | Q)  run a SPARQL query\n"
               "          [--timeout S] [--limit-rows N] [--repeat N: time N runs]\n"
               "          [--explain yes: parse and plan, run nothing; no --store needed]\n"
               "          [--union-default-graph yes|no]\n"
               "  update  --store DIR (--file U | U)             run a SPARQL update\n"
               "          [--union-default-graph yes|no] [--explain yes: parse and list, apply nothing; no --store needed]\n"
               "  stats   --store DIR                            triples per graph and predicate\n"
               "  redland-sync --store DIR [--storage S --storage-options O]\n"
               "                                                 bring the Redland copy up to date (for rdfproc)\n"
               "  rules   add|list|remove --endpoint URL ...     steering rules (SPARQL ASK / SELECT)\n"
               "  bench capture [--runs N] [--epochs N] [--batches N]   capture overhead benchmark\n"
               "  bench store [--runs R] [--epochs E] [--repeat N] [--skip-oxigraph] [--skip-jena] [--dir D]\n"
               "                                                 store and queries against Oxigraph and Jena\n"
               "  bench scale [--runs 555,5550] [--virtuoso-runs 555] [--epochs E] [--repeat N] [--dir D]\n"
               "                                                 the embedded store and a Virtuoso backend by size\n"
               "  bench load [--seconds 10] [--connections 16]   endpoint under queries and ingest\n"
               "  version                                        print the version\n"
               "Run 'torchprov COMMAND --help' for a command's options.\n");
  return code;
}

// `bench capture` is the program torchprov-bench-capture beside this one:
// the only command that needs libtorch.
int run_capture_benchmark(char** argv) {
  const std::filesystem::path program =
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "torchprov-bench-capture";
  argv[2] = const_cast<char*>("torchprov-bench-capture");
  ::execv(program.c_str(), argv + 2);
  std::fprintf(stderr, "torchprov bench capture: cannot run %s: %s\n", program.c_str(), std::strerror(errno));
  return 1;
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
  if (command == "serve") return run_serve_command(argc - 2, argv + 2);
  if (command == "rules") return run_rules_command(argc - 2, argv + 2);
  if (is_store_command(command)) return run_store_command(command, argc - 2, argv + 2);
  if (command == "bench") {
    if (argc >= 3 && std::strcmp(argv[2], "capture") == 0) return run_capture_benchmark(argv);
    if (argc >= 3 && std::strcmp(argv[2], "store") == 0) return torchprov::bench::store_benchmark(argc - 3, argv + 3);
    if (argc >= 3 && std::strcmp(argv[2], "scale") == 0) return torchprov::bench::scale_benchmark(argc - 3, argv + 3);
    if (argc >= 3 && std::strcmp(argv[2], "load") == 0) return torchprov::bench::load_benchmark(argc - 3, argv + 3);
    std::fprintf(stderr, "torchprov bench: expected 'capture'\n");
    return 2;
  }
  std::fprintf(stderr, "torchprov: unknown command '%s'\n", command.c_str());
  return usage(2);
}
