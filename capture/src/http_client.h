// A minimal blocking HTTP/1.1 client (Boost.Beast) for the HTTP sink: one
// request per connection, with a deadline.  Runs on the sink's sender thread.
#pragma once

#include <chrono>
#include <string>

namespace torchprov::detail {

struct HttpUrl {
  std::string host, port = "80", path = "/";
  static HttpUrl parse(const std::string& url);  // http://host[:port][/path]; throws on other schemes
};

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, timeout)
  std::string body;
  std::string error;
};

HttpReply http_request(const HttpUrl& base, const std::string& method, const std::string& target,
                       const std::string& content_type, const std::string& body, const std::string& bearer_token,
                       std::chrono::milliseconds timeout, const std::string& accept = {});

}  // namespace torchprov::detail
