// What the training thread hands to the writer thread: plain data, cheap to
// build, no RDF and no I/O.  provenance.cpp turns each event into statements.
#pragma once

#include <torchprov/capture.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace torchprov::detail {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// A metric value.  `pending` is set while the value is on its way (a GPU
// copy); the writer thread waits for it and fills `value` before it
// translates the event.
struct MetricNumber {
  MetricNumber(double v = 0) : value(v) {}  // NOLINT: a number is a metric value
  MetricNumber(std::shared_ptr<PendingValue> p) : pending(std::move(p)) {}  // NOLINT
  double value = 0;
  std::shared_ptr<PendingValue> pending;
};

struct LayerInfo {
  std::string name;  // qualified name from named_modules(), e.g. "features.0"
  std::string type;  // e.g. "Conv2d"
  std::int64_t num_parameters = -1;  // -1: not known (an imported layer)
  std::string parameter_shapes;  // "weight[64,1,3,3] bias[64]"
  std::string output_shape;      // "[1,64,28,28]" when a sample input was given
  std::string configuration;     // "activation=relu", as another tool recorded it
};

// The host a run trained on.  An empty hostname: not known (an imported run).
struct MachineInfo {
  std::string hostname;
  std::string cpu;
  int num_cpus = 0;
  std::int64_t memory_bytes = 0;
  std::vector<std::string> gpus;  // one entry per GPU
};

// One optimizer hyperparameter of one param group.
struct OptimizerSetting {
  int param_group = 0;
  std::string name;  // learning_rate, momentum, beta1, ...
  HyperparameterValue value;
};

struct RunStarted {
  TimePoint time;
  std::string run_id;
  RunInfo info;  // sample_input is cleared: never dereferenced off the training thread
  std::string optimizer_type;
  int num_param_groups = 0;
  std::vector<OptimizerSetting> optimizer_settings;
  std::vector<LayerInfo> layers;
  std::int64_t num_parameters = -1;  // -1: not known (an imported run)
  std::int64_t trainable_parameters = -1;
  std::string libtorch_version;  // empty: not known; for a Python trainer the torch package's
  std::string python_version;    // empty: not a Python trainer
  MachineInfo machine;
};

struct EpochBegan {
  TimePoint time;
  int epoch;
};
struct EpochEnded {
  TimePoint time;
  int epoch;
  std::optional<double> duration_seconds;  // as another tool measured it
};
struct MetricLogged {
  TimePoint time;
  int epoch;
  std::string name;
  std::string split;
  MetricNumber value;
};
struct StepSampled {
  TimePoint time;
  int epoch;
  std::int64_t step;
  MetricNumber loss;
};
struct CheckpointSaved {
  TimePoint time;
  int epoch;
  std::filesystem::path path;
  bool best;
};
struct EvaluationDone {
  TimePoint started;
  TimePoint ended;
  int epoch;
  std::string split;
  std::string dataset;
  std::vector<std::pair<std::string, MetricNumber>> metrics;
};
// Settings changed between epochs: by a steering request (request_iri and
// person set) or by the program itself, e.g. a schedule (both empty; a
// named scheduler, such as the callback another tool logged, is an agent
// of its own).
// param_group -1 marks a run-level setting such as "epochs".
struct AdaptationApplied {
  TimePoint time;
  int epoch;  // the epoch that first uses the new values
  std::string action = "set";
  std::string request_iri;
  std::string person;
  std::string reason;
  std::vector<std::pair<OptimizerSetting, OptimizerSetting>> changes;  // old, new
  std::string agent_iri;  // a steering rule that asked instead of a person
  std::string scheduler;  // the program's schedule that changed it, when known by name
};
// A steering request the trainer could not apply.
struct RequestRejected {
  TimePoint time;
  int epoch;
  std::string request_iri;
  std::string reason;
};
// A value another tool recorded (an imported column or table) that the dl:
// vocabulary has no term for: kept under its own name.
struct ValueRecorded {
  std::optional<TimePoint> time;
  int epoch = 0;        // 0: the run as a whole
  std::string table;    // where it came from, e.g. "ds_ofilters"
  std::string key;      // the row, unique within the table
  std::string name;     // the column
  HyperparameterValue value;
  bool input = false;   // read by the run or epoch (else produced by it)
};
struct RunEnded {
  TimePoint time;
  std::string status;
  std::uint64_t dropped_events;
  std::string error_type;  // why a failed run failed, when known
  std::string error_message;
};

using Event = std::variant<RunStarted, EpochBegan, EpochEnded, MetricLogged, StepSampled,
                           CheckpointSaved, EvaluationDone, AdaptationApplied, RequestRejected, ValueRecorded,
                           RunEnded>;

}  // namespace torchprov::detail
