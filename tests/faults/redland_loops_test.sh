#!/bin/bash
# A store whose early batches are only in its Redland copy (dataset.snap is
# gone) and whose Berkeley DB files were damaged by a kill -9 during the
# write-behind: reading their hash chains never ends.  Every command that
# must read the copy refuses within seconds with a message, changing nothing,
# instead of reading on while its memory grows.  The fixture is such a store,
# as a crash test left it.
#   redland_loops_test.sh BUILD_DIR SOURCE_DIR
set -uo pipefail
build=$(cd "$1" && pwd) source=$(cd "$2" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '<urn:a> <urn:p> "1" .\n' > "$work/more.nt"
digest() { (cd "$work/store" && find . -type f ! -name lock | sort | xargs sha256sum | sha256sum); }
failed=0
check() {  # NAME ARGS...: torchprov ARGS on a fresh copy of the fixture
  local name=$1; shift
  rm -rf "$work/store" && mkdir "$work/store"
  tar xzf "$source/tests/faults/data/redland-copy-that-loops.tar.gz" -C "$work/store"
  local before; before=$(digest)
  timeout 60 "$build/torchprov" "$@" > "$work/out" 2> "$work/err"
  local rc=$?
  if [ "$rc" -eq 124 ]; then
    echo "FAIL torchprov $name: still reading the damaged copy after 60 s"; failed=1
  elif [ "$rc" -ne 1 ] || ! grep -q "does not end" "$work/err"; then
    echo "FAIL torchprov $name: exit $rc, stderr: $(head -c 300 "$work/err")"; failed=1
  elif [ "$(digest)" != "$before" ]; then
    echo "FAIL torchprov $name: the refused command changed the store's files"; failed=1
  else
    echo "ok   torchprov $name refused: $(head -c 200 "$work/err")"
  fi
}
check stats stats --store "$work/store"
check query query --store "$work/store" --format csv 'SELECT (COUNT(*) AS ?n) { ?s ?p ?o }'
check import import --store "$work/store" "$work/more.nt"
exit $failed
