/*
 * fuzz_core_mynumber.c: libFuzzer harness for the number parsers of
 * include/mnsafe/mynumber.h: mns_number_normalize, mns_number_parse,
 * mns_mynumber_parse and mns_text_contains_mynumber.
 *
 * Besides memory safety (ASan, UBSan), each input is checked against the
 * contracts in mynumber.h; a broken one aborts with a line on stderr naming it:
 *  - normalize: on success the output is NUL-terminated ASCII digits, *outlen
 *    long, equal to the digits an independent scan finds in the input; on
 *    failure the whole output buffer is wiped;
 *  - parse: on success 12 digits that pass mns_mynumber_validate (kind My
 *    Number) or 13 that pass mns_corporate_number_validate (kind Corporate
 *    Number); mns_mynumber_parse agrees with it;
 *  - error text never repeats the input's digits: it holds no run of 4 ASCII
 *    digits that occurs in the input's normalised digits ("U+XXXX" code
 *    points are left out of that check: they name a rejected non-digit
 *    character, e.g. U+2010 for a misplaced hyphen, and could otherwise match
 *    by chance); and, stronger, the result and error text do not change when
 *    every digit of the input is replaced by another digit (only the check
 *    digit outcome of parse may change);
 *  - text that mns_mynumber_parse accepts as a My Number is reported by
 *    mns_text_contains_mynumber, also with non-digit text around it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/error.h"
#include "mnsafe/mynumber.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Room for every accepted input (at most MNS_NUMBER_INPUT_MAX digits). */
#define DIGITS_MAX (MNS_NUMBER_INPUT_MAX + 1)

static void fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "INVARIANT BROKEN: %s\ntext passed to the parsers (%zu bytes):", what, size);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "\n");
    abort();
}

/* Full-width digit U+FF10..U+FF19 is EF BC 90..99 in UTF-8. */
static bool fullwidth_digit_at(const uint8_t *s, size_t size, size_t i)
{
    return i + 2 < size && s[i] == 0xEF && s[i + 1] == 0xBC && s[i + 2] >= 0x90 &&
           s[i + 2] <= 0x99;
}

/* The ASCII and full-width digits of the input, in order, as ASCII. This is
 * independent of the library's UTF-8 decoder and may find more digits than it
 * in malformed input, which only makes the leak check stricter. */
static size_t reference_digits(char *out, size_t outsize, const uint8_t *s, size_t size)
{
    size_t n = 0;

    for (size_t i = 0; i < size && n + 1 < outsize; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            out[n++] = (char)s[i];
        } else if (fullwidth_digit_at(s, size, i)) {
            out[n++] = (char)('0' + (s[i + 2] - 0x90));
            i += 2;
        }
    }
    out[n] = '\0';
    return n;
}

/* A copy of the input with every ASCII and full-width digit d replaced by
 * (d + shift) % 10, the rest unchanged. Caller frees. */
static uint8_t *shift_digits(const uint8_t *s, size_t size, unsigned shift)
{
    uint8_t *t = malloc(size > 0 ? size : 1);

    if (t == NULL)
        return NULL;
    if (size > 0)
        memcpy(t, s, size);
    for (size_t i = 0; i < size; i++) {
        if (t[i] >= '0' && t[i] <= '9') {
            t[i] = (uint8_t)('0' + (t[i] - '0' + shift) % 10);
        } else if (fullwidth_digit_at(t, size, i)) {
            t[i + 2] = (uint8_t)(0x90 + (t[i + 2] - 0x90 + shift) % 10);
            i += 2;
        }
    }
    return t;
}

static bool is_hex_upper(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* No run of 4 ASCII digits in the error text that occurs in digits. */
static void check_no_digits_leak(const char *text, const char *digits, const uint8_t *data,
                                 size_t size)
{
    size_t len = strnlen(text, MNS_ERRMSG_MAX);

    if (len == MNS_ERRMSG_MAX)
        fail("error text is not NUL-terminated", data, size);
    for (size_t i = 0; i + 4 <= len; i++) {
        char quad[5];

        /* Skip "U+" followed by hex: a code point, checked by the shift test. */
        if (i >= 2 && text[i - 2] == 'U' && text[i - 1] == '+') {
            while (i < len && is_hex_upper(text[i]))
                i++;
            if (i + 4 > len)
                break;
        }
        if (!(text[i] >= '0' && text[i] <= '9' && text[i + 1] >= '0' && text[i + 1] <= '9' &&
              text[i + 2] >= '0' && text[i + 2] <= '9' && text[i + 3] >= '0' &&
              text[i + 3] <= '9'))
            continue;
        memcpy(quad, text + i, 4);
        quad[4] = '\0';
        if (strstr(digits, quad) != NULL)
            fail("error text holds 4 digits of the input", data, size);
    }
}

static bool all_zero(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != 0)
            return false;
    }
    return true;
}

struct outcome {
    mns_err norm_r;
    size_t norm_len;
    char norm[DIGITS_MAX];
    mns_errmsg norm_em;
    mns_err parse_r;
    mns_number_kind kind;
    char parsed[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_errmsg parse_em;
    mns_err my_r;
    char my[MNS_MYNUMBER_LEN + 1];
    mns_errmsg my_em;
    bool contains;
};

/* Runs every parser on one input and checks what holds for that input alone. */
static void run_one(struct outcome *o, const uint8_t *s, size_t size, size_t outsize,
                    const uint8_t *data, size_t dsize)
{
    const char *in = (const char *)s;
    char ref[DIGITS_MAX];
    size_t nref = reference_digits(ref, sizeof(ref), s, size);
    /* Exactly outsize bytes on the heap, so that ASan sees any overrun. */
    char *out = malloc(outsize);

    memset(o, 0, sizeof(*o));
    if (out == NULL)
        abort();
    memset(out, 'x', outsize);

    /* 1. normalize */
    o->norm_r = mns_number_normalize(out, outsize, &o->norm_len, in, size, &o->norm_em);
    if (o->norm_r == MNS_OK) {
        if (o->norm_len == 0 || o->norm_len >= outsize || out[o->norm_len] != '\0')
            fail("normalize: bad length or missing NUL", data, dsize);
        for (size_t i = 0; i < o->norm_len; i++) {
            if (out[i] < '0' || out[i] > '9')
                fail("normalize: output is not all ASCII digits", data, dsize);
        }
        if (o->norm_len != nref || memcmp(out, ref, nref) != 0)
            fail("normalize: output differs from the input's digits", data, dsize);
        memcpy(o->norm, out, o->norm_len + 1);
    } else {
        if (o->norm_len != 0)
            fail("normalize: *outlen set on failure", data, dsize);
        if (!all_zero(out, outsize))
            fail("normalize: output not wiped on failure", data, dsize);
        check_no_digits_leak(o->norm_em.text, ref, data, dsize);
    }
    free(out);

    /* 2. parse, either kind */
    o->parse_r = mns_number_parse(o->parsed, &o->kind, in, size, &o->parse_em);
    if (o->parse_r == MNS_OK) {
        size_t n = strnlen(o->parsed, sizeof(o->parsed));
        mns_errmsg em;

        if (n == sizeof(o->parsed))
            fail("parse: output not NUL-terminated", data, dsize);
        for (size_t i = 0; i < n; i++) {
            if (o->parsed[i] < '0' || o->parsed[i] > '9')
                fail("parse: output is not all ASCII digits", data, dsize);
        }
        if (n == MNS_MYNUMBER_LEN) {
            if (o->kind != MNS_NUMBER_MYNUMBER || mns_mynumber_validate(o->parsed, n, &em) != MNS_OK)
                fail("parse: 12 digits that are not a valid My Number", data, dsize);
        } else if (n == MNS_CORPORATE_NUMBER_LEN) {
            if (o->kind != MNS_NUMBER_CORPORATE ||
                mns_corporate_number_validate(o->parsed, n, &em) != MNS_OK)
                fail("parse: 13 digits that are not a valid Corporate Number", data, dsize);
        } else {
            fail("parse: output is neither 12 nor 13 digits", data, dsize);
        }
        if (n != nref || memcmp(o->parsed, ref, n) != 0)
            fail("parse: output differs from the input's digits", data, dsize);
    } else {
        check_no_digits_leak(o->parse_em.text, ref, data, dsize);
    }

    /* 3. parse, My Number only: agrees with mns_number_parse */
    o->my_r = mns_mynumber_parse(o->my, in, size, &o->my_em);
    if (o->my_r == MNS_OK) {
        if (o->parse_r != MNS_OK || o->kind != MNS_NUMBER_MYNUMBER ||
            memcmp(o->my, o->parsed, MNS_MYNUMBER_LEN + 1) != 0)
            fail("mynumber_parse accepts what number_parse does not take as a My Number",
                 data, dsize);
    } else {
        if (o->parse_r == MNS_OK && o->kind == MNS_NUMBER_MYNUMBER)
            fail("mynumber_parse refuses a My Number that number_parse accepts", data, dsize);
        check_no_digits_leak(o->my_em.text, ref, data, dsize);
    }

    /* 4. the free-text filter */
    o->contains = mns_text_contains_mynumber(in, size);
    if (o->my_r == MNS_OK && !o->contains)
        fail("text_contains_mynumber misses text that mynumber_parse accepts", data, dsize);
    if (o->contains && size + 2 <= 1024) {
        /* Non-digit text around it does not hide it. */
        char wrapped[1024];
        wrapped[0] = 'a';
        memcpy(wrapped + 1, s, size);
        wrapped[size + 1] = 'a';
        if (!mns_text_contains_mynumber(wrapped, size + 2))
            fail("text_contains_mynumber misses a number once text surrounds it", data, dsize);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte picks the output size for normalize (1..256 or the
     * size that fits every input), the rest is the text. */
    static struct outcome a, b;
    size_t outsize;
    uint8_t *shifted;

    if (size == 0)
        return 0;
    outsize = data[0] == 0 ? DIGITS_MAX : data[0];
    data++;
    size--;

    run_one(&a, data, size, outsize, data, size);

    /* Same input with other digit values: nothing may change but whether a
     * check digit matches. */
    shifted = shift_digits(data, size, 1u + (unsigned)(size % 9));
    if (shifted == NULL)
        abort();
    run_one(&b, shifted, size, outsize, data, size);
    free(shifted);

    if (a.norm_r != b.norm_r || a.norm_len != b.norm_len)
        fail("normalize result depends on the digit values", data, size);
    if (a.norm_r != MNS_OK && strcmp(a.norm_em.text, b.norm_em.text) != 0)
        fail("normalize error text depends on the digit values", data, size);
    if (a.parse_r != MNS_OK && b.parse_r != MNS_OK &&
        (a.parse_r != b.parse_r || strcmp(a.parse_em.text, b.parse_em.text) != 0))
        fail("parse error depends on the digit values", data, size);
    if (a.parse_r != b.parse_r && a.parse_r != MNS_ERR_CHECK_DIGIT &&
        b.parse_r != MNS_ERR_CHECK_DIGIT)
        fail("parse result depends on the digit values beyond the check digit", data, size);
    if (a.my_r != MNS_OK && b.my_r != MNS_OK &&
        (a.my_r != b.my_r || strcmp(a.my_em.text, b.my_em.text) != 0))
        fail("mynumber_parse error depends on the digit values", data, size);
    return 0;
}
