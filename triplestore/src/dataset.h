// The in-memory working set of the store: a term dictionary and indexed
// quads.  The SPARQL evaluator reads it; the persistent store (Redland plus
// journal) fills it at open and keeps it in step with every write.
//
// Terms are interned to dense 32-bit ids.  Id 0 is "unbound / any" in
// patterns; the default graph is a reserved id (default_graph_id).
#pragma once

#include <torchprov/rdf.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace torchprov::triplestore {

using TermId = std::uint32_t;
inline constexpr TermId any_term = 0;
inline constexpr TermId default_graph_id = 1;  // reserved: the default graph

struct Quad {
  TermId s = 0, p = 0, o = 0, g = default_graph_id;
  friend bool operator==(const Quad&, const Quad&) = default;
};

class Dataset {
 public:
  Dataset();
  ~Dataset();
  Dataset(Dataset&&) noexcept;
  Dataset& operator=(Dataset&&) noexcept;

  // Dictionary.
  TermId intern(const Term& term);
  std::optional<TermId> lookup(const Term& term) const;  // without interning
  const Term& term(TermId id) const;
  std::size_t term_count() const;

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

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchprov::triplestore
