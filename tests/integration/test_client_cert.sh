#!/usr/bin/env bash
# HTTPS client certificates required for a role (F-a, optional): with
# --client-ca and --require-client-cert clerk, a clerk's session over HTTPS
# works only with a certificate from that CA whose CN is the clerk's name;
# login and every use of the session need it; refusals are audited; other
# roles and the local socket are unaffected.
. "$(dirname "$0")/lib.sh"

PKI="$T_WORK/pki"; mkdir -p "$PKI"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=mnsafe test CA" \
  -keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
mkcert() { # NAME CA-BASENAME
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -keyout "$PKI/$1.key" \
    -out "$PKI/$1.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" -CAkey "$PKI/$2.key" -CAcreateserial -days 1 \
    -out "$PKI/$1.pem" 2>/dev/null
}
mkcert clerk1 ca
mkcert clerk2 ca
# a certificate for clerk1 from another CA
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=other CA" \
  -keyout "$PKI/other.key" -out "$PKI/other.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=clerk1" -keyout "$PKI/rogue.key" \
  -out "$PKI/rogue.csr" 2>/dev/null
openssl x509 -req -in "$PKI/rogue.csr" -CA "$PKI/other.pem" -CAkey "$PKI/other.key" -CAcreateserial -days 1 \
  -out "$PKI/rogue.pem" 2>/dev/null
check "test PKI made" test -s "$PKI/clerk1.pem" -a -s "$PKI/rogue.pem"

OUT=$("$MNSAFE" serve --require-client-cert clerk 2>&1); RC=$?
expect_eq "--require-client-cert without --client-ca is a usage error" 2 "$RC"

init_dev || exit 1
start_daemon --dev --client-ca "$PKI/ca.pem" --require-client-cert clerk || exit 1
setup_tenant || exit 1
check "the local socket needs no certificate" sh -c "printf '%s\n' '$CLERK_PW' | '$MNSAFE' login clerk1 >/dev/null && '$MNSAFE' person list acme >/dev/null"

get() { # CERTNAME|- PATH TOKEN -> status
  local c=()
  [ "$1" != - ] && c=(--cert "$PKI/$1.pem" --key "$PKI/$1.key")
  curl -s -o "$T_WORK/body" -w '%{http_code}' --cacert "$MNSAFE_DATA/tls/cert.pem" "${c[@]}" \
    -H "Authorization: Bearer $3" "https://127.0.0.1:$HTTPS_PORT$2"
}
login_https() { # USER PASSWORD [CERTNAME] -> token (status and body in $T_WORK/login)
  local c=()
  [ $# -ge 3 ] && c=(--cert "$PKI/$3.pem" --key "$PKI/$3.key")
  curl -s -o "$T_WORK/login" -w '%{http_code}' --cacert "$MNSAFE_DATA/tls/cert.pem" "${c[@]}" \
    -H 'Content-Type: application/json' -d "{\"user\":\"$1\",\"password\":\"$2\"}" \
    "https://127.0.0.1:$HTTPS_PORT/api/v1/sessions" >"$T_WORK/login.status"
  json_get 'j.get("token", "")' <"$T_WORK/login"
}
T=$(login_https clerk1 "$CLERK_PW")
expect_eq "clerk login over HTTPS without a certificate: 403" 403 "$(cat "$T_WORK/login.status")"
expect_contains "saying why" "certificate" "$(cat "$T_WORK/login")"
T=$(login_https clerk1 "$CLERK_PW" clerk2)
expect_eq "clerk login with another user's certificate: 403" 403 "$(cat "$T_WORK/login.status")"
T=$(login_https clerk1 "$CLERK_PW" clerk1)
expect_eq "clerk login with their own certificate: 201" 201 "$(cat "$T_WORK/login.status")"
expect_eq "clerk over HTTPS without a certificate: 403" 403 "$(get - /api/v1/tenants/acme/persons "$T")"
expect_eq "clerk with another user's certificate: 403" 403 "$(get clerk2 /api/v1/tenants/acme/persons "$T")"
# an unverifiable certificate ends the TLS handshake itself (curl reports 000)
expect_eq "clerk with a certificate from another CA: refused" 000 "$(get rogue /api/v1/tenants/acme/persons "$T")"
expect_eq "clerk with their own certificate: 200" 200 "$(get clerk1 /api/v1/tenants/acme/persons "$T")"
TO=$(login_https officer1 "$OFFICER_PW")
expect_eq "officer (no rule) without a certificate: 200" 200 "$(get - /api/v1/tenants/acme/persons "$TO")"
login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "refusals audited with the reason" audit_has "$T_WORK/audit.json" actor=clerk1 action=auth.session \
  "result=denied*" "detail=client certificate required"
check "refused logins too" audit_has "$T_WORK/audit.json" actor=clerk1 action=auth.login \
  "result=denied*" "detail=client certificate required"
finish
