// Store: journal first, then the in-memory dataset, then (on a background
// thread) Redland.  See triplestore/README.md for the file layout and the
// crash-recovery argument.
#include <torchprov/triplestore.h>

#include "dataset.h"
#include "rdf_io.h"
#include "redland_model.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <ctime>
#include <sstream>
#include <fstream>
#include "sparql/engine.h"
#include "store_files.h"
#include "store_lock.h"

#include <algorithm>
#include <limits>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <random>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace torchprov::triplestore {

namespace {

std::filesystem::path terms_path(const std::filesystem::path& dir) { return dir / "terms.log"; }
std::filesystem::path journal_path(const std::filesystem::path& dir) { return dir / "journal.log"; }
std::filesystem::path snapshot_path(const std::filesystem::path& dir) { return dir / "dataset.snap"; }
std::filesystem::path applied_path(const std::filesystem::path& dir) { return dir / "redland.applied"; }
std::filesystem::path damaged_marker_path(const std::filesystem::path& dir) { return dir / "redland.damaged"; }
// Present while a writer applies batches to the Redland copy: 0 when any
// batch after redland.applied may be half in it (a killed writer), else the
// one batch a closing writer left half-applied.  Absent: the copy holds
// exactly the batches through redland.applied.
std::filesystem::path partial_marker_path(const std::filesystem::path& dir) { return dir / "redland.partial"; }

Term graph_term(std::string_view graph) {
  if (graph.empty()) return Term::iri(std::string(default_graph_iri));
  if (graph.starts_with("_:")) return Term::blank(std::string(graph.substr(2)));
  return Term::iri(std::string(graph));
}

std::string graph_name(const Term& t) {
  if (t.kind == TermKind::blank) return "_:" + t.value;
  return t.value == default_graph_iri ? std::string() : t.value;
}

// Redland storage name and options for the store directory.
std::pair<std::string, std::string> redland_location(const std::filesystem::path& dir, const StoreOptions& o) {
  std::string options = o.storage_options;
  auto add = [&](std::string_view key, const std::string& value) {
    if (options.find(std::string(key) + "=") != std::string::npos) return;
    if (!options.empty()) options += ",";
    options += std::string(key) + "='" + value + "'";
  };
  if (o.storage == "hashes") {
    add("hash-type", "bdb");
    add("dir", dir.string());
    add("contexts", "yes");
    return {"redland", options};
  }
  if (o.storage == "sqlite") {
    const std::filesystem::path file = dir / "redland.sqlite";
    if (!std::filesystem::exists(file)) add("new", "yes");
    add("contexts", "yes");
    return {file.string(), options};
  }
  add("contexts", "yes");
  return {"torchprov", options};  // server storages: the database named in the options
}

// Applies journaled ops to the dataset.  Additions gather across batches and
// go in as one bulk load at the next removal or at finish(): one bulk load
// per batch merged every index once per batch, which made replaying a
// journal of many batches quadratic in the store's size.
class JournalReplay {
 public:
  explicit JournalReplay(Dataset& dataset) : dataset_(dataset) {}
  void apply(const std::vector<files::Op>& ops) {
    for (const files::Op& op : ops) {
      if (op.kind == files::Op::add) {
        run_.push_back(op.quad);
        continue;
      }
      finish();
      if (op.kind == files::Op::remove)
        dataset_.erase(op.quad);
      else
        dataset_.clear_graph(op.quad.g);
    }
  }
  void finish() {
    if (!run_.empty()) dataset_.insert_bulk(std::move(run_));
    run_.clear();
  }

 private:
  Dataset& dataset_;
  std::vector<Quad> run_;
};


// Reads dataset.snap into the dataset's indexes on a thread of its own.  The
// file is opened at construction: a writer's later checkpoint replaces the
// name, not the version being read.
class SnapshotLoad {
 public:
  SnapshotLoad(Dataset& dataset, const std::filesystem::path& path, std::uint64_t max_term_count)
      : fd_(files::open_snapshot(path)),
        term_count_hint_(files::snapshot_term_count_hint(fd_)),
        thread_([this, &dataset, path, max_term_count] {
          try {
            loaded_ = files::read_snapshot(fd_, path, dataset, info_, max_term_count,
                                           [this](std::uint64_t at) { bytes_read = at; });
          } catch (...) {
            error_ = std::current_exception();
          }
        }) {}
  // Waits for the load; whether a whole snapshot was loaded.
  bool finish(files::SnapshotInfo& info) {
    if (thread_.joinable()) thread_.join();
    if (error_) std::rethrow_exception(error_);
    info = info_;
    return loaded_;
  }
  // The term count the snapshot's header announces, unchecked (0 without
  // one): sizes the dictionary before the terms log is read.
  std::uint64_t term_count_hint() const { return term_count_hint_; }
  std::atomic<std::uint64_t> bytes_read{0};

 private:
  files::Fd fd_;
  std::uint64_t term_count_hint_;
  files::SnapshotInfo info_;
  bool loaded_ = false;
  std::exception_ptr error_;
  std::jthread thread_;  // last: joined before the members it uses go
};

// Id -> Term through the terms log, with a bounded cache: predicates and
// graphs repeat, subjects and objects mostly do not.
class TermResolver {
 public:
  explicit TermResolver(const files::TermsLog& log) : log_(log) {}
  const Term& operator()(TermId id) {
    auto it = cache_.find(id);
    if (it != cache_.end()) return it->second;
    if (cache_.size() > 65536) cache_.clear();
    Term t = id == default_graph_id ? Term::iri(std::string(default_graph_iri)) : log_.read(id);
    return cache_.emplace(id, std::move(t)).first->second;
  }

  // The statement of a quad, as export writes it.
  void statement(const Quad& q, Statement& st) {
    st.subject = (*this)(q.s);
    st.predicate = (*this)(q.p);
    st.object = (*this)(q.o);
    st.graph = graph_name((*this)(q.g));
  }

 private:
  const files::TermsLog& log_;
  std::unordered_map<TermId, Term> cache_;
};

}  // namespace

struct Store::Impl {
  files::StoreLock lock;  // first member: released after everything else closed
  std::filesystem::path dir;
  StoreOptions options;
  bool read_only = false;
  bool keep_redland = false;  // a writer asked to keep the Redland copy current
  bool created = false;
  Dataset dataset;
  mutable std::shared_mutex dataset_mutex;  // readers vs the writer applying a batch
  std::mutex write_mutex;                   // one writer (or checkpoint) at a time
  files::TermsLog terms;
  files::Journal journal;
  std::unique_ptr<redland::Model> model;  // keep_redland only; the background thread's after open
  std::atomic<std::uint64_t> committed{0};
  std::atomic<std::uint64_t> journal_bytes{0};
  std::optional<std::uint64_t> snapshot_sequence;  // the batch dataset.snap holds (under write_mutex)
  TermId logged_next = 0;  // terms.next_id(), cached (changed under write_mutex only)

  // Background thread: checkpoints, and the Redland copy when kept.
  std::mutex queue_mutex;
  std::condition_variable queue_cv, progress_cv;
  std::deque<files::Batch> queue;        // committed batches the Redland copy lacks
  std::uint64_t applied = 0;             // durable in Redland
  std::uint64_t verify_through = 0;      // batches that may be half in Redland already
  bool rebuild_wanted = false;           // the copy is rebuilt from the dataset
  bool rebuild_sets_aside = false;       // ... because its files are damaged (kept for a look)
  bool checkpoint_wanted = false, stopping = false;
  std::atomic<bool> stop_now{false};     // ends a long Redland batch when the store closes
  std::uint64_t checkpoints_done = 0;
  std::uint64_t checkpoints_failed = 0;  // for a transient reason (a full disk): retried
  std::exception_ptr checkpoint_error;   // the last such failure, for Store::checkpoint
  std::uint64_t ops_enqueued = 0;        // ops handed to Redland since open (for progress)
  std::atomic<std::uint64_t> ops_applied{0};
  std::exception_ptr background_error;
  bool rebuilt_once = false;  // Redland rebuilt from memory after a failed write
  bool marked_partial = false;      // redland.partial written in this session
  std::uint64_t last_whole = 0;     // the last batch wholly applied to Redland
  std::uint64_t interrupted = 0;    // the batch closing cut short (0: none)
  bool rebuild_cut_short = false;   // closing stopped a rebuild: its files are dropped
  std::thread writer;

  // The lock is taken before any file is opened: a refused writer touches
  // nothing.  A reader opens the journal before it reads the snapshot (see
  // open_read_only).
  Impl(files::StoreLock held, std::filesystem::path directory, StoreOptions o)
      : lock(std::move(held)),
        dir(std::move(directory)),
        options(std::move(o)),
        read_only(options.access != StoreAccess::write),
        keep_redland(options.redland_copy && !read_only),
        terms(terms_path(dir), read_only),
        journal(journal_path(dir), read_only) {}

  void require_writable() const {
    if (read_only) throw std::logic_error("store " + dir.string() + " was opened read-only");
  }

  void tell(const Progress& progress) const {
    if (options.progress) options.progress(progress);
  }

  // Interns and makes sure every new id is in the terms log (a typed literal
  // may add its datatype first).  Caller holds write_mutex and the exclusive
  // dataset lock.
  TermId intern(const Term& term) {
    const TermId id = dataset.intern(term);
    if (id < logged_next) return id;  // the common case: a known term
    for (TermId next = terms.next_id(); next <= id; ++next)
      terms.append(next, next == id ? term : dataset.term(next));
    logged_next = id + 1;
    return id;
  }

  void persist_new_terms() {
    for (TermId next = terms.next_id(); next <= dataset.term_count(); ++next) terms.append(next, dataset.term(next));
    logged_next = terms.next_id();
  }

  // Journals `batch` (terms first), applies it to the dataset and hands it
  // on.  Caller holds write_mutex.
  void commit(files::Batch batch, bool sync, const std::function<void()>& apply) {
    batch.sequence = committed + 1;
    // The terms reach the OS before the journal frame that refers to them,
    // so a killed process never leaves a frame with unknown ids.
    if (sync) terms.sync();
    else terms.flush();
    journal.append(batch, sync);
    journal_bytes = journal.bytes();
    {
      std::unique_lock lock(dataset_mutex);
      apply();
    }
    committed = batch.sequence;
    hand_on(std::move(batch));
  }

  // A committed batch goes to the Redland copy when one is kept; a journal
  // grown past the checkpoint size wakes the background thread.
  void hand_on(files::Batch batch) {
    {
      std::lock_guard lock(queue_mutex);
      if (keep_redland) {
        ops_enqueued += batch.ops.size();
        queue.push_back(std::move(batch));
      } else if (journal_bytes <= options.checkpoint_bytes) {
        return;
      }
    }
    queue_cv.notify_one();
  }

  // False when the store began to close before the whole batch was applied
  // (Redland keeps the part it got; the journal keeps the batch).
  bool apply_to_redland(const files::Batch& batch) {
    TermResolver resolve(terms);
    const bool verify = batch.sequence <= verify_through;
    std::size_t since_told = 0;
    for (const files::Op& op : batch.ops) {
      if (++since_told == 4096) {
        ops_applied.fetch_add(since_told, std::memory_order_relaxed);
        since_told = 0;
        if (stop_now.load(std::memory_order_relaxed)) return false;
      }
      const Quad& q = op.quad;
      switch (op.kind) {
        case files::Op::add: {
          const Term s = resolve(q.s), p = resolve(q.p), o = resolve(q.o), &g = resolve(q.g);
          if (!verify || !model->contains(s, p, o, g)) model->add(s, p, o, g);
          break;
        }
        case files::Op::remove: {
          const Term s = resolve(q.s), p = resolve(q.p), o = resolve(q.o), &g = resolve(q.g);
          model->remove(s, p, o, g);
          break;
        }
        case files::Op::drop_graph: model->remove_graph(resolve(q.g)); break;
      }
    }
    ops_applied.fetch_add(since_told, std::memory_order_relaxed);
    return true;
  }

  // Snapshot at the committed sequence, then drop the journal batches that
  // neither it nor the Redland copy (when kept) still needs.
  void do_checkpoint() {
    std::lock_guard write_lock(write_mutex);
    std::uint64_t through = committed;
    if (keep_redland) {
      std::lock_guard lock(queue_mutex);
      through = applied;
    }
    terms.sync();
    if (snapshot_sequence != committed.load()) {
      std::shared_lock lock(dataset_mutex);
      files::write_snapshot(snapshot_path(dir), dataset, committed, options.progress);
      snapshot_sequence = committed;
    }
    journal.truncate_through(through);
    journal_bytes = journal.bytes();
  }

  // A failure that time or the operator repairs: a full disk, too many
  // open files.  Redland's own errors carry no errno; a nearly full disk
  // explains them too.
  bool transient(const std::exception& error) const {
    if (const auto* system = dynamic_cast<const std::system_error*>(&error)) {
      const int code = system->code().value();
      if (code == ENOSPC || code == EDQUOT || code == EMFILE || code == ENFILE || code == ENOMEM) return true;
    }
    struct statvfs disk {};
    return ::statvfs(dir.c_str(), &disk) == 0 &&
           std::uint64_t(disk.f_bavail) * disk.f_frsize < (std::uint64_t(16) << 20);
  }

  void background() {
    std::unique_lock lock(queue_mutex);
    bool paused = false;  // retrying after a transient failure
    while (true) {
      if (paused)
        queue_cv.wait_for(lock, std::chrono::seconds(2), [&] { return stopping; });
      else
        queue_cv.wait(lock, [&] {
          return stopping || checkpoint_wanted || rebuild_wanted || !queue.empty() ||
                 journal_bytes > options.checkpoint_bytes;
        });
      std::optional<files::Batch> in_flight;  // put back if its write fails for a while
      try {
        if (rebuild_wanted && !stopping) {
          lock.unlock();
          const bool done = rebuild_redland_from_dataset(rebuild_sets_aside);
          lock.lock();
          if (done) rebuild_wanted = false;
          resume(paused);
          progress_cv.notify_all();
          continue;
        }
        if (!queue.empty() && !stopping && !rebuild_wanted) {
          in_flight = std::move(queue.front());
          queue.pop_front();
          const bool last = queue.empty();
          lock.unlock();
          mark_partial();
          const bool whole = apply_to_redland(*in_flight);
          if (whole) last_whole = in_flight->sequence;
          else interrupted = in_flight->sequence;
          if (whole && last) {
            model->sync();
            files::write_number(applied_path(dir), in_flight->sequence);
          }
          lock.lock();
          if (whole && last) applied = in_flight->sequence;
          in_flight.reset();
          if (last && journal_bytes > options.checkpoint_bytes) checkpoint_wanted = true;
          resume(paused);
          progress_cv.notify_all();
          continue;
        }
        // Closing writes a snapshot only past the close checkpoint size:
        // below it the journal, already durable, is the record and costs the
        // next open little to replay.
        if (checkpoint_wanted || journal_bytes > options.checkpoint_bytes ||
            (stopping && journal_bytes > options.close_checkpoint_bytes)) {
          lock.unlock();
          do_checkpoint();
          lock.lock();
          checkpoint_wanted = false;
          ++checkpoints_done;
          resume(paused);
          progress_cv.notify_all();
        }
      } catch (const std::exception& error) {
        if (!lock.owns_lock()) lock.lock();
        if (transient(error)) {
          // Acknowledged writes are in the journal already; the Redland copy
          // and the snapshot wait until there is room again.
          if (in_flight) {
            verify_through = std::max(verify_through, in_flight->sequence);  // it may be half in Redland
            queue.push_front(std::move(*in_flight));
          } else {
            checkpoint_wanted = true;
            ++checkpoints_failed;
            checkpoint_error = std::current_exception();
          }
          if (!paused)
            std::fprintf(stderr,
                         "torchprov store: %s; %s wait and retry (acknowledged writes are safe in the journal)\n",
                         error.what(), keep_redland ? "the Redland copy and snapshots" : "snapshots");
          paused = true;
          progress_cv.notify_all();
          if (stopping) {
            std::fprintf(stderr, "torchprov store: closing with %s behind the journal; %s when the store is next "
                                 "opened\n",
                         keep_redland ? "the Redland copy" : "the snapshot",
                         keep_redland ? "it catches up" : "the journal is read");
            if (keep_redland) background_error = std::current_exception();
            return;
          }
          continue;
        }
        if (!keep_redland) {
          background_error = std::current_exception();
          std::fprintf(stderr, "torchprov store: writing a snapshot failed (%s); the journal keeps every batch\n",
                       error.what());
          progress_cv.notify_all();
          return;
        }
        std::ofstream(damaged_marker_path(dir)) << error.what() << "\n";
        lock.unlock();
        // Files damaged by a process killed while Redland wrote them can
        // open without complaint and fail here.  The in-memory dataset holds
        // every committed batch: rebuild Redland from it, once.
        bool rebuilt = false;
        if (!rebuilt_once && rebuildable()) {
          rebuilt_once = true;
          try {
            std::fprintf(stderr, "torchprov store: a write to Redland failed (%s); rebuilding it from memory\n",
                         error.what());
            rebuilt = rebuild_redland_from_dataset(true);
          } catch (const std::exception& again) {
            std::fprintf(stderr, "torchprov store: rebuilding Redland failed too (%s)\n", again.what());
          }
        }
        lock.lock();
        if (rebuilt || stopping) {
          progress_cv.notify_all();
          if (rebuilt) continue;
          return;
        }
        std::fprintf(stderr,
                     "torchprov store: background writer failed (%s); Redland is behind the journal and will "
                     "be rebuilt from the snapshot and the journal when the store is next opened\n",
                     error.what());
        background_error = std::current_exception();
        progress_cv.notify_all();
        return;
      }
      if (stopping) {
        lock.unlock();
        finish_redland_session();
        return;
      }
    }
  }

  // Before the first write to the copy in a session: a writer killed from
  // now on leaves batches after redland.applied that may be half there.
  void mark_partial() {
    if (marked_partial) return;
    files::write_number(partial_marker_path(dir), 0);
    marked_partial = true;
  }

  // On close: the copy's files synced and exactly what it holds recorded, so
  // the next session re-applies with contains checks (a scan each in
  // Redland's hashes) only the one batch closing cut short.
  void finish_redland_session() {
    if (!keep_redland || !model || !marked_partial || background_error) return;
    try {
      if (rebuild_cut_short) {  // an empty copy at batch 0 is right; a part of one is not
        model.reset();
        for (const auto& file : redland_files()) std::filesystem::remove(file);
        std::filesystem::remove(partial_marker_path(dir));
        return;
      }
      model->sync();
      if (last_whole > applied) {
        files::write_number(applied_path(dir), last_whole);
        applied = last_whole;
      }
      if (interrupted > 0) files::write_number(partial_marker_path(dir), interrupted);
      else std::filesystem::remove(partial_marker_path(dir));
    } catch (const std::exception& error) {
      std::fprintf(stderr, "torchprov store: closing the Redland copy: %s\n", error.what());
    }
  }

  void resume(bool& paused) {
    if (!paused) return;
    paused = false;
    std::fprintf(stderr, "torchprov store: %s going again\n",
                 keep_redland ? "the Redland copy and snapshots are" : "snapshots are");
  }

  void rethrow_background_error() {
    if (background_error) std::rethrow_exception(background_error);
  }

  // Only the default embedded storages are rebuilt; other backends are the
  // operator's to repair.
  bool rebuildable() const {
    return (options.storage == "hashes" || options.storage == "sqlite") && options.storage_options.empty();
  }

  // The Redland copy's files in the store directory (hashes, sqlite).
  std::vector<std::filesystem::path> redland_files() const {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      const auto file = entry.path().filename().string();
      if ((file.starts_with("redland-") && file.ends_with(".db")) || file == "redland.sqlite")
        found.push_back(entry.path());
    }
    return found;
  }

  // Moves damaged Redland files out of the way, into DIR/redland-damaged-TIME/.
  void set_aside_redland_files(const std::string& reason) {
    const auto aside = dir / ("redland-damaged-" + std::to_string(std::time(nullptr)));
    std::filesystem::create_directories(aside);
    for (const auto& file : redland_files()) std::filesystem::rename(file, aside / file.filename());
    std::fprintf(stderr, "torchprov store: Redland files in %s set aside in %s (%s)\n", dir.c_str(), aside.c_str(),
                 reason.c_str());
  }

  // A fresh Redland copy of the dataset at the committed sequence, on the
  // background thread: writers wait only while the quads are listed.  False
  // when the store began to close first (the next copy starts again).
  bool rebuild_redland_from_dataset(bool set_aside) {
    files::Batch everything;
    {
      std::lock_guard write_lock(write_mutex);
      std::shared_lock lock(dataset_mutex);
      everything.ops.reserve(dataset.size());
      dataset.match({0, 0, 0, 0}, [&](const Quad& q) {
        everything.ops.push_back({files::Op::add, q});
        return true;
      });
      everything.sequence = committed;
    }
    model.reset();
    // The copy says it holds nothing before its files change: a crash in
    // between leaves a copy that the next open rebuilds again.
    files::write_number(applied_path(dir), 0);
    {
      std::lock_guard lock(queue_mutex);
      applied = 0;
    }
    if (set_aside) set_aside_redland_files("a write to them failed; rebuilding the copy from the store");
    else
      for (const auto& file : redland_files()) std::filesystem::remove(file);
    std::filesystem::remove(damaged_marker_path(dir));
    const auto [name, redland_options] = redland_location(dir, options);
    model = std::make_unique<redland::Model>(options.storage, name, redland_options);
    verify_through = 0;  // a fresh model holds no half-applied batch
    mark_partial();
    if (!apply_to_redland(everything)) {
      rebuild_cut_short = true;
      return false;
    }
    model->sync();
    files::write_number(applied_path(dir), everything.sequence);
    last_whole = everything.sequence;
    std::lock_guard lock(queue_mutex);
    for (const files::Batch& b : queue)
      if (b.sequence <= everything.sequence) ops_applied += b.ops.size();
    std::erase_if(queue, [&](const files::Batch& b) { return b.sequence <= everything.sequence; });
    applied = everything.sequence;
    return true;
  }

  // Damaged Berkeley DB files can loop when read: no copy holds more
  // statements than its files have bytes (a statement takes several in each
  // index), so reading past that is refused instead of running on.
  std::uintmax_t most_redland_statements() const {
    std::uintmax_t bytes = 0;
    for (const auto& file : redland_files()) bytes += std::filesystem::file_size(file);
    return bytes > 0 ? bytes / 4 + 1000 : std::numeric_limits<std::uintmax_t>::max();
  }
  std::runtime_error redland_read_loops() const {
    return std::runtime_error("reading the Redland copy in " + dir.string() +
                              " does not end (more statements than its files have bytes for): its files are "
                              "damaged; restore dataset.snap (or the copy) from a backup");
  }

  // The working set from the Redland copy (a store whose snapshot was
  // deleted, e.g. after the copy was changed with other tools).
  void load_from_redland(redland::Model& source) {
    std::vector<Quad> quads;
    const std::uintmax_t most = most_redland_statements();
    source.for_each([&](const Statement& st) {
      if (quads.size() >= most) throw redland_read_loops();
      quads.push_back({intern(st.subject), intern(st.predicate), intern(st.object),
                       st.graph.empty() ? default_graph_id : intern(graph_term(st.graph))});
    });
    dataset.insert_bulk(std::move(quads));
  }

  // Whether the journal still holds batch 1 (a checkpoint's mark, a frame
  // without ops, stands for batches dropped).
  static bool journal_from_start(const std::vector<files::Batch>& batches) {
    return !batches.empty() && batches.front().sequence == 1 && !batches.front().ops.empty();
  }

  // Every batch after `through` must be in the journal, from through + 1 on:
  // a gap means batches the store acknowledged are in neither place.
  void require_journal_from(std::uint64_t through, const std::vector<files::Batch>& batches,
                            const std::string& holder) const {
    for (const files::Batch& b : batches) {
      if (b.sequence <= through) continue;
      // A frame without ops is a checkpoint's mark: batches through its
      // sequence were only in the snapshot.
      if (b.sequence == through + 1 && !b.ops.empty()) return;
      throw std::runtime_error(dir.string() + ": " + holder + " holds batches through " + std::to_string(through) +
                               " but the journal starts " + (b.ops.empty() ? "after" : "at") + " batch " +
                               std::to_string(b.sequence) +
                               ": batches in between are missing (was dataset.snap deleted or replaced?); restore "
                               "dataset.snap");
    }
  }

  // A batch that names a term the log lacks means the terms log lost terms:
  // applying it would store damaged quads.
  void require_known_terms(const std::vector<files::Batch>& batches) const {
    const TermId known_terms = TermId(terms.next_id() - 1);
    for (const files::Batch& batch : batches)
      for (const files::Op& op : batch.ops) {
        const TermId ids[] = {op.quad.s, op.quad.p, op.quad.o, op.quad.g};
        for (std::size_t i = op.kind == files::Op::drop_graph ? 3 : 0; i < 4; ++i)
          if (ids[i] == any_term || ids[i] > known_terms)
            throw std::runtime_error(journal_path(dir).string() + ": batch " + std::to_string(batch.sequence) +
                                     " refers to term " + std::to_string(ids[i]) + " but " +
                                     terms_path(dir).string() + " holds " + std::to_string(known_terms) +
                                     ": the terms log is damaged or cut short; restore it from a backup");
      }
  }

  // Opening a large store takes seconds: its files are told as they are read.
  struct OpenProgress {
    const Impl& store;
    std::string task;
    std::uint64_t total = 0;
    explicit OpenProgress(const Impl& s) : store(s), task("opening " + s.dir.string()) {
      std::error_code error;
      for (const auto& path : {terms_path(s.dir), snapshot_path(s.dir), journal_path(s.dir)}) {
        const auto size = std::filesystem::file_size(path, error);
        if (!error) total += size;
      }
    }
    void operator()(std::uint64_t done) const { store.tell({task, "bytes", std::min(done, total), total}); }
  };

  // An intact snapshot that refers to terms the terms log lacks means the
  // log lost terms: no other copy can stand in for them, and a writer's open
  // refuses the store as a reader's does.
  void require_snapshot_terms(const files::SnapshotInfo& snapshot) const {
    if (snapshot.term_count > dataset.term_count())
      throw std::runtime_error(snapshot_path(dir).string() + " refers to " + std::to_string(snapshot.term_count) +
                               " terms, but the terms log holds " + std::to_string(dataset.term_count()) +
                               ": terms.log is damaged or cut short; restore it from a backup");
  }

  // Applies the journal's batches after `through` (what the snapshot or the
  // Redland copy holds) as one bulk load; returns the last batch's number.
  std::uint64_t replay_after(std::uint64_t through, const std::vector<files::Batch>& batches) {
    std::uint64_t last = through;
    JournalReplay replay(dataset);
    for (const files::Batch& batch : batches) {
      if (batch.sequence > through) replay.apply(batch.ops);
      last = std::max(last, batch.sequence);
    }
    replay.finish();
    return last;
  }

  void open() {
    const OpenProgress told(*this);
    // The snapshot fills the indexes on a second thread while this one
    // reads the terms (they touch different parts of the dataset).
    SnapshotLoad load(dataset, snapshot_path(dir), std::numeric_limits<std::uint64_t>::max());
    terms.load(dataset, load.term_count_hint(), [&](std::uint64_t at) { told(at + load.bytes_read); });
    logged_next = terms.next_id();
    applied = files::read_number(applied_path(dir));
    files::SnapshotInfo snapshot;
    const bool snapshot_present = std::filesystem::exists(snapshot_path(dir));
    const bool have_snapshot = load.finish(snapshot);
    if (have_snapshot) require_snapshot_terms(snapshot);
    if (snapshot_present && !have_snapshot)
      std::fprintf(stderr, "torchprov store: %s is damaged; reading the store from the journal%s\n",
                   snapshot_path(dir).c_str(), applied > 0 ? " and the Redland copy" : "");
    told(terms.bytes_on_disk() + (have_snapshot ? std::filesystem::file_size(snapshot_path(dir)) : 0));
    std::vector<files::Batch> batches;
    journal.replay([&](files::Batch&& batch) { batches.push_back(std::move(batch)); });
    require_known_terms(batches);
    std::uint64_t through = 0;
    std::string holder = "the store (no dataset.snap)";
    if (have_snapshot) {
      through = snapshot.sequence;
      snapshot_sequence = through;
      holder = "dataset.snap";
    } else if (applied > 0 && !journal_from_start(batches)) {
      // No snapshot (deleted to force a rebuild) and a journal that does not
      // go back to the start: the rest is only in the Redland copy.
      const auto [name, redland_options] = redland_location(dir, options);
      redland::Model copy(options.storage, name, redland_options);
      load_from_redland(copy);
      through = applied;
      holder = "the Redland copy (dataset.snap is missing)";
    }
    require_journal_from(through, batches, holder);
    // Everything checked: what a crash left half-written can go.
    terms.cut_torn_tail();
    journal.cut_torn_tail();
    committed = replay_after(through, batches);
    journal_bytes = journal.bytes();
    told(told.total);
    terms.sync();
    if (keep_redland) start_redland_copy(batches);
    // A working set read back from Redland is snapshotted at once; a new
    // store's journal, which starts at batch 1, needs no snapshot yet.
    checkpoint_wanted = !have_snapshot && through > 0;
    writer = std::thread([this] { background(); });
  }

  // Opens the Redland copy and queues what it lacks; a copy that is damaged
  // or older than the journal's first batch is rebuilt (on the background
  // thread) from the dataset.
  void start_redland_copy(std::vector<files::Batch>& batches) {
    const auto [name, redland_options] = redland_location(dir, options);
    std::string damage;
    if (std::filesystem::exists(damaged_marker_path(dir))) damage = "the last background write to Redland failed";
    // redland.partial at 0: the last session that wrote the copy never closed
    // it (a kill -9, a power cut).  Berkeley DB files cut off in the middle of
    // a write can be damaged in ways no write reports, such as a hash chain
    // that loops (reading the copy then never ends): rebuild the copy.
    bool killed_mid_write = false;
    if (damage.empty() && rebuildable() && std::filesystem::exists(partial_marker_path(dir)) &&
        files::read_number(partial_marker_path(dir)) == 0) {
      killed_mid_write = true;
      damage = "the process that last wrote it stopped without closing it";
    }
    if (damage.empty()) {
      try {
        model = std::make_unique<redland::Model>(options.storage, name, redland_options);
      } catch (const std::exception& error) {
        if (!rebuildable()) throw;
        damage = error.what();
      }
    }
    const bool covered = applied >= committed || std::any_of(batches.begin(), batches.end(), [&](const auto& b) {
                           return b.sequence == applied + 1 && !b.ops.empty();
                         });
    if (!damage.empty() || !covered) {
      if (!rebuildable())
        throw std::runtime_error("the Redland copy (storage " + options.storage + ") holds batches through " +
                                 std::to_string(applied) + ", and the journal no longer has the next ones: empty "
                                 "the copy (and write 0 into " + applied_path(dir).string() +
                                 "), then open the store with the copy on again (torchprov redland-sync)");
      if (!damage.empty())
        std::fprintf(stderr, "torchprov store: the Redland copy in %s cannot be used (%s); rebuilding it\n",
                     dir.c_str(), damage.c_str());
      rebuild_wanted = true;
      rebuild_sets_aside = !damage.empty() && !killed_mid_write;
      ops_enqueued += dataset.size();
      return;
    }
    for (files::Batch& batch : batches) {
      if (batch.sequence <= applied) continue;
      ops_enqueued += batch.ops.size();
      queue.push_back(std::move(batch));
    }
    // Batches after `applied` may be half in Redland (redland.partial says
    // which): Redland keeps duplicates, so those are applied with checks.
    if (std::filesystem::exists(partial_marker_path(dir))) {
      const std::uint64_t partial = files::read_number(partial_marker_path(dir));
      verify_through = partial == 0 ? committed.load() : partial;
    }
  }

  // A consistent copy without writing anything, also while a writer
  // appends and checkpoints.  The writer replaces dataset.snap, then
  // journal.log (each by rename) under its write lock, and appends a term to
  // terms.log before any frame or snapshot that uses it.  So: the journal
  // opened first (in the constructor) holds every batch after the snapshot
  // read next, whichever of the two snapshots that is; and the terms log,
  // read last, has every term the frames read before it use.  A torn tail
  // (a frame or term being written) fails its checksum and ends the read.
  void open_read_only() {
    const OpenProgress told(*this);
    // The snapshot is opened here, before the terms log is read; its quads
    // are read on a second thread while this one reads the journal and terms.
    SnapshotLoad load(dataset, snapshot_path(dir), std::numeric_limits<std::uint64_t>::max());
    std::vector<files::Batch> batches;
    journal.replay([&](files::Batch&& batch) { batches.push_back(std::move(batch)); });
    terms.load(dataset, load.term_count_hint(), [&](std::uint64_t at) { told(at + load.bytes_read); });
    files::SnapshotInfo snapshot;
    const bool have_snapshot = load.finish(snapshot);
    logged_next = terms.next_id();
    require_known_terms(batches);
    applied = files::read_number(applied_path(dir));
    std::uint64_t through = 0;
    std::string holder = "the store (no dataset.snap)";
    if (have_snapshot) {
      require_snapshot_terms(snapshot);
      through = snapshot.sequence;
      holder = "dataset.snap";
    } else if (applied > 0 && !journal_from_start(batches)) {
      // No snapshot (deleted to force a rebuild) and a journal that does not
      // go back to the start: the rest is only in Redland.
      read_redland_read_only();
      through = applied;
      holder = "the Redland copy (dataset.snap is missing)";
    }
    require_journal_from(through, batches, holder);
    committed = replay_after(through, batches);
    journal_bytes = journal.bytes();
    told(told.total);
  }

  // The working set from Redland, opened without write access; refused while
  // a writer holds the store (it may be writing those files).
  void read_redland_read_only() {
    if (auto holder = files::StoreLock::writer(dir))
      throw StoreInUse("store " + dir.string() + " has no snapshot (dataset.snap) and is held for writing by " +
                       *holder +
                       ": only that process can read it consistently now. Send the query to it (a torchprov "
                       "server answers at its /sparql route) or stop it first.");
    StoreOptions redland_options = options;
    if (options.storage == "hashes") {
      redland_options.storage_options += redland_options.storage_options.empty() ? "" : ",";
      redland_options.storage_options += "write='no'";
    }
    const auto [name, redland_option_text] = redland_location(dir, redland_options);
    redland::Model reader(options.storage, name, redland_option_text);
    std::vector<Quad> quads;
    const std::uintmax_t most = most_redland_statements();
    // Terms Redland has and the log lacks are kept in memory, never logged.
    reader.for_each([&](const Statement& st) {
      if (quads.size() >= most) throw redland_read_loops();
      quads.push_back({dataset.intern(st.subject), dataset.intern(st.predicate), dataset.intern(st.object),
                       st.graph.empty() ? default_graph_id : dataset.intern(graph_term(st.graph))});
    });
    dataset.insert_bulk(std::move(quads));
  }

  void close() {
    if (!writer.joinable()) return;
    {
      std::lock_guard lock(queue_mutex);
      stopping = true;
    }
    stop_now = true;
    queue_cv.notify_one();
    writer.join();
  }

  // The id of a graph by name ("" = the default graph); nullopt when the
  // store has never seen it.  Caller holds dataset_mutex.
  std::optional<TermId> find_graph(std::string_view graph) const {
    if (graph.empty()) return default_graph_id;
    return dataset.lookup(graph_term(graph));
  }

  Quad quad_of(const Statement& st, TermId graph_id) {
    return {intern(st.subject), intern(st.predicate), intern(st.object),
            st.graph.empty() ? graph_id : intern(graph_term(st.graph))};
  }
};

// ------------------------------------------------------------------ import

struct Store::Import::State {
  Store::Impl* store;
  std::unique_lock<std::mutex> write_lock;
  TermId graph_id = default_graph_id;
  std::string last_graph;  // statements of one graph come in runs
  TermId last_graph_id = 0;
  std::vector<Quad> staged;
  std::size_t statements = 0;
  bool sync = true;
  bool replace = false;  // replace_graph: drop the graph in the same batch
};

Store::Import::Import(std::unique_ptr<State> state) : state_(std::move(state)) {}
Store::Import::Import(Import&&) noexcept = default;
Store::Import::~Import() = default;

void Store::Import::add(const Statement& statement) { add(std::span<const Statement>(&statement, 1)); }

void Store::Import::add(std::span<const Statement> statements) {
  Store::Impl& store = *state_->store;
  // Interning changes the dictionary readers use: one exclusive lock for
  // the lot (per statement, a batch waited for running queries each time).
  std::unique_lock lock(store.dataset_mutex);
  for (const Statement& statement : statements) {
    Quad quad{store.intern(statement.subject), store.intern(statement.predicate), store.intern(statement.object),
              state_->graph_id};
    if (!statement.graph.empty()) {
      if (state_->last_graph_id == 0 || statement.graph != state_->last_graph) {
        state_->last_graph_id = store.intern(graph_term(statement.graph));
        state_->last_graph = statement.graph;
      }
      quad.g = state_->last_graph_id;
    }
    state_->staged.push_back(quad);
    ++state_->statements;
  }
}

std::size_t Store::Import::statements() const { return state_->statements; }

std::size_t Store::Import::commit(const ProgressHandler& progress) {
  if (!state_ || !state_->write_lock) throw std::logic_error("Import: already committed");
  Store::Impl& store = *state_->store;
  std::vector<Quad>& quads = state_->staged;
  const std::string task = "storing " + std::to_string(quads.size()) + " statements";
  auto step = [&](std::uint64_t done) {
    if (progress) progress({task, "steps", done, 4});
  };
  step(0);
  std::sort(quads.begin(), quads.end(), [](const Quad& a, const Quad& b) {
    return std::tie(a.s, a.p, a.o, a.g) < std::tie(b.s, b.p, b.o, b.g);
  });
  quads.erase(std::unique(quads.begin(), quads.end()), quads.end());
  step(1);
  std::size_t dropped = 0;
  {
    std::shared_lock lock(store.dataset_mutex);
    if (state_->replace) {
      dropped = store.dataset.count({0, 0, 0, state_->graph_id});
      std::erase_if(quads, [&](const Quad& q) { return q.g != state_->graph_id && store.dataset.contains(q); });
    } else {
      std::erase_if(quads, [&](const Quad& q) { return store.dataset.contains(q); });
    }
  }
  const std::size_t added = quads.size();
  if (added > 0 || state_->replace) {
    files::Batch batch;
    batch.ops.reserve(quads.size() + 1);
    if (state_->replace) batch.ops.push_back({files::Op::drop_graph, {0, 0, 0, state_->graph_id}});
    for (const Quad& q : quads) batch.ops.push_back({files::Op::add, q});
    const TermId graph = state_->graph_id;
    const bool replace = state_->replace;
    step(2);
    store.commit(std::move(batch), state_->sync, [&] {
      step(3);
      if (replace) store.dataset.clear_graph(graph);
      store.dataset.insert_bulk(std::move(quads));
    });
  }
  step(4);
  state_->write_lock.unlock();
  return state_->replace ? added + dropped : added;
}

// ------------------------------------------------------------------- store

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;
Store::~Store() {
  if (impl_) impl_->close();
}

Store Store::open(const std::filesystem::path& directory, StoreOptions options) {
  const std::filesystem::path dir = std::filesystem::absolute(directory);
  std::error_code error;
  const bool is_store = std::filesystem::exists(terms_path(dir), error);
  if (options.access == StoreAccess::write) {
    std::filesystem::create_directories(dir);
    files::StoreLock lock = files::StoreLock::exclusive(dir, options.holder_note);
    auto impl = std::make_unique<Impl>(std::move(lock), dir, std::move(options));
    impl->created = !is_store;
    impl->open();
    return Store(std::move(impl));
  }
  if (!std::filesystem::is_directory(dir, error))
    throw std::runtime_error("no store at " + dir.string() +
                             " (no such directory); a store is made by the first command that writes to it, "
                             "e.g. torchprov import --store DIR FILE, or torchprov serve --store DIR");
  if (!is_store)
    throw std::runtime_error(dir.string() +
                             " is not a torchprov store (it has no terms.log); point at a store, or make one with "
                             "a command that writes, e.g. torchprov import --store DIR FILE");
  files::StoreLock lock;
  if (options.access == StoreAccess::read_shared) lock = files::StoreLock::shared(dir);
  auto impl = std::make_unique<Impl>(std::move(lock), dir, std::move(options));
  impl->open_read_only();
  return Store(std::move(impl));
}

Store::ReadView Store::read() const { return ReadView(impl_->dataset, impl_->dataset_mutex); }

Store::Import Store::begin_import(std::string graph) {
  impl_->require_writable();
  auto state = std::make_unique<Import::State>();
  state->store = impl_.get();
  state->write_lock = std::unique_lock(impl_->write_mutex);
  if (!graph.empty()) {
    std::unique_lock lock(impl_->dataset_mutex);
    state->graph_id = impl_->intern(graph_term(graph));
  }
  return Import(std::move(state));
}

std::size_t Store::insert(std::span<const Statement> statements, std::string_view graph, bool sync) {
  Import import = begin_import(std::string(graph));
  import.state_->sync = sync;
  import.add(statements);
  return import.commit();
}

std::size_t Store::replace_graph(std::string_view graph, std::span<const Statement> statements) {
  Import import = begin_import(std::string(graph));
  import.state_->replace = true;
  // Everything goes into the replaced graph: copies without their graph, a
  // block at a time (a whole copy of a large PUT doubled its memory).
  std::vector<Statement> block;
  for (std::size_t at = 0; at < statements.size(); at += 4096) {
    block.assign(statements.begin() + std::ptrdiff_t(at),
                 statements.begin() + std::ptrdiff_t(std::min(statements.size(), at + 4096)));
    for (Statement& st : block) st.graph.clear();
    import.add(block);
  }
  return import.commit();
}

std::size_t Store::delete_graph(std::string_view graph) {
  impl_->require_writable();
  std::lock_guard write_lock(impl_->write_mutex);
  TermId g;
  std::size_t removed;
  {
    std::shared_lock lock(impl_->dataset_mutex);
    auto id = impl_->find_graph(graph);
    if (!id) return 0;
    g = *id;
    removed = impl_->dataset.count({0, 0, 0, g});
  }
  if (removed == 0) return 0;
  files::Batch batch;
  batch.ops.push_back({files::Op::drop_graph, {0, 0, 0, g}});
  impl_->commit(std::move(batch), true, [&] { impl_->dataset.clear_graph(g); });
  return removed;
}

sparql::UpdateDelta Store::modify(const std::function<sparql::UpdateDelta(Dataset&)>& update) {
  impl_->require_writable();
  std::lock_guard write_lock(impl_->write_mutex);
  Impl& s = *impl_;
  sparql::UpdateDelta delta;
  files::Batch batch;
  {
    std::unique_lock lock(s.dataset_mutex);
    delta = update(s.dataset);
    s.persist_new_terms();
    for (const Quad& q : delta.removed) batch.ops.push_back({files::Op::remove, q});
    for (const Quad& q : delta.added) batch.ops.push_back({files::Op::add, q});
    if (batch.ops.empty()) return delta;
    batch.sequence = s.committed + 1;
    try {
      s.terms.sync();
      s.journal.append(batch, true);
    } catch (...) {
      // Not durable: undo so memory matches the journal.
      for (auto it = delta.added.rbegin(); it != delta.added.rend(); ++it) s.dataset.erase(*it);
      for (auto it = delta.removed.rbegin(); it != delta.removed.rend(); ++it) s.dataset.insert(*it);
      throw;
    }
  }
  s.journal_bytes = s.journal.bytes();
  s.committed = batch.sequence;
  s.hand_on(std::move(batch));
  return delta;
}

void Store::flush() {
  if (impl_->read_only) return;
  std::lock_guard write_lock(impl_->write_mutex);
  impl_->terms.sync();
  impl_->journal.sync();
}

void Store::wait_for_redland(const ProgressHandler& progress) {
  Impl& s = *impl_;
  if (!s.keep_redland)
    throw std::logic_error("store " + s.dir.string() + " keeps no Redland copy (open it with redland_copy on)");
  const ProgressHandler& tell = progress ? progress : s.options.progress;
  const std::uint64_t target = s.committed;
  std::unique_lock lock(s.queue_mutex);
  const std::uint64_t start = s.ops_applied, goal = s.ops_enqueued;
  while (s.applied < target && !s.background_error) {
    s.progress_cv.wait_for(lock, std::chrono::milliseconds(200));
    if (tell) {
      const std::uint64_t total = goal - std::min(goal, start);
      tell({"bringing the Redland copy up to date", "triples", std::min(total, s.ops_applied - start), total});
    }
  }
  s.rethrow_background_error();
}

void Store::checkpoint() {
  impl_->require_writable();
  std::unique_lock lock(impl_->queue_mutex);
  const std::uint64_t done = impl_->checkpoints_done, failed = impl_->checkpoints_failed;
  impl_->checkpoint_wanted = true;
  impl_->queue_cv.notify_one();
  impl_->progress_cv.wait(lock, [&] {
    return impl_->checkpoints_done > done || impl_->checkpoints_failed > failed || impl_->background_error;
  });
  impl_->rethrow_background_error();
  // A full disk: the background thread retries on its own, the caller hears why now.
  if (impl_->checkpoints_done == done) std::rethrow_exception(impl_->checkpoint_error);
}

void Store::export_to(std::ostream& out, RdfFormat format, std::optional<std::string> graph) const {
  std::shared_lock lock(impl_->dataset_mutex);
  Quad pattern{0, 0, 0, 0};
  if (graph) {
    auto id = impl_->find_graph(*graph);
    if (!id) return;
    pattern.g = *id;
  }
  rdf_io::Writer writer(out, format);
  TermResolver resolve(impl_->terms);
  Statement st;
  impl_->dataset.match(pattern, [&](const Quad& q) {
    resolve.statement(q, st);
    writer.write(st);
    return true;
  });
  writer.finish();
}

struct Store::Export::State {
  State(const Store::Impl& store, RdfFormat format, Quad pattern)
      : store(store), pattern(pattern), writer(buffer, format), resolve(store.terms) {}
  const Store::Impl& store;
  Quad pattern;
  std::optional<Quad> last;  // where the previous piece stopped
  std::ostringstream buffer;
  rdf_io::Writer writer;
  TermResolver resolve;
  bool finished = false;
};

Store::Export::Export(std::unique_ptr<State> state) : state_(std::move(state)) {}
Store::Export::Export(Export&&) noexcept = default;
Store::Export::~Export() = default;

bool Store::Export::next(std::string& piece, std::size_t piece_bytes) {
  State& s = *state_;
  if (!s.finished) {
    std::shared_lock lock(s.store.dataset_mutex);
    QuadCursor cursor(s.store.dataset);
    if (s.last) cursor.seek_after(s.pattern, *s.last);
    else cursor.seek(s.pattern);
    Statement st;
    Quad q;
    bool exhausted = true;
    while (true) {
      if (static_cast<std::size_t>(s.buffer.tellp()) >= piece_bytes) {
        exhausted = false;
        break;
      }
      if (!cursor.next(q)) break;
      s.resolve.statement(q, st);
      s.writer.write(st);
      s.last = q;
    }
    if (exhausted) {
      s.writer.finish();
      s.finished = true;
    }
  }
  piece += s.buffer.str();
  s.buffer.str("");
  return !s.finished;
}

Store::Export Store::export_pieces(RdfFormat format, std::optional<std::string> graph) const {
  Quad pattern{0, 0, 0, 0};
  bool empty = false;
  if (graph) {
    std::shared_lock lock(impl_->dataset_mutex);
    auto id = impl_->find_graph(*graph);
    if (id) pattern.g = *id;
    else empty = true;
  }
  auto state = std::make_unique<Export::State>(*impl_, format, pattern);
  if (empty) {
    state->writer.finish();
    state->finished = true;
  }
  return Export(std::move(state));
}

StoreStats Store::stats() const {
  StoreStats result;
  std::shared_lock lock(impl_->dataset_mutex);
  const Dataset& d = impl_->dataset;
  result.triples = d.size();
  result.terms = d.term_count();
  result.memory_bytes = d.memory_bytes();
  if (std::size_t n = d.count({0, 0, 0, default_graph_id})) result.graphs.emplace_back("", n);
  for (TermId g : d.graphs()) result.graphs.emplace_back(graph_name(d.term(g)), d.count({0, 0, 0, g}));
  std::unordered_map<TermId, std::size_t> per_predicate;
  d.match({0, 0, 0, 0}, [&](const Quad& q) {
    ++per_predicate[q.p];
    return true;
  });
  for (auto [p, n] : per_predicate) result.predicates.emplace_back(d.term(p).value, n);
  std::sort(result.predicates.begin(), result.predicates.end(),
            [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  result.journal_bytes = impl_->journal_bytes;
  result.committed_sequence = impl_->committed;
  {
    std::lock_guard q(impl_->queue_mutex);
    result.redland_sequence = impl_->applied;
  }
  if (impl_->read_only) result.writer = files::StoreLock::writer(impl_->dir).value_or("");
  return result;
}

const std::filesystem::path& Store::directory() const { return impl_->dir; }

bool Store::created() const { return impl_->created; }

// ------------------------------------------------------------ free functions

std::size_t import_file(Store& store, const std::filesystem::path& file, std::optional<RdfFormat> format,
                        std::string graph, const ProgressHandler& progress) {
  const std::optional<RdfFormat> chosen = format ? format : format_from_path(file);
  if (!chosen) throw std::runtime_error(file.string() + ": unknown RDF format (use .ttl, .nt, .nq or .trig)");
  // Blank nodes of different files must stay distinct.
  std::random_device random;
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "f%08x_", random());
  Store::Import import = store.begin_import(std::move(graph));
  // Serd parses on a second thread while this one interns: blocks of
  // statements go round between the two (their strings keep their capacity).
  constexpr std::size_t block_size = 2048, block_count = 8;
  // A block grows to block_size as statements come (a small file costs a
  // few statements, not 16 384 empty ones).
  struct Block {
    std::vector<Statement> statements;
    std::size_t used = 0;
  };
  std::vector<Block> blocks(block_count);
  std::mutex mutex;
  std::condition_variable changed;
  std::deque<Block*> empty_blocks, full_blocks;
  for (Block& b : blocks) empty_blocks.push_back(&b);
  bool parsed = false, abandoned = false;
  std::exception_ptr parse_error;
  const std::string task = "reading " + file.string();
  std::error_code size_error;
  const std::uint64_t file_bytes = std::filesystem::file_size(file, size_error);
  std::function<void(std::uint64_t)> read_so_far;
  if (progress) read_so_far = [&](std::uint64_t at) { progress({task, "bytes", at, size_error ? 0 : file_bytes}); };
  std::thread parser([&] {
    Block* current = nullptr;
    auto take = [&]() -> bool {
      std::unique_lock lock(mutex);
      changed.wait(lock, [&] { return abandoned || !empty_blocks.empty(); });
      if (abandoned) return false;
      current = empty_blocks.front();
      empty_blocks.pop_front();
      current->used = 0;
      return true;
    };
    auto hand_over = [&] {
      {
        std::lock_guard lock(mutex);
        full_blocks.push_back(current);
      }
      changed.notify_all();
      current = nullptr;
    };
    struct Abandoned {};
    try {
      rdf_io::parse_file(
          file, *chosen,
          [&](const Statement& st) {
            if (!current && !take()) throw Abandoned{};
            if (current->used < current->statements.size()) {
              current->statements[current->used] = st;
            } else {
              current->statements.push_back(st);
            }
            ++current->used;
            if (current->used == block_size) hand_over();
          },
          prefix, read_so_far);
      if (current && current->used > 0) hand_over();
    } catch (const Abandoned&) {
    } catch (...) {
      parse_error = std::current_exception();
    }
    {
      std::lock_guard lock(mutex);
      parsed = true;
    }
    changed.notify_all();
  });
  auto stop_parser = [&] {
    {
      std::lock_guard lock(mutex);
      abandoned = true;
    }
    changed.notify_all();
    parser.join();
  };
  try {
    while (true) {
      Block* block;
      {
        std::unique_lock lock(mutex);
        changed.wait(lock, [&] { return parsed || !full_blocks.empty(); });
        if (full_blocks.empty()) break;
        block = full_blocks.front();
        full_blocks.pop_front();
      }
      import.add(std::span<const Statement>(block->statements.data(), block->used));
      {
        std::lock_guard lock(mutex);
        empty_blocks.push_back(block);
      }
      changed.notify_all();
    }
  } catch (...) {
    stop_parser();
    throw;
  }
  parser.join();
  if (parse_error) std::rethrow_exception(parse_error);
  return import.commit(progress);
}

namespace {

class StoreSink final : public Sink {
 public:
  explicit StoreSink(Store& store) : store_(&store) {}
  explicit StoreSink(Store&& owned) : owned_(std::move(owned)), store_(&*owned_) {}
  void write(std::span<const Statement> batch) override { store_->insert(batch, {}, false); }
  void flush() override { store_->flush(); }
  void close() override { store_->flush(); }

 private:
  std::optional<Store> owned_;
  Store* store_;
};

}  // namespace

std::unique_ptr<Sink> open_store_sink(Store& store) { return std::make_unique<StoreSink>(store); }

std::unique_ptr<Sink> open_store_sink(const std::filesystem::path& directory, StoreOptions options) {
  return std::make_unique<StoreSink>(Store::open(directory, std::move(options)));
}

}  // namespace torchprov::triplestore
