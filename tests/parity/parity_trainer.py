#!/usr/bin/python3
"""The parity training, Python side: the same small CNN, data, optimizer,
schedule and hooks as parity_trainer.cpp, recorded through the torchprov
package.  Three runs of one experiment (seeds 1, 2, 3).

usage: parity_trainer.py OUT.trig CHECKPOINT_DIR
"""
import os
import sys

import torch

import torchprov

out, checkpoints = sys.argv[1], sys.argv[2]
torch.set_num_threads(1)
EPOCHS, BATCHES, BATCH_SIZE, LR = 5, 6, 16, 0.5
os.makedirs(checkpoints, exist_ok=True)
data_file = os.path.join(checkpoints, "data.bin")
with open(data_file, "w") as f:
    f.write("synthetic 8x8 images, random labels\n")

rec = torchprov.Recorder(out=out, step_every=4)
for seed in (1, 2, 3):
    torch.manual_seed(seed)
    x = torch.randn(BATCHES * BATCH_SIZE, 1, 8, 8)
    y = torch.randint(0, 4, (BATCHES * BATCH_SIZE,))
    val_x = torch.randn(32, 1, 8, 8)
    val_y = torch.randint(0, 4, (32,))
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 8 * 8, 4))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    rec.start_run(model, optimizer, epochs=EPOCHS, experiment="parity", person="parity-tester",
                  program="parity-trainer", version="1", git_commit="parity",
                  datasets=[torchprov.Dataset("parity-train", path=data_file, examples=BATCHES * BATCH_SIZE),
                            torchprov.Dataset("parity-val", path=data_file, examples=32)],
                  hyperparameters={"batch_size": BATCH_SIZE, "seed": seed}, sample_input=x[:1])
    best = float("inf")
    for e in range(1, 1000):
        if e > rec.epochs_planned or rec.should_stop():
            break
        with rec.epoch() as ep:
            loss_sum, correct = 0.0, 0
            for b in range(BATCHES):
                xb, yb = x[b * BATCH_SIZE:(b + 1) * BATCH_SIZE], y[b * BATCH_SIZE:(b + 1) * BATCH_SIZE]
                optimizer.zero_grad()
                logits = model(xb)
                loss = torch.nn.functional.cross_entropy(logits, yb)
                loss.backward()
                optimizer.step()
                rec.step(loss)
                loss_sum += loss.item()
                correct += int(logits.argmax(1).eq(yb).sum())
            with torch.no_grad():
                val_logits = model(val_x)
                val_loss = torch.nn.functional.cross_entropy(val_logits, val_y)
                val_accuracy = val_logits.argmax(1).eq(val_y).sum() / 32.0
            ep.metric("loss", "train", loss_sum / BATCHES)
            ep.metric("accuracy", "train", correct / (BATCHES * BATCH_SIZE))
            ep.metric("loss", "val", val_loss)            # 0-d tensors, read by the package
            ep.metric("accuracy", "val", val_accuracy)
            checkpoint = os.path.join(checkpoints, f"{seed}-{e}.pt")
            torch.save(model.state_dict(), checkpoint)
            rec.checkpoint(checkpoint, best=float(val_loss) < best)
            best = min(best, float(val_loss))
            print(f"seed {seed} epoch {e} loss {loss_sum / BATCHES:.9g} val_loss {float(val_loss):.9g} "
                  f"val_acc {float(val_accuracy):.9g}", flush=True)
        schedule.step()
    with torch.no_grad():
        test_loss = torch.nn.functional.cross_entropy(model(val_x), val_y)
    rec.evaluation("test", "parity-val", {"loss": test_loss})
    rec.end_run()
rec.close()
