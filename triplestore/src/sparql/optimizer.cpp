#include "optimizer.h"

#include <algorithm>
#include <limits>
#include <set>

namespace torchprov::triplestore::sparql {
namespace {

constexpr double unreachable_cost = 1e15;

// Matches in the whole store for the pattern's constants (variables as
// wildcards); 0 if a constant is not in the store at all.
double constant_count(const PatternElement& p, const Dataset& dataset) {
  Quad pattern{any_term, any_term, any_term, any_term};
  TermId* positions[] = {&pattern.s, &pattern.p, &pattern.o};
  const PatternTerm* terms[] = {&p.subject, &p.predicate, &p.object};
  for (int i = 0; i < 3; ++i) {
    if (terms[i]->is_var()) continue;
    auto id = dataset.lookup(terms[i]->term);
    if (!id) return 0;
    *positions[i] = *id;
  }
  return static_cast<double>(dataset.count(pattern));
}

// Triples per subject and per object of a pattern whose predicate is its
// only constant, sampled at the first subject and the first object the
// index holds: exact on the regular shapes provenance has (each epoch has
// one epoch number, each run a hundred epochs), where one fixed factor for
// "a bound object" cannot tell dl:epochNumber 100 (a thousand epochs) from
// dl:partOfRun <run> (a hundred).  Negative: no sample, use fixed factors.
struct Fanout {
  double per_subject = -1, per_object = -1;
  double predicate_total = -1;  // triples with the pattern's predicate
};

Fanout sample_fanout(const PatternElement& p, const Dataset& dataset) {
  Fanout fanout;
  if (p.is_path || p.predicate.is_var()) return fanout;
  const auto predicate = dataset.lookup(p.predicate.term);
  if (!predicate) return fanout;
  fanout.predicate_total = static_cast<double>(dataset.count({any_term, *predicate, any_term, any_term}));
  if (!p.subject.is_var() || !p.object.is_var()) return fanout;
  Quad first;
  bool found = false;
  dataset.match({any_term, *predicate, any_term, any_term}, [&](const Quad& q) {
    first = q;
    found = true;
    return false;
  });
  if (!found) return fanout;
  fanout.per_subject = static_cast<double>(dataset.count({first.s, *predicate, any_term, any_term}));
  fanout.per_object = static_cast<double>(dataset.count({any_term, *predicate, first.o, any_term}));
  return fanout;
}

bool is_bound(const PatternTerm& t, const std::set<int>& bound) { return !t.is_var() || bound.count(t.slot) > 0; }

bool shares_variable(const PatternElement& p, const std::set<int>& bound) {
  for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object})
    if (t->is_var() && bound.count(t->slot)) return true;
  return false;
}

// Expected solutions per input solution of a pattern, given which variables
// are bound when it runs.  Bound variables act like constants; since the
// exact per-value count is unknown at planning time, the constant-only count
// is scaled by how selective each position usually is (subjects have few
// triples each, objects more, predicates many).
double estimate(const PatternElement& p, double base, const Fanout& fanout, const std::set<int>& bound) {
  if (p.is_path) {
    bool s = is_bound(p.subject, bound), o = is_bound(p.object, bound);
    if (s && o) return 1;
    if (s || o) return 10;
    return unreachable_cost / 10;
  }
  const bool subject_bound = p.subject.is_var() && bound.count(p.subject.slot);
  const bool object_bound = p.object.is_var() && bound.count(p.object.slot);
  const bool all_bound = is_bound(p.subject, bound) && is_bound(p.object, bound) && !p.predicate.is_var();
  if (all_bound && fanout.predicate_total > 0) {
    // A test, not a fetch: it keeps a fraction of the solutions, so it goes
    // before any pattern that brings new values.
    if (subject_bound && object_bound) return 0.001 * std::min(fanout.per_subject, fanout.per_object);
    if (subject_bound || object_bound) return base / fanout.predicate_total;
  }
  if (subject_bound != object_bound && fanout.per_subject >= 0) {
    return subject_bound ? fanout.per_subject : fanout.per_object;
  }
  double cost = base;
  if (p.subject.is_var() && bound.count(p.subject.slot)) cost *= 0.0001;
  if (p.object.is_var() && bound.count(p.object.slot)) cost *= 0.001;
  if (p.predicate.is_var() && bound.count(p.predicate.slot)) cost *= 0.05;
  return cost;
}

int constant_count_of(const PatternElement& p) {
  return !p.subject.is_var() + (!p.is_path && !p.predicate.is_var()) + !p.object.is_var();
}

// A key that orders equally cheap patterns the same way whatever order
// the query wrote them in.
std::string canonical_key(const PatternElement& p) {
  std::string key;
  for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object}) {
    key += t->is_var() ? std::string("?") : t->term.value;  // slots depend on the written order
    key += '\x1f';
  }
  return key;
}

void add_bound(const PatternElement& p, std::set<int>& bound) {
  for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object})
    if (t->is_var()) bound.insert(t->slot);
}

bool has_exists(const Expr& e) {
  if (e.kind == ExprKind::exists || e.kind == ExprKind::not_exists) return true;
  return std::any_of(e.args.begin(), e.args.end(), has_exists);
}

void optimize_expression(Expr& e, const Dataset& dataset);

void optimize_bgp(Op& op, const Dataset& dataset) {
  auto order = choose_pattern_order(op.patterns, dataset);
  std::vector<PatternElement> reordered;
  reordered.reserve(order.size());
  for (auto i : order) reordered.push_back(std::move(op.patterns[i]));
  op.patterns = std::move(reordered);
}

// A filter condition moves into a BGP at the first step after which all its
// variables are bound (or the last step); `bound` are bound from the start.
void attach_filter(Op& bgp, Expr condition, std::set<int> bound = {}) {
  std::size_t step = bgp.patterns.size() - 1;
  if (!has_exists(condition)) {
    std::vector<int> slots;
    expression_slots(condition, slots);
    for (std::size_t i = 0; i < bgp.patterns.size(); ++i) {
      add_bound(bgp.patterns[i], bound);
      if (std::all_of(slots.begin(), slots.end(), [&](int s) { return bound.count(s) > 0; })) {
        step = i;
        break;
      }
    }
  }
  bgp.attached_filters.push_back({step, std::move(condition)});
}

// EXISTS stays in the Filter: the evaluator decides it for all rows at
// once there (one seeded run of its pattern), which it cannot do per row
// inside a BGP step.
void push_filters(Op& filter_op) {
  Op& bgp = *filter_op.children[0];
  std::vector<Expr> kept;
  for (auto& condition : filter_op.conditions) {
    if (has_exists(condition)) kept.push_back(std::move(condition));
    else attach_filter(bgp, std::move(condition));
  }
  filter_op.conditions = std::move(kept);
}

// Filter over Join / LeftJoin: a condition whose variables a BGP operand
// always binds can run inside that operand (for LeftJoin only the left
// one, whose rows all survive into the result).
void push_into_join(Op& filter_op) {
  Op& child = *filter_op.children[0];
  std::vector<Expr> kept;
  for (auto& condition : filter_op.conditions) {
    bool pushed = false;
    if (!has_exists(condition)) {
      std::vector<int> slots;
      expression_slots(condition, slots);
      std::size_t sides = child.kind == OpKind::join ? 2 : 1;
      for (std::size_t side = 0; side < sides && !pushed; ++side) {
        Op& target = *child.children[side];
        if (target.kind != OpKind::bgp || target.patterns.empty()) continue;
        std::set<int> bound;
        for (const auto& p : target.patterns) add_bound(p, bound);
        if (!slots.empty() && std::all_of(slots.begin(), slots.end(), [&](int s) { return bound.count(s) > 0; })) {
          attach_filter(target, condition);
          pushed = true;
        }
      }
    }
    if (!pushed) kept.push_back(std::move(condition));
  }
  filter_op.conditions = std::move(kept);
}

void optimize_op(Op& op, const Dataset& dataset) {
  for (auto& c : op.children) optimize_op(*c, dataset);
  for (auto& e : op.conditions) optimize_expression(e, dataset);
  if (op.kind == OpKind::extend) optimize_expression(op.expr, dataset);
  if (op.kind == OpKind::bgp) optimize_bgp(op, dataset);
  if (op.kind == OpKind::filter && op.children[0]->kind == OpKind::bgp && !op.children[0]->patterns.empty()) {
    push_filters(op);
    if (op.conditions.empty()) {
      Op bgp = std::move(*op.children[0]);
      op = std::move(bgp);
    }
    return;
  }
  if (op.kind == OpKind::filter &&
      (op.children[0]->kind == OpKind::join || op.children[0]->kind == OpKind::left_join)) {
    push_into_join(op);
    if (op.conditions.empty()) {
      Op inner = std::move(*op.children[0]);
      op = std::move(inner);
    }
  }
}

void optimize_expression(Expr& e, const Dataset& dataset) {
  if (e.pattern) {
    // EXISTS plans are shared pointers to const; rebuild an optimised copy.
    auto copy = std::make_shared<Op>(*e.pattern);
    optimize_op(*copy, dataset);
    e.pattern = copy;
  }
  for (auto& a : e.args) optimize_expression(a, dataset);
}

}  // namespace

std::vector<std::size_t> choose_pattern_order(const std::vector<PatternElement>& patterns, const Dataset& dataset,
                                              const std::vector<int>& already_bound) {
  std::vector<double> base(patterns.size());
  std::vector<Fanout> fanout(patterns.size());
  for (std::size_t i = 0; i < patterns.size(); ++i) {
    base[i] = patterns[i].is_path ? 0 : constant_count(patterns[i], dataset);
    fanout[i] = sample_fanout(patterns[i], dataset);
  }
  std::set<int> bound(already_bound.begin(), already_bound.end());
  std::vector<bool> used(patterns.size(), false);
  std::vector<std::string> keys(patterns.size());
  for (std::size_t i = 0; i < patterns.size(); ++i) keys[i] = canonical_key(patterns[i]);
  std::vector<std::size_t> order;
  for (std::size_t step = 0; step < patterns.size(); ++step) {
    std::size_t best = patterns.size();
    double best_cost = std::numeric_limits<double>::infinity();
    bool best_connected = false;
    for (std::size_t i = 0; i < patterns.size(); ++i) {
      if (used[i]) continue;
      // A pattern sharing no variable with what is bound would multiply
      // the solutions (cross product): only take one when nothing else is
      // connected.  A pattern with no variables at all is a cheap test.
      bool has_vars = patterns[i].subject.is_var() || patterns[i].predicate.is_var() || patterns[i].object.is_var();
      bool connected = bound.empty() || !has_vars || shares_variable(patterns[i], bound) ||
                       (patterns[i].is_path && (!patterns[i].subject.is_var() || !patterns[i].object.is_var()));
      double cost = estimate(patterns[i], base[i], fanout[i], bound);
      bool better = false;
      if (best == patterns.size() || connected != best_connected) {
        better = best == patterns.size() || connected;
      } else if (cost != best_cost) {
        better = cost < best_cost;
      } else if (constant_count_of(patterns[i]) != constant_count_of(patterns[best])) {
        better = constant_count_of(patterns[i]) > constant_count_of(patterns[best]);
      } else {
        better = keys[i] < keys[best];
      }
      if (better) {
        best = i;
        best_cost = cost;
        best_connected = connected;
      }
    }
    used[best] = true;
    order.push_back(best);
    add_bound(patterns[best], bound);
  }
  return order;
}

void optimize(Op& root, const Dataset& dataset) { optimize_op(root, dataset); }

Op reorder_bgp(const Op& bgp, const Dataset& dataset, const std::vector<int>& bound) {
  Op copy;
  copy.kind = OpKind::bgp;
  const auto order = choose_pattern_order(bgp.patterns, dataset, bound);
  for (auto i : order) copy.patterns.push_back(bgp.patterns[i]);
  const std::set<int> bound_set(bound.begin(), bound.end());
  for (const auto& f : bgp.attached_filters) attach_filter(copy, f.expr, bound_set);
  return copy;
}

}  // namespace torchprov::triplestore::sparql
