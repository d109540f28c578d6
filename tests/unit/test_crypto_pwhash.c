/* test_crypto_pwhash.c: Argon2id password hashes (m=19 MiB, t=2, p=1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

static const char params[] = "$argon2id$v=19$m=19456,t=2,p=1$";

static void test_roundtrip(void **state)
{
    char h[MNS_PWHASH_STR_MAX];
    const char *pw = "correct horse battery staple";
    (void)state;

    assert_int_equal(mns_pwhash(h, pw, strlen(pw)), MNS_OK);
    assert_true(strncmp(h, params, strlen(params)) == 0);
    assert_true(strlen(h) < MNS_PWHASH_STR_MAX);
    assert_null(strstr(h, pw));
    assert_int_equal(mns_pwhash_verify(h, pw, strlen(pw)), MNS_OK);
}

static void test_wrong_password(void **state)
{
    char h[MNS_PWHASH_STR_MAX];
    const char *pw = "パスワード123";
    (void)state;

    assert_int_equal(mns_pwhash(h, pw, strlen(pw)), MNS_OK);
    assert_int_equal(mns_pwhash_verify(h, pw, strlen(pw)), MNS_OK);
    assert_int_equal(mns_pwhash_verify(h, "パスワード124", strlen(pw)), MNS_ERR_AUTH);
    assert_int_equal(mns_pwhash_verify(h, pw, strlen(pw) - 1), MNS_ERR_AUTH);
    assert_int_equal(mns_pwhash_verify(h, "", 0), MNS_ERR_AUTH);
    /* an altered hash is one more failure of the same kind */
    h[strlen(h) - 2] = h[strlen(h) - 2] == 'A' ? 'B' : 'A';
    assert_int_equal(mns_pwhash_verify(h, pw, strlen(pw)), MNS_ERR_AUTH);
}

static void test_salted_and_embedded_nul(void **state)
{
    char a[MNS_PWHASH_STR_MAX], b[MNS_PWHASH_STR_MAX];
    const char pw[] = "ab\0cd";
    (void)state;

    assert_int_equal(mns_pwhash(a, pw, 5), MNS_OK);
    assert_int_equal(mns_pwhash(b, pw, 5), MNS_OK);
    assert_string_not_equal(a, b); /* fresh salt each time */
    assert_int_equal(mns_pwhash_verify(a, pw, 5), MNS_OK);
    assert_int_equal(mns_pwhash_verify(b, pw, 5), MNS_OK);
    assert_int_equal(mns_pwhash_verify(a, "ab", 2), MNS_ERR_AUTH); /* length counts, not NUL */
}

static void test_empty_password_and_bad_input(void **state)
{
    char h[MNS_PWHASH_STR_MAX], unterminated[MNS_PWHASH_STR_MAX];
    (void)state;

    assert_int_equal(mns_pwhash(h, NULL, 0), MNS_OK);
    assert_int_equal(mns_pwhash_verify(h, "", 0), MNS_OK);
    assert_int_equal(mns_pwhash_verify(h, "x", 1), MNS_ERR_AUTH);
    assert_int_equal(mns_pwhash_verify("not a hash", "x", 1), MNS_ERR_AUTH);
    memset(unterminated, 'a', sizeof(unterminated));
    assert_int_equal(mns_pwhash_verify(unterminated, "x", 1), MNS_ERR_INVALID);
    assert_int_equal(mns_pwhash_verify(NULL, "x", 1), MNS_ERR_INVALID);
    assert_int_equal(mns_pwhash(h, NULL, 3), MNS_ERR_INVALID);
}

/* Generated passwords: 20 characters of the look-alike-free alphabet, each
 * symbol about equally often. */
static void test_password_generate(void **state)
{
    (void)state;
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    unsigned counts[56] = {0};
    char prev[MNS_PASSWORD_GEN_LEN + 1] = "";
    for (int k = 0; k < 1000; k++) {
        char pw[MNS_PASSWORD_GEN_LEN + 1];
        assert_int_equal(mns_password_generate(pw), MNS_OK);
        assert_int_equal(strlen(pw), MNS_PASSWORD_GEN_LEN);
        assert_string_not_equal(pw, prev);
        for (size_t i = 0; i < MNS_PASSWORD_GEN_LEN; i++) {
            const char *at = strchr(alphabet, pw[i]);
            assert_non_null(at);
            counts[at - alphabet]++;
        }
        memcpy(prev, pw, sizeof(prev));
    }
    /* 20000 draws over 56 symbols: ~357 each */
    double first = 0, rest = 0;
    for (size_t i = 0; i < 56; i++) {
        assert_in_range(counts[i], 260, 460);
        if (i < 32)
            first += counts[i];
        else
            rest += counts[i];
    }
    /* byte % 56 would give the first 32 symbols 5/256 and the others 4/256:
     * a 25% gap between the two groups' means; unbiased they agree within ~5% */
    double ratio = (first / 32) / (rest / 24);
    assert_true(ratio > 0.95 && ratio < 1.05);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_password_generate),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_salted_and_embedded_nul),
        cmocka_unit_test(test_empty_password_and_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
