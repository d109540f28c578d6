/*
 * probes.c: the check sheet items mnsafe decides about itself, from its live
 * configuration and state rather than a person's word. Each verdict names
 * the setting or state it read (probe_detail), so that an auditor can check
 * it. Items that mnsafe will prove once a feature exists say so ("feature
 * missing") and stay open to a person's assessment meanwhile.
 *
 * The table maps item ids of data/checksheet.json to probes; docs/checksheet.md
 * lists it. A probe returns satisfied, partly, not_satisfied, or
 * not_assessed with the reason.
 */
#include <stdarg.h>
#include <sys/timex.h>
#include <stdio.h>
#include <string.h>

#include "vault/internal.h"

struct verdict {
    const char *status;
    char detail[400];
};

typedef void probe_fn(struct mns_vault *v, struct verdict *out);

static void say(struct verdict *out, const char *status, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(struct verdict *out, const char *status, const char *fmt, ...)
{
    va_list ap;
    out->status = status;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
}

static int64_t count(struct mns_vault *v, const char *sql, int64_t since)
{
    struct mns_stmt *s;
    bool row = false;
    int64_t n = -1;
    if (mns_store_prepare(v->store, &s, sql) != MNS_OK)
        return -1;
    if ((strchr(sql, '?') == NULL || mns_stmt_bind_int64(s, 1, since) == MNS_OK) && mns_stmt_step(s, &row) == MNS_OK &&
        row)
        n = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return n;
}

static const char *roles_text(unsigned mask, char buf[64])
{
    snprintf(buf, 64, "%s%s%s%s", mask & MNS_ROLE_SYSADMIN ? "sysadmin " : "", mask & MNS_ROLE_OFFICER ? "officer " : "",
             mask & MNS_ROLE_CLERK ? "clerk " : "", mask & MNS_ROLE_AUDITOR ? "auditor " : "");
    return buf[0] ? buf : "none";
}

/* ---- F-a access control ---------------------------------------------------- */

static void p_access_limited(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied",
        "deny by default: numbers reach only clerks assigned to the tenant (and SPI file); sysadmins and auditors "
        "never see one; %lld assignment(s) in force",
        (long long)count(v, "SELECT count(*) FROM assignments", 0));
}

static void p_per_file(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied", "assignments name the SPI files they reach (employees, payees); %lld limited to part of a tenant",
        (long long)count(v, "SELECT count(*) FROM assignments WHERE files <> 3", 0));
}

static void p_source_networks(struct mns_vault *v, struct verdict *out)
{
    const struct access_role *clerk = &v->access.role[2];
    int64_t tenants = count(v, "SELECT count(*) FROM tenants WHERE allow_networks IS NOT NULL", 0);
    if (clerk->nnets > 0)
        say(out, "satisfied", "serve --allow-network clerk=...: %zu network(s); %lld tenant(s) with their own", clerk->nnets,
            (long long)tenants);
    else if (tenants > 0)
        say(out, "partly", "no --allow-network rule for clerks; %lld tenant(s) limit networks (tenant policy)",
            (long long)tenants);
    else
        say(out, "not_satisfied", "no --allow-network rule for clerks and no tenant policy limits networks");
}

static void p_client_cert(struct mns_vault *v, struct verdict *out)
{
    char b[64];
    if (v->require_client_cert_roles & MNS_ROLE_CLERK)
        say(out, "satisfied", "serve --require-client-cert: %s", roles_text(v->require_client_cert_roles, b));
    else
        say(out, "not_satisfied", "serve --require-client-cert does not include clerk (%s)",
            roles_text(v->require_client_cert_roles, b));
}

static void p_hours(struct mns_vault *v, struct verdict *out)
{
    int64_t tenants = count(v, "SELECT count(*) FROM tenants WHERE allow_hours IS NOT NULL", 0);
    if (v->access.role[2].hours.set)
        say(out, "satisfied", "serve --allow-hours clerk=%02u-%02u; %lld tenant(s) with their own hours",
            v->access.role[2].hours.from_hour, v->access.role[2].hours.to_hour, (long long)tenants);
    else if (tenants > 0)
        say(out, "partly", "no --allow-hours rule for clerks; %lld tenant(s) limit hours", (long long)tenants);
    else
        say(out, "not_satisfied", "no --allow-hours rule for clerks and no tenant policy limits hours");
}

static void p_access_log(struct mns_vault *v, struct verdict *out)
{
    struct mns_audit_report report;
    mns_errmsg em = {""};
    mns_err err = audit_verify_locked(v, &report, &em);
    int64_t n = count(v, "SELECT count(*) FROM audit_log", 0);
    if (err == MNS_OK)
        say(out, "satisfied", "every access is in the hash-chained audit log; audit verify: intact, %lld entries",
            (long long)n);
    else if (err == MNS_ERR_TAMPERED)
        say(out, "not_satisfied", "audit verify: broken at entry %llu (%.200s)", (unsigned long long)report.first_bad_seq,
            report.problem);
    else
        say(out, "not_assessed", "audit verify could not run: %.200s", em.text);
}

static void p_db_admin(struct mns_vault *v, struct verdict *out)
{
    if (strcmp(v->seal_mode, "shamir") == 0)
        say(out, "satisfied", "numbers are AES-256-GCM ciphertext under per-person keys; the keys exist only in the "
            "unsealed daemon, rebuilt from %u of the unseal shares (seal mode: shamir); a database administrator "
            "reads no number", v->threshold);
    else
        say(out, "partly", "numbers are encrypted, but the root key is kept in a key file (seal mode: %s, for demos): "
            "whoever reads the data directory can open them", v->seal_mode);
}

static void p_review(struct mns_vault *v, struct verdict *out)
{
    int64_t since = mns_now_ms() - (int64_t)365 * 86400 * 1000;
    int64_t n = count(v, "SELECT count(*) FROM audit_log WHERE action = 'access.review_confirm' AND result = 'ok' "
                         "AND ts >= ?", since);
    if (n > 0)
        say(out, "satisfied", "access review confirmed %lld time(s) in the last 365 days (audit: access.review_confirm)",
            (long long)n);
    else
        say(out, "not_satisfied", "no access review confirmed in the last 365 days (mnsafe access review / confirm)");
}

/* ---- F-b identification and authentication ------------------------------------ */

static void p_id_password(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied", "every user logs in with a personal ID and a password (Argon2id, at least %u characters)",
        v->pw_policy.min_length);
}

static void p_password_policy(struct mns_vault *v, struct verdict *out)
{
    const struct password_policy *p = &v->pw_policy;
    int set = (p->classes > 1) + (p->expiry_days > 0) + (p->history > 0);
    say(out, set == 3 ? "satisfied" : set > 0 ? "partly" : "not_satisfied",
        "password policy: min_length=%u, classes=%u, expiry_days=%u, history=%u, blocklist=%s (%zu entries)",
        p->min_length, p->classes, p->expiry_days, p->history, p->source, p->nblock);
}

static void p_one_session(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied", "one live session per ID: a second login %s (serve --sessions)",
        v->sessions_refuse ? "is refused" : "ends the first");
}

static void p_mfa(struct mns_vault *v, struct verdict *out)
{
    char b[64];
    int64_t tenants = count(v, "SELECT count(*) FROM tenants WHERE require_mfa = 1", 0);
    int64_t all = count(v, "SELECT count(*) FROM tenants", 0);
    if (v->require_mfa_roles & MNS_ROLE_CLERK)
        say(out, "satisfied", "serve --require-mfa: %s", roles_text(v->require_mfa_roles, b));
    else if (tenants > 0 && tenants == all)
        say(out, "satisfied", "every tenant (%lld) requires two-factor login (tenant policy)", (long long)tenants);
    else if (tenants > 0)
        say(out, "partly", "%lld of %lld tenants require two-factor login; serve --require-mfa: %s", (long long)tenants,
            (long long)all, roles_text(v->require_mfa_roles, b));
    else
        say(out, "not_satisfied", "two-factor login is required of no role and no tenant (--require-mfa: %s)",
            roles_text(v->require_mfa_roles, b));
}

static void p_risk(struct mns_vault *v, struct verdict *out)
{
    bool device = v->refuse_new_address || v->refuse_new_device, travel = v->travel_minutes > 0 && v->access.nplaces > 1;
    say(out, device && travel ? "satisfied" : device || travel ? "partly" : "not_satisfied",
        "login risk: refuse_new_address=%s, refuse_new_device=%s, travel_minutes=%u with %zu place(s)",
        v->refuse_new_address ? "on" : "off", v->refuse_new_device ? "on" : "off", v->travel_minutes, v->access.nplaces);
}

static void p_sod(struct mns_vault *v, struct verdict *out)
{
    if (v->separation_of_duties)
        say(out, "satisfied", "separation of duties on: roles and assignments are requested by one person and approved "
            "by another; one ID per person, one live session per ID");
    else
        say(out, "not_satisfied", "serve --separation-of-duties is off: a sysadmin grants roles and assignments alone");
}

/* ---- F-d leaks ----------------------------------------------------------------------- */

static void p_transport(struct mns_vault *v, struct verdict *out)
{
    const json_t *f = v->server_facts;
    if (f == NULL)
        say(out, "not_assessed", "no facts about the server were given to the vault");
    else if (json_is_true(json_object_get(f, "https")))
        say(out, "satisfied", "the API is served over HTTPS only (%s and later; the local socket is owner-only)",
            json_string_value(json_object_get(f, "tls_min")) ? json_string_value(json_object_get(f, "tls_min")) : "TLS");
    else
        say(out, "not_satisfied", "the daemon serves HTTP without TLS (serve --no-https)");
}

static void p_encrypted(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied", "every number is stored as AES-256-GCM ciphertext under its person's key; %lld person(s), "
        "no number in clear in the database, logs or audit", (long long)count(v, "SELECT count(*) FROM persons", 0));
}

static void p_missing(struct mns_vault *v, struct verdict *out, const char *what)
{
    (void)v;
    say(out, "not_assessed", "feature missing: %s; assess it by hand meanwhile", what);
}
static void p_ledger(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied", "the ledger of SPI files is computed from the live state (mnsafe ledger): per file its kind, "
        "name, responsible officers, purposes, access holders from the assignments, deletion and disposal status; "
        "%lld tenant(s)", (long long)count(v, "SELECT count(*) FROM tenants", 0));
}
static void p_ledger_review(struct mns_vault *v, struct verdict *out)
{
    char limit[11];
    mns_date d = mns_date_today();
    d.year -= 1;
    mns_date_format(d, limit);
    struct mns_stmt *s;
    bool row = false;
    int64_t n = 0, all = count(v, "SELECT count(*) FROM tenants", 0);
    if (mns_store_prepare(v->store, &s,
                          "SELECT count(DISTINCT tenant_id) FROM register_entries WHERE register = 'ledger_reviews' "
                          "AND json_extract(fields, '$.reviewed_on') >= ?") == MNS_OK) {
        if (mns_stmt_bind_text(s, 1, limit, -1) == MNS_OK && mns_stmt_step(s, &row) == MNS_OK && row)
            n = mns_stmt_int64(s, 0);
        mns_stmt_reset(s);
    }
    say(out, n >= all && all > 0 ? "satisfied" : n > 0 ? "partly" : "not_satisfied",
        "the ledger was reviewed in the last year for %lld of %lld tenant(s) (mnsafe ledger review)", (long long)n,
        (long long)all);
}
static void p_takeout(struct mns_vault *v, struct verdict *out)
{
    say(out, "not_assessed", "feature missing: entries made by exports (issue 8); the take-out register with the "
        "sheet's seven fields is kept (%lld entries): assess it by hand meanwhile",
        (long long)count(v, "SELECT count(*) FROM register_entries WHERE register = 'takeouts'", 0));
}

/* ---- the table -------------------------------------------------------------------------- */

static void p_db_link(struct mns_vault *v, struct verdict *out)
{
    const char *url = json_string_value(json_object_get(v->server_facts, "store"));
    if (url == NULL || strncmp(url, "sqlite", 6) == 0)
        say(out, "not_applicable", "the store is an embedded SQLite file: no network between the application and its "
            "database");
    else
        say(out, "not_assessed", "store %.40s: the database link is not probed yet", url);
}

static void p_secret_sharing(struct mns_vault *v, struct verdict *out)
{
    if (strcmp(v->seal_mode, "shamir") == 0)
        say(out, "partly", "the root key that opens every number is split by Shamir's secret sharing (%u shares needed); "
            "the data itself is encrypted, not split", v->threshold);
    else
        say(out, "not_satisfied", "seal mode %s: the root key is in one key file, not split", v->seal_mode);
}

static void p_masked(struct mns_vault *v, struct verdict *out)
{
    (void)v;
    say(out, "satisfied", "numbers are encrypted column by column under per-person keys and listed masked (clerks "
        "see the last four digits, everyone else none); only a purpose-bound reveal shows one");
}

static void p_retention(struct mns_vault *v, struct verdict *out)
{
    if (v->retention == NULL) {
        say(out, "not_assessed", "no retention rules are loaded (serve --retention FILE)");
        return;
    }
    char today[11];
    mns_date_format(mns_date_today(), today);
    struct mns_stmt *s;
    bool row = false;
    int64_t overdue = -1;
    if (mns_store_prepare(v->store, &s,
                          "SELECT count(*) FROM person_end e WHERE e.scheduled_on <= ? AND NOT EXISTS "
                          "(SELECT 1 FROM legal_holds h WHERE h.person_id = e.person_id)") == MNS_OK) {
        if (mns_stmt_bind_text(s, 1, today, -1) == MNS_OK && mns_stmt_step(s, &row) == MNS_OK && row)
            overdue = mns_stmt_int64(s, 0);
        mns_stmt_reset(s);
    }
    int64_t ended = count(v, "SELECT count(*) FROM person_end", 0);
    size_t nrules = json_array_size(json_object_get(mns_retention_json(v->retention), "rules"));
    if (overdue == 0)
        say(out, "satisfied", "%zu retention rules with their legal basis; %lld person(s) with an end of need; none past "
            "its date; deletion crypto-shreds (the data key destroyed, rows removed with secure delete)", nrules,
            (long long)ended);
    else if (overdue > 0)
        say(out, "not_satisfied", "%lld number(s) past their scheduled date are not deleted yet (mnsafe retention "
            "delete); %zu rules", (long long)overdue, nrules);
    else
        say(out, "not_assessed", "the due list could not be read");
}

static void p_disposal_register(struct mns_vault *v, struct verdict *out)
{
    say(out, "satisfied", "every deletion mnsafe does writes a disposal register entry (%lld entries, %lld by hand for "
        "paper and media: mnsafe disposal add); the deletion certificate is produced from it",
        (long long)count(v, "SELECT count(*) FROM disposal_register", 0),
        (long long)count(v, "SELECT count(*) FROM disposal_register WHERE source = 'manual'", 0));
}
static void p_clock(struct mns_vault *v, struct verdict *out)
{
    (void)v;
    struct timex tx;
    memset(&tx, 0, sizeof(tx));
    int state = adjtimex(&tx);
    if (state < 0)
        say(out, "not_assessed", "the kernel clock state cannot be read (adjtimex)");
    else if ((tx.status & STA_UNSYNC) == 0 && state != TIME_ERROR)
        say(out, "satisfied", "the kernel clock is synchronised (adjtimex: NTP in sync, estimated error %ld us); every "
            "date and time mnsafe records comes from it", tx.esterror);
    else
        say(out, "not_satisfied", "the kernel clock is not synchronised (adjtimex: unsynchronised): enable NTP "
            "(e.g. systemd-timesyncd or chrony)");
}

static void p_backup(struct mns_vault *v, struct verdict *out)
{
    int64_t since = mns_now_ms() - (int64_t)90 * 86400 * 1000;
    int64_t verified = count(v, "SELECT count(*) FROM audit_log WHERE action = 'backup.verify' AND result = 'ok' "
                                "AND ts >= ?", since);
    int64_t made = count(v, "SELECT count(*) FROM audit_log WHERE action = 'backup.create' AND result = 'ok' AND ts >= ?",
                         since);
    if (verified > 0)
        say(out, "satisfied", "%lld backup(s) made and %lld restore test(s) passed in the last 90 days (audit: "
            "backup.create, backup.verify); restores replay the deletion journal", (long long)made, (long long)verified);
    else if (made > 0)
        say(out, "partly", "%lld backup(s) in the last 90 days, but no restore test (mnsafe backup verify)",
            (long long)made);
    else
        say(out, "not_satisfied", "no backup in the last 90 days (mnsafe backup)");
}
static void p_missing_export(struct mns_vault *v, struct verdict *out)
{
    p_missing(v, out, "encrypted exports (issue 8)");
}
static void p_training(struct mns_vault *v, struct verdict *out)
{
    int64_t n = count(v, "SELECT count(*) FROM register_entries WHERE register = 'training'", 0);
    say(out, n > 0 ? "satisfied" : "not_satisfied", "%lld training session(s) recorded with content, attendees and "
        "next due date (mnsafe register list TENANT training)", (long long)n);
}

static const struct {
    const char *item;
    probe_fn *fn;
} probes[] = {
    /* C organizational */
    {"C-b-min-1", p_access_log},       /* use and output of SPI files recorded */
    {"C-b-opt-1", p_takeout},
    {"C-c-min-1", p_ledger},
    {"C-c-min-2", p_ledger_review},
    {"C-c-min-3", p_ledger},
    {"C-c-min-4", p_ledger},
    {"C-c-min-5", p_ledger},
    {"C-c-min-6", p_ledger},
    {"C-c-min-7", p_access_log},       /* records of the handling kept */
    /* D human */
    {"D-b-opt-4", p_training},
    /* E physical: take-outs, deletion and disposal */
    {"E-c-min-1", p_missing_export},
    {"E-c-opt-2", p_takeout},
    {"E-d-min-2", p_disposal_register},
    {"E-d-min-4", p_retention},
    /* F-a access control */
    {"F-a-1-min-1", p_access_limited},
    {"F-a-1-min-2", p_access_limited},
    {"F-a-1-opt-2", p_access_log},
    {"F-a-2-min-1", p_id_password},
    {"F-a-2-min-2", p_source_networks},
    {"F-a-2-opt-2", p_client_cert},
    {"F-a-2-opt-4", p_hours},
    {"F-a-2-opt-5", p_access_log},
    {"F-a-3-min-1", p_access_limited},
    {"F-a-3-opt-1", p_mfa},
    {"F-a-3-opt-2", p_per_file},
    {"F-a-3-opt-3", p_db_admin},
    {"F-a-3-opt-5", p_review},
    /* F-b identification and authentication */
    {"F-b-1-min-1", p_id_password},
    {"F-b-1-min-2", p_password_policy},
    {"F-b-1-min-3", p_one_session},
    {"F-b-1-opt-1", p_mfa},
    {"F-b-1-opt-2", p_risk},
    {"F-b-1-opt-3", p_sod},
    /* F-c outside attacks: logs kept from tampering; backups */
    {"F-c-5-opt-5", p_access_log},
    {"F-c-5-opt-6", p_clock},
    {"F-c-5-opt-10", p_backup},
    /* F-d leaks */
    {"F-d-1-min-1", p_transport},
    {"F-d-1-min-5", p_access_limited},
    {"F-d-1-min-6", p_retention},
    {"F-d-1-min-7", p_source_networks},
    {"F-d-1-opt-1", p_db_link},
    {"F-d-1-opt-3", p_encrypted},
    {"F-d-1-opt-5", p_secret_sharing},
    {"F-d-1-opt-7", p_masked},
    {"F-d-1-opt-8", p_missing_export},
};

json_t *probes_run(struct mns_vault *v)
{
    json_t *out = json_object();
    for (size_t i = 0; out != NULL && i < sizeof(probes) / sizeof(probes[0]); i++) {
        struct verdict r = {"not_assessed", ""};
        /* a probe for an item the loaded sheet lacks is a mistake of ours,
         * not the sheet's: it is left out, and the unit test catches it */
        if (v->checksheet != NULL && mns_checksheet_item(v->checksheet, probes[i].item) == NULL)
            continue;
        probes[i].fn(v, &r);
        json_object_set_new(out, probes[i].item, json_pack("{s:s, s:s}", "status", r.status, "probe_detail", r.detail));
    }
    return out;
}

/* For the unit test: every item the table names. */
size_t probes_items(const char **items, size_t max)
{
    size_t n = sizeof(probes) / sizeof(probes[0]);
    for (size_t i = 0; i < n && i < max; i++)
        items[i] = probes[i].item;
    return n;
}
