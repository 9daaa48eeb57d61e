#!/bin/bash
# Exit codes, the same for every command: 0 success, 1 runtime failure,
# 2 usage error (the message names the option, nothing is created).  The
# commands are discovered from `torchprov --help`; each needs a case_* below
# (a command added without one fails this test).
#   exit_codes_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
tp=$build/torchprov
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-exit-codes.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2> /dev/null; wait "$server" 2> /dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# expect CODE ARGS...: torchprov ARGS exits CODE; its stderr is in $work/err.
expect() {
  local want=$1; shift
  "$tp" "$@" > "$work/out" 2> "$work/err" < /dev/null
  local rc=$?
  if [ "$rc" -eq "$want" ]; then
    passed=$((passed + 1)); echo "ok   $want: torchprov $*"
  else
    fail "torchprov $*: exit $rc, expected $want; stderr: $(head -c 400 "$work/err")"
  fi
}
# stderr_names TEXT: the last command's message names TEXT.
stderr_names() { grep -qF -- "$1" "$work/err" || fail "the message does not name '$1': $(head -c 300 "$work/err")"; }

# ---- fixtures: a small store and a server over another one.
store=$work/store
printf '<https://example.org/a> <https://example.org/p> "1" .\n' > "$work/a.nt"
printf '@prefix ex: <https://example.org/> .\nex:b ex:p "2" ' > "$work/broken.ttl"
"$tp" import --store "$store" "$work/a.nt" > /dev/null || { echo "cannot make the fixture store"; exit 1; }
port=$(free_port)
"$tp" serve --store "$work/served" --port "$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
curl -sf -o /dev/null "http://127.0.0.1:$port/health" || { echo "server did not start"; cat "$work/serve.log"; exit 1; }
endpoint=http://127.0.0.1:$port
closed=http://127.0.0.1:$(free_port)

# ---- one case per command: success (0) and a runtime failure (1), plus usage errors specific to it.
case_serve() {
  local p; p=$(free_port)
  "$tp" serve --store "$work/serve-ok" --port "$p" > "$work/serve-ok.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$p/health" && break; sleep 0.1; done
  kill -TERM "$pid"; wait "$pid"; local rc=$?
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); echo "ok   0: torchprov serve (stopped by SIGTERM)"; else fail "torchprov serve stopped by SIGTERM exits $rc"; fi
  # The port is taken: exit 1 before the store folder or the token exists.
  expect 1 serve --store "$work/serve-busy" --port "$port"
  stderr_names "cannot listen on 127.0.0.1:$port"
  [ ! -e "$work/serve-busy" ] || fail "serve on a busy port created $work/serve-busy"
  expect 2 serve --store "$work/serve-bad" --port 70000
  stderr_names "--port"
  [ ! -e "$work/serve-bad" ] || fail "serve with a bad --port created $work/serve-bad"
}
case_import() {
  expect 0 import --store "$store" "$work/a.nt"
  expect 1 import --store "$store" "$work/broken.ttl"
  stderr_names "broken.ttl:"
  expect 1 import --store "$store" "$work/missing.nt"
  stderr_names "missing.nt"
  expect 2 import --store "$work/import-new" --bogus "$work/a.nt"
  [ ! -e "$work/import-new" ] || fail "import with an unknown option created the store"
  expect 2 import --store "$work/import-new"
  stderr_names "FILE"
  # import reads RDF/XML: JSON-LD stands for a format it does not know.
  expect 2 import --store "$work/import-new" --format jsonld "$work/a.nt"
  stderr_names "--format"
  expect 2 import --store "$work/import-new" --endpoint "$endpoint" "$work/a.nt"
  stderr_names "--endpoint"
  expect 2 import --store "$work/import-new" --from keras-prof "$work/a.nt"
  stderr_names "--from"
  [ ! -e "$work/import-new" ] || fail "import with a usage error created the store"
  expect 0 import --endpoint "$endpoint" --token-file "$work/served/token" "$work/a.nt"
  expect 1 import --endpoint "$closed" "$work/a.nt"
}
case_export() {
  expect 0 export --store "$store" -o "$work/out.nq"
  expect 1 export --store "$store" -o "$work/no/such/dir/out.nq"
  expect 2 export --store "$store" --format yaml
  stderr_names "--format"
  expect 0 export --store "$store" --format provn -o "$work/out.provn"
}
case_query() {
  expect 0 query --store "$store" 'ASK { ?s ?p ?o }'
  expect 1 query --store "$store" 'SELEKT * WHERE { ?s ?p ?o }'
  expect 2 query --store "$store" --format yaml 'ASK {}'
  stderr_names "--format"
  expect 2 query --store "$store" --repeat many 'ASK {}'
  stderr_names "--repeat"
  expect 2 query --store "$store" 'ASK {}' 'ASK {}'
  # A query file's syntax error is located as FILE:LINE:COLUMN.
  printf 'SELECT * WHERE {\n  ?s ?p ?o\n' > "$work/unclosed.rq"
  expect 1 query --store "$store" --file "$work/unclosed.rq"
  stderr_names "$work/unclosed.rq:3:1: "
}
case_update() {
  expect 0 update --store "$store" 'INSERT DATA { <https://example.org/c> <https://example.org/p> "3" }'
  expect 1 update --store "$store" 'INSERT DATUM { }'
  expect 2 update --store "$store"
  printf 'PREFIX ex: <https://example.org/>\nINSERT DATUM { ex:a ex:p 1 }\n' > "$work/typo.ru"
  expect 1 update --store "$store" --file "$work/typo.ru"
  stderr_names "$work/typo.ru:2:8: "
}
case_stats() {
  expect 0 stats --store "$store"
  expect 1 stats --store "$work/a.nt"
}
case_redland_sync() {
  "$tp" import --store "$work/redland" "$work/a.nt" > /dev/null
  expect 0 redland-sync --store "$work/redland"
  grep -q "holds batch" "$work/out" || fail "redland-sync says '$(cat "$work/out")'"
  # The running server holds its store for writing.
  expect 1 redland-sync --store "$work/served"
  expect 2 redland-sync --store "$work/redland" extra
}
case_rules_add() {
  expect 0 rules add --endpoint "$endpoint" --token-file "$work/served/token" --name r1 --experiment e \
    --file "$source_dir/ontology/rules/early-stop-val-loss.rq" --action stop
  expect 1 rules add --endpoint "$endpoint" --token-file "$work/served/token" --name r2 --experiment e \
    --file "$work/missing.rq" --action stop
  # A rule's syntax error is located as FILE:LINE:COLUMN, and nothing is registered.
  printf 'PREFIX dl: <https://w3id.org/torchprov/dl#>\nASK { ?run dl:runId }\n' > "$work/bad-rule.rq"
  expect 1 rules add --endpoint "$endpoint" --token-file "$work/served/token" --name r2 --experiment e \
    --file "$work/bad-rule.rq" --action stop
  stderr_names "$work/bad-rule.rq:2:"
  stderr_names "syntax error"
  expect 2 rules add --endpoint "$endpoint" --token-file "$work/served/token" --name r3 \
    --file "$source_dir/ontology/rules/early-stop-val-loss.rq" --action stop
  stderr_names "--experiment"
  expect 2 rules add --endpoint "$endpoint" --token-file "$work/served/token" --name r3 --experiment e \
    --file "$source_dir/ontology/rules/early-stop-val-loss.rq" --action set --value fast
  stderr_names "--value"
}
case_rules_list() {
  expect 0 rules list --endpoint "$endpoint"
  grep -q '"r1"' "$work/out" || fail "rules list does not show the rule added"
  ! grep -q '"r2"' "$work/out" || fail "a rule refused for its syntax was registered"
  expect 1 rules list --endpoint "$closed"
}
case_rules_remove() {
  expect 0 rules remove --endpoint "$endpoint" --token-file "$work/served/token" --name r1
  expect 1 rules remove --endpoint "$endpoint" --token-file "$work/served/token" --name r1
}
case_bench_capture() {
  expect 0 bench capture --runs 1 --epochs 1 --batches 2
  TMPDIR=$work/no/such/dir expect 1 bench capture --runs 1 --epochs 1 --batches 2
  expect 2 bench capture --runs 0
  stderr_names "--runs"
}
case_bench_store() {
  expect 0 bench store --runs 2 --epochs 2 --repeat 1 --skip-oxigraph --skip-jena --dir "$work/bench-store"
  expect 1 bench store --data "$work/missing.nt" --skip-oxigraph --skip-jena --dir "$work/bench-store"
  expect 2 bench store --data "$work/broken.ttl"
  stderr_names "--data"
}
case_bench_scale() {
  expect 0 bench scale --runs 2 --virtuoso-runs '' --users '' --epochs 2 --repeat 1 --dir "$work/bench-scale"
  expect 1 bench scale --runs 2 --virtuoso-runs '' --users '' --epochs 2 --repeat 1 --dir "$work/a.nt/under-a-file"
  expect 2 bench scale --runs 2,x
  stderr_names "--runs"
}
case_bench_soak() {
  expect 0 bench soak --minutes 0.1 --sample-seconds 3 --ingest-rate 500 --keep-runs 10 --out "$work/soak"
  [ -s "$work/soak/soak.csv" ] || fail "bench soak wrote no $work/soak/soak.csv"
  expect 1 bench soak --minutes 0.1 --sample-seconds 3 --server "$work/no-such-program" --out "$work/soak-fail"
  expect 2 bench soak --minutes 0
  stderr_names "--minutes"
}
case_bench_load() {
  expect 0 bench load --seconds 1 --runs 2 --epochs 2 --connections 2 --analysis-connections 1 --ingest-rate 100
  expect 1 bench load --seconds 1 --runs 2 --epochs 2 --server "$work/no-such-program"
  expect 2 bench load --seconds 0
  stderr_names "--seconds"
}
case_version() {
  expect 0 version
  grep -q '^torchprov [0-9]' "$work/out" || fail "version prints '$(cat "$work/out")'"
  expect 0 --version
  expect 2 version extra
  # No runtime failure is possible: `version` only prints.
}

# ---- every command, found from the help.
commands() {  # WORDS...: the leaf commands under `torchprov WORDS`
  local help; help=$("$tp" "$@" --help)
  if grep -q '^commands:$' <<< "$help"; then
    local word
    for word in $(awk '/^commands:$/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}' <<< "$help"); do
      commands "$@" "$word"
    done
  else
    echo "$*"
  fi
}
mapfile -t all < <(commands)
[ "${#all[@]}" -gt 10 ] || fail "only ${#all[@]} commands found in torchprov --help"
mkdir "$work/empty"
for command in "${all[@]}"; do
  read -r -a words <<< "$command"
  # Generic usage errors, run in an empty folder that must stay empty.
  (cd "$work/empty" && "$tp" "${words[@]}" --no-such-option > "$work/out" 2> "$work/err"); rc=$?
  [ "$rc" -eq 2 ] && passed=$((passed + 1)) || fail "torchprov $command --no-such-option exits $rc"
  stderr_names "--no-such-option"
  valued=$("$tp" "${words[@]}" --help | awk '/^options:$/ {on = 1; next} on && /^$/ {exit} on' |
           grep -oE '^  (-[a-z], )?--[a-z-]+ [A-Z]' | tail -1 | grep -oE -- '--[a-z-]+')
  if [ -n "$valued" ]; then
    (cd "$work/empty" && "$tp" "${words[@]}" "$valued" > "$work/out" 2> "$work/err"); rc=$?
    [ "$rc" -eq 2 ] && passed=$((passed + 1)) || fail "torchprov $command $valued (no value) exits $rc"
    stderr_names "$valued"
  fi
  [ -z "$(ls -A "$work/empty")" ] || fail "a usage error of torchprov $command created $(ls -A "$work/empty")"
  function=case_${command// /_}
  function=${function//-/_}
  if declare -F "$function" > /dev/null; then
    "$function"
  else
    fail "no exit-code cases for 'torchprov $command': add $function to tests/cli/exit_codes_test.sh"
  fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
