#include "http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <stdexcept>

namespace torchprov::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;

HttpUrl HttpUrl::parse(const std::string& url) {
  constexpr std::string_view scheme = "http://";
  if (!url.starts_with(scheme)) throw std::invalid_argument("endpoint must be an http:// URL, not '" + url + "'");
  HttpUrl out;
  std::string rest = url.substr(scheme.size());
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  if (slash != std::string::npos) out.path = rest.substr(slash);
  while (out.path.size() > 1 && out.path.back() == '/') out.path.pop_back();
  if (out.path == "/") out.path.clear();
  const auto colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']') == std::string::npos) {
    out.host = authority.substr(0, colon);
    out.port = authority.substr(colon + 1);
  } else {
    out.host = authority;
  }
  if (out.host.empty()) throw std::invalid_argument("endpoint URL has no host: '" + url + "'");
  return out;
}

HttpReply http_request(const HttpUrl& base, const std::string& method, const std::string& target,
                       const std::string& content_type, const std::string& body, const std::string& bearer_token,
                       std::chrono::milliseconds timeout, const std::string& accept) {
  HttpReply reply;
  try {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.expires_after(timeout);
    stream.connect(resolver.resolve(base.host, base.port));
    http::request<http::string_body> request{http::string_to_verb(method), base.path + target, 11};
    request.set(http::field::host, base.host);
    request.set(http::field::user_agent, "torchprov-capture");
    if (!bearer_token.empty()) request.set(http::field::authorization, "Bearer " + bearer_token);
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    if (!accept.empty()) request.set(http::field::accept, accept);
    request.body() = body;
    request.prepare_payload();
    stream.expires_after(timeout);
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(stream, buffer, parser);
    reply.status = int(parser.get().result_int());
    reply.body = parser.get().body();
    beast::error_code ec;
    stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  } catch (const std::exception& error) {
    reply.status = 0;
    reply.error = error.what();
  }
  return reply;
}

}  // namespace torchprov::detail
