// The libtorch adapter: what the recorder reads from a torch::nn::Module and
// a torch::optim::Optimizer, as the plain values of torchprov/training.h.
// Runs on the training thread (no I/O).
#pragma once

#include <torch/torch.h>
#include <torchprov/training.h>

namespace torchprov::detail {

// The model's leaf modules (output shapes when the model is a Sequential,
// possibly nested, and a sample input is given), the optimizer's param
// groups behind an OptimizerAccess that refers to `optimizer`, and the
// libtorch version and GPUs.
TrainingDescription describe_training(const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                                      const at::Tensor* sample_input);

}  // namespace torchprov::detail
