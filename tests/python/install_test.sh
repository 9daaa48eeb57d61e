#!/bin/bash
# `cmake --install BUILD --component python --prefix ~/.local` (the README's
# command), with a temporary home: /usr/bin/python3 then imports torchprov
# from the user's site directory, from anywhere, without PYTHONPATH.
set -euo pipefail
build=$1
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
cmake --install "$build" --component python --prefix "$home/.local" > /dev/null
cd "$home"
where=$(env -u PYTHONPATH HOME="$home" OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 -c '
import torch, torchprov
m = torch.nn.Linear(2, 1)
with torchprov.Recorder(out="run.ttl") as rec:
    rec.start_run(m, torch.optim.SGD(m.parameters(), lr=0.1), epochs=1)
    with rec.epoch() as ep:
        ep.metric("loss", "train", 0.5)
print(torchprov.__file__)')
echo "imported from $where"
case "$where" in
  "$home"/.local/lib/python3*/site-packages/torchprov/__init__.py) ;;
  *) echo "FAIL: not imported from the user's site directory"; exit 1 ;;
esac
rapper -q -i turtle -c run.ttl
grep -q '"completed"' run.ttl
echo "installed for a user and captured a run"
