#!/bin/bash
# Steering rules end to end: `torchprov serve` with rules registered through
# the CLI (`torchprov rules add`) for an experiment, a live Fashion-MNIST
# training of that experiment streaming into it, and a rule that must fire
# ("stop once epoch 2 has finished").  The shipped example rules
# (ontology/rules/*.rq) are registered too, so that they are parsed and
# evaluated after every epoch (the early-stop rule with patience 2), without
# requiring them to fire.  Then PROV checks: the run stopped early; the
# adaptation prov:wasAssociatedWith the rule's agent, a prov:SoftwareAgent,
# with a qualified association whose plan is the rule's query; the request
# prov:wasAttributedTo the rule and prov:wasDerivedFrom the query entity with
# its text; the rules survive a restart; a removed rule is marked removed.
# usage: rules_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$1 source=$2
work=$(mktemp -d)
server= trainer=
passed=0 failed=0
cleanup() {
  [ -n "$trainer" ] && kill "$trainer" 2>/dev/null
  [ -n "$server" ] && kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  stop_test_backend
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
source "$source/tests/integration/serve.sh"
check() {  # check NAME COMMAND...
  local name=$1
  shift
  if "$@"; then passed=$((passed + 1)); echo "ok   $name"; else failed=$((failed + 1)); echo "FAIL $name"; fi
}
fatal() {
  echo "FATAL: $*"; echo "--- server log"; tail -20 "$work/serve.log"; echo "--- training log"; tail -20 "$work/train.log"
  echo "$passed passed, $((failed + 1)) failed"; exit 1
}

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
start_server() {
  serve_store "$work/store" "$port" >> "$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 50); do curl -sf "$base/health" > /dev/null && return 0; sleep 0.2; done
  fatal "server did not start"
}
start_server
token_file=$work/store/token
token=$(cut -d' ' -f1 "$token_file")
experiment=rules-test-$$
rules() { "$build/torchprov" rules "$@" --endpoint "$base"; }
post_rule() { curl -s -o "$work/post.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d "$1" "$base/api/rules"; }
sparql_csv() { curl -sf -H 'Accept: text/csv' --data-urlencode "query=PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dl: <https://w3id.org/torchprov/dl#> $1" "$base/sparql" | tail -n +2 | tr -d '\r'; }

# --- registration through the CLI
cat > "$work/stop-after-2.rq" <<'RQ'
PREFIX dl: <https://w3id.org/torchprov/dl#>
PREFIX prov: <http://www.w3.org/ns/prov#>
# Fires once the run's epoch 2 has finished.
ASK { ?epoch dl:partOfRun ?run ; dl:epochNumber 2 ; prov:endedAtTime ?ended }
RQ
sed 's/BIND(3 AS ?patience)/BIND(2 AS ?patience)/' "$source/ontology/rules/early-stop-val-loss.rq" > "$work/early-stop.rq"
grep -q 'BIND(2 AS ?patience)' "$work/early-stop.rq" || fatal "the early-stop rule has no BIND(3 AS ?patience)"
check "add stop-after-epoch-2 (CLI)" rules add --token-file "$token_file" --name stop-after-epoch-2 \
  --experiment "$experiment" --file "$work/stop-after-2.rq" --action stop --reason "rules test: two epochs are enough"
check "add early-stop, patience 2 (CLI)" rules add --token-file "$token_file" --name early-stop \
  --experiment "$experiment" --file "$work/early-stop.rq" --action stop --reason "val loss stopped improving"
check "add halve-lr-on-divergence (CLI, ?value from the SELECT)" rules add --token-file "$token_file" \
  --name halve-lr --experiment "$experiment" --file "$source/ontology/rules/halve-lr-on-divergence.rq" \
  --action set --hyperparameter learning_rate --reason "training loss diverged" --repeatable
check "add median-pruning (CLI)" rules add --token-file "$token_file" --name median-pruning \
  --experiment "$experiment" --file "$source/ontology/rules/median-pruning.rq" --action stop

# --- refusals
check "same name again: 409" test "$(post_rule '{"name":"early-stop","scope":{"experiment":"x"},"query":"ASK { ?run ?p ?o }","action":"stop"}')" = 409
check "query without ?run: 400" test "$(post_rule '{"name":"r1","scope":{"experiment":"x"},"query":"ASK { ?s ?p ?o }","action":"stop"}')" = 400
check "syntax error: 400" test "$(post_rule '{"name":"r2","scope":{"experiment":"x"},"query":"ASK { ?run ?p }","action":"stop"}')" = 400
check "ASK with set and no value: 400" test "$(post_rule '{"name":"r3","scope":{"experiment":"x"},"query":"ASK { ?run ?p ?o }","action":"set","hyperparameter":"learning_rate"}')" = 400
check "CONSTRUCT: 400" test "$(post_rule '{"name":"r4","scope":{"experiment":"x"},"query":"CONSTRUCT { ?run ?p ?o } WHERE { ?run ?p ?o }","action":"stop"}')" = 400
# A number beyond a double's range is bad JSON, not an internal error.
check "rule with 1e999: 400" test "$(post_rule '{"name":"r5","scope":{"experiment":"x"},"query":"ASK { ?run ?p ?o }","action":"set","hyperparameter":"learning_rate","value":1e999}')" = 400
check "adaptation with 1e999: 400" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' -d '{"run":"https://w3id.org/torchprov/run/x","action":"set","hyperparameter":"learning_rate","value":1e999}' "$base/api/adaptations")" = 400
check "no token: 401" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' -d '{}' "$base/api/rules")" = 401
check "list shows the four rules" test "$(rules list | grep -c '"status":"active"')" = 4

# --- a live training of the experiment
OMP_WAIT_POLICY=PASSIVE "$build/examples/alexnet-fmnist" --epochs 12 --train-limit 600 --test-limit 100 \
  --threads 1 --endpoint "$base" --token-file "$token_file" --person "Rule Tester" --experiment "$experiment" \
  --checkpoint-dir "$work" > "$work/train.log" 2>&1 &
trainer=$!
for _ in $(seq 600); do kill -0 "$trainer" 2>/dev/null || break; sleep 0.5; done
kill -0 "$trainer" 2>/dev/null && fatal "the training did not stop within 300 s"
wait "$trainer" || fatal "the training failed"
trainer=
epochs=$(grep -c '^epoch ' "$work/train.log")
echo "the training ran $epochs of 12 epochs"
check "the run stopped early" test "$epochs" -lt 12
run=$(sparql_csv "SELECT ?run WHERE { ?run dl:partOfExperiment <https://w3id.org/torchprov/experiment/$experiment> }")
echo "run: $run"
[ -n "$run" ] || fatal "no run of experiment $experiment"
check "run status stopped" test "$(sparql_csv "SELECT ?s WHERE { <$run> dl:status ?s }")" = stopped

rule=https://w3id.org/torchprov/rule/stop-after-epoch-2
# The association is added when the adaptation arrives: allow a few seconds.
prov_chain() {
  sparql_csv "SELECT ?adaptation ?request ?plan ?text WHERE {
    ?adaptation a prov:Activity ; prov:wasAssociatedWith <$rule> ; prov:used ?request ;
                prov:qualifiedAssociation ?association .
    ?association prov:agent <$rule> ; prov:hadPlan ?plan .
    <$rule> a prov:SoftwareAgent , prov:Agent .
    ?request prov:wasAttributedTo <$rule> ; prov:wasDerivedFrom ?plan .
    ?plan a prov:Plan ; dl:queryText ?text . }"
}
for _ in $(seq 20); do [ -n "$(prov_chain)" ] && break; sleep 0.5; done
chain=$(prov_chain)
echo "$chain" | head -3
check "adaptation prov:wasAssociatedWith the rule (a prov:SoftwareAgent), plan = its query" test -n "$chain"
check "the request prov:wasDerivedFrom the query entity with its text" grep -q 'dl:epochNumber 2' <<< "$chain"
check "the adaptation stopped the run" test -n "$(sparql_csv "SELECT ?a WHERE { ?a prov:wasAssociatedWith <$rule> ; dl:action \"stop\" ; dl:partOfRun <$run> }")"
check "the rule is a dl:SteeringRule acting on behalf of a person" test -n "$(sparql_csv "SELECT ?p WHERE { <$rule> a dl:SteeringRule ; prov:actedOnBehalfOf ?p . ?p a prov:Person }")"
check "the request is listed as applied, by the rule" grep -q "\"status\":\"applied\",\"rule\":\"$rule\"" <<< "$(curl -sf "$base/api/adaptations?run=$run")"
listing=$(rules list)
check "stop-after-epoch-2 fired once" grep -q '"name":"stop-after-epoch-2".*"fired":1,' <<< "$listing"
check "early-stop was evaluated without error" grep -qE '"name":"early-stop".*"evaluations":[1-9][0-9]*,.*"last_error":null' <<< "$listing"
check "median-pruning was evaluated without error" grep -qE '"name":"median-pruning".*"evaluations":[1-9][0-9]*,.*"last_error":null' <<< "$listing"
check "halve-lr was evaluated without error" grep -qE '"name":"halve-lr".*"evaluations":[1-9][0-9]*,.*"last_error":null' <<< "$listing"

# --- rules survive a restart; removal
kill "$server"; wait "$server" 2>/dev/null; server=
start_server
check "rules reloaded after a restart" test "$(rules list | grep -c '"status":"active"')" = 4
check "remove early-stop (CLI)" rules remove --token-file "$token_file" --name early-stop
check "removing it again fails" test "$(rules remove --token-file "$token_file" --name early-stop > /dev/null 2>&1; echo $?)" = 1
check "early-stop is marked removed in the store" test "$(sparql_csv "SELECT ?s WHERE { <https://w3id.org/torchprov/rule/early-stop> dl:status ?s }")" = removed
check "re-registering early-stop gets a new query entity" grep -q 'early-stop/query/2' <<< "$(rules add --token-file "$token_file" --name early-stop --experiment "$experiment" --file "$work/early-stop.rq" --action stop)"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
