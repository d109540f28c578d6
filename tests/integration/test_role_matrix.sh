#!/usr/bin/env bash
# Every role against every number-touching endpoint over HTTPS: only the
# assigned clerk with a collected purpose gets a number; lists show the last
# four digits to that clerk and none to anyone else; a clerk assigned to the
# tenant's payees file only reaches no employee; every refusal is 401/403
# with the one error shape and leaves the data as it was.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
CLERK3_PW=$("$MNSAFE" user create clerk3 --role clerk | json_get 'j["one_time_password"]')
"$MNSAFE" user assign clerk3 acme --files payees >/dev/null || exit 1
CLERK3_PW=$(activate clerk3 "$CLERK3_PW") || exit 1
login clerk1 "$CLERK_PW"
NUM=$(valid_mynumber 55566677788)
DEP=$(valid_mynumber 11122233344)
printf '%s\n' "$NUM" | "$MNSAFE" person add acme --name "表 太郎" --purpose withholding_slip >/dev/null
PID=$("$MNSAFE" person list acme | json_get 'j["persons"][0]["id"]')
LAST4=${NUM:8:4}

https() { # METHOD PATH TOKEN [BODY] -> status; body in $T_WORK/body
  local h=() d=()
  [ -n "$3" ] && h=(-H "Authorization: Bearer $3")
  [ $# -ge 4 ] && d=(-H 'Content-Type: application/json' --data-binary "$4")
  curl -s -o "$T_WORK/body" -w '%{http_code}' --cacert "$MNSAFE_DATA/tls/cert.pem" -X "$1" "${h[@]}" "${d[@]}" \
    "https://127.0.0.1:$HTTPS_PORT$2"
}
token_for() {
  https POST /api/v1/sessions "" "{\"user\":\"$1\",\"password\":\"$2\"}" >/dev/null
  json_get 'j["token"]' <"$T_WORK/body"
}
declare -A TOK=([anonymous]="" [admin]="$(token_for admin "$ADMIN_PW")" [auditor1]="$(token_for auditor1 "$AUDITOR_PW")"
                [officer1]="$(token_for officer1 "$OFFICER_PW")" [clerk2]="$(token_for clerk2 "$CLERK2_PW")"
                [clerk1]="$(token_for clerk1 "$CLERK_PW")" [clerk3]="$(token_for clerk3 "$CLERK3_PW")")
P=/api/v1/tenants/acme/persons
NEW=$(valid_mynumber 99988877766)

for who in anonymous admin auditor1 officer1 clerk2 clerk3 clerk1; do
  t=${TOK[$who]}
  # list
  st=$(https GET "$P" "$t")
  case $who in
    clerk1) expect_eq "$who list: 200" 200 "$st"; expect_contains "$who list: last four" "********$LAST4" "$(cat "$T_WORK/body")" ;;
    officer1) expect_eq "$who list: 200" 200 "$st"; expect_contains "$who list: no digit" '"************"' "$(cat "$T_WORK/body")" ;;
    clerk3) expect_eq "$who list: 200" 200 "$st"; expect_eq "$who list: no employee" 0 "$(json_get 'len(j["persons"])' <"$T_WORK/body")" ;;
    anonymous) expect_eq "$who list: 401" 401 "$st" ;;
    *) expect_eq "$who list: 403" 403 "$st" ;;
  esac
  expect_not_contains "$who list: never the number" "$NUM" "$(cat "$T_WORK/body")"
  # search, reveal, add
  for ep in search reveal add; do
    case $ep in
      search) st=$(https POST "$P/search" "$t" "{\"mynumber\":\"$NUM\"}") ;;
      reveal) st=$(https POST "$P/$PID/reveal" "$t" '{"purpose":"withholding_slip"}') ;;
      add) st=$(https POST "$P" "$t" "{\"persons\":[{\"name\":\"新 花子\",\"mynumber\":\"$NEW\",\"purposes\":[\"withholding_slip\"]}]}") ;;
    esac
    body=$(cat "$T_WORK/body")
    if [ "$who" = clerk1 ]; then
      case $ep in add) want=201 ;; *) want=200 ;; esac
      expect_eq "$who $ep: $want" "$want" "$st"
    elif [ "$who" = clerk3 ] && [ "$ep" = search ]; then
      expect_eq "$who search: 200" 200 "$st"
      expect_eq "$who search: finds no employee" 0 "$(json_get 'len(j["persons"])' <"$T_WORK/body")"
    else
      [ "$who" = anonymous ] && want=401 || want=403
      expect_eq "$who $ep: $want" "$want" "$st"
      expect_contains "$who $ep: error shape" '"message_ja"' "$body"
      expect_not_contains "$who $ep: never the number" "$NUM" "$body"
    fi
    [ "$who" = clerk1 ] && [ "$ep" = reveal ] && expect_contains "clerk1 reveal: the number" "\"$NUM\"" "$body"
  done
done
# a purpose the number was not collected for: refused even for clerk1
st=$(https POST "$P/$PID/reveal" "${TOK[clerk1]}" '{"purpose":"health_pension"}')
expect_eq "clerk1 reveal for another purpose: 403" 403 "$st"
expect_not_contains "clerk1 reveal for another purpose: no number" "$NUM" "$(cat "$T_WORK/body")"
# nothing the refused requests tried was stored: exactly the two persons clerk1 added
https GET "$P" "${TOK[clerk1]}" >/dev/null
expect_eq "only clerk1's two adds are stored" 2 "$(json_get 'len(j["persons"])' <"$T_WORK/body")"
finish
