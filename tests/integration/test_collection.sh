#!/usr/bin/env bash
# Self-service collection (issue 9) over the real daemon: a clerk issues a
# one-time link for one person; its holder (no session, the link's token as
# bearer) sees whose link it is and the purposes, uploads photos of the
# number and identity documents (type, content and size checked), and
# submits their number and a dependent's. The link is then used up. The
# clerk sees the photos (exactly the bytes sent), records the identity
# check; an expired or cancelled link loses its photos; deleting the person
# shreds them. Every step is in the audit log; the token, the numbers and
# the photos are nowhere in clear.
. "$(dirname "$0")/lib.sh"

init_dev || exit 1
start_daemon --dev || exit 1
setup_tenant || exit 1
URL="https://127.0.0.1:$HTTPS_PORT/api/v1"
NUM=$(valid_mynumber 52345678901)
DEP=$(valid_mynumber 52345678902)
BAD="${NUM:0:11}$(( (${NUM:11:1} + 1) % 10 ))"

# link ARGS...: calls the API over HTTPS as the link's holder (token in LINK)
link() {
  local method=$1 path=$2; shift 2
  curl -sk -o "$T_WORK/link.body" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $LINK" \
    -H "Content-Type: application/json" "$@" "$URL$path"
}
body() { cat "$T_WORK/$1.body"; }
# photo FILE KIND MARKER: a small file of that kind with MARKER inside
photo() {
  python3 - "$@" <<'PY'
import sys
out, kind, marker = sys.argv[1], sys.argv[2], sys.argv[3].encode()
head = {"jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "png": b"\x89PNG\r\n\x1a\n", "text": b"hello "}[kind]
open(out, "wb").write(head + marker + bytes(range(256)) * 40)
PY
}
upload_json() { # FILE TYPE -> the JSON body of a document upload
  python3 -c 'import base64,json,sys; print(json.dumps({"content_type": sys.argv[2], "content_base64": base64.b64encode(open(sys.argv[1],"rb").read()).decode()}))' "$1" "$2"
}

login clerk1 "$CLERK_PW"
ST=$(api POST /api/v1/tenants/acme/collections '{"name":"自己 入力","employee_code":"E-77","purposes":["health_pension","dependent_deduction"],"base_url":"https://hr.example.jp:8443"}')
expect_eq "a clerk issues a link" 201 "$ST"
ISSUED=$(cat "$T_WORK/api.body")
LINK=$(json_get 'j["token"]' <<<"$ISSUED")
CID=$(json_get 'j["id"]' <<<"$ISSUED")
expect_contains "the token is a link token" "mnc_" "$LINK"
expect_eq "the link's address carries the token in the fragment" "https://hr.example.jp:8443/#/collect/$LINK" "$(json_get 'j["url"]' <<<"$ISSUED")"
expect_contains "with a QR code to show the employee" "<svg" "$(json_get 'j["qr_svg"]' <<<"$ISSUED")"
ST=$(api POST /api/v1/tenants/acme/collections '{"name":"x","purposes":["no_such_purpose"]}')
expect_eq "an unknown purpose is refused" 400 "$ST"
ST=$(api POST /api/v1/tenants/acme/collections '{"name":"x","purposes":["health_pension"],"expires_hours":10000}')
expect_eq "a link may not live more than two weeks" 400 "$ST"
ST=$(api POST /api/v1/tenants/acme/collections '{"name":"x","purposes":["health_pension"],"base_url":"javascript:alert(1)"}')
expect_eq "base_url must be an https origin" 400 "$ST"
ST=$(api GET "/api/v1/tenants/acme/collections/$CID")
expect_eq "the clerk sees the link" 200 "$ST"
expect_eq "open" open "$(json_get 'j["state"]' <"$T_WORK/api.body")"
expect_not_contains "the token is never shown again" "$LINK" "$(cat "$T_WORK/api.body")"

login clerk2 "$CLERK2_PW"
ST=$(api POST /api/v1/tenants/acme/collections '{"name":"x","purposes":["health_pension"]}')
expect_eq "a clerk of another tenant cannot issue one" 403 "$ST"
login officer1 "$OFFICER_PW"
ST=$(api POST /api/v1/tenants/acme/collections '{"name":"x","purposes":["health_pension"]}')
expect_eq "nor can an officer" 403 "$ST"
ST=$(api GET /api/v1/tenants/acme/collections)
expect_eq "the officer sees the list" 200 "$ST"
login auditor1 "$AUDITOR_PW"
ST=$(api GET /api/v1/tenants/acme/collections)
expect_eq "the auditor does not" 403 "$ST"

# ---- the link's holder, on their phone --------------------------------------
SAVED=$LINK
LINK="mnc_$(printf '0%.0s' $(seq 1 64))"
expect_eq "a made-up token is refused" 401 "$(link GET /collect)"
LINK=$SAVED
ST=$(link GET /collect)
expect_eq "the holder opens the link" 200 "$ST"
INFO=$(body link)
expect_eq "and sees whose it is" "自己 入力" "$(json_get 'j["name"]' <<<"$INFO")"
expect_eq "for which business" "株式会社アクメ" "$(json_get 'j["tenant_name"]' <<<"$INFO")"
expect_eq "and the purposes by name" 2 "$(json_get 'len([p for p in j["purposes"] if p["name_ja"]])' <<<"$INFO")"
ST=$(link POST /collect --data-binary "{\"mynumber\":\"$NUM\"}")
expect_eq "no submission before the photos" 409 "$ST"
expect_contains "saying what is missing" "番号確認書類" "$(body link)"

photo "$T_WORK/num.jpg" jpeg PHOTO-MARKER-NUMBER-4711
photo "$T_WORK/id.png" png PHOTO-MARKER-IDENTITY-4712
photo "$T_WORK/fake.png" text PHOTO-MARKER-FAKE-4713
upload_json "$T_WORK/fake.png" image/png >"$T_WORK/fake.json"
ST=$(link PUT /collect/documents/number --data-binary "@$T_WORK/fake.json")
expect_eq "a file that is not what its type says is refused" 400 "$ST"
expect_contains "in both languages" "JPEG" "$(body link)"
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'A' >"$T_WORK/big.bin"
printf '\xff\xd8\xff' | cat - "$T_WORK/big.bin" >"$T_WORK/big.jpg"
upload_json "$T_WORK/big.jpg" image/jpeg >"$T_WORK/big.json"
ST=$(link PUT /collect/documents/number --data-binary "@$T_WORK/big.json")
expect_eq "a photo over 8 MiB is refused" 413 "$ST"
upload_json "$T_WORK/num.jpg" image/jpeg >"$T_WORK/num.json"
ST=$(link PUT /collect/documents/selfie --data-binary "@$T_WORK/num.json")
expect_eq "an unknown document slot" 404 "$ST"
expect_eq "the number document is uploaded" 200 "$(link PUT /collect/documents/number --data-binary "@$T_WORK/num.json")"
upload_json "$T_WORK/id.png" image/png >"$T_WORK/id.json"
expect_eq "the identity document is uploaded" 200 "$(link PUT /collect/documents/identity --data-binary "@$T_WORK/id.json")"
link GET /collect >/dev/null
expect_eq "the link lists both photos" "identity,number" "$(json_get '",".join(d["slot"] for d in j["documents"])' <"$T_WORK/link.body")"

ST=$(link POST /collect --data-binary "{\"mynumber\":\"$BAD\"}")
expect_eq "a wrong check digit is refused" 400 "$ST"
expect_contains "naming the field" '"mynumber' "$(body link)"
expect_not_contains "as the holder typed it (no internal index)" "persons[0]" "$(body link)"
expect_not_contains "without echoing the number" "$BAD" "$(body link)"
ST=$(link POST /collect --data-binary "{\"mynumber\":\"$NUM\",\"dependents\":[{\"name\":\"自己 花子\",\"relationship\":\"配偶者\",\"mynumber\":\"${DEP:0:4}-${DEP:4:4}-${DEP:8:4}\"}],\"extra\":1}")
expect_eq "an unknown field is refused" 400 "$ST"
login clerk1 "$CLERK_PW"
api GET /api/v1/tenants/acme/persons >/dev/null
expect_eq "nothing was stored by the refused submissions" 0 "$(json_get 'len(j["persons"])' <"$T_WORK/api.body")"
ST=$(link POST /collect --data-binary "{\"mynumber\":\"$NUM\",\"dependents\":[{\"name\":\"自己 花子\",\"relationship\":\"配偶者\",\"mynumber\":\"${DEP:0:4}-${DEP:4:4}-${DEP:8:4}\"}]}")
expect_eq "the holder submits their number and a dependent's" 201 "$ST"
expect_eq "the link is used up" 409 "$(link GET /collect)"
expect_contains "and says so" "使用済み" "$(body link)"
expect_eq "a second submission is refused" 409 "$(link POST /collect --data-binary "{\"mynumber\":\"$NUM\"}")"

# ---- the clerk: the person, the photos, the identity check --------------------
ST=$(api GET "/api/v1/tenants/acme/collections/$CID")
DETAIL=$(cat "$T_WORK/api.body")
expect_eq "the link is submitted" submitted "$(json_get 'j["state"]' <<<"$DETAIL")"
PID=$(json_get 'j["person_id"]' <<<"$DETAIL")
api GET /api/v1/tenants/acme/persons >/dev/null
expect_eq "the person is in the list, masked" "自己 入力|E-77|********${NUM:8:4}" \
  "$(json_get '"|".join(str(x) for x in [[p["name"], p.get("employee_code"), p["mynumber_masked"]] for p in j["persons"] if p["id"] == '"$PID"'][0])' <"$T_WORK/api.body")"
api GET "/api/v1/tenants/acme/persons/$PID" >/dev/null
expect_eq "with the dependent" 1 "$(json_get 'len(j["dependents"])' <"$T_WORK/api.body")"
expect_eq "and both purposes" "dependent_deduction,health_pension" "$(json_get '",".join(sorted(j["purposes"]))' <"$T_WORK/api.body")"
ST=$(api POST "/api/v1/tenants/acme/persons/$PID/reveal" '{"purpose":"health_pension"}')
expect_eq "the number reveals as entered" "$NUM" "$(json_get 'j["mynumber"]' <"$T_WORK/api.body")"
ST=$(api GET "/api/v1/tenants/acme/collections/$CID/documents/number")
expect_eq "the clerk opens the number document" 200 "$ST"
python3 -c 'import base64,json,sys; sys.exit(0 if base64.b64decode(json.load(open(sys.argv[1]))["content_base64"]) == open(sys.argv[2],"rb").read() else 1)' \
  "$T_WORK/api.body" "$T_WORK/num.jpg"
check "exactly the bytes sent" [ $? -eq 0 ]
expect_eq "with its type" image/jpeg "$(json_get 'j["content_type"]' <"$T_WORK/api.body")"
ST=$(api POST "/api/v1/tenants/acme/collections/$CID/identity-check" '{"result":"confirmed"}')
expect_eq "a confirmation says how both were checked" 400 "$ST"
ST=$(api POST "/api/v1/tenants/acme/collections/$CID/identity-check" '{"result":"confirmed","number_check":"個人番号カード（裏面）","identity_check":"個人番号カード（表面）"}')
expect_eq "the identity check is recorded" 200 "$ST"
expect_eq "confirmed" "confirmed|clerk1" "$(json_get 'j["state"] + "|" + j["identity_check"]["checked_by"]' <"$T_WORK/api.body")"
ST=$(api POST "/api/v1/tenants/acme/collections/$CID/identity-check" '{"result":"rejected","note":"x"}')
expect_eq "and cannot be recorded twice" 409 "$ST"
login clerk2 "$CLERK2_PW"
expect_eq "another tenant's clerk cannot open the photos" 403 "$(api GET "/api/v1/tenants/acme/collections/$CID/documents/number")"
login officer1 "$OFFICER_PW"
expect_eq "nor can the officer" 403 "$(api GET "/api/v1/tenants/acme/collections/$CID/documents/identity")"

# ---- expiry and cancellation drop the photos -------------------------------------
login clerk1 "$CLERK_PW"
api POST /api/v1/tenants/acme/collections '{"name":"期限 切れ","purposes":["health_pension"]}' >/dev/null
LINK=$(json_get 'j["token"]' <"$T_WORK/api.body"); C2=$(json_get 'j["id"]' <"$T_WORK/api.body")
expect_eq "a photo for a link that will expire" 200 "$(link PUT /collect/documents/number --data-binary "@$T_WORK/num.json")"
db_exec "UPDATE collections SET expires_at = 1 WHERE id = $C2"
expect_eq "an expired link is refused" 409 "$(link GET /collect)"
expect_contains "saying it expired" "有効期限" "$(body link)"
api GET /api/v1/tenants/acme/collections >/dev/null
expect_eq "the list shows it expired" expired "$(json_get '[c["state"] for c in j["collections"] if c["id"] == '"$C2"'][0]' <"$T_WORK/api.body")"
expect_eq "the list comes a page at a time: the newest link, then from below it" "$C2 $C2" \
  "$(api GET '/api/v1/tenants/acme/collections?limit=1' >/dev/null; json_get '" ".join(str(x) for x in [j["collections"][0]["id"], j["next_before"]])' <"$T_WORK/api.body")"
expect_eq "the next page starts below it" True \
  "$(api GET "/api/v1/tenants/acme/collections?limit=1&before=$C2" >/dev/null; json_get 'j["collections"][0]["id"] < '"$C2" <"$T_WORK/api.body")"
expect_eq "and its photo is gone" 0 "$(db_query "SELECT count(*) FROM collection_documents WHERE collection_id = $C2")"
expect_eq "with its key" "" "$(db_query "SELECT wrapped FROM collections WHERE id = $C2")"

api POST /api/v1/tenants/acme/collections '{"name":"取消 太郎","kind":"payee","purposes":["health_pension"]}' >/dev/null
LINK=$(json_get 'j["token"]' <"$T_WORK/api.body"); C3=$(json_get 'j["id"]' <"$T_WORK/api.body")
link PUT /collect/documents/identity --data-binary "@$T_WORK/id.json" >/dev/null
expect_eq "the clerk cancels an open link" 200 "$(api DELETE "/api/v1/tenants/acme/collections/$C3")"
expect_eq "its photo is gone" 0 "$(db_query "SELECT count(*) FROM collection_documents WHERE collection_id = $C3")"
expect_eq "and the link is refused" 409 "$(link GET /collect)"
expect_eq "a submitted link cannot be cancelled" 409 "$(api DELETE "/api/v1/tenants/acme/collections/$CID")"

# ---- nothing in clear ------------------------------------------------------------
for f in "$NUM" "$DEP" PHOTO-MARKER-NUMBER-4711 PHOTO-MARKER-IDENTITY-4712 "$SAVED"; do
  check_fails "no ${f:0:12}… in clear in the data directory" grep -rqa "$f" "$MNSAFE_DATA"
  check_fails "nor in the daemon's log" grep -qa "$f" "$DAEMON_LOG"
done

# ---- the audit log has every step --------------------------------------------------
login auditor1 "$AUDITOR_PW"
audit_dump "$T_WORK/audit.json"
check "issue audited" audit_has "$T_WORK/audit.json" action=collection.issue actor=clerk1 subject="collection:$CID" result=ok
check "opening by the link's holder" audit_has "$T_WORK/audit.json" action=collection.open actor="link:$CID" result=ok
check "each upload" audit_has "$T_WORK/audit.json" action=collection.upload actor="link:$CID" result=ok
check "the refused upload too" audit_has "$T_WORK/audit.json" action=collection.upload actor="link:$CID" result="error:*"
check "the made-up token" audit_has "$T_WORK/audit.json" action=collection.open result="denied*"
check "the submission" audit_has "$T_WORK/audit.json" action=collection.submit actor="link:$CID" result=ok
check "the person it created" audit_has "$T_WORK/audit.json" action=person.create actor="link:$CID" subject="person:$PID"
check "the clerk's look at a photo" audit_has "$T_WORK/audit.json" action=collection.document_view actor=clerk1 subject="collection:$CID" result=ok
check "the identity check" audit_has "$T_WORK/audit.json" action=collection.identity_check actor=clerk1 result=ok
check "the cancellation" audit_has "$T_WORK/audit.json" action=collection.cancel actor=clerk1 subject="collection:$C3"

# ---- deleting the person shreds the photos ---------------------------------------------
login clerk1 "$CLERK_PW"
expect_eq "the person is deleted" 200 "$(api DELETE "/api/v1/tenants/acme/persons/$PID")"
expect_eq "and the photos with them" 0 "$(db_query "SELECT count(*) FROM collection_documents WHERE collection_id = $CID")"
api GET "/api/v1/tenants/acme/collections/$CID" >/dev/null
expect_eq "the link says so, without the name" "deleted|-" "$(json_get 'j["state"] + "|" + j["name"]' <"$T_WORK/api.body")"
finish
