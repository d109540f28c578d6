/*
 * blind_index.c: the searchable fingerprint of a number.
 *
 * The store never holds a number in clear, yet must find "is this number
 * already here?". The blind index is HMAC-SHA256 under a per-tenant index
 * key, over a domain tag and the normalised digits, so equal numbers give
 * equal indexes within a tenant and nothing can be learnt without the key.
 * The tag ("mnsafe-bidx-v1" and a 0x00 separator) keeps these MACs apart from
 * any other use of the key and lets a future version change the input.
 * Only the MAC's first 16 bytes are kept (migration 22 cut the stored ones
 * to the same prefix), so an index computed now matches one stored before.
 */
#include <string.h>

#include "crypto/hash_internal.h"
#include "mnsafe/crypto.h"

static const char bidx_tag[] = "mnsafe-bidx-v1"; /* sizeof includes the 0x00 */

mns_err mns_blind_index(uint8_t out[MNS_BLIND_INDEX_LEN], const uint8_t key[MNS_KEY_LEN],
                        const char *digits, size_t len)
{
    struct mns_hash_part parts[2] = {
        {bidx_tag, sizeof(bidx_tag)},
        {digits, len},
    };
    uint8_t mac[MNS_HASH_LEN];

    if (out == NULL || key == NULL || (digits == NULL && len > 0))
        return MNS_ERR_INVALID;
    mns_err err = mns_hmac_sha256_parts(mac, key, parts, 2);
    if (err == MNS_OK)
        memcpy(out, mac, MNS_BLIND_INDEX_LEN);
    mns_wipe(mac, sizeof(mac));
    return err;
}
