#!/usr/bin/python3
"""Capture overhead of the Python package: the loop of `torchprov bench
capture` (a small CNN on synthetic 28x28 data) in PyTorch, without capture,
with epoch capture and with step capture every 10 batches, alternated so
drift in machine speed hits every mode alike.  Prints the median time per
step and the overhead of each mode.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--runs 7]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import torch

import torchprov

MODES = ("no capture", "epoch capture", "step capture /10")


def small_cnn():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


def run_once(mode, s, x, y, out):
    """Seconds per training step of one run (epoch boundaries included)."""
    torch.manual_seed(1)
    model = small_cnn()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rec = None
    if mode != 0:
        rec = torchprov.Recorder(out=out, step_every=10 if mode == 2 else 0)
        rec.start_run(model, optimizer, epochs=s.epochs, program="bench-python-overhead")
    started = time.perf_counter()
    for _ in range(s.epochs):
        epoch = rec.epoch() if rec else None
        loss_sum = 0.0
        for b in range(s.batches):
            xb, yb = x[b * s.batch_size:(b + 1) * s.batch_size], y[b * s.batch_size:(b + 1) * s.batch_size]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            l = loss.item()
            loss_sum += l
            if rec:
                rec.step(l)
        if epoch:
            epoch.metric("loss", "train", loss_sum / s.batches)
            epoch.metric("accuracy", "val", 0.5)
            epoch.end()
    seconds = time.perf_counter() - started
    if rec:
        rec.end_run()
        rec.close()
    return seconds / (s.epochs * s.batches)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=7, help="runs per mode (default 7)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=64)
    s = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    x = torch.rand(s.batches * s.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (s.batches * s.batch_size,))
    out = os.path.join(tempfile.gettempdir(), f"torchprov-bench-python-{os.getpid()}.ttl")
    print(f"Python capture overhead: small CNN, {s.epochs} epochs x {s.batches} batches of {s.batch_size}, "
          f"{s.runs} runs per mode, alternated (torch {torch.__version__})", flush=True)
    run_once(0, s, x, y, out)  # warm-up: allocator, thread pool
    times = [[], [], []]
    for r in range(max(1, s.runs)):
        for m in range(3):
            k = (m + r) % 3  # rotate the order each round so no mode always runs first
            times[k].append(run_once(k, s, x, y, out))
    base = statistics.median(times[0])
    print(f"{'mode':<18} {'median ms/step':>14} {'overhead':>12} {'runs':>10}")
    for k, name in enumerate(MODES):
        m = statistics.median(times[k])
        print(f"{name:<18} {m * 1e3:>14.3f} {(m / base - 1) * 100:>+11.2f}% {len(times[k]):>10}")
    print("targets: epoch capture <= 0.5 %, step capture every 10 batches <= 2 %")
    if os.path.exists(out):
        os.remove(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
