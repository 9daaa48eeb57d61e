// The data in this process: a triplestore::Store (Redland + journal +
// snapshot), queried in memory with the project's own SPARQL engine.
#pragma once

#include <mutex>

#include "data_store.h"

namespace torchprov::endpoint {

class EmbeddedStore final : public DataStore {
 public:
  // The store must outlive this object.
  explicit EmbeddedStore(triplestore::Store& store) : store_(store) {}

  std::unique_ptr<QueryAnswer> query(const std::string& text, const sparql::QueryOptions& options) override;
  sparql::QueryResult query_terms(const std::string& text, const sparql::QueryOptions& options) override;
  WriteOutcome update(const std::string& text, const sparql::QueryOptions& options) override;
  WriteOutcome insert(std::span<const Statement> statements, const std::string& graph) override;
  WriteOutcome replace_graph(const std::string& graph, std::span<const Statement> statements) override;
  WriteOutcome delete_graph(const std::string& graph) override;
  bool graph_exists(const std::string& graph) override;
  std::vector<Statement> statements(const std::optional<std::string>& graph) override;
  std::shared_ptr<BodyStream> export_graph(std::optional<std::string> graph, triplestore::RdfFormat format) override;
  StoreHealth health() override;
  std::string metrics() override;
  void on_stored(StoredHook hook) override { stored_ = std::move(hook); }
  void flush() override { store_.flush(); }
  std::string describe() const override { return "the store in " + store_.directory().string(); }

  triplestore::Store& store() { return store_; }

 private:
  class Answer;
  class QueryBody;
  class ExportBody;
  struct Figures {
    std::size_t triples = 0, graphs = 0, memory_bytes = 0, terms = 0;
  };
  Figures figures();
  triplestore::Store& store_;
  StoredHook stored_;
  // Writers first.  The store's shared_mutex prefers readers (glibc), so
  // with queries always running on some thread a POST /data waited for
  // seconds.  A writer holds the turnstile while it waits for and holds the
  // exclusive lock; readers pass through it before taking the shared lock,
  // so new readers queue behind a waiting writer.
  std::mutex turnstile_;
  void pass_turnstile() { std::lock_guard pass(turnstile_); }
};

}  // namespace torchprov::endpoint
