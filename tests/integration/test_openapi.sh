#!/usr/bin/env bash
# test_openapi.sh: docs/openapi.json describes exactly the API the server has.
# 1. validate-api (npm @seriousme/openapi-schema-validator) checks the file
#    against the OpenAPI 3.1 specification's schemas; a broken copy fails.
# 2. The server's route table (`mnsafe api-routes`) and the file's paths and
#    methods are the same set, both ways.
# 3. Every route of the table reaches a handler on a real daemon: none answers
#    the router's "no such endpoint" or 405; an unknown path does (404), and
#    a known path with another method is 405.
. "$(dirname "$0")/lib.sh"

VALIDATE="$MNS_TESTS_DIR/../tools/npm/node_modules/.bin/validate-api"
SPEC="$MNS_TESTS_DIR/../docs/openapi.json"
[ -x "$VALIDATE" ] || { fail "validate-api is not installed (scripts/install-deps installs tools/npm)"; finish; }
valid() { "$VALIDATE" "$1" 2>&1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["valid"])'; }
expect_eq "docs/openapi.json is valid OpenAPI 3.1" True "$(valid "$SPEC")"
python3 - "$SPEC" "$T_WORK/broken.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d["paths"]["/health"]["get"]["responses"] = {"not-a-status": {}}
json.dump(d, open(sys.argv[2], "w"))
PY
expect_eq "and a broken copy is not (the validator can fail)" False "$(valid "$T_WORK/broken.json")"

"$MNSAFE" api-routes | sort >"$T_WORK/server-routes"
python3 - "$SPEC" <<'PY' | sort >"$T_WORK/spec-routes"
import json, sys
d = json.load(open(sys.argv[1]))
base = "/api/v1"
for path, ops in d["paths"].items():
    for m in ops:
        if m in ("get", "post", "put", "delete", "patch"):
            print(m.upper(), base + path)
PY
check "the server has routes" [ "$(wc -l <"$T_WORK/server-routes")" -gt 60 ]
expect_eq "every route of the server is described" "" "$(comm -23 "$T_WORK/server-routes" "$T_WORK/spec-routes" | tr '\n' ' ')"
expect_eq "every described route is the server's" "" "$(comm -13 "$T_WORK/server-routes" "$T_WORK/spec-routes" | tr '\n' ' ')"

check "init --dev" init_dev
check "serve --dev" start_daemon --dev
check "setup_tenant" setup_tenant
# as the sysadmin, every route once; the ones that end the session or seal last
sort -k2 "$T_WORK/server-routes" | grep -v -e '^DELETE /api/v1/sessions/current$' -e '^POST /api/v1/sys/seal$' \
  >"$T_WORK/calls"
printf '%s\n' "POST /api/v1/sys/seal" "DELETE /api/v1/sessions/current" >>"$T_WORK/calls"
unrouted=""
while read -r method path; do
  url=$(sed -e 's/{code}/acme/g; s/{tenant}/acme/g; s/{id}/999999/g; s/{name}/clerk1/g; s/{register}/takeouts/g; s/{item}/C-a-1/g' <<<"$path")
  body=(); [ "$method" = POST ] || [ "$method" = PUT ] && body=('{}')
  st=$(api "$method" "$url" "${body[@]}")
  msg=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("error",{}).get("message",""))' "$T_WORK/api.body" 2>/dev/null)
  if [ "$st" = 405 ] || [ "$msg" = "no such endpoint" ]; then unrouted+="$method $path ($st) "; fi
done <"$T_WORK/calls"
expect_eq "every route reaches its handler" "" "$unrouted"
login admin "$ADMIN_PW"
expect_eq "an unknown path: 404" 404 "$(api GET /api/v1/tenants/acme/no-such-thing)"
expect_eq "with the router's message" "no such endpoint" \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["message"])' "$T_WORK/api.body")"
expect_eq "a known path with another method: 405" 405 "$(api DELETE /api/v1/tenants)"
expect_eq "an {id} that is not a number: 404" 404 "$(api GET /api/v1/assessments/abc)"
finish
