// SPARQL Update text parsed and applied to a fresh copy of the small
// dataset.  Oracles: a request that fails leaves the dataset exactly as it
// was (all or nothing); one that succeeds reports as its delta exactly the
// quads that changed.
#include "fuzz_support.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <tuple>

#include "dataset.h"
#include "sparql/engine.h"

using namespace torchprov;
using namespace torchprov::triplestore;

namespace {

// The dataset's quads spelled as terms (ids may differ between datasets).
std::set<std::tuple<std::string, std::string, std::string, std::string>> contents(const Dataset& d) {
  std::set<std::tuple<std::string, std::string, std::string, std::string>> out;
  auto key = [&](TermId id) {
    const Term& t = d.term(id);
    return std::to_string(int(t.kind)) + t.value + "\x1f" + t.datatype + "\x1f" + t.language;
  };
  d.match({0, 0, 0, 0}, [&](const Quad& q) {
    out.emplace(key(q.s), key(q.p), key(q.o), q.g == default_graph_id ? std::string() : key(q.g));
    return true;
  });
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto original = [] {
    Dataset d;
    fuzz::load_small_dataset(d);
    return contents(d);
  }();
  Dataset dataset;
  fuzz::load_small_dataset(dataset);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sparql::QueryOptions options;
  options.base_iri = "http://example.org/base/";
  options.max_steps = fuzz::query_step_budget;
  options.max_rows = fuzz::query_row_limit;
  options.union_default_graph = (size & 1) != 0;
  const std::size_t before = dataset.size();
  sparql::UpdateDelta delta;
  try {
    delta = sparql::execute_update(dataset, text, options);
  } catch (const sparql::SyntaxError&) {
    fuzz::check(contents(dataset) == original, "a request with a syntax error changed the dataset");
    return 0;
  } catch (const sparql::UnsupportedFeature&) {
    fuzz::check(contents(dataset) == original, "an unsupported request changed the dataset");
    return 0;
  } catch (const sparql::UpdateError&) {
    fuzz::check(contents(dataset) == original, "a failed update changed the dataset");
    return 0;
  } catch (const sparql::ServiceRefused&) {  // SERVICE in WHERE: no federation here
    fuzz::check(contents(dataset) == original, "an update refused for its SERVICE changed the dataset");
    return 0;
  } catch (const sparql::QueryTimeout&) {
    fuzz::check(contents(dataset) == original, "an update stopped by its budget changed the dataset");
    return 0;
  } catch (const sparql::ResultTooLarge&) {
    fuzz::check(contents(dataset) == original, "an update stopped by the row limit changed the dataset");
    return 0;
  }
  // The delta is net: what it adds is there, what it removes is gone, and
  // the sizes agree.
  for (const Quad& q : delta.added) fuzz::check(dataset.contains(q), "the delta adds a quad the dataset lacks");
  for (const Quad& q : delta.removed) fuzz::check(!dataset.contains(q), "the delta removes a quad still there");
  fuzz::check(dataset.size() == before + delta.added.size() - delta.removed.size(),
              "dataset size " + std::to_string(dataset.size()) + " != " + std::to_string(before) + " + " +
                  std::to_string(delta.added.size()) + " - " + std::to_string(delta.removed.size()));
  return 0;
}
