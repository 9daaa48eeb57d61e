#include "store_commands.h"

#include <torchprov/interop.h>
#include <torchprov/triplestore.h>

#include "dataset.h"
#include "progress_line.h"
#include "http_client.h"
#include "rdf_io.h"
#include "results/result_format.h"
#include "results/result_stream.h"
#include "run_graph.h"
#include "sparql/engine.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdint>
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
namespace cli = torchprov::cli;
namespace interop = torchprov::interop;
using torchprov::Statement;
using cli::Arguments;
using cli::Option;
using cli::UsageError;

namespace {

// Options every store command takes, after its own.  import may send to a
// server instead, so its --store is not required.
// How a command uses --store.  Only writers keep a Redland copy, so only
// they take the Redland options (a read-only open never touches the copy).
enum class StoreUse { reads, writes };

// `without_store`: what the command does when --store is not given (empty:
// --store is required).
std::vector<Option> with_store_options(std::vector<Option> own, StoreUse use, std::string_view without_store = {}) {
  own.insert(own.begin(), {.name = "--store", .value = "DIR",
                           .help = use == StoreUse::writes ? "the store folder; created when absent"
                                                           : "the store folder; it must exist (a read creates nothing)",
                           .default_help = without_store,
                           .required = without_store.empty()});
  if (use == StoreUse::reads) return own;
  own.push_back({.name = "--redland", .value = "yes|no",
                 .help = "keep the Redland copy in DIR current while writing (else redland-sync brings it up to date)",
                 .default_value = "no"});
  own.push_back({.name = "--storage", .value = "NAME",
                 .help = "Redland storage module: hashes, sqlite, postgresql, virtuoso (implies --redland yes)",
                 .default_value = "hashes"});
  own.push_back({.name = "--storage-options", .value = "TEXT", .help = "Redland storage options (implies --redland yes)",
                 .default_help = "for hashes: hash-type='bdb',dir='DIR',contexts='yes'"});
  return own;
}

constexpr std::string_view rdf_formats =
    "RDF formats, by file extension, --format name and media type:\n"
    "  .ttl    turtle (ttl)          text/turtle\n"
    "  .nt     ntriples (nt)         application/n-triples\n"
    "  .nq     nquads (nq)           application/n-quads\n"
    "  .trig   trig                  application/trig\n"
    "  .json   provjson (json)       application/json (PROV-JSON; .provjson too)";

// Commands that only read open the store read-only: they write nothing
// into the folder, refuse one that holds no store, and see a consistent copy
// beside a running server.  Commands that write take the store's lock.
// A writer keeps the Redland copy current only when asked (--redland yes,
// or a Redland storage named): otherwise `redland-sync` brings it up to date.
// The ProgressLine shows long opens and closes, so it must outlive the store.
ts::Store open_store(const Arguments& args, ts::StoreAccess access, ProgressLine& progress) {
  ts::StoreOptions options;
  options.access = access;
  options.progress = progress.handler();
  if (access == ts::StoreAccess::write) {
    options.storage = args.value("--storage");
    options.storage_options = args.value("--storage-options");
    const std::string redland = args.value("--redland");
    if (redland != "yes" && redland != "no") throw UsageError("--redland takes yes or no, not '" + redland + "'");
    options.redland_copy = redland == "yes" || args.has("--storage") || args.has("--storage-options");
  }
  ts::Store store = ts::Store::open(args.value("--store"), options);
  progress.finish();
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

// The query or update text (--file F or the one operand, not both) and its
// base IRI: relative IRIs in a file resolve against the file's IRI, as
// SPARQL's base rules say (a BASE in the text still wins).
struct Request {
  std::string text, base_iri, name;  // name: the file, for FILE:LINE:COLUMN
};
Request read_request(const Arguments& args) {
  const auto file = args.get("--file");
  if (file && !args.operands().empty()) throw UsageError("give the request as --file FILE or as an argument, not both");
  if (file) return {read_text(*file), file_iri(*file), *file};
  if (args.operands().size() == 1) return {args.operands()[0], {}, "<argument>"};
  throw UsageError("give the request as --file FILE or as one argument");
}

// A syntax error in a request, reported FILE:LINE:COLUMN as compilers write it.
// The parser's message ends "at line L, column C", which the prefix already says.
[[noreturn]] void throw_with_position(const Request& request, const ts::sparql::SyntaxError& e) {
  std::string message = e.what();
  const std::string where = " at line " + std::to_string(e.line) + ", column " + std::to_string(e.column);
  if (message.ends_with(where)) message.resize(message.size() - where.size());
  throw std::runtime_error(request.name + ":" + std::to_string(e.line) + ":" + std::to_string(e.column) +
                           ": syntax error: " + message);
}

// --union-default-graph yes (the store's convention: without FROM the default
// graph is the union of all graphs) or no (only the default graph, as the
// SPARQL spec's own examples and the W3C tests read a dataset).
bool union_default_graph(const Arguments& args) {
  const std::string value = args.value("--union-default-graph");
  if (value != "yes" && value != "no") throw UsageError("--union-default-graph takes yes or no, not '" + value + "'");
  return value == "yes";
}

std::string yes_or_no(const Arguments& args, const std::string& option) {
  const std::string value = args.value(option);
  if (value != "yes" && value != "no") throw UsageError(option + " takes yes or no, not '" + value + "'");
  return value;
}

// --format as an RDF syntax; nullopt when absent or a PROV format.
std::optional<ts::RdfFormat> rdf_format_option(const Arguments& args) {
  const auto name = args.get("--format");
  if (!name || interop::prov_format_from_name(*name)) return std::nullopt;
  const auto format = ts::format_from_name(*name);
  if (!format) throw UsageError("--format: unknown format '" + *name + "'; import reads " + std::string(ts::accepted_rdf_formats()));
  return format;
}

bool is_prov_json(const std::string& file, const std::optional<std::string>& format) {
  if (format) return interop::prov_format_from_name(*format) == interop::ProvFormat::json;
  return file.ends_with(".json") || file.ends_with(".provjson");
}

// Statements go to a store (one all-or-nothing import) or to a server's
// Graph Store as one N-Quads POST, which the server also applies whole.
struct Destination {
  std::optional<ts::Store> store;
  std::optional<torchprov::detail::HttpUrl> endpoint;
  std::string token;
  torchprov::detail::TlsOptions tls;
  std::chrono::milliseconds timeout{120000};

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
    const std::string body = nquads.str();
    const auto reply = torchprov::detail::http_request(*endpoint, "POST", "/data", "application/n-quads", body, token,
                                                       timeout + torchprov::detail::time_to_send(body.size()), {}, tls);
    if (reply.status == 0) throw std::runtime_error("no answer from the endpoint: " + reply.error);
    if (reply.status >= 300)
      throw std::runtime_error("the endpoint answered " + std::to_string(reply.status) + ": " + reply.body);
    return statements.size();
  }
};

int import_files(const Arguments& args) {
  const auto from = args.get("--from");
  if (from && *from != "keras-prov") throw UsageError("--from: unknown source '" + *from + "' (keras-prov)");
  if (args.has("--store") == args.has("--endpoint")) throw UsageError("give --store DIR or --endpoint URL (one of them)");
  const std::string graph = args.value("--graph");
  const auto format_name = args.get("--format");
  const auto format = rdf_format_option(args);
  if (format_name && interop::prov_format_from_name(*format_name) == interop::ProvFormat::n)
    throw UsageError("--format: PROV-N is written (export), not read; import takes provjson");
  for (const std::string& file : args.operands()) {
    if (!from && !format && !is_prov_json(file, format_name) && !ts::format_from_path(file))
      throw UsageError(file + ": unknown format; name the file " + std::string(ts::accepted_rdf_formats()) +
                       " or .json (PROV-JSON), or give --format");
    if (!std::filesystem::exists(file)) throw std::runtime_error(file + ": no such file");
  }
  ProgressLine progress;  // declared before the store: its line outlives the store's close
  Destination destination;
  if (args.has("--store")) {
    destination.store.emplace(open_store(args, ts::StoreAccess::write, progress));
  } else {
    destination.endpoint = torchprov::detail::HttpUrl::parse(args.value("--endpoint"));
    if (args.has("--token-file")) destination.token = torchprov::read_token_file(args.value("--token-file"));
    if (args.has("--ca-file")) destination.tls.ca_file = args.value("--ca-file");
    destination.timeout = std::chrono::milliseconds(long(args.number("--timeout", 0.001, 1e6) * 1000));
  }
  int status = cli::exit_success;
  for (const std::string& file : args.operands()) {
    const auto start = std::chrono::steady_clock::now();
    try {
      std::size_t added = 0;
      if (from) {
        interop::KerasProvOptions options;
        options.person = args.value("--person");
        const auto dump = interop::read_keras_prov_dump(file, options);
        added = destination.deliver(dump.statements, graph);
        std::printf("%s: %zu runs, %zu epochs, %zu learning-rate changes (from %zu logged rows); import %s\n",
                    file.c_str(), dump.runs.size(), dump.epochs, dump.adaptations, dump.logged_rate_rows,
                    dump.import_iri.c_str());
        for (const auto& line : dump.report) std::printf("  %s\n", line.c_str());
      } else if (is_prov_json(file, format_name)) {
        const auto statements = interop::read_prov_json(read_text(file), file);
        added = destination.deliver(statements, graph);
      } else if (destination.store) {
        added = ts::import_file(*destination.store, file, format, graph, progress.handler());
      } else {
        std::vector<Statement> statements;
        ts::rdf_io::parse_file(file, format ? *format : *ts::format_from_path(file),
                               [&](const Statement& st) { statements.push_back(st); });
        added = destination.deliver(statements, graph);
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      progress.finish();
      std::printf("%s: %zu triples imported in %.2f s (%.0f triples/s)\n", file.c_str(), added, seconds,
                  seconds > 0 ? double(added) / seconds : 0.0);
      std::fflush(stdout);
    } catch (const ts::ParseError& e) {
      progress.finish();
      std::fprintf(stderr, "%s; nothing stored\n", e.what());
      status = cli::exit_failure;
    }
  }
  destination.store.reset();  // closing may write a snapshot: the line shows it
  return status;
}

// --format dot --run RUN_ID: the run's provenance graph as the server draws
// it (GET /api/runs/RUN_ID/graph.svg); --expand all opens the folded groups.
int export_dot(const Arguments& args) {
  const auto run_id = args.get("--run");
  if (!run_id) throw UsageError("--format dot needs --run RUN_ID (the dl:runId of a training run)");
  if (args.has("--graph")) throw UsageError("--format dot draws one run: give --run, not --graph");
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  const auto view = store.read();
  const auto graph = torchprov::endpoint::run_graph::read(
      *run_id, [&](const std::string& text) { return ts::sparql::execute_query(view.dataset(), text); });
  if (!graph) throw std::runtime_error("no training run with dl:runId \"" + *run_id + "\" and a bundle in the store");
  std::set<std::string> expanded;
  if (auto e = args.get("--expand")) expanded.insert(*e);
  const std::string dot = torchprov::endpoint::run_graph::to_dot(torchprov::endpoint::run_graph::shown(*graph, expanded));
  if (auto path = args.get("--output")) {
    std::ofstream out(*path, std::ios::binary);
    if (!out || !(out << dot)) throw std::runtime_error(*path + ": cannot write");
  } else {
    std::cout << dot;
  }
  return cli::exit_success;
}

int export_store(const Arguments& args) {
  if (args.value("--format") == "dot") return export_dot(args);
  if (args.has("--run") || args.has("--expand")) throw UsageError("--run and --expand go with --format dot");
  const auto prov_format = interop::prov_format_from_name(args.value("--format"));
  const auto format = rdf_format_option(args).value_or(ts::RdfFormat::nquads);
  const std::optional<std::string> graph = args.get("--graph");
  const auto start = std::chrono::steady_clock::now();
  // The store first: a mistyped --store must not leave an empty -o file.
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  std::ofstream file;
  if (auto path = args.get("--output")) {
    file.open(*path, std::ios::binary);
    if (!file) throw std::runtime_error(*path + ": cannot write");
  }
  std::ostream& out = file.is_open() ? file : std::cout;
  const auto check_written = [&] {
    out.flush();
    if (!out) throw std::runtime_error(args.has("--output") ? args.value("--output") + ": write failed"
                                                            : "cannot write to standard output");
  };
  const auto seconds = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(); };
  if (prov_format) {
    interop::write_prov(out, interop::statements_of(store, graph), *prov_format);
    check_written();
    std::fprintf(stderr, "exported in %.2f s\n", seconds());
    return cli::exit_success;
  }
  // N-Triples and N-Quads put one statement on a line: counting lines tells
  // how far a whole-store export is.  Other formats show bytes only.
  const bool line_based = format == ts::RdfFormat::ntriples || format == ts::RdfFormat::nquads;
  const std::uint64_t total = line_based && !graph ? store.read().dataset().size() : 0;
  std::uint64_t bytes = 0, lines = 0;
  auto pieces = store.export_pieces(format, graph);
  std::string piece;
  for (bool more = true; more; piece.clear()) {
    more = pieces.next(piece);
    out.write(piece.data(), std::streamsize(piece.size()));
    bytes += piece.size();
    lines += std::uint64_t(std::count(piece.begin(), piece.end(), '\n'));
    progress.report({.task = "export", .unit = line_based ? "statements" : "bytes", .done = line_based ? lines : bytes,
                     .total = total});
  }
  progress.finish();
  check_written();
  std::fprintf(stderr, "exported %.1f MB%s in %.2f s\n", double(bytes) / 1e6,
               line_based ? (" (" + std::to_string(lines) + " statements)").c_str() : "", seconds());
  return cli::exit_success;
}

int run_query(const Arguments& args) {
  const auto format_name = args.value("--format");
  const auto format = ts::results::parse_result_format(format_name);
  if (!format) throw UsageError("--format: unknown result format '" + format_name + "'");
  const Request request = read_request(args);
  const std::string& text = request.text;
  ts::sparql::QueryOptions options;
  options.base_iri = request.base_iri;
  options.union_default_graph = union_default_graph(args);
  if (args.has("--timeout")) options.timeout = std::chrono::milliseconds(long(args.number("--timeout", 0.001, 1e6) * 1000));
  if (args.has("--limit-rows")) options.max_rows = std::size_t(args.integer("--limit-rows", 1, INT64_MAX));
  // --repeat N runs the query N times and prints each time and the median
  // on stderr (the result is written once): timing without the store's
  // open cost, which dominates a single run.
  const int repeat = int(args.integer("--repeat", 1, 1'000'000));
  const bool explain = yes_or_no(args, "--explain") == "yes";
  if (!args.has("--store") && !explain) throw UsageError("--store DIR is required (only --explain yes runs without one)");
  if (explain && !args.has("--store")) {
    // Without a store the plan is made over an empty dataset: a syntax check
    // of a query file needs no store, as update --explain needs none.
    const ts::Dataset empty;
    try {
      std::cout << ts::sparql::explain_query(empty, text, options);
    } catch (const ts::sparql::SyntaxError& e) {
      throw_with_position(request, e);
    }
    return cli::exit_success;
  }
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
  ts::sparql::CompactResult result;
  std::vector<double> ms;
  try {
    auto view = store.read();
    if (explain) {
      std::cout << ts::sparql::explain_query(view.dataset(), text, options);
      return cli::exit_success;
    }
    for (int i = 0; i < repeat; ++i) {
      const auto start = std::chrono::steady_clock::now();
      result = ts::sparql::execute_query_compact(view.dataset(), text, options);
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
  } catch (const ts::sparql::SyntaxError& e) {
    throw_with_position(request, e);
  }
  if (args.has("--repeat")) {
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
  return cli::exit_success;
}

int run_update(const Arguments& args) {
  const Request request = read_request(args);
  ts::sparql::QueryOptions options;
  options.base_iri = request.base_iri;
  options.union_default_graph = union_default_graph(args);
  if (yes_or_no(args, "--explain") == "yes") {
    // Parsed and listed, nothing applied (the store is not even opened).
    try {
      std::cout << ts::sparql::explain_update(request.text, options);
    } catch (const ts::sparql::SyntaxError& e) {
      throw_with_position(request, e);
    }
    return cli::exit_success;
  }
  if (!args.has("--store")) throw UsageError("--store DIR is required (only --explain yes runs without one)");
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::write, progress);
  ts::sparql::UpdateDelta delta;
  try {
    delta = store.modify([&](ts::Dataset& dataset) { return ts::sparql::execute_update(dataset, request.text, options); });
  } catch (const ts::sparql::SyntaxError& e) {
    throw_with_position(request, e);
  }
  std::printf("%zu quads added, %zu removed\n", delta.added.size(), delta.removed.size());
  return cli::exit_success;
}

int show_stats(const Arguments& args) {
  ProgressLine progress;
  ts::Store store = open_store(args, ts::StoreAccess::read, progress);
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
  return cli::exit_success;
}

// Brings the Redland copy up to date (or builds it) for rdfproc and other
// Redland tools, then stops: no writer may hold the store meanwhile.
int redland_sync(const Arguments& args) {
  ProgressLine progress;
  ts::StoreOptions options;
  options.progress = progress.handler();
  options.redland_copy = true;
  options.storage = args.value("--storage");
  options.storage_options = args.value("--storage-options");
  ts::Store store = ts::Store::open(args.value("--store"), options);
  progress.finish();
  if (store.created()) std::fprintf(stderr, "torchprov: created a new store in %s\n", store.directory().c_str());
  const auto start = std::chrono::steady_clock::now();
  store.wait_for_redland(progress.handler());
  progress.finish();
  const ts::StoreStats s = store.stats();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("the Redland copy in %s holds batch %llu (%zu triples) after %.2f s\n", store.directory().c_str(),
              (unsigned long long)s.redland_sequence, s.triples, seconds);
  if (args.value("--storage") == "hashes" && !args.has("--storage-options"))
    std::printf("read it with: rdfproc -s hashes -t \"hash-type='bdb',dir='%s',contexts='yes'\" redland print\n",
                store.directory().c_str());
  return cli::exit_success;
}

constexpr std::string_view result_formats =
    "result formats, by --format name and media type:\n"
    "  table     text/plain                        aligned columns, for people (SELECT, ASK, graphs)\n"
    "  csv       text/csv                          SELECT, ASK, graphs as rows\n"
    "  tsv       text/tab-separated-values         SELECT, ASK, graphs as rows\n"
    "  json      application/sparql-results+json   SELECT, ASK\n"
    "  xml       application/sparql-results+xml    SELECT, ASK\n"
    "  turtle    text/turtle                       CONSTRUCT, DESCRIBE\n"
    "  ntriples  application/n-triples             CONSTRUCT, DESCRIBE\n"
    "  nquads    application/n-quads               CONSTRUCT, DESCRIBE\n"
    "  trig      application/trig                  CONSTRUCT, DESCRIBE";

std::string joined(std::initializer_list<std::string_view> parts) {
  std::string text;
  for (std::string_view part : parts) text += part;
  return text;
}

const std::string import_details =
    joined({rdf_formats, "\n  .rdf    rdfxml                application/rdf+xml (RDF/XML, read only; .owl too)"
                         "\n  .sql    --from keras-prov     Keras-Prov / DNNProv MonetDB dump (application/sql)\n"
                         "Each FILE is one all-or-nothing import: a syntax error is reported as FILE:LINE:COLUMN\n"
                         "and adds nothing from that file (the other files still load; exit 1).\n"
                         "The store folder is created when absent.  With --endpoint each FILE is one N-Quads POST\n"
                         "(application/n-quads) to the server's /data, which applies it whole."});
const std::string export_details =
    joined({rdf_formats, "\n  .provn  provn                 text/provenance-notation (PROV-N)"
                         "\n  .dot    dot                   text/vnd.graphviz (one run's provenance graph, for Graphviz; needs --run)\n"
                         "Turtle drops graph names; N-Quads, TriG and PROV-JSON / PROV-N (as bundles) keep them."});
const std::string query_details =
    joined({result_formats, "\nQuery files: SPARQL 1.1 (.rq, application/sparql-query), e.g. ontology/queries/*.rq.\n"
                            "Without FROM the default graph is the union of all graphs (--union-default-graph no: only the\n"
                            "default graph).  Relative IRIs in a --file resolve against the file's IRI; a syntax error is\n"
                            "reported as FILE:LINE:COLUMN."});

}  // namespace

const cli::Command import_command{
    .name = "import",
    .summary = "Load RDF or PROV-JSON files, or Keras-Prov / DNNProv dumps, into a store or a running server; "
               "one all-or-nothing import per file.",
    .options = with_store_options(
        {
            {.name = "--endpoint", .value = "URL", .help = "send to this torchprov server instead of a --store"},
            {.name = "--token-file", .value = "FILE", .help = "bearer token for --endpoint (the server's STORE/token)"},
            {.name = "--ca-file", .value = "FILE",
             .help = "PEM certificates of a private CA an https:// --endpoint's certificate may come from",
             .default_help = "the system's CA certificates"},
            {.name = "--timeout", .value = "S",
             .help = "with --endpoint: give up on a file the server has not taken within S seconds (plus 4 s per MB sent)",
             .default_value = "120"},
            {.name = "--graph", .value = "IRI", .help = "graph for statements that name none",
             .default_help = "the default graph"},
            {.name = "--format", .value = "NAME", .help = "syntax of every FILE: turtle, ntriples, nquads, trig, rdfxml, provjson",
             .default_help = "from each file's extension"},
            {.name = "--from", .value = "SOURCE", .help = "read FILEs as keras-prov (Keras-Prov / DNNProv MonetDB dumps, .sql)"},
            {.name = "--person", .value = "NAME", .help = "with --from keras-prov: who ran the trainings",
             .default_help = "not recorded"},
        },
        StoreUse::writes, "none; with --endpoint"),
    .operands = "FILE...",
    .min_operands = 1,
    .max_operands = SIZE_MAX,
    .details = import_details,
    .example = "torchprov import --store out/store --graph https://example.org/g run.ttl more.nq",
    .run = import_files,
};

const cli::Command export_command{
    .name = "export",
    .summary = "Write a store, or one graph of it, as RDF.",
    .options = with_store_options({
        {.name = "--graph", .value = "IRI", .help = "export only this graph ('' for the default graph)",
         .default_help = "every graph"},
        {.name = "--format", .value = "NAME", .help = "turtle, ntriples, nquads, trig, provjson, provn or dot",
         .default_value = "nquads"},
        {.name = "--output", .value = "FILE", .help = "write to FILE", .default_help = "standard output", .short_name = "-o"},
        {.name = "--run", .value = "RUN_ID", .help = "with --format dot: the run (its dl:runId) whose graph is drawn"},
        {.name = "--expand", .value = "GROUP", .help = "with --format dot: open this folded group ('all': every one)",
         .default_help = "none"},
    }, StoreUse::reads),
    .details = export_details,
    .example = "torchprov export --store out/store --format trig -o provenance.trig",
    .run = export_store,
};

const cli::Command query_command{
    .name = "query",
    .summary = "Run a SPARQL 1.1 query on a store and write its result.",
    .options = with_store_options({
        {.name = "--format", .value = "NAME", .help = "result format (see below)", .default_value = "table"},
        {.name = "--file", .value = "FILE", .help = "read the query from FILE instead of the argument"},
        {.name = "--timeout", .value = "S", .help = "stop the query after S seconds", .default_help = "none"},
        {.name = "--limit-rows", .value = "N", .help = "refuse results of more than N rows", .default_help = "unlimited"},
        {.name = "--repeat", .value = "N", .help = "run N times, print each time and the median on stderr",
         .default_value = "1"},
        {.name = "--explain", .value = "yes|no",
         .help = "print the optimised plan instead of running (without --store: over an empty dataset, a syntax check)",
         .default_value = "no"},
        {.name = "--union-default-graph", .value = "yes|no",
         .help = "without FROM, read the union of all graphs (yes) or only the default graph (no, as the SPARQL spec does)",
         .default_value = "yes"},
    }, StoreUse::reads, "none; only --explain yes runs without one"),
    .operands = "[QUERY]",
    .max_operands = 1,
    .details = query_details,
    .example = "torchprov query --store out/store --format csv --file ontology/queries/01-loss-accuracy-curves.rq",
    .run = run_query,
};

const cli::Command update_command{
    .name = "update",
    .summary = "Run a SPARQL 1.1 Update on a store, as one durable batch.",
    .options = with_store_options({
        {.name = "--file", .value = "FILE", .help = "read the update from FILE instead of the argument"},
        {.name = "--explain", .value = "yes|no", .help = "parse and list the operations, apply nothing (needs no --store)",
         .default_value = "no"},
        {.name = "--union-default-graph", .value = "yes|no",
         .help = "without USING or WITH, WHERE reads the union of all graphs (yes) or only the default graph (no)",
         .default_value = "yes"},
    }, StoreUse::writes, "none; only --explain yes runs without one"),
    .operands = "[UPDATE]",
    .max_operands = 1,
    .details = "Update files: SPARQL 1.1 Update (.ru, application/sparql-update).  Prints the quads added and removed.",
    .example = "torchprov update --store out/store 'DROP GRAPH <https://example.org/g>'",
    .run = run_update,
};

const cli::Command stats_command{
    .name = "stats",
    .summary = "Show a store's size: triples, terms, memory, journal, triples per graph and per predicate.",
    .options = with_store_options({}, StoreUse::reads),
    .example = "torchprov stats --store out/store",
    .run = show_stats,
};

const cli::Command redland_sync_command{
    .name = "redland-sync",
    .summary = "Bring the store's Redland copy up to date (or build it) for rdfproc and other Redland tools, then stop.",
    .options =
        {
            {.name = "--store", .value = "DIR", .help = "the store folder", .required = true},
            {.name = "--storage", .value = "NAME", .help = "Redland storage module: hashes, sqlite, postgresql, virtuoso",
             .default_value = "hashes"},
            {.name = "--storage-options", .value = "TEXT", .help = "Redland storage options",
             .default_help = "for hashes: hash-type='bdb',dir='DIR',contexts='yes'"},
        },
    .details = "The copy is caught up from the journal, or rebuilt from the dataset when the journal no longer\n"
               "covers it.  No writer (a server without --redland) may hold the store meanwhile.  Redland's tools\n"
               "then read it, e.g. rdfproc -s hashes -t \"hash-type='bdb',dir='DIR',contexts='yes'\" redland\n"
               "serialize ntriples (application/n-triples; turtle: text/turtle).",
    .example = "torchprov redland-sync --store out/store",
    .run = redland_sync,
};
