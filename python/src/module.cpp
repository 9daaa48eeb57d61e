// torchprov._core: the capture core for Python.  It converts types and
// nothing more: the recorder, the writer thread, steering and the statements
// are the C++ core's (torchprov/capture.h, torchprov/training.h).  The
// package's Python layer (torchprov/__init__.py) reads models and optimizers
// into the plain values taken here and gives the Python idioms.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>
#include <torch/csrc/autograd/python_variable.h>
#include <torchprov/capture.h>
#include <torchprov/training.h>
#include <torchprov/triplestore.h>

#include <ATen/ATen.h>
#include <c10/core/Event.h>
#include <c10/core/impl/VirtualGuardImpl.h>

#include <atomic>
#include <optional>
#include <stdexcept>

namespace py = pybind11;

namespace torchprov::python {
namespace {

// ------------------------------------------------------------ metric values

// Says when a copy to host memory has landed.
class CopyEvent {
 public:
  virtual ~CopyEvent() = default;
  virtual bool done() = 0;  // writer thread
};

// The device's own event, recorded on the stream that runs the copy.
class DeviceEvent final : public CopyEvent {
 public:
  explicit DeviceEvent(const at::Device& device) : event_(device.type()) {
    event_.record(c10::impl::VirtualGuardImpl(device.type()).getStream(device));
  }
  bool done() override { return event_.query(); }

 private:
  c10::Event event_;
};

// A gate a test opens by hand, standing in for a device event.
class ManualGate final : public CopyEvent {
 public:
  bool done() override { return open_.load(); }
  void open() { open_.store(true); }

 private:
  std::atomic<bool> open_{false};
};

// A one-element tensor copied to host memory, read by the writer once the
// copy is done: the training thread never waits for the device.
class HostCopy final : public PendingValue {
 public:
  HostCopy(at::Tensor host, std::shared_ptr<CopyEvent> event) : host_(std::move(host)), event_(std::move(event)) {}
  bool ready() override { return event_->done(); }
  double read() override { return host_.item<double>(); }

 private:
  at::Tensor host_;
  std::shared_ptr<CopyEvent> event_;
};

// A value handed to Python, e.g. by the test hook below.
struct PendingHandle {
  std::shared_ptr<PendingValue> value;
};

std::string describe_type(py::handle value) { return py::str(py::type::of(value).attr("__name__")); }

// The tensor behind a metric value, or nothing when it is not a tensor.
std::optional<at::Tensor> tensor_of(py::handle value) {
  if (!THPVariable_Check(value.ptr())) return std::nullopt;
  return THPVariable_Unpack(value.ptr());
}

void check_single_element(const at::Tensor& tensor, const std::string& what) {
  if (tensor.numel() != 1) {
    std::string shape;
    for (const auto size : tensor.sizes()) shape.append(shape.empty() ? "" : ",").append(std::to_string(size));
    throw py::value_error(what + " must be a number or a tensor holding one number, not a tensor of shape [" +
                          shape + "]");
  }
  if (tensor.is_complex()) throw py::type_error(what + " must be a real number, not a complex tensor");
}

// A Python number, a 0-d (one-element) tensor, or anything with __float__
// (numpy scalars).  A bool, a string or None is refused, naming `what`.
// Device tensors become pending values: copied asynchronously, read later.
std::variant<double, std::shared_ptr<PendingValue>> metric_value(py::handle value, const std::string& what) {
  if (PyFloat_Check(value.ptr())) return PyFloat_AS_DOUBLE(value.ptr());
  if (PyBool_Check(value.ptr()) || value.is_none() || PyUnicode_Check(value.ptr()) || PyBytes_Check(value.ptr())) {
    throw py::type_error(what + " must be a number or a one-element tensor, not " + describe_type(value));
  }
  if (PyLong_Check(value.ptr())) return value.cast<double>();
  if (auto tensor = tensor_of(value)) {
    check_single_element(*tensor, what);
    const at::Tensor detached = tensor->detach();
    if (detached.device().is_cpu()) return detached.item<double>();
    // Pinned host memory, so the copy runs asynchronously on the device's stream.
    at::Tensor host = at::empty(detached.sizes(), detached.options().device(at::kCPU).pinned_memory(true));
    host.copy_(detached, /*non_blocking=*/true);
    return std::make_shared<HostCopy>(std::move(host), std::make_shared<DeviceEvent>(detached.device()));
  }
  if (py::isinstance<PendingHandle>(value)) return value.cast<PendingHandle&>().value;
  if (py::hasattr(value, "__float__")) return py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>();
  throw py::type_error(what + " must be a number or a one-element tensor, not " + describe_type(value));
}

std::shared_ptr<PendingValue> as_pending(std::variant<double, std::shared_ptr<PendingValue>> value) {
  if (auto* number = std::get_if<double>(&value)) return ready_value(*number);
  return std::get<std::shared_ptr<PendingValue>>(value);
}

// ---------------------------------------------------------------- optimizer

// A Python bool, int, float, or a tuple/list of real numbers (betas).
std::optional<OptimizerOptionValue> option_value(py::handle value) {
  if (PyBool_Check(value.ptr())) return value.cast<bool>();
  if (PyLong_Check(value.ptr())) {
    try {
      return value.cast<std::int64_t>();
    } catch (const py::cast_error&) {
      return std::nullopt;  // does not fit in 64 bits
    }
  }
  if (PyFloat_Check(value.ptr())) return value.cast<double>();
  if (PyTuple_Check(value.ptr()) || PyList_Check(value.ptr())) {
    std::vector<double> numbers;
    for (auto item : value) {
      if (PyBool_Check(item.ptr()) || !(PyFloat_Check(item.ptr()) || PyLong_Check(item.ptr()))) return std::nullopt;
      numbers.push_back(item.cast<double>());
    }
    if (numbers.empty()) return std::nullopt;
    return numbers;
  }
  if (auto tensor = tensor_of(value); tensor && tensor->numel() == 1 && tensor->device().is_cpu()) {
    return tensor->item<double>();  // an lr held as a tensor
  }
  return std::nullopt;  // None, strings (LBFGS line_search_fn), parameter lists
}

// Any torch.optim optimizer, or a user's own object with param_groups: a
// list of dicts.  Called on the training thread, which holds the GIL.
class PythonOptimizer final : public OptimizerAccess {
 public:
  explicit PythonOptimizer(py::object optimizer) : optimizer_(std::move(optimizer)) {}
  ~PythonOptimizer() override {
    // The recorder may be destroyed with the GIL released.
    py::gil_scoped_acquire gil;
    optimizer_ = py::object();
  }

  std::string type() const override { return py::str(py::type::of(optimizer_).attr("__name__")); }

  std::vector<std::vector<OptimizerOption>> param_groups() override {
    std::vector<std::vector<OptimizerOption>> groups;
    for (auto group : optimizer_.attr("param_groups")) {
      std::vector<OptimizerOption> options;
      for (auto item : py::reinterpret_borrow<py::dict>(group)) {
        if (!PyUnicode_Check(item.first.ptr())) continue;
        const auto key = item.first.cast<std::string>();
        if (key == "params") continue;
        if (auto value = option_value(item.second)) options.push_back({key, std::move(*value)});
      }
      groups.push_back(std::move(options));
    }
    return groups;
  }

  void set_option(int group, const std::string& key, double value) override {
    py::list groups = optimizer_.attr("param_groups");
    groups[std::size_t(group)][py::str(key)] = py::float_(value);
  }

 private:
  py::object optimizer_;
};

// ------------------------------------------------------------------- values

HyperparameterValue hyperparameter_value(py::handle value, const std::string& name) {
  if (PyBool_Check(value.ptr())) return value.cast<bool>();
  if (PyLong_Check(value.ptr())) {
    try {
      return value.cast<std::int64_t>();
    } catch (const py::cast_error&) {
      throw py::value_error("hyperparameter '" + name + "' does not fit in a 64-bit integer");
    }
  }
  if (PyFloat_Check(value.ptr())) return value.cast<double>();
  if (PyUnicode_Check(value.ptr())) return value.cast<std::string>();
  if (auto tensor = tensor_of(value); tensor && tensor->numel() == 1 && tensor->device().is_cpu()) {
    return tensor->item<double>();
  }
  if (!PyBytes_Check(value.ptr()) && !value.is_none() && py::hasattr(value, "__float__") &&
      !py::hasattr(value, "__len__")) {
    return py::float_(py::reinterpret_borrow<py::object>(value)).cast<double>();  // numpy scalars
  }
  throw py::type_error("hyperparameter '" + name + "' must be a bool, int, float or str, not " + describe_type(value));
}

// ----------------------------------------------------------------- recorder

[[noreturn]] void raise_os_error(const std::string& message) {
  PyErr_SetString(PyExc_OSError, message.c_str());
  throw py::error_already_set();
}

struct Destination {
  std::unique_ptr<Sink> sink;  // handed to one recorder
};

class PythonRecorder {
 public:
  PythonRecorder(Destination& destination, int step_every, std::size_t queue_capacity, bool block,
                 std::string base_iri) {
    if (!destination.sink) throw py::value_error("this destination is already used by a recorder");
    RecorderOptions options;
    options.step_every = step_every;
    options.queue_capacity = queue_capacity;
    options.overflow = block ? OverflowPolicy::block : OverflowPolicy::drop;
    if (!base_iri.empty()) options.base_iri = std::move(base_iri);
    recorder_ = std::make_unique<Recorder>(std::move(destination.sink), std::move(options));
  }
  ~PythonRecorder() { close(); }

  std::string start_run(const std::vector<LayerDescription>& layers, std::int64_t num_parameters,
                        std::int64_t trainable_parameters, py::object optimizer, std::string torch_version,
                        std::string python_version, std::vector<std::string> gpus, py::dict run) {
    TrainingDescription training;
    training.layers = layers;
    training.num_parameters = num_parameters;
    training.trainable_parameters = trainable_parameters;
    if (!optimizer.is_none()) training.optimizer = std::make_unique<PythonOptimizer>(std::move(optimizer));
    training.torch_version = std::move(torch_version);
    training.python_version = std::move(python_version);
    training.gpus = std::move(gpus);

    RunInfo info;
    auto text = [&](const char* key, std::string& field) {
      if (run.contains(key) && !run[key].is_none()) field = run[key].cast<std::string>();
    };
    text("experiment", info.experiment);
    text("person", info.person);
    text("program", info.program);
    text("version", info.version);
    text("git_commit", info.git_commit);
    text("device", info.device);
    text("run_id", info.run_id);
    if (run.contains("epochs")) info.epochs_planned = run["epochs"].cast<int>();
    if (run.contains("hyperparameters")) {
      for (auto item : run["hyperparameters"].cast<py::dict>()) {
        const auto name = item.first.cast<std::string>();
        info.hyperparameters.push_back({name, hyperparameter_value(item.second, name)});
      }
    }
    if (run.contains("datasets")) {
      for (auto d : run["datasets"]) {
        DatasetInfo dataset;
        dataset.name = d.attr("name").cast<std::string>();
        dataset.split = d.attr("split").cast<std::string>();
        dataset.files = d.attr("paths").cast<std::vector<std::filesystem::path>>();
        dataset.num_examples = d.attr("examples").cast<std::int64_t>();
        dataset.generator_parameters = d.attr("generator_parameters").cast<std::string>();
        info.datasets.push_back(std::move(dataset));
      }
    }
    return live().start_run(std::move(training), std::move(info));
  }

  int epoch() { return running().epoch().number(); }
  void end_epoch() { live().end_epoch(); }

  void metric(const std::string& name, const std::string& split, py::handle value) {
    auto number = metric_value(value, "metric '" + name + "'");
    if (auto* ready = std::get_if<double>(&number)) {
      running().metric(name, split, *ready);
    } else {
      running().metric(name, split, std::get<std::shared_ptr<PendingValue>>(std::move(number)));
    }
  }

  void step(py::handle loss) {
    // Checked every batch (cheap); read only for the sampled ones.
    const bool number = PyFloat_Check(loss.ptr()) || (PyLong_Check(loss.ptr()) && !PyBool_Check(loss.ptr()));
    if (!number && !THPVariable_Check(loss.ptr())) {
      metric_value(loss, "the step loss");  // raises for what is not a number
    }
    if (!running().count_step()) return;
    auto value = metric_value(loss, "the step loss");
    if (auto* ready = std::get_if<double>(&value)) {
      live().record_step(*ready);
    } else {
      live().record_step(std::get<std::shared_ptr<PendingValue>>(std::move(value)));
    }
  }

  void checkpoint(const std::filesystem::path& path, bool best) { running().checkpoint(path, best); }

  void evaluation(const std::string& split, const std::string& dataset, py::dict metrics) {
    std::vector<std::pair<std::string, std::shared_ptr<PendingValue>>> values;
    for (auto item : metrics) {
      if (!PyUnicode_Check(item.first.ptr())) {
        throw py::type_error("evaluation metric names must be str, not " + describe_type(item.first));
      }
      const auto name = item.first.cast<std::string>();
      values.emplace_back(name, as_pending(metric_value(item.second, "metric '" + name + "'")));
    }
    running().evaluation(split, dataset, std::move(values));
  }

  void end_run(const std::string& status, const std::string& error_type, const std::string& error_message) {
    auto& recorder = live();
    py::gil_scoped_release released;  // a full queue makes the final event wait for the writer
    recorder.end_run(status, error_type, error_message);
  }

  // Ends an open run as `status`, drains the queue, closes the sink.
  void close(const std::string& status = "aborted") {
    if (!recorder_) return;
    std::unique_ptr<Recorder> recorder = std::move(recorder_);
    py::gil_scoped_release released;  // the writer delivers; other Python threads go on
    recorder->end_run(status);
    recorder.reset();
  }

  bool closed() const { return !recorder_; }
  bool should_stop() { return live().should_stop(); }
  int epochs_planned() { return live().epochs_planned(); }
  int current_epoch() { return live().current_epoch(); }
  std::string run_iri() { return live().run_iri(); }
  std::string graph_iri() { return live().graph_iri(); }
  py::dict stats() {
    const auto s = live().stats();
    py::dict out;
    out["enqueued"] = s.enqueued;
    out["dropped"] = s.dropped;
    out["statements"] = s.statements;
    return out;
  }

 private:
  Recorder& live() {
    if (!recorder_) throw py::value_error("the recorder is closed");
    return *recorder_;
  }
  Recorder& running() {
    auto& recorder = live();
    if (!recorder.run_open()) throw py::value_error("no run is open: call start_run first");
    return recorder;
  }
  std::unique_ptr<Recorder> recorder_;
};

}  // namespace
}  // namespace torchprov::python

PYBIND11_MODULE(_core, m) {
  using namespace torchprov;
  using namespace torchprov::python;
  m.doc() = "The torchprov capture core (C++); use the torchprov package rather than this module.";

  py::class_<Destination>(m, "Destination");
  m.def(
      "file_destination",
      [](const std::filesystem::path& path) {
        try {
          return Destination{open_file_sink(path)};
        } catch (const std::runtime_error& error) {
          raise_os_error(error.what());
        }
      },
      py::arg("path"));
  m.def(
      "store_destination",
      [](const std::filesystem::path& directory) {
        try {
          return Destination{triplestore::open_store_sink(directory)};
        } catch (const std::exception& error) {
          raise_os_error("cannot open the store " + directory.string() + ": " + error.what());
        }
      },
      py::arg("directory"));
  m.def(
      "http_destination",
      [](const std::string& endpoint, const std::string& token, const std::filesystem::path& spill_file,
         const std::filesystem::path& ca_file) {
        HttpSinkOptions options;
        options.endpoint = endpoint;
        options.token = token;
        options.spill_file = spill_file;
        options.ca_file = ca_file;
        try {
          return Destination{open_http_sink(std::move(options))};
        } catch (const std::exception& error) {
          throw py::value_error(error.what());
        }
      },
      py::arg("endpoint"), py::arg("token"), py::arg("spill_file") = std::filesystem::path(),
      py::arg("ca_file") = std::filesystem::path());
  m.def("read_token_file", &read_token_file, py::arg("path"));

  py::class_<LayerDescription>(m, "Layer")
      .def(py::init([](std::string name, std::string type,
                       std::vector<std::pair<std::string, std::vector<std::int64_t>>> parameters,
                       std::optional<std::vector<std::int64_t>> output_shape) {
             return LayerDescription{std::move(name), std::move(type), std::move(parameters), std::move(output_shape)};
           }),
           py::arg("name"), py::arg("type"), py::arg("parameters"), py::arg("output_shape") = py::none())
      .def_readonly("name", &LayerDescription::name)
      .def_readonly("type", &LayerDescription::type)
      .def_readonly("parameters", &LayerDescription::parameters)
      .def_readonly("output_shape", &LayerDescription::output_shape);

  py::class_<PythonRecorder>(m, "Recorder")
      .def(py::init<Destination&, int, std::size_t, bool, std::string>(), py::arg("destination"),
           py::arg("step_every") = 0, py::arg("queue_capacity") = std::size_t(1) << 16, py::arg("block") = false,
           py::arg("base_iri") = std::string())
      .def("start_run", &PythonRecorder::start_run, py::arg("layers"), py::arg("num_parameters"),
           py::arg("trainable_parameters"), py::arg("optimizer"), py::arg("torch_version"),
           py::arg("python_version"), py::arg("gpus"), py::arg("run"))
      .def("epoch", &PythonRecorder::epoch)
      .def("end_epoch", &PythonRecorder::end_epoch)
      .def("metric", &PythonRecorder::metric, py::arg("name"), py::arg("split"), py::arg("value"))
      .def("step", &PythonRecorder::step, py::arg("loss"))
      .def("checkpoint", &PythonRecorder::checkpoint, py::arg("path"), py::arg("best") = false)
      .def("evaluation", &PythonRecorder::evaluation, py::arg("split"), py::arg("dataset"), py::arg("metrics"))
      .def("end_run", &PythonRecorder::end_run, py::arg("status"), py::arg("error_type") = std::string(),
           py::arg("error_message") = std::string())
      .def("close", &PythonRecorder::close, py::arg("status") = std::string("aborted"))
      .def_property_readonly("closed", &PythonRecorder::closed)
      .def("should_stop", &PythonRecorder::should_stop)
      .def_property_readonly("epochs_planned", &PythonRecorder::epochs_planned)
      .def_property_readonly("current_epoch", &PythonRecorder::current_epoch)
      .def_property_readonly("run_iri", &PythonRecorder::run_iri)
      .def_property_readonly("graph_iri", &PythonRecorder::graph_iri)
      .def("stats", &PythonRecorder::stats);

  // For tests of the device path without a device: a value copied from a
  // tensor now and readable once the gate opens, as after a CUDA event.
  py::class_<PendingHandle>(m, "PendingValue");
  py::class_<ManualGate, std::shared_ptr<ManualGate>>(m, "_ManualGate").def(py::init<>()).def("open", &ManualGate::open);
  m.def("_pending_copy", [](py::handle tensor, std::shared_ptr<ManualGate> gate) {
    auto source = tensor_of(tensor);
    if (!source) throw py::type_error("a tensor is needed");
    check_single_element(*source, "the value");
    return PendingHandle{std::make_shared<HostCopy>(source->detach().clone(), std::move(gate))};
  });
}
