#include "rdf_io.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

namespace ts = torchprov::triplestore;
using torchprov::Statement;
using torchprov::Term;

namespace {

std::vector<Statement> parse(std::string_view text, ts::RdfFormat format) {
  std::vector<Statement> out;
  ts::rdf_io::parse_text(text, format, [&](const Statement& s) { out.push_back(s); });
  return out;
}

std::vector<Statement> tricky_statements() {
  const Term s = Term::iri("https://w3id.org/torchprov/run/1");
  const Term p = Term::iri(std::string(torchprov::dl_namespace) + "note");
  std::vector<Statement> v;
  for (const std::string graph : {"", "https://w3id.org/torchprov/graph/1"}) {
    v.push_back({s, p, Term::literal("say \"hi\"\nand 'bye'\ttab\\backslash", ""), graph});
    v.push_back({s, p, Term::literal("triple \"\"\" quotes and \"\"\"\" more"), graph});
    v.push_back({s, p, Term::literal("non-ASCII: Größe · 学习率 · 😀"), graph});
    v.push_back({s, p, Term::lang_literal("perte", "fr"), graph});
    v.push_back({s, p, Term::lang_literal("loss", "en-GB"), graph});
    v.push_back({s, p, Term::literal("0.25", "http://www.w3.org/2001/XMLSchema#double"), graph});
    v.push_back({s, p, Term::literal("", ""), graph});
    v.push_back({s, Term::iri("http://example.org/with#frag"), Term::iri("http://example.org/a%20b~c"), graph});
    v.push_back({Term::blank("node0"), p, Term::literal("from a blank\r\n"), graph});
  }
  return v;
}

}  // namespace

TEST(RdfIo, FormatFromPath) {
  EXPECT_EQ(ts::format_from_path("a/b.ttl"), ts::RdfFormat::turtle);
  EXPECT_EQ(ts::format_from_path("x.nq"), ts::RdfFormat::nquads);
  EXPECT_EQ(ts::format_from_path("x.trig"), ts::RdfFormat::trig);
  EXPECT_EQ(ts::format_from_path("x.nt"), ts::RdfFormat::ntriples);
  EXPECT_EQ(ts::format_from_path("x.json"), std::nullopt);
  EXPECT_EQ(ts::format_from_path("ontology.owl"), ts::RdfFormat::rdfxml);
  EXPECT_EQ(ts::format_from_path("data.rdf"), ts::RdfFormat::rdfxml);
  EXPECT_EQ(ts::format_from_name("rdfxml"), ts::RdfFormat::rdfxml);
}

TEST(RdfIo, ReadsRdfXmlWithRelativeIrisBlankNodesAndTypedLiterals) {
  // Written out by hand: the triples a reader of the RDF/XML spec gets from it.
  const auto dir = std::filesystem::temp_directory_path() / ("torchprov-rdfxml-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / "model.rdf";
  std::ofstream(file) << R"(<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:ex="http://example.org/">
  <ex:Run rdf:about="#run1">
    <ex:lr rdf:datatype="http://www.w3.org/2001/XMLSchema#double">0.001</ex:lr>
    <ex:note xml:lang="en">first</ex:note>
    <ex:data rdf:resource="data.ttl"/>
    <ex:by><ex:Person><ex:name>Ana</ex:name></ex:Person></ex:by>
  </ex:Run>
</rdf:RDF>
)";
  std::vector<Statement> got;
  ts::rdf_io::parse_file(file, ts::RdfFormat::rdfxml, [&](const Statement& s) { got.push_back(s); }, "p_");
  const std::string base = "file://" + std::filesystem::absolute(dir).lexically_normal().string() + "/";
  const Term run = Term::iri(base + "model.rdf#run1");
  const auto ex = [](const char* local) { return Term::iri(std::string("http://example.org/") + local); };
  ASSERT_EQ(got.size(), 7u);
  EXPECT_EQ(got[0], (Statement{run, Term::iri("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ex("Run"), ""}));
  EXPECT_EQ(got[1], (Statement{run, ex("lr"), Term::literal("0.001", "http://www.w3.org/2001/XMLSchema#double"), ""}));
  EXPECT_EQ(got[2], (Statement{run, ex("note"), Term::lang_literal("first", "en"), ""}));
  EXPECT_EQ(got[3], (Statement{run, ex("data"), Term::iri(base + "data.ttl"), ""}));
  // The person is a blank node with the caller's prefix, the same in all its triples.
  Term person;
  for (const auto& st : got)
    for (const Term* t : {&st.subject, &st.object})
      if (t->kind == torchprov::TermKind::blank) person = *t;
  ASSERT_EQ(person.kind, torchprov::TermKind::blank);
  EXPECT_TRUE(person.value.starts_with("p_")) << person.value;
  std::multiset<std::string> rest;
  for (std::size_t i = 4; i < got.size(); ++i)
    rest.insert((got[i].subject == person ? "_" : got[i].subject.value) + " " + got[i].predicate.value + " " +
                (got[i].object == person ? "_" : got[i].object.value));
  EXPECT_EQ(rest, (std::multiset<std::string>{"_ http://example.org/name Ana",
                                               "_ http://www.w3.org/1999/02/22-rdf-syntax-ns#type http://example.org/Person",
                                               run.value + " http://example.org/by _"}));
  // A malformed document: a ParseError naming the file and the line.
  const auto bad = dir / "bad.rdf";
  std::ofstream(bad) << "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
                        "  <rdf:Description rdf:about=\"http://e/x\">\n    <oops\n</rdf:RDF>\n";
  try {
    ts::rdf_io::parse_file(bad, ts::RdfFormat::rdfxml, [](const Statement&) {});
    ADD_FAILURE() << "malformed RDF/XML was accepted";
  } catch (const ts::ParseError& e) {
    EXPECT_EQ(e.file, bad.string());
    EXPECT_GE(e.line, 3u) << e.what();
  }
  std::filesystem::remove_all(dir);
}

class RoundTrip : public ::testing::TestWithParam<ts::RdfFormat> {};

TEST_P(RoundTrip, TrickyLiteralsSurvive) {
  const ts::RdfFormat format = GetParam();
  const bool keeps_graphs = format == ts::RdfFormat::nquads || format == ts::RdfFormat::trig;
  std::vector<Statement> input = tricky_statements();
  if (!keeps_graphs)
    for (auto& st : input) st.graph.clear();
  std::ostringstream text;
  {
    ts::rdf_io::Writer writer(text, format);
    for (const auto& st : input) writer.write(st);
  }
  std::vector<Statement> back = parse(text.str(), format);
  std::vector<Statement> expected = input;
  if (!keeps_graphs) {  // the two halves collapse into one set
    expected.resize(expected.size() / 2);
    std::vector<Statement> dedup;
    for (auto& st : back)
      if (std::find(dedup.begin(), dedup.end(), st) == dedup.end()) dedup.push_back(st);
    back = dedup;
  }
  auto less = [](const Statement& a, const Statement& b) {
    return std::tie(a.graph, a.subject.value, a.object.value, a.object.language) <
           std::tie(b.graph, b.subject.value, b.object.value, b.object.language);
  };
  std::sort(back.begin(), back.end(), less);
  std::sort(expected.begin(), expected.end(), less);
  ASSERT_EQ(back.size(), expected.size()) << text.str();
  for (std::size_t i = 0; i < back.size(); ++i) EXPECT_EQ(back[i], expected[i]) << text.str();
}

INSTANTIATE_TEST_SUITE_P(AllFormats, RoundTrip,
                         ::testing::Values(ts::RdfFormat::turtle, ts::RdfFormat::ntriples, ts::RdfFormat::nquads,
                                           ts::RdfFormat::trig));

TEST(RdfIo, PrefixesBaseAndBlankPrefix) {
  std::vector<Statement> out;
  ts::rdf_io::parse_text("@prefix ex: <http://example.org/> .\n@base <http://base.org/dir/> .\n"
                         "ex:a <rel> [ ex:p \"v\"^^ex:dt ] .\n",
                         ts::RdfFormat::turtle, [&](const Statement& s) { out.push_back(s); }, "t", "f1_");
  ASSERT_EQ(out.size(), 2u);
  const bool inner_first = out[0].subject.kind == torchprov::TermKind::blank;
  const Statement& inner = out[inner_first ? 0 : 1];
  const Statement& outer = out[inner_first ? 1 : 0];
  EXPECT_TRUE(inner.subject.value.starts_with("f1_"));
  EXPECT_EQ(inner.object.datatype, "http://example.org/dt");
  EXPECT_EQ(outer.predicate.value, "http://base.org/dir/rel");
  EXPECT_EQ(outer.object, inner.subject);
}

TEST(RdfIo, SyntaxErrorNamesLineAndColumn) {
  std::size_t delivered = 0;
  try {
    ts::rdf_io::parse_text("<http://a> <http://b> <http://c> .\n<http://a> <http://b> \"unterminated .\n",
                           ts::RdfFormat::ntriples, [&](const Statement&) { ++delivered; }, "bad.nt");
    FAIL() << "no error";
  } catch (const ts::ParseError& e) {
    EXPECT_EQ(e.file, "bad.nt");
    EXPECT_EQ(e.line, 2u);
    EXPECT_GT(e.column, 0u);
    EXPECT_TRUE(std::string(e.what()).starts_with("bad.nt:2:")) << e.what();
  }
  EXPECT_EQ(delivered, 1u);
}

TEST(RdfIo, MissingFileIsAnError) {
  EXPECT_THROW(ts::rdf_io::parse_file("/nonexistent/x.ttl", ts::RdfFormat::turtle, [](const Statement&) {}),
               std::runtime_error);
}

// A NUL byte in a request body is a byte like any other: reading the body as
// a C string once stopped at it and dropped every statement after it, while
// the endpoint acknowledged the request.
TEST(RdfIo, TextAfterANulByteIsReadNotDropped) {
  using namespace std::string_view_literals;
  const auto between = "<a:s> <a:p> <a:o1> .\n\0<a:s> <a:p> <a:o2> .\n"sv;
  const auto inside = "<a:s> <a:p> \"x\0y\" .\n<a:s> <a:p> <a:o2> .\n"sv;
  for (const auto text : {between, inside}) {
    std::vector<Statement> statements;
    try {
      statements = parse(text, ts::RdfFormat::ntriples);
    } catch (const ts::ParseError&) {
      continue;  // refusing the whole body is as good
    }
    ASSERT_EQ(statements.size(), 2u);
    EXPECT_EQ(statements[1].object.value, "a:o2");
  }
  const auto value = parse(inside, ts::RdfFormat::ntriples)[0].object.value;
  EXPECT_EQ(value, "x\0y"sv);
}

// A relative IRI is not an RDF term: resolved against the base given (the
// request's IRI, the file's), or an error naming it.
TEST(RdfIo, RelativeIrisNeedABase) {
  try {
    parse("<s> <http://a/p> <http://a/o> .\n", ts::RdfFormat::turtle);
    ADD_FAILURE() << "a relative IRI without a base was accepted";
  } catch (const ts::ParseError& e) {
    EXPECT_NE(std::string(e.what()).find("relative IRI <s>"), std::string::npos) << e.what();
  }
  std::vector<Statement> out;
  ts::rdf_io::parse_text("<s> <http://a/p> <#o> .\n", ts::RdfFormat::turtle,
                         [&](const Statement& s) { out.push_back(s); }, "body", {}, "http://host:1/data?graph=g");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].subject.value, "http://host:1/s");
  EXPECT_EQ(out[0].object.value, "http://host:1/data?graph=g#o");
  EXPECT_EQ(parse("@base <http://b/> . <s> <p> <o> .\n", ts::RdfFormat::turtle)[0].predicate.value, "http://b/p");
}

TEST(RdfIo, AnUndefinedPrefixIsReportedWhereItIsUsed) {
  try {
    parse("@prefix a: <http://a/> .\n\n  b:x a:p a:o .\n", ts::RdfFormat::turtle);
    ADD_FAILURE() << "an undefined prefix was accepted";
  } catch (const ts::ParseError& e) {
    EXPECT_EQ(e.line, 3u) << e.what();
    EXPECT_EQ(e.column, 3u) << e.what();
  }
}
