/*
 * encoding.c: base64 and hex for keys, hashes and blobs in text form.
 *
 * Decoding is strict, because a lenient decoder lets two texts stand for one
 * value: base64 must be padded to a multiple of 4, use the standard alphabet,
 * and have zero bits where the last character holds fewer than 6 (so it is
 * the canonical encoding); hex must have exactly two characters per byte.
 * The character-to-value steps use arithmetic masks instead of tables, so
 * decoding a key does not index memory by the key.
 */
#include <limits.h>

#include <openssl/evp.h>

#include "mnsafe/crypto.h"

/* Chunk for EVP_EncodeBlock (int lengths): a multiple of 3. */
#define B64_CHUNK 3072

size_t mns_base64_encode(char *out, const uint8_t *in, size_t n)
{
    size_t done = 0, written = 0;

    if (out == NULL)
        return 0;
    if (in == NULL)
        n = 0;
    while (done < n) {
        size_t chunk = n - done > B64_CHUNK ? B64_CHUNK : n - done;
        int w = EVP_EncodeBlock((unsigned char *)out + written, in + done, (int)chunk);
        written += (size_t)w;
        done += chunk;
    }
    out[written] = '\0';
    return written;
}

/* 0xff mask if lo <= c <= hi, else 0 (no branch). */
static unsigned range_mask(unsigned c, unsigned lo, unsigned hi)
{
    return (((c - lo) | (hi - c)) >> 8 & 1u) - 1u;
}

/* Value of a base64 character, or -1. */
static int b64_value(unsigned char ch)
{
    unsigned c = ch, v = 0, ok = 0, m;

    m = range_mask(c, 'A', 'Z'); v |= m & (c - 'A'); ok |= m;
    m = range_mask(c, 'a', 'z'); v |= m & (c - 'a' + 26); ok |= m;
    m = range_mask(c, '0', '9'); v |= m & (c - '0' + 52); ok |= m;
    m = range_mask(c, '+', '+'); v |= m & 62u; ok |= m;
    m = range_mask(c, '/', '/'); v |= m & 63u; ok |= m;
    return ok ? (int)(v & 0x3f) : -1;
}

mns_err mns_base64_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *in,
                          size_t n)
{
    size_t pad = 0, need, o = 0;
    mns_err r = MNS_ERR_INVALID;

    if (outlen != NULL)
        *outlen = 0;
    if (outlen == NULL || (in == NULL && n > 0))
        return MNS_ERR_INVALID;
    if (n == 0)
        return MNS_OK;
    if (n % 4 != 0)
        return MNS_ERR_INVALID;
    if (in[n - 1] == '=')
        pad = in[n - 2] == '=' ? 2 : 1;
    need = n / 4 * 3 - pad;
    if (need > outsize || out == NULL)
        return MNS_ERR_INVALID;

    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        bool last = i + 4 == n;
        size_t chars = last ? 4 - pad : 4;
        uint32_t word = 0;

        for (size_t j = 0; j < 4; j++) {
            if (j >= chars) {
                v[j] = 0; /* '=' checked above, only in the last group */
                continue;
            }
            if ((v[j] = b64_value((unsigned char)in[i + j])) < 0)
                goto out;
            word |= (uint32_t)v[j] << (18 - 6 * j);
        }
        /* Canonical: the bits beyond the last byte must be zero. */
        if ((chars == 3 && (word & 0xff) != 0) || (chars == 2 && (word & 0xffff) != 0))
            goto out;
        out[o++] = (uint8_t)(word >> 16);
        if (chars >= 3)
            out[o++] = (uint8_t)(word >> 8);
        if (chars == 4)
            out[o++] = (uint8_t)word;
        mns_wipe(&word, sizeof(word));
    }
    *outlen = o;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        mns_wipe(out, o);
    return r;
}

void mns_hex_encode(char *out, const uint8_t *in, size_t n)
{
    if (out == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        unsigned hi = in[i] >> 4, lo = in[i] & 0xf;
        /* digit + (39 if >= 10): '0'+10+39 = 'a', without a branch */
        out[2 * i] = (char)('0' + hi + ((9u - hi) >> 8 & 39u));
        out[2 * i + 1] = (char)('0' + lo + ((9u - lo) >> 8 & 39u));
    }
    out[2 * n] = '\0';
}

/* Value of a hex digit (either case), or -1. */
static int hex_value(unsigned char ch)
{
    unsigned c = ch, v = 0, ok = 0, m;

    m = range_mask(c, '0', '9'); v |= m & (c - '0'); ok |= m;
    m = range_mask(c, 'a', 'f'); v |= m & (c - 'a' + 10); ok |= m;
    m = range_mask(c, 'A', 'F'); v |= m & (c - 'A' + 10); ok |= m;
    return ok ? (int)(v & 0xf) : -1;
}

mns_err mns_hex_decode(uint8_t *out, size_t n, const char *in, size_t inlen)
{
    if ((out == NULL && n > 0) || (in == NULL && inlen > 0))
        return MNS_ERR_INVALID;
    /* Exactly n bytes are expected: an odd length or any other count is wrong. */
    if (inlen % 2 != 0 || inlen / 2 != n)
        return MNS_ERR_INVALID;
    for (size_t i = 0; i < n; i++) {
        int hi = hex_value((unsigned char)in[2 * i]);
        int lo = hex_value((unsigned char)in[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            mns_wipe(out, n);
            return MNS_ERR_INVALID;
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return MNS_OK;
}
