#!/bin/bash
# HTTPS between our server and other SPARQL stores, with certificates this
# test makes (openssl CLI): a private CA signs a certificate for the address
# 127.0.0.1 only, and another CA signs a stranger's.
#
#   - A front (`serve --backend https://... --backend-data https://...
#     --ca-file CA`) fronts a torchprov served over HTTPS: a SPARQL Update
#     and a Graph Store write sent to the front reach the store (read back
#     from the store itself), and a query through the front answers what the
#     store holds.
#   - SERVICE <https://...> in a query to a plain server with --ca-file joins
#     its data with the HTTPS store's; without --ca-file the SERVICE is
#     refused (502) naming the endpoint and the unknown CA.
#   - A backend whose certificate is not trusted (no CA file, a CA file of
#     another CA, the name localhost that the certificate does not carry)
#     stops serve with the URL and the reason, and no folder or token is
#     created.  When the store's certificate changes to an untrusted one
#     while the front runs, queries answer 502 with the reason, a write is
#     journaled (202) and reaches the store once its certificate is trusted
#     again.
#   - serve with a certificate or key that cannot be used (not PEM, a key of
#     another certificate, a CA file that is not one) is refused before the
#     store folder or the token file exists.
#
# usage: backend_https_test.sh BUILD_DIR   (KEEP=1 keeps the work directory)
set -uo pipefail
build=$(cd "$1" && pwd)
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-backend-https.XXXXXX")
pids=()
passed=0 failed=0
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local name=$1; shift; if "$@"; then pass "$name"; else fail "$name"; fi; }
fatal() {
  echo "FATAL: $*"
  for log in "$work"/*.log; do echo "--- $log"; tail -15 "$log"; done
  echo "$passed passed, $((failed + 1)) failed"
  exit 1
}
command -v openssl > /dev/null || { echo "SKIP: no openssl command (scripts/setup.sh installs it)"; exit 77; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# --- certificates
cd "$work" || exit 1
certificate() {  # NAME CA SUBJECT-ALT-NAMES: NAME.pem and NAME.key signed by CA
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2> /dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days 2 \
    -extfile "$1.ext" 2> /dev/null
}
for ca in ca other-ca; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.pem -days 2 -subj "/CN=torchprov test $ca" 2> /dev/null
done
certificate server ca "IP:127.0.0.1"
certificate stranger other-ca "IP:127.0.0.1"
[ -s server.pem ] && [ -s stranger.pem ] || fatal "openssl made no certificates"
cd - > /dev/null || exit 1

# --- the store: a torchprov served over HTTPS, writes with its token
store_port=$(free_port)
store=https://127.0.0.1:$store_port
mkdir -p "$work/store"
printf 'store-token store-owner\n' > "$work/store/token"
printf 'store-token\n' > "$work/password"
chmod 600 "$work/store/token" "$work/password"
store_pid=
start_store() {  # CERTIFICATE-NAME
  "$build/torchprov" serve --store "$work/store" --port "$store_port" --tls-cert "$work/$1.pem" \
    --tls-key "$work/$1.key" >> "$work/store.log" 2>&1 &
  store_pid=$!
  pids+=("$store_pid")
  for _ in $(seq 100); do curl -sfk -o /dev/null "$store/health" && return 0; sleep 0.1; done
  fatal "the HTTPS store did not start with $1.pem"
}
stop_store() { kill "$store_pid"; wait "$store_pid" 2>/dev/null; }
store_ask() {  # ASK-PATTERN: true or false, asked of the store itself
  curl -sf --cacert "$work/ca.pem" -H 'Accept: text/csv' --data-urlencode "query=ASK { $1 }" "$store/sparql" |
    tail -1 | tr -d '\r'
}
start_store server

# --- a front over HTTPS: update, write and query reach the store
front_port=$(free_port)
front=http://127.0.0.1:$front_port
"$build/torchprov" serve --store "$work/front" --port "$front_port" --backend "$store/sparql" \
  --backend-data "$store/data" --backend-user torchprov --backend-password-file "$work/password" \
  --ca-file "$work/ca.pem" --backend-ack-wait 5 > "$work/front.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "$front/health" && break; sleep 0.1; done
health=$(curl -s "$front/health")
check "the front reaches the HTTPS store: health ok ($health)" grep -q '"status":"ok"' <<< "$health"
token=$(cut -d' ' -f1 "$work/front/token")
code=$(curl -s -o "$work/update.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
  --data-urlencode 'update=INSERT DATA { GRAPH <http://ex/g1> { <http://ex/s1> <http://ex/p> "by update" } }' "$front/sparql")
check "a SPARQL Update through the front is confirmed (HTTP $code)" sh -c "[ $code = 200 -o $code = 204 ]"
check "... and the HTTPS store holds it" test "$(store_ask 'GRAPH <http://ex/g1> { <http://ex/s1> <http://ex/p> "by update" }')" = true
code=$(curl -s -o "$work/post.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/n-quads' \
  --data-binary '<http://ex/s2> <http://ex/p> "by graph store" <http://ex/g2> .' "$front/data")
check "a Graph Store write through the front is confirmed (HTTP $code)" sh -c "[ $code = 200 -o $code = 201 -o $code = 204 ]"
check "... and the HTTPS store holds it" test "$(store_ask 'GRAPH <http://ex/g2> { <http://ex/s2> <http://ex/p> "by graph store" }')" = true
curl -sf -o /dev/null --cacert "$work/ca.pem" -H 'Authorization: Bearer store-token' -H 'Content-Type: application/n-quads' \
  --data-binary '<http://ex/a> <http://ex/name> "in the store" <http://ex/g3> .' "$store/data" ||
  fatal "cannot write to the HTTPS store directly"
rows=$(curl -s -H 'Accept: text/csv' --data-urlencode 'query=SELECT ?s ?o WHERE { ?s <http://ex/name> ?o }' "$front/sparql" | tr -d '\r')
check "a query through the front answers what the HTTPS store holds" test "$rows" = $'s,o\nhttp://ex/a,in the store'

# --- SERVICE <https://...>
local_port=$(free_port)
local_server=http://127.0.0.1:$local_port
"$build/torchprov" serve --store "$work/local" --port "$local_port" --service-allow "$store/sparql" \
  --ca-file "$work/ca.pem" > "$work/local.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "$local_server/health" && break; sleep 0.1; done
local_token=$(cut -d' ' -f1 "$work/local/token")
curl -sf -o /dev/null -H "Authorization: Bearer $local_token" -H 'Content-Type: application/n-quads' \
  --data-binary '<http://ex/a> <http://ex/local> "here" <http://ex/l> .' "$local_server/data" ||
  fatal "cannot write to the local server"
service_query="SELECT ?here ?there WHERE { ?s <http://ex/local> ?here . SERVICE <$store/sparql> { ?s <http://ex/name> ?there } }"
rows=$(curl -s -H 'Accept: text/csv' --data-urlencode "query=$service_query" "$local_server/sparql" | tr -d '\r')
check "SERVICE <https://...> joins the local data with the HTTPS store's" test "$rows" = $'here,there\nhere,in the store'
untrusting_port=$(free_port)
"$build/torchprov" serve --store "$work/untrusting" --port "$untrusting_port" --service-allow "$store/sparql" \
  > "$work/untrusting.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$untrusting_port/health" && break; sleep 0.1; done
code=$(curl -s -o "$work/service.out" -w '%{http_code}' \
  --data-urlencode "query=SELECT * WHERE { SERVICE <$store/sparql> { ?s <http://ex/name> ?there } }" \
  "http://127.0.0.1:$untrusting_port/sparql")
check "SERVICE to a store whose CA is unknown: 502 naming it and the reason ($(head -c 200 "$work/service.out"))" \
  sh -c "[ $code = 502 ] && grep -q 'SERVICE <$store/sparql>.*TLS handshake with 127.0.0.1:$store_port failed: unknown CA' '$work/service.out'"

# --- a backend not to trust: serve refuses it and creates nothing
# serve_exits LOG serve-options...: `torchprov serve`, which must stop by itself
# within 10 s; false while it still runs, else its exit status in $exited.
serve_exits() {
  local log=$1
  shift
  "$build/torchprov" serve "$@" > "$log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && return 1
  wait "$pid"
  exited=$?
}
refused() {  # NAME EXPECTED-REASON REFUSED-URL serve-options...
  local name=$1 reason=$2 url=$3
  shift 3
  if ! serve_exits "$work/refused-$name.log" --store "$work/refused-$name" --port 0 "$@"; then
    fail "$name: serve runs in front of a store it must not trust"
    return
  fi
  local status=$exited
  check "$name: serve refuses the backend with the URL and '$reason' ($(head -c 200 "$work/refused-$name.log"))" \
    sh -c "[ $status != 0 ] && grep -q 'the SPARQL store at $url is not trusted: TLS handshake with [^ ]*:$store_port failed: $reason' '$work/refused-$name.log'"
  check "$name: no store folder was created" test ! -e "$work/refused-$name"
}
refused no-ca-file "unknown CA" "$store/sparql" --backend "$store/sparql"
refused other-ca "unknown CA" "$store/sparql" --backend "$store/sparql" --ca-file "$work/other-ca.pem"
refused host-name "host name mismatch" "https://localhost:$store_port/sparql" \
  --backend "https://localhost:$store_port/sparql" --ca-file "$work/ca.pem"
refused data-url "unknown CA" "$store/data" --backend "http://127.0.0.1:1/sparql" --backend-data "$store/data" \
  --ca-file "$work/other-ca.pem"

# --- the store's certificate changes under a running front
stop_store
start_store stranger
code=$(curl -s -o "$work/q.out" -w '%{http_code}' --data-urlencode 'query=ASK {}' "$front/sparql")
check "a query while the store's certificate is untrusted: 502 with the reason ($(head -c 200 "$work/q.out"))" \
  sh -c "[ $code = 502 ] && grep -q 'SPARQL store at $store/sparql is not trusted: .*unknown CA' '$work/q.out'"
code=$(curl -s -o "$work/post.out" -w '%{http_code}' -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/n-quads' \
  --data-binary '<http://ex/s4> <http://ex/p> "while untrusted" <http://ex/g4> .' "$front/data")
check "a write while the store's certificate is untrusted is journaled (HTTP $code)" test "$code" = 202
check "... and does not reach the untrusted server" \
  test "$(curl -sfk -H 'Accept: text/csv' --data-urlencode 'query=ASK { GRAPH <http://ex/g4> { ?s ?p ?o } }' "$store/sparql" | tail -1 | tr -d '\r')" = false
stop_store
start_store server
for _ in $(seq 150); do [ "$(store_ask 'GRAPH <http://ex/g4> { <http://ex/s4> ?p ?o }')" = true ] && break; sleep 0.2; done
check "the journaled write reaches the store once its certificate is trusted again" \
  test "$(store_ask 'GRAPH <http://ex/g4> { <http://ex/s4> <http://ex/p> "while untrusted" }')" = true

# --- TLS files that cannot be used: refused before anything is created
printf 'not a certificate\n' > "$work/garbage.pem"
bad_files() {  # NAME [serve options]
  local name=$1
  shift
  if ! serve_exits "$work/bad-$name.log" --store "$work/bad-$name" --port 0 --token-file "$work/bad-$name.token" "$@"; then
    fail "$name: serve runs with TLS files it cannot use"
    return
  fi
  local status=$exited
  check "$name: refused ($(head -c 200 "$work/bad-$name.log"))" \
    sh -c "[ $status != 0 ] && grep -q 'cannot use the' '$work/bad-$name.log'"
  check "$name: neither the store folder nor the token file exists" \
    test ! -e "$work/bad-$name" -a ! -e "$work/bad-$name.token"
}
bad_files garbage-certificate --tls-cert "$work/garbage.pem" --tls-key "$work/server.key"
bad_files key-of-another --tls-cert "$work/server.pem" --tls-key "$work/stranger.key"
bad_files missing-key --tls-cert "$work/server.pem" --tls-key "$work/no-such.key"
check "missing-key: the message names the missing file" grep -q 'no-such.key is not a file' "$work/bad-missing-key.log"
bad_files backend-garbage-certificate --tls-cert "$work/garbage.pem" --tls-key "$work/server.key" \
  --backend "http://127.0.0.1:1/sparql"
bad_files garbage-ca-file --ca-file "$work/garbage.pem" --service-allow "$store/sparql"
bad_files backend-garbage-ca-file --ca-file "$work/garbage.pem" --backend "$store/sparql"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
