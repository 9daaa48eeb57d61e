#include "json_value.h"

#include <torchprov/detail/json_parse.h>

namespace torchprov::triplestore::results {

JsonParseError::JsonParseError(const std::string& message, std::size_t offset)
    : std::runtime_error("JSON: " + message + " at byte " + std::to_string(offset)), offset(offset) {}

Json parse_json(std::string_view text) {
  try {
    return torchprov::detail::parse_json_text<Json>(text);
  } catch (const torchprov::detail::JsonParseFailure& e) {
    throw JsonParseError(e.what(), e.offset);
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
