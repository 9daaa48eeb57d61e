// A SPARQL query sent over the Protocol to another endpoint (the backend
// store, or a SERVICE endpoint), its answer read as it arrives: SPARQL JSON
// for SELECT / ASK, N-Triples for CONSTRUCT / DESCRIBE.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <torchprov/rdf.h>

#include "backend_client.h"
#include "data_store.h"

namespace torchprov::endpoint {

// Where an answer goes, a solution or a statement at a time.
class RemoteReceiver {
 public:
  virtual ~RemoteReceiver() = default;
  virtual void variables(const std::vector<std::string>& names) = 0;
  virtual void row(std::vector<std::optional<Term>>& values) = 0;
  virtual void boolean(bool value) = 0;
  virtual void statement(const Statement& statement) = 0;
};

struct RemoteQuery {
  std::string text;  // the query, sent as written (prefix a BASE to fix relative IRIs)
  sparql::QueryForm form = sparql::QueryForm::select;
  std::vector<std::string> default_graphs, named_graphs;
  std::chrono::milliseconds timeout{0};  // 0: an hour
};

// Throws BackendError (502 for an error answer or a malformed one, 503
// when the endpoint cannot be reached, 504 when it does not answer in
// time or answers only in part) whose message starts with `who` (e.g.
// "the SPARQL store at http://..."); exceptions the receiver throws pass
// through.  `unreachable` (if given) is set when the endpoint could not be
// reached at all.
void send_remote_query(BackendClient& client, const BackendUrl& url, const RemoteQuery& query,
                       RemoteReceiver& receiver, const std::string& who, bool* unreachable = nullptr);

// Keeps an answer as terms (up to `max_rows` solutions; 0: no limit).
class TermsReceiver : public RemoteReceiver {
 public:
  TermsReceiver(sparql::QueryResult& result, std::size_t max_rows) : result_(result), max_rows_(max_rows) {}
  void variables(const std::vector<std::string>& names) override;
  void row(std::vector<std::optional<Term>>& values) override;
  void boolean(bool value) override;
  void statement(const Statement& statement) override;

 private:
  sparql::QueryResult& result_;
  std::size_t max_rows_;
};

}  // namespace torchprov::endpoint
