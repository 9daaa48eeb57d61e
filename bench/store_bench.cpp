// Store benchmark: synthetic training provenance in the dl: vocabulary (the
// capture library's IRI scheme and properties, one named graph per run),
// loaded into a fresh persistent Store, into Oxigraph (node, in memory) and
// into Jena (in-memory TIM dataset); the canonical analysis queries, each in
// a natural and a deliberately bad pattern order, timed on all three and
// printed side by side with the targets.  Figures are printed as measured.
#include "store_bench.h"

#include "generated_provenance.h"
#include "progress_line.h"

#include <torchprov/triplestore.h>

#include "dataset.h"
#include "sparql/algebra.h"
#include "sparql/engine.h"

#include <malloc.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
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

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

// Targets printed next to the figures.
constexpr double target_load_tps = 500'000;
constexpr double target_query_ms = 40;
constexpr double target_bytes_per_triple = 150;
constexpr double target_reopen_s = 5;
constexpr double target_disk_bytes_per_triple = 200;
// A query (one repetition) running longer than this is reported as a timeout.
constexpr int query_timeout_s = 60;

// From the command line; the defaults are in store_command's table.
struct Settings {
  int runs = 0;
  int epochs = 0;
  int repeat = 0;
  bool oxigraph = true, jena = true;
  bool redland_sync = false;  // also time building the Redland copy (minutes at 15 M quads)
  bool require_oxigraph = false;  // a query Oxigraph does not answer is a failure (the smoke test's oracle)
  fs::path dir;
  fs::path data;     // an N-Triples / N-Quads file instead of the generated provenance
  fs::path queries;  // a folder of NAME-ORDER.rq files instead of the canonical queries
  // Generator only (the dashboard's scale benchmark): runs spread over this
  // many experiments, numbered from first_run, written to generate_only.
  int experiments = 1;
  int first_run = 0;
  fs::path generate_only;
};

std::size_t rss_bytes() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::size_t(std::strtoull(line.c_str() + 6, nullptr, 10)) * 1024;
  return 0;
}

using Query = BenchQuery;

// Queries from a folder: NAME-ORDER.rq (or NAME.rq); the orders of one
// NAME must give the same answer.  The variables are the query's own
// projection, read with the engine's parser.
std::vector<Query> folder_queries(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.path().extension() == ".rq") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  if (files.empty()) throw std::runtime_error(dir.string() + ": no .rq files");
  std::vector<Query> out;
  for (const auto& file : files) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    Query q;
    const std::string stem = file.stem().string();
    const auto dash = stem.rfind('-');
    q.name = dash == std::string::npos ? stem : stem.substr(0, dash);
    q.order = dash == std::string::npos ? "" : stem.substr(dash + 1);
    q.text = text.str();
    try {
      const auto plan = ts::sparql::translate_query(ts::sparql::parse_query(q.text));
      if (plan.form != ts::sparql::QueryForm::select) throw std::runtime_error("only SELECT queries are compared");
      for (int slot : plan.projection) q.vars.push_back(plan.slot_names[slot]);
    } catch (const std::exception& e) {
      throw std::runtime_error(file.string() + ": " + e.what());
    }
    out.push_back(std::move(q));
  }
  return out;
}

// ------------------------------------------------------------ results

using Row = std::vector<std::optional<std::string>>;

struct Outcome {
  bool ran = false;  // the engine was asked
  std::string error;
  std::vector<double> ms;
  std::size_t rows = 0;
  std::vector<Row> cells;
  double median() const {
    if (ms.empty()) return NAN;
    std::vector<double> v = ms;
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
  }
  bool ok() const { return ran && error.empty(); }
};

struct EngineLoad {
  bool ran = false;
  std::string error;
  double load_ms = NAN;
  std::size_t quads = 0;
  double rss_before = 0, rss_after = 0;
};

// Cells compared across engines: numbers by value (9 significant digits:
// AVG may round differently), everything else as text; rows as a sorted
// multiset (unordered queries come back in any order).
std::vector<std::string> canonical(const std::vector<Row>& rows) {
  std::vector<std::string> out;
  out.reserve(rows.size());
  for (const Row& row : rows) {
    std::string line;
    for (const auto& cell : row) {
      if (!cell) {
        line += "\x01|";
        continue;
      }
      char* end = nullptr;
      const double v = std::strtod(cell->c_str(), &end);
      if (!cell->empty() && end && *end == '\0' && std::isfinite(v)) {
        char b[40];
        std::snprintf(b, sizeof b, "%.9g", v);
        line += b;
      } else {
        line += *cell;
      }
      line += '|';
    }
    out.push_back(std::move(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// --- a minimal JSON reader for the engines' result lines -------------------

struct Json {
  enum Kind { null, number, string, array, object, boolean } kind = null;
  double num = 0;
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;
  const Json* get(std::string_view key) const {
    for (const auto& [k, v] : fields)
      if (k == key) return &v;
    return nullptr;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string_view text) : s_(text) {}
  Json parse() {
    Json v = value();
    ws();
    return v;
  }

 private:
  void ws() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  [[noreturn]] void fail() { throw std::runtime_error("bad JSON from an engine"); }
  char peek() {
    ws();
    if (i_ >= s_.size()) fail();
    return s_[i_];
  }
  void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += char(cp);
    } else if (cp < 0x800) {
      out += char(0xc0 | (cp >> 6));
      out += char(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      out += char(0xe0 | (cp >> 12));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    } else {
      out += char(0xf0 | (cp >> 18));
      out += char(0x80 | ((cp >> 12) & 0x3f));
      out += char(0x80 | ((cp >> 6) & 0x3f));
      out += char(0x80 | (cp & 0x3f));
    }
  }
  std::string string_value() {
    if (peek() != '"') fail();
    ++i_;
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i_ >= s_.size()) fail();
      c = s_[i_++];
      switch (c) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i_ + 4 > s_.size()) fail();
          unsigned cp = unsigned(std::stoul(std::string(s_.substr(i_, 4)), nullptr, 16));
          i_ += 4;
          if (cp >= 0xd800 && cp < 0xdc00 && i_ + 6 <= s_.size() && s_[i_] == '\\' && s_[i_ + 1] == 'u') {
            const unsigned lo = unsigned(std::stoul(std::string(s_.substr(i_ + 2, 4)), nullptr, 16));
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i_ += 6;
          }
          append_utf8(out, cp);
          break;
        }
        default: out += c;
      }
    }
    if (i_ >= s_.size()) fail();
    ++i_;
    return out;
  }
  Json value() {
    Json v;
    const char c = peek();
    if (c == '{') {
      v.kind = Json::object;
      ++i_;
      if (peek() == '}') return ++i_, v;
      while (true) {
        std::string key = string_value();
        if (peek() != ':') fail();
        ++i_;
        v.fields.emplace_back(std::move(key), value());
        if (peek() == ',') {
          ++i_;
          continue;
        }
        if (peek() != '}') fail();
        ++i_;
        return v;
      }
    }
    if (c == '[') {
      v.kind = Json::array;
      ++i_;
      if (peek() == ']') return ++i_, v;
      while (true) {
        v.items.push_back(value());
        if (peek() == ',') {
          ++i_;
          continue;
        }
        if (peek() != ']') fail();
        ++i_;
        return v;
      }
    }
    if (c == '"') {
      v.kind = Json::string;
      v.str = string_value();
      return v;
    }
    if (s_.substr(i_, 4) == "null") return i_ += 4, v;
    if (s_.substr(i_, 4) == "true") return i_ += 4, v.kind = Json::boolean, v.num = 1, v;
    if (s_.substr(i_, 5) == "false") return i_ += 5, v.kind = Json::boolean, v;
    v.kind = Json::number;
    const std::string rest(s_.substr(i_, 64));
    char* end = nullptr;
    v.num = std::strtod(rest.c_str(), &end);
    if (end == rest.c_str()) fail();
    i_ += std::size_t(end - rest.c_str());
    return v;
  }
  std::string_view s_;
  std::size_t i_ = 0;
};

// Reads an engine's OUT.jsonl into the load figures and per-query outcomes.
void read_engine_output(const fs::path& file, EngineLoad& load, std::map<std::string, Outcome>& outcomes) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    Json j;
    try {
      j = JsonParser(line).parse();
    } catch (const std::exception&) {
      continue;  // a line cut by a kill
    }
    if (j.get("engine")) {
      load.ran = true;
      if (auto* v = j.get("load_ms")) load.load_ms = v->num;
      if (auto* v = j.get("quads")) load.quads = std::size_t(v->num);
      if (auto* v = j.get("rss_before")) load.rss_before = v->num;
      if (auto* v = j.get("rss_after")) load.rss_after = v->num;
      continue;
    }
    const Json* id = j.get("id");
    if (!id) continue;
    Outcome& o = outcomes[id->str];
    o.ran = true;
    if (auto* ms = j.get("ms"))
      for (const Json& m : ms->items) o.ms.push_back(m.num);
    if (auto* e = j.get("error")) {
      o.error = e->str.empty() ? "error" : e->str;
      continue;
    }
    if (auto* r = j.get("rows")) o.rows = std::size_t(r->num);
    if (auto* cells = j.get("cells"))
      for (const Json& row : cells->items) {
        Row out;
        for (const Json& c : row.items)
          out.push_back(c.kind == Json::null ? std::nullopt : std::optional<std::string>(c.str));
        o.cells.push_back(std::move(out));
      }
  }
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

int run_command(const std::string& command) {
  std::fflush(stdout);
  const int status = std::system(command.c_str());
  if (status == -1) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string tail_of(const fs::path& file, std::size_t n = 600) {
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  return s.size() > n ? s.substr(s.size() - n) : s;
}

// ------------------------------------------------------------ torchprov

struct StoreFigures {
  std::size_t quads = 0;
  double ack_ms = NAN, returned_ms = NAN, close_ms = NAN, reopen_ms = NAN, redland_sync_ms = NAN;
  double disk_bytes = 0;  // every file of the store directory after close
  double rss_load = 0, rss_reopen = 0;  // bytes the store holds after load / after reopen
  std::size_t dataset_bytes = 0;
};

Outcome run_torchprov_query(const ts::Dataset& dataset, const Query& q, int repeat) {
  Outcome o;
  o.ran = true;
  ts::sparql::QueryOptions options;
  options.timeout = std::chrono::seconds(query_timeout_s);
  try {
    ts::sparql::execute_query(dataset, q.text, options);  // warm-up, untimed (as for the other engines)
    for (int i = 0; i < repeat; ++i) {
      const auto t = Clock::now();
      ts::sparql::QueryResult result = ts::sparql::execute_query(dataset, q.text, options);
      o.ms.push_back(ms_since(t));
      if (i + 1 < repeat) continue;
      o.rows = result.rows.size();
      std::vector<std::size_t> column;
      for (const std::string& v : q.vars) {
        auto it = std::find(result.variables.begin(), result.variables.end(), v);
        column.push_back(it == result.variables.end() ? std::size_t(-1) : std::size_t(it - result.variables.begin()));
      }
      for (const auto& row : result.rows) {
        Row out;
        for (std::size_t c : column) {
          if (c == std::size_t(-1) || c >= row.size() || !row[c])
            out.push_back(std::nullopt);
          else
            out.push_back(row[c]->value);
        }
        o.cells.push_back(std::move(out));
      }
    }
  } catch (const std::exception& e) {
    o.error = e.what();
  }
  return o;
}

// ------------------------------------------------------------ printing

std::string fmt_ms(const Outcome& o) {
  if (!o.ran) return "-";
  if (!o.error.empty()) return o.error.find("timed out") != std::string::npos ? "timeout" : "error";
  char b[32];
  const double m = o.median();
  std::snprintf(b, sizeof b, m < 10 ? "%.2f" : m < 1000 ? "%.1f" : "%.0f", m);
  return b;
}

std::string fmt_ratio(const Outcome& a, const Outcome& b) {
  if (!a.ok() || !b.ok()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fx", a.median() / std::max(b.median(), 1e-3));
  return buf;
}

std::string fmt_rate(double quads, double ms) {
  if (!(ms > 0)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.0f k/s", quads / ms);  // quads per ms = k per s
  return b;
}

std::string fmt_bytes_per(double bytes, double quads) {
  if (!(quads > 0) || bytes <= 0) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.0f B", bytes / quads);
  return b;
}

const char* pass(bool ok) { return ok ? "PASS" : "MISS"; }

}  // namespace

int store_benchmark(const cli::Arguments& args) {
  Settings s;
  s.runs = int(args.integer("--runs", 1, 100'000'000));
  s.epochs = int(args.integer("--epochs", 1, 100'000'000));
  s.repeat = int(args.integer("--repeat", 1, 10'000));
  s.oxigraph = !args.has("--skip-oxigraph");
  s.jena = !args.has("--skip-jena");
  const char* tmp = std::getenv("TMPDIR");
  s.dir = args.has("--dir") ? fs::path(args.value("--dir"))
                            : fs::path(tmp && *tmp ? tmp : "/tmp") / ("torchprov-bench-store-" + std::to_string(getuid()));
  s.data = args.value("--data");
  s.queries = args.value("--queries");
  if (!s.data.empty() && s.data.extension() != ".nt" && s.data.extension() != ".nq")
    throw cli::UsageError("--data takes an N-Triples (.nt) or N-Quads (.nq) file");
  s.experiments = int(args.integer("--experiments", 1, 1'000'000));
  s.first_run = int(args.integer("--first-run", 0, 1'000'000'000));
  s.generate_only = args.value("--generate-only");
  s.redland_sync = args.has("--redland-sync");
  s.require_oxigraph = args.has("--require-oxigraph");
  if ((args.has("--experiments") || args.has("--first-run")) && s.generate_only.empty())
    throw cli::UsageError("--experiments and --first-run go with --generate-only FILE");

  if (!s.generate_only.empty()) {
    const auto t = Clock::now();
    std::size_t quads = 0;
    {
      ProgressLine progress;
      quads = generate(s.generate_only, s.runs, s.epochs, s.experiments, s.first_run, progress.handler());
    }
    std::printf("generated %zu quads (%d runs x %d epochs in %d experiment%s, %.0f MB N-Quads) in %.1f s: %s\n",
                quads, s.runs, s.epochs, s.experiments, s.experiments == 1 ? "" : "s",
                double(fs::file_size(s.generate_only)) / 1e6, ms_since(t) / 1000, s.generate_only.c_str());
    return cli::exit_success;
  }

  int failures = 0;
  try {
    fs::create_directories(s.dir);
    const fs::path data = s.data.empty() ? s.dir / "provenance.nq" : fs::absolute(s.data);
    const fs::path store_dir = s.dir / "store";
    const fs::path query_dir = s.dir / "queries";
    fs::remove_all(store_dir);
    fs::remove_all(query_dir);
    fs::create_directories(query_dir);

    auto t = Clock::now();
    if (s.data.empty()) {
      std::printf("torchprov bench store: %d runs x %d epochs, %d repetitions per query, in %s\n", s.runs, s.epochs,
                  s.repeat, s.dir.c_str());
      std::size_t quads = 0;
      {
        ProgressLine progress;
        quads = generate(data, s.runs, s.epochs, 1, 0, progress.handler());
      }
      std::printf("generated %zu quads (%.0f MB N-Quads) in %.1f s\n", quads, double(fs::file_size(data)) / 1e6,
                  ms_since(t) / 1000);
    } else {
      std::printf("torchprov bench store: %s (%.0f MB), %d repetitions per query, in %s\n", data.c_str(),
                  double(fs::file_size(data)) / 1e6, s.repeat, s.dir.c_str());
    }

    const std::vector<Query> queries = s.queries.empty() ? canonical_queries(s.epochs) : folder_queries(s.queries);
    {
      std::ofstream list(query_dir / "list.txt");
      for (const Query& q : queries) {
        std::ofstream(query_dir / (q.id() + ".rq")) << q.text;
        list << q.id();
        for (const auto& v : q.vars) list << ' ' << v;
        list << '\n';
      }
    }

    // ---- torchprov: load into a fresh persistent store, close, reopen.
    // The data file's own writeback would compete with the store's fsyncs.
    ::sync();
    StoreFigures tp;
    std::map<std::string, Outcome> tp_out;
    {
      malloc_trim(0);
      const double rss0 = double(rss_bytes());
      // What `torchprov import --store` does, timed until it would return:
      // open, import, close.
      t = Clock::now();
      std::optional<ts::Store> store(ts::Store::open(store_dir));
      {
        ProgressLine progress;
        tp.quads = ts::import_file(*store, data, std::nullopt, {}, progress.handler());
      }
      tp.ack_ms = ms_since(t);
      malloc_trim(0);
      tp.rss_load = double(rss_bytes()) - rss0;
      const auto closing = Clock::now();
      store.reset();
      tp.close_ms = ms_since(closing);
      tp.returned_ms = ms_since(t);
      for (const auto& entry : fs::recursive_directory_iterator(store_dir))
        if (entry.is_regular_file()) tp.disk_bytes += double(entry.file_size());
      std::printf("torchprov: %zu quads acknowledged (journal durable) in %.2f s, closed %.2f s later: %.0f "
                  "B a quad on disk\n",
                  tp.quads, tp.ack_ms / 1000, tp.close_ms / 1000, tp.disk_bytes / double(tp.quads));
      std::fflush(stdout);
      malloc_trim(0);
      const double rss1 = double(rss_bytes());
      t = Clock::now();
      store.emplace(ts::Store::open(store_dir));
      tp.reopen_ms = ms_since(t);
      tp.rss_reopen = double(rss_bytes()) - rss1;
      auto view = store->read();
      tp.dataset_bytes = view.dataset().memory_bytes();
      std::printf("torchprov: reopen %.2f s\n", tp.reopen_ms / 1000);
      for (const Query& q : queries) {
        tp_out[q.id()] = run_torchprov_query(view.dataset(), q, s.repeat);
        std::printf("  %-34s %10s ms  %zu rows%s%s\n", q.id().c_str(), fmt_ms(tp_out[q.id()]).c_str(),
                    tp_out[q.id()].rows, tp_out[q.id()].error.empty() ? "" : "  ",
                    tp_out[q.id()].error.c_str());
        std::fflush(stdout);
      }
    }
    if (s.redland_sync) {
      // What `torchprov redland-sync` does for rdfproc users: build the copy.
      t = Clock::now();
      ts::Store store = ts::Store::open(store_dir, {.redland_copy = true});
      store.wait_for_redland();
      tp.redland_sync_ms = ms_since(t);
      std::printf("torchprov: Redland copy built in %.2f s\n", tp.redland_sync_ms / 1000);
    }

    // ---- the other engines, one process each.
    const fs::path bench_dir = TORCHPROV_BENCH_DIR;
    const int engine_limit_s = 300 + s.repeat * int(queries.size()) * 20;
    EngineLoad ox_load, jena_load;
    std::map<std::string, Outcome> ox_out, jena_out;
    if (s.oxigraph) {
      const fs::path dir = bench_dir / "oxigraph";
      const fs::path out = s.dir / "oxigraph.jsonl", log = s.dir / "oxigraph.log";
      fs::remove(out);
      int rc = 0;
      if (!fs::exists(dir / "node_modules" / "oxigraph")) {
        std::printf("oxigraph: npm ci in %s\n", dir.c_str());
        rc = run_command("cd " + shell_quote(dir.string()) + " && npm ci --no-audit --no-fund > " +
                         shell_quote(log.string()) + " 2>&1");
      }
      if (rc == 0) {
        std::printf("oxigraph: loading and querying (node)...\n");
        std::fflush(stdout);
        t = Clock::now();
        rc = run_command("timeout -k 10 " + std::to_string(engine_limit_s) +
                         " node --max-old-space-size=8192 --expose-gc " + shell_quote((dir / "bench.mjs").string()) +
                         " " + shell_quote(data.string()) + " " + shell_quote(query_dir.string()) + " " +
                         std::to_string(s.repeat) + " " + shell_quote(out.string()) + " >> " +
                         shell_quote(log.string()) + " 2>&1");
        std::printf("oxigraph: done in %.1f s (exit %d)\n", ms_since(t) / 1000, rc);
      }
      read_engine_output(out, ox_load, ox_out);
      if (rc != 0) ox_load.error = "exit " + std::to_string(rc) + ": " + tail_of(log);
      for (const Query& q : queries)
        if (!ox_out[q.id()].ran) ox_out[q.id()] = {true, rc == 124 || rc == 137 ? "timed out" : "not run"};
    }
    if (s.jena) {
      const fs::path out = s.dir / "jena.jsonl", log = s.dir / "jena.log";
      fs::remove(out);
      std::printf("jena: loading and querying (java)...\n");
      std::fflush(stdout);
      t = Clock::now();
      const int rc = run_command("timeout -k 10 " + std::to_string(engine_limit_s) + " " +
                                 shell_quote((bench_dir / "jena_bench.sh").string()) + " " +
                                 shell_quote(data.string()) + " " + shell_quote(query_dir.string()) + " " +
                                 std::to_string(s.repeat) + " " + shell_quote(out.string()) + " > " +
                                 shell_quote(log.string()) + " 2>&1");
      std::printf("jena: done in %.1f s (exit %d)\n", ms_since(t) / 1000, rc);
      read_engine_output(out, jena_load, jena_out);
      if (rc != 0) jena_load.error = "exit " + std::to_string(rc) + ": " + tail_of(log);
      for (const Query& q : queries)
        if (!jena_out[q.id()].ran) jena_out[q.id()] = {true, rc == 124 || rc == 137 ? "timed out" : "not run"};
    }

    // ---- the table.
    std::printf("\n%-26s %-7s %7s %12s %12s %12s %8s %8s  %-6s %s\n", "query", "order", "rows", "torchprov ms",
                "oxigraph ms", "jena ms", "tp/oxi", "tp/jena", "target", "agree");
    std::printf("%s\n", std::string(128, '-').c_str());
    std::map<std::string, std::vector<std::string>> natural_results;
    for (const Query& q : queries) {
      const Outcome& a = tp_out[q.id()];
      const Outcome& b = ox_out[q.id()];
      const Outcome& c = jena_out[q.id()];
      if (!a.ok()) ++failures;
      // Agreement: every engine that answered, and the two orders of torchprov.
      std::string agree = a.ok() ? "yes" : "NO (torchprov: " + a.error + ")";
      const std::vector<std::string> mine = a.ok() ? canonical(a.cells) : std::vector<std::string>{};
      auto compare = [&](const Outcome& other, const char* name) {
        if (!a.ok() || !other.ok()) return;
        if (other.rows != a.rows) {
          agree = std::string("NO (") + name + " " + std::to_string(other.rows) + " rows)";
          ++failures;
        } else if (canonical(other.cells) != mine) {
          agree = std::string("NO (") + name + " values differ)";
          ++failures;
        }
      };
      compare(b, "oxigraph");
      compare(c, "jena");
      if (s.require_oxigraph && a.ok() && !b.ok()) {
        agree = "NO (oxigraph did not answer: " + (b.error.empty() ? std::string("not run") : b.error.substr(0, 80)) + ")";
        ++failures;
      }
      // At the smoke test's size the generated data answers every canonical
      // query: no rows there means a broken query or store.
      if (s.require_oxigraph && a.ok() && a.rows == 0 && s.queries.empty()) {
        agree = "NO (no rows)";
        ++failures;
      }
      if (a.ok()) {
        auto [it, fresh] = natural_results.emplace(q.name, mine);
        if (!fresh && it->second != mine) {
          agree = "NO (orders differ)";
          ++failures;
        }
      }
      // Target: <= 40 ms median and never slower than Oxigraph.
      bool target = a.ok() && a.median() <= target_query_ms;
      if (b.ok() && a.ok()) target = target && a.median() <= b.median();
      std::printf("%-26s %-7s %7zu %12s %12s %12s %8s %8s  %-6s %s\n", q.name.c_str(), q.order.c_str(), a.rows,
                  fmt_ms(a).c_str(), fmt_ms(b).c_str(), fmt_ms(c).c_str(), fmt_ratio(a, b).c_str(),
                  fmt_ratio(a, c).c_str(), pass(target), agree.c_str());
      for (const auto* o : {&b, &c})
        if (o->ran && !o->error.empty() && o->error != "not run" && o->error != "timed out")
          std::printf("    %s: %s\n", o == &b ? "oxigraph" : "jena", o->error.substr(0, 300).c_str());
    }

    std::printf("\n%-34s %14s %14s %14s   %s\n", "load and memory", "torchprov", "oxigraph", "jena", "target");
    std::printf("%s\n", std::string(100, '-').c_str());
    const double tp_returned_tps = double(tp.quads) / (tp.returned_ms / 1000);
    auto engine_rate = [](const EngineLoad& l) { return l.ran ? fmt_rate(double(l.quads), l.load_ms) : "-"; };
    auto engine_mem = [](const EngineLoad& l) {
      return l.ran ? fmt_bytes_per(l.rss_after - l.rss_before, double(l.quads)) : "-";
    };
    std::printf("%-34s %14zu %14s %14s\n", "quads loaded", tp.quads,
                ox_load.ran ? std::to_string(ox_load.quads).c_str() : "-",
                jena_load.ran ? std::to_string(jena_load.quads).c_str() : "-");
    std::printf("%-34s %14s %14s %14s\n", "load, acknowledged (durable)", fmt_rate(double(tp.quads), tp.ack_ms).c_str(),
                engine_rate(ox_load).c_str(), engine_rate(jena_load).c_str());
    std::printf("%-34s %14s %14s %14s   >= 500 k/s %s\n", "load, until the command returns",
                fmt_rate(double(tp.quads), tp.returned_ms).c_str(), "-", "-",
                pass(tp_returned_tps >= target_load_tps));
    std::printf("%-34s %14s %14s %14s   <= 200 B %s\n", "store on disk per quad",
                fmt_bytes_per(tp.disk_bytes, double(tp.quads)).c_str(), "-", "-",
                pass(tp.disk_bytes / double(tp.quads) <= target_disk_bytes_per_triple));
    if (s.redland_sync)
      std::printf("%-34s %14s %14s %14s\n", "Redland copy built (redland-sync)",
                  fmt_rate(double(tp.quads), tp.redland_sync_ms).c_str(), "-", "-");
    std::printf("%-34s %14s %14s %14s\n", "RSS per quad after load",
                fmt_bytes_per(tp.rss_load, double(tp.quads)).c_str(), engine_mem(ox_load).c_str(),
                engine_mem(jena_load).c_str());
    std::printf("%-34s %14s %14s %14s   <= 150 B %s\n", "RSS per quad after reopen",
                fmt_bytes_per(tp.rss_reopen, double(tp.quads)).c_str(), "-", "-",
                pass(tp.rss_reopen / double(tp.quads) <= target_bytes_per_triple));
    std::printf("%-34s %14s %14s %14s\n", "dataset estimate per quad",
                fmt_bytes_per(double(tp.dataset_bytes), double(tp.quads)).c_str(), "-", "-");
    char reopen[32];
    std::snprintf(reopen, sizeof reopen, "%.2f s", tp.reopen_ms / 1000);
    std::printf("%-34s %14s %14s %14s   <= 5 s %s\n", "reopen", reopen, "-", "-",
                pass(tp.reopen_ms / 1000 <= target_reopen_s));
    for (const auto& [name, load] : {std::pair{"oxigraph", &ox_load}, std::pair{"jena", &jena_load}})
      if (!load->error.empty()) std::printf("%s: %s\n", name, load->error.c_str());
    for (const auto& [name, load] : {std::pair{"oxigraph", &ox_load}, std::pair{"jena", &jena_load}})
      if (load->ran && load->quads != tp.quads) {
        std::printf("%s loaded %zu quads, torchprov %zu: DISAGREE\n", name, load->quads, tp.quads);
        ++failures;
      }
    std::printf("\n%s\n", failures ? "FAILED: a query failed or the engines disagree" : "all queries ran; engines agree");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "torchprov bench store: %s\n", e.what());
    return cli::exit_failure;
  }
  return failures ? cli::exit_failure : cli::exit_success;
}

const cli::Command store_command{
    .name = "bench store",
    .summary = "The store against Oxigraph and Jena: load rate, memory per quad, reopen time and the canonical "
               "analysis queries in two pattern orders, side by side.",
    .options =
        {
            {.name = "--runs", .value = "R", .help = "synthetic runs", .default_value = "1000"},
            {.name = "--epochs", .value = "E", .help = "epochs per synthetic run", .default_value = "100"},
            {.name = "--repeat", .value = "N", .help = "timed repetitions per query (median reported)", .default_value = "5"},
            {.name = "--skip-oxigraph", .help = "leave Oxigraph (npm, node) out"},
            {.name = "--skip-jena", .help = "leave Jena ARQ (Debian's libapache-jena-java) out"},
            {.name = "--redland-sync",
             .help = "also time bringing the store's Redland copy up to date (torchprov redland-sync; minutes at 15 M quads)"},
            {.name = "--require-oxigraph",
             .help = "Oxigraph is the oracle: a query it does not answer fails the run, and so does a canonical query "
                     "answering no rows (by default an engine that errs or times out is only reported, and data too small "
                     "to hold an answer, e.g. 2 epochs for val-loss-rising-3, is no failure)"},
            {.name = "--dir", .value = "DIR", .help = "holds the data, the store and the engines' outputs",
             .default_help = "$TMPDIR/torchprov-bench-store-UID"},
            {.name = "--data", .value = "FILE", .help = "load this .nt / .nq file instead of synthetic provenance"},
            {.name = "--queries", .value = "DIR",
             .help = "run DIR/NAME-ORDER.rq (SELECT) instead of the canonical queries; every order of a NAME and "
                     "every engine must agree"},
            {.name = "--generate-only", .value = "FILE",
             .help = "only write the synthetic provenance (N-Quads, .nq) to FILE and exit"},
            {.name = "--experiments", .value = "X", .help = "with --generate-only: runs spread over X experiments",
             .default_value = "1"},
            {.name = "--first-run", .value = "K", .help = "with --generate-only: runs numbered from K",
             .default_value = "0"},
        },
    .details = "Data: N-Triples (.nt, application/n-triples) or N-Quads (.nq, application/n-quads); queries: SPARQL\n"
               "1.1 SELECT files (.rq).  bench/generic/ has a LUBM-like workload.  Exits 1 when a query fails or\n"
               "the engines disagree.",
    .example = "torchprov bench store --runs 100 --epochs 50 --skip-jena",
    .run = store_benchmark,
};

}  // namespace torchprov::bench
