#!/usr/bin/python3
"""Comparisons for the client tests (Debian's /usr/bin/python3 with rdflib), as the
W3C SPARQL test rules compare answers.

  compare.py results A.json B.json [--query Q.rq] [--numbers-by-value]
      SPARQL JSON results: the same variables in the same order, then the same rows:
      blank nodes equal under one bijection for the whole answer, literals by lexical
      form, datatype and language (tags case-insensitively; "x" is "x"^^xsd:string).
      Rows compare as a multiset, or in order when Q.rq has ORDER BY outside any
      sub-query (its last group).  --numbers-by-value: numeric literals of the same
      datatype compare by exact value ("1.0E0" = "1E0"), which the W3C test pages
      allow ("literal nodes compared by value"); the datatype still has to match.
  compare.py graphs A B [FORMAT]
      RDF graphs / datasets isomorphic, graph by graph, literals by lexical form
      (format from the extension: nt nq ttl trig).
Exit status 0 when equal; differences are printed.
"""
import json
import re
import sys
from collections import Counter
from decimal import Decimal, InvalidOperation

XSD = "http://www.w3.org/2001/XMLSchema#"
INTEGERS = {XSD + t for t in ("integer", "long", "int", "short", "byte", "nonNegativeInteger", "positiveInteger",
                               "negativeInteger", "nonPositiveInteger", "unsignedLong", "unsignedInt",
                               "unsignedShort", "unsignedByte")}
NUMERIC = INTEGERS | {XSD + "decimal", XSD + "double", XSD + "float"}


def exact_value(lexical, datatype):
    """The number a numeric literal denotes, exactly (None when it is not one)."""
    text = lexical.strip()
    try:
        if datatype in (XSD + "double", XSD + "float"):
            special = {"INF": "Infinity", "+INF": "Infinity", "-INF": "-Infinity", "NaN": "NaN"}
            value = float(special.get(text, text))
            if datatype == XSD + "float":
                import struct
                value = struct.unpack("f", struct.pack("f", value))[0]
            return ("float", value)
        return ("decimal", Decimal(text))
    except (InvalidOperation, ValueError, OverflowError):
        return None


def term_key(t, numbers_by_value):
    """A comparable form of one JSON term; blank nodes keep their label (matched later)."""
    if t is None:
        return ("unbound",)
    kind = t["type"]
    if kind == "uri":
        return ("uri", t["value"])
    if kind == "bnode":
        return ("bnode", t["value"])
    datatype = t.get("datatype")
    lang = t.get("xml:lang")
    if lang:
        return ("lit", t["value"], None, lang.lower())
    if datatype == XSD + "string":
        datatype = None
    if numbers_by_value and datatype in NUMERIC:
        value = exact_value(t["value"], datatype)
        if value is not None:
            return ("num", datatype, value)
    return ("lit", t["value"], datatype, None)


def match_rows(rows_a, rows_b, ordered):
    """A bijection between the blank nodes of the two answers under which the rows are
    equal (as sequences when ordered, as multisets otherwise), or None."""
    if len(rows_a) != len(rows_b):
        return None

    def fits(row_a, row_b, mapping, used):
        new = {}
        for x, y in zip(row_a, row_b):
            if (x[0] == "bnode") != (y[0] == "bnode"):
                return None
            if x[0] != "bnode":
                if x != y:
                    return None
                continue
            want = mapping.get(x[1], new.get(x[1]))
            if want is None:
                if y[1] in used or y[1] in new.values():
                    return None
                new[x[1]] = y[1]
            elif want != y[1]:
                return None
        return new

    if ordered:
        mapping, used = {}, set()
        for row_a, row_b in zip(rows_a, rows_b):
            new = fits(row_a, row_b, mapping, used)
            if new is None:
                return None
            mapping.update(new)
            used.update(new.values())
        return mapping

    # Rows without blank nodes must agree as multisets; the others are matched by search.
    plain = lambda rows: Counter(r for r in rows if not any(x[0] == "bnode" for x in r))
    if plain(rows_a) != plain(rows_b):
        return None
    with_a = [r for r in rows_a if any(x[0] == "bnode" for x in r)]
    with_b = [r for r in rows_b if any(x[0] == "bnode" for x in r)]
    taken = [False] * len(with_b)

    def search(i, mapping, used):
        if i == len(with_a):
            return mapping
        for j, row_b in enumerate(with_b):
            if taken[j]:
                continue
            new = fits(with_a[i], row_b, mapping, used)
            if new is None:
                continue
            taken[j] = True
            found = search(i + 1, {**mapping, **new}, used | set(new.values()))
            if found is not None:
                return found
            taken[j] = False
        return None

    return search(0, {}, set())


def query_is_ordered(path):
    """ORDER BY in the query's own solution modifiers (after its last closing brace)."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', " ", text)
    return re.search(r"\border\s+by\b", text[text.rfind("}") + 1:], re.IGNORECASE) is not None


def answer(doc, numbers_by_value):
    if "boolean" in doc:
        return ("ask", doc["boolean"], None)
    variables = doc["head"].get("vars", [])
    rows = [tuple(term_key(b.get(v), numbers_by_value) for v in variables) for b in doc["results"]["bindings"]]
    return ("select", variables, rows)


def compare_results(a, b, query=None, numbers_by_value=False):
    ka, va, ra = answer(json.load(open(a)), numbers_by_value)
    kb, vb, rb = answer(json.load(open(b)), numbers_by_value)
    if ka != kb:
        print(f"  differ: a {ka} answer vs a {kb} answer")
        return 1
    if ka == "ask":
        if va != vb:
            print(f"  differ: {va} vs {vb}")
            return 1
        print(f"  same boolean ({va})")
        return 0
    if va != vb:
        print(f"  variables differ: {va} vs {vb}")
        return 1
    ordered = query is not None and query_is_ordered(query)
    if match_rows(ra, rb, ordered) is not None:
        print(f"  same results ({len(ra)} rows{', in order' if ordered else ''}"
              f"{', numbers by value' if numbers_by_value else ''})")
        return 0
    if match_rows(ra, rb, False) is not None:
        print(f"  the same rows in another order (the query has ORDER BY):")
        for i, (x, y) in enumerate(zip(ra, rb)):
            if x != y:
                print(f"   row {i + 1}: {x} vs {y}")
                break
        return 1
    strip = lambda rows: Counter(tuple(("bnode",) if x[0] == "bnode" else x for x in r) for r in rows)
    only_a, only_b = strip(ra) - strip(rb), strip(rb) - strip(ra)
    print(f"  differ: {len(ra)} rows in {a}, {len(rb)} in {b}; "
          f"{sum(only_a.values())} only in the first, {sum(only_b.values())} only in the second")
    for r in list(only_a)[:5]:
        print("   <", r)
    for r in list(only_b)[:5]:
        print("   >", r)
    if not only_a and not only_b:
        print("   (blank nodes cannot be matched by one bijection)")
    return 1


FORMATS = {"nt": "nt", "nq": "nquads", "ttl": "turtle", "trig": "trig"}


def load(path, fmt=None):
    import rdflib
    # Keep literals as written: rdflib would otherwise turn "01"^^xsd:integer into "1".
    rdflib.NORMALIZE_LITERALS = False
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
        args = sys.argv[2:]
        by_value = "--numbers-by-value" in args
        args = [x for x in args if x != "--numbers-by-value"]
        query = None
        if "--query" in args:
            i = args.index("--query")
            query = args[i + 1]
            del args[i:i + 2]
        sys.exit(compare_results(args[0], args[1], query, by_value))
    sys.exit(compare_graphs(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else None))
