/*
 * persons.c: persons (employees, payees), their dependents and numbers.
 *
 * Each person has a random data key, wrapped by the tenant's key-encryption
 * key; the person's number and the dependents' numbers are encrypted under
 * it with associated data naming tenant and record, so a ciphertext moved to
 * another row does not open. Deleting the wrapped data key (with the rows,
 * under secure_delete) is the crypto-shredding of the person.
 *
 * Plaintext numbers live only in stack buffers that are wiped on every path,
 * and in the reveal result handed to the caller.
 */
#include <stdio.h>
#include <string.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

#define BATCH_MAX 10000
#define DEPENDENTS_MAX 32
#define LIST_MAX 1000


int ad_person_key(char *buf, size_t n, int64_t tenant, int64_t person, int64_t kver)
{
    return ad_format(buf, n, "person-key|v1|%lld|%lld|%lld", (long long)tenant, (long long)person, (long long)kver);
}

int ad_number(char *buf, size_t n, int64_t tenant, const char *kind, int64_t id)
{
    return ad_format(buf, n, "mynumber|v1|%lld|%s:%lld", (long long)tenant, kind, (long long)id);
}

/* ---- validation of one incoming person --------------------------------- */

struct dep_in {
    const char *name, *relationship;
    char number[MNS_MYNUMBER_LEN + 1];
};

struct person_in {
    const char *kind, *name, *employee_code;
    char number[MNS_MYNUMBER_LEN + 1];
    json_t *purposes;
    size_t ndeps;
    struct dep_in deps[DEPENDENTS_MAX];
};

static void person_in_wipe(struct person_in *p)
{
    mns_wipe(p, sizeof(*p));
}

static const char *const person_fields[] = {"kind", "name", "employee_code", "mynumber", "purposes", "dependents"};
static const char *const dependent_fields[] = {"name", "relationship", "mynumber"};

static mns_err unknown_field(json_t *obj, const char *const *known, size_t nknown, const char *where, mns_errmsg *em)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        bool ok = false;
        for (size_t i = 0; i < nknown; i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok)
            return vault_valid_code(key)
                       ? mns_fail(em, MNS_ERR_INVALID, "%s: unknown field \"%s\" / 不明な項目です", where, key)
                       : mns_fail(em, MNS_ERR_INVALID, "%s: unknown field / 不明な項目です", where);
    }
    return MNS_OK;
}

static mns_err parse_number_field(char out[MNS_MYNUMBER_LEN + 1], json_t *val, const char *where, mns_errmsg *em)
{
    mns_errmsg nem;
    if (!json_is_string(val))
        return mns_fail(em, MNS_ERR_INVALID, "%s.mynumber: a string is required / 文字列で指定してください", where);
    mns_err err = mns_mynumber_parse(out, json_string_value(val), json_string_length(val), &nem);
    if (err != MNS_OK)
        return mns_fail(em, err, "%s.mynumber: %s", where, nem.text);
    return MNS_OK;
}

static mns_err parse_person(struct person_in *p, json_t *obj, size_t index, mns_errmsg *em)
{
    char where[48];
    mns_err err;
    memset(p, 0, sizeof(*p));
    snprintf(where, sizeof(where), "persons[%zu]", index);
    if (!json_is_object(obj))
        return mns_fail(em, MNS_ERR_INVALID, "%s: an object is required / オブジェクトで指定してください", where);
    if ((err = unknown_field(obj, person_fields, 6, where, em)) != MNS_OK)
        return err;
    json_t *kind = json_object_get(obj, "kind"), *name = json_object_get(obj, "name");
    json_t *code = json_object_get(obj, "employee_code"), *deps = json_object_get(obj, "dependents");
    p->kind = kind == NULL ? "employee" : json_string_value(kind);
    if (p->kind == NULL || (strcmp(p->kind, "employee") != 0 && strcmp(p->kind, "payee") != 0))
        return mns_fail(em, MNS_ERR_INVALID, "%s.kind: \"employee\" or \"payee\" / employee か payee を指定してください",
                        where);
    p->name = json_string_value(name);
    if (!vault_valid_text(p->name, 200))
        return mns_fail(em, MNS_ERR_INVALID, "%s.name: required, text of at most 200 bytes / 氏名は必須（200バイト以内）",
                        where);
    if (code != NULL && !json_is_null(code)) {
        p->employee_code = json_string_value(code);
        if (!vault_valid_text(p->employee_code, 64))
            return mns_fail(em, MNS_ERR_INVALID, "%s.employee_code: text of at most 64 bytes / 64バイト以内", where);
    }
    if ((err = parse_number_field(p->number, json_object_get(obj, "mynumber"), where, em)) != MNS_OK)
        return err;
    p->purposes = json_object_get(obj, "purposes");
    if (!json_is_array(p->purposes) || json_array_size(p->purposes) == 0 || json_array_size(p->purposes) > 16)
        return mns_fail(em, MNS_ERR_INVALID,
                        "%s.purposes: a list of 1-16 purpose codes is required / 利用目的（1〜16件）が必要です", where);
    for (size_t i = 0; i < json_array_size(p->purposes); i++)
        if (!json_is_string(json_array_get(p->purposes, i)))
            return mns_fail(em, MNS_ERR_INVALID, "%s.purposes[%zu]: a purpose code is required / 利用目的コードを指定してください",
                            where, i);
    if (deps != NULL && !json_is_null(deps)) {
        if (!json_is_array(deps) || json_array_size(deps) > DEPENDENTS_MAX)
            return mns_fail(em, MNS_ERR_INVALID, "%s.dependents: a list of at most %d / 扶養親族は%d件以内", where,
                            DEPENDENTS_MAX, DEPENDENTS_MAX);
        for (size_t i = 0; i < json_array_size(deps); i++) {
            json_t *d = json_array_get(deps, i);
            char dwhere[96];
            snprintf(dwhere, sizeof(dwhere), "%s.dependents[%zu]", where, i);
            if (!json_is_object(d))
                return mns_fail(em, MNS_ERR_INVALID, "%s: an object is required / オブジェクトで指定してください", dwhere);
            if ((err = unknown_field(d, dependent_fields, 3, dwhere, em)) != MNS_OK)
                return err;
            struct dep_in *di = &p->deps[p->ndeps++];
            di->name = json_string_value(json_object_get(d, "name"));
            di->relationship = json_string_value(json_object_get(d, "relationship"));
            if (!vault_valid_text(di->name, 200))
                return mns_fail(em, MNS_ERR_INVALID, "%s.name: required / 氏名は必須です", dwhere);
            if (!vault_valid_text(di->relationship, 64))
                return mns_fail(em, MNS_ERR_INVALID, "%s.relationship: required (e.g. 配偶者, 子) / 続柄は必須です", dwhere);
            if ((err = parse_number_field(di->number, json_object_get(d, "mynumber"), dwhere, em)) != MNS_OK)
                return err;
        }
    }
    return MNS_OK;
}

/* ---- storing one person -------------------------------------------------- */

/* the SPI file (MNS_FILE_*) of persons row p, for filtering by an assignment */
#define FILE_OF_KIND_SQL "(CASE p.kind WHEN 'employee' THEN 1 WHEN 'payee' THEN 2 ELSE 0 END)"

mns_err run_or_reset(struct mns_stmt *s, mns_err err)
{
    if (err == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

mns_err load_purposes(struct mns_vault *v, int64_t tenant, struct purpose_set *set)
{
    struct mns_stmt *s;
    bool row;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT code FROM purposes WHERE tenant_id = ? ORDER BY code");
    set->n = 0;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tenant)) == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row && set->n < PURPOSES_MAX)
            snprintf(set->code[set->n++], sizeof(set->code[0]), "%s", mns_stmt_text(s, 0));
    mns_stmt_reset(s);
    return err;
}

int purpose_index(const struct purpose_set *set, const char *code)
{
    for (size_t i = 0; code != NULL && i < set->n; i++)
        if (strcmp(set->code[i], code) == 0)
            return (int)i;
    return -1;
}

bool purpose_known(const struct purpose_set *set, const char *code)
{
    return purpose_index(set, code) >= 0;
}

mns_err purpose_tally_flush(struct mns_vault *v, int64_t tenant, const struct purpose_set *set,
                                   const struct purpose_tally *t)
{
    static const char *const kinds[2] = {"employee", "payee"};
    mns_err err = MNS_OK;
    for (int k = 0; k < 2; k++)
        for (size_t i = 0; err == MNS_OK && i < set->n; i++)
            if (t->count[k][i] != 0)
                err = purpose_use_add(v, tenant, kinds[k], set->code[i], t->count[k][i]);
    return err;
}

/*
 * Adding persons runs in two phases. Phase 1, without the vault lock (so that
 * concurrent imports use every core): parse and validate each person, make
 * its id and data key, and encrypt and index its numbers with a copy of the
 * tenant keys. Phase 2, under the lock in one act: insert the rows and the
 * audit entries. Only ciphertexts and blind indexes cross from one phase to
 * the other; plaintext numbers never leave phase 1's secure buffer.
 */
struct sealed_dep {
    int64_t id;
    const char *name, *relationship; /* borrowed from the request JSON */
    uint8_t ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    uint8_t bidx[MNS_BLIND_INDEX_LEN];
};

struct sealed_person {
    int64_t id;
    const char *kind, *name, *employee_code; /* borrowed from the request JSON */
    json_t *purposes;                        /* borrowed */
    uint8_t wrapped[MNS_KEY_LEN + MNS_AEAD_OVERHEAD];
    uint8_t ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    uint8_t bidx[MNS_BLIND_INDEX_LEN];
    size_t first_dep, ndeps; /* into the batch's sealed_dep array */
};

struct sealed_batch {
    size_t n, ndeps;
    struct sealed_person *persons;
    struct sealed_dep *deps;
};

static void sealed_batch_release(struct sealed_batch *b)
{
    free(b->persons);
    free(b->deps);
    memset(b, 0, sizeof(*b));
}

/* Phase 1 for one person (p parsed, tk a private copy of the tenant keys). */
static mns_err seal_person(struct mns_vault *v, const struct tenant_keys *tk, const struct person_in *p,
                           struct sealed_person *sp, struct sealed_dep *deps, const uint8_t *given_dk)
{
    uint8_t dk[MNS_KEY_LEN];
    char ad[160];
    int64_t tenant = tk->tenant_id;
    mns_err err;

    sp->kind = p->kind;
    sp->name = p->name;
    sp->employee_code = p->employee_code;
    sp->purposes = p->purposes;
    if ((err = vault_new_id(v, &sp->id)) != MNS_OK)
        goto out;
    if (given_dk != NULL)
        memcpy(dk, given_dk, sizeof(dk));
    else if ((err = mns_random(dk, sizeof(dk))) != MNS_OK)
        goto out;
    ad_person_key(ad, sizeof(ad), tenant, sp->id, tk->version);
    if ((err = mns_aead_seal(sp->wrapped, tk->kek, ad, strlen(ad), dk, sizeof(dk))) != MNS_OK)
        goto out;
    ad_number(ad, sizeof(ad), tenant, "person", sp->id);
    if ((err = mns_aead_seal(sp->ct, dk, ad, strlen(ad), p->number, MNS_MYNUMBER_LEN)) != MNS_OK ||
        (err = mns_blind_index(sp->bidx, tk->bidx, p->number, MNS_MYNUMBER_LEN)) != MNS_OK)
        goto out;
    for (size_t i = 0; i < p->ndeps; i++) {
        struct sealed_dep *sd = &deps[i];
        sd->name = p->deps[i].name;
        sd->relationship = p->deps[i].relationship;
        if ((err = vault_new_id(v, &sd->id)) != MNS_OK)
            goto out;
        ad_number(ad, sizeof(ad), tenant, "dependent", sd->id);
        if ((err = mns_aead_seal(sd->ct, dk, ad, strlen(ad), p->deps[i].number, MNS_MYNUMBER_LEN)) != MNS_OK ||
            (err = mns_blind_index(sd->bidx, tk->bidx, p->deps[i].number, MNS_MYNUMBER_LEN)) != MNS_OK)
            goto out;
    }
out:
    mns_wipe(dk, sizeof(dk));
    return err;
}

/* Phase 1 for the whole batch. The first bad person is named in em. */
static mns_err seal_batch(struct mns_vault *v, const struct tenant_keys *tk, json_t *persons, struct sealed_batch *b,
                          mns_errmsg *em)
{
    struct person_in *p = mns_secure_alloc(sizeof(*p));
    size_t n = json_array_size(persons), ndeps = 0;
    mns_err err = MNS_OK;

    memset(b, 0, sizeof(*b));
    if (p == NULL)
        return MNS_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        json_t *deps = json_object_get(json_array_get(persons, i), "dependents");
        ndeps += json_is_array(deps) ? json_array_size(deps) : 0;
    }
    b->persons = calloc(n, sizeof(*b->persons));
    b->deps = calloc(ndeps > 0 ? ndeps : 1, sizeof(*b->deps));
    if (b->persons == NULL || b->deps == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct sealed_person *sp = &b->persons[i];
        if ((err = parse_person(p, json_array_get(persons, i), i, em)) == MNS_OK) {
            sp->first_dep = b->ndeps;
            sp->ndeps = p->ndeps;
            /* counted above from the same JSON; parse_person bounds ndeps too */
            if (b->ndeps + p->ndeps > ndeps)
                err = MNS_ERR_INTERNAL;
            else
                err = seal_person(v, tk, p, sp, &b->deps[b->ndeps], NULL);
            b->ndeps += p->ndeps;
        }
        person_in_wipe(p);
        if (err != MNS_OK)
            goto out;
        b->n++;
    }
out:
    mns_secure_free(p, sizeof(*p));
    if (err != MNS_OK)
        sealed_batch_release(b);
    return err;
}

/* Phase 2 for one person: its rows, in the act's transaction. */
/* The person's rows; its purposes count into tally, or into the ledger's
 * counts at once when tally is NULL. */
static mns_err insert_person(struct mns_vault *v, int64_t tenant, int64_t key_version,
                             const struct purpose_set *purposes, struct purpose_tally *tally,
                             const struct sealed_person *sp, const struct sealed_dep *deps, size_t index, int64_t now,
                             mns_errmsg *em)
{
    struct mns_stmt *s;
    mns_err err;

    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO persons (id, tenant_id, kind, name, employee_code, number_ct, number_bidx, "
                                 "created_at, key_version, wrapped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) != MNS_OK)
        return err;
    err = mns_stmt_bind_int64(s, 1, sp->id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tenant);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, sp->kind, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, sp->name, -1);
    if (err == MNS_OK)
        err = sp->employee_code ? mns_stmt_bind_text(s, 5, sp->employee_code, -1) : mns_stmt_bind_null(s, 5);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 6, sp->ct, sizeof(sp->ct));
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 7, sp->bidx, sizeof(sp->bidx));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, now);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 9, key_version);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 10, sp->wrapped, sizeof(sp->wrapped));
    if ((err = run_or_reset(s, err)) != MNS_OK) {
        if (err == MNS_ERR_EXISTS)
            mns_fail(em, err, "persons[%zu].mynumber: this number is already registered for this tenant / "
                     "この番号は既に登録されています", index);
        return err;
    }

    for (size_t i = 0; i < json_array_size(sp->purposes); i++) {
        const char *code = json_string_value(json_array_get(sp->purposes, i));
        int which = purpose_index(purposes, code);
        if (which < 0)
            return mns_fail(em, MNS_ERR_INVALID, "persons[%zu].purposes[%zu]: unknown purpose%s%s%s / "
                            "登録されていない利用目的です", index, i, vault_valid_code(code) ? " \"" : "",
                            vault_valid_code(code) ? code : "", vault_valid_code(code) ? "\"" : "");
        /* a purpose named twice is the same purpose; DO NOTHING rather than
         * a failed insert, which would end a PostgreSQL transaction */
        if ((err = mns_store_prepare(v->store, &s,
                                     "INSERT INTO person_purposes (person_id, purpose_code) VALUES (?, ?) "
                                     "ON CONFLICT DO NOTHING")) != MNS_OK)
            return err;
        err = mns_stmt_bind_int64(s, 1, sp->id);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, code, -1);
        if (err == MNS_OK) err = mns_stmt_run(s);
        bool added = err == MNS_OK && mns_stmt_changes(s) > 0;
        mns_stmt_reset(s);
        if (err != MNS_OK)
            return err;
        if (added && tally != NULL)
            tally->count[strcmp(sp->kind, "payee") == 0][which]++;
        else if (added && (err = purpose_use_add(v, tenant, sp->kind, code, 1)) != MNS_OK)
            return err;
    }

    for (size_t i = 0; i < sp->ndeps; i++) {
        const struct sealed_dep *d = &deps[sp->first_dep + i];
        if ((err = mns_store_prepare(v->store, &s,
                                     "INSERT INTO dependents (id, person_id, tenant_id, name, relationship, number_ct, "
                                     "number_bidx, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) != MNS_OK)
            return err;
        err = mns_stmt_bind_int64(s, 1, d->id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, sp->id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, tenant);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, d->name, -1);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, d->relationship, -1);
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 6, d->ct, sizeof(d->ct));
        if (err == MNS_OK) err = mns_stmt_bind_blob(s, 7, d->bidx, sizeof(d->bidx));
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, now);
        if ((err = run_or_reset(s, err)) != MNS_OK)
            return err;
    }
    return MNS_OK;
}

/* Checks role, tenant and seal state; *tenant_id set. Lock held. */
static mns_err add_access(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *tenant_code,
                          int64_t *tenant_id, mns_errmsg *em)
{
    mns_err err;
    if ((err = require_role(actor, MNS_ROLE_CLERK, em)) != MNS_OK ||
        (err = resolve_tenant(v, a, actor, tenant_code, tenant_id, em)) != MNS_OK)
        return err;
    a->tenant_id = *tenant_id;
    return require_unsealed(v, em);
}

mns_err mns_vault_person_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                             json_t *persons, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct tenant_keys *keys = NULL; /* a private copy for phase 1 */
    const struct tenant_keys *tk = NULL;
    struct sealed_batch batch = {0};
    struct purpose_set purposes;
    struct purpose_tally *tally = NULL;
    int64_t tid = 0;
    size_t n = json_array_size(persons);
    json_t *ids = json_array();
    mns_err err;

    *result = NULL;
    if (ids == NULL)
        return MNS_ERR_NOMEM;
    keys = mns_secure_alloc(sizeof(*keys));

    vault_lock(v);
    act_init(&a, v, actor, "person.create");
    if (keys == NULL)
        err = MNS_ERR_NOMEM;
    else if ((err = add_access(v, &a, actor, tenant_code, &tid, em)) == MNS_OK &&
             (err = tenant_keys_get(v, tid, &tk)) == MNS_OK)
        memcpy(keys, tk, sizeof(*keys));
    if (err == MNS_OK && (!json_is_array(persons) || n == 0))
        err = mns_fail(em, MNS_ERR_INVALID, "persons: a non-empty list is required / 1件以上の一覧が必要です");
    if (err == MNS_OK && n > BATCH_MAX)
        err = mns_fail(em, MNS_ERR_LIMIT, "persons: at most %d per request / 1回に%d件までです", BATCH_MAX, BATCH_MAX);
    if (err != MNS_OK)
        goto out;
    vault_unlock(v);

    err = seal_batch(v, keys, persons, &batch, em);
    int64_t key_version = keys->version;
    mns_secure_free(keys, sizeof(*keys));
    keys = NULL;

    vault_lock(v);
    /* the world may have changed while the lock was free: check again */
    int64_t sealed_for = tid;
    if (err != MNS_OK || (err = add_access(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = load_purposes(v, tid, &purposes)) != MNS_OK)
        goto out;
    if (tid != sealed_for) {
        err = mns_fail(em, MNS_ERR_STATE, "the tenant changed during the import; try again / "
                       "取込み中に事業者が変更されました。再実行してください");
        goto out;
    }
    /* one bad row undoes the act's savepoint: nothing of the batch is stored */
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    int64_t now = mns_now_ms();
    if ((tally = calloc(1, sizeof(*tally))) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < batch.n; i++) {
        const struct sealed_person *sp = &batch.persons[i];
        if ((err = require_file(&a, sp->kind, em)) != MNS_OK) {
            char where[64];
            snprintf(where, sizeof(where), "persons[%zu]: ", i);
            size_t wl = strlen(where), ml = strlen(em->text);
            if (wl + ml < sizeof(em->text)) {
                memmove(em->text + wl, em->text, ml + 1);
                memcpy(em->text, where, wl);
            }
            a.failure_detail = "file not assigned";
            goto out;
        }
        if ((err = insert_person(v, tid, key_version, &purposes, tally, sp, batch.deps, i, now, em)) != MNS_OK)
            goto out;
        json_array_append_new(ids, json_integer(sp->id));
        snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)sp->id);
        /* one entry per person; the last one is written by act_end */
        if (i + 1 < batch.n && (err = act_audit(&a, "person.create", a.subject, "ok")) != MNS_OK)
            goto out;
    }
    err = purpose_tally_flush(v, tid, &purposes, tally);
out:
    free(tally);
    if (err != MNS_OK)
        a.subject[0] = '\0';
    err = act_finish(&a, err);
    mns_secure_free(keys, sizeof(*keys));
    sealed_batch_release(&batch);
    if (err != MNS_OK) {
        json_decref(ids);
        return err;
    }
    *result = json_pack("{s:o}", "created", ids);
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err person_insert_with_key(struct mns_vault *v, struct act *a, const struct tenant_keys *tk, json_t *obj,
                               const uint8_t dk[MNS_KEY_LEN], int64_t *person_id, mns_errmsg *em)
{
    struct person_in *p = mns_secure_alloc(sizeof(*p));
    struct sealed_dep *deps = NULL;
    struct sealed_person sp;
    struct purpose_set purposes;
    mns_err err;

    memset(&sp, 0, sizeof(sp));
    if (p == NULL)
        return MNS_ERR_NOMEM;
    if ((err = parse_person(p, obj, 0, em)) != MNS_OK)
        goto out;
    if ((deps = calloc(p->ndeps > 0 ? p->ndeps : 1, sizeof(*deps))) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    sp.ndeps = p->ndeps;
    if ((err = seal_person(v, tk, p, &sp, deps, dk)) != MNS_OK || (err = load_purposes(v, tk->tenant_id, &purposes)) != MNS_OK)
        goto out;
    if ((err = insert_person(v, tk->tenant_id, tk->version, &purposes, NULL, &sp, deps, 0, mns_now_ms(), em)) == MNS_OK) {
        *person_id = sp.id;
        snprintf(a->subject, sizeof(a->subject), "person:%lld", (long long)sp.id);
    }
out:
    person_in_wipe(p);
    mns_secure_free(p, sizeof(*p));
    free(deps);
    return err;
}

/* ---- reading ---------------------------------------------------------------- */

/* Unwraps a person's data key. */
mns_err person_key_unwrap(const struct tenant_keys *tk, int64_t person_id, int64_t key_version, const uint8_t *wrapped,
                          size_t wlen, uint8_t dk[MNS_KEY_LEN])
{
    char ad[160];
    size_t len = 0;
    if (wrapped == NULL || wlen != MNS_KEY_LEN + MNS_AEAD_OVERHEAD)
        return MNS_ERR_CRYPTO;
    ad_person_key(ad, sizeof(ad), tk->tenant_id, person_id, key_version);
    return mns_aead_open(dk, &len, tk->kek, ad, strlen(ad), wrapped, wlen);
}

mns_err person_key(struct mns_vault *v, const struct tenant_keys *tk, int64_t person_id, uint8_t dk[MNS_KEY_LEN])
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT key_version, wrapped FROM persons WHERE id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && !row)
        err = MNS_ERR_NOT_FOUND;
    if (err == MNS_OK) {
        size_t wlen = 0;
        const uint8_t *w = mns_stmt_blob(s, 1, &wlen);
        err = person_key_unwrap(tk, person_id, mns_stmt_int64(s, 0), w, wlen, dk);
    }
    mns_stmt_reset(s);
    return err;
}

mns_err open_number(char out[MNS_MYNUMBER_LEN + 1], const uint8_t dk[MNS_KEY_LEN], int64_t tenant,
                           const char *kind, int64_t id, const uint8_t *ct, size_t ctlen)
{
    char ad[160];
    size_t len = 0;
    ad_number(ad, sizeof(ad), tenant, kind, id);
    if (ctlen != MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD)
        return MNS_ERR_CRYPTO;
    mns_err err = mns_aead_open((uint8_t *)out, &len, dk, ad, strlen(ad), ct, ctlen);
    out[err == MNS_OK ? len : 0] = '\0';
    return err;
}

/* The masked form an actor may see: assigned clerks the last four digits. */
mns_err masked_number(struct mns_vault *v, const struct tenant_keys *tk, const struct mns_actor *actor,
                             int64_t person_id, const char *kind, int64_t id, const uint8_t *ct, size_t ctlen,
                             char out[MNS_MYNUMBER_LEN + 1])
{
    char num[MNS_MYNUMBER_LEN + 1];
    uint8_t dk[MNS_KEY_LEN];
    mns_err err = MNS_OK;
    if (actor->role != MNS_ROLE_CLERK || tk == NULL) {
        memset(out, '*', MNS_MYNUMBER_LEN);
        out[MNS_MYNUMBER_LEN] = '\0';
        return MNS_OK;
    }
    if ((err = person_key(v, tk, person_id, dk)) == MNS_OK &&
        (err = open_number(num, dk, tk->tenant_id, kind, id, ct, ctlen)) == MNS_OK)
        mns_number_mask(out, num, MNS_MYNUMBER_LEN, true);
    mns_wipe(num, sizeof(num));
    mns_wipe(dk, sizeof(dk));
    return err;
}

json_t *purposes_of(struct mns_vault *v, int64_t person_id)
{
    struct mns_stmt *s;
    bool row;
    json_t *list = json_array();
    if (mns_store_prepare(v->store, &s, "SELECT purpose_code FROM person_purposes WHERE person_id = ? ORDER BY 1") !=
        MNS_OK)
        return list;
    if (mns_stmt_bind_int64(s, 1, person_id) == MNS_OK)
        while (mns_stmt_step(s, &row) == MNS_OK && row)
            json_array_append_new(list, json_string(mns_stmt_text(s, 0)));
    mns_stmt_reset(s);
    return list;
}

static int compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The purposes as a sorted array, from "code,code,..." (codes hold no comma). */
static json_t *purposes_from_list(const char *joined)
{
    json_t *list = json_array();
    char buf[PURPOSES_MAX * 40], *codes[PURPOSES_MAX], *save = NULL;
    size_t n = 0;
    if (list == NULL || joined == NULL)
        return list;
    snprintf(buf, sizeof(buf), "%s", joined);
    for (char *t = strtok_r(buf, ",", &save); t != NULL && n < PURPOSES_MAX; t = strtok_r(NULL, ",", &save))
        codes[n++] = t;
    qsort(codes, n, sizeof(codes[0]), compare_text);
    for (size_t i = 0; i < n; i++)
        json_array_append_new(list, json_string(codes[i]));
    return list;
}

mns_err list_access(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *tenant_code,
                           unsigned roles, int64_t *tid, const struct tenant_keys **tk, mns_errmsg *em)
{
    mns_err err;
    *tk = NULL;
    if ((err = require_role(actor, roles, em)) != MNS_OK ||
        (err = resolve_tenant(v, a, actor, tenant_code, tid, em)) != MNS_OK)
        return err;
    a->tenant_id = *tid;
    if ((err = require_unsealed(v, em)) != MNS_OK)
        return err;
    if (actor->role == MNS_ROLE_CLERK)
        return tenant_keys_get(v, *tid, tk);
    return MNS_OK;
}

struct listed {
    int64_t id;
    uint8_t ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    size_t ctlen;
    int64_t key_version;
    uint8_t wrapped[MNS_KEY_LEN + MNS_AEAD_OVERHEAD];
    size_t wlen;
    json_t *obj;
};

/* The masked number of a listed person: the last four digits for an
 * assigned clerk (tk set), from the key read with the row. */
static mns_err listed_masked(const struct tenant_keys *tk, const struct mns_actor *actor, const struct listed *r,
                             char out[MNS_MYNUMBER_LEN + 1])
{
    char num[MNS_MYNUMBER_LEN + 1];
    uint8_t dk[MNS_KEY_LEN];
    mns_err err;
    if (actor->role != MNS_ROLE_CLERK || tk == NULL) {
        memset(out, '*', MNS_MYNUMBER_LEN);
        out[MNS_MYNUMBER_LEN] = '\0';
        return MNS_OK;
    }
    if ((err = person_key_unwrap(tk, r->id, r->key_version, r->wrapped, r->wlen, dk)) == MNS_OK &&
        (err = open_number(num, dk, tk->tenant_id, "person", r->id, r->ct, r->ctlen)) == MNS_OK)
        mns_number_mask(out, num, MNS_MYNUMBER_LEN, true);
    mns_wipe(num, sizeof(num));
    mns_wipe(dk, sizeof(dk));
    return err;
}

mns_err mns_vault_person_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                              int64_t after_id, unsigned limit, json_t **result, mns_errmsg *em)
{
    return mns_vault_person_list_ex(v, actor, tenant_code, after_id, limit, NULL, result, em);
}

mns_err mns_vault_person_list_ex(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                 int64_t after_id, unsigned limit, const struct mns_person_filter *filter,
                                 json_t **result, mns_errmsg *em)
{
    const char *kind = filter != NULL ? filter->kind : NULL, *name = filter != NULL ? filter->name : NULL;
    char like[256] = "";
    struct act a;
    const struct tenant_keys *tk = NULL;
    struct mns_stmt *s;
    struct listed *rows = NULL;
    size_t nrows = 0;
    int64_t tid = 0;
    bool row;
    json_t *list = json_array();
    mns_err err;

    *result = NULL;
    if (limit == 0 || limit > LIST_MAX)
        limit = limit == 0 ? 100 : LIST_MAX;
    rows = calloc(limit, sizeof(*rows));
    if (list == NULL || rows == NULL) {
        json_decref(list);
        free(rows);
        return MNS_ERR_NOMEM;
    }
    vault_lock(v);
    act_init(&a, v, actor, "person.list");
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, &tid, &tk, em)) != MNS_OK ||
        (err = act_begin(&a)) != MNS_OK)
        goto out;
#define LIST_SELECT                                                                                                    \
    MNS_SQL_PLAN_PER_CALL "SELECT p.id, p.kind, p.name, p.employee_code, p.number_ct, "                                \
                          "(SELECT count(*) FROM dependents d WHERE d.person_id = p.id), p.name_kana, p.birth_date, " \
                          "p.key_version, p.wrapped, "                                                                \
                          "(SELECT group_concat(pp.purpose_code, ',') FROM person_purposes pp "                       \
                          "WHERE pp.person_id = p.id) FROM persons p "
#define LIST_TAIL                                                                                                      \
    " AND (?3 & " FILE_OF_KIND_SQL ") != 0 AND (?5 IS NULL OR p.kind = ?5) "                                          \
    "AND (?6 IS NULL OR p.name LIKE ?6 ESCAPE '\\' OR p.name_kana LIKE ?6 ESCAPE '\\') "                               \
    "ORDER BY p.tenant_id, p.id LIMIT ?4"
    /* The tenant's rows from the index on (tenant_id, id), in its order, from
     * the page's start. PostgreSQL is given a row comparison: with
     * tenant_id = ?1 it walked the primary key through every other tenant's
     * rows (33 ms a page at 10 x 100,000 persons). SQLite plans a row
     * comparison on its first column only, reading the tenant's rows from its
     * first (10 ms a page at the end of 100,000): it is given the equality. */
    static const char list_pg[] = LIST_SELECT "WHERE p.tenant_id <= ?1 AND (p.tenant_id, p.id) > (?1, ?2)" LIST_TAIL;
    static const char list_sqlite[] = LIST_SELECT "WHERE p.tenant_id = ?1 AND p.id > ?2" LIST_TAIL;
#undef LIST_SELECT
#undef LIST_TAIL
    bool sqlite = strcmp(mns_store_backend(v->store), "sqlite") == 0;
    if ((err = mns_store_prepare(v->store, &s, sqlite ? list_sqlite : list_pg)) != MNS_OK)
        goto out;
    if (name != NULL) {
        /* a part of the name or its kana; LIKE's own characters taken literally */
        size_t o = 0;
        like[o++] = '%';
        for (const char *p = name; *p && o + 3 < sizeof(like); p++) {
            if (*p == '%' || *p == '_' || *p == '\\')
                like[o++] = '\\';
            like[o++] = *p;
        }
        like[o++] = '%';
        like[o] = '\0';
    }
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, after_id)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, a.files)) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, limit)) == MNS_OK &&
        (err = kind ? mns_stmt_bind_text(s, 5, kind, -1) : mns_stmt_bind_null(s, 5)) == MNS_OK &&
        (err = name ? mns_stmt_bind_text(s, 6, like, -1) : mns_stmt_bind_null(s, 6)) == MNS_OK) {
        /* one query per page, key and purposes included: on PostgreSQL each
         * statement is a round trip made under the vault lock */
        while (nrows < limit && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            struct listed *r = &rows[nrows++];
            const uint8_t *ct = mns_stmt_blob(s, 4, &r->ctlen);
            const uint8_t *w = mns_stmt_blob(s, 9, &r->wlen);
            r->id = mns_stmt_int64(s, 0);
            if (r->ctlen == sizeof(r->ct))
                memcpy(r->ct, ct, r->ctlen);
            r->key_version = mns_stmt_int64(s, 8);
            if (w != NULL && r->wlen == sizeof(r->wrapped))
                memcpy(r->wrapped, w, r->wlen);
            r->obj = json_pack("{s:I, s:s, s:s, s:s*, s:I, s:s*, s:s*, s:o}", "id", (json_int_t)r->id, "kind",
                               mns_stmt_text(s, 1), "name", mns_stmt_text(s, 2), "employee_code", mns_stmt_text(s, 3),
                               "dependents", (json_int_t)mns_stmt_int64(s, 5), "name_kana", mns_stmt_text(s, 6),
                               "birth_date", mns_stmt_text(s, 7), "purposes", purposes_from_list(mns_stmt_text(s, 10)));
            if (r->obj == NULL)
                err = MNS_ERR_NOMEM;
        }
    }
    mns_stmt_reset(s);
    for (size_t i = 0; err == MNS_OK && i < nrows; i++) {
        char masked[MNS_MYNUMBER_LEN + 1];
        struct listed *r = &rows[i];
        if ((err = listed_masked(tk, actor, r, masked)) != MNS_OK)
            break;
        json_object_set_new(r->obj, "mynumber_masked", json_string(masked));
        json_array_append(list, r->obj);
    }
out:
    err = act_finish(&a, err);
    for (size_t i = 0; i < nrows; i++)
        json_decref(rows[i].obj);
    int64_t last = nrows > 0 ? rows[nrows - 1].id : 0;
    mns_wipe(rows, limit * sizeof(*rows));
    free(rows);
    if (err != MNS_OK) {
        json_decref(list);
        return err;
    }
    *result = json_pack("{s:o, s:o}", "persons", list, "next_after",
                        nrows == limit ? json_integer(last) : json_null());
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_person_find(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                              const char *number, json_t **result, mns_errmsg *em)
{
    struct act a;
    const struct tenant_keys *tk = NULL;
    struct mns_stmt *s;
    char num[MNS_MYNUMBER_LEN + 1] = "";
    uint8_t bidx[MNS_BLIND_INDEX_LEN];
    int64_t tid = 0;
    bool row;
    json_t *persons = json_array(), *deps = json_array();
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "person.find");
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK, &tid, &tk, em)) != MNS_OK)
        goto out;
    if (number == NULL) {
        err = mns_fail(em, MNS_ERR_INVALID, "mynumber: required / 個人番号を指定してください");
        goto out;
    }
    {
        mns_errmsg nem;
        if ((err = mns_mynumber_parse(num, number, strlen(number), &nem)) != MNS_OK) {
            mns_fail(em, err, "mynumber: %s", nem.text);
            goto out;
        }
    }
    if ((err = mns_blind_index(bidx, tk->bidx, num, MNS_MYNUMBER_LEN)) != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT p.id, p.kind, p.name, p.employee_code FROM persons p WHERE p.tenant_id = ? AND "
                                 "p.number_bidx = ? AND (? & " FILE_OF_KIND_SQL ") != 0")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx))) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 3, a.files)) == MNS_OK)
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                char masked[MNS_MYNUMBER_LEN + 1];
                mns_number_mask(masked, num, MNS_MYNUMBER_LEN, true);
                snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)mns_stmt_int64(s, 0));
                json_array_append_new(persons, json_pack("{s:I, s:s, s:s, s:s*, s:s}", "id",
                                                         (json_int_t)mns_stmt_int64(s, 0), "kind", mns_stmt_text(s, 1),
                                                         "name", mns_stmt_text(s, 2), "employee_code",
                                                         mns_stmt_text(s, 3), "mynumber_masked", masked));
            }
        mns_stmt_reset(s);
    }
    if (err == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT d.id, d.person_id, d.name, d.relationship FROM dependents d "
                                 "JOIN persons p ON p.id = d.person_id "
                                 "WHERE d.tenant_id = ? AND d.number_bidx = ? AND (? & " FILE_OF_KIND_SQL ") != 0")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx))) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 3, a.files)) == MNS_OK)
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
                json_array_append_new(deps, json_pack("{s:I, s:I, s:s, s:s}", "id", (json_int_t)mns_stmt_int64(s, 0),
                                                      "person_id", (json_int_t)mns_stmt_int64(s, 1), "name",
                                                      mns_stmt_text(s, 2), "relationship", mns_stmt_text(s, 3)));
        mns_stmt_reset(s);
    }
out:
    mns_wipe(num, sizeof(num));
    mns_wipe(bidx, sizeof(bidx));
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(persons);
        json_decref(deps);
        return err;
    }
    *result = json_pack("{s:o, s:o}", "persons", persons, "dependents", deps);
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_person_reveal(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t person_id, const char *purpose, json_t **result, mns_errmsg *em)
{
    struct act a;
    const struct tenant_keys *tk = NULL;
    struct mns_stmt *s;
    uint8_t dk[MNS_KEY_LEN];
    char num[MNS_MYNUMBER_LEN + 1] = "";
    int64_t tid = 0;
    bool row = false;
    json_t *out_obj = NULL, *deps = NULL;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "person.reveal");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    /* only a well-formed code is recorded or echoed: free text here could
     * carry a number into the audit log */
    a.purpose = vault_valid_code(purpose) ? purpose : NULL;
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK, &tid, &tk, em)) != MNS_OK)
        goto out;
    if (a.purpose == NULL) {
        err = mns_fail(em, MNS_ERR_PURPOSE, "purpose: a purpose code (a-z 0-9 _ -) is required to reveal a number / "
                       "番号の表示には利用目的コードが必要です");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT p.name, p.kind, p.number_ct, "
                                 "(SELECT count(*) FROM person_purposes x WHERE x.person_id = p.id AND x.purpose_code = ?) "
                                 "FROM persons p WHERE p.id = ? AND p.tenant_id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_text(s, 1, purpose, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, person_id)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, tid)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such person in this tenant / この事業者に該当する本人はいません");
    if (err == MNS_OK && (err = require_file(&a, mns_stmt_text(s, 1), em)) != MNS_OK)
        a.failure_detail = "file not assigned";
    if (err == MNS_OK && mns_stmt_int64(s, 3) == 0)
        err = mns_fail(em, MNS_ERR_PURPOSE, "the number was not collected for purpose \"%.40s\" / "
                       "この番号は指定の利用目的で取得されていません", purpose);
    if (err == MNS_OK && (err = person_key(v, tk, person_id, dk)) == MNS_OK) {
        size_t ctlen = 0;
        const uint8_t *ct = mns_stmt_blob(s, 2, &ctlen);
        if ((err = open_number(num, dk, tid, "person", person_id, ct, ctlen)) == MNS_OK)
            out_obj = json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)person_id, "name", mns_stmt_text(s, 0),
                                "kind", mns_stmt_text(s, 1), "purpose", purpose, "mynumber", num);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        goto out;
    deps = json_array();
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT id, name, relationship, number_ct FROM dependents WHERE person_id = ? ORDER BY id")) ==
        MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK)
            while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                size_t ctlen = 0;
                int64_t did = mns_stmt_int64(s, 0);
                const uint8_t *ct = mns_stmt_blob(s, 3, &ctlen);
                /* the entry names every record whose number is shown */
                size_t used = strlen(a.detail);
                snprintf(a.detail + used, sizeof(a.detail) - used, "%sdependent:%lld", used ? "," : "",
                         (long long)did);
                if ((err = open_number(num, dk, tid, "dependent", did, ct, ctlen)) == MNS_OK)
                    json_array_append_new(deps, json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)did, "name",
                                                          mns_stmt_text(s, 1), "relationship", mns_stmt_text(s, 2),
                                                          "mynumber", num));
            }
        mns_stmt_reset(s);
    }
out:
    mns_wipe(dk, sizeof(dk));
    mns_wipe(num, sizeof(num));
    err = act_finish(&a, err);
    if (err != MNS_OK || out_obj == NULL) {
        json_decref(out_obj);
        json_decref(deps);
        return err != MNS_OK ? err : MNS_ERR_NOMEM;
    }
    json_object_set_new(out_obj, "dependents", deps);
    *result = out_obj;
    return MNS_OK;
}

/* Crypto-shreds one person of tenant tid inside the open act: the key
 * first (once it is gone nothing of the person can be read, whatever copies
 * of the rows exist elsewhere), then the rows, and a line in the deletion
 * journal (replayed on restore). */
mns_err purpose_use_add(struct mns_vault *v, int64_t tenant, const char *kind, const char *code, int64_t delta)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "INSERT INTO purpose_use (tenant_id, kind, purpose_code, persons) VALUES (?, ?, ?, ?) "
                                    "ON CONFLICT (tenant_id, kind, purpose_code) DO UPDATE "
                                    "SET persons = purpose_use.persons + excluded.persons");
    if (err != MNS_OK)
        return err;
    err = mns_stmt_bind_int64(s, 1, tenant);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, kind, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, code, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, delta);
    return run_or_reset(s, err);
}

mns_err person_shred(struct mns_vault *v, int64_t tid, int64_t person_id, const char *by, const char *reason,
                     mns_errmsg *em)
{
    static const char *const deletes[] = {
        /* the person's purposes leave the ledger's count first */
        "UPDATE purpose_use SET persons = persons - 1 WHERE tenant_id = (SELECT tenant_id FROM persons WHERE id = ?1) "
        "AND kind = (SELECT kind FROM persons WHERE id = ?1) "
        "AND purpose_code IN (SELECT purpose_code FROM person_purposes WHERE person_id = ?1)",
        "DELETE FROM dependents WHERE person_id = ?",
        "DELETE FROM person_purposes WHERE person_id = ?",
        /* the document photos of a self-service collection (sealed with the
         * key above), and the name on the link */
        "DELETE FROM collection_documents WHERE person_id = ?",
        "UPDATE collections SET state = 'deleted', name = '-', employee_code = NULL WHERE person_id = ?",
    };
    struct mns_stmt *s;
    mns_err err = MNS_OK;
    for (size_t i = 0; err == MNS_OK && i < sizeof(deletes) / sizeof(deletes[0]); i++) {
        if ((err = mns_store_prepare(v->store, &s, deletes[i])) == MNS_OK)
            err = run_or_reset(s, mns_stmt_bind_int64(s, 1, person_id));
    }
    if (err == MNS_OK && (err = mns_store_prepare(v->store, &s, "DELETE FROM persons WHERE id = ? AND tenant_id = ?")) ==
                             MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
            err = mns_stmt_run(s);
        if (err == MNS_OK && mns_stmt_changes(s) == 0)
            err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such person in this tenant / この事業者に該当する本人はいません");
        mns_stmt_reset(s);
    }
    if (err == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO deletions (person_id, tenant_id, deleted_at, deleted_by, reason) "
                                 "VALUES (?, ?, ?, ?, ?)")) == MNS_OK) {
        err = mns_stmt_bind_int64(s, 1, person_id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, mns_now_ms());
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, by, -1);
        if (err == MNS_OK)
            err = (reason && reason[0]) ? mns_stmt_bind_text(s, 5, reason, -1) : mns_stmt_bind_null(s, 5);
        err = run_or_reset(s, err);
    }
    /* the old page images in the journal are the last copies of the key:
     * the commit of this act's group purges them before anyone returns */
    if (err == MNS_OK)
        v->purge_pending = true;
    return err;
}

mns_err mns_vault_person_delete(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t person_id, const char *reason, mns_errmsg *em)
{
    int64_t request_id = 0;
    mns_err err = mns_vault_person_delete_ex(v, actor, tenant_code, person_id, reason, &request_id, em);
    if (err == MNS_OK && request_id != 0)
        return mns_fail(em, MNS_ERR_STATE, "the deletion waits for an officer's approval (request %lld) / "
                        "削除は責任者の承認待ちです", (long long)request_id);
    return err;
}

mns_err mns_vault_person_delete_ex(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t person_id, const char *reason, int64_t *request_id, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    char kind[16] = "";
    mns_err err;

    *request_id = 0;
    vault_lock(v);
    act_init(&a, v, actor, "person.delete");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = require_role(actor, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    a.tenant_id = tid;
    if ((err = require_unsealed(v, em)) != MNS_OK)
        goto out;
    if (reason != NULL && reason[0] != '\0' && !vault_valid_text(reason, 200)) {
        err = mns_fail(em, MNS_ERR_INVALID, "reason: text of at most 200 bytes / 理由は200バイト以内です");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    {
        bool row = false;
        if ((err = mns_store_prepare(v->store, &s, "SELECT kind FROM persons WHERE id = ? AND tenant_id = ?")) != MNS_OK)
            goto out;
        if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
            err = mns_stmt_step(s, &row);
        if (err == MNS_OK && !row)
            err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such person in this tenant / この事業者に該当する本人はいません");
        if (err == MNS_OK && (err = require_file(&a, mns_stmt_text(s, 0), em)) != MNS_OK)
            a.failure_detail = "file not assigned";
        if (err == MNS_OK)
            snprintf(kind, sizeof(kind), "%s", mns_stmt_text(s, 0));
        mns_stmt_reset(s);
        if (err != MNS_OK)
            goto out;
    }
    /* on a legal hold, a number stays whoever asks */
    if ((err = hold_check(v, person_id, em)) != MNS_OK) {
        a.failure_detail = "legal hold";
        goto out;
    }
    /* with deletion approval, a clerk asks and an officer decides */
    if (v->deletion_approval && actor->role == MNS_ROLE_CLERK) {
        a.action = "person.delete_request";
        if ((err = deletion_request(v, tid, person_id, reason, actor->name, request_id)) == MNS_OK)
            act_note(&a, "request:%lld", (long long)*request_id);
        goto out;
    }
    if ((err = person_shred(v, tid, person_id, actor->name, reason, em)) == MNS_OK)
        err = disposal_record(v, tid, strcmp(kind, "payee") == 0 ? "payee" : "employee", 1, actor->name,
                              (reason && reason[0]) ? reason : "deleted by hand");
out:
    err = act_finish(&a, err);
    return err;
}

/* Steps s (SELECT kind, ... FROM persons WHERE id = ?1 AND tenant_id = ?2) to
 * the person's row: not found, or a file the actor is not assigned to, is an
 * error (the row stays current on success; the caller resets s). */
mns_err person_row(struct act *a, struct mns_stmt *s, int64_t person_id, int64_t tid, mns_errmsg *em)
{
    bool row = false;
    mns_err err;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such person in this tenant / この事業者に該当する本人はいません");
    if (err == MNS_OK && (err = require_file(a, mns_stmt_text(s, 0), em)) != MNS_OK)
        a->failure_detail = "file not assigned";
    return err;
}
