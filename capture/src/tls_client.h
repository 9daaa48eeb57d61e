// The TLS half of the HTTP client, for code that keeps its own connections
// (the server's client of a backend store or a SERVICE endpoint pools them
// and streams bodies): the pieces to connect to an https:// URL
// asynchronously, under a deadline, and check the server's certificate as
// http_request checks it.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <memory>

#include "http_client.h"

namespace torchprov::detail {

using TlsStream = boost::beast::ssl_stream<boost::beast::tcp_stream>;

// A server's certificate was refused (what(): "TLS handshake with
// HOST:PORT failed: unknown CA (...)", "... certificate expired (...)",
// "... host name mismatch (...)").
struct TlsError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// The client settings for a CA file (made once per file; throws
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

// Looks `host` up within the deadline (error: beast::error::timeout when
// it passes).  A lookup that hangs is left to finish on its own thread.
boost::asio::ip::tcp::resolver::results_type resolve_within(const std::string& host, const std::string& port,
                                                            std::chrono::steady_clock::time_point deadline,
                                                            boost::system::error_code& error);

}  // namespace torchprov::detail
