/*
 * pwhash.c: password hashing with Argon2id (libsodium).
 *
 * Parameters follow the OWASP minimum for Argon2id: m = 19 MiB, t = 2, p = 1
 * (libsodium always uses one lane). The PHC string carries its parameters, so
 * raising them later still verifies old hashes.
 *
 * Slow on purpose (tens of milliseconds): callers run it off event loops.
 */
#include <sodium.h>

#include "mnsafe/crypto.h"

#define PWHASH_OPSLIMIT 2ULL
#define PWHASH_MEMLIMIT ((size_t)19 * 1024 * 1024)

_Static_assert(MNS_PWHASH_STR_MAX >= crypto_pwhash_STRBYTES, "PHC string buffer too small");

/* libsodium wants a pointer even for an empty password. */
static const char empty_password[1];

mns_err mns_pwhash(char out[MNS_PWHASH_STR_MAX], const char *password, size_t len)
{
    if (out == NULL)
        return MNS_ERR_INVALID;
    out[0] = '\0';
    if (password == NULL && len > 0)
        return MNS_ERR_INVALID;
    if (len > crypto_pwhash_PASSWD_MAX)
        return MNS_ERR_LIMIT;
    if (mns_global_init() != MNS_OK)
        return MNS_ERR_CRYPTO;
    if (crypto_pwhash_str_alg(out, len > 0 ? password : empty_password, len, PWHASH_OPSLIMIT,
                              PWHASH_MEMLIMIT, crypto_pwhash_ALG_ARGON2ID13) != 0) {
        mns_wipe(out, MNS_PWHASH_STR_MAX);
        return MNS_ERR_NOMEM; /* the only way it fails: the memory could not be had */
    }
    return MNS_OK;
}

mns_err mns_pwhash_verify(const char *hash, const char *password, size_t len)
{
    if (hash == NULL || (password == NULL && len > 0))
        return MNS_ERR_INVALID;
    if (strnlen(hash, MNS_PWHASH_STR_MAX) >= MNS_PWHASH_STR_MAX)
        return MNS_ERR_INVALID;
    if (mns_global_init() != MNS_OK)
        return MNS_ERR_CRYPTO;
    /* Wrong password, malformed or foreign hash: one answer, no enumeration. */
    if (len > crypto_pwhash_PASSWD_MAX ||
        crypto_pwhash_str_verify(hash, len > 0 ? password : empty_password, len) != 0)
        return MNS_ERR_AUTH;
    return MNS_OK;
}

mns_err mns_password_generate(char out[MNS_PASSWORD_GEN_LEN + 1])
{
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    const unsigned n = sizeof(alphabet) - 1;
    const unsigned limit = 256 - 256 % n; /* bytes at or over it are redrawn: no bias */
    uint8_t rnd[64];
    size_t have = 0, used = sizeof(rnd);
    mns_err err = MNS_OK;

    while (have < MNS_PASSWORD_GEN_LEN) {
        if (used == sizeof(rnd)) {
            if ((err = mns_random(rnd, sizeof(rnd))) != MNS_OK)
                break;
            used = 0;
        }
        uint8_t b = rnd[used++];
        if (b < limit)
            out[have++] = alphabet[b % n];
    }
    mns_wipe(rnd, sizeof(rnd));
    if (err != MNS_OK) {
        mns_wipe(out, MNS_PASSWORD_GEN_LEN + 1);
        return err;
    }
    out[MNS_PASSWORD_GEN_LEN] = '\0';
    return MNS_OK;
}
