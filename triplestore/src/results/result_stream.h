// Writes a query result as text in pieces, so that a server can send a
// large result while one piece of text (and the result's term ids, 4 bytes
// a value) is all it holds.  Each next() reads terms from the dataset the
// query ran on: hold a read view of the store across the call, not between
// calls.
//
//   results::ResultStream stream(execute_query_compact(dataset, text), format);
//   std::string piece;
//   for (bool more = true; more; piece.clear()) {
//     { auto view = store.read(); more = stream.next(view.dataset(), piece); }
//     send(piece);
//   }
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "../sparql/engine.h"
#include "result_format.h"

namespace torchprov::triplestore::results {

class ResultStream {
 public:
  // Throws std::invalid_argument when !supports(format, result.form).
  ResultStream(sparql::CompactResult result, ResultFormat format);
  ~ResultStream();
  ResultStream(ResultStream&&) noexcept;
  ResultStream& operator=(ResultStream&&) noexcept;

  // Appends the next piece, about `piece_bytes` long (the last one may be
  // shorter), to `piece`.  False once the result is written to the end.
  bool next(const Dataset& dataset, std::string& piece, std::size_t piece_bytes = 64 * 1024);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchprov::triplestore::results
