#!/usr/bin/python3
"""Checks the CSV answers of ontology/queries/*.rq against what the trainings printed.

usage: check_canned_queries.py WORK QUERIES --person P --steerer S --reason R --new-lr X

WORK holds (written by canned_queries_test.sh):
  runs.txt                 one training a line: name experiment optimizer lr seed epochs
  train-NAME.log           the training's output (its progress lines are the truth)
  ckpt-NAME/               its checkpoint directory
  endpoint/Q.csv, cli/Q.csv  the answers of each query file Q (through /sparql, through
                           `torchprov query --store`), plus the variants
                           01-run-<runId>.csv and 02-experiment-<name>.csv.
Every query file in QUERIES needs a check here (by its number); one without fails.
Prints one line per check and 'N passed, N failed'; exits 1 on a failure.
"""
import argparse
import csv
import math
import os
import re
import sys

PRINTED = 0.5e-4 + 1e-9  # the progress lines print metrics with %.4f

EPOCH_LINE = re.compile(
    r"^epoch (\d+)/(\d+)\s+loss (\S+)\s+acc (\S+)\s+val_loss (\S+)\s+val_acc (\S+)\s+\((\S+) s\)")
RUN_LINE = re.compile(r"; run https://\S*/run/([0-9a-f-]+)")

passed = failed = 0


def check(condition, message):
    global passed, failed
    if condition:
        passed += 1
        print("ok   " + message)
    else:
        failed += 1
        print("FAIL " + message)
    return condition


def num(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def close(value, printed, tolerance=PRINTED):
    return abs(num(value) - printed) <= tolerance


class Run:
    def __init__(self, work, spec):
        self.name, self.experiment, self.optimizer, lr, seed, epochs = spec.split()
        self.lr, self.seed, self.epochs_planned = float(lr), int(seed), int(epochs)
        self.checkpoint_dir = os.path.join(work, "ckpt-" + self.name)
        self.id = None
        self.epochs = []  # dicts, in order
        with open(os.path.join(work, "train-%s.log" % self.name)) as log:
            for line in log:
                m = RUN_LINE.search(line)
                if m and not self.id:
                    self.id = m.group(1)
                m = EPOCH_LINE.match(line)
                if m:
                    self.epochs.append(dict(epoch=int(m.group(1)), loss=float(m.group(3)), acc=float(m.group(4)),
                                            val_loss=float(m.group(5)), val_acc=float(m.group(6)),
                                            seconds=float(m.group(7))))

    @property
    def best(self):
        return max(e["val_acc"] for e in self.epochs)

    def best_epochs(self):
        """Epochs that may be the first to reach the best val accuracy, given the printing precision:
        the first printed maximum, or an earlier epoch printed within one last digit of it."""
        best = self.best
        first = next(e["epoch"] for e in self.epochs if e["val_acc"] == best)
        return {e["epoch"] for e in self.epochs if e["epoch"] <= first and e["val_acc"] >= best - 2 * PRINTED}

    def final(self):
        return self.epochs[-1]["val_acc"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def check_curves(label, rows, run):
    check(len(rows) == len(run.epochs), "%s: %d epochs of run %s (printed %d)" % (label, len(rows), run.name, len(run.epochs)))
    check(all(r["runId"] == run.id for r in rows), "%s: every row is of run %s" % (label, run.name))
    for row, printed in zip(rows, run.epochs):
        e = printed["epoch"]
        check(int(num(row["epoch"])) == e, "%s: epoch %s in order" % (label, row["epoch"]))
        for column, key in (("loss", "loss"), ("accuracy", "acc"), ("valLoss", "val_loss"), ("valAccuracy", "val_acc")):
            check(close(row[column], printed[key]),
                  "%s: %s of epoch %d = %s, printed %.4f" % (label, column, e, row[column], printed[key]))


def check_01(label, rows, runs, variant):
    if variant:  # 01-run-<id>: that run
        run_id = variant[len("run-"):]
        run = next((r for r in runs if r.id == run_id), None)
        if check(run is not None, "%s: %s is a run of the test" % (label, run_id)):
            check_curves(label, rows, run)
    else:  # default: the most recently started run, the last one trained
        check_curves(label + " (latest run)", rows, runs[-1])


def check_02(label, rows, runs, variant):
    expected = [r for r in runs if not variant or r.experiment == variant[len("experiment-"):]]
    by_id = {r.id: r for r in runs}
    check(sorted(r["runId"] for r in rows) == sorted(r.id for r in expected),
          "%s: lists the %d runs %s" % (label, len(expected), ", ".join(r.name for r in expected)))
    values = [num(r["bestValue"]) for r in rows]
    check(values == sorted(values, reverse=True), "%s: ordered by best val accuracy %s" % (label, values))
    # The order of the printed best values (ties at the printing precision may go either way).
    printed = [by_id[r["runId"]].best for r in rows if r["runId"] in by_id]
    check(all(a >= b - 2 * PRINTED for a, b in zip(printed, printed[1:])),
          "%s: the order of the printed best val_acc %s" % (label, printed))
    for row in rows:
        run = by_id.get(row["runId"])
        if not run:
            continue
        check(row["metric"] == "accuracy", "%s: metric accuracy" % label)
        check(close(row["bestValue"], run.best),
              "%s: best val accuracy of %s = %s, printed %.4f" % (label, run.name, row["bestValue"], run.best))
        check(row["experiment"] == run.experiment, "%s: experiment of %s = %s" % (label, run.name, row["experiment"]))
        check(row["optimizer"].lower() == run.optimizer,
              "%s: optimizer of %s = %s" % (label, run.name, row["optimizer"]))
        check(math.isclose(num(row["learningRate"]), run.lr, rel_tol=1e-9),
              "%s: initial learning rate of %s = %s (--lr %g)" % (label, run.name, row["learningRate"], run.lr))
        check(num(row["batchSize"]) == 64, "%s: batch size of %s = %s" % (label, run.name, row["batchSize"]))
        check(int(num(row["epochs"])) == len(run.epochs),
              "%s: epochs of %s = %s (printed %d)" % (label, run.name, row["epochs"], len(run.epochs)))
        if run.optimizer == "sgd":
            check(close(row["momentum"], 0.9, 1e-9), "%s: momentum of %s = %s" % (label, run.name, row["momentum"]))


def check_03(label, rows, runs, variant):
    groups = {}
    for run in runs:
        groups.setdefault((run.optimizer, run.lr), []).append(run)
    check(len(rows) == len(groups), "%s: %d (optimizer, learning rate) groups, expected %d" % (label, len(rows), len(groups)))
    found = set()
    for row in rows:
        key = (row["optimizer"].lower(), num(row["learningRate"]))
        group = next((g for k, g in groups.items() if k[0] == key[0] and math.isclose(k[1], key[1], rel_tol=1e-9)), None)
        if not check(group is not None, "%s: group %s, %s is one of the test's" % (label, row["optimizer"], row["learningRate"])):
            continue
        found.add((group[0].optimizer, group[0].lr))
        mean = sum(r.final() for r in group) / len(group)
        check(close(row["meanFinalValAccuracy"], mean),
              "%s: mean final val accuracy of %s lr %s = %s, printed %s -> %.5f" % (
                  label, row["optimizer"], row["learningRate"], row["meanFinalValAccuracy"],
                  " ".join("%.4f" % r.final() for r in group), mean))
        check(close(row["minFinalValAccuracy"], min(r.final() for r in group))
              and close(row["maxFinalValAccuracy"], max(r.final() for r in group)),
              "%s: min/max final val accuracy of %s lr %s" % (label, row["optimizer"], row["learningRate"]))
        check(int(num(row["runs"])) == len(group), "%s: %s runs with %s lr %s" % (label, row["runs"], row["optimizer"], row["learningRate"]))
    means = [num(r["meanFinalValAccuracy"]) for r in rows]
    check(means == sorted(means, reverse=True), "%s: ordered by mean final val accuracy" % label)


def check_04(label, rows, runs, variant):
    by_id = {r["runId"]: r for r in rows}
    check(sorted(by_id) == sorted(r.id for r in runs), "%s: one row per run" % label)
    for run in runs:
        row = by_id.get(run.id)
        if not row:
            continue
        best_epoch = int(num(row["bestEpoch"]))
        printed = [e["val_acc"] for e in run.epochs]
        check(best_epoch in run.best_epochs(),
              "%s: %s stopped improving after epoch %d; printed val_acc %s" % (label, run.name, best_epoch, printed))
        check(close(row["bestValAccuracy"], run.best), "%s: best val accuracy of %s = %s" % (label, run.name, row["bestValAccuracy"]))
        check(int(num(row["epochsDone"])) == len(run.epochs), "%s: %s epochs done" % (label, row["epochsDone"]))
        check(int(num(row["epochsWithoutImprovement"])) == len(run.epochs) - best_epoch,
              "%s: %s epochs without improvement" % (label, row["epochsWithoutImprovement"]))


def check_05(label, rows, runs, variant, args):
    steered = [r for r in runs if "steered" in r.name]
    check(len(rows) == 2, "%s: two rows (val loss and accuracy) for the one adaptation, got %d" % (label, len(rows)))
    for row in rows:
        run = next((r for r in steered if r.id == row["runId"]), None)
        if not check(run is not None, "%s: the adaptation is of the steered run" % label):
            continue
        k = int(num(row["adaptationEpoch"]))
        if not check(2 <= k <= len(run.epochs), "%s: adapted before epoch %d of %d" % (label, k, len(run.epochs))):
            continue
        before, after = run.epochs[k - 2], run.epochs[k - 1]
        key = {"loss": "val_loss", "accuracy": "val_acc"}.get(row["metric"])
        if not check(key is not None, "%s: metric %s" % (label, row["metric"])):
            continue
        check(close(row["before"], before[key]) and close(row["after"], after[key]),
              "%s: val %s %s -> %s around the change before epoch %d, printed %.4f -> %.4f" % (
                  label, row["metric"], row["before"], row["after"], k, before[key], after[key]))
        check(close(row["change"], after[key] - before[key], 2 * PRINTED), "%s: change %s" % (label, row["change"]))
        check(math.isclose(num(row["oldLearningRate"]), run.lr, rel_tol=1e-9)
              and math.isclose(num(row["newLearningRate"]), float(args.new_lr), rel_tol=1e-9),
              "%s: learning rate %s -> %s" % (label, row["oldLearningRate"], row["newLearningRate"]))
        check(row["agentName"] == args.steerer, "%s: asked for by %s" % (label, row["agentName"]))
        check(row["reason"] == args.reason, "%s: because '%s'" % (label, row["reason"]))


def check_06(label, rows, runs, variant):
    for run in runs:
        mine = [r for r in rows if r["runId"] == run.id]
        check([int(num(r["epoch"])) for r in mine] == [e["epoch"] for e in run.epochs],
              "%s: every epoch of %s" % (label, run.name))
        for row, printed in zip(mine, run.epochs):
            # The recorded epoch spans epoch() to the next epoch() (the last one: to the end of the run,
            # after the test evaluation); the printed time stops before the print.
            tolerance = 0.3 + 0.25 * printed["seconds"]
            check(abs(num(row["seconds"]) - printed["seconds"]) <= tolerance,
                  "%s: epoch %d of %s took %s s, printed %.1f s" % (label, printed["epoch"], run.name, row["seconds"], printed["seconds"]))


def check_07(label, rows, runs, variant, args):
    for run in runs:
        mine = [r for r in rows if r["runId"] == run.id]
        if not check(mine, "%s: the best checkpoint of %s" % (label, run.name)):
            continue
        check(len({r["checkpoint"] for r in mine}) == 1, "%s: one best checkpoint of %s" % (label, run.name))
        row = mine[0]
        check(int(num(row["epoch"])) in run.best_epochs(),
              "%s: written in epoch %s, where val_acc first reached its best" % (label, row["epoch"]))
        check(os.path.dirname(row["path"]) == os.path.realpath(run.checkpoint_dir) or
              os.path.dirname(row["path"]) == run.checkpoint_dir, "%s: its file %s" % (label, row["path"]))
        check("fashion-mnist-train" in {r["datasetName"] for r in mine},
              "%s: derived from the dataset fashion-mnist-train (%s)" % (label, " ".join(sorted({r['dataset'] for r in mine}))))
        check(row["program"] == "alexnet-fmnist" and row["trainer"].endswith("/trainer"),
              "%s: trained by %s (%s)" % (label, row["program"], row["trainer"]))
        check(row["personName"] == args.person, "%s: run by %s" % (label, row["personName"]))


CHECKS = {"01": check_01, "02": check_02, "03": check_03, "04": check_04,
          "05": check_05, "06": check_06, "07": check_07}
NEEDS_ARGS = {"05", "07"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("work")
    parser.add_argument("queries")
    parser.add_argument("--person", required=True)
    parser.add_argument("--steerer", required=True)
    parser.add_argument("--reason", required=True)
    parser.add_argument("--new-lr", required=True)
    args = parser.parse_args()
    with open(os.path.join(args.work, "runs.txt")) as f:
        runs = [Run(args.work, line) for line in f if line.strip()]
    for run in runs:
        check(run.id and len(run.epochs) == run.epochs_planned,
              "training %s: run %s, %d epochs printed" % (run.name, run.id, len(run.epochs)))

    names = sorted(f[:-3] for f in os.listdir(args.queries) if f.endswith(".rq"))
    for source in ("endpoint", "cli"):
        answers = sorted(f[:-4] for f in os.listdir(os.path.join(args.work, source)) if f.endswith(".csv"))
        for name in names:
            check(name in answers, "%s: %s answered" % (source, name))
        for answer in answers:
            number = answer[:2]
            base = next((n for n in names if n == answer), None)
            variant = None if base else answer[3:]
            label = "%s %s" % (source, answer)
            if not check(number in CHECKS, "%s: a check exists for query %s" % (label, number)):
                continue
            try:
                rows = read_csv(os.path.join(args.work, source, answer + ".csv"))
                if number in NEEDS_ARGS:
                    CHECKS[number](label, rows, runs, variant, args)
                else:
                    CHECKS[number](label, rows, runs, variant)
            except (KeyError, ValueError, TypeError) as error:
                check(False, "%s: unexpected answer (%s: %s)" % (label, type(error).__name__, error))
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
