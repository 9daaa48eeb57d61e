#!/bin/bash
# The HTTP surface, one curl exchange per check: content negotiation, status
# codes (400 with the syntax error's position, 401/403 on every write route,
# 404, 405, 406, 413, 415, 503 on a query timeout), HEAD, CORS and preflight,
# path traversal, read-only mode.
# usage: curl_matrix_test.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh" "$1"

# req NAME EXPECTED_STATUS CURL_ARGS... ; leaves $work/h (headers) and $work/b (body)
req() {
  local name=$1 want=$2; shift 2
  local got
  got=$(curl -s --max-time 30 -D "$work/h" -o "$work/b" -w '%{http_code}' "$@")
  if [ "$got" = "$want" ]; then pass "$name -> $got"; else fail "$name -> $got, expected $want: $(head -c 200 "$work/b")"; fi
}
header() { tr -d '\r' < "$work/h" | grep -i "^$1:" | head -1 | cut -d' ' -f2-; }
has_header() {  # has_header NAME FIELD PREFIX
  local v; v=$(header "$2")
  if [[ "$v" == "$3"* ]]; then pass "$1: $2: $v"; else fail "$1: $2 is '$v', expected '$3…'"; fi
}
body_has() {
  if grep -q -- "$2" "$work/b"; then pass "$1"; else fail "$1: body lacks '$2': $(head -c 200 "$work/b")"; fi
}

mkdir -p "$work/static/assets"
echo '<!doctype html><title>dash</title>' > "$work/static/index.html"
echo 'secret: root:x:0:0' > "$work/secret.txt"
start_server --max-body-mb 2 --query-timeout 1 --static "$work/static"
auth=(-H "Authorization: Bearer $token")
bad=(-H "Authorization: Bearer not-the-token")

# Data: a small graph, plus 400 triples for the expensive cross product.
{
  echo '@prefix ex: <http://example.org/> .'
  echo 'ex:run1 a ex:Run ; ex:acc 0.5 .'
  for i in $(seq 400); do echo "ex:s$i ex:p $i ."; done
} > "$work/data.ttl"
req "PUT /data?graph= with the token" 201 -X PUT "${auth[@]}" -H 'Content-Type: text/turtle' \
  --data-binary @"$work/data.ttl" "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"
req "PUT again: replaced" 200 -X PUT "${auth[@]}" -H 'Content-Type: text/turtle' \
  --data-binary @"$work/data.ttl" "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"

SELECT='SELECT ?s WHERE { ?s a <http://example.org/Run> }'
ASK='ASK { ?s a <http://example.org/Run> }'
CONSTRUCT='CONSTRUCT { ?s ?p ?o } WHERE { ?s a <http://example.org/Run> ; ?p ?o }'
q() { printf '%s' "$base/sparql?query=$($PY -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1")"; }

# --- content negotiation
for pair in "application/sparql-results+json|application/sparql-results+json" \
            "application/json|application/sparql-results+json" \
            "application/sparql-results+xml|application/sparql-results+xml" \
            "application/xml|application/sparql-results+xml" \
            "text/csv|text/csv" "text/tab-separated-values|text/tab-separated-values" \
            "*/*|application/sparql-results+json" \
            "text/csv;q=0.5, application/sparql-results+xml|application/sparql-results+xml" \
            "text/html, */*;q=0.1|application/sparql-results+json"; do
  accept=${pair%%|*} type=${pair#*|}
  req "SELECT, Accept: $accept" 200 -H "Accept: $accept" "$(q "$SELECT")"
  has_header "SELECT, Accept: $accept" Content-Type "$type"
done
req "SELECT, no Accept" 200 "$(q "$SELECT")"
has_header "SELECT, no Accept" Content-Type application/sparql-results+json
for pair in "application/sparql-results+json|application/sparql-results+json" \
            "application/sparql-results+xml|application/sparql-results+xml"; do
  accept=${pair%%|*} type=${pair#*|}
  req "ASK, Accept: $accept" 200 -H "Accept: $accept" "$(q "$ASK")"
  has_header "ASK, Accept: $accept" Content-Type "$type"
  body_has "ASK answers true ($accept)" true
done
for t in text/turtle application/n-triples application/n-quads application/trig; do
  req "CONSTRUCT, Accept: $t" 200 -H "Accept: $t" "$(q "$CONSTRUCT")"
  has_header "CONSTRUCT, Accept: $t" Content-Type "$t"
  body_has "CONSTRUCT body ($t)" "example.org/run1"
done
req "CONSTRUCT, Accept: */*" 200 -H 'Accept: */*' "$(q "$CONSTRUCT")"
has_header "CONSTRUCT, Accept: */*" Content-Type text/turtle
req "SELECT, Accept: text/turtle only: 406" 406 -H 'Accept: text/turtle' "$(q "$SELECT")"
req "SELECT, Accept: image/png: 406" 406 -H 'Accept: image/png' "$(q "$SELECT")"
req "ASK, Accept: application/n-triples: 406" 406 -H 'Accept: application/n-triples' "$(q "$ASK")"
req "CONSTRUCT, Accept: application/sparql-results+json: 406" 406 -H 'Accept: application/sparql-results+json' "$(q "$CONSTRUCT")"
req "CONSTRUCT, Accept: application/rdf+xml: 406" 406 -H 'Accept: application/rdf+xml' "$(q "$CONSTRUCT")"
req "SELECT, Accept: */*, application/sparql-results+json;q=0 -> other" 200 \
  -H 'Accept: */*, application/sparql-results+json;q=0, application/json;q=0' "$(q "$SELECT")"
has_header "JSON refused under both names" Content-Type application/sparql-results+xml
req "GET /data?graph=, Accept: text/turtle" 200 -H 'Accept: text/turtle' "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"
has_header "GET /data?graph= Turtle" Content-Type text/turtle
req "GET /data?graph=, Accept: application/n-triples" 200 -H 'Accept: application/n-triples' "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"
has_header "GET /data?graph= N-Triples" Content-Type application/n-triples
req "GET /data, Accept: application/n-quads" 200 -H 'Accept: application/n-quads' "$base/data"
has_header "GET /data N-Quads" Content-Type application/n-quads
req "GET /data, Accept: application/trig" 200 -H 'Accept: application/trig' "$base/data"
has_header "GET /data TriG" Content-Type application/trig
req "GET /data (whole store), Accept: text/turtle: 406" 406 -H 'Accept: text/turtle' "$base/data"
req "GET /data?graph=, Accept: application/rdf+xml: 406" 406 -H 'Accept: application/rdf+xml' "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"

# --- 400
req "syntax error: 400" 400 "$(q 'SELECT ?s WHERE { ?s ?p }')"
body_has "400 names the line and column" "line 1, column"
req "syntax error on line 3: 400" 400 --data-urlencode "query=$(printf 'PREFIX ex: <http://example.org/>\nSELECT ?s\nWHERE { ?s ex:p ?o FILTER( }')" "$base/sparql"
body_has "400 names line 3" "line 3, column"
req "update syntax error: 400" 400 "${auth[@]}" --data-urlencode 'update=INSERT DATA { <a> <b> }' "$base/sparql"
body_has "update 400 names the position" "line 1, column"
req "update by GET: 400" 400 "$base/sparql?update=CLEAR%20ALL"
req "query and update together: 400" 400 "${auth[@]}" --data 'query=ASK{}&update=CLEAR%20ALL' "$base/sparql"
req "POST /sparql without query: 400" 400 --data 'foo=bar' "$base/sparql"
req "malformed Turtle PUT: 400" 400 -X PUT "${auth[@]}" -H 'Content-Type: text/turtle' --data-binary '<a> <b> .' \
  "$base/data?graph=http%3A%2F%2Fexample.org%2Fbad"
req "the bad PUT stored nothing (404)" 404 "$base/data?graph=http%3A%2F%2Fexample.org%2Fbad"
req "two query parameters: 400" 400 "$base/sparql?query=ASK%7B%7D&query=ASK%7B%7D"

# --- 401 / 403 on every write route
declare -a writes=(
  "POST /sparql update (form)|-X POST --data update=CLEAR%20ALL $base/sparql"
  "POST /sparql update (direct)|-X POST -H Content-Type:application/sparql-update --data-binary CLEAR%20ALL $base/sparql"
  "PUT /data|-X PUT -H Content-Type:text/turtle --data-binary @$work/data.ttl $base/data?graph=http%3A%2F%2Fexample.org%2Fw"
  "POST /data|-X POST -H Content-Type:text/turtle --data-binary @$work/data.ttl $base/data?default"
  "POST /data quads|-X POST -H Content-Type:application/n-quads --data-binary @/dev/null $base/data"
  "DELETE /data|-X DELETE $base/data?graph=http%3A%2F%2Fexample.org%2Fg"
  "POST /api/adaptations|-X POST -H Content-Type:application/json --data-binary {} $base/api/adaptations"
)
for w in "${writes[@]}"; do
  name=${w%%|*}; read -r -a args <<< "${w#*|}"
  req "$name without token: 401" 401 "${args[@]}"
  has_header "$name 401" WWW-Authenticate "Basic realm"
  req "$name with a wrong token: 403" 403 "${bad[@]}" "${args[@]}"
  req "$name with a wrong Basic password: 403" 403 -u "x:wrong" "${args[@]}"
done
req "browsers get a Bearer challenge only" 401 -H 'Origin: http://example.com' -X DELETE "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"
has_header "browser 401" WWW-Authenticate "Bearer realm"
req "graph still there after the refused writes" 200 -H 'Accept: application/n-triples' "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"
cp "$work/b" "$work/still.nt"
check "all 402 triples still there (the graph is isomorphic to the Turtle PUT)" \
  $PY "$here/compare.py" graphs "$work/data.ttl" "$work/still.nt"
req "update with HTTP Basic (token as password)" 200 -u "me:$token" --data-urlencode \
  'update=INSERT DATA { GRAPH <http://example.org/b> { <http://example.org/x> <http://example.org/y> 1 } }' "$base/sparql"

# --- 404
req "GET unknown graph: 404" 404 "$base/data?graph=http%3A%2F%2Fexample.org%2Fnone"
req "HEAD unknown graph: 404" 404 -I "$base/data?graph=http%3A%2F%2Fexample.org%2Fnone"
req "DELETE unknown graph: 404" 404 -X DELETE "${auth[@]}" "$base/data?graph=http%3A%2F%2Fexample.org%2Fnone"
req "unknown path: 404" 404 "$base/no/such/page"
req "ontology: 200" 200 "$base/ontology"

# --- 405
req "PUT /sparql: 405" 405 -X PUT "${auth[@]}" --data 'query=ASK{}' "$base/sparql"
req "DELETE /sparql: 405" 405 -X DELETE "${auth[@]}" "$base/sparql"
req "PATCH /data: 405" 405 -X PATCH "${auth[@]}" "$base/data?default"
req "DELETE /api/adaptations: 405" 405 -X DELETE "${auth[@]}" "$base/api/adaptations"
req "POST / (static): 405" 405 -X POST "${auth[@]}" --data x=1 "$base/"
req "POST /health: 405" 405 -X POST "${auth[@]}" --data x=1 "$base/health"
req "PUT /metrics: 405" 405 -X PUT "${auth[@]}" --data x=1 "$base/metrics"
req "PUT /ontology: 405" 405 -X PUT "${auth[@]}" --data x=1 "$base/ontology"

# --- 413
head -c $((3 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > "$work/big.ttl"
req "body over --max-body-mb 2: 413" 413 -X POST "${auth[@]}" -H 'Content-Type: text/turtle' \
  --data-binary @"$work/big.ttl" "$base/data?default"
{ printf 'ASK { '; head -c $((1024 * 1024 + 100)) /dev/zero | tr '\0' ' '; printf '}'; } > "$work/long.rq"
req "query over the 1 MiB query limit: 413" 413 -H 'Content-Type: application/sparql-query' --data-binary @"$work/long.rq" "$base/sparql"
body_has "413 names the limit" "limit"

# --- 415
req "POST /sparql text/plain: 415" 415 -H 'Content-Type: text/plain' --data-binary 'ASK {}' "$base/sparql"
req "POST /sparql no Content-Type: 415" 415 -H 'Content-Type:' --data-binary 'ASK {}' "$base/sparql"
req "PUT /data application/ld+json: 415" 415 -X PUT "${auth[@]}" -H 'Content-Type: application/ld+json' \
  --data-binary '{}' "$base/data?graph=http%3A%2F%2Fexample.org%2Fx"
# RDF/XML bodies are read (Raptor): a malformed one is a 400 naming the problem
# and stores nothing; a well-formed one is stored as its triples.
req "PUT /data malformed application/rdf+xml: 400" 400 -X PUT "${auth[@]}" -H 'Content-Type: application/rdf+xml' \
  --data-binary '<rdf:RDF/>' "$base/data?graph=http%3A%2F%2Fexample.org%2Fx"
body_has "400 names the undeclared prefix" 'namespace prefix in "rdf:RDF" was not declared'
req "nothing stored by the malformed RDF/XML: 404" 404 -H 'Accept: application/n-triples' "$base/data?graph=http%3A%2F%2Fexample.org%2Fx"
req "PUT /data application/rdf+xml: 201" 201 -X PUT "${auth[@]}" -H 'Content-Type: application/rdf+xml' \
  --data-binary '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:e="http://example.org/"><rdf:Description rdf:about="http://example.org/s"><e:p xml:lang="en">x</e:p></rdf:Description></rdf:RDF>' \
  "$base/data?graph=http%3A%2F%2Fexample.org%2Fx"
req "the RDF/XML graph read back" 200 -H 'Accept: application/n-triples' "$base/data?graph=http%3A%2F%2Fexample.org%2Fx"
body_has "its one triple, language tag kept" '<http://example.org/s> <http://example.org/p> "x"@en .'
req "POST /data application/json: 415" 415 -X POST "${auth[@]}" -H 'Content-Type: application/json' --data-binary '{}' "$base/data"
req "direct POST, charset=UTF-16: 415" 415 -H 'Content-Type: application/sparql-query; charset=UTF-16' --data-binary 'ASK {}' "$base/sparql"

# --- 503: timeout
req "cross product over --query-timeout 1: 503" 503 --max-time 20 -H 'Accept: text/csv' --data-urlencode \
  'query=SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }' "$base/sparql"
body_has "503 says it timed out" "timed out"
req "server still answers after the timeout" 200 "$base/health"

# --- large results stream (chunked), whole and well-formed
BIG='SELECT ?a ?x ?b WHERE { ?a <http://example.org/p> ?x . ?b <http://example.org/p> ?y } LIMIT 100000'
req "100,000-row SELECT as CSV" 200 -H 'Accept: text/csv' "$(q "$BIG")"
has_header "large CSV" Transfer-Encoding chunked
rows=$(($(wc -l < "$work/b") - 1))
[ "$rows" = 100000 ] && pass "large CSV has 100000 rows" || fail "large CSV has $rows rows"
req "100,000-row SELECT as JSON" 200 -H 'Accept: application/sparql-results+json' "$(q "$BIG")"
has_header "large JSON" Transfer-Encoding chunked
check "large JSON parses with 100000 bindings" $PY -c \
  'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(len(d["results"]["bindings"]) != 100000)' "$work/b"
req "next request on a new connection after a stream" 200 "$(q "$ASK")"
# Two requests on one keep-alive connection: a streamed result, then another.
second=$(curl -s -H 'Accept: text/csv' -o /dev/null -o "$work/b" -w '%{num_connects} %{http_code}\n' "$(q "$BIG")" "$(q "$ASK")" | tail -1)
[ "$second" = "0 200" ] && tr -d '\r' < "$work/b" | grep -qx true && pass "keep-alive: a second request on the connection after a chunked body" \
  || fail "keep-alive after a chunked body: '$second' $(head -c 100 "$work/b")"

# --- HEAD
req "HEAD /sparql?query=" 200 -I "$(q "$SELECT")"
has_header "HEAD /sparql" Content-Type application/sparql-results+json
# curl -I cannot tell a body from none: ask over a raw socket.
$PY - "$port" <<'PY' && pass "HEAD has no body" || fail "HEAD has a body"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(b"HEAD /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
head, _, rest = data.partition(b"\r\n\r\n")
sys.exit(0 if head.startswith(b"HTTP/1.1 200") and rest == b"" else 1)
PY
len=$(header Content-Length)
curl -s -o "$work/get" "$(q "$SELECT")"
[ "$len" = "$(stat -c %s "$work/get")" ] && pass "HEAD Content-Length = GET size ($len)" || fail "HEAD Content-Length $len != GET $(stat -c %s "$work/get")"
req "HEAD /data?graph=" 200 -I -H 'Accept: text/turtle' "$base/data?graph=http%3A%2F%2Fexample.org%2Fg"
has_header "HEAD /data" Content-Type text/turtle
req "HEAD /health" 200 -I "$base/health"

# --- CORS
req "GET with Origin" 200 -H 'Origin: http://dash.example' "$(q "$SELECT")"
has_header "CORS on a read" Access-Control-Allow-Origin "*"
req "OPTIONS preflight" 204 -X OPTIONS -H 'Origin: http://dash.example' -H 'Access-Control-Request-Method: POST' \
  -H 'Access-Control-Request-Headers: authorization, content-type' "$base/sparql"
has_header "preflight" Access-Control-Allow-Origin "*"
has_header "preflight" Access-Control-Allow-Methods "GET, HEAD, POST, PUT, DELETE"
v=$(header Access-Control-Allow-Headers); [[ "$v" == *Authorization* && "$v" == *Content-Type* ]] &&
  pass "preflight allows Authorization, Content-Type" || fail "preflight Allow-Headers: $v"

# --- path traversal (a static folder is served at /; $work/secret.txt lies next to it)
req "static index" 200 "$base/"
body_has "static index served" "<title>dash</title>"
for path in '/../secret.txt' '/%2e%2e/secret.txt' '/assets/%2e%2e/%2e%2e/secret.txt' '/..%2fsecret.txt' \
            '/assets/..%2f..%2fsecret.txt' '/../../../../etc/passwd' '/%2e%2e/%2e%2e/%2e%2e/etc/passwd' '/..%2f..%2f..%2fetc%2fpasswd' \
            '/%2E%2E%2F%2E%2E%2Fetc/passwd' '/assets/../../../../etc/passwd' '/....//....//etc/passwd' '/ontology/../../etc/passwd'; do
  code=$(curl -s --path-as-is -o "$work/b" -w '%{http_code}' "$base$path")
  # /ontology/… always answers the ontology itself
  if { [ "$code" != 200 ] || [[ "$path" == /ontology/* ]]; } && ! grep -q 'root:' "$work/b"; then pass "no traversal: $path -> $code"
  else fail "traversal: $path -> $code"; fi
done

# --- read-only mode
start_server --read-only
req "read-only: query still works" 200 "$(q 'ASK {}')"
req "read-only: update with the token: 403" 403 -H "Authorization: Bearer $token" --data 'update=CLEAR%20ALL' "$base/sparql"
req "read-only: PUT /data with the token: 403" 403 -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: text/turtle' \
  --data-binary '<http://a> <http://b> <http://c> .' "$base/data?default"
req "read-only: POST /data with the token: 403" 403 -X POST -H "Authorization: Bearer $token" -H 'Content-Type: text/turtle' \
  --data-binary '<http://a> <http://b> <http://c> .' "$base/data?default"
req "read-only: DELETE /data with the token: 403" 403 -X DELETE -H "Authorization: Bearer $token" "$base/data?default"
req "read-only: POST /api/adaptations: 403" 403 -X POST -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data '{}' "$base/api/adaptations"

# --- CORS restricted to a list
start_server --cors 'http://a.example,http://b.example'
req "listed origin" 200 -H 'Origin: http://b.example' "$(q 'ASK {}')"
has_header "listed origin echoed" Access-Control-Allow-Origin "http://b.example"
req "unlisted origin" 200 -H 'Origin: http://evil.example' "$(q 'ASK {}')"
[ -z "$(header Access-Control-Allow-Origin)" ] && pass "unlisted origin gets no Allow-Origin" || fail "unlisted origin allowed"
finish
