/*
 * collections.c: self-service collection. A clerk issues a one-time link
 * for one person (name, kind, purposes); the employee opens it on a phone,
 * photographs the documents of the identity check (番号確認, 身元確認),
 * enters their number and their dependents' numbers, and submits; the clerk
 * looks at the images and records the identity check.
 *
 * The link token is shown once: only its SHA-256 is kept. At issue a data
 * key is made for the link and kept wrapped by the tenant key; the images
 * are sealed with it, and at submission it becomes the person's data key
 * (person_insert_with_key) and the link's copy is dropped. From then on the
 * images open only with the person's key, so deleting the person shreds
 * them with the number. Every step is an audited act; the employee's acts
 * are recorded as actor "link:ID".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

#define LINK_PREFIX "mnc_"
#define LINK_TOKEN_LEN (4 + 2 * 32)
#define LINK_HOURS_DEFAULT 72
#define LINK_HOURS_MAX (14 * 24)
#define DOCUMENT_MAX SEALED_FILE_MAX

/* what the identity check needs: 番号確認 (the number is the person's) and
 * 身元確認 (the person is who they say) */
static const char *const slots[] = {"number", "identity"};

struct collection {
    int64_t id, tenant_id, key_version, person_id, expires_at;
    char state[16], kind[16];
    bool has_key;
    uint8_t wrapped[MNS_KEY_LEN + MNS_AEAD_OVERHEAD];
    char name[256], employee_code[80], purposes[1200];
};

#define COLLECTION_COLS                                                                                                \
    "id, tenant_id, kind, name, employee_code, purposes, state, key_version, wrapped, person_id, expires_at, "        \
    "created_by, created_at, opened_at, submitted_at, checked_by, checked_at, number_check, identity_check, check_note"

static int ad_link_key(char *buf, size_t n, int64_t tenant, int64_t id, int64_t kver)
{
    return ad_format(buf, n, "collection-key|v1|%lld|%lld|%lld", (long long)tenant, (long long)id, (long long)kver);
}

static int ad_document(char *buf, size_t n, int64_t tenant, int64_t id, const char *slot)
{
    return ad_format(buf, n, "collection-document|v1|%lld|%lld|%s", (long long)tenant, (long long)id, slot);
}

static bool slot_known(const char *slot)
{
    for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++)
        if (strcmp(slot, slots[i]) == 0)
            return true;
    return false;
}

/* "open" turns "expired" once its time is up (the row is swept later) */
static const char *state_now(const struct collection *c, int64_t now)
{
    return strcmp(c->state, "open") == 0 && c->expires_at <= now ? "expired" : c->state;
}

/* the current row of a SELECT COLLECTION_COLS into c */
static void collection_read(struct mns_stmt *s, struct collection *c)
{
    memset(c, 0, sizeof(*c));
    c->id = mns_stmt_int64(s, 0);
    c->tenant_id = mns_stmt_int64(s, 1);
    snprintf(c->kind, sizeof(c->kind), "%s", mns_stmt_text(s, 2));
    snprintf(c->name, sizeof(c->name), "%s", mns_stmt_text(s, 3));
    if (!mns_stmt_is_null(s, 4))
        snprintf(c->employee_code, sizeof(c->employee_code), "%s", mns_stmt_text(s, 4));
    snprintf(c->purposes, sizeof(c->purposes), "%s", mns_stmt_text(s, 5));
    snprintf(c->state, sizeof(c->state), "%s", mns_stmt_text(s, 6));
    c->key_version = mns_stmt_int64(s, 7);
    size_t wl = 0;
    const void *w = mns_stmt_is_null(s, 8) ? NULL : mns_stmt_blob(s, 8, &wl);
    if (w != NULL && wl == sizeof(c->wrapped)) {
        memcpy(c->wrapped, w, wl);
        c->has_key = true;
    }
    c->person_id = mns_stmt_is_null(s, 9) ? 0 : mns_stmt_int64(s, 9);
    c->expires_at = mns_stmt_int64(s, 10);
}

static json_t *int_or_null(struct mns_stmt *s, int col)
{
    return mns_stmt_is_null(s, col) ? json_null() : json_integer(mns_stmt_int64(s, col));
}

static json_t *text_or_null(struct mns_stmt *s, int col)
{
    return mns_stmt_is_null(s, col) ? json_null() : json_string(mns_stmt_text(s, col));
}

/* The clerk's view of the current row (never a number, never an image). */
static json_t *collection_json(struct mns_stmt *s, int64_t now)
{
    struct collection c;
    collection_read(s, &c);
    json_t *purposes = json_loads(c.purposes, 0, NULL);
    json_t *check = mns_stmt_is_null(s, 16)
                        ? json_null()
                        : json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "result",
                                    strcmp(c.state, "rejected") == 0 ? "rejected" : "confirmed", "checked_by",
                                    text_or_null(s, 15), "checked_at", int_or_null(s, 16), "number_check",
                                    text_or_null(s, 17), "identity_check", text_or_null(s, 18), "note",
                                    text_or_null(s, 19));
    json_t *o = json_pack("{s:I, s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:I, s:I, s:o, s:o, s:o, s:o}", "id",
                          (json_int_t)c.id, "kind", c.kind, "name", c.name, "employee_code",
                          c.employee_code[0] ? json_string(c.employee_code) : json_null(), "purposes",
                          purposes ? purposes : json_array(), "state", state_now(&c, now), "person_id",
                          c.person_id ? json_integer(c.person_id) : json_null(), "created_by", mns_stmt_text(s, 11),
                          "created_at", (json_int_t)mns_stmt_int64(s, 12), "expires_at", (json_int_t)c.expires_at,
                          "opened_at", int_or_null(s, 13), "submitted_at", int_or_null(s, 14), "identity_check",
                          check ? check : json_null(), "documents", json_array());
    mns_wipe(&c, sizeof(c));
    return o;
}

/* {slot, content_type, size, created_at} of a collection's documents into list */
static mns_err documents_json(struct mns_vault *v, int64_t collection_id, json_t *list)
{
    static const struct list_col cols[] = {
        {"slot", COL_TEXT}, {"content_type", COL_TEXT}, {"size", COL_INT}, {"created_at", COL_INT}};
    return rows_json(v,
                     "SELECT slot, content_type, size, created_at FROM collection_documents WHERE collection_id = ?1 "
                     "ORDER BY slot",
                     collection_id, cols, 4, list);
}

/* Links whose time is up lose their key and their images; a cancelled one
 * lost them when it was cancelled (act open). */
static mns_err sweep_expired(struct mns_vault *v, int64_t tid, int64_t now)
{
    static const char *const sql[] = {
        "DELETE FROM collection_documents WHERE person_id IS NULL AND collection_id IN "
        "(SELECT id FROM collections WHERE tenant_id = ?1 AND state = 'open' AND expires_at <= ?2)",
        "UPDATE collections SET state = 'expired', wrapped = NULL, key_version = NULL "
        "WHERE tenant_id = ?1 AND state = 'open' AND expires_at <= ?2",
    };
    struct mns_stmt *s;
    mns_err err = MNS_OK;
    for (size_t i = 0; err == MNS_OK && i < 2; i++) {
        if ((err = mns_store_prepare(v->store, &s, sql[i])) != MNS_OK)
            break;
        if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK)
            err = mns_stmt_bind_int64(s, 2, now);
        err = run_or_reset(s, err);
    }
    return err;
}

/* ---- the clerk's side ---------------------------------------------------------- */

static mns_err parse_issue(json_t *body, const char **name, const char **kind, const char **code, json_t **purposes,
                           int64_t *hours, mns_errmsg *em)
{
    static const char *const known[] = {"name", "kind", "employee_code", "purposes", "expires_hours"};
    mns_err err = vault_only_fields(body, known, sizeof(known) / sizeof(known[0]), em);
    if (err != MNS_OK)
        return err;
    json_t *k = json_object_get(body, "kind"), *c = json_object_get(body, "employee_code");
    json_t *h = json_object_get(body, "expires_hours");
    *name = json_string_value(json_object_get(body, "name"));
    if (!vault_valid_text(*name, 200))
        return mns_fail(em, MNS_ERR_INVALID, "name: required, text of at most 200 bytes / 氏名は必須（200バイト以内）");
    *kind = k == NULL ? "employee" : json_string_value(k);
    if (*kind == NULL || (strcmp(*kind, "employee") != 0 && strcmp(*kind, "payee") != 0))
        return mns_fail(em, MNS_ERR_INVALID, "kind: \"employee\" or \"payee\" / employee か payee を指定してください");
    *code = NULL;
    if (c != NULL && !json_is_null(c) && !vault_valid_text(*code = json_string_value(c), 64))
        return mns_fail(em, MNS_ERR_INVALID, "employee_code: text of at most 64 bytes / 従業員番号は64バイト以内です");
    *purposes = json_object_get(body, "purposes");
    if (!json_is_array(*purposes) || json_array_size(*purposes) == 0 || json_array_size(*purposes) > 16)
        return mns_fail(em, MNS_ERR_INVALID, "purposes: a list of 1-16 purpose codes is required / "
                        "利用目的（1〜16件）が必要です");
    *hours = LINK_HOURS_DEFAULT;
    if (h != NULL && (!json_is_integer(h) || (*hours = json_integer_value(h)) < 1 || *hours > LINK_HOURS_MAX))
        return mns_fail(em, MNS_ERR_INVALID, "expires_hours: 1 to %d / 有効期限は1〜%d時間です", LINK_HOURS_MAX,
                        LINK_HOURS_MAX);
    return MNS_OK;
}

mns_err mns_vault_collection_issue(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   json_t *body, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    struct purpose_set known;
    const struct tenant_keys *tk = NULL;
    const char *name = NULL, *kind = NULL, *code = NULL;
    json_t *purposes = NULL;
    int64_t tid = 0, id = 0, hours = 0, now = mns_now_ms();
    uint8_t raw[32], md[MNS_HASH_LEN], dk[MNS_KEY_LEN], wrapped[MNS_KEY_LEN + MNS_AEAD_OVERHEAD];
    char token[LINK_TOKEN_LEN + 1], ad[160];
    char *purposes_text = NULL;
    json_t *out = NULL;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "collection.issue");
    if ((err = tenant_act_begin(&a, actor, MNS_ROLE_CLERK, tenant_code, &tid, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK || (err = parse_issue(body, &name, &kind, &code, &purposes, &hours, em)) != MNS_OK)
        goto out;
    if ((err = require_file(&a, kind, em)) != MNS_OK) {
        a.failure_detail = "file not assigned";
        goto out;
    }
    if ((err = load_purposes(v, tid, &known)) != MNS_OK)
        goto out;
    for (size_t i = 0; i < json_array_size(purposes); i++) {
        const char *p = json_string_value(json_array_get(purposes, i));
        if (p == NULL || !purpose_known(&known, p)) {
            err = mns_fail(em, MNS_ERR_INVALID, "purposes[%zu]: unknown purpose / 登録されていない利用目的です", i);
            goto out;
        }
    }
    if ((purposes_text = vault_json_text(purposes)) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = vault_new_id(v, &id)) != MNS_OK || (err = mns_random(raw, sizeof(raw))) != MNS_OK ||
        (err = mns_random(dk, sizeof(dk))) != MNS_OK || (err = tenant_keys_get(v, tid, &tk)) != MNS_OK)
        goto out;
    memcpy(token, LINK_PREFIX, 4);
    mns_hex_encode(token + 4, raw, sizeof(raw));
    ad_link_key(ad, sizeof(ad), tid, id, tk->version);
    if ((err = mns_sha256(md, token, strlen(token))) != MNS_OK ||
        (err = mns_aead_seal(wrapped, tk->kek, ad, strlen(ad), dk, sizeof(dk))) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO collections (id, tenant_id, token_hash, kind, name, employee_code, purposes, "
                                 "state, key_version, wrapped, created_by, created_at, expires_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 3, md, sizeof(md));
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, kind, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, name, -1);
    if (err == MNS_OK) err = code ? mns_stmt_bind_text(s, 6, code, -1) : mns_stmt_bind_null(s, 6);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, purposes_text, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, tk->version);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 9, wrapped, sizeof(wrapped));
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 10, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 11, now);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 12, now + hours * 3600 * 1000);
    if ((err = run_or_reset(s, err)) != MNS_OK || (err = sweep_expired(v, tid, now)) != MNS_OK)
        goto out;
    snprintf(a.subject, sizeof(a.subject), "collection:%lld", (long long)id);
    act_note(&a, "kind:%s; expires_in_hours:%lld", kind, (long long)hours);
    char path[16 + LINK_TOKEN_LEN];
    snprintf(path, sizeof(path), "/#/collect/%s", token);
    out = json_pack("{s:I, s:s, s:s, s:I, s:s}", "id", (json_int_t)id, "token", token, "path", path, "expires_at",
                    (json_int_t)(now + hours * 3600 * 1000), "state", "open");
    mns_wipe(path, sizeof(path));
    if (out == NULL)
        err = MNS_ERR_NOMEM;
out:
    mns_wipe(raw, sizeof(raw));
    mns_wipe(dk, sizeof(dk));
    mns_wipe(token, sizeof(token));
    free(purposes_text);
    return act_finish_result(&a, err, out, result);
}

struct list_ctx {
    const char *state; /* NULL: all */
    struct page_bounds page;
    int64_t *next;     /* out: where the next page starts, 0: none */
};

static mns_err fill_collections(struct mns_vault *v, int64_t tid, json_t *list, const void *ctx)
{
    const struct list_ctx *lc = ctx;
    struct mns_stmt *s;
    bool row = false;
    int64_t now = mns_now_ms();
    mns_err err = sweep_expired(v, tid, now);
    if (err != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT " COLLECTION_COLS " FROM collections WHERE tenant_id = ? AND id < ? "
                                 "ORDER BY id DESC LIMIT ?")) != MNS_OK)
        return err;
    /* the page is of links; a state filter may keep fewer of them */
    int64_t nread = 0, last = 0;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, lc->page.before)) == MNS_OK)
        err = mns_stmt_bind_int64(s, 3, lc->page.limit + 1);
    while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        if (nread++ == lc->page.limit) {
            *lc->next = last;
            break;
        }
        json_t *o = collection_json(s, now);
        if (o == NULL) {
            err = MNS_ERR_NOMEM;
            break;
        }
        last = json_integer_value(json_object_get(o, "id"));
        if (lc->state == NULL || strcmp(json_string_value(json_object_get(o, "state")), lc->state) == 0)
            json_array_append(list, o);
        json_decref(o);
    }
    mns_stmt_reset(s);
    for (size_t i = 0; err == MNS_OK && i < json_array_size(list); i++) {
        json_t *o = json_array_get(list, i);
        err = documents_json(v, json_integer_value(json_object_get(o, "id")), json_object_get(o, "documents"));
    }
    return err;
}

mns_err mns_vault_collection_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const char *state, const struct mns_list_page *page, json_t **result,
                                  mns_errmsg *em)
{
    int64_t next = 0;
    const struct list_ctx lc = {state && state[0] ? state : NULL, page_bounds_of(page), &next};
    mns_err err = tenant_list_fill(v, actor, "collection.list", MNS_ROLE_CLERK | MNS_ROLE_OFFICER, tenant_code,
                                   fill_collections, &lc, "collections", result, em);
    return err == MNS_OK ? page_next_set(result, next) : err;
}

/* The collection id of tenant tid into c (and its clerk's JSON into *out
 * if out is not NULL); not found is an error. Act open. */
static mns_err collection_get(struct mns_vault *v, int64_t tid, int64_t id, struct collection *c, json_t **out,
                              mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT " COLLECTION_COLS " FROM collections WHERE id = ? AND tenant_id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such collection link in this tenant / 該当する収集リンクがありません");
    if (err == MNS_OK) {
        collection_read(s, c);
        if (out != NULL && (*out = collection_json(s, mns_now_ms())) == NULL)
            err = MNS_ERR_NOMEM;
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && out != NULL && (err = documents_json(v, id, json_object_get(*out, "documents"))) != MNS_OK) {
        json_decref(*out);
        *out = NULL;
    }
    return err;
}

mns_err mns_vault_collection_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code, int64_t id,
                                 json_t **result, mns_errmsg *em)
{
    struct act a;
    struct collection c;
    int64_t tid = 0;
    json_t *o = NULL;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "collection.read");
    snprintf(a.subject, sizeof(a.subject), "collection:%lld", (long long)id);
    if ((err = tenant_act_begin(&a, actor, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, tenant_code, &tid, em)) == MNS_OK)
        err = collection_get(v, tid, id, &c, &o, em);
    mns_wipe(&c, sizeof(c));
    return act_finish_result(&a, err, o, result);
}

mns_err mns_vault_collection_cancel(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                    int64_t id, mns_errmsg *em)
{
    static const char *const sql[] = {
        "DELETE FROM collection_documents WHERE collection_id = ? AND person_id IS NULL",
        "UPDATE collections SET state = 'cancelled', wrapped = NULL, key_version = NULL WHERE id = ?",
    };
    struct act a;
    struct collection c;
    struct mns_stmt *s;
    int64_t tid = 0;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "collection.cancel");
    snprintf(a.subject, sizeof(a.subject), "collection:%lld", (long long)id);
    if ((err = tenant_act_begin(&a, actor, MNS_ROLE_CLERK, tenant_code, &tid, em)) != MNS_OK ||
        (err = collection_get(v, tid, id, &c, NULL, em)) != MNS_OK)
        goto out;
    if (strcmp(c.state, "open") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "only an open link can be cancelled (this one is %s) / "
                       "取り消せるのは未使用のリンクだけです", c.state);
        goto out;
    }
    for (size_t i = 0; err == MNS_OK && i < 2; i++)
        if ((err = mns_store_prepare(v->store, &s, sql[i])) == MNS_OK)
            err = run_or_reset(s, mns_stmt_bind_int64(s, 1, id));
out:
    mns_wipe(&c, sizeof(c));
    return act_finish(&a, err);
}

/* The clerk's role, tenant and file for collection id; c filled. Act begun. */
static mns_err clerk_collection(struct mns_vault *v, struct act *a, const struct mns_actor *actor,
                                const char *tenant_code, int64_t id, struct collection *c, mns_errmsg *em)
{
    int64_t tid = 0;
    mns_err err;
    snprintf(a->subject, sizeof(a->subject), "collection:%lld", (long long)id);
    if ((err = tenant_act_begin(a, actor, MNS_ROLE_CLERK, tenant_code, &tid, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK || (err = collection_get(v, tid, id, c, NULL, em)) != MNS_OK)
        return err;
    if ((err = require_file(a, c->kind, em)) != MNS_OK) {
        a->failure_detail = "file not assigned";
        return err;
    }
    if (c->person_id == 0)
        return mns_fail(em, MNS_ERR_STATE, "nothing has been submitted through this link yet (%s) / "
                        "このリンクからはまだ提出されていません", c->state);
    return MNS_OK;
}

mns_err mns_vault_collection_document(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                      int64_t id, const char *slot, uint8_t **data, size_t *len, json_t **meta,
                                      mns_errmsg *em)
{
    struct act a;
    struct collection c;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    uint8_t dk[MNS_KEY_LEN];
    char ad[160];
    bool row = false;
    mns_err err;

    *data = NULL;
    *len = 0;
    *meta = NULL;
    memset(&c, 0, sizeof(c));
    vault_lock(v);
    act_init(&a, v, actor, "collection.document_view");
    if ((err = clerk_collection(v, &a, actor, tenant_code, id, &c, em)) != MNS_OK)
        goto out;
    if (!slot_known(slot)) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "slot: \"number\" or \"identity\" / number か identity です");
        goto out;
    }
    act_note(&a, "slot:%s", slot);
    if ((err = tenant_keys_get(v, c.tenant_id, &tk)) != MNS_OK || (err = person_key(v, tk, c.person_id, dk)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT content_type, size, created_at, ct FROM collection_documents "
                                 "WHERE collection_id = ? AND slot = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, slot, -1)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such document / 書類の画像がありません");
    if (err == MNS_OK) {
        size_t cl = 0;
        const uint8_t *ct = mns_stmt_blob(s, 3, &cl);
        ad_document(ad, sizeof(ad), c.tenant_id, id, slot);
        if (cl < MNS_AEAD_OVERHEAD || (*data = malloc(cl)) == NULL)
            err = cl < MNS_AEAD_OVERHEAD ? MNS_ERR_CRYPTO : MNS_ERR_NOMEM;
        else
            err = mns_aead_open(*data, len, dk, ad, strlen(ad), ct, cl);
        if (err == MNS_OK &&
            (*meta = json_pack("{s:I, s:s, s:s, s:I, s:I}", "collection", (json_int_t)id, "slot", slot, "content_type",
                               mns_stmt_text(s, 0), "size", (json_int_t)mns_stmt_int64(s, 1), "created_at",
                               (json_int_t)mns_stmt_int64(s, 2))) == NULL)
            err = MNS_ERR_NOMEM;
    }
    mns_stmt_reset(s);
    if (err == MNS_ERR_CRYPTO)
        mns_fail(em, err, "the document does not open / 書類の画像を開けません");
out:
    mns_wipe(dk, sizeof(dk));
    mns_wipe(&c, sizeof(c));
    err = act_finish(&a, err);
    if (err != MNS_OK)
        sealed_file_discard(data, len, meta);
    return err;
}

static mns_err method_text(json_t *body, const char *field, size_t max, bool required, const char **out, mns_errmsg *em)
{
    json_t *val = json_object_get(body, field);
    *out = NULL;
    if (val == NULL || json_is_null(val) || (json_is_string(val) && json_string_length(val) == 0)) {
        if (required)
            return mns_fail(em, MNS_ERR_INVALID, "%s: required / 必須です", field);
        return MNS_OK;
    }
    if (!vault_valid_text(*out = json_string_value(val), max))
        return mns_fail(em, MNS_ERR_INVALID, "%s: text of at most %zu bytes / %zuバイト以内の文字列です", field, max, max);
    return MNS_OK;
}

mns_err mns_vault_collection_check(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t id, json_t *body, json_t **result, mns_errmsg *em)
{
    static const char *const known[] = {"result", "number_check", "identity_check", "note"};
    struct act a;
    struct collection c;
    struct mns_stmt *s;
    const char *res = NULL, *number_check = NULL, *identity_check = NULL, *note = NULL;
    json_t *out = NULL;
    mns_err err;

    *result = NULL;
    memset(&c, 0, sizeof(c));
    vault_lock(v);
    act_init(&a, v, actor, "collection.identity_check");
    if ((err = clerk_collection(v, &a, actor, tenant_code, id, &c, em)) != MNS_OK)
        goto out;
    if ((err = vault_only_fields(body, known, sizeof(known) / sizeof(known[0]), em)) != MNS_OK)
        goto out;
    res = json_string_value(json_object_get(body, "result"));
    if (res == NULL || (strcmp(res, "confirmed") != 0 && strcmp(res, "rejected") != 0)) {
        err = mns_fail(em, MNS_ERR_INVALID, "result: \"confirmed\" or \"rejected\" / confirmed か rejected です");
        goto out;
    }
    bool confirmed = strcmp(res, "confirmed") == 0;
    /* a confirmation says how both were checked; a rejection says why */
    if ((err = method_text(body, "number_check", 200, confirmed, &number_check, em)) != MNS_OK ||
        (err = method_text(body, "identity_check", 200, confirmed, &identity_check, em)) != MNS_OK ||
        (err = method_text(body, "note", 500, !confirmed, &note, em)) != MNS_OK)
        goto out;
    if (strcmp(c.state, "submitted") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "the identity check of this link is already recorded (%s) / "
                       "本人確認は記録済みです", c.state);
        goto out;
    }
    if ((err = mns_store_prepare(v->store, &s,
                                 "UPDATE collections SET state = ?, checked_by = ?, checked_at = ?, number_check = ?, "
                                 "identity_check = ?, check_note = ? WHERE id = ?")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_text(s, 1, res, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, mns_now_ms());
    if (err == MNS_OK) err = number_check ? mns_stmt_bind_text(s, 4, number_check, -1) : mns_stmt_bind_null(s, 4);
    if (err == MNS_OK) err = identity_check ? mns_stmt_bind_text(s, 5, identity_check, -1) : mns_stmt_bind_null(s, 5);
    if (err == MNS_OK) err = note ? mns_stmt_bind_text(s, 6, note, -1) : mns_stmt_bind_null(s, 6);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 7, id);
    if ((err = run_or_reset(s, err)) != MNS_OK)
        goto out;
    act_note(&a, "result:%s; person:%lld", res, (long long)c.person_id);
    err = collection_get(v, c.tenant_id, id, &c, &out, em);
out:
    mns_wipe(&c, sizeof(c));
    return act_finish_result(&a, err, out, result);
}

/* ---- the employee's side: by link token ------------------------------------------ */

/* The open link of token into c, for an act of the link's holder (actor
 * set to "link:ID" once found). Lock held, act begun. */
static mns_err link_open(struct mns_vault *v, struct act *a, struct mns_actor *actor, const char *token,
                         struct collection *c, mns_errmsg *em)
{
    uint8_t md[MNS_HASH_LEN];
    struct mns_stmt *s;
    bool row = false;
    mns_err err;

    memset(c, 0, sizeof(*c));
    if (token == NULL || strlen(token) != LINK_TOKEN_LEN || strncmp(token, LINK_PREFIX, 4) != 0 ||
        strspn(token + 4, "0123456789abcdef") != LINK_TOKEN_LEN - 4)
        return mns_fail(em, MNS_ERR_AUTH, "this link is not valid; ask your HR office for a new one / "
                        "このリンクは無効です。担当者に新しいリンクを依頼してください");
    if ((err = require_unsealed(v, em)) != MNS_OK || (err = mns_sha256(md, token, LINK_TOKEN_LEN)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "SELECT " COLLECTION_COLS " FROM collections WHERE token_hash = ?")) !=
            MNS_OK)
        return err;
    if ((err = mns_stmt_bind_blob(s, 1, md, sizeof(md))) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row)
        collection_read(s, c);
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (!row)
        return mns_fail(em, MNS_ERR_AUTH, "this link is not valid; ask your HR office for a new one / "
                        "このリンクは無効です。担当者に新しいリンクを依頼してください");
    snprintf(actor->name, sizeof(actor->name), "link:%lld", (long long)c->id);
    a->tenant_id = c->tenant_id;
    snprintf(a->subject, sizeof(a->subject), "collection:%lld", (long long)c->id);
    const char *state = state_now(c, mns_now_ms());
    if (strcmp(state, "expired") == 0)
        return mns_fail(em, MNS_ERR_STATE, "this link has expired; ask your HR office for a new one / "
                        "このリンクは有効期限が切れています。担当者に新しいリンクを依頼してください");
    if (strcmp(state, "open") != 0 || !c->has_key)
        return mns_fail(em, MNS_ERR_STATE, "this link has already been used or was cancelled / "
                        "このリンクは使用済みか、取り消されています");
    return MNS_OK;
}

/* the link's data key (wrapped by the tenant key while the link is open) */
static mns_err link_key(struct mns_vault *v, const struct collection *c, uint8_t dk[MNS_KEY_LEN])
{
    const struct tenant_keys *tk = NULL;
    char ad[160];
    size_t len = 0;
    mns_err err = tenant_keys_get(v, c->tenant_id, &tk);
    if (err != MNS_OK)
        return err;
    if (tk->version != c->key_version)
        return MNS_ERR_CRYPTO; /* key rotation keeps older versions out of this cache */
    ad_link_key(ad, sizeof(ad), c->tenant_id, c->id, c->key_version);
    return mns_aead_open(dk, &len, tk->kek, ad, strlen(ad), c->wrapped, sizeof(c->wrapped));
}

mns_err mns_vault_collect_info(struct mns_vault *v, const char *token, const char *client, json_t **result,
                               mns_errmsg *em)
{
    struct act a;
    struct mns_actor actor;
    struct collection c;
    struct mns_stmt *s;
    bool row = false;
    json_t *o = NULL, *purposes = NULL;
    mns_err err;

    *result = NULL;
    mns_actor_anonymous(&actor, client);
    vault_lock(v);
    act_init(&a, v, &actor, "collection.open");
    if ((err = act_begin(&a)) != MNS_OK || (err = link_open(v, &a, &actor, token, &c, em)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s, "SELECT name FROM tenants WHERE id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, c.tenant_id)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row)
        o = json_pack("{s:s, s:s, s:s, s:I, s:o, s:o, s:i}", "tenant_name", mns_stmt_text(s, 0), "name", c.name,
                      "kind", c.kind, "expires_at", (json_int_t)c.expires_at, "purposes", json_array(), "documents",
                      json_array(), "dependents_max", 32);
    mns_stmt_reset(s);
    if (err != MNS_OK || o == NULL) {
        err = err != MNS_OK ? err : MNS_ERR_NOMEM;
        goto out;
    }
    /* the purposes by name: what the number is collected for (law: 利用目的の通知) */
    purposes = json_loads(c.purposes, 0, NULL);
    for (size_t i = 0; err == MNS_OK && i < json_array_size(purposes); i++) {
        if ((err = mns_store_prepare(v->store, &s, "SELECT name_ja, name_en FROM purposes WHERE tenant_id = ? AND code = ?")) !=
            MNS_OK)
            break;
        const char *code = json_string_value(json_array_get(purposes, i));
        if ((err = mns_stmt_bind_int64(s, 1, c.tenant_id)) == MNS_OK &&
            (err = mns_stmt_bind_text(s, 2, code ? code : "", -1)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK &&
            row)
            json_array_append_new(json_object_get(o, "purposes"),
                                  json_pack("{s:s, s:s, s:s}", "code", code, "name_ja", mns_stmt_text(s, 0), "name_en",
                                            mns_stmt_text(s, 1)));
        mns_stmt_reset(s);
    }
    if (err == MNS_OK)
        err = documents_json(v, c.id, json_object_get(o, "documents"));
    if (err == MNS_OK && (err = mns_store_prepare(v->store, &s,
                                                  "UPDATE collections SET opened_at = ? WHERE id = ? AND opened_at IS NULL")) ==
                             MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, mns_now_ms())) == MNS_OK)
            err = mns_stmt_bind_int64(s, 2, c.id);
        err = run_or_reset(s, err);
    }
out:
    json_decref(purposes);
    mns_wipe(&c, sizeof(c));
    return act_finish_result(&a, err, o, result);
}

/* JPEG, PNG or PDF, told by the first bytes as well as by the type given */
static bool document_type_ok(const char *type, const uint8_t *data, size_t len)
{
    static const uint8_t png[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (type == NULL)
        return false;
    if (strcmp(type, "image/jpeg") == 0)
        return len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff;
    if (strcmp(type, "image/png") == 0)
        return len >= 8 && memcmp(data, png, 8) == 0;
    if (strcmp(type, "application/pdf") == 0)
        return len >= 5 && memcmp(data, "%PDF-", 5) == 0;
    return false;
}

mns_err mns_vault_collect_upload(struct mns_vault *v, const char *token, const char *client, const char *slot,
                                 const char *content_type, const uint8_t *data, size_t len, json_t **result,
                                 mns_errmsg *em)
{
    struct act a;
    struct mns_actor actor;
    struct collection c;
    struct mns_stmt *s;
    uint8_t dk[MNS_KEY_LEN], *ct = NULL;
    char ad[160];
    json_t *out = NULL;
    mns_err err;

    *result = NULL;
    mns_actor_anonymous(&actor, client);
    vault_lock(v);
    act_init(&a, v, &actor, "collection.upload");
    if ((err = act_begin(&a)) != MNS_OK || (err = link_open(v, &a, &actor, token, &c, em)) != MNS_OK)
        goto out;
    if (!slot_known(slot)) {
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "slot: \"number\" or \"identity\" / number か identity です");
        goto out;
    }
    act_note(&a, "slot:%s", slot);
    if (len == 0 || len > DOCUMENT_MAX) {
        err = mns_fail(em, MNS_ERR_LIMIT, "the image must be 1 byte to %u MiB / 画像は%u MiB以下にしてください",
                       DOCUMENT_MAX >> 20, DOCUMENT_MAX >> 20);
        goto out;
    }
    if (!document_type_ok(content_type, data, len)) {
        err = mns_fail(em, MNS_ERR_INVALID, "content_type: a JPEG or PNG photo or a PDF, and the file must be one / "
                       "JPEG・PNG の写真か PDF を送ってください（中身も一致している必要があります）");
        goto out;
    }
    if ((err = link_key(v, &c, dk)) != MNS_OK)
        goto out;
    if ((ct = malloc(len + MNS_AEAD_OVERHEAD)) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    ad_document(ad, sizeof(ad), c.tenant_id, c.id, slot);
    if ((err = mns_aead_seal(ct, dk, ad, strlen(ad), data, len)) != MNS_OK)
        goto out;
    /* a new photo of the same document replaces the old one */
    if ((err = mns_store_prepare(v->store, &s, "DELETE FROM collection_documents WHERE collection_id = ? AND slot = ?")) !=
        MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, c.id)) == MNS_OK)
        err = mns_stmt_bind_text(s, 2, slot, -1);
    if ((err = run_or_reset(s, err)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO collection_documents (collection_id, slot, content_type, size, ct, created_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, c.id);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, slot, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, content_type, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, (int64_t)len);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 5, ct, len + MNS_AEAD_OVERHEAD);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, mns_now_ms());
    if ((err = run_or_reset(s, err)) != MNS_OK)
        goto out;
    act_note(&a, "type:%s; bytes:%zu", content_type, len);
    if ((out = json_pack("{s:s, s:s, s:I}", "slot", slot, "content_type", content_type, "size", (json_int_t)len)) ==
        NULL)
        err = MNS_ERR_NOMEM;
out:
    free(ct);
    mns_wipe(dk, sizeof(dk));
    mns_wipe(&c, sizeof(c));
    return act_finish_result(&a, err, out, result);
}

/* "persons[0].mynumber: ..." reads "mynumber: ..." to the one who typed it */
static void strip_person_index(mns_errmsg *em)
{
    static const char prefix[] = "persons[0].";
    if (strncmp(em->text, prefix, sizeof(prefix) - 1) == 0)
        memmove(em->text, em->text + sizeof(prefix) - 1, strlen(em->text) - (sizeof(prefix) - 1) + 1);
}

mns_err mns_vault_collect_submit(struct mns_vault *v, const char *token, const char *client, json_t *body,
                                 json_t **result, mns_errmsg *em)
{
    static const char *const known[] = {"mynumber", "dependents"};
    struct act a;
    struct mns_actor actor;
    struct collection c;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    uint8_t dk[MNS_KEY_LEN];
    int64_t person_id = 0;
    json_t *person = NULL;
    json_t *out = NULL;
    mns_err err;

    *result = NULL;
    mns_actor_anonymous(&actor, client);
    vault_lock(v);
    act_init(&a, v, &actor, "collection.submit");
    if ((err = act_begin(&a)) != MNS_OK || (err = link_open(v, &a, &actor, token, &c, em)) != MNS_OK)
        goto out;
    if ((err = vault_only_fields(body, known, sizeof(known) / sizeof(known[0]), em)) != MNS_OK)
        goto out;
    {
        int64_t have = 0;
        if ((err = mns_store_prepare(v->store, &s, "SELECT count(*) FROM collection_documents WHERE collection_id = ?")) !=
            MNS_OK)
            goto out;
        if ((err = mns_stmt_bind_int64(s, 1, c.id)) == MNS_OK) {
            bool row = false;
            if ((err = mns_stmt_step(s, &row)) == MNS_OK && row)
                have = mns_stmt_int64(s, 0);
        }
        mns_stmt_reset(s);
        if (err == MNS_OK && have < (int64_t)(sizeof(slots) / sizeof(slots[0])))
            err = mns_fail(em, MNS_ERR_STATE, "documents: photograph both the number document and the identity "
                           "document first / 番号確認書類と身元確認書類の両方を撮影してください");
        if (err != MNS_OK)
            goto out;
    }
    /* the person as the clerk named them, with what the employee entered */
    person = json_pack("{s:s, s:s, s:o, s:O}", "kind", c.kind, "name", c.name, "purposes",
                       json_loads(c.purposes, 0, NULL), "mynumber",
                       json_object_get(body, "mynumber") ? json_object_get(body, "mynumber") : json_null());
    if (person == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if (c.employee_code[0] != '\0')
        json_object_set_new(person, "employee_code", json_string(c.employee_code));
    if (json_object_get(body, "dependents") != NULL)
        json_object_set(person, "dependents", json_object_get(body, "dependents"));
    if ((err = link_key(v, &c, dk)) != MNS_OK || (err = tenant_keys_get(v, c.tenant_id, &tk)) != MNS_OK)
        goto out;
    {
        /* the person's row is written under the actor's subject; the act's own stays the link */
        char subject[sizeof(a.subject)];
        memcpy(subject, a.subject, sizeof(subject));
        err = person_insert_with_key(v, &a, tk, person, dk, &person_id, em);
        if (err == MNS_OK)
            err = act_audit(&a, "person.create", a.subject, "ok");
        memcpy(a.subject, subject, sizeof(subject));
        if (err != MNS_OK) {
            strip_person_index(em);
            goto out;
        }
    }
    static const char *const moves[] = {
        "UPDATE collection_documents SET person_id = ?1 WHERE collection_id = ?2",
        "UPDATE collections SET state = 'submitted', wrapped = NULL, key_version = NULL, person_id = ?1, "
        "submitted_at = ?3 WHERE id = ?2",
    };
    for (size_t i = 0; err == MNS_OK && i < 2; i++) {
        if ((err = mns_store_prepare(v->store, &s, moves[i])) != MNS_OK)
            break;
        err = mns_stmt_bind_int64(s, 1, person_id);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, c.id);
        if (err == MNS_OK && i == 1) err = mns_stmt_bind_int64(s, 3, mns_now_ms());
        err = run_or_reset(s, err);
    }
    if (err != MNS_OK)
        goto out;
    json_t *deps = json_object_get(body, "dependents");
    act_note(&a, "person:%lld; dependents:%zu", (long long)person_id, json_is_array(deps) ? json_array_size(deps) : 0);
    if ((out = json_pack("{s:b, s:I}", "submitted", 1, "dependents",
                         (json_int_t)(json_is_array(deps) ? json_array_size(deps) : 0))) == NULL)
        err = MNS_ERR_NOMEM;
out:
    json_decref(person);
    mns_wipe(dk, sizeof(dk));
    mns_wipe(&c, sizeof(c));
    return act_finish_result(&a, err, out, result);
}
