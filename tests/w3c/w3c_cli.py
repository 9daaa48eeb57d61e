#!/usr/bin/python3
"""The W3C SPARQL 1.1 test suite run the way a user runs torchprov.

  cli       data loaded with `torchprov import`, queries run with `torchprov query --file`,
            updates with `torchprov update --file` and the store read back with
            `torchprov export`; syntax tests with `torchprov query|update --explain yes --file`.
  endpoint  one `torchprov serve` for the whole run, as a client meets it: data sent with
            the Graph Store Protocol (POST /data), queries POSTed as
            application/sparql-query with the test's dataset named by the protocol's
            default-graph-uri / named-graph-uri, updates POSTed (with the token) after a
            DROP ALL, the store read back with GET /data.

Both ways read the dataset as the SPARQL spec and the tests do (--union-default-graph no).
A client that reads a file and sends it states the file's IRI as the base (BASE in a
query or update, @base or xml:base in data), as Jena's rsparql resolves a query file.
Every expected file and every answer is read independently of torchprov: SPARQL XML and
JSON results with Python's ElementTree and json, TSV here, RDF with rdflib,
and compared by compare.py's rules: blank nodes under one bijection, literals by lexical
form ("pass"), or, where only that differs, by value as the W3C test pages allow
("pass-by-value": "1.0e6" for "1.0E6"^^xsd:double).  Rows are compared in order when the
query has ORDER BY in its own solution modifiers, as a multiset otherwise; the variables
of the head must be the same, in the same order unless the query says SELECT *.

Each test's verdict is compared with the committed verdict file: any change (a test that
passed failing, a failing test passing, a test added or gone) fails the run and is
listed; --write records the new verdicts after a deliberate change.

usage: w3c_cli.py --torchprov BUILD/torchprov --suite DIR --way cli|endpoint --verdicts FILE
                  [--filter TEXT] [--write] [--jobs N] [--verbose]
Exit status: 0 when every verdict matches the file, 1 otherwise, 77 when the suite or
rdflib is missing (ctest's skip code).
"""
import argparse
import concurrent.futures
import csv
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clients"))
import compare  # noqa: E402  (the shared comparison rules)

try:
    import rdflib
    from rdflib.namespace import RDF, RDFS
    from rdflib.query import Result
except ImportError:  # pragma: no cover
    print("SKIP: rdflib is not installed for /usr/bin/python3 (Debian's python3-rdflib)")
    sys.exit(77)

rdflib.NORMALIZE_LITERALS = False  # keep every literal as written

MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
QT = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-query#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
RS = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/result-set#")

MANIFESTS = ["manifest-sparql11-query.ttl", "manifest-sparql11-update.ttl", "manifest-sparql11-results.ttl"]
# Not run anywhere (the in-process runner skips the same): they need entailment,
# federation or the protocol test harness.
SKIPPED_FOLDERS = {
    "entailment": "entailment regimes are not implemented",
    "service": "federated query (SERVICE) needs remote endpoints",
    "syntax-fed": "federated query syntax",
    "protocol": "SPARQL protocol tests need their own harness",
    "http-rdf-update": "graph store protocol tests need their own harness",
    "graph-store-protocol": "graph store protocol tests need their own harness",
    "service-description": "service description tests need their own harness",
}
QUERY_TIMEOUT_S = 20


# ------------------------------------------------------------------ manifests

def file_iri(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def path_of(iri):
    return urllib.parse.unquote(urllib.parse.urlparse(str(iri)).path)


def rdf_format(path):
    ext = path.rsplit(".", 1)[-1]
    return {"ttl": "turtle", "nt": "nt", "nq": "nquads", "trig": "trig", "rdf": "xml", "owl": "xml"}[ext]


class Test:
    def __init__(self, **fields):
        self.__dict__.update(fields)


def kind_of(types, action):
    names = {str(t).rsplit("#", 1)[-1] for t in types}
    if names & {"QueryEvaluationTest", "CSVResultFormatTest"}:
        return "query-evaluation"
    if "UpdateEvaluationTest" in names:
        return "update-evaluation"
    is_update = str(action).endswith(".ru")
    if names & {"PositiveSyntaxTest11", "PositiveSyntaxTest"}:
        return "positive-update-syntax" if is_update else "positive-query-syntax"
    if names & {"NegativeSyntaxTest11", "NegativeSyntaxTest"}:
        return "negative-update-syntax" if is_update else "negative-query-syntax"
    if "PositiveUpdateSyntaxTest11" in names:
        return "positive-update-syntax"
    if "NegativeUpdateSyntaxTest11" in names:
        return "negative-update-syntax"
    return None


def category_of(kind):
    return {"query-evaluation": "query-evaluation", "update-evaluation": "update-evaluation",
            "positive-query-syntax": "query-syntax", "negative-query-syntax": "query-syntax",
            "positive-update-syntax": "update-syntax", "negative-update-syntax": "update-syntax"}[kind]


def read_manifests(suite):
    tests, seen = [], set()

    def read(path):
        path = os.path.realpath(path)
        if path in seen:
            return
        seen.add(path)
        g = rdflib.Graph()
        g.parse(path, format="turtle", publicID=file_iri(path))
        me = rdflib.URIRef(file_iri(path))
        for head in g.objects(me, MF.include):
            for included in rdflib.collection.Collection(g, head):
                read(path_of(included))
        folder = os.path.basename(os.path.dirname(path))
        for head in g.objects(me, MF.entries):
            for entry in rdflib.collection.Collection(g, head):
                test = read_test(g, entry, folder, suite)
                if test is not None:
                    tests.append(test)

    for name in MANIFESTS:
        if os.path.exists(os.path.join(suite, name)):
            read(os.path.join(suite, name))
    return tests


def update_graphs(g, node):
    files = [(path_of(d), None) for d in g.objects(node, UT.data)]
    for gd in g.objects(node, UT.graphData):
        files.append((path_of(g.value(gd, UT.graph)), str(g.value(gd, RDFS.label))))
    return files


def read_test(g, entry, folder, suite):
    action = g.value(entry, MF.action)
    kind = kind_of(list(g.objects(entry, RDF.type)), action)
    if kind is None:
        return None
    local = re.split(r"[#/]", str(entry))[-1]
    test = Test(iri=str(entry), id=folder + "#" + local,
                name=str(g.value(entry, MF.name) or ""), folder=folder, kind=kind, category=category_of(kind),
                requires=[str(r) for r in g.objects(entry, MF.requires)],
                lax=g.value(entry, MF.resultCardinality) == MF.LaxCardinality,
                query=None, data=[], graph_data=[], service_data=False, result=None, before=[], after=[])
    if isinstance(action, rdflib.URIRef):
        test.query = path_of(action)
    elif kind == "update-evaluation":
        test.query = path_of(g.value(action, UT.request))
        test.before = update_graphs(g, action)
        result = g.value(entry, MF.result)
        test.after = update_graphs(g, result) if result is not None else []
    else:
        test.query = path_of(g.value(action, QT.query))
        test.data = [path_of(d) for d in g.objects(action, QT.data)]
        test.graph_data = [path_of(d) for d in g.objects(action, QT.graphData)]
        test.service_data = any(True for _ in g.objects(action, QT.serviceData))
        result = g.value(entry, MF.result)
        test.result = path_of(result) if result is not None else None
    return test


def skip_reason(test):
    if test.folder in SKIPPED_FOLDERS:
        return SKIPPED_FOLDERS[test.folder]
    if test.requires:
        return "requires " + test.requires[0]
    if test.service_data:
        return "qt:serviceData: federated query needs remote endpoints"
    try:
        text = open(test.query, encoding="utf-8").read().lower()
        if re.search(r"\bservice\s*(silent\s*)?[<?$]", text):
            return "uses SERVICE: federated query needs remote endpoints"
    except OSError:
        pass
    return None


# ------------------------------------------------------------------ terms and answers

def json_term(t):
    """An rdflib term as a SPARQL JSON term (what compare.py reads)."""
    if t is None:
        return None
    if isinstance(t, rdflib.URIRef):
        return {"type": "uri", "value": str(t)}
    if isinstance(t, rdflib.BNode):
        return {"type": "bnode", "value": str(t)}
    term = {"type": "literal", "value": str(t)}
    if t.language:
        term["xml:lang"] = t.language
    elif t.datatype is not None:
        term["datatype"] = str(t.datatype)
    return term


class Answer:
    """What a query gave: a boolean, solutions (variables, rows of JSON terms), a graph
    (rows of s, p, o), or CSV text rows."""

    def __init__(self, kind, variables=None, rows=None, boolean=None):
        self.kind, self.variables, self.rows, self.boolean = kind, variables or [], rows or [], boolean


SRX = "{http://www.w3.org/2005/sparql-results#}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def read_srx(data):
    """SPARQL XML results with Python's ElementTree (rdflib 6.1 counts comments as results)."""
    import xml.etree.ElementTree as ElementTree
    root = ElementTree.fromstring(data)
    boolean = root.find(SRX + "boolean")
    if boolean is not None:
        return Answer("boolean", boolean=(boolean.text or "").strip() == "true")
    head = root.find(SRX + "head")
    variables = [v.get("name") for v in (head.findall(SRX + "variable") if head is not None else [])]
    rows = []
    results = root.find(SRX + "results")
    for result in (results.findall(SRX + "result") if results is not None else []):
        values = {}
        for binding in result.findall(SRX + "binding"):
            node = next(iter(binding))
            kind = node.tag[len(SRX):]
            if kind == "uri":
                values[binding.get("name")] = {"type": "uri", "value": node.text or ""}
            elif kind == "bnode":
                values[binding.get("name")] = {"type": "bnode", "value": node.text or ""}
            else:
                term = {"type": "literal", "value": node.text or ""}
                if node.get(XML_LANG):
                    term["xml:lang"] = node.get(XML_LANG)
                elif node.get("datatype"):
                    term["datatype"] = node.get("datatype")
                values[binding.get("name")] = term
        rows.append([values.get(v) for v in variables])
    return Answer("solutions", variables, rows)


def read_srj(data):
    """SPARQL JSON results with Python's json module."""
    doc = json.loads(data)
    if "boolean" in doc:
        return Answer("boolean", boolean=bool(doc["boolean"]))
    variables = doc["head"].get("vars", [])
    rows = []
    for binding in doc["results"]["bindings"]:
        row = []
        for v in variables:
            term = binding.get(v)
            if term is not None and term["type"] == "typed-literal":  # the 2008 note's spelling
                term = dict(term, type="literal")
            row.append(term)
        rows.append(row)
    return Answer("solutions", variables, rows)


XSD = "http://www.w3.org/2001/XMLSchema#"
TSV_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"(?:@([A-Za-z0-9-]+)|\^\^<([^>]*)>)?$')
TSV_NUMBERS = [(re.compile(r"[+-]?\d+$"), "integer"), (re.compile(r"[+-]?\d*\.\d+$"), "decimal"),
               (re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$"), "double")]


def unescape(text):
    """The string escapes of N-Triples and Turtle: \\t \\n \\" \\\\ \\uXXXX and the rest."""
    simple = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c != "\\":
            out.append(c)
            i += 1
        elif text[i + 1] in "uU":
            width = 4 if text[i + 1] == "u" else 8
            out.append(chr(int(text[i + 2:i + 2 + width], 16)))
            i += 2 + width
        else:
            out.append(simple[text[i + 1]])
            i += 2
    return "".join(out)


def tsv_term(cell):
    """One TSV cell (a Turtle term, SPARQL 1.1 Results TSV) as a JSON term; '' is unbound."""
    if cell == "":
        return None
    if cell.startswith("<") and cell.endswith(">"):
        return {"type": "uri", "value": unescape(cell[1:-1])}
    if cell.startswith("_:"):
        return {"type": "bnode", "value": cell[2:]}
    m = TSV_STRING.match(cell)
    if m:
        term = {"type": "literal", "value": unescape(m.group(1))}
        if m.group(2):
            term["xml:lang"] = m.group(2)
        elif m.group(3):
            term["datatype"] = m.group(3)
        return term
    if cell in ("true", "false"):
        return {"type": "literal", "value": cell, "datatype": XSD + "boolean"}
    for pattern, datatype in TSV_NUMBERS:
        if pattern.match(cell):
            return {"type": "literal", "value": cell, "datatype": XSD + datatype}
    raise ValueError(f"not a TSV term: {cell!r}")


def read_tsv(text):
    """SPARQL 1.1 TSV results, read here (rdflib 6.1's TSV reader is not thread-safe)."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    variables = [v[1:] for v in lines[0].split("\t")] if lines and lines[0] else []
    rows = [[tsv_term(cell) for cell in line.split("\t")] for line in lines[1:]]
    for row in rows:
        if len(row) != len(variables):
            raise ValueError(f"a TSV row of {len(row)} cells under {len(variables)} variables")
    return Answer("solutions", variables, rows)


def solutions_from_result(result):
    if result.type == "ASK":
        return Answer("boolean", boolean=bool(result.askAnswer))
    variables = [str(v) for v in result.vars]
    rows = [[json_term(b.get(rdflib.Variable(v))) for v in variables] for b in result.bindings]
    return Answer("solutions", variables, rows)


def graph_answer(graph):
    return Answer("graph", ["s", "p", "o"], [[json_term(s), json_term(p), json_term(o)] for s, p, o in graph])


def csv_answer(text):
    table = list(csv.reader(io.StringIO(text, newline="")))
    if not table:
        return Answer("csv", [], [])
    return Answer("csv", table[0], [list(r) for r in table[1:]])


def read_expected(path):
    ext = path.rsplit(".", 1)[-1]
    if ext == "csv":
        return csv_answer(open(path, encoding="utf-8", newline="").read())
    if ext == "srx":
        return read_srx(open(path, "rb").read())
    if ext == "srj":
        return read_srj(open(path, "rb").read())
    if ext == "tsv":
        return read_tsv(open(path, encoding="utf-8").read())
    g = rdflib.Graph()
    g.parse(path, format=rdf_format(path), publicID=file_iri(path))
    result_sets = list(g.subjects(RDF.type, RS.ResultSet))
    if not result_sets:
        return graph_answer(g)
    # The DAWG result-set vocabulary (rs:ResultSet, rs:solution, rs:binding, rs:index).
    rs = result_sets[0]
    boolean = g.value(rs, RS.boolean)
    if boolean is not None:
        return Answer("boolean", boolean=str(boolean) == "true")
    variables = [str(v) for v in g.objects(rs, RS.resultVariable)]
    solutions = []
    for solution in g.objects(rs, RS.solution):
        values = {str(g.value(b, RS.variable)): g.value(b, RS.value) for b in g.objects(solution, RS.binding)}
        index = g.value(solution, RS.index)
        solutions.append((int(index) if index is not None else 0, values))
    solutions.sort(key=lambda s: s[0])
    answer = Answer("solutions", variables, [[json_term(v.get(var)) for var in variables] for _, v in solutions])
    answer.indexed = any(g.value(s, RS.index) is not None for s in g.objects(rs, RS.solution))
    return answer


def parse_answer(body, fmt):
    if fmt == "csv":
        return csv_answer(body.decode("utf-8"))
    if fmt == "xml":
        return read_srx(body)
    if fmt == "json":
        return read_srj(body)
    if fmt == "tsv":
        return read_tsv(body.decode("utf-8"))
    g = rdflib.Graph()
    g.parse(data=body.decode("utf-8"), format="nt")
    return graph_answer(g)


DEFAULT_GRAPH = rdflib.URIRef("urn:x-w3c-runner:default-graph")


def dataset_rows(nquads_bytes):
    """An N-Quads export as rows (s, p, o, graph or None for the default graph)."""
    ds = rdflib.ConjunctiveGraph()
    # Triples without a graph land in the context named by publicID.
    ds.parse(data=nquads_bytes.decode("utf-8"), format="nquads", publicID=DEFAULT_GRAPH)
    rows = set()
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = getattr(g, "identifier", g)
        rows.add((s, p, o, None if name == DEFAULT_GRAPH else name))
    return [[json_term(s), json_term(p), json_term(o), json_term(g)] for s, p, o, g in rows]


def expected_dataset_rows(files):
    rows = set()
    for path, graph_name in files:
        g = rdflib.Graph()
        g.parse(path, format=rdf_format(path), publicID=file_iri(path))
        for s, p, o in g:
            rows.add((s, p, o, rdflib.URIRef(graph_name) if graph_name else None))
    return [[json_term(s), json_term(p), json_term(o), json_term(g)] for s, p, o, g in rows]


# ------------------------------------------------------------------ judging

def keyed(rows, by_value):
    return [tuple(compare.term_key(t, by_value) for t in row) for row in rows]


def csv_keyed(rows):
    """CSV has no term types: strings compare exactly; "_:x" cells are blank nodes."""
    return [tuple(("bnode", c[2:]) if c.startswith("_:") else ("text", c) for c in row) for row in rows]


def rows_match(expected, actual, ordered, lax):
    if lax:  # REDUCED: each expected solution at least once, none more often than expected
        distinct_expected = list(dict.fromkeys(expected))
        distinct_actual = list(dict.fromkeys(actual))
        return len(actual) <= len(expected) and compare.match_rows(distinct_expected, distinct_actual, False) is not None
    return compare.match_rows(expected, actual, ordered) is not None


def selects_star(path):
    """SELECT * (the outermost SELECT): the head's order is then the engine's to choose."""
    text = open(path, encoding="utf-8").read()
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', " ", text)
    return re.search(r"^[^{]*?\bselect\s+(distinct\s+|reduced\s+)?\*", text, re.IGNORECASE | re.DOTALL) is not None


def reorder(answer, variables):
    """The answer's columns in the order of `variables` (the same set)."""
    index = [answer.variables.index(v) for v in variables]
    return Answer(answer.kind, list(variables), [[row[i] for i in index] for row in answer.rows])


def judge(test, expected, actual, ordered):
    """'pass', 'pass-by-value' or 'fail: reason'."""
    if expected.kind == "boolean" or actual.kind == "boolean":
        if expected.kind != actual.kind:
            return f"fail: expected a {expected.kind} answer, got a {actual.kind} answer"
        return "pass" if expected.boolean == actual.boolean else f"fail: expected {expected.boolean}, got {actual.boolean}"
    if expected.kind != actual.kind:
        return f"fail: expected a {expected.kind} answer, got a {actual.kind} answer"
    if expected.kind in ("solutions", "csv") and expected.variables != actual.variables:
        if not (selects_star(test.query) and sorted(expected.variables) == sorted(actual.variables)):
            return f"fail: variables {actual.variables}, expected {expected.variables}"
        actual = reorder(actual, expected.variables)
    ordered = ordered or getattr(expected, "indexed", False)
    if expected.kind == "csv":
        e, a = csv_keyed(expected.rows), csv_keyed(actual.rows)
        if rows_match(e, a, ordered, test.lax):
            return "pass"
        return "fail: " + difference(e, a)
    if expected.kind == "graph":
        e, a = list(set(keyed(expected.rows, False))), list(set(keyed(actual.rows, False)))
        if compare.match_rows(e, a, False) is not None:
            return "pass"
        ev, av = list(set(keyed(expected.rows, True))), list(set(keyed(actual.rows, True)))
        if compare.match_rows(ev, av, False) is not None:
            return "pass-by-value: " + spelling_difference(expected.rows, actual.rows)
        return "fail: graph differs: " + difference(e, a)
    e, a = keyed(expected.rows, False), keyed(actual.rows, False)
    if rows_match(e, a, ordered, test.lax):
        return "pass"
    ev, av = keyed(expected.rows, True), keyed(actual.rows, True)
    if rows_match(ev, av, ordered, test.lax):
        return "pass-by-value: " + spelling_difference(expected.rows, actual.rows)
    if ordered and rows_match(e, a, False, test.lax):
        return "fail: the right rows in the wrong order (ORDER BY)"
    return "fail: " + difference(e, a)


def difference(expected, actual):
    strip = lambda rows: [tuple(("bnode",) if x[0] == "bnode" else x for x in r) for r in rows]
    e, a = strip(expected), strip(actual)
    missing = [r for r in e if r not in a][:2]
    extra = [r for r in a if r not in e][:2]
    return f"expected {len(expected)} rows, got {len(actual)}; missing {missing}; unexpected {extra}"[:600]


def spelling_difference(expected_rows, actual_rows):
    """Which literals the answer spells otherwise than the expected file, in full: the
    record of a pass-by-value verdict, so that one more number spelled differently (a
    float printed as a double) changes the verdict instead of hiding behind it."""
    def literals(rows):
        return {(t["value"], t.get("datatype", "").rsplit("#", 1)[-1])
                for row in rows for t in row if t is not None and t["type"] == "literal"}
    expected, actual = literals(expected_rows), literals(actual_rows)
    escaped = lambda text: text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
    spell = lambda cells: " ".join(f"{escaped(value)}^^{datatype}" for value, datatype in sorted(cells))
    return f"answer spells {spell(actual - expected)} where expected spells {spell(expected - actual)}"


def query_is_ordered(path):
    return compare.query_is_ordered(path)


# ------------------------------------------------------------------ running torchprov

class Failure(Exception):
    pass


def run(command, timeout=QUERY_TIMEOUT_S * 2):
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure(f"timed out: {' '.join(command[:3])}")
    return done


def checked(command):
    done = run(command)
    if done.returncode != 0:
        raise Failure(f"{os.path.basename(command[0])} {command[1]} exit {done.returncode}: "
                      f"{done.stderr.decode('utf-8', 'replace').strip()[:400]}")
    return done.stdout


def import_dataset(torchprov, store, default_files, named_files):
    """`torchprov import` as a user types it: default-graph files in one command, each
    named graph with --graph.  A test without data still needs a store to query (a read
    opens no store that is not there): an empty N-Triples file makes one."""
    if default_files:
        checked([torchprov, "import", "--store", store, *default_files])
    for path, name in named_files:
        checked([torchprov, "import", "--store", store, "--graph", name, path])
    if not default_files and not named_files:
        empty = os.path.join(os.path.dirname(store), "empty.nt")
        open(empty, "w").close()
        checked([torchprov, "import", "--store", store, empty])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`torchprov serve` on a free port over `store`, stopped on exit."""

    def __init__(self, torchprov, store):
        os.makedirs(os.path.dirname(store), exist_ok=True)
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(os.path.dirname(store), "serve.log"), "wb")
        self.process = subprocess.Popen(
            [torchprov, "serve", "--store", store, "--port", str(self.port), "--union-default-graph", "no",
             "--query-timeout", str(QUERY_TIMEOUT_S), "--threads", "2"],
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(self.base + "/health", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if self.process.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise Failure("torchprov serve did not start: " + open(self.log.name, "rb").read().decode()[-300:])
                time.sleep(0.02)
        self.token = open(os.path.join(store, "token")).read().split()[0]

    def request(self, method, path, body=None, content_type=None, accept=None, token=False):
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        if token:
            headers["Authorization"] = "Bearer " + self.token
        req = urllib.request.Request(self.base + path, data=body, headers=headers, method=method)
        try:
            with urllib.request.urlopen(req, timeout=QUERY_TIMEOUT_S * 2) as res:
                return res.status, res.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


MEDIA = {"xml": "application/sparql-results+xml", "json": "application/sparql-results+json",
         "csv": "text/csv", "tsv": "text/tab-separated-values", "ntriples": "application/n-triples"}


def answer_format(expected_path, expected, way):
    """The format to ask for: CSV and TSV tests as themselves; a graph as N-Triples;
    solutions as XML through the command line and JSON through the endpoint (or the
    other way round for an .srj), so both writers are read back by rdflib."""
    ext = expected_path.rsplit(".", 1)[-1]
    if ext in ("csv", "tsv"):
        return ext
    if expected.kind == "graph":
        return "ntriples"
    first, second = ("json", "xml") if ext == "srj" else ("xml", "json")
    return first if way == "cli" else second


def with_base(query_path):
    """The query text as an HTTP client sends it: relative IRIs resolved against the
    file, as a client that reads the file does (Jena's rsparql parses it locally)."""
    return f"BASE <{file_iri(query_path)}>\n" + open(query_path, encoding="utf-8").read()


DATA_TYPES = {"ttl": "text/turtle", "nt": "application/n-triples", "rdf": "application/rdf+xml",
              "owl": "application/rdf+xml"}


def data_body(path):
    """A data file as a client sends it, with the file's IRI as its base."""
    ext = path.rsplit(".", 1)[-1]
    text = open(path, encoding="utf-8").read()
    if ext == "ttl":
        text = f"@base <{file_iri(path)}> .\n" + text
    elif ext in ("rdf", "owl"):
        text = re.sub(r"<rdf:RDF\b", f'<rdf:RDF xml:base="{file_iri(path)}"', text, count=1)
    return text.encode("utf-8"), DATA_TYPES[ext]


def post_data(server, path, graph):
    """POST /data?graph=G (or ?default): the Graph Store Protocol's way to add a file."""
    body, media = data_body(path)
    target = "/data?default" if graph is None else "/data?graph=" + urllib.parse.quote(graph, safe="")
    status, answer = server.request("POST", target, body, media, token=True)
    if status not in (200, 201, 204):
        raise Failure(f"POST {os.path.basename(path)} to /data: HTTP {status}: {answer.decode('utf-8', 'replace')[:300]}")


def has_dataset_clause(query_path):
    """FROM / FROM NAMED in the query itself: then no protocol dataset is sent (it would replace them)."""
    text = open(query_path, encoding="utf-8").read()
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|<[^<>"{}|^`\\\s]*>|#[^\n]*', " ", text)
    return re.search(r"(?<![?$:\w-])from\b", text, re.IGNORECASE) is not None


class SharedEndpoint:
    """One server for the whole endpoint run.  Query tests load their data into graphs
    of their own (the default graph of test N is urn:x-w3c-test:N:default, named graphs
    are the files' IRIs, loaded once) and name their dataset with the protocol's
    default-graph-uri / named-graph-uri, so they run side by side.  Update tests run one
    at a time after a DROP ALL."""

    def __init__(self, torchprov, work):
        self.server = Server(torchprov, os.path.join(work, "store"))
        self.loaded = {}
        self.lock = threading.Lock()

    def load_named(self, path):
        iri = file_iri(path)
        with self.lock:
            event = self.loaded.get(iri)
            first = event is None
            if first:
                event = self.loaded[iri] = threading.Event()
        if first:
            try:
                post_data(self.server, path, iri)
            finally:
                event.set()
        event.wait()
        return iri

    def stop(self):
        self.server.stop()


def run_query_test(test, torchprov, way, work, endpoint=None):
    expected = read_expected(test.result)
    fmt = answer_format(test.result, expected, way)
    if way == "cli":
        store = os.path.join(work, "store")
        import_dataset(torchprov, store, test.data, [(p, file_iri(p)) for p in test.graph_data])
        body = checked([torchprov, "query", "--store", store, "--file", test.query, "--format", fmt,
                        "--union-default-graph", "no", "--timeout", str(QUERY_TIMEOUT_S)])
    else:
        default_graph = f"urn:x-w3c-test:{test.number}:default"
        for path in test.data:
            post_data(endpoint.server, path, default_graph)
        named = [endpoint.load_named(path) for path in test.graph_data]
        target = "/sparql"
        if not has_dataset_clause(test.query):
            params = [("default-graph-uri", default_graph)] + [("named-graph-uri", g) for g in named]
            target += "?" + urllib.parse.urlencode(params)
        status, body = endpoint.server.request("POST", target, with_base(test.query).encode("utf-8"),
                                               "application/sparql-query", MEDIA[fmt])
        if status != 200:
            raise Failure(f"HTTP {status}: {body.decode('utf-8', 'replace')[:300]}")
    try:
        actual = parse_answer(body, fmt)
    except Exception as error:  # the product wrote something rdflib cannot read
        raise Failure(f"unreadable {fmt} answer: {error}: {body[:200]!r}")
    return judge(test, expected, actual, query_is_ordered(test.query))


def run_update_test(test, torchprov, way, work, endpoint=None):
    if way == "cli":
        store = os.path.join(work, "store")
        import_dataset(torchprov, store, [p for p, n in test.before if not n], [(p, n) for p, n in test.before if n])
        checked([torchprov, "update", "--store", store, "--file", test.query, "--union-default-graph", "no"])
        quads = checked([torchprov, "export", "--store", store, "--format", "nquads"])
    else:
        server = endpoint.server
        status, body = server.request("POST", "/sparql", b"DROP ALL", "application/sparql-update", token=True)
        if status != 200:
            raise Failure(f"DROP ALL: HTTP {status}: {body.decode('utf-8', 'replace')[:300]}")
        for path, graph in test.before:
            post_data(server, path, graph)
        status, body = server.request("POST", "/sparql", with_base(test.query).encode("utf-8"),
                                      "application/sparql-update", token=True)
        if status != 200:
            raise Failure(f"update: HTTP {status}: {body.decode('utf-8', 'replace')[:300]}")
        status, quads = server.request("GET", "/data", accept="application/n-quads")
        if status != 200:
            raise Failure(f"GET /data: HTTP {status}")
    expected = expected_dataset_rows(test.after)
    actual = dataset_rows(quads)
    e, a = list(set(keyed(expected, False))), list(set(keyed(actual, False)))
    if compare.match_rows(e, a, False) is not None:
        return "pass"
    ev, av = list(set(keyed(expected, True))), list(set(keyed(actual, True)))
    if compare.match_rows(ev, av, False) is not None:
        return "pass-by-value: " + spelling_difference(expected, actual)
    return "fail: dataset after the update differs: " + difference(e, a)


POSITION = re.compile(r":(\d+):(\d+): ")


def run_syntax_test(test, torchprov):
    """Parse only (--explain yes, no store): a positive test passes when the text is
    accepted, a negative one when it is refused with a syntax error naming file, line
    and column."""
    verb = "update" if "update" in test.kind else "query"
    done = run([torchprov, verb, "--file", test.query, "--explain", "yes"])
    error = done.stderr.decode("utf-8", "replace").strip()
    if test.kind.startswith("positive"):
        return "pass" if done.returncode == 0 else f"fail: rejected valid text: {error[:300]}"
    if done.returncode == 0:
        return "fail: accepted invalid text"
    if os.path.basename(test.query) + ":" not in error or not POSITION.search(error):
        return f"fail: refused, but not as a syntax error with its position: {error[:300]}"
    return "pass"


def run_test(test, torchprov, way, endpoint=None):
    reason = skip_reason(test)
    if reason:
        return "skip: " + reason
    if way == "endpoint" and test.category.endswith("syntax"):
        return "skip: syntax tests run through the command line (--explain yes)"
    work = tempfile.mkdtemp(prefix="torchprov-w3c-")
    try:
        if test.kind == "query-evaluation":
            return run_query_test(test, torchprov, way, work, endpoint)
        if test.kind == "update-evaluation":
            return run_update_test(test, torchprov, way, work, endpoint)
        return run_syntax_test(test, torchprov)
    except Failure as error:
        return f"fail: {error}"
    except Exception as error:  # an unreadable expected file is a runner problem: say so
        return f"fail: runner error {type(error).__name__}: {error}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


# ------------------------------------------------------------------ verdict files

def verdict_word(outcome):
    return outcome.split(":", 1)[0]


def one_line(text, limit=300):
    text = re.sub(r"\s+", " ", text)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def write_verdicts(path, way, results):
    with open(path, "w", encoding="utf-8") as out:
        out.write(f"# W3C SPARQL 1.1 test suite through torchprov ({way}), one test a line:\n"
                  "# test<TAB>category<TAB>verdict<TAB>name<TAB>reason (fail, skip; for pass-by-value the lexical difference)\n"
                  f"# Written by tests/w3c/w3c_cli.py --way {way} --write; the run fails when a verdict changes.\n")
        for test, outcome in results:
            word = verdict_word(outcome)
            reason = outcome.split(":", 1)[1].strip() if ":" in outcome and word != "pass" else ""
            reason = reason if word == "pass-by-value" else one_line(reason)
            out.write(f"{test.id}\t{test.category}\t{word}\t{test.name}\t{reason}\n")


def read_verdicts(path):
    verdicts = {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        verdicts[fields[0]] = (fields[1], fields[2], fields[4] if len(fields) > 4 else "")
    return verdicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--torchprov", required=True)
    parser.add_argument("--suite", required=True)
    parser.add_argument("--way", choices=("cli", "endpoint"), required=True)
    parser.add_argument("--verdicts", required=True)
    parser.add_argument("--filter", default="")
    parser.add_argument("--write", action="store_true")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.suite, MANIFESTS[0])):
        print(f"SKIP: the W3C SPARQL 1.1 suite is not at {args.suite} (expected {MANIFESTS[0]})")
        return 77
    torchprov = os.path.abspath(args.torchprov)
    started = time.time()
    tests = [t for t in read_manifests(os.path.abspath(args.suite)) if args.filter in t.id]
    if not tests:
        print("no tests selected")
        return 1
    for number, test in enumerate(tests):
        test.number = number
    outcomes = {}
    endpoint_work = tempfile.mkdtemp(prefix="torchprov-w3c-endpoint-") if args.way == "endpoint" else None
    endpoint = SharedEndpoint(torchprov, endpoint_work) if endpoint_work else None
    try:
        # Updates change the whole store: through the endpoint they run one at a time, after the queries.
        parallel = [t for t in tests if not (endpoint and t.kind == "update-evaluation")]
        serial = [t for t in tests if endpoint and t.kind == "update-evaluation"]
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            for test, outcome in zip(parallel, pool.map(lambda t: run_test(t, torchprov, args.way, endpoint), parallel)):
                outcomes[test.number] = outcome
        for test in serial:
            outcomes[test.number] = run_test(test, torchprov, args.way, endpoint)
    finally:
        if endpoint:
            endpoint.stop()
            shutil.rmtree(endpoint_work, ignore_errors=True)
    results = [(test, outcomes[test.number]) for test in tests]
    tallies = {}
    for test, outcome in results:
        tallies.setdefault(test.category, {}).setdefault(verdict_word(outcome), 0)
        tallies[test.category][verdict_word(outcome)] += 1
        if args.verbose and not outcome.startswith("pass"):
            print(f"{verdict_word(outcome).upper():5} {test.id} ({test.name}): {one_line(outcome, 400)}")
    for category, counts in sorted(tallies.items()):
        run_count = sum(n for v, n in counts.items() if v != "skip")
        passed = counts.get("pass", 0) + counts.get("pass-by-value", 0)
        print(f"{args.way:8} {category:18} passed {passed} / {run_count} run "
              f"({counts.get('pass-by-value', 0)} only by value), skipped {counts.get('skip', 0)}")
    print(f"{len(tests)} tests in {time.time() - started:.0f} s")

    if args.write:
        if args.filter:
            print("--write needs the whole suite (no --filter)")
            return 1
        write_verdicts(args.verdicts, args.way, results)
        print(f"verdicts written to {args.verdicts}")
        return 0
    if not os.path.exists(args.verdicts):
        print(f"FAIL: no verdict file {args.verdicts}; record one with --write")
        return 1
    recorded = read_verdicts(args.verdicts)
    changes = []
    for test, outcome in results:
        was = recorded.get(test.id)
        now = verdict_word(outcome)
        if was is None:
            changes.append(f"new test {test.id}: {now}")
        elif was[1] != now:
            changes.append(f"{test.id} ({test.name}): was {was[1]}, now {one_line(outcome, 400)}")
        elif now == "pass-by-value" and was[2] != outcome.split(":", 1)[1].strip():
            changes.append(f"{test.id} ({test.name}): numbers spelled otherwise than recorded: was '{was[2]}', "
                           f"now '{outcome.split(':', 1)[1].strip()}'")
    if not args.filter:
        ran = {t.id for t in tests}
        changes += [f"{test_id}: in the verdict file, not in the suite" for test_id in recorded if test_id not in ran]
    for change in changes:
        print("CHANGED " + change)
    if changes:
        print(f"{len(changes)} verdicts differ from {args.verdicts}: fix the product, or record a deliberate "
              f"change with --write and say why in the commit")
        return 1
    print(f"every verdict matches {args.verdicts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
