#!/bin/bash
# examples/python/fmnist.py driven by the sweep (--example python-fmnist): a
# 2-configuration grid of tiny trainings into a server the sweep starts
# itself.  Both must finish, and the ranking (the canned query 02 through
# /sparql) must list both runs with the best val_acc each training printed
# and its learning rate.
# usage: fmnist_sweep_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE
status=0
"$build/examples/sweep" --example python-fmnist --grid 'lr=0.001,0.003' --parallel 2 --experiment py-sweep \
  --work-dir "$work/sweep" --epochs 2 --train-limit 300 --test-limit 100 --person "Sweep Sam" 2>&1 \
  | tee "$work/sweep.out" || status=$?
/usr/bin/python3 - "$work" "$status" <<'PY'
import csv, os, re, sys

work, status = sys.argv[1], int(sys.argv[2])
failed = 0


def check(condition, message):
    global failed
    failed += not condition
    print(("ok   " if condition else "FAIL ") + message)


check(status == 0, f"the sweep exits 0 ({status})")
out = open(os.path.join(work, "sweep.out")).read()
done = re.findall(r"^\[\d/2\] (lr=\S+)\s+\S+ s  best val_acc (\S+) \(epoch \d of 2\)  run (\S+)$", out, re.M)
check(len(done) == 2, f"both configurations finished ({len(done)})")
with open(os.path.join(work, "sweep", "ranking.csv")) as f:
    rows = {r["runId"]: r for r in csv.DictReader(f)}
for config, best, run in done:
    row = rows.get(run)
    check(row is not None, f"the ranking lists the run of {config}")
    if row:
        check(abs(float(row["bestValue"]) - float(best)) < 5e-5, f"{config}: best val accuracy {row['bestValue']} "
                                                                  f"is what the training printed ({best})")
        check(float(row["learningRate"]) == float(config.split("=")[1]), f"{config}: learning rate {row['learningRate']}")
        check(row["optimizer"] == "Adam", f"{config}: optimizer {row['optimizer']}")
# The example's own output, as the C++ example's.
log = open(os.path.join(work, "sweep", "01.log")).read()
check(re.search(r"^fmnist\.py: 270 train, 30 val, 100 test examples; run https://w3id.org/torchprov/run/", log, re.M)
      is not None, "the training says how many examples it uses and its run")
sys.exit(1 if failed else 0)
PY
