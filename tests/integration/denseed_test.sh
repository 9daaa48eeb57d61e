#!/bin/bash
# The denseed example: its Darcy solver's self-test, then a tiny training
# (256 samples on a 16x16 grid, 3 epochs, seconds) whose provenance is read
# with rdflib: val r2 for every epoch and improving, train loss/mse/r2 and val
# mse per epoch, a test evaluation with mse and r2, and the generated data set
# recorded with its generator parameters and the sha256 of the data file.
# usage: denseed_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
export OMP_WAIT_POLICY=PASSIVE

"$build/examples/denseed" --self-test

epochs=3
"$build/examples/denseed" --samples 256 --grid 16 --epochs $epochs --batch-size 16 --threads 1 \
  --checkpoint-dir "$work" --out "$work/run.ttl" --person "Test Person"

# Debian's python has rdflib; the first python3 on PATH may not.
/usr/bin/python3 - "$work/run.ttl" "$work/denseed-darcy-g16-n256-seed42.bin" $epochs <<'EOF'
import hashlib
import json
import sys

import rdflib

ttl, data_file, epochs = sys.argv[1], sys.argv[2], int(sys.argv[3])
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message)


g = rdflib.Graph()
g.parse(ttl, format="turtle")
PREFIX = ("PREFIX prov: <http://www.w3.org/ns/prov#>\n"
          "PREFIX dl: <https://w3id.org/torchprov/dl#>\n")


def rows(query):
    return list(g.query(PREFIX + query))


def per_epoch(name, split):
    found = rows(f'SELECT ?n ?v WHERE {{ ?m a dl:MetricValue ; dl:name "{name}" ; dl:split "{split}" ; '
                 f'prov:value ?v ; prov:wasGeneratedBy ?e . ?e a dl:Epoch ; dl:epochNumber ?n }} ORDER BY ?n')
    return {int(n): float(v) for n, v in found}


val_r2 = per_epoch("r2", "val")
check(sorted(val_r2) == list(range(1, epochs + 1)), f"val r2 recorded for each of the {epochs} epochs ({sorted(val_r2)})")
if val_r2:
    first, last = val_r2[min(val_r2)], val_r2[max(val_r2)]
    check(last > first, f"val r2 of the last epoch ({last:.4f}) > that of the first ({first:.4f})")
    check(last <= 1.0, "val r2 is at most 1")
for name, split in [("loss", "train"), ("mse", "train"), ("r2", "train"), ("mse", "val")]:
    values = per_epoch(name, split)
    check(sorted(values) == list(range(1, epochs + 1)), f"{split} {name} recorded for each epoch")
mse_val = per_epoch("mse", "val")
check(all(v >= 0 for v in mse_val.values()), "val mse is non-negative")

test = {str(n): float(v) for n, v in rows(
    'SELECT ?n ?v WHERE { ?ev a dl:Evaluation ; dl:split "test" . '
    '?m prov:wasGeneratedBy ?ev ; dl:name ?n ; prov:value ?v }')}
check(set(test) == {"mse", "r2"}, f"test evaluation has mse and r2 ({sorted(test)})")

best = rows("SELECT ?c WHERE { ?c a dl:Checkpoint ; dl:sha256 ?h }")
check(len(best) >= 1, f"best checkpoint(s) recorded with a hash ({len(best)})")

with open(data_file, "rb") as f:
    digest = hashlib.sha256(f.read()).hexdigest()
datasets = rows("SELECT ?split ?n ?params ?h WHERE { ?d a dl:Dataset ; dl:split ?split ; dl:numExamples ?n ; "
                "dl:generatorParameters ?params ; dl:sha256 ?h }")
check(sorted(str(r[0]) for r in datasets) == ["test", "train", "val"],
      f"train/val/test datasets carry generator parameters, numExamples and a sha256 ({len(datasets)})")
for split, n, params, h in datasets:
    p = json.loads(str(params))
    check(p.get("grid") == 16 and p.get("samples") == 256 and p.get("seed") == 42
          and "length_scale" in p and "solver_tolerance" in p and "boundary_conditions" in p,
          f"{split}: generator parameters are JSON with grid, samples, seed, length scale, tolerance, "
          "boundary conditions")
    check(p.get("num_samples") == int(n), f"{split}: numExamples {int(n)} matches the generator's split")
    check(str(h) == digest, f"{split}: sha256 is that of the generated data file")

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all denseed provenance checks passed")
EOF
