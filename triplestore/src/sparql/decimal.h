// Exact xsd:decimal and xsd:integer values: unscaled x 10^-scale with as
// many digits as the value needs (Jena and Oxigraph compute these exactly
// too; SPARQL's op:numeric-add and friends are exact on them).  Values whose
// unscaled part fits 63 bits live inline; larger ones in an arbitrary-
// precision integer (Boost.Multiprecision's cpp_int).  Values are kept
// normalised (no trailing zero digit after the point), so equal values have
// equal representations and print canonically.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace torchprov::triplestore::sparql {

class Decimal {
 public:
  // Significant digits of a quotient that does not end sooner (XPath asks
  // for at least 18; decimal128 has 34).
  static constexpr int division_digits = 34;

  Decimal() = default;  // 0
  explicit Decimal(std::int64_t integer) : small_(integer) {}

  // xsd:decimal and xsd:integer lexical forms ("+33.3300", "-1", ".5", "7.");
  // nullopt for anything else (exponents included).
  static std::optional<Decimal> parse(std::string_view lexical);
  // The exact value of a finite double: 0.1 gives
  // 0.1000000000000000055511151231257827021181583404541015625.
  static std::optional<Decimal> exact(double value);
  // The shortest decimal that reads back as `value` (as a float when
  // `as_float`): 0.1 gives 0.1.  What a cast from float or double gives,
  // as in Jena and Oxigraph.  nullopt for NaN and the infinities.
  static std::optional<Decimal> shortest(double value, bool as_float);

  friend Decimal operator+(const Decimal& a, const Decimal& b);
  friend Decimal operator-(const Decimal& a, const Decimal& b);
  friend Decimal operator*(const Decimal& a, const Decimal& b);
  Decimal operator-() const;
  // The quotient, exact when it ends within `significant_digits`, else
  // rounded half to even to that many; nullopt when `divisor` is 0.
  std::optional<Decimal> divide(const Decimal& divisor, int significant_digits = division_digits) const;

  int compare(const Decimal& other) const;  // -1, 0 or 1
  friend bool operator==(const Decimal& a, const Decimal& b) { return a.compare(b) == 0; }
  int sign() const;
  bool is_integer() const { return scale_ == 0; }

  Decimal floor() const;
  Decimal ceil() const;
  Decimal round() const;  // half towards positive infinity (fn:round)
  Decimal truncate() const;
  Decimal abs() const { return sign() < 0 ? -*this : *this; }

  double to_double() const;  // the nearest double (infinite beyond its range)
  float to_float() const;    // the nearest float
  // "33.33", "-0.5"; an integral value as "2.0" (xsd:decimal's form) or, with
  // bare_integral, "2" (an xsd:integer, or the XSD 1.1 decimal form).
  std::string to_string(bool bare_integral = false) const;

 private:
  struct Big;  // the arbitrary-precision unscaled value (decimal.cpp)
  Decimal(std::shared_ptr<const Big> big, std::int32_t scale) : big_(std::move(big)), scale_(scale) {}
  friend struct DecimalArithmetic;

  std::int64_t small_ = 0;           // the unscaled value while big_ is empty
  std::shared_ptr<const Big> big_;   // the unscaled value when it does not fit 63 bits
  std::int32_t scale_ = 0;           // digits after the point
};

}  // namespace torchprov::triplestore::sparql
