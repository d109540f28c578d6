/*
 * migrations.c: the schema, one numbered step at a time. Never edit a step
 * that has shipped; add a new one.
 *
 * No column ever holds a My Number in clear: numbers are AES-256-GCM
 * ciphertext under the person's data key (number_ct) plus an HMAC blind index
 * (number_bidx). Times are Unix milliseconds (INTEGER).
 */
#include "store/migrations.h"

const struct mns_migration mns_migrations[] = {
    {1, "vault core",
     /* key/value facts about the store: store_id, share set id, root check
      * blob, seal mode, audit public key */
     "CREATE TABLE meta (\n"
     "  key TEXT PRIMARY KEY,\n"
     "  value BLOB NOT NULL\n"
     ");\n"
     /* keys of the whole installation (e.g. the audit signing key), wrapped
      * by the root key */
     "CREATE TABLE system_keys (\n"
     "  name TEXT NOT NULL,\n"
     "  version INTEGER NOT NULL,\n"
     "  wrapped BLOB NOT NULL,\n"
     "  public_key BLOB,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  PRIMARY KEY (name, version)\n"
     ");\n"
     "CREATE TABLE tenants (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  code TEXT NOT NULL UNIQUE,\n"
     "  name TEXT NOT NULL,\n"
     "  corporate_number TEXT,\n"
     "  created_at INTEGER NOT NULL\n"
     ");\n"
     /* per tenant: key-encryption key || blind-index key, wrapped by the root key */
     "CREATE TABLE tenant_keys (\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  version INTEGER NOT NULL,\n"
     "  wrapped BLOB NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  PRIMARY KEY (tenant_id, version)\n"
     ");\n"
     "CREATE TABLE purposes (\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  code TEXT NOT NULL,\n"
     "  affair TEXT NOT NULL,\n"
     "  name_ja TEXT NOT NULL,\n"
     "  name_en TEXT NOT NULL,\n"
     "  PRIMARY KEY (tenant_id, code)\n"
     ");\n"
     "CREATE TABLE users (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  name TEXT NOT NULL UNIQUE,\n"
     "  role TEXT NOT NULL CHECK (role IN ('sysadmin','officer','clerk','auditor')),\n"
     "  pwhash TEXT NOT NULL,\n"
     "  must_change INTEGER NOT NULL DEFAULT 0,\n"
     "  disabled INTEGER NOT NULL DEFAULT 0,\n"
     "  created_at INTEGER NOT NULL\n"
     ");\n"
     /* which tenants a clerk or officer may work on */
     "CREATE TABLE assignments (\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  PRIMARY KEY (user_id, tenant_id)\n"
     ");\n"
     /* sessions by SHA-256 of the bearer token; the token itself is never stored */
     "CREATE TABLE sessions (\n"
     "  token_hash BLOB PRIMARY KEY,\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  last_seen INTEGER NOT NULL,\n"
     "  expires_at INTEGER NOT NULL,\n"
     "  client TEXT\n"
     ");\n"
     "CREATE TABLE persons (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  kind TEXT NOT NULL CHECK (kind IN ('employee','payee')),\n"
     "  name TEXT NOT NULL,\n"
     "  employee_code TEXT,\n"
     "  number_ct BLOB NOT NULL,\n"
     "  number_bidx BLOB NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  created_by INTEGER,\n"
     "  UNIQUE (tenant_id, number_bidx)\n"
     ");\n"
     /* the person's data key, wrapped by the tenant key: deleting this row is
      * the crypto-shredding of everything encrypted for the person */
     "CREATE TABLE person_keys (\n"
     "  person_id INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,\n"
     "  key_version INTEGER NOT NULL,\n"
     "  wrapped BLOB NOT NULL\n"
     ");\n"
     "CREATE TABLE person_purposes (\n"
     "  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,\n"
     "  purpose_code TEXT NOT NULL,\n"
     "  PRIMARY KEY (person_id, purpose_code)\n"
     ");\n"
     "CREATE TABLE dependents (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  person_id INTEGER NOT NULL REFERENCES persons(id) ON DELETE CASCADE,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  name TEXT NOT NULL,\n"
     "  relationship TEXT NOT NULL,\n"
     "  number_ct BLOB NOT NULL,\n"
     "  number_bidx BLOB NOT NULL,\n"
     "  created_at INTEGER NOT NULL\n"
     ");\n"
     "CREATE INDEX dependents_bidx ON dependents (tenant_id, number_bidx);\n"
     "CREATE INDEX dependents_person ON dependents (person_id);\n"
     /* deletion journal: replayed on restore so nothing deleted comes back */
     "CREATE TABLE deletions (\n"
     "  person_id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL,\n"
     "  deleted_at INTEGER NOT NULL,\n"
     "  deleted_by TEXT NOT NULL,\n"
     "  reason TEXT\n"
     ");\n"
     "CREATE TABLE audit_log (\n"
     "  seq INTEGER PRIMARY KEY,\n"
     "  ts INTEGER NOT NULL,\n"
     "  actor TEXT NOT NULL,\n"
     "  action TEXT NOT NULL,\n"
     "  tenant_id INTEGER NOT NULL,\n"
     "  subject TEXT,\n"
     "  purpose TEXT,\n"
     "  result TEXT NOT NULL,\n"
     "  client TEXT,\n"
     "  detail TEXT,\n"
     "  prev_hash BLOB NOT NULL,\n"
     "  hash BLOB NOT NULL\n"
     ");\n"
     "CREATE TABLE audit_checkpoints (\n"
     "  entries INTEGER PRIMARY KEY,\n"
     "  ts INTEGER NOT NULL,\n"
     "  head_hash BLOB NOT NULL,\n"
     "  note TEXT NOT NULL\n"
     ");\n"},
    {2, "lockout",
     /* failed logins per user and per source address, for lockout */
     "ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;\n"
     "ALTER TABLE users ADD COLUMN locked_until INTEGER NOT NULL DEFAULT 0;\n"
     "CREATE TABLE address_failures (\n"
     "  client TEXT PRIMARY KEY,\n"
     "  failures INTEGER NOT NULL,\n"
     "  window_start INTEGER NOT NULL,\n"
     "  locked_until INTEGER NOT NULL DEFAULT 0\n"
     ");\n"},
    {3, "password policy",
     /* when the password was set (expiry) and the hashes of earlier ones
      * (history), for the password policy */
     "ALTER TABLE users ADD COLUMN password_changed_at INTEGER NOT NULL DEFAULT 0;\n"
     "CREATE TABLE password_history (\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  changed_at INTEGER NOT NULL,\n"
     "  pwhash TEXT NOT NULL\n"
     ");\n"
     "CREATE INDEX password_history_user ON password_history (user_id, changed_at);\n"},
    {4, "totp",
     /* the TOTP secret, wrapped by the root key (AD names the user), and the
      * last step used (replay); recovery codes by SHA-256 */
     "ALTER TABLE users ADD COLUMN totp_wrapped BLOB;\n"
     "ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0;\n"
     "ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT -1;\n"
     "CREATE TABLE recovery_codes (\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  code_hash BLOB NOT NULL,\n"
     "  used_at INTEGER,\n"
     "  PRIMARY KEY (user_id, code_hash)\n"
     ");\n"},
    {5, "separation of duties",
     /* assignments asked for by one user and decided by another */
     "CREATE TABLE grant_requests (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  requested_by TEXT NOT NULL,\n"
     "  requested_at INTEGER NOT NULL,\n"
     "  status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected')),\n"
     "  decided_by TEXT,\n"
     "  decided_at INTEGER\n"
     ");\n"},
    {6, "login risk",
     /* addresses each user logged in from, and the place of the last login */
     "CREATE TABLE user_addresses (\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  client TEXT NOT NULL,\n"
     "  first_seen INTEGER NOT NULL,\n"
     "  last_seen INTEGER NOT NULL,\n"
     "  PRIMARY KEY (user_id, client)\n"
     ");\n"
     "ALTER TABLE users ADD COLUMN last_place TEXT;\n"
     "ALTER TABLE users ADD COLUMN last_place_at INTEGER NOT NULL DEFAULT 0;\n"},
    {7, "tenant policy, file scopes, role grants, devices",
     /* a tenant's own rules, on top of the installation's: two factors for
      * everyone working on it, and the networks and hours it may be reached
      * from (the formats of --allow-network and --allow-hours, without role) */
     "ALTER TABLE tenants ADD COLUMN require_mfa INTEGER NOT NULL DEFAULT 0;\n"
     "ALTER TABLE tenants ADD COLUMN allow_networks TEXT;\n"
     "ALTER TABLE tenants ADD COLUMN allow_hours TEXT;\n"
     /* the SPI files of the tenant an assignment reaches, as a bit set:
      * 1 employees (and their dependents), 2 payees; 3 both */
     "ALTER TABLE assignments ADD COLUMN files INTEGER NOT NULL DEFAULT 3;\n"
     /* a role granted with separation of duties is not in force until
      * another person approves it */
     "ALTER TABLE users ADD COLUMN role_pending INTEGER NOT NULL DEFAULT 0;\n"
     /* grant requests: assignments (tenant_id set, files) or roles (role
      * set, tenant_id NULL); rebuilt because tenant_id becomes optional */
     "ALTER TABLE grant_requests RENAME TO grant_requests_v6;\n"
     "CREATE TABLE grant_requests (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  kind TEXT NOT NULL CHECK (kind IN ('assignment','role')),\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  tenant_id INTEGER REFERENCES tenants(id),\n"
     "  files INTEGER NOT NULL DEFAULT 3,\n"
     "  role TEXT CHECK (role IS NULL OR role IN ('sysadmin','officer','clerk','auditor')),\n"
     "  requested_by TEXT NOT NULL,\n"
     "  requested_at INTEGER NOT NULL,\n"
     "  status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected')),\n"
     "  decided_by TEXT,\n"
     "  decided_at INTEGER,\n"
     "  CHECK ((kind = 'assignment' AND tenant_id IS NOT NULL) OR (kind = 'role' AND role IS NOT NULL))\n"
     ");\n"
     "INSERT INTO grant_requests (id, kind, user_id, tenant_id, requested_by, requested_at, status, decided_by, "
     "decided_at) SELECT id, 'assignment', user_id, tenant_id, requested_by, requested_at, status, decided_by, "
     "decided_at FROM grant_requests_v6;\n"
     "DROP TABLE grant_requests_v6;\n"
     /* devices a user logged in from: the SHA-256 of a random device token
      * the client keeps; the token itself is never stored */
     "CREATE TABLE user_devices (\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  token_hash BLOB NOT NULL,\n"
     "  first_seen INTEGER NOT NULL,\n"
     "  last_seen INTEGER NOT NULL,\n"
     "  PRIMARY KEY (user_id, token_hash)\n"
     ");\n"},
    {8, "totp algorithm and digits",
     /* 1 SHA-1, 2 SHA-256, 3 SHA-512 (mns_totp_alg); 6 or 8 digits */
     "ALTER TABLE users ADD COLUMN totp_alg INTEGER NOT NULL DEFAULT 1;\n"
     "ALTER TABLE users ADD COLUMN totp_digits INTEGER NOT NULL DEFAULT 6;\n"},
    {9, "check sheet assessments",
     /* a dated run over the check sheet for a tenant; sheet_sha256 names
      * the sheet (data/checksheet.json) it was made against */
     "CREATE TABLE assessments (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  title TEXT NOT NULL,\n"
     "  started_at INTEGER NOT NULL,\n"
     "  started_by TEXT NOT NULL,\n"
     "  sheet_sha256 TEXT NOT NULL\n"
     ");\n"
     /* one row per item assessed: by a person (attested_by a user name) or
      * by a probe of mnsafe's own state (attested_by 'mnsafe', probe_detail
      * naming the setting read); times in ms, due a date (YYYY-MM-DD) */
     "CREATE TABLE assessment_results (\n"
     "  assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,\n"
     "  item_id TEXT NOT NULL,\n"
     "  status TEXT NOT NULL CHECK (status IN ('satisfied','not_satisfied','partly','not_applicable','not_assessed')),\n"
     "  reason TEXT,\n"
     "  attested_by TEXT NOT NULL,\n"
     "  attested_at INTEGER NOT NULL,\n"
     "  evidence_note TEXT,\n"
     "  evidence_link TEXT,\n"
     "  evidence_expires INTEGER,\n"
     "  owner TEXT,\n"
     "  due TEXT,\n"
     "  probe_detail TEXT,\n"
     "  PRIMARY KEY (assessment_id, item_id)\n"
     ");\n"},
    {10, "assessment parts and evidence files",
     /* the item's check boxes ticked (part ids, comma-separated) */
     "ALTER TABLE assessment_results ADD COLUMN parts TEXT;\n"
     /* files given as evidence: AES-256-GCM under a key of their own,
      * wrapped by the tenant key; sha256 of the plaintext, named in the
      * audit entry */
     "CREATE TABLE assessment_evidence (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,\n"
     "  item_id TEXT NOT NULL,\n"
     "  filename TEXT NOT NULL,\n"
     "  content_type TEXT NOT NULL,\n"
     "  size INTEGER NOT NULL,\n"
     "  sha256 TEXT NOT NULL,\n"
     "  key_version INTEGER NOT NULL,\n"
     "  wrapped_key BLOB NOT NULL,\n"
     "  content_ct BLOB NOT NULL,\n"
     "  uploaded_by TEXT NOT NULL,\n"
     "  uploaded_at INTEGER NOT NULL\n"
     ");\n"
     "CREATE INDEX assessment_evidence_item ON assessment_evidence (assessment_id, item_id);\n"},
    {11, "retention and disposal",
     /* the end of need (retirement, contract end, a payee's last payment),
      * the legal date computed from the rules and the purposes, and the date
      * deletion is scheduled for (later only by a tenant's rule, shown as such) */
     "CREATE TABLE person_end (\n"
     "  person_id INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,\n"
     "  ended_on TEXT NOT NULL,\n"
     "  reason TEXT NOT NULL CHECK (reason IN ('retirement','contract_end','last_payment')),\n"
     "  legal_on TEXT NOT NULL,\n"
     "  rule_code TEXT,\n"
     "  scheduled_on TEXT NOT NULL,\n"
     "  recorded_by TEXT NOT NULL,\n"
     "  recorded_at INTEGER NOT NULL\n"
     ");\n"
     "CREATE TABLE legal_holds (\n"
     "  person_id INTEGER PRIMARY KEY REFERENCES persons(id) ON DELETE CASCADE,\n"
     "  reason TEXT NOT NULL,\n"
     "  placed_by TEXT NOT NULL,\n"
     "  placed_at INTEGER NOT NULL\n"
     ");\n"
     /* a tenant that deletes once a year, after its fiscal year end */
     "ALTER TABLE tenants ADD COLUMN fy_end_month INTEGER;\n"
     "ALTER TABLE tenants ADD COLUMN fy_rule_reason TEXT;\n"
     /* 廃棄管理記録簿: what kind of data, how many persons, when, by whom,
      * how, under which rule; mnsafe's own deletions and manual entries for
      * paper and media. Never a number. */
     "CREATE TABLE disposal_register (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  source TEXT NOT NULL CHECK (source IN ('mnsafe','manual')),\n"
     "  data_kind TEXT NOT NULL,\n"
     "  persons INTEGER,\n"
     "  disposed_on TEXT NOT NULL,\n"
     "  recorded_at INTEGER NOT NULL,\n"
     "  disposed_by TEXT NOT NULL,\n"
     "  method TEXT NOT NULL,\n"
     "  rules TEXT,\n"
     "  contractor TEXT,\n"
     "  certificate_sha256 TEXT,\n"
     "  note TEXT\n"
     ");\n"},
    {12, "disposal certificates",
     /* a contractor's certificate attached to a manual disposal entry,
      * sealed like evidence files (sealed_files.c) */
     "CREATE TABLE disposal_certificates (\n"
     "  entry_id INTEGER PRIMARY KEY REFERENCES disposal_register(id),\n"
     "  filename TEXT NOT NULL,\n"
     "  content_type TEXT NOT NULL,\n"
     "  size INTEGER NOT NULL,\n"
     "  sha256 TEXT NOT NULL,\n"
     "  key_version INTEGER NOT NULL,\n"
     "  wrapped_key BLOB NOT NULL,\n"
     "  content_ct BLOB NOT NULL\n"
     ");\n"},
    {13, "deletion requests",
     /* with --deletion-approval a clerk's deletion waits for an officer */
     "CREATE TABLE deletion_requests (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  person_id INTEGER NOT NULL,\n"
     "  reason TEXT,\n"
     "  requested_by TEXT NOT NULL,\n"
     "  requested_at INTEGER NOT NULL,\n"
     "  status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected')),\n"
     "  decided_by TEXT,\n"
     "  decided_at INTEGER\n"
     ");\n"},
    {14, "registers",
     /* the registers people keep (pledges, training, take-outs, ...): one
      * row per entry, its fields as JSON checked against the register's
      * definition in lib/vault/registers.c (never a number) */
     "CREATE TABLE register_entries (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  register TEXT NOT NULL,\n"
     "  fields TEXT NOT NULL,\n"
     "  created_by TEXT NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  updated_by TEXT,\n"
     "  updated_at INTEGER\n"
     ");\n"
     "CREATE INDEX register_entries_tenant ON register_entries (tenant_id, register);\n"
     /* a tenant may require a current pledge and training of its clerks */
     "ALTER TABLE tenants ADD COLUMN require_pledge_training INTEGER NOT NULL DEFAULT 0;\n"},
    {15, "imports and exports",
     /* what payroll files carry beside the name */
     "ALTER TABLE persons ADD COLUMN name_kana TEXT;\n"
     "ALTER TABLE persons ADD COLUMN birth_date TEXT;\n"
     "ALTER TABLE dependents ADD COLUMN name_kana TEXT;\n"
     "ALTER TABLE dependents ADD COLUMN birth_date TEXT;\n"
     "CREATE INDEX persons_code ON persons (tenant_id, employee_code);\n"
     /* a CSV import: rows are checked and sealed into import_rows first;
      * storing moves the valid ones into persons in one act */
     "CREATE TABLE imports (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  created_by TEXT NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  file_name TEXT,\n"
     "  encoding TEXT NOT NULL,\n"
     "  options TEXT NOT NULL,\n"
     "  columns TEXT,\n"
     "  status TEXT NOT NULL CHECK (status IN ('receiving','checked','stored','discarded','interrupted','failed')),\n"
     "  bytes INTEGER NOT NULL DEFAULT 0,\n"
     "  rows INTEGER NOT NULL DEFAULT 0,\n"
     "  valid_persons INTEGER NOT NULL DEFAULT 0,\n"
     "  valid_dependents INTEGER NOT NULL DEFAULT 0,\n"
     "  invalid_rows INTEGER NOT NULL DEFAULT 0,\n"
     "  finished_at INTEGER\n"
     ");\n"
     "CREATE TABLE import_rows (\n"
     "  import_id INTEGER NOT NULL REFERENCES imports(id),\n"
     "  row_no INTEGER NOT NULL,\n"
     "  id INTEGER NOT NULL,\n"
     "  kind TEXT NOT NULL CHECK (kind IN ('employee','payee','dependent')),\n"
     "  person_id INTEGER,\n"
     "  name TEXT NOT NULL,\n"
     "  name_kana TEXT,\n"
     "  birth_date TEXT,\n"
     "  employee_code TEXT,\n"
     "  relationship TEXT,\n"
     "  key_version INTEGER,\n"
     "  wrapped BLOB,\n"
     "  number_ct BLOB NOT NULL,\n"
     "  number_bidx BLOB NOT NULL,\n"
     "  PRIMARY KEY (import_id, row_no)\n"
     ");\n"
     "CREATE UNIQUE INDEX import_rows_person_bidx ON import_rows (import_id, number_bidx) WHERE kind <> 'dependent';\n"
     "CREATE INDEX import_rows_code ON import_rows (import_id, employee_code);\n"
     "CREATE TABLE import_purposes (\n"
     "  import_id INTEGER NOT NULL,\n"
     "  person_id INTEGER NOT NULL,\n"
     "  purpose_code TEXT NOT NULL,\n"
     "  PRIMARY KEY (import_id, person_id, purpose_code)\n"
     ");\n"
     /* the per-row report: never a number, never a cell's text */
     "CREATE TABLE import_errors (\n"
     "  import_id INTEGER NOT NULL,\n"
     "  row_no INTEGER NOT NULL,\n"
     "  seq INTEGER NOT NULL,\n"
     "  column_name TEXT,\n"
     "  field TEXT,\n"
     "  code TEXT NOT NULL,\n"
     "  message_en TEXT NOT NULL,\n"
     "  message_ja TEXT NOT NULL,\n"
     "  PRIMARY KEY (import_id, row_no, seq)\n"
     ");\n"
     /* exports: what left, for whom, and its take-out register entry */
     "CREATE TABLE exports (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  created_by TEXT NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  purpose_code TEXT,\n"
     "  recipient TEXT,\n"
     "  fields TEXT NOT NULL,\n"
     "  encoding TEXT NOT NULL,\n"
     "  protection TEXT NOT NULL CHECK (protection IN ('age','zip','none')),\n"
     "  persons INTEGER NOT NULL,\n"
     "  dependents INTEGER NOT NULL,\n"
     "  sha256 TEXT NOT NULL,\n"
     "  takeout_id INTEGER,\n"
     "  request_id INTEGER\n"
     ");\n"
     "CREATE TABLE export_persons (\n"
     "  export_id INTEGER NOT NULL,\n"
     "  person_id INTEGER NOT NULL,\n"
     "  PRIMARY KEY (export_id, person_id)\n"
     ");\n"
     /* with a tenant's export approval on, an export waits for an officer */
     "CREATE TABLE export_requests (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  spec TEXT NOT NULL,\n"
     "  reason TEXT,\n"
     "  requested_by TEXT NOT NULL,\n"
     "  requested_at INTEGER NOT NULL,\n"
     "  status TEXT NOT NULL CHECK (status IN ('pending','approved','rejected','used')),\n"
     "  decided_by TEXT,\n"
     "  decided_at INTEGER\n"
     ");\n"
     "ALTER TABLE tenants ADD COLUMN export_approval INTEGER NOT NULL DEFAULT 0;\n"},
    {16, "program tokens",
     /* long-lived bearer tokens a user makes for a program (payroll
     * software): only their SHA-256 is kept; no idle timeout, an expiry */
     "CREATE TABLE api_tokens (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,\n"
     "  name TEXT NOT NULL,\n"
     "  token_hash BLOB NOT NULL UNIQUE,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  expires_at INTEGER NOT NULL,\n"
     "  last_used INTEGER\n"
     ");\n"},
    {17, "dependent deletions",
     /* the deletion journal for single dependents: replayed on restore like
      * the persons' journal, so a dependent deleted stays deleted */
     "CREATE TABLE dependent_deletions (\n"
     "  dependent_id INTEGER PRIMARY KEY,\n"
     "  person_id INTEGER NOT NULL,\n"
     "  tenant_id INTEGER NOT NULL,\n"
     "  deleted_at INTEGER NOT NULL,\n"
     "  deleted_by TEXT NOT NULL,\n"
     "  reason TEXT\n"
     ");\n"},
    {18, "shared rate limit",
     /* requests per network client and second, added by every server on a
      * shared database once a second, so that a client spreading its
      * requests over several servers meets one limit; kept a minute */
     "CREATE TABLE rate_counts (\n"
     "  client TEXT NOT NULL,\n"
     "  window_start INTEGER NOT NULL,\n"
     "  requests INTEGER NOT NULL,\n"
     "  PRIMARY KEY (client, window_start)\n"
     ");\n"},
    {19, "tenancy at scale",
     /* one tenant among many (bench/tenants.sh, 10 x 100,000 persons): a
      * tenant's records of the audit log newest first (usage register), its
      * persons in id order (pages), and counted by kind (the ledger),
      * without reading the other tenants' rows */
     "CREATE INDEX audit_log_tenant ON audit_log (tenant_id, seq);\n"
     "CREATE INDEX persons_tenant ON persons (tenant_id, id);\n"
     "CREATE INDEX persons_tenant_kind ON persons (tenant_id, kind);\n"},
    {20, "purposes in use",
     /* how many persons of a tenant's file (employees, payees) each purpose
      * was collected for, kept as persons come and go: the ledger lists the
      * purposes in use without reading every person (105 ms at 100,000 on
      * PostgreSQL; bench/tenants.sh) */
     "CREATE TABLE purpose_use (\n"
     "  tenant_id INTEGER NOT NULL,\n"
     "  kind TEXT NOT NULL,\n"
     "  purpose_code TEXT NOT NULL,\n"
     "  persons INTEGER NOT NULL,\n"
     "  PRIMARY KEY (tenant_id, kind, purpose_code)\n"
     ");\n"
     "INSERT INTO purpose_use (tenant_id, kind, purpose_code, persons) "
     "SELECT p.tenant_id, p.kind, x.purpose_code, count(*) FROM person_purposes x JOIN persons p ON p.id = x.person_id "
     "GROUP BY p.tenant_id, p.kind, x.purpose_code;\n"},
    {21, "self-service collection",
     /* one-time links a clerk issues so that an employee enters their own
      * number and photographs the documents of the identity check. Only the
      * link token's hash is kept. The data key made for the link (wrapped
      * while the link is open) becomes the person's at submission, so the
      * document images are shredded with the person. */
     "CREATE TABLE collections (\n"
     "  id INTEGER PRIMARY KEY,\n"
     "  tenant_id INTEGER NOT NULL REFERENCES tenants(id),\n"
     "  token_hash BLOB NOT NULL UNIQUE,\n"
     "  kind TEXT NOT NULL CHECK (kind IN ('employee','payee')),\n"
     "  name TEXT NOT NULL,\n"
     "  employee_code TEXT,\n"
     "  purposes TEXT NOT NULL,\n"
     "  state TEXT NOT NULL,\n"
     "  key_version INTEGER,\n"
     "  wrapped BLOB,\n"
     "  person_id INTEGER,\n"
     "  created_by TEXT NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  expires_at INTEGER NOT NULL,\n"
     "  opened_at INTEGER,\n"
     "  submitted_at INTEGER,\n"
     "  checked_by TEXT,\n"
     "  checked_at INTEGER,\n"
     "  number_check TEXT,\n"
     "  identity_check TEXT,\n"
     "  check_note TEXT\n"
     ");\n"
     "CREATE INDEX collections_tenant ON collections (tenant_id, id);\n"
     "CREATE INDEX collections_person ON collections (person_id);\n"
     "CREATE TABLE collection_documents (\n"
     "  collection_id INTEGER NOT NULL REFERENCES collections(id),\n"
     "  slot TEXT NOT NULL,\n"
     "  person_id INTEGER,\n"
     "  content_type TEXT NOT NULL,\n"
     "  size INTEGER NOT NULL,\n"
     "  ct BLOB NOT NULL,\n"
     "  created_at INTEGER NOT NULL,\n"
     "  PRIMARY KEY (collection_id, slot)\n"
     ");\n"
     "CREATE INDEX collection_documents_person ON collection_documents (person_id);\n"},
    {22, "16-byte blind indexes",
     /* mns_blind_index keeps the HMAC's first 16 bytes (128 bits) instead of
      * 32: the random-order index on (tenant_id, number_bidx) is a third
      * smaller, and each batch of inserts dirties fewer of its pages (8% more
      * persons/s in bench_import). A stored index cut to the same prefix is
      * what the new code computes, so lookups and duplicate checks go on
      * matching. */
     "UPDATE persons SET number_bidx = substr(number_bidx, 1, 16) WHERE length(number_bidx) > 16;\n"
     "UPDATE dependents SET number_bidx = substr(number_bidx, 1, 16) WHERE length(number_bidx) > 16;\n"
     "UPDATE import_rows SET number_bidx = substr(number_bidx, 1, 16) WHERE length(number_bidx) > 16;\n"},
    {23, "person keys in the person's row",
     /* the wrapped data key moves from person_keys into the person's own
      * row: one B-tree and one insert less per person (5% more persons/s in
      * bench_import). Deleting the row is now the crypto-shredding, under
      * secure_delete as before; the old table's pages are zeroed as it is
      * dropped. */
     "ALTER TABLE persons ADD COLUMN key_version INTEGER;\n"
     "ALTER TABLE persons ADD COLUMN wrapped BLOB;\n"
     "UPDATE persons SET key_version = (SELECT k.key_version FROM person_keys k WHERE k.person_id = persons.id), "
     "wrapped = (SELECT k.wrapped FROM person_keys k WHERE k.person_id = persons.id);\n"
     "DROP TABLE person_keys;\n"},
    {24, "import staging outside the durable schema",
     /* an import's checked rows are staged in tables of their own
      * (mns_staging_ddl_fmt below), which every store opens for itself:
      * SQLite in a scratch file beside the store, PostgreSQL unlogged. An
      * import staged here when this step runs cannot be stored any more. */
     "UPDATE imports SET status = 'interrupted' WHERE status IN ('receiving', 'checked');\n"
     "DROP TABLE import_purposes;\n"
     "DROP TABLE import_rows;\n"},
};

const int mns_migrations_count = (int)(sizeof(mns_migrations) / sizeof(mns_migrations[0]));

/*
 * The import staging tables: what an import checked and sealed, until it is
 * stored or discarded. Not a migration: they are scratch space, created by
 * mns_store_staging_open on every start. {schema} stands for the schema
 * prefix the tables go into ("staging." for SQLite's attached file), {kind}
 * for the table kind ("UNLOGGED " on PostgreSQL). Numbers are sealed here as in persons:
 * the wrapped data key, the ciphertext and the blind index, never clear.
 */
const char mns_staging_ddl[] =
    "CREATE {kind}TABLE IF NOT EXISTS {schema}import_rows (\n"
    "  import_id INTEGER NOT NULL,\n"
    "  row_no INTEGER NOT NULL,\n"
    "  id INTEGER NOT NULL,\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('employee','payee','dependent')),\n"
    "  person_id INTEGER,\n"
    "  name TEXT NOT NULL,\n"
    "  name_kana TEXT,\n"
    "  birth_date TEXT,\n"
    "  employee_code TEXT,\n"
    "  relationship TEXT,\n"
    "  key_version INTEGER,\n"
    "  wrapped BLOB,\n"
    "  number_ct BLOB NOT NULL,\n"
    "  number_bidx BLOB NOT NULL,\n"
    "  PRIMARY KEY (import_id, row_no)\n"
    ");\n"
    "CREATE UNIQUE INDEX IF NOT EXISTS {schema}import_rows_person_bidx ON import_rows (import_id, number_bidx) "
    "WHERE kind <> 'dependent';\n"
    "CREATE INDEX IF NOT EXISTS {schema}import_rows_code ON import_rows (import_id, employee_code);\n"
    "CREATE {kind}TABLE IF NOT EXISTS {schema}import_purposes (\n"
    "  import_id INTEGER NOT NULL,\n"
    "  person_id INTEGER NOT NULL,\n"
    "  purpose_code TEXT NOT NULL,\n"
    "  PRIMARY KEY (import_id, person_id, purpose_code)\n"
    ");\n";
