#!/bin/bash
# The progress line, the way users meet it: `torchprov import` and `export`
# run under `script` (util-linux), so stderr really is a terminal, and again
# with stderr a file.  On a terminal a long import shows a line redrawn in
# place (carriage returns) with percent, rate and time left, at most a few
# times a second, that only appears after 2 s; without a terminal there is
# not one progress byte; the summary line is there either way.
#   progress_test.sh BUILD_DIR
set -uo pipefail
tp=$(cd "$1" && pwd)/torchprov
PY=/usr/bin/python3
command -v script > /dev/null || { echo "SKIP: script (util-linux) is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-progress.XXXXXX")
writer=
cleanup() {
  if [ -n "$writer" ]; then kill "$writer" 2> /dev/null; wait "$writer" 2> /dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
# on_terminal LOG COMMAND: runs COMMAND (a shell line) with a pty for stdin, stdout and stderr.
on_terminal() { local log=$1; shift; script -qefc "$*" "$log" > /dev/null < /dev/null; }
# Redraws: each starts with a carriage return and an erase-line (a pty also
# ends every line with \r\n, which is not a redraw).
frames() { perl -0777 -ne 'print scalar(() = /\r\e\[K/g)' "$1"; }

$PY - "$work/big.nt" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write(f'<https://example.org/s{i}> <https://example.org/p{i % 7}> "value {i}" .\n')
PY

# 1. A terminal, the delay set to 0: the line appears with percent, rate and time left.
on_terminal "$work/t1.log" "TORCHPROV_PROGRESS_AFTER_MS=0 '$tp' import --store '$work/s1' '$work/big.nt'"
rc=$?
[ "$rc" -eq 0 ] && ok "import on a terminal exits 0" || fail "import on a terminal exits $rc"
[ "$(frames "$work/t1.log")" -ge 1 ] && ok "the line is redrawn in place (carriage returns)" || fail "no carriage return on a terminal: $(head -c 300 "$work/t1.log" | od -c | head -5)"
# reading .../big.nt:  45% (4 of 9 MB), 3 MB/s, 2 s left, 1 s so far
grep -aqE "big.nt: +[0-9]+%" "$work/t1.log" && ok "the line shows the percent" || fail "no percent in: $(tr '\r' '\n' < "$work/t1.log" | head -5)"
grep -aqE '[0-9]+ [kM]B/s' "$work/t1.log" && ok "the line shows the rate" || fail "no rate in the line"
grep -aqE 'big.nt: +[0-9]+% .*, [0-9]+ (min [0-9]+ )?s left' "$work/t1.log" && ok "the line shows the time left" || fail "no time left in the line"
grep -aq "big.nt: 200000 triples imported in" "$work/t1.log" && ok "the summary follows" || fail "no summary on a terminal"

# 2. No terminal: stderr holds no progress byte, stdout the summary.
TORCHPROV_PROGRESS_AFTER_MS=0 "$tp" import --store "$work/s2" "$work/big.nt" > "$work/t2.out" 2> "$work/t2.err"
rc=$?
[ "$rc" -eq 0 ] && ok "import without a terminal exits 0" || fail "import without a terminal exits $rc"
# The one line a new store earns is all there is on stderr.
if [ "$(cat "$work/t2.err")" = "torchprov: created a new store in $work/s2" ]; then
  ok "no progress bytes without a terminal, only the note that the store was created"
else
  fail "stderr without a terminal: $(od -c "$work/t2.err" | head -5)"
fi
grep -q "big.nt: 200000 triples imported in" "$work/t2.out" && ok "the summary without a terminal" || fail "no summary: $(cat "$work/t2.out")"

# 3. The real default (2 s): a short import draws nothing; an import fed
#    slowly through a pipe for about 4 s draws, a few times a second at most.
head -100 "$work/big.nt" > "$work/small.nt"
start=$(date +%s.%N)
on_terminal "$work/t3.log" "'$tp' import --store '$work/s3' '$work/small.nt'"
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
if [ "$(frames "$work/t3.log")" -eq 0 ]; then ok "a short import (${elapsed}s) draws no line"
elif awk -v e="$elapsed" 'BEGIN {exit !(e >= 2)}'; then echo "SKIP: the 100-triple import took ${elapsed}s here (machine too busy to check the delay)"
else fail "a short import (${elapsed}s) drew $(frames "$work/t3.log") frames"; fi
mkfifo "$work/slow.nt"
( for i in $(seq 40); do sed -n "$((i * 100 - 99)),$((i * 100))p" "$work/big.nt"; sleep 0.1; done > "$work/slow.nt" ) &
writer=$!
start=$(date +%s.%N)
on_terminal "$work/t4.log" "'$tp' import --store '$work/s4' --format nt '$work/slow.nt'"
rc=$?
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
wait "$writer"; writer=
[ "$rc" -eq 0 ] && ok "import from a pipe exits 0" || fail "import from a pipe exits $rc"
n=$(frames "$work/t4.log")
# Drawn every 250 ms once 2 s have passed, plus the erase: at most 4/s over the time after the delay, +2.
limit=$(awk -v e="$elapsed" 'BEGIN {printf "%d", (e - 2) * 4 + 2}')
if [ "$n" -ge 2 ] && [ "$n" -le "$limit" ]; then ok "$n frames in ${elapsed}s (at most $limit)"
else fail "$n frames in ${elapsed}s (expected 2..$limit)"; fi
grep -aq "slow.nt: 4000 triples imported in" "$work/t4.log" && ok "the pipe import's summary" || fail "no summary for the pipe import"
lines=$(tr '\r' '\n' < "$work/t4.log" | grep -a 'slow.nt: ')
if grep -aqE 'slow.nt: \([1-9][0-9]* [kM]B\), [0-9]+ [kM]B/s' <<< "$lines" && ! grep -aq '%' <<< "$lines"; then
  ok "an unknown total shows the bytes read so far and the rate, no percent"
else
  fail "line for an unknown total: $(head -3 <<< "$lines")"
fi

# 4. export on a terminal (N-Quads of the whole store: percent of the statements) and without.
on_terminal "$work/t5.log" "TORCHPROV_PROGRESS_AFTER_MS=0 '$tp' export --store '$work/s1' --format nquads -o '$work/out.nq'"
grep -aqE "export: +[0-9]+%" "$work/t5.log" && ok "export shows its percent" || fail "export line: $(tr '\r' '\n' < "$work/t5.log" | head -3)"
grep -aq "exported .* (200000 statements) in" "$work/t5.log" && ok "export's summary" || fail "no export summary"
[ "$(wc -l < "$work/out.nq")" -eq 200000 ] && ok "the export holds every statement" || fail "export wrote $(wc -l < "$work/out.nq") lines"
TORCHPROV_PROGRESS_AFTER_MS=0 "$tp" export --store "$work/s1" --format nquads > "$work/out2.nq" 2> "$work/t6.err"
if ! grep -q $'\r' "$work/t6.err" && [ "$(wc -l < "$work/t6.err")" -eq 1 ] && cmp -s "$work/out.nq" "$work/out2.nq"; then
  ok "export without a terminal: one summary line on stderr, the data alone on stdout"
else
  fail "export without a terminal: stderr $(od -c "$work/t6.err" | head -3)"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
