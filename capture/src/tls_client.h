// The TLS half of the HTTP client, for code that keeps its own connections
// (a client that pools them, streams bodies): a TCP connection to an
// https:// URL with the handshake done and the server's certificate checked
// as http_request checks it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>

#include "http_client.h"

namespace torchprov::detail {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// Connects and shakes hands within `timeout`.  Throws TlsError when the
// server's certificate is refused (what(): "TLS handshake with HOST:PORT
// failed: unknown CA (...)", "... certificate expired (...)", "... host name
// mismatch (...)"), std::exception for other failures (unreachable, timeout).
struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
std::unique_ptr<TlsStream> connect_tls(boost::asio::io_context& ioc, const HttpUrl& url, const TlsOptions& tls,
                                       std::chrono::milliseconds timeout);

}  // namespace torchprov::detail
