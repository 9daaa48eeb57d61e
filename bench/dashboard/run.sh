#!/bin/bash
# The dashboard at scale: RUNS runs of EPOCHS epochs (default 10 000 x 100, spread over 50
# experiments) and one run of LONG epochs (default 1 000) from `torchprov bench store`'s
# generator, imported into a store and served; every query of every view is timed alone
# (bench/dashboard/queries.mjs: each runs-table sort both ways, filter, pages, run pages,
# comparison, parallel coordinates, steering), then every view in headless Chromium
# (bench/dashboard/bench.mjs).  Figures only: never a test.
# usage: bench/dashboard/run.sh [BUILD_DIR] [--runs R] [--epochs E] [--experiments X] [--long L]
#                               [--dir D] [--keep-store] [--repeat N]
# A 10 000-run store takes about 27 M quads: ~5 GB of memory in the server, ~45 GB of disk for
# the store (Redland's indexes) and several minutes to import.  --keep-store reuses D/store.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source=$(cd "$here/../.." && pwd)
build="$source/build"
if [ $# -gt 0 ] && [ "${1#--}" = "$1" ]; then build=$(cd "$1" && pwd); shift; fi
runs=10000 epochs=100 experiments=50 long=1000 dir="${TMPDIR:-/tmp}/torchprov-bench-dashboard-$(id -u)" keep=0 repeat=5
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --experiments) experiments=$2; shift 2 ;;
    --long) long=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --keep-store) keep=1; shift ;;
    --repeat) repeat=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
mkdir -p "$dir"
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

if [ "$keep" = 0 ] || [ ! -d "$dir/store" ]; then
  rm -rf "$dir/store"
  "$build/torchprov" bench store --generate-only "$dir/runs.nq" --runs "$runs" --epochs "$epochs" --experiments "$experiments"
  "$build/torchprov" bench store --generate-only "$dir/long.nq" --runs 1 --epochs "$long" --first-run "$runs"
  sync
  /usr/bin/time -f "import: %e s, %M KB peak" "$build/torchprov" import --store "$dir/store" "$dir/runs.nq" "$dir/long.nq"
  rm -f "$dir/runs.nq" "$dir/long.nq"
fi
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Read-only: the views only read, and a read-only open never waits for Redland's copy.
"$build/torchprov" serve --store "$dir/store" --read-only --port "$port" --static "$source/sparql-endpoint/dashboard/dist" > "$dir/serve.log" 2>&1 &
server=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.5; done
curl -sf "http://127.0.0.1:$port/health" || { echo "the server did not start"; tail "$dir/serve.log"; exit 1; }
echo
printf -v long_id '00000000-0000-4000-8000-%012d' "$runs"
printf -v run_id '00000000-0000-4000-8000-%012d' 1
# Each query of each view alone (no browser), then every view in Chromium.
BASE_URL="http://127.0.0.1:$port/" LONG_RUN="$long_id" RUN="$run_id" REPEAT="$repeat" node "$here/queries.mjs"
echo
BASE_URL="http://127.0.0.1:$port/" LONG_RUN="$long_id" RUN="$run_id" REPEAT="$repeat" node "$here/bench.mjs"
echo "server resident memory: $(grep VmRSS "/proc/$server/status" | awk '{print $2 / 1024 " MB"}')"
