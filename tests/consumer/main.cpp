// A standard libtorch loop instrumented with the capture library.
#include <torch/torch.h>
#include <torchprov/capture.h>

int main(int argc, char** argv) {
  if (argc < 2) return 2;
  auto model = torch::nn::Linear(4, 1);
  torch::optim::SGD optimizer(model->parameters(), 0.05);
  const auto x = torch::randn({32, 4}), y = x.sum(1, true);

  torchprov::Recorder recorder(torchprov::open_file_sink(argv[1]));  // 1
  recorder.start_run(*model, optimizer, {.epochs_planned = 3});      // 2
  for (int epoch = 0; epoch < 3; ++epoch) {
    auto scope = recorder.epoch();                                   // 3
    optimizer.zero_grad();
    auto loss = torch::mse_loss(model->forward(x), y);
    loss.backward();
    optimizer.step();
    scope.metric("loss", "train", loss.item<double>());              // 4
  }
  recorder.end_run();                                                // 5
  return 0;
}
