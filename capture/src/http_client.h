// HTTP/1.1 requests over TCP or TLS (Boost.Beast over OpenSSL), one per
// connection, each within a deadline: the HTTP sink's sender thread, `torchprov
// rules` and `torchprov import --endpoint` use it.  An https:// server must
// show a certificate the system's CA certificates (or a private CA's,
// TlsOptions::ca_file) vouch for, issued to the host name or address in the
// URL; when the handshake fails, the reply's error says why (unknown CA,
// expired, host name mismatch).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace torchprov::detail {

// http(s)://host[:port][/path][?query], read by uriparser.
struct HttpUrl {
  bool tls = false;          // https
  std::string host;          // an IPv6 address without its brackets
  std::string port = "80";   // 443 for https
  std::string path;          // "" or "/prefix", without a trailing '/'
  std::string target = "/";  // path and query as written: where a request for the URL itself goes
  // An endpoint that requests are made below (no query).  Throws
  // std::invalid_argument naming what is wrong with `url`.
  static HttpUrl parse(const std::string& url);
  // A URL requests go to as it is (a SPARQL store's query or update
  // endpoint, a SERVICE): it may carry a query.  Credentials in it are
  // refused with `credentials_hint` (where to give them instead).
  static HttpUrl parse_resource(const std::string& url, const std::string& credentials_hint);
  // host[:port] for a Host header ([...] around IPv6, no default port).
  std::string authority() const;
};

// Percent-encodes all but unreserved characters (RFC 3986), for a query
// string or a form value (by uriparser).
std::string percent_encode(std::string_view text);

// Whom an https:// server's certificate must come from.
struct TlsOptions {
  std::filesystem::path ca_file;  // PEM CA certificates; empty: the system's
};

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, timeout, TLS handshake failed)
  std::string body;
  std::string error;  // a timeout: "the request to URL timed out after 30 s (waiting for the answer)"
};

// One request on a connection of its own.  The whole exchange (looking the
// host up, connecting, the TLS handshake, sending, the answer) ends within
// `timeout`: at the deadline the connection is closed and the reply says
// the request timed out.

HttpReply http_request(const HttpUrl& base, const std::string& method, const std::string& target,
                       const std::string& content_type, const std::string& body, const std::string& bearer_token,
                       std::chrono::milliseconds timeout, const std::string& accept = {},
                       const TlsOptions& tls = {});

// What sending `bytes` takes over a slow link that still works (256 KiB/s):
// a caller whose bodies run to megabytes adds it to its timeout, so that a
// large request is not cut off for being large.
std::chrono::milliseconds time_to_send(std::size_t bytes);

}  // namespace torchprov::detail
