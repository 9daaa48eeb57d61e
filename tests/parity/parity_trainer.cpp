// The parity training, libtorch side: the same small CNN, data, optimizer,
// schedule and hooks as parity_trainer.py, recorded through the C++
// recorder.  Three runs of one experiment (seeds 1, 2, 3), so the median
// pruning rule has siblings to compare with.
//   parity_trainer OUT.trig CHECKPOINT_DIR
#include <torch/torch.h>
#include <torchprov/capture.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

int main(int argc, char** argv) try {
  if (argc != 3) {
    std::fprintf(stderr, "usage: parity_trainer OUT.trig CHECKPOINT_DIR\n");
    return 2;
  }
  const fs::path out = argv[1], checkpoints = argv[2];
  torch::set_num_threads(1);
  constexpr int epochs = 5, batches = 6, batch_size = 16;
  constexpr double lr = 0.5;
  // Files the runs name as datasets (hashed by the writer thread).
  fs::create_directories(checkpoints);
  const fs::path data_file = checkpoints / "data.bin";
  std::ofstream(data_file) << "synthetic 8x8 images, random labels\n";

  torchprov::Recorder recorder(torchprov::open_file_sink(out), {.step_every = 4});
  for (int seed = 1; seed <= 3; ++seed) {
    torch::manual_seed(seed);
    const auto x = torch::randn({batches * batch_size, 1, 8, 8});
    const auto y = torch::randint(0, 4, {batches * batch_size});
    const auto val_x = torch::randn({32, 1, 8, 8});
    const auto val_y = torch::randint(0, 4, {32});
    // One statement per module: C++ may evaluate constructor arguments in any
    // order, and the initial weights must come from the generator in order.
    torch::nn::Conv2d conv(torch::nn::Conv2dOptions(1, 4, 3).padding(1));
    torch::nn::ReLU relu;
    torch::nn::Flatten flatten;
    torch::nn::Linear linear(4 * 8 * 8, 4);
    torch::nn::Sequential model(conv, relu, flatten, linear);
    torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(lr).momentum(0.9));
    const auto sample = x.slice(0, 0, 1);
    recorder.start_run(
        *model, optimizer,
        {.experiment = "parity",
         .person = "parity-tester",
         .program = "parity-trainer",
         .version = "1",
         .git_commit = "parity",
         .epochs_planned = epochs,
         .datasets = {{"parity-train", "train", {data_file}, batches * batch_size, ""},
                      {"parity-val", "val", {data_file}, 32, ""}},
         .hyperparameters = {{"batch_size", std::int64_t(batch_size)}, {"seed", std::int64_t(seed)}},
         .sample_input = &sample});
    double best = 1e300;
    for (int e = 1; e <= recorder.epochs_planned() && !recorder.should_stop(); ++e) {
      auto epoch = recorder.epoch();
      double loss_sum = 0;
      std::int64_t correct = 0;
      for (int b = 0; b < batches; ++b) {
        const auto xb = x.slice(0, b * batch_size, (b + 1) * batch_size);
        const auto yb = y.slice(0, b * batch_size, (b + 1) * batch_size);
        optimizer.zero_grad();
        const auto logits = model->forward(xb);
        const auto loss = torch::nn::functional::cross_entropy(logits, yb);
        loss.backward();
        optimizer.step();
        const double l = loss.item<double>();
        recorder.step(l);
        loss_sum += l;
        correct += logits.argmax(1).eq(yb).sum().item<std::int64_t>();
      }
      torch::NoGradGuard no_grad;
      const auto val_logits = model->forward(val_x);
      const double val_loss = torch::nn::functional::cross_entropy(val_logits, val_y).item<double>();
      const double val_accuracy = val_logits.argmax(1).eq(val_y).sum().item<double>() / 32.0;
      epoch.metric("loss", "train", loss_sum / batches);
      epoch.metric("accuracy", "train", double(correct) / double(batches * batch_size));
      epoch.metric("loss", "val", val_loss);
      epoch.metric("accuracy", "val", val_accuracy);
      const fs::path checkpoint = checkpoints / (std::to_string(seed) + "-" + std::to_string(e) + ".pt");
      torch::save(model, checkpoint.string());
      recorder.checkpoint(checkpoint, val_loss < best);
      best = std::min(best, val_loss);
      std::printf("seed %d epoch %d loss %.9g val_loss %.9g val_acc %.9g\n", seed, e, loss_sum / batches, val_loss,
                  val_accuracy);
      // StepLR(step_size=2, gamma=0.5), stepped after every epoch.
      if (e % 2 == 0) {
        for (auto& group : optimizer.param_groups()) group.options().set_lr(group.options().get_lr() * 0.5);
      }
    }
    torch::NoGradGuard no_grad;
    const double test_loss =
        torch::nn::functional::cross_entropy(model->forward(val_x), val_y).item<double>();
    recorder.evaluation("test", "parity-val", {{"loss", test_loss}});
    recorder.end_run();
  }
  return 0;
} catch (const std::exception& error) {
  std::fprintf(stderr, "parity_trainer: %s\n", error.what());
  return 1;
}
