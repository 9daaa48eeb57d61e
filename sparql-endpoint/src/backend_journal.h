// The backend mode's write-ahead journal: every write the server
// acknowledges is first a checksummed, fdatasync'ed frame here, and stays
// until the external store has confirmed it.  Frames are replayed oldest
// first; a confirmed cursor (one small file) says how far the store has
// them, so a restart resumes where the last confirmation left off (a frame
// confirmed by the store but not yet by the cursor is sent again: writes
// are delivered at least once, which RDF's set semantics absorbs for data).
//
//   DIR/backend-journal/<first sequence>.log   segments of about 64 MB
//   DIR/backend-journal/confirmed              the last confirmed sequence
//   DIR/backend-rejected/<sequence>.*          batches the store refused,
//                                              kept for an operator
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace torchprov::endpoint {

class BackendJournal {
 public:
  enum class Kind : std::uint8_t {
    insert = 1,         // payload: N-Quads; `graph` for statements without one
    replace_graph = 2,  // payload: N-Triples for `graph`
    drop_graph = 3,     // `graph` ("" = the default graph)
    update = 4,         // payload: protocol parameters, a blank line, the update text
  };
  struct Entry {
    std::uint64_t sequence = 0;
    Kind kind = Kind::insert;
    std::string graph, payload;
  };

  // Opens (creating) the journal under `state_directory`; a torn last
  // frame (a crash mid-append) is cut off.  Throws std::runtime_error.
  explicit BackendJournal(const std::filesystem::path& state_directory);
  ~BackendJournal();
  BackendJournal(const BackendJournal&) = delete;
  BackendJournal& operator=(const BackendJournal&) = delete;

  // Appends and syncs one frame; returns its sequence.
  std::uint64_t append(Kind kind, const std::string& graph, const std::string& payload);
  // Unconfirmed entries from the oldest, up to about `max_bytes` of
  // payload (at least one when any is pending).
  std::vector<Entry> pending(std::size_t max_bytes) const;
  // Records that the store has every entry up to `sequence`, and deletes
  // segments that hold nothing newer.
  void confirm(std::uint64_t sequence);
  // Writes a refused entry and the store's reason to the rejected folder;
  // returns the path of the entry's file.  The caller confirms it after.
  std::filesystem::path set_aside(const Entry& entry, const std::string& reason) const;

  std::uint64_t last_sequence() const;
  std::uint64_t confirmed_sequence() const;
  std::uint64_t pending_bytes() const;  // frames after the cursor, on disk
  std::size_t rejected_count() const;   // files in the rejected folder

 private:
  struct Segment {
    std::uint64_t first = 0, last = 0;  // sequences; last < first when empty
    std::uint64_t bytes = 0;
  };
  void open_segment(std::uint64_t first);
  void write_confirmed(std::uint64_t sequence);
  std::filesystem::path segment_path(std::uint64_t first) const;

  std::filesystem::path directory_, rejected_directory_;
  mutable std::mutex mutex_;
  std::map<std::uint64_t, Segment> segments_;  // by first sequence
  int write_fd_ = -1;                          // the newest segment
  int confirmed_fd_ = -1;
  std::uint64_t last_ = 0, confirmed_ = 0;
  // Where the frame after the last pending() batch starts, so that the
  // next call reads on from there instead of from the segment's start.
  struct Resume {
    std::uint64_t sequence = 0, segment = 0, offset = 0;
  };
  mutable Resume resume_;
};

}  // namespace torchprov::endpoint
