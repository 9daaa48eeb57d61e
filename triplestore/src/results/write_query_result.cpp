#include <ostream>
#include <string>

#include "result_format.h"
#include "result_stream.h"

namespace torchprov::triplestore::results {

// A whole QueryResult goes through the same writer loop the server streams
// with: every value becomes a computed term of a CompactResult, so no
// dataset is consulted.
void write_query_result(const sparql::QueryResult& result, ResultFormat format, std::ostream& out) {
  sparql::CompactResult compact;
  compact.form = result.form;
  compact.variables = result.variables;
  compact.rows = result.rows.size();
  compact.boolean = result.boolean;
  compact.triples = result.triples;
  compact.ordered = result.ordered;
  for (const auto& row : result.rows) {
    for (const auto& value : row) {
      if (!value) {
        compact.cells.push_back(any_term);
        continue;
      }
      compact.cells.push_back(sparql::CompactResult::computed_base + static_cast<TermId>(compact.computed.size()));
      compact.computed.push_back(*value);
    }
  }
  ResultStream stream(std::move(compact), format);
  const Dataset no_stored_terms;
  std::string piece;
  for (bool more = true; more; piece.clear()) {
    more = stream.next(no_stored_terms, piece);
    out << piece;
  }
}

}  // namespace torchprov::triplestore::results
