/* audit_read.c: reading and verifying the audit log, for auditors and sysadmins. */
#include <stdio.h>
#include <string.h>

#include "vault/internal.h"

mns_err mns_vault_audit_list(struct mns_vault *v, const struct mns_actor *actor, int64_t after_seq, unsigned limit,
                             json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row;
    json_t *list = json_array();
    int64_t last = after_seq;
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    if (limit == 0 || limit > 1000)
        limit = limit == 0 ? 100 : 1000;
    vault_lock(v);
    act_init(&a, v, actor, "audit.read");
    if ((err = require_role(actor, MNS_ROLE_AUDITOR | MNS_ROLE_SYSADMIN, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT seq, ts, actor, action, tenant_id, subject, purpose, result, client, detail, hash "
                                 "FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, after_seq)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, limit)) == MNS_OK)
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                size_t hlen = 0;
                const uint8_t *h = mns_stmt_blob(s, 10, &hlen);
                char hex[2 * MNS_HASH_LEN + 1] = "";
                if (hlen == MNS_HASH_LEN)
                    mns_hex_encode(hex, h, hlen);
                last = mns_stmt_int64(s, 0);
                json_array_append_new(
                    list, json_pack("{s:I, s:I, s:s, s:s, s:I, s:s*, s:s*, s:s, s:s*, s:s*, s:s}", "seq", (json_int_t)last,
                                    "time_ms", (json_int_t)mns_stmt_int64(s, 1), "actor", mns_stmt_text(s, 2), "action",
                                    mns_stmt_text(s, 3), "tenant_id", (json_int_t)mns_stmt_int64(s, 4), "subject",
                                    mns_stmt_text(s, 5), "purpose", mns_stmt_text(s, 6), "result", mns_stmt_text(s, 7),
                                    "client", mns_stmt_text(s, 8), "detail", mns_stmt_text(s, 9), "hash", hex));
            }
        mns_stmt_reset(s);
    }
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(list);
        return err;
    }
    *result = json_pack("{s:o, s:o}", "entries", list, "next_after",
                        json_array_size(list) == limit ? json_integer(last) : json_null());
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

/* Reads "<key name> <base64 public key>" from data_dir/audit.pub. */
static mns_err read_public_key(const char *data_dir, uint8_t pub[MNS_ED25519_PUB_LEN], mns_errmsg *em)
{
    char path[MNS_PATH_MAX], line[256], name[64], b64[128];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s", data_dir, MNS_AUDIT_PUB_FILE);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return mns_fail(em, MNS_ERR_IO, "cannot read %s / 公開鍵ファイルを読めません", path);
    char *ok = fgets(line, sizeof(line), f);
    fclose(f);
    if (ok == NULL || sscanf(line, "%63s %127s", name, b64) != 2 || strcmp(name, MNS_AUDIT_KEY_NAME) != 0 ||
        mns_base64_decode(pub, MNS_ED25519_PUB_LEN, &len, b64, strlen(b64)) != MNS_OK || len != MNS_ED25519_PUB_LEN)
        return mns_fail(em, MNS_ERR_INVALID, "%s is malformed / 公開鍵ファイルの形式が不正です", path);
    return MNS_OK;
}

mns_err audit_verify_store(struct mns_vault *v, struct mns_store *st, struct mns_audit_report *report, mns_errmsg *em)
{
    uint8_t pub[MNS_ED25519_PUB_LEN];
    mns_err err;
    memset(report, 0, sizeof(*report));
    if ((err = read_public_key(v->data_dir, pub, em)) != MNS_OK)
        return err;
    return mns_audit_verify(st, NULL, pub, MNS_AUDIT_KEY_NAME, report);
}

mns_err audit_verify_locked(struct mns_vault *v, struct mns_audit_report *report, mns_errmsg *em)
{
    uint8_t pub[MNS_ED25519_PUB_LEN];
    mns_err err;
    memset(report, 0, sizeof(*report));
    if ((err = read_public_key(v->data_dir, pub, em)) != MNS_OK || (err = vault_flush(v)) != MNS_OK)
        return err;
    return mns_audit_verify(v->store, v->checkpoint_path, pub, MNS_AUDIT_KEY_NAME, report);
}

mns_err mns_vault_audit_verify(struct mns_vault *v, const struct mns_actor *actor, struct mns_audit_report *report,
                               mns_errmsg *em)
{
    struct act a;
    uint8_t pub[MNS_ED25519_PUB_LEN];
    mns_err err, verdict = MNS_OK;

    memset(report, 0, sizeof(*report));
    vault_lock(v);
    act_init(&a, v, actor, "audit.verify");
    if ((err = require_role(actor, MNS_ROLE_AUDITOR | MNS_ROLE_SYSADMIN, em)) == MNS_OK &&
        (err = read_public_key(v->data_dir, pub, em)) == MNS_OK && (err = vault_flush(v)) == MNS_OK) {
        verdict = mns_audit_verify(v->store, v->checkpoint_path, pub, MNS_AUDIT_KEY_NAME, report);
        if (verdict != MNS_OK && verdict != MNS_ERR_TAMPERED)
            err = verdict;
    }
    err = act_finish(&a, err);
    return err != MNS_OK ? err : verdict;
}

mns_err mns_vault_verify_offline(const char *data_dir, const char *store_url, struct mns_audit_report *report,
                                 mns_errmsg *em)
{
    struct mns_store *st = NULL;
    uint8_t pub[MNS_ED25519_PUB_LEN];
    char url[MNS_PATH_MAX + 16], cp[MNS_PATH_MAX];
    mns_err err;

    memset(report, 0, sizeof(*report));
    if ((err = mns_global_init()) != MNS_OK)
        return err;
    if (store_url != NULL)
        snprintf(url, sizeof(url), "%s", store_url);
    else
        snprintf(url, sizeof(url), "sqlite:%s/%s", data_dir, MNS_DB_FILE);
    snprintf(cp, sizeof(cp), "%s/%s", data_dir, MNS_CHECKPOINT_FILE);
    if ((err = read_public_key(data_dir, pub, em)) != MNS_OK)
        return err;
    if ((err = mns_store_open(&st, url, em)) != MNS_OK)
        return err;
    err = mns_audit_verify(st, cp, pub, MNS_AUDIT_KEY_NAME, report);
    mns_store_close(st);
    return err;
}

mns_err mns_vault_audit_tick(struct mns_vault *v)
{
    mns_err err = MNS_OK;
    vault_lock(v);
    if ((err = vault_flush(v)) != MNS_OK) {
        vault_unlock(v);
        return err;
    }
    if (v->purge_pending && mns_store_purge_deleted(v->store, person_tables) == MNS_OK)
        v->purge_pending = false;
    uint64_t n = mns_audit_count(v->audit);
    if (v->unsealed && n != v->ticked_count) {
        err = mns_audit_checkpoint(v->audit, NULL);
        if (err == MNS_OK)
            v->ticked_count = n;
    }
    vault_unlock(v);
    return err;
}
