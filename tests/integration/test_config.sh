#!/usr/bin/env bash
# test_config.sh: `serve --config FILE` (the command line wins over the file),
# a log file that SIGHUP reopens after logrotate moved it, clear errors for a
# bad file (with its line), and SIGTERM draining: a request under way is
# answered and stored, and the daemon exits cleanly.
. "$(dirname "$0")/lib.sh"

check "init --dev" init_dev
LOG=$T_WORK/log/mnsafe.log; mkdir -p "$T_WORK/log"
OTHER=$(free_port)
cat >"$T_WORK/mnsafe.conf" <<CONF
# a test configuration
data = $MNSAFE_DATA
listen = 127.0.0.1:$OTHER      # overridden by start_daemon's --listen
dev = true
threads = 4
rate-limit = 1
rate-burst = 3
log-file = $LOG
checkpoint-seconds = 30
CONF
check "serve --config" start_daemon --config "$T_WORK/mnsafe.conf"
codes=""; for i in $(seq 6); do codes+="$(curl -sk -o /dev/null -w '%{http_code} ' "https://127.0.0.1:$HTTPS_PORT/api/v1/health")"; done
# a bucket of 3 refilled at 1/s: the first three pass, then 429 (one may pass
# again if the six requests take more than a second on a loaded machine)
check "the command line's --listen wins (it answers)" [ "$(cut -d' ' -f1-3 <<<"$codes")" = "200 200 200" ]
check "the file's rate limit applies" [ "$(tr ' ' '\n' <<<"$codes" | grep -c '^429$')" -ge 2 ]
check_fails "the file's listen address is not used" curl -sk -o /dev/null "https://127.0.0.1:$OTHER/api/v1/health"
check "the log goes to the file" grep -q '"msg":"listening"' "$LOG"
check "request lines there too" grep -q '"path":"/api/v{n}/health"' "$LOG"
check "file mode 0600" [ "$(stat -c %a "$LOG")" = 600 ]
check_fails "and not to stderr" grep -q '"msg":"request"' "$DAEMON_LOG"
mv "$LOG" "$LOG.1"
kill -HUP "$DAEMON_PID"; sleep 0.3
api GET /api/v1/health >/dev/null
check "SIGHUP: a fresh log file" grep -q '"msg":"log reopened"' "$LOG"
check "with the new requests" grep -q '"path":"/api/v{n}/health"' "$LOG"
check "the old file keeps the old lines" grep -q '"msg":"listening"' "$LOG.1"
check "the daemon lives on" kill -0 "$DAEMON_PID"
setup_tenant >/dev/null 2>&1
login clerk1 "$CLERK_PW"

# SIGTERM while three 10,000-person requests are being stored (about 0.15 s
# each here, one after the other under the vault lock)
random_mynumbers 30000 >"$T_WORK/nums"
python3 - "$T_WORK/nums" "$T_WORK/batch" <<'PY'
import json, sys
nums = open(sys.argv[1]).read().split()
for b in range(3):
    part = nums[b * 10000:(b + 1) * 10000]
    json.dump({"persons": [{"name": f"停止 {b}-{i}", "mynumber": n, "purposes": ["withholding_slip"]}
                           for i, n in enumerate(part)]}, open(f"{sys.argv[2]}{b}.json", "w"), ensure_ascii=False)
PY
PIDS=()
for b in 0 1 2; do
  curl -s -o /dev/null -w '%{http_code}' --unix-socket "$MNSAFE_DATA/mnsafe.sock" -H "Authorization: Bearer $(session_token)" \
    -H "Content-Type: application/json" --data-binary "@$T_WORK/batch$b.json" http://localhost/api/v1/tenants/acme/persons \
    >"$T_WORK/batch$b.status" &
  PIDS+=($!)
done
# the signal once a batch is taken (the scrape counts itself), not after a
# fixed pause that a busy machine outruns
for _ in $(seq 1 200); do
  N=$(curl -s --unix-socket "$MNSAFE_DATA/mnsafe.sock" http://localhost/api/v1/metrics |
    awk '$1 == "mnsafe_http_requests_in_flight" { print $2 }')
  [ "${N:-0}" -ge 2 ] && break
  sleep 0.02
done
kill -TERM "$DAEMON_PID"
wait "${PIDS[@]}"
ST="$(cat "$T_WORK/batch0.status") $(cat "$T_WORK/batch1.status") $(cat "$T_WORK/batch2.status")"
echo "# answers: $ST"
wait "$DAEMON_PID"; RC=$?; DAEMON_PID=""
expect_eq "the daemon exits cleanly" 0 "$RC"
INFLIGHT=$(sed -n 's/.*"msg":"stopping","signal":15,"in_flight":\([0-9]*\).*/\1/p' "$LOG" | tail -1)
OK201=$(tr ' ' '\n' <<<"$ST" | grep -c '^201$')
check "the signal came while requests were under way" [ "${INFLIGHT:-0}" -ge 1 ]
check "every request accepted before the signal is answered 201" [ "$OK201" -ge "${INFLIGHT:-9}" ]
check "a request that came later is refused (503) or finds the daemon gone, never half done" \
  bash -c "tr ' ' '\n' <<<'$ST' | grep -vqE '^(201|503|000)$' && exit 1 || exit 0"
expect_eq "and exactly the answered persons are stored" "$((OK201 * 10000))" \
  "$(db_query 'SELECT count(*) FROM persons')"
check "the log says it stopped with nothing unanswered" grep -q '"msg":"stopped","unanswered":0,"unsent":0' "$LOG"

# bad files: named with their line
printf 'threads = 4\nthread = 5\n' >"$T_WORK/bad1.conf"
OUT=$("$MNSAFE" serve --config "$T_WORK/bad1.conf" 2>&1); RC=$?
expect_eq "an unknown key stops serve" 2 "$RC"
expect_contains "naming file and line" "bad1.conf:2: unknown key \"thread\"" "$OUT"
printf 'dev = yes\n' >"$T_WORK/bad2.conf"
OUT=$("$MNSAFE" serve --config "$T_WORK/bad2.conf" 2>&1)
expect_contains "a flag takes true or false" "bad2.conf:1: dev takes true or false" "$OUT"
printf 'listen\n' >"$T_WORK/bad3.conf"
OUT=$("$MNSAFE" serve --config "$T_WORK/bad3.conf" 2>&1)
expect_contains "a line without =" "bad3.conf:1: expected key = value" "$OUT"
OUT=$("$MNSAFE" serve --config "$T_WORK/missing.conf" 2>&1)
expect_contains "a missing file" "missing.conf" "$OUT"
# every key of etc/mnsafe.conf.example is one serve knows: its lines, uncommented
# (paths and the demo switch left out), pass the file check and reach the
# option parser, which then stops at a bogus option given after them
sed -n 's/^# \([a-z-]* = [^#]*\).*/\1/p' "$MNS_TESTS_DIR/../etc/mnsafe.conf.example" |
  grep -v -e '^dev ' -e '^data ' -e '^client-ca ' -e '^require-client-cert ' -e '^cert ' -e '^key ' -e '^log-file ' \
    -e '^password-blocklist ' -e '^checksheet ' -e '^retention ' >"$T_WORK/example.conf"
check "the example has many keys" [ "$(wc -l <"$T_WORK/example.conf")" -gt 15 ]
OUT=$("$MNSAFE" serve --config "$T_WORK/example.conf" --no-such-option 2>&1)
expect_not_contains "every example key is known" "unknown key" "$OUT"
expect_contains "the parser got past the file" "unrecognized option" "$OUT"
finish
