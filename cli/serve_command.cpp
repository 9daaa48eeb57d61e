#include "serve_command.h"

#include "progress_line.h"

#include <torchprov/endpoint.h>
#include <torchprov/triplestore.h>

#include <malloc.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace cli = torchprov::cli;

namespace {

// dl.ttl next to the sources, or installed next to the program.
std::filesystem::path find_ontology() {
  const std::filesystem::path candidates[] = {
      TORCHPROV_ONTOLOGY_FILE,
      std::filesystem::read_symlink("/proc/self/exe").parent_path() / "../share/torchprov/ontology/dl.ttl"};
  for (const auto& c : candidates)
    if (std::filesystem::exists(c)) return c;
  return candidates[0];
}

// The dashboard's built assets, when present.
std::filesystem::path find_static_dir() {
  const std::filesystem::path candidate = TORCHPROV_DASHBOARD_DIR;
  return std::filesystem::exists(candidate / "index.html") ? candidate : std::filesystem::path{};
}

std::vector<std::string> comma_list(const std::string& list) {
  std::vector<std::string> items;
  std::size_t start = 0;
  while (start <= list.size()) {
    const auto comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) items.push_back(std::move(item));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return items;
}

torchprov::endpoint::BackendOptions backend_options(const cli::Arguments& args) {
  torchprov::endpoint::BackendOptions backend;
  backend.query_url = args.value("--backend");
  backend.update_url = args.value("--backend-update");
  backend.data_url = args.value("--backend-data");
  backend.user = args.value("--backend-user");
  const std::string password_file = args.value("--backend-password-file");
  if (backend.query_url.empty() &&
      (!backend.update_url.empty() || !backend.data_url.empty() || !backend.user.empty() || !password_file.empty() ||
       args.has("--backend-ack-wait")))
    throw cli::UsageError("--backend-update, --backend-data, --backend-user and --backend-ack-wait need --backend URL");
  if (backend.user.empty() != password_file.empty())
    throw cli::UsageError("--backend-user and --backend-password-file go together");
  backend.acknowledge_wait =
      std::chrono::milliseconds(static_cast<long>(args.number("--backend-ack-wait", 0, 86400) * 1000));
  if (!password_file.empty()) {
    std::ifstream in(password_file);
    if (!in) throw std::runtime_error("cannot read the password file " + password_file);
    std::getline(in, backend.password);
    if (!backend.password.empty() && backend.password.back() == '\r') backend.password.pop_back();
  }
  return backend;
}

// A query over a large store allocates arrays over every term id (join
// tables, group counts: tens of MB at 10 M terms) and frees them when it
// ends.  By default glibc maps such blocks afresh for every query (above the
// mmap threshold, or beyond the 64 MiB heaps of a thread's own arena) and
// unmaps them after, so each query pays a page fault per 4 KiB again: more
// than half of a count over a million epochs.  One arena with high mmap and
// trim thresholds keeps freed memory for the next query instead; at most
// `kept_free` bytes stay mapped while idle.  Set before any thread starts.
// A front over a backend store holds no dataset and makes no such arrays:
// there the freed memory of a large result or batch would only stay
// resident, so it keeps glibc's thresholds (and one arena: with one per
// thread its peak grew).
void keep_query_memory(bool embedded_store) {
  constexpr int mapped_above = 256 << 20, kept_free = 1 << 30;
  mallopt(M_ARENA_MAX, 1);
  if (!embedded_store) return;
  mallopt(M_MMAP_THRESHOLD, mapped_above);
  mallopt(M_TRIM_THRESHOLD, kept_free);
}

int serve(const cli::Arguments& args) {
  keep_query_memory(!args.has("--backend"));
  torchprov::endpoint::ServerOptions options;
  options.port = static_cast<std::uint16_t>(args.integer("--port", 0, 65535));
  options.bind = args.value("--bind");
  if (args.has("--token-file")) options.token_file = args.value("--token-file");
  options.read_only = args.has("--read-only");
  options.reads_need_token = args.has("--reads-need-token");
  options.cors_origins = args.value("--cors");
  if (options.cors_origins == "none") options.cors_origins.clear();
  options.query_timeout = std::chrono::seconds(args.integer("--query-timeout", 0, 86400));
  options.static_dir = args.has("--static") ? std::filesystem::path(args.value("--static")) : find_static_dir();
  options.ontology_file = find_ontology();
  options.threads = int(args.integer("--threads", 1, 256));
  options.max_body_bytes = std::size_t(args.integer("--max-body-mb", 1, 1 << 20)) << 20;
  options.max_result_rows = std::size_t(args.integer("--max-rows", 1, INT64_MAX));
  options.service_allow = comma_list(args.value("--service-allow"));
  options.client_requests = int(args.integer("--client-requests", 0, 1 << 20));
  options.client_waiting = std::size_t(args.integer("--client-queue", 0, INT64_MAX));
  options.client_connections = std::size_t(args.integer("--client-connections", 1, INT64_MAX));
  const std::string union_default_graph = args.value("--union-default-graph");
  if (union_default_graph != "yes" && union_default_graph != "no")
    throw cli::UsageError("--union-default-graph takes yes or no, not '" + union_default_graph + "'");
  options.union_default_graph = union_default_graph == "yes";
  if (args.has("--tls-cert") != args.has("--tls-key")) throw cli::UsageError("--tls-cert and --tls-key go together");
  if (args.has("--tls-cert")) {
    options.tls_certificate = args.value("--tls-cert");
    options.tls_private_key = args.value("--tls-key");
  }
  if (args.has("--ca-file")) options.ca_file = args.value("--ca-file");
  auto backend = backend_options(args);
  backend.ca_file = options.ca_file;
  // Bad TLS files change nothing: checked before the store folder or a
  // token is created.
  torchprov::endpoint::check_tls_files(options);
  namespace ts = torchprov::triplestore;
  const std::string store_dir = args.value("--store");
  ts::StoreOptions store_options;
  if (args.has("--storage")) store_options.storage = args.value("--storage");
  store_options.storage_options = args.value("--storage-options");
  store_options.redland_copy = args.has("--redland") || args.has("--storage") || args.has("--storage-options");
  store_options.checkpoint_bytes = std::uint64_t(args.integer("--checkpoint-mb", 1, 1 << 20)) << 20;
  // Listening first: a port in use must fail before a store folder or a
  // token file is created.
  auto socket = torchprov::endpoint::ListeningSocket::open(options.bind, options.port);
  if (!backend.query_url.empty()) return torchprov::endpoint::serve(backend, store_dir, options, std::move(socket));
  if (options.read_only) {
    // Nothing is written, and writers are kept out while it serves (a copy
    // that went stale under a writer would answer silently wrong).
    store_options.access = ts::StoreAccess::read_shared;
  } else {
    // What a process refused by this server's lock is told to do instead.
    const std::string host = options.bind == "0.0.0.0" || options.bind == "::" ? "127.0.0.1" : options.bind;
    const std::string url = (options.tls_certificate.empty() ? "http://" : "https://") + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                            std::to_string(socket.port());
    const std::filesystem::path token =
        options.token_file.empty() ? std::filesystem::absolute(store_dir) / "token" : options.token_file;
    store_options.holder_note = "It is a torchprov server at " + url + "/: send data to it instead, with " +
                                "torchprov import --endpoint " + url + " --token-file " + token.string() +
                                " FILE, or curl -H \"Authorization: Bearer $(cut -d' ' -f1 " + token.string() +
                                ")\" -H 'Content-Type: application/n-triples' --data-binary @FILE " + url +
                                "/data (N-Quads: application/n-quads); queries go to " + url + "/sparql.";
  }
  ProgressLine progress;  // opening a large store takes seconds
  store_options.progress = progress.handler();
  auto store = ts::Store::open(store_dir, store_options);
  progress.finish();
  if (store.created()) std::cerr << "torchprov: created a new store in " << store.directory().string() << "\n";
  return torchprov::endpoint::serve(store, options, std::move(socket));
}

}  // namespace

const cli::Command serve_command{
    .name = "serve",
    .summary = "Serve a store over HTTP: SPARQL 1.1 Protocol and Update, Graph Store, steering API, dashboard.",
    .options =
        {
            {.name = "--store", .value = "DIR",
             .help = "the store folder (with --backend: the server's journal, token and state, not the data)",
             .required = true},
            {.name = "--port", .value = "N", .help = "TCP port to listen on (0: a free one)", .default_value = "7878"},
            {.name = "--bind", .value = "ADDRESS", .help = "address to listen on (0.0.0.0: every interface)",
             .default_value = "127.0.0.1"},
            {.name = "--token-file", .value = "FILE",
             .help = "bearer tokens for writes, one 'TOKEN [PERSON]' a line; created (mode 0600) when absent",
             .default_help = "DIR/token"},
            {.name = "--read-only", .help = "refuse every write (updates, Graph Store writes, ingest, steering)"},
            {.name = "--reads-need-token", .help = "queries and reads need the bearer token too"},
            {.name = "--cors", .value = "ORIGINS", .help = "origins browsers may call from, comma-separated; 'none': no CORS",
             .default_value = "*"},
            {.name = "--query-timeout", .value = "S", .help = "seconds a query may run (0: no limit)", .default_value = "30"},
            {.name = "--static", .value = "DIR", .help = "files served at / (the dashboard)",
             .default_help = "the built dashboard, sparql-endpoint/dashboard/dist"},
            {.name = "--threads", .value = "N", .help = "reader threads for queries", .default_value = "4"},
            {.name = "--max-body-mb", .value = "N", .help = "largest request body, in MiB", .default_value = "512"},
            {.name = "--max-rows", .value = "N", .help = "largest query result, in rows", .default_value = "2000000"},
            {.name = "--service-allow", .value = "IRI[,IRI...]",
             .help = "SERVICE endpoints queries may reach (exact IRIs); any other SERVICE is refused with 403",
             .default_help = "none"},
            {.name = "--redland", .help = "keep the Redland copy in DIR current while serving"},
            {.name = "--storage", .value = "NAME",
             .help = "Redland storage module for the copy: hashes, sqlite, postgresql, virtuoso (implies --redland)",
             .default_help = "hashes"},
            {.name = "--storage-options", .value = "TEXT", .help = "Redland storage options (implies --redland)",
             .default_help = "for hashes: hash-type='bdb',dir='DIR',contexts='yes'"},
            {.name = "--checkpoint-mb", .value = "N", .help = "journal size, in MiB, that triggers a snapshot",
             .default_value = "256"},
            {.name = "--client-requests", .value = "N",
             .help = "requests of one client (address) that run at once; the rest wait in its own queue (0: --threads)",
             .default_value = "0"},
            {.name = "--client-queue", .value = "N", .help = "requests of one client that may wait; more get 429",
             .default_value = "256"},
            {.name = "--client-connections", .value = "N", .help = "open connections one client may hold; more get 429",
             .default_value = "256"},
            {.name = "--union-default-graph", .value = "yes|no",
             .help = "without FROM, a query reads the union of all graphs (yes: where trainers' runs live) or only "
                     "the default graph (no: as the SPARQL spec and its test suite read a dataset)",
             .default_value = "yes"},
            {.name = "--backend", .value = "URL",
             .help = "front the SPARQL 1.1 store whose query endpoint is URL (Virtuoso: http://HOST:8890/sparql) "
                     "instead of the embedded store"},
            {.name = "--backend-update", .value = "URL", .help = "the backend's update endpoint",
             .default_help = "the --backend URL"},
            {.name = "--backend-data", .value = "URL",
             .help = "the backend's Graph Store endpoint (Virtuoso: http://HOST:8890/sparql-graph-crud)",
             .default_help = "writes go as SPARQL Update"},
            {.name = "--backend-user", .value = "USER", .help = "HTTP Basic or Digest user for the backend"},
            {.name = "--backend-password-file", .value = "FILE", .help = "the backend user's password, first line"},
            {.name = "--backend-ack-wait", .value = "S",
             .help = "seconds a write waits for the backend to confirm before it is acknowledged as journaled (202)",
             .default_value = "2"},
            {.name = "--tls-cert", .value = "FILE",
             .help = "serve HTTPS (TLS 1.2 or later) with this certificate chain, PEM; needs --tls-key"},
            {.name = "--tls-key", .value = "FILE", .help = "the private key of --tls-cert, PEM"},
            {.name = "--ca-file", .value = "FILE",
             .help = "PEM certificates of a private CA an https:// --backend's or SERVICE endpoint's certificate "
                     "may come from (it must also name the URL's host)",
             .default_help = "the system's CA certificates"},
        },
    .details =
        "routes: /sparql (query and update), /data (Graph Store; trainers POST N-Quads here), /api/adaptations,\n"
        "/api/rules, /ontology, /health, /metrics, / (dashboard).\n"
        "Query results by media type (Accept): application/sparql-results+json, application/sparql-results+xml,\n"
        "text/csv, text/tab-separated-values; graphs: text/turtle, application/n-triples, application/n-quads,\n"
        "application/trig.  /data accepts the same four RDF media types (Content-Type), i.e. files named\n"
        ".ttl, .nt, .nq, .trig, and application/rdf+xml (.rdf, .owl).  The port is bound before the store\n"
        "folder or the token file is created, and so are the TLS files checked and an https:// backend's\n"
        "certificate (a refused one stops serve, naming the URL and the reason).\n"
        "Without --redland, 'torchprov redland-sync --store DIR' brings the Redland copy up to date after the\n"
        "server stops.  Stops on SIGINT / SIGTERM after flushing the store.",
    .example = "torchprov serve --store out/store --port 7878",
    .run = serve,
};
