#!/bin/bash
# A name server that takes the question and never answers cannot hang the
# clients: getaddrinfo would wait out its own retries (here 5 x 30 s), so each
# lookup counts against the request's deadline.  Checked with the CLI's HTTP
# client and with `serve --backend` whose backend's name cannot be resolved:
# /health answers at once, a query answers 504 naming the backend within its
# timeout, and a batch is acknowledged into the server's journal.
#
# The stalled name server lives in namespaces of this test's own (user, mount,
# network: `unshare -rmn`): /etc/resolv.conf is replaced there only.
# usage: stalled_dns_test.sh BUILD_DIR
set -uo pipefail
tp=$(cd "$1" && pwd)/torchprov
if ! unshare -rmn true 2> /dev/null; then
  echo "SKIP: this machine does not allow user namespaces (unshare -rmn), where the stalled name server runs"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-dns.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat > "$work/silent_dns.py" <<'PY'
import fcntl, socket, struct
# A new network namespace starts with its loopback down; up it goes (the
# ioctl, so that the test needs no iproute2).
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(control, SIOCGIFFLAGS, struct.pack("16sH", b"lo", 0))[:18])[1]
fcntl.ioctl(control, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 53))
print("listening", flush=True)
while True:
    s.recvfrom(4096)  # the question is taken, never answered
PY
printf 'nameserver 127.0.0.1\noptions timeout:30 attempts:5\n' > "$work/resolv.conf"

# What runs inside the namespaces; prints ok/FAIL lines.
cat > "$work/inside.sh" <<'SH'
set -uo pipefail
tp=$1 work=$2
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; }
mount --bind "$work/resolv.conf" /etc/resolv.conf
/usr/bin/python3 "$work/silent_dns.py" > "$work/dns.out" 2>&1 &
dns=$!
server=
trap 'kill $server $dns 2> /dev/null' EXIT
for _ in $(seq 50); do grep -q listening "$work/dns.out" 2> /dev/null && break; sleep 0.1; done
grep -q listening "$work/dns.out" || { fail "the silent name server did not start: $(cat "$work/dns.out")"; exit 0; }
# The name really does stall here (else this test would prove nothing).
start=$SECONDS
timeout 8 getent hosts stalled.example > /dev/null
[ $? -eq 124 ] && ok "a lookup of stalled.example hangs in this namespace" ||
  fail "a lookup of stalled.example did not hang, so nothing here is tested"

start=$SECONDS
"$tp" rules list --endpoint http://stalled.example:8080 --timeout 2 > "$work/rules.log" 2>&1
status=$? took=$((SECONDS - start))
[ "$status" -eq 1 ] && [ "$took" -le 10 ] && grep -q "timed out after 2 s (resolving)" "$work/rules.log" &&
  ok "rules list gave up in $took s: $(cat "$work/rules.log")" ||
  fail "rules list: exit $status after $took s: $(cat "$work/rules.log")"

port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
start=$SECONDS
"$tp" serve --store "$work/store" --backend http://stalled.example:8890/sparql --port "$port" --query-timeout 3 \
  > "$work/serve.log" 2>&1 &
server=$!
up=
for _ in $(seq 100); do curl -s -m 2 -o /dev/null "$base/health" && { up=1; break; }; sleep 0.2; done
took=$((SECONDS - start))
[ -n "$up" ] && [ "$took" -le 20 ] && ok "serve answers /health $took s after its start" ||
  { fail "serve did not answer /health in $took s: $(cat "$work/serve.log")"; exit 0; }
start=$SECONDS
code=$(curl -s -m 60 -o "$work/query.out" -w '%{http_code}' "$base/sparql?query=ASK%7B%7D")
took=$((SECONDS - start))
[ "$code" = 504 ] && [ "$took" -le 15 ] && grep -q "stalled.example" "$work/query.out" &&
  ok "a query answered $code in $took s: $(head -c 200 "$work/query.out")" ||
  fail "a query answered $code after $took s (want 504 naming the backend within 15 s): $(head -c 300 "$work/query.out")"
start=$SECONDS
code=$(curl -s -m 60 -o "$work/post.out" -w '%{http_code}' -X POST -H 'Content-Type: application/n-triples' \
  -H "Authorization: Bearer $(cut -d' ' -f1 "$work/store/token")" \
  --data-binary '<http://example.org/s> <http://example.org/p> "o" .' "$base/data")
took=$((SECONDS - start))
case $code in 2??) [ "$took" -le 15 ] && ok "a batch was acknowledged ($code) in $took s" ||
                     fail "a batch was acknowledged only after $took s" ;;
  *) fail "a batch answered $code after $took s: $(head -c 300 "$work/post.out")" ;;
esac
SH
out=$(timeout 280 unshare -rmn bash "$work/inside.sh" "$tp" "$work" 2>&1)
echo "$out"
passed=$(grep -c '^ok ' <<< "$out") failed=$(grep -c '^FAIL' <<< "$out")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -eq 5 ]
