#include "test_execution.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>

#include "isomorphism.h"
#include "rdf_files.h"
#include "results/rdf_text_reader.h"
#include "results/result_format.h"
#include "results/result_readers.h"
#include "dataset.h"
#include "sparql/engine.h"

namespace torchprov::w3c {
namespace {

namespace sparql = triplestore::sparql;
namespace results = triplestore::results;
using triplestore::Dataset;
using triplestore::Quad;
using triplestore::TermId;

// Folders whose tests need entailment regimes or a live HTTP service:
// outside what an in-process engine run can check.  (SERVICE runs in
// process: the endpoints of qt:serviceData are answered from their data.)
const std::map<std::string, std::string, std::less<>> skipped_folders{
    {"entailment", "entailment regimes are not implemented"},
    {"protocol", "SPARQL protocol tests need an HTTP server"},
    {"http-rdf-update", "graph store protocol tests need an HTTP server"},
    {"graph-store-protocol", "graph store protocol tests need an HTTP server"},
    {"service-description", "service description tests need an HTTP server"},
};

// Loads every file into `dataset`: into the default graph, or into the
// named graph `graph_name`.  Each file gets its own blank node prefix.
class DatasetLoader {
 public:
  explicit DatasetLoader(Dataset& dataset) : dataset_(dataset) {}

  void load(const std::string& file_iri, const std::string& graph_name) {
    const auto statements = read_rdf_file(file_iri, "f" + std::to_string(++files_) + "_");
    const TermId graph = graph_name.empty() ? triplestore::default_graph_id : dataset_.intern(Term::iri(graph_name));
    std::vector<Quad> quads;
    quads.reserve(statements.size());
    for (const auto& statement : statements) {
      quads.push_back({dataset_.intern(statement.subject), dataset_.intern(statement.predicate),
                       dataset_.intern(statement.object), graph});
    }
    dataset_.insert_bulk(std::move(quads));
  }

 private:
  Dataset& dataset_;
  int files_ = 0;
};

std::vector<Statement> dataset_statements(const Dataset& dataset) {
  std::vector<Statement> statements;
  dataset.match(Quad{0, 0, 0, 0}, [&](const Quad& quad) {
    Statement statement{dataset.term(quad.s), dataset.term(quad.p), dataset.term(quad.o), {}};
    if (quad.g != triplestore::default_graph_id) {
      const Term& graph = dataset.term(quad.g);
      statement.graph = graph.kind == TermKind::blank ? "_:" + graph.value : graph.value;
    }
    statements.push_back(std::move(statement));
    return true;
  });
  return statements;
}

std::vector<Statement> expected_dataset(const std::vector<GraphFile>& files) {
  std::vector<Statement> statements;
  int file_number = 0;
  for (const auto& file : files) {
    auto graph = read_rdf_file(file.file_iri, "e" + std::to_string(++file_number) + "_");
    for (auto& statement : graph) {
      statement.graph = file.graph_name;
      statements.push_back(std::move(statement));
    }
  }
  return statements;
}

enum class ExpectedKind { solutions, graph, csv };

struct ExpectedResult {
  ExpectedKind kind = ExpectedKind::solutions;
  sparql::QueryResult solutions;   // solutions / boolean (also CSV, read lossily)
  std::vector<Statement> graph;    // CONSTRUCT / DESCRIBE
};

ExpectedResult read_expected(const std::string& result_iri) {
  const auto path = path_of_file_iri(result_iri);
  const auto extension = path.extension().string();
  ExpectedResult expected;
  if (extension == ".srx") {
    expected.solutions = results::read_xml_results(read_text_file(path));
  } else if (extension == ".srj") {
    expected.solutions = results::read_json_results(read_text_file(path));
  } else if (extension == ".tsv") {
    expected.solutions = results::read_tsv_results(read_text_file(path));
  } else if (extension == ".csv") {
    expected.kind = ExpectedKind::csv;
    expected.solutions = results::read_csv_results(read_text_file(path));
  } else {
    auto statements = read_rdf_file(result_iri, "e_");
    if (results::holds_rdf_result_set(statements)) {
      expected.solutions = results::read_rdf_result_set(statements);
    } else {
      expected.kind = ExpectedKind::graph;
      expected.graph = std::move(statements);
    }
  }
  return expected;
}

// Both answers' rows over one column order (expected's variables, then any
// the actual answer adds), so rows compare positionally.
std::pair<std::vector<Row>, std::vector<Row>> aligned_rows(const sparql::QueryResult& expected,
                                                           const sparql::QueryResult& actual) {
  std::vector<std::string> columns = expected.variables;
  for (const auto& variable : actual.variables) {
    if (std::find(columns.begin(), columns.end(), variable) == columns.end()) columns.push_back(variable);
  }
  const auto realign = [&](const sparql::QueryResult& result) {
    std::vector<std::size_t> source(columns.size(), SIZE_MAX);
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto found = std::find(result.variables.begin(), result.variables.end(), columns[i]);
      if (found != result.variables.end()) source[i] = static_cast<std::size_t>(found - result.variables.begin());
    }
    std::vector<Row> rows;
    for (const auto& row : result.rows) {
      Row aligned(columns.size());
      for (std::size_t i = 0; i < columns.size(); ++i) {
        if (source[i] < row.size()) aligned[i] = row[source[i]];
      }
      rows.push_back(std::move(aligned));
    }
    return rows;
  };
  return {realign(expected), realign(actual)};
}

std::string_view form_name(sparql::QueryForm form) {
  switch (form) {
    case sparql::QueryForm::select: return "SELECT";
    case sparql::QueryForm::ask: return "ASK";
    case sparql::QueryForm::construct: return "CONSTRUCT";
    case sparql::QueryForm::describe: return "DESCRIBE";
  }
  return "?";
}

Outcome judge(const ExpectedResult& expected, const sparql::QueryResult& actual) {
  const bool actual_is_graph =
      actual.form == sparql::QueryForm::construct || actual.form == sparql::QueryForm::describe;
  if (expected.kind == ExpectedKind::graph) {
    if (!actual_is_graph) return {Verdict::failed, "expected a graph, got a " + std::string(form_name(actual.form)) + " result"};
    std::vector<Statement> triples = actual.triples;
    for (auto& triple : triples) triple.graph.clear();
    const auto comparison = compare_statement_sets(expected.graph, triples);
    return comparison.equal ? Outcome{Verdict::passed, {}} : Outcome{Verdict::failed, "graph differs: " + comparison.difference};
  }
  if (expected.solutions.form == sparql::QueryForm::ask) {
    if (actual.form != sparql::QueryForm::ask) return {Verdict::failed, "expected an ASK result, got " + std::string(form_name(actual.form))};
    if (actual.boolean != expected.solutions.boolean) {
      return {Verdict::failed, std::string("expected ") + (expected.solutions.boolean ? "true" : "false") + ", got " +
                                   (actual.boolean ? "true" : "false")};
    }
    return {Verdict::passed, {}};
  }
  if (actual.form != sparql::QueryForm::select) {
    return {Verdict::failed, "expected solutions, got a " + std::string(form_name(actual.form)) + " result"};
  }
  sparql::QueryResult comparable = actual;
  if (expected.kind == ExpectedKind::csv) {
    // CSV loses term kinds: put the actual answer through the same loss.
    std::ostringstream csv;
    results::write_query_result(actual, results::ResultFormat::csv, csv);
    comparable = results::read_csv_results(csv.str());
    comparable.ordered = actual.ordered;
  }
  const auto [expected_rows, actual_rows] = aligned_rows(expected.solutions, comparable);
  const auto comparison = compare_row_multisets(expected_rows, actual_rows);
  if (!comparison.equal) return {Verdict::failed, "solutions differ: " + comparison.difference};
  if (actual.ordered) {
    const auto in_order = compare_row_sequences(expected_rows, actual_rows);
    if (!in_order.equal) return {Verdict::failed, "ORDER BY: " + in_order.difference};
  }
  return {Verdict::passed, {}};
}

sparql::QueryOptions test_options(const std::string& base_iri, std::chrono::milliseconds timeout) {
  sparql::QueryOptions options;
  options.base_iri = base_iri;
  options.union_default_graph = false;  // the W3C tests' dataset convention
  options.timeout = timeout;
  return options;
}

// The endpoints of qt:serviceData, each a dataset of its own answering
// SERVICE requests (nested SERVICE included); any other endpoint fails, as
// an unreachable host would.
class ServiceEndpoints {
 public:
  explicit ServiceEndpoints(const TestCase& test, std::chrono::milliseconds timeout) : timeout_(timeout) {
    for (const auto& [endpoint, files] : test.service_data) {
      auto& dataset = datasets_[endpoint];
      dataset = std::make_unique<Dataset>();
      DatasetLoader loader(*dataset);
      for (const auto& file : files) loader.load(file, {});
    }
  }
  void enable(sparql::QueryOptions& options) const {
    options.service_allowed = [](const std::string&) { return true; };
    options.service = [this](const std::string& endpoint, const std::string& query) {
      const auto found = datasets_.find(endpoint);
      if (found == datasets_.end()) throw sparql::ServiceFailed("no endpoint " + endpoint + " in this test");
      sparql::QueryOptions inner = test_options({}, timeout_);
      enable(inner);
      return sparql::execute_query(*found->second, query, inner);
    };
  }

 private:
  std::map<std::string, std::unique_ptr<Dataset>> datasets_;
  std::chrono::milliseconds timeout_;
};

Outcome run_query_evaluation(const TestCase& test, std::chrono::milliseconds timeout) {
  Dataset dataset;
  DatasetLoader loader(dataset);
  for (const auto& data : test.data_iris) loader.load(data, {});
  for (const auto& data : test.graph_data_iris) loader.load(data, data);
  const ExpectedResult expected = read_expected(test.result_iri);
  const std::string query = read_text_file(path_of_file_iri(test.query_iri));
  const ServiceEndpoints services(test, timeout);
  auto options = test_options(test.query_iri, timeout);
  services.enable(options);
  const auto actual = sparql::execute_query(dataset, query, options);
  return judge(expected, actual);
}

Outcome run_update_evaluation(const TestCase& test, std::chrono::milliseconds timeout) {
  Dataset dataset;
  DatasetLoader loader(dataset);
  for (const auto& file : test.update_graphs) loader.load(file.file_iri, file.graph_name);
  const auto expected = expected_dataset(test.expected_graphs);
  const std::string request = read_text_file(path_of_file_iri(test.query_iri));
  sparql::execute_update(dataset, request, test_options(test.query_iri, timeout));
  const auto comparison = compare_statement_sets(expected, dataset_statements(dataset));
  if (!comparison.equal) return {Verdict::failed, "dataset after the update differs: " + comparison.difference};
  return {Verdict::passed, {}};
}

// Syntax tests: a positive test passes when the text parses (the engine
// runs it on an empty dataset; any error but SyntaxError, UnsupportedFeature
// included, means the grammar was accepted and the refusal came later, e.g.
// LOAD of a remote document), a negative one when the engine reports a
// SyntaxError.
Outcome run_syntax_test(const TestCase& test, std::chrono::milliseconds timeout) {
  const bool is_update = test.kind == TestKind::positive_update_syntax || test.kind == TestKind::negative_update_syntax;
  const bool is_positive = test.kind == TestKind::positive_query_syntax || test.kind == TestKind::positive_update_syntax;
  const std::string text = read_text_file(path_of_file_iri(test.query_iri));
  Dataset dataset;
  try {
    if (is_update) sparql::execute_update(dataset, text, test_options(test.query_iri, timeout));
    else sparql::execute_query(dataset, text, test_options(test.query_iri, timeout));
  } catch (const sparql::SyntaxError& error) {
    if (is_positive) return {Verdict::failed, std::string("rejected valid text: ") + error.what()};
    return {Verdict::passed, {}};
  } catch (const std::exception& error) {
    if (is_positive) return {Verdict::passed, {}};
    return {Verdict::failed, std::string("expected a syntax error, got: ") + error.what()};
  }
  if (is_positive) return {Verdict::passed, {}};
  return {Verdict::failed, "accepted invalid text"};
}


}  // namespace

std::optional<std::string> skip_reason(const TestCase& test) {
  if (const auto folder = skipped_folders.find(test.folder); folder != skipped_folders.end()) return folder->second;
  if (!test.requirements.empty()) return "requires " + test.requirements.front();
  if (test.kind == TestKind::other) return "test type " + test.type_iri + " is not run in process";
  return std::nullopt;
}

Outcome run_test(const TestCase& test, std::chrono::milliseconds timeout) {
  try {
    switch (test.kind) {
      case TestKind::query_evaluation: return run_query_evaluation(test, timeout);
      case TestKind::update_evaluation: return run_update_evaluation(test, timeout);
      case TestKind::positive_query_syntax:
      case TestKind::negative_query_syntax:
      case TestKind::positive_update_syntax:
      case TestKind::negative_update_syntax: return run_syntax_test(test, timeout);
      case TestKind::other: break;
    }
    return {Verdict::skipped, "not an executable test"};
  } catch (const sparql::SyntaxError& error) {
    return {Verdict::failed, "syntax error at " + std::to_string(error.line) + ":" + std::to_string(error.column) +
                                 ": " + error.what()};
  } catch (const sparql::UnsupportedFeature& error) {
    return {Verdict::failed, std::string("unsupported: ") + error.what()};
  } catch (const sparql::QueryTimeout& error) {
    return {Verdict::failed, std::string("timed out: ") + error.what()};
  } catch (const std::exception& error) {
    return {Verdict::failed, std::string("exception: ") + error.what()};
  } catch (...) {
    return {Verdict::failed, "unknown exception"};
  }
}

}  // namespace torchprov::w3c
