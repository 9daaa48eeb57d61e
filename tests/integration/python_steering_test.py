#!/usr/bin/python3
"""A Python training script that lives outside the repository and uses only
the package's API (SGD and a StepLR schedule) streams into `torchprov serve`.
While it trains, a person posts a learning-rate change to /api/adaptations;
it must show up in the script's own optimizer.param_groups at the next epoch.
Afterwards PROV-only SPARQL (no dl: term) must find the run, its epochs, the
metric values the script printed (prov:value, exactly), the hyperparameter
settings it used, the revision chain of the learning rate (schedule and
person) and the agents; python `prov` must read the exported TriG.

usage: python_steering_test.py BUILD_DIR SOURCE_DIR
The package is imported from PYTHONPATH (BUILD_DIR/python unless set).
"""
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections import Counter

import prov.model as pm

build, source = sys.argv[1], sys.argv[2]
work = tempfile.mkdtemp(prefix="torchprov-python-client-")
failures = []
EPOCHS, NEW_LR, GAMMA = 9, 0.0123, 0.5


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message, flush=True)
    return condition


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


port = free_port()
base = f"http://127.0.0.1:{port}"
server = subprocess.Popen([os.path.join(build, "torchprov"), "serve", "--store", os.path.join(work, "store"),
                           "--port", str(port)], stdout=open(os.path.join(work, "serve.log"), "w"),
                          stderr=subprocess.STDOUT)
trainer = None


def finish(code):
    for p in (trainer, server):
        if p and p.poll() is None:
            p.terminate()
            p.wait(timeout=30)
    if code:
        print("--- server log\n" + open(os.path.join(work, "serve.log")).read()[-3000:])
    shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


def http(path, data=None, headers=None):
    request = urllib.request.Request(base + path, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=30) as reply:
        return reply.status, reply.read()


for _ in range(100):
    try:
        if http("/health")[0] == 200:
            break
    except OSError:
        time.sleep(0.2)
else:
    print("the server did not start")
    finish(1)
token_file = os.path.join(work, "store", "token")
token = open(token_file).read().split()[0]

# The user's script, copied out of the repository.
client_dir = os.path.join(work, "client")
os.makedirs(os.path.join(client_dir, "checkpoints"))
script = shutil.copy(os.path.join(source, "tests", "integration", "python_client_training.py"),
                     os.path.join(client_dir, "train.py"))
env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
env.setdefault("PYTHONPATH", os.path.join(build, "python"))
trainer = subprocess.Popen(["/usr/bin/python3", script, base, token_file, str(EPOCHS),
                            os.path.join(client_dir, "checkpoints")], cwd=client_dir, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
run, printed, posted_during = None, {}, None
for line in trainer.stdout:
    print("train.py:", line.rstrip(), flush=True)
    words = line.split()
    if words[:1] == ["run"]:
        run = words[1]
    elif words[:1] == ["epoch"]:
        e = int(words[1])
        printed[e] = {"lr": float(words[3]), "loss": float(words[5]), "val_loss": float(words[7])}
        if e == 2 and posted_during is None:
            body = json.dumps({"run": run, "action": "set", "hyperparameter": "learning_rate", "value": NEW_LR,
                               "reason": "loss plateaued", "person": "bob"}).encode()
            status, _ = http("/api/adaptations", body, {"Authorization": "Bearer " + token,
                                                        "Content-Type": "application/json"})
            posted_during = e
            check(status in (200, 201, 202), f"the learning-rate request was accepted (HTTP {status})")
trainer.wait(timeout=120)
err = trainer.stderr.read()
if not check(trainer.returncode == 0 and run, f"the script trained and ended (exit {trainer.returncode})"):
    print(err)
    finish(1)
print(f"run {run}, learning rate per epoch: {[printed[e]['lr'] for e in sorted(printed)]}")

# --- the change in the script's own optimizer --------------------------------
first = next((e for e in sorted(printed) if printed[e]["lr"] == NEW_LR), None)
check(first == posted_during + 1,
      f"optimizer.param_groups[0]['lr'] is {NEW_LR} from epoch {first}, the next epoch after the one during which "
      f"the request was posted ({posted_during})")
expected = NEW_LR
for e in range(first or EPOCHS + 1, EPOCHS + 1):
    if e > first and (e - 1) % 3 == 0:
        expected *= GAMMA  # StepLR goes on from the person's value
    check(printed[e]["lr"] == expected, f"epoch {e} trains with {expected} ({printed[e]['lr']})")


# --- PROV-only SPARQL -------------------------------------------------------------
def select(query):
    text = "PREFIX prov: <http://www.w3.org/ns/prov#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + query
    assert "dl:" not in text and "torchprov/dl#" not in text
    _, body = http("/sparql", urllib.parse.urlencode({"query": text}).encode(),
                   {"Accept": "application/sparql-results+json"})
    rows = json.loads(body)["results"]["bindings"]
    return [{k: v["value"] for k, v in r.items()} for r in rows]


runs = select("SELECT ?run ?person ?software WHERE { ?run a prov:Activity ; prov:startedAtTime ?t0 ; "
              "prov:endedAtTime ?t1 ; prov:wasAssociatedWith ?person, ?software . ?person a prov:Person ; "
              "rdfs:label \"ana\" . ?software a prov:SoftwareAgent ; prov:actedOnBehalfOf ?person }")
check([r["run"] for r in runs] == [run], f"the run: an activity with start and end, associated with the person "
                                         f"ana and a software agent acting for her ({len(runs)})")
# Epochs: activities of the run that follow one another (prov:wasInformedBy).
epochs = select(f"SELECT DISTINCT ?epoch ?t WHERE {{ ?epoch a prov:Activity ; prov:wasInformedBy <{run}> ; "
                f"prov:startedAtTime ?t ; prov:endedAtTime ?t1 . {{ ?epoch prov:wasInformedBy ?other }} UNION "
                f"{{ ?other prov:wasInformedBy ?epoch }} ?other prov:wasInformedBy <{run}> }} ORDER BY ?t")
check(len(epochs) == len(printed) == EPOCHS, f"{EPOCHS} epochs, in order of prov:startedAtTime ({len(epochs)})")
values_ok = True
for number, row in enumerate(epochs, start=1):
    generated = select(f"SELECT ?v WHERE {{ ?m prov:wasGeneratedBy <{row['epoch']}> ; prov:value ?v . "
                       f"FILTER NOT EXISTS {{ ?m prov:wasRevisionOf ?x }} FILTER(datatype(?v) = "
                       f"<http://www.w3.org/2001/XMLSchema#double>) }}")
    got = sorted(float(r["v"]) for r in generated)
    values_ok &= got == sorted([printed[number]["loss"], printed[number]["val_loss"]])
check(values_ok, "each epoch generated exactly the loss and val_loss the script printed (prov:value)")

used = {r["v"] for r in select(f"SELECT ?v WHERE {{ <{run}> prov:used ?s . ?s a prov:Entity ; prov:value ?v }}")}
check({"0.1", "0.9", "32", "SGD", str(EPOCHS)} <= used,
      f"the run used its settings: learning rate 0.1, momentum 0.9, batch size 32, SGD, {EPOCHS} epochs")

# The learning rate's revision chain from the setting the run used.
chain = select(f"SELECT ?s ?v ?agent ?agentType ?previous WHERE {{ <{run}> prov:used ?initial . "
               f"?initial rdfs:label ?label . FILTER(STRSTARTS(?label, \"learning_rate = \")) "
               f"?s prov:wasRevisionOf+ ?initial ; prov:value ?v ; prov:wasRevisionOf ?previous ; "
               f"prov:wasGeneratedBy ?adaptation . ?adaptation prov:used ?previous ; "
               f"prov:wasAssociatedWith ?agent . ?agent a ?agentType . "
               f"FILTER(?agentType IN (prov:Person, prov:SoftwareAgent)) }}")
by_previous = {r["previous"]: r for r in chain}
initial = select(f"SELECT ?s ?v WHERE {{ <{run}> prov:used ?s . ?s rdfs:label ?label ; prov:value ?v . "
                 f"FILTER(STRSTARTS(?label, \"learning_rate = \")) }}")
values, agents, at = [float(initial[0]["v"])] if initial else [], [], initial[0]["s"] if initial else None
while at in by_previous:
    values.append(float(by_previous[at]["v"]))
    agents.append(by_previous[at]["agentType"].rsplit("#", 1)[1])
    at = by_previous[at]["s"]
print("learning-rate chain:", list(zip(values, ["start"] + agents)))
check(values[:1] == [0.1] and values[-1:] == [printed[EPOCHS]["lr"]],
      "the chain starts at the setting the run used and ends at the rate of the last epoch")
check(all(printed[e]["lr"] in values for e in printed), "every rate the script trained with is in the chain")
check(agents.count("Person") == 1 and values[agents.index("Person") + 1] == NEW_LR,
      "one revision, to the requested rate, is by a prov:Person")
check(all(values[i + 1] == values[i] * GAMMA for i, a in enumerate(agents) if a == "SoftwareAgent")
      and agents.count("SoftwareAgent") >= 2, "the StepLR halvings are revisions by the prov:SoftwareAgent")
person = select(f"SELECT ?epoch WHERE {{ ?s prov:value ?v ; prov:wasGeneratedBy ?a . "
                f"?a prov:wasAssociatedWith ?bob ; prov:used ?request . ?bob a prov:Person ; rdfs:label \"bob\" . "
                f"?request prov:wasAttributedTo ?bob . ?epoch prov:used ?s . "
                f"FILTER(?v = \"{NEW_LR!r}\"^^<http://www.w3.org/2001/XMLSchema#double>) }}")
epoch_index = [r["epoch"] for r in epochs]
used_by = [epoch_index.index(r["epoch"]) + 1 for r in person if r["epoch"] in epoch_index]
check(used_by == [first], f"bob's request, attributed to him, led to the setting that epoch {first} used ({used_by})")
agents_all = Counter(r["type"].rsplit("#", 1)[1] for r in select(
    f"SELECT ?agent ?type WHERE {{ <{run}> prov:wasAssociatedWith ?agent . ?agent a ?type . "
    f"FILTER(?type IN (prov:Person, prov:SoftwareAgent, prov:Agent)) }}"))
check(agents_all["Person"] == 1 and agents_all["SoftwareAgent"] == 1 and agents_all["Agent"] == 3,
      f"the run's agents: a person, a software agent and a machine ({dict(agents_all)})")

# --- python prov reads the exported TriG ------------------------------------------
_, trig = http("/data", headers={"Accept": "application/trig"})
trig_path = os.path.join(work, "export.trig")
with open(trig_path, "wb") as f:
    f.write(trig)
doc = pm.ProvDocument.deserialize(trig_path, format="rdf", rdf_format="trig")
records = Counter(type(r).__name__ for r in doc.get_records())
for bundle in doc.bundles:
    records.update(type(r).__name__ for r in bundle.get_records())
print("prov records:", dict(records))
check(records["ProvActivity"] >= EPOCHS + 1 and records["ProvAgent"] >= 3 and records["ProvGeneration"] >= 2 * EPOCHS
      and records["ProvUsage"] >= 5 and records["ProvAssociation"] >= 3 and records["ProvDerivation"] >= 3,
      "python prov reads the exported TriG: activities, agents, generations, usages, associations, revisions")

print(f"\n{len(failures)} failed" if failures else "\nall checks passed")
finish(1 if failures else 0)
