// A hyperparameter sweep over one of the example trainings: a grid or a random
// search over learning rate x batch size x optimizer (or any other option of
// the example), K trainings at a time as separate processes, all streaming
// their provenance into one torchprov server under one experiment name.  At
// the end the runs are ranked by the canned SPARQL query
// ontology/queries/02-runs-ranked-by-best-val-accuracy.rq, fetched from the
// server's /sparql as CSV.  It spawns processes and speaks HTTP; no torch.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#ifndef SWEEP_QUERIES_DIR
#define SWEEP_QUERIES_DIR "ontology/queries"
#endif

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr const char* kRankingQuery = "02-runs-ranked-by-best-val-accuracy.rq";

[[noreturn]] void usage(int code) {
  (code == 0 ? std::cout : std::cerr) <<
      R"(usage: sweep --example alexnet-fmnist|denseed|python-fmnist (--grid SPEC | --random N) [options] [-- example options]
Runs the example once per configuration, K at a time, all into one torchprov server,
and ranks the runs by best val accuracy (alexnet-fmnist, python-fmnist) or best val r2 (denseed).

  --example NAME        alexnet-fmnist | denseed | python-fmnist (examples/python/fmnist.py,
                        the Python package's example)
  --grid SPEC           e.g. 'lr=0.01,0.001;batch-size=32,64;optimizer=sgd,adam': every
                        combination; names are the example's options without '--'.
                        (--grid without '=', e.g. denseed's --grid 16, goes to the training.)
  --random N            N configurations: lr log-uniform in --lr-range, batch size from
                        --batch-sizes, optimizer from --optimizers
  --lr-range LO:HI      for --random (default 1e-4:1e-1)
  --batch-sizes LIST    for --random (default 32,64,128)
  --optimizers LIST     for --random (default sgd,adam)
  --random-seed N       for --random (default 1)
  --parallel K          trainings at a time (default 1)
  --experiment NAME     experiment of every run (default sweep-<example>-<date>-<time>)
  --endpoint URL        a running torchprov server (with --token-file F)
  --token-file F        its bearer token file
  --store DIR           without --endpoint: the store of the server the sweep starts and
                        stops itself (default WORK/store)
  --work-dir DIR        logs and checkpoints (default ./sweep-<experiment>)
  --queries DIR         the canned queries (default the source tree's ontology/queries)
  --torchprov PATH      the torchprov command (default next to the examples: ../torchprov)
Any other --name value (--epochs, --train-limit, --test-limit, --person, --seed, --samples,
...) goes to every training, as does everything after '--'. Without --threads each training
gets cores/K intra-op threads.
)";
  std::exit(code);
}

[[noreturn]] void die(const std::string& message) {
  std::cerr << "sweep: " << message << "\n";
  std::exit(2);
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, separator)) parts.push_back(part);
  if (!text.empty() && text.back() == separator) parts.emplace_back();
  return parts;
}

std::string trim(const std::string& text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t\r\n") - begin + 1);
}

// ---------------------------------------------------------------- HTTP ---

struct Url {
  std::string host, port = "80", prefix;  // prefix: path without the trailing '/'
};

Url parse_url(const std::string& url) {
  static const std::regex pattern(R"(http://([^/:]+|\[[^\]]+\])(?::(\d+))?(/.*)?)");
  std::smatch m;
  if (!std::regex_match(url, m, pattern)) die("--endpoint must be http://host[:port][/path], not " + url);
  Url u;
  u.host = m[1];
  if (u.host.front() == '[') u.host = u.host.substr(1, u.host.size() - 2);
  if (m[2].matched) u.port = m[2];
  u.prefix = m[3].matched ? std::string(m[3]) : "";
  while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  return u;
}

struct Reply {
  int status = 0;  // 0: no connection
  std::string body;
};

// One HTTP/1.1 request per connection ("Connection: close"); reads to EOF.
Reply http(const Url& url, const std::string& method, const std::string& path, const std::string& body = {},
           const std::map<std::string, std::string>& headers = {}) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(url.host.c_str(), url.port.c_str(), &hints, &found) != 0) return {};
  int fd = -1;
  for (auto* a = found; a; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    timeval timeout{120, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    close(fd);
    fd = -1;
  }
  freeaddrinfo(found);
  if (fd < 0) return {};
  std::string request = method + " " + url.prefix + path + " HTTP/1.1\r\nHost: " + url.host + ":" + url.port +
                        "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n" + body;
  for (std::size_t sent = 0; sent < request.size();) {
    const auto n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      close(fd);
      return {};
    }
    sent += std::size_t(n);
  }
  std::string raw;
  char buffer[16384];
  for (ssize_t n; (n = recv(fd, buffer, sizeof buffer, 0)) > 0;) raw.append(buffer, std::size_t(n));
  close(fd);
  const auto head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) return {};
  Reply reply;
  reply.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  std::string head = raw.substr(0, head_end);
  std::transform(head.begin(), head.end(), head.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  std::string rest = raw.substr(head_end + 4);
  if (head.find("transfer-encoding: chunked") != std::string::npos) {
    for (std::size_t at = 0;;) {
      const auto line_end = rest.find("\r\n", at);
      if (line_end == std::string::npos) break;
      const auto size = std::strtoul(rest.c_str() + at, nullptr, 16);
      if (size == 0) break;
      reply.body.append(rest, line_end + 2, size);
      at = line_end + 2 + size + 2;
    }
  } else {
    reply.body = std::move(rest);
  }
  return reply;
}

std::string form_encode(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(char(c));
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// RFC 4180 (the SPARQL CSV results format): quoted fields, CRLF rows.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = any = true;
    } else if (c == ',') {
      row.push_back(std::move(field)), field.clear(), any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) row.push_back(std::move(field));
      if (!row.empty()) rows.push_back(std::move(row));
      row.clear(), field.clear(), any = false;
    } else {
      field += c, any = true;
    }
  }
  if (any || !field.empty()) row.push_back(std::move(field));
  if (!row.empty()) rows.push_back(std::move(row));
  return rows;
}

// ----------------------------------------------------------- processes ---

volatile sig_atomic_t interrupted = 0;
void on_signal(int) { interrupted = 1; }

pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  const pid_t pid = fork();
  if (pid < 0) die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    std::fprintf(stderr, "sweep: cannot run %s: %s\n", args[0], std::strerror(errno));
    _exit(127);
  }
  return pid;
}

int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    die("no free port");
  const int port = ntohs(address.sin_port);
  close(fd);
  return port;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// -------------------------------------------------------- configurations ---

using Config = std::vector<std::pair<std::string, std::string>>;  // option name (no --), value

std::string describe(const Config& config) {
  std::string text;
  for (const auto& [name, value] : config) text += (text.empty() ? "" : " ") + name + "=" + value;
  return text;
}

std::vector<Config> grid_configs(const std::string& spec) {
  std::vector<std::pair<std::string, std::vector<std::string>>> axes;
  for (const auto& axis : split(spec, ';')) {
    if (trim(axis).empty()) continue;
    const auto eq = axis.find('=');
    if (eq == std::string::npos) die("--grid: '" + axis + "' is not name=v1,v2,...");
    std::string name = trim(axis.substr(0, eq));
    if (name.starts_with("--")) name = name.substr(2);
    std::vector<std::string> values;
    for (const auto& v : split(axis.substr(eq + 1), ',')) {
      if (!trim(v).empty()) values.push_back(trim(v));
    }
    if (name.empty() || values.empty()) die("--grid: '" + axis + "' has no name or no values");
    axes.emplace_back(name, values);
  }
  if (axes.empty()) die("--grid is empty");
  std::vector<Config> configs{{}};
  for (const auto& [name, values] : axes) {
    std::vector<Config> next;
    for (const auto& config : configs) {
      for (const auto& value : values) {
        auto c = config;
        c.emplace_back(name, value);
        next.push_back(std::move(c));
      }
    }
    configs = std::move(next);
  }
  return configs;
}

std::string short_number(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}

std::vector<Config> random_configs(int n, const std::string& lr_range, const std::string& batch_sizes,
                                   const std::string& optimizers, unsigned seed) {
  const auto range = split(lr_range, ':');
  if (range.size() != 2) die("--lr-range must be LO:HI");
  const double lo = std::stod(range[0]), hi = std::stod(range[1]);
  if (!(lo > 0) || !(hi >= lo)) die("--lr-range must be 0 < LO <= HI");
  const auto sizes = split(batch_sizes, ','), names = split(optimizers, ',');
  if (sizes.empty() || names.empty()) die("--batch-sizes and --optimizers need values");
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> exponent(std::log10(lo), std::log10(hi));
  std::vector<Config> configs;
  for (int i = 0; i < n; ++i) {
    const double lr = std::pow(10.0, exponent(random));
    configs.push_back({{"lr", short_number(lr)},
                       {"batch-size", sizes[std::uniform_int_distribution<std::size_t>(0, sizes.size() - 1)(random)]},
                       {"optimizer", names[std::uniform_int_distribution<std::size_t>(0, names.size() - 1)(random)]}});
  }
  return configs;
}

// What a finished training printed: its run and its best validation value.
struct Outcome {
  std::string run_id;
  int epochs = 0, best_epoch = 0;
  double best = -INFINITY;
};

Outcome read_log(const fs::path& log, const std::string& metric_label) {
  Outcome outcome;
  std::ifstream in(log);
  static const std::regex run(R"(; run https?://\S*/run/([0-9A-Za-z-]+))");
  static const std::regex epoch(R"(^epoch (\d+)/\d+ )");
  const std::regex value(" " + metric_label + R"( ([-+0-9.eE]+|nan|-?inf))");
  std::smatch m;
  for (std::string line; std::getline(in, line);) {
    if (outcome.run_id.empty() && std::regex_search(line, m, run)) outcome.run_id = m[1];
    if (std::regex_search(line, m, epoch)) {
      const int e = std::stoi(m[1]);
      outcome.epochs = e;
      if (std::regex_search(line, m, value)) {
        const double v = std::strtod(std::string(m[1]).c_str(), nullptr);
        if (v > outcome.best) outcome.best = v, outcome.best_epoch = e;
      }
    }
  }
  return outcome;
}

std::string seconds_text(double s) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", s);
  return text;
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      std::string cell = rows[r][i];
      if (i + 1 < rows[r].size()) cell.resize(widths[i], ' ');
      line += (i ? "  " : "") + cell;
    }
    std::cout << line << "\n";
    if (r == 0) {
      std::string rule;
      for (std::size_t i = 0; i < widths.size(); ++i) rule += (i ? "  " : "") + std::string(widths[i], '-');
      std::cout << rule << "\n";
    }
  }
}

// Replaces the one occurrence of `from` outside comments (a '#' earlier on its line).
std::string replace_once(std::string text, const std::string& from, const std::string& to, const fs::path& file) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + 1)) {
    const auto line_start = text.rfind('\n', at);
    const auto line = text.substr(line_start == std::string::npos ? 0 : line_start + 1,
                                  at - (line_start == std::string::npos ? 0 : line_start + 1));
    if (line.find('#') == std::string::npos) return text.replace(at, from.size(), to);
  }
  die(file.string() + " has no '" + from + "' to set");
}

std::string sparql_string(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else out += c;
  }
  return out + "\"";
}

}  // namespace

int main(int argc, char** argv) try {
  std::string example, grid, lr_range = "1e-4:1e-1", batch_sizes = "32,64,128", optimizers = "sgd,adam";
  std::string experiment, endpoint, token_file, store, work_dir, queries_dir = SWEEP_QUERIES_DIR, torchprov;
  int random_n = 0, parallel = 1;
  unsigned random_seed = 1;
  std::vector<std::string> passthrough;
  bool threads_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") usage(0);
    if (arg == "--") {
      for (++i; i < argc; ++i) {
        passthrough.emplace_back(argv[i]);
        if (passthrough.back() == "--threads") threads_given = true;
      }
      break;
    }
    if (!arg.starts_with("--") || i + 1 >= argc) die((arg.starts_with("--") ? "missing value for " : "unexpected argument ") + arg);
    const std::string name = arg.substr(2), value = argv[++i];
    try {
      if (name == "example") example = value;
      else if (name == "grid" && value.find('=') != std::string::npos) grid = value;
      else if (name == "random") random_n = std::stoi(value);
      else if (name == "lr-range") lr_range = value;
      else if (name == "batch-sizes") batch_sizes = value;
      else if (name == "optimizers") optimizers = value;
      else if (name == "random-seed") random_seed = unsigned(std::stoul(value));
      else if (name == "parallel") parallel = std::stoi(value);
      else if (name == "experiment") experiment = value;
      else if (name == "endpoint") endpoint = value;
      else if (name == "token-file") token_file = value;
      else if (name == "store") store = value;
      else if (name == "work-dir") work_dir = value;
      else if (name == "queries") queries_dir = value;
      else if (name == "torchprov") torchprov = value;
      else if (name == "out" || name == "checkpoint-dir") die("--" + name + " is set by the sweep for each training");
      else {
        if (name == "threads") threads_given = true;
        passthrough.push_back(arg);
        passthrough.push_back(value);
      }
    } catch (const std::logic_error&) {
      die("bad value '" + value + "' for " + arg);
    }
  }
  if (example != "alexnet-fmnist" && example != "denseed" && example != "python-fmnist")
    die("--example must be alexnet-fmnist, denseed or python-fmnist");
  if (grid.empty() == (random_n <= 0)) die("give one of --grid SPEC and --random N");
  if (parallel < 1) die("--parallel must be at least 1");
  if (!endpoint.empty() && !store.empty()) die("give --endpoint or --store, not both");

  const fs::path self = fs::canonical("/proc/self/exe").parent_path();
  const fs::path example_binary = self / example;
  if (!fs::exists(example_binary)) die("no " + example_binary.string());
  if (torchprov.empty()) torchprov = (self.parent_path() / "torchprov").string();
  const fs::path ranking_file = fs::path(queries_dir) / kRankingQuery;
  const std::string ranking_template = read_file(ranking_file);  // fail early, before training

  const auto configs = !grid.empty() ? grid_configs(grid)
                                     : random_configs(random_n, lr_range, batch_sizes, optimizers, random_seed);
  if (experiment.empty()) experiment = "sweep-" + example + "-" + timestamp();
  if (work_dir.empty()) work_dir = "sweep-" + experiment;
  fs::create_directories(work_dir);
  const fs::path work = fs::absolute(work_dir);
  if (!threads_given) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    passthrough.push_back("--threads");
    passthrough.push_back(std::to_string(std::max(1u, cores / unsigned(parallel))));
  }
  setenv("OMP_WAIT_POLICY", "PASSIVE", /*overwrite=*/0);  // idle OpenMP threads must not spin

  struct sigaction action {};
  action.sa_handler = on_signal;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);

  // The server: the one given, or one of our own over --store.
  pid_t server = 0;
  if (endpoint.empty()) {
    if (store.empty()) store = (work / "store").string();
    const int port = free_port();
    endpoint = "http://127.0.0.1:" + std::to_string(port);
    server = spawn({torchprov, "serve", "--store", store, "--port", std::to_string(port)}, work / "serve.log");
    token_file = (fs::path(store) / "token").string();
  }
  const Url url = parse_url(endpoint);
  auto stop_server = [&] {
    if (server > 0) {
      kill(server, SIGTERM);
      waitpid(server, nullptr, 0);
      server = 0;
    }
  };
  {
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (http(url, "GET", "/health").status != 200) {
      int status = 0;
      if (server > 0 && waitpid(server, &status, WNOHANG) == server) {
        server = 0;
        die("torchprov serve exited; see " + (work / "serve.log").string());
      }
      if (Clock::now() > deadline || interrupted) {
        stop_server();
        die("no server answers at " + endpoint + "/health");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  std::cout << "sweep: " << configs.size() << " configurations of " << example << ", " << parallel
            << " at a time, experiment " << experiment << ", server " << endpoint
            << (server > 0 ? " (store " + store + ")" : "") << ", logs in " << work.string() << "\n"
            << std::flush;

  // The trainings, `parallel` at a time.
  const std::string metric_label = example == "denseed" ? "val r2" : "val_acc";
  struct Job {
    std::size_t index;
    Clock::time_point started;
  };
  std::map<pid_t, Job> running;
  std::vector<Outcome> outcomes(configs.size());
  std::vector<bool> succeeded(configs.size(), false);
  std::size_t next = 0, finished = 0, failures = 0;
  auto log_of = [&](std::size_t i) {
    char name[32];
    std::snprintf(name, sizeof name, "%02zu.log", i + 1);
    return work / name;
  };
  while ((next < configs.size() || !running.empty()) && !interrupted) {
    while (next < configs.size() && running.size() < std::size_t(parallel)) {
      std::vector<std::string> args{example_binary.string()};
      for (const auto& [name, value] : configs[next]) args.insert(args.end(), {"--" + name, value});
      args.insert(args.end(), passthrough.begin(), passthrough.end());
      const fs::path checkpoints = work / ("checkpoints-" + std::to_string(next + 1));
      fs::create_directories(checkpoints);
      args.insert(args.end(), {"--experiment", experiment, "--endpoint", endpoint, "--checkpoint-dir", checkpoints.string()});
      if (!token_file.empty()) args.insert(args.end(), {"--token-file", token_file});
      running[spawn(args, log_of(next))] = {next, Clock::now()};
      ++next;
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, 0);
    if (pid < 0) continue;  // interrupted
    if (pid == server) {
      server = 0;
      std::cerr << "sweep: torchprov serve exited; see " << (work / "serve.log").string() << "\n";
      interrupted = 1;
      break;
    }
    const auto job = running.find(pid);
    if (job == running.end()) continue;
    const std::size_t i = job->second.index;
    const double seconds = std::chrono::duration<double>(Clock::now() - job->second.started).count();
    running.erase(job);
    ++finished;
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    outcomes[i] = read_log(log_of(i), metric_label);
    succeeded[i] = ok;
    char line[512];
    if (ok) {
      std::snprintf(line, sizeof line, "[%zu/%zu] %-40s %s  best %s %.4f (epoch %d of %d)  run %s", finished,
                    configs.size(), describe(configs[i]).c_str(), seconds_text(seconds).c_str(), metric_label.c_str(),
                    outcomes[i].best, outcomes[i].best_epoch, outcomes[i].epochs, outcomes[i].run_id.c_str());
    } else {
      ++failures;
      std::snprintf(line, sizeof line, "[%zu/%zu] %-40s FAILED (%s %d) after %s, see %s", finished, configs.size(),
                    describe(configs[i]).c_str(), WIFEXITED(status) ? "exit" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), seconds_text(seconds).c_str(),
                    log_of(i).c_str());
    }
    std::cout << line << "\n" << std::flush;
  }
  if (interrupted) {
    for (const auto& [pid, job] : running) kill(pid, SIGTERM);
    for (const auto& [pid, job] : running) waitpid(pid, nullptr, 0);
    stop_server();
    std::cerr << "sweep: interrupted\n";
    return 130;
  }

  // The ranking: the canned query, restricted to this experiment, through /sparql.
  std::string query = replace_once(ranking_template, "VALUES ?onlyExperiment { UNDEF }",
                                   "VALUES ?onlyExperiment { " + sparql_string(experiment) + " }", ranking_file);
  if (example == "denseed") {
    query = replace_once(query, "VALUES ?metric { \"accuracy\" }", "VALUES ?metric { \"r2\" }", ranking_file);
  }
  {
    std::ofstream rq(work / "ranking.rq", std::ios::binary);
    rq << query;
  }
  const Reply reply = http(url, "POST", "/sparql", "query=" + form_encode(query),
                           {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "text/csv"}});
  stop_server();
  if (reply.status != 200) {
    std::cerr << "sweep: the ranking query failed (HTTP " << reply.status << "): " << reply.body.substr(0, 500) << "\n";
    return 1;
  }
  {
    std::ofstream csv(work / "ranking.csv", std::ios::binary);
    csv << reply.body;
  }
  const auto rows = parse_csv(reply.body);
  if (rows.empty()) {
    std::cerr << "sweep: the ranking query answered nothing\n";
    return 1;
  }
  // Drop the columns every row shares with the sweep (experiment, metric) and
  // those empty everywhere; add the rank and the sweep's own name for the run.
  const auto& header = rows.front();
  std::map<std::string, std::string> config_of;
  for (std::size_t i = 0; i < configs.size(); ++i)
    if (!outcomes[i].run_id.empty()) config_of[outcomes[i].run_id] = describe(configs[i]);
  std::vector<std::size_t> keep;
  std::size_t run_column = header.size();
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (header[c] == "runId") run_column = c;
    if (header[c] == "experiment" || header[c] == "metric") continue;
    bool any = false;
    for (std::size_t r = 1; r < rows.size(); ++r) any = any || (c < rows[r].size() && !rows[r][c].empty());
    if (any) keep.push_back(c);
  }
  std::vector<std::vector<std::string>> table;
  const std::string best_name = example == "denseed" ? "bestValR2" : "bestValAccuracy";
  table.push_back({"rank"});
  for (auto c : keep) table.back().push_back(header[c] == "bestValue" ? best_name : header[c]);
  table.back().push_back("configuration");
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::vector<std::string> out{std::to_string(r)};
    for (auto c : keep) {
      std::string cell = c < rows[r].size() ? rows[r][c] : "";
      if (header[c] == "bestValue" && !cell.empty()) {
        char text[32];
        std::snprintf(text, sizeof text, "%.4f", std::strtod(cell.c_str(), nullptr));
        cell = text;
      }
      out.push_back(cell);
    }
    const std::string run = run_column < rows[r].size() ? rows[r][run_column] : "";
    out.push_back(config_of.count(run) ? config_of[run] : "(not of this sweep)");
    table.push_back(std::move(out));
  }
  std::cout << "\nranking of experiment " << experiment << " by best val "
            << (example == "denseed" ? "r2" : "accuracy") << " (" << kRankingQuery << " via " << endpoint
            << "/sparql; the query and its CSV answer are in " << work.string() << "/ranking.rq, ranking.csv):\n";
  print_table(table);
  std::size_t missing = 0;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    if (!succeeded[i]) continue;
    bool listed = false;
    for (std::size_t r = 1; r < rows.size(); ++r)
      listed = listed || (run_column < rows[r].size() && rows[r][run_column] == outcomes[i].run_id);
    if (!listed) {
      ++missing;
      std::cerr << "sweep: the ranking does not list the run of " << describe(configs[i]) << " ("
                << (outcomes[i].run_id.empty() ? "no run id in its log" : outcomes[i].run_id) << ")\n";
    }
  }
  if (missing) return 1;
  if (failures) std::cerr << "sweep: " << failures << " of " << configs.size() << " trainings failed\n";
  return failures ? 1 : 0;
} catch (const std::exception& error) {
  std::cerr << "sweep: " << error.what() << "\n";
  return 2;
}
