#include <gtest/gtest.h>

#include "results/rdf_text_reader.h"
#include "results/result_readers.h"

namespace {

using torchprov::Term;
using namespace torchprov::triplestore::results;
using torchprov::triplestore::sparql::QueryForm;

constexpr const char* xsd_integer = "http://www.w3.org/2001/XMLSchema#integer";

TEST(XmlResultReader, ReadsEveryTermKind) {
  const auto result = read_xml_results(R"(<?xml version="1.0"?>
<!-- a comment -->
<sparql xmlns="http://www.w3.org/2005/sparql-results#">
  <head><variable name="a"/><variable name="b"/><link href="x"/></head>
  <results>
    <result>
      <binding name="a"><uri>http://example.org/&#x41;</uri></binding>
      <binding name="b"><literal xml:lang="en-GB">colour &amp; shape</literal></binding>
    </result>
    <result>
      <binding name="b"><literal datatype="http://www.w3.org/2001/XMLSchema#integer">42</literal></binding>
      <binding name="a"><bnode>r1</bnode></binding>
    </result>
    <result/>
  </results>
</sparql>)");
  EXPECT_EQ(result.form, QueryForm::select);
  ASSERT_EQ(result.variables, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0][0], Term::iri("http://example.org/A"));
  EXPECT_EQ(result.rows[0][1], Term::lang_literal("colour & shape", "en-GB"));
  EXPECT_EQ(result.rows[1][0], Term::blank("r1"));
  EXPECT_EQ(result.rows[1][1], Term::literal("42", xsd_integer));
  EXPECT_FALSE(result.rows[2][0]);
  EXPECT_FALSE(result.rows[2][1]);
}

TEST(XmlResultReader, ReadsPrefixedElementsAndBoolean) {
  const auto result = read_xml_results(
      R"(<s:sparql xmlns:s="http://www.w3.org/2005/sparql-results#"><s:head/><s:boolean> true </s:boolean></s:sparql>)");
  EXPECT_EQ(result.form, QueryForm::ask);
  EXPECT_TRUE(result.boolean);
}

TEST(XmlResultReader, RejectsOtherDocuments) {
  EXPECT_THROW(read_xml_results("<html/>"), ResultParseError);
  EXPECT_THROW(read_xml_results("<sparql xmlns='http://www.w3.org/2005/sparql-results#'><head>"), ResultParseError);
}

TEST(JsonResultReader, ReadsEveryTermKind) {
  const auto result = read_json_results(R"({
    "head": {"vars": ["x", "y"], "link": []},
    "results": {"bindings": [
      {"x": {"type": "uri", "value": "http://example.org/\u00e9"},
       "y": {"type": "literal", "value": "hi", "xml:lang": "en"}},
      {"x": {"type": "bnode", "value": "b1"},
       "y": {"type": "typed-literal", "value": "1", "datatype": "http://www.w3.org/2001/XMLSchema#integer"}},
      {"y": {"type": "literal", "value": "tab\there \ud83d\ude00"}}
    ]}
  })");
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0][0], Term::iri("http://example.org/\xC3\xA9"));
  EXPECT_EQ(result.rows[0][1], Term::lang_literal("hi", "en"));
  EXPECT_EQ(result.rows[1][0], Term::blank("b1"));
  EXPECT_EQ(result.rows[1][1], Term::literal("1", xsd_integer));
  EXPECT_FALSE(result.rows[2][0]);
  EXPECT_EQ(result.rows[2][1], Term::literal("tab\there \xF0\x9F\x98\x80"));
}

TEST(JsonResultReader, ReadsAsk) {
  const auto result = read_json_results(R"({"head": {}, "boolean": false})");
  EXPECT_EQ(result.form, QueryForm::ask);
  EXPECT_FALSE(result.boolean);
}

TEST(JsonResultReader, RejectsMalformedText) {
  EXPECT_THROW(read_json_results(R"({"head": {}, "boolean": )"), ResultParseError);
  EXPECT_THROW(read_json_results(R"([1, 2])"), ResultParseError);
  EXPECT_THROW(read_json_results(R"({"head":{"vars":["x"]},"results":{"bindings":[{"x":{"type":"?","value":""}}]}})"),
               ResultParseError);
}

// nlohmann reports a number beyond a double's range by its text alone; the
// error points at the number it read, not at the same text earlier in a string.
TEST(JsonResultReader, PointsAtTheNumberThatOverflows) {
  const std::string text = R"({"head": {"vars": ["x"], "link": ["1e999"]}, "boolean": 1e999})";
  try {
    read_json_results(text);
    FAIL() << "1e999 was read";
  } catch (const ResultParseError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("number overflow parsing '1e999'"), std::string::npos) << message;
    EXPECT_NE(message.find("at byte " + std::to_string(text.rfind("1e999"))), std::string::npos) << message;
  }
}

TEST(TsvResultReader, ReadsTurtleTerms) {
  const auto result = read_tsv_results(
      "?s\t?o\t?n\n"
      "<http://example.org/s>\t\"a\\tb\"@en\t-5\n"
      "_:x\t\t1.5e0\n"
      "\"q\"^^<http://example.org/t>\ttrue\t2.50\n");
  ASSERT_EQ(result.variables, (std::vector<std::string>{"s", "o", "n"}));
  ASSERT_EQ(result.rows.size(), 3u);
  EXPECT_EQ(result.rows[0][0], Term::iri("http://example.org/s"));
  EXPECT_EQ(result.rows[0][1], Term::lang_literal("a\tb", "en"));
  EXPECT_EQ(result.rows[0][2], Term::literal("-5", xsd_integer));
  EXPECT_EQ(result.rows[1][0]->kind, torchprov::TermKind::blank);
  EXPECT_FALSE(result.rows[1][1]);
  EXPECT_EQ(result.rows[1][2], Term::literal("1.5e0", "http://www.w3.org/2001/XMLSchema#double"));
  EXPECT_EQ(result.rows[2][0], Term::literal("q", "http://example.org/t"));
  EXPECT_EQ(result.rows[2][1], Term::literal("true", "http://www.w3.org/2001/XMLSchema#boolean"));
  EXPECT_EQ(result.rows[2][2], Term::literal("2.50", "http://www.w3.org/2001/XMLSchema#decimal"));
}

TEST(TsvResultReader, EmptyLineIsARowWithTheOnlyVariableUnbound) {
  const auto result = read_tsv_results("?x\n\n<http://example.org/a>\n");
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_FALSE(result.rows[0][0]);
}

TEST(TsvResultReader, RejectsRaggedRows) {
  EXPECT_THROW(read_tsv_results("?x\t?y\n<http://example.org/a>\n"), ResultParseError);
  EXPECT_THROW(read_tsv_results("?x\n\"unterminated\n"), ResultParseError);
}

TEST(TsvResultReader, RefusesAHeaderNameThatIsNotAVariableName) {
  // "@\r\r" was taken as a name and wrote back as another header (fuzzing).
  EXPECT_THROW(read_tsv_results("@\r\r\r\n"), ResultParseError);
  EXPECT_THROW(read_tsv_results("?a b\n"), ResultParseError);
  EXPECT_THROW(read_tsv_results("?x\t?a,b\n"), ResultParseError);
  EXPECT_EQ(read_tsv_results("?x\t$y_2\t\xc3\xa9\n").variables, (std::vector<std::string>{"x", "y_2", "\xc3\xa9"}));
}

TEST(CsvResultReader, RefusesAHeaderNameThatIsNotAVariableName) {
  EXPECT_THROW(read_csv_results("a,\"b\rc\"\r\n"), ResultParseError);
  EXPECT_THROW(read_csv_results("?a\r\n"), ResultParseError);
  EXPECT_EQ(read_csv_results("a,b_1\r\n").variables, (std::vector<std::string>{"a", "b_1"}));
}

TEST(CsvResultReader, ReadsQuotedFields) {
  const auto result = read_csv_results("a,b,c\r\n\"x,\"\"y\"\"\r\nz\",_:b1,\r\nplain,\"\",7\r\n");
  ASSERT_EQ(result.variables, (std::vector<std::string>{"a", "b", "c"}));
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0][0], Term::literal("x,\"y\"\r\nz"));
  EXPECT_EQ(result.rows[0][1], Term::blank("b1"));
  EXPECT_FALSE(result.rows[0][2]);
  EXPECT_EQ(result.rows[1][0], Term::literal("plain"));
  EXPECT_FALSE(result.rows[1][1]);
  EXPECT_EQ(result.rows[1][2], Term::literal("7"));
}

TEST(RdfResultSetReader, ReadsIndexedSolutions) {
  const auto statements = read_rdf_text(R"(
    @prefix rs: <http://www.w3.org/2001/sw/DataAccess/tests/result-set#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    [] a rs:ResultSet ;
       rs:resultVariable "x", "y" ;
       rs:solution [ rs:index 2 ; rs:binding [ rs:variable "x" ; rs:value <http://example.org/two> ] ] ;
       rs:solution [ rs:index 1 ; rs:binding [ rs:variable "x" ; rs:value "one"@en ] ;
                                  rs:binding [ rs:variable "y" ; rs:value 1 ] ] .
  )",
                                        RdfSyntax::turtle);
  ASSERT_TRUE(holds_rdf_result_set(statements));
  const auto result = read_rdf_result_set(statements);
  EXPECT_TRUE(result.ordered);
  ASSERT_EQ(result.variables, (std::vector<std::string>{"x", "y"}));
  ASSERT_EQ(result.rows.size(), 2u);
  EXPECT_EQ(result.rows[0][0], Term::lang_literal("one", "en"));
  EXPECT_EQ(result.rows[0][1], Term::literal("1", xsd_integer));
  EXPECT_EQ(result.rows[1][0], Term::iri("http://example.org/two"));
  EXPECT_FALSE(result.rows[1][1]);
}

TEST(RdfResultSetReader, ReadsBoolean) {
  const auto statements = read_rdf_text(R"(
    @prefix rs: <http://www.w3.org/2001/sw/DataAccess/tests/result-set#> .
    [] a rs:ResultSet ; rs:boolean true .)",
                                        RdfSyntax::turtle);
  const auto result = read_rdf_result_set(statements);
  EXPECT_EQ(result.form, QueryForm::ask);
  EXPECT_TRUE(result.boolean);
  EXPECT_FALSE(holds_rdf_result_set({}));
}

TEST(RdfTextReader, ResolvesRelativeIrisAndPrefixesBlankNodes) {
  const auto statements = read_rdf_text("<a> <b> _:x .\n@prefix e: <http://e.org/> .\n[] e:p (1) .",
                                        RdfSyntax::turtle, {"http://example.org/dir/file.ttl", "f1_"});
  ASSERT_GE(statements.size(), 3u);
  EXPECT_EQ(statements[0].subject, Term::iri("http://example.org/dir/a"));
  EXPECT_EQ(statements[0].object.kind, torchprov::TermKind::blank);
  EXPECT_TRUE(statements[0].object.value.starts_with("f1_"));
  EXPECT_EQ(statements[1].predicate, Term::iri("http://e.org/p"));
}

TEST(RdfTextReader, ReportsSyntaxErrorsWithPosition) {
  try {
    read_rdf_text("<a> <b> <c> .\n<a> <b> \"open .\n", RdfSyntax::turtle);
    FAIL() << "no error";
  } catch (const RdfSyntaxError& error) {
    EXPECT_GE(error.line, 2u);
  }
}

TEST(RdfTextReader, ReadsQuads) {
  const auto statements =
      read_rdf_text("<http://a> <http://b> \"c\" <http://g> .\n<http://a> <http://b> <http://d> .\n", RdfSyntax::nquads);
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].graph, "http://g");
  EXPECT_EQ(statements[1].graph, "");
}

}  // namespace

namespace {

// A SELECT without variables (SELECT * over an empty group) has solutions
// but no columns: an empty header and one empty line per solution.
TEST(DelimitedResultReaders, SolutionsWithoutVariablesReadBack) {
  const auto tsv = read_tsv_results("\n\n\n");
  EXPECT_TRUE(tsv.variables.empty());
  EXPECT_EQ(tsv.rows.size(), 2u);
  const auto csv = read_csv_results("\r\n\r\n");
  EXPECT_TRUE(csv.variables.empty());
  EXPECT_EQ(csv.rows.size(), 1u);
  EXPECT_THROW(read_tsv_results("?a\t\n"), ResultParseError);
}

}  // namespace
