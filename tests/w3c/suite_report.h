// Tallies of a conformance run: per category and folder, the failure list
// (w3c-failures.txt), the known-failures document and the baseline check.
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

struct TestRecord {
  TestCase test;
  std::string category;
  Outcome outcome;
};

struct Tally {
  int passed = 0, failed = 0, skipped = 0;
};

class SuiteReport {
 public:
  void add(const TestCase& test, const Outcome& outcome);

  std::map<std::string, Tally> by_category() const;
  // Per-folder, per-category table and totals.
  void print_summary(std::ostream& out) const;
  // One line per failing test: category, IRI, reason; then the skipped ones.
  void write_failures(const std::filesystem::path& path) const;
  // Markdown, grouped by category and folder, with regeneration notes.
  void write_known_failures(const std::filesystem::path& path) const;

 private:
  std::vector<TestRecord> records_;
};

// Lines "category minimum-passes"; '#' starts a comment.
std::map<std::string, int> read_baseline(const std::filesystem::path& path);

}  // namespace torchprov::w3c
