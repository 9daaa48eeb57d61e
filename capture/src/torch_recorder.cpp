// Recorder::start_run for libtorch trainers: the model and optimizer are read
// into plain values and handed to the framework-neutral recorder.
#include <torchprov/capture.h>

#include "torch_introspection.h"

namespace torchprov {

std::string Recorder::start_run(const torch::nn::Module& model, torch::optim::Optimizer& optimizer, RunInfo info) {
  auto training = detail::describe_training(model, optimizer, info.sample_input);
  info.sample_input = nullptr;  // never dereferenced off the training thread
  return start_run(std::move(training), std::move(info));
}

}  // namespace torchprov
