// Value semantics of RDF terms in SPARQL expressions: numeric promotion,
// effective boolean value, comparison and equality with type errors, the
// ORDER BY total order, and canonical lexical forms.  A type error is
// represented by an empty optional.
#pragma once

#include <optional>
#include <string>

#include <torchprov/rdf.h>

namespace torchprov::triplestore::sparql {

enum class NumericType { integer, decimal, float_, double_ };

struct Numeric {
  NumericType type = NumericType::integer;
  long double value = 0;
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

std::optional<Numeric> numeric_add(const Numeric& a, const Numeric& b);
std::optional<Numeric> numeric_subtract(const Numeric& a, const Numeric& b);
std::optional<Numeric> numeric_multiply(const Numeric& a, const Numeric& b);
std::optional<Numeric> numeric_divide(const Numeric& a, const Numeric& b);

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

// Integral decimals are written "2.0", or "2" with bare_integral (what the
// W3C results expect from CEIL, FLOOR, ROUND and SECONDS).
std::string format_decimal(long double value, bool bare_integral = false);
std::string format_double(long double value);

}  // namespace torchprov::triplestore::sparql
