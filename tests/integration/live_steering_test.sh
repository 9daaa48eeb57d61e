#!/bin/bash
# A live Fashion-MNIST training streams into `torchprov serve` (beside a short
# finished run with another learning rate).  Headless Chromium opens the
# dashboard, checks what it shows against the store, watches the curves grow,
# submits a learning-rate change in the steering form and finds its marker on
# the curves; then a stop request goes through the API.  Afterwards PROV-only SPARQL (no dl: term) must find the revision
# chain old -> new setting, the adaptation that used and generated them and
# the person associated with it, and the run must really have stopped early.
# Screenshots are kept under BUILD/test-artifacts/dashboard.
# usage: live_steering_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
# The dashboard is what this test is about: without a browser it cannot run (77: skipped).
if [ ! -x /usr/bin/chromium ] || [ ! -d "$source/tests/browser/node_modules/playwright-core" ] || ! command -v node > /dev/null; then
  echo "SKIP: needs /usr/bin/chromium, node and tests/browser/node_modules/playwright-core (scripts/setup.sh installs them)"
  exit 77
fi
work=$(mktemp -d)
server= trainer=
cleanup() {
  [ -n "$trainer" ] && kill "$trainer" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  stop_test_backend
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
source "$source/tests/integration/serve.sh"
fail() { echo "FAIL: $*"; echo "--- server log"; tail -20 "$work/serve.log" || true; echo "--- training log"; tail -20 "$work/train.log" || true; exit 1; }

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
serve_store "$work/store" "$port" --static "$source/sparql-endpoint/dashboard/dist" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 50); do curl -sf "$base/health" > /dev/null && break; sleep 0.2; done
curl -sf "$base/health" > /dev/null || fail "server did not start"
token=$(cut -d' ' -f1 "$work/store/token")

# A short finished run with another learning rate first: the hyperparameter view then has
# something to compare.
OMP_WAIT_POLICY=PASSIVE "$build/examples/alexnet-fmnist" --epochs 1 --train-limit 300 --test-limit 100 --lr 0.003 \
  --threads 1 --endpoint "$base" --token-file "$work/store/token" --person "Trainer Tom" \
  --checkpoint-dir "$work/short" > "$work/train-short.log" 2>&1 || { cat "$work/train-short.log"; fail "the short training failed"; }

OMP_WAIT_POLICY=PASSIVE "$build/examples/alexnet-fmnist" --epochs 40 --train-limit 1200 --test-limit 200 \
  --threads 1 --endpoint "$base" --token-file "$work/store/token" --person "Trainer Tom" \
  --checkpoint-dir "$work" > "$work/train.log" 2>&1 &
trainer=$!

sparql_csv() { curl -sf -H 'Accept: text/csv' --data-urlencode "query=PREFIX prov: <http://www.w3.org/ns/prov#> $1" "$base/sparql" | tail -n +2 | tr -d '\r'; }

# Wait for the live run (not ended) and its first finished epoch.
run=
for _ in $(seq 150); do
  run=$(sparql_csv 'SELECT DISTINCT ?run WHERE { ?run prov:used ?x ; prov:wasAssociatedWith ?p . ?p a prov:Person . ?e prov:wasInformedBy ?run ; prov:endedAtTime ?t FILTER NOT EXISTS { ?run prov:endedAtTime ?end } }' | head -1)
  [ -n "$run" ] && break
  sleep 0.4
done
[ -n "$run" ] || fail "no run with a finished epoch appeared"
echo "run: $run"

# The learning-rate change, through the dashboard.
person="browser-test"
shots="$build/test-artifacts/dashboard"
mkdir -p "$shots"
(cd "$source/tests/browser" && BASE_URL="$base/" SCREENSHOT_DIR="$shots" STEER=1 LIVE=1 TOKEN="$token" node dashboard.test.mjs) \
  || fail "browser test failed"
reason="browser test: val loss plateaued, lowering the learning rate"
echo "screenshots: $shots"

# Wait until the trainer applied it, then ask it to stop.
for _ in $(seq 300); do
  curl -sf "$base/api/adaptations?run=$run" | grep -q '"action":"set".*"status":"applied"' && break
  sleep 0.4
done
curl -sf "$base/api/adaptations?run=$run" | grep -q '"action":"set".*"status":"applied"' || fail "learning-rate change not applied"
# A hyperparameter name with a carriage return (JSON "\r") is refused as
# unknown, never read as SPARQL (it was a 500: the query built from it broke).
code=$(curl -s -o "$work/cr.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "{\"run\":\"$run\",\"action\":\"set\",\"hyperparameter\":\"learning\\rrate\",\"value\":0.1}" \
  "$base/api/adaptations")
[ "$code" = 422 ] || fail "a hyperparameter name with \\r answered $code: $(cat "$work/cr.out")"
echo "ok: a hyperparameter name with \\r: $code $(cat "$work/cr.out")"
curl -sf -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"run\":\"$run\",\"action\":\"stop\",\"reason\":\"seen enough\",\"person\":\"$person\"}" "$base/api/adaptations" > /dev/null \
  || fail "stop request refused"
for _ in $(seq 300); do kill -0 "$trainer" 2>/dev/null || break; sleep 0.4; done
kill -0 "$trainer" 2>/dev/null && fail "the training did not stop"
wait "$trainer" || fail "the training failed"
trainer=
epochs=$(grep -c '^epoch ' "$work/train.log")
[ "$epochs" -lt 40 ] || fail "the run did not stop early ($epochs epochs)"
echo "stopped after $epochs of 40 epochs"

# PROV-only: old -> new revision chain, the adaptation that used and generated them, its person.
chain=$(sparql_csv "SELECT ?old ?new ?adaptation ?who ?oldValue ?newValue WHERE {
  ?new prov:wasRevisionOf ?old ; prov:wasGeneratedBy ?adaptation ; prov:value ?newValue .
  ?old prov:value ?oldValue .
  ?adaptation a prov:Activity ; prov:used ?old ; prov:wasAssociatedWith ?who .
  ?who a prov:Person .
  <$run> prov:used ?old . }")
echo "$chain"
[ -n "$chain" ] || fail "no PROV revision chain old -> new setting"
echo "$chain" | awk -F, '$6 + 0 == 0.0005 { found = 1 } END { exit !found }' || fail "the new setting is not 0.0005"
echo "$chain" | grep -q "person/$person," || fail "the adaptation is not associated with $person"
# The epoch after the adaptation used the new setting; the request carries the reason.
used=$(sparql_csv "SELECT ?epoch WHERE { ?new prov:wasRevisionOf ?old . ?epoch prov:used ?new ; prov:wasInformedBy <$run> }")
[ -n "$used" ] || fail "no epoch used the new setting"
reasons=$(sparql_csv "PREFIX dl: <https://w3id.org/torchprov/dl#> SELECT ?reason WHERE { ?a prov:used ?request . ?request prov:wasAttributedTo ?p ; dl:reason ?reason }")
echo "$reasons" | grep -qF "$reason" || fail "the reason was not recorded"
status=$(sparql_csv "PREFIX dl: <https://w3id.org/torchprov/dl#> SELECT ?s WHERE { <$run> dl:status ?s }")
[ "$status" = "stopped" ] || fail "run status is '$status', not stopped"
echo "1 passed, 0 failed"
