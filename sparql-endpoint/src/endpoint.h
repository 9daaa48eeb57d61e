// The routes: a function from a parsed HTTP request to a response, callable
// from a unit test without a socket.  The server (server.cpp) only moves
// bytes.
#pragma once

#include <torchprov/endpoint.h>

#include <memory>

#include "http.h"
#include "metrics.h"
#include "tokens.h"

namespace torchprov::endpoint {

class Endpoint {
 public:
  Endpoint(triplestore::Store& store, ServerOptions options, Tokens tokens);
  // Never throws: every failure becomes a 4xx / 5xx response naming it.
  Response handle(const Request& request);
  Metrics& metrics() { return metrics_; }

 private:
  struct Caller {
    bool authenticated = false;
    std::string person;
  };
  Response route(const Request& request, const Target& target, std::string& route_name);
  Response sparql(const Request& request, const Target& target, const Caller& caller);
  Response run_query(const Request& request, const std::string& query, const Target& target,
                     const std::multimap<std::string, std::string>& form);
  Response run_update(const std::string& update, const std::multimap<std::string, std::string>& params);
  Response graph_store(const Request& request, const Target& target, const Caller& caller);
  Response service_description(const Request& request) const;
  Response health();
  Response ontology(const Request& request) const;
  Response static_file(const Request& request, const std::string& path) const;
  Caller identify(const Request& request) const;
  std::optional<Response> refuse_write(const Caller& caller, const Request& request) const;
  void add_cors(const Request& request, Response& response) const;

  triplestore::Store& store_;
  ServerOptions options_;
  Tokens tokens_;
  Metrics metrics_;
};

}  // namespace torchprov::endpoint
