"""What the Python package records: every param group of any torch.optim
optimizer, leaf modules and output shapes, the agents, schedule changes,
failed runs and metric values given as tensors, read back with rdflib."""
import os
import platform
import subprocess
import sys

import rdflib
import torch

import torchprov
from torchprov import _core
from support import DL, PROV, TempDirTest, read, small_model, typed, value


class MyOptimizer(torch.optim.SGD):
    """A user's own optimizer with an option of its own."""

    def __init__(self, params, lr, warmup=3):
        super().__init__(params, lr=lr)
        for group in self.param_groups:
            group["warmup"] = warmup


class ParamGroups(TempDirTest):
    def record(self, optimizer, model):
        out = self.path("run.ttl")
        rec = torchprov.Recorder(out=out)
        run = rec.start_run(model, optimizer, person="tester")
        rec.end_run()
        rec.close()
        return read(out), run

    def test_every_param_group_of_sgd_with_its_own_options(self):
        a, b = torch.nn.Linear(4, 3), torch.nn.Linear(3, 2)
        optimizer = torch.optim.SGD([{"params": a.parameters(), "lr": 0.1, "momentum": 0.9, "nesterov": True},
                                     {"params": b.parameters()}], lr=0.01)
        g, run = self.record(optimizer, torch.nn.Sequential(a, b))
        self.assertEqual(value(g, run + "/hp/learning_rate/0", PROV.value), 0.1)
        self.assertEqual(value(g, run + "/hp/learning_rate/1", PROV.value), 0.01)
        self.assertEqual(value(g, run + "/hp/momentum/0", PROV.value), 0.9)
        self.assertEqual(value(g, run + "/hp/nesterov/0", PROV.value), True)
        # torch.optim.SGD's momentum default is the integer 0: still a real number.
        self.assertEqual(value(g, run + "/hp/momentum/1", DL.valueType), "double")
        self.assertEqual(value(g, run + "/hp/maximize/1", PROV.value), False)
        self.assertIsNone(value(g, run + "/hp/foreach/0", PROV.value))  # how, not what
        self.assertEqual(value(g, run + "/hp/optimizer", PROV.value), "SGD")
        self.assertEqual(value(g, run + "/optimizer", DL.numParamGroups), 2)

    def test_adam_adamw_rmsprop_adagrad_and_a_users_own_optimizer(self):
        model = small_model()
        cases = {
            "Adam": (torch.optim.Adam(model.parameters(), lr=0.002, betas=(0.8, 0.95)),
                     {"beta1": 0.8, "beta2": 0.95, "eps": 1e-8, "amsgrad": False}),
            "AdamW": (torch.optim.AdamW(model.parameters(), lr=0.003, weight_decay=0.05),
                      {"weight_decay": 0.05, "beta2": 0.999}),
            "RMSprop": (torch.optim.RMSprop(model.parameters(), lr=0.004, alpha=0.9, centered=True),
                        {"alpha": 0.9, "centered": True, "momentum": 0.0}),
            "Adagrad": (torch.optim.Adagrad(model.parameters(), lr=0.005, lr_decay=0.01),
                        {"lr_decay": 0.01, "initial_accumulator_value": 0.0}),
            "MyOptimizer": (MyOptimizer(model.parameters(), lr=0.006, warmup=5), {"warmup": 5}),
        }
        for name, (optimizer, expected) in cases.items():
            with self.subTest(name):
                g, run = self.record(optimizer, model)
                self.assertEqual(value(g, run + "/hp/optimizer", PROV.value), name)
                self.assertEqual(value(g, run + "/hp/learning_rate/0", PROV.value),
                                 optimizer.param_groups[0]["lr"])
                for setting, expected_value in expected.items():
                    self.assertEqual(value(g, run + f"/hp/{setting}/0", PROV.value), expected_value, setting)


class Model(TempDirTest):
    def test_leaf_modules_with_types_order_parameters_and_output_shapes(self):
        model = small_model()
        model.train()
        out = self.path("run.ttl")
        rec = torchprov.Recorder(out=out)
        torch.manual_seed(7)
        before = torch.rand(1)
        torch.manual_seed(7)
        run = rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1), sample_input=torch.zeros(1, 1, 4, 4))
        self.assertTrue(torch.equal(torch.rand(1), before), "the sample run leaves the random state as it was")
        self.assertTrue(model.training and all(m.training for m in model.modules()), "training mode restored")
        rec.end_run()
        rec.close()
        g = read(out)
        layers = [run + f"/model/layer/{i}" for i in range(4)]
        self.assertEqual([value(g, l, DL.layerType) for l in layers], ["Conv2d", "ReLU", "Flatten", "Linear"])
        self.assertEqual([value(g, l, DL.name) for l in layers], ["0", "1", "2", "3"])
        self.assertEqual([value(g, l, DL.order) for l in layers], [0, 1, 2, 3])
        self.assertEqual(value(g, layers[0], DL.numParameters), 2 * 9 + 2)
        self.assertEqual(value(g, layers[0], DL.parameterShapes), "weight[2,1,3,3] bias[2]")
        self.assertEqual([value(g, l, DL.outputShape) for l in layers], ["[1,2,4,4]", "[1,2,4,4]", "[1,32]", "[1,3]"])
        self.assertEqual(value(g, run + "/model", DL.numParameters), 20 + 32 * 3 + 3)

    def test_output_shapes_of_a_model_that_is_not_sequential(self):
        class TwoBranch(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.left = torch.nn.Linear(4, 2)
                self.right = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh())

            def forward(self, x):
                return torch.cat([self.left(x), self.right(x)], dim=1)

        model = TwoBranch()
        model.right[0].weight.requires_grad_(False)
        out = self.path("run.ttl")
        with torchprov.Recorder(out=out) as rec:
            run = rec.start_run(model, torch.optim.Adam(model.parameters()), sample_input=torch.zeros(3, 4))
        g = read(out)
        shapes = {value(g, l, DL.name): value(g, l, DL.outputShape) for l in typed(g, DL.Layer)}
        self.assertEqual(shapes, {"left": "[3,2]", "right.0": "[3,5]", "right.1": "[3,5]"})
        self.assertEqual(value(g, run + "/model", DL.trainableParameters), 10 + 5)

    def test_a_sample_the_model_rejects_leaves_shapes_out_with_a_warning(self):
        model = small_model()
        out = self.path("run.ttl")
        with self.assertWarnsRegex(UserWarning, "output shapes not recorded"):
            with torchprov.Recorder(out=out) as rec:
                rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1), sample_input=torch.zeros(1, 7))
        g = read(out)
        self.assertEqual(len(typed(g, DL.Layer)), 4)
        self.assertEqual(list(g.objects(None, DL.outputShape)), [])


class Agents(TempDirTest):
    def test_person_from_option_then_environment_then_login_name(self):
        import pwd
        login = pwd.getpwuid(os.getuid()).pw_name
        for option, env, expected in (("ana", "bob", "ana"), (None, "bob", "bob"), (None, None, login)):
            with self.subTest(option=option, env=env):
                saved = os.environ.pop("TORCHPROV_PERSON", None)
                if env:
                    os.environ["TORCHPROV_PERSON"] = env
                try:
                    out = self.path("run.ttl")
                    model = small_model()
                    with torchprov.Recorder(out=out) as rec:
                        run = rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1), person=option)
                finally:
                    os.environ.pop("TORCHPROV_PERSON", None)
                    if saved is not None:
                        os.environ["TORCHPROV_PERSON"] = saved
                g = read(out)
                person = "https://w3id.org/torchprov/person/" + expected
                self.assertIn((rdflib.URIRef(run), PROV.wasAssociatedWith, rdflib.URIRef(person)), g)
                self.assertEqual(value(g, person, DL.name), expected)

    def test_program_git_commit_and_the_software_it_runs_on(self):
        repo = self.path("repo")
        os.makedirs(repo)
        script = os.path.join(repo, "train.py")
        out = self.path("run.ttl")
        with open(script, "w") as f:
            f.write("import sys, torch, torchprov\n"
                    "m = torch.nn.Linear(2, 1)\n"
                    "with torchprov.Recorder(out=sys.argv[1]) as rec:\n"
                    "    rec.start_run(m, torch.optim.SGD(m.parameters(), lr=0.1))\n")
        git = ["git", "-C", repo, "-c", "user.name=t", "-c", "user.email=t@example.org"]
        subprocess.run(git[:3] + ["init", "-q"], check=True)
        subprocess.run(git + ["add", "train.py"], check=True)
        subprocess.run(git + ["commit", "-q", "-m", "x"], check=True)
        commit = subprocess.run(git[:3] + ["rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
        subprocess.run([sys.executable, script, out], check=True)
        g = read(out)
        (trainer,) = typed(g, DL.Trainer)
        self.assertEqual(value(g, trainer, DL.program), script)
        self.assertEqual(value(g, trainer, DL.gitCommit), commit)
        self.assertEqual(value(g, trainer, DL.pythonVersion), platform.python_version())
        self.assertEqual(value(g, trainer, DL.libtorchVersion), torch.__version__)
        (machine,) = typed(g, DL.Machine)
        self.assertGreaterEqual(value(g, machine, DL.numCpus), 1)
        self.assertEqual(value(g, machine, DL.gpu), None if not torch.cuda.is_available() else value(g, machine, DL.gpu))
        (run,) = typed(g, DL.TrainingRun)
        self.assertEqual(value(g, run, DL.device), "cpu")


class Schedule(TempDirTest):
    def test_step_lr_changes_are_adaptations_by_the_trainer_only_when_the_rate_changed(self):
        model = small_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.4)
        schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
        out = self.path("run.ttl")
        with torchprov.Recorder(out=out) as rec:
            run = rec.start_run(model, optimizer, epochs=5)
            for _ in range(5):
                with rec.epoch():
                    optimizer.step()
                schedule.step()
        g = read(out)
        adaptations = sorted(typed(g, DL.Adaptation))
        self.assertEqual(len(adaptations), 2, "epochs 3 and 5 start with a new rate, epochs 2 and 4 do not")
        initial = run + "/hp/learning_rate/0"
        first, second = initial + "/revision/1", initial + "/revision/2"
        self.assertEqual([value(g, s, PROV.value) for s in (initial, first, second)], [0.4, 0.2, 0.1])
        self.assertEqual(value(g, first, PROV.wasRevisionOf), initial)
        self.assertEqual(value(g, second, PROV.wasRevisionOf), first)
        self.assertEqual([value(g, a, DL.epoch) for a in adaptations], [3, 5])
        for a in adaptations:
            self.assertEqual(value(g, a, PROV.wasAssociatedWith), run + "/trainer")
        self.assertIn((rdflib.URIRef(run + "/epoch/3"), PROV.used, rdflib.URIRef(first)), g)


class Values(TempDirTest):
    def test_metric_values_as_numbers_and_one_element_tensors(self):
        import numpy
        model = small_model()
        out = self.path("run.ttl")
        with torchprov.Recorder(out=out, step_every=2) as rec:
            run = rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1))
            with rec.epoch() as ep:
                loss = (torch.ones(2, requires_grad=True) * 0.75).sum()  # 1.5, still needing its gradient
                for _ in range(4):
                    rec.step(loss)
                ep.metric("loss", "train", loss)
                ep.metric("accuracy", "train", 3)
                ep.metric("loss", "val", torch.tensor([0.25]))
                ep.metric("accuracy", "val", numpy.float32(0.5))
            rec.evaluation("test", "", {"loss": torch.tensor(0.125), "accuracy": 0.625})
        g = read(out)
        metric = run + "/epoch/1/metric/"
        self.assertEqual(value(g, metric + "train/loss", PROV.value), 1.5)
        self.assertEqual(value(g, metric + "train/accuracy", PROV.value), 3.0)
        self.assertEqual(value(g, metric + "val/loss", PROV.value), 0.25)
        self.assertEqual(value(g, metric + "val/accuracy", PROV.value), 0.5)
        self.assertEqual(sorted(value(g, s, DL.stepNumber) for s in typed(g, DL.Step)), [2, 4])
        self.assertEqual(value(g, run + "/step/4/metric/train/loss", PROV.value), 1.5)
        self.assertEqual(value(g, run + "/evaluation/test/1/metric/loss", PROV.value), 0.125)
        self.assertEqual(value(g, run + "/evaluation/test/1/metric/accuracy", PROV.value), 0.625)

    def test_a_device_copy_is_read_by_the_writer_once_its_event_fires(self):
        # The CUDA path without a GPU: a value copied from a tensor at the call
        # and readable once the gate opens, as after the copy's CUDA event.
        model = small_model()
        out = self.path("run.ttl")
        source = torch.tensor(0.375)
        gate = _core._ManualGate()
        rec = torchprov.Recorder(out=out)
        run = rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1))
        with rec.epoch() as ep:
            ep.metric("loss", "train", _core._pending_copy(source, gate))
            ep.metric("accuracy", "train", 0.5)
        source.fill_(9.0)  # the copy was taken at the call
        with rec.epoch() as ep:  # the training goes on while the value is pending
            ep.metric("loss", "train", 0.25)
        rec.end_run()
        import time
        time.sleep(0.3)
        self.assertEqual(typed(read(out), DL.MetricValue), set(), "the writer waits for the value, in order")
        gate.open()
        rec.close()
        g = read(out)
        self.assertEqual(value(g, run + "/epoch/1/metric/train/loss", PROV.value), 0.375)
        self.assertEqual(value(g, run + "/epoch/1/metric/train/accuracy", PROV.value), 0.5)
        self.assertEqual(value(g, run + "/epoch/2/metric/train/loss", PROV.value), 0.25)
        self.assertEqual(value(g, run, DL.status), "completed")


class EndOfRun(TempDirTest):
    def test_an_exception_in_the_with_block_fails_the_run_with_its_type_and_message(self):
        model = small_model()
        out = self.path("run.ttl")
        with self.assertRaises(ArithmeticError):
            with torchprov.Recorder(out=out) as rec:
                run = rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1))
                with rec.epoch():
                    raise ArithmeticError("loss is NaN")
        g = read(out)
        self.assertEqual(value(g, run, DL.status), "failed")
        self.assertEqual(value(g, run, DL.errorType), "ArithmeticError")
        self.assertEqual(value(g, run, DL.errorMessage), "loss is NaN")
        self.assertIsNotNone(value(g, run + "/epoch/1", PROV.endedAtTime))
        self.assertIsNotNone(value(g, run, PROV.endedAtTime))

    def test_a_completed_with_block_and_a_stopped_status(self):
        model = small_model()
        out = self.path("run.ttl")
        with torchprov.Recorder(out=out) as rec:
            run = rec.start_run(model, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2)
            with rec.epoch() as ep:
                ep.metric("loss", "train", 1.0)
        self.assertTrue(rec.closed)
        g = read(out)
        self.assertEqual(value(g, run, DL.status), "completed")
        self.assertEqual(value(g, run, DL.epochsPlanned), 2)
        self.assertIsNone(value(g, run, DL.errorType))
