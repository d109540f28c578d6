/*
 * hash_internal.h: helpers shared inside lib/crypto, not part of the public API.
 */
#ifndef MNSAFE_CRYPTO_HASH_INTERNAL_H
#define MNSAFE_CRYPTO_HASH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "mnsafe/crypto.h"

/* One piece of a message that is hashed without being copied together. */
struct mns_hash_part {
    const void *data;
    size_t len;
};

/* HMAC-SHA256 over the concatenation of parts[0..count-1]. */
mns_err mns_hmac_sha256_parts(uint8_t out[MNS_HASH_LEN], const uint8_t key[MNS_KEY_LEN],
                              const struct mns_hash_part *parts, size_t count) MNS_WUR;

#endif
