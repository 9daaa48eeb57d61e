// torchprov/training.h — a training described as plain values, for
// Recorder::start_run from any framework (the Python package, or a libtorch
// trainer through the torch-typed overload in torchprov/capture.h).
//
// The recorder needs three things from a framework: the model's leaf modules,
// an optimizer whose param groups it can read and, when a steering request
// asks, change; and metric values that may still be on their way from a GPU.
// Nothing here depends on libtorch.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace torchprov {

// One leaf module of the model.
struct LayerDescription {
  std::string name;  // qualified name from named_modules(), e.g. "features.0"
  std::string type;  // e.g. "Conv2d"
  // The module's own parameters (not its children's) with their shapes.
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> parameters;
  // Its output shape for a sample input, when one was given and it returned a tensor.
  std::optional<std::vector<std::int64_t>> output_shape;
};

// One option of a param group under PyTorch's own key ("lr", "momentum",
// "betas", "nesterov"...).  The recorder names them as settings (lr becomes
// learning_rate, betas beta1 and beta2) and leaves out switches that change
// how, not what, an optimizer computes (foreach, fused...).
using OptimizerOptionValue = std::variant<double, std::int64_t, bool, std::vector<double>>;
struct OptimizerOption {
  std::string key;
  OptimizerOptionValue value;
};

// An optimizer as the recorder sees it.  Called on the training thread only
// (at start_run and at each epoch boundary).
class OptimizerAccess {
 public:
  virtual ~OptimizerAccess() = default;
  // "SGD", "Adam", or the name of a user's own class.
  virtual std::string type() const = 0;
  // Every param group's options, in the optimizer's order (no "params").
  virtual std::vector<std::vector<OptimizerOption>> param_groups() = 0;
  // Sets the number under `key` in param group `group`; the recorder has
  // checked that the group exists and holds a number there.
  virtual void set_option(int group, const std::string& key, double value) = 0;
};

// The model, the optimizer and the software it runs on.
struct TrainingDescription {
  std::vector<LayerDescription> layers;  // leaf modules in named_modules() order
  std::int64_t num_parameters = 0;
  std::int64_t trainable_parameters = 0;
  std::unique_ptr<OptimizerAccess> optimizer;  // null: no optimizer settings, no steering of them
  std::string torch_version;                   // libtorch's, or the torch Python package's
  std::string python_version;                  // empty for a C++ trainer
  std::vector<std::string> gpus;               // one entry per GPU, when any is used
};

// A metric value still being computed or copied, e.g. a GPU tensor on its
// way to host memory.  The recorder's writer thread polls ready() and then
// reads it, so the training thread never waits for the device.
class PendingValue {
 public:
  virtual ~PendingValue() = default;
  virtual bool ready() = 0;   // writer thread; must not block
  virtual double read() = 0;  // writer thread, once ready() was true
};

// A value that is ready at once (for APIs that take PendingValue).
std::shared_ptr<PendingValue> ready_value(double value);

}  // namespace torchprov
