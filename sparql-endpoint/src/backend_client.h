// A blocking HTTP/1.1 client for an external SPARQL store or a SERVICE
// endpoint, over TCP or TLS (https://: the project's TLS client settings,
// tls_client.h, so a certificate is checked as every other client checks
// it, against the system's CA certificates or a --ca-file): keeps idle
// connections for reuse (a query through the front must cost about one
// round trip), bounds every request by a deadline, reads large response
// bodies a piece at a time, and answers Basic and Digest challenges (Virtuoso
// protects its update endpoint with Digest).  Thread-safe: each request
// takes a connection of its own.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http_client.h"

namespace boost::asio::ssl {
class context;
}

namespace torchprov::endpoint {

// http(s)://host[:port]/path[?query], read by uriparser (HttpUrl).
struct BackendUrl : detail::HttpUrl {
  std::string text;                                 // as given
  static BackendUrl parse(const std::string& url);  // throws std::invalid_argument
  // The target with `name=value` (value percent-encoded) appended to its query.
  std::string with_parameter(std::string_view name, std::string_view value) const;
};

// Percent-encodes all but unreserved characters (form values, query strings).
using detail::percent_encode;

struct BackendRequest {
  std::string method = "GET";
  std::string target;  // from BackendUrl
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

struct BackendResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // unless the request streamed it
  std::string header(std::string_view name) const;  // "" when absent (case-insensitive)
};

// Why a request got no HTTP answer (untrusted: the server's TLS
// certificate was refused; unknown CA, expired, host name mismatch).
enum class TransportFailure { unreachable, timed_out, broken, untrusted };
struct TransportError : std::runtime_error {
  TransportError(TransportFailure failure, const std::string& message)
      : std::runtime_error(message), failure(failure) {}
  TransportFailure failure;
};

class BackendClient {
 public:
  // The server `url` names (its scheme, host and port; requests give their
  // own targets); `tls` says whom an https:// server's certificate must
  // come from (throws std::runtime_error for a CA file that cannot be used).
  BackendClient(const detail::HttpUrl& url, const detail::TlsOptions& tls, std::string user = {},
                std::string password = {});
  ~BackendClient();
  BackendClient(const BackendClient&) = delete;
  BackendClient& operator=(const BackendClient&) = delete;

  // Sends the request and reads the whole answer (bodies up to
  // `max_body` bytes).  Throws TransportError.
  BackendResponse send(const BackendRequest& request, std::chrono::steady_clock::time_point deadline,
                       std::size_t max_body = std::size_t(64) << 20);
  // The same, handing the body to `consume` a piece at a time as it
  // arrives (after `on_header` saw the status and headers); `consume`
  // returns false to stop reading (the connection is then closed).
  BackendResponse stream(const BackendRequest& request, std::chrono::steady_clock::time_point deadline,
                         const std::function<void(const BackendResponse&)>& on_header,
                         const std::function<bool(std::string_view)>& consume);
  // Ends every request in progress (they throw TransportError) and refuses
  // new ones: for shutting down without waiting for a silent store.
  void cancel();

 private:
  class Connection;
  std::unique_ptr<Connection> take();
  void give_back(std::unique_ptr<Connection> connection);
  void release(Connection* connection);  // no longer in use (given back or closed)
  BackendResponse exchange(const BackendRequest& request, std::chrono::steady_clock::time_point deadline,
                           const std::function<void(const BackendResponse&)>* on_header,
                           const std::function<bool(std::string_view)>* consume, std::size_t max_body);
  std::string authorization(const BackendRequest& request);

  detail::HttpUrl server_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;  // for https://
  std::string user_, password_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::vector<Connection*> busy_;
  bool cancelled_ = false;
  // The last Digest challenge, reused with a growing nonce count so that
  // each request needs one round trip.
  struct Digest {
    std::string realm, nonce, opaque, qop, algorithm;
    unsigned count = 0;
  };
  std::optional<Digest> digest_;
};

}  // namespace torchprov::endpoint
