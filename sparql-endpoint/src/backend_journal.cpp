#include "backend_journal.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

namespace torchprov::endpoint {

namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t frame_magic = 0x314A5054;  // "TPJ1"
constexpr std::uint64_t segment_limit = std::uint64_t(64) << 20;
// magic, length | sequence, kind, graph length ... crc
constexpr std::size_t frame_head = 4 + 4;
constexpr std::size_t frame_fixed = 8 + 1 + 4 + 4;

void put32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
void put64(std::string& out, std::uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
std::uint32_t get32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
std::uint64_t get64(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

std::uint32_t checksum(const char* data, std::size_t size) {
  return static_cast<std::uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size)));
}

[[noreturn]] void fail(const std::string& what, const fs::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, const std::string& data, const fs::path& path) {
  std::size_t done = 0;
  while (done < data.size()) {
    const auto n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write", path);
    }
    done += std::size_t(n);
  }
}

// Reads the frames of one segment file; calls visit(entry, offset, size)
// for each valid one.  Returns the offset where the valid frames end.
template <class Visit>
std::uint64_t scan_segment(const fs::path& path, std::uint64_t from, Visit visit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot read", path);
  in.seekg(std::streamoff(from));
  std::uint64_t offset = from;
  std::string frame;
  for (;;) {
    char head[frame_head];
    if (!in.read(head, frame_head)) break;
    if (get32(head) != frame_magic) break;
    const std::uint32_t length = get32(head + 4);
    if (length < frame_fixed) break;
    frame.resize(length);
    if (!in.read(frame.data(), length)) break;
    if (checksum(frame.data(), length - 4) != get32(frame.data() + length - 4)) break;
    BackendJournal::Entry entry;
    entry.sequence = get64(frame.data());
    entry.kind = static_cast<BackendJournal::Kind>(frame[8]);
    const std::uint32_t graph_length = get32(frame.data() + 9);
    if (13 + std::size_t(graph_length) + 4 > length) break;
    entry.graph.assign(frame.data() + 13, graph_length);
    entry.payload.assign(frame.data() + 13 + graph_length, length - 13 - graph_length - 4);
    if (!visit(std::move(entry), offset, frame_head + length)) return offset + frame_head + length;
    offset += frame_head + length;
  }
  return offset;
}

}  // namespace

BackendJournal::BackendJournal(const fs::path& state_directory)
    : directory_(state_directory / "backend-journal"), rejected_directory_(state_directory / "backend-rejected") {
  fs::create_directories(directory_);
  fs::create_directories(rejected_directory_);
  // The cursor.
  const fs::path confirmed_path = directory_ / "confirmed";
  confirmed_fd_ = ::open(confirmed_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (confirmed_fd_ < 0) fail("cannot open", confirmed_path);
  char cursor[12];
  if (::pread(confirmed_fd_, cursor, sizeof cursor, 0) == sizeof cursor) {
    if (checksum(cursor, 8) != get32(cursor + 8))
      throw std::runtime_error("the journal cursor " + confirmed_path.string() + " is damaged");
    confirmed_ = get64(cursor);
  }
  // The segments, oldest first; only the newest may end in a torn frame.
  std::vector<std::uint64_t> firsts;
  for (const auto& file : fs::directory_iterator(directory_)) {
    if (file.path().extension() != ".log") continue;
    firsts.push_back(std::stoull(file.path().stem().string()));
  }
  std::sort(firsts.begin(), firsts.end());
  last_ = confirmed_;
  for (std::size_t i = 0; i < firsts.size(); ++i) {
    Segment segment{firsts[i], firsts[i] - 1, 0};
    const fs::path path = segment_path(firsts[i]);
    const auto end = scan_segment(path, 0, [&](Entry&& entry, std::uint64_t, std::uint64_t) {
      segment.last = entry.sequence;
      return true;
    });
    const auto size = fs::file_size(path);
    if (end != size) {
      if (i + 1 != firsts.size())
        throw std::runtime_error("the journal segment " + path.string() + " is damaged at byte " + std::to_string(end));
      fs::resize_file(path, end);  // a torn last frame: it was never acknowledged
    }
    segment.bytes = end;
    if (segment.last >= segment.first) last_ = std::max(last_, segment.last);
    segments_[segment.first] = segment;
  }
  open_segment(segments_.empty() ? last_ + 1 : segments_.rbegin()->first);
}

BackendJournal::~BackendJournal() {
  if (write_fd_ >= 0) ::close(write_fd_);
  if (confirmed_fd_ >= 0) ::close(confirmed_fd_);
}

fs::path BackendJournal::segment_path(std::uint64_t first) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu.log", static_cast<unsigned long long>(first));
  return directory_ / name;
}

void BackendJournal::open_segment(std::uint64_t first) {
  if (write_fd_ >= 0) ::close(write_fd_);
  const fs::path path = segment_path(first);
  write_fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (write_fd_ < 0) fail("cannot open", path);
  auto& segment = segments_[first];
  if (segment.first == 0) segment = Segment{first, first - 1, 0};
  // The new file's directory entry must survive a crash too.
  const int dir = ::open(directory_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

std::uint64_t BackendJournal::append(Kind kind, const std::string& graph, const std::string& payload) {
  std::lock_guard lock(mutex_);
  const std::uint64_t sequence = last_ + 1;
  std::string frame;
  frame.reserve(frame_head + frame_fixed + graph.size() + payload.size());
  put32(frame, frame_magic);
  put32(frame, static_cast<std::uint32_t>(frame_fixed + graph.size() + payload.size()));
  put64(frame, sequence);
  frame.push_back(static_cast<char>(kind));
  put32(frame, static_cast<std::uint32_t>(graph.size()));
  frame += graph;
  frame += payload;
  put32(frame, checksum(frame.data() + frame_head, frame.size() - frame_head));
  auto& newest = segments_.rbegin()->second;
  if (newest.bytes > segment_limit) open_segment(sequence);
  auto& segment = segments_.rbegin()->second;
  const fs::path path = segment_path(segment.first);
  write_all(write_fd_, frame, path);
  if (::fdatasync(write_fd_) != 0) fail("cannot sync", path);
  segment.bytes += frame.size();
  segment.last = sequence;
  last_ = sequence;
  return sequence;
}

std::vector<BackendJournal::Entry> BackendJournal::pending(std::size_t max_bytes) const {
  std::vector<std::pair<std::uint64_t, Segment>> segments;
  std::uint64_t after;
  Resume resume;
  {
    std::lock_guard lock(mutex_);
    after = confirmed_;
    resume = resume_;
    for (const auto& [first, segment] : segments_)
      if (segment.last >= segment.first && segment.last > after) segments.emplace_back(first, segment);
  }
  std::vector<Entry> out;
  std::size_t bytes = 0;
  Resume next;
  // Not a structured binding: the lambda below captures both, which clang 15
  // (the fuzz build's compiler) does not allow for bindings.
  for (const auto& listed : segments) {
    const std::uint64_t first = listed.first;
    const auto& segment = listed.second;
    bool full = false;
    const std::uint64_t from = resume.sequence == after + 1 && resume.segment == first ? resume.offset : 0;
    scan_segment(segment_path(first), from, [&](Entry&& entry, std::uint64_t offset, std::uint64_t size) {
      if (entry.sequence <= after) return true;
      if (entry.sequence > segment.last) return false;  // appended after the snapshot of the segment list
      if (!out.empty() && bytes + entry.payload.size() > max_bytes) {
        full = true;
        return false;
      }
      bytes += entry.payload.size();
      next = Resume{entry.sequence + 1, first, offset + size};
      out.push_back(std::move(entry));
      return true;
    });
    if (full) break;
  }
  std::lock_guard lock(mutex_);
  resume_ = next;
  return out;
}

void BackendJournal::write_confirmed(std::uint64_t sequence) {
  char cursor[12];
  std::memcpy(cursor, &sequence, 8);
  const std::uint32_t sum = checksum(cursor, 8);
  std::memcpy(cursor + 8, &sum, 4);
  if (::pwrite(confirmed_fd_, cursor, sizeof cursor, 0) != sizeof cursor || ::fdatasync(confirmed_fd_) != 0)
    fail("cannot write", directory_ / "confirmed");
}

void BackendJournal::confirm(std::uint64_t sequence) {
  std::lock_guard lock(mutex_);
  if (sequence <= confirmed_) return;
  write_confirmed(sequence);
  confirmed_ = sequence;
  // Segments wholly confirmed go, except the one being written.
  for (auto it = segments_.begin(); it != segments_.end() && std::next(it) != segments_.end();) {
    if (it->second.last > confirmed_) break;
    std::error_code ec;
    fs::remove(segment_path(it->first), ec);
    it = segments_.erase(it);
  }
}

fs::path BackendJournal::set_aside(const Entry& entry, const std::string& reason) const {
  static const char* const suffix[] = {"", ".nq", ".nt", ".drop", ".ru"};
  const auto k = static_cast<std::size_t>(entry.kind);
  const std::string stem = std::to_string(entry.sequence);
  const fs::path data = rejected_directory_ / (stem + (k < 5 ? suffix[k] : ".bin"));
  std::ofstream(data, std::ios::binary) << entry.payload;
  std::ofstream(rejected_directory_ / (stem + ".why"))
      << "sequence: " << entry.sequence << "\ngraph: " << entry.graph << "\nreason: " << reason << "\n";
  return data;
}

std::uint64_t BackendJournal::last_sequence() const {
  std::lock_guard lock(mutex_);
  return last_;
}

std::uint64_t BackendJournal::confirmed_sequence() const {
  std::lock_guard lock(mutex_);
  return confirmed_;
}

std::uint64_t BackendJournal::pending_bytes() const {
  std::lock_guard lock(mutex_);
  std::uint64_t bytes = 0;
  for (const auto& [first, segment] : segments_)
    if (segment.last > confirmed_) bytes += segment.bytes;
  return bytes;
}

std::size_t BackendJournal::rejected_count() const {
  std::size_t count = 0;
  std::error_code ec;
  for (const auto& file : fs::directory_iterator(rejected_directory_, ec))
    if (file.path().extension() == ".why") ++count;
  return count;
}

}  // namespace torchprov::endpoint
