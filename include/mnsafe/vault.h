/*
 * vault.h: the vault: tenants, persons and their numbers, users and sessions,
 * seal state, all behind deny-by-default authorisation and the audit log.
 *
 * Every act runs in one store transaction together with its audit entry; if
 * the entry cannot be written the act does not happen (MNS_ERR_AUDIT). A
 * refused or failed act is audited too, in a transaction of its own.
 *
 * The vault holds the root key and the unwrapped tenant keys in secure memory
 * while unsealed; mns_vault_seal() wipes them. Calls are serialised by a mutex
 * inside the vault (password hashing runs outside it), so one vault may be
 * shared by the daemon's worker threads.
 *
 * Results are jansson objects owned by the caller (json_decref). A result that
 * holds a number in clear (reveal) must be freed promptly; the daemon installs
 * a wiping allocator for jansson (mns_vault_json_wipe_allocator).
 */
#ifndef MNSAFE_VAULT_H
#define MNSAFE_VAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "mnsafe/audit.h"
#include "mnsafe/checksheet.h"
#include "mnsafe/retention.h"
#include "mnsafe/crypto.h"
#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mns_vault;

typedef enum mns_role {
    MNS_ROLE_NONE = 0,
    MNS_ROLE_SYSADMIN = 1,
    MNS_ROLE_OFFICER = 2,
    MNS_ROLE_CLERK = 4,
    MNS_ROLE_AUDITOR = 8
} mns_role;

const char *mns_role_name(mns_role role);
mns_role mns_role_parse(const char *name);

/* Who is acting, from where. Filled by mns_vault_authenticate. */
struct mns_actor {
    int64_t user_id;   /* 0: nobody logged in */
    char name[64];
    mns_role role;
    bool must_change_password; /* one-time password in use: nothing but a change is allowed */
    bool totp_enabled;         /* logs in with a second factor */
    bool must_enroll_mfa;      /* the role needs two-factor login and it is not set up:
                                * nothing but enrolment is allowed */
    bool role_pending;         /* the role awaits another person's approval
                                * (separation of duties): role is NONE till then */
    bool program;              /* authenticated by a program token (mnt_...), not a login */
    char client[64];   /* "unix", "127.0.0.1", ... */
};

/* Sets actor to "nobody" from client. */
void mns_actor_anonymous(struct mns_actor *actor, const char *client);

struct mns_vault_config {
    const char *data_dir;        /* required */
    const char *store_url;       /* NULL: sqlite:<data_dir>/mnsafe.db */
    unsigned store_pool;         /* PostgreSQL: connections for reads beside the writer's; 0: 4 */
    unsigned checkpoint_every;   /* audit checkpoint interval in entries; 0: 1000 */
    unsigned session_idle_s;     /* 0: 1800 */
    unsigned session_max_s;      /* 0: 43200 */
    unsigned lockout_failures;   /* failed logins in a row that lock a user; 0: 5 */
    unsigned address_failures;   /* failed logins from one address (per lockout_s) that lock it; 0: 20 */
    unsigned lockout_s;          /* how long a lock lasts; 0: 900 */
    bool sessions_refuse;        /* one live session per ID: a second login is refused (true)
                                  * or ends the first (false, the default) */
    /* password policy (NIST SP 800-63B-4 defaults; the JNSA sheet's
     * complexity, expiry and history can be turned on) */
    unsigned password_min_length;   /* characters; 0: 12 */
    unsigned password_classes;      /* of lower/upper/digit/other required; 0: no rule */
    unsigned password_history;      /* earlier passwords refused; 0: no rule */
    unsigned password_expiry_days;  /* 0: no expiry */
    const char *password_blocklist; /* common passwords, one a line; NULL: john-data's list
                                     * if installed, else a short built-in one */
    /* where and when roles may work (F-a 2); NULL-terminated lists of
     * "ROLE=CIDR[,CIDR...]" and "ROLE=HH-HH[@day-day]" (local time); a role
     * without rules is not limited; the local socket is not subject to
     * network rules */
    const char *const *allow_networks;
    const char *const *allow_hours;
    /* separation of duties (F-b optional 3): an assignment is a request that
     * an officer other than the requester (and than the user concerned)
     * approves */
    bool separation_of_duties;
    /* a clerk's deletion of a person is a request an officer approves
     * (scheduled deletion is an officer's act anyway) */
    bool deletion_approval;
    /* roles (MNS_ROLE_* bits) that must log in with two factors; a user of
     * such a role without TOTP may only enrol (e.g. every role that can
     * see numbers: MNS_ROLE_CLERK | MNS_ROLE_OFFICER) */
    unsigned require_mfa_roles;
    /* roles (MNS_ROLE_* bits) whose sessions, used over the network, need a
     * verified HTTPS client certificate whose CN is the user name */
    unsigned require_client_cert_roles;
    /* login risk (F-b optional 2): a login from a network address the user
     * never logged in from is refused unless the user logs in with two
     * factors (the first login of a user is allowed); places are named
     * networks ("NAME=CIDR[,CIDR]"), and two logins of one user from
     * different places within travel_minutes are refused (0: no rule) */
    bool refuse_new_address;
    /* the same for devices: a login whose device token (see
     * mns_vault_login_device) is missing or unknown for the user */
    bool refuse_new_device;
    const char *const *places;
    unsigned travel_minutes;
    /* the check sheet (data/checksheet.json), loaded by the caller and kept
     * alive while the vault is open; NULL: assessments are refused */
    const struct mns_checksheet *checksheet;
    /* the retention rules (data/retention.json), borrowed like checksheet;
     * NULL: end of need and scheduled deletion are refused */
    const struct mns_retention *retention;
    /* facts about the server around the vault that probes read (the
     * vault cannot see them): {"https": bool, "tls_min": "TLSv1.2", ...};
     * borrowed like checksheet; NULL: none */
    const json_t *server_facts;
};

/* Files inside the data directory. */
#define MNS_DB_FILE "mnsafe.db"
#define MNS_CHECKPOINT_FILE "audit-checkpoints.log"
#define MNS_AUDIT_PUB_FILE "audit.pub"
#define MNS_DEV_KEY_FILE "dev-root.key"
#define MNS_AUDIT_KEY_NAME "mnsafe-audit"

#define MNS_PASSWORD_MAX 256
#define MNS_TOKEN_LEN 68 /* "mns_" + 64 hex */

/*
 * One page of a list that runs newest first (exports, export requests,
 * deletion requests, grant requests, collection links, usage records): the rows whose id is below `before` (0: from the
 * newest), at most `limit` of them (0: MNS_LIST_PAGE_DEFAULT; more than
 * MNS_LIST_PAGE_MAX counts as the maximum). A NULL page is the first one.
 * The answer has "next_before": the `before` of the next page, or null
 * when this page is the last.
 */
#define MNS_LIST_PAGE_DEFAULT 100
#define MNS_LIST_PAGE_MAX 1000
struct mns_list_page {
    int64_t before;
    unsigned limit;
};

/* ---- init, open, seal ------------------------------------------------- */

struct mns_vault_init_result {
    struct mns_share shares[MNS_SHARES_MAX]; /* nshares filled; wipe after printing */
    unsigned nshares;
    unsigned threshold;
    char admin_name[64];
    char admin_password[40];                  /* one-time; wipe after printing */
};

/*
 * Creates a new store in data_dir (created 0700 if missing; refused if it
 * already holds a store): schema, root key, audit signing key, the first
 * sysadmin ("admin") with a one-time password. With dev false the root key
 * is split into n shares with threshold k; with dev true it is written to
 * data_dir/dev-root.key instead (demos and tests only). res must be wiped
 * by the caller (mns_wipe) once shown.
 */
mns_err mns_vault_create(const struct mns_vault_config *cfg, unsigned n, unsigned k, bool dev,
                         struct mns_vault_init_result *res, mns_errmsg *em) MNS_WUR;

mns_err mns_vault_open(struct mns_vault **out, const struct mns_vault_config *cfg,
                       mns_errmsg *em) MNS_WUR;
/* Seals (wipes keys) and frees. NULL-safe. */
void mns_vault_free(struct mns_vault *v);

bool mns_vault_is_sealed(struct mns_vault *v);
/* Seal mode of the store: "shamir" or "dev". */
const char *mns_vault_seal_mode(struct mns_vault *v);
/* Entries in the audit log (for /metrics); takes the vault lock. */
uint64_t mns_vault_audit_entries(struct mns_vault *v);

/*
 * The request rate limit shared by several servers on one database (issue
 * 10; lib/vault/rate_counts.c). Each server adds what its network clients
 * sent since its last call to the rate_counts table, once a second, and
 * learns which clients all servers together let through more than per_s
 * requests a second over the last window_s seconds: it refuses those until
 * a later call says otherwise. It runs on a pooled connection, never under
 * the vault lock. MNS_ERR_STATE on a store only one server uses (SQLite),
 * where the server's own count is the whole count.
 */
#define MNS_RATE_CLIENT_MAX 64
struct mns_rate_count {
    char client[MNS_RATE_CLIENT_MAX];
    uint32_t requests;
};
bool mns_vault_store_is_shared(struct mns_vault *v);
mns_err mns_vault_rate_share(struct mns_vault *v, int64_t now_s, const struct mns_rate_count *counts, size_t n,
                             unsigned per_s, unsigned window_s, struct mns_rate_count *over, size_t max_over,
                             size_t *n_over, mns_errmsg *em) MNS_WUR;

struct mns_unseal_status {
    bool sealed;
    unsigned have;      /* shares held so far */
    unsigned threshold;
};

/* Offers one share. Mistyped, foreign or repeated shares are refused with
 * MNS_ERR_BAD_SHARE and not kept; when the threshold is reached the shares
 * are combined, and if they do not open the store all held shares are
 * dropped (MNS_ERR_BAD_SHARE) and the vault stays sealed. Audited. */
mns_err mns_vault_unseal(struct mns_vault *v, const struct mns_actor *actor, const char *share_text,
                         struct mns_unseal_status *status, mns_errmsg *em) MNS_WUR;
/* Unseals from data_dir/dev-root.key (dev stores only). */
mns_err mns_vault_unseal_dev(struct mns_vault *v, mns_errmsg *em) MNS_WUR;
/* Wipes every key; sysadmin only (actor NULL: the daemon itself). Audited. */
mns_err mns_vault_seal(struct mns_vault *v, const struct mns_actor *actor, mns_errmsg *em) MNS_WUR;
void mns_vault_unseal_status(struct mns_vault *v, struct mns_unseal_status *status);

/* ---- users and sessions -------------------------------------------------- */

/* Checks the password (Argon2id, outside the vault lock) and opens a
 * session. token gets the bearer token. One error for unknown user, wrong
 * password and a locked user or address (MNS_ERR_AUTH; the audit entry
 * says which). Repeated failures lock the user, and (except on the local
 * socket) the source address, for a while. One live session per ID: a new
 * login ends the user's other sessions, or is refused (MNS_ERR_STATE) when
 * the vault is configured so. Audited. */
mns_err mns_vault_login(struct mns_vault *v, const char *user, const char *password,
                        const char *client, char token[MNS_TOKEN_LEN + 1],
                        struct mns_actor *actor, mns_errmsg *em) MNS_WUR;
/* Login with a second factor: otp is the 6-digit code of the user's
 * authenticator app, or one of their recovery codes (each works once); NULL
 * when none was asked for yet. A user with TOTP enabled gets MNS_ERR_MFA
 * for a right password without (or with a wrong) code; a code is accepted
 * once only. Needs the vault unsealed (the secret is wrapped by the root key). */
mns_err mns_vault_login_mfa(struct mns_vault *v, const char *user, const char *password, const char *otp,
                            const char *client, char token[MNS_TOKEN_LEN + 1], struct mns_actor *actor,
                            mns_errmsg *em) MNS_WUR;

/* A login as the network sees it. */
struct mns_login {
    const char *user, *password;
    const char *otp;     /* second factor, or NULL when none was asked for yet */
    const char *client;  /* "unix", or the peer address */
    const char *device;  /* the token the client kept from an earlier login of
                          * this user, or NULL */
    const char *cert_cn; /* CN of the verified HTTPS client certificate, or NULL */
};
/* As mns_vault_login_mfa, also remembering devices and checking the client
 * certificate of roles that need one (as sessions do). device_out gets the
 * token to keep (the same one, or a new one when it was unknown; empty on
 * the local socket). Only the token's SHA-256 is stored. */
#define MNS_DEVICE_TOKEN_LEN 68 /* "mnd_" + 64 hex */
mns_err mns_vault_login_ex(struct mns_vault *v, const struct mns_login *in, char device_out[MNS_DEVICE_TOKEN_LEN + 1],
                           char token[MNS_TOKEN_LEN + 1], struct mns_actor *actor, mns_errmsg *em) MNS_WUR;

/* TOTP enrolment of the actor: a new secret (kept wrapped, not yet in force)
 * and its otpauth:// URI for authenticator apps (uri holds MNS_TOTP_URI_MAX;
 * it carries the secret: wipe it after showing). Audited. */
mns_err mns_vault_totp_begin(struct mns_vault *v, const struct mns_actor *actor, char *uri, mns_errmsg *em) MNS_WUR;
/* The same with the algorithm (MNS_TOTP_SHA1/256/512) and 6 or 8 digits;
 * mns_vault_totp_begin is SHA-1 and 6 digits, what every app reads. */
mns_err mns_vault_totp_begin_ex(struct mns_vault *v, const struct mns_actor *actor, mns_totp_alg alg, unsigned digits,
                                char *uri, mns_errmsg *em) MNS_WUR;
/* Confirms the enrolment with a current code; TOTP is then required at each
 * login of the actor. codes gets MNS_RECOVERY_CODES one-time recovery codes
 * (shown once; stored as hashes). Audited. */
#define MNS_RECOVERY_CODES 10
#define MNS_RECOVERY_CODE_LEN 20
mns_err mns_vault_totp_confirm(struct mns_vault *v, const struct mns_actor *actor, const char *code,
                               char codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1], mns_errmsg *em) MNS_WUR;

/* As mns_vault_authenticate, with the CN of the verified HTTPS client
 * certificate (NULL: none), for the roles that require one. */
mns_err mns_vault_authenticate_cert(struct mns_vault *v, const char *token, const char *client, const char *cert_cn,
                                    struct mns_actor *actor) MNS_WUR;
/* Resolves a bearer token to its actor; expired/unknown: MNS_ERR_AUTH; a
 * role's network or hours rule not met: MNS_ERR_DENIED (audited). */
mns_err mns_vault_authenticate(struct mns_vault *v, const char *token, const char *client,
                               struct mns_actor *actor) MNS_WUR;
/*
 * Program tokens: a user makes a long-lived bearer token ("mnt_" + 64 hex,
 * shown once, only its hash kept) for a program such as payroll software.
 * It acts as the user, under the same role, network, hour and client
 * certificate rules, with no idle timeout, until it expires (1..365 days) or
 * is revoked. Only a login session makes or revokes tokens; resetting or
 * changing the password revokes them all.
 */
mns_err mns_vault_token_create(struct mns_vault *v, const struct mns_actor *actor, const char *name, unsigned days,
                               json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_token_list(struct mns_vault *v, const struct mns_actor *actor, json_t **result,
                             mns_errmsg *em) MNS_WUR;
mns_err mns_vault_token_revoke(struct mns_vault *v, const struct mns_actor *actor, int64_t id, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_logout(struct mns_vault *v, const struct mns_actor *actor, const char *token) MNS_WUR;
/* Changes the actor's password and ends every session of the user (the
 * caller logs in again). The only act a user with a one-time password may do. */
mns_err mns_vault_password_change(struct mns_vault *v, const struct mns_actor *actor,
                                  const char *old_password, const char *new_password,
                                  mns_errmsg *em) MNS_WUR;

/* sysadmin: create a user with a one-time password (out, 40 bytes). */
mns_err mns_vault_user_create(struct mns_vault *v, const struct mns_actor *actor, const char *name,
                              mns_role role, char password_out[40], json_t **result,
                              mns_errmsg *em) MNS_WUR;
mns_err mns_vault_user_list(struct mns_vault *v, const struct mns_actor *actor, json_t **result,
                            mns_errmsg *em) MNS_WUR;
/* The SPI files (特定個人情報ファイル) of a tenant an assignment reaches:
 * "employees" (employees and their dependents) and "payees". */
#define MNS_FILE_EMPLOYEES 1u
#define MNS_FILE_PAYEES 2u
#define MNS_FILES_ALL 3u
/* "employees", "payees", "employees,payees" or "all" to a set; 0 if not one */
unsigned mns_files_parse(const char *text);
/* the set as "employees,payees" (buf of 32 bytes) */
const char *mns_files_name(unsigned files, char buf[32]);

/* Like mns_vault_assign, limited to the SPI files in files (0: all); with
 * separation of duties on, records a request instead and sets *request_id
 * (0 when assigned at once). sysadmin or officer. Assigning again replaces
 * the files. */
mns_err mns_vault_assign_ex(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                            const char *tenant_code, unsigned files, int64_t *request_id, mns_errmsg *em) MNS_WUR;
/* sysadmin: gives a user another role (assignments end unless the role is
 * clerk or officer); with separation of duties on, records a request instead
 * (*request_id set) and the role changes when another person approves. With
 * separation of duties a new user's role, too, waits for approval. */
mns_err mns_vault_user_role(struct mns_vault *v, const struct mns_actor *actor, const char *user, mns_role role,
                            int64_t *request_id, mns_errmsg *em) MNS_WUR;
/* approves or rejects a pending request: an assignment by an officer, a
 * role by an officer or sysadmin; never by the requester or the user
 * concerned. Audited. */
mns_err mns_vault_grant_decide(struct mns_vault *v, const struct mns_actor *actor, int64_t request_id, bool approve,
                               mns_errmsg *em) MNS_WUR;
/* officer, sysadmin, auditor: the requests, newest first, a page at a time
 * (struct mns_list_page). */
mns_err mns_vault_grant_list(struct mns_vault *v, const struct mns_actor *actor, const struct mns_list_page *page,
                             json_t **result, mns_errmsg *em) MNS_WUR;
/* sysadmin, for another user: a new one-time password (out, 40 bytes) that
 * must be changed at the next login; the user's sessions end and a lockout
 * is lifted. Audited. */
mns_err mns_vault_user_reset_password(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                                      char password_out[40], mns_errmsg *em) MNS_WUR;
/* For a user who lost their authenticator and recovery codes: turns their
 * second factor off (they enrol again; a role that needs one may do nothing
 * else till then) and ends their sessions. sysadmin; with separation of
 * duties an officer instead, so one person cannot take over an account.
 * Not for oneself. Audited. */
mns_err mns_vault_user_reset_mfa(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                                 mns_errmsg *em) MNS_WUR;
/* sysadmin: lifts a user's lockout (after too many failed logins). Audited. */
mns_err mns_vault_user_unlock(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                              mns_errmsg *em) MNS_WUR;
/* sysadmin: assign a clerk or officer to a tenant. */
mns_err mns_vault_assign(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                         const char *tenant_code, mns_errmsg *em) MNS_WUR;

/* ---- access review (F-a optional 5) ----------------------------------------- */

/* officer, sysadmin, auditor: who can reach what, with last login and last
 * act; result carries "report_sha256". Audited. */
mns_err mns_vault_access_review(struct mns_vault *v, const struct mns_actor *actor, json_t **result,
                                mns_errmsg *em) MNS_WUR;
/* officer: confirms the report read (by its hash; MNS_ERR_STATE if access
 * changed since). The audit entry records the hash. */
mns_err mns_vault_access_review_confirm(struct mns_vault *v, const struct mns_actor *actor,
                                        const char *report_sha256, mns_errmsg *em) MNS_WUR;
/* sysadmin, officer, auditor: the installation's access settings as data
 * (password policy, lockout, sessions, MFA and client-certificate roles,
 * separation of duties, where-and-when rules, login risk), for the check
 * sheet's probes and the auditor. Audited. */
mns_err mns_vault_access_policy(struct mns_vault *v, const struct mns_actor *actor, json_t **result,
                                mns_errmsg *em) MNS_WUR;
/* officer or sysadmin: revokes a user's assignment to a tenant. Audited. */
mns_err mns_vault_unassign(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                           const char *tenant_code, mns_errmsg *em) MNS_WUR;

/* ---- check sheet assessments (issue 5) ----------------------------------- */

/* officer assigned to the tenant: starts an assessment ({"title"}); the
 * items mnsafe can decide about itself are decided at once by probes (see
 * docs/checksheet.md), the rest wait for people. Audited. result: the
 * assessment as mns_vault_assessment_get gives it. */
mns_err mns_vault_assessment_create(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    const char *title, json_t **result, mns_errmsg *em) MNS_WUR;
/* officer: records a person's assessment of one item: {"status", "reason"?,
 * "evidence_note"?, "evidence_link"?, "evidence_expires"? (YYYY-MM-DD),
 * "owner"?, "due"? (YYYY-MM-DD)}; not_applicable needs a reason; an item a
 * probe decided is refused (MNS_ERR_STATE). Audited. */
mns_err mns_vault_assessment_set(struct mns_vault *v, const struct mns_actor *actor, int64_t assessment_id,
                                 const char *item_id, const json_t *fields, mns_errmsg *em) MNS_WUR;
/* officer or auditor of the tenant, sysadmin: {"assessment": {...},
 * "results": {ITEM: RESULT}}; evidence past its expiry is reported as such
 * ("evidence_expired": true, status not_assessed). Audited. */
mns_err mns_vault_assessment_get(struct mns_vault *v, const struct mns_actor *actor, int64_t assessment_id,
                                 json_t **result, mns_errmsg *em) MNS_WUR;
/* The tenant's assessments, newest first. */
mns_err mns_vault_assessment_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  json_t **result, mns_errmsg *em) MNS_WUR;
/* officer: a file given as evidence for an item (PDF, PNG, JPEG, text, CSV
 * or ZIP, at most 8 MiB), stored AES-256-GCM encrypted under a key of its
 * own wrapped by the tenant key; its SHA-256 is recorded (and named in the
 * audit entry). result: {"id","item","filename","content_type","size","sha256"}. */
mns_err mns_vault_evidence_add(struct mns_vault *v, const struct mns_actor *actor, int64_t assessment_id,
                               const char *item_id, const char *filename, const char *content_type,
                               const uint8_t *data, size_t len, json_t **result, mns_errmsg *em) MNS_WUR;
/* officer or auditor of the tenant: the file (*data malloc'ed; the caller
 * wipes and frees it), checked against its recorded SHA-256. Audited. */
mns_err mns_vault_evidence_get(struct mns_vault *v, const struct mns_actor *actor, int64_t evidence_id, uint8_t **data,
                               size_t *len, json_t **meta, mns_errmsg *em) MNS_WUR;
/* ---- deferred durability (act.c): for the daemon ------------------------
 * An act's answer may only leave the process once its audit entry is
 * durable. By default each act waits for that. A server thread that holds
 * the answer back itself may instead, between mns_vault_defer_begin and
 * mns_vault_defer_end, let its acts return at once and learn the outcome
 * later through a ticket: the thread goes on to the next request while the
 * group commits. A failed outcome means the acts did not happen: the answer
 * must then be replaced by an error (MNS_ERR_AUDIT), never sent. */
struct mns_durable_ticket;
typedef void (*mns_durable_fn)(void *arg, mns_err result);
void mns_vault_defer_begin(struct mns_vault *v);
/* Ends deferral on this thread: *ticket is what the thread's acts wait for
 * (NULL when nothing does); an error when an earlier act of the same
 * request already failed to become durable (ticket NULL). */
mns_err mns_vault_defer_end(struct mns_vault *v, struct mns_durable_ticket **ticket) MNS_WUR;
/* Calls fn(arg, result) once: at once on this thread if the outcome is
 * known, else on the thread that learns it (the committer); the ticket is
 * used up. fn must not call into the vault. */
void mns_vault_when_durable(struct mns_vault *v, struct mns_durable_ticket *ticket, mns_durable_fn fn, void *arg);
/* A thread that commits and syncs the groups, so that acts never do it
 * themselves (the daemon starts it; without it, the acts' threads do). */
mns_err mns_vault_committer_start(struct mns_vault *v) MNS_WUR;
/* Commits what is left, then stops and joins the thread. */
void mns_vault_committer_stop(struct mns_vault *v);

/* ---- self-service collection (collections.c) ----------------------------
 * A clerk issues a one-time, expiring link for one person; its holder
 * uploads photos of the identity-check documents and submits their number
 * and dependents; the clerk views the photos and records the check. */

/* clerk assigned to the person's file: {"name","kind"?,"employee_code"?,
 * "purposes":[...],"expires_hours"? (1-336, default 72)} -> {"id","token",
 * "path","expires_at","state"}; the token is in no other answer. */
mns_err mns_vault_collection_issue(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   json_t *body, json_t **result, mns_errmsg *em) MNS_WUR;
/* clerk or officer: {"collections":[...],"next_before"} newest first, a
 * page of links at a time (state NULL: all; a state keeps those of the page) */
mns_err mns_vault_collection_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const char *state, const struct mns_list_page *page, json_t **result,
                                  mns_errmsg *em) MNS_WUR;
mns_err mns_vault_collection_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                                 json_t **result, mns_errmsg *em) MNS_WUR;
/* clerk: an open link is cancelled, its photos dropped */
mns_err mns_vault_collection_cancel(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    int64_t id, mns_errmsg *em) MNS_WUR;
/* assigned clerk: one submitted photo ("number" or "identity"); *data
 * malloc'ed, the caller wipes and frees it. Audited. */
mns_err mns_vault_collection_document(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                      int64_t id, const char *slot, uint8_t **data, size_t *len, json_t **meta,
                                      mns_errmsg *em) MNS_WUR;
/* assigned clerk: {"result":"confirmed"|"rejected","number_check","identity_check","note"} */
mns_err mns_vault_collection_check(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t id, json_t *body, json_t **result, mns_errmsg *em) MNS_WUR;
/* The link holder's acts (token "mnc_..."; client for the audit entry). */
mns_err mns_vault_collect_info(struct mns_vault *v, const char *token, const char *client, json_t **result,
                               mns_errmsg *em) MNS_WUR;
mns_err mns_vault_collect_upload(struct mns_vault *v, const char *token, const char *client, const char *slot,
                                 const char *content_type, const uint8_t *data, size_t len, json_t **result,
                                 mns_errmsg *em) MNS_WUR;
/* {"mynumber","dependents"?:[{"name","relationship","mynumber"}]}: the
 * person is created with the link's key; the link is used up. */
mns_err mns_vault_collect_submit(struct mns_vault *v, const char *token, const char *client, json_t *body,
                                 json_t **result, mns_errmsg *em) MNS_WUR;

/* The tenant's assessments, oldest first, each with its overall scores:
 * {"trend": [{"id","title","started_at","minimum","optional","all"}]}. */
mns_err mns_vault_assessment_trend(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   json_t **result, mns_errmsg *em) MNS_WUR;
/* The retention rules the vault was opened with (borrowed), or NULL. */
const struct mns_retention *mns_vault_retention(const struct mns_vault *v);
/* The sheet the vault was opened with (borrowed), or NULL. */
const struct mns_checksheet *mns_vault_checksheet(const struct mns_vault *v);
/* The probes' verdicts on the live state, without storing anything:
 * {ITEM: {"status", "probe_detail"}} (sysadmin, officer, auditor). */
mns_err mns_vault_probe(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em) MNS_WUR;

/* ---- retention and disposal (issue 6) ----------------------------------- */

/* clerk or officer of the tenant: records the end of need of a person
 * (ended_on YYYY-MM-DD; reason retirement, contract_end or last_payment)
 * and computes from its purposes and the retention rules the legal date
 * from which its number must go, and the date deletion is scheduled for (a
 * tenant's fiscal-year rule may only move it later, and says so). Recording
 * again replaces it. result: {"person","ended_on","reason","legal_on","rule",
 * "scheduled_on","extended_by_tenant_rule"}. Audited. */
mns_err mns_vault_person_end(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                             int64_t person_id, const char *ended_on, const char *reason, json_t **result,
                             mns_errmsg *em) MNS_WUR;
/* Takes an end of need back (the person stays, e.g. rehired). Audited. */
mns_err mns_vault_person_end_cancel(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    int64_t person_id, mns_errmsg *em) MNS_WUR;
/* officer or clerk: the due list: every person with an end of need, by
 * scheduled date, each with "due" (scheduled on or before as_of, today when
 * NULL) and its "hold" if any. No number. */
mns_err mns_vault_retention_due(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                const char *as_of, json_t **result, mns_errmsg *em) MNS_WUR;
/* officer: crypto-shreds every person due by as_of (today when NULL; never
 * a future date) who is not on hold, as one act (all or none), and writes
 * one disposal register entry. result: {"as_of","deleted":[ids],"held":[ids]}. */
mns_err mns_vault_retention_delete_due(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                       const char *as_of, json_t **result, mns_errmsg *em) MNS_WUR;
/* officer: places (reason given) or lifts (reason NULL) a legal hold, which
 * stops any deletion of the person. Audited. */
mns_err mns_vault_hold(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t person_id,
                       const char *reason, mns_errmsg *em) MNS_WUR;
/* officer or sysadmin: the tenant deletes once a year, the day after its
 * fiscal year ending in fy_end_month (1-12; 0 clears); a reason is
 * required, since it delays deletions past their legal date. Audited. */
mns_err mns_vault_tenant_retention_rule(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                        int fy_end_month, const char *reason, mns_errmsg *em) MNS_WUR;
/* officer or auditor: the disposal register (廃棄管理記録簿) between from and
 * to (YYYY-MM-DD, either NULL). */
mns_err mns_vault_disposal_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                const char *from, const char *to, json_t **result, mns_errmsg *em) MNS_WUR;
/* officer: a manual entry for paper or media destroyed outside mnsafe:
 * {"data_kind","disposed_on","method" (shredder, incineration, dissolution,
 * physical_destruction, data_erasure_software or contractor, then details),
 * "contractor"?,"certificate_sha256"?,"note"?,"persons"?,
 * "certificate"?: {"filename","content_type","content_base64"}} (the file is
 * kept sealed like evidence, its hash in the entry). Audited. */
mns_err mns_vault_disposal_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               const json_t *entry, json_t **result, mns_errmsg *em) MNS_WUR;

/* officer or auditor: the contractor's certificate attached to a manual
 * disposal entry (*data malloc'ed; the caller wipes and frees it), checked
 * against its recorded SHA-256. Audited. */
mns_err mns_vault_disposal_certificate(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                       int64_t entry_id, uint8_t **data, size_t *len, json_t **meta,
                                       mns_errmsg *em) MNS_WUR;

/* ---- registers (issue 7, in part) ---------------------------------------- */

/* Registers by code: "pledges" (誓約書), "training", "takeouts" (持出管理記録簿:
 * taken_at, by, taken_data, purpose_recipient, route, returned_at, erased) and
 * "ledger_reviews"; their fields are listed by mns_vault_register_list.
 * Add: officer (take-outs: clerks too). Audited. */
mns_err mns_vault_register_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               const char *code, const json_t *fields, json_t **result, mns_errmsg *em) MNS_WUR;
/* changes fields of an entry (null clears an optional one), e.g. a take-out returned */
mns_err mns_vault_register_update(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const char *code, int64_t id, const json_t *fields, mns_errmsg *em) MNS_WUR;
/* {"register","fields":[definitions],"entries":[...]}; take-outs carry
 * "open" and "overdue". officer, clerk, auditor. */
mns_err mns_vault_register_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                const char *code, json_t **result, mns_errmsg *em) MNS_WUR;
/* A register listing (as mns_vault_register_list gives it) as CSV with
 * Japanese headers, CRLF: UTF-8 with a BOM (Excel), or Shift_JIS (CP932)
 * with the row and field of a character it cannot hold named in em. And as
 * a printable Japanese HTML page. Caller frees. */
char *mns_vault_register_csv(const json_t *listing, bool sjis, mns_errmsg *em);
char *mns_vault_register_html(const json_t *listing, const char *tenant_code);
/* Usage and output records of SPI files (C-b 1), from the audit log: who
 * collected, listed, found, showed (output) or deleted which person's
 * number, when, for which purpose, newest first, each with its audit "seq";
 * file is "employees", "payees" or NULL (both); from, to are dates or NULL.
 * With a page: that page of the audit entries (before and next_before are
 * seqs; a page of a file may hold fewer records than the limit). Without:
 * every record of the range, for a printed or CSV register; more than
 * MNS_USAGE_RANGE_MAX is MNS_ERR_LIMIT (narrow the range), never a cut list.
 * officer, auditor. */
#define MNS_USAGE_RANGE_MAX 50000
mns_err mns_vault_usage(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, const char *file,
                        const char *from, const char *to, const struct mns_list_page *page, json_t **result,
                        mns_errmsg *em) MNS_WUR;
/* Imports entries from CSV (UTF-8, with or without BOM, or Shift_JIS), e.g.
 * an IC-card system's entry log: a header row naming the fields (by name or
 * Japanese label), dates as YYYY-MM-DD or YYYY/MM/DD, times with a space or T.
 * Every row is checked first; with any error nothing is stored and *result
 * is {"errors":[{"row","message"}]} beside the error. */
mns_err mns_vault_register_import(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const char *code, const char *csv, size_t len, json_t **result, mns_errmsg *em) MNS_WUR;
/* The ledger of SPI files (特定個人情報ファイル台帳), computed from the live
 * state: per file its name, responsible officers, purposes, who has access
 * (live assignments), counts, deletion and disposal status; the last review
 * and whether one is due (none in a year). */
mns_err mns_vault_ledger(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, json_t **result,
                         mns_errmsg *em) MNS_WUR;

/* ---- backups (issue 6) ---------------------------------------------------- */

/* sysadmin: an encrypted, consistent, online backup of the store into
 * DATA/backups/mnsafe-<time>.mnsbak (see lib/vault/backup.c for the format):
 * a key derived from the root key, a manifest with checksums. result:
 * {"path","manifest"}. Audited. */
mns_err mns_vault_backup(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em) MNS_WUR;
/* sysadmin or auditor: the restore test: the backup opened into a scratch
 * place (then wiped), its checksum, SQLite's integrity check, the audit
 * chain in it and a sample decrypt of numbers checked; nothing written in
 * clear. Audited. */
mns_err mns_vault_backup_verify(struct mns_vault *v, const struct mns_actor *actor, const char *path, json_t **result,
                                mns_errmsg *em) MNS_WUR;
/* sysadmin: restores a backup into dest_dir (a new absolute directory; the
 * operator swaps it in with the daemon stopped), replaying the deletion
 * journal so that a person deleted after the backup stays deleted, and
 * carrying the disposal register over. result says how many it removed. */
mns_err mns_vault_restore(struct mns_vault *v, const struct mns_actor *actor, const char *path, const char *dest_dir,
                          json_t **result, mns_errmsg *em) MNS_WUR;

/* ---- tenants and purposes ------------------------------------------------ */

/* sysadmin: create a tenant with its keys and the standard purposes. */
mns_err mns_vault_tenant_create(struct mns_vault *v, const struct mns_actor *actor,
                                const char *code, const char *name,
                                const char *corporate_number, json_t **result,
                                mns_errmsg *em) MNS_WUR;
/* A tenant's own access policy: {"require_mfa": bool (two factors for every
 * clerk and officer working on it), "allow_networks": "CIDR,..." or null,
 * "allow_hours": "HH-HH[@day-day]" or null}. Read: anyone who may reach the
 * tenant; set (the fields given; null clears): sysadmin or an assigned officer. Audited. */
mns_err mns_vault_tenant_policy_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_tenant_policy_set(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    json_t *policy, json_t **result, mns_errmsg *em) MNS_WUR;
/* Tenants the actor may see (all for sysadmin/auditor, assigned ones otherwise). */
mns_err mns_vault_tenant_list(struct mns_vault *v, const struct mns_actor *actor, json_t **result,
                              mns_errmsg *em) MNS_WUR;
mns_err mns_vault_purpose_list(struct mns_vault *v, const struct mns_actor *actor,
                               const char *tenant_code, json_t **result, mns_errmsg *em) MNS_WUR;

/* ---- persons ---------------------------------------------------------------- */

/*
 * CSV imports (lib/vault/imports.c, docs/import-export.md). begin takes
 * {"file_name","encoding":"auto|utf-8|shift_jis","kind":"employee|payee",
 * "purposes":[codes],"columns":{"header":"field"}} (all optional); data feeds
 * the file in chunks of at most 8 MiB (last: the final chunk) and answers the
 * progress; get gives the summary and the per-row errors after row
 * errors_after; store moves every valid row into persons in one act
 * (valid_only must be true when some rows have errors); discard drops it all;
 * list gives a page of the tenant's imports, newest first ("next_before").
 * Clerks assigned to the tenant; only the clerk who began an import feeds and
 * stores it.
 */
mns_err mns_vault_import_begin(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                               const json_t *options, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_import_data(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                              const void *data, size_t len, bool last, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_import_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                             int64_t errors_after, unsigned limit, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_import_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                              const struct mns_list_page *page, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_import_store(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                               bool valid_only, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_import_discard(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                 int64_t id, mns_errmsg *em) MNS_WUR;


/*
 * Exports (lib/vault/exports.c, docs/import-export.md). body: {"purpose",
 * "recipient" (相手先), "route" (移送経路), "kind"?, "persons"?: [ids],
 * "fields"?: [employee_code,name,name_kana,birth_date,kind,mynumber,dependents],
 * "encoding"?: utf-8|shift_jis|jis0208, "unrepresentable"?: refuse|replace,
 * "protection": age|zip|none (none only without mynumber), "age_recipients"?,
 * "file_name"?} or {"request_id"} of an approved request. The result holds
 * the file (content_base64), the zip password (shown once), the take-out
 * entry's id and the characters replaced. Clerks; with the tenant's
 * export_approval an export with numbers needs an officer's approval of the
 * same spec (export_request, export_decide), good for one export.
 */
mns_err mns_vault_export(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                         const json_t *body, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_export_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                              const struct mns_list_page *page, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_export_request(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                 const json_t *spec, const char *reason, json_t **result, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_export_decide(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t request_id, bool approve, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_export_requests(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const struct mns_list_page *page, json_t **result, mns_errmsg *em) MNS_WUR;


/*
 * Adds persons from a JSON array of objects:
 *   {"kind":"employee"|"payee", "name":"...", "employee_code":"...",
 *    "mynumber":"...", "purposes":["withholding",...],
 *    "dependents":[{"name":"...","relationship":"...","mynumber":"..."}]}
 * All or nothing: the first bad row is named (index and field) and nothing
 * is stored. Duplicate numbers within the tenant are refused. result gets
 * {"created":[ids...]}. Clerk assigned to the tenant only. Audited per person.
 */
/* One person in detail with its dependents, numbers masked as in lists
 * (clerks, officers of the tenant). */
mns_err mns_vault_person_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                             int64_t person_id, json_t **result, mns_errmsg *em) MNS_WUR;
/* An assigned clerk corrects a person: any of {"name","name_kana","birth_date",
 * "employee_code","purposes","mynumber"} (null clears the optional ones); a
 * new number is sealed with the person's key. -> {"id","updated":[fields]} */
mns_err mns_vault_person_update(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t person_id, const json_t *body, json_t **result, mns_errmsg *em) MNS_WUR;
/* An assigned clerk corrects a dependent: any of {"name","relationship",
 * "name_kana","birth_date","mynumber"}; a new number is sealed with the
 * person's key and may not be the person's own or another dependent's. */
mns_err mns_vault_dependent_update(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t person_id, int64_t dependent_id, const json_t *body, json_t **result,
                                   mns_errmsg *em) MNS_WUR;
/* A dependent added to a stored person: {"name","relationship","mynumber",
 * "name_kana"?,"birth_date"? (YYYY-MM-DD)}; sealed under the person's key. */
mns_err mns_vault_dependent_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t person_id, const json_t *dep, json_t **result, mns_errmsg *em) MNS_WUR;
/* Deletes one dependent (no longer a dependent): the row removed with secure
 * delete, journaled so a restore does not bring it back, and written in the
 * disposal register. Refused under a legal hold on the person. Clerks. */
mns_err mns_vault_dependent_delete(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t person_id, int64_t dependent_id, const char *reason, mns_errmsg *em) MNS_WUR;
mns_err mns_vault_person_add(struct mns_vault *v, const struct mns_actor *actor,
                             const char *tenant_code, json_t *persons, json_t **result,
                             mns_errmsg *em) MNS_WUR;
/* Masked list: assigned clerk sees the last four digits, others none. */
mns_err mns_vault_person_list(struct mns_vault *v, const struct mns_actor *actor,
                              const char *tenant_code, int64_t after_id, unsigned limit,
                              json_t **result, mns_errmsg *em) MNS_WUR;
/* The same, narrowed: kind "employee"/"payee", and a part of the name or
 * its kana (NULL fields: no filter). */
struct mns_person_filter {
    const char *kind;
    const char *name;
};
mns_err mns_vault_person_list_ex(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                 int64_t after_id, unsigned limit, const struct mns_person_filter *filter,
                                 json_t **result, mns_errmsg *em) MNS_WUR;
/* Exact lookup by number via the blind index (persons and dependents). */
mns_err mns_vault_person_find(struct mns_vault *v, const struct mns_actor *actor,
                              const char *tenant_code, const char *number, json_t **result,
                              mns_errmsg *em) MNS_WUR;
/* The number in clear, for an assigned clerk and a purpose the number was
 * collected for; anything else is refused and audited. */
mns_err mns_vault_person_reveal(struct mns_vault *v, const struct mns_actor *actor,
                                const char *tenant_code, int64_t person_id, const char *purpose,
                                json_t **result, mns_errmsg *em) MNS_WUR;
/* Crypto-shreds the person: the data key and every row are destroyed and the
 * deletion journal records the id. */
mns_err mns_vault_person_delete(struct mns_vault *v, const struct mns_actor *actor,
                                const char *tenant_code, int64_t person_id, const char *reason,
                                mns_errmsg *em) MNS_WUR;
/* As mns_vault_person_delete; with deletion approval on, a clerk's deletion
 * is recorded as a request instead (*request_id set, nothing deleted yet). */
mns_err mns_vault_person_delete_ex(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t person_id, const char *reason, int64_t *request_id,
                                   mns_errmsg *em) MNS_WUR;
/* officer of the tenant, not the requester: approves (the person is
 * crypto-shredded then, with its disposal entry) or rejects a deletion request. */
mns_err mns_vault_deletion_decide(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  int64_t request_id, bool approve, mns_errmsg *em) MNS_WUR;
/* officer, clerk: the tenant's deletion requests, newest first, a page at
 * a time (struct mns_list_page). */
mns_err mns_vault_deletion_requests(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    const struct mns_list_page *page, json_t **result, mns_errmsg *em) MNS_WUR;

/* ---- audit -------------------------------------------------------------- */

/* auditor / sysadmin: entries after seq (at most limit). */
mns_err mns_vault_audit_list(struct mns_vault *v, const struct mns_actor *actor, int64_t after_seq,
                             unsigned limit, json_t **result, mns_errmsg *em) MNS_WUR;
/* auditor / sysadmin: runs the verifier on the live store. */
mns_err mns_vault_audit_verify(struct mns_vault *v, const struct mns_actor *actor,
                               struct mns_audit_report *report, mns_errmsg *em) MNS_WUR;

/* Signs a checkpoint of the audit log if entries were added since the last
 * call (the "every T seconds" half of the checkpoint rule; the daemon calls
 * it on a timer). Does nothing while sealed. */
mns_err mns_vault_audit_tick(struct mns_vault *v) MNS_WUR;

/* Offline verification of a data directory (no keys needed). */
mns_err mns_vault_verify_offline(const char *data_dir, const char *store_url, struct mns_audit_report *report,
                                 mns_errmsg *em) MNS_WUR;

/* Installs jansson allocation functions that wipe every block on free. Call
 * once at start, before any JSON is made. */
void mns_vault_json_wipe_allocator(void);

/* malloc / realloc / free that wipe every block before it is freed (and
 * never grow a block in place), for libraries whose buffers hold request
 * text, e.g. libevent's event_set_mem_functions. Thread-safe. */
void *mns_wipe_malloc(size_t n);
void *mns_wipe_realloc(void *ptr, size_t n);
void mns_wipe_free(void *ptr);

#ifdef __cplusplus
}
#endif
#endif
