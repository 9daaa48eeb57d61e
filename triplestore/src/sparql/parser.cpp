// Recursive-descent parser over the W3C SPARQL 1.1 grammar (query and
// update).  It produces syntax trees (syntax.h) and enforces the grammar's
// static constraints that the W3C negative syntax tests check (variable
// scoping of BIND and SELECT expressions, grouping rules, blank node label
// sharing between basic graph patterns, and so on).
#include <algorithm>
#include <array>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>

#include "lexer.h"
#include "syntax.h"
#include "vocabulary.h"

namespace torchprov::triplestore::sparql {

SyntaxError::SyntaxError(const std::string& message, std::size_t line_, std::size_t column_)
    : std::runtime_error(message + " at line " + std::to_string(line_) + ", column " + std::to_string(column_)),
      line(line_),
      column(column_) {}

namespace {

using namespace syntax;

struct BuiltinArity {
  std::string_view name;
  int min, max;  // max -1: any number
};

// Built-in functions other than aggregates, EXISTS, REGEX/SUBSTR/REPLACE
// (which take optional arguments) and BOUND (which takes a variable).
constexpr BuiltinArity builtin_functions[] = {
    {"STR", 1, 1},       {"LANG", 1, 1},      {"LANGMATCHES", 2, 2}, {"DATATYPE", 1, 1},   {"IRI", 1, 1},
    {"URI", 1, 1},       {"BNODE", 0, 1},     {"RAND", 0, 0},        {"ABS", 1, 1},        {"CEIL", 1, 1},
    {"FLOOR", 1, 1},     {"ROUND", 1, 1},     {"CONCAT", 0, -1},     {"STRLEN", 1, 1},     {"UCASE", 1, 1},
    {"LCASE", 1, 1},     {"ENCODE_FOR_URI", 1, 1}, {"CONTAINS", 2, 2}, {"STRSTARTS", 2, 2}, {"STRENDS", 2, 2},
    {"STRBEFORE", 2, 2}, {"STRAFTER", 2, 2},  {"YEAR", 1, 1},        {"MONTH", 1, 1},      {"DAY", 1, 1},
    {"HOURS", 1, 1},     {"MINUTES", 1, 1},   {"SECONDS", 1, 1},     {"TIMEZONE", 1, 1},   {"TZ", 1, 1},
    {"NOW", 0, 0},       {"UUID", 0, 0},      {"STRUUID", 0, 0},     {"MD5", 1, 1},        {"SHA1", 1, 1},
    {"SHA256", 1, 1},    {"SHA384", 1, 1},    {"SHA512", 1, 1},      {"COALESCE", 0, -1},  {"IF", 3, 3},
    {"STRLANG", 2, 2},   {"STRDT", 2, 2},     {"SAMETERM", 2, 2},    {"ISIRI", 1, 1},      {"ISURI", 1, 1},
    {"ISBLANK", 1, 1},   {"ISLITERAL", 1, 1}, {"ISNUMERIC", 1, 1},   {"REGEX", 2, 3},      {"SUBSTR", 2, 3},
    {"REPLACE", 3, 4},   {"BOUND", 1, 1},
};

constexpr std::array<std::string_view, 7> aggregate_names{"COUNT", "SUM", "MIN", "MAX", "AVG", "SAMPLE",
                                                          "GROUP_CONCAT"};

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_aggregate_name(const std::string& name) {
  return std::find(aggregate_names.begin(), aggregate_names.end(), name) != aggregate_names.end();
}

bool contains_aggregate(const Expr& e) {
  if (e.kind == ExprKind::aggregate) return true;
  return std::any_of(e.args.begin(), e.args.end(), contains_aggregate);
}

// Variables mentioned in an expression outside aggregates.
void free_variables(const Expr& e, std::set<std::string>& out) {
  if (e.kind == ExprKind::aggregate) return;
  if (e.kind == ExprKind::variable) out.insert(e.name);
  for (const auto& a : e.args) free_variables(a, out);
}

void add_term_var(const VarOrTerm& t, std::set<std::string>& out) {
  if (t.is_var) out.insert(t.var);
}

// The variables a group pattern binds (the spec's in-scope variables).
void in_scope_variables(const GroupPattern& group, std::set<std::string>& out);

void subquery_variables(const Query& q, std::set<std::string>& out) {
  if (q.select_all) {
    in_scope_variables(q.where, out);
  } else {
    for (const auto& item : q.select) out.insert(item.var);
  }
}

void in_scope_variables(const GroupPattern& group, std::set<std::string>& out) {
  for (const auto& el : group.elements) {
    switch (el.kind) {
      case ElementKind::triples:
        for (const auto& t : el.triples) {
          add_term_var(t.subject, out);
          if (!t.predicate_is_path) add_term_var(t.predicate, out);
          add_term_var(t.object, out);
        }
        break;
      case ElementKind::bind: out.insert(el.var); break;
      case ElementKind::values:
        for (const auto& v : el.values.vars) out.insert(v);
        break;
      case ElementKind::graph:
        add_term_var(el.graph, out);
        [[fallthrough]];
      case ElementKind::optional:
      case ElementKind::union_of:
      case ElementKind::group:
      case ElementKind::service:
        for (const auto& g : el.groups) in_scope_variables(g, out);
        break;
      case ElementKind::subselect: subquery_variables(*el.subquery, out); break;
      case ElementKind::filter:
      case ElementKind::minus: break;
    }
  }
}

}  // namespace

namespace {

class Parser {
 public:
  Parser(std::string_view text, std::string base) : text_(text), tokens_(tokenize(text)), base_(std::move(base)) {}

  Query parse_query_unit() {
    parse_prologue();
    Query query = parse_query_body();
    query.base = base_;
    if (!at_end()) fail("end of query");
    return query;
  }

  Update parse_update_unit() {
    Update update;
    for (;;) {
      parse_prologue();
      if (at_end()) break;
      update.operations.push_back(parse_update_operation());
      if (!accept_punct(";")) break;
    }
    if (!at_end()) fail("';' or end of update");
    return update;
  }

 private:
  // Whether aggregates may appear in the expression being parsed (not in
  // FILTER or BIND of a WHERE clause), restored when the scope ends.
  struct AggregateScope {
    AggregateScope(Parser& parser, bool allowed) : parser_(parser), saved_(parser.aggregates_allowed_) {
      parser.aggregates_allowed_ = allowed;
    }
    ~AggregateScope() { parser_.aggregates_allowed_ = saved_; }
    AggregateScope(const AggregateScope&) = delete;
    AggregateScope& operator=(const AggregateScope&) = delete;
    Parser& parser_;
    bool saved_;
  };

  // ---- token helpers -------------------------------------------------------
  const Token& peek(std::size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  bool at_end() const { return peek().kind == TokenKind::end; }
  const Token& next() {
    const Token& t = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  [[noreturn]] void fail(const std::string& expected) const { fail_at(peek(), expected); }
  [[noreturn]] static void fail_at(const Token& t, const std::string& expected) {
    throw SyntaxError("expected " + expected + " but found " + describe(t), t.line, t.column);
  }
  [[noreturn]] static void error_at(const Token& t, const std::string& message) {
    throw SyntaxError(message, t.line, t.column);
  }
  bool is_punct(std::string_view p, std::size_t ahead = 0) const {
    return peek(ahead).kind == TokenKind::punct && peek(ahead).text == p;
  }
  bool is_word(std::string_view w, std::size_t ahead = 0) const {
    const Token& t = peek(ahead);
    if (t.kind != TokenKind::word || t.text.size() != w.size()) return false;
    for (std::size_t i = 0; i < w.size(); ++i)
      if (std::toupper(static_cast<unsigned char>(t.text[i])) != w[i]) return false;
    return true;
  }
  bool accept_punct(std::string_view p) {
    if (!is_punct(p)) return false;
    next();
    return true;
  }
  bool accept_word(std::string_view w) {
    if (!is_word(w)) return false;
    next();
    return true;
  }
  void expect_punct(std::string_view p) {
    if (!accept_punct(p)) fail("'" + std::string(p) + "'");
  }
  void expect_word(std::string_view w) {
    if (!accept_word(w)) fail("'" + std::string(w) + "'");
  }

  // ---- prologue and IRIs --------------------------------------------------------
  void parse_prologue() {
    for (;;) {
      if (accept_word("BASE")) {
        if (peek().kind != TokenKind::iri) fail("an IRI after BASE");
        base_ = resolve(next().text);
      } else if (accept_word("PREFIX")) {
        if (peek().kind != TokenKind::pname_ns) fail("a prefix name ending in ':' after PREFIX");
        std::string prefix = next().text;
        if (peek().kind != TokenKind::iri) fail("an IRI for prefix '" + prefix + ":'");
        prefixes_[prefix] = resolve(next().text);
      } else {
        return;
      }
    }
  }

  std::string resolve(const std::string& iri) const { return base_.empty() ? iri : resolve_iri(base_, iri); }

  bool at_iri() const {
    auto k = peek().kind;
    return k == TokenKind::iri || k == TokenKind::pname_ln || k == TokenKind::pname_ns;
  }

  std::string parse_iri() {
    const Token& t = peek();
    if (t.kind == TokenKind::iri) {
      next();
      return resolve(t.text);
    }
    if (t.kind == TokenKind::pname_ln || t.kind == TokenKind::pname_ns) {
      auto it = prefixes_.find(t.text);
      if (it == prefixes_.end()) error_at(t, "undefined prefix '" + t.text + ":'");
      next();
      return it->second + t.local;
    }
    fail("an IRI");
  }

  // ---- query forms ------------------------------------------------------------
  Query parse_query_body() {
    AggregateScope aggregates(*this, true);
    Query q;
    q.line = peek().line;
    q.column = peek().column;
    if (accept_word("SELECT")) {
      parse_select_clause(q);
      parse_dataset_clauses(q);
      parse_where(q, true);
      parse_solution_modifiers(q);
    } else if (accept_word("CONSTRUCT")) {
      q.form = QueryForm::construct;
      if (is_punct("{")) {
        q.construct_template = parse_triples_template_braced();
        parse_dataset_clauses(q);
        parse_where(q, true);
      } else {
        parse_dataset_clauses(q);
        expect_word("WHERE");
        // CONSTRUCT WHERE { template }: the template is also the pattern.
        auto templ = parse_triples_template_braced();
        q.construct_template = templ;
        Element el;
        el.kind = ElementKind::triples;
        el.triples = templ;
        for (auto& t : el.triples) {
          blank_to_var(t.subject);
          blank_to_var(t.object);
        }
        if (!el.triples.empty()) q.where.elements.push_back(std::move(el));
      }
      parse_solution_modifiers(q);
    } else if (accept_word("DESCRIBE")) {
      q.form = QueryForm::describe;
      if (accept_punct("*")) {
        q.describe_all = true;
      } else {
        do {
          if (peek().kind == TokenKind::var) {
            q.describe.push_back({true, next().text, {}});
          } else {
            q.describe.push_back({false, {}, Term::iri(parse_iri())});
          }
        } while (peek().kind == TokenKind::var || at_iri());
      }
      parse_dataset_clauses(q);
      if (is_word("WHERE") || is_punct("{")) parse_where(q, true);
      parse_solution_modifiers(q);
    } else if (accept_word("ASK")) {
      q.form = QueryForm::ask;
      parse_dataset_clauses(q);
      parse_where(q, true);
      parse_solution_modifiers(q);
    } else {
      fail("SELECT, CONSTRUCT, DESCRIBE or ASK");
    }
    if (accept_word("VALUES")) q.values = parse_values_body();
    check_query(q);
    return q;
  }

  static void blank_to_var(VarOrTerm& t) {
    if (!t.is_var && t.term.kind == TermKind::blank) {
      t.is_var = true;
      t.var = "_:" + t.term.value;
    }
  }

  void parse_select_clause(Query& q) {
    if (accept_word("DISTINCT")) q.distinct = true;
    else if (accept_word("REDUCED")) q.reduced = true;
    if (accept_punct("*")) {
      q.select_all = true;
      return;
    }
    std::set<std::string> seen;
    for (;;) {
      if (peek().kind == TokenKind::var) {
        SelectItem item;
        item.line = peek().line;
        item.column = peek().column;
        item.var = next().text;
        q.select.push_back(std::move(item));
      } else if (is_punct("(")) {
        SelectItem item;
        item.line = peek().line;
        item.column = peek().column;
        next();
        item.expr = parse_expression();
        expect_word("AS");
        if (peek().kind != TokenKind::var) fail("a variable after AS");
        const Token& var_token = next();
        item.var = var_token.text;
        expect_punct(")");
        for (const auto& other : q.select)
          if (other.var == item.var) error_at(var_token, "variable ?" + item.var + " is already projected");
        q.select.push_back(std::move(item));
      } else {
        break;
      }
    }
    if (q.select.empty()) fail("'*', a variable or '(expression AS ?var)' in SELECT");
  }

  void parse_dataset_clauses(Query& q) {
    while (accept_word("FROM")) {
      if (accept_word("NAMED")) q.from_named.push_back(parse_iri());
      else q.from.push_back(parse_iri());
    }
  }

  void parse_where(Query& q, bool required) {
    bool had_where = accept_word("WHERE");
    if (!is_punct("{")) {
      if (required || had_where) fail("'{' to start the WHERE clause");
      return;
    }
    q.where = parse_group_graph_pattern();
  }

  void parse_solution_modifiers(Query& q) {
    if (is_word("GROUP")) {
      next();
      expect_word("BY");
      do {
        GroupCondition c;
        if (peek().kind == TokenKind::var) {
          c.expr = variable_expr(next().text);
        } else if (is_punct("(")) {
          next();
          c.expr = parse_expression();
          if (accept_word("AS")) {
            if (peek().kind != TokenKind::var) fail("a variable after AS");
            c.var = next().text;
          }
          expect_punct(")");
        } else if (peek().kind == TokenKind::word || at_iri()) {
          c.expr = parse_primary();
        } else {
          fail("a group condition");
        }
        q.group_by.push_back(std::move(c));
      } while (peek().kind == TokenKind::var || is_punct("(") || (peek().kind == TokenKind::word && !is_modifier_keyword()) ||
               at_iri());
    }
    if (accept_word("HAVING")) {
      do {
        q.having.push_back(parse_constraint());
      } while (is_punct("(") || (peek().kind == TokenKind::word && !is_modifier_keyword()) || at_iri());
    }
    if (is_word("ORDER")) {
      next();
      expect_word("BY");
      do {
        OrderCondition c;
        if (accept_word("ASC")) {
          c.expr = parse_bracketted_expression();
        } else if (accept_word("DESC")) {
          c.descending = true;
          c.expr = parse_bracketted_expression();
        } else if (peek().kind == TokenKind::var) {
          c.expr = variable_expr(next().text);
        } else {
          c.expr = parse_constraint();
        }
        q.order_by.push_back(std::move(c));
      } while (peek().kind == TokenKind::var || is_punct("(") ||
               (peek().kind == TokenKind::word && !is_modifier_keyword()) || at_iri());
    }
    for (int i = 0; i < 2; ++i) {
      if (!q.limit && accept_word("LIMIT")) {
        if (peek().kind != TokenKind::integer) fail("an integer after LIMIT");
        q.limit = std::stoull(next().text);
      } else if (q.offset == 0 && accept_word("OFFSET")) {
        if (peek().kind != TokenKind::integer) fail("an integer after OFFSET");
        q.offset = std::stoull(next().text);
      }
    }
  }

  bool is_modifier_keyword() const {
    return is_word("HAVING") || is_word("ORDER") || is_word("LIMIT") || is_word("OFFSET") || is_word("VALUES") ||
           is_word("GROUP");
  }

  // The static rules of section 18.2.1 and the aggregate projection rules.
  void check_query(const Query& q) {
    bool aggregated = !q.group_by.empty() || !q.having.empty();
    for (const auto& item : q.select)
      if (item.expr && contains_aggregate(*item.expr)) aggregated = true;
    for (const auto& o : q.order_by)
      if (contains_aggregate(o.expr)) aggregated = true;
    if (aggregated && q.select_all && q.form == QueryForm::select)
      throw SyntaxError("SELECT * is not allowed with GROUP BY or aggregates", q.line, q.column);
    std::set<std::string> scope;
    in_scope_variables(q.where, scope);
    if (aggregated) {
      std::set<std::string> grouped;
      for (const auto& c : q.group_by) {
        if (!c.var.empty()) grouped.insert(c.var);
        else if (c.expr.kind == ExprKind::variable) grouped.insert(c.expr.name);
      }
      std::set<std::string> projected_so_far;
      for (const auto& item : q.select) {
        if (!item.expr) {
          if (!grouped.count(item.var))
            throw SyntaxError("variable ?" + item.var + " is projected but not grouped", item.line, item.column);
        } else {
          std::set<std::string> vars;
          free_variables(*item.expr, vars);
          for (const auto& v : vars)
            if (!grouped.count(v) && !projected_so_far.count(v))
              throw SyntaxError("variable ?" + v + " is used outside an aggregate but not grouped", item.line,
                                item.column);
        }
        projected_so_far.insert(item.var);
      }
    }
    std::set<std::string> projected;
    for (const auto& item : q.select) {
      if (item.expr && scope.count(item.var))
        throw SyntaxError("SELECT expression target ?" + item.var + " is already in scope", item.line, item.column);
      if (item.expr && projected.count(item.var))
        throw SyntaxError("SELECT expression target ?" + item.var + " is already projected", item.line,
                          item.column);
      projected.insert(item.var);
    }
  }

  // ---- VALUES ----------------------------------------------------------------
  ValuesBlock parse_values_body() {
    ValuesBlock block;
    if (peek().kind == TokenKind::var) {
      block.vars.push_back(next().text);
      expect_punct("{");
      while (!accept_punct("}")) block.rows.push_back({parse_data_value()});
      return block;
    }
    if (accept_punct("(")) {
      while (peek().kind == TokenKind::var) block.vars.push_back(next().text);
      expect_punct(")");
    } else if (peek().kind == TokenKind::nil) {
      next();
    } else {
      fail("a variable or '(' after VALUES");
    }
    expect_punct("{");
    for (;;) {
      if (accept_punct("}")) break;
      std::vector<std::optional<Term>> row;
      const Token& start = peek();
      if (peek().kind == TokenKind::nil) {
        next();
      } else {
        expect_punct("(");
        while (!accept_punct(")")) row.push_back(parse_data_value());
      }
      if (row.size() != block.vars.size())
        error_at(start, "VALUES row has " + std::to_string(row.size()) + " values for " +
                            std::to_string(block.vars.size()) + " variables");
      block.rows.push_back(std::move(row));
    }
    return block;
  }

  std::optional<Term> parse_data_value() {
    if (accept_word("UNDEF")) return std::nullopt;
    if (at_iri()) return Term::iri(parse_iri());
    auto t = parse_literal_term();
    if (!t) fail("a value (IRI, literal or UNDEF)");
    return t;
  }

  // A literal (string, number, boolean) at the current position, or nothing.
  std::optional<Term> parse_literal_term() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::string: {
        next();
        std::string value = t.text;
        if (peek().kind == TokenKind::langtag) return Term::lang_literal(value, lower(next().text));
        if (accept_punct("^^")) {
          std::string dt = parse_iri();
          if (dt == xsd::string) dt.clear();
          return Term::literal(value, dt);
        }
        return Term::literal(value);
      }
      case TokenKind::integer: next(); return Term::literal(t.text, std::string(xsd::integer));
      case TokenKind::decimal: next(); return Term::literal(t.text, std::string(xsd::decimal));
      case TokenKind::double_: next(); return Term::literal(t.text, std::string(xsd::double_));
      case TokenKind::punct:
        if ((t.text == "+" || t.text == "-") &&
            (peek(1).kind == TokenKind::integer || peek(1).kind == TokenKind::decimal ||
             peek(1).kind == TokenKind::double_)) {
          std::string sign = next().text;
          auto number = parse_literal_term();
          number->value = sign + number->value;
          return number;
        }
        return std::nullopt;
      case TokenKind::word:
        if (is_word("TRUE")) {
          next();
          return Term::literal("true", std::string(xsd::boolean));
        }
        if (is_word("FALSE")) {
          next();
          return Term::literal("false", std::string(xsd::boolean));
        }
        return std::nullopt;
      default: return std::nullopt;
    }
  }

  static std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  // ---- group graph patterns ---------------------------------------------------------
  GroupPattern parse_group_graph_pattern() {
    expect_punct("{");
    GroupPattern group;
    if (is_word("SELECT")) {
      Element el;
      el.kind = ElementKind::subselect;
      el.subquery = std::make_shared<Query>(parse_subselect());
      group.elements.push_back(std::move(el));
      expect_punct("}");
      return group;
    }
    ++bgp_counter_;  // a new basic graph pattern starts
    bool need_separator = false;
    for (;;) {
      if (accept_punct("}")) break;
      if (is_punct("{") || is_word("OPTIONAL") || is_word("MINUS") || is_word("GRAPH") || is_word("SERVICE") ||
          is_word("FILTER") || is_word("BIND") || is_word("VALUES")) {
        const Token& start = peek();
        Element el = parse_not_triples();
        if (el.kind != ElementKind::filter) ++bgp_counter_;
        if (el.kind == ElementKind::bind) {
          std::set<std::string> scope;
          in_scope_variables(group, scope);
          if (scope.count(el.var)) error_at(start, "BIND target ?" + el.var + " is already in scope");
        }
        group.elements.push_back(std::move(el));
        accept_punct(".");
        need_separator = false;
        continue;
      }
      if (need_separator) fail("'.' or '}'");
      Element el;
      el.kind = ElementKind::triples;
      parse_triples_same_subject(el.triples, true);
      need_separator = !accept_punct(".");
      if (!group.elements.empty() && group.elements.back().kind == ElementKind::triples) {
        auto& prev = group.elements.back().triples;
        prev.insert(prev.end(), el.triples.begin(), el.triples.end());
      } else {
        group.elements.push_back(std::move(el));
      }
    }
    return group;
  }

  Query parse_subselect() {
    expect_word("SELECT");
    AggregateScope aggregates(*this, true);
    Query q;
    q.line = peek().line;
    q.column = peek().column;
    parse_select_clause(q);
    parse_where(q, true);
    parse_solution_modifiers(q);
    if (accept_word("VALUES")) q.values = parse_values_body();
    check_query(q);
    return q;
  }

  Element parse_not_triples() {
    Element el;
    if (is_punct("{")) {
      GroupPattern first = parse_group_graph_pattern();
      if (is_word("UNION")) {
        el.kind = ElementKind::union_of;
        el.groups.push_back(std::move(first));
        while (accept_word("UNION")) el.groups.push_back(parse_group_graph_pattern());
      } else {
        el.kind = ElementKind::group;
        el.groups.push_back(std::move(first));
      }
      return el;
    }
    if (accept_word("OPTIONAL")) {
      el.kind = ElementKind::optional;
      el.groups.push_back(parse_group_graph_pattern());
      return el;
    }
    if (accept_word("MINUS")) {
      el.kind = ElementKind::minus;
      el.groups.push_back(parse_group_graph_pattern());
      return el;
    }
    if (accept_word("GRAPH")) {
      el.kind = ElementKind::graph;
      el.graph = parse_var_or_iri();
      el.groups.push_back(parse_group_graph_pattern());
      return el;
    }
    if (accept_word("SERVICE")) {
      el.kind = ElementKind::service;
      el.silent = accept_word("SILENT");
      el.graph = parse_var_or_iri();
      // The endpoint gets the pattern as written, with this query's
      // prologue (its prefixes and base), as SELECT * WHERE { ... }.
      const std::size_t open = peek().offset;
      el.groups.push_back(parse_group_graph_pattern());
      const std::size_t close = tokens_[pos_ - 1].end;
      std::string prologue = base_.empty() ? std::string() : "BASE <" + base_ + ">\n";
      for (const auto& [prefix, iri] : prefixes_) prologue += "PREFIX " + prefix + ": <" + iri + ">\n";
      el.service_query = prologue + "SELECT * WHERE " + std::string(text_.substr(open, close - open));
      return el;
    }
    AggregateScope no_aggregates(*this, false);
    if (accept_word("FILTER")) {
      el.kind = ElementKind::filter;
      el.expr = parse_constraint();
      return el;
    }
    if (accept_word("BIND")) {
      el.kind = ElementKind::bind;
      expect_punct("(");
      el.expr = parse_expression();
      expect_word("AS");
      if (peek().kind != TokenKind::var) fail("a variable after AS");
      el.var = next().text;
      expect_punct(")");
      return el;
    }
    expect_word("VALUES");
    el.kind = ElementKind::values;
    el.values = parse_values_body();
    return el;
  }

  VarOrTerm parse_var_or_iri() {
    if (peek().kind == TokenKind::var) return {true, next().text, {}};
    return {false, {}, Term::iri(parse_iri())};
  }

  // ---- triples --------------------------------------------------------------
  // Pattern mode (paths allowed, blank nodes become variables) or template
  // mode (no paths, blank nodes stay blank nodes).
  void parse_triples_same_subject(std::vector<TriplePattern>& out, bool pattern_mode) {
    pattern_mode_ = pattern_mode;
    if (is_punct("[") || is_punct("(")) {
      VarOrTerm subject = parse_triples_node(out);
      if (!(is_punct(".") || is_punct("}") || is_punct("]") || at_end() || starts_not_triples()))
        parse_property_list(subject, out);
      return;
    }
    VarOrTerm subject = parse_var_or_term();
    parse_property_list(subject, out);
  }

  bool starts_not_triples() const {
    return is_punct("{") || is_word("OPTIONAL") || is_word("MINUS") || is_word("GRAPH") || is_word("SERVICE") ||
           is_word("FILTER") || is_word("BIND") || is_word("VALUES");
  }

  void parse_property_list(const VarOrTerm& subject, std::vector<TriplePattern>& out) {
    for (;;) {
      TriplePattern verb;
      verb.subject = subject;
      if (peek().kind == TokenKind::var) {
        verb.predicate = {true, next().text, {}};
      } else {
        Path path = parse_path();
        if (path.kind == PathKind::link) {
          verb.predicate = {false, {}, path.iri};
        } else {
          if (!pattern_mode_) error_at(peek(), "property paths are not allowed in templates");
          verb.predicate_is_path = true;
          verb.path = std::move(path);
        }
      }
      do {
        // The triple goes before those of a nested blank node or collection
        // object, keeping the text's order (SELECT * lists variables so).
        std::size_t index = out.size();
        out.push_back(verb);
        VarOrTerm object = parse_graph_node(out);
        out[index].object = std::move(object);
      } while (accept_punct(","));
      if (!accept_punct(";")) return;
      while (accept_punct(";")) {
      }
      if (is_punct(".") || is_punct("]") || is_punct("}") || at_end() || starts_not_triples()) return;
    }
  }

  VarOrTerm parse_graph_node(std::vector<TriplePattern>& out) {
    if (is_punct("[") || is_punct("(")) return parse_triples_node(out);
    return parse_var_or_term();
  }

  VarOrTerm fresh_node() {
    std::string label = std::string("?anon").append(std::to_string(fresh_counter_++));
    if (pattern_mode_) return {true, "_:" + label, {}};
    return {false, {}, Term::blank(label)};
  }

  VarOrTerm parse_triples_node(std::vector<TriplePattern>& out) {
    if (accept_punct("[")) {
      VarOrTerm node = fresh_node();
      parse_property_list(node, out);
      expect_punct("]");
      return node;
    }
    expect_punct("(");
    std::vector<VarOrTerm> items;
    while (!accept_punct(")")) items.push_back(parse_graph_node(out));
    if (items.empty()) fail("a collection member");
    VarOrTerm head = fresh_node(), current = head;
    for (std::size_t i = 0; i < items.size(); ++i) {
      out.push_back(make_triple(current, Term::iri(std::string(rdf::first)), items[i]));
      VarOrTerm rest = i + 1 < items.size() ? fresh_node() : VarOrTerm{false, {}, Term::iri(std::string(rdf::nil))};
      out.push_back(make_triple(current, Term::iri(std::string(rdf::rest)), rest));
      current = rest;
    }
    return head;
  }

  static TriplePattern make_triple(const VarOrTerm& s, Term p, const VarOrTerm& o) {
    TriplePattern t;
    t.subject = s;
    t.predicate = {false, {}, std::move(p)};
    t.object = o;
    return t;
  }

  VarOrTerm parse_var_or_term() {
    const Token& t = peek();
    if (t.kind == TokenKind::var) {
      next();
      return {true, t.text, {}};
    }
    if (at_iri()) return {false, {}, Term::iri(parse_iri())};
    if (t.kind == TokenKind::blank) {
      next();
      note_blank_label(t);
      if (pattern_mode_) return {true, "_:" + t.text, {}};
      return {false, {}, Term::blank(t.text)};
    }
    if (t.kind == TokenKind::anon) {
      next();
      return fresh_node();
    }
    if (t.kind == TokenKind::nil) {
      next();
      return {false, {}, Term::iri(std::string(rdf::nil))};
    }
    if (auto lit = parse_literal_term()) return {false, {}, *lit};
    fail("a variable, IRI, literal or blank node");
  }

  // A blank node label may not be shared by two basic graph patterns.
  void note_blank_label(const Token& t) {
    if (!pattern_mode_ && !template_labels_checked_) return;
    auto [it, inserted] = blank_label_bgp_.emplace(t.text, bgp_counter_);
    if (!inserted && it->second != bgp_counter_)
      error_at(t, "blank node label _:" + t.text + " is used in two basic graph patterns");
  }

  // ---- property paths ---------------------------------------------------------------
  Path parse_path() {
    Path first = parse_path_sequence();
    if (!is_punct("|")) return first;
    Path alt;
    alt.kind = PathKind::alternative;
    alt.items.push_back(std::move(first));
    while (accept_punct("|")) alt.items.push_back(parse_path_sequence());
    return alt;
  }

  Path parse_path_sequence() {
    Path first = parse_path_elt_or_inverse();
    if (!is_punct("/")) return first;
    Path seq;
    seq.kind = PathKind::sequence;
    seq.items.push_back(std::move(first));
    while (accept_punct("/")) seq.items.push_back(parse_path_elt_or_inverse());
    return seq;
  }

  Path parse_path_elt_or_inverse() {
    if (accept_punct("^")) {
      Path inv;
      inv.kind = PathKind::inverse;
      inv.items.push_back(parse_path_elt());
      return inv;
    }
    return parse_path_elt();
  }

  Path parse_path_elt() {
    Path primary = parse_path_primary();
    PathKind mod;
    if (is_punct("*")) mod = PathKind::zero_or_more;
    else if (is_punct("+")) mod = PathKind::one_or_more;
    else if (is_punct("?")) mod = PathKind::zero_or_one;
    else return primary;
    next();
    Path p;
    p.kind = mod;
    p.items.push_back(std::move(primary));
    return p;
  }

  Path parse_path_primary() {
    if (peek().kind == TokenKind::word && peek().text == "a") {
      next();
      return link(std::string(rdf::type));
    }
    if (accept_punct("!")) {
      Path neg;
      neg.kind = PathKind::negated;
      if (accept_punct("(")) {
        if (!is_punct(")")) {
          neg.items.push_back(parse_path_one_in_set());
          while (accept_punct("|")) neg.items.push_back(parse_path_one_in_set());
        }
        expect_punct(")");
      } else if (peek().kind == TokenKind::nil) {
        next();
      } else {
        neg.items.push_back(parse_path_one_in_set());
      }
      return neg;
    }
    if (accept_punct("(")) {
      Path p = parse_path();
      expect_punct(")");
      return p;
    }
    if (!at_iri()) fail("a predicate (IRI, 'a', variable or property path)");
    return link(parse_iri());
  }

  Path parse_path_one_in_set() {
    bool inverse = accept_punct("^");
    Path p;
    if (peek().kind == TokenKind::word && peek().text == "a") {
      next();
      p = link(std::string(rdf::type));
    } else {
      p = link(parse_iri());
    }
    if (!inverse) return p;
    Path inv;
    inv.kind = PathKind::inverse;
    inv.items.push_back(std::move(p));
    return inv;
  }

  static Path link(std::string iri) {
    Path p;
    p.kind = PathKind::link;
    p.iri = Term::iri(std::move(iri));
    return p;
  }

  // ---- templates and quads ------------------------------------------------------------
  std::vector<TriplePattern> parse_triples_template_braced() {
    expect_punct("{");
    std::vector<TriplePattern> out;
    parse_triples_template(out);
    expect_punct("}");
    return out;
  }

  void parse_triples_template(std::vector<TriplePattern>& out) {
    while (!is_punct("}") && !at_end() && !is_word("GRAPH")) {
      parse_triples_same_subject(out, false);
      if (!accept_punct(".")) break;
    }
  }

  // Quads: triples (default graph) and GRAPH blocks.
  std::vector<QuadTemplate> parse_quads(bool allow_vars, bool allow_blanks, const char* what) {
    expect_punct("{");
    std::vector<QuadTemplate> quads;
    for (;;) {
      std::optional<VarOrTerm> graph;
      std::vector<TriplePattern> triples;
      if (accept_word("GRAPH")) {
        graph = parse_var_or_iri();
        expect_punct("{");
        parse_triples_template(triples);
        expect_punct("}");
        accept_punct(".");
      } else if (!is_punct("}")) {
        const Token& start = peek();
        parse_triples_template(triples);
        if (triples.empty()) fail_at(start, "a triple, GRAPH or '}'");
      }
      for (auto& t : triples) {
        QuadTemplate q{t.subject, t.predicate, t.object, graph};
        for (const VarOrTerm* part : {&q.subject, &q.predicate, &q.object}) {
          if (part->is_var && !allow_vars) error_at(peek(), std::string("variables are not allowed in ") + what);
          if (!part->is_var && part->term.kind == TermKind::blank && !allow_blanks)
            error_at(peek(), std::string("blank nodes are not allowed in ") + what);
        }
        if (graph && graph->is_var && !allow_vars)
          error_at(peek(), std::string("variables are not allowed in ") + what);
        quads.push_back(std::move(q));
      }
      if (accept_punct("}")) break;
      if (triples.empty() && !graph) fail("'}'");
    }
    return quads;
  }

  // ---- update operations ------------------------------------------------------------------
  UpdateOperation parse_update_operation() {
    UpdateOperation op;
    const Token& start = peek();
    auto parse_silent = [&] { op.silent = accept_word("SILENT"); };
    if (accept_word("LOAD")) {
      op.kind = UpdateKind::load;
      parse_silent();
      parse_iri();
      if (accept_word("INTO")) {
        expect_word("GRAPH");
        parse_iri();
      }
      return op;
    }
    if (accept_word("CLEAR") || accept_word("DROP")) {
      op.kind = upper(start.text) == "CLEAR" ? UpdateKind::clear : UpdateKind::drop;
      parse_silent();
      op.target = parse_graph_ref_all();
      return op;
    }
    if (accept_word("CREATE")) {
      op.kind = UpdateKind::create;
      parse_silent();
      expect_word("GRAPH");
      op.target = {TargetKind::named_graph, parse_iri()};
      return op;
    }
    if (accept_word("ADD") || accept_word("MOVE") || accept_word("COPY")) {
      std::string word = upper(start.text);
      op.kind = word == "ADD" ? UpdateKind::add : word == "MOVE" ? UpdateKind::move : UpdateKind::copy;
      parse_silent();
      op.source = parse_graph_or_default();
      expect_word("TO");
      op.target = parse_graph_or_default();
      return op;
    }
    if (is_word("INSERT") && is_word("DATA", 1)) {
      next();
      next();
      op.kind = UpdateKind::insert_data;
      ++bgp_counter_;
      template_labels_checked_ = true;
      op.insert = parse_quads(false, true, "INSERT DATA");
      template_labels_checked_ = false;
      return op;
    }
    if (is_word("DELETE") && is_word("DATA", 1)) {
      next();
      next();
      op.kind = UpdateKind::delete_data;
      op.remove = parse_quads(false, false, "DELETE DATA");
      return op;
    }
    if (is_word("DELETE") && is_word("WHERE", 1)) {
      next();
      next();
      op.kind = UpdateKind::modify;
      op.remove = parse_quads(true, false, "DELETE WHERE");
      // The quad pattern is also the WHERE pattern.
      for (const auto& q : op.remove) {
        TriplePattern t;
        t.subject = q.subject;
        t.predicate = q.predicate;
        t.object = q.object;
        Element el;
        if (q.graph) {
          el.kind = ElementKind::graph;
          el.graph = *q.graph;
          Element inner;
          inner.kind = ElementKind::triples;
          inner.triples.push_back(t);
          GroupPattern g;
          g.elements.push_back(std::move(inner));
          el.groups.push_back(std::move(g));
        } else {
          el.kind = ElementKind::triples;
          el.triples.push_back(t);
        }
        op.where.elements.push_back(std::move(el));
      }
      return op;
    }
    op.kind = UpdateKind::modify;
    if (accept_word("WITH")) op.with = parse_iri();
    bool any = false;
    if (accept_word("DELETE")) {
      op.remove = parse_quads(true, false, "DELETE templates");
      any = true;
    }
    if (accept_word("INSERT")) {
      op.insert = parse_quads(true, true, "INSERT templates");
      any = true;
    }
    if (!any) fail_at(start, "an update operation (INSERT, DELETE, LOAD, CLEAR, DROP, CREATE, ADD, MOVE, COPY)");
    while (accept_word("USING")) {
      if (accept_word("NAMED")) op.using_named.push_back(parse_iri());
      else op.using_graphs.push_back(parse_iri());
    }
    expect_word("WHERE");
    op.where = parse_group_graph_pattern();
    return op;
  }

  GraphTarget parse_graph_ref_all() {
    if (accept_word("DEFAULT")) return {TargetKind::default_graph, {}};
    if (accept_word("NAMED")) return {TargetKind::all_named, {}};
    if (accept_word("ALL")) return {TargetKind::all, {}};
    expect_word("GRAPH");
    return {TargetKind::named_graph, parse_iri()};
  }

  GraphTarget parse_graph_or_default() {
    if (accept_word("DEFAULT")) return {TargetKind::default_graph, {}};
    accept_word("GRAPH");
    return {TargetKind::named_graph, parse_iri()};
  }

  // ---- expressions ----------------------------------------------------------------
  static Expr variable_expr(std::string name) {
    Expr e;
    e.kind = ExprKind::variable;
    e.name = std::move(name);
    return e;
  }
  static Expr binary(ExprKind kind, Expr a, Expr b) {
    Expr e;
    e.kind = kind;
    e.args.push_back(std::move(a));
    e.args.push_back(std::move(b));
    return e;
  }

  Expr parse_constraint() {
    if (is_punct("(")) return parse_bracketted_expression();
    if (peek().kind == TokenKind::word || at_iri()) return parse_primary();
    fail("a constraint: '(' expression ')', a built-in call or a function call");
  }

  Expr parse_bracketted_expression() {
    expect_punct("(");
    Expr e = parse_expression();
    expect_punct(")");
    return e;
  }

  Expr parse_expression() {
    Expr left = parse_and();
    while (accept_punct("||")) left = binary(ExprKind::logical_or, std::move(left), parse_and());
    return left;
  }

  Expr parse_and() {
    Expr left = parse_relational();
    while (accept_punct("&&")) left = binary(ExprKind::logical_and, std::move(left), parse_relational());
    return left;
  }

  Expr parse_relational() {
    Expr left = parse_additive();
    static const std::pair<std::string_view, ExprKind> ops[] = {
        {"=", ExprKind::equal},      {"!=", ExprKind::not_equal},  {"<", ExprKind::less},
        {">", ExprKind::greater},    {"<=", ExprKind::less_equal}, {">=", ExprKind::greater_equal}};
    for (const auto& [sym, kind] : ops) {
      if (accept_punct(sym)) return binary(kind, std::move(left), parse_additive());
    }
    bool negated = false;
    if (is_word("NOT") && is_word("IN", 1)) {
      next();
      negated = true;
    }
    if (accept_word("IN")) {
      Expr e;
      e.kind = negated ? ExprKind::not_in : ExprKind::in;
      e.args.push_back(std::move(left));
      for (auto& a : parse_expression_list()) e.args.push_back(std::move(a));
      return e;
    }
    return left;
  }

  std::vector<Expr> parse_expression_list() {
    std::vector<Expr> list;
    if (peek().kind == TokenKind::nil) {
      next();
      return list;
    }
    expect_punct("(");
    list.push_back(parse_expression());
    while (accept_punct(",")) list.push_back(parse_expression());
    expect_punct(")");
    return list;
  }

  Expr parse_additive() {
    Expr left = parse_multiplicative();
    for (;;) {
      if (accept_punct("+")) left = binary(ExprKind::add, std::move(left), parse_multiplicative());
      else if (accept_punct("-")) left = binary(ExprKind::subtract, std::move(left), parse_multiplicative());
      else return left;
    }
  }

  Expr parse_multiplicative() {
    Expr left = parse_unary();
    for (;;) {
      if (accept_punct("*")) left = binary(ExprKind::multiply, std::move(left), parse_unary());
      else if (accept_punct("/")) left = binary(ExprKind::divide, std::move(left), parse_unary());
      else return left;
    }
  }

  Expr parse_unary() {
    ExprKind kind;
    if (is_punct("!")) kind = ExprKind::logical_not;
    else if (is_punct("+")) kind = ExprKind::unary_plus;
    else if (is_punct("-")) kind = ExprKind::unary_minus;
    else return parse_primary();
    next();
    Expr e;
    e.kind = kind;
    e.args.push_back(parse_primary());
    return e;
  }

  Expr constant_expr(Term t) {
    Expr e;
    e.kind = ExprKind::constant;
    e.constant = std::move(t);
    return e;
  }

  Expr parse_primary() {
    const Token& t = peek();
    if (t.kind == TokenKind::punct && t.text == "(") return parse_bracketted_expression();
    if (t.kind == TokenKind::var) {
      next();
      return variable_expr(t.text);
    }
    if (at_iri()) {
      std::string iri = parse_iri();
      if (peek().kind == TokenKind::nil || is_punct("(")) {
        Expr e;
        e.kind = ExprKind::call;
        e.name = iri;
        if (peek().kind == TokenKind::nil) {
          next();
          return e;
        }
        next();
        if (accept_word("DISTINCT")) e.distinct = true;
        e.args.push_back(parse_expression());
        while (accept_punct(",")) e.args.push_back(parse_expression());
        expect_punct(")");
        return e;
      }
      return constant_expr(Term::iri(iri));
    }
    if (t.kind == TokenKind::word && !is_word("TRUE") && !is_word("FALSE")) return parse_builtin();
    if (auto lit = parse_literal_term()) return constant_expr(*lit);
    fail("an expression");
  }

  Expr parse_builtin() {
    const Token& name_token = next();
    std::string name = upper(name_token.text);
    Expr e;
    if (name == "NOT" || name == "EXISTS") {
      if (name == "NOT") expect_word("EXISTS");
      e.kind = name == "NOT" ? ExprKind::not_exists : ExprKind::exists;
      bool saved_mode = pattern_mode_;
      e.group = std::make_shared<GroupPattern>(parse_group_graph_pattern());
      pattern_mode_ = saved_mode;
      return e;
    }
    if (is_aggregate_name(name)) {
      if (!aggregates_allowed_) error_at(name_token, "aggregate " + name + " is not allowed here");
      e.kind = ExprKind::aggregate;
      e.name = name;
      expect_punct("(");
      if (accept_word("DISTINCT")) e.distinct = true;
      if (name == "COUNT" && accept_punct("*")) {
        e.star = true;
      } else {
        e.args.push_back(parse_expression());
      }
      if (name == "GROUP_CONCAT" && accept_punct(";")) {
        expect_word("SEPARATOR");
        expect_punct("=");
        if (peek().kind != TokenKind::string) fail("a string after SEPARATOR =");
        e.separator = next().text;
      }
      expect_punct(")");
      return e;
    }
    auto it = std::find_if(std::begin(builtin_functions), std::end(builtin_functions),
                           [&](const BuiltinArity& b) { return b.name == name; });
    if (it == std::end(builtin_functions)) error_at(name_token, "unknown function or keyword '" + name_token.text + "'");
    e.kind = ExprKind::builtin;
    e.name = name == "URI" ? "IRI" : name == "ISURI" ? "ISIRI" : name;
    if (name == "BOUND") {
      expect_punct("(");
      if (peek().kind != TokenKind::var) fail("a variable in BOUND");
      e.args.push_back(variable_expr(next().text));
      expect_punct(")");
      return e;
    }
    if (peek().kind == TokenKind::nil) {
      next();
    } else {
      expect_punct("(");
      e.args.push_back(parse_expression());
      while (accept_punct(",")) e.args.push_back(parse_expression());
      expect_punct(")");
    }
    int n = static_cast<int>(e.args.size());
    if (n < it->min || (it->max >= 0 && n > it->max))
      error_at(name_token, "wrong number of arguments for " + name);
    return e;
  }

  std::string_view text_;  // the source, for SERVICE patterns sent as written
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  std::string base_;
  std::unordered_map<std::string, std::string> prefixes_;
  bool pattern_mode_ = true;
  bool aggregates_allowed_ = true;
  bool template_labels_checked_ = false;
  std::size_t fresh_counter_ = 0;
  std::size_t bgp_counter_ = 0;
  std::unordered_map<std::string, std::size_t> blank_label_bgp_;
};

}  // namespace

// RFC 3986 section 5.2 reference resolution.
std::string resolve_iri(const std::string& base, const std::string& ref) {
  auto scheme_end = [](const std::string& s) -> std::size_t {
    for (std::size_t i = 0; i < s.size(); ++i) {
      char c = s[i];
      if (c == ':') return i > 0 ? i : std::string::npos;
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.')) return std::string::npos;
    }
    return std::string::npos;
  };
  if (scheme_end(ref) != std::string::npos || base.empty()) return ref;
  struct Parts {
    std::string scheme, authority, path, query, fragment;
    bool has_authority = false, has_query = false, has_fragment = false;
  };
  auto split = [&](const std::string& s, bool with_scheme) {
    Parts p;
    std::size_t i = 0;
    if (with_scheme) {
      std::size_t e = scheme_end(s);
      if (e != std::string::npos) {
        p.scheme = s.substr(0, e);
        i = e + 1;
      }
    }
    if (s.compare(i, 2, "//") == 0) {
      p.has_authority = true;
      std::size_t end = s.find_first_of("/?#", i + 2);
      if (end == std::string::npos) end = s.size();
      p.authority = s.substr(i + 2, end - i - 2);
      i = end;
    }
    std::size_t end = s.find_first_of("?#", i);
    if (end == std::string::npos) end = s.size();
    p.path = s.substr(i, end - i);
    i = end;
    if (i < s.size() && s[i] == '?') {
      p.has_query = true;
      end = s.find('#', i);
      if (end == std::string::npos) end = s.size();
      p.query = s.substr(i + 1, end - i - 1);
      i = end;
    }
    if (i < s.size() && s[i] == '#') {
      p.has_fragment = true;
      p.fragment = s.substr(i + 1);
    }
    return p;
  };
  auto remove_dots = [](std::string in) {
    std::string out;
    while (!in.empty()) {
      if (in.rfind("../", 0) == 0) in.erase(0, 3);
      else if (in.rfind("./", 0) == 0) in.erase(0, 2);
      else if (in.rfind("/./", 0) == 0) in.replace(0, 3, "/");
      else if (in == "/.") in = "/";
      else if (in.rfind("/../", 0) == 0 || in == "/..") {
        in = in == "/.." ? "/" : in.substr(3);
        auto slash = out.rfind('/');
        out.erase(slash == std::string::npos ? 0 : slash);
      } else if (in == "." || in == "..") in.clear();
      else {
        std::size_t next = in.find('/', in[0] == '/' ? 1 : 0);
        if (next == std::string::npos) next = in.size();
        out += in.substr(0, next);
        in.erase(0, next);
      }
    }
    return out;
  };
  Parts b = split(base, true), r = split(ref, false), t;
  t.scheme = b.scheme;
  if (r.has_authority) {
    t.has_authority = true;
    t.authority = r.authority;
    t.path = remove_dots(r.path);
    t.has_query = r.has_query;
    t.query = r.query;
  } else {
    if (r.path.empty()) {
      t.path = b.path;
      t.has_query = r.has_query || b.has_query;
      t.query = r.has_query ? r.query : b.query;
    } else {
      if (r.path[0] == '/') {
        t.path = remove_dots(r.path);
      } else {
        std::string merged;
        if (b.has_authority && b.path.empty()) merged = "/" + r.path;
        else {
          auto slash = b.path.rfind('/');
          merged = (slash == std::string::npos ? "" : b.path.substr(0, slash + 1)) + r.path;
        }
        t.path = remove_dots(merged);
      }
      t.has_query = r.has_query;
      t.query = r.query;
    }
    t.has_authority = b.has_authority;
    t.authority = b.authority;
  }
  std::string out = t.scheme + ":";
  if (t.has_authority) out += "//" + t.authority;
  out += t.path;
  if (t.has_query) out += "?" + t.query;
  if (r.has_fragment) out += "#" + r.fragment;
  return out;
}

namespace {

void collect_services(const syntax::GroupPattern& group, std::vector<std::string>& out);

void collect_services(const Expr& expr, std::vector<std::string>& out) {
  if (expr.group) collect_services(*expr.group, out);
  for (const auto& arg : expr.args) collect_services(arg, out);
}

void collect_services(const syntax::Query& query, std::vector<std::string>& out) {
  collect_services(query.where, out);
  for (const auto& item : query.select)
    if (item.expr) collect_services(*item.expr, out);
  for (const auto& e : query.having) collect_services(e, out);
  for (const auto& o : query.order_by) collect_services(o.expr, out);
}

void collect_services(const syntax::GroupPattern& group, std::vector<std::string>& out) {
  for (const auto& el : group.elements) {
    if (el.kind == syntax::ElementKind::service) out.push_back(el.graph.is_var ? "?" + el.graph.var : el.graph.term.value);
    if (el.kind == syntax::ElementKind::filter || el.kind == syntax::ElementKind::bind) collect_services(el.expr, out);
    if (el.subquery) collect_services(*el.subquery, out);
    for (const auto& g : el.groups) collect_services(g, out);
  }
}

}  // namespace

std::vector<std::string> service_endpoints(const syntax::Query& query) {
  std::vector<std::string> out;
  collect_services(query, out);
  return out;
}

std::vector<std::string> service_endpoints(const syntax::Update& update) {
  std::vector<std::string> out;
  for (const auto& op : update.operations) collect_services(op.where, out);
  return out;
}

syntax::Query parse_query(std::string_view text, const std::string& base_iri) {
  return Parser(text, base_iri).parse_query_unit();
}

syntax::Update parse_update(std::string_view text, const std::string& base_iri) {
  return Parser(text, base_iri).parse_update_unit();
}

}  // namespace torchprov::triplestore::sparql
