# `torchprov serve` for the integration tests, on the embedded store or, with
# TORCHPROV_TEST_BACKEND=virtuoso, in backend mode over a Virtuoso (Debian's
# virtuoso-opensource) that this helper starts on free ports and stops on
# exit.  The tests run the same checks either way.
#   source serve.sh         (needs $source and $work; exits 77 — a skip —
#                            when the Virtuoso variant has no Virtuoso)
#   serve_store DIR PORT [serve options]   starts `torchprov serve` in the background
#                            (DIR: the store, or the server's journal and token)
#   stop_test_backend       stops Virtuoso (call it from the EXIT trap)
#   test_backend            "embedded" or "virtuoso"
test_backend() { echo "${TORCHPROV_TEST_BACKEND:-embedded}"; }
stop_test_backend() { :; }
case "${TORCHPROV_TEST_BACKEND:-embedded}" in
  embedded) ;;
  virtuoso)
    source "$source/tests/tools/virtuoso.sh"
    if ! virtuoso_available; then
      echo "SKIP: Virtuoso (Debian package virtuoso-opensource) is not installed; scripts/setup.sh installs it"
      exit 77
    fi
    virtuoso_start "$work/virtuoso" || { echo "FAIL: Virtuoso did not start"; exit 1; }
    echo "Virtuoso at $VIRTUOSO_SPARQL (database in $work/virtuoso)"
    stop_test_backend() { virtuoso_stop || true; }
    ;;
  *) echo "TORCHPROV_TEST_BACKEND must be embedded or virtuoso"; exit 2 ;;
esac

# Run it in the background (serve_store ... &): it execs the server, so $! is
# the server itself and the test's cleanup stops it.  Without the exec, $!
# would be the subshell running the function, and killing that left the
# server running after the test.
serve_store() {  # DIR PORT [serve options]
  local dir=$1 port=$2
  shift 2
  if [ "$BASH_SUBSHELL" = 0 ]; then
    echo "serve_store: run it in the background (serve_store ... &)" >&2
    return 2
  fi
  if [ "$(test_backend)" = virtuoso ]; then
    exec "$build/torchprov" serve --backend "$VIRTUOSO_SPARQL" --backend-data "$VIRTUOSO_CRUD" \
      --store "$dir" --port "$port" "$@"
  else
    exec "$build/torchprov" serve --store "$dir" --port "$port" "$@"
  fi
}
