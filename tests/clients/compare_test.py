#!/usr/bin/python3
"""The rules of compare.py, the Jena comparison's oracle, on hand-made answers that
must compare equal and answers that must not (one difference each): blank nodes
under one bijection, literals by lexical form and datatype, numbers by value only
when asked and only within one datatype, rows in order under ORDER BY, the head's
variables in order, graphs up to blank-node renaming.  compare.py runs as the
client tests run it, a process with files.

usage: compare_test.py   (exit 0 when every case gives the expected verdict)
"""
import json
import os
import subprocess
import sys
import tempfile

COMPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "compare.py")
XSD = "http://www.w3.org/2001/XMLSchema#"
work = tempfile.mkdtemp(prefix="torchprov-compare-test-")
failures = []


def iri(v):
    return {"type": "uri", "value": "http://example.org/" + v}


def bnode(label):
    return {"type": "bnode", "value": label}


def lit(v, datatype=None):
    return {"type": "literal", "value": v, **({"datatype": XSD + datatype} if datatype else {})}


def select(variables, rows):
    return {"head": {"vars": variables},
            "results": {"bindings": [{v: t for v, t in zip(variables, row) if t is not None} for row in rows]}}


def write(name, text):
    path = os.path.join(work, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def verdict(name, want_equal, args):
    done = subprocess.run([sys.executable, COMPARE, *args], capture_output=True, text=True)
    equal = done.returncode == 0
    ok = equal == want_equal and done.returncode in (0, 1)
    print(("ok   " if ok else "FAIL ") + f"{name}: {'equal' if equal else 'different'}"
          + ("" if ok else f" (exit {done.returncode}) {done.stdout.strip()} {done.stderr.strip()[-300:]}"))
    if not ok:
        failures.append(name)


def results(name, want_equal, a, b, query=None, by_value=False):
    args = ["results", write(name + ".a.json", json.dumps(a)), write(name + ".b.json", json.dumps(b))]
    if query is not None:
        args += ["--query", write(name + ".rq", query)]
    if by_value:
        args.append("--numbers-by-value")
    verdict(name, want_equal, args)


def graphs(name, want_equal, a, b, ext="nt"):
    verdict(name, want_equal, ["graphs", write(f"{name}.a.{ext}", a), write(f"{name}.b.{ext}", b)])


# Blank nodes: one bijection for the whole answer.
shared = select(["s", "o"], [[bnode("a"), iri("x")], [bnode("a"), iri("y")]])
results("blank nodes renamed consistently", True, shared,
        select(["s", "o"], [[bnode("z"), iri("x")], [bnode("z"), iri("y")]]))
results("one blank node against two (no bijection)", False, shared,
        select(["s", "o"], [[bnode("p"), iri("x")], [bnode("q"), iri("y")]]))
results("a blank node against an IRI", False, shared,
        select(["s", "o"], [[iri("a"), iri("x")], [iri("a"), iri("y")]]))

# Literals: lexical form, datatype, language.
one = select(["n"], [[lit("1", "integer")]])
results("the same typed literal", True, one, select(["n"], [[lit("1", "integer")]]))
results("xsd:integer against xsd:decimal", False, one, select(["n"], [[lit("1", "decimal")]]))
results("typed against plain", False, one, select(["n"], [[lit("1")]]))
results("plain is xsd:string", True, select(["n"], [[lit("x")]]), select(["n"], [[lit("x", "string")]]))
results("language tags case-insensitively", True, select(["n"], [[{"type": "literal", "value": "x", "xml:lang": "en-GB"}]]),
        select(["n"], [[{"type": "literal", "value": "x", "xml:lang": "en-gb"}]]))
results("another language", False, select(["n"], [[{"type": "literal", "value": "x", "xml:lang": "en"}]]),
        select(["n"], [[{"type": "literal", "value": "x", "xml:lang": "de"}]]))
double_e = select(["d"], [[lit("1.0E0", "double")]])
double_bare = select(["d"], [[lit("1E0", "double")]])
results("a double spelled otherwise", False, double_e, double_bare)
results("a double spelled otherwise, numbers by value", True, double_e, double_bare, by_value=True)
results("numbers by value keep the datatype", False, select(["d"], [[lit("1", "integer")]]),
        select(["d"], [[lit("1.0", "decimal")]]), by_value=True)
results("numbers by value are exact", False, select(["d"], [[lit("0.1", "decimal")]]),
        select(["d"], [[lit("0.10000000000001", "decimal")]]), by_value=True)

# Rows: a multiset, or a sequence under the query's own ORDER BY.
ab = select(["s"], [[iri("a")], [iri("b")]])
ba = select(["s"], [[iri("b")], [iri("a")]])
results("rows in another order, no ORDER BY", True, ab, ba, query="SELECT ?s { ?s ?p ?o }")
results("rows in another order under ORDER BY", False, ab, ba, query="SELECT ?s { ?s ?p ?o } ORDER BY ?s")
results("ORDER BY only in a sub-query", True, ab, ba,
        query="SELECT ?s { { SELECT ?s { ?s ?p ?o } ORDER BY ?s LIMIT 2 } }")
results("ORDER BY inside a string is no ORDER BY", True, ab, ba,
        query='SELECT ?s { ?s ?p "x } ORDER BY ?s" }')
results("a row missing", False, ab, select(["s"], [[iri("a")]]))
results("a row twice", False, ab, select(["s"], [[iri("a")], [iri("a")], [iri("b")]]))
results("unbound against bound", False, select(["s", "o"], [[iri("a"), None]]), select(["s", "o"], [[iri("a"), iri("x")]]))

# The head: the same variables in the same order.
results("columns in another order", False, select(["s", "o"], [[iri("a"), iri("x")]]),
        select(["o", "s"], [[iri("x"), iri("a")]]))
results("the same bindings under a head in another order", False, select(["s", "o"], [[iri("a"), iri("a")]]),
        select(["o", "s"], [[iri("a"), iri("a")]]))
results("a variable more", False, select(["s"], [[iri("a")]]), select(["s", "o"], [[iri("a"), None]]))
results("ASK true against false", False, {"head": {}, "boolean": True}, {"head": {}, "boolean": False})

# Graphs: isomorphic, literals as written.
base = '<http://example.org/s> <http://example.org/p> _:b .\n_:b <http://example.org/q> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
graphs("graph with blank nodes renamed", True, base, base.replace("_:b", "_:other"))
graphs("graph with a triple missing", False, base, base.splitlines(True)[0])
graphs("graph with a literal's datatype changed", False, base, base.replace("#integer", "#decimal"))
graphs("graph with a literal spelled otherwise", False, base, base.replace('"1"', '"01"'))
graphs("dataset with a triple in another graph", False,
       '<http://example.org/s> <http://example.org/p> <http://example.org/o> <http://example.org/g1> .\n',
       '<http://example.org/s> <http://example.org/p> <http://example.org/o> <http://example.org/g2> .\n', ext="nq")

print(f"{len(failures)} cases wrong: {failures}" if failures else "every case as the rules say")
sys.exit(1 if failures else 0)
