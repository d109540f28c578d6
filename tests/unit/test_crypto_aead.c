/* test_crypto_aead.c: AES-256-GCM known answers (tests/data/crypto/aes256gcm.kat),
 * round trips, and that any change to nonce, ciphertext, tag or AD is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/aead_internal.h"
#include "kat.h"
#include "mnsafe/crypto.h"

/* ---- known-answer records (read by kat.h) ---- */

enum { F_KEY, F_NONCE, F_AD, F_PT, F_CT, F_TAG, F_COUNT };
static const char *const kat_fields[F_COUNT] = {"key", "nonce", "ad", "pt", "ct", "tag"};
_Static_assert(F_COUNT <= KAT_FIELDS_MAX, "struct kat holds KAT_FIELDS_MAX fields");

/* ---- tests ------------------------------------------------------------- */

static void test_kat(void **state)
{
    FILE *fp = kat_open("aes256gcm.kat");
    struct kat k;
    int records = 0;
    (void)state;

    assert_non_null(fp);
    while (kat_next(fp, &k, kat_fields, F_COUNT)) {
        uint8_t sealed[KAT_MAX + MNS_AEAD_OVERHEAD], want[KAT_MAX + MNS_AEAD_OVERHEAD];
        uint8_t opened[KAT_MAX + 1];
        size_t outlen = 999, wantlen;

        for (int f = 0; f < F_COUNT; f++)
            assert_true(k.have[f]);
        assert_int_equal(k.len[F_KEY], MNS_KEY_LEN);
        assert_int_equal(k.len[F_NONCE], MNS_AEAD_NONCE_LEN);
        assert_int_equal(k.len[F_CT], k.len[F_PT]);
        print_message("  %s\n", k.name);

        /* expected sealed form: nonce || ct || tag */
        memcpy(want, k.v[F_NONCE], MNS_AEAD_NONCE_LEN);
        memcpy(want + MNS_AEAD_NONCE_LEN, k.v[F_CT], k.len[F_CT]);
        memcpy(want + MNS_AEAD_NONCE_LEN + k.len[F_CT], k.v[F_TAG], MNS_AEAD_TAG_LEN);
        wantlen = k.len[F_PT] + MNS_AEAD_OVERHEAD;

        assert_int_equal(mns_aead_seal_with_nonce(sealed, k.v[F_KEY], k.v[F_NONCE],
                                                  k.len[F_AD] ? k.v[F_AD] : NULL, k.len[F_AD],
                                                  k.len[F_PT] ? k.v[F_PT] : NULL, k.len[F_PT]),
                         MNS_OK);
        assert_memory_equal(sealed, want, wantlen);

        assert_int_equal(mns_aead_open(opened, &outlen, k.v[F_KEY],
                                       k.len[F_AD] ? k.v[F_AD] : NULL, k.len[F_AD], want,
                                       wantlen),
                         MNS_OK);
        assert_int_equal(outlen, k.len[F_PT]);
        if (outlen > 0)
            assert_memory_equal(opened, k.v[F_PT], outlen);
        records++;
    }
    fclose(fp);
    assert_int_equal(records, 8);
}

static void test_roundtrip_lengths(void **state)
{
    uint8_t key[MNS_KEY_LEN], pt[100], sealed[100 + MNS_AEAD_OVERHEAD], out[100];
    const char ad[] = "tenant=1;person=42";
    (void)state;

    assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_random(pt, sizeof(pt)), MNS_OK);
    for (size_t ptlen = 0; ptlen <= sizeof(pt); ptlen += 11) {
        for (size_t adlen = 0; adlen <= sizeof(ad) - 1; adlen += sizeof(ad) - 1) {
            size_t outlen = 0;
            assert_int_equal(mns_aead_seal(sealed, key, ad, adlen, pt, ptlen), MNS_OK);
            assert_int_equal(mns_aead_open(out, &outlen, key, ad, adlen, sealed,
                                           ptlen + MNS_AEAD_OVERHEAD),
                             MNS_OK);
            assert_int_equal(outlen, ptlen);
            if (ptlen > 0) {
                assert_memory_equal(out, pt, ptlen);
                assert_memory_not_equal(sealed + MNS_AEAD_NONCE_LEN, pt, ptlen);
            }
        }
    }
}

static void test_fresh_nonce(void **state)
{
    uint8_t key[MNS_KEY_LEN] = {1}, a[8 + MNS_AEAD_OVERHEAD], b[8 + MNS_AEAD_OVERHEAD];
    (void)state;
    assert_int_equal(mns_aead_seal(a, key, NULL, 0, "12345678", 8), MNS_OK);
    assert_int_equal(mns_aead_seal(b, key, NULL, 0, "12345678", 8), MNS_OK);
    assert_memory_not_equal(a, b, MNS_AEAD_NONCE_LEN);
    assert_memory_not_equal(a, b, sizeof(a));
}

/* Open must fail with MNS_ERR_CRYPTO, a zero outlen and a wiped out. */
static void expect_refused(const uint8_t *key, const void *ad, size_t adlen, const uint8_t *in,
                           size_t inlen)
{
    uint8_t out[64];
    size_t outlen = 123;
    memset(out, 0xaa, sizeof(out));
    assert_int_equal(mns_aead_open(out, &outlen, key, ad, adlen, in, inlen), MNS_ERR_CRYPTO);
    assert_int_equal(outlen, 0);
    for (size_t i = 0; inlen >= MNS_AEAD_OVERHEAD && i < inlen - MNS_AEAD_OVERHEAD; i++)
        assert_int_equal(out[i], 0);
}

static void test_tamper(void **state)
{
    uint8_t key[MNS_KEY_LEN], wrong[MNS_KEY_LEN];
    uint8_t sealed[20 + MNS_AEAD_OVERHEAD];
    char ad[] = "person=42";
    const size_t adlen = sizeof(ad) - 1, sealed_len = sizeof(sealed);
    (void)state;

    assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_aead_seal(sealed, key, ad, adlen, "123456789018-person", 20), MNS_OK);

    /* every byte of nonce, ciphertext and tag, two different bit flips */
    for (size_t i = 0; i < sealed_len; i++) {
        for (int bit = 0; bit < 8; bit += 7) {
            sealed[i] ^= (uint8_t)(1u << bit);
            expect_refused(key, ad, adlen, sealed, sealed_len);
            sealed[i] ^= (uint8_t)(1u << bit);
        }
    }
    /* every byte of the AD; AD dropped; AD extended */
    for (size_t i = 0; i < adlen; i++) {
        ad[i] ^= 0x01;
        expect_refused(key, ad, adlen, sealed, sealed_len);
        ad[i] ^= 0x01;
    }
    expect_refused(key, NULL, 0, sealed, sealed_len);
    expect_refused(key, ad, adlen - 1, sealed, sealed_len);
    /* truncated (each shorter length) and extended input */
    for (size_t len = 0; len < sealed_len; len++)
        expect_refused(key, ad, adlen, sealed, len);
    {
        uint8_t longer[sizeof(sealed) + 1];
        memcpy(longer, sealed, sealed_len);
        longer[sealed_len] = 0;
        expect_refused(key, ad, adlen, longer, sizeof(longer));
    }
    /* wrong key */
    memcpy(wrong, key, sizeof(key));
    wrong[0] ^= 0x80;
    expect_refused(wrong, ad, adlen, sealed, sealed_len);

    /* and the untouched message still opens */
    {
        uint8_t out[20];
        size_t outlen = 0;
        assert_int_equal(mns_aead_open(out, &outlen, key, ad, adlen, sealed, sealed_len), MNS_OK);
        assert_int_equal(outlen, 20);
        assert_memory_equal(out, "123456789018-person", 20);
    }
}

static void test_empty_plaintext_tamper(void **state)
{
    uint8_t key[MNS_KEY_LEN], sealed[MNS_AEAD_OVERHEAD];
    size_t outlen = 7;
    (void)state;
    assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_aead_seal(sealed, key, "ad", 2, NULL, 0), MNS_OK);
    assert_int_equal(mns_aead_open(NULL, &outlen, key, "ad", 2, sealed, sizeof(sealed)), MNS_OK);
    assert_int_equal(outlen, 0);
    for (size_t i = 0; i < sizeof(sealed); i++) {
        sealed[i] ^= 0x40;
        expect_refused(key, "ad", 2, sealed, sizeof(sealed));
        sealed[i] ^= 0x40;
    }
    expect_refused(key, "ae", 2, sealed, sizeof(sealed));
}

static void test_bad_arguments(void **state)
{
    uint8_t key[MNS_KEY_LEN] = {0}, buf[64];
    size_t outlen;
    (void)state;
    assert_int_equal(mns_aead_seal(NULL, key, NULL, 0, "x", 1), MNS_ERR_INVALID);
    assert_int_equal(mns_aead_seal(buf, key, NULL, 3, "x", 1), MNS_ERR_INVALID);
    assert_int_equal(mns_aead_seal(buf, key, NULL, 0, NULL, 1), MNS_ERR_INVALID);
    assert_int_equal(mns_aead_open(buf, NULL, key, NULL, 0, buf, 40), MNS_ERR_INVALID);
    assert_int_equal(mns_aead_open(NULL, &outlen, key, NULL, 0, buf, 40), MNS_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kat),
        cmocka_unit_test(test_roundtrip_lengths),
        cmocka_unit_test(test_fresh_nonce),
        cmocka_unit_test(test_tamper),
        cmocka_unit_test(test_empty_plaintext_tamper),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
