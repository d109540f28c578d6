/* test_crypto_hash.c: SHA-256 and HMAC-SHA256 known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/hash_internal.h"
#include "mnsafe/crypto.h"

static void hex_to(uint8_t *out, size_t n, const char *hex)
{
    assert_int_equal(mns_hex_decode(out, n, hex, strlen(hex)), MNS_OK);
}

static void test_sha256_kat(void **state)
{
    uint8_t got[MNS_HASH_LEN], want[MNS_HASH_LEN];
    (void)state;
    /* FIPS 180-2 "abc" and the empty message (also `printf abc | openssl dgst -sha256`) */
    hex_to(want, sizeof(want), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(mns_sha256(got, "abc", 3), MNS_OK);
    assert_memory_equal(got, want, sizeof(want));
    hex_to(want, sizeof(want), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assert_int_equal(mns_sha256(got, NULL, 0), MNS_OK);
    assert_memory_equal(got, want, sizeof(want));
    assert_int_equal(mns_sha256(got, NULL, 1), MNS_ERR_INVALID);
}

static void test_hmac_kat(void **state)
{
    /* RFC 4231 test case 2: key "Jefe". HMAC pads short keys with zeros to the
     * block size, so "Jefe" followed by 28 zero bytes gives the same MAC. */
    uint8_t key[MNS_KEY_LEN] = {'J', 'e', 'f', 'e'};
    uint8_t got[MNS_HASH_LEN], want[MNS_HASH_LEN];
    const char *msg = "what do ya want for nothing?";
    (void)state;
    hex_to(want, sizeof(want), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_int_equal(mns_hmac_sha256(got, key, msg, strlen(msg)), MNS_OK);
    assert_memory_equal(got, want, sizeof(want));
}

static void test_hmac_parts(void **state)
{
    uint8_t key[MNS_KEY_LEN], one[MNS_HASH_LEN], parts_out[MNS_HASH_LEN];
    const char *msg = "what do ya want for nothing?";
    struct mns_hash_part parts[3] = {{msg, 4}, {NULL, 0}, {msg + 4, strlen(msg) - 4}};
    (void)state;
    assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_hmac_sha256(one, key, msg, strlen(msg)), MNS_OK);
    assert_int_equal(mns_hmac_sha256_parts(parts_out, key, parts, 3), MNS_OK);
    assert_memory_equal(one, parts_out, sizeof(one));
    key[0] ^= 1;
    assert_int_equal(mns_hmac_sha256(parts_out, key, msg, strlen(msg)), MNS_OK);
    assert_memory_not_equal(one, parts_out, sizeof(one));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256_kat),
        cmocka_unit_test(test_hmac_kat),
        cmocka_unit_test(test_hmac_parts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
