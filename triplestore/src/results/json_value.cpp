#include "json_value.h"

namespace torchprov::triplestore::results {

JsonParseError::JsonParseError(const std::string& message, std::size_t offset)
    : std::runtime_error("JSON: " + message + " at byte " + std::to_string(offset)), offset(offset) {}

Json parse_json(std::string_view text) {
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const Json::parse_error& e) {
    // what(): "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    std::string message = e.what();
    if (const auto colon = message.find(": "); colon != std::string::npos) message = message.substr(colon + 2);
    throw JsonParseError(message, e.byte > 0 ? e.byte - 1 : 0);
  } catch (const Json::out_of_range& e) {
    // A number beyond a double's range ("1e999"): nlohmann reports it without
    // a position, but names the number, so it is found in the text.
    // what(): "[json.exception.out_of_range.406] number overflow parsing '1e999'"
    std::string message = e.what();
    if (const auto bracket = message.find("] "); bracket != std::string::npos) message = message.substr(bracket + 2);
    std::size_t offset = 0;
    if (const auto open = message.find('\''), close = message.rfind('\''); open != std::string::npos && close > open) {
      if (const auto at = text.find(message.substr(open + 1, close - open - 1)); at != std::string_view::npos) offset = at;
    }
    throw JsonParseError(message, offset);
  }
}

std::string json_quote(std::string_view text) {
  return Json(text).dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto found = object.find(std::string(key));
  return found == object.end() ? nullptr : &*found;
}

}  // namespace torchprov::triplestore::results
