// What the recorder reads from libtorch objects: optimizer settings per param
// group and the model's layers.  Runs on the training thread (no I/O).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

#include "events.h"

namespace torchprov::detail {

std::string optimizer_type(const torch::optim::Optimizer& optimizer);
// learning_rate, momentum, dampening, weight_decay, nesterov, beta1, beta2,
// eps, amsgrad, alpha, centered, lr_decay, initial_accumulator_value per group.
std::vector<OptimizerSetting> read_optimizer_settings(torch::optim::Optimizer& optimizer);
// Sets `name` (learning_rate, weight_decay, momentum) to `value` in one
// param group, or in all when `group` is -1.  Returns why it cannot, or an
// empty string when done; nothing is changed on failure.
std::string apply_optimizer_setting(torch::optim::Optimizer& optimizer, const std::string& name, double value,
                                    int group);

// Leaf modules in named_modules() order; output shapes when the model is a
// Sequential (possibly nested) and a sample input is given.
std::vector<LayerInfo> describe_layers(const torch::nn::Module& model, const at::Tensor* sample_input);

}  // namespace torchprov::detail
