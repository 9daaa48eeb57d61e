#!/usr/bin/python3
"""scale.py's check that the front and Virtuoso give the same answer, on hand-made
SPARQL JSON answers: equal ones (rows in another order, a number spelled another way,
blank nodes renamed) and ones that differ in one way each.  The study only runs with
Virtuoso and minutes of data, so its comparison is tested here on its own.

usage: same_answer_test.py   (exit 0 when every case gives the expected verdict)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scale  # noqa: E402

XSD = "http://www.w3.org/2001/XMLSchema#"


def select(variables, rows):
    return json.dumps({"head": {"vars": variables},
                       "results": {"bindings": [{v: t for v, t in zip(variables, row) if t is not None}
                                                for row in rows]}})


def iri(v):
    return {"type": "uri", "value": "http://example.org/" + v}


def num(v, datatype="integer"):
    return {"type": "literal", "value": v, "datatype": XSD + datatype}


def bnode(label):
    return {"type": "bnode", "value": label}


cases = [
    ("the same rows in another order", True,
     select(["run", "n"], [[iri("a"), num("1")], [iri("b"), num("2")]]),
     select(["run", "n"], [[iri("b"), num("2")], [iri("a"), num("1")]])),
    ("a decimal spelled another way", True,
     select(["v"], [[num("0.50", "decimal")]]), select(["v"], [[num("0.5", "decimal")]])),
    ("blank nodes renamed", True,
     select(["x"], [[bnode("b0")], [bnode("b1")]]), select(["x"], [[bnode("z9")], [bnode("z8")]])),
    ("ASK, both true", True, json.dumps({"head": {}, "boolean": True}), json.dumps({"head": {}, "boolean": True})),
    ("one value differs", False,
     select(["run", "n"], [[iri("a"), num("1")]]), select(["run", "n"], [[iri("a"), num("2")]])),
    ("a row missing", False,
     select(["n"], [[num("1")], [num("1")]]), select(["n"], [[num("1")]])),
    ("the variables differ", False, select(["a"], []), select(["b"], [])),
    ("an unbound value against a bound one", False,
     select(["a"], [[None]]), select(["a"], [[num("1")]])),
    ("one blank node for two", False,
     select(["x", "y"], [[bnode("b0"), bnode("b1")]]), select(["x", "y"], [[bnode("z"), bnode("z")]])),
    ("ASK, true against false", False,
     json.dumps({"head": {}, "boolean": True}), json.dumps({"head": {}, "boolean": False})),
]

failures = 0
for name, expected, front, direct in cases:
    same, why = scale.same_answer(front, direct)
    ok = same == expected and (same or why)
    print("%s  %s%s" % ("ok  " if ok else "FAIL", name, "" if same else " (" + why + ")"))
    failures += not ok
print("%d of %d cases as expected" % (len(cases) - failures, len(cases)))
sys.exit(1 if failures else 0)
