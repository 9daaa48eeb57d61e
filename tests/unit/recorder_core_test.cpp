// The framework-neutral recorder (torchprov::capture_core, no libtorch):
// param groups under PyTorch's keys, steering applied through an
// OptimizerAccess, schedule changes, metric values that arrive late, and
// failed runs.  This executable does not link libtorch.
#include <gtest/gtest.h>
#include <torchprov/capture.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "memory_sink.h"

using torchprov::OptimizerOption;
using torchprov::Recorder;
using torchprov::Statement;

using namespace test_support;

namespace {

// A Python-like optimizer: param groups as key -> value maps.
struct FakeOptimizer final : torchprov::OptimizerAccess {
  std::string name = "SGD";
  std::vector<std::vector<OptimizerOption>>* groups;
  explicit FakeOptimizer(std::vector<std::vector<OptimizerOption>>* g) : groups(g) {}
  std::string type() const override { return name; }
  std::vector<std::vector<OptimizerOption>> param_groups() override { return *groups; }
  void set_option(int group, const std::string& key, double value) override {
    for (auto& option : (*groups)[group])
      if (option.key == key) option.value = value;
  }
};

std::vector<std::vector<OptimizerOption>> sgd_groups() {
  // torch.optim.SGD(params, lr=0.1): momentum, dampening and weight_decay are the integer 0.
  return {{{"lr", 0.1},
           {"momentum", std::int64_t(0)},
           {"dampening", std::int64_t(0)},
           {"weight_decay", std::int64_t(0)},
           {"nesterov", false},
           {"maximize", false},
           {"foreach", false},
           {"differentiable", false}}};
}

torchprov::TrainingDescription training_with(std::vector<std::vector<OptimizerOption>>* groups) {
  torchprov::TrainingDescription training;
  training.optimizer = std::make_unique<FakeOptimizer>(groups);
  return training;
}

}  // namespace

TEST(RecorderCore, NamesParamGroupOptionsAsSettings) {
  auto out = std::make_shared<Collected>();
  std::vector<std::vector<OptimizerOption>> groups = {
      {{"lr", 0.002}, {"betas", std::vector<double>{0.8, 0.95}}, {"eps", 1e-8}, {"weight_decay", std::int64_t(0)},
       {"amsgrad", false}, {"foreach", true}, {"capturable", false}, {"initial_lr", 0.002}},
      {{"lr", std::int64_t(1)}, {"max_iter", std::int64_t(20)}}};
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    auto training = training_with(&groups);
    static_cast<FakeOptimizer&>(*training.optimizer).name = "Adam";
    training.layers = {{"features.0", "Conv2d", {{"weight", {4, 1, 3, 3}}, {"bias", {4}}}, std::vector<std::int64_t>{1, 4, 8, 8}},
                       {"features.1", "ReLU", {}, std::nullopt}};
    training.torch_version = "1.13.1";
    training.python_version = "3.11.2";
    training.gpus = {"NVIDIA A100", "NVIDIA A100"};
    run = recorder.start_run(std::move(training), {.person = "ana", .program = "train.py"});
    recorder.end_run();
  }
  const auto& st = out->statements;
  EXPECT_TRUE(has(st, run + "/hp/learning_rate/0", prov + "value", "0.002"));
  EXPECT_TRUE(has(st, run + "/hp/beta1/0", prov + "value", "0.8"));
  EXPECT_TRUE(has(st, run + "/hp/beta2/0", prov + "value", "0.95"));
  EXPECT_TRUE(has(st, run + "/hp/amsgrad/0", prov + "value", "false"));
  // A whole number under a key of real numbers is a double; others stay integers.
  EXPECT_TRUE(has(st, run + "/hp/weight_decay/0", dl + "valueType", "double"));
  EXPECT_TRUE(has(st, run + "/hp/learning_rate/1", dl + "valueType", "double"));
  EXPECT_TRUE(has(st, run + "/hp/max_iter/1", dl + "valueType", "integer"));
  // How it computes is not what it computes; initial_lr is the schedule's.
  EXPECT_EQ(object_of(st, run + "/hp/foreach/0", prov + "value"), "");
  EXPECT_EQ(object_of(st, run + "/hp/capturable/0", prov + "value"), "");
  EXPECT_EQ(object_of(st, run + "/hp/initial_lr/0", prov + "value"), "");
  EXPECT_TRUE(has(st, run + "/hp/optimizer", prov + "value", "Adam"));
  EXPECT_TRUE(has(st, run + "/optimizer", dl + "numParamGroups", "2"));
  // Layers: parameter counts and shapes computed from the shapes given.
  EXPECT_TRUE(has(st, run + "/model/layer/0", dl + "numParameters", "40"));
  EXPECT_TRUE(has(st, run + "/model/layer/0", dl + "parameterShapes", "weight[4,1,3,3] bias[4]"));
  EXPECT_TRUE(has(st, run + "/model/layer/0", dl + "outputShape", "[1,4,8,8]"));
  EXPECT_EQ(object_of(st, run + "/model/layer/1", dl + "outputShape"), "");
  EXPECT_TRUE(has(st, run + "/trainer", dl + "pythonVersion", "3.11.2"));
  EXPECT_TRUE(has(st, run + "/trainer", dl + "libtorchVersion", "1.13.1"));
  EXPECT_TRUE(has(st, run + "/trainer", dl + "program", "train.py"));
}

TEST(RecorderCore, SteeringChangesTheOptimizerAtTheEpochBoundaryAndRefusesWhatItCannot) {
  auto out = std::make_shared<Collected>();
  auto groups = sgd_groups();
  groups.push_back(groups.front());  // two param groups
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    run = recorder.start_run(training_with(&groups), {.person = "ana", .epochs_planned = 5});
    { auto epoch = recorder.epoch(); }
    {
      std::lock_guard lock(out->mutex);
      out->requests.push_back({"urn:request:1", "set", "momentum", 0.9, 1, "smoother", "bob", ""});
      out->requests.push_back({"urn:request:2", "set", "betas", 0.5, -1, "", "bob", ""});         // no such setting
      out->requests.push_back({"urn:request:3", "set", "learning_rate", 0.01, 7, "", "bob", ""});  // no group 7
      out->requests.push_back({"urn:request:4", "set_epochs", "", 3, -1, "", "bob", ""});
      out->requests.push_back({"urn:request:5", "stop", "", 0, -1, "enough", "bob", ""});
    }
    EXPECT_EQ(std::get<std::int64_t>(groups[1][1].value), 0);  // nothing happens before the boundary
    { auto epoch = recorder.epoch(); }
    EXPECT_EQ(std::get<double>(groups[1][1].value), 0.9);
    EXPECT_EQ(std::get<std::int64_t>(groups[0][1].value), 0);  // only the group asked for
    EXPECT_EQ(recorder.epochs_planned(), 3);
    EXPECT_TRUE(recorder.should_stop());
    recorder.end_run();
  }
  const auto& st = out->statements;
  const std::string revised = run + "/hp/momentum/1/revision/1";
  EXPECT_TRUE(has(st, revised, prov + "wasRevisionOf", run + "/hp/momentum/1"));
  EXPECT_TRUE(has(st, revised, prov + "value", "0.9"));
  EXPECT_TRUE(has(st, run + "/adaptation/1", prov + "wasAssociatedWith", "https://w3id.org/torchprov/person/bob"));
  EXPECT_TRUE(has(st, run + "/adaptation/1", prov + "used", "urn:request:1"));
  EXPECT_TRUE(has(st, run + "/epoch/2", prov + "used", revised));
  EXPECT_TRUE(has(st, "urn:request:2", dl + "status", "rejected"));
  EXPECT_TRUE(has(st, "urn:request:2", dl + "rejectionReason", "SGD has no setting 'betas' that can change while training"));
  EXPECT_TRUE(has(st, "urn:request:3", dl + "rejectionReason", "param group 7 does not exist (the optimizer has 2)"));
  EXPECT_TRUE(has(st, "urn:request:4", dl + "status", "applied"));
  EXPECT_TRUE(has(st, run, dl + "status", "stopped"));
}

TEST(RecorderCore, AScheduleChangeAndARequestAtOneBoundaryFormOneRevisionChain) {
  auto out = std::make_shared<Collected>();
  auto groups = sgd_groups();
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    run = recorder.start_run(training_with(&groups), {.person = "ana"});
    { auto epoch = recorder.epoch(); }
    groups[0][0].value = 0.05;                               // the schedule halves it
    groups[0].push_back({"initial_lr", 0.1});                // and adds its own key
    {
      std::lock_guard lock(out->mutex);
      out->requests.push_back({"urn:request:1", "set", "learning_rate", 0.02, -1, "", "bob", ""});
    }
    { auto epoch = recorder.epoch(); }
    { auto epoch = recorder.epoch(); }  // nothing changed: no adaptation
    recorder.end_run();
  }
  const auto& st = out->statements;
  EXPECT_EQ(count_type(st, dl + "Adaptation"), 2);
  const std::string initial = run + "/hp/learning_rate/0";
  const std::string scheduled = initial + "/revision/1", requested = initial + "/revision/2";
  EXPECT_TRUE(has(st, run + "/adaptation/1", prov + "wasAssociatedWith", run + "/trainer"));
  EXPECT_TRUE(has(st, scheduled, prov + "wasRevisionOf", initial));
  EXPECT_TRUE(has(st, scheduled, prov + "value", "0.05"));
  EXPECT_TRUE(has(st, requested, prov + "wasRevisionOf", scheduled));
  EXPECT_TRUE(has(st, requested, prov + "value", "0.02"));
  EXPECT_EQ(std::get<double>(groups[0][0].value), 0.02);
}

namespace {

// A value the test releases, as a CUDA event would once its copy landed.
struct ManualValue final : torchprov::PendingValue {
  std::atomic<bool> done{false};
  std::atomic<int> polls{0};
  double value;
  explicit ManualValue(double v) : value(v) {}
  bool ready() override {
    ++polls;
    return done.load();
  }
  double read() override { return value; }
};

}  // namespace

TEST(RecorderCore, PendingMetricValuesAreReadByTheWriterOnceReadyWithoutStoppingTheTrainer) {
  auto out = std::make_shared<Collected>();
  auto late = std::make_shared<ManualValue>(0.25);
  auto late_step = std::make_shared<ManualValue>(1.5);
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out), {.step_every = 1});
    run = recorder.start_run(torchprov::TrainingDescription{}, {.person = "ana"});
    const auto started = std::chrono::steady_clock::now();
    {
      auto epoch = recorder.epoch();
      ASSERT_TRUE(recorder.count_step());
      recorder.record_step(late_step);
      epoch.metric("loss", "train", late);
      epoch.metric("accuracy", "val", 0.5);
    }
    { auto epoch = recorder.epoch(); epoch.metric("loss", "train", torchprov::ready_value(0.125)); }
    recorder.evaluation("test", "", {{"loss", torchprov::ready_value(0.75)}});
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(200));
    // The writer polls and waits; nothing of epoch 1's metrics is written yet.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    EXPECT_GT(late_step->polls.load(), 1);
    {
      std::lock_guard lock(out->mutex);
      EXPECT_FALSE(has(out->statements, run + "/epoch/1/metric/val/accuracy", prov + "value", "0.5"));
    }
    late_step->done = true;
    late->done = true;
    recorder.end_run();
  }
  const auto& st = out->statements;
  EXPECT_TRUE(has(st, run + "/step/1/metric/train/loss", prov + "value", "1.5"));
  EXPECT_TRUE(has(st, run + "/epoch/1/metric/train/loss", prov + "value", "0.25"));
  EXPECT_TRUE(has(st, run + "/epoch/1/metric/val/accuracy", prov + "value", "0.5"));
  EXPECT_TRUE(has(st, run + "/epoch/2/metric/train/loss", prov + "value", "0.125"));
  EXPECT_TRUE(has(st, run + "/evaluation/test/1/metric/loss", prov + "value", "0.75"));
  EXPECT_TRUE(has(st, run, dl + "droppedEvents", "0"));
}

TEST(RecorderCore, AFailedRunRecordsTheErrorTypeAndMessage) {
  auto out = std::make_shared<Collected>();
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    run = recorder.start_run(torchprov::TrainingDescription{}, {.person = "ana"});
    { auto epoch = recorder.epoch(); }
    recorder.end_run("failed", "ValueError", "loss is NaN");
  }
  const auto& st = out->statements;
  EXPECT_TRUE(has(st, run, dl + "status", "failed"));
  EXPECT_TRUE(has(st, run, dl + "errorType", "ValueError"));
  EXPECT_TRUE(has(st, run, dl + "errorMessage", "loss is NaN"));
  EXPECT_NE(object_of(st, run + "/epoch/1", prov + "endedAtTime"), "");  // the open epoch is closed
}
