// The routes: a function from a parsed HTTP request to a response, callable
// from a unit test without a socket.  The server (server.cpp) only moves
// bytes.
#pragma once

#include <torchprov/endpoint.h>

#include <map>
#include <algorithm>
#include <memory>
#include <mutex>
#include <system_error>

#include "backend_client.h"
#include "data_store.h"
#include "http.h"
#include "metrics.h"
#include "rules.h"
#include "tokens.h"

namespace torchprov::endpoint {

class Endpoint {
 public:
  // The routes over any DataStore, which must outlive the Endpoint.
  Endpoint(DataStore& data, ServerOptions options, Tokens tokens);
  // Over the embedded store.
  Endpoint(triplestore::Store& store, ServerOptions options, Tokens tokens);
  ~Endpoint();
  // Never throws: every failure becomes a 4xx / 5xx response naming it.
  // A large query result comes as a stream (the server sends it chunked).
  Reply handle_streaming(const Request& request);
  // The same with any stream read to the end into the body (for tests and
  // callers without a socket).
  Response handle(const Request& request);
  // Whether the request changes the store (an update, a Graph Store write,
  // ingest, steering): the server runs those on its writer thread.
  static bool changes_store(const Request& request);
  // Whether the request carries a valid token (its header is enough).
  bool authenticated(const Request& request) const { return identify(request).authenticated; }
  // The largest body a request without a valid token may send: a query,
  // percent-encoded in a form at worst, whatever the server's body limit.
  std::size_t anonymous_body_limit() const {
    return std::min(options_.max_body_bytes, 3 * options_.max_query_bytes + 4096);
  }
  Metrics& metrics() { return metrics_; }

 private:
  struct Caller {
    bool authenticated = false;
    std::string person;
  };
  Reply route(const Request& request, const Target& target, std::string& route_name);
  Reply sparql(const Request& request, const Target& target, const Caller& caller);
  Reply run_query(const Request& request, const std::string& query, const Target& target,
                     const std::multimap<std::string, std::string>& form);
  Response run_update(const std::string& update, const std::multimap<std::string, std::string>& params);
  Reply graph_store(const Request& request, const Target& target, const Caller& caller);
  Response service_description(const Request& request) const;
  std::string service_iri() const;
  std::string server_root() const;  // http://BIND:PORT
  // with_figures false: the status alone, for callers without the read token.
  Response health(bool with_figures);
  static Response system_failure(const Request& request, const std::system_error& error);
  // SERVICE for queries run here: the allow list and the remote call.
  void enable_services(sparql::QueryOptions& options);
  sparql::QueryResult ask_service(const std::string& endpoint, const std::string& query);
  Response ontology(const Request& request) const;
  Response static_file(const Request& request, const std::string& path) const;
  Caller identify(const Request& request) const;
  std::optional<Response> refuse_write(const Caller& caller, const Request& request) const;
  void add_cors(const Request& request, Response& response) const;

  std::unique_ptr<DataStore> owned_data_;  // when made from a Store
  DataStore& data_;
  ServerOptions options_;
  Tokens tokens_;
  Metrics metrics_;
  std::unique_ptr<Rules> rules_;  // steering rules (rules.h), evaluated on ingest
  std::mutex service_mutex_;
  std::map<std::string, std::unique_ptr<BackendClient>> service_clients_;  // by scheme and authority
};

}  // namespace torchprov::endpoint
