#!/usr/bin/env bash
# test_audit_tamper.sh: `mnsafe audit verify` (offline) finds every kind of
# tampering with the audit log: an edited row, a deleted row, reordered rows,
# a cut tail (seen through the signed checkpoints, also the one in the file
# outside the database), forged or edited checkpoints in the file and in the
# table, and a whole chain recomputed after an edit. Each case works on a
# copy (cp -a) of the stopped daemon's data directory, edited with sqlite3.
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

DB=$MNSAFE_DATA/mnsafe.db
CPFILE=$MNSAFE_DATA/audit-checkpoints.log
q() { sqlite3 "$1" "$2"; }
TOTAL=$(q "$DB" "SELECT max(seq) FROM audit_log")
CPMAX=$(q "$DB" "SELECT max(entries) FROM audit_checkpoints")
echo "# audit entries: $TOTAL, checkpoints (db): $(q "$DB" "SELECT group_concat(entries) FROM audit_checkpoints")"
check "at least 30 audit entries ($TOTAL)" [ "${TOTAL:-0}" -ge 30 ]
check "a checkpoint past entry 1000 ($CPMAX)" [ "${CPMAX:-0}" -ge 1000 ]
check "the checkpoint file names it too" grep -qx "$CPMAX" "$CPFILE"
DENIED_SEQ=$(q "$DB" "SELECT min(seq) FROM audit_log WHERE result = 'denied:purpose'")
check "a denied:purpose entry exists ($DENIED_SEQ)" [ -n "$DENIED_SEQ" ]

# verify DIR: runs the offline verifier; sets VOUT (stdout+stderr) and VRC
verify() { VOUT=$("$MNSAFE" --data "$1" audit verify 2>&1); VRC=$?; }
# copy NAME: a fresh copy of the stopped data directory; prints its path
copy() { rm -rf "$T_WORK/$1"; cp -a "$MNSAFE_DATA" "$T_WORK/$1"; printf '%s' "$T_WORK/$1"; }

verify "$MNSAFE_DATA"
expect_eq "untouched: verify exits 0" 0 "$VRC"
expect_contains "untouched: intact" "intact" "$VOUT"
expect_contains "untouched: counts every entry" "$TOTAL entries" "$VOUT"

C=$(copy untouched); verify "$C"
expect_eq "an untouched copy verifies too" 0 "$VRC"

# ---- (a) one row's actor edited ------------------------------------------------
C=$(copy a); q "$C/mnsafe.db" "UPDATE audit_log SET actor = 'mallory' WHERE seq = 17"
verify "$C"
expect_eq "(a) actor edited: exit 1" 1 "$VRC"
expect_contains "(a) actor edited: names the entry" "entry 17" "$VOUT"
expect_contains "(a) actor edited: first bad entry" "first bad entry: 17" "$VOUT"
expect_contains "(a) actor edited: says broken" "BROKEN" "$VOUT"
# hiding a refusal: denied:purpose turned into ok
C=$(copy a2); q "$C/mnsafe.db" "UPDATE audit_log SET result = 'ok' WHERE seq = $DENIED_SEQ"
verify "$C"
expect_eq "(a) denied turned into ok: exit 1" 1 "$VRC"
expect_contains "(a) denied turned into ok: names the entry" "first bad entry: $DENIED_SEQ" "$VOUT"
# the timestamp edited by one millisecond
C=$(copy a3); q "$C/mnsafe.db" "UPDATE audit_log SET ts = ts + 1 WHERE seq = 9"
verify "$C"
expect_eq "(a) time edited: exit 1" 1 "$VRC"
expect_contains "(a) time edited: names the entry" "first bad entry: 9" "$VOUT"

# ---- (b) a middle row deleted ---------------------------------------------------------
C=$(copy b); q "$C/mnsafe.db" "DELETE FROM audit_log WHERE seq = 25"
verify "$C"
expect_eq "(b) row deleted: exit 1" 1 "$VRC"
expect_contains "(b) row deleted: names the entry" "entry 25" "$VOUT"
expect_contains "(b) row deleted: missing" "missing" "$VOUT"
expect_contains "(b) row deleted: first bad entry" "first bad entry: 25" "$VOUT"
# deleted and the later rows renumbered to close the gap
C=$(copy b2)
q "$C/mnsafe.db" "DELETE FROM audit_log WHERE seq = 25; UPDATE audit_log SET seq = -(seq - 1) WHERE seq > 25; UPDATE audit_log SET seq = -seq WHERE seq < 0;"
expect_eq "(b) renumbered: no gap left" "$((TOTAL - 1))" "$(q "$C/mnsafe.db" "SELECT count(*) FROM audit_log WHERE seq BETWEEN 1 AND $((TOTAL - 1))")"
verify "$C"
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
C=$(copy c); q "$C/mnsafe.db" "$(swap_sql 20 21 $COLS)"
check "(c) the rows really were swapped" [ "$(q "$C/mnsafe.db" "SELECT hex(hash) FROM audit_log WHERE seq = 20")" = "$(q "$DB" "SELECT hex(hash) FROM audit_log WHERE seq = 21")" ]
verify "$C"
expect_eq "(c) rows swapped whole (reordered): exit 1" 1 "$VRC"
expect_contains "(c) rows swapped whole: first bad entry" "first bad entry: 20" "$VOUT"
C=$(copy c2); q "$C/mnsafe.db" "$(swap_sql 30 31 ts actor action tenant_id subject purpose result client detail)"
verify "$C"
expect_eq "(c) contents swapped, hashes kept: exit 1" 1 "$VRC"
expect_contains "(c) contents swapped: first bad entry" "first bad entry: 30" "$VOUT"
C=$(copy c3); q "$C/mnsafe.db" "UPDATE audit_log SET seq = -1 WHERE seq = 40; UPDATE audit_log SET seq = 40 WHERE seq = 41; UPDATE audit_log SET seq = 41 WHERE seq = -1;"
verify "$C"
expect_eq "(c) sequence numbers swapped: exit 1" 1 "$VRC"
expect_contains "(c) sequence numbers swapped: first bad entry" "first bad entry: 40" "$VOUT"

# ---- (d) the tail cut --------------------------------------------------------------------------
KEEP=$((CPMAX - 5))
C=$(copy d); q "$C/mnsafe.db" "DELETE FROM audit_log WHERE seq > $KEEP"
verify "$C"
expect_eq "(d) tail cut: exit 1" 1 "$VRC"
expect_contains "(d) tail cut: names the checkpoint" "checkpoint" "$VOUT"
expect_contains "(d) tail cut: says the newest entries were removed" "newest entries removed" "$VOUT"
expect_contains "(d) tail cut: says how many the log has" "the log has $KEEP" "$VOUT"
expect_contains "(d) tail cut: first bad entry is the first missing" "first bad entry: $((KEEP + 1))" "$VOUT"
# the tail cut and the database's checkpoints cut with it: the file outside
# the database still names more entries
C=$(copy d2); q "$C/mnsafe.db" "DELETE FROM audit_log WHERE seq > $KEEP; DELETE FROM audit_checkpoints WHERE entries > $KEEP"
check "(d2) the file still names $CPMAX" grep -qx "$CPMAX" "$C/audit-checkpoints.log"
verify "$C"
expect_eq "(d2) tail and db checkpoints cut: exit 1" 1 "$VRC"
expect_contains "(d2) tail and db checkpoints cut: the checkpoint file names it" "checkpoint file" "$VOUT"
expect_contains "(d2) tail and db checkpoints cut: newest entries removed" "newest entries removed" "$VOUT"
expect_contains "(d2) tail and db checkpoints cut: names the count" "$CPMAX entries" "$VOUT"
# the literal tail cut: the last rows of a cleanly stopped daemon. They were
# written after the last signed checkpoint; unless the daemon anchors its log
# when it stops, nothing outside the database names them and the cut is unseen.
C=$(copy d4); q "$C/mnsafe.db" "DELETE FROM audit_log WHERE seq > $((TOTAL - 3))"
verify "$C"
expect_eq "(d4) the last 3 rows of a stopped daemon cut: exit 1 (entries $((CPMAX + 1))..$TOTAL are not anchored by any checkpoint)" 1 "$VRC"
# everything cut but the first entry
C=$(copy d3); q "$C/mnsafe.db" "DELETE FROM audit_log WHERE seq > 1; DELETE FROM audit_checkpoints WHERE entries > 1"
verify "$C"
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
C=$(copy e); flip_sig "$C/audit-checkpoints.log"
check_fails "(e) the file was changed" cmp -s "$CPFILE" "$C/audit-checkpoints.log"
verify "$C"
expect_eq "(e) file signature corrupted: exit 1" 1 "$VRC"
expect_contains "(e) file signature corrupted: bad signature" "bad signature" "$VOUT"
expect_contains "(e) file signature corrupted: in the checkpoint file" "checkpoint file" "$VOUT"
# the count of a note in the file edited (signature no longer matches)
C=$(copy e2); sed -i "s/^$CPMAX\$/$((CPMAX + 7))/" "$C/audit-checkpoints.log"
check "(e2) the count was changed" grep -qx "$((CPMAX + 7))" "$C/audit-checkpoints.log"
verify "$C"
expect_eq "(e2) file count edited: exit 1" 1 "$VRC"
expect_contains "(e2) file count edited: bad signature" "signature" "$VOUT"
# the file deleted
C=$(copy e3); rm "$C/audit-checkpoints.log"
verify "$C"
expect_eq "(e3) checkpoint file deleted: exit 1" 1 "$VRC"
expect_contains "(e3) checkpoint file deleted: says so" "checkpoint file is missing" "$VOUT"
# the file's last note cut halfway
C=$(copy e4); head -c -20 "$CPFILE" >"$C/audit-checkpoints.log"
verify "$C"
expect_eq "(e4) checkpoint file cut: exit 1" 1 "$VRC"
# the table: a note's signature corrupted
C=$(copy e5)
q "$C/mnsafe.db" "UPDATE audit_checkpoints SET note = substr(note, 1, length(note) - 41) || (CASE substr(note, length(note) - 40, 1) WHEN 'A' THEN 'B' ELSE 'A' END) || substr(note, length(note) - 39) WHERE entries = $CPMAX"
check "(e5) the table's note was changed" [ "$(q "$C/mnsafe.db" "SELECT note FROM audit_checkpoints WHERE entries = $CPMAX")" != "$(q "$DB" "SELECT note FROM audit_checkpoints WHERE entries = $CPMAX")" ]
verify "$C"
expect_eq "(e5) table note signature corrupted: exit 1" 1 "$VRC"
expect_contains "(e5) table note signature corrupted: bad signature" "signature" "$VOUT"
expect_contains "(e5) table note signature corrupted: in the database" "database" "$VOUT"
expect_contains "(e5) table note signature corrupted: names the checkpoint" "$CPMAX" "$VOUT"
# the table: the entries column edited (note untouched)
C=$(copy e6); q "$C/mnsafe.db" "UPDATE audit_checkpoints SET entries = entries - 3 WHERE entries = $CPMAX"
verify "$C"
expect_eq "(e6) table entries column edited: exit 1" 1 "$VRC"
expect_contains "(e6) table entries column edited: columns differ" "differ from the signed note" "$VOUT"
# the table: the head hash column edited
C=$(copy e7); q "$C/mnsafe.db" "UPDATE audit_checkpoints SET head_hash = zeroblob(32) WHERE entries = $CPMAX"
verify "$C"
expect_eq "(e7) table head_hash edited: exit 1" 1 "$VRC"
# the table: a checkpoint row deleted (the file still has it)
C=$(copy e8); q "$C/mnsafe.db" "DELETE FROM audit_checkpoints WHERE entries = $CPMAX"
verify "$C"
expect_eq "(e8) table checkpoint deleted: exit 1" 1 "$VRC"
expect_contains "(e8) table checkpoint deleted: in the file, not the database" "not in the database" "$VOUT"
# the table: a checkpoint row's note swapped for the other one
C=$(copy e9); q "$C/mnsafe.db" "UPDATE audit_checkpoints SET note = (SELECT note FROM audit_checkpoints WHERE entries = 1) WHERE entries = $CPMAX"
verify "$C"
expect_eq "(e9) table note replaced by another valid note: exit 1" 1 "$VRC"

# ---- (f) an edit with the whole chain recomputed: only the signed checkpoints see it ----
# rechain DB FROM [ACTOR]: sets actor of entry FROM (if given) and recomputes
# every hash and prev_hash from FROM on, with the encoding of lib/audit/chain.c
rechain() {
  python3 - "$@" <<'PY'
import hashlib, sqlite3, struct, sys
db, start = sys.argv[1], int(sys.argv[2])
con = sqlite3.connect(db)
if len(sys.argv) > 3:
    con.execute("UPDATE audit_log SET actor = ? WHERE seq = ?", (sys.argv[3], start))
def text(v):
    if v is None:
        return b"\x00"
    b = v.encode("utf-8")
    return b"\x01" + struct.pack(">I", len(b)) + b
rows = con.execute("SELECT seq, ts, actor, action, tenant_id, subject, purpose, result, client, detail, prev_hash "
                   "FROM audit_log WHERE seq >= ? ORDER BY seq", (start,)).fetchall()
prev = rows[0][10]
for seq, ts, actor, action, tenant, subject, purpose, result, client, detail, _ in rows:
    enc = (b"mnsafe-audit-v1\x00" + struct.pack(">Q", seq) + struct.pack(">Q", ts) + text(actor) + text(action)
           + struct.pack(">q", tenant) + text(subject) + text(purpose) + text(result) + text(client)
           + text(detail) + prev)
    h = hashlib.sha256(enc).digest()
    con.execute("UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, h, seq))
    prev = h
con.commit()
PY
}
# control: recomputing without an edit changes nothing (the encoding above is right)
C=$(copy f0); rechain "$C/mnsafe.db" 2
expect_eq "(f) control: recomputed chain equals the original" \
  "$(q "$DB" "SELECT hex(hash) FROM audit_log ORDER BY seq" | md5sum)" \
  "$(q "$C/mnsafe.db" "SELECT hex(hash) FROM audit_log ORDER BY seq" | md5sum)"
verify "$C"
expect_eq "(f) control: still intact" 0 "$VRC"
C=$(copy f); rechain "$C/mnsafe.db" 50 mallory
verify "$C"
expect_eq "(f) edited and chain recomputed: exit 1" 1 "$VRC"
expect_contains "(f) edited and chain recomputed: log rewritten" "another hash than was signed" "$VOUT"
# the first checkpoint at or after the edit is the first that no longer matches
CPFIRST=$(q "$DB" "SELECT min(entries) FROM audit_checkpoints WHERE entries >= 50")
expect_contains "(f) edited and chain recomputed: names the checkpoint's entry" "entry $CPFIRST" "$VOUT"

# ---- cannot verify at all: exit 2 --------------------------------------------------------------
verify "$T_WORK/no-such-dir"
expect_eq "no store: exit 2" 2 "$VRC"
C=$(copy g); rm "$C/audit.pub"
verify "$C"
expect_eq "no public key: exit 2" 2 "$VRC"

# the original is still intact after all of this
verify "$MNSAFE_DATA"
expect_eq "the original still verifies" 0 "$VRC"

finish
