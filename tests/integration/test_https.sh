#!/usr/bin/env bash
# test_https.sh: the daemon's HTTPS side and the shape of its answers:
# health and login over HTTPS with the self-signed certificate, bearer
# tokens, security headers on every answer, TLS 1.2/1.3 only (AEAD suites),
# JSON errors with message and message_ja, a small answer in one TLS record,
# and the owner-only Unix socket.
. "$(dirname "$0")/lib.sh"

check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant

CERT=$MNSAFE_DATA/tls/cert.pem
URL=https://127.0.0.1:$HTTPS_PORT
check "the certificate exists" [ -s "$CERT" ]

# https METHOD PATH [BODY [TOKEN]]: curl over HTTPS; body to $T_WORK/h.body,
# headers to $T_WORK/h.head; prints the status
https() {
  local args=(-s -o "$T_WORK/h.body" -D "$T_WORK/h.head" -w '%{http_code}' --cacert "$CERT" -X "$1")
  [ $# -ge 3 ] && [ -n "$3" ] && args+=(-H "Content-Type: application/json" --data-binary "$3")
  [ $# -ge 4 ] && args+=(-H "Authorization: Bearer $4")
  curl "${args[@]}" "$URL$2"
}
body() { cat "$T_WORK/h.body"; }
# header NAME: the value of a response header (case-insensitive name)
header() { grep -i "^$1:" "$T_WORK/h.head" | head -n1 | sed 's/^[^:]*: *//' | tr -d '\r'; }
# expect_security_headers DESC: the last answer carries every security header
expect_security_headers() {
  local hsts=${2:-yes}
  if [ "$hsts" = yes ]; then
    expect_contains "$1: Strict-Transport-Security" "max-age=" "$(header Strict-Transport-Security)"
  fi
  expect_eq "$1: X-Content-Type-Options nosniff" "nosniff" "$(header X-Content-Type-Options)"
  expect_contains "$1: Content-Security-Policy" "default-src 'none'" "$(header Content-Security-Policy)"
  expect_eq "$1: Cache-Control no-store" "no-store" "$(header Cache-Control)"
  expect_contains "$1: Content-Type JSON" "application/json" "$(header Content-Type)"
}
# expect_json_error DESC STATUS CODE: the last answer is {"error":{"code":CODE,"message":..,"message_ja":..}}
expect_json_error() {
  local got
  got=$(json_get '"%s|%s|%s" % (j["error"]["code"], bool(j["error"].get("message")), bool(j["error"].get("message_ja")))' \
        <"$T_WORK/h.body" 2>/dev/null)
  expect_eq "$1: JSON error with code, message and message_ja" "$3|True|True" "$got"
}

# ---- health ----------------------------------------------------------------------
ST=$(https GET /api/v1/health)
expect_eq "health over HTTPS: 200" 200 "$ST"
expect_eq "health: JSON status ok" ok "$(body | json_get 'j["status"]' 2>/dev/null)"
expect_eq "health: unsealed" False "$(body | json_get 'j["sealed"]' 2>/dev/null)"
expect_security_headers "health"
curl -s -o /dev/null "$URL/api/v1/health"; RC=$?
check "without --cacert the self-signed certificate is not trusted" [ "$RC" -ne 0 ]
curl -s -o /dev/null --max-time 5 "http://127.0.0.1:$HTTPS_PORT/api/v1/health"; RC=$?
check "plain HTTP on the HTTPS port fails" [ "$RC" -ne 0 ]
ST=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" --resolve "localhost:$HTTPS_PORT:127.0.0.1" "https://localhost:$HTTPS_PORT/api/v1/health")
expect_eq "the certificate is valid for localhost too" 200 "$ST"

# ---- login and the bearer token ----------------------------------------------------
ST=$(https POST /api/v1/sessions "{\"user\":\"clerk1\",\"password\":\"$CLERK_PW\"}")
expect_eq "login over HTTPS: 201" 201 "$ST"
expect_security_headers "login"
TOKEN=$(body | json_get 'j["token"]' 2>/dev/null)
check "login: a token mns_ + 64 hex" grep -qE '^mns_[0-9a-f]{64}$' <<<"$TOKEN"
expect_eq "login: the role" clerk "$(body | json_get 'j["role"]' 2>/dev/null)"
ST=$(https GET /api/v1/tenants "" "$TOKEN")
expect_eq "tenants with the bearer token: 200" 200 "$ST"
expect_eq "tenants: acme" acme "$(body | json_get '",".join(t["code"] for t in j["tenants"])' 2>/dev/null)"
expect_security_headers "tenants"
ST=$(https GET /api/v1/sessions/current "" "$TOKEN")
expect_eq "whoami over HTTPS" clerk1 "$(body | json_get 'j["user"]' 2>/dev/null)"

ST=$(https GET /api/v1/tenants)
expect_eq "tenants without a token: 401" 401 "$ST"
expect_json_error "no token" 401 auth
expect_security_headers "401"
ST=$(https GET /api/v1/tenants "" "mns_$(printf '0%.0s' $(seq 1 64))")
expect_eq "tenants with a made-up token: 401" 401 "$ST"
ST=$(https GET /api/v1/tenants "" "${TOKEN}x")
expect_eq "tenants with a token plus one character: 401" 401 "$ST"

# wrong password and unknown user: one and the same answer
ST=$(https POST /api/v1/sessions '{"user":"clerk1","password":"not-the-password"}')
expect_eq "wrong password: 401" 401 "$ST"
expect_json_error "wrong password" 401 auth
WRONG=$(body)
ST=$(https POST /api/v1/sessions '{"user":"nobody-here","password":"not-the-password"}')
expect_eq "unknown user: 401" 401 "$ST"
expect_eq "unknown user and wrong password answer alike" "$WRONG" "$(body)"

# ---- broken bodies ---------------------------------------------------------------
ST=$(https POST /api/v1/sessions '{"user": "clerk1", "password": ')
expect_eq "broken JSON: 400" 400 "$ST"
expect_json_error "broken JSON" 400 invalid
expect_security_headers "broken JSON"
ST=$(https POST /api/v1/sessions '["clerk1"]')
expect_eq "JSON that is not an object: 400" 400 "$ST"
expect_json_error "not an object" 400 invalid
ST=$(https POST /api/v1/sessions "{\"user\":\"clerk1\",\"user\":\"admin\",\"password\":\"$CLERK_PW\"}")
expect_eq "duplicate keys: 400" 400 "$ST"
expect_json_error "duplicate keys" 400 invalid
ST=$(https POST /api/v1/sessions "{\"user\":\"clerk1\",\"password\":\"$CLERK_PW\",\"remember\":true}")
expect_eq "unknown field in login: 400" 400 "$ST"
expect_contains "unknown field in login: named" "remember" "$(body)"
ST=$(https POST /api/v1/sessions '')
expect_eq "empty body: 400" 400 "$ST"
expect_json_error "empty body" 400 invalid
ST=$(https POST /api/v1/tenants/acme/persons/search '{"mynumber": 123456789018}' "$TOKEN")
expect_eq "a number as a JSON number: 400" 400 "$ST"

# ---- unknown routes --------------------------------------------------------------
ST=$(https GET /api/v1/no-such-thing "" "$TOKEN")
expect_eq "unknown route: 404" 404 "$ST"
expect_json_error "unknown route" 404 not_found
expect_security_headers "unknown route"
# the routes are public (docs/openapi.json): an unknown one is 404 even
# without a session; a known one still needs the session (401)
ST=$(https GET /api/v1/no-such-thing)
expect_eq "unknown route without a session: 404" 404 "$ST"
expect_json_error "unknown route without a session" 404 not_found
ST=$(https GET /api/v1/users)
expect_eq "a known route without a session: 401" 401 "$ST"
expect_json_error "a known route without a session" 401 auth
ST=$(https GET /no-such-page.html)
expect_eq "a path outside the API that is no page of the web UI: 404" 404 "$ST"
expect_json_error "outside the API" 404 not_found
# the web UI's pages (issue 9): served with a CSP that allows nothing from elsewhere
ST=$(https GET /)
expect_eq "the web UI's page: 200" 200 "$ST"
expect_contains "it is the UI" '<script src="/app.js"' "$(body)"
expect_contains "its CSP forbids other origins" "default-src 'none'; script-src 'self'" "$(header Content-Security-Policy)"
expect_eq "and no inline script" "" "$(header Content-Security-Policy | grep -o "unsafe-inline")"
ST=$(https POST /)
expect_eq "a page is only read: 405" 405 "$ST"
ST=$(https GET /api/v2/health)
expect_eq "another API version: 404" 404 "$ST"
expect_json_error "another API version" 404 not_found
ST=$(https DELETE /api/v1/health "" "$TOKEN")
expect_eq "a known path with another method: 405" 405 "$ST"
expect_json_error "known path, other method" 405 invalid

# ---- answers the HTTP layer makes itself: the same JSON shape and headers ----------
# expect_json_and_headers DESC: JSON error body, no-store, nosniff, CSP, HSTS
expect_json_and_headers() {
  expect_eq "$1: a JSON error body" True "$(json_get '"code" in j["error"] and "message_ja" in j["error"]' <"$T_WORK/h.body" 2>/dev/null)"
  expect_eq "$1: security headers (no-store, nosniff, CSP, HSTS)" "no-store|nosniff|yes|yes" \
    "$(header Cache-Control)|$(header X-Content-Type-Options)|$([ -n "$(header Content-Security-Policy)" ] && echo yes)|$([ -n "$(header Strict-Transport-Security)" ] && echo yes)"
}
ST=$(https PATCH /api/v1/health)
expect_eq "PATCH: 405 method not allowed" 405 "$ST"
expect_json_and_headers "PATCH"
head -c $((16 * 1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$T_WORK/big"
ST=$(curl -s -o "$T_WORK/h.body" -D "$T_WORK/h.head" -w '%{http_code}' --cacert "$CERT" -H 'Content-Type: application/json' \
       --data-binary @"$T_WORK/big" "$URL/api/v1/sessions")
expect_eq "a body over 16 MiB: 413" 413 "$ST"
expect_json_and_headers "body over 16 MiB"

# ---- logout ------------------------------------------------------------------------
ST=$(https DELETE /api/v1/sessions/current "" "$TOKEN")
expect_eq "logout over HTTPS: 200" 200 "$ST"
ST=$(https GET /api/v1/tenants "" "$TOKEN")
expect_eq "the token is dead after logout: 401" 401 "$ST"

# ---- TLS versions and suites ----------------------------------------------------------
# tls OPTIONS...: an s_client handshake (SECLEVEL 0 so that the client itself
# would speak old versions; a refusal then comes from the server); sets TOUT, TRC
tls() {
  TOUT=$(timeout 10 openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -CAfile "$CERT" "$@" </dev/null 2>&1); TRC=$?
}
for v in tls1 tls1_1; do
  tls "-$v" -cipher 'DEFAULT:@SECLEVEL=0'
  check "-$v: the handshake fails" [ "$TRC" -ne 0 ]
  expect_contains "-$v: refused by the server (protocol version alert)" "alert protocol version" "$TOUT"
done
tls -tls1_2
expect_eq "-tls1_2: connects" 0 "$TRC"
expect_contains "-tls1_2: TLSv1.2 negotiated" "Protocol  : TLSv1.2" "$TOUT"
expect_contains "-tls1_2: certificate verified" "Verify return code: 0 (ok)" "$TOUT"
tls -tls1_3
expect_eq "-tls1_3: connects" 0 "$TRC"
expect_contains "-tls1_3: TLSv1.3 negotiated" "TLSv1.3" "$TOUT"
expect_contains "-tls1_3: certificate verified" "Verify return code: 0 (ok)" "$TOUT"
tls -tls1_2 -cipher 'ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0'
check "-tls1_2 with CBC suites only: refused" [ "$TRC" -ne 0 ]
tls -tls1_2 -cipher 'ECDHE-ECDSA-CHACHA20-POLY1305'
expect_eq "-tls1_2 with ChaCha20-Poly1305: connects" 0 "$TRC"
ST=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$CERT" --tlsv1.2 --tls-max 1.2 "$URL/api/v1/health")
expect_eq "curl limited to TLS 1.2: 200" 200 "$ST"

# ---- an answer in one TLS record --------------------------------------------------------
# A small answer goes out as one TLS record (one write, one segment), not a
# record for the head and another for the body. Python's TLS runs over
# memory buffers here, so the records are counted as they come off the
# socket, before decryption; the handshake's tickets are read first.
python3 - "$HTTPS_PORT" >"$T_WORK/records.out" 2>&1 <<'PY'
import socket, ssl, sys, time
port = int(sys.argv[1])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
sock = socket.create_connection(("127.0.0.1", port), timeout=5)
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(inc, out, server_hostname="localhost")
raw = bytearray()
def pump_out():
    data = out.read()
    if data: sock.sendall(data)
def records(buf):
    # complete records at the front of buf: [(type, length)], bytes used
    got, i = [], 0
    while len(buf) - i >= 5 and len(buf) - i >= 5 + int.from_bytes(buf[i+3:i+5], "big"):
        n = int.from_bytes(buf[i+3:i+5], "big"); got.append((buf[i], n)); i += 5 + n
    return got, i
while True:
    try: tls.do_handshake(); break
    except ssl.SSLWantReadError:
        pump_out(); inc.write(sock.recv(65536))
pump_out()
# TLS 1.3 tickets come after the handshake: take them before the request
sock.settimeout(0.3)
try:
    while True:
        d = sock.recv(65536)
        if not d: break
        inc.write(d)
except socket.timeout: pass
try: tls.read(1)
except ssl.SSLWantReadError: pass
sock.settimeout(5)
for attempt in range(3):
    tls.write(b"GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n"); pump_out()
    seen, plain = bytearray(), b""
    while b"\r\n\r\n" not in plain or len(plain) < plain.index(b"\r\n\r\n") + 4 + int(
            [l.split(b":")[1] for l in plain.split(b"\r\n") if l.lower().startswith(b"content-length:")][0]):
        d = sock.recv(65536)
        if not d: break
        seen += d; inc.write(d)
        try:
            while True: plain += tls.read(65536)
        except ssl.SSLWantReadError: pass
    recs, used = records(seen)
    print("status", plain.split(b"\r\n")[0].decode(), "records", len(recs), "bytes", len(plain), "left", len(seen) - used)
PY
cat "$T_WORK/records.out"
expect_eq "three small answers on one connection: 200 each" 3 "$(grep -c '^status HTTP/1.1 200 OK records' "$T_WORK/records.out")"
expect_eq "each came as one TLS record (head and body together)" "1 1 1" \
  "$(awk '/^status/ {printf "%s%s", sep, $6; sep=" "}' "$T_WORK/records.out")"

# ---- the Unix socket -------------------------------------------------------------------
expect_eq "the Unix socket is mode 0600" 600 "$(stat -c %a "$MNSAFE_DATA/mnsafe.sock")"
check "it is a socket" [ -S "$MNSAFE_DATA/mnsafe.sock" ]
expect_eq "it belongs to the daemon's user" "$(id -u)" "$(stat -c %u "$MNSAFE_DATA/mnsafe.sock")"
ST=$(api GET /api/v1/health)
expect_eq "health over the socket: 200" 200 "$ST"
ST=$(curl -s -o /dev/null -D "$T_WORK/h.head" --unix-socket "$MNSAFE_DATA/mnsafe.sock" http://localhost/api/v2/health -w '%{http_code}')
expect_eq "unknown route over the socket: 404" 404 "$ST"
expect_security_headers "socket answers" no
expect_eq "the TLS key is mode 0600" 600 "$(stat -c %a "$MNSAFE_DATA/tls/key.pem")"
expect_eq "the data dir is mode 0700" 700 "$(stat -c %a "$MNSAFE_DATA")"

finish
