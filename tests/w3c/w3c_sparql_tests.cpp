// The W3C SPARQL 1.1 conformance run in process: every query and update
// evaluation test (and the syntax tests) of the suite's query, update and
// result-format manifests, each in its own process, through the library the
// way the command line uses it (tests/w3c/w3c_cli.py runs the same suite
// through the `torchprov` program and the endpoint).  Every test's verdict
// is compared with tests/w3c/verdicts/in-process.tsv: any change fails.
//
//   TORCHPROV_W3C_DIR              the suite folder (default: shared/w3c-sparql11)
//   TORCHPROV_W3C_FILTER           run only tests whose IRI contains this text
//                                  (their verdicts are still checked)
//   TORCHPROV_W3C_VERBOSE          print each failure as it happens
//   --write-verdicts               record the verdicts after a deliberate change
//   --in-process                   no fork per test (for debuggers)
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "isolation.h"
#include "manifest.h"
#include "suite_report.h"
#include "test_execution.h"

namespace {

namespace fs = std::filesystem;
using namespace torchprov::w3c;

// Command-line settings, fixed before the tests run.
struct RunnerSettings {
  bool write_verdicts = false;
  bool in_process = false;
};

RunnerSettings& settings() {
  static RunnerSettings instance;  // written once in main, read by the test
  return instance;
}

std::optional<std::string> environment(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

constexpr std::chrono::milliseconds query_timeout{10'000};
// The engine should stop itself at query_timeout; this catches the hangs it
// does not notice (loading, comparison, a loop without cancellation points).
constexpr std::chrono::milliseconds hard_limit{30'000};

TEST(W3cSparql11Suite, EveryVerdictAsRecorded) {
  const fs::path suite = environment("TORCHPROV_W3C_DIR").value_or(TORCHPROV_W3C_DEFAULT_DIR);
  const fs::path query_manifest = suite / "manifest-sparql11-query.ttl";
  const fs::path update_manifest = suite / "manifest-sparql11-update.ttl";
  if (!fs::exists(query_manifest) || !fs::exists(update_manifest)) {
    GTEST_SKIP() << "W3C SPARQL 1.1 test suite not found at " << suite
                 << " (expected manifest-sparql11-query.ttl and manifest-sparql11-update.ttl); "
                    "set TORCHPROV_W3C_DIR to the sparql11 folder of w3c/rdf-tests to run it";
  }

  std::vector<TestCase> tests = read_manifest_tree(query_manifest);
  for (auto& test : read_manifest_tree(update_manifest)) tests.push_back(std::move(test));
  // The result-format tests (CSV / TSV / JSON) exercise the result writers;
  // the federated-query tests SERVICE (their endpoints answered in process).
  for (const char* extra : {"manifest-sparql11-results.ttl", "manifest-sparql11-fed.ttl"}) {
    if (!fs::exists(suite / extra)) continue;
    for (auto& test : read_manifest_tree(suite / extra)) tests.push_back(std::move(test));
  }
  const auto filter = environment("TORCHPROV_W3C_FILTER");

  SuiteReport report;
  std::size_t run = 0;
  for (const auto& test : tests) {
    if (filter && test.iri.find(*filter) == std::string::npos) continue;
    if (test.kind == TestKind::other) continue;  // protocol etc.: not part of any category
    Outcome outcome;
    if (auto reason = skip_reason(test)) {
      outcome = {Verdict::skipped, *reason};
    } else if (settings().in_process) {
      outcome = run_test(test, query_timeout);
    } else {
      outcome = run_isolated([&] { return run_test(test, query_timeout); }, hard_limit);
    }
    ++run;
    report.add(test, outcome);
    if (outcome.verdict == Verdict::failed && std::getenv("TORCHPROV_W3C_VERBOSE") != nullptr) {
      std::cout << "FAIL " << test.iri << "\n     " << outcome.reason << '\n';
    }
  }
  ASSERT_GT(run, 0u) << "no tests selected";
  std::cout << '\n';
  report.print_summary(std::cout);

  const fs::path verdicts_file = TORCHPROV_W3C_VERDICTS_FILE;
  if (settings().write_verdicts) {
    ASSERT_FALSE(filter) << "--write-verdicts needs the whole suite (unset TORCHPROV_W3C_FILTER)";
    report.write_verdicts(verdicts_file, "in process");
    std::cout << "verdicts written to " << verdicts_file.string() << '\n';
    return;
  }
  ASSERT_TRUE(fs::exists(verdicts_file)) << "no verdict file " << verdicts_file.string()
                                         << "; record one with --write-verdicts";
  const auto changes = report.changes_from(read_verdicts(verdicts_file), !filter);
  for (const auto& change : changes) ADD_FAILURE() << "changed verdict: " << change;
  if (changes.empty()) std::cout << "every verdict matches " << verdicts_file.string() << '\n';
  else std::cout << changes.size() << " verdicts differ from " << verdicts_file.string()
                 << ": fix the engine, or record a deliberate change with --write-verdicts and say why\n";
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);  // removes the --gtest_* options
  for (int i = 1; i < argc; ++i) {
    const std::string argument = argv[i];
    if (argument == "--write-verdicts") {
      settings().write_verdicts = true;
    } else if (argument == "--in-process") {
      settings().in_process = true;
    } else {
      std::cerr << "unknown option " << argument << "\nusage: " << argv[0]
                << " [gtest options] [--write-verdicts] [--in-process]\n";
      return 2;
    }
  }
  return RUN_ALL_TESTS();
}
