// Text the JSON API routes (steering, rules) share: the vocabulary IRIs they
// write provenance with, JSON error bodies, IRI path segments and literals.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "http.h"
#include "lexical.h"  // the capture core's

namespace torchprov::endpoint::api {

inline const std::string prov = "http://www.w3.org/ns/prov#";
inline const std::string dl = "https://w3id.org/torchprov/dl#";
inline const std::string xsd = "http://www.w3.org/2001/XMLSchema#";
inline const std::string rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
inline const std::string rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label";
inline const std::string base = "https://w3id.org/torchprov/";

// {"error": message} with the status.
Response json_error(http::status status, const std::string& message);
// Percent-encodes all but unreserved characters so any name is one IRI path
// segment ("_" for an empty name): the capture core's, so that trainers and
// the server name the same things alike.
using ::torchprov::detail::iri_segment;
// The current time as an xsd:dateTime in UTC with milliseconds.
inline std::string now_lexical() { return ::torchprov::detail::datetime_lexical(std::chrono::system_clock::now()); }
// The shortest text that reads back as the same double.
std::string number_text(double value);

}  // namespace torchprov::endpoint::api
