/*
 * test_core_mynumber.c: My Number / Corporate Number normalisation,
 * validation and masking (lib/core/mynumber.c).
 *
 * Known-answer values were computed outside this code, with Python 3:
 *
 *   W=[6,5,4,3,2,7,6,5,4,3,2]
 *   cd=lambda p:(lambda r:0 if r<=1 else 11-r)(sum(int(c)*w for c,w in zip(p,W))%11)
 *   ccd=lambda b:9-sum(int(c)*(1 if n%2 else 2)
 *                      for n,c in enumerate(reversed(b),1))%9
 *
 * e.g. cd("12345678901") == 8, so 123456789018 is valid; ccd("000012050002")
 * == 7, matching the National Tax Agency's published number 7000012050002.
 * The sum mod 11 ("r") of each prefix is noted where it matters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mnsafe/error.h"
#include "mnsafe/mynumber.h"

/* ---- helpers ----------------------------------------------------------- */

/* The ASCII digits of an input, full-width digits converted, in order. */
static size_t input_digits(char *dst, size_t dstsize, const char *in, size_t inlen)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = 0;

    for (size_t i = 0; i < inlen && n + 1 < dstsize; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            dst[n++] = (char)s[i];
        } else if (i + 2 < inlen && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 &&
                   s[i + 2] <= 0x99) {
            dst[n++] = (char)('0' + (s[i + 2] - 0x90));
            i += 2;
        }
    }
    dst[n] = '\0';
    return n;
}

/* No run of 4 consecutive digits of the input appears in the message. */
static void assert_no_leak(const char *text, const char *in, size_t inlen)
{
    char d[512];
    size_t n = input_digits(d, sizeof(d), in, inlen);

    for (size_t i = 0; i + 4 <= n; i++) {
        char win[5];
        memcpy(win, d + i, 4);
        win[4] = '\0';
        if (strstr(text, win) != NULL)
            fail_msg("error text \"%s\" holds input digits \"%s\"", text, win);
    }
}

/* English, " / ", then something non-ASCII (the Japanese). */
static void assert_bilingual(const char *text)
{
    const char *sep = strstr(text, " / ");
    bool ja = false;

    assert_non_null(sep);
    assert_true(sep > text);
    for (const unsigned char *p = (const unsigned char *)sep + 3; *p != '\0'; p++) {
        if (*p >= 0x80)
            ja = true;
    }
    assert_true(ja);
}

static void assert_contains(const char *text, const char *needle)
{
    if (strstr(text, needle) == NULL)
        fail_msg("\"%s\" does not contain \"%s\"", text, needle);
}

static void assert_all_zero(const char *buf, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != 0)
            fail_msg("byte %zu not wiped", i);
    }
}

/* Parses a NUL-terminated input; checks the universal rules of a failure. */
static mns_err parse_str(const char *in, char out[MNS_CORPORATE_NUMBER_LEN + 1],
                         mns_number_kind *kind, mns_errmsg *em)
{
    mns_err r;

    memset(em, 0, sizeof(*em));
    memset(out, 'X', MNS_CORPORATE_NUMBER_LEN + 1);
    r = mns_number_parse(out, kind, in, strlen(in), em);
    if (r != MNS_OK) {
        assert_true(strlen(em->text) > 0);
        assert_bilingual(em->text);
        assert_no_leak(em->text, in, strlen(in));
        assert_all_zero(out, MNS_CORPORATE_NUMBER_LEN + 1);
    }
    return r;
}

/* Expects an MNS_ERR_INVALID naming character pos (English and Japanese). */
static void expect_invalid_at(const char *in, size_t pos, const char *codepoint)
{
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em;
    char en[32], ja[32];

    assert_int_equal(parse_str(in, out, &kind, &em), MNS_ERR_INVALID);
    snprintf(en, sizeof(en), "character %zu ", pos);
    snprintf(ja, sizeof(ja), "%zu文字目", pos);
    assert_contains(em.text, en);
    assert_contains(em.text, ja);
    if (codepoint != NULL)
        assert_contains(em.text, codepoint);
}

static const char *const valid_mynumbers[] = {
    "123456789018", /* 12345678901: r=3 -> 8 */
    "111111111118", /* 11111111111: r=3 -> 8 */
    "987654321093", /* 98765432109: r=8 -> 3 */
    "100000000056", /* 10000000005: r=5 -> 6 */
    "314159265352", /* 31415926535: r=9 -> 2 */
    "123456789077", /* 12345678907: r=4 -> 7 */
    "123456789050", /* 12345678905: r=0 -> 0 */
    "987654321050", /* 98765432105: r=0 -> 0 */
    "123456789000", /* 12345678900: r=1 -> 0 */
    "271828182840", /* 27182818284: r=1 -> 0 */
    "000000000000", /* r=0 -> 0 */
};

static const char *const valid_corporate[] = {
    "7000012050002", /* 国税庁 (National Tax Agency), published */
    "8000012040002", /* computed: ccd("000012040002") == 8 */
    "1000012030001", /* computed: ccd("000012030001") == 1 */
    "9234567890123", /* computed */
    "9000000000000", /* sum 0 -> 9: the check digit is never 0 */
    "9999999999999", /* sum 162, mod 9 = 0 -> 9 */
    "3180001031569", /* computed */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- check digits ------------------------------------------------------ */

static void test_check_digit_known(void **state)
{
    (void)state;
    assert_int_equal(mns_mynumber_check_digit("12345678901"), 8);
    assert_int_equal(mns_mynumber_check_digit("98765432109"), 3);
    assert_int_equal(mns_mynumber_check_digit("31415926535"), 2);
    assert_int_equal(mns_mynumber_check_digit("12345678907"), 7);
    assert_int_equal(mns_corporate_number_check_digit("000012050002"), 7);
    assert_int_equal(mns_corporate_number_check_digit("180001031569"), 3);
    assert_int_equal(mns_corporate_number_check_digit("000000000000"), 9);
    /* defensive: non-digits give -1 */
    assert_int_equal(mns_mynumber_check_digit("1234567890A"), -1);
    assert_int_equal(mns_corporate_number_check_digit("12345678901 "), -1);
}

static void test_check_digit_r0_r1(void **state)
{
    (void)state;
    /* r = 0 */
    assert_int_equal(mns_mynumber_check_digit("12345678905"), 0);
    assert_int_equal(mns_mynumber_check_digit("98765432105"), 0);
    assert_int_equal(mns_mynumber_check_digit("11111111115"), 0);
    assert_int_equal(mns_mynumber_check_digit("00000000000"), 0);
    /* r = 1 */
    assert_int_equal(mns_mynumber_check_digit("12345678900"), 0);
    assert_int_equal(mns_mynumber_check_digit("98765432100"), 0);
    assert_int_equal(mns_mynumber_check_digit("27182818284"), 0);
    assert_int_equal(mns_mynumber_check_digit("20000000000"), 0);
}

/* ---- validation -------------------------------------------------------- */

static void test_valid_mynumbers(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(valid_mynumbers); i++) {
        mns_errmsg em = {{0}};
        mns_err r = mns_mynumber_validate(valid_mynumbers[i], 12, &em);
        if (r != MNS_OK)
            fail_msg("valid number #%zu rejected: %s", i, em.text);
    }
}

static void test_valid_corporate(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(valid_corporate); i++) {
        mns_errmsg em = {{0}};
        mns_err r = mns_corporate_number_validate(valid_corporate[i], 13, &em);
        if (r != MNS_OK)
            fail_msg("valid corporate number #%zu rejected: %s", i, em.text);
    }
}

/*
 * For a number whose check digit is not 0, every single-digit substitution is
 * caught: the weights are 2..7, 11 is prime, so r changes, and check digits
 * 1..9 map back to one r each.
 */
static void test_single_digit_change_detected(void **state)
{
    static const char *const bases[] = {"123456789018", "987654321093", "314159265352",
                                        "100000000056"};
    (void)state;
    for (size_t b = 0; b < COUNT(bases); b++) {
        for (size_t pos = 0; pos < 12; pos++) {
            for (char d = '0'; d <= '9'; d++) {
                char num[13];
                mns_errmsg em = {{0}};
                if (d == bases[b][pos])
                    continue;
                memcpy(num, bases[b], 13);
                num[pos] = d;
                if (mns_mynumber_validate(num, 12, &em) != MNS_ERR_CHECK_DIGIT)
                    fail_msg("change at %zu of base %zu not detected", pos, b);
                assert_bilingual(em.text);
                assert_no_leak(em.text, num, 12);
            }
        }
    }
}

/*
 * A property of the algorithm, not a bug: check digit 0 stands for r = 0 and
 * r = 1, so some single-digit changes of such numbers go unseen.
 * 000000000000 (r=0) and 200000000000 (r = 2*6 mod 11 = 1) are both valid.
 */
static void test_check_digit_zero_collision(void **state)
{
    (void)state;
    assert_int_equal(mns_mynumber_validate("000000000000", 12, NULL), MNS_OK);
    assert_int_equal(mns_mynumber_validate("200000000000", 12, NULL), MNS_OK);
}

/* Of the ten possible check digits exactly one, the right one, passes. */
static void test_all_check_digits(void **state)
{
    (void)state;
    for (size_t i = 0; i < COUNT(valid_mynumbers); i++) {
        int ok = 0;
        for (char d = '0'; d <= '9'; d++) {
            char num[13];
            mns_errmsg em = {{0}};
            mns_err r;
            memcpy(num, valid_mynumbers[i], 13);
            num[11] = d;
            r = mns_mynumber_validate(num, 12, &em);
            if (d == valid_mynumbers[i][11]) {
                assert_int_equal(r, MNS_OK);
                ok++;
            } else {
                assert_int_equal(r, MNS_ERR_CHECK_DIGIT);
                assert_contains(em.text, "check digit");
                assert_contains(em.text, "チェックデジット");
            }
        }
        assert_int_equal(ok, 1);
    }
    for (size_t i = 0; i < COUNT(valid_corporate); i++) {
        int ok = 0;
        for (char d = '0'; d <= '9'; d++) {
            char num[14];
            mns_err r;
            memcpy(num, valid_corporate[i], 14);
            num[0] = d;
            r = mns_corporate_number_validate(num, 13, NULL);
            if (d == valid_corporate[i][0]) {
                assert_int_equal(r, MNS_OK);
                ok++;
            } else {
                assert_int_equal(r, MNS_ERR_CHECK_DIGIT);
            }
        }
        assert_int_equal(ok, 1);
    }
}

static void test_corporate_body_change_detected(void **state)
{
    char num[14];
    mns_errmsg em = {{0}};
    (void)state;
    /* 7000012050002 with its last digit 2 -> 3 (Q_1 = 1: sum changes by 1) */
    memcpy(num, "7000012050003", 14);
    assert_int_equal(mns_corporate_number_validate(num, 13, &em), MNS_ERR_CHECK_DIGIT);
    assert_bilingual(em.text);
    /* ... and its second-to-last 0 -> 1 (Q_2 = 2) */
    memcpy(num, "7000012050012", 14);
    assert_int_equal(mns_corporate_number_validate(num, 13, NULL), MNS_ERR_CHECK_DIGIT);
}

static void test_validate_length(void **state)
{
    mns_errmsg em = {{0}};
    (void)state;
    assert_int_equal(mns_mynumber_validate("12345678901", 11, &em), MNS_ERR_INVALID);
    assert_string_equal(em.text, "expected 12 digits, got 11 / 12桁ではありません（11桁）");
    assert_int_equal(mns_mynumber_validate("1234567890180", 13, &em), MNS_ERR_INVALID);
    assert_string_equal(em.text, "expected 12 digits, got 13 / 12桁ではありません（13桁）");
    assert_int_equal(mns_mynumber_validate("", 0, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_corporate_number_validate("700001205000", 12, &em), MNS_ERR_INVALID);
    assert_string_equal(em.text, "expected 13 digits, got 12 / 13桁ではありません（12桁）");
    /* the validators take normalised input only */
    assert_int_equal(mns_mynumber_validate("1234 6789018", 12, &em), MNS_ERR_INVALID);
    assert_contains(em.text, "character 5 ");
    assert_int_equal(mns_corporate_number_validate("700001205000A", 13, &em), MNS_ERR_INVALID);
    /* em may be NULL */
    assert_int_equal(mns_mynumber_validate("12345678901", 11, NULL), MNS_ERR_INVALID);
}

/* ---- normalisation and parse ----------------------------------------- */

static void test_parse_kinds(void **state)
{
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em;
    (void)state;

    assert_int_equal(parse_str("123456789018", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "123456789018");
    assert_int_equal(kind, MNS_NUMBER_MYNUMBER);

    assert_int_equal(parse_str("7000012050002", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "7000012050002");
    assert_int_equal(kind, MNS_NUMBER_CORPORATE);

    assert_int_equal(parse_str("12345678901", out, &kind, &em), MNS_ERR_INVALID);
    assert_string_equal(em.text,
                        "expected 12 or 13 digits, got 11 / 12桁または13桁ではありません（11桁）");
    assert_int_equal(parse_str("12345678901812", out, &kind, &em), MNS_ERR_INVALID);
    assert_string_equal(em.text,
                        "expected 12 or 13 digits, got 14 / 12桁または13桁ではありません（14桁）");

    /* wrong check digits, each kind */
    assert_int_equal(parse_str("123456789019", out, &kind, &em), MNS_ERR_CHECK_DIGIT);
    assert_int_equal(parse_str("6000012050002", out, &kind, &em), MNS_ERR_CHECK_DIGIT);
}

static void test_mynumber_parse(void **state)
{
    char out[MNS_MYNUMBER_LEN + 1];
    mns_errmsg em = {{0}};
    const char *corp = "7000012050002";
    (void)state;

    assert_int_equal(mns_mynumber_parse(out, "1234-5678-9018", 14, &em), MNS_OK);
    assert_string_equal(out, "123456789018");

    memset(out, 'X', sizeof(out));
    assert_int_equal(mns_mynumber_parse(out, corp, strlen(corp), &em), MNS_ERR_INVALID);
    assert_string_equal(em.text, "expected 12 digits, got 13 / 12桁ではありません（13桁）");
    assert_all_zero(out, sizeof(out));

    memset(out, 'X', sizeof(out));
    assert_int_equal(mns_mynumber_parse(out, "123456789010", 12, &em), MNS_ERR_CHECK_DIGIT);
    assert_all_zero(out, sizeof(out));
}

static void test_fullwidth(void **state)
{
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em;
    (void)state;

    assert_int_equal(parse_str("１２３４５６７８９０１８", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "123456789018");
    assert_int_equal(parse_str("１２３４5678９０１８", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "123456789018");
    assert_int_equal(parse_str("７０００ー０１２０ー５０００２", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "7000012050002");
    assert_int_equal(kind, MNS_NUMBER_CORPORATE);
    /* full-width wrong check digit */
    assert_int_equal(parse_str("１２３４５６７８９０１７", out, &kind, &em), MNS_ERR_CHECK_DIGIT);
}

static void test_each_hyphen(void **state)
{
    static const char *const hyphens[] = {"-", "‐", "−", "－", "―", "ー"};
    (void)state;
    for (size_t i = 0; i < COUNT(hyphens); i++) {
        char in[64], out[MNS_CORPORATE_NUMBER_LEN + 1];
        mns_number_kind kind = 0;
        mns_errmsg em;

        snprintf(in, sizeof(in), "1234%s5678%s9018", hyphens[i], hyphens[i]);
        if (parse_str(in, out, &kind, &em) != MNS_OK)
            fail_msg("hyphen #%zu between digits rejected: %s", i, em.text);
        assert_string_equal(out, "123456789018");

        /* leading: character 1 */
        snprintf(in, sizeof(in), "%s123456789018", hyphens[i]);
        expect_invalid_at(in, 1, NULL);
        assert_int_equal(parse_str(in, out, &kind, &em), MNS_ERR_INVALID);
        assert_contains(em.text, "hyphen");
        /* trailing: character 13 (characters, not bytes) */
        snprintf(in, sizeof(in), "123456789018%s", hyphens[i]);
        expect_invalid_at(in, 13, NULL);
        /* doubled: the first of the two has no digit after it */
        snprintf(in, sizeof(in), "1234%s%s56789018", hyphens[i], hyphens[i]);
        expect_invalid_at(in, 5, NULL);
    }
    /* the code point is named, so the user can see which dash it was */
    expect_invalid_at("123456789018ー", 13, "U+30FC");
    expect_invalid_at("１２３４５６７８９０１８－", 13, "U+FF0D");
    /* a hyphen must touch digits: spaces around it are not skipped */
    expect_invalid_at("1234 -5678 9018", 6, "U+002D");
    expect_invalid_at("1234- 5678 9018", 5, "U+002D");
    /* other dashes are not hyphens here */
    expect_invalid_at("1234–56789018", 5, "U+2013");
    expect_invalid_at("1234—56789018", 5, "U+2014");
}

static void test_spaces(void **state)
{
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em;
    (void)state;

    assert_int_equal(parse_str("1234　5678　9018", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "123456789018");
    assert_int_equal(parse_str("　 1234 5678 9018 　", out, &kind, &em), MNS_OK);
    assert_string_equal(out, "123456789018");
    /* tab, newline, NBSP are not dropped */
    expect_invalid_at("1234\t56789018", 5, "U+0009");
    expect_invalid_at("123456789018\n", 13, "U+000A");
    expect_invalid_at("1234\xc2\xa0" "56789018", 5, "U+00A0");
    /* spaces only: no digits */
    assert_int_equal(parse_str(" 　 ", out, &kind, &em), MNS_ERR_INVALID);
    assert_contains(em.text, "no digits");
}

static void test_letters(void **state)
{
    (void)state;
    expect_invalid_at("1234A5678901", 5, "U+0041");
    expect_invalid_at("12345678901O", 12, "U+004F");
    expect_invalid_at("a123456789018", 1, "U+0061");
    /* positions count characters: full-width digits are 3 bytes each */
    expect_invalid_at("１２３４Ａ５６７８９０１", 5, "U+FF21");
    expect_invalid_at("１２３４５６７８９０１８号", 13, "U+53F7");
}

/* A character that stands for a digit is rejected without its code point. */
static void test_digit_like_not_named(void **state)
{
    static const char *const inputs[] = {
        "1234五678901",   /* kanji numeral */
        "1234〇5678901", /* 〇 */
        "1234①5678901", /* circled */
        "1234\331\2455678901", /* Arabic-Indic 5 (U+0665, octal escapes) */
        "1234²5678901",
    };
    (void)state;
    for (size_t i = 0; i < COUNT(inputs); i++) {
        char out[MNS_CORPORATE_NUMBER_LEN + 1];
        mns_number_kind kind = 0;
        mns_errmsg em;
        assert_int_equal(parse_str(inputs[i], out, &kind, &em), MNS_ERR_INVALID);
        assert_contains(em.text, "character 5 ");
        if (strstr(em.text, "U+") != NULL)
            fail_msg("#%zu: code point of a digit-like character shown: %s", i, em.text);
    }
}

static void test_invalid_utf8(void **state)
{
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em;
    (void)state;

    expect_invalid_at("1234\xff" "5678901", 5, "0xFF");
    assert_int_equal(parse_str("1234\xff" "5678901", out, &kind, &em), MNS_ERR_INVALID);
    assert_contains(em.text, "UTF-8");
    expect_invalid_at("\x80" "123456789018", 1, "0x80");        /* lone continuation */
    expect_invalid_at("123456789018\xe3\x80", 13, "0xE3");      /* truncated */
    expect_invalid_at("12\xe3" "3456789018", 3, "0xE3");        /* bad continuation */
    expect_invalid_at("12\xc0\xb1" "3456789018", 3, "0xC0");    /* overlong '1' */
    expect_invalid_at("12\xe0\x80\xb1" "3456789018", 3, "0xE0"); /* overlong '1' */
    expect_invalid_at("12\xed\xa0\x80" "3456789018", 3, "0xED"); /* surrogate */
    expect_invalid_at("12\xf4\x90\x80\x80" "3456789018", 3, "0xF4"); /* > U+10FFFF */
    expect_invalid_at("１\xff", 2, "0xFF");                      /* after a 3-byte char */
}

static void test_embedded_nul(void **state)
{
    static const char in[] = "1234\0" "5678901";
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em = {{0}};
    (void)state;

    assert_int_equal(mns_number_parse(out, &kind, in, sizeof(in) - 1, &em), MNS_ERR_INVALID);
    assert_contains(em.text, "character 5 ");
    assert_contains(em.text, "U+0000");
}

static void test_input_limits(void **state)
{
    char in[MNS_NUMBER_INPUT_MAX + 2];
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind = 0;
    mns_errmsg em = {{0}};
    (void)state;

    /* exactly MNS_NUMBER_INPUT_MAX bytes: spaces then the number */
    memset(in, ' ', MNS_NUMBER_INPUT_MAX - 12);
    memcpy(in + MNS_NUMBER_INPUT_MAX - 12, "123456789018", 12);
    assert_int_equal(mns_number_parse(out, &kind, in, MNS_NUMBER_INPUT_MAX, &em), MNS_OK);
    assert_string_equal(out, "123456789018");

    /* one byte more */
    memset(in, ' ', MNS_NUMBER_INPUT_MAX + 1 - 12);
    memcpy(in + MNS_NUMBER_INPUT_MAX + 1 - 12, "123456789018", 12);
    memset(out, 'X', sizeof(out));
    assert_int_equal(mns_number_parse(out, &kind, in, MNS_NUMBER_INPUT_MAX + 1, &em),
                     MNS_ERR_LIMIT);
    assert_bilingual(em.text);
    assert_all_zero(out, sizeof(out));

    /* a long run of digits: the count is reported, the digits are not */
    memset(in, '7', MNS_NUMBER_INPUT_MAX);
    in[MNS_NUMBER_INPUT_MAX] = '\0';
    assert_int_equal(parse_str(in, out, &kind, &em), MNS_ERR_INVALID);
    assert_contains(em.text, "got 256");

    /* empty */
    assert_int_equal(mns_number_parse(out, &kind, "", 0, &em), MNS_ERR_INVALID);
    assert_contains(em.text, "empty");
    assert_bilingual(em.text);
}

static void test_normalize(void **state)
{
    char out[64];
    size_t n = 99;
    mns_errmsg em = {{0}};
    const char *in = "１２３４-5678　9018";
    (void)state;

    assert_int_equal(mns_number_normalize(out, sizeof(out), &n, in, strlen(in), &em), MNS_OK);
    assert_int_equal(n, 12);
    assert_string_equal(out, "123456789018");

    /* any length of digits: normalisation does not validate */
    assert_int_equal(mns_number_normalize(out, sizeof(out), &n, "1-2", 3, &em), MNS_OK);
    assert_int_equal(n, 2);
    assert_string_equal(out, "12");

    /* failure after some digits were written: the buffer is wiped */
    memset(out, 'X', sizeof(out));
    n = 99;
    assert_int_equal(mns_number_normalize(out, sizeof(out), &n, "1234567A", 8, &em),
                     MNS_ERR_INVALID);
    assert_all_zero(out, sizeof(out));
    assert_int_equal(n, 0);

    /* output buffer too small: an error, never a truncated number */
    memset(out, 'X', sizeof(out));
    assert_int_equal(mns_number_normalize(out, 5, &n, "123456", 6, &em), MNS_ERR_LIMIT);
    assert_all_zero(out, 5);
    assert_int_equal(out[5], 'X');
    /* no room left for the NUL */
    memset(out, 'X', sizeof(out));
    assert_int_equal(mns_number_normalize(out, 6, &n, "123456", 6, &em), MNS_ERR_LIMIT);
    assert_all_zero(out, 6);
    assert_int_equal(out[6], 'X');
    /* exactly fits */
    assert_int_equal(mns_number_normalize(out, 7, &n, "123456", 6, &em), MNS_OK);
    assert_string_equal(out, "123456");

    /* outlen and em may be NULL */
    assert_int_equal(mns_number_normalize(out, sizeof(out), NULL, "12", 2, NULL), MNS_OK);
    assert_int_equal(mns_number_normalize(out, sizeof(out), NULL, "x", 1, NULL), MNS_ERR_INVALID);
}

/* Over a spread of bad inputs, no message repeats four digits of the input. */
static void test_messages_never_leak(void **state)
{
    static const char *const bad[] = {
        "123456789019",           /* wrong check digit */
        "987654321094",
        "6000012050002",          /* corporate, wrong check digit */
        "12345678901",            /* 11 digits */
        "98765432109312",         /* 14 digits */
        "1234A5678901",
        "98765x4321093",
        "9876-5432--1093",
        "98765432109-",
        "-98765432109",
        "9876 -5432 1093",
        "98765\3774321093", /* 0xFF */
        "９８７６５４３２１０９４",  /* full-width, wrong check digit */
        "９８７６５４３２Ｘ０９３",
        "98765四321093",
    };
    (void)state;
    for (size_t i = 0; i < COUNT(bad); i++) {
        char out[MNS_CORPORATE_NUMBER_LEN + 1];
        mns_number_kind kind = 0;
        mns_errmsg em;
        char mout[MNS_MYNUMBER_LEN + 1];
        mns_errmsg em2 = {{0}};

        if (parse_str(bad[i], out, &kind, &em) == MNS_OK)
            fail_msg("bad input #%zu accepted", i);
        /* parse_str checked the text; the My-Number-only parse as well: */
        assert_int_not_equal(mns_mynumber_parse(mout, bad[i], strlen(bad[i]), &em2), MNS_OK);
        assert_no_leak(em2.text, bad[i], strlen(bad[i]));
        assert_bilingual(em2.text);
    }
}

/* ---- masking ----------------------------------------------------------- */

static void test_mask(void **state)
{
    char out[20];
    (void)state;

    memset(out, '#', sizeof(out));
    mns_number_mask(out, "123456789018", 12, false);
    assert_string_equal(out, "************");
    assert_int_equal(out[13], '#'); /* nothing written past len + 1 */

    memset(out, '#', sizeof(out));
    mns_number_mask(out, "123456789018", 12, true);
    assert_string_equal(out, "********9018");
    assert_int_equal(out[13], '#');

    mns_number_mask(out, "7000012050002", 13, true);
    assert_string_equal(out, "*********0002");
    mns_number_mask(out, "7000012050002", 13, false);
    assert_string_equal(out, "*************");

    /* four or fewer: masked whole even with show_last4 */
    mns_number_mask(out, "1234", 4, true);
    assert_string_equal(out, "****");
    mns_number_mask(out, "", 0, true);
    assert_string_equal(out, "");
}

static bool contains(const char *s)
{
    return mns_text_contains_mynumber(s, strlen(s));
}

/* Free text is refused when it carries a valid My Number in any typed form. */
static void test_text_contains_mynumber(void **state)
{
    (void)state;
    /* 123456789018 is valid (see the vectors above); 123456789019 is not */
    assert_true(contains("123456789018"));
    assert_true(contains("reason: 123456789018 retired"));
    assert_true(contains("1234-5678-9018"));
    assert_true(contains("1234 5678 9018"));
    assert_true(contains("１２３４５６７８９０１８"));
    assert_true(contains("山田123456789018様"));
    assert_false(contains("123456789019"));         /* wrong check digit */
    assert_false(contains("1234567890180"));        /* 13 digits: a Corporate Number length */
    assert_false(contains("12345678901"));          /* 11 digits */
    assert_false(contains("1234--5678-9018"));      /* two hyphens break the run */
    /* found by fuzzing: normalize drops any number of spaces, so must this */
    assert_true(contains("1234  5678 9018"));
    assert_true(contains("1234 \u3000" "5678 9018"));
    assert_true(contains("name 1234  5678   9018"));
    assert_true(contains("1234 - 5678 - 9018"));
    assert_false(contains("Yamada Taro, employee E-1024"));
    assert_false(contains(""));
    /* invalid UTF-8 around a number neither hides it nor crashes */
    assert_true(contains("\xff" "123456789018" "\xfe"));
}

/* Digits of scripts we do not list (Tamil five, U+0BEB) are not named by
 * code point: that would reveal the digit. */
static void test_other_script_digit_not_named(void **state)
{
    (void)state;
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind;
    mns_errmsg em = {""};
    assert_int_equal(mns_number_parse(out, &kind, "12345678901\u0BEB", strlen("12345678901\u0BEB"), &em),
                     MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "character 12"));
    assert_null(strstr(em.text, "0BEB"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_digit_known),
        cmocka_unit_test(test_check_digit_r0_r1),
        cmocka_unit_test(test_valid_mynumbers),
        cmocka_unit_test(test_valid_corporate),
        cmocka_unit_test(test_single_digit_change_detected),
        cmocka_unit_test(test_check_digit_zero_collision),
        cmocka_unit_test(test_all_check_digits),
        cmocka_unit_test(test_corporate_body_change_detected),
        cmocka_unit_test(test_validate_length),
        cmocka_unit_test(test_parse_kinds),
        cmocka_unit_test(test_mynumber_parse),
        cmocka_unit_test(test_fullwidth),
        cmocka_unit_test(test_each_hyphen),
        cmocka_unit_test(test_spaces),
        cmocka_unit_test(test_letters),
        cmocka_unit_test(test_digit_like_not_named),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_embedded_nul),
        cmocka_unit_test(test_input_limits),
        cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_messages_never_leak),
        cmocka_unit_test(test_mask),
        cmocka_unit_test(test_text_contains_mynumber),
        cmocka_unit_test(test_other_script_digit_not_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
