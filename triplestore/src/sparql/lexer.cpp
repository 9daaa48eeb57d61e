#include <cstdio>

#include "../term_validity.h"
#include "lexer.h"

#include <cctype>
#include <cstdint>
#include <stdexcept>

#include "../utf8.h"
#include "engine.h"

namespace torchprov::triplestore::sparql {
namespace {

bool is_alpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }
std::string hex_code(std::uint32_t code_point) {
  char text[16];
  std::snprintf(text, sizeof text, "%04X", code_point);
  return text;
}
// Bytes of multi-byte UTF-8 sequences are accepted as name characters: the
// grammar's PN_CHARS_BASE covers (nearly) all non-ASCII letters.
bool is_name_start(char c) { return is_alpha(c) || static_cast<unsigned char>(c) >= 0x80; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c) || c == '_' || c == '-'; }

// A \u or \U escape naming a surrogate or a code point past Unicode is an error.
void append_checked_utf8(std::string& out, std::uint32_t cp) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) throw std::invalid_argument("invalid code point");
  append_utf8(out, cp);
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    for (;;) {
      skip_space();
      Token token;
      token.line = line_;
      token.column = column_;
      token.offset = token.end = pos_;
      if (pos_ >= text_.size()) {
        tokens.push_back(token);
        return tokens;
      }
      scan(token);
      token.end = pos_;
      tokens.push_back(std::move(token));
    }
  }

 private:
  [[noreturn]] void fail(const std::string& message) const { throw SyntaxError(message, line_, column_); }

  char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  char advance() {
    char c = text_[pos_++];
    if (c == '\n') {
      ++line_;
      column_ = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      ++column_;  // count code points, not bytes
    }
    return c;
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      char c = peek();
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else if (c == '#') {
        while (pos_ < text_.size() && peek() != '\n') advance();
      } else {
        return;
      }
    }
  }

  void append_code_point(std::string& out, std::uint32_t cp) {
    try {
      append_checked_utf8(out, cp);
    } catch (const std::invalid_argument&) {
      fail("escape names an invalid code point");
    }
  }

  std::uint32_t read_hex(int digits) {
    std::uint32_t value = 0;
    for (int i = 0; i < digits; ++i) {
      char c = peek();
      if (!is_hex(c)) fail("expected a hexadecimal digit in a \\u escape");
      advance();
      value = value * 16 + static_cast<std::uint32_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0'
                                                      : (std::tolower(static_cast<unsigned char>(c)) - 'a' + 10));
    }
    return value;
  }

  // Whether `<` at the current position starts an IRIREF (else it is the
  // less-than operator).
  bool iri_ahead() const {
    for (std::size_t i = pos_ + 1; i < text_.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(text_[i]);
      if (c == '>') return true;
      if (c <= 0x20 || c == '<' || c == '"' || c == '{' || c == '}' || c == '|' || c == '^' || c == '`') return false;
    }
    return false;
  }

  void scan(Token& token) {
    char c = peek();
    if (c == '<' && iri_ahead()) {
      advance();
      token.kind = TokenKind::iri;
      while (peek() != '>') {
        if (peek() == '\\') {
          advance();
          char e = advance();
          std::uint32_t code_point = 0;
          if (e == 'u') code_point = read_hex(4);
          else if (e == 'U') code_point = read_hex(8);
          else fail("invalid escape in IRI");
          // Escapes are read before the grammar: one that gives a space,
          // '>' or a control is as wrong as the character itself.
          if (!iri_code_point(char32_t(code_point)))
            fail("\\u escape in an IRI gives a character IRIs cannot hold (U+" + hex_code(code_point) + ")");
          append_code_point(token.text, code_point);
        } else {
          token.text += advance();
        }
      }
      advance();
      return;
    }
    if (c == '"' || c == '\'') return scan_string(token);
    if (c == '?' || c == '$') {
      if (is_name_start(peek(1)) || is_digit(peek(1)) || peek(1) == '_') {
        advance();
        token.kind = TokenKind::var;
        while (is_name_start(peek()) || is_digit(peek()) || peek() == '_') token.text += advance();
        return;
      }
      if (c == '$') fail("expected a variable name after '$'");
    }
    if (c == '_' && peek(1) == ':') {
      advance();
      advance();
      token.kind = TokenKind::blank;
      if (!(is_name_start(peek()) || is_digit(peek()) || peek() == '_')) fail("expected a blank node label after '_:'");
      while (is_name_char(peek()) || peek() == '_' || (peek() == '.' && is_name_char(peek(1)))) token.text += advance();
      return;
    }
    if (c == '@' && is_alpha(peek(1))) {
      advance();
      token.kind = TokenKind::langtag;
      while (is_alpha(peek()) || is_digit(peek()) || (peek() == '-' && (is_alpha(peek(1)) || is_digit(peek(1)))))
        token.text += advance();
      return;
    }
    if (is_digit(c) || (c == '.' && is_digit(peek(1)))) return scan_number(token);
    if (c == '(' || c == '[') {
      // NIL and ANON allow white space (and comments) between the brackets.
      std::size_t save_pos = pos_, save_line = line_, save_column = column_;
      char close = c == '(' ? ')' : ']';
      advance();
      skip_space();
      if (peek() == close) {
        advance();
        token.kind = c == '(' ? TokenKind::nil : TokenKind::anon;
        token.text = c == '(' ? "()" : "[]";
        return;
      }
      pos_ = save_pos;
      line_ = save_line;
      column_ = save_column;
    }
    if (is_name_start(c) || c == ':' || c == '_') return scan_name(token);
    static constexpr std::string_view two_char[] = {"^^", "!=", "<=", ">=", "&&", "||"};
    for (auto op : two_char) {
      if (text_.substr(pos_, 2) == op) {
        advance();
        advance();
        token.kind = TokenKind::punct;
        token.text = std::string(op);
        return;
      }
    }
    static constexpr std::string_view singles = "{}()[].,;*+-/?!|^=<>";
    if (singles.find(c) != std::string_view::npos) {
      advance();
      token.kind = TokenKind::punct;
      token.text = std::string(1, c);
      return;
    }
    fail(std::string("unexpected character '") + c + "'");
  }

  void scan_string(Token& token) {
    token.kind = TokenKind::string;
    char quote = advance();
    bool long_form = peek() == quote && peek(1) == quote;
    if (long_form) {
      advance();
      advance();
    }
    for (;;) {
      if (pos_ >= text_.size()) fail("unterminated string");
      char c = peek();
      if (long_form) {
        if (c == quote && peek(1) == quote && peek(2) == quote) {
          advance();
          advance();
          advance();
          return;
        }
      } else {
        if (c == quote) {
          advance();
          return;
        }
        if (c == '\n' || c == '\r') fail("line break in a short string");
      }
      if (c == '\\') {
        advance();
        char e = pos_ < text_.size() ? advance() : '\0';
        switch (e) {
          case 't': token.text += '\t'; break;
          case 'b': token.text += '\b'; break;
          case 'n': token.text += '\n'; break;
          case 'r': token.text += '\r'; break;
          case 'f': token.text += '\f'; break;
          case '"': token.text += '"'; break;
          case '\'': token.text += '\''; break;
          case '\\': token.text += '\\'; break;
          case 'u': append_code_point(token.text, read_hex(4)); break;
          case 'U': append_code_point(token.text, read_hex(8)); break;
          default: fail("invalid escape sequence in string");
        }
        continue;
      }
      token.text += advance();
    }
  }

  void scan_number(Token& token) {
    token.kind = TokenKind::integer;
    while (is_digit(peek())) token.text += advance();
    if (peek() == '.' && is_digit(peek(1))) {
      token.kind = TokenKind::decimal;
      token.text += advance();
      while (is_digit(peek())) token.text += advance();
    } else if (peek() == '.' && (peek(1) == 'e' || peek(1) == 'E') && !token.text.empty()) {
      token.text += advance();  // "1.e5" is a double
    }
    if ((peek() == 'e' || peek() == 'E') &&
        (is_digit(peek(1)) || ((peek(1) == '+' || peek(1) == '-') && is_digit(peek(2))))) {
      token.kind = TokenKind::double_;
      token.text += advance();
      if (peek() == '+' || peek() == '-') token.text += advance();
      while (is_digit(peek())) token.text += advance();
    }
  }

  // A prefixed name's local part, with its escapes resolved.
  std::string scan_local() {
    std::string local;
    auto local_char = [&](bool first) {
      char c = peek();
      if (is_name_start(c) || is_digit(c) || c == '_' || c == ':') return true;
      if (!first && (c == '-' || c == '.')) return true;
      if (c == '%' && is_hex(peek(1)) && is_hex(peek(2))) return true;
      if (c == '\\' && std::string_view("_~.-!$&'()*+,;=/?#@%").find(peek(1)) != std::string_view::npos &&
          peek(1) != '\0')
        return true;
      return false;
    };
    bool first = true;
    while (pos_ < text_.size() && local_char(first)) {
      first = false;
      char c = peek();
      if (c == '.') {
        // A trailing dot ends the triple, it is not part of the name.
        std::size_t i = pos_;
        while (i < text_.size() && text_[i] == '.') ++i;
        char after = i < text_.size() ? text_[i] : '\0';
        if (!(is_name_start(after) || is_digit(after) || after == '_' || after == ':' || after == '-' ||
              after == '%' || after == '\\'))
          break;
      }
      if (c == '\\') {
        advance();
        local += advance();
      } else if (c == '%') {
        local += advance();
        local += advance();
        local += advance();
      } else {
        local += advance();
      }
    }
    return local;
  }

  void scan_name(Token& token) {
    // Read a candidate prefix (letters, digits, '_', '-', '.'), then decide
    // between a prefixed name and a keyword.
    std::size_t start = pos_, save_line = line_, save_column = column_;
    std::string prefix;
    while (is_name_char(peek()) || peek() == '_' || (peek() == '.' && (is_name_char(peek(1)) || peek(1) == '_')))
      prefix += advance();
    if (peek() == ':') {
      if (!prefix.empty() && (prefix.front() == '_' || is_digit(prefix.front()) || prefix.front() == '-'))
        fail("invalid prefix name '" + prefix + "'");
      advance();
      token.text = prefix;
      token.local = scan_local();
      token.kind = token.local.empty() ? TokenKind::pname_ns : TokenKind::pname_ln;
      return;
    }
    // Not a prefixed name: a keyword is letters, digits and '_'.
    pos_ = start;
    line_ = save_line;
    column_ = save_column;
    token.kind = TokenKind::word;
    while (is_alpha(peek()) || is_digit(peek()) || peek() == '_') token.text += advance();
    if (token.text.empty()) fail(std::string("unexpected character '") + peek() + "'");
  }

  std::string_view text_;
  std::size_t pos_ = 0, line_ = 1, column_ = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view text) { return Lexer(text).run(); }

std::string describe(const Token& token) {
  switch (token.kind) {
    case TokenKind::end: return "end of input";
    case TokenKind::iri: return "IRI <" + token.text + ">";
    case TokenKind::pname_ns: return "prefixed name '" + token.text + ":'";
    case TokenKind::pname_ln: return "prefixed name '" + token.text + ":" + token.local + "'";
    case TokenKind::blank: return "blank node '_:" + token.text + "'";
    case TokenKind::var: return "variable '?" + token.text + "'";
    case TokenKind::langtag: return "language tag '@" + token.text + "'";
    case TokenKind::integer:
    case TokenKind::decimal:
    case TokenKind::double_: return "number '" + token.text + "'";
    case TokenKind::string: return "string \"" + token.text + "\"";
    case TokenKind::nil: return "'()'";
    case TokenKind::anon: return "'[]'";
    case TokenKind::word: return "'" + token.text + "'";
    case TokenKind::punct: return "'" + token.text + "'";
  }
  return "token";
}

}  // namespace torchprov::triplestore::sparql
