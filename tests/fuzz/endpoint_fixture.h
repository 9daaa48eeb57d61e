// One endpoint per fuzzing process, over a store on tmpfs that holds the
// small dataset and a running training, with a dashboard folder beside a
// file that must never be served.
#pragma once

#include <string>

#include "endpoint.h"

namespace torchprov::fuzz {

inline constexpr const char* fixture_token = "fuzz-token";
inline constexpr const char* fixture_run = "https://w3id.org/torchprov/run/fuzz";
// The content of a file beside the dashboard folder: no response may hold it.
inline constexpr const char* outside_secret = "SECRET-OUTSIDE-THE-DASHBOARD";

struct EndpointFixture {
  triplestore::Store* store;
  endpoint::Endpoint* endpoint;
};
EndpointFixture& endpoint_fixture();

// Runs the request through the router the way the server does and checks
// what every response must satisfy: no 500 (an exception that escaped a
// route), nothing from outside the dashboard folder.
endpoint::Response handle_checked(const endpoint::Request& request);

}  // namespace torchprov::fuzz
