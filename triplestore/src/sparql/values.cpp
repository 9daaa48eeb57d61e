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

long double round_to(NumericType t, long double v) {
  if (t == NumericType::float_) return static_cast<float>(v);
  if (t == NumericType::double_) return static_cast<double>(v);
  return v;
}

int cmp(long double a, long double b) { return a < b ? -1 : (a > b ? 1 : 0); }

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
  // without strtold (or a copy) where the value fits a long long or a
  // double exactly.
  if (dt.size() <= xsd::ns.size() || dt.compare(0, xsd::ns.size(), xsd::ns) != 0) return std::nullopt;
  if (dt == xsd::double_ || dt == xsd::float_) {
    double d;
    const char* begin = lexical.data() + (!lexical.empty() && lexical[0] == '+' ? 1 : 0);
    const char* stop = lexical.data() + lexical.size();
    auto [end, ec] = std::from_chars(begin, stop, d);
    // from_chars accepts what xsd:double's lexical space does, except its
    // spellings of infinity and NaN (checked by the first character).
    char first = begin < stop ? *begin : '\0';
    if (ec == std::errc() && end == stop && ((first >= '0' && first <= '9') || first == '.' ||
                                             (first == '-' && begin + 1 < end))) {
      auto type = dt == xsd::double_ ? NumericType::double_ : NumericType::float_;
      return Numeric{type, round_to(type, d)};
    }
  }
  const std::string v(lexical);
  if (is_integer_datatype(dt)) {
    if (!matches_integer(v)) return std::nullopt;
    long long i;
    const char* begin = v.data() + (v[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, v.data() + v.size(), i);
    if (ec == std::errc() && end == v.data() + v.size()) return Numeric{NumericType::integer, static_cast<long double>(i)};
    return Numeric{NumericType::integer, std::strtold(v.c_str(), nullptr)};
  }
  if (dt == xsd::decimal) {
    if (!matches_decimal(v)) return std::nullopt;
    return Numeric{NumericType::decimal, std::strtold(v.c_str(), nullptr)};
  }
  if (dt == xsd::double_ || dt == xsd::float_) {
    if (!matches_double(v)) return std::nullopt;
    long double value;
    if (v == "INF" || v == "+INF") value = INFINITY;
    else if (v == "-INF") value = -INFINITY;
    else if (v == "NaN") value = NAN;
    else value = std::strtold(v.c_str(), nullptr);
    auto type = dt == xsd::double_ ? NumericType::double_ : NumericType::float_;
    return Numeric{type, round_to(type, value)};
  }
  return std::nullopt;
}

std::string format_decimal(long double value, bool bare_integral) {
  if (value == 0) return bare_integral ? "0" : "0.0";
  char buffer[128];
  std::snprintf(buffer, sizeof buffer, "%.18Lf", value);
  std::string s = buffer;
  // Keep 18 significant digits at most: long double carries about 19.
  auto dot = s.find('.');
  while (s.size() > dot + 2 && s.back() == '0') s.pop_back();
  if (bare_integral && s.size() == dot + 2 && s.back() == '0') s.resize(dot);
  if (s == "-0.0") s = "0.0";
  if (s == "-0") s = "0";
  return s;
}

std::string format_double(long double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "INF" : "-INF";
  if (value == 0) return "0.0E0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.15LE", value);
  std::string s = buffer;  // d.dddddddddddddddE+xx
  auto e = s.find('E');
  std::string mantissa = s.substr(0, e);
  int exponent = std::atoi(s.c_str() + e + 1);
  while (mantissa.size() > 3 && mantissa.back() == '0' && mantissa[mantissa.size() - 2] != '.') mantissa.pop_back();
  if (mantissa.back() == '0' && mantissa[mantissa.size() - 2] != '.') mantissa.pop_back();
  return mantissa + "E" + std::to_string(exponent);
}

Term make_numeric(const Numeric& n) {
  switch (n.type) {
    case NumericType::integer: {
      char buffer[64];
      std::snprintf(buffer, sizeof buffer, "%.0Lf", n.value);
      return Term::literal(buffer, std::string(xsd::integer));
    }
    case NumericType::decimal: return Term::literal(format_decimal(n.value), std::string(xsd::decimal));
    case NumericType::float_:
      return Term::literal(format_double(static_cast<float>(n.value)), std::string(xsd::float_));
    case NumericType::double_: return Term::literal(format_double(n.value), std::string(xsd::double_));
  }
  return {};
}

Term make_integer(long long value) { return Term::literal(std::to_string(value), std::string(xsd::integer)); }
Term make_boolean(bool value) { return Term::literal(value ? "true" : "false", std::string(xsd::boolean)); }
Term make_string(std::string value) { return Term::literal(std::move(value)); }

std::optional<Numeric> numeric_add(const Numeric& a, const Numeric& b) {
  auto t = promote(a.type, b.type);
  return Numeric{t, round_to(t, a.value + b.value)};
}
std::optional<Numeric> numeric_subtract(const Numeric& a, const Numeric& b) {
  auto t = promote(a.type, b.type);
  return Numeric{t, round_to(t, a.value - b.value)};
}
std::optional<Numeric> numeric_multiply(const Numeric& a, const Numeric& b) {
  auto t = promote(a.type, b.type);
  return Numeric{t, round_to(t, a.value * b.value)};
}
std::optional<Numeric> numeric_divide(const Numeric& a, const Numeric& b) {
  auto t = promote(a.type, b.type);
  if (t == NumericType::integer) t = NumericType::decimal;  // integer division yields a decimal
  if (b.value == 0 && (t == NumericType::decimal)) return std::nullopt;
  return Numeric{t, round_to(t, a.value / b.value)};
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
    return !(n->value == 0 || std::isnan(n->value));
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
    return x->value == y->value;
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
    if (auto y = numeric_value(b)) {
      if (std::isnan(x->value) || std::isnan(y->value)) return std::nullopt;
      return cmp(x->value, y->value);
    }
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
