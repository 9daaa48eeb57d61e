#!/usr/bin/python3
"""Writes a small MonetDB SQL dump in the shape Keras-Prov and DNNProv
(through DfAnalyzer) leave behind, for the import tests.

Two dataflows in the style of an msqldump (fields separated by '|', one
training per dataflow schema, functions with BEGIN ... END bodies, a
step-decay learning-rate schedule whose rate is logged again on every epoch)
and one in the style of mclient's \\D (fields separated by tabs, "sql>"
prompts, three trainings in one schema told apart by their timestamps,
layers, test results, an extra hyperparameter and metric column, an unknown
table).  Values come from a seeded generator: the same arguments give the
same file.

usage: make_keras_prov_dump.py OUT.sql [--epochs N] [--seed S]
       [--break short-copy|duplicate-epoch|not-sql|bad-number]
"""
import argparse
import random
import struct


def float32(x):
    """The float32 value Keras keeps, widened back to a double."""
    return struct.unpack("f", struct.pack("f", x))[0]


def q(text):
    return '"' + text + '"'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--break", dest="broken", default=None)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    n = args.epochs
    lines = []
    add = lines.append

    # ---- msqldump style: two dataflow schemas, '|' delimiters
    flows = [("lenet-df-1", "Adam", 0.002, 64), ("lenet-df-2", "SGD", 0.01, 32)]
    for tag, _, _, _ in flows:
        add(f'CREATE SCHEMA "{tag}" AUTHORIZATION "monetdb";')
        add(f'ALTER USER "monetdb" SET SCHEMA "{tag}";')
        add("")
    add('CREATE SCHEMA "public" AUTHORIZATION "monetdb";')
    add('START TRANSACTION;')
    add('SET SCHEMA "public";')
    add('CREATE SEQUENCE "public"."df_id_seq" AS INTEGER;')
    add('CREATE TABLE "public"."dataflow" (')
    add('"id" INTEGER NOT NULL DEFAULT next value for "public"."df_id_seq",')
    add('"tag" VARCHAR(50) NOT NULL,')
    add('CONSTRAINT "dataflow_id_pkey" PRIMARY KEY ("id")')
    add(');')
    add(f"COPY 3 RECORDS INTO \"public\".\"dataflow\" FROM stdin USING DELIMITERS '|','\\n','\"';")
    add('1|"lenet-df-1"')
    add('2|"lenet-df-2"')
    add('3|"alexnet-nofilter"')
    add('CREATE TABLE "public"."task" (')
    add('"id" INTEGER NOT NULL,')
    add('"identifier" INTEGER NOT NULL,')
    add('"status" VARCHAR(10),')
    add('"computing_resource" VARCHAR(100),')
    add('CONSTRAINT "task_id_pkey" PRIMARY KEY ("id")')
    add(');')
    add(f"COPY 4 RECORDS INTO \"public\".\"task\" FROM stdin USING DELIMITERS '|','\\n','\"';")
    add('1|1|"FINISHED"|"null"')
    add('3|1|"FINISHED"|"gpu-node-3"')
    add('5|2|"RUNNING"|"null"')
    add('7|1|"FINISHED"|"null"')
    add("create function insertdataflow (v_tag varchar(50))")
    add("returns integer")
    add("begin")
    add(" declare v_df_id integer;")
    add(" select df.id into v_df_id from dataflow df where df.tag=v_tag;")
    add(" if(v_df_id is null) then")
    add(' select next value for "df_id_seq" into v_df_id;')
    add(" insert into dataflow(id,tag) values (v_df_id,v_tag);")
    add(" end if;")
    add(" return v_df_id;")
    add("end;")
    add("COMMIT;")
    add("")

    clock = 1604881139.0
    for k, (tag, optimizer, lr, batch) in enumerate(flows):
        task = 1 + 2 * k
        add("START TRANSACTION;")
        add(f'SET SCHEMA "{tag}";')
        add(f'CREATE TABLE "{tag}"."ds_itrainingmodel" (')
        add(f'"id" INTEGER NOT NULL DEFAULT next value for "{tag}"."itrainingmodel_id_seq",')
        add('"trainingmodel_task_id" INTEGER,')
        add('"optimizer_name" VARCHAR(500),')
        add('"learning_rate" DOUBLE,')
        add('"momentum" DOUBLE,')
        add('"num_epochs" DOUBLE,')
        add('"batch_size" DOUBLE,')
        add(f'CONSTRAINT "ds_itrainingmodel_id_pkey" PRIMARY KEY ("id")')
        add(');')
        add(f"COPY 1 RECORDS INTO \"{tag}\".\"ds_itrainingmodel\" FROM stdin USING DELIMITERS '|','\\n','\"';")
        momentum = 0.9 if optimizer == "SGD" else 0
        add(f'1|{task}|"{optimizer}"|{float32(lr)!r}| {momentum}| {n}| {batch}')
        add(f'CREATE TABLE "{tag}"."ds_otrainingmodel" (')
        add('"id" INTEGER NOT NULL,')
        add('"trainingmodel_task_id" INTEGER,')
        add('"adaptation_task_id" INTEGER,')
        add('"timestamp" VARCHAR(500),')
        add('"elapsed_time" VARCHAR(500),')
        add('"loss" DOUBLE,')
        add('"accuracy" DOUBLE,')
        add('"val_loss" DOUBLE,')
        add('"val_accuracy" DOUBLE,')
        add('"epoch" DOUBLE,')
        add('CONSTRAINT "ds_otrainingmodel_id_pkey" PRIMARY KEY ("id")')
        add(');')
        add(f"COPY {n} RECORDS INTO \"{tag}\".\"ds_otrainingmodel\" FROM stdin USING DELIMITERS '|','\\n','\"';")
        epoch_rows = []
        for e in range(n):
            elapsed = 9.5 + rnd.random()
            clock += elapsed
            epoch_rows.append(clock)
            row = (f'{e + 1}|{task}|{task + 1}|"{clock!r}"|"{elapsed!r}"|{rnd.uniform(0.5, 3)!r}|'
                   f'{rnd.uniform(0.1, 0.9)!r}| {rnd.uniform(0.5, 3)!r}|{rnd.uniform(0.1, 0.9)!r}| {e}')
            if args.broken == "bad-number" and k == 1 and e == 3:
                row = row.replace(f"| {e}", "| three")
            if args.broken == "duplicate-epoch" and k == 1 and e == 5:
                row = row[: row.rfind("|")] + f"| {e - 1}"
            add(row)
        # step decay every 4 epochs, logged again on every epoch after the first drop
        add(f'CREATE TABLE "{tag}"."ds_oadaptation" (')
        add('"id" INTEGER NOT NULL,')
        add('"adaptation_task_id" INTEGER,')
        add('"new_lrate" DOUBLE,')
        add('"timestamp" VARCHAR(500),')
        add('"epoch_id" DOUBLE,')
        add('"adaptation_id" DOUBLE,')
        add('CONSTRAINT "ds_oadaptation_id_pkey" PRIMARY KEY ("id")')
        add(');')
        # lenet-df-1 logs its unchanged initial rate too (a double; the
        # hyperparameter row holds Keras's float32 of it): not a change.
        rates = []
        for e in range(1 if k == 0 else 4, n):
            rates.append((e, lr * 0.5 ** (e // 4)))
        count = len(rates) if args.broken != "short-copy" or k != 0 else len(rates) + 2
        add(f"COPY {count} RECORDS INTO \"{tag}\".\"ds_oadaptation\" FROM stdin USING DELIMITERS '|','\\n','\"';")
        for i, (e, rate) in enumerate(rates):
            add(f'{i + 1}|{task + 1}|{rate!r}|"{epoch_rows[e - 1] + 0.01!r}"|{e}|{i + 1}')
        if args.broken == "short-copy" and k == 0:
            break
        add(f'create view otrainingmodel(id, loss) as select ds.id, ds.loss from ds_otrainingmodel as ds;')
        add(f'ALTER TABLE "{tag}"."ds_itrainingmodel" ADD CONSTRAINT "fk" FOREIGN KEY ("trainingmodel_task_id") '
            'REFERENCES "public"."task" ("id") ON DELETE CASCADE ON UPDATE CASCADE;')
        add("COMMIT;")
        add("")

    if args.broken == "not-sql":
        add("This line is not part of an SQL dump.")

    # ---- mclient \D style: tabs, prompts, three trainings in one schema
    if args.broken != "short-copy":
        tag = "alexnet-nofilter"
        add("sql>\\D")
        add("START TRANSACTION;")
        add(f'SET SCHEMA "{tag}";')
        add(f'CREATE TABLE "{tag}"."ds_ifilters" (')
        add('        "id"              INTEGER       NOT NULL,')
        add('        "filters_task_id" INTEGER,')
        add('        "timestamp"       VARCHAR(500),')
        add('        "dataset_name"    VARCHAR(500),')
        add('        CONSTRAINT "ds_ifilters_id_pkey" PRIMARY KEY ("id")')
        add(");")
        trainings = [("Adam", 0.001, 0.4), ("SGD", 0.001, 0.7), ("Adam", 0.0005, 0.4)]
        starts = []
        t = clock + 100
        for i in range(len(trainings)):
            starts.append(t + 5)
            t += 5 + n * 21 + 60
        add(f"COPY {len(trainings)} RECORDS INTO \"{tag}\".\"ds_ifilters\" FROM stdin USING DELIMITERS '\\t','\\n','\"';")
        for i, s in enumerate(starts):
            add(f'{i + 1}\t1\t"{s - 4.3!r}"\t"dataset"')
        add(f'CREATE TABLE "{tag}"."ds_ilayers" (')
        add('        "id"                    INTEGER       NOT NULL,')
        add('        "trainingmodel_task_id" INTEGER,')
        add('        "timestamp"             VARCHAR(500),')
        add('        "name"                  VARCHAR(500),')
        add('        "attribute_type"        VARCHAR(500),')
        add('        "value"                 VARCHAR(500),')
        add('        CONSTRAINT "ds_ilayers_id_pkey" PRIMARY KEY ("id")')
        add(");")
        add(f"COPY {3 * len(trainings)} RECORDS INTO \"{tag}\".\"ds_ilayers\" FROM stdin USING DELIMITERS '\\t','\\n','\"';")
        rid = 0
        for i, (_, _, drop) in enumerate(trainings):
            for name, kind, value in (("activation_1", "activation", "relu"), ("dropout_1", "dropout", str(drop)),
                                      ("activation_2", "activation", "softmax")):
                rid += 1
                add(f'{rid}\t7\t"{starts[i]!r}"\t"{name}"\t"{kind}"\t"{value}"')
        add(f'CREATE TABLE "{tag}"."ds_itrainingmodel" (')
        add('        "id"                    INTEGER       NOT NULL,')
        add('        "trainingmodel_task_id" INTEGER,')
        add('        "timestamp"             VARCHAR(500),')
        add('        "optimizer_name"        VARCHAR(500),')
        add('        "learning_rate"         DOUBLE,')
        add('        "decay"                 DOUBLE,')
        add('        "momentum"              DOUBLE,')
        add('        "num_epochs"            DOUBLE,')
        add('        "batch_size"            DOUBLE,')
        add('        "dropout"               DOUBLE,')
        add('        CONSTRAINT "ds_itrainingmodel_id_pkey" PRIMARY KEY ("id")')
        add(");")
        add(f"COPY {len(trainings)} RECORDS INTO \"{tag}\".\"ds_itrainingmodel\" FROM stdin USING DELIMITERS '\\t','\\n','\"';")
        for i, (opt, lr, drop) in enumerate(trainings):
            add(f'{i + 1}\t7\t"{starts[i]!r}"\t"{opt}"\t{float32(lr)!r}\t0\t0\t{n}\t64\t{drop}')
        add(f'CREATE TABLE "{tag}"."ds_otrainingmodel" (')
        add('        "id"                    INTEGER       NOT NULL,')
        add('        "trainingmodel_task_id" INTEGER,')
        add('        "adaptation_task_id"    INTEGER,')
        add('        "testingmodel_task_id"  INTEGER,')
        add('        "timestamp"             VARCHAR(500),')
        add('        "elapsed_time"          VARCHAR(500),')
        add('        "loss"                  DOUBLE,')
        add('        "acc"                   DOUBLE,')
        add('        "val_loss"              DOUBLE,')
        add('        "val_acc"               DOUBLE,')
        add('        "val_precision"         DOUBLE,')
        add('        "epoch"                 DOUBLE,')
        add('        CONSTRAINT "ds_otrainingmodel_id_pkey" PRIMARY KEY ("id")')
        add(");")
        add(f"COPY {n * len(trainings)} RECORDS INTO \"{tag}\".\"ds_otrainingmodel\" FROM stdin USING DELIMITERS '\\t','\\n','\"';")
        rid = 0
        ends = []
        for i in range(len(trainings)):
            t = starts[i]
            for e in range(n):
                elapsed = 20 + rnd.random()
                t += elapsed
                rid += 1
                adapt = "8" if e < n - 1 else "NULL"
                add(f'{rid}\t7\t{adapt}\t9\t"{t!r}"\t"{elapsed!r}"\t{rnd.uniform(0.5, 3)!r}\t{rnd.uniform(0.1, 0.9)!r}\t'
                    f'{rnd.uniform(0.5, 3)!r}\t{rnd.uniform(0.1, 0.9)!r}\t{rnd.uniform(0.1, 0.9)!r}\t{e}')
            ends.append(t)
        add(f'CREATE TABLE "{tag}"."ds_oadaptation" (')
        add('        "id"                 INTEGER       NOT NULL,')
        add('        "adaptation_task_id" INTEGER,')
        add('        "new_lrate"          DOUBLE,')
        add('        "timestamp"          VARCHAR(500),')
        add('        "epoch_id"           DOUBLE,')
        add('        "adaptation_id"      DOUBLE,')
        add('        CONSTRAINT "ds_oadaptation_id_pkey" PRIMARY KEY ("id")')
        add(");")
        drop_at = n // 2
        add(f"COPY {len(trainings)} RECORDS INTO \"{tag}\".\"ds_oadaptation\" FROM stdin USING DELIMITERS '\\t','\\n','\"';")
        for i in range(len(trainings)):
            add(f'{i + 1}\t8\t0.00025\t"{starts[i] + 21.0 * drop_at!r}"\t{drop_at}\t1')
        add(f'CREATE TABLE "{tag}"."ds_otestingmodel" (')
        add('        "id"                   INTEGER       NOT NULL,')
        add('        "testingmodel_task_id" INTEGER,')
        add('        "timestamp"            VARCHAR(500),')
        add('        "loss"                 DOUBLE,')
        add('        "accuracy"             DOUBLE,')
        add('        CONSTRAINT "ds_otestingmodel_id_pkey" PRIMARY KEY ("id")')
        add(");")
        add(f"COPY {len(trainings)} RECORDS INTO \"{tag}\".\"ds_otestingmodel\" FROM stdin USING DELIMITERS '\\t','\\n','\"';")
        for i in range(len(trainings)):
            add(f'{i + 1}\t9\t"{ends[i] + 1.5!r}"\t{rnd.uniform(0.5, 3)!r}\t{rnd.uniform(0.1, 0.9)!r}')
        add("COMMIT;")
        add('sql>set schema "public";')
        add("auto commit mode: on")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
