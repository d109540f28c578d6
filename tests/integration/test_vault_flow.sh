#!/usr/bin/env bash
# test_vault_flow.sh: the life of persons in the vault, end to end through the
# CLI and a real daemon: add (stdin), import (JSON with dependents), masked
# lists per role, find by number, purpose-bound reveal, crypto-shredding,
# duplicates and all-or-nothing batches, and the role matrix with its audit trail.
. "$(dirname "$0")/lib.sh"

check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant

# ---- numbers used below ---------------------------------------------------------
mapfile -t NUMS < <(random_mynumbers 12)
N_SINGLE=${NUMS[0]}                 # added alone, number on stdin
N_A=${NUMS[1]} N_B=${NUMS[2]} N_C=${NUMS[3]}   # imported
D_A1=${NUMS[4]} D_A2=${NUMS[5]} D_C1=${NUMS[6]} # dependents
N_X=${NUMS[7]} N_Y=${NUMS[8]} N_Z=${NUMS[9]} N_W=${NUMS[10]} N_V=${NUMS[11]}  # for refused batches

# wrong_cd NUMBER: the same number with another check digit
wrong_cd() { printf '%s%s' "${1:0:11}" $(( (${1:11:1} + 1) % 10 )); }
# fullwidth TEXT: ASCII digits and '-' to full-width
fullwidth() { printf '%s' "$1" | python3 -c 'import sys; print(sys.stdin.read().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789-"}), end="")'; }
hyphenate() { printf '%s-%s-%s' "${1:0:4}" "${1:4:4}" "${1:8:4}"; }

# count_persons: persons in tenant acme as the logged-in user (all pages)
count_persons() {
  "$MNSAFE" person list acme --limit 1000 | json_get 'len(j["persons"])'
}

# ---- clerk1 adds persons ------------------------------------------------------------
check "login clerk1" login clerk1 "$CLERK_PW"
OUT=$(printf '%s\n' "$N_SINGLE" | "$MNSAFE" person add acme --name "山田 太郎" --purpose withholding_slip,health_pension \
        --employee-code E001 2>"$T_WORK/err"); RC=$?
expect_eq "person add (number on stdin): exit 0" 0 "$RC"
ID_SINGLE=$(printf '%s' "$OUT" | json_get 'j["created"][0]' 2>/dev/null)
check "person add: an id is returned" [ -n "$ID_SINGLE" ]
expect_not_contains "person add: the number is not echoed" "$N_SINGLE" "$OUT$(cat "$T_WORK/err")"

cat >"$T_WORK/import.json" <<EOF
[
  {"kind": "employee", "name": "佐藤 花子", "employee_code": "E002", "mynumber": "$N_A",
   "purposes": ["withholding_slip", "dependent_deduction"],
   "dependents": [{"name": "佐藤 一郎", "relationship": "配偶者", "mynumber": "$D_A1"},
                  {"name": "佐藤 次郎", "relationship": "子", "mynumber": "$(hyphenate "$D_A2")"}]},
  {"kind": "payee", "name": "鈴木 一郎", "mynumber": "$(fullwidth "$N_B")", "purposes": ["payment_record"]},
  {"name": "高橋 三郎", "mynumber": "$(hyphenate "$N_C")", "purposes": ["withholding_slip"],
   "dependents": [{"name": "高橋 花", "relationship": "子", "mynumber": "$D_C1"}]}
]
EOF
OUT=$("$MNSAFE" person import acme "$T_WORK/import.json" 2>"$T_WORK/err"); RC=$?
expect_eq "person import: exit 0" 0 "$RC"
mapfile -t IDS < <(printf '%s' "$OUT" | json_get '"\n".join(str(i) for i in j["created"])' 2>/dev/null)
expect_eq "person import: three ids" 3 "${#IDS[@]}"
ID_A=${IDS[0]:-0} ID_B=${IDS[1]:-0} ID_C=${IDS[2]:-0}
expect_eq "four persons stored" 4 "$(count_persons)"

# ---- masked lists -------------------------------------------------------------------
LIST=$("$MNSAFE" person list acme)
printf '%s' "$LIST" >"$T_WORK/list_clerk.json"
for pair in "$ID_SINGLE:$N_SINGLE" "$ID_A:$N_A" "$ID_B:$N_B" "$ID_C:$N_C"; do
  id=${pair%%:*} num=${pair#*:}
  got=$(json_get "[p['mynumber_masked'] for p in j['persons'] if p['id'] == $id][0]" <"$T_WORK/list_clerk.json" 2>/dev/null)
  expect_eq "clerk list: person $id masked with last 4" "********${num:8:4}" "$got"
done
for n in "${NUMS[@]}"; do expect_not_contains "clerk list holds no full number" "$n" "$LIST"; done
expect_eq "clerk list: dependents counted for 佐藤" 2 \
  "$(json_get "[p['dependents'] for p in j['persons'] if p['id'] == $ID_A][0]" <"$T_WORK/list_clerk.json" 2>/dev/null)"

check "login officer1" login officer1 "$OFFICER_PW"
LIST=$("$MNSAFE" person list acme); RC=$?
expect_eq "officer list: exit 0" 0 "$RC"
printf '%s' "$LIST" >"$T_WORK/list_officer.json"
expect_eq "officer list: four persons" 4 "$(json_get 'len(j["persons"])' <"$T_WORK/list_officer.json")"
expect_eq "officer list: every number is ************" "************" \
  "$(json_get '"|".join(sorted(set(p["mynumber_masked"] for p in j["persons"])))' <"$T_WORK/list_officer.json")"
check_fails "officer list: no digit in any masked number" \
  grep -Eq '"mynumber_masked": *"[^"]*[0-9]' "$T_WORK/list_officer.json"
for n in "${NUMS[@]}"; do expect_not_contains "officer list holds no number" "${n:8:4}\"" "$LIST"; done

# ---- find by number ---------------------------------------------------------------------
check "login clerk1 again" login clerk1 "$CLERK_PW"
find_ids() { # NUMBER-AS-TYPED: prints "persons-ids|dependent-person-ids"
  printf '%s\n' "$1" | "$MNSAFE" person find acme 2>/dev/null |
    json_get '",".join(str(p["id"]) for p in j["persons"]) + "|" + ",".join(str(d["person_id"]) for d in j["dependents"])'
}
expect_eq "find by number" "$ID_A|" "$(find_ids "$N_A")"
expect_eq "find by number with hyphens" "$ID_A|" "$(find_ids "$(hyphenate "$N_A")")"
expect_eq "find by full-width number" "$ID_B|" "$(find_ids "$(fullwidth "$N_B")")"
expect_eq "find by full-width number with hyphens" "$ID_C|" "$(find_ids "$(fullwidth "$(hyphenate "$N_C")")")"
expect_eq "find a single-added person" "$ID_SINGLE|" "$(find_ids "$N_SINGLE")"
expect_eq "find a dependent's number names the person" "|$ID_A" "$(find_ids "$D_A2")"
expect_eq "find an unknown number: nothing" "|" "$(find_ids "$N_X")"
OUT=$(printf '%s\n' "$N_A" | "$MNSAFE" person find acme)
expect_contains "find: masked with last 4" "\"********${N_A:8:4}\"" "$OUT"
expect_not_contains "find: no full number in the answer" "$N_A" "$OUT"
printf '%s\n' "$(wrong_cd "$N_A")" | "$MNSAFE" person find acme >/dev/null 2>"$T_WORK/err"; RC=$?
check "find with a wrong check digit: refused" [ "$RC" -ne 0 ]
expect_contains "find with a wrong check digit: 400 check_digit" "400 check_digit" "$(cat "$T_WORK/err")"

# ---- reveal ---------------------------------------------------------------------------------
OUT=$("$MNSAFE" person reveal acme "$ID_A" --purpose dependent_deduction); RC=$?
expect_eq "reveal with a collected purpose: exit 0" 0 "$RC"
printf '%s' "$OUT" >"$T_WORK/reveal.json"
expect_eq "reveal: the number" "$N_A" "$(json_get 'j["mynumber"]' <"$T_WORK/reveal.json" 2>/dev/null)"
expect_eq "reveal: the purpose" "dependent_deduction" "$(json_get 'j["purpose"]' <"$T_WORK/reveal.json" 2>/dev/null)"
expect_eq "reveal: dependents' numbers (normalised)" "$(printf '%s\n%s' "$D_A1" "$D_A2" | sort)" \
  "$(json_get '"\n".join(sorted(d["mynumber"] for d in j["dependents"]))' <"$T_WORK/reveal.json" 2>/dev/null)"
expect_eq "reveal: dependents' relationships" "子,配偶者" \
  "$(json_get '",".join(sorted(d["relationship"] for d in j["dependents"]))' <"$T_WORK/reveal.json" 2>/dev/null)"
OUT=$("$MNSAFE" person reveal acme "$ID_B" --purpose payment_record)
expect_eq "reveal a full-width import: stored normalised" "$N_B" "$(printf '%s' "$OUT" | json_get 'j["mynumber"]' 2>/dev/null)"
OUT=$("$MNSAFE" person reveal acme "$ID_SINGLE" --purpose health_pension)
expect_eq "reveal the single add (second purpose)" "$N_SINGLE" "$(printf '%s' "$OUT" | json_get 'j["mynumber"]' 2>/dev/null)"

OUT=$("$MNSAFE" person reveal acme "$ID_B" --purpose withholding_slip 2>"$T_WORK/err"); RC=$?
check "reveal for a purpose not collected: refused" [ "$RC" -ne 0 ]
expect_contains "reveal for another purpose: 403" "403" "$(cat "$T_WORK/err")"
expect_eq "reveal for another purpose: nothing on stdout" "" "$OUT"
expect_not_contains "reveal refused: number not on stderr" "$N_B" "$(cat "$T_WORK/err")"
OUT=$("$MNSAFE" person reveal acme "$ID_B" --purpose marketing 2>"$T_WORK/err"); RC=$?
check "reveal for an unknown purpose: refused" [ "$RC" -ne 0 ]
expect_contains "reveal for an unknown purpose: 403" "403" "$(cat "$T_WORK/err")"
OUT=$("$MNSAFE" person reveal acme 12345 --purpose withholding_slip 2>"$T_WORK/err"); RC=$?
check "reveal of an unknown id: refused" [ "$RC" -ne 0 ]
expect_contains "reveal of an unknown id: 404" "404" "$(cat "$T_WORK/err")"

# ---- delete (crypto-shred) -----------------------------------------------------------------
OUT=$("$MNSAFE" person delete acme "$ID_A" --reason "退職後の保存期間満了"); RC=$?
expect_eq "delete: exit 0" 0 "$RC"
OUT=$("$MNSAFE" person reveal acme "$ID_A" --purpose dependent_deduction 2>"$T_WORK/err"); RC=$?
check "reveal after delete: refused" [ "$RC" -ne 0 ]
expect_contains "reveal after delete: 404" "404" "$(cat "$T_WORK/err")"
expect_eq "find after delete: the person is gone" "|" "$(find_ids "$N_A")"
expect_eq "find after delete: the dependents are gone" "|" "$(find_ids "$D_A1")"
expect_eq "find after delete: the other dependent too" "|" "$(find_ids "$D_A2")"
expect_eq "three persons left" 3 "$(count_persons)"
"$MNSAFE" person delete acme "$ID_A" >/dev/null 2>"$T_WORK/err"; RC=$?
check "delete twice: refused" [ "$RC" -ne 0 ]
expect_contains "delete twice: 404" "404" "$(cat "$T_WORK/err")"
# the number of a deleted person may be registered again
OUT=$(printf '%s\n' "$N_A" | "$MNSAFE" person add acme --name "佐藤 花子" --purpose withholding_slip 2>&1); RC=$?
expect_eq "a deleted person's number can be added again" 0 "$RC"
ID_A2=$(printf '%s' "$OUT" | json_get 'j["created"][0]' 2>/dev/null)
expect_eq "four persons again" 4 "$(count_persons)"

# ---- duplicates ----------------------------------------------------------------------------
BEFORE=$(count_persons)
OUT=$(printf '%s\n' "$N_SINGLE" | "$MNSAFE" person add acme --name "二重 登録" --purpose withholding_slip 2>"$T_WORK/err"); RC=$?
check "duplicate add: refused" [ "$RC" -ne 0 ]
expect_contains "duplicate add: 409" "409" "$(cat "$T_WORK/err")"
printf '%s\n' "$(hyphenate "$(fullwidth "$N_SINGLE")")" | "$MNSAFE" person add acme --name "二重 登録" --purpose withholding_slip \
  >/dev/null 2>"$T_WORK/err"; RC=$?
check "duplicate add in another notation: refused" [ "$RC" -ne 0 ]
expect_contains "duplicate add in another notation: 409" "409" "$(cat "$T_WORK/err")"
cat >"$T_WORK/dup.json" <<EOF
[{"name": "新規 一", "mynumber": "$N_X", "purposes": ["withholding_slip"]},
 {"name": "重複 二", "mynumber": "$N_C", "purposes": ["withholding_slip"]}]
EOF
"$MNSAFE" person import acme "$T_WORK/dup.json" >/dev/null 2>"$T_WORK/err"; RC=$?
check "import with a number already stored: refused" [ "$RC" -ne 0 ]
expect_contains "import with a stored number: 409" "409" "$(cat "$T_WORK/err")"
expect_contains "import with a stored number: names the row" "persons[1]" "$(cat "$T_WORK/err")"
cat >"$T_WORK/dup2.json" <<EOF
[{"name": "新規 一", "mynumber": "$N_Y", "purposes": ["withholding_slip"]},
 {"name": "新規 二", "mynumber": "$N_Z", "purposes": ["withholding_slip"]},
 {"name": "新規 三", "mynumber": "$(hyphenate "$N_Y")", "purposes": ["withholding_slip"]}]
EOF
"$MNSAFE" person import acme "$T_WORK/dup2.json" >/dev/null 2>"$T_WORK/err"; RC=$?
check "import with a number twice in the batch: refused" [ "$RC" -ne 0 ]
expect_contains "import with a number twice: 409" "409" "$(cat "$T_WORK/err")"
expect_eq "duplicates: nothing stored" "$BEFORE" "$(count_persons)"
expect_eq "duplicates: the first new row of the batch was not kept" "|" "$(find_ids "$N_X")"
expect_eq "duplicates: nor the rows of the second batch" "|" "$(find_ids "$N_Z")"

# ---- all or nothing: a bad third row ---------------------------------------------------------
cat >"$T_WORK/bad3.json" <<EOF
[{"name": "一行目", "mynumber": "$N_X", "purposes": ["withholding_slip"]},
 {"name": "二行目", "mynumber": "$N_Y", "purposes": ["withholding_slip"],
  "dependents": [{"name": "子", "relationship": "子", "mynumber": "$N_W"}]},
 {"name": "三行目", "mynumber": "$(wrong_cd "$N_Z")", "purposes": ["withholding_slip"]},
 {"name": "四行目", "mynumber": "$N_V", "purposes": ["withholding_slip"]}]
EOF
OUT=$("$MNSAFE" person import acme "$T_WORK/bad3.json" 2>"$T_WORK/err"); RC=$?
check "batch with a bad row 3: refused" [ "$RC" -ne 0 ]
expect_contains "batch with a bad row 3: names persons[2].mynumber" "persons[2].mynumber" "$(cat "$T_WORK/err")"
expect_contains "batch with a bad row 3: check digit" "check_digit" "$(cat "$T_WORK/err")"
expect_not_contains "batch with a bad row 3: the bad number is not echoed" "$(wrong_cd "$N_Z")" "$(cat "$T_WORK/err")"
expect_eq "batch with a bad row 3: nothing stored" "$BEFORE" "$(count_persons)"
for n in "$N_X" "$N_Y" "$N_W" "$N_V"; do
  expect_eq "batch with a bad row 3: ...$n not findable" "|" "$(find_ids "$n")"
done
# a bad dependent number also stops the batch
cat >"$T_WORK/baddep.json" <<EOF
[{"name": "一行目", "mynumber": "$N_X", "purposes": ["withholding_slip"]},
 {"name": "二行目", "mynumber": "$N_Y", "purposes": ["withholding_slip"],
  "dependents": [{"name": "子", "relationship": "子", "mynumber": "$(wrong_cd "$N_W")"}]}]
EOF
"$MNSAFE" person import acme "$T_WORK/baddep.json" >/dev/null 2>"$T_WORK/err"; RC=$?
check "batch with a bad dependent: refused" [ "$RC" -ne 0 ]
expect_contains "batch with a bad dependent: names it" "persons[1].dependents[0].mynumber" "$(cat "$T_WORK/err")"
# a purpose the tenant does not have
cat >"$T_WORK/badpurpose.json" <<EOF
[{"name": "一行目", "mynumber": "$N_X", "purposes": ["withholding_slip"]},
 {"name": "二行目", "mynumber": "$N_Y", "purposes": ["marketing"]}]
EOF
"$MNSAFE" person import acme "$T_WORK/badpurpose.json" >/dev/null 2>"$T_WORK/err"; RC=$?
check "batch with an unknown purpose: refused" [ "$RC" -ne 0 ]
expect_contains "batch with an unknown purpose: names it" "persons[1].purposes[0]" "$(cat "$T_WORK/err")"
expect_eq "bad batches: nothing stored" "$BEFORE" "$(count_persons)"

# ---- unknown JSON fields are refused ----------------------------------------------------------
cat >"$T_WORK/unknown.json" <<EOF
[{"name": "一行目", "mynumber": "$N_X", "purposes": ["withholding_slip"], "birthday": "1990-01-01"}]
EOF
"$MNSAFE" person import acme "$T_WORK/unknown.json" >/dev/null 2>"$T_WORK/err"; RC=$?
check "unknown person field: refused" [ "$RC" -ne 0 ]
expect_contains "unknown person field: 400" "400 invalid" "$(cat "$T_WORK/err")"
expect_contains "unknown person field: named" "birthday" "$(cat "$T_WORK/err")"
cat >"$T_WORK/unknown2.json" <<EOF
[{"name": "一行目", "mynumber": "$N_X", "purposes": ["withholding_slip"],
  "dependents": [{"name": "子", "relationship": "子", "mynumber": "$N_W", "address": "東京"}]}]
EOF
"$MNSAFE" person import acme "$T_WORK/unknown2.json" >/dev/null 2>"$T_WORK/err"; RC=$?
check "unknown dependent field: refused" [ "$RC" -ne 0 ]
expect_contains "unknown dependent field: named" "address" "$(cat "$T_WORK/err")"
ST=$(api POST /api/v1/tenants/acme/persons "{\"persons\":[{\"name\":\"x\",\"mynumber\":\"$N_X\",\"purposes\":[\"withholding_slip\"]}],\"dry_run\":true}")
expect_eq "unknown top-level field: 400" 400 "$ST"
expect_eq "unknown top-level field: code invalid" "invalid" "$(json_get 'j["error"]["code"]' <"$T_WORK/api.body" 2>/dev/null)"
expect_contains "unknown top-level field: named" "dry_run" "$(cat "$T_WORK/api.body")"
ST=$(api POST /api/v1/tenants/acme/persons/$ID_B/reveal '{"purpose":"payment_record","why":"x"}')
expect_eq "unknown field in reveal: 400" 400 "$ST"
expect_not_contains "unknown field in reveal: no number" "$N_B" "$(cat "$T_WORK/api.body")"
ST=$(api POST /api/v1/tenants/acme/persons/search "{\"mynumber\":\"$N_B\",\"fuzzy\":true}")
expect_eq "unknown field in search: 400" 400 "$ST"
expect_eq "unknown fields: nothing stored" "$BEFORE" "$(count_persons)"

# ---- tenants are apart ---------------------------------------------------------------------------
# clerk2 gets tenant beta (and stays unassigned to acme for the role matrix below)
login admin "$ADMIN_PW"
"$MNSAFE" tenant create beta "ベータ株式会社" --corporate-number 7000012050002 >/dev/null
expect_eq "tenant beta created" 0 "$?"
"$MNSAFE" user assign clerk2 beta >/dev/null
check "login clerk2" login clerk2 "$CLERK2_PW"
OUT=$(printf '%s\n' "$N_B" | "$MNSAFE" person add beta --name "鈴木 一郎" --purpose payment_record 2>&1); RC=$?
expect_eq "the same number in another tenant: allowed" 0 "$RC"
ID_BETA=$(printf '%s' "$OUT" | json_get 'j["created"][0]' 2>/dev/null)
expect_eq "beta lists only its own person" "$ID_BETA" "$("$MNSAFE" person list beta | json_get '",".join(str(p["id"]) for p in j["persons"])')"
"$MNSAFE" person reveal beta "$ID_C" --purpose withholding_slip >"$T_WORK/o" 2>"$T_WORK/err"; RC=$?
check "reveal of an acme person through beta: refused" [ "$RC" -ne 0 ]
expect_contains "reveal of an acme person through beta: 404" "404" "$(cat "$T_WORK/err")"
expect_not_contains "reveal of an acme person through beta: no number" "$N_C" "$(cat "$T_WORK/o")"
"$MNSAFE" person delete beta "$ID_C" >/dev/null 2>"$T_WORK/err"; RC=$?
check "delete of an acme person through beta: refused" [ "$RC" -ne 0 ]
expect_contains "delete of an acme person through beta: 404" "404" "$(cat "$T_WORK/err")"
OUT=$(printf '%s\n' "$N_C" | "$MNSAFE" person find beta)
expect_eq "beta's find does not see acme's numbers" '[][]' "$(printf '%s' "$OUT" | json_get 'json.dumps(j["persons"]) + json.dumps(j["dependents"])' 2>/dev/null)"
check "login clerk1 (tenants)" login clerk1 "$CLERK_PW"
OUT=$("$MNSAFE" person reveal acme "$ID_C" --purpose withholding_slip 2>/dev/null)
expect_eq "the acme person survived the refused delete (key and dependents intact)" "$N_C|$D_C1" \
  "$(printf '%s' "$OUT" | json_get 'j["mynumber"] + "|" + "".join(d["mynumber"] for d in j["dependents"])' 2>/dev/null)"
"$MNSAFE" person list beta >/dev/null 2>&1; RC=$?
check "clerk1 is not assigned to beta: list refused" [ "$RC" -ne 0 ]
"$MNSAFE" person reveal beta "$ID_BETA" --purpose payment_record >/dev/null 2>&1; RC=$?
check "clerk1 is not assigned to beta: reveal refused" [ "$RC" -ne 0 ]
expect_eq "acme still has $BEFORE persons" "$BEFORE" "$(count_persons)"

# ---- role matrix ----------------------------------------------------------------------------------
# try_all LABEL: reveal, find, add, list as the logged-in user; sets R_REVEAL R_FIND R_ADD R_LIST
try_all() {
  "$MNSAFE" person reveal acme "$ID_B" --purpose payment_record >"$T_WORK/o.reveal" 2>/dev/null; R_REVEAL=$?
  printf '%s\n' "$N_B" | "$MNSAFE" person find acme >"$T_WORK/o.find" 2>/dev/null; R_FIND=$?
  printf '%s\n' "$N_V" | "$MNSAFE" person add acme --name "権限 試験" --purpose withholding_slip >/dev/null 2>&1; R_ADD=$?
  "$MNSAFE" person list acme >"$T_WORK/o.list" 2>/dev/null; R_LIST=$?
}
login admin "$ADMIN_PW"
try_all
check "sysadmin: reveal refused" [ "$R_REVEAL" -ne 0 ]
check "sysadmin: find refused" [ "$R_FIND" -ne 0 ]
check "sysadmin: add refused" [ "$R_ADD" -ne 0 ]
check "sysadmin: list refused" [ "$R_LIST" -ne 0 ]
expect_not_contains "sysadmin: no number" "$N_B" "$(cat "$T_WORK"/o.*)"
login auditor1 "$AUDITOR_PW"
try_all
check "auditor: reveal refused" [ "$R_REVEAL" -ne 0 ]
check "auditor: find refused" [ "$R_FIND" -ne 0 ]
check "auditor: add refused" [ "$R_ADD" -ne 0 ]
check "auditor: list refused" [ "$R_LIST" -ne 0 ]
expect_not_contains "auditor: no number" "$N_B" "$(cat "$T_WORK"/o.*)"
login officer1 "$OFFICER_PW"
try_all
check "officer: reveal refused" [ "$R_REVEAL" -ne 0 ]
check "officer: find refused" [ "$R_FIND" -ne 0 ]
check "officer: add refused" [ "$R_ADD" -ne 0 ]
# an officer may list, fully masked (see above); never a digit of a number
expect_eq "officer: list allowed, fully masked" 0 "$R_LIST"
expect_not_contains "officer: no number" "$N_B" "$(cat "$T_WORK"/o.*)"
expect_not_contains "officer: no last four" "${N_B:8:4}" "$(cat "$T_WORK"/o.*)"
login clerk2 "$CLERK2_PW"
try_all
check "unassigned clerk: reveal refused" [ "$R_REVEAL" -ne 0 ]
check "unassigned clerk: find refused" [ "$R_FIND" -ne 0 ]
check "unassigned clerk: add refused" [ "$R_ADD" -ne 0 ]
check "unassigned clerk: list refused" [ "$R_LIST" -ne 0 ]
expect_not_contains "unassigned clerk: no number" "$N_B" "$(cat "$T_WORK"/o.*)"
expect_not_contains "unassigned clerk: no last four" "${N_B:8:4}" "$(cat "$T_WORK"/o.*)"
login clerk1 "$CLERK_PW"
expect_eq "refused adds stored nothing" "$BEFORE" "$(count_persons)"
try_all
expect_eq "assigned clerk: reveal works" 0 "$R_REVEAL"
expect_eq "assigned clerk: reveal gives the number" "$N_B" "$(json_get 'j["mynumber"]' <"$T_WORK/o.reveal" 2>/dev/null)"
expect_eq "assigned clerk: find works" 0 "$R_FIND"
expect_eq "assigned clerk: add works" 0 "$R_ADD"
expect_eq "assigned clerk: list works" 0 "$R_LIST"
# not logged in at all
rm -f "$MNSAFE_SESSION"
"$MNSAFE" person list acme >/dev/null 2>"$T_WORK/err"; RC=$?
check "no session: list refused" [ "$RC" -ne 0 ]
expect_contains "no session: 401" "401" "$(cat "$T_WORK/err")"

# ---- the audit trail ------------------------------------------------------------------------------
check "login auditor1 for the audit" login auditor1 "$AUDITOR_PW"
check "audit list (all pages)" audit_dump "$T_WORK/audit.json"
A=$T_WORK/audit.json
check "audit: reveal for another purpose denied:purpose" \
  audit_has "$A" actor=clerk1 action=person.reveal subject="person:$ID_B" purpose=withholding_slip result=denied:purpose
check "audit: reveal ok with its purpose" \
  audit_has "$A" actor=clerk1 action=person.reveal subject="person:$ID_A" purpose=dependent_deduction result=ok
check "audit: delete" audit_has "$A" actor=clerk1 action=person.delete subject="person:$ID_A" result=ok
check "audit: one create entry per imported person" audit_has "$A" actor=clerk1 action=person.create subject="person:$ID_B" result=ok
check "audit: the first imported person too" audit_has "$A" actor=clerk1 action=person.create subject="person:$ID_A" result=ok
check "audit: duplicate add refused" audit_has "$A" actor=clerk1 action=person.create result='error:exists'
check "audit: bad batch refused" audit_has "$A" actor=clerk1 action=person.create result='error:check_digit'
for who in admin auditor1 officer1 clerk2; do
  for act in person.reveal person.find person.create; do
    check "audit: $who $act denied" audit_has "$A" actor=$who action=$act result='denied*'
  done
done
for who in admin auditor1 clerk2; do
  check "audit: $who person.list denied" audit_has "$A" actor=$who action=person.list result='denied*'
done
check "audit: officer1's list is recorded" audit_has "$A" actor=officer1 action=person.list result=ok
check "audit: the refused reveals name the person" audit_has "$A" actor=clerk2 action=person.reveal subject="person:$ID_B" result='denied*'
python3 - "$A" "${NUMS[@]}" <<'PY' && ok "audit: no number in any entry" || fail "audit: no number in any entry"
import json, sys
text = json.dumps(json.load(open(sys.argv[1])), ensure_ascii=False)
sys.exit(1 if any(n in text for n in sys.argv[2:]) else 0)
PY

finish
