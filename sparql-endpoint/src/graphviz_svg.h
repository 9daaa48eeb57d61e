// Lays out a Graphviz DOT graph with Graphviz's `dot` engine (libgvc) and
// writes it as SVG: the server-side drawing of a run's provenance graph.
#pragma once

#include <stdexcept>
#include <string>

namespace torchprov::endpoint {

struct GraphvizError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws GraphvizError when the text is not DOT or Graphviz cannot lay it
// out.  Safe to call from several threads (Graphviz itself is not: calls are
// serialised).
std::string render_svg(const std::string& dot);

}  // namespace torchprov::endpoint
