#!/bin/bash
# PROV-JSON and PROV-N, checked with python prov.
#
# A store holds a recorded training (alexnet-fmnist, one short epoch, with a
# checkpoint and a test evaluation) and imported Keras-Prov runs (learning-
# rate adaptations, layers, unknown columns).  For one run's graph and for
# the whole store, python prov reads the same document from our PROV-JSON as
# from our TriG (`torchprov export`, and GET /data with Accept:
# application/json); PROV-N comes out as a document with a bundle per graph.
# A PROV-JSON document python prov wrote survives `torchprov import` and
# `torchprov export --format provjson`.  Malformed PROV-JSON is refused with
# file, line and reason, and stores nothing.
#
# usage: prov_json_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
here=$source/tests/interop
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  exit 1
}
tp() { "$build/torchprov" "$@"; }
check() { /usr/bin/python3 "$here/prov_json_check.py" "$@"; }
export OMP_WAIT_POLICY=PASSIVE
store=$work/store

"$build/examples/alexnet-fmnist" --epochs 1 --train-limit 300 --test-limit 100 --threads 1 --store "$store" \
  --checkpoint-dir "$work/ckpt" > "$work/train.log" 2>&1 || { tail "$work/train.log"; fail "training failed"; }
/usr/bin/python3 "$here/make_keras_prov_dump.py" "$work/dump.sql" --epochs 6
tp import --from keras-prov --store "$store" "$work/dump.sql" > /dev/null || fail "keras-prov import failed"

# One run's graph, then the whole store.
run=$(sed -n 's/.*; run \(https:[^ ]*\).*/\1/p' "$work/train.log" | head -1)
[ -n "$run" ] || fail "the training printed no run IRI"
tp export --store "$store" --graph "$run/bundle" --format trig -o "$work/run.trig"
tp export --store "$store" --graph "$run/bundle" --format provjson -o "$work/run.json"
check same "$work/run.json" "$work/run.trig" 60 || fail "one run: PROV-JSON and TriG differ"
tp export --store "$store" --format trig -o "$work/all.trig"
tp export --store "$store" --format provjson -o "$work/all.json"
check same "$work/all.json" "$work/all.trig" 400 || fail "the store: PROV-JSON and TriG differ"

tp export --store "$store" --graph "$run/bundle" --format provn -o "$work/run.provn"
head -1 "$work/run.provn" | grep -qx document || fail "PROV-N does not start with document"
tail -1 "$work/run.provn" | grep -qx endDocument || fail "PROV-N does not end with endDocument"
grep -q "^  bundle tp:run/.*/bundle$" "$work/run.provn" || fail "PROV-N has no bundle for the run's graph"
grep -q "^    wasGeneratedBy(tp:run/[^,]*/metric/val/accuracy, tp:run/[^,]*/epoch/1, 20[0-9-]*T" "$work/run.provn" \
  || fail "PROV-N lacks the generation of the epoch's val accuracy with its time"
echo "ok: PROV-N: $(grep -c '^    ' "$work/run.provn") records in the run's bundle"

# GET /data: the same documents, by content negotiation.
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$build/torchprov" serve --store "$store" --port "$port" > "$work/serve.log" 2>&1 &
server=$!
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/health" > /dev/null && break; sleep 0.2; done
curl -sf -G -H 'Accept: application/json' --data-urlencode "graph=$run/bundle" "$base/data" -o "$work/served.json" \
  || fail "GET /data?graph with Accept: application/json failed"
check same "$work/served.json" "$work/run.trig" 60 || fail "served PROV-JSON differs from the TriG"
curl -sf -H 'Accept: application/json' "$base/data" -o "$work/served-all.json" || fail "GET /data as PROV-JSON failed"
check same "$work/served-all.json" "$work/all.trig" 400 || fail "served PROV-JSON of the store differs"
type=$(curl -sf -G -o "$work/served.provn" -w '%{content_type}' -H 'Accept: text/provenance-notation' \
  --data-urlencode "graph=$run/bundle" "$base/data") || fail "GET /data as PROV-N failed"
[[ "$type" == text/provenance-notation* ]] || fail "PROV-N served as '$type'"
cmp -s "$work/served.provn" "$work/run.provn" || fail "served PROV-N differs from the exported one"
status=$(curl -s -o /dev/null -w '%{http_code}' -G -H 'Accept: application/json' \
  --data-urlencode "graph=$run/no-such-graph" "$base/data")
[ "$status" = 404 ] || fail "PROV-JSON of a missing graph answered $status"
kill "$server"; wait "$server" 2>/dev/null || true; server=
echo "ok: GET /data serves PROV-JSON and PROV-N"

# python prov's own PROV-JSON through import and export.
check write "$work/python.json"
tp import --store "$work/round" "$work/python.json" > "$work/round.log" || { cat "$work/round.log"; fail "import of python's PROV-JSON failed"; }
tp export --store "$work/round" --format provjson -o "$work/exported.json"
check round-trip "$work/python.json" "$work/exported.json" || fail "python's document did not survive import and export"

# Malformed PROV-JSON: file, line, reason; nothing stored.
triples() { tp stats --store "$work/round" | awk '/^triples/ {print $2}'; }
before=$(triples)
refused() {  # NAME EXPECTED
  if tp import --store "$work/round" "$work/$1.json" > "$work/$1.log" 2>&1; then fail "$1 was imported"; fi
  grep -Eq "$2" "$work/$1.log" || { cat "$work/$1.log"; fail "$1: error without file:line and reason"; }
  [ "$(triples)" = "$before" ] || fail "$1: the store changed"
  echo "ok: $1 refused: $(head -1 "$work/$1.log")"
}
head -c 300 "$work/python.json" > "$work/truncated.json"
refused truncated "truncated.json:[0-9]+:[0-9]+: malformed JSON: .*; nothing stored"
/usr/bin/python3 - "$work/python.json" "$work/unknown-prefix.json" <<'EOF'
import sys
text = open(sys.argv[1]).read()
open(sys.argv[2], "w").write(text.replace('"ex:model-copy"', '"nowhere:model-copy"', 1))
EOF
line=$(grep -n -m1 'nowhere:model-copy' "$work/unknown-prefix.json" | cut -d: -f1)
refused unknown-prefix "unknown-prefix.json:$line:[0-9]+: prefix 'nowhere' of 'nowhere:model-copy' is not declared"
printf '{\n  "entity": {"ex:a": {}},\n  "wasGeneratedBy": {"_:g": {"prov:activity": "ex:b"}}\n}\n' > "$work/no-entity.json"
sed -i '1a\  "prefix": {"ex": "http://example.org/"},' "$work/no-entity.json"
refused no-entity "no-entity.json:4:[0-9]+: wasGeneratedBy record without prov:entity"
printf '{"entities": {}}\n' > "$work/unknown-section.json"
refused unknown-section 'unknown-section.json:1:2: unknown PROV-JSON section "entities"'
# A number beyond a double's range: refused at its place, not a crash.
printf '{\n  "prefix": {"ex": "http://example.org/"},\n  "entity": {"ex:a": {"ex:size": 1e999}}\n}\n' > "$work/huge-number.json"
refused huge-number "huge-number.json:3:[0-9]+: malformed JSON: number overflow parsing '1e999'"
echo "all PROV-JSON / PROV-N checks passed"
