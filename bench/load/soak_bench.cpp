// `torchprov bench soak --minutes N`: one server under mixed load for N
// minutes, to show what a long day does to it.
//
// Starts `torchprov serve` as a child over a temporary store and keeps, all
// at once, over keep-alive loopback connections:
//   point     SELECT of one metric value's description (2 connections)
//   analysis  best validation accuracy per live run (GROUP BY / MAX)
//   ingest    N-Quads of new runs at --ingest-rate triples/s (a run a batch)
//   retention DELETE /data of the oldest runs beyond --keep-runs, so the
//             data stays the same size and a slower answer means a slower
//             server, not more data
//   update    a SPARQL Update each second (insert a counter, delete the
//             previous one)
//   steering  a steering request twice a second and the run's request list
//   rules     a steering rule over the soak experiment, firing on each run
//   export    GET /data of the whole store, streamed and read to the end
// Each --sample-seconds it writes a CSV row: the server's resident size and
// open descriptors, the dataset's size, terms and memory estimate, and per
// request kind the count, errors, p50 and p99 of that interval; ingest lag
// is how late a batch was acknowledged against its schedule.  At the end
// every acknowledged write is checked, before and after a restart, the
// first and last five minutes are compared, and gnuplot (when installed)
// draws the CSV as a PNG.
#include "benchmarks.h"
#include "loopback.h"

#include "http_client.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace {

namespace http = boost::beast::http;
namespace cli = torchprov::cli;
using Clock = std::chrono::steady_clock;
using torchprov::bench::loopback::Connection;
using torchprov::bench::loopback::percentile;
using torchprov::bench::loopback::ServerProcess;
using torchprov::detail::percent_encode;

struct Options {
  double minutes = 30;
  double sample_seconds = 60;
  double ingest_rate = 10000;  // triples/s
  int keep_runs = 400;         // live runs kept; older ones are deleted
  int epochs_per_run = 40;
  std::filesystem::path out = "soak";
  std::string server;
  int server_threads = 0;
  bool keep = false;
};

const std::string kProv = "http://www.w3.org/ns/prov#";
const std::string kDl = "https://w3id.org/torchprov/dl#";
const std::string kXsd = "http://www.w3.org/2001/XMLSchema#";
const std::string kRunBase = "https://w3id.org/torchprov/run/soak-";
const std::string kExperiment = "https://w3id.org/torchprov/experiment/soak";
const std::string kSteeredRun = "https://w3id.org/torchprov/run/soak-steered";

const char* const kinds[] = {"point", "analysis", "ingest", "retention", "update", "steering", "export"};
constexpr std::size_t kind_count = std::size(kinds);

// Latencies of one kind in one sample interval.
struct Interval {
  std::vector<double> ms;
  std::size_t errors = 0;
  std::string first_error;
};

// Everything the load threads record, by sample interval.
class Recorder {
 public:
  void add(std::size_t kind, double ms) {
    std::lock_guard lock(mutex_);
    current_[kind].ms.push_back(ms);
    all_[kind].push_back({interval_, ms});
  }
  void error(std::size_t kind, const std::string& what) {
    std::lock_guard lock(mutex_);
    ++current_[kind].errors;
    ++errors_;
    if (current_[kind].first_error.empty()) current_[kind].first_error = what;
    if (first_errors_.size() < 5) first_errors_.push_back(std::string(kinds[kind]) + ": " + what);
  }
  void lag(double ms) {
    std::lock_guard lock(mutex_);
    lag_.push_back(ms);
  }
  // The interval's figures; starts the next interval.
  std::pair<std::array<Interval, kind_count>, std::vector<double>> take() {
    std::lock_guard lock(mutex_);
    ++interval_;
    return {std::exchange(current_, {}), std::exchange(lag_, {})};
  }
  // Latencies of a kind over intervals [first, last).
  std::vector<double> window(std::size_t kind, std::size_t first, std::size_t last) {
    std::lock_guard lock(mutex_);
    std::vector<double> out;
    for (const auto& [interval, ms] : all_[kind])
      if (interval >= first && interval < last) out.push_back(ms);
    return out;
  }
  std::size_t errors() {
    std::lock_guard lock(mutex_);
    return errors_;
  }
  std::vector<std::string> first_errors() {
    std::lock_guard lock(mutex_);
    return first_errors_;
  }

 private:
  std::mutex mutex_;
  std::size_t interval_ = 0, errors_ = 0;
  std::array<Interval, kind_count> current_;
  std::array<std::vector<std::pair<std::size_t, double>>, kind_count> all_;
  std::vector<double> lag_;
  std::vector<std::string> first_errors_;
};

std::size_t kind_index(const char* name) {
  for (std::size_t i = 0; i < kind_count; ++i)
    if (std::strcmp(kinds[i], name) == 0) return i;
  throw std::logic_error("unknown kind");
}

std::string run_iri(long run) { return kRunBase + std::to_string(run); }
// The capture convention: a run's statements in its bundle, which rules watch.
std::string run_graph(long run) { return run_iri(run) + "/bundle"; }

// The N-Quads of one whole run (its epochs finished, the run still
// running: rules watch it); returns the number of quads.
std::size_t append_run(std::string& out, long run, int epochs, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> noise(0.0, 0.05);
  const std::string r = "<" + run_iri(run) + ">";
  const std::string g = " <" + run_graph(run) + "> .\n";
  std::size_t n = 0;
  auto quad = [&](const std::string& s, const std::string& p, const std::string& o) {
    out += s + " <" + p + "> " + o + g;
    ++n;
  };
  quad(r, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "<" + kDl + "TrainingRun>");
  quad(r, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "<" + kProv + "Activity>");
  quad(r, kDl + "partOfExperiment", "<" + kExperiment + ">");
  quad(r, kProv + "startedAtTime", "\"2024-01-01T00:00:00Z\"^^<" + kXsd + "dateTime>");
  for (int e = 1; e <= epochs; ++e) {
    const std::string epoch = "<" + run_iri(run) + "/epoch/" + std::to_string(e) + ">";
    quad(epoch, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "<" + kDl + "Epoch>");
    quad(epoch, kDl + "epochNumber", "\"" + std::to_string(e) + "\"^^<" + kXsd + "integer>");
    quad(epoch, kDl + "partOfRun", r);
    quad(epoch, kProv + "endedAtTime", "\"2024-01-01T00:00:00Z\"^^<" + kXsd + "dateTime>");
    for (const char* split : {"train", "val"}) {
      const std::string m = "<" + run_iri(run) + "/epoch/" + std::to_string(e) + "/" + split + "/accuracy>";
      char value[32];
      std::snprintf(value, sizeof value, "%.6f", double(e) / (e + 10.0) - noise(rng));
      quad(m, kDl + "name", "\"accuracy\"");
      quad(m, kDl + "split", std::string("\"") + split + "\"");
      quad(m, kProv + "value", std::string("\"") + value + "\"^^<" + kXsd + "double>");
      quad(m, kProv + "wasGeneratedBy", epoch);
    }
  }
  return n;
}

long resident_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmRSS:")) return std::atol(line.c_str() + 6);
  return 0;
}

long open_descriptors(pid_t pid) {
  std::error_code ec;
  long n = 0;
  for (auto it = std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
    ++n;
  return n;
}

double metric(const std::string& text, const std::string& name) {
  const auto at = text.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atof(text.c_str() + at + name.size() + 2);
}

// Triples per soak run graph, from one query: the run's own (about the run,
// its epochs and their metrics), not the requests the rule filed in its bundle.
std::map<std::string, long> run_sizes(Connection& connection) {
  const auto response = connection.send(
      http::verb::get,
      "/sparql?query=" +
          percent_encode("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"" +
                         kRunBase + "\") && STRENDS(STR(?g), \"/bundle\")) "
                         "BIND(SUBSTR(STR(?g), 1, STRLEN(STR(?g)) - 7) AS ?run) "
                         "FILTER(STR(?s) = ?run || STRSTARTS(STR(?s), CONCAT(?run, \"/epoch/\"))) } GROUP BY ?g"),
      {}, {}, {}, "text/csv");
  if (response.result() != http::status::ok) throw std::runtime_error("counting runs failed: " + response.body());
  std::map<std::string, long> sizes;
  std::istringstream lines(response.body());
  std::string line;
  std::getline(lines, line);
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto comma = line.rfind(',');
    if (comma != std::string::npos) sizes[line.substr(0, comma)] = std::atol(line.c_str() + comma + 1);
  }
  return sizes;
}

Options parse(const cli::Arguments& args) {
  Options o;
  o.minutes = args.number("--minutes", 0.01, 24 * 60);
  o.sample_seconds = args.number("--sample-seconds", 1, 3600);
  o.ingest_rate = args.number("--ingest-rate", 1, 1e6);
  o.keep_runs = int(args.integer("--keep-runs", 10, 100000));
  o.out = args.value("--out");
  o.server_threads = int(args.integer("--server-threads", 0, 256));
  o.server = args.value("--server");
  o.keep = args.has("--keep");
  return o;
}

// gnuplot draws the CSV: memory, descriptors, p99 per kind, ingest lag.
void plot(const std::filesystem::path& csv, const std::filesystem::path& png) {
  const std::filesystem::path script = png.string() + ".gp";
  std::ofstream gp(script);
  gp << "set terminal png size 1400,1000\n"
     << "set output '" << png.string() << "'\n"
     << "set datafile separator ','\n"
     << "set key autotitle columnhead outside right\n"
     << "set xlabel 'minutes'\n"
     << "set grid\n"
     << "set multiplot layout 2,2 title 'torchprov bench soak'\n"
     << "set title 'server memory (MiB)'\n"
     << "plot '" << csv.string() << "' using 1:2 with linespoints title 'resident', '' using 1:6 with linespoints "
        "title 'dataset estimate'\n"
     << "set title 'open descriptors; terms (thousands)'\n"
     << "plot '" << csv.string() << "' using 1:3 with linespoints title 'descriptors', '' using 1:($5/1000) with "
        "linespoints title 'terms / 1000'\n"
     << "set title 'p99 latency per kind (ms)'\n"
     << "set logscale y\n"
     << "plot ";
  for (std::size_t k = 0; k < kind_count; ++k)
    gp << (k ? ", " : "") << "'" << csv.string() << "' using 1:" << 7 + 4 * k + 3 << " with linespoints title '"
       << kinds[k] << "'";
  gp << "\nunset logscale y\n"
     << "set title 'ingest lag behind schedule, p99 (ms); rules fired'\n"
     << "plot '" << csv.string() << "' using 1:" << 7 + 4 * kind_count << " with linespoints title 'ingest lag p99', '' "
     << "using 1:" << 7 + 4 * kind_count + 1 << " with linespoints title 'rules fired'\n"
     << "unset multiplot\n";
  gp.close();
  const std::string command = "gnuplot '" + script.string() + "' 2>&1";
  if (std::system(command.c_str()) != 0) std::fprintf(stderr, "torchprov bench soak: gnuplot failed; the CSV is there\n");
}

int run(const Options& options) {
  std::filesystem::create_directories(options.out);
  const std::filesystem::path dir = std::filesystem::absolute(options.out) / "server";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::vector<std::string> server_args;
  if (options.server_threads > 0) server_args = {"--threads", std::to_string(options.server_threads)};
  auto port = torchprov::bench::loopback::free_port();
  auto server = std::make_unique<ServerProcess>(options.server, dir, port, server_args);
  std::unique_ptr<Connection> admin = torchprov::bench::loopback::wait_until_serving(*server, port);
  if (!admin) throw std::runtime_error("the server did not start; see " + (dir / "serve.log").string());
  std::string token;
  std::ifstream(dir / "store" / "token") >> token;

  // The steered run and the rule that fires on every soak run.
  {
    std::string body = "<" + kSteeredRun + "> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <" + kDl +
                       "TrainingRun> .\n<" + kSteeredRun + "> <" + kDl + "hasHyperparameter> <" + kSteeredRun +
                       "/lr> .\n<" + kSteeredRun + "/lr> <" + kDl + "name> \"learning_rate\" .\n";
    if (admin->send(http::verb::post, "/data?graph=" + percent_encode(kSteeredRun + "/graph"), body,
                    "application/n-triples", token).result_int() >= 300)
      throw std::runtime_error("cannot store the steered run");
    const std::string rule =
        R"({"name":"soak-rule","scope":{"experiment":"soak"},"action":"stop","reason":"soak","once":true,)"
        R"("query":"PREFIX dl: <https://w3id.org/torchprov/dl#> ASK { ?e dl:partOfRun ?run ; dl:epochNumber ?n FILTER(?n >= 2) }"})";
    const auto added = admin->send(http::verb::post, "/api/rules", rule, "application/json", token);
    if (added.result_int() != 201) throw std::runtime_error("cannot add the rule: " + added.body());
  }

  Recorder recorder;
  std::atomic<bool> stopping{false};
  std::mutex runs_mutex;
  std::deque<long> live_runs;          // acknowledged, not yet deleted
  std::map<long, std::size_t> acked;   // run -> quads, acknowledged and kept
  std::set<long> deleted;              // acknowledged, then deleted by retention
  std::atomic<long> next_run{0};
  std::atomic<long> updates_applied{0};
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(options.minutes * 60));
  const std::string token_copy = token;

  auto timed = [&](std::size_t kind, Connection& c, http::verb method, const std::string& target, std::string body,
                   std::string_view type, std::string_view accept, auto&& ok) {
    const auto t0 = Clock::now();
    try {
      const auto response = c.send(method, target, std::move(body), type, token_copy, accept);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (response.result_int() >= 300) {
        recorder.error(kind, std::to_string(response.result_int()) + " " + response.body().substr(0, 200));
        return false;
      }
      recorder.add(kind, ms);
      ok(response);
      return true;
    } catch (const std::exception& e) {
      recorder.error(kind, e.what());
      return false;
    }
  };
  auto nothing = [](const auto&) {};

  std::vector<std::thread> threads;
  // Point queries over the live runs.
  for (int c = 0; c < 2; ++c) {
    threads.emplace_back([&, c] {
      Connection connection(port);
      std::mt19937_64 rng(100 + c);
      while (!stopping) {
        long run;
        {
          std::lock_guard lock(runs_mutex);
          if (live_runs.empty()) run = -1;
          else run = live_runs[std::uniform_int_distribution<std::size_t>(0, live_runs.size() - 1)(rng)];
        }
        if (run < 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          continue;
        }
        const int epoch = std::uniform_int_distribution<int>(1, options.epochs_per_run)(rng);
        const std::string subject = run_iri(run) + "/epoch/" + std::to_string(epoch) + "/val/accuracy";
        timed(kind_index("point"), connection, http::verb::get,
              "/sparql?query=" + percent_encode("SELECT ?p ?o WHERE { <" + subject + "> ?p ?o }"), {}, {},
              "application/sparql-results+json", nothing);
      }
    });
  }
  threads.emplace_back([&] {
    Connection connection(port);
    const std::string target =
        "/sparql?query=" + percent_encode("PREFIX prov: <" + kProv + "> PREFIX dl: <" + kDl +
                                      "> SELECT ?run (MAX(?acc) AS ?best) WHERE { ?run dl:partOfExperiment <" +
                                      kExperiment + "> . ?e dl:partOfRun ?run . ?m prov:wasGeneratedBy ?e ; "
                                      "dl:split \"val\" ; prov:value ?acc } GROUP BY ?run ORDER BY DESC(?best) LIMIT 10");
    while (!stopping)
      timed(kind_index("analysis"), connection, http::verb::get, target, {}, {}, "application/sparql-results+json",
            nothing);
  });
  // Ingest: a whole run per batch, paced to the rate; a late batch goes at
  // once and its lateness is the ingest lag.
  threads.emplace_back([&] {
    Connection connection(port);
    std::mt19937_64 rng(7);
    std::string probe;
    const double per_run = double(append_run(probe, -1, options.epochs_per_run, rng));
    const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(per_run / options.ingest_rate));
    auto scheduled = Clock::now();
    while (!stopping) {
      std::this_thread::sleep_until(scheduled);
      if (stopping) break;
      const long run = next_run++;
      std::string body;
      const std::size_t quads = append_run(body, run, options.epochs_per_run, rng);
      const bool ok = timed(kind_index("ingest"), connection, http::verb::post, "/data", std::move(body),
                            "application/n-quads", {}, nothing);
      recorder.lag(std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count());
      if (ok) {
        std::lock_guard lock(runs_mutex);
        live_runs.push_back(run);
        acked[run] = quads;
      }
      scheduled += period;
    }
  });
  // Retention: the oldest runs (and the requests rules filed for them) go.
  threads.emplace_back([&] {
    Connection connection(port);
    while (!stopping) {
      long run = -1;
      {
        std::lock_guard lock(runs_mutex);
        if (live_runs.size() > std::size_t(options.keep_runs)) {
          run = live_runs.front();
          live_runs.pop_front();
        }
      }
      if (run < 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        continue;
      }
      const bool ok = timed(kind_index("retention"), connection, http::verb::delete_,
                            "/data?graph=" + percent_encode(run_graph(run)), {}, {}, {}, nothing);
      // The bundle of the rule's request may not exist (yet): 404 is fine.
      try {
        connection.send(http::verb::delete_, "/data?graph=" + percent_encode(run_iri(run) + "/bundle"), {}, {}, token_copy);
      } catch (const std::exception&) {
      }
      std::lock_guard lock(runs_mutex);
      if (ok) {
        acked.erase(run);
        deleted.insert(run);
      } else {
        live_runs.push_front(run);
      }
    }
  });
  threads.emplace_back([&] {
    Connection connection(port);
    for (long i = 1; !stopping; ++i) {
      const std::string update = "PREFIX ex: <urn:x-soak:> DELETE WHERE { GRAPH ex:updates { ex:counter ex:value ?v } } ;"
                                 " INSERT DATA { GRAPH ex:updates { ex:counter ex:value " + std::to_string(i) + " } }";
      if (timed(kind_index("update"), connection, http::verb::post, "/sparql", update, "application/sparql-update", {},
                nothing))
        updates_applied = i;
      std::this_thread::sleep_for(std::chrono::seconds(1));
    }
  });
  threads.emplace_back([&] {
    Connection connection(port);
    const std::string request = "{\"run\":\"" + kSteeredRun +
                                "\",\"action\":\"set\",\"hyperparameter\":\"learning_rate\",\"value\":0.001,"
                                "\"reason\":\"soak\"}";
    while (!stopping) {
      timed(kind_index("steering"), connection, http::verb::post, "/api/adaptations", request, "application/json", {},
            nothing);
      timed(kind_index("steering"), connection, http::verb::get,
            "/api/adaptations?status=pending&run=" + percent_encode(kSteeredRun), {}, {}, "text/tab-separated-values",
            nothing);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  });
  threads.emplace_back([&] {
    Connection connection(port);
    while (!stopping) {
      timed(kind_index("export"), connection, http::verb::get, "/data", {}, {}, "application/n-quads", [&](const auto& r) {
        if (r.body().empty()) recorder.error(kind_index("export"), "empty export");
      });
      std::this_thread::sleep_for(std::chrono::seconds(2));
    }
  });

  // Sampling.
  const auto csv_path = options.out / "soak.csv";
  std::ofstream csv(csv_path);
  csv << "minute,rss_mib,descriptors,triples,terms,dataset_mib";
  for (const char* k : kinds) csv << "," << k << "_n," << k << "_errors," << k << "_p50_ms," << k << "_p99_ms";
  csv << ",ingest_lag_p99_ms,rules_fired\n";
  std::printf("torchprov bench soak: %.1f min, a sample every %.0f s, ingest %.0f triples/s, %d live runs kept; "
              "CSV %s\n", options.minutes, options.sample_seconds, options.ingest_rate, options.keep_runs,
              csv_path.c_str());
  std::printf("%7s %8s %5s %9s %9s", "minute", "rss MiB", "fds", "triples", "terms");
  for (const char* k : kinds) std::printf(" %9s", (std::string(k).substr(0, 5) + " p99").c_str());
  std::printf(" %8s %6s\n", "lag p99", "errors");
  Connection sampler(port);
  double first_rss = 0, last_rss = 0, first_dataset = 0, last_dataset = 0;
  long first_fds = 0, last_fds = 0, last_fired = 0;
  std::size_t intervals = 0;
  auto next_sample = started + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.sample_seconds));
  while (true) {
    std::this_thread::sleep_until(std::min(next_sample, deadline));
    const bool last = Clock::now() >= deadline;
    const double minute = std::chrono::duration<double>(Clock::now() - started).count() / 60;
    auto [figures, lag] = recorder.take();
    ++intervals;
    const double rss = resident_kib(server->pid()) / 1024.0;
    const long fds = open_descriptors(server->pid());
    std::string metrics_text, rules_text;
    try {
      metrics_text = "\n" + sampler.send(http::verb::get, "/metrics", {}, {}, token, "text/plain").body();
      rules_text = sampler.send(http::verb::get, "/api/rules", {}, {}, token, "application/json").body();
    } catch (const std::exception& e) {
      recorder.error(kind_index("point"), std::string("sampling: ") + e.what());
    }
    const double triples = metric(metrics_text, "torchprov_store_triples");
    const double terms = metric(metrics_text, "torchprov_store_terms");
    const double dataset = metric(metrics_text, "torchprov_store_memory_bytes") / (1 << 20);
    long fired = 0;
    if (const auto at = rules_text.find("\"fired\":"); at != std::string::npos) fired = std::atol(rules_text.c_str() + at + 8);
    if (intervals == 1) {
      first_rss = rss;
      first_fds = fds;
      first_dataset = dataset;
    }
    last_rss = rss;
    last_fds = fds;
    last_dataset = dataset;
    csv << minute << "," << rss << "," << fds << "," << triples << "," << terms << "," << dataset;
    std::printf("%7.1f %8.1f %5ld %9.0f %9.0f", minute, rss, fds, triples, terms);
    std::size_t errors = 0;
    for (auto& f : figures) {
      const double p50 = percentile(f.ms, 0.5), p99 = percentile(f.ms, 0.99);
      csv << "," << f.ms.size() << "," << f.errors << "," << p50 << "," << p99;
      std::printf(" %9.2f", p99);
      errors += f.errors;
    }
    const double lag99 = percentile(lag, 0.99);
    csv << "," << lag99 << "," << fired - last_fired << "\n";
    csv.flush();
    std::printf(" %8.1f %6zu\n", lag99, errors);
    std::fflush(stdout);
    last_fired = fired;
    if (last) break;
    next_sample += std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options.sample_seconds));
  }
  stopping = true;
  for (auto& t : threads) t.join();
  csv.close();

  // First and last five minutes (or fifths of a shorter run).
  const double minutes_per_interval = options.sample_seconds / 60;
  const std::size_t window = std::max<std::size_t>(
      1, std::min<std::size_t>(std::size_t(std::lround(5 / minutes_per_interval)), intervals / 5 ? intervals / 5 : 1));
  std::printf("\np99 in the first and the last %zu samples (%.1f min each):\n", window, window * minutes_per_interval);
  bool p99_ok = true;
  for (std::size_t k = 0; k < kind_count; ++k) {
    auto first = recorder.window(k, 0, window), last = recorder.window(k, intervals - window, intervals);
    const double a = percentile(first, 0.99), b = percentile(last, 0.99);
    // Exports read the whole (steady) store; the rest are request latencies.
    const bool within = a <= 0 || b <= a * 1.2;
    p99_ok = p99_ok && within;
    std::printf("  %-9s %9.2f ms -> %9.2f ms  %+6.1f %%  %s\n", kinds[k], a, b, a > 0 ? 100 * (b - a) / a : 0.0,
                within ? "within 20 %" : "MORE THAN 20 % SLOWER");
  }

  // Every acknowledged write, now and after a restart.
  auto check_writes = [&](Connection& c, const char* when) {
    const auto sizes = run_sizes(c);
    std::size_t lost = 0, resurrected = 0;
    for (const auto& [run, quads] : acked) {
      const auto it = sizes.find(run_graph(run));
      if (it == sizes.end() || std::size_t(it->second) != quads) ++lost;
    }
    for (long run : deleted)
      if (sizes.count(run_graph(run))) ++resurrected;
    const auto counter = c.send(http::verb::get,
                                "/sparql?query=" + percent_encode("SELECT ?v WHERE { GRAPH <urn:x-soak:updates> { "
                                                              "<urn:x-soak:counter> <urn:x-soak:value> ?v } }"),
                                {}, {}, {}, "text/csv")
                             .body();
    const bool counter_ok = counter.find("\n" + std::to_string(updates_applied.load())) != std::string::npos;
    std::printf("%s: %zu acknowledged runs kept, %zu lost or partial; %zu deleted runs, %zu came back; update counter "
                "%s\n", when, acked.size(), lost, deleted.size(), resurrected,
                counter_ok ? "at the last acknowledged value" : "WRONG");
    return lost == 0 && resurrected == 0 && counter_ok;
  };
  bool writes_ok = check_writes(*admin, "before the restart");
  admin.reset();
  const int stop_status = server->stop();
  port = torchprov::bench::loopback::free_port();
  server = std::make_unique<ServerProcess>(options.server, dir, port, server_args);
  admin = torchprov::bench::loopback::wait_until_serving(*server, port);
  if (!admin) throw std::runtime_error("the server did not restart; see " + (dir / "serve.log").string());
  writes_ok = check_writes(*admin, "after the restart") && writes_ok;
  admin.reset();
  server->stop();

  const std::size_t errors = recorder.errors();
  std::printf("\nresident size %.1f -> %.1f MiB (dataset estimate %.1f -> %.1f MiB); descriptors %ld -> %ld\n",
              first_rss, last_rss, first_dataset, last_dataset, first_fds, last_fds);
  std::printf("errors: %zu%s\n", errors, stop_status == 0 ? "" : "; the server did not stop cleanly");
  for (const auto& e : recorder.first_errors()) std::printf("  %s\n", e.c_str());
  const bool memory_ok = last_rss - first_rss <= std::max(64.0, 1.5 * std::max(0.0, last_dataset - first_dataset) + 0.1 * first_rss);
  const bool fds_ok = last_fds <= first_fds + 8;
  // The rule watches every soak run (their bundles): it must have fired on them.
  const bool rules_ok = last_fired > 0;
  std::printf("rules fired: %ld\n", last_fired);
  std::printf("targets: memory growth explained by the data %s, descriptors steady %s, p99 within 20 %% %s, "
              "zero errors %s, zero acknowledged writes lost %s, the rule fired %s\n",
              memory_ok ? "met" : "MISSED", fds_ok ? "met" : "MISSED", p99_ok ? "met" : "MISSED",
              errors == 0 && stop_status == 0 ? "met" : "MISSED", writes_ok ? "met" : "MISSED",
              rules_ok ? "met" : "MISSED");
  const auto png = options.out / "soak.png";
  if (std::system("command -v gnuplot > /dev/null 2>&1") == 0) {
    plot(csv_path, png);
    std::printf("plot: %s\n", png.c_str());
  } else {
    std::printf("plot: install gnuplot (Debian gnuplot-nox) to draw %s\n", csv_path.c_str());
  }
  if (!options.keep) std::filesystem::remove_all(dir);
  return errors == 0 && writes_ok && stop_status == 0 && rules_ok ? 0 : 1;
}

}  // namespace

namespace torchprov::bench {

const cli::Command soak_command{
    .name = "bench soak",
    .summary = "One server for N minutes under mixed load; resident size, descriptors and p50 / p99 per request "
               "kind sampled to CSV and a gnuplot PNG, every acknowledged write checked before and after a restart.",
    .options =
        {
            {.name = "--minutes", .value = "M", .help = "how long the load runs", .default_value = "30"},
            {.name = "--sample-seconds", .value = "S", .help = "one CSV row every S seconds", .default_value = "60"},
            {.name = "--ingest-rate", .value = "X", .help = "triples/s the writer POSTs", .default_value = "10000"},
            {.name = "--keep-runs", .value = "N", .help = "live runs kept; older ones are deleted", .default_value = "400"},
            {.name = "--out", .value = "DIR", .help = "where soak.csv and soak.png go", .default_value = "soak"},
            loopback::server_threads_option,
            loopback::server_option,
            loopback::keep_option,
        },
    .details = "Starts `torchprov serve` on a free loopback port with a temporary store.  Load: point and\n"
               "analysis queries (application/sparql-results+json), ingest (application/n-quads POSTed to\n"
               "/data), retention deletes and updates (application/sparql-update), steering requests, a\n"
               "firing rule and streamed exports.  Writes DIR/soak.csv (text/csv) and, with gnuplot,\n"
               "DIR/soak.png.  Exits 1 when a request failed, an acknowledged write is missing before or\n"
               "after the restart, or the rule never fired.",
    .example = "torchprov bench soak --minutes 30 --out soak",
    .run =
        [](const cli::Arguments& args) {
          const Options options = parse(args);
          // A writer on a closed socket must not kill the benchmark.
          ::signal(SIGPIPE, SIG_IGN);
          return run(options);
        },
};

}  // namespace torchprov::bench
