// Translation of syntax trees to the algebra, following section 18.2 of the
// SPARQL 1.1 specification.
#include "algebra.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "vocabulary.h"

namespace torchprov::triplestore::sparql {

int QueryPlan::slot_of(const std::string& name) const {
  for (std::size_t i = 0; i < slot_names.size(); ++i)
    if (slot_names[i] == name) return static_cast<int>(i);
  return -1;
}

namespace {

using namespace syntax;

bool is_hidden(const std::string& name) { return name.empty() || name[0] == '_' || name[0] == '\x01'; }

void add_unique(std::vector<std::string>& out, const std::string& v) {
  if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
}

// In-scope variables in order of first appearance (SELECT * projects them
// in this order).
void ordered_scope(const GroupPattern& group, std::vector<std::string>& out);

void ordered_scope_query(const Query& q, std::vector<std::string>& out) {
  if (q.select_all) {
    ordered_scope(q.where, out);
    if (q.values)
      for (const auto& v : q.values->vars) add_unique(out, v);
  } else {
    for (const auto& item : q.select) add_unique(out, item.var);
  }
}

void path_free_scope(const TriplePattern& t, std::vector<std::string>& out) {
  if (t.subject.is_var) add_unique(out, t.subject.var);
  if (!t.predicate_is_path && t.predicate.is_var) add_unique(out, t.predicate.var);
  if (t.object.is_var) add_unique(out, t.object.var);
}

void ordered_scope(const GroupPattern& group, std::vector<std::string>& out) {
  for (const auto& el : group.elements) {
    switch (el.kind) {
      case ElementKind::triples:
        for (const auto& t : el.triples) path_free_scope(t, out);
        break;
      case ElementKind::bind: add_unique(out, el.var); break;
      case ElementKind::values:
        for (const auto& v : el.values.vars) add_unique(out, v);
        break;
      case ElementKind::graph:
        if (el.graph.is_var) add_unique(out, el.graph.var);
        [[fallthrough]];
      case ElementKind::optional:
      case ElementKind::union_of:
      case ElementKind::group:
      case ElementKind::service:
        for (const auto& g : el.groups) ordered_scope(g, out);
        break;
      case ElementKind::subselect: ordered_scope_query(*el.subquery, out); break;
      case ElementKind::filter:
      case ElementKind::minus: break;
    }
  }
}

OpPtr make(OpKind kind) {
  auto op = std::make_shared<Op>();
  op->kind = kind;
  return op;
}

bool is_unit(const OpPtr& op) { return op->kind == OpKind::bgp && op->patterns.empty(); }

OpPtr join(OpPtr left, OpPtr right) {
  if (is_unit(left)) return right;
  if (is_unit(right)) return left;
  if (left->kind == OpKind::bgp && right->kind == OpKind::bgp) {
    // Join of two BGPs is the BGP of both (blank node scoping aside, which
    // the parser enforces).
    auto merged = make(OpKind::bgp);
    merged->patterns = left->patterns;
    merged->patterns.insert(merged->patterns.end(), right->patterns.begin(), right->patterns.end());
    return merged;
  }
  auto op = make(OpKind::join);
  op->children = {std::move(left), std::move(right)};
  return op;
}

class Translator {
 public:
  explicit Translator(QueryPlan& plan) : plan_(plan) {}

  int slot(const std::string& name) {
    if (int s = plan_.slot_of(name); s >= 0) return s;
    plan_.slot_names.push_back(name);
    return static_cast<int>(plan_.slot_names.size() - 1);
  }

  int hidden_slot(const std::string& hint) { return slot("\x01" + hint + std::to_string(hidden_counter_++)); }

  PatternTerm pattern_term(const VarOrTerm& t) {
    PatternTerm p;
    if (t.is_var) p.slot = slot(t.var);
    else p.term = t.term;
    return p;
  }

  // Resolves variable slots and EXISTS patterns inside an expression.
  void resolve(Expr& e) {
    if (e.kind == ExprKind::variable) e.slot = slot(e.name);
    if ((e.kind == ExprKind::exists || e.kind == ExprKind::not_exists) && e.group) e.pattern = translate_group(*e.group);
    for (auto& a : e.args) resolve(a);
  }

  // Property paths: links, inverses and sequences become triple patterns
  // (section 18.2.2.4); the rest stay path patterns.
  void translate_path(const PatternTerm& s, const Path& path, const PatternTerm& o, std::vector<PatternElement>& out) {
    switch (path.kind) {
      case PathKind::link: out.push_back({s, {-1, path.iri}, o, false, {}}); return;
      case PathKind::inverse:
        if (path.items[0].kind == PathKind::link || path.items[0].kind == PathKind::sequence ||
            path.items[0].kind == PathKind::inverse) {
          translate_path(o, path.items[0], s, out);
          return;
        }
        break;
      case PathKind::sequence: {
        PatternTerm current = s;
        for (std::size_t i = 0; i < path.items.size(); ++i) {
          PatternTerm next = i + 1 < path.items.size() ? PatternTerm{hidden_slot("path"), {}} : o;
          translate_path(current, path.items[i], next, out);
          current = next;
        }
        return;
      }
      default: break;
    }
    PatternElement el;
    el.subject = s;
    el.object = o;
    el.is_path = true;
    el.path = path;
    out.push_back(std::move(el));
  }

  OpPtr translate_triples(const std::vector<TriplePattern>& triples) {
    auto bgp = make(OpKind::bgp);
    for (const auto& t : triples) {
      PatternTerm s = pattern_term(t.subject), o = pattern_term(t.object);
      if (t.predicate_is_path) translate_path(s, t.path, o, bgp->patterns);
      else bgp->patterns.push_back({s, pattern_term(t.predicate), o, false, {}});
    }
    return bgp;
  }

  OpPtr translate_values(const ValuesBlock& values) {
    auto table = make(OpKind::table);
    for (const auto& v : values.vars) table->table_slots.push_back(slot(v));
    table->table_rows = values.rows;
    return table;
  }

  OpPtr translate_group(const GroupPattern& group) {
    OpPtr g = make(OpKind::bgp);
    std::vector<Expr> filters;
    for (const auto& el : group.elements) {
      switch (el.kind) {
        case ElementKind::triples: g = join(g, translate_triples(el.triples)); break;
        case ElementKind::filter: {
          Expr e = el.expr;
          resolve(e);
          filters.push_back(std::move(e));
          break;
        }
        case ElementKind::optional: {
          OpPtr inner = translate_group(el.groups[0]);
          auto lj = make(OpKind::left_join);
          if (inner->kind == OpKind::filter) {
            lj->conditions = inner->conditions;
            inner = inner->children[0];
          }
          lj->children = {g, inner};
          g = lj;
          break;
        }
        case ElementKind::minus: {
          auto m = make(OpKind::minus);
          m->children = {g, translate_group(el.groups[0])};
          g = m;
          break;
        }
        case ElementKind::union_of: {
          OpPtr u = translate_group(el.groups[0]);
          for (std::size_t i = 1; i < el.groups.size(); ++i) {
            auto next = make(OpKind::union_of);
            next->children = {u, translate_group(el.groups[i])};
            u = next;
          }
          g = join(g, u);
          break;
        }
        case ElementKind::graph: {
          auto gr = make(OpKind::graph);
          gr->graph = pattern_term(el.graph);
          gr->children = {translate_group(el.groups[0])};
          g = join(g, gr);
          break;
        }
        case ElementKind::group: g = join(g, translate_group(el.groups[0])); break;
        case ElementKind::service: {
          // Evaluated by the endpoint: only its variables matter here.
          auto sv = make(OpKind::service);
          sv->graph = pattern_term(el.graph);
          sv->silent = el.silent;
          sv->service_query = el.service_query;
          std::vector<std::string> names;
          ordered_scope(el.groups[0], names);
          for (const auto& name : names) sv->service_slots.emplace_back(name, slot(name));
          g = join(g, sv);
          break;
        }
        case ElementKind::bind: {
          auto ext = make(OpKind::extend);
          ext->expr = el.expr;
          resolve(ext->expr);
          ext->slot = slot(el.var);
          ext->children = {g};
          g = ext;
          break;
        }
        case ElementKind::values: g = join(g, translate_values(el.values)); break;
        case ElementKind::subselect: g = join(g, translate_select(*el.subquery)); break;
      }
    }
    if (!filters.empty()) {
      auto f = make(OpKind::filter);
      f->conditions = std::move(filters);
      f->children = {g};
      g = f;
    }
    return g;
  }

  // Replaces aggregate calls by variables bound by the Group operator.
  void extract_aggregates(Expr& e, std::vector<AggregateBinding>& aggregates) {
    if (e.kind == ExprKind::aggregate) {
      for (auto& a : e.args) resolve(a);
      AggregateBinding binding;
      binding.slot = hidden_slot("agg");
      binding.aggregate = e;
      Expr var;
      var.kind = ExprKind::variable;
      var.name = plan_.slot_names[binding.slot];
      var.slot = binding.slot;
      aggregates.push_back(std::move(binding));
      e = std::move(var);
      return;
    }
    for (auto& a : e.args) extract_aggregates(a, aggregates);
  }

  static bool has_aggregate(const Expr& e) {
    if (e.kind == ExprKind::aggregate) return true;
    return std::any_of(e.args.begin(), e.args.end(), has_aggregate);
  }

  // The solution-modifier part of 18.2.4; returns the operator and fills
  // the projected slots.
  OpPtr translate_modifiers(const Query& q, OpPtr g, std::vector<int>& projection) {
    bool aggregated = !q.group_by.empty() || !q.having.empty();
    for (const auto& item : q.select)
      if (item.expr && has_aggregate(*item.expr)) aggregated = true;
    for (const auto& o : q.order_by)
      if (has_aggregate(o.expr)) aggregated = true;

    std::vector<Expr> select_exprs;
    for (const auto& item : q.select)
      if (item.expr) select_exprs.push_back(*item.expr);
    std::vector<Expr> having = q.having;
    std::vector<OrderKey> order;
    for (const auto& o : q.order_by) order.push_back({o.expr, o.descending});

    if (aggregated) {
      auto group = make(OpKind::group);
      for (const auto& c : q.group_by) {
        GroupKey key;
        key.expr = c.expr;
        resolve(key.expr);
        if (!c.var.empty()) key.slot = slot(c.var);
        else if (c.expr.kind == ExprKind::variable) key.slot = key.expr.slot;
        else key.slot = hidden_slot("key");
        group->group_keys.push_back(std::move(key));
      }
      for (auto& e : select_exprs) extract_aggregates(e, group->aggregates);
      for (auto& e : having) extract_aggregates(e, group->aggregates);
      for (auto& o : order) extract_aggregates(o.expr, group->aggregates);
      group->children = {g};
      g = group;
    }
    if (!having.empty()) {
      auto f = make(OpKind::filter);
      for (auto& e : having) resolve(e);
      f->conditions = std::move(having);
      f->children = {g};
      g = f;
    }
    if (q.values) g = join(g, translate_values(*q.values));
    std::size_t expr_index = 0;
    for (const auto& item : q.select) {
      if (!item.expr) continue;
      auto ext = make(OpKind::extend);
      ext->expr = select_exprs[expr_index++];
      resolve(ext->expr);
      ext->slot = slot(item.var);
      ext->children = {g};
      g = ext;
    }
    if (!order.empty()) {
      auto ob = make(OpKind::order_by);
      for (auto& o : order) resolve(o.expr);
      ob->order = std::move(order);
      ob->children = {g};
      g = ob;
    }
    if (q.select_all) {
      std::vector<std::string> names;
      ordered_scope_query(q, names);
      for (const auto& n : names)
        if (!is_hidden(n)) projection.push_back(slot(n));
    } else {
      for (const auto& item : q.select) projection.push_back(slot(item.var));
    }
    return g;
  }

  OpPtr finish(const Query& q, OpPtr g, const std::vector<int>& projection) {
    if (q.form == QueryForm::select || !projection.empty()) {
      auto p = make(OpKind::project);
      p->projection = projection;
      p->children = {g};
      g = p;
    }
    if (q.distinct) {
      auto d = make(OpKind::distinct);
      d->children = {g};
      g = d;
    } else if (q.reduced) {
      auto r = make(OpKind::reduced);
      r->children = {g};
      g = r;
    }
    if (q.limit || q.offset > 0) {
      auto s = make(OpKind::slice);
      s->offset = q.offset;
      s->limit = q.limit;
      s->children = {g};
      g = s;
    }
    return g;
  }

  OpPtr translate_select(const Query& q) {
    std::vector<int> projection;
    OpPtr g = translate_modifiers(q, translate_group(q.where), projection);
    return finish(q, g, projection);
  }

  QueryPlan& plan_;
  std::size_t hidden_counter_ = 0;
};

}  // namespace

QueryPlan translate_query(const syntax::Query& query) {
  QueryPlan plan;
  plan.form = query.form;
  plan.from = query.from;
  plan.from_named = query.from_named;
  plan.ordered = !query.order_by.empty();
  plan.base = query.base;
  Translator t(plan);
  std::vector<int> projection;
  OpPtr g = t.translate_modifiers(query, t.translate_group(query.where), projection);
  if (query.form == QueryForm::describe) {
    projection.clear();
    for (const auto& d : query.describe) {
      PatternTerm term = t.pattern_term(d);
      plan.describe.push_back(term);
      if (term.is_var()) projection.push_back(term.slot);
    }
    if (query.describe_all) {
      std::vector<std::string> names;
      ordered_scope(query.where, names);
      for (const auto& n : names)
        if (!is_hidden(n)) {
          projection.push_back(t.slot(n));
          plan.describe.push_back({t.slot(n), {}});
        }
    }
  } else if (query.form != QueryForm::select) {
    projection.clear();
  }
  if (query.form == QueryForm::construct) {
    plan.construct_template = query.construct_template;
    for (const auto& tp : plan.construct_template)
      for (const VarOrTerm* part : {&tp.subject, &tp.predicate, &tp.object})
        if (part->is_var) t.slot(part->var);
  }
  plan.projection = projection;
  plan.root = t.finish(query, g, projection);
  return plan;
}

OpPtr translate_update_pattern(const syntax::GroupPattern& group, QueryPlan& plan) {
  Translator t(plan);
  return t.translate_group(group);
}

void expression_slots(const Expr& expr, std::vector<int>& out) {
  if (expr.kind == ExprKind::variable && expr.slot >= 0) out.push_back(expr.slot);
  if (expr.pattern) bound_slots(*expr.pattern, out);
  for (const auto& a : expr.args) expression_slots(a, out);
}

void bound_slots(const Op& op, std::vector<int>& out) {
  switch (op.kind) {
    case OpKind::bgp:
      for (const auto& p : op.patterns)
        for (const PatternTerm* t : {&p.subject, &p.predicate, &p.object})
          if (t->is_var()) out.push_back(t->slot);
      return;
    case OpKind::project:
      out.insert(out.end(), op.projection.begin(), op.projection.end());
      return;
    case OpKind::table:
      out.insert(out.end(), op.table_slots.begin(), op.table_slots.end());
      return;
    case OpKind::group:
      for (const auto& k : op.group_keys) out.push_back(k.slot);
      for (const auto& a : op.aggregates) out.push_back(a.slot);
      return;
    case OpKind::extend: out.push_back(op.slot); break;
    case OpKind::graph:
      if (op.graph.is_var()) out.push_back(op.graph.slot);
      break;
    case OpKind::service:
      for (const auto& [name, slot] : op.service_slots) out.push_back(slot);
      return;
    case OpKind::minus:
      bound_slots(*op.children[0], out);
      return;
    default: break;
  }
  for (const auto& c : op.children) bound_slots(*c, out);
}

namespace {

std::string term_text(const Term& t) {
  switch (t.kind) {
    case TermKind::iri: return "<" + t.value + ">";
    case TermKind::blank: return "_:" + t.value;
    case TermKind::literal:
      if (!t.language.empty()) return "\"" + t.value + "\"@" + t.language;
      if (!t.datatype.empty()) return "\"" + t.value + "\"^^<" + t.datatype + ">";
      return "\"" + t.value + "\"";
  }
  return {};
}

std::string pattern_text(const PatternTerm& t, const QueryPlan& plan) {
  if (t.is_var()) return "?" + plan.slot_names[t.slot];
  return term_text(t.term);
}

}  // namespace

std::string to_string(const Op& op, const QueryPlan& plan, int indent) {
  static const char* names[] = {"bgp",    "join",  "leftjoin", "filter",  "union",    "minus", "graph", "extend",
                                "group",  "order", "project",  "distinct", "reduced", "slice", "table", "service"};
  std::ostringstream out;
  out << std::string(indent * 2, ' ') << "(" << names[static_cast<int>(op.kind)];
  if (op.kind == OpKind::bgp) {
    for (const auto& p : op.patterns) {
      out << " [" << pattern_text(p.subject, plan) << " "
          << (p.is_path ? std::string("<path>") : pattern_text(p.predicate, plan)) << " "
          << pattern_text(p.object, plan) << "]";
    }
  }
  if (op.kind == OpKind::graph || op.kind == OpKind::service) out << " " << pattern_text(op.graph, plan);
  if (op.kind == OpKind::extend) out << " ?" << plan.slot_names[op.slot];
  if (op.kind == OpKind::project)
    for (int s : op.projection) out << " ?" << plan.slot_names[s];
  if (op.kind == OpKind::slice) out << " " << op.offset << " " << (op.limit ? std::to_string(*op.limit) : "_");
  if (!op.conditions.empty()) out << " conditions=" << op.conditions.size();
  for (const auto& c : op.children) out << "\n" << to_string(*c, plan, indent + 1);
  out << ")";
  return out.str();
}

}  // namespace torchprov::triplestore::sparql
