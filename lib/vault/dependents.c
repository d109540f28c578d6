/*
 * dependents.c: one person in detail, and a dependent (扶養親族) added to a
 * person already stored, as the yearly 扶養控除等申告書 brings them.
 * A dependent's number is sealed under its person's data key, so deleting the
 * person crypto-shreds it too.
 */
#include <string.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

#define DEPENDENTS_PER_PERSON_MAX 32

mns_err mns_vault_person_get(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                             int64_t person_id, json_t **result, mns_errmsg *em)
{
    struct act a;
    const struct tenant_keys *tk = NULL;
    struct mns_stmt *s;
    int64_t tid = 0;
    bool row = false;
    json_t *p = NULL, *deps = json_array();
    char masked[MNS_MYNUMBER_LEN + 1];
    mns_err err;

    *result = NULL;
    if (deps == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "person.read");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK | MNS_ROLE_OFFICER, &tid, &tk, em)) != MNS_OK ||
        (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT kind, name, name_kana, birth_date, employee_code, number_ct, created_at "
                                 "FROM persons WHERE id = ?1 AND tenant_id = ?2")) != MNS_OK)
        goto out;
    if ((err = person_row(&a, s, person_id, tid, em)) == MNS_OK) {
        size_t ctlen = 0;
        const uint8_t *ct = mns_stmt_blob(s, 5, &ctlen);
        p = json_pack("{s:I, s:s, s:s, s:s*, s:s*, s:s*, s:I}", "id", (json_int_t)person_id, "kind", mns_stmt_text(s, 0),
                      "name", mns_stmt_text(s, 1), "name_kana", mns_stmt_text(s, 2), "birth_date", mns_stmt_text(s, 3),
                      "employee_code", mns_stmt_text(s, 4), "created_at", (json_int_t)mns_stmt_int64(s, 6));
        uint8_t copy[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
        bool fits = ctlen == sizeof(copy);
        if (fits)
            memcpy(copy, ct, sizeof(copy));
        mns_stmt_reset(s);
        if (p == NULL)
            err = MNS_ERR_NOMEM;
        else if (!fits)
            err = MNS_ERR_CRYPTO;
        else if ((err = masked_number(v, tk, actor, person_id, "person", person_id, copy, sizeof(copy), masked)) == MNS_OK)
            json_object_set_new(p, "mynumber_masked", json_string(masked));
    } else {
        mns_stmt_reset(s);
    }
    if (err != MNS_OK)
        goto out;
    json_object_set_new(p, "purposes", purposes_of(v, person_id));
    struct {
        int64_t id;
        uint8_t ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
        json_t *obj;
    } d[DEPENDENTS_PER_PERSON_MAX];
    size_t nd = 0;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT id, name, name_kana, birth_date, relationship, number_ct FROM dependents "
                                 "WHERE person_id = ? ORDER BY id")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK)
        while (nd < DEPENDENTS_PER_PERSON_MAX && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            size_t ctlen = 0;
            const uint8_t *ct = mns_stmt_blob(s, 5, &ctlen);
            d[nd].id = mns_stmt_int64(s, 0);
            if (ctlen != sizeof(d[nd].ct)) {
                err = MNS_ERR_CRYPTO;
                break;
            }
            memcpy(d[nd].ct, ct, ctlen);
            d[nd].obj = json_pack("{s:I, s:s, s:s*, s:s*, s:s}", "id", (json_int_t)d[nd].id, "name", mns_stmt_text(s, 1),
                                  "name_kana", mns_stmt_text(s, 2), "birth_date", mns_stmt_text(s, 3), "relationship",
                                  mns_stmt_text(s, 4));
            nd++;
        }
    mns_stmt_reset(s);
    for (size_t i = 0; i < nd; i++) {
        if (err == MNS_OK &&
            (err = masked_number(v, tk, actor, person_id, "dependent", d[i].id, d[i].ct, sizeof(d[i].ct), masked)) == MNS_OK)
            json_object_set_new(d[i].obj, "mynumber_masked", json_string(masked));
        json_array_append_new(deps, d[i].obj);
    }
    json_object_set(p, "dependents", deps);
out:
    json_decref(deps);
    return act_finish_result(&a, err, p, result);
}

mns_err mns_vault_dependent_add(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t person_id, const json_t *dep, json_t **result, mns_errmsg *em)
{
    static const char *const known[] = {"name", "name_kana", "birth_date", "relationship", "mynumber"};
    struct act a;
    const struct tenant_keys *tk = NULL;
    struct mns_stmt *s;
    uint8_t dk[MNS_KEY_LEN], bidx[MNS_BLIND_INDEX_LEN], ct[MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD];
    char number[MNS_MYNUMBER_LEN + 1] = "", ad[160];
    int64_t tid = 0, id = 0, count = 0;
    bool same = false, dup = false;
    const char *key;
    json_t *val;
    mns_errmsg nem;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "dependent.create");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK, &tid, &tk, em)) != MNS_OK)
        goto out;
    if (!json_is_object(dep)) {
        err = mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
        goto out;
    }
    json_object_foreach((json_t *)dep, key, val) {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(known[0])) {
            err = mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field / 不明な項目です", vault_valid_code(key) ? key : "field");
            goto out;
        }
    }
    const char *name = json_string_value(json_object_get(dep, "name"));
    const char *rel = json_string_value(json_object_get(dep, "relationship"));
    const char *kana = json_string_value(json_object_get(dep, "name_kana"));
    const char *birth = json_string_value(json_object_get(dep, "birth_date"));
    json_t *num = json_object_get(dep, "mynumber");
    if (!vault_valid_text(name, 200))
        err = mns_fail(em, MNS_ERR_INVALID, "name: required, at most 200 bytes, no number / 氏名は必須です");
    else if (!vault_valid_text(rel, 64))
        err = mns_fail(em, MNS_ERR_INVALID, "relationship: required (e.g. 配偶者, 子) / 続柄は必須です");
    else if (json_object_get(dep, "name_kana") != NULL && !vault_valid_text(kana, 200))
        err = mns_fail(em, MNS_ERR_INVALID, "name_kana: at most 200 bytes / フリガナは200バイト以内です");
    else if (json_object_get(dep, "birth_date") != NULL && !vault_valid_birth_date(birth))
        err = mns_fail(em, MNS_ERR_INVALID, "birth_date: YYYY-MM-DD / 生年月日は YYYY-MM-DD です");
    else if (!json_is_string(num))
        err = mns_fail(em, MNS_ERR_INVALID, "mynumber: a string is required / 文字列で指定してください");
    else if ((err = mns_mynumber_parse(number, json_string_value(num), json_string_length(num), &nem)) != MNS_OK)
        err = mns_fail(em, err, "mynumber: %s", nem.text);
    if (err != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT kind, number_bidx, (SELECT count(*) FROM dependents WHERE person_id = ?1) "
                                 "FROM persons WHERE id = ?1 AND tenant_id = ?2")) != MNS_OK)
        goto out;
    if ((err = person_row(&a, s, person_id, tid, em)) == MNS_OK && (err = mns_blind_index(bidx, tk->bidx, number, MNS_MYNUMBER_LEN)) == MNS_OK) {
        size_t blen = 0;
        const uint8_t *pb = mns_stmt_blob(s, 1, &blen);
        same = blen == MNS_BLIND_INDEX_LEN && mns_equal(pb, bidx, MNS_BLIND_INDEX_LEN);
        count = mns_stmt_int64(s, 2);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        goto out;
    if (same) {
        err = mns_fail(em, MNS_ERR_INVALID, "mynumber: the same number as the person's own / 本人と同じ番号です");
        goto out;
    }
    if (count >= DEPENDENTS_PER_PERSON_MAX) {
        err = mns_fail(em, MNS_ERR_LIMIT, "at most %d dependents per person / 扶養親族は%d人までです",
                       DEPENDENTS_PER_PERSON_MAX, DEPENDENTS_PER_PERSON_MAX);
        goto out;
    }
    if ((err = mns_store_prepare(v->store, &s, "SELECT 1 FROM dependents WHERE person_id = ? AND number_bidx = ?")) !=
        MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, person_id)) == MNS_OK &&
        (err = mns_stmt_bind_blob(s, 2, bidx, sizeof(bidx))) == MNS_OK)
        err = mns_stmt_step(s, &dup);
    mns_stmt_reset(s);
    if (err == MNS_OK && dup)
        err = mns_fail(em, MNS_ERR_EXISTS, "mynumber: this person already has this dependent / この扶養親族は登録済みです");
    if (err != MNS_OK)
        goto out;
    if ((err = person_key(v, tk, person_id, dk)) != MNS_OK || (err = vault_new_id(v, &id)) != MNS_OK)
        goto out;
    ad_number(ad, sizeof(ad), tid, "dependent", id);
    if ((err = mns_aead_seal(ct, dk, ad, strlen(ad), (const uint8_t *)number, MNS_MYNUMBER_LEN)) != MNS_OK ||
        (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO dependents (id, person_id, tenant_id, name, relationship, number_ct, "
                                 "number_bidx, created_at, name_kana, birth_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) !=
            MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, person_id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, tid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 4, name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, rel, -1);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 6, ct, sizeof(ct));
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 7, bidx, sizeof(bidx));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 8, mns_now_ms());
    if (err == MNS_OK) err = kana ? mns_stmt_bind_text(s, 9, kana, -1) : mns_stmt_bind_null(s, 9);
    if (err == MNS_OK) err = birth ? mns_stmt_bind_text(s, 10, birth, -1) : mns_stmt_bind_null(s, 10);
    err = run_or_reset(s, err);
    act_note(&a, "dependent=%lld", (long long)id);
out:
    mns_wipe(number, sizeof(number));
    mns_wipe(dk, sizeof(dk));
    err = act_finish(&a, err);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I, s:I}", "id", (json_int_t)id, "person", (json_int_t)person_id);
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err dependent_kind(struct mns_vault *v, int64_t dependent_id, int64_t person_id, int64_t tid, char kind[16],
                       mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT p.kind FROM dependents d JOIN persons p ON p.id = d.person_id "
                                    "WHERE d.id = ? AND d.person_id = ? AND p.tenant_id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, dependent_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, person_id)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, tid)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        snprintf(kind, 16, "%s", mns_stmt_text(s, 0));
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such dependent of this person / この本人の扶養親族にありません");
    return err;
}

mns_err mns_vault_dependent_delete(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                   int64_t person_id, int64_t dependent_id, const char *reason, mns_errmsg *em)
{
    struct act a;
    const struct tenant_keys *tk = NULL;
    struct mns_stmt *s;
    int64_t tid = 0;
    char kind[16] = "";
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "dependent.delete");
    snprintf(a.subject, sizeof(a.subject), "person:%lld", (long long)person_id);
    if ((err = list_access(v, &a, actor, tenant_code, MNS_ROLE_CLERK, &tid, &tk, em)) != MNS_OK)
        goto out;
    if (reason != NULL && !vault_valid_text(reason, 500)) {
        err = mns_fail(em, MNS_ERR_INVALID, "reason: at most 500 bytes, no number / 500バイト以内、番号は不可");
        goto out;
    }
    if ((err = dependent_kind(v, dependent_id, person_id, tid, kind, em)) != MNS_OK)
        goto out;
    /* a legal hold on the person keeps its dependents too */
    if ((err = require_file(&a, kind, em)) != MNS_OK || (err = hold_check(v, person_id, em)) != MNS_OK)
        goto out;
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "DELETE FROM dependents WHERE id = ?")) != MNS_OK ||
        (err = run_or_reset(s, mns_stmt_bind_int64(s, 1, dependent_id))) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO dependent_deletions (dependent_id, person_id, tenant_id, deleted_at, deleted_by, "
                                 "reason) VALUES (?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, dependent_id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, person_id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 3, tid);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, mns_now_ms());
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, actor->name, -1);
    if (err == MNS_OK) err = reason ? mns_stmt_bind_text(s, 6, reason, -1) : mns_stmt_bind_null(s, 6);
    if ((err = run_or_reset(s, err)) == MNS_OK)
        err = disposal_record(v, tid, "dependent", 1, actor->name, reason ? reason : "no longer a dependent");
    act_note(&a, "dependent=%lld", (long long)dependent_id);
    if (err == MNS_OK)
        v->purge_pending = true; /* the freed pages go from the WAL too, as for persons */
out:
    err = act_finish(&a, err);
    return err;
}
