#!/usr/bin/python3
"""Runs the W3C SPARQL 1.1 Protocol and Graph Store Protocol test manifests
(ht: vocabulary: each test is a sequence of HTTP exchanges) against a running
`torchprov serve`.  /sparql/ becomes /sparql, /gsp becomes /data.  Every
request carries the write token, so that refusals come from the protocol
checks and not from authentication.
usage: w3c_protocol.py BASE_URL TOKEN SUITE_DIR     prints 'N passed, N failed'
"""
import http.client
import json
import sys
import urllib.parse
from pathlib import Path
from xml.dom import minidom

import rdflib
from rdflib import RDF, RDFS, Namespace
from rdflib.collection import Collection
from rdflib.compare import isomorphic

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")

base, token, suite = sys.argv[1], sys.argv[2], Path(sys.argv[3])
host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port

# Tests not run, and why.
SKIP = {
    "DirectGraphIdentification": "the Graph Store names graphs indirectly only (/data?graph=IRI); "
                                 "a request path such as /data/person/1.ttl is not a graph",
    "POSTGraphCreation": "POST /data without ?graph adds to the default graph (how trainers stream N-Quads); "
                         "it does not mint a new graph with a Location",
}
MULTIPART = "multipart/form-data uploads (the HTML-form variant of a Graph Store POST) are not accepted: 415"
STATUS = {HTS.OK: {200}, HTS.Created: {201}, HTS.NoContent: {204}, HTS.NotFound: {404},
          HTS.StatusCode2xx: set(range(200, 300)), HTS.StatusCode3xx: set(range(300, 400)),
          HTS.StatusCode4xx: set(range(400, 500))}
RDF_TYPES = {"text/turtle": "turtle", "application/n-triples": "nt", "application/n-quads": "nquads",
             "application/trig": "trig", "application/rdf+xml": "xml", "text/plain": "nt"}
TABULAR = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
           "text/tab-separated-values"}


def exchange(method, path, headers, body):
    conn = http.client.HTTPConnection(host, port, timeout=30)
    conn.request(method, path, body=body, headers=headers)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def media(ctype):
    return (ctype or "").split(";")[0].strip().lower()


def parse_boolean(ctype, data):
    if media(ctype) in ("application/sparql-results+json", "application/json"):
        return json.loads(data)["boolean"]
    if media(ctype) in ("application/sparql-results+xml", "application/xml"):
        return minidom.parseString(data).getElementsByTagName("boolean")[0].firstChild.data.strip() == "true"
    raise ValueError(f"boolean result as {ctype}")


def translate(path):
    if path.startswith("/sparql/"):
        return "/sparql" + path[len("/sparql/"):]
    if path.startswith("/gsp"):
        return "/data" + path[len("/gsp"):]
    return path


def headers_of(g, node):
    out = {}
    h = g.value(node, HT.headers)
    if h is not None:
        for item in Collection(g, h):
            out[str(g.value(item, HT.fieldName)).lower()] = str(g.value(item, HT.fieldValue))
    return out


def body_of(g, node):
    b = g.value(node, HT.body)
    if b is None:
        return None
    chars = str(g.value(b, CNT.chars))
    encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
    return chars, encoding


def run_request(g, req):
    method = str(g.value(req, HT.methodName))
    path = translate(str(g.value(req, HT.absolutePath)))
    headers = headers_of(g, req)
    headers["authorization"] = f"Bearer {token}"
    body = body_of(g, req)
    payload = body[0].encode("utf-16" if body[1].upper() == "UTF-16" else "utf-8") if body else None
    if payload is None and method in ("POST", "PUT"):
        payload = b""
    status, rheaders, data = exchange(method, path, headers, payload)
    resp = g.value(req, HT.resp)
    problems = []
    wanted = set()
    for s in g.objects(resp, MF.expectedStatus):
        wanted |= STATUS[s]
    if wanted and status not in wanted:
        problems.append(f"{method} {path}: status {status}, expected {sorted(wanted)[:1]}..{sorted(wanted)[-1:]}: "
                        f"{data[:160]!r}")
        return problems
    ctype = rheaders.get("content-type", "")
    fmt = g.value(resp, MF.expectedFormat)
    if fmt is not None:
        fmt = str(fmt)
        if fmt == "boolean" and media(ctype) not in ("application/sparql-results+json", "application/sparql-results+xml"):
            problems.append(f"boolean result as {ctype}")
        if fmt == "tabular" and media(ctype) not in TABULAR:
            problems.append(f"tabular result as {ctype}")
        if fmt == "RDF" and media(ctype) not in RDF_TYPES:
            problems.append(f"RDF result as {ctype}")
    expected_boolean = g.value(resp, MF.expectedBoolean)
    if expected_boolean is not None and not problems:
        got = parse_boolean(ctype, data)
        if got != expected_boolean.toPython():
            problems.append(f"boolean {got}, expected {expected_boolean}")
    want_headers = headers_of(g, resp)
    for name, value in want_headers.items():
        if name == "content-type":
            if media(value) != media(ctype):
                problems.append(f"Content-Type {ctype}, expected {value}")
        elif rheaders.get(name) != value:
            problems.append(f"{name}: {rheaders.get(name)}, expected {value}")
    want_body = body_of(g, resp)
    if want_body is not None and not problems:
        f = RDF_TYPES[media(want_headers.get("content-type", ctype))]
        want = rdflib.Graph().parse(data=want_body[0], format=f, publicID=base + "/data")
        got = rdflib.Graph().parse(data=data.decode("utf-8"), format=RDF_TYPES[media(ctype)], publicID=base + "/data")
        if not isomorphic(want, got):
            problems.append(f"{method} {path}: body not isomorphic: got {got.serialize(format='nt')!r}")
    return problems


def load_graph_data(g, test, manifest_dir):
    """Each test starts from an empty store, holding its ut:graphData."""
    data = list(g.objects(test, UT.graphData))
    status, _, body = exchange("POST", "/sparql", {"content-type": "application/sparql-update",
                                                   "authorization": f"Bearer {token}"}, b"DROP ALL")
    assert status == 200, body
    for d in data:
        file = Path(str(g.value(d, UT.graph)).replace("file://", ""))
        if not file.is_absolute():
            file = manifest_dir / file
        name = str(g.value(d, RDFS.label))
        status, _, body = exchange("PUT", "/data?graph=" + urllib.parse.quote(name, safe=""),
                                   {"content-type": "application/n-triples", "authorization": f"Bearer {token}"},
                                   file.read_bytes())
        assert status in (200, 201, 204), body


passed = failed = skipped = 0


def run_manifest(path):
    global passed, failed, skipped
    g = rdflib.Graph().parse(str(path), format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    entries = g.value(manifest, MF.entries)
    if entries is None:
        for inc in Collection(g, g.value(manifest, MF.include)):
            run_manifest(Path(str(inc).replace("file://", "")))
        return
    for test in Collection(g, entries):
        name = str(test).rsplit("#", 1)[-1]
        requires = [str(r).rsplit("#", 1)[-1] for r in g.objects(test, MF.requires)]
        reasons = [SKIP[r] for r in requires if r in SKIP]
        action = g.value(test, MF.action)
        requests = list(Collection(g, g.value(action, HT.requests)))
        if any(headers_of(g, r).get("content-type", "").startswith("multipart/") for r in requests):
            reasons.append(MULTIPART)
        if reasons:
            skipped += 1
            print(f"skip {path.parent.name}/{name}: {reasons[0]}")
            continue
        try:
            load_graph_data(g, test, path.parent)
            problems = []
            for req in requests:
                problems += run_request(g, req)
                if problems:
                    break
        except Exception as e:  # noqa: BLE001 - report and go on
            problems = [f"{type(e).__name__}: {e}"]
        if problems:
            failed += 1
            print(f"FAIL {path.parent.name}/{name}: {g.value(test, MF.name)}\n     " + "\n     ".join(problems))
        else:
            passed += 1
            print(f"ok   {path.parent.name}/{name}")


run_manifest(suite / "protocol" / "manifest.ttl")
run_manifest(suite / "graph-store-protocol" / "manifest.ttl")
print(f"{skipped} skipped (reasons above)")
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
