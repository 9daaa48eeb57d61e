#include "optimizer_settings.h"

#include <cmath>
#include <set>
#include <string_view>

namespace torchprov::detail {
namespace {

// Switches that change how an optimizer computes, not what: not hyperparameters.
bool is_implementation_switch(std::string_view key) {
  static const std::set<std::string_view> switches = {"foreach", "fused", "capturable", "differentiable",
                                                      "initial_lr"};
  return switches.count(key) > 0;
}

// Keys whose values are real numbers even when a program wrote a whole one
// (torch.optim.SGD's momentum defaults to the integer 0).
bool holds_real_numbers(std::string_view key) {
  static const std::set<std::string_view> real = {
      "lr",     "momentum", "dampening", "weight_decay", "eps",           "alpha",          "lr_decay",
      "initial_accumulator_value", "rho", "lambd", "t0", "momentum_decay", "tolerance_grad", "tolerance_change"};
  return real.count(key) > 0;
}

std::string setting_name(const std::string& key) { return key == "lr" ? "learning_rate" : key; }

// "learning_rate" -> "lr"; the settings a steering request may change.
std::string option_key(const std::string& name) {
  if (name == "learning_rate") return "lr";
  if (name == "weight_decay" || name == "momentum") return name;
  return {};
}

// betas -> beta1, beta2; step_sizes -> step_size1, step_size2
std::string element_name(const std::string& key, std::size_t index) {
  const std::string stem = key.size() > 1 && key.back() == 's' ? key.substr(0, key.size() - 1) : key + "_";
  return stem + std::to_string(index + 1);
}

bool holds_number(const std::vector<OptimizerOption>& group, const std::string& key) {
  for (const auto& option : group)
    if (option.key == key)
      return std::holds_alternative<double>(option.value) || std::holds_alternative<std::int64_t>(option.value);
  return false;
}

}  // namespace

std::vector<OptimizerSetting> read_settings(OptimizerAccess& optimizer) {
  std::vector<OptimizerSetting> out;
  const auto groups = optimizer.param_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const int group = int(g);
    for (const auto& option : groups[g]) {
      if (is_implementation_switch(option.key)) continue;
      const std::string name = setting_name(option.key);
      if (const auto* list = std::get_if<std::vector<double>>(&option.value)) {
        for (std::size_t i = 0; i < list->size(); ++i) out.push_back({group, element_name(option.key, i), (*list)[i]});
      } else if (const auto* real = std::get_if<double>(&option.value)) {
        out.push_back({group, name, *real});
      } else if (const auto* whole = std::get_if<std::int64_t>(&option.value)) {
        out.push_back({group, name, holds_real_numbers(option.key) ? HyperparameterValue(double(*whole))
                                                                   : HyperparameterValue(*whole)});
      } else {
        out.push_back({group, name, std::get<bool>(option.value)});
      }
    }
  }
  return out;
}

std::string apply_setting(OptimizerAccess& optimizer, const std::string& name, double value, int group) {
  const auto groups = optimizer.param_groups();
  if (group >= int(groups.size())) {
    return "param group " + std::to_string(group) + " does not exist (the optimizer has " +
           std::to_string(groups.size()) + ")";
  }
  if (!std::isfinite(value) || value < 0 || (name == "learning_rate" && value == 0)) {
    return name + " must be a finite number" + (name == "learning_rate" ? " above 0" : " of at least 0");
  }
  const std::string key = option_key(name);
  const int first = group < 0 ? 0 : group;
  const int last = group < 0 ? int(groups.size()) - 1 : group;
  // Check every group first so that a failure changes nothing.
  for (int g = first; g <= last; ++g) {
    if (key.empty() || !holds_number(groups[g], key)) {
      return optimizer.type() + " has no setting '" + name + "' that can change while training";
    }
  }
  for (int g = first; g <= last; ++g) optimizer.set_option(g, key, value);
  return {};
}

}  // namespace torchprov::detail
