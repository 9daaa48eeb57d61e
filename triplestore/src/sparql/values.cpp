#include "values.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <regex>

#include "vocabulary.h"

namespace torchprov::triplestore::sparql {
namespace {

bool matches_integer(const std::string& s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i)
    if (s[i] < '0' || s[i] > '9') return false;
  return true;
}

bool matches_decimal(const std::string& s) {
  std::size_t i = 0, digits = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  bool dot = false;
  for (; i < s.size(); ++i) {
    if (s[i] == '.' && !dot) dot = true;
    else if (s[i] >= '0' && s[i] <= '9') ++digits;
    else return false;
  }
  return digits > 0;
}

bool matches_double(const std::string& s) {
  if (s == "INF" || s == "-INF" || s == "+INF" || s == "NaN") return true;
  auto e = s.find_first_of("eE");
  if (e == std::string::npos) return matches_decimal(s);
  return matches_decimal(s.substr(0, e)) && matches_integer(s.substr(e + 1));
}

const char* const integer_types[] = {
    "integer", "int", "long", "short", "byte", "nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
    "negativeInteger", "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte"};

bool is_integer_datatype(const std::string& dt) {
  if (dt.size() <= xsd::ns.size() || dt.compare(0, xsd::ns.size(), xsd::ns) != 0) return false;
  if (dt == xsd::integer) return true;
  std::string local = dt.substr(xsd::ns.size());
  for (const char* t : integer_types)
    if (local == t) return true;
  return false;
}

int type_rank(NumericType t) { return static_cast<int>(t); }

NumericType promote(NumericType a, NumericType b) { return type_rank(a) > type_rank(b) ? a : b; }

bool is_binary_float(NumericType t) { return t == NumericType::float_ || t == NumericType::double_; }

// A number promoted to float: integers and decimals rounded once from their exact value.
float as_float(const Numeric& n) {
  if (n.exact) return n.exact->to_float();
  return static_cast<float>(n.value);
}

// Integers up to 2^53 are held as doubles; their sums and products are
// checked in 64 bits.
constexpr double integer_double_limit = 9007199254740992.0;  // 2^53

Numeric integer_result(long long value) {
  if (value >= -static_cast<long long>(integer_double_limit) && value <= static_cast<long long>(integer_double_limit))
    return Numeric{NumericType::integer, static_cast<double>(value), std::nullopt};
  return Numeric::of(NumericType::integer, Decimal(value));
}

enum class Operation { add, subtract, multiply, divide };

std::optional<Numeric> arithmetic(Operation op, const Numeric& a, const Numeric& b) {
  NumericType type = promote(a.type, b.type);
  if (is_binary_float(type)) {
    double x = a.value, y = b.value;
    if (type == NumericType::float_) {
      x = as_float(a);
      y = as_float(b);
    }
    double r = op == Operation::add        ? x + y
               : op == Operation::subtract ? x - y
               : op == Operation::multiply ? x * y
                                           : x / y;  // IEEE: x / 0 is an infinity or NaN
    if (type == NumericType::float_) r = static_cast<float>(r);
    return Numeric{type, r, std::nullopt};
  }
  if (op == Operation::divide) type = NumericType::decimal;  // integer division gives a decimal
  if (!a.exact && !b.exact && op != Operation::divide) {
    // Both held exactly as doubles: stay native while the result is exact.
    const double x = a.value, y = b.value;
    if (type == NumericType::integer) {
      long long r;
      const auto i = static_cast<long long>(x), j = static_cast<long long>(y);
      const bool overflow = op == Operation::add        ? __builtin_add_overflow(i, j, &r)
                            : op == Operation::subtract ? __builtin_sub_overflow(i, j, &r)
                                                        : __builtin_mul_overflow(i, j, &r);
      if (!overflow) return integer_result(r);
    } else if (op != Operation::multiply) {
      // Knuth's two-sum: the rounding error of x + y, exactly.
      const double y2 = op == Operation::add ? y : -y;
      const double sum = x + y2;
      const double y_part = sum - x;
      const double error = (x - (sum - y_part)) + (y2 - y_part);
      if (error == 0 && std::isfinite(sum)) return Numeric{type, sum, std::nullopt};
    }
  }
  const Decimal x = a.decimal(), y = b.decimal();
  switch (op) {
    case Operation::add: return Numeric::of(type, x + y);
    case Operation::subtract: return Numeric::of(type, x - y);
    case Operation::multiply: return Numeric::of(type, x * y);
    case Operation::divide: {
      auto q = x.divide(y);
      if (!q) return std::nullopt;
      return Numeric::of(type, *q);
    }
  }
  return std::nullopt;
}

int cmp(long double a, long double b) { return a < b ? -1 : (a > b ? 1 : 0); }

// The canonical double or float form from the shortest digits that read back:
// "-3.333e+01" -> "-3.333E1", "1e+00" -> "1.0E0".
std::string canonical_binary(const char* begin, const char* end) {
  std::string_view text(begin, std::size_t(end - begin));
  if (text == "nan" || text == "-nan") return "NaN";
  if (text == "inf") return "INF";
  if (text == "-inf") return "-INF";
  const auto e = text.find('e');
  std::string mantissa(text.substr(0, e));
  if (mantissa.find('.') == std::string::npos) mantissa += ".0";
  const int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  return mantissa + "E" + std::to_string(exponent);
}

int days_from_civil(long long y, unsigned m, unsigned d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return static_cast<int>(era * 146097 + static_cast<long long>(doe) - 719468);
}

// Categories for equality between literals of different known types.
enum class Category { numeric, string, lang_string, boolean, date_time, other };

Category category(const Term& t) {
  if (t.kind != TermKind::literal) return Category::other;
  if (!t.language.empty()) return Category::lang_string;
  if (t.datatype.empty() || t.datatype == xsd::string) return Category::string;
  if (numeric_value(t)) return Category::numeric;
  if (t.datatype == xsd::boolean && (t.value == "true" || t.value == "false" || t.value == "1" || t.value == "0"))
    return Category::boolean;
  if (t.datatype == xsd::date_time && date_time_value(t)) return Category::date_time;
  return Category::other;
}

bool boolean_of(const Term& t) { return t.value == "true" || t.value == "1"; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

bool is_numeric_datatype(const std::string& dt) {
  return is_integer_datatype(dt) || dt == xsd::decimal || dt == xsd::float_ || dt == xsd::double_;
}

std::optional<Numeric> numeric_value(const Term& term) {
  if (term.kind != TermKind::literal || term.datatype.empty() || !term.language.empty()) return std::nullopt;
  return numeric_value(term.datatype, term.value);
}

std::optional<Numeric> numeric_value(const std::string& dt, std::string_view lexical) {
  // Numbers are compared per solution in filters and aggregates: parse
  // without strtod (or a copy) where from_chars can.
  if (dt.size() <= xsd::ns.size() || dt.compare(0, xsd::ns.size(), xsd::ns) != 0) return std::nullopt;
  if (dt == xsd::double_ || dt == xsd::float_) {
    const bool is_float = dt == xsd::float_;
    const auto type = is_float ? NumericType::float_ : NumericType::double_;
    const char* begin = lexical.data() + (!lexical.empty() && lexical[0] == '+' ? 1 : 0);
    const char* stop = lexical.data() + lexical.size();
    // from_chars accepts what xsd:double's lexical space does, except its
    // spellings of infinity and NaN (checked by the first character); a
    // float is rounded once, from the text.
    const char first = begin < stop ? *begin : '\0';
    if ((first >= '0' && first <= '9') || first == '.' || (first == '-' && begin + 1 < stop)) {
      double d = 0;
      float f = 0;
      const auto [end, ec] = is_float ? std::from_chars(begin, stop, f) : std::from_chars(begin, stop, d);
      if (ec == std::errc() && end == stop) return Numeric{type, is_float ? double(f) : d, std::nullopt};
    }
    const std::string v(lexical);
    if (!matches_double(v)) return std::nullopt;
    double value;
    if (v == "INF" || v == "+INF") value = INFINITY;
    else if (v == "-INF") value = -INFINITY;
    else if (v == "NaN") value = NAN;
    else value = is_float ? double(std::strtof(v.c_str(), nullptr)) : std::strtod(v.c_str(), nullptr);  // out of range
    return Numeric{type, value, std::nullopt};
  }
  if (is_integer_datatype(dt)) {
    const std::string v(lexical);
    if (!matches_integer(v)) return std::nullopt;
    long long i;
    const char* begin = v.data() + (v[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, v.data() + v.size(), i);
    if (ec == std::errc() && end == v.data() + v.size()) return integer_result(i);
    return Numeric::of(NumericType::integer, *Decimal::parse(v));
  }
  if (dt == xsd::decimal) {
    auto d = Decimal::parse(lexical);
    if (!d) return std::nullopt;
    return Numeric::of(NumericType::decimal, *d);
  }
  return std::nullopt;
}

Numeric Numeric::of(NumericType type, const Decimal& value) {
  const double nearest = value.to_double();
  // Held as a double when the double is the value itself (integers only up
  // to 2^53, where 64-bit arithmetic stays exact).
  if (std::isfinite(nearest) && (type != NumericType::integer || std::fabs(nearest) <= integer_double_limit)) {
    if (const auto back = Decimal::exact(nearest); back && back->compare(value) == 0)
      return Numeric{type, nearest, std::nullopt};
  }
  return Numeric{type, nearest, value};
}

Decimal Numeric::decimal() const {
  if (exact) return *exact;
  return Decimal::exact(value).value_or(Decimal());
}

std::string format_double(double value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  return canonical_binary(buffer, result.ptr);
}

std::string format_float(float value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  return canonical_binary(buffer, result.ptr);
}

Term make_numeric(const Numeric& n) {
  switch (n.type) {
    case NumericType::integer:
      if (n.exact) return Term::literal(n.exact->to_string(true), std::string(xsd::integer));
      return Term::literal(std::to_string(static_cast<long long>(n.value)), std::string(xsd::integer));
    case NumericType::decimal: return Term::literal(n.decimal().to_string(), std::string(xsd::decimal));
    case NumericType::float_:
      return Term::literal(format_float(static_cast<float>(n.value)), std::string(xsd::float_));
    case NumericType::double_: return Term::literal(format_double(n.value), std::string(xsd::double_));
  }
  return {};
}

Term make_integer(long long value) { return Term::literal(std::to_string(value), std::string(xsd::integer)); }
Term make_boolean(bool value) { return Term::literal(value ? "true" : "false", std::string(xsd::boolean)); }
Term make_string(std::string value) { return Term::literal(std::move(value)); }

std::optional<Numeric> numeric_add(const Numeric& a, const Numeric& b) { return arithmetic(Operation::add, a, b); }
std::optional<Numeric> numeric_subtract(const Numeric& a, const Numeric& b) {
  return arithmetic(Operation::subtract, a, b);
}
std::optional<Numeric> numeric_multiply(const Numeric& a, const Numeric& b) {
  return arithmetic(Operation::multiply, a, b);
}
std::optional<Numeric> numeric_divide(const Numeric& a, const Numeric& b) {
  return arithmetic(Operation::divide, a, b);
}

Numeric numeric_negate(const Numeric& n) {
  if (n.exact) return Numeric::of(n.type, -*n.exact);
  return Numeric{n.type, -n.value, std::nullopt};
}

Numeric numeric_round(const Numeric& n, Rounding how) {
  if (!n.exact) {
    // A double that holds the number exactly rounds exactly too.
    double v = n.value;
    switch (how) {
      case Rounding::abs: v = std::fabs(v); break;
      case Rounding::ceil: v = std::ceil(v); break;
      case Rounding::floor: v = std::floor(v); break;
      case Rounding::round: {
        // Half towards positive infinity; v - floor(v) is exact.
        const double f = std::floor(v);
        v = std::isfinite(v) && v - f >= 0.5 ? f + 1 : f;
        break;
      }
    }
    return Numeric{n.type, v, std::nullopt};
  }
  const Decimal& d = *n.exact;
  switch (how) {
    case Rounding::abs: return Numeric::of(n.type, d.abs());
    case Rounding::ceil: return Numeric::of(n.type, d.ceil());
    case Rounding::floor: return Numeric::of(n.type, d.floor());
    case Rounding::round: return Numeric::of(n.type, d.round());
  }
  return n;
}

std::optional<int> numeric_compare(const Numeric& a, const Numeric& b) {
  const NumericType type = promote(a.type, b.type);
  if (type == NumericType::float_ && a.type != b.type) {
    const float x = as_float(a), y = as_float(b);
    if (std::isnan(x) || std::isnan(y)) return std::nullopt;
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (is_binary_float(type) || (!a.exact && !b.exact)) {
    if (std::isnan(a.value) || std::isnan(b.value)) return std::nullopt;
    return a.value < b.value ? -1 : (a.value > b.value ? 1 : 0);
  }
  return a.decimal().compare(b.decimal());
}

bool numeric_is_true(const Numeric& n) {
  if (n.exact) return n.exact->sign() != 0;
  return !(n.value == 0 || std::isnan(n.value));
}

bool is_string_literal(const Term& t) {
  return t.kind == TermKind::literal && t.language.empty() && (t.datatype.empty() || t.datatype == xsd::string);
}

bool is_string_like(const Term& t) { return is_string_literal(t) || (t.kind == TermKind::literal && !t.language.empty()); }

std::optional<bool> effective_boolean_value(const Term& t) {
  if (t.kind != TermKind::literal) return std::nullopt;
  if (t.datatype == xsd::boolean) {
    if (t.value == "true" || t.value == "1") return true;
    if (t.value == "false" || t.value == "0") return false;
    return false;  // invalid lexical form: false
  }
  if (is_string_literal(t)) return !t.value.empty();
  if (is_numeric_datatype(t.datatype)) {
    auto n = numeric_value(t);
    if (!n) return false;
    return numeric_is_true(*n);
  }
  return std::nullopt;
}

std::optional<DateTimeValue> date_time_value(const Term& t) {
  if (t.kind != TermKind::literal || (t.datatype != xsd::date_time && t.datatype != xsd::date)) return std::nullopt;
  static const std::regex pattern(
      R"(^(-?\d{4,})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?))?(Z|[+-]\d{2}:\d{2})?$)");
  std::smatch m;
  if (!std::regex_match(t.value, m, pattern)) return std::nullopt;
  bool is_date = t.datatype == xsd::date;
  if (is_date == m[4].matched) return std::nullopt;
  DateTimeValue v;
  v.year = std::stoi(m[1]);
  v.month = std::stoi(m[2]);
  v.day = std::stoi(m[3]);
  if (!is_date) {
    v.hour = std::stoi(m[4]);
    v.minute = std::stoi(m[5]);
    v.second = std::strtold(m[6].str().c_str(), nullptr);
  }
  if (v.month < 1 || v.month > 12 || v.day < 1 || v.day > 31 || v.hour > 24 || v.minute > 59 || v.second >= 61)
    return std::nullopt;
  if (m[7].matched) {
    v.has_timezone = true;
    std::string tz = m[7];
    if (tz != "Z") {
      int minutes = std::stoi(tz.substr(1, 2)) * 60 + std::stoi(tz.substr(4, 2));
      v.timezone_minutes = tz[0] == '-' ? -minutes : minutes;
    }
  }
  long double days = days_from_civil(v.year, static_cast<unsigned>(v.month), static_cast<unsigned>(v.day));
  v.seconds = days * 86400 + v.hour * 3600 + v.minute * 60 + v.second - v.timezone_minutes * 60;
  return v;
}

std::optional<bool> values_equal(const Term& a, const Term& b) {
  Category ca = category(a), cb = category(b);
  if (ca == Category::numeric && cb == Category::numeric) {
    auto x = numeric_value(a), y = numeric_value(b);
    return numeric_compare(*x, *y) == 0;
  }
  if (ca == cb) {
    switch (ca) {
      case Category::string: return a.value == b.value;
      case Category::lang_string: return a.value == b.value && lower(a.language) == lower(b.language);
      case Category::boolean: return boolean_of(a) == boolean_of(b);
      case Category::date_time: {
        auto x = date_time_value(a), y = date_time_value(b);
        return x->seconds == y->seconds;
      }
      default: break;
    }
  }
  if (a == b) return true;
  if (a.kind == TermKind::literal && b.kind == TermKind::literal) {
    // Literals of different known types are different values; literals of
    // unknown datatypes might still denote the same value.
    if (ca != Category::other && cb != Category::other) return false;
    return std::nullopt;
  }
  return false;
}

std::optional<int> values_compare(const Term& a, const Term& b) {
  if (auto x = numeric_value(a)) {
    if (auto y = numeric_value(b)) return numeric_compare(*x, *y);
  }
  Category ca = category(a), cb = category(b);
  if (ca != cb) return std::nullopt;
  switch (ca) {
    case Category::string: return a.value < b.value ? -1 : (a.value > b.value ? 1 : 0);
    case Category::boolean: return cmp(boolean_of(a), boolean_of(b));
    case Category::date_time: {
      auto x = date_time_value(a), y = date_time_value(b);
      return cmp(x->seconds, y->seconds);
    }
    default: return std::nullopt;
  }
}

int order_compare(const Term* a, const Term* b) {
  auto rank = [](const Term* t) { return t == nullptr ? 0 : t->kind == TermKind::blank ? 1 : t->kind == TermKind::iri ? 2 : 3; };
  int ra = rank(a), rb = rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 0) return 0;
  if (ra < 3) return a->value.compare(b->value) < 0 ? -1 : (a->value == b->value ? 0 : 1);
  if (auto c = values_compare(*a, *b); c && *c != 0) return *c;
  // Incomparable or equal values: a stable order on the lexical form.
  if (int c = a->value.compare(b->value); c != 0) return c < 0 ? -1 : 1;
  if (int c = a->datatype.compare(b->datatype); c != 0) return c < 0 ? -1 : 1;
  if (int c = a->language.compare(b->language); c != 0) return c < 0 ? -1 : 1;
  return 0;
}

}  // namespace torchprov::triplestore::sparql
