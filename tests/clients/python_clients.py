#!/usr/bin/python3
"""SPARQLWrapper and rdflib (Debian's) against a running `torchprov serve`.
usage: python_clients.py BASE_URL TOKEN     prints 'N passed, N failed'"""
import sys
import urllib.error
import urllib.request

import rdflib
from rdflib.compare import isomorphic
from SPARQLWrapper import JSON, XML, TURTLE, N3, POST, SPARQLWrapper, BASIC

base, token = sys.argv[1], sys.argv[2]
passed = failed = 0


def check(name, fn):
    global passed, failed
    try:
        result = fn()
        ok = result is None or result is True
        detail = "" if ok else f": {result!r}"
    except Exception as e:  # noqa: BLE001 - a test harness reports everything
        ok, detail = False, f": {type(e).__name__}: {e}"
    if ok:
        passed += 1
        print(f"ok   {name}")
    else:
        failed += 1
        print(f"FAIL {name}{detail}")


EX = "http://example.org/py/"
TRIG = f"""
@prefix ex: <{EX}> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:run1 a prov:Activity ; ex:acc 0.5, 0.75 ; ex:label "run one"@en, "é ü ß 漢字" .
ex:run2 a prov:Activity ; ex:acc 0.25 ; prov:startedAtTime "2024-01-02T03:04:05Z"^^xsd:dateTime .
ex:g1 {{ ex:m1 prov:wasGeneratedBy ex:run1 ; ex:value 1 . _:b ex:about ex:m1 . }}
ex:g2 {{ ex:m2 prov:wasGeneratedBy ex:run2 ; ex:note "line\\nbreak \\"quoted\\"" . }}
"""
expected = rdflib.Dataset()
expected.parse(data=TRIG, format="trig", publicID="urn:x-rdflib:default")


def http(method, path, body=None, headers=None):
    req = urllib.request.Request(base + path, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def load():
    status, _, body = http("POST", "/data", TRIG.encode(), {"Content-Type": "application/trig",
                                                             "Authorization": f"Bearer {token}"})
    return status in (200, 201, 204) or (status, body)


check("POST TriG to /data with the token", load)


def wrapper(query, fmt, method=None):
    s = SPARQLWrapper(base + "/sparql")
    s.setQuery(query)
    s.setReturnFormat(fmt)
    if method:
        s.setMethod(method)
    return s.query()


SELECT = f"PREFIX ex: <{EX}> SELECT ?run (COUNT(?a) AS ?n) (MAX(?a) AS ?best) WHERE {{ ?run ex:acc ?a }} GROUP BY ?run ORDER BY ?run"


def select_json(method=None):
    r = wrapper(SELECT, JSON, method)
    ctype = r.info()["content-type"]
    rows = [(b["run"]["value"], int(b["n"]["value"]), float(b["best"]["value"])) for b in r.convert()["results"]["bindings"]]
    return (rows == [(EX + "run1", 2, 0.75), (EX + "run2", 1, 0.25)] and "sparql-results+json" in ctype) or (rows, ctype)


def select_xml(method=None):
    r = wrapper(SELECT, XML, method)
    doc = r.convert()
    ns = "http://www.w3.org/2005/sparql-results#"
    results = doc.getElementsByTagNameNS(ns, "result")
    uris = [u.firstChild.data for u in doc.getElementsByTagNameNS(ns, "uri")]
    return (len(results) == 2 and uris == [EX + "run1", EX + "run2"] and "sparql-results+xml" in r.info()["content-type"]) \
        or (len(results), uris)


check("SPARQLWrapper SELECT, JSON (GET)", select_json)
check("SPARQLWrapper SELECT, JSON (POST)", lambda: select_json(POST))
check("SPARQLWrapper SELECT, XML (GET)", select_xml)
check("SPARQLWrapper SELECT, XML (POST)", lambda: select_xml(POST))


def unicode_literals():
    r = wrapper(f'PREFIX ex: <{EX}> SELECT ?l WHERE {{ ex:run1 ex:label ?l }}', JSON).convert()
    got = sorted((b["l"]["value"], b["l"].get("xml:lang")) for b in r["results"]["bindings"])
    return got == [("run one", "en"), ("é ü ß 漢字", None)] or got


check("SPARQLWrapper: UTF-8 and language tags survive JSON", unicode_literals)


def ask(fmt, query, want):
    r = wrapper(query, fmt).convert()
    got = r["boolean"] if fmt == JSON else \
        r.getElementsByTagName("boolean")[0].firstChild.data.strip() == "true"
    return got is want or got


check("SPARQLWrapper ASK true, JSON", lambda: ask(JSON, f"PREFIX ex: <{EX}> ASK {{ ex:run1 ex:acc 0.75 }}", True))
check("SPARQLWrapper ASK false, JSON", lambda: ask(JSON, f"PREFIX ex: <{EX}> ASK {{ ex:run1 ex:acc 0.3 }}", False))
check("SPARQLWrapper ASK true, XML", lambda: ask(XML, f"PREFIX ex: <{EX}> ASK {{ GRAPH ex:g1 {{ ?m ?p ?o }} }}", True))

CONSTRUCT = f"PREFIX ex: <{EX}> CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH ex:g2 {{ ?s ?p ?o }} }}"


def construct(fmt):
    g = wrapper(CONSTRUCT, fmt).convert()
    if isinstance(g, bytes):
        g = rdflib.Graph().parse(data=g, format="turtle")
    want = expected.graph(rdflib.URIRef(EX + "g2"))
    return isomorphic(g, want) or g.serialize(format="nt")


check("SPARQLWrapper CONSTRUCT, RDF/XML-less: Turtle", lambda: construct(TURTLE))
check("SPARQLWrapper CONSTRUCT, N3 (served as Turtle)", lambda: construct(N3))


def describe_or_construct_graph_form():
    # JSON asked for a graph result: SPARQLWrapper falls back to what the server sends
    r = wrapper(CONSTRUCT, JSON)
    return r.info()["content-type"].split(";")[0] in ("text/turtle", "application/n-triples", "application/n-quads",
                                                       "application/trig") or r.info()["content-type"]


check("SPARQLWrapper CONSTRUCT with JSON requested: an RDF type comes back", describe_or_construct_graph_form)


def update_with_credentials():
    s = SPARQLWrapper(base + "/sparql", updateEndpoint=base + "/sparql")
    s.setHTTPAuth(BASIC)
    s.setCredentials("python", token)
    s.setMethod(POST)
    s.setQuery(f"PREFIX ex: <{EX}> INSERT DATA {{ GRAPH ex:g3 {{ ex:x ex:y ex:z }} }}")
    s.query()
    return ask(JSON, f"PREFIX ex: <{EX}> ASK {{ GRAPH ex:g3 {{ ex:x ex:y ex:z }} }}", True)


def update_without_credentials():
    s = SPARQLWrapper(base + "/sparql", updateEndpoint=base + "/sparql")
    s.setMethod(POST)
    s.setQuery(f"PREFIX ex: <{EX}> INSERT DATA {{ ex:no ex:no ex:no }}")
    try:
        s.query()
    except Exception as e:  # noqa: BLE001 - SPARQLWrapper raises Unauthorized / generic errors
        return "401" in str(e) or "Unauthorized" in type(e).__name__ or str(e)
    return "update without credentials was accepted"


check("SPARQLWrapper update with HTTP Basic (token as password)", update_with_credentials)
check("SPARQLWrapper update without credentials refused", update_without_credentials)
# g3 goes again so the dataset matches the TriG above
http("DELETE", "/data?graph=" + urllib.parse.quote(EX + "g3", safe=""), headers={"Authorization": f"Bearer {token}"})


def rdflib_graph(name, fmt):
    g = rdflib.Graph()
    url = base + "/data?graph=" + urllib.parse.quote(EX + name, safe="")
    g.parse(url, format=fmt)  # rdflib fetches it, with its own Accept header for fmt
    return isomorphic(g, expected.graph(rdflib.URIRef(EX + name))) or g.serialize(format="nt")


import urllib.parse  # noqa: E402

check("rdflib reads GET /data?graph= as Turtle", lambda: rdflib_graph("g1", "turtle"))
check("rdflib reads GET /data?graph= as N-Triples", lambda: rdflib_graph("g2", "nt"))


def rdflib_default():
    g = rdflib.Graph()
    g.parse(base + "/data?default", format="turtle")
    return isomorphic(g, expected.graph(rdflib.URIRef("urn:x-rdflib:default"))) or len(g)


check("rdflib reads GET /data?default as Turtle", rdflib_default)


def quads_of(ds):
    out = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        g = getattr(g, "identifier", g)
        key = None if g is None or str(g).startswith("urn:x-rdflib:") else str(g)
        out.setdefault(key, rdflib.Graph()).add((s, p, o))
    return out


def rdflib_dataset(fmt, accept):
    status, headers, body = http("GET", "/data", headers={"Accept": accept})
    if status != 200:
        return status
    ds = rdflib.Dataset()
    ds.parse(data=body.decode("utf-8"), format=fmt, publicID="urn:x-rdflib:default")
    got, want = quads_of(ds), quads_of(expected)
    if set(got) != set(want):
        return sorted(map(str, set(got) ^ set(want)))
    bad = [k for k in want if not isomorphic(got[k], want[k])]
    return (not bad and headers.get("Content-Type", "").startswith(accept)) or (bad, headers.get("Content-Type"))


check("rdflib reads GET /data as N-Quads (all graphs isomorphic)", lambda: rdflib_dataset("nquads", "application/n-quads"))
check("rdflib reads GET /data as TriG (all graphs isomorphic)", lambda: rdflib_dataset("trig", "application/trig"))


def rdflib_sparqlstore():
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    store = SPARQLStore(base + "/sparql", returnFormat="json")
    rows = list(store.query(f"PREFIX ex: <{EX}> SELECT ?o WHERE {{ GRAPH ?g {{ ex:m1 ex:value ?o }} }}"))
    return [r[0].toPython() for r in rows] == [1] or rows


check("rdflib SPARQLStore query", rdflib_sparqlstore)

print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
