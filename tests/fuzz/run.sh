#!/bin/bash
# `make fuzz`: builds the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined)
# and runs each for FUZZ_SECONDS from its corpus, then prints executions,
# coverage and findings per target.
#
# usage: tests/fuzz/run.sh [BUILD_DIR] [SECONDS] [TARGET...]
#   BUILD_DIR  default build-fuzz; corpora grow in BUILD_DIR/corpus/TARGET,
#              findings land in BUILD_DIR/findings/TARGET
#   SECONDS    per target, default 60
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-build-fuzz}
seconds=${2:-60}
shift $(( $# > 2 ? 2 : $# )) || true
case "$build" in /*) ;; *) build="$root/$build" ;; esac

# The toolchain: Debian's clang-15 and its libFuzzer, installed on first use.
if ! command -v clang++-15 > /dev/null ||
   ! ls /usr/lib/llvm-15/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a > /dev/null 2>&1; then
  echo "fuzz: installing clang-15 and libfuzzer-15-dev"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends clang-15 libfuzzer-15-dev
fi

if [ ! -f "$build/build.ninja" ]; then
  CC=clang-15 CXX=clang++-15 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTORCHPROV_FUZZ=ON
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(sed -n '/^set(TORCHPROV_FUZZ_TARGETS$/,/)/p' "$root/tests/fuzz/CMakeLists.txt" |
                         grep -v TORCHPROV_FUZZ_TARGETS | tr -d ')' | tr ' ' '\n' | grep -v '^$')
fi
cmake --build "$build" -j "${JOBS:-2}" --target $(printf 'fuzz_%s ' "${targets[@]}")

# Seeds: the committed ones, the regressions, and what the tests and the W3C
# suite hold for each entry point.
w3c="${TORCHPROV_W3C_DIR:-$root/../shared/w3c-sparql11}"
seed_dirs() {  # TARGET -> folders and files that seed it
  local t=$1
  echo "$root/tests/fuzz/seeds/$t" "$root/tests/fuzz/regressions/$t"
  case $t in
    sparql_query|differential) echo "$root/ontology/queries" "$root/ontology/rules" "$root/bench/generic/queries"
                  [ -d "$w3c" ] && find "$w3c" -name '*.rq' ;;
    sparql_update) [ -d "$w3c" ] && find "$w3c" -name '*.ru' ;;
    import_turtle) echo "$root/ontology/dl.ttl" "$root/tests/data"
                   [ -d "$w3c" ] && find "$w3c" -name '*.ttl' -size -64k ;;
    import_trig) [ -d "$w3c" ] && find "$w3c" -name '*.trig' -size -64k ;;
    import_ntriples) [ -d "$w3c" ] && find "$w3c" -name '*.nt' -size -64k ;;
    import_nquads) [ -d "$w3c" ] && find "$w3c" -name '*.nq' -size -64k ;;
    results_json) [ -d "$w3c" ] && find "$w3c" -name '*.srj' ;;
    results_xml) [ -d "$w3c" ] && find "$w3c" -name '*.srx' ;;
    results_csv) [ -d "$w3c" ] && find "$w3c" -name '*.csv' ;;
    results_tsv) [ -d "$w3c" ] && find "$w3c" -name '*.tsv' ;;
  esac
  return 0
}

findings_total=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus/$t"
  findings="$build/findings/$t"
  mkdir -p "$corpus" "$findings"
  # Fresh seeds are copied in (content-named, so repeats are free).
  for s in $(seed_dirs "$t"); do
    [ -e "$s" ] || continue
    if [ -d "$s" ]; then find "$s" -type f; else echo "$s"; fi
  done | while read -r f; do cp -n "$f" "$corpus/seed-$(sha1sum "$f" | cut -c1-16)" 2>/dev/null || true; done
  dict=()
  [ -f "$root/tests/fuzz/dictionaries/$t.dict" ] && dict=(-dict="$root/tests/fuzz/dictionaries/$t.dict")
  log="$build/findings/$t.log"
  echo "fuzz: $t for ${seconds}s"
  set +e
  (cd "$findings" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     LSAN_OPTIONS=suppressions="$root/tests/fuzz/lsan.supp":print_suppressions=0 \
     "$build/tests/fuzz/fuzz_$t" "$corpus" "${dict[@]}" -max_total_time="$seconds" -timeout=20 \
       -rss_limit_mb=3072 -max_len=16384 -print_final_stats=1 -artifact_prefix="$findings/" > "$log" 2>&1)
  status=$?
  set -e
  execs=$( (grep -a 'stat::number_of_executed_units' "$log" || true) | awk '{s += $2} END {print s + 0}')
  cov=$( (grep -aoE 'cov: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
  ft=$( (grep -aoE 'ft: [0-9]+' "$log" || true) | tail -1 | awk '{print $2}')
  found=$(find "$findings" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'leak-*' -o -name 'oom-*' \) | wc -l)
  findings_total=$((findings_total + found))
  [ $status -ne 0 ] && [ "$found" -eq 0 ] && found="exit $status (see $log)"
  summary+=("$(printf '%-16s %12s execs  cov %6s  ft %7s  findings %s' "$t" "${execs:-0}" "${cov:-?}" "${ft:-?}" "$found")")
done
echo
echo "fuzz summary (${seconds}s per target; corpora in $build/corpus, findings in $build/findings)"
printf '%s\n' "${summary[@]}"
[ "$findings_total" -eq 0 ]
