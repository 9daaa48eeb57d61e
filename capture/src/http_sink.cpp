// The HTTP sink: N-Quads batches POSTed to ENDPOINT/data, a local spill file
// for whatever the server cannot take yet.  It runs on the recorder's writer
// thread, so a slow or absent server delays provenance, never training.
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <mutex>
#include <set>
#include <utility>

#include "http_client.h"
#include "lexical.h"
#include "serd_writer.h"

namespace torchprov {
namespace {

using Clock = std::chrono::steady_clock;

class HttpSink final : public Sink {
 public:
  explicit HttpSink(HttpSinkOptions options) : options_(std::move(options)), url_(detail::HttpUrl::parse(options_.endpoint)) {
    if (options_.spill_file.empty()) {
      options_.spill_file =
          std::filesystem::temp_directory_path() / ("torchprov-spill-" + std::to_string(::getpid()) + ".nq");
      shared_folder_ = true;
      adopt_orphaned_spills();
    }
    last_send_ = Clock::now();
  }
  ~HttpSink() override { close(); }

  void write(std::span<const Statement> batch) override {
    {
      detail::SerdStreamWriter writer(pending_, FileFormat::nquads);
      for (const auto& statement : batch) writer.write(statement);
    }
    if (pending_.size() >= options_.max_buffer_bytes) {
      if (!deliver()) spill();
    } else if (Clock::now() - last_send_ >= options_.send_interval) {
      deliver();
    }
    poll_steering_when_due();
  }

  // Durable once this returns: delivered to the server, or in the spill file.
  void flush() override {
    if (!deliver()) spill();
    poll_steering();
  }

  void tick() override {
    if (Clock::now() - last_send_ >= options_.send_interval) {
      deliver();
      last_send_ = Clock::now();
    }
    poll_steering_when_due();
  }

  std::vector<SteeringRequest> take_steering_requests(const std::string& run_iri) override {
    std::lock_guard lock(steering_mutex_);
    run_iri_ = run_iri;
    return std::exchange(inbox_, {});
  }

  void close() override {
    if (closed_) return;
    closed_ = true;
    close_deadline_ = Clock::now() + options_.close_timeout;
    while (!deliver(/*ignore_backoff=*/true) && Clock::now() < close_deadline_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    if (!pending_.empty()) spill();
    std::error_code ec;
    if (shared_folder_ && spilled_bytes() == 0) {
      std::filesystem::remove(options_.spill_file, ec);
      std::filesystem::remove(endpoint_note(options_.spill_file), ec);
    }
    if (spilled_bytes() > 0) {
      std::cerr << "torchprov: the server at " << options_.endpoint << " did not take all provenance; "
                << "it is kept in " << options_.spill_file.string() << " (torchprov import --store DIR "
                << options_.spill_file.string() << ")\n";
    }
  }

 private:
  std::uint64_t spilled_bytes() const {
    std::error_code ec;
    const auto size = std::filesystem::file_size(options_.spill_file, ec);
    return ec ? 0 : size;
  }

  // Beside a spill in the shared folder: the server it was meant for, so
  // that only a sink sending to the same server takes it over.
  static std::filesystem::path endpoint_note(const std::filesystem::path& spill) {
    return spill.string() + ".endpoint";
  }

  // Appends `text` to the spill file and syncs it.
  void append_to_spill(std::string_view text) {
    if (shared_folder_ && !noted_) {
      std::ofstream(endpoint_note(options_.spill_file), std::ios::trunc) << options_.endpoint;
      noted_ = true;
    }
    const int fd = ::open(options_.spill_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write spill file " + options_.spill_file.string());
    bool ok = true;
    while (ok && !text.empty()) {
      const ssize_t n = ::write(fd, text.data(), text.size());
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0;
      if (ok) text.remove_prefix(std::size_t(n));
    }
    ok = ok && ::fdatasync(fd) == 0;
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write spill file " + options_.spill_file.string());
  }

  void spill() {
    if (pending_.empty()) return;
    append_to_spill(pending_);
    pending_.clear();
  }

  // Spills in the spill folder whose trainer has died (killed before it
  // could deliver them) become part of this sink's spill.  A trainer killed
  // while it wrote may have left half a line at the end: only whole lines
  // (whole statements) are taken.  Renaming claims a spill, so two sinks
  // starting at once never both take it.
  void adopt_orphaned_spills() {
    std::error_code ec;
    const auto folder = options_.spill_file.parent_path();
    for (const auto& entry : std::filesystem::directory_iterator(folder, ec)) {
      const std::string name = entry.path().filename().string();
      constexpr std::string_view prefix = "torchprov-spill-", suffix = ".nq";
      if (!name.starts_with(prefix) || !name.ends_with(suffix)) continue;
      const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) continue;
      const long pid = std::strtol(digits.c_str(), nullptr, 10);
      if (pid == ::getpid() || pid <= 0 || ::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;
      // A spill meant for another server stays where it is.
      std::string meant_for;
      std::getline(std::ifstream(endpoint_note(entry.path())), meant_for);
      if (meant_for != options_.endpoint) continue;
      const auto claimed = options_.spill_file.string() + ".adopting";
      if (::rename(entry.path().c_str(), claimed.c_str()) != 0) continue;  // another sink took it
      std::string text;
      {
        std::ifstream in(claimed, std::ios::binary);
        std::ostringstream all;
        all << in.rdbuf();
        text = all.str();
      }
      text.resize(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
      append_to_spill(text);
      std::filesystem::remove(claimed, ec);
      std::filesystem::remove(endpoint_note(entry.path()), ec);
    }
  }

  bool post(const std::string& nquads) {
    // A server that takes the connection and never answers costs the
    // sender thread this long, not for good; a large batch (the spill after
    // an outage runs to megabytes) gets the time a slow link needs to carry
    // it.  Once closing, no attempt outlasts close_timeout by more than the
    // base timeout: the trainer waits for close().
    auto timeout = send_timeout + detail::time_to_send(nquads.size());
    if (closed_) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(close_deadline_ - Clock::now());
      timeout = std::max(send_timeout, std::min(timeout, left));
    }
    const auto reply = detail::http_request(url_, "POST", "/data", "application/n-quads", nquads, options_.token,
                                            timeout, {}, {options_.ca_file});
    if (reply.status == 0 && reply.error.starts_with("TLS handshake")) {
      // A server that cannot be trusted does not go away by itself: say why,
      // once per reason, while the provenance waits in the spill file.
      if (reply.error != last_tls_error_)
        std::cerr << "torchprov: " << reply.error << "; provenance waits in " << options_.spill_file.string() << "\n";
      last_tls_error_ = reply.error;
    }
    if (reply.status >= 200 && reply.status < 300) {
      last_tls_error_.clear();
      return true;
    }
    if (reply.status == 401 || reply.status == 403 || reply.status == 400 || reply.status == 413) {
      // Not a passing outage: say so once, keep the data in the spill file.
      if (!warned_) {
        std::cerr << "torchprov: " << options_.endpoint << " refused provenance (HTTP " << reply.status << "): "
                  << reply.body;
        warned_ = true;
      }
    }
    return false;
  }

  // Sends the spill (oldest first), then the pending batch.  False when the
  // server is unreachable or in back-off; nothing is lost either way.
  bool deliver(bool ignore_backoff = false) {
    const auto now = Clock::now();
    if (!ignore_backoff && now < retry_after_) return false;
    last_send_ = now;
    if (spilled_bytes() > 0) {
      std::ifstream in(options_.spill_file, std::ios::binary);
      std::ostringstream spilled;
      spilled << in.rdbuf();
      if (!post(spilled.str())) return back_off();
      std::filesystem::resize_file(options_.spill_file, 0);
    }
    if (!pending_.empty()) {
      if (!post(pending_)) return back_off();
      pending_.clear();
    }
    backoff_ = std::chrono::milliseconds(0);
    return true;
  }

  bool back_off() {
    backoff_ = std::min(options_.max_backoff, std::max(std::chrono::milliseconds(250), backoff_ * 2));
    retry_after_ = Clock::now() + backoff_;
    return false;
  }

  void poll_steering_when_due() {
    if (Clock::now() - last_poll_ >= options_.poll_interval) poll_steering();
  }

  // Asks the server for pending requests of the run; they wait in the inbox
  // until the training thread takes them at its next epoch boundary.
  void poll_steering() {
    last_poll_ = Clock::now();
    std::string run;
    {
      std::lock_guard lock(steering_mutex_);
      run = run_iri_;
    }
    if (run.empty() || Clock::now() < retry_after_) return;
    const auto reply = detail::http_request(url_, "GET", "/api/adaptations?status=pending&run=" + detail::iri_segment(run), "",
                                            "", options_.token, std::chrono::milliseconds(3000),
                                            "text/tab-separated-values", {options_.ca_file});
    if (reply.status != 200) return;
    std::vector<SteeringRequest> fresh;
    std::istringstream lines(reply.body);
    std::string line;
    while (std::getline(lines, line)) {
      // request, action, hyperparameter, value, param_group, person, reason[, agent]
      std::vector<std::string> fields;
      std::size_t start = 0;
      for (std::size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1)
        fields.push_back(line.substr(start, tab - start));
      fields.push_back(line.substr(start));
      if (fields.size() < 7 || fields[0] == "request" || !seen_.insert(fields[0]).second) continue;
      SteeringRequest request;
      request.iri = fields[0];
      request.action = fields[1];
      request.hyperparameter = fields[2];
      request.value = fields[3].empty() ? 0 : std::strtod(fields[3].c_str(), nullptr);
      request.param_group = fields[4].empty() ? -1 : std::atoi(fields[4].c_str());
      request.person = unescape(fields[5]);
      request.reason = unescape(fields[6]);
      if (fields.size() > 7) request.agent = unescape(fields[7]);
      fresh.push_back(std::move(request));
    }
    std::lock_guard lock(steering_mutex_);
    for (auto& r : fresh) inbox_.push_back(std::move(r));
  }

  // The server escapes tabs, newlines and backslashes in free text.
  static std::string unescape(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '\\' && i + 1 < text.size()) {
        const char c = text[++i];
        out.push_back(c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c);
      } else {
        out.push_back(text[i]);
      }
    }
    return out;
  }

  HttpSinkOptions options_;
  detail::HttpUrl url_;
  std::mutex steering_mutex_;
  std::string run_iri_;
  std::vector<SteeringRequest> inbox_;
  std::set<std::string> seen_;
  std::string pending_;
  static constexpr std::chrono::milliseconds send_timeout{5000};
  Clock::time_point last_send_, last_poll_{}, retry_after_{}, close_deadline_{};
  std::chrono::milliseconds backoff_{0};
  bool closed_ = false;
  bool warned_ = false;
  bool shared_folder_ = false;  // the default spill folder, shared by every trainer
  bool noted_ = false;          // the spill's endpoint note is written
  std::string last_tls_error_;
};

}  // namespace

std::unique_ptr<Sink> open_http_sink(HttpSinkOptions options) {
  return std::make_unique<HttpSink>(std::move(options));
}

std::string read_token_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read token file " + path.string());
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string token;
    if (fields >> token && !token.starts_with('#')) return token;
  }
  throw std::runtime_error("token file " + path.string() + " holds no token");
}

}  // namespace torchprov
