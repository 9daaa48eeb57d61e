#!/usr/bin/python3
"""The project's HTTPS clients against a TLS server that is not ours: Python's
http.server wrapped by Python's ssl module, with a certificate from a private
CA made here by the openssl command.

- `torchprov import --endpoint https://... --ca-file CA` POSTs the file's
  statements to /data: the server receives exactly the file's N-Quads.
- `torchprov rules list --endpoint https://... --ca-file CA` prints the JSON
  the server sent.
- The HTTP sink (the Python package's Recorder with ca_file=) streams a run:
  the server receives its statements, with the 100 KB hyperparameter whole,
  and a stop request the server hands out on /api/adaptations reaches the
  training, which stops after its first epoch.
- Without the CA, import and rules refuse the server naming an unknown CA, and
  the server receives nothing from them.

usage: https_client_test.py BUILD_DIR
The package is imported from PYTHONPATH (BUILD_DIR/python unless set).
"""
import base64
import http.server
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import textwrap
import threading
import urllib.parse

build = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="torchprov-https-client-")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    return condition


def finish(code):
    if code:
        for name in sorted(os.listdir(work)):
            if name.endswith(".log"):
                print(f"--- {name}\n" + open(os.path.join(work, name), errors="replace").read()[-3000:])
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


if shutil.which("openssl") is None:
    print("SKIP: this test needs the openssl command")
    sys.exit(77)


def openssl(*args):
    with open(os.path.join(work, "openssl.log"), "ab") as log:
        if subprocess.run(["openssl", *args], stdout=log, stderr=subprocess.STDOUT).returncode != 0:
            print("openssl", *args, "failed")
            finish(1)


ca, ca_key = os.path.join(work, "ca.pem"), os.path.join(work, "ca.key")
cert, key = os.path.join(work, "server.pem"), os.path.join(work, "server.key")
openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
        "-subj", "/CN=torchprov client test CA")
openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", os.path.join(work, "server.csr"),
        "-subj", "/CN=127.0.0.1")
with open(os.path.join(work, "server.ext"), "w") as f:
    f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
openssl("x509", "-req", "-in", os.path.join(work, "server.csr"), "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
        "-out", cert, "-days", "2", "-extfile", os.path.join(work, "server.ext"))

TOKEN = "python-ssl-test-token"
received = []  # (method, path, authorization, body)
lock = threading.Lock()
RULES = [{"name": "from-python-ssl", "action": "stop", "scope": {"experiment": "x"}}]
STOP_REASON = "stopped by the python ssl server"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body=b""):
        with lock:
            received.append((self.command, self.path, self.headers.get("Authorization", ""), body))

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.record(body)
        self.answer(201, "stored\n", "text/plain")

    def do_GET(self):
        self.record()
        path = urllib.parse.urlsplit(self.path)
        if path.path == "/api/rules":
            return self.answer(200, json.dumps(RULES), "application/json")
        if path.path == "/api/adaptations":
            run = urllib.parse.parse_qs(path.query).get("run", [""])[0]
            # request, action, hyperparameter, value, param_group, person, reason
            line = f"urn:python-ssl:request:1\tstop\t\t\t\tpat\t{STOP_REASON}\n" if run else ""
            return self.answer(200, line, "text/tab-separated-values")
        return self.answer(404, "not here\n", "text/plain")


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
port = httpd.server_address[1]
threading.Thread(target=httpd.serve_forever, daemon=True).start()
base = f"https://127.0.0.1:{port}"
token_file = os.path.join(work, "token")
with open(token_file, "w") as f:
    f.write(TOKEN + " pat\n")


def torchprov(log, *args):
    with open(os.path.join(work, log), "w") as out:
        status = subprocess.run([os.path.join(build, "torchprov"), *args], stdout=out, stderr=subprocess.STDOUT,
                                timeout=120).returncode
    return status, open(os.path.join(work, log)).read()


def taken():
    with lock:
        out = list(received)
        received.clear()
    return out


# --- import --endpoint: exactly the file's statements arrive
quads = "".join(f'<urn:tls:s{i}> <urn:tls:p> "{base64.b64encode(os.urandom(60)).decode()}" <urn:tls:g> .\n'
                for i in range(200))
dump = os.path.join(work, "statements.nq")
with open(dump, "w") as f:
    f.write(quads)
status, output = torchprov("import.log", "import", "--endpoint", base, "--token-file", token_file, "--ca-file", ca, dump)
posts = [r for r in taken() if r[0] == "POST"]
check(status == 0, f"import --endpoint over HTTPS to Python's ssl server exits 0 ({status}: {output.strip()[:200]})")
check(len(posts) == 1 and posts[0][1].startswith("/data") and posts[0][2] == f"Bearer {TOKEN}",
      f"import sent one POST /data with the bearer token ({[(p[0], p[1]) for p in posts]})")
if posts:
    got = set(posts[0][3].decode().splitlines())
    check(got == set(quads.splitlines()), f"the server received exactly the {len(quads.splitlines())} N-Quads of the file "
          f"({len(got)} lines)")

# --- rules list
status, output = torchprov("rules.log", "rules", "list", "--endpoint", base, "--ca-file", ca)
check(status == 0 and "from-python-ssl" in output, f"rules list over HTTPS prints the server's rules ({status}: "
      f"{output.strip()[:200]})")
taken()

# --- without the CA: refused, naming the reason, nothing sent
status, output = torchprov("import-untrusted.log", "import", "--endpoint", base, "--token-file", token_file, dump)
check(status != 0 and "unknown CA" in output, f"import without --ca-file refuses the server: {output.strip()[:200]}")
status, output = torchprov("rules-untrusted.log", "rules", "list", "--endpoint", base)
check(status != 0 and "unknown CA" in output, f"rules list without --ca-file refuses the server: {output.strip()[:200]}")
check(not taken(), "the untrusted server received no request")

# --- the HTTP sink, through the Python package
blob = base64.b64encode(os.urandom(100 * 1024)).decode()[:100 * 1024]
blob_file = os.path.join(work, "blob.txt")
with open(blob_file, "w") as f:
    f.write(blob)
script = os.path.join(work, "train.py")
with open(script, "w") as f:
    f.write(textwrap.dedent("""\
        import sys, time, torch, torchprov
        endpoint, token_file, ca_file, spill, blob_file = sys.argv[1:6]
        model = torch.nn.Linear(2, 1)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        rec = torchprov.Recorder(endpoint=endpoint, token_file=token_file, ca_file=ca_file, spill_file=spill)
        print("run", rec.start_run(model, optimizer, epochs=30, experiment="python-ssl",
                                   hyperparameters={"blob": open(blob_file).read()}), flush=True)
        trained = 0
        for e in range(30):
            if rec.should_stop():
                break
            with rec.epoch() as epoch:
                epoch.metric("loss", "train", 1.0 / (e + 1))
            trained += 1
            time.sleep(0.5)
        rec.end_run("stopped" if rec.should_stop() else "completed")
        rec.close()
        print("trained", trained, flush=True)
        """))
env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", OMP_NUM_THREADS="1")
env.setdefault("PYTHONPATH", os.path.join(build, "python"))
spill = os.path.join(work, "spill.nq")
with open(os.path.join(work, "train.log"), "w") as log:
    trainer = subprocess.run(["/usr/bin/python3", script, base, token_file, ca, spill, blob_file], env=env,
                             stdout=subprocess.PIPE, stderr=log, text=True, timeout=240)
print("train.py:", trainer.stdout.strip().replace("\n", " | "))
lines = trainer.stdout.split()
check(trainer.returncode == 0 and lines[:1] == ["run"], f"the training with an https:// sink ran (exit {trainer.returncode})")
requests = taken()
posted = b"".join(r[3] for r in requests if r[0] == "POST" and r[1].startswith("/data")).decode(errors="replace")
run_iri = lines[1] if len(lines) > 1 else "?"
check(f"<{run_iri}>" in posted, f"the sink posted the run's statements over HTTPS ({len(posted)} bytes)")
check(f'"{blob}"' in posted, "the 100 KB hyperparameter arrived whole")
check(any(r[0] == "GET" and r[1].startswith("/api/adaptations") for r in requests),
      "the sink polled /api/adaptations over HTTPS")
trained = int(lines[lines.index("trained") + 1]) if "trained" in lines else -1
check(0 <= trained < 30, f"the stop request from the Python ssl server reached the training ({trained} of 30 epochs)")
check(STOP_REASON in posted, "the stop was recorded with the server's reason and delivered")
check(not os.path.exists(spill) or os.path.getsize(spill) == 0, "nothing was left in the spill file")
log = open(os.path.join(work, "train.log")).read()
check("TLS" not in log, f"the trainer reported no TLS failure ({log.strip()[-200:]})")

httpd.shutdown()
print(f"{len(failures)} failure(s)" if failures else "all HTTPS client checks passed")
finish(1 if failures else 0)
