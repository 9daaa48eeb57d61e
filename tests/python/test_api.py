"""The package's API as a script meets it: wrong types and values raise
exceptions that name the problem at the call that caused it, importing starts
no thread, a forgotten end_run or a Ctrl-C still leaves a valid record, and a
server that is down makes the recorder spill, not fail."""
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time

import torch

import torchprov
from support import DL, PROV, TempDirTest, read, small_model, typed, value


def run_script(code, *args, wait=True, **kwargs):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    process = subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
    if not wait:
        return process
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


class BadInput(TempDirTest):
    def setUp(self):
        super().setUp()
        self.model = small_model()
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=0.1)
        self.rec = torchprov.Recorder(out=self.path("run.ttl"))
        self.addCleanup(self.rec.close)

    def test_metric_values_of_the_wrong_type_or_shape(self):
        self.rec.start_run(self.model, self.optimizer)
        with self.rec.epoch() as ep:
            with self.assertRaisesRegex(TypeError, "metric 'loss' must be a number or a one-element tensor, not str"):
                ep.metric("loss", "train", "0.4")
            with self.assertRaisesRegex(TypeError, "metric 'loss' .* not bool"):
                ep.metric("loss", "train", True)
            with self.assertRaisesRegex(TypeError, "not NoneType"):
                ep.metric("loss", "train", None)
            with self.assertRaisesRegex(ValueError, r"not a tensor of shape \[3\]"):
                ep.metric("loss", "train", torch.zeros(3))
            with self.assertRaisesRegex(ValueError, "metric 'loss': split must be one of 'train', 'val', 'test', "
                                                    "not 'validation'"):
                ep.metric("loss", "validation", 0.4)
            with self.assertRaisesRegex(TypeError, "metric name must be a non-empty str"):
                ep.metric(7, "train", 0.4)
            with self.assertRaisesRegex(TypeError, "the step loss must be a number .* not str"):
                self.rec.step("0.3")
            with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'splt'"):
                ep.metric("loss", splt="train", value=1.0)
        with self.assertRaisesRegex(TypeError, "metric 'loss' must be a number .* not list"):
            self.rec.evaluation("test", "", {"loss": [0.4]})
        with self.assertRaisesRegex(TypeError, "evaluation metrics must be a dict"):
            self.rec.evaluation("test", "", [("loss", 0.4)])

    def test_start_run_arguments(self):
        with self.assertRaisesRegex(TypeError, "model must be a torch.nn.Module, not str"):
            self.rec.start_run("model", self.optimizer)
        with self.assertRaisesRegex(TypeError, "optimizer must be a torch.optim optimizer .* not dict"):
            self.rec.start_run(self.model, {"lr": 0.1})
        with self.assertRaisesRegex(TypeError, "epochs must be an int, not str"):
            self.rec.start_run(self.model, self.optimizer, epochs="10")
        with self.assertRaisesRegex(ValueError, "epochs must be at least 0, not -1"):
            self.rec.start_run(self.model, self.optimizer, epochs=-1)
        with self.assertRaisesRegex(TypeError, "hyperparameter 'layers' must be a bool, int, float or str, not list"):
            self.rec.start_run(self.model, self.optimizer, hyperparameters={"layers": [1, 2]})
        with self.assertRaisesRegex(TypeError, "unexpected keyword argument 'epoch'"):
            self.rec.start_run(self.model, self.optimizer, epoch=3)
        with self.assertRaisesRegex(TypeError, "datasets must hold torchprov.Dataset objects, not str"):
            self.rec.start_run(self.model, self.optimizer, datasets=["train.gz"])
        self.assertEqual(self.rec.current_epoch, 0, "nothing was started by the refused calls")

    def test_datasets(self):
        self.assertEqual(torchprov.Dataset("train", path="a.gz").split, "train")
        self.assertEqual(torchprov.Dataset("fashion-mnist-val").split, "val")
        with self.assertRaisesRegex(ValueError, "Dataset 'mnist': give split="):
            torchprov.Dataset("mnist")
        with self.assertRaisesRegex(ValueError, "split must be one of"):
            torchprov.Dataset("mnist", "training")
        with self.assertRaisesRegex(TypeError, "examples must be an int, not float"):
            torchprov.Dataset("train", examples=6e4)
        with self.assertRaisesRegex(TypeError, "paths must be a list of paths"):
            torchprov.Dataset("train", paths="a.gz")

    def test_destinations(self):
        with self.assertRaisesRegex(ValueError, "give one destination"):
            torchprov.Recorder()
        with self.assertRaisesRegex(ValueError, "give one destination.*got endpoint, out"):
            torchprov.Recorder(endpoint="http://127.0.0.1:1", token="t", out=self.path("x.ttl"))
        with self.assertRaisesRegex(ValueError, "endpoint= needs token_file="):
            torchprov.Recorder(endpoint="http://127.0.0.1:7878")
        missing = self.path("no-such-token")
        with self.assertRaisesRegex(FileNotFoundError, f"token file {missing} does not exist"):
            torchprov.Recorder(endpoint="http://127.0.0.1:7878", token_file=missing)
        with open(self.path("empty-token"), "w"):
            pass
        with self.assertRaisesRegex(ValueError, "holds no token"):
            torchprov.Recorder(endpoint="http://127.0.0.1:7878", token_file=self.path("empty-token"))
        with self.assertRaisesRegex(ValueError, "ftp://"):
            torchprov.Recorder(endpoint="ftp://127.0.0.1/", token="t")
        with self.assertRaisesRegex(OSError, "cannot open .*no-such-dir/run.ttl"):
            torchprov.Recorder(out=self.path("no-such-dir/run.ttl"))
        with self.assertRaisesRegex(ValueError, "overflow must be 'drop' or 'block'"):
            torchprov.Recorder(out=self.path("x.ttl"), overflow="wait")
        with self.assertRaisesRegex(TypeError, "step_every must be an int"):
            torchprov.Recorder(out=self.path("x.ttl"), step_every=0.5)

    def test_hooks_before_start_run_say_so(self):
        with self.assertRaisesRegex(ValueError, "no run is open: call start_run first"):
            self.rec.epoch()
        with self.assertRaisesRegex(ValueError, "no run is open"):
            self.rec.step(0.5)

    def test_a_closed_recorder_says_so(self):
        self.rec.close()
        with self.assertRaisesRegex(ValueError, "the recorder is closed"):
            self.rec.epoch()


class Process(TempDirTest):
    def test_importing_the_package_starts_no_thread(self):
        code, out, err = run_script("""
            import os, threading
            import torch
            tasks = lambda: len(os.listdir("/proc/self/task"))
            before, python_before = tasks(), threading.active_count()
            import torchprov
            print(before, tasks(), python_before, threading.active_count())
        """)
        self.assertEqual(code, 0, err)
        before, after, python_before, python_after = map(int, out.split())
        self.assertEqual((after, python_after), (before, python_before))

    def test_a_forgotten_end_run_is_finished_as_interrupted_at_exit(self):
        out = self.path("run.ttl")
        code, _, err = run_script("""
            import sys, torch, torchprov
            m = torch.nn.Linear(2, 1)
            rec = torchprov.Recorder(out=sys.argv[1])
            rec.start_run(m, torch.optim.SGD(m.parameters(), lr=0.1), epochs=3)
            with rec.epoch() as ep:
                ep.metric("loss", "train", 0.5)
            print("done")
        """, out)
        self.assertEqual(code, 0, err)
        g = read(out)
        (run,) = typed(g, DL.TrainingRun)
        self.assertEqual(value(g, run, DL.status), "interrupted")
        self.assertEqual(value(g, run + "/epoch/1/metric/train/loss", PROV.value), 0.5)

    def test_ctrl_c_in_the_training_loop_leaves_a_valid_file_with_every_finished_epoch(self):
        for use_with in (False, True):
            with self.subTest(use_with=use_with):
                out = self.path(f"run-{use_with}.ttl")
                process = run_script("""
                    import sys, time, torch, torchprov
                    m = torch.nn.Linear(2, 1)
                    def train(rec):
                        rec.start_run(m, torch.optim.SGD(m.parameters(), lr=0.1), epochs=1000)
                        for e in range(1000):
                            with rec.epoch() as ep:
                                ep.metric("loss", "train", 1.0 / (e + 1))
                            if e == 1:
                                print("two epochs", flush=True)
                            time.sleep(0.05)
                    if sys.argv[2] == "with":
                        with torchprov.Recorder(out=sys.argv[1]) as rec:
                            train(rec)
                    else:
                        train(torchprov.Recorder(out=sys.argv[1]))
                """, out, "with" if use_with else "plain", wait=False)
                self.assertEqual(process.stdout.readline().strip(), "two epochs")
                time.sleep(0.2)
                process.send_signal(signal.SIGINT)
                _, err = process.communicate(timeout=60)
                self.assertNotEqual(process.returncode, 0)
                self.assertIn("KeyboardInterrupt", err)
                g = read(out)  # parses: a valid file
                (run,) = typed(g, DL.TrainingRun)
                self.assertEqual(value(g, run, DL.status), "interrupted")
                if use_with:
                    self.assertEqual(value(g, run, DL.errorType), "KeyboardInterrupt")
                self.assertEqual(value(g, run + "/epoch/2/metric/train/loss", PROV.value), 0.5)

    def test_a_server_that_is_down_makes_the_recorder_spill_and_the_training_go_on(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]  # closed again: nothing listens there
        spill = self.path("spill.nq")
        token = self.path("token")
        with open(token, "w") as f:
            f.write("secret ana\n")
        started = time.monotonic()
        code, out, err = run_script("""
            import sys, torch, torchprov
            m = torch.nn.Linear(2, 1)
            rec = torchprov.Recorder(endpoint=sys.argv[1], token_file=sys.argv[2], spill_file=sys.argv[3])
            run = rec.start_run(m, torch.optim.SGD(m.parameters(), lr=0.1), epochs=3)
            for e in range(3):
                with rec.epoch() as ep:
                    ep.metric("loss", "train", 1.0 / (e + 1))
            rec.end_run()
            print(run, flush=True)
        """, f"http://127.0.0.1:{port}", token, spill)
        self.assertEqual(code, 0, err)
        self.assertIn("did not take all provenance; it is kept in " + spill, err)
        run = out.strip()
        import rdflib
        g = rdflib.ConjunctiveGraph()  # the union of the run's named graph
        g.parse(spill, format="nquads")
        statuses = list(g.objects(rdflib.URIRef(run), DL.status))
        self.assertEqual([str(s) for s in statuses], ["completed"])
        self.assertEqual(len(list(g.subjects(rdflib.RDF.type, DL.Epoch))), 3)
        self.assertLess(time.monotonic() - started, 60)

