#!/usr/bin/env bash
# test_web_ui.sh: the web UI in a real browser (issue 9). Starts `mnsafe
# serve` and runs tests/web/e2e.mjs in headless Chromium (Debian's chromium,
# playwright-core from tools/npm): login with password and TOTP after
# enrolling by QR code, adding a person with live check-digit feedback, the
# masked list, search by number, a reveal with a purpose that leaves the
# page after its time, the language switch, a CSV import with bad rows and
# its per-row report, a phone-sized screen, a session ended elsewhere, and
# the auditor's log with the acts and its verification, the officer's ledger
# and due list, the sysadmin's seal state and users. No external request,
# no number in the page outside a reveal; then tests/web/collect.mjs: the
# self-service collection on a phone-sized screen, and tests/web/person.mjs:
# the person page (corrections, a reissued number, dependents, end of need,
# deletion) and exports (a ZIP 7-Zip opens, a masked one), and
# tests/web/a11y.mjs: axe-core's WCAG 2.1 A/AA rules on every screen.
# Screenshots go to
# BUILD_DIR/web-artifacts/.
. "$(dirname "$0")/lib.sh"

web_setup

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
NUM=$(valid_mynumber 61234567890)
BAD="${NUM:0:11}$(( (${NUM:11:1} + 1) % 10 ))"
GOOD2=$(valid_mynumber 61234567891)
BAD2=$(valid_mynumber 61234567892); BAD2="${BAD2:0:11}$(( (${BAD2:11:1} + 3) % 10 ))"
printf '従業員番号,氏名,個人番号\nC001,取込 一郎,%s\nC002,取込 二郎,%s\nC003,取込 三郎,12345\n' "$GOOD2" "$BAD2" >"$T_WORK/people.csv"
# a clerk without a second factor for the self-service collection run
CLERK3_PW=$("$MNSAFE" user create clerk3 --role clerk | json_get 'j["one_time_password"]')
"$MNSAFE" user assign clerk3 acme >/dev/null || fail "clerk3 is assigned to acme"
CLERK3_PW=$(activate clerk3 "$CLERK3_PW") || fail "clerk3's first login"
login admin "$ADMIN_PW"
NUM2=$(valid_mynumber 61234567893)
NUM3=$(valid_mynumber 61234567894)
NUM4=$(valid_mynumber 61234567895); NUM5=$(valid_mynumber 61234567896); NUM6=$(valid_mynumber 61234567897)

web_run e2e 300 MNS_WEB_CLERK_PW="$CLERK_PW" MNS_WEB_AUDITOR_PW="$AUDITOR_PW" MNS_WEB_OFFICER_PW="$OFFICER_PW" \
  MNS_WEB_ADMIN_PW="$ADMIN_PW" MNS_WEB_NUMBER="$NUM" MNS_WEB_NUMBER_BAD="$BAD" MNS_WEB_CSV="$T_WORK/people.csv"
# 50 earlier collection links of clerk3's: with the one collect.mjs issues,
# one more than the list's first page
login clerk3 "$CLERK3_PW"
EARLIER=0
for i in $(seq 1 50); do
  [ "$(api POST /api/v1/tenants/acme/collections "{\"name\":\"以前 $i\",\"purposes\":[\"withholding_slip\"]}")" = 201 ] &&
    EARLIER=$((EARLIER + 1))
done
expect_eq "50 earlier links issued through the API" 50 "$EARLIER"
# every link of acme's so far (e2e.mjs may have issued some too)
api GET "/api/v1/tenants/acme/collections?limit=1000" >/dev/null
EARLIER=$(json_get 'len(j["collections"])' <"$T_WORK/api.body")
login admin "$ADMIN_PW"
web_run collect 180 MNS_WEB_CLERK3_PW="$CLERK3_PW" MNS_WEB_AUDITOR_PW="$AUDITOR_PW" MNS_WEB_NUMBER2="$NUM2" \
  MNS_WEB_NUMBER3="$NUM3" MNS_WEB_EARLIER_LINKS="$EARLIER"
web_run person 180 MNS_WEB_CLERK3_PW="$CLERK3_PW" MNS_WEB_NUMBER4="$NUM4" MNS_WEB_NUMBER5="$NUM5" \
  MNS_WEB_NUMBER6="$NUM6" MNS_WEB_WORK="$T_WORK"
web_run a11y 300 MNS_WEB_CLERK3_PW="$CLERK3_PW" MNS_WEB_OFFICER_PW="$OFFICER_PW" MNS_WEB_AUDITOR_PW="$AUDITOR_PW" \
  MNS_WEB_ADMIN_PW="$ADMIN_PW"
check "screenshots of the main screens were saved" test -s "$SHOTS/05-reveal.png"
check "and of the collection on a phone" test -s "$SHOTS/11-collection-phone.png"
# nothing the browser did left a number in clear in the store or the log
for n in "$NUM" "$NUM2" "$NUM3" "$NUM4" "$NUM5" "$NUM6"; do
  check_fails "no number in clear in the database files" grep -rqa "$n" "$MNSAFE_DATA"
  check_fails "nor in the daemon's log" grep -qa "$n" "$DAEMON_LOG"
done
finish
