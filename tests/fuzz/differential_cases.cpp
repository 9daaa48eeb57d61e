#include "differential_cases.h"

#include <iterator>
#include <set>
#include <vector>

namespace torchprov::fuzz {
namespace {

const char* const subjects[] = {"ex:s0", "ex:s1", "ex:s2", "ex:s3", "_:b0", "_:b1"};
const char* const predicates[] = {"ex:p0", "ex:p1", "ex:p2"};
const char* const literals[] = {"1", "2", "-3", "0", "2.5", "1.0e1", "\"10\"^^xsd:integer", "\"a\"", "\"b\"@en",
                                "\"B\"", "\"\"", "true", "\"2024-01-01\"^^xsd:date", "\"x\"^^ex:dt", "\"01\"^^xsd:integer",
                                "\"a\"@EN", "7.25", "\"abc\""};
const char* const constants[] = {"1", "2", "0", "2.5", "\"a\"", "\"b\"@en", "ex:s0", "ex:s1", "true", "\"B\"", "-1"};
const char* const variables[] = {"?x", "?y", "?z", "?w"};

template <std::size_t N>
const char* pick(Bytes& in, const char* const (&options)[N]) {
  return options[in.below(N)];
}

class QueryWriter {
 public:
  explicit QueryWriter(Bytes& in) : in_(in) {}

  std::string query() {
    if (in_.below(10) == 0) return "ASK WHERE { " + group(0) + " }";
    const std::string where = group(0);
    std::vector<std::string> seen(used_.begin(), used_.end());
    if (seen.empty()) seen.push_back("?x");
    if (in_.below(5) == 0) return aggregate_query(where, seen);
    std::string head = "SELECT ";
    if (in_.below(4) == 0) head += "DISTINCT ";
    if (in_.below(3) == 0) {
      head += "*";
    } else {
      const std::size_t n = 1 + in_.below(seen.size());
      for (std::size_t i = 0; i < n; ++i) head += seen[i] + " ";
    }
    std::string tail;
    if (in_.below(4) == 0) tail = " ORDER BY " + seen[0];
    return head + " WHERE { " + where + " }" + tail;
  }

 private:
  Bytes& in_;
  std::set<std::string> used_;
  int binds_ = 0;

  std::string variable() {
    std::string v = pick(in_, variables);
    used_.insert(v);
    return v;
  }

  std::string term_or_variable(const char* const* pool, std::size_t n) {
    if (in_.below(3) != 0) return variable();
    return pool[in_.below(n)];
  }

  std::string path() {
    const std::string p = pick(in_, predicates);
    switch (in_.below(9)) {
      case 0: return p + "/" + pick(in_, predicates);
      case 1: return p + "*";
      case 2: return p + "+";
      case 3: return p + "?";
      case 4: return "^" + p;
      case 5: return "(" + p + "|" + pick(in_, predicates) + ")";
      case 6: return "!" + p;
      default: return p;
    }
  }

  std::string triple() {
    const std::string s = term_or_variable(subjects, 4);  // no blank nodes in patterns
    std::string p = in_.below(5) == 0 ? path() : (in_.below(6) == 0 ? variable() : pick(in_, predicates));
    std::string o;
    if (in_.below(3) != 0) o = variable();
    else o = in_.flag() ? pick(in_, subjects) : pick(in_, literals);
    if (o.starts_with("_:")) o = "ex:s0";
    return s + " " + p + " " + o + " .";
  }

  std::string expression(int depth) {
    if (depth > 2) return in_.flag() ? variable() : pick(in_, constants);
    const std::string a = expression(depth + 1);
    switch (in_.below(16)) {
      case 0: return "(" + a + " + " + expression(depth + 1) + ")";
      case 1: return "(" + a + " * " + expression(depth + 1) + ")";
      case 2: return "(" + a + " - " + expression(depth + 1) + ")";
      case 3: return "(" + a + " = " + expression(depth + 1) + ")";
      case 4: return "(" + a + " < " + expression(depth + 1) + ")";
      case 5: return "(" + a + " >= " + expression(depth + 1) + ")";
      case 6: return "(" + a + " != " + expression(depth + 1) + ")";
      case 7: return "(" + a + " && " + expression(depth + 1) + ")";
      case 8: return "(" + a + " || " + expression(depth + 1) + ")";
      case 9: return "!(" + a + ")";
      case 10: {
        static const char* const unary[] = {"STR", "LANG", "DATATYPE", "isIRI", "isBlank", "isLiteral", "isNumeric",
                                            "STRLEN", "UCASE", "LCASE", "ABS", "CEIL", "FLOOR", "ROUND"};
        return std::string(pick(in_, unary)) + "(" + a + ")";
      }
      case 11: return "BOUND(" + variable() + ")";
      case 12: return "COALESCE(" + a + ", " + expression(depth + 1) + ")";
      case 13: return "IF(" + a + ", " + expression(depth + 1) + ", " + expression(depth + 1) + ")";
      case 14: return "CONTAINS(STR(" + a + "), \"a\")";
      default: return "sameTerm(" + a + ", " + expression(depth + 1) + ")";
    }
  }

  std::string element(int depth) {
    const std::size_t choice = in_.below(depth > 1 ? 3 : 14);
    switch (choice) {
      case 0:
      case 1:
      case 2: return triple();
      case 3: return "OPTIONAL { " + group(depth + 1) + " }";
      case 4: return "{ " + group(depth + 1) + " } UNION { " + group(depth + 1) + " }";
      case 5: return "MINUS { " + group(depth + 1) + " }";
      case 6: return "FILTER(" + expression(0) + ")";
      case 7: {
        // BIND may not rebind a variable already in scope: use a fresh one.
        return "BIND(" + expression(1) + " AS ?bound" + std::to_string(binds_++) + ")";
      }
      case 8: {
        const std::string v = variable();
        std::string values = "VALUES " + v + " {";
        const std::size_t n = 1 + in_.below(3);
        for (std::size_t i = 0; i < n; ++i) values += std::string(" ") + (in_.below(5) == 0 ? "UNDEF" : pick(in_, constants));
        return values + " }";
      }
      case 9: return "GRAPH " + (in_.flag() ? variable() : std::string("ex:g1")) + " { " + group(depth + 1) + " }";
      case 10: return std::string(in_.flag() ? "FILTER EXISTS" : "FILTER NOT EXISTS") + " { " + group(depth + 1) + " }";
      case 11: return "{ SELECT " + variable() + " WHERE { " + group(depth + 1) + " } }";
      default: return triple();
    }
  }

  std::string group(int depth) {
    std::string out;
    const std::size_t n = 1 + in_.below(depth == 0 ? 4 : 2);
    for (std::size_t i = 0; i < n; ++i) out += element(depth) + " ";
    return out;
  }

  std::string aggregate_query(const std::string& where, const std::vector<std::string>& seen) {
    static const char* const functions[] = {"COUNT", "SUM", "MIN", "MAX", "AVG", "COUNT(DISTINCT"};
    const std::string key = seen[in_.below(seen.size())];
    const std::string value = seen[in_.below(seen.size())];
    std::string f = pick(in_, functions);
    std::string call = f == "COUNT(DISTINCT" ? "COUNT(DISTINCT " + value + ")" : f + "(" + value + ")";
    if (in_.below(6) == 0) call = "COUNT(*)";
    std::string q = "SELECT ";
    const bool grouped = in_.flag();
    if (grouped) q += key + " ";
    q += "(" + call + " AS ?aggregate) WHERE { " + where + " }";
    if (grouped) q += " GROUP BY " + key;
    if (in_.below(4) == 0) q += " HAVING (COUNT(*) > 1)";
    return q;
  }
};

}  // namespace

DifferentialCase make_differential_case(Bytes& in) {
  DifferentialCase c;
  const std::string prologue =
      "@prefix ex: <http://example.org/> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n";
  c.data = prologue;
  auto triples = [&](std::size_t n) {
    std::string out;
    for (std::size_t i = 0; i < n; ++i) {
      out += std::string(pick(in, subjects)) + " " + pick(in, predicates) + " " +
             (in.below(3) == 0 ? pick(in, subjects) : pick(in, literals)) + " .\n";
    }
    return out;
  };
  c.data += triples(3 + in.below(14));
  if (in.flag()) c.data += "ex:g1 {\n" + triples(1 + in.below(6)) + "}\n";
  if (in.flag()) c.data += "ex:g2 {\n" + triples(1 + in.below(4)) + "}\n";
  QueryWriter writer(in);
  c.query = "PREFIX ex: <http://example.org/>\nPREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n" + writer.query();
  return c;
}

}  // namespace torchprov::fuzz
