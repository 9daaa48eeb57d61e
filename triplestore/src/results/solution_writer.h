// Row-at-a-time writers of SELECT / ASK results, so a server can stream
// solutions as the evaluator produces them.  For SELECT call begin(), row()
// per solution, then end(); for ASK call boolean() alone.
#pragma once

#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <torchprov/rdf.h>

#include "result_format.h"

namespace torchprov::triplestore::results {

class SolutionWriter {
 public:
  virtual ~SolutionWriter() = default;
  // `variables` in projection order, without '?'.
  virtual void begin(std::span<const std::string> variables) = 0;
  // One value per variable, in the order given to begin(); nullopt = unbound.
  virtual void row(std::span<const std::optional<Term>> values) = 0;
  virtual void end() = 0;
  // The whole result of an ASK query.
  virtual void boolean(bool value) = 0;
};

// Graphs in a solution format: one row per statement, columns subject,
// predicate, object and, when some statement lies in a named graph, graph.
std::vector<std::string> statement_columns(const std::vector<Statement>& statements);
// The row of one statement; `values` has one entry per column.
void statement_row(const Statement& statement, std::vector<std::optional<Term>>& values);

// A writer for table, csv, tsv, json or xml that writes to `out` (which
// must outlive it); throws std::invalid_argument for RDF formats.
std::unique_ptr<SolutionWriter> make_solution_writer(ResultFormat format, std::ostream& out);

// The individual formats, for callers that know what they want.
std::unique_ptr<SolutionWriter> make_json_solution_writer(std::ostream& out);
std::unique_ptr<SolutionWriter> make_xml_solution_writer(std::ostream& out);
std::unique_ptr<SolutionWriter> make_csv_solution_writer(std::ostream& out);
std::unique_ptr<SolutionWriter> make_tsv_solution_writer(std::ostream& out);
// Buffers until end(): column widths depend on every row.
std::unique_ptr<SolutionWriter> make_table_solution_writer(std::ostream& out);

}  // namespace torchprov::triplestore::results
