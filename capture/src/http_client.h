// HTTP/1.1 requests over TCP or TLS (Boost.Beast over OpenSSL), one per
// connection, with a deadline: the HTTP sink's sender thread, `torchprov
// rules` and `torchprov import --endpoint` use it.  An https:// server must
// show a certificate the system's CA certificates (or a private CA's,
// TlsOptions::ca_file) vouch for, issued to the host name or address in the
// URL; when the handshake fails, the reply's error says why (unknown CA,
// expired, host name mismatch).
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace torchprov::detail {

// http(s)://host[:port][/path], read by uriparser.
struct HttpUrl {
  bool tls = false;          // https
  std::string host;          // an IPv6 address without its brackets
  std::string port = "80";   // 443 for https
  std::string path;          // "" or "/prefix", without a trailing '/'
  // Throws std::invalid_argument naming what is wrong with `url`.
  static HttpUrl parse(const std::string& url);
};

// Whom an https:// server's certificate must come from.
struct TlsOptions {
  std::filesystem::path ca_file;  // PEM CA certificates; empty: the system's
};

struct HttpReply {
  int status = 0;  // 0: no answer (connection refused, timeout, TLS handshake failed)
  std::string body;
  std::string error;
};

HttpReply http_request(const HttpUrl& base, const std::string& method, const std::string& target,
                       const std::string& content_type, const std::string& body, const std::string& bearer_token,
                       std::chrono::milliseconds timeout, const std::string& accept = {},
                       const TlsOptions& tls = {});

}  // namespace torchprov::detail
