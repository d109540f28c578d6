/*
 * totp.c: one-time passwords (HOTP, RFC 4226; TOTP, RFC 6238), base32 for
 * their shared secrets, and the otpauth:// key URI for authenticator apps.
 *
 * Why it looks the way it does:
 *  - HMAC goes through EVP_Q_mac, which fetches the algorithm on each call.
 *    A check runs once per login (three MACs), so the fetch costs nothing that
 *    matters, and the SHA-1/SHA-512 MACs stay out of the shared EVP cache.
 *  - The dynamic truncation picks 4 bytes at an offset taken from the MAC; it
 *    reads all 16 candidate offsets and keeps one with a mask, so no memory is
 *    indexed by a secret. The reduction mod 10^digits divides by a constant
 *    (the compiler turns it into a multiplication, not a variable-time div).
 *  - Verification computes every candidate step, compares each in constant
 *    time and folds the results with masks, so its timing says nothing about
 *    which step matched or whether the code was a replay. Replay protection is
 *    one number per key (the last step used), kept by the caller.
 *  - Base32 decoding, like base64 in encoding.c, maps characters with
 *    arithmetic masks instead of a table and is strict, so one value has one
 *    text (apart from case and optional padding, which authenticator apps vary).
 */
#include <limits.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "mnsafe/crypto.h"

#define MAC_MAX 64 /* SHA-512 */

_Static_assert(15 + 3 * MNS_TOTP_NAME_MAX + 1 + 3 * MNS_TOTP_NAME_MAX +
                       sizeof("?secret=") - 1 + MNS_BASE32_LEN(MNS_TOTP_KEY_MAX) +
                       sizeof("&issuer=") - 1 + 3 * MNS_TOTP_NAME_MAX +
                       sizeof("&algorithm=SHA512&digits=8&period=86400") - 1 + 1 <=
                   MNS_TOTP_URI_MAX,
               "MNS_TOTP_URI_MAX must hold the longest URI");

/* ---- HOTP / TOTP ---------------------------------------------------------- */

static const char *alg_name(mns_totp_alg alg)
{
    switch (alg) {
    case MNS_TOTP_SHA1:
        return "SHA1";
    case MNS_TOTP_SHA256:
        return "SHA256";
    case MNS_TOTP_SHA512:
        return "SHA512";
    }
    return NULL;
}

static size_t alg_mac_len(mns_totp_alg alg)
{
    switch (alg) {
    case MNS_TOTP_SHA1:
        return 20;
    case MNS_TOTP_SHA256:
        return 32;
    case MNS_TOTP_SHA512:
        return 64;
    }
    return 0;
}

static bool params_ok(const uint8_t *key, size_t keylen, mns_totp_alg alg, unsigned digits)
{
    return key != NULL && keylen >= MNS_TOTP_KEY_MIN && keylen <= MNS_TOTP_KEY_MAX &&
           alg_name(alg) != NULL && (digits == 6 || digits == 8);
}

/* 1 if a == b, else 0, for a, b < 2^31, without a branch. */
static uint32_t ct_eq_u32(uint32_t a, uint32_t b)
{
    return ((a ^ b) - 1u) >> 31;
}

/* RFC 4226 5.3 DT: 31 bits at offset (last byte & 0xf), read without indexing
 * by the offset. maclen >= 20, so offsets 0..15 plus 4 bytes are in range. */
static uint32_t dynamic_truncate(const uint8_t *mac, size_t maclen)
{
    uint32_t off = mac[maclen - 1] & 0xfu, bin = 0;

    for (uint32_t i = 0; i < 16; i++) {
        uint32_t word = (uint32_t)mac[i] << 24 | (uint32_t)mac[i + 1] << 16 |
                        (uint32_t)mac[i + 2] << 8 | (uint32_t)mac[i + 3];
        bin |= word & (0u - ct_eq_u32(i, off));
    }
    return bin & 0x7fffffffu;
}

/* The code for one counter; parameters already checked. */
static mns_err hotp_raw(uint32_t *code, const uint8_t *key, size_t keylen, uint64_t counter,
                        mns_totp_alg alg, unsigned digits)
{
    uint8_t msg[8], mac[MAC_MAX];
    size_t maclen = 0, want = alg_mac_len(alg);
    uint32_t bin;
    mns_err r = MNS_ERR_CRYPTO;

    *code = 0;
    if (mns_global_init() != MNS_OK)
        goto out;
    for (int i = 7; i >= 0; i--) {
        msg[i] = (uint8_t)counter;
        counter >>= 8;
    }
    if (EVP_Q_mac(NULL, "HMAC", NULL, alg_name(alg), NULL, key, keylen, msg, sizeof(msg), mac,
                  sizeof(mac), &maclen) == NULL ||
        maclen != want)
        goto out;
    bin = dynamic_truncate(mac, maclen);
    /* constant divisors: see the comment at the top */
    *code = digits == 8 ? bin % 100000000u : bin % 1000000u;
    mns_wipe(&bin, sizeof(bin));
    r = MNS_OK;
out:
    if (r != MNS_OK)
        ERR_clear_error();
    mns_wipe(mac, sizeof(mac));
    return r;
}

mns_err mns_hotp(uint32_t *code, const uint8_t *key, size_t keylen, uint64_t counter,
                 mns_totp_alg alg, unsigned digits)
{
    if (code == NULL)
        return MNS_ERR_INVALID;
    *code = 0;
    if (!params_ok(key, keylen, alg, digits))
        return MNS_ERR_INVALID;
    return hotp_raw(code, key, keylen, counter, alg, digits);
}

static bool time_ok(int64_t unix_time, unsigned step_s)
{
    return unix_time >= 0 && step_s >= 1 && step_s <= MNS_TOTP_STEP_MAX;
}

mns_err mns_totp_at(uint32_t *code, const uint8_t *key, size_t keylen, int64_t unix_time,
                    unsigned step_s, mns_totp_alg alg, unsigned digits)
{
    if (code == NULL)
        return MNS_ERR_INVALID;
    *code = 0;
    if (!params_ok(key, keylen, alg, digits) || !time_ok(unix_time, step_s))
        return MNS_ERR_INVALID;
    return hotp_raw(code, key, keylen, (uint64_t)(unix_time / (int64_t)step_s), alg, digits);
}

/* The typed code as a number: exactly `digits` ASCII digits, spaces ignored,
 * at most MNS_TOTP_CODE_TEXT_MAX bytes looked at. The text is what the user
 * typed, not a secret of ours, so plain branches are fine here. */
static bool parse_code(uint32_t *value, const char *text, unsigned digits)
{
    size_t len = strnlen(text, MNS_TOTP_CODE_TEXT_MAX + 1);
    unsigned count = 0;
    uint32_t v = 0;

    if (len > MNS_TOTP_CODE_TEXT_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == ' ')
            continue;
        if (c < '0' || c > '9' || count == digits)
            return false;
        v = v * 10 + (uint32_t)(c - '0');
        count++;
    }
    if (count != digits)
        return false;
    *value = v;
    return true;
}

mns_err mns_totp_verify(const uint8_t *key, size_t keylen, const char *code_text,
                        int64_t unix_time, unsigned step_s, mns_totp_alg alg, unsigned digits,
                        int64_t last_used_step, int64_t *matched_step)
{
    uint32_t given = 0, expect = 0, found = 0;
    uint64_t best = 0;
    int64_t t;
    mns_err r = MNS_ERR_INVALID;

    if (code_text == NULL || matched_step == NULL || !params_ok(key, keylen, alg, digits) ||
        !time_ok(unix_time, step_s) || !parse_code(&given, code_text, digits))
        goto out;
    t = unix_time / (int64_t)step_s;
    /* Steps t-1 .. t+1 in increasing order, so the last match kept is the
     * latest. Every step that exists is computed, whether eligible or not. */
    for (int d = -1; d <= 1; d++) {
        uint32_t eligible, hit;
        uint64_t mask;
        int64_t s;

        if ((d < 0 && t == 0) || (d > 0 && t == INT64_MAX))
            continue; /* no such step */
        s = t + d;
        if ((r = hotp_raw(&expect, key, keylen, (uint64_t)s, alg, digits)) != MNS_OK)
            goto out;
        eligible = s > last_used_step;
        hit = (uint32_t)mns_equal(&expect, &given, sizeof(expect)) & eligible;
        mask = (uint64_t)0 - hit;
        best = (best & ~mask) | ((uint64_t)s & mask);
        found |= hit;
        mns_wipe(&expect, sizeof(expect));
    }
    if (!found) {
        r = MNS_ERR_AUTH;
        goto out;
    }
    *matched_step = (int64_t)best;
    r = MNS_OK;
out:
    mns_wipe(&expect, sizeof(expect));
    mns_wipe(&given, sizeof(given));
    return r;
}

mns_err mns_totp_secret_new(uint8_t *key, size_t len)
{
    if (key == NULL || len < MNS_TOTP_KEY_MIN || len > MNS_TOTP_KEY_MAX)
        return MNS_ERR_INVALID;
    return mns_random(key, len);
}

/* ---- base32 --------------------------------------------------------------- */

/* All ones if lo <= c <= hi, else 0 (no branch); c, lo, hi < 256. */
static unsigned range_mask(unsigned c, unsigned lo, unsigned hi)
{
    return (((c - lo) | (hi - c)) >> 8 & 1u) - 1u;
}

/* The character for a 5-bit value: 'A'..'Z' for 0..25, '2'..'7' for 26..31. */
static char b32_char(unsigned v)
{
    unsigned m = range_mask(v, 26, 31);
    return (char)((~m & ('A' + v)) | (m & ('2' + v - 26)));
}

/* Value of a base32 character (either case), or -1. */
static int b32_value(unsigned char ch)
{
    unsigned c = ch, v = 0, ok = 0, m;

    m = range_mask(c, 'A', 'Z'); v |= m & (c - 'A'); ok |= m;
    m = range_mask(c, 'a', 'z'); v |= m & (c - 'a'); ok |= m;
    m = range_mask(c, '2', '7'); v |= m & (c - '2' + 26); ok |= m;
    return ok ? (int)(v & 0x1f) : -1;
}

mns_err mns_base32_encode(char *out, size_t outsize, const uint8_t *in, size_t n)
{
    size_t o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;

    if (out == NULL || outsize == 0)
        return MNS_ERR_INVALID;
    out[0] = '\0';
    if (in == NULL && n > 0)
        return MNS_ERR_INVALID;
    if (n > (SIZE_MAX - 4) / 8 || MNS_BASE32_LEN(n) >= outsize)
        return MNS_ERR_LIMIT;
    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8 | in[i]) & 0xfffu; /* at most 4 + 8 bits are pending */
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = b32_char(acc >> bits & 0x1fu);
        }
    }
    if (bits > 0)
        out[o++] = b32_char(acc << (5 - bits) & 0x1fu);
    out[o] = '\0';
    mns_wipe(&acc, sizeof(acc));
    return MNS_OK;
}

mns_err mns_base32_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *in,
                          size_t n)
{
    /* padding implied by the characters left over in the last group of 8;
     * -1: no whole number of bytes ends there */
    static const int pad_for_rest[8] = {0, -1, 6, -1, 4, 3, -1, 1};
    size_t chars = n, need, o = 0;
    uint32_t acc = 0;
    unsigned bits = 0;
    mns_err r = MNS_ERR_INVALID;

    if (outlen != NULL)
        *outlen = 0;
    if (outlen == NULL || (in == NULL && n > 0))
        return MNS_ERR_INVALID;
    while (chars > 0 && in[chars - 1] == '=')
        chars--;
    if (pad_for_rest[chars % 8] < 0 ||
        (chars < n && n - chars != (size_t)pad_for_rest[chars % 8]))
        return MNS_ERR_INVALID; /* impossible length, or partial or needless padding */
    need = chars / 8 * 5 + (chars % 8 * 5) / 8;
    if (need > outsize || (out == NULL && need > 0))
        return MNS_ERR_INVALID;

    for (size_t i = 0; i < chars; i++) {
        int v = b32_value((unsigned char)in[i]);
        if (v < 0)
            goto out;
        acc = (acc << 5 | (uint32_t)v) & 0xfffu; /* at most 7 + 5 bits pending */
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* Canonical: the bits left beyond the last byte must be zero. */
    if ((acc & ((1u << bits) - 1u)) != 0)
        goto out;
    *outlen = o;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        mns_wipe(out, o);
    mns_wipe(&acc, sizeof(acc));
    return r;
}

/* ---- otpauth:// URI ------------------------------------------------------- */

/* A bounded string builder: a failed append marks it full for good. */
struct uri_buf {
    char *p;
    size_t size, len;
    bool full;
};

static void ub_add(struct uri_buf *b, const char *s, size_t n)
{
    if (b->full || n >= b->size - b->len) {
        b->full = true;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void ub_str(struct uri_buf *b, const char *s)
{
    ub_add(b, s, strlen(s));
}

/* Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF),
 * no C0 control, DEL or C1 control, no ':'. */
static bool name_ok(const char *s)
{
    size_t len;

    if (s == NULL || (len = strnlen(s, MNS_TOTP_NAME_MAX + 1)) == 0 || len > MNS_TOTP_NAME_MAX)
        return false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp;
        size_t k;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7f || c == ':')
                return false;
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1fu;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0fu;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07u;
        } else {
            return false;
        }
        if (len - i <= k)
            return false;
        for (size_t j = 1; j <= k; j++) {
            unsigned char cc = (unsigned char)s[i + j];
            if ((cc & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (cc & 0x3fu);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
            return false;
        i += k + 1;
    }
    return true;
}

/* RFC 3986 percent-encoding: unreserved characters as they are, every other
 * byte as %XX in upper-case hex. */
static void ub_pct(struct uri_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            ub_add(b, (const char *)&c, 1);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 0xf]};
            ub_add(b, e, sizeof(e));
        }
    }
}

mns_err mns_totp_uri(char *out, size_t outsize, const char *issuer, const char *account,
                     const uint8_t *key, size_t keylen, mns_totp_alg alg, unsigned digits,
                     unsigned step_s)
{
    char secret[MNS_BASE32_LEN(MNS_TOTP_KEY_MAX) + 1];
    char tail[64];
    struct uri_buf b = {out, outsize, 0, false};
    mns_err r = MNS_ERR_INVALID;
    int w;

    secret[0] = '\0';
    if (out == NULL || outsize == 0)
        return MNS_ERR_INVALID;
    out[0] = '\0';
    if (!params_ok(key, keylen, alg, digits) || step_s < 1 || step_s > MNS_TOTP_STEP_MAX ||
        !name_ok(issuer) || !name_ok(account))
        goto out;
    if ((r = mns_base32_encode(secret, sizeof(secret), key, keylen)) != MNS_OK)
        goto out;
    w = snprintf(tail, sizeof(tail), "&algorithm=%s&digits=%u&period=%u", alg_name(alg), digits,
                 step_s);
    if (w < 0 || (size_t)w >= sizeof(tail)) {
        r = MNS_ERR_INTERNAL;
        goto out;
    }
    ub_str(&b, "otpauth://totp/");
    ub_pct(&b, issuer);
    ub_str(&b, ":");
    ub_pct(&b, account);
    ub_str(&b, "?secret=");
    ub_str(&b, secret);
    ub_str(&b, "&issuer=");
    ub_pct(&b, issuer);
    ub_str(&b, tail);
    r = b.full ? MNS_ERR_LIMIT : MNS_OK;
out:
    if (r != MNS_OK)
        mns_wipe(out, outsize);
    mns_wipe(secret, sizeof(secret));
    return r;
}
