#include <gtest/gtest.h>

#include "results/result_format.h"

namespace {

using torchprov::triplestore::results::negotiate;
using torchprov::triplestore::results::ResultFormat;
using torchprov::triplestore::sparql::QueryForm;

TEST(ResultFormatNames, ParseEveryCliName) {
  using torchprov::triplestore::results::format_name;
  using torchprov::triplestore::results::parse_result_format;
  for (const auto format : {ResultFormat::table, ResultFormat::csv, ResultFormat::tsv, ResultFormat::json,
                            ResultFormat::xml, ResultFormat::turtle, ResultFormat::ntriples, ResultFormat::nquads,
                            ResultFormat::trig}) {
    EXPECT_EQ(parse_result_format(format_name(format)), format);
  }
  EXPECT_FALSE(parse_result_format("yaml"));
  EXPECT_FALSE(parse_result_format(""));
}

TEST(ResultFormatNames, MediaTypesAreTheRegisteredOnes) {
  using torchprov::triplestore::results::media_type;
  EXPECT_EQ(media_type(ResultFormat::json), "application/sparql-results+json");
  EXPECT_EQ(media_type(ResultFormat::xml), "application/sparql-results+xml");
  EXPECT_EQ(media_type(ResultFormat::csv), "text/csv");
  EXPECT_EQ(media_type(ResultFormat::tsv), "text/tab-separated-values");
  EXPECT_EQ(media_type(ResultFormat::turtle), "text/turtle");
  EXPECT_EQ(media_type(ResultFormat::ntriples), "application/n-triples");
  EXPECT_EQ(media_type(ResultFormat::nquads), "application/n-quads");
  EXPECT_EQ(media_type(ResultFormat::trig), "application/trig");
}

TEST(Negotiate, EmptyOrWildcardGivesTheDefault) {
  EXPECT_EQ(negotiate("", QueryForm::select), ResultFormat::json);
  EXPECT_EQ(negotiate("*/*", QueryForm::ask), ResultFormat::json);
  EXPECT_EQ(negotiate("", QueryForm::construct), ResultFormat::turtle);
  EXPECT_EQ(negotiate("*/*", QueryForm::describe), ResultFormat::turtle);
}

TEST(Negotiate, ExactMediaTypes) {
  EXPECT_EQ(negotiate("application/sparql-results+xml", QueryForm::select), ResultFormat::xml);
  EXPECT_EQ(negotiate("text/csv", QueryForm::select), ResultFormat::csv);
  EXPECT_EQ(negotiate("text/tab-separated-values", QueryForm::select), ResultFormat::tsv);
  EXPECT_EQ(negotiate("application/n-triples", QueryForm::construct), ResultFormat::ntriples);
  EXPECT_EQ(negotiate("application/n-quads", QueryForm::construct), ResultFormat::nquads);
  EXPECT_EQ(negotiate("application/trig", QueryForm::describe), ResultFormat::trig);
}

TEST(Negotiate, QualityValuesDecide) {
  EXPECT_EQ(negotiate("application/sparql-results+json;q=0.5, application/sparql-results+xml", QueryForm::select),
            ResultFormat::xml);
  EXPECT_EQ(negotiate("text/csv;q=0.9, text/tab-separated-values;q=0.95", QueryForm::select), ResultFormat::tsv);
  EXPECT_EQ(negotiate("text/turtle;q=0.1, application/n-triples;q=0.8", QueryForm::construct), ResultFormat::ntriples);
}

TEST(Negotiate, SpecificRangeOverridesWildcard) {
  // */* accepts anything but JSON is explicitly refused.
  EXPECT_EQ(negotiate("*/*, application/sparql-results+json;q=0", QueryForm::select), ResultFormat::xml);
  EXPECT_EQ(negotiate("text/*", QueryForm::select), ResultFormat::csv);
}

TEST(Negotiate, ClientOrderBreaksTies) {
  EXPECT_EQ(negotiate("text/tab-separated-values, text/csv", QueryForm::select), ResultFormat::tsv);
}

TEST(Negotiate, AliasesAndCaseInsensitivity) {
  EXPECT_EQ(negotiate("application/json", QueryForm::select), ResultFormat::json);
  EXPECT_EQ(negotiate("Application/XML", QueryForm::ask), ResultFormat::xml);
  EXPECT_EQ(negotiate("TEXT/TURTLE; charset=utf-8", QueryForm::construct), ResultFormat::turtle);
}

TEST(Negotiate, NothingAcceptableMeans406) {
  EXPECT_FALSE(negotiate("image/png", QueryForm::select));
  EXPECT_FALSE(negotiate("text/csv", QueryForm::construct));
  EXPECT_FALSE(negotiate("text/turtle", QueryForm::select));
  EXPECT_FALSE(negotiate("*/*;q=0", QueryForm::select));
}

TEST(Negotiate, BrowserHeaderGetsSomethingUseful) {
  EXPECT_EQ(negotiate("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", QueryForm::select),
            ResultFormat::xml);
}

}  // namespace
