// Where the data lives, as the routes see it: the embedded store
// (embedded_store.h) or an external SPARQL 1.1 store reached over the
// Protocol (sparql_store.h).  The routes parse requests, check tokens and
// limits, negotiate formats and build responses; a DataStore answers
// queries, applies writes and reports its health, and nothing else.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>

#include <torchprov/rdf.h>
#include <torchprov/triplestore.h>

#include "http.h"
#include "results/result_format.h"
#include "sparql/engine.h"

namespace torchprov::endpoint {

namespace sparql = triplestore::sparql;

// The external store failed to answer: `status` is 502 (it answered with an
// error or garbage), 503 (it cannot be reached) or 504 (it did not answer in
// time); what() names the store and says what happened.
struct BackendError : std::runtime_error {
  BackendError(http::status status, const std::string& message) : std::runtime_error(message), status(status) {}
  http::status status;
};

// A query that ran, or is ready to run, and can be written in a format.
class QueryAnswer {
 public:
  virtual ~QueryAnswer() = default;
  virtual sparql::QueryForm form() const = 0;
  // The answer as text in `format` (supports(format, form()) holds), a piece
  // at a time.  Errors that come before the first byte (a backend that
  // fails, a result over the row limit) are thrown here.
  virtual std::shared_ptr<BodyStream> write(triplestore::results::ResultFormat format) = 0;
};

// How a write ended.  `changed` / `removed` count quads added / removed
// when the store can tell; `confirmed` is false when the write is durable
// in the server's journal but the store of record has not taken it yet, and
// `rejected` when the store of record refused it (it is then kept for an
// operator); `note` says why (for the response).
struct WriteOutcome {
  std::optional<std::size_t> changed;
  std::optional<std::size_t> removed;
  bool confirmed = true;
  bool rejected = false;
  std::string note;
};

struct StoreHealth {
  bool ok = true;
  std::string reason;  // why not ok
  // Extra JSON members for /health, each `"name":value`, comma-separated.
  std::string json_members;
};

class DataStore {
 public:
  virtual ~DataStore() = default;

  // Parses and runs (or prepares) a query.  Throws sparql::SyntaxError,
  // UnsupportedFeature, QueryTimeout, ResultTooLarge and BackendError.
  virtual std::unique_ptr<QueryAnswer> query(const std::string& text, const sparql::QueryOptions& options) = 0;
  // The whole answer as terms, for the server's own small queries
  // (steering, rules).
  virtual sparql::QueryResult query_terms(const std::string& text, const sparql::QueryOptions& options) = 0;

  // Writes, each durable when it returns.  Throw sparql::SyntaxError,
  // UnsupportedFeature, UpdateError, QueryTimeout and BackendError.
  virtual WriteOutcome update(const std::string& text, const sparql::QueryOptions& options) = 0;
  // `graph` receives statements without one ("" = the default graph).
  virtual WriteOutcome insert(std::span<const Statement> statements, const std::string& graph) = 0;
  virtual WriteOutcome replace_graph(const std::string& graph, std::span<const Statement> statements) = 0;
  virtual WriteOutcome delete_graph(const std::string& graph) = 0;

  // Whether a named graph holds anything (throws BackendError).
  virtual bool graph_exists(const std::string& graph) = 0;
  // The statements of one graph ("" = the default graph) or, with nullopt,
  // of everything, whole (for documents built at once: PROV-JSON, PROV-N).
  virtual std::vector<Statement> statements(const std::optional<std::string>& graph) = 0;
  // One graph ("" = the default graph) or, with nullopt, everything, in an
  // RDF format, a piece at a time.
  virtual std::shared_ptr<BodyStream> export_graph(std::optional<std::string> graph,
                                                   triplestore::RdfFormat format) = 0;

  virtual StoreHealth health() = 0;
  // Store figures for /metrics (Prometheus text, complete lines).
  virtual std::string metrics() = 0;
  // Called with every batch of statements once the store of record has it
  // (the steering rules watch runs through it).  Set once, before serving.
  using StoredHook = std::function<void(std::span<const Statement> statements, const std::string& graph)>;
  virtual void on_stored(StoredHook hook) = 0;
  // Makes every acknowledged write durable (on shutdown).
  virtual void flush() = 0;
  // Where the data is, for messages and the start-up line.
  virtual std::string describe() const = 0;
  // Whether writes must run one at a time (the server then gives them one
  // thread).
  virtual bool serial_writes() const { return true; }
  // Whether other servers may write the same data (steering rules are then
  // reloaded from the store now and then instead of trusted from memory).
  virtual bool shared() const { return false; }
};

}  // namespace torchprov::endpoint
