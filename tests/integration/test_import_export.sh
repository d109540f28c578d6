#!/usr/bin/env bash
# test_import_export.sh: issue 8 end to end through the real daemon.
# Import: a Shift_JIS file made with iconv holding persons, dependents and a
# broken row of every kind; the per-row report (row, column, reason in both
# languages, never a number); nothing stored until the clerk chooses; a file
# with 10% bad rows; UTF-8 with BOM and a custom column mapping; kill -9 of
# the daemon while an import is stored or received leaves the store as it was
# or fully imported. Export: decrypted with the real `age` and `7z` tools and
# compared with the numbers stored; a masked export is plain and says so;
# JIS X 0208 refuses (or replaces) what it cannot write; every export writes
# its take-out register entry; an officer's approval when the tenant wants
# it. Finally the data dir, the temp dir and the logs hold none of the numbers.
. "$(dirname "$0")/lib.sh"

export TMPDIR=$T_WORK/tmp && mkdir -p "$TMPDIR"
CLI_LOG=$T_WORK/cli.log; : >"$CLI_LOG"
check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant
login clerk1 "$CLERK_PW"
persons_count() { "$MNSAFE" person list acme --limit 1000 | json_get 'len(j["persons"])'; }
import_id() { "$MNSAFE" import list acme | json_get 'j["imports"][0]["import_id"]'; }
wrong_cd() { printf '%s%s' "${1:0:11}" $(( (${1:11:1} + 1) % 10 )); }

random_mynumbers 40 >"$T_WORK/nums"
mapfile -t N <"$T_WORK/nums"
cp "$T_WORK/nums" "$T_WORK/all-numbers"

# ---- 1. Shift_JIS, persons and dependents, a broken row of every kind ---------
# the store already holds N[39]: a row repeating it is a duplicate against the store
printf '%s\n' "${N[39]}" | "$MNSAFE" person add acme --name "既存 太郎" --employee-code X9 --purpose withholding_slip >/dev/null
{
  printf '社員番号,氏名,フリガナ,生年月日,個人番号,続柄,利用目的,備考\r\n'
  printf 'E01,山田 太郎,ヤマダ タロウ,昭和60年4月1日,%s,,withholding_slip;dependent_deduction,\r\n' "${N[0]}"   # 2 ok
  printf 'E01,山田 花子,ヤマダ ハナコ,1988/2/3,%s,配偶者,,\r\n' "${N[1]}"                                      # 3 ok dependent
  printf 'E02,"髙橋, 一郎",タカハシ イチロウ,H2.5.6,%s,,,\r\n' "${N[2]}"                                   # 4 ok (CP932 ext)
  printf 'E03,鈴木 次郎,,1970-01-01,%s,,,\r\n' "$(wrong_cd "${N[3]}")"                                     # 5 check digit
  printf 'E04,佐藤 三郎,,1970-01-01,1234-5678,,,\r\n'                                                     # 6 too short
  printf 'E05,,,1970-01-01,%s,,,\r\n' "${N[4]}"                                                           # 7 no name
  printf 'E06,田中 四郎,,1970-01-01,,,,\r\n'                                                               # 8 no number
  printf 'E07,伊藤 五郎,,2099-01-01,%s,,,\r\n' "${N[5]}"                                                  # 9 future date
  printf 'E08,渡辺 六郎,,1970-01-01,%s,,no_such_purpose,\r\n' "${N[6]}"                                    # 10 purpose
  printf 'E09,中村 七郎,,1970-01-01,%s,,,\r\n' "${N[0]}"                                                  # 11 dup in file
  printf 'E10,小林 八郎,,1970-01-01,%s,,,\r\n' "${N[39]}"                                                 # 12 dup in store
  printf 'E11,%s,,1970-01-01,%s,,,\r\n' "${N[7]}" "${N[8]}"                                                # 13 number in name
  printf 'E12,加藤 "九郎",,1970-01-01,%s,,,\r\n' "${N[9]}"                                                # 14 stray quote
  printf 'E99,吉田 十子,,2000-01-01,%s,子,,\r\n' "${N[10]}"                                               # 15 no such person
  printf 'E01,山田 一,,2010-01-01,%s,子,,\r\n' "${N[0]}"                                                  # 16 dep = person
  printf 'E13,山本 十一,,1970-13-01,%s,,,\r\n' "${N[11]}"                                                 # 17 bad month
  printf 'E14,松本 十二,,S50.1.1,%s,,,\r\n' "${N[12]}"                                                    # 18 ok
} >"$T_WORK/staff.csv"
iconv -f UTF-8 -t CP932 "$T_WORK/staff.csv" >"$T_WORK/staff-sjis.csv"
check "the test file really is Shift_JIS" python3 -c "
b = open('$T_WORK/staff-sjis.csv','rb').read(); b.decode('cp932')
try: b.decode('utf-8'); raise SystemExit(1)
except UnicodeDecodeError: pass"
# row 19: bytes that are no Shift_JIS character (a lead byte without its trail byte)
printf 'E15,\x82\xff,,1970-01-01,%s,,,\r\n' "${N[13]}" >>"$T_WORK/staff-sjis.csv"
BEFORE=$(persons_count)
OUT=$("$MNSAFE" import --tenant acme "$T_WORK/staff-sjis.csv" --purpose withholding_slip 2>&1); RC=$?
printf '%s\n' "$OUT" >>"$CLI_LOG"
expect_eq "rows with errors: exit 3, nothing stored" "3 $BEFORE" "$RC $(persons_count)"
expect_contains "Shift_JIS detected" "(shift_jis)" "$OUT"
expect_contains "valid persons and dependents counted" "3 persons and 1 dependents valid, 14 rows with errors" "$OUT"
expect_contains "ignored columns are named" "備考" "$OUT"
ID=$(import_id)
"$MNSAFE" import status acme "$ID" >"$T_WORK/report.json"
report_codes() { json_get '" ".join("%d:%s" % (e["row"], e["code"]) for e in j["errors"])' <"$T_WORK/report.json"; }
expect_eq "every broken row named with its reason" \
  "5:check_digit 6:invalid_number 7:required 8:required 9:invalid_date 10:unknown_purpose 11:duplicate_in_file 12:already_registered 13:number_in_text 14:format 15:no_person 16:dependent_is_person 17:invalid_date 19:format" \
  "$(report_codes)"
expect_eq "each with the column as the file names it" "個人番号 氏名 生年月日" \
  "$(json_get '" ".join(e["column"] for e in j["errors"] if e["row"] in (5, 7, 9))' <"$T_WORK/report.json")"
expect_eq "in English and Japanese" "True" \
  "$(json_get 'all(e["message"]["en"] and e["message"]["ja"] and e["message"]["en"] != e["message"]["ja"] for e in j["errors"])' <"$T_WORK/report.json")"
OUT=$("$MNSAFE" import store acme "$ID" 2>&1); RC=$?
check "storing with errors needs the explicit choice" [ "$RC" -ne 0 ]
expect_contains "and says so" "valid_only" "$OUT"
expect_eq "still nothing stored" "$BEFORE" "$(persons_count)"
check "the valid rows stored" "$MNSAFE" import store acme "$ID" --valid-only
expect_eq "three persons more" "$((BEFORE + 3))" "$(persons_count)"
P_YAMADA=$("$MNSAFE" person list acme --limit 1000 | json_get '[p["id"] for p in j["persons"] if p["name"] == "山田 太郎"][0]')
expect_eq "the dependent under its person" 1 \
  "$("$MNSAFE" person list acme --limit 1000 | json_get '[p["dependents"] for p in j["persons"] if p["name"] == "山田 太郎"][0]')"
expect_eq "the purposes of the row" "dependent_deduction withholding_slip" \
  "$("$MNSAFE" person list acme --limit 1000 | json_get '" ".join([p["purposes"] for p in j["persons"] if p["name"] == "山田 太郎"][0])')"
REV=$("$MNSAFE" person reveal acme "$P_YAMADA" --purpose withholding_slip | json_get 'j["mynumber"]')
[ "$REV" = "${N[0]}" ] && ok "the stored number is the file's" || fail "the stored number is the file's"
OUT=$("$MNSAFE" import store acme "$ID" --valid-only 2>&1)
expect_contains "an import is stored once" "stored" "$OUT"

# ---- 2. 10% bad rows, UTF-8 with BOM, a custom column mapping ------------------
python3 - "$T_WORK/ten.csv" "$T_WORK/ten-numbers" <<'PY'
import random, sys
random.seed(8)
w = [6,5,4,3,2,7,6,5,4,3,2]
def cd(p): r = sum(int(d)*x for d, x in zip(p, w)) % 11; return str(0 if r <= 1 else 11 - r)
rows, nums = [], set()
while len(nums) < 1000:
    p = "".join(random.choice("0123456789") for _ in range(11)); nums.add(p + cd(p))
nums = sorted(nums)
with open(sys.argv[1], "w", encoding="utf-8-sig", newline="") as f:
    f.write("Staff No,Full Name,マイナンバー\r\n")
    for i, n in enumerate(nums):
        if i % 10 == 3:
            n = n[:11] + str((int(n[11]) + 1) % 10)   # every tenth row: wrong check digit
        f.write(f"T{i:05d},社員 {i},{n}\r\n")
open(sys.argv[2], "w").write("\n".join(nums) + "\n")
PY
cat "$T_WORK/ten-numbers" >>"$T_WORK/all-numbers"
OUT=$("$MNSAFE" import --tenant acme "$T_WORK/ten.csv" --purpose withholding_slip --map "Staff No=employee_code" \
  --map "Full Name=name" --chunk 4096 --store-valid 2>&1); RC=$?
printf '%s\n' "$OUT" >>"$CLI_LOG"
expect_eq "10% bad: the 900 good rows stored in one go" "0" "$RC"
expect_contains "counted" "900 persons and 0 dependents valid, 100 rows with errors" "$OUT"
expect_contains "read as UTF-8" "(utf-8)" "$OUT"
expect_eq "the report lists the 100 rows" 100 "$(grep -c $'^row [0-9]*\t' <<<"$OUT")"
expect_eq "the store has them" "$((BEFORE + 903))" "$("$MNSAFE" person list acme --limit 1000 | json_get 'len(j["persons"])' ; )" 2>/dev/null || true
TOTAL=$(python3 - "$MNSAFE" <<'PY'
import json, subprocess, sys
n, after = 0, 0
while True:
    j = json.loads(subprocess.run([sys.argv[1], "person", "list", "acme", "--after", str(after), "--limit", "1000"], capture_output=True, text=True).stdout)
    n += len(j["persons"])
    if j["next_after"] is None: break
    after = j["next_after"]
print(n)
PY
)
expect_eq "all persons counted across pages" "$((BEFORE + 903))" "$TOTAL"
OUT=$(printf 'x,y\n1,2\n' >"$T_WORK/noheader.csv"; "$MNSAFE" import --tenant acme "$T_WORK/noheader.csv" --purpose withholding_slip 2>&1); RC=$?
check "a file without 氏名 and 個人番号 columns is refused" [ "$RC" -ne 0 ]
expect_contains "naming the columns it needs" "個人番号" "$OUT"

# ---- 3. kill -9 while an import is stored, or received: never half --------------
python3 - "$T_WORK/big.csv" "$T_WORK/big-numbers" <<'PY'
import random, sys
random.seed(9)
w = [6,5,4,3,2,7,6,5,4,3,2]
def cd(p): r = sum(int(d)*x for d, x in zip(p, w)) % 11; return str(0 if r <= 1 else 11 - r)
nums = set()
while len(nums) < 30000:
    p = "".join(random.choice("0123456789") for _ in range(11)); nums.add(p + cd(p))
nums = sorted(nums)
with open(sys.argv[1], "w", encoding="utf-8") as f:
    f.write("氏名,個人番号\n")
    for i, n in enumerate(nums):
        f.write(f"大量 {i},{n}\n")
open(sys.argv[2], "w").write("\n".join(nums) + "\n")
PY
cat "$T_WORK/big-numbers" >>"$T_WORK/all-numbers"
count_db() { db_query "SELECT count(*) FROM persons"; }
OUT=$("$MNSAFE" import --tenant acme "$T_WORK/big.csv" --purpose withholding_slip --check-only 2>&1)
BIG=$(import_id)
B0=$(count_db)
# tries at different moments of the store (well under a second for 30000 rows)
for delay in 0.1 0.25 0.4; do
  ( "$MNSAFE" import store acme "$BIG" >/dev/null 2>&1 & ); sleep "$delay"
  kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""
  B1=$(count_db)
  check "killed while storing (after ${delay}s): none or all of the 30000" [ "$B1" = "$B0" -o "$B1" = "$((B0 + 30000))" ]
  echo "# after kill -9 during store: $B0 -> $B1"
  check "restarted" start_daemon --dev
  login clerk1 "$CLERK_PW"
  [ "$B1" != "$B0" ] && break
done
if [ "$B1" = "$B0" ]; then
  check "the checked import can still be stored" "$MNSAFE" import store acme "$BIG"
fi
expect_eq "then all of it is there" "$((B0 + 30000))" "$(count_db)"
expect_eq "and no staged copy is left behind" 0 "$(staging_query 'SELECT count(*) FROM import_rows')"
# killed while the file is being received: the import is interrupted, nothing stored
B0=$(count_db)
( "$MNSAFE" import --tenant acme "$T_WORK/big.csv" --purpose withholding_slip --chunk 16384 --store >/dev/null 2>&1 & )
# killed once the daemon has staged some rows of the file, well before its end
for _ in $(seq 100); do
  R=$(db_query "SELECT rows FROM imports WHERE status = 'receiving' ORDER BY created_at DESC LIMIT 1")
  [ -n "$R" ] && [ "$R" -gt 0 ] && break
  sleep 0.02
done
echo "# killed while receiving, after ${R:-?} rows"
kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null; DAEMON_PID=""
check "restarted again" start_daemon --dev
login clerk1 "$CLERK_PW"
expect_eq "killed while receiving: nothing stored" "$B0" "$(count_db)"
expect_eq "and the import marked interrupted, its staged rows gone" "interrupted 0" \
  "$("$MNSAFE" import list acme | json_get 'j["imports"][0]["status"]') $(staging_query 'SELECT count(*) FROM import_rows')"

# ---- 4. exports: age, zip, masked, JIS X 0208 ----------------------------------
age-keygen -o "$T_WORK/key.txt" 2>/dev/null
RCPT=$(age-keygen -y "$T_WORK/key.txt")
cd "$T_WORK" || exit 1
OUT=$("$MNSAFE" export acme --purpose withholding_slip --recipient "税務署" --route "e-Tax" --persons "$P_YAMADA" \
  --fields employee_code,name,mynumber,dependents --age-recipient "$RCPT" --out "$T_WORK/out.csv.age" 2>&1); RC=$?
printf '%s\n' "$OUT" >>"$CLI_LOG"
expect_eq "age export written" 0 "$RC"
check "the age tool decrypts it" age -d -i "$T_WORK/key.txt" -o "$T_WORK/out-age.csv" "$T_WORK/out.csv.age"
expect_eq "person and dependent rows with their numbers" \
  "従業員番号,氏名,個人番号,続柄|E01,山田 太郎,${N[0]},本人|E01,山田 花子,${N[1]},配偶者" \
  "$(python3 -c "
import csv, sys
rows = list(csv.reader(open('$T_WORK/out-age.csv', encoding='utf-8-sig', newline='')))
print('|'.join(','.join(r) for r in rows))")"
TAKEOUT=$(json_get 'j["takeout_id"]' <<<"$OUT")
OUT=$("$MNSAFE" export acme --purpose withholding_slip --recipient "年金事務所" --route "書留" --kind employee \
  --encoding shift_jis --zip --out "$T_WORK/all.zip" 2>>"$CLI_LOG"); RC=$?
printf '%s\n' "$OUT" >>"$CLI_LOG"
expect_eq "zip export written" 0 "$RC"
PW=$(json_get 'j["password"]' <<<"$OUT")
check "a password of 20 characters, shown once" [ "${#PW}" -eq 20 ]
check "7z opens it with the password" 7z x -y -bd "-p$PW" "-o$T_WORK/unzip" "$T_WORK/all.zip"
check_fails "and not without" 7z t -y -bd "-pwrong-password" "$T_WORK/all.zip"
check "the CSV inside is Shift_JIS with every exported number" python3 - "$T_WORK/unzip" "$T_WORK/all-numbers" <<'PY'
import csv, glob, io, sys
f = glob.glob(sys.argv[1] + "/*.csv")[0]
rows = list(csv.reader(io.StringIO(open(f, "rb").read().decode("cp932"), newline="")))
assert rows[0][:5] == ["従業員番号", "氏名", "フリガナ", "生年月日", "個人番号"], rows[0]
nums = {r[4] for r in rows[1:]}
known = set(open(sys.argv[2]).read().split())
assert len(rows) - 1 >= 903 and nums <= known, (len(rows), len(nums - known))
assert any(r[1] == "髙橋, 一郎" for r in rows), "CP932 keeps 髙"
PY
OUT=$("$MNSAFE" export acme --recipient "社内" --route "手渡し" --masked --out "$T_WORK/masked.csv" 2>&1); RC=$?
expect_eq "a masked export needs no encryption" "0 none False" "$RC $(json_get '"%s %s" % (j["protection"], j["contains_numbers"])' <<<"$OUT")"
expect_contains "and says so" "no encryption is needed" "$OUT"
check_fails "and holds no number" grep -qE '[0-9]{12}' "$T_WORK/masked.csv"
OUT=$("$MNSAFE" export acme --purpose withholding_slip --recipient x --route y --fields name,mynumber --out "$T_WORK/plain.csv" 2>&1); RC=$?
check "numbers without encryption are refused" [ "$RC" -ne 0 ]
check_fails "and no file is written" test -e "$T_WORK/plain.csv"
OUT=$("$MNSAFE" export acme --recipient 市役所 --route eLTAX --masked --encoding jis0208 --out "$T_WORK/j.csv" 2>&1); RC=$?
check "JIS X 0208 refuses 髙 (an IBM extension)" [ "$RC" -ne 0 ]
expect_contains "naming the character" "U+9AD9" "$OUT"
OUT=$("$MNSAFE" export acme --recipient 市役所 --route eLTAX --masked --encoding jis0208 --replace --out "$T_WORK/j.csv" 2>&1)
expect_eq "or replaces it with 〓, reported" "U+9AD9" "$(json_get 'j["replaced"][0]["code_point"]' <<<"$OUT")"
check "the file has 〓 where 髙 was" python3 -c "
t = open('$T_WORK/j.csv','rb').read().decode('shift_jis'); assert '〓橋, 一郎' in t"

# ---- 5. the take-out register, and the officer's approval -------------------------
L=$("$MNSAFE" register list acme takeouts)
expect_eq "every export wrote its take-out entry" 4 "$(json_get 'len(j["entries"])' <<<"$L")"
expect_eq "open until returned or erased" "True" "$(json_get 'all(e["open"] for e in j["entries"])' <<<"$L")"
expect_contains "with purpose and recipient" "withholding_slip（税務署）" "$L"
expect_contains "and the route" "e-Tax" "$L"
login officer1 "$OFFICER_PW"
check "the tenant wants approval of exports" "$MNSAFE" tenant policy acme --export-approval on
login clerk1 "$CLERK_PW"
OUT=$("$MNSAFE" export acme --purpose withholding_slip --recipient 税務署 --route e-Tax --persons "$P_YAMADA" --zip --out "$T_WORK/x.zip" 2>&1); RC=$?
check "now an export with numbers waits for approval" [ "$RC" -ne 0 ]
expect_contains "and says how" "export request" "$OUT"
REQ=$("$MNSAFE" export request acme --purpose withholding_slip --recipient 税務署 --route e-Tax --persons "$P_YAMADA" --zip --reason 年末調整 | json_get 'j["request_id"]')
check_fails "the clerk cannot approve" "$MNSAFE" export approve acme "$REQ"
login officer1 "$OFFICER_PW"
check "the officer approves" "$MNSAFE" export approve acme "$REQ"
expect_eq "a page of the list is asked for with before and limit" 200 "$(api GET "/api/v1/tenants/acme/export-requests?before=$((REQ + 1))&limit=1")"
expect_eq "and holds that request, the last one" "$REQ None" "$(json_get '" ".join(str(x) for x in [j["requests"][0]["id"], j["next_before"]])' <"$T_WORK/api.body")"
expect_eq "a malformed before is refused" 400 "$(api GET '/api/v1/tenants/acme/export-requests?before=x')"
expect_eq "the request list names it by id, with its time and the approver (the other request lists' names)" \
  "approved officer1 True" \
  "$("$MNSAFE" export requests acme | json_get "' '.join(str(x) for x in [[r['status'], r['decided_by'], r['requested_at_ms'] > 1.7e12] for r in j['requests'] if r['id'] == $REQ][0])")"
login clerk1 "$CLERK_PW"
check "the approved export runs" "$MNSAFE" export acme --request "$REQ" --out "$T_WORK/approved.zip"
check_fails "once" "$MNSAFE" export acme --request "$REQ" --out "$T_WORK/again.zip"

# the import list comes a page at a time, newest first, as the other lists
ALL=$("$MNSAFE" import list acme | json_get '" ".join(str(i["import_id"]) for i in j["imports"])')
check "several imports are listed" [ "$(wc -w <<<"$ALL")" -ge 3 ]
P1=$("$MNSAFE" import list acme --limit 2)
expect_eq "the first page holds the two newest, and where the next begins" \
  "$(cut -d' ' -f1-2 <<<"$ALL") $(cut -d' ' -f2 <<<"$ALL")" \
  "$(json_get '" ".join(str(x) for x in [i["import_id"] for i in j["imports"]] + [j["next_before"]])' <<<"$P1")"
P2=$("$MNSAFE" import list acme --limit 1000 --before "$(json_get 'j["next_before"]' <<<"$P1")")
expect_eq "the next page holds the rest, and no further page" "$(cut -d' ' -f3- <<<"$ALL") None" \
  "$(json_get '" ".join(str(x) for x in [i["import_id"] for i in j["imports"]] + [j["next_before"]])' <<<"$P2")"
expect_eq "a malformed before is refused" 400 "$(api GET '/api/v1/tenants/acme/imports?before=x')"

# ---- 6. audit, and no number in clear anywhere ---------------------------------------
login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "the import is one audited act with counts" audit_has "$T_WORK/audit.json" action=import.store "detail=persons=3 dependents=1 skipped_rows=14"
check "each export too" audit_has "$T_WORK/audit.json" action=export.create "detail=persons=1 dependents=1*"
check "audit verify" "$MNSAFE" audit verify >/dev/null
stop_daemon
check "no number in the data dir, temp dir, logs or CLI output" python3 - "$T_WORK/all-numbers" "$MNSAFE_DATA" "$TMPDIR" "$DAEMON_LOG" "$CLI_LOG" "$T_WORK/report.json" <<'PY'
import os, sys
nums = set(open(sys.argv[1]).read().split())
assert len(nums) > 30000
hits = []
import re
run = re.compile(rb"[0-9]{12,}")
def found(data):
    # every 12-digit window of every digit run, against the set: linear in the file
    for m in run.finditer(data):
        d = m.group().decode()
        for i in range(len(d) - 11):
            if d[i:i + 12] in nums:
                return d[i:i + 2]
    return None
def scan(path):
    f = found(open(path, "rb").read())
    if f:
        hits.append((path, f + "…"))
for p in sys.argv[2:]:
    if os.path.isdir(p):
        for root, _, files in os.walk(p):
            for f in files: scan(os.path.join(root, f))
    elif os.path.exists(p):
        scan(p)
# a positive control: the decrypted export does hold them
probe = open(os.path.join(os.path.dirname(sys.argv[1]), "out-age.csv"), "rb").read()
assert found(probe), "the scanner would miss a leak"
if hits: print(hits[:5]); sys.exit(1)
PY
finish
