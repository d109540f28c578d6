#!/usr/bin/env bash
# test_pg_restart.sh (PostgreSQL only, it.pg.test_pg_restart; runs alone:
# it stops the shared test server): PostgreSQL goes down for a while under a
# stream of writes through `mnsafe serve`, then comes back. Shown:
#  - while it is down, requests fail with a clear 503 (not a 500 or a 401),
#    with Retry-After and the reason in Japanese and English;
#  - the server recovers by itself once the database is back, no restart;
#  - every acknowledged write is stored, and nothing is half-written (every
#    stored person has its key, its purpose and its audit entry);
#  - `mnsafe audit verify` passes afterwards.
. "$MNS_TESTS_DIR/integration/lib.sh"
[ -n "$PG_SCHEMA" ] || { echo "not ok - this test needs MNS_TEST_BACKEND=postgresql"; exit 1; }
PGSRV="$MNS_TESTS_DIR/pg/pg-server.sh"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW"
python3 - >"$T_WORK/numbers" <<'PY'
w = [6,5,4,3,2,7,6,5,4,3,2]
for i in range(1, 601):
    p = str(73000000000 + i)
    r = sum(int(d)*x for d, x in zip(p, w)) % 11
    print(p + str(0 if r <= 1 else 11 - r))
PY
# writes until 20 have been tried after the database is back ($T_WORK/up)
writer() {
  local i=0 after=0 n tag
  while read -r n; do
    i=$((i + 1))
    tag=""
    [ -e "$T_WORK/up" ] && { tag=" after"; after=$((after + 1)); }
    if printf '%s\n' "$n" | "$MNSAFE" person add acme --name "障害 $i" --purpose withholding_slip >/dev/null 2>"$T_WORK/err.$i"; then
      echo "ok $i$tag"
    else
      echo "fail $i$tag"
    fi
    [ "$after" -ge 20 ] && break
    sleep 0.02
  done <"$T_WORK/numbers"
}
writer >"$T_WORK/writes" &
WRITER=$!
# let some writes land, then take the database away for a while
for _ in $(seq 1 100); do [ "$(grep -c '^ok' "$T_WORK/writes")" -ge 20 ] && break; sleep 0.1; done
bash "$PGSRV" down "$MNS_TEST_PG_STATE"
sleep 0.5
# a read while it is down: 503, a hint to retry, and the reason in both languages
OUTAGE_STATUS=$(curl -s -D "$T_WORK/outage.head" -o "$T_WORK/outage.body" -w '%{http_code}' \
  --unix-socket "$MNSAFE_DATA/mnsafe.sock" -H "Authorization: Bearer $(session_token)" \
  "http://localhost/api/v1/tenants/acme/persons?limit=5")
sleep 2.5
bash "$PGSRV" up "$MNS_TEST_PG_STATE"
touch "$T_WORK/up"
wait "$WRITER"

ACKED=$(grep -c '^ok' "$T_WORK/writes")
FAILED=$(grep -c '^fail' "$T_WORK/writes")
check "some writes were refused while the database was down ($FAILED)" [ "$FAILED" -gt 0 ]
check "and the others went through ($ACKED)" [ "$ACKED" -ge 40 ]
expect_eq "20 writes tried after it came back" 20 "$(grep -c ' after$' "$T_WORK/writes")"
expect_eq "and all went through (no daemon restart)" 0 "$(grep -c '^fail .* after$' "$T_WORK/writes")"
# what the writes refused after the database came back were told
for i in $(sed -n 's/^fail \([0-9]*\) after$/\1/p' "$T_WORK/writes"); do cat "$T_WORK/err.$i"; done |
  sort | uniq -c | sed 's/^/# after: /'
ERRS=$(cat "$T_WORK"/err.* 2>/dev/null)
expect_contains "a refusal is a clear 503" "503" "$ERRS"
expect_not_contains "never a 500" "(500" "$ERRS"
# what a 500 said, and what the daemon logged, for whoever reads a failure
grep -h "(500" "$T_WORK"/err.* 2>/dev/null | sort | uniq -c | sed 's/^/# /'
grep -q "(500" <<<"$ERRS" && grep -B3 '"status":500' "$DAEMON_LOG" | sed 's/^/# daemon: /'
expect_not_contains "never 'login required' for a live session" "login required" "$ERRS"
expect_eq "a read while it is down: 503" 503 "$OUTAGE_STATUS"
expect_contains "... with Retry-After" "retry-after: 2" "$(tr 'A-Z' 'a-z' <"$T_WORK/outage.head")"
expect_contains "... and a reason in Japanese" "データベースに接続できない" "$(cat "$T_WORK/outage.body")"

# every acknowledged write is there, by name
STORED=$(db_query "SELECT name FROM persons" | sort)
MISSING=0
for i in $(sed -n 's/^ok \([0-9]*\).*/\1/p' "$T_WORK/writes"); do
  grep -qx "障害 $i" <<<"$STORED" || MISSING=$((MISSING + 1))
done
expect_eq "no acknowledged write is lost" 0 "$MISSING"
N=$(db_query "SELECT count(*) FROM persons")
check "stored: the acknowledged ones and at most those whose answer was lost ($N of $ACKED acknowledged)" \
  [ "$N" -ge "$ACKED" -a "$N" -le $((ACKED + FAILED)) ]
expect_eq "nothing half-written: every person has its key" 0 \
  "$(db_query "SELECT count(*) FROM persons WHERE wrapped IS NULL OR key_version IS NULL")"
expect_eq "... and its purpose" 0 \
  "$(db_query "SELECT count(*) FROM persons p WHERE NOT EXISTS (SELECT 1 FROM person_purposes x WHERE x.person_id = p.id)")"
expect_eq "... and its audit entry" "$N" \
  "$(db_query "SELECT count(*) FROM audit_log WHERE action = 'person.create' AND result = 'ok'")"
stop_daemon
OUT=$("$MNSAFE" audit verify 2>&1)
expect_contains "audit verify after the outage" "intact" "$OUT"
finish
