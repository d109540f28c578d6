/* internal.h: what the vault's files share. Not part of the public face. */
#ifndef MNS_VAULT_INTERNAL_H
#define MNS_VAULT_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>

#include "mnsafe/audit.h"
#include "mnsafe/crypto.h"
#include "mnsafe/mynumber.h"
#include "mnsafe/store.h"
#include "mnsafe/vault.h"
#include "mnsafe/retention.h"

#define MNS_PATH_MAX 1024
#define MNS_TENANT_CACHE_MAX 1024

/* One tenant's unwrapped keys, in secure memory. */
struct tenant_keys {
    int64_t tenant_id;
    int64_t version;
    uint8_t kek[MNS_KEY_LEN];  /* wraps person data keys */
    uint8_t bidx[MNS_KEY_LEN]; /* blind index key */
};

/* Secrets live in one secure allocation while unsealed. */
struct vault_secrets {
    uint8_t root[MNS_KEY_LEN];
    size_t ntenants;
    struct tenant_keys tenants[MNS_TENANT_CACHE_MAX];
    size_t nshares;                            /* pending unseal shares */
    struct mns_share shares[MNS_SHARES_MAX];
};

/* One group transaction, shared by the acts in it. Freed by the last of
 * them to read its outcome (or at commit, when nobody waits). */
struct durable_cb {
    struct durable_cb *next;
    mns_durable_fn fn;
    void *arg;
};
struct group {
    unsigned waiters; /* threads waiting and callbacks registered */
    bool done;
    mns_err result;
    struct durable_cb *callbacks; /* deferred acts' answers (mns_vault_when_durable) */
    uint64_t audit_upto;          /* audit entries committed with it: its sync makes them durable */
};

/* A group commits at the latest after this many acts or milliseconds. */
#define GROUP_MAX_ACTS 128
#define GROUP_MAX_MS 4

/* The rules for new passwords (password_policy.c). */
struct password_policy {
    unsigned min_length;   /* characters */
    unsigned classes;      /* of lower, upper, digit, other; 0/1: no rule */
    unsigned history;      /* earlier passwords that may not come back; 0: no rule */
    unsigned expiry_days;  /* 0: passwords do not expire */
    char **block;          /* sorted, lower case */
    size_t nblock;
    char source[256];      /* the blocklist file, or "builtin" */
};

mns_err password_policy_init(struct password_policy *p, const struct mns_vault_config *cfg, mns_errmsg *em);
void password_policy_release(struct password_policy *p);
/* Length, classes, blocklist, user name, no My Number. History is checked
 * by the caller (it needs the store). */
mns_err password_policy_check(const struct password_policy *p, const char *user, const char *pw, mns_errmsg *em);

/* Where and when roles may work (access_rules.c). */
#define ACCESS_NETS_MAX 32
struct access_net {
    uint8_t addr[16];
    unsigned len; /* 4 or 16 */
    unsigned prefix;
};
struct access_time {
    bool set;
    unsigned from_hour, to_hour; /* [from, to), local time */
    unsigned days;               /* bit 0 Sunday .. bit 6 Saturday */
};
struct access_role {
    size_t nnets;
    struct access_net nets[ACCESS_NETS_MAX];
    struct access_time hours;
};
#define PLACES_MAX 32
struct access_place {
    char name[32];
    size_t nnets;
    struct access_net nets[ACCESS_NETS_MAX];
};
struct access_rules {
    struct access_role role[4]; /* sysadmin, officer, clerk, auditor */
    size_t nplaces;
    struct access_place places[PLACES_MAX];
};
/* The name of the configured place client's address belongs to, or NULL. */
const char *access_place_of(const struct access_rules *r, const char *client);
/* One rule set (a tenant's own): networks "CIDR[,CIDR]..." and hours
 * "HH-HH[@day-day]", either NULL or empty for none. */
mns_err access_rule_parse(struct access_role *ar, const char *networks, const char *hours, mns_errmsg *em);
/* MNS_ERR_DENIED with *why set when client or the time is outside ar;
 * for_tenant picks the wording of the message. */
mns_err access_rule_check(const struct access_role *ar, const char *client, int64_t now_ms, bool for_tenant,
                          const char **why, mns_errmsg *em);
mns_err access_rules_init(struct access_rules *r, const struct mns_vault_config *cfg, mns_errmsg *em);
/* {"roles":{ROLE:{"networks":[CIDR...],"hours":"HH-HH@day,..."|null}},"places":{NAME:[CIDR...]}} */
json_t *access_rules_json(const struct access_rules *r);
/* MNS_OK, or MNS_ERR_DENIED with *why ("network not allowed", "outside
 * allowed hours") for the audit entry. */
mns_err access_rules_check(const struct access_rules *r, mns_role role, const char *client, int64_t now_ms,
                           const char **why, mns_errmsg *em);

/* Recently authenticated sessions and program tokens (session_cache.c). */
#define SESSION_CACHE_SLOTS 64
#define SESSION_CACHE_MAX_AGE_MS 2000

struct session_cache_entry {
    uint8_t hash[MNS_HASH_LEN]; /* of the token */
    bool used;
    uint64_t changes;  /* session_cache_changes() when it was read */
    int64_t cached_at; /* ms */
    int64_t last_seen; /* ms; a program token: when it was read */
    int64_t expires_at;
    struct mns_actor actor; /* its client is the first request's */
};

struct session_cache {
    pthread_mutex_t lock;
    bool enabled; /* the store counts changes (mns_store_watch) */
    _Atomic uint64_t changes;
    unsigned next;
    struct session_cache_entry entries[SESSION_CACHE_SLOTS];
};

struct mns_vault {
    /* The lock serialises every use of the store and the keys. Acts of
     * several threads share one transaction (group commit, see act.c). */
    pthread_mutex_t lock;
    pthread_mutex_t durable_lock; /* guards the groups' waiters, done, result */
    pthread_cond_t durable;      /* broadcast after every group is durable (or failed) */
    atomic_bool sync_failed;     /* a committed group could not be synced: refuse acts */
    atomic_uint queued;          /* threads waiting in vault_lock */
    struct group *group;         /* the open group transaction, or NULL */
    unsigned group_acts;         /* acts in the open group */
    int64_t group_started_ms;
    bool purge_pending;          /* a committed group deleted data: purge the journal */
    char data_dir[MNS_PATH_MAX];
    char checkpoint_path[MNS_PATH_MAX];
    struct mns_store *store;
    /* shared store only: connections for reads without the lock (sessions) */
    struct mns_store_pool *readers;
    struct mns_audit *audit;
    struct vault_secrets *sec; /* NULL while sealed with no shares pending */
    bool unsealed;
    char seal_mode[16];
    uint32_t set_id;
    unsigned threshold;
    unsigned session_idle_s;
    unsigned session_max_s;
    unsigned lockout_failures, address_failures, lockout_s;
    struct password_policy pw_policy;
    struct access_rules access;
    bool separation_of_duties;
    bool deletion_approval;
    unsigned require_mfa_roles;
    unsigned require_client_cert_roles;
    bool refuse_new_address;
    bool refuse_new_device;
    unsigned travel_minutes;
    const struct mns_checksheet *checksheet; /* borrowed; NULL: no assessments */
    const struct mns_retention *retention;   /* borrowed; NULL: end of need refused */
    const json_t *server_facts;              /* borrowed; NULL: none */
    bool sessions_refuse;
    uint64_t ticked_count; /* audit entries covered by the last timed checkpoint */
    atomic_int_least64_t last_id; /* the last id vault_new_id gave out */
    struct import_table *imports; /* readers of imports in progress (imports.c); NULL: none yet */
    struct session_cache sessions;
    /* the committer thread (mns_vault_committer_start): with it running,
     * acts leave commits and syncs to it instead of doing them themselves */
    bool committer_on;
    pthread_t committer;
    pthread_mutex_t commit_lock;
    pthread_cond_t commit_cond;
    bool commit_wanted, commit_stop;
};

/* ---- session cache (session_cache.c) ----------------------------------- */

/* init with the vault (empty and off); enable after the store is open: no
 * cache where the store cannot count changes. */
void session_cache_init(struct mns_vault *v);
void session_cache_enable(struct mns_vault *v);
void session_cache_release(struct mns_vault *v);
/* The store's change count for users, sessions, api_tokens: read it under
 * the vault lock after reading (and writing) what goes into an entry. */
uint64_t session_cache_changes(struct mns_vault *v);
/* A copy of the entry for hash if nothing changed since it was read and it
 * is young enough; a stale one is dropped. */
bool session_cache_get(struct mns_vault *v, const uint8_t hash[MNS_HASH_LEN], int64_t now,
                       struct session_cache_entry *out);
void session_cache_put(struct mns_vault *v, const struct session_cache_entry *entry);

int64_t mns_now_ms(void);

/* For the few results that are deliberately not acted on; says so where it is used. */
static inline void ignore_err(mns_err err)
{
    (void)err;
}

/* The tables that hold a person and its number: the wrapped data key above
 * all, whose deleted rows must leave the disk after a deletion (crypto-
 * shredding, mns_store_purge_deleted), and which a large import fills. */
extern const char *const person_tables[];

/* ---- the lock and group commit (act.c) -------------------------------- */

void vault_lock(struct mns_vault *v);
/* Commits the open group first when nobody else is about to join it. */
void vault_unlock(struct mns_vault *v);
/* Commits the open group now (lock held); for work that needs no open
 * transaction (checkpoints, journal purge, shutdown). */
mns_err vault_flush(struct mns_vault *v);

/* ---- acts: one transaction + audit entry (act.c) ----------------------- */

struct act {
    struct mns_vault *v;
    uint64_t audit_mark;  /* audit chain position at the act's savepoint */
    const struct mns_actor *actor;
    const char *action;
    int64_t tenant_id;
    char subject[96];
    char detail[1000];    /* for the act's own ok entry; empty: none */
    const char *failure_detail; /* for its refusal entry instead; NULL: none */
    const char *purpose;
    unsigned files;       /* SPI files the actor reaches in tenant_id (resolve_tenant) */
    bool open;
};

void act_init(struct act *a, struct mns_vault *v, const struct mns_actor *actor, const char *action);
/* Joins the open group transaction (opening one if needed) under a
 * savepoint of the act's own. */
mns_err act_begin(struct act *a);
/* Joins the open group without a savepoint of the act's own: what is written
 * now stays even if the act is refused (e.g. failed-login counters). */
mns_err act_group_join(struct act *a);
/* Appends an extra entry (e.g. one per person in a batch) in the open transaction. */
mns_err act_audit(struct act *a, const char *action, const char *subject, const char *result);

/* Appends a note ("; "-separated) to the act's ok detail: one act (a login)
 * can have several things worth recording. */
void act_note(struct act *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Ends the act. With err == MNS_OK: appends the "ok" entry, releases the
 * savepoint and waits until the group holding it is committed; any failure
 * on the way undoes the act and gives MNS_ERR_AUDIT. With an error: rolls
 * the act back to its savepoint and writes the failure entry instead (also
 * waited for). Returns the final error. The lock is held throughout, except
 * while waiting, when other threads' acts join the group.
 */
mns_err act_end(struct act *a, mns_err err);
/* act_end, then releases the vault lock: the same as act_end followed by
 * vault_unlock, but the wait for the group happens after the lock is
 * released, so the thread does not queue for the lock once more. */
mns_err act_finish(struct act *a, mns_err err);
/* act_finish, then hands obj to *result, or frees it if the act failed. */
mns_err act_finish_result(struct act *a, mns_err err, json_t *obj, json_t **result);

/* Ends a listing act: act_end, then releases the vault lock (which the caller
 * holds), then hands list over as *result = {key: list}, or frees it. */
mns_err act_end_list(struct act *a, mns_err err, const char *key, json_t *list, json_t **result);

/* Authorisation (deny by default). */
mns_err require_role(const struct mns_actor *actor, unsigned roles, mns_errmsg *em);
/* Resolves a tenant code visible to the actor; clerks and officers must be
 * assigned. The tenant's id goes into the act (if any) even when refused. */
mns_err resolve_tenant(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *code,
                       int64_t *tenant_id, mns_errmsg *em);
/* The usual start of an act on a tenant: the role, the tenant (assigned,
 * for clerks and officers; *tid set), then act_begin. Lock held. */
mns_err tenant_act_begin(struct act *a, const struct mns_actor *actor, unsigned roles, const char *tenant_code,
                         int64_t *tid, mns_errmsg *em);
/* listing.c: a SELECT with one parameter (?1, e.g. the tenant id) turned
 * into one JSON object per row, column c under cols[c].key. */
struct list_col {
    const char *key;
    enum { COL_INT, COL_TEXT, COL_TEXT_OMIT, COL_JSON } type; /* NULL: JSON null; COL_TEXT_OMIT: key left out */
};
mns_err rows_json(struct mns_vault *v, const char *sql, int64_t param, const struct list_col *cols, size_t ncols,
                  json_t *list);
/* A whole listing act on a tenant: role, tenant, act, then fill (or, in
 * tenant_list, rows_json of sql) into the list, answered as {key: list}. */
typedef mns_err (*list_fill_fn)(struct mns_vault *v, int64_t tid, json_t *list, const void *ctx);
mns_err tenant_list_fill(struct mns_vault *v, const struct mns_actor *actor, const char *action, unsigned roles,
                         const char *tenant_code, list_fill_fn fill, const void *ctx, const char *key, json_t **result,
                         mns_errmsg *em);
/* The bounds of a page of a newest-first list (struct mns_list_page):
 * ids below before, limit rows; read limit + 1 to know whether there is
 * more. page_next_set puts "next_before" into an answer (next 0: null). */
struct page_bounds {
    int64_t before;
    int64_t limit;
};
struct page_bounds page_bounds_of(const struct mns_list_page *page);
mns_err page_next_set(json_t **result, int64_t next);
/* A listing that runs newest first, a page at a time: sql takes the tenant
 * (?1), the page's upper bound on the id (?2) and the rows to read (?3),
 * and selects the row's id first, e.g. "... WHERE tenant_id = ?1 AND
 * id < ?2 ORDER BY id DESC LIMIT ?3". The answer gets "next_before". */
mns_err tenant_list(struct mns_vault *v, const struct mns_actor *actor, const char *action, unsigned roles,
                    const char *tenant_code, const struct mns_list_page *page, const char *sql,
                    const struct list_col *cols, size_t ncols, const char *key, json_t **result, mns_errmsg *em);
/* Runs the audit verifier on the live store (lock held): MNS_OK intact,
 * MNS_ERR_TAMPERED with report filled, or why it could not check. */
struct mns_audit_report;
mns_err audit_verify_locked(struct mns_vault *v, struct mns_audit_report *report, mns_errmsg *em);
/* The same on another store (a backup's copy), with this installation's key
 * and without the outside checkpoint file. */
mns_err audit_verify_store(struct mns_vault *v, struct mns_store *st, struct mns_audit_report *report, mns_errmsg *em);

/* The probes (probes.c): {ITEM: {"status","probe_detail"}} for the items
 * mnsafe decides about itself (lock held). */
json_t *probes_run(struct mns_vault *v);
/* The items the probe table names (for tests); returns how many there are. */
size_t probes_items(const char **items, size_t max);

/* Retention (retention_acts.c, persons.c). Lock held, act open. */
mns_err person_shred(struct mns_vault *v, int64_t tid, int64_t person_id, const char *by, const char *reason,
                     mns_errmsg *em);
/* MNS_ERR_STATE (with why) when the person is on a legal hold */
mns_err hold_check(struct mns_vault *v, int64_t person_id, mns_errmsg *em);
/* MNS_ERR_STATE unless the user has a pledge and current training on record,
 * when the tenant requires them of clerks (registers.c) */
mns_err registers_clerk_ready(struct mns_vault *v, int64_t tid, const char *user, mns_errmsg *em);
/* a pending deletion request (deletion approval on) */
mns_err deletion_request(struct mns_vault *v, int64_t tid, int64_t person_id, const char *reason, const char *by,
                         int64_t *request_id);
/* marks a grant or deletion request approved or rejected by actor; table
 * is a fixed name ("grant_requests", "deletion_requests"), never input */
mns_err request_decide(struct mns_vault *v, const char *table, int64_t request_id, bool approve, const char *actor);
/* one line of the disposal register for a deletion mnsafe did */
mns_err disposal_record(struct mns_vault *v, int64_t tid, const char *kind, int64_t persons, const char *by,
                        const char *rules);

/* Files kept sealed for a tenant (sealed_files.c). use names what they
 * are for ("evidence", "disposal-certificate") and goes into the AD. */
#define SEALED_FILE_MAX (8u * 1024 * 1024)
struct sealed_file {
    char sha256[65];
    int64_t key_version;
    uint8_t wrapped[MNS_KEY_LEN + MNS_AEAD_OVERHEAD];
    uint8_t *ct; /* malloc'ed */
    size_t ct_len;
};
mns_err sealed_file_make(const struct tenant_keys *tk, const char *use, int64_t id, const uint8_t *data, size_t len,
                         struct sealed_file *out);
void sealed_file_release(struct sealed_file *f);
/* *data malloc'ed (the caller wipes and frees); MNS_ERR_CRYPTO when it does
 * not open or does not match sha */
mns_err sealed_file_open(const struct tenant_keys *tk, const char *use, int64_t id, int64_t key_version, const char *sha,
                         const uint8_t *wrapped, size_t wl, const uint8_t *ct, size_t cl, uint8_t **data, size_t *len);
/* a failed read: the file wiped and freed, the meta dropped */
void sealed_file_discard(uint8_t **data, size_t *len, json_t **meta);
/* PDF, PNG, JPEG, text, CSV, ZIP */
bool sealed_file_type_ok(const char *content_type);
/* name, type and size of an uploaded file (evidence, certificate) */
mns_err check_upload(const char *filename, const char *content_type, size_t len, mns_errmsg *em);

/* The SPI file a person of kind belongs to (MNS_FILE_*; 0 unknown). */
unsigned file_of_kind(const char *kind);
/* MNS_OK if the act's tenant assignment (a->files, set by resolve_tenant)
 * reaches the file of a person of kind; MNS_ERR_DENIED with a message otherwise. */
mns_err require_file(const struct act *a, const char *kind, mns_errmsg *em);
mns_err require_unsealed(struct mns_vault *v, mns_errmsg *em);

/* ---- keys (keys.c) ------------------------------------------------------- */

/* Unwrapped keys of a tenant (cached); vault must be unsealed. */
mns_err tenant_keys_get(struct mns_vault *v, int64_t tenant_id, const struct tenant_keys **out);
/* Makes, wraps and stores keys for a new tenant. */
mns_err tenant_keys_create(struct mns_vault *v, int64_t tenant_id);
/* Loads the audit signing key and sets it on the audit log. */
mns_err vault_load_system_keys(struct mns_vault *v);
/* Checks the root key against the store's check blob. */
mns_err vault_check_root(struct mns_vault *v, const uint8_t root[MNS_KEY_LEN]);
void vault_wipe_secrets(struct mns_vault *v);
mns_err vault_secrets_ensure(struct mns_vault *v);

/* Associated data strings for the AEAD, binding every ciphertext to its place. */
int ad_format(char *buf, size_t size, const char *fmt, ...) MNS_PRINTF(3, 4);

/* ---- text that is stored or logged in clear (text.c) -------------------- */

/* 1..max bytes of valid UTF-8 without control, line-separator or bidi
 * override characters, and without a valid My Number in it. */
bool vault_valid_text(const char *s, size_t max);
/* A code (tenant, purpose): 1..32 of a-z 0-9 _ -, and not a My Number. */
bool vault_valid_code(const char *s);
/* "YYYY-MM-DD", a real date from 1868 (Meiji) on */
bool vault_valid_birth_date(const char *d);
/* MNS_OK if body is a JSON object with no field outside known[0..n) */
mns_err vault_only_fields(const json_t *body, const char *const *known, size_t n, mns_errmsg *em);
/* Compact JSON text with sorted keys in a buffer of plain malloc (json_dumps
 * would use jansson's allocator, which the daemon replaces): free() it. */
char *vault_json_text(const json_t *j);

/* meta table access */
mns_err meta_get(struct mns_store *st, const char *key, uint8_t *buf, size_t size, size_t *len);
mns_err meta_put(struct mns_store *st, const char *key, const void *val, size_t len);

/* random positive id below 2^53 (safe in JSON numbers) */
mns_err random_id(int64_t *id);
/* A new id below 2^53 for a row of this vault: milliseconds since 2024 in
 * the high 41 bits and random low bits, strictly increasing within the
 * process. Ids that grow with time keep inserts at the end of the tables'
 * B-trees (random ids made a 100k import ~2x slower); thread-safe. */
mns_err vault_new_id(struct mns_vault *v, int64_t *id);


/* imports.c: readers freed at close; imports a restart cut off marked interrupted at open */
struct import_table;
void imports_release(struct mns_vault *v);
mns_err imports_recover(struct mns_vault *v);

/* ---- persons' keys and numbers, shared by persons.c, imports.c, exports.c ---- */

/* The associated data binding a wrapped person key / an encrypted number to its place. */
int ad_person_key(char *buf, size_t n, int64_t tenant, int64_t person, int64_t kver);
int ad_number(char *buf, size_t n, int64_t tenant, const char *kind, int64_t id);
/* Adds delta to the count of a tenant's persons of kind collected for a
 * purpose (purpose_use: the ledger's purposes in use). */
mns_err purpose_use_add(struct mns_vault *v, int64_t tenant, const char *kind, const char *code, int64_t delta);
/* Counts purpose_use again from the persons (after rows were removed
 * outside the acts that keep it, e.g. a restore's replayed deletions). */
#define PURPOSE_USE_RECOUNT_SQL                                                                                        \
    "DELETE FROM purpose_use; "                                                                                        \
    "INSERT INTO purpose_use (tenant_id, kind, purpose_code, persons) "                                                \
    "SELECT p.tenant_id, p.kind, x.purpose_code, count(*) FROM person_purposes x JOIN persons p ON p.id = x.person_id " \
    "GROUP BY p.tenant_id, p.kind, x.purpose_code"
/* Unwraps a person's data key from its row's wrapped and key_version. */
mns_err person_key_unwrap(const struct tenant_keys *tk, int64_t person_id, int64_t key_version, const uint8_t *wrapped,
                          size_t wlen, uint8_t dk[MNS_KEY_LEN]);
/* The kind of the person a dependent of person_id in tenant tid belongs
 * to (MNS_ERR_NOT_FOUND, with a message, when it is not theirs). */
mns_err dependent_kind(struct mns_vault *v, int64_t dependent_id, int64_t person_id, int64_t tid, char kind[16],
                       mns_errmsg *em);
/* One person (obj as in mns_vault_person_add, errors named "persons[0]...")
 * sealed with the given data key and inserted in a's open act (lock held):
 * self-service collection hands over the key its documents are sealed with. */
mns_err person_insert_with_key(struct mns_vault *v, struct act *a, const struct tenant_keys *tk, json_t *obj,
                               const uint8_t dk[MNS_KEY_LEN], int64_t *person_id, mns_errmsg *em);
/* Unwraps a person's data key (lock held). */
mns_err person_key(struct mns_vault *v, const struct tenant_keys *tk, int64_t person_id, uint8_t dk[MNS_KEY_LEN]);
/* Opens one encrypted number ("person" or "dependent" kind) into out (NUL-terminated). */
mns_err open_number(char out[MNS_MYNUMBER_LEN + 1], const uint8_t dk[MNS_KEY_LEN], int64_t tenant, const char *kind,
                    int64_t id, const uint8_t *ct, size_t ctlen);
/* The purpose codes of a tenant, read once per batch. */
#define PURPOSES_MAX 64
struct purpose_set {
    size_t n;
    char code[PURPOSES_MAX][65];
};
mns_err load_purposes(struct mns_vault *v, int64_t tenant, struct purpose_set *set);
bool purpose_known(const struct purpose_set *set, const char *code);
/* code's place in set, or -1 */
int purpose_index(const struct purpose_set *set, const char *code);
/* The persons an act adds per kind and purpose, for the ledger's counts
 * (purpose_use): one upsert per pair at the end instead of one per person. */
struct purpose_tally {
    int64_t count[2][PURPOSES_MAX]; /* [0] employee, [1] payee */
};
mns_err purpose_tally_flush(struct mns_vault *v, int64_t tenant, const struct purpose_set *set,
                            const struct purpose_tally *t);
/* Role, tenant and seal checks of the reading acts; *tk set for clerks (they see
 * the last four digits), NULL for others (lock held). */
mns_err list_access(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *tenant_code,
                    unsigned roles, int64_t *tid, const struct tenant_keys **tk, mns_errmsg *em);
/* The masked form of one number the actor may see (tk NULL: all stars). */
mns_err masked_number(struct mns_vault *v, const struct tenant_keys *tk, const struct mns_actor *actor,
                      int64_t person_id, const char *kind, int64_t id, const uint8_t *ct, size_t ctlen,
                      char out[MNS_MYNUMBER_LEN + 1]);
/* Steps s (SELECT kind, ... FROM persons WHERE id = ?1 AND tenant_id = ?2)
 * to the person's row: not found, or a file the act's actor is not assigned
 * to, is an error; the row stays current (the caller resets s). */
mns_err person_row(struct act *a, struct mns_stmt *s, int64_t person_id, int64_t tid, mns_errmsg *em);
/* A person's purpose codes as a JSON list. */
json_t *purposes_of(struct mns_vault *v, int64_t person_id);
/* Runs s if err is MNS_OK, then resets it; the run's result or err. */
mns_err run_or_reset(struct mns_stmt *s, mns_err err);
/* Inserts one register entry (fields already checked; lock held, act begun). */
mns_err register_insert(struct mns_vault *v, int64_t tid, const char *code, const json_t *fields, const char *by,
                        int64_t *id);

#endif
