#!/bin/bash
# The engine against Jena ARQ on COUNT generated cases (random small
# datasets, queries from the grammar in differential_cases.cpp).
# usage: differential.sh BUILD_DIR [COUNT] [SEED]
set -euo pipefail
build=$(cd "$1" && pwd)
count=${2:-300}
seed=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
command -v java > /dev/null || { echo "SKIP: java is not installed"; exit 77; }
[ -f /usr/share/java/jena-arq.jar ] || { echo "SKIP: Jena (libapache-jena-java) is not installed"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/torchprov-differential.XXXXXX")
trap 'rm -rf "$work"' EXIT
"$build/tests/fuzz/differential_check" generate "$work" "$count" "$seed"
timeout 900 "$here/../tools/jena.sh" "$here/JenaAnswers.java" "$work"
"$build/tests/fuzz/differential_check" compare "$work" "$here/differential_known.txt"
