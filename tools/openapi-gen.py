#!/usr/bin/env python3
# tools/openapi-gen.py MNSAFE OUT: writes docs/openapi.json from the route table
# (`mnsafe api-routes`) and the summaries below. Run it after adding a route
# (and add the route's summary here); tests/integration/test_openapi.sh fails
# until the file and the table agree.
import json, re, subprocess, sys
routes = [l.split(" ", 1) for l in subprocess.run([sys.argv[1], "api-routes"], capture_output=True, text=True).stdout.split("\n") if l]
S = {
 ("GET","/health"): ("system","Liveness and seal state (no session)"),
 ("GET","/metrics"): ("system","Prometheus metrics: requests, latencies, seal state, audit entries, memory (sysadmin; no session on the Unix socket)"),
 ("GET","/sys/seal-status"): ("system","Seal state: sealed, shares given, threshold, seal mode (no session)"),
 ("POST","/sys/unseal"): ("system","Give one unseal share (no session; body at most 4 KiB)"),
 ("POST","/sys/seal"): ("system","Seal the vault: keys wiped from memory (sysadmin)"),
 ("POST","/sys/backup"): ("system","Encrypted online backup into DATA/backups (sysadmin)"),
 ("POST","/sys/backup/verify"): ("system","Restore test of a backup file (sysadmin, auditor)"),
 ("POST","/sys/restore"): ("system","Restore a backup into a new directory (sysadmin)"),
 ("POST","/sessions"): ("sessions","Log in: password, one-time code, device token (no session; body at most 4 KiB)"),
 ("GET","/sessions/current"): ("sessions","The current session's user and role"),
 ("DELETE","/sessions/current"): ("sessions","Log out: the session ends on the server"),
 ("POST","/users/me/totp"): ("users","Begin TOTP enrolment: otpauth URI and QR code"),
 ("POST","/users/me/totp/confirm"): ("users","Confirm TOTP with a code: recovery codes"),
 ("POST","/users/me/password"): ("users","Change one's own password"),
 ("GET","/users/me/tokens"): ("users","One's program tokens (never the token itself)"),
 ("POST","/users/me/tokens"): ("users","Make a program token {name, days (1-365, default 90)}: shown once"),
 ("DELETE","/users/me/tokens/{id}"): ("users","Revoke a program token"),
 ("GET","/users"): ("users","Users with roles and tenants (sysadmin, auditor)"),
 ("POST","/users"): ("users","Create a user with a one-time password (sysadmin)"),
 ("PUT","/users/{name}/role"): ("users","Change a user's role (may wait for approval)"),
 ("POST","/users/{name}/password-reset"): ("users","Reset a user's password: one-time password (sysadmin)"),
 ("POST","/users/{name}/mfa-reset"): ("users","Reset a user's second factor"),
 ("POST","/users/{name}/unlock"): ("users","Lift a lockout (sysadmin)"),
 ("POST","/users/{name}/assignments"): ("users","Assign a user to a tenant and its SPI files"),
 ("DELETE","/users/{name}/assignments/{tenant}"): ("users","Revoke an assignment"),
 ("GET","/grant-requests"): ("users","Role and assignment requests, newest first, a page at a time"),
 ("POST","/grant-requests/{id}/approve"): ("users","Approve a grant request (not one's own)"),
 ("POST","/grant-requests/{id}/reject"): ("users","Reject a grant request"),
 ("GET","/access-policy"): ("users","Network and hour rules per role"),
 ("GET","/access-review"): ("users","Access review report"),
 ("POST","/access-review/confirm"): ("users","Record a confirmed access review"),
 ("GET","/checksheet"): ("checksheet","The JNSA check sheet as data"),
 ("GET","/checksheet/export"): ("checksheet","The sheet as XCCDF or an OSCAL catalog"),
 ("GET","/checksheet/counts"): ("checksheet","Item counts by category and level"),
 ("GET","/checksheet/probes"): ("checksheet","What mnsafe proves about itself from its live state"),
 ("GET","/retention-rules"): ("retention","Keeping periods and their legal basis"),
 ("GET","/evidence/{id}"): ("checksheet","An evidence file of an assessment"),
 ("GET","/assessments/{id}"): ("checksheet","An assessment with its items"),
 ("GET","/assessments/{id}/report"): ("checksheet","Assessment report (JSON, CSV, HTML, XCCDF results, OSCAL)"),
 ("PUT","/assessments/{id}/items/{item}"): ("checksheet","Assess one item"),
 ("POST","/assessments/{id}/items/{item}/evidence"): ("checksheet","Attach evidence to an item"),
 ("GET","/audit"): ("audit","Audit entries, paginated (auditor, sysadmin)"),
 ("POST","/audit/verify"): ("audit","Verify the audit chain and checkpoints"),
 ("GET","/tenants"): ("tenants","Tenants the user may see"),
 ("POST","/tenants"): ("tenants","Create a tenant (sysadmin)"),
 ("GET","/tenants/{code}/policy"): ("tenants","The tenant's own rules"),
 ("PUT","/tenants/{code}/policy"): ("tenants","Set the tenant's rules (MFA, networks, hours, pledge and training, export approval)"),
 ("GET","/tenants/{code}/purposes"): ("tenants","The tenant's purposes of use"),
 ("GET","/tenants/{code}/persons"): ("persons","Persons, masked, paginated"),
 ("POST","/tenants/{code}/persons"): ("persons","Add persons (at most 10,000, all or nothing)"),
 ("POST","/tenants/{code}/persons/search"): ("persons","Find a person by number (blind index)"),
 ("GET","/tenants/{code}/persons/{id}"): ("persons","One person with dependents, numbers masked"),
 ("PUT","/tenants/{code}/persons/{id}/dependents/{dependent}"): ("persons","Correct a dependent: name, relationship, kana, birth date or the number (assigned clerk)"),
 ("PUT","/tenants/{code}/persons/{id}"): ("persons","Correct a person: name, kana, birth date, employee code, purposes or the number (assigned clerk)"),
 ("POST","/tenants/{code}/persons/{id}/dependents"): ("persons","Add a dependent to a stored person"),
 ("DELETE","/tenants/{code}/persons/{id}/dependents/{dependent}"): ("persons","Delete one dependent (journaled, in the disposal register)"),
 ("DELETE","/tenants/{code}/persons/{id}"): ("persons","Delete a person for good (crypto-shredding)"),
 ("POST","/tenants/{code}/persons/{id}/reveal"): ("persons","Reveal a number for a purpose it was collected for"),
 ("PUT","/tenants/{code}/persons/{id}/end"): ("retention","Record the end of need"),
 ("DELETE","/tenants/{code}/persons/{id}/end"): ("retention","Take the end of need back"),
 ("PUT","/tenants/{code}/persons/{id}/hold"): ("retention","Put a legal hold"),
 ("DELETE","/tenants/{code}/persons/{id}/hold"): ("retention","Lift a legal hold"),
 ("GET","/tenants/{code}/retention/due"): ("retention","The deletion due list"),
 ("POST","/tenants/{code}/retention/delete"): ("retention","Crypto-shred everything due, as one act"),
 ("PUT","/tenants/{code}/retention/rule"): ("retention","The tenant's fiscal-year deletion rule"),
 ("GET","/tenants/{code}/deletion-requests"): ("retention","Clerks' deletions waiting for approval"),
 ("POST","/tenants/{code}/deletion-requests/{id}/approve"): ("retention","Approve a deletion request"),
 ("POST","/tenants/{code}/deletion-requests/{id}/reject"): ("retention","Reject a deletion request"),
 ("GET","/tenants/{code}/disposals"): ("retention","The disposal register"),
 ("POST","/tenants/{code}/disposals"): ("retention","Record a manual disposal (paper, media)"),
 ("GET","/tenants/{code}/disposals/{id}/certificate"): ("retention","A disposal certificate"),
 ("GET","/tenants/{code}/usage"): ("registers","Usage and output records from the audit log"),
 ("GET","/tenants/{code}/ledger"): ("registers","The ledger of SPI files"),
 ("GET","/tenants/{code}/registers/{register}"): ("registers","A register's entries (JSON, CSV, Shift_JIS CSV, HTML)"),
 ("POST","/tenants/{code}/registers/{register}"): ("registers","Add a register entry"),
 ("PUT","/tenants/{code}/registers/{register}/{id}"): ("registers","Update a register entry"),
 ("POST","/tenants/{code}/registers/{register}/import"): ("registers","Import register entries from CSV (all or nothing)"),
 ("GET","/tenants/{code}/registers/incidents/{id}/draft"): ("registers","Draft of the PPC report of an incident"),
 ("GET","/tenants/{code}/assessments"): ("checksheet","The tenant's assessments"),
 ("POST","/tenants/{code}/assessments"): ("checksheet","Begin an assessment"),
 ("GET","/tenants/{code}/assessments/trend"): ("checksheet","Scores over time"),
 ("GET","/tenants/{code}/imports"): ("import-export","The CSV imports, newest first, a page at a time"),
 ("POST","/tenants/{code}/imports"): ("import-export","Begin a CSV import"),
 ("GET","/tenants/{code}/imports/{id}"): ("import-export","An import's summary and per-row report"),
 ("DELETE","/tenants/{code}/imports/{id}"): ("import-export","Discard an import"),
 ("POST","/tenants/{code}/imports/{id}/data"): ("import-export","A chunk of the CSV file (at most 8 MiB); the progress"),
 ("POST","/tenants/{code}/imports/{id}/store"): ("import-export","Store the checked rows in one act"),
 ("GET","/tenants/{code}/exports"): ("import-export","The last 200 exports"),
 ("POST","/tenants/{code}/exports"): ("import-export","Export persons as CSV, encrypted when it holds numbers"),
 ("GET","/tenants/{code}/export-requests"): ("import-export","Export requests and their status"),
 ("POST","/tenants/{code}/export-requests"): ("import-export","Request an export for an officer's approval"),
 ("POST","/tenants/{code}/export-requests/{id}/approve"): ("import-export","Approve an export request (officer, not the requester)"),
 ("POST","/tenants/{code}/export-requests/{id}/reject"): ("import-export","Reject an export request"),
 ("GET","/tenants/{code}/collections"): ("collection","Self-service collection links, newest first (clerk, officer; ?state=)"),
 ("POST","/tenants/{code}/collections"): ("collection","Issue a one-time link for one person {name, kind, employee_code, purposes, expires_hours, base_url}: the token shown once (clerk)"),
 ("GET","/tenants/{code}/collections/{id}"): ("collection","One link: state, documents, identity check (never a number or an image)"),
 ("DELETE","/tenants/{code}/collections/{id}"): ("collection","Cancel an open link; its photos are dropped (clerk)"),
 ("GET","/tenants/{code}/collections/{id}/documents/{slot}"): ("collection","A submitted document photo, number or identity (assigned clerk; audited)"),
 ("POST","/tenants/{code}/collections/{id}/identity-check"): ("collection","Record the identity check {result, number_check, identity_check, note} (assigned clerk)"),
 ("GET","/collect"): ("collection","The link holder: whose link, for which purposes, which photos are in (link token)"),
 ("PUT","/collect/documents/{slot}"): ("collection","The link holder: a photo of the number or identity document {content_type, content_base64} (JPEG, PNG or PDF, at most 8 MiB)"),
 ("POST","/collect"): ("collection","The link holder: submit {mynumber, dependents}; the person is created and the link used up"),
}
# query parameters: long lists come a page at a time (docs/api.md, "Long lists")
LIMIT = ("limit", "integer", "rows per page (default 100; more than 1000 counts as 1000)")
AFTER = ("after", "integer", "the next_after of the previous page")
BEFORE = ("before", "integer", "the next_before of the previous page")
FROM, TO = ("from", "string", "first day, YYYY-MM-DD"), ("to", "string", "last day, YYYY-MM-DD")
Q = {
 ("GET","/audit"): [AFTER, LIMIT],
 ("GET","/tenants/{code}/persons"): [AFTER, LIMIT, ("kind", "string", "employee or payee"),
                                     ("name", "string", "part of the name or its kana (a number is refused)")],
 ("GET","/tenants/{code}/exports"): [BEFORE, LIMIT],
 ("GET","/tenants/{code}/imports"): [BEFORE, LIMIT],
 ("GET","/tenants/{code}/export-requests"): [BEFORE, LIMIT],
 ("GET","/tenants/{code}/deletion-requests"): [BEFORE, LIMIT],
 ("GET","/grant-requests"): [BEFORE, LIMIT],
 ("GET","/tenants/{code}/collections"): [BEFORE, LIMIT, ("state", "string", "open, submitted, confirmed, rejected, expired, cancelled or deleted")],
 ("GET","/tenants/{code}/usage"): [BEFORE, LIMIT, ("file", "string", "employees or payees"), FROM, TO,
                                   ("format", "string", "json (a page), csv, csv-sjis or html (the whole range)")],
}
link = {("GET","/collect"),("PUT","/collect/documents/{slot}"),("POST","/collect")}
anon = {("GET","/health"),("GET","/sys/seal-status"),("POST","/sys/unseal"),("POST","/sessions")}
paths = {}
for method, full in routes:
    p = full[len("/api/v1"):]
    tag, summary = S[(method, p)]
    op = {"tags": [tag], "summary": summary, "operationId": (method.lower() + re.sub(r"[^A-Za-z0-9]+", "_", p)).rstrip("_"),
          "responses": {"200": {"$ref": "#/components/responses/Ok"}, "default": {"$ref": "#/components/responses/Error"}}}
    if (method, p) in anon:
        op["security"] = []
    if (method, p) in link:
        op["security"] = [{"link": []}]
    if method in ("POST", "PUT"):
        ctype = "text/csv" if p.endswith("/data") else "application/json"
        op["requestBody"] = {"required": False, "content": {ctype: {"schema": {"type": "string"} if ctype == "text/csv" else {"type": "object"}}}}
    params = []
    for name in re.findall(r"\{([a-z]+)\}", p):
        schema = {"type": "integer", "minimum": 1} if name == "id" else {"type": "string"}
        params.append({"name": name, "in": "path", "required": True, "schema": schema})
    for name, typ, desc in Q.get((method, p), []):
        schema = {"type": "integer", "minimum": 0} if typ == "integer" else {"type": "string"}
        params.append({"name": name, "in": "query", "required": False, "description": desc, "schema": schema})
    if params:
        op["parameters"] = params
    paths.setdefault(p, {})[method.lower()] = op
unknown = set(Q) - {(m, f[len("/api/v1"):]) for m, f in routes}
assert not unknown, f"query parameters for routes the server does not have: {unknown}"
doc = {
 "openapi": "3.1.0",
 "info": {"title": "mnsafe API", "version": "1",
          "description": "The HTTPS JSON API of mnsafe (docs/api.md explains each route in detail). Every error has one shape: {\"error\": {\"code\", \"message\", \"message_ja\", \"field\"?}}. tests/integration/test_openapi.sh keeps this file, the server's route table and its handlers in step."},
 "servers": [{"url": "https://127.0.0.1:8443/api/v1", "description": "mnsafe serve with its default --listen; the Unix socket serves the same paths"}],
 "security": [{"bearer": []}],
 "paths": dict(sorted(paths.items())),
 "components": {
   "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "The token from POST /sessions"},
                       "link": {"type": "http", "scheme": "bearer", "description": "The token of a self-service collection link (mnc_...), from POST /tenants/{code}/collections"}},
   "schemas": {"Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["code", "message", "message_ja"], "properties": {
       "code": {"type": "string", "enum": ["invalid","check_digit","nomem","crypto","store","not_found","exists","auth","denied","purpose","sealed","bad_share","io","audit","tampered","limit","state","internal","disk_full","mfa","busy"]},
       "message": {"type": "string", "description": "English"}, "message_ja": {"type": "string", "description": "Japanese"},
       "field": {"type": "string", "description": "the field or column the error is about"}}}}}},
   "responses": {
     "Ok": {"description": "The result (JSON unless the route's format says otherwise)", "content": {"application/json": {"schema": {"type": "object"}}}},
     "Error": {"description": "An error: 400 invalid input, 401 login needed, 403 denied, 404 not found, 405 method not allowed, 409 state or exists, 413 limit, 503 sealed or busy, 507 disk full, 500 audit or store", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}}}}
json.dump(doc, open(sys.argv[2], "w"), ensure_ascii=False, indent=2)
open(sys.argv[2], "a").write("\n")
print(len(routes), "routes,", len(paths), "paths")
