// A progress line on stderr for the waits of a command: shown only on a
// terminal, and only once a task has taken more than two seconds.
//
//   reading run.nt: 45% (120 of 268 MB), 58 MB/s, 3 s left
//
// Hand handler() to the store (StoreOptions::progress, import_file); the
// line ends when the task changes and when the ProgressLine is destroyed.
#pragma once

#include <torchprov/triplestore.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

class ProgressLine {
 public:
  // Enabled when stderr is a terminal.  TORCHPROV_PROGRESS_AFTER_MS sets the
  // delay (default 2000) and TORCHPROV_PROGRESS=always shows the line on any
  // stderr (both for tests).
  ProgressLine();
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  void report(const torchprov::triplestore::Progress& progress);
  torchprov::triplestore::ProgressHandler handler();
  void finish();  // ends a line that is showing

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_ = false;
  std::chrono::milliseconds delay_{2000};
  std::mutex mutex_;
  std::string task_;
  Clock::time_point started_{}, last_shown_{};
  bool showing_ = false;
  std::string last_line_;
  void finish_locked();
};
