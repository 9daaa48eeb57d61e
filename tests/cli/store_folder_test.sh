#!/bin/bash
# The store folder as a newcomer mistypes it.  Commands that only read
# (query, export, stats, serve --read-only) pointed at a folder that does not
# exist, or at one that is not a store, exit 1 naming the path and how to
# make a store, and leave the file system exactly as it was (no folder, no
# output file, no lock).  Commands that write create the store and say so
# once, on stderr.
#   store_folder_test.sh BUILD_DIR
set -uo pipefail
tp=$(cd "$1" && pwd)/torchprov
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-store-folder.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# Every path under the work folder with its type, size and modification time.
tree() { find "$work" -printf '%p %y %s %T@\n' | sort; }

printf '<https://example.org/a> <https://example.org/p> "1" .\n' > "$work/a.nt"
mkdir "$work/empty" "$work/other"
echo "notes" > "$work/other/notes.txt"

# refused DESCRIPTION WANT_TEXT ARGS...: exit 1, stderr names WANT_TEXT and a
# command that makes a store, and nothing under the work folder changed.
refused() {
  local what=$1 want=$2; shift 2
  local before; before=$(tree)
  (cd "$work" && timeout 60 "$tp" "$@" > "$work.out" 2> "$work.err" < /dev/null)
  local rc=$?
  local err; err=$(cat "$work.err")
  [ "$rc" -eq 1 ] && ok "$what: exit 1" || fail "$what: exit $rc, expected 1 ($err)"
  grep -qF -- "$want" <<< "$err" && ok "$what: the message names $want" || fail "$what: the message does not name '$want': $err"
  grep -qF -- "torchprov import --store DIR" <<< "$err" && ok "$what: the message says how to make a store" ||
    fail "$what: the message does not say how to make a store: $err"
  [ "$(tree)" = "$before" ] && ok "$what: nothing changed on disk" ||
    fail "$what: the file system changed: $(diff <(echo "$before") <(tree) | head -5)"
}
for folder in typo empty other; do
  case $folder in
    typo) want="no store at $work/typo" ;;
    *) want="$work/$folder is not a torchprov store" ;;
  esac
  refused "query on '$folder'" "$want" query --store "$folder" 'ASK { ?s ?p ?o }'
  refused "export on '$folder'" "$want" export --store "$folder"
  refused "export -o on '$folder'" "$want" export --store "$folder" -o out.nq
  refused "export --format provjson on '$folder'" "$want" export --store "$folder" --format provjson -o out.json
  refused "stats on '$folder'" "$want" stats --store "$folder"
  refused "serve --read-only on '$folder'" "$want" serve --read-only --store "$folder" --port "$(free_port)"
done

# Writers create the store and say so once.
created() {  # DESCRIPTION STORE ARGS...
  local what=$1 store=$2; shift 2
  "$tp" "$@" > "$work.out" 2> "$work.err" < /dev/null
  local rc=$?
  [ "$rc" -eq 0 ] && ok "$what: exit 0" || fail "$what: exit $rc ($(cat "$work.err"))"
  [ "$(grep -c "created a new store in $store\$" "$work.err")" -eq 1 ] && ok "$what: says once that it created $store" ||
    fail "$what: stderr is '$(cat "$work.err")'"
  [ -d "$store" ] && ok "$what: $store exists" || fail "$what: $store was not created"
  "$tp" "$@" > "$work.out" 2> "$work.err" < /dev/null
  ! grep -q "created a new store" "$work.err" && ok "$what again: says nothing about creating" ||
    fail "$what again: stderr is '$(cat "$work.err")'"
}
created "import" "$work/imported" import --store "$work/imported" "$work/a.nt"
created "update" "$work/updated" update --store "$work/updated" 'INSERT DATA { <https://example.org/b> <https://example.org/p> "2" }'
# What the writers made, the readers now read.
"$tp" stats --store "$work/imported" > "$work.out" 2> "$work.err" && grep -q '^triples *1$' "$work.out" &&
  ok "stats reads the store import made" || fail "stats on the imported store: $(cat "$work.out" "$work.err")"
rm -f "$work.out" "$work.err"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
