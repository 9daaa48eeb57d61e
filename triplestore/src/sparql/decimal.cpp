#include "decimal.h"

#include <boost/multiprecision/cpp_int.hpp>

#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace torchprov::triplestore::sparql {

using BigInt = boost::multiprecision::cpp_int;

struct Decimal::Big {
  BigInt value;
};

namespace {

constexpr std::int64_t powers_of_ten[] = {1,
                                          10,
                                          100,
                                          1'000,
                                          10'000,
                                          100'000,
                                          1'000'000,
                                          10'000'000,
                                          100'000'000,
                                          1'000'000'000,
                                          10'000'000'000,
                                          100'000'000'000,
                                          1'000'000'000'000,
                                          10'000'000'000'000,
                                          100'000'000'000'000,
                                          1'000'000'000'000'000,
                                          10'000'000'000'000'000,
                                          100'000'000'000'000'000,
                                          1'000'000'000'000'000'000};
constexpr int max_small_power = 18;
// Doubles that hold 10^n exactly: dividing by one rounds once, correctly.
constexpr double exact_double_powers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                          1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
// A scale beyond this is refused rather than computed (a value with a
// billion digits after the point is an attack, not a number).
constexpr std::int64_t max_scale = 1'000'000;

BigInt power_of_ten(std::int64_t n) { return boost::multiprecision::pow(BigInt(10), static_cast<unsigned>(n)); }

std::size_t digit_count(const BigInt& magnitude) { return magnitude == 0 ? 1 : magnitude.str().size(); }

}  // namespace

// Construction and the slow (arbitrary-precision) paths; a friend of Decimal.
struct DecimalArithmetic {
  static BigInt unscaled(const Decimal& d) { return d.big_ ? d.big_->value : BigInt(d.small_); }

  static Decimal make_small(std::int64_t unscaled, std::int64_t scale) {
    if (unscaled == 0) return Decimal();
    while (scale > 0 && unscaled % 10 == 0) {
      unscaled /= 10;
      --scale;
    }
    if (scale < 0 || unscaled == INT64_MIN) return make(BigInt(unscaled), scale);
    Decimal d(unscaled);
    d.scale_ = static_cast<std::int32_t>(scale);
    return d;
  }

  static Decimal make(BigInt unscaled, std::int64_t scale) {
    if (unscaled == 0) return Decimal();
    while (scale > 0 && unscaled % 10 == 0) {
      unscaled /= 10;
      --scale;
    }
    if (scale < 0) {
      if (-scale > max_scale) throw std::overflow_error("decimal value too large");
      unscaled *= power_of_ten(-scale);
      scale = 0;
    }
    if (scale > max_scale) throw std::overflow_error("decimal value with too many digits");
    if (unscaled > INT64_MIN && unscaled <= INT64_MAX) return make_small(static_cast<std::int64_t>(unscaled), scale);
    return Decimal(std::make_shared<const Decimal::Big>(Decimal::Big{std::move(unscaled)}),
                   static_cast<std::int32_t>(scale));
  }

  // Both unscaled values over the larger scale.
  static std::pair<BigInt, BigInt> aligned(const Decimal& a, const Decimal& b) {
    BigInt x = unscaled(a), y = unscaled(b);
    if (a.scale_ < b.scale_) x *= power_of_ten(b.scale_ - a.scale_);
    if (b.scale_ < a.scale_) y *= power_of_ten(a.scale_ - b.scale_);
    return {std::move(x), std::move(y)};
  }

  // Both small values over the larger scale, when that fits 63 bits.
  static bool aligned_small(const Decimal& a, const Decimal& b, std::int64_t& x, std::int64_t& y) {
    if (a.big_ || b.big_) return false;
    x = a.small_;
    y = b.small_;
    const int diff = a.scale_ - b.scale_;
    if (diff > max_small_power || -diff > max_small_power) return false;
    if (diff > 0) return !__builtin_mul_overflow(y, powers_of_ten[diff], &y);
    if (diff < 0) return !__builtin_mul_overflow(x, powers_of_ten[-diff], &x);
    return true;
  }

  static Decimal add(const Decimal& a, const Decimal& b) {
    std::int64_t x, y, sum;
    const std::int32_t scale = std::max(a.scale_, b.scale_);
    if (aligned_small(a, b, x, y) && !__builtin_add_overflow(x, y, &sum)) return make_small(sum, scale);
    auto [bx, by] = aligned(a, b);
    return make(bx + by, scale);
  }

  static Decimal multiply(const Decimal& a, const Decimal& b) {
    std::int64_t product;
    const std::int64_t scale = std::int64_t(a.scale_) + b.scale_;
    if (!a.big_ && !b.big_ && !__builtin_mul_overflow(a.small_, b.small_, &product)) return make_small(product, scale);
    return make(unscaled(a) * unscaled(b), scale);
  }

  static std::optional<Decimal> divide(const Decimal& a, const Decimal& b, int digits) {
    if (b.sign() == 0) return std::nullopt;
    if (a.sign() == 0) return Decimal();
    const bool negative = (a.sign() < 0) != (b.sign() < 0);
    BigInt numerator = abs(unscaled(a)), denominator = abs(unscaled(b));
    // Enough digits in the numerator that the quotient has at least digits + 1.
    const std::int64_t shift = std::max<std::int64_t>(
        0, digits + 1 + std::int64_t(digit_count(denominator)) - std::int64_t(digit_count(numerator)));
    numerator *= power_of_ten(shift);
    BigInt quotient, remainder;
    boost::multiprecision::divide_qr(numerator, denominator, quotient, remainder);
    std::int64_t scale = shift + a.scale_ - b.scale_;
    if (remainder != 0) {
      // Rounded to `digits` significant digits, half to even; the remainder
      // decides halves it would otherwise see as ties.
      const std::int64_t extra = std::int64_t(digit_count(quotient)) - digits;
      if (extra > 0) {
        const BigInt unit = power_of_ten(extra);
        BigInt kept, dropped;
        boost::multiprecision::divide_qr(quotient, unit, kept, dropped);
        const BigInt twice = dropped * 2;
        if (twice > unit || (twice == unit && (remainder != 0 || (kept & 1) != 0))) kept += 1;
        quotient = std::move(kept);
        scale -= extra;
      }
    }
    return make(negative ? BigInt(-quotient) : quotient, scale);
  }

  static int compare(const Decimal& a, const Decimal& b) {
    if (!a.big_ && !b.big_) {
      const int diff = a.scale_ - b.scale_;
      if (diff <= max_small_power && -diff <= max_small_power) {
        __int128 x = a.small_, y = b.small_;
        if (diff > 0) y *= powers_of_ten[diff];
        if (diff < 0) x *= powers_of_ten[-diff];
        return x < y ? -1 : (x > y ? 1 : 0);
      }
    }
    auto [x, y] = aligned(a, b);
    return x < y ? -1 : (x > y ? 1 : 0);
  }

  static Decimal truncate(const Decimal& d) {
    if (d.scale_ == 0) return d;
    if (!d.big_ && d.scale_ <= max_small_power) return make_small(d.small_ / powers_of_ten[d.scale_], 0);
    return make(unscaled(d) / power_of_ten(d.scale_), 0);  // cpp_int division truncates towards zero
  }

  static std::string magnitude_digits(const Decimal& d) {
    if (!d.big_) {
      // |INT64_MIN| never occurs: make_small keeps it big.
      const std::uint64_t magnitude = d.small_ < 0 ? std::uint64_t(-d.small_) : std::uint64_t(d.small_);
      return std::to_string(magnitude);
    }
    return BigInt(abs(d.big_->value)).str();
  }

  static std::optional<Decimal> from_scientific(std::string_view text) {
    const auto e = text.find_first_of("eE");
    auto mantissa = Decimal::parse(text.substr(0, e));
    if (!mantissa || e == std::string_view::npos) return mantissa;
    std::int64_t exponent = 0;
    std::string_view digits = text.substr(e + 1);
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), exponent);
    if (error != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
    return make(unscaled(*mantissa), std::int64_t(mantissa->scale_) - exponent);
  }
};

std::optional<Decimal> Decimal::parse(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;
  std::int64_t scale = 0;
  bool point = false;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '.' && !point) {
      point = true;
    } else if (c >= '0' && c <= '9') {
      if (!(digits.empty() && c == '0')) digits += c;  // leading zeros carry nothing
      if (point) ++scale;
      else if (digits.empty()) digits.clear();
    } else {
      return std::nullopt;
    }
  }
  // At least one digit somewhere: "0", ".5", "7." but not "", "+", ".".
  const std::size_t written = text.size() - (text.empty() ? 0 : (text[0] == '+' || text[0] == '-')) - point;
  if (written == 0) return std::nullopt;
  if (digits.empty()) return Decimal();
  if (digits.size() <= std::size_t(max_small_power)) {
    std::int64_t unscaled = 0;
    std::from_chars(digits.data(), digits.data() + digits.size(), unscaled);
    return DecimalArithmetic::make_small(negative ? -unscaled : unscaled, scale);
  }
  BigInt unscaled(digits);
  return DecimalArithmetic::make(negative ? BigInt(-unscaled) : unscaled, scale);
}

std::optional<Decimal> Decimal::exact(double value) {
  if (!std::isfinite(value)) return std::nullopt;
  if (value == 0) return Decimal();
  int exponent = 0;
  const double fraction = std::frexp(value, &exponent);  // value = fraction x 2^exponent, |fraction| in [0.5, 1)
  std::int64_t mantissa = static_cast<std::int64_t>(std::ldexp(fraction, 53));
  std::int64_t power = std::int64_t(exponent) - 53;
  while (power < 0 && mantissa % 2 == 0) {
    mantissa /= 2;
    ++power;
  }
  if (power >= 0) return DecimalArithmetic::make(BigInt(mantissa) << static_cast<unsigned>(power), 0);
  // m / 2^k = m x 5^k / 10^k
  const auto k = static_cast<unsigned>(-power);
  return DecimalArithmetic::make(BigInt(mantissa) * boost::multiprecision::pow(BigInt(5), k), k);
}

std::optional<Decimal> Decimal::shortest(double value, bool as_float) {
  if (!std::isfinite(value)) return std::nullopt;
  char buffer[64];
  const auto result = as_float ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value))
                               : std::to_chars(buffer, buffer + sizeof buffer, value);
  return DecimalArithmetic::from_scientific(std::string_view(buffer, std::size_t(result.ptr - buffer)));
}

Decimal operator+(const Decimal& a, const Decimal& b) { return DecimalArithmetic::add(a, b); }
Decimal operator-(const Decimal& a, const Decimal& b) { return DecimalArithmetic::add(a, -b); }
Decimal operator*(const Decimal& a, const Decimal& b) { return DecimalArithmetic::multiply(a, b); }

Decimal Decimal::operator-() const {
  if (!big_) return DecimalArithmetic::make_small(-small_, scale_);  // small_ is never INT64_MIN
  return DecimalArithmetic::make(-big_->value, scale_);
}

std::optional<Decimal> Decimal::divide(const Decimal& divisor, int significant_digits) const {
  return DecimalArithmetic::divide(*this, divisor, significant_digits);
}

int Decimal::compare(const Decimal& other) const { return DecimalArithmetic::compare(*this, other); }

int Decimal::sign() const {
  if (big_) return big_->value.sign();
  return small_ < 0 ? -1 : (small_ > 0 ? 1 : 0);
}

Decimal Decimal::truncate() const { return DecimalArithmetic::truncate(*this); }

Decimal Decimal::floor() const {
  Decimal t = truncate();
  return sign() < 0 && t.compare(*this) != 0 ? t - Decimal(1) : t;
}

Decimal Decimal::ceil() const {
  Decimal t = truncate();
  return sign() > 0 && t.compare(*this) != 0 ? t + Decimal(1) : t;
}

Decimal Decimal::round() const {
  if (scale_ == 0) return *this;
  const Decimal f = floor();
  static const Decimal half = *parse("0.5");
  return (*this - f).compare(half) >= 0 ? f + Decimal(1) : f;
}

double Decimal::to_double() const {
  constexpr std::int64_t exact_limit = std::int64_t(1) << 53;
  if (!big_ && scale_ <= 22 && small_ <= exact_limit && small_ >= -exact_limit)
    return static_cast<double>(small_) / exact_double_powers[scale_];
  return std::strtod(to_string(true).c_str(), nullptr);  // glibc rounds correctly
}

float Decimal::to_float() const { return std::strtof(to_string(true).c_str(), nullptr); }

std::string Decimal::to_string(bool bare_integral) const {
  std::string digits = DecimalArithmetic::magnitude_digits(*this);
  std::string out = sign() < 0 ? "-" : "";
  if (scale_ == 0) return out + digits + (bare_integral ? "" : ".0");
  const auto scale = std::size_t(scale_);
  if (digits.size() <= scale) return out + "0." + std::string(scale - digits.size(), '0') + digits;
  return out + digits.substr(0, digits.size() - scale) + "." + digits.substr(digits.size() - scale);
}

}  // namespace torchprov::triplestore::sparql
