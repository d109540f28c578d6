#!/usr/bin/env bash
# Separation of duties through the CLI: with `serve --separation-of-duties`
# an assignment asked for by the sysadmin gives no reach until an officer
# approves it (`mnsafe access approve ID`); the officer cannot approve their
# own assignment.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev --separation-of-duties || exit 1
setup_tenant || exit 1   # its two assignments are now requests
login admin "$ADMIN_PW"
REQS=$("$MNSAFE" access requests)
expect_eq "two pending requests" 2 "$(json_get 'len([r for r in j["requests"] if r["status"] == "pending"])' <<<"$REQS")"
CLERK_REQ=$(json_get '[r["id"] for r in j["requests"] if r["user"] == "clerk1"][0]' <<<"$REQS")
OFFICER_REQ=$(json_get '[r["id"] for r in j["requests"] if r["user"] == "officer1"][0]' <<<"$REQS")

login clerk1 "$CLERK_PW"
check_fails "before approval the clerk does not reach the tenant" "$MNSAFE" person list acme
login admin "$ADMIN_PW"
check_fails "the sysadmin cannot approve" "$MNSAFE" access approve "$CLERK_REQ"
login officer1 "$OFFICER_PW"
check_fails "the officer cannot approve their own assignment" "$MNSAFE" access approve "$OFFICER_REQ"
check "the officer approves the clerk's" "$MNSAFE" access approve "$CLERK_REQ"
login clerk1 "$CLERK_PW"
check "after approval the clerk reaches the tenant" "$MNSAFE" person list acme
login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "the approval is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=user.assign_approve result=ok
check "the refused self-approval is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=user.assign_approve "result=denied*"
finish
