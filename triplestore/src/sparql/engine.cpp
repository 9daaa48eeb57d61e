// The engine's entry points: parse, translate, optimise, evaluate, and
// shape the solutions into the requested query form.
#include "engine.h"

#include <set>
#include <unordered_set>

#include "../term_validity.h"
#include "evaluator.h"
#include "optimizer.h"
#include "update.h"

namespace torchprov::triplestore::sparql {
namespace {

struct StatementHash {
  std::size_t operator()(const Statement& s) const noexcept {
    std::hash<std::string> h;
    return h(s.subject.value) ^ (h(s.predicate.value) * 31) ^ (h(s.object.value) * 131) ^ h(s.object.datatype) ^
           h(s.object.language);
  }
};

// CONSTRUCT: each solution instantiates the template with fresh blank
// nodes; triples with unbound or ill-placed terms are left out.
std::vector<Statement> construct(const QueryPlan& plan, const std::vector<Row>& rows, TermTable& terms,
                                 Evaluator& evaluator, std::size_t max_triples) {
  std::vector<Statement> out;
  std::unordered_set<Statement, StatementHash> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    evaluator.check_limits();
    if (max_triples && out.size() > max_triples)
      throw ResultTooLarge("the query returns more than " + std::to_string(max_triples) + " triples");
    for (const auto& t : plan.construct_template) {
      std::optional<Term> parts[3];
      const syntax::VarOrTerm* sources[] = {&t.subject, &t.predicate, &t.object};
      bool ok = true;
      for (int k = 0; k < 3 && ok; ++k) {
        const auto& src = *sources[k];
        if (src.is_var) {
          int slot = plan.slot_of(src.var);
          if (slot < 0 || rows[i][slot] == any_term) ok = false;
          else parts[k] = terms.term(rows[i][slot]);
        } else if (src.term.kind == TermKind::blank) {
          parts[k] = Term::blank(std::string("c").append(std::to_string(i)).append("_").append(blank_label_piece(src.term.value)));
        } else {
          parts[k] = src.term;
        }
      }
      if (!ok || parts[0]->kind == TermKind::literal || parts[1]->kind != TermKind::iri || !valid_term(*parts[0]) ||
          !valid_term(*parts[1]) || !valid_term(*parts[2]))
        continue;
      Statement st{*parts[0], *parts[1], *parts[2], {}};
      if (seen.insert(st).second) out.push_back(std::move(st));
    }
  }
  return out;
}

// DESCRIBE: the concise bounded description of each resource (its
// outgoing triples, following blank node objects).
std::vector<Statement> describe(const Dataset& dataset, const QueryPlan& plan, const std::vector<Row>& rows,
                                TermTable& terms, const EvaluationSettings& settings, Evaluator& evaluator) {
  std::vector<TermId> pending;
  for (const auto& d : plan.describe) {
    if (!d.is_var()) {
      TermId id = terms.id_of(d.term);
      if (terms.in_dataset(id)) pending.push_back(id);
      continue;
    }
    for (const auto& r : rows)
      if (terms.in_dataset(r[d.slot])) pending.push_back(r[d.slot]);
  }
  std::set<TermId> visited;
  std::vector<Statement> out;
  std::vector<TermId> graphs = settings.default_graphs;
  if (settings.union_default) graphs = {any_term};
  while (!pending.empty()) {
    TermId node = pending.back();
    pending.pop_back();
    if (!visited.insert(node).second) continue;
    evaluator.check_limits();
    for (TermId g : graphs) {
      dataset.match({node, any_term, any_term, g}, [&](const Quad& q) {
        // The row limit bounds a description as it bounds any result.
        if (settings.max_rows && out.size() >= settings.max_rows)
          throw ResultTooLarge("the description has more than " + std::to_string(settings.max_rows) + " triples");
        out.push_back({dataset.term(q.s), dataset.term(q.p), dataset.term(q.o), {}});
        if (dataset.term(q.o).kind == TermKind::blank) pending.push_back(q.o);
        return true;
      });
    }
  }
  return out;
}

}  // namespace

CompactResult execute_query_compact(const Dataset& dataset, std::string_view text, const QueryOptions& options) {
  static_assert(CompactResult::computed_base == TermTable::extra_base);
  auto syntax_tree = parse_query(text, options.base_iri);
  QueryPlan plan = translate_query(syntax_tree);
  optimize(*plan.root, dataset);
  auto settings = dataset_settings(dataset, plan.from, plan.from_named, options);
  if (!plan.base.empty()) settings.base_iri = plan.base;
  TermTable terms(dataset);
  Evaluator evaluator(dataset, terms, plan.slot_names.size(), settings);
  auto rows = evaluator.evaluate(*plan.root);

  CompactResult result;
  result.form = plan.form;
  result.ordered = plan.ordered;
  switch (plan.form) {
    case QueryForm::select: {
      if (options.max_rows && rows.size() > options.max_rows)
        throw ResultTooLarge("the query returns more than " + std::to_string(options.max_rows) + " rows");
      for (int s : plan.projection) result.variables.push_back(plan.slot_names[s]);
      result.rows = rows.size();
      result.cells.reserve(rows.size() * plan.projection.size());
      for (auto& r : rows) {
        for (int s : plan.projection) result.cells.push_back(r[s]);
        Row().swap(r);  // the solutions go as they are copied
      }
      break;
    }
    case QueryForm::ask: result.boolean = !rows.empty(); break;
    case QueryForm::construct: result.triples = construct(plan, rows, terms, evaluator, options.max_rows); break;
    case QueryForm::describe: result.triples = describe(dataset, plan, rows, terms, settings, evaluator); break;
  }
  if (options.max_rows && result.triples.size() > options.max_rows)
    throw ResultTooLarge("the query returns more than " + std::to_string(options.max_rows) + " triples");
  result.computed = terms.take_computed();
  return result;
}

QueryResult execute_query(const Dataset& dataset, std::string_view text, const QueryOptions& options) {
  CompactResult compact = execute_query_compact(dataset, text, options);
  QueryResult result;
  result.form = compact.form;
  result.ordered = compact.ordered;
  result.boolean = compact.boolean;
  result.triples = std::move(compact.triples);
  result.variables = compact.variables;
  const std::size_t width = compact.variables.size();
  result.rows.reserve(compact.row_count());
  for (std::size_t r = 0; r < compact.row_count(); ++r) {
    std::vector<std::optional<Term>> out;
    out.reserve(width);
    for (std::size_t c = 0; c < width; ++c) {
      const TermId id = compact.cells[r * width + c];
      if (id == any_term) out.emplace_back(std::nullopt);
      else out.emplace_back(compact.term(dataset, id));
    }
    result.rows.push_back(std::move(out));
  }
  return result;
}

std::string explain_query(const Dataset& dataset, std::string_view text, const QueryOptions& options) {
  auto syntax_tree = parse_query(text, options.base_iri);
  QueryPlan plan = translate_query(syntax_tree);
  optimize(*plan.root, dataset);
  return to_string(*plan.root, plan);
}

std::string explain_update(std::string_view text, const QueryOptions& options) {
  const auto request = parse_update(text, options.base_iri);
  static const char* const names[] = {"INSERT DATA", "DELETE DATA", "DELETE/INSERT", "LOAD", "CLEAR",
                                      "DROP",        "CREATE",      "ADD",           "MOVE", "COPY"};
  std::string out;
  for (const auto& op : request.operations) {
    out += names[static_cast<int>(op.kind)];
    if (op.silent) out += " SILENT";
    if (op.kind == syntax::UpdateKind::insert_data || op.kind == syntax::UpdateKind::delete_data ||
        op.kind == syntax::UpdateKind::modify)
      out += " (" + std::to_string(op.remove.size()) + " to delete, " + std::to_string(op.insert.size()) + " to insert)";
    out += '\n';
    if (op.kind == syntax::UpdateKind::modify) {
      // The WHERE pattern as it would be evaluated (some errors are found only here).
      QueryPlan plan;
      OpPtr pattern = translate_update_pattern(op.where, plan);
      out += to_string(*pattern, plan);
    }
  }
  out += std::to_string(request.operations.size()) + " operations, nothing applied\n";
  return out;
}

UpdateDelta execute_update(Dataset& dataset, std::string_view text, const QueryOptions& options) {
  auto request = parse_update(text, options.base_iri);
  return run_update(dataset, request, options);
}

}  // namespace torchprov::triplestore::sparql
