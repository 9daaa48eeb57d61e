// The steering API: adaptation requests for running trainings, stored as
// provenance the moment they arrive and handed to trainers that poll.
//
//   POST /api/adaptations   {"run": IRI, "action": "set"|"stop"|"set_epochs",
//                            "hyperparameter": "learning_rate", "value": 0.0005,
//                            "param_group": 0, "reason": "...", "person": "...",
//                            "informed_by_query": "SELECT ..."}      -> 202
//   GET  /api/adaptations?run=IRI[&status=pending]  JSON list, or TSV for trainers
#pragma once

#include <optional>
#include <string>

#include "data_store.h"
#include "http.h"

namespace torchprov::endpoint {

// Hyperparameters a trainer can change between epochs.
inline constexpr const char* steerable_hyperparameters[] = {"learning_rate", "weight_decay", "momentum"};

Response submit_adaptation(DataStore& store, const Request& request, const std::string& token_person);

// One adaptation request, however it arrived: from the API (a person) or
// fired by a steering rule (rules.cpp), which sets the rule_* fields: the
// request is then attributed to the rule's agent (prov:SoftwareAgent,
// dl:SteeringRule) and prov:wasDerivedFrom the rule's dl:AnalysisQuery.
struct AdaptationSpec {
  std::string run, action, hyperparameter, reason, person;
  std::optional<double> value, param_group;
  std::optional<std::string> informed_by_query;
  std::string rule_iri, rule_name, rule_query_iri, rule_query_text;
};
struct AdaptationOutcome {
  http::status status = http::status::accepted;  // accepted: stored, pending
  std::string error;                             // why not, otherwise
  std::string request_iri;
};
// Validates (run exists and runs, hyperparameter steerable, value in range)
// and stores the request in the run's graph.
AdaptationOutcome create_adaptation_request(DataStore& store, const AdaptationSpec& spec);
Response list_adaptations(DataStore& store, const Request& request, const Target& target);

}  // namespace torchprov::endpoint
