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
# no number in the page outside a reveal. Screenshots go to
# BUILD_DIR/web-artifacts/.
. "$(dirname "$0")/lib.sh"

NODE_MODULES="$MNS_TESTS_DIR/../tools/npm/node_modules"
[ -x /usr/bin/chromium ] || { fail "Debian's chromium is installed (scripts/install-deps)"; finish; }
[ -d "$NODE_MODULES/playwright-core" ] || { fail "playwright-core is installed (tools/npm)"; finish; }

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
NUM=$(valid_mynumber 61234567890)
BAD="${NUM:0:11}$(( (${NUM:11:1} + 1) % 10 ))"
GOOD2=$(valid_mynumber 61234567891)
BAD2=$(valid_mynumber 61234567892); BAD2="${BAD2:0:11}$(( (${BAD2:11:1} + 3) % 10 ))"
printf '従業員番号,氏名,個人番号\nC001,取込 一郎,%s\nC002,取込 二郎,%s\nC003,取込 三郎,12345\n' "$GOOD2" "$BAD2" >"$T_WORK/people.csv"
SHOTS="${MNS_BUILD_DIR:-$T_WORK}/web-artifacts"

MNS_WEB_NODE_MODULES="$NODE_MODULES" MNS_WEB_BASE="https://127.0.0.1:$HTTPS_PORT" MNS_WEB_CLERK_PW="$CLERK_PW" \
  MNS_WEB_AUDITOR_PW="$AUDITOR_PW" MNS_WEB_OFFICER_PW="$OFFICER_PW" MNS_WEB_ADMIN_PW="$ADMIN_PW" MNS_WEB_NUMBER="$NUM" MNS_WEB_NUMBER_BAD="$BAD" MNS_WEB_CSV="$T_WORK/people.csv" \
  MNS_WEB_SHOTS="$SHOTS" timeout 300 node "$MNS_TESTS_DIR/web/e2e.mjs" >"$T_WORK/e2e.out" 2>&1
RC=$?
cat "$T_WORK/e2e.out"
while IFS= read -r line; do
  case "$line" in
    "ok - "*) T_PASS=$((T_PASS + 1)) ;;
    "not ok - "*) T_FAIL=$((T_FAIL + 1)) ;;
  esac
done <"$T_WORK/e2e.out"
check "the browser run ended cleanly" [ "$RC" -eq 0 ]
check "screenshots of the main screens were saved" test -s "$SHOTS/05-reveal.png"
# nothing the browser did left a number in clear in the store or the log
check_fails "no number in clear in the database files" grep -rqa "$NUM" "$MNSAFE_DATA"
check_fails "nor in the daemon's log" grep -qa "$NUM" "$DAEMON_LOG"
finish
