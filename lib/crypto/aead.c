/*
 * aead.c: AES-256-GCM through OpenSSL EVP.
 *
 * Sealed form: nonce (12, random) || ciphertext (as long as the plaintext) ||
 * tag (16). Random 96-bit nonces keep the collision risk negligible for the
 * number of messages one key seals here (well below 2^32).
 *
 * out must not overlap the input (in-place sealing is not supported: the
 * ciphertext is shifted by the nonce). Lengths are limited to what OpenSSL's
 * int-based interface takes in one call.
 *
 * The cipher is fetched once and the context is this thread's (evp_cache.c);
 * it is reset, wiping the key schedule, before either function returns.
 */
#include <limits.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/aead_internal.h"
#include "crypto/evp_cache_internal.h"
#include "mnsafe/crypto.h"

#define AEAD_MAX_LEN ((size_t)INT_MAX - MNS_AEAD_OVERHEAD)

mns_err mns_aead_seal_with_nonce(uint8_t *out, const uint8_t key[MNS_KEY_LEN],
                                 const uint8_t nonce[MNS_AEAD_NONCE_LEN], const void *ad,
                                 size_t adlen, const void *pt, size_t ptlen)
{
    const EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx = NULL;
    uint8_t *ct;
    int len = 0;
    mns_err r = MNS_ERR_CRYPTO;

    if (out == NULL || key == NULL || nonce == NULL || (ad == NULL && adlen > 0) ||
        (pt == NULL && ptlen > 0))
        return MNS_ERR_INVALID;
    if (ptlen > AEAD_MAX_LEN || adlen > AEAD_MAX_LEN)
        return MNS_ERR_LIMIT;
    ct = out + MNS_AEAD_NONCE_LEN;

    if ((cipher = mns_evp_aes256gcm()) == NULL)
        goto out;
    if ((ctx = mns_evp_cipher_ctx_get()) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    /* 12 bytes is the cipher's default nonce length (checked when fetched) */
    if (EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1)
        goto out;
    if (adlen > 0 && EVP_EncryptUpdate(ctx, NULL, &len, ad, (int)adlen) != 1)
        goto out;
    if (ptlen > 0 && (EVP_EncryptUpdate(ctx, ct, &len, pt, (int)ptlen) != 1 ||
                      (size_t)len != ptlen))
        goto out;
    if (EVP_EncryptFinal_ex(ctx, ct + ptlen, &len) != 1 || len != 0)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, MNS_AEAD_TAG_LEN, ct + ptlen) != 1)
        goto out;
    memmove(out, nonce, MNS_AEAD_NONCE_LEN);
    r = MNS_OK;
out:
    if (r != MNS_OK) {
        ERR_clear_error();
        mns_wipe(out, ptlen + MNS_AEAD_OVERHEAD);
    }
    mns_evp_cipher_ctx_put(ctx); /* cleanses the key schedule */
    return r;
}

mns_err mns_aead_seal(uint8_t *out, const uint8_t key[MNS_KEY_LEN], const void *ad,
                      size_t adlen, const void *pt, size_t ptlen)
{
    uint8_t nonce[MNS_AEAD_NONCE_LEN];
    mns_err r;

    if ((r = mns_random(nonce, sizeof(nonce))) != MNS_OK)
        return r;
    return mns_aead_seal_with_nonce(out, key, nonce, ad, adlen, pt, ptlen);
}

mns_err mns_aead_open(uint8_t *out, size_t *outlen, const uint8_t key[MNS_KEY_LEN],
                      const void *ad, size_t adlen, const uint8_t *in, size_t inlen)
{
    const EVP_CIPHER *cipher;
    EVP_CIPHER_CTX *ctx = NULL;
    const uint8_t *nonce, *ct;
    uint8_t tag[MNS_AEAD_TAG_LEN];
    size_t ctlen;
    int len = 0;
    mns_err r = MNS_ERR_CRYPTO;

    if (outlen != NULL)
        *outlen = 0;
    if (outlen == NULL || key == NULL || in == NULL || (ad == NULL && adlen > 0))
        return MNS_ERR_INVALID;
    if (inlen < MNS_AEAD_OVERHEAD)
        return MNS_ERR_CRYPTO; /* truncated: as good as altered */
    ctlen = inlen - MNS_AEAD_OVERHEAD;
    if (out == NULL && ctlen > 0)
        return MNS_ERR_INVALID;
    if (ctlen > AEAD_MAX_LEN || adlen > AEAD_MAX_LEN)
        return MNS_ERR_LIMIT;
    nonce = in;
    ct = in + MNS_AEAD_NONCE_LEN;
    memcpy(tag, ct + ctlen, sizeof(tag)); /* OpenSSL wants a non-const tag */

    if ((cipher = mns_evp_aes256gcm()) == NULL)
        goto out;
    if ((ctx = mns_evp_cipher_ctx_get()) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    if (EVP_DecryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1)
        goto out;
    if (adlen > 0 && EVP_DecryptUpdate(ctx, NULL, &len, ad, (int)adlen) != 1)
        goto out;
    if (ctlen > 0 && (EVP_DecryptUpdate(ctx, out, &len, ct, (int)ctlen) != 1 ||
                      (size_t)len != ctlen))
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, MNS_AEAD_TAG_LEN, tag) != 1)
        goto out;
    /* The tag is checked here; until then out holds unauthenticated text. */
    if (EVP_DecryptFinal_ex(ctx, out != NULL ? out + ctlen : tag, &len) != 1)
        goto out;
    *outlen = ctlen;
    r = MNS_OK;
out:
    if (r != MNS_OK) {
        ERR_clear_error();
        if (out != NULL)
            mns_wipe(out, ctlen);
    }
    mns_evp_cipher_ctx_put(ctx);
    return r;
}
