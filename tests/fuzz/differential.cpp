// Queries from the differential grammar over random small datasets: every
// query is well-formed, so the fuzzer reaches deep into evaluation.  Here
// the engine only has to answer (or stop at its budget); the comparison
// with Jena is tests/fuzz/differential.sh, which uses the same generator.
#include <cstdint>
#include <string>

#include "dataset.h"
#include "differential_cases.h"
#include "rdf_io.h"
#include "sparql/engine.h"

using namespace torchprov;
using namespace torchprov::triplestore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const fuzz::DifferentialCase c = fuzz::make_differential_case(in);
  Dataset dataset;
  std::vector<Quad> quads;
  rdf_io::parse_text(c.data, RdfFormat::trig, [&](const Statement& s) {
    const TermId g = s.graph.empty() ? default_graph_id : dataset.intern(Term::iri(s.graph));
    quads.push_back({dataset.intern(s.subject), dataset.intern(s.predicate), dataset.intern(s.object), g});
  });
  dataset.insert_bulk(std::move(quads));
  sparql::QueryOptions options;
  options.union_default_graph = false;
  options.max_steps = fuzz::query_step_budget;
  options.max_rows = fuzz::query_row_limit;
  try {
    sparql::execute_query(dataset, c.query, options);
  } catch (const sparql::SyntaxError& e) {
    fuzz::finding(std::string("the grammar made a query the parser refuses: ") + e.what() + "\n" + c.query);
  } catch (const sparql::QueryTimeout&) {
  } catch (const sparql::ResultTooLarge&) {
  }
  return 0;
}
