#!/bin/bash
# The canned analysis queries of ontology/queries/ (the online-analysis
# scenarios of Keras-Prov++) answer what real trainings printed.
#
# `torchprov serve` runs over a store directory; three tiny alexnet-fmnist
# trainings (Adam) stream into it (--endpoint): two at lr 0.001 (seeds 1 and
# 2, so the per-learning-rate mean averages two runs) and one at lr 0.003
# whose learning rate is lowered to 0.0005 through POST /api/adaptations once
# its first epoch is in the store.  Every query file runs through the
# endpoint's /sparql (CSV), and after the server stopped, through
# `torchprov query --store DIR --format csv --file` over the same directory.
# check_canned_queries.py compares both answers with the trainings' own
# progress lines (epoch i/N  loss L  acc A  val_loss VL  val_acc VA  (S s)).
# With TORCHPROV_TEST_BACKEND=virtuoso the server runs in backend mode over a
# Virtuoso (serve.sh), and the second answers come from Virtuoso's own
# /sparql instead of `torchprov query --store`.
# usage: canned_queries_test.sh BUILD_DIR SOURCE_DIR   (KEEP=1 keeps the work directory)
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
queries=$source/ontology/queries
work=$(mktemp -d)
server= trainer=
cleanup() {
  [ -n "$trainer" ] && kill "$trainer" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  stop_test_backend
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
source "$source/tests/integration/serve.sh"
fail() {
  echo "FAIL: $*"
  echo "--- server log"; tail -20 "$work/serve.log" 2>/dev/null || true
  for log in "$work"/train-*.log; do [ -f "$log" ] && { echo "--- $log"; tail -20 "$log"; }; done
  echo "0 passed, 1 failed"
  exit 1
}
export OMP_WAIT_POLICY=PASSIVE
ls "$queries"/*.rq > /dev/null 2>&1 || fail "no query files in $queries"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
serve_store "$work/store" "$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "$base/health" > /dev/null && break; sleep 0.2; done
curl -sf "$base/health" > /dev/null || fail "server did not start"
token=$(cut -d' ' -f1 "$work/store/token")

person="Canned Carla" steerer="Steering Sue" reason="val loss plateaued: lower the learning rate"
new_lr=0.0005
# name experiment optimizer lr seed epochs
runs=("adam-a canned-adam adam 0.001 1 3" "adam-b canned-adam-b adam 0.001 2 3" "adam-steered canned-steered adam 0.003 3 8")
printf '%s\n' "${runs[@]}" > "$work/runs.txt"
run=

sparql_csv() {  # QUERY-TEXT -> CSV rows without the header
  curl -sf -H 'Accept: text/csv' --data-urlencode "query=$1" "$base/sparql" | tail -n +2 | tr -d '\r'
}

train() {  # name experiment optimizer lr seed epochs; in the background, $trainer
  mkdir -p "$work/ckpt-$1"
  # The log exists before the loop below reads it: the background job opens
  # it only when it is scheduled, which on a loaded machine can come later.
  : > "$work/train-$1.log"
  "$build/examples/alexnet-fmnist" --epochs "$6" --train-limit 600 --test-limit 200 --threads 1 \
    --lr "$4" --optimizer "$3" --seed "$5" --experiment "$2" --person "$person" \
    --endpoint "$base" --token-file "$work/store/token" --checkpoint-dir "$work/ckpt-$1" \
    > "$work/train-$1.log" 2>&1 &
  trainer=$!
}

for spec in "${runs[@]}"; do
  read -r name experiment optimizer lr seed epochs <<< "$spec"
  train "$name" "$experiment" "$optimizer" "$lr" "$seed" "$epochs"
  if [ "$name" = adam-steered ]; then
    # The run's IRI is on the training's first line; once its first epoch is
    # in the store, ask for a lower learning rate.
    run=
    for _ in $(seq 150); do
      run=$(sed -n 's/.*; run \(https:[^ ]*\).*/\1/p' "$work/train-$name.log" | head -1)
      [ -n "$run" ] && break
      sleep 0.2
    done
    [ -n "$run" ] || fail "the steered training printed no run IRI"
    for _ in $(seq 150); do
      [ -n "$(sparql_csv "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?e WHERE { ?e prov:wasInformedBy <$run> ; prov:endedAtTime ?t }")" ] && break
      sleep 0.2
    done
    curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      -d "{\"run\":\"$run\",\"action\":\"set\",\"hyperparameter\":\"learning_rate\",\"value\":$new_lr,\"reason\":\"$reason\",\"person\":\"$steerer\"}" \
      "$base/api/adaptations" > /dev/null || fail "learning-rate request refused"
    echo "asked $run for learning rate $new_lr"
  fi
  wait "$trainer" || fail "training $name failed"
  trainer=
  grep '^epoch ' "$work/train-$name.log"
done
curl -sf "$base/api/adaptations?run=$run" | grep -q '"action":"set".*"status":"applied"' \
  || fail "the learning-rate change was not applied (the training ended first?)"

# Every query file through the endpoint; the curves also for each run by id,
# the ranking also restricted to one experiment (their VALUES parameters).
mkdir -p "$work/endpoint" "$work/cli" "$work/variants"
for q in "$queries"/*.rq; do
  curl -sf -H 'Accept: text/csv' --data-urlencode "query@$q" "$base/sparql" | tr -d '\r' > "$work/endpoint/$(basename "$q" .rq).csv" \
    || fail "$(basename "$q") failed on the endpoint"
done
for log in "$work"/train-*.log; do
  id=$(sed -n 's/.*; run https:.*\/run\/\([0-9a-f-]*\).*/\1/p' "$log" | head -1)
  sed "s/VALUES ?runId { UNDEF }/VALUES ?runId { \"$id\" }/" "$queries"/01-*.rq > "$work/variants/01-run-$id.rq"
done
sed 's/VALUES ?onlyExperiment { UNDEF }/VALUES ?onlyExperiment { "canned-adam-b" }/' "$queries"/02-*.rq \
  > "$work/variants/02-experiment-canned-adam-b.rq"
for q in "$work"/variants/*.rq; do
  curl -sf -H 'Accept: text/csv' --data-urlencode "query@$q" "$base/sparql" | tr -d '\r' > "$work/endpoint/$(basename "$q" .rq).csv" \
    || fail "$(basename "$q") failed on the endpoint"
done

# Stop the server; the same store directory through the CLI (or, in
# backend mode, the same queries asked of Virtuoso itself).
kill "$server"
wait "$server" 2>/dev/null || true
server=
for q in "$queries"/*.rq "$work"/variants/*.rq; do
  if [ "$(test_backend)" = virtuoso ]; then
    curl -sf -H 'Accept: text/csv' --data-urlencode "query@$q" "$VIRTUOSO_SPARQL" | tr -d '\r' > "$work/cli/$(basename "$q" .rq).csv" \
      || fail "Virtuoso failed on $(basename "$q")"
  else
    timeout 120 "$build/torchprov" query --store "$work/store" --format csv --file "$q" > "$work/cli/$(basename "$q" .rq).csv" \
      || fail "torchprov query --store failed on $(basename "$q")"
  fi
done

/usr/bin/python3 "$source/tests/integration/check_canned_queries.py" "$work" "$queries" \
  --person "$person" --steerer "$steerer" --reason "$reason" --new-lr "$new_lr"
