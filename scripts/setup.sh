#!/bin/bash
# Installs the Debian packages torchprov needs to build, run and test.
# Idempotent: does nothing when every package is already installed.
set -euo pipefail
packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # libraries
  libtorch-dev librdf0-dev librasqal3-dev libraptor2-dev libserd-dev libsord-dev
  libboost-dev libgtest-dev libgmock-dev zlib1g-dev libssl-dev libdb-dev
  # tools the tests and users call
  serdi sordi raptor2-utils redland-utils rasqal-utils
  python3-prov python3-rdflib python3-sparqlwrapper
  # data
  dataset-fashion-mnist
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages present"
  exit 0
fi
echo "setup: installing ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
