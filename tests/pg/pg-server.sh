#!/usr/bin/env bash
# tests/pg/pg-server.sh: a throwaway PostgreSQL server for the test suites.
#
#   pg-server.sh start STATE_FILE   initdb into a new /tmp/mnsafe-pg.XXXXXX,
#                                   start it (Unix socket in that directory,
#                                   and TCP on a free loopback port), create
#                                   the database mnsafe_test, and write
#                                   DIR=, PORT=, URL= lines to STATE_FILE
#   pg-server.sh stop STATE_FILE    stop the server and remove its directory
#
# Debian's postgresql package; as root (CI) the server runs as the postgres
# user, as anyone else as that user. fsync stays on: the tests count on
# what a committed transaction means.
set -euo pipefail
cmd=${1:-}; state=${2:-}
[ -n "$cmd" ] && [ -n "$state" ] || { echo "usage: $0 start|stop STATE_FILE" >&2; exit 2; }
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$PGBIN/initdb" ] || { echo "pg-server: PostgreSQL server binaries not found (scripts/install-deps installs postgresql)" >&2; exit 2; }
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(runuser -u postgres --)

stop() {
  [ -f "$state" ] || return 0
  local dir; dir=$(sed -n 's/^DIR=//p' "$state")
  if [ -n "$dir" ] && [ -d "$dir/data" ]; then
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  case "$dir" in /tmp/mnsafe-pg.*) rm -rf "$dir" ;; esac
  rm -f "$state"
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

case "$cmd" in
start)
  stop
  dir=$(mktemp -d /tmp/mnsafe-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  port=$(free_port)
  "${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -A trust -U mnsafe -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=200 -c shared_buffers=64MB" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  "${as_pg[@]}" psql -qAt -h "$dir" -p "$port" -U mnsafe -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE mnsafe_test" >/dev/null
  {
    echo "DIR=$dir"
    echo "PORT=$port"
    echo "URL=postgresql:///mnsafe_test?host=$dir&port=$port&user=mnsafe"
  } >"$state"
  echo "pg-server: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on $dir (port $port)"
  ;;
stop) stop ;;
*) echo "usage: $0 start|stop STATE_FILE" >&2; exit 2 ;;
esac
