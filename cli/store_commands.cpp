#include "store_commands.h"

#include <torchprov/interop.h>
#include <torchprov/triplestore.h>

#include "dataset.h"
#include "http_client.h"
#include "progress_line.h"
#include "rdf_io.h"
#include "results/result_format.h"
#include "results/result_stream.h"
#include "run_graph.h"
#include "sparql/engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace ts = torchprov::triplestore;
using torchprov::Statement;

namespace {

// --name VALUE options and positional arguments.
struct Arguments {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;

  std::optional<std::string> get(const std::string& name) const {
    auto it = options.find(name);
    if (it == options.end()) return std::nullopt;
    return it->second;
  }
};

Arguments parse_arguments(int argc, char** argv) {
  Arguments args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.size() > 2 && a.starts_with("--")) {
      if (i + 1 >= argc) throw std::invalid_argument("option " + a + " needs a value");
      args.options[a.substr(2)] = argv[++i];
    } else if (a == "-o") {
      if (i + 1 >= argc) throw std::invalid_argument("option -o needs a value");
      args.options["output"] = argv[++i];
    } else {
      args.positional.push_back(a);
    }
  }
  return args;
}

// Commands that only read open the store read-only: they write nothing
// into the folder, refuse one that holds no store, and see a consistent copy
// beside a running server.  Commands that write take the store's lock.
// A writer keeps the Redland copy current only when asked (--redland yes,
// or a Redland storage named): otherwise `redland-sync` brings it up to date.
ts::Store open_store(const Arguments& args, ts::StoreAccess access, ProgressLine& progress) {
  const auto dir = args.get("store");
  if (!dir) throw std::invalid_argument("--store DIR is required");
  ts::StoreOptions options;
  options.access = access;
  options.progress = progress.handler();
  if (auto s = args.get("storage")) options.storage = *s;
  if (auto s = args.get("storage-options")) options.storage_options = *s;
  const std::string redland = args.get("redland").value_or("no");
  if (redland != "yes" && redland != "no") throw std::invalid_argument("--redland takes yes or no");
  options.redland_copy = redland == "yes" || args.get("storage") || args.get("storage-options");
  ts::Store store = ts::Store::open(*dir, options);
  if (store.created()) std::fprintf(stderr, "torchprov: created a new store in %s\n", store.directory().c_str());
  return store;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// A file's IRI (file:///abs/path, percent-encoded), the base of a request read from it.
std::string file_iri(const std::string& path) {
  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  std::string iri = "file://";
  for (const unsigned char c : absolute) {
    if (std::isalnum(c) || std::strchr("/-._~!$&'()*+,;=:@", c)) {
      iri += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      iri += escaped;
    }
  }
  return iri;
}

// The query or update text (--file F or the single positional argument) and
// its base IRI: relative IRIs in a file resolve against the file's IRI, as
// SPARQL's base rules say (a BASE in the text still wins).
struct Request {
  std::string text, base_iri;
};
Request read_request(const Arguments& args) {
  if (auto file = args.get("file")) return {read_text(*file), file_iri(*file)};
  if (args.positional.size() == 1) return {args.positional[0], {}};
  throw std::invalid_argument("give the request as --file FILE or as one argument");
}

bool is_prov_json(const std::string& file, const std::optional<std::string>& format) {
  if (format) return torchprov::interop::prov_format_from_name(*format) == torchprov::interop::ProvFormat::json;
  return file.ends_with(".json") || file.ends_with(".provjson");
}

// Statements go to a store (one all-or-nothing import) or to a server's
// Graph Store as one N-Quads POST, which the server also applies whole.
struct Destination {
  std::optional<ts::Store> store;
  std::optional<torchprov::detail::HttpUrl> endpoint;
  std::string token;

  std::size_t deliver(const std::vector<Statement>& statements, const std::string& graph) {
    if (store) {
      auto import = store->begin_import(graph);
      import.add(statements);
      return import.commit();
    }
    std::ostringstream nquads;
    {
      ts::rdf_io::Writer writer(nquads, ts::RdfFormat::nquads);
      for (const auto& st : statements) {
        if (st.graph.empty() && !graph.empty()) {
          Statement in_graph = st;
          in_graph.graph = graph;
          writer.write(in_graph);
        } else {
          writer.write(st);
        }
      }
    }
    const auto reply = torchprov::detail::http_request(*endpoint, "POST", "/data", "application/n-quads", nquads.str(),
                                                       token, std::chrono::seconds(120));
    if (reply.status == 0) throw std::runtime_error("no answer from the endpoint: " + reply.error);
    if (reply.status >= 300)
      throw std::runtime_error("the endpoint answered " + std::to_string(reply.status) + ": " + reply.body);
    return statements.size();
  }
};

// What import reads, for its messages and --help.
std::string accepted_formats() {
  return "accepted: " + std::string(ts::accepted_rdf_formats()) + ", .json (PROV-JSON)";
}

// --union-default-graph yes (the store's convention: without FROM the default
// graph is the union of all graphs) or no (only the default graph, as the
// SPARQL spec's own examples and the W3C tests read a dataset).
bool union_default_graph(const Arguments& args) {
  const std::string value = args.get("union-default-graph").value_or("yes");
  if (value != "yes" && value != "no") throw std::invalid_argument("--union-default-graph takes yes or no");
  return value == "yes";
}

int import_command(const Arguments& args) {
  if (args.positional.empty()) throw std::invalid_argument("import: no files given");
  const auto from = args.get("from");
  if (from && *from != "keras-prov") throw std::invalid_argument("unknown --from '" + *from + "' (keras-prov)");
  if (args.get("store").has_value() == args.get("endpoint").has_value())
    throw std::invalid_argument("give --store DIR or --endpoint URL");
  ProgressLine progress;  // declared before the store: its line outlives the store's close
  Destination destination;
  if (args.get("store")) {
    destination.store.emplace(open_store(args, ts::StoreAccess::write, progress));
  } else {
    destination.endpoint = torchprov::detail::HttpUrl::parse(*args.get("endpoint"));
    if (auto token_file = args.get("token-file")) destination.token = torchprov::read_token_file(*token_file);
  }
  const std::string graph = args.get("graph").value_or("");
  std::optional<ts::RdfFormat> format;
  const auto format_name = args.get("format");
  if (format_name && !torchprov::interop::prov_format_from_name(*format_name)) {
    format = ts::format_from_name(*format_name);
    if (!format) throw std::invalid_argument("unknown format '" + *format_name + "'; " + accepted_formats());
  }
  int status = 0;
  for (const std::string& file : args.positional) {
    const auto start = std::chrono::steady_clock::now();
    try {
      std::size_t added = 0;
      if (from) {
        torchprov::interop::KerasProvOptions options;
        options.person = args.get("person").value_or("");
        const auto dump = torchprov::interop::read_keras_prov_dump(file, options);
        added = destination.deliver(dump.statements, graph);
        std::printf("%s: %zu runs, %zu epochs, %zu learning-rate changes (from %zu logged rows); import %s\n",
                    file.c_str(), dump.runs.size(), dump.epochs, dump.adaptations, dump.logged_rate_rows,
                    dump.import_iri.c_str());
        for (const auto& line : dump.report) std::printf("  %s\n", line.c_str());
      } else if (is_prov_json(file, format_name)) {
        added = destination.deliver(torchprov::interop::read_prov_json(read_text(file), file), graph);
      } else if (!format && !ts::format_from_path(file)) {
        throw std::runtime_error(file + ": unknown format (give --format); " + accepted_formats());
      } else if (destination.store) {
        added = ts::import_file(*destination.store, file, format, graph, progress.handler());
      } else {
        const auto chosen = format ? format : ts::format_from_path(file);
        std::vector<Statement> statements;
        ts::rdf_io::parse_file(file, *chosen, [&](const Statement& st) { statements.push_back(st); });
        added = destination.deliver(statements, graph);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.finish();
      std::printf("%s: %zu triples imported in %.2f s (%.0f triples/s)\n", file.c_str(), added, seconds,
                  seconds > 0 ? double(added) / seconds : 0.0);
    } catch (const ts::ParseError& e) {
      std::fprintf(stderr, "%s; nothing stored\n", e.what());
      status = 1;
    }
  }
  return status;
}

// --format dot --run RUN_ID: the run's provenance graph as the server draws
// it (GET /api/runs/RUN_ID/graph.svg); --expand all opens the folded groups.
int export_dot(const Arguments& args) {
  const auto run_id = args.get("run");
  if (!run_id) throw std::invalid_argument("--format dot needs --run RUN_ID (the dl:runId of a training run)");
  if (args.get("graph")) throw std::invalid_argument("--format dot draws one run: give --run, not --graph");
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  progress.finish();
  const auto view = store.read();
  const auto graph = torchprov::endpoint::run_graph::read(
      *run_id, [&](const std::string& text) { return ts::sparql::execute_query(view.dataset(), text); });
  if (!graph) throw std::runtime_error("no training run with dl:runId \"" + *run_id + "\" and a bundle in the store");
  std::set<std::string> expanded;
  if (auto e = args.get("expand")) expanded.insert(*e);
  const std::string dot = torchprov::endpoint::run_graph::to_dot(torchprov::endpoint::run_graph::shown(*graph, expanded));
  if (auto path = args.get("output")) {
    std::ofstream out(*path, std::ios::binary);
    if (!out || !(out << dot)) throw std::runtime_error(*path + ": cannot write");
  } else {
    std::cout << dot;
  }
  return 0;
}

int export_command(const Arguments& args) {
  const auto format_name = args.get("format").value_or("nquads");
  if (format_name == "dot") return export_dot(args);
  const auto prov_format = torchprov::interop::prov_format_from_name(format_name);
  const auto format = ts::format_from_name(format_name);
  if (!format && !prov_format) throw std::invalid_argument("unknown format '" + format_name + "'");
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  progress.finish();
  std::optional<std::string> graph = args.get("graph");
  std::ofstream file;
  if (auto path = args.get("output")) {
    file.open(*path, std::ios::binary);
    if (!file) throw std::runtime_error(*path + ": cannot write");
  }
  std::ostream& out = file.is_open() ? static_cast<std::ostream&>(file) : std::cout;
  if (prov_format) {
    torchprov::interop::write_prov(out, torchprov::interop::statements_of(store, graph), *prov_format);
  } else {
    store.export_to(out, *format, graph);
  }
  return 0;
}

int query_command(const Arguments& args) {
  const auto format_name = args.get("format").value_or("table");
  const auto format = ts::results::parse_result_format(format_name);
  if (!format) throw std::invalid_argument("unknown result format '" + format_name + "'");
  const auto [text, base_iri] = read_request(args);
  ts::sparql::QueryOptions options;
  options.base_iri = base_iri;
  options.union_default_graph = union_default_graph(args);
  if (auto t = args.get("timeout")) options.timeout = std::chrono::milliseconds(long(std::stod(*t) * 1000));
  if (auto n = args.get("limit-rows")) options.max_rows = std::stoul(*n);
  const bool explain = args.get("explain").value_or("no") == "yes";
  if (explain && !args.get("store")) {
    // Without a store the plan is made over an empty dataset: a syntax check
    // of a query file needs no store, as update --explain needs none.
    const ts::Dataset empty;
    std::cout << ts::sparql::explain_query(empty, text, options);
    return 0;
  }
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  progress.finish();
  // --repeat N runs the query N times and prints each time and the median
  // on stderr (the result is written once): timing without the store's
  // open cost, which dominates a single run.
  const int repeat = std::max(1, std::stoi(args.get("repeat").value_or("1")));
  if (explain) {
    auto view = store.read();
    std::cout << ts::sparql::explain_query(view.dataset(), text, options);
    return 0;
  }
  ts::sparql::CompactResult result;
  std::vector<double> ms;
  {
    auto view = store.read();
    for (int i = 0; i < repeat; ++i) {
      const auto start = std::chrono::steady_clock::now();
      result = ts::sparql::execute_query_compact(view.dataset(), text, options);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  }
  if (args.get("repeat")) {
    for (double t : ms) std::fprintf(stderr, "%.2f ms\n", t);
    std::sort(ms.begin(), ms.end());
    std::fprintf(stderr, "median %.2f ms over %d runs, %zu rows\n", ms[ms.size() / 2], repeat,
                 result.form == ts::sparql::QueryForm::select ? result.row_count() : result.triples.size());
  }
  // Written a piece at a time: a large result is never whole as text.
  ts::results::ResultStream stream(std::move(result), *format);
  std::string piece;
  for (bool more = true; more; piece.clear()) {
    {
      auto view = store.read();
      more = stream.next(view.dataset(), piece);
    }
    std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
  }
  return 0;
}

int update_command(const Arguments& args) {
  const auto [text, base_iri] = read_request(args);
  ts::sparql::QueryOptions options;
  options.base_iri = base_iri;
  options.union_default_graph = union_default_graph(args);
  if (args.get("explain").value_or("no") == "yes") {
    // Parsed and listed, nothing applied (the store is not even opened).
    std::cout << ts::sparql::explain_update(text, options);
    return 0;
  }
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::write, progress);
  progress.finish();
  const ts::sparql::UpdateDelta delta =
      store.modify([&](ts::Dataset& dataset) { return ts::sparql::execute_update(dataset, text, options); });
  std::printf("%zu quads added, %zu removed\n", delta.added.size(), delta.removed.size());
  return 0;
}

int stats_command(const Arguments& args) {
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  progress.finish();
  const ts::StoreStats s = store.stats();
  std::printf("triples      %zu\nterms        %zu\nmemory       %.1f MiB (%.0f bytes/triple)\n", s.triples, s.terms,
              double(s.memory_bytes) / (1 << 20), s.triples ? double(s.memory_bytes) / double(s.triples) : 0.0);
  std::printf("journal      %llu bytes (batch %llu)\n", (unsigned long long)s.journal_bytes,
              (unsigned long long)s.committed_sequence);
  if (s.redland_sequence >= s.committed_sequence)
    std::printf("redland      a current copy (batch %llu)\n", (unsigned long long)s.redland_sequence);
  else
    std::printf("redland      copy at batch %llu of %llu: torchprov redland-sync --store %s brings it up to date\n",
                (unsigned long long)s.redland_sequence, (unsigned long long)s.committed_sequence,
                store.directory().c_str());
  if (!s.writer.empty())
    std::printf("writer       %s (this is the store as of now; it writes on)\n", s.writer.c_str());
  std::printf("graphs       %zu\n", s.graphs.size());
  for (const auto& [graph, n] : s.graphs)
    std::printf("  %10zu  %s\n", n, graph.empty() ? "(default graph)" : graph.c_str());
  std::printf("predicates   %zu\n", s.predicates.size());
  for (const auto& [predicate, n] : s.predicates) std::printf("  %10zu  %s\n", n, predicate.c_str());
  return 0;
}

// Brings the Redland copy up to date (or builds it) for rdfproc and other
// Redland tools, then stops: no writer may hold the store meanwhile.
int redland_sync_command(Arguments args) {
  args.options["redland"] = "yes";
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::write, progress);
  const auto start = std::chrono::steady_clock::now();
  store.wait_for_redland(progress.handler());
  progress.finish();
  const ts::StoreStats s = store.stats();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("the Redland copy in %s holds batch %llu (%zu triples) after %.2f s\n", store.directory().c_str(),
              (unsigned long long)s.redland_sequence, s.triples, seconds);
  const std::string storage = args.get("storage").value_or("hashes");
  if (storage == "hashes" && !args.get("storage-options"))
    std::printf("read it with: rdfproc -s hashes -t \"hash-type='bdb',dir='%s',contexts='yes'\" redland print\n",
                store.directory().c_str());
  return 0;
}

}  // namespace

bool is_store_command(const std::string& verb) {
  return verb == "import" || verb == "export" || verb == "query" || verb == "update" || verb == "stats" ||
         verb == "redland-sync";
}

int run_store_command(const std::string& verb, int argc, char** argv) {
  if (verb == "import" && argc == 1 && (std::strcmp(argv[0], "--help") == 0 || std::strcmp(argv[0], "-h") == 0)) {
    std::printf("usage: torchprov import (--store DIR | --endpoint URL [--token-file F]) [--graph IRI] [--format F] FILE...\n"
                "       torchprov import --from keras-prov (--store DIR | --endpoint URL) [--person P] DUMP.sql...\n"
                "formats by extension: %s, .json (PROV-JSON)\n"
                "--format (turtle, ntriples, nquads, trig, rdfxml, provjson) overrides the extension.\n",
                std::string(ts::accepted_rdf_formats()).c_str());
    return 0;
  }
  Arguments args;
  try {
    args = parse_arguments(argc, argv);
    if (verb == "import") return import_command(args);
    if (verb == "export") return export_command(args);
    if (verb == "query") return query_command(args);
    if (verb == "update") return update_command(args);
    if (verb == "stats") return stats_command(args);
    if (verb == "redland-sync") return redland_sync_command(args);
    std::fprintf(stderr, "torchprov: unknown store command '%s'\n", verb.c_str());
    return 2;
  } catch (const ts::sparql::SyntaxError& e) {
    // FILE:LINE:COLUMN, as compilers write it, for a request read from a file.
    std::fprintf(stderr, "torchprov %s: %s:%zu:%zu: syntax error: %s\n", verb.c_str(),
                 args.get("file").value_or("<argument>").c_str(), e.line, e.column, e.what());
    return 1;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "torchprov %s: %s\n", verb.c_str(), e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torchprov %s: %s\n", verb.c_str(), e.what());
    return 1;
  }
}
