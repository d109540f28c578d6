#!/usr/bin/env bash
# test_api_matrix.sh: every route of the API (mnsafe api-routes) on a real
# daemon, data-driven like curl's test cases:
# 1. failure: without a session, every route but the four open ones answers
#    401 in the one error shape (code, message, message_ja);
# 2. success: a table of calls, in an order that builds the world it needs
#    (tenant, users, persons, imports, exports, assessments, registers...),
#    each with its expected status; and for every call with a JSON body, the
#    same call with a broken body answers 400 (or the role's 403) and changes
#    nothing;
# 3. coverage: every route of the table is in the success table, or in the
#    short list of routes whose success needs another setup, each naming the
#    test that covers it.
. "$(dirname "$0")/lib.sh"

check "init --dev" init_dev
check "serve --dev" start_daemon --dev --rate-limit 0
check "setup_tenant" setup_tenant
"$MNSAFE" api-routes >"$T_WORK/routes"
for who in clerk1:"$CLERK_PW" officer1:"$OFFICER_PW" auditor1:"$AUDITOR_PW" admin:"$ADMIN_PW"; do
  MNSAFE_SESSION="$T_WORK/session.${who%%:*}" login "${who%%:*}" "${who#*:}"
done
python3 - "$MNSAFE_DATA/mnsafe.sock" "$T_WORK" "$MNSAFE" "$(valid_mynumber 61000000001)" "$(valid_mynumber 61000000002)" \
  "$(valid_mynumber 61000000003)" >"$T_WORK/matrix.out" 2>&1 <<'PY'
import base64, json, re, socket, subprocess, sys
sock, work, mnsafe, n1, n2, n3 = sys.argv[1:7]
tok = {r: open(f"{work}/session.{u}").read().split()[0]
       for r, u in (("C", "clerk1"), ("O", "officer1"), ("U", "auditor1"), ("A", "admin"))}
tok["-"] = None
def call(method, path, body=None, role="-", raw=None, ctype="application/json"):
    data = raw if raw is not None else (b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode()))
    head = f"{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {len(data)}\r\nContent-Type: {ctype}\r\n"
    if tok.get(role):
        head += f"Authorization: Bearer {tok[role]}\r\n"
    s = socket.socket(socket.AF_UNIX); s.connect(sock); s.sendall(head.encode() + b"\r\n" + data)
    buf = b""
    while True:
        c = s.recv(65536)
        if not c: break
        buf += c
    s.close()
    h, _, b = buf.partition(b"\r\n\r\n")
    st = int(h.split(b" ")[1])
    try: j = json.loads(b)
    except Exception: j = None
    return st, j
fails = []
def expect(desc, got, want):
    ok = got in want if isinstance(want, list) else got == want  # a list: any of them
    print(("ok" if ok else "BAD"), desc, got)
    if not ok: fails.append(desc)
def shape(j):
    e = (j or {}).get("error", {})
    return bool(e.get("code")) and bool(e.get("message")) and bool(e.get("message_ja"))
routes = [l.split(" ", 1) for l in open(f"{work}/routes").read().split("\n") if l]
open_routes = {("GET", "/api/v1/health"), ("GET", "/api/v1/sys/seal-status"), ("POST", "/api/v1/sys/unseal"),
               ("POST", "/api/v1/sessions"), ("GET", "/api/v1/metrics")}
# 1. no session: 401 everywhere but the open routes
for m, p in routes:
    if (m, p) in open_routes: continue
    url = re.sub(r"\{id\}", "1", p); url = re.sub(r"\{[a-z]+\}", "acme", url)
    st, j = call(m, url, {} if m in ("POST", "PUT") else None)
    expect(f"no session: {m} {p} -> 401", (st, shape(j)), (401, True))
# 2. the success table, in order; V holds values later calls use
V = {}
covered = set()
def step(role, m, tmpl, body=None, want=200, keep=None, raw=None, ctype="application/json", broken=True):
    url = tmpl.format(**V)
    st, j = call(m, "/api/v1" + url, body, role, raw, ctype)
    expect(f"{role} {m} {tmpl} -> {want}", st, want)
    if (st not in want if isinstance(want, list) else st != want) and j: print("   ", json.dumps(j, ensure_ascii=False)[:300])
    covered.add((m, url.split("?")[0]))
    if keep and j is not None:
        for k, f in keep.items(): V[k] = f(j)
    # the same call with a broken JSON body changes nothing and says why
    if broken and m in ("POST", "PUT") and raw is None and body is not None:
        bst, bj = call(m, "/api/v1" + url, b'{"broken": ', role)
        expect(f"   broken body: {m} {tmpl} -> 400", (bst, shape(bj)), [(400, True), (403, True)])
    return j
step("-", "GET", "/health"); step("-", "GET", "/sys/seal-status"); step("C", "GET", "/metrics")
step("-", "POST", "/sessions", {"user": "nobody", "password": "wrong password!"}, want=401, broken=False)
step("C", "GET", "/sessions/current")
step("A", "GET", "/users")
step("A", "POST", "/users", {"name": "mx1", "role": "clerk"}, want=201)
step("A", "PUT", "/users/mx1/role", {"role": "auditor"})
step("A", "POST", "/users/clerk2/assignments", {"tenant": "acme"})
step("A", "DELETE", "/users/clerk2/assignments/acme")
step("A", "POST", "/users/mx1/password-reset", broken=False)
step("A", "POST", "/users/mx1/unlock", broken=False)
step("A", "POST", "/users/mx1/mfa-reset", want=[200, 409], broken=False)
step("O", "GET", "/grant-requests")
step("A", "GET", "/access-policy")
rev = step("O", "GET", "/access-review")
step("O", "POST", "/access-review/confirm", {"report_sha256": rev["report_sha256"]})
step("A", "GET", "/tenants"); step("A", "POST", "/tenants", {"code": "beta", "name": "ベータ"}, want=201)
step("O", "GET", "/tenants/acme/policy"); step("O", "PUT", "/tenants/acme/policy", {"require_mfa": False})
step("C", "GET", "/tenants/acme/purposes")
p = step("C", "POST", "/tenants/acme/persons", {"persons": [{"name": "表 太郎", "mynumber": n1,
         "purposes": ["withholding_slip"]}]}, want=201, keep={"pid": lambda j: j["created"][0]})
step("C", "GET", "/tenants/acme/persons"); step("C", "GET", "/tenants/acme/persons/{pid}")
step("C", "PUT", "/tenants/acme/persons/{pid}", {"name_kana": "オモテ タロウ"})
step("C", "POST", "/tenants/acme/persons/search", {"mynumber": n1})
step("C", "POST", "/tenants/acme/persons/{pid}/reveal", {"purpose": "withholding_slip"})
step("C", "POST", "/tenants/acme/persons/{pid}/dependents", {"name": "表 花子", "relationship": "配偶者", "mynumber": n2},
     want=201, keep={"dep": lambda j: j["id"]})
step("C", "PUT", "/tenants/acme/persons/{pid}/dependents/{dep}", {"name_kana": "オモテ ハナコ"})
step("C", "DELETE", "/tenants/acme/persons/{pid}/dependents/{dep}", {"reason": "扶養から外れた"})
step("C", "PUT", "/tenants/acme/persons/{pid}/end", {"ended_on": "2026-03-31", "reason": "retirement"})
step("C", "DELETE", "/tenants/acme/persons/{pid}/end")
step("O", "PUT", "/tenants/acme/persons/{pid}/hold", {"reason": "訴訟対応"})
step("O", "DELETE", "/tenants/acme/persons/{pid}/hold")
step("O", "GET", "/tenants/acme/retention/due")
step("O", "POST", "/tenants/acme/retention/delete", {})
step("O", "PUT", "/tenants/acme/retention/rule", {"fy_end_month": 3, "reason": "決算期に合わせる"})
step("O", "GET", "/tenants/acme/deletion-requests")
step("O", "GET", "/tenants/acme/disposals")
step("O", "POST", "/tenants/acme/disposals", {"data_kind": "扶養控除等申告書（紙）", "disposed_on": "2026-01-10",
     "method": "shredder"}, want=201)
step("O", "GET", "/tenants/acme/usage"); step("O", "GET", "/tenants/acme/ledger")
step("C", "GET", "/tenants/acme/registers/takeouts")
step("C", "POST", "/tenants/acme/registers/takeouts", {"taken_at": "2026-11-20T10:00", "by": "表", "taken_data": "控え",
     "purpose_recipient": "税務署", "route": "手渡し"}, want=201, keep={"tk": lambda j: j["id"]})
step("C", "PUT", "/tenants/acme/registers/takeouts/{tk}", {"returned_at": "2026-11-20T16:00"})
csv = "area,area_kind,person,entered_at\n人事部書庫,管理区域,表,2026-11-02T09:00\n"
step("O", "POST", "/tenants/acme/registers/entry_logs/import", {"csv_base64": base64.b64encode(csv.encode()).decode()},
     want=201)
step("O", "POST", "/tenants/acme/registers/incidents", {"title": "誤送信", "known_on": "2026-11-01", "facts": "一件",
     "persons": 1, "wrongful_purpose": False, "public_exposure": False, "strong_encryption": False}, want=201,
     keep={"inc": lambda j: j["id"]})
step("O", "GET", "/tenants/acme/registers/incidents/{inc}/draft")
a = step("O", "POST", "/tenants/acme/assessments", {"title": "2026年度"}, want=201, keep={"asm": lambda j: j["assessment"]["id"]})
step("O", "GET", "/tenants/acme/assessments"); step("O", "GET", "/tenants/acme/assessments/trend")
step("O", "GET", "/assessments/{asm}")
step("O", "PUT", "/assessments/{asm}/items/C-a-min-2", {"status": "satisfied"})
step("O", "POST", "/assessments/{asm}/items/C-a-min-2/evidence", {"filename": "規程.txt", "content_type": "text/plain",
     "content_base64": base64.b64encode("取扱規程".encode()).decode()}, want=201, keep={"ev": lambda j: j["id"]})
step("O", "GET", "/evidence/{ev}"); step("O", "GET", "/assessments/{asm}/report")
step("O", "GET", "/checksheet"); step("O", "GET", "/checksheet/export"); step("O", "GET", "/checksheet/counts")
step("O", "GET", "/checksheet/probes"); step("O", "GET", "/retention-rules")
step("C", "POST", "/tenants/acme/imports", {"purposes": ["withholding_slip"]}, want=201, keep={"imp": lambda j: j["import_id"]})
step("C", "POST", "/tenants/acme/imports/{imp}/data?last=1", raw=f"氏名,個人番号\n行 一,{n3}\n".encode(), ctype="text/csv")
step("C", "GET", "/tenants/acme/imports/{imp}"); step("C", "GET", "/tenants/acme/imports")
step("C", "POST", "/tenants/acme/imports/{imp}/store", {})
step("C", "POST", "/tenants/acme/imports", {}, want=201, keep={"imp2": lambda j: j["import_id"]})
step("C", "DELETE", "/tenants/acme/imports/{imp2}")
step("C", "POST", "/tenants/acme/exports", {"recipient": "社内", "route": "手渡し", "fields": ["name"],
     "protection": "none"}, want=201)
step("C", "GET", "/tenants/acme/exports")
spec = {"purpose": "withholding_slip", "recipient": "税務署", "route": "e-Tax", "protection": "zip"}
step("C", "POST", "/tenants/acme/export-requests", spec, want=202, keep={"er": lambda j: j["request_id"]})
step("C", "POST", "/tenants/acme/export-requests", spec, want=202, keep={"er2": lambda j: j["request_id"]}, broken=False)
step("O", "GET", "/tenants/acme/export-requests")
step("O", "POST", "/tenants/acme/export-requests/{er}/approve", broken=False)
step("O", "POST", "/tenants/acme/export-requests/{er2}/reject", broken=False)
step("C", "POST", "/tenants/acme/collections", {"name": "収集 一郎", "purposes": ["withholding_slip"]}, want=201,
     keep={"col": lambda j: j["id"]})
step("C", "GET", "/tenants/acme/collections"); step("O", "GET", "/tenants/acme/collections/{col}")
step("C", "DELETE", "/tenants/acme/collections/{col}")
step("C", "GET", "/users/me/tokens")
step("C", "POST", "/users/me/tokens", {"name": "matrix"}, want=201, keep={"tok": lambda j: j["id"]})
step("C", "DELETE", "/users/me/tokens/{tok}")
step("C", "POST", "/users/me/totp", {}, want=200)
step("U", "GET", "/audit"); step("U", "POST", "/audit/verify", broken=False)
b = step("A", "POST", "/sys/backup", want=201, keep={"bk": lambda j: j["path"]}, broken=False)
step("A", "POST", "/sys/backup/verify", {"path": V["bk"]}, want=200)
step("A", "POST", "/sys/restore", {"path": V["bk"], "to": f"{work}/restored"}, want=200)
step("C", "DELETE", "/tenants/acme/persons/{pid}")
step("A", "POST", "/sys/seal", broken=False)
step("C", "DELETE", "/sessions/current")
# 3. coverage
elsewhere = {
    ("POST", "/api/v1/sys/unseal"): "test_unseal.sh (shares of a real init)",
    ("POST", "/api/v1/users/me/totp/confirm"): "test_mfa.sh (codes from oathtool)",
    ("POST", "/api/v1/users/me/password"): "every test's activate (lib.sh), test_vault_flow.sh",
    ("POST", "/api/v1/grant-requests/{id}/approve"): "test_separation.sh (--separation-of-duties)",
    ("POST", "/api/v1/grant-requests/{id}/reject"): "test_separation.sh",
    ("POST", "/api/v1/tenants/{code}/deletion-requests/{id}/approve"): "test_retention.sh (--deletion-approval)",
    ("POST", "/api/v1/tenants/{code}/deletion-requests/{id}/reject"): "test_retention.sh",
    ("GET", "/api/v1/tenants/{code}/disposals/{id}/certificate"): "test_retention.sh (a certificate file)",
    ("GET", "/api/v1/collect"): "test_collection.sh (a link's token, not a session)",
    ("PUT", "/api/v1/collect/documents/{slot}"): "test_collection.sh",
    ("POST", "/api/v1/collect"): "test_collection.sh",
    ("GET", "/api/v1/tenants/{code}/collections/{id}/documents/{slot}"): "test_collection.sh (after a submission)",
    ("POST", "/api/v1/tenants/{code}/collections/{id}/identity-check"): "test_collection.sh",
}
def route_re(p):
    r = re.escape(p[len("/api/v1"):]).replace(r"\{id\}", "[0-9]+")
    return re.compile("^" + re.sub(r"\\\{[a-z]+\\\}", "[^/]+", r) + "$")
missing, hit = [], set()
for m, p in routes:
    rx = route_re(p)
    if any(cm == m and rx.match(cu) for cm, cu in covered):
        hit.add((m, p))
    elif (m, p) not in elsewhere:
        missing.append(f"{m} {p}")
expect("every route is in the success table or named elsewhere", " ".join(missing), "")
print(f"{len(hit)} routes called with success here, {len(elsewhere)} covered elsewhere, {len(routes)} routes")
sys.exit(1 if fails else 0)
PY
RC=$?
grep -v '^ok' "$T_WORK/matrix.out" | head -40
expect_eq "the matrix ran clean" 0 "$RC"
check "and checked many calls" [ "$(grep -c '^ok' "$T_WORK/matrix.out")" -gt 150 ]
finish
