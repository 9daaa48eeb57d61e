// The synthetic provenance both store benchmarks load, and the canonical
// analysis queries they time.
#include "generated_provenance.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace torchprov::bench {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBase = "https://w3id.org/torchprov/";
constexpr const char* kDl = "https://w3id.org/torchprov/dl#";
constexpr const char* kProv = "http://www.w3.org/ns/prov#";
constexpr const char* kRdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
constexpr const char* kXsd = "http://www.w3.org/2001/XMLSchema#";

const double learning_rates[] = {0.1, 0.01, 0.001, 0.0001};
const char* const optimizers[] = {"SGD", "Adam", "AdamW"};
const int batch_sizes[] = {32, 64, 128};

struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return double(next() >> 11) * (1.0 / 9007199254740992.0); }
};

std::string run_iri(int r) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%srun/00000000-0000-4000-8000-%012d", kBase, r);
  return buf;
}

int last_checkpoint_epoch(int epochs) { return epochs; }
bool has_checkpoint(int epoch, int epochs) { return epoch % 10 == 0 || epoch == epochs; }

class QuadWriter {
 public:
  explicit QuadWriter(std::FILE* f) : f_(f) { buf_.reserve(1 << 20); }
  ~QuadWriter() { flush(); }
  void graph(const std::string& g) { graph_ = "<" + g + ">"; }
  void iri(const std::string& s, const std::string& p, const std::string& o) {
    begin(s, p);
    buf_ += '<';
    buf_ += o;
    buf_ += '>';
    end();
  }
  void type(const std::string& s, const std::string& o) { iri(s, kRdfType, o); }
  void str(const std::string& s, const std::string& p, const std::string& v) {
    begin(s, p);
    buf_ += '"';
    buf_ += v;  // generated values need no escaping
    buf_ += '"';
    end();
  }
  void typed(const std::string& s, const std::string& p, const std::string& v, const char* xsd_type) {
    begin(s, p);
    buf_ += '"';
    buf_ += v;
    buf_ += "\"^^<";
    buf_ += kXsd;
    buf_ += xsd_type;
    buf_ += '>';
    end();
  }
  void integer(const std::string& s, const std::string& p, long long v) { typed(s, p, std::to_string(v), "integer"); }
  void dbl(const std::string& s, const std::string& p, double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.10g", v);
    typed(s, p, b, "double");
  }
  std::size_t count() const { return count_; }
  void flush() {
    if (!buf_.empty()) std::fwrite(buf_.data(), 1, buf_.size(), f_);
    buf_.clear();
  }

 private:
  void begin(const std::string& s, const std::string& p) {
    buf_ += '<';
    buf_ += s;
    buf_ += "> <";
    buf_ += p;
    buf_ += "> ";
  }
  void end() {
    buf_ += ' ';
    buf_ += graph_;
    buf_ += " .\n";
    ++count_;
    if (buf_.size() > (1u << 20) - 4096) flush();
  }
  std::FILE* f_;
  std::string buf_, graph_;
  std::size_t count_ = 0;
};

std::string timestamp(long long seconds) {
  // 2026-01-01T00:00:00Z plus `seconds` (no calendar beyond days needed).
  const long long day = seconds / 86400, rest = seconds % 86400;
  char b[40];
  std::snprintf(b, sizeof b, "2026-%02lld-%02lldT%02lld:%02lld:%02lld.000Z", 1 + (day / 28) % 12, 1 + day % 28,
                rest / 3600, (rest / 60) % 60, rest % 60);
  return b;
}

}  // namespace

std::size_t generate(const fs::path& file, int runs, int epochs, int experiments, int first_run,
                     const triplestore::ProgressHandler& progress) {
  const std::string task = "generating " + file.filename().string();
  std::FILE* f = std::fopen(file.c_str(), "wb");
  if (!f) throw std::runtime_error(file.string() + ": cannot write");
  std::size_t quads;
  {
    QuadWriter w(f);
    const std::string dl = kDl, prov = kProv;
    const std::string person = std::string(kBase) + "person/bench";
    for (int r = first_run; r < first_run + runs; ++r) {
      const int e_index = r % experiments;
      const std::string experiment_name = e_index == 0 ? "alexnet-fmnist" : "alexnet-fmnist-" + std::to_string(e_index);
      const std::string experiment = std::string(kBase) + "experiment/" + experiment_name;
      Rng rng{std::uint64_t(r) * 7919 + 17};
      const std::string run = run_iri(r);
      const std::string bundle = run + "/bundle";
      w.graph(bundle);
      const double lr = learning_rates[r % 4];
      const char* opt = optimizers[(r / 4) % 3];
      const int batch = batch_sizes[(r / 12) % 3];
      long long clock = 3600LL * r;

      w.type(bundle, prov + "Bundle");
      w.type(bundle, prov + "Entity");
      w.type(bundle, dl + "RunBundle");
      w.iri(bundle, dl + "describesRun", run);

      const std::string trainer = run + "/trainer", dataset = run + "/dataset/fashion-mnist-train";
      w.type(run, prov + "Activity");
      w.type(run, dl + "TrainingRun");
      w.str(run, dl + "runId", run.substr(run.rfind('/') + 1));
      w.typed(run, prov + "startedAtTime", timestamp(clock), "dateTime");
      w.iri(run, prov + "wasInformedBy", experiment);
      w.iri(run, dl + "partOfExperiment", experiment);
      w.iri(run, prov + "wasAssociatedWith", trainer);
      w.iri(run, prov + "wasAssociatedWith", person);
      w.integer(run, dl + "epochsPlanned", epochs);
      w.iri(run, prov + "used", dataset);
      w.iri(run, dl + "trainedOn", dataset);

      auto hp = [&](const std::string& name, const std::string& iri, auto value, const char* value_type) {
        w.iri(run, prov + "used", iri);
        w.iri(run, dl + "hasHyperparameter", iri);
        w.type(iri, prov + "Entity");
        w.type(iri, dl + "HyperparameterSetting");
        w.str(iri, dl + "name", name);
        value(iri);
        w.str(iri, dl + "valueType", value_type);
      };
      hp("learning_rate", run + "/hp/learning_rate/0", [&](const std::string& s) { w.dbl(s, prov + "value", lr); },
         "double");
      hp("batch_size", run + "/hp/batch_size", [&](const std::string& s) { w.integer(s, prov + "value", batch); },
         "integer");
      hp("optimizer", run + "/hp/optimizer", [&](const std::string& s) { w.str(s, prov + "value", opt); },
         "string");

      w.type(dataset, prov + "Entity");
      w.type(dataset, dl + "Dataset");
      w.str(dataset, dl + "name", "fashion-mnist-train");
      w.str(dataset, dl + "split", "train");
      w.typed(dataset, dl + "numExamples", "54000", "long");

      w.type(trainer, prov + "Agent");
      w.type(trainer, prov + "SoftwareAgent");
      w.type(trainer, dl + "Trainer");
      w.str(trainer, dl + "program", "alexnet-fmnist");
      w.iri(trainer, prov + "actedOnBehalfOf", person);
      w.type(person, prov + "Agent");
      w.type(person, prov + "Person");
      w.str(person, dl + "name", "Bench Person");
      w.type(experiment, prov + "Activity");
      w.type(experiment, dl + "Experiment");
      w.str(experiment, dl + "name", experiment_name);

      // Learning curves: exponential decay to a floor; about a third of the
      // runs overfit late (val loss climbing), all with a little noise.
      const double speed = 0.03 + 0.07 * rng.uniform();
      const double floor = 0.2 + 0.3 * rng.uniform();
      const bool overfits = rng.uniform() < 0.35;
      const int overfit_from = epochs / 2 + int(rng.uniform() * epochs / 3);
      std::string previous_checkpoint;
      for (int e = 1; e <= epochs; ++e) {
        const std::string epoch = run + "/epoch/" + std::to_string(e);
        w.type(epoch, dl + "Epoch");
        w.integer(epoch, dl + "epochNumber", e);
        w.typed(epoch, prov + "startedAtTime", timestamp(clock), "dateTime");
        clock += 30;
        w.typed(epoch, prov + "endedAtTime", timestamp(clock), "dateTime");
        w.iri(epoch, dl + "partOfRun", run);
        if (e > 1) w.iri(epoch, dl + "previousEpoch", run + "/epoch/" + std::to_string(e - 1));
        const double decay = std::exp(-speed * e);
        const double train_loss = floor * 0.8 + 2.0 * decay + 0.01 * rng.uniform();
        double val_loss = floor + 2.0 * decay + 0.03 * (rng.uniform() - 0.5);
        if (overfits && e > overfit_from) val_loss += 0.02 * (e - overfit_from);
        const double train_acc = std::min(0.999, 1.0 - 0.45 * train_loss + 0.01 * rng.uniform());
        const double val_acc = std::min(0.999, 1.0 - 0.5 * val_loss + 0.02 * (rng.uniform() - 0.5));
        auto metric = [&](const char* split, const char* name, double value) {
          const std::string m = epoch + "/metric/" + split + "/" + name;
          w.type(m, prov + "Entity");  // as the capture types them; the dashboard selects dl:MetricValue
          w.type(m, dl + "MetricValue");
          w.str(m, dl + "name", name);
          w.str(m, dl + "split", split);
          w.dbl(m, prov + "value", value);
          w.integer(m, dl + "epoch", e);
          w.iri(m, prov + "wasGeneratedBy", epoch);
        };
        metric("train", "loss", train_loss);
        metric("train", "accuracy", std::max(0.0, train_acc));
        metric("val", "loss", val_loss);
        metric("val", "accuracy", std::max(0.0, val_acc));
        if (has_checkpoint(e, epochs)) {
          const std::string ck = run + "/checkpoint/" + std::to_string(e);
          w.type(ck, dl + "Checkpoint");
          w.integer(ck, dl + "epoch", e);
          w.iri(ck, prov + "wasGeneratedBy", epoch);
          w.iri(ck, prov + "wasDerivedFrom", dataset);
          if (!previous_checkpoint.empty()) w.iri(ck, prov + "wasDerivedFrom", previous_checkpoint);
          previous_checkpoint = ck;
        }
      }
      w.typed(run, prov + "endedAtTime", timestamp(clock), "dateTime");
      w.str(run, dl + "status", "completed");
      w.iri(run, dl + "bestCheckpoint", previous_checkpoint);
      if (progress) progress({task, "runs", std::uint64_t(r - first_run + 1), std::uint64_t(runs)});
    }
    w.flush();
    quads = w.count();
  }
  if (std::fclose(f) != 0) throw std::runtime_error(file.string() + ": write failed");
  return quads;
}

namespace {

// ------------------------------------------------------------ queries


const char* kPrefixes =
    "PREFIX dl: <https://w3id.org/torchprov/dl#>\n"
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n";

}  // namespace

std::vector<BenchQuery> canonical_queries(int epochs) {
  const std::string run0 = "<" + run_iri(0) + ">";
  const std::string ck = "<" + run_iri(0) + "/checkpoint/" + std::to_string(last_checkpoint_epoch(epochs)) + ">";
  std::vector<BenchQuery> q;
  auto add = [&](std::string name, std::vector<std::string> vars, std::string natural, std::string bad) {
    q.push_back({name, "natural", kPrefixes + natural, vars});
    q.push_back({name, "bad", kPrefixes + bad, vars});
  };

  add("best-val-accuracy", {"run", "lr", "best"},
      "SELECT ?run ?lr (MAX(?acc) AS ?best) WHERE {\n"
      "  ?run a dl:TrainingRun ; dl:hasHyperparameter ?h .\n"
      "  ?h dl:name \"learning_rate\" ; prov:value ?lr .\n"
      "  ?e dl:partOfRun ?run .\n"
      "  ?m prov:wasGeneratedBy ?e ; dl:name \"accuracy\" ; dl:split \"val\" ; prov:value ?acc .\n"
      "} GROUP BY ?run ?lr\n",
      "SELECT ?run ?lr (MAX(?acc) AS ?best) WHERE {\n"
      "  ?m dl:name \"accuracy\" .\n"
      "  ?h dl:name \"learning_rate\" .\n"
      "  ?run a dl:TrainingRun .\n"
      "  ?m dl:split \"val\" .\n"
      "  ?m prov:value ?acc .\n"
      "  ?h prov:value ?lr .\n"
      "  ?e dl:partOfRun ?run .\n"
      "  ?run dl:hasHyperparameter ?h .\n"
      "  ?m prov:wasGeneratedBy ?e .\n"
      "} GROUP BY ?run ?lr\n");

  add("loss-curve", {"split", "epoch", "loss"},
      "SELECT ?split ?epoch ?loss WHERE {\n"
      "  ?e dl:partOfRun " + run0 + " .\n"
      "  ?m prov:wasGeneratedBy ?e ; dl:name \"loss\" ; dl:split ?split ; dl:epoch ?epoch ; prov:value ?loss .\n"
      "} ORDER BY ?split ?epoch\n",
      "SELECT ?split ?epoch ?loss WHERE {\n"
      "  ?m dl:split ?split .\n"
      "  ?e dl:partOfRun " + run0 + " .\n"
      "  ?m dl:name \"loss\" .\n"
      "  ?m prov:value ?loss .\n"
      "  ?m dl:epoch ?epoch .\n"
      "  ?m prov:wasGeneratedBy ?e .\n"
      "} ORDER BY ?split ?epoch\n");

  add("mean-final-val-accuracy", {"lr", "opt", "mean", "runs"},
      "SELECT ?lr ?opt (AVG(?acc) AS ?mean) (COUNT(?run) AS ?runs) WHERE {\n"
      "  ?run a dl:TrainingRun ; dl:epochsPlanned ?last ; dl:hasHyperparameter ?h1 , ?h2 .\n"
      "  ?h1 dl:name \"learning_rate\" ; prov:value ?lr .\n"
      "  ?h2 dl:name \"optimizer\" ; prov:value ?opt .\n"
      "  ?e dl:partOfRun ?run ; dl:epochNumber ?last .\n"
      "  ?m prov:wasGeneratedBy ?e ; dl:name \"accuracy\" ; dl:split \"val\" ; prov:value ?acc .\n"
      "} GROUP BY ?lr ?opt ORDER BY ?lr ?opt\n",
      "SELECT ?lr ?opt (AVG(?acc) AS ?mean) (COUNT(?run) AS ?runs) WHERE {\n"
      "  ?h2 dl:name \"optimizer\" .\n"
      "  ?m dl:split \"val\" .\n"
      "  ?h1 dl:name \"learning_rate\" .\n"
      "  ?e dl:epochNumber ?last .\n"
      "  ?m dl:name \"accuracy\" .\n"
      "  ?m prov:value ?acc .\n"
      "  ?h1 prov:value ?lr .\n"
      "  ?h2 prov:value ?opt .\n"
      "  ?run dl:epochsPlanned ?last .\n"
      "  ?run a dl:TrainingRun .\n"
      "  ?run dl:hasHyperparameter ?h1 .\n"
      "  ?run dl:hasHyperparameter ?h2 .\n"
      "  ?e dl:partOfRun ?run .\n"
      "  ?m prov:wasGeneratedBy ?e .\n"
      "} GROUP BY ?lr ?opt ORDER BY ?lr ?opt\n");

  auto val_loss = [](const std::string& m, const std::string& e, const std::string& l) {
    return "  ?" + m + " prov:wasGeneratedBy ?" + e + " ; dl:name \"loss\" ; dl:split \"val\" ; prov:value ?" + l +
           " .\n";
  };
  add("val-loss-rising-3", {"run"},
      "SELECT DISTINCT ?run WHERE {\n"
      "  ?e1 dl:partOfRun ?run .\n" +
          val_loss("m1", "e1", "l1") +
          "  ?e2 dl:previousEpoch ?e1 .\n" + val_loss("m2", "e2", "l2") +
          "  FILTER(?l2 > ?l1)\n"
          "  ?e3 dl:previousEpoch ?e2 .\n" +
          val_loss("m3", "e3", "l3") +
          "  FILTER(?l3 > ?l2)\n"
          "  ?e4 dl:previousEpoch ?e3 .\n" +
          val_loss("m4", "e4", "l4") +
          "  FILTER(?l4 > ?l3)\n"
          "} ORDER BY ?run\n",
      "SELECT DISTINCT ?run WHERE {\n"
      "  ?m4 dl:name \"loss\" .\n"
      "  ?m1 dl:split \"val\" .\n"
      "  ?e4 dl:previousEpoch ?e3 .\n"
      "  ?m2 dl:name \"loss\" .\n"
      "  ?m3 dl:split \"val\" .\n"
      "  ?m1 dl:name \"loss\" . ?m2 dl:split \"val\" . ?m3 dl:name \"loss\" . ?m4 dl:split \"val\" .\n"
      "  ?m1 prov:value ?l1 . ?m2 prov:value ?l2 . ?m3 prov:value ?l3 . ?m4 prov:value ?l4 .\n"
      "  FILTER(?l2 > ?l1) FILTER(?l3 > ?l2) FILTER(?l4 > ?l3)\n"
      "  ?e3 dl:previousEpoch ?e2 . ?e2 dl:previousEpoch ?e1 .\n"
      "  ?m1 prov:wasGeneratedBy ?e1 . ?m2 prov:wasGeneratedBy ?e2 .\n"
      "  ?m3 prov:wasGeneratedBy ?e3 . ?m4 prov:wasGeneratedBy ?e4 .\n"
      "  ?e1 dl:partOfRun ?run .\n"
      "} ORDER BY ?run\n");

  add("checkpoint-lineage", {"ck", "epoch", "dataset", "name"},
      "SELECT ?ck ?epoch ?dataset ?name WHERE {\n"
      "  ?e dl:partOfRun " + run0 + " .\n"
      "  ?ck prov:wasGeneratedBy ?e ; a dl:Checkpoint ; dl:epoch ?epoch ; prov:wasDerivedFrom ?dataset .\n"
      "  ?dataset a dl:Dataset ; dl:name ?name .\n"
      "} ORDER BY ?epoch\n",
      "SELECT ?ck ?epoch ?dataset ?name WHERE {\n"
      "  ?dataset dl:name ?name .\n"
      "  ?ck a dl:Checkpoint .\n"
      "  ?e dl:partOfRun " + run0 + " .\n"
      "  ?dataset a dl:Dataset .\n"
      "  ?ck dl:epoch ?epoch .\n"
      "  ?ck prov:wasDerivedFrom ?dataset .\n"
      "  ?ck prov:wasGeneratedBy ?e .\n"
      "} ORDER BY ?epoch\n");

  add("checkpoint-lineage-path", {"ancestor", "type"},
      "SELECT ?ancestor ?type WHERE {\n"
      "  " + ck + " prov:wasDerivedFrom+ ?ancestor .\n"
      "  ?ancestor a ?type .\n"
      "}\n",
      "SELECT ?ancestor ?type WHERE {\n"
      "  ?ancestor a ?type .\n"
      "  " + ck + " prov:wasDerivedFrom+ ?ancestor .\n"
      "}\n");
  return q;
}

}  // namespace torchprov::bench
