// The HTTP/1.1 server: a listener accepts, a session reads a request, hands
// it to the Endpoint and writes the response back.  The lifetime of each
// session is held by shared_from_this.  Two threads run the io_context (they
// only move bytes); requests run on a pool of reader threads or, when they
// change the store, on one writer thread.  With a certificate the sessions
// speak HTTPS (Beast over OpenSSL): a TLS handshake first, close_notify last.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <utility>

#include "embedded_store.h"
#include "endpoint.h"
#include "sparql_store.h"
#include "store_lock.h"
#include "tls_client.h"

namespace torchprov::endpoint {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// A thread pool shared fairly between clients: at most `per_client` tasks
// of one client run at once and its further tasks wait in a queue of its
// own, so a burst from one client never stands in the pool's queue in front
// of another client's request.
class FairPool {
 public:
  FairPool(std::size_t threads, std::size_t per_client, std::size_t max_waiting)
      : pool_(threads), per_client_(std::max<std::size_t>(1, per_client)), max_waiting_(max_waiting) {}

  // False when the client already has `max_waiting` tasks waiting.
  bool submit(const std::string& client, std::function<void()> task) {
    std::lock_guard lock(mutex_);
    Client& c = clients_[client];
    if (c.running >= per_client_) {
      if (c.waiting.size() >= max_waiting_) return false;
      c.waiting.push_back(std::move(task));
      return true;
    }
    ++c.running;
    start(client, std::move(task));
    return true;
  }

  net::thread_pool& pool() { return pool_; }
  void join() { pool_.join(); }

 private:
  struct Client {
    std::size_t running = 0;
    std::deque<std::function<void()>> waiting;
  };

  // Caller holds mutex_.
  void start(const std::string& client, std::function<void()> task) {
    net::post(pool_, [this, client, task = std::move(task)] {
      task();
      finished(client);
    });
  }

  void finished(const std::string& client) {
    std::lock_guard lock(mutex_);
    auto it = clients_.find(client);
    if (it == clients_.end()) return;
    Client& c = it->second;
    if (!c.waiting.empty()) {
      std::function<void()> next = std::move(c.waiting.front());
      c.waiting.pop_front();
      start(client, std::move(next));
      return;
    }
    if (--c.running == 0) clients_.erase(it);
  }

  net::thread_pool pool_;
  std::size_t per_client_, max_waiting_;
  std::mutex mutex_;
  std::unordered_map<std::string, Client> clients_;
};

// Where requests run: queries and other reads on `readers`, requests that
// change the store on `writer`: one thread for the embedded store (which
// serialises writers anyway), several in backend mode, where a write waits
// for the external store's confirmation and concurrent writes are
// delivered together.
struct Workers {
  Workers(std::size_t reader_threads, std::size_t writer_threads, std::size_t per_client, std::size_t max_waiting)
      : readers(reader_threads, per_client, max_waiting),
        writer(writer_threads, std::min(per_client, writer_threads), max_waiting) {}
  FairPool readers;
  FairPool writer;
  void join() {
    readers.join();
    writer.join();
  }
};

// Open connections per client address.
class ConnectionCount {
 public:
  explicit ConnectionCount(std::size_t limit) : limit_(limit) {}
  bool open(const std::string& client) {
    std::lock_guard lock(mutex_);
    std::size_t& n = open_[client];
    if (n >= limit_) return false;
    ++n;
    return true;
  }
  void close(const std::string& client) {
    std::lock_guard lock(mutex_);
    auto it = open_.find(client);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

 private:
  std::size_t limit_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::size_t> open_;
};

std::string client_of(const tcp::socket& socket) {
  beast::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  return ec ? std::string("?") : remote.address().to_string();
}

Response too_many(std::string why) {
  Response response = text_response(http::status::too_many_requests, std::move(why));
  response.set(http::field::retry_after, "1");
  return response;
}

// Stream is beast::tcp_stream (HTTP) or TlsStream (HTTPS).
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool tls = std::is_same_v<Stream, TlsStream>;
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

 public:
  Session(tcp::socket&& socket, ssl::context* tls_context, std::string client, Endpoint& endpoint,
          std::size_t body_limit, Workers& workers, std::shared_ptr<ConnectionCount> connections)
      : stream_(make_stream(std::move(socket), tls_context)),
        client_(std::move(client)),
        endpoint_(endpoint),
        body_limit_(body_limit),
        workers_(workers),
        connections_(std::move(connections)) {}
  ~Session() {
    if (connections_) connections_->close(client_);
  }

  void run() {
    handshake_then([self = shared_from_this()] { self->read(); });
  }

  // Answers a connection over the client's limit and closes it.
  void refuse(Response response) {
    handshake_then([self = shared_from_this(), response = std::move(response)]() mutable {
      self->send(std::move(response), true);
    });
  }

 private:
  static Stream make_stream(tcp::socket&& socket, ssl::context* tls_context) {
    if constexpr (tls) return Stream(std::move(socket), *tls_context);
    else return Stream(std::move(socket));
  }
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // Runs `next` on the session's strand, after the TLS handshake for HTTPS.
  template <class Next>
  void handshake_then(Next next) {
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), next = std::move(next)]() mutable {
      if constexpr (tls) {
        self->lowest().expires_after(std::chrono::seconds(30));
        // The handler returns nothing on every path: Boost 1.74's
        // socket::shutdown(type, ec) returns the error_code, and a lambda
        // that returned it on the failure path only would fall off its end
        // after a handshake that succeeded, which GCC compiles into the
        // handler running again (two reads racing on one TLS stream).
        self->stream_.async_handshake(ssl::stream_base::server,
                                      [self, next = std::move(next)](beast::error_code ec) mutable -> void {
                                        if (ec) {
                                          beast::error_code ignored;
                                          self->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
                                          return;
                                        }
                                        next();
                                      });
      } else {
        next();
      }
    });
  }

  void read() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(64 * 1024);
    lowest().expires_after(std::chrono::seconds(60));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  // Only a caller with a valid token may send a large body: a stranger's
  // request is a query at most, so its body is held to the query limit
  // before the server reads (and keeps) it.
  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read(ec, 0);
    if (!endpoint_.authenticated(parser_->get())) {
      current_limit_ = endpoint_.anonymous_body_limit();
      parser_->body_limit(current_limit_);
    } else {
      current_limit_ = body_limit_;
    }
    // Beast checks a declared length against the limit in force when the
    // header was read only: a lowered limit is checked here.
    if (const auto declared = parser_->content_length(); declared && *declared > current_limit_)
      return on_read(http::error::body_limit, 0);
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::connection_reset) {
      return close();
    }
    if constexpr (tls) {
      // The client went away without close_notify.
      if (ec == ssl::error::stream_truncated) return close();
    }
    if (ec == http::error::body_limit) {
      return send(text_response(http::status::payload_too_large,
                                "request body larger than the server's limit of " + std::to_string(current_limit_) +
                                    " bytes" + (current_limit_ < body_limit_ ? " for requests without a valid token" : "")),
                  /*close_after=*/true);
    }
    if (ec) {
      return send(text_response(http::status::bad_request, "malformed HTTP request: " + ec.message()), true);
    }
    auto request = std::make_shared<Request>(parser_->release());
    // Queries are bounded by the query timeout; no deadline while one runs.
    lowest().expires_never();
    // The work runs off the I/O thread, writes on the writer thread: when
    // queries ran on the I/O threads, every read of a trainer's request
    // body and every reply waited behind the queries queued there, and
    // ingest fell behind.
    FairPool& pool = Endpoint::changes_store(*request) ? workers_.writer : workers_.readers;
    const bool queued = pool.submit(client_, [self = shared_from_this(), request] {
      auto reply = std::make_shared<Reply>(self->endpoint_.handle_streaming(*request));
      net::post(self->stream_.get_executor(), [self, request, reply] { self->respond(std::move(*reply), *request); });
    });
    if (!queued)
      send(too_many("too many requests from " + client_ + " are waiting; retry after the earlier ones"),
           !request->keep_alive());
  }

  void respond(Reply reply, const Request& request) {
    if (reply.stream) return send_chunked(std::move(reply), !request.keep_alive());
    send(std::move(reply.response), !request.keep_alive());
  }

  // The header, then one chunk per piece the body stream makes, then the
  // last chunk.  A piece is made only after the previous one is written, so
  // a slow client holds one piece in memory, not the result.
  void send_chunked(Reply reply, bool close_after) {
    if (close_after) reply.response.keep_alive(false);
    close_after_ = close_after;
    body_ = std::move(reply.stream);
    header_.emplace(std::move(reply.response.base()));
    header_serializer_.emplace(*header_);
    lowest().expires_after(std::chrono::seconds(120));
    http::async_write_header(stream_, *header_serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->write_piece();
    });
  }

  // Makes the next piece on a reader thread, then writes it from the
  // session's strand.
  void write_piece() {
    net::post(workers_.readers.pool(), [self = shared_from_this()] {
      self->piece_.clear();
      bool more = false, failed = false;
      try {
        while (self->piece_.empty() && (more = self->body_->next(self->piece_))) {
        }
      } catch (const std::exception& error) {
        std::cerr << "torchprov serve: result stream failed: " << error.what() << "\n";
        failed = true;
      }
      net::post(self->stream_.get_executor(), [self, more, failed] {
        // The status is sent already: a failure ends the connection without
        // the last chunk, so the client sees a truncated body, not a short
        // result.
        if (failed) return self->close();
        self->write_made_piece(more);
      });
    });
  }

  void write_made_piece(bool more) {
    lowest().expires_after(std::chrono::seconds(120));
    auto after = [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (more) return self->write_piece();
      self->write_last_chunk();
    };
    if (piece_.empty()) return write_last_chunk();
    net::async_write(stream_, http::make_chunk(net::buffer(piece_)), std::move(after));
  }

  void write_last_chunk() {
    net::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->body_.reset();
      self->header_serializer_.reset();
      self->header_.reset();
      if (ec || self->close_after_) return self->close();
      self->read();
    });
  }

  void send(Response response, bool close_after) {
    if (close_after) response.keep_alive(false);
    // The Endpoint prepared its responses already; preparing again would
    // reset a HEAD response's Content-Length to 0.
    if (!response.has_content_length()) response.prepare_payload();
    response_ = std::make_shared<Response>(std::move(response));
    lowest().expires_after(std::chrono::seconds(120));
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                        if (ec || close_after) return self->close();
                        self->read();
                      });
  }

  void close() {
    if constexpr (tls) {
      lowest().expires_after(std::chrono::seconds(10));
      stream_.async_shutdown([self = shared_from_this()](beast::error_code ec) {
        self->lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      });
    } else {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  std::string client_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  // A chunked response in progress.
  std::optional<http::response<http::empty_body>> header_;
  std::optional<http::response_serializer<http::empty_body>> header_serializer_;
  std::shared_ptr<BodyStream> body_;
  std::string piece_;
  bool close_after_ = false;
  Endpoint& endpoint_;
  std::size_t body_limit_;
  std::size_t current_limit_ = 0;  // the request being read: body_limit_ or the anonymous limit
  Workers& workers_;
  std::shared_ptr<ConnectionCount> connections_;  // null: not counted (a refused connection)
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Takes over a socket that already listens.
  Listener(net::io_context& ioc, tcp protocol, int listening_fd, ssl::context* tls_context, Endpoint& endpoint,
           std::size_t body_limit, Workers& workers, std::size_t client_connections)
      : ioc_(ioc),
        acceptor_(net::make_strand(ioc)),
        retry_(acceptor_.get_executor()),
        tls_context_(tls_context),
        endpoint_(endpoint),
        body_limit_(body_limit),
        workers_(workers),
        connections_(std::make_shared<ConnectionCount>(client_connections)) {
    acceptor_.assign(protocol, listening_fd);
  }
  void run() { accept(); }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::no_descriptors || ec.value() == ENFILE || ec == net::error::no_buffer_space ||
        ec == net::error::no_memory) {
      // Out of file descriptors: accepting again at once would spin.  The
      // connection waits in the backlog; open ones go on being served.
      if (!out_of_descriptors_)
        std::cerr << "torchprov serve: cannot accept connections: " << ec.message() << "; retrying\n";
      out_of_descriptors_ = true;
      retry_.expires_after(std::chrono::milliseconds(100));
      retry_.async_wait([self = shared_from_this()](beast::error_code) { self->accept(); });
      return;
    }
    if (!ec) {
      // Answers are written a piece at a time (streamed results): without
      // this, a small last piece waits for the client's delayed ACK.
      beast::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      if (out_of_descriptors_) std::cerr << "torchprov serve: accepting connections again\n";
      out_of_descriptors_ = false;
      std::string client = client_of(socket);
      if (tls_context_) start<TlsStream>(std::move(socket), std::move(client));
      else start<beast::tcp_stream>(std::move(socket), std::move(client));
    }
    accept();
  }

  template <class Stream>
  void start(tcp::socket&& socket, std::string client) {
    if (connections_->open(client)) {
      std::make_shared<Session<Stream>>(std::move(socket), tls_context_, std::move(client), endpoint_, body_limit_,
                                        workers_, connections_)
          ->run();
    } else {
      auto session = std::make_shared<Session<Stream>>(std::move(socket), tls_context_, client, endpoint_, body_limit_,
                                                       workers_, nullptr);
      session->refuse(too_many("too many open connections from " + client));
    }
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  net::steady_timer retry_;
  ssl::context* tls_context_;
  bool out_of_descriptors_ = false;
  Endpoint& endpoint_;
  std::size_t body_limit_;
  Workers& workers_;
  std::shared_ptr<ConnectionCount> connections_;
};

}  // namespace

ListeningSocket ListeningSocket::open(const std::string& bind, std::uint16_t port) {
  try {
    net::io_context ioc;
    const tcp::endpoint address{net::ip::make_address(bind), port};
    tcp::acceptor acceptor(ioc);
    acceptor.open(address.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(address);
    acceptor.listen(net::socket_base::max_listen_connections);
    const std::uint16_t bound = acceptor.local_endpoint().port();
    return ListeningSocket(acceptor.release(), address.protocol() == tcp::v6(), bound);
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot listen on " + bind + ":" + std::to_string(port) + ": " + error.what());
  }
}

ListeningSocket::ListeningSocket(ListeningSocket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), ipv6_(other.ipv6_), port_(other.port_) {}

ListeningSocket& ListeningSocket::operator=(ListeningSocket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    ipv6_ = other.ipv6_;
    port_ = other.port_;
  }
  return *this;
}

ListeningSocket::~ListeningSocket() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// For the forms called without a socket: they bind the port themselves.
std::optional<ListeningSocket> listen_or_report(const ServerOptions& options) {
  try {
    return ListeningSocket::open(options.bind, options.port);
  } catch (const std::exception& error) {
    std::cerr << "torchprov serve: " << error.what() << "\n";
    return std::nullopt;
  }
}

// HTTPS with the options' certificate chain and key (PEM), TLS 1.2 or
// later; nullopt for HTTP.  Throws std::runtime_error naming the files and
// what is wrong with them.
std::optional<ssl::context> server_tls_context(const ServerOptions& options) {
  std::optional<ssl::context> context;
  if (options.tls_certificate.empty() && options.tls_private_key.empty()) return context;
  if (options.tls_certificate.empty() || options.tls_private_key.empty())
    throw std::runtime_error("HTTPS needs both a certificate and its private key");
  const auto refuse = [&](const std::string& why) {
    return std::runtime_error("cannot use the TLS certificate " + options.tls_certificate.string() + " and key " +
                              options.tls_private_key.string() + ": " + why);
  };
  // OpenSSL says only "asio.ssl error" for a file that is not there.
  for (const auto& file : {options.tls_certificate, options.tls_private_key})
    if (!std::filesystem::is_regular_file(file)) throw refuse(file.string() + " is not a file");
  context.emplace(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  try {
    context->use_certificate_chain_file(options.tls_certificate.string());
    context->use_private_key_file(options.tls_private_key.string(), ssl::context::pem);
  } catch (const std::exception& error) {
    throw refuse(error.what());
  }
  return context;
}

int serve_data(DataStore& data, const std::filesystem::path& state_directory, ServerOptions options,
               ListeningSocket socket) {
  // The certificate before the token: bad TLS files change nothing.
  std::optional<ssl::context> tls_context;
  try {
    tls_context = server_tls_context(options);
  } catch (const std::exception& error) {
    std::cerr << "torchprov serve: " << error.what() << "\n";
    return 1;
  }
  if (options.token_file.empty()) options.token_file = state_directory / "token";
  bool created = false;
  Tokens tokens;
  // A read-only server writes nothing into the store: it reads an existing
  // token file (for --reads-need-token) and creates none.
  if (!options.read_only || std::filesystem::exists(options.token_file)) {
    tokens = Tokens::load_or_create(options.token_file, created);
  } else if (options.reads_need_token) {
    std::cerr << "torchprov serve: --reads-need-token needs a token file, and " << options.token_file.string()
              << " does not exist (a read-only server creates none)\n";
    return 1;
  }
  if (created) {
    std::cout << "torchprov: created write token in " << options.token_file.string()
              << " (mode 0600); send it as 'Authorization: Bearer <token>'\n";
  }
  const int threads = std::max(1, options.threads);
  const std::size_t per_client =
      options.client_requests > 0 ? std::size_t(options.client_requests) : std::size_t(threads);
  const std::size_t client_waiting = options.client_waiting;
  const std::size_t client_connections = options.client_connections;
  const std::size_t body_limit = options.max_body_bytes;
  const std::string address = options.bind;
  const auto port = socket.port();
  Endpoint endpoint(data, std::move(options), std::move(tokens));

  // Two I/O threads move bytes (one alone capped point queries at ~8 k/s);
  // `threads` reader threads and the writer threads do the work.
  Workers workers(static_cast<std::size_t>(threads), data.serial_writes() ? 1 : static_cast<std::size_t>(threads),
                  per_client, client_waiting);
  net::io_context ioc(2);
  const bool ipv6 = socket.ipv6();
  std::make_shared<Listener>(ioc, ipv6 ? tcp::v6() : tcp::v4(), socket.release(), tls_context ? &*tls_context : nullptr,
                             endpoint, body_limit, workers, client_connections)
      ->run();
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::cout << "torchprov: SPARQL endpoint at " << (tls_context ? "https" : "http") << "://" << address << ":" << port
            << "/sparql" << std::endl;
  std::thread second_io([&] { ioc.run(); });
  ioc.run();
  second_io.join();
  workers.join();
  std::cout << "torchprov: stopped; flushing the store" << std::endl;
  data.flush();
  return 0;
}

}  // namespace

void check_tls_files(const ServerOptions& options) {
  server_tls_context(options);
  if (!options.ca_file.empty()) detail::tls_client_context({options.ca_file});
}

int serve(triplestore::Store& store, ServerOptions options) {
  auto socket = listen_or_report(options);
  if (!socket) return 1;
  return serve(store, std::move(options), std::move(*socket));
}

int serve(triplestore::Store& store, ServerOptions options, ListeningSocket socket) {
  EmbeddedStore data(store);
  return serve_data(data, store.directory(), std::move(options), std::move(socket));
}

int serve(const BackendOptions& backend, const std::filesystem::path& state_directory, ServerOptions options) {
  auto socket = listen_or_report(options);
  if (!socket) return 1;
  return serve(backend, state_directory, std::move(options), std::move(*socket));
}

int serve(const BackendOptions& backend, const std::filesystem::path& state_directory, ServerOptions options,
          ListeningSocket socket) {
  // Nothing is created (no folder, no token) with TLS files that cannot
  // be used or a store whose certificate is refused.
  try {
    check_tls_files(options);
    check_backend_trust(backend);
  } catch (const std::exception& error) {
    std::cerr << "torchprov serve: " << error.what() << "\n";
    return 1;
  }
  std::filesystem::create_directories(state_directory);
  // The journal has one writer: two servers sharing a folder would deliver
  // and confirm each other's batches.  Several servers may front one
  // store, each with its own folder.
  const auto lock = triplestore::files::StoreLock::exclusive(
      state_directory, "It is a torchprov server in front of the SPARQL store at " + backend.query_url +
                           "; another server in front of that store needs its own --store folder.");
  SparqlStore data(backend, state_directory);
  std::cout << "torchprov: data in " << data.describe() << "; journal in " << state_directory.string() << std::endl;
  return serve_data(data, state_directory, std::move(options), std::move(socket));
}

}  // namespace torchprov::endpoint
