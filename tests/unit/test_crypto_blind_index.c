/* test_crypto_blind_index.c: the first 16 bytes of HMAC-SHA256(key, "mnsafe-bidx-v1" 0x00 digits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

static const char digits[] = "123456789018";

static void key_seq(uint8_t key[MNS_KEY_LEN], int reverse)
{
    for (int i = 0; i < MNS_KEY_LEN; i++)
        key[i] = (uint8_t)(reverse ? MNS_KEY_LEN - 1 - i : i);
}

/*
 * Known answers computed independently with the OpenSSL command line:
 *
 *   { printf 'mnsafe-bidx-v1\0'; printf '%s' 123456789018; } | \
 *     openssl dgst -sha256 -mac HMAC \
 *       -macopt hexkey:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
 *   -> 267904d63cb535eb64a6127f9b02f1f37cb7697b2bbc6997083d901ac6ee1e99
 *
 * and with hexkey 1f1e1d...0100 (the same bytes reversed)
 *   -> 7c6f28dc310ffe4ffae77aa543e841f0cdc39c75e9836039b8de6c953e618491
 *
 * The blind index is the first 16 bytes of each (MNS_BLIND_INDEX_LEN).
 */
static void test_kat(void **state)
{
    uint8_t key[MNS_KEY_LEN], got[MNS_BLIND_INDEX_LEN + 1];
    char hex[2 * MNS_BLIND_INDEX_LEN + 1];
    (void)state;

    key_seq(key, 0);
    got[MNS_BLIND_INDEX_LEN] = 0xa5; /* one byte past the index: left alone */
    assert_int_equal(mns_blind_index(got, key, digits, strlen(digits)), MNS_OK);
    mns_hex_encode(hex, got, MNS_BLIND_INDEX_LEN);
    assert_string_equal(hex, "267904d63cb535eb64a6127f9b02f1f3");
    assert_int_equal(got[MNS_BLIND_INDEX_LEN], 0xa5);

    key_seq(key, 1);
    assert_int_equal(mns_blind_index(got, key, digits, strlen(digits)), MNS_OK);
    mns_hex_encode(hex, got, MNS_BLIND_INDEX_LEN);
    assert_string_equal(hex, "7c6f28dc310ffe4ffae77aa543e841f0");
}

static void test_deterministic_and_keyed(void **state)
{
    uint8_t key[MNS_KEY_LEN], key2[MNS_KEY_LEN];
    uint8_t a[MNS_BLIND_INDEX_LEN], b[MNS_BLIND_INDEX_LEN], c[MNS_BLIND_INDEX_LEN], d[MNS_HASH_LEN];
    (void)state;

    assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
    memcpy(key2, key, sizeof(key));
    key2[31] ^= 0x01;
    assert_int_equal(mns_blind_index(a, key, digits, strlen(digits)), MNS_OK);
    assert_int_equal(mns_blind_index(b, key, digits, strlen(digits)), MNS_OK);
    assert_memory_equal(a, b, sizeof(a)); /* same number, same index */
    assert_int_equal(mns_blind_index(c, key2, digits, strlen(digits)), MNS_OK);
    assert_memory_not_equal(a, c, sizeof(a)); /* another key, another index */
    assert_int_equal(mns_blind_index(d, key, "123456789019", 12), MNS_OK);
    assert_memory_not_equal(a, d, sizeof(a)); /* another number */
    /* not a plain HMAC of the digits: the domain tag is in */
    assert_int_equal(mns_hmac_sha256(d, key, digits, strlen(digits)), MNS_OK);
    assert_memory_not_equal(a, d, sizeof(a));
    assert_int_equal(mns_blind_index(a, key, NULL, 1), MNS_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kat),
        cmocka_unit_test(test_deterministic_and_keyed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
