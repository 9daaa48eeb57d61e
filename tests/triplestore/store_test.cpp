#include "dataset.h"
#include "sparql/engine.h"
#include "store_files.h"

#include <gtest/gtest.h>
#include <torchprov/triplestore.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

namespace ts = torchprov::triplestore;
using torchprov::Statement;
using torchprov::Term;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/torchprov-store-test-XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::vector<Statement> batch(int first, int n, const std::string& graph = {}) {
  std::vector<Statement> out;
  for (int i = first; i < first + n; ++i)
    out.push_back({Term::iri("https://w3id.org/torchprov/entity/" + std::to_string(i)),
                   Term::iri("http://www.w3.org/ns/prov#value"),
                   Term::literal(std::to_string(i * 0.5), "http://www.w3.org/2001/XMLSchema#double"), graph});
  return out;
}

const ts::StoreOptions read_only{.access = ts::StoreAccess::read};

// A writer that keeps the Redland copy current (StoreOptions::redland_copy).
const ts::StoreOptions with_redland{.redland_copy = true};

// Every statement of the store's Redland copy, read back through a store
// without a snapshot (which loads the working set from Redland).
std::size_t count_graph(const ts::Store& store, const std::string& graph);
std::size_t count_in_redland(const std::filesystem::path& dir, const std::string& graph) {
  std::filesystem::remove(dir / "dataset.snap");
  return count_graph(ts::Store::open(dir), graph);
}

std::size_t count_graph(const ts::Store& store, const std::string& graph) {
  auto view = store.read();
  const ts::Dataset& d = view.dataset();
  auto id = graph.empty() ? std::optional<ts::TermId>(ts::default_graph_id) : d.lookup(Term::iri(graph));
  return id ? d.count({0, 0, 0, *id}) : 0;
}

}  // namespace

TEST(Store, PersistsAcrossReopenWithAndWithoutSnapshot) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    EXPECT_EQ(store.insert(batch(0, 100), "urn:g1"), 100u);
    EXPECT_EQ(store.insert(batch(0, 100), "urn:g1"), 0u);  // duplicates change nothing
    EXPECT_EQ(store.insert(batch(50, 100)), 100u);         // default graph
    EXPECT_EQ(store.read().dataset().size(), 200u);
    store.wait_for_redland();
    store.checkpoint();  // the journal no longer holds the batches
  }
  {
    auto store = ts::Store::open(dir.path());
    EXPECT_EQ(count_graph(store, "urn:g1"), 100u);
    EXPECT_EQ(count_graph(store, ""), 100u);
    const auto stats = store.stats();
    EXPECT_EQ(stats.triples, 200u);
    ASSERT_EQ(stats.graphs.size(), 2u);
    EXPECT_EQ(stats.predicates.at(0).second, 200u);
    EXPECT_EQ(stats.redland_sequence, stats.committed_sequence);
  }
  // The snapshot alone brings the working set back (Redland files moved away).
  const auto aside = dir.path() / "aside";
  std::filesystem::create_directories(aside);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (entry.path().filename().string().starts_with("redland-")) std::filesystem::rename(entry.path(), aside / entry.path().filename());
  {
    auto store = ts::Store::open(dir.path());
    EXPECT_EQ(store.read().dataset().size(), 200u);
  }
  for (const auto& entry : std::filesystem::directory_iterator(aside))
    std::filesystem::rename(entry.path(), dir.path() / entry.path().filename());
  // Without the snapshot the working set comes back from Redland.
  std::filesystem::remove(dir.path() / "dataset.snap");
  {
    auto store = ts::Store::open(dir.path());
    EXPECT_EQ(count_graph(store, "urn:g1"), 100u);
    EXPECT_EQ(count_graph(store, ""), 100u);
    EXPECT_EQ(store.read().dataset().size(), 200u);
  }
}

TEST(Store, DeleteAndReplaceGraph) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 10), "urn:a");
    store.insert(batch(0, 10), "urn:b");
    EXPECT_EQ(store.delete_graph("urn:a"), 10u);
    EXPECT_EQ(store.delete_graph("urn:a"), 0u);
    EXPECT_EQ(store.delete_graph("urn:never"), 0u);
    store.replace_graph("urn:b", batch(100, 3));
    EXPECT_EQ(count_graph(store, "urn:b"), 3u);
  }
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.wait_for_redland();
    store.checkpoint();
  }
  std::filesystem::remove(dir.path() / "dataset.snap");  // check Redland agrees
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(count_graph(store, "urn:a"), 0u);
  EXPECT_EQ(count_graph(store, "urn:b"), 3u);
  EXPECT_EQ(store.read().dataset().size(), 3u);
}

TEST(Store, ModifyJournalsTheDelta) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 5), "urn:g");
    store.modify([](ts::Dataset& d) {
      ts::sparql::UpdateDelta delta;
      const ts::Quad added{d.intern(Term::iri("urn:s")), d.intern(Term::iri("urn:p")),
                           d.intern(Term::lang_literal("neu", "de")), d.intern(Term::iri("urn:g"))};
      if (d.insert(added)) delta.added.push_back(added);
      std::vector<ts::Quad> doomed;
      d.match({0, 0, 0, *d.lookup(Term::iri("urn:g"))}, [&](const ts::Quad& q) {
        if (q.s != added.s) doomed.push_back(q);
        return doomed.size() < 2;
      });
      for (const auto& q : doomed)
        if (d.erase(q)) delta.removed.push_back(q);
      return delta;
    });
    EXPECT_EQ(count_graph(store, "urn:g"), 4u);
  }
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(count_graph(store, "urn:g"), 4u);
  auto view = store.read();
  EXPECT_TRUE(view.dataset().lookup(Term::lang_literal("neu", "de")).has_value());
}

// ------------------------------------------------------------ snapshot + journal

namespace {

// Every quad matching each of the 16 patterns bound from `probe`, in match order.
std::vector<std::vector<ts::Quad>> answers(const ts::Dataset& d, const ts::Quad& probe) {
  std::vector<std::vector<ts::Quad>> out;
  for (int mask = 0; mask < 16; ++mask) {
    const ts::Quad pattern{mask & 1 ? probe.s : 0, mask & 2 ? probe.p : 0, mask & 4 ? probe.o : 0,
                           mask & 8 ? probe.g : 0};
    auto& found = out.emplace_back();
    d.match(pattern, [&](const ts::Quad& q) {
      found.push_back(q);
      return true;
    });
    EXPECT_EQ(found.size(), d.count(pattern)) << "mask " << mask;
  }
  return out;
}

std::vector<Statement> mixed(int first, int n, const std::string& graph) {
  std::vector<Statement> out;
  for (int i = first; i < first + n; ++i) {
    const Term s = Term::iri("urn:run/" + std::to_string(i % 97));
    out.push_back({s, Term::iri("urn:p/" + std::to_string(i % 5)), Term::literal(std::to_string(i)), graph});
    out.push_back({s, Term::iri("urn:next"), Term::iri("urn:run/" + std::to_string((i + 1) % 97)), graph});
  }
  return out;
}

// Deletes every other quad of the graph through modify (journaled as removals).
void erase_every_other(ts::Store& store, const std::string& graph) {
  store.modify([&](ts::Dataset& d) {
    ts::sparql::UpdateDelta delta;
    std::vector<ts::Quad> doomed;
    int i = 0;
    d.match({0, 0, 0, *d.lookup(Term::iri(graph))}, [&](const ts::Quad& q) {
      if (i++ % 2 == 0) doomed.push_back(q);
      return true;
    });
    for (const auto& q : doomed)
      if (d.erase(q)) delta.removed.push_back(q);
    return delta;
  });
}

// The snapshot's header: sequence, term count and quad count.
std::array<std::uint64_t, 3> snapshot_header(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  char header[32];
  in.read(header, 32);
  std::array<std::uint64_t, 3> v{};
  std::memcpy(v.data(), header + 8, 24);
  return v;
}

}  // namespace

// Written while the indexes hold unfolded changes, then more batches (bulk
// and small, removals, a dropped graph, re-additions) in the journal only:
// every pattern answers the same after reopening, for a writer and a reader.
TEST(Store, SnapshotAndJournalReplayGiveBackEveryIndexOrder) {
  TempDir dir;
  std::vector<std::vector<ts::Quad>> before;
  ts::Quad probe;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(mixed(0, 6000, "urn:a"), "urn:a");
    store.insert(mixed(6000, 300, "urn:b"), "urn:b");
    erase_every_other(store, "urn:b");
    store.insert(mixed(7000, 50, "urn:c"), "urn:c");
    store.checkpoint();
    EXPECT_EQ(std::string(std::istreambuf_iterator<char>(std::ifstream(dir.path() / "dataset.snap").rdbuf()), {})
                  .substr(0, 8),
              "TPSNAP02");
    store.insert(mixed(8000, 5000, "urn:d"), "urn:d");
    erase_every_other(store, "urn:a");
    store.delete_graph("urn:c");
    store.insert(mixed(7000, 20, "urn:c"), "urn:c");
    store.insert(mixed(9000, 3000, "urn:b"), "urn:b");
    auto view = store.read();
    const ts::Dataset& d = view.dataset();
    d.match({0, 0, 0, *d.lookup(Term::iri("urn:c"))}, [&](const ts::Quad& q) {
      probe = q;
      return false;
    });
    before = answers(d, probe);
  }
  EXPECT_GT(before[0].size(), 10000u);
  for (const ts::StoreOptions& options : {read_only, ts::StoreOptions{}}) {
    auto store = ts::Store::open(dir.path(), options);
    auto view = store.read();
    EXPECT_EQ(answers(view.dataset(), probe), before);
  }
  // The writer's close wrote nothing new; a checkpoint now snapshots it all.
  {
    auto store = ts::Store::open(dir.path());
    store.checkpoint();
  }
  auto store = ts::Store::open(dir.path(), read_only);
  EXPECT_EQ(answers(store.read().dataset(), probe), before);
}

// A snapshot damaged anywhere (here, in its fourth index order) is never
// served: it fails its checksum, and without it the journal does not reach
// back far enough, so both kinds of open refuse the store with the reason.
TEST(Store, DamagedSnapshotIsRefusedNotServed) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(mixed(0, 2000, "urn:a"), "urn:a");
    store.checkpoint();
    store.insert(mixed(2000, 10, "urn:a"), "urn:a");
  }
  const auto file = dir.path() / "dataset.snap";
  const auto [sequence, terms, quads] = snapshot_header(file);
  EXPECT_EQ(quads, 2097u);  // 2000 distinct values and 97 links
  {
    std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(std::streamoff(32 + 3 * quads * 16 + 77));
    char c = 0;
    f.read(&c, 1);
    c = char(c ^ 0x10);
    f.seekp(std::streamoff(32 + 3 * quads * 16 + 77));
    f.write(&c, 1);
  }
  for (const ts::StoreOptions& options : {read_only, ts::StoreOptions{}}) {
    try {
      ts::Store::open(dir.path(), options);
      FAIL() << "a store with a damaged snapshot opened";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("journal starts after batch 1"), std::string::npos) << e.what();
    }
  }
}

// Stores written before TPSNAP02 hold the quads once, in SPOG order, with an
// FNV-1a checksum: they still open, and their next checkpoint rewrites them.
TEST(Store, FirstVersionSnapshotStillOpens) {
  TempDir dir;
  std::vector<std::vector<ts::Quad>> before;
  ts::Quad probe;
  std::vector<ts::Quad> spog;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(mixed(0, 3000, "urn:a"), "urn:a");
    store.insert(mixed(3000, 100, "urn:b"), "urn:b");
    store.checkpoint();
    store.insert(mixed(5000, 100, "urn:b"), "urn:b");
    auto view = store.read();
    probe = {0, 0, 0, *view.dataset().lookup(Term::iri("urn:b"))};
    view.dataset().match({0, 0, 0, probe.g}, [&](const ts::Quad& q) {
      probe = q;
      return false;
    });
    before = answers(view.dataset(), probe);
  }
  const auto file = dir.path() / "dataset.snap";
  const auto [sequence, terms, quads] = snapshot_header(file);
  {
    // The quads the snapshot holds: the store at its sequence, read back in SPOG order.
    std::ifstream in(file, std::ios::binary);
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    for (std::uint64_t i = 0; i < quads; ++i) {
      std::uint32_t v[4];
      std::memcpy(v, bytes.data() + 32 + i * 16, 16);  // keys: s<<96 | p<<64 | o<<32 | g, little-endian
      spog.push_back({v[3], v[2], v[1], v[0]});
    }
  }
  std::string v1("TPSNAP01", 8);
  auto put = [&](const void* p, std::size_t n) { v1.append(static_cast<const char*>(p), n); };
  put(&sequence, 8);
  put(&terms, 8);
  put(&quads, 8);
  for (const ts::Quad& q : spog) {
    const std::uint32_t v[4] = {q.s, q.p, q.o, q.g};
    put(v, 16);
  }
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : v1) h = (h ^ c) * 1099511628211ull;
  put(&h, 8);
  std::ofstream(file, std::ios::binary | std::ios::trunc) << v1;
  for (const ts::StoreOptions& options : {read_only, ts::StoreOptions{}}) {
    auto store = ts::Store::open(dir.path(), options);
    EXPECT_EQ(answers(store.read().dataset(), probe), before);
    if (options.access == ts::StoreAccess::write) store.checkpoint();
  }
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(std::ifstream(file).rdbuf()), {}).substr(0, 8), "TPSNAP02");
  auto store = ts::Store::open(dir.path(), read_only);
  EXPECT_EQ(answers(store.read().dataset(), probe), before);
}

TEST(Store, MalformedFileImportsNothing) {
  TempDir dir;
  const auto good = dir.path() / "good.nt";
  const auto bad = dir.path() / "bad.ttl";
  std::ofstream(good) << "<urn:a> <urn:b> \"one\" .\n<urn:a> <urn:b> \"two\" .\n";
  std::ofstream(bad) << "@prefix ex: <http://example.org/> .\nex:a ex:b \"fine\" .\nex:a ex:b ex:c ;\n  ex:d \"x\" ex:e .\n";
  auto store = ts::Store::open(dir.path() / "store");
  EXPECT_EQ(ts::import_file(store, good), 2u);
  try {
    ts::import_file(store, bad);
    FAIL() << "no error";
  } catch (const ts::ParseError& e) {
    EXPECT_EQ(e.line, 4u);
    EXPECT_TRUE(std::string(e.what()).find("bad.ttl:4:") != std::string::npos) << e.what();
  }
  EXPECT_EQ(store.read().dataset().size(), 2u);
  // And the store keeps working after the abandoned import.
  EXPECT_EQ(store.insert(batch(0, 1)), 1u);
}

TEST(Store, ExportRoundTrip) {
  TempDir dir;
  auto store = ts::Store::open(dir.path());
  std::vector<Statement> tricky = {
      {Term::iri("urn:s"), Term::iri("urn:p"), Term::literal("a \"quoted\"\nline"), "urn:g"},
      {Term::iri("urn:s"), Term::iri("urn:p"), Term::lang_literal("é", "fr"), ""}};
  store.insert(tricky);
  std::ostringstream nq;
  store.export_to(nq, ts::RdfFormat::nquads);
  TempDir other;
  const auto file = other.path() / "dump.nq";
  std::ofstream(file) << nq.str();
  auto copy = ts::Store::open(other.path() / "copy");
  EXPECT_EQ(ts::import_file(copy, file), 2u);
  std::ostringstream one_graph;
  store.export_to(one_graph, ts::RdfFormat::ntriples, std::string("urn:g"));
  EXPECT_NE(one_graph.str().find("\\\"quoted\\\"\\n"), std::string::npos) << one_graph.str();
  EXPECT_EQ(one_graph.str().find("fr"), std::string::npos);
}

TEST(Store, SinkWritesAndFlushes) {
  TempDir dir;
  {
    auto sink = ts::open_store_sink(dir.path());
    auto b = batch(0, 7, "urn:run");
    sink->write(b);
    sink->flush();
    sink->close();
  }
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(count_graph(store, "urn:run"), 7u);
}

// A writer killed with SIGKILL loses no acknowledged batch, and a batch it
// was writing is either wholly there or absent.
TEST(Store, KillNineLosesNoAcknowledgedBatch) {
  TempDir dir;
  constexpr int batch_size = 50;
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(pipe_fds[0]);
    auto store = ts::Store::open(dir.path(), with_redland);
    for (int i = 0;; ++i) {
      store.insert(batch(i * batch_size, batch_size), "urn:crash");
      const int acknowledged = i + 1;
      if (::write(pipe_fds[1], &acknowledged, sizeof acknowledged) != sizeof acknowledged) ::_exit(1);
    }
  }
  ::close(pipe_fds[1]);
  int acknowledged = 0, value = 0;
  while (acknowledged < 40 && ::read(pipe_fds[0], &value, sizeof value) == sizeof value) acknowledged = value;
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  while (::read(pipe_fds[0], &value, sizeof value) == sizeof value) acknowledged = value;
  ::close(pipe_fds[0]);
  ASSERT_GE(acknowledged, 40);
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    const std::size_t n = count_graph(store, "urn:crash");
    EXPECT_GE(n, std::size_t(acknowledged) * batch_size);
    EXPECT_EQ(n % batch_size, 0u);
    store.wait_for_redland();
    store.checkpoint();
  }
  // Redland caught up, without duplicates, once the store reopened.
  std::filesystem::remove(dir.path() / "dataset.snap");
  auto store = ts::Store::open(dir.path());
  EXPECT_GE(count_graph(store, "urn:crash"), std::size_t(acknowledged) * batch_size);
}

// Redland files that open but fail a later write (what a process killed
// while BDB wrote them can leave) are rebuilt from memory at once: the
// store keeps going and Redland ends up with every statement.
TEST(Store, RedlandFilesFailingAWriteAreRebuiltFromMemory) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.insert(batch(0, 3000), "urn:g");
    store.wait_for_redland();
  }
  // Cut every BDB file to its first page: the header survives, the data
  // pages do not.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const auto name = entry.path().filename().string();
    if (name.starts_with("redland-") && name.ends_with(".db")) std::filesystem::resize_file(entry.path(), 4096);
  }
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.insert(batch(3000, 3000), "urn:g");
    EXPECT_NO_THROW(store.wait_for_redland());
    EXPECT_EQ(count_graph(store, "urn:g"), 6000u);
    store.checkpoint();
  }
  // Without the snapshot the working set is read back from Redland.
  std::filesystem::remove(dir.path() / "dataset.snap");
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(count_graph(store, "urn:g"), 6000u);
}

// Without a Redland copy, writes and closing never touch Redland: no
// Redland file appears, and the journal is the record until it grows past
// the checkpoint size (then a snapshot replaces it).
TEST(Store, WithoutARedlandCopyNothingWaitsForRedland) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 500), "urn:g");
    EXPECT_THROW(store.wait_for_redland(), std::logic_error);
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    EXPECT_FALSE(entry.path().filename().string().starts_with("redland")) << entry.path();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "dataset.snap"));  // a new store's journal is enough
  {
    auto store = ts::Store::open(dir.path(), {.checkpoint_bytes = 4096});
    EXPECT_EQ(count_graph(store, "urn:g"), 500u);
    store.insert(batch(500, 500), "urn:g");  // past the checkpoint size
    EXPECT_EQ(store.stats().redland_sequence, 0u);
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "dataset.snap"));
  EXPECT_LT(std::filesystem::file_size(dir.path() / "journal.log"), 64u);
  auto store = ts::Store::open(dir.path(), read_only);
  EXPECT_EQ(count_graph(store, "urn:g"), 1000u);
}

// A copy that fell behind while writers ran without it catches up from the
// journal, or, once checkpoints dropped the batches it lacks, is rebuilt
// from the dataset: either way it ends up holding exactly the store.
TEST(Store, RedlandCopyCatchesUpFromTheJournalOrIsRebuilt) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.insert(batch(0, 100), "urn:g");
    store.wait_for_redland();
  }
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(100, 100), "urn:g");
    store.delete_graph("urn:g");
    store.insert(batch(200, 30), "urn:g");
    EXPECT_EQ(store.stats().redland_sequence, 1u);
  }
  {
    auto store = ts::Store::open(dir.path(), with_redland);  // from the journal: batches 2 to 4
    store.wait_for_redland();
    EXPECT_EQ(store.stats().redland_sequence, 4u);
    store.checkpoint();  // count_in_redland below then reads Redland, not the journal
  }
  EXPECT_EQ(count_in_redland(dir.path(), "urn:g"), 30u);
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(300, 40), "urn:h");
    store.checkpoint();  // batch 5 now only in the snapshot
  }
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.wait_for_redland();  // rebuilt
    EXPECT_EQ(store.stats().redland_sequence, 5u);
    store.checkpoint();
  }
  EXPECT_EQ(count_in_redland(dir.path(), "urn:g"), 30u);
  EXPECT_EQ(count_in_redland(dir.path(), "urn:h"), 40u);
}

// A snapshot deleted while the journal and the Redland copy no longer
// cover what it held: opening refuses, naming the gap, instead of showing
// a store that silently lacks acknowledged batches.
TEST(Store, MissingBatchesAreRefusedNotSilentlyDropped) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 10), "urn:g");
    store.insert(batch(10, 10), "urn:g");
    store.checkpoint();
    store.insert(batch(20, 10), "urn:g");
  }
  std::filesystem::remove(dir.path() / "dataset.snap");
  for (const ts::StoreOptions& options : {ts::StoreOptions{}, read_only}) {
    try {
      ts::Store::open(dir.path(), options);
      FAIL() << "a store missing batches 1 and 2 opened";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("journal starts after batch 2"), std::string::npos) << e.what();
    }
  }
}

// A checkpoint that empties the journal keeps its place in it: the store
// whose dataset.snap is deleted afterwards is refused, not opened empty.
TEST(Store, DeletedSnapshotAfterAnEmptyingCheckpointIsRefused) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 10), "urn:g");
    store.insert(batch(10, 10), "urn:g");
    store.checkpoint();
  }
  std::filesystem::remove(dir.path() / "dataset.snap");
  for (const ts::StoreOptions& options : {read_only, ts::StoreOptions{}}) {
    try {
      auto store = ts::Store::open(dir.path(), options);
      FAIL() << "a store missing batches 1 and 2 opened with " << store.read().dataset().size() << " quads";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("journal starts after batch 2"), std::string::npos) << e.what();
    }
  }
}

// ------------------------------------------------------- one writer per store

namespace {

// Every file of a directory with its size and modification time.
std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> listing(
    const std::filesystem::path& dir) {
  std::map<std::string, std::pair<std::uintmax_t, std::filesystem::file_time_type>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir))
    files[entry.path().string()] = {entry.is_regular_file() ? entry.file_size() : 0, entry.last_write_time()};
  return files;
}

}  // namespace

TEST(StoreLock, SecondWriterIsRefusedNamingTheHolderAndItsNote) {
  TempDir dir;
  {
    auto holder = ts::Store::open(dir.path(), {.holder_note = "send it to http://127.0.0.1:1/data"});
    holder.insert(batch(0, 10));
    try {
      ts::Store::open(dir.path());
      FAIL() << "a second writer was let in";
    } catch (const ts::StoreInUse& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find("pid " + std::to_string(::getpid())), std::string::npos) << message;
      EXPECT_NE(message.find("triplestore_tests"), std::string::npos) << message;  // its command line
      EXPECT_NE(message.find("holds it for writing"), std::string::npos) << message;
      EXPECT_NE(message.find("send it to http://127.0.0.1:1/data"), std::string::npos) << message;
    }
    // The refused writer changed nothing.
    EXPECT_EQ(holder.read().dataset().size(), 10u);
  }
  auto again = ts::Store::open(dir.path());  // released on close
  EXPECT_EQ(again.read().dataset().size(), 10u);
}

TEST(StoreLock, ReadOnlyOpenSeesWhatTheWriterCommittedAndWritesNothing) {
  TempDir dir;
  {
    auto writer = ts::Store::open(dir.path());
    writer.insert(batch(0, 100), "urn:g");
    auto copy = ts::Store::open(dir.path(), read_only);
    EXPECT_EQ(count_graph(copy, "urn:g"), 100u);
    EXPECT_NE(copy.stats().writer.find("pid " + std::to_string(::getpid())), std::string::npos);
    EXPECT_THROW(copy.insert(batch(0, 1)), std::logic_error);
    writer.insert(batch(100, 100), "urn:g");
    EXPECT_EQ(count_graph(copy, "urn:g"), 100u);  // a copy as of its open
    EXPECT_EQ(count_graph(ts::Store::open(dir.path(), read_only), "urn:g"), 200u);
  }
  // With no writer: reading, exporting and stats leave every file as it was.
  const auto before = listing(dir.path());
  {
    auto copy = ts::Store::open(dir.path(), read_only);
    EXPECT_EQ(count_graph(copy, "urn:g"), 200u);
    std::ostringstream out;
    copy.export_to(out, ts::RdfFormat::nquads);
    const std::string text = out.str();
    EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 200);
    EXPECT_TRUE(copy.stats().writer.empty());
    auto shared = ts::Store::open(dir.path(), {.access = ts::StoreAccess::read_shared});
    EXPECT_EQ(count_graph(shared, "urn:g"), 200u);
  }
  EXPECT_EQ(listing(dir.path()), before);
}

// A terms log cut short under an intact snapshot lost terms that nothing
// else holds: a writer and a reader refuse the store alike, with the same
// advice, and neither changes its files.
TEST(StoreLock, TermsLogCutShortUnderASnapshotIsRefusedByWritersAndReaders) {
  TempDir dir;
  {
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 200));
    store.checkpoint();
  }
  const auto terms = dir.path() / "terms.log";
  std::filesystem::resize_file(terms, std::filesystem::file_size(terms) / 2);
  // The lock file is the writer's to stamp; the store's own files must stay.
  const auto files = [&] {
    auto now = listing(dir.path());
    now.erase((dir.path() / "lock").string());
    return now;
  };
  const auto before = files();
  for (const auto access : {ts::StoreAccess::write, ts::StoreAccess::read}) {
    try {
      ts::Store::open(dir.path(), {.access = access});
      ADD_FAILURE() << "opened a store whose terms log lost terms the snapshot uses";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("terms.log is damaged or cut short; restore it from a backup"),
                std::string::npos)
          << e.what();
    }
    EXPECT_EQ(files(), before);
  }
}

TEST(StoreLock, ReadOnlyOpenRefusesAFolderWithoutAStoreAndCreatesNothing) {
  TempDir dir;
  const auto missing = dir.path() / "typo-store";
  try {
    ts::Store::open(missing, read_only);
    FAIL() << "opened a missing store";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing.string()), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(missing));
  const auto foreign = dir.path() / "photos";
  std::filesystem::create_directories(foreign);
  std::ofstream(foreign / "a.jpg") << "x";
  const auto before = listing(foreign);
  EXPECT_THROW(ts::Store::open(foreign, read_only), std::runtime_error);
  EXPECT_THROW(ts::Store::open(foreign, {.access = ts::StoreAccess::read_shared}), std::runtime_error);
  EXPECT_EQ(listing(foreign), before);
  // A writer makes a store and says so.
  EXPECT_TRUE(ts::Store::open(missing).created());
  EXPECT_FALSE(ts::Store::open(missing).created());
}

TEST(StoreLock, SharedReaderAndWriterExcludeEachOther) {
  TempDir dir;
  { ts::Store::open(dir.path()).insert(batch(0, 5)); }
  {
    auto reader = ts::Store::open(dir.path(), {.access = ts::StoreAccess::read_shared});
    try {
      ts::Store::open(dir.path());
      FAIL() << "a writer was let in beside a read-only server";
    } catch (const ts::StoreInUse& e) {
      EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
    }
    ts::Store::open(dir.path(), read_only);  // one-off readers are fine
  }
  auto writer = ts::Store::open(dir.path());
  EXPECT_THROW(ts::Store::open(dir.path(), {.access = ts::StoreAccess::read_shared}), ts::StoreInUse);
  EXPECT_EQ(ts::Store::open(dir.path(), read_only).read().dataset().size(), 5u);
}

// Copies opened while a writer commits and checkpoints (snapshot and
// journal replaced under them) always hold whole batches, never fewer than
// were acknowledged before the open.
TEST(StoreLock, ReadOnlyCopiesStayConsistentWhileTheWriterCheckpoints) {
  TempDir dir;
  constexpr int batch_size = 50;
  std::atomic<int> acknowledged{0};
  std::atomic<bool> stop{false};
  auto writer = ts::Store::open(dir.path(), {.checkpoint_bytes = 8 << 10});
  std::string writer_error;
  std::thread writing([&] {
    try {
      for (int i = 0; !stop; ++i) {
        writer.insert(batch(i * batch_size, batch_size), "urn:w", false);
        acknowledged = i + 1;
        if (i % 20 == 19) writer.checkpoint();
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  // A failed ASSERT returns from here: the writer stops and is joined first,
  // so the failure is reported instead of ending the program.
  struct StopAndJoin {
    std::atomic<bool>& stop;
    std::thread& thread;
    ~StopAndJoin() {
      stop = true;
      if (thread.joinable()) thread.join();
    }
  } stop_and_join{stop, writing};
  std::size_t last = 0;
  int opens = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  // Without Redland to wait for, the writer outruns the readers: keep both
  // going until there were enough of each.
  for (; (acknowledged < 200 || opens <= 20) && std::chrono::steady_clock::now() < deadline; ++opens) {
    const int before = acknowledged;
    std::size_t n = 0;
    try {
      n = count_graph(ts::Store::open(dir.path(), read_only), "urn:w");
    } catch (const std::exception& e) {
      FAIL() << "read-only open " << opens << " after " << before << " acknowledged batches: " << e.what();
    }
    ASSERT_EQ(n % batch_size, 0u) << "a torn batch after " << opens << " opens";
    ASSERT_GE(n, std::size_t(before) * batch_size);
    ASSERT_GE(n, last);
    last = n;
  }
  stop = true;
  writing.join();
  EXPECT_EQ(writer_error, "");
  EXPECT_GE(acknowledged.load(), 200);  // through ten checkpoints
  EXPECT_GT(opens, 20);
}

// The kernel frees the lock of a process killed with SIGKILL: the store is
// writable again at once, and its holder was named while it lived.
TEST(StoreLock, KillNineFreesTheLock) {
  TempDir dir;
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(ready[0]);
    auto store = ts::Store::open(dir.path());
    store.insert(batch(0, 10));
    const char ok = 1;
    if (::write(ready[1], &ok, 1) != 1) ::_exit(1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  try {
    ts::Store::open(dir.path());
    ADD_FAILURE() << "a second writer was let in";
  } catch (const ts::StoreInUse& e) {
    EXPECT_NE(std::string(e.what()).find("pid " + std::to_string(child)), std::string::npos) << e.what();
  }
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(store.read().dataset().size(), 10u);
}

// A reader that opened the terms log while it was still empty (a writer
// that had just created the store) reads the terms written before its
// load: the journal frames it replayed may use them.
TEST(StoreFiles, AReaderOpenedOnAnEmptyTermsLogLoadsTermsWrittenSince) {
  TempDir dir;
  const auto path = dir.path() / "terms.log";
  ts::files::TermsLog writer(path);
  ts::files::TermsLog reader(path, true);
  ts::Dataset written;
  const auto id = written.intern(Term::iri("urn:t"));
  writer.append(id, Term::iri("urn:t"));
  writer.flush();
  ts::Dataset read;
  reader.load(read);
  EXPECT_EQ(read.term_count(), written.term_count());
  EXPECT_EQ(reader.next_id(), writer.next_id());
}


// A session that wrote the Redland copy and never closed it (redland.partial
// still 0: a kill -9) may have left Berkeley DB files damaged in ways no
// write reports: the next writer rebuilds the copy from the store.  Here the
// copy is made stale behind the store's back (older files restored), which
// only a rebuild repairs.
TEST(Store, ACopyWhoseWriterNeverClosedItIsRebuilt) {
  TempDir dir;
  const auto aside = dir.path() / "older-copy";
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.insert(batch(0, 100), "urn:g");
    store.wait_for_redland();
  }
  std::filesystem::create_directories(aside);
  for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
    if (entry.path().filename().string().starts_with("redland-"))
      std::filesystem::copy_file(entry.path(), aside / entry.path().filename());
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.insert(batch(100, 100), "urn:g");
    store.wait_for_redland();
  }
  for (const auto& entry : std::filesystem::directory_iterator(aside))
    std::filesystem::copy_file(entry.path(), dir.path() / entry.path().filename(),
                               std::filesystem::copy_options::overwrite_existing);
  std::ofstream(dir.path() / "redland.partial") << 0;
  {
    auto store = ts::Store::open(dir.path(), with_redland);
    store.wait_for_redland();
    store.checkpoint();
  }
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "redland.partial"));
  std::filesystem::remove(dir.path() / "dataset.snap");
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(count_graph(store, "urn:g"), 200u);
}
