// The in-memory working set of the store: a term dictionary and indexed
// quads.  The SPARQL evaluator reads it; the persistent store (Redland plus
// journal) fills it at open and keeps it in step with every write.
//
// Terms are interned to dense 32-bit ids.  Id 0 is "unbound / any" in
// patterns; the default graph is a reserved id (default_graph_id).
#pragma once

#include <torchprov/rdf.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

namespace torchprov::triplestore {

using TermId = std::uint32_t;
inline constexpr TermId any_term = 0;
inline constexpr TermId default_graph_id = 1;  // reserved: the default graph

struct Quad {
  TermId s = 0, p = 0, o = 0, g = default_graph_id;
  friend bool operator==(const Quad&, const Quad&) = default;
};

class Dataset;

// A term's parts read in place (the terms log's records), interned without
// building a Term.
struct TermView {
  TermKind kind = TermKind::iri;
  std::string_view value, datatype, language;
};

// Reads the quads matching a pattern in index order, without a callback per
// quad.  A cursor aimed at one pattern after another searches forward from
// where the previous search ended when the keys ascend (probes in sorted
// order, as a join over sorted input makes them): a few cache lines instead
// of a binary search over the whole index.  Valid while the dataset is not
// modified.
class QuadCursor {
 public:
  explicit QuadCursor(const Dataset& dataset) : dataset_(&dataset) {}
  // Aims at the quads matching `pattern` (0 = any, as in Dataset::match).
  void seek(const Quad& pattern);
  // The same, starting after `after` (a quad matching the pattern that an
  // earlier pass stopped at): resumes a scan that let go of the dataset.
  void seek_after(const Quad& pattern, const Quad& after);
  // The next matching quad; false when there are no more.
  bool next(Quad& quad);
  // Up to `capacity` next matching quads into `out`; 0 when there are no
  // more.  One call per block instead of one per quad.
  std::size_t next_block(Quad* out, std::size_t capacity);

 private:
  using Key = unsigned __int128;
  const Dataset* dataset_;
  int order_ = 0;
  const Key *main_ = nullptr, *main_end_ = nullptr;
  const Key *delta_ = nullptr, *delta_end_ = nullptr;
  const Key *tombs_ = nullptr, *tombs_end_ = nullptr;
  std::size_t hints_[6] = {0, 0, 0, 0, 0, 0};  // per index order: where the last search ended
  void seek_range(int order, Key lo, Key hi);
};

class Dataset {
 public:
  Dataset();
  ~Dataset();
  Dataset(Dataset&&) noexcept;
  Dataset& operator=(Dataset&&) noexcept;

  // Dictionary.
  TermId intern(const Term& term);
  TermId intern(const TermView& term);
  // Interns `count` terms that must be new and get the ids `first`,
  // `first` + 1, ... in turn (a terms log read back in id order), faster
  // than one intern() each; returns how many did (the rest are untouched,
  // except that the one at the returned index may have been interned).
  std::size_t intern_in_order(const TermView* terms, std::size_t count, TermId first);
  std::optional<TermId> lookup(const Term& term) const;  // without interning
  const Term& term(TermId id) const;
  // A literal with a datatype other than xsd:string, read in place (no Term
  // built): its datatype's id and lexical form.  nullopt for other terms.
  struct TypedLiteral {
    TermId datatype;
    std::string_view lexical;
  };
  std::optional<TypedLiteral> typed_literal(TermId id) const;
  // The lexical form of a simple literal (no language; xsd:string or no
  // datatype), read in place.  nullopt for other terms.
  std::optional<std::string_view> simple_literal(TermId id) const;
  std::size_t term_count() const;
  // Room for `count` terms in all (a hint: more may come): a bulk load that
  // knows its size sizes the dictionary once.
  void reserve_terms(std::size_t count);
  // Numbers the query engine parsed from stored literals, kept for the
  // dataset's lifetime (an id's term never changes): kind 0 means not
  // known yet, the engine gives the other kinds their meaning.  Safe for
  // concurrent readers.
  std::uint8_t cached_number(TermId id, double& value) const;
  void cache_number(TermId id, std::uint8_t kind, double value) const;

  // Quads.  insert/erase return whether the dataset changed.
  bool insert(const Quad& quad);
  bool erase(const Quad& quad);
  // Bulk load: faster than repeated insert; duplicates are ignored.
  void insert_bulk(std::vector<Quad> quads);
  bool contains(const Quad& quad) const;
  // Calls `visit` for each quad matching the pattern (0 = any; g = 0 means
  // any graph including the default one); stop early by returning false.
  void match(const Quad& pattern, const std::function<bool(const Quad&)>& visit) const;
  // Number of matching quads: exact, from the index ranges (cheap enough for
  // the optimizer to call per pattern).
  std::size_t count(const Quad& pattern) const;
  std::size_t size() const;
  std::vector<TermId> graphs() const;  // named graphs holding at least one quad
  void clear_graph(TermId g);
  std::size_t memory_bytes() const;  // approximate resident size

  // The six index orders as they are in memory, for a snapshot that opens
  // without sorting or copying anything.  Each order is size() keys of 16
  // bytes (native byte order), ascending.  write_orders hands them to
  // `sink` in pieces, order 0 first; view_orders makes a dataset holding no
  // quads read them in place (from a mapped snapshot file, which `mapping`
  // keeps alive until every index has let go of it).  The caller vouches
  // for the keys (the snapshot checks its checksum first).
  static constexpr int order_count = 6;
  void write_orders(const std::function<void(int order, const void* data, std::size_t bytes)>& sink) const;
  void view_orders(std::size_t quad_count, std::shared_ptr<const void> mapping,
                   const std::array<const void*, order_count>& orders);

 private:
  friend class QuadCursor;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchprov::triplestore
