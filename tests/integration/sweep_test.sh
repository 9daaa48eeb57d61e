#!/bin/bash
# build/examples/sweep: a 4-configuration grid (2 learning rates x 2
# optimizers) of tiny alexnet-fmnist trainings, 2 at a time, into a server the
# sweep starts and stops itself.  Every configuration must finish, and the
# ranking (ontology/queries/02-runs-ranked-by-best-val-accuracy.rq through the
# server's /sparql, restricted to the sweep's experiment) must list the 4 runs,
# ordered by best val accuracy, each with the best val_acc its training
# printed, its learning rate and optimizer.  Then two random sweeps stream into
# one server started here (--endpoint, --token-file): each ranking lists only
# its own experiment's runs, and the server is left running.  With
# TORCHPROV_TEST_BACKEND=virtuoso that server runs in backend mode over a
# Virtuoso (serve.sh) and the grid streams into it too.
# usage: sweep_test.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
source=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
server=
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  stop_test_backend
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
source "$source/tests/integration/serve.sh"
export OMP_WAIT_POLICY=PASSIVE

# One server of our own, for the random sweeps (and, over Virtuoso, the grid).
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
serve_store "$work/shared-store" "$port" > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.2; done

status=0
grid_server=()
[ "$(test_backend)" = virtuoso ] &&
  grid_server=(--endpoint "http://127.0.0.1:$port" --token-file "$work/shared-store/token")
"$build/examples/sweep" --example alexnet-fmnist --grid 'lr=0.001,0.003;optimizer=sgd,adam' --parallel 2 \
  --experiment sweep-test --work-dir "$work/sweep" --epochs 2 --train-limit 300 --test-limit 100 \
  --person "Sweep Sam" "${grid_server[@]}" 2>&1 | tee "$work/sweep.out" || status=$?

# Two random sweeps into that server.
for exp in random-a:2 random-b:1; do
  "$build/examples/sweep" --example alexnet-fmnist --random "${exp#*:}" --random-seed 7 --lr-range 1e-4:1e-2 \
    --batch-sizes 32,64 --experiment "${exp%:*}" --work-dir "$work/${exp%:*}" --epochs 1 --train-limit 200 \
    --test-limit 50 --endpoint "http://127.0.0.1:$port" --token-file "$work/shared-store/token" \
    > "$work/${exp%:*}.out" 2>&1 || echo "exit $?" >> "$work/${exp%:*}.out"
  cat "$work/${exp%:*}.out"
done
curl -sf "http://127.0.0.1:$port/health" > /dev/null && echo "server still up" > "$work/server-up"

/usr/bin/python3 - "$work" "$status" <<'PY'
import csv, glob, os, re, sys

work, status = sys.argv[1], int(sys.argv[2])
passed = failed = 0


def check(condition, message):
    global passed, failed
    passed, failed = passed + bool(condition), failed + (not condition)
    print(("ok   " if condition else "FAIL ") + message)
    return condition


check(status == 0, "the sweep exits 0 (%d)" % status)
out = open(os.path.join(work, "sweep.out")).read()
done = re.findall(r"^\[(\d)/4\] (lr=\S+ optimizer=\S+)\s+\S+ s  best val_acc (\S+) \(epoch \d of 2\)  run (\S+)$", out, re.M)
check(len(done) == 4, "one line per finished configuration: %d" % len(done))

# What each training printed, from its log.
printed = {}
for log in sorted(glob.glob(os.path.join(work, "sweep", "*.log"))):
    if os.path.basename(log) == "serve.log":
        continue
    text = open(log).read()
    run = re.search(r"; run https://\S*/run/([0-9a-f-]+)", text)
    accs = [float(a) for a in re.findall(r"^epoch \d+/2 .* val_acc (\S+)", text, re.M)]
    if check(run and len(accs) == 2, "%s: a run and 2 epochs" % os.path.basename(log)):
        printed[run.group(1)] = max(accs)
check(len(printed) == 4, "4 trainings logged")

ranking_file = os.path.join(work, "sweep", "ranking.csv")
rows = list(csv.DictReader(open(ranking_file, newline=""))) if os.path.exists(ranking_file) else []
check(len(rows) == 4, "the ranking lists 4 runs: %d" % len(rows))
check(sorted(r["runId"] for r in rows) == sorted(printed), "the ranking lists the sweep's runs")
check(all(r["experiment"] == "sweep-test" for r in rows), "all of experiment sweep-test")
best = [float(r["bestValue"]) for r in rows]
check(best == sorted(best, reverse=True), "ordered by best val accuracy: %s" % best)
for r in rows:
    if r["runId"] in printed:
        check(abs(float(r["bestValue"]) - printed[r["runId"]]) <= 5.1e-5,
              "run %s: best val accuracy %s, printed %.4f" % (r["runId"], r["bestValue"], printed[r["runId"]]))
check(sorted((r["optimizer"].lower(), float(r["learningRate"])) for r in rows)
      == [("adam", 0.001), ("adam", 0.003), ("sgd", 0.001), ("sgd", 0.003)],
      "the 4 (optimizer, learning rate) configurations")
configs = {run: cfg for _, cfg, _, run in done}
for r in rows:
    cfg = configs.get(r["runId"], "")
    check(cfg == "lr=%s optimizer=%s" % (r["learningRate"], r["optimizer"].lower()),
          "run %s is the configuration '%s'" % (r["runId"], cfg))
# The printed table: a header, a rule and the 4 runs in the CSV's order.
table = out[out.find("\nranking of experiment"):].splitlines()[2:]
ids = [line.split()[1] for line in table[2:] if re.match(r"^\d+\s", line)]
check(ids == [r["runId"] for r in rows], "the printed table lists the runs in ranking order")
for exp, n in (("random-a", 2), ("random-b", 1)):
    text = open(os.path.join(work, exp + ".out")).read()
    check("exit " not in text, "%s: the sweep into a running server exits 0" % exp)
    path = os.path.join(work, exp, "ranking.csv")
    rows = list(csv.DictReader(open(path, newline=""))) if os.path.exists(path) else []
    check(len(rows) == n and all(r["experiment"] == exp for r in rows),
          "%s: the ranking lists its %d runs only (%s)" % (exp, n, [r.get("experiment") for r in rows]))
    check(all(1e-4 <= float(r["learningRate"]) <= 1e-2 and r["batchSize"] in ("32", "64") for r in rows),
          "%s: learning rates in 1e-4..1e-2, batch sizes 32 or 64" % exp)
check(os.path.exists(os.path.join(work, "server-up")), "a sweep with --endpoint leaves the server running")
print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
