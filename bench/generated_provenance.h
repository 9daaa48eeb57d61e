// Synthetic training provenance in the dl: vocabulary, the same for every
// benchmark that loads a store (`bench store`, `bench scale`), and the
// canonical analysis queries over it.
//
// Deterministic: the same R x E always gives the same file.  Per run (its
// bundle graph): the bundle, the run with three hyperparameter settings
// (learning_rate, batch_size, optimizer), its training dataset, trainer and
// person agents and experiment; per epoch: the epoch activity (start/end
// times, dl:partOfRun, dl:previousEpoch), four metric values (loss/accuracy
// x train/val, typed prov:Entity and dl:MetricValue, prov:value xsd:double, dl:epoch,
// prov:wasGeneratedBy); every
// 10th and the last epoch a checkpoint derived from the dataset and the
// previous checkpoint.  With several experiments, run r belongs to
// experiment r % experiments (alexnet-fmnist, alexnet-fmnist-1, ...).
#pragma once

#include <torchprov/triplestore.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

namespace torchprov::bench {

// Writes `runs` x `epochs` of provenance to `file` as N-Quads (one named
// graph per run, runs numbered from `first_run`); returns the number of
// quads.  2 703 quads a run at 100 epochs.  `progress` hears of each run
// written ("runs", done of total), for a progress line.
std::size_t generate(const std::filesystem::path& file, int runs, int epochs, int experiments = 1,
                     int first_run = 0, const triplestore::ProgressHandler& progress = {});

struct BenchQuery {
  std::string name, order;  // order: "natural" | "bad"
  std::string text;
  std::vector<std::string> vars;
  std::string id() const { return order.empty() ? name : name + "-" + order; }
};

// Each canonical query in a natural and a deliberately bad pattern order;
// the run-scoped ones (loss-curve, checkpoint-lineage*) ask about run 0.
std::vector<BenchQuery> canonical_queries(int epochs);

}  // namespace torchprov::bench
