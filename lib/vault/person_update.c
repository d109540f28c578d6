/*
 * person_update.c: a clerk corrects a person: name, kana, birth date,
 * employee code, the purposes the number was collected for, or the number
 * itself (a number is reissued when it leaked: 番号の変更). The new number
 * is sealed with the person's own data key and gets a new blind index; the
 * kind (the SPI file) does not change. The audit entry names the fields
 * that changed, never their values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

/* the text columns a clerk may change, and how each is checked */
struct edit_field {
    const char *field;
    const char *sql;    /* UPDATE ... SET column = ?1 WHERE id = ?2 */
    size_t max;         /* bytes; 0: a date */
    bool may_be_null;
};
static const struct edit_field text_fields[] = {
    {"name", "UPDATE persons SET name = ? WHERE id = ?", 200, false},
    {"name_kana", "UPDATE persons SET name_kana = ? WHERE id = ?", 200, true},
    {"birth_date", "UPDATE persons SET birth_date = ? WHERE id = ?", 0, true},
    {"employee_code", "UPDATE persons SET employee_code = ? WHERE id = ?", 64, true},
};
#define NTEXT (sizeof(text_fields) / sizeof(text_fields[0]))

static mns_err check_fields(const json_t *body, const struct edit_field *f, size_t n, mns_errmsg *em)
{
    for (size_t i = 0; i < n; i++) {
        json_t *val = json_object_get(body, f[i].field);
        if (val == NULL || (json_is_null(val) && f[i].may_be_null))
            continue;
        const char *t = json_string_value(val);
        bool ok = f[i].max ? vault_valid_text(t, f[i].max) : vault_valid_birth_date(t);
        if (!ok)
            return f[i].max ? mns_fail(em, MNS_ERR_INVALID, "%s: text of at most %zu bytes%s / %zuバイト以内の文字列です",
                                       f[i].field, f[i].max, f[i].may_be_null ? " or null" : "", f[i].max)
                            : mns_fail(em, MNS_ERR_INVALID, "%s: YYYY-MM-DD or null / YYYY-MM-DD で指定してください",
                                       f[i].field);
    }
    return MNS_OK;
}

/* The fields of body that f names, written to row id; their names into updated (act open). */
static mns_err apply_fields(struct mns_vault *v, const json_t *body, const struct edit_field *f, size_t n, int64_t id,
                            json_t *updated)
{
    struct mns_stmt *s;
    mns_err err = MNS_OK;
    for (size_t i = 0; err == MNS_OK && i < n; i++) {
        json_t *val = json_object_get(body, f[i].field);
        if (val == NULL || (err = mns_store_prepare(v->store, &s, f[i].sql)) != MNS_OK)
            continue;
        err = json_is_null(val) ? mns_stmt_bind_null(s, 1) : mns_stmt_bind_text(s, 1, json_string_value(val), -1);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, id);
        if ((err = run_or_reset(s, err)) == MNS_OK)
            json_array_append_new(updated, json_string(f[i].field));
    }
    return err;
}

/* body's "mynumber", if any, checked into number; *given whether there was one */
static mns_err new_number(const json_t *body, char number[MNS_MYNUMBER_LEN + 1], bool *given, mns_errmsg *em)
{
    mns_errmsg nem;
    json_t *num = json_object_get(body, "mynumber");
    *given = num != NULL;
    if (num == NULL)
        return MNS_OK;
    if (!json_is_string(num))
        return mns_fail(em, MNS_ERR_INVALID, "mynumber: a string is required / 文字列で指定してください");
    mns_err err = mns_mynumber_parse(number, json_string_value(num), json_string_length(num), &nem);
    return err == MNS_OK ? MNS_OK : mns_fail(em, err, "mynumber: %s", nem.text);
}

/* The start of a correction: an assigned clerk, an unsealed vault, a body
 * of known fields and at least one (lock held; *tk set). */
static mns_err edit_begin(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *tenant_code,
                          const json_t *body, const char *const *known, size_t nknown, int64_t *tid,
                          const struct tenant_keys **tk, mns_errmsg *em)
{
    mns_err err;
    if ((err = list_access(v, a, actor, tenant_code, MNS_ROLE_CLERK, tid, tk, em)) != MNS_OK ||
        (err = vault_only_fields(body, known, nknown, em)) != MNS_OK)
        return err;
    if (json_object_size(body) == 0)
        return mns_fail(em, MNS_ERR_INVALID, "body: name at least one field to change / 変更する項目を指定してください");
    return MNS_OK;
}

/* Ends a correction: the typed number wiped, the act finished, and on
 * success *result = answer with "updated" added (both handed over; an
 * answer that could not be made fails the act). */
static mns_err edit_finish(struct act *a, mns_err err, char number[MNS_MYNUMBER_LEN + 1], json_t *answer,
                           json_t *updated, json_t **result)
{
    mns_wipe(number, MNS_MYNUMBER_LEN + 1);
    /* json_object_set_new takes updated even when it fails */
    bool made = answer != NULL ? json_object_set_new(answer, "updated", updated) == 0 : (json_decref(updated), false);
    if (!made && err == MNS_OK)
        err = MNS_ERR_NOMEM;
    return act_finish_result(a, err, answer, result);
}

/* The act's note: the fields changed (never their values). */
static void note_fields(struct act *a, const char *prefix, const json_t *updated)
{
    char *fields = vault_json_text(updated);
    act_note(a, "%sfields:%s", prefix, fields ? fields : "?");
    free(fields);
}

static mns_err check_purposes(struct mns_vault *v, int64_t tid, const json_t *purposes, mns_errmsg *em)
{
    struct purpose_set known;
    mns_err err;
    if (!json_is_array(purposes) || json_array_size(purposes) == 0 || json_array_size(purposes) > 16)
        return mns_fail(em, MNS_ERR_INVALID, "purposes: a list of 1-16 purpose codes is required / "
                        "利用目的（1〜16件）が必要です");
    if ((err = load_purposes(v, tid, &known)) != MNS_OK)
        return err;
    for (size_t i = 0; i < json_array_size(purposes); i++) {
        const char *code = json_string_value(json_array_get(purposes, i));
        if (code == NULL || !purpose_known(&known, code))
            return mns_fail(em, MNS_ERR_INVALID, "purposes[%zu]: unknown purpose / 登録されていない利用目的です", i);
    }
    return MNS_OK;
}

static bool listed(const json_t *list, const char *code)
{
    for (size_t i = 0; i < json_array_size(list); i++)
        if (strcmp(json_string_value(json_array_get(list, i)), code) == 0)
            return true;
    return false;
}

/* The person's purposes become want; the ledger's counts follow (act open). */
static mns_err replace_purposes(struct mns_vault *v, int64_t tid, int64_t person_id, const char *kind, const json_t *want)
{
    struct mns_stmt *s;
    json_t *have = purposes_of(v, person_id);
    mns_err err = have == NULL ? MNS_ERR_NOMEM : MNS_OK;
    for (size_t i = 0; err == MNS_OK && i < json_array_size(have); i++) {
        const char *code = json_string_value(json_array_get(have, i));
        if (listed(want, code))
            continue;
        if ((err = mns_store_prepare(v->store, &s,
                                     "DELETE FROM person_purposes WHERE person_id = ? AND purpose_code = ?")) != MNS_OK)
            break;
        err = mns_stmt_bind_int64(s, 1, person_id);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, code, -1);
        if ((err = run_or_reset(s, err)) == MNS_OK)
            err = purpose_use_add(v, tid, kind, code, -1);
    }
    for (size_t i = 0; err == MNS_OK && i < json_array_size(want); i++) {
        const char *code = json_string_value(json_array_get(want, i));
        if (listed(have, code))
            continue;
        if ((err = mns_store_prepare(v->store, &s,
                                     "INSERT INTO person_purposes (person_id, purpose_code) VALUES (?, ?) "
                                     "ON CONFLICT DO NOTHING")) != MNS_OK)
            break;
        err = mns_stmt_bind_int64(s, 1, person_id);
        if (err == MNS_OK) err = mns_stmt_bind_text(s, 2, code, -1);
        if (err == MNS_OK) err = mns_stmt_run(s);
        bool added = err == MNS_OK && mns_stmt_changes(s) > 0;
        mns_stmt_reset(s);
        if (err == MNS_OK && added)
            err = purpose_use_add(v, tid, kind, code, 1);
    }
    json_decref(have);
    return err;
}

/* The person's number becomes number: sealed with the person's key, new blind index (act open). */
static mns_err replace_number(struct mns_vault *v, const struct tenant_keys *tk, int64_t person_id,
                              const char number[MNS_MYNUMBER_LEN + 1], mns_errmsg *em)
{
    uint8_t dk[MNS_KEY_LEN], bidx[MNS_BLIND_INDEX_LEN], ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    char ad[160];
    struct mns_stmt *s;
    bool dependent = false;
    mns_err err = mns_blind_index(bidx, tk->bidx, number, MNS_MYNUMBER_LEN);
    if (err != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "SELECT 1 FROM dependents WHERE person_id = ? AND number_bidx = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK && (err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx))) == MNS_OK)
        err = mns_stmt_step(s, &dependent);
    mns_stmt_reset(s);
    if (err == MNS_OK && dependent)
        err = mns_fail(em, MNS_ERR_INVALID, "mynumber: the number of one of the person's dependents / 扶養親族の番号です");
    if (err != MNS_OK || (err = person_key(v, tk, person_id, dk)) != MNS_OK)
        goto out;
    ad_number(ad, sizeof(ad), tk->tenant_id, "person", person_id);
    if ((err = mns_aead_seal(ct, dk, ad, strlen(ad), number, MNS_MYNUMBER_LEN)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "UPDATE persons SET number_ct = ?, number_bidx = ? WHERE id = ?")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_blob(s, 1, ct, sizeof(ct));
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, person_id);
    if ((err = run_or_reset(s, err)) == MNS_ERR_EXISTS)
        mns_fail(em, err, "mynumber: this number is already registered for this tenant / この番号は既に登録されています");
out:
    mns_wipe(dk, sizeof(dk));
    return err;
}

mns_err mns_vault_person_update(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t person_id, const json_t *body, json_t **result, mns_errmsg *em)
{
    static const char *const known[] = {"name", "name_kana", "birth_date", "employee_code", "purposes", "mynumber"};
    struct act a;
    struct mns_stmt *s;
    const struct tenant_keys *tk = NULL;
    char number[MNS_MYNUMBER_LEN + 1] = "", kind[16] = "";
    json_t *updated = json_array();
    int64_t tid = 0;
    mns_err err;

    *result = NULL;
    if (updated == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "person.update");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = edit_begin(v, &a, actor, tenant_code, body, known, sizeof(known) / sizeof(known[0]), &tid, &tk, em)) !=
        MNS_OK)
        goto out;
    json_t *purposes = json_object_get(body, "purposes");
    bool num = false;
    if ((err = check_fields(body, text_fields, NTEXT, em)) != MNS_OK ||
        (purposes != NULL && (err = check_purposes(v, tid, purposes, em)) != MNS_OK) ||
        (err = new_number(body, number, &num, em)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s, "SELECT kind FROM persons WHERE id = ?1 AND tenant_id = ?2")) != MNS_OK)
        goto out;
    if ((err = person_row(&a, s, person_id, tid, em)) == MNS_OK)
        snprintf(kind, sizeof(kind), "%s", mns_stmt_text(s, 0));
    mns_stmt_reset(s);
    if (err != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    err = apply_fields(v, body, text_fields, NTEXT, person_id, updated);
    if (err == MNS_OK && purposes != NULL && (err = replace_purposes(v, tid, person_id, kind, purposes)) == MNS_OK)
        json_array_append_new(updated, json_string("purposes"));
    if (err == MNS_OK && num && (err = replace_number(v, tk, person_id, number, em)) == MNS_OK)
        json_array_append_new(updated, json_string("mynumber"));
    if (err == MNS_OK)
        note_fields(&a, "", updated);
out:
    return edit_finish(&a, err, number, json_pack("{s:I}", "id", (json_int_t)person_id), updated, result);
}

/* ---- a dependent ---------------------------------------------------------------- */

static const struct edit_field dep_fields[] = {
    {"name", "UPDATE dependents SET name = ? WHERE id = ?", 200, false},
    {"relationship", "UPDATE dependents SET relationship = ? WHERE id = ?", 64, false},
    {"name_kana", "UPDATE dependents SET name_kana = ? WHERE id = ?", 200, true},
    {"birth_date", "UPDATE dependents SET birth_date = ? WHERE id = ?", 0, true},
};
#define NDEP (sizeof(dep_fields) / sizeof(dep_fields[0]))

/* The dependent's number becomes number: not the person's own, not another
 * dependent's of the person; sealed with the person's key (act open). */
static mns_err replace_dependent_number(struct mns_vault *v, const struct tenant_keys *tk, int64_t person_id,
                                        int64_t dependent_id, const char number[MNS_MYNUMBER_LEN + 1], mns_errmsg *em)
{
    uint8_t dk[MNS_KEY_LEN], bidx[MNS_BLIND_INDEX_LEN], ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    char ad[160];
    struct mns_stmt *s;
    bool clash = false;
    mns_err err = mns_blind_index(bidx, tk->bidx, number, MNS_MYNUMBER_LEN);
    if (err != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT 1 FROM persons WHERE id = ?1 AND number_bidx = ?2 UNION ALL "
                                 "SELECT 1 FROM dependents WHERE person_id = ?1 AND number_bidx = ?2 AND id <> ?3")) != MNS_OK)
        return err;
    err = mns_stmt_bind_int64(s, 1, person_id);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, dependent_id);
    if (err == MNS_OK) err = mns_stmt_step(s, &clash);
    mns_stmt_reset(s);
    if (err == MNS_OK && clash)
        err = mns_fail(em, MNS_ERR_INVALID, "mynumber: the person's own number or another dependent's / "
                       "本人または他の扶養親族の番号です");
    if (err != MNS_OK || (err = person_key(v, tk, person_id, dk)) != MNS_OK)
        goto out;
    ad_number(ad, sizeof(ad), tk->tenant_id, "dependent", dependent_id);
    if ((err = mns_aead_seal(ct, dk, ad, strlen(ad), number, MNS_MYNUMBER_LEN)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "UPDATE dependents SET number_ct = ?, number_bidx = ? WHERE id = ?")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_blob(s, 1, ct, sizeof(ct));
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, dependent_id);
    err = run_or_reset(s, err);
out:
    mns_wipe(dk, sizeof(dk));
    return err;
}

mns_err mns_vault_dependent_update(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t person_id, int64_t dependent_id, const json_t *body, json_t **result,
                                   mns_errmsg *em)
{
    static const char *const known[] = {"name", "relationship", "name_kana", "birth_date", "mynumber"};
    struct act a;
    const struct tenant_keys *tk = NULL;
    char number[MNS_MYNUMBER_LEN + 1] = "", kind[16] = "";
    json_t *updated = json_array();
    int64_t tid = 0;
    mns_err err;

    *result = NULL;
    if (updated == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "dependent.update");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = edit_begin(v, &a, actor, tenant_code, body, known, sizeof(known) / sizeof(known[0]), &tid, &tk, em)) !=
        MNS_OK)
        goto out;
    bool num = false;
    if ((err = check_fields(body, dep_fields, NDEP, em)) != MNS_OK || (err = new_number(body, number, &num, em)) != MNS_OK)
        goto out;
    if ((err = dependent_kind(v, dependent_id, person_id, tid, kind, em)) != MNS_OK)
        goto out;
    if ((err = require_file(&a, kind, em)) != MNS_OK) {
        a.failure_detail = "file not assigned";
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    err = apply_fields(v, body, dep_fields, NDEP, dependent_id, updated);
    if (err == MNS_OK && num && (err = replace_dependent_number(v, tk, person_id, dependent_id, number, em)) == MNS_OK)
        json_array_append_new(updated, json_string("mynumber"));
    if (err == MNS_OK) {
        char prefix[48];
        snprintf(prefix, sizeof(prefix), "dependent=%lld; ", (long long)dependent_id);
        note_fields(&a, prefix, updated);
    }
out:
    return edit_finish(&a, err, number,
                       json_pack("{s:I, s:I}", "id", (json_int_t)dependent_id, "person", (json_int_t)person_id), updated,
                       result);
}
