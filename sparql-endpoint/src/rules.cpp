#include "rules.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "api_text.h"
#include "term_validity.h"
#include "dataset.h"
#include "results/json_value.h"
#include "sparql/engine.h"
#include "steering.h"

namespace torchprov::endpoint {
namespace {

namespace sparql = triplestore::sparql;
using triplestore::results::Json;
using Clock = std::chrono::steady_clock;

using api::base;
using api::dl;
using api::json_error;
using api::number_text;
using api::prov;
using api::rdf_type;
using api::rdfs_label;
using api::xsd;
using triplestore::results::json_quote;

const std::string prefixes = "PREFIX dl: <" + dl + "> PREFIX prov: <" + prov + ">\n";
constexpr auto rule_timeout = std::chrono::seconds(5);
constexpr std::size_t max_rule_query_bytes = 64 << 10;

using triplestore::valid_iri;

bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (c & 0x80); }

// Visits the positions of `query` outside strings, IRIs and comments, in
// order, until `visit` returns false.
template <class Visit>
void scan_code(const std::string& q, Visit visit) {
  const std::size_t n = q.size();
  std::size_t i = 0;
  while (i < n) {
    const char c = q[i];
    if (c == '#') {
      while (i < n && q[i] != '\n') ++i;
      continue;
    }
    if (c == '"' || c == '\'') {
      if (i + 2 < n && q[i + 1] == c && q[i + 2] == c) {
        i += 3;
        while (i < n && !(q[i] == c && i + 2 < n && q[i + 1] == c && q[i + 2] == c)) i += q[i] == '\\' ? 2 : 1;
        i += 3;
      } else {
        ++i;
        while (i < n && q[i] != c && q[i] != '\n') i += q[i] == '\\' ? 2 : 1;
        ++i;
      }
      continue;
    }
    if (c == '<') {  // an IRI, unless it is the less-than operator
      std::size_t j = i + 1;
      while (j < n && q[j] != '>' && !std::strchr(" \t\r\n<\"{}|^`", q[j])) ++j;
      if (j < n && q[j] == '>') {
        i = j + 1;
        continue;
      }
    }
    if (!visit(i)) return;
    ++i;
  }
}

bool mentions_run(const std::string& query) {
  bool found = false;
  scan_code(query, [&](std::size_t i) {
    if ((query[i] == '?' || query[i] == '$') && query.compare(i + 1, 3, "run") == 0 &&
        (i + 4 >= query.size() || !name_char(query[i + 4])))
      found = true;
    return !found;
  });
  return found;
}

std::string decode_segment(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(char(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

struct Rule {
  std::string name, iri, query_iri, query, action, hyperparameter, reason, owner, created;
  std::string run, experiment_iri;  // the scope: one of them
  std::optional<double> value;
  bool repeatable = false;
  bool active = true;
  // In memory only.
  std::size_t evaluations = 0, fired = 0;
  std::string last_error, last_fired;
  std::map<std::string, long> fired_epoch;  // run -> its last finished epoch when the rule last fired
};

std::string experiment_name(const std::string& iri) {
  const std::string prefix = base + "experiment/";
  return iri.starts_with(prefix) ? decode_segment(iri.substr(prefix.size())) : iri;
}

}  // namespace

std::string bind_run(const std::string& query, const std::string& run_iri) {
  std::size_t open = std::string::npos, close = std::string::npos;
  int depth = 0;
  scan_code(query, [&](std::size_t i) {
    if (query[i] == '{') {
      if (depth++ == 0 && open == std::string::npos) open = i;
    } else if (query[i] == '}') {
      if (--depth == 0 && open != std::string::npos) {
        close = i;
        return false;
      }
    }
    return true;
  });
  if (open == std::string::npos || close == std::string::npos)
    throw std::invalid_argument("the query has no WHERE clause ({ ... })");
  const std::string values = " VALUES ?run { <" + run_iri + "> } ";
  // A group that is a subquery ({ SELECT ... }) takes nothing beside it: wrap it.
  std::size_t k = open + 1;
  while (k < close && std::isspace(static_cast<unsigned char>(query[k]))) ++k;
  std::string word;
  for (std::size_t j = k; j < close && std::isalpha(static_cast<unsigned char>(query[j])); ++j)
    word.push_back(char(std::toupper(static_cast<unsigned char>(query[j]))));
  if (word == "SELECT")
    return query.substr(0, open + 1) + values + "{ " + query.substr(open + 1, close - open - 1) + " }" +
           query.substr(close);
  return query.substr(0, open + 1) + values + query.substr(open + 1);
}

struct Rules::State {
  DataStore& store;
  std::chrono::milliseconds min_interval;
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::map<std::string, Rule> rules;  // by name, removed ones too
  std::map<std::string, Clock::time_point> dirty;      // run -> when to evaluate
  std::map<std::string, Clock::time_point> last_eval;  // run -> last evaluation
  std::atomic<bool> any_rules{false};
  Clock::time_point last_load;
  std::atomic<bool> cancel{false};
  bool stopping = false;
  std::thread worker;

  State(DataStore& s, std::chrono::milliseconds interval) : store(s), min_interval(interval) {}

  sparql::QueryResult query(const std::string& text, std::chrono::milliseconds timeout = rule_timeout,
                            std::size_t max_rows = 0) {
    sparql::QueryOptions options;
    options.timeout = timeout;
    options.max_rows = max_rows;
    options.cancel = &cancel;
    return store.query_terms(text, options);
  }

  void load() {
    const auto result = query(
        prefixes + "SELECT ?rule ?name ?status ?action ?h ?value ?reason ?repeatable ?run ?exp ?q ?text ?owner ?created "
                   "WHERE { GRAPH <" + std::string(rules_graph) + "> { ?rule a dl:SteeringRule ; dl:name ?name ; "
                   "dl:action ?action ; dl:hasCondition ?q . ?q dl:queryText ?text . "
                   "OPTIONAL { ?rule dl:status ?status } OPTIONAL { ?rule dl:hyperparameterName ?h } "
                   "OPTIONAL { ?rule dl:actionValue ?value } OPTIONAL { ?rule dl:reason ?reason } "
                   "OPTIONAL { ?rule dl:repeatable ?repeatable } OPTIONAL { ?rule dl:watchesRun ?run } "
                   "OPTIONAL { ?rule dl:watchesExperiment ?exp } "
                   "OPTIONAL { ?rule prov:actedOnBehalfOf ?o . ?o dl:name ?owner } "
                   "OPTIONAL { ?q prov:generatedAtTime ?created } } }",
        std::chrono::seconds(30));
    auto cell = [](const std::optional<Term>& t) { return t ? t->value : std::string(); };
    std::lock_guard lock(mutex);
    last_load = Clock::now();
    const std::size_t before = rules.size();
    for (const auto& row : result.rows) {
      Rule rule;
      rule.iri = cell(row[0]);
      rule.name = cell(row[1]);
      rule.active = cell(row[2]) != "removed";
      rule.action = cell(row[3]);
      rule.hyperparameter = cell(row[4]);
      if (row[5]) rule.value = std::strtod(row[5]->value.c_str(), nullptr);
      rule.reason = cell(row[6]);
      rule.repeatable = cell(row[7]) == "true" || cell(row[7]) == "1";
      rule.run = cell(row[8]);
      rule.experiment_iri = cell(row[9]);
      rule.query_iri = cell(row[10]);
      rule.query = cell(row[11]);
      rule.owner = cell(row[12]);
      rule.created = cell(row[13]);
      // What this server counted for a rule it knew stays (a reload from a
      // store other servers share must not reset it).
      if (const auto known = rules.find(rule.name); known != rules.end() && known->second.query_iri == rule.query_iri) {
        rule.evaluations = known->second.evaluations;
        rule.fired = known->second.fired;
        rule.last_error = known->second.last_error;
        rule.last_fired = known->second.last_fired;
        rule.fired_epoch = known->second.fired_epoch;
      }
      rules[rule.name] = std::move(rule);
    }
    any_rules = !rules.empty();
    if (rules.size() != before) std::cerr << "torchprov: " << rules.size() << " steering rule(s) loaded\n";
  }

  // Loads the rules and marks the running runs they watch.
  bool load_and_watch() {
    try {
      load();
      std::vector<Rule> active;
      {
        std::lock_guard lock(mutex);
        for (const auto& [name, rule] : rules)
          if (rule.active) active.push_back(rule);
      }
      for (const auto& rule : active) mark_running_runs(rule);
      return true;
    } catch (const std::exception& error) {
      if (!cancel) std::cerr << "torchprov: could not load the steering rules: " << error.what() << "\n";
      return false;
    }
  }

  void load_until_loaded() {
    while (!load_and_watch()) {
      std::unique_lock lock(mutex);
      if (wake.wait_for(lock, std::chrono::seconds(5), [&] { return stopping; })) return;
    }
  }

  // Rules other servers added or removed, when the store is shared.
  void reload_if_stale() {
    if (!store.shared()) return;
    {
      std::lock_guard lock(mutex);
      if (Clock::now() - last_load < std::chrono::seconds(5)) return;
    }
    try {
      load();
    } catch (const std::exception& error) {
      std::cerr << "torchprov: could not reload the steering rules: " << error.what() << "\n";
    }
  }

  // Marks a run for evaluation, no sooner than min_interval after the last.
  void mark(const std::string& run) {
    std::lock_guard lock(mutex);
    if (dirty.count(run)) return;
    auto due = Clock::now();
    if (const auto last = last_eval.find(run); last != last_eval.end()) due = std::max(due, last->second + min_interval);
    dirty[run] = due;
    wake.notify_one();
  }

  void mark_running_runs(const Rule& rule) {
    std::string scope = rule.run.empty() ? "?run dl:partOfExperiment <" + rule.experiment_iri + "> ."
                                         : "FILTER(?run = <" + rule.run + ">)";
    const auto result = query(prefixes + "SELECT DISTINCT ?run WHERE { ?run a dl:TrainingRun . " + scope +
                              " FILTER NOT EXISTS { ?run prov:endedAtTime ?t } }");
    for (const auto& row : result.rows)
      if (row[0]) mark(row[0]->value);
  }

  void run_worker() {
    std::unique_lock lock(mutex);
    while (!stopping) {
      const auto now = Clock::now();
      std::string run;
      auto next = Clock::time_point::max();
      for (const auto& [r, due] : dirty) {
        if (due <= now) {
          run = r;
          break;
        }
        next = std::min(next, due);
      }
      if (run.empty()) {
        if (next == Clock::time_point::max()) wake.wait(lock);
        else wake.wait_until(lock, next);
        continue;
      }
      dirty.erase(run);
      last_eval[run] = now;
      lock.unlock();
      reload_if_stale();
      lock.lock();
      std::vector<Rule> snapshot;
      for (const auto& [name, rule] : rules) snapshot.push_back(rule);
      if (snapshot.empty()) continue;
      lock.unlock();
      try {
        evaluate(run, snapshot);
      } catch (const std::exception& error) {
        if (!cancel) std::cerr << "torchprov: steering rules for <" << run << ">: " << error.what() << "\n";
      }
      lock.lock();
    }
  }

  // Adaptations that carried out a rule's request: the trainer associates
  // them with the rule; the server adds the qualified association whose plan
  // is the rule's query, which only the server knows.
  void associate_adaptations(const std::string& run) {
    const auto result = query(prefixes + "SELECT DISTINCT ?a ?rule ?plan WHERE { ?a a dl:Adaptation ; dl:partOfRun <" +
                              run + "> ; prov:used ?request . ?request prov:wasAttributedTo ?rule . "
                              "?rule a dl:SteeringRule . OPTIONAL { ?request prov:wasDerivedFrom ?plan . "
                              "?plan a dl:AnalysisQuery } FILTER NOT EXISTS { ?a prov:qualifiedAssociation ?q . ?q prov:agent ?rule } }");
    if (result.rows.empty()) return;
    std::vector<Statement> s;
    auto add = [&](const std::string& subject, const std::string& predicate, Term object) {
      s.push_back({Term::iri(subject), Term::iri(predicate), std::move(object), {}});
    };
    for (const auto& row : result.rows) {
      if (!row[0] || !row[1]) continue;
      const std::string& adaptation = row[0]->value;
      const std::string& rule = row[1]->value;
      const std::string association = adaptation + "/association/" + api::iri_segment(rule.substr(rule.rfind('/') + 1));
      add(adaptation, prov + "wasAssociatedWith", Term::iri(rule));
      add(adaptation, prov + "qualifiedAssociation", Term::iri(association));
      add(association, rdf_type, Term::iri(prov + "Association"));
      add(association, prov + "agent", Term::iri(rule));
      if (row[2]) add(association, prov + "hadPlan", Term::iri(row[2]->value));
    }
    store.insert(s, run + "/bundle");
  }

  void evaluate(const std::string& run, const std::vector<Rule>& snapshot) {
    associate_adaptations(run);
    const std::string ref = "<" + run + ">";
    const auto facts = query(prefixes + "SELECT ?ended ?exp (MAX(?n) AS ?last) WHERE { " + ref +
                             " a dl:TrainingRun . OPTIONAL { " + ref + " prov:endedAtTime ?ended } "
                             "OPTIONAL { " + ref + " dl:partOfExperiment ?exp } "
                             "OPTIONAL { ?e dl:partOfRun " + ref + " ; dl:epochNumber ?n ; prov:endedAtTime ?t } } "
                             "GROUP BY ?ended ?exp");
    if (facts.rows.empty() || facts.rows[0][0] || !facts.rows[0][2]) return;  // unknown, ended, or no epoch yet
    const std::string experiment = facts.rows[0][1] ? facts.rows[0][1]->value : "";
    const long last_epoch = std::atol(facts.rows[0][2]->value.c_str());
    for (const Rule& rule : snapshot) {
      if (!rule.active || (rule.run != run && (rule.experiment_iri.empty() || rule.experiment_iri != experiment)))
        continue;
      if (const auto f = rule.fired_epoch.find(run); f != rule.fired_epoch.end() && f->second >= last_epoch) continue;
      // Not again while a request of this rule is pending (or, for a
      // once-only rule, was ever pending or applied) for this run.
      const auto earlier = query(prefixes + "ASK { ?r a dl:AdaptationRequest ; prov:wasAttributedTo <" + rule.iri +
                                 "> ; dl:requestedFor " + ref + " . " +
                                 (rule.repeatable ? "FILTER NOT EXISTS { ?r dl:status ?s } }"
                                                  : "FILTER NOT EXISTS { ?r dl:status \"rejected\" } }"));
      if (earlier.boolean) continue;
      std::string error, fired_iri;
      try {
        const auto result = query(bind_run(rule.query, run), rule_timeout, 10000);
        const bool fires = result.form == sparql::QueryForm::ask ? result.boolean : !result.rows.empty();
        if (fires) {
          AdaptationSpec spec;
          spec.run = run;
          spec.action = rule.action;
          spec.hyperparameter = rule.hyperparameter;
          spec.value = rule.value;
          spec.reason = rule.reason.empty() ? "steering rule " + rule.name + " fired" : rule.reason;
          spec.rule_iri = rule.iri;
          spec.rule_name = rule.name;
          spec.rule_query_iri = rule.query_iri;
          spec.rule_query_text = rule.query;
          if (result.form == sparql::QueryForm::select) {
            const auto& vars = result.variables;
            const auto column = [&](const char* name) -> std::optional<Term> {
              const auto it = std::find(vars.begin(), vars.end(), name);
              return it == vars.end() ? std::nullopt : result.rows[0][it - vars.begin()];
            };
            if (const auto why = column("reason")) spec.reason += " (" + why->value + ")";
            if (!spec.value && rule.action != "stop") {
              const auto v = column("value");
              char* end = nullptr;
              const double number = v ? std::strtod(v->value.c_str(), &end) : 0;
              if (!v || end == v->value.c_str() || *end) throw std::runtime_error("the query's first row has no numeric ?value");
              spec.value = number;
            }
          }
          const auto outcome = create_adaptation_request(store, spec);
          if (outcome.status != http::status::accepted) throw std::runtime_error(outcome.error);
          fired_iri = outcome.request_iri;
          std::cerr << "torchprov: steering rule " << rule.name << " fired for <" << run << "> after epoch "
                    << last_epoch << ": " << rule.action << (rule.hyperparameter.empty() ? "" : " " + rule.hyperparameter)
                    << (spec.value ? " = " + number_text(*spec.value) : "") << "\n";
        }
      } catch (const sparql::QueryTimeout&) {
        error = "the condition timed out after " + std::to_string(rule_timeout.count()) + " s";
      } catch (const std::exception& e) {
        error = e.what();
      }
      std::lock_guard lock(mutex);
      const auto it = rules.find(rule.name);
      if (it == rules.end() || it->second.query_iri != rule.query_iri) continue;
      Rule& live = it->second;
      ++live.evaluations;
      if (!error.empty()) {
        live.last_error = error;
        live.fired_epoch[run] = last_epoch;  // not again before the next epoch
        std::cerr << "torchprov: steering rule " << rule.name << " on <" << run << ">: " << error << "\n";
      }
      if (!fired_iri.empty()) {
        ++live.fired;
        live.last_fired = fired_iri;
        live.fired_epoch[run] = last_epoch;
      }
    }
  }

  std::string rule_json(const Rule& rule) const {
    std::string scope = rule.run.empty() ? "{\"experiment\":" + json_quote(experiment_name(rule.experiment_iri)) + "}"
                                         : "{\"run\":" + json_quote(rule.run) + "}";
    return "{\"name\":" + json_quote(rule.name) + ",\"rule\":" + json_quote(rule.iri) +
           ",\"query_entity\":" + json_quote(rule.query_iri) + ",\"scope\":" + scope +
           ",\"action\":" + json_quote(rule.action) +
           ",\"hyperparameter\":" + (rule.hyperparameter.empty() ? "null" : json_quote(rule.hyperparameter)) +
           ",\"value\":" + (rule.value ? number_text(*rule.value) : "null") + ",\"reason\":" + json_quote(rule.reason) +
           ",\"once\":" + (rule.repeatable ? "false" : "true") +
           ",\"status\":" + json_quote(rule.active ? "active" : "removed") + ",\"owner\":" + json_quote(rule.owner) +
           ",\"created\":" + json_quote(rule.created) + ",\"evaluations\":" + std::to_string(rule.evaluations) +
           ",\"fired\":" + std::to_string(rule.fired) +
           ",\"last_request\":" + (rule.last_fired.empty() ? "null" : json_quote(rule.last_fired)) +
           ",\"last_error\":" + (rule.last_error.empty() ? "null" : json_quote(rule.last_error)) +
           ",\"query\":" + json_quote(rule.query) + "}";
  }
};

Rules::Rules(DataStore& store, std::chrono::milliseconds min_interval)
    : state_(std::make_unique<State>(store, min_interval)) {
  // The embedded store answers at once; an external one may be down or
  // slow when the server starts, which must not hold the start up: the
  // worker loads the rules then, and tries again until the store answers.
  if (!store.shared()) state_->load_and_watch();
  state_->worker = std::thread([this] {
    if (state_->store.shared()) state_->load_until_loaded();
    state_->run_worker();
  });
}

Rules::~Rules() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->cancel = true;
  }
  state_->wake.notify_all();
  if (state_->worker.joinable()) state_->worker.join();
}

void Rules::ingested(std::span<const Statement> statements, const std::string& graph) {
  if (!state_->any_rules && !state_->store.shared()) return;
  std::set<std::string> runs;
  const std::string* previous = nullptr;
  for (const auto& s : statements) {
    const std::string& g = s.graph.empty() ? graph : s.graph;
    if (previous && *previous == g) continue;
    previous = &g;
    if (g.size() > 7 && g.ends_with("/bundle")) runs.insert(g.substr(0, g.size() - 7));
  }
  for (const auto& run : runs) state_->mark(run);
}

Response Rules::list() const {
  state_->reload_if_stale();
  std::lock_guard lock(state_->mutex);
  std::string out = "[";
  bool first_rule = true;
  for (const auto& [name, rule] : state_->rules) {
    out += first_rule ? "\n  " : ",\n  ";
    first_rule = false;
    out += state_->rule_json(rule);
  }
  out += first_rule ? "]" : "\n]";
  return text_response(http::status::ok, out, "application/json");
}

Response Rules::add(const Request& request, const std::string& person) {
  if (media_type_of(request[http::field::content_type]) != "application/json")
    return json_error(http::status::unsupported_media_type, "send the rule as application/json");
  Json body;
  try {
    body = triplestore::results::parse_json(request.body());
  } catch (const triplestore::results::JsonParseError& e) {
    return json_error(http::status::bad_request, "malformed JSON at byte " + std::to_string(e.offset) + ": " + e.what());
  }
  if (!body.is_object()) return json_error(http::status::bad_request, "the rule must be a JSON object");
  using triplestore::results::member;
  auto text = [](const Json& object, const char* key) -> std::optional<std::string> {
    const Json* v = member(object, key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    throw std::invalid_argument(std::string("'") + key + "' must be a string");
  };
  Rule rule;
  try {
    rule.name = text(body, "name").value_or("");
    rule.query = text(body, "query").value_or("");
    rule.action = text(body, "action").value_or("");
    rule.hyperparameter = text(body, "hyperparameter").value_or("");
    rule.reason = text(body, "reason").value_or("");
    const Json* scope = member(body, "scope");
    if (!scope || !scope->is_object())
      throw std::invalid_argument("'scope' must be {\"run\": IRI} or {\"experiment\": NAME}");
    rule.run = text(*scope, "run").value_or("");
    const auto experiment = text(*scope, "experiment").value_or("");
    if (rule.run.empty() == experiment.empty())
      throw std::invalid_argument("'scope' must name either a run or an experiment");
    if (!experiment.empty())
      rule.experiment_iri = experiment.starts_with("http://") || experiment.starts_with("https://")
                                ? experiment
                                : base + "experiment/" + api::iri_segment(experiment);
    if (const Json* v = member(body, "value"); v && !v->is_null()) {
      if (!v->is_number()) throw std::invalid_argument("'value' must be a number");
      rule.value = v->get<double>();
    }
    if (const Json* v = member(body, "once"); v && !v->is_null()) {
      if (!v->is_boolean()) throw std::invalid_argument("'once' must be true or false");
      rule.repeatable = !v->get<bool>();
    }
  } catch (const std::invalid_argument& e) {
    return json_error(http::status::bad_request, e.what());
  }
  if (rule.name.empty() || rule.name.size() > 100 ||
      !std::all_of(rule.name.begin(), rule.name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      }))
    return json_error(http::status::bad_request, "'name' must be 1 to 100 letters, digits, '-', '_' or '.'");
  if (!rule.run.empty() && !valid_iri(rule.run)) return json_error(http::status::bad_request, "the scope's run is not a valid IRI");
  if (!rule.experiment_iri.empty() && !valid_iri(rule.experiment_iri))
    return json_error(http::status::bad_request, "the scope's experiment is not a valid name or IRI");
  if (rule.action != "stop" && rule.action != "set" && rule.action != "set_epochs")
    return json_error(http::status::bad_request, "'action' must be \"stop\", \"set\" or \"set_epochs\"");
  if (rule.action == "set") {
    bool steerable = false;
    for (const char* name : steerable_hyperparameters) steerable = steerable || rule.hyperparameter == name;
    if (!steerable)
      return json_error(http::status::bad_request,
                        "\"set\" needs 'hyperparameter': learning_rate, weight_decay or momentum");
  } else if (!rule.hyperparameter.empty()) {
    return json_error(http::status::bad_request, "'hyperparameter' is only for \"set\"");
  }
  if (rule.value && (!std::isfinite(*rule.value) || *rule.value < 0 ||
                     (rule.action == "set_epochs" && (*rule.value < 1 || *rule.value != std::floor(*rule.value)))))
    return json_error(http::status::bad_request, "'value' is out of range for \"" + rule.action + "\"");
  if (rule.action == "stop" && rule.value) return json_error(http::status::bad_request, "\"stop\" takes no 'value'");
  if (rule.query.empty()) return json_error(http::status::bad_request, "'query' (SPARQL ASK or SELECT) is required");
  if (rule.query.size() > max_rule_query_bytes)
    return json_error(http::status::payload_too_large, "the query is over " + std::to_string(max_rule_query_bytes) + " bytes");
  if (!mentions_run(rule.query))
    return json_error(http::status::bad_request, "the query must use the variable ?run (bound to each watched run)");

  // A trial evaluation: syntax, form, ?value.
  try {
    const auto trial = state_->query(bind_run(rule.query, "urn:torchprov:rule-check"), rule_timeout, 10000);
    if (trial.form != sparql::QueryForm::ask && trial.form != sparql::QueryForm::select)
      return json_error(http::status::bad_request, "the query must be an ASK or a SELECT");
    if (trial.form == sparql::QueryForm::ask && rule.action != "stop" && !rule.value)
      return json_error(http::status::bad_request, "an ASK rule with \"" + rule.action + "\" needs a fixed 'value'");
    if (trial.form == sparql::QueryForm::select && rule.action != "stop" && !rule.value &&
        std::find(trial.variables.begin(), trial.variables.end(), "value") == trial.variables.end())
      return json_error(http::status::bad_request, "give a 'value' or project ?value in the SELECT");
  } catch (const sparql::SyntaxError& e) {
    return json_error(http::status::bad_request, "syntax error in the query at line " + std::to_string(e.line) + ": " +
                                                      e.what());
  } catch (const sparql::UnsupportedFeature& e) {
    return json_error(http::status::not_implemented, std::string("not supported: ") + e.what());
  } catch (const sparql::QueryTimeout&) {
    return json_error(http::status::unprocessable_entity,
                      "the query did not finish within " + std::to_string(rule_timeout.count()) + " s");
  } catch (const std::exception& e) {
    return json_error(http::status::bad_request, e.what());
  }

  rule.iri = base + "rule/" + api::iri_segment(rule.name);
  rule.owner = person.empty() ? "anonymous" : person;
  rule.created = api::now_lexical();
  {
    std::lock_guard lock(state_->mutex);
    if (const auto it = state_->rules.find(rule.name); it != state_->rules.end() && it->second.active)
      return json_error(http::status::conflict, "a rule named '" + rule.name + "' exists; DELETE it first");
  }
  // A removed rule of that name: its description goes, its earlier
  // conditions stay (requests it fired derive from them).
  const std::string graph_ref = "<" + std::string(rules_graph) + ">";
  state_->store.update("DELETE WHERE { GRAPH " + graph_ref + " { <" + rule.iri + "> ?p ?o } }", {});
  const auto versions = state_->query(prefixes + "SELECT (COUNT(DISTINCT ?q) AS ?n) WHERE { GRAPH " + graph_ref +
                                      " { ?q a dl:AnalysisQuery } FILTER(STRSTARTS(STR(?q), \"" + rule.iri +
                                      "/query/\")) }");
  const long version = versions.rows.empty() || !versions.rows[0][0] ? 1 : std::atol(versions.rows[0][0]->value.c_str()) + 1;
  rule.query_iri = rule.iri + "/query/" + std::to_string(version);
  const std::string owner_iri = base + "person/" + api::iri_segment(rule.owner);

  std::vector<Statement> s;
  auto add = [&](const std::string& subject, const std::string& predicate, Term object) {
    s.push_back({Term::iri(subject), Term::iri(predicate), std::move(object), {}});
  };
  add(rule.iri, rdf_type, Term::iri(prov + "Agent"));
  add(rule.iri, rdf_type, Term::iri(prov + "SoftwareAgent"));
  add(rule.iri, rdf_type, Term::iri(dl + "SteeringRule"));
  add(rule.iri, dl + "name", Term::literal(rule.name));
  add(rule.iri, rdfs_label, Term::literal("steering rule " + rule.name));
  add(rule.iri, dl + "status", Term::literal("active"));
  add(rule.iri, dl + "action", Term::literal(rule.action));
  if (!rule.hyperparameter.empty()) add(rule.iri, dl + "hyperparameterName", Term::literal(rule.hyperparameter));
  if (rule.value) add(rule.iri, dl + "actionValue", Term::literal(number_text(*rule.value), xsd + "double"));
  if (!rule.reason.empty()) add(rule.iri, dl + "reason", Term::literal(rule.reason));
  add(rule.iri, dl + "repeatable", Term::literal(rule.repeatable ? "true" : "false", xsd + "boolean"));
  if (!rule.run.empty()) add(rule.iri, dl + "watchesRun", Term::iri(rule.run));
  else add(rule.iri, dl + "watchesExperiment", Term::iri(rule.experiment_iri));
  add(rule.iri, dl + "hasCondition", Term::iri(rule.query_iri));
  add(rule.iri, prov + "actedOnBehalfOf", Term::iri(owner_iri));
  add(rule.query_iri, rdf_type, Term::iri(prov + "Entity"));
  add(rule.query_iri, rdf_type, Term::iri(prov + "Plan"));
  add(rule.query_iri, rdf_type, Term::iri(dl + "AnalysisQuery"));
  add(rule.query_iri, dl + "queryText", Term::literal(rule.query));
  add(rule.query_iri, rdfs_label, Term::literal("condition of steering rule " + rule.name));
  add(rule.query_iri, prov + "wasAttributedTo", Term::iri(owner_iri));
  add(rule.query_iri, prov + "generatedAtTime", Term::literal(rule.created, xsd + "dateTime"));
  add(owner_iri, rdf_type, Term::iri(prov + "Agent"));
  add(owner_iri, rdf_type, Term::iri(prov + "Person"));
  add(owner_iri, dl + "name", Term::literal(rule.owner));
  state_->store.insert(s, rules_graph);
  {
    std::lock_guard lock(state_->mutex);
    state_->rules[rule.name] = rule;
    state_->any_rules = true;
  }
  state_->mark_running_runs(rule);
  auto response = text_response(http::status::created,
                                "{\"rule\":" + json_quote(rule.iri) + ",\"name\":" + json_quote(rule.name) +
                                    ",\"query_entity\":" + json_quote(rule.query_iri) + "}",
                                "application/json");
  response.set(http::field::location, rule.iri);
  return response;
}

Response Rules::remove(const Target& target) {
  const auto name = first(target.query, "name");
  if (!name || name->empty()) return json_error(http::status::bad_request, "DELETE /api/rules needs ?name=RULE");
  std::string iri;
  {
    std::lock_guard lock(state_->mutex);
    const auto it = state_->rules.find(*name);
    if (it == state_->rules.end() || !it->second.active)
      return json_error(http::status::not_found, "no active rule named '" + *name + "'");
    iri = it->second.iri;
  }
  // Kept as provenance (requests it fired refer to it), marked removed.
  const std::string g = "<" + std::string(rules_graph) + ">";
  state_->store.update("PREFIX dl: <" + dl + "> DELETE { GRAPH " + g + " { <" + iri + "> dl:status ?s } } INSERT { GRAPH " +
                           g + " { <" + iri + "> dl:status \"removed\" } } WHERE { GRAPH " + g + " { <" + iri +
                           "> dl:status ?s } }",
                       {});
  std::lock_guard lock(state_->mutex);
  if (const auto it = state_->rules.find(*name); it != state_->rules.end()) it->second.active = false;
  return text_response(http::status::ok, "{\"removed\":" + json_quote(iri) + "}", "application/json");
}

}  // namespace torchprov::endpoint
