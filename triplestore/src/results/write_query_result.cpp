#include <stdexcept>
#include <string>

#include "result_format.h"
#include "solution_writer.h"
#include "triple_writer.h"

namespace torchprov::triplestore::results {
namespace {

void write_statements_as_rows(const std::vector<Statement>& statements, SolutionWriter& writer) {
  const auto columns = statement_columns(statements);
  writer.begin(columns);
  std::vector<std::optional<Term>> values(columns.size());
  for (const auto& statement : statements) {
    statement_row(statement, values);
    writer.row(values);
  }
  writer.end();
}

}  // namespace

void write_query_result(const sparql::QueryResult& result, ResultFormat format, std::ostream& out) {
  if (!supports(format, result.form)) {
    throw std::invalid_argument("the " + std::string(format_name(format)) + " format cannot hold this query's result");
  }
  if (is_rdf_format(format)) {
    TripleWriter writer(format, out);
    for (const auto& statement : result.triples) writer.write(statement);
    writer.finish();
    return;
  }
  const auto writer = make_solution_writer(format, out);
  switch (result.form) {
    case sparql::QueryForm::ask:
      writer->boolean(result.boolean);
      return;
    case sparql::QueryForm::select:
      writer->begin(result.variables);
      for (const auto& row : result.rows) writer->row(row);
      writer->end();
      return;
    case sparql::QueryForm::construct:
    case sparql::QueryForm::describe:
      write_statements_as_rows(result.triples, *writer);
      return;
  }
}

}  // namespace torchprov::triplestore::results
