"""kill -9 of a trainer in the middle of an epoch.  Every epoch it printed
(and so flushed) must survive: in its provenance file (file sink), or,
streaming to a server that is away (HTTP sink), in its spill, which the next
run of the trainer delivers, or which `torchprov import` loads.

usage: trainer.py BUILD MODE
  file-sink   --out run.nq: the file parses, with every printed epoch
  http-sink   --endpoint while no server listens; then the next run delivers
              the dead run's spill; a second dead run's spill goes in by
              `torchprov import`
"""
import glob
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Checks, Server, cli, free_port, skip  # noqa: E402

build, mode = os.path.abspath(sys.argv[1]), sys.argv[2]
trainer = os.path.join(build, "examples", "alexnet-fmnist")
if not os.path.exists(trainer):
    skip("the example trainings are not built")
checks = Checks()
work = tempfile.mkdtemp(prefix=f"torchprov-trainer-{mode}-")
env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE", TMPDIR=work)

EPOCHS_QUERY = ("PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dl: <https://w3id.org/torchprov/dl#> "
                "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{ {{ ?e a dl:Epoch ; prov:endedAtTime ?t ; dl:partOfRun ?run . "
                "?run prov:wasAssociatedWith ?p . ?p dl:name \"{person}\" }} UNION {{ GRAPH ?g {{ ?e a dl:Epoch ; "
                "prov:endedAtTime ?t ; dl:partOfRun ?run . ?run prov:wasAssociatedWith ?p . ?p dl:name \"{person}\" }} }} }}")


def train_and_kill(name, args, kill_after_epochs=2):
    """Starts a training; kills it with SIGKILL in the middle of the epoch
    after `kill_after_epochs` printed ones; returns the epochs it printed."""
    log_path = os.path.join(work, f"{name}.log")
    log = open(log_path, "w")
    process = subprocess.Popen([trainer, "--epochs", "30", "--train-limit", "3000", "--test-limit", "200",
                                "--threads", "1", "--checkpoint-dir", os.path.join(work, name), "--person", name]
                               + args, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 600
    printed = 0
    while time.time() < deadline and process.poll() is None:
        with open(log_path) as f:
            printed = len(re.findall(r"^epoch \d+/", f.read(), re.M))
        if printed >= kill_after_epochs:
            time.sleep(0.3)  # into the next epoch
            break
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    with open(log_path) as f:
        printed = len(re.findall(r"^epoch \d+/", f.read(), re.M))
    return printed


def epochs_in(store, person):
    code, out = cli(build, "query", "--store", store, "--format", "csv", EPOCHS_QUERY.format(person=person))
    if code != 0:
        raise RuntimeError(out)
    return int(out.strip().splitlines()[-1])


if mode == "file-sink":
    out = os.path.join(work, "run.nq")
    printed = train_and_kill("filed", ["--out", out])
    checks.check(f"the trainer printed {printed} epochs before it was killed", printed >= 2)
    store = os.path.join(work, "store")
    code, text = cli(build, "import", "--store", store, out)
    checks.check("its provenance file parses whole", code == 0, text[-400:])
    if code == 0:
        found = epochs_in(store, "filed")
        checks.check(f"with every printed epoch ({found} finished epochs for {printed} printed)", found >= printed)
elif mode == "http-sink":
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    store = os.path.join(work, "store")
    os.makedirs(store)
    token_file = os.path.join(store, "token")
    with open(token_file, "w") as f:
        f.write("trainer-kill-token tester\n")
    os.chmod(token_file, 0o600)
    printed = train_and_kill("spilled", ["--endpoint", endpoint, "--token-file", token_file])
    spills = glob.glob(os.path.join(work, "torchprov-spill-*.nq"))
    checks.check(f"the killed trainer ({printed} epochs printed) left its spill", printed >= 2 and len(spills) == 1,
                 spills)
    # A dead trainer's spill meant for another server: not this sink's to deliver.
    gone = subprocess.Popen(["true"])
    gone.wait()
    foreign = os.path.join(work, f"torchprov-spill-{gone.pid}.nq")
    with open(foreign, "w") as f:
        f.write("<urn:x-fault:foreign> <urn:x-fault:p> \"elsewhere\" .\n")
    with open(foreign + ".endpoint", "w") as f:
        f.write("http://127.0.0.1:1")
    server = Server(build, store, log=os.path.join(work, "serve.log"), port=port).start()
    next_run = subprocess.run([trainer, "--epochs", "1", "--train-limit", "300", "--test-limit", "100", "--threads",
                               "1", "--checkpoint-dir", os.path.join(work, "next"), "--person", "next",
                               "--endpoint", endpoint, "--token-file", token_file],
                              capture_output=True, env=env, timeout=900)
    checks.check("the next run of the trainer succeeds", next_run.returncode == 0, next_run.stdout[-400:])
    server.stop()
    found = epochs_in(store, "spilled")
    checks.check(f"it delivered the dead run's spill: {found} finished epochs for {printed} printed", found >= printed)
    checks.check("the spill meant for another server was left alone",
                 os.path.exists(foreign) and "urn:x-fault:foreign" not in cli(build, "export", "--store", store)[1])
    os.remove(foreign)
    os.remove(foreign + ".endpoint")
    checks.check("the adopted spill is gone", not glob.glob(os.path.join(work, "torchprov-spill-*")),
                 glob.glob(os.path.join(work, "torchprov-spill-*")))
    # A second killed run; its spill loaded by hand.
    printed = train_and_kill("imported", ["--endpoint", endpoint, "--token-file", token_file])
    spills = glob.glob(os.path.join(work, "torchprov-spill-*.nq"))
    checks.check(f"a second killed trainer ({printed} epochs printed) left its spill", len(spills) == 1, spills)
    if spills:
        code, text = cli(build, "import", "--store", store, spills[0])
        checks.check("`torchprov import` loads it", code == 0, text[-400:])
        found = epochs_in(store, "imported")
        checks.check(f"with every printed epoch ({found} for {printed})", found >= printed)
checks.finish()
