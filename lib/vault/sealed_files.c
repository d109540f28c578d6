/*
 * sealed_files.c: files kept for a tenant (evidence of an assessment, a
 * contractor's disposal certificate), each AES-256-GCM encrypted under a key
 * of its own that the tenant key wraps. The associated data binds a file to
 * its use, tenant, id and SHA-256, so a ciphertext cannot be moved to
 * another row; opening checks the hash again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

static void ad_content(char *buf, size_t n, const char *use, int64_t tenant, int64_t id, const char *sha)
{
    snprintf(buf, n, "%s|v1|%lld|%lld|%s", use, (long long)tenant, (long long)id, sha);
}

static void ad_key(char *buf, size_t n, const char *use, int64_t tenant, int64_t id, int64_t kver)
{
    snprintf(buf, n, "%s-key|v1|%lld|%lld|%lld", use, (long long)tenant, (long long)id, (long long)kver);
}

mns_err sealed_file_make(const struct tenant_keys *tk, const char *use, int64_t id, const uint8_t *data, size_t len,
                         struct sealed_file *out)
{
    uint8_t md[MNS_HASH_LEN], fk[MNS_KEY_LEN];
    char ad[160];
    mns_err err;

    memset(out, 0, sizeof(*out));
    if ((out->ct = malloc(len + MNS_AEAD_OVERHEAD)) == NULL)
        return MNS_ERR_NOMEM;
    out->ct_len = len + MNS_AEAD_OVERHEAD;
    if ((err = mns_sha256(md, data, len)) == MNS_OK && (err = mns_random(fk, sizeof(fk))) == MNS_OK) {
        mns_hex_encode(out->sha256, md, sizeof(md));
        ad_content(ad, sizeof(ad), use, tk->tenant_id, id, out->sha256);
        if ((err = mns_aead_seal(out->ct, fk, ad, strlen(ad), data, len)) == MNS_OK) {
            ad_key(ad, sizeof(ad), use, tk->tenant_id, id, tk->version);
            err = mns_aead_seal(out->wrapped, tk->kek, ad, strlen(ad), fk, sizeof(fk));
        }
    }
    out->key_version = tk->version;
    mns_wipe(fk, sizeof(fk));
    if (err != MNS_OK)
        sealed_file_release(out);
    return err;
}

void sealed_file_release(struct sealed_file *f)
{
    free(f->ct);
    f->ct = NULL;
    f->ct_len = 0;
}

mns_err sealed_file_open(const struct tenant_keys *tk, const char *use, int64_t id, int64_t key_version, const char *sha,
                         const uint8_t *wrapped, size_t wl, const uint8_t *ct, size_t cl, uint8_t **data, size_t *len)
{
    uint8_t fk[MNS_KEY_LEN], md[MNS_HASH_LEN];
    char ad[160], got[65];
    size_t fkl = 0;
    mns_err err = MNS_OK;

    *data = NULL;
    *len = 0;
    ad_key(ad, sizeof(ad), use, tk->tenant_id, id, key_version);
    if (tk->version != key_version || wl != sizeof(fk) + MNS_AEAD_OVERHEAD || cl < MNS_AEAD_OVERHEAD ||
        mns_aead_open(fk, &fkl, tk->kek, ad, strlen(ad), wrapped, wl) != MNS_OK)
        err = MNS_ERR_CRYPTO;
    else if ((*data = malloc(cl - MNS_AEAD_OVERHEAD + 1)) == NULL)
        err = MNS_ERR_NOMEM;
    else {
        ad_content(ad, sizeof(ad), use, tk->tenant_id, id, sha);
        if (mns_aead_open(*data, len, fk, ad, strlen(ad), ct, cl) != MNS_OK)
            err = MNS_ERR_CRYPTO;
    }
    /* the file is the one whose hash was recorded */
    if (err == MNS_OK) {
        if (mns_sha256(md, *data, *len) != MNS_OK) {
            err = MNS_ERR_CRYPTO;
        } else {
            mns_hex_encode(got, md, sizeof(md));
            if (strcmp(got, sha) != 0)
                err = MNS_ERR_CRYPTO;
        }
    }
    mns_wipe(fk, sizeof(fk));
    if (err != MNS_OK && *data != NULL) {
        mns_wipe(*data, *len);
        free(*data);
        *data = NULL;
        *len = 0;
    }
    return err;
}

bool sealed_file_type_ok(const char *content_type)
{
    static const char *const types[] = {"application/pdf", "image/png", "image/jpeg", "text/plain", "text/csv",
                                        "application/zip"};
    for (size_t i = 0; content_type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(content_type, types[i]) == 0)
            return true;
    return false;
}

void sealed_file_discard(uint8_t **data, size_t *len, json_t **meta)
{
    if (*data != NULL) {
        mns_wipe(*data, *len);
        free(*data);
    }
    *data = NULL;
    *len = 0;
    json_decref(*meta);
    *meta = NULL;
}
