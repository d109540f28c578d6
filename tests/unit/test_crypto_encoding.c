/* test_crypto_encoding.c: base64 (RFC 4648) and hex, round trips and strict rejects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

static void test_base64_rfc4648(void **state)
{
    static const char *const vec[][2] = {
        {"", ""},         {"f", "Zg=="},         {"fo", "Zm8="},     {"foo", "Zm9v"},
        {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        char enc[16];
        uint8_t dec[16];
        size_t n = strlen(vec[i][0]), outlen = 99;
        assert_int_equal(mns_base64_encode(enc, (const uint8_t *)vec[i][0], n), strlen(vec[i][1]));
        assert_string_equal(enc, vec[i][1]);
        assert_int_equal(mns_base64_decode(dec, sizeof(dec), &outlen, vec[i][1], strlen(vec[i][1])),
                         MNS_OK);
        assert_int_equal(outlen, n);
        assert_memory_equal(dec, vec[i][0], n);
    }
}

static void test_base64_roundtrip(void **state)
{
    static uint8_t in[10000], dec[10000];
    static char enc[4 * ((sizeof(in) + 2) / 3) + 1];
    (void)state;

    assert_int_equal(mns_random(in, sizeof(in)), MNS_OK);
    for (size_t n = 0; n <= sizeof(in); n += (n < 300 ? 1 : 3331)) {
        size_t elen = mns_base64_encode(enc, in, n), outlen = 0;
        assert_int_equal(elen, 4 * ((n + 2) / 3));
        assert_int_equal(strlen(enc), elen);
        assert_int_equal(mns_base64_decode(dec, n, &outlen, enc, elen), MNS_OK); /* exact fit */
        assert_int_equal(outlen, n);
        assert_memory_equal(dec, in, n);
        if (n > 0) /* one byte short of room */
            assert_int_equal(mns_base64_decode(dec, n - 1, &outlen, enc, elen), MNS_ERR_INVALID);
    }
    /* across the encoder's internal chunking: one 10000-byte call */
    assert_int_equal(mns_base64_encode(enc, in, sizeof(in)), sizeof(enc) - 1);
}

static void test_base64_rejects(void **state)
{
    static const char *const bad[] = {
        "Zg",        /* no padding */
        "Zg=",       /* short padding */
        "Zg===",     /* too much */
        "Z===",      /* one character cannot hold a byte */
        "====",      /* only padding */
        "Zh==",      /* non-canonical: low bits set */
        "Zm9=",      /* non-canonical */
        "Zg==Zg==",  /* padding in the middle */
        "Zm=v",      /* padding inside a group */
        "Zm9v\n",    /* whitespace */
        "Zm 9v",     /* whitespace */
        "Zm9-",      /* URL-safe alphabet */
        "Zm9_",      /* URL-safe alphabet */
        "Zm9\x80",   /* not ASCII */
    };
    uint8_t out[16];
    size_t outlen;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        outlen = 77;
        if (mns_base64_decode(out, sizeof(out), &outlen, bad[i], strlen(bad[i])) != MNS_ERR_INVALID)
            print_error("accepted \"%s\"\n", bad[i]);
        assert_int_equal(mns_base64_decode(out, sizeof(out), &outlen, bad[i], strlen(bad[i])),
                         MNS_ERR_INVALID);
        assert_int_equal(outlen, 0);
    }
    /* embedded NUL within the given length */
    assert_int_equal(mns_base64_decode(out, sizeof(out), &outlen, "Zm\0v", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_base64_decode(out, sizeof(out), NULL, "Zm9v", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_base64_decode(out, sizeof(out), &outlen, "", 0), MNS_OK);
    assert_int_equal(outlen, 0);
}

static void test_hex(void **state)
{
    const uint8_t bytes[] = {0x01, 0x23, 0xab, 0xef, 0x00, 0xff, 0x9a};
    uint8_t out[sizeof(bytes)];
    char enc[2 * sizeof(bytes) + 1];
    (void)state;

    mns_hex_encode(enc, bytes, sizeof(bytes));
    assert_string_equal(enc, "0123abef00ff9a");
    assert_int_equal(mns_hex_decode(out, sizeof(out), enc, strlen(enc)), MNS_OK);
    assert_memory_equal(out, bytes, sizeof(bytes));
    assert_int_equal(mns_hex_decode(out, sizeof(out), "0123ABEF00FF9A", 14), MNS_OK);
    assert_memory_equal(out, bytes, sizeof(bytes));
    assert_int_equal(mns_hex_decode(out, 0, "", 0), MNS_OK);
    mns_hex_encode(enc, bytes, 0);
    assert_string_equal(enc, "");
}

static void test_hex_all_bytes(void **state)
{
    uint8_t in[256], out[256];
    char enc[513];
    (void)state;
    for (int i = 0; i < 256; i++)
        in[i] = (uint8_t)i;
    mns_hex_encode(enc, in, sizeof(in));
    for (int i = 0; i < 256; i++) {
        char want[3];
        snprintf(want, sizeof(want), "%02x", i);
        assert_memory_equal(enc + 2 * i, want, 2);
    }
    assert_int_equal(mns_hex_decode(out, sizeof(out), enc, 512), MNS_OK);
    assert_memory_equal(out, in, sizeof(in));
}

static void test_hex_rejects(void **state)
{
    uint8_t out[4] = {0};
    (void)state;
    assert_int_equal(mns_hex_decode(out, 2, "abc", 3), MNS_ERR_INVALID);   /* odd */
    assert_int_equal(mns_hex_decode(out, 1, "abc", 3), MNS_ERR_INVALID);   /* odd */
    assert_int_equal(mns_hex_decode(out, 2, "ab", 2), MNS_ERR_INVALID);    /* too short */
    assert_int_equal(mns_hex_decode(out, 1, "abcd", 4), MNS_ERR_INVALID);  /* too long */
    assert_int_equal(mns_hex_decode(out, 2, "abcg", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_hex_decode(out, 2, "0x12", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_hex_decode(out, 2, " 123", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_hex_decode(out, 2, "12\0" "3", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_hex_decode(out, 2, "ab:d", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_hex_decode(out, 2, "ab@d", 4), MNS_ERR_INVALID); /* '@' is 'A' - 1 */
    assert_int_equal(mns_hex_decode(out, 2, "abGd", 4), MNS_ERR_INVALID); /* 'G' is 'F' + 1 */
    assert_int_equal(mns_hex_decode(out, 2, "ab`d", 4), MNS_ERR_INVALID); /* '`' is 'a' - 1 */
    assert_int_equal(mns_hex_decode(out, 2, "ab/d", 4), MNS_ERR_INVALID); /* '/' is '0' - 1 */
    /* a failed decode leaves nothing behind */
    assert_int_equal(out[0], 0);
    assert_int_equal(out[1], 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_base64_rfc4648),
        cmocka_unit_test(test_base64_roundtrip),
        cmocka_unit_test(test_base64_rejects),
        cmocka_unit_test(test_hex),
        cmocka_unit_test(test_hex_all_bytes),
        cmocka_unit_test(test_hex_rejects),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
