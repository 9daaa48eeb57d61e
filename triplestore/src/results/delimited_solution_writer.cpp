// SPARQL 1.1 Query Results CSV and TSV Formats (W3C Recommendation
// 2013-03-21).  CSV carries plain values (RFC 4180 quoting, CRLF line ends)
// and loses term kinds; TSV carries terms in Turtle syntax.
#include <ostream>

#include "solution_writer.h"
#include "term_syntax.h"

namespace torchprov::triplestore::results {
namespace {

void write_csv_field(std::ostream& out, std::string_view value) {
  if (value.find_first_of("\",\r\n") == std::string_view::npos) {
    out << value;
    return;
  }
  out << '"';
  for (const char c : value) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

class CsvSolutionWriter final : public SolutionWriter {
 public:
  explicit CsvSolutionWriter(std::ostream& out) : out_(out) {}

  void begin(std::span<const std::string> variables) override {
    for (std::size_t i = 0; i < variables.size(); ++i) {
      if (i > 0) out_ << ',';
      write_csv_field(out_, variables[i]);
    }
    out_ << "\r\n";
  }

  void row(std::span<const std::optional<Term>> values) override {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_ << ',';
      if (values[i]) write_csv_field(out_, csv_value(*values[i]));
    }
    out_ << "\r\n";
  }

  void end() override {}

  void boolean(bool value) override { out_ << "_askResult\r\n" << (value ? "true" : "false") << "\r\n"; }

 private:
  std::ostream& out_;
};

class TsvSolutionWriter final : public SolutionWriter {
 public:
  explicit TsvSolutionWriter(std::ostream& out) : out_(out) {}

  void begin(std::span<const std::string> variables) override {
    for (std::size_t i = 0; i < variables.size(); ++i) {
      if (i > 0) out_ << '\t';
      out_ << '?' << variables[i];
    }
    out_ << '\n';
  }

  void row(std::span<const std::optional<Term>> values) override {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out_ << '\t';
      if (values[i]) out_ << turtle_term(*values[i]);
    }
    out_ << '\n';
  }

  void end() override {}

  void boolean(bool value) override { out_ << "?_askResult\n" << (value ? "true" : "false") << '\n'; }

 private:
  std::ostream& out_;
};

}  // namespace

std::unique_ptr<SolutionWriter> make_csv_solution_writer(std::ostream& out) {
  return std::make_unique<CsvSolutionWriter>(out);
}

std::unique_ptr<SolutionWriter> make_tsv_solution_writer(std::ostream& out) {
  return std::make_unique<TsvSolutionWriter>(out);
}

}  // namespace torchprov::triplestore::results
