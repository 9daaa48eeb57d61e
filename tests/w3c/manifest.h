// The W3C SPARQL 1.1 test manifests as plain data: which tests exist, of
// what kind, and which files they read.
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

namespace torchprov::w3c {

enum class TestKind {
  query_evaluation,   // mf:QueryEvaluationTest and mf:CSVResultFormatTest
  update_evaluation,  // mf:UpdateEvaluationTest
  positive_query_syntax,
  negative_query_syntax,
  positive_update_syntax,
  negative_update_syntax,
  other,  // protocol, service description, ...: not run
};

// A graph of an update test's dataset: the file holding it and, for a
// named graph, its name (rdfs:label of the ut:graphData node).
struct GraphFile {
  std::string file_iri;
  std::string graph_name;  // empty: the default graph
};

struct TestCase {
  std::string iri;        // the test's identifier
  std::string name;       // mf:name
  std::string folder;     // the suite folder, e.g. "aggregates"
  std::string type_iri;   // rdf:type as written in the manifest
  TestKind kind = TestKind::other;
  std::string query_iri;  // qt:query, ut:request, or the syntax test's action
  std::vector<std::string> data_iris;        // qt:data / ut:data: the default graph
  std::vector<std::string> graph_data_iris;  // qt:graphData: named graph = file IRI
  std::vector<GraphFile> update_graphs;      // ut:graphData before the update
  std::string result_iri;                    // query tests' expected result
  std::vector<GraphFile> expected_graphs;    // update tests: default and named graphs after
  // qt:serviceData: the endpoints a SERVICE may ask and their data (the
  // runner answers them in process).
  std::vector<std::pair<std::string, std::vector<std::string>>> service_data;
  std::vector<std::string> requirements;     // mf:requires / other reasons to skip
};

struct SuiteManifestError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// file:///abs/path <-> path.  Manifests name every file by such an IRI.
std::string file_iri(const std::filesystem::path& path);
std::filesystem::path path_of_file_iri(const std::string& iri);

// Reads a top-level manifest (mf:include of per-folder manifests, or
// mf:entries directly) and returns its tests in manifest order.
std::vector<TestCase> read_manifest_tree(const std::filesystem::path& manifest);

}  // namespace torchprov::w3c
