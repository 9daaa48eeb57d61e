// Large arrays on transparent huge pages.  A fresh 4 KiB page costs a page
// fault on first touch, and on a virtual machine a fault is microseconds:
// filling a dictionary of millions of terms, or its hash table, spent more
// time in faults than in copying.  One 2 MiB page takes 512 of them.
#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>
#include <vector>

namespace torchprov::triplestore {

inline constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;

// `bytes` (rounded up to whole huge pages) on huge pages where the kernel
// grants them; freed with std::free.  Not zeroed.
inline void* allocate_huge(std::size_t bytes) {
  const std::size_t rounded = (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
  void* p = std::aligned_alloc(huge_page_bytes, rounded);
  if (!p) throw std::bad_alloc();
  ::madvise(p, rounded, MADV_HUGEPAGE);  // advice only: without it the pages are small
  return p;
}

// A std::vector allocator: arrays of at least two huge pages go on huge
// pages, and elements are default-initialised (no zero fill: every element
// is written before it is read, or the caller fills it).
template <class T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <class U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}
  static bool huge(std::size_t n) { return n * sizeof(T) >= 2 * huge_page_bytes; }
  T* allocate(std::size_t n) {
    if (!huge(n)) return std::allocator<T>().allocate(n);
    return static_cast<T*>(allocate_huge(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (!huge(n)) return std::allocator<T>().deallocate(p, n);
    std::free(p);
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;  // default-initialised: no zero fill
  }
  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

template <class T>
using HugePageVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace torchprov::triplestore
