#include "manifest.h"

#include <map>
#include <set>

#include "rdf_files.h"
#include "results/rdf_text_reader.h"

namespace torchprov::w3c {
namespace {

constexpr std::string_view rdf_ns = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr std::string_view rdfs_ns = "http://www.w3.org/2000/01/rdf-schema#";
constexpr std::string_view mf_ns = "http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#";
constexpr std::string_view qt_ns = "http://www.w3.org/2001/sw/DataAccess/tests/test-query#";
constexpr std::string_view ut_ns = "http://www.w3.org/2009/sparql/tests/test-update#";

std::string vocabulary_iri(std::string_view ns, std::string_view local) { return std::string(ns) + std::string(local); }

std::string key_of(const Term& term) { return (term.kind == TermKind::blank ? "_:" : "") + term.value; }

// One parsed manifest with subject -> predicate -> objects lookups.
class ManifestGraph {
 public:
  explicit ManifestGraph(const std::filesystem::path& path) : iri_(file_iri(path)) {
    const auto statements = triplestore::results::read_rdf_text(
        read_text_file(path), triplestore::results::RdfSyntax::turtle, {iri_, {}});
    for (const auto& statement : statements) {
      objects_[key_of(statement.subject)][statement.predicate.value].push_back(statement.object);
    }
  }

  const std::string& iri() const { return iri_; }

  std::vector<Term> objects(const Term& subject, const std::string& predicate) const {
    const auto node = objects_.find(key_of(subject));
    if (node == objects_.end()) return {};
    const auto values = node->second.find(predicate);
    return values == node->second.end() ? std::vector<Term>{} : values->second;
  }
  std::optional<Term> object(const Term& subject, const std::string& predicate) const {
    auto values = objects(subject, predicate);
    if (values.empty()) return std::nullopt;
    return values.front();
  }
  std::string object_value(const Term& subject, const std::string& predicate) const {
    const auto value = object(subject, predicate);
    return value ? value->value : std::string();
  }

  // The members of the RDF collection starting at `head`.
  std::vector<Term> list(const Term& head) const {
    std::vector<Term> members;
    std::set<std::string> seen;  // a cyclic list would loop forever
    Term node = head;
    const std::string nil = vocabulary_iri(rdf_ns, "nil");
    while (!(node.kind == TermKind::iri && node.value == nil) && seen.insert(key_of(node)).second) {
      const auto first = object(node, vocabulary_iri(rdf_ns, "first"));
      const auto rest = object(node, vocabulary_iri(rdf_ns, "rest"));
      if (!first || !rest) break;
      members.push_back(*first);
      node = *rest;
    }
    return members;
  }

 private:
  std::string iri_;
  std::map<std::string, std::map<std::string, std::vector<Term>>> objects_;
};

TestKind kind_of(const std::string& type) {
  if (type == vocabulary_iri(mf_ns, "QueryEvaluationTest") || type == vocabulary_iri(mf_ns, "CSVResultFormatTest")) {
    return TestKind::query_evaluation;
  }
  if (type == vocabulary_iri(mf_ns, "UpdateEvaluationTest") || type == vocabulary_iri(ut_ns, "UpdateEvaluationTest")) {
    return TestKind::update_evaluation;
  }
  if (type == vocabulary_iri(mf_ns, "PositiveSyntaxTest11") || type == vocabulary_iri(mf_ns, "PositiveSyntaxTest")) {
    return TestKind::positive_query_syntax;
  }
  if (type == vocabulary_iri(mf_ns, "NegativeSyntaxTest11") || type == vocabulary_iri(mf_ns, "NegativeSyntaxTest")) {
    return TestKind::negative_query_syntax;
  }
  if (type == vocabulary_iri(mf_ns, "PositiveUpdateSyntaxTest11")) return TestKind::positive_update_syntax;
  if (type == vocabulary_iri(mf_ns, "NegativeUpdateSyntaxTest11")) return TestKind::negative_update_syntax;
  return TestKind::other;
}

std::string folder_of(const std::filesystem::path& manifest) { return manifest.parent_path().filename().string(); }

std::vector<GraphFile> update_graph_files(const ManifestGraph& graph, const Term& node) {
  std::vector<GraphFile> files;
  for (const auto& data : graph.objects(node, vocabulary_iri(ut_ns, "data"))) files.push_back({data.value, {}});
  for (const auto& graph_data : graph.objects(node, vocabulary_iri(ut_ns, "graphData"))) {
    files.push_back({graph.object_value(graph_data, vocabulary_iri(ut_ns, "graph")),
                     graph.object_value(graph_data, vocabulary_iri(rdfs_ns, "label"))});
  }
  return files;
}

TestCase read_test(const ManifestGraph& graph, const Term& entry, const std::string& folder) {
  TestCase test;
  test.iri = entry.value;
  test.folder = folder;
  test.name = graph.object_value(entry, vocabulary_iri(mf_ns, "name"));
  test.type_iri = graph.object_value(entry, vocabulary_iri(rdf_ns, "type"));
  test.kind = kind_of(test.type_iri);
  for (const auto& requirement : graph.objects(entry, vocabulary_iri(mf_ns, "requires"))) {
    test.requirements.push_back(requirement.value);
  }
  const auto action = graph.object(entry, vocabulary_iri(mf_ns, "action"));
  if (!action) return test;
  if (action->kind == TermKind::iri) {
    test.query_iri = action->value;  // syntax tests name the query directly
    // Some update folders file their update syntax tests under the query
    // syntax test types; the .ru extension says what the text is.
    if (test.query_iri.ends_with(".ru")) {
      if (test.kind == TestKind::positive_query_syntax) test.kind = TestKind::positive_update_syntax;
      if (test.kind == TestKind::negative_query_syntax) test.kind = TestKind::negative_update_syntax;
    }
    return test;
  }
  if (test.kind == TestKind::update_evaluation) {
    test.query_iri = graph.object_value(*action, vocabulary_iri(ut_ns, "request"));
    test.update_graphs = update_graph_files(graph, *action);
    if (const auto result = graph.object(entry, vocabulary_iri(mf_ns, "result"))) {
      test.expected_graphs = update_graph_files(graph, *result);
    }
    return test;
  }
  test.query_iri = graph.object_value(*action, vocabulary_iri(qt_ns, "query"));
  for (const auto& data : graph.objects(*action, vocabulary_iri(qt_ns, "data"))) test.data_iris.push_back(data.value);
  for (const auto& data : graph.objects(*action, vocabulary_iri(qt_ns, "graphData"))) test.graph_data_iris.push_back(data.value);
  for (const auto& service : graph.objects(*action, vocabulary_iri(qt_ns, "serviceData"))) {
    std::vector<std::string> files;
    for (const auto& data : graph.objects(service, vocabulary_iri(qt_ns, "data"))) files.push_back(data.value);
    test.service_data.emplace_back(graph.object_value(service, vocabulary_iri(qt_ns, "endpoint")), std::move(files));
  }
  test.result_iri = graph.object_value(entry, vocabulary_iri(mf_ns, "result"));
  return test;
}

void read_manifest(const std::filesystem::path& path, std::vector<TestCase>& tests,
                   std::set<std::filesystem::path>& visited) {
  const auto canonical = std::filesystem::weakly_canonical(path);
  if (!visited.insert(canonical).second) return;
  const ManifestGraph graph(canonical);
  const Term self = Term::iri(graph.iri());
  for (const auto& head : graph.objects(self, vocabulary_iri(mf_ns, "include"))) {
    for (const auto& included : graph.list(head)) read_manifest(path_of_file_iri(included.value), tests, visited);
  }
  for (const auto& head : graph.objects(self, vocabulary_iri(mf_ns, "entries"))) {
    for (const auto& entry : graph.list(head)) tests.push_back(read_test(graph, entry, folder_of(canonical)));
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string file_iri(const std::filesystem::path& path) {
  const std::string absolute = std::filesystem::absolute(path).lexically_normal().string();
  std::string iri = "file://";
  for (const char c : absolute) {
    // Only what would break an IRI is escaped: the suite's names are ASCII.
    if (c == ' ' || c == '%' || c == '#' || c == '?') {
      static constexpr char digits[] = "0123456789ABCDEF";
      iri += '%';
      iri += digits[(static_cast<unsigned char>(c) >> 4) & 0xF];
      iri += digits[static_cast<unsigned char>(c) & 0xF];
    } else {
      iri += c;
    }
  }
  return iri;
}

std::filesystem::path path_of_file_iri(const std::string& iri) {
  std::string_view rest(iri);
  if (!rest.starts_with("file://")) throw SuiteManifestError("not a file IRI: " + iri);
  rest.remove_prefix(7);
  std::string path;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest[i] == '%' && i + 2 < rest.size() && hex_value(rest[i + 1]) >= 0 && hex_value(rest[i + 2]) >= 0) {
      path += static_cast<char>(hex_value(rest[i + 1]) * 16 + hex_value(rest[i + 2]));
      i += 2;
    } else {
      path += rest[i];
    }
  }
  return path;
}

std::vector<TestCase> read_manifest_tree(const std::filesystem::path& manifest) {
  std::vector<TestCase> tests;
  std::set<std::filesystem::path> visited;
  read_manifest(manifest, tests, visited);
  return tests;
}

}  // namespace torchprov::w3c
