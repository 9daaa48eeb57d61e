#include <torchprov/interop.h>

#include "dataset.h"

namespace torchprov::interop {

std::vector<Statement> statements_of(const triplestore::Store& store, const std::optional<std::string>& graph) {
  using triplestore::Quad;
  std::vector<Statement> out;
  const auto view = store.read();
  const triplestore::Dataset& d = view.dataset();
  Quad pattern{0, 0, 0, 0};
  if (graph && !graph->empty()) {
    const auto id = d.lookup(Term::iri(*graph));
    if (!id) return out;
    pattern.g = *id;
  } else if (graph) {
    pattern.g = triplestore::default_graph_id;
  }
  d.match(pattern, [&](const Quad& q) {
    out.push_back({d.term(q.s), d.term(q.p), d.term(q.o),
                   q.g == triplestore::default_graph_id ? std::string() : d.term(q.g).value});
    return true;
  });
  return out;
}

}  // namespace torchprov::interop
