// The steering API: adaptation requests for running trainings, stored as
// provenance the moment they arrive and handed to trainers that poll.
//
//   POST /api/adaptations   {"run": IRI, "action": "set"|"stop"|"set_epochs",
//                            "hyperparameter": "learning_rate", "value": 0.0005,
//                            "param_group": 0, "reason": "...", "person": "...",
//                            "informed_by_query": "SELECT ..."}      -> 202
//   GET  /api/adaptations?run=IRI[&status=pending]  JSON list, or TSV for trainers
#pragma once

#include <torchprov/triplestore.h>

#include <string>

#include "http.h"

namespace torchprov::endpoint {

// Hyperparameters a trainer can change between epochs.
inline constexpr const char* steerable_hyperparameters[] = {"learning_rate", "weight_decay", "momentum"};

Response submit_adaptation(triplestore::Store& store, const Request& request, const std::string& token_person);
Response list_adaptations(triplestore::Store& store, const Request& request, const Target& target);

}  // namespace torchprov::endpoint
