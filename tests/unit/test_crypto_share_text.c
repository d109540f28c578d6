/* test_crypto_share_text.c: share text format and parse; every typo is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

/* k=3, set id 5f2a91c0, x=2, y = 00 01 .. 1f. The checksum was computed
 * independently:
 *   printf '%s' mns1-3-5f2a91c0-02-000102...1e1f | sha256sum | cut -c1-8  -> b4a149b1 */
static const char kat_text[] =
    "mns1-3-5f2a91c0-02-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1";

static struct mns_share kat_share(void)
{
    struct mns_share s = {.threshold = 3, .set_id = 0x5f2a91c0, .x = 2};
    for (int i = 0; i < MNS_KEY_LEN; i++)
        s.y[i] = (uint8_t)i;
    return s;
}

static void assert_same_share(const struct mns_share *a, const struct mns_share *b)
{
    assert_int_equal(a->threshold, b->threshold);
    assert_int_equal(a->set_id, b->set_id);
    assert_int_equal(a->x, b->x);
    assert_memory_equal(a->y, b->y, MNS_KEY_LEN);
}

static void test_format_kat(void **state)
{
    struct mns_share s = kat_share(), p;
    char text[MNS_SHARE_TEXT_MAX];
    (void)state;
    mns_share_format(text, &s);
    assert_string_equal(text, kat_text);
    assert_int_equal(mns_share_parse(&p, kat_text, NULL), MNS_OK);
    assert_same_share(&p, &s);
}

static void test_roundtrip(void **state)
{
    uint8_t secret[MNS_KEY_LEN];
    static struct mns_share sh[MNS_SHARES_MAX];
    const unsigned ks[] = {2, 3, 10, 100, 255};
    (void)state;

    assert_int_equal(mns_random(secret, sizeof(secret)), MNS_OK);
    for (size_t t = 0; t < sizeof(ks) / sizeof(ks[0]); t++) {
        assert_int_equal(mns_shamir_split(sh, 255, ks[t], secret), MNS_OK);
        for (unsigned i = 0; i < 255; i += 17) {
            char text[MNS_SHARE_TEXT_MAX];
            struct mns_share p;
            mns_share_format(text, &sh[i]);
            assert_true(strncmp(text, "mns1-", 5) == 0);
            for (const char *c = text; *c; c++)
                assert_true((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || *c == '-');
            assert_int_equal(mns_share_parse(&p, text, NULL), MNS_OK);
            assert_same_share(&p, &sh[i]);
        }
    }
    mns_wipe(sh, sizeof(sh));
}

static void expect_ok(const char *text)
{
    struct mns_share p, want = kat_share();
    mns_errmsg em = {{0}};
    mns_err r = mns_share_parse(&p, text, &em);
    if (r != MNS_OK)
        print_error("rejected \"%s\": %s\n", text, em.text);
    assert_int_equal(r, MNS_OK);
    assert_same_share(&p, &want);
}

static void test_tolerant_input(void **state)
{
    (void)state;
    expect_ok("  \t" "mns1-3-5f2a91c0-02-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1" "\r\n");
    expect_ok("MNS1-3-5F2A91C0-02-000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F-B4A149B1");
    expect_ok("mns1 - 3 - 5f2a 91c0 - 02 - 0001 0203 0405 0607 0809 0a0b 0c0d 0e0f "
              "1011 1213 1415 1617 1819 1a1b 1c1d 1e1f - b4a1 49b1");
    expect_ok("mns1-3-5f2a-91c0-02-0001-0203-0405-0607-0809-0a0b-0c0d-0e0f-"
              "1011-1213-1415-1617-1819-1a1b-1c1d-1e1f-b4a1-49b1");
    expect_ok("mns13 5f2a91c0 02\n000102030405060708090a0b0c0d0e0f\n101112131415161718191a1b1c1d1e1f\nb4a149b1");
    /* ideographic space U+3000 from a Japanese input method */
    expect_ok("\xe3\x80\x80mns1-3-5f2a91c0-02-\xe3\x80\x80"
              "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1\xe3\x80\x80");
    /* typed in full-width mode, and ー (kana-mode '-') as separators */
    expect_ok("ｍｎｓ１－３－５ｆ２ａ９１ｃ０－０２－"
              "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f－Ｂ４Ａ１４９Ｂ１");
    expect_ok("mns1ー3ー5f2a91c0ー02ー"
              "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1fーb4a149b1");
}

/* Parse must refuse, and the message must not give away the y field. */
static void expect_bad(const char *text, const char *needle)
{
    struct mns_share p;
    mns_errmsg em = {{0}};
    mns_err r = mns_share_parse(&p, text, &em);
    if (r != MNS_ERR_BAD_SHARE)
        print_error("accepted \"%s\"\n", text);
    assert_int_equal(r, MNS_ERR_BAD_SHARE);
    assert_true(em.text[0] != '\0');
    if (needle != NULL && strstr(em.text, needle) == NULL)
        print_error("\"%s\": message \"%s\" lacks \"%s\"\n", text, em.text, needle);
    if (needle != NULL)
        assert_non_null(strstr(em.text, needle));
    assert_null(strstr(em.text, "0a0b0c0d"));
    assert_null(strstr(em.text, "1a1b1c1d"));
    assert_int_equal(p.threshold, 0); /* nothing half-parsed is left */
    assert_int_equal(p.y[1], 0);
}

static void test_every_substitution_is_caught(void **state)
{
    static const char alphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz-_.=+/:";
    char text[sizeof(kat_text)];
    unsigned checked = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(kat_text) - 1; i++) {
        for (const char *c = alphabet; *c; c++) {
            if (*c == kat_text[i])
                continue;
            memcpy(text, kat_text, sizeof(kat_text));
            text[i] = *c;
            expect_bad(text, NULL);
            checked++;
        }
    }
    assert_true(checked > 90 * 40);
}

static void test_every_deletion_and_insertion_is_caught(void **state)
{
    char text[sizeof(kat_text) + 1];
    (void)state;

    for (size_t i = 0; i < sizeof(kat_text) - 1; i++) {
        if (kat_text[i] == '-')
            continue; /* hyphens are optional */
        memcpy(text, kat_text, i);
        memcpy(text + i, kat_text + i + 1, sizeof(kat_text) - i - 1);
        expect_bad(text, NULL);
    }
    for (size_t i = 0; i <= sizeof(kat_text) - 1; i++) {
        for (const char *c = "07af"; *c; c++) {
            memcpy(text, kat_text, i);
            text[i] = *c;
            memcpy(text + i + 1, kat_text + i, sizeof(kat_text) - i);
            expect_bad(text, NULL);
        }
    }
}

static void test_every_transposition_is_caught(void **state)
{
    char text[sizeof(kat_text)];
    (void)state;
    for (size_t i = 0; i + 2 < sizeof(kat_text); i++) {
        if (kat_text[i] == kat_text[i + 1] || kat_text[i] == '-' || kat_text[i + 1] == '-')
            continue;
        memcpy(text, kat_text, sizeof(kat_text));
        text[i] = kat_text[i + 1];
        text[i + 1] = kat_text[i];
        expect_bad(text, NULL);
    }
}

static void test_messages(void **state)
{
    struct mns_share s = kat_share();
    char text[MNS_SHARE_TEXT_MAX], spaces[2000];
    (void)state;

    /* a typo in y: the checksum catches it */
    memcpy(text, kat_text, sizeof(kat_text));
    text[40] = text[40] == '7' ? '8' : '7';
    expect_bad(text, "share checksum does not match: mistyped?");
    expect_bad(text, "チェックサム不一致：入力ミスの可能性があります");

    expect_bad("", "not an mnsafe share");
    expect_bad("hello", "not an mnsafe share");
    expect_bad("mns2-3-5f2a91c0-02-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1",
               "version");
    expect_bad("mns1-3-5f2a91c0-02-0001020304050607", "too short");
    expect_bad("mns1-3-5f2a91c0-02-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f1e1f-b4a149b1",
               "too long");
    /* position of the bad character, counted from 1 */
    expect_bad("mns1-3-5f2a91c0-02-0001g2030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1",
               "position 24");
    expect_bad("mns1-3-5f2a91c0-02-0001é030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1",
               "position 24");
    /* a full-width character that means nothing here; a lone UTF-8 lead byte */
    expect_bad("mns1-3-5f2a91c0-02-0001＃2030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1",
               "position 24");
    expect_bad("mns1-3-5f2a91c0-02-\xef", "position 20");
    expect_bad("mns1-3-5f2a91c0-02-\xef\xbc", "position 20");
    expect_bad("mns1-03-5f2a91c0-02-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1",
               "threshold");
    expect_bad("mns1-x-5f2a91c0-02-000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f-b4a149b1",
               "threshold");

    /* well-formed with a valid checksum, but values no split makes */
    s.threshold = 1;
    mns_share_format(text, &s);
    expect_bad(text, "threshold must be between 2 and 255");
    s = kat_share();
    s.x = 0;
    mns_share_format(text, &s);
    expect_bad(text, "00 is not valid");
    s = kat_share();
    s.set_id = 0;
    mns_share_format(text, &s);
    expect_bad(text, "set id");

    /* bounded input */
    memset(spaces, ' ', sizeof(spaces) - 1);
    spaces[sizeof(spaces) - 1] = '\0';
    expect_bad(spaces, "too long");
}

static void test_null_arguments(void **state)
{
    struct mns_share p;
    char text[MNS_SHARE_TEXT_MAX];
    (void)state;
    assert_int_equal(mns_share_parse(NULL, kat_text, NULL), MNS_ERR_INVALID);
    assert_int_equal(mns_share_parse(&p, NULL, NULL), MNS_ERR_INVALID);
    text[0] = 'x';
    mns_share_format(text, NULL);
    assert_int_equal(text[0], '\0');
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_kat),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_tolerant_input),
        cmocka_unit_test(test_every_substitution_is_caught),
        cmocka_unit_test(test_every_deletion_and_insertion_is_caught),
        cmocka_unit_test(test_every_transposition_is_caught),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
