/* test_crypto_shamir.c: split and combine, and the errors that name a share. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

static void test_split_shape(void **state)
{
    uint8_t secret[MNS_KEY_LEN];
    struct mns_share sh[5];
    (void)state;
    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    assert_int_equal(mns_shamir_split(sh, 5, 3, secret), MNS_OK);
    assert_int_not_equal(sh[0].set_id, 0);
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(sh[i].threshold, 3);
        assert_int_equal(sh[i].x, i + 1);
        assert_int_equal(sh[i].set_id, sh[0].set_id);
        assert_memory_not_equal(sh[i].y, secret, MNS_KEY_LEN);
    }
    mns_wipe(sh, sizeof(sh));
}

/* Every subset of {0..4} of size >= 3 recombines, in both orders. */
static void test_every_subset_recombines(void **state)
{
    uint8_t secret[MNS_KEY_LEN], got[MNS_KEY_LEN];
    struct mns_share sh[5], pick[5];
    unsigned tried = 0;
    (void)state;

    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    assert_int_equal(mns_shamir_split(sh, 5, 3, secret), MNS_OK);
    for (unsigned mask = 0; mask < 32; mask++) {
        size_t count = 0;
        for (unsigned i = 0; i < 5; i++)
            if (mask & (1u << i))
                pick[count++] = sh[i];
        if (count < 3)
            continue;
        memset(got, 0, sizeof(got));
        assert_int_equal(mns_shamir_combine(got, pick, count, NULL), MNS_OK);
        assert_memory_equal(got, secret, sizeof(secret));
        for (size_t i = 0; i < count / 2; i++) { /* reversed order */
            struct mns_share t = pick[i];
            pick[i] = pick[count - 1 - i];
            pick[count - 1 - i] = t;
        }
        memset(got, 0, sizeof(got));
        assert_int_equal(mns_shamir_combine(got, pick, count, NULL), MNS_OK);
        assert_memory_equal(got, secret, sizeof(secret));
        tried++;
    }
    assert_int_equal(tried, 10 + 5 + 1); /* C(5,3) + C(5,4) + C(5,5) */
}

static void test_too_few_shares(void **state)
{
    uint8_t secret[MNS_KEY_LEN], got[MNS_KEY_LEN];
    struct mns_share sh[5], two[2];
    mns_errmsg em = {{0}};
    (void)state;

    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    assert_int_equal(mns_shamir_split(sh, 5, 3, secret), MNS_OK);
    two[0] = sh[1];
    two[1] = sh[4];
    assert_int_equal(mns_shamir_combine(got, two, 2, &em), MNS_ERR_BAD_SHARE);
    assert_non_null(strstr(em.text, "2 shares given, 3 needed"));
    assert_non_null(strstr(em.text, "（2/3）"));

    /* Lie about the threshold: two points still make a line, but not the
     * secret's polynomial. */
    two[0].threshold = two[1].threshold = 2;
    assert_int_equal(mns_shamir_combine(got, two, 2, NULL), MNS_OK);
    assert_memory_not_equal(got, secret, sizeof(secret));

    assert_int_equal(mns_shamir_combine(got, sh, 0, &em), MNS_ERR_BAD_SHARE);
}

static void test_foreign_share(void **state)
{
    uint8_t secret[MNS_KEY_LEN], got[MNS_KEY_LEN];
    struct mns_share a[3], b[3], mix[3];
    mns_errmsg em = {{0}};
    (void)state;

    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    assert_int_equal(mns_shamir_split(a, 3, 3, secret), MNS_OK);
    do /* same secret, another init: another set id */
        assert_int_equal(mns_shamir_split(b, 3, 3, secret), MNS_OK);
    while (b[0].set_id == a[0].set_id);

    mix[0] = a[0];
    mix[1] = b[1];
    mix[2] = a[2];
    assert_int_equal(mns_shamir_combine(got, mix, 3, &em), MNS_ERR_BAD_SHARE);
    assert_non_null(strstr(em.text, "share 2 belongs to another set"));
    assert_non_null(strstr(em.text, "シェア2は別の初期化のものです"));

    mix[1] = a[1];
    mix[2] = b[2];
    assert_int_equal(mns_shamir_combine(got, mix, 3, &em), MNS_ERR_BAD_SHARE);
    assert_non_null(strstr(em.text, "share 3 belongs to another set"));
}

static void test_repeated_and_bad_x(void **state)
{
    uint8_t secret[MNS_KEY_LEN] = {42}, got[MNS_KEY_LEN];
    struct mns_share sh[4], pick[3];
    mns_errmsg em = {{0}};
    (void)state;

    assert_int_equal(mns_shamir_split(sh, 4, 3, secret), MNS_OK);
    pick[0] = sh[0];
    pick[1] = sh[1];
    pick[2] = sh[0];
    assert_int_equal(mns_shamir_combine(got, pick, 3, &em), MNS_ERR_BAD_SHARE);
    assert_non_null(strstr(em.text, "share 3 repeats share 1"));

    pick[2] = sh[2];
    pick[1].x = 0;
    assert_int_equal(mns_shamir_combine(got, pick, 3, &em), MNS_ERR_BAD_SHARE);
    assert_non_null(strstr(em.text, "share 2"));

    pick[1] = sh[1];
    pick[2].threshold = 4;
    assert_int_equal(mns_shamir_combine(got, pick, 3, &em), MNS_ERR_BAD_SHARE);
    assert_non_null(strstr(em.text, "share 3"));
}

static void test_altered_share_changes_secret(void **state)
{
    uint8_t secret[MNS_KEY_LEN], got[MNS_KEY_LEN];
    struct mns_share sh[3];
    (void)state;
    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    assert_int_equal(mns_shamir_split(sh, 3, 3, secret), MNS_OK);
    sh[1].y[7] ^= 1;
    assert_int_equal(mns_shamir_combine(got, sh, 3, NULL), MNS_OK);
    assert_memory_not_equal(got, secret, sizeof(secret));
    assert_int_equal(got[0], secret[0]); /* bytes are independent */
    assert_int_not_equal(got[7], secret[7]);
}

/* Interoperability: shares of f(x) = s + 0x80 x, worked out by hand in the AES
 * field: f(1) = s ^ 0x80, f(2) = s ^ (0x80 * 2) = s ^ 0x1b (x^8 = x^4+x^3+x+1).
 * Another field (e.g. 0x11d) would still round-trip its own shares but not
 * recombine these. */
static void test_combine_kat(void **state)
{
    struct mns_share sh[2] = {{.threshold = 2, .set_id = 7, .x = 1},
                              {.threshold = 2, .set_id = 7, .x = 2}};
    uint8_t secret[MNS_KEY_LEN], got[MNS_KEY_LEN];
    (void)state;
    for (int i = 0; i < MNS_KEY_LEN; i++) {
        secret[i] = (uint8_t)(i * 9 + 1);
        sh[0].y[i] = (uint8_t)(secret[i] ^ 0x80);
        sh[1].y[i] = (uint8_t)(secret[i] ^ 0x1b);
    }
    assert_int_equal(mns_shamir_combine(got, sh, 2, NULL), MNS_OK);
    assert_memory_equal(got, secret, sizeof(secret));
}

static void test_limits(void **state)
{
    uint8_t secret[MNS_KEY_LEN], got[MNS_KEY_LEN];
    static struct mns_share sh[MNS_SHARES_MAX];
    (void)state;

    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    assert_int_equal(mns_shamir_split(sh, 5, 1, secret), MNS_ERR_INVALID);
    assert_int_equal(mns_shamir_split(sh, 5, 0, secret), MNS_ERR_INVALID);
    assert_int_equal(mns_shamir_split(sh, 3, 4, secret), MNS_ERR_INVALID);
    assert_int_equal(mns_shamir_split(sh, 256, 3, secret), MNS_ERR_INVALID);
    assert_int_equal(mns_shamir_split(NULL, 5, 3, secret), MNS_ERR_INVALID);

    assert_int_equal(mns_shamir_split(sh, 2, 2, secret), MNS_OK);
    assert_int_equal(mns_shamir_combine(got, sh, 2, NULL), MNS_OK);
    assert_memory_equal(got, secret, sizeof(secret));

    assert_int_equal(mns_shamir_split(sh, 255, 255, secret), MNS_OK);
    assert_int_equal(sh[254].x, 255);
    assert_int_equal(mns_shamir_combine(got, sh, 255, NULL), MNS_OK);
    assert_memory_equal(got, secret, sizeof(secret));
    assert_int_equal(mns_shamir_combine(got, sh, 254, NULL), MNS_ERR_BAD_SHARE);
    mns_wipe(sh, sizeof(sh));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_shape),
        cmocka_unit_test(test_every_subset_recombines),
        cmocka_unit_test(test_too_few_shares),
        cmocka_unit_test(test_foreign_share),
        cmocka_unit_test(test_repeated_and_bad_x),
        cmocka_unit_test(test_altered_share_changes_secret),
        cmocka_unit_test(test_combine_kat),
        cmocka_unit_test(test_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
