#!/bin/bash
# Every command's help, found the way a newcomer finds it: `torchprov --help`
# lists the commands, a group's --help lists its own, and each command's
# --help and -h must exit 0 with its usage, every option with its default,
# the accepted formats (by extension and by media type) and an example that
# uses only options the help lists.  A new command without help fails here.
set -uo pipefail
tp=$(cd "$1" && pwd)/torchprov
checked=0 failed=0
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# The words listed under "commands:" in a group's help.
listed() { awk '/^commands:$/ {on = 1; next} on && /^$/ {exit} on && /^  [a-z]/ {print $1}'; }
# The lines of a section ("options:", "example:" ...) up to the next blank line.
section() { awk -v title="$1:" '$0 == title {on = 1; next} on && /^$/ {exit} on {print}'; }

check_command() {  # NAME HELP
  local name=$1 help=$2
  local first; first=$(head -1 <<< "$help")
  [[ $first == "usage: torchprov $name"* ]] || fail "torchprov $name --help: first line is '$first'"
  local options; options=$(section options <<< "$help")
  [ -n "$options" ] || fail "torchprov $name --help: no options: section"
  grep -q -- '-h, --help' <<< "$options" || fail "torchprov $name --help: -h, --help not listed"
  # Each option entry (a line starting with '  -', with its continuation lines) states its default.
  local entries; entries=$(awk '/^  -/ {if (e != "") print e; e = $0; next} {e = e " " $0} END {if (e != "") print e}' <<< "$options")
  while IFS= read -r entry; do
    [[ $entry == *"--help"* ]] && continue
    [[ $entry == *"(default"* || $entry == *"(required)"* ]] || fail "torchprov $name --help: no default for: $entry"
  done <<< "$entries"
  local example; example=$(section example <<< "$help" | sed 's/^  //')
  [[ $example == "torchprov $name"* ]] || fail "torchprov $name --help: the example is '$example'"
  for option in $(grep -o -- ' --\?[a-z][a-z-]*' <<< "$example" | tr -d ' '); do
    [[ $option == -* ]] || continue
    grep -q -- "$option\b" <<< "$options" || fail "torchprov $name --help: the example uses $option, which is not listed"
  done
  # Formats by media type for every command that reads or writes data, and by
  # file extension for those that take data files.
  case " $name " in
    " version " | " stats ") ;;
    *) grep -Eq '(text|application)/[a-z+-]+' <<< "$help" || fail "torchprov $name --help: names no media type" ;;
  esac
  if grep -Eq -- '--(file|data|output|format|queries) ' <<< "$options" || [[ $first == *" FILE..."* ]]; then
    grep -Eq '\.(ttl|nt|nq|trig|rq|ru)\b' <<< "$help" || fail "torchprov $name --help: names no file extension"
  fi
}

walk() {  # WORDS...: the help of `torchprov WORDS`
  local out short rc
  out=$("$tp" "$@" --help 2> /dev/null)
  rc=$?
  [ "$rc" -eq 0 ] || fail "torchprov $* --help exits $rc"
  [ -n "$out" ] || fail "torchprov $* --help prints nothing on stdout"
  short=$("$tp" "$@" -h 2> /dev/null)
  rc=$?
  [ "$rc" -eq 0 ] || fail "torchprov $* -h exits $rc"
  [ "$short" = "$out" ] || fail "torchprov $* -h differs from --help"
  checked=$((checked + 1))
  if grep -q '^commands:$' <<< "$out"; then
    local words; words=$(listed <<< "$out")
    [ -n "$words" ] || fail "torchprov $* --help lists no commands"
    for word in $words; do walk "$@" "$word"; done
  else
    local before=$failed
    check_command "$*" "$out"
    [ "$failed" -gt "$before" ] || echo "ok   torchprov $* --help"
  fi
}

top=$("$tp" --help)
grep -q 'exit codes' <<< "$top" || fail "torchprov --help does not document the exit codes"
for code in '0  success' '1  runtime failure' '2  usage error'; do
  grep -q "$code" <<< "$top" || fail "torchprov --help does not say '$code'"
done
walk
# A group without a command word is a usage error, not a silent success.
# It lists the commands and the first steps on stderr, for a newcomer who
# typed only the program's name.
bare=$("$tp" 2>&1 > /dev/null); rc=$?
bare_out=$("$tp" 2> /dev/null)
[ "$rc" -eq 2 ] || fail "torchprov without a command exits $rc, not 2"
[ -z "$bare_out" ] || fail "torchprov without a command writes to stdout: $bare_out"
for word in $(listed <<< "$top"); do
  grep -q "^  $word " <<< "$bare" || fail "torchprov without a command does not list '$word'"
done
grep -q "first steps" <<< "$bare" && grep -q "make demo" <<< "$bare" ||
  fail "torchprov without a command shows no first steps: $bare"
echo "$checked helps checked, $failed failures"
[ "$failed" -eq 0 ] && [ "$checked" -gt 10 ]
