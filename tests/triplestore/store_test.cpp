#include "dataset.h"
#include "sparql/engine.h"

#include <gtest/gtest.h>
#include <torchprov/triplestore.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

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
    auto store = ts::Store::open(dir.path());
    EXPECT_EQ(store.insert(batch(0, 100), "urn:g1"), 100u);
    EXPECT_EQ(store.insert(batch(0, 100), "urn:g1"), 0u);  // duplicates change nothing
    EXPECT_EQ(store.insert(batch(50, 100)), 100u);         // default graph
    EXPECT_EQ(store.read().dataset().size(), 200u);
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
    store.wait_for_redland();
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
    auto store = ts::Store::open(dir.path());
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
    auto store = ts::Store::open(dir.path());
    const std::size_t n = count_graph(store, "urn:crash");
    EXPECT_GE(n, std::size_t(acknowledged) * batch_size);
    EXPECT_EQ(n % batch_size, 0u);
    store.wait_for_redland();
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
    auto store = ts::Store::open(dir.path());
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
    auto store = ts::Store::open(dir.path());
    store.insert(batch(3000, 3000), "urn:g");
    EXPECT_NO_THROW(store.wait_for_redland());
    EXPECT_EQ(count_graph(store, "urn:g"), 6000u);
  }
  // Without the snapshot the working set is read back from Redland.
  std::filesystem::remove(dir.path() / "dataset.snap");
  auto store = ts::Store::open(dir.path());
  EXPECT_EQ(count_graph(store, "urn:g"), 6000u);
}
