// Steering rules: SPARQL ASK or SELECT queries that watch running trainings
// and fire adaptation requests when they hold.
//
//   POST   /api/rules   {"name": "early-stop", "scope": {"experiment": "mnist"} | {"run": IRI},
//                       "query": "ASK { ... ?run ... }", "action": "stop"|"set"|"set_epochs",
//                       "hyperparameter": "learning_rate", "value": 0.001,
//                       "reason": "...", "once": true}                          -> 201
//   GET    /api/rules   JSON list (active and removed rules, with counters)
//   DELETE /api/rules?name=N                                                   -> 200
//
// A rule is provenance: the agent https://w3id.org/torchprov/rule/<name>
// (prov:Agent, prov:SoftwareAgent, dl:SteeringRule) with its condition, a
// dl:AnalysisQuery prov:Plan carrying dl:queryText, stored in the graph
// https://w3id.org/torchprov/rules and reloaded when the server starts.
//
// Evaluation: when /data receives statements for a run's graph, the run is
// marked; a worker thread then (at most once a second per run) evaluates
// every active rule in scope against the live store, for runs that are still
// running and have at least one finished epoch.  The query's variable ?run
// is bound to the run by inserting `VALUES ?run { <run> }` at the start of
// the query's WHERE clause.  The rule fires when the ASK answers true or the
// SELECT has a row; for "set"/"set_epochs" without a fixed "value" the first
// row's ?value is the new value (a projected ?reason, if any, is appended to
// the reason).  A rule fires at most once per run unless "once" is false;
// then at most once per finished epoch and never while its previous request
// is pending.  The request is attributed to the rule's agent and
// prov:wasDerivedFrom the query; when the trainer applies it, the worker adds
// to the adaptation prov:wasAssociatedWith the rule and a
// prov:qualifiedAssociation whose prov:hadPlan is the query.
#pragma once

#include <chrono>
#include <memory>
#include <span>
#include <string>

#include "data_store.h"
#include "http.h"

namespace torchprov::endpoint {

inline constexpr const char* rules_graph = "https://w3id.org/torchprov/rules";

// `VALUES ?run { <run_iri> }` inserted after the first '{' of `query` that
// is not inside a string, IRI or comment (the WHERE clause's group).  Throws
// std::invalid_argument when there is no such '{'.
std::string bind_run(const std::string& query, const std::string& run_iri);

class Rules {
 public:
  // Loads the rules from the store and starts the worker thread.
  explicit Rules(DataStore& store,
                 std::chrono::milliseconds min_interval = std::chrono::milliseconds(1000));
  ~Rules();
  Rules(const Rules&) = delete;
  Rules& operator=(const Rules&) = delete;

  Response list() const;
  Response add(const Request& request, const std::string& person);
  Response remove(const Target& target);

  // The ingest hook: statements just stored by /data (`graph` for those
  // without one).  Cheap: marks the runs whose graphs they touch.
  void ingested(std::span<const Statement> statements, const std::string& graph);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace torchprov::endpoint
