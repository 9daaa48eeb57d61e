#!/bin/bash
# The dashboard's run page, provenance graph, run comparison and parallel
# coordinates against `torchprov serve` with real trainings: a sweep (2
# learning rates x 2 batch sizes of tiny alexnet-fmnist trainings) and a
# steered training whose learning rate a person lowers through the steering
# API, plus one synthetic 40-epoch run from the benchmark's generator (for the
# folding of long runs).  Headless Chromium then checks what a person sees
# (tests/browser/views.test.mjs) against what the trainings printed; the
# Graphviz graph comes from `torchprov export --format dot` through `dot`.
# Screenshots are kept under BUILD/test-artifacts/dashboard-views.
# usage: dashboard_views_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
if [ ! -x /usr/bin/chromium ] || [ ! -d "$source/tests/browser/node_modules/playwright-core" ]; then
  echo "SKIP: needs /usr/bin/chromium and tests/browser/node_modules (scripts/setup.sh installs both)"
  exit 77
fi
if [ ! -f "$source/sparql-endpoint/dashboard/dist/index.html" ]; then
  echo "FAIL: the dashboard is not built (cd sparql-endpoint/dashboard && npm run build)"
  exit 1
fi
work=$(mktemp -d)
server= trainer=
cleanup() {
  [ -n "$trainer" ] && kill "$trainer" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*"; echo "--- server log"; tail -20 "$work/serve.log" || true; exit 1; }

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
"$build/torchprov" serve --store "$work/store" --port "$port" --static "$source/sparql-endpoint/dashboard/dist" \
  > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/health" > /dev/null && break; sleep 0.2; done
curl -sf "$base/health" > /dev/null || fail "server did not start"
token=$(cut -d' ' -f1 "$work/store/token")

# The steered training, in the background while the sweep runs.
"$build/examples/alexnet-fmnist" --epochs 5 --train-limit 600 --test-limit 200 --threads 1 --lr 0.003 \
  --endpoint "$base" --token-file "$work/store/token" --person "Trainer Tom" --experiment views-steered \
  --checkpoint-dir "$work/steered" > "$work/steered.log" 2>&1 &
trainer=$!
run=
for _ in $(seq 300); do
  run=$(sed -n 's/.*; run \(https:[^ ]*\).*/\1/p' "$work/steered.log" | head -1)
  [ -n "$run" ] && grep -q '^epoch 1/' "$work/steered.log" && break
  sleep 0.4
done
[ -n "$run" ] || fail "the steered training did not start: $(tail -5 "$work/steered.log")"
reason="val loss plateaued after epoch 1, lowering the learning rate"
person="Ana Steer"
curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"run\":\"$run\",\"action\":\"set\",\"hyperparameter\":\"learning_rate\",\"value\":0.0005,\"reason\":\"$reason\",\"person\":\"$person\"}" \
  "$base/api/adaptations" > /dev/null || fail "the learning-rate request was refused"

"$build/examples/sweep" --example alexnet-fmnist --grid 'lr=0.001,0.01;batch-size=32,64' --parallel 2 \
  --experiment views-sweep --work-dir "$work/sweep" --epochs 2 --train-limit 300 --test-limit 100 \
  --person "Sweep Sam" --endpoint "$base" --token-file "$work/store/token" > "$work/sweep.out" 2>&1 \
  || fail "the sweep failed: $(tail -5 "$work/sweep.out")"
wait "$trainer" || fail "the steered training failed: $(tail -5 "$work/steered.log")"
trainer=
grep -q '"action":"set".*"status":"applied"' <(curl -sf "$base/api/adaptations?run=$run") || fail "the learning-rate change was not applied"

# A long synthetic run (40 epochs) for the folding of epoch ranges.
"$build/torchprov" bench store --generate-only "$work/long.nq" --runs 1 --epochs 40 --first-run 777 > /dev/null
curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/n-quads' --data-binary @"$work/long.nq" \
  "$base/data" > /dev/null || fail "could not load the long run"
# A 3-epoch run whose epochs each have four end times (an epoch written again, as a resumed
# training or a second import may): the runs table shows 3 epochs and must sort it as 3, not
# as its 12 (epoch, end time) pairs, which would put it above the 5-epoch steered run.
"$build/torchprov" bench store --generate-only "$work/twice.nq" --runs 1 --epochs 3 --first-run 778 > /dev/null
curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/n-quads' --data-binary @"$work/twice.nq" \
  "$base/data" > /dev/null || fail "could not load the 3-epoch run"
curl -sf -X POST -H "Authorization: Bearer $token" --data-urlencode "update=PREFIX dl: <https://w3id.org/torchprov/dl#>
PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
INSERT { ?e prov:endedAtTime \"2030-01-01T00:00:01Z\"^^xsd:dateTime, \"2030-01-01T00:00:02Z\"^^xsd:dateTime, \"2030-01-01T00:00:03Z\"^^xsd:dateTime }
WHERE { ?e a dl:Epoch ; dl:partOfRun <https://w3id.org/torchprov/run/00000000-0000-4000-8000-000000000778> }" \
  "$base/sparql" > /dev/null || fail "could not add the end times"

# What the trainings printed: the steered run's best epoch (the first with the highest val_acc,
# as the example saves a checkpoint only on improvement) and each sweep run's configuration.
best_epoch=$(awk '/^epoch [0-9]+\// { split($2, e, "/"); acc = $NF; for (i = 1; i <= NF; i++) if ($i == "val_acc") acc = $(i + 1);
  if (best == "" || acc + 0 > best + 0) { best = acc; at = e[1] } } END { print at }' "$work/steered.log")
[ -n "$best_epoch" ] || fail "no epochs in the steered training's log"
sweep=$(sed -n 's/^\[[0-9]*\/4\] lr=\(\S*\) batch-size=\(\S*\) .* run \(\S*\)$/\3:\1:\2/p' "$work/sweep.out" | paste -sd, -)
[ "$(echo "$sweep" | tr ',' '\n' | grep -c .)" -eq 4 ] || fail "the sweep did not report 4 runs: $(cat "$work/sweep.out")"
echo "steered run $run, best epoch $best_epoch; sweep runs (id:lr:batch) $sweep"

# Graphviz users: the DOT export parses with Graphviz's own dot (scripts/setup.sh installs it).
# export opens the store read-only, beside the server that writes it.
command -v dot > /dev/null || fail "Graphviz's dot is missing (scripts/setup.sh installs the graphviz package)"
"$build/torchprov" export --store "$work/store" --format dot --run "${run##*/}" > "$work/run.dot" || fail "export --format dot failed"
dot -Tsvg "$work/run.dot" > "$work/run.svg" || fail "dot could not read the exported graph"
grep -q "best checkpoint" "$work/run.svg" || fail "the DOT export lacks the best checkpoint"
grep -q "$person" "$work/run.svg" || fail "the DOT export lacks the person who steered"
if "$build/torchprov" export --store "$work/store" --format dot 2> "$work/err.txt"; then fail "export --format dot without --run succeeded"; fi
grep -q -- "--run" "$work/err.txt" || fail "the error does not name --run: $(cat "$work/err.txt")"
echo "ok   - torchprov export --format dot reads with Graphviz ($(grep -c -- '->' "$work/run.dot") edges)"

shots="$build/test-artifacts/dashboard-views"
rm -rf "$shots"
mkdir -p "$shots"
cd "$source/tests/browser"
BASE_URL="$base/" SCREENSHOT_DIR="$shots" STEERED_RUN="${run##*/}" BEST_EPOCH="$best_epoch" REASON="$reason" \
  PERSON="$person" SWEEP="$sweep" SWEEP_EXPERIMENT=views-sweep LONG_RUN=00000000-0000-4000-8000-000000000777 \
  node views.test.mjs || fail "browser checks failed"
echo "screenshots: $shots"
