#!/usr/bin/python3
"""An AlexNet-style CNN trained on Fashion-MNIST (Debian package
dataset-fashion-mnist, read with numpy), its provenance captured with the
torchprov Python package.  The same flags and output as the C++ example
build/examples/alexnet-fmnist, so build/examples/sweep can drive it
(--example python-fmnist).

    PYTHONPATH=build/python /usr/bin/python3 examples/python/fmnist.py --epochs 3 --train-limit 6000 \\
        --endpoint http://127.0.0.1:7878 --token-file out/store/token
"""
import argparse
import gzip
import os
import sys
import time

import numpy as np
import torch

import torchprov

PROGRAM = "fmnist.py"


def parse_options(argv):
    p = argparse.ArgumentParser(prog=PROGRAM, description="Train a CNN on Fashion-MNIST with its provenance captured.")
    p.add_argument("--epochs", type=int, default=3, help="epochs to train (default 3)")
    p.add_argument("--train-limit", type=int, default=0, help="use only the first N training examples")
    p.add_argument("--test-limit", type=int, default=0, help="use only the first N test examples")
    p.add_argument("--lr", type=float, default=0.001, help="learning rate (default 0.001)")
    p.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    p.add_argument("--optimizer", choices=("sgd", "adam"), default="adam", help="sgd | adam (default adam)")
    p.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default 0.9)")
    p.add_argument("--out", help="write provenance to FILE (.ttl, .trig or .nq)")
    p.add_argument("--store", help="write provenance into the embedded store at DIR")
    p.add_argument("--endpoint", help="stream provenance to a torchprov server")
    p.add_argument("--token-file", help="bearer token for --endpoint")
    p.add_argument("--person", help="who runs the training (default $TORCHPROV_PERSON, else the login name)")
    p.add_argument("--experiment", default=PROGRAM, help="experiment the run belongs to")
    p.add_argument("--checkpoint-dir", default=".", help="where checkpoints go (default .)")
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (default: all cores)")
    p.add_argument("--step-every", type=int, default=0, help="record the batch loss every N batches")
    p.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    p.add_argument("--data-dir", default="/usr/share/datasets/fashion-mnist", help="the IDX files")
    p.add_argument("--val-fraction", type=float, default=0.1, help="last part of the training file kept for validation")
    p.add_argument("--dropout", type=float, default=0.5, help="dropout before the dense layers (default 0.5)")
    o = p.parse_args(argv)
    if o.epochs < 1 or o.batch_size < 1 or not o.lr > 0:
        p.error("--epochs and --batch-size must be positive, --lr greater than 0")
    if sum(x is not None for x in (o.out, o.store, o.endpoint)) > 1:
        p.error("give one of --out, --store, --endpoint")
    if o.endpoint and not o.token_file:
        p.error("--endpoint needs --token-file")
    if not (o.out or o.store or o.endpoint):
        o.out = "fmnist-provenance.ttl"
    return o


def read_idx(path, magic, limit):
    """An IDX file (gzip): big-endian magic, dimensions, then unsigned bytes."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    if int.from_bytes(data[0:4], "big") != magic:
        raise ValueError(f"{path}: not an IDX {'image' if magic == 0x803 else 'label'} file")
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(magic & 0xFF)]
    count = min(dims[0], limit) if limit > 0 else dims[0]
    offset = 4 + 4 * len(dims)
    size = count * int(np.prod(dims[1:], dtype=np.int64))
    if len(data) < offset + size:
        raise ValueError(f"{path}: truncated IDX file")
    return np.frombuffer(data, dtype=np.uint8, count=size, offset=offset).reshape([count] + dims[1:])


def alexnet(num_classes, dropout):
    """Five convolutions and three dense layers as in AlexNet, narrowed for 28x28 grey images."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),      # 14x14
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # 7x7
        nn.Conv2d(64, 96, 3, padding=1), nn.ReLU(),
        nn.Conv2d(96, 96, 3, padding=1), nn.ReLU(),
        nn.Conv2d(96, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),     # 3x3
        nn.Flatten(),
        nn.Dropout(dropout), nn.Linear(64 * 3 * 3, 256), nn.ReLU(),
        nn.Dropout(dropout), nn.Linear(256, 128), nn.ReLU(),
        nn.Linear(128, num_classes))


def evaluate(model, images, labels, batch_size):
    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(images), batch_size):
            x, y = images[i:i + batch_size], labels[i:i + batch_size]
            logits = model(x)
            loss_sum += torch.nn.functional.cross_entropy(logits, y).item() * len(x)
            correct += int(logits.argmax(1).eq(y).sum())
    model.train()
    return loss_sum / len(images), correct / len(images)


def main(argv):
    o = parse_options(argv)
    torch.manual_seed(o.seed)
    torch.set_num_threads(o.threads if o.threads > 0 else (os.cpu_count() or 1))
    files = {name: os.path.join(o.data_dir, name) for name in (
        "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
        "t10k-labels-idx1-ubyte.gz")}
    train_files = [files["train-images-idx3-ubyte.gz"], files["train-labels-idx1-ubyte.gz"]]
    test_files = [files["t10k-images-idx3-ubyte.gz"], files["t10k-labels-idx1-ubyte.gz"]]
    images = torch.from_numpy(read_idx(train_files[0], 0x803, o.train_limit).astype(np.float32) / 255.0).unsqueeze(1)
    labels = torch.from_numpy(read_idx(train_files[1], 0x801, o.train_limit).astype(np.int64))
    test_images = torch.from_numpy(read_idx(test_files[0], 0x803, o.test_limit).astype(np.float32) / 255.0).unsqueeze(1)
    test_labels = torch.from_numpy(read_idx(test_files[1], 0x801, o.test_limit).astype(np.int64))
    # The last val_fraction of the (limited) training file is the validation split.
    total = len(images)
    val_count = max(1, int(total * o.val_fraction))
    train_count = total - val_count
    train_images, train_labels = images[:train_count], labels[:train_count]
    val_images, val_labels = images[train_count:], labels[train_count:]

    model = alexnet(10, o.dropout)
    if o.optimizer == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=o.lr, momentum=o.momentum)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=o.lr)

    if o.store:
        recorder, destination = torchprov.Recorder(store=o.store, step_every=o.step_every), f"the store at {o.store}"
    elif o.endpoint:
        recorder = torchprov.Recorder(endpoint=o.endpoint, token_file=o.token_file, step_every=o.step_every)
        destination = f"the server at {o.endpoint}"
    else:
        recorder, destination = torchprov.Recorder(out=o.out, step_every=o.step_every), o.out
    with recorder:
        run = recorder.start_run(
            model, optimizer, epochs=o.epochs, experiment=o.experiment, person=o.person, program=PROGRAM,
            version="0.1.0",
            datasets=[torchprov.Dataset("fashion-mnist-train", paths=train_files, examples=train_count),
                      torchprov.Dataset("fashion-mnist-val", paths=train_files, examples=val_count),
                      torchprov.Dataset("fashion-mnist-test", paths=test_files, examples=len(test_images))],
            hyperparameters={"batch_size": o.batch_size, "train_limit": o.train_limit, "val_fraction": o.val_fraction,
                             "dropout": o.dropout, "seed": o.seed},
            sample_input=train_images[:1])
        print(f"{PROGRAM}: {train_count} train, {val_count} val, {len(test_images)} test examples; run {run}",
              flush=True)

        os.makedirs(o.checkpoint_dir, exist_ok=True)
        best_path = os.path.join(o.checkpoint_dir, "fmnist-best.pt")
        best_val_accuracy = -1.0
        # A steering request may stop the run or change its length between epochs.
        e = 0
        while e < recorder.epochs_planned and not recorder.should_stop():
            e += 1
            started = time.monotonic()
            with recorder.epoch() as epoch:
                model.train()
                order = torch.randperm(train_count)
                loss_sum, correct = 0.0, 0
                for i in range(0, train_count, o.batch_size):
                    idx = order[i:i + o.batch_size]
                    x, y = train_images[idx], train_labels[idx]
                    optimizer.zero_grad()
                    logits = model(x)
                    loss = torch.nn.functional.cross_entropy(logits, y)
                    loss.backward()
                    optimizer.step()
                    batch_loss = loss.item()
                    recorder.step(batch_loss)
                    loss_sum += batch_loss * len(x)
                    correct += int(logits.argmax(1).eq(y).sum())
                train_loss, train_accuracy = loss_sum / train_count, correct / train_count
                val_loss, val_accuracy = evaluate(model, val_images, val_labels, 512)
                epoch.metric("loss", "train", train_loss)
                epoch.metric("accuracy", "train", train_accuracy)
                epoch.metric("loss", "val", val_loss)
                epoch.metric("accuracy", "val", val_accuracy)
                if val_accuracy > best_val_accuracy:
                    best_val_accuracy = val_accuracy
                    torch.save(model.state_dict(), best_path)
                    recorder.checkpoint(best_path, best=True)
            print(f"epoch {e}/{recorder.epochs_planned}  loss {train_loss:.4f}  acc {train_accuracy:.4f}  "
                  f"val_loss {val_loss:.4f}  val_acc {val_accuracy:.4f}  ({time.monotonic() - started:.1f} s)",
                  flush=True)

        model.load_state_dict(torch.load(best_path))
        test_loss, test_accuracy = evaluate(model, test_images, test_labels, 512)
        recorder.evaluation("test", "fashion-mnist-test", {"loss": test_loss, "accuracy": test_accuracy})
        print(f"test  loss {test_loss:.4f}  acc {test_accuracy:.4f}  (best checkpoint {best_path})")
        stats = recorder.stats()
    print(f"provenance: {destination} (run {run}, {stats['enqueued']} events, {stats['dropped']} dropped)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, ValueError) as error:
        print(f"{PROGRAM}: {error}", file=sys.stderr)
        sys.exit(1)
