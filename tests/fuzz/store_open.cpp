// A store folder whose journal, snapshot or terms log is truncated or has
// flipped bits, as a crash, a bad disk or a careless copy leaves it.  The
// store must either open with a state it really had, holding every batch
// that is intact, or refuse with a message and leave the files as they were
// (the evidence a person needs to recover).  It never serves a damaged quad.
//
// Input: up to four damages, each [file][kind][offset hi][offset lo][bit].
#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <torchprov/triplestore.h>

#include "dataset.h"
#include "fuzz_support.h"
#include "sparql/engine.h"

using namespace torchprov;
using namespace torchprov::triplestore;
namespace fs = std::filesystem;

namespace {

using Contents = std::set<std::string>;

const char* const damaged_files[] = {"journal.log", "dataset.snap", "terms.log"};

std::string key(const Term& t) {
  return std::to_string(int(t.kind)) + t.value + "\x1f" + t.datatype + "\x1f" + t.language;
}

Contents contents(const Store& store) {
  Contents out;
  const auto view = store.read();
  const Dataset& d = view.dataset();
  d.match({0, 0, 0, 0}, [&](const Quad& q) {
    out.insert(key(d.term(q.s)) + "\x1e" + key(d.term(q.p)) + "\x1e" + key(d.term(q.o)) + "\x1e" +
               (q.g == default_graph_id ? std::string() : key(d.term(q.g))));
    return true;
  });
  return out;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
}

StoreOptions options() {
  StoreOptions o;
  o.checkpoint_bytes = std::uint64_t(1) << 40;  // snapshots only when asked
  return o;
}

// A store as a kill -9 leaves it: a snapshot at batch 3, batches 4-6 in the
// journal (the store of record; no Redland copy).  The states after each batch are the only
// ones a reopened store may show.
struct Base {
  std::map<std::string, std::string> files;  // name -> bytes
  std::vector<Contents> states;               // states[j]: after batch j
  std::vector<std::uint64_t> frame_end;       // journal offset where batch 4, 5, 6 end
  std::uint64_t first_frame = 0;              // journal offset where batch 4 starts
  std::size_t snapshot_batch = 3;
};

const Base& base() {
  static const Base b = [] {
    Base b;
    const fs::path dir = fuzz::scratch_dir("store-base") / "store";
    Store store = Store::open(dir, options());
    b.states.push_back(contents(store));
    auto statements = fuzz::small_dataset_statements();
    store.insert(statements);
    b.states.push_back(contents(store));
    std::vector<Statement> more;
    for (int i = 0; i < 20; ++i)
      more.push_back({Term::iri("http://example.org/s" + std::to_string(i)), Term::iri("http://example.org/v"),
                      Term::literal(std::to_string(i * 7), "http://www.w3.org/2001/XMLSchema#integer"), {}});
    store.insert(more, "http://example.org/g3");
    b.states.push_back(contents(store));
    store.modify([](Dataset& d) {
      return sparql::execute_update(d, "PREFIX ex: <http://example.org/> DELETE { ?s ex:p ?o } INSERT { ?o ex:back ?s } "
                                       "WHERE { ?s ex:p ?o }");
    });
    b.states.push_back(contents(store));
    store.checkpoint();
    b.first_frame = store.stats().journal_bytes;
    store.insert(std::vector<Statement>{{Term::iri("http://example.org/new"), Term::iri("http://example.org/p"),
                                         Term::lang_literal("neu", "de"), {}}},
                 "http://example.org/g4");
    b.states.push_back(contents(store));
    b.frame_end.push_back(store.stats().journal_bytes);
    store.delete_graph("http://example.org/g3");
    b.states.push_back(contents(store));
    b.frame_end.push_back(store.stats().journal_bytes);
    store.modify([](Dataset& d) {
      return sparql::execute_update(d, "PREFIX ex: <http://example.org/> INSERT DATA { ex:last ex:p \"x\", _:fresh }");
    });
    b.states.push_back(contents(store));
    b.frame_end.push_back(store.stats().journal_bytes);
    store.flush();
    for (const auto& entry : fs::directory_iterator(dir))
      if (entry.is_regular_file()) b.files[entry.path().filename().string()] = read_file(entry.path());
    fuzz::check(b.files.count("dataset.snap") && b.files.count("journal.log") && b.files.count("terms.log"),
                "the base store lacks a file");
    fuzz::check(b.files["journal.log"].size() == b.frame_end.back(), "journal size differs from the last frame end");
    return b;
  }();
  return b;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Base& b = base();
  fuzz::Bytes in(data, size);
  std::map<std::string, std::string> files = b.files;
  for (int i = 0; i < 4 && !in.empty(); ++i) {
    std::string& file = files[damaged_files[in.below(3)]];
    const std::uint8_t kind = in.byte() % 3;
    const std::size_t offset = in.below(65536) % (file.size() + 1);
    const std::uint8_t bit = in.byte();
    if (kind == 0) {
      file.resize(offset);
    } else if (offset < file.size()) {
      file[offset] = char(file[offset] ^ (1 << (bit & 7)));
      if (kind == 2 && offset + 1 < file.size()) file[offset + 1] = char(file[offset + 1] ^ (bit | 1));
    }
  }
  // What changed, file by file: the first differing byte and whether the
  // file only lost its tail.
  struct Change {
    bool any = false, truncated_only = false;
    std::size_t first = 0;
  };
  std::map<std::string, Change> changes;
  for (const auto& [name, bytes] : files) {
    const std::string& original = b.files.at(name);
    Change c;
    const auto common = std::min(bytes.size(), original.size());
    const auto mismatch = std::mismatch(bytes.begin(), bytes.begin() + std::ptrdiff_t(common), original.begin());
    c.first = std::size_t(mismatch.first - bytes.begin());
    c.any = c.first < common || bytes.size() != original.size();
    c.truncated_only = c.any && c.first == common && bytes.size() < original.size();
    changes[name] = c;
  }

  static int run = 0;
  const fs::path dir = fuzz::scratch_dir("store-open") / std::to_string(run++);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : files) write_file(dir / name, bytes);

  std::optional<std::size_t> shown;
  bool refused = false;
  try {
    Store store = Store::open(dir, options());
    const Contents now = contents(store);
    for (std::size_t j = 0; j < b.states.size() && !shown; ++j)
      if (b.states[j] == now) shown = j;
    fuzz::check(shown.has_value(), "the store opened with quads it never held (" + std::to_string(now.size()) + ")");
  } catch (const std::exception& error) {
    refused = true;
    fuzz::check(std::string_view(error.what()).size() > 10, std::string("a refusal without a message: ") + error.what());
  }

  const std::size_t last = b.states.size() - 1;
  const Change& journal = changes["journal.log"];
  const bool other_damage = changes["dataset.snap"].any || changes["terms.log"].any;
  if (refused) {
    // A refusal keeps the evidence.  The lock file is not evidence: every
    // writer's open rewrites it with its pid and start time before reading
    // anything, so it differs as soon as a second has passed since the base.
    for (const auto& [name, bytes] : files)
      if (name != "lock") fuzz::check(read_file(dir / name) == bytes, "a refused open changed " + name);
    // Cutting the journal's tail is what a crash does: never a refusal.
    fuzz::check(other_damage || !journal.truncated_only || journal.first < 8,
                "a journal cut at byte " + std::to_string(journal.first) + " was refused");
  } else if (journal.any && !other_damage) {
    // Batches in frames wholly before the damage are intact and must be
    // there; a cut or damage inside the last frame may lose that frame only
    // when nothing intact follows it.
    std::size_t intact = b.snapshot_batch;
    for (std::size_t k = 0; k < b.frame_end.size(); ++k)
      if (b.frame_end[k] <= journal.first) intact = b.snapshot_batch + 1 + k;
    fuzz::check(*shown >= intact, "opened with batch " + std::to_string(*shown) + " but batches up to " +
                                      std::to_string(intact) + " were intact");
    // A frame after the first damage that is still whole and unchanged in
    // the file must not be dropped: the open refuses, or the damage was
    // somewhere harmless and every batch is there.  (The same file may also
    // have been cut: frames past the cut are a torn tail, not intact.)
    const std::string& damaged = files["journal.log"];
    const std::string& original = b.files.at("journal.log");
    bool intact_after_damage = false;
    for (std::size_t k = 0; k < b.frame_end.size(); ++k) {
      const std::size_t start = k == 0 ? b.first_frame : b.frame_end[k - 1], end = b.frame_end[k];
      if (start <= journal.first || end > damaged.size()) continue;
      if (std::equal(damaged.begin() + std::ptrdiff_t(start), damaged.begin() + std::ptrdiff_t(end),
                     original.begin() + std::ptrdiff_t(start)))
        intact_after_damage = true;
    }
    if (!journal.truncated_only && intact_after_damage)
      fuzz::check(*shown == last, "a damaged journal frame before intact ones was dropped silently (opened at batch " +
                                      std::to_string(*shown) + ")");
  } else if (other_damage) {
    // The snapshot and the terms log hold acknowledged data: either all of
    // it is recovered or the open is refused.
    fuzz::check(*shown == last || journal.any, "damage to the snapshot or the terms log lost acknowledged batches "
                                               "(opened at batch " + std::to_string(*shown) + ")");
  } else {
    fuzz::check(*shown == last, "an undamaged store opened at batch " + std::to_string(*shown));
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
