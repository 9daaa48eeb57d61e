#!/bin/bash
# Installs the build into a temporary prefix, builds the consumer project
# against it with find_package(torchprov), runs it and checks its output.
set -euo pipefail
build=$1 source=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" > /dev/null
cmake -S "$source" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$work/prefix" > /dev/null
cmake --build "$work/build"
"$work/build/consumer" "$work/run.ttl"
rapper -q -i turtle -c "$work/run.ttl"
grep -q 'dl:Epoch' "$work/run.ttl"
test "$(grep -c 'dl:MetricValue' "$work/run.ttl")" -eq 3
echo "consumer built against the installed package and captured 3 epochs"
