/*
 * hash.c: SHA-256 and HMAC-SHA256 through OpenSSL's EVP interfaces.
 *
 * HMAC goes through EVP_MAC so that a message in several parts (the blind
 * index's domain tag and the digits) is never copied into one buffer.
 * The algorithms are fetched once (evp_cache.c); each MAC still gets a context
 * of its own, freed (and so wiped) before returning.
 */
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/evp_cache_internal.h"
#include "crypto/hash_internal.h"
#include "mnsafe/crypto.h"

/* Something non-NULL to hand OpenSSL for an empty message. */
static const unsigned char empty[1];

mns_err mns_sha256(uint8_t out[MNS_HASH_LEN], const void *data, size_t len)
{
    const EVP_MD *md;
    unsigned int outlen = 0;

    if (out == NULL || (data == NULL && len > 0))
        return MNS_ERR_INVALID;
    if ((md = mns_evp_sha256()) == NULL ||
        EVP_Digest(len > 0 ? data : empty, len, out, &outlen, md, NULL) != 1 ||
        outlen != MNS_HASH_LEN) {
        ERR_clear_error();
        mns_wipe(out, MNS_HASH_LEN);
        return MNS_ERR_CRYPTO;
    }
    return MNS_OK;
}

mns_err mns_hmac_sha256_parts(uint8_t out[MNS_HASH_LEN], const uint8_t key[MNS_KEY_LEN],
                              const struct mns_hash_part *parts, size_t count)
{
    EVP_MAC_CTX *ctx = NULL;
    size_t outlen = 0;
    mns_err r = MNS_ERR_CRYPTO;

    if (out == NULL || key == NULL || (parts == NULL && count > 0))
        return MNS_ERR_INVALID;
    for (size_t i = 0; i < count; i++)
        if (parts[i].data == NULL && parts[i].len > 0)
            return MNS_ERR_INVALID;

    if (mns_evp_sha256() == NULL) /* the algorithms are fetched together */
        goto out;
    if ((ctx = mns_evp_hmac_sha256_new()) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    if (EVP_MAC_init(ctx, key, MNS_KEY_LEN, NULL) != 1)
        goto out;
    for (size_t i = 0; i < count; i++)
        if (parts[i].len > 0 && EVP_MAC_update(ctx, parts[i].data, parts[i].len) != 1)
            goto out;
    if (EVP_MAC_final(ctx, out, &outlen, MNS_HASH_LEN) != 1 || outlen != MNS_HASH_LEN)
        goto out;
    r = MNS_OK;
out:
    if (r != MNS_OK) {
        ERR_clear_error();
        mns_wipe(out, MNS_HASH_LEN);
    }
    EVP_MAC_CTX_free(ctx); /* OpenSSL cleanses the keyed state */
    return r;
}

mns_err mns_hmac_sha256(uint8_t out[MNS_HASH_LEN], const uint8_t key[MNS_KEY_LEN],
                        const void *data, size_t len)
{
    struct mns_hash_part part = {data, len};
    return mns_hmac_sha256_parts(out, key, &part, 1);
}
