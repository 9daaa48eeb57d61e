// The data in an external SPARQL 1.1 store (backend mode).  Queries are
// parsed here (our syntax errors, limits and formats apply), sent over the
// Protocol, read back as SPARQL JSON (or N-Triples for graphs) a solution at
// a time and written in the client's format into a spool (memory, then a
// temporary file), so the server's memory stays flat whatever the result's
// size.  Writes go through the BackendJournal and a drain thread; a monitor
// thread keeps /health honest about whether the store answers.
#pragma once

#include <torchprov/endpoint.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include "backend_client.h"
#include "backend_journal.h"
#include "data_store.h"
#include "remote_query.h"

namespace torchprov::endpoint {

// Before a server in front of the store creates anything: the URLs parse,
// a CA file can be used, and every https:// one shows a certificate that
// is trusted (a store that cannot be reached is fine: writes are journaled
// until it comes).  Throws std::invalid_argument for a malformed URL,
// std::runtime_error "the SPARQL store at URL is not trusted: TLS handshake
// with HOST:PORT failed: REASON" for a refused certificate.
void check_backend_trust(const BackendOptions& options);

class SparqlStore final : public DataStore {
 public:
  // Starts the drain and monitor threads; never fails because the store is
  // down (writes are then journaled and queries answer 503).  Throws
  // std::invalid_argument for malformed URLs, std::runtime_error when the
  // journal cannot be opened.
  SparqlStore(BackendOptions options, const std::filesystem::path& state_directory);
  ~SparqlStore() override;

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
  void on_stored(StoredHook hook) override;
  void flush() override {}  // every acknowledged write is in the journal already
  std::string describe() const override { return "the SPARQL store at " + query_url_.text; }
  bool shared() const override { return true; }
  bool serial_writes() const override { return false; }

  // Waits until the journal is empty or `timeout` passed; true when empty.
  bool drain(std::chrono::milliseconds timeout);

  // Sends a query and hands the answer to `receiver` as it arrives.
  void run_query(const std::string& text, const sparql::QueryOptions& options, sparql::QueryForm form,
                 RemoteReceiver& receiver);

 private:
  class Answer;
  enum class Delivery { confirmed, retry, rejected };
  struct Sent {
    Delivery delivery = Delivery::confirmed;
    std::string message;
  };
  WriteOutcome journal_and_wait(BackendJournal::Kind kind, const std::string& graph, const std::string& payload,
                                std::chrono::milliseconds wait);
  void drain_loop();
  void monitor_loop();
  bool deliver(std::vector<BackendJournal::Entry>& entries);
  Sent send_entries(std::span<const BackendJournal::Entry> entries, std::vector<Statement>& stored);
  Sent send_update(const std::string& form_body);
  Sent send_data(const std::string& method, const std::string& graph, const std::string& ntriples);
  Sent classify(const BackendResponse& response, const std::string& where);
  void mark_reachable(bool reachable, const std::string& reason);

  BackendOptions options_;
  BackendUrl query_url_, update_url_;
  std::optional<BackendUrl> data_url_;
  std::filesystem::path spool_directory_;
  std::unique_ptr<BackendClient> query_client_, update_client_, data_client_;
  BackendJournal journal_;
  std::mutex hook_mutex_;  // held while the hook runs: on_stored({}) waits for it
  StoredHook stored_;

  mutable std::mutex mutex_;
  std::condition_variable work_;       // new journal entries, or stopping
  std::condition_variable confirmed_;  // the cursor moved, or a rejection
  bool stopping_ = false;
  std::map<std::uint64_t, std::string> rejections_;  // recent, by sequence: the store's message
  std::deque<std::string> rejection_log_;             // the last few, for /metrics
  std::map<std::uint64_t, int> server_errors_;        // attempts that got a 5xx, by first sequence

  std::atomic<bool> reachable_{false};
  std::string unreachable_reason_;  // under mutex_
  std::atomic<std::uint64_t> delivered_quads_{0}, delivered_batches_{0}, rejected_batches_{0}, failed_attempts_{0};
  std::thread drain_thread_, monitor_thread_;
};

}  // namespace torchprov::endpoint
