// A bounded multi-producer / single-consumer queue.  Producers either give up
// (try_push) or wait (push) when it is full; the consumer takes everything
// queued at once so the writer thread works in batches.  A producer wakes the
// consumer only for urgent items or once a batch has gathered: waking a thread
// per event costs the trainer more than the event itself.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <vector>

namespace torchprov::detail {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  bool try_push(T&& item, bool urgent = true) {
    bool wake;
    {
      std::lock_guard lock(mutex_);
      if (items_.size() >= capacity_ || closed_) return false;
      items_.push_back(std::move(item));
      wake = urgent || items_.size() >= wake_batch();
    }
    if (wake) not_empty_.notify_one();
    return true;
  }

  bool push(T&& item, bool urgent = true) {
    bool wake;
    {
      std::unique_lock lock(mutex_);
      not_full_.wait(lock, [&] { return items_.size() < capacity_ || closed_; });
      if (closed_) return false;
      items_.push_back(std::move(item));
      wake = urgent || items_.size() >= wake_batch();
    }
    if (wake) not_empty_.notify_one();
    return true;
  }

  // Waits until an urgent item arrives, a batch gathers, the queue closes or
  // `patience` passes, then takes whatever is queued (possibly nothing);
  // returns false once closed and drained.
  bool pop_all(std::vector<T>& out, std::chrono::milliseconds patience = std::chrono::milliseconds(500)) {
    std::unique_lock lock(mutex_);
    if (items_.empty() && !closed_) not_empty_.wait_for(lock, patience);
    if (items_.empty()) return !closed_;
    out.insert(out.end(), std::make_move_iterator(items_.begin()),
               std::make_move_iterator(items_.end()));
    items_.clear();
    lock.unlock();
    not_full_.notify_all();
    return true;
  }

  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::size_t wake_batch() const { return capacity_ / 8 + 1; }

  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  std::size_t capacity_;
  bool closed_ = false;
};

}  // namespace torchprov::detail
