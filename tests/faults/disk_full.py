"""The disk fills up under the store (a small tmpfs mounted here): the write
that does not fit gets a clear error and no acknowledgement, nothing already
stored is damaged, and once space is freed the store takes writes again.

usage: disk_full.py BUILD MODE
  import    `torchprov import` of a file larger than the space left
  journal   POST /data to a server until the journal cannot grow
  snapshot  a server whose snapshots find no room
  write-behind  the same with the Redland copy kept (serve --redland): the
            copy catches up once space is freed
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, batch_triples, call, check_redland_copy, cli, fill, small_disk  # noqa: E402

build, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
checks = Checks()
outside = tempfile.mkdtemp(prefix="torchprov-disk-full-")


def count(store):
    code, out = cli(build, "query", "--store", store, "--format", "csv",
                    "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }")
    if code != 0:
        raise RuntimeError(out)
    return int(out.strip().splitlines()[-1])


def disk_error(text):
    return "No space left on device" in text or "disk is full" in text


# The Redland copy (Berkeley DB hashes) needs several times the room of the
# store of record.  Once space is freed, a snapshot needs room for the old
# one, the journal and the new one (about 100 bytes a quad) side by side.
with small_disk({"write-behind": 128, "snapshot": 64}.get(mode, 24)) as disk:
    store = os.path.join(disk, "store")
    if mode == "import":
        small = os.path.join(outside, "small.nt")
        with open(small, "w") as f:
            f.write(batch_triples("small", 1000))
        code, out = cli(build, "import", "--store", store, small)
        checks.check("a file that fits is imported", code == 0 and count(store) == 1000, out)
        big = os.path.join(outside, "big.nt")
        with open(big, "w") as f:
            for part in range(40):
                f.write(batch_triples(f"big{part}", 2500))
        filler = fill(disk, 512 << 10)
        code, out = cli(build, "import", "--store", store, big)
        checks.check("the import that does not fit fails", code != 0, out)
        checks.check("with a message that says the disk is full", disk_error(out), out[-400:])
        checks.check("and acknowledges nothing", "imported" not in out, out[-400:])
        os.remove(filler)
        checks.check("the store still holds exactly what it held", count(store) == 1000)
        code, out = cli(build, "import", "--store", store, big)
        checks.check("with space freed the same import succeeds", code == 0 and count(store) == 101000, out[-400:])
    elif mode in ("journal", "snapshot", "write-behind"):
        extra = {"journal": [], "snapshot": ["--checkpoint-mb", "1"],
                 "write-behind": ["--checkpoint-mb", "1", "--redland"]}[mode]
        log_path = os.path.join(outside, "serve.log")
        server = Server(build, store, extra, log=log_path).start()
        headers = {**server.auth(), "Content-Type": "application/n-triples"}
        post = lambda name, body: call(server.port, "POST", f"/data?graph=urn:x-fault:g/{name}",  # noqa: E731
                                       body, headers)
        acknowledged, refused = [], []
        before = 40 if mode == "snapshot" else 30
        for i in range(before):
            status, _ = post(f"before{i}", batch_triples(f"before{i}", 2000))
            (acknowledged if status in (200, 201) else refused).append(f"before{i}")
        checks.check("writes are taken while there is room", len(acknowledged) == before, refused)
        snap = os.path.join(store, "dataset.snap")
        if mode == "snapshot":
            deadline = time.time() + 60
            while time.time() < deadline and not os.path.exists(snap):
                time.sleep(0.1)
        filler = fill(disk, (256 << 10) if mode == "journal" else (1536 << 10))
        statuses, messages = [], []
        for i in range(400):
            if mode == "journal":
                status, body = post(f"full{i}", batch_triples(f"full{i}", 500))
            else:
                # Known terms in a new graph: the journal grows (and a snapshot
                # falls due) while the terms log hardly does.
                status, body = post(f"full{i}", batch_triples(f"before{i % before}", 2000))
            statuses.append(status)
            (acknowledged if status in (200, 201) else refused).append(f"full{i}")
            if status not in (200, 201):
                messages.append(body.decode(errors="replace"))
            if len(refused) >= 5:
                break
        checks.check("once the disk is full writes are refused", refused, statuses[-5:])
        checks.check("refused with 507 Insufficient Storage", refused and all(s == 507 for s in statuses
                                                                             if s not in (200, 201)), statuses[-5:])
        checks.check("saying that the disk is full", messages and all(disk_error(m) for m in messages), messages[:1])
        checks.check("the server stays up", server.alive())
        checks.check("reads go on", call(server.port, "GET", "/health")[0] == 200)
        if mode != "journal":
            time.sleep(3)  # the snapshot (and the write-behind) retry on the full disk meanwhile
            with open(log_path, errors="replace") as f:
                log = f.read()
            # The snapshot says it waits; Berkeley DB keeps the pages it
            # could not write in its cache and says so.
            waited = "wait and retry" in log or (mode == "write-behind" and "No space left on device" in
                                                 "".join(x for x in log.splitlines(True) if x.startswith("BDB")))
            checks.check("the background writes met the full disk and wait", waited, server.log()[-600:])
        if mode == "snapshot":
            # Room for journal appends but not for the snapshot: the retried
            # snapshot must not take that room from the writers.
            os.truncate(filler, max(0, os.path.getsize(filler) - (4 << 20)))
            some = []
            for i in range(10):
                time.sleep(0.4)  # across at least one retry of the snapshot
                status, _ = post(f"some{i}", batch_triples(f"before{i % before}", 2000))
                if status in (200, 201):
                    acknowledged.append(f"some{i}")
                else:
                    refused.append(f"some{i}")
                some.append(status)
            checks.check("with room for appends but not for a snapshot, writes are taken", all(
                s in (200, 201) for s in some), some)
        os.remove(filler)
        freed_at = time.time()
        time.sleep(1)
        after = []
        for i in range(20):
            status, body = post(f"after{i}", batch_triples(f"after{i}", 2000))
            if status in (200, 201):
                acknowledged.append(f"after{i}")
            after.append(status)
        checks.check("with space freed writes are taken again", all(s in (200, 201) for s in after), after)
        if mode != "journal":
            # The snapshot that found no room is retried, not given up.
            fresh = lambda: os.path.exists(snap) and os.path.getmtime(snap) >= freed_at  # noqa: E731
            deadline = time.time() + 60
            while time.time() < deadline and not fresh():
                time.sleep(0.2)
            checks.check("snapshots are written again once space is freed", fresh(), server.log()[-600:])
        counts = server.triples_per_graph()
        sizes = {"before": 2000, "full": 500 if mode == "journal" else 2000, "some": 2000, "after": 2000}
        size_of = lambda name: next(v for k, v in sizes.items() if name.startswith(k))  # noqa: E731
        lost = [n for n in acknowledged if counts.get(f"urn:x-fault:g/{n}", 0) != size_of(n)]
        checks.check(f"all {len(acknowledged)} acknowledged batches are served", not lost, lost[:3])
        ghosts = [n for n in refused if counts.get(f"urn:x-fault:g/{n}", 0) != 0]
        checks.check("no refused batch is served", not ghosts, ghosts[:3])
        server.stop()
        checks.check("the server stops cleanly", server.process.returncode == 0, server.log())
        server = Server(build, store, extra, log=os.path.join(outside, "serve2.log")).start()
        again = server.triples_per_graph()
        checks.check("after a restart the store holds the same", again == counts,
                     f"{sum(again.values())} vs {sum(counts.values())}")
        server.stop()
        if mode == "write-behind":
            check_redland_copy(checks, build, store, sum(again.values()))
        if checks.failed:
            print(server.log())
checks.finish()
