/*
 * aead_internal.h: not part of the public API. Sealing with a caller-chosen
 * nonce exists only so the tests can check published known answers; anything
 * else must use mns_aead_seal, which draws a fresh random nonce each time
 * (reusing a GCM nonce under one key gives away the authentication key).
 */
#ifndef MNSAFE_CRYPTO_AEAD_INTERNAL_H
#define MNSAFE_CRYPTO_AEAD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mnsafe/crypto.h"

/* As mns_aead_seal, with out = nonce || ct || tag using the given nonce. */
mns_err mns_aead_seal_with_nonce(uint8_t *out, const uint8_t key[MNS_KEY_LEN],
                                 const uint8_t nonce[MNS_AEAD_NONCE_LEN], const void *ad,
                                 size_t adlen, const void *pt, size_t ptlen) MNS_WUR;

#endif
