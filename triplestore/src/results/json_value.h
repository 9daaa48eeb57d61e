// A small JSON document model and parser, enough to read SPARQL JSON result
// files (.srj).  Objects keep their members in document order because the
// order of "vars" and of bindings carries meaning for results.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace torchprov::triplestore::results {

struct JsonParseError : std::runtime_error {
  JsonParseError(const std::string& message, std::size_t offset);
  std::size_t offset;  // byte offset into the text
};

struct JsonValue;
using JsonArray = std::vector<JsonValue>;
using JsonObject = std::vector<std::pair<std::string, JsonValue>>;

struct JsonValue {
  // Numbers keep their source text: the result formats never compute with
  // them and a round trip through double would change their spelling.
  struct Number {
    std::string text;
  };
  std::variant<std::nullptr_t, bool, Number, std::string, JsonArray, JsonObject> data;

  bool is_null() const { return std::holds_alternative<std::nullptr_t>(data); }
  const bool* as_bool() const { return std::get_if<bool>(&data); }
  const std::string* as_string() const { return std::get_if<std::string>(&data); }
  const JsonArray* as_array() const { return std::get_if<JsonArray>(&data); }
  const JsonObject* as_object() const { return std::get_if<JsonObject>(&data); }
  // The member named `key` of an object, or nullptr (also when not an object).
  const JsonValue* member(std::string_view key) const;
};

// Parses a complete JSON text (RFC 8259); throws JsonParseError.
JsonValue parse_json(std::string_view text);

// `text` as a JSON string literal, quotes included; UTF-8 passes through.
std::string json_quote(std::string_view text);

}  // namespace torchprov::triplestore::results
