/*
 * share_text.c: the text form of an unseal share, typed in by people.
 *
 *   mns1-<k>-<set id: 8 hex>-<x: 2 hex>-<y: 64 hex>-<checksum: 8 hex>
 *
 * k is decimal without leading zeros. The checksum is the first 4 bytes of
 * SHA-256 over the canonical (lower-case) text before the last hyphen, so a
 * mistyped character is caught with probability 1 - 2^-32 before the share
 * reaches the interpolation, where it would silently give a wrong key.
 *
 * Parsing forgives what does not change the meaning: case, whitespace
 * anywhere, where the hyphens are, and what Japanese input methods make of
 * the same keys (ideographic space, full-width letters and digits, ー for a
 * hyphen). After "mns1" the hyphens are
 * dropped; since the last 82 characters are fixed-length hex fields, what
 * remains before them is k. The checksum is then recomputed over the
 * canonical form, so anything else (a changed, missing or extra character)
 * fails.
 *
 * Error messages say what is wrong and where (1-based character position),
 * never which character: the text is secret.
 */
#include <inttypes.h>

#include "mnsafe/crypto.h"

#define SHARE_PREFIX "mns1"
#define SHARE_PREFIX_LEN 4
/* set id (8) + x (2) + y (64) + checksum (8) */
#define SHARE_HEX_LEN (8 + 2 + 2 * MNS_KEY_LEN + 8)
#define SHARE_CHECKSUM_LEN 4
/* Raw input is bounded even when it is mostly spaces. */
#define SHARE_INPUT_MAX 1024

/* Canonical text before the checksum, with its trailing hyphen. Returns the
 * length, or 0 if it did not fit. */
static size_t format_body(char *out, size_t size, const struct mns_share *share)
{
    int n = snprintf(out, size, SHARE_PREFIX "-%u-%08" PRIx32 "-%02x-",
                     (unsigned)share->threshold, share->set_id, (unsigned)share->x);
    if (n < 0 || (size_t)n + 2 * MNS_KEY_LEN + 1 > size)
        return 0;
    mns_hex_encode(out + n, share->y, MNS_KEY_LEN);
    return (size_t)n + 2 * MNS_KEY_LEN;
}

/* Checksum of the body without its final hyphen. */
static mns_err body_checksum(uint8_t sum[SHARE_CHECKSUM_LEN], const char *body, size_t len)
{
    uint8_t digest[MNS_HASH_LEN];
    mns_err r = mns_sha256(digest, body, len);

    if (r == MNS_OK)
        memcpy(sum, digest, SHARE_CHECKSUM_LEN);
    mns_wipe(digest, sizeof(digest));
    return r;
}

void mns_share_format(char out[MNS_SHARE_TEXT_MAX], const struct mns_share *share)
{
    uint8_t sum[SHARE_CHECKSUM_LEN];
    size_t len;

    if (out == NULL)
        return;
    out[0] = '\0';
    if (share == NULL)
        return;
    len = format_body(out, MNS_SHARE_TEXT_MAX, share);
    /* body + "-" + 8 hex + NUL; on a (practically impossible) hash failure the
     * output stays empty, which no parser accepts. */
    if (len == 0 || len + 1 + 2 * SHARE_CHECKSUM_LEN + 1 > MNS_SHARE_TEXT_MAX ||
        body_checksum(sum, out, len) != MNS_OK) {
        mns_wipe(out, MNS_SHARE_TEXT_MAX);
        out[0] = '\0';
        return;
    }
    out[len] = '-';
    mns_hex_encode(out + len + 1, sum, SHARE_CHECKSUM_LEN);
    mns_wipe(sum, sizeof(sum));
}

static bool is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

/* ASCII letters and digits only; no locale. */
static bool is_alnum_lower(unsigned char *c)
{
    if (*c >= 'A' && *c <= 'Z')
        *c = (unsigned char)(*c - 'A' + 'a');
    return is_digit((char)*c) || (*c >= 'a' && *c <= 'z');
}

/*
 * Reads the character at text[*i] and moves past it. Returns what it means
 * here: ' ' for a space, '-' for a dash, the ASCII letter or digit for a
 * full-width one, else the byte itself; 0x80 for a character with no meaning
 * here. Japanese input methods give U+3000 for a space, full-width letters and
 * digits (U+FF01..U+FF5E) in full-width mode, and U+30FC (ー) for the '-'
 * key in kana mode; all are 3-byte UTF-8.
 */
static unsigned char next_char(const char *text, size_t len, size_t *i)
{
    const unsigned char *t = (const unsigned char *)text;
    unsigned char c = t[(*i)++];
    uint32_t cp;

    if (c < 0x80)
        return c;
    if ((c & 0xf0) != 0xe0 || len - *i < 2 || (t[*i] & 0xc0) != 0x80 ||
        (t[*i + 1] & 0xc0) != 0x80)
        return 0x80;
    cp = (uint32_t)(c & 0x0f) << 12 | (uint32_t)(t[*i] & 0x3f) << 6 | (uint32_t)(t[*i + 1] & 0x3f);
    *i += 2;
    if (cp == 0x3000)
        return ' ';
    if ((cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212 || cp == 0x30fc || cp == 0xff70)
        return '-';
    if (cp >= 0xff01 && cp <= 0xff5e)
        return (unsigned char)(cp - 0xfee0);
    return 0x80;
}

mns_err mns_share_parse(struct mns_share *share, const char *text, mns_errmsg *em)
{
    /* buf: the text without spaces, lower-case; pos: 1-based character
     * position in the input (counted from the first non-space) of each byte. */
    char buf[MNS_SHARE_TEXT_MAX];
    unsigned pos[MNS_SHARE_TEXT_MAX];
    char body[MNS_SHARE_TEXT_MAX];
    struct mns_share s = {0};
    uint8_t sum[SHARE_CHECKSUM_LEN], want[SHARE_CHECKSUM_LEN];
    uint8_t hdr[4 + 1];
    size_t n = 0, in_len, kdigits, body_len;
    const char *hex;
    unsigned chars = 0, k = 0;
    mns_err r;

    if (share == NULL || text == NULL)
        return MNS_ERR_INVALID;
    memset(share, 0, sizeof(*share));

    in_len = strnlen(text, SHARE_INPUT_MAX + 1);
    if (in_len > SHARE_INPUT_MAX) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "share text is too long / シェアの文字列が長すぎます");
        goto out;
    }

    /* 1. Drop whitespace, fold case and width, allow only letters, digits,
     * hyphens. */
    for (size_t i = 0; i < in_len;) {
        unsigned char c = next_char(text, in_len, &i);
        if (is_space(c)) {
            if (n > 0)
                chars++;
            continue;
        }
        chars++;
        if (c != '-' && !is_alnum_lower(&c)) {
            r = mns_fail(em, MNS_ERR_BAD_SHARE,
                         "share has a character that is not a letter, digit or hyphen at "
                         "position %u / シェアの%u文字目に使えない文字があります",
                         chars, chars);
            goto out;
        }
        if (n + 1 >= sizeof(buf)) {
            r = mns_fail(em, MNS_ERR_BAD_SHARE,
                         "share text is too long / シェアの文字列が長すぎます");
            goto out;
        }
        pos[n] = chars;
        buf[n++] = (char)c;
    }

    /* 2. Prefix and version. */
    if (n < 3 || memcmp(buf, "mns", 3) != 0) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "not an mnsafe share (it must start with mns1-) / "
                     "mnsafeのシェアではありません（mns1-で始まります）");
        goto out;
    }
    if (n < SHARE_PREFIX_LEN || buf[3] != '1') {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "unsupported share version (expected mns1) / "
                     "対応していないシェアの版です（mns1のみ対応）");
        goto out;
    }

    /* 3. Hyphens after the prefix only separate groups: drop them. */
    {
        size_t w = SHARE_PREFIX_LEN;
        for (size_t i = SHARE_PREFIX_LEN; i < n; i++) {
            if (buf[i] == '-')
                continue;
            pos[w] = pos[i];
            buf[w++] = buf[i];
        }
        n = w;
    }
    if (n < SHARE_PREFIX_LEN + 1 + SHARE_HEX_LEN) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "share is too short: a character missing? / "
                     "シェアが短すぎます：入力漏れの可能性があります");
        goto out;
    }
    kdigits = n - SHARE_PREFIX_LEN - SHARE_HEX_LEN;
    if (kdigits > 3) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "share is too long: a character doubled? / "
                     "シェアが長すぎます：余分な文字が入っている可能性があります");
        goto out;
    }

    /* 4. Threshold: decimal, no leading zero (the canonical form has none, so
     * a stray 0 must not slip past the checksum). */
    for (size_t i = 0; i < kdigits; i++) {
        char c = buf[SHARE_PREFIX_LEN + i];
        if (!is_digit(c) || (i == 0 && c == '0')) {
            r = mns_fail(em, MNS_ERR_BAD_SHARE,
                         "threshold after mns1- is not a decimal number (position %u) / "
                         "mns1-の後のしきい値が数字ではありません（%u文字目）",
                         pos[SHARE_PREFIX_LEN + i], pos[SHARE_PREFIX_LEN + i]);
            goto out;
        }
        k = k * 10 + (unsigned)(c - '0');
    }

    /* 5. The fixed-length hex fields. */
    hex = buf + SHARE_PREFIX_LEN + kdigits;
    for (size_t i = 0; i < SHARE_HEX_LEN; i++) {
        if (!is_hex(hex[i])) {
            unsigned p = pos[SHARE_PREFIX_LEN + kdigits + i];
            r = mns_fail(em, MNS_ERR_BAD_SHARE,
                         "share has a character other than 0-9 and a-f at position %u / "
                         "シェアの%u文字目が0-9・a-fではありません",
                         p, p);
            goto out;
        }
    }
    if (mns_hex_decode(hdr, 5, hex, 10) != MNS_OK ||
        mns_hex_decode(s.y, MNS_KEY_LEN, hex + 10, 2 * MNS_KEY_LEN) != MNS_OK ||
        mns_hex_decode(want, SHARE_CHECKSUM_LEN, hex + 10 + 2 * MNS_KEY_LEN,
                       2 * SHARE_CHECKSUM_LEN) != MNS_OK) {
        r = MNS_ERR_INTERNAL; /* cannot happen: checked as hex above */
        goto out;
    }
    s.set_id = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    s.x = hdr[4];

    /* 6. Checksum over the canonical text. k <= 999 here; the range check
     * comes after, so that a typo in k reads as a typo. */
    s.threshold = (uint8_t)(k > 255 ? 0 : k);
    {
        int hl = snprintf(body, sizeof(body), SHARE_PREFIX "-%u-%08" PRIx32 "-%02x-", k,
                          s.set_id, (unsigned)s.x);
        if (hl < 0 || (size_t)hl + 2 * MNS_KEY_LEN >= sizeof(body)) {
            r = MNS_ERR_INTERNAL;
            goto out;
        }
        mns_hex_encode(body + hl, s.y, MNS_KEY_LEN);
        body_len = (size_t)hl + 2 * MNS_KEY_LEN;
    }
    if ((r = body_checksum(sum, body, body_len)) != MNS_OK)
        goto out;
    if (!mns_equal(sum, want, sizeof(sum))) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "share checksum does not match: mistyped? / "
                     "チェックサム不一致：入力ミスの可能性があります");
        goto out;
    }

    /* 7. Well-typed, but values no split produces. */
    if (k < 2 || k > MNS_SHARES_MAX) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "threshold must be between 2 and 255 / しきい値は2から255の間です");
        goto out;
    }
    if (s.x == 0) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "share number (x) 00 is not valid / シェア番号00は無効です");
        goto out;
    }
    if (s.set_id == 0) {
        r = mns_fail(em, MNS_ERR_BAD_SHARE,
                     "set id 00000000 is not valid / セットID 00000000は無効です");
        goto out;
    }
    *share = s;
    r = MNS_OK;
out:
    mns_wipe(buf, sizeof(buf));
    mns_wipe(body, sizeof(body));
    mns_wipe(&s, sizeof(s));
    mns_wipe(sum, sizeof(sum));
    mns_wipe(want, sizeof(want));
    return r;
}
