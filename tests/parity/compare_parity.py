#!/usr/bin/python3
"""The same training recorded through the C++ recorder and through the Python
package must give the same provenance, values aside: the same classes and
properties, and the same answers from every canned query (ontology/queries)
and every steering rule (ontology/rules, bound to each run).

usage: compare_parity.py TORCHPROV CPP.trig PY.trig SOURCE_DIR WORK_DIR

Answers are compared as multisets of rows in which doubles, times, run ids
and run IRIs are set aside; integers (epoch numbers, counts), names, splits,
agents and whether each variable is bound must agree.  Rules are bound to a
run as the server binds them (VALUES ?run { <run> } at the start of the
WHERE clause), run by run in the order of their seeds.
"""
import atexit
import json
import pathlib
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections import Counter

import rdflib

torchprov, cpp_file, py_file, source, work = sys.argv[1:6]
source, work = pathlib.Path(source).resolve(), pathlib.Path(work).resolve()
RDF_TYPE = rdflib.RDF.type
DL = "https://w3id.org/torchprov/dl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    print(("ok   " if condition else "FAIL ") + message, flush=True)


# --- classes and properties ---------------------------------------------------
graphs = {}
for side, path in (("C++", cpp_file), ("Python", py_file)):
    g = rdflib.ConjunctiveGraph()  # queries see the union of the runs' named graphs
    g.parse(path, format="trig")
    graphs[side] = g


def vocabulary(g):
    classes = Counter(str(o) for _, p, o, _ in g.quads((None, RDF_TYPE, None, None)))
    properties = {str(p) for _, p, _, _ in g.quads((None, None, None, None))}
    return classes, properties


(cpp_classes, cpp_props), (py_classes, py_props) = vocabulary(graphs["C++"]), vocabulary(graphs["Python"])
check(set(cpp_classes) == set(py_classes),
      f"the same classes ({len(cpp_classes)}); only C++: {sorted(set(cpp_classes) - set(py_classes))}, "
      f"only Python: {sorted(set(py_classes) - set(cpp_classes))}")
# The Python trainer also names its interpreter's version.
check(py_props - cpp_props == {DL + "pythonVersion"} and cpp_props <= py_props,
      f"the same properties ({len(cpp_props)}) but dl:pythonVersion; only C++: {sorted(cpp_props - py_props)}, "
      f"only Python: {sorted(py_props - cpp_props - {DL + 'pythonVersion'})}")


def setting_names(g):
    q = ("SELECT ?name (COUNT(?s) AS ?n) WHERE { ?s a <%sHyperparameterSetting> ; <%sname> ?name } GROUP BY ?name"
         % (DL, DL))
    return {str(r[0]): int(r[1]) for r in g.query(q)}


cpp_settings, py_settings = setting_names(graphs["C++"]), setting_names(graphs["Python"])
# torch.optim param groups also hold `maximize`, which libtorch's options do not have.
check({k: v for k, v in py_settings.items() if k != "maximize"} == cpp_settings and py_settings.get("maximize") == 3,
      f"the same hyperparameter settings and revisions by name, and Python's maximize for 3 runs: "
      f"C++ {sorted(cpp_settings.items())}, Python {sorted(py_settings.items())}")

def statements(g):
    """Every statement with values aside: doubles and times, the run ids, the
    bytes of the checkpoints (torch.save and libtorch's save write different
    files) and the software versions; without the settings named maximize."""
    aside = {DL + "sha256", DL + "bytes"}
    out = Counter()
    for s_, p, o, _ in g.quads((None, None, None, None)):
        if "/hp/maximize/" in s_ or "/hp/maximize/" in o or str(p) == DL + "pythonVersion":
            continue
        if (str(p) in aside and "/checkpoint/" in s_) or str(p) == DL + "libtorchVersion":
            o_text = "<value>"
        elif isinstance(o, rdflib.Literal) and o.datatype is not None and str(o.datatype) in (
                XSD + "double", XSD + "dateTime"):
            o_text = "<" + str(o.datatype).rsplit("#", 1)[1] + ">"
        else:
            o_text = UUID.sub("<run>", o.n3())
        out[(UUID.sub("<run>", s_.n3()), p.n3(), o_text)] += 1
    return out


cpp_statements, py_statements = statements(graphs["C++"]), statements(graphs["Python"])
only_cpp, only_py = cpp_statements - py_statements, py_statements - cpp_statements
check(not only_cpp and not only_py,
      f"the same {sum(cpp_statements.values())} statements, values aside; only C++: {sorted(only_cpp)[:5]}, "
      f"only Python: {sorted(only_py)[:5]}")
for cls in sorted(set(cpp_classes) | set(py_classes)):
    if cls.endswith("HyperparameterSetting") or cls.endswith("#Entity"):
        continue  # differ by the maximize settings, counted above
    check(cpp_classes[cls] == py_classes[cls], f"{cls.rsplit('#', 1)[-1]}: {cpp_classes[cls]} in C++, "
                                               f"{py_classes[cls]} in Python")


# --- the stores, each behind its own server ----------------------------------------
def run(*args):
    done = subprocess.run([torchprov, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"torchprov {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


servers, endpoints = [], {}
for side, path in (("C++", cpp_file), ("Python", py_file)):
    store = str(work / ("store-" + ("cpp" if side == "C++" else "python")))
    run("import", "--store", store, path)
    port = free_port()
    servers.append(subprocess.Popen([torchprov, "serve", "--store", store, "--port", str(port)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    endpoints[side] = f"http://127.0.0.1:{port}/sparql"
atexit.register(lambda: [(s.terminate(), s.wait(timeout=30)) for s in servers])
for side, endpoint in endpoints.items():
    for _ in range(150):
        try:
            urllib.request.urlopen(endpoint.replace("/sparql", "/health"), timeout=5)
            break
        except OSError:
            time.sleep(0.2)


def answer(side, query):
    request = urllib.request.Request(endpoints[side], data=urllib.parse.urlencode({"query": query}).encode(),
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=120) as reply:
        return json.loads(reply.read())


def normalized(result):
    """A result with values aside: ASK's boolean, or the multiset of rows."""
    if "boolean" in result:
        return result["boolean"]
    variables = result["head"]["vars"]
    rows = []
    for binding in result["results"]["bindings"]:
        row = []
        for v in variables:
            cell = binding.get(v)
            if cell is None:
                row.append("unbound")
            elif cell["type"] == "uri":
                row.append("iri " + UUID.sub("<run>", cell["value"]))
            elif cell["type"] == "bnode":
                row.append("bnode")
            else:
                datatype = cell.get("datatype", XSD + "string")
                if datatype in (XSD + "integer", XSD + "long", XSD + "int") or datatype == XSD + "boolean":
                    row.append(f"{datatype.rsplit('#', 1)[1]} {cell['value']}")
                elif datatype == XSD + "string" and not UUID.fullmatch(cell["value"]):
                    row.append("string " + UUID.sub("<run>", cell["value"]))
                else:
                    row.append(datatype.rsplit("#", 1)[-1])  # doubles, decimals, times, run ids: values aside
        rows.append(tuple(row))
    return variables, Counter(rows)


# --- canned queries -----------------------------------------------------------
queries = sorted((source / "ontology" / "queries").glob("*.rq"))
check(len(queries) >= 7, f"{len(queries)} canned queries")
for q in queries:
    text = q.read_text()
    cpp, py = normalized(answer("C++", text)), normalized(answer("Python", text))
    rows = sum(cpp[1].values()) if isinstance(cpp, tuple) else cpp
    check(cpp == py, f"{q.name} answers alike ({rows} rows)")
    if cpp != py and isinstance(cpp, tuple):
        print("  C++:   ", sorted(cpp[1].items())[:6], "\n  Python:", sorted(py[1].items())[:6])
    check(not isinstance(cpp, tuple) or rows > 0, f"{q.name} has an answer to compare")


# --- the dashboard's queries --------------------------------------------------------
def dashboard_queries(runs):
    """The SPARQL the dashboard sends (sparql-endpoint/dashboard/src/queries.js), for these runs."""
    module = (source / "sparql-endpoint" / "dashboard" / "src" / "queries.js").as_uri()
    script = (f"import * as q from '{module}'; const runs = {json.dumps(runs)};"
              "console.log(JSON.stringify({runs: q.runsQuery(), curves: q.curvesQuery(runs),"
              " adaptations: q.adaptationsQuery(runs), 'best accuracy': q.hparamsQuery('best:accuracy'),"
              " 'final loss': q.hparamsQuery('final:loss'),"
              " settings: runs.map((r) => q.currentSettingsQuery(r)).join('\\n#\\n')}))")
    done = subprocess.run(["node", "--input-type=module", "-e", script], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit("node could not build the dashboard's queries:\n" + done.stderr)
    return json.loads(done.stdout)


def without_maximize(answer):
    """torch.optim's maximize is a setting libtorch does not have: the only expected extra rows."""
    variables, rows = answer
    return variables, Counter({r: n for r, n in rows.items() if "string maximize" not in r})


# --- rules --------------------------------------------------------------------
def runs_by_seed(side):
    q = ("PREFIX dl: <%s> PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?run ?seed WHERE { "
         "?run a dl:TrainingRun ; prov:used ?s . ?s dl:name \"seed\" ; prov:value ?seed } ORDER BY ?seed" % DL)
    return [b["run"]["value"] for b in answer(side, q)["results"]["bindings"]]


def bind_run(query, run_iri):
    """VALUES ?run { <run> } at the start of the WHERE clause (comments skipped)."""
    code = "\n".join(line for line in query.splitlines() if not line.lstrip().startswith("#"))
    brace = code.index("{")
    return code[:brace + 1] + f" VALUES ?run {{ <{run_iri}> }} " + code[brace + 1:]


cpp_runs, py_runs = runs_by_seed("C++"), runs_by_seed("Python")
check(len(cpp_runs) == len(py_runs) == 3, f"3 runs on each side ({len(cpp_runs)}, {len(py_runs)})")
fired = 0
for rule in sorted((source / "ontology" / "rules").glob("*.rq")):
    text = rule.read_text()
    for i, (cpp_run, py_run) in enumerate(zip(cpp_runs, py_runs), start=1):
        cpp, py = normalized(answer("C++", bind_run(text, cpp_run))), normalized(answer("Python", bind_run(text, py_run)))
        fires = cpp if isinstance(cpp, bool) else sum(cpp[1].values()) > 0
        fired += bool(fires)
        check(cpp == py, f"rule {rule.stem} on run {i} answers alike (fires: {fires})")
# Comparing rules that never fire would show nothing.
check(fired >= 2, f"rules fire on both sides ({fired} rule/run pairs)")

cpp_dashboard, py_dashboard = dashboard_queries(cpp_runs), dashboard_queries(py_runs)
for view in cpp_dashboard:
    queries_of = {"C++": cpp_dashboard[view].split("\n#\n"), "Python": py_dashboard[view].split("\n#\n")}
    for k, (cpp_query, py_query) in enumerate(zip(queries_of["C++"], queries_of["Python"])):
        cpp, py = normalized(answer("C++", cpp_query)), without_maximize(normalized(answer("Python", py_query)))
        rows = sum(cpp[1].values())
        check(cpp == py and rows > 0, f"the dashboard's {view} query answers alike ({rows} rows)")
        if cpp != py:
            print("  only C++:   ", sorted((cpp[1] - py[1]).items())[:4], "\n  only Python:",
                  sorted((py[1] - cpp[1]).items())[:4])

print(f"\n{len(failures)} failures" if failures else "\nthe C++ and Python provenance agree")
sys.exit(1 if failures else 0)
