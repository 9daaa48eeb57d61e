#include "store_files.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <xxhash.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <algorithm>
#include <fstream>
#include <optional>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace torchprov::triplestore::files {

namespace {

constexpr char terms_magic[8] = {'T', 'P', 'T', 'E', 'R', 'M', 'S', '1'};
constexpr char journal_magic[8] = {'T', 'P', 'J', 'R', 'N', 'L', '0', '1'};
constexpr char snapshot_v1_magic[8] = {'T', 'P', 'S', 'N', 'A', 'P', '0', '1'};
constexpr char snapshot_magic[8] = {'T', 'P', 'S', 'N', 'A', 'P', '0', '2'};

// A system_error keeps errno, so callers can tell a full disk (ENOSPC) or
// a process out of descriptors (EMFILE) from damage.
std::system_error io_error(const std::string& what, const std::filesystem::path& path, int error = errno) {
  return std::system_error(error, std::generic_category(), path.string() + ": " + what);
}

// Writes all of `size` bytes at `offset`: a short write (a disk filling up)
// is continued until it fails with the reason in errno.
bool pwrite_all(int fd, const char* data, std::size_t size, std::uint64_t offset) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, off_t(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = ENOSPC;
      return false;
    }
    data += n;
    size -= std::size_t(n);
    offset += std::uint64_t(n);
  }
  return true;
}

std::uint64_t fnv1a(const void* data, std::size_t size, std::uint64_t h = 1469598103934665603ull) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (std::size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}
template <class T>
T get(const char*& p) {
  T value;
  std::memcpy(&value, p, sizeof value);
  p += sizeof value;
  return value;
}

void put_string(std::string& out, const std::string& s) {
  put<std::uint32_t>(out, std::uint32_t(s.size()));
  out += s;
}

std::string encode_term(const Term& t) {
  std::string out;
  out.push_back(char(t.kind));
  put_string(out, t.datatype);
  put_string(out, t.language);
  out += t.value;
  return out;
}

// The record's parts in place: loading a log of millions of terms built
// (and freed) a Term with up to three strings for each.  nullopt for a
// record that is not a term, as decode_term.
std::optional<TermView> view_term(std::string_view payload) {
  const char* p = payload.data();
  const char* const end = p + payload.size();
  auto part = [&](std::string_view& out) {
    if (end - p < 4) return false;
    const auto n = get<std::uint32_t>(p);
    if (std::uint64_t(end - p) < n) return false;
    out = std::string_view(p, n);
    p += n;
    return true;
  };
  if (p == end || std::uint8_t(*p) > std::uint8_t(TermKind::literal)) return std::nullopt;
  TermView t;
  t.kind = TermKind(*p++);
  if (!part(t.datatype) || !part(t.language)) return std::nullopt;
  t.value = std::string_view(p, std::size_t(end - p));
  return t;
}

// nullopt for a record that is not a term (its checksum matched by chance,
// or it was never one).
std::optional<Term> decode_term(std::string_view payload) {
  const std::optional<TermView> view = view_term(payload);
  if (!view) return std::nullopt;
  Term t;
  t.kind = view->kind;
  t.datatype = view->datatype;
  t.language = view->language;
  t.value = view->value;
  return t;
}

Fd open_file(const std::filesystem::path& path, int flags) {
  Fd fd(::open(path.c_str(), flags | O_CLOEXEC, 0644));
  if (!fd) throw io_error("cannot open", path);
  return fd;
}

// Reads up to `size` bytes at `offset` into `into`; fewer only at the end
// of the file.  Returns how many it read.
std::uint64_t pread_up_to(int fd, char* into, std::uint64_t size, std::uint64_t offset,
                          const std::filesystem::path& path) {
  std::uint64_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, into + done, size - done, off_t(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("read failed", path);
    if (n == 0) break;
    done += std::uint64_t(n);
  }
  return done;
}

std::string read_whole(int fd, std::uint64_t offset, std::uint64_t size, const std::filesystem::path& path) {
  std::string buffer(size, '\0');
  buffer.resize(pread_up_to(fd, buffer.data(), size, offset, path));
  return buffer;
}

std::uint64_t file_size(int fd) {
  const off_t end = ::lseek(fd, 0, SEEK_END);
  return end < 0 ? 0 : std::uint64_t(end);
}

// Whether the file starts with `magic`, or has not got it yet (empty, or
// cut during its very first write).  Opening a file never writes: a new
// file gets its magic with its first record, so a store that refuses to
// open leaves its files as they were.  Throws for a foreign file.
bool check_magic(int fd, const char (&magic)[8], const std::filesystem::path& path, const char* what) {
  const std::uint64_t size = file_size(fd);
  const std::string head = read_whole(fd, 0, std::min<std::uint64_t>(size, 8), path);
  if (head != std::string_view(magic, head.size())) throw std::runtime_error(path.string() + ": not a torchprov " + what);
  return size >= 8;
}

}  // namespace

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
  }
  return *this;
}

Fd::~Fd() {
  if (fd_ >= 0) ::close(fd_);
}

void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& what) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw io_error("write failed", what);
    p += n;
    size -= std::size_t(n);
  }
}

void sync_fd(int fd, const std::filesystem::path& what) {
  if (::fdatasync(fd) != 0) throw io_error("fdatasync failed", what);
}

void sync_directory(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd) ::fsync(fd.get());
}

// ------------------------------------------------------------ terms log

TermsLog::TermsLog(std::filesystem::path path, bool read_only) : path_(std::move(path)), read_only_(read_only) {
  fd_ = open_file(path_, read_only ? O_RDONLY : O_RDWR | O_CREAT);
  fresh_ = !check_magic(fd_.get(), terms_magic, path_, "terms log");
  end_ = 8;
  written_ = 8;
}

void TermsLog::load(Dataset& dataset, std::uint64_t expected_terms,
                    const std::function<void(std::uint64_t)>& read_so_far) {
  std::lock_guard lock(mutex_);
  offsets_.clear();
  // A reader may have opened the log while a new store's writer had not yet
  // written its first term: look again, the journal read before may use them.
  if (fresh_ && read_only_) fresh_ = !check_magic(fd_.get(), terms_magic, path_, "terms log");
  if (fresh_) return;
  const std::uint64_t size = file_size(fd_.get());
  // Sized once for the terms announced (a hint: a record takes at least 17
  // bytes, so a damaged hint cannot reserve more than the file could hold).
  constexpr std::uint64_t smallest_record = 8 + 1 + 4 + 4;
  const std::uint64_t reserve = std::min(expected_terms, size / smallest_record);
  offsets_.reserve(reserve);
  dataset.reserve_terms(reserve + 1);
  // Read a piece at a time into one reused buffer, neither zero-filled nor
  // given fresh pages after the first piece: the whole log at once
  // (hundreds of MB at 15 M triples) cost a fill and a page fault every 4 KiB.
  constexpr std::uint64_t piece = std::uint64_t(16) << 20;
  std::unique_ptr<char[]> data;
  std::uint64_t capacity = 0, held = 0;
  std::uint64_t data_at = 8;  // file offset of data[0]
  auto available = [&](std::uint64_t pos, std::uint64_t bytes) -> const char* {
    if (pos + bytes > size) return nullptr;
    if (pos + bytes > data_at + held) {
      const std::uint64_t keep = data_at + held - pos;  // the part of a record already read
      const std::uint64_t want = std::min(size - pos, std::max(bytes, piece));
      if (want > capacity) {
        auto bigger = std::make_unique_for_overwrite<char[]>(want);
        if (keep) std::memcpy(bigger.get(), data.get() + (pos - data_at), keep);
        data = std::move(bigger);
        capacity = want;
      } else if (keep) {
        std::memmove(data.get(), data.get() + (pos - data_at), keep);
      }
      data_at = pos;
      held = keep + pread_up_to(fd_.get(), data.get() + keep, want - keep, pos + keep, path_);
      if (pos + bytes > data_at + held) return nullptr;
    }
    return data.get() + (pos - data_at);
  };
  // Terms go to the dataset in groups (Dataset::intern_in_order), as views
  // into the buffer: the group is interned before the buffer moves on.
  constexpr std::size_t group = 256;
  std::array<TermView, group> pending;
  std::size_t pending_count = 0;
  auto intern_pending = [&] {
    const auto first = TermId(offsets_.size() + 2 - pending_count);
    const std::size_t interned = dataset.intern_in_order(pending.data(), pending_count, first);
    if (interned != pending_count)
      throw std::runtime_error(path_.string() + ": dictionary out of step at id " + std::to_string(first + interned));
    pending_count = 0;
  };
  auto read_ahead = [&](std::uint64_t pos, std::uint64_t bytes) {
    if (pending_count && pos + bytes > data_at + held) intern_pending();
    return available(pos, bytes);
  };
  std::uint64_t pos = 8;
  while (const char* header = read_ahead(pos, 8)) {
    const char* p = header;
    const auto len = get<std::uint32_t>(p);
    const auto sum = get<std::uint32_t>(p);
    p = read_ahead(pos, 8 + std::uint64_t(len));
    if (!p) break;  // torn tail
    p += 8;
    if (std::uint32_t(fnv1a(p, len)) != sum) break;  // torn tail
    const auto term = view_term({p, len});
    if (!term) break;
    pending[pending_count++] = *term;
    offsets_.push_back(pos);
    pos += 8 + len;
    if (pending_count == group) intern_pending();
    if (read_so_far && offsets_.size() % 65536 == 0) read_so_far(pos);
  }
  if (pending_count) intern_pending();
  end_ = pos;
  written_ = pos;
  buffer_.clear();
  // What follows the last whole record is cut only once the store has
  // checked that nothing refers to it (cut_torn_tail): if the snapshot or
  // the journal does, this is damage, and the file is evidence.
  torn_bytes_ = size - pos;
}

void TermsLog::cut_torn_tail() {
  std::lock_guard lock(mutex_);
  if (torn_bytes_ == 0 || read_only_) return;
  if (::ftruncate(fd_.get(), off_t(written_)) != 0) throw io_error("cannot cut torn tail", path_);
  torn_bytes_ = 0;
}

std::uint64_t TermsLog::bytes_on_disk() const { return file_size(fd_.get()); }

TermId TermsLog::next_id() const {
  std::lock_guard lock(mutex_);
  return TermId(offsets_.size() + 2);
}

void TermsLog::append(TermId id, const Term& term) {
  if (read_only_) throw std::logic_error("terms log: opened read-only");
  const std::string payload = encode_term(term);
  std::string record;
  put<std::uint32_t>(record, std::uint32_t(payload.size()));
  put<std::uint32_t>(record, std::uint32_t(fnv1a(payload.data(), payload.size())));
  record += payload;
  std::lock_guard lock(mutex_);
  if (id != offsets_.size() + 2) throw std::logic_error("terms log: id out of order");
  if (buffer_.empty()) written_ = end_;
  buffer_ += record;
  offsets_.push_back(end_);
  end_ += record.size();
  if (buffer_.size() >= (std::size_t(1) << 20)) flush_locked();
}

void TermsLog::flush_locked() const {
  if (buffer_.empty()) return;
  if (fresh_) {
    if (!pwrite_all(fd_.get(), terms_magic, 8, 0)) throw io_error("write failed", path_);
    fresh_ = false;
  }
  if (!pwrite_all(fd_.get(), buffer_.data(), buffer_.size(), written_)) throw io_error("write failed", path_);
  written_ += buffer_.size();
  buffer_.clear();
}

void TermsLog::flush() {
  std::lock_guard lock(mutex_);
  flush_locked();
}

void TermsLog::sync() {
  flush();
  sync_fd(fd_.get(), path_);
}

Term TermsLog::read(TermId id) const {
  std::uint64_t offset;
  {
    std::lock_guard lock(mutex_);
    if (id < 2 || id - 2 >= offsets_.size()) throw std::out_of_range("terms log: unknown id");
    offset = offsets_[id - 2];
    if (offset >= written_ && !buffer_.empty()) flush_locked();
  }
  char header[8];
  if (::pread(fd_.get(), header, 8, off_t(offset)) != 8) throw io_error("read failed", path_);
  const char* p = header;
  const auto len = get<std::uint32_t>(p);
  auto term = decode_term(read_whole(fd_.get(), offset + 8, len, path_));
  if (!term) throw std::runtime_error(path_.string() + ": the record of term " + std::to_string(id) + " is damaged");
  return *std::move(term);
}

// --------------------------------------------------------------- journal
//
// One frame per batch: [u64 length][u64 checksum][u64 sequence][ops], each
// op a kind byte and four (drop_graph: one) 32-bit ids.  A batch is visible
// after a crash exactly when its whole frame reached the disk.

Journal::Journal(std::filesystem::path path, bool read_only) : path_(std::move(path)), read_only_(read_only) {
  if (read_only) {
    fd_ = Fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd_ && errno != ENOENT) throw io_error("cannot open", path_);
    fresh_ = !fd_ || !check_magic(fd_.get(), journal_magic, path_, "journal");
    end_ = fresh_ ? 8 : file_size(fd_.get());
    return;
  }
  fd_ = open_file(path_, O_RDWR | O_CREAT);
  fresh_ = !check_magic(fd_.get(), journal_magic, path_, "journal");
  end_ = fresh_ ? 8 : file_size(fd_.get());
}

namespace {

// The batch in the frame at `at` of `data` (offsets from the file's start
// at `base`), or nullopt when the frame is not whole and intact.
std::optional<Batch> decode_frame(std::string_view data, std::uint64_t at) {
  if (at + 16 > data.size()) return std::nullopt;
  const char* h = data.data() + at;
  const auto len = get<std::uint64_t>(h);
  const auto sum = get<std::uint64_t>(h);
  if (len < 8 || len > data.size() - at - 16) return std::nullopt;
  const char* p = data.data() + at + 16;
  if (fnv1a(p, len) != sum) return std::nullopt;
  const char* end = p + len;
  Batch batch;
  batch.sequence = get<std::uint64_t>(p);
  while (p < end) {
    Op op{Op::Kind(*p++), {}};
    if (op.kind == Op::drop_graph && end - p >= 4) {
      op.quad.g = get<std::uint32_t>(p);
    } else if ((op.kind == Op::add || op.kind == Op::remove) && end - p >= 16) {
      op.quad = {get<std::uint32_t>(p), get<std::uint32_t>(p), get<std::uint32_t>(p), get<std::uint32_t>(p)};
    } else {
      return std::nullopt;
    }
    batch.ops.push_back(op);
  }
  return batch;
}

}  // namespace

void Journal::replay(const std::function<void(Batch&&)>& committed) {
  if (fresh_) return;
  const std::uint64_t size = file_size(fd_.get());
  const std::string data = read_whole(fd_.get(), 0, size, path_);
  std::uint64_t pos = 8, last = 0;
  while (pos < data.size()) {
    auto batch = decode_frame(data, pos);
    if (!batch) {
      // A crash leaves at most a torn tail: the frames being written.
      // An intact frame after the bad one means damage in the middle, and
      // dropping the batches after it would lose acknowledged writes.
      for (std::uint64_t at = pos + 1; at + 24 <= data.size(); ++at) {
        const char* q = data.data() + at + 16;
        const auto sequence = get<std::uint64_t>(q);
        if (sequence <= last || sequence > last + (std::uint64_t(1) << 32)) continue;
        if (decode_frame(data, at))
          throw std::runtime_error(
              path_.string() + " is damaged at byte " + std::to_string(pos) + " (the batch after " +
              std::to_string(last) + "), and intact batches follow it (batch " + std::to_string(sequence) +
              " at byte " + std::to_string(at) + "): the store does not open without them.  Restore the file from " +
              "a backup, or move it aside to open the store as it was before that batch (later batches are lost)");
      }
      break;
    }
    last = batch->sequence;
    const char* h = data.data() + pos;
    const std::uint64_t length = 16 + get<std::uint64_t>(h);
    committed(std::move(*batch));
    pos += length;
  }
  end_ = std::min<std::uint64_t>(pos, size);
  torn_bytes_ = size - end_;
}

void Journal::cut_torn_tail() {
  if (torn_bytes_ == 0 || read_only_) return;
  if (::ftruncate(fd_.get(), off_t(end_)) != 0) throw io_error("cannot cut torn tail", path_);
  torn_bytes_ = 0;
}

namespace {

// A batch as one journal frame: length, checksum, sequence, ops.
std::string journal_frame(const Batch& batch) {
  std::string frame;
  frame.reserve(24 + batch.ops.size() * 17);
  put<std::uint64_t>(frame, 0);
  put<std::uint64_t>(frame, 0);
  put<std::uint64_t>(frame, batch.sequence);
  for (const Op& op : batch.ops) {
    frame.push_back(char(op.kind));
    if (op.kind == Op::drop_graph) {
      put<std::uint32_t>(frame, op.quad.g);
    } else {
      put<std::uint32_t>(frame, op.quad.s);
      put<std::uint32_t>(frame, op.quad.p);
      put<std::uint32_t>(frame, op.quad.o);
      put<std::uint32_t>(frame, op.quad.g);
    }
  }
  const std::uint64_t len = frame.size() - 16;
  const std::uint64_t sum = fnv1a(frame.data() + 16, len);
  std::memcpy(frame.data(), &len, 8);
  std::memcpy(frame.data() + 8, &sum, 8);
  return frame;
}

}  // namespace

void Journal::append(const Batch& batch, bool sync) {
  if (read_only_) throw std::logic_error("journal: opened read-only");
  const std::string frame = journal_frame(batch);
  if (fresh_) {
    if (!pwrite_all(fd_.get(), journal_magic, 8, 0)) throw io_error("write failed", path_);
    fresh_ = false;
  }
  if (!pwrite_all(fd_.get(), frame.data(), frame.size(), end_)) {
    const int error = errno;
    // Leave no partial frame behind for the next append to follow.
    [[maybe_unused]] int ignored = ::ftruncate(fd_.get(), off_t(end_));
    throw io_error("write failed", path_, error);
  }
  end_ += frame.size();
  if (sync) sync_fd(fd_.get(), path_);
}

void Journal::sync() { sync_fd(fd_.get(), path_); }

std::uint64_t Journal::bytes() const { return end_; }

void Journal::truncate_through(std::uint64_t applied) {
  if (read_only_) throw std::logic_error("journal: opened read-only");
  // Frames are copied as they are, read a header and a sequence at a time:
  // decoding a frame of millions of ops only to drop it cost seconds.
  const std::filesystem::path tmp = path_.string() + ".tmp";
  std::filesystem::remove(tmp);
  Fd kept = open_file(tmp, O_RDWR | O_CREAT | O_TRUNC);
  write_all(kept.get(), journal_magic, 8, tmp);
  std::uint64_t pos = 8, kept_end = 8, last_dropped = 0;
  while (pos + 24 <= end_) {
    const std::string header = read_whole(fd_.get(), pos, 24, path_);
    const char* h = header.data();
    const auto len = get<std::uint64_t>(h);
    get<std::uint64_t>(h);  // checksum: checked when the journal was opened
    const auto sequence = get<std::uint64_t>(h);
    if (len < 8 || pos + 16 + len > end_) break;
    if (sequence > applied) {
      constexpr std::uint64_t piece = std::uint64_t(8) << 20;
      for (std::uint64_t at = 0; at < 16 + len; at += piece) {
        const std::string bytes = read_whole(fd_.get(), pos + at, std::min(piece, 16 + len - at), path_);
        write_all(kept.get(), bytes.data(), bytes.size(), tmp);
      }
      kept_end += 16 + len;
    } else {
      last_dropped = std::max(last_dropped, sequence);
    }
    pos += 16 + len;
  }
  if (kept_end == 8 && last_dropped > 0) {
    // An empty frame keeps the journal's place: without it a journal
    // emptied by a checkpoint looked like a new store's, and a store whose
    // dataset.snap was then deleted opened empty instead of being refused
    // for the batches it lacks.
    const std::string marker = journal_frame(Batch{last_dropped, {}});
    write_all(kept.get(), marker.data(), marker.size(), tmp);
    kept_end += marker.size();
  }
  sync_fd(kept.get(), tmp);
  std::filesystem::rename(tmp, path_);
  sync_directory(path_.parent_path());
  // The kept journal's descriptor now names path_: no reopen that could
  // fail (out of descriptors) and leave appends going to the old file.
  fd_ = std::move(kept);
  end_ = kept_end;
  fresh_ = false;
  torn_bytes_ = 0;
}

// -------------------------------------------------------------- snapshot
//
// TPSNAP02: a 32-byte header (magic, sequence, term count, quad count), the
// dataset's six index orders as they are in memory (quad count keys of 16
// bytes each, ascending), and an XXH3-64 of everything before it.  Opening
// reads the orders straight into the indexes: nothing is sorted.
// TPSNAP01 (the quads once, in SPOG order, FNV-1a) is still read; the next
// checkpoint rewrites it as TPSNAP02.

namespace {

constexpr std::size_t snapshot_header_bytes = 32;

struct Xxh3 {
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state{XXH3_createState(), &XXH3_freeState};
  Xxh3() {
    if (!state) throw std::bad_alloc();
    XXH3_64bits_reset(state.get());
  }
  void add(const void* data, std::size_t size) { XXH3_64bits_update(state.get(), data, size); }
  std::uint64_t digest() const { return XXH3_64bits_digest(state.get()); }
};

// Reads exactly `size` bytes at `offset`; false at a short file.
bool pread_exactly(int fd, void* into, std::size_t size, std::uint64_t offset, const std::filesystem::path& path) {
  return pread_up_to(fd, static_cast<char*>(into), size, offset, path) == size;
}

bool read_snapshot_v1(const std::string& data, SnapshotInfo& info, std::vector<Quad>& quads) {
  const char* p = data.data() + 8;
  info.sequence = get<std::uint64_t>(p);
  info.term_count = get<std::uint64_t>(p);
  const auto quad_count = get<std::uint64_t>(p);
  if (data.size() != 32 + quad_count * 16 + 8) return false;
  const char* check = data.data() + 32 + quad_count * 16;
  if (fnv1a(data.data(), 32 + quad_count * 16) != get<std::uint64_t>(check)) return false;
  quads.resize(quad_count);
  for (auto& q : quads) {
    q = {get<std::uint32_t>(p), get<std::uint32_t>(p), get<std::uint32_t>(p), get<std::uint32_t>(p)};
    if (q.s == 0 || q.p == 0 || q.o == 0 || q.g == 0 || q.s > info.term_count || q.p > info.term_count ||
        q.o > info.term_count || q.g > info.term_count)
      return false;
  }
  return true;
}

}  // namespace

void write_snapshot(const std::filesystem::path& path, const Dataset& dataset, std::uint64_t sequence,
                    const ProgressHandler& progress) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  const std::uint64_t quad_count = dataset.size();
  // The size is known before the first byte: a snapshot that cannot fit is
  // not begun, so its retries never take the room that journal appends need.
  const std::uint64_t snapshot_bytes = 32 + quad_count * Dataset::order_count * 16 + 8;
  constexpr std::uint64_t headroom = std::uint64_t(1) << 20;
  struct statvfs disk {};
  if (::statvfs(path.parent_path().c_str(), &disk) == 0) {
    const std::uint64_t free_bytes = std::uint64_t(disk.f_bavail) * disk.f_frsize;
    const std::uint64_t old_tmp = std::filesystem::exists(tmp) ? std::filesystem::file_size(tmp) : 0;
    if (free_bytes + old_tmp < snapshot_bytes + headroom)
      throw io_error("no room for the snapshot: it needs " + std::to_string((snapshot_bytes + headroom) >> 20) +
                         " MiB and " + std::to_string((free_bytes + old_tmp) >> 20) + " MiB are free",
                     tmp, ENOSPC);
  }
  // A snapshot that fails half-way leaves no partial file to fill the disk.
  struct RemoveUnlessRenamed {
    const std::filesystem::path& tmp;
    bool renamed = false;
    ~RemoveUnlessRenamed() {
      std::error_code ignored;
      if (!renamed) std::filesystem::remove(tmp, ignored);
    }
  } cleanup{tmp};
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    std::string header(snapshot_magic, 8);
    put<std::uint64_t>(header, sequence);
    put<std::uint64_t>(header, dataset.term_count());
    put<std::uint64_t>(header, quad_count);
    Xxh3 sum;
    sum.add(header.data(), header.size());
    write_all(fd.get(), header.data(), header.size(), tmp);
    const std::uint64_t total = quad_count * Dataset::order_count * 16;
    std::uint64_t written = 0, last_told = 0;
    std::vector<std::uint64_t> per_order(Dataset::order_count, 0);
    dataset.write_orders([&](int order, const void* data, std::size_t bytes) {
      sum.add(data, bytes);
      write_all(fd.get(), data, bytes, tmp);
      written += bytes;
      per_order[std::size_t(order)] += bytes;
      if (progress && written - last_told >= (std::uint64_t(16) << 20)) {
        progress({"writing the snapshot", "bytes", written, total});
        last_told = written;
      }
    });
    for (std::uint64_t bytes : per_order)
      if (bytes != quad_count * 16) throw std::logic_error("snapshot: dataset changed while writing");
    std::string trailer;
    put<std::uint64_t>(trailer, sum.digest());
    write_all(fd.get(), trailer.data(), trailer.size(), tmp);
    sync_fd(fd.get(), tmp);
  }
  std::filesystem::rename(tmp, path);
  cleanup.renamed = true;
  sync_directory(path.parent_path());
}

Fd open_snapshot(const std::filesystem::path& path) { return Fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC)); }

std::uint64_t snapshot_term_count_hint(const Fd& fd) {
  if (!fd) return 0;
  char header[snapshot_header_bytes];
  if (::pread(fd.get(), header, sizeof header, 0) != ssize_t(sizeof header)) return 0;
  if (std::memcmp(header, snapshot_magic, 8) != 0 && std::memcmp(header, snapshot_v1_magic, 8) != 0) return 0;
  const char* p = header + 16;
  return get<std::uint64_t>(p);
}

bool read_snapshot(const std::filesystem::path& path, Dataset& dataset, SnapshotInfo& info,
                   std::uint64_t max_term_count, const std::function<void(std::uint64_t)>& read_so_far) {
  return read_snapshot(open_snapshot(path), path, dataset, info, max_term_count, read_so_far);
}

bool read_snapshot(const Fd& fd, const std::filesystem::path& path, Dataset& dataset, SnapshotInfo& info,
                   std::uint64_t max_term_count, const std::function<void(std::uint64_t)>& read_so_far) {
  if (!fd) return false;
  const std::uint64_t size = file_size(fd.get());
  std::string header(snapshot_header_bytes, '\0');
  if (size < snapshot_header_bytes + 8 || !pread_exactly(fd.get(), header.data(), header.size(), 0, path)) return false;
  if (header.compare(0, 8, snapshot_v1_magic, 8) == 0) {
    std::vector<Quad> quads;
    if (!read_snapshot_v1(read_whole(fd.get(), 0, size, path), info, quads) || info.term_count > max_term_count)
      return false;
    dataset.insert_bulk(std::move(quads));
    return true;
  }
  if (header.compare(0, 8, snapshot_magic, 8) != 0) return false;
  const char* p = header.data() + 8;
  info.sequence = get<std::uint64_t>(p);
  info.term_count = get<std::uint64_t>(p);
  const std::uint64_t quad_count = get<std::uint64_t>(p);
  const std::uint64_t order_bytes = quad_count * 16;
  if (quad_count > (size >> 4) || size != snapshot_header_bytes + Dataset::order_count * order_bytes + 8) return false;
  if (info.term_count > max_term_count) return false;
  // Mapped, not read: the indexes use the page cache's pages in place, so
  // opening neither copies nor zero-fills the file's size in memory.  The
  // file is never written in place (checkpoints rename a new one over it).
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd.get(), 0);
  if (base == MAP_FAILED) throw io_error("cannot map", path);
  std::shared_ptr<const void> mapping(base, [size](const void* at) { ::munmap(const_cast<void*>(at), size); });
  const char* bytes = static_cast<const char*>(base);
  // Checked a piece at a time, telling how far it got.
  Xxh3 sum;
  constexpr std::uint64_t piece = std::uint64_t(64) << 20;
  for (std::uint64_t at = 0; at < size - 8; at += piece) {
    sum.add(bytes + at, std::min(piece, size - 8 - at));
    if (read_so_far) read_so_far(std::min(size - 8, at + piece));
  }
  const char* t = bytes + size - 8;
  if (get<std::uint64_t>(t) != sum.digest()) return false;
  std::array<const void*, Dataset::order_count> orders{};
  for (int order = 0; order < Dataset::order_count; ++order)
    orders[std::size_t(order)] = bytes + snapshot_header_bytes + std::uint64_t(order) * order_bytes;
  dataset.view_orders(quad_count, std::move(mapping), orders);
  return true;
}

std::uint64_t read_number(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::uint64_t value = 0;
  in >> value;
  return value;
}

void write_number(const std::filesystem::path& path, std::uint64_t value) {
  const std::filesystem::path tmp = path.string() + ".tmp";
  {
    Fd fd = open_file(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    const std::string text = std::to_string(value) + "\n";
    write_all(fd.get(), text.data(), text.size(), tmp);
    sync_fd(fd.get(), tmp);
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace torchprov::triplestore::files
