/*
 * fuzz_crypto_encoding.c: libFuzzer harness for mns_base64_decode and
 * mns_hex_decode (include/mnsafe/crypto.h), with their encoders.
 *
 * Output buffers are heap blocks of exactly the size passed, so ASan sees any
 * write past it. Invariants (a broken one aborts with a line on stderr):
 *  - base64: decoding is strict, so whatever decodes re-encodes to exactly
 *    the input; it is accepted iff an independent check of the canonical
 *    form agrees; it fits an output of exactly the decoded length and is
 *    refused (MNS_ERR_INVALID) by one byte less; any input bytes encode and
 *    decode back to themselves;
 *  - hex: accepted iff the length is even and every character is a hex
 *    digit of either case; then it re-encodes to the input in lower case; a
 *    byte count other than half the length is refused; any bytes encode and
 *    decode (also upper-cased) back to themselves.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/crypto.h"
#include "mnsafe/error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, const uint8_t *data, size_t size)
{
    fprintf(stderr, "INVARIANT BROKEN: %s\ninput (%zu bytes):", what, size);
    for (size_t i = 0; i < size; i++)
        fprintf(stderr, " %02x", data[i]);
    fprintf(stderr, "\n");
    abort();
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n > 0 ? n : 1);
    if (p == NULL)
        abort();
    return p;
}

/* ---- base64 ------------------------------------------------------------- */

static int b64_ref_value(uint8_t c)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char *p = c != 0 ? memchr(alphabet, c, 64) : NULL;
    return p != NULL ? (int)(p - alphabet) : -1;
}

/* Independent strict check; sets *len to the decoded length. */
static bool b64_ref_valid(const uint8_t *s, size_t n, size_t *len)
{
    size_t pad = 0;

    *len = 0;
    if (n % 4 != 0)
        return false;
    if (n == 0)
        return true;
    while (pad < 2 && s[n - 1 - pad] == '=')
        pad++;
    for (size_t i = 0; i < n - pad; i++) {
        if (b64_ref_value(s[i]) < 0)
            return false;
    }
    /* Unused low bits of the last character must be zero. */
    if (pad == 1 && (b64_ref_value(s[n - 2]) & 0x03) != 0)
        return false;
    if (pad == 2 && (b64_ref_value(s[n - 3]) & 0x0f) != 0)
        return false;
    *len = n / 4 * 3 - pad;
    return true;
}

static void check_base64(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t ref_len, outlen = 0, small;
    bool ref_ok = b64_ref_valid(data, size, &ref_len);
    uint8_t *out = xmalloc(size);
    mns_err r = mns_base64_decode(out, size, &outlen, in, size);

    if ((r == MNS_OK) != ref_ok)
        fail(ref_ok ? "base64: canonical input refused" : "base64: non-canonical input accepted",
             data, size);
    if (r != MNS_OK && r != MNS_ERR_INVALID)
        fail("base64: unexpected error code", data, size);
    if (r != MNS_OK && outlen != 0)
        fail("base64: *outlen set on failure", data, size);
    if (r == MNS_OK) {
        char *enc = xmalloc(4 * ((outlen + 2) / 3) + 1);
        size_t elen = mns_base64_encode(enc, out, outlen);
        uint8_t *exact;
        size_t olen2 = 0;

        if (outlen != ref_len)
            fail("base64: decoded length differs from the reference", data, size);
        if (elen != size || memcmp(enc, in, size) != 0)
            fail("base64: decoded input does not re-encode to itself", data, size);
        free(enc);

        exact = xmalloc(outlen);
        if (mns_base64_decode(exact, outlen, &olen2, in, size) != MNS_OK || olen2 != outlen ||
            memcmp(exact, out, outlen) != 0)
            fail("base64: does not decode into an output of exactly its length", data, size);
        free(exact);
        if (outlen > 0) {
            exact = xmalloc(outlen - 1);
            if (mns_base64_decode(exact, outlen - 1, &olen2, in, size) != MNS_ERR_INVALID)
                fail("base64: output one byte too small not refused", data, size);
            free(exact);
        }
    }
    free(out);

    /* Any output size, however small: no write beyond it. */
    small = size > 0 ? data[0] % (size + 1) : 0;
    out = xmalloc(small);
    r = mns_base64_decode(out, small, &outlen, in, size);
    if (r == MNS_OK && (!ref_ok || outlen > small))
        fail("base64: accepted into a small output wrongly", data, size);
    if (r != MNS_OK && ref_ok && ref_len <= small)
        fail("base64: refused although the output is big enough", data, size);
    free(out);

    /* The input as bytes: encode, decode, compare. */
    {
        char *enc = xmalloc(4 * ((size + 2) / 3) + 1);
        size_t elen = mns_base64_encode(enc, data, size);
        uint8_t *dec = xmalloc(size);

        if (elen != 4 * ((size + 2) / 3) || enc[elen] != '\0')
            fail("base64: encoded length wrong", data, size);
        if (mns_base64_decode(dec, size, &outlen, enc, elen) != MNS_OK || outlen != size ||
            memcmp(dec, data, size) != 0)
            fail("base64: encode then decode is not the identity", data, size);
        free(dec);
        free(enc);
    }
}

/* ---- hex ---------------------------------------------------------------- */

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static void check_hex(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    size_t n = size / 2;
    bool ref_ok = size % 2 == 0;
    uint8_t *out = xmalloc(n);
    mns_err r;

    for (size_t i = 0; i < size && ref_ok; i++)
        ref_ok = is_hex(data[i]);
    r = mns_hex_decode(out, n, in, size);
    if ((r == MNS_OK) != ref_ok)
        fail(ref_ok ? "hex: valid input refused" : "hex: invalid input accepted", data, size);
    if (r != MNS_OK && r != MNS_ERR_INVALID)
        fail("hex: unexpected error code", data, size);
    if (r == MNS_OK) {
        char *enc = xmalloc(2 * n + 1);

        mns_hex_encode(enc, out, n);
        for (size_t i = 0; i < size; i++) {
            uint8_t c = data[i];
            if (c >= 'A' && c <= 'F')
                c = (uint8_t)(c - 'A' + 'a');
            if ((uint8_t)enc[i] != c)
                fail("hex: decoded input does not re-encode to itself in lower case", data,
                     size);
        }
        if (enc[size] != '\0')
            fail("hex: encoding not NUL-terminated", data, size);
        free(enc);
    }
    free(out);

    /* A byte count other than half the length is refused, without writing. */
    if (size >= 2) {
        size_t wrong = n + 1 + (size_t)data[0] % 3;
        out = xmalloc(wrong);
        if (mns_hex_decode(out, wrong, in, size) == MNS_OK)
            fail("hex: accepted with a byte count that does not match", data, size);
        free(out);
        out = xmalloc(n - 1);
        if (n > 0 && mns_hex_decode(out, n - 1, in, size) == MNS_OK)
            fail("hex: accepted with a byte count that does not match", data, size);
        free(out);
    }

    /* The input as bytes: encode, decode (lower and upper case), compare. */
    {
        char *enc = xmalloc(2 * size + 1);
        uint8_t *dec = xmalloc(size);

        mns_hex_encode(enc, data, size);
        if (strlen(enc) != 2 * size)
            fail("hex: encoded length wrong", data, size);
        if (mns_hex_decode(dec, size, enc, 2 * size) != MNS_OK || memcmp(dec, data, size) != 0)
            fail("hex: encode then decode is not the identity", data, size);
        for (size_t i = 0; i < 2 * size; i++) {
            if (enc[i] >= 'a' && enc[i] <= 'f')
                enc[i] = (char)(enc[i] - 'a' + 'A');
        }
        if (mns_hex_decode(dec, size, enc, 2 * size) != MNS_OK || memcmp(dec, data, size) != 0)
            fail("hex: upper-case hex does not decode to the same bytes", data, size);
        free(dec);
        free(enc);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_base64(data, size);
    check_hex(data, size);
    return 0;
}
