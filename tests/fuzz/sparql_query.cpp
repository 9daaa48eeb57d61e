// SPARQL query text -> algebra -> optimised plan -> solutions over the small
// dataset, then every serialisation the result's form has.  A syntax error,
// an unsupported feature or a spent budget is an answer; anything else that
// escapes (or a sanitizer report) is a finding.
#include "fuzz_support.h"

#include <cstdint>
#include <string>

#include "dataset.h"
#include "results/result_format.h"
#include "results/result_stream.h"
#include "sparql/engine.h"

using namespace torchprov;
using namespace torchprov::triplestore;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Dataset& dataset = [] () -> const Dataset& {
    static Dataset d;
    fuzz::load_small_dataset(d);
    return d;
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  sparql::QueryOptions options;
  options.base_iri = "http://example.org/base/";
  options.max_steps = fuzz::query_step_budget;
  options.max_rows = fuzz::query_row_limit;
  sparql::CompactResult result;
  try {
    result = sparql::execute_query_compact(dataset, text, options);
  } catch (const sparql::SyntaxError& e) {
    fuzz::check(e.line >= 1 && e.column >= 1, "syntax error without a position: " + std::string(e.what()));
    return 0;
  } catch (const sparql::UnsupportedFeature&) {
    return 0;
  } catch (const sparql::ServiceRefused&) {  // SERVICE: this evaluation runs without federation
    return 0;
  } catch (const sparql::QueryTimeout&) {
    return 0;
  } catch (const sparql::ResultTooLarge&) {
    return 0;
  }
  using results::ResultFormat;
  for (ResultFormat format : {ResultFormat::json, ResultFormat::xml, ResultFormat::csv, ResultFormat::tsv,
                              ResultFormat::ntriples, ResultFormat::turtle, ResultFormat::trig}) {
    if (!results::supports(format, result.form)) continue;
    results::ResultStream stream(result, format);
    std::string text_out;
    try {
      while (stream.next(dataset, text_out, 4096)) {
      }
    } catch (const results::UnrepresentableResult&) {  // U+0000 and the like in XML results
      fuzz::check(format == ResultFormat::xml, std::string(results::format_name(format)) + " refused a result");
    }
  }
  return 0;
}
