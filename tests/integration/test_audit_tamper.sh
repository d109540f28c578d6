#!/usr/bin/env bash
# test_audit_tamper.sh: `mnsafe audit verify` (offline) finds every kind of
# tampering with the audit log: an edited row, a deleted row, reordered rows,
# a cut tail (seen through the signed checkpoints, also the one in the file
# outside the database), forged or edited checkpoints in the file and in the
# table, and a whole chain recomputed after an edit. Each case works on a
# copy (cp -a) of the stopped daemon's data directory and of its store: on
# SQLite the database file in that directory, edited with sqlite3; on
# PostgreSQL (it.pg.test_audit_tamper) a copy of the test's schema (every
# table, keys and rows) in a schema of its own, edited with psql, which
# `audit verify --store URL` then reads.
. "$(dirname "$0")/lib.sh"

check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant

# ---- activity: a mix of acts, refusals and a batch big enough for a checkpoint ----
check "login clerk1" login clerk1 "$CLERK_PW"
mapfile -t NUMS < <(random_mynumbers 1030)
for n in "${NUMS[@]:0:5}"; do
  printf '%s\n' "$n" | "$MNSAFE" person add acme --name "社員" --purpose withholding_slip >/dev/null
done
"$MNSAFE" person list acme >/dev/null
ID=$("$MNSAFE" person list acme | json_get 'j["persons"][0]["id"]')
"$MNSAFE" person reveal acme "$ID" --purpose withholding_slip >/dev/null
"$MNSAFE" person reveal acme "$ID" --purpose health_pension >/dev/null 2>&1    # denied:purpose
printf '%s\n' "${NUMS[1]}" | "$MNSAFE" person find acme >/dev/null
login clerk2 "$CLERK2_PW"
"$MNSAFE" person list acme >/dev/null 2>&1                                        # denied
printf 'wrong-password\n' | "$MNSAFE" login officer1 >/dev/null 2>&1               # failed login
# a batch of 1010 persons: 1010 entries in one act, so a checkpoint is signed
# (every 1000 entries) and there is a signed checkpoint well past entry 1
check "login clerk1 again" login clerk1 "$CLERK_PW"
python3 - "$T_WORK/batch.json" "${NUMS[*]:10:1010}" <<'PY'
import json, sys
json.dump([{"name": f"一括 {i}", "mynumber": n, "purposes": ["withholding_slip"]}
           for i, n in enumerate(sys.argv[2].split())], open(sys.argv[1], "w"), ensure_ascii=False)
PY
"$MNSAFE" person import acme "$T_WORK/batch.json" >/dev/null
expect_eq "import 1010 persons" 0 "$?"
"$MNSAFE" person import acme "$T_WORK/batch.json" >/dev/null 2>&1   # refused (duplicates): one more entry
for i in $(seq 1 12); do "$MNSAFE" person list acme --limit 5 >/dev/null; done
"$MNSAFE" person delete acme "$ID" >/dev/null
check "login auditor1" login auditor1 "$AUDITOR_PW"
"$MNSAFE" audit list >/dev/null
ST=$(api POST /api/v1/audit/verify)
expect_eq "live verify through the API: 200" 200 "$ST"
expect_eq "live verify: intact" True "$(json_get 'j["intact"]' <"$T_WORK/api.body" 2>/dev/null)"
check "stop the daemon" stop_daemon

CPFILE=$MNSAFE_DATA/audit-checkpoints.log
# The store and its SQL dialect: on SQLite the database file (DB, and CDB in
# each copy), on PostgreSQL the schema (the test's, and one per copy).
if [ -n "$PG_SCHEMA" ]; then
  DB=$PG_SCHEMA
  q() { pg_exec_in "$1" "$2"; }                          # q STORE SQL
  q_file() { PGOPTIONS="-c search_path=$1" psql -qAt "$PG_ADMIN_URL" -v ON_ERROR_STOP=1 -f "$2" >/dev/null; }
  HEX() { printf "upper(encode(%s, 'hex'))" "$1"; }      # a BLOB column as upper-case hex
  TXT() { printf "CASE WHEN %s IS NULL THEN '0' ELSE '1' || encode(convert_to(%s, 'UTF8'), 'hex') END" "$1" "$1"; }  # NULL or UTF-8 hex
  ZERO32="decode(repeat('00', 32), 'hex')"
  LIST_ENTRIES="string_agg(entries::text, ',' ORDER BY entries)"
else
  DB=$MNSAFE_DATA/mnsafe.db
  q() { sqlite3 "$1" "$2"; }
  q_file() { sqlite3 "$1" <"$2"; }
  HEX() { printf 'hex(%s)' "$1"; }
  TXT() { printf "CASE WHEN %s IS NULL THEN '0' ELSE '1' || hex(%s) END" "$1" "$1"; }
  ZERO32="zeroblob(32)"
  LIST_ENTRIES="group_concat(entries)"
fi
TOTAL=$(q "$DB" "SELECT max(seq) FROM audit_log")
CPMAX=$(q "$DB" "SELECT max(entries) FROM audit_checkpoints")
echo "# audit entries: $TOTAL, checkpoints (db): $(q "$DB" "SELECT $LIST_ENTRIES FROM audit_checkpoints")"
check "at least 30 audit entries ($TOTAL)" [ "${TOTAL:-0}" -ge 30 ]
check "a checkpoint past entry 1000 ($CPMAX)" [ "${CPMAX:-0}" -ge 1000 ]
check "the checkpoint file names it too" grep -qx "$CPMAX" "$CPFILE"
DENIED_SEQ=$(q "$DB" "SELECT min(seq) FROM audit_log WHERE result = 'denied:purpose'")
check "a denied:purpose entry exists ($DENIED_SEQ)" [ -n "$DENIED_SEQ" ]

# verify DIR [STORE]: runs the offline verifier on the data directory DIR
# (public key, checkpoint file) and, on PostgreSQL, the schema STORE (the
# test's by default); sets VOUT (stdout+stderr) and VRC
verify() {
  local store=()
  [ -n "$PG_SCHEMA" ] && store=(--store "$(pg_store_url "${2:-$PG_SCHEMA}")")
  VOUT=$("$MNSAFE" --data "$1" "${store[@]}" audit verify 2>&1); VRC=$?
}
# copy NAME: a fresh copy of the stopped data directory (C) and of the store
# (CDB: the copied database file, or a copy of the schema)
copy() {
  rm -rf "${T_WORK:?}/$1"; cp -a "$MNSAFE_DATA" "$T_WORK/$1"; C=$T_WORK/$1
  if [ -n "$PG_SCHEMA" ]; then
    CDB="${PG_SCHEMA}_$1"
    pg_schema_copy "$PG_SCHEMA" "$CDB" || fail "copy the schema for $1"
  else
    CDB=$C/mnsafe.db
  fi
}

verify "$MNSAFE_DATA" "$DB"
expect_eq "untouched: verify exits 0" 0 "$VRC"
expect_contains "untouched: intact" "intact" "$VOUT"
expect_contains "untouched: counts every entry" "$TOTAL entries" "$VOUT"

copy untouched
expect_eq "the copy holds every entry" "$TOTAL" "$(q "$CDB" "SELECT count(*) FROM audit_log")"
verify "$C" "$CDB"
expect_eq "an untouched copy verifies too" 0 "$VRC"

# ---- (a) one row's actor edited ------------------------------------------------
copy a; q "$CDB" "UPDATE audit_log SET actor = 'mallory' WHERE seq = 17"
verify "$C" "$CDB"
expect_eq "(a) actor edited: exit 1" 1 "$VRC"
expect_contains "(a) actor edited: names the entry" "entry 17" "$VOUT"
expect_contains "(a) actor edited: first bad entry" "first bad entry: 17" "$VOUT"
expect_contains "(a) actor edited: says broken" "BROKEN" "$VOUT"
# hiding a refusal: denied:purpose turned into ok
copy a2; q "$CDB" "UPDATE audit_log SET result = 'ok' WHERE seq = $DENIED_SEQ"
verify "$C" "$CDB"
expect_eq "(a) denied turned into ok: exit 1" 1 "$VRC"
expect_contains "(a) denied turned into ok: names the entry" "first bad entry: $DENIED_SEQ" "$VOUT"
# the timestamp edited by one millisecond
copy a3; q "$CDB" "UPDATE audit_log SET ts = ts + 1 WHERE seq = 9"
verify "$C" "$CDB"
expect_eq "(a) time edited: exit 1" 1 "$VRC"
expect_contains "(a) time edited: names the entry" "first bad entry: 9" "$VOUT"

# ---- (b) a middle row deleted ---------------------------------------------------------
copy b; q "$CDB" "DELETE FROM audit_log WHERE seq = 25"
verify "$C" "$CDB"
expect_eq "(b) row deleted: exit 1" 1 "$VRC"
expect_contains "(b) row deleted: names the entry" "entry 25" "$VOUT"
expect_contains "(b) row deleted: missing" "missing" "$VOUT"
expect_contains "(b) row deleted: first bad entry" "first bad entry: 25" "$VOUT"
# deleted and the later rows renumbered to close the gap
copy b2
q "$CDB" "DELETE FROM audit_log WHERE seq = 25; UPDATE audit_log SET seq = -(seq - 1) WHERE seq > 25; UPDATE audit_log SET seq = -seq WHERE seq < 0;"
expect_eq "(b) renumbered: no gap left" "$((TOTAL - 1))" "$(q "$CDB" "SELECT count(*) FROM audit_log WHERE seq BETWEEN 1 AND $((TOTAL - 1))")"
verify "$C" "$CDB"
expect_eq "(b) deleted and renumbered: exit 1" 1 "$VRC"
expect_contains "(b) deleted and renumbered: first bad entry" "first bad entry: 25" "$VOUT"

# ---- (c) two rows swapped ------------------------------------------------------------------
COLS="ts actor action tenant_id subject purpose result client detail prev_hash hash"
swap_sql() { # SEQ1 SEQ2 COLUMNS...: swaps the columns of two rows
  local a=$1 b=$2; shift 2
  local sets="" c
  for c in "$@"; do sets="$sets${sets:+, }$c = (SELECT $c FROM t WHERE t.seq = $((a + b)) - audit_log.seq)"; done
  printf 'CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (%s, %s); UPDATE audit_log SET %s WHERE seq IN (%s, %s);' \
    "$a" "$b" "$sets" "$a" "$b"
}
copy c; q "$CDB" "$(swap_sql 20 21 $COLS)"
check "(c) the rows really were swapped" [ "$(q "$CDB" "SELECT $(HEX hash) FROM audit_log WHERE seq = 20")" = "$(q "$DB" "SELECT $(HEX hash) FROM audit_log WHERE seq = 21")" ]
verify "$C" "$CDB"
expect_eq "(c) rows swapped whole (reordered): exit 1" 1 "$VRC"
expect_contains "(c) rows swapped whole: first bad entry" "first bad entry: 20" "$VOUT"
copy c2; q "$CDB" "$(swap_sql 30 31 ts actor action tenant_id subject purpose result client detail)"
verify "$C" "$CDB"
expect_eq "(c) contents swapped, hashes kept: exit 1" 1 "$VRC"
expect_contains "(c) contents swapped: first bad entry" "first bad entry: 30" "$VOUT"
copy c3; q "$CDB" "UPDATE audit_log SET seq = -1 WHERE seq = 40; UPDATE audit_log SET seq = 40 WHERE seq = 41; UPDATE audit_log SET seq = 41 WHERE seq = -1;"
verify "$C" "$CDB"
expect_eq "(c) sequence numbers swapped: exit 1" 1 "$VRC"
expect_contains "(c) sequence numbers swapped: first bad entry" "first bad entry: 40" "$VOUT"

# ---- (d) the tail cut --------------------------------------------------------------------------
KEEP=$((CPMAX - 5))
copy d; q "$CDB" "DELETE FROM audit_log WHERE seq > $KEEP"
verify "$C" "$CDB"
expect_eq "(d) tail cut: exit 1" 1 "$VRC"
expect_contains "(d) tail cut: names the checkpoint" "checkpoint" "$VOUT"
expect_contains "(d) tail cut: says the newest entries were removed" "newest entries removed" "$VOUT"
expect_contains "(d) tail cut: says how many the log has" "the log has $KEEP" "$VOUT"
expect_contains "(d) tail cut: first bad entry is the first missing" "first bad entry: $((KEEP + 1))" "$VOUT"
# the tail cut and the database's checkpoints cut with it: the file outside
# the database still names more entries
copy d2; q "$CDB" "DELETE FROM audit_log WHERE seq > $KEEP; DELETE FROM audit_checkpoints WHERE entries > $KEEP"
check "(d2) the file still names $CPMAX" grep -qx "$CPMAX" "$C/audit-checkpoints.log"
verify "$C" "$CDB"
expect_eq "(d2) tail and db checkpoints cut: exit 1" 1 "$VRC"
expect_contains "(d2) tail and db checkpoints cut: the checkpoint file names it" "checkpoint file" "$VOUT"
expect_contains "(d2) tail and db checkpoints cut: newest entries removed" "newest entries removed" "$VOUT"
expect_contains "(d2) tail and db checkpoints cut: names the count" "$CPMAX entries" "$VOUT"
# the literal tail cut: the last rows of a cleanly stopped daemon. They were
# written after the last signed checkpoint; unless the daemon anchors its log
# when it stops, nothing outside the database names them and the cut is unseen.
copy d4; q "$CDB" "DELETE FROM audit_log WHERE seq > $((TOTAL - 3))"
verify "$C" "$CDB"
expect_eq "(d4) the last 3 rows of a stopped daemon cut: exit 1 (entries $((CPMAX + 1))..$TOTAL are not anchored by any checkpoint)" 1 "$VRC"
# everything cut but the first entry
copy d3; q "$CDB" "DELETE FROM audit_log WHERE seq > 1; DELETE FROM audit_checkpoints WHERE entries > 1"
verify "$C" "$CDB"
expect_eq "(d3) all but the first entry cut: exit 1" 1 "$VRC"

# ---- (e) checkpoints forged or edited ------------------------------------------------------
# flip_sig FILE: changes one character in the middle of the signature of the last note
flip_sig() {
  python3 - "$1" <<'PY'
import sys
p = sys.argv[1]
lines = open(p, encoding="utf-8").read().split("\n")
i = max(k for k, l in enumerate(lines) if l.startswith("\u2014 "))
name, sig = lines[i][2:].split(" ")
j = len(sig) // 2
sig = sig[:j] + ("B" if sig[j] != "B" else "C") + sig[j + 1:]
lines[i] = "\u2014 " + name + " " + sig
open(p, "w", encoding="utf-8").write("\n".join(lines))
PY
}
copy e; flip_sig "$C/audit-checkpoints.log"
check_fails "(e) the file was changed" cmp -s "$CPFILE" "$C/audit-checkpoints.log"
verify "$C" "$CDB"
expect_eq "(e) file signature corrupted: exit 1" 1 "$VRC"
expect_contains "(e) file signature corrupted: bad signature" "bad signature" "$VOUT"
expect_contains "(e) file signature corrupted: in the checkpoint file" "checkpoint file" "$VOUT"
# the count of a note in the file edited (signature no longer matches)
copy e2; sed -i "s/^$CPMAX\$/$((CPMAX + 7))/" "$C/audit-checkpoints.log"
check "(e2) the count was changed" grep -qx "$((CPMAX + 7))" "$C/audit-checkpoints.log"
verify "$C" "$CDB"
expect_eq "(e2) file count edited: exit 1" 1 "$VRC"
expect_contains "(e2) file count edited: bad signature" "signature" "$VOUT"
# the file deleted
copy e3; rm "$C/audit-checkpoints.log"
verify "$C" "$CDB"
expect_eq "(e3) checkpoint file deleted: exit 1" 1 "$VRC"
expect_contains "(e3) checkpoint file deleted: says so" "checkpoint file is missing" "$VOUT"
# the file's last note cut halfway
copy e4; head -c -20 "$CPFILE" >"$C/audit-checkpoints.log"
verify "$C" "$CDB"
expect_eq "(e4) checkpoint file cut: exit 1" 1 "$VRC"
# the table: a note's signature corrupted
copy e5
q "$CDB" "UPDATE audit_checkpoints SET note = substr(note, 1, length(note) - 41) || (CASE substr(note, length(note) - 40, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(note, length(note) - 39) WHERE entries = $CPMAX"
check "(e5) the table's note was changed" [ "$(q "$CDB" "SELECT note FROM audit_checkpoints WHERE entries = $CPMAX")" != "$(q "$DB" "SELECT note FROM audit_checkpoints WHERE entries = $CPMAX")" ]
verify "$C" "$CDB"
expect_eq "(e5) table note signature corrupted: exit 1" 1 "$VRC"
expect_contains "(e5) table note signature corrupted: bad signature" "signature" "$VOUT"
expect_contains "(e5) table note signature corrupted: in the database" "database" "$VOUT"
expect_contains "(e5) table note signature corrupted: names the checkpoint" "$CPMAX" "$VOUT"
# the table: the entries column edited (note untouched)
copy e6; q "$CDB" "UPDATE audit_checkpoints SET entries = entries - 3 WHERE entries = $CPMAX"
verify "$C" "$CDB"
expect_eq "(e6) table entries column edited: exit 1" 1 "$VRC"
expect_contains "(e6) table entries column edited: columns differ" "differ from the signed note" "$VOUT"
# the table: the head hash column edited
copy e7; q "$CDB" "UPDATE audit_checkpoints SET head_hash = $ZERO32 WHERE entries = $CPMAX"
verify "$C" "$CDB"
expect_eq "(e7) table head_hash edited: exit 1" 1 "$VRC"
# the table: a checkpoint row deleted (the file still has it)
copy e8; q "$CDB" "DELETE FROM audit_checkpoints WHERE entries = $CPMAX"
verify "$C" "$CDB"
expect_eq "(e8) table checkpoint deleted: exit 1" 1 "$VRC"
expect_contains "(e8) table checkpoint deleted: in the file, not the database" "not in the database" "$VOUT"
# the table: a checkpoint row's note swapped for the other one
copy e9; q "$CDB" "UPDATE audit_checkpoints SET note = (SELECT note FROM audit_checkpoints WHERE entries = 1) WHERE entries = $CPMAX"
verify "$C" "$CDB"
expect_eq "(e9) table note replaced by another valid note: exit 1" 1 "$VRC"

# ---- (f) an edit with the whole chain recomputed: only the signed checkpoints see it ----
# rechain STORE FROM [ACTOR]: sets actor of entry FROM (if given) and
# recomputes every hash and prev_hash from FROM on, with the encoding of
# lib/audit/chain.c. The rows are read as hex (text columns: '0' for NULL,
# '1' and the UTF-8 bytes' hex otherwise) and written back as one SQL file.
rechain() {
  local db=$1 start=$2 lit=sqlite
  [ -n "$PG_SCHEMA" ] && lit=postgresql
  if [ $# -gt 2 ]; then q "$db" "UPDATE audit_log SET actor = '$3' WHERE seq = $start" || return 1; fi
  q "$db" "SELECT seq, ts, $(TXT actor), $(TXT action), tenant_id, $(TXT subject), $(TXT purpose), $(TXT result),
              $(TXT client), $(TXT detail), $(HEX prev_hash) FROM audit_log WHERE seq >= $start ORDER BY seq" \
    >"$T_WORK/rechain.rows" || return 1
  python3 - "$T_WORK/rechain.rows" "$lit" >"$T_WORK/rechain.sql" <<'PY' || return 1
import hashlib, struct, sys
rows = [l.split("|") for l in open(sys.argv[1]).read().splitlines() if l]
pg = sys.argv[2] == "postgresql"
def blob(b):
    return ("'\\x%s'::bytea" if pg else "X'%s'") % b.hex()
def text(v):
    if v == "0":
        return b"\x00"
    b = bytes.fromhex(v[1:])
    return b"\x01" + struct.pack(">I", len(b)) + b
assert rows, "no rows"
prev = bytes.fromhex(rows[0][10])
print("BEGIN;")
for seq, ts, actor, action, tenant, subject, purpose, result, client, detail, _ in rows:
    seq, ts, tenant = int(seq), int(ts), int(tenant)
    enc = (b"mnsafe-audit-v1\x00" + struct.pack(">Q", seq) + struct.pack(">Q", ts) + text(actor) + text(action)
           + struct.pack(">q", tenant) + text(subject) + text(purpose) + text(result) + text(client)
           + text(detail) + prev)
    h = hashlib.sha256(enc).digest()
    print(f"UPDATE audit_log SET prev_hash = {blob(prev)}, hash = {blob(h)} WHERE seq = {seq};")
    prev = h
print("COMMIT;")
PY
  q_file "$db" "$T_WORK/rechain.sql"
}
# control: recomputing without an edit changes nothing (the encoding above is right)
copy f0
check "(f) control: the chain recomputed from entry 2" rechain "$CDB" 2
expect_eq "(f) control: recomputed chain equals the original" \
  "$(q "$DB" "SELECT $(HEX hash) FROM audit_log ORDER BY seq" | md5sum)" \
  "$(q "$CDB" "SELECT $(HEX hash) FROM audit_log ORDER BY seq" | md5sum)"
verify "$C" "$CDB"
expect_eq "(f) control: still intact" 0 "$VRC"
copy f
check "(f) entry 50 edited and the chain recomputed" rechain "$CDB" 50 mallory
check "(f) the hashes from entry 50 on were rewritten" [ "$(q "$CDB" "SELECT $(HEX prev_hash) FROM audit_log WHERE seq = 51")" != "$(q "$DB" "SELECT $(HEX prev_hash) FROM audit_log WHERE seq = 51")" ]
verify "$C" "$CDB"
expect_eq "(f) edited and chain recomputed: exit 1" 1 "$VRC"
expect_contains "(f) edited and chain recomputed: log rewritten" "another hash than was signed" "$VOUT"
# the first checkpoint at or after the edit is the first that no longer matches
CPFIRST=$(q "$DB" "SELECT min(entries) FROM audit_checkpoints WHERE entries >= 50")
expect_contains "(f) edited and chain recomputed: names the checkpoint's entry" "entry $CPFIRST" "$VOUT"

# ---- cannot verify at all: exit 2 --------------------------------------------------------------
verify "$T_WORK/no-such-dir"
expect_eq "no store: exit 2" 2 "$VRC"
if [ -n "$PG_SCHEMA" ]; then
  # the keys and checkpoint file are there, but the schema holds no store
  pg_schema_new empty || fail "create an empty schema"
  verify "$MNSAFE_DATA" "$PG_NEW_SCHEMA"
  expect_eq "an empty schema (no store): exit 2" 2 "$VRC"
fi
copy g; rm "$C/audit.pub"
verify "$C" "$CDB"
expect_eq "no public key: exit 2" 2 "$VRC"

# the original is still intact after all of this
verify "$MNSAFE_DATA"
expect_eq "the original still verifies" 0 "$VRC"

finish
