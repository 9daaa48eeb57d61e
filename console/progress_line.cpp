#include "progress_line.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace {

// 1234567 -> "1.2 M", 1234 -> "1.2 k"; bytes in MB.
std::string amount(double value, std::string_view unit) {
  char text[48];
  if (unit == "bytes" && value < 1e6) {
    std::snprintf(text, sizeof text, "%.0f kB", value / 1e3);
  } else if (unit == "bytes") {
    std::snprintf(text, sizeof text, "%.0f MB", value / 1e6);
  } else if (value >= 1e6) {
    std::snprintf(text, sizeof text, "%.1f M %.*s", value / 1e6, int(unit.size()), unit.data());
  } else if (value >= 1e4) {
    std::snprintf(text, sizeof text, "%.0f k %.*s", value / 1e3, int(unit.size()), unit.data());
  } else {
    std::snprintf(text, sizeof text, "%.0f %.*s", value, int(unit.size()), unit.data());
  }
  return text;
}

std::string duration(double seconds) {
  char text[32];
  if (seconds < 90) std::snprintf(text, sizeof text, "%.0f s", seconds);
  else std::snprintf(text, sizeof text, "%ld min %02ld s", long(seconds) / 60, long(seconds) % 60);
  return text;
}

}  // namespace

ProgressLine::ProgressLine() {
  const char* always = std::getenv("TORCHPROV_PROGRESS");
  enabled_ = ::isatty(STDERR_FILENO) || (always && std::strcmp(always, "always") == 0);
  if (const char* after = std::getenv("TORCHPROV_PROGRESS_AFTER_MS")) delay_ = std::chrono::milliseconds(std::atol(after));
}

ProgressLine::~ProgressLine() { finish(); }

torchprov::triplestore::ProgressHandler ProgressLine::handler() {
  if (!enabled_) return {};
  return [this](const torchprov::triplestore::Progress& progress) { report(progress); };
}

void ProgressLine::finish() {
  std::lock_guard lock(mutex_);
  finish_locked();
}

void ProgressLine::finish_locked() {
  if (showing_) std::fputc('\n', stderr);
  showing_ = false;
  task_.clear();
}

void ProgressLine::report(const torchprov::triplestore::Progress& progress) {
  if (!enabled_) return;
  std::lock_guard lock(mutex_);
  const auto now = Clock::now();
  if (progress.task != task_) {
    finish_locked();
    task_ = progress.task;
    started_ = now;
  }
  const bool last = progress.total > 0 && progress.done >= progress.total;
  if (now - started_ < delay_ || (!last && showing_ && now - last_shown_ < std::chrono::milliseconds(250))) return;
  const double seconds = std::chrono::duration<double>(now - started_).count();
  std::string line = task_ + ":";
  if (progress.total > 0) {
    char percent[16];
    std::snprintf(percent, sizeof percent, " %3.0f%%", 100.0 * double(progress.done) / double(progress.total));
    line += percent;
  }
  if (progress.unit == "seconds") {  // a timed run: where it is in its time, no rate
    line += " (" + duration(double(progress.done)) + " of " + duration(double(progress.total)) + ")";
  } else if (progress.unit == "steps") {
    line += " (step " + std::to_string(std::min(progress.done + 1, progress.total)) + " of " +
            std::to_string(progress.total) + ")";
  } else {
    line += " (" + amount(double(progress.done), progress.unit);
    if (progress.total > 0) line += " of " + amount(double(progress.total), progress.unit);
    line += "), " + amount(seconds > 0 ? double(progress.done) / seconds : 0.0, progress.unit) + "/s";
  }
  if (progress.total > 0 && progress.done > 0 && !last)
    line += ", " + duration(seconds * double(progress.total - progress.done) / double(progress.done)) + " left";
  line += ", " + duration(seconds) + " so far";
  std::fprintf(stderr, "\r\033[K%s", line.c_str());
  std::fflush(stderr);
  showing_ = true;
  last_shown_ = now;
}
