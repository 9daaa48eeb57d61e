#include "http_client.h"

#include "tls_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <uriparser/Uri.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace torchprov::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;

namespace {

std::string text_of(const UriTextRangeA& range) {
  return range.first != nullptr ? std::string(range.first, range.afterLast) : std::string();
}

// uriparser's parse result, freed with it.
struct ParsedUri {
  UriUriA uri{};
  ~ParsedUri() { uriFreeUriMembersA(&uri); }
};

bool is_address(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// Why a certificate was refused, in the words a person looks for.
std::string verification_failure(long result) {
  std::string kind;
  switch (result) {
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      kind = "unknown CA";
      break;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      kind = "certificate expired";
      break;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      kind = "certificate not yet valid";
      break;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      kind = "host name mismatch";
      break;
    default:
      kind = "certificate refused";
  }
  return kind + " (" + X509_verify_cert_error_string(result) + ")";
}

}  // namespace

namespace {

HttpUrl parse_url(const std::string& url, bool resource, const std::string& credentials_hint) {
  ParsedUri parsed;
  const char* error = nullptr;
  if (uriParseSingleUriA(&parsed.uri, url.c_str(), &error) != URI_SUCCESS) {
    throw std::invalid_argument("endpoint '" + url + "' is not a URL (at character " +
                                std::to_string(error ? error - url.c_str() + 1 : 1) + ")");
  }
  std::string scheme = text_of(parsed.uri.scheme);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  if (scheme != "http" && scheme != "https")
    throw std::invalid_argument("endpoint must be an http:// or https:// URL, not '" + url + "'");
  HttpUrl out;
  out.tls = scheme == "https";
  out.host = text_of(parsed.uri.hostText);
  if (out.host.empty()) throw std::invalid_argument("endpoint URL has no host: '" + url + "'");
  if (parsed.uri.userInfo.first != nullptr)
    throw std::invalid_argument("endpoint URL '" + url + "' holds credentials: " + credentials_hint);
  if (parsed.uri.fragment.first != nullptr || (!resource && parsed.uri.query.first != nullptr))
    throw std::invalid_argument("endpoint URL '" + url + (resource ? "' takes no fragment" : "' takes no query or fragment"));
  out.port = text_of(parsed.uri.portText);
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  if (out.port.size() > 5 || std::stoul(out.port) == 0 || std::stoul(out.port) > 65535)
    throw std::invalid_argument("endpoint URL '" + url + "' has no valid port");
  out.target.clear();
  for (const UriPathSegmentA* segment = parsed.uri.pathHead; segment != nullptr; segment = segment->next)
    out.target += "/" + text_of(segment->text);
  if (out.target.empty()) out.target = "/";
  out.path = out.target;
  while (out.path.ends_with('/')) out.path.pop_back();
  if (parsed.uri.query.first != nullptr) out.target += "?" + text_of(parsed.uri.query);
  return out;
}

}  // namespace

HttpUrl HttpUrl::parse(const std::string& url) { return parse_url(url, false, "give a token file instead"); }

HttpUrl HttpUrl::parse_resource(const std::string& url, const std::string& credentials_hint) {
  return parse_url(url, true, credentials_hint);
}

std::string HttpUrl::authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  const bool default_port = port == (tls ? "443" : "80");
  return (ipv6 ? "[" + host + "]" : host) + (default_port ? std::string() : ":" + port);
}

std::string percent_encode(std::string_view text) {
  // Three characters at most for each one (line breaks kept as they are).
  std::string out(3 * text.size() + 1, '\0');
  char* end = out.data();
  // uriparser stops at a NUL, which a SPARQL string may hold: it is
  // written here, and the text around it escaped by uriparser.
  for (std::size_t start = 0;;) {
    const std::size_t nul = std::min(text.find('\0', start), text.size());
    end = uriEscapeExA(text.data() + start, text.data() + nul, end, URI_FALSE, URI_FALSE);
    if (nul == text.size()) break;
    end = std::copy_n("%00", 3, end);
    start = nul + 1;
  }
  out.resize(std::size_t(end - out.data()));
  return out;
}

// TLS client settings per CA file, made once: loading the system's CA
// certificates for every request would cost more than the request.
std::shared_ptr<ssl::context> tls_client_context(const TlsOptions& tls) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<ssl::context>> contexts;
  std::lock_guard lock(mutex);
  auto& context = contexts[tls.ca_file.string()];
  if (context) return context;
  auto made = std::make_shared<ssl::context>(ssl::context::tls_client);
  made->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                    ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  made->set_verify_mode(ssl::verify_peer);
  if (tls.ca_file.empty()) {
    made->set_default_verify_paths();
  } else {
    boost::system::error_code ec;
    made->load_verify_file(tls.ca_file.string(), ec);
    if (ec) throw std::runtime_error("cannot use the CA file " + tls.ca_file.string() + ": " + ec.message());
  }
  context = std::move(made);
  return context;
}

void expect_certificate_for(TlsStream& stream, const std::string& host) {
  SSL* connection = stream.native_handle();
  X509_VERIFY_PARAM* check = SSL_get0_param(connection);
  if (is_address(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(check, host.c_str());
  } else {
    SSL_set_tlsext_host_name(connection, host.c_str());
    X509_VERIFY_PARAM_set1_host(check, host.c_str(), 0);
  }
}

HandshakeFailure handshake_failure(TlsStream& stream, const HttpUrl& url, const boost::system::error_code& error) {
  const long verified = SSL_get_verify_result(stream.native_handle());
  const bool refused = verified != X509_V_OK;
  return {"TLS handshake with " + url.host + ":" + url.port + " failed: " +
              (refused ? verification_failure(verified) : error.message()),
          refused};
}

namespace {

using Clock = std::chrono::steady_clock;

// "30 s", "2.5 s": a timeout as a person gave it.
std::string seconds_text(std::chrono::milliseconds timeout) {
  const auto ms = timeout.count();
  std::string text = std::to_string(ms / 1000);
  if (ms % 1000 != 0) {
    char fraction[8];
    std::snprintf(fraction, sizeof fraction, ".%03lld", static_cast<long long>(ms % 1000));
    std::string digits = fraction;
    while (digits.back() == '0') digits.pop_back();
    text += digits;
  }
  return text + " s";
}

// A request that ran out of time; what() names where it was.
struct TimedOut : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

net::ip::tcp::resolver::results_type resolve_within(const std::string& host, const std::string& port,
                                                    Clock::time_point deadline, boost::system::error_code& error) {
  using Results = net::ip::tcp::resolver::results_type;
  error.clear();
  if (is_address(host)) {  // nothing to look up: getaddrinfo answers at once
    net::io_context ioc;
    return net::ip::tcp::resolver(ioc).resolve(host, port, net::ip::resolver_base::numeric_host |
                                                               net::ip::resolver_base::numeric_service, error);
  }
  // getaddrinfo cannot be interrupted, and Asio's asynchronous resolver
  // joins its lookup thread when its io_context goes: the lookup runs on a
  // thread of its own, which is left to finish by itself at the deadline.
  struct Lookup {
    std::mutex mutex;
    std::condition_variable finished;
    bool done = false;
    Results results;
    boost::system::error_code error;
  };
  auto lookup = std::make_shared<Lookup>();
  std::thread([lookup, host, port] {
    net::io_context ioc;
    net::ip::tcp::resolver resolver(ioc);
    boost::system::error_code error;
    auto results = resolver.resolve(host, port, error);
    std::lock_guard lock(lookup->mutex);
    lookup->results = std::move(results);
    lookup->error = error;
    lookup->done = true;
    lookup->finished.notify_all();
  }).detach();
  std::unique_lock lock(lookup->mutex);
  if (!lookup->finished.wait_until(lock, deadline, [&] { return lookup->done; })) {
    error = beast::error::timeout;
    return {};
  }
  error = lookup->error;
  return lookup->results;
}

HttpReply http_request(const HttpUrl& base, const std::string& method, const std::string& target,
                       const std::string& content_type, const std::string& body, const std::string& bearer_token,
                       std::chrono::milliseconds timeout, const std::string& accept, const TlsOptions& tls) {
  HttpReply reply;
  const auto deadline = Clock::now() + timeout;
  const std::string url = std::string(base.tls ? "https://" : "http://") + base.authority() + base.path + target;
  // Every step runs asynchronously on this request's own io_context, under
  // the stream's timer: Beast's blocking calls ignore it, and a server that
  // accepts the connection and never answers would hang them for good.  At
  // the deadline the timer closes the socket and the step ends with
  // error::timeout.
  net::io_context ioc{1};
  const char* step = "resolving";
  auto check = [&](const boost::system::error_code& error) {
    if (!error) return;
    if (error == beast::error::timeout || Clock::now() >= deadline)
      throw TimedOut("the request to " + url + " timed out after " + seconds_text(timeout) + " (" + step + ")");
    throw boost::system::system_error(error);
  };
  auto run = [&](beast::tcp_stream& tcp, auto start) {
    boost::system::error_code result;
    tcp.expires_at(deadline);
    start([&result](boost::system::error_code error, auto&&...) { result = error; });
    ioc.restart();
    ioc.run();
    check(result);
  };
  try {
    http::request<http::string_body> request{http::string_to_verb(method), base.path + target, 11};
    request.set(http::field::host, base.authority());
    request.set(http::field::user_agent, "torchprov-capture");
    if (!bearer_token.empty()) request.set(http::field::authorization, "Bearer " + bearer_token);
    if (!content_type.empty()) request.set(http::field::content_type, content_type);
    if (!accept.empty()) request.set(http::field::accept, accept);
    request.keep_alive(false);  // one request per connection
    request.body() = body;
    request.prepare_payload();

    boost::system::error_code error;
    const auto addresses = resolve_within(base.host, base.port, deadline, error);
    check(error);
    std::shared_ptr<ssl::context> context;
    std::unique_ptr<TlsStream> secure;
    beast::tcp_stream plain(ioc);
    if (base.tls) {
      context = tls_client_context(tls);
      secure = std::make_unique<TlsStream>(ioc, *context);
      // The certificate must be issued to the name or address the URL gives.
      expect_certificate_for(*secure, base.host);
    }
    beast::tcp_stream& tcp = secure ? beast::get_lowest_layer(*secure) : plain;
    step = "connecting";
    run(tcp, [&](auto done) { tcp.async_connect(addresses, done); });
    if (secure) {
      step = "TLS handshake";
      boost::system::error_code handshake;
      tcp.expires_at(deadline);
      secure->async_handshake(ssl::stream_base::client, [&](boost::system::error_code e) { handshake = e; });
      ioc.restart();
      ioc.run();
      if (handshake && handshake != beast::error::timeout && Clock::now() < deadline) {
        auto failure = handshake_failure(*secure, base, handshake);
        if (failure.certificate_refused) throw TlsError(failure.message);
        throw std::runtime_error(failure.message);
      }
      check(handshake);
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    auto on_stream = [&](auto use) {
      if (secure) use(*secure);
      else use(plain);
    };
    step = "sending the request";
    run(tcp, [&](auto done) { on_stream([&](auto& stream) { http::async_write(stream, request, done); }); });
    step = "waiting for the answer";
    run(tcp, [&](auto done) { on_stream([&](auto& stream) { http::async_read_header(stream, buffer, parser, done); }); });
    step = "reading the answer";
    run(tcp, [&](auto done) { on_stream([&](auto& stream) { http::async_read(stream, buffer, parser, done); }); });
    reply.status = int(parser.get().result_int());
    reply.body = parser.get().body();
    if (secure) {
      // close_notify, within what is left of the deadline; a server that
      // just closes is no error here.
      tcp.expires_at(deadline);
      secure->async_shutdown([](boost::system::error_code) {});
      ioc.restart();
      ioc.run();
    } else {
      plain.socket().shutdown(net::ip::tcp::socket::shutdown_both, error);
    }
  } catch (const std::exception& failure) {
    reply.status = 0;
    reply.body.clear();
    reply.error = failure.what();
  }
  return reply;
}

std::chrono::milliseconds time_to_send(std::size_t bytes) {
  constexpr std::size_t slow_link_bytes_per_second = 256 << 10;
  return std::chrono::milliseconds(bytes * 1000 / slow_link_bytes_per_second);
}

}  // namespace torchprov::detail
