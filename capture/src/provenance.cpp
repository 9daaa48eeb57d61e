#include "provenance.h"

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <thread>
#include <type_traits>

#include "lexical.h"
#include "sha256.h"

namespace torchprov::detail {
namespace {

const std::string rdf_type = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const std::string rdfs_label = "http://www.w3.org/2000/01/rdf-schema#label";
const std::string prov = std::string(prov_namespace);
const std::string dl = std::string(dl_namespace);
const std::string xsd_s = std::string(xsd);


std::string non_empty(const char* text) { return text && *text ? text : ""; }

// "key : value" lines of a /proc file.
std::string proc_field(const char* file, std::string_view key) {
  std::ifstream in(file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key, 0) == 0) {
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      auto value = line.substr(colon + 1);
      const auto first = value.find_first_not_of(" \t");
      return first == std::string::npos ? "" : value.substr(first);
    }
  }
  return {};
}

template <typename... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <typename... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

Term typed(const HyperparameterValue& value) {
  return std::visit(
      Overloaded{
          [](double v) { return Term::literal(double_lexical(v), xsd_s + "double"); },
          [](std::int64_t v) { return Term::literal(std::to_string(v), xsd_s + "integer"); },
          [](bool v) { return Term::literal(v ? "true" : "false", xsd_s + "boolean"); },
          [](const std::string& v) { return Term::literal(v); },
      },
      value);
}

std::string value_type(const HyperparameterValue& value) {
  static constexpr const char* names[] = {"double", "integer", "boolean", "string"};
  return names[value.index()];
}

std::string display(const HyperparameterValue& value) {
  return std::visit(Overloaded{
                        [](double v) { return double_lexical(v); },
                        [](std::int64_t v) { return std::to_string(v); },
                        [](bool v) { return std::string(v ? "true" : "false"); },
                        [](const std::string& v) { return v; },
                    },
                    value);
}

}  // namespace

std::string default_person() {
  if (auto person = non_empty(std::getenv("TORCHPROV_PERSON")); !person.empty()) return person;
  passwd entry{};
  passwd* found = nullptr;
  std::string buffer(16384, '\0');
  if (getpwuid_r(getuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found && found->pw_name &&
      *found->pw_name)
    return found->pw_name;
  for (const std::string& name : {non_empty(getlogin()), non_empty(std::getenv("USER")), non_empty(std::getenv("LOGNAME"))})
    if (!name.empty()) return name;
  return "uid-" + std::to_string(getuid());
}

// Builds statements about one subject in the run's graph.
struct ProvenanceBuilder::Subject {
  std::vector<Statement>& out;
  std::string iri;
  std::string graph;

  Subject& type(const std::string& cls) { return link(rdf_type, cls); }
  Subject& link(const std::string& predicate, const std::string& object) {
    out.push_back({Term::iri(iri), Term::iri(predicate), Term::iri(object), graph});
    return *this;
  }
  Subject& text(const std::string& predicate, std::string value) {
    out.push_back({Term::iri(iri), Term::iri(predicate), Term::literal(std::move(value)), graph});
    return *this;
  }
  Subject& value(const std::string& predicate, Term literal) {
    out.push_back({Term::iri(iri), Term::iri(predicate), std::move(literal), graph});
    return *this;
  }
  Subject& integer(const std::string& predicate, std::int64_t v) {
    return value(predicate, Term::literal(std::to_string(v), xsd_s + "integer"));
  }
  Subject& long_value(const std::string& predicate, std::int64_t v) {
    return value(predicate, Term::literal(std::to_string(v), xsd_s + "long"));
  }
  Subject& real(const std::string& predicate, double v) {
    return value(predicate, Term::literal(double_lexical(v), xsd_s + "double"));
  }
  Subject& time(const std::string& predicate, TimePoint t) {
    return value(predicate, Term::literal(datetime_lexical(t), xsd_s + "dateTime"));
  }
};

ProvenanceBuilder::ProvenanceBuilder(std::string base_iri) : base_(std::move(base_iri)) {
  if (base_.empty() || base_.back() != '/') base_.push_back('/');
}

ProvenanceBuilder::Subject ProvenanceBuilder::about(std::vector<Statement>& out,
                                                    const std::string& iri) {
  return Subject{out, iri, graph_};
}

bool ProvenanceBuilder::ends_unit_of_work(const Event& event) {
  return std::holds_alternative<EpochEnded>(event) || std::holds_alternative<RunEnded>(event) ||
         std::holds_alternative<RunStarted>(event) || std::holds_alternative<EvaluationDone>(event);
}

void ProvenanceBuilder::translate(const Event& event, std::vector<Statement>& out) {
  std::visit([&](const auto& e) { on(e, out); }, event);
}

std::string ProvenanceBuilder::epoch_iri(int epoch) const {
  return run_ + "/epoch/" + std::to_string(epoch);
}

std::string ProvenanceBuilder::setting_key(int group, const std::string& name) const {
  return std::to_string(group) + "/" + name;
}

MachineInfo this_machine() {
  MachineInfo machine;
  char buffer[256] = {};
  machine.hostname = gethostname(buffer, sizeof buffer - 1) == 0 ? buffer : "localhost";
  machine.num_cpus = int(std::thread::hardware_concurrency());
  machine.cpu = proc_field("/proc/cpuinfo", "model name");
  const std::string mem = proc_field("/proc/meminfo", "MemTotal");  // "24576000 kB"
  if (!mem.empty()) machine.memory_bytes = std::stoll(mem) * 1024;
  return machine;
}

void ProvenanceBuilder::on(const RunStarted& e, std::vector<Statement>& out) {
  const RunInfo& info = e.info;
  run_ = base_ + "run/" + e.run_id;
  graph_ = run_ + "/bundle";
  trainer_ = run_ + "/trainer";
  model_ = run_ + "/model";
  const std::string experiment = base_ + "experiment/" + iri_segment(info.experiment);
  // An imported run may know neither the person nor the machine.
  person_ = info.person.empty() ? std::string() : base_ + "person/" + iri_segment(info.person);
  const std::string& host = e.machine.hostname;
  const std::string machine = host.empty() ? std::string() : base_ + "machine/" + iri_segment(host);
  const std::string optimizer = run_ + "/optimizer";

  about(out, graph_).type(prov + "Bundle").type(prov + "Entity").type(dl + "RunBundle")
      .link(dl + "describesRun", run_)
      .text(rdfs_label, "provenance of run " + e.run_id);

  auto run = about(out, run_);
  run.type(prov + "Activity").type(dl + "TrainingRun")
      .text(dl + "runId", e.run_id)
      .text(rdfs_label, "training run " + e.run_id)
      .time(prov + "startedAtTime", e.time)
      .link(prov + "wasInformedBy", experiment).link(dl + "partOfExperiment", experiment)
      .link(prov + "wasAssociatedWith", trainer_)
      .link(prov + "used", optimizer);
  if (!person_.empty()) run.link(prov + "wasAssociatedWith", person_);
  if (!machine.empty()) run.link(prov + "wasAssociatedWith", machine).link(dl + "runOnMachine", machine);
  if (!info.device.empty()) run.text(dl + "device", info.device);
  if (info.epochs_planned > 0) run.integer(dl + "epochsPlanned", info.epochs_planned);

  // Hyperparameters: every optimizer param group's settings, then the run's own.
  struct Setting {
    std::string iri;
    const std::string* name;
    const HyperparameterValue* value;
    int group;  // -1: a run-level hyperparameter
  };
  std::vector<Setting> settings;
  for (const auto& s : e.optimizer_settings) {
    settings.push_back({run_ + "/hp/" + iri_segment(s.name) + "/" + std::to_string(s.param_group),
                        &s.name, &s.value, s.param_group});
  }
  for (const auto& h : info.hyperparameters) {
    settings.push_back({run_ + "/hp/" + iri_segment(h.name), &h.name, &h.value, -1});
  }
  for (const auto& s : settings) {
    run.link(prov + "used", s.iri).link(dl + "hasHyperparameter", s.iri);
  }
  std::vector<std::string> dataset_iris;
  for (const auto& d : info.datasets) {
    const std::string iri = run_ + "/dataset/" + iri_segment(d.name);
    dataset_iris.push_back(iri);
    dataset_by_name_[d.name] = iri;
    run.link(prov + "used", iri);
    if (d.split == "train") {
      run.link(dl + "trainedOn", iri);
      train_datasets_.push_back(iri);
    }
  }

  about(out, experiment).type(prov + "Activity").type(dl + "Experiment")
      .text(dl + "name", info.experiment).text(rdfs_label, "experiment " + info.experiment);
  if (!person_.empty()) {
    about(out, person_).type(prov + "Agent").type(prov + "Person")
        .text(dl + "name", info.person).text(rdfs_label, info.person);
  }
  {
    auto trainer = about(out, trainer_);
    trainer.type(prov + "Agent").type(prov + "SoftwareAgent").type(dl + "Trainer")
        .text(dl + "program", info.program).text(rdfs_label, info.program);
    if (!e.libtorch_version.empty()) trainer.text(dl + "libtorchVersion", e.libtorch_version);
    if (!e.python_version.empty()) trainer.text(dl + "pythonVersion", e.python_version);
    if (!person_.empty()) trainer.link(prov + "actedOnBehalfOf", person_);
    if (!info.version.empty()) trainer.text(dl + "version", info.version);
    if (!info.git_commit.empty()) trainer.text(dl + "gitCommit", info.git_commit);
  }
  if (!machine.empty()) {
    const MachineInfo& mi = e.machine;
    auto m = about(out, machine);
    m.type(prov + "Agent").type(dl + "Machine").text(dl + "hostname", host).text(rdfs_label, host);
    if (mi.num_cpus > 0) m.integer(dl + "numCpus", mi.num_cpus);
    if (!mi.cpu.empty()) m.text(dl + "cpu", mi.cpu);
    if (mi.memory_bytes > 0) m.long_value(dl + "memoryBytes", mi.memory_bytes);
    for (const auto& gpu : mi.gpus) m.text(dl + "gpu", gpu);
  }
  about(out, optimizer).type(prov + "Entity").type(dl + "Optimizer")
      .text(dl + "optimizerType", e.optimizer_type)
      .integer(dl + "numParamGroups", e.num_param_groups)
      .text(rdfs_label, e.optimizer_type + " optimizer");
  for (const auto& s : settings) {
    auto hp = about(out, s.iri);
    hp.type(prov + "Entity").type(dl + "HyperparameterSetting")
        .text(dl + "name", *s.name)
        .value(prov + "value", typed(*s.value))
        .text(dl + "valueType", value_type(*s.value))
        .text(rdfs_label, *s.name + " = " + display(*s.value));
    if (s.group >= 0) hp.integer(dl + "paramGroup", s.group).link(dl + "ofOptimizer", optimizer);
    current_setting_[setting_key(s.group, *s.name)] = s.iri;
  }
  for (std::size_t i = 0; i < info.datasets.size(); ++i) {
    const auto& d = info.datasets[i];
    auto ds = about(out, dataset_iris[i]);
    ds.type(prov + "Entity").type(dl + "Dataset").text(dl + "name", d.name)
        .text(dl + "split", d.split).text(rdfs_label, d.name);
    if (d.num_examples >= 0) ds.long_value(dl + "numExamples", d.num_examples);
    if (!d.generator_parameters.empty()) ds.text(dl + "generatorParameters", d.generator_parameters);
    // Each file is also a member entity of its own, so its path, size and
    // digest stay together when a dataset has several files.
    if (!d.files.empty()) ds.type(prov + "Collection");
    std::int64_t total_bytes = 0;
    bool all_sized = true;
    for (std::size_t f = 0; f < d.files.size(); ++f) {
      const auto& file = d.files[f];
      const std::string file_iri = dataset_iris[i] + "/file/" + std::to_string(f + 1);
      ds.text(dl + "path", file.string()).link(prov + "hadMember", file_iri);
      auto member = about(out, file_iri);
      member.type(prov + "Entity").type(dl + "DataFile").text(dl + "path", file.string())
          .text(rdfs_label, file.filename().string());
      try {
        const FileDigest digest = hash_file(file);
        ds.text(dl + "sha256", digest.sha256_hex);
        member.text(dl + "sha256", digest.sha256_hex).long_value(dl + "bytes", std::int64_t(digest.bytes));
        total_bytes += std::int64_t(digest.bytes);
      } catch (const std::exception&) {
        // A dataset file that cannot be read is recorded without a hash.
        all_sized = false;
      }
    }
    if (!d.files.empty() && all_sized) ds.long_value(dl + "bytes", total_bytes);
  }
  auto model = about(out, model_);
  model.type(prov + "Entity").type(prov + "Collection").type(dl + "Model")
      .text(rdfs_label, "model trained by run " + e.run_id);
  if (e.num_parameters >= 0) model.long_value(dl + "numParameters", e.num_parameters);
  if (e.trainable_parameters >= 0) model.long_value(dl + "trainableParameters", e.trainable_parameters);
  std::vector<std::string> layer_iris;
  for (std::size_t i = 0; i < e.layers.size(); ++i) {
    layer_iris.push_back(model_ + "/layer/" + std::to_string(i));
    model.link(prov + "hadMember", layer_iris.back()).link(dl + "hasLayer", layer_iris.back());
  }
  for (std::size_t i = 0; i < e.layers.size(); ++i) {
    const auto& l = e.layers[i];
    auto layer = about(out, layer_iris[i]);
    layer.type(prov + "Entity").type(dl + "Layer").text(dl + "name", l.name)
        .text(dl + "layerType", l.type).integer(dl + "order", std::int64_t(i))
        .text(rdfs_label, l.name + " (" + l.type + ")");
    if (l.num_parameters >= 0) layer.long_value(dl + "numParameters", l.num_parameters);
    if (!l.parameter_shapes.empty()) layer.text(dl + "parameterShapes", l.parameter_shapes);
    if (!l.output_shape.empty()) layer.text(dl + "outputShape", l.output_shape);
    if (!l.configuration.empty()) layer.text(dl + "configuration", l.configuration);
  }
}

void ProvenanceBuilder::on(const EpochBegan& e, std::vector<Statement>& out) {
  metric_uses_.clear();
  auto epoch = about(out, epoch_iri(e.epoch));
  epoch.type(prov + "Activity").type(dl + "Epoch")
      .integer(dl + "epochNumber", e.epoch)
      .text(rdfs_label, "epoch " + std::to_string(e.epoch))
      .time(prov + "startedAtTime", e.time)
      .link(prov + "wasInformedBy", run_).link(dl + "partOfRun", run_)
      .link(prov + "wasAssociatedWith", trainer_);
  if (e.epoch > 1) {
    epoch.link(prov + "wasInformedBy", epoch_iri(e.epoch - 1))
        .link(dl + "previousEpoch", epoch_iri(e.epoch - 1));
  }
  for (const auto& setting : settings_for_next_epoch_) epoch.link(prov + "used", setting);
  settings_for_next_epoch_.clear();
}

void ProvenanceBuilder::on(const EpochEnded& e, std::vector<Statement>& out) {
  auto epoch = about(out, epoch_iri(e.epoch));
  epoch.time(prov + "endedAtTime", e.time);
  if (e.duration_seconds) epoch.real(dl + "durationSeconds", *e.duration_seconds);
}

void ProvenanceBuilder::on(const MetricLogged& e, std::vector<Statement>& out) {
  const std::string activity = epoch_iri(e.epoch);
  std::string iri = activity + "/metric/" + iri_segment(e.split) + "/" + iri_segment(e.name);
  const int uses = ++metric_uses_[iri];
  if (uses > 1) iri += "/" + std::to_string(uses);
  about(out, iri).type(prov + "Entity").type(dl + "MetricValue")
      .text(dl + "name", e.name).text(dl + "split", e.split)
      .real(prov + "value", e.value.value)
      .integer(dl + "epoch", e.epoch)
      .link(prov + "wasGeneratedBy", activity)
      .time(prov + "generatedAtTime", e.time);
}

void ProvenanceBuilder::on(const StepSampled& e, std::vector<Statement>& out) {
  const std::string step = run_ + "/step/" + std::to_string(e.step);
  about(out, step).type(prov + "Activity").type(dl + "Step")
      .integer(dl + "stepNumber", e.step)
      .link(prov + "wasInformedBy", epoch_iri(e.epoch)).link(dl + "partOfEpoch", epoch_iri(e.epoch))
      .time(prov + "endedAtTime", e.time);
  about(out, step + "/metric/train/loss").type(prov + "Entity").type(dl + "MetricValue")
      .text(dl + "name", "loss").text(dl + "split", "train")
      .real(prov + "value", e.loss.value)
      .integer(dl + "epoch", e.epoch).integer(dl + "stepNumber", e.step)
      .link(prov + "wasGeneratedBy", step);
}

void ProvenanceBuilder::on(const CheckpointSaved& e, std::vector<Statement>& out) {
  const std::string iri = run_ + "/checkpoint/" + std::to_string(++checkpoints_);
  auto ck = about(out, iri);
  ck.type(prov + "Entity").type(dl + "Checkpoint")
      .text(dl + "path", e.path.string())
      .integer(dl + "epoch", e.epoch)
      .link(prov + "wasGeneratedBy", epoch_iri(e.epoch))
      .time(prov + "generatedAtTime", e.time)
      .text(rdfs_label, "checkpoint of epoch " + std::to_string(e.epoch));
  try {
    const FileDigest digest = hash_file(e.path);
    ck.text(dl + "sha256", digest.sha256_hex).long_value(dl + "bytes", std::int64_t(digest.bytes));
  } catch (const std::exception&) {
    // Recorded without a hash: the file went away before the writer read it.
  }
  if (!last_checkpoint_.empty()) ck.link(prov + "wasDerivedFrom", last_checkpoint_);
  for (const auto& dataset : train_datasets_) ck.link(prov + "wasDerivedFrom", dataset);
  last_checkpoint_ = iri;
  if (e.best) best_checkpoint_ = iri;
}

void ProvenanceBuilder::on(const EvaluationDone& e, std::vector<Statement>& out) {
  const std::string iri =
      run_ + "/evaluation/" + iri_segment(e.split) + "/" + std::to_string(++evaluations_);
  auto ev = about(out, iri);
  ev.type(prov + "Activity").type(dl + "Evaluation")
      .text(dl + "split", e.split).integer(dl + "epoch", e.epoch)
      .time(prov + "startedAtTime", e.started).time(prov + "endedAtTime", e.ended)
      .link(prov + "wasInformedBy", run_).link(dl + "partOfRun", run_)
      .link(prov + "wasAssociatedWith", trainer_)
      .link(prov + "used", best_checkpoint_.empty() ? (last_checkpoint_.empty() ? model_ : last_checkpoint_)
                                                    : best_checkpoint_);
  if (auto it = dataset_by_name_.find(e.dataset); it != dataset_by_name_.end()) {
    ev.link(prov + "used", it->second);
  }
  for (const auto& [name, number] : e.metrics) {
    about(out, iri + "/metric/" + iri_segment(name)).type(prov + "Entity").type(dl + "MetricValue")
        .text(dl + "name", name).text(dl + "split", e.split)
        .real(prov + "value", number.value)
        .integer(dl + "epoch", e.epoch)
        .link(prov + "wasGeneratedBy", iri)
        .time(prov + "generatedAtTime", e.ended);
  }
}

void ProvenanceBuilder::on(const AdaptationApplied& e, std::vector<Statement>& out) {
  const bool requested = !e.request_iri.empty();
  const int k = ++adaptations_;
  const std::string adaptation = run_ + "/adaptation/" + std::to_string(k);
  std::string agent = trainer_;
  if (requested && !e.agent_iri.empty()) {
    // A steering rule: a software agent acting on the plan its query is.
    agent = e.agent_iri;
    about(out, agent).type(prov + "Agent").type(prov + "SoftwareAgent").type(dl + "SteeringRule");
  } else if (!requested && !e.scheduler.empty()) {
    // A named schedule of the training program: a software agent of its own.
    agent = run_ + "/scheduler/" + iri_segment(e.scheduler);
    about(out, agent).type(prov + "Agent").type(prov + "SoftwareAgent").type(dl + "Scheduler")
        .text(dl + "name", e.scheduler).text(rdfs_label, e.scheduler)
        .link(prov + "actedOnBehalfOf", trainer_);
  } else if (requested && !e.person.empty()) {
    agent = base_ + "person/" + iri_segment(e.person);
    about(out, agent).type(prov + "Agent").type(prov + "Person").text(dl + "name", e.person)
        .text(rdfs_label, e.person);
  }
  auto activity = about(out, adaptation);
  activity.type(prov + "Activity").type(dl + "Adaptation")
      .text(dl + "action", e.action)
      .text(dl + "reason", !e.reason.empty() ? e.reason
                            : requested     ? "requested without a reason"
                                            : "changed by the training program (schedule)")
      .integer(dl + "epoch", e.epoch)
      .time(prov + "startedAtTime", e.time).time(prov + "endedAtTime", e.time)
      .link(prov + "wasInformedBy", run_).link(dl + "partOfRun", run_)
      .link(prov + "wasAssociatedWith", agent);
  if (requested) activity.link(prov + "used", e.request_iri).link(dl + "fulfils", e.request_iri);

  std::vector<std::string> new_iris;
  for (const auto& [old_setting, new_setting] : e.changes) {
    const bool run_level = new_setting.param_group < 0;
    const std::string key = setting_key(new_setting.param_group, new_setting.name);
    const std::string initial = run_ + "/hp/" + iri_segment(new_setting.name) +
                                (run_level ? "" : "/" + std::to_string(new_setting.param_group));
    const auto found = current_setting_.find(key);
    const std::string old_iri = found != current_setting_.end() ? found->second : initial;
    const std::string new_iri = initial + "/revision/" + std::to_string(k);
    activity.link(prov + "used", old_iri);
    auto setting = about(out, new_iri);
    setting.type(prov + "Entity").type(dl + "HyperparameterSetting")
        .text(dl + "name", new_setting.name)
        .value(prov + "value", typed(new_setting.value))
        .text(dl + "valueType", value_type(new_setting.value))
        .integer(dl + "epoch", e.epoch)
        .link(prov + "wasRevisionOf", old_iri).link(prov + "wasDerivedFrom", old_iri)
        .link(prov + "wasGeneratedBy", adaptation)
        .link(prov + "wasAttributedTo", agent)
        .time(prov + "generatedAtTime", e.time)
        .text(rdfs_label, new_setting.name + " = " + display(new_setting.value));
    if (!run_level) {
      setting.integer(dl + "paramGroup", new_setting.param_group).link(dl + "ofOptimizer", run_ + "/optimizer");
    }
    current_setting_[key] = new_iri;
    settings_for_next_epoch_.push_back(new_iri);
  }
  if (requested) about(out, e.request_iri).text(dl + "status", "applied");
}

void ProvenanceBuilder::on(const RequestRejected& e, std::vector<Statement>& out) {
  about(out, e.request_iri).text(dl + "status", "rejected").text(dl + "rejectionReason", e.reason);
}

void ProvenanceBuilder::on(const ValueRecorded& e, std::vector<Statement>& out) {
  const std::string activity = e.epoch > 0 ? epoch_iri(e.epoch) : run_;
  const std::string iri =
      run_ + "/value/" + iri_segment(e.table) + "/" + iri_segment(e.key) + "/" + iri_segment(e.name);
  auto value = about(out, iri);
  value.type(prov + "Entity").type(dl + "RecordedValue")
      .text(dl + "name", e.name).text(dl + "sourceTable", e.table)
      .value(prov + "value", typed(e.value))
      .text(rdfs_label, e.name + " = " + display(e.value));
  if (e.epoch > 0) value.integer(dl + "epoch", e.epoch);
  if (e.input) {
    about(out, activity).link(prov + "used", iri);
  } else {
    value.link(prov + "wasGeneratedBy", activity);
    if (e.time) value.time(prov + "generatedAtTime", *e.time);
  }
}

void ProvenanceBuilder::on(const RunEnded& e, std::vector<Statement>& out) {
  auto run = about(out, run_);
  run.time(prov + "endedAtTime", e.time).text(dl + "status", e.status)
      .long_value(dl + "droppedEvents", std::int64_t(e.dropped_events));
  if (!e.error_type.empty()) run.text(dl + "errorType", e.error_type);
  if (!e.error_message.empty()) run.text(dl + "errorMessage", e.error_message);
  if (!best_checkpoint_.empty()) run.link(dl + "bestCheckpoint", best_checkpoint_);
  about(out, model_).link(prov + "wasGeneratedBy", run_);
}

}  // namespace torchprov::detail
