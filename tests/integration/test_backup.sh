#!/usr/bin/env bash
# Backups: `mnsafe backup` writes an encrypted file (no number or name in
# it in clear) with a manifest; `backup verify` restores it into a scratch
# place and checks checksum, integrity, the audit chain and a sample
# decrypt, and refuses a damaged or cut file; `restore` after a deletion
# brings the backup back into a new directory with the deleted person gone
# again and the disposal entry kept, and a daemon runs on it.
# On PostgreSQL (it.pg.test_backup) the backup is the rows copied into a
# SQLite file, sealed the same way; the restored directory is then copied
# into a new, empty schema with `mnsafe store copy --to URL`, and the daemon
# runs on that.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW"
NA=$(valid_mynumber 82000000001); NB=$(valid_mynumber 82000000002)
printf '%s\n' "$NA" | "$MNSAFE" person add acme --name "消去 花子" --purpose health_pension >/dev/null
printf '%s\n' "$NB" | "$MNSAFE" person add acme --name "保持 次郎" --purpose health_pension >/dev/null
IDS=$("$MNSAFE" person list acme)
PA=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "消去 花子"][0]' <<<"$IDS")
PB=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "保持 次郎"][0]' <<<"$IDS")

login clerk1 "$CLERK_PW"
check_fails "a clerk cannot make a backup" "$MNSAFE" backup
login admin "$ADMIN_PW"
B=$("$MNSAFE" backup)
BAK=$(json_get 'j["path"]' <<<"$B")
check "the backup file exists" test -s "$BAK"
expect_eq "owner-only" 600 "$(stat -c %a "$BAK")"
expect_eq "the manifest counts the persons" 2 "$(json_get 'j["manifest"]["persons"]' <<<"$B")"
expect_eq "it starts with its magic line" "MNSBAK1" "$(head -n1 "$BAK")"
check_fails "no number in it in clear" grep -qa "$NA" "$BAK"
check_fails "nor a name" grep -qa "消去 花子" "$BAK"
check_fails "no plain copy left behind" sh -c "ls -A '$MNSAFE_DATA/backups' | grep -v '\.mnsbak$' | grep -q ."

login auditor1 "$AUDITOR_PW"
V=$("$MNSAFE" backup verify "$BAK")
expect_eq "the restore test passes" intact "$(json_get 'j["audit"]' <<<"$V")"
check "and opened numbers" [ "$(json_get 'j["numbers_opened"]' <<<"$V")" -ge 1 ]
cp "$BAK" "$T_WORK/damaged.mnsbak"
python3 - "$T_WORK/damaged.mnsbak" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0x01; open(p, "wb").write(b)
PY
OUT=$("$MNSAFE" backup verify "$T_WORK/damaged.mnsbak" 2>&1); RC=$?
check "a damaged backup is refused" [ "$RC" -ne 0 ]
expect_contains "saying which chunk" "chunk" "$OUT"
head -c $(( $(stat -c %s "$BAK") - 100 )) "$BAK" >"$T_WORK/cut.mnsbak"
OUT=$("$MNSAFE" backup verify "$T_WORK/cut.mnsbak" 2>&1); RC=$?
check "a cut backup is refused" [ "$RC" -ne 0 ]
PROBES=$("$MNSAFE" checksheet probes)
expect_eq "the backup probe sees the restore test" satisfied "$(json_get 'j["F-c-5-opt-10"]["status"]' <<<"$PROBES")"

# a person deleted after the backup stays deleted in a restore
login clerk1 "$CLERK_PW"
check "the person is deleted after the backup" "$MNSAFE" person delete acme "$PA" --reason "本人の申出"
login admin "$ADMIN_PW"
OUT=$("$MNSAFE" restore "$BAK" --to "$MNSAFE_DATA/backups" 2>&1); RC=$?
check "restoring over an existing directory is refused" [ "$RC" -ne 0 ]
R=$("$MNSAFE" restore "$BAK" --to "$T_WORK/restored")
expect_eq "the deleted person is removed again" 1 "$(json_get 'j["deleted_removed_again"]' <<<"$R")"
check_fails "no number of the deleted person in the restored directory" grep -rqa "$NA" "$T_WORK/restored"
stop_daemon
export MNSAFE_DATA="$T_WORK/restored"
if [ -n "$PG_SCHEMA" ]; then
  pg_schema_new restored || exit 1
  NEW_URL=$(pg_store_url "$PG_NEW_SCHEMA")
  OUT=$(MNSAFE_STORE="" "$MNSAFE" store copy --to "$NEW_URL" 2>&1); RC=$?
  echo "$OUT" | head -2
  check "store copy: the restored store into a new PostgreSQL schema" [ "$RC" -eq 0 ]
  expect_eq "every person and audit entry is there" "1 $(sqlite3 "$T_WORK/restored/mnsafe.db" "SELECT count(*) FROM audit_log")" \
    "$(pg_exec_in "$PG_NEW_SCHEMA" "SELECT (SELECT count(*) FROM persons) || ' ' || (SELECT count(*) FROM audit_log)")"
  OUT=$(MNSAFE_STORE="" "$MNSAFE" store copy --to "$NEW_URL" 2>&1); RC=$?
  check "a second copy into the same schema is refused" [ "$RC" -ne 0 ]
  expect_contains "(the target is not empty)" "not empty" "$OUT"
  expect_eq "and added nothing" 1 "$(pg_exec_in "$PG_NEW_SCHEMA" "SELECT count(*) FROM persons")"
  # the daemon runs on the copy; the SQLite file of the restore is not needed
  shred -u "$T_WORK/restored/mnsafe.db"
  export MNSAFE_STORE="$NEW_URL"
fi
start_daemon --dev || exit 1
login clerk1 "$CLERK_PW"
LIST=$("$MNSAFE" person list acme)
expect_eq "only the kept person is in the restored store" "[$PB]" "$(json_get 'json.dumps([p["id"] for p in j["persons"]])' <<<"$LIST")"
check_fails "the deleted number cannot be revealed" "$MNSAFE" person reveal acme "$PA" --purpose health_pension
R2=$("$MNSAFE" person reveal acme "$PB" --purpose health_pension)
expect_contains "the kept one can" "$NB" "$R2"
login officer1 "$OFFICER_PW"
REG=$("$MNSAFE" disposal list acme)
expect_eq "the disposal entry of the deletion is there" 1 "$(json_get 'len(j["entries"])' <<<"$REG")"
login auditor1 "$AUDITOR_PW"
OUT=$("$MNSAFE" audit verify 2>&1); RC=$?; echo "$OUT" | head -5
check "the restored audit chain verifies" [ "$RC" -eq 0 ]
finish
