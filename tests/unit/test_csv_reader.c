/* test_csv_reader.c: the streaming CSV reader, fed whole and byte by byte. */
#include <iconv.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mnsafe/csv.h"

/* Records rendered as "N:field|field|...[!bad]\n" for easy comparison. */
struct sink {
    char out[1 << 20];
    size_t len;
    unsigned calls;
};

static mns_err collect(void *ctx, uint64_t no, char *const *field, const size_t *len, size_t n, const char *bad,
                       mns_errmsg *em)
{
    struct sink *s = ctx;
    (void)em;
    s->calls++;
    s->len += (size_t)snprintf(s->out + s->len, sizeof(s->out) - s->len, "%llu:", (unsigned long long)no);
    for (size_t i = 0; i < n; i++) {
        if (bad == NULL)
            assert_int_equal(strlen(field[i]), len[i]);
        s->len += (size_t)snprintf(s->out + s->len, sizeof(s->out) - s->len, "%s%s", i ? "|" : "", field[i]);
    }
    if (bad != NULL)
        s->len += (size_t)snprintf(s->out + s->len, sizeof(s->out) - s->len, "!%.30s", bad);
    s->len += (size_t)snprintf(s->out + s->len, sizeof(s->out) - s->len, "\n");
    return MNS_OK;
}

/* Reads data whole, then in pieces of `step` bytes; both must give the same. */
static void read_all(struct sink *s, mns_csv_encoding enc, const void *data, size_t len, size_t step,
                     mns_csv_encoding *used)
{
    struct mns_csv *c;
    mns_errmsg em = {""};
    memset(s, 0, sizeof(*s));
    assert_int_equal(mns_csv_new(&c, enc), MNS_OK);
    if (step == 0)
        step = len ? len : 1;
    for (size_t off = 0; off < len; off += step)
        assert_int_equal(mns_csv_feed(c, (const char *)data + off, len - off < step ? len - off : step, collect, s, &em),
                         MNS_OK);
    assert_int_equal(mns_csv_finish(c, collect, s, &em), MNS_OK);
    if (used)
        *used = mns_csv_encoding_of(c);
    assert_int_equal(mns_csv_bytes(c), len);
    mns_csv_free(c);
}

static void expect(mns_csv_encoding enc, const char *data, size_t len, const char *want, mns_csv_encoding want_enc)
{
    static struct sink s;
    mns_csv_encoding used;
    for (size_t step = 0; step <= 3; step++) {
        read_all(&s, enc, data, len, step, &used);
        if (strcmp(s.out, want) != 0)
            fail_msg("step %zu: got\n%s\nwant\n%s", step, s.out, want);
        assert_int_equal(used, want_enc);
    }
}

#define EXPECT(enc, lit, want, want_enc) expect(enc, lit, sizeof(lit) - 1, want, want_enc)

static void test_format(void **state)
{
    (void)state;
    EXPECT(MNS_CSV_AUTO, "a,b,c\n1,2,3\n", "1:a|b|c\n2:1|2|3\n", MNS_CSV_AUTO);
    /* CRLF, no final newline, empty fields, blank lines counted but skipped */
    EXPECT(MNS_CSV_AUTO, "a,,c\r\n\r\n,\r\nx", "1:a||c\n3:|\n4:x\n", MNS_CSV_AUTO);
    /* quotes: commas, doubled quotes and line breaks inside */
    EXPECT(MNS_CSV_AUTO, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"\n", "1:a,b|say \"hi\"|two\nlines\n", MNS_CSV_AUTO);
    EXPECT(MNS_CSV_AUTO, "\"\",x\n", "1:|x\n", MNS_CSV_AUTO);
}

static void test_bad_rows(void **state)
{
    static struct sink s;
    (void)state;
    read_all(&s, MNS_CSV_AUTO, "a\"b,c\nok\n", 9, 0, NULL);
    assert_non_null(strstr(s.out, "1:a\"b|c!a quote inside a fie"));
    assert_non_null(strstr(s.out, "2:ok\n"));
    read_all(&s, MNS_CSV_AUTO, "\"a\"b,c\n", 7, 1, NULL);
    assert_non_null(strstr(s.out, "!text after a closing"));
    read_all(&s, MNS_CSV_AUTO, "x\n\"open,y\n", 10, 1, NULL);
    assert_non_null(strstr(s.out, "!a quoted field is not"));
    read_all(&s, MNS_CSV_AUTO, "a\0b,c\nd\n", 8, 1, NULL);
    assert_non_null(strstr(s.out, "!a NUL byte"));
    assert_non_null(strstr(s.out, "2:d\n"));
    /* bad UTF-8 in a UTF-8 file (BOM first): only that row is bad */
    read_all(&s, MNS_CSV_AUTO, "\xEF\xBB\xBFok\n\xC3(x\nnext\n", 15, 1, NULL);
    assert_non_null(strstr(s.out, "1:ok\n"));
    assert_non_null(strstr(s.out, "!bytes that are not UTF"));
    assert_non_null(strstr(s.out, "3:next\n"));
}

static void test_limits(void **state)
{
    static struct sink s;
    size_t n = MNS_CSV_RECORD_MAX + 100;
    char *big = malloc(n + 16);
    (void)state;
    assert_non_null(big);
    memset(big, 'x', n);
    memcpy(big + n, "\nafter\n", 7);
    read_all(&s, MNS_CSV_AUTO, big, n + 7, 4096, NULL);
    assert_non_null(strstr(s.out, "!the row is longer"));
    assert_non_null(strstr(s.out, "2:after\n"));
    /* 300 columns: the first 256 kept, the row marked */
    size_t m = 0;
    for (int i = 0; i < 300; i++)
        m += (size_t)snprintf(big + m, n - m, "%s%d", i ? "," : "", i);
    big[m++] = '\n';
    read_all(&s, MNS_CSV_AUTO, big, m, 7, NULL);
    assert_non_null(strstr(s.out, "|255!more than 256"));
    free(big);
}

/* text converted with iconv, as Excel would write it */
static size_t to_cp932(const char *utf8, char *out, size_t size)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    char *ip = (char *)utf8, *op = out;
    size_t il = strlen(utf8), ol = size;
    assert_true(cd != (iconv_t)-1);
    assert_int_not_equal(iconv(cd, &ip, &il, &op, &ol), (size_t)-1);
    iconv_close(cd);
    return size - ol;
}

static void test_encodings(void **state)
{
    static const char text[] = "氏名,フリガナ,個人番号\n山田　太郎,ヤマダ タロウ,\"1234\"\n髙橋①,ﾀｶﾊｼ,x\n";
    static const char want[] = "1:氏名|フリガナ|個人番号\n2:山田　太郎|ヤマダ タロウ|1234\n3:髙橋①|ﾀｶﾊｼ|x\n";
    char sj[512], bom[512];
    (void)state;
    /* UTF-8 with and without BOM, found by itself or chosen */
    EXPECT(MNS_CSV_AUTO, text, want, MNS_CSV_UTF8);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, text, sizeof(text));
    expect(MNS_CSV_AUTO, bom, sizeof(text) + 2, want, MNS_CSV_UTF8);
    expect(MNS_CSV_UTF8, text, sizeof(text) - 1, want, MNS_CSV_UTF8);
    /* CP932 (NEC and IBM extensions included: ① and 髙), found or chosen,
     * fed byte by byte so that characters straddle the chunks */
    size_t n = to_cp932(text, sj, sizeof(sj));
    expect(MNS_CSV_AUTO, sj, n, want, MNS_CSV_SJIS);
    expect(MNS_CSV_SJIS, sj, n, want, MNS_CSV_SJIS);
    /* a byte that is no CP932 character marks its row only */
    static struct sink s;
    char broken[600];
    memcpy(broken, sj, n);
    memcpy(broken + n, "\x82\xFF\n\x82\xA0\n", 6); /* bad pair, then あ */
    read_all(&s, MNS_CSV_SJIS, broken, n + 6, 1, NULL);
    assert_non_null(strstr(s.out, "4:!bytes that are not Shift"));
    assert_non_null(strstr(s.out, "5:あ\n"));
    mns_csv_encoding e;
    assert_true(mns_csv_encoding_parse("Shift_JIS", &e) && e == MNS_CSV_SJIS);
    assert_true(mns_csv_encoding_parse("utf-8", &e) && e == MNS_CSV_UTF8);
    assert_false(mns_csv_encoding_parse("latin1", &e));
    /* a file that ends inside a character */
    read_all(&s, MNS_CSV_SJIS, "ok\n\x82", 4, 0, NULL);
    assert_non_null(strstr(s.out, "!the file ends inside"));
}

/* The encoding is decided on the same bytes however the file is cut (a
 * regression the fuzzer found: a first chunk of three valid UTF-8 bytes
 * followed by Shift_JIS used to decide UTF-8). */
static void test_detection_ignores_chunks(void **state)
{
    static const char data[] = "\xef\xbb\xa2\xa1\xa1\xa4^^^^^^\x0c" "a\x00" "b,\".n,";
    static struct sink whole, part;
    static char first[1 << 20];
    mns_csv_encoding e1, e2;
    (void)state;
    read_all(&whole, MNS_CSV_AUTO, data, sizeof(data) - 1, 0, &e1);
    snprintf(first, sizeof(first), "%s", whole.out);
    for (size_t step = 1; step <= 7; step++) {
        read_all(&part, MNS_CSV_AUTO, data, sizeof(data) - 1, step, &e2);
        assert_int_equal(e1, e2);
        assert_string_equal(part.out, first);
    }
    assert_int_equal(e1, MNS_CSV_SJIS);
}

/* the callback's error stops the feed and comes back */
static mns_err refuse(void *ctx, uint64_t no, char *const *field, const size_t *len, size_t n, const char *bad,
                      mns_errmsg *em)
{
    (void)ctx, (void)field, (void)len, (void)n, (void)bad;
    return no == 2 ? mns_fail(em, MNS_ERR_FULL, "stop") : MNS_OK;
}

static void test_callback_error(void **state)
{
    struct mns_csv *c;
    mns_errmsg em = {""};
    (void)state;
    assert_int_equal(mns_csv_new(&c, MNS_CSV_AUTO), MNS_OK);
    assert_int_equal(mns_csv_feed(c, "a\nb\nc\n", 6, refuse, NULL, &em), MNS_ERR_FULL);
    assert_string_equal(em.text, "stop");
    mns_csv_free(c);
    mns_csv_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),     cmocka_unit_test(test_bad_rows),       cmocka_unit_test(test_limits),
        cmocka_unit_test(test_encodings),  cmocka_unit_test(test_callback_error),
        cmocka_unit_test(test_detection_ignores_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
