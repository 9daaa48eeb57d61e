#!/bin/bash
# A server that takes the connection and then says nothing cannot hang the
# HTTP client: `torchprov rules list` and `torchprov import --endpoint` give
# up at their --timeout with a message naming it (http:// and https://, a
# silent server and one that stalls in the middle of its answer), and a
# training whose HTTP sink sends to such a server finishes its epochs, keeps
# its provenance in the spill file, and that spill imports whole.
# usage: http_timeout_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
silent= headers= trainer=
cleanup() {
  for pid in $trainer $silent $headers; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
fail() { echo "FAIL: $*"; tail -20 "$work"/*.log 2>/dev/null || true; echo "$passed passed, 1 failed"; exit 1; }
export OMP_WAIT_POLICY=PASSIVE TMPDIR=$work

here=$(dirname "$0")
/usr/bin/python3 "$here/stalling_server.py" silent > "$work/silent.port" & silent=$!
/usr/bin/python3 "$here/stalling_server.py" headers > "$work/headers.port" & headers=$!
for _ in $(seq 300); do [ -s "$work/silent.port" ] && [ -s "$work/headers.port" ] && break; sleep 0.1; done
silent_url=http://127.0.0.1:$(cat "$work/silent.port")
headers_url=http://127.0.0.1:$(cat "$work/headers.port")

# COMMAND... must fail within 20 s (its timeout is 2 s) saying it timed out after 2 s while STEP.
gives_up() {
  local step=$1 name=$2; shift 2
  local start=$SECONDS status=0 log
  log=$work/$(printf '%s' "$name" | tr -c 'a-z' '-').log
  timeout 60 "$@" > "$log" 2>&1 || status=$?
  local took=$((SECONDS - start))
  [ "$status" -eq 1 ] || fail "$name: exit status $status, not 1 (took $took s): $(cat "$log")"
  [ "$took" -le 20 ] || fail "$name: gave up after $took s, its timeout is 2 s"
  grep -q "timed out after 2 s ($step)" "$log" || fail "$name: the error does not name the timeout: $(cat "$log")"
  echo "ok   - $name gave up in $took s: $(cat "$log")"
  passed=$((passed + 1))
}

gives_up "waiting for the answer" "rules list, silent server" \
  "$build/torchprov" rules list --endpoint "$silent_url" --timeout 2
gives_up "reading the answer" "rules list, server stalling in its answer" \
  "$build/torchprov" rules list --endpoint "$headers_url" --timeout 2
gives_up "TLS handshake" "rules list, https:// server silent in the handshake" \
  "$build/torchprov" rules list --endpoint "https://127.0.0.1:$(cat "$work/silent.port")" --timeout 2
printf '<http://example.org/s> <http://example.org/p> "o" .\n' > "$work/one.nt"
gives_up "reading the answer" "import --endpoint, server stalling in its answer" \
  "$build/torchprov" import --endpoint "$headers_url" --timeout 2 "$work/one.nt"

# A training streaming to a server that stalls in every answer: the sink's
# sender gives up on each request (5 s), the training runs its epochs, and
# what it recorded waits in the spill file ($TMPDIR/torchprov-spill-PID.nq).
start=$SECONDS
timeout 200 "$build/examples/alexnet-fmnist" --epochs 2 --train-limit 600 --test-limit 100 --threads 1 \
  --endpoint "$headers_url" --checkpoint-dir "$work/checkpoints" > "$work/train.log" 2>&1 &
trainer=$!
wait "$trainer" || fail "the training failed or hung (exit $?)"
trainer=
took=$((SECONDS - start))
[ "$(grep -c '^epoch ' "$work/train.log")" -eq 2 ] || fail "the training did not run its 2 epochs"
spill=$(find "$work" -maxdepth 1 -name 'torchprov-spill-*.nq' -size +0 | head -1)
[ -n "$spill" ] || fail "no spill file after a training against a stalling server"
grep -q "did not take all provenance" "$work/train.log" || fail "the trainer did not say where its provenance is"
echo "ok   - the training finished its 2 epochs in $took s against a stalling server; $(wc -l < "$spill") statements spilled"
passed=$((passed + 1))

"$build/torchprov" import --store "$work/store" "$spill" > "$work/import.log" 2>&1 || fail "the spill does not import"
count() {
  "$build/torchprov" query --store "$work/store" --format csv \
    "PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dl: <https://w3id.org/torchprov/dl#> $1" | tail -n +2 | tr -d '\r'
}
epochs=$(count 'SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a dl:Epoch ; prov:endedAtTime ?t ; dl:partOfRun ?run }')
[ "$epochs" = "2" ] || fail "the imported spill holds $epochs finished epochs, not 2"
status=$(count 'SELECT ?s WHERE { ?run a dl:TrainingRun ; dl:status ?s }')
[ "$status" = "completed" ] || fail "the imported spill's run status is '$status', not completed"
echo "ok   - the spill imports whole: 2 finished epochs, the run completed"
passed=$((passed + 1))
echo "$passed passed, 0 failed"
