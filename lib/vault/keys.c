/*
 * keys.c: the keyring. The root key wraps each tenant's key-encryption key
 * and blind-index key, and the audit signing key; tenant keys are unwrapped
 * on first use and cached in secure memory until the vault is sealed.
 */
#include <string.h>

#include "vault/internal.h"

static const char root_check_ad[] = "mnsafe-root-check-v1";

mns_err vault_secrets_ensure(struct mns_vault *v)
{
    if (v->sec != NULL)
        return MNS_OK;
    v->sec = mns_secure_alloc(sizeof(*v->sec));
    return v->sec != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

void vault_wipe_secrets(struct mns_vault *v)
{
    ignore_err(mns_audit_set_signer(v->audit, NULL));
    mns_secure_free(v->sec, sizeof(*v->sec));
    v->sec = NULL;
    v->unsealed = false;
}

mns_err vault_check_root(struct mns_vault *v, const uint8_t root[MNS_KEY_LEN])
{
    uint8_t blob[256], pt[256];
    size_t len = 0, ptlen = 0;
    mns_err err = meta_get(v->store, "root_check", blob, sizeof(blob), &len);
    if (err != MNS_OK)
        return MNS_ERR_STORE;
    err = mns_aead_open(pt, &ptlen, root, root_check_ad, strlen(root_check_ad), blob, len);
    mns_wipe(pt, sizeof(pt));
    return err == MNS_OK ? MNS_OK : MNS_ERR_BAD_SHARE;
}

mns_err vault_load_system_keys(struct mns_vault *v)
{
    struct mns_stmt *s;
    bool row;
    uint8_t seed[MNS_ED25519_SEED_LEN + 16];
    size_t seedlen = 0;
    char ad[128];
    mns_err err;

    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT version, wrapped FROM system_keys WHERE name = 'audit' "
                                 "ORDER BY version DESC LIMIT 1")) != MNS_OK)
        return err;
    if ((err = mns_stmt_step(s, &row)) != MNS_OK)
        goto out;
    if (!row) {
        err = MNS_ERR_STORE;
        goto out;
    }
    size_t wlen = 0;
    const uint8_t *wrapped = mns_stmt_blob(s, 1, &wlen);
    ad_format(ad, sizeof(ad), "system-key|%s|%lld", "audit", (long long)mns_stmt_int64(s, 0));
    if (wlen != MNS_ED25519_SEED_LEN + MNS_AEAD_OVERHEAD) {
        err = MNS_ERR_CRYPTO;
        goto out;
    }
    if ((err = mns_aead_open(seed, &seedlen, v->sec->root, ad, strlen(ad), wrapped, wlen)) != MNS_OK)
        goto out;
    err = mns_audit_set_signer(v->audit, seed);
out:
    mns_stmt_reset(s);
    mns_wipe(seed, sizeof(seed));
    return err;
}

mns_err tenant_keys_create(struct mns_vault *v, int64_t tenant_id)
{
    uint8_t keys[2 * MNS_KEY_LEN];
    uint8_t wrapped[sizeof(keys) + MNS_AEAD_OVERHEAD];
    char ad[128];
    struct mns_stmt *s;
    mns_err err;

    if ((err = mns_random(keys, sizeof(keys))) != MNS_OK)
        return err;
    ad_format(ad, sizeof(ad), "tenant-keys|v1|%lld|%d", (long long)tenant_id, 1);
    err = mns_aead_seal(wrapped, v->sec->root, ad, strlen(ad), keys, sizeof(keys));
    mns_wipe(keys, sizeof(keys));
    if (err != MNS_OK)
        return err;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO tenant_keys (tenant_id, version, wrapped, created_at) "
                                 "VALUES (?, 1, ?, ?)")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tenant_id)) == MNS_OK &&
        (err = mns_stmt_bind_blob(s, 2, wrapped, sizeof(wrapped))) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, mns_now_ms())) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

mns_err tenant_keys_get(struct mns_vault *v, int64_t tenant_id, const struct tenant_keys **out)
{
    struct vault_secrets *sec = v->sec;
    struct mns_stmt *s;
    bool row;
    uint8_t keys[2 * MNS_KEY_LEN + 16];
    size_t klen = 0;
    char ad[128];
    mns_err err;

    *out = NULL;
    if (!v->unsealed || sec == NULL)
        return MNS_ERR_SEALED;
    for (size_t i = 0; i < sec->ntenants; i++) {
        if (sec->tenants[i].tenant_id == tenant_id) {
            *out = &sec->tenants[i];
            return MNS_OK;
        }
    }
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT version, wrapped FROM tenant_keys WHERE tenant_id = ? "
                                 "ORDER BY version DESC LIMIT 1")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tenant_id)) != MNS_OK || (err = mns_stmt_step(s, &row)) != MNS_OK)
        goto out;
    if (!row) {
        err = MNS_ERR_NOT_FOUND;
        goto out;
    }
    int64_t version = mns_stmt_int64(s, 0);
    size_t wlen = 0;
    const uint8_t *wrapped = mns_stmt_blob(s, 1, &wlen);
    ad_format(ad, sizeof(ad), "tenant-keys|v1|%lld|%lld", (long long)tenant_id, (long long)version);
    if (wlen != 2 * MNS_KEY_LEN + MNS_AEAD_OVERHEAD) {
        err = MNS_ERR_CRYPTO;
        goto out;
    }
    if ((err = mns_aead_open(keys, &klen, sec->root, ad, strlen(ad), wrapped, wlen)) != MNS_OK)
        goto out;
    /* a full cache starts over: keys are cheap to unwrap again */
    if (sec->ntenants == MNS_TENANT_CACHE_MAX) {
        mns_wipe(sec->tenants, sizeof(sec->tenants));
        sec->ntenants = 0;
    }
    struct tenant_keys *tk = &sec->tenants[sec->ntenants++];
    tk->tenant_id = tenant_id;
    tk->version = version;
    memcpy(tk->kek, keys, MNS_KEY_LEN);
    memcpy(tk->bidx, keys + MNS_KEY_LEN, MNS_KEY_LEN);
    *out = tk;
out:
    mns_stmt_reset(s);
    mns_wipe(keys, sizeof(keys));
    return err;
}
