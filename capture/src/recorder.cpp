// The recorder: training-thread API in front of a bounded event queue, and
// the writer thread that turns events into statements for the sink.
#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <thread>

#include "bounded_queue.h"
#include "events.h"
#include "lexical.h"
#include "provenance.h"
#include "torch_introspection.h"

namespace torchprov {

using detail::Clock;
using detail::Event;

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
    while (queue.pop_all(events)) {
      if (events.empty()) {
        try {
          sink->tick();
        } catch (const std::exception&) {
          sink_errors.fetch_add(1, std::memory_order_relaxed);
        }
        continue;
      }
      bool flush = false;
      for (const auto& event : events) {
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

  void shutdown() {
    queue.close();
    if (writer.joinable()) writer.join();
  }

  RecorderOptions options;
  std::unique_ptr<Sink> sink;
  detail::BoundedQueue<Event> queue;
  detail::ProvenanceBuilder builder;  // writer thread only
  std::thread writer;

  std::atomic<std::uint64_t> enqueued{0}, dropped{0}, statements{0}, sink_errors{0};

  // Training-thread state.
  torch::optim::Optimizer* optimizer = nullptr;
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

std::string Recorder::start_run(const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                                RunInfo info) {
  if (impl_->run_open) end_run("aborted");
  detail::RunStarted event;
  event.time = Clock::now();
  event.run_id = info.run_id.empty() ? detail::random_uuid() : info.run_id;
  if (info.person.empty()) {
    const char* user = std::getenv("USER");
    info.person = user && *user ? user : "unknown";
  }
  if (info.program.empty()) {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    info.program = ec ? "libtorch-trainer" : exe.filename().string();
  }
  event.layers = detail::describe_layers(model, info.sample_input);
  info.sample_input = nullptr;
  event.num_parameters = event.trainable_parameters = 0;
  for (const auto& p : model.parameters()) {
    event.num_parameters += p.numel();
    if (p.requires_grad()) event.trainable_parameters += p.numel();
  }
  event.optimizer_type = detail::optimizer_type(optimizer);
  event.num_param_groups = int(optimizer.param_groups().size());
  event.optimizer_settings = detail::read_optimizer_settings(optimizer);
  event.libtorch_version = TORCH_VERSION;
  event.machine = detail::this_machine();
  if (torch::cuda::is_available()) {
    event.machine.gpu = "CUDA x" + std::to_string(torch::cuda::device_count());
  }
  // The optimizer and the planned length are hyperparameters of the run too.
  auto has = [&](std::string_view name) {
    for (const auto& h : info.hyperparameters)
      if (h.name == name) return true;
    return false;
  };
  if (!has("optimizer")) info.hyperparameters.push_back({"optimizer", event.optimizer_type});
  if (!has("epochs") && info.epochs_planned > 0)
    info.hyperparameters.push_back({"epochs", std::int64_t(info.epochs_planned)});
  event.info = std::move(info);

  impl_->optimizer = &optimizer;
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
  if (impl_->optimizer) {
    apply_steering(number, now);
    // A setting that changed since the last epoch without a request was
    // changed by the program (a schedule): an adaptation by the trainer.
    auto current = detail::read_optimizer_settings(*impl_->optimizer);
    detail::AdaptationApplied scheduled;
    scheduled.time = now;
    scheduled.epoch = number;
    for (std::size_t i = 0; i < current.size() && i < impl_->settings_in_force.size(); ++i) {
      if (current[i].name == impl_->settings_in_force[i].name &&
          current[i].param_group == impl_->settings_in_force[i].param_group &&
          current[i].value != impl_->settings_in_force[i].value) {
        scheduled.changes.emplace_back(impl_->settings_in_force[i], current[i]);
      }
    }
    if (!scheduled.changes.empty()) impl_->enqueue(std::move(scheduled));
    impl_->settings_in_force = std::move(current);
  }
  impl_->enqueue(detail::EpochBegan{now, number});
  impl_->epoch_open = true;
  return EpochScope(this, number);
}

void Recorder::apply_steering(int epoch, std::chrono::system_clock::time_point now) {
  for (auto& request : impl_->sink->take_steering_requests(impl_->run_iri)) {
    std::string refusal;
    detail::AdaptationApplied applied{now,   epoch, request.action, request.iri, request.person, request.reason, {},
                                      request.agent, {}};
    if (request.action == "set") {
      const auto before = detail::read_optimizer_settings(*impl_->optimizer);
      refusal = detail::apply_optimizer_setting(*impl_->optimizer, request.hyperparameter, request.value,
                                                request.param_group);
      if (refusal.empty()) {
        const auto after = detail::read_optimizer_settings(*impl_->optimizer);
        for (std::size_t i = 0; i < after.size() && i < before.size(); ++i)
          if (after[i].value != before[i].value) applied.changes.emplace_back(before[i], after[i]);
        impl_->settings_in_force = after;  // not a schedule change
      }
    } else if (request.action == "stop") {
      impl_->stop_requested = true;
    } else if (request.action == "set_epochs") {
      const auto epochs = static_cast<std::int64_t>(request.value);
      if (double(epochs) != request.value || epochs < epoch) {
        refusal = "the new epoch count must be a whole number of at least " + std::to_string(epoch) +
                  " (the epoch about to start)";
      } else {
        applied.changes.push_back({{-1, "epochs", std::int64_t(impl_->epochs_planned)}, {-1, "epochs", epochs}});
        impl_->epochs_planned = int(epochs);
      }
    } else {
      refusal = "unknown action '" + request.action + "'";
    }
    if (refusal.empty()) {
      impl_->enqueue(std::move(applied), /*must_deliver=*/true);
    } else {
      impl_->enqueue(detail::RequestRejected{now, epoch, request.iri, refusal}, /*must_deliver=*/true);
    }
  }
}

bool Recorder::should_stop() const { return impl_->stop_requested; }
int Recorder::epochs_planned() const { return impl_->epochs_planned; }

void Recorder::metric(std::string_view name, std::string_view split, double value) {
  impl_->enqueue(detail::MetricLogged{Clock::now(), impl_->epoch, std::string(name),
                                      std::string(split), value});
}

void Recorder::end_epoch() {
  if (!impl_->epoch_open) return;
  impl_->epoch_open = false;
  impl_->enqueue(detail::EpochEnded{Clock::now(), impl_->epoch, std::nullopt});
}

void Recorder::step(double loss) {
  const std::int64_t step = ++impl_->step;
  const int every = impl_->options.step_every;
  if (every > 0 && step % every == 0) {
    impl_->enqueue(detail::StepSampled{Clock::now(), impl_->epoch, step, loss});
  }
}

void Recorder::checkpoint(const std::filesystem::path& path, bool best) {
  impl_->enqueue(detail::CheckpointSaved{Clock::now(), impl_->epoch, std::filesystem::absolute(path).lexically_normal(), best});
}

void Recorder::evaluation(std::string_view split, std::string_view dataset,
                          std::vector<std::pair<std::string, double>> metrics) {
  const auto now = Clock::now();
  impl_->enqueue(detail::EvaluationDone{now, now, impl_->epoch, std::string(split),
                                        std::string(dataset), std::move(metrics)});
}

void Recorder::end_run(std::string_view status) {
  if (!impl_->run_open) return;
  end_epoch();
  impl_->run_open = false;
  const std::string final_status =
      impl_->stop_requested && status == "completed" ? std::string("stopped") : std::string(status);
  impl_->enqueue(detail::RunEnded{Clock::now(), final_status, impl_->dropped.load()},
                 /*must_deliver=*/true);
}

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

}  // namespace torchprov
