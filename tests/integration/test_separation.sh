#!/usr/bin/env bash
# Separation of duties (F-b optional 3) through the CLI, with
# `serve --separation-of-duties`: a role or an assignment asked for by one
# person is in force only once another approves it (`mnsafe access approve
# ID`); nobody approves their own request or a grant to themselves. The very
# first officer of an installation, with nobody else to approve, is granted
# at once, and the audit entry says so.
. "$(dirname "$0")/lib.sh"

new_user() { # NAME ROLE -> one-time password; the create result in $T_WORK/created
  "$MNSAFE" user create "$1" --role "$2" >"$T_WORK/created" || return 1
  json_get 'j["one_time_password"]' <"$T_WORK/created"
}
pending_id() { # USER KIND -> id of the user's pending request of that kind
  "$MNSAFE" access requests | json_get "[r['id'] for r in j['requests'] if r['user'] == '$1' and r['kind'] == '$2' and r['status'] == 'pending'][0]"
}

init_dev || exit 1
start_daemon --dev --separation-of-duties || exit 1
ADMIN_PW=$(activate admin "$ADMIN_PW") || exit 1
"$MNSAFE" tenant create acme "株式会社アクメ" >/dev/null || exit 1

OFFICER_PW=$(new_user officer1 officer) || exit 1
expect_eq "the first officer: nobody else could approve, so granted at once" False \
  "$(json_get 'j["role_pending"]' <"$T_WORK/created")"
CLERK_PW=$(new_user clerk1 clerk) || exit 1
expect_eq "a clerk created once an officer exists waits for approval" True \
  "$(json_get 'j["role_pending"]' <"$T_WORK/created")"
OFFICER_PW=$(activate officer1 "$OFFICER_PW") || exit 1
CLERK_PW=$(activate clerk1 "$CLERK_PW") || exit 1   # a pending role may still change its password
OUT=$("$MNSAFE" tenant list 2>&1)
expect_contains "a pending role may do nothing else, and is told why" "awaits approval" "$OUT"

login admin "$ADMIN_PW"
expect_eq "the user list says the clerk's role awaits approval" True \
  "$("$MNSAFE" user list | json_get "[u['role_pending'] for u in j['users'] if u['name'] == 'clerk1'][0]")"
ROLE_REQ=$(pending_id clerk1 role)
check_fails "the sysadmin who asked cannot approve the role" "$MNSAFE" access approve "$ROLE_REQ"
login officer1 "$OFFICER_PW"
check "another person (the officer) approves the role" "$MNSAFE" access approve "$ROLE_REQ"

login admin "$ADMIN_PW"
expect_eq "and no longer once approved" False \
  "$("$MNSAFE" user list | json_get "[u['role_pending'] for u in j['users'] if u['name'] == 'clerk1'][0]")"
check "the sysadmin asks to assign the clerk (payees file only)" "$MNSAFE" user assign clerk1 acme --files payees
check "and the officer to acme" "$MNSAFE" user assign officer1 acme
CLERK_REQ=$(pending_id clerk1 assignment)
OFFICER_REQ=$(pending_id officer1 assignment)
expect_eq "access requests --limit 1: one request and where the next page starts" "1 True" \
  "$("$MNSAFE" access requests --limit 1 | json_get '" ".join(str(x) for x in [len(j["requests"]), j["next_before"] == j["requests"][0]["id"]])')"
expect_eq "the request names the file" payees \
  "$("$MNSAFE" access requests | json_get "[r['files'] for r in j['requests'] if r['id'] == $CLERK_REQ][0]")"
login clerk1 "$CLERK_PW"
check_fails "before approval the clerk does not reach the tenant" "$MNSAFE" person list acme
login admin "$ADMIN_PW"
check_fails "a sysadmin cannot approve an assignment" "$MNSAFE" access approve "$CLERK_REQ"
login officer1 "$OFFICER_PW"
check_fails "the officer cannot approve their own assignment" "$MNSAFE" access approve "$OFFICER_REQ"
check "the officer approves the clerk's" "$MNSAFE" access approve "$CLERK_REQ"
login clerk1 "$CLERK_PW"
check "after approval the clerk reaches the tenant" "$MNSAFE" person list acme

# a role change waits too, and once approved ends the old role's assignments
login admin "$ADMIN_PW"
check "the sysadmin asks to make the clerk an auditor" "$MNSAFE" user role clerk1 auditor
check_fails "nobody changes their own role" "$MNSAFE" user role admin officer
login clerk1 "$CLERK_PW"
check "until approved the clerk is still a clerk" "$MNSAFE" person list acme
login officer1 "$OFFICER_PW"
check "the officer approves the role change" "$MNSAFE" access approve "$(pending_id clerk1 role)"
login clerk1 "$CLERK_PW"
OUT=$("$MNSAFE" whoami)
expect_contains "now an auditor" auditor "$OUT"
check_fails "with no assignment left" "$MNSAFE" person list acme

# clerk1, now an auditor, reads the log
audit_dump "$T_WORK/audit.json"
check "the bootstrap grant is audited as such" audit_has "$T_WORK/audit.json" actor=admin action=user.create \
  subject=user:officer1 "detail=no other approver yet*"
check "the role approval is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=user.role_approve result=ok
check "the refused self-approval of a role is audited" audit_has "$T_WORK/audit.json" actor=admin \
  action=user.role_approve "result=denied*"
check "the assignment approval is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=user.assign_approve result=ok
check "the refused self-approval is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=user.assign_approve "result=denied*"
finish
