#include "loopback.h"

#include <boost/asio/connect.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace torchprov::bench::loopback {

namespace beast = boost::beast;
namespace net = boost::asio;
using tcp = net::ip::tcp;

unsigned short free_port() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const std::size_t k = std::min(v.size() - 1, std::size_t(p * double(v.size() - 1) + 0.5));
  std::nth_element(v.begin(), v.begin() + std::ptrdiff_t(k), v.end());
  return v[k];
}

Connection::Connection(unsigned short port) : port_(port) { connect(); }

http::response<http::string_body> Connection::send(http::verb method, const std::string& target, std::string body,
                                                   std::string_view content_type, const std::string& token,
                                                   std::string_view accept) {
  http::request<http::string_body> request{method, target, 11};
  request.set(http::field::host, "127.0.0.1");
  if (!accept.empty()) request.set(http::field::accept, accept);
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  request.keep_alive(true);
  request.body() = std::move(body);
  request.prepare_payload();
  for (int attempt = 0;; ++attempt) {
    try {
      http::write(socket_, request);
      http::response_parser<http::string_body> parser;
      parser.body_limit(std::uint64_t(1) << 32);
      http::read(socket_, buffer_, parser);
      auto response = parser.release();
      if (!response.keep_alive()) connect();
      return response;
    } catch (const boost::system::system_error&) {
      if (attempt > 0) throw;
      connect();
    }
  }
}

void Connection::connect() {
  beast::error_code ignored;
  socket_.close(ignored);
  buffer_.clear();
  socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  socket_.set_option(tcp::no_delay(true));
}

ServerProcess::ServerProcess(const std::string& exe_or_empty, const std::filesystem::path& dir, unsigned short port,
                             const std::vector<std::string>& extra) {
  const std::string exe = exe_or_empty.empty() ? std::filesystem::read_symlink("/proc/self/exe").string() : exe_or_empty;
  std::vector<std::string> args = {exe,    "serve",     "--store", (dir / "store").string(), "--port",
                                   std::to_string(port), "--bind", "127.0.0.1", "--cors", "none"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log = (dir / "serve.log").string();
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const int rc = posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) throw std::runtime_error("cannot start " + exe + ": " + std::strerror(rc));
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  // A clean stop writes a snapshot: give it time.
  for (int i = 0; i < 1200; ++i) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = 0;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = 0;
  return -1;
}

bool ServerProcess::alive() const { return pid_ > 0 && ::waitpid(pid_, nullptr, WNOHANG) == 0; }

std::unique_ptr<Connection> wait_until_serving(const ServerProcess& server, unsigned short port) {
  for (int i = 0; i < 200; ++i) {
    try {
      auto connection = std::make_unique<Connection>(port);
      if (connection->send(http::verb::get, "/health").result() == http::status::ok) return connection;
    } catch (const std::exception&) {
    }
    if (!server.alive()) return nullptr;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return nullptr;
}

}  // namespace torchprov::bench::loopback
