#!/bin/bash
# The W3C SPARQL 1.1 Protocol and Graph Store Protocol manifests, run as HTTP
# exchanges against a private server (see w3c_protocol.py for what is skipped).
# usage: w3c_protocol_test.sh BUILD_DIR W3C_SUITE_DIR
here=$(cd "$(dirname "$0")" && pwd)
source "$here/common.sh" "$1"
suite=${2:-$here/../../../shared/w3c-sparql11}
if [ ! -f "$suite/protocol/manifest.ttl" ]; then echo "SKIP: no W3C suite at $suite"; exit 77; fi
start_server
timeout 300 $PY "$here/w3c_protocol.py" "$base" "$token" "$suite"
