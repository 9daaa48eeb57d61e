// The recorder: training-thread API in front of a bounded event queue, and
// the writer thread that turns events into statements for the sink.  No
// libtorch here: frameworks describe their training with training.h.
#include <atomic>
#include <cstdlib>
#include <map>
#include <thread>

#include "bounded_queue.h"
#include "events.h"
#include "lexical.h"
#include "optimizer_settings.h"
#include "provenance.h"

namespace torchprov {

using detail::Clock;
using detail::Event;

namespace {

class ReadyValue final : public PendingValue {
 public:
  explicit ReadyValue(double value) : value_(value) {}
  bool ready() override { return true; }
  double read() override { return value_; }

 private:
  double value_;
};

// How long the writer waits for a pending value before it gives up on it
// and counts it as dropped: a device that never gets there has stopped the
// training too.  Once the recorder is closing, it waits a little only.
constexpr auto pending_patience = std::chrono::minutes(10);
constexpr auto pending_patience_when_closing = std::chrono::seconds(10);

// "[1,64,28,28]"
std::string shape_text(const std::vector<std::int64_t>& sizes) {
  std::string out = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) out.append(i ? "," : "").append(std::to_string(sizes[i]));
  return out.append("]");
}

detail::LayerInfo layer_info(const LayerDescription& layer) {
  detail::LayerInfo info;
  info.name = layer.name;
  info.type = layer.type;
  info.num_parameters = 0;
  for (const auto& [name, shape] : layer.parameters) {
    std::int64_t count = 1;
    for (const auto size : shape) count *= size;
    info.num_parameters += count;
    // "weight[64,1,3,3] bias[64]"
    info.parameter_shapes.append(info.parameter_shapes.empty() ? "" : " ").append(name).append(shape_text(shape));
  }
  if (layer.output_shape) info.output_shape = shape_text(*layer.output_shape);
  return info;
}

}  // namespace

std::shared_ptr<PendingValue> ready_value(double value) { return std::make_shared<ReadyValue>(value); }

struct Recorder::Impl {
  explicit Impl(std::unique_ptr<Sink> s, RecorderOptions o)
      : options(std::move(o)), sink(std::move(s)), queue(options.queue_capacity),
        builder(options.base_iri) {
    writer = std::thread([this] { write_loop(); });
  }

  // Training thread: never blocks unless the policy says so.  Only events that
  // end a unit of work wake the writer; the rest wait for the next batch.
  void enqueue(Event&& event, bool must_deliver = false) {
    enqueued.fetch_add(1, std::memory_order_relaxed);
    const bool urgent = detail::ProvenanceBuilder::ends_unit_of_work(event);
    const bool ok = (must_deliver || options.overflow == OverflowPolicy::block)
                        ? queue.push(std::move(event), urgent)
                        : queue.try_push(std::move(event), urgent);
    if (!ok) dropped.fetch_add(1, std::memory_order_relaxed);
  }

  // Writer thread.
  void write_loop() {
    std::vector<Event> events;
    std::vector<Statement> batch;
    // Woken by urgent events and batches, else ten times a second: the sink's
    // tick polls for steering requests often enough to meet the next epoch.
    while (queue.pop_all(events, std::chrono::milliseconds(100))) {
      if (events.empty()) {
        try {
          sink->tick();
        } catch (const std::exception&) {
          sink_errors.fetch_add(1, std::memory_order_relaxed);
        }
        continue;
      }
      bool flush = false;
      for (auto& event : events) {
        if (!settle(event)) continue;
        builder.translate(event, batch);
        flush = flush || detail::ProvenanceBuilder::ends_unit_of_work(event);
      }
      events.clear();
      try {
        sink->write(batch);
        statements.fetch_add(batch.size(), std::memory_order_relaxed);
        if (flush) sink->flush();
      } catch (const std::exception& error) {
        // Provenance must never take the training down: count and go on.
        sink_errors.fetch_add(1, std::memory_order_relaxed);
        if (sink_errors.load() == 1) std::fprintf(stderr, "torchprov: sink error: %s\n", error.what());
      }
      batch.clear();
    }
    try {
      sink->close();
    } catch (const std::exception& error) {
      std::fprintf(stderr, "torchprov: sink error on close: %s\n", error.what());
    }
  }

  // Writer thread: waits for the event's pending metric values (polling,
  // never blocking the trainer) and fills them in.  False when one never
  // arrived: the event is dropped and counted.
  bool settle(Event& event) {
    bool complete = true;
    auto wait_for = [&](detail::MetricNumber& number) {
      if (!number.pending) return;
      const auto started = std::chrono::steady_clock::now();
      auto pause = std::chrono::microseconds(100);
      try {
        while (!number.pending->ready()) {
          const auto waited = std::chrono::steady_clock::now() - started;
          if (waited > pending_patience || (closing.load() && waited > pending_patience_when_closing)) {
            complete = false;
            return;
          }
          std::this_thread::sleep_for(pause);
          pause = std::min(pause * 2, std::chrono::microseconds(5000));
        }
        number.value = number.pending->read();
      } catch (const std::exception& error) {
        std::fprintf(stderr, "torchprov: a metric value could not be read: %s\n", error.what());
        complete = false;
      }
      number.pending.reset();
    };
    if (auto* metric = std::get_if<detail::MetricLogged>(&event)) wait_for(metric->value);
    if (auto* step = std::get_if<detail::StepSampled>(&event)) wait_for(step->loss);
    if (auto* evaluation = std::get_if<detail::EvaluationDone>(&event))
      for (auto& [name, number] : evaluation->metrics) wait_for(number);
    if (!complete) dropped.fetch_add(1, std::memory_order_relaxed);
    return complete;
  }

  // Training thread, at an epoch boundary: a setting that changed since the
  // last epoch without a request was changed by the program (a schedule) and
  // is an adaptation by the trainer; then pending steering requests apply.
  void adapt(int epoch, Clock::time_point now);
  void apply_steering(int epoch, Clock::time_point now);

  void shutdown() {
    closing = true;
    queue.close();
    if (writer.joinable()) writer.join();
  }

  RecorderOptions options;
  std::unique_ptr<Sink> sink;
  detail::BoundedQueue<Event> queue;
  detail::ProvenanceBuilder builder;  // writer thread only
  std::thread writer;

  std::atomic<std::uint64_t> enqueued{0}, dropped{0}, statements{0}, sink_errors{0};
  std::atomic<bool> closing{false};

  // Training-thread state.
  std::unique_ptr<OptimizerAccess> optimizer;
  std::vector<detail::OptimizerSetting> settings_in_force;
  std::string run_iri, graph_iri;
  bool run_open = false;
  bool epoch_open = false;
  bool stop_requested = false;
  int epochs_planned = 0;
  int epoch = 0;
  std::int64_t step = 0;
};

Recorder::Recorder(std::unique_ptr<Sink> sink, RecorderOptions options)
    : impl_(std::make_unique<Impl>(std::move(sink), std::move(options))) {}

Recorder::~Recorder() {
  if (impl_->run_open) end_run(std::uncaught_exceptions() > 0 ? "failed" : "aborted");
  impl_->shutdown();
}

std::string Recorder::start_run(TrainingDescription training, RunInfo info) {
  if (impl_->run_open) end_run("aborted");
  detail::RunStarted event;
  event.time = Clock::now();
  event.run_id = info.run_id.empty() ? detail::random_uuid() : info.run_id;
  if (info.person.empty()) info.person = detail::default_person();
  if (info.program.empty()) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    info.program = ec ? "libtorch-trainer" : exe.filename().string();
  }
  info.sample_input = nullptr;
  for (const auto& layer : training.layers) event.layers.push_back(layer_info(layer));
  event.num_parameters = training.num_parameters;
  event.trainable_parameters = training.trainable_parameters;
  if (training.optimizer) {
    event.optimizer_type = training.optimizer->type();
    event.optimizer_settings = detail::read_settings(*training.optimizer);
    event.num_param_groups = int(training.optimizer->param_groups().size());
  }
  event.libtorch_version = std::move(training.torch_version);
  event.python_version = std::move(training.python_version);
  event.machine = detail::this_machine();
  event.machine.gpus = std::move(training.gpus);
  // The optimizer and the planned length are hyperparameters of the run too.
  auto has = [&](std::string_view name) {
    for (const auto& h : info.hyperparameters)
      if (h.name == name) return true;
    return false;
  };
  if (!has("optimizer") && training.optimizer) info.hyperparameters.push_back({"optimizer", event.optimizer_type});
  if (!has("epochs") && info.epochs_planned > 0)
    info.hyperparameters.push_back({"epochs", std::int64_t(info.epochs_planned)});
  event.info = std::move(info);

  impl_->optimizer = std::move(training.optimizer);
  impl_->settings_in_force = event.optimizer_settings;
  impl_->run_iri = impl_->options.base_iri + (impl_->options.base_iri.ends_with('/') ? "" : "/") +
                   "run/" + event.run_id;
  impl_->graph_iri = impl_->run_iri + "/bundle";
  impl_->run_open = true;
  impl_->stop_requested = false;
  impl_->epochs_planned = event.info.epochs_planned;
  impl_->epoch = 0;
  impl_->step = 0;
  impl_->enqueue(std::move(event), /*must_deliver=*/true);
  return impl_->run_iri;
}

EpochScope Recorder::epoch() {
  if (impl_->epoch_open) end_epoch();
  const int number = ++impl_->epoch;
  const auto now = Clock::now();
  impl_->adapt(number, now);
  impl_->enqueue(detail::EpochBegan{now, number});
  impl_->epoch_open = true;
  return EpochScope(this, number);
}

void Recorder::Impl::adapt(int epoch, Clock::time_point now) {
  if (optimizer) {
    // Settings are compared by param group and name: a key that appears or
    // goes away between epochs is not a change of another one.
    auto current = detail::read_settings(*optimizer);
    std::map<std::pair<int, std::string>, const detail::OptimizerSetting*> before;
    for (const auto& s : settings_in_force) before[{s.param_group, s.name}] = &s;
    detail::AdaptationApplied scheduled;
    scheduled.time = now;
    scheduled.epoch = epoch;
    for (const auto& s : current) {
      const auto it = before.find({s.param_group, s.name});
      if (it != before.end() && it->second->value != s.value) scheduled.changes.emplace_back(*it->second, s);
    }
    if (!scheduled.changes.empty()) enqueue(std::move(scheduled));
    settings_in_force = std::move(current);
  }
  apply_steering(epoch, now);
}

void Recorder::Impl::apply_steering(int epoch, Clock::time_point now) {
  for (auto& request : sink->take_steering_requests(run_iri)) {
    std::string refusal;
    detail::AdaptationApplied applied{now,   epoch, request.action, request.iri, request.person, request.reason, {},
                                      request.agent, {}};
    if (request.action == "set") {
      if (!optimizer) {
        refusal = "the run has no optimizer whose settings could change";
      } else {
        const auto before = settings_in_force;
        refusal = detail::apply_setting(*optimizer, request.hyperparameter, request.value, request.param_group);
        if (refusal.empty()) {
          auto after = detail::read_settings(*optimizer);
          for (std::size_t i = 0; i < after.size() && i < before.size(); ++i)
            if (after[i].name == before[i].name && after[i].param_group == before[i].param_group &&
                after[i].value != before[i].value)
              applied.changes.emplace_back(before[i], after[i]);
          settings_in_force = std::move(after);  // not a schedule change
        }
      }
    } else if (request.action == "stop") {
      stop_requested = true;
    } else if (request.action == "set_epochs") {
      const auto epochs = static_cast<std::int64_t>(request.value);
      if (double(epochs) != request.value || epochs < epoch) {
        refusal = "the new epoch count must be a whole number of at least " + std::to_string(epoch) +
                  " (the epoch about to start)";
      } else {
        applied.changes.push_back({{-1, "epochs", std::int64_t(epochs_planned)}, {-1, "epochs", epochs}});
        epochs_planned = int(epochs);
      }
    } else {
      refusal = "unknown action '" + request.action + "'";
    }
    if (refusal.empty()) {
      enqueue(std::move(applied), /*must_deliver=*/true);
    } else {
      enqueue(detail::RequestRejected{now, epoch, request.iri, refusal}, /*must_deliver=*/true);
    }
  }
}

bool Recorder::should_stop() const { return impl_->stop_requested; }
int Recorder::epochs_planned() const { return impl_->epochs_planned; }

void Recorder::metric(std::string_view name, std::string_view split, double value) {
  impl_->enqueue(detail::MetricLogged{Clock::now(), impl_->epoch, std::string(name),
                                      std::string(split), value});
}

void Recorder::metric(std::string_view name, std::string_view split, std::shared_ptr<PendingValue> value) {
  impl_->enqueue(detail::MetricLogged{Clock::now(), impl_->epoch, std::string(name),
                                      std::string(split), std::move(value)});
}

void Recorder::end_epoch() {
  if (!impl_->epoch_open) return;
  impl_->epoch_open = false;
  impl_->enqueue(detail::EpochEnded{Clock::now(), impl_->epoch, std::nullopt});
}

void Recorder::step(double loss) {
  if (count_step()) record_step(loss);
}

bool Recorder::count_step() {
  const std::int64_t step = ++impl_->step;
  const int every = impl_->options.step_every;
  return every > 0 && step % every == 0;
}

void Recorder::record_step(double loss) {
  impl_->enqueue(detail::StepSampled{Clock::now(), impl_->epoch, impl_->step, loss});
}

void Recorder::record_step(std::shared_ptr<PendingValue> loss) {
  impl_->enqueue(detail::StepSampled{Clock::now(), impl_->epoch, impl_->step, std::move(loss)});
}

void Recorder::checkpoint(const std::filesystem::path& path, bool best) {
  impl_->enqueue(detail::CheckpointSaved{Clock::now(), impl_->epoch, std::filesystem::absolute(path).lexically_normal(), best});
}

void Recorder::evaluation(std::string_view split, std::string_view dataset,
                          std::vector<std::pair<std::string, double>> metrics) {
  const auto now = Clock::now();
  detail::EvaluationDone event{now, now, impl_->epoch, std::string(split), std::string(dataset), {}};
  for (auto& [name, value] : metrics) event.metrics.emplace_back(std::move(name), value);
  impl_->enqueue(std::move(event));
}

void Recorder::evaluation(std::string_view split, std::string_view dataset,
                          std::vector<std::pair<std::string, std::shared_ptr<PendingValue>>> metrics) {
  const auto now = Clock::now();
  detail::EvaluationDone event{now, now, impl_->epoch, std::string(split), std::string(dataset), {}};
  for (auto& [name, value] : metrics) event.metrics.emplace_back(std::move(name), std::move(value));
  impl_->enqueue(std::move(event));
}

void Recorder::end_run(std::string_view status) { end_run(status, {}, {}); }

void Recorder::end_run(std::string_view status, std::string_view error_type, std::string_view error_message) {
  if (!impl_->run_open) return;
  end_epoch();
  impl_->run_open = false;
  const std::string final_status =
      impl_->stop_requested && status == "completed" ? std::string("stopped") : std::string(status);
  impl_->enqueue(detail::RunEnded{Clock::now(), final_status, impl_->dropped.load(), std::string(error_type),
                                  std::string(error_message)},
                 /*must_deliver=*/true);
}

bool Recorder::run_open() const { return impl_->run_open; }
const std::string& Recorder::run_iri() const { return impl_->run_iri; }
const std::string& Recorder::graph_iri() const { return impl_->graph_iri; }
int Recorder::current_epoch() const { return impl_->epoch; }

RecorderStats Recorder::stats() const {
  return {impl_->enqueued.load(), impl_->dropped.load(), impl_->statements.load()};
}

EpochScope::EpochScope(EpochScope&& other) noexcept
    : recorder_(std::exchange(other.recorder_, nullptr)), number_(other.number_) {}

EpochScope::~EpochScope() {
  if (recorder_ && recorder_->current_epoch() == number_) recorder_->end_epoch();
}

void EpochScope::metric(std::string_view name, std::string_view split, double value) {
  if (recorder_) recorder_->metric(name, split, value);
}

void EpochScope::metric(std::string_view name, std::string_view split, std::shared_ptr<PendingValue> value) {
  if (recorder_) recorder_->metric(name, split, std::move(value));
}

}  // namespace torchprov
