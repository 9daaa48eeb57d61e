// Streams statements as Turtle, N-Triples, N-Quads or TriG through Serd, so
// every escape and abbreviation is Serd's.
#pragma once

#include <iosfwd>
#include <memory>

#include <torchprov/rdf.h>

#include "result_format.h"

namespace torchprov::triplestore::results {

class TripleWriter {
 public:
  // `format` must be an RDF format (std::invalid_argument otherwise);
  // `out` must outlive the writer.  Turtle and TriG declare the well-known
  // prefixes first.
  TripleWriter(ResultFormat format, std::ostream& out);
  ~TripleWriter();  // finishes the document if finish() was not called
  TripleWriter(const TripleWriter&) = delete;
  TripleWriter& operator=(const TripleWriter&) = delete;

  // Triple formats ignore the statement's graph; quad formats keep it.
  void write(const Statement& statement);
  // Closes open abbreviations so the output is a complete document.
  void finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchprov::triplestore::results
