// Request counters and latency histograms, written in the Prometheus text
// exposition format at /metrics.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace torchprov::endpoint {

class Metrics {
 public:
  void record(const std::string& route, unsigned status, std::chrono::duration<double> latency);
  void add_ingested(std::uint64_t triples) { ingested_.fetch_add(triples, std::memory_order_relaxed); }
  // Prometheus text; the store's own lines (complete, with HELP and TYPE)
  // are passed in by the caller.
  std::string render(const std::string& store_lines) const;

 private:
  static constexpr std::array<double, 12> bucket_bounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1,    2.5,   10};
  struct Histogram {
    std::array<std::uint64_t, bucket_bounds.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, unsigned>, std::uint64_t> requests_;
  std::map<std::string, Histogram> latency_;
  std::atomic<std::uint64_t> ingested_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace torchprov::endpoint
