#!/usr/bin/python3
"""What canned queries 02, 05 and 06 must answer for a Keras-Prov dump,
computed from the SQL alone, compared with what torchprov answers after
importing it.

The dump is read here with a few lines of its own (CREATE TABLE column lists
and COPY records), not with torchprov's reader.  Trainings of one schema are
told apart by where their epoch numbers start again from 0 (torchprov uses
the hyperparameter rows' timestamps); a learning-rate row belongs to the
training whose epochs' time span holds its timestamp; a real change is a
logged rate that differs, as a float32 (Keras keeps the rate in a float32
variable), from the rate in force.

usage: keras_prov_oracle.py DUMP.sql Q02.csv Q05.csv Q06.csv ADAPTATIONS.csv
  (the CSV files are `torchprov query --format csv` answers; ADAPTATIONS.csv
  answers SELECT (COUNT(?a) AS ?n) WHERE { ?a a dl:Adaptation })
Prints the figures it compared; exits 1 on the first difference.
"""
import csv
import re
import struct
import sys


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def read_dump(path):
    tables = {}  # (schema, table) -> {"columns": [...], "rows": [[...]]}
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    current = None
    while i < len(lines):
        line = lines[i]
        if line.startswith("sql>"):
            line = line[4:]
        m = re.match(r'\s*CREATE TABLE "([^"]+)"\."([^"]+)" \(', line)
        if m:
            columns = []
            i += 1
            while not lines[i].strip().startswith(")"):
                c = re.match(r'\s*"([^"]+)"', lines[i])
                if c:
                    columns.append(c.group(1).lower())
                i += 1
            tables[(m.group(1), m.group(2).lower())] = {"columns": columns, "rows": []}
            i += 1
            continue
        m = re.match(r"\s*COPY (\d+) RECORDS INTO \"([^\"]+)\"\.\"([^\"]+)\".*DELIMITERS '([^']+)'", line)
        if m:
            count, schema, table, delimiter = int(m.group(1)), m.group(2), m.group(3).lower(), m.group(4)
            delimiter = "\t" if delimiter == "\\t" else delimiter
            rows = tables[(schema, table)]["rows"]
            for k in range(count):
                record = lines[i + 1 + k]
                if delimiter == "\t" and "\t" not in record:
                    # Tabs turned into spaces (a dump copied from a terminal).
                    fields = re.findall(r'"[^"]*"|\S+', record)
                else:
                    fields = [f.strip() for f in record.split(delimiter)]
                rows.append([None if f == "NULL" else f.strip('"') for f in fields])
            i += 1 + count
            continue
        i += 1
    return tables


def as_dicts(table):
    return [dict(zip(table["columns"], row)) for row in table["rows"]]


def expected(path):
    tables = read_dump(path)
    schemas = sorted({s for (s, t) in tables if t in ("ds_itrainingmodel", "ds_otrainingmodel")})
    runs = []
    for schema in schemas:
        hyper = as_dicts(tables[(schema, "ds_itrainingmodel")]) if (schema, "ds_itrainingmodel") in tables else [{}]
        epochs = sorted(as_dicts(tables[(schema, "ds_otrainingmodel")]), key=lambda r: int(r["id"]))
        # Split where the epoch number starts again.
        groups, last = [], None
        for r in epochs:
            e = int(float(r.get("epoch", r.get("epoch_id"))))
            if last is None or e <= last:
                groups.append([])
            groups[-1].append(r)
            last = e
        if len(groups) != len(hyper):
            sys.exit(f"oracle: {schema}: {len(groups)} epoch sequences, {len(hyper)} hyperparameter rows")
        adapt = as_dicts(tables[(schema, "ds_oadaptation")]) if (schema, "ds_oadaptation") in tables else []
        for h, group in zip(hyper, groups):
            def val(r, name):
                for key in (name, {"accuracy": "acc", "val_accuracy": "val_acc"}.get(name, name)):
                    if key in r and r[key] is not None:
                        return float(r[key])
                return None
            by_epoch = {int(float(r["epoch"])): r for r in group}
            t0 = float(group[0]["timestamp"]) - float(group[0]["elapsed_time"])
            t1 = float(group[-1]["timestamp"])
            rows = sorted((r for r in adapt if t0 <= float(r["timestamp"]) <= t1 + 30),
                          key=lambda r: (float(r["epoch_id"]), int(r["id"])))
            rate = float(h["learning_rate"]) if h.get("learning_rate") else None
            changes = []
            for r in rows:
                new = float(r["new_lrate"])
                if f32(new) != f32(rate):
                    changes.append((int(float(r["epoch_id"])) + 1, rate, new))
                    rate = new
            optimizer = h.get("optimizer_name")
            momentum = float(h["momentum"]) if h.get("momentum") and optimizer == "SGD" else None
            runs.append({
                "experiment": schema,
                "best": max(val(r, "val_accuracy") for r in group),
                "optimizer": optimizer,
                "lr": float(h["learning_rate"]) if h.get("learning_rate") else None,
                "batch": int(float(h["batch_size"])) if h.get("batch_size") else None,
                "momentum": momentum,
                "epochs": max(by_epoch) + 1,
                "changes": changes,
                "val": {(e + 1, m): val(r, "val_" + m) for e, r in by_epoch.items() for m in ("loss", "accuracy")},
                "elapsed": [(e + 1, float(r["elapsed_time"])) for e, r in sorted(by_epoch.items())],
            })
    return runs


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def num(text):
    return float(text) if text not in (None, "") else None


def same(name, want, got):
    if sorted(want, key=repr) != sorted(got, key=repr):
        print(f"FAIL: {name}")
        print("  from the SQL:   ", sorted(want, key=repr)[:6], f"... ({len(want)})")
        print("  from torchprov: ", sorted(got, key=repr)[:6], f"... ({len(got)})")
        missing = [w for w in want if w not in got][:3]
        extra = [g for g in got if g not in want][:3]
        print("  missing:", missing, " unexpected:", extra)
        sys.exit(1)
    print(f"ok: {name}: {len(want)} rows equal")


def main():
    dump, q02, q05, q06, count = sys.argv[1:6]
    runs = expected(dump)
    # 02: the ranking (best val accuracy with the initial hyperparameters).
    want = [(r["experiment"], r["best"], r["optimizer"], r["lr"], r["batch"], r["momentum"], r["epochs"]) for r in runs]
    got = [(row["experiment"], num(row["bestValue"]), row["optimizer"] or None, num(row["learningRate"]),
            int(num(row["batchSize"])) if row["batchSize"] else None, num(row["momentum"]), int(num(row["epochs"])))
           for row in read_csv(q02)]
    same("02 runs ranked by best validation accuracy", want, got)
    ranked = [num(row["bestValue"]) for row in read_csv(q02)]
    if ranked != sorted(ranked, reverse=True):
        sys.exit("FAIL: 02 is not ordered by best value")
    # 05: val loss and accuracy before and after each real change.
    want = []
    for r in runs:
        for epoch, old, new in r["changes"]:
            for m in ("loss", "accuracy"):
                before = r["val"].get((epoch - 1, m))
                if before is None:
                    continue
                want.append((epoch, old, new, m, before, r["val"].get((epoch, m))))
    got = [(int(num(row["adaptationEpoch"])), num(row["oldLearningRate"]), num(row["newLearningRate"]), row["metric"],
            num(row["before"]), num(row["after"])) for row in read_csv(q05)]
    same("05 metric before and after each learning-rate change", want, got)
    agents = {row["agentName"] for row in read_csv(q05)}
    if agents and agents != {"keras.callbacks.LearningRateScheduler"}:
        sys.exit(f"FAIL: 05 names the agents {agents}, not the Keras scheduler")
    # 06: seconds per epoch.
    want = [(e, s) for r in runs for e, s in r["elapsed"]]
    got = [(int(num(row["epoch"])), num(row["seconds"])) for row in read_csv(q06)]
    same("06 time per epoch", want, got)
    # Adaptations: one per real change of the rate.
    changes = sum(len(r["changes"]) for r in runs)
    adaptations = int(num(read_csv(count)[0]["n"]))
    print(f"learning-rate changes in the SQL: {changes}; dl:Adaptation in the store: {adaptations}")
    if changes != adaptations:
        sys.exit("FAIL: adaptations differ from the real changes of the rate")


if __name__ == "__main__":
    main()
