// Every kind of store access at once — imports, synced and unsynced inserts,
// updates, graph deletes, queries, piecewise exports, stats, flushes and
// checkpoints — then a count of what must be there, before and after a
// reopen.  Run under ThreadSanitizer by `make test-tsan`.
#include <gtest/gtest.h>
#include <torchprov/triplestore.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "dataset.h"
#include "sparql/engine.h"

namespace ts = torchprov::triplestore;
using torchprov::Statement;
using torchprov::Term;

namespace {

std::vector<Statement> batch(const std::string& graph, int n) {
  std::vector<Statement> out;
  for (int i = 0; i < n; ++i)
    out.push_back({Term::iri(graph + "/s" + std::to_string(i)), Term::iri("http://example.org/p"),
                   Term::literal(std::to_string(i), "http://www.w3.org/2001/XMLSchema#integer"), {}});
  return out;
}

std::size_t graph_size(const ts::Store& store, const std::string& graph) {
  const auto view = store.read();
  const auto id = view.dataset().lookup(Term::iri(graph));
  return id ? view.dataset().count({0, 0, 0, *id}) : 0;
}

}  // namespace

TEST(StoreConcurrency, EveryKindOfAccessAtOnceLosesNothing) {
  const auto dir = std::filesystem::temp_directory_path() / ("torchprov-concurrency-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  ts::StoreOptions options;
  options.checkpoint_bytes = 64 << 10;  // snapshots keep happening meanwhile
  options.redland_copy = true;          // and the write-behind to the Redland copy
  constexpr int rounds = 10, per_batch = 50;
  {
    ts::Store store = ts::Store::open(dir, options);
    std::atomic<bool> writing{true};
    std::atomic<int> failures{0};
    auto guard = [&](auto&& body) {
      return [&failures, body] {
        try {
          body();
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          ++failures;
        }
      };
    };
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back(guard([&store, w] {
        for (int i = 0; i < rounds; ++i)
          store.insert(batch("http://example.org/w" + std::to_string(w) + "/" + std::to_string(i), per_batch), 
                       "http://example.org/w" + std::to_string(w) + "/" + std::to_string(i), i % 2 == 0);
      }));
    }
    writers.emplace_back(guard([&store] {
      for (int i = 0; i < rounds; ++i) {
        auto import = store.begin_import("http://example.org/import/" + std::to_string(i));
        import.add(batch("http://example.org/import/" + std::to_string(i), per_batch));
        import.commit();
      }
    }));
    writers.emplace_back(guard([&store] {
      for (int i = 0; i < rounds; ++i) {
        const std::string g = "http://example.org/update/" + std::to_string(i);
        store.modify([&](ts::Dataset& d) {
          return ts::sparql::execute_update(d, "INSERT DATA { GRAPH <" + g + "> { <" + g + "/s> <http://example.org/p> " +
                                                   std::to_string(i) + " } }");
        });
        if (i % 3 == 0 && i > 0) store.delete_graph("http://example.org/update/" + std::to_string(i - 1));
      }
    }));
    std::vector<std::thread> readers;
    readers.emplace_back(guard([&] {
      while (writing) {
        const auto view = store.read();
        ts::sparql::execute_query(view.dataset(), "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }");
      }
    }));
    readers.emplace_back(guard([&] {
      while (writing) {
        auto pieces = store.export_pieces(ts::RdfFormat::nquads);
        std::string piece;
        while (pieces.next(piece, 4096)) piece.clear();
      }
    }));
    readers.emplace_back(guard([&] {
      while (writing) {
        store.stats();
        store.flush();
        store.checkpoint();
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }));
    for (auto& t : writers) t.join();
    writing = false;
    for (auto& t : readers) t.join();
    ASSERT_EQ(failures, 0);
    store.wait_for_redland();
  }
  ts::Store store = ts::Store::open(dir, options);
  for (int i = 0; i < rounds; ++i) {
    const bool deleted = (i + 1) % 3 == 0 && i + 1 < rounds;
    EXPECT_EQ(graph_size(store, "http://example.org/w0/" + std::to_string(i)), std::size_t(per_batch)) << i;
    EXPECT_EQ(graph_size(store, "http://example.org/w1/" + std::to_string(i)), std::size_t(per_batch)) << i;
    EXPECT_EQ(graph_size(store, "http://example.org/import/" + std::to_string(i)), std::size_t(per_batch)) << i;
    EXPECT_EQ(graph_size(store, "http://example.org/update/" + std::to_string(i)), deleted ? 0u : 1u) << i;
  }
  store.wait_for_redland();
  const auto stats = store.stats();
  EXPECT_EQ(stats.committed_sequence, stats.redland_sequence);
  std::filesystem::remove_all(dir);
}
