// torchprov/capture.h — record a libtorch training as PROV-O provenance.
//
// A Recorder turns training hooks (start_run, epochs, metrics, checkpoints,
// evaluations) into RDF statements in the dl: vocabulary over PROV-O and
// pushes them into a Sink.  The training thread only enqueues small events
// into a bounded queue; one writer thread builds the statements, hashes files
// and talks to the sink.  Nothing on the training thread does I/O.
//
//   torchprov::Recorder rec(torchprov::open_file_sink("run.ttl"));
//   rec.start_run(model, optimizer, {.epochs_planned = 10});
//   for (int e = 0; e < 10; ++e) {
//     auto epoch = rec.epoch();
//     ... train ...; epoch.metric("loss", "train", loss);
//   }
//   rec.end_run();
//
// Two libraries: torchprov::capture_core (the recorder, its writer thread and
// the sinks; no libtorch) and torchprov::capture, which adds the start_run
// overload for torch::nn::Module and torch::optim::Optimizer.  Other
// frameworks describe their training with the plain values of
// torchprov/training.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <torchprov/rdf.h>
#include <torchprov/training.h>

namespace torch::nn {
class Module;
}
namespace torch::optim {
class Optimizer;
}
namespace at {
class Tensor;
}

namespace torchprov {


// ---------------------------------------------------------------------- sinks

// A request, made by a person or a rule through the server, to change a
// running training at its next epoch boundary.
struct SteeringRequest {
  std::string iri;             // the dl:AdaptationRequest
  std::string action;          // "set", "stop" or "set_epochs"
  std::string hyperparameter;  // for "set": learning_rate, weight_decay, momentum
  double value = 0;            // new value, or the new epoch count
  int param_group = -1;        // -1: every param group
  std::string reason;
  std::string person;          // who asked, when a person did
  std::string agent;           // IRI of the software agent (a steering rule) that asked, if one did
};

// Where statements go.  Called from the recorder's writer thread only, never
// from the training thread, so implementations may block and do I/O.
class Sink {
 public:
  virtual ~Sink() = default;
  // A batch of statements, grouped by subject.
  virtual void write(std::span<const Statement> batch) = 0;
  // Durability boundary (end of an epoch, of a run): once flush returns,
  // everything written so far survives a crash of the process.
  virtual void flush() = 0;
  // Last call; the sink finishes its output (closes files, delivers spills).
  virtual void close() = 0;
  // Called about ten times a second while no statements come, so a sink can
  // retry deliveries and poll for steering requests between epochs.
  virtual void tick() {}
  // Steering requests for `run_iri` received since the last call (a sink
  // connected to a server polls for them on the writer thread).  Called from
  // the training thread: implementations must not block or do I/O.
  virtual std::vector<SteeringRequest> take_steering_requests(const std::string& run_iri) {
    (void)run_iri;
    return {};
  }
};

enum class FileFormat { turtle, trig, nquads };

// Streaming file sink written through Serd.  After every flush the file is a
// complete, valid document in its syntax.  The format follows the extension
// (.ttl, .trig, .nq) unless given.
std::unique_ptr<Sink> open_file_sink(const std::filesystem::path& path,
                                     std::optional<FileFormat> format = std::nullopt);

// Streams a run to a torchprov server: statements are posted as N-Quads to
// ENDPOINT/data in batches by a sender thread, with retries and exponential
// back-off.  What the server cannot take yet is appended to a local spill
// file (fsync'ed at every flush) and delivered, oldest first, once the server
// answers again; a spill left at close is kept and its path printed so it can
// be imported later (`torchprov import`).  A trainer that was killed leaves
// its spill behind: the next HTTP sink that starts with the default spill
// folder takes over such spills of dead processes and delivers them first.
// Memory stays bounded.  https:// endpoints are verified against the system's CA certificates, or
// ca_file's; a refused certificate (unknown CA, expired, host name mismatch)
// is reported once on stderr and the batches wait in the spill file as for
// any unreachable server.
struct HttpSinkOptions {
  std::string endpoint;    // base URL, e.g. http://127.0.0.1:7878 or https://prov.example.org
  std::filesystem::path ca_file;  // PEM certificates of a private CA for https://
  std::string token;       // bearer token for writes
  std::filesystem::path spill_file;  // default: $TMPDIR/torchprov-spill-<pid>.nq
  std::size_t max_buffer_bytes = std::size_t(4) << 20;
  std::chrono::milliseconds send_interval{1000};
  std::chrono::milliseconds max_backoff{30000};
  std::chrono::milliseconds close_timeout{10000};  // how long close() keeps trying
  // How often the server is asked for steering requests (and at every flush):
  // a request posted during an epoch reaches the next epoch boundary.
  std::chrono::milliseconds poll_interval{250};
};
std::unique_ptr<Sink> open_http_sink(HttpSinkOptions options);
// The first token of a torchprov token file ("TOKEN [PERSON]" lines).
std::string read_token_file(const std::filesystem::path& path);

// ------------------------------------------------------------------ recorder

using HyperparameterValue = std::variant<double, std::int64_t, bool, std::string>;

struct Hyperparameter {
  std::string name;
  HyperparameterValue value;
};

struct DatasetInfo {
  std::string name;   // e.g. "fashion-mnist-train"
  std::string split;  // "train", "val" or "test"
  std::vector<std::filesystem::path> files;  // hashed (sha256) on the writer thread
  std::int64_t num_examples = -1;
  std::string generator_parameters;  // JSON, for datasets a program generated
};

struct RunInfo {
  std::string experiment = "default";
  std::string person;    // who runs it; default: $TORCHPROV_PERSON, else the login name
  std::string program;   // defaults to the executable's name
  std::string version;
  std::string git_commit;
  std::string device = "cpu";
  int epochs_planned = 0;
  std::vector<DatasetInfo> datasets;
  std::vector<Hyperparameter> hyperparameters;  // besides the optimizer's, read automatically
  // With a sample input and a model whose forward is a torch::nn::Sequential,
  // each layer's output shape is recorded.
  const at::Tensor* sample_input = nullptr;
  std::string run_id;  // a random UUID when empty
};

// What the training thread does when the queue is full.  Dropping never
// blocks the trainer; every dropped event is counted and the count is
// recorded on the run (dl:droppedEvents).
enum class OverflowPolicy { drop, block };

struct RecorderOptions {
  std::size_t queue_capacity = 1 << 16;
  OverflowPolicy overflow = OverflowPolicy::drop;
  int step_every = 0;  // record a dl:Step with the batch loss every N batches (0: off)
  std::string base_iri = "https://w3id.org/torchprov/";
};

struct RecorderStats {
  std::uint64_t enqueued = 0;
  std::uint64_t dropped = 0;
  std::uint64_t statements = 0;  // written to the sink so far
};

class Recorder;

// One epoch in progress; ends (a durability boundary) when destroyed.
class EpochScope {
 public:
  EpochScope(EpochScope&& other) noexcept;
  EpochScope& operator=(EpochScope&&) = delete;
  ~EpochScope();
  void metric(std::string_view name, std::string_view split, double value);
  void metric(std::string_view name, std::string_view split, std::shared_ptr<PendingValue> value);
  int number() const { return number_; }

 private:
  friend class Recorder;
  EpochScope(Recorder* recorder, int number) : recorder_(recorder), number_(number) {}
  Recorder* recorder_;
  int number_;
};

class Recorder {
 public:
  explicit Recorder(std::unique_ptr<Sink> sink, RecorderOptions options = {});
  ~Recorder();  // ends an open run as "failed", drains the queue, closes the sink
  Recorder(const Recorder&) = delete;
  Recorder& operator=(const Recorder&) = delete;

  // Records the run, its agents, datasets, architecture and every optimizer
  // param group's hyperparameters.  Returns the run IRI.  (Defined in
  // torchprov::capture, the libtorch adapter.)
  std::string start_run(const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                        RunInfo info);
  // The same for a training described as plain values (torchprov/training.h);
  // the recorder owns the optimizer access until the next run starts.
  std::string start_run(TrainingDescription training, RunInfo info);

  // Begins the next epoch (numbered from 1).  At this boundary the recorder
  // applies pending steering requests to the optimizer and records schedule
  // changes; check should_stop() and epochs_planned() in the loop condition.
  EpochScope epoch();
  void metric(std::string_view name, std::string_view split, double value);  // current epoch
  void metric(std::string_view name, std::string_view split, std::shared_ptr<PendingValue> value);
  void end_epoch();
  void step(double loss);  // call every batch; sampled by RecorderOptions::step_every
  // step() in two halves, for a loss that costs something to read: counts
  // the batch and says whether it is sampled; then record_step() its loss.
  bool count_step();
  void record_step(double loss);
  void record_step(std::shared_ptr<PendingValue> loss);

  // Records a checkpoint file written by the trainer in the current epoch.
  void checkpoint(const std::filesystem::path& path, bool best = false);
  // A validation or test evaluation outside the epoch loop.
  void evaluation(std::string_view split, std::string_view dataset,
                  std::vector<std::pair<std::string, double>> metrics);
  void evaluation(std::string_view split, std::string_view dataset,
                  std::vector<std::pair<std::string, std::shared_ptr<PendingValue>>> metrics);
  // "completed" becomes "stopped" when a steering request stopped the run.
  void end_run(std::string_view status = "completed");
  // Ends the run as `status` ("failed", "interrupted") because of an error,
  // whose type (e.g. an exception class) and message are recorded.
  void end_run(std::string_view status, std::string_view error_type, std::string_view error_message);

  // A steering request asked the run to stop (after the epoch in progress).
  bool should_stop() const;
  // The planned number of epochs; a steering request may change it.
  int epochs_planned() const;

  bool run_open() const;  // between start_run and end_run
  const std::string& run_iri() const;
  const std::string& graph_iri() const;
  int current_epoch() const;
  RecorderStats stats() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace torchprov
