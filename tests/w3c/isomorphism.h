// Comparison of query answers the way the W3C tests define it: solution
// sequences as multisets (or sequences, under ORDER BY) and graphs as sets,
// equal up to a consistent renaming of blank nodes.  Terms compare by their
// RDF identity: lexical forms (so "01"^^xsd:integer differs from "1"),
// language tags case-insensitively, "x" equal to "x"^^xsd:string.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <torchprov/rdf.h>

namespace torchprov::w3c {

using Row = std::vector<std::optional<Term>>;

struct Comparison {
  bool equal = false;
  std::string difference;  // a short human explanation when not equal
};

// How literals compare.  lexical: by lexical form and datatype (the default,
// and what the unit tests use).  value: numbers and booleans of one datatype
// by their value ("1.0e6" = "1000000.0E0"^^xsd:double, "01" = "1"^^xsd:integer),
// as the W3C test pages allow for the suite; the datatype must still match.
enum class Literals { lexical, value };

// Rows are positionally aligned (same column order on both sides).
Comparison compare_row_multisets(const std::vector<Row>& expected, const std::vector<Row>& actual,
                                 Literals literals = Literals::lexical);
// Row i must match row i, with one blank node renaming for the whole sequence.
Comparison compare_row_sequences(const std::vector<Row>& expected, const std::vector<Row>& actual,
                                 Literals literals = Literals::lexical);
// Duplicates ignored: RDF graphs and datasets are sets.  The graph name
// takes part in the comparison (empty = default graph).
Comparison compare_statement_sets(const std::vector<Statement>& expected, const std::vector<Statement>& actual,
                                  Literals literals = Literals::lexical);

// A compact display of a row / statement for difference reports.
std::string describe(const Row& row);

}  // namespace torchprov::w3c
