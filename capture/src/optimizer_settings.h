// Optimizer settings as the recorder names them, read from and written to
// any framework's param groups through OptimizerAccess.  Training thread.
#pragma once

#include <string>
#include <vector>

#include "events.h"

namespace torchprov::detail {

// Every param group's settings: "lr" becomes learning_rate, a pair such as
// betas becomes beta1 and beta2, whole numbers under keys that hold real
// numbers (an SGD momentum of 0) become doubles; implementation switches
// (foreach, fused, capturable, differentiable) and a schedule's initial_lr
// are left out.
std::vector<OptimizerSetting> read_settings(OptimizerAccess& optimizer);

// Sets `name` (learning_rate, weight_decay, momentum) to `value` in one
// param group, or in all when `group` is -1.  Returns why it cannot, or an
// empty string when done; nothing is changed on failure.
std::string apply_setting(OptimizerAccess& optimizer, const std::string& name, double value, int group);

}  // namespace torchprov::detail
