#!/bin/bash
# Backend mode over the SPARQL 1.1 Protocol, with any SPARQL 1.1 store as
# the backend.  By default the store is a second `torchprov serve` (its own
# data in its own directory), spoken to only through /sparql and /data; with
# TORCHPROV_TEST_BACKEND=virtuoso it is Debian's Virtuoso, started here on
# free ports.  Checked through curl, as a client meets it:
#   - a front whose backend is down starts, says degraded in /health with
#     the reason, journals writes (202) and answers queries 503 naming it;
#     a training streamed through it keeps training; the journal drains
#     when the backend comes up;
#   - queries answer what the backend answers (CSV, JSON, ASK, CONSTRUCT),
#     our syntax errors, row limits and timeouts still apply (504 from a
#     backend that never answers), Graph Store writes and reads pass;
#   - kill -9 of the backend, then of the front, during ingest: every
#     acknowledged batch is in the backend afterwards;
#   - a batch the backend refuses (a read-only torchprov; a Virtuoso whose
#     anonymous user lost the SPARQL_UPDATE role) is kept in backend-rejected/, reported in
#     /metrics with the backend's message, and later batches still go;
#   - several fronts share one backend: each its own folder (a second
#     server on one is refused), concurrent ingest through both loses
#     nothing, steering rules and requests made on one reach the other;
#   - SERVICE joins a local store with the backend's data, only for
#     endpoints listed by --service-allow (403 otherwise).
# usage: backend_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-backend.XXXXXX")
pids=()
passed=0 failed=0
virtuoso=
[ "${TORCHPROV_TEST_BACKEND:-embedded}" = virtuoso ] && virtuoso=1
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  [ -n "$virtuoso" ] && virtuoso_stop
  wait 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
if [ -n "$virtuoso" ]; then
  source "$source/tests/tools/virtuoso.sh"
  virtuoso_available || { echo "SKIP: Virtuoso (virtuoso-opensource) is not installed; scripts/setup.sh installs it"; exit 77; }
fi
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
fatal() {
  echo "FATAL: $*"
  for log in "$work"/*.log; do echo "--- $log"; tail -15 "$log"; done
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
}
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {  # URL [tries]
  for _ in $(seq "${2:-100}"); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  return 1
}
export OMP_WAIT_POLICY=PASSIVE

front_port=$(free_port)
front=http://127.0.0.1:$front_port
store_pid=
if [ -n "$virtuoso" ]; then
  # Virtuoso: ports are chosen when it first starts (start_store).
  store= store_sparql= store_data=
  start_store() {  # [--read-only: not for Virtuoso]
    if [ -z "$store" ]; then
      virtuoso_start "$work/virtuoso" || fatal "Virtuoso did not start"
      store=$VIRTUOSO_URL store_sparql=$VIRTUOSO_SPARQL store_data=$VIRTUOSO_CRUD
    else
      virtuoso_restart || fatal "Virtuoso did not restart"
    fi
    store_pid=$VIRTUOSO_PID
  }
  kill_store() { virtuoso_kill; }
  stop_store() { virtuoso_stop; }
  # Virtuoso's ports are known only once it ran: reserve them now so that
  # the front can be pointed at them while it is down.
  virtuoso_start "$work/virtuoso" || fatal "Virtuoso did not start"
  store=$VIRTUOSO_URL store_sparql=$VIRTUOSO_SPARQL store_data=$VIRTUOSO_CRUD
  virtuoso_stop
  backend_auth=()
else
  store_port=$(free_port)
  store=http://127.0.0.1:$store_port store_sparql=http://127.0.0.1:$store_port/sparql
  store_data=http://127.0.0.1:$store_port/data
  mkdir -p "$work/store"
  printf 'backend-store-token store-owner\n' > "$work/store/token"
  printf 'backend-store-token\n' > "$work/password"
  chmod 600 "$work/store/token" "$work/password"
  start_store() {  # [serve options]
    "$build/torchprov" serve --store "$work/store" --port "$store_port" "$@" >> "$work/store.log" 2>&1 &
    store_pid=$!
    pids+=("$store_pid")
    wait_http "$store/health" || fatal "the backend store did not start"
  }
  kill_store() { kill -9 "$store_pid"; wait "$store_pid" 2>/dev/null; }
  stop_store() { kill "$store_pid"; wait "$store_pid" 2>/dev/null; }
  backend_auth=(--backend-user torchprov --backend-password-file "$work/password")
fi
front_pid=
start_front() {  # DIR PORT [options]
  local dir=$1 port=$2
  shift 2
  "$build/torchprov" serve --backend "$store_sparql" --backend-data "$store_data" "${backend_auth[@]}" \
    --store "$dir" --port "$port" --backend-ack-wait 1 "$@" >> "$work/front-$port.log" 2>&1 &
  front_pid=$!
  pids+=("$front_pid")
  wait_http "http://127.0.0.1:$port/health" || fatal "the front on $port did not start"
}
store_count() {  # QUERY-WHERE -> count, asked of the backend store directly
  curl -sf -H 'Accept: text/csv' --data-urlencode "query=SELECT (COUNT(*) AS ?storeCount) WHERE { $1 }" "$store_sparql" |
    tail -1 | tr -d '\r"'
}
health() { curl -s "$front/health"; }

# --- the backend is down when the front starts
start_front "$work/front" "$front_port"
main_front_pid=$front_pid
token=$(cut -d' ' -f1 "$work/front/token")
h=$(health)
echo "health with the backend down: $h"
check "health: degraded, naming the backend and why" \
  grep -q "\"status\":\"degraded\",\"reason\":\"the SPARQL store at $store_sparql is not available: .*refused" <<< "$h"
code=$(curl -s -o "$work/q.out" -w '%{http_code}' --data-urlencode 'query=ASK {}' "$front/sparql")
check "query with the backend down: 503 naming it" \
  sh -c "[ $code = 503 ] && grep -q 'SPARQL store at $store_sparql is unreachable' '$work/q.out'"
printf '<http://ex/early> <http://ex/p> "journaled while down" <http://ex/g-early> .\n' > "$work/early.nq"
code=$(curl -s -o "$work/post.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/n-quads' --data-binary @"$work/early.nq" "$front/data")
check "a write with the backend down is journaled: 202" \
  sh -c "[ $code = 202 ] && grep -q 'journal' '$work/post.out'"

# A training streamed through the front while the backend is down.
if [ -x "$build/examples/alexnet-fmnist" ]; then
  "$build/examples/alexnet-fmnist" --epochs 2 --train-limit 300 --test-limit 100 --threads 1 \
    --endpoint "$front" --token-file "$work/front/token" --checkpoint-dir "$work/ckpt" --experiment backend-down \
    > "$work/train.log" 2>&1
  check "a training keeps training while the backend is down" test "$(grep -c '^epoch ' "$work/train.log")" = 2
else
  fail "build/examples/alexnet-fmnist is missing"
fi

start_store
for _ in $(seq 100); do grep -q '"status":"ok"' <<< "$(health)" && break; sleep 0.2; done
check "health: ok once the backend answers" grep -q '"status":"ok"' <<< "$(health)"
for _ in $(seq 100); do grep -q '"journal_unconfirmed_batches":0' <<< "$(health)" && break; sleep 0.2; done
check "the journal drained into the backend" grep -q '"journal_unconfirmed_batches":0' <<< "$(health)"
check "the batch journaled while down is in the backend" test "$(store_count 'GRAPH <http://ex/g-early> { ?s ?p ?o }')" = 1
check "the training's epochs are in the backend" \
  test "$(store_count '?e <https://w3id.org/torchprov/dl#epochNumber> ?n')" -ge 2

# --- queries answer what the backend answers
cat > "$work/data.trig" <<'EOF'
@prefix ex: <http://ex/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:g1 { ex:a ex:p 1 , 2.5 , "tab\there"@en ; ex:q ex:b . ex:b ex:p 3 . _:x ex:r "blank" . }
ex:g2 { ex:c ex:p "2024-01-01T00:00:00Z"^^xsd:dateTime ; ex:q ex:a . }
EOF
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/trig' \
  --data-binary @"$work/data.trig" "$front/data")
check "TriG through the front: stored (confirmed)" test "$code" = 200 -o "$code" = 201
queries=(
  'SELECT ?s ?o WHERE { ?s <http://ex/p> ?o } ORDER BY ?s ?o'
  'SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), "http://ex/g")) } GROUP BY ?g ORDER BY ?g'
  'ASK { <http://ex/a> <http://ex/q> <http://ex/b> }'
  'SELECT ?x WHERE { OPTIONAL { <http://ex/nothing> ?p ?x } }'
)
for q in "${queries[@]}"; do
  curl -sf -H 'Accept: application/sparql-results+json' --data-urlencode "query=$q" "$front/sparql" > "$work/a.srj"
  curl -sf -H 'Accept: application/sparql-results+json' --data-urlencode "query=$q" "$store_sparql" > "$work/b.srj"
  check "the same answer through the front: ${q:0:60}" $PY "$source/tests/clients/compare.py" results "$work/a.srj" "$work/b.srj"
  if [ -z "$virtuoso" ]; then
    for type in text/csv text/tab-separated-values; do
      a=$(curl -sf -H "Accept: $type" --data-urlencode "query=$q" "$front/sparql")
      b=$(curl -sf -H "Accept: $type" --data-urlencode "query=$q" "$store_sparql")
      check "the same $type text through the front: ${q:0:50}" test -n "$a" -a "$a" = "$b"
    done
  fi
done
construct='query=CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <http://ex/g1> { ?s ?p ?o } }'
curl -sf -H 'Accept: application/n-triples' --data-urlencode "$construct" "$front/sparql" > "$work/a.nt"
curl -sf -H 'Accept: application/n-triples' --data-urlencode "$construct" "$store_sparql" > "$work/b.nt"
check "CONSTRUCT: the same graph" sh -c "[ -s '$work/a.nt' ] && $PY '$source/tests/clients/compare.py' graphs '$work/a.nt' '$work/b.nt'"
check "the blank node arrived as one node" test "$(store_count 'GRAPH <http://ex/g1> { ?b <http://ex/r> "blank" }')" = 1
code=$(curl -s -o "$work/q.out" -w '%{http_code}' --data-urlencode 'query=SELECT * WHERE { ?s ?p }' "$front/sparql")
check "our syntax errors: 400 with the position" sh -c "[ $code = 400 ] && grep -q 'line 1' '$work/q.out'"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Accept: image/png' --data-urlencode 'query=ASK {}' "$front/sparql")
check "our content negotiation: 406" test "$code" = 406
got=$(curl -sf -H 'Accept: application/n-triples' "$front/data?graph=http://ex/g2" | sort)
check "GET /data?graph through the front" grep -q '<http://ex/c> <http://ex/q> <http://ex/a> .' <<< "$got"
code=$(curl -s -o /dev/null -w '%{http_code}' "$front/data?graph=http://ex/none")
check "GET /data of a graph the backend lacks: 404" test "$code" = 404
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: text/turtle' \
  --data-binary '<http://ex/x> <http://ex/p> "replaced" .' "$front/data?graph=http://ex/g2")
check "PUT /data?graph through the front" sh -c "[ $code = 200 ] && [ '$(store_count 'GRAPH <http://ex/g2> { ?s ?p ?o }')' = 1 ]"
code=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE -H "Authorization: Bearer $token" "$front/data?graph=http://ex/g2")
check "DELETE /data?graph through the front" sh -c "[ $code = 200 ] && [ '$(store_count 'GRAPH <http://ex/g2> { ?s ?p ?o }')' = 0 ]"
code=$(curl -s -o "$work/u.out" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/sparql-update' \
  --data 'INSERT DATA { GRAPH <http://ex/g3> { <http://ex/u> <http://ex/p> "by update" } }' "$front/sparql")
check "an update through the front: applied by the backend" \
  sh -c "[ $code = 200 ] && [ '$(store_count 'GRAPH <http://ex/g3> { ?s ?p "by update" }')' = 1 ]"

# Our limits: a second front with --max-rows 2; a backend that never answers.
limited_port=$(free_port)
start_front "$work/front-limited" "$limited_port" --max-rows 2
code=$(curl -s -o "$work/q.out" -w '%{http_code}' --data-urlencode 'query=SELECT * WHERE { ?s <http://ex/p> ?o }' "http://127.0.0.1:$limited_port/sparql")
check "our row limit: 503 naming it" sh -c "[ $code = 503 ] && grep -q 'limit of 2 rows' '$work/q.out'"
kill "$front_pid"; wait "$front_pid" 2>/dev/null
silent_port=$(free_port)
$PY -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', $silent_port)); s.listen(16)
held = []
while True:
    c, _ = s.accept(); held.append(c)
" &
pids+=($!)
silent_front_port=$(free_port)
"$build/torchprov" serve --backend "http://127.0.0.1:$silent_port/sparql" --store "$work/front-silent" \
  --port "$silent_front_port" --query-timeout 2 > "$work/front-silent.log" 2>&1 &
pids+=($!)
silent_front=$!
wait_http "http://127.0.0.1:$silent_front_port/health" || fatal "the front of the silent backend did not start"
timing=$(curl -s -m 20 -o "$work/q.out" -w '%{http_code} %{time_total}' --data-urlencode 'query=ASK {}' "http://127.0.0.1:$silent_front_port/sparql")
read -r code took <<< "$timing"
echo "a backend that never answers: HTTP $code after $took s: $(cat "$work/q.out")"
check "a backend that never answers: 504 naming it, within the query timeout" \
  sh -c "[ $code = 504 ] && grep -q 'SPARQL store at http://127.0.0.1:$silent_port/sparql did not answer within 2 s' '$work/q.out' && $PY -c 'import sys; sys.exit(0 if $took < 5 else 1)'"
kill "$silent_front"; wait "$silent_front" 2>/dev/null

# --- kill -9 during ingest: every acknowledged batch is in the backend
ingest() {  # FIRST LAST TAG: one batch per number to $front, its status in $work/acked-TAG
  for i in $(seq "$1" "$2"); do
    code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer ${ingest_token:-$token}" \
      -H 'Content-Type: application/n-quads' \
      --data-binary "<http://ex/batch/$3/$i> <http://ex/seq> \"$i\" <http://ex/ingest-$3> .
<http://ex/batch/$3/$i> <http://ex/tag> \"$3\" <http://ex/ingest-$3> ." "$front/data")
    case $code in 2*) echo "$i" >> "$work/acked-$3" ;; esac
  done
}
acked_missing() {  # TAG -> how many acknowledged batches the backend lacks
  curl -sf -H 'Accept: text/csv' --data-urlencode \
    "query=SELECT ?n WHERE { GRAPH <http://ex/ingest-$1> { ?b <http://ex/seq> ?n } }" "$store_sparql" |
    tail -n +2 | tr -d '\r"' | sort -n > "$work/present-$1"
  sort -n "$work/acked-$1" | comm -23 - "$work/present-$1" | wc -l
}
drained() { for _ in $(seq 300); do grep -q '"journal_unconfirmed_batches":0' <<< "$(health)" && return 0; sleep 0.2; done; return 1; }

: > "$work/acked-store"
ingest 1 150 store &
ingester=$!
sleep 1
kill_store
echo "backend killed with -9 during ingest"
sleep 2
start_store
wait "$ingester"
drained || fail "the journal did not drain after the backend came back"
echo "acknowledged: $(wc -l < "$work/acked-store") of 150 batches"
check "kill -9 of the backend: no acknowledged batch lost" test "$(acked_missing store)" = 0
check "kill -9 of the backend: acknowledgements kept coming" test "$(wc -l < "$work/acked-store")" -ge 140

: > "$work/acked-front"
ingest 1 150 front &
ingester=$!
sleep 1
kill -9 "$main_front_pid"; wait "$main_front_pid" 2>/dev/null
echo "front killed with -9 during ingest"
wait "$ingester"
start_front "$work/front" "$front_port"
main_front_pid=$front_pid
drained || fail "the journal did not drain after the front restarted"
echo "acknowledged: $(wc -l < "$work/acked-front") of 150 batches before the kill"
check "kill -9 of the front: no acknowledged batch lost" test "$(acked_missing front)" = 0

# --- a batch the backend refuses
if [ -n "$virtuoso" ]; then
  # A permission error: anonymous writers lose the SPARQL_UPDATE role.
  isql-vt "$VIRTUOSO_SQL_PORT" dba dba exec='revoke SPARQL_UPDATE from "SPARQL";' > /dev/null
  refused_batch='<http://ex/refused> <http://ex/p> "refused" <http://ex/g-refused> .'
  refused_update='INSERT DATA { GRAPH <http://ex/g-refused> { <http://ex/v> <http://ex/p> 1 } }'
  refusal=permission
else
  stop_store
  start_store --read-only
  refused_batch='<http://ex/refused> <http://ex/p> "refused" <http://ex/g-refused> .'
  refused_update='INSERT DATA { <http://ex/v> <http://ex/p> 1 }'
  refusal=read-only
fi
for _ in $(seq 50); do grep -q '"status":"ok"' <<< "$(health)" && break; sleep 0.2; done
code=$(curl -s -o "$work/post.out" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/n-quads' \
  --data-binary "$refused_batch" "$front/data")
echo "refused batch: HTTP $code: $(cat "$work/post.out")"
check "a refused batch: kept, the response says so" \
  sh -c "[ $code = 202 ] && grep -q '$refusal' '$work/post.out' && grep -q 'kept in' '$work/post.out'"
check "a refused batch is kept in backend-rejected/ with the backend's message" \
  sh -c "ls '$work/front/backend-rejected/'*.nq > /dev/null && grep -q '$refusal' '$work/front/backend-rejected/'*.why"
curl -s "$front/metrics" > "$work/metrics.txt"
check "/metrics reports the refusal with the backend's message" \
  sh -c "grep -q '^torchprov_backend_rejected_batches_total 1' '$work/metrics.txt' && grep -q 'torchprov_backend_rejection{message=.*$refusal' '$work/metrics.txt'"
code=$(curl -s -o "$work/u.out" -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/sparql-update' \
  --data "$refused_update" "$front/sparql")
echo "refused update: HTTP $code: $(cat "$work/u.out")"
check "an update the backend refuses: 502 with its message" sh -c "[ $code = 502 ] && grep -q '$refusal' '$work/u.out'"
if [ -n "$virtuoso" ]; then
  isql-vt "$VIRTUOSO_SQL_PORT" dba dba exec='grant SPARQL_UPDATE to "SPARQL";' > /dev/null
else
  stop_store
  start_store
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/n-quads' \
  --data-binary '<http://ex/after> <http://ex/p> "after" <http://ex/g-after> .' "$front/data")
check "after a refusal, later batches still go (not retried forever)" \
  sh -c "[ $code = 200 -o $code = 201 ] && [ '$(store_count 'GRAPH <http://ex/g-after> { ?s ?p ?o }')' = 1 ]"
check "the refused batch was not stored" test "$(store_count 'GRAPH <http://ex/g-refused> { ?s ?p ?o }')" = 0

# --- two fronts share steering rules through the backend
second_port=$(free_port)
start_front "$work/front-2" "$second_port"
rule='{"name":"shared-rule","scope":{"experiment":"shared"},"query":"ASK { ?run ?p ?o }","action":"stop"}'
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "$rule" "$front/api/rules")
check "a rule added on the first front: 201" test "$code" = 201
for _ in $(seq 40); do curl -s "http://127.0.0.1:$second_port/api/rules" | grep -q '"name":"shared-rule"' && break; sleep 0.25; done
check "the second front sees the rule (its state lives in the backend)" \
  grep -q '"name":"shared-rule".*"status":"active"' <<< "$(curl -s "http://127.0.0.1:$second_port/api/rules")"

# --- several fronts, one backend
# A front's folder holds its journal: a second server on it is refused at once.
timeout 20 "$build/torchprov" serve --backend "$store_sparql" --backend-data "$store_data" "${backend_auth[@]}" \
  --store "$work/front-2" --port "$(free_port)" > "$work/same-folder.out" 2>&1
code=$?
check "a second front on the same --store folder is refused, naming the holder" \
  sh -c "[ $code != 0 ] && [ $code != 124 ] && grep -q 'in use' '$work/same-folder.out' && grep -q 'own --store folder' '$work/same-folder.out'"
# Both fronts ingest at once: every acknowledged batch of each is in the backend.
second=http://127.0.0.1:$second_port
second_token=$(cut -d' ' -f1 "$work/front-2/token")  # each front has its own tokens
: > "$work/acked-two-a"
: > "$work/acked-two-b"
ingest 1 40 two-a &
first_ingester=$!
front=$second ingest_token=$second_token ingest 1 40 two-b &
second_ingester=$!
wait "$first_ingester" "$second_ingester"
for _ in $(seq 100); do
  grep -q '"journal_unconfirmed_batches":0' <<< "$(curl -s "$second/health")" && break
  sleep 0.2
done
drained || fail "the first front's journal did not drain"
echo "acknowledged through the two fronts: $(wc -l < "$work/acked-two-a") + $(wc -l < "$work/acked-two-b") of 40 + 40"
check "two fronts ingesting at once: every batch acknowledged" \
  test "$(cat "$work/acked-two-a" "$work/acked-two-b" | wc -l)" = 80
check "two fronts ingesting at once: no acknowledged batch lost" \
  sh -c "[ $(acked_missing two-a) = 0 ] && [ $(acked_missing two-b) = 0 ]"
# A person steers on one front; the trainer, polling the other, gets the request.
shared_run=http://ex/run/shared
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: application/n-quads' \
  --data-binary "<$shared_run> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://w3id.org/torchprov/dl#TrainingRun> <$shared_run/graph> ." \
  "$front/data")
check "a running run stored through the first front" sh -c "[ $code = 200 -o $code = 201 ]"
code=$(curl -s -o "$work/adapt.out" -w '%{http_code}' -H "Authorization: Bearer $second_token" -H 'Content-Type: application/json' \
  -d "{\"run\":\"$shared_run\",\"action\":\"stop\",\"reason\":\"asked on the second front\",\"person\":\"ana\"}" \
  "$second/api/adaptations")
check "a stop request on the second front: 202" test "$code" = 202 || cat "$work/adapt.out"
for _ in $(seq 40); do
  curl -s -H 'Accept: text/tab-separated-values' "$front/api/adaptations?run=$shared_run&status=pending" |
    grep -q 'asked on the second front' && break
  sleep 0.25
done
check "the trainer polling the first front gets the request made on the second" \
  sh -c "curl -s -H 'Accept: text/tab-separated-values' '$front/api/adaptations?run=$shared_run&status=pending' | grep -q 'stop.*asked on the second front'"

# --- SERVICE: a local store joined with the backend's data
local_port=$(free_port)
"$build/torchprov" serve --store "$work/local" --port "$local_port" --service-allow "$store_sparql" > "$work/local.log" 2>&1 &
pids+=($!)
wait_http "http://127.0.0.1:$local_port/health" || fatal "the local store did not start"
local_token=$(cut -d' ' -f1 "$work/local/token")
curl -sf -o /dev/null -H "Authorization: Bearer $local_token" -H 'Content-Type: text/turtle' \
  --data-binary '<http://ex/a> <http://ex/localName> "local a" .' "http://127.0.0.1:$local_port/data?graph=http://ex/local"
joined=$(curl -sf -H 'Accept: text/csv' --data-urlencode "query=SELECT ?name ?other WHERE { ?s <http://ex/localName> ?name . SERVICE <$store_sparql> { ?s <http://ex/q> ?other } }" "http://127.0.0.1:$local_port/sparql" | tr -d '\r')
check "SERVICE joins the local store with the backend's archive" grep -q '^local a,http://ex/b$' <<< "$joined"
code=$(curl -s -o "$work/s.out" -w '%{http_code}' --data-urlencode "query=SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }" "http://127.0.0.1:$local_port/sparql")
check "SERVICE to an endpoint not allowed: 403 with the reason" sh -c "[ $code = 403 ] && grep -q 'service-allow' '$work/s.out'"
code=$(curl -s -o "$work/s.out" -w '%{http_code}' --data-urlencode "query=SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:1/sparql> { ?s ?p ?o } }" "http://127.0.0.1:$local_port/sparql")
check "SERVICE SILENT does not lift the refusal" test "$code" = 403
code=$(curl -s -o "$work/s.out" -w '%{http_code}' --data-urlencode "query=SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }" "$front/sparql")
check "SERVICE through a front without --service-allow: 403" test "$code" = 403

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
