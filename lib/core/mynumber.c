/*
 * mynumber.c: normalising, validating and masking My Numbers (個人番号) and
 * Corporate Numbers (法人番号).
 *
 * Why it looks like this:
 *  - Input comes from people: full-width digits, spaces and hyphens of every
 *    kind are normal. We accept exactly the forms listed in mynumber.h and
 *    reject everything else loudly, naming the character position, so that a
 *    mistyped number is never silently turned into another one.
 *  - A hyphen is dropped only when a digit stands IMMEDIATELY before and after
 *    it (spaces are not skipped): "1234-5678-9018" passes, "1234 - 5678",
 *    "-1234", "1234-" and "12--34" fail. The strict rule means a stray or
 *    doubled separator, the usual sign of a lost or pasted-over digit, is
 *    reported rather than absorbed. It can be loosened later without breaking
 *    anything that passes today.
 *  - Error text says where and what, in English then Japanese, and never holds
 *    a digit of the input: positions and counts only, and the code point of a
 *    rejected character unless that character itself stands for a digit
 *    (e.g. '５' in another script, or kanji numerals), in which case the code
 *    point would reveal the digit and is left out.
 *  - Every buffer that may hold digits is wiped on failure (OPENSSL_cleanse),
 *    and the scratch buffer of the parse functions is wiped on every exit.
 *
 * All functions are pure: no allocation, no globals, thread-safe.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>

#include "mnsafe/error.h"
#include "mnsafe/mynumber.h"

/* ---- character classes ------------------------------------------------ */

/*
 * Decodes one UTF-8 character from s[0..avail). Returns its length in bytes
 * (1..4) and stores the code point, or returns 0 if the bytes there are not
 * well-formed UTF-8: bad lead byte, missing or bad continuation, overlong form,
 * UTF-16 surrogate, or beyond U+10FFFF.
 */
static size_t utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
    unsigned char b0 = s[0];
    size_t n;
    uint32_t c;
    uint32_t min;

    if (b0 < 0x80) {
        *cp = b0;
        return 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2;
        c = b0 & 0x1Fu;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 3;
        c = b0 & 0x0Fu;
        min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4;
        c = b0 & 0x07u;
        min = 0x10000;
    } else {
        return 0;
    }
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

/* Value 0..9 of an accepted digit (ASCII or full-width), else -1. */
static int digit_value(uint32_t cp)
{
    if (cp >= '0' && cp <= '9')
        return (int)(cp - '0');
    if (cp >= 0xFF10 && cp <= 0xFF19)
        return (int)(cp - 0xFF10);
    return -1;
}

static bool is_dropped_space(uint32_t cp)
{
    return cp == 0x0020 || cp == 0x3000;
}

static bool is_hyphen(uint32_t cp)
{
    switch (cp) {
    case 0x002D: /* - HYPHEN-MINUS */
    case 0x2010: /* ‐ HYPHEN */
    case 0x2212: /* − MINUS SIGN */
    case 0xFF0D: /* － FULLWIDTH HYPHEN-MINUS */
    case 0x2015: /* ― HORIZONTAL BAR */
    case 0x30FC: /* ー KATAKANA-HIRAGANA PROLONGED SOUND MARK */
        return true;
    default:
        return false;
    }
}

/*
 * Characters we do not accept but that stand for a digit value, so that
 * printing their code point would reveal a digit of the input. Not all of
 * Unicode's digits (that needs a Unicode database), but the forms a Japanese
 * office is likely to produce, plus the common other-script decimal digits.
 */
static bool is_digit_like(uint32_t cp)
{
    static const struct {
        uint32_t lo, hi;
    } ranges[] = {
        {0x00B2, 0x00B3},   /* ² ³ */
        {0x00B9, 0x00B9},   /* ¹ */
        {0x0660, 0x0669},   /* Arabic-Indic */
        {0x06F0, 0x06F9},   /* Extended Arabic-Indic */
        {0x0966, 0x096F},   /* Devanagari */
        {0x09E6, 0x09EF},   /* Bengali */
        {0x0E50, 0x0E59},   /* Thai */
        {0x2070, 0x2079},   /* superscripts */
        {0x2080, 0x2089},   /* subscripts */
        {0x2150, 0x218B},   /* number forms, Roman numerals */
        {0x2460, 0x24FF},   /* circled / parenthesised / full-stop numbers */
        {0x2776, 0x2793},   /* dingbat circled digits */
        {0x3007, 0x3007},   /* 〇 */
        {0x3021, 0x3029},   /* Hangzhou numerals */
        {0x3038, 0x303A},   /* 〸 〹 〺 */
        {0x3220, 0x3229},   /* ㈠..㈩ */
        {0x3248, 0x324F},   /* circled numbers on black squares */
        {0x3251, 0x325F},   /* circled 21..35 */
        {0x3280, 0x3289},   /* ㊀..㊉ */
        {0x32B1, 0x32BF},   /* circled 36..50 */
        {0x4E00, 0x4E00},   /* 一 */
        {0x4E03, 0x4E03},   /* 七 */
        {0x4E07, 0x4E07},   /* 万 */
        {0x4E09, 0x4E09},   /* 三 */
        {0x4E5D, 0x4E5D},   /* 九 */
        {0x4E8C, 0x4E8C},   /* 二 */
        {0x4E94, 0x4E94},   /* 五 */
        {0x516B, 0x516B},   /* 八 */
        {0x516D, 0x516D},   /* 六 */
        {0x5341, 0x5341},   /* 十 */
        {0x53C2, 0x53C2},   /* 参 */
        {0x56DB, 0x56DB},   /* 四 */
        {0x58F1, 0x58F1},   /* 壱 */
        {0x5F10, 0x5F10},   /* 弐 */
        {0x62FE, 0x62FE},   /* 拾 */
        {0x96F6, 0x96F6},   /* 零 */
        {0x767E, 0x767E},   /* 百 */
        {0x5343, 0x5343},   /* 千 */
        {0x5EFF, 0x5EFF},   /* 廿 */
        {0x58F9, 0x58F9},   /* 壹 */
        {0x8CB3, 0x8CB3},   /* 貳 */
        {0x53C3, 0x53C3},   /* 參 */
        {0x8086, 0x8086},   /* 肆 */
        {0x4F0D, 0x4F0D},   /* 伍 */
        {0x9678, 0x9678},   /* 陸 */
        {0x67D2, 0x67D2},   /* 柒 */
        {0x634C, 0x634C},   /* 捌 */
        {0x7396, 0x7396},   /* 玖 */
        {0x1D7CE, 0x1D7FF}, /* mathematical digits */
        {0x1FBF0, 0x1FBF9}, /* segmented digits */
    };
    for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
        if (cp >= ranges[i].lo && cp <= ranges[i].hi)
            return true;
    }
    return false;
}

/*
 * Whether naming a character's code point in an error is safe: only in the
 * blocks without decimal digits of their own beyond those is_digit_like
 * knows (Latin to Armenian, general punctuation, CJK symbols and kana, CJK
 * ideographs, full-width forms). Other
 * scripts (Tamil, Myanmar, Khmer...) have digits we do not list, and their
 * code point would reveal a digit of the input.
 */
static bool code_point_is_safe_to_show(uint32_t cp)
{
    return cp < 0x0590 || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x30FF) ||
           (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0xFF00 && cp <= 0xFFEF);
}

static void wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        OPENSSL_cleanse(p, n);
}

/* ---- normalisation ----------------------------------------------------- */

mns_err mns_number_normalize(char *out, size_t outsize, size_t *outlen,
                             const char *in, size_t inlen, mns_errmsg *em)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t off = 0;
    size_t pos = 0; /* 1-based position, in characters, of the current one */
    size_t ndig = 0;
    bool prev_digit = false;
    mns_err r;

    if (outlen != NULL)
        *outlen = 0;
    if (out == NULL || outsize == 0)
        return mns_fail(em, MNS_ERR_INVALID, "no output buffer / 出力先がありません");
    if (in == NULL && inlen > 0) {
        r = mns_fail(em, MNS_ERR_INVALID, "no input / 入力がありません");
        goto out;
    }
    if (inlen == 0) {
        r = mns_fail(em, MNS_ERR_INVALID, "the input is empty / 入力が空です");
        goto out;
    }
    if (inlen > MNS_NUMBER_INPUT_MAX) {
        r = mns_fail(em, MNS_ERR_LIMIT,
                     "the input is longer than %d bytes / 入力が%dバイトを超えています",
                     MNS_NUMBER_INPUT_MAX, MNS_NUMBER_INPUT_MAX);
        goto out;
    }

    while (off < inlen) {
        uint32_t cp = 0;
        size_t n = utf8_decode(s + off, inlen - off, &cp);
        int d;

        pos++;
        if (n == 0) {
            /* The lead byte of a malformed sequence is never an ASCII digit. */
            r = mns_fail(em, MNS_ERR_INVALID,
                         "character %zu is not valid UTF-8 (byte 0x%02X) / "
                         "%zu文字目が正しいUTF-8ではありません (バイト 0x%02X)",
                         pos, (unsigned)s[off], pos, (unsigned)s[off]);
            goto out;
        }
        d = digit_value(cp);
        if (d >= 0) {
            if (ndig + 1 >= outsize) {
                r = mns_fail(em, MNS_ERR_LIMIT,
                             "more than %zu digits / 数字が%zu桁を超えています",
                             outsize - 1, outsize - 1);
                goto out;
            }
            out[ndig++] = (char)('0' + d);
            prev_digit = true;
        } else if (is_dropped_space(cp)) {
            prev_digit = false;
        } else if (is_hyphen(cp)) {
            uint32_t next = 0;
            size_t m = off + n < inlen ? utf8_decode(s + off + n, inlen - off - n, &next) : 0;

            if (!prev_digit || m == 0 || digit_value(next) < 0) {
                r = mns_fail(em, MNS_ERR_INVALID,
                             "character %zu is a hyphen (U+%04X) that does not stand "
                             "between two digits / %zu文字目のハイフン (U+%04X) が"
                             "数字と数字の間にありません",
                             pos, (unsigned)cp, pos, (unsigned)cp);
                goto out;
            }
            prev_digit = false;
        } else if (is_digit_like(cp)) {
            r = mns_fail(em, MNS_ERR_INVALID,
                         "character %zu is a kind of digit that is not accepted; "
                         "use ASCII or full-width digits / %zu文字目は使用できない"
                         "数字の文字です（半角または全角の数字を使ってください）",
                         pos, pos);
            goto out;
        } else if (code_point_is_safe_to_show(cp)) {
            r = mns_fail(em, MNS_ERR_INVALID,
                         "character %zu is not a digit (U+%04X) / "
                         "%zu文字目が数字ではありません (U+%04X)",
                         pos, (unsigned)cp, pos, (unsigned)cp);
            goto out;
        } else {
            r = mns_fail(em, MNS_ERR_INVALID,
                         "character %zu is not a digit / %zu文字目が数字ではありません", pos, pos);
            goto out;
        }
        off += n;
    }

    if (ndig == 0) {
        r = mns_fail(em, MNS_ERR_INVALID, "the input holds no digits / 入力に数字がありません");
        goto out;
    }
    out[ndig] = '\0';
    if (outlen != NULL)
        *outlen = ndig;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        wipe(out, outsize);
    return r;
}

/* ---- check digits ------------------------------------------------------ */

static bool all_ascii_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
    }
    return true;
}

/*
 * 個人番号: weights 6,5,4,3,2,7,6,5,4,3,2 over the first 11 digits, left to
 * right; r = sum mod 11; check digit = 0 if r <= 1, else 11 - r.
 * Returns -1 (not a digit) if digits11 is NULL or holds a non-digit.
 */
int mns_mynumber_check_digit(const char digits11[11])
{
    static const int weights[11] = {6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2};
    int sum = 0;
    int r;

    if (digits11 == NULL || !all_ascii_digits(digits11, 11))
        return -1;
    for (size_t i = 0; i < 11; i++)
        sum += (digits11[i] - '0') * weights[i];
    r = sum % 11;
    return r <= 1 ? 0 : 11 - r;
}

/*
 * 法人番号: check digit = 9 - (sum of P_n * Q_n mod 9) over the 12 digits after
 * it, P_n the n-th digit counted from the right, Q_n = 1 for odd n, 2 for
 * even n. The result is always 1..9. Returns -1 on a non-digit or NULL.
 */
int mns_corporate_number_check_digit(const char digits12[12])
{
    int sum = 0;

    if (digits12 == NULL || !all_ascii_digits(digits12, 12))
        return -1;
    for (size_t n = 1; n <= 12; n++) {
        int p = digits12[12 - n] - '0';
        sum += p * ((n % 2 == 1) ? 1 : 2);
    }
    return 9 - sum % 9;
}

/* ---- validation -------------------------------------------------------- */

/* Checks that digits[0..len) are len ASCII digits (the caller checked len). */
static mns_err check_digits_only(const char *digits, size_t len, mns_errmsg *em)
{
    for (size_t i = 0; i < len; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return mns_fail(em, MNS_ERR_INVALID,
                            "character %zu is not a digit / %zu文字目が数字ではありません",
                            i + 1, i + 1);
    }
    return MNS_OK;
}

mns_err mns_mynumber_validate(const char *digits, size_t len, mns_errmsg *em)
{
    mns_err r;

    if (digits == NULL && len > 0)
        return mns_fail(em, MNS_ERR_INVALID, "no input / 入力がありません");
    if (len != MNS_MYNUMBER_LEN)
        return mns_fail(em, MNS_ERR_INVALID, "expected %d digits, got %zu / %d桁ではありません（%zu桁）",
                        MNS_MYNUMBER_LEN, len, MNS_MYNUMBER_LEN, len);
    if ((r = check_digits_only(digits, len, em)) != MNS_OK)
        return r;
    if (mns_mynumber_check_digit(digits) != digits[11] - '0')
        return mns_fail(em, MNS_ERR_CHECK_DIGIT,
                        "wrong check digit (the last digit): the number is mistyped / "
                        "チェックデジット（最後の桁）が一致しません。番号に誤りがあります");
    return MNS_OK;
}

mns_err mns_corporate_number_validate(const char *digits, size_t len, mns_errmsg *em)
{
    mns_err r;

    if (digits == NULL && len > 0)
        return mns_fail(em, MNS_ERR_INVALID, "no input / 入力がありません");
    if (len != MNS_CORPORATE_NUMBER_LEN)
        return mns_fail(em, MNS_ERR_INVALID, "expected %d digits, got %zu / %d桁ではありません（%zu桁）",
                        MNS_CORPORATE_NUMBER_LEN, len, MNS_CORPORATE_NUMBER_LEN, len);
    if ((r = check_digits_only(digits, len, em)) != MNS_OK)
        return r;
    if (mns_corporate_number_check_digit(digits + 1) != digits[0] - '0')
        return mns_fail(em, MNS_ERR_CHECK_DIGIT,
                        "wrong check digit (the first digit): the number is mistyped / "
                        "チェックデジット（先頭の桁）が一致しません。番号に誤りがあります");
    return MNS_OK;
}

/* ---- parse ------------------------------------------------------------- */

/*
 * Normalises into a scratch buffer big enough for any accepted input (every
 * digit takes at least one input byte), so that the digit count can be
 * reported however long the input was. The scratch is wiped on every exit.
 */
mns_err mns_number_parse(char out[MNS_CORPORATE_NUMBER_LEN + 1], mns_number_kind *kind,
                         const char *in, size_t inlen, mns_errmsg *em)
{
    char buf[MNS_NUMBER_INPUT_MAX + 1];
    size_t n = 0;
    mns_number_kind k = MNS_NUMBER_MYNUMBER;
    mns_err r;

    if (out == NULL || kind == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "no output buffer / 出力先がありません");
    if ((r = mns_number_normalize(buf, sizeof(buf), &n, in, inlen, em)) != MNS_OK)
        goto out;
    if (n == MNS_MYNUMBER_LEN) {
        k = MNS_NUMBER_MYNUMBER;
        r = mns_mynumber_validate(buf, n, em);
    } else if (n == MNS_CORPORATE_NUMBER_LEN) {
        k = MNS_NUMBER_CORPORATE;
        r = mns_corporate_number_validate(buf, n, em);
    } else {
        r = mns_fail(em, MNS_ERR_INVALID,
                     "expected %d or %d digits, got %zu / %d桁または%d桁ではありません（%zu桁）",
                     MNS_MYNUMBER_LEN, MNS_CORPORATE_NUMBER_LEN, n, MNS_MYNUMBER_LEN,
                     MNS_CORPORATE_NUMBER_LEN, n);
    }
    if (r != MNS_OK)
        goto out;
    memcpy(out, buf, n + 1);
    *kind = k;
out:
    if (r != MNS_OK)
        wipe(out, MNS_CORPORATE_NUMBER_LEN + 1);
    wipe(buf, sizeof(buf));
    return r;
}

mns_err mns_mynumber_parse(char out[MNS_MYNUMBER_LEN + 1], const char *in, size_t inlen,
                           mns_errmsg *em)
{
    char buf[MNS_NUMBER_INPUT_MAX + 1];
    size_t n = 0;
    mns_err r;

    if (out == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "no output buffer / 出力先がありません");
    if ((r = mns_number_normalize(buf, sizeof(buf), &n, in, inlen, em)) != MNS_OK)
        goto out;
    if ((r = mns_mynumber_validate(buf, n, em)) != MNS_OK)
        goto out;
    memcpy(out, buf, MNS_MYNUMBER_LEN + 1);
out:
    if (r != MNS_OK)
        wipe(out, MNS_MYNUMBER_LEN + 1);
    wipe(buf, sizeof(buf));
    return r;
}

/* ---- masking ----------------------------------------------------------- */

/*
 * With show_last4, a value of four characters or fewer is masked whole: the
 * "last four" would be all of it.
 */
void mns_number_mask(char *out, const char *digits, size_t len, bool show_last4)
{
    size_t keep_from = len;

    if (out == NULL)
        return;
    if (show_last4 && digits != NULL && len > 4)
        keep_from = len - 4;
    for (size_t i = 0; i < len; i++)
        out[i] = i < keep_from ? '*' : digits[i];
    out[len] = '\0';
}

/*
 * A 12-digit run that passes the check digit, in free text. Digits are
 * ASCII or full-width; within a run, the hyphen family and spaces between
 * digits are skipped, as mns_number_normalize does. Runs of any other
 * length do not count (a 13-digit Corporate Number, a phone number).
 */
bool mns_text_contains_mynumber(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    char run[MNS_MYNUMBER_LEN + 1];
    size_t off = 0, nrun = 0;
    bool found = false, after_hyphen = false;

    /* Wider than mns_number_normalize on purpose: any number of spaces, and
     * one hyphen (with spaces around it) between two digits, keep a run
     * going, so that whatever normalize would accept is caught here. */
    for (;;) {
        uint32_t cp = 0;
        size_t n = 0;
        bool end = off >= len;
        if (!end) {
            n = utf8_decode(s + off, len - off, &cp);
            if (n == 0) {
                n = 1;
                cp = 0xFFFD;
            }
        }
        int d = end ? -1 : digit_value(cp);
        if (d >= 0) {
            if (nrun < sizeof(run))
                run[nrun] = (char)('0' + d);
            nrun++;
            after_hyphen = false;
        } else if (!end && is_dropped_space(cp)) {
            /* spaces never end a run */
        } else if (!end && is_hyphen(cp) && nrun > 0 && !after_hyphen) {
            after_hyphen = true;
        } else {
            if (nrun == MNS_MYNUMBER_LEN && mns_mynumber_check_digit(run) == run[11] - '0')
                found = true;
            nrun = 0;
            after_hyphen = false;
        }
        if (end || found)
            break;
        off += n;
    }
    wipe(run, sizeof(run));
    return found;
}
