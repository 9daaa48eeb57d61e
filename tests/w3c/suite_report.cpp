#include "suite_report.h"

#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <stdexcept>

namespace torchprov::w3c {
namespace {

std::string one_line(std::string text, std::size_t limit = 300) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (text.size() > limit) text = text.substr(0, limit - 3) + "...";
  return text;
}

void count(Tally& tally, Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: ++tally.passed; break;
    case Verdict::passed_by_value:
      ++tally.passed;
      ++tally.by_value;
      break;
    case Verdict::failed: ++tally.failed; break;
    case Verdict::skipped: ++tally.skipped; break;
  }
}

}  // namespace

std::string category_of(TestKind kind) {
  switch (kind) {
    case TestKind::query_evaluation: return "query-evaluation";
    case TestKind::update_evaluation: return "update-evaluation";
    case TestKind::positive_query_syntax:
    case TestKind::negative_query_syntax: return "query-syntax";
    case TestKind::positive_update_syntax:
    case TestKind::negative_update_syntax: return "update-syntax";
    case TestKind::other: break;
  }
  return "other";
}

std::string verdict_word(Verdict verdict) {
  switch (verdict) {
    case Verdict::passed: return "pass";
    case Verdict::passed_by_value: return "pass-by-value";
    case Verdict::failed: return "fail";
    case Verdict::skipped: return "skip";
  }
  return "?";
}

void SuiteReport::add(const TestCase& test, const Outcome& outcome) {
  records_.push_back({test, category_of(test.kind), outcome});
}

std::map<std::string, Tally> SuiteReport::by_category() const {
  std::map<std::string, Tally> tallies;
  for (const auto& record : records_) count(tallies[record.category], record.outcome.verdict);
  return tallies;
}

void SuiteReport::print_summary(std::ostream& out) const {
  std::map<std::pair<std::string, std::string>, Tally> by_folder;  // (category, folder)
  for (const auto& record : records_) count(by_folder[{record.category, record.test.folder}], record.outcome.verdict);
  out << std::left << std::setw(20) << "category" << std::setw(22) << "folder" << std::right << std::setw(8) << "passed"
      << std::setw(10) << "by value" << std::setw(8) << "failed" << std::setw(9) << "skipped" << '\n';
  for (const auto& [key, tally] : by_folder) {
    out << std::left << std::setw(20) << key.first << std::setw(22) << key.second << std::right << std::setw(8)
        << tally.passed << std::setw(10) << tally.by_value << std::setw(8) << tally.failed << std::setw(9)
        << tally.skipped << '\n';
  }
  out << '\n';
  for (const auto& [category, tally] : by_category()) {
    const int run = tally.passed + tally.failed;
    out << "in-process " << std::left << std::setw(18) << category << std::right << " passed " << tally.passed
        << " / " << run << " run (" << tally.by_value << " only by value), skipped " << tally.skipped << '\n';
  }
}

void SuiteReport::write_verdicts(const std::filesystem::path& path, const std::string& way) const {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path.string());
  out << "# W3C SPARQL 1.1 test suite through torchprov (" << way << "), one test a line:\n"
      << "# test<TAB>category<TAB>verdict<TAB>name<TAB>reason (fail, skip; for pass-by-value the lexical difference)\n"
      << "# Written by build/tests/w3c/w3c_sparql_tests --write-verdicts; the run fails when a verdict changes.\n";
  for (const auto& record : records_) {
    const Verdict verdict = record.outcome.verdict;
    // A pass by value keeps its whole difference: it is compared on the next run.
    const std::string reason = verdict == Verdict::passed          ? std::string()
                               : verdict == Verdict::passed_by_value ? one_line(record.outcome.reason, std::string::npos)
                                                                     : one_line(record.outcome.reason);
    out << test_id(record.test) << '\t' << record.category << '\t' << verdict_word(verdict) << '\t'
        << one_line(record.test.name) << '\t' << reason << '\n';
  }
}

std::vector<std::string> SuiteReport::changes_from(const RecordedVerdicts& recorded, bool whole_suite) const {
  std::vector<std::string> changes;
  std::map<std::string, bool> ran;
  for (const auto& record : records_) {
    const std::string id = test_id(record.test);
    ran[id] = true;
    const std::string now = verdict_word(record.outcome.verdict);
    const auto was = recorded.find(id);
    if (was == recorded.end()) {
      changes.push_back("new test " + id + ": " + now);
    } else if (was->second.verdict != now) {
      changes.push_back(id + " (" + record.test.name + "): was " + was->second.verdict + ", now " + now +
                        (record.outcome.reason.empty() ? "" : ": " + one_line(record.outcome.reason, 400)));
    } else if (record.outcome.verdict == Verdict::passed_by_value &&
               was->second.reason != one_line(record.outcome.reason, std::string::npos)) {
      // One more number spelled otherwise (a float printed as a double) must
      // not hide behind a verdict that was already a pass by value.
      changes.push_back(id + " (" + record.test.name + "): numbers spelled otherwise than recorded: was '" +
                        was->second.reason + "', now '" + one_line(record.outcome.reason, std::string::npos) + "'");
    }
  }
  if (whole_suite) {
    for (const auto& [id, verdict] : recorded) {
      if (!ran.contains(id)) changes.push_back(id + ": in the verdict file, not in the suite");
    }
  }
  return changes;
}

RecordedVerdicts read_verdicts(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the verdict file " + path.string());
  RecordedVerdicts verdicts;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line.front() == '#') continue;
    std::istringstream fields(line);
    std::string id, category, verdict, name, reason;
    std::getline(fields, id, '\t');
    std::getline(fields, category, '\t');
    std::getline(fields, verdict, '\t');
    std::getline(fields, name, '\t');
    std::getline(fields, reason);
    verdicts[id] = {category, verdict, reason};
  }
  return verdicts;
}

}  // namespace torchprov::w3c
