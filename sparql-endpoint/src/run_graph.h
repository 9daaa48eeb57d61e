// The provenance graph of one training run, as a person wants to look at it:
// the PROV entities, activities and agents of the run's bundle and the PROV
// relations between them, with long runs folded per epoch range.
//
// The same graph is drawn three ways: the dashboard lays it out in the
// browser (GET /api/runs/ID/graph.json), the server lays it out with
// Graphviz (GET /api/runs/ID/graph.svg), and `torchprov export --format dot
// --run ID` writes it for Graphviz users.  It is read with standard SPARQL
// 1.1 queries through a QueryFunction, so it works over any store.
//
// What is drawn (a picture, not every statement; clicking a node in the
// dashboard shows all of its statements):
//  - nodes: the run, its experiment, epochs, evaluations and adaptations
//    (activities); datasets, hyperparameter settings, the optimizer, the
//    model, checkpoints, the metric values of evaluations, adaptation
//    requests and analysis queries (entities); persons, the trainer, the
//    machine, steering rules and schedulers (agents).  Per-epoch metric values, steps
//    and layers are left out: they are the run page's curves and tables.
//  - edges: prov:used, wasGeneratedBy, wasDerivedFrom, wasRevisionOf,
//    wasAssociatedWith, actedOnBehalfOf, wasInformedBy, wasAttributedTo
//    between those nodes, minus the ones another drawn edge already implies:
//    wasDerivedFrom beside wasRevisionOf; an epoch's wasInformedBy the run
//    when it has a previous epoch; a checkpoint's wasDerivedFrom a dataset
//    when it derives from a previous checkpoint; an epoch's or evaluation's
//    association with an agent the run is associated with.
//  - folding: initial hyperparameter settings that no adaptation revised
//    form one group; in a run of more than `plain_epochs` epochs, the epochs
//    between the key epochs (the first, the last, the best checkpoint's,
//    and those an adaptation happened in or first used its setting) form
//    range groups of at most `fan_out` members (nested ranges beyond that),
//    and the non-best checkpoints of a range a matching group.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sparql/engine.h"

namespace torchprov::endpoint::run_graph {

using QueryFunction = std::function<triplestore::sparql::QueryResult(const std::string& sparql)>;

enum class Kind { entity, activity, agent };
const char* kind_name(Kind kind);

struct Node {
  std::string id;     // the IRI, or "group:..." for a group
  Kind kind = Kind::entity;
  std::string type;   // dl:/prov: class local name: "Epoch", "Checkpoint", "Person", ...; "Group" for groups
  std::vector<std::string> label;  // lines, the first one the name
  std::string group;  // the innermost group the node belongs to ("" = always shown)
  bool best = false;  // the run's best checkpoint
  int epoch = 0;      // epoch number of epochs, checkpoints, adaptations, revised settings (0 = none)
  int members = 0;    // groups: how many nodes fold into it, nested groups' members included
};

struct Edge {
  std::string from, relation, to;  // relation: the PROV property's local name ("used", ...)
  friend bool operator<(const Edge& a, const Edge& b) {
    return std::tie(a.from, a.relation, a.to) < std::tie(b.from, b.relation, b.to);
  }
  friend bool operator==(const Edge&, const Edge&) = default;
};

struct Graph {
  std::string run;         // run IRI
  std::string run_id;
  std::vector<Node> nodes;  // groups included (type "Group"), in a stable order
  std::vector<Edge> edges;  // between member nodes, never groups
  std::vector<std::string> queries;  // the SPARQL it was read with
};

struct Limits {
  int plain_epochs = 8;   // runs with more epochs are folded
  int fan_out = 10;       // a range group has at most this many members
};

// Reads the run whose dl:runId is `run_id`; nullopt when there is none.
// Throws what the query function throws.
std::optional<Graph> read(const std::string& run_id, const QueryFunction& query, Limits limits = {});

// What is shown when the groups in `expanded` are open and all others
// closed: every node replaced by its outermost closed group, edges mapped
// the same way, without duplicates and self-loops.  `expanded` may hold
// "all" to open every group.
Graph shown(const Graph& graph, const std::set<std::string>& expanded = {});

// Graphviz DOT (PROV's drawing conventions: entities yellow ellipses,
// activities blue boxes, agents orange pentagons ("house"), relation names
// on the edges, causes above what they caused).
std::string to_dot(const Graph& shown_graph);
// JSON for the dashboard: {"run","runId","nodes":[...],"edges":[...],"queries":[...]}
std::string to_json(const Graph& graph);

}  // namespace torchprov::endpoint::run_graph
