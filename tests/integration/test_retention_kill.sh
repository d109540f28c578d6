#!/usr/bin/env bash
# A batch deletion is one transaction: the daemon killed (SIGKILL) in the
# middle of `retention delete` leaves either every due person deleted with
# one disposal register entry, or none deleted and no entry; never a half.
# The next run then finishes the job, and the register adds up.
. "$(dirname "$0")/lib.sh"

N=4000
init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW"
random_mynumbers "$N" | python3 -c '
import json, sys
print(json.dumps([{"name": "退職者%d" % i, "mynumber": n.strip(), "purposes": ["health_pension"]}
                  for i, n in enumerate(sys.stdin)]))' >"$T_WORK/persons.json"
check "$N persons imported" "$MNSAFE" person import acme "$T_WORK/persons.json"
stop_daemon
# every one of them retired in 2010 (set in the store directly, to keep the test short)
db_exec "INSERT INTO person_end (person_id, ended_on, reason, legal_on, rule_code, scheduled_on,
  recorded_by, recorded_at) SELECT id, '2010-03-31', 'retirement', '2012-04-01', 'health_pension_forms', '2012-04-01',
  'clerk1', 0 FROM persons"
start_daemon --dev || exit 1
login officer1 "$OFFICER_PW"
"$MNSAFE" retention delete acme >"$T_WORK/delete.out" 2>&1 &
CLIENT=$!
sleep 0.1
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null
DAEMON_PID=""
wait "$CLIENT" 2>/dev/null
left=$(db_query "SELECT count(*) FROM persons")
keys=$(db_query "SELECT count(*) FROM persons WHERE wrapped IS NOT NULL")
entries=$(db_query "SELECT count(*) FROM disposal_register")
echo "after the kill: $left persons, $keys keys, $entries register entries"
check "all or nothing: $left of $N left" [ "$left" -eq 0 -o "$left" -eq "$N" ]
check "every person left still has its key" [ "$keys" -eq "$left" ]
expect_eq "the register matches what happened" "$([ "$left" -eq 0 ] && echo 1 || echo 0)" "$entries"
start_daemon --dev || exit 1
login officer1 "$OFFICER_PW"
check "the next run finishes the job" "$MNSAFE" retention delete acme
expect_eq "nobody is left" 0 "$(db_query "SELECT count(*) FROM persons")"
expect_eq "the register counts every deletion once" "$N" \
  "$(db_query "SELECT sum(persons) FROM disposal_register")"
login auditor1 "$AUDITOR_PW"
check "the audit chain is intact after the kill" "$MNSAFE" audit verify
finish
