#include "metrics.h"

#include <sstream>

namespace torchprov::endpoint {

void Metrics::record(const std::string& route, unsigned status, std::chrono::duration<double> latency) {
  std::lock_guard lock(mutex_);
  ++requests_[{route, status}];
  auto& h = latency_[route];
  for (std::size_t i = 0; i < bucket_bounds.size(); ++i)
    if (latency.count() <= bucket_bounds[i]) ++h.buckets[i];
  ++h.count;
  h.sum += latency.count();
}

std::string Metrics::render(const std::string& store_lines) const {
  std::ostringstream out;
  std::lock_guard lock(mutex_);
  out << "# HELP torchprov_http_requests_total HTTP requests by route and status.\n"
         "# TYPE torchprov_http_requests_total counter\n";
  for (const auto& [key, count] : requests_)
    out << "torchprov_http_requests_total{route=\"" << key.first << "\",status=\"" << key.second << "\"} " << count
        << "\n";
  out << "# HELP torchprov_http_request_duration_seconds Request latency by route.\n"
         "# TYPE torchprov_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : latency_) {
    for (std::size_t i = 0; i < bucket_bounds.size(); ++i)
      out << "torchprov_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"" << bucket_bounds[i]
          << "\"} " << h.buckets[i] << "\n";
    out << "torchprov_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"+Inf\"} " << h.count << "\n"
        << "torchprov_http_request_duration_seconds_sum{route=\"" << route << "\"} " << h.sum << "\n"
        << "torchprov_http_request_duration_seconds_count{route=\"" << route << "\"} " << h.count << "\n";
  }
  const double uptime = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  const auto ingested = ingested_.load();
  out << store_lines
      << "# HELP torchprov_ingested_triples_total Triples written through /data and updates.\n"
         "# TYPE torchprov_ingested_triples_total counter\n"
      << "torchprov_ingested_triples_total " << ingested << "\n"
      << "# HELP torchprov_ingest_rate_triples_per_second Mean ingest rate since start.\n"
         "# TYPE torchprov_ingest_rate_triples_per_second gauge\n"
      << "torchprov_ingest_rate_triples_per_second " << (uptime > 0 ? double(ingested) / uptime : 0) << "\n"
      << "# HELP torchprov_uptime_seconds Seconds since the server started.\n# TYPE torchprov_uptime_seconds gauge\n"
      << "torchprov_uptime_seconds " << uptime << "\n";
  return out.str();
}

}  // namespace torchprov::endpoint
