// `torchprov bench load`: the endpoint under a mixed read/write load.
//
// Starts `torchprov serve` as a child on a free loopback port with a fresh
// temporary store, loads synthetic provenance (RUNS runs x EPOCHS epochs, four
// metric values per epoch, one named graph per run), then for a fixed time
// runs, over keep-alive connections:
//   point    SELECT ?p ?o WHERE { <one metric value> ?p ?o }
//   analysis best validation accuracy per run (GROUP BY / MAX over all runs)
// while one more connection POSTs N-Quads of new runs to /data at a fixed
// rate.  Prints throughput and p50/p99 latency per kind, and the ingest rate
// actually held.  Everything is bounded: at most 300 s, 256 connections, and
// the server goes away (SIGTERM, then SIGKILL) whatever happens.
#include "benchmarks.h"
#include "loopback.h"

#include "http_client.h"

#include "progress_line.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <signal.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using torchprov::bench::loopback::Connection;
using torchprov::bench::loopback::free_port;
using torchprov::bench::loopback::percentile;
using torchprov::bench::loopback::ServerProcess;
using torchprov::detail::percent_encode;

namespace cli = torchprov::cli;

// From the command line; the defaults are in load_command's table.
struct Options {
  double seconds = 0;
  int connections = 0;
  int analysis_connections = 0;
  int runs = 0;
  int epochs = 0;
  double ingest_rate = 0;  // triples/s; 0: no writer
  int batch_ms = 0;        // the writer POSTs every batch_ms
  int server_threads = 0;  // 0: the server's default
  std::string server;      // the torchprov executable; default: this one
  bool keep = false;       // keep the temporary store
};

const std::string kProv = "http://www.w3.org/ns/prov#";
const std::string kDl = "https://w3id.org/torchprov/dl#";
const std::string kRdfType = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>";
const std::string kXsd = "http://www.w3.org/2001/XMLSchema#";
const char* const kSplits[] = {"train", "val"};
const char* const kNames[] = {"loss", "accuracy"};

std::string run_iri(const std::string& run) { return "https://w3id.org/torchprov/run/" + run; }
std::string metric_iri(const std::string& run, int epoch, const char* split, const char* name) {
  return run_iri(run) + "/epoch/" + std::to_string(epoch) + "/metric/" + split + "/" + name;
}

// N-Quads of one run's epochs [first, last], in the run's own graph; the run
// node itself with the first epoch.  Returns the number of quads appended.
std::size_t append_epochs(std::string& out, const std::string& run, int first, int last, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> noise(0.0, 0.05);
  const std::string r = "<" + run_iri(run) + ">";
  const std::string g = " <" + run_iri(run) + "/graph> .\n";
  std::size_t n = 0;
  auto quad = [&](const std::string& s, const std::string& p, const std::string& o) {
    out += s;
    out += ' ';
    out += p;
    out += ' ';
    out += o;
    out += g;
    ++n;
  };
  if (first == 1) {
    quad(r, kRdfType, "<" + kProv + "Activity>");
    quad(r, kRdfType, "<" + kDl + "TrainingRun>");
    quad(r, "<" + kDl + "runId>", "\"" + run + "\"");
    quad(r, "<" + kProv + "startedAtTime>", "\"2024-01-01T00:00:00Z\"^^<" + kXsd + "dateTime>");
  }
  for (int e = first; e <= last; ++e) {
    const std::string epoch = "<" + run_iri(run) + "/epoch/" + std::to_string(e) + ">";
    quad(epoch, kRdfType, "<" + kDl + "Epoch>");
    quad(epoch, "<" + kDl + "epochNumber>", "\"" + std::to_string(e) + "\"^^<" + kXsd + "integer>");
    quad(epoch, "<" + kDl + "partOfRun>", r);
    quad(epoch, "<" + kProv + "wasInformedBy>", r);
    for (const char* split : kSplits) {
      for (const char* name : kNames) {
        const std::string m = "<" + metric_iri(run, e, split, name) + ">";
        const double progress = double(e) / (e + 10.0);
        const double value = std::strcmp(name, "loss") == 0 ? 2.3 * (1 - progress) + noise(rng) : progress - noise(rng);
        char lexical[32];
        std::snprintf(lexical, sizeof lexical, "%.6f", value);
        quad(m, kRdfType, "<" + kDl + "MetricValue>");
        quad(m, "<" + kDl + "name>", std::string("\"") + name + "\"");
        quad(m, "<" + kDl + "split>", std::string("\"") + split + "\"");
        quad(m, "<" + kProv + "value>", std::string("\"") + lexical + "\"^^<" + kXsd + "double>");
        quad(m, "<" + kProv + "wasGeneratedBy>", epoch);
      }
    }
  }
  return n;
}

struct Samples {
  std::vector<double> ms;
  std::size_t errors = 0;
  std::size_t items = 0;  // triples, for the writer
  std::string first_error;
};

Samples merge(std::vector<Samples>& parts) {
  Samples all;
  for (auto& p : parts) {
    all.ms.insert(all.ms.end(), p.ms.begin(), p.ms.end());
    all.errors += p.errors;
    all.items += p.items;
    if (all.first_error.empty()) all.first_error = p.first_error;
  }
  return all;
}

void note_error(Samples& s, const std::string& what) {
  ++s.errors;
  if (s.first_error.empty()) s.first_error = what;
}

Options parse(const cli::Arguments& args) {
  Options o;
  o.seconds = args.number("--seconds", 0.1, 300);
  o.connections = int(args.integer("--connections", 1, 256));
  o.analysis_connections = std::clamp(int(args.integer("--analysis-connections", 0, 256)), 0, o.connections - 1);
  o.runs = int(args.integer("--runs", 1, 10000));
  o.epochs = int(args.integer("--epochs", 1, 10000));
  if (double(o.runs) * o.epochs > 2e6) throw cli::UsageError("--runs x --epochs: at most 2,000,000 epochs in all");
  o.ingest_rate = args.number("--ingest-rate", 0, 1e7);
  o.batch_ms = int(args.integer("--batch-ms", 1, 10000));
  o.server_threads = int(args.integer("--server-threads", 0, 256));
  o.server = args.value("--server");
  o.keep = args.has("--keep");
  return o;
}

int run(const Options& options) {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/torchprov-load-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create a temporary directory in " + pattern);
  const std::filesystem::path dir = pattern;
  struct Cleanup {
    std::filesystem::path dir;
    bool keep;
    ~Cleanup() {
      std::error_code ec;
      if (!keep) std::filesystem::remove_all(dir, ec);
    }
  } cleanup{dir, options.keep};

  const unsigned short port = free_port();
  std::vector<std::string> server_args;
  if (options.server_threads > 0) server_args = {"--threads", std::to_string(options.server_threads)};
  ServerProcess server(options.server, dir, port, server_args);
  std::unique_ptr<Connection> admin = torchprov::bench::loopback::wait_until_serving(server, port);
  if (!admin) {
    std::ifstream log(dir / "serve.log");
    std::fprintf(stderr, "torchprov bench load: the server did not start:\n%s\n",
                 std::string(std::istreambuf_iterator<char>(log), {}).c_str());
    return 1;
  }
  std::string token;
  {
    std::ifstream in(dir / "store" / "token");
    in >> token;
  }

  // Load the synthetic provenance, one POST per run.
  std::mt19937_64 rng(42);
  std::size_t loaded = 0;
  const auto load_start = Clock::now();
  for (int r = 0; r < options.runs; ++r) {
    std::string body;
    loaded += append_epochs(body, "bench-" + std::to_string(r), 1, options.epochs, rng);
    const auto response = admin->send(http::verb::post, "/data", std::move(body), "application/n-quads", token);
    if (response.result_int() >= 300) {
      std::fprintf(stderr, "torchprov bench load: loading failed: %d %s\n", response.result_int(), response.body().c_str());
      return 1;
    }
  }
  const double load_s = std::chrono::duration<double>(Clock::now() - load_start).count();
  std::printf("torchprov bench load: %d runs x %d epochs = %zu triples loaded in %.2f s (%.0f triples/s)\n",
              options.runs, options.epochs, loaded, load_s, double(loaded) / load_s);

  const std::string point_prefix = "/sparql?query=";
  const std::string analysis_query =
      "/sparql?query=" +
      percent_encode("PREFIX prov: <" + kProv + "> PREFIX dl: <" + kDl +
                 "> SELECT ?run (MAX(?acc) AS ?best) WHERE { ?e dl:partOfRun ?run . ?m prov:wasGeneratedBy ?e ; "
                 "dl:name \"accuracy\" ; dl:split \"val\" ; prov:value ?acc } GROUP BY ?run");

  const int point_connections = options.connections - options.analysis_connections;
  std::vector<Samples> point(point_connections), analysis(options.analysis_connections), ingest(1);
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  Clock::time_point start, deadline;
  const auto wait_for_start = [&] {
    ++ready;
    while (!go.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));
  };
  const std::size_t total = std::size_t(options.connections) + (options.ingest_rate > 0 ? 1 : 0);

  std::vector<std::thread> threads;
  for (int c = 0; c < options.connections; ++c) {
    const bool is_point = c < point_connections;
    Samples& s = is_point ? point[c] : analysis[c - point_connections];
    threads.emplace_back([&, is_point, c] {
      std::mt19937_64 local(1000 + c);
      std::unique_ptr<Connection> conn;
      try {
        conn = std::make_unique<Connection>(port);
      } catch (const std::exception& e) {
        note_error(s, e.what());
      }
      wait_for_start();
      if (!conn) return;
      std::uniform_int_distribution<int> pick_run(0, options.runs - 1), pick_epoch(1, options.epochs), pick(0, 1);
      while (Clock::now() < deadline) {
        std::string target;
        if (is_point) {
          const std::string subject = metric_iri("bench-" + std::to_string(pick_run(local)), pick_epoch(local),
                                                 kSplits[pick(local)], kNames[pick(local)]);
          target = point_prefix + percent_encode("SELECT ?p ?o WHERE { <" + subject + "> ?p ?o }");
        } else {
          target = analysis_query;
        }
        const auto t0 = Clock::now();
        try {
          const auto response = conn->send(http::verb::get, target);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          if (response.result() != http::status::ok) {
            note_error(s, std::to_string(response.result_int()) + " " + response.body().substr(0, 200));
          } else if (is_point && response.body().find("\"value\"") == std::string::npos) {
            note_error(s, "empty point result");
          } else {
            s.ms.push_back(ms);
          }
        } catch (const std::exception& e) {
          note_error(s, e.what());
          try {
            conn = std::make_unique<Connection>(port);
          } catch (const std::exception&) {
            return;
          }
        }
      }
    });
  }
  if (options.ingest_rate > 0) {
    threads.emplace_back([&] {
      Samples& s = ingest[0];
      std::mt19937_64 local(7);
      std::unique_ptr<Connection> conn;
      try {
        conn = std::make_unique<Connection>(port);
      } catch (const std::exception& e) {
        note_error(s, e.what());
      }
      wait_for_start();
      if (!conn) return;
      // A batch every batch_ms; when behind, the next batch goes at once (no
      // skipping), so what is held shows in the triples acknowledged.
      const auto period = std::chrono::milliseconds(options.batch_ms);
      const double per_batch = options.ingest_rate * options.batch_ms / 1000.0;
      auto next = start;
      int run_number = options.runs, epoch = 1;
      double owed = 0;
      while (Clock::now() < deadline) {
        std::this_thread::sleep_until(next);
        if (Clock::now() >= deadline) break;
        next += period;
        owed += per_batch;
        std::string body;
        std::size_t n = 0;
        while (double(n) < owed) {
          n += append_epochs(body, "ingest-" + std::to_string(run_number), epoch, epoch, local);
          if (++epoch > options.epochs) {
            epoch = 1;
            ++run_number;
          }
        }
        owed -= double(n);
        const auto t0 = Clock::now();
        try {
          const auto response = conn->send(http::verb::post, "/data", std::move(body), "application/n-quads", token);
          const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
          if (response.result_int() >= 300) {
            note_error(s, std::to_string(response.result_int()) + " " + response.body().substr(0, 200));
          } else {
            s.ms.push_back(ms);
            s.items += n;
          }
        } catch (const std::exception& e) {
          note_error(s, e.what());
          return;
        }
      }
    });
  }
  while (ready.load() < int(total)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  start = Clock::now();
  deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.seconds));
  go = true;
  {
    ProgressLine progress;
    for (auto now = Clock::now(); now < deadline; now = Clock::now()) {
      progress.report({.task = "bench load", .unit = "seconds",
                       .done = std::uint64_t(std::chrono::duration_cast<std::chrono::seconds>(now - start).count()),
                       .total = std::uint64_t(std::ceil(options.seconds))});
      std::this_thread::sleep_for(std::min<Clock::duration>(deadline - now, std::chrono::milliseconds(100)));
    }
    progress.finish();
  }
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  Samples p = merge(point), a = merge(analysis), w = merge(ingest);
  std::printf("%.1f s, %d connections (%d point, %d analysis)%s, server %s reader threads, %u hardware threads here\n",
              elapsed, options.connections, point_connections, options.analysis_connections,
              options.ingest_rate > 0 ? " + 1 writer" : "",
              options.server_threads > 0 ? std::to_string(options.server_threads).c_str() : "default (4)",
              std::thread::hardware_concurrency());
  std::printf("%-9s %10s %7s %10s %9s %9s %9s\n", "kind", "requests", "errors", "req/s", "p50 ms", "p99 ms", "max ms");
  auto row = [&](const char* name, Samples& s) {
    const double max = s.ms.empty() ? 0 : *std::max_element(s.ms.begin(), s.ms.end());
    const double p50 = percentile(s.ms, 0.50), p99 = percentile(s.ms, 0.99);
    std::printf("%-9s %10zu %7zu %10.1f %9.2f %9.2f %9.2f\n", name, s.ms.size(), s.errors, double(s.ms.size()) / elapsed,
                p50, p99, max);
    if (!s.first_error.empty()) std::printf("          first error: %s\n", s.first_error.c_str());
    return std::pair{double(s.ms.size()) / elapsed, p99};
  };
  const auto [point_rate, point_p99] = row("point", p);
  if (options.analysis_connections > 0) row("analysis", a);
  double held = 0;
  if (options.ingest_rate > 0) {
    row("ingest", w);
    held = double(w.items) / elapsed;
    std::printf("ingest: %zu triples in %.1f s = %.0f triples/s held (target %.0f, a POST every %d ms)\n", w.items,
                elapsed, held, options.ingest_rate, options.batch_ms);
  }
  const bool rate_ok = point_rate >= 2000, p99_ok = point_p99 <= 50,
             ingest_ok = options.ingest_rate <= 0 || held >= 0.95 * options.ingest_rate;
  std::printf("targets: point >= 2000/s %s, point p99 <= 50 ms %s, ingest held %s\n", rate_ok ? "met" : "MISSED",
              p99_ok ? "met" : "MISSED", ingest_ok ? "met" : "MISSED");
  server.stop();
  return 0;
}

}  // namespace

namespace torchprov::bench {

const cli::Command load_command{
    .name = "bench load",
    .summary = "The endpoint under load: point and analysis SELECTs over keep-alive connections while a writer "
               "ingests N-Quads; throughput and p50 / p99 latency.",
    .options =
        {
            {.name = "--seconds", .value = "S", .help = "how long the timed phase runs (at most 300)", .default_value = "10"},
            {.name = "--connections", .value = "N", .help = "query connections in all (at most 256)", .default_value = "16"},
            {.name = "--analysis-connections", .value = "N", .help = "of which run the analysis SELECT", .default_value = "2"},
            {.name = "--runs", .value = "N", .help = "synthetic runs loaded first", .default_value = "100"},
            {.name = "--epochs", .value = "N", .help = "epochs per synthetic run", .default_value = "50"},
            {.name = "--ingest-rate", .value = "X", .help = "triples/s the writer POSTs (0: no writer)", .default_value = "10000"},
            {.name = "--batch-ms", .value = "N", .help = "the writer POSTs every N ms", .default_value = "100"},
            loopback::server_threads_option,
            loopback::server_option,
            loopback::keep_option,
        },
    .details = "Starts `torchprov serve` on a free loopback port with a temporary store; the writer POSTs\n"
               "application/n-quads (.nq) to /data, the queries ask for application/sparql-results+json.\n"
               "Everything is bounded: the server goes away (SIGTERM, then SIGKILL) whatever happens.",
    .example = "torchprov bench load --seconds 10 --connections 16",
    .run =
        [](const cli::Arguments& args) {
          const Options options = parse(args);
          // A writer on a closed socket must not kill the benchmark.
          ::signal(SIGPIPE, SIG_IGN);
          return run(options);
        },
};

}  // namespace torchprov::bench
