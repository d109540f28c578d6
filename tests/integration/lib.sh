# lib.sh: shared helpers for the integration tests. Each test sources this,
# drives the real mnsafe binary ($MNSAFE) against a real daemon on a Unix
# socket (and HTTPS on a free loopback port), and ends with `finish`.
set -u

: "${MNSAFE:?MNSAFE must point at the mnsafe binary}"
T_PASS=0
T_FAIL=0
T_WORK=$(mktemp -d "${TMPDIR:-/tmp}/mnsafe-it.XXXXXX")
export MNSAFE_DATA="$T_WORK/data"
export MNSAFE_SESSION="$T_WORK/session"
DAEMON_PID=""
DAEMON_LOG="$T_WORK/daemon.log"

# python3 (the checks' JSON and CSV work) straight from Debian's package: a
# version manager's shim first in PATH (pyenv's, on the build machines) costs
# ~0.4 s a call instead of ~0.04 s, and a suite calls it hundreds of times.
# A link in PATH, not a shell function: `python3 ... &` must leave python's
# own pid in $! for the tests that kill it.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
  mkdir -p "$T_WORK/bin" && ln -sf /usr/bin/python3 "$T_WORK/bin/python3" && PATH="$T_WORK/bin:$PATH"
fi

# With MNS_TEST_BACKEND=postgresql (the it.pg.* tests), the store is a new
# schema of its own on the test PostgreSQL server (tests/pg/pg-server.sh,
# state file MNS_TEST_PG_STATE); init, serve and audit verify get it through
# MNSAFE_STORE (TLS, verify-full). PG_ADMIN_URL is psql's way in (Unix socket).
PG_SCHEMA=""
if [ "${MNS_TEST_BACKEND:-}" = postgresql ]; then
  PG_ADMIN_URL=$(sed -n 's/^URL=//p' "${MNS_TEST_PG_STATE:?MNS_TEST_PG_STATE (ctest fixture pg.start)}")
  PG_SCHEMA="it_$$_$(basename "$T_WORK" | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z')"
  psql -qAt "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -c "CREATE SCHEMA $PG_SCHEMA" >/dev/null || exit 1
  # the daemon goes over TCP with TLS, checking the server's certificate and
  # name (sslmode=verify-full against the test CA)
  PG_TLS_URL=$(sed -n 's/^TLS_URL=//p' "$MNS_TEST_PG_STATE")
  export MNSAFE_STORE="$PG_TLS_URL&options=-csearch_path%3D$PG_SCHEMA"
fi

# db_query SQL: one query against the test's store as a DBA would run it
# (read-only on SQLite), rows as text ("|" between columns)
db_query() {
  if [ -n "$PG_SCHEMA" ]; then
    PGOPTIONS="-c search_path=$PG_SCHEMA" psql -qAt "$PG_ADMIN_URL" -c "$1" 2>/dev/null
  else
    sqlite3 "file:$MNSAFE_DATA/mnsafe.db?mode=ro" "$1" 2>/dev/null
  fi
}

# staging_query SQL: the same, on the import staging (SQLite: its own file
# beside the store, mnsafe.db-staging; PostgreSQL: tables of the schema)
staging_query() {
  if [ -n "$PG_SCHEMA" ]; then
    db_query "$1"
  else
    sqlite3 "file:$MNSAFE_DATA/mnsafe.db-staging?mode=ro" "$1" 2>/dev/null
  fi
}

# db_exec SQL: the same, writing (behind the daemon's back, as a DBA could)
db_exec() {
  if [ -n "$PG_SCHEMA" ]; then
    PGOPTIONS="-c search_path=$PG_SCHEMA" psql -qAt "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -c "$1"
  else
    sqlite3 "$MNSAFE_DATA/mnsafe.db" "$1"
  fi
}

# ---- more schemas on PostgreSQL (a second store, copies of the test's store) ----
# Each is named after the test's schema and dropped with it at exit.
PG_MORE_SCHEMAS=()

# pg_schema_new NAME: creates the empty schema ${PG_SCHEMA}_NAME and sets
# PG_NEW_SCHEMA to its name (not in a subshell: the schema must be remembered)
pg_schema_new() {
  PG_NEW_SCHEMA="${PG_SCHEMA}_$1"
  PGOPTIONS="-c client_min_messages=warning" psql -qAt "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 \
    -c "DROP SCHEMA IF EXISTS $PG_NEW_SCHEMA CASCADE; CREATE SCHEMA $PG_NEW_SCHEMA" >/dev/null || return 1
  PG_MORE_SCHEMAS+=("$PG_NEW_SCHEMA")
}

# pg_store_url SCHEMA: the daemon's and the CLI's store URL for a schema (as MNSAFE_STORE)
pg_store_url() { printf '%s' "$PG_TLS_URL&options=-csearch_path%3D$1"; }

# pg_exec_in SCHEMA SQL: db_exec against another schema
pg_exec_in() {
  PGOPTIONS="-c search_path=$1" psql -qAt "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -c "$2"
}

# pg_schema_copy FROM TO: makes schema TO (dropped at exit) with a copy of
# every table of FROM: columns, keys, constraints and rows (the way a DBA
# would snapshot a store before tampering with it). Not in a subshell.
pg_schema_copy() {
  local from=$1 to=$2
  PGOPTIONS="-c client_min_messages=warning" psql -qAt "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 >/dev/null <<SQL || return 1
DROP SCHEMA IF EXISTS $to CASCADE;
CREATE SCHEMA $to;
DO \$\$
DECLARE t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = '$from' LOOP
    EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING ALL)', '$to', t, '$from', t);
    EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', '$to', t, '$from', t);
  END LOOP;
END
\$\$;
SQL
  case " ${PG_MORE_SCHEMAS[*]} " in *" $to "*) ;; *) PG_MORE_SCHEMAS+=("$to") ;; esac
}

cleanup() {
  stop_daemon >/dev/null
  local s
  for s in "${PG_MORE_SCHEMAS[@]}"; do
    psql -qAt "$PG_ADMIN_URL" -c "DROP SCHEMA IF EXISTS $s CASCADE" >/dev/null 2>&1
  done
  [ -n "$PG_SCHEMA" ] && psql -qAt "$PG_ADMIN_URL" -c "DROP SCHEMA IF EXISTS $PG_SCHEMA CASCADE" >/dev/null 2>&1
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$T_WORK"
}
trap cleanup EXIT

ok()   { T_PASS=$((T_PASS + 1)); echo "ok - $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "not ok - $*"; }

# check DESCRIPTION COMMAND...: passes when the command succeeds
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
# check_fails DESCRIPTION COMMAND...: passes when the command fails
check_fails() { local d=$1; shift; if "$@"; then fail "$d"; else ok "$d"; fi; }
# expect_eq DESCRIPTION EXPECTED ACTUAL
expect_eq() { if [ "$2" = "$3" ]; then ok "$1"; else fail "$1 (expected '$2', got '$3')"; fi; }
# expect_contains DESCRIPTION NEEDLE HAYSTACK
expect_contains() { case "$3" in *"$2"*) ok "$1" ;; *) fail "$1 (no '$2' in: ${3:0:400})" ;; esac; }
expect_not_contains() { case "$3" in *"$2"*) fail "$1 (found '$2')" ;; *) ok "$1" ;; esac; }

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# start_daemon [serve options...]: starts `mnsafe serve` and waits for its socket
start_daemon() {
  HTTPS_PORT=$(free_port)
  "$MNSAFE" serve --listen "127.0.0.1:$HTTPS_PORT" "$@" >>"$DAEMON_LOG" 2>&1 &
  DAEMON_PID=$!
  for _ in $(seq 1 200); do
    [ -S "$MNSAFE_DATA/mnsafe.sock" ] && "$MNSAFE" status >/dev/null 2>&1 && return 0
    kill -0 "$DAEMON_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "daemon did not start:"; cat "$DAEMON_LOG"
  return 1
}

# stop_daemon: SIGTERM, then the daemon must exit 0 by itself; under the
# sanitizers a leak or memory error makes that exit status non-zero, and
# the test fails with the daemon's report
stop_daemon() {
  local rc=0
  if [ -n "$DAEMON_PID" ]; then
    kill "$DAEMON_PID" 2>/dev/null
    wait "$DAEMON_PID" 2>/dev/null; rc=$?
    DAEMON_PID=""
    if [ "$rc" -ne 0 ]; then
      fail "the daemon exited with status $rc"
      grep -v '"level":"info"' "$DAEMON_LOG" | tail -40
    fi
  fi
  return "$rc"
}

# login USER PASSWORD
login() { printf '%s\n' "$2" | "$MNSAFE" login "$1" >/dev/null; }

# activate USER ONE_TIME_PASSWORD: the first login of a new user, whose
# one-time password allows nothing but its change; changes it (which ends
# the session), logs in again and prints the new password
activate() {
  local new="$2-Changed1"
  login "$1" "$2" || return 1
  printf '%s\n%s\n%s\n' "$2" "$new" "$new" | "$MNSAFE" passwd >/dev/null || return 1
  login "$1" "$new" || return 1
  printf '%s\n' "$new"
}

# valid_mynumber PREFIX11: prints PREFIX11 plus its check digit
valid_mynumber() {
  python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
w = [6,5,4,3,2,7,6,5,4,3,2]
r = sum(int(d)*x for d, x in zip(p, w)) % 11
print(p + str(0 if r <= 1 else 11 - r))
PY
}

# random_mynumbers N: N distinct valid random My Numbers, one per line
random_mynumbers() {
  python3 - "$1" <<'PY'
import random, sys
w = [6,5,4,3,2,7,6,5,4,3,2]
seen = set()
n = int(sys.argv[1])
while len(seen) < n:
    p = "".join(random.choice("0123456789") for _ in range(11))
    r = sum(int(d)*x for d, x in zip(p, w)) % 11
    seen.add(p + str(0 if r <= 1 else 11 - r))
print("\n".join(sorted(seen)))
PY
}

# init_dev: a dev store; sets ADMIN_PW
init_dev() {
  local out
  out=$("$MNSAFE" init --dev) || return 1
  ADMIN_PW=$(printf '%s\n' "$out" | sed -n 's/^One-time password: //p')
}

# setup_tenant: as admin, makes tenant "acme" and users clerk1, clerk2 (not
# assigned), officer1, auditor1; sets CLERK_PW CLERK2_PW OFFICER_PW AUDITOR_PW
setup_tenant() {
  ADMIN_PW=$(activate admin "$ADMIN_PW") || return 1
  "$MNSAFE" tenant create acme "株式会社アクメ" >/dev/null || return 1
  CLERK_PW=$("$MNSAFE" user create clerk1 --role clerk | python3 -c 'import json,sys; print(json.load(sys.stdin)["one_time_password"])')
  CLERK2_PW=$("$MNSAFE" user create clerk2 --role clerk | python3 -c 'import json,sys; print(json.load(sys.stdin)["one_time_password"])')
  OFFICER_PW=$("$MNSAFE" user create officer1 --role officer | python3 -c 'import json,sys; print(json.load(sys.stdin)["one_time_password"])')
  AUDITOR_PW=$("$MNSAFE" user create auditor1 --role auditor | python3 -c 'import json,sys; print(json.load(sys.stdin)["one_time_password"])')
  "$MNSAFE" user assign clerk1 acme >/dev/null || return 1
  "$MNSAFE" user assign officer1 acme >/dev/null || return 1
  CLERK_PW=$(activate clerk1 "$CLERK_PW") || return 1
  CLERK2_PW=$(activate clerk2 "$CLERK2_PW") || return 1
  OFFICER_PW=$(activate officer1 "$OFFICER_PW") || return 1
  AUDITOR_PW=$(activate auditor1 "$AUDITOR_PW") || return 1
  login admin "$ADMIN_PW" || return 1
}

# json_get EXPR: reads JSON on stdin, prints python expression on it (j)
json_get() { python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"; }

# ---- helpers for the flow, audit and HTTPS tests ------------------------------

# session_token: the bearer token of the current CLI session
session_token() { head -n1 "$MNSAFE_SESSION"; }

# api METHOD PATH [BODY]: calls the API over the Unix socket with the current
# session (if any); the response body goes to $T_WORK/api.body and the HTTP
# status is printed
api() {
  local tok=() data=()
  [ -s "$MNSAFE_SESSION" ] && tok=(-H "Authorization: Bearer $(session_token)")
  [ $# -ge 3 ] && data=(-H "Content-Type: application/json" --data-binary "$3")
  curl -s -o "$T_WORK/api.body" -w '%{http_code}' --unix-socket "$MNSAFE_DATA/mnsafe.sock" \
    -X "$1" "${tok[@]}" "${data[@]}" "http://localhost$2"
}

# audit_dump FILE: as the logged-in auditor or sysadmin, writes every audit
# entry (all pages of `audit list`) to FILE as one JSON array
audit_dump() {
  python3 - "$MNSAFE" "$1" <<'PY'
import json, subprocess, sys
mn, out = sys.argv[1], sys.argv[2]
entries, after = [], 0
while True:
    r = subprocess.run([mn, "audit", "list", "--after", str(after), "--limit", "1000"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stderr)
        sys.exit(1)
    j = json.loads(r.stdout)
    entries += j["entries"]
    if j["next_after"] is None or not j["entries"]:
        break
    after = j["next_after"]
json.dump(entries, open(out, "w"))
PY
}

# audit_has FILE KEY=VALUE...: true if one entry of the dump matches every
# KEY=VALUE (a VALUE ending in '*' matches as a prefix)
audit_has() {
  python3 - "$@" <<'PY'
import json, sys
entries = json.load(open(sys.argv[1]))
conds = [a.split("=", 1) for a in sys.argv[2:]]
def match(e, k, v):
    x = e.get(k)
    x = "" if x is None else str(x)
    return x.startswith(v[:-1]) if v.endswith("*") else x == v
sys.exit(0 if any(all(match(e, k, v) for k, v in conds) for e in entries) else 1)
PY
}

# ---- the web UI's browser runs (test_web_ui.sh, test_web_manage.sh) ------------

# web_setup: Debian's chromium and playwright-core are there (else the test
# fails and ends); sets NODE_MODULES and SHOTS (the screenshots' folder)
web_setup() {
  NODE_MODULES="$MNS_TESTS_DIR/../tools/npm/node_modules"
  SHOTS="${MNS_BUILD_DIR:-$T_WORK}/web-artifacts"
  [ -x /usr/bin/chromium ] || { fail "Debian's chromium is installed (scripts/install-deps)"; finish; }
  [ -d "$NODE_MODULES/playwright-core" ] || { fail "playwright-core is installed (tools/npm)"; finish; }
}

# web_run NAME SECONDS [VAR=VALUE...]: runs tests/web/NAME.mjs in Chromium
# against this test's daemon with the given environment besides the common
# one; its "ok - " and "not ok - " lines count as this test's checks, and the
# run's own clean end is one more
web_run() {
  local name=$1 secs=$2 rc line
  shift 2
  env MNS_WEB_NODE_MODULES="$NODE_MODULES" MNS_WEB_BASE="https://127.0.0.1:$HTTPS_PORT" MNS_WEB_SHOTS="$SHOTS" "$@" \
    timeout "$secs" node "$MNS_TESTS_DIR/web/$name.mjs" >"$T_WORK/$name.out" 2>&1
  rc=$?
  cat "$T_WORK/$name.out"
  while IFS= read -r line; do
    case "$line" in
      "ok - "*) T_PASS=$((T_PASS + 1)) ;;
      "not ok - "*) T_FAIL=$((T_FAIL + 1)) ;;
    esac
  done <"$T_WORK/$name.out"
  check "the $name browser run ended cleanly" [ "$rc" -eq 0 ]
}

finish() {
  stop_daemon
  echo "$T_PASS passed, $T_FAIL failed"
  [ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ]
  exit $?
}
