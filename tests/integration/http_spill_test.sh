#!/bin/bash
# Remote capture survives an absent server: a training streams to a port
# where nothing listens yet; the HTTP sink spills to a local file, keeps
# training, and delivers the spill once `torchprov serve` comes up.  Then two
# trainings stream into the same server at once.
# usage: http_spill_test.sh BUILD_DIR
set -euo pipefail
build=$1
work=$(mktemp -d)
server= trainer=
cleanup() {
  [ -n "$trainer" ] && kill "$trainer" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$work"/*.log 2>/dev/null || true; echo "0 passed, 1 failed"; exit 1; }
export OMP_WAIT_POLICY=PASSIVE TMPDIR=$work

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
mkdir -p "$work/store"
printf 'spill-test-token tester\n' > "$work/store/token"
chmod 600 "$work/store/token"

train() {  # LOG [extra options]; run in the background: exec makes $! the trainer itself
  # Each trainer keeps its checkpoints apart: two saving and reloading the
  # same best-checkpoint file at once corrupt it for each other.
  local log=$1; shift
  exec "$build/examples/alexnet-fmnist" --epochs 4 --train-limit 600 --test-limit 100 --threads 1 \
    --endpoint "$base" --token-file "$work/store/token" --checkpoint-dir "$work/${log%.log}" "$@" > "$work/$log" 2>&1
}

train first.log --person early-bird &
trainer=$!
# No server yet: the trainer keeps training and its provenance goes to a spill file
# on disk ($TMPDIR/torchprov-spill-PID.nq).  Wait for both: a finished epoch and a
# spill file that holds it.
spill=
for _ in $(seq 1200); do
  spill=$(find "$work" -maxdepth 1 -name 'torchprov-spill-*.nq' -size +0 | head -1)
  if [ -n "$spill" ] && grep -q "^epoch 1/4" "$work/first.log" && grep -q '/epoch/[0-9]*> <http://www.w3.org/ns/prov#endedAtTime>' "$spill"; then break; fi
  kill -0 "$trainer" 2>/dev/null || break
  sleep 0.1
done
[ -n "$spill" ] || fail "no spill file was written while the server was away"
grep -q "^epoch 1/4" "$work/first.log" || fail "the trainer finished no epoch without a server"
# What was spilled so far, complete lines only (the sink may be appending).
head -n "$(wc -l < "$spill")" "$spill" > "$work/spilled.nq"
grep -q '/epoch/[0-9]*> <http://www.w3.org/ns/prov#endedAtTime>' "$work/spilled.nq" || fail "the spill file holds no finished epoch"
echo "spilled before the server came: $(wc -l < "$work/spilled.nq") statements"
"$build/torchprov" serve --store "$work/store" --port "$port" > "$work/serve.log" 2>&1 &
server=$!
wait "$trainer" || fail "the trainer failed"
trainer=
[ "$(grep -c '^epoch ' "$work/first.log")" -eq 4 ] || fail "training did not run its 4 epochs"
# Read back and delivered: the spill file is empty and the server holds every spilled statement.
[ ! -s "$spill" ] || fail "the spill file still holds $(wc -l < "$spill") statements after delivery"
curl -sf -H 'Accept: application/n-quads' "$base/data" -o "$work/server.nq" || fail "GET /data failed"
/usr/bin/python3 - "$work/spilled.nq" "$work/server.nq" <<'PY' || fail "the server lacks spilled statements"
import sys, rdflib
def quads(path):
    ds = rdflib.Dataset()
    ds.parse(path, format="nquads")
    return {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in ds.quads((None, None, None, None))}
spilled, served = quads(sys.argv[1]), quads(sys.argv[2])
missing = spilled - served
for q in list(missing)[:5]:
    print("missing:", q)
print(f"{len(spilled) - len(missing)} of {len(spilled)} spilled statements are in the server's store")
sys.exit(1 if missing or not spilled else 0)
PY

csv() { curl -sf -H 'Accept: text/csv' --data-urlencode "query=PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dl: <https://w3id.org/torchprov/dl#> $1" "$base/sparql" | tail -n +2 | tr -d '\r'; }
epochs=$(csv 'SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a dl:Epoch ; prov:endedAtTime ?t ; dl:partOfRun ?run . ?run prov:wasAssociatedWith ?p . ?p dl:name "early-bird" }')
[ "$epochs" = "4" ] || fail "the server holds $epochs finished epochs of the spilled run, not 4"
status=$(csv 'SELECT ?s WHERE { ?run dl:status ?s ; prov:wasAssociatedWith ?p . ?p dl:name "early-bird" }')
[ "$status" = "completed" ] || fail "the spilled run's status is '$status'"
echo "ok   - spilled while the server was away, delivered when it came"

train a.log --person alpha & pa=$!
train b.log --person beta & pb=$!
wait $pa || fail "trainer alpha failed"
wait $pb || fail "trainer beta failed"
both=$(csv 'SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a dl:Epoch ; dl:partOfRun ?run . ?run prov:wasAssociatedWith ?p . ?p dl:name ?who FILTER(?who IN ("alpha", "beta")) }')
[ "$both" = "8" ] || fail "two concurrent trainers left $both epochs, not 8"
echo "ok   - two trainers streamed into one server at once"
echo "2 passed, 0 failed"
