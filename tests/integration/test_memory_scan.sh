#!/usr/bin/env bash
# After numbers, passwords and unseal shares went through the daemon (adds,
# finds, reveals over the socket and HTTPS), none of them is left anywhere in
# the daemon's memory: request buffers (libevent, OpenSSL, jansson) and every
# copy the vault made are wiped when freed. Reads /proc/PID/mem (root).
# On both stores (it.test_memory_scan, it.pg.test_memory_scan); the control
# is a number the daemon holds for certain: a half-sent request's body.
. "$(dirname "$0")/lib.sh"
SCAN="$(dirname "$0")/memscan.py"

OUT=$("$MNSAFE" init --shares 3 --threshold 2) || exit 1
ADMIN_PW=$(printf '%s\n' "$OUT" | sed -n 's/^One-time password: //p')
SHARES=$(printf '%s\n' "$OUT" | sed -n 's/^Share [0-9]*: //p')
start_daemon || exit 1
for s in $(printf '%s\n' "$SHARES" | head -2); do printf '%s\n' "$s" | "$MNSAFE" unseal >/dev/null; done
expect_eq "unsealed with 2 of 3 shares" false "$("$MNSAFE" status | json_get 'str(j["sealed"]).lower()')"
setup_tenant || exit 1
login clerk1 "$CLERK_PW"
random_mynumbers 20 >"$T_WORK/numbers"
python3 - "$T_WORK/numbers" >"$T_WORK/import.json" <<'PY'
import json, sys
nums = open(sys.argv[1]).read().split()
print(json.dumps([{"name": f"本人{i}", "mynumber": n, "purposes": ["withholding_slip"],
                   "dependents": [{"name": "扶養", "relationship": "子", "mynumber": nums[(i + 10) % 20]}]}
                  for i, n in enumerate(nums[:10])]))
PY
check "import 10 persons with dependents" "$MNSAFE" person import acme "$T_WORK/import.json"
FIRST=$(head -1 "$T_WORK/numbers")
printf '%s\n' "$FIRST" | "$MNSAFE" person find acme >/dev/null
"$MNSAFE" person list acme >"$T_WORK/list.json"
for id in $(json_get '" ".join(str(p["id"]) for p in j["persons"])' <"$T_WORK/list.json"); do
  "$MNSAFE" person reveal acme "$id" --purpose withholding_slip >/dev/null
done
# the same over HTTPS (OpenSSL's record buffers)
TOKEN=$(session_token)
ID=$(json_get 'j["persons"][0]["id"]' <"$T_WORK/list.json")
ST=$(curl -s -o "$T_WORK/rev.json" -w '%{http_code}' --cacert "$MNSAFE_DATA/tls/cert.pem" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"purpose":"withholding_slip"}' \
  "https://127.0.0.1:$HTTPS_PORT/api/v1/tenants/acme/persons/$ID/reveal")
expect_eq "reveal over HTTPS" 200 "$ST"
expect_contains "the HTTPS reveal returned a number" '"mynumber"' "$(cat "$T_WORK/rev.json")"
sleep 0.3

NEEDLES=$(cat "$T_WORK/numbers"; printf '%s\n' "$SHARES" | head -2; printf '%s\n' "$CLERK_PW" "$ADMIN_PW" "$TOKEN")
RES=$(python3 "$SCAN" "$DAEMON_PID" $NEEDLES 2>"$T_WORK/scan.err"); RC=$?
expect_eq "the daemon's memory could be read" 0 "$RC"
expect_eq "no number, share, password or token left in the daemon's memory" "{}" "$RES"
# positive control, on both stores: a number the daemon provably holds right
# now, so an empty answer above means something. A client sends a request
# whose body (with a fresh My Number, MARK) is not complete yet and keeps the
# connection open: the daemon has read the bytes into its request buffer
# (libevent, on the heap, where the numbers above went too) and waits for the
# rest. The scan must find MARK there; once the client is gone, the half
# request's buffer is freed, and wiped like every other.
MARK=$(random_mynumbers 40 | grep -vxF -f "$T_WORK/numbers" | head -1)
python3 - "$MNSAFE_DATA/mnsafe.sock" "$MARK" "$(session_token)" "$T_WORK/held" <<'PY' &
import socket, sys, time
sock, mark, token, flag = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX)
s.connect(sock)
body = ('{"mynumber": "%s", "pad": "' % mark).encode()
s.sendall(b"POST /api/v1/tenants/acme/persons/find HTTP/1.1\r\nHost: localhost\r\n"
          b"Authorization: Bearer " + token.encode() + b"\r\nContent-Type: application/json\r\n"
          b"Content-Length: %d\r\n\r\n" % (len(body) + 4096) + body)
open(flag, "w").write("sent\n")
time.sleep(60)  # held open until the test kills it
PY
HOLDER=$!
for _ in $(seq 1 100); do [ -s "$T_WORK/held" ] && break; sleep 0.05; done
sleep 0.5
check "control: the half request was sent and is held open" kill -0 "$HOLDER"
CTRL=$(python3 "$SCAN" "$DAEMON_PID" "$MARK" 2>/dev/null)
expect_contains "control: the scanner finds the number in the daemon's request buffer" "\"$MARK\"" "$CTRL"
kill "$HOLDER" 2>/dev/null; wait "$HOLDER" 2>/dev/null
for _ in 1 2 3 4 5; do   # the daemon notices the closed connection in its own time
  sleep 0.3
  AFTER=$(python3 "$SCAN" "$DAEMON_PID" "$MARK" 2>/dev/null)
  [ "$AFTER" = "{}" ] && break
done
expect_eq "the half request's number is gone once its client has left" "{}" "$AFTER"
# on SQLite the daemon also holds stored rows in clear in its page cache (a
# tenant's name); a PostgreSQL-backed daemon keeps no rows of its own
if [ -z "$PG_SCHEMA" ]; then
  CTRL=$(python3 "$SCAN" "$DAEMON_PID" "株式会社アクメ" 2>/dev/null)
  expect_contains "control: the scanner sees SQLite's page cache in the daemon's heap" "株式会社アクメ" "$CTRL"
fi
finish
