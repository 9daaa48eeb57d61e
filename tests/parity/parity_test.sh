#!/bin/bash
# Trains the same small model through the C++ recorder and through the Python
# package, then compares the two records (compare_parity.py).
# usage: parity_test.sh BUILD_DIR SOURCE_DIR PARITY_TRAINER
set -euo pipefail
build=$1 source=$2 trainer=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_WAIT_POLICY=PASSIVE
# Both write their checkpoints under the same names: paths are part of the record.
"$trainer" "$work/cpp.trig" "$work/checkpoints" > "$work/cpp.log"
PYTHONPATH="$build/python" /usr/bin/python3 "$source/tests/parity/parity_trainer.py" "$work/python.trig" \
  "$work/checkpoints" > "$work/python.log"
if diff -q "$work/cpp.log" "$work/python.log" > /dev/null; then
  echo "the two trainings printed the same losses and accuracies"
else
  echo "the trainings' numbers differ (values are set aside in the comparison):"
  diff "$work/cpp.log" "$work/python.log" | head -10 || true
fi
/usr/bin/python3 "$source/tests/parity/compare_parity.py" "$build/torchprov" "$work/cpp.trig" "$work/python.trig" \
  "$source" "$work"
