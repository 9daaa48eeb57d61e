// Value semantics of RDF terms in SPARQL expressions: numeric promotion,
// effective boolean value, comparison and equality with type errors, the
// ORDER BY total order, and canonical lexical forms.  A type error is
// represented by an empty optional.
#pragma once

#include <optional>
#include <string>

#include <torchprov/rdf.h>

#include "decimal.h"

namespace torchprov::triplestore::sparql {

enum class NumericType { integer, decimal, float_, double_ };

// A number of one of the four XSD numeric types (the integer family counts
// as xsd:integer).  Floats and doubles are held as a double (a float's value
// already rounded to float).  Integers and decimals are held as a double
// while that double is their exact value, the common case, where comparisons
// and sums stay native; any other integer or decimal is held exactly in
// `exact`, with the nearest double beside it for promotion to double.
// Integer and decimal arithmetic is therefore exact, never rounded.
struct Numeric {
  NumericType type = NumericType::integer;
  double value = 0;
  std::optional<Decimal> exact;

  // An integer or decimal value, in the cheapest exact form.
  static Numeric of(NumericType type, const Decimal& value);
  // An integer or decimal as a Decimal (exactly; `value` when `exact` is empty).
  Decimal decimal() const;
};

// The numeric value of a literal with a numeric datatype and a valid
// lexical form.
std::optional<Numeric> numeric_value(const Term& term);
// The same from a typed literal's datatype IRI and lexical form.
std::optional<Numeric> numeric_value(const std::string& datatype, std::string_view lexical);
bool is_numeric_datatype(const std::string& datatype);
Term make_numeric(const Numeric& n);
Term make_integer(long long value);
Term make_boolean(bool value);
Term make_string(std::string value);  // simple literal (xsd:string)
// op:numeric-add and friends with XPath's type promotion; nullopt is an
// error (an integer or decimal divided by zero).
std::optional<Numeric> numeric_add(const Numeric& a, const Numeric& b);
std::optional<Numeric> numeric_subtract(const Numeric& a, const Numeric& b);
std::optional<Numeric> numeric_multiply(const Numeric& a, const Numeric& b);
std::optional<Numeric> numeric_divide(const Numeric& a, const Numeric& b);
Numeric numeric_negate(const Numeric& n);
enum class Rounding { abs, ceil, floor, round };
Numeric numeric_round(const Numeric& n, Rounding how);  // ABS, CEIL, FLOOR, ROUND
// -1, 0 or 1 after promotion; nullopt when either is NaN.
std::optional<int> numeric_compare(const Numeric& a, const Numeric& b);
// 0 and NaN are false (the effective boolean value of a number).
bool numeric_is_true(const Numeric& n);

// Simple literal or xsd:string.
bool is_string_literal(const Term& term);
// A literal that string functions accept (simple, xsd:string, language-tagged).
bool is_string_like(const Term& term);

std::optional<bool> effective_boolean_value(const Term& term);

// dateTime as seconds since 1970 (UTC when a time zone is given) plus
// whether it had a time zone and the zone offset in minutes.
struct DateTimeValue {
  long double seconds = 0;
  bool has_timezone = false;
  int timezone_minutes = 0;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0;
  long double second = 0;
};
std::optional<DateTimeValue> date_time_value(const Term& term);

// The '=' operator: value equality for known types, RDFterm-equal
// otherwise; error for distinct literals of unknown types.
std::optional<bool> values_equal(const Term& a, const Term& b);
// '<' family: -1, 0, 1, or error when the values are not comparable.
std::optional<int> values_compare(const Term& a, const Term& b);
// ORDER BY: unbound < blank nodes < IRIs < literals, total.
int order_compare(const Term* a, const Term* b);

// Canonical forms with the fewest digits that read back as the same value:
// 3.333E1 for xsd:float("33.33"), 1.0E0, 1.0000000000000002E0, INF, NaN.
std::string format_double(double value);
std::string format_float(float value);

}  // namespace torchprov::triplestore::sparql
