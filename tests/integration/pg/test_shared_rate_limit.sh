#!/usr/bin/env bash
# test_shared_rate_limit.sh (PostgreSQL only, it.pg.test_shared_rate_limit):
# the request rate limit is shared by the servers on one database. Two
# `mnsafe serve --rate-limit 20` on one database; one client (127.0.0.1):
#  - 15 requests/s to one server: under the limit, never refused (control);
#  - 15 requests/s to each server at once (30/s together): refused with 429
#    by both servers, though neither alone sees more than its limit;
#  - the servers' counts are in the database (rate_counts);
#  - once the client slows down, it is let through again.
. "$MNS_TESTS_DIR/integration/lib.sh"
[ -n "$PG_SCHEMA" ] || { echo "not ok - this test needs MNS_TEST_BACKEND=postgresql"; exit 1; }

init_dev || exit 1
DATA2="$T_WORK/data2"
cp -a "$MNSAFE_DATA" "$DATA2"
start_daemon --dev --rate-limit 20 || exit 1
PORT2=$(free_port)
MNSAFE_DATA="$DATA2" "$MNSAFE" serve --dev --rate-limit 20 --listen "127.0.0.1:$PORT2" >>"$T_WORK/daemon2.log" 2>&1 &
PID2=$!
for _ in $(seq 1 200); do
  [ -S "$DATA2/mnsafe.sock" ] && MNSAFE_DATA="$DATA2" "$MNSAFE" status >/dev/null 2>&1 && break
  sleep 0.05
done
check "server 2 is up" kill -0 "$PID2"

# pace PORT... : GETs /api/v1/health at RATE a second to each port for SECS
# seconds, all at once; prints "ok429 PORT OK TOO_MANY OTHER" per port
pace() {
  python3 - "$@" <<'PY'
import http.client, ssl, sys, threading, time
rate, secs, ports = float(sys.argv[1]), float(sys.argv[2]), sys.argv[3:]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE  # the dev server's own certificate; TLS itself is tested elsewhere
out = {}
def run(port):
    c = http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx, timeout=10)
    counts = {"ok": 0, "429": 0, "other": 0}
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < secs:
        c.request("GET", "/api/v1/health")
        r = c.getresponse(); r.read()
        counts["ok" if r.status == 200 else "429" if r.status == 429 else "other"] += 1
        n += 1
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    out[port] = counts
ts = [threading.Thread(target=run, args=(p,)) for p in ports]
for t in ts: t.start()
for t in ts: t.join()
for p in ports:
    print("ok429", p, out[p]["ok"], out[p]["429"], out[p]["other"])
PY
}
count_of() { # OUTPUT PORT FIELD(3 ok, 4 429, 5 other)
  awk -v p="$2" -v f="$3" '$1 == "ok429" && $2 == p { print $f }' <<<"$1"
}

OUT=$(pace 15 4 "$HTTPS_PORT")
expect_eq "15/s to one server: no 429" 0 "$(count_of "$OUT" "$HTTPS_PORT" 4)"
check "15/s to one server: answered" test "$(count_of "$OUT" "$HTTPS_PORT" 3)" -ge 50

sleep 2.5 # the control's counts leave the shared window
OUT=$(pace 15 6 "$HTTPS_PORT" "$PORT2")
echo "# $OUT" | tr '\n' ' '; echo
check "15/s to each of two servers: server 1 refuses some (429)" test "$(count_of "$OUT" "$HTTPS_PORT" 4)" -gt 0
check "15/s to each of two servers: server 2 refuses some (429)" test "$(count_of "$OUT" "$PORT2" 4)" -gt 0
expect_eq "nothing but 200 and 429" "0 0" "$(count_of "$OUT" "$HTTPS_PORT" 5) $(count_of "$OUT" "$PORT2" 5)"
check "both servers' counts are in the database" test "$(db_query "SELECT sum(requests) FROM rate_counts WHERE client = '127.0.0.1'")" -ge 100
check "a server logged the client over the shared limit" grep -q "over the shared rate limit" "$DAEMON_LOG" "$T_WORK/daemon2.log"

sleep 3.5 # the flood leaves the shared window
OUT=$(pace 5 2 "$HTTPS_PORT" "$PORT2")
expect_eq "slowed down to 5/s per server: let through again" "0 0" \
  "$(count_of "$OUT" "$HTTPS_PORT" 4) $(count_of "$OUT" "$PORT2" 4)"

kill "$PID2"; wait "$PID2"
expect_eq "server 2 exits cleanly" 0 "$?"
finish
