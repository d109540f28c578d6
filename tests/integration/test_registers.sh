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
login auditor1 "$AUDITOR_PW"
for r in takeouts pledges training ledger_reviews; do
  expect_not_contains "no number in the $r register" "$NUM" "$("$MNSAFE" register list acme $r)"
done
expect_not_contains "nor in the ledger" "$NUM" "$("$MNSAFE" ledger acme)"
finish
