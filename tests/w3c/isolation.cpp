#include "isolation.h"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace torchprov::w3c {
namespace {

// Owns a file descriptor.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd = -1) : fd_(fd) {}
  ~FileDescriptor() { reset(); }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

void write_all(int fd, const std::string& bytes) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

Outcome run_isolated(const std::function<Outcome()>& work, std::chrono::milliseconds hard_limit) {
  int fds[2];
  if (::pipe(fds) != 0) return {Verdict::failed, std::string("pipe failed: ") + std::strerror(errno)};
  FileDescriptor read_end(fds[0]), write_end(fds[1]);
  const pid_t child = ::fork();
  if (child < 0) return {Verdict::failed, std::string("fork failed: ") + std::strerror(errno)};
  if (child == 0) {
    read_end.reset();
    Outcome outcome;
    try {
      outcome = work();
    } catch (...) {
      outcome = {Verdict::failed, "unknown exception"};
    }
    write_all(write_end.get(), std::string(1, static_cast<char>('0' + static_cast<int>(outcome.verdict))) + outcome.reason);
    // _exit: no destructors or atexit handlers of the parent's state run twice.
    ::_exit(0);
  }
  write_end.reset();

  std::string message;
  const auto deadline = std::chrono::steady_clock::now() + hard_limit;
  bool timed_out = false;
  char buffer[4096];
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    pollfd descriptor{read_end.get(), POLLIN, 0};
    const int ready = ::poll(&descriptor, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    const ssize_t n = ::read(read_end.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // end of file: the child is done (or died)
    message.append(buffer, static_cast<std::size_t>(n));
  }
  if (timed_out) ::kill(child, SIGKILL);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return {Verdict::failed, "killed after " + std::to_string(hard_limit.count()) + " ms (hang past the query timeout)"};
  }
  if (WIFSIGNALED(status)) {
    const int signal_number = WTERMSIG(status);
    return {Verdict::failed, "crashed with signal " + std::to_string(signal_number) + " (" + strsignal(signal_number) + ")"};
  }
  if (message.empty()) return {Verdict::failed, "the test process ended without a verdict"};
  const int verdict = message.front() - '0';
  if (verdict < 0 || verdict > 3) return {Verdict::failed, "garbled verdict from the test process"};
  return {static_cast<Verdict>(verdict), message.substr(1)};
}

}  // namespace torchprov::w3c
