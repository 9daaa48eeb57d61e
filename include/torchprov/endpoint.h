// torchprov/endpoint.h — the SPARQL 1.1 endpoint over a Store.
//
//   auto store = torchprov::triplestore::Store::open("provenance.store");
//   torchprov::endpoint::serve(store, {.port = 7878});   // until SIGINT / SIGTERM
//
// HTTP, or HTTPS with ServerOptions::tls_certificate and tls_private_key.
// Routes: /sparql (SPARQL 1.1 Protocol: query and update), /data (Graph
// Store HTTP Protocol; N-Quads POSTed to /data is how trainers stream their
// capture), /health, /metrics (Prometheus), /ontology (dl.ttl) and / (the
// dashboard's static files).
//
// Concurrency: two I/O threads run the HTTP sessions and only move bytes.
// Queries and other reads run on a pool of reader threads (`threads`), under
// the store's shared read lock, bounded by the query timeout; requests that
// change the store (updates, Graph Store writes, ingest, steering) run on one
// writer thread and go through the store, which holds the exclusive lock only
// while a parsed batch is interned and applied in memory.  A writer waiting
// for the lock stops new readers (writers first).  So a long ingest never
// blocks reads for more than one batch, reads block a write for at most one
// query timeout, and a trainer's batch never queues behind queries (measured
// by `torchprov bench load`: 10 k triples/s held beside 16 query connections).
//
// Large results stream: a query's solutions are kept as term ids (4 bytes a
// value) and written out as HTTP chunks of about 256 KB, each made under the
// read lock taken for that chunk alone, and only once the previous chunk is
// on the wire; GET /data exports a graph or the whole store the same way.  A
// slow client therefore holds neither the lock nor the result's text (a
// 1.48 M-row CSV of 231 MB raised the server's resident size by the ids and
// the terms it looked up, not by the text).  A result that fits one chunk
// goes out whole with a Content-Length.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <torchprov/triplestore.h>

namespace torchprov::endpoint {

struct ServerOptions {
  std::string bind = "127.0.0.1";
  std::uint16_t port = 7878;
  // Bearer tokens for writes, one "TOKEN [PERSON]" per line; created with
  // mode 0600 (and its path printed once) when absent.  Default: DIR/token.
  std::filesystem::path token_file;
  bool read_only = false;
  bool reads_need_token = false;
  std::string cors_origins = "*";  // comma-separated, or "*"; empty: no CORS
  std::chrono::seconds query_timeout{30};
  std::size_t max_body_bytes = std::size_t(512) << 20;
  std::size_t max_query_bytes = std::size_t(1) << 20;
  std::size_t max_result_rows = 2'000'000;
  std::filesystem::path static_dir;     // dashboard assets; empty: a plain index page
  std::filesystem::path ontology_file;  // served at /ontology
  int threads = 4;  // reader threads (queries); I/O has two more, writes one
  // SERVICE endpoints queries may reach (exact IRIs); any other SERVICE is
  // refused with 403, so the server cannot be made to reach arbitrary hosts.
  std::vector<std::string> service_allow;
  // PEM CA certificates an https:// SERVICE endpoint's certificate must
  // come from; empty: the system's CA certificates.  The certificate must
  // also be issued to the host name or address in the endpoint's IRI.
  std::filesystem::path ca_file;
  // Fairness between clients (by address): at most this many of one
  // client's requests run at once (0: `threads`); its further requests wait
  // in a queue of its own, so another client's request waits for at most
  // one running request, never behind a burst.  Beyond `client_waiting` waiting requests a
  // client gets 429 Too Many Requests, and beyond `client_connections`
  // open connections its new ones are answered 429 and closed.
  int client_requests = 0;
  std::size_t client_waiting = 256;
  std::size_t client_connections = 256;
  // true: without FROM (or default-graph-uri) a query's default graph is the
  // union of all graphs, where trainers' runs live; false: only the default graph.
  bool union_default_graph = true;
  // HTTPS instead of HTTP when both are given: the certificate chain and its
  // private key, PEM files (TLS 1.2 or later, through OpenSSL).
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
};

// A socket already listening on an address.  The command opens it before it
// opens the store or creates a token, so that a port in use changes nothing.
class ListeningSocket {
 public:
  // Throws std::runtime_error "cannot listen on ADDRESS:PORT: REASON".
  static ListeningSocket open(const std::string& bind, std::uint16_t port);
  ListeningSocket(ListeningSocket&& other) noexcept;
  ListeningSocket& operator=(ListeningSocket&& other) noexcept;
  ~ListeningSocket();
  std::uint16_t port() const { return port_; }  // the one bound (port 0 picks a free one)
  bool ipv6() const { return ipv6_; }
  int release() { return std::exchange(fd_, -1); }  // the descriptor, now the caller's to close

 private:
  ListeningSocket(int fd, bool ipv6, std::uint16_t port) : fd_(fd), ipv6_(ipv6), port_(port) {}
  int fd_ = -1;
  bool ipv6_ = false;
  std::uint16_t port_ = 0;
};

// Whether the TLS files in `options` can be used (the certificate chain and
// its key, the CA file for SERVICE): throws std::runtime_error naming the
// file and the reason.  For checking before a store or a token is created.
void check_tls_files(const ServerOptions& options);

// Serves until SIGINT or SIGTERM; returns the process exit code.  The first
// form listens on options.bind:options.port itself.
int serve(triplestore::Store& store, ServerOptions options);
int serve(triplestore::Store& store, ServerOptions options, ListeningSocket socket);

// Backend mode: the data lives in an external SPARQL 1.1 store (Virtuoso,
// GraphDB, Fuseki, another torchprov ...) and this server fronts it with
// the same routes.  Queries are checked here (syntax, limits, formats) and
// answered by the store; every write is first made durable in a local
// journal under the state directory, acknowledged once the store confirmed
// it (or after `acknowledge_wait`, while the store is down or slow), and
// replayed oldest first until the store confirms it.  A batch the store
// refuses is set aside in STATE/backend-rejected for an operator.
struct BackendOptions {
  std::string query_url;   // SPARQL 1.1 Protocol query endpoint
  std::string update_url;  // SPARQL 1.1 Update endpoint; empty: query_url
  // Graph Store HTTP Protocol endpoint; empty: data goes as SPARQL Update.
  std::string data_url;
  std::string user, password;  // HTTP Basic, or Digest when challenged
  // http:// or https:// URLs.  An https:// store's certificate must come
  // from a CA in this PEM file (empty: the system's CA certificates) and
  // be issued to the URL's host name or address; a refused certificate
  // stops serve before anything is created, naming the URL and the reason.
  std::filesystem::path ca_file;
  std::chrono::milliseconds acknowledge_wait{2000};
};
// `state_directory` holds the server's journal, token and state, not the data.
int serve(const BackendOptions& backend, const std::filesystem::path& state_directory, ServerOptions options);
int serve(const BackendOptions& backend, const std::filesystem::path& state_directory, ServerOptions options,
          ListeningSocket socket);

}  // namespace torchprov::endpoint
