# Shared by the client tests: a private `torchprov serve` on a free port with
# a temporary store, pass/fail counters and cleanup on exit.
#   source common.sh BUILD_DIR    then: start_server [serve options...]
# Sets: work (temp dir), base (http://127.0.0.1:PORT), token, server (pid).
set -uo pipefail
build=$(cd "$1" && pwd)
PY=/usr/bin/python3
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-clients.XXXXXX")
server=
passed=0 failed=0
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1; shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
finish() {
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
  exit $?
}

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_server [options...]: a new store under $work, replacing any server
# this script started before.
start_server() {
  stop_server
  local store="$work/store.$RANDOM$RANDOM"
  # A read-only server needs a store to read: a writer makes an empty one.
  case " $* " in
    *" --read-only "*) "$build/torchprov" update --store "$store" 'INSERT DATA {}' > /dev/null 2>&1 ;;
  esac
  port=$(free_port)
  base=http://127.0.0.1:$port
  "$build/torchprov" serve --store "$store" --port "$port" "$@" > "$work/serve.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$base/health" && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  if ! curl -sf -o /dev/null "$base/health"; then
    echo "server did not start:"; cat "$work/serve.log"; exit 1
  fi
  token=$(cut -d' ' -f1 "$store/token" 2>/dev/null || true)
}
stop_server() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; server=; fi
}
