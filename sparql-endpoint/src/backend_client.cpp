#include "backend_client.h"

#include "tls_client.h"

#include <boost/asio/connect.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <limits>
#include <cstdio>
#include <random>
#include <stdexcept>

namespace torchprov::endpoint {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

namespace {

std::string base64(std::string_view data) {
  static const char table[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8 | (unsigned char)data[i + 2];
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], table[v & 63]};
  }
  if (i + 1 == data.size()) {
    const unsigned v = (unsigned char)data[i] << 16;
    out += {table[v >> 18], table[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == data.size()) {
    const unsigned v = (unsigned char)data[i] << 16 | (unsigned char)data[i + 1] << 8;
    out += {table[v >> 18], table[(v >> 12) & 63], table[(v >> 6) & 63], '='};
  }
  return out;
}

std::string md5_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &length, EVP_md5(), nullptr) != 1)
    throw std::runtime_error("MD5 is not available from OpenSSL");
  std::string out;
  char byte[3];
  for (unsigned i = 0; i < length; ++i) {
    std::snprintf(byte, sizeof byte, "%02x", digest[i]);
    out += byte;
  }
  return out;
}

// The value of `name` in a challenge's parameter list (quoted or token).
std::string challenge_parameter(std::string_view challenge, std::string_view name) {
  std::size_t pos = 0;
  while (pos < challenge.size()) {
    while (pos < challenge.size() && (challenge[pos] == ',' || challenge[pos] == ' ')) ++pos;
    const auto eq = challenge.find('=', pos);
    if (eq == std::string_view::npos) break;
    std::string_view key = challenge.substr(pos, eq - pos);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    if (const auto space = key.rfind(' '); space != std::string_view::npos) key.remove_prefix(space + 1);
    std::string value;
    pos = eq + 1;
    if (pos < challenge.size() && challenge[pos] == '"') {
      ++pos;
      while (pos < challenge.size() && challenge[pos] != '"') {
        if (challenge[pos] == '\\' && pos + 1 < challenge.size()) ++pos;
        value.push_back(challenge[pos++]);
      }
      ++pos;
    } else {
      while (pos < challenge.size() && challenge[pos] != ',') value.push_back(challenge[pos++]);
    }
    if (iequals(key, name)) return value;
  }
  return {};
}

}  // namespace

BackendUrl BackendUrl::parse(const std::string& url) {
  BackendUrl out;
  static_cast<detail::HttpUrl&>(out) = detail::HttpUrl::parse_resource(url, "give the user with --backend-user instead");
  out.text = url;
  return out;
}

std::string BackendUrl::with_parameter(std::string_view name, std::string_view value) const {
  return target + (target.find('?') == std::string::npos ? "?" : "&") + std::string(name) + "=" + percent_encode(value);
}

std::string BackendResponse::header(std::string_view name) const {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return {};
}

// Acknowledge what arrives at once.  On a kept connection Linux delays
// ACKs, and a store that writes its answer in pieces with Nagle's algorithm
// on (Virtuoso does) then holds the last piece until our ACK: 40 ms added
// to every answer of a few kilobytes.  The flag does not stick, so it is
// set before each read.
namespace {
void acknowledge_at_once(tcp::socket& socket) {
  const int on = 1;
  ::setsockopt(socket.native_handle(), IPPROTO_TCP, TCP_QUICKACK, &on, sizeof on);
}
}  // namespace

// One keep-alive connection, over TCP or TLS; its io_context runs each
// operation to completion or to the deadline (the TCP stream closes the
// socket when it expires, so a silent server cannot hang a request, nor a
// handshake).
class BackendClient::Connection {
 public:
  net::io_context ioc{1};
  beast::tcp_stream plain{ioc};
  std::unique_ptr<detail::TlsStream> tls;  // https://: a new one for each connection
  beast::flat_buffer buffer;
  bool connected = false;

  beast::tcp_stream& tcp() { return tls ? beast::get_lowest_layer(*tls) : plain; }
  // Calls `use` with the stream that requests and answers go through.
  template <class Use>
  void on_stream(Use use) {
    if (tls) use(*tls);
    else use(plain);
  }

  template <class Start>
  beast::error_code run(Clock::time_point deadline, Start start) {
    beast::error_code result;
    tcp().expires_at(deadline);
    start([&result](beast::error_code ec, std::size_t = 0) { result = ec; });
    ioc.restart();
    ioc.run();
    return result;
  }
};

BackendClient::BackendClient(const detail::HttpUrl& url, const detail::TlsOptions& tls, std::string user,
                             std::string password)
    : server_(url), user_(std::move(user)), password_(std::move(password)) {
  if (server_.tls) tls_context_ = detail::tls_client_context(tls);
}

BackendClient::~BackendClient() = default;

std::unique_ptr<BackendClient::Connection> BackendClient::take() {
  std::lock_guard lock(mutex_);
  if (cancelled_) throw TransportError(TransportFailure::broken, "the server is shutting down");
  std::unique_ptr<Connection> connection;
  if (!idle_.empty()) {
    connection = std::move(idle_.back());
    idle_.pop_back();
  } else {
    connection = std::make_unique<Connection>();
  }
  busy_.push_back(connection.get());
  return connection;
}

void BackendClient::give_back(std::unique_ptr<Connection> connection) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < 32 && !cancelled_) idle_.push_back(std::move(connection));
}

void BackendClient::release(Connection* connection) {
  std::lock_guard lock(mutex_);
  std::erase(busy_, connection);
}

void BackendClient::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  for (Connection* connection : busy_)
    net::post(connection->ioc, [connection] { connection->tcp().cancel(); });
}

std::string BackendClient::authorization(const BackendRequest& request) {
  if (user_.empty()) return {};
  std::lock_guard lock(mutex_);
  if (!digest_) return "Basic " + base64(user_ + ":" + password_);
  Digest& d = digest_.value();
  char count[9];
  std::snprintf(count, sizeof count, "%08x", ++d.count);
  std::random_device entropy;
  char cnonce[17];
  std::snprintf(cnonce, sizeof cnonce, "%08x%08x", entropy(), entropy());
  const std::string ha1 = md5_hex(user_ + ":" + d.realm + ":" + password_);
  const std::string ha2 = md5_hex(request.method + ":" + request.target);
  const bool qop = !d.qop.empty();
  const std::string response = qop ? md5_hex(ha1 + ":" + d.nonce + ":" + count + ":" + cnonce + ":auth:" + ha2)
                                   : md5_hex(ha1 + ":" + d.nonce + ":" + ha2);
  std::string header = "Digest username=\"" + user_ + "\", realm=\"" + d.realm + "\", nonce=\"" + d.nonce +
                       "\", uri=\"" + request.target + "\", response=\"" + response + "\", algorithm=MD5";
  if (qop) header += std::string(", qop=auth, nc=") + count + ", cnonce=\"" + cnonce + "\"";
  if (!d.opaque.empty()) header += ", opaque=\"" + d.opaque + "\"";
  return header;
}

BackendResponse BackendClient::send(const BackendRequest& request, Clock::time_point deadline, std::size_t max_body) {
  return exchange(request, deadline, nullptr, nullptr, max_body);
}

BackendResponse BackendClient::stream(const BackendRequest& request, Clock::time_point deadline,
                                      const std::function<void(const BackendResponse&)>& on_header,
                                      const std::function<bool(std::string_view)>& consume) {
  return exchange(request, deadline, &on_header, &consume, 0);
}

BackendResponse BackendClient::exchange(const BackendRequest& request, Clock::time_point deadline,
                                        const std::function<void(const BackendResponse&)>* on_header,
                                        const std::function<bool(std::string_view)>* consume, std::size_t max_body) {
  const std::string where = server_.host + ":" + server_.port;
  bool challenged = false;
  for (int attempt = 0;; ++attempt) {
    auto connection = take();
    struct InUse {
      BackendClient& client;
      Connection* connection;
      ~InUse() { client.release(connection); }
    } in_use{*this, connection.get()};
    const bool reused = connection->connected;
    auto fail = [&](beast::error_code ec, const char* during) -> TransportError {
      connection->connected = false;
      if (ec == net::error::operation_aborted)
        return TransportError(TransportFailure::broken, "the request to " + where + " was cancelled");
      if (ec == beast::error::timeout)
        return TransportError(TransportFailure::timed_out, "no answer from " + where + " in time (" + during + ")");
      if (ec == net::error::connection_refused || ec == net::error::host_not_found ||
          ec == net::error::host_not_found_try_again || ec == net::error::network_unreachable ||
          ec == net::error::host_unreachable)
        return TransportError(TransportFailure::unreachable, "cannot reach " + where + ": " + ec.message());
      return TransportError(TransportFailure::broken, "connection to " + where + " failed while " +
                                                          std::string(during) + ": " + ec.message());
    };
    if (!connection->connected) {
      // The lookup counts against the deadline too: a DNS server that does
      // not answer would otherwise hold the request (and a trainer's batch
      // waiting on it) for getaddrinfo's own retries.
      beast::error_code ec;
      const auto addresses = detail::resolve_within(server_.host, server_.port, deadline, ec);
      if (ec) throw fail(ec, "resolving");
      connection->buffer.clear();
      if (tls_context_) {
        connection->tls = std::make_unique<detail::TlsStream>(connection->ioc, *tls_context_);
        detail::expect_certificate_for(*connection->tls, server_.host);
      }
      ec = connection->run(deadline, [&](auto handler) {
        connection->tcp().async_connect(addresses, [handler](beast::error_code e, const tcp::endpoint&) { handler(e); });
      });
      if (ec) throw fail(ec, "connecting");
      // A request goes out as headers then body, and an answer's first
      // bytes wait for it: with Nagle's algorithm each small write could
      // wait for the store's delayed ACK (40 ms on Linux).
      beast::error_code ignored;
      connection->tcp().socket().set_option(tcp::no_delay(true), ignored);
      if (connection->tls) {
        ec = connection->run(deadline, [&](auto handler) {
          connection->tls->async_handshake(net::ssl::stream_base::client, handler);
        });
        if (ec) {
          auto failure = detail::handshake_failure(*connection->tls, server_, ec);
          if (!failure.certificate_refused) throw fail(ec, "shaking hands (TLS)");
          connection->tcp().close();
          throw TransportError(TransportFailure::untrusted, failure.message);
        }
      }
      connection->connected = true;
    }
    bhttp::request<bhttp::string_body> message{bhttp::string_to_verb(request.method), request.target, 11};
    message.set(bhttp::field::host, server_.authority());
    message.set(bhttp::field::user_agent, "torchprov");
    for (const auto& [name, value] : request.headers) message.set(name, value);
    if (const auto credentials = authorization(request); !credentials.empty())
      message.set(bhttp::field::authorization, credentials);
    message.body() = request.body;
    message.keep_alive(true);
    message.prepare_payload();
    auto ec = connection->run(deadline, [&](auto handler) {
      connection->on_stream([&](auto& stream) { bhttp::async_write(stream, message, handler); });
    });
    bhttp::response_parser<bhttp::buffer_body> parser;
    // No limit (the caller bounds what it keeps).  Not boost::none: Boost
    // 1.74 compares a Content-Length against an empty limit as "too large".
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    if (!ec) {
      acknowledge_at_once(connection->tcp().socket());
      ec = connection->run(deadline, [&](auto handler) {
        connection->on_stream(
            [&](auto& stream) { bhttp::async_read_header(stream, connection->buffer, parser, handler); });
      });
    }
    if (ec) {
      // A kept connection the server closed meanwhile: once more on a new one.
      if (reused && attempt == 0 && ec != beast::error::timeout) continue;
      throw fail(ec, "sending the request");
    }
    BackendResponse response;
    response.status = int(parser.get().result_int());
    for (const auto& field : parser.get())
      response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    const bool retry_with_digest = response.status == 401 && !user_.empty() && !challenged &&
                                   iequals(response.header("WWW-Authenticate").substr(0, 6), "digest");
    const bool streaming = consume != nullptr && !retry_with_digest;
    if (streaming) (*on_header)(response);
    std::array<char, 64 * 1024> piece;
    bool stopped = false;
    while (!parser.is_done()) {
      parser.get().body().data = piece.data();
      parser.get().body().size = piece.size();
      acknowledge_at_once(connection->tcp().socket());
      ec = connection->run(deadline, [&](auto handler) {
        connection->on_stream([&](auto& stream) { bhttp::async_read(stream, connection->buffer, parser, handler); });
      });
      if (ec == bhttp::error::need_buffer) ec = {};
      if (ec) throw fail(ec, "reading the answer");
      const std::size_t got = piece.size() - parser.get().body().size;
      if (streaming) {
        if (!(*consume)(std::string_view(piece.data(), got))) {
          stopped = true;
          break;
        }
      } else {
        if (response.body.size() + got > max_body && max_body > 0)
          throw TransportError(TransportFailure::broken, "the answer from " + where + " is larger than " +
                                                             std::to_string(max_body >> 20) + " MB");
        response.body.append(piece.data(), got);
      }
    }
    if (!stopped && parser.get().keep_alive()) {
      give_back(std::move(connection));
    } else {
      beast::error_code ignored;
      connection->tcp().socket().shutdown(tcp::socket::shutdown_both, ignored);
      connection->tcp().close();
    }
    if (retry_with_digest) {
      challenged = true;
      const std::string challenge = response.header("WWW-Authenticate").substr(6);
      std::lock_guard lock(mutex_);
      digest_ = Digest{challenge_parameter(challenge, "realm"), challenge_parameter(challenge, "nonce"),
                       challenge_parameter(challenge, "opaque"), challenge_parameter(challenge, "qop"),
                       challenge_parameter(challenge, "algorithm"), 0};
      continue;
    }
    return response;
  }
}

}  // namespace torchprov::endpoint
