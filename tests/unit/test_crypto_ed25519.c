/* test_crypto_ed25519.c: RFC 8032 known answers (tests/data/crypto/ed25519.kat)
 * and rejection of altered signatures, messages and keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kat.h"
#include "mnsafe/crypto.h"

/* ---- known-answer records (read by kat.h) ---- */

enum { F_SEED, F_PUB, F_MSG, F_SIG, F_COUNT };
static const char *const kat_fields[F_COUNT] = {"seed", "pub", "msg", "sig"};
_Static_assert(F_COUNT <= KAT_FIELDS_MAX, "struct kat holds KAT_FIELDS_MAX fields");

/* ---- tests ------------------------------------------------------------- */

static void test_rfc8032(void **state)
{
    FILE *fp = kat_open("ed25519.kat");
    struct kat k;
    int records = 0;
    (void)state;

    assert_non_null(fp);
    while (kat_next(fp, &k, kat_fields, F_COUNT)) {
        uint8_t pub[MNS_ED25519_PUB_LEN], sig[MNS_ED25519_SIG_LEN];
        const void *msg = k.len[F_MSG] ? k.v[F_MSG] : NULL;

        for (int f = 0; f < F_COUNT; f++)
            assert_true(k.have[f]);
        assert_int_equal(k.len[F_SEED], MNS_ED25519_SEED_LEN);
        assert_int_equal(k.len[F_PUB], MNS_ED25519_PUB_LEN);
        assert_int_equal(k.len[F_SIG], MNS_ED25519_SIG_LEN);
        print_message("  %s\n", k.name);

        assert_int_equal(mns_ed25519_public(pub, k.v[F_SEED]), MNS_OK);
        assert_memory_equal(pub, k.v[F_PUB], sizeof(pub));
        assert_int_equal(mns_ed25519_sign(sig, k.v[F_SEED], msg, k.len[F_MSG]), MNS_OK);
        assert_memory_equal(sig, k.v[F_SIG], sizeof(sig));
        assert_int_equal(mns_ed25519_verify(k.v[F_SIG], k.v[F_PUB], msg, k.len[F_MSG]), MNS_OK);

        /* every byte of the signature */
        for (size_t i = 0; i < sizeof(sig); i++) {
            sig[i] ^= 0x01;
            assert_int_equal(mns_ed25519_verify(sig, pub, msg, k.len[F_MSG]), MNS_ERR_TAMPERED);
            sig[i] ^= 0x01;
        }
        /* another message */
        assert_int_equal(mns_ed25519_verify(sig, pub, "x", 1), MNS_ERR_TAMPERED);
        records++;
    }
    fclose(fp);
    assert_int_equal(records, 2);
}

static void test_roundtrip_and_wrong_key(void **state)
{
    uint8_t seed[MNS_ED25519_SEED_LEN], seed2[MNS_ED25519_SEED_LEN];
    uint8_t pub[MNS_ED25519_PUB_LEN], pub2[MNS_ED25519_PUB_LEN], sig[MNS_ED25519_SIG_LEN];
    char msg[] = "audit checkpoint 42: 8f3c...";
    (void)state;

    assert_int_equal(mns_random(seed, sizeof(seed)), MNS_OK);
    assert_int_equal(mns_random(seed2, sizeof(seed2)), MNS_OK);
    assert_int_equal(mns_ed25519_public(pub, seed), MNS_OK);
    assert_int_equal(mns_ed25519_public(pub2, seed2), MNS_OK);
    assert_int_equal(mns_ed25519_sign(sig, seed, msg, strlen(msg)), MNS_OK);
    assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg)), MNS_OK);
    assert_int_equal(mns_ed25519_verify(sig, pub2, msg, strlen(msg)), MNS_ERR_TAMPERED);
    for (size_t i = 0; i < strlen(msg); i++) {
        msg[i] ^= 0x20;
        assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg)), MNS_ERR_TAMPERED);
        msg[i] ^= 0x20;
    }
    assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg) - 1), MNS_ERR_TAMPERED);
    for (size_t i = 0; i < sizeof(pub); i++) {
        pub[i] ^= 0x04;
        assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg)), MNS_ERR_TAMPERED);
        pub[i] ^= 0x04;
    }
    assert_int_equal(mns_ed25519_sign(sig, seed, NULL, 1), MNS_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_roundtrip_and_wrong_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
