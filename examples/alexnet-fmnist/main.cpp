// An AlexNet-style CNN sized for 28x28 inputs, trained on Fashion-MNIST
// (Debian package dataset-fashion-mnist) with its provenance captured.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "example_options.h"
#include "idx_reader.h"

namespace fs = std::filesystem;

namespace {

// Five convolutions and three dense layers as in AlexNet, narrowed for 28x28
// grey images; one Sequential so every layer's output shape is recorded.
torch::nn::Sequential make_alexnet(int num_classes, double dropout) {
  using namespace torch::nn;
  return Sequential(
      Conv2d(Conv2dOptions(1, 32, 3).padding(1)), ReLU(), MaxPool2d(2),       // 14x14
      Conv2d(Conv2dOptions(32, 64, 3).padding(1)), ReLU(), MaxPool2d(2),      // 7x7
      Conv2d(Conv2dOptions(64, 96, 3).padding(1)), ReLU(),
      Conv2d(Conv2dOptions(96, 96, 3).padding(1)), ReLU(),
      Conv2d(Conv2dOptions(96, 64, 3).padding(1)), ReLU(), MaxPool2d(2),      // 3x3
      Flatten(),
      Dropout(dropout), Linear(64 * 3 * 3, 256), ReLU(),
      Dropout(dropout), Linear(256, 128), ReLU(),
      Linear(128, num_classes));
}

struct EvalResult {
  double loss = 0, accuracy = 0;
};

EvalResult evaluate(torch::nn::Sequential& model, const torch::Tensor& images,
                    const torch::Tensor& labels, int batch_size) {
  torch::NoGradGuard no_grad;
  model->eval();
  double loss_sum = 0;
  std::int64_t correct = 0;
  const std::int64_t n = images.size(0);
  for (std::int64_t i = 0; i < n; i += batch_size) {
    const auto x = images.slice(0, i, std::min(n, i + batch_size));
    const auto y = labels.slice(0, i, std::min(n, i + batch_size));
    const auto logits = model->forward(x);
    loss_sum += torch::nn::functional::cross_entropy(logits, y).item<double>() * double(x.size(0));
    correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
  }
  model->train();
  return {loss_sum / double(n), double(correct) / double(n)};
}

}  // namespace

int main(int argc, char** argv) try {
  auto options = examples::parse_options(
      argc, argv, "alexnet-fmnist",
      {{"data-dir", "/usr/share/datasets/fashion-mnist"}, {"val-fraction", "0.1"}, {"dropout", "0.5"}});
  const fs::path data_dir = options.extra["data-dir"];
  const double val_fraction = std::stod(options.extra["val-fraction"]);
  const double dropout = std::stod(options.extra["dropout"]);
  torch::manual_seed(options.seed);
  torch::set_num_threads(options.threads > 0 ? options.threads : int(std::thread::hardware_concurrency()));

  const fs::path train_images_file = data_dir / "train-images-idx3-ubyte.gz";
  const fs::path train_labels_file = data_dir / "train-labels-idx1-ubyte.gz";
  const fs::path test_images_file = data_dir / "t10k-images-idx3-ubyte.gz";
  const fs::path test_labels_file = data_dir / "t10k-labels-idx1-ubyte.gz";
  auto all_images = examples::read_idx_images(train_images_file, options.train_limit);
  auto all_labels = examples::read_idx_labels(train_labels_file, options.train_limit);
  const auto test_images = examples::read_idx_images(test_images_file, options.test_limit);
  const auto test_labels = examples::read_idx_labels(test_labels_file, options.test_limit);
  // The last val_fraction of the (limited) training file is the validation split.
  const std::int64_t total = all_images.size(0);
  const std::int64_t val_count = std::max<std::int64_t>(1, std::int64_t(double(total) * val_fraction));
  const std::int64_t train_count = total - val_count;
  const auto train_images = all_images.slice(0, 0, train_count);
  const auto train_labels = all_labels.slice(0, 0, train_count);
  const auto val_images = all_images.slice(0, train_count, total);
  const auto val_labels = all_labels.slice(0, train_count, total);

  auto model = make_alexnet(10, dropout);
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (options.optimizer == "sgd") {
    optimizer = std::make_unique<torch::optim::SGD>(
        model->parameters(), torch::optim::SGDOptions(options.lr).momentum(options.momentum));
  } else {
    optimizer = std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(options.lr));
  }

  std::string destination;
  torchprov::Recorder recorder(examples::open_destination(options, destination),
                               {.step_every = options.step_every});
  const auto sample = train_images.slice(0, 0, 1);
  const std::string run = recorder.start_run(
      *model, *optimizer,
      {.experiment = options.experiment,
       .person = options.person,
       .program = "alexnet-fmnist",
       .version = "0.1.0",
       .epochs_planned = options.epochs,
       .datasets = {{"fashion-mnist-train", "train", {train_images_file, train_labels_file}, train_count, ""},
                    {"fashion-mnist-val", "val", {train_images_file, train_labels_file}, val_count, ""},
                    {"fashion-mnist-test", "test", {test_images_file, test_labels_file}, test_images.size(0), ""}},
       .hyperparameters = {{"batch_size", std::int64_t(options.batch_size)},
                           {"train_limit", std::int64_t(options.train_limit)},
                           {"val_fraction", val_fraction},
                           {"dropout", dropout},
                           {"seed", std::int64_t(options.seed)}},
       .sample_input = &sample});
  std::cout << "alexnet-fmnist: " << train_count << " train, " << val_count << " val, "
            << test_images.size(0) << " test examples; run " << run << "\n";

  fs::create_directories(options.checkpoint_dir);
  const fs::path best_path = fs::path(options.checkpoint_dir) / "alexnet-fmnist-best.pt";
  double best_val_accuracy = -1;
  // A steering request may stop the run or change its length between epochs.
  for (int e = 1; e <= recorder.epochs_planned() && !recorder.should_stop(); ++e) {
    const auto started = std::chrono::steady_clock::now();
    auto epoch = recorder.epoch();
    model->train();
    const auto order = torch::randperm(train_count, torch::kInt64);
    double loss_sum = 0;
    std::int64_t correct = 0;
    for (std::int64_t i = 0; i < train_count; i += options.batch_size) {
      const auto idx = order.slice(0, i, std::min(train_count, i + options.batch_size));
      const auto x = train_images.index_select(0, idx);
      const auto y = train_labels.index_select(0, idx);
      optimizer->zero_grad();
      const auto logits = model->forward(x);
      const auto loss = torch::nn::functional::cross_entropy(logits, y);
      loss.backward();
      optimizer->step();
      const double batch_loss = loss.item<double>();
      recorder.step(batch_loss);
      loss_sum += batch_loss * double(x.size(0));
      correct += logits.argmax(1).eq(y).sum().item<std::int64_t>();
    }
    const double train_loss = loss_sum / double(train_count);
    const double train_accuracy = double(correct) / double(train_count);
    const auto val = evaluate(model, val_images, val_labels, 512);
    epoch.metric("loss", "train", train_loss);
    epoch.metric("accuracy", "train", train_accuracy);
    epoch.metric("loss", "val", val.loss);
    epoch.metric("accuracy", "val", val.accuracy);
    if (val.accuracy > best_val_accuracy) {
      best_val_accuracy = val.accuracy;
      torch::save(model, best_path.string());
      recorder.checkpoint(best_path, /*best=*/true);
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("epoch %d/%d  loss %.4f  acc %.4f  val_loss %.4f  val_acc %.4f  (%.1f s)\n", e,
                recorder.epochs_planned(), train_loss, train_accuracy, val.loss, val.accuracy, seconds);
    std::fflush(stdout);
  }

  torch::load(model, best_path.string());
  const auto test = evaluate(model, test_images, test_labels, 512);
  recorder.evaluation("test", "fashion-mnist-test", {{"loss", test.loss}, {"accuracy", test.accuracy}});
  std::printf("test  loss %.4f  acc %.4f  (best checkpoint %s)\n", test.loss, test.accuracy,
              best_path.c_str());
  recorder.end_run("completed");
  const auto stats = recorder.stats();
  std::cout << "provenance: " << destination << " (run " << run << ", " << stats.enqueued
            << " events, " << stats.dropped << " dropped)\n"
            << "try: SELECT ?epoch ?acc WHERE { ?m <http://www.w3.org/ns/prov#wasGeneratedBy> ?e ; "
               "<https://w3id.org/torchprov/dl#name> \"accuracy\" ; <https://w3id.org/torchprov/dl#split> \"val\" ; "
               "<http://www.w3.org/ns/prov#value> ?acc . ?e <https://w3id.org/torchprov/dl#epochNumber> ?epoch } ORDER BY ?epoch\n";
  return 0;
} catch (const std::exception& error) {
  std::cerr << "alexnet-fmnist: " << error.what() << "\n";
  return 1;
}
