// torchprov/triplestore.h — the persistent provenance store.
//
// A Store is a directory.  Its record is a terms log (the dictionary), a
// write-ahead journal (every acknowledged write, fsync'ed before the write
// returns) and a binary snapshot that makes reopening fast.  Queries run on
// the in-memory Dataset (see the SPARQL engine).  A Redland (librdf) copy
// that other RDF tools read is kept up to date on a background thread when
// asked for (StoreOptions::redland_copy); otherwise it is left as it was and
// brought up to date on demand (torchprov redland-sync).
//
//   auto store = torchprov::triplestore::Store::open("provenance.store");
//   store.insert(statements, "https://w3id.org/torchprov/run/42");
//   torchprov::triplestore::import_file(store, "run.ttl");
//   { auto view = store.read(); use(view.dataset()); }   // shared lock held
//
// All member functions are thread-safe.  Writers are serialised; readers
// share a lock with each other and exclude writers while a ReadView lives.
//
// One process writes to a store at a time: opening for writing takes an
// exclusive lock (DIR/lock, flock'ed, so the kernel frees it when the
// process dies) and a second writer is refused with StoreInUse, which names
// the holder.  Read-only opens write nothing and work beside the writer:
//
//   auto copy = Store::open("provenance.store", {.access = StoreAccess::read});
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <torchprov/capture.h>
#include <torchprov/rdf.h>

namespace torchprov::triplestore {

class Dataset;
namespace sparql {
struct UpdateDelta;
}

// The default graph, as stored in Redland (which needs a context node for
// every statement to stay fast) and as term id 1 in the Dataset.
inline constexpr std::string_view default_graph_iri = "urn:x-torchprov:default-graph";

// RDF/XML is read only (import, Graph Store bodies); the others are read and written.
enum class RdfFormat { turtle, ntriples, nquads, trig, rdfxml };
// From a file extension (.ttl .nt .nq .trig .rdf .owl); nullopt when unknown.
std::optional<RdfFormat> format_from_path(const std::filesystem::path& path);
std::optional<RdfFormat> format_from_name(std::string_view name);  // "turtle", "nq", "rdfxml", ...
// What import accepts, for messages and --help: ".ttl (Turtle), .nt (N-Triples), ...".
std::string_view accepted_rdf_formats();

// A syntax error in an RDF file: what() is "FILE:LINE:COL: message".
struct ParseError : std::runtime_error {
  ParseError(std::string file, std::size_t line, std::size_t column, const std::string& message);
  std::string file;
  std::size_t line, column;
};

// Thrown by Store::open when another process holds the store: what() names
// it (pid and command line) and says what to do instead.
struct StoreInUse : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Where a long operation stands (for a progress line on a terminal): `done`
// of `total` units of `task`; `total` is 0 when unknown.  Called from the
// working thread every few thousand items: keep it cheap.
struct Progress {
  std::string_view task;  // "reading run.nt", "writing the snapshot", ...
  std::string_view unit;  // "bytes", "triples"
  std::uint64_t done = 0, total = 0;
};
using ProgressHandler = std::function<void(const Progress&)>;

enum class StoreAccess {
  // The one writer: creates the directory when absent and holds the store's
  // lock until the Store is destroyed.
  write,
  // Writes nothing into the directory, which must hold a store: a
  // consistent copy of every batch committed when open() returns, also while
  // another process writes (later writes are not seen).  Write calls throw.
  read,
  // As `read`, and keeps writers out while the Store lives (a long-lived
  // reader such as a read-only server, which must not go stale); refused
  // with StoreInUse while a writer holds the store.
  read_shared,
};

struct StoreOptions {
  StoreAccess access = StoreAccess::write;
  // A writer's word to processes it refuses (a server: where to send data
  // instead); kept in the lock file with the writer's pid and command line.
  std::string holder_note;
  // Keep the Redland copy up to date on a background thread while the store
  // is open for writing.  Off (the default), writes never wait for Redland:
  // the copy stays at the batch it had (StoreStats::redland_sequence) until
  // a store opened with the copy on catches it up (torchprov redland-sync).
  // A copy the journal no longer covers is rebuilt from the dataset.
  bool redland_copy = false;
  std::string storage = "hashes";  // Redland storage module: hashes, sqlite, postgresql, virtuoso
  // Redland options; empty picks a default for the module, for hashes
  // "hash-type='bdb',dir='<directory>',contexts='yes'".
  std::string storage_options;
  // Journal bytes after which the background thread writes a snapshot and
  // truncates the journal.
  std::uint64_t checkpoint_bytes = std::uint64_t(256) << 20;
  // Journal bytes past which closing writes a snapshot; below it the journal
  // stays the record and closing writes nothing.  Opening reads a snapshot
  // without sorting but must sort what it replays from the journal (about a
  // second of CPU per million triples, ~17 journal bytes each), so a store
  // that closes cleanly opens in the time it takes to read its files.
  std::uint64_t close_checkpoint_bytes = std::uint64_t(16) << 20;
  // Told how opening, closing and catching Redland up proceed.
  ProgressHandler progress;
};

struct StoreStats {
  std::size_t triples = 0, terms = 0, memory_bytes = 0;
  std::vector<std::pair<std::string, std::size_t>> graphs;      // default graph as ""
  std::vector<std::pair<std::string, std::size_t>> predicates;  // most used first
  std::uint64_t journal_bytes = 0;
  // The last committed batch and the last one the Redland copy holds (equal
  // once it caught up; 0 when there is no copy).
  std::uint64_t committed_sequence = 0, redland_sequence = 0;
  // For a read-only Store: the process holding the store for writing ("pid
  // 12 (torchprov serve ...)"), whose later writes this copy does not show;
  // empty when none.
  std::string writer;
};

class Store {
 public:
  // Creates the directory when absent (for writing).  Throws StoreInUse
  // when another process holds the store (see StoreAccess), and
  // std::runtime_error naming the path for a read-only open of a directory
  // that is missing or holds no store, or when the files cannot be read.
  static Store open(const std::filesystem::path& directory, StoreOptions options = {});
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  // Writes a snapshot when the journal has grown past checkpoint_bytes; a
  // Redland copy stops where it is (the journal keeps what it lacks).
  ~Store();

  // A shared lock on the in-memory dataset, for queries.
  class ReadView {
   public:
    const Dataset& dataset() const { return *dataset_; }

   private:
    friend class Store;
    ReadView(const Dataset& d, std::shared_mutex& m) : dataset_(&d), lock_(m) {}
    const Dataset* dataset_;
    std::shared_lock<std::shared_mutex> lock_;
  };
  ReadView read() const;

  // An all-or-nothing import of any size: statements are journaled as they
  // come; nothing is visible (nor survives a crash) unless commit() returns.
  // Destroying an uncommitted Import abandons it.
  class Import {
   public:
    Import(Import&&) noexcept;
    ~Import();
    void add(const Statement& statement);  // an empty graph means the Import's graph
    void add(std::span<const Statement> statements);  // the same, one lock for all
    // Returns the number of new quads; `progress` hears the steps of a large commit.
    std::size_t commit(const ProgressHandler& progress = {});
    std::size_t statements() const;

   private:
    friend class Store;
    struct State;
    explicit Import(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  // `graph` receives statements without a graph ("" = the default graph).
  Import begin_import(std::string graph = {});

  // Each call is one durable batch (journal fsync'ed before returning unless
  // `sync` is false; then flush() makes it durable).  Return quads changed.
  std::size_t insert(std::span<const Statement> statements, std::string_view graph = {}, bool sync = true);
  std::size_t delete_graph(std::string_view graph);
  std::size_t replace_graph(std::string_view graph, std::span<const Statement> statements);
  // Runs `update` (e.g. sparql::execute_update) on the dataset under the
  // write lock and journals the delta it reports, as one batch.
  sparql::UpdateDelta modify(const std::function<sparql::UpdateDelta(Dataset&)>& update);

  void flush();              // journal fsync
  // Blocks until the Redland copy has every batch committed before the
  // call, telling `progress` (or the StoreOptions' handler) how far it is.
  // Throws std::logic_error unless the store keeps a Redland copy.
  void wait_for_redland(const ProgressHandler& progress = {});
  void checkpoint();         // snapshot + journal truncated (through what Redland has, with a copy)

  // Writes one graph ("" = default graph) or, with nullopt, everything.
  void export_to(std::ostream& out, RdfFormat format, std::optional<std::string> graph = std::nullopt) const;
  // The same a piece at a time, for a server that sends while it writes:
  // each next() holds the read lock for its own piece only, so a slow
  // client never holds up writers (a write between pieces may or may not
  // show).  The store must outlive the Export.
  class Export {
   public:
    Export(Export&&) noexcept;
    ~Export();
    // Appends about `piece_bytes` of text to `piece`; false after the last.
    bool next(std::string& piece, std::size_t piece_bytes = 256 * 1024);

   private:
    friend class Store;
    struct State;
    explicit Export(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  Export export_pieces(RdfFormat format, std::optional<std::string> graph = std::nullopt) const;
  StoreStats stats() const;
  const std::filesystem::path& directory() const;
  bool created() const;  // open() made a new store (there was none in the directory)

 private:
  struct Impl;
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Parses a file (format from its extension unless given) into one Import.
// On a syntax error throws ParseError and the store is unchanged.
// `progress` hears "reading FILE" in bytes of the file, then the commit.
std::size_t import_file(Store& store, const std::filesystem::path& file,
                        std::optional<RdfFormat> format = std::nullopt, std::string graph = {},
                        const ProgressHandler& progress = {});

// A capture sink writing into a store: write() journals a batch, flush()
// fsyncs the journal.  The store must outlive the sink.
std::unique_ptr<Sink> open_store_sink(Store& store);
// The same, owning a store opened at `directory`.
std::unique_ptr<Sink> open_store_sink(const std::filesystem::path& directory, StoreOptions options = {});

}  // namespace torchprov::triplestore
