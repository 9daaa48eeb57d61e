"""What a stranger on the network can and cannot do to `torchprov serve`,
checked the way SECURITY.md states it.

usage: security.py BUILD
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, batch_triples, call  # noqa: E402

build = os.path.abspath(sys.argv[1])
checks = Checks()
work = tempfile.mkdtemp(prefix="torchprov-security-")


def raw(port, text, source="127.0.0.1", read=True):
    """Sends raw bytes from `source`; the status line's code (0 if none)."""
    s = socket.socket()
    s.bind((source, 0))
    s.settimeout(30)
    s.connect(("127.0.0.1", port))
    s.sendall(text if isinstance(text, bytes) else text.encode())
    if not read:
        return s
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    try:
        return int(data.split(b" ")[1]), data
    except (IndexError, ValueError):
        return 0, data


# --- the token file
store = os.path.join(work, "open-store")
os.makedirs(store)
with open(os.path.join(store, "token"), "w") as f:
    f.write("open-token someone\n")
os.chmod(os.path.join(store, "token"), 0o644)
result = subprocess.run([os.path.join(build, "torchprov"), "serve", "--store", store, "--port", "1"],
                        capture_output=True, timeout=60)
message = (result.stdout + result.stderr).decode()
checks.check("a world-readable token file is refused at start", result.returncode != 0 and "chmod 600" in message,
             message[-300:])
os.chmod(os.path.join(store, "token"), 0o600)

# --- a dashboard folder with a file beside it and a link out of it
dashboard = os.path.join(work, "dashboard")
os.makedirs(os.path.join(dashboard, "assets"))
with open(os.path.join(dashboard, "index.html"), "w") as f:
    f.write("<!doctype html><title>ok</title>")
secret = "SECRET-BESIDE-THE-DASHBOARD"
with open(os.path.join(work, "secret.txt"), "w") as f:
    f.write(secret)
with open(os.path.join(work, "dashboard-secret.txt"), "w") as f:
    f.write(secret)
os.symlink(os.path.join(work, "secret.txt"), os.path.join(dashboard, "assets", "link.txt"))

server = Server(build, os.path.join(work, "store"),
                ["--static", dashboard, "--query-timeout", "2", "--max-rows", "1000", "--threads", "2",
                 "--client-connections", "8"], log=os.path.join(work, "serve.log")).start()
port = server.port
auth = server.auth()
call(port, "POST", "/data?graph=urn:x-sec:data", batch_triples("data", 3000),
     {**auth, "Content-Type": "application/n-triples"})

leaks = []
for path in ["/../secret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/assets/%2e%2e/%2e%2e/secret.txt",
             "//" + os.path.join(work, "secret.txt"), "/assets/link.txt", "/..%2fsecret.txt",
             "/../dashboard-secret.txt", "/assets/..%5c..%5csecret.txt", "/./../secret.txt"]:
    status, data = raw(port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    if secret.encode() in data or status == 200:
        leaks.append((path, status))
checks.check("no path reaches a file outside the dashboard folder", not leaks, leaks)
checks.check("the dashboard itself is served", call(port, "GET", "/")[0] == 200)

status, body = call(port, "GET", "/metrics")
text = body.decode()
checks.check("/metrics names no client, path, query or token",
             status == 200 and "127.0.0.1" not in text and "secret" not in text and server.token() not in text
             and "SELECT" not in text and work not in text, text[:200])
status, body = call(port, "GET", "/health")
checks.check("/health says only status and size", status == 200 and set(json.loads(body)) <=
             {"status", "triples", "graphs"}, body)

# --- bounds on queries, updates and DESCRIBE
slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
started = time.time()
status, body = call(port, "GET", "/sparql?query=" + urllib.parse.quote(slow), timeout=60)
checks.check(f"a query is stopped by the timeout ({time.time() - started:.1f} s)", status == 503 and
             time.time() - started < 10, (status, body[:200]))
before = server.triples_per_graph()
update = "INSERT { GRAPH <urn:x-sec:copy> { ?a <urn:x-sec:p> ?d } } WHERE { ?a ?b ?c . ?d ?e ?f }"
status, body = call(port, "POST", "/sparql", update, {**auth, "Content-Type": "application/sparql-update"},
                    timeout=60)
checks.check("an update over the row limit or the timeout is refused", status == 503, (status, body[:200]))
checks.check("and changes nothing", server.triples_per_graph() == before)
status, body = call(port, "GET", "/sparql?query=" + urllib.parse.quote("DESCRIBE ?s WHERE { ?s ?p ?o }"),
                    headers={"Accept": "application/n-triples"}, timeout=60)
checks.check("DESCRIBE is bounded by the row limit", status == 503 and b"limit" in body, (status, body[:200]))
status, body = call(port, "POST", "/sparql", "LOAD <file:///etc/passwd>",
                    {**auth, "Content-Type": "application/sparql-update"})
checks.check("LOAD cannot read files or fetch URLs", status == 501, (status, body[:200]))
status, body = call(port, "GET", "/sparql?query=" + urllib.parse.quote(
    "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"))
checks.check("SERVICE reaches no endpoint that --service-allow does not list", status == 403, (status, body[:200]))

# --- a stranger cannot make the server hold a large body: the answer comes
# from the header alone, before a byte of the body is sent.
s = raw(port, "POST /data HTTP/1.1\r\nHost: x\r\nContent-Type: text/turtle\r\nContent-Length: 400000000\r\n\r\n",
        read=False)
data = b""
try:
    s.settimeout(30)
    while b"\r\n\r\n" not in data:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except OSError:
    pass
s.close()
checks.check("a body larger than a query without a token is cut off at once (413)", b" 413 " in data[:20],
             data[:200])

# --- fairness: a burst from one client does not starve another
burst = []


def slow_query():
    burst.append(call(port, "GET", "/sparql?query=" + urllib.parse.quote(slow), timeout=120)[0])


threads = [threading.Thread(target=slow_query) for _ in range(12)]
for t in threads:
    t.start()
time.sleep(0.5)
started = time.time()
status, data = raw(port, "GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                   source="127.0.0.2")
waited = time.time() - started
checks.check(f"another client's query is answered beside a burst of 12 slow ones ({waited:.1f} s)",
             status == 200 and waited < 5, status)
for t in threads:
    t.join()
# --client-connections 8: the connections beyond it are answered 429.
checks.check("the burst itself is answered (timeouts, 429 beyond the connection limit)",
             len(burst) == 12 and all(s in (503, 429) for s in burst) and burst.count(503) >= 8, burst)

# --- connections per client
# The burst's connections close on the client side first; the server may
# take a moment to see the last of them go, so the check is retried.
for attempt in range(10):
    held = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
    time.sleep(0.5)  # the server accepts them (it may be busy)
    status, _ = raw(port, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
    if status == 429:
        break
    for h in held:
        h.close()
    time.sleep(1)
checks.check("a client over its connection limit gets 429", status == 429, status)
status, _ = raw(port, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", source="127.0.0.3")
checks.check("while another client still gets in", status == 200, status)
for h in held:
    h.close()

# --- the token is compared whole
status, _ = call(port, "POST", "/data?graph=urn:x-sec:x", batch_triples("x", 1),
                 {"Authorization": "Bearer " + server.token()[:-1], "Content-Type": "application/n-triples"})
checks.check("a token missing its last character is refused (403)", status == 403, status)
server.stop()

# --- with --reads-need-token /health says only that the server is up
server = Server(build, os.path.join(work, "store"), ["--reads-need-token"], log=os.path.join(work, "serve2.log")).start()
status, body = call(server.port, "GET", "/health")
checks.check("with --reads-need-token /health gives no figures to strangers", status == 200 and
             body.strip() == b'{"status":"ok"}', body)
checks.check("and /metrics needs the token", call(server.port, "GET", "/metrics")[0] == 401)
server.stop()
if checks.failed:
    print(server.log())
checks.finish()
