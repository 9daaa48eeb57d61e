// GET /api/runs/RUN_ID/graph.svg | graph.dot | graph.json: a run's
// provenance graph (run_graph.h) for scripts and for the dashboard.
//   graph.svg   laid out by Graphviz on the server, folded like the dashboard
//               shows it first; ?expand=all opens every group, ?expand=ID
//               (repeatable) one group
//   graph.dot   the same graph as Graphviz DOT
//   graph.json  every node with the group it folds into, every edge, and the
//               SPARQL queries it was read with (the dashboard folds and lays
//               it out itself)
#pragma once

#include <string>

#include "http.h"
#include "run_graph.h"

namespace torchprov::endpoint {

// Whether the path is one of this route's (/api/runs/...).
bool is_run_graph_path(const std::string& path);
// 404 for an unknown run or file name, 405 for methods other than GET/HEAD.
Response run_graph_route(const Request& request, const Target& target, const run_graph::QueryFunction& query);

}  // namespace torchprov::endpoint
