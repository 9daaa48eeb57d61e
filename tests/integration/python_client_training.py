#!/usr/bin/python3
"""A training script as a user writes it, against the torchprov package's
API only: a small CNN, torch.optim.SGD and a StepLR schedule, streaming its
provenance to a torchprov server.  It prints, per epoch, the learning rate
its own optimizer holds and the metric values it recorded (repr, exact), for
the test to compare with what the server answers.

usage: python_client_training.py ENDPOINT TOKEN_FILE EPOCHS CHECKPOINT_DIR
"""
import os
import sys
import time

import torch

import torchprov

endpoint, token_file, epochs, checkpoint_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
torch.manual_seed(3)
torch.set_num_threads(1)
x, y = torch.randn(256, 1, 8, 8), torch.randint(0, 4, (256,))
val_x, val_y = torch.randn(64, 1, 8, 8), torch.randint(0, 4, (64,))
model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten(),
                            torch.nn.Linear(4 * 8 * 8, 4))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
schedule = torch.optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
data_file = os.path.join(checkpoint_dir, "data.pt")
torch.save({"x": x, "y": y}, data_file)

rec = torchprov.Recorder(endpoint=endpoint, token_file=token_file, step_every=4)
run = rec.start_run(model, optimizer, epochs=epochs, experiment="python-client", person="ana",
                    hyperparameters={"batch_size": 32},
                    datasets=[torchprov.Dataset("train", path=data_file, examples=256)],
                    sample_input=torch.zeros(1, 1, 8, 8))
print("run", run, flush=True)
best = None
for e in range(100):
    if e >= rec.epochs_planned or rec.should_stop():
        break
    with rec.epoch() as ep:
        lr = optimizer.param_groups[0]["lr"]
        loss_sum = 0.0
        for b in range(0, 256, 32):
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(x[b:b + 32]), y[b:b + 32])
            loss.backward()
            optimizer.step()
            rec.step(loss)
            loss_sum += loss.item()
        with torch.no_grad():
            val_loss = torch.nn.functional.cross_entropy(model(val_x), val_y).item()
        train_loss = loss_sum / 8
        ep.metric("loss", "train", train_loss)
        ep.metric("loss", "val", val_loss)
        if best is None or val_loss < best:
            best = val_loss
            path = os.path.join(checkpoint_dir, "best.pt")
            torch.save(model.state_dict(), path)
            rec.checkpoint(path, best=True)
        print(f"epoch {ep.number} lr {lr!r} loss {train_loss!r} val_loss {val_loss!r}", flush=True)
        time.sleep(1.0)  # a person watching has time to act
    schedule.step()
rec.evaluation("test", "train", {"loss": val_loss})
rec.end_run()
print("done", flush=True)
