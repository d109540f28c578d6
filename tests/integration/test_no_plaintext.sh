#!/usr/bin/env bash
# test_no_plaintext.sh: no My Number is ever written in clear anywhere but the
# reveal output the user asked for. 200+ random numbers (persons and
# dependents, in several notations) go through import, add, find, reveal,
# delete, refused and failed requests over the socket and HTTPS; then every
# file in the data directory (while running and after stop: db, -wal, -shm,
# checkpoint file, audit.pub, tls, all of it, binary-safe), the daemon's log
# and all CLI stderr (and stdout other than reveal's) are scanned for every
# number. A positive control proves the scanner would see a leak.
. "$(dirname "$0")/lib.sh"

CLI_ERR=$T_WORK/cli-stderr.log     # stderr of every CLI call
CLI_OUT=$T_WORK/cli-stdout.log     # stdout of every CLI call except reveal
: >"$CLI_ERR"; : >"$CLI_OUT"
# cli ARGS...: runs mnsafe, stdout to CLI_OUT, stderr to CLI_ERR
cli() { "$MNSAFE" "$@" >>"$CLI_OUT" 2>>"$CLI_ERR"; }

check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant 2>>"$CLI_ERR"
check "login clerk1" login clerk1 "$CLERK_PW"

random_mynumbers 230 | shuf >"$T_WORK/all"
mapfile -t ALL <"$T_WORK/all"
PERSONS=("${ALL[@]:0:140}")      # imported persons
DEPS=("${ALL[@]:140:60}")        # their dependents (of the first 60 persons)
SINGLES=("${ALL[@]:200:3}")      # added one by one on stdin
UNSTORED=("${ALL[@]:203:27}")    # sent in refused batches, never stored
wrong_cd() { printf '%s%s' "${1:0:11}" $(( (${1:11:1} + 1) % 10 )); }
BAD1=$(wrong_cd "${UNSTORED[0]}") BAD2=$(wrong_cd "${UNSTORED[1]}") BAD3=$(wrong_cd "${UNSTORED[2]}")

# ---- import 200 numbers, in several notations --------------------------------
python3 - "$T_WORK/import.json" "${PERSONS[*]}" "${DEPS[*]}" <<'PY'
import json, sys
out, persons, deps = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
fw = lambda s: s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"})
hy = lambda s: s[:4] + "-" + s[4:8] + "-" + s[8:]
forms = [lambda s: s, hy, fw, lambda s: fw(hy(s)), lambda s: s[:4] + " " + s[4:8] + " " + s[8:]]
rows = []
for i, n in enumerate(persons):
    r = {"kind": "employee" if i % 3 else "payee", "name": f"社員 {i}", "employee_code": f"E{i:04d}",
         "mynumber": forms[i % len(forms)](n),
         "purposes": ["withholding_slip", "dependent_deduction"]}
    if i < len(deps):
        r["dependents"] = [{"name": f"家族 {i}", "relationship": "子", "mynumber": forms[(i + 1) % len(forms)](deps[i])}]
    rows.append(r)
json.dump(rows, open(out, "w"), ensure_ascii=False)
PY
OUT=$("$MNSAFE" person import acme "$T_WORK/import.json" 2>>"$CLI_ERR"); RC=$?
printf '%s\n' "$OUT" >>"$CLI_OUT"
expect_eq "import 140 persons with 60 dependents" 0 "$RC"
mapfile -t IDS < <(printf '%s' "$OUT" | json_get '"\n".join(str(i) for i in j["created"])' 2>/dev/null)
expect_eq "140 ids" 140 "${#IDS[@]}"

for n in "${SINGLES[@]}"; do
  printf '%s\n' "$n" | cli person add acme --name "単独 追加" --purpose withholding_slip
  check "single add on stdin" [ $? -eq 0 ]
done

# ---- find, reveal, delete, list ----------------------------------------------------
printf '%s\n' "${PERSONS[10]}" | cli person find acme
printf '%s-%s-%s\n' "${PERSONS[11]:0:4}" "${PERSONS[11]:4:4}" "${PERSONS[11]:8:4}" | cli person find acme
printf '%s\n' "${DEPS[3]}" | cli person find acme
printf '%s\n' "${UNSTORED[3]}" | cli person find acme
cli person list acme --limit 1000
# reveal: its stdout is the user's intended output, kept apart and not scanned
for i in 0 1 2 100; do
  "$MNSAFE" person reveal acme "${IDS[$i]}" --purpose dependent_deduction >>"$T_WORK/reveal-out" 2>>"$CLI_ERR"
done
check "reveal returned the numbers (sanity)" grep -q "${PERSONS[0]}" "$T_WORK/reveal-out"
check "reveal returned a dependent's number (sanity)" grep -q "${DEPS[1]}" "$T_WORK/reveal-out"
"$MNSAFE" person reveal acme "${IDS[3]}" --purpose health_pension >>"$T_WORK/reveal-out" 2>>"$CLI_ERR"
check "refused reveal (purpose) fails" [ $? -ne 0 ]
for i in 0 5 6 100; do cli person delete acme "${IDS[$i]}" --reason "保存期間満了"; done

# ---- refused and failed requests that carry numbers ---------------------------------
printf '%s\n' "${PERSONS[20]}" | cli person add acme --name "重複" --purpose withholding_slip
check "duplicate add refused" [ $? -ne 0 ]
printf '%s\n' "$BAD1" | cli person add acme --name "誤り" --purpose withholding_slip
check "wrong check digit refused" [ $? -ne 0 ]
printf '%s\n' "$BAD2" | cli person find acme
check "find with a wrong check digit refused" [ $? -ne 0 ]
python3 - "$T_WORK/bad.json" "${UNSTORED[*]:4}" "$BAD3" <<'PY'
import json, sys
nums = sys.argv[2].split()
rows = [{"name": f"未登録 {i}", "mynumber": n, "purposes": ["withholding_slip"]} for i, n in enumerate(nums)]
rows.insert(len(rows) // 2, {"name": "誤り", "mynumber": sys.argv[3], "purposes": ["withholding_slip"]})
json.dump(rows, open(sys.argv[1], "w"), ensure_ascii=False)
PY
cli person import acme "$T_WORK/bad.json"
check "batch with a bad row refused" [ $? -ne 0 ]
# an unassigned clerk and an auditor try with numbers
login clerk2 "$CLERK2_PW"
printf '%s\n' "${PERSONS[30]}" | cli person find acme
printf '%s\n' "${UNSTORED[5]}" | cli person add acme --name "権限なし" --purpose withholding_slip
login auditor1 "$AUDITOR_PW"
cli audit list --limit 1000
# over HTTPS as well (the TLS side logs too)
TOKEN=$(curl -s --cacert "$MNSAFE_DATA/tls/cert.pem" -H 'Content-Type: application/json' \
  -d "{\"user\":\"clerk1\",\"password\":\"$CLERK_PW\"}" "https://127.0.0.1:$HTTPS_PORT/api/v1/sessions" | json_get 'j["token"]')
check "HTTPS login (sanity)" [ -n "$TOKEN" ]
curl -s --cacert "$MNSAFE_DATA/tls/cert.pem" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"mynumber\":\"${PERSONS[40]}\"}" "https://127.0.0.1:$HTTPS_PORT/api/v1/tenants/acme/persons/search" >>"$CLI_OUT"
curl -s --cacert "$MNSAFE_DATA/tls/cert.pem" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"mynumber\":\"${PERSONS[41]}\"" "https://127.0.0.1:$HTTPS_PORT/api/v1/tenants/acme/persons/search" >>"$CLI_OUT"
curl -s --cacert "$MNSAFE_DATA/tls/cert.pem" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "{\"persons\":[{\"name\":\"x\",\"mynumber\":\"${UNSTORED[6]}\",\"purposes\":[\"withholding_slip\"],\"x\":1}]}" \
  "https://127.0.0.1:$HTTPS_PORT/api/v1/tenants/acme/persons" >>"$CLI_OUT"
curl -s --cacert "$MNSAFE_DATA/tls/cert.pem" -H 'Content-Type: application/json' \
  -d "{\"mynumber\":\"${PERSONS[42]}\"}" "https://127.0.0.1:$HTTPS_PORT/api/v1/tenants/acme/persons/search?n=${PERSONS[43]}" >>"$CLI_OUT"

# ---- the numbers to look for ------------------------------------------------------------
# every number sent, stored or not, plus the wrongly typed ones; and, for the
# stored ones, the other notations they were sent in
PAT=$T_WORK/patterns
printf '%s\n' "${ALL[@]}" "$BAD1" "$BAD2" "$BAD3" >"$PAT"
python3 - "$PAT" <<'PY'
import sys
p = sys.argv[1]
nums = open(p).read().split()
fw = lambda s: s.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
extra = [fw(n) for n in nums] + [n[:4] + "-" + n[4:8] + "-" + n[8:] for n in nums]
open(p, "a").write("\n".join(extra) + "\n")
PY
expect_eq "patterns: 233 numbers in three notations" 699 "$(wc -l <"$PAT")"

# find_leaks PATH...: prints the files (recursively, binary-safe) holding any pattern
find_leaks() { grep -r -a -F -l -s -D skip -f "$PAT" -- "$@"; }
# digit_runs FILE...: every run of 12+ digits in the printable strings of FILE
digit_runs() { for f in "$@"; do strings -a -n 12 "$f"; done | grep -oE '[0-9]{12,}' | sort -u; }
# runs_with_number RUNSFILE: prints the runs that contain one of the numbers
runs_with_number() {
  python3 - "$1" "$T_WORK/all" <<'PY'
import sys
runs = open(sys.argv[1]).read().split()
nums = open(sys.argv[2]).read().split()
for r in runs:
    if any(n in r for n in nums):
        print(r)
PY
}

# snapshot of the data directory while the daemon runs (WAL and SHM present)
cp -a "$MNSAFE_DATA" "$T_WORK/snap-running" 2>/dev/null
[ -z "$PG_SCHEMA" ] && check "snapshot while running holds the database" [ -s "$T_WORK/snap-running/mnsafe.db" ]

check "stop the daemon" stop_daemon
[ -z "$PG_SCHEMA" ] && check "data dir holds the database" [ -s "$MNSAFE_DATA/mnsafe.db" ]
check "data dir holds the checkpoint file" [ -s "$MNSAFE_DATA/audit-checkpoints.log" ]
NFILES=$(find "$MNSAFE_DATA" "$T_WORK/snap-running" -type f | wc -l)
check "files to scan: $NFILES" [ "$NFILES" -ge 6 ]
echo "# scanning: $(cd "$T_WORK" && find data snap-running -type f | tr '\n' ' ')"

LEAKS=$(find_leaks "$MNSAFE_DATA" "$T_WORK/snap-running")
expect_eq "no number in any file of the data dir (stopped and running)" "" "$LEAKS"
LEAKS=$(find_leaks "$DAEMON_LOG")
expect_eq "no number in the daemon's log" "" "$LEAKS"
check "the daemon's log is not empty (sanity)" [ -s "$DAEMON_LOG" ]
LEAKS=$(find_leaks "$CLI_ERR" "$CLI_OUT")
expect_eq "no number in CLI stderr or non-reveal stdout" "" "$LEAKS"
check "CLI stderr is not empty (sanity: refusals were reported)" [ -s "$CLI_ERR" ]

if [ -n "$PG_SCHEMA" ]; then
  # PostgreSQL: the server's whole directory (tables, indexes, WAL, its log),
  # after a CHECKPOINT has written every page out
  PG_DIR=$(sed -n 's/^DIR=//p' "$MNS_TEST_PG_STATE")
  check "CHECKPOINT on the test server" psql -qAt "$PG_ADMIN_URL" -c CHECKPOINT
  PGFILES=$(find "$PG_DIR" -type f | wc -l)
  check "PostgreSQL files to scan: $PGFILES (tables, WAL, log)" [ "$PGFILES" -ge 100 ]
  expect_eq "no number in any file of the PostgreSQL server (tables, WAL, log)" "" "$(find_leaks "$PG_DIR")"
else
  DBFILES=$(find "$MNSAFE_DATA" "$T_WORK/snap-running" -type f -name 'mnsafe.db*')
  digit_runs $DBFILES >"$T_WORK/runs"
  expect_eq "strings: no 12-digit run in the DB files holds a number" "" "$(runs_with_number "$T_WORK/runs")"
fi

# ---- positive control: the same scanners see a planted number ------------------------------
CTL=$T_WORK/control
cp -a "$MNSAFE_DATA" "$CTL"
mkdir -p "$CTL/deep/er"
printf 'noise\0\001%s\377more' "${DEPS[7]}" >"$CTL/deep/er/scratch.bin"
expect_eq "control: a number planted in a scratch file is found" "$CTL/deep/er/scratch.bin" "$(find_leaks "$CTL")"
if [ -n "$PG_SCHEMA" ]; then
  # a number stored in clear in a table of the test's schema is found in the server's files
  db_exec "CREATE TABLE leak_control (t TEXT); INSERT INTO leak_control VALUES ('${PERSONS[77]}')" >/dev/null
  psql -qAt "$PG_ADMIN_URL" -c CHECKPOINT >/dev/null
  check "control: a number stored in clear by PostgreSQL is found in its files" test -n "$(find_leaks "$PG_DIR")"
else
cp "$CTL/mnsafe.db" "$CTL/db-copy"
printf '\0\0%s\0' "${PERSONS[77]}" >>"$CTL/db-copy"
check "control: a number appended to a copy of the DB is found" grep -qx "$CTL/db-copy" <(find_leaks "$CTL")
printf '\0x%s\0' "$(printf '%s' "${SINGLES[1]}" | python3 -c 'import sys; print(sys.stdin.read().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"}), end="")')" \
  >"$CTL/fullwidth.bin"
check "control: a full-width number is found" grep -qx "$CTL/fullwidth.bin" <(find_leaks "$CTL")
digit_runs "$CTL/db-copy" >"$T_WORK/runs-ctl"
expect_eq "control: strings sees the 12-digit run in the DB copy" "${PERSONS[77]}" "$(runs_with_number "$T_WORK/runs-ctl")"
fi
printf '%s\n' "log line with ${UNSTORED[9]} inside" >"$T_WORK/ctl.log"
expect_eq "control: a number in a log line is found" "$T_WORK/ctl.log" "$(find_leaks "$T_WORK/ctl.log")"

finish
