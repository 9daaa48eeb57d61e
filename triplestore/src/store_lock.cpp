#include "store_lock.h"

#include <torchprov/triplestore.h>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <vector>

namespace torchprov::triplestore::files {

namespace {

std::filesystem::path lock_path(const std::filesystem::path& dir) { return dir / "lock"; }

std::runtime_error lock_error(const std::string& what, const std::filesystem::path& path) {
  return std::runtime_error(path.string() + ": " + what + ": " + std::strerror(errno));
}

// A process's command line as one line ("torchprov serve --store s").
std::string command_line(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string line;
  std::size_t start = 0;
  while (start < raw.size()) {
    std::size_t end = raw.find('\0', start);
    if (end == std::string::npos) end = raw.size();
    std::string arg = raw.substr(start, end - start);
    if (!line.empty()) line += ' ';
    if (arg.find_first_of(" \t'\"") != std::string::npos) arg = "'" + arg + "'";
    line += arg;
    start = end + 1;
  }
  // The program as it was started, without the directory it came from.
  const auto space = line.find(' ');
  const auto slash = line.rfind('/', space);
  if (slash != std::string::npos) line.erase(0, slash + 1);
  if (line.size() > 300) line = line.substr(0, 300) + "...";
  return line;
}

struct Holder {
  long pid = 0;
  bool writes = false;
  std::string command;
};

// Who holds flocks on `file`, as the kernel lists them in /proc/locks
// ("1: FLOCK  ADVISORY  WRITE 4242 fe:00:1234 0 EOF"; waiters carry "->").
// nullopt when the kernel does not say.
std::optional<std::vector<Holder>> holders_of(const std::filesystem::path& file) {
  struct stat st{};
  std::vector<Holder> found;
  if (::stat(file.c_str(), &st) != 0) return found;
  char device[64];
  std::snprintf(device, sizeof device, "%02x:%02x:%llu", major(st.st_dev), minor(st.st_dev),
                static_cast<unsigned long long>(st.st_ino));
  std::ifstream locks("/proc/locks");
  if (!locks) return std::nullopt;
  std::string line;
  while (std::getline(locks, line)) {
    if (line.find("->") != std::string::npos) continue;
    std::istringstream fields(line);
    std::string id, type, advisory, mode, where;
    long pid = 0;
    if (!(fields >> id >> type >> advisory >> mode >> pid >> where)) continue;
    if (type != "FLOCK" || where != device || pid <= 0) continue;
    found.push_back({pid, mode == "WRITE", command_line(pid)});
  }
  return found;
}

// The lock file's own record of its writer: "pid", "command", "since" and
// "note" lines.
std::string recorded(const std::filesystem::path& dir, std::string_view key) {
  std::ifstream in(lock_path(dir));
  std::string line;
  while (std::getline(in, line))
    if (line.size() > key.size() && line.compare(0, key.size(), key) == 0 && line[key.size()] == ' ')
      return line.substr(key.size() + 1);
  return {};
}

std::string describe(const Holder& h) {
  return "pid " + std::to_string(h.pid) + (h.command.empty() ? "" : " (" + h.command + ")");
}

// The writer, from the kernel's lock list when it names one, else from what
// the writer wrote into the file.
std::string describe_writer(const std::filesystem::path& dir, const std::vector<Holder>& holders) {
  for (const Holder& h : holders)
    if (h.writes) return describe(h);
  const std::string pid = recorded(dir, "pid"), command = recorded(dir, "command");
  if (pid.empty()) return "another process";
  return "pid " + pid + (command.empty() ? "" : " (" + command + ")");
}

std::string refusal_for_writer(const std::filesystem::path& dir) {
  const std::vector<Holder> holders = holders_of(lock_path(dir)).value_or(std::vector<Holder>{});
  std::vector<const Holder*> readers;
  for (const Holder& h : holders)
    if (!h.writes) readers.push_back(&h);
  bool writer = readers.empty();
  for (const Holder& h : holders) writer = writer || h.writes;
  std::string message = "store " + dir.string() + " is in use: ";
  if (writer) {
    const std::string who = describe_writer(dir, holders);
    message += who + " holds it for writing, and a store has one writer at a time; nothing was written.\n";
    const std::string note = recorded(dir, "note");
    if (!note.empty()) message += note + "\n";
    message += "Otherwise stop that process and run this command again; while a torchprov server holds a store, "
               "send data to its /data route and queries to its /sparql route.";
  } else {
    message += describe(*readers.front()) +
               " has it open read-only and would not see changes; nothing was written.\n"
               "Stop that process and run this command again.";
  }
  return message;
}

}  // namespace

StoreLock StoreLock::exclusive(const std::filesystem::path& dir, const std::string& note) {
  const std::filesystem::path path = lock_path(dir);
  Fd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
  if (!fd) throw lock_error("cannot open the lock file", path);
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) throw StoreInUse(refusal_for_writer(dir));
    throw lock_error("cannot lock", path);
  }
  // For people and for refused processes (the kernel's lock list names the
  // holder too, where /proc shows it).
  std::string text = "pid " + std::to_string(::getpid()) + "\ncommand " + command_line(::getpid()) + "\n";
  char since[64];
  const std::time_t now = std::time(nullptr);
  std::strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%S%z", std::localtime(&now));
  text += std::string("since ") + since + "\n";
  if (!note.empty()) {
    std::string line = note;
    for (char& c : line)
      if (c == '\n') c = ' ';
    text += "note " + line + "\n";
  }
  if (::ftruncate(fd.get(), 0) != 0) throw lock_error("cannot write the lock file", path);
  if (::pwrite(fd.get(), text.data(), text.size(), 0) != ssize_t(text.size()))
    throw lock_error("cannot write the lock file", path);
  return StoreLock(std::move(fd));
}

StoreLock StoreLock::shared(const std::filesystem::path& dir) {
  const std::filesystem::path path = lock_path(dir);
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return StoreLock();
    throw lock_error("cannot open the lock file", path);
  }
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) throw lock_error("cannot lock", path);
    const std::string who = describe_writer(dir, holders_of(path).value_or(std::vector<Holder>{}));
    const std::string note = recorded(dir, "note");
    throw StoreInUse("store " + dir.string() + " is held for writing by " + who +
                     "; a read-only server beside it would not see its changes.\n" +
                     (note.empty() ? std::string() : note + "\n") +
                     "Query that process instead (a torchprov server answers queries at its /sparql route), or "
                     "stop it first.");
  }
  return StoreLock(std::move(fd));
}

std::optional<std::string> StoreLock::writer(const std::filesystem::path& dir) {
  const std::filesystem::path path = lock_path(dir);
  if (const auto holders = holders_of(path)) {
    for (const Holder& h : *holders)
      if (h.writes) return describe(h);
    return std::nullopt;
  }
  // Without /proc/locks: a shared lock taken and dropped at once fails
  // exactly while a writer holds the exclusive one.
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return std::nullopt;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd.get(), LOCK_UN);
    return std::nullopt;
  }
  return describe_writer(dir, {});
}

std::string StoreLock::writer_note(const std::filesystem::path& dir) { return recorded(dir, "note"); }

}  // namespace torchprov::triplestore::files
