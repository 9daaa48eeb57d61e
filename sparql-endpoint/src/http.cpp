#include "http.h"

#include <uriparser/Uri.h>

#include <algorithm>
#include <cctype>

namespace torchprov::endpoint {

namespace {

// Percent-decoding by uriparser, in place (the text only shrinks); invalid
// escapes stay as they are.  uriparser stops at a NUL byte, so text holding
// one is decoded a piece at a time around it.
std::string percent_decode(std::string_view text, bool plus_is_space) {
  const UriBool plus = plus_is_space ? URI_TRUE : URI_FALSE;
  if (text.find('\0') == std::string_view::npos) {
    std::string out(text);
    out.resize(std::size_t(uriUnescapeInPlaceExA(out.data(), plus, URI_BR_DONT_TOUCH) - out.data()));
    return out;
  }
  std::string out;
  out.reserve(text.size());
  while (true) {
    const auto nul = text.find('\0');
    std::string piece(text.substr(0, nul));
    const char* end = uriUnescapeInPlaceExA(piece.data(), plus, URI_BR_DONT_TOUCH);
    out.append(piece.data(), std::size_t(end - piece.data()));
    if (nul == std::string_view::npos) return out;
    out.push_back('\0');
    text.remove_prefix(nul + 1);
  }
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
