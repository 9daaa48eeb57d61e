#!/bin/bash
# The main job: a short Fashion-MNIST training with provenance capture.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${TORCHPROV_DEMO_DIR:-$root/out}
mkdir -p "$out"
"$root/build/examples/alexnet-fmnist" --epochs "${EPOCHS:-3}" --train-limit "${TRAIN_LIMIT:-12000}" \
  --test-limit 2000 --step-every 20 --checkpoint-dir "$out" --out "$out/alexnet-fmnist.ttl"
echo
echo "provenance written to $out/alexnet-fmnist.ttl ($(grep -c '' "$out/alexnet-fmnist.ttl") lines)"
