// The HTTP/1.1 server: a listener accepts, a session reads a request, hands
// it to the Endpoint and writes the response back.  The lifetime of each
// session is held by shared_from_this.  N threads run the io_context.
#include <boost/asio/dispatch.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cstdio>
#include <iostream>
#include <thread>

#include "endpoint.h"

namespace torchprov::endpoint {
namespace {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, Endpoint& endpoint, std::size_t body_limit)
      : stream_(std::move(socket)), endpoint_(endpoint), body_limit_(body_limit) {}

  void run() { net::dispatch(stream_.get_executor(), beast::bind_front_handler(&Session::read, shared_from_this())); }

 private:
  void read() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(64 * 1024);
    stream_.expires_after(std::chrono::seconds(60));
    http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream || ec == beast::error::timeout || ec == net::error::connection_reset) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return send(text_response(http::status::payload_too_large,
                                "request body larger than the server's limit of " + std::to_string(body_limit_) + " bytes"),
                  /*close_after=*/true);
    }
    if (ec) {
      return send(text_response(http::status::bad_request, "malformed HTTP request: " + ec.message()), true);
    }
    Request request = parser_->release();
    // Queries are bounded by the query timeout; no deadline while one runs.
    stream_.expires_never();
    Reply reply = endpoint_.handle_streaming(request);
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
    stream_.expires_after(std::chrono::seconds(120));
    http::async_write_header(stream_, *header_serializer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->write_piece();
    });
  }

  void write_piece() {
    piece_.clear();
    bool more = false;
    try {
      while (piece_.empty() && (more = body_->next(piece_))) {
      }
    } catch (const std::exception& error) {
      // The status is sent already: end the connection without the last
      // chunk, so the client sees a truncated body, not a short result.
      std::cerr << "torchprov serve: result stream failed: " << error.what() << "\n";
      return close();
    }
    stream_.expires_after(std::chrono::seconds(120));
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
    stream_.expires_after(std::chrono::seconds(120));
    http::async_write(stream_, *response_,
                      [self = shared_from_this(), close_after](beast::error_code ec, std::size_t) {
                        if (ec || close_after) return self->close();
                        self->read();
                      });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
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
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(net::io_context& ioc, tcp::endpoint address, Endpoint& endpoint, std::size_t body_limit)
      : ioc_(ioc), acceptor_(net::make_strand(ioc)), endpoint_(endpoint), body_limit_(body_limit) {
    acceptor_.open(address.protocol());
    acceptor_.set_option(net::socket_base::reuse_address(true));
    acceptor_.bind(address);
    acceptor_.listen(net::socket_base::max_listen_connections);
  }
  void run() { accept(); }

 private:
  void accept() {
    acceptor_.async_accept(net::make_strand(ioc_), beast::bind_front_handler(&Listener::on_accept, shared_from_this()));
  }
  void on_accept(beast::error_code ec, tcp::socket socket) {
    if (!ec) std::make_shared<Session>(std::move(socket), endpoint_, body_limit_)->run();
    accept();
  }

  net::io_context& ioc_;
  tcp::acceptor acceptor_;
  Endpoint& endpoint_;
  std::size_t body_limit_;
};

}  // namespace

int serve(triplestore::Store& store, ServerOptions options) {
  if (options.token_file.empty()) options.token_file = store.directory() / "token";
  bool created = false;
  Tokens tokens = Tokens::load_or_create(options.token_file, created);
  if (created) {
    std::cout << "torchprov: created write token in " << options.token_file.string()
              << " (mode 0600); send it as 'Authorization: Bearer <token>'\n";
  }
  const int threads = std::max(1, options.threads);
  const std::size_t body_limit = options.max_body_bytes;
  const auto address = net::ip::make_address(options.bind);
  const auto port = options.port;
  Endpoint endpoint(store, std::move(options), std::move(tokens));

  net::io_context ioc(threads);
  try {
    std::make_shared<Listener>(ioc, tcp::endpoint{address, port}, endpoint, body_limit)->run();
  } catch (const std::exception& error) {
    std::cerr << "torchprov serve: cannot listen on " << address.to_string() << ":" << port << ": " << error.what() << "\n";
    return 1;
  }
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](beast::error_code, int) { ioc.stop(); });
  std::cout << "torchprov: SPARQL endpoint at http://" << address.to_string() << ":" << port << "/sparql" << std::endl;
  std::vector<std::thread> workers;
  for (int i = 1; i < threads; ++i) workers.emplace_back([&] { ioc.run(); });
  ioc.run();
  for (auto& t : workers) t.join();
  std::cout << "torchprov: stopped; flushing the store" << std::endl;
  store.flush();
  return 0;
}

}  // namespace torchprov::endpoint
