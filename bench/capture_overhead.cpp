// Capture overhead: one small-CNN training loop on synthetic 28x28 data, run
// without capture, with epoch-level capture and with step capture every 10
// batches, alternated so drift in machine speed hits every mode alike.
#include <torch/torch.h>
#include <torchprov/capture.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "benchmarks.h"
#include "progress_line.h"

namespace torchprov::bench {
namespace {

using Clock = std::chrono::steady_clock;

// From the command line; the defaults are in capture_command's table.
struct Settings {
  int runs = 0;
  int epochs = 0;
  int batches = 0;
  int batch_size = 0;
};

enum class Mode { none, epoch, step10 };
const char* mode_name(Mode m) {
  return m == Mode::none ? "no capture" : m == Mode::epoch ? "epoch capture" : "step capture /10";
}

torch::nn::Sequential small_cnn() {
  using namespace torch::nn;
  return Sequential(Conv2d(Conv2dOptions(1, 16, 3).padding(1)), ReLU(), MaxPool2d(2),
                    Conv2d(Conv2dOptions(16, 32, 3).padding(1)), ReLU(), MaxPool2d(2), Flatten(),
                    Linear(32 * 7 * 7, 64), ReLU(), Linear(64, 10));
}

// Seconds per training step of one run (epoch boundaries included).
double run_once(Mode mode, const Settings& s, const torch::Tensor& x, const torch::Tensor& y,
                const std::filesystem::path& out) {
  torch::manual_seed(1);
  auto model = small_cnn();
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.01).momentum(0.9));
  std::unique_ptr<Recorder> recorder;
  if (mode != Mode::none) {
    recorder = std::make_unique<Recorder>(open_file_sink(out),
                                          RecorderOptions{.step_every = mode == Mode::step10 ? 10 : 0});
    recorder->start_run(*model, optimizer, {.program = "bench-capture", .epochs_planned = s.epochs});
  }
  const auto started = Clock::now();
  for (int e = 0; e < s.epochs; ++e) {
    std::optional<EpochScope> epoch;
    if (recorder) epoch.emplace(recorder->epoch());
    double loss_sum = 0;
    for (int b = 0; b < s.batches; ++b) {
      const auto xb = x.slice(0, b * s.batch_size, (b + 1) * s.batch_size);
      const auto yb = y.slice(0, b * s.batch_size, (b + 1) * s.batch_size);
      optimizer.zero_grad();
      auto loss = torch::nn::functional::cross_entropy(model->forward(xb), yb);
      loss.backward();
      optimizer.step();
      const double l = loss.item<double>();
      loss_sum += l;
      if (recorder) recorder->step(l);
    }
    if (epoch) {
      epoch->metric("loss", "train", loss_sum / s.batches);
      epoch->metric("accuracy", "val", 0.5);
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  if (recorder) recorder->end_run();
  return seconds / double(s.epochs * s.batches);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const auto n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace

int capture_overhead(const cli::Arguments& args) {
  Settings s;
  s.runs = int(args.integer("--runs", 1, 1000));
  s.epochs = int(args.integer("--epochs", 1, 1000));
  s.batches = int(args.integer("--batches", 1, 100000));
  s.batch_size = int(args.integer("--batch-size", 1, 4096));
  torch::set_num_threads(2);
  torch::manual_seed(0);
  const auto x = torch::rand({s.batches * s.batch_size, 1, 28, 28});
  const auto y = torch::randint(0, 10, {s.batches * s.batch_size}, torch::kInt64);
  const auto out = std::filesystem::temp_directory_path() / "torchprov-bench-capture.ttl";

  std::printf("capture overhead: small CNN, %d epochs x %d batches of %d, %d runs per mode, alternated\n",
              s.epochs, s.batches, s.batch_size, s.runs);
  const Mode modes[] = {Mode::none, Mode::epoch, Mode::step10};
  std::vector<double> times[3];
  const std::uint64_t trainings = std::uint64_t(3 * s.runs + 1);
  const auto started = std::chrono::steady_clock::now();
  ProgressLine progress;
  run_once(Mode::none, s, x, y, out);  // warm-up: allocator, thread pool
  progress.report({.task = "bench capture", .unit = "trainings", .done = 1, .total = trainings});
  for (int r = 0; r < s.runs; ++r) {
    for (int m = 0; m < 3; ++m) {
      // Rotate the order each round so no mode always runs first.
      const int k = (m + r) % 3;
      times[k].push_back(run_once(modes[k], s, x, y, out));
      progress.report({.task = "bench capture", .unit = "trainings", .done = std::uint64_t(2 + 3 * r + m),
                       .total = trainings});
    }
  }
  progress.finish();
  std::fprintf(stderr, "%llu trainings in %.1f s\n", (unsigned long long)trainings,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  const double base = median(times[0]);
  std::printf("%-18s %14s %12s %10s\n", "mode", "median ms/step", "overhead", "runs");
  for (int k = 0; k < 3; ++k) {
    const double m = median(times[k]);
    std::printf("%-18s %14.3f %+11.2f%% %10zu\n", mode_name(modes[k]), m * 1e3, (m / base - 1) * 100,
                times[k].size());
  }
  std::printf("targets: epoch capture <= 0.5 %%, step capture every 10 batches <= 2 %%\n");
  std::filesystem::remove(out);
  return 0;
}


}  // namespace torchprov::bench
