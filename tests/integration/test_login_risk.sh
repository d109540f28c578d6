#!/usr/bin/env bash
# Login risk (F-b optional 2) over real HTTPS from distinct loopback source
# addresses (127.0.0.1, .2, .3 are all this machine on Linux):
# --refuse-new-address refuses a password-only login from an address the user
# never logged in from; --place/--travel-minutes refuse a login from another
# place too soon after the last; --refuse-new-device refuses a password-only
# login from a client without the device token it got at an earlier login.
# Refusals are audited with their reason.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
OUT=$("$MNSAFE" serve --dev --place nowhere 2>&1); RC=$?
expect_eq "a malformed --place is refused at start" 1 "$([ "$RC" -ne 0 ] && echo 1 || echo 0)"
expect_contains "and says what is wrong" "NAME=CIDR" "$OUT"
OUT=$("$MNSAFE" serve --dev --travel-minutes 10x 2>&1); RC=$?
expect_eq "a travel time that is not a number is a usage error" 2 "$RC"
expect_contains "naming the flag" "--travel-minutes" "$OUT"
start_daemon --dev --refuse-new-address || exit 1
setup_tenant || exit 1

login_from() { # SOURCE USER PASSWORD [DEVICE] -> HTTP status; body in $T_WORK/body
  local dev=""
  [ $# -ge 4 ] && dev=",\"device\":\"$4\""
  curl -s -o "$T_WORK/body" -w '%{http_code}' --interface "$1" --cacert "$MNSAFE_DATA/tls/cert.pem" \
    -H 'Content-Type: application/json' -d "{\"user\":\"$2\",\"password\":\"$3\"$dev}" \
    "https://127.0.0.1:$HTTPS_PORT/api/v1/sessions"
}
expect_eq "clerk1's first network login (127.0.0.1) is learnt" 201 "$(login_from 127.0.0.1 clerk1 "$CLERK_PW")"
expect_eq "again from the same address" 201 "$(login_from 127.0.0.1 clerk1 "$CLERK_PW")"
expect_eq "from a new address without a second factor: 403" 403 "$(login_from 127.0.0.2 clerk1 "$CLERK_PW")"
B=$(cat "$T_WORK/body")
expect_contains "the refusal says why (English)" "new address" "$B"
expect_contains "the refusal says why (Japanese)" "二要素認証" "$B"
expect_eq "the local socket is not a network address" 0 "$(login clerk1 "$CLERK_PW"; echo $?)"

stop_daemon
start_daemon --dev --place office=127.0.0.1/32 --place home=127.0.0.3/32 --travel-minutes 60 || exit 1
expect_eq "officer1 logs in at the office" 201 "$(login_from 127.0.0.1 officer1 "$OFFICER_PW")"
expect_eq "from home a moment later: refused as impossible travel" 403 "$(login_from 127.0.0.3 officer1 "$OFFICER_PW")"
expect_contains "the refusal names both places" "office" "$(cat "$T_WORK/body")"
expect_eq "from an address in no place: no travel rule" 201 "$(login_from 127.0.0.2 officer1 "$OFFICER_PW")"

stop_daemon
start_daemon --dev --refuse-new-device || exit 1
expect_eq "auditor1's first network login" 201 "$(login_from 127.0.0.1 auditor1 "$AUDITOR_PW")"
DEV=$(json_get 'j["device"]' <"$T_WORK/body")
expect_contains "gives a device token to keep" mnd_ "$DEV"
expect_eq "without the token: a new device, refused" 403 "$(login_from 127.0.0.1 auditor1 "$AUDITOR_PW")"
expect_contains "saying why" "new device" "$(cat "$T_WORK/body")"
expect_eq "with a made-up token: refused" 403 \
  "$(login_from 127.0.0.1 auditor1 "$AUDITOR_PW" "mnd_$(printf '0%.0s' $(seq 64))")"
expect_eq "with the token: allowed, from another address too" 201 \
  "$(login_from 127.0.0.2 auditor1 "$AUDITOR_PW" "$DEV")"
expect_eq "and the same token is kept" "$DEV" "$(json_get 'j["device"]' <"$T_WORK/body")"
check_fails "the device token is not stored in clear" grep -rqa "$DEV" "$MNSAFE_DATA"

login auditor1 "$AUDITOR_PW"
expect_eq "the setting is readable as data (access policy)" True \
  "$("$MNSAFE" access policy | json_get 'j["login_risk"]["refuse_new_device"]')"
audit_dump "$T_WORK/audit.json"
check "new-address refusal audited" audit_has "$T_WORK/audit.json" actor=clerk1 action=auth.login \
  "result=denied*" "detail=new address without a second factor"
check "impossible travel audited" audit_has "$T_WORK/audit.json" actor=officer1 action=auth.login \
  "result=denied*" "detail=impossible travel"
check "a login from an address seen before for the user is marked" audit_has "$T_WORK/audit.json" \
  actor=officer1 action=auth.login result=ok "detail=new device; new address; ended 1 other session(s)"
check "new-device refusal audited" audit_has "$T_WORK/audit.json" actor=auditor1 action=auth.login \
  "result=denied*" "detail=new device without a second factor"
finish
