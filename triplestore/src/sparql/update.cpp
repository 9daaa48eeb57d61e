#include "update.h"

#include <algorithm>
#include <random>
#include <unordered_map>

#include "../term_validity.h"
#include "algebra.h"
#include "evaluator.h"
#include "optimizer.h"

namespace torchprov::triplestore::sparql {
namespace {

using namespace syntax;

struct QuadHash {
  std::size_t operator()(const Quad& q) const noexcept {
    return ((static_cast<std::size_t>(q.s) * 1000003u ^ q.p) * 1000003u ^ q.o) * 1000003u ^ q.g;
  }
};

// Applies changes to the dataset and remembers them so the request can be
// undone, and its net effect reported.
class ChangeLog {
 public:
  explicit ChangeLog(Dataset& dataset) : dataset_(dataset) {}

  void insert(const Quad& q) {
    if (dataset_.insert(q)) log_.push_back({q, true});
  }
  void erase(const Quad& q) {
    if (dataset_.erase(q)) log_.push_back({q, false});
  }
  void rollback() {
    for (auto it = log_.rbegin(); it != log_.rend(); ++it) {
      if (it->added) dataset_.erase(it->quad);
      else dataset_.insert(it->quad);
    }
    log_.clear();
  }
  // Net change: a quad's state at the end against its state at the start.
  void net(UpdateDelta& delta) const {
    std::unordered_map<Quad, std::pair<bool, bool>, QuadHash> state;  // initial, final
    std::vector<Quad> order;
    for (const auto& c : log_) {
      auto [it, inserted] = state.emplace(c.quad, std::make_pair(!c.added, c.added));
      if (inserted) order.push_back(c.quad);
      it->second.second = c.added;
    }
    for (const auto& q : order) {
      auto [initial, final_state] = state.at(q);
      if (initial && !final_state) delta.removed.push_back(q);
      if (!initial && final_state) delta.added.push_back(q);
    }
  }

 private:
  struct Change {
    Quad quad;
    bool added;
  };
  Dataset& dataset_;
  std::vector<Change> log_;
};

class UpdateRunner {
 public:
  UpdateRunner(Dataset& dataset, const QueryOptions& options)
      : dataset_(dataset), options_(options), log_(dataset) {
    std::random_device rd;
    blank_prefix_ = std::string("u").append(std::to_string(rd())).append(std::to_string(rd())).append("_");
  }

  UpdateDelta run(const Update& request) {
    try {
      for (const auto& op : request.operations) {
        run_operation(op);
        ++operation_index_;
      }
    } catch (...) {
      log_.rollback();
      throw;
    }
    log_.net(delta_);
    return delta_;
  }

 private:
  TermId graph_id(const std::string& iri) { return dataset_.intern(Term::iri(iri)); }

  bool graph_exists(TermId g) {
    if (g == default_graph_id) return true;
    if (std::find(created_.begin(), created_.end(), g) != created_.end()) return true;
    return dataset_.count({any_term, any_term, any_term, g}) > 0;
  }

  std::vector<Quad> quads_of(TermId g) {
    std::vector<Quad> out;
    dataset_.match({any_term, any_term, any_term, g}, [&](const Quad& q) {
      if (q.g == g) out.push_back(q);
      return true;
    });
    return out;
  }

  void clear(TermId g) {
    for (const auto& q : quads_of(g)) log_.erase(q);
  }

  std::vector<TermId> targets(const GraphTarget& t, bool silent, bool must_exist) {
    std::vector<TermId> out;
    switch (t.kind) {
      case TargetKind::default_graph: out.push_back(default_graph_id); break;
      case TargetKind::named_graph: {
        auto id = dataset_.lookup(Term::iri(t.iri));
        if (!id || !graph_exists(*id)) {
          if (must_exist && !silent) throw UpdateError("graph <" + t.iri + "> does not exist");
          break;
        }
        out.push_back(*id);
        break;
      }
      case TargetKind::all:
        out.push_back(default_graph_id);
        [[fallthrough]];
      case TargetKind::all_named:
        for (TermId g : dataset_.graphs())
          if (g != default_graph_id) out.push_back(g);
        break;
    }
    return out;
  }

  // A template term for one solution: nullopt when a variable is unbound.
  std::optional<Term> instantiate(const VarOrTerm& t, const Row* row, const QueryPlan* plan, TermTable* terms,
                                  std::size_t solution) {
    if (t.is_var) {
      if (!row) return std::nullopt;
      int slot = plan->slot_of(t.var);
      if (slot < 0 || (*row)[slot] == any_term) return std::nullopt;
      return terms->term((*row)[slot]);
    }
    if (t.term.kind == TermKind::blank)
      return Term::blank(blank_prefix_ + std::to_string(operation_index_) + "_" + std::to_string(solution) + "_" +
                         blank_label_piece(t.term.value));
    return t.term;
  }

  std::optional<Quad> resolve(const QuadTemplate& q, const Row* row, const QueryPlan* plan, TermTable* terms,
                              std::size_t solution, TermId default_graph, bool intern) {
    auto s = instantiate(q.subject, row, plan, terms, solution);
    auto p = instantiate(q.predicate, row, plan, terms, solution);
    auto o = instantiate(q.object, row, plan, terms, solution);
    // "an illegal RDF construct": that triple is left out (SPARQL 1.1
    // Update 3.1.3), and so is a term no serialisation could write.
    if (!s || !p || !o || s->kind == TermKind::literal || p->kind != TermKind::iri || !valid_term(*s) ||
        !valid_term(*p) || !valid_term(*o))
      return std::nullopt;
    TermId g = default_graph;
    std::optional<Term> graph_term;
    if (q.graph) {
      graph_term = instantiate(*q.graph, row, plan, terms, solution);
      if (!graph_term || graph_term->kind != TermKind::iri || !valid_iri(graph_term->value)) return std::nullopt;
    }
    auto id = [&](const Term& t) -> std::optional<TermId> {
      if (intern) return dataset_.intern(t);
      return dataset_.lookup(t);
    };
    auto si = id(*s), pi = id(*p), oi = id(*o);
    if (!si || !pi || !oi) return std::nullopt;
    if (graph_term) {
      auto gi = id(*graph_term);
      if (!gi) return std::nullopt;
      g = *gi;
    }
    return Quad{*si, *pi, *oi, g};
  }

  void run_operation(const UpdateOperation& op) {
    switch (op.kind) {
      case UpdateKind::insert_data:
        for (const auto& q : op.insert)
          if (auto quad = resolve(q, nullptr, nullptr, nullptr, 0, default_graph_id, true)) log_.insert(*quad);
        return;
      case UpdateKind::delete_data:
        for (const auto& q : op.remove)
          if (auto quad = resolve(q, nullptr, nullptr, nullptr, 0, default_graph_id, false)) log_.erase(*quad);
        return;
      case UpdateKind::modify: return run_modify(op);
      case UpdateKind::load:
        if (op.silent) return;  // SILENT: the failure to load is not reported
        throw UnsupportedFeature("LOAD is not supported: the store cannot fetch remote documents");
      case UpdateKind::clear:
        for (TermId g : targets(op.target, op.silent, true)) clear(g);
        return;
      case UpdateKind::drop:
        for (TermId g : targets(op.target, op.silent, true)) {
          clear(g);
          if (g != default_graph_id) {
            delta_.dropped_graphs.push_back(g);
            created_.erase(std::remove(created_.begin(), created_.end(), g), created_.end());
          }
        }
        return;
      case UpdateKind::create: {
        TermId g = graph_id(op.target.iri);
        if (graph_exists(g)) {
          if (op.silent) return;
          throw UpdateError("graph <" + op.target.iri + "> already exists");
        }
        created_.push_back(g);
        delta_.created_graphs.push_back(g);
        return;
      }
      case UpdateKind::add:
      case UpdateKind::move:
      case UpdateKind::copy: {
        TermId source = op.source.kind == TargetKind::default_graph ? default_graph_id : graph_id(op.source.iri);
        TermId target = op.target.kind == TargetKind::default_graph ? default_graph_id : graph_id(op.target.iri);
        if (!graph_exists(source)) {
          if (op.silent) return;
          throw UpdateError("source graph <" + op.source.iri + "> does not exist");
        }
        if (source == target) return;
        auto quads = quads_of(source);
        if (op.kind != UpdateKind::add) clear(target);
        for (auto q : quads) {
          q.g = target;
          log_.insert(q);
        }
        if (op.kind == UpdateKind::move) clear(source);
        return;
      }
    }
  }

  void run_modify(const UpdateOperation& op) {
    QueryPlan plan;
    OpPtr pattern = translate_update_pattern(op.where, plan);
    for (const auto* templates : {&op.remove, &op.insert})
      for (const auto& q : *templates)
        for (const VarOrTerm* part : {&q.subject, &q.predicate, &q.object})
          if (part->is_var && plan.slot_of(part->var) < 0) plan.slot_names.push_back(part->var);
    optimize(*pattern, dataset_);
    QueryOptions scope_options = options_;
    std::vector<std::string> from = op.using_graphs, from_named = op.using_named;
    if (from.empty() && from_named.empty() && op.with) {
      from.push_back(*op.with);
      scope_options.union_default_graph = false;
    }
    EvaluationSettings settings = dataset_settings(dataset_, from, from_named, scope_options);
    if (!op.using_graphs.empty() || !op.using_named.empty() || !op.with) {
      // keep as computed
    } else {
      for (TermId g : dataset_.graphs())
        if (g != default_graph_id &&
            std::find(settings.named_graphs.begin(), settings.named_graphs.end(), g) == settings.named_graphs.end())
          settings.named_graphs.push_back(g);
    }
    TermTable terms(dataset_);
    Evaluator evaluator(dataset_, terms, plan.slot_names.size(), settings);
    auto rows = evaluator.evaluate(*pattern);
    // The row limit bounds an update as it bounds a query: each solution
    // instantiates the templates once.
    if (options_.max_rows && rows.size() > options_.max_rows)
      throw ResultTooLarge("the update's WHERE clause has more than " + std::to_string(options_.max_rows) +
                           " solutions");
    TermId template_graph = op.with ? graph_id(*op.with) : default_graph_id;
    // All deletions are computed from the same solutions before any insert.
    std::vector<Quad> removals, additions;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      evaluator.check_limits();
      for (const auto& q : op.remove)
        if (auto quad = resolve(q, &rows[i], &plan, &terms, i, template_graph, false)) removals.push_back(*quad);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
      evaluator.check_limits();
      for (const auto& q : op.insert)
        if (auto quad = resolve(q, &rows[i], &plan, &terms, i, template_graph, true)) additions.push_back(*quad);
    }
    for (const auto& q : removals) log_.erase(q);
    for (const auto& q : additions) log_.insert(q);
  }

  Dataset& dataset_;
  const QueryOptions& options_;
  ChangeLog log_;
  UpdateDelta delta_;
  std::vector<TermId> created_;
  std::string blank_prefix_;
  std::size_t operation_index_ = 0;
};

}  // namespace

UpdateDelta run_update(Dataset& dataset, const syntax::Update& request, const QueryOptions& options) {
  return UpdateRunner(dataset, options).run(request);
}

}  // namespace torchprov::triplestore::sparql
