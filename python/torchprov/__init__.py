"""torchprov: record a PyTorch training as W3C PROV-O provenance while it runs.

    import torchprov
    rec = torchprov.Recorder(endpoint="http://127.0.0.1:7878", token_file="out/store/token")
    rec.start_run(model, optimizer, epochs=10, experiment="demo")
    for e in range(100):
        if e >= rec.epochs_planned or rec.should_stop():
            break
        with rec.epoch() as ep:
            ...                                   # train; rec.step(loss) per batch
            ep.metric("loss", "train", 0.41)
    rec.end_run()

The training thread only hands small events to a queue; a writer thread in the
C++ capture core turns them into statements and writes, streams (spilling to a
local file while a server is away) or stores them.  Importing the package
starts no thread.
"""

import torch as _torch  # noqa: F401  first: the extension links the libtorch that torch loads

from .recorder import Dataset, Epoch, Recorder

__all__ = ["Dataset", "Epoch", "Recorder"]
__version__ = "0.1.0"
