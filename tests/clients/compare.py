#!/usr/bin/python3
"""Comparisons for the client tests (Debian's /usr/bin/python3 with rdflib).

  compare.py results A.json B.json      SPARQL JSON results: same multiset of rows
                                         (numbers compared by value), or same boolean
  compare.py graphs A B [FORMAT]         RDF graphs / datasets isomorphic
                                         (format from the extension: nt nq ttl trig)
Exit status 0 when equal; differences are printed.
"""
import json
import sys
from collections import Counter
from decimal import Decimal, InvalidOperation

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "long", "int", "short", "byte",
                              "nonNegativeInteger", "positiveInteger", "negativeInteger",
                              "nonPositiveInteger", "unsignedLong", "unsignedInt")}


def term_key(t):
    if t is None:
        return ("unbound",)
    kind = t["type"]
    if kind == "uri":
        return ("uri", t["value"])
    if kind == "bnode":
        return ("bnode",)
    dt = t.get("datatype")
    if dt in NUMERIC:
        try:
            v = Decimal(t["value"].strip())
            # doubles printed with different digit counts compare equal
            return ("num", float(f"{float(v):.12g}"))
        except (InvalidOperation, ValueError):
            return ("lit", t["value"], dt)
    if dt == XSD + "string":
        dt = None
    lang = t.get("xml:lang")
    return ("lit", t["value"], dt, lang.lower() if lang else None)


def rows(doc):
    if "boolean" in doc:
        return ("ask", doc["boolean"])
    variables = doc["head"].get("vars", [])
    return ("select", sorted(variables),
            Counter(tuple(term_key(b.get(v)) for v in sorted(variables)) for b in doc["results"]["bindings"]))


def compare_results(a, b):
    ra, rb = rows(json.load(open(a))), rows(json.load(open(b)))
    if ra == rb:
        n = "boolean" if ra[0] == "ask" else f"{sum(ra[2].values())} rows"
        print(f"  same results ({n})")
        return 0
    if ra[0] != rb[0] or ra[:2] != rb[:2]:
        print(f"  differ: {ra[:2]} vs {rb[:2]}")
        return 1
    only_a, only_b = ra[2] - rb[2], rb[2] - ra[2]
    print(f"  differ: {sum(only_a.values())} rows only in {a}, {sum(only_b.values())} only in {b}")
    for r in list(only_a)[:5]:
        print("   <", r)
    for r in list(only_b)[:5]:
        print("   >", r)
    return 1


FORMATS = {"nt": "nt", "nq": "nquads", "ttl": "turtle", "trig": "trig"}


def load(path, fmt=None):
    import rdflib
    fmt = fmt or FORMATS[path.rsplit(".", 1)[-1]]
    if fmt in ("nquads", "trig"):
        ds = rdflib.Dataset()
        ds.parse(path, format=fmt)
        return ds
    g = rdflib.Graph()
    g.parse(path, format=fmt)
    return g


def graphs_of(x):
    """{graph name: set of triples} for a Dataset, {None: graph} for a Graph."""
    import rdflib
    if isinstance(x, rdflib.Dataset):
        out = {}
        for s, p, o, g in x.quads((None, None, None, None)):
            g = getattr(g, "identifier", g)
            # rdflib 6 files default-graph triples under the source's file: IRI
            name = None if g is None or str(g).startswith(("urn:x-rdflib:", "file://")) else str(g)
            out.setdefault(name, rdflib.Graph()).add((s, p, o))
        return out
    return {None: x}


def compare_graphs(a, b, fmt=None):
    from rdflib.compare import to_isomorphic, graph_diff
    ga, gb = graphs_of(load(a, fmt)), graphs_of(load(b, fmt))
    status = 0
    if set(ga) != set(gb):
        print(f"  graph names differ: {sorted(map(str, set(ga) ^ set(gb)))}")
        status = 1
    for name in sorted(set(ga) & set(gb), key=str):
        ia, ib = to_isomorphic(ga[name]), to_isomorphic(gb[name])
        if ia != ib:
            _, only_a, only_b = graph_diff(ia, ib)
            print(f"  graph {name or 'DEFAULT'} differs: {len(only_a)} triples only in {a}, {len(only_b)} only in {b}")
            for t in list(only_a)[:5]:
                print("   <", t)
            for t in list(only_b)[:5]:
                print("   >", t)
            status = 1
    if status == 0:
        print(f"  isomorphic ({len(ga)} graphs, {sum(len(g) for g in ga.values())} triples)")
    return status


if __name__ == "__main__":
    if sys.argv[1] == "results":
        sys.exit(compare_results(sys.argv[2], sys.argv[3]))
    sys.exit(compare_graphs(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
