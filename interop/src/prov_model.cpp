#include "prov_model.h"

#include <algorithm>
#include <array>
#include <set>
#include <unordered_map>

namespace torchprov::interop::prov_dm {
namespace {

struct KindInfo {
  Kind kind;
  std::string_view name;       // PROV-JSON / PROV-N
  std::string_view klass;      // PROV-O class of the element or qualified node
  std::string_view direct;     // PROV-O property from the first formal attribute to the second
  std::string_view qualified;  // PROV-O property from the first formal attribute to the node
  std::vector<std::string_view> formal;
  std::vector<std::string_view> node_properties;  // for formal[1...] on the qualified node
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> table = {
      {Kind::entity, "entity", "Entity", "", "", {}, {}},
      {Kind::activity, "activity", "Activity", "", "", {"startTime", "endTime"}, {}},
      {Kind::agent, "agent", "Agent", "", "", {}, {}},
      {Kind::generation, "wasGeneratedBy", "Generation", "wasGeneratedBy", "qualifiedGeneration",
       {"entity", "activity", "time"}, {"activity", "atTime"}},
      {Kind::usage, "used", "Usage", "used", "qualifiedUsage", {"activity", "entity", "time"}, {"entity", "atTime"}},
      {Kind::communication, "wasInformedBy", "Communication", "wasInformedBy", "qualifiedCommunication",
       {"informed", "informant"}, {"activity"}},
      {Kind::start, "wasStartedBy", "Start", "wasStartedBy", "qualifiedStart", {"activity", "trigger", "starter", "time"},
       {"entity", "hadActivity", "atTime"}},
      {Kind::end, "wasEndedBy", "End", "wasEndedBy", "qualifiedEnd", {"activity", "trigger", "ender", "time"},
       {"entity", "hadActivity", "atTime"}},
      {Kind::invalidation, "wasInvalidatedBy", "Invalidation", "wasInvalidatedBy", "qualifiedInvalidation",
       {"entity", "activity", "time"}, {"activity", "atTime"}},
      {Kind::derivation, "wasDerivedFrom", "Derivation", "wasDerivedFrom", "qualifiedDerivation",
       {"generatedEntity", "usedEntity", "activity", "generation", "usage"},
       {"entity", "hadActivity", "hadGeneration", "hadUsage"}},
      {Kind::attribution, "wasAttributedTo", "Attribution", "wasAttributedTo", "qualifiedAttribution",
       {"entity", "agent"}, {"agent"}},
      {Kind::association, "wasAssociatedWith", "Association", "wasAssociatedWith", "qualifiedAssociation",
       {"activity", "agent", "plan"}, {"agent", "hadPlan"}},
      {Kind::delegation, "actedOnBehalfOf", "Delegation", "actedOnBehalfOf", "qualifiedDelegation",
       {"delegate", "responsible", "activity"}, {"agent", "hadActivity"}},
      {Kind::influence, "wasInfluencedBy", "Influence", "wasInfluencedBy", "qualifiedInfluence",
       {"influencee", "influencer"}, {"influencer"}},
      {Kind::alternate, "alternateOf", "", "alternateOf", "", {"alternate1", "alternate2"}, {}},
      {Kind::specialization, "specializationOf", "", "specializationOf", "", {"specificEntity", "generalEntity"}, {}},
      {Kind::mention, "mentionOf", "", "mentionOf", "", {"specificEntity", "generalEntity", "bundle"}, {}},
      {Kind::membership, "hadMember", "", "hadMember", "", {"collection", "entity"}, {}},
  };
  return table;
}

const KindInfo& info(Kind kind) { return kinds()[std::size_t(kind)]; }

// Derivations PROV-O names by their type.
struct DerivationType {
  std::string_view klass, direct, qualified;
};
constexpr std::array<DerivationType, 3> derivation_types = {{{"Revision", "wasRevisionOf", "qualifiedRevision"},
                                                            {"Quotation", "wasQuotedFrom", "qualifiedQuotation"},
                                                            {"PrimarySource", "hadPrimarySource", "qualifiedPrimarySource"}}};

std::string prov(std::string_view local) { return std::string(prov_ns) + std::string(local); }

std::string key_of(const Term& t) {
  return std::string(1, char('0' + int(t.kind))) + t.value + '\x1f' + t.datatype + '\x1f' + t.language;
}

std::optional<Kind> element_class(std::string_view iri) {
  if (!iri.starts_with(prov_ns)) return std::nullopt;
  const std::string_view local = iri.substr(prov_ns.size());
  if (local == "Entity" || local == "Bundle" || local == "Collection" || local == "EmptyCollection" || local == "Plan")
    return Kind::entity;
  if (local == "Activity") return Kind::activity;
  if (local == "Agent" || local == "Person" || local == "SoftwareAgent" || local == "Organization") return Kind::agent;
  return std::nullopt;
}
bool is_base_class(std::string_view iri) {
  return iri == prov("Entity") || iri == prov("Activity") || iri == prov("Agent");
}

// The relation kind of a qualified node's class (Revision & co. are derivations).
std::optional<Kind> relation_class(std::string_view iri) {
  if (!iri.starts_with(prov_ns)) return std::nullopt;
  const std::string_view local = iri.substr(prov_ns.size());
  for (const auto& k : kinds())
    if (!is_element(k.kind) && !k.klass.empty() && local == k.klass) return k.kind;
  for (const auto& d : derivation_types)
    if (local == d.klass) return Kind::derivation;
  return std::nullopt;
}

}  // namespace

std::string_view kind_name(Kind kind) { return info(kind).name; }
std::optional<Kind> kind_from_name(std::string_view name) {
  for (const auto& k : kinds())
    if (k.name == name) return k.kind;
  return std::nullopt;
}
bool is_element(Kind kind) { return kind == Kind::entity || kind == Kind::activity || kind == Kind::agent; }
std::span<const std::string_view> formal_attributes(Kind kind) { return info(kind).formal; }
bool is_time_attribute(std::string_view name) { return name == "time" || name == "startTime" || name == "endTime"; }

// ------------------------------------------------------------ PROV-O -> records

namespace {

class GraphReader {
 public:
  explicit GraphReader(std::vector<const Statement*> statements) : statements_(std::move(statements)) {}

  Container read() {
    index();
    qualified_nodes();
    elements();
    direct_relations();
    shortcut_times();
    Container out;
    for (auto& r : elements_) out.records.push_back(std::move(r));
    for (auto& r : relations_) out.records.push_back(std::move(r));
    return out;
  }

 private:
  void index() {
    for (std::size_t i = 0; i < statements_.size(); ++i) {
      const Statement& s = *statements_[i];
      const std::string k = key_of(s.subject);
      auto [it, added] = by_subject_.try_emplace(k);
      if (added) subjects_.push_back(&s.subject);
      it->second.push_back(i);
      if (s.predicate.value == rdf_type && s.object.kind == TermKind::iri) {
        if (auto r = relation_class(s.object.value); r && !node_kind_.count(k)) node_kind_[k] = *r;
      }
      if (s.predicate.value.starts_with(prov("qualified"))) {
        const std::string local = s.predicate.value.substr(prov_ns.size());
        for (const auto& kind : kinds())
          if (kind.qualified == local) node_kind_[key_of(s.object)] = kind.kind;
        for (const auto& d : derivation_types)
          if (d.qualified == local) node_kind_[key_of(s.object)] = Kind::derivation;
        qualifier_of_[key_of(s.object)] = &s.subject;
      }
    }
  }

  void qualified_nodes() {
    for (const Term* subject : subjects_) {
      const std::string k = key_of(*subject);
      auto found = node_kind_.find(k);
      if (found == node_kind_.end()) continue;
      const KindInfo& ki = info(found->second);
      Record r;
      r.kind = ki.kind;
      if (subject->kind == TermKind::iri) r.id = *subject;
      if (auto q = qualifier_of_.find(k); q != qualifier_of_.end()) r.formal[std::string(ki.formal[0])] = *q->second;
      for (std::size_t i : by_subject_[k]) {
        const Statement& s = *statements_[i];
        const std::string& p = s.predicate.value;
        if (p == rdf_type) {
          if (s.object.value == prov(ki.klass)) continue;
          r.attributes.emplace_back(prov("type"), s.object);
          continue;
        }
        bool formal = false;
        for (std::size_t f = 0; f < ki.node_properties.size(); ++f) {
          if (p == prov(ki.node_properties[f]) && !r.formal.count(std::string(ki.formal[f + 1]))) {
            r.formal[std::string(ki.formal[f + 1])] = s.object;
            formal = true;
            break;
          }
        }
        if (formal) continue;
        r.attributes.emplace_back(attribute_name(p), s.object);
      }
      // The direct triple it qualifies says nothing more.
      if (r.formal.count(std::string(ki.formal[0])) && ki.formal.size() > 1 && r.formal.count(std::string(ki.formal[1]))) {
        const std::string pair = key_of(r.formal[std::string(ki.formal[0])]) + '\x1e' + key_of(r.formal[std::string(ki.formal[1])]);
        covered_.insert(std::string(ki.direct) + '\x1e' + pair);
        if (ki.kind == Kind::derivation)
          for (const auto& d : derivation_types) covered_.insert(std::string(d.direct) + '\x1e' + pair);
      }
      qualified_keys_.insert(k);
      relations_.push_back(std::move(r));
    }
  }

  static std::string attribute_name(const std::string& predicate) {
    if (predicate == rdfs_label) return prov("label");
    if (predicate == prov("atLocation")) return prov("location");
    if (predicate == prov("hadRole")) return prov("role");
    return predicate;
  }

  static bool is_relation_property(const std::string& p) {
    if (!p.starts_with(prov_ns)) return false;
    const std::string_view local = std::string_view(p).substr(prov_ns.size());
    for (const auto& k : kinds())
      if (!k.direct.empty() && local == k.direct) return true;
    for (const auto& d : derivation_types)
      if (local == d.direct) return true;
    return local.starts_with("qualified") || local == "asInBundle";
  }

  void elements() {
    for (const Term* subject : subjects_) {
      const std::string k = key_of(*subject);
      if (qualified_keys_.count(k)) continue;
      std::optional<Kind> kind;
      std::string base;
      for (std::size_t i : by_subject_[k]) {
        const Statement& s = *statements_[i];
        if (s.predicate.value != rdf_type || s.object.kind != TermKind::iri) continue;
        auto c = element_class(s.object.value);
        if (!c) continue;
        if (is_base_class(s.object.value)) {
          kind = c;
          base = s.object.value;
          break;
        }
        if (!kind) kind = c;
      }
      Record r;
      r.kind = kind.value_or(Kind::entity);
      r.id = *subject;
      bool has_attributes = false;
      for (std::size_t i : by_subject_[k]) {
        const Statement& s = *statements_[i];
        const std::string& p = s.predicate.value;
        if (is_relation_property(p)) continue;
        if (p == rdf_type) {
          if (s.object.value == base) continue;
          r.attributes.emplace_back(prov("type"), s.object);
        } else if (r.kind == Kind::activity && (p == prov("startedAtTime") || p == prov("endedAtTime")) &&
                   !r.formal.count(p == prov("startedAtTime") ? "startTime" : "endTime")) {
          r.formal[p == prov("startedAtTime") ? "startTime" : "endTime"] = s.object;
        } else if (p == prov("generatedAtTime") || p == prov("invalidatedAtTime")) {
          shortcut_times_.push_back(&s);
          continue;
        } else {
          r.attributes.emplace_back(attribute_name(p), s.object);
        }
        has_attributes = true;
      }
      // A node that is only the subject of relations needs no element of its
      // own, unless PROV-O typed it.
      if (kind || has_attributes) {
        element_index_[k] = elements_.size();
        elements_.push_back(std::move(r));
      }
    }
  }

  void direct_relations() {
    // Derivations of one pair, typed or not, are one record.
    std::map<std::string, std::size_t> derivations;
    for (const Statement* sp : statements_) {
      const Statement& s = *sp;
      const std::string& p = s.predicate.value;
      if (!p.starts_with(prov_ns)) continue;
      const std::string_view local = std::string_view(p).substr(prov_ns.size());
      const std::string pair = key_of(s.subject) + '\x1e' + key_of(s.object);
      if (covered_.count(std::string(local) + '\x1e' + pair)) continue;
      std::optional<std::string_view> derivation_type;
      bool derived = local == "wasDerivedFrom";
      for (const auto& d : derivation_types)
        if (local == d.direct) derivation_type = d.klass, derived = true;
      if (derived) {
        auto [it, added] = derivations.try_emplace(pair, relations_.size());
        if (added) {
          Record r;
          r.kind = Kind::derivation;
          r.formal["generatedEntity"] = s.subject;
          r.formal["usedEntity"] = s.object;
          relations_.push_back(std::move(r));
        }
        if (derivation_type) relations_[it->second].attributes.emplace_back(prov("type"), Term::iri(prov(*derivation_type)));
        continue;
      }
      for (const auto& k : kinds()) {
        if (k.direct.empty() || local != k.direct || k.kind == Kind::derivation) continue;
        Record r;
        r.kind = k.kind;
        r.formal[std::string(k.formal[0])] = s.subject;
        r.formal[std::string(k.formal[1])] = s.object;
        if (k.kind == Kind::mention) {
          for (std::size_t i : by_subject_[key_of(s.subject)])
            if (statements_[i]->predicate.value == prov("asInBundle")) r.formal["bundle"] = statements_[i]->object;
        }
        relations_.push_back(std::move(r));
      }
    }
  }

  // prov:generatedAtTime is the time of the entity's generation; when the
  // entity has one generation without a time, it is that one's.
  void shortcut_times() {
    for (const Statement* s : shortcut_times_) {
      const bool generated = s->predicate.value == prov("generatedAtTime");
      const Kind kind = generated ? Kind::generation : Kind::invalidation;
      Record* only = nullptr;
      int count = 0;
      for (auto& r : relations_) {
        if (r.kind != kind) continue;
        auto e = r.formal.find("entity");
        if (e == r.formal.end() || !(e->second == s->subject)) continue;
        ++count;
        only = &r;
      }
      if (count == 1 && !only->formal.count("time")) {
        only->formal["time"] = s->object;
      } else {
        Record r;
        r.kind = kind;
        r.formal["entity"] = s->subject;
        r.formal["time"] = s->object;
        relations_.push_back(std::move(r));
      }
    }
  }

  std::vector<const Statement*> statements_;
  std::vector<const Term*> subjects_;
  std::unordered_map<std::string, std::vector<std::size_t>> by_subject_;
  std::unordered_map<std::string, Kind> node_kind_;
  std::unordered_map<std::string, const Term*> qualifier_of_;
  std::set<std::string> covered_, qualified_keys_;
  std::unordered_map<std::string, std::size_t> element_index_;
  std::vector<const Statement*> shortcut_times_;
  std::vector<Record> elements_, relations_;
};

}  // namespace

Document from_statements(std::span<const Statement> statements) {
  std::vector<std::string> order;
  std::unordered_map<std::string, std::vector<const Statement*>> by_graph;
  std::set<std::string> seen;  // a graph is a set: a statement given twice is one
  for (const auto& s : statements) {
    if (!seen.insert(s.graph + '\x1d' + key_of(s.subject) + '\x1d' + key_of(s.predicate) + '\x1d' + key_of(s.object)).second)
      continue;
    auto [it, added] = by_graph.try_emplace(s.graph);
    if (added) order.push_back(s.graph);
    it->second.push_back(&s);
  }
  std::sort(order.begin(), order.end(), [](const std::string& a, const std::string& b) {
    return a.empty() != b.empty() ? a.empty() : a < b;
  });
  Document document;
  for (const auto& graph : order) {
    Container c = GraphReader(std::move(by_graph[graph])).read();
    if (graph.empty()) document.top = std::move(c);
    else document.bundles.emplace_back(graph, std::move(c));
  }
  return document;
}

// ------------------------------------------------------------ records -> PROV-O

namespace {

class GraphWriter {
 public:
  GraphWriter(const std::string& graph, std::string_view blank_prefix, std::vector<Statement>& out)
      : graph_(graph), blank_prefix_(blank_prefix), out_(out) {}

  void write(const Record& r) {
    const KindInfo& ki = info(r.kind);
    if (is_element(r.kind)) {
      const Term& id = *r.id;
      add(id, std::string(rdf_type), Term::iri(prov(ki.klass)));
      if (auto t = r.formal.find("startTime"); t != r.formal.end()) add(id, prov("startedAtTime"), t->second);
      if (auto t = r.formal.find("endTime"); t != r.formal.end()) add(id, prov("endedAtTime"), t->second);
      for (const auto& [name, value] : r.attributes) add(id, predicate_of(name), value);
      return;
    }
    const auto first = r.formal.find(std::string(ki.formal[0]));
    const auto second = r.formal.find(std::string(ki.formal[1]));
    std::optional<std::string_view> derivation_type;
    std::vector<std::pair<std::string, Term>> attributes;
    for (const auto& a : r.attributes) {
      if (r.kind == Kind::derivation && a.first == prov("type") && a.second.kind == TermKind::iri) {
        bool typed = false;
        for (const auto& d : derivation_types)
          if (a.second.value == prov(d.klass)) derivation_type = d.klass, typed = true;
        if (typed) continue;
      }
      attributes.push_back(a);
    }
    const DerivationType* dt = nullptr;
    for (const auto& d : derivation_types)
      if (derivation_type && d.klass == *derivation_type) dt = &d;
    if (first != r.formal.end() && second != r.formal.end()) {
      add(first->second, prov(ki.direct), second->second);
      if (dt) add(first->second, prov(dt->direct), second->second);
      if (r.kind == Kind::mention)
        if (auto b = r.formal.find("bundle"); b != r.formal.end()) add(first->second, prov("asInBundle"), b->second);
    }
    if (ki.qualified.empty() || first == r.formal.end()) return;
    std::size_t optional_formals = 0;
    for (std::size_t f = 2; f < ki.formal.size(); ++f) optional_formals += r.formal.count(std::string(ki.formal[f]));
    // A generation (or invalidation) that only adds its time is PROV-O's
    // generatedAtTime (invalidatedAtTime), as the recorder writes it.
    if (!r.id && attributes.empty() && (r.kind == Kind::generation || r.kind == Kind::invalidation) &&
        optional_formals == 1 && r.formal.count("time")) {
      add(first->second, prov(r.kind == Kind::generation ? "generatedAtTime" : "invalidatedAtTime"), r.formal.at("time"));
      return;
    }
    if (!r.id && attributes.empty() && optional_formals == 0 && second != r.formal.end()) return;
    const Term node = r.id ? *r.id : Term::blank(blank_prefix_ + "q" + std::to_string(++blanks_));
    add(first->second, prov(dt ? dt->qualified : ki.qualified), node);
    add(node, std::string(rdf_type), Term::iri(prov(dt ? dt->klass : ki.klass)));
    for (std::size_t f = 1; f < ki.formal.size(); ++f)
      if (auto v = r.formal.find(std::string(ki.formal[f])); v != r.formal.end())
        add(node, prov(ki.node_properties[f - 1]), v->second);
    for (const auto& [name, value] : attributes) add(node, predicate_of(name), value);
  }

 private:
  static std::string predicate_of(const std::string& attribute) {
    if (attribute == prov("type")) return std::string(rdf_type);
    if (attribute == prov("label")) return std::string(rdfs_label);
    if (attribute == prov("location")) return prov("atLocation");
    if (attribute == prov("role")) return prov("hadRole");
    return attribute;
  }
  void add(const Term& s, const std::string& p, const Term& o) { out_.push_back({s, Term::iri(p), o, graph_}); }

  const std::string& graph_;
  std::string blank_prefix_;
  std::vector<Statement>& out_;
  std::size_t blanks_ = 0;
};

}  // namespace

void to_statements(const Container& container, const std::string& graph, std::string_view blank_prefix,
                   std::vector<Statement>& out) {
  GraphWriter writer(graph, blank_prefix, out);
  for (const auto& r : container.records) writer.write(r);
}

}  // namespace torchprov::interop::prov_dm
