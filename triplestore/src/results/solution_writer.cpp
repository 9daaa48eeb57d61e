#include "solution_writer.h"

#include <stdexcept>
#include <string>

namespace torchprov::triplestore::results {

std::vector<std::string> statement_columns(const std::vector<Statement>& statements) {
  std::vector<std::string> columns{"subject", "predicate", "object"};
  for (const auto& statement : statements) {
    if (!statement.graph.empty()) {
      columns.emplace_back("graph");
      break;
    }
  }
  return columns;
}

void statement_row(const Statement& statement, std::vector<std::optional<Term>>& values) {
  values[0] = statement.subject;
  values[1] = statement.predicate;
  values[2] = statement.object;
  if (values.size() < 4) return;
  if (statement.graph.empty()) values[3].reset();
  else if (statement.graph.starts_with("_:")) values[3] = Term::blank(statement.graph.substr(2));
  else values[3] = Term::iri(statement.graph);
}

std::unique_ptr<SolutionWriter> make_solution_writer(ResultFormat format, std::ostream& out) {
  switch (format) {
    case ResultFormat::table: return make_table_solution_writer(out);
    case ResultFormat::csv: return make_csv_solution_writer(out);
    case ResultFormat::tsv: return make_tsv_solution_writer(out);
    case ResultFormat::json: return make_json_solution_writer(out);
    case ResultFormat::xml: return make_xml_solution_writer(out);
    default: break;
  }
  throw std::invalid_argument("'" + std::string(format_name(format)) + "' is an RDF format, not a solution format");
}

}  // namespace torchprov::triplestore::results
