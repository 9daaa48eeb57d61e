// The SPARQL 1.1 engine: query text -> algebra -> optimised plan -> solutions
// over a Dataset.  Updates are applied to the Dataset all-or-nothing and the
// net change is reported so the persistent store can journal it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstddef>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "../dataset.h"

namespace torchprov::triplestore::sparql {

// Malformed query or update text.  what() names the problem; line and
// column (1-based) locate it in the text.
struct SyntaxError : std::runtime_error {
  SyntaxError(const std::string& message, std::size_t line, std::size_t column);
  std::size_t line, column;
};
// Well-formed but asks for something the engine does not do.
struct UnsupportedFeature : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// SERVICE to an endpoint the options do not allow (never silenced by
// SILENT: the query is refused).
struct ServiceRefused : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// SERVICE to an allowed endpoint that failed (silenced by SILENT).
struct ServiceFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct QueryTimeout : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct ResultTooLarge : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// An update that fails while running (e.g. CREATE of an existing graph
// without SILENT); the dataset is unchanged.
struct UpdateError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct QueryResult;

// SERVICE <endpoint> { pattern }: `service_allowed` says whether the
// endpoint may be asked; `service` asks it `query` (SELECT * WHERE {
// pattern }, with the query's prefixes and base) and returns its solutions,
// throwing ServiceFailed when it cannot.  Without both, SERVICE is refused.
using ServiceAllowed = std::function<bool(const std::string& endpoint)>;
using ServiceCall = std::function<QueryResult(const std::string& endpoint, const std::string& query)>;

struct QueryOptions {
  std::string base_iri;
  // SPARQL Protocol default-graph-uri / named-graph-uri: when either is set
  // they replace the query's FROM / FROM NAMED.
  std::vector<std::string> default_graphs, named_graphs;
  std::chrono::milliseconds timeout{0};  // 0: none
  std::size_t max_rows = 0;              // 0: unlimited
  // Units of work (operators entered, rows joined, path steps) after which
  // the query stops with QueryTimeout; 0: none.  Unlike the timeout it
  // stops at the same point on every run (tests, fuzzing).
  std::uint64_t max_steps = 0;
  // true: without FROM the default graph is the union of all graphs (the
  // store's convention for run graphs); false: only the default graph (the
  // W3C tests' convention).
  bool union_default_graph = true;
  const std::atomic<bool>* cancel = nullptr;
  ServiceAllowed service_allowed;
  ServiceCall service;
};

enum class QueryForm { select, ask, construct, describe };

struct QueryResult {
  QueryForm form = QueryForm::select;
  std::vector<std::string> variables;                 // SELECT, in projection order
  std::vector<std::vector<std::optional<Term>>> rows;  // SELECT; nullopt = unbound
  bool boolean = false;                               // ASK
  std::vector<Statement> triples;                     // CONSTRUCT / DESCRIBE
  bool ordered = false;                               // the query had ORDER BY
};

// GRAPH ?g ranges over the named graphs.
QueryResult execute_query(const Dataset& dataset, std::string_view text,
                          const QueryOptions& options = {});

// The same result with SELECT solutions kept as term ids (4 bytes a value)
// instead of Terms: what a server writes out piece by piece.  Stored terms
// are looked up in the dataset when written (an id never changes meaning:
// the dictionary only grows), so the caller needs a read view of the
// dataset the query ran on only while it writes.  Terms the query computed
// (BIND, aggregates) are kept here.
struct CompactResult {
  static constexpr TermId computed_base = 0x80000000u;
  QueryForm form = QueryForm::select;
  std::vector<std::string> variables;  // SELECT, in projection order
  std::vector<TermId> cells;           // SELECT: row-major, variables.size() a row; any_term = unbound
  std::size_t rows = 0;                // SELECT (a row may have no variables)
  std::vector<Term> computed;          // the terms of ids from computed_base up
  bool boolean = false;                // ASK
  std::vector<Statement> triples;      // CONSTRUCT / DESCRIBE
  bool ordered = false;

  std::size_t row_count() const { return rows; }
  const Term& term(const Dataset& dataset, TermId id) const {
    return id >= computed_base ? computed[id - computed_base] : dataset.term(id);
  }
};
CompactResult execute_query_compact(const Dataset& dataset, std::string_view text,
                                    const QueryOptions& options = {});

// The optimised plan, one operator per line (patterns in evaluation order).
std::string explain_query(const Dataset& dataset, std::string_view text, const QueryOptions& options = {});

struct UpdateDelta {
  std::vector<Quad> removed, added;  // net changes, in application order
  std::vector<TermId> created_graphs, dropped_graphs;
};
// The operations of an update, one a line, without applying them: what
// `torchprov update --explain yes` prints to check a request's syntax.
std::string explain_update(std::string_view text, const QueryOptions& options = {});

// Runs every operation of the request in order; if any fails the dataset is
// left exactly as before and the error is thrown.
UpdateDelta execute_update(Dataset& dataset, std::string_view text, const QueryOptions& options = {});

}  // namespace torchprov::triplestore::sparql
