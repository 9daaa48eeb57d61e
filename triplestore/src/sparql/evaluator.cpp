// Operator evaluation.  Basic graph patterns run as index nested loops
// (each pattern matched with the values bound by earlier ones substituted),
// joins of a BGP with rows that share variables feed those rows into the
// BGP, other joins hash on the shared always-bound variables.
#include "evaluator.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <unordered_set>

#include "optimizer.h"
#include "values.h"
#include "vocabulary.h"

namespace torchprov::triplestore::sparql {

// ---- TermTable ----------------------------------------------------------------

namespace {
std::string term_key(const Term& t) {
  std::string key;
  key.reserve(t.value.size() + t.datatype.size() + t.language.size() + 3);
  key += static_cast<char>('0' + static_cast<int>(t.kind));
  key += t.value;
  key += '\x1f';
  key += t.datatype;
  key += '\x1f';
  key += t.language;
  return key;
}
}  // namespace

const Term& TermTable::term(TermId id) const {
  if (id >= extra_base) return extra_[id - extra_base];
  return dataset_.term(id);
}

TermId TermTable::id_of(const Term& term) {
  if (auto id = dataset_.lookup(term)) return *id;
  auto key = term_key(term);
  auto it = extra_index_.find(key);
  if (it != extra_index_.end()) return it->second;
  TermId id = extra_base + static_cast<TermId>(extra_.size());
  extra_.push_back(term);
  extra_index_.emplace(std::move(key), id);
  return id;
}

// ---- helpers ------------------------------------------------------------------------

namespace {

struct RowHash {
  std::size_t operator()(const Row& row) const noexcept {
    std::size_t h = 1469598103934665603ull;
    for (TermId id : row) h = (h ^ id) * 1099511628211ull;
    return h;
  }
};

bool compatible(const Row& a, const Row& b) {
  for (std::size_t i = 0; i < a.size(); ++i)
    if (a[i] != any_term && b[i] != any_term && a[i] != b[i]) return false;
  return true;
}

Row merge(const Row& a, const Row& b) {
  Row out = a;
  for (std::size_t i = 0; i < out.size(); ++i)
    if (out[i] == any_term) out[i] = b[i];
  return out;
}

std::vector<int> unique_slots(std::vector<int> slots) {
  std::sort(slots.begin(), slots.end());
  slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
  return slots;
}

// The hash key of a join: the slots both sides can bind that are bound in
// every row of both (a slot unbound in some row matches anything there).
std::vector<int> join_keys(const std::vector<Row>& left, const std::vector<Row>& right,
                           const std::vector<int>& left_slots, const std::vector<int>& right_slots) {
  std::vector<int> keys;
  for (int s : unique_slots(left_slots)) {
    if (std::find(right_slots.begin(), right_slots.end(), s) == right_slots.end()) continue;
    bool always = std::all_of(left.begin(), left.end(), [&](const Row& r) { return r[s] != any_term; }) &&
                  std::all_of(right.begin(), right.end(), [&](const Row& r) { return r[s] != any_term; });
    if (always) keys.push_back(s);
  }
  return keys;
}

Row key_of(const Row& row, const std::vector<int>& keys) {
  Row k;
  k.reserve(keys.size());
  for (int s : keys) k.push_back(row[s]);
  return k;
}

// Slots every solution of `op` binds, whatever the data: seeding one of them
// with a value gives exactly the solutions that have that value, so a join
// may evaluate such an operand once per distinct value of its left rows
// instead of once over the whole store.  Only operators whose evaluation
// passes the seed down are followed (a slot bound only inside an OPTIONAL, a
// UNION or a subquery is not certain, and seeding it could change results).
void certain_slots(const Op& op, std::vector<int>& out) {
  switch (op.kind) {
    case OpKind::bgp:
      for (const auto& p : op.patterns)
        for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object})
          if (t->is_var()) out.push_back(t->slot);
      return;
    case OpKind::join:
      certain_slots(*op.children[0], out);
      certain_slots(*op.children[1], out);
      return;
    case OpKind::left_join:
    case OpKind::filter:
    case OpKind::extend: certain_slots(*op.children[0], out); return;
    default: return;
  }
}

// The left rows' slots that a join can seed its right operand with: bound
// in every left row and certainly bound by the right.  Empty when seeding
// does not pay: more than `limit` distinct key values (one hash join over
// the right operand evaluated once is then cheaper).
std::vector<int> seed_keys(const std::vector<Row>& left, const std::vector<int>& left_slots, const Op& right,
                           std::size_t limit) {
  std::vector<int> certain;
  certain_slots(right, certain);
  std::vector<int> keys;
  for (int s : unique_slots(left_slots)) {
    if (std::find(certain.begin(), certain.end(), s) == certain.end()) continue;
    if (std::all_of(left.begin(), left.end(), [&](const Row& r) { return r[s] != any_term; })) keys.push_back(s);
  }
  if (keys.empty()) return keys;
  std::unordered_map<Row, char, RowHash> distinct;
  for (const auto& l : left) {
    distinct.emplace(key_of(l, keys), 0);
    if (distinct.size() > limit) return {};
  }
  return keys;
}

}  // namespace

EvaluationSettings dataset_settings(const Dataset& dataset, const std::vector<std::string>& from,
                                    const std::vector<std::string>& from_named, const QueryOptions& options) {
  EvaluationSettings settings;
  settings.base_iri = options.base_iri;
  settings.cancel = options.cancel;
  settings.service_allowed = options.service_allowed;
  settings.service = options.service;
  settings.max_rows = options.max_rows;
  settings.max_steps = options.max_steps;
  if (options.timeout.count() > 0) settings.deadline = std::chrono::steady_clock::now() + options.timeout;
  bool protocol = !options.default_graphs.empty() || !options.named_graphs.empty();
  const auto& defaults = protocol ? options.default_graphs : from;
  const auto& named = protocol ? options.named_graphs : from_named;
  // A graph the store has never seen contributes nothing.
  auto ids = [&](const std::vector<std::string>& iris) {
    std::vector<TermId> out;
    for (const auto& iri : iris)
      if (auto id = dataset.lookup(Term::iri(iri)); id && std::find(out.begin(), out.end(), *id) == out.end())
        out.push_back(*id);
    return out;
  };
  if (protocol || !from.empty() || !from_named.empty()) {
    settings.default_graphs = ids(defaults);
    settings.named_graphs = ids(named);
    return settings;
  }
  if (options.union_default_graph) settings.union_default = true;
  else settings.default_graphs = {default_graph_id};
  for (TermId g : dataset.graphs())
    if (g != default_graph_id) settings.named_graphs.push_back(g);
  return settings;
}

namespace {

// Opening the entropy device costs a system call per query; one seeded
// generator per thread seeds every query's RAND / UUID stream instead.
std::uint64_t query_seed() {
  thread_local std::mt19937_64 seeds{std::random_device{}()};
  return seeds();
}

}  // namespace

Evaluator::Evaluator(const Dataset& dataset, TermTable& terms, std::size_t slot_count, EvaluationSettings settings)
    : dataset_(dataset),
      terms_(terms),
      slot_count_(slot_count),
      settings_(std::move(settings)),
      random_(query_seed()) {
  auto now = std::chrono::system_clock::now();
  auto seconds = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t t = static_cast<std::time_t>(seconds / 1000);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, static_cast<int>(seconds % 1000));
  now_ = Term::literal(buffer, std::string(xsd::date_time));
}

Evaluator::~Evaluator() = default;

void Evaluator::check_limits() {
  ++check_counter_;
  if (settings_.max_steps && check_counter_ > settings_.max_steps)
    throw QueryTimeout("query stopped after its budget of " + std::to_string(settings_.max_steps) + " steps");
  if ((check_counter_ & 1023) != 0) return;
  if (settings_.cancel && settings_.cancel->load(std::memory_order_relaxed)) throw QueryTimeout("query cancelled");
  if (std::chrono::steady_clock::now() > settings_.deadline) throw QueryTimeout("query timed out");
}

std::vector<Row> Evaluator::evaluate(const Op& op) {
  root_scope_ = std::make_unique<GraphScope>();
  if (settings_.union_default && settings_.default_graphs.empty()) root_scope_->any = true;
  else root_scope_->graphs = settings_.default_graphs;
  current_scope_ = root_scope_.get();
  Row seed(slot_count_, any_term);
  return eval(op, seed, *root_scope_);
}

// ---- operators ------------------------------------------------------------------------

std::vector<Row> Evaluator::eval(const Op& op, const Row& seed, const GraphScope& scope) {
  check_limits();
  switch (op.kind) {
    case OpKind::bgp: return eval_bgp(op, seed, scope);
    case OpKind::join: {
      auto left = eval(*op.children[0], seed, scope);
      const Op& right_op = *op.children[1];
      std::vector<int> left_slots, right_slots;
      bound_slots(*op.children[0], left_slots);
      bound_slots(right_op, right_slots);
      bool shares = std::any_of(left_slots.begin(), left_slots.end(), [&](int s) {
        return std::find(right_slots.begin(), right_slots.end(), s) != right_slots.end();
      });
      std::vector<Row> out;
      if (right_op.kind == OpKind::service && right_op.graph.is_var() &&
          std::find(left_slots.begin(), left_slots.end(), right_op.graph.slot) != left_slots.end())
        return join_service(std::move(left), right_op);
      if (right_op.kind == OpKind::bgp && shares) {
        // The BGP continues from the left rows' bindings.
        return eval_bgp_batch(right_op, left, scope, nullptr);
      }
      if (left.empty()) return out;  // nothing to join with: the right side need not run
      if (auto seeded = seeded_right(left, left_slots, right_op, seed, scope)) {
        for (std::size_t i = 0; i < left.size(); ++i)
          for (const auto& r : seeded->rights[seeded->of_left[i]])
            if (compatible(left[i], r)) out.push_back(merge(left[i], r));
        return out;
      }
      auto right = eval(right_op, seed, scope);
      const std::vector<int> keys = join_keys(left, right, left_slots, right_slots);
      std::unordered_map<Row, std::vector<std::size_t>, RowHash> index;
      for (std::size_t i = 0; i < right.size(); ++i) index[key_of(right[i], keys)].push_back(i);
      for (const auto& l : left) {
        auto it = index.find(key_of(l, keys));
        if (it == index.end()) continue;
        for (auto i : it->second) {
          if (!compatible(l, right[i])) continue;
          out.push_back(merge(l, right[i]));
          if (settings_.max_rows && out.size() > settings_.max_rows * 64 + 1000000)
            throw ResultTooLarge("intermediate result exceeds the row limit");
        }
        check_limits();
      }
      return out;
    }
    case OpKind::left_join: {
      auto left = eval(*op.children[0], seed, scope);
      const Op& right_op = *op.children[1];
      std::vector<Row> out;
      auto add_matches = [&](const Row& l, const std::vector<Row>& candidates) {
        bool matched = false;
        for (const auto& r : candidates) {
          if (!compatible(l, r)) continue;
          Row m = merge(l, r);
          if (!op.conditions.empty() && !filter_passes(op.conditions, m)) continue;
          out.push_back(std::move(m));
          matched = true;
        }
        if (!matched) out.push_back(l);
      };
      if (right_op.kind == OpKind::bgp) {
        // The optional BGP continues from all left rows at once; each
        // result remembers the left row it extends.
        // Results come grouped by left row, in left order (each step of the
        // batch extends rows in order).
        std::vector<std::size_t> origins;
        auto extended = eval_bgp_batch(right_op, left, scope, &origins);
        out.reserve(std::max(left.size(), extended.size()));
        std::size_t i = 0;
        for (std::size_t l = 0; l < left.size(); ++l) {
          bool any = false;
          for (; i < extended.size() && origins[i] == l; ++i) {
            if (!op.conditions.empty() && !filter_passes(op.conditions, extended[i])) continue;
            out.push_back(std::move(extended[i]));
            any = true;
          }
          if (!any) out.push_back(std::move(left[l]));
        }
        return out;
      }
      if (left.empty()) return out;  // OPTIONAL of nothing: the right side need not run
      std::vector<int> left_slots, right_slots;
      bound_slots(*op.children[0], left_slots);
      if (auto seeded = seeded_right(left, left_slots, right_op, seed, scope)) {
        for (std::size_t i = 0; i < left.size(); ++i) add_matches(left[i], seeded->rights[seeded->of_left[i]]);
        return out;
      }
      auto right = eval(right_op, seed, scope);
      bound_slots(right_op, right_slots);
      const std::vector<int> keys = join_keys(left, right, left_slots, right_slots);
      std::unordered_map<Row, std::vector<Row>, RowHash> index;
      for (auto& r : right) {
        Row k = key_of(r, keys);
        index[std::move(k)].push_back(std::move(r));
      }
      static const std::vector<Row> none;
      for (const auto& l : left) {
        auto it = index.find(key_of(l, keys));
        add_matches(l, it == index.end() ? none : it->second);
        check_limits();
      }
      return out;
    }
    case OpKind::filter: {
      auto rows = eval(*op.children[0], seed, scope);
      // [NOT] EXISTS over a BGP is decided for all rows at once: the BGP
      // runs once, seeded with every row (a semi- or anti-join), instead of
      // once per row.
      std::vector<char> keep(rows.size(), 1);
      std::vector<const Expr*> others;
      for (const auto& c : op.conditions) {
        const bool batchable = (c.kind == ExprKind::exists || c.kind == ExprKind::not_exists) && c.pattern &&
                               c.pattern->kind == OpKind::bgp && !c.pattern->patterns.empty() && rows.size() > 1;
        if (!batchable) {
          others.push_back(&c);
          continue;
        }
        std::vector<std::size_t> origins;
        eval_bgp_batch(*c.pattern, rows, *current_scope_, &origins);
        std::vector<char> found(rows.size(), 0);
        for (std::size_t o : origins) found[o] = 1;
        const char wanted = c.kind == ExprKind::exists ? 1 : 0;
        for (std::size_t i = 0; i < rows.size(); ++i)
          if (found[i] != wanted) keep[i] = 0;
      }
      std::vector<Row> out;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!keep[i]) continue;
        bool passes = true;
        for (const Expr* c : others) passes = passes && condition_passes(*c, rows[i]);
        if (passes) out.push_back(std::move(rows[i]));
      }
      return out;
    }
    case OpKind::union_of: {
      auto out = eval(*op.children[0], seed, scope);
      auto right = eval(*op.children[1], seed, scope);
      for (auto& r : right) out.push_back(std::move(r));
      return out;
    }
    case OpKind::minus: {
      auto left = eval(*op.children[0], seed, scope);
      Row empty(slot_count_, any_term);
      auto right = eval(*op.children[1], empty, scope);
      // Slots bound in every row on both sides: a removing row must agree
      // on them, so only rows with the same values need checking.
      std::vector<int> keys;
      for (std::size_t s = 0; s < slot_count_; ++s) {
        auto bound = [&](const Row& r) { return r[s] != any_term; };
        if (!left.empty() && !right.empty() && std::all_of(left.begin(), left.end(), bound) &&
            std::all_of(right.begin(), right.end(), bound))
          keys.push_back(static_cast<int>(s));
      }
      std::unordered_map<Row, std::vector<const Row*>, RowHash> buckets;
      for (const auto& r : right) buckets[key_of(r, keys)].push_back(&r);
      static const std::vector<const Row*> no_rows;
      std::vector<Row> out;
      for (auto& l : left) {
        bool removed = false;
        auto bucket = buckets.find(key_of(l, keys));
        for (const Row* candidate : bucket == buckets.end() ? no_rows : bucket->second) {
          const Row& r = *candidate;
          bool shared = false, ok = true;
          for (std::size_t i = 0; i < l.size() && ok; ++i) {
            if (l[i] != any_term && r[i] != any_term) {
              shared = true;
              ok = l[i] == r[i];
            }
          }
          if (shared && ok) {
            removed = true;
            break;
          }
        }
        if (!removed) out.push_back(std::move(l));
        check_limits();
      }
      return out;
    }
    case OpKind::graph: return eval_graph(op, seed, scope);
    case OpKind::service: return eval_service(op, seed);
    case OpKind::extend: {
      auto rows = eval(*op.children[0], seed, scope);
      std::vector<Row> out;
      out.reserve(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) {
        auto& r = rows[i];
        // BNODE(str) is the same within one solution: chained Extends keep
        // rows in step, so the row's index identifies the solution.
        solution_index_ = i;
        auto value = evaluate_expression(op.expr, r);
        if (value) {
          TermId id = terms_.id_of(*value);
          if (r[op.slot] != any_term && r[op.slot] != id) continue;
          r[op.slot] = id;
        }
        out.push_back(std::move(r));
      }
      return out;
    }
    case OpKind::group: return eval_group(op, seed, scope);
    case OpKind::order_by: return sorted(op, eval(*op.children[0], seed, scope), std::nullopt);
    case OpKind::project: {
      auto rows = eval(*op.children[0], projected(op, seed), scope);
      blank_unprojected(op, rows);
      return rows;
    }
    case OpKind::distinct:
    case OpKind::reduced: {
      auto rows = eval(*op.children[0], seed, scope);
      std::unordered_set<Row, RowHash> seen;
      std::vector<Row> out;
      for (auto& r : rows)
        if (seen.insert(r).second) out.push_back(std::move(r));
      return out;
    }
    case OpKind::slice: {
      // ORDER BY under LIMIT: only the first offset + limit rows need
      // ordering (a page of 50 out of 10 000 runs), not all of them.  A
      // projection between the two only blanks slots, so it may follow.
      const Op& child = *op.children[0];
      const Op* order = child.kind == OpKind::order_by ? &child
                        : child.kind == OpKind::project && child.children[0]->kind == OpKind::order_by
                            ? child.children[0].get()
                            : nullptr;
      std::vector<Row> rows;
      if (order && op.limit) {
        const Row inner_seed = child.kind == OpKind::project ? projected(child, seed) : seed;
        rows = sorted(*order, eval(*order->children[0], inner_seed, scope), op.offset + *op.limit);
        if (child.kind == OpKind::project) blank_unprojected(child, rows);
      } else {
        rows = eval(child, seed, scope);
      }
      std::size_t begin = std::min(op.offset, rows.size());
      std::size_t end = op.limit ? std::min(rows.size(), begin + *op.limit) : rows.size();
      return std::vector<Row>(std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(begin)),
                              std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(end)));
    }
    case OpKind::table: {
      std::vector<Row> out;
      for (const auto& values : op.table_rows) {
        Row r(slot_count_, any_term);
        for (std::size_t i = 0; i < values.size(); ++i)
          if (values[i]) r[op.table_slots[i]] = terms_.id_of(*values[i]);
        if (compatible(r, seed)) out.push_back(merge(r, seed));
      }
      return out;
    }
  }
  return {};
}

// Variables not projected are not visible inside a projection (sub-select
// scope): the seed passed down keeps only the projected ones.
Row Evaluator::projected(const Op& project, const Row& seed) const {
  Row inner_seed(slot_count_, any_term);
  for (int s : project.projection) inner_seed[s] = seed[s];
  return inner_seed;
}

void Evaluator::blank_unprojected(const Op& project, std::vector<Row>& rows) const {
  std::vector<bool> keep(slot_count_, false);
  for (int s : project.projection) keep[s] = true;
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i)
      if (!keep[i]) r[i] = any_term;
}

// The rows in the order of the ORDER BY keys, ties in their input order
// (a stable sort).  With `keep`, only that many first rows are wanted:
// a partial sort on (keys, input position), which puts the same rows first
// as the stable sort of all of them, in O(n log keep).  Either way the
// rows are sorted on (keys, input position): a stable sort.
std::vector<Row> Evaluator::sorted(const Op& op, std::vector<Row> rows, std::optional<std::size_t> keep) {
  std::vector<std::vector<std::optional<Term>>> keys(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    keys[i].reserve(op.order.size());
    for (const auto& k : op.order) keys[i].push_back(evaluate_expression(k.expr, rows[i]));
    check_limits();
  }
  std::vector<std::size_t> index(rows.size());
  for (std::size_t i = 0; i < index.size(); ++i) index[i] = i;
  auto before = [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < op.order.size(); ++k) {
      const auto& x = keys[a][k];
      const auto& y = keys[b][k];
      int c = order_compare(x ? &*x : nullptr, y ? &*y : nullptr);
      if (c != 0) return op.order[k].descending ? c > 0 : c < 0;
    }
    return a < b;
  };
  // A heap of most of the rows costs more than sorting them all.
  if (keep && *keep < index.size() / 4) {
    std::partial_sort(index.begin(), index.begin() + static_cast<std::ptrdiff_t>(*keep), index.end(), before);
    index.resize(*keep);
  } else {
    // Merge sort: fewer comparisons than introsort, and comparing keys
    // (string compares, mostly) is what a sort costs here.
    std::stable_sort(index.begin(), index.end(), before);
  }
  std::vector<Row> out;
  out.reserve(index.size());
  for (auto i : index) out.push_back(std::move(rows[i]));
  return out;
}

template <class Visit>
void Evaluator::match_in_scope(Quad pattern, const GraphScope& scope, Visit&& visit) {
  QuadCursor cursor(dataset_);
  match_in_scope(cursor, pattern, scope, std::forward<Visit>(visit));
}

template <class Visit>
void Evaluator::match_in_scope(QuadCursor& cursor, Quad pattern, const GraphScope& scope, Visit&& visit) {
  Quad block[64];
  std::size_t got;
  if (scope.any) {
    // The union of all graphs is a merge: a triple stored in several graphs
    // is one triple.  With the graph unbound the store enumerates in an
    // order ending with the graph, so copies arrive one after another.
    pattern.g = any_term;
    Quad previous{any_term, any_term, any_term, any_term};
    cursor.seek(pattern);
    while ((got = cursor.next_block(block, std::size(block))) != 0) {
      for (std::size_t b = 0; b < got; ++b) {
        const Quad& q = block[b];
        if (q.s == previous.s && q.p == previous.p && q.o == previous.o) continue;
        previous = q;
        if (!visit(q)) return;
      }
    }
    return;
  }
  for (std::size_t gi = 0; gi < scope.graphs.size(); ++gi) {
    pattern.g = scope.graphs[gi];
    cursor.seek(pattern);
    while ((got = cursor.next_block(block, std::size(block))) != 0) {
      for (std::size_t b = 0; b < got; ++b) {
        const Quad& q = block[b];
        // The default graph is the merge of several graphs: a triple in
        // more than one of them counts once.
        bool seen = false;
        for (std::size_t gj = 0; gj < gi && !seen; ++gj)
          seen = dataset_.contains({q.s, q.p, q.o, scope.graphs[gj]});
        if (!seen && !visit(q)) return;
      }
    }
  }
}

bool Evaluator::in_scope(QuadCursor& cursor, Quad triple, const GraphScope& scope) const {
  Quad found;
  if (scope.any) {
    triple.g = any_term;
    cursor.seek(triple);
    return cursor.next(found);
  }
  for (TermId g : scope.graphs) {
    triple.g = g;
    cursor.seek(triple);
    if (cursor.next(found)) return true;
  }
  return false;
}

// Batch evaluation, one pattern at a time over all partial solutions.  A
// pattern whose variables are bound by earlier patterns is either looked
// up once per solution (index nested loop) or, when there are many more
// solutions than the pattern has matches, scanned once into a hash table
// keyed on the bound positions (hash join): one sequential range read
// instead of a binary search per solution.
// A join whose right operand is not a BGP (an OPTIONAL group with OPTIONALs
// of its own, a FILTERed group, ...) would evaluate that operand once over
// the whole store and hash-join it.  When the left rows are few, the right
// runs once per distinct value of the slots they share instead, seeded with
// it: a run page's OPTIONAL { ?adaptation prov:wasAssociatedWith ?agent .
// OPTIONAL { ?agent dl:name ?n } ... } reads its own adaptations' agents,
// not every agent of 10 000 runs.
std::optional<Evaluator::SeededRight> Evaluator::seeded_right(const std::vector<Row>& left,
                                                              const std::vector<int>& left_slots, const Op& right_op,
                                                              const Row& seed, const GraphScope& scope) {
  constexpr std::size_t max_seeds = 256;
  const std::vector<int> keys = seed_keys(left, left_slots, right_op, max_seeds);
  if (keys.empty()) return std::nullopt;
  SeededRight result;
  result.of_left.reserve(left.size());
  std::unordered_map<Row, std::size_t, RowHash> index;
  for (const auto& l : left) {
    auto [it, added] = index.emplace(key_of(l, keys), result.rights.size());
    if (added) {
      // The left rows came from `seed`, so they agree with what it binds.
      Row seeded = seed;
      for (int k : keys) seeded[k] = l[k];
      result.rights.push_back(eval(right_op, seeded, scope));
    }
    result.of_left.push_back(it->second);
  }
  return result;
}

std::vector<Row> Evaluator::eval_bgp(const Op& op, const Row& seed, const GraphScope& scope) {
  return eval_bgp_batch(op, std::vector<Row>{seed}, scope, nullptr);
}

// Batch evaluation, one pattern at a time over all partial solutions.  A
// pattern whose variables are bound by earlier patterns (or the seeds) is
// either looked up once per solution (index nested loop) or, when there
// are many more solutions than the pattern has matches, scanned once into
// a hash table keyed on the bound positions (hash join): one sequential
// range read instead of a binary search per solution.
// The optimiser ordered the BGP knowing nothing bound.  Seeds that bind
// some of its variables (the row an EXISTS tests, the left rows of a join)
// can make another order far cheaper: NOT EXISTS { ?s :advisor ?a . ?a a
// :FullProfessor } per student must start from ?s, not scan the professors.
std::vector<Row> Evaluator::eval_bgp_batch(const Op& op, const std::vector<Row>& seeds, const GraphScope& scope,
                                           std::vector<std::size_t>* origins, Counting* counting) {
  if (op.patterns.size() < 2 || seeds.empty()) return run_bgp(op, seeds, scope, origins, counting);
  std::vector<int> bound;
  for (const auto& p : op.patterns) {
    for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object}) {
      if (!t->is_var() || std::find(bound.begin(), bound.end(), t->slot) != bound.end()) continue;
      const bool first = seeds[0][t->slot] != any_term;
      for (const auto& seed : seeds)
        if ((seed[t->slot] != any_term) != first) return run_bgp(op, seeds, scope, origins, counting);  // not uniform
      if (first) bound.push_back(t->slot);
    }
  }
  if (bound.empty()) return run_bgp(op, seeds, scope, origins, counting);
  std::sort(bound.begin(), bound.end());
  auto& plan = seeded_plans_[{&op, bound}];
  if (!plan) plan = std::make_unique<Op>(reorder_bgp(op, dataset_, bound));
  return run_bgp(*plan, seeds, scope, origins, counting);
}

std::vector<Row> Evaluator::run_bgp(const Op& op, const std::vector<Row>& seeds, const GraphScope& scope,
                                    std::vector<std::size_t>* origins, Counting* counting) {
  const auto& patterns = op.patterns;
  std::vector<std::vector<const Expr*>> filters_after(patterns.size());
  for (const auto& f : op.attached_filters) filters_after[std::min(f.after, patterns.size() - 1)].push_back(&f.expr);
  // Partial solutions are kept flat so that extending one costs no
  // allocation: slot_count_ values, then the index of the seed it extends.
  // How many patterns of this BGP share each pattern's constants.
  std::vector<int> same_constants(patterns.size(), 0);
  auto same_shape = [](const PatternElement& a, const PatternElement& b) {
    if (a.is_path || b.is_path) return false;
    const PatternTerm* x[] = {&a.subject, &a.predicate, &a.object};
    const PatternTerm* y[] = {&b.subject, &b.predicate, &b.object};
    for (int i = 0; i < 3; ++i) {
      if (x[i]->is_var() != y[i]->is_var()) return false;
      if (!x[i]->is_var() && !(x[i]->term == y[i]->term)) return false;
    }
    return true;
  };
  for (std::size_t a = 0; a < patterns.size(); ++a)
    for (std::size_t b = 0; b < patterns.size(); ++b) same_constants[a] += same_shape(patterns[a], patterns[b]);
  // A pattern whose variables earlier patterns all bind only tests each
  // solution.  Such tests right after the step that binds their last
  // variable run inside that step, on each candidate before it is copied:
  // in a star like ?m prov:wasGeneratedBy ?e ; dl:name "loss" ; dl:split
  // "val" most candidates fail a test, and copying them first cost more
  // than the tests.
  struct Check {
    Quad constants;
    int positions[3], slots[3];
    int variables = 0;
    const MemberSet* members = nullptr;  // one variable and worth a bitset
    std::optional<QuadCursor> cursor;    // else lookups, forward from the last one
    bool in_table = false;               // applied while building this step's join table
  };
  std::vector<std::vector<Check>> checks(patterns.size());
  std::vector<bool> absorbed(patterns.size(), false);
  {
    std::vector<bool> bound(slot_count_, false);
    auto variables_bound = [&](const PatternElement& p) {
      for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object})
        if (t->is_var() && !bound[t->slot]) return false;
      return true;
    };
    for (std::size_t k = 0, j = 0; k < patterns.size(); k = j) {
      for (const PatternTerm* t : {&patterns[k].subject, &patterns[k].predicate, &patterns[k].object})
        if (t->is_var()) bound[t->slot] = true;
      for (j = k + 1; j < patterns.size(); ++j) {
        const PatternElement& p = patterns[j];
        if (p.is_path || !variables_bound(p)) break;
        Check check;
        const PatternTerm* parts[] = {&p.subject, &p.predicate, &p.object};
        TermId* constants[] = {&check.constants.s, &check.constants.p, &check.constants.o};
        bool known = true;
        for (int i = 0; i < 3; ++i) {
          if (parts[i]->is_var()) {
            check.positions[check.variables] = i;
            check.slots[check.variables++] = parts[i]->slot;
          } else {
            TermId id = terms_.id_of(parts[i]->term);
            known = known && terms_.in_dataset(id);
            *constants[i] = id;
          }
        }
        // Without variables or with a constant the store lacks, the step
        // runs as it is (and ends the BGP at once in the second case).
        if (check.variables == 0 || !known) break;
        check.constants.g = any_term;
        check.cursor.emplace(dataset_);
        checks[k].push_back(std::move(check));
        absorbed[j] = true;
        for (const Expr* e : filters_after[j]) filters_after[k].push_back(e);
        filters_after[j].clear();
      }
    }
  }
  const std::size_t width = slot_count_ + 1, origin_column = slot_count_;
  std::vector<TermId> current, next;
  current.reserve(seeds.size() * width);
  for (std::size_t i = 0; i < seeds.size(); ++i) {
    current.insert(current.end(), seeds[i].begin(), seeds[i].begin() + static_cast<std::ptrdiff_t>(slot_count_));
    current.push_back(static_cast<TermId>(i));
  }
  Row candidate(width, any_term);
  auto row_count = [&](const std::vector<TermId>& flat) { return flat.size() / width; };
  // Appends the candidate if the filters attached to this step accept it.
  auto checks_pass = [&](std::size_t step, auto&& value_of) {
    for (Check& c : checks[step]) {
      if (c.in_table) continue;
      if (c.members) {
        const TermId v = value_of(c.slots[0]);
        if (v >= c.members->size() * 64 || !((*c.members)[v >> 6] >> (v & 63) & 1)) return false;
        continue;
      }
      Quad triple = c.constants;
      TermId* positions[] = {&triple.s, &triple.p, &triple.o};
      for (int i = 0; i < c.variables; ++i) {
        const TermId v = value_of(c.slots[i]);
        if (!terms_.in_dataset(v)) return false;
        *positions[c.positions[i]] = v;
      }
      if (!in_scope(*c.cursor, triple, scope)) return false;
    }
    return true;
  };
  // Counting only: the last step counts its solutions instead of copying them.
  std::size_t last_step = 0;
  for (std::size_t k = 0; k < patterns.size(); ++k)
    if (!absorbed[k]) last_step = k;
  const std::size_t counting_step = counting ? last_step : patterns.size();
  std::size_t counted = 0;
  bool counted_last = false;
  if (counting) {
    const std::size_t words = dataset_.term_count() / 64 + 1;
    counting->seen.assign(counting->distinct_slots.size(), std::vector<std::uint64_t>(words, 0));
    counting->seen_computed.assign(counting->distinct_slots.size(), {});
    if (counting->group_slots.size() == 1 && counting->extreme_slots.empty())
      counting->per_id.assign(dataset_.term_count() + 1, 0);
  }
  const std::size_t extreme_count = counting ? counting->extreme_slots.size() : 0;
  auto count = [&](auto&& value_of) {
    ++counted;
    if (extreme_count) {
      std::uint64_t key = 0;
      for (int slot : counting->group_slots) key = (key << 32) | value_of(slot);
      auto [it, added] = counting->group_of.try_emplace(key, static_cast<std::uint32_t>(counting->groups.size()));
      const std::size_t g = it->second;
      if (added) {
        counting->groups.push_back(key);
        counting->group_rows.push_back(0);
        for (int slot : counting->extreme_slots) counting->extremes.push_back(value_of(slot));
      } else {
        for (std::size_t e = 0; e < extreme_count; ++e) {
          TermId& best = counting->extremes[g * extreme_count + e];
          const TermId v = value_of(counting->extreme_slots[e]);
          if (beats(v, best, counting->extreme_is_max[e])) best = v;
        }
      }
      ++counting->group_rows[g];
      return;
    }
    if (counting->group_slots.size() == 1) {
      const TermId key = value_of(counting->group_slots[0]);
      if (key < counting->per_id.size()) ++counting->per_id[key];
      else ++counting->per_key[key];
    } else if (counting->group_slots.size() == 2) {
      ++counting->per_key[(std::uint64_t(value_of(counting->group_slots[0])) << 32) |
                          value_of(counting->group_slots[1])];
    }
    for (std::size_t d = 0; d < counting->distinct_slots.size(); ++d) {
      const TermId v = value_of(counting->distinct_slots[d]);
      if (v / 64 < counting->seen[d].size()) counting->seen[d][v / 64] |= std::uint64_t(1) << (v % 64);
      else counting->seen_computed[d].insert(v);
    }
  };
  auto emit = [&](std::size_t step) {
    if (!checks[step].empty() && !checks_pass(step, [&](int slot) { return candidate[slot]; })) return;
    for (const Expr* e : filters_after[step])
      if (!condition_passes(*e, candidate)) return;
    if (step == counting_step) {
      count([&](int slot) { return candidate[slot]; });
      return;
    }
    next.insert(next.end(), candidate.begin(), candidate.end());
    if (settings_.max_rows && row_count(next) > settings_.max_rows * 64 + 1000000)
      throw ResultTooLarge("intermediate result exceeds the row limit");
  };
  auto load = [&](std::size_t i) {
    std::copy_n(current.begin() + static_cast<std::ptrdiff_t>(i * width), width, candidate.begin());
  };
  auto at = [&](std::size_t row, int slot) { return current[row * width + static_cast<std::size_t>(slot)]; };

  for (std::size_t k = 0; k < patterns.size() && !current.empty(); ++k) {
    if (absorbed[k]) continue;
    counted_last = k == counting_step;
    check_limits();
    const PatternElement& p = patterns[k];
    next.clear();
    const std::size_t n = row_count(current);
    // A one-variable test over fewer matches than a few per solution reads
    // them once into a bitset.
    for (Check& c : checks[k]) {
      if (c.variables == 1 && !c.members &&
          static_cast<double>(dataset_.count(c.constants)) < 8.0 * static_cast<double>(n) + 1024)
        c.members = &member_set(c.constants, c.positions[0], scope);
    }
    if (p.is_path) {
      for (std::size_t i = 0; i < n; ++i) {
        load(i);
        eval_path(p, candidate, scope, [&] { emit(k); });
        check_limits();
      }
      std::swap(current, next);
      continue;
    }
    const PatternTerm* parts[] = {&p.subject, &p.predicate, &p.object};
    Quad constant_pattern{};
    TermId* positions[] = {&constant_pattern.s, &constant_pattern.p, &constant_pattern.o};
    std::vector<int> var_positions;
    for (int i = 0; i < 3; ++i) {
      if (!parts[i]->is_var()) {
        TermId id = terms_.id_of(parts[i]->term);
        if (!terms_.in_dataset(id)) {
          // A constant the dataset does not hold: nothing matches, and a
          // count over it is zero (its callers read one count per slot).
          if (counting) {
            counting->rows = 0;
            counting->distinct.assign(counting->distinct_slots.size(), 0);
          }
          return {};
        }
        *positions[i] = id;
      } else {
        var_positions.push_back(i);
      }
    }
    // Which variables are bound: the same in every row unless the seeds
    // differ (a join with rows from OPTIONAL, say).
    std::vector<int> bound_positions, free_positions;
    bool uniform = true;
    for (int pos : var_positions) {
      bool first_bound = at(0, parts[pos]->slot) != any_term;
      (first_bound ? bound_positions : free_positions).push_back(pos);
      for (std::size_t i = 1; i < n && uniform; ++i)
        if ((at(i, parts[pos]->slot) != any_term) != first_bound) uniform = false;
    }
    // Binds the unbound positions of row i from a quad's terms and emits; a
    // variable repeated within the pattern must get the same value twice.
    // Without filters at this step and with distinct variables, the row is
    // checked in place and appended once (no working copy).
    bool direct = filters_after[k].empty() && !settings_.max_rows;
    for (std::size_t a = 0; a < var_positions.size(); ++a)
      for (std::size_t b = a + 1; b < var_positions.size(); ++b)
        if (parts[var_positions[a]]->slot == parts[var_positions[b]]->slot) direct = false;
    auto extend = [&](std::size_t i, const TermId values[3]) {
      if (direct) {
        const TermId* source = current.data() + i * width;
        for (int pos : var_positions) {
          TermId v = source[parts[pos]->slot];
          if (v != any_term && v != values[pos]) return;
        }
        auto value_of = [&](int slot) {
          for (int pos : var_positions)
            if (parts[pos]->slot == slot) return values[pos];
          return source[slot];
        };
        if (!checks[k].empty() && !checks_pass(k, value_of)) return;
        if (k == counting_step) {
          count(value_of);
          return;
        }
        const std::size_t offset = next.size();
        next.insert(next.end(), source, source + width);
        for (int pos : var_positions) next[offset + static_cast<std::size_t>(parts[pos]->slot)] = values[pos];
        return;
      }
      load(i);
      for (int pos : var_positions) {
        TermId& slot_value = candidate[parts[pos]->slot];
        if (slot_value != any_term && slot_value != values[pos]) return;
        slot_value = values[pos];
      }
      emit(k);
    };
    // Hash join when building the table (one sequential range read) costs
    // less than a binary search per solution, or when an earlier step of
    // this query already built it.
    bool hash_join = false;
    // Solutions that arrive in the index's order of the bound values (as
    // they do after a scan of a sorted range) make the per-solution
    // searches a forward walk through the index, cheaper than hashing.
    bool sorted_probes = false;
    if (uniform && !bound_positions.empty() && n > 64) {
      const int primary_slot = parts[bound_positions[0]]->slot;  // subject first, then object
      std::size_t ascending = 0;
      for (std::size_t i = 1; i < n; ++i) ascending += at(i, primary_slot) >= at(i - 1, primary_slot);
      sorted_probes = ascending * 10 >= (n - 1) * 9;
    }
    // Tests of a value this pattern binds can be applied while its join
    // table is built: the table holds only the matches that pass (the
    // metrics named "loss" of split "val" among everything an epoch
    // generated), and every step sharing it skips the tests.
    std::vector<JoinFilter> table_filters;
    std::vector<Check*> table_checks;
    if (uniform && bound_positions.size() == 1) {
      for (Check& c : checks[k]) {
        if (c.variables != 1) continue;
        for (int pos : free_positions) {
          if (parts[pos]->slot != c.slots[0]) continue;
          table_filters.push_back({pos, c.constants, c.positions[0], nullptr});
          table_checks.push_back(&c);
          break;
        }
      }
    }
    if (uniform && !bound_positions.empty() && bound_positions.size() < 3 && n > 64) {
      Quad counted = constant_pattern;
      counted.g = any_term;
      // A table that later steps can reuse (the same constants again) is
      // worth building for fewer solutions.
      const double factor = same_constants[k] > 1 || !table_filters.empty() ? 16 : 4;
      const double matches = static_cast<double>(dataset_.count(counted));
      const bool built =
          join_tables_.count(join_table_key(constant_pattern, bound_positions, scope, table_filters)) > 0;
      if (bound_positions.size() == 1) {
        // A table keyed by one term id is an array over the ids: its build
        // touches every id once, its probes cost one or two cache misses.
        // Sorted probes walk the index cheaply unless the table serves
        // several steps or saves tests.
        const double build = matches + static_cast<double>(dataset_.term_count()) / 16;
        hash_join = built || ((!sorted_probes || same_constants[k] > 1 || !table_filters.empty())
                                  ? build < static_cast<double>(n) * factor
                                  : build < static_cast<double>(n) * 2);
      } else {
        hash_join = built || (!sorted_probes && matches < static_cast<double>(n) * factor);
      }
    }
    if (hash_join && bound_positions.size() == 1) {
      for (std::size_t f = 0; f < table_filters.size(); ++f) {
        Check& c = *table_checks[f];
        if (!c.members) c.members = &member_set(c.constants, c.positions[0], scope);
        table_filters[f].members = c.members;
      }
      const JoinTable& table = join_table(constant_pattern, bound_positions, scope, table_filters);
      for (Check* c : table_checks) c->in_table = true;
      const int slot = parts[bound_positions[0]]->slot;
      const std::size_t keys = table.offsets.size() - 1;
      for (std::size_t i = 0; i < n; ++i) {
        const TermId key = at(i, slot);
        if (key >= keys) continue;  // a computed value: never stored
        for (std::uint32_t e = table.offsets[key], end = table.offsets[key + 1]; e < end; ++e)
          extend(i, table.entries[e].data());
      }
      for (Check* c : table_checks) c->in_table = false;
      check_limits();
    } else if (hash_join) {
      const JoinTable& table = join_table(constant_pattern, bound_positions, scope, {});
      for (std::size_t i = 0; i < n; ++i) {
        std::uint64_t key = 0;
        for (int pos : bound_positions) key = (key << 32) | at(i, parts[pos]->slot);
        for (std::uint32_t e = table.find(key); e != JoinTable::end_of_chain; e = table.chain[e])
          extend(i, table.entries[e].data());
      }
      check_limits();
    } else {
      QuadCursor cursor(dataset_);
      for (std::size_t i = 0; i < n; ++i) {
        Quad pattern = constant_pattern;
        TermId* row_positions[] = {&pattern.s, &pattern.p, &pattern.o};
        bool computed = false;
        for (int pos : var_positions) {
          TermId value = at(i, parts[pos]->slot);
          *row_positions[pos] = value;
          if (value != any_term && !terms_.in_dataset(value)) computed = true;  // never matches stored data
        }
        if (!computed) {
          match_in_scope(cursor, pattern, scope, [&](const Quad& q) {
            const TermId values[] = {q.s, q.p, q.o};
            extend(i, values);
            return true;
          });
        }
        check_limits();
      }
    }
    std::swap(current, next);
  }
  if (counting) {
    // The last step ran and counted, or an earlier one left nothing.
    counting->rows = counted_last ? counted : 0;
    counting->distinct.clear();
    for (std::size_t d = 0; d < counting->distinct_slots.size(); ++d) {
      std::size_t n = counting->seen_computed[d].size();
      for (std::uint64_t word : counting->seen[d]) n += static_cast<std::size_t>(std::popcount(word));
      counting->distinct.push_back(counted_last ? n : 0);
    }
    return {};
  }
  // Filters attached to a BGP without patterns never exist (the optimizer
  // keeps those as Filter operators).
  std::vector<Row> out(row_count(current));
  if (origins) origins->resize(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto begin = current.begin() + static_cast<std::ptrdiff_t>(i * width);
    out[i].assign(begin, begin + static_cast<std::ptrdiff_t>(slot_count_));
    if (origins) (*origins)[i] = current[i * width + origin_column];
  }
  return out;
}

std::vector<Row> Evaluator::eval_graph(const Op& op, const Row& seed, const GraphScope& scope) {
  (void)scope;
  std::vector<Row> out;
  const GraphScope* saved = current_scope_;
  auto run_in = [&](TermId g, const Row& s) {
    GraphScope inner;
    inner.graphs = {g};
    current_scope_ = &inner;
    auto rows = eval(*op.children[0], s, inner);
    current_scope_ = saved;
    return rows;
  };
  const auto& named = settings_.named_graphs;
  if (!op.graph.is_var()) {
    TermId g = terms_.id_of(op.graph.term);
    if (std::find(named.begin(), named.end(), g) == named.end()) return out;
    return run_in(g, seed);
  }
  int slot = op.graph.slot;
  for (TermId g : named) {
    if (seed[slot] != any_term && seed[slot] != g) continue;
    Row s = seed;
    s[slot] = g;
    for (auto& r : run_in(g, s)) {
      if (r[slot] != any_term && r[slot] != g) continue;
      r[slot] = g;
      out.push_back(std::move(r));
    }
  }
  return out;
}

std::vector<Row> Evaluator::eval_service(const Op& op, const Row& seed) {
  std::string endpoint;
  if (op.graph.is_var()) {
    const TermId bound = seed[op.graph.slot];
    if (bound == any_term)
      throw UnsupportedFeature("SERVICE with a variable endpoint needs the variable bound by the patterns before it");
    const Term& term = terms_.term(bound);
    if (term.kind != TermKind::iri) {
      if (op.silent) return {seed};
      throw ServiceFailed("SERVICE: the endpoint " + term.value + " is not an IRI");
    }
    endpoint = term.value;
  } else {
    endpoint = op.graph.term.value;
  }
  if (!settings_.service || !settings_.service_allowed || !settings_.service_allowed(endpoint))
    throw ServiceRefused("SERVICE <" + endpoint + "> is not allowed here" +
                         (settings_.service ? "; the server's --service-allow lists the endpoints it may ask"
                                            : ": this query runs without federation"));
  QueryResult remote;
  try {
    remote = settings_.service(endpoint, op.service_query);
  } catch (const ServiceFailed&) {
    if (op.silent) return {seed};  // SILENT: as if the endpoint had answered one empty solution
    throw;
  }
  check_limits();
  // The endpoint's variables, by slot; those the pattern does not have are dropped.
  std::vector<int> slot_of_column(remote.variables.size(), -1);
  for (std::size_t c = 0; c < remote.variables.size(); ++c)
    for (const auto& [name, slot] : op.service_slots)
      if (name == remote.variables[c]) slot_of_column[c] = slot;
  std::vector<Row> out;
  if (remote.form == QueryForm::ask) {
    if (remote.boolean) out.push_back(seed);
    return out;
  }
  const TermId endpoint_id = op.graph.is_var() ? seed[op.graph.slot] : any_term;
  for (const auto& values : remote.rows) {
    Row r(slot_count_, any_term);
    for (std::size_t c = 0; c < values.size() && c < slot_of_column.size(); ++c)
      if (slot_of_column[c] >= 0 && values[c]) r[slot_of_column[c]] = terms_.id_of(*values[c]);
    if (endpoint_id != any_term) {
      if (r[op.graph.slot] != any_term && r[op.graph.slot] != endpoint_id) continue;
      r[op.graph.slot] = endpoint_id;
    }
    if (!compatible(r, seed)) continue;
    out.push_back(merge(r, seed));
    if (settings_.max_rows && out.size() > settings_.max_rows * 64 + 1000000)
      throw ResultTooLarge("the SERVICE answer exceeds the row limit");
  }
  return out;
}

std::vector<Row> Evaluator::join_service(std::vector<Row> left, const Op& op) {
  const int slot = op.graph.slot;
  std::map<TermId, std::vector<Row>> answers;  // by endpoint, asked once each
  std::vector<Row> out;
  for (const auto& l : left) {
    const TermId endpoint = l[slot];
    auto found = answers.find(endpoint);
    if (found == answers.end()) {
      Row seed(slot_count_, any_term);
      seed[slot] = endpoint;
      found = answers.emplace(endpoint, endpoint == any_term ? std::vector<Row>{} : eval_service(op, seed)).first;
    }
    for (const auto& r : found->second) {
      if (!compatible(l, r)) continue;
      out.push_back(merge(l, r));
    }
    check_limits();
  }
  return out;
}

std::vector<Row> Evaluator::eval_group(const Op& op, const Row& seed, const GraphScope& scope) {
  // COUNT(*) and COUNT(DISTINCT ?v) of a BGP's solutions, no groups:
  // counted without building them (?v must be a variable of the patterns,
  // which every solution binds).
  const Op& child = *op.children[0];
  auto in_patterns = [&](int slot) {
    for (const auto& p : child.patterns)
      for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object})
        if (t->is_var() && t->slot == slot) return true;
    return false;
  };
  // MIN and MAX of a variable of the patterns are kept per group while
  // counting (DISTINCT changes neither).
  auto extreme = [&](const AggregateBinding& a) {
    const Expr& agg = a.aggregate;
    return (agg.name == "MIN" || agg.name == "MAX") && !agg.star && agg.args.size() == 1 &&
           agg.args[0].kind == ExprKind::variable && in_patterns(agg.args[0].slot);
  };
  auto countable = [&](const AggregateBinding& a) {
    const Expr& agg = a.aggregate;
    if (agg.name != "COUNT") return false;
    if (agg.star) return !agg.distinct;
    return agg.args.size() == 1 && agg.args[0].kind == ExprKind::variable && in_patterns(agg.args[0].slot) &&
           (agg.distinct ? op.group_keys.empty() : true);  // COUNT(?v) of an always bound ?v is COUNT(*)
  };
  const bool keys_countable =
      op.group_keys.size() <= 2 && std::all_of(op.group_keys.begin(), op.group_keys.end(), [&](const GroupKey& k) {
        return k.expr.kind == ExprKind::variable && in_patterns(k.expr.slot);
      });
  const bool with_extremes = std::any_of(op.aggregates.begin(), op.aggregates.end(), extreme);
  if (!op.group_keys.empty() && keys_countable && !op.aggregates.empty() && child.kind == OpKind::bgp &&
      !child.patterns.empty() &&
      std::all_of(op.aggregates.begin(), op.aggregates.end(),
                  [&](const AggregateBinding& a) { return countable(a) || extreme(a); })) {
    // GROUP BY variables of the BGP with counts (and MIN / MAX): counted
    // per key at the BGP's last step, without rows.
    Counting counting;
    for (const auto& k : op.group_keys) counting.group_slots.push_back(k.expr.slot);
    for (const auto& a : op.aggregates) {
      if (!extreme(a)) continue;
      counting.extreme_slots.push_back(a.aggregate.args[0].slot);
      counting.extreme_is_max.push_back(a.aggregate.name == "MAX");
    }
    eval_bgp_batch(child, std::vector<Row>{seed}, scope, nullptr, &counting);
    std::vector<Row> out;
    if (with_extremes) {
      if (counting.rows == 0) return out;
      const std::size_t width = counting.extreme_slots.size();
      for (std::size_t g = 0; g < counting.groups.size(); ++g) {
        Row r(slot_count_, any_term);
        const std::uint64_t key = counting.groups[g];
        const TermId values[] = {op.group_keys.size() == 1 ? static_cast<TermId>(key) : static_cast<TermId>(key >> 32),
                                 static_cast<TermId>(key)};
        for (std::size_t k = 0; k < op.group_keys.size(); ++k)
          if (op.group_keys[k].slot >= 0) r[op.group_keys[k].slot] = values[k];
        const TermId count = terms_.id_of(make_integer(static_cast<long long>(counting.group_rows[g])));
        std::size_t e = 0;
        for (const auto& a : op.aggregates) r[a.slot] = extreme(a) ? counting.extremes[g * width + e++] : count;
        if (compatible(r, seed)) out.push_back(merge(r, seed));
      }
      return out;
    }
    auto add_group = [&](TermId first, TermId second, std::size_t n) {
      Row r(slot_count_, any_term);
      const TermId values[] = {first, second};
      for (std::size_t k = 0; k < op.group_keys.size(); ++k)
        if (op.group_keys[k].slot >= 0) r[op.group_keys[k].slot] = values[k];
      const TermId count = terms_.id_of(make_integer(static_cast<long long>(n)));
      for (const auto& a : op.aggregates) r[a.slot] = count;
      if (compatible(r, seed)) out.push_back(merge(r, seed));
    };
    if (counting.rows == 0) return out;
    for (std::size_t id = 0; id < counting.per_id.size(); ++id)
      if (counting.per_id[id]) add_group(static_cast<TermId>(id), any_term, counting.per_id[id]);
    for (const auto& [key, n] : counting.per_key) {
      if (op.group_keys.size() == 1) add_group(static_cast<TermId>(key), any_term, n);
      else add_group(static_cast<TermId>(key >> 32), static_cast<TermId>(key), n);
    }
    return out;
  }
  if (op.group_keys.empty() && !op.aggregates.empty() && child.kind == OpKind::bgp && !child.patterns.empty() &&
      std::all_of(op.aggregates.begin(), op.aggregates.end(), countable)) {
    Counting counting;
    for (const auto& a : op.aggregates)
      if (a.aggregate.distinct) counting.distinct_slots.push_back(a.aggregate.args[0].slot);
    eval_bgp_batch(child, std::vector<Row>{seed}, scope, nullptr, &counting);
    Row r(slot_count_, any_term);
    std::size_t d = 0;
    for (const auto& a : op.aggregates) {
      const std::size_t n = a.aggregate.distinct ? counting.distinct[d++] : counting.rows;
      r[a.slot] = terms_.id_of(make_integer(static_cast<long long>(n)));
    }
    if (!compatible(r, seed)) return {};
    return {merge(r, seed)};
  }
  auto rows = eval(child, seed, scope);
  std::vector<Row> keys;
  std::vector<std::vector<const Row*>> members;
  if (op.group_keys.empty()) {
    keys.emplace_back();
    members.emplace_back();
    for (const auto& r : rows) members[0].push_back(&r);
  } else if (op.group_keys.size() <= 2 &&
             std::all_of(op.group_keys.begin(), op.group_keys.end(),
                         [](const GroupKey& k) { return k.expr.kind == ExprKind::variable; })) {
    // Common case: grouping by one or two variables, keyed without
    // allocating.
    std::unordered_map<std::uint64_t, std::size_t> index;
    for (const auto& r : rows) {
      std::uint64_t packed = 0;
      for (const auto& k : op.group_keys) packed = (packed << 32) | r[k.expr.slot];
      auto [it, inserted] = index.try_emplace(packed, keys.size());
      if (inserted) {
        Row key;
        for (const auto& k : op.group_keys) key.push_back(r[k.expr.slot]);
        keys.push_back(std::move(key));
        members.emplace_back();
      }
      members[it->second].push_back(&r);
    }
  } else {
    std::unordered_map<Row, std::size_t, RowHash> index;
    for (const auto& r : rows) {
      Row key;
      key.reserve(op.group_keys.size());
      for (const auto& k : op.group_keys) {
        if (k.expr.kind == ExprKind::variable) {
          key.push_back(r[k.expr.slot]);
        } else {
          auto v = evaluate_expression(k.expr, r);
          key.push_back(v ? terms_.id_of(*v) : any_term);
        }
      }
      auto [it, inserted] = index.emplace(key, keys.size());
      if (inserted) {
        keys.push_back(std::move(key));
        members.emplace_back();
      }
      members[it->second].push_back(&r);
    }
  }
  std::vector<Row> out;
  for (std::size_t g = 0; g < keys.size(); ++g) {
    Row r(slot_count_, any_term);
    for (std::size_t k = 0; k < op.group_keys.size(); ++k)
      if (op.group_keys[k].slot >= 0) r[op.group_keys[k].slot] = keys[g][k];
    for (const auto& a : op.aggregates) {
      auto v = aggregate(a, members[g]);
      if (v) r[a.slot] = terms_.id_of(*v);
    }
    if (compatible(r, seed)) out.push_back(merge(r, seed));
  }
  return out;
}

std::optional<Term> Evaluator::aggregate(const AggregateBinding& binding, const std::vector<const Row*>& rows) {
  const Expr& agg = binding.aggregate;
  const std::string& name = agg.name;
  if (name == "COUNT" && agg.star) {
    if (!agg.distinct) return make_integer(static_cast<long long>(rows.size()));
    std::unordered_set<Row, RowHash> seen;
    for (const Row* r : rows) seen.insert(*r);
    return make_integer(static_cast<long long>(seen.size()));
  }
  // The argument's value per solution as a TermId (any_term for errors):
  // a plain variable needs no evaluation or copying.
  const Expr& arg = agg.args[0];
  std::vector<TermId> values;
  values.reserve(rows.size());
  std::unordered_set<TermId> seen;
  for (const Row* r : rows) {
    TermId id = any_term;
    if (arg.kind == ExprKind::variable) {
      id = arg.slot >= 0 ? (*r)[arg.slot] : any_term;
    } else if (auto v = evaluate_expression(arg, *r)) {
      id = terms_.id_of(*v);
    }
    if (agg.distinct && id != any_term && !seen.insert(id).second) continue;
    values.push_back(id);
  }
  if (name == "COUNT") {
    long long n = 0;
    for (TermId id : values) n += id != any_term;
    return make_integer(n);
  }
  if (name == "SUM" || name == "AVG") {
    Numeric sum{NumericType::integer, 0, std::nullopt};
    for (TermId id : values) {
      if (id == any_term) return std::nullopt;
      const auto n = numeric_of(id);
      if (!n) return std::nullopt;
      auto next = numeric_add(sum, *n);
      if (!next) return std::nullopt;
      sum = std::move(*next);
    }
    if (name == "SUM") return make_numeric(sum);
    if (values.empty()) return make_integer(0);
    auto avg = numeric_divide(sum, Numeric::of(NumericType::integer, Decimal(static_cast<std::int64_t>(values.size()))));
    if (!avg) return std::nullopt;
    return make_numeric(*avg);
  }
  if (name == "MIN" || name == "MAX") {
    TermId best = any_term;
    bool want_min = name == "MIN";
    for (TermId id : values) {
      if (id == any_term) continue;
      if (best == any_term || beats(id, best, !want_min)) best = id;
    }
    if (best == any_term) return std::nullopt;
    return terms_.term(best);
  }
  if (name == "SAMPLE") {
    for (TermId id : values)
      if (id != any_term) return terms_.term(id);
    return std::nullopt;
  }
  if (name == "GROUP_CONCAT") {
    // The result is a simple literal even when every value shares a
    // language tag (the W3C tests agg-groupconcat-4 and -6).
    std::string out;
    bool first = true;
    for (TermId id : values) {
      if (id == any_term) continue;
      const Term& v = terms_.term(id);
      if (v.kind != TermKind::literal) return std::nullopt;
      if (!first) out += agg.separator;
      first = false;
      out += v.value;
    }
    return make_string(out);
  }
  return std::nullopt;
}

bool Evaluator::beats(TermId candidate, TermId best, bool want_max) {
  const auto number = numeric_of(candidate);
  const auto best_number = number ? numeric_of(best) : std::nullopt;
  std::optional<int> numbers_compared;
  if (number && best_number) numbers_compared = numeric_compare(*number, *best_number);
  const int c = numbers_compared ? *numbers_compared : order_compare(&terms_.term(candidate), &terms_.term(best));
  return want_max ? c > 0 : c < 0;
}

bool Evaluator::filter_passes(const std::vector<Expr>& conditions, const Row& row) {
  for (const auto& c : conditions)
    if (!condition_passes(c, row)) return false;
  return true;
}

bool Evaluator::condition_passes(const Expr& e, const Row& row) {
  int fast = fast_condition(e, row);
  if (fast >= 0) return fast == 1;
  auto v = evaluate_expression(e, row);
  if (!v) return false;
  auto b = effective_boolean_value(*v);
  return b && *b;
}

std::optional<Numeric> Evaluator::numeric_of(TermId id) {
  if (id == any_term) return std::nullopt;
  if (terms_.in_dataset(id)) {
    // Stored terms: the dataset keeps each literal's number once parsed
    // (kind 1 not numeric, 2 + NumericType held as a double, 6 an integer
    // or decimal no double holds, kept exactly in the table below).  Read in
    // place: building the Term would cost several cache misses.
    double value = 0;
    std::uint8_t kind = dataset_.cached_number(id, value);
    if (kind == 0) {
      std::optional<Numeric> n;
      if (auto literal = dataset_.typed_literal(id))
        n = numeric_value(dataset_.term(literal->datatype).value, literal->lexical);
      kind = 1;
      if (n) {
        value = n->value;
        kind = n->exact ? 6 : static_cast<std::uint8_t>(2 + static_cast<int>(n->type));
      }
      dataset_.cache_number(id, kind, value);
    }
    if (kind == 1) return std::nullopt;
    if (kind < 6) return Numeric{static_cast<NumericType>(kind - 2), value, std::nullopt};
  }
  if ((numeric_cache_used_ + 1) * 2 > numeric_cache_.size()) {
    std::vector<NumericSlot> old = std::move(numeric_cache_);
    numeric_cache_.assign(std::max<std::size_t>(1024, old.size() * 2), NumericSlot{});
    const std::size_t mask = numeric_cache_.size() - 1;
    for (const NumericSlot& slot : old) {
      if (slot.id == any_term) continue;
      std::size_t i = (slot.id * 0x9E3779B1u) & mask;
      while (numeric_cache_[i].id != any_term) i = (i + 1) & mask;
      numeric_cache_[i] = slot;
    }
  }
  const std::size_t mask = numeric_cache_.size() - 1;
  std::size_t i = (id * 0x9E3779B1u) & mask;
  while (numeric_cache_[i].id != any_term && numeric_cache_[i].id != id) i = (i + 1) & mask;
  NumericSlot& slot = numeric_cache_[i];
  if (slot.id == any_term) {
    // Stored terms are read in place: building the Term costs several
    // cache misses per value, the parse alone far fewer.
    auto n = numeric_value(terms_.term(id));
    slot.id = id;
    slot.state = n ? 2 : 1;
    if (n) slot.value = *n;
    ++numeric_cache_used_;
  }
  if (slot.state == 2) return slot.value;
  return std::nullopt;
}

int Evaluator::fast_string_condition(const Expr& e, const Row& row) {
  const bool regex = e.name == "REGEX";
  if (!regex && e.name != "CONTAINS" && e.name != "STRSTARTS" && e.name != "STRENDS") return -1;
  if (e.args.size() != 2 || e.args[0].kind != ExprKind::variable || e.args[1].kind != ExprKind::constant) return -1;
  const Term& needle = e.args[1].constant;
  if (needle.kind != TermKind::literal || !needle.language.empty() ||
      !(needle.datatype.empty() || needle.datatype == xsd::string))
    return -1;
  // A regular expression without metacharacters, perhaps anchored, is a
  // plain string test.
  auto [it, inserted] = plain_patterns_.try_emplace(&e);
  PlainPattern& pattern = it->second;
  if (inserted) {
    std::string_view text = needle.value;
    if (!regex) {
      pattern.usable = true;
      pattern.text = needle.value;
      pattern.at_start = e.name == "STRSTARTS";
      pattern.at_end = e.name == "STRENDS";
    } else {
      pattern.at_start = text.starts_with('^');
      if (pattern.at_start) text.remove_prefix(1);
      pattern.at_end = text.ends_with('$');
      if (pattern.at_end) text.remove_suffix(1);
      pattern.usable = text.find_first_of(".[]()*+?{}|\\^$") == std::string_view::npos;
      pattern.text = std::string(text);
    }
  }
  if (!pattern.usable) return -1;
  const int slot = e.args[0].slot;
  if (slot < 0 || row[slot] == any_term || !terms_.in_dataset(row[slot])) return -1;
  const auto value = dataset_.simple_literal(row[slot]);
  if (!value) return -1;  // other terms: the general path decides (or errs)
  const std::string_view s = *value, t = pattern.text;
  if (pattern.at_start && pattern.at_end) return s == t;
  if (pattern.at_start) return s.starts_with(t);
  if (pattern.at_end) return s.ends_with(t);
  return s.find(t) != std::string_view::npos;
}

int Evaluator::fast_condition(const Expr& e, const Row& row) {
  switch (e.kind) {
    case ExprKind::builtin: return fast_string_condition(e, row);
    case ExprKind::equal:
    case ExprKind::not_equal:
    case ExprKind::less:
    case ExprKind::greater:
    case ExprKind::less_equal:
    case ExprKind::greater_equal: break;
    case ExprKind::logical_and: {
      // Both operands decided here: an error (0 as well) fails the filter.
      int a = fast_condition(e.args[0], row);
      if (a == 0) return 0;
      int b = fast_condition(e.args[1], row);
      if (b == 0) return 0;
      return a == 1 && b == 1 ? 1 : -1;
    }
    default: return -1;
  }
  const Expr& x = e.args[0];
  const Expr& y = e.args[1];
  std::optional<Numeric> numbers[2];
  TermId ids[2] = {any_term, any_term};
  const Expr* operands[2] = {&x, &y};
  for (int k = 0; k < 2; ++k) {
    const Expr& a = *operands[k];
    if (a.kind == ExprKind::variable) {
      if (a.slot < 0 || row[a.slot] == any_term) return 0;  // unbound: an error
      ids[k] = row[a.slot];
      numbers[k] = numeric_of(ids[k]);
    } else if (a.kind == ExprKind::constant) {
      auto [it, inserted] = constant_numbers_.try_emplace(&a);
      if (inserted) it->second = numeric_value(a.constant);
      numbers[k] = it->second;
    } else {
      return -1;
    }
  }
  if (numbers[0] && numbers[1]) {
    const std::optional<int> c = numeric_compare(*numbers[0], *numbers[1]);
    if (e.kind == ExprKind::equal) return c == 0;
    if (e.kind == ExprKind::not_equal) return c != 0;  // NaN != NaN
    if (!c) return 0;
    switch (e.kind) {
      case ExprKind::less: return *c < 0;
      case ExprKind::greater: return *c > 0;
      case ExprKind::less_equal: return *c <= 0;
      default: return *c >= 0;
    }
  }
  // The same term is equal to itself (numbers, NaN included, are decided above).
  if ((e.kind == ExprKind::equal || e.kind == ExprKind::not_equal) && ids[0] != any_term && ids[0] == ids[1])
    return e.kind == ExprKind::equal;
  return -1;
}

std::vector<std::uint64_t> Evaluator::join_table_key(const Quad& constants, const std::vector<int>& bound_positions,
                                                     const GraphScope& scope,
                                                     const std::vector<JoinFilter>& filters) const {
  std::uint64_t mask = 0;
  for (int pos : bound_positions) mask = mask * 4 + static_cast<std::uint64_t>(pos + 1);
  std::vector<std::uint64_t> key{(std::uint64_t(constants.s) << 32) | constants.p,
                                 (std::uint64_t(constants.o) << 32) | mask, scope.any ? 1u : 0u};
  key.insert(key.end(), scope.graphs.begin(), scope.graphs.end());
  for (const JoinFilter& f : filters) {
    key.push_back((std::uint64_t(f.constants.s) << 32) | f.constants.p);
    key.push_back((std::uint64_t(f.constants.o) << 32) | std::uint64_t(f.position * 4 + f.tested_position));
  }
  return key;
}

std::uint32_t Evaluator::JoinTable::find(std::uint64_t key) const {
  if (keys.empty()) return end_of_chain;
  for (std::size_t i = (key * 0x9E3779B97F4A7C15ull) >> 20 & mask;; i = (i + 1) & mask) {
    if (keys[i] == key) return heads[i];
    if (keys[i] == 0) return end_of_chain;
  }
}

const Evaluator::JoinTable& Evaluator::join_table(const Quad& constants, const std::vector<int>& bound_positions,
                                                  const GraphScope& scope, const std::vector<JoinFilter>& filters) {
  auto& slot = join_tables_[join_table_key(constants, bound_positions, scope, filters)];
  if (slot) return *slot;
  slot = std::make_unique<JoinTable>();
  JoinTable& t = *slot;
  if (bound_positions.size() == 1) {
    // Entries grouped by key: count per key, prefix sums, fill.
    const int position = bound_positions[0];
    t.offsets.assign(dataset_.term_count() + 2, 0);
    auto passes = [&](const TermId values[3]) {
      for (const JoinFilter& f : filters) {
        const TermId v = values[f.position];
        if (!((*f.members)[v >> 6] >> (v & 63) & 1)) return false;
      }
      return true;
    };
    // One scan of the index.  When it yields the keys in order (the key
    // follows the constants in the index, as the object does in P-O-S),
    // the entries are already grouped; otherwise they are counted and
    // scattered.
    std::vector<std::array<TermId, 3>> matches;
    bool grouped = true;
    TermId previous_key = 0;
    match_in_scope(constants, scope, [&](const Quad& q) {
      const TermId values[] = {q.s, q.p, q.o};
      if (!passes(values)) return true;
      grouped = grouped && values[position] >= previous_key;
      previous_key = values[position];
      matches.push_back({q.s, q.p, q.o});
      return true;
    });
    for (const auto& m : matches) ++t.offsets[m[position] + 1];
    for (std::size_t i = 1; i < t.offsets.size(); ++i) t.offsets[i] += t.offsets[i - 1];
    if (grouped) {
      t.entries = std::move(matches);
      return t;
    }
    t.entries.resize(matches.size());
    std::vector<std::uint32_t> fill(t.offsets.begin(), t.offsets.end() - 1);
    for (const auto& m : matches) t.entries[fill[m[position]]++] = m;
    return t;
  }
  Quad counted = constants;
  counted.g = any_term;
  std::size_t capacity = 16;
  while (capacity < dataset_.count(counted) * 2) capacity *= 2;
  t.keys.assign(capacity, 0);
  t.heads.resize(capacity);
  t.mask = capacity - 1;
  t.entries.reserve(capacity / 2);
  t.chain.reserve(capacity / 2);
  // Keys are the bound positions' ids (never 0: stored terms only).
  match_in_scope(constants, scope, [&](const Quad& q) {
    const TermId values[] = {q.s, q.p, q.o};
    std::uint64_t key = 0;
    for (int pos : bound_positions) key = (key << 32) | values[pos];
    const auto index = static_cast<std::uint32_t>(t.entries.size());
    std::size_t i = (key * 0x9E3779B97F4A7C15ull) >> 20 & t.mask;
    while (t.keys[i] != 0 && t.keys[i] != key) i = (i + 1) & t.mask;
    if (t.keys[i] == 0) {
      t.keys[i] = key;
      t.chain.push_back(JoinTable::end_of_chain);
    } else {
      t.chain.push_back(t.heads[i]);
    }
    t.heads[i] = index;
    t.entries.push_back({q.s, q.p, q.o});
    return true;
  });
  return t;
}

const Evaluator::MemberSet& Evaluator::member_set(const Quad& constants, int variable_position,
                                                  const GraphScope& scope) {
  auto key = join_table_key(constants, {variable_position}, scope);
  auto found = member_sets_.find(key);
  if (found != member_sets_.end()) return found->second;
  MemberSet& bits = member_sets_[std::move(key)];
  bits.assign(dataset_.term_count() / 64 + 1, 0);
  match_in_scope(constants, scope, [&](const Quad& q) {
    const TermId values[] = {q.s, q.p, q.o};
    const TermId v = values[variable_position];
    bits[v >> 6] |= std::uint64_t(1) << (v & 63);
    return true;
  });
  return bits;
}

bool Evaluator::exists(const Expr& expr, const Row& row) {
  if (!expr.pattern) return false;
  // The row may be a BGP's working row, which carries an extra column.
  Row seed(row.begin(), row.begin() + static_cast<std::ptrdiff_t>(slot_count_));
  auto rows = eval(*expr.pattern, seed, *current_scope_);
  for (const auto& r : rows)
    if (compatible(r, seed)) return true;
  return false;
}

}  // namespace torchprov::triplestore::sparql
