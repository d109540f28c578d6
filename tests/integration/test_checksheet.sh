#!/usr/bin/env bash
# The check sheet through the daemon and the CLI: the sheet and its counts,
# an assessment with probes, a person's attestation, and the reports: JSON,
# CSV for Excel (UTF-8 BOM, CRLF, one row per item), XCCDF 1.2, which
# `oscap xccdf validate` accepts and `oscap xccdf generate report` renders,
# OSCAL 1.0.6 catalog, assessment-results and POA&M, valid against NIST's
# schemas (ajv, draft-07, with ajv-formats), and the HTML page, whose scores
# match the JSON report.
. "$(dirname "$0")/lib.sh"

command -v oscap >/dev/null || { fail "oscap is not installed (scripts/install-deps installs openscap-scanner)"; finish; }
AJV="$MNS_TESTS_DIR/../tools/npm/node_modules/.bin/ajv"
[ -x "$AJV" ] || { fail "ajv is not installed (scripts/install-deps installs tools/npm)"; finish; }
SCHEMAS="$MNS_TESTS_DIR/data/oscal-1.0.6"
ajv_valid() { # SCHEMA FILE
  "$AJV" validate --spec=draft7 --strict=false -c ajv-formats -s "$SCHEMAS/oscal_$1_schema_1.0.6.json" -d "$2" >"$T_WORK/ajv.out" 2>&1 ||
    { head -c 2000 "$T_WORK/ajv.out"; return 1; }
}
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

# the check boxes inside an item, and a file as evidence (kept encrypted)
check "an item's check boxes are ticked" "$MNSAFE" checksheet set "$ID" C-b-opt-1 --status partly \
  --parts C-b-opt-1-p1,C-b-opt-1-p2,C-b-opt-1-p6 --reason "返却日時の記録なし"
OUT=$("$MNSAFE" checksheet set "$ID" C-b-opt-1 --status partly --parts C-b-opt-1-p9 2>&1); RC=$?
check "a box the item does not have is refused" [ "$RC" -ne 0 ]
expect_contains "naming it" "parts[0]" "$OUT"
MARK="EVIDENCE-MARKER-$$-規程第3条"
printf '%s\n' "$MARK" >"$T_WORK/rules.txt"
EV=$("$MNSAFE" checksheet evidence "$ID" C-a-min-2 "$T_WORK/rules.txt")
EVID=$(json_get 'j["id"]' <<<"$EV")
expect_eq "the upload records the file's SHA-256" "$(sha256sum "$T_WORK/rules.txt" | cut -d' ' -f1)" \
  "$(json_get 'j["sha256"]' <<<"$EV")"
check_fails "the evidence is not stored in clear" grep -rqa "EVIDENCE-MARKER-$$" "$MNSAFE_DATA"
printf 'MZ\x90\x00' >"$T_WORK/tool.exe"
OUT=$("$MNSAFE" checksheet evidence "$ID" C-a-min-2 "$T_WORK/tool.exe" --type application/x-msdownload 2>&1); RC=$?
check "a program is refused as evidence" [ "$RC" -ne 0 ]
expect_contains "saying which field" "content_type" "$OUT"
login auditor1 "$AUDITOR_PW"
check "an auditor reads the evidence back" "$MNSAFE" checksheet evidence-get "$EVID" --out "$T_WORK/back.txt"
check "byte for byte" cmp "$T_WORK/rules.txt" "$T_WORK/back.txt"
G=$("$MNSAFE" checksheet get "$ID")
expect_eq "the item lists its evidence file" rules.txt "$(json_get 'j["results"]["C-a-min-2"]["evidence_files"][0]["filename"]' <<<"$G")"
expect_eq "and its ticked boxes" 3 "$(json_get 'len(j["results"]["C-b-opt-1"]["parts"])' <<<"$G")"
login officer1 "$OFFICER_PW"

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

# OSCAL, checked by ajv against the official schemas
"$MNSAFE" checksheet export --format oscal-catalog --out "$T_WORK/catalog.json"
check "the OSCAL catalog is valid" ajv_valid catalog "$T_WORK/catalog.json"
expect_eq "with a control per item" 172 \
  "$(python3 -c "import json
def n(g): return len(g.get('controls',[]))+sum(n(x) for x in g.get('groups',[]))
print(sum(n(g) for g in json.load(open('$T_WORK/catalog.json'))['catalog']['groups']))")"
"$MNSAFE" checksheet export "$ID" --format oscal-results --out "$T_WORK/results.json"
check "the OSCAL assessment-results are valid" ajv_valid assessment-results "$T_WORK/results.json"
expect_contains "a finding for the attested item" '"target-id": "C-a-min-2"' "$(python3 -m json.tool "$T_WORK/results.json")"
"$MNSAFE" checksheet export "$ID" --format oscal-poam --out "$T_WORK/poam.json"
check "the OSCAL POA&M is valid" ajv_valid poam "$T_WORK/poam.json"
expect_contains "the gap with its due date" "2027-03-31" "$(cat "$T_WORK/poam.json")"
echo '{"catalog":{"uuid":"not-a-uuid","metadata":{}}}' >"$T_WORK/bad.json"
check_fails "and the check can fail (a broken catalog is refused)" ajv_valid catalog "$T_WORK/bad.json"
"$MNSAFE" checksheet export --format xccdf --out "$T_WORK/benchmark.xml"
check "the sheet alone as XCCDF validates too" oscap xccdf validate "$T_WORK/benchmark.xml"

# the HTML page: Japanese, self-contained, scores as in the JSON report
"$MNSAFE" checksheet report "$ID" --format html --out "$T_WORK/report.html"
"$MNSAFE" checksheet report "$ID" --out "$T_WORK/report.json"
check "the HTML page matches the JSON report" python3 - "$T_WORK/report.html" "$T_WORK/report.json" <<'PY'
import json, sys
from html.parser import HTMLParser
page = open(sys.argv[1], encoding="utf-8").read()
rep = json.load(open(sys.argv[2]))
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.cells = {}; self.lang = None; self.items = 0; self.tags = set()
    def handle_starttag(self, tag, attrs):
        a = dict(attrs); self.tags.add(tag)
        if tag == "html": self.lang = a.get("lang")
        if "data-key" in a: self.cells[a["data-key"]] = a["data-value"]
        if tag == "tr" and "data-status" in a: self.items += 1
p = P(); p.feed(page)
assert p.lang == "ja", p.lang
assert "最低限取るべき措置" in page and "IDの同時使用" in page
assert not ({"script", "link", "img", "iframe"} & p.tags), p.tags   # self-contained
assert p.items == rep["items"] == 172, p.items
n = 0
for key, scopes in rep["summary"].items():
    for scope, t in scopes.items():
        for m in ("score", "coverage"):
            got = p.cells[f"{key}.{scope}.{m}"]
            want = "" if t[m] is None else f"{t[m]:.4f}"
            assert got == want, (key, scope, m, got, want); n += 1
assert n == (1 + 4 + 15) * 3 * 2, n   # all, categories, sections
PY
"$MNSAFE" checksheet report "$ID" --format html-en --out "$T_WORK/report-en.html"
check "and in English" grep -q '<html lang="en">' "$T_WORK/report-en.html"

# a second assessment: the trend shows both, oldest first
check "a second assessment" "$MNSAFE" checksheet assess acme --title "2027年度"
T=$("$MNSAFE" checksheet trend acme)
expect_eq "the trend has both" "2026年度 定期点検,2027年度" "$(json_get '",".join(e["title"] for e in j["trend"])' <<<"$T")"
expect_eq "with the first one's coverage as in its report" \
  "$(json_get 'round(j["summary"]["all"]["all"]["coverage"], 6)' <"$T_WORK/report.json")" \
  "$(json_get 'round(j["trend"][0]["all"]["coverage"], 6)' <<<"$T")"

login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "the evidence upload is audited with its hash" audit_has "$T_WORK/audit.json" actor=officer1 \
  action=assessment.evidence_add result=ok "detail=item:C-a-min-2; evidence:$EVID; sha256:*"
check "and reading it" audit_has "$T_WORK/audit.json" actor=auditor1 action=assessment.evidence_read result=ok
check "the assessment is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=assessment.create result=ok
check "the attestation too" audit_has "$T_WORK/audit.json" actor=officer1 action=assessment.attest result=ok "detail=item:C-a-min-2*"
finish
