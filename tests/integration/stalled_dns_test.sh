#!/bin/bash
# A name server that takes the question and never answers cannot hang the
# clients: getaddrinfo would wait out its own retries (here 5 x 30 s), so each
# lookup counts against the request's deadline.  Checked with the CLI's HTTP
# client and with `serve --backend` whose backend's name cannot be resolved:
# /health answers at once, a query answers 504 naming the backend within its
# timeout, and a batch is acknowledged into the server's journal.
#
# The stalled name server lives in a network namespace of this test's own
# (`unshare -n` as root, `unshare -rn` otherwise), at the addresses that
# /etc/resolv.conf names, put on that namespace's loopback; RES_OPTIONS makes
# each lookup wait 5 x 30 s.  No mount namespace: a chroot allows none.
# usage: stalled_dns_test.sh BUILD_DIR
set -uo pipefail
tp=$(cd "$1" && pwd)/torchprov
namespace=(unshare -rn)
[ "$(id -u)" -eq 0 ] && namespace=(unshare -n)
if ! "${namespace[@]}" true 2> /dev/null; then
  echo "SKIP: this machine does not allow a network namespace here (${namespace[*]}), where the stalled name server runs"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-dns.XXXXXX")
trap 'rm -rf "$work"' EXIT
cat > "$work/silent_dns.py" <<'PY'
import fcntl, ipaddress, socket, struct, sys
# A new network namespace starts with its loopback down and holds only
# 127.0.0.0/8: up it goes, and each IPv4 name server of /etc/resolv.conf
# becomes an address of it (ioctls, so that no iproute2 is needed).
SIOCGIFFLAGS, SIOCSIFFLAGS, SIOCSIFADDR, IFF_UP = 0x8913, 0x8914, 0x8916, 0x1
control = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH", fcntl.ioctl(control, SIOCGIFFLAGS, struct.pack("16sH", b"lo", 0))[:18])[1]
fcntl.ioctl(control, SIOCSIFFLAGS, struct.pack("16sH", b"lo", flags | IFF_UP))
servers = []
try:
    for line in open("/etc/resolv.conf"):
        fields = line.split()
        if len(fields) >= 2 and fields[0] == "nameserver":
            servers.append(fields[1])
except FileNotFoundError:
    pass
servers = servers or ["127.0.0.1"]  # glibc's default
listeners = []
for n, server in enumerate(servers):
    address = ipaddress.ip_address(server)
    if address.version != 4:
        print(f"skip: name server {server} is not IPv4", flush=True)
        sys.exit(0)
    if not address.is_loopback:
        alias = f"lo:{n + 1}".encode()
        sockaddr = struct.pack("HH4s8x", socket.AF_INET, 0, address.packed)
        fcntl.ioctl(control, SIOCSIFADDR, struct.pack("16s16s", alias, sockaddr))
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((server, 53))
    listeners.append(s)
print("listening on", " ".join(servers), flush=True)
while True:
    listeners[0].recvfrom(4096)  # the questions are taken, never answered
PY

# What runs inside the namespace; prints ok/FAIL lines.
cat > "$work/inside.sh" <<'SH'
set -uo pipefail
tp=$1 work=$2
ok() { echo "ok   $*"; }
fail() { echo "FAIL $*"; }
export RES_OPTIONS="timeout:30 attempts:5"
/usr/bin/python3 "$work/silent_dns.py" > "$work/dns.out" 2>&1 &
dns=$!
server=
trap 'kill $server $dns 2> /dev/null' EXIT
for _ in $(seq 50); do grep -qE "^(listening|skip:)" "$work/dns.out" 2> /dev/null && break; sleep 0.1; done
grep -q '^skip:' "$work/dns.out" && { echo "SKIP-INSIDE: $(cat "$work/dns.out")"; exit 0; }
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
out=$(timeout 280 "${namespace[@]}" bash "$work/inside.sh" "$tp" "$work" 2>&1)
echo "$out"
if grep -q '^SKIP-INSIDE' <<< "$out"; then
  echo "SKIP: only IPv4 name servers can be stood in for here"
  exit 77
fi
passed=$(grep -c '^ok ' <<< "$out") failed=$(grep -c '^FAIL' <<< "$out")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -eq 5 ]
