#!/usr/bin/python3
"""Request bodies of 1 KB, 20 KB, 100 KB and 5 MB reach `torchprov serve
--tls-cert` whole, from every kind of client: curl, Python's ssl (one
keep-alive connection for all sizes, through http.client), `torchprov import
--endpoint` and the HTTP sink (the Python package's Recorder, which records a
hyperparameter of that size).  Each body is made of random text, and what the
server stores is read back over HTTPS and compared with what was sent: the
triples of each graph as a set, the sink's hyperparameter as a string.  A body
spanning several TLS records was once split between two reads racing on one
TLS stream; this test fails on such a server ('bad record mac' at the client,
a 400 or a missing triple at the server).

The certificates are made here with the openssl command: a private CA and a
server certificate for 127.0.0.1.

usage: https_bodies_test.py BUILD_DIR
The package is imported from PYTHONPATH (BUILD_DIR/python unless set).
"""
import base64
import http.client
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request

build = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="torchprov-https-bodies-")
SIZES = {"1k": 1024, "20k": 20 * 1024, "100k": 100 * 1024, "5m": 5 * 1024 * 1024}
failures = []
server = None


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    return condition


def finish(code):
    if server and server.poll() is None:
        server.terminate()
        server.wait(timeout=60)
    if code:
        for name in sorted(os.listdir(work)):
            if name.endswith(".log"):
                print(f"--- {name}\n" + open(os.path.join(work, name), errors="replace").read()[-3000:])
    if os.environ.get("KEEP") == "1":
        print("work directory kept:", work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


def run(args, log, **kw):
    with open(os.path.join(work, log), "ab") as out:
        return subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, **kw).returncode


if shutil.which("openssl") is None or shutil.which("curl") is None:
    print("SKIP: this test needs the openssl and curl commands")
    sys.exit(77)

# --- certificates: a private CA and a certificate for 127.0.0.1 signed by it
ca, cert, key = (os.path.join(work, n) for n in ("ca.pem", "server.pem", "server.key"))
openssl = [["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", os.path.join(work, "ca.key"),
            "-out", ca, "-days", "2", "-subj", "/CN=torchprov test CA"],
           ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", os.path.join(work, "server.csr"),
            "-subj", "/CN=127.0.0.1"]]
for command in openssl:
    if run(command, "openssl.log") != 0:
        print("cannot make the test certificates")
        finish(1)
with open(os.path.join(work, "server.ext"), "w") as f:
    f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
if run(["openssl", "x509", "-req", "-in", os.path.join(work, "server.csr"), "-CA", ca, "-CAkey",
        os.path.join(work, "ca.key"), "-CAcreateserial", "-out", cert, "-days", "2", "-extfile",
        os.path.join(work, "server.ext")], "openssl.log") != 0:
    print("cannot sign the server certificate")
    finish(1)
trusted = ssl.create_default_context(cafile=ca)

# --- the server
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
base = f"https://127.0.0.1:{port}"
store = os.path.join(work, "store")
server = subprocess.Popen([os.path.join(build, "torchprov"), "serve", "--store", store, "--port", str(port),
                           "--tls-cert", cert, "--tls-key", key],
                          stdout=open(os.path.join(work, "serve.log"), "w"), stderr=subprocess.STDOUT)
for _ in range(600):
    try:
        with urllib.request.urlopen(base + "/health", timeout=5, context=trusted) as reply:
            if reply.status == 200:
                break
    except OSError:
        if server.poll() is not None:
            break
        time.sleep(0.1)
else:
    server.poll()
if not check(server.returncode is None and os.path.exists(os.path.join(store, "token")), "serve --tls-cert answers HTTPS"):
    finish(1)
token_file = os.path.join(store, "token")
token = open(token_file).read().split()[0]


def random_text(length, seed):
    """Printable random text (base64 of random bytes) of exactly `length` characters."""
    text = base64.b64encode(os.urandom(length)).decode()[:length]
    return (seed + text)[:length]


def ntriples(graph_key, size):
    """An N-Triples document of exactly `size` bytes: lines of random literals."""
    lines, total, i = [], 0, 0
    while total < size:
        head = f'<urn:tls:{graph_key}:{i}> <urn:tls:text> "'
        tail = '" .\n'
        room = size - total - len(head) - len(tail)
        if room < 1:  # too little left for a line: widen the previous one
            last = lines.pop()
            total -= len(last)
            grown = last[:-len(tail)] + random_text(size - total - len(last), "") + tail
            lines.append(grown)
            total += len(grown)
            break
        line = head + random_text(min(room, 900), f"{graph_key}-{i}-") + tail
        lines.append(line)
        total += len(line)
        i += 1
    body = "".join(lines)
    assert len(body.encode()) == size, (len(body), size)
    return body


def stored_triples(graph):
    """The graph's triples as the server returns them over HTTPS (N-Triples lines)."""
    request = urllib.request.Request(base + "/data?graph=" + urllib.parse.quote(graph, safe=""),
                                     headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(request, timeout=120, context=trusted) as reply:
        return set(line for line in reply.read().decode().splitlines() if line.strip())


def sent_triples(body):
    return set(line for line in body.splitlines() if line.strip())


def compare(client, key, body, graph):
    try:
        stored = stored_triples(graph)
    except OSError as error:
        return check(False, f"{client} {key}: reading {graph} back over HTTPS failed: {error}")
    sent = sent_triples(body)
    return check(stored == sent, f"{client} {key} ({len(body.encode())} bytes): the server holds exactly the "
                 f"{len(sent)} triples sent" + ("" if stored == sent else
                                               f" (holds {len(stored)}, {len(sent - stored)} sent ones missing, "
                                               f"{len(stored - sent)} others)"))


bodies = {}
for key, size in SIZES.items():
    for client in ("curl", "python", "import"):
        bodies[(client, key)] = ntriples(f"{client}-{key}", size)

# --- curl
for key in SIZES:
    body = bodies[("curl", key)]
    path = os.path.join(work, f"curl-{key}.nt")
    with open(path, "w") as f:
        f.write(body)
    graph = f"urn:tls:graph:curl-{key}"
    answer = subprocess.run(["curl", "-sS", "--cacert", ca, "-o", os.path.join(work, f"curl-{key}.reply"),
                             "-w", "%{http_code}", "-H", f"Authorization: Bearer {token}",
                             "-H", "Content-Type: application/n-triples", "--data-binary", "@" + path,
                             base + "/data?graph=" + urllib.parse.quote(graph, safe="")],
                            capture_output=True, text=True)
    if check(answer.returncode == 0 and answer.stdout.strip() in ("200", "201", "204"),
             f"curl {key}: POST over HTTPS answered {answer.stdout.strip()} {answer.stderr.strip()}"):
        compare("curl", key, body, graph)

# --- Python's ssl: one keep-alive connection carries every size in turn
connection = http.client.HTTPSConnection("127.0.0.1", port, context=trusted, timeout=120)
for key in SIZES:
    body = bodies[("python", key)]
    graph = f"urn:tls:graph:python-{key}"
    try:
        connection.request("POST", "/data?graph=" + urllib.parse.quote(graph, safe=""), body=body.encode(),
                           headers={"Authorization": f"Bearer {token}", "Content-Type": "application/n-triples"})
        reply = connection.getresponse()
        answer = reply.read().decode(errors="replace").strip()
        status = reply.status
    except (OSError, http.client.HTTPException) as error:
        status, answer = 0, str(error)
    if check(status in (200, 201, 204), f"python ssl {key}: POST on one keep-alive connection answered {status} {answer}"):
        compare("python ssl", key, body, graph)
connection.close()

# --- torchprov import --endpoint (the CLI's HTTPS client)
for key in SIZES:
    body = bodies[("import", key)]
    path = os.path.join(work, f"import-{key}.nt")
    with open(path, "w") as f:
        f.write(body)
    graph = f"urn:tls:graph:import-{key}"
    status = run([os.path.join(build, "torchprov"), "import", "--endpoint", base, "--token-file", token_file,
                  "--ca-file", ca, "--graph", graph, path], f"import-{key}.log")
    if check(status == 0, f"torchprov import --endpoint {key}: exit {status}"):
        compare("import --endpoint", key, body, graph)

# --- the HTTP sink: a run whose hyperparameter `blob` is a text of each size
script = os.path.join(work, "record.py")
with open(script, "w") as f:
    f.write(textwrap.dedent("""\
        import sys, torch, torchprov
        endpoint, token_file, ca_file, spill, size, blob_file = sys.argv[1:7]
        blob = open(blob_file).read()
        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        with torchprov.Recorder(endpoint=endpoint, token_file=token_file, ca_file=ca_file, spill_file=spill,
                                overflow="block") as rec:
            print("run", rec.start_run(model, optimizer, epochs=1, experiment="tls-" + size,
                                       hyperparameters={"blob": blob}), flush=True)
            with rec.epoch() as epoch:
                epoch.metric("loss", "train", 0.5)
            rec.end_run()
        """))
env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="1")
env.setdefault("PYTHONPATH", os.path.join(build, "python"))
for key, size in SIZES.items():
    blob = random_text(size, f"sink-{key}-")
    blob_file = os.path.join(work, f"blob-{key}.txt")
    with open(blob_file, "w") as f:
        f.write(blob)
    spill = os.path.join(work, f"spill-{key}.nq")
    with open(os.path.join(work, f"sink-{key}.log"), "w") as log:
        recorder = subprocess.run(["/usr/bin/python3", script, base, token_file, ca, spill, key, blob_file], env=env,
                                  stdout=subprocess.PIPE, stderr=log, text=True, timeout=240)
    words = recorder.stdout.split()
    if not check(recorder.returncode == 0 and words[:1] == ["run"],
                 f"sink {key}: the recorder ran to its end over HTTPS (exit {recorder.returncode})"):
        continue
    run_iri = words[1]
    query = ("PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dl: <https://w3id.org/torchprov/dl#> "
             f"SELECT ?value WHERE {{ <{run_iri}> prov:used ?h . ?h a dl:HyperparameterSetting ; dl:name \"blob\" ; "
             "prov:value ?value }")
    request = urllib.request.Request(base + "/sparql?query=" + urllib.parse.quote(query),
                                     headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(request, timeout=120, context=trusted) as reply:
            values = [b["value"]["value"] for b in json.load(reply)["results"]["bindings"]]
    except OSError as error:
        values = [f"<query failed: {error}>"]
    check(values == [blob], f"sink {key}: the server holds the {size}-character hyperparameter exactly"
          + ("" if values == [blob] else f" (got {len(values)} values of lengths {[len(v) for v in values]})"))
    check(not os.path.exists(spill) or os.path.getsize(spill) == 0, f"sink {key}: nothing was left in the spill file")

server.terminate()
server.wait(timeout=60)
check(server.returncode == 0, f"the server stopped cleanly (exit {server.returncode}, a crash is negative)")
print(f"{len(failures)} failure(s)" if failures else "all HTTPS body checks passed")
finish(1 if failures else 0)
