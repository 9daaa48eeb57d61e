#!/bin/bash
# The main job, run by `make demo`: installs what it needs (the Debian
# packages, the compiler among them, and the dashboard's npm packages),
# builds in Release, then runs `torchprov serve` on the embedded store and a
# short Fashion-MNIST training streaming its provenance into it, and leaves
# the endpoint and dashboard running for you.  It says which step it is in.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TORCHPROV_DEMO_DIR:-$root/out}
port=${PORT:-7878}
base=http://127.0.0.1:$port
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

step() { printf '\n== demo: %s\n' "$*"; }
started=$SECONDS
step "set-up: Debian and npm packages (scripts/setup.sh)"
"$root/scripts/setup.sh"
step "build, Release (make build)"
make -C "$root" --no-print-directory build
mkdir -p "$out"

# A server left by an earlier demo is replaced.
if [ -f "$out/serve.pid" ] && kill -0 "$(cat "$out/serve.pid")" 2>/dev/null; then
  kill "$(cat "$out/serve.pid")"
  for _ in $(seq 50); do kill -0 "$(cat "$out/serve.pid")" 2>/dev/null || break; sleep 0.2; done
fi
step "serve $out/store at $base"
setsid nohup "$root/build/torchprov" serve --store "$out/store" --port "$port" > "$out/serve.log" 2>&1 < /dev/null &
echo $! > "$out/serve.pid"
for _ in $(seq 100); do curl -sf "$base/health" > /dev/null && break; sleep 0.2; done
curl -sf "$base/health" > /dev/null || { echo "the server did not start:"; cat "$out/serve.log"; exit 1; }

step "train Fashion-MNIST, streaming provenance to the server"
"$root/build/examples/alexnet-fmnist" --epochs "${EPOCHS:-3}" --train-limit "${TRAIN_LIMIT:-12000}" \
  --test-limit 2000 --step-every 20 --checkpoint-dir "$out" --experiment demo \
  --endpoint "$base" --token-file "$out/store/token"

query='PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dl: <https://w3id.org/torchprov/dl#>
SELECT ?epoch ?split ?metric ?value WHERE {
  ?m prov:wasGeneratedBy ?e ; dl:name ?metric ; dl:split ?split ; prov:value ?value .
  ?e dl:epochNumber ?epoch } ORDER BY ?epoch ?split ?metric'
printf '%s\n' "$query" > "$out/curves.rq"
cat <<MSG

== demo: ready after $((SECONDS - started)) s
The endpoint and the dashboard keep running (pid $(cat "$out/serve.pid"), log $out/serve.log):
  dashboard        $base/
  SPARQL endpoint  $base/sparql
  write token      $out/store/token

Query it with curl:
  curl -s -H 'Accept: text/csv' --data-urlencode query@$out/curves.rq $base/sparql

or with Jena (Debian's libapache-jena-java):
  $root/tests/tools/jena.sh arq.rsparql --service $base/sparql --query $out/curves.rq

Train from Python into it (make installed the torchprov package for you under ~/.local):
  /usr/bin/python3 $root/examples/python/fmnist.py --epochs 2 --train-limit 6000 --endpoint $base --token-file $out/store/token

Stop the server with: kill \$(cat $out/serve.pid)
MSG
