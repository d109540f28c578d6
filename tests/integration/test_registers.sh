#!/usr/bin/env bash
# Registers through the CLI: a clerk records a take-out with the sheet's
# seven fields and closes it; the ledger of SPI files shows who has access
# from the live assignments; a tenant requiring a pledge and training
# refuses a clerk's assignment until both are on record; no register output
# holds a stored number.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
login clerk1 "$CLERK_PW"
NUM=$(valid_mynumber 93000000001)
printf '%s\n' "$NUM" | "$MNSAFE" person add acme --name "台帳 花子" --purpose withholding_slip >/dev/null
T=$("$MNSAFE" register add acme takeouts --taken_at 2026-01-15T10:00 --by 山田 --taken_data "源泉徴収票（紙）" \
  --purpose_recipient "税務署" --route "手渡し")
TID=$(json_get 'j["id"]' <<<"$T")
expect_eq "the take-out is open and overdue" "True True" \
  "$("$MNSAFE" register list acme takeouts | json_get '"%s %s" % (j["entries"][0]["open"], j["entries"][0]["overdue"])')"
OUT=$("$MNSAFE" register add acme takeouts --taken_at yesterday --by 山田 --taken_data x --purpose_recipient y --route z 2>&1); RC=$?
check "a malformed time is refused" [ "$RC" -ne 0 ]
expect_contains "naming the field" "taken_at" "$OUT"
check "returned" "$MNSAFE" register update acme takeouts "$TID" --returned_at 2026-01-15T16:00
expect_eq "and closed" False "$("$MNSAFE" register list acme takeouts | json_get 'j["entries"][0]["open"]')"

login officer1 "$OFFICER_PW"
L=$("$MNSAFE" ledger acme)
expect_eq "the ledger shows the assigned clerk" clerk1 "$(json_get 'j["files"][0]["access"][0]' <<<"$L")"
expect_eq "a review is due" True "$(json_get 'j["review_due"]' <<<"$L")"
check "the review recorded" "$MNSAFE" ledger review acme --note "台帳とアクセス権を確認"
expect_eq "no longer due" False "$("$MNSAFE" ledger acme | json_get 'j["review_due"]')"

check "the tenant requires pledge and training" "$MNSAFE" tenant policy acme --require-pledge-training on
login admin "$ADMIN_PW"
OUT=$("$MNSAFE" user assign clerk2 acme 2>&1); RC=$?
check "a clerk without them is not assigned" [ "$RC" -ne 0 ]
expect_contains "and told why" "pledge" "$OUT"
login officer1 "$OFFICER_PW"
check "the pledge" "$MNSAFE" register add acme pledges --user clerk2 --person "第二 担当" --signed_on 2026-04-01 \
  --valid_years_after_leaving 5
check "the training" "$MNSAFE" register add acme training --title 番号法研修 --held_on 2026-04-10 \
  --content 取扱規程 --attendees clerk2 --next_due 2099-04-10
login admin "$ADMIN_PW"
check "now the clerk is assigned" "$MNSAFE" user assign clerk2 acme
# the other registers, and the exports every register has
login officer1 "$OFFICER_PW"
check "a contractor with its selection criteria" "$MNSAFE" register add acme contractors --name "株式会社給与計算" \
  --work "給与計算" --selected_on 2026-03-01 --same_level_measures true --certification "Pマーク" --subcontracting "なし"
check "an entry log line" "$MNSAFE" register add acme entry_logs --area "人事部書庫" --area_kind "管理区域" \
  --person "山田" --entered_at 2026-11-02T09:00 --left_at 2026-11-02T09:20
check "an inspection" "$MNSAFE" register add acme inspections --kind "自己点検" --planned_on 2026-12-01 --scope "全般"
"$MNSAFE" register list acme takeouts --format csv --out "$T_WORK/takeouts.csv"
expect_eq "CSV in UTF-8 with a BOM" efbbbf "$(head -c 3 "$T_WORK/takeouts.csv" | od -An -tx1 | tr -d ' \n')"
"$MNSAFE" register list acme takeouts --format csv-sjis --out "$T_WORK/takeouts-sjis.csv"
check "and in Shift_JIS, with the sheet's Japanese headers" python3 -c "
import csv, io
rows = list(csv.reader(io.StringIO(open('$T_WORK/takeouts-sjis.csv', 'rb').read().decode('cp932'), newline='')))
assert len(rows) > 1 and rows[0][3] == '持ち出しデータ' and rows[1][2] == '山田', rows"
check "a character Shift_JIS lacks" "$MNSAFE" register add acme takeouts --taken_at 2026-11-20T10:00 --by "𠮷田" \
  --taken_data "控え" --purpose_recipient "年金事務所" --route "郵送"
OUT=$("$MNSAFE" register list acme takeouts --format csv-sjis --out "$T_WORK/x.csv" 2>&1); RC=$?
check "makes the Shift_JIS export fail" [ "$RC" -ne 0 ]
expect_contains "naming the row and field" "row 2, by" "$OUT"
"$MNSAFE" register list acme contractors --format html --out "$T_WORK/contractors.html"
check "a printable Japanese page" grep -q '<html lang="ja">' "$T_WORK/contractors.html"
expect_contains "with the entry" "株式会社給与計算" "$(cat "$T_WORK/contractors.html")"

# an IC-card system's entry log, in Shift_JIS, imported; a bad row stores nothing
python3 - "$T_WORK/card.csv" "$T_WORK/card-bad.csv" <<'PY'
import sys
rows = ["区域,区域の種別,入室者,入室日時,退室日時", "人事部書庫,管理区域,山田,2026/11/02 09:00,2026/11/02 09:20",
        "人事部書庫,管理区域,佐藤,2026/11/03 13:05:10,"]
open(sys.argv[1], "wb").write(("\r\n".join(rows) + "\r\n").encode("cp932"))
open(sys.argv[2], "wb").write(("\r\n".join(rows + ["人事部書庫,管理区域,鈴木,きのう,"]) + "\r\n").encode("cp932"))
PY
OUT=$("$MNSAFE" register import acme entry_logs "$T_WORK/card-bad.csv" 2>&1); RC=$?
check "a file with a bad row is refused" [ "$RC" -ne 0 ]
expect_contains "naming the row and field" "row 4: entered_at" "$OUT"
expect_eq "and stores nothing" 1 "$("$MNSAFE" register list acme entry_logs | json_get 'len(j["entries"])')"
check "the card system's file imports" "$MNSAFE" register import acme entry_logs "$T_WORK/card.csv"
E=$("$MNSAFE" register list acme entry_logs)
expect_eq "three entries now" 3 "$(json_get 'len(j["entries"])' <<<"$E")"
expect_eq "times normalised" 2026-11-03T13:05 "$(json_get 'j["entries"][2]["entered_at"]' <<<"$E")"

# an incident: reportable (more than 100 persons), its deadlines, the draft
I=$("$MNSAFE" register add acme incidents --title "源泉徴収票の誤送付" --known_on 2026-11-27 \
  --facts "封入ミスにより他人の源泉徴収票を送付" --persons 150 --wrongful_purpose false --public_exposure false \
  --strong_encryption false)
IID=$(json_get 'j["id"]' <<<"$I")
INC=$("$MNSAFE" register list acme incidents)
expect_eq "the incident must be reported to the PPC" True "$(json_get 'j["entries"][0]["ppc"]["reportable"]' <<<"$INC")"
expect_eq "the final report by Monday 28 December (day 30 is a Saturday)" 2026-12-28 \
  "$(json_get 'j["entries"][0]["ppc"]["final_due"]' <<<"$INC")"
expect_eq "the incident trend counts the month" "1 150" \
  "$(json_get '"%d %d" % (j["trend"]["2026-11"]["incidents"], j["trend"]["2026-11"]["persons"])' <<<"$INC")"
"$MNSAFE" register draft acme "$IID" --final --out "$T_WORK/final.txt"
expect_contains "the draft has the form's headings" "再発防止のための措置" "$(cat "$T_WORK/final.txt")"
expect_contains "and the count" "150人" "$(cat "$T_WORK/final.txt")"

# two masked listings: usage records too, so that the range has several
login clerk1 "$CLERK_PW"
"$MNSAFE" person list acme >/dev/null && "$MNSAFE" person list acme >/dev/null
login auditor1 "$AUDITOR_PW"
U=$("$MNSAFE" usage acme --file employees)
expect_eq "the usage record shows who collected the number" clerk1 \
  "$(json_get '[r["actor"] for r in j["records"] if r["action"] == "person.create"][0]' <<<"$U")"
expect_not_contains "and no number" "$NUM" "$U"
"$MNSAFE" usage acme --format csv-sjis --out "$T_WORK/usage.csv"
check "the usage records as Shift_JIS CSV" python3 -c "
rows = open('$T_WORK/usage.csv', 'rb').read().decode('cp932').splitlines()
assert rows[0].startswith('\"ID\",\"日時\",\"利用者\"') and len(rows) > 1, rows[:2]"
expect_eq "in JSON the records come a page at a time" 200 "$(api GET '/api/v1/tenants/acme/usage?limit=1')"
expect_eq "one record and where the next page starts" "1 True" \
  "$(json_get '" ".join(str(x) for x in [len(j["records"]), j["next_before"] == j["records"][0]["seq"]])' <"$T_WORK/api.body")"
ALL=$(api GET '/api/v1/tenants/acme/usage?limit=1000' >/dev/null; json_get 'len(j["records"])' <"$T_WORK/api.body")
U1=$("$MNSAFE" usage acme --limit 1)
U2=$("$MNSAFE" usage acme --limit 1 --before "$(json_get 'j["next_before"]' <<<"$U1")")
expect_eq "the CLI pages too (--limit, --before): the second page holds an older record" True \
  "$(python3 -c 'import json,sys; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); print(len(a["records"]) == 1 and b["records"][0]["seq"] < a["records"][0]["seq"])' "$U1" "$U2")"
check_fails "a --limit that is not a number is refused" "$MNSAFE" usage acme --limit many
check "the CSV holds every record of the range, not a page" python3 -c "
rows = open('$T_WORK/usage.csv', 'rb').read().decode('cp932').splitlines()
assert len(rows) - 1 == $ALL and $ALL > 1, (len(rows), $ALL)"
"$MNSAFE" ledger acme --format html --out "$T_WORK/ledger.html"
expect_contains "the ledger as a printable page" "特定個人情報ファイル台帳" "$(cat "$T_WORK/ledger.html")"
expect_contains "with the access holders" "clerk1" "$(cat "$T_WORK/ledger.html")"
"$MNSAFE" ledger acme --format csv --out "$T_WORK/ledger.csv"
expect_not_contains "no number in the ledger CSV" "$NUM" "$(cat "$T_WORK/ledger.csv")"
for r in takeouts pledges training ledger_reviews contractors entry_logs inspections incidents; do
  expect_not_contains "no number in the $r register" "$NUM" "$("$MNSAFE" register list acme $r)"
done
expect_not_contains "nor in the ledger" "$NUM" "$("$MNSAFE" ledger acme)"
finish
