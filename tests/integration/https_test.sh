#!/bin/bash
# HTTPS end to end, with certificates this test makes (openssl CLI).
#
# A private CA signs a certificate for 127.0.0.1; `torchprov serve
# --tls-cert --tls-key` serves HTTPS with it.  A training streams its
# provenance to https://127.0.0.1:PORT (--ca-file the CA) and is steered
# through POST /api/adaptations (curl --cacert) to a lower learning rate,
# which it applies and records; `torchprov rules` and `torchprov import
# --endpoint` talk to the same server.  Then trainings meet servers they must
# not trust: a certificate from an unknown CA, an expired one and one issued
# to another host.  Each trainer's log names the reason, the training runs
# to its end, and its provenance waits in the spill file, from which it
# imports whole.
#
# usage: https_test.sh BUILD_DIR SOURCE_DIR   (KEEP=1 keeps the work directory)
set -euo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
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
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log"; tail -15 "$log"; }; done
  exit 1
}
command -v openssl > /dev/null || { echo "SKIP: no openssl command"; exit 77; }
export OMP_WAIT_POLICY=PASSIVE

# --- certificates
cd "$work"
certificate() {  # NAME CA DAYS SUBJECT-ALT-NAMES: NAME.pem and NAME.key signed by CA
  openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2> /dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days "$3" \
    -extfile "$1.ext" 2> /dev/null
}
for ca in ca other-ca; do
  openssl req -x509 -newkey rsa:2048 -nodes -keyout $ca.key -out $ca.pem -days 2 -subj "/CN=torchprov test $ca" 2> /dev/null
done
certificate server ca 2 "IP:127.0.0.1,DNS:localhost"
certificate expired ca -1 "IP:127.0.0.1,DNS:localhost"
certificate elsewhere ca 2 "DNS:elsewhere.example"
certificate stranger other-ca 2 "IP:127.0.0.1,DNS:localhost"
cd - > /dev/null

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=https://127.0.0.1:$port
serve() {  # CERTIFICATE-NAME: (re)starts the server with it
  [ -n "$server" ] && { kill "$server"; wait "$server" 2>/dev/null || true; }
  "$build/torchprov" serve --store "$work/store" --port "$port" --tls-cert "$work/$1.pem" --tls-key "$work/$1.key" \
    > "$work/serve-$1.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf --cacert "$work/ca.pem" "$base/health" > /dev/null 2>&1 && return; \
    curl -sfk "$base/health" > /dev/null 2>&1 && return; sleep 0.2; done
  fail "the HTTPS server did not start with $1.pem"
}
serve server
grep -q "endpoint at https://127.0.0.1:$port/sparql" "$work/serve-server.log" || fail "serve does not announce https"
curl -sf "http://127.0.0.1:$port/health" > /dev/null 2>&1 && fail "the HTTPS server answered plain HTTP"
curl -sf "$base/health" > /dev/null 2>&1 && fail "curl trusted the private CA without --cacert"
token=$(cut -d' ' -f1 "$work/store/token")

# --- a training streams over HTTPS and is steered
"$build/examples/alexnet-fmnist" --epochs 4 --train-limit 400 --test-limit 100 --threads 1 --lr 0.003 \
  --endpoint "$base" --token-file "$work/store/token" --ca-file "$work/ca.pem" --checkpoint-dir "$work/ckpt" \
  > "$work/train.log" 2>&1 &
trainer=$!
run=
for _ in $(seq 300); do
  run=$(sed -n 's/.*; run \(https:[^ ]*\).*/\1/p' "$work/train.log" | head -1)
  [ -n "$run" ] && break
  sleep 0.2
done
[ -n "$run" ] || fail "the training printed no run IRI"
sparql() {  # QUERY -> CSV rows without the header, over HTTPS
  curl -sf --cacert "$work/ca.pem" -H 'Accept: text/csv' --data-urlencode "query=$1" "$base/sparql" | tail -n +2 | tr -d '\r'
}
for _ in $(seq 300); do
  [ -n "$(sparql "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?e WHERE { ?e prov:wasInformedBy <$run> ; prov:endedAtTime ?t }")" ] && break
  sleep 0.2
done
curl -sf --cacert "$work/ca.pem" -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "{\"run\":\"$run\",\"action\":\"set\",\"hyperparameter\":\"learning_rate\",\"value\":0.0005,\"reason\":\"over TLS\",\"person\":\"tess\"}" \
  "$base/api/adaptations" > /dev/null || fail "the steering request over HTTPS was refused"
wait "$trainer" || fail "the training failed"
grep -q "torchprov: TLS" "$work/train.log" && fail "the trainer reported a TLS failure against a trusted server"
rows=$(sparql "PREFIX dl: <https://w3id.org/torchprov/dl#> PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?epochs ?lr ?status WHERE { <$run> dl:status ?status .
  { SELECT (COUNT(?e) AS ?epochs) WHERE { ?e a dl:Epoch ; dl:partOfRun <$run> ; prov:endedAtTime ?t } }
  ?a a dl:Adaptation ; dl:partOfRun <$run> ; dl:reason \"over TLS\" . ?s prov:wasGeneratedBy ?a ; prov:value ?lr }")
# The rate compared as a number: the CSV writes the double's shortest form (5e-04).
echo "$rows" | awk -F, 'NR == 1 && $1 == 4 && $2 + 0 == 0.0005 && $3 == "completed" { ok = 1 } END { exit !(ok && NR == 1) }' ||
  fail "over HTTPS the store holds '$rows', not 4 epochs, the steered rate 0.0005 and completed"
echo "ok: a training streamed over HTTPS and was steered to learning rate 0.0005 ($rows)"

# --- the CLI clients over HTTPS
"$build/torchprov" rules list --endpoint "$base" --ca-file "$work/ca.pem" > "$work/rules.log" 2>&1 || fail "rules list over HTTPS failed"
if "$build/torchprov" rules list --endpoint "$base" > "$work/rules-untrusted.log" 2>&1; then
  fail "rules list trusted the private CA without --ca-file"
fi
grep -q "unknown CA" "$work/rules-untrusted.log" || fail "rules list does not say the CA is unknown"
/usr/bin/python3 "$source/tests/interop/make_keras_prov_dump.py" "$work/dump.sql" --epochs 4
"$build/torchprov" import --from keras-prov --endpoint "$base" --token-file "$work/store/token" --ca-file "$work/ca.pem" \
  "$work/dump.sql" > "$work/import.log" 2>&1 || fail "import --endpoint over HTTPS failed"
echo "ok: torchprov rules and import --endpoint speak HTTPS; without the CA, rules says: $(head -1 "$work/rules-untrusted.log")"

# --- servers not to trust: the reason in the trainer's log, provenance in the spill file
untrusted() {  # CERTIFICATE-NAME CA-FILE EXPECTED-REASON
  serve "$1"
  mkdir -p "$work/spill-$1"
  TMPDIR="$work/spill-$1" "$build/examples/alexnet-fmnist" --epochs 1 --train-limit 200 --test-limit 50 --threads 1 \
    --endpoint "$base" --token-file "$work/store/token" --ca-file "$work/$2" --checkpoint-dir "$work/ckpt-$1" \
    > "$work/train-$1.log" 2>&1 || fail "$1: the training failed"
  grep -q "TLS handshake with 127.0.0.1:$port failed: $3" "$work/train-$1.log" || fail "$1: the trainer's log does not say '$3'"
  local spill
  spill=$(ls "$work/spill-$1"/torchprov-spill-*.nq 2>/dev/null | head -1)
  [ -s "$spill" ] || fail "$1: no spill file"
  "$build/torchprov" import --store "$work/spilled-$1" "$spill" > /dev/null || fail "$1: the spill does not import"
  local epochs
  epochs=$("$build/torchprov" query --store "$work/spilled-$1" --format csv \
    'PREFIX dl: <https://w3id.org/torchprov/dl#> SELECT (COUNT(?e) AS ?n) WHERE { ?e a dl:Epoch ; dl:partOfRun ?r . ?r dl:status "completed" }' | tail -1 | tr -d '\r')
  [ "$epochs" = 1 ] || fail "$1: the spilled run is not whole ($epochs epochs of a completed run)"
  echo "ok: $1: $(grep -m1 'TLS handshake' "$work/train-$1.log" | cut -c1-160)"
}
untrusted stranger ca.pem "unknown CA"
untrusted expired ca.pem "certificate expired"
untrusted elsewhere ca.pem "host name mismatch"
echo "all HTTPS checks passed"
