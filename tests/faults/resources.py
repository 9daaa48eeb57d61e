"""The server short of resources.

usage: resources.py BUILD MODE
  descriptors    the server runs out of file descriptors (ulimit -n 64) while
                 idle clients hold connections: it keeps serving the
                 connections it has, does not spin, takes no write it cannot
                 keep, and accepts again once descriptors are free
  slow-reader    clients stop reading a streamed export and a streamed query
                 result half-way: ingest and queries go on, memory stays
                 bounded, and the server lets go when the clients vanish
"""
import os
import resource
import socket
import struct
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, batch_triples, call  # noqa: E402

build, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
checks = Checks()
work = tempfile.mkdtemp(prefix=f"torchprov-{mode}-")
store = os.path.join(work, "store")


def raw_request(port, text):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(text.encode())
    return s


def read_response(s):
    """Status and body of one response with Content-Length on socket s."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            return 0, b""
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    status = int(head.split(b" ")[1])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = s.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, body


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def reset(s):
    """Close with RST: the client vanishes."""
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


if mode == "descriptors":
    limit = 64
    server = Server(build, store, log=os.path.join(work, "serve.log"),
                    limits=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))).start()
    headers = {**server.auth(), "Content-Type": "application/n-triples"}
    checks.check("a write before the flood is taken", call(server.port, "POST", "/data?graph=urn:x-fault:before",
                                                            batch_triples("before", 100), headers)[0] in (200, 201))
    keeper = socket.create_connection(("127.0.0.1", server.port), timeout=30)  # opened before the flood
    flood = []
    for _ in range(3 * limit):
        try:
            flood.append(socket.create_connection(("127.0.0.1", server.port), timeout=5))
        except OSError:
            break
    time.sleep(1)
    cpu = server.cpu_seconds()
    time.sleep(3)
    spent = server.cpu_seconds() - cpu
    checks.check(f"{len(flood)} idle connections do not make it spin ({spent:.2f} s CPU in 3 s)", spent < 1.0)
    checks.check("the server is still up", server.alive(), server.log())
    checks.check("it reached its descriptor limit", server.open_descriptors() >= limit - 2, server.open_descriptors())
    keeper.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    status, _ = read_response(keeper)
    checks.check("a connection it already had is served", status == 200, status)
    body = batch_triples("during", 100)
    keeper.sendall((f"POST /data?graph=urn:x-fault:during HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    f"{headers['Authorization']}\r\nContent-Type: application/n-triples\r\n"
                    f"Content-Length: {len(body)}\r\n\r\n{body}").encode())
    during_status, during_body = read_response(keeper)
    checks.check("a write during the flood is taken or refused with a clear status",
                 during_status in (200, 201) or 500 <= during_status < 600, (during_status, during_body[:200]))
    for s in flood:
        reset(s)
    keeper.close()
    deadline = time.time() + 30
    status = 0
    while time.time() < deadline and status != 200:
        status = call(server.port, "GET", "/health", timeout=5)[0]
        time.sleep(0.2)
    checks.check("it accepts connections again once the clients are gone", status == 200, status)
    checks.check("and takes writes again", call(server.port, "POST", "/data?graph=urn:x-fault:after",
                                                 batch_triples("after", 100), headers)[0] in (200, 201))
    counts = server.triples_per_graph()
    server.stop()
    server = Server(build, store, log=os.path.join(work, "serve2.log")).start()
    again = server.triples_per_graph()
    expected = {"urn:x-fault:before": 100, "urn:x-fault:after": 100}
    if during_status in (200, 201):
        expected["urn:x-fault:during"] = 100
    checks.check("every acknowledged write is there after a restart", again == expected == counts,
                 f"{again} / {counts}")
    server.stop()
elif mode == "slow-reader":
    server = Server(build, store, log=os.path.join(work, "serve.log")).start()
    headers = {**server.auth(), "Content-Type": "application/n-triples"}
    for i in range(40):
        call(server.port, "POST", f"/data?graph=urn:x-fault:g{i}", batch_triples(f"bulk{i}", 5000), headers)
    baseline_fds = server.open_descriptors()
    rss_before = rss_kib(server.process.pid)
    stuck = []
    for target in ("/data", "/sparql?query=SELECT%20*%20WHERE%20%7B%20GRAPH%20%3Fg%20%7B%3Fs%20%3Fp%20%3Fo%7D%20%7D"):
        accept = "application/n-quads" if target == "/data" else "text/tab-separated-values"
        for _ in range(4):
            s = raw_request(server.port, f"GET {target} HTTP/1.1\r\nHost: x\r\nAccept: {accept}\r\n\r\n")
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            s.recv(16384)  # a little of the stream, then nothing more
            stuck.append(s)
    time.sleep(2)
    slowest = 0.0
    for i in range(20):
        started = time.time()
        status = call(server.port, "POST", f"/data?graph=urn:x-fault:while{i}", batch_triples(f"while{i}", 500),
                      headers, timeout=30)[0]
        slowest = max(slowest, time.time() - started)
        if status not in (200, 201):
            break
    checks.check(f"ingest goes on beside 8 stalled streams (slowest batch {slowest:.2f} s)",
                 status in (200, 201) and slowest < 5, status)
    started = time.time()
    rows = server.sparql_csv("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
    checks.check(f"queries go on ({time.time() - started:.2f} s)", rows and int(rows[0][0]) == 210000, rows)
    grown = rss_kib(server.process.pid) - rss_before
    checks.check(f"8 stalled streams hold little memory ({grown / 1024:.1f} MiB more)", grown < 200 * 1024)
    for s in stuck:
        reset(s)
    deadline = time.time() + 30
    while time.time() < deadline and server.open_descriptors() > baseline_fds:
        time.sleep(0.2)
    checks.check("the server lets go of the vanished clients' connections",
                 server.open_descriptors() <= baseline_fds, (server.open_descriptors(), baseline_fds))
    checks.check("and serves on", call(server.port, "GET", "/health")[0] == 200)
    server.stop()
    checks.check("the server stops cleanly", server.process.returncode == 0, server.log())
if checks.failed:
    print(server.log())
checks.finish()
