#include "json_value.h"

#include <cstdio>

#include "../utf8.h"

#include <cstdint>

namespace torchprov::triplestore::results {

JsonParseError::JsonParseError(const std::string& message, std::size_t offset)
    : std::runtime_error("JSON: " + message + " at byte " + std::to_string(offset)), offset(offset) {}

const JsonValue* JsonValue::member(std::string_view key) const {
  const auto* object = as_object();
  if (object == nullptr) return nullptr;
  for (const auto& [name, value] : *object) {
    if (name == key) return &value;
  }
  return nullptr;
}

namespace {

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : text_(text) {}

  JsonValue parse_document() {
    JsonValue value = parse_value(0);
    skip_whitespace();
    if (pos_ != text_.size()) fail("trailing characters after the value");
    return value;
  }

 private:
  // Deep nesting is never legitimate in result files; the limit keeps a
  // hostile document from exhausting the stack.
  static constexpr int max_depth = 256;

  [[noreturn]] void fail(const std::string& message) const { throw JsonParseError(message, pos_); }

  void skip_whitespace() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }

  bool consume_literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  JsonValue parse_value(int depth) {
    if (depth > max_depth) fail("nesting too deep");
    skip_whitespace();
    if (pos_ >= text_.size()) fail("unexpected end of text");
    switch (text_[pos_]) {
      case '{': return JsonValue{parse_object(depth)};
      case '[': return JsonValue{parse_array(depth)};
      case '"': return JsonValue{parse_string()};
      case 't':
        if (consume_literal("true")) return JsonValue{true};
        break;
      case 'f':
        if (consume_literal("false")) return JsonValue{false};
        break;
      case 'n':
        if (consume_literal("null")) return JsonValue{nullptr};
        break;
      default:
        if (text_[pos_] == '-' || (text_[pos_] >= '0' && text_[pos_] <= '9')) return JsonValue{parse_number()};
    }
    fail("unexpected character");
  }

  JsonObject parse_object(int depth) {
    ++pos_;  // '{'
    JsonObject object;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == '}') {
      ++pos_;
      return object;
    }
    while (true) {
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != '"') fail("expected a member name");
      std::string name = parse_string();
      skip_whitespace();
      if (pos_ >= text_.size() || text_[pos_] != ':') fail("expected ':'");
      ++pos_;
      object.emplace_back(std::move(name), parse_value(depth + 1));
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == '}') {
        ++pos_;
        return object;
      }
      fail("expected ',' or '}'");
    }
  }

  JsonArray parse_array(int depth) {
    ++pos_;  // '['
    JsonArray array;
    skip_whitespace();
    if (pos_ < text_.size() && text_[pos_] == ']') {
      ++pos_;
      return array;
    }
    while (true) {
      array.push_back(parse_value(depth + 1));
      skip_whitespace();
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (pos_ < text_.size() && text_[pos_] == ']') {
        ++pos_;
        return array;
      }
      fail("expected ',' or ']'");
    }
  }

  std::uint32_t parse_hex4() {
    if (pos_ + 4 > text_.size()) fail("truncated \\u escape");
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<std::uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<std::uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') value |= static_cast<std::uint32_t>(c - 'A' + 10);
      else fail("bad hex digit in \\u escape");
    }
    return value;
  }

  std::string parse_string() {
    ++pos_;  // '"'
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated escape");
      const char escape = text_[pos_++];
      switch (escape) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          std::uint32_t code_point = parse_hex4();
          if (code_point >= 0xD800 && code_point < 0xDC00) {
            // A high surrogate must be followed by an escaped low surrogate.
            if (!consume_literal("\\u")) fail("lone high surrogate");
            const std::uint32_t low = parse_hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("bad low surrogate");
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point < 0xE000) {
            fail("lone low surrogate");
          }
          append_utf8(out, code_point);
          break;
        }
        default: fail("unknown escape");
      }
    }
  }

  JsonValue::Number parse_number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t first = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      if (pos_ == first) fail("expected a digit");
    };
    if (text_[pos_] == '-') ++pos_;
    digits();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      digits();
    }
    return {std::string(text_.substr(start, pos_ - start))};
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

JsonValue parse_json(std::string_view text) { return JsonParser(text).parse_document(); }

std::string json_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escape[8];
          std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += escape;
        } else {
          out.push_back(c);  // UTF-8 passes through: JSON text is UTF-8
        }
    }
  }
  return out + "\"";
}

}  // namespace torchprov::triplestore::results
