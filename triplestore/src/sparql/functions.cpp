// Expression evaluation: operators with SPARQL's error semantics, the
// built-in functions of section 17.4 and the XSD constructor casts.
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include "../term_validity.h"
#include "../utf8.h"
#include "evaluator.h"
#include "values.h"
#include "vocabulary.h"

namespace torchprov::triplestore::sparql {
namespace {

using Value = std::optional<Term>;

std::size_t utf8_length(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Byte offset of the code point with the given index (or s.size()).
std::size_t utf8_offset(const std::string& s, std::size_t index) {
  std::size_t i = 0, count = 0;
  while (i < s.size() && count < index) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    ++count;
  }
  return i;
}

// Regular expressions run on code points (wchar_t is UTF-32 here), so that
// '.' and character classes match characters rather than UTF-8 bytes.
std::wstring to_wide(const std::string& s) {
  std::wstring out;
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    std::uint32_t cp = extra == 0 ? c : (c & (0x3F >> extra));
    ++i;
    for (int k = 0; k < extra && i < s.size(); ++k, ++i) cp = (cp << 6) | (static_cast<unsigned char>(s[i]) & 0x3F);
    out += static_cast<wchar_t>(cp);
  }
  return out;
}

std::string from_wide(const std::wstring& w) {
  std::string out;
  for (wchar_t wc : w) append_utf8(out, static_cast<std::uint32_t>(wc));
  return out;
}

std::string ascii_case(std::string s, bool to_upper) {
  for (auto& c : s) c = static_cast<char>(to_upper ? std::toupper(static_cast<unsigned char>(c)) : std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A result string with the language / datatype of the argument.
Term like(const Term& arg, std::string value) {
  Term t = arg;
  t.value = std::move(value);
  return t;
}

// Argument compatibility for the two-string functions (17.4.3.1.1).
bool compatible_arguments(const Term& a, const Term& b) {
  if (!is_string_like(a) || !is_string_like(b)) return false;
  if (b.language.empty()) return true;
  return a.language == b.language;
}

std::string hex_digest(const EVP_MD* md, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, md, nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string two_digits(int v) {
  char b[16];
  std::snprintf(b, sizeof b, "%02d", v);
  return b;
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

Value cast(const std::string& target, const Term& arg) {
  if (arg.kind == TermKind::blank) return std::nullopt;
  if (target == xsd::string) {
    // XPath casting to string writes numbers and booleans canonically.
    if (auto n = numeric_value(arg)) {
      if (n->type == NumericType::integer) return make_string(make_numeric(*n).value);
      if (n->type == NumericType::decimal) return make_string(n->decimal().to_string(true));
      // Doubles and floats between 1e-6 and 1e6 without an exponent, in the
      // fewest digits that read back as the value.
      const double magnitude = std::fabs(n->value);
      if (n->value == 0 || (magnitude >= 1e-6 && magnitude < 1e6)) {
        const bool as_float = n->type == NumericType::float_;
        if (n->value == 0) return make_string(std::signbit(n->value) ? "-0" : "0");
        return make_string(Decimal::shortest(n->value, as_float)->to_string(true));
      }
      return make_string(make_numeric(*n).value);
    }
    if (arg.datatype == xsd::boolean && (arg.value == "1" || arg.value == "0"))
      return make_string(arg.value == "1" ? "true" : "false");
    return make_string(arg.value);
  }
  if (arg.kind == TermKind::iri) return std::nullopt;
  bool from_string = is_string_literal(arg);
  auto number = numeric_value(arg);
  bool is_bool = arg.datatype == xsd::boolean;
  if (target == xsd::boolean) {
    if (is_bool || from_string) {
      std::string v = trim(arg.value);
      if (v == "true" || v == "1") return make_boolean(true);
      if (v == "false" || v == "0") return make_boolean(false);
      return std::nullopt;
    }
    if (number) return make_boolean(numeric_is_true(*number));
    return std::nullopt;
  }
  if (target == xsd::integer || target == xsd::decimal || target == xsd::float_ || target == xsd::double_) {
    Numeric n;
    if (is_bool) {
      std::string v = arg.value;
      if (v != "true" && v != "false" && v != "1" && v != "0") return std::nullopt;
      n = {NumericType::integer, (v == "true" || v == "1") ? 1.0 : 0.0, std::nullopt};
    } else if (from_string) {
      std::string v = trim(arg.value);
      auto parsed = numeric_value(Term::literal(v, target));
      if (!parsed) return std::nullopt;
      n = *parsed;
    } else if (number) {
      n = *number;
    } else {
      return std::nullopt;
    }
    const bool binary = n.type == NumericType::float_ || n.type == NumericType::double_;
    if (target == xsd::integer || target == xsd::decimal) {
      // From a float or double: the shortest decimal that reads back as it
      // (as Jena and Oxigraph); NaN and the infinities have none.
      std::optional<Decimal> exact = binary ? Decimal::shortest(n.value, n.type == NumericType::float_) : n.decimal();
      if (!exact) return std::nullopt;
      if (target == xsd::integer) return make_numeric(Numeric::of(NumericType::integer, exact->truncate()));
      return make_numeric(Numeric::of(NumericType::decimal, *exact));
    }
    if (target == xsd::float_) {
      const float f = binary ? static_cast<float>(n.value) : (n.exact ? n.exact->to_float() : static_cast<float>(n.value));
      return make_numeric({NumericType::float_, f, std::nullopt});
    }
    return make_numeric({NumericType::double_, n.value, std::nullopt});
  }
  if (target == xsd::date_time) {
    Term t = Term::literal(trim(arg.value), std::string(xsd::date_time));
    if (!(from_string || arg.datatype == xsd::date_time)) return std::nullopt;
    if (!date_time_value(t)) return std::nullopt;
    return t;
  }
  return std::nullopt;
}

// Whether a counted repeat ({n}, {n,}, {n,m}) asks for more than std::regex
// can build: it makes a state per repetition and refuses patterns past
// 100 000 states, but reads the count into a long first, so a count of 20
// digits wraps around (UB) and "a{84444444444444444444}" matched "x".
bool has_oversized_repeat(std::string_view pattern) {
  constexpr std::uint64_t most = 100'000;
  bool in_class = false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (c == '[') in_class = true;
    if (c == ']') in_class = false;
    if (c != '{' || in_class) continue;
    std::uint64_t count = 0;
    for (std::size_t j = i + 1; j < pattern.size(); ++j) {
      const char d = pattern[j];
      if (d >= '0' && d <= '9') {
        count = count * 10 + std::uint64_t(d - '0');
        if (count > most) return true;
      } else if (d == ',') {
        count = 0;
      } else {
        break;
      }
    }
  }
  return false;
}

}  // namespace

const std::wregex* Evaluator::compiled_regex(const std::string& pattern, const std::string& flags) {
  auto key = std::make_pair(pattern, flags);
  auto it = regex_cache_.find(key);
  if (it != regex_cache_.end()) return it->second.get();
  auto options = std::wregex::ECMAScript;
  std::string p = pattern;
  bool dot_all = false;
  for (char f : flags) {
    if (f == 'i') options |= std::wregex::icase;
    else if (f == 'm') options |= std::wregex::multiline;
    else if (f == 's') dot_all = true;
    else if (f == 'x') p.erase(std::remove_if(p.begin(), p.end(), [](char c) { return std::isspace(static_cast<unsigned char>(c)); }), p.end());
    else if (f == 'q') {
      std::string quoted;
      for (char c : p) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) quoted += '\\';
        quoted += c;
      }
      p = quoted;
    } else {
      regex_cache_[key] = nullptr;
      return nullptr;
    }
  }
  if (dot_all) {
    // ECMAScript's '.' excludes line ends; XPath's s flag includes them.
    std::string out;
    bool in_class = false;
    for (std::size_t i = 0; i < p.size(); ++i) {
      char c = p[i];
      if (c == '\\' && i + 1 < p.size()) {
        out += c;
        out += p[++i];
        continue;
      }
      if (c == '[') in_class = true;
      if (c == ']') in_class = false;
      if (c == '.' && !in_class) out += "[\\s\\S]";
      else out += c;
    }
    p = out;
  }
  std::unique_ptr<std::wregex> compiled;
  try {
    if (!has_oversized_repeat(p)) compiled = std::make_unique<std::wregex>(to_wide(p), options);
  } catch (const std::regex_error&) {
    compiled = nullptr;
  }
  auto* raw = compiled.get();
  regex_cache_[key] = std::move(compiled);
  return raw;
}

std::optional<Term> Evaluator::evaluate_expression(const Expr& e, const Row& row) {
  switch (e.kind) {
    case ExprKind::constant: return e.constant;
    case ExprKind::variable: {
      if (e.slot < 0 || row[e.slot] == any_term) return std::nullopt;
      return terms_.term(row[e.slot]);
    }
    case ExprKind::logical_or:
    case ExprKind::logical_and: {
      // Three-valued logic: an error is overridden by a deciding operand.
      bool is_or = e.kind == ExprKind::logical_or;
      std::optional<bool> a, b;
      if (auto v = evaluate_expression(e.args[0], row)) a = effective_boolean_value(*v);
      if (a && *a == is_or) return make_boolean(is_or);
      if (auto v = evaluate_expression(e.args[1], row)) b = effective_boolean_value(*v);
      if (b && *b == is_or) return make_boolean(is_or);
      if (a && b) return make_boolean(!is_or);
      return std::nullopt;
    }
    case ExprKind::logical_not: {
      auto v = evaluate_expression(e.args[0], row);
      if (!v) return std::nullopt;
      auto b = effective_boolean_value(*v);
      if (!b) return std::nullopt;
      return make_boolean(!*b);
    }
    case ExprKind::equal:
    case ExprKind::not_equal:
    case ExprKind::less:
    case ExprKind::greater:
    case ExprKind::less_equal:
    case ExprKind::greater_equal: {
      auto a = evaluate_expression(e.args[0], row);
      if (!a) return std::nullopt;
      auto b = evaluate_expression(e.args[1], row);
      if (!b) return std::nullopt;
      if (e.kind == ExprKind::equal || e.kind == ExprKind::not_equal) {
        auto eq = values_equal(*a, *b);
        if (!eq) return std::nullopt;
        return make_boolean(e.kind == ExprKind::equal ? *eq : !*eq);
      }
      auto c = values_compare(*a, *b);
      if (!c) return std::nullopt;
      switch (e.kind) {
        case ExprKind::less: return make_boolean(*c < 0);
        case ExprKind::greater: return make_boolean(*c > 0);
        case ExprKind::less_equal: return make_boolean(*c <= 0);
        default: return make_boolean(*c >= 0);
      }
    }
    case ExprKind::in:
    case ExprKind::not_in: {
      auto a = evaluate_expression(e.args[0], row);
      if (!a) return std::nullopt;
      bool error = false;
      for (std::size_t i = 1; i < e.args.size(); ++i) {
        auto b = evaluate_expression(e.args[i], row);
        if (!b) {
          error = true;
          continue;
        }
        auto eq = values_equal(*a, *b);
        if (!eq) error = true;
        else if (*eq) return make_boolean(e.kind == ExprKind::in);
      }
      if (error) return std::nullopt;
      return make_boolean(e.kind == ExprKind::not_in);
    }
    case ExprKind::add:
    case ExprKind::subtract:
    case ExprKind::multiply:
    case ExprKind::divide: {
      auto a = evaluate_expression(e.args[0], row);
      if (!a) return std::nullopt;
      auto b = evaluate_expression(e.args[1], row);
      if (!b) return std::nullopt;
      auto x = numeric_value(*a), y = numeric_value(*b);
      if (!x || !y) return std::nullopt;
      std::optional<Numeric> r;
      if (e.kind == ExprKind::add) r = numeric_add(*x, *y);
      else if (e.kind == ExprKind::subtract) r = numeric_subtract(*x, *y);
      else if (e.kind == ExprKind::multiply) r = numeric_multiply(*x, *y);
      else r = numeric_divide(*x, *y);
      if (!r) return std::nullopt;
      return make_numeric(*r);
    }
    case ExprKind::unary_plus:
    case ExprKind::unary_minus: {
      auto a = evaluate_expression(e.args[0], row);
      if (!a) return std::nullopt;
      auto x = numeric_value(*a);
      if (!x) return std::nullopt;
      if (e.kind == ExprKind::unary_minus) return make_numeric(numeric_negate(*x));
      return make_numeric(*x);
    }
    case ExprKind::exists: return make_boolean(exists(e, row));
    case ExprKind::not_exists: return make_boolean(!exists(e, row));
    case ExprKind::builtin: return call_builtin(e, row);
    case ExprKind::call: return call_function(e, row);
    case ExprKind::aggregate: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Term> Evaluator::call_function(const Expr& e, const Row& row) {
  if (e.name.compare(0, xsd::ns.size(), xsd::ns) == 0 && e.args.size() == 1) {
    auto a = evaluate_expression(e.args[0], row);
    if (!a) return std::nullopt;
    return cast(e.name, *a);
  }
  return std::nullopt;  // unknown extension function: an error
}

std::optional<Term> Evaluator::call_builtin(const Expr& e, const Row& row) {
  const std::string& f = e.name;
  // Functions that do not evaluate all their arguments first.
  if (f == "BOUND") return make_boolean(e.args[0].slot >= 0 && row[e.args[0].slot] != any_term);
  if (f == "IF") {
    auto c = evaluate_expression(e.args[0], row);
    if (!c) return std::nullopt;
    auto b = effective_boolean_value(*c);
    if (!b) return std::nullopt;
    return evaluate_expression(e.args[*b ? 1 : 2], row);
  }
  if (f == "COALESCE") {
    for (const auto& a : e.args)
      if (auto v = evaluate_expression(a, row)) return v;
    return std::nullopt;
  }
  if (f == "RAND") {
    std::uniform_real_distribution<double> d(0, 1);
    return make_numeric({NumericType::double_, d(random_), std::nullopt});
  }
  if (f == "NOW") return now_;
  if (f == "UUID" || f == "STRUUID") {
    std::uniform_int_distribution<int> d(0, 15);
    static const char* hex = "0123456789abcdef";
    std::string u;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) u += '-';
      int v = d(random_);
      if (i == 12) v = 4;
      if (i == 16) v = 8 | (v & 3);
      u += hex[v];
    }
    if (f == "UUID") return Term::iri("urn:uuid:" + u);
    return make_string(u);
  }
  if (f == "BNODE" && e.args.empty()) return Term::blank(std::string("q").append(std::to_string(++bnode_counter_)).append("x"));

  std::vector<Term> a;
  a.reserve(e.args.size());
  for (const auto& arg : e.args) {
    auto v = evaluate_expression(arg, row);
    if (!v) return std::nullopt;
    a.push_back(std::move(*v));
  }
  auto lit = [](const Term& t) { return t.kind == TermKind::literal; };

  if (f == "STR") {
    if (a[0].kind == TermKind::blank) return std::nullopt;
    return make_string(a[0].value);
  }
  if (f == "LANG") {
    if (!lit(a[0])) return std::nullopt;
    return make_string(a[0].language);
  }
  if (f == "LANGMATCHES") {
    if (!is_string_literal(a[0]) || !is_string_literal(a[1])) return std::nullopt;
    std::string tag = ascii_case(a[0].value, false), range = ascii_case(a[1].value, false);
    if (range == "*") return make_boolean(!tag.empty());
    return make_boolean(tag == range || (tag.size() > range.size() && tag.compare(0, range.size(), range) == 0 &&
                                          tag[range.size()] == '-'));
  }
  if (f == "DATATYPE") {
    if (!lit(a[0])) return std::nullopt;
    if (!a[0].language.empty()) return Term::iri(std::string(rdf::lang_string));
    return Term::iri(a[0].datatype.empty() ? std::string(xsd::string) : a[0].datatype);
  }
  if (f == "IRI") {
    if (a[0].kind == TermKind::iri) return a[0];
    if (!is_string_literal(a[0])) return std::nullopt;
    Term iri = Term::iri(settings_.base_iri.empty() ? a[0].value : resolve_iri(settings_.base_iri, a[0].value));
    // Not an absolute IRI (spaces, '>', no scheme): an error, not a term
    // that no serialisation could write.
    if (!valid_iri(iri.value)) return std::nullopt;
    return iri;
  }
  if (f == "BNODE") {
    if (!is_string_literal(a[0])) return std::nullopt;
    // The string only identifies the node within the solution: any string
    // gives a valid label.
    std::string label = std::string("q").append(std::to_string(solution_index_)).append("_").append(
        blank_label_piece(a[0].value));
    return Term::blank(std::move(label));
  }
  if (f == "ABS" || f == "CEIL" || f == "FLOOR" || f == "ROUND") {
    auto n = numeric_value(a[0]);
    if (!n) return std::nullopt;
    const Numeric r = numeric_round(*n, f == "ABS"    ? Rounding::abs
                                        : f == "CEIL"  ? Rounding::ceil
                                        : f == "FLOOR" ? Rounding::floor
                                                       : Rounding::round);
    // Integral decimals without ".0": what the W3C results expect here.
    if (r.type == NumericType::decimal) return Term::literal(r.decimal().to_string(true), std::string(xsd::decimal));
    return make_numeric(r);
  }
  if (f == "CONCAT") {
    std::string out;
    std::optional<std::string> language;
    bool all_same_language = true;
    for (const auto& t : a) {
      if (!is_string_like(t)) return std::nullopt;
      out += t.value;
      if (!language) language = t.language;
      else if (*language != t.language) all_same_language = false;
    }
    // A shared language tag survives; anything else gives a simple literal.
    if (language && !language->empty() && all_same_language) return Term::lang_literal(out, *language);
    return make_string(out);
  }
  if (f == "STRLEN") {
    if (!is_string_like(a[0])) return std::nullopt;
    return make_integer(static_cast<long long>(utf8_length(a[0].value)));
  }
  if (f == "UCASE" || f == "LCASE") {
    if (!is_string_like(a[0])) return std::nullopt;
    return like(a[0], ascii_case(a[0].value, f == "UCASE"));
  }
  if (f == "ENCODE_FOR_URI") {
    if (!is_string_like(a[0])) return std::nullopt;
    std::string out;
    for (unsigned char c : a[0].value) {
      if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
        out += static_cast<char>(c);
      } else {
        char b[4];
        std::snprintf(b, sizeof b, "%%%02X", c);
        out += b;
      }
    }
    return make_string(out);
  }
  if (f == "CONTAINS" || f == "STRSTARTS" || f == "STRENDS" || f == "STRBEFORE" || f == "STRAFTER") {
    if (!compatible_arguments(a[0], a[1])) return std::nullopt;
    const std::string &s = a[0].value, &t = a[1].value;
    if (f == "CONTAINS") return make_boolean(s.find(t) != std::string::npos);
    if (f == "STRSTARTS") return make_boolean(s.compare(0, t.size(), t) == 0);
    if (f == "STRENDS") return make_boolean(s.size() >= t.size() && s.compare(s.size() - t.size(), t.size(), t) == 0);
    auto pos = s.find(t);
    if (pos == std::string::npos) return make_string("");
    if (f == "STRBEFORE") {
      if (pos == 0 && t.empty()) return like(a[0], "");
      return like(a[0], s.substr(0, pos));
    }
    return like(a[0], s.substr(pos + t.size()));
  }
  if (f == "YEAR" || f == "MONTH" || f == "DAY" || f == "HOURS" || f == "MINUTES" || f == "SECONDS" ||
      f == "TIMEZONE" || f == "TZ") {
    auto dt = date_time_value(a[0]);
    if (!dt) return std::nullopt;
    if (f == "YEAR") return make_integer(dt->year);
    if (f == "MONTH") return make_integer(dt->month);
    if (f == "DAY") return make_integer(dt->day);
    if (f == "HOURS") return make_integer(dt->hour);
    if (f == "MINUTES") return make_integer(dt->minute);
    if (f == "SECONDS") {
      // The seconds as written ("05.250" is 5.25), exactly.
      const std::string& lexical = a[0].value;
      const auto t = lexical.find('T');
      const auto seconds = Decimal::parse(t == std::string::npos ? "0" : lexical.substr(t + 7, lexical.find_first_of("Z+-", t + 7) - (t + 7)));
      if (!seconds) return std::nullopt;
      return Term::literal(seconds->to_string(true), std::string(xsd::decimal));
    }
    if (f == "TZ") {
      if (!dt->has_timezone) return make_string("");
      if (dt->timezone_minutes == 0) return make_string("Z");
      int m = std::abs(dt->timezone_minutes);
      return make_string(std::string(dt->timezone_minutes < 0 ? "-" : "+") + two_digits(m / 60) + ":" +
                         two_digits(m % 60));
    }
    if (!dt->has_timezone) return std::nullopt;
    int m = std::abs(dt->timezone_minutes);
    std::string d = dt->timezone_minutes < 0 ? "-PT" : "PT";
    if (m == 0) d += "0S";
    if (m / 60) d += std::to_string(m / 60) + "H";
    if (m % 60) d += std::to_string(m % 60) + "M";
    return Term::literal(d, std::string(xsd::day_time_duration));
  }
  if (f == "MD5" || f == "SHA1" || f == "SHA256" || f == "SHA384" || f == "SHA512") {
    if (!is_string_literal(a[0])) return std::nullopt;
    const EVP_MD* md = f == "MD5" ? EVP_md5() : f == "SHA1" ? EVP_sha1() : f == "SHA256" ? EVP_sha256()
                     : f == "SHA384" ? EVP_sha384() : EVP_sha512();
    return make_string(hex_digest(md, a[0].value));
  }
  if (f == "STRLANG") {
    if (!is_string_literal(a[0]) || !is_string_literal(a[1]) || !valid_language_tag(a[1].value)) return std::nullopt;
    return Term::lang_literal(a[0].value, ascii_case(a[1].value, false));
  }
  if (f == "STRDT") {
    if (!is_string_literal(a[0]) || a[1].kind != TermKind::iri) return std::nullopt;
    return Term::literal(a[0].value, a[1].value == xsd::string ? std::string() : a[1].value);
  }
  if (f == "SAMETERM") return make_boolean(a[0] == a[1]);
  if (f == "ISIRI") return make_boolean(a[0].kind == TermKind::iri);
  if (f == "ISBLANK") return make_boolean(a[0].kind == TermKind::blank);
  if (f == "ISLITERAL") return make_boolean(a[0].kind == TermKind::literal);
  if (f == "ISNUMERIC") return make_boolean(numeric_value(a[0]).has_value());
  if (f == "REGEX") {
    if (!is_string_like(a[0]) || !is_string_literal(a[1])) return std::nullopt;
    std::string flags = a.size() > 2 ? a[2].value : "";
    if (a.size() > 2 && !is_string_literal(a[2])) return std::nullopt;
    const std::wregex* re = compiled_regex(a[1].value, flags);
    if (!re) return std::nullopt;
    return make_boolean(std::regex_search(to_wide(a[0].value), *re));
  }
  if (f == "REPLACE") {
    if (!is_string_like(a[0]) || !is_string_literal(a[1]) || !is_string_literal(a[2])) return std::nullopt;
    std::string flags = a.size() > 3 ? a[3].value : "";
    const std::wregex* re = compiled_regex(a[1].value, flags);
    if (!re) return std::nullopt;
    // XPath replacement uses $1 for groups and \$ for a dollar sign, like
    // ECMAScript's format except for the escapes.
    std::string replacement;
    const std::string& r = a[2].value;
    for (std::size_t i = 0; i < r.size(); ++i) {
      if (r[i] == '\\' && i + 1 < r.size()) {
        if (r[i + 1] == '$') replacement += "$$";
        else replacement += r[i + 1];
        ++i;
      } else {
        replacement += r[i];
      }
    }
    // A pattern matching the empty string is an error in XPath's fn:replace.
    if (std::regex_match(std::wstring(), *re)) return std::nullopt;
    return like(a[0], from_wide(std::regex_replace(to_wide(a[0].value), *re, to_wide(replacement))));
  }
  if (f == "SUBSTR") {
    if (!is_string_like(a[0])) return std::nullopt;
    auto start = numeric_value(a[1]);
    if (!start) return std::nullopt;
    std::optional<Numeric> length;
    if (a.size() > 2) {
      length = numeric_value(a[2]);
      if (!length) return std::nullopt;
    }
    // XPath fn:substring: characters at positions p with
    // round(start) <= p < round(start) + round(length).
    long double first = numeric_round(*start, Rounding::round).value;
    long double last = length ? first + numeric_round(*length, Rounding::round).value : INFINITY;
    if (std::isnan(first) || std::isnan(last)) return like(a[0], "");
    std::size_t n = utf8_length(a[0].value);
    long double from = std::max<long double>(first, 1), to = std::min<long double>(last, static_cast<long double>(n) + 1);
    if (to <= from) return like(a[0], "");
    std::size_t b = utf8_offset(a[0].value, static_cast<std::size_t>(from) - 1);
    std::size_t end = utf8_offset(a[0].value, static_cast<std::size_t>(to) - 1);
    return like(a[0], a[0].value.substr(b, end - b));
  }
  return std::nullopt;
}

}  // namespace torchprov::triplestore::sparql
