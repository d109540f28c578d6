#!/usr/bin/env bash
# Retention through the daemon and the CLI: an end of need gives the legal
# date from the person's purposes; the due list shows it; a legal hold stops
# the deletion; `retention delete` crypto-shreds what is due and writes the
# disposal register; paper destroyed by a contractor is entered by hand; the
# deletion certificate (HTML, Japanese) lists both and never a number.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
OUT=$("$MNSAFE" serve --dev --retention /nonexistent.json 2>&1); RC=$?
expect_eq "missing retention rules stop serve" 1 "$RC"
start_daemon --dev || exit 1
setup_tenant || exit 1

login clerk1 "$CLERK_PW"
N1=$(valid_mynumber 71000000001); N2=$(valid_mynumber 71000000002); N3=$(valid_mynumber 71000000003)
printf '%s\n' "$N1" | "$MNSAFE" person add acme --name "退職 一郎" --purpose health_pension >/dev/null
printf '%s\n' "$N2" | "$MNSAFE" person add acme --name "係争 二郎" --purpose health_pension >/dev/null
printf '%s\n' "$N3" | "$MNSAFE" person add acme --name "在職 三郎" --purpose dependent_deduction,health_pension >/dev/null
IDS=$("$MNSAFE" person list acme)
P1=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "退職 一郎"][0]' <<<"$IDS")
P2=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "係争 二郎"][0]' <<<"$IDS")
P3=$(json_get '[p["id"] for p in j["persons"] if p["name"] == "在職 三郎"][0]' <<<"$IDS")

RULES=$("$MNSAFE" retention rules)
expect_contains "the rules name their legal basis" "所得税法施行規則76条の3" "$RULES"
E=$("$MNSAFE" retention end acme "$P3" --on 2025-06-30 --reason retirement)
expect_eq "the declaration rule gives 2033-01-11" 2033-01-11 "$(json_get 'j["legal_on"]' <<<"$E")"
check "an end of need taken back (rehired)" "$MNSAFE" retention cancel acme "$P3"
check "retirement in 2010" "$MNSAFE" retention end acme "$P1" --on 2010-03-31 --reason retirement
check "and another" "$MNSAFE" retention end acme "$P2" --on 2010-03-31 --reason retirement
OUT=$("$MNSAFE" retention end acme "$P1" --on 2010-02-30 --reason retirement 2>&1); RC=$?
check "an impossible date is refused" [ "$RC" -ne 0 ]
expect_contains "naming the field" "ended_on" "$OUT"

login officer1 "$OFFICER_PW"
DUE=$("$MNSAFE" retention due acme)
expect_eq "two persons are due" 2 "$(json_get 'len([p for p in j["persons"] if p["due"]])' <<<"$DUE")"
expect_eq "from 2012-04-01 (2 years after the end, health insurance)" 2012-04-01 \
  "$(json_get '[p["legal_on"] for p in j["persons"] if p["id"] == '"$P1"'][0]' <<<"$DUE")"
expect_not_contains "the due list holds no number" "$N1" "$DUE"
check "a legal hold on one" "$MNSAFE" retention hold acme "$P2" --reason "訴訟のため保存"
D=$("$MNSAFE" retention delete acme)
expect_eq "the due person is deleted" "[$P1]" "$(json_get 'json.dumps(j["deleted"])' <<<"$D")"
expect_eq "the held one is kept" "[$P2]" "$(json_get 'json.dumps(j["held"])' <<<"$D")"
check "the hold lifted" "$MNSAFE" retention unhold acme "$P2"
D=$("$MNSAFE" retention delete acme)
expect_eq "and the next run takes it" "[$P2]" "$(json_get 'json.dumps(j["deleted"])' <<<"$D")"
login clerk1 "$CLERK_PW"
check_fails "the deleted number cannot be revealed" "$MNSAFE" person reveal acme "$P1" --purpose health_pension
check "the employed one still can" "$MNSAFE" person reveal acme "$P3" --purpose health_pension

login officer1 "$OFFICER_PW"
printf 'certificate of dissolution' >"$T_WORK/cert.pdf"
check "paper destroyed by a contractor, entered by hand" "$MNSAFE" disposal add acme --kind "扶養控除等申告書（2016年分）" \
  --on 2025-01-20 --method "contractor: 溶解処理" --contractor "株式会社リサイクル" --certificate "$T_WORK/cert.pdf" --persons 40
OUT=$("$MNSAFE" disposal add acme --kind "x" --on 2025-01-20 --method "burned it" 2>&1); RC=$?
check "an unknown method is refused" [ "$RC" -ne 0 ]
REG=$("$MNSAFE" disposal list acme)
expect_eq "three register entries (two deletions, one by hand)" 3 "$(json_get 'len(j["entries"])' <<<"$REG")"
expect_eq "the certificate's hash is kept" "$(sha256sum "$T_WORK/cert.pdf" | cut -d' ' -f1)" \
  "$(json_get '[e["certificate_sha256"] for e in j["entries"] if e["source"] == "manual"][0]' <<<"$REG")"
ENTRY=$(json_get '[e["id"] for e in j["entries"] if e["source"] == "manual"][0]' <<<"$REG")
check "the contractor's certificate comes back" "$MNSAFE" disposal certificate acme "$ENTRY" --out "$T_WORK/cert-back.pdf"
check "byte for byte" cmp "$T_WORK/cert.pdf" "$T_WORK/cert-back.pdf"
check_fails "and is not stored in clear" grep -rqa "certificate of dissolution" "$MNSAFE_DATA"
"$MNSAFE" disposal list acme --from 2025-01-01 --format html --out "$T_WORK/certificate.html"
check "the deletion certificate is HTML in Japanese" grep -q '<html lang="ja">' "$T_WORK/certificate.html"
expect_contains "titled as such" "削除・廃棄証明書" "$(cat "$T_WORK/certificate.html")"
expect_contains "with the persons counted" '<span id="persons">42</span>' "$(cat "$T_WORK/certificate.html")"
for n in "$N1" "$N2" "$N3"; do
  expect_not_contains "no number in the certificate" "$n" "$(cat "$T_WORK/certificate.html")"
  check_fails "nor anywhere in the data directory" grep -rqa "$n" "$MNSAFE_DATA"
done

login auditor1 "$AUDITOR_PW"
PROBES=$("$MNSAFE" checksheet probes)
expect_eq "the retention probe: nothing past its date" satisfied "$(json_get 'j["E-d-min-4"]["status"]' <<<"$PROBES")"
audit_dump "$T_WORK/audit.json"
check "the batch deletion is audited" audit_has "$T_WORK/audit.json" actor=officer1 action=retention.delete result=ok
check "each person in it too" audit_has "$T_WORK/audit.json" actor=officer1 action=person.delete "subject=person:$P1"
check "the hold" audit_has "$T_WORK/audit.json" actor=officer1 action=retention.hold result=ok
finish
