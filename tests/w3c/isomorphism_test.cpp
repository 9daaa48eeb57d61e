// The comparison rules of the conformance runner, checked on their own so a
// runner bug cannot pass as an engine bug (or the reverse).
#include <gtest/gtest.h>

#include "isomorphism.h"

namespace {

using torchprov::Statement;
using torchprov::Term;
using namespace torchprov::w3c;

Term iri(const char* local) { return Term::iri(std::string("http://example.org/") + local); }

TEST(RowMultisets, IgnoreOrderButCountDuplicates) {
  const std::vector<Row> expected{{iri("a")}, {iri("b")}, {iri("a")}};
  EXPECT_TRUE(compare_row_multisets(expected, {{iri("b")}, {iri("a")}, {iri("a")}}).equal);
  EXPECT_FALSE(compare_row_multisets(expected, {{iri("b")}, {iri("b")}, {iri("a")}}).equal);
  EXPECT_FALSE(compare_row_multisets(expected, {{iri("b")}, {iri("a")}}).equal);
}

TEST(RowMultisets, RenameBlankNodesConsistently) {
  const std::vector<Row> expected{{Term::blank("x"), iri("p")}, {Term::blank("x"), iri("q")}, {Term::blank("y"), iri("p")}};
  EXPECT_TRUE(compare_row_multisets(expected, {{Term::blank("b2"), iri("p")}, {Term::blank("b1"), iri("p")},
                                               {Term::blank("b1"), iri("q")}})
                  .equal);
  // One blank node where the expected answer has two.
  EXPECT_FALSE(compare_row_multisets(expected, {{Term::blank("b1"), iri("p")}, {Term::blank("b1"), iri("q")},
                                                {Term::blank("b1"), iri("p")}})
                   .equal);
}

TEST(RowMultisets, CompareLiteralsLexically) {
  const auto integer = "http://www.w3.org/2001/XMLSchema#integer";
  EXPECT_FALSE(compare_row_multisets({{Term::literal("01", integer)}}, {{Term::literal("1", integer)}}).equal);
  EXPECT_TRUE(compare_row_multisets({{Term::literal("x", "http://www.w3.org/2001/XMLSchema#string")}},
                                    {{Term::literal("x")}})
                  .equal);
  EXPECT_TRUE(compare_row_multisets({{Term::lang_literal("x", "en-US")}}, {{Term::lang_literal("x", "en-us")}}).equal);
  EXPECT_FALSE(compare_row_multisets({{Term::literal("x")}}, {{Term::lang_literal("x", "en")}}).equal);
}

TEST(RowMultisets, CompareNumbersAndBooleansByValueOnlyWhenAsked) {
  const std::string xsd = "http://www.w3.org/2001/XMLSchema#";
  const auto same_value = [&](const char* a, const char* b, const std::string& type) {
    const std::vector<Row> expected{{Term::literal(a, xsd + type)}}, actual{{Term::literal(b, xsd + type)}};
    EXPECT_FALSE(compare_row_multisets(expected, actual).equal) << a << " " << b;
    return compare_row_multisets(expected, actual, Literals::value).equal;
  };
  EXPECT_TRUE(same_value("01", "1", "integer"));
  EXPECT_TRUE(same_value("+33.3300", "33.33", "decimal"));
  EXPECT_TRUE(same_value("1", "1.0", "decimal"));
  EXPECT_TRUE(same_value("1.0e6", "1.0E6", "double"));
  EXPECT_TRUE(same_value("1050", "1.05E3", "double"));
  EXPECT_TRUE(same_value("33.33", "3.333E1", "float"));
  EXPECT_TRUE(same_value("0", "false", "boolean"));
  EXPECT_FALSE(same_value("33.33", "3.333000183105469E1", "double"));
  EXPECT_FALSE(same_value("0.1", "0.10000000000000001", "decimal"));
  EXPECT_FALSE(same_value("123456789012345678901234567891", "123456789012345678899921813504", "integer"));
  // Value equality never crosses datatypes, nor reaches strings.
  EXPECT_FALSE(compare_row_multisets({{Term::literal("1", xsd + "integer")}}, {{Term::literal("1.0", xsd + "decimal")}},
                                     Literals::value)
                   .equal);
  EXPECT_FALSE(compare_row_multisets({{Term::literal("01")}}, {{Term::literal("1")}}, Literals::value).equal);
}

TEST(RowMultisets, UnboundDiffersFromBound) {
  EXPECT_FALSE(compare_row_multisets({{std::nullopt}}, {{iri("a")}}).equal);
  EXPECT_TRUE(compare_row_multisets({{std::nullopt, iri("a")}}, {{std::nullopt, iri("a")}}).equal);
}

TEST(RowSequences, RespectOrder) {
  EXPECT_TRUE(compare_row_sequences({{iri("a")}, {iri("b")}}, {{iri("a")}, {iri("b")}}).equal);
  EXPECT_FALSE(compare_row_sequences({{iri("a")}, {iri("b")}}, {{iri("b")}, {iri("a")}}).equal);
  EXPECT_TRUE(compare_row_sequences({{Term::blank("x")}, {Term::blank("y")}}, {{Term::blank("1")}, {Term::blank("2")}}).equal);
  EXPECT_FALSE(compare_row_sequences({{Term::blank("x")}, {Term::blank("y")}}, {{Term::blank("1")}, {Term::blank("1")}}).equal);
}

TEST(StatementSets, AreIsomorphicUpToBlankNodes) {
  // A ring of three blank nodes against a ring in another order.
  const auto p = iri("p");
  const std::vector<Statement> expected{{Term::blank("a"), p, Term::blank("b"), ""},
                                        {Term::blank("b"), p, Term::blank("c"), ""},
                                        {Term::blank("c"), p, Term::blank("a"), ""}};
  const std::vector<Statement> rotated{{Term::blank("z"), p, Term::blank("x"), ""},
                                       {Term::blank("x"), p, Term::blank("y"), ""},
                                       {Term::blank("y"), p, Term::blank("z"), ""}};
  EXPECT_TRUE(compare_statement_sets(expected, rotated).equal);
  // Two rings of ... a 3-ring is not a 3-chain.
  const std::vector<Statement> chain{{Term::blank("z"), p, Term::blank("x"), ""},
                                     {Term::blank("x"), p, Term::blank("y"), ""},
                                     {Term::blank("y"), p, Term::blank("w"), ""}};
  EXPECT_FALSE(compare_statement_sets(expected, chain).equal);
}

TEST(StatementSets, IgnoreDuplicatesAndKeepGraphs) {
  const Statement s{iri("s"), iri("p"), Term::literal("o"), ""};
  Statement named = s;
  named.graph = "http://example.org/g";
  EXPECT_TRUE(compare_statement_sets({s, named}, {named, s, s}).equal);
  EXPECT_FALSE(compare_statement_sets({s}, {named}).equal);
}

TEST(StatementSets, ExplainDifferences) {
  const auto comparison = compare_statement_sets({{iri("s"), iri("p"), iri("o"), ""}}, {});
  EXPECT_FALSE(comparison.equal);
  EXPECT_NE(comparison.difference.find("missing"), std::string::npos) << comparison.difference;
}

}  // namespace
