#include "monetdb_dump.h"

#include <torchprov/triplestore.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>

namespace torchprov::interop::monetdb {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return std::tolower(x) == std::tolower(y); });
}

std::string upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = char(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

ColumnKind kind_of(const std::string& type) {
  auto starts = [&](std::string_view prefix) { return type.rfind(prefix, 0) == 0; };
  if (starts("INT") || starts("BIGINT") || starts("SMALLINT") || starts("TINYINT") || starts("HUGEINT") ||
      starts("SERIAL") || starts("BIGSERIAL"))
    return ColumnKind::integer;
  if (starts("DOUBLE") || starts("REAL") || starts("FLOAT")) return ColumnKind::floating;
  if (starts("DECIMAL") || starts("NUMERIC") || starts("DEC")) return ColumnKind::decimal;
  if (starts("BOOL")) return ColumnKind::boolean;
  if (starts("VARCHAR") || starts("CHAR") || starts("TEXT") || starts("STRING") || starts("CLOB") ||
      starts("CHARACTER"))
    return ColumnKind::text;
  return ColumnKind::other;
}

bool is_number(std::string_view text) {
  if (text.empty()) return false;
  std::size_t i = (text[0] == '+' || text[0] == '-') ? 1 : 0;
  bool digits = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, digits = true;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, digits = true;
  }
  if (!digits) return false;
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) ++i;
    bool exponent = false;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i, exponent = true;
    if (!exponent) return false;
  }
  return i == text.size();
}

// One lexical token of a statement.
struct Token {
  enum Kind { word, identifier, string, symbol } kind;
  std::string text;  // words as written; identifiers and strings unquoted
  std::size_t offset;
};

class Reader {
 public:
  Reader(std::string_view text, const std::string& file) : text_(text), file_(file) {
    line_starts_.push_back(0);
    for (std::size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') line_starts_.push_back(i + 1);
  }

  Dump read() {
    if (text_.find('\0') != std::string_view::npos)
      fail(text_.find('\0'), "a NUL byte: not the text of an SQL dump");
    while (true) {
      skip_blank_and_transcript();
      if (pos_ >= text_.size()) break;
      statement();
    }
    if (dump_.tables.empty() && dump_.schemas.empty())
      fail(0, "no CREATE TABLE or CREATE SCHEMA: not a MonetDB SQL dump");
    if (spaced_records_ > 0)
      dump_.notes.push_back(std::to_string(spaced_records_) + " records of " + std::to_string(spaced_tables_) +
                            " tables have spaces where the dump declares tab separators (a copy from a terminal?): "
                            "read with runs of spaces outside quotes as the separator");
    return std::move(dump_);
  }

 private:
  [[noreturn]] void fail(std::size_t offset, const std::string& message) const {
    const auto it = std::upper_bound(line_starts_.begin(), line_starts_.end(), offset);
    const std::size_t line = std::size_t(it - line_starts_.begin());
    const std::size_t column = offset - *(it - 1) + 1;
    throw triplestore::ParseError(file_, line, column, message);
  }

  std::size_t line_of(std::size_t offset) const {
    return std::size_t(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - line_starts_.begin());
  }
  std::size_t line_end(std::size_t offset) const {
    const auto end = text_.find('\n', offset);
    return end == std::string_view::npos ? text_.size() : end;
  }
  bool at_line_start(std::size_t offset) const { return offset == 0 || text_[offset - 1] == '\n'; }

  // Blank lines, comments and what an mclient session adds around a dump
  // made with \D: the "sql>" prompt, backslash commands and its messages.
  void skip_blank_and_transcript() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++pos_;
        continue;
      }
      const std::string_view rest = text_.substr(pos_);
      if (rest.starts_with("--") || rest.starts_with("#")) {
        pos_ = line_end(pos_);
        continue;
      }
      if (rest.starts_with("sql>") || rest.starts_with("more>")) {
        pos_ += rest.starts_with("sql>") ? 4 : 5;
        if (pos_ < text_.size() && text_[pos_] == '\\') pos_ = line_end(pos_);
        continue;
      }
      if (at_line_start(pos_) && (rest.starts_with("auto commit mode: on") || rest.starts_with("auto commit mode: off"))) {
        pos_ = line_end(pos_);
        continue;
      }
      return;
    }
  }

  // The statement at pos_, up to and including its ';'.  Function bodies
  // hold ';' of their own: they end at the END that closes their BEGIN.
  std::pair<std::size_t, std::size_t> statement_extent() {
    const std::size_t start = pos_;
    const std::vector<Token> head = tokens(start, std::min(text_.size(), start + 200), 4, /*lenient=*/true);
    std::size_t word = 0;
    bool body = false;
    if (head.size() > 1 && head[0].kind == Token::word && iequals(head[0].text, "CREATE")) {
      word = 1;
      if (head.size() > 3 && iequals(head[1].text, "OR") && iequals(head[2].text, "REPLACE")) word = 3;
      if (word < head.size())
        for (const char* k : {"FUNCTION", "PROCEDURE", "TRIGGER", "AGGREGATE", "FILTER", "LOADER", "WINDOW"})
          body = body || iequals(head[word].text, k);
    }
    int parens = 0, blocks = 0;
    std::size_t i = start;
    std::string last_word;
    while (i < text_.size()) {
      const char c = text_[i];
      if (c == '\'' || c == '"') {
        i = skip_quoted(i);
        continue;
      }
      if (c == '-' && i + 1 < text_.size() && text_[i + 1] == '-') {
        i = line_end(i);
        continue;
      }
      if (c == '#' && body && (at_line_start(i) || only_blanks_before(i))) {
        i = line_end(i);
        continue;
      }
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        std::size_t j = i;
        while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_')) ++j;
        const std::string_view w = text_.substr(i, j - i);
        if (body) {
          if (iequals(w, "BEGIN") || (iequals(w, "CASE") && !iequals(last_word, "END"))) {
            ++blocks;
          } else if (iequals(w, "END")) {
            const std::string next = peek_word(j);
            const bool closes_other = iequals(next, "IF") || iequals(next, "WHILE") || iequals(next, "LOOP") ||
                                      iequals(next, "FOR") || iequals(next, "REPEAT");
            if (!closes_other) --blocks;
          }
        }
        last_word = std::string(w);
        i = j;
        continue;
      }
      if (c == '(' || c == '{') ++parens;
      if (c == ')' || c == '}') --parens;
      if (c == ';' && parens <= 0 && blocks <= 0) return {start, i + 1};
      ++i;
    }
    fail(start, "statement without a closing ';' before the end of the dump");
  }

  bool only_blanks_before(std::size_t offset) const {
    std::size_t i = offset;
    while (i > 0 && (text_[i - 1] == ' ' || text_[i - 1] == '\t')) --i;
    return i == 0 || text_[i - 1] == '\n';
  }

  std::string peek_word(std::size_t i) const {
    while (i < text_.size() && std::isspace(static_cast<unsigned char>(text_[i]))) ++i;
    std::size_t j = i;
    while (j < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_')) ++j;
    return std::string(text_.substr(i, j - i));
  }

  // Past the closing quote of the string or identifier opening at `i`.
  std::size_t skip_quoted(std::size_t i) const {
    const char quote = text_[i];
    std::size_t j = i + 1;
    while (j < text_.size()) {
      if (text_[j] == '\\' && quote == '\'') {
        j += 2;
        continue;
      }
      if (text_[j] == quote) {
        if (j + 1 < text_.size() && text_[j + 1] == quote) {
          j += 2;
          continue;
        }
        return j + 1;
      }
      ++j;
    }
    fail(i, std::string("unterminated ") + (quote == '"' ? "quoted identifier" : "string"));
  }

  // Tokens of text_[begin, end): at most `limit` (0: all).  Lenient stops at
  // anything it cannot read instead of failing (for peeking at a head).
  std::vector<Token> tokens(std::size_t begin, std::size_t end, std::size_t limit = 0, bool lenient = false) const {
    std::vector<Token> out;
    std::size_t i = begin;
    while (i < end && (limit == 0 || out.size() < limit)) {
      const char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      if (c == '-' && i + 1 < end && text_[i + 1] == '-') {
        i = line_end(i);
        continue;
      }
      if (c == '\'' || c == '"') {
        if (lenient && text_.find(c, i + 1) >= end) break;
        const std::size_t j = skip_quoted(i);
        out.push_back({c == '"' ? Token::identifier : Token::string, unquote(text_.substr(i + 1, j - i - 2), c), i});
        i = j;
        continue;
      }
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
          ((c == '.' || c == '+' || c == '-') && i + 1 < end && std::isdigit(static_cast<unsigned char>(text_[i + 1])) &&
           (out.empty() || out.back().kind == Token::symbol))) {
        std::size_t j = i + 1;
        while (j < end && (std::isalnum(static_cast<unsigned char>(text_[j])) || text_[j] == '_' || text_[j] == '.' ||
                           ((text_[j] == '+' || text_[j] == '-') && (text_[j - 1] == 'e' || text_[j - 1] == 'E') &&
                            std::isdigit(static_cast<unsigned char>(text_[i])))))
          ++j;
        // "schema.table" of bare words splits at the dot: only numbers keep dots.
        std::string_view w = text_.substr(i, j - i);
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') {
          const auto dot = w.find('.');
          if (dot != std::string_view::npos) {
            w = w.substr(0, dot);
            j = i + dot;
          }
        }
        out.push_back({Token::word, std::string(w), i});
        i = j;
        continue;
      }
      out.push_back({Token::symbol, std::string(1, c), i});
      ++i;
    }
    return out;
  }

  // The text of a quoted string or identifier: doubled quotes and, in
  // strings, backslash escapes resolved.
  static std::string unquote(std::string_view body, char quote) {
    std::string out;
    for (std::size_t i = 0; i < body.size(); ++i) {
      if (body[i] == '\\' && quote == '\'' && i + 1 < body.size()) {
        out.push_back(unescape(body[++i]));
      } else if (body[i] == quote && i + 1 < body.size() && body[i + 1] == quote) {
        out.push_back(quote);
        ++i;
      } else {
        out.push_back(body[i]);
      }
    }
    return out;
  }

  static char unescape(char c) {
    switch (c) {
      case 'n': return '\n';
      case 't': return '\t';
      case 'r': return '\r';
      case '0': return '\0';
      default: return c;
    }
  }

  void statement() {
    // A line that does not open a statement of a dump is refused before
    // looking for its end.
    const std::string first = peek_word(pos_);
    static const char* const openers[] = {"CREATE", "ALTER",    "START",   "COMMIT", "ROLLBACK", "SET",       "GRANT",
                                          "REVOKE", "COMMENT",  "DROP",    "SELECT", "DECLARE",  "CALL",      "BEGIN",
                                          "END",    "TRUNCATE", "ANALYZE", "UPDATE", "DELETE",   "SAVEPOINT", "RELEASE",
                                          "COPY",   "INSERT"};
    bool known = text_[pos_] == ';';
    for (const char* k : openers) known = known || iequals(first, k);
    if (!known)
      fail(pos_, "not a statement of a MonetDB SQL dump: '" +
                     std::string(text_.substr(pos_, std::min<std::size_t>(40, line_end(pos_) - pos_))) + "'");
    const auto [start, end] = statement_extent();
    const std::vector<Token> t = tokens(start, end - 1);
    pos_ = end;
    if (t.empty()) return;  // a lone ';'
    auto word = [&](std::size_t i, std::string_view k) {
      return i < t.size() && t[i].kind == Token::word && iequals(t[i].text, k);
    };
    if (word(0, "CREATE") && word(1, "TABLE")) return create_table(t, 2);
    if (word(0, "CREATE") && word(1, "SCHEMA")) {
      if (t.size() > 2) add_schema(t[2].text);
      return;
    }
    if (word(0, "SET") && word(1, "SCHEMA")) {
      if (t.size() > 2) {
        schema_ = t[2].text;
        add_schema(schema_);
      }
      return;
    }
    if (word(0, "COPY")) return copy(t, start, end);
    if (word(0, "INSERT")) {
      if (!word(1, "INTO")) fail(start, "expected INSERT INTO");
      return insert(t);
    }
    // Schemas, sequences, views, functions, constraints, transactions,
    // grants: nothing a training recorded.
  }

  void add_schema(const std::string& name) {
    if (std::find(dump_.schemas.begin(), dump_.schemas.end(), name) == dump_.schemas.end())
      dump_.schemas.push_back(name);
  }

  // [schema .] name at t[i]; returns the index after it.
  std::size_t qualified_name(const std::vector<Token>& t, std::size_t i, std::string& schema, std::string& name) const {
    auto is_name = [&](std::size_t k) { return k < t.size() && (t[k].kind == Token::word || t[k].kind == Token::identifier); };
    if (!is_name(i)) fail(i < t.size() ? t[i].offset : t.back().offset, "expected a table name");
    if (i + 2 < t.size() && t[i + 1].kind == Token::symbol && t[i + 1].text == "." && is_name(i + 2)) {
      schema = t[i].text;
      name = t[i + 2].text;
      return i + 3;
    }
    schema = schema_;
    name = t[i].text;
    return i + 1;
  }

  Table* find_table(const std::string& schema, const std::string& name) {
    for (auto& table : dump_.tables)
      if (iequals(table.schema, schema) && iequals(table.name, name)) return &table;
    return nullptr;
  }

  void create_table(const std::vector<Token>& t, std::size_t i) {
    Table table;
    table.line = line_of(t[0].offset);
    i = qualified_name(t, i, table.schema, table.name);
    if (i >= t.size() || t[i].text != "(") fail(t[std::min(i, t.size() - 1)].offset, "expected '(' after the table name");
    ++i;
    // Items separated by commas at depth 0: column definitions or constraints.
    while (i < t.size() && t[i].text != ")") {
      const std::size_t item = i;
      int depth = 0;
      std::size_t j = i;
      for (; j < t.size(); ++j) {
        if (t[j].kind == Token::symbol && t[j].text == "(") ++depth;
        if (t[j].kind == Token::symbol && t[j].text == ")") {
          if (depth == 0) break;
          --depth;
        }
        if (depth == 0 && t[j].kind == Token::symbol && t[j].text == ",") break;
      }
      if (j >= t.size()) fail(t[item].offset, "column list without a closing ')'");
      const bool constraint = t[item].kind == Token::word &&
                              (iequals(t[item].text, "CONSTRAINT") || iequals(t[item].text, "PRIMARY") ||
                               iequals(t[item].text, "UNIQUE") || iequals(t[item].text, "FOREIGN") ||
                               iequals(t[item].text, "CHECK") || iequals(t[item].text, "INDEX"));
      if (!constraint) {
        if (j - item < 2 || (t[item].kind != Token::word && t[item].kind != Token::identifier))
          fail(t[item].offset, "expected a column name and type");
        Column column;
        column.name = t[item].text;
        std::string type;
        for (std::size_t k = item + 1; k < j; ++k) {
          if (t[k].kind == Token::word &&
              (iequals(t[k].text, "NOT") || iequals(t[k].text, "NULL") || iequals(t[k].text, "DEFAULT") ||
               iequals(t[k].text, "PRIMARY") || iequals(t[k].text, "UNIQUE") || iequals(t[k].text, "REFERENCES") ||
               iequals(t[k].text, "CHECK") || iequals(t[k].text, "CONSTRAINT") || iequals(t[k].text, "AUTO_INCREMENT")))
            break;
          if (!type.empty() && t[k].kind == Token::word && type.back() != '(') type += ' ';
          type += upper(t[k].text);
        }
        column.type = type;
        column.kind = kind_of(type);
        table.columns.push_back(std::move(column));
      }
      i = j;
      if (i < t.size() && t[i].text == ",") ++i;
    }
    if (table.columns.empty()) fail(t[0].offset, "table " + table.qualified_name() + " has no columns");
    if (find_table(table.schema, table.name)) fail(t[0].offset, "table " + table.qualified_name() + " created twice");
    dump_.tables.push_back(std::move(table));
  }

  // The columns a COPY or INSERT fills, as indexes into the table's columns.
  std::vector<std::size_t> target_columns(const std::vector<Token>& t, std::size_t& i, const Table& table) const {
    std::vector<std::size_t> order;
    if (i < t.size() && t[i].text == "(" && t[i].kind == Token::symbol) {
      ++i;
      while (i < t.size() && t[i].text != ")") {
        if (t[i].kind == Token::word || t[i].kind == Token::identifier) {
          const auto c = table.column(t[i].text);
          if (!c) fail(t[i].offset, "table " + table.qualified_name() + " has no column '" + t[i].text + "'");
          order.push_back(*c);
        }
        ++i;
      }
      ++i;
    } else {
      for (std::size_t c = 0; c < table.columns.size(); ++c) order.push_back(c);
    }
    return order;
  }

  void check_cell(const Column& column, const std::optional<std::string>& cell, std::size_t offset) const {
    if (!cell) return;
    switch (column.kind) {
      case ColumnKind::integer:
      case ColumnKind::floating:
      case ColumnKind::decimal: {
        std::string_view v = *cell;
        if (!is_number(v) && !(column.kind == ColumnKind::floating &&
                               (iequals(v, "nan") || iequals(v, "inf") || iequals(v, "-inf") || iequals(v, "infinity") ||
                                iequals(v, "-infinity"))))
          fail(offset, "'" + *cell + "' is not a number, but column " + column.name + " is " + column.type);
        break;
      }
      case ColumnKind::boolean:
        if (!iequals(*cell, "true") && !iequals(*cell, "false") && *cell != "1" && *cell != "0")
          fail(offset, "'" + *cell + "' is not a boolean, but column " + column.name + " is " + column.type);
        break;
      default:
        break;
    }
  }

  void copy(const std::vector<Token>& t, std::size_t start, std::size_t end) {
    auto word = [&](std::size_t i, std::string_view k) {
      return i < t.size() && t[i].kind == Token::word && iequals(t[i].text, k);
    };
    std::size_t i = 1;
    std::optional<std::size_t> count;
    if (i < t.size() && t[i].kind == Token::word && is_number(t[i].text)) {
      count = std::size_t(std::strtoull(t[i].text.c_str(), nullptr, 10));
      ++i;
      if (word(i, "RECORDS") || word(i, "RECORD")) ++i;
    }
    if (word(i, "OFFSET")) i += 2;
    if (!word(i, "INTO")) fail(t[std::min(i, t.size() - 1)].offset, "expected INTO in COPY");
    std::string schema, name;
    i = qualified_name(t, i + 1, schema, name);
    Table* table = find_table(schema, name);
    if (!table) fail(t[0].offset, "COPY into " + schema + "." + name + ", a table this dump did not create before");
    const std::vector<std::size_t> order = target_columns(t, i, *table);
    if (!word(i, "FROM") || !word(i + 1, "STDIN"))
      fail(t[std::min(i, t.size() - 1)].offset, "only COPY ... FROM stdin holds its data in the dump");
    i += 2;
    std::string field = "|", record = "\n", quote = "\"", null_text = "NULL";
    if (word(i, "USING")) ++i;
    if (word(i, "DELIMITERS")) {
      ++i;
      std::string* targets[] = {&field, &record, &quote};
      for (std::string* target : targets) {
        if (i < t.size() && t[i].kind == Token::string) {
          *target = t[i].text;
          ++i;
          if (i < t.size() && t[i].text == ",") ++i;
        }
      }
    }
    if (word(i, "NULL")) {
      ++i;
      if (word(i, "AS")) ++i;
      if (i < t.size() && t[i].kind == Token::string) null_text = t[i].text;
    }
    if (!count) fail(start, "COPY without a record count: where its data ends is unknown");
    if (record != "\n") fail(start, "COPY with a record separator other than a newline is not supported");
    if (field.empty()) fail(start, "COPY with an empty field separator");
    // The data starts on the line after the statement.
    std::size_t p = line_end(end - 1);
    if (text_.substr(end, p - end).find_first_not_of(" \t\r") != std::string_view::npos)
      fail(end, "text after the COPY statement on its line");
    p = std::min(text_.size(), p + 1);
    std::size_t spaced_records = 0;
    for (std::size_t n = 0; n < *count; ++n) {
      if (p >= text_.size())
        fail(start, "COPY announced " + std::to_string(*count) + " records into " + table->qualified_name() +
                        ", the dump ends after " + std::to_string(n));
      Row row;
      row.line = line_of(p);
      row.cells.resize(table->columns.size());
      // A dump copied from a terminal has its tabs turned into spaces;
      // MonetDB quotes every text value, so runs of spaces outside quotes
      // can only be those separators.
      const bool spaced = field == "\t" && text_.substr(p, line_end(p) - p).find('\t') == std::string_view::npos &&
                          order.size() > 1;
      spaced_records += spaced;
      const std::string separator = spaced ? " " : field;
      std::size_t f = 0;
      while (true) {
        const std::size_t field_start = p;
        std::optional<std::string> cell;
        while (p < text_.size() && text_[p] == ' ') ++p;
        if (!quote.empty() && text_.compare(p, quote.size(), quote) == 0) {
          std::string value;
          p += quote.size();
          while (true) {
            if (p >= text_.size()) fail(field_start, "unterminated quoted field");
            if (text_[p] == '\\' && p + 1 < text_.size()) {
              const char e = text_[p + 1];
              if (e >= '0' && e <= '7' && p + 3 < text_.size() && text_[p + 2] >= '0' && text_[p + 2] <= '7') {
                value.push_back(char((e - '0') * 64 + (text_[p + 2] - '0') * 8 + (text_[p + 3] - '0')));
                p += 4;
              } else {
                value.push_back(unescape(e));
                p += 2;
              }
              continue;
            }
            if (text_.compare(p, quote.size(), quote) == 0) {
              p += quote.size();
              break;
            }
            value.push_back(text_[p++]);
          }
          while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\r')) ++p;
          cell = std::move(value);
        } else {
          std::size_t q = p;
          while (q < text_.size() && text_[q] != '\n' && text_.compare(q, separator.size(), separator) != 0) ++q;
          std::string_view raw = text_.substr(p, q - p);
          while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\r')) raw.remove_suffix(1);
          if (raw != null_text) cell = std::string(raw);
          p = q;
        }
        if (f >= order.size())
          fail(field_start, "more fields than the " + std::to_string(order.size()) + " columns of " +
                                table->qualified_name());
        check_cell(table->columns[order[f]], cell, field_start);
        row.cells[order[f]] = std::move(cell);
        ++f;
        if (spaced) {
          while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\r')) ++p;
          if (p < text_.size() && text_[p] != '\n') continue;
        } else if (p < text_.size() && text_.compare(p, field.size(), field) == 0) {
          p += field.size();
          continue;
        }
        if (p < text_.size() && text_[p] != '\n')
          fail(p, "expected '" + std::string(field == "\t" ? "\\t" : field) + "' or the end of the record");
        p = std::min(text_.size(), p + 1);
        break;
      }
      if (f != order.size())
        fail(line_starts_[row.line - 1], "record with " + std::to_string(f) + " fields, but " + table->qualified_name() +
                                             " has " + std::to_string(order.size()) + " columns");
      table->rows.push_back(std::move(row));
    }
    spaced_records_ += spaced_records;
    spaced_tables_ += spaced_records > 0;
    pos_ = p;
  }

  void insert(const std::vector<Token>& t) {
    std::string schema, name;
    std::size_t i = qualified_name(t, 2, schema, name);
    Table* table = find_table(schema, name);
    if (!table) fail(t[0].offset, "INSERT into " + schema + "." + name + ", a table this dump did not create before");
    const std::vector<std::size_t> order = target_columns(t, i, *table);
    if (i >= t.size() || !iequals(t[i].text, "VALUES")) fail(t[std::min(i, t.size() - 1)].offset, "only INSERT ... VALUES is supported");
    ++i;
    while (i < t.size()) {
      if (t[i].text != "(") fail(t[i].offset, "expected '(' of a row of values");
      Row row;
      row.line = line_of(t[i].offset);
      row.cells.resize(table->columns.size());
      ++i;
      std::size_t f = 0;
      while (i < t.size() && t[i].text != ")") {
        const Token& v = t[i];
        std::optional<std::string> cell;
        if (v.kind == Token::string) {
          cell = v.text;
        } else if (v.kind == Token::word && iequals(v.text, "NULL")) {
        } else if (v.kind == Token::word && i + 1 < t.size() && t[i + 1].kind == Token::string) {
          cell = t[++i].text;  // a typed literal: TIMESTAMP '2020-11-09 00:18:59'
        } else if (v.kind == Token::word) {
          cell = v.text;
        } else {
          fail(v.offset, "unsupported value in INSERT: '" + v.text + "'");
        }
        if (f >= order.size()) fail(v.offset, "more values than columns of " + table->qualified_name());
        check_cell(table->columns[order[f]], cell, v.offset);
        row.cells[order[f++]] = std::move(cell);
        ++i;
        if (i < t.size() && t[i].text == ",") ++i;
      }
      if (f != order.size())
        fail(t[std::min(i, t.size() - 1)].offset, "row with " + std::to_string(f) + " values, but " +
                                                      table->qualified_name() + " has " + std::to_string(order.size()) + " columns");
      table->rows.push_back(std::move(row));
      ++i;
      if (i < t.size() && t[i].text == ",") ++i;
    }
  }

  std::string_view text_;
  const std::string& file_;
  std::vector<std::size_t> line_starts_;
  std::size_t pos_ = 0;
  std::string schema_ = "sys";
  std::size_t spaced_records_ = 0, spaced_tables_ = 0;
  Dump dump_;
};

}  // namespace

std::optional<std::size_t> Table::column(std::string_view wanted) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (iequals(columns[i].name, wanted)) return i;
  return std::nullopt;
}

const Table* Dump::table(std::string_view schema, std::string_view name) const {
  for (const auto& t : tables)
    if (iequals(t.schema, schema) && iequals(t.name, name)) return &t;
  return nullptr;
}

Dump read_dump(std::string_view text, const std::string& file_name) { return Reader(text, file_name).read(); }

}  // namespace torchprov::interop::monetdb
