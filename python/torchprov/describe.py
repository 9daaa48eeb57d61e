"""What start_run reads from Python: the model's leaf modules, the program,
the person and the software it runs on, as the plain values the C++ core
takes.  The optimizer's param groups are read by the core itself, at the
start and at every epoch boundary."""

import os
import platform
import pwd
import subprocess
import sys
import warnings

import torch

from . import _core


def layers(model, sample_input=None):
    """Leaf modules in named_modules() order, with their own parameters'
    shapes and, given a sample input, the shape of the tensor each returned."""
    leaves = [(name, module) for name, module in model.named_modules()
              if name and next(module.children(), None) is None]
    output_shapes = _output_shapes(model, leaves, sample_input) if sample_input is not None else {}
    return [_core.Layer(name, type(module).__name__,
                        [(p_name, list(p.shape)) for p_name, p in module.named_parameters(recurse=False)],
                        output_shapes.get(id(module)))
            for name, module in leaves]


def _output_shapes(model, leaves, sample_input):
    """Runs the model once on the sample, without gradients, in eval mode (so
    batch-norm statistics do not move) and with the random state restored."""
    shapes = {}

    def hook(module, inputs, output):
        if isinstance(output, torch.Tensor) and id(module) not in shapes:
            shapes[id(module)] = list(output.shape)

    handles = [module.register_forward_hook(hook) for _, module in leaves]
    modes = [(module, module.training) for module in model.modules()]
    try:
        model.eval()
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            if isinstance(sample_input, (tuple, list)):
                model(*sample_input)
            else:
                model(sample_input)
    except Exception as error:  # shapes are optional: a model that rejects the sample still trains
        warnings.warn(f"torchprov: output shapes not recorded, the model rejected sample_input: {error}",
                      stacklevel=4)
        shapes = {}
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training
    return shapes


def parameter_counts(model):
    """All parameters (each shared one once) and the trainable ones."""
    total = trainable = 0
    for p in model.parameters():
        total += p.numel()
        if p.requires_grad:
            trainable += p.numel()
    return total, trainable


def device_of(model):
    """Where the model's parameters live, e.g. "cpu" or "cuda:0"."""
    for p in model.parameters():
        return str(p.device)
    return "cpu"


def gpus():
    """The GPU names, when CUDA is available."""
    if not torch.cuda.is_available():
        return []
    return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]


def person():
    """Who runs the training: $TORCHPROV_PERSON, else the login name."""
    named = os.environ.get("TORCHPROV_PERSON", "").strip()
    if named:
        return named
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return os.environ.get("USER") or os.environ.get("LOGNAME") or "unknown"


def program():
    """The script's absolute path; "python" for an interactive session or -c."""
    script = sys.argv[0] if sys.argv else ""
    if script and script != "-c" and os.path.isfile(script):
        return os.path.abspath(script)
    return "python"


def git_commit(path):
    """The commit checked out in the Git work tree holding `path`, or ""."""
    if not os.path.isabs(path):
        return ""
    try:
        done = subprocess.run(["git", "-C", os.path.dirname(path), "rev-parse", "HEAD"], capture_output=True,
                              text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def versions():
    return torch.__version__, platform.python_version()
