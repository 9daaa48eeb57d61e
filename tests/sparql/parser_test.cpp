// Parser tests: error positions, accepted forms, and the W3C syntax suites.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "sparql/syntax.h"

namespace sparql = torchprov::triplestore::sparql;

namespace {

std::filesystem::path w3c_dir() {
  if (const char* env = std::getenv("TORCHPROV_W3C_DIR")) return env;
#ifdef TORCHPROV_W3C_DIR
  return TORCHPROV_W3C_DIR;
#else
  return "../shared/w3c-sparql11";
#endif
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct SyntaxCase {
  std::filesystem::path file;
  bool positive;
  bool update;
};

// The manifests list each test as "rdf:type mf:<Kind> ; ... mf:action <file>".
std::vector<SyntaxCase> syntax_cases(const std::filesystem::path& folder) {
  std::vector<SyntaxCase> cases;
  std::string text = read_file(folder / "manifest.ttl");
  std::regex entry(R"(mf:(Positive|Negative)(Update)?SyntaxTest11)");
  for (std::sregex_iterator it(text.begin(), text.end(), entry), end; it != end; ++it) {
    auto action = text.find("mf:action", static_cast<std::size_t>(it->position()));
    auto open = text.find('<', action), close = text.find('>', open);
    if (action == std::string::npos || close == std::string::npos) continue;
    cases.push_back({folder / text.substr(open + 1, close - open - 1), (*it)[1] == "Positive", (*it)[2].matched});
  }
  return cases;
}

void run_syntax_suite(const std::string& name) {
  auto folder = w3c_dir() / name;
  if (!std::filesystem::exists(folder / "manifest.ttl"))
    GTEST_SKIP() << "W3C test folder " << folder << " is absent (set TORCHPROV_W3C_DIR)";
  auto cases = syntax_cases(folder);
  ASSERT_FALSE(cases.empty());
  std::size_t failures = 0;
  for (const auto& c : cases) {
    std::string text = read_file(c.file);
    std::string error;
    bool accepted = true;
    try {
      if (c.update) sparql::parse_update(text, "http://example.org/base/");
      else sparql::parse_query(text, "http://example.org/base/");
    } catch (const std::exception& e) {
      accepted = false;
      error = e.what();
    }
    if (accepted != c.positive) {
      ++failures;
      ADD_FAILURE() << c.file.filename() << (c.positive ? " rejected: " + error : " accepted but is invalid");
    }
  }
  std::cout << name << ": " << cases.size() - failures << "/" << cases.size() << " syntax tests pass\n";
}

}  // namespace

TEST(Parser, ReportsLineAndColumnOfUnexpectedToken) {
  try {
    sparql::parse_query("SELECT ?x\nWHERE { ?x <p> }");
    FAIL() << "no error";
  } catch (const sparql::SyntaxError& e) {
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.column, 16u);
    EXPECT_NE(std::string(e.what()).find("expected"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("'}'"), std::string::npos);
  }
}

TEST(Parser, UndefinedPrefixIsAnError) {
  EXPECT_THROW(sparql::parse_query("SELECT * { ?s ex:p ?o }"), sparql::SyntaxError);
}

TEST(Parser, ServiceKeepsItsPatternAsWrittenWithThePrologue) {
  const auto q = sparql::parse_query(
      "BASE <http://b/> PREFIX x: <http://x/> SELECT * { ?a x:p ?b SERVICE SILENT <http://remote/sparql> "
      "{ ?b x:q ?c # comment\n FILTER(?c > 1) } }");
  const auto& service = q.where.elements.back();
  ASSERT_EQ(service.kind, sparql::syntax::ElementKind::service);
  EXPECT_TRUE(service.silent);
  EXPECT_EQ(service.graph.term.value, "http://remote/sparql");
  EXPECT_NE(service.service_query.find("PREFIX x: <http://x/>"), std::string::npos) << service.service_query;
  EXPECT_NE(service.service_query.find("BASE <http://b/>"), std::string::npos) << service.service_query;
  EXPECT_NE(service.service_query.find("SELECT * WHERE { ?b x:q ?c # comment\n FILTER(?c > 1) }"), std::string::npos)
      << service.service_query;
  EXPECT_EQ(sparql::service_endpoints(q), (std::vector<std::string>{"http://remote/sparql"}));
  const auto variable = sparql::parse_query("SELECT * { ?e ?p ?o SERVICE ?e { ?s ?p ?o } }");
  EXPECT_EQ(sparql::service_endpoints(variable), (std::vector<std::string>{"?e"}));
}

TEST(Parser, ParsesPathsAndModifiers) {
  auto q = sparql::parse_query(
      "PREFIX : <http://e/> SELECT ?a (COUNT(DISTINCT ?b) AS ?n) WHERE { ?a (:p/^:q)+|!(:r|^:s) ?b "
      "OPTIONAL { ?b :t ?c FILTER NOT EXISTS { ?c :u [] } } } GROUP BY ?a HAVING (?n > 1) ORDER BY DESC(?n) "
      "LIMIT 5 OFFSET 2");
  EXPECT_EQ(q.select.size(), 2u);
  ASSERT_EQ(q.where.elements.size(), 2u);
  EXPECT_TRUE(q.where.elements[0].triples[0].predicate_is_path);
  EXPECT_EQ(q.where.elements[0].triples[0].path.kind, sparql::syntax::PathKind::alternative);
  EXPECT_EQ(q.limit, 5u);
  EXPECT_EQ(q.offset, 2u);
  EXPECT_EQ(q.group_by.size(), 1u);
}

TEST(Parser, BindOfInScopeVariableIsAnError) {
  EXPECT_THROW(sparql::parse_query("SELECT * { ?s ?p ?o BIND(1 AS ?o) }"), sparql::SyntaxError);
}

TEST(Parser, UpdateSequence) {
  auto u = sparql::parse_update(
      "PREFIX : <http://e/> INSERT DATA { :a :b :c . GRAPH :g { :a :b 1 } } ; DELETE WHERE { ?s :b ?o } ;"
      "CLEAR SILENT GRAPH :g ; DROP ALL ; COPY DEFAULT TO :h ; WITH :g DELETE { ?s ?p ?o } INSERT { ?s ?p 2 } "
      "USING :g WHERE { ?s ?p ?o }");
  ASSERT_EQ(u.operations.size(), 6u);
  EXPECT_EQ(u.operations[0].insert.size(), 2u);
  EXPECT_TRUE(u.operations[2].silent);
  EXPECT_EQ(u.operations[5].with.value(), "http://e/g");
}

TEST(Parser, DeleteDataRejectsBlankNodesAndVariables) {
  EXPECT_THROW(sparql::parse_update("DELETE DATA { _:a <p> <o> }"), sparql::SyntaxError);
  EXPECT_THROW(sparql::parse_update("INSERT DATA { ?a <p> <o> }"), sparql::SyntaxError);
}

TEST(Parser, ResolvesRelativeIrisAgainstBase) {
  auto q = sparql::parse_query("BASE <http://a/b/c/d;p?q> SELECT * { <../g> <#h> <?y> }");
  const auto& t = q.where.elements[0].triples[0];
  EXPECT_EQ(t.subject.term.value, "http://a/b/g");
  EXPECT_EQ(t.predicate.term.value, "http://a/b/c/d;p?q#h");
  EXPECT_EQ(t.object.term.value, "http://a/b/c/d;p?y");
}

TEST(W3CSyntax, Query) { run_syntax_suite("syntax-query"); }
TEST(W3CSyntax, Update1) { run_syntax_suite("syntax-update-1"); }
TEST(W3CSyntax, Update2) { run_syntax_suite("syntax-update-2"); }

TEST(Parser, GroupingErrorsPointAtTheProjection) {
  try {
    sparql::parse_query("SELECT ?s\n  ?o { ?s ?p ?o } GROUP BY ?s");
    FAIL() << "no error";
  } catch (const sparql::SyntaxError& e) {
    EXPECT_EQ(e.line, 2u);
    EXPECT_EQ(e.column, 3u);
  }
}

TEST(Parser, AggregateInFilterIsAnError) {
  EXPECT_THROW(sparql::parse_query("SELECT * { ?s ?p ?o FILTER(COUNT(?o) > 1) }"), sparql::SyntaxError);
}

TEST(Parser, ValuesRowWidthMustMatch) {
  EXPECT_THROW(sparql::parse_query("SELECT * { VALUES (?a ?b) { (1) } }"), sparql::SyntaxError);
}
