#include "run_graph_route.h"

#include "api_text.h"
#include "graphviz_svg.h"

namespace torchprov::endpoint {

bool is_run_graph_path(const std::string& path) { return path.starts_with("/api/runs/"); }

Response run_graph_route(const Request& request, const Target& target, const run_graph::QueryFunction& query) {
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    auto response = text_response(http::status::method_not_allowed, "/api/runs/RUN_ID/graph.* takes GET and HEAD");
    response.set(http::field::allow, "GET, HEAD, OPTIONS");
    return response;
  }
  // /api/runs/<run id>/graph.<svg|dot|json> (the path arrives percent-decoded)
  const std::string rest = target.path.substr(std::string("/api/runs/").size());
  const auto slash = rest.find('/');
  const std::string file = slash == std::string::npos ? "" : rest.substr(slash + 1);
  if (slash == std::string::npos || slash == 0 || (file != "graph.svg" && file != "graph.dot" && file != "graph.json"))
    return api::json_error(http::status::not_found,
                           "expected /api/runs/RUN_ID/graph.svg, graph.dot or graph.json, not " + target.path);
  const std::string run_id = rest.substr(0, slash);
  std::optional<run_graph::Graph> graph;
  try {
    graph = run_graph::read(run_id, query);
  } catch (const std::exception& e) {
    return api::json_error(http::status::internal_server_error, std::string("could not read the run: ") + e.what());
  }
  if (!graph) return api::json_error(http::status::not_found, "no training run with dl:runId \"" + run_id + "\" and a bundle");
  if (file == "graph.json") return text_response(http::status::ok, run_graph::to_json(*graph), "application/json");
  const auto wanted = all(target.query, "expand");
  const std::string dot = run_graph::to_dot(run_graph::shown(*graph, {wanted.begin(), wanted.end()}));
  if (file == "graph.dot") return text_response(http::status::ok, dot, "text/vnd.graphviz; charset=utf-8");
  try {
    return text_response(http::status::ok, render_svg(dot), "image/svg+xml");
  } catch (const GraphvizError& e) {
    return api::json_error(http::status::internal_server_error, e.what());
  }
}

}  // namespace torchprov::endpoint
