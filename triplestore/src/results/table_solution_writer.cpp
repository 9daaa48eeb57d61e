// The human format: columns aligned like psql, IRIs of well-known
// namespaces compacted (rdf rdfs xsd prov dl), numbers bare.
#include <algorithm>
#include <ostream>

#include "solution_writer.h"
#include "term_syntax.h"

namespace torchprov::triplestore::results {
namespace {

// Display width in code points: good enough for alignment of the mostly
// ASCII values provenance holds (wide CJK glyphs would need wcwidth).
std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class TableSolutionWriter final : public SolutionWriter {
 public:
  explicit TableSolutionWriter(std::ostream& out) : out_(out) {}

  void begin(std::span<const std::string> variables) override {
    header_.assign(variables.begin(), variables.end());
  }

  void row(std::span<const std::optional<Term>> values) override {
    std::vector<std::string> cells;
    cells.reserve(header_.size());
    for (std::size_t i = 0; i < header_.size(); ++i) {
      cells.push_back(i < values.size() && values[i] ? compact_term(*values[i]) : std::string());
    }
    rows_.push_back(std::move(cells));
  }

  void end() override {
    std::vector<std::size_t> widths(header_.size());
    for (std::size_t i = 0; i < header_.size(); ++i) widths[i] = display_width(header_[i]);
    for (const auto& cells : rows_) {
      for (std::size_t i = 0; i < cells.size(); ++i) widths[i] = std::max(widths[i], display_width(cells[i]));
    }
    write_line(header_, widths);
    for (std::size_t i = 0; i < widths.size(); ++i) {
      if (i > 0) out_ << '+';
      out_ << std::string(widths[i] + 2, '-');
    }
    out_ << '\n';
    for (const auto& cells : rows_) write_line(cells, widths);
    out_ << '(' << rows_.size() << (rows_.size() == 1 ? " row)\n" : " rows)\n");
    rows_.clear();
  }

  void boolean(bool value) override { out_ << (value ? "true" : "false") << '\n'; }

 private:
  void write_line(const std::vector<std::string>& cells, const std::vector<std::size_t>& widths) {
    std::string line;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line += '|';
      line += ' ';
      line += cells[i];
      line.append(widths[i] - display_width(cells[i]) + 1, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out_ << line << '\n';
  }

  std::ostream& out_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

std::unique_ptr<SolutionWriter> make_table_solution_writer(std::ostream& out) {
  return std::make_unique<TableSolutionWriter>(out);
}

}  // namespace torchprov::triplestore::results
