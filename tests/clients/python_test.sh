#!/bin/bash
# SPARQLWrapper and rdflib (Debian's python3) against a private server.
# usage: python_test.sh BUILD_DIR
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh" "$1"
$PY -c 'import rdflib, SPARQLWrapper' 2> /dev/null || { echo "SKIP: Debian's python3-rdflib / python3-sparqlwrapper missing"; exit 77; }
start_server
timeout 120 $PY -W ignore::RuntimeWarning "$here/python_clients.py" "$base" "$token"
