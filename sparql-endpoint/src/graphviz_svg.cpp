#include "graphviz_svg.h"

#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <graphviz/gvplugin.h>

#include <memory>
#include <mutex>

namespace torchprov::endpoint {
namespace {

// One Graphviz context for the process; Graphviz keeps global state, so every
// use holds the mutex.
std::mutex graphviz_mutex;

// The plugins the server needs, linked in rather than found through
// Graphviz's plugin configuration: the dot layout, the core renderers (SVG)
// and pango, which measures labels in the font the browser draws them with
// (Graphviz's own metrics know only Times, Courier and Arial, and DejaVu Sans
// labels overflowed their boxes).  With no demand loading, gvContext does not
// read the configuration, whose text Graphviz kept for the process's life.
extern "C" {
extern gvplugin_library_t gvplugin_dot_layout_LTX_library;
extern gvplugin_library_t gvplugin_core_LTX_library;
extern gvplugin_library_t gvplugin_pango_LTX_library;
}
const lt_symlist_t builtin_plugins[] = {
    {"gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library},
    {"gvplugin_core_LTX_library", &gvplugin_core_LTX_library},
    {"gvplugin_pango_LTX_library", &gvplugin_pango_LTX_library},
    {nullptr, nullptr},
};

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
  static std::unique_ptr<GVC_t, ContextDeleter> instance(gvContextPlugins(builtin_plugins, 0));
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
