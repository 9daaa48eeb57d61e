// One writer per store: DIR/lock, held with flock(2).
//
// The process that opens a store for writing holds an exclusive flock on
// DIR/lock for as long as the store is open, and writes its pid, command line
// and a note (a server's: where to send data instead) into the file.  The
// kernel drops the lock when the process dies, however it dies, so a
// `kill -9` never leaves a stale lock: the file's text may be stale, the lock
// never is, and holders are named from /proc/locks when the kernel tells.
// A long-lived read-only process (a read-only server) holds a shared flock,
// which keeps writers out without writing anything.
#pragma once

#include "store_files.h"

#include <filesystem>
#include <optional>
#include <string>

namespace torchprov::triplestore::files {

class StoreLock {
 public:
  StoreLock() = default;
  // The exclusive lock (creating DIR/lock), recording this process and
  // `note` in the file; throws StoreInUse naming the holder when another
  // process has the store.
  static StoreLock exclusive(const std::filesystem::path& dir, const std::string& note);
  // A shared lock on DIR/lock (nothing is taken when a store from before
  // locks has no such file: nothing is written); throws StoreInUse, naming
  // the writer, while one holds the store.
  static StoreLock shared(const std::filesystem::path& dir);
  // The process holding the store for writing, described for a message
  // ("pid 12 (torchprov serve --store s)"); nullopt when none does.
  static std::optional<std::string> writer(const std::filesystem::path& dir);
  // The note the writer left (a server's URL and how to send it data); ""
  // when none.
  static std::string writer_note(const std::filesystem::path& dir);

 private:
  explicit StoreLock(Fd fd) : fd_(std::move(fd)) {}
  Fd fd_;
};

}  // namespace torchprov::triplestore::files
