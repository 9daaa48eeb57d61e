#include "embedded_store.h"

#include <torchprov/interop.h>

#include "dataset.h"
#include "results/result_stream.h"

namespace torchprov::endpoint {

namespace results = triplestore::results;

// A query result written a piece at a time, each under a read view of the
// store taken for that piece only: ingest is never held up by a slow
// client, and the ids the result holds keep their meaning (the dictionary
// only grows).
class EmbeddedStore::QueryBody : public BodyStream {
 public:
  QueryBody(EmbeddedStore& owner, results::ResultStream stream) : owner_(owner), stream_(std::move(stream)) {}

  bool next(std::string& piece) override {
    owner_.pass_turnstile();
    const auto view = owner_.store_.read();
    return stream_.next(view.dataset(), piece, piece_bytes);
  }

  static constexpr std::size_t piece_bytes = 256 * 1024;

 private:
  EmbeddedStore& owner_;
  results::ResultStream stream_;
};

// A graph or the whole store exported a piece at a time, each under the
// read lock for that piece only.
class EmbeddedStore::ExportBody : public BodyStream {
 public:
  ExportBody(EmbeddedStore& owner, triplestore::Store::Export pieces) : owner_(owner), pieces_(std::move(pieces)) {}
  bool next(std::string& piece) override {
    owner_.pass_turnstile();
    return pieces_.next(piece);
  }

 private:
  EmbeddedStore& owner_;
  triplestore::Store::Export pieces_;
};

// The solutions as term ids, computed at once under one read view.
class EmbeddedStore::Answer : public QueryAnswer {
 public:
  Answer(EmbeddedStore& owner, sparql::CompactResult result) : owner_(owner), result_(std::move(result)) {}
  sparql::QueryForm form() const override { return result_.form; }
  std::shared_ptr<BodyStream> write(results::ResultFormat format) override {
    return std::make_shared<QueryBody>(owner_, results::ResultStream(std::move(result_), format));
  }

 private:
  EmbeddedStore& owner_;
  sparql::CompactResult result_;
};

std::unique_ptr<QueryAnswer> EmbeddedStore::query(const std::string& text, const sparql::QueryOptions& options) {
  pass_turnstile();
  const auto view = store_.read();
  return std::make_unique<Answer>(*this, sparql::execute_query_compact(view.dataset(), text, options));
}

sparql::QueryResult EmbeddedStore::query_terms(const std::string& text, const sparql::QueryOptions& options) {
  pass_turnstile();
  const auto view = store_.read();
  return sparql::execute_query(view.dataset(), text, options);
}

WriteOutcome EmbeddedStore::update(const std::string& text, const sparql::QueryOptions& options) {
  std::lock_guard writer_first(turnstile_);
  const auto delta = store_.modify(
      [&](triplestore::Dataset& dataset) { return sparql::execute_update(dataset, text, options); });
  WriteOutcome outcome;
  outcome.changed = delta.added.size();
  outcome.removed = delta.removed.size();
  return outcome;
}

WriteOutcome EmbeddedStore::insert(std::span<const Statement> statements, const std::string& graph) {
  WriteOutcome outcome;
  {
    std::lock_guard writer_first(turnstile_);
    outcome.changed = store_.insert(statements, graph);
  }
  if (stored_) stored_(statements, graph);
  return outcome;
}

WriteOutcome EmbeddedStore::replace_graph(const std::string& graph, std::span<const Statement> statements) {
  WriteOutcome outcome;
  {
    std::lock_guard writer_first(turnstile_);
    outcome.changed = store_.replace_graph(graph, statements);
  }
  if (stored_) stored_(statements, graph);
  return outcome;
}

WriteOutcome EmbeddedStore::delete_graph(const std::string& graph) {
  std::lock_guard writer_first(turnstile_);
  WriteOutcome outcome;
  outcome.removed = store_.delete_graph(graph);
  return outcome;
}

bool EmbeddedStore::graph_exists(const std::string& graph) {
  pass_turnstile();
  const auto view = store_.read();
  const auto id = view.dataset().lookup(Term::iri(graph));
  return id && view.dataset().count({0, 0, 0, *id}) > 0;
}

std::vector<Statement> EmbeddedStore::statements(const std::optional<std::string>& graph) {
  pass_turnstile();
  return interop::statements_of(store_, graph);
}

std::shared_ptr<BodyStream> EmbeddedStore::export_graph(std::optional<std::string> graph,
                                                        triplestore::RdfFormat format) {
  return std::make_shared<ExportBody>(*this, store_.export_pieces(format, std::move(graph)));
}

// Counted from the indexes: Store::stats() also walks every quad for its
// per-predicate figures, too slow for a probe anyone may send.
EmbeddedStore::Figures EmbeddedStore::figures() {
  pass_turnstile();
  const auto view = store_.read();
  const triplestore::Dataset& d = view.dataset();
  Figures f;
  f.triples = d.size();
  f.graphs = d.graphs().size() + (d.count({0, 0, 0, triplestore::default_graph_id}) > 0 ? 1 : 0);
  f.memory_bytes = d.memory_bytes();
  f.terms = d.term_count();
  return f;
}

StoreHealth EmbeddedStore::health() {
  const Figures f = figures();
  StoreHealth health;
  health.json_members = "\"triples\":" + std::to_string(f.triples) + ",\"graphs\":" + std::to_string(f.graphs);
  return health;
}

std::string EmbeddedStore::metrics() {
  const Figures f = figures();
  return "# HELP torchprov_store_triples Quads in the store.\n# TYPE torchprov_store_triples gauge\n"
         "torchprov_store_triples " + std::to_string(f.triples) + "\n"
         "# HELP torchprov_store_graphs Named graphs in the store.\n# TYPE torchprov_store_graphs gauge\n"
         "torchprov_store_graphs " + std::to_string(f.graphs) + "\n"
         "# HELP torchprov_store_memory_bytes Approximate resident size of the in-memory dataset.\n"
         "# TYPE torchprov_store_memory_bytes gauge\n"
         "torchprov_store_memory_bytes " + std::to_string(f.memory_bytes) + "\n"
         "# HELP torchprov_store_terms Terms in the dictionary (it only grows: deleting quads keeps their terms).\n"
         "# TYPE torchprov_store_terms gauge\n"
         "torchprov_store_terms " + std::to_string(f.terms) + "\n";
}

}  // namespace torchprov::endpoint
