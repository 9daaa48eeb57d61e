// SPARQL Query Results XML Format (Second Edition, W3C Recommendation
// 2013-03-21).
#include <cstdio>
#include <ostream>
#include <stdexcept>
#include <string>

#include "result_format.h"
#include "solution_writer.h"

namespace torchprov::triplestore::results {
namespace {

// Escapes text for element content and double-quoted attributes.  CR and
// other control characters are written as character references so they
// survive end-of-line normalisation on the way back in.
void write_xml_text(std::ostream& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out << "&amp;"; break;
      case '<': out << "&lt;"; break;
      case '>': out << "&gt;"; break;
      case '"': out << "&quot;"; break;
      case '\n':
      case '\t': out << c; break;
      default:
        if (c != '\r' && static_cast<unsigned char>(c) < 0x20) {
          // XML 1.0 has no way to carry these, not even as a reference:
          // refused rather than written as a document no reader takes.
          char code[8];
          std::snprintf(code, sizeof code, "%04X", static_cast<unsigned>(c));
          throw UnrepresentableResult(std::string("a value holds U+") + code +
                                  ", which SPARQL XML results (XML 1.0) cannot carry; ask for JSON results instead");
        }
        if (c == '\r') {
          char reference[8];
          std::snprintf(reference, sizeof reference, "&#%u;", static_cast<unsigned>(c));
          out << reference;
        } else {
          out << c;
        }
    }
  }
}

class XmlSolutionWriter final : public SolutionWriter {
 public:
  explicit XmlSolutionWriter(std::ostream& out) : out_(out) {}

  void begin(std::span<const std::string> variables) override {
    variables_.assign(variables.begin(), variables.end());
    write_prologue();
    out_ << "  <head>\n";
    for (const auto& variable : variables_) {
      out_ << "    <variable name=\"";
      write_xml_text(out_, variable);
      out_ << "\"/>\n";
    }
    out_ << "  </head>\n  <results>\n";
  }

  void row(std::span<const std::optional<Term>> values) override {
    out_ << "    <result>\n";
    for (std::size_t i = 0; i < values.size() && i < variables_.size(); ++i) {
      if (!values[i]) continue;
      out_ << "      <binding name=\"";
      write_xml_text(out_, variables_[i]);
      out_ << "\">";
      write_term(*values[i]);
      out_ << "</binding>\n";
    }
    out_ << "    </result>\n";
  }

  void end() override { out_ << "  </results>\n</sparql>\n"; }

  void boolean(bool value) override {
    write_prologue();
    out_ << "  <head/>\n  <boolean>" << (value ? "true" : "false") << "</boolean>\n</sparql>\n";
  }

 private:
  void write_prologue() {
    out_ << "<?xml version=\"1.0\"?>\n<sparql xmlns=\"http://www.w3.org/2005/sparql-results#\">\n";
  }

  void write_term(const Term& term) {
    switch (term.kind) {
      case TermKind::iri:
        out_ << "<uri>";
        write_xml_text(out_, term.value);
        out_ << "</uri>";
        break;
      case TermKind::blank:
        out_ << "<bnode>";
        write_xml_text(out_, term.value);
        out_ << "</bnode>";
        break;
      case TermKind::literal:
        out_ << "<literal";
        if (!term.language.empty()) {
          out_ << " xml:lang=\"";
          write_xml_text(out_, term.language);
          out_ << '"';
        } else if (!term.datatype.empty()) {
          out_ << " datatype=\"";
          write_xml_text(out_, term.datatype);
          out_ << '"';
        }
        out_ << '>';
        write_xml_text(out_, term.value);
        out_ << "</literal>";
        break;
    }
  }

  std::ostream& out_;
  std::vector<std::string> variables_;
};

}  // namespace

std::unique_ptr<SolutionWriter> make_xml_solution_writer(std::ostream& out) {
  return std::make_unique<XmlSolutionWriter>(out);
}

}  // namespace torchprov::triplestore::results
