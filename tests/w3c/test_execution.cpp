#include "test_execution.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <torchprov/triplestore.h>

#include "isomorphism.h"
#include "rdf_files.h"
#include "results/rdf_text_reader.h"
#include "results/result_readers.h"
#include "dataset.h"
#include "sparql/engine.h"

namespace torchprov::w3c {
namespace {

namespace fs = std::filesystem;
namespace sparql = triplestore::sparql;
namespace results = triplestore::results;
using triplestore::Dataset;
using triplestore::Quad;

// Folders whose tests need entailment regimes or a live HTTP service:
// outside what an in-process engine run can check.  (SERVICE runs in
// process: the endpoints of qt:serviceData are answered from their data.)
const std::map<std::string, std::string, std::less<>> skipped_folders{
    {"entailment", "entailment regimes are not implemented"},
    {"protocol", "SPARQL protocol tests need their own harness"},
    {"http-rdf-update", "graph store protocol tests need their own harness"},
    {"graph-store-protocol", "graph store protocol tests need their own harness"},
    {"service-description", "service description tests need their own harness"},
};

// A Store in a fresh temporary folder, removed afterwards: the test's data
// goes in through import_file as `torchprov import` puts it.
class ScratchStore {
 public:
  ScratchStore() {
    std::string pattern = (fs::temp_directory_path() / "torchprov-w3c-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot make a temporary folder");
    dir_ = pattern;
    store_.emplace(triplestore::Store::open(dir_ / "store"));
  }
  ~ScratchStore() {
    store_.reset();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  ScratchStore(const ScratchStore&) = delete;
  ScratchStore& operator=(const ScratchStore&) = delete;

  triplestore::Store& get() { return *store_; }
  // A file into the default graph (graph empty) or into a named graph.
  void import(const std::string& file_iri, const std::string& graph) {
    triplestore::import_file(*store_, path_of_file_iri(file_iri), std::nullopt, graph);
  }

 private:
  fs::path dir_;
  std::optional<triplestore::Store> store_;
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

// CSV as RFC 4180 writes it: fields split by commas, quoted fields with ""
// for a quote, CRLF (or LF) between records.  Read here, not with the
// engine's own CSV code, so that the CSV tests check something.
std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> record;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      record.push_back(std::move(field));
      records.push_back(std::move(record));
      record.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (any || !field.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
  }
  return records;
}

enum class ExpectedKind { solutions, graph, csv };

struct ExpectedResult {
  ExpectedKind kind = ExpectedKind::solutions;
  sparql::QueryResult solutions;                 // solutions / boolean
  std::vector<Statement> graph;                  // CONSTRUCT / DESCRIBE
  std::vector<std::vector<std::string>> csv;     // the CSV file, header first
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
    expected.csv = read_csv(read_text_file(path));
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

std::string_view form_name(sparql::QueryForm form) {
  switch (form) {
    case sparql::QueryForm::select: return "SELECT";
    case sparql::QueryForm::ask: return "ASK";
    case sparql::QueryForm::construct: return "CONSTRUCT";
    case sparql::QueryForm::describe: return "DESCRIBE";
  }
  return "?";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : " ") + name;
  return "(" + out + ")";
}

// ORDER BY among the query's own solution modifiers (after its last closing
// brace; a sub-query's ORDER BY orders nothing outside it).  Decided from the
// text, not from what the engine says about its answer.
bool query_has_order_by(const std::string& text) {
  static const std::regex strings_iris_comments(R"("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*)");
  static const std::regex order_by(R"(\border\s+by\b)", std::regex::icase);
  const std::string bare = std::regex_replace(text, strings_iris_comments, " ");
  const auto brace = bare.rfind('}');
  return std::regex_search(bare.substr(brace == std::string::npos ? 0 : brace + 1), order_by);
}

// SELECT * (the outermost SELECT): the order of the head's variables is the
// engine's to choose; an explicit projection fixes it.
bool query_selects_star(const std::string& text) {
  static const std::regex strings_iris_comments(R"("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|<[^<>"{}|^`\\\s]*>|#[^\n]*)");
  static const std::regex select_star(R"(^[^{]*?\bselect\s+(distinct\s+|reduced\s+)?\*)", std::regex::icase);
  return std::regex_search(std::regex_replace(text, strings_iris_comments, " "), select_star);
}

// The head: the same variables, and in the same order unless the query says SELECT *.
std::optional<std::string> variables_differ(std::vector<std::string> expected, std::vector<std::string> actual,
                                            bool any_order) {
  if (expected == actual) return std::nullopt;
  if (any_order) {
    std::sort(expected.begin(), expected.end());
    std::sort(actual.begin(), actual.end());
    if (expected == actual) return std::nullopt;
  }
  return "variables " + joined(actual) + ", expected " + joined(expected);
}

// Every literal of an answer as it is spelled: lexical form and the datatype's
// local name (none for a simple string).
using Spellings = std::set<std::pair<std::string, std::string>>;

void add_spelling(Spellings& out, const Term& term) {
  if (term.kind != TermKind::literal) return;
  std::string_view datatype = term.datatype;
  if (datatype == "http://www.w3.org/2001/XMLSchema#string") datatype = {};
  if (const auto hash = datatype.rfind('#'); hash != std::string_view::npos) datatype.remove_prefix(hash + 1);
  out.emplace(term.value, std::string(datatype));
}

Spellings spellings_of(const std::vector<Row>& rows) {
  Spellings out;
  for (const auto& row : rows)
    for (const auto& cell : row)
      if (cell) add_spelling(out, *cell);
  return out;
}

Spellings spellings_of(const std::vector<Statement>& statements) {
  Spellings out;
  for (const auto& s : statements) add_spelling(out, s.object);
  return out;
}

// The record of a pass by value, in full: every literal the answer spells
// otherwise than the expected file (as the command-line runner writes it), so
// that one more number spelled differently changes the recorded verdict.
std::string spelling_difference(const Spellings& expected, const Spellings& actual) {
  auto spell = [](const Spellings& these, const Spellings& without) {
    std::string out;
    for (const auto& [value, datatype] : these) {
      if (without.contains({value, datatype})) continue;
      if (!out.empty()) out += ' ';
      for (const char c : value) out += c == '\\' ? "\\\\" : c == '\t' ? "\\t" : c == '\n' ? "\\n" : std::string(1, c);
      out += "^^" + datatype;
    }
    return out;
  };
  return "answer spells " + spell(actual, expected) + " where expected spells " + spell(expected, actual);
}

// Lexically equal: passed; equal once numbers compare by value: passed by
// value, recording which literals are spelled otherwise.
template <class Compare, class Answers>
Outcome verdict_of(Compare&& compare, const std::string& what, const Answers& expected, const Answers& actual) {
  const Comparison lexical = compare(Literals::lexical);
  if (lexical.equal) return {Verdict::passed, {}};
  if (compare(Literals::value).equal)
    return {Verdict::passed_by_value, spelling_difference(spellings_of(expected), spellings_of(actual))};
  return {Verdict::failed, what + lexical.difference};
}

// A CSV cell as SPARQL 1.1 CSV writes a term.
std::optional<Term> csv_cell(const std::optional<Term>& value) {
  if (!value) return Term::literal("");
  if (value->kind == TermKind::blank) return Term::blank(value->value);
  return Term::literal(value->value);
}

Outcome judge(const ExpectedResult& expected, const sparql::QueryResult& actual, bool ordered, bool star) {
  const bool actual_is_graph =
      actual.form == sparql::QueryForm::construct || actual.form == sparql::QueryForm::describe;
  if (expected.kind == ExpectedKind::graph) {
    if (!actual_is_graph) return {Verdict::failed, "expected a graph, got a " + std::string(form_name(actual.form)) + " result"};
    std::vector<Statement> triples = actual.triples;
    for (auto& triple : triples) triple.graph.clear();
    return verdict_of([&](Literals l) { return compare_statement_sets(expected.graph, triples, l); }, "graph differs: ",
                      expected.graph, triples);
  }
  if (expected.kind != ExpectedKind::csv && expected.solutions.form == sparql::QueryForm::ask) {
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
  std::vector<Row> expected_rows, actual_rows;
  if (expected.kind == ExpectedKind::csv) {
    // CSV keeps no term types: compare the cells a CSV writer must produce.
    if (expected.csv.empty()) return {Verdict::failed, "the expected CSV file is empty"};
    if (auto differ = variables_differ(expected.csv.front(), actual.variables, star)) return {Verdict::failed, *differ};
    // Columns in the expected file's order.
    std::vector<std::size_t> column;
    for (const auto& name : expected.csv.front())
      column.push_back(std::size_t(std::find(actual.variables.begin(), actual.variables.end(), name) - actual.variables.begin()));
    for (std::size_t i = 1; i < expected.csv.size(); ++i) {
      Row row;
      for (const auto& cell : expected.csv[i]) row.push_back(cell.starts_with("_:") ? Term::blank(cell.substr(2)) : Term::literal(cell));
      expected_rows.push_back(std::move(row));
    }
    for (const auto& row : actual.rows) {
      Row cells;
      for (const std::size_t i : column) cells.push_back(csv_cell(row[i]));
      actual_rows.push_back(std::move(cells));
    }
  } else {
    if (auto differ = variables_differ(expected.solutions.variables, actual.variables, star)) return {Verdict::failed, *differ};
    expected_rows = expected.solutions.rows;
    // Columns in the expected answer's order.
    for (const auto& row : actual.rows) {
      Row aligned;
      for (const auto& name : expected.solutions.variables)
        aligned.push_back(row[std::size_t(std::find(actual.variables.begin(), actual.variables.end(), name) - actual.variables.begin())]);
      actual_rows.push_back(std::move(aligned));
    }
  }
  return verdict_of(
      [&](Literals l) {
        const auto as_multiset = compare_row_multisets(expected_rows, actual_rows, l);
        if (!as_multiset.equal || !ordered) return as_multiset;
        auto in_order = compare_row_sequences(expected_rows, actual_rows, l);
        in_order.difference = "ORDER BY: " + in_order.difference;
        return in_order;
      },
      "solutions differ: ", expected_rows, actual_rows);
}

sparql::QueryOptions test_options(const std::string& base_iri, std::chrono::milliseconds timeout) {
  sparql::QueryOptions options;
  options.base_iri = base_iri;
  options.union_default_graph = false;  // the dataset as the spec and the tests read it
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
      auto& store = stores_[endpoint];
      store = std::make_unique<ScratchStore>();
      for (const auto& file : files) store->import(file, {});
    }
  }
  void enable(sparql::QueryOptions& options) const {
    options.service_allowed = [](const std::string&) { return true; };
    options.service = [this](const std::string& endpoint, const std::string& query) {
      const auto found = stores_.find(endpoint);
      if (found == stores_.end()) throw sparql::ServiceFailed("no endpoint " + endpoint + " in this test");
      sparql::QueryOptions inner = test_options({}, timeout_);
      enable(inner);
      const auto view = found->second->get().read();
      return sparql::execute_query(view.dataset(), query, inner);
    };
  }

 private:
  std::map<std::string, std::unique_ptr<ScratchStore>> stores_;
  std::chrono::milliseconds timeout_;
};

Outcome run_query_evaluation(const TestCase& test, std::chrono::milliseconds timeout) {
  ScratchStore store;
  for (const auto& data : test.data_iris) store.import(data, {});
  for (const auto& data : test.graph_data_iris) store.import(data, data);
  const ExpectedResult expected = read_expected(test.result_iri);
  const std::string query = read_text_file(path_of_file_iri(test.query_iri));
  const ServiceEndpoints services(test, timeout);
  auto options = test_options(test.query_iri, timeout);
  services.enable(options);
  const auto view = store.get().read();
  const auto actual = sparql::execute_query(view.dataset(), query, options);
  return judge(expected, actual, query_has_order_by(query), query_selects_star(query));
}

Outcome run_update_evaluation(const TestCase& test, std::chrono::milliseconds timeout) {
  ScratchStore store;
  for (const auto& file : test.update_graphs) store.import(file.file_iri, file.graph_name);
  const auto expected = expected_dataset(test.expected_graphs);
  const std::string request = read_text_file(path_of_file_iri(test.query_iri));
  store.get().modify([&](Dataset& dataset) {
    return sparql::execute_update(dataset, request, test_options(test.query_iri, timeout));
  });
  const auto actual = dataset_statements(store.get().read().dataset());
  return verdict_of([&](Literals l) { return compare_statement_sets(expected, actual, l); },
                    "dataset after the update differs: ", expected, actual);
}

// Syntax tests: the text is parsed and planned, never run (what `torchprov
// query|update --explain yes` does).  A positive test passes only when that
// raises nothing at all; a negative one only on a SyntaxError.
Outcome run_syntax_test(const TestCase& test, std::chrono::milliseconds timeout) {
  const bool is_update = test.kind == TestKind::positive_update_syntax || test.kind == TestKind::negative_update_syntax;
  const bool is_positive = test.kind == TestKind::positive_query_syntax || test.kind == TestKind::positive_update_syntax;
  const std::string text = read_text_file(path_of_file_iri(test.query_iri));
  const Dataset empty;
  try {
    if (is_update) sparql::explain_update(text, test_options(test.query_iri, timeout));
    else sparql::explain_query(empty, text, test_options(test.query_iri, timeout));
  } catch (const sparql::SyntaxError& error) {
    if (is_positive) return {Verdict::failed, std::string("rejected valid text: ") + error.what()};
    return {Verdict::passed, {}};
  } catch (const std::exception& error) {
    return {Verdict::failed, std::string(is_positive ? "parsing failed: " : "expected a syntax error, got: ") + error.what()};
  }
  if (is_positive) return {Verdict::passed, {}};
  return {Verdict::failed, "accepted invalid text"};
}


}  // namespace

std::string test_id(const TestCase& test) {
  const auto cut = test.iri.find_last_of("#/");
  return test.folder + "#" + (cut == std::string::npos ? test.iri : test.iri.substr(cut + 1));
}

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
