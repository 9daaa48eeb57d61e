#include "result_stream.h"

#include <sstream>
#include <stdexcept>
#include <vector>

#include "solution_writer.h"
#include "triple_writer.h"

namespace torchprov::triplestore::results {

struct ResultStream::Impl {
  sparql::CompactResult result;
  ResultFormat format;
  std::ostringstream buffer;
  std::unique_ptr<SolutionWriter> solutions;
  std::unique_ptr<TripleWriter> triples;
  bool graph_column = false;  // statements written as rows: some lie in a named graph
  std::size_t position = 0;   // rows or statements written
  bool started = false, finished = false;

  std::size_t total() const {
    return result.form == sparql::QueryForm::select ? result.row_count() : result.triples.size();
  }

  void start() {
    started = true;
    if (is_rdf_format(format)) {
      triples = std::make_unique<TripleWriter>(format, buffer);
      return;
    }
    solutions = make_solution_writer(format, buffer);
    switch (result.form) {
      case sparql::QueryForm::ask:
        solutions->boolean(result.boolean);
        finished = true;
        return;
      case sparql::QueryForm::select: solutions->begin(result.variables); return;
      case sparql::QueryForm::construct:
      case sparql::QueryForm::describe: {
        const auto columns = statement_columns(result.triples);
        graph_column = columns.size() == 4;
        solutions->begin(columns);
        return;
      }
    }
  }

  void write_one(const Dataset& dataset, std::vector<std::optional<Term>>& values) {
    if (result.form == sparql::QueryForm::select) {
      const std::size_t width = result.variables.size();
      for (std::size_t c = 0; c < width; ++c) {
        const TermId id = result.cells[position * width + c];
        if (id == any_term) values[c].reset();
        else values[c] = result.term(dataset, id);
      }
      solutions->row(values);
      return;
    }
    const Statement& statement = result.triples[position];
    if (triples) {
      triples->write(statement);
      return;
    }
    statement_row(statement, values);
    solutions->row(values);
  }
};

ResultStream::ResultStream(sparql::CompactResult result, ResultFormat format) : impl_(std::make_unique<Impl>()) {
  if (!supports(format, result.form)) {
    throw std::invalid_argument("the " + std::string(format_name(format)) + " format cannot hold this query's result");
  }
  impl_->result = std::move(result);
  impl_->format = format;
}

ResultStream::~ResultStream() = default;
ResultStream::ResultStream(ResultStream&&) noexcept = default;
ResultStream& ResultStream::operator=(ResultStream&&) noexcept = default;

bool ResultStream::next(const Dataset& dataset, std::string& piece, std::size_t piece_bytes) {
  Impl& s = *impl_;
  if (!s.started) s.start();
  if (!s.finished) {
    std::vector<std::optional<Term>> values(std::max<std::size_t>(s.result.variables.size(), 4));
    values.resize(s.result.form == sparql::QueryForm::select ? s.result.variables.size() : (s.graph_column ? 4 : 3));
    const std::size_t total = s.total();
    while (s.position < total && static_cast<std::size_t>(s.buffer.tellp()) < piece_bytes) {
      s.write_one(dataset, values);
      ++s.position;
    }
    if (s.position == total) {
      if (s.triples) s.triples->finish();
      else s.solutions->end();
      s.finished = true;
    }
  }
  piece += s.buffer.str();
  s.buffer.str("");
  return !s.finished;
}

}  // namespace torchprov::triplestore::results
