#!/usr/bin/python3
"""Remote capture from Python survives a server that goes away: a user's
training script streams to `torchprov serve`; after epoch 2 the server is
stopped, and it comes back on the same port after epoch 5.  The script must
keep training meanwhile (its statements spill to a local file), and at the
end the server must hold every epoch with exactly the loss the script
printed, the run completed, and the spill file must be empty.

usage: python_spill_test.py BUILD_DIR
The package is imported from PYTHONPATH (BUILD_DIR/python unless set).
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.parse
import urllib.request

build = os.path.abspath(sys.argv[1])
work = tempfile.mkdtemp(prefix="torchprov-python-spill-")
EPOCHS, STOP_AFTER, RESTART_AFTER = 8, 2, 5
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    return condition


with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
base = f"http://127.0.0.1:{port}"
store = os.path.join(work, "store")
servers = []
trainer = None


def serve():
    log = open(os.path.join(work, f"serve-{len(servers)}.log"), "w")
    server = subprocess.Popen([os.path.join(build, "torchprov"), "serve", "--store", store, "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT)
    servers.append(server)
    for _ in range(300):
        try:
            with urllib.request.urlopen(base + "/health", timeout=5) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.1)
    print("the server did not start")
    finish(1)


def finish(code):
    for p in [trainer] + servers:
        if p and p.poll() is None:
            p.terminate()
            p.wait(timeout=30)
    if code:
        for name in sorted(os.listdir(work)):
            if name.endswith(".log"):
                print(f"--- {name}\n" + open(os.path.join(work, name)).read()[-2000:])
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


server = serve()
token_file = os.path.join(store, "token")
spill = os.path.join(work, "spill.nq")

# The user's script: written against the package's API only.
script = os.path.join(work, "train.py")
with open(script, "w") as f:
    f.write(textwrap.dedent("""\
        import sys, time, torch, torchprov
        endpoint, token_file, spill, epochs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
        torch.manual_seed(5)
        torch.set_num_threads(1)
        x, y = torch.randn(128, 6), torch.randint(0, 3, (128,))
        model = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3))
        optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
        rec = torchprov.Recorder(endpoint=endpoint, token_file=token_file, spill_file=spill, step_every=2)
        print("run", rec.start_run(model, optimizer, epochs=epochs, experiment="spill", person="carla"), flush=True)
        for e in range(100):
            if e >= rec.epochs_planned or rec.should_stop():
                break
            with rec.epoch() as ep:
                total = 0.0
                for b in range(0, 128, 16):
                    optimizer.zero_grad()
                    loss = torch.nn.functional.cross_entropy(model(x[b:b + 16]), y[b:b + 16])
                    loss.backward()
                    optimizer.step()
                    rec.step(loss)
                    total += loss.item()
                ep.metric("loss", "train", total / 8)
                print(f"epoch {ep.number} loss {total / 8!r} at {time.monotonic()!r}", flush=True)
                time.sleep(0.4)
        rec.end_run()
        print("done", flush=True)
        """))
env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
env.setdefault("PYTHONPATH", os.path.join(build, "python"))
trainer = subprocess.Popen(["/usr/bin/python3", script, base, token_file, spill, str(EPOCHS)], cwd=work, env=env,
                           stdout=subprocess.PIPE, stderr=open(os.path.join(work, "train.log"), "w"), text=True)
run, printed, down_at, up_at, spilled = None, {}, None, None, False
for line in trainer.stdout:
    print("train.py:", line.rstrip(), flush=True)
    words = line.split()
    if words[:1] == ["run"]:
        run = words[1]
    elif words[:1] == ["epoch"]:
        e = int(words[1])
        printed[e] = float(words[3])
        if e == STOP_AFTER:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
            down_at = e
            print(f"server stopped after epoch {e}", flush=True)
        elif e == RESTART_AFTER:
            deadline = time.monotonic() + 10
            while not (os.path.exists(spill) and os.path.getsize(spill) > 0) and time.monotonic() < deadline:
                time.sleep(0.1)
            spilled = os.path.exists(spill) and os.path.getsize(spill) > 0
            server = serve()
            up_at = e
            print(f"server back after epoch {e}", flush=True)
trainer.wait(timeout=120)
if not check(trainer.returncode == 0 and run, f"the script trained to its end (exit {trainer.returncode})"):
    finish(1)
check(sorted(printed) == list(range(1, EPOCHS + 1)) and down_at == STOP_AFTER and up_at == RESTART_AFTER,
      f"the script trained epochs {STOP_AFTER + 1}..{RESTART_AFTER} while no server listened")
check(spilled, "while no server listened, the recorder kept its statements in the spill file")


def select(query):
    text = "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query
    request = urllib.request.Request(base + "/sparql", urllib.parse.urlencode({"query": text}).encode(),
                                     {"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        rows = json.loads(reply.read())["results"]["bindings"]
    return [{k: v["value"] for k, v in r.items()} for r in rows]


# Epochs of the run (activities informed by it) and the values they generated, PROV terms only.
rows = select(f"SELECT ?epoch ?t ?v WHERE {{ ?epoch a prov:Activity ; prov:wasInformedBy <{run}> ; "
              f"prov:startedAtTime ?t ; prov:endedAtTime ?t1 . ?m prov:wasGeneratedBy ?epoch ; prov:value ?v . "
              f"FILTER(datatype(?v) = <http://www.w3.org/2001/XMLSchema#double>) }} ORDER BY ?t")
got = [float(r["v"]) for r in rows]
check(got == [printed[e] for e in sorted(printed)],
      f"the server holds all {EPOCHS} epochs, each with exactly the loss the script printed ({len(got)} values)")
ended = select(f"SELECT ?t WHERE {{ <{run}> prov:endedAtTime ?t ; prov:wasAssociatedWith ?p . "
               f"?p a prov:Person ; rdfs:label \"carla\" }}")
check(len(ended) == 1, "the run ended, associated with its person")
check(not os.path.exists(spill) or os.path.getsize(spill) == 0, "the spill file was delivered and emptied")
err = open(os.path.join(work, "train.log")).read()
check("Traceback" not in err, "the script raised nothing")

print(f"\n{len(failures)} failed" if failures else "\nall checks passed")
finish(1 if failures else 0)
