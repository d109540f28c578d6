/*
 * ed25519.c: Ed25519 signatures (RFC 8032) through OpenSSL EVP.
 *
 * Keys are handled as 32-byte seeds; the public key is derived from the seed.
 * Ed25519 signs the message itself (no separate digest: md is NULL).
 */
#include <openssl/err.h>
#include <openssl/evp.h>

#include "mnsafe/crypto.h"

static const unsigned char empty_msg[1];

mns_err mns_ed25519_public(uint8_t pub[MNS_ED25519_PUB_LEN],
                           const uint8_t seed[MNS_ED25519_SEED_LEN])
{
    EVP_PKEY *pkey = NULL;
    size_t publen = MNS_ED25519_PUB_LEN;
    mns_err r = MNS_ERR_CRYPTO;

    if (pub == NULL || seed == NULL)
        return MNS_ERR_INVALID;
    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, MNS_ED25519_SEED_LEN);
    if (pkey == NULL)
        goto out;
    if (EVP_PKEY_get_raw_public_key(pkey, pub, &publen) != 1 || publen != MNS_ED25519_PUB_LEN)
        goto out;
    r = MNS_OK;
out:
    if (r != MNS_OK) {
        ERR_clear_error();
        mns_wipe(pub, MNS_ED25519_PUB_LEN);
    }
    EVP_PKEY_free(pkey); /* cleanses the private key */
    return r;
}

mns_err mns_ed25519_sign(uint8_t sig[MNS_ED25519_SIG_LEN], const uint8_t seed[MNS_ED25519_SEED_LEN],
                         const void *msg, size_t len)
{
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *ctx = NULL;
    size_t siglen = MNS_ED25519_SIG_LEN;
    mns_err r = MNS_ERR_CRYPTO;

    if (sig == NULL || seed == NULL || (msg == NULL && len > 0))
        return MNS_ERR_INVALID;
    pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, MNS_ED25519_SEED_LEN);
    if (pkey == NULL)
        goto out;
    if ((ctx = EVP_MD_CTX_new()) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, pkey) != 1)
        goto out;
    if (EVP_DigestSign(ctx, sig, &siglen, len > 0 ? msg : empty_msg, len) != 1 ||
        siglen != MNS_ED25519_SIG_LEN)
        goto out;
    r = MNS_OK;
out:
    if (r != MNS_OK) {
        ERR_clear_error();
        mns_wipe(sig, MNS_ED25519_SIG_LEN);
    }
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return r;
}

mns_err mns_ed25519_verify(const uint8_t sig[MNS_ED25519_SIG_LEN],
                           const uint8_t pub[MNS_ED25519_PUB_LEN], const void *msg, size_t len)
{
    EVP_PKEY *pkey = NULL;
    EVP_MD_CTX *ctx = NULL;
    mns_err r = MNS_ERR_TAMPERED;

    if (sig == NULL || pub == NULL || (msg == NULL && len > 0))
        return MNS_ERR_INVALID;
    /* A public key that is not a curve point cannot have signed anything. */
    if ((pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, MNS_ED25519_PUB_LEN)) ==
        NULL)
        goto out;
    if ((ctx = EVP_MD_CTX_new()) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pkey) != 1) {
        r = MNS_ERR_CRYPTO;
        goto out;
    }
    if (EVP_DigestVerify(ctx, sig, MNS_ED25519_SIG_LEN, len > 0 ? msg : empty_msg, len) != 1)
        goto out;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        ERR_clear_error();
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return r;
}
