# Debian's Virtuoso (virtuoso-opensource 7.2) for tests and benchmarks: a
# private server on free ports with its own database folder.
#   source tests/tools/virtuoso.sh
#   virtuoso_start DIR      sets VIRTUOSO_URL (http://127.0.0.1:PORT), VIRTUOSO_SPARQL,
#                           VIRTUOSO_CRUD (Graph Store), VIRTUOSO_SQL_PORT, VIRTUOSO_PID
#   virtuoso_stop           checkpoint and stop (virtuoso_kill: kill -9)
#   virtuoso_available      whether the package is installed (tests skip with 77 otherwise)
# VIRTUOSO_BUFFERS (default 20000, 8 KB each) sets NumberOfBuffers for larger data.
#
# What a user's Virtuoso needs for torchprov (README "Virtuoso as the store"):
#   [SPARQL] ResultSetMaxRows above torchprov's --max-rows (Virtuoso truncates
#            answers there without saying so), MaxQueryExecutionTime = 0 and
#            MaxQueryCostEstimationTime = 0 (otherwise long queries return
#            partial "anytime" answers or are refused; torchprov enforces its
#            own --query-timeout);
#   grants   for anonymous SPARQL Update at /sparql and /sparql-graph-crud:
#            grant SPARQL_UPDATE to "SPARQL"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);

virtuoso_available() {
  command -v virtuoso-t > /dev/null && command -v isql-vt > /dev/null && command -v inifile > /dev/null &&
    { [ -f /etc/virtuoso-opensource-7/virtuoso.ini ] || [ -f /usr/share/virtuoso-opensource-7/virtuoso.ini ]; }
}

virtuoso_free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

virtuoso_start() {  # DIR
  local dir=$1 ini template=/etc/virtuoso-opensource-7/virtuoso.ini
  [ -f "$template" ] || template=/usr/share/virtuoso-opensource-7/virtuoso.ini
  mkdir -p "$dir/db"
  ini=$dir/virtuoso.ini
  cp "$template" "$ini"
  VIRTUOSO_SQL_PORT=$(virtuoso_free_port)
  VIRTUOSO_HTTP_PORT=$(virtuoso_free_port)
  while [ "$VIRTUOSO_HTTP_PORT" = "$VIRTUOSO_SQL_PORT" ]; do VIRTUOSO_HTTP_PORT=$(virtuoso_free_port); done
  set_key() { inifile +inifile "$ini" +section "$1" +key "$2" +value "$3"; }
  set_key Database DatabaseFile "$dir/db/virtuoso.db"
  set_key Database ErrorLogFile "$dir/db/virtuoso.log"
  set_key Database LockFile "$dir/db/virtuoso.lck"
  set_key Database TransactionFile "$dir/db/virtuoso.trx"
  set_key Database xa_persistent_file "$dir/db/virtuoso.pxa"
  set_key TempDatabase DatabaseFile "$dir/db/virtuoso-temp.db"
  set_key TempDatabase TransactionFile "$dir/db/virtuoso-temp.trx"
  set_key Parameters ServerPort "$VIRTUOSO_SQL_PORT"
  set_key Parameters DirsAllowed ". , $dir , /usr/share/virtuoso-opensource-7/vad"
  set_key Parameters NumberOfBuffers "${VIRTUOSO_BUFFERS:-20000}"
  set_key Parameters MaxDirtyBuffers "$(( ${VIRTUOSO_BUFFERS:-20000} * 3 / 4 ))"
  set_key HTTPServer ServerPort "$VIRTUOSO_HTTP_PORT"
  set_key HTTPServer ServerThreads 20
  set_key HTTPServer MaxClientConnections 20
  set_key SPARQL ResultSetMaxRows 100000000
  set_key SPARQL MaxQueryExecutionTime 0
  set_key SPARQL MaxQueryCostEstimationTime 0
  (cd "$dir" && exec virtuoso-t +configfile "$ini" +foreground > "$dir/virtuoso.out" 2>&1) &
  VIRTUOSO_PID=$!
  VIRTUOSO_DIR=$dir
  local online=
  for _ in $(seq 600); do
    if ! kill -0 "$VIRTUOSO_PID" 2> /dev/null; then break; fi
    if grep -q "Server online at" "$dir/db/virtuoso.log" 2> /dev/null; then online=1; break; fi
    sleep 0.2
  done
  if [ -z "$online" ]; then
    echo "virtuoso did not come online; its log:" >&2
    tail -20 "$dir/db/virtuoso.log" "$dir/virtuoso.out" >&2 2> /dev/null
    return 1
  fi
  isql-vt "$VIRTUOSO_SQL_PORT" dba dba \
    exec="grant SPARQL_UPDATE to \"SPARQL\"; DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 7);" > "$dir/grants.out" 2>&1 ||
    { echo "virtuoso: the grants failed:" >&2; cat "$dir/grants.out" >&2; return 1; }
  VIRTUOSO_URL=http://127.0.0.1:$VIRTUOSO_HTTP_PORT
  VIRTUOSO_SPARQL=$VIRTUOSO_URL/sparql
  VIRTUOSO_CRUD=$VIRTUOSO_URL/sparql-graph-crud
  export VIRTUOSO_URL VIRTUOSO_SPARQL VIRTUOSO_CRUD VIRTUOSO_SQL_PORT VIRTUOSO_HTTP_PORT VIRTUOSO_PID VIRTUOSO_DIR
}

# Starts the server again on the same database and ports (after a kill).
virtuoso_restart() {
  (cd "$VIRTUOSO_DIR" && exec virtuoso-t +configfile "$VIRTUOSO_DIR/virtuoso.ini" +foreground >> "$VIRTUOSO_DIR/virtuoso.out" 2>&1) &
  VIRTUOSO_PID=$!
  for _ in $(seq 600); do
    curl -s -o /dev/null --data-urlencode 'query=ASK {}' "$VIRTUOSO_SPARQL" && return 0
    kill -0 "$VIRTUOSO_PID" 2> /dev/null || break
    sleep 0.2
  done
  echo "virtuoso did not come back" >&2
  tail -20 "$VIRTUOSO_DIR/db/virtuoso.log" >&2
  return 1
}

# Both stop quietly and return 0 (they run from EXIT traps under set -e).
virtuoso_stop() {
  [ -n "${VIRTUOSO_PID:-}" ] || return 0
  isql-vt "$VIRTUOSO_SQL_PORT" dba dba exec="checkpoint; shutdown;" > /dev/null 2>&1 || kill "$VIRTUOSO_PID" 2> /dev/null || true
  for _ in $(seq 100); do kill -0 "$VIRTUOSO_PID" 2> /dev/null || break; sleep 0.2; done
  kill -9 "$VIRTUOSO_PID" 2> /dev/null || true
  wait "$VIRTUOSO_PID" 2> /dev/null || true
  VIRTUOSO_PID=
  return 0
}

virtuoso_kill() {
  kill -9 "$VIRTUOSO_PID" 2> /dev/null || true
  wait "$VIRTUOSO_PID" 2> /dev/null || true
  VIRTUOSO_PID=
  return 0
}
