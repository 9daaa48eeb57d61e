#!/bin/bash
# Literals that hold what a C string cannot (U+0000), control characters,
# quotes, backslashes, line breaks, astral-plane text, language tags and
# datatypes survive `torchprov import` -> `torchprov export` in every RDF
# syntax, and CONSTRUCT results written by `torchprov query`.  The oracle is
# rdflib: each output must parse to a graph isomorphic with the input.
#   literal_round_trip_test.sh BUILD_DIR
set -uo pipefail
tp=$(cd "$1" && pwd)/torchprov
PY=/usr/bin/python3
if ! $PY -c 'import rdflib' 2> /dev/null; then
  echo "SKIP: rdflib is missing for $PY (python3-rdflib); the oracle of this test"
  exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-literals.XXXXXX")
trap 'rm -rf "$work"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }

# Escapes in the file; the store holds the characters they stand for.
cat > "$work/hard.ttl" <<'TTL'
@prefix ex: <http://example.org/> .
ex:s ex:nul "\u0000" ;
  ex:inside "C\u0001\u0000\u0000hris" ;
  ex:lang "a\u0000b"@en-GB ;
  ex:typed "7\u0000"^^ex:odd ;
  ex:controls "\t\u0007\u001F\u007F\r" ;
  ex:lines "one\ntwo\r\nthree" ;
  ex:quotes "she said \"\"\" and '''" ;
  ex:backslash "C:\\path\\" ;
  ex:astral "\U0001F600 \u00e9\u4e2d" ;
  ex:empty "" .
_:b ex:nul "end\u0000" .
TTL

"$tp" import --store "$work/store" "$work/hard.ttl" > "$work/import.out" 2>&1 ||
  { fail "import: $(cat "$work/import.out")"; echo "0 passed, 1 failed"; exit 1; }

# same_graph KIND FILE FORMAT: rdflib reads FILE as FORMAT; it must be the input graph.
same_graph() {
  local what=$1 file=$2 format=$3
  local verdict
  verdict=$($PY - "$work/hard.ttl" "$file" "$format" <<'PYEOF' 2>&1
import sys
from rdflib import ConjunctiveGraph, Graph
from rdflib.compare import isomorphic, to_isomorphic, graph_diff
want = Graph().parse(sys.argv[1], format="turtle")
fmt = sys.argv[3]
if fmt in ("nquads", "trig"):
    dataset = ConjunctiveGraph()
    dataset.parse(sys.argv[2], format=fmt)
    got = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        got.add((s, p, o))
else:
    got = Graph().parse(sys.argv[2], format=fmt)
if isomorphic(want, got):
    print("same")
else:
    _, only_want, only_got = graph_diff(to_isomorphic(want), to_isomorphic(got))
    print("differs; missing", sorted(repr(t) for t in only_want)[:3], "unexpected", sorted(repr(t) for t in only_got)[:3])
PYEOF
  )
  [ "$verdict" = same ] && ok "$what: rdflib reads the input graph back" || fail "$what: $verdict"
}

for pair in nt:nt nq:nquads ttl:turtle trig:trig; do
  ext=${pair%%:*} format=${pair##*:}
  if "$tp" export --store "$work/store" --output "$work/out.$ext" > "$work/export.out" 2>&1; then
    same_graph "export to .$ext" "$work/out.$ext" "$format"
  else
    fail "export to .$ext: $(cat "$work/export.out")"
  fi
done

for pair in turtle:turtle ntriples:nt; do
  name=${pair%%:*} format=${pair##*:}
  if "$tp" query --store "$work/store" --format "$name" 'CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }' \
       > "$work/construct.$name" 2> "$work/query.err"; then
    same_graph "CONSTRUCT as $name" "$work/construct.$name" "$format"
  else
    fail "CONSTRUCT as $name: $(cat "$work/query.err")"
  fi
done

# The characters themselves, as the engine counts them.
n=$("$tp" query --store "$work/store" --format tsv \
      'SELECT (STRLEN(?o) AS ?n) WHERE { <http://example.org/s> <http://example.org/inside> ?o }' | tail -1)
[ "$n" = '"8"^^<http://www.w3.org/2001/XMLSchema#integer>' ] || [ "$n" = 8 ] && ok "the store holds all 8 characters" ||
  fail "STRLEN of the literal with U+0000 inside is $n, expected 8"

# Over HTTP: JSON results carry U+0000; XML 1.0 cannot, so asking for XML is
# refused with 406 naming why (not a 500, not a document no reader takes).
port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$tp" serve --store "$work/store" --read-only --port "$port" > "$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2> /dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break; sleep 0.1; done
query='SELECT ?o WHERE { <http://example.org/s> <http://example.org/inside> ?o }'
code=$(curl -s -o "$work/json.out" -w '%{http_code}' -H 'Accept: application/sparql-results+json' \
  --data-urlencode "query=$query" "http://127.0.0.1:$port/sparql")
value=$($PY -c 'import json, sys; print(repr(json.load(open(sys.argv[1]))["results"]["bindings"][0]["o"]["value"]))' \
  "$work/json.out" 2>&1)
[ "$code" = 200 ] && [ "$value" = "'C\\x01\\x00\\x00hris'" ] && ok "JSON results over HTTP carry U+0000" ||
  fail "JSON results over HTTP: $code, value $value"
code=$(curl -s -o "$work/xml.out" -w '%{http_code}' -H 'Accept: application/sparql-results+xml' \
  --data-urlencode "query=$query" "http://127.0.0.1:$port/sparql")
[ "$code" = 406 ] && grep -q "U+0001" "$work/xml.out" && ok "XML results over HTTP: 406, $(cat "$work/xml.out")" ||
  fail "XML results over HTTP: $code, $(head -c 200 "$work/xml.out")"
kill $server 2> /dev/null

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
