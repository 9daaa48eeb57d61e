// What the fuzz targets share: reading the fuzzer's bytes as decisions, the
// small fixed dataset queries run over, scratch folders, and how a target
// reports a finding (abort, so that libFuzzer keeps the input).
//
// Every target is one LLVMFuzzerTestOneInput.  Built with clang and
// -fsanitize=fuzzer it is a fuzzer (`make fuzz`); built normally it is
// linked with replay_main.cpp and replays tests/fuzz/regressions/TARGET/
// and the committed seeds as a ctest.
#pragma once

#include <torchprov/rdf.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace torchprov::triplestore {
class Dataset;
}

namespace torchprov::fuzz {

// The fuzzer's input read front to back as small decisions; past the end
// every read gives zero / empty, so any input is a valid program.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }
  // A number in [0, bound) (bound > 0).
  std::size_t below(std::size_t bound) {
    std::size_t v = byte();
    if (bound > 256) v = (v << 8) | byte();
    return v % bound;
  }
  bool flag() { return byte() & 1; }
  // Up to `max` bytes, as many as the next byte says.
  std::string text(std::size_t max);
  std::string_view rest() {
    std::string_view r(reinterpret_cast<const char*>(data_ + at_), size_ - at_);
    at_ = size_;
    return r;
  }
  bool empty() const { return at_ >= size_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

// A finding: prints `what` and aborts (libFuzzer saves the input; the
// replay test fails).
[[noreturn]] void finding(const std::string& what);
inline void check(bool condition, const std::string& what) {
  if (!condition) finding(what);
}

// A folder of its own for this process under /dev/shm (fsync is free on
// tmpfs), removed when the process exits normally.
std::filesystem::path scratch_dir(std::string_view name);

// The small fixed dataset: IRIs, blank nodes, numbers of every XSD numeric
// type, dates, language-tagged strings and two named graphs (TriG).
extern const std::string_view small_dataset_trig;
void load_small_dataset(triplestore::Dataset& dataset);
std::vector<Statement> small_dataset_statements();

// Budgets that make a slow input an ordinary outcome instead of a hang.
inline constexpr std::uint64_t query_step_budget = 200'000;
inline constexpr std::size_t query_row_limit = 20'000;

}  // namespace torchprov::fuzz
