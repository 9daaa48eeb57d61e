// What the loopback benchmarks (`bench load`, `bench soak`) share: a
// `torchprov serve` child on a free port, keep-alive HTTP connections to it,
// and percentiles.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <sys/types.h>

#include <torchprov/command_line.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::bench::loopback {

namespace http = boost::beast::http;

// The options of every benchmark that starts its own server.
inline const cli::Option server_threads_option{.name = "--server-threads", .value = "N",
                                               .help = "the server's reader threads (0: its default)",
                                               .default_value = "0"};
inline const cli::Option server_option{.name = "--server", .value = "PATH", .help = "the torchprov program to start",
                                       .default_help = "this one"};
inline const cli::Option keep_option{.name = "--keep", .help = "keep the temporary store"};

unsigned short free_port();
// The p-quantile (0..1) of `values` (reorders them); 0 when empty.
double percentile(std::vector<double>& values, double p);

// One keep-alive HTTP/1.1 connection; reconnects once when the server closed it.
class Connection {
 public:
  explicit Connection(unsigned short port);
  http::response<http::string_body> send(http::verb method, const std::string& target, std::string body = {},
                                         std::string_view content_type = {}, const std::string& token = {},
                                         std::string_view accept = "application/sparql-results+json");

 private:
  void connect();
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::socket socket_{ioc_};
  boost::beast::flat_buffer buffer_;
  unsigned short port_;
};

// `EXE serve --store DIR/store --port PORT ARGS...` (EXE: this program when
// empty), its output in DIR/serve.log; stopped (SIGTERM, then SIGKILL) when
// this object goes, whatever happened.
class ServerProcess {
 public:
  ServerProcess(const std::string& exe, const std::filesystem::path& dir, unsigned short port,
                const std::vector<std::string>& args = {});
  ~ServerProcess() { stop(); }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  // Returns the exit status (-1 when it had to be killed).
  int stop();
  bool alive() const;
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
};

// Waits until the server answers /health; a connection to it, or null when
// it died or did not answer within ~10 s.
std::unique_ptr<Connection> wait_until_serving(const ServerProcess& server, unsigned short port);

}  // namespace torchprov::bench::loopback
