// Evaluation of optimised algebra over a Dataset.  Solutions are rows of
// TermIds indexed by variable slot (0 = unbound).  Values computed by the
// query (BIND, aggregates, casts...) live in a per-query TermTable above the
// dataset's id range, so the dataset's dictionary is never changed by a
// query.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "algebra.h"
#include "values.h"

namespace torchprov::triplestore::sparql {

using Row = std::vector<TermId>;

class TermTable {
 public:
  static constexpr TermId extra_base = 0x80000000u;
  explicit TermTable(const Dataset& dataset) : dataset_(dataset) {}
  const Term& term(TermId id) const;
  // The dataset's id for the term if it has one, else a query-local id.
  TermId id_of(const Term& term);
  bool in_dataset(TermId id) const { return id != any_term && id < extra_base; }
  // The query-local terms, by id - extra_base (the table is spent after).
  std::vector<Term> take_computed() { return std::move(extra_); }

 private:
  const Dataset& dataset_;
  std::vector<Term> extra_;
  std::unordered_map<std::string, TermId> extra_index_;
};

struct EvaluationSettings {
  // Graphs forming the default graph; empty with union_default true: the
  // union of all graphs.
  std::vector<TermId> default_graphs;
  bool union_default = false;
  std::vector<TermId> named_graphs;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  const std::atomic<bool>* cancel = nullptr;
  std::size_t max_rows = 0;
  std::uint64_t max_steps = 0;
  std::string base_iri;
  ServiceAllowed service_allowed;
  ServiceCall service;
};

// The dataset a query runs over: FROM / FROM NAMED (or the protocol's
// graph lists from the options, which take precedence) or the store's
// default convention.
EvaluationSettings dataset_settings(const Dataset& dataset, const std::vector<std::string>& from,
                                    const std::vector<std::string>& from_named, const QueryOptions& options);

class Evaluator {
 public:
  Evaluator(const Dataset& dataset, TermTable& terms, std::size_t slot_count, EvaluationSettings settings);
  ~Evaluator();

  std::vector<Row> evaluate(const Op& op);
  // Expression value for a solution; nullopt is an error (or unbound).
  std::optional<Term> evaluate_expression(const Expr& expr, const Row& row);

  TermTable& terms() { return terms_; }
  std::size_t slot_count() const { return slot_count_; }
  void check_limits();

 private:
  // The active graph: all graphs, or the union (merge) of some.
  struct GraphScope {
    bool any = false;            // every graph (g = 0 in Dataset::match)
    std::vector<TermId> graphs;  // else these
  };
  std::vector<Row> eval(const Op& op, const Row& seed, const GraphScope& scope);
  // ORDER BY (see evaluator.cpp); `keep`: only that many first rows are wanted.
  std::vector<Row> sorted(const Op& order_by, std::vector<Row> rows, std::optional<std::size_t> keep);
  Row projected(const Op& project, const Row& seed) const;
  void blank_unprojected(const Op& project, std::vector<Row>& rows) const;
  // The right operand of a join evaluated per distinct value of the left
  // rows' shared slots (see evaluator.cpp); nullopt when that does not pay.
  struct SeededRight {
    std::vector<std::vector<Row>> rights;  // per distinct key value
    std::vector<std::size_t> of_left;      // left row -> its entry in rights
  };
  std::optional<SeededRight> seeded_right(const std::vector<Row>& left, const std::vector<int>& left_slots,
                                          const Op& right_op, const Row& seed, const GraphScope& scope);
  template <class Visit>
  void match_in_scope(Quad pattern, const GraphScope& scope, Visit&& visit);
  template <class Visit>
  void match_in_scope(QuadCursor& cursor, Quad pattern, const GraphScope& scope, Visit&& visit);
  // Whether a triple (no variables) is in the active graph.
  bool in_scope(QuadCursor& cursor, Quad triple, const GraphScope& scope) const;
  std::vector<Row> eval_bgp(const Op& op, const Row& seed, const GraphScope& scope);
  // The BGP from many seeds; origins (if given) receives each result's seed index.
  // Solutions counted instead of built: how many, and how many distinct
  // values each of `distinct_slots` takes (COUNT(*), COUNT(DISTINCT ?v)).
  struct Counting {
    std::size_t rows = 0;
    std::vector<int> distinct_slots;
    std::vector<std::size_t> distinct;               // per slot, filled by run_bgp
    std::vector<std::vector<std::uint64_t>> seen;    // per slot: a bitset over term ids
    std::vector<std::unordered_set<TermId>> seen_computed;
    // GROUP BY one or two variables: solutions per key (one key: by term
    // id in `per_id`, others in `per_key`; two keys: packed in `per_key`).
    std::vector<int> group_slots;
    std::vector<std::uint32_t> per_id;
    std::unordered_map<std::uint64_t, std::size_t> per_key;
    // MIN / MAX of variables per group, kept while counting (GROUP BY
    // only): the groups in the order first met, each with its solutions
    // and its extreme value per entry of `extreme_slots`.
    std::vector<int> extreme_slots;
    std::vector<bool> extreme_is_max;
    std::unordered_map<std::uint64_t, std::uint32_t> group_of;
    std::vector<std::uint64_t> groups;
    std::vector<std::size_t> group_rows;
    std::vector<TermId> extremes;  // group * extreme_slots.size() + entry
  };
  // Whether `candidate` replaces `best` as the MIN (or MAX) of a group: the
  // comparison of aggregate() (numbers by value, else the ORDER BY order).
  bool beats(TermId candidate, TermId best, bool want_max);
  // With `counting` the solutions are only counted (no rows are built).
  std::vector<Row> eval_bgp_batch(const Op& op, const std::vector<Row>& seeds, const GraphScope& scope,
                                  std::vector<std::size_t>* origins, Counting* counting = nullptr);
  std::vector<Row> run_bgp(const Op& op, const std::vector<Row>& seeds, const GraphScope& scope,
                           std::vector<std::size_t>* origins, Counting* counting);
  // BGPs re-planned for the variables their seeds bind (reorder_bgp), by
  // the planned BGP and those slots; built once per query.
  std::map<std::pair<const Op*, std::vector<int>>, std::unique_ptr<Op>> seeded_plans_;
  std::vector<Row> eval_graph(const Op& op, const Row& seed, const GraphScope& scope);
  // SERVICE: the endpoint's solutions for the pattern, compatible with the
  // seed.  A variable endpoint must be bound by the seed.
  std::vector<Row> eval_service(const Op& op, const Row& seed);
  // The same for a variable endpoint bound by the rows on the left of a
  // join: the endpoint is asked once per distinct endpoint IRI.
  std::vector<Row> join_service(std::vector<Row> left, const Op& op);
  std::vector<Row> eval_group(const Op& op, const Row& seed, const GraphScope& scope);
  void eval_path(const PatternElement& element, Row& row, const GraphScope& scope,
                 const std::function<void()>& emit);
  std::optional<Term> aggregate(const AggregateBinding& binding, const std::vector<const Row*>& rows);
  std::optional<Term> call_builtin(const Expr& expr, const Row& row);
  std::optional<Term> call_function(const Expr& expr, const Row& row);
  bool filter_passes(const std::vector<Expr>& conditions, const Row& row);
  bool exists(const Expr& expr, const Row& row);
  TermId constant_id(const Term& term) { return terms_.id_of(term); }
  const std::wregex* compiled_regex(const std::string& pattern, const std::string& flags);

  // Property path steps (path.cpp).
  void path_step(const syntax::Path& path, TermId from, bool inverse, const GraphScope& scope,
                 std::vector<TermId>& out);
  void path_closure(const syntax::Path& path, TermId from, bool inverse, bool include_start,
                    const GraphScope& scope, std::vector<TermId>& out);
  const std::vector<TermId>& all_nodes(const GraphScope& scope);
  std::optional<std::vector<TermId>> path_starts(const syntax::Path& path, bool inverse, const GraphScope& scope);

  // The numeric value of a term (cached per id: filters and aggregates
  // compare the same values many times).
  std::optional<Numeric> numeric_of(TermId id);
  // A FILTER condition decided from TermIds and cached numbers without
  // building Terms: 1 passes, 0 fails, -1 not decided here.
  int fast_condition(const Expr& e, const Row& row);
  // CONTAINS / STRSTARTS / STRENDS / REGEX of a variable and a constant, on
  // simple literals read in place (REGEX only without metacharacters).
  int fast_string_condition(const Expr& e, const Row& row);
  struct PlainPattern {
    bool usable = false, at_start = false, at_end = false;
    std::string text;
  };
  std::unordered_map<const Expr*, PlainPattern> plain_patterns_;
  bool condition_passes(const Expr& e, const Row& row);

  // A table over the matches of a pattern's constants, keyed on the
  // positions later bound by the solutions (hash join); built once per
  // query and shared by every step with the same pattern and key.
  struct JoinTable {
    std::vector<std::array<TermId, 3>> entries;
    // Keyed by one position: the entries of key k are [offsets[k],
    // offsets[k + 1]).  Keyed by two: the hash table below.
    std::vector<std::uint32_t> offsets;
    std::vector<std::uint32_t> chain;  // next entry with the same key
    std::vector<std::uint64_t> keys;   // open addressing; 0 = empty
    std::vector<std::uint32_t> heads;
    std::size_t mask = 0;
    static constexpr std::uint32_t end_of_chain = 0xFFFFFFFFu;
    std::uint32_t find(std::uint64_t key) const;
  };
  using MemberSet = std::vector<std::uint64_t>;
  // A test applied while a one-key table is built: the value at `position`
  // must be in `members` (the matches of `constants` at `tested_position`).
  struct JoinFilter {
    int position;
    Quad constants;
    int tested_position;
    const MemberSet* members;
  };
  std::vector<std::uint64_t> join_table_key(const Quad& constants, const std::vector<int>& bound_positions,
                                            const GraphScope& scope, const std::vector<JoinFilter>& filters = {}) const;
  const JoinTable& join_table(const Quad& constants, const std::vector<int>& bound_positions,
                              const GraphScope& scope, const std::vector<JoinFilter>& filters);
  // The values a pattern with one variable position matches in scope, as a
  // bitset over term ids: testing a bound variable against the pattern is
  // then one bit test instead of an index search.  Built once per query.
  const MemberSet& member_set(const Quad& constants, int variable_position, const GraphScope& scope);
  std::map<std::vector<std::uint64_t>, MemberSet> member_sets_;

  const Dataset& dataset_;
  TermTable& terms_;
  // Open addressing on TermId (0 = empty slot): state 1 not numeric, 2 numeric.
  struct NumericSlot {
    TermId id = any_term;
    std::uint8_t state = 0;
    Numeric value;
  };
  std::vector<NumericSlot> numeric_cache_;
  std::size_t numeric_cache_used_ = 0;
  std::unordered_map<const Expr*, std::optional<Numeric>> constant_numbers_;
  std::map<std::vector<std::uint64_t>, std::unique_ptr<JoinTable>> join_tables_;
  std::unique_ptr<GraphScope> root_scope_;
  const GraphScope* current_scope_ = nullptr;  // the active graph, for EXISTS
  std::size_t slot_count_;
  EvaluationSettings settings_;
  std::size_t check_counter_ = 0;
  std::mt19937_64 random_;
  Term now_;
  std::size_t bnode_counter_ = 0;
  std::size_t solution_index_ = 0;
  std::map<std::pair<std::string, std::string>, std::unique_ptr<std::wregex>> regex_cache_;
  std::map<std::vector<TermId>, std::vector<TermId>> node_cache_;
};

}  // namespace torchprov::triplestore::sparql
