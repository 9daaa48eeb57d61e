#!/bin/bash
# One writer per store, through the real binaries.  Every pair of commands on
# one store: serve + import, serve + update, serve + serve, import + import,
# read-only commands (query, export, stats, serve --read-only) beside a
# server and beside an import, a kill -9 of the holder and the lock taken
# again at once.  Every acknowledged triple is counted, and the store is
# counted after every restart: nothing acknowledged may be missing and
# nothing unacknowledged may appear.  Refusals must name the holder.
# Read-only commands on a missing or foreign folder fail and create nothing.
# usage: store_one_writer_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
tp=$build/torchprov
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-one-writer.XXXXXX")
started=()
cleanup() {
  for pid in "${started[@]}"; do kill -9 "$pid" 2>/dev/null; done
  exec 3>&- 2>/dev/null
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
contains() { grep -qF -- "$2" "$1" || { echo "  '$2' not in $1:"; sed 's/^/    /' "$1"; return 1; }; }
equal() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'"; return 1; }; }

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# gen FILE FIRST COUNT: COUNT distinct N-Triples, subjects FIRST..
gen() {
  awk -v first="$2" -v n="$3" 'BEGIN { for (i = first; i < first + n; i++)
    printf "<urn:x:s%d> <urn:x:p> \"value %d\" .\n", i, i }' > "$1"
}

# The store's triples as read-only commands see them: stats, a query and an
# export must agree.
stored() {
  local s q e
  s=$("$tp" stats --store "$1" 2>/dev/null | awk '/^triples/ { print $2 }')
  q=$("$tp" query --store "$1" --format csv 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' 2>/dev/null | tail -1 | tr -d '\r')
  e=$("$tp" export --store "$1" --format nquads 2>/dev/null | wc -l)
  if [ "$s" = "$q" ] && [ "$q" = "$e" ]; then echo "$s"; else echo "stats=$s query=$q export=$e"; fi
}

port= server= base=
start_server() {  # STORE [options]: a writer server, waits for /health
  local store=$1; shift
  port=$(free_port)
  base=http://127.0.0.1:$port
  "$tp" serve --store "$store" --port "$port" "$@" > "$work/serve.$port.log" 2>&1 &
  server=$!
  started+=("$server")
  for _ in $(seq 150); do
    curl -sf -o /dev/null "$base/health" && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  echo "server did not start:"; cat "$work/serve.$port.log"; exit 1
}
stop_server() { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=; }

post() {  # FILE: POST N-Triples to the server; prints the number acknowledged
  local token code
  token=$(cut -d' ' -f1 "$store/token")
  code=$(curl -s -o "$work/post.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/n-triples' --data-binary @"$1" "$base/data")
  case $code in 200|201) sed -n 's/^stored \([0-9]*\) statements.*/\1/p' "$work/post.out" ;; *) echo 0 ;; esac
}

imported() { sed -n 's/^.*: \([0-9]*\) triples imported.*/\1/p' "$1" | awk '{ n += $1 } END { print n + 0 }'; }

# Runs a command that must be refused at once: exit 1 within 20 s.
refused() {  # LOG COMMAND...
  local log=$1; shift
  if declare -F "$1" > /dev/null; then
    "$@" > "$log" 2>&1 & local pid=$!
    ( sleep 20; kill "$pid" 2>/dev/null ) & local watchdog=$!
    wait "$pid"; local rc=$?
    kill "$watchdog" 2>/dev/null
  else
    timeout 20 "$@" > "$log" 2>&1; local rc=$?
  fi
  [ "$rc" -eq 1 ] || { echo "  exit $rc, wanted 1:"; sed 's/^/    /' "$log"; return 1; }
}

store=$work/store
acked=0

# ------------------------------------------------------------ serve + others
gen "$work/a.nt" 0 1000
start_server "$store"
writer_pid=$server
n=$(post "$work/a.nt"); acked=$((acked + n))
check "server acknowledges a POST" equal "$n" 1000

gen "$work/b.nt" 1000 2000
check "serve + import: import refused" refused "$work/import.log" "$tp" import --store "$store" "$work/b.nt"
check "serve + import: refusal names the server's pid" contains "$work/import.log" "pid $writer_pid"
check "serve + import: refusal names its command" contains "$work/import.log" "torchprov serve --store $store"
check "serve + import: refusal says where to send data" contains "$work/import.log" "$base/data"
# The advice works as printed: its curl command, with the file filled in.
advice=$(grep -o "curl .*$base/data" "$work/import.log" | head -1)
code=$(cd "$work" && eval "${advice/@FILE/@b.nt} -s -o /dev/null -w '%{http_code}'")
check "serve + import: the curl command in the refusal stores the data" test "$code" = 200 -o "$code" = 201
case $code in 200|201) acked=$((acked + 2000)) ;; esac
advice=$(grep -o "torchprov import --endpoint [^ ]* --token-file [^ ]* FILE" "$work/import.log" | head -1)
advice=${advice/#torchprov/$tp}
gen "$work/b2.nt" 3000 300
${advice% FILE} "$work/b2.nt" > "$work/b2.log" 2>&1
check "serve + import: the torchprov import --endpoint command in the refusal stores the data" \
  equal "$(imported "$work/b2.log")" 300
acked=$((acked + $(imported "$work/b2.log")))

check "serve + update: update refused" refused "$work/update.log" \
  "$tp" update --store "$store" 'INSERT DATA { <urn:x:u> <urn:x:p> "lost" }'
check "serve + update: refusal names the server's pid" contains "$work/update.log" "pid $writer_pid"

token_before=$(cat "$store/token")
port2=$(free_port)
check "serve + serve: second server refused" refused "$work/serve2.log" "$tp" serve --store "$store" --port "$port2"
check "serve + serve: refusal names the first server" contains "$work/serve2.log" "pid $writer_pid"
check "serve + serve: second server never listened" bash -c "! curl -s -o /dev/null http://127.0.0.1:$port2/health"
check "serve + serve: token untouched" equal "$(cat "$store/token")" "$token_before"

check "serve + serve --read-only: refused" refused "$work/ro.log" \
  "$tp" serve --store "$store" --port "$(free_port)" --read-only
check "serve + serve --read-only: refusal names the writer" contains "$work/ro.log" "pid $writer_pid"

# Read-only commands beside the server: a consistent copy of what was
# acknowledged, while trainers keep posting batches of 100.
check "query/export/stats beside the server see every acknowledged triple" equal "$(stored "$store")" "$acked"
"$tp" stats --store "$store" > "$work/stats.log" 2>&1
check "stats beside the server names the writer" contains "$work/stats.log" "writer       pid $writer_pid"
(
  for i in $(seq 0 29); do
    gen "$work/batch$i.nt" $((10000 + i * 100)) 100
    echo "$(post "$work/batch$i.nt")" >> "$work/batches.acked"
  done
) &
poster=$!
torn=0 reads=0
while kill -0 "$poster" 2>/dev/null; do
  before=$(( acked + $(awk '{ n += $1 } END { print n + 0 }' "$work/batches.acked" 2>/dev/null || echo 0) ))
  n=$("$tp" query --store "$store" --format csv 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' | tail -1 | tr -d '\r')
  reads=$((reads + 1))
  if [ $(( (n - acked) % 100 )) -ne 0 ] || [ "$n" -lt "$before" ]; then torn=$((torn + 1)); echo "  read $n, $before acknowledged before"; fi
done
wait "$poster"
acked=$((acked + $(awk '{ n += $1 } END { print n + 0 }' "$work/batches.acked")))
check "queries during ingest ($reads) saw whole batches, never fewer than acknowledged" equal "$torn" 0
check "queries see all 30 posted batches" equal "$(stored "$store")" "$acked"

# kill -9 of the holder: the lock is free at once, nothing acknowledged lost.
kill -9 "$writer_pid"; wait "$writer_pid" 2>/dev/null; server=
gen "$work/c.nt" 50000 500
"$tp" import --store "$store" "$work/c.nt" > "$work/c.log" 2>&1
check "after kill -9 of the server an import takes the lock at once" equal "$(imported "$work/c.log")" 500
acked=$((acked + 500))
check "after kill -9 and an import: every acknowledged triple" equal "$(stored "$store")" "$acked"
start_server "$store"
check "restarted server counts every acknowledged triple" equal \
  "$(curl -s -H 'Accept: text/csv' --data-urlencode 'query=SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' "$base/sparql" | tail -1 | tr -d '\r')" "$acked"
stop_server

# --------------------------------------------------------- import + import
# An import from a named pipe holds the lock for as long as the pipe is open.
mkfifo "$work/slow.nt"
"$tp" import --store "$store" "$work/slow.nt" > "$work/slow.log" 2>&1 &
importer=$!
started+=("$importer")
exec 3> "$work/slow.nt"
gen "$work/slow-part.nt" 60000 3000
cat "$work/slow-part.nt" >&3
for _ in $(seq 100); do grep -q "^pid $importer\$" "$store/lock" 2>/dev/null && break; sleep 0.1; done
gen "$work/d.nt" 70000 700
check "import + import: second import refused" refused "$work/d.log" "$tp" import --store "$store" "$work/d.nt"
check "import + import: refusal names the first import" contains "$work/d.log" "pid $importer (torchprov import --store $store"
check "import beside an import: stats sees what was there before" equal "$(stored "$store")" "$acked"
check "serve beside an import: refused" refused "$work/serve3.log" "$tp" serve --store "$store" --port "$(free_port)"
gen "$work/slow-rest.nt" 63000 2000
cat "$work/slow-rest.nt" >&3
exec 3>&-
wait "$importer"
check "import + import: the first import finished" equal "$(imported "$work/slow.log")" 5000
acked=$((acked + $(imported "$work/slow.log")))
check "import + import: exactly the acknowledged import is stored" equal "$(stored "$store")" "$acked"

# kill -9 of an import mid-file: it acknowledged nothing, stores nothing,
# and the next writer gets the lock at once.
rm -f "$work/slow.nt"; mkfifo "$work/slow.nt"
"$tp" import --store "$store" "$work/slow.nt" > "$work/killed.log" 2>&1 &
importer=$!
started+=("$importer")
exec 3> "$work/slow.nt"
gen "$work/killed-part.nt" 80000 4000
cat "$work/killed-part.nt" >&3
for _ in $(seq 100); do grep -q "^pid $importer\$" "$store/lock" 2>/dev/null && break; sleep 0.1; done
sleep 0.5
kill -9 "$importer"; wait "$importer" 2>/dev/null
exec 3>&-
gen "$work/e.nt" 90000 400
"$tp" import --store "$store" "$work/e.nt" > "$work/e.log" 2>&1
check "after kill -9 of an import the next import takes the lock" equal "$(imported "$work/e.log")" 400
acked=$((acked + 400))
check "the killed import left nothing; every acknowledged triple is there" equal "$(stored "$store")" "$acked"

# ------------------------------------------------ serve --read-only + writer
port=$(free_port)
"$tp" serve --store "$store" --port "$port" --read-only > "$work/ro-server.log" 2>&1 &
ro_server=$!
started+=("$ro_server")
for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
check "serve --read-only + import: import refused" refused "$work/ro-import.log" "$tp" import --store "$store" "$work/d.nt"
check "serve --read-only + import: refusal names the read-only server" contains "$work/ro-import.log" "pid $ro_server"
check "serve --read-only + import: refusal says it is read-only" contains "$work/ro-import.log" "read-only"
check "query beside a read-only server" equal "$(stored "$store")" "$acked"
kill "$ro_server"; wait "$ro_server" 2>/dev/null

# -------------------------------------- read-only commands write nothing
snapshot() { find "$1" -printf '%p %s %T@ %m\n' | sort; }
before=$(snapshot "$store")
stored "$store" > /dev/null
"$tp" query --store "$store" --format json 'ASK { ?s ?p ?o }' > /dev/null
port=$(free_port)
"$tp" serve --store "$store" --port "$port" --read-only > "$work/ro2.log" 2>&1 &
ro_server=$!
started+=("$ro_server")
for _ in $(seq 150); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
curl -s -o /dev/null --data-urlencode 'query=ASK { ?s ?p ?o }' "http://127.0.0.1:$port/sparql"
kill "$ro_server"; wait "$ro_server" 2>/dev/null
check "query, export, stats and serve --read-only leave the store folder as it was" \
  equal "$(snapshot "$store")" "$before"

# --------------------------------- missing or foreign folders (read-only)
mkdir -p "$work/foreign"; echo hello > "$work/foreign/notes.txt"
foreign_before=$(snapshot "$work/foreign")
read_only_command() {  # VERB STORE: the read-only commands, as a user types them
  case $1 in
    query) "$tp" query --store "$2" --format csv 'ASK {}' ;;
    export) "$tp" export --store "$2" --format nquads ;;
    stats) "$tp" stats --store "$2" ;;
    serve) "$tp" serve --store "$2" --read-only --port "$(free_port)" ;;
  esac
}
for verb in query export stats serve; do
  check "$verb on a missing folder: exit 1" refused "$work/missing.$verb.log" read_only_command "$verb" "$work/typo-store"
  check "$verb on a missing folder: names it" contains "$work/missing.$verb.log" "$work/typo-store"
  check "$verb on a missing folder: says how to make one" contains "$work/missing.$verb.log" "torchprov import --store"
  check "$verb on a missing folder: created nothing" test ! -e "$work/typo-store"
  check "$verb on a foreign folder: exit 1" refused "$work/foreign.$verb.log" read_only_command "$verb" "$work/foreign"
  check "$verb on a foreign folder: says it is not a store" contains "$work/foreign.$verb.log" "not a torchprov store"
done
check "foreign folder untouched" equal "$(snapshot "$work/foreign")" "$foreign_before"
"$tp" import --store "$work/new-store" "$work/a.nt" > "$work/new.out" 2> "$work/new.err"
check "import into a new folder makes the store" equal "$(imported "$work/new.out")" 1000
check "and says so once, on stderr" equal "$(grep -c 'created a new store in' "$work/new.err")" 1
"$tp" import --store "$work/new-store" "$work/b.nt" > /dev/null 2> "$work/new2.err"
check "the second import into it says nothing of creating" equal "$(grep -c 'created' "$work/new2.err")" 0

# ------------------------------------------------------ final count
check "after everything: exactly the acknowledged triples ($acked)" equal "$(stored "$store")" "$acked"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
