#include "results_round_trip.h"

#include <sstream>
#include <string>

#include "fuzz_support.h"
#include "isomorphism.h"
#include "results/result_readers.h"

namespace torchprov::fuzz {

using triplestore::results::ResultFormat;
using triplestore::sparql::QueryResult;

QueryResult read_results(std::string_view text, ResultFormat format) {
  namespace results = triplestore::results;
  switch (format) {
    case ResultFormat::json: return results::read_json_results(text);
    case ResultFormat::xml: return results::read_xml_results(text);
    case ResultFormat::csv: return results::read_csv_results(text);
    case ResultFormat::tsv: return results::read_tsv_results(text);
    default: break;
  }
  finding("no reader for this format");
}

std::string difference(const QueryResult& expected, const QueryResult& actual) {
  if (expected.form != actual.form) return "the form differs";
  if (expected.form == triplestore::sparql::QueryForm::ask)
    return expected.boolean == actual.boolean ? "" : "the boolean differs";
  if (expected.variables != actual.variables) return "the variables differ";
  const auto comparison = w3c::compare_row_sequences(expected.rows, actual.rows);
  return comparison.equal ? "" : comparison.difference;
}

void check_result_reader(const std::uint8_t* data, std::size_t size, ResultFormat format) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  QueryResult result;
  try {
    result = read_results(text, format);
  } catch (const triplestore::results::ResultParseError&) {
    return;
  }
  std::ostringstream out;
  triplestore::results::write_query_result(result, format, out);
  QueryResult back;
  try {
    back = read_results(out.str(), format);
  } catch (const triplestore::results::ResultParseError& e) {
    finding(std::string("a document the reader accepted, written again, does not read back: ") + e.what() +
            "\n--- written ---\n" + out.str());
  }
  const std::string diff = difference(result, back);
  check(diff.empty(), "read -> write -> read changes the result: " + diff + "\n--- written ---\n" + out.str());
}

}  // namespace torchprov::fuzz
