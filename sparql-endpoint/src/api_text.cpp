#include "api_text.h"

#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "results/json_value.h"

namespace torchprov::endpoint::api {

Response json_error(http::status status, const std::string& message) {
  return text_response(status, "{\"error\":" + triplestore::results::json_quote(message) + "}", "application/json");
}

std::string number_text(double value) {
  char buffer[40];
  const auto end = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, end);
}

}  // namespace torchprov::endpoint::api
