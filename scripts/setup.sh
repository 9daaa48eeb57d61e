#!/bin/bash
# Installs the Debian packages torchprov needs to build, run and test, then
# the front end's npm packages, and builds the dashboard.  Needs only bash and
# apt: a stock Debian 12 root has no make, compiler or curl, and gets them
# here.  Idempotent: does nothing when everything is already installed.
set -euo pipefail
packages=(
  # toolchain
  make build-essential cmake ninja-build pkg-config git ca-certificates
  # libraries
  libtorch-dev librdf0-dev librasqal3-dev libraptor2-dev libserd-dev libsord-dev
  libboost-dev libgtest-dev libgmock-dev zlib1g-dev libssl-dev libdb-dev nlohmann-json3-dev libexpat1-dev libxxhash-dev liburiparser-dev
  librdf-storage-sqlite
  libgraphviz-dev
  # tools the tests and users call
  serdi sordi raptor2-utils redland-utils rasqal-utils curl unzip graphviz
  # the HTTPS tests make their certificates with the openssl command; clients trust the system CAs
  openssl ca-certificates
  python3-prov python3-rdflib python3-sparqlwrapper
  # the Python package: PyTorch for /usr/bin/python3 and the binding's build
  python3-torch python3-numpy python3-dev pybind11-dev
  libapache-jena-java
  # dashboard build and browser tests
  chromium fonts-dejavu-core
  # data
  dataset-fashion-mnist
  # an external SPARQL store for the backend-mode tests and benchmarks
  virtuoso-opensource
)
# Virtuoso connects to itself through "localhost", which a bare Debian root
# (debootstrap, without the installer's /etc/hosts) does not resolve.
if ! getent hosts localhost > /dev/null; then
  echo "setup: 'localhost' does not resolve; adding it to /etc/hosts"
  as_root=""
  [ "$(id -u)" -eq 0 ] || as_root=sudo
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' | $as_root tee -a /etc/hosts > /dev/null
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and Java may come from other packagings (nodesource's nodejs holds npm):
# only ask Debian for it when the commands are missing.
command -v node > /dev/null || missing+=(nodejs)
command -v npm > /dev/null || missing+=(npm)
command -v java > /dev/null || missing+=(default-jre-headless)
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} Debian packages present"
else
  echo "setup: installing ${#missing[@]} Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # Virtuoso's package asks for a dba password; an empty answer keeps the
  # system-wide daemon disabled (the tests start private servers of their
  # own), and answering here keeps the install from waiting for a person.
  printf '%s\n' 'virtuoso-opensource-7 virtuoso-opensource-7/dba-password password ' \
    'virtuoso-opensource-7 virtuoso-opensource-7/dba-password-again password ' | $SUDO debconf-set-selections
  # On a terminal apt draws its own progress line; in logs it stays quiet.
  quiet=-q
  [ -t 1 ] && quiet=
  $SUDO apt-get update $quiet
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $quiet --no-install-recommends "${missing[@]}"
  echo "setup: Debian packages installed in $SECONDS s"
fi

# Front-end packages come from npm, pinned by their lock files; the built
# dashboard is served by `torchprov serve` (no CDN at run time).
root=$(cd "$(dirname "$0")/.." && pwd)
npm_install() {  # DIR: install from the lock file unless it is already installed
  if [ ! -d "$1/node_modules" ] || [ "$1/package-lock.json" -nt "$1/node_modules/.package-lock.json" ]; then
    local start=$SECONDS
    echo "setup: npm ci in ${1#"$root"/} (node $(node --version))"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    echo "setup: ${1#"$root"/}: npm packages installed in $((SECONDS - start)) s"
  fi
}
npm_install "$root/sparql-endpoint/dashboard"
if [ ! -f "$root/sparql-endpoint/dashboard/dist/index.html" ] ||
   [ -n "$(find "$root/sparql-endpoint/dashboard/src" "$root/sparql-endpoint/dashboard/queries" "$root/sparql-endpoint/dashboard/index.html" -newer "$root/sparql-endpoint/dashboard/dist/index.html" 2>/dev/null | head -1)" ]; then
  echo "setup: building the dashboard (vite)"
  (cd "$root/sparql-endpoint/dashboard" && npm run build --silent)
fi
npm_install "$root/tests/browser"
# Oxigraph: the other engine of the store benchmark and the oracle of its smoke test.
npm_install "$root/bench/oxigraph"
