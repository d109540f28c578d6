#!/usr/bin/env bash
# test_web_manage.sh: the screens that act on the system (web/manage.js) in
# a real browser. Starts `mnsafe serve` with separation of duties and
# deletion approval, prepares what waits for an officer (a clerk's deletion
# request and export request, a person whose keeping period is over), and
# runs tests/web/manage.mjs in headless Chromium: the sysadmin creates a
# user (one-time password shown once), asks for a role change, creates a
# business and sets its policy, makes and verifies a backup; the officer
# approves and rejects in the queue (and the state changes), records an
# incident with its PPC deadlines (overdue highlighted) and updates it,
# confirms the access review, assesses a check sheet item with an evidence
# file (the dashboard's coverage changes), deletes the due persons; the
# auditor reads the registers and the report; the audit log has the acts;
# the sysadmin seals. No request to another origin, no number in a page.
# Screenshots go to BUILD_DIR/web-artifacts/ (2x-*.png, 3x-*.png).
. "$(dirname "$0")/lib.sh"

web_setup

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
# the same store again, now with another person deciding roles, assignments
# and clerks' deletions
stop_daemon || exit 1
start_daemon --dev --separation-of-duties --deletion-approval || exit 1

login clerk1 "$CLERK_PW" || exit 1
N1=$(valid_mynumber 72000000001); N2=$(valid_mynumber 72000000002)
printf '%s\n' "$N1" | "$MNSAFE" person add acme --name "退職 一郎" --purpose health_pension >/dev/null || exit 1
printf '%s\n' "$N2" | "$MNSAFE" person add acme --name "削除 花子" --purpose health_pension >/dev/null || exit 1
IDS=$("$MNSAFE" person list acme)
P1=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "退職 一郎"][0]' <<<"$IDS")
P2=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "削除 花子"][0]' <<<"$IDS")
"$MNSAFE" retention end acme "$P1" --on 2010-03-31 --reason retirement >"$T_WORK/end.json"
expect_eq "a person whose keeping period is over (retired in 2010, due since 2012)" 2012-04-01 \
  "$(json_get 'j["scheduled_on"]' <"$T_WORK/end.json")"
expect_eq "the clerk asks to delete a person: pending (--deletion-approval)" 202 \
  "$(api DELETE "/api/v1/tenants/acme/persons/$P2" '{"reason":"本人からの削除依頼"}')"
expect_eq "the clerk asks for an export: pending" 202 "$(api POST /api/v1/tenants/acme/export-requests \
  '{"purpose":"health_pension","recipient":"年金事務所","route":"電子申請","protection":"zip","reason":"資格取得届"}')"
printf '就業規則 第12条（特定個人情報の取扱い）\n' >"$T_WORK/rules.txt"
# this run's screenshots only (web-artifacts is shared with it.test_web_ui)
rm -f "$SHOTS"/2[0-9]-*.png "$SHOTS"/3[01]-*.png "$SHOTS"/manage-stopped.png

web_run manage 300 MNS_WEB_ADMIN_PW="$ADMIN_PW" MNS_WEB_OFFICER_PW="$OFFICER_PW" MNS_WEB_AUDITOR_PW="$AUDITOR_PW" \
  MNS_WEB_NUMBERS="$N1,$N2" MNS_WEB_DUE_PERSON="$P1" MNS_WEB_ASKED_PERSON="$P2" MNS_WEB_EVIDENCE="$T_WORK/rules.txt"
for shot in 20-approvals 21-incidents 22-access-review 23-checksheet 24-due-delete 25-registers 26-report \
  27-users 28-tenants 29-backups 30-seal 31-phone-incidents; do
  check "screenshot $shot.png was saved" test -s "$SHOTS/$shot.png"
done
expect_eq "the store is sealed by the sysadmin's button" True "$("$MNSAFE" status | json_get 'j["sealed"]')"
check_fails "no number in clear in the database files" grep -rqa -e "$N1" -e "$N2" "$MNSAFE_DATA"
check_fails "nor in the daemon's log" grep -qa -e "$N1" -e "$N2" "$DAEMON_LOG"
finish
