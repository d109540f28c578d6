#!/usr/bin/env bash
# tests/pg/pg-server.sh: a throwaway PostgreSQL server for the test suites.
#
#   pg-server.sh start STATE_FILE   initdb into a new /tmp/mnsafe-pg.XXXXXX,
#                                   start it (Unix socket in that directory,
#                                   and TCP on a free loopback port), create
#                                   the database mnsafe_test, and write
#                                   DIR=, PORT=, URL= (Unix socket),
#                                   TLS_URL= (TCP, TLS, verify-full against
#                                   the test CA), CA=, OTHER_CA= lines to
#                                   STATE_FILE
#   pg-server.sh stop STATE_FILE    stop the server and remove its directory
#   pg-server.sh down STATE_FILE    stop the server, keep its data (fault tests)
#   pg-server.sh up STATE_FILE      start it again after down
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

server_opts() { # DIR PORT
  echo "-c listen_addresses=127.0.0.1 -p $2 -k $1 -c max_connections=200 -c shared_buffers=64MB" \
       "-c ssl=on -c ssl_cert_file=$1/server.crt -c ssl_key_file=$1/server.key"
}

# A test CA and a server certificate for the name localhost (not for
# 127.0.0.1: a client that checks names must refuse that address), plus a
# second CA that signed nothing, for the refusal tests.
make_tls() { # DIR
  local d=$1
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=mnsafe test CA" \
    -keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
    -keyout "$d/other-ca.key" -out "$d/other-ca.crt" 2>/dev/null &&
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
    -keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null &&
  printf 'subjectAltName=DNS:localhost\n' >"$d/san.ext" &&
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" -CAcreateserial -days 2 \
    -extfile "$d/san.ext" -out "$d/server.crt" 2>/dev/null &&
  chmod 600 "$d/server.key" "$d/ca.key" "$d/other-ca.key"
}

case "$cmd" in
down|up)
  dir=$(sed -n 's/^DIR=//p' "$state"); port=$(sed -n 's/^PORT=//p' "$state")
  if [ "$cmd" = down ]; then
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
  else
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$(server_opts "$dir" "$port")" start >/dev/null
  fi
  ;;
start)
  stop
  dir=$(mktemp -d /tmp/mnsafe-pg.XXXXXX)
  chmod 755 "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir"
  port=$(free_port)
  make_tls "$dir" || { echo "pg-server: cannot make the test certificates" >&2; exit 1; }
  [ "$(id -u)" -eq 0 ] && chown postgres "$dir/server.key" "$dir/server.crt"
  "${as_pg[@]}" "$PGBIN/initdb" -D "$dir/data" -A trust -U mnsafe -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "$(server_opts "$dir" "$port")" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  "${as_pg[@]}" psql -qAt -h "$dir" -p "$port" -U mnsafe -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE mnsafe_test" >/dev/null
  {
    echo "DIR=$dir"
    echo "PORT=$port"
    echo "URL=postgresql:///mnsafe_test?host=$dir&port=$port&user=mnsafe"
    echo "TLS_URL=postgresql://mnsafe@localhost:$port/mnsafe_test?sslmode=verify-full&sslrootcert=$dir/ca.crt"
    echo "CA=$dir/ca.crt"
    echo "OTHER_CA=$dir/other-ca.crt"
  } >"$state"
  echo "pg-server: PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on $dir (port $port)"
  ;;
stop) stop ;;
*) echo "usage: $0 start|stop|down|up STATE_FILE" >&2; exit 2 ;;
esac
