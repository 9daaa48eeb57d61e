#include "run_graph.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "results/json_value.h"
#include "results/term_syntax.h"

namespace torchprov::endpoint::run_graph {
namespace {

namespace sparql = triplestore::sparql;

const std::string prov = "http://www.w3.org/ns/prov#";
const std::string dl = "https://w3id.org/torchprov/dl#";
const std::string rdfs = "http://www.w3.org/2000/01/rdf-schema#";
const std::string prefixes =
    "PREFIX dl: <https://w3id.org/torchprov/dl#>\n"
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n";

// The classes drawn, in the order a node with several of them is named by,
// and their PROV kind.
struct DrawnClass {
  const char* iri_local;  // "dl:Epoch"
  const char* type;
  Kind kind;
};
constexpr DrawnClass drawn_classes[] = {
    {"dl:TrainingRun", "TrainingRun", Kind::activity},
    {"dl:Epoch", "Epoch", Kind::activity},
    {"dl:Evaluation", "Evaluation", Kind::activity},
    {"dl:Adaptation", "Adaptation", Kind::activity},
    {"dl:Experiment", "Experiment", Kind::activity},
    {"dl:Checkpoint", "Checkpoint", Kind::entity},
    {"dl:Dataset", "Dataset", Kind::entity},
    {"dl:HyperparameterSetting", "HyperparameterSetting", Kind::entity},
    {"dl:Optimizer", "Optimizer", Kind::entity},
    {"dl:Model", "Model", Kind::entity},
    {"dl:AdaptationRequest", "AdaptationRequest", Kind::entity},
    {"dl:AnalysisQuery", "AnalysisQuery", Kind::entity},
    {"dl:SteeringRule", "SteeringRule", Kind::agent},
    {"dl:Scheduler", "Scheduler", Kind::agent},
    {"prov:Person", "Person", Kind::agent},
    {"dl:Trainer", "Trainer", Kind::agent},
    {"dl:Machine", "Machine", Kind::agent},
};

// Properties read for labels and folding.
constexpr const char* attribute_properties[] = {
    "rdfs:label", "dl:epochNumber", "dl:epoch",     "dl:name",          "dl:split",      "prov:value",
    "dl:action",  "dl:reason",      "dl:status",    "dl:program",       "dl:version",    "dl:hostname",
    "dl:gpu",     "dl:numExamples", "dl:numParameters", "dl:optimizerType", "dl:runId", "dl:bestCheckpoint",
    "dl:epochsPlanned"};

constexpr const char* drawn_relations[] = {"used",          "wasGeneratedBy",    "wasDerivedFrom",  "wasRevisionOf",
                                           "wasAssociatedWith", "actedOnBehalfOf", "wasInformedBy", "wasAttributedTo"};

std::string local_name(const std::string& iri) {
  const auto cut = iri.find_last_of("#/");
  return cut == std::string::npos ? iri : iri.substr(cut + 1);
}

// A string literal in SPARQL text (the Turtle form: every control character escaped).
std::string sparql_string(const std::string& text) { return triplestore::results::turtle_term(Term::literal(text)); }

std::string iri_ref(const std::string& iri) {
  if (iri.find_first_of("<>\" {}|\\^`") != std::string::npos) throw std::invalid_argument("not an IRI: " + iri);
  return "<" + iri + ">";
}

std::string cell(const std::vector<std::optional<Term>>& row, std::size_t i) {
  return i < row.size() && row[i] ? row[i]->value : std::string();
}

int to_int(const std::string& text) {
  int v = 0;
  std::from_chars(text.data(), text.data() + text.size(), v);
  return v;
}

// A number as a person reads it: integers as they are, others to 4
// significant digits ("0.0005", "2.3e-05"), millions as "2.3 M".
std::string short_number(const std::string& lexical) {
  char* end = nullptr;
  const double v = std::strtod(lexical.c_str(), &end);
  if (end == lexical.c_str() || *end) return lexical;
  if (std::abs(v) >= 1e6) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3g M", v / 1e6);
    return b;
  }
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

// Long free text (a reason) cut into lines of about `width` characters, at
// most `lines` of them.
std::vector<std::string> wrap(const std::string& text, std::size_t width, std::size_t lines) {
  std::vector<std::string> out;
  std::string line;
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto space = text.find(' ', pos);
    if (space == std::string::npos) space = text.size();
    const std::string word = text.substr(pos, space - pos);
    pos = space + 1;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out.push_back(line);
      line.clear();
      if (out.size() == lines) break;
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (out.size() < lines && !line.empty()) out.push_back(line);
  if (pos < text.size() && !out.empty()) out.back() += " …";
  return out;
}

struct Facts {
  std::string type;
  Kind kind = Kind::entity;
  int rank = 1000;  // index in drawn_classes of the class that names it
  std::map<std::string, std::string> attributes;  // "dl:epoch" -> value (one per property)
  const std::string* get(const std::string& p) const {
    auto it = attributes.find(p);
    return it == attributes.end() ? nullptr : &it->second;
  }
  std::string value(const std::string& p) const {
    auto v = get(p);
    return v ? *v : std::string();
  }
};

std::vector<std::string> label_of(const std::string& iri, const Facts& f, bool best, bool revised) {
  const std::string& t = f.type;
  auto or_label = [&](std::string fallback) {
    auto l = f.get("rdfs:label");
    return l ? *l : fallback;
  };
  if (t == "TrainingRun") {
    const std::string id = f.value("dl:runId");
    std::vector<std::string> lines{"training run " + (id.size() > 12 ? id.substr(0, 8) : id)};
    if (auto s = f.get("dl:status")) lines.push_back(*s);
    return lines;
  }
  if (t == "Experiment") return {"experiment " + f.value("dl:name")};
  if (t == "Epoch") return {"epoch " + f.value("dl:epochNumber")};
  if (t == "Evaluation") return {f.value("dl:split") + " evaluation", "after epoch " + f.value("dl:epoch")};
  if (t == "Adaptation") {
    std::vector<std::string> lines{"adaptation (epoch " + f.value("dl:epoch") + ")"};
    if (auto a = f.get("dl:action")) lines.push_back(*a == "set" ? "set a hyperparameter" : *a == "stop" ? "stop the run" : "set the epochs");
    for (auto& l : wrap("why: " + f.value("dl:reason"), 34, 3)) lines.push_back(l);
    return lines;
  }
  if (t == "Checkpoint")
    return {best ? "best checkpoint" : "checkpoint", "epoch " + f.value("dl:epoch")};
  if (t == "Dataset") {
    std::vector<std::string> lines{f.value("dl:name")};
    if (auto n = f.get("dl:numExamples")) lines.push_back(short_number(*n) + " examples");
    return lines;
  }
  if (t == "HyperparameterSetting") {
    std::vector<std::string> lines{f.value("dl:name") + " = " + short_number(f.value("prov:value"))};
    if (revised && f.get("dl:epoch")) lines.push_back("from epoch " + f.value("dl:epoch"));
    return lines;
  }
  if (t == "Optimizer") return {f.value("dl:optimizerType") + " optimizer"};
  if (t == "Model") {
    std::vector<std::string> lines{"model"};
    if (auto n = f.get("dl:numParameters")) lines.push_back(short_number(*n) + " parameters");
    return lines;
  }
  if (t == "AdaptationRequest") {
    std::string what = f.value("dl:action");
    if (auto n = f.get("dl:name")) what += " " + *n;
    if (auto v = f.get("prov:value")) what += " = " + short_number(*v);
    std::vector<std::string> lines{"request: " + what};
    if (auto s = f.get("dl:status")) lines.push_back(*s);
    return lines;
  }
  if (t == "AnalysisQuery") return {"analysis query"};
  if (t == "Person") return {f.value("dl:name").empty() ? or_label(local_name(iri)) : f.value("dl:name")};
  if (t == "SteeringRule") return {"steering rule", f.value("dl:name").empty() ? local_name(iri) : f.value("dl:name")};
  if (t == "Scheduler") return {f.value("dl:name").empty() ? local_name(iri) : f.value("dl:name"), "scheduler"};
  if (t == "Trainer") {
    std::string program = f.value("dl:program");
    if (auto v = f.get("dl:version")) program += " " + *v;
    return {program.empty() ? "trainer" : program, "trainer"};
  }
  if (t == "Machine") {
    std::vector<std::string> lines{f.value("dl:hostname").empty() ? local_name(iri) : f.value("dl:hostname")};
    if (auto g = f.get("dl:gpu")) lines.push_back(*g);
    return lines;
  }
  if (t == "MetricValue")
    return {f.value("dl:split") + " " + f.value("dl:name") + " = " + short_number(f.value("prov:value"))};
  return {or_label(local_name(iri))};
}

// Range groups over the non-key epochs a..b (a < b): nested so that no
// group has more than fan_out members.
void make_ranges(int a, int b, const std::string& parent, int fan_out, std::map<int, std::string>& group_of_epoch,
                 std::vector<Node>& groups) {
  const std::string id = "group:epochs:" + std::to_string(a) + "-" + std::to_string(b);
  Node g;
  g.id = id;
  g.kind = Kind::activity;
  g.type = "Group";
  g.group = parent;
  g.members = b - a + 1;
  g.label = {"epochs " + std::to_string(a) + "–" + std::to_string(b), std::to_string(b - a + 1) + " epochs"};
  groups.push_back(g);
  const int n = b - a + 1;
  long long size = 1;
  while ((n + size - 1) / size > fan_out) size *= fan_out;
  for (long long first = a; first <= b; first += size) {
    const int last = int(std::min<long long>(b, first + size - 1));
    if (first == last || size == 1) {
      for (long long e = first; e <= last; ++e) group_of_epoch[int(e)] = id;
    } else {
      make_ranges(int(first), last, id, fan_out, group_of_epoch, groups);
    }
  }
}

}  // namespace

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::entity: return "entity";
    case Kind::activity: return "activity";
    case Kind::agent: return "agent";
  }
  return "entity";
}

std::optional<Graph> read(const std::string& run_id, const QueryFunction& query, Limits limits) {
  Graph graph;
  graph.run_id = run_id;
  const std::string find = prefixes +
                           "SELECT ?run ?bundle WHERE {\n  ?run a dl:TrainingRun ; dl:runId " + sparql_string(run_id) +
                           " .\n  ?bundle dl:describesRun ?run .\n}";
  const auto found = query(find);
  if (found.rows.empty() || !found.rows[0][0] || !found.rows[0][1]) return std::nullopt;
  graph.run = found.rows[0][0]->value;
  const std::string bundle = iri_ref(found.rows[0][1]->value);
  graph.queries.push_back(find);

  std::string classes, properties, relations;
  for (const auto& c : drawn_classes) classes += std::string(" ") + c.iri_local;
  for (const char* p : attribute_properties) properties += std::string(" ") + p;
  for (const char* r : drawn_relations) relations += std::string(" prov:") + r;

  const std::string nodes_query = prefixes + "SELECT ?node ?class ?property ?value WHERE {\n  VALUES ?class {" + classes +
                                  " }\n  GRAPH " + bundle +
                                  " {\n    ?node a ?class .\n    OPTIONAL { VALUES ?property {" + properties +
                                  " } ?node ?property ?value }\n  }\n}";
  const std::string metrics_query = prefixes +
                                    "SELECT ?node ?evaluation ?name ?split ?value WHERE {\n  GRAPH " + bundle +
                                    " {\n    ?evaluation a dl:Evaluation .\n    ?node prov:wasGeneratedBy ?evaluation ; "
                                    "a dl:MetricValue ;\n      dl:name ?name ; dl:split ?split ; prov:value ?value .\n  }\n}";
  const std::string edges_query = prefixes + "SELECT ?from ?relation ?to WHERE {\n  VALUES ?relation {" + relations +
                                  " }\n  GRAPH " + bundle + " { ?from ?relation ?to }\n}";
  graph.queries.push_back(nodes_query);
  graph.queries.push_back(metrics_query);
  graph.queries.push_back(edges_query);

  // Facts per node: its naming class and the attributes read.
  std::map<std::string, Facts> facts;
  std::vector<std::string> order;  // first-seen order, for stable output
  auto prefixed = [](const std::string& iri) {
    if (iri.starts_with(dl)) return "dl:" + iri.substr(dl.size());
    if (iri.starts_with(prov)) return "prov:" + iri.substr(prov.size());
    if (iri.starts_with(rdfs)) return "rdfs:" + iri.substr(rdfs.size());
    return iri;
  };
  const auto node_rows = query(nodes_query);
  for (const auto& row : node_rows.rows) {
    const std::string node = cell(row, 0), cls = prefixed(cell(row, 1));
    if (node.empty()) continue;
    auto [it, fresh] = facts.try_emplace(node);
    if (fresh) order.push_back(node);
    Facts& f = it->second;
    for (int i = 0; i < int(std::size(drawn_classes)); ++i) {
      if (cls == drawn_classes[i].iri_local && i < f.rank) {
        f.rank = i;
        f.type = drawn_classes[i].type;
        f.kind = drawn_classes[i].kind;
      }
    }
    if (row.size() > 3 && row[2] && row[3]) f.attributes.emplace(prefixed(row[2]->value), row[3]->value);
  }
  for (const auto& row : query(metrics_query).rows) {
    const std::string node = cell(row, 0);
    if (node.empty() || facts.count(node)) continue;
    order.push_back(node);
    Facts& f = facts[node];
    f.type = "MetricValue";
    f.kind = Kind::entity;
    f.attributes["dl:name"] = cell(row, 2);
    f.attributes["dl:split"] = cell(row, 3);
    f.attributes["prov:value"] = cell(row, 4);
  }
  // The run in the bundle is the one asked for; other runs' resources are
  // not in this bundle.
  std::string best;
  if (auto it = facts.find(graph.run); it != facts.end()) best = it->second.value("dl:bestCheckpoint");

  // Edges between drawn nodes.
  std::vector<Edge> edges;
  for (const auto& row : query(edges_query).rows) {
    const std::string from = cell(row, 0), to = cell(row, 2);
    if (!facts.count(from) || !facts.count(to) || from == to) continue;
    edges.push_back({from, local_name(cell(row, 1)), to});
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  auto has = [&](const std::string& from, const std::string& relation, const std::string& to) {
    return std::binary_search(edges.begin(), edges.end(), Edge{from, relation, to});
  };
  auto type_of = [&](const std::string& n) { return facts.at(n).type; };
  // Relations another drawn edge implies (see run_graph.h).
  std::set<std::string> epoch_with_previous, checkpoint_with_previous, run_agents, revised;
  for (const auto& e : edges) {
    if (e.relation == "wasInformedBy" && type_of(e.from) == "Epoch" && type_of(e.to) == "Epoch")
      epoch_with_previous.insert(e.from);
    if (e.relation == "wasDerivedFrom" && type_of(e.from) == "Checkpoint" && type_of(e.to) == "Checkpoint")
      checkpoint_with_previous.insert(e.from);
    if (e.relation == "wasAssociatedWith" && e.from == graph.run) run_agents.insert(e.to);
    if (e.relation == "wasRevisionOf") {
      revised.insert(e.to);
    }
  }
  for (const auto& e : edges) {
    const std::string from_type = type_of(e.from), to_type = type_of(e.to);
    if (e.relation == "wasDerivedFrom" && has(e.from, "wasRevisionOf", e.to)) continue;
    if (e.relation == "wasInformedBy" && from_type == "Epoch" && e.to == graph.run && epoch_with_previous.count(e.from))
      continue;
    if (e.relation == "wasDerivedFrom" && from_type == "Checkpoint" && to_type == "Dataset" &&
        checkpoint_with_previous.count(e.from))
      continue;
    if (e.relation == "wasAssociatedWith" && (from_type == "Epoch" || from_type == "Evaluation") &&
        run_agents.count(e.to))
      continue;
    graph.edges.push_back(e);
  }

  // Key epochs: first, last, the best checkpoint's, an adaptation's and the
  // first to use a revised setting.
  std::map<int, std::string> epochs;  // number -> IRI
  for (const auto& [iri, f] : facts)
    if (f.type == "Epoch") epochs.emplace(to_int(f.value("dl:epochNumber")), iri);
  std::set<int> key;
  if (!epochs.empty()) {
    key.insert(epochs.begin()->first);
    key.insert(epochs.rbegin()->first);
  }
  std::set<std::string> generated_revision;
  for (const auto& e : edges)
    if (e.relation == "wasRevisionOf") generated_revision.insert(e.from);
  for (const auto& [iri, f] : facts) {
    if (f.type == "Adaptation" && f.get("dl:epoch")) key.insert(to_int(f.value("dl:epoch")));
    if (iri == best && f.get("dl:epoch")) key.insert(to_int(f.value("dl:epoch")));
  }
  for (const auto& e : edges) {
    if (e.relation == "used" && type_of(e.from) == "Epoch" && generated_revision.count(e.to))
      key.insert(to_int(facts.at(e.from).value("dl:epochNumber")));
    if (e.relation == "wasGeneratedBy" && e.from == best && type_of(e.to) == "Epoch")
      key.insert(to_int(facts.at(e.to).value("dl:epochNumber")));
  }

  std::map<int, std::string> group_of_epoch;  // epoch number -> innermost range group
  std::vector<Node> groups;
  if (int(epochs.size()) > limits.plain_epochs) {
    std::optional<int> start;
    int previous = 0;
    auto close_range = [&](int last) {
      if (start && last > *start) make_ranges(*start, last, "", limits.fan_out, group_of_epoch, groups);
      start.reset();
    };
    for (const auto& [number, iri] : epochs) {
      if (key.count(number) || (start && number != previous + 1)) close_range(previous);
      if (!key.count(number) && !start) start = number;
      previous = number;
    }
    close_range(previous);
  }
  // Non-best checkpoints of a folded epoch fold into a twin of its range
  // group ("group:checkpoints:a-b"), nested like the epochs' ranges.
  std::map<std::string, std::string> epoch_group_parent;
  for (const auto& g : groups) epoch_group_parent[g.id] = g.group;
  auto twin = [](const std::string& epoch_group) {
    return epoch_group.empty() ? std::string() : "group:checkpoints:" + epoch_group.substr(std::string("group:epochs:").size());
  };
  std::map<std::string, int> checkpoint_group_members;
  std::map<std::string, std::string> node_group;
  for (const auto& [iri, f] : facts) {
    if (f.type == "Epoch") {
      auto it = group_of_epoch.find(to_int(f.value("dl:epochNumber")));
      if (it != group_of_epoch.end()) node_group[iri] = it->second;
    } else if (f.type == "Checkpoint" && iri != best) {
      auto it = group_of_epoch.find(to_int(f.value("dl:epoch")));
      if (it != group_of_epoch.end()) {
        node_group[iri] = twin(it->second);
        for (std::string g = it->second; !g.empty(); g = epoch_group_parent[g]) ++checkpoint_group_members[twin(g)];
      }
    } else if (f.type == "HyperparameterSetting" && !revised.count(iri) && !generated_revision.count(iri)) {
      node_group[iri] = "group:hyperparameters";
    }
  }
  std::vector<Node> checkpoint_groups;
  for (const auto& g : groups) {
    const std::string id = twin(g.id);
    auto members = checkpoint_group_members.find(id);
    if (members == checkpoint_group_members.end()) continue;
    Node c;
    c.id = id;
    c.kind = Kind::entity;
    c.type = "Group";
    c.group = twin(g.group);
    c.members = members->second;
    c.label = {std::to_string(members->second) + " checkpoint" + (members->second == 1 ? "" : "s"), g.label[0]};
    checkpoint_groups.push_back(c);
  }

  // Nodes: the run first, then by kind and first appearance.
  std::stable_sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    return facts[a].rank < facts[b].rank;
  });
  std::vector<std::string> hyperparameter_lines;
  for (const auto& iri : order) {
    const Facts& f = facts[iri];
    Node n;
    n.id = iri;
    n.kind = f.kind;
    n.type = f.type;
    n.best = iri == best;
    n.label = label_of(iri, f, n.best, generated_revision.count(iri) > 0);
    if (f.type == "Epoch") n.epoch = to_int(f.value("dl:epochNumber"));
    else if (f.get("dl:epoch")) n.epoch = to_int(f.value("dl:epoch"));
    if (auto g = node_group.find(iri); g != node_group.end()) n.group = g->second;
    if (n.group == "group:hyperparameters") hyperparameter_lines.push_back(n.label[0]);
    graph.nodes.push_back(std::move(n));
  }
  if (!hyperparameter_lines.empty()) {
    std::sort(hyperparameter_lines.begin(), hyperparameter_lines.end());
    Node h;
    h.id = "group:hyperparameters";
    h.kind = Kind::entity;
    h.type = "Group";
    h.members = int(hyperparameter_lines.size());
    h.label = {std::to_string(hyperparameter_lines.size()) + " hyperparameter settings"};
    constexpr std::size_t shown_lines = 8;
    for (std::size_t i = 0; i < hyperparameter_lines.size() && i < shown_lines; ++i)
      h.label.push_back(hyperparameter_lines[i]);
    if (hyperparameter_lines.size() > shown_lines)
      h.label.push_back("… " + std::to_string(hyperparameter_lines.size() - shown_lines) + " more");
    graph.nodes.push_back(std::move(h));
  }
  for (auto& g : groups) graph.nodes.push_back(std::move(g));
  for (auto& g : checkpoint_groups) graph.nodes.push_back(std::move(g));
  return graph;
}

Graph shown(const Graph& graph, const std::set<std::string>& expanded) {
  const bool all = expanded.count("all") > 0;
  std::unordered_map<std::string, const Node*> by_id;
  for (const auto& n : graph.nodes) by_id[n.id] = &n;
  // A node is shown as its outermost closed group, or itself.
  auto shown_as = [&](const std::string& id) {
    std::string shown = id;
    if (all) return shown;
    for (auto it = by_id.find(id); it != by_id.end() && !it->second->group.empty();
         it = by_id.find(it->second->group)) {
      if (!expanded.count(it->second->group)) shown = it->second->group;
    }
    return shown;
  };
  Graph out;
  out.run = graph.run;
  out.run_id = graph.run_id;
  out.queries = graph.queries;
  std::set<std::string> visible;
  for (const auto& n : graph.nodes) {
    if (n.type == "Group") continue;
    visible.insert(shown_as(n.id));
  }
  for (const auto& n : graph.nodes)
    if (visible.count(n.id)) out.nodes.push_back(n);
  std::set<Edge> edges;
  for (const auto& e : graph.edges) {
    Edge m{shown_as(e.from), e.relation, shown_as(e.to)};
    if (m.from != m.to) edges.insert(m);
  }
  out.edges.assign(edges.begin(), edges.end());
  return out;
}

namespace {
std::string dot_quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  return out + "\"";
}
}  // namespace

std::string to_dot(const Graph& g) {
  std::string out = "// provenance of training run " + g.run_id + " (" + g.run + ")\n";
  out += "digraph " + dot_quote("run " + g.run_id) + " {\n";
  out += "  rankdir=BT; nodesep=0.25; ranksep=0.4;\n";
  out += "  node [fontname=\"DejaVu Sans\", fontsize=10, style=filled, penwidth=1];\n";
  out += "  edge [fontname=\"DejaVu Sans\", fontsize=8, color=\"#475569\", fontcolor=\"#334155\"];\n";
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) index[g.nodes[i].id] = i;
  for (std::size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    std::string label;
    for (std::size_t k = 0; k < n.label.size(); ++k) {
      if (k) label += "\n";
      label += n.label[k];
    }
    std::string style;
    switch (n.kind) {
      case Kind::entity: style = "shape=ellipse, fillcolor=\"#FFFC87\", color=\"#808080\""; break;
      case Kind::activity: style = "shape=box, fillcolor=\"#9FB1FC\", color=\"#0000FF\""; break;
      case Kind::agent: style = "shape=house, fillcolor=\"#FED37F\", color=\"#808080\""; break;
    }
    if (n.type == "Group") style += ", peripheries=2, style=\"filled,dashed\"";
    if (n.best) style += ", penwidth=3, color=\"#15803d\"";
    out += "  n" + std::to_string(i) + " [label=" + dot_quote(label) + ", " + style + ", tooltip=" + dot_quote(n.id) +
           (n.id.starts_with("group:") ? "" : ", URL=" + dot_quote(n.id)) + ", id=" + dot_quote("node-" + std::to_string(i)) +
           "];\n";
  }
  for (const auto& e : g.edges) {
    auto from = index.find(e.from), to = index.find(e.to);
    if (from == index.end() || to == index.end()) continue;
    out += "  n" + std::to_string(from->second) + " -> n" + std::to_string(to->second) +
           " [label=" + dot_quote(e.relation) + "];\n";
  }
  out += "}\n";
  return out;
}

std::string to_json(const Graph& g) {
  using triplestore::results::Json;
  Json nodes = Json::array();
  for (const Node& n : g.nodes) {
    Json node = {{"id", n.id}, {"kind", kind_name(n.kind)}, {"type", n.type}, {"label", n.label}};
    if (!n.group.empty()) node["group"] = n.group;
    if (n.best) node["best"] = true;
    if (n.epoch) node["epoch"] = n.epoch;
    if (n.members) node["members"] = n.members;
    nodes.push_back(std::move(node));
  }
  Json edges = Json::array();
  for (const Edge& e : g.edges) edges.push_back({{"from", e.from}, {"relation", e.relation}, {"to", e.to}});
  const Json out = {{"run", g.run}, {"runId", g.run_id}, {"nodes", std::move(nodes)}, {"edges", std::move(edges)}, {"queries", g.queries}};
  // Bytes that are not UTF-8 (a label cut from a literal) become U+FFFD rather than an error.
  return out.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace torchprov::endpoint::run_graph
