// HTTP message types and the small pieces of URL handling the routes share.
#pragma once

#include <boost/beast/http.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::endpoint {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// A response body made piece by piece while it is sent (HTTP/1.1 chunked
// transfer coding), for results too large to build whole: next() appends
// the next piece and returns false after the last one.
class BodyStream {
 public:
  virtual ~BodyStream() = default;
  virtual bool next(std::string& piece) = 0;
};

// A response whose body is either in `response` or, when `stream` is set,
// comes from the stream (the response then holds the header only).
struct Reply {
  Reply() = default;
  Reply(Response r) : response(std::move(r)) {}  // NOLINT: every plain response is a reply
  Response response;
  std::shared_ptr<BodyStream> stream;
};

// Percent-decoding; '+' as space for form bodies and query strings.
std::string url_decode(std::string_view text);
// "a=1&b=2&b=3" -> {a:[1], b:[2,3]} (decoded).
std::multimap<std::string, std::string> parse_form(std::string_view text);
// Whether the form has the key, decoding only the keys.
bool form_has_key(std::string_view text, std::string_view key);
std::optional<std::string> first(const std::multimap<std::string, std::string>& form, const std::string& key);
std::vector<std::string> all(const std::multimap<std::string, std::string>& form, const std::string& key);

// Target split into path and query string.
struct Target {
  std::string path;
  std::multimap<std::string, std::string> query;
};
Target parse_target(std::string_view target);

// Media type of a Content-Type header, lower-cased, without parameters.
std::string media_type_of(std::string_view content_type);

Response text_response(http::status status, std::string body, std::string_view content_type = "text/plain; charset=utf-8");

}  // namespace torchprov::endpoint
