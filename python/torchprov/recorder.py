"""The Recorder: Python idioms (keywords, context managers, exceptions) over
the C++ capture core in torchprov._core."""

import atexit
import numbers
import os
import weakref

import torch

from . import _core, describe

SPLITS = ("train", "val", "test")

# Recorders still open, finished at interpreter exit.
_open_recorders = weakref.WeakSet()


class Dataset:
    """A dataset a run uses: its name, its split ("train", "val" or "test"),
    the files it was read from (hashed with SHA-256 off the training thread)
    and its number of examples.  The split may be left out when the name is
    one ("train") or ends with one ("fashion-mnist-train")."""

    def __init__(self, name, split=None, *, path=None, paths=None, examples=-1, generator_parameters=""):
        if not isinstance(name, str) or not name:
            raise TypeError(f"Dataset name must be a non-empty str, not {name!r}")
        if split is None:
            split = next((s for s in SPLITS if name == s or name.endswith(("-" + s, "_" + s))), None)
            if split is None:
                raise ValueError(f"Dataset {name!r}: give split='train', 'val' or 'test'")
        _check_split(split, f"Dataset {name!r}")
        files = []
        if path is not None:
            files.append(path)
        if paths is not None:
            if isinstance(paths, (str, bytes, os.PathLike)):
                raise TypeError(f"Dataset {name!r}: paths must be a list of paths; use path= for one")
            files.extend(paths)
        for f in files:
            if not isinstance(f, (str, os.PathLike)):
                raise TypeError(f"Dataset {name!r}: a path must be a str or os.PathLike, not {type(f).__name__}")
        if isinstance(examples, bool) or not isinstance(examples, numbers.Integral):
            raise TypeError(f"Dataset {name!r}: examples must be an int, not {type(examples).__name__}")
        if not isinstance(generator_parameters, str):
            raise TypeError(f"Dataset {name!r}: generator_parameters must be a str (JSON)")
        self.name = name
        self.split = split
        self.paths = [os.fspath(f) for f in files]
        self.examples = int(examples)
        self.generator_parameters = generator_parameters

    def __repr__(self):
        return f"Dataset({self.name!r}, {self.split!r}, paths={self.paths!r}, examples={self.examples})"


class Epoch:
    """One epoch in progress; `with rec.epoch() as ep:` ends it on exit."""

    def __init__(self, recorder, number):
        self._recorder = recorder
        self.number = number

    def metric(self, name, split, value):
        """Records a metric value of this epoch: a number or a one-element tensor."""
        self._recorder.metric(name, split, value)

    def end(self):
        if not self._recorder.closed and self._recorder.current_epoch == self.number:
            self._recorder._core.end_epoch()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        self.end()
        return False


class Recorder:
    """Records a training run.  Give one destination:

    endpoint="http://host:port" with token_file= (or token=): stream to a
        torchprov server; while it cannot be reached, statements are kept in a
        spill file and delivered later, and training goes on; an https://
        server is checked against the system's CA certificates, or against
        ca_file= (PEM) for a private CA;
    out="run.ttl" (.trig, .nq): a file, complete and valid after every epoch;
    store="DIR": an embedded store.

    step_every=N records the batch loss of every Nth rec.step(loss).
    overflow="drop" (default) never makes the training wait when the queue is
    full (dropped events are counted on the run); "block" waits instead.
    """

    def __init__(self, endpoint=None, token_file=None, out=None, store=None, *, token=None, spill_file=None,
                 ca_file=None, step_every=0, queue_capacity=1 << 16, overflow="drop", base_iri=None):
        given = [name for name, value in (("endpoint", endpoint), ("out", out), ("store", store)) if value is not None]
        if len(given) != 1:
            raise ValueError("give one destination: endpoint=URL (with token_file=), out=FILE or store=DIR"
                             + (f"; got {', '.join(given)}" if given else ""))
        _check_int(step_every, "step_every", minimum=0)
        _check_int(queue_capacity, "queue_capacity", minimum=1)
        if overflow not in ("drop", "block"):
            raise ValueError(f"overflow must be 'drop' or 'block', not {overflow!r}")
        if base_iri is not None and not isinstance(base_iri, str):
            raise TypeError("base_iri must be a str")
        if endpoint is not None:
            if not isinstance(endpoint, str):
                raise TypeError(f"endpoint must be a str URL, not {type(endpoint).__name__}")
            if token is None:
                if token_file is None:
                    raise ValueError("endpoint= needs token_file= (the server's token file) or token=")
                token_file = _path(token_file, "token_file")
                if not os.path.isfile(token_file):
                    raise FileNotFoundError(f"token file {token_file} does not exist")
                try:
                    token = _core.read_token_file(token_file)
                except RuntimeError as error:
                    raise ValueError(str(error)) from None
            elif not isinstance(token, str):
                raise TypeError("token must be a str")
            if ca_file is not None and not os.path.isfile(_path(ca_file, "ca_file")):
                raise FileNotFoundError(f"CA file {ca_file} does not exist")
            destination = _core.http_destination(endpoint, token,
                                                 "" if spill_file is None else _path(spill_file, "spill_file"),
                                                 "" if ca_file is None else _path(ca_file, "ca_file"))
        elif out is not None:
            destination = _core.file_destination(_path(out, "out"))
        else:
            destination = _core.store_destination(_path(store, "store"))
        self._core = _core.Recorder(destination, step_every=int(step_every), queue_capacity=int(queue_capacity),
                                    block=overflow == "block", base_iri=base_iri or "")
        _open_recorders.add(self)

    # ------------------------------------------------------------------ run

    def start_run(self, model, optimizer, *, epochs=0, experiment="default", person=None, hyperparameters=None,
                  datasets=None, sample_input=None, program=None, version=None, git_commit=None, device=None,
                  run_id=None):
        """Records the run, its agents, datasets, architecture and every param
        group of the optimizer.  Returns the run's IRI."""
        if not isinstance(model, torch.nn.Module):
            raise TypeError(f"model must be a torch.nn.Module, not {type(model).__name__}")
        if optimizer is not None and not _has_param_groups(optimizer):
            raise TypeError(f"optimizer must be a torch.optim optimizer (with param_groups), "
                            f"not {type(optimizer).__name__}")
        _check_int(epochs, "epochs", minimum=0)
        for name, value in (("experiment", experiment), ("person", person), ("program", program),
                            ("version", version), ("git_commit", git_commit), ("device", device),
                            ("run_id", run_id)):
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a str, not {type(value).__name__}")
        hyperparameters = {} if hyperparameters is None else hyperparameters
        if not isinstance(hyperparameters, dict) or not all(isinstance(k, str) for k in hyperparameters):
            raise TypeError("hyperparameters must be a dict with str keys")
        datasets = [] if datasets is None else list(datasets)
        for d in datasets:
            if not isinstance(d, Dataset):
                raise TypeError(f"datasets must hold torchprov.Dataset objects, not {type(d).__name__}")
        if sample_input is not None and not isinstance(sample_input, (torch.Tensor, tuple, list)):
            raise TypeError(f"sample_input must be a tensor (or a tuple of inputs), not {type(sample_input).__name__}")

        script = describe.program()
        total, trainable = describe.parameter_counts(model)
        torch_version, python_version = describe.versions()
        run = {
            "experiment": experiment or "default",
            "person": person or describe.person(),
            "program": program or script,
            "version": version,
            "git_commit": git_commit if git_commit is not None else describe.git_commit(script),
            "device": device or describe.device_of(model),
            "run_id": run_id,
            "epochs": int(epochs),
            "hyperparameters": hyperparameters,
            "datasets": datasets,
        }
        return self._core.start_run(describe.layers(model, sample_input), total, trainable, optimizer,
                                    torch_version, python_version, describe.gpus(), run)

    @property
    def epochs_planned(self):
        """The planned number of epochs; a steering request may change it."""
        return self._core.epochs_planned

    def should_stop(self):
        """True once a steering request asked the run to stop (after the epoch in progress)."""
        return self._core.should_stop()

    def epoch(self):
        """Begins the next epoch (numbered from 1).  At this boundary pending
        steering requests change the optimizer's param groups, and settings the
        program changed (a learning-rate schedule) are recorded."""
        return Epoch(self, self._core.epoch())

    def metric(self, name, split, value):
        """A metric value of the current epoch: a number or a one-element tensor
        (a GPU tensor is copied asynchronously and read by the writer)."""
        _check_name(name, "metric name")
        _check_split(split, f"metric {name!r}")
        self._core.metric(name, split, value)

    def step(self, loss):
        """Call every batch; the loss of every step_every-th is recorded."""
        self._core.step(loss)

    def checkpoint(self, path, best=False):
        """A checkpoint file the trainer wrote in the current epoch (hashed off the training thread)."""
        self._core.checkpoint(_path(path, "checkpoint path"), bool(best))

    def evaluation(self, split, dataset, metrics):
        """A validation or test evaluation outside the epoch loop: metrics is a dict name -> value."""
        _check_split(split, "evaluation")
        if not isinstance(dataset, str):
            raise TypeError(f"evaluation dataset must be a dataset name (str), not {type(dataset).__name__}")
        if not isinstance(metrics, dict):
            raise TypeError(f"evaluation metrics must be a dict name -> value, not {type(metrics).__name__}")
        self._core.evaluation(split, dataset, metrics)

    def end_run(self, status="completed"):
        """Ends the run; "completed" becomes "stopped" when a steering request stopped it."""
        if not isinstance(status, str) or not status:
            raise TypeError("status must be a non-empty str")
        self._core.end_run(status)

    def close(self):
        """Ends an open run as "aborted", delivers everything and closes the destination."""
        self._core.close("aborted")
        _open_recorders.discard(self)

    @property
    def closed(self):
        return self._core.closed

    @property
    def run_iri(self):
        return self._core.run_iri

    @property
    def graph_iri(self):
        return self._core.graph_iri

    @property
    def current_epoch(self):
        return self._core.current_epoch

    def stats(self):
        """Events enqueued and dropped, statements written so far."""
        return self._core.stats()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self._core.closed:
            if exc is None:
                self._core.end_run("completed")
            else:
                status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
                self._core.end_run(status, _qualified_name(exc_type), str(exc))
        self.close()
        return False


def _finish_at_exit():
    """A run still open when the interpreter exits ends as "interrupted"."""
    for recorder in list(_open_recorders):
        try:
            recorder._core.close("interrupted")
        except Exception:  # noqa: BLE001  exiting anyway; never mask the program's own exit
            pass


atexit.register(_finish_at_exit)


def _qualified_name(cls):
    module = getattr(cls, "__module__", "")
    return cls.__qualname__ if module in ("builtins", "") else f"{module}.{cls.__qualname__}"


def _has_param_groups(optimizer):
    groups = getattr(optimizer, "param_groups", None)
    return isinstance(groups, list) and all(isinstance(g, dict) for g in groups)


def _check_int(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value}")


def _check_name(name, what):
    if not isinstance(name, str) or not name:
        raise TypeError(f"{what} must be a non-empty str, not {name!r}")


def _check_split(split, what):
    if split not in SPLITS:
        raise ValueError(f"{what}: split must be one of {', '.join(repr(s) for s in SPLITS)}, not {split!r}")


def _path(value, what):
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{what} must be a str or os.PathLike, not {type(value).__name__}")
    return os.fspath(value)
