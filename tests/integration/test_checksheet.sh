#!/usr/bin/env bash
# The check sheet through the daemon and the CLI: the sheet and its counts,
# an assessment with probes, a person's attestation, and the reports: JSON,
# CSV for Excel (UTF-8 BOM, CRLF, one row per item) and XCCDF 1.2, which
# `oscap xccdf validate` accepts and `oscap xccdf generate report` renders.
. "$(dirname "$0")/lib.sh"

command -v oscap >/dev/null || { fail "oscap is not installed (scripts/install-deps installs openscap-scanner)"; finish; }
init_dev || exit 1
OUT=$("$MNSAFE" serve --dev --checksheet /nonexistent.json 2>&1); RC=$?
expect_eq "a missing check sheet stops serve" 1 "$RC"
expect_contains "naming it" "/nonexistent.json" "$OUT"
start_daemon --dev --require-mfa clerk || exit 1
setup_tenant || exit 1

login auditor1 "$AUDITOR_PW"
COUNTS=$("$MNSAFE" checksheet counts)
expect_eq "172 items on the sheet" 172 "$(json_get 'j["total"]["minimum"] + j["total"]["optional"]' <<<"$COUNTS")"
expect_eq "91 of them minimum" 91 "$(json_get 'j["total"]["minimum"]' <<<"$COUNTS")"
SHOW=$("$MNSAFE" checksheet show)
expect_contains "the sheet in Japanese" "IDの同時使用（使い回し）を禁止する。" "$SHOW"
expect_contains "and in English" "translation" "$(json_get 'j["source"]["english"]' <<<"$SHOW")"

login officer1 "$OFFICER_PW"
A=$("$MNSAFE" checksheet assess acme --title "2026年度 定期点検")
ID=$(json_get 'j["assessment"]["id"]' <<<"$A")
check "an assessment starts" [ -n "$ID" ]
expect_eq "the MFA item decided by its probe" satisfied "$(json_get 'j["results"]["F-b-1-opt-1"]["status"]' <<<"$A")"
expect_contains "naming the setting read" "require-mfa" "$(json_get 'j["results"]["F-b-1-opt-1"]["probe_detail"]' <<<"$A")"
expect_eq "HTTPS decided by its probe" satisfied "$(json_get 'j["results"]["F-d-1-min-1"]["status"]' <<<"$A")"
check "an officer attests an item" "$MNSAFE" checksheet set "$ID" C-a-min-2 --status satisfied \
  --evidence-note "規程 第3条" --owner "総務部長"
check "and records a gap with owner and date" "$MNSAFE" checksheet set "$ID" C-a-min-3 --status not_satisfied \
  --owner "情報システム課" --due 2027-03-31
OUT=$("$MNSAFE" checksheet set "$ID" C-a-min-4 --status not_applicable 2>&1); RC=$?
check "not applicable without a reason is refused" [ "$RC" -ne 0 ]
expect_contains "saying which field" "reason" "$OUT"
OUT=$("$MNSAFE" checksheet set "$ID" F-b-1-min-3 --status not_satisfied 2>&1); RC=$?
check "a probe's item is not a person's to change" [ "$RC" -ne 0 ]

REP=$("$MNSAFE" checksheet report "$ID")
expect_eq "the JSON report counts the attested items" 1 \
  "$(json_get 'j["summary"]["C-a"]["minimum"]["satisfied"]' <<<"$REP")"
expect_eq "the gap list starts with a minimum item" minimum "$(json_get 'j["gaps"][0]["level"]' <<<"$REP")"
expect_contains "the gap keeps its owner" "情報システム課" "$(json_get '[g for g in j["gaps"] if g["item"] == "C-a-min-3"][0]["owner"]' <<<"$REP")"

"$MNSAFE" checksheet report "$ID" --format csv --out "$T_WORK/report.csv"
expect_eq "CSV starts with the UTF-8 BOM" "efbbbf" "$(head -c 3 "$T_WORK/report.csv" | od -An -tx1 | tr -d ' \n')"
expect_eq "one CRLF row per item plus the header" 173 "$(grep -c $'\r$' "$T_WORK/report.csv")"
check "Python's csv reads it" python3 -c "
import csv,sys
rows=list(csv.reader(open('$T_WORK/report.csv',encoding='utf-8-sig',newline='')))
assert rows[0][0]=='ID' and len(rows)==173 and all(len(r)==12 for r in rows), rows[:2]
assert [r for r in rows if r[0]=='C-a-min-2'][0][5]=='satisfied'"

"$MNSAFE" checksheet report "$ID" --format xccdf --out "$T_WORK/report.xml"
check "oscap validates the XCCDF 1.2" oscap xccdf validate "$T_WORK/report.xml"
check "oscap renders its HTML report" oscap xccdf generate report --output "$T_WORK/report.html" "$T_WORK/report.xml"
check "the report shows a passed rule" grep -q "C-a-min-2" "$T_WORK/report.html"
expect_eq "the rules are all there" 172 "$(grep -c '<Rule ' "$T_WORK/report.xml")"

login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "the assessment is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=assessment.create result=ok
check "the attestation too" audit_has "$T_WORK/audit.json" actor=officer1 action=assessment.attest result=ok "detail=item:C-a-min-2*"
finish
