// Scale study: the provenance of `bench store` at several sizes, loaded into
// the embedded store as a user does (`torchprov import`, timed until the
// command returns) and, for the sizes asked, into Virtuoso through
// `torchprov serve --backend` (bench/backend/scale.py).  Figures are printed
// as measured, one column per size, with the targets of the scale study.
#include "scale_bench.h"

#include <torchprov/triplestore.h>

#include "generated_provenance.h"
#include "progress_line.h"
#include "sparql/engine.h"

#include <fcntl.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#ifndef TORCHPROV_BENCH_DIR
#define TORCHPROV_BENCH_DIR "bench"
#endif

namespace torchprov::bench {
namespace {

namespace fs = std::filesystem;
namespace ts = torchprov::triplestore;
using Clock = std::chrono::steady_clock;

// The scale study's targets for the embedded store (at its largest size).
constexpr double target_load_qps = 500'000;
constexpr double target_bytes_per_quad = 138;
constexpr double target_reopen_s = 25;
constexpr double target_point_ms = 1;
constexpr int query_timeout_s = 600;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

struct Settings {
  std::vector<int> runs{555, 5550};  // 1.5 M and 15 M quads
  std::vector<int> virtuoso_runs{555};
  int epochs = 100;
  int repeat = 3;
  fs::path dir;
  bool keep = false;  // keep data files and stores between runs of the bench
  int drain_quads = 1'000'000;
  std::string users = "1,4";  // concurrent clients for the crossover, at sizes measured both ways
  int user_seconds = 10;
};

std::vector<int> parse_list(const std::string& text, const char* what) {
  std::vector<int> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    char* end = nullptr;
    const long v = std::strtol(item.c_str(), &end, 10);
    if (*end != '\0' || v < 1 || v > 10'000'000)
      throw std::invalid_argument(std::string(what) + ": '" + item + "' is not a positive number");
    out.push_back(int(v));
  }
  return out;
}

std::size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::size_t(std::strtoull(line.c_str() + 6, nullptr, 10)) * 1024;
  return 0;
}

// Bytes the files under `dir` occupy on disk (allocated blocks, as du).
std::uintmax_t disk_bytes(const fs::path& dir) {
  std::uintmax_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (entry.is_regular_file() && ::lstat(entry.path().c_str(), &st) == 0) total += std::uintmax_t(st.st_blocks) * 512;
  }
  return total;
}

struct Child {
  int status = -1;
  double wall_ms = 0;
  long max_rss_kb = 0;
};

// Runs `argv` with its output appended to `log`; waits and measures it.
Child run_child(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const auto start = Clock::now();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  Child child;
  struct rusage usage {};
  if (::wait4(pid, &child.status, 0, &usage) < 0) throw std::runtime_error("wait4 failed");
  child.wall_ms = ms_since(start);
  child.max_rss_kb = usage.ru_maxrss;
  return child;
}

std::string self_path() { return fs::read_symlink("/proc/self/exe").string(); }

struct QueryFigure {
  std::vector<double> ms;
  std::size_t rows = 0;
  std::string error;
  double median() const {
    if (ms.empty()) return NAN;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
};

struct EmbeddedFigures {
  bool ran = false;
  std::size_t quads = 0;
  double load_ms = NAN;  // until `torchprov import` returned
  double import_peak_rss = 0;
  double disk = 0;
  double reopen_ms = NAN, rss_reopen = 0;
  std::map<std::string, QueryFigure> queries;
  std::string error;
};

// Point lookups: the run-scoped queries (one run's curve and checkpoints).
bool point_lookup(const BenchQuery& q) { return q.name.rfind("loss-curve", 0) == 0 || q.name.rfind("checkpoint", 0) == 0; }

EmbeddedFigures measure_embedded(const Settings& s, const fs::path& data, std::size_t quads, int runs,
                                 const std::vector<BenchQuery>& queries) {
  EmbeddedFigures f;
  f.ran = true;
  f.quads = quads;
  const fs::path store_dir = s.dir / ("store-" + std::to_string(runs));
  const fs::path log = s.dir / ("import-" + std::to_string(runs) + ".log");
  fs::remove_all(store_dir);
  fs::remove(log);
  ::sync();  // the data file's writeback would compete with the store's
  std::printf("embedded, %d runs: torchprov import --store %s ...\n", runs, store_dir.c_str());
  std::fflush(stdout);
  const Child imported = run_child({self_path(), "import", "--store", store_dir.string(), data.string()}, log);
  if (!WIFEXITED(imported.status) || WEXITSTATUS(imported.status) != 0) {
    std::ifstream in(log);
    std::stringstream text;
    text << in.rdbuf();
    f.error = "torchprov import failed: " + text.str().substr(0, 600);
    return f;
  }
  f.load_ms = imported.wall_ms;
  f.import_peak_rss = double(imported.max_rss_kb) * 1024;
  f.disk = double(disk_bytes(store_dir));
  std::printf("  returned after %.1f s (%.0f quads/s), peak RSS %.0f MB, %.0f MB on disk\n", f.load_ms / 1000,
              double(quads) / (f.load_ms / 1000), f.import_peak_rss / 1e6, f.disk / 1e6);
  std::fflush(stdout);

  malloc_trim(0);
  const double rss0 = double(rss_bytes());
  auto t = Clock::now();
  std::optional<ts::Store> store(ts::Store::open(store_dir, {.access = ts::StoreAccess::read}));
  f.reopen_ms = ms_since(t);
  f.rss_reopen = double(rss_bytes()) - rss0;
  std::printf("  reopened in %.2f s, %.0f MB\n", f.reopen_ms / 1000, f.rss_reopen / 1e6);
  auto view = store->read();
  ts::sparql::QueryOptions options;
  options.timeout = std::chrono::seconds(query_timeout_s);
  for (const BenchQuery& q : queries) {
    QueryFigure& figure = f.queries[q.id()];
    try {
      ts::sparql::execute_query(view.dataset(), q.text, options);  // warm-up, untimed
      for (int i = 0; i < s.repeat; ++i) {
        t = Clock::now();
        const auto result = ts::sparql::execute_query(view.dataset(), q.text, options);
        figure.ms.push_back(ms_since(t));
        figure.rows = result.rows.size();
      }
    } catch (const std::exception& e) {
      figure.error = e.what();
    }
    std::printf("  %-34s %10.2f ms  %zu rows%s%s\n", q.id().c_str(), figure.median(), figure.rows,
                figure.error.empty() ? "" : "  ", figure.error.c_str());
    std::fflush(stdout);
  }
  return f;
}

std::string per_quad(double bytes, std::size_t quads) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f B", bytes / double(quads));
  return b;
}

const char* verdict(bool ok) { return ok ? "PASS" : "MISS"; }

}  // namespace

int scale_benchmark(const cli::Arguments& args) {
  Settings s;
  const char* tmp = std::getenv("TMPDIR");
  s.dir = args.has("--dir") ? fs::path(args.value("--dir"))
                            : fs::path(tmp && *tmp ? tmp : "/tmp") / ("torchprov-bench-scale-" + std::to_string(getuid()));
  // A malformed list is a usage error naming the option.
  const auto list = [&](const char* option) {
    try {
      return parse_list(args.value(option), option);
    } catch (const std::invalid_argument& e) {
      throw cli::UsageError(e.what());
    }
  };
  s.runs = list("--runs");
  s.virtuoso_runs = list("--virtuoso-runs");
  s.epochs = int(args.integer("--epochs", 1, 10'000'000));
  s.repeat = int(args.integer("--repeat", 1, 10'000'000));
  s.drain_quads = int(args.integer("--drain-quads", 1, 10'000'000));
  s.users = args.value("--users");
  list("--users");
  s.user_seconds = int(args.integer("--user-seconds", 1, 10'000'000));
  s.keep = args.has("--keep");

  int failures = 0;
  try {
    fs::create_directories(s.dir);
    std::vector<int> sizes = s.runs;
    sizes.insert(sizes.end(), s.virtuoso_runs.begin(), s.virtuoso_runs.end());
    std::sort(sizes.begin(), sizes.end());
    sizes.erase(std::unique(sizes.begin(), sizes.end()), sizes.end());

    const std::vector<BenchQuery> queries = canonical_queries(s.epochs);
    const fs::path query_dir = s.dir / ("queries-" + std::to_string(s.epochs));
    fs::remove_all(query_dir);
    fs::create_directories(query_dir);
    for (const BenchQuery& q : queries) std::ofstream(query_dir / (q.id() + ".rq")) << q.text;

    std::printf("torchprov bench scale: %d epochs a run; embedded at", s.epochs);
    for (int r : s.runs) std::printf(" %d", r);
    std::printf(" runs; Virtuoso at");
    for (int r : s.virtuoso_runs) std::printf(" %d", r);
    std::printf(" runs; %d repetitions per query; in %s\n", s.repeat, s.dir.c_str());

    std::map<int, EmbeddedFigures> embedded;
    std::map<int, std::size_t> quads_at;
    bool drain_measured = false;
    for (int runs : sizes) {
      const fs::path data = s.dir / ("provenance-" + std::to_string(runs) + "x" + std::to_string(s.epochs) + ".nq");
      const fs::path count_file = fs::path(data.string() + ".quads");
      std::size_t quads = 0;
      if (fs::exists(data) && fs::exists(count_file)) {
        std::ifstream(count_file) >> quads;
      } else {
        const auto t = Clock::now();
        {
          ProgressLine progress;
          quads = generate(data, runs, s.epochs, 1, 0, progress.handler());
        }
        std::ofstream(count_file) << quads;
        std::printf("generated %d runs: %zu quads (%.0f MB N-Quads) in %.1f s\n", runs, quads,
                    double(fs::file_size(data)) / 1e6, ms_since(t) / 1000);
      }
      quads_at[runs] = quads;
      if (std::find(s.runs.begin(), s.runs.end(), runs) != s.runs.end()) {
        embedded[runs] = measure_embedded(s, data, quads, runs, queries);
        if (!embedded[runs].error.empty()) {
          std::printf("  %s\n", embedded[runs].error.c_str());
          ++failures;
        }
      }
      const fs::path store_dir = s.dir / ("store-" + std::to_string(runs));
      if (std::find(s.virtuoso_runs.begin(), s.virtuoso_runs.end(), runs) != s.virtuoso_runs.end()) {
        std::printf("\nVirtuoso, %d runs (%zu quads), through torchprov serve --backend:\n", runs, quads);
        std::vector<std::string> argv = {"/usr/bin/python3",
                                         (fs::path(TORCHPROV_BENCH_DIR) / "backend" / "scale.py").string(),
                                         "--torchprov", self_path(), "--data", data.string(), "--queries",
                                         query_dir.string(), "--dir",
                                         (s.dir / ("backend-" + std::to_string(runs))).string(), "--repeat",
                                         std::to_string(s.repeat), "--drain-quads", std::to_string(s.drain_quads)};
        if (drain_measured) argv.push_back("--skip-drain");
        if (!s.users.empty() && embedded.count(runs) && embedded.at(runs).error.empty())
          argv.insert(argv.end(), {"--users", s.users, "--seconds", std::to_string(s.user_seconds),
                                   "--embedded-store", store_dir.string()});
        drain_measured = true;
        const fs::path log = s.dir / ("backend-" + std::to_string(runs) + ".txt");
        fs::remove(log);
        const Child backend = run_child(argv, log);
        std::ifstream in(log);
        std::printf("%s", std::string(std::istreambuf_iterator<char>(in), {}).c_str());
        if (!WIFEXITED(backend.status) || WEXITSTATUS(backend.status) != 0) {
          std::printf("  the backend study failed (exit %d); its output is above and in %s\n",
                      WIFEXITED(backend.status) ? WEXITSTATUS(backend.status) : -1, log.c_str());
          ++failures;
        }
        fs::remove_all(s.dir / ("backend-" + std::to_string(runs)));
      }
      if (!s.keep) fs::remove_all(store_dir);
      if (!s.keep) {
        fs::remove(data);
        fs::remove(count_file);
      }
    }

    if (embedded.empty()) return failures ? 1 : 0;
    // ---- the embedded store, one column per size.
    const int first = embedded.begin()->first, last = embedded.rbegin()->first;
    std::printf("\nembedded store %*s", 0, "");
    for (const auto& [runs, f] : embedded) std::printf(" %14s", (std::to_string(runs) + " runs").c_str());
    std::printf("   target (at the largest size)\n%s\n", std::string(40 + 15 * embedded.size(), '-').c_str());
    auto row = [&](const char* name, auto cell, const std::string& target) {
      std::printf("%-28s", name);
      for (const auto& [runs, f] : embedded) std::printf(" %14s", f.error.empty() ? cell(f).c_str() : "failed");
      std::printf("   %s\n", target.c_str());
    };
    auto fmt = [](const char* format, double v) {
      char b[40];
      std::snprintf(b, sizeof b, format, v);
      return std::string(b);
    };
    const EmbeddedFigures& big = embedded.rbegin()->second;
    const bool big_ok = big.error.empty();
    row("quads", [&](const EmbeddedFigures& f) { return std::to_string(f.quads); }, "");
    row("import, until it returned", [&](const EmbeddedFigures& f) { return fmt("%.1f s", f.load_ms / 1000); }, "");
    row("  quads/s", [&](const EmbeddedFigures& f) { return fmt("%.0f", double(f.quads) / (f.load_ms / 1000)); },
        std::string(">= 500000 ") + verdict(big_ok && double(big.quads) / (big.load_ms / 1000) >= target_load_qps));
    row("import peak RSS per quad", [&](const EmbeddedFigures& f) { return per_quad(f.import_peak_rss, f.quads); }, "");
    row("on disk per quad", [&](const EmbeddedFigures& f) { return per_quad(f.disk, f.quads); }, "");
    row("reopen", [&](const EmbeddedFigures& f) { return fmt("%.2f s", f.reopen_ms / 1000); },
        std::string("<= 25 s ") + verdict(big_ok && big.reopen_ms / 1000 <= target_reopen_s));
    row("RSS per quad after reopen", [&](const EmbeddedFigures& f) { return per_quad(f.rss_reopen, f.quads); },
        std::string("<= 138 B ") + verdict(big_ok && big.rss_reopen / double(big.quads) <= target_bytes_per_quad));

    std::printf("\n%-34s", "query (median ms)");
    for (const auto& [runs, f] : embedded) std::printf(" %14s", (std::to_string(runs) + " runs").c_str());
    std::printf(" %9s %9s   target\n%s\n", "time x", "data x", std::string(60 + 15 * embedded.size(), '-').c_str());
    const double data_growth = double(quads_at[last]) / double(quads_at[first]);
    for (const BenchQuery& q : queries) {
      std::printf("%-34s", q.id().c_str());
      for (const auto& [runs, f] : embedded) {
        const auto it = f.queries.find(q.id());
        std::printf(" %14s", it == f.queries.end() || !it->second.error.empty()
                                 ? (f.error.empty() ? "error" : "-")
                                 : fmt("%.2f", it->second.median()).c_str());
      }
      const auto a = embedded[first].queries.find(q.id()), b = embedded[last].queries.find(q.id());
      if (a == embedded[first].queries.end() || b == embedded[last].queries.end() || !a->second.error.empty() ||
          !b->second.error.empty()) {
        std::printf("\n");
        ++failures;
        continue;
      }
      const double growth = b->second.median() / a->second.median();
      std::string target;
      if (point_lookup(q))
        target = "<= 1 ms " + std::string(verdict(b->second.median() <= target_point_ms));
      else
        target = "time x <= data x " + std::string(verdict(first == last || growth <= data_growth));
      std::printf(" %9.1f %9.1f   %s\n", growth, data_growth, target.c_str());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torchprov bench scale: %s\n", e.what());
    return cli::exit_failure;
  }
  return failures ? cli::exit_failure : cli::exit_success;
}

const cli::Command scale_command{
    .name = "bench scale",
    .summary = "The embedded store and a Virtuoso backend by size: load until the command returns, RSS and disk "
               "per quad, reopen, the canonical queries and their growth beside the data's.",
    .options =
        {
            {.name = "--runs", .value = "R1,R2,...",
             .help = "sizes for the embedded store, in runs of `bench store` provenance (2 703 quads a run at 100 "
                     "epochs; 16650 runs: 45 M quads)",
             .default_value = "555,5550"},
            {.name = "--virtuoso-runs", .value = "R1,...",
             .help = "sizes loaded into a private Virtuoso through `torchprov serve --backend` ('' to skip)",
             .default_value = "555"},
            {.name = "--epochs", .value = "E", .help = "epochs per run", .default_value = "100"},
            {.name = "--repeat", .value = "N", .help = "timed repetitions per query (median reported)",
             .default_value = "3"},
            {.name = "--drain-quads", .value = "Q", .help = "quads of the journal drain measured at the first size",
             .default_value = "1000000"},
            {.name = "--users", .value = "U1,U2",
             .help = "concurrent clients asking the queries of each store's server, at a size measured both ways "
                     "('' to skip)",
             .default_value = "1,4"},
            {.name = "--user-seconds", .value = "S", .help = "seconds each client count runs", .default_value = "10"},
            {.name = "--dir", .value = "DIR", .help = "holds the data, the stores and the logs",
             .default_help = "$TMPDIR/torchprov-bench-scale-UID"},
            {.name = "--keep", .help = "keep the generated data in DIR between runs"},
        },
    .details = "Data: N-Quads (.nq, application/n-quads) made by the generator of `bench store`; the Virtuoso part\n"
               "runs bench/backend/scale.py with /usr/bin/python3 and Debian's virtuoso-opensource.  Minutes and\n"
               "gigabytes at the default sizes.  Exits 1 when a step or a query fails or the stores disagree.",
    .example = "torchprov bench scale --runs 55,555 --virtuoso-runs '' --repeat 1",
    .run = scale_benchmark,
};

}  // namespace torchprov::bench
