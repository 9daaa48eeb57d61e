// The TLS half of the HTTP client, for code that keeps its own connections
// (the server's client of a backend store or a SERVICE endpoint pools them
// and streams bodies): a TCP connection to an https:// URL with the
// handshake done and the server's certificate checked as http_request
// checks it, or the pieces to do the same asynchronously.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
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
// The pieces connect_tls is made of, for a client that runs the connection
// and the handshake itself (asynchronously, under its own deadline):
// the client settings for a CA file (made once per file; throws
// std::runtime_error "cannot use the CA file ..."), ...
std::shared_ptr<boost::asio::ssl::context> tls_client_context(const TlsOptions& tls);
// ... a stream's check that the certificate is issued to `host` (a name or
// an address; also sent as SNI), ...
void expect_certificate_for(TlsStream& stream, const std::string& host);
// ... and what a failed handshake means: "TLS handshake with HOST:PORT
// failed: REASON", `certificate_refused` when the server's certificate was
// not trusted (rather than, say, the connection dropped).
struct HandshakeFailure {
  std::string message;
  bool certificate_refused = false;
};
HandshakeFailure handshake_failure(TlsStream& stream, const HttpUrl& url, const boost::system::error_code& error);

std::unique_ptr<TlsStream> connect_tls(boost::asio::io_context& ioc, const HttpUrl& url, const TlsOptions& tls,
                                       std::chrono::milliseconds timeout);

}  // namespace torchprov::detail
