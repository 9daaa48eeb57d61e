#include "steering.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <sstream>

#include "api_text.h"
#include "results/json_value.h"
#include "results/term_syntax.h"
#include "term_validity.h"
#include "sparql/engine.h"

namespace torchprov::endpoint {
namespace {

namespace sparql = triplestore::sparql;
using triplestore::results::Json;

using api::base;
using api::dl;
using api::json_error;
using api::prov;
using api::rdf_type;
using api::xsd;
using triplestore::results::json_quote;

// Free text in one TSV field: tabs, newlines and backslashes escaped.
std::string tsv_field(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '\t') out += "\\t";
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\\') out += "\\\\";
    else out.push_back(c);
  }
  return out;
}

std::string random_id() {
  std::random_device entropy;
  char buffer[40];
  std::snprintf(buffer, sizeof buffer, "%08x%08x%08x", entropy(), entropy(), entropy());
  return buffer;
}

// The value of a SPARQL term for a JSON / TSV cell.
std::string cell(const std::optional<Term>& term) { return term ? term->value : std::string(); }

// A string literal in SPARQL text: the Turtle form the result writers use
// (every quote, backslash and control character escaped; the literal a
// person typed, "\r" included, is never read as SPARQL).
std::string sparql_string(const std::string& text) { return triplestore::results::turtle_term(Term::literal(text)); }

sparql::QueryResult query(DataStore& store, const std::string& text) {
  sparql::QueryOptions options;
  options.timeout = std::chrono::seconds(10);
  return store.query_terms(text, options);
}

}  // namespace

Response submit_adaptation(DataStore& store, const Request& request, const std::string& token_person) {
  if (media_type_of(request[http::field::content_type]) != "application/json")
    return json_error(http::status::unsupported_media_type, "send the request as application/json");
  Json body;
  try {
    body = triplestore::results::parse_json(request.body());
  } catch (const triplestore::results::JsonParseError& e) {
    return json_error(http::status::bad_request,
                      "malformed JSON at byte " + std::to_string(e.offset) + ": " + e.what());
  }
  if (!body.is_object()) return json_error(http::status::bad_request, "the request must be a JSON object");
  auto text = [&](const char* key) -> std::optional<std::string> {
    const Json* v = triplestore::results::member(body, key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_string()) return v->get<std::string>();
    return std::string("\x01");  // present but not a string
  };
  auto number = [&](const char* key) -> std::optional<double> {
    const Json* v = triplestore::results::member(body, key);
    if (!v || v->is_null()) return std::nullopt;
    if (v->is_number()) return v->get<double>();
    return std::nan("");
  };

  const auto run = text("run");
  if (!run || *run == "\x01" || run->empty()) return json_error(http::status::bad_request, "'run' (the run IRI) is required");
  const auto action = text("action");
  if (!action || (*action != "set" && *action != "stop" && *action != "set_epochs"))
    return json_error(http::status::bad_request, "'action' must be \"set\", \"stop\" or \"set_epochs\"");
  const auto reason = text("reason").value_or("");
  const auto person = text("person").value_or(token_person);
  const auto informed_by = text("informed_by_query");
  if (reason == "\x01" || person == "\x01" || (informed_by && *informed_by == "\x01"))
    return json_error(http::status::bad_request, "'reason', 'person' and 'informed_by_query' must be strings");
  const auto hyperparameter = text("hyperparameter");
  if (hyperparameter && *hyperparameter == "\x01")
    return json_error(http::status::bad_request, "'hyperparameter' must be a string");
  AdaptationSpec spec;
  spec.run = *run;
  spec.action = *action;
  spec.hyperparameter = hyperparameter.value_or("");
  spec.reason = reason;
  spec.person = person;
  spec.value = number("value");
  spec.param_group = number("param_group");
  spec.informed_by_query = informed_by;
  const auto outcome = create_adaptation_request(store, spec);
  if (outcome.status != http::status::accepted) return json_error(outcome.status, outcome.error);
  auto response = text_response(http::status::accepted,
                                "{\"request\":" + json_quote(outcome.request_iri) + ",\"status\":\"pending\"}",
                                "application/json");
  response.set(http::field::location, outcome.request_iri);
  return response;
}

AdaptationOutcome create_adaptation_request(DataStore& store, const AdaptationSpec& spec) {
  auto refuse = [](http::status status, std::string message) {
    return AdaptationOutcome{status, std::move(message), {}};
  };
  const std::string* const run = &spec.run;
  const std::string* const action = &spec.action;
  const std::string& reason = spec.reason;
  const std::string person = spec.rule_iri.empty() ? spec.person : spec.rule_name;
  const auto& informed_by = spec.informed_by_query;
  const auto& value = spec.value;
  const auto& param_group = spec.param_group;
  std::string hyperparameter;
  if (run->empty()) return refuse(http::status::bad_request, "'run' (the run IRI) is required");
  if (*action != "set" && *action != "stop" && *action != "set_epochs")
    return refuse(http::status::bad_request, "'action' must be \"set\", \"stop\" or \"set_epochs\"");

  // The run must exist and still be running.
  const std::string run_ref = "<" + *run + ">";
  if (!triplestore::valid_iri(*run)) return refuse(http::status::bad_request, "'run' is not a valid IRI");
  auto facts = query(store, "PREFIX dl: <" + dl + "> PREFIX prov: <" + prov + ">\n"
                            "SELECT ?ended ?groups WHERE { " + run_ref + " a dl:TrainingRun . "
                            "OPTIONAL { " + run_ref + " prov:endedAtTime ?ended } "
                            "OPTIONAL { " + run_ref + " prov:used ?o . ?o dl:numParamGroups ?groups } }");
  if (facts.rows.empty()) return refuse(http::status::not_found, "unknown run <" + *run + ">");
  if (facts.rows[0][0]) return refuse(http::status::conflict, "run <" + *run + "> has already ended");
  const int groups = facts.rows[0][1] ? std::atoi(facts.rows[0][1]->value.c_str()) : 1;

  if (*action == "set") {
    if (spec.hyperparameter.empty())
      return refuse(http::status::bad_request, "'hyperparameter' is required for \"set\"");
    hyperparameter = spec.hyperparameter;
    bool steerable = false;
    for (const char* name : steerable_hyperparameters) steerable = steerable || hyperparameter == name;
    auto known = query(store, "PREFIX dl: <" + dl + "> ASK { " + run_ref + " dl:hasHyperparameter ?h . ?h dl:name " +
                                  sparql_string(hyperparameter) + " }");
    if (!known.boolean)
      return refuse(http::status::unprocessable_entity,
                        "run <" + *run + "> has no hyperparameter '" + hyperparameter + "'");
    if (!steerable)
      return refuse(http::status::unprocessable_entity,
                        "'" + hyperparameter + "' cannot change while training; steerable: learning_rate, "
                        "weight_decay, momentum");
    if (!value || !std::isfinite(*value) || *value < 0 || (hyperparameter == "learning_rate" && *value == 0))
      return refuse(http::status::bad_request, "'value' must be a number " +
                                                       std::string(hyperparameter == "learning_rate" ? "above 0" : "of at least 0"));
    if (param_group && (!std::isfinite(*param_group) || *param_group < 0 || *param_group >= groups ||
                        *param_group != std::floor(*param_group)))
      return refuse(http::status::bad_request,
                        "'param_group' must be a whole number from 0 to " + std::to_string(groups - 1));
  } else if (*action == "set_epochs") {
    if (!value || !std::isfinite(*value) || *value < 1 || *value != std::floor(*value))
      return refuse(http::status::bad_request, "'value' must be a whole number of epochs, at least 1");
  }

  // Stored at once, in the run's own graph.
  const std::string id = random_id();
  const std::string iri = *run + "/request/" + id;
  const std::string person_iri =
      spec.rule_iri.empty() ? base + "person/" + api::iri_segment(person.empty() ? "anonymous" : person) : spec.rule_iri;
  const std::string now = api::now_lexical();
  std::vector<Statement> s;
  auto add = [&](const std::string& subject, const std::string& predicate, Term object) {
    s.push_back({Term::iri(subject), Term::iri(predicate), std::move(object), {}});
  };
  add(iri, rdf_type, Term::iri(prov + "Entity"));
  add(iri, rdf_type, Term::iri(dl + "AdaptationRequest"));
  add(iri, dl + "action", Term::literal(*action));
  add(iri, dl + "requestedFor", Term::iri(*run));
  add(iri, prov + "wasAttributedTo", Term::iri(person_iri));
  add(iri, prov + "generatedAtTime", Term::literal(now, xsd + "dateTime"));
  if (!reason.empty()) add(iri, dl + "reason", Term::literal(reason));
  if (!hyperparameter.empty()) add(iri, dl + "name", Term::literal(hyperparameter));
  if (value && *action != "stop") {
    const std::string buffer = api::number_text(*value);
    add(iri, prov + "value", *action == "set_epochs" ? Term::literal(std::to_string(std::int64_t(*value)), xsd + "integer")
                                                     : Term::literal(buffer, xsd + "double"));
  }
  if (param_group) add(iri, dl + "paramGroup", Term::literal(std::to_string(int(*param_group)), xsd + "integer"));
  add(iri, "http://www.w3.org/2000/01/rdf-schema#label",
      Term::literal(*action + (hyperparameter.empty() ? "" : " " + hyperparameter) + " requested by " + person));
  add(person_iri, rdf_type, Term::iri(prov + "Agent"));
  add(person_iri, rdf_type, Term::iri(prov + (spec.rule_iri.empty() ? "Person" : "SoftwareAgent")));
  if (!spec.rule_iri.empty()) add(person_iri, rdf_type, Term::iri(dl + "SteeringRule"));
  add(person_iri, dl + "name", Term::literal(person));
  if (!spec.rule_query_iri.empty()) {
    // The rule's condition, copied into the bundle so that it explains itself.
    add(iri, prov + "wasDerivedFrom", Term::iri(spec.rule_query_iri));
    add(spec.rule_query_iri, rdf_type, Term::iri(prov + "Entity"));
    add(spec.rule_query_iri, rdf_type, Term::iri(prov + "Plan"));
    add(spec.rule_query_iri, rdf_type, Term::iri(dl + "AnalysisQuery"));
    add(spec.rule_query_iri, dl + "queryText", Term::literal(spec.rule_query_text));
  } else if (informed_by && !informed_by->empty()) {
    const std::string query_iri = iri + "/query";
    add(iri, prov + "wasDerivedFrom", Term::iri(query_iri));
    add(query_iri, rdf_type, Term::iri(prov + "Entity"));
    add(query_iri, rdf_type, Term::iri(prov + "Plan"));
    add(query_iri, rdf_type, Term::iri(dl + "AnalysisQuery"));
    add(query_iri, dl + "queryText", Term::literal(*informed_by));
  }
  store.insert(s, *run + "/bundle");
  return AdaptationOutcome{http::status::accepted, {}, iri};
}

Response list_adaptations(DataStore& store, const Request& request, const Target& target) {
  const auto run = first(target.query, "run");
  const auto wanted = first(target.query, "status");
  std::string filter;
  if (run) {
    if (!triplestore::valid_iri(*run))
      return json_error(http::status::bad_request, "'run' is not a valid IRI");
    filter = "FILTER(?run = <" + *run + ">)";
  }
  const auto result = query(
      store, "PREFIX dl: <" + dl + "> PREFIX prov: <" + prov + ">\n"
             "SELECT ?request ?run ?action ?hyperparameter ?value ?group ?person ?reason ?created ?status ?why ?ended ?rule "
             "WHERE { ?request a dl:AdaptationRequest ; dl:requestedFor ?run ; dl:action ?action ; "
             "prov:generatedAtTime ?created . " + filter +
             " OPTIONAL { ?request dl:name ?hyperparameter } OPTIONAL { ?request prov:value ?value } "
             "OPTIONAL { ?request dl:paramGroup ?group } OPTIONAL { ?request dl:reason ?reason } "
             "OPTIONAL { ?request prov:wasAttributedTo ?p . ?p dl:name ?person } "
             "OPTIONAL { ?request dl:status ?status } OPTIONAL { ?request dl:rejectionReason ?why } "
             "OPTIONAL { ?run prov:endedAtTime ?ended } "
             "OPTIONAL { ?request prov:wasAttributedTo ?rule . ?rule a dl:SteeringRule } } ORDER BY ?created");
  const bool tsv = std::string_view(request[http::field::accept]).find("text/tab-separated-values") != std::string_view::npos;
  // TSV for trainers: a rule's request has no person (the trainer itself
  // carries it out); its agent IRI is in the extra last column.
  std::string out = tsv ? "request\taction\thyperparameter\tvalue\tparam_group\tperson\treason\tagent\n" : "[";
  bool first_row = true;
  for (const auto& row : result.rows) {
    // Status: what the trainer recorded, else expired once the run ended.
    std::string status = row[9] ? row[9]->value : row[11] ? "expired" : "pending";
    if (wanted && *wanted != status) continue;
    if (tsv) {
      out += tsv_field(cell(row[0])) + "\t" + tsv_field(cell(row[2])) + "\t" + tsv_field(cell(row[3])) + "\t" +
             tsv_field(cell(row[4])) + "\t" + tsv_field(cell(row[5])) + "\t" +
             (row[12] ? std::string() : tsv_field(cell(row[6]))) + "\t" + tsv_field(cell(row[7])) + "\t" +
             tsv_field(cell(row[12])) + "\n";
      continue;
    }
    out += first_row ? "\n" : ",\n";
    first_row = false;
    out += "  {\"request\":" + json_quote(cell(row[0])) + ",\"run\":" + json_quote(cell(row[1])) +
           ",\"action\":" + json_quote(cell(row[2])) + ",\"hyperparameter\":" +
           (row[3] ? json_quote(row[3]->value) : "null") + ",\"value\":" + (row[4] ? row[4]->value : "null") +
           ",\"param_group\":" + (row[5] ? row[5]->value : "null") + ",\"person\":" + json_quote(cell(row[6])) +
           ",\"reason\":" + json_quote(cell(row[7])) + ",\"created\":" + json_quote(cell(row[8])) +
           ",\"status\":" + json_quote(status) + ",\"rule\":" + (row[12] ? json_quote(row[12]->value) : "null") + (row[10] ? ",\"rejection_reason\":" + json_quote(row[10]->value) : "") +
           "}";
  }
  if (!tsv) out += first_row ? "]" : "\n]";
  return text_response(http::status::ok, out, tsv ? "text/tab-separated-values; charset=utf-8" : "application/json");
}

}  // namespace torchprov::endpoint
