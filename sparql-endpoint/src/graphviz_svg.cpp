#include "graphviz_svg.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>

#include <memory>
#include <mutex>

namespace torchprov::endpoint {
namespace {

// One Graphviz context for the process: creating one reads the plugin
// configuration, and Graphviz keeps global state, so every use holds the
// mutex.
std::mutex graphviz_mutex;

struct ContextDeleter {
  void operator()(GVC_t* context) const { gvFreeContext(context); }
};
struct GraphDeleter {
  void operator()(Agraph_t* graph) const { agclose(graph); }
};
struct RenderedDeleter {
  void operator()(char* data) const { gvFreeRenderData(data); }
};

GVC_t* context() {
  static std::unique_ptr<GVC_t, ContextDeleter> instance(gvContext());
  if (!instance) throw GraphvizError("Graphviz could not start (gvContext)");
  return instance.get();
}

// A laid-out graph; the layout is freed before the graph.
class Layout {
 public:
  Layout(GVC_t* gvc, Agraph_t* graph) : gvc_(gvc), graph_(graph) {
    if (gvLayout(gvc_, graph_, "dot") != 0) throw GraphvizError("Graphviz could not lay out the graph");
  }
  ~Layout() { gvFreeLayout(gvc_, graph_); }
  Layout(const Layout&) = delete;
  Layout& operator=(const Layout&) = delete;

 private:
  GVC_t* gvc_;
  Agraph_t* graph_;
};

}  // namespace

std::string render_svg(const std::string& dot) {
  std::lock_guard lock(graphviz_mutex);
  GVC_t* gvc = context();
  std::unique_ptr<Agraph_t, GraphDeleter> graph(agmemread(dot.c_str()));
  if (!graph) throw GraphvizError("not a Graphviz DOT graph (syntax error)");
  Layout layout(gvc, graph.get());
  char* data = nullptr;
  unsigned int length = 0;
  if (gvRenderData(gvc, graph.get(), "svg", &data, &length) != 0 || !data)
    throw GraphvizError("Graphviz could not write SVG (is the core plugin installed?)");
  std::unique_ptr<char, RenderedDeleter> rendered(data);
  return std::string(data, length);
}

}  // namespace torchprov::endpoint
