#include "torch_introspection.h"

#include <torch/version.h>

#include <map>

namespace torchprov::detail {
namespace {

// "torch::nn::Conv2dImpl" -> "Conv2d"
std::string module_type(const torch::nn::Module& module) {
  std::string name = module.name();
  if (const auto colon = name.rfind("::"); colon != std::string::npos) name = name.substr(colon + 2);
  if (name.size() > 4 && name.ends_with("Impl")) name.resize(name.size() - 4);
  return name;
}

std::string optimizer_type(const torch::optim::Optimizer& optimizer) {
  if (dynamic_cast<const torch::optim::SGD*>(&optimizer)) return "SGD";
  if (dynamic_cast<const torch::optim::AdamW*>(&optimizer)) return "AdamW";
  if (dynamic_cast<const torch::optim::Adam*>(&optimizer)) return "Adam";
  if (dynamic_cast<const torch::optim::RMSprop*>(&optimizer)) return "RMSprop";
  if (dynamic_cast<const torch::optim::Adagrad*>(&optimizer)) return "Adagrad";
  if (dynamic_cast<const torch::optim::LBFGS*>(&optimizer)) return "LBFGS";
  return typeid(optimizer).name();
}

// A param group's options under the keys torch.optim uses for them.
std::vector<OptimizerOption> options_of(torch::optim::OptimizerOptions& options) {
  auto pair = [](const std::tuple<double, double>& t) {
    return std::vector<double>{std::get<0>(t), std::get<1>(t)};
  };
  if (auto* o = dynamic_cast<torch::optim::SGDOptions*>(&options)) {
    return {{"lr", o->lr()}, {"momentum", o->momentum()}, {"dampening", o->dampening()},
            {"weight_decay", o->weight_decay()}, {"nesterov", o->nesterov()}};
  }
  if (auto* o = dynamic_cast<torch::optim::AdamWOptions*>(&options)) {
    return {{"lr", o->lr()}, {"betas", pair(o->betas())}, {"eps", o->eps()},
            {"weight_decay", o->weight_decay()}, {"amsgrad", o->amsgrad()}};
  }
  if (auto* o = dynamic_cast<torch::optim::AdamOptions*>(&options)) {
    return {{"lr", o->lr()}, {"betas", pair(o->betas())}, {"eps", o->eps()},
            {"weight_decay", o->weight_decay()}, {"amsgrad", o->amsgrad()}};
  }
  if (auto* o = dynamic_cast<torch::optim::RMSpropOptions*>(&options)) {
    return {{"lr", o->lr()}, {"alpha", o->alpha()}, {"eps", o->eps()}, {"weight_decay", o->weight_decay()},
            {"momentum", o->momentum()}, {"centered", o->centered()}};
  }
  if (auto* o = dynamic_cast<torch::optim::AdagradOptions*>(&options)) {
    return {{"lr", o->lr()}, {"lr_decay", o->lr_decay()}, {"weight_decay", o->weight_decay()},
            {"initial_accumulator_value", o->initial_accumulator_value()}, {"eps", o->eps()}};
  }
  return {{"lr", options.get_lr()}};
}

class LibtorchOptimizer final : public OptimizerAccess {
 public:
  explicit LibtorchOptimizer(torch::optim::Optimizer& optimizer) : optimizer_(optimizer) {}

  std::string type() const override { return optimizer_type(optimizer_); }

  std::vector<std::vector<OptimizerOption>> param_groups() override {
    std::vector<std::vector<OptimizerOption>> groups;
    for (auto& group : optimizer_.param_groups()) groups.push_back(options_of(group.options()));
    return groups;
  }

  void set_option(int group, const std::string& key, double value) override {
    auto& options = optimizer_.param_groups().at(std::size_t(group)).options();
    if (key == "lr") return options.set_lr(value);
    auto set = [&](auto* o) {
      if (!o) return false;
      if (key == "weight_decay") o->weight_decay(value);
      if constexpr (requires { o->momentum(value); }) {
        if (key == "momentum") o->momentum(value);
      }
      return true;
    };
    set(dynamic_cast<torch::optim::SGDOptions*>(&options)) || set(dynamic_cast<torch::optim::AdamWOptions*>(&options)) ||
        set(dynamic_cast<torch::optim::AdamOptions*>(&options)) ||
        set(dynamic_cast<torch::optim::RMSpropOptions*>(&options)) ||
        set(dynamic_cast<torch::optim::AdagradOptions*>(&options));
  }

 private:
  torch::optim::Optimizer& optimizer_;
};

std::vector<std::int64_t> shape_of(c10::IntArrayRef sizes) { return {sizes.begin(), sizes.end()}; }

void propagate_shapes(torch::nn::SequentialImpl& sequential, torch::Tensor x,
                      std::map<const torch::nn::Module*, std::vector<std::int64_t>>& shapes) {
  for (auto& child : sequential) {
    auto* inner = dynamic_cast<torch::nn::SequentialImpl*>(child.ptr().get());
    if (inner) {
      propagate_shapes(*inner, x, shapes);
      // The inner sequential's own output is needed to continue.
      x = child.forward<torch::Tensor>(x);
    } else {
      x = child.forward<torch::Tensor>(x);
      shapes[child.ptr().get()] = shape_of(x.sizes());
    }
  }
}

std::vector<LayerDescription> describe_layers(const torch::nn::Module& model, const at::Tensor* sample_input) {
  std::map<const torch::nn::Module*, std::vector<std::int64_t>> shapes;
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
  std::vector<LayerDescription> layers;
  for (const auto& item : model.named_modules("", /*include_self=*/false)) {
    const auto& module = item.value();
    if (!module->children().empty()) continue;
    LayerDescription layer;
    layer.name = item.key();
    layer.type = module_type(*module);
    for (const auto& p : module->named_parameters(/*recurse=*/false)) {
      layer.parameters.emplace_back(p.key(), shape_of(p.value().sizes()));
    }
    if (auto it = shapes.find(module.get()); it != shapes.end()) layer.output_shape = it->second;
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace

TrainingDescription describe_training(const torch::nn::Module& model, torch::optim::Optimizer& optimizer,
                                      const at::Tensor* sample_input) {
  TrainingDescription training;
  training.layers = describe_layers(model, sample_input);
  for (const auto& p : model.parameters()) {
    training.num_parameters += p.numel();
    if (p.requires_grad()) training.trainable_parameters += p.numel();
  }
  training.optimizer = std::make_unique<LibtorchOptimizer>(optimizer);
  training.torch_version = TORCH_VERSION;
  if (torch::cuda::is_available()) training.gpus.push_back("CUDA x" + std::to_string(torch::cuda::device_count()));
  return training;
}

}  // namespace torchprov::detail
