// The store's own files beside Redland's: the terms log (the dictionary, in
// id order), the write-ahead journal of batches and the dataset snapshot.
// Every record carries its length and a checksum, so a torn tail left by a
// crash is recognised and cut off.
#pragma once

#include "dataset.h"

#include <torchprov/triplestore.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <utility>
#include <string>
#include <vector>

namespace torchprov::triplestore::files {

// RAII file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  Fd& operator=(Fd&& o) noexcept;
  ~Fd();
  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& what);
void sync_fd(int fd, const std::filesystem::path& what);
void sync_directory(const std::filesystem::path& dir);

// One journaled change, in term ids.
struct Op {
  enum Kind : std::uint8_t { add = 'A', remove = 'R', drop_graph = 'D' } kind;
  Quad quad;  // drop_graph: only quad.g
};

// Batches hold at least one op: a frame without ops is the mark a
// checkpoint leaves in a journal it emptied (see Journal::truncate_through).
struct Batch {
  std::uint64_t sequence = 0;
  std::vector<Op> ops;
};

// Terms in id order starting at id 2 (0 is "any", 1 the default graph).
// Appends gather in a buffer that flush() hands to the OS (one write instead
// of one per term) and sync() makes durable; callers flush before the
// journal frame that refers to the terms.  read() serves the background
// writer and export without materialising Terms in the Dataset.
class TermsLog {
 public:
  // `read_only`: the file must exist and is never written.
  explicit TermsLog(std::filesystem::path path, bool read_only = false);
  // Interns every stored term into `dataset`, checking ids.  Whatever
  // follows the last whole record stays until cut_torn_tail() (a no-op
  // read-only).  `expected_terms` (the snapshot's term count, or 0) sizes
  // the dictionary once; it is only a hint.  `read_so_far` hears the bytes
  // loaded every 64 k terms.
  void load(Dataset& dataset, std::uint64_t expected_terms = 0,
            const std::function<void(std::uint64_t)>& read_so_far = {});
  void cut_torn_tail();
  // Appends the term the dataset gave `id` (ids must come in order).
  void append(TermId id, const Term& term);
  TermId next_id() const;  // the id the next append must have
  std::uint64_t bytes_on_disk() const;
  void flush();
  void sync();
  Term read(TermId id) const;

 private:
  std::filesystem::path path_;
  Fd fd_;
  bool read_only_;
  mutable std::mutex mutex_;
  void flush_locked() const;

  std::vector<std::uint64_t> offsets_;  // offsets_[id - 2]
  std::uint64_t end_ = 0;               // including the buffer
  mutable std::string buffer_;          // records not yet written, from written_
  mutable std::uint64_t written_ = 0;
  std::uint64_t torn_bytes_ = 0;        // after the last whole record, at load
  mutable bool fresh_ = false;          // no magic on disk yet (written with the first record)
};

class Journal {
 public:
  // `read_only`: never written; a missing file reads as empty.
  explicit Journal(std::filesystem::path path, bool read_only = false);
  // Calls `committed` for each complete batch in order.  A torn tail (a
  // crash during an append) is left until cut_torn_tail() (a no-op
  // read-only); damage followed by intact batches throws std::runtime_error
  // naming it, file untouched.
  void replay(const std::function<void(Batch&&)>& committed);
  void cut_torn_tail();
  // Appends a whole batch (begin, ops, commit) and optionally fsyncs.
  void append(const Batch& batch, bool sync);
  void sync();
  std::uint64_t bytes() const;
  // Rewrites the journal keeping only batches with sequence > `applied`;
  // when none is left, an empty frame at the last dropped sequence marks
  // where the journal resumes.
  void truncate_through(std::uint64_t applied);

 private:
  std::filesystem::path path_;
  Fd fd_;
  bool read_only_;
  std::uint64_t end_ = 0;
  std::uint64_t torn_bytes_ = 0;  // after the last whole batch, at replay
  bool fresh_ = false;            // no magic on disk yet (written with the first batch)
};

// dataset.snap: the dataset's index orders at a journal sequence.
struct SnapshotInfo {
  std::uint64_t sequence = 0;
  std::uint64_t term_count = 0;
};
void write_snapshot(const std::filesystem::path& path, const Dataset& dataset, std::uint64_t sequence,
                    const ProgressHandler& progress = {});
// Loads the quads into `dataset`, which holds none yet; false (and still no
// quads) when the file is missing or damaged, or needs more than
// `max_term_count` terms.  A reader loads it before the terms log (see
// Store::open) and checks the term count after.  `read_so_far` is told the
// bytes read.
bool read_snapshot(const std::filesystem::path& path, Dataset& dataset, SnapshotInfo& info,
                   std::uint64_t max_term_count, const std::function<void(std::uint64_t)>& read_so_far = {});
// The same from a file opened earlier (no file: false).  A writer replaces
// dataset.snap by rename, so the open file stays the version it was.
Fd open_snapshot(const std::filesystem::path& path);
// The term count a snapshot's header announces, unchecked (0 when it has
// no header): a hint for sizing the dictionary before the file is checked.
std::uint64_t snapshot_term_count_hint(const Fd& fd);
bool read_snapshot(const Fd& fd, const std::filesystem::path& path, Dataset& dataset, SnapshotInfo& info,
                   std::uint64_t max_term_count, const std::function<void(std::uint64_t)>& read_so_far = {});

// Small text files holding one number (Redland's applied sequence), replaced
// atomically.
std::uint64_t read_number(const std::filesystem::path& path);
void write_number(const std::filesystem::path& path, std::uint64_t value);

}  // namespace torchprov::triplestore::files
