// Whatever the writers produce, the readers read back as the same result
// (CSV excepted: it keeps values only, by design).
#include <gtest/gtest.h>

#include <sstream>

#include "results/result_format.h"
#include "results/result_readers.h"

namespace {

using torchprov::Term;
using namespace torchprov::triplestore::results;
using torchprov::triplestore::sparql::QueryForm;
using torchprov::triplestore::sparql::QueryResult;

QueryResult awkward_result() {
  QueryResult result;
  result.variables = {"iri", "blank", "plain", "tagged", "typed", "number"};
  result.rows.push_back({Term::iri("http://example.org/\xC3\xA9?b=c&d=%3Ce%3E#f"), Term::blank("node1"),
                         Term::literal("quote \" backslash \\ tab \t newline \n cr \r end"),
                         Term::lang_literal("\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80", "fr-CA"),
                         Term::literal("2024-01-01T00:00:00Z", "http://www.w3.org/2001/XMLSchema#dateTime"),
                         Term::literal("-0.5", "http://www.w3.org/2001/XMLSchema#decimal")});
  result.rows.push_back({std::nullopt, std::nullopt, Term::literal(""), std::nullopt,
                         Term::literal("x,y", "http://example.org/datatype"),
                         Term::literal("1E10", "http://www.w3.org/2001/XMLSchema#double")});
  result.rows.push_back(std::vector<std::optional<Term>>(6));
  return result;
}

std::string written(const QueryResult& result, ResultFormat format) {
  std::ostringstream out;
  write_query_result(result, format, out);
  return out.str();
}

void expect_same_solutions(const QueryResult& expected, const QueryResult& actual) {
  EXPECT_EQ(actual.form, expected.form);
  EXPECT_EQ(actual.variables, expected.variables);
  ASSERT_EQ(actual.rows.size(), expected.rows.size());
  for (std::size_t i = 0; i < expected.rows.size(); ++i) EXPECT_EQ(actual.rows[i], expected.rows[i]) << "row " << i;
}

TEST(RoundTrip, Json) {
  const auto original = awkward_result();
  expect_same_solutions(original, read_json_results(written(original, ResultFormat::json)));
}

TEST(RoundTrip, Xml) {
  const auto original = awkward_result();
  expect_same_solutions(original, read_xml_results(written(original, ResultFormat::xml)));
}

TEST(RoundTrip, Tsv) {
  const auto original = awkward_result();
  expect_same_solutions(original, read_tsv_results(written(original, ResultFormat::tsv)));
}

TEST(RoundTrip, CsvKeepsValues) {
  const auto original = awkward_result();
  const auto read_back = read_csv_results(written(original, ResultFormat::csv));
  ASSERT_EQ(read_back.variables, original.variables);
  ASSERT_EQ(read_back.rows.size(), original.rows.size());
  EXPECT_EQ(read_back.rows[0][0], Term::literal("http://example.org/\xC3\xA9?b=c&d=%3Ce%3E#f"));
  EXPECT_EQ(read_back.rows[0][1], Term::blank("node1"));
  EXPECT_EQ(read_back.rows[0][2], Term::literal("quote \" backslash \\ tab \t newline \n cr \r end"));
  EXPECT_EQ(read_back.rows[0][5], Term::literal("-0.5"));
  // An empty string and an unbound value look the same in CSV.
  EXPECT_FALSE(read_back.rows[1][2]);
  EXPECT_EQ(read_back.rows[1][4], Term::literal("x,y"));
  for (const auto& value : read_back.rows[2]) EXPECT_FALSE(value);
}

TEST(RoundTrip, AskInEveryFormat) {
  for (const bool value : {true, false}) {
    QueryResult ask;
    ask.form = QueryForm::ask;
    ask.boolean = value;
    const auto from_json = read_json_results(written(ask, ResultFormat::json));
    const auto from_xml = read_xml_results(written(ask, ResultFormat::xml));
    EXPECT_EQ(from_json.form, QueryForm::ask);
    EXPECT_EQ(from_json.boolean, value);
    EXPECT_EQ(from_xml.form, QueryForm::ask);
    EXPECT_EQ(from_xml.boolean, value);
  }
}

TEST(RoundTrip, NoVariablesNoRows) {
  QueryResult empty;
  expect_same_solutions(empty, read_json_results(written(empty, ResultFormat::json)));
  expect_same_solutions(empty, read_xml_results(written(empty, ResultFormat::xml)));
}

}  // namespace
