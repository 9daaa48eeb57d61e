"""What the fault tests share: a `torchprov serve` they can kill, plain HTTP
calls, counting what a store holds, and a small tmpfs for running out of disk.

Each test prints one line per check and ends with 'N passed, N failed'; it
exits 77 (ctest's skip code) when something it needs is not available here.
"""
import contextlib
import csv
import http.client
import io
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

SKIP = 77


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"ok   {name}", flush=True)
        else:
            self.failed += 1
            print(f"FAIL {name}{': ' + str(detail) if detail else ''}", flush=True)
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed", flush=True)
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)


def skip(why):
    print(f"SKIP: {why}", flush=True)
    sys.exit(SKIP)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(port, method, path, body=None, headers=None, timeout=30):
    """(status, body bytes); status 0 when the server could not be reached."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    except (OSError, http.client.HTTPException):
        return 0, b""
    finally:
        connection.close()


class Server:
    """`torchprov serve` on a free port over `store`; kill() is kill -9."""

    def __init__(self, build, store, extra=(), log=None, limits=None, port=None):
        self.build, self.store, self.extra = build, store, list(extra)
        self.fixed_port = port
        self.log_path = log or os.path.join(os.path.dirname(store), "serve.log")
        self.limits = limits  # a function run in the child before exec (resource limits)
        self.process = None
        self.port = None

    def start(self, timeout=60):
        self.port = self.fixed_port or free_port()
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [os.path.join(self.build, "torchprov"), "serve", "--store", self.store, "--port", str(self.port)]
            + self.extra, stdout=log, stderr=log, preexec_fn=self.limits)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log()}")
            if call(self.port, "GET", "/health", timeout=2)[0] == 200:
                return self
            time.sleep(0.1)
        raise RuntimeError("the server did not start:\n" + self.log())

    def token(self):
        with open(os.path.join(self.store, "token")) as f:
            return f.read().split()[0]

    def auth(self):
        return {"Authorization": "Bearer " + self.token()}

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self, timeout=120):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def cpu_seconds(self):
        with open(f"/proc/{self.process.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def open_descriptors(self):
        return len(os.listdir(f"/proc/{self.process.pid}/fd"))

    def sparql_csv(self, query):
        status, body = call(self.port, "POST", "/sparql", urllib.parse.urlencode({"query": query}),
                            {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"}, timeout=120)
        if status != 200:
            raise RuntimeError(f"query failed ({status}): {body[:300]!r}")
        rows = list(csv.reader(io.StringIO(body.decode())))
        return rows[1:]

    def triples_per_graph(self):
        rows = self.sparql_csv("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {g: int(n) for g, n in rows}


def cli(build, *args, timeout=300):
    """Runs `torchprov ARGS`; (exit code, stdout + stderr)."""
    result = subprocess.run([os.path.join(build, "torchprov"), *args], capture_output=True, timeout=timeout)
    return result.returncode, (result.stdout + result.stderr).decode(errors="replace")


def batch_triples(name, count):
    """N-Triples of one batch: `count` triples that say which batch they are."""
    return "".join(f"<urn:x-fault:{name}/s{i}> <urn:x-fault:p> \"{name} {i}\" .\n" for i in range(count))


class Writers:
    """Threads that send numbered batches until stopped, each remembering
    which were acknowledged (2xx) and which were sent without an answer."""

    def __init__(self, send, threads=3):
        self.send = send  # send(name) -> status
        self.acknowledged, self.unanswered = [], []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run, args=(t,), daemon=True) for t in range(threads)]
        self.serial = 0

    def run(self, t):
        while not self.stopping.is_set():
            with self.lock:
                self.serial += 1
                name = f"b{os.getpid()}-{t}-{self.serial}-{random.randrange(1 << 30)}"
            status = self.send(name)
            with self.lock:
                (self.acknowledged if 200 <= status < 300 else self.unanswered).append((name, status))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        for t in self.threads:
            t.join(60)


@contextlib.contextmanager
def small_disk(megabytes):
    """A tmpfs of `megabytes` mounted for the test; skips when mounting is not
    permitted here."""
    where = tempfile.mkdtemp(prefix="torchprov-disk-")
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", where],
                            capture_output=True)
    if result.returncode != 0:
        os.rmdir(where)
        skip(f"cannot mount a tmpfs here ({result.stderr.decode().strip() or 'not root'})")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", where], capture_output=True)
        shutil.rmtree(where, ignore_errors=True)


def fill(path, leave_bytes):
    """Fills the filesystem of `path` until about `leave_bytes` are free;
    returns the filler file (delete it to free the space)."""
    filler = os.path.join(path, "filler")
    stat = os.statvfs(path)
    free = stat.f_bavail * stat.f_frsize
    with open(filler, "wb") as f:
        remaining = max(0, free - leave_bytes)
        chunk = b"\0" * (1 << 20)
        while remaining > 0:
            n = min(remaining, len(chunk))
            try:
                f.write(chunk[:n])
            except OSError:
                break
            remaining -= n
    return filler


def free_bytes(path):
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def check_redland_copy(checks, build, store, expected_triples):
    """Brings the store's Redland copy up to date the way an operator does it
    (`torchprov redland-sync`) and checks, with Redland's own rdfproc, that it
    holds exactly `expected_triples`: nothing a fault cut short is left half
    there or twice."""
    code, out = cli(build, "redland-sync", "--store", store, timeout=600)
    checks.check("torchprov redland-sync brings the Redland copy up to date", code == 0, out[-400:])
    dump = subprocess.run(["rdfproc", "-c", "-q", "-s", "hashes", "-t",
                           f"hash-type='bdb',dir='{store}',contexts='yes'", "redland", "serialize", "ntriples"],
                          capture_output=True, timeout=600)
    lines = [line for line in dump.stdout.decode(errors="replace").splitlines() if line.strip()]
    checks.check(f"the Redland copy holds the {expected_triples} triples the store holds",
                 len(lines) == expected_triples, f"rdfproc: {len(lines)} ({dump.stderr.decode()[-300:]})")
