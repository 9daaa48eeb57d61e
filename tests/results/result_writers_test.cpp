#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "results/result_format.h"
#include "results/solution_writer.h"
#include "results/triple_writer.h"

namespace {

using torchprov::Statement;
using torchprov::Term;
using torchprov::triplestore::results::ResultFormat;
using torchprov::triplestore::results::write_query_result;
using torchprov::triplestore::sparql::QueryForm;
using torchprov::triplestore::sparql::QueryResult;

constexpr const char* xsd_integer = "http://www.w3.org/2001/XMLSchema#integer";

QueryResult sample_select() {
  QueryResult result;
  result.variables = {"s", "label", "n"};
  result.rows.push_back({Term::iri("http://example.org/a"), Term::lang_literal("chat", "fr"), Term::literal("7", xsd_integer)});
  result.rows.push_back({Term::blank("b0"), Term::literal("say \"hi\",\nbye"), std::nullopt});
  return result;
}

std::string written(const QueryResult& result, ResultFormat format) {
  std::ostringstream out;
  write_query_result(result, format, out);
  return out.str();
}

TEST(JsonWriter, WritesTheW3cShape) {
  EXPECT_EQ(written(sample_select(), ResultFormat::json),
            "{\"head\":{\"vars\":[\"s\",\"label\",\"n\"]},\"results\":{\"bindings\":[\n"
            "{\"s\":{\"type\":\"uri\",\"value\":\"http://example.org/a\"},"
            "\"label\":{\"type\":\"literal\",\"value\":\"chat\",\"xml:lang\":\"fr\"},"
            "\"n\":{\"type\":\"literal\",\"value\":\"7\",\"datatype\":\"http://www.w3.org/2001/XMLSchema#integer\"}},\n"
            "{\"s\":{\"type\":\"bnode\",\"value\":\"b0\"},"
            "\"label\":{\"type\":\"literal\",\"value\":\"say \\\"hi\\\",\\nbye\"}}\n"
            "]}}\n");
}

TEST(JsonWriter, EscapesControlCharacters) {
  QueryResult result;
  result.variables = {"x"};
  result.rows.push_back({Term::literal(std::string("a\x01z\\\t"))});
  EXPECT_NE(written(result, ResultFormat::json).find(R"("value":"a\u0001z\\\t")"), std::string::npos);
}

TEST(JsonWriter, WritesAsk) {
  QueryResult result;
  result.form = QueryForm::ask;
  result.boolean = true;
  EXPECT_EQ(written(result, ResultFormat::json), "{\"head\":{},\"boolean\":true}\n");
}

TEST(XmlWriter, WritesTheW3cShape) {
  EXPECT_EQ(written(sample_select(), ResultFormat::xml),
            "<?xml version=\"1.0\"?>\n"
            "<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n"
            "  <head>\n"
            "    <variable name=\"s\"/>\n"
            "    <variable name=\"label\"/>\n"
            "    <variable name=\"n\"/>\n"
            "  </head>\n"
            "  <results>\n"
            "    <result>\n"
            "      <binding name=\"s\"><uri>http://example.org/a</uri></binding>\n"
            "      <binding name=\"label\"><literal xml:lang=\"fr\">chat</literal></binding>\n"
            "      <binding name=\"n\"><literal datatype=\"http://www.w3.org/2001/XMLSchema#integer\">7</literal></binding>\n"
            "    </result>\n"
            "    <result>\n"
            "      <binding name=\"s\"><bnode>b0</bnode></binding>\n"
            "      <binding name=\"label\"><literal>say &quot;hi&quot;,\nbye</literal></binding>\n"
            "    </result>\n"
            "  </results>\n"
            "</sparql>\n");
}

TEST(XmlWriter, EscapesMarkup) {
  QueryResult result;
  result.variables = {"x"};
  result.rows.push_back({Term::literal("<a & b>\r")});
  EXPECT_NE(written(result, ResultFormat::xml).find("<literal>&lt;a &amp; b&gt;&#13;</literal>"), std::string::npos);
}

TEST(XmlWriter, WritesAsk) {
  QueryResult result;
  result.form = QueryForm::ask;
  EXPECT_NE(written(result, ResultFormat::xml).find("<boolean>false</boolean>"), std::string::npos);
}

TEST(CsvWriter, WritesPlainValuesWithRfc4180Quoting) {
  EXPECT_EQ(written(sample_select(), ResultFormat::csv),
            "s,label,n\r\n"
            "http://example.org/a,chat,7\r\n"
            "_:b0,\"say \"\"hi\"\",\nbye\",\r\n");
}

TEST(TsvWriter, WritesTermsInTurtleSyntax) {
  EXPECT_EQ(written(sample_select(), ResultFormat::tsv),
            "?s\t?label\t?n\n"
            "<http://example.org/a>\t\"chat\"@fr\t7\n"
            "_:b0\t\"say \\\"hi\\\",\\nbye\"\t\n");
}

TEST(TsvWriter, KeepsDatatypesWithoutABareForm) {
  QueryResult result;
  result.variables = {"x", "y", "z"};
  result.rows.push_back({Term::literal("1.0e3", "http://www.w3.org/2001/XMLSchema#double"),
                         Term::literal("01", "http://www.w3.org/2001/XMLSchema#decimal"),
                         Term::literal("a\tb", "http://example.org/dt")});
  EXPECT_EQ(written(result, ResultFormat::tsv),
            "?x\t?y\t?z\n"
            "1.0e3\t\"01\"^^<http://www.w3.org/2001/XMLSchema#decimal>\t\"a\\tb\"^^<http://example.org/dt>\n");
}

TEST(TableWriter, AlignsColumnsAndCompactsIris) {
  QueryResult result;
  result.variables = {"layer", "n"};
  result.rows.push_back({Term::iri("https://w3id.org/torchprov/dl#Conv2d"), Term::literal("3", xsd_integer)});
  result.rows.push_back({Term::iri("http://example.org/x"), std::nullopt});
  EXPECT_EQ(written(result, ResultFormat::table),
            " layer                  | n\n"
            "------------------------+---\n"
            " dl:Conv2d              | 3\n"
            " <http://example.org/x> |\n"
            "(2 rows)\n");
}

TEST(TripleWriter, WritesNTriplesWithSerdEscaping) {
  QueryResult result;
  result.form = QueryForm::construct;
  result.triples.push_back({Term::iri("http://example.org/s"), Term::iri("http://example.org/p"),
                            Term::literal("line\n\"two\""), ""});
  result.triples.push_back({Term::blank("b1"), Term::iri("http://example.org/p"), Term::lang_literal("x", "en"), ""});
  EXPECT_EQ(written(result, ResultFormat::ntriples),
            "<http://example.org/s> <http://example.org/p> \"line\\n\\\"two\\\"\" .\n"
            "_:b1 <http://example.org/p> \"x\"@en .\n");
}

TEST(TripleWriter, WritesNQuadsWithGraphs) {
  QueryResult result;
  result.form = QueryForm::construct;
  result.triples.push_back({Term::iri("http://example.org/s"), Term::iri("http://example.org/p"),
                            Term::literal("5", xsd_integer), "http://example.org/g"});
  EXPECT_EQ(written(result, ResultFormat::nquads),
            "<http://example.org/s> <http://example.org/p> "
            "\"5\"^^<http://www.w3.org/2001/XMLSchema#integer> <http://example.org/g> .\n");
}

TEST(TripleWriter, TurtleDeclaresWellKnownPrefixes) {
  QueryResult result;
  result.form = QueryForm::describe;
  result.triples.push_back({Term::iri("http://example.org/s"),
                            Term::iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                            Term::iri("http://www.w3.org/ns/prov#Entity"), ""});
  const std::string turtle = written(result, ResultFormat::turtle);
  EXPECT_NE(turtle.find("@prefix prov: <http://www.w3.org/ns/prov#> ."), std::string::npos) << turtle;
  EXPECT_NE(turtle.find("prov:Entity"), std::string::npos) << turtle;
}

TEST(WriteQueryResult, RefusesFormatsThatCannotHoldTheResult) {
  QueryResult select = sample_select();
  std::ostringstream out;
  EXPECT_THROW(write_query_result(select, ResultFormat::turtle, out), std::invalid_argument);
  QueryResult graph;
  graph.form = QueryForm::construct;
  EXPECT_THROW(write_query_result(graph, ResultFormat::json, out), std::invalid_argument);
}

TEST(WriteQueryResult, ShowsGraphsAsRowsInTheTable) {
  QueryResult result;
  result.form = QueryForm::construct;
  result.triples.push_back({Term::iri("http://example.org/s"), Term::iri("http://www.w3.org/2000/01/rdf-schema#label"),
                            Term::literal("hello"), ""});
  EXPECT_EQ(written(result, ResultFormat::table),
            " subject                | predicate  | object\n"
            "------------------------+------------+---------\n"
            " <http://example.org/s> | rdfs:label | \"hello\"\n"
            "(1 row)\n");
}

TEST(SolutionWriter, StreamsRowByRow) {
  std::ostringstream out;
  auto writer = torchprov::triplestore::results::make_solution_writer(ResultFormat::csv, out);
  const std::vector<std::string> variables{"x"};
  writer->begin(variables);
  EXPECT_EQ(out.str(), "x\r\n");
  const std::vector<std::optional<Term>> row{Term::literal("1")};
  writer->row(row);
  EXPECT_EQ(out.str(), "x\r\n1\r\n");
  writer->end();
  EXPECT_THROW(torchprov::triplestore::results::make_solution_writer(ResultFormat::trig, out), std::invalid_argument);
}

}  // namespace
