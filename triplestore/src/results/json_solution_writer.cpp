// SPARQL 1.1 Query Results JSON Format (W3C Recommendation 2013-03-21).
#include <ostream>

#include "json_value.h"
#include "solution_writer.h"

namespace torchprov::triplestore::results {
namespace {

void write_json_string(std::ostream& out, std::string_view text) { out << json_quote(text); }

void write_json_term(std::ostream& out, const Term& term) {
  switch (term.kind) {
    case TermKind::iri:
      out << R"({"type":"uri","value":)";
      write_json_string(out, term.value);
      break;
    case TermKind::blank:
      out << R"({"type":"bnode","value":)";
      write_json_string(out, term.value);
      break;
    case TermKind::literal:
      out << R"({"type":"literal","value":)";
      write_json_string(out, term.value);
      if (!term.language.empty()) {
        out << R"(,"xml:lang":)";
        write_json_string(out, term.language);
      } else if (!term.datatype.empty()) {
        out << R"(,"datatype":)";
        write_json_string(out, term.datatype);
      }
      break;
  }
  out << '}';
}

class JsonSolutionWriter final : public SolutionWriter {
 public:
  explicit JsonSolutionWriter(std::ostream& out) : out_(out) {}

  void begin(std::span<const std::string> variables) override {
    variables_.assign(variables.begin(), variables.end());
    out_ << R"({"head":{"vars":[)";
    for (std::size_t i = 0; i < variables_.size(); ++i) {
      if (i > 0) out_ << ',';
      write_json_string(out_, variables_[i]);
    }
    out_ << R"(]},"results":{"bindings":[)";
  }

  void row(std::span<const std::optional<Term>> values) override {
    out_ << (first_row_ ? "\n" : ",\n") << '{';
    first_row_ = false;
    bool first_binding = true;
    for (std::size_t i = 0; i < values.size() && i < variables_.size(); ++i) {
      if (!values[i]) continue;  // unbound: the variable is left out
      if (!first_binding) out_ << ',';
      first_binding = false;
      write_json_string(out_, variables_[i]);
      out_ << ':';
      write_json_term(out_, *values[i]);
    }
    out_ << '}';
  }

  void end() override { out_ << "\n]}}\n"; }

  void boolean(bool value) override { out_ << R"({"head":{},"boolean":)" << (value ? "true" : "false") << "}\n"; }

 private:
  std::ostream& out_;
  std::vector<std::string> variables_;
  bool first_row_ = true;
};

}  // namespace

std::unique_ptr<SolutionWriter> make_json_solution_writer(std::ostream& out) {
  return std::make_unique<JsonSolutionWriter>(out);
}

}  // namespace torchprov::triplestore::results
