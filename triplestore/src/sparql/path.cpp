// Property path evaluation.  Paths run from a bound end (either one): a
// step yields the multiset of nodes reached, the closures (* +) and ? use
// set semantics with a visited set, so cycles terminate.  With both ends
// unbound every node of the active graph is tried as a start.
#include <algorithm>
#include <optional>
#include <unordered_set>

#include "evaluator.h"

namespace torchprov::triplestore::sparql {

using syntax::Path;
using syntax::PathKind;

namespace {

// Calls visit for quads matching the pattern in the scope's graphs.
template <typename Scope, typename Visit>
void match_in(const Dataset& dataset, const Scope& scope, Quad pattern, Visit&& visit) {
  if (scope.any) {
    // A triple in several graphs counts once (copies arrive consecutively).
    pattern.g = any_term;
    Quad previous{any_term, any_term, any_term, any_term};
    dataset.match(pattern, [&](const Quad& q) {
      if (q.s == previous.s && q.p == previous.p && q.o == previous.o) return true;
      previous = q;
      visit(q);
      return true;
    });
    return;
  }
  for (TermId g : scope.graphs) {
    pattern.g = g;
    dataset.match(pattern, [&](const Quad& q) {
      visit(q);
      return true;
    });
  }
}

// Whether `node` is a subject or object of a triple of the active graph:
// the nodes a zero-length path may start from or reach.  (Being in the
// store's dictionary is not enough: another graph, or data since deleted,
// may have put it there.)
template <class Scope>
bool is_graph_node(const Dataset& dataset, const Scope& scope, TermId node) {
  bool found = false;
  for (const Quad pattern : {Quad{node, any_term, any_term, any_term}, Quad{any_term, any_term, node, any_term}}) {
    if (scope.any) {
      dataset.match(pattern, [&](const Quad&) { return !(found = true); });
    } else {
      for (TermId g : scope.graphs) {
        if (found) break;
        Quad in_graph = pattern;
        in_graph.g = g;
        dataset.match(in_graph, [&](const Quad&) { return !(found = true); });
      }
    }
    if (found) return true;
  }
  return false;
}

}  // namespace

void Evaluator::path_step(const Path& path, TermId from, bool inverse, const GraphScope& scope,
                          std::vector<TermId>& out) {
  check_limits();
  switch (path.kind) {
    case PathKind::link: {
      if (!terms_.in_dataset(from)) return;
      TermId predicate = terms_.id_of(path.iri);
      if (!terms_.in_dataset(predicate)) return;
      Quad pattern{};
      if (inverse) {
        pattern.p = predicate;
        pattern.o = from;
        match_in(dataset_, scope, pattern, [&](const Quad& q) { out.push_back(q.s); });
      } else {
        pattern.s = from;
        pattern.p = predicate;
        match_in(dataset_, scope, pattern, [&](const Quad& q) { out.push_back(q.o); });
      }
      return;
    }
    case PathKind::inverse: path_step(path.items[0], from, !inverse, scope, out); return;
    case PathKind::sequence: {
      std::vector<TermId> current{from};
      for (std::size_t i = 0; i < path.items.size(); ++i) {
        const Path& item = path.items[inverse ? path.items.size() - 1 - i : i];
        std::vector<TermId> next;
        for (TermId node : current) path_step(item, node, inverse, scope, next);
        current = std::move(next);
      }
      out.insert(out.end(), current.begin(), current.end());
      return;
    }
    case PathKind::alternative:
      for (const auto& item : path.items) path_step(item, from, inverse, scope, out);
      return;
    case PathKind::zero_or_more: path_closure(path.items[0], from, inverse, true, scope, out); return;
    case PathKind::one_or_more: path_closure(path.items[0], from, inverse, false, scope, out); return;
    case PathKind::zero_or_one: {
      std::vector<TermId> reached{from};
      path_step(path.items[0], from, inverse, scope, reached);
      std::unordered_set<TermId> seen;
      for (TermId n : reached)
        if (seen.insert(n).second) out.push_back(n);
      return;
    }
    case PathKind::negated: {
      if (!terms_.in_dataset(from)) return;
      std::vector<TermId> forward, backward;
      for (const auto& item : path.items) {
        if (item.kind == PathKind::inverse) backward.push_back(terms_.id_of(item.items[0].iri));
        else forward.push_back(terms_.id_of(item.iri));
      }
      bool has_forward = !forward.empty() || backward.empty();
      bool has_backward = !backward.empty();
      auto excluded = [](const std::vector<TermId>& set, TermId p) {
        return std::find(set.begin(), set.end(), p) != set.end();
      };
      // !(a|^b) is !a plus the inverse of !b; walking the path backwards
      // swaps the two directions.
      if (has_forward) {
        Quad pattern{};
        if (!inverse) {
          pattern.s = from;
          match_in(dataset_, scope, pattern, [&](const Quad& q) {
            if (!excluded(forward, q.p)) out.push_back(q.o);
          });
        } else {
          pattern.o = from;
          match_in(dataset_, scope, pattern, [&](const Quad& q) {
            if (!excluded(forward, q.p)) out.push_back(q.s);
          });
        }
      }
      if (has_backward) {
        Quad pattern{};
        if (!inverse) {
          pattern.o = from;
          match_in(dataset_, scope, pattern, [&](const Quad& q) {
            if (!excluded(backward, q.p)) out.push_back(q.s);
          });
        } else {
          pattern.s = from;
          match_in(dataset_, scope, pattern, [&](const Quad& q) {
            if (!excluded(backward, q.p)) out.push_back(q.o);
          });
        }
      }
      return;
    }
  }
}

void Evaluator::path_closure(const Path& path, TermId from, bool inverse, bool include_start, const GraphScope& scope,
                             std::vector<TermId>& out) {
  std::unordered_set<TermId> visited;
  std::vector<TermId> frontier;
  if (include_start) {
    visited.insert(from);
    out.push_back(from);
  }
  frontier.push_back(from);
  std::vector<TermId> next;
  while (!frontier.empty()) {
    next.clear();
    for (TermId node : frontier) {
      std::vector<TermId> reached;
      path_step(path, node, inverse, scope, reached);
      for (TermId n : reached) {
        if (visited.insert(n).second) {
          out.push_back(n);
          next.push_back(n);
        }
      }
    }
    std::swap(frontier, next);
  }
}

// Nodes a path of at least one step can start from, when that is cheaper
// to know than all nodes: the subjects of its first link (objects for an
// inverse link).  Nothing for paths that may have length zero, whose start
// can be any node.
std::optional<std::vector<TermId>> Evaluator::path_starts(const Path& path, bool inverse, const GraphScope& scope) {
  switch (path.kind) {
    case PathKind::link: {
      TermId predicate = terms_.id_of(path.iri);
      std::vector<TermId> nodes;
      if (!terms_.in_dataset(predicate)) return nodes;
      match_in(dataset_, scope, Quad{any_term, predicate, any_term, any_term},
               [&](const Quad& q) { nodes.push_back(inverse ? q.o : q.s); });
      std::sort(nodes.begin(), nodes.end());
      nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
      return nodes;
    }
    case PathKind::inverse: return path_starts(path.items[0], !inverse, scope);
    case PathKind::sequence:
      return path_starts(path.items[inverse ? path.items.size() - 1 : 0], inverse, scope);
    case PathKind::one_or_more: return path_starts(path.items[0], inverse, scope);
    case PathKind::alternative: {
      std::vector<TermId> nodes;
      for (const auto& item : path.items) {
        auto starts = path_starts(item, inverse, scope);
        if (!starts) return std::nullopt;
        nodes.insert(nodes.end(), starts->begin(), starts->end());
      }
      std::sort(nodes.begin(), nodes.end());
      nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());
      return nodes;
    }
    default: return std::nullopt;
  }
}

const std::vector<TermId>& Evaluator::all_nodes(const GraphScope& scope) {
  std::vector<TermId> key = scope.graphs;
  if (scope.any) key.push_back(any_term);
  auto it = node_cache_.find(key);
  if (it != node_cache_.end()) return it->second;
  std::unordered_set<TermId> nodes;
  match_in(dataset_, scope, Quad{}, [&](const Quad& q) {
    nodes.insert(q.s);
    nodes.insert(q.o);
  });
  std::vector<TermId> sorted(nodes.begin(), nodes.end());
  std::sort(sorted.begin(), sorted.end());
  return node_cache_.emplace(key, std::move(sorted)).first->second;
}

void Evaluator::eval_path(const PatternElement& element, Row& row, const GraphScope& scope,
                          const std::function<void()>& emit) {
  auto value_of = [&](const PatternTerm& t) -> TermId {
    if (!t.is_var()) return terms_.id_of(t.term);
    return row[t.slot];
  };
  TermId s = value_of(element.subject), o = value_of(element.object);
  // A value bound elsewhere in the query (VALUES, BIND) that is no node of
  // the active graph is not reached even by a zero-length path (W3C test
  // values_and_path); constants written in the path pattern are.
  if ((element.subject.is_var() && s != any_term && !(terms_.in_dataset(s) && is_graph_node(dataset_, scope, s))) ||
      (element.object.is_var() && o != any_term && !(terms_.in_dataset(o) && is_graph_node(dataset_, scope, o))))
    return;
  std::vector<TermId> reached;
  if (s != any_term) {
    path_step(element.path, s, false, scope, reached);
    for (TermId n : reached) {
      if (o != any_term) {
        if (n == o) emit();
      } else {
        row[element.object.slot] = n;
        emit();
        row[element.object.slot] = any_term;
      }
    }
    return;
  }
  if (o != any_term) {
    path_step(element.path, o, true, scope, reached);
    for (TermId n : reached) {
      row[element.subject.slot] = n;
      emit();
      row[element.subject.slot] = any_term;
    }
    return;
  }
  bool same_variable = element.subject.slot == element.object.slot;
  auto starts = path_starts(element.path, false, scope);
  for (TermId start : starts ? *starts : all_nodes(scope)) {
    reached.clear();
    path_step(element.path, start, false, scope, reached);
    row[element.subject.slot] = start;
    for (TermId n : reached) {
      if (same_variable) {
        if (n == start) emit();
        continue;
      }
      row[element.object.slot] = n;
      emit();
      row[element.object.slot] = any_term;
    }
    row[element.subject.slot] = any_term;
  }
}

}  // namespace torchprov::triplestore::sparql
