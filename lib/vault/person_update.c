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
static const struct {
    const char *field;
    const char *sql;
    size_t max;         /* bytes; 0: a date */
    bool may_be_null;
} text_fields[] = {
    {"name", "UPDATE persons SET name = ? WHERE id = ?", 200, false},
    {"name_kana", "UPDATE persons SET name_kana = ? WHERE id = ?", 200, true},
    {"birth_date", "UPDATE persons SET birth_date = ? WHERE id = ?", 0, true},
    {"employee_code", "UPDATE persons SET employee_code = ? WHERE id = ?", 64, true},
};
#define NTEXT (sizeof(text_fields) / sizeof(text_fields[0]))

static mns_err check_text_fields(const json_t *body, mns_errmsg *em)
{
    for (size_t i = 0; i < NTEXT; i++) {
        json_t *val = json_object_get(body, text_fields[i].field);
        if (val == NULL || (json_is_null(val) && text_fields[i].may_be_null))
            continue;
        const char *t = json_string_value(val);
        bool ok = text_fields[i].max ? vault_valid_text(t, text_fields[i].max) : vault_valid_birth_date(t);
        if (!ok)
            return text_fields[i].max
                       ? mns_fail(em, MNS_ERR_INVALID, "%s: text of at most %zu bytes%s / %zuバイト以内の文字列です",
                                  text_fields[i].field, text_fields[i].max,
                                  text_fields[i].may_be_null ? " or null" : "", text_fields[i].max)
                       : mns_fail(em, MNS_ERR_INVALID, "%s: YYYY-MM-DD or null / YYYY-MM-DD で指定してください",
                                  text_fields[i].field);
    }
    return MNS_OK;
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
    uint8_t dk[MNS_KEY_LEN], bidx[MNS_HASH_LEN], ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
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
    mns_errmsg nem;
    mns_err err;

    *result = NULL;
    if (updated == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "person.update");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK, &tid, &tk, em)) != MNS_OK ||
        (err = vault_only_fields(body, known, sizeof(known) / sizeof(known[0]), em)) != MNS_OK)
        goto out;
    if (json_object_size(body) == 0) {
        err = mns_fail(em, MNS_ERR_INVALID, "body: name at least one field to change / 変更する項目を指定してください");
        goto out;
    }
    json_t *num = json_object_get(body, "mynumber"), *purposes = json_object_get(body, "purposes");
    if ((err = check_text_fields(body, em)) != MNS_OK ||
        (purposes != NULL && (err = check_purposes(v, tid, purposes, em)) != MNS_OK))
        goto out;
    if (num != NULL && !json_is_string(num)) {
        err = mns_fail(em, MNS_ERR_INVALID, "mynumber: a string is required / 文字列で指定してください");
        goto out;
    }
    if (num != NULL && (err = mns_mynumber_parse(number, json_string_value(num), json_string_length(num), &nem)) != MNS_OK) {
        mns_fail(em, err, "mynumber: %s", nem.text);
        goto out;
    }
    if ((err = mns_store_prepare(v->store, &s, "SELECT kind FROM persons WHERE id = ?1 AND tenant_id = ?2")) != MNS_OK)
        goto out;
    if ((err = person_row(&a, s, person_id, tid, em)) == MNS_OK)
        snprintf(kind, sizeof(kind), "%s", mns_stmt_text(s, 0));
    mns_stmt_reset(s);
    if (err != MNS_OK || (err = act_begin(&a)) != MNS_OK)
        goto out;
    for (size_t i = 0; err == MNS_OK && i < NTEXT; i++) {
        json_t *val = json_object_get(body, text_fields[i].field);
        if (val == NULL || (err = mns_store_prepare(v->store, &s, text_fields[i].sql)) != MNS_OK)
            continue;
        err = json_is_null(val) ? mns_stmt_bind_null(s, 1) : mns_stmt_bind_text(s, 1, json_string_value(val), -1);
        if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, person_id);
        if ((err = run_or_reset(s, err)) == MNS_OK)
            json_array_append_new(updated, json_string(text_fields[i].field));
    }
    if (err == MNS_OK && purposes != NULL && (err = replace_purposes(v, tid, person_id, kind, purposes)) == MNS_OK)
        json_array_append_new(updated, json_string("purposes"));
    if (err == MNS_OK && num != NULL && (err = replace_number(v, tk, person_id, number, em)) == MNS_OK)
        json_array_append_new(updated, json_string("mynumber"));
    if (err == MNS_OK) {
        char *fields = vault_json_text(updated);
        act_note(&a, "fields:%s", fields ? fields : "?");
        free(fields);
    }
out:
    mns_wipe(number, sizeof(number));
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(updated);
        return err;
    }
    *result = json_pack("{s:I, s:o}", "id", (json_int_t)person_id, "updated", updated);
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}
