#!/usr/bin/env bash
# test_sessions_web.sh: browser sessions and program tokens over real HTTPS.
# Browser: POST /sessions with "cookie": true sets an HttpOnly, Secure,
# SameSite=Strict cookie and answers a CSRF token instead of the session
# token; reads work with the cookie; a change without the CSRF token (or with
# a wrong one) is refused; logout clears the cookie. Programs: a token made
# from a login session works as a bearer, cannot make tokens itself, is
# listed without its secret, stops at revocation and at a password change,
# and never appears in the log.
. "$(dirname "$0")/lib.sh"

check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant
B="https://127.0.0.1:$HTTPS_PORT/api/v1"
JAR=$T_WORK/cookies
hc() { curl -sk -b "$JAR" -c "$JAR" -o "$T_WORK/body" -D "$T_WORK/head" -w '%{http_code}' "$@"; }
body() { cat "$T_WORK/body"; }

# ---- the browser ----------------------------------------------------------------
ST=$(hc -H 'Content-Type: application/json' --data "{\"user\":\"clerk1\",\"password\":\"$CLERK_PW\",\"cookie\":true}" "$B/sessions")
expect_eq "login with a cookie" 201 "$ST"
SC=$(grep -i '^set-cookie:' "$T_WORK/head")
expect_contains "the cookie is HttpOnly" "HttpOnly" "$SC"
expect_contains "Secure" "Secure" "$SC"
expect_contains "SameSite=Strict" "SameSite=Strict" "$SC"
expect_contains "for the API only" "Path=/api/v1" "$SC"
CSRF=$(body | json_get 'j["csrf_token"]')
check "a CSRF token of 32 hex digits" [ "${#CSRF}" -eq 32 ]
expect_eq "and no session token in the body" False "$(body | json_get '"token" in j')"
expect_eq "the cookie reads" "200 clerk1" "$(hc "$B/sessions/current") $(body | json_get 'j["user"]')"
NUM=$(valid_mynumber 78900000001)
P="{\"persons\":[{\"name\":\"窓口 花子\",\"mynumber\":\"$NUM\",\"purposes\":[\"withholding_slip\"]}]}"
expect_eq "a change without the CSRF token is refused" 403 \
  "$(hc -H 'Content-Type: application/json' --data "$P" "$B/tenants/acme/persons")"
expect_contains "naming the header" "X-CSRF-Token" "$(body)"
expect_eq "with a wrong one too" 403 \
  "$(hc -H 'Content-Type: application/json' -H 'X-CSRF-Token: 0123456789abcdef0123456789abcdef' --data "$P" "$B/tenants/acme/persons")"
expect_eq "nothing was stored" 0 "$(db_query 'SELECT count(*) FROM persons')"
expect_eq "with the right one it works" 201 \
  "$(hc -H 'Content-Type: application/json' -H "X-CSRF-Token: $CSRF" --data "$P" "$B/tenants/acme/persons")"
expect_eq "logout" 200 "$(hc -X DELETE -H "X-CSRF-Token: $CSRF" "$B/sessions/current")"
expect_contains "clears the cookie" "Max-Age=0" "$(grep -i '^set-cookie:' "$T_WORK/head")"
expect_eq "and the session is over" 401 "$(curl -sk -o /dev/null -w '%{http_code}' -H "Cookie: mnsafe_session=$(awk '$6 == "mnsafe_session" {print $7}' "$JAR" | head -1)x" "$B/sessions/current")"

# ---- program tokens -------------------------------------------------------------------
login clerk1 "$CLERK_PW"
OUT=$("$MNSAFE" token create payroll-sync --days 30)
TOK=$(json_get 'j["token"]' <<<"$OUT")
TID=$(json_get 'j["id"]' <<<"$OUT")
check "a program token mnt_ + 64 hex" [ "${#TOK}" -eq 68 ] && [ "${TOK:0:4}" = mnt_ ]
expect_eq "it works as a bearer over HTTPS" 200 \
  "$(curl -sk -o "$T_WORK/list" -w '%{http_code}' -H "Authorization: Bearer $TOK" "$B/tenants/acme/persons")"
expect_eq "as the clerk (masked list)" 1 "$(json_get 'len(j["persons"])' <"$T_WORK/list")"
expect_eq "it cannot make tokens itself" 403 \
  "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" -H 'Content-Type: application/json' \
     --data '{"name":"x"}' "$B/users/me/tokens")"
L=$("$MNSAFE" token list)
expect_eq "listed by name" payroll-sync "$(json_get 'j["tokens"][0]["name"]' <<<"$L")"
expect_not_contains "without its secret" "$TOK" "$L"
check_fails "more than 365 days is refused" "$MNSAFE" token create too-long --days 400
check "revoked" "$MNSAFE" token revoke "$TID"
expect_eq "then refused" 401 "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK" "$B/tenants/acme/persons")"
TOK2=$("$MNSAFE" token create second | json_get 'j["token"]')
expect_eq "a second token works" 200 "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK2" "$B/tenants/acme/persons")"
# lists narrowed by a part of the name (percent-encoded Japanese) or by kind
ENC=$(python3 -c 'import urllib.parse; print(urllib.parse.quote("窓口"))')
expect_eq "filter by a part of the name" 1 \
  "$(curl -sk -H "Authorization: Bearer $TOK2" "$B/tenants/acme/persons?name=$ENC" | json_get 'len(j["persons"])')"
expect_eq "no match" 0 \
  "$(curl -sk -H "Authorization: Bearer $TOK2" "$B/tenants/acme/persons?name=%E7%84%A1" | json_get 'len(j["persons"])')"
expect_eq "by kind" 0 "$(curl -sk -H "Authorization: Bearer $TOK2" "$B/tenants/acme/persons?kind=payee" | json_get 'len(j["persons"])')"
expect_eq "a number is never a search term here" 400 \
  "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK2" "$B/tenants/acme/persons?name=$NUM")"
check_fails "nor reaches the log" grep -q "$NUM" "$DAEMON_LOG"
NEWPW="${CLERK_PW}-Next2"
check "the clerk changes the password" bash -c "printf '%s\n%s\n%s\n' '$CLERK_PW' '$NEWPW' '$NEWPW' | '$MNSAFE' passwd >/dev/null"
expect_eq "which revokes the program tokens" 401 \
  "$(curl -sk -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOK2" "$B/tenants/acme/persons")"
check_fails "no token in the daemon's log" grep -q -e "$TOK" -e "$TOK2" "$DAEMON_LOG"
login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "token acts are audited" audit_has "$T_WORK/audit.json" action=token.create result=ok
check_fails "and the audit holds no token" grep -q -e "$TOK" -e "$TOK2" "$T_WORK/audit.json"
finish
