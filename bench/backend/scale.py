#!/usr/bin/python3
"""The backend half of the scale study: torchprov serve --backend over Debian's Virtuoso.

usage: scale.py --torchprov BIN --data FILE.nq --queries DIR --dir WORK
                [--repeat 5] [--batch 20000] [--connections 2] [--drain-quads 1000000]
                [--buffers N] [--skip-drain]

For one data set (the N-Quads `bench store` generates) it starts a private Virtuoso
(tests/tools/virtuoso.sh: free ports, its own database folder) and a `torchprov serve
--backend` in front of it, and prints one table:
  - load: the N-Quads POSTed to the front's /data in batches of --batch quads over
    --connections connections; the rate is wall time until the last batch is
    acknowledged and the front's journal is empty (every quad confirmed by Virtuoso);
  - queries: each DIR/NAME-ORDER.rq, --repeat times through the front and directly against
    Virtuoso's /sparql (same Accept: SPARQL JSON), median of each, the front's overhead and
    the target (at most 10 % or 5 ms, whichever is larger); the two answers must agree
    (rows compared as multisets, numbers by value);
  - the front's resident memory (VmRSS now, VmHWM peak) after load and after the queries,
    against the 300 MB target;
  - drain: with Virtuoso stopped, --drain-quads quads are journaled through the front, then
    Virtuoso (a fresh database) starts and the time until the journal is empty is measured;
  - users (with --users 1,4,16 and --embedded-store DIR, a store of the same data): that
    many clients each asking the queries in turn for --seconds, against `torchprov serve`
    on the embedded store and against the front over Virtuoso: queries/s and median latency.
Exit status 1 when an answer differs or a step fails.
"""
import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
VIRTUOSO_SH = os.path.join(SOURCE, "tests", "tools", "virtuoso.sh")
sys.path.insert(0, os.path.join(SOURCE, "tests", "clients"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Virtuoso:
    """A private Virtuoso started through tests/tools/virtuoso.sh."""

    def __init__(self, directory, buffers):
        self.directory = directory
        self.buffers = buffers
        self.pid = None

    def start(self):
        env = dict(os.environ, VIRTUOSO_BUFFERS=str(self.buffers))
        out = subprocess.run(
            ["bash", "-c", 'source "$0" && virtuoso_start "$1" >&2 && '
             'echo "$VIRTUOSO_HTTP_PORT $VIRTUOSO_SQL_PORT $VIRTUOSO_PID"', VIRTUOSO_SH, self.directory],
            env=env, capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError("Virtuoso did not start: " + out.stderr[-2000:])
        http, sql, pid = out.stdout.split()
        self.http_port, self.sql_port, self.pid = int(http), int(sql), int(pid)
        self.sparql = "http://127.0.0.1:%d/sparql" % self.http_port
        self.crud = "http://127.0.0.1:%d/sparql-graph-crud" % self.http_port

    def restart(self):
        """The same database and ports again (after stop)."""
        out = subprocess.run(
            ["bash", "-c", 'source "$0" && VIRTUOSO_DIR="$1" VIRTUOSO_SPARQL="$2" && virtuoso_restart >&2 && '
             'echo "$VIRTUOSO_PID"', VIRTUOSO_SH, self.directory, self.sparql],
            capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError("Virtuoso did not restart: " + out.stderr[-2000:])
        self.pid = int(out.stdout.split()[-1])

    def stop(self):
        if not self.pid:
            return
        subprocess.run(["isql-vt", str(self.sql_port), "dba", "dba", "exec=checkpoint; shutdown;"],
                       capture_output=True, timeout=600)
        for _ in range(600):
            if not os.path.exists("/proc/%d" % self.pid):
                break
            time.sleep(0.2)
        else:
            os.kill(self.pid, 9)
        self.pid = None

    def rss(self):
        return rss_of(self.pid)


def rss_of(pid):
    """(VmRSS, VmHWM, RssAnon) in bytes.  RssAnon leaves out the pages of
    shared libraries (the torchprov binary maps libtorch, about 100 MB)."""
    values = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:")):
                name, value = line.split(":")
                values[name] = int(value.split()[0]) * 1024
    return values.get("VmRSS", 0), values.get("VmHWM", 0), values.get("RssAnon", 0)


class Front:
    """torchprov serve --backend in front of a Virtuoso."""

    def __init__(self, binary, directory, virtuoso, extra=()):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(directory + ".log"), "ab")
        self.process = subprocess.Popen(
            [binary, "serve", "--backend", virtuoso.sparql, "--backend-data", virtuoso.crud, "--store", directory,
             "--port", str(self.port), "--max-rows", "100000000", "--query-timeout", "600", *extra],
            stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/health", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the front did not start")
        with open(os.path.join(directory, "token")) as f:
            self.token = f.read().split()[0]

    def health(self):
        return json.loads(urllib.request.urlopen(self.url + "/health", timeout=30).read())

    def wait_drained(self, timeout):
        start = time.time()
        while time.time() - start < timeout:
            if self.health().get("journal_unconfirmed_batches") == 0:
                return True
            time.sleep(0.05)
        return False

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=120)


def post(url, body, token, content_type="application/n-quads"):
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": content_type, "Authorization": "Bearer " + token})
    with urllib.request.urlopen(request, timeout=600) as response:
        response.read()
        return response.status


def batches(path, size, limit=None):
    """The file's lines in batches of `size` (bytes), at most `limit` lines in all."""
    batch, count, total = [], 0, 0
    with open(path, "rb") as f:
        for line in f:
            if limit is not None and total >= limit:
                break
            batch.append(line)
            count += 1
            total += 1
            if count == size:
                yield b"".join(batch), count
                batch, count = [], 0
    if batch:
        yield b"".join(batch), count


def load(front, path, size, connections, limit=None, sample=None):
    """POSTs the file to /data; returns (quads, seconds until acknowledged)."""
    queue = list(batches(path, size, limit))
    lock = threading.Lock()
    errors = []
    quads = sum(n for _, n in queue)

    def worker():
        while True:
            with lock:
                if not queue or errors:
                    return
                body, _ = queue.pop(0)
            try:
                status = post(front.url + "/data", body, front.token)
                if status // 100 != 2:
                    errors.append("HTTP %d" % status)
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(str(error))

    start = time.time()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        if sample:
            sample()
        time.sleep(0.5)
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError("load failed: " + errors[0])
    return quads, time.time() - start


def ask(endpoint, query):
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(endpoint, data=data, method="POST",
                                     headers={"Accept": "application/sparql-results+json",
                                              "Content-Type": "application/x-www-form-urlencoded"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=900) as response:
        body = response.read()
    return (time.perf_counter() - start) * 1000, body


def same_answer(a, b):
    """Rows as multisets, numbers by value, blank nodes under one bijection
    (tests/clients/compare.py's rules)."""
    import compare
    ka, va, ra = compare.answer(json.loads(a), True)
    kb, vb, rb = compare.answer(json.loads(b), True)
    if ka != kb:
        return False, "a %s answer vs a %s answer" % (ka, kb)
    if ka == "ask":
        return va == vb, "" if va == vb else "%s vs %s" % (va, vb)
    if va != vb:
        return False, "variables %s vs %s" % (va, vb)
    if compare.match_rows(ra, rb, False) is not None:
        return True, ""
    only_front, only_direct = Counter(ra) - Counter(rb), Counter(rb) - Counter(ra)
    return False, "%d rows only through the front, %d only direct" % (
        sum(only_front.values()), sum(only_direct.values()))


def users_phase(endpoint, texts, users, seconds):
    """`users` clients asking `texts` in turn for `seconds`: (queries/s, median ms)."""
    latencies, lock, stop = [], threading.Lock(), time.time() + seconds

    def client(offset):
        i = offset
        while time.time() < stop:
            ms, _ = ask(endpoint, texts[i % len(texts)])
            with lock:
                latencies.append(ms)
            i += 1

    threads = [threading.Thread(target=client, args=(k,)) for k in range(users)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.time() - start
    return len(latencies) / elapsed, statistics.median(latencies) if latencies else float("nan")


def fmt_bytes(n):
    return "%.0f MB" % (n / 1e6)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--torchprov", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--batch", type=int, default=20000)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--drain-quads", type=int, default=1000000)
    parser.add_argument("--buffers", type=int, default=340000)
    parser.add_argument("--skip-drain", action="store_true")
    parser.add_argument("--users", default="")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--embedded-store", default="")
    args = parser.parse_args()

    shutil.rmtree(args.dir, ignore_errors=True)
    os.makedirs(args.dir)
    failures = 0
    lines = []
    virtuoso = Virtuoso(os.path.join(args.dir, "virtuoso"), args.buffers)
    front = None
    try:
        virtuoso.start()
        front = Front(args.torchprov, os.path.join(args.dir, "front"), virtuoso)
        rss, _, anon = rss_of(front.process.pid)
        lines.append(("front RSS when started", "%s, %s of it private" % (fmt_bytes(rss), fmt_bytes(anon))))
        peak = [0]

        def sample():
            peak[0] = max(peak[0], rss_of(front.process.pid)[0])

        start = time.time()
        quads, acked = load(front, args.data, args.batch, args.connections, sample=sample)
        if not front.wait_drained(3600):
            raise RuntimeError("the journal did not drain within an hour")
        load_seconds = time.time() - start
        lines.append(("load through /data into Virtuoso", "%d quads, batches of %d over %d connections" %
                      (quads, args.batch, args.connections)))
        lines.append(("  wall until every quad is confirmed", "%.1f s, %.0f quads/s (acknowledged after %.1f s)" %
                      (load_seconds, quads / load_seconds, acked)))
        rss, hwm, anon = rss_of(front.process.pid)
        lines.append(("front RSS after load (now / peak)",
                      "%s / %s, %s of it private (sampled peak %s; target <= 300 MB)" % (
                          fmt_bytes(rss), fmt_bytes(hwm), fmt_bytes(anon), fmt_bytes(peak[0]))))
        lines.append(("Virtuoso RSS after load", fmt_bytes(virtuoso.rss()[0])))

        print("\n%-44s %12s %12s %12s %10s %s" % ("query", "front ms", "direct ms", "overhead", "target", "answers"))
        names = sorted(f for f in os.listdir(args.queries) if f.endswith(".rq"))
        for name in names:
            text = open(os.path.join(args.queries, name)).read()
            front_ms, direct_ms = [], []
            agree = True
            for i in range(args.repeat + 1):  # the first of each is a warm-up
                t1, a = ask(front.url + "/sparql", text)
                t2, b = ask(virtuoso.sparql, text)
                if i == 0:
                    ok, why = same_answer(a, b)
                    agree = agree and ok
                    if not ok:
                        print("  %s: answers differ: %s" % (name, why))
                    continue
                front_ms.append(t1)
                direct_ms.append(t2)
            f, d = statistics.median(front_ms), statistics.median(direct_ms)
            allowed = max(0.10 * d, 5.0)
            met = (f - d) <= allowed
            failures += 0 if agree else 1
            print("%-44s %12.1f %12.1f %+11.1f %10s %s" % (
                name[:-3], f, d, f - d, ("<= %.1f " % allowed) + ("PASS" if met else "MISS"),
                "same" if agree else "DIFFER"))
        rss, hwm, anon = rss_of(front.process.pid)
        lines.append(("front RSS after the queries (now / peak)",
                      "%s / %s, %s of it private (target <= 300 MB)" % (fmt_bytes(rss), fmt_bytes(hwm), fmt_bytes(anon))))
        if args.users:
            texts = [open(os.path.join(args.queries, n)).read() for n in names]
            embedded = None
            if args.embedded_store:
                port = free_port()
                embedded = subprocess.Popen([args.torchprov, "serve", "--store", args.embedded_store, "--port",
                                             str(port), "--max-rows", "100000000", "--query-timeout", "600"],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for _ in range(1200):
                    try:
                        urllib.request.urlopen("http://127.0.0.1:%d/health" % port, timeout=5).read()
                        break
                    except OSError:
                        time.sleep(0.25)
            print("\n%-10s %26s %26s" % ("users", "embedded q/s (median ms)", "backend q/s (median ms)"))
            for users in [int(u) for u in args.users.split(",")]:
                e = users_phase("http://127.0.0.1:%d/sparql" % port, texts, users, args.seconds) if embedded else None
                b = users_phase(front.url + "/sparql", texts, users, args.seconds)
                print("%-10d %26s %26s" % (users, "%.1f (%.0f)" % e if e else "-", "%.1f (%.0f)" % b))
            if embedded:
                embedded.terminate()
                embedded.wait(timeout=300)
        front.stop()
        front = None
        virtuoso.stop()

        if not args.skip_drain:
            # A fresh Virtuoso, down while --drain-quads quads are journaled.
            drain_virtuoso = Virtuoso(os.path.join(args.dir, "virtuoso-drain"), args.buffers)
            drain_virtuoso.start()
            drain_front = Front(args.torchprov, os.path.join(args.dir, "front-drain"), drain_virtuoso,
                                ["--backend-ack-wait", "0"])
            drain_virtuoso.stop()
            journaled, seconds = load(drain_front, args.data, args.batch, args.connections, limit=args.drain_quads)
            lines.append(("journaled while Virtuoso was down", "%d quads in %.1f s (%.0f quads/s)" %
                          (journaled, seconds, journaled / seconds)))
            health = drain_front.health()
            lines.append(("  journal on disk", fmt_bytes(health.get("journal_bytes", 0))))
            start = time.time()
            drain_virtuoso.restart()
            if not drain_front.wait_drained(7200):
                raise RuntimeError("the journal did not drain")
            seconds = time.time() - start
            lines.append(("  drained once Virtuoso is back", "%.1f s (%.0f quads/s), Virtuoso's start included" %
                          (seconds, journaled / seconds)))
            rss, hwm, anon = rss_of(drain_front.process.pid)
            lines.append(("  front RSS after the drain (now / peak)", "%s / %s, %s of it private" % (
                fmt_bytes(rss), fmt_bytes(hwm), fmt_bytes(anon))))
            drain_front.stop()
            drain_virtuoso.stop()
    finally:
        if front:
            front.stop()
        virtuoso.stop()
    print()
    for name, value in lines:
        print("%-44s %s" % (name, value))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
