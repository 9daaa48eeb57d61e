// The SPARQL algebra (spec section 18) with variables replaced by dense
// slots, built from the syntax tree by the spec's translation rules.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "syntax.h"

namespace torchprov::triplestore::sparql {

// A constant term or a variable slot in a triple pattern.
struct PatternTerm {
  int slot = -1;  // >= 0: variable
  Term term;
  bool is_var() const { return slot >= 0; }
};

// One element of a basic graph pattern: a triple pattern or a property path
// pattern (kept inside the BGP so the evaluator can feed it bound values).
struct PatternElement {
  PatternTerm subject, predicate, object;
  bool is_path = false;
  syntax::Path path;
};

enum class OpKind {
  bgp,
  join,
  left_join,
  filter,
  union_of,
  minus,
  graph,
  extend,
  group,
  order_by,
  project,
  distinct,
  reduced,
  slice,
  table,
  service,
};

struct AggregateBinding {
  int slot = -1;
  Expr aggregate;  // kind == aggregate
};

struct GroupKey {
  Expr expr;
  int slot = -1;  // where the key value is bound
};

struct OrderKey {
  Expr expr;
  bool descending = false;
};

// A filter attached by the optimizer to a BGP, applied as soon as the
// pattern at index `after` has been matched.
struct AttachedFilter {
  std::size_t after = 0;
  Expr expr;
};

struct Op {
  OpKind kind = OpKind::bgp;
  std::vector<std::shared_ptr<Op>> children;  // join/left_join/union/minus: 2, others: 1
  std::vector<PatternElement> patterns;       // bgp
  std::vector<AttachedFilter> attached_filters;  // bgp (optimizer)
  std::vector<Expr> conditions;               // filter / left_join (conjunction)
  PatternTerm graph;                          // graph; service: the endpoint
  int slot = -1;                              // extend target
  Expr expr;                                  // extend
  std::vector<GroupKey> group_keys;           // group
  std::vector<AggregateBinding> aggregates;   // group
  std::vector<OrderKey> order;                // order_by
  std::vector<int> projection;                // project
  std::size_t offset = 0;                     // slice
  std::optional<std::size_t> limit;           // slice
  std::vector<int> table_slots;               // table
  std::vector<std::vector<std::optional<Term>>> table_rows;
  bool silent = false;                                       // service
  std::string service_query;                                 // service: the SELECT sent
  std::vector<std::pair<std::string, int>> service_slots;    // service: its variables
};

using OpPtr = std::shared_ptr<Op>;

// A translated query: the algebra plus what the result forms need.
struct QueryPlan {
  QueryForm form = QueryForm::select;
  OpPtr root;
  std::vector<std::string> slot_names;  // slot -> variable name
  std::vector<int> projection;          // SELECT / DESCRIBE variables
  std::vector<syntax::TriplePattern> construct_template;  // variables resolved via slot_names
  std::vector<PatternTerm> describe;    // DESCRIBE resources
  std::vector<std::string> from, from_named;
  bool ordered = false;
  std::string base;

  int slot_of(const std::string& name) const;
};

QueryPlan translate_query(const syntax::Query& query);

// Translates a WHERE group for an update; variables are allocated in `plan`
// (whose slot_names grow).
OpPtr translate_update_pattern(const syntax::GroupPattern& group, QueryPlan& plan);

// The variables (slots) an operator may bind.
void bound_slots(const Op& op, std::vector<int>& out);
void expression_slots(const Expr& expr, std::vector<int>& out);

std::string to_string(const Op& op, const QueryPlan& plan, int indent = 0);

}  // namespace torchprov::triplestore::sparql
