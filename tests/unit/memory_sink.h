// A sink that keeps what the recorder's writer thread delivers, for the
// recorder tests; optionally slow (to fill the queue) and holding steering
// requests that it hands out at the next epoch boundary.
#pragma once

#include <torchprov/capture.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace test_support {

inline const std::string prov = "http://www.w3.org/ns/prov#";
inline const std::string dl = "https://w3id.org/torchprov/dl#";
inline const std::string xsd = "http://www.w3.org/2001/XMLSchema#";
inline const std::string rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";

struct Collected {
  std::mutex mutex;
  std::vector<torchprov::Statement> statements;
  int flushes = 0;
  std::vector<torchprov::SteeringRequest> requests;
};

class MemorySink : public torchprov::Sink {
 public:
  explicit MemorySink(std::shared_ptr<Collected> out, std::chrono::milliseconds delay = {})
      : out_(std::move(out)), delay_(delay) {}
  void write(std::span<const torchprov::Statement> batch) override {
    std::this_thread::sleep_for(delay_);
    std::lock_guard lock(out_->mutex);
    out_->statements.insert(out_->statements.end(), batch.begin(), batch.end());
  }
  void flush() override {
    std::lock_guard lock(out_->mutex);
    ++out_->flushes;
  }
  void close() override {}
  std::vector<torchprov::SteeringRequest> take_steering_requests(const std::string&) override {
    std::lock_guard lock(out_->mutex);
    return std::exchange(out_->requests, {});
  }

 private:
  std::shared_ptr<Collected> out_;
  std::chrono::milliseconds delay_;
};

inline std::vector<const torchprov::Statement*> find(const std::vector<torchprov::Statement>& all,
                                                     const std::string& subject, const std::string& predicate) {
  std::vector<const torchprov::Statement*> out;
  for (const auto& s : all)
    if ((subject.empty() || s.subject.value == subject) && s.predicate.value == predicate) out.push_back(&s);
  return out;
}

inline bool has(const std::vector<torchprov::Statement>& all, const std::string& s, const std::string& p,
                const std::string& o) {
  return std::any_of(all.begin(), all.end(), [&](const torchprov::Statement& st) {
    return st.subject.value == s && st.predicate.value == p && st.object.value == o;
  });
}

// The first object of (s, p), or "" when there is none.
inline std::string object_of(const std::vector<torchprov::Statement>& all, const std::string& s, const std::string& p) {
  for (const auto& st : all)
    if (st.subject.value == s && st.predicate.value == p) return st.object.value;
  return {};
}

inline long count_type(const std::vector<torchprov::Statement>& all, const std::string& cls) {
  return std::count_if(all.begin(), all.end(), [&](const torchprov::Statement& s) {
    return s.predicate.value == rdf_type && s.object.value == cls;
  });
}

}  // namespace test_support
