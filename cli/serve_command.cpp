#include "serve_command.h"

#include "progress_line.h"

#include <torchprov/endpoint.h>
#include <torchprov/triplestore.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

namespace {

const char* const usage =
    "usage: torchprov serve --store DIR [--port 7878] [--bind 127.0.0.1] [--token-file F]\n"
    "                       [--read-only] [--reads-need-token] [--cors ORIGINS|none] [--query-timeout S]\n"
    "                       [--static DIR] [--threads N] [--max-body-mb N] [--max-rows N]\n"
    "                       [--redland] [--storage NAME] [--storage-options S] [--service-allow IRI[,IRI...]]\n"
    "                       [--checkpoint-mb N] [--client-requests N] [--client-queue N] [--client-connections N]\n"
    "                       [--union-default-graph yes|no]\n"
    "       torchprov serve --backend URL --store DIR [--backend-update URL] [--backend-data URL]\n"
    "                       [--backend-user U --backend-password-file F] [--backend-ack-wait S] [options above]\n"
    "  --backend URL: the data lives in the SPARQL 1.1 store whose query endpoint is URL (Virtuoso:\n"
    "  http://HOST:8890/sparql); --backend-update: its update endpoint (default: URL); --backend-data:\n"
    "  its Graph Store endpoint (Virtuoso: http://HOST:8890/sparql-graph-crud; default: writes go as\n"
    "  SPARQL Update); DIR then holds the server's journal, token and state, not the data.\n"
    "  --redland keeps the Redland copy in DIR current while serving (so does naming a storage);\n"
    "  without it, torchprov redland-sync --store DIR brings the copy up to date after the server stops.\n"
    "  --checkpoint-mb N     journal size that triggers a snapshot (default 256)\n"
    "  --client-requests N   requests of one client (address) that run at once; the rest wait\n"
    "                        in its own queue (default: --threads)\n"
    "  --client-queue N      requests of one client that may wait; more get 429 (default 256)\n"
    "  --client-connections N  open connections one client may hold; more get 429 (default 256)\n";

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

}  // namespace

int run_serve_command(int argc, char** argv) {
  torchprov::endpoint::ServerOptions options;
  torchprov::triplestore::StoreOptions store_options;
  torchprov::endpoint::BackendOptions backend;
  std::string store_dir, password_file;
  options.ontology_file = find_ontology();
  options.static_dir = find_static_dir();
  try {
    for (int i = 0; i < argc; ++i) {
      const std::string a = argv[i];
      auto value = [&]() -> std::string {
        if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
        return argv[++i];
      };
      if (a == "--store") store_dir = value();
      else if (a == "--port") options.port = static_cast<std::uint16_t>(std::stoi(value()));
      else if (a == "--bind") options.bind = value();
      else if (a == "--token-file") options.token_file = value();
      else if (a == "--read-only") options.read_only = true;
      else if (a == "--reads-need-token") options.reads_need_token = true;
      else if (a == "--cors") {
        options.cors_origins = value();
        if (options.cors_origins == "none") options.cors_origins.clear();
      } else if (a == "--query-timeout") options.query_timeout = std::chrono::seconds(std::stoi(value()));
      else if (a == "--static") options.static_dir = value();
      else if (a == "--threads") options.threads = std::stoi(value());
      else if (a == "--max-body-mb") options.max_body_bytes = std::stoull(value()) << 20;
      else if (a == "--max-rows") options.max_result_rows = std::stoull(value());
      else if (a == "--redland") store_options.redland_copy = true;
      else if (a == "--storage") store_options.storage = value(), store_options.redland_copy = true;
      else if (a == "--storage-options") store_options.storage_options = value(), store_options.redland_copy = true;
      else if (a == "--service-allow") {
        const std::string list = value();
        std::size_t start = 0;
        while (start <= list.size()) {
          const auto comma = list.find(',', start);
          const std::string iri = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
          if (!iri.empty()) options.service_allow.push_back(iri);
          if (comma == std::string::npos) break;
          start = comma + 1;
        }
      } else if (a == "--union-default-graph") {
        const std::string v = value();
        if (v != "yes" && v != "no") throw std::invalid_argument("--union-default-graph takes yes or no");
        options.union_default_graph = v == "yes";
      } else if (a == "--backend") backend.query_url = value();
      else if (a == "--backend-update") backend.update_url = value();
      else if (a == "--backend-data") backend.data_url = value();
      else if (a == "--backend-user") backend.user = value();
      else if (a == "--backend-password-file") password_file = value();
      else if (a == "--backend-ack-wait")
        backend.acknowledge_wait = std::chrono::milliseconds(static_cast<long>(std::stod(value()) * 1000));
      else if (a == "--checkpoint-mb") store_options.checkpoint_bytes = std::stoull(value()) << 20;
      else if (a == "--client-requests") options.client_requests = std::stoi(value());
      else if (a == "--client-queue") options.client_waiting = std::stoull(value());
      else if (a == "--client-connections") options.client_connections = std::stoull(value());
      else if (a == "--help" || a == "-h") {
        std::cout << usage;
        return 0;
      } else {
        throw std::invalid_argument("unknown option " + a);
      }
    }
    if (store_dir.empty()) throw std::invalid_argument("--store DIR is required");
    if (backend.query_url.empty() &&
        (!backend.update_url.empty() || !backend.data_url.empty() || !backend.user.empty() || !password_file.empty()))
      throw std::invalid_argument("--backend-update, --backend-data and --backend-user need --backend URL");
    if (backend.user.empty() != password_file.empty())
      throw std::invalid_argument("--backend-user and --backend-password-file go together");
    if (!password_file.empty()) {
      std::ifstream in(password_file);
      if (!in) throw std::invalid_argument("cannot read the password file " + password_file);
      std::getline(in, backend.password);
      if (!backend.password.empty() && backend.password.back() == '\r') backend.password.pop_back();
    }
  } catch (const std::exception& error) {
    std::cerr << "torchprov serve: " << error.what() << "\n" << usage;
    return 2;
  }
  try {
    if (!backend.query_url.empty()) return torchprov::endpoint::serve(backend, store_dir, options);
    namespace ts = torchprov::triplestore;
    if (options.read_only) {
      // Nothing is written, and writers are kept out while it serves (a copy
      // that went stale under a writer would answer silently wrong).
      store_options.access = ts::StoreAccess::read_shared;
    } else {
      // What a process refused by this server's lock is told to do instead.
      const std::string host = options.bind == "0.0.0.0" || options.bind == "::" ? "127.0.0.1" : options.bind;
      const std::string url = "http://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
                              std::to_string(options.port);
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
    return torchprov::endpoint::serve(store, options);
  } catch (const std::exception& error) {
    std::cerr << "torchprov serve: " << error.what() << "\n";
    return 1;
  }
}
