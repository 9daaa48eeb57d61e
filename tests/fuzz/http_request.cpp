// Raw bytes as an HTTP request: Beast's parser, then the router, without a
// token or with the write token (the first byte decides).
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http.hpp>

#include "endpoint_fixture.h"
#include "fuzz_support.h"

using namespace torchprov;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz::Bytes in(data, size);
  const bool with_token = in.flag();
  const std::string_view raw = in.rest();
  auto& fixture = fuzz::endpoint_fixture();
  (void)fixture;
  http::request_parser<http::string_body> parser;
  parser.body_limit(1 << 20);
  parser.header_limit(64 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t at = 0;
  while (!parser.is_done() && at < raw.size()) {
    const std::size_t used = parser.put(boost::asio::buffer(raw.data() + at, raw.size() - at), ec);
    if (ec == http::error::need_more) break;
    if (ec) return 0;
    if (used == 0) break;
    at += used;
  }
  if (!parser.is_done()) {
    parser.put_eof(ec);
    if (ec || !parser.is_done()) return 0;
  }
  endpoint::Request request = parser.release();
  if (with_token) request.set(http::field::authorization, std::string("Bearer ") + fuzz::fixture_token);
  fuzz::handle_checked(request);
  return 0;
}
