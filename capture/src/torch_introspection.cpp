#include "torch_introspection.h"

#include <cmath>
#include <map>
#include <sstream>

namespace torchprov::detail {
namespace {

std::string shape_text(c10::IntArrayRef sizes) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < sizes.size(); ++i) out << (i ? "," : "") << sizes[i];
  out << ']';
  return out.str();
}

// "torch::nn::Conv2dImpl" -> "Conv2d"
std::string module_type(const torch::nn::Module& module) {
  std::string name = module.name();
  if (const auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.ends_with("Impl")) name.resize(name.size() - 4);
  return name;
}

void add(std::vector<OptimizerSetting>& out, int group, const char* name, HyperparameterValue v) {
  out.push_back({group, name, std::move(v)});
}

void propagate_shapes(torch::nn::SequentialImpl& sequential, torch::Tensor x,
                      std::map<const torch::nn::Module*, std::string>& shapes) {
  for (auto& child : sequential) {
    auto* inner = dynamic_cast<torch::nn::SequentialImpl*>(child.ptr().get());
    if (inner) {
      propagate_shapes(*inner, x, shapes);
      // The inner sequential's own output is needed to continue.
      x = child.forward<torch::Tensor>(x);
    } else {
      x = child.forward<torch::Tensor>(x);
      shapes[child.ptr().get()] = shape_text(x.sizes());
    }
  }
}

}  // namespace

std::string optimizer_type(const torch::optim::Optimizer& optimizer) {
  if (dynamic_cast<const torch::optim::SGD*>(&optimizer)) return "SGD";
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer)) return "AdamW";
  if (dynamic_cast<const torch::optim::Adam*>(&optimizer)) return "Adam";
  if (dynamic_cast<const torch::optim::RMSprop*>(&optimizer)) return "RMSprop";
  if (dynamic_cast<const torch::optim::Adagrad*>(&optimizer)) return "Adagrad";
  if (dynamic_cast<const torch::optim::LBFGS*>(&optimizer)) return "LBFGS";
  return typeid(optimizer).name();
}

std::vector<OptimizerSetting> read_optimizer_settings(torch::optim::Optimizer& optimizer) {
  std::vector<OptimizerSetting> out;
  int group = 0;
  for (auto& param_group : optimizer.param_groups()) {
    auto& options = param_group.options();
    if (auto* o = dynamic_cast<torch::optim::SGDOptions*>(&options)) {
      add(out, group, "learning_rate", o->lr());
      add(out, group, "momentum", o->momentum());
      add(out, group, "dampening", o->dampening());
      add(out, group, "weight_decay", o->weight_decay());
      add(out, group, "nesterov", o->nesterov());
    } else if (auto* o = dynamic_cast<torch::optim::AdamWOptions*>(&options)) {
      add(out, group, "learning_rate", o->lr());
      add(out, group, "beta1", std::get<0>(o->betas()));
      add(out, group, "beta2", std::get<1>(o->betas()));
      add(out, group, "eps", o->eps());
      add(out, group, "weight_decay", o->weight_decay());
      add(out, group, "amsgrad", o->amsgrad());
    } else if (auto* o = dynamic_cast<torch::optim::AdamOptions*>(&options)) {
      add(out, group, "learning_rate", o->lr());
      add(out, group, "beta1", std::get<0>(o->betas()));
      add(out, group, "beta2", std::get<1>(o->betas()));
      add(out, group, "eps", o->eps());
      add(out, group, "weight_decay", o->weight_decay());
      add(out, group, "amsgrad", o->amsgrad());
    } else if (auto* o = dynamic_cast<torch::optim::RMSpropOptions*>(&options)) {
      add(out, group, "learning_rate", o->lr());
      add(out, group, "alpha", o->alpha());
      add(out, group, "eps", o->eps());
      add(out, group, "weight_decay", o->weight_decay());
      add(out, group, "momentum", o->momentum());
      add(out, group, "centered", o->centered());
    } else if (auto* o = dynamic_cast<torch::optim::AdagradOptions*>(&options)) {
      add(out, group, "learning_rate", o->lr());
      add(out, group, "lr_decay", o->lr_decay());
      add(out, group, "weight_decay", o->weight_decay());
      add(out, group, "initial_accumulator_value", o->initial_accumulator_value());
      add(out, group, "eps", o->eps());
    } else {
      add(out, group, "learning_rate", options.get_lr());
    }
    ++group;
  }
  return out;
}

namespace {

// Sets one option of one param group; false when the optimizer has no such option.
bool set_option(torch::optim::OptimizerOptions& options, const std::string& name, double value, bool dry_run) {
  if (name == "learning_rate") {
    if (!dry_run) options.set_lr(value);
    return true;
  }
  auto apply = [&](auto* o) {
    if (!o) return false;
    if (name == "weight_decay") {
      if (!dry_run) o->weight_decay(value);
      return true;
    }
    if constexpr (requires { o->momentum(value); }) {
      if (name == "momentum") {
        if (!dry_run) o->momentum(value);
        return true;
      }
    }
    return false;
  };
  return apply(dynamic_cast<torch::optim::SGDOptions*>(&options)) ||
         apply(dynamic_cast<torch::optim::AdamWOptions*>(&options)) ||
         apply(dynamic_cast<torch::optim::AdamOptions*>(&options)) ||
         apply(dynamic_cast<torch::optim::RMSpropOptions*>(&options)) ||
         apply(dynamic_cast<torch::optim::AdagradOptions*>(&options));
}

}  // namespace

std::string apply_optimizer_setting(torch::optim::Optimizer& optimizer, const std::string& name, double value,
                                    int group) {
  auto& groups = optimizer.param_groups();
  if (group >= int(groups.size())) {
    return "param group " + std::to_string(group) + " does not exist (the optimizer has " +
           std::to_string(groups.size()) + ")";
  }
  if (!std::isfinite(value) || value < 0 || (name == "learning_rate" && value == 0)) {
    return name + " must be a finite number" + (name == "learning_rate" ? " above 0" : " of at least 0");
  }
  const int first = group < 0 ? 0 : group;
  const int last = group < 0 ? int(groups.size()) - 1 : group;
  // Check every group first so that a failure changes nothing.
  for (int g = first; g <= last; ++g) {
    if (!set_option(groups[g].options(), name, value, /*dry_run=*/true)) {
      return optimizer_type(optimizer) + " has no setting '" + name + "' that can change while training";
    }
  }
  for (int g = first; g <= last; ++g) set_option(groups[g].options(), name, value, /*dry_run=*/false);
  return {};
}

std::vector<LayerInfo> describe_layers(const torch::nn::Module& model, const at::Tensor* sample_input) {
  std::map<const torch::nn::Module*, std::string> shapes;
  if (sample_input && sample_input->defined()) {
    auto* sequential = dynamic_cast<torch::nn::SequentialImpl*>(const_cast<torch::nn::Module*>(&model));
    if (sequential) {
      torch::NoGradGuard no_grad;
      const bool was_training = sequential->is_training();
      sequential->eval();  // batch-norm statistics must not move
      try {
        propagate_shapes(*sequential, *sample_input, shapes);
      } catch (const std::exception&) {
        shapes.clear();  // shapes are optional; a model that rejects the sample keeps training
      }
      sequential->train(was_training);
    }
  }
  std::vector<LayerInfo> layers;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    const auto& module = item.value();
    if (!module->children().empty()) continue;
    LayerInfo layer;
    layer.name = item.key();
    layer.type = module_type(*module);
    layer.num_parameters = 0;
    std::ostringstream shapes_text;
    for (const auto& p : module->named_parameters(/*recurse=*/false)) {
      layer.num_parameters += p.value().numel();
      shapes_text << (shapes_text.tellp() > 0 ? " " : "") << p.key() << shape_text(p.value().sizes());
    }
    layer.parameter_shapes = shapes_text.str();
    if (auto it = shapes.find(module.get()); it != shapes.end()) layer.output_shape = it->second;
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace torchprov::detail
