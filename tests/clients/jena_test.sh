#!/bin/bash
# Apache Jena (Debian's) as a remote client of `torchprov serve`: a real
# training's provenance is PUT into the store, then every query under jena/
# runs through arq.rsparql --service and through Jena's own local evaluation
# (arq.sparql --data) of the same file; the result sets must match.  Then an
# update script goes through arq.rupdate --service (HTTP Basic, the token as
# password: Jena cannot send a bearer token), the store is exported with
# GET /data (N-Quads) and must be isomorphic, graph by graph, to Jena applying
# the same update locally (arq.update --dump).
# usage: jena_test.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh" "$1"
jena=$here/../tools/jena.sh
queries=$here/jena

command -v java > /dev/null || { echo "SKIP: no java (Debian's libapache-jena-java)"; exit 77; }
start_server
data=$work/prov.ttl
if [ -x "$build/examples/alexnet-fmnist" ]; then
  OMP_WAIT_POLICY=PASSIVE timeout 120 "$build/examples/alexnet-fmnist" --epochs 2 --train-limit 300 --test-limit 100 \
    --threads 1 --out "$data" --checkpoint-dir "$work" > "$work/train.log" 2>&1 || { cat "$work/train.log"; exit 1; }
else
  echo "SKIP: no build/examples/alexnet-fmnist (TORCHPROV_BUILD_EXAMPLES=OFF) to produce provenance"; exit 77
fi
echo "provenance: $(grep -c . "$data") lines"

code=$(curl -s -o "$work/put.out" -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" \
  -H 'Content-Type: text/turtle' --data-binary @"$data" "$base/data?default")
check "PUT /data?default with the token ($code)" test "$code" = 200 -o "$code" = 201 -o "$code" = 204

for q in "$queries"/*.rq; do
  name=$(basename "$q" .rq)
  if grep -q '^CONSTRUCT' "$q"; then
    timeout 60 "$jena" arq.rsparql --service "$base/sparql" --query "$q" --results=NT > "$work/$name.remote.nt" 2> "$work/err" &&
      timeout 60 "$jena" arq.sparql --data "$data" --query "$q" --results=NT > "$work/$name.local.nt" 2>> "$work/err" ||
      { fail "$name: jena failed: $(head -3 "$work/err")"; continue; }
    check "$name (rsparql = local, CONSTRUCT)" $PY "$here/compare.py" graphs "$work/$name.remote.nt" "$work/$name.local.nt"
  else
    timeout 60 "$jena" arq.rsparql --service "$base/sparql" --query "$q" --results=JSON > "$work/$name.remote.json" 2> "$work/err" &&
      timeout 60 "$jena" arq.sparql --data "$data" --query "$q" --results=JSON > "$work/$name.local.json" 2>> "$work/err" ||
      { fail "$name: jena failed: $(head -3 "$work/err")"; continue; }
    # A query whose answer computes doubles says so on its first line: their
    # lexical form is the engine's choice, so numbers compare by exact value.
    by_value=()
    head -1 "$q" | grep -q '^# compare: numbers-by-value' && by_value=(--numbers-by-value)
    check "$name (rsparql = local${by_value:+, numbers by value})" $PY "$here/compare.py" results \
      "$work/$name.remote.json" "$work/$name.local.json" --query "$q" "${by_value[@]}"
  fi
done

# The update, remotely and locally.
if timeout 60 "$jena" arq.rupdate --service "http://jena:$token@127.0.0.1:$port/sparql" \
     --update "$queries/update.ru" > "$work/rupdate.out" 2>&1; then
  pass "arq.rupdate --service applied the update script"
else
  fail "arq.rupdate --service: $(head -3 "$work/rupdate.out")"
fi
# Refused for the right reason: the server's 401, not a classpath error or a time-out.
timeout 60 "$jena" arq.rupdate --service "$base/sparql" --update "$queries/update.ru" > "$work/rupdate-anon.out" 2>&1
anon_status=$?
if [ "$anon_status" -ne 0 ] && [ "$anon_status" -ne 124 ] && grep -q '401' "$work/rupdate-anon.out"; then
  pass "arq.rupdate without credentials is refused with 401 ($(grep -m1 -o '[^ ]*401[^\n]*' "$work/rupdate-anon.out" | head -c 120))"
else
  fail "arq.rupdate without credentials: exit $anon_status, no 401 in: $(head -3 "$work/rupdate-anon.out")"
fi
curl -sf -H 'Accept: application/n-quads' "$base/data" -o "$work/server.nq"
check "GET /data as N-Quads" test -s "$work/server.nq"
timeout 60 "$jena" arq.update --data "$data" --update "$queries/update.ru" --dump > "$work/local.trig" 2> "$work/err" ||
  fail "arq.update locally: $(head -3 "$work/err")"
check "store after rupdate = Jena's local update (isomorphic per graph)" \
  $PY "$here/compare.py" graphs "$work/server.nq" "$work/local.trig"
# And Jena reads the export back (riot validates the N-Quads).
check "riot --validate accepts the exported N-Quads" timeout 60 "$jena" riotcmd.riot --validate "$work/server.nq"
finish
