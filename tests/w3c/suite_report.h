// Tallies of a conformance run per category and folder, and the verdict
// file: every test by name with its verdict, committed, so that any change
// (a test that passed failing, a failure passing, a test added or gone)
// fails the run instead of hiding behind a count.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "manifest.h"
#include "test_execution.h"

namespace torchprov::w3c {

// "query-evaluation", "update-evaluation", "query-syntax", "update-syntax".
std::string category_of(TestKind kind);
// "pass", "pass-by-value", "fail", "skip": the words of the verdict files.
std::string verdict_word(Verdict verdict);

struct TestRecord {
  TestCase test;
  std::string category;
  Outcome outcome;
};

struct Tally {
  int passed = 0, by_value = 0, failed = 0, skipped = 0;  // passed counts by_value too
};

// A verdict file line: its category, verdict word and reason (for a pass by
// value, every literal the answer spells otherwise than the expected file).
struct RecordedVerdict {
  std::string category, verdict, reason;
};
using RecordedVerdicts = std::map<std::string, RecordedVerdict>;

class SuiteReport {
 public:
  void add(const TestCase& test, const Outcome& outcome);

  std::map<std::string, Tally> by_category() const;
  // Per-folder, per-category table and totals.
  void print_summary(std::ostream& out) const;
  // One line per test: id, category, verdict, name, reason (failures and skips).
  void write_verdicts(const std::filesystem::path& path, const std::string& way) const;
  // Every difference from `recorded`, one line each; with `whole_suite`,
  // tests in the file that did not run count too.
  std::vector<std::string> changes_from(const RecordedVerdicts& recorded, bool whole_suite) const;

 private:
  std::vector<TestRecord> records_;
};

// Reads a verdict file; throws when it cannot be read.
RecordedVerdicts read_verdicts(const std::filesystem::path& path);

}  // namespace torchprov::w3c
