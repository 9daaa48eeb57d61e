#include "http.h"

#include <algorithm>
#include <cctype>

namespace torchprov::endpoint {

namespace {

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(char(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string url_decode(std::string_view text) { return percent_decode(text, true); }

namespace {

// Calls visit(key, value) with each pair of a form, still encoded (the value
// empty when the pair has no '=').
template <class Visit>
void each_form_pair(std::string_view text, Visit&& visit) {
  while (!text.empty()) {
    const auto amp = text.find('&');
    const auto pair = text.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      visit(pair.substr(0, eq), eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    text.remove_prefix(amp + 1);
  }
}

}  // namespace

std::multimap<std::string, std::string> parse_form(std::string_view text) {
  std::multimap<std::string, std::string> out;
  each_form_pair(text, [&](std::string_view key, std::string_view value) {
    out.emplace(url_decode(key), url_decode(value));
  });
  return out;
}

bool form_has_key(std::string_view text, std::string_view key) {
  bool found = false;
  each_form_pair(text, [&](std::string_view k, std::string_view) { found = found || url_decode(k) == key; });
  return found;
}

std::optional<std::string> first(const std::multimap<std::string, std::string>& form, const std::string& key) {
  const auto it = form.find(key);
  if (it == form.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> all(const std::multimap<std::string, std::string>& form, const std::string& key) {
  std::vector<std::string> out;
  const auto [begin, end] = form.equal_range(key);
  for (auto it = begin; it != end; ++it) out.push_back(it->second);
  return out;
}

Target parse_target(std::string_view target) {
  Target out;
  const auto q = target.find('?');
  out.path = percent_decode(target.substr(0, q), /*plus_is_space=*/false);
  if (q != std::string_view::npos) out.query = parse_form(target.substr(q + 1));
  return out;
}

std::string media_type_of(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  std::string type(content_type.substr(0, semicolon));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return type;
}

Response text_response(http::status status, std::string body, std::string_view content_type) {
  Response response{status, 11};
  response.set(http::field::content_type, content_type);
  // Messages for people end with a newline, as terminals expect.
  if (content_type.starts_with("text/plain") && !body.empty() && body.back() != '\n') body.push_back('\n');
  response.body() = std::move(body);
  return response;
}

}  // namespace torchprov::endpoint
