// JSON through nlohmann::json (Debian's nlohmann-json3-dev).  Documents are
// ordered_json: objects keep their members in document order, because the
// order of "vars" and of bindings carries meaning for results.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace torchprov::triplestore::results {

using Json = nlohmann::ordered_json;

struct JsonParseError : std::runtime_error {
  JsonParseError(const std::string& message, std::size_t offset);
  std::size_t offset;  // byte offset into the text
};

// Parses a complete JSON text (RFC 8259); throws JsonParseError.
Json parse_json(std::string_view text);

// `text` as a JSON string literal, quotes included.  Bytes that are not
// UTF-8 become U+FFFD: what comes out is always valid JSON.
std::string json_quote(std::string_view text);

// The member `key` of an object, or nullptr (also when not an object).
const Json* member(const Json& object, std::string_view key);

}  // namespace torchprov::triplestore::results
