#!/usr/bin/env bash
# Correcting a person (PUT /tenants/{code}/persons/{id}): names, kana, birth
# date, employee code (null clears), the purposes (the ledger's counts
# follow), and the number itself, reissued after a leak: sealed again, found
# by the new number and no longer by the old. A refused change (a number
# already registered, a dependent's number, a wrong check digit, an unknown
# field, another clerk) changes nothing. A dependent is corrected the same
# way (its number may be neither the person's nor another dependent's). The audit entry names the fields,
# never the values; no number in clear anywhere.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
N1=$(valid_mynumber 43000000001); N2=$(valid_mynumber 43000000002)
NEW=$(valid_mynumber 43000000003); DEP=$(valid_mynumber 43000000004)
BAD="${NEW:0:11}$(( (${NEW:11:1} + 1) % 10 ))"

login clerk1 "$CLERK_PW"
api POST /api/v1/tenants/acme/persons "{\"persons\":[{\"name\":\"修正 前\",\"employee_code\":\"E-1\",\"mynumber\":\"$N1\",\"purposes\":[\"withholding_slip\"],\"dependents\":[{\"name\":\"修正 子\",\"relationship\":\"子\",\"mynumber\":\"$DEP\"}]},{\"name\":\"別 人\",\"mynumber\":\"$N2\",\"purposes\":[\"withholding_slip\"]}]}" >/dev/null
P1=$(json_get 'j["created"][0]' <"$T_WORK/api.body")
uses() { db_query "SELECT persons FROM purpose_use WHERE purpose_code = '$1'"; }
expect_eq "two persons use withholding_slip" 2 "$(uses withholding_slip)"

ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"name":"修正 後","name_kana":"シュウセイ アト","birth_date":"1980-02-29","employee_code":null}')
expect_eq "names, kana, birth date changed and the code cleared" 200 "$ST"
expect_eq "the answer names what changed" "birth_date,employee_code,name,name_kana" "$(json_get '",".join(sorted(j["updated"]))' <"$T_WORK/api.body")"
api GET "/api/v1/tenants/acme/persons/$P1" >/dev/null
expect_eq "the person reads back changed" "修正 後|シュウセイ アト|1980-02-29|None" \
  "$(json_get '"|".join(str(j.get(k)) for k in ["name","name_kana","birth_date","employee_code"])' <"$T_WORK/api.body")"
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"birth_date":"1981-02-29"}')
expect_eq "an impossible date is refused" 400 "$ST"
expect_contains "naming the field" birth_date "$(cat "$T_WORK/api.body")"

ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"purposes":["health_pension","dependent_deduction"]}')
expect_eq "the purposes are replaced" 200 "$ST"
api GET "/api/v1/tenants/acme/persons/$P1" >/dev/null
expect_eq "to the new list" "dependent_deduction,health_pension" "$(json_get '",".join(sorted(j["purposes"]))' <"$T_WORK/api.body")"
expect_eq "the ledger's count of the old purpose went down" 1 "$(uses withholding_slip)"
expect_eq "and the new ones up" "1|1" "$(uses health_pension)|$(uses dependent_deduction)"
expect_eq "an unknown purpose is refused" 400 "$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"purposes":["nope"]}')"

# the number, reissued
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" "{\"name\":\"取り消される\",\"mynumber\":\"$N2\"}")
expect_eq "another person's number is refused" 409 "$ST"
expect_not_contains "without echoing it" "$N2" "$(cat "$T_WORK/api.body")"
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" "{\"mynumber\":\"$DEP\"}")
expect_eq "so is a dependent's" 400 "$ST"
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" "{\"mynumber\":\"$BAD\"}")
expect_eq "and a wrong check digit" 400 "$ST"
expect_not_contains "never echoed" "$BAD" "$(cat "$T_WORK/api.body")"
api GET "/api/v1/tenants/acme/persons/$P1" >/dev/null
expect_eq "the refused changes changed nothing (not even the name sent with them)" "修正 後" "$(json_get 'j["name"]' <"$T_WORK/api.body")"
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1" "{\"mynumber\":\"${NEW:0:4}-${NEW:4:4}-${NEW:8:4}\"}")
expect_eq "the reissued number is stored" 200 "$ST"
api POST "/api/v1/tenants/acme/persons/$P1/reveal" '{"purpose":"health_pension"}' >/dev/null
expect_eq "it reveals" "$NEW" "$(json_get 'j["mynumber"]' <"$T_WORK/api.body")"
expect_eq "with the dependent's unchanged" "$DEP" "$(json_get 'j["dependents"][0]["mynumber"]' <"$T_WORK/api.body")"
api POST /api/v1/tenants/acme/persons/search "{\"mynumber\":\"$NEW\"}" >/dev/null
expect_eq "it is found by the new number" "$P1" "$(json_get '",".join(str(p["id"]) for p in j["persons"])' <"$T_WORK/api.body")"
api POST /api/v1/tenants/acme/persons/search "{\"mynumber\":\"$N1\"}" >/dev/null
expect_eq "and not by the old" 0 "$(json_get 'len(j["persons"])' <"$T_WORK/api.body")"

# a dependent, corrected
DEP2=$(valid_mynumber 43000000005)
api GET "/api/v1/tenants/acme/persons/$P1" >/dev/null
D1=$(json_get 'j["dependents"][0]["id"]' <"$T_WORK/api.body")
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1/dependents/$D1" '{"name":"修正 孫","relationship":"孫","name_kana":"シュウセイ マゴ","birth_date":"2015-05-05"}')
expect_eq "a dependent's names, relationship and birth date are corrected" 200 "$ST"
api GET "/api/v1/tenants/acme/persons/$P1" >/dev/null
expect_eq "and read back" "修正 孫|孫|シュウセイ マゴ|2015-05-05" \
  "$(json_get '"|".join(str(j["dependents"][0].get(k)) for k in ["name","relationship","name_kana","birth_date"])' <"$T_WORK/api.body")"
expect_eq "the person's own number is refused for a dependent" 400 \
  "$(api PUT "/api/v1/tenants/acme/persons/$P1/dependents/$D1" "{\"mynumber\":\"$NEW\"}")"
expect_eq "a wrong check digit too" 400 "$(api PUT "/api/v1/tenants/acme/persons/$P1/dependents/$D1" "{\"mynumber\":\"$BAD\"}")"
expect_eq "a dependent of another person is not found here" 404 \
  "$(api PUT "/api/v1/tenants/acme/persons/$P1/dependents/999999" '{"name":"x"}')"
ST=$(api PUT "/api/v1/tenants/acme/persons/$P1/dependents/$D1" "{\"mynumber\":\"$DEP2\"}")
expect_eq "the dependent's reissued number is stored" 200 "$ST"
api POST "/api/v1/tenants/acme/persons/$P1/reveal" '{"purpose":"health_pension"}' >/dev/null
expect_eq "it reveals with the person's" "$NEW|$DEP2" "$(json_get 'j["mynumber"] + "|" + j["dependents"][0]["mynumber"]' <"$T_WORK/api.body")"
api POST /api/v1/tenants/acme/persons/search "{\"mynumber\":\"$DEP2\"}" >/dev/null
expect_contains "the search by number finds it" "$P1" "$(cat "$T_WORK/api.body")"

expect_eq "an unknown field is refused" 400 "$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"kind":"payee"}')"
expect_eq "an empty change is refused" 400 "$(api PUT "/api/v1/tenants/acme/persons/$P1" '{}')"
expect_eq "a broken body is refused" 400 "$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"name": ')"
expect_eq "an unknown person" 404 "$(api PUT "/api/v1/tenants/acme/persons/999999" '{"name":"x"}')"
login clerk2 "$CLERK2_PW"
expect_eq "a clerk of another tenant cannot" 403 "$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"name":"x"}')"
login officer1 "$OFFICER_PW"
expect_eq "nor the officer" 403 "$(api PUT "/api/v1/tenants/acme/persons/$P1" '{"name":"x"}')"

login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "the change is audited with the fields" audit_has "$T_WORK/audit.json" action=person.update actor=clerk1 \
  subject="person:$P1" result=ok 'detail=fields:["mynumber"]'
check "the refused one too" audit_has "$T_WORK/audit.json" action=person.update actor=clerk1 result="error:exists"
check "the dependent's correction" audit_has "$T_WORK/audit.json" action=dependent.update actor=clerk1 subject="person:$P1" \
  result=ok "detail=dependent=$D1; fields:[\"mynumber\"]"
check_fails "no value in the audit log" grep -q "シュウセイ\|1980-02-29\|$NEW" "$T_WORK/audit.json"
for n in "$N1" "$N2" "$NEW" "$DEP" "$DEP2" "$BAD"; do
  check_fails "no number in clear in the data directory" grep -rqa "$n" "$MNSAFE_DATA"
  check_fails "nor in the daemon's log" grep -qa "$n" "$DAEMON_LOG"
done
finish
