// Dataset: a compact term dictionary plus six sorted quad indexes.
//
// Dictionary.  Each term is encoded once into an append-only arena of fixed
// chunks (kind byte, datatype id or language tag, value bytes); an open
// addressing table of (hash, id) pairs finds ids from terms.  `term(id)` must
// hand out a `const Term&`, so a Term object is materialised the first time
// an id is asked for and kept; bulk loads never pay for Term objects.
//
// Indexes.  With four positions there are 16 bound/unbound shapes; the six
// orders below make every bound set a prefix of some order, so every pattern
// is one range in one sorted array (and `count` is two binary searches).
// Each index is a sorted `main` array, a small sorted `delta` of recent
// inserts and a sorted `tombs` list of erased `main` entries; both are folded
// into `main` when they grow past a size that keeps single inserts cheap.
#include "dataset.h"
#include "huge_pages.h"

#include <torchprov/triplestore.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <exception>
#include <thread>
#include <utility>

namespace torchprov::triplestore {

namespace {

using Key = unsigned __int128;

// The index arrays: sized without zero-filling (every key is written before
// it is read), and large ones on transparent huge pages, so that loading a
// snapshot of millions of keys is one copy instead of a fill, a copy and a
// page fault every 4 KiB.
using Keys = std::vector<Key, HugePageAllocator<Key>>;

// Position numbers inside Quad: s=0 p=1 o=2 g=3.
enum Order : int { spog, posg, ospg, gspo, gpos, gosp, order_count };
constexpr std::array<std::array<int, 4>, order_count> order_positions{{
    {0, 1, 2, 3}, {1, 2, 0, 3}, {2, 0, 1, 3}, {3, 0, 1, 2}, {3, 1, 2, 0}, {3, 2, 0, 1}}};

// Bound-position mask (s=1 p=2 o=4 g=8) -> the order that has exactly those
// positions as its prefix.
constexpr std::array<Order, 16> order_for_mask{
    spog,  // none
    spog,  // s
    posg,  // p
    spog,  // sp
    ospg,  // o
    ospg,  // so
    posg,  // po
    spog,  // spo
    gspo,  // g
    gspo,  // sg
    gpos,  // pg
    gspo,  // spg
    gosp,  // og
    gosp,  // sog
    gpos,  // pog
    spog,  // spog
};

TermId position(const Quad& q, int pos) {
  switch (pos) {
    case 0: return q.s;
    case 1: return q.p;
    case 2: return q.o;
    default: return q.g;
  }
}

Key pack(const Quad& q, Order order) {
  const auto& op = order_positions[order];
  return (Key(position(q, op[0])) << 96) | (Key(position(q, op[1])) << 64) |
         (Key(position(q, op[2])) << 32) | Key(position(q, op[3]));
}

Quad unpack(Key key, Order order) {
  const auto& op = order_positions[order];
  std::array<TermId, 4> v{};
  v[op[0]] = TermId(key >> 96);
  v[op[1]] = TermId(key >> 64);
  v[op[2]] = TermId(key >> 32);
  v[op[3]] = TermId(key);
  return {v[0], v[1], v[2], v[3]};
}

int bound_mask(const Quad& p) {
  return (p.s ? 1 : 0) | (p.p ? 2 : 0) | (p.o ? 4 : 0) | (p.g ? 8 : 0);
}

// [lo, hi] keys of the range for a pattern in the order chosen for it.
std::pair<Key, Key> key_range(const Quad& pattern, Order order) {
  const int bound = std::popcount(unsigned(bound_mask(pattern)));
  const Key lo = pack(pattern, order);  // unbound positions are 0
  if (bound == 0) return {0, ~Key(0)};
  const Key tail_mask = bound == 4 ? Key(0) : (Key(1) << (32 * (4 - bound))) - 1;
  return {lo, lo | tail_mask};
}

struct SortedRange {
  const Key* begin;
  const Key* end;
  std::size_t size() const { return std::size_t(end - begin); }
};

// First position at or after `from` holding a key above `key`.
std::size_t gallop_upper_bound(const Key* keys, std::size_t size, std::size_t from, Key key) {
  std::size_t known_not_above = from, step = 1;
  if (from >= size || keys[from] > key) return from;
  while (from + step < size && keys[from + step] <= key) {
    known_not_above = from + step;
    step *= 2;
  }
  const std::size_t end = std::min(size, from + step);
  return std::size_t(std::upper_bound(keys + known_not_above + 1, keys + end, key) - keys);
}

// The main part of an index: keys it owns, or keys read in place from a
// mapped snapshot file (the mapping lives while an array refers to it).
// Only ever replaced whole: changes go to the delta and tombstones first.
class KeyArray {
 public:
  KeyArray() = default;
  KeyArray(const KeyArray&) = delete;
  KeyArray& operator=(const KeyArray&) = delete;
  KeyArray(KeyArray&& other) noexcept { *this = std::move(other); }
  KeyArray& operator=(KeyArray&& other) noexcept {
    owned_ = std::move(other.owned_);
    mapping_ = std::move(other.mapping_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
    return *this;
  }
  KeyArray& operator=(Keys&& keys) {
    owned_ = std::move(keys);
    mapping_.reset();
    data_ = owned_.data();
    size_ = owned_.size();
    return *this;
  }
  void view(std::shared_ptr<const void> mapping, const Key* data, std::size_t size) {
    owned_ = Keys();
    mapping_ = std::move(mapping);
    data_ = data;
    size_ = size;
  }
  const Key* data() const { return data_; }
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Key* begin() const { return data_; }
  const Key* end() const { return data_ + size_; }
  std::size_t capacity() const { return mapping_ ? size_ : owned_.capacity(); }
  void shrink_to_fit() {
    if (mapping_) return;
    owned_.shrink_to_fit();
    data_ = owned_.data();
  }

 private:
  Keys owned_;
  std::shared_ptr<const void> mapping_;
  const Key* data_ = nullptr;
  std::size_t size_ = 0;
};

// Ranges are mostly short: the end is found by galloping from the start
// rather than by a second search over the rest of the array.
template <class Array>
SortedRange range_of(const Array& keys, Key lo, Key hi) {
  const Key* first = std::lower_bound(keys.data(), keys.data() + keys.size(), lo);
  return {first, std::upper_bound(first, keys.data() + keys.size(), hi)};
}

template <class Array>
bool sorted_contains(const Array& keys, Key key) {
  return std::binary_search(keys.data(), keys.data() + keys.size(), key);
}

void sorted_insert(Keys& keys, Key key) {
  keys.insert(std::lower_bound(keys.begin(), keys.end(), key), key);
}

void sorted_remove(Keys& keys, Key key) {
  auto it = std::lower_bound(keys.begin(), keys.end(), key);
  if (it != keys.end() && *it == key) keys.erase(it);
}

struct Index {
  KeyArray main;
  Keys delta, tombs;

  std::size_t size() const { return main.size() - tombs.size() + delta.size(); }

  std::size_t count(Key lo, Key hi) const {
    return range_of(main, lo, hi).size() - range_of(tombs, lo, hi).size() +
           range_of(delta, lo, hi).size();
  }

  // Visits live keys in [lo, hi] in key order; false from visit stops.
  template <class Visit>
  bool scan(Key lo, Key hi, Visit&& visit) const {
    SortedRange m = range_of(main, lo, hi), d = range_of(delta, lo, hi), t = range_of(tombs, lo, hi);
    const Key* mi = m.begin;
    const Key* di = d.begin;
    const Key* ti = t.begin;
    while (mi != m.end || di != d.end) {
      if (mi != m.end && (di == d.end || *mi < *di)) {
        while (ti != t.end && *ti < *mi) ++ti;
        if (ti != t.end && *ti == *mi) {
          ++mi;
          continue;
        }
        if (!visit(*mi++)) return false;
      } else {
        if (!visit(*di++)) return false;
      }
    }
    return true;
  }

  // Folds delta and tombs into main.
  void compact() {
    if (delta.empty() && tombs.empty()) return;
    Keys merged;
    merged.reserve(main.size() - tombs.size() + delta.size());
    scan(0, ~Key(0), [&](Key k) {
      merged.push_back(k);
      return true;
    });
    main = std::move(merged);
    delta.clear();
    delta.shrink_to_fit();
    tombs.clear();
    tombs.shrink_to_fit();
  }

  // Merges sorted keys known to be absent from the index.
  void merge_sorted(Keys&& added) {
    compact();
    if (main.empty()) {
      main = std::move(added);
      main.shrink_to_fit();
      return;
    }
    Keys merged(main.size() + added.size());
    std::merge(main.begin(), main.end(), added.begin(), added.end(), merged.begin());
    main = std::move(merged);
  }

  // Removes sorted keys known to be present.
  void remove_sorted(const Keys& removed) {
    compact();
    Keys kept;
    kept.reserve(main.size() - removed.size());
    std::set_difference(main.begin(), main.end(), removed.begin(), removed.end(),
                        std::back_inserter(kept));
    main = std::move(kept);
  }

  std::size_t bytes() const {
    return (main.capacity() + delta.capacity() + tombs.capacity()) * sizeof(Key);
  }
};

// ------------------------------------------------------------ dictionary

enum class Encoded : std::uint8_t { iri, blank, plain_literal, typed_literal, lang_literal };

constexpr std::string_view xsd_string = "http://www.w3.org/2001/XMLSchema#string";
// Arena chunks grow to one huge page each.
constexpr std::size_t arena_chunk_bytes = huge_page_bytes;
constexpr std::size_t slot_chunk_bits = 16;
constexpr std::size_t slot_chunk_size = std::size_t(1) << slot_chunk_bits;
constexpr std::size_t slot_chunk_count = std::size_t(1) << (32 - slot_chunk_bits);

struct FreeChunk {
  void operator()(char* p) const noexcept { std::free(p); }
};
using ArenaChunk = std::unique_ptr<char[], FreeChunk>;

ArenaChunk allocate_arena_chunk(std::size_t bytes) {
  if (bytes >= huge_page_bytes) return ArenaChunk(static_cast<char*>(allocate_huge(bytes)));
  auto* p = static_cast<char*>(std::malloc(bytes));
  if (!p) throw std::bad_alloc();
  return ArenaChunk(p);
}

std::size_t get_varint(const char*& p) {
  std::size_t v = 0;
  int shift = 0;
  while (true) {
    const auto byte = static_cast<unsigned char>(*p++);
    v |= std::size_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
    shift += 7;
  }
}

class Dictionary {
 public:
  // Chunks come with the first terms that need them: a dataset that
  // stays small (a query's scratch, a result writer's) costs little.
  Dictionary() {
    locator_.push_back(0);  // id 0: "any", never a real term
    table_.assign(1024, 0);
  }

  // Room for `count` terms in all: a load that knows how many terms come
  // sizes the hash table and the locator once instead of doubling (each
  // doubling rehashed every term and touched fresh pages).
  void reserve(std::size_t count) {
    locator_.reserve(count + 1);
    std::size_t slots = table_.size();
    while ((count + 1) * 10 > slots * 7) slots *= 2;
    if (slots != table_.size()) rehash(slots);
  }

  std::size_t size() const { return locator_.size(); }  // including id 0

  // Encoding of `term`, or nullopt when its datatype is not interned and
  // `intern_datatype` is false (then the term cannot exist either).
  // Encodes into `out` (cleared first; its capacity is reused).  False when
  // the datatype has no id (lookup only: then the term cannot exist either).
  template <class AnyTerm, class DatatypeId>
  bool encode(const AnyTerm& term, DatatypeId&& datatype_id, std::string& out) const {
    out.clear();
    switch (term.kind) {
      case TermKind::iri: out.push_back(char(Encoded::iri)); break;
      case TermKind::blank: out.push_back(char(Encoded::blank)); break;
      case TermKind::literal:
        if (!term.language.empty()) {
          if (term.language.size() > 255) throw std::invalid_argument("language tag too long");
          out.push_back(char(Encoded::lang_literal));
          out.push_back(char(term.language.size()));
          out += term.language;
        } else if (term.datatype.empty() || term.datatype == xsd_string) {
          out.push_back(char(Encoded::plain_literal));
        } else {
          const std::optional<TermId> dt = datatype_id(std::string_view(term.datatype));
          if (!dt) return false;
          out.push_back(char(Encoded::typed_literal));
          char raw[4];
          std::memcpy(raw, &*dt, 4);
          out.append(raw, 4);
        }
        break;
    }
    out += term.value;
    return true;
  }

  // Brings the table slot where a search for `hash` starts into the cache.
  void prefetch(std::uint32_t hash) const { __builtin_prefetch(&table_[hash & (table_.size() - 1)]); }

  std::optional<TermId> find(std::string_view encoded, std::uint32_t hash) const {
    const std::size_t mask = table_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
      const std::uint64_t slot = table_[i];
      if (slot == 0) return std::nullopt;
      if (std::uint32_t(slot >> 32) == hash && record(TermId(slot)) == encoded) return TermId(slot);
    }
  }

  TermId add(std::string_view encoded, std::uint32_t hash) {
    if (locator_.size() >= std::numeric_limits<TermId>::max()) throw std::length_error("term dictionary full");
    const auto id = TermId(locator_.size());
    char header[10];
    std::size_t header_size = 0;
    for (std::size_t v = encoded.size();; v >>= 7) {
      if (v < 0x80) {
        header[header_size++] = char(v);
        break;
      }
      header[header_size++] = char(0x80 | (v & 0x7f));
    }
    const std::size_t need = header_size + encoded.size();
    if (arena_.empty() || arena_used_ + need > arena_capacity_) {
      // Chunks double from 4 KB to 1 MB: small dictionaries stay small.
      arena_capacity_ = std::max(need, arena_.empty() ? std::size_t(4096) : std::min(arena_chunk_bytes, 2 * arena_capacity_));
      arena_.push_back(allocate_arena_chunk(arena_capacity_));
      arena_bytes_ += arena_capacity_;
      arena_used_ = 0;
    }
    char* at = arena_.back().get() + arena_used_;
    std::memcpy(at, header, header_size);
    std::memcpy(at + header_size, encoded.data(), encoded.size());
    locator_.push_back((std::uint64_t(arena_.size() - 1) << 32) | arena_used_);
    arena_used_ += need;
    if ((size() + 1) * 10 > table_.size() * 7) rehash(table_.size() * 2);
    place(hash, id);
    return id;
  }

  std::string_view record(TermId id) const {
    const std::uint64_t loc = locator_[id];
    const char* p = arena_[loc >> 32].get() + std::uint32_t(loc);
    const std::size_t len = get_varint(p);
    return {p, len};
  }

  Term decode(TermId id) const {
    const std::string_view rec = record(id);
    const auto kind = Encoded(rec[0]);
    std::string_view rest = rec.substr(1);
    switch (kind) {
      case Encoded::iri: return Term::iri(std::string(rest));
      case Encoded::blank: return Term::blank(std::string(rest));
      case Encoded::plain_literal: return Term::literal(std::string(rest));
      case Encoded::typed_literal: {
        TermId dt;
        std::memcpy(&dt, rest.data(), 4);
        return Term::literal(std::string(rest.substr(4)), std::string(record(dt).substr(1)));
      }
      case Encoded::lang_literal: {
        const std::size_t n = static_cast<unsigned char>(rest[0]);
        return Term::lang_literal(std::string(rest.substr(1 + n)), std::string(rest.substr(1, n)));
      }
    }
    throw std::logic_error("corrupt term record");
  }

  const Term& materialised(TermId id) const {
    // The slots come in chunks, made the first time an id in their range is
    // asked for: a query touches few of a large dictionary's terms.
    // So does the table of chunks (512 KB): most datasets (a query's
    // scratch, one per W3C test) never hand out a Term.
    SlotChunk* chunks = slot_chunks_.load(std::memory_order_acquire);
    Slot* chunk = chunks ? chunks[id >> slot_chunk_bits].load(std::memory_order_acquire) : nullptr;
    if (chunk) {
      if (const Term* t = chunk[id & (slot_chunk_size - 1)].load(std::memory_order_acquire)) return *t;
    }
    std::lock_guard lock(materialise_mutex_);
    if (!chunks) {
      if (!slot_table_) slot_table_ = std::make_unique<SlotChunk[]>(slot_chunk_count);
      chunks = slot_table_.get();
      slot_chunks_.store(chunks, std::memory_order_release);
    }
    chunk = chunks[id >> slot_chunk_bits].load(std::memory_order_relaxed);
    if (!chunk) {
      owned_slot_chunks_.push_back(std::make_unique<Slot[]>(slot_chunk_size));
      chunk = owned_slot_chunks_.back().get();
      chunks[id >> slot_chunk_bits].store(chunk, std::memory_order_release);
    }
    std::atomic<const Term*>& slot = chunk[id & (slot_chunk_size - 1)];
    if (const Term* t = slot.load(std::memory_order_relaxed)) return *t;
    materialised_.push_back(decode(id));
    materialised_bytes_ += sizeof(Term) + materialised_.back().value.capacity() +
                           materialised_.back().datatype.capacity();
    slot.store(&materialised_.back(), std::memory_order_release);
    return materialised_.back();
  }

  std::size_t bytes() const {
    std::lock_guard lock(materialise_mutex_);
    return arena_bytes_ + locator_.capacity() * 8 + table_.capacity() * 8 +
           (slot_table_ ? slot_chunk_count * sizeof(void*) : 0) +
           owned_slot_chunks_.size() * slot_chunk_size * sizeof(void*) + materialised_bytes_;
  }

 private:
  void place(std::uint32_t hash, TermId id) {
    const std::size_t mask = table_.size() - 1;
    std::size_t i = hash & mask;
    while (table_[i] != 0) i = (i + 1) & mask;
    table_[i] = (std::uint64_t(hash) << 32) | id;
  }

  void rehash(std::size_t slots) {
    HugePageVector<std::uint64_t> old = std::move(table_);
    table_.assign(slots, 0);
    for (std::uint64_t slot : old)
      if (slot) place(std::uint32_t(slot >> 32), TermId(slot));
  }

  std::vector<ArenaChunk> arena_;
  std::size_t arena_used_ = 0, arena_capacity_ = 0, arena_bytes_ = 0;
  HugePageVector<std::uint64_t> locator_;  // id -> (chunk << 32) | offset
  HugePageVector<std::uint64_t> table_;    // (hash << 32) | id; 0 = empty
  // Term objects handed out by term(); the deque keeps their addresses.
  // slot_chunks_ (slot_table_, once made)[id >> slot_chunk_bits] points
  // into owned_slot_chunks_.
  using Slot = std::atomic<const Term*>;
  using SlotChunk = std::atomic<Slot*>;
  mutable std::atomic<SlotChunk*> slot_chunks_{nullptr};
  mutable std::unique_ptr<SlotChunk[]> slot_table_;
  mutable std::vector<std::unique_ptr<Slot[]>> owned_slot_chunks_;
  mutable std::mutex materialise_mutex_;
  mutable std::deque<Term> materialised_;
  mutable std::size_t materialised_bytes_ = 0;
};

std::uint32_t hash_of(std::string_view encoded) {
  const std::size_t h = std::hash<std::string_view>{}(encoded);
  return std::uint32_t(h ^ (h >> 32));
}

std::size_t fold_threshold(std::size_t main_size) {
  const auto root = std::size_t(std::sqrt(double(main_size)));
  return std::clamp<std::size_t>(2 * root, 1024, 16384);
}

}  // namespace

// Per-id numbers for Dataset::cached_number, in chunks allocated the first
// time a number in their id range is stored.
struct NumberChunk {
  static constexpr std::size_t bits = 16;
  std::array<std::atomic<std::uint8_t>, std::size_t(1) << bits> kinds{};
  std::array<std::atomic<double>, std::size_t(1) << bits> values{};
};

class NumberCache {
 public:
  std::uint8_t get(TermId id, double& value) const {
    const std::atomic<NumberChunk*>* chunks = chunks_.load(std::memory_order_acquire);
    if (!chunks) return 0;
    const NumberChunk* chunk = chunks[id >> NumberChunk::bits].load(std::memory_order_acquire);
    if (!chunk) return 0;
    const std::size_t i = id & ((std::size_t(1) << NumberChunk::bits) - 1);
    const std::uint8_t kind = chunk->kinds[i].load(std::memory_order_acquire);
    if (kind) value = chunk->values[i].load(std::memory_order_relaxed);
    return kind;
  }

  void put(TermId id, std::uint8_t kind, double value) {
    std::atomic<NumberChunk*>* chunks = chunks_.load(std::memory_order_acquire);
    if (!chunks) {
      // The chunk table (512 KB) only once a query parses a number: most
      // datasets (one per W3C test, say) never need it.
      std::lock_guard lock(mutex_);
      chunks = chunks_.load(std::memory_order_relaxed);
      if (!chunks) {
        table_ = std::make_unique<std::atomic<NumberChunk*>[]>(chunk_count);
        chunks = table_.get();
        chunks_.store(chunks, std::memory_order_release);
      }
    }
    std::atomic<NumberChunk*>& slot = chunks[id >> NumberChunk::bits];
    NumberChunk* chunk = slot.load(std::memory_order_acquire);
    if (!chunk) {
      std::lock_guard lock(mutex_);
      chunk = slot.load(std::memory_order_relaxed);
      if (!chunk) {
        owned_.push_back(std::make_unique<NumberChunk>());
        chunk = owned_.back().get();
        slot.store(chunk, std::memory_order_release);
      }
    }
    const std::size_t i = id & ((std::size_t(1) << NumberChunk::bits) - 1);
    chunk->values[i].store(value, std::memory_order_relaxed);
    chunk->kinds[i].store(kind, std::memory_order_release);
  }

  std::size_t bytes() const {
    std::lock_guard lock(mutex_);
    return owned_.size() * sizeof(NumberChunk) + (table_ ? chunk_count * sizeof(std::atomic<NumberChunk*>) : 0);
  }

 private:
  static constexpr std::size_t chunk_count = std::size_t(1) << (32 - NumberChunk::bits);
  std::atomic<std::atomic<NumberChunk*>*> chunks_{nullptr};  // table_, once made
  std::unique_ptr<std::atomic<NumberChunk*>[]> table_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<NumberChunk>> owned_;
};

struct Dataset::Impl {
  Dictionary dictionary;
  mutable NumberCache numbers;
  // Bumped by every change of the quads (writers hold the store's
  // exclusive lock; readers only compare).
  std::atomic<std::uint64_t> generation{0};
  mutable std::mutex graphs_mutex;
  mutable std::uint64_t graphs_generation = ~std::uint64_t(0);
  mutable std::vector<TermId> graphs_cache;
  std::array<Index, order_count> indexes;
  Term none;  // term(0)

  // Scratch buffers for interning (callers hold the write side, so one
  // thread at a time) and a one-entry cache of the last datatype.
  std::string scratch, datatype_scratch, last_datatype;
  std::array<std::string, 16> group_scratch;  // intern_in_order's encodings
  TermId last_datatype_id = 0;

  std::optional<TermId> lookup_iri(std::string_view iri) const {
    std::string encoded;
    encoded.reserve(iri.size() + 1);
    encoded.push_back(char(Encoded::iri));
    encoded += iri;
    return dictionary.find(encoded, hash_of(encoded));
  }

  std::optional<TermId> lookup(const Term& term) const {
    std::string encoded;
    if (!dictionary.encode(term, [&](std::string_view dt) { return lookup_iri(dt); }, encoded)) return std::nullopt;
    return dictionary.find(encoded, hash_of(encoded));
  }

  // A datatype's id without interning it (the last one asked for is kept).
  std::optional<TermId> known_datatype(std::string_view iri) {
    if (last_datatype_id != 0 && iri == last_datatype) return last_datatype_id;
    std::optional<TermId> id = lookup_iri(iri);
    if (id) {
      last_datatype.assign(iri);
      last_datatype_id = *id;
    }
    return id;
  }

  // Interns terms expected to be new and to get the ids first, first + 1,
  // ... (a terms log read in id order); returns how many did.  A group of
  // terms is encoded and hashed, and their table slots prefetched, before
  // any is added: each search of a table of millions of slots is a cache
  // miss, and waiting for them one at a time was most of loading the log.
  std::size_t intern_in_order(const TermView* terms, std::size_t count, TermId first) {
    constexpr std::size_t group = 16;
    std::array<std::uint32_t, group> hashes{};
    std::size_t done = 0;
    while (done < count) {
      std::size_t encoded = 0;
      // A term whose datatype is not interned yet ends the group: interning
      // the datatype first would give it an id ahead of the terms before it.
      while (encoded < group && done + encoded < count &&
             dictionary.encode(terms[done + encoded], [&](std::string_view dt) { return known_datatype(dt); },
                               group_scratch[encoded])) {
        hashes[encoded] = hash_of(group_scratch[encoded]);
        dictionary.prefetch(hashes[encoded]);
        ++encoded;
      }
      for (std::size_t i = 0; i < encoded; ++i, ++done) {
        if (dictionary.find(group_scratch[i], hashes[i])) return done;
        if (dictionary.add(group_scratch[i], hashes[i]) != first + done) return done;
      }
      if (encoded < group && done < count) {
        if (intern(terms[done]) != first + done) return done;
        ++done;
      }
    }
    return done;
  }

  TermId intern_datatype(std::string_view iri) {
    if (last_datatype_id != 0 && iri == last_datatype) return last_datatype_id;
    datatype_scratch.clear();
    datatype_scratch.push_back(char(Encoded::iri));
    datatype_scratch += iri;
    const std::uint32_t hash = hash_of(datatype_scratch);
    const std::optional<TermId> found = dictionary.find(datatype_scratch, hash);
    const TermId id = found ? *found : dictionary.add(datatype_scratch, hash);
    last_datatype.assign(iri);
    last_datatype_id = id;
    return id;
  }

  template <class AnyTerm>
  TermId intern(const AnyTerm& term) {
    dictionary.encode(term, [&](std::string_view dt) { return std::optional(intern_datatype(dt)); }, scratch);
    const std::uint32_t hash = hash_of(scratch);
    if (auto id = dictionary.find(scratch, hash)) return *id;
    return dictionary.add(scratch, hash);
  }

  bool contains(const Quad& q) const {
    const Index& index = indexes[spog];
    const Key key = pack(q, spog);
    if (sorted_contains(index.delta, key)) return true;
    return sorted_contains(index.main, key) && !sorted_contains(index.tombs, key);
  }

  void fold_if_needed() {
    const Index& first = indexes[spog];
    if (first.delta.size() + first.tombs.size() > fold_threshold(first.main.size()))
      for (Index& index : indexes) index.compact();
  }

  // Sorted keys of `quads` (unique, absent from / present in the dataset) in every order.
  // Large batches build half of the orders on a second thread (each order
  // touches only its own index).
  template <class Apply>
  void for_each_order(const std::vector<Quad>& quads, Apply&& apply) {
    auto build = [&](int first, int last) {
      for (int order = first; order < last; ++order) {
        Keys keys(quads.size());
        for (std::size_t i = 0; i < quads.size(); ++i) keys[i] = pack(quads[i], Order(order));
        if (!std::is_sorted(keys.begin(), keys.end())) std::sort(keys.begin(), keys.end());
        apply(indexes[order], keys);
      }
    };
    if (quads.size() < (std::size_t(1) << 16) || std::thread::hardware_concurrency() < 2) {
      build(0, order_count);
      return;
    }
    std::exception_ptr error;
    std::thread helper([&] {
      try {
        build(order_count / 2, order_count);
      } catch (...) {
        error = std::current_exception();
      }
    });
    try {
      build(0, order_count / 2);
    } catch (...) {
      helper.join();
      throw;
    }
    helper.join();
    if (error) std::rethrow_exception(error);
  }
};

Dataset::Dataset() : impl_(std::make_unique<Impl>()) {
  const TermId id = impl_->intern(Term::iri(std::string(default_graph_iri)));
  if (id != default_graph_id) throw std::logic_error("default graph id mismatch");
}
Dataset::~Dataset() = default;
Dataset::Dataset(Dataset&&) noexcept = default;
Dataset& Dataset::operator=(Dataset&&) noexcept = default;

TermId Dataset::intern(const Term& term) { return impl_->intern(term); }
TermId Dataset::intern(const TermView& term) { return impl_->intern(term); }

std::size_t Dataset::intern_in_order(const TermView* terms, std::size_t count, TermId first) {
  return impl_->intern_in_order(terms, count, first);
}

std::optional<TermId> Dataset::lookup(const Term& term) const { return impl_->lookup(term); }

const Term& Dataset::term(TermId id) const {
  if (id == any_term) return impl_->none;
  if (id >= impl_->dictionary.size()) throw std::out_of_range("unknown term id");
  return impl_->dictionary.materialised(id);
}

std::optional<Dataset::TypedLiteral> Dataset::typed_literal(TermId id) const {
  if (id == any_term || id >= impl_->dictionary.size()) return std::nullopt;
  const std::string_view record = impl_->dictionary.record(id);
  if (Encoded(record[0]) != Encoded::typed_literal) return std::nullopt;
  TermId datatype;
  std::memcpy(&datatype, record.data() + 1, 4);
  return TypedLiteral{datatype, record.substr(5)};
}

std::optional<std::string_view> Dataset::simple_literal(TermId id) const {
  if (id == any_term || id >= impl_->dictionary.size()) return std::nullopt;
  const std::string_view record = impl_->dictionary.record(id);
  if (Encoded(record[0]) != Encoded::plain_literal) return std::nullopt;
  return record.substr(1);
}

std::size_t Dataset::term_count() const { return impl_->dictionary.size() - 1; }

void Dataset::reserve_terms(std::size_t count) { impl_->dictionary.reserve(count); }

std::uint8_t Dataset::cached_number(TermId id, double& value) const { return impl_->numbers.get(id, value); }

void Dataset::cache_number(TermId id, std::uint8_t kind, double value) const {
  if (id == any_term || id >= impl_->dictionary.size()) throw std::out_of_range("cache_number: unknown term id");
  impl_->numbers.put(id, kind, value);
}

bool Dataset::insert(const Quad& quad) {
  if (!quad.s || !quad.p || !quad.o || !quad.g) throw std::invalid_argument("insert: quad has an unbound position");
  if (impl_->contains(quad)) return false;
  for (int order = 0; order < order_count; ++order) {
    Index& index = impl_->indexes[order];
    const Key key = pack(quad, Order(order));
    if (sorted_contains(index.tombs, key))
      sorted_remove(index.tombs, key);
    else
      sorted_insert(index.delta, key);
  }
  impl_->fold_if_needed();
  impl_->generation.fetch_add(1, std::memory_order_release);
  return true;
}

bool Dataset::erase(const Quad& quad) {
  if (!quad.s || !quad.p || !quad.o || !quad.g) return false;
  if (!impl_->contains(quad)) return false;
  for (int order = 0; order < order_count; ++order) {
    Index& index = impl_->indexes[order];
    const Key key = pack(quad, Order(order));
    if (sorted_contains(index.delta, key))
      sorted_remove(index.delta, key);
    else
      sorted_insert(index.tombs, key);
  }
  impl_->fold_if_needed();
  impl_->generation.fetch_add(1, std::memory_order_release);
  return true;
}

void Dataset::insert_bulk(std::vector<Quad> quads) {
  for (const Quad& q : quads)
    if (!q.s || !q.p || !q.o || !q.g) throw std::invalid_argument("insert_bulk: quad has an unbound position");
  if (quads.size() < fold_threshold(size())) {
    for (const Quad& q : quads) insert(q);
    return;
  }
  // Deduplicate in SPOG order, then drop what is already present.
  const auto spog_less = [](const Quad& a, const Quad& b) { return pack(a, spog) < pack(b, spog); };
  if (!std::is_sorted(quads.begin(), quads.end(), spog_less)) std::sort(quads.begin(), quads.end(), spog_less);
  quads.erase(std::unique(quads.begin(), quads.end()), quads.end());
  if (size() != 0)
    std::erase_if(quads, [&](const Quad& q) { return impl_->contains(q); });
  impl_->for_each_order(quads, [](Index& index, Keys& keys) { index.merge_sorted(std::move(keys)); });
  impl_->generation.fetch_add(1, std::memory_order_release);
}

void Dataset::write_orders(const std::function<void(int order, const void* data, std::size_t bytes)>& sink) const {
  static_assert(Dataset::order_count == int(Order::order_count));
  Keys piece;
  constexpr std::size_t piece_keys = std::size_t(1) << 16;
  piece.reserve(piece_keys);
  for (int order = 0; order < order_count; ++order) {
    const Index& index = impl_->indexes[order];
    if (index.delta.empty() && index.tombs.empty()) {
      // Folded: the keys are one array already.
      for (std::size_t at = 0; at < index.main.size(); at += piece_keys)
        sink(order, index.main.data() + at, std::min(piece_keys, index.main.size() - at) * sizeof(Key));
      continue;
    }
    index.scan(0, ~Key(0), [&](Key key) {
      piece.push_back(key);
      if (piece.size() == piece_keys) {
        sink(order, piece.data(), piece.size() * sizeof(Key));
        piece.clear();
      }
      return true;
    });
    if (!piece.empty()) sink(order, piece.data(), piece.size() * sizeof(Key));
    piece.clear();
  }
}

void Dataset::view_orders(std::size_t quad_count, std::shared_ptr<const void> mapping,
                          const std::array<const void*, order_count>& orders) {
  if (size() != 0) throw std::logic_error("view_orders: the dataset already holds quads");
  for (int order = 0; order < order_count; ++order)
    impl_->indexes[order].main.view(mapping, static_cast<const Key*>(orders[std::size_t(order)]), quad_count);
  impl_->generation.fetch_add(1, std::memory_order_release);
}

bool Dataset::contains(const Quad& quad) const { return impl_->contains(quad); }

void Dataset::match(const Quad& pattern, const std::function<bool(const Quad&)>& visit) const {
  const Order order = order_for_mask[bound_mask(pattern)];
  const auto [lo, hi] = key_range(pattern, order);
  impl_->indexes[order].scan(lo, hi, [&](Key key) { return visit(unpack(key, order)); });
}

namespace {

// Lower bound of `key` in sorted keys, searching forward from `hint` (where
// a previous search ended) in growing steps when the key lies beyond it.
std::size_t finger_lower_bound(const Key* keys, std::size_t size, std::size_t hint, Key key) {
  if (hint > size) hint = size;
  if (hint < size && keys[hint] < key) {
    std::size_t known_less = hint, step = 1;
    while (hint + step < size && keys[hint + step] < key) {
      known_less = hint + step;
      step *= 2;
    }
    const std::size_t end = std::min(size, hint + step);
    return std::size_t(std::lower_bound(keys + known_less + 1, keys + end, key) - keys);
  }
  if (hint == 0 || keys[hint - 1] < key) return hint;
  return std::size_t(std::lower_bound(keys, keys + hint, key) - keys);
}


}  // namespace

void QuadCursor::seek(const Quad& pattern) {
  const Order order = order_for_mask[bound_mask(pattern)];
  const auto [lo, hi] = key_range(pattern, order);
  seek_range(order, lo, hi);
}

void QuadCursor::seek_after(const Quad& pattern, const Quad& after) {
  const Order order = order_for_mask[bound_mask(pattern)];
  auto [lo, hi] = key_range(pattern, order);
  const Key resume = pack(after, order);
  if (resume == ~Key(0)) {
    seek_range(order, 1, 0);  // nothing after the largest key
    return;
  }
  seek_range(order, std::max(lo, resume + 1), hi);
}

void QuadCursor::seek_range(int order_number, Key lo, Key hi) {
  const Order order = Order(order_number);
  const Index& index = dataset_->impl_->indexes[order];
  order_ = order;
  const Key* keys = index.main.data();
  const std::size_t size = index.main.size();
  const std::size_t first = finger_lower_bound(keys, size, hints_[order], lo);
  const std::size_t last = gallop_upper_bound(keys, size, first, hi);
  hints_[order] = first;
  main_ = keys + first;
  main_end_ = keys + last;
  // The delta and tombstone lists are small (and usually empty): plain
  // binary searches.
  delta_ = delta_end_ = tombs_ = tombs_end_ = nullptr;
  if (!index.delta.empty()) {
    const SortedRange d = range_of(index.delta, lo, hi);
    delta_ = d.begin;
    delta_end_ = d.end;
  }
  if (!index.tombs.empty()) {
    const SortedRange t = range_of(index.tombs, lo, hi);
    tombs_ = t.begin;
    tombs_end_ = t.end;
  }
}

std::size_t QuadCursor::next_block(Quad* out, std::size_t capacity) {
  std::size_t n = 0;
  if (delta_ == delta_end_ && tombs_ == tombs_end_) {
    // The common case: only the main array.
    const Order order = Order(order_);
    while (n < capacity && main_ != main_end_) out[n++] = unpack(*main_++, order);
    return n;
  }
  while (n < capacity && next(out[n])) ++n;
  return n;
}

bool QuadCursor::next(Quad& quad) {
  while (main_ != main_end_ || delta_ != delta_end_) {
    if (main_ != main_end_ && (delta_ == delta_end_ || *main_ < *delta_)) {
      const Key key = *main_++;
      while (tombs_ != tombs_end_ && *tombs_ < key) ++tombs_;
      if (tombs_ != tombs_end_ && *tombs_ == key) continue;
      quad = unpack(key, Order(order_));
      return true;
    }
    quad = unpack(*delta_++, Order(order_));
    return true;
  }
  return false;
}

std::size_t Dataset::count(const Quad& pattern) const {
  const Order order = order_for_mask[bound_mask(pattern)];
  const auto [lo, hi] = key_range(pattern, order);
  return impl_->indexes[order].count(lo, hi);
}

std::size_t Dataset::size() const { return impl_->indexes[spog].size(); }

std::vector<TermId> Dataset::graphs() const {
  // Every query asks (GRAPH ?g ranges over them): kept until the quads change.
  std::lock_guard lock(impl_->graphs_mutex);
  const std::uint64_t generation = impl_->generation.load(std::memory_order_acquire);
  if (impl_->graphs_generation == generation) return impl_->graphs_cache;
  // Jump from graph to graph through the G-first index.
  std::vector<TermId> result;
  const Index& index = impl_->indexes[gspo];
  TermId g = 1;
  while (true) {
    TermId next = 0;
    index.scan(Key(g) << 96, ~Key(0), [&](Key k) {
      next = TermId(k >> 96);
      return false;
    });
    if (next == 0) break;
    if (next != default_graph_id) result.push_back(next);
    if (next == std::numeric_limits<TermId>::max()) break;
    g = next + 1;
  }
  impl_->graphs_cache = result;
  impl_->graphs_generation = generation;
  return result;
}

void Dataset::clear_graph(TermId g) {
  if (g == any_term) throw std::invalid_argument("clear_graph: graph must be bound");
  std::vector<Quad> doomed;
  doomed.reserve(count({0, 0, 0, g}));
  match({0, 0, 0, g}, [&](const Quad& q) {
    doomed.push_back(q);
    return true;
  });
  if (doomed.size() < fold_threshold(size())) {
    for (const Quad& q : doomed) erase(q);
    return;
  }
  impl_->for_each_order(doomed, [](Index& index, Keys& keys) { index.remove_sorted(keys); });
  impl_->generation.fetch_add(1, std::memory_order_release);
}

std::size_t Dataset::memory_bytes() const {
  std::size_t total = sizeof(Impl) + impl_->dictionary.bytes() + impl_->numbers.bytes();
  for (const Index& index : impl_->indexes) total += index.bytes();
  return total;
}

}  // namespace torchprov::triplestore
