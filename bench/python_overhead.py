#!/usr/bin/python3
"""Capture overhead of the Python package: the loop of `torchprov bench
capture` (a small CNN on synthetic 28x28 data) in PyTorch, without capture,
with epoch capture and with step capture every 10 batches, alternated so
drift in machine speed hits every mode alike, and the loop without capture a
second time as a control (an A/A pair: its "overhead" is what the measurement
itself shows when nothing differs, the floor under which no other figure
means anything).  Prints the median time per step and the overhead of each
mode.  Given the torchprov command (--cpp), each
round also runs one round of `torchprov bench capture` with the same loop, and
the C++ and Python figures are printed side by side.

    PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py [--runs 7] [--cpp build/torchprov]
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch

import torchprov

MODES = ("no capture", "epoch capture", "step capture /10")
CONTROL = "no capture again"  # the A/A control: mode 0 run a second time


def small_cnn():
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


def run_once(mode, s, x, y, out):
    """Seconds per training step of one run (epoch boundaries included), by the
    clock --clock names."""
    torch.manual_seed(1)
    model = small_cnn()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    rec = None
    if mode != 0:
        rec = torchprov.Recorder(out=out, step_every=10 if mode == 2 else 0)
        rec.start_run(model, optimizer, epochs=s.epochs, program="bench-python-overhead")
    clock = time.thread_time if s.clock == "thread" else time.perf_counter
    started = clock()
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
    seconds = clock() - started
    if rec:
        rec.end_run()
        rec.close()
    return seconds / (s.epochs * s.batches)


def cpp_round(s, command):
    """One round of `torchprov bench capture` (its own warm-up, the three
    modes alternated): seconds per step of each mode."""
    done = subprocess.run([command, "bench", "capture", "--runs", "1", "--epochs", str(s.epochs), "--batches",
                           str(s.batches), "--batch-size", str(s.batch_size)], capture_output=True, text=True,
                          check=True)
    seconds = {}
    for line in done.stdout.splitlines():
        for name in MODES:
            if line.startswith(name + " "):
                seconds[name] = float(line[len(name):].split()[0]) / 1e3
    if len(seconds) != len(MODES):
        raise RuntimeError(f"{command} bench capture printed no figure for every mode:\n{done.stdout}")
    return [seconds[name] for name in MODES]


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=7, help="runs per mode (default 7)")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--batches", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--cpp", metavar="TORCHPROV", help="the torchprov command: run the C++ loop alongside")
    p.add_argument("--threads", type=int, default=2, help="torch's intra-op threads (default 2)")
    p.add_argument("--clock", choices=("wall", "thread"), default="wall",
                   help="wall: elapsed time (default); thread: the training thread's CPU time, which with "
                        "--threads 1 holds all of the training and capture calls but not the time a busy "
                        "or virtual machine gives the core to others (the C++ rounds stay on wall time)")
    p.add_argument("--no-mkldnn", action="store_true",
                   help="torch's own convolutions instead of oneDNN's: on some virtual machines oneDNN's take "
                        "from 0.2 to 20 ms for the same convolution, from one run to the next")
    s = p.parse_args()
    torch.set_num_threads(s.threads)
    if s.no_mkldnn:
        torch.backends.mkldnn.enabled = False
    torch.manual_seed(0)
    x = torch.rand(s.batches * s.batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (s.batches * s.batch_size,))
    out = os.path.join(tempfile.gettempdir(), f"torchprov-bench-python-{os.getpid()}.ttl")
    print(f"Python capture overhead: small CNN, {s.epochs} epochs x {s.batches} batches of {s.batch_size}, "
          f"{s.runs} runs per mode, alternated, {s.threads} torch thread(s), {s.clock} clock"
          f"{', without oneDNN' if s.no_mkldnn else ''} "
          f"(torch {torch.__version__})", flush=True)
    run_once(0, s, x, y, out)  # warm-up: allocator, thread pool
    times = [[], [], [], []]  # MODES, then CONTROL
    cpp_times = [[], [], []]
    for r in range(max(1, s.runs)):
        if s.cpp and r % 2 == 0:  # C++ before Python in even rounds, after in odd ones
            for k, t in enumerate(cpp_round(s, s.cpp)):
                cpp_times[k].append(t)
        for m in range(4):
            k = (m + r) % 4  # rotate the order each round so no mode always runs first
            times[k].append(run_once(k if k < 3 else 0, s, x, y, out))
        if s.cpp and r % 2 == 1:
            for k, t in enumerate(cpp_round(s, s.cpp)):
                cpp_times[k].append(t)
    columns = [("Python", times)] + ([("C++", cpp_times)] if s.cpp else [])
    print(f"{'mode':<18}" + "".join(f" {lang + ' ms/step':>15} {lang + ' overhead':>16} {'us/step':>9}"
                                    for lang, _ in columns) + f" {'runs':>6}")
    for k, name in enumerate(MODES + (CONTROL,)):
        line = f"{name:<18}"
        for _, samples in columns:
            if k >= len(samples):  # the C++ rounds have no control mode
                line += f" {'-':>15} {'-':>16} {'-':>9}"
                continue
            base, m = statistics.median(samples[0]), statistics.median(samples[k])
            line += f" {m * 1e3:>15.3f} {(m / base - 1) * 100:>+15.2f}% {(m - base) * 1e6:>+9.1f}"
        print(line + f" {len(times[k]):>6}")
    spread = [(b / a - 1) * 100 for a, b in zip(times[0], times[3])]
    print("(median per mode over the runs; overhead against the same language's loop without capture)")
    print(f"control: '{CONTROL}' against 'no capture' per round: {min(spread):+.2f} % to {max(spread):+.2f} %; "
          "an overhead inside the control's distance from zero is not measured")
    print("targets: epoch capture <= 0.5 %, step capture every 10 batches <= 2 %")
    if os.path.exists(out):
        os.remove(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
