// Turns recorder events into PROV-O statements in the dl: vocabulary.
// Runs on the writer thread; keeps the per-run state (IRIs of the current
// epoch, settings, checkpoints) that later events refer to.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "events.h"

namespace torchprov::detail {

// The host this process runs on (name, CPU, memory), for RunStarted.
MachineInfo this_machine();

// Who a run is attributed to when RunInfo::person is empty: the environment
// variable TORCHPROV_PERSON, else the login name of the user running the
// program (the password database, then getlogin(), $USER, $LOGNAME), else
// "uid-N".  Never empty.
std::string default_person();

class ProvenanceBuilder {
 public:
  explicit ProvenanceBuilder(std::string base_iri);

  // Appends the statements describing `event` to `out`, grouped by subject.
  void translate(const Event& event, std::vector<Statement>& out);
  // Events after which the sink is flushed (a durability boundary).
  static bool ends_unit_of_work(const Event& event);

  const std::string& run_iri() const { return run_; }
  const std::string& graph_iri() const { return graph_; }

 private:
  struct Subject;  // statement-building helper bound to one subject
  Subject about(std::vector<Statement>& out, const std::string& iri);

  void on(const RunStarted& e, std::vector<Statement>& out);
  void on(const EpochBegan& e, std::vector<Statement>& out);
  void on(const EpochEnded& e, std::vector<Statement>& out);
  void on(const MetricLogged& e, std::vector<Statement>& out);
  void on(const StepSampled& e, std::vector<Statement>& out);
  void on(const CheckpointSaved& e, std::vector<Statement>& out);
  void on(const EvaluationDone& e, std::vector<Statement>& out);
  void on(const AdaptationApplied& e, std::vector<Statement>& out);
  void on(const RequestRejected& e, std::vector<Statement>& out);
  void on(const ValueRecorded& e, std::vector<Statement>& out);
  void on(const RunEnded& e, std::vector<Statement>& out);

  std::string epoch_iri(int epoch) const;
  std::string setting_key(int group, const std::string& name) const;

  std::string base_;
  std::string run_, graph_, trainer_, person_, model_;
  std::vector<std::string> train_datasets_;
  std::map<std::string, std::string> dataset_by_name_;
  std::map<std::string, std::string> current_setting_;  // setting_key -> IRI of the value in force
  std::map<std::string, int> metric_uses_;               // per epoch, to keep metric IRIs unique
  std::vector<std::string> settings_for_next_epoch_;     // new settings the next epoch uses
  std::string last_checkpoint_, best_checkpoint_;
  int checkpoints_ = 0, evaluations_ = 0, adaptations_ = 0;
};

}  // namespace torchprov::detail
