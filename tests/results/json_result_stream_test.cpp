// The streaming SPARQL JSON reader against the whole-document reader, on
// every .srj file of the W3C suite fed in pieces of several sizes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "results/json_result_stream.h"
#include "results/result_readers.h"

using namespace torchprov;
using namespace torchprov::triplestore;
namespace fs = std::filesystem;

namespace {

sparql::QueryResult read_in_pieces(std::string_view text, std::size_t piece) {
  sparql::QueryResult result;
  results::JsonResultStream reader(
      [&](const std::vector<std::string>& variables) {
        result.form = sparql::QueryForm::select;
        result.variables = variables;
      },
      [&](std::vector<std::optional<Term>>& row) { result.rows.push_back(row); },
      [&](bool value) {
        result.form = sparql::QueryForm::ask;
        result.boolean = value;
      });
  for (std::size_t at = 0; at < text.size(); at += piece) reader.feed(text.substr(at, piece));
  reader.finish();
  return result;
}

std::string slurp(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

TEST(JsonResultStream, ReadsEveryW3CJsonResultLikeTheDocumentReader) {
  const fs::path suite = fs::path(TORCHPROV_W3C_DIR);
  if (!fs::exists(suite)) GTEST_SKIP() << "W3C suite not found at " << suite;
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(suite)) {
    if (entry.path().extension() != ".srj") continue;
    const std::string text = slurp(entry.path());
    sparql::QueryResult expected;
    try {
      expected = results::read_json_results(text);
    } catch (const results::ResultParseError&) {
      continue;
    }
    ++files;
    for (std::size_t piece : {std::size_t(1), std::size_t(7), text.size() + 1}) {
      const auto got = read_in_pieces(text, piece);
      SCOPED_TRACE(entry.path().string() + " in pieces of " + std::to_string(piece));
      EXPECT_EQ(got.form, expected.form);
      EXPECT_EQ(got.boolean, expected.boolean);
      EXPECT_EQ(got.variables, expected.variables);
      EXPECT_EQ(got.rows, expected.rows);
    }
  }
  EXPECT_GT(files, 5u);
}

TEST(JsonResultStream, ReadsVirtuosoStyleDocuments) {
  // Virtuoso 7.2 writes "typed-literal", a "link" array and members in this order.
  const std::string text = R"({ "head": { "link": [], "vars": ["o", "n"] },
  "results": { "distinct": false, "ordered": true, "bindings": [
    { "o": { "type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#double", "value": "1.5" }},
    { "o": { "type": "literal", "xml:lang": "en", "value": "x\"y}{" }	, "n": { "type": "bnode", "value": "nodeID://b10000" }},
    { "n": { "type": "uri", "value": "http://ex/a" }} ] } })";
  const auto got = read_in_pieces(text, 3);
  ASSERT_EQ(got.rows.size(), 3u);
  EXPECT_EQ(got.variables, (std::vector<std::string>{"o", "n"}));
  EXPECT_EQ(got.rows[0][0], Term::literal("1.5", "http://www.w3.org/2001/XMLSchema#double"));
  EXPECT_FALSE(got.rows[0][1].has_value());
  EXPECT_EQ(got.rows[1][0], Term::lang_literal("x\"y}{", "en"));
  EXPECT_EQ(got.rows[1][1], Term::blank("nodeID://b10000"));
  EXPECT_EQ(got.rows[2][1], Term::iri("http://ex/a"));
}

TEST(JsonResultStream, RefusesCutOffAndMalformedAnswers) {
  const std::string whole = R"({"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"uri","value":"http://ex/a"}}]}})";
  EXPECT_THROW(read_in_pieces(whole.substr(0, whole.size() - 3), 5), results::ResultParseError);
  EXPECT_THROW(read_in_pieces(R"({"results":{"bindings":[{"x":{"type":"uri","value":"a"}}]},"head":{"vars":["x"]}})", 4),
               results::ResultParseError);  // a solution before the head
  EXPECT_THROW(read_in_pieces(R"({"head":{"vars":["x"]},"results":{"bindings":[{"y":{"type":"uri","value":"a"}}]}})", 4),
               results::ResultParseError);  // an undeclared variable
  EXPECT_THROW(read_in_pieces(R"({"head":{"vars":["x"]}]})", 4), results::ResultParseError);
}
