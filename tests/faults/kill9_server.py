"""kill -9 of `torchprov serve` while it takes writes, again and again; every
acknowledged write must be there after the restarts, every write must be all
or nothing.

usage: kill9_server.py BUILD MODE [ROUNDS]
  ingest       batches POSTed to /data (the way trainers stream)
  update       SPARQL INSERT DATA requests to /sparql
  snapshot     ingest with a snapshot every MB of journal, killed while a
               snapshot is being written (dataset.snap.tmp present)
  write-behind a server keeping the Redland copy (serve --redland), killed
               while the copy lags behind the journal; after a clean stop and
               torchprov redland-sync the copy (read with rdfproc) holds what
               the server holds
"""
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, Writers, batch_triples, call, check_redland_copy, skip  # noqa: E402

build, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 5
per_batch = {"ingest": 100, "update": 50, "snapshot": 2000, "write-behind": 2000}[mode]
extra = {"snapshot": ["--checkpoint-mb", "1"], "write-behind": ["--redland"]}.get(mode, [])
if mode == "write-behind" and subprocess.run(["which", "rdfproc"], capture_output=True).returncode != 0:
    skip("rdfproc (redland-utils) is not installed")

checks = Checks()
work = tempfile.mkdtemp(prefix=f"torchprov-kill9-{mode}-")
store = os.path.join(work, "store")
acknowledged, unanswered = [], []
kills_in_snapshot = 0


def sender(server):
    headers = dict(server.auth())
    if mode == "update":
        headers["Content-Type"] = "application/sparql-update"

        def send(name):
            body = f"INSERT DATA {{ GRAPH <urn:x-fault:g/{name}> {{ {batch_triples(name, per_batch)} }} }}"
            return call(server.port, "POST", "/sparql", body, headers)[0]
    else:
        headers["Content-Type"] = "application/n-triples"

        def send(name):
            return call(server.port, "POST", f"/data?graph=urn:x-fault:g/{name}", batch_triples(name, per_batch),
                        headers)[0]
    return send


for round_number in range(rounds):
    server = Server(build, store, extra).start()
    with Writers(sender(server)) as writers:
        if mode == "snapshot":
            # Wait for a snapshot in the making, then kill at once.
            deadline = time.time() + 60
            while time.time() < deadline and not os.path.exists(os.path.join(store, "dataset.snap.tmp")):
                time.sleep(0.001)
            in_snapshot = os.path.exists(os.path.join(store, "dataset.snap.tmp"))
            server.kill()
            kills_in_snapshot += in_snapshot
        else:
            time.sleep(random.uniform(0.5, 2.5))
            server.kill()
    acknowledged += writers.acknowledged
    unanswered += writers.unanswered
    print(f"round {round_number + 1}: killed after {len(writers.acknowledged)} acknowledged batches", flush=True)

server = Server(build, store, extra).start()
counts = server.triples_per_graph()
graph = lambda name: f"urn:x-fault:g/{name}"  # noqa: E731
lost = [n for n, _ in acknowledged if counts.get(graph(n), 0) != per_batch]
checks.check(f"all {len(acknowledged)} acknowledged batches survived {rounds} kill -9s", not lost and acknowledged,
             f"{len(lost)} lost or partial, e.g. {lost[:3]}")
partial = [n for n, _ in unanswered if counts.get(graph(n), 0) not in (0, per_batch)]
checks.check(f"each of {len(unanswered)} unanswered batches is whole or absent", not partial, partial[:3])
known = {graph(n) for n, _ in acknowledged + unanswered}
checks.check("the store holds nothing else", set(counts) <= known, sorted(set(counts) - known)[:3])
if mode == "snapshot":
    checks.check(f"{kills_in_snapshot} of {rounds} kills hit a snapshot being written", kills_in_snapshot > 0)
# The store keeps working after the restarts.
status = call(server.port, "POST", "/data?graph=urn:x-fault:after", batch_triples("after", 3),
              {**server.auth(), "Content-Type": "application/n-triples"})[0]
checks.check("the restarted server takes writes", status in (200, 201), status)
total = sum(server.triples_per_graph().values())
server.stop()
checks.check("the server stops cleanly", server.process.returncode == 0, server.log())
if mode == "write-behind":
    check_redland_copy(checks, build, store, total)
if checks.failed:
    print(server.log())
else:
    import shutil
    shutil.rmtree(work, ignore_errors=True)
checks.finish()
