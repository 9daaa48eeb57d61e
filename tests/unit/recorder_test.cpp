#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <torchprov/capture.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <mutex>
#include <thread>

#include "memory_sink.h"
#include "serd_read.h"

using torchprov::Recorder;
using torchprov::Statement;
using torchprov::Term;

using namespace test_support;

TEST(Recorder, ReadsEveryParamGroupOfTheOptimizer) {
  auto out = std::make_shared<Collected>();
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    torch::nn::Linear a(4, 3), b(3, 2);
    std::vector<torch::optim::OptimizerParamGroup> groups;
    groups.emplace_back(a->parameters(), std::make_unique<torch::optim::SGDOptions>(
                                             torch::optim::SGDOptions(0.1).momentum(0.9).nesterov(true)));
    groups.emplace_back(b->parameters(), std::make_unique<torch::optim::SGDOptions>(0.01));
    torch::optim::SGD optimizer(groups, torch::optim::SGDOptions(0.5));
    torch::nn::Sequential model(a, b);
    run = recorder.start_run(*model, optimizer, {.person = "tester", .epochs_planned = 1});
    recorder.end_run();
  }
  const auto& st = out->statements;
  EXPECT_TRUE(has(st, run + "/hp/learning_rate/0", prov + "value", "0.1"));
  EXPECT_TRUE(has(st, run + "/hp/learning_rate/1", prov + "value", "0.01"));
  EXPECT_TRUE(has(st, run + "/hp/momentum/0", prov + "value", "0.9"));
  EXPECT_TRUE(has(st, run + "/hp/nesterov/0", prov + "value", "true"));
  EXPECT_TRUE(has(st, run + "/hp/optimizer", prov + "value", "SGD"));
  EXPECT_TRUE(has(st, run, prov + "used", run + "/hp/learning_rate/1"));
  EXPECT_TRUE(has(st, run + "/optimizer", dl + "numParamGroups", "2"));
  // Architecture: the two Linear layers with their parameter counts.
  EXPECT_TRUE(has(st, run + "/model/layer/0", dl + "numParameters", "15"));
  EXPECT_TRUE(has(st, run + "/model/layer/1", dl + "layerType", "Linear"));
  EXPECT_TRUE(has(st, run + "/model", prov + "hadMember", run + "/model/layer/1"));
}

TEST(Recorder, ReadsAdamBetasAndRecordsOutputShapesOfASequential) {
  auto out = std::make_shared<Collected>();
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    torch::nn::Sequential model(torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 4, 3).padding(1)),
                                torch::nn::ReLU(), torch::nn::Flatten(), torch::nn::Linear(4 * 8 * 8, 2));
    torch::optim::Adam optimizer(model->parameters(), torch::optim::AdamOptions(0.002).betas({0.8, 0.95}));
    const auto sample = torch::zeros({1, 1, 8, 8});
    run = recorder.start_run(*model, optimizer, {.sample_input = &sample});
    recorder.end_run();
  }
  const auto& st = out->statements;
  EXPECT_TRUE(has(st, run + "/hp/beta1/0", prov + "value", "0.8"));
  EXPECT_TRUE(has(st, run + "/hp/beta2/0", prov + "value", "0.95"));
  EXPECT_TRUE(has(st, run + "/hp/learning_rate/0", prov + "value", "0.002"));
  EXPECT_TRUE(has(st, run + "/model/layer/0", dl + "outputShape", "[1,4,8,8]"));
  EXPECT_TRUE(has(st, run + "/model/layer/3", dl + "outputShape", "[1,2]"));
}

TEST(Recorder, MetricsArePlainProvEntitiesWithTypedValues) {
  auto out = std::make_shared<Collected>();
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    torch::nn::Linear model(2, 1);
    torch::optim::SGD optimizer(model->parameters(), 0.1);
    run = recorder.start_run(*model, optimizer, {.person = "tester", .epochs_planned = 2});
    for (int e = 0; e < 2; ++e) {
      auto epoch = recorder.epoch();
      epoch.metric("loss", "train", e == 0 ? std::numeric_limits<double>::quiet_NaN() : 0.25);
      epoch.metric("accuracy", "val", std::numeric_limits<double>::infinity());
    }
    recorder.end_run();
  }
  const auto& st = out->statements;
  const std::string m1 = run + "/epoch/1/metric/train/loss";
  EXPECT_TRUE(has(st, m1, rdf_type, prov + "Entity"));
  EXPECT_TRUE(has(st, m1, prov + "wasGeneratedBy", run + "/epoch/1"));
  const auto values = find(st, m1, prov + "value");
  ASSERT_EQ(values.size(), 1u);
  EXPECT_EQ(values[0]->object, Term::literal("NaN", xsd + "double"));
  EXPECT_TRUE(has(st, run + "/epoch/1/metric/val/accuracy", prov + "value", "INF"));
  EXPECT_TRUE(has(st, run + "/epoch/2/metric/train/loss", prov + "value", "0.25"));
  EXPECT_TRUE(has(st, run + "/epoch/2", prov + "wasInformedBy", run));
  EXPECT_TRUE(has(st, run + "/epoch/2", prov + "wasInformedBy", run + "/epoch/1"));
  for (const char* p : {"startedAtTime", "endedAtTime"}) {
    const auto times = find(st, run + "/epoch/2", prov + p);
    ASSERT_EQ(times.size(), 1u) << p;
    EXPECT_EQ(times[0]->object.datatype, xsd + "dateTime");
  }
  EXPECT_TRUE(has(st, run, prov + "wasAssociatedWith", "https://w3id.org/torchprov/person/tester"));
  EXPECT_TRUE(has(st, run, dl + "status", "completed"));
  // Everything lives in the run's named graph.
  for (const auto& s : st) EXPECT_EQ(s.graph, run + "/bundle");
  EXPECT_GE(out->flushes, 1);  // batches that end an epoch or the run are flushed
}

TEST(Recorder, ScheduledLearningRateChangesBecomeAdaptationsOnlyWhenTheValueChanges) {
  auto out = std::make_shared<Collected>();
  std::string run;
  {
    Recorder recorder(std::make_unique<MemorySink>(out));
    torch::nn::Linear model(2, 1);
    torch::optim::SGD optimizer(model->parameters(), 0.1);
    run = recorder.start_run(*model, optimizer, {});
    for (int e = 1; e <= 4; ++e) {
      if (e == 2) optimizer.param_groups()[0].options().set_lr(0.1);   // same value: nothing
      if (e == 3) optimizer.param_groups()[0].options().set_lr(0.05);  // a StepLR-like halving
      auto epoch = recorder.epoch();
    }
    recorder.end_run();
  }
  const auto& st = out->statements;
  const auto adaptations = find(st, "", rdf_type);
  const auto count = std::count_if(adaptations.begin(), adaptations.end(),
                                   [&](const Statement* s) { return s->object.value == dl + "Adaptation"; });
  EXPECT_EQ(count, 1);
  const std::string old_setting = run + "/hp/learning_rate/0";
  const std::string new_setting = run + "/hp/learning_rate/0/revision/1";
  EXPECT_TRUE(has(st, run + "/adaptation/1", prov + "used", old_setting));
  EXPECT_TRUE(has(st, new_setting, prov + "wasGeneratedBy", run + "/adaptation/1"));
  EXPECT_TRUE(has(st, new_setting, prov + "wasRevisionOf", old_setting));
  EXPECT_TRUE(has(st, new_setting, prov + "value", "0.05"));
  EXPECT_TRUE(has(st, run + "/adaptation/1", prov + "wasAssociatedWith", run + "/trainer"));
  EXPECT_TRUE(has(st, run + "/epoch/3", prov + "used", new_setting));
}

TEST(Recorder, FullQueueDropsAndCountsInsteadOfBlockingTheTrainer) {
  auto out = std::make_shared<Collected>();
  std::string run;
  std::uint64_t dropped = 0;
  {
    Recorder recorder(std::make_unique<MemorySink>(out, std::chrono::milliseconds(20)),
                      {.queue_capacity = 4});
    torch::nn::Linear model(2, 1);
    torch::optim::SGD optimizer(model->parameters(), 0.1);
    run = recorder.start_run(*model, optimizer, {});
    const auto started = std::chrono::steady_clock::now();
    {
      auto epoch = recorder.epoch();
      for (int i = 0; i < 1000; ++i) epoch.metric("m" + std::to_string(i), "train", i);
    }
    // 1000 enqueues against a sink taking 20 ms per batch: blocking would take seconds.
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    dropped = recorder.stats().dropped;
    recorder.end_run();
  }
  EXPECT_GT(dropped, 0u);
  const auto counts = find(out->statements, run, dl + "droppedEvents");
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts[0]->object.value, std::to_string(dropped));
}

TEST(Recorder, KilledTrainerLeavesAValidFileWithEveryFlushedEpoch) {
  const auto path = std::filesystem::temp_directory_path() / "torchprov-crash.ttl";
  std::filesystem::remove(path);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    Recorder recorder(torchprov::open_file_sink(path));
    torch::nn::Linear model(2, 1);
    torch::optim::SGD optimizer(model->parameters(), 0.1);
    recorder.start_run(model.ptr().operator*(), optimizer, {.epochs_planned = 5});
    for (int e = 1; e <= 2; ++e) {
      auto epoch = recorder.epoch();
      epoch.metric("loss", "train", 1.0 / e);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the writer flushes epoch 2
    {
      auto epoch = recorder.epoch();  // epoch 3 begins, then the process dies
      epoch.metric("loss", "train", 0.1);
      kill(getpid(), SIGKILL);
    }
  }
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  const auto statements = test_support::read_rdf(path, SERD_TURTLE);  // throws if invalid
  bool epoch2_loss = false;
  for (const auto& s : statements)
    if (s.subject.value.ends_with("/epoch/2/metric/train/loss") && s.predicate.value == prov + "value")
      epoch2_loss = s.object.value == "0.5";
  EXPECT_TRUE(epoch2_loss);
  std::filesystem::remove(path);
}

// Who a run is attributed to: RunInfo::person, else TORCHPROV_PERSON, else
// the login name as `id -un` prints it; the machine and program always named.
TEST(Recorder, PersonDefaultsToTheLoginNameUnlessGivenAndMachineAndProgramAreNamed) {
  auto run_with = [](const std::string& person) {
    auto out = std::make_shared<Collected>();
    {
      Recorder recorder(std::make_unique<MemorySink>(out));
      torch::nn::Linear model(2, 1);
      torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1));
      recorder.start_run(*model, optimizer, {.person = person});
      recorder.end_run();
    }
    return out->statements;
  };
  auto name_of_typed = [](const std::vector<Statement>& all, const std::string& type, const std::string& property) {
    for (const auto& st : all)
      if (st.predicate.value == rdf_type && st.object.value == type)
        for (const Statement* name : find(all, st.subject.value, property)) return name->object.value;
    return std::string("(none)");
  };
  std::string login;
  {
    std::FILE* id = popen("id -un", "r");
    ASSERT_NE(id, nullptr);
    char buffer[256] = {};
    if (std::fgets(buffer, sizeof buffer, id)) login = buffer;
    pclose(id);
    if (!login.empty() && login.back() == '\n') login.pop_back();
  }
  ASSERT_FALSE(login.empty());
  unsetenv("TORCHPROV_PERSON");
  const auto plain = run_with("");
  EXPECT_EQ(name_of_typed(plain, prov + "Person", dl + "name"), login);
  EXPECT_NE(name_of_typed(plain, dl + "Machine", dl + "hostname"), "(none)");
  EXPECT_NE(name_of_typed(plain, prov + "SoftwareAgent", dl + "program"), "(none)");
  setenv("TORCHPROV_PERSON", "ana", 1);
  EXPECT_EQ(name_of_typed(run_with(""), prov + "Person", dl + "name"), "ana");
  EXPECT_EQ(name_of_typed(run_with("bo"), prov + "Person", dl + "name"), "bo");
  unsetenv("TORCHPROV_PERSON");
}
