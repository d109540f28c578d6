#!/usr/bin/env bash
# test_two_servers.sh (PostgreSQL only, it.pg.test_two_servers): two
# `mnsafe serve` processes on one database, as behind a load balancer. Each
# has a data directory of its own (socket, audit checkpoint file) and
# unseals on its own. Shown:
#  - a session made through one server works through the other, and a logout
#    on one ends it on both;
#  - a lockout from failed logins on one server holds on the other;
#  - persons added at once through both servers are all stored, and the
#    audit log is one correct chain afterwards (`mnsafe audit verify`, with
#    the checkpoint file of the server stopped last, which holds every note:
#    each server copies the others' notes into its file).
. "$MNS_TESTS_DIR/integration/lib.sh"
[ -n "$PG_SCHEMA" ] || { echo "not ok - this test needs MNS_TEST_BACKEND=postgresql"; exit 1; }

init_dev || exit 1
DATA2="$T_WORK/data2"
cp -a "$MNSAFE_DATA" "$DATA2"           # the same keys and audit public key
start_daemon --dev || exit 1
setup_tenant || exit 1
PORT2=$(free_port)
MNSAFE_DATA="$DATA2" "$MNSAFE" serve --dev --listen "127.0.0.1:$PORT2" >>"$T_WORK/daemon2.log" 2>&1 &
PID2=$!
for _ in $(seq 1 200); do
  [ -S "$DATA2/mnsafe.sock" ] && MNSAFE_DATA="$DATA2" "$MNSAFE" status >/dev/null 2>&1 && break
  sleep 0.05
done
B() { MNSAFE_DATA="$DATA2" "$MNSAFE" "$@"; }   # the CLI through server 2
check "server 2 is up and unsealed" bash -c "MNSAFE_DATA='$DATA2' '$MNSAFE' status | grep -q '\"sealed\": false'"

# sessions live in the database
login clerk1 "$CLERK_PW"
check "a session made on server 1 works on server 2" B person list acme
"$MNSAFE" logout >/dev/null 2>&1
login clerk1 "$CLERK_PW"
TOKEN_FILE=$(cat "$MNSAFE_SESSION")
B logout >/dev/null 2>&1
printf '%s' "$TOKEN_FILE" >"$MNSAFE_SESSION"
check_fails "a logout on server 2 ends the session on server 1" "$MNSAFE" person list acme

# lockouts live in the database
for i in 1 2 3 4 5; do printf 'wrong-password-%s\n' "$i" | "$MNSAFE" login officer1 >/dev/null 2>&1; done
check_fails "after 5 failures on server 1, the right password is refused on server 2" \
  bash -c "printf '%s\n' '$OFFICER_PW' | MNSAFE_DATA='$DATA2' '$MNSAFE' login officer1"
expect_eq "the lock is the database's (users.locked_until)" 1 \
  "$(db_query "SELECT CASE WHEN locked_until > 0 THEN 1 ELSE 0 END FROM users WHERE name = 'officer1'")"

# concurrent writers through both servers
login clerk1 "$CLERK_PW"
N=40
add_many() { # server-data-dir offset
  for i in $(seq 1 "$N"); do
    printf '%s\n' "$(valid_mynumber "$((72000000000 + $2 + i))")" |
      MNSAFE_DATA="$1" "$MNSAFE" person add acme --name "並行 $2 $i" --purpose withholding_slip >/dev/null || echo "add failed"
  done
}
add_many "$MNSAFE_DATA" 0 >"$T_WORK/w1.out" 2>&1 &
W1=$!
add_many "$DATA2" 1000 >"$T_WORK/w2.out" 2>&1 &
W2=$!
wait "$W1" "$W2"
expect_eq "no add failed on either server" "" "$(cat "$T_WORK/w1.out" "$T_WORK/w2.out")"
expect_eq "all $((2 * N)) persons are stored" "$((2 * N))" "$(db_query "SELECT count(*) FROM persons")"
expect_eq "each left one audit entry" "$((2 * N))" \
  "$(db_query "SELECT count(*) FROM audit_log WHERE action = 'person.create' AND result = 'ok'")"
expect_eq "the audit log has no gap" "1" "$(db_query "SELECT CASE WHEN max(seq) = count(*) THEN 1 ELSE 0 END FROM audit_log")"

kill "$PID2"; wait "$PID2"; RC2=$?
expect_eq "server 2 exits cleanly" 0 "$RC2"
stop_daemon
OUT=$("$MNSAFE" audit verify 2>&1)
check "audit verify: one correct chain written by two servers" "$MNSAFE" audit verify
expect_contains "(verify says so)" "intact" "$OUT"
# server 1 stopped last: its file holds every note, its own and server 2's
# (copied in when it read the others' checkpoints); server 2's lacks those
# server 1 signed after server 2 stopped
notes_in() { # FILE_A FILE_B: how many notes of A are not in B
  python3 - "$1" "$2" <<'PY'
import sys
a, b = open(sys.argv[1]).read(), open(sys.argv[2]).read()
notes = ["mnsafe.local/audit\n" + n for n in a.split("mnsafe.local/audit\n")[1:]]
print(sum(1 for n in notes if n.strip() not in b))
PY
}
check "server 2 signed checkpoints of its own" grep -q . "$DATA2/audit-checkpoints.log"
expect_eq "server 1's file holds every note of server 2's" 0 "$(notes_in "$DATA2/audit-checkpoints.log" "$MNSAFE_DATA/audit-checkpoints.log")"
finish
