#!/bin/bash
# The write path as a user meets it, through the real binaries: import
# returns without touching Redland; `torchprov redland-sync` brings the
# Redland copy up to date (from the journal, or rebuilt once checkpoints
# dropped what it lacks), and rdfproc — Redland's own tool — reads exactly
# the store's triples from it; stats says how far behind the copy is; a
# wait shows a progress line (percent, rate, time left) on a terminal and
# nothing on a pipe.
# usage: store_write_path_test.sh BUILD_DIR
set -uo pipefail
build=$(cd "$1" && pwd)
tp=$build/torchprov
command -v rdfproc > /dev/null || { echo "SKIP: rdfproc (Debian redland-utils) is not installed"; exit 77; }
command -v script > /dev/null || { echo "SKIP: script (util-linux) is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-write-path.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0 failed=0
pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
contains() { grep -qF -- "$2" "$1" || { echo "  '$2' not in $1:"; sed 's/^/    /' "$1"; return 1; }; }
matches() { grep -qE -- "$2" "$1" || { echo "  /$2/ not in $1:"; sed 's/^/    /' "$1"; return 1; }; }
lacks() { ! grep -qF -- "$2" "$1" || { echo "  '$2' in $1:"; sed 's/^/    /' "$1"; return 1; }; }
equal() { [ "$1" = "$2" ] || { echo "  expected '$2', got '$1'"; return 1; }; }

gen() {  # FILE FIRST COUNT
  awk -v first="$2" -v n="$3" 'BEGIN { for (i = first; i < first + n; i++)
    printf "<urn:x:s%d> <urn:x:p> \"value %d\" .\n", i, i }' > "$1"
}
# Statements in the Redland copy, as rdfproc prints them (one per line).
in_redland() {
  rdfproc -s hashes -t "hash-type='bdb',dir='$1',contexts='yes'" redland print 2>/dev/null | grep -c ' with context '
}
no_redland_files() { ! ls "$1" | grep -q '^redland-.*\.db$' || { echo "  Redland files in $1:"; ls "$1"; return 1; }; }

store=$work/store
gen "$work/a.nt" 0 3000
gen "$work/b.nt" 3000 2000

"$tp" import --store "$store" "$work/a.nt" > "$work/import.out" 2> "$work/import.err"
check "import succeeds" equal "$?" 0
check "import writes no Redland files" no_redland_files "$store"
"$tp" stats --store "$store" > "$work/stats.out" 2>&1
check "stats says the copy is behind and how to catch it up" contains "$work/stats.out" "copy at batch 0 of 1: torchprov redland-sync"

"$tp" redland-sync --store "$store" > "$work/sync.out" 2>&1
check "redland-sync succeeds" equal "$?" 0
check "redland-sync names rdfproc" contains "$work/sync.out" "rdfproc -s hashes"
check "rdfproc reads every triple after redland-sync" equal "$(in_redland "$store")" 3000
"$tp" stats --store "$store" > "$work/stats.out" 2>&1
check "stats says the copy is current" contains "$work/stats.out" "a current copy (batch 1)"

# More data without the copy, then a catch-up from the journal.
"$tp" import --store "$store" "$work/b.nt" > /dev/null 2>&1
"$tp" update --store "$store" 'DELETE WHERE { <urn:x:s0> ?p ?o }' > /dev/null 2>&1
check "rdfproc still sees the old copy before the next sync" equal "$(in_redland "$store")" 3000
"$tp" redland-sync --store "$store" > "$work/sync.out" 2>&1
check "redland-sync catches up from the journal" equal "$(in_redland "$store")" 4999
check "a copy that caught up needs no partial marker" test ! -e "$store/redland.partial"

# A copy whose files were removed starts again from the journal's batch 1
# (a copy the journal no longer covers is rebuilt from the dataset: see
# Store.RedlandCopyCatchesUpFromTheJournalOrIsRebuilt).
gen "$work/c.nt" 5000 1000
"$tp" import --store "$store" "$work/c.nt" > /dev/null 2>&1
rm -f "$store"/redland-*.db
echo 0 > "$store/redland.applied"
"$tp" redland-sync --store "$store" > "$work/sync.out" 2>&1
check "redland-sync rebuilds a copy whose files are gone from the journal" equal "$(in_redland "$store")" 5999

# Progress: on a terminal (script gives the command a pty), not on a pipe.
gen "$work/big.nt" 0 40000
TORCHPROV_PROGRESS_AFTER_MS=0 script -qec "'$tp' import --store '$work/p1' '$work/big.nt'" /dev/null \
  > "$work/tty.out" 2>&1
check "a terminal shows the import's percent" contains "$work/tty.out" "reading $work/big.nt:"
# Under 1 MB read the rate is in kB/s, then in MB/s.
check "a terminal shows the rate" matches "$work/tty.out" "[0-9]+ [kM]B/s"
check "a terminal shows the time left" contains "$work/tty.out" " left"
TORCHPROV_PROGRESS_AFTER_MS=0 "$tp" import --store "$work/p2" "$work/big.nt" > "$work/pipe.out" 2> "$work/pipe.err"
check "a pipe gets no progress line" lacks "$work/pipe.err" "reading"
check "the import still reports its rate" contains "$work/pipe.out" "40000 triples imported"
# Below the delay (2 s by default) a terminal gets no line either.
script -qec "'$tp' import --store '$work/p3' '$work/a.nt'" /dev/null > "$work/quick.out" 2>&1
check "a quick import on a terminal shows no progress line" lacks "$work/quick.out" "reading"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
