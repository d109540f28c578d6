/*
 * text.c: the rules for text the vault keeps in clear (names, codes,
 * reasons) or writes into the audit log. Such text must not smuggle in a My
 * Number, nor characters that make a log or a list show something other than
 * what is stored (controls, line separators, bidi overrides).
 */
#include <string.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

/* Decodes one UTF-8 sequence (shortest form, no surrogates); 0 if invalid. */
static size_t utf8_next(const unsigned char *s, size_t avail, unsigned long *cp)
{
    unsigned char c = s[0];
    size_t n;
    unsigned long v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) { n = 2; v = c & 0x1F; min = 0x80; }
    else if (c >= 0xE0 && c <= 0xEF) { n = 3; v = c & 0x0F; min = 0x800; }
    else if (c >= 0xF0 && c <= 0xF4) { n = 4; v = c & 0x07; min = 0x10000; }
    else return 0;
    if (avail < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return n;
}

static bool forbidden(unsigned long cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||     /* C0, DEL, C1 */
           cp == 0x200E || cp == 0x200F ||                 /* LRM, RLM */
           (cp >= 0x2028 && cp <= 0x202E) ||               /* line/paragraph separators, bidi embeddings */
           (cp >= 0x2066 && cp <= 0x2069) ||               /* bidi isolates */
           cp == 0xFEFF;                                   /* zero-width no-break space / BOM */
}

bool vault_valid_text(const char *s, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > max)
        return false;
    for (size_t off = 0; off < n;) {
        unsigned long cp;
        size_t k = utf8_next((const unsigned char *)s + off, n - off, &cp);
        if (k == 0 || forbidden(cp))
            return false;
        off += k;
    }
    return !mns_text_contains_mynumber(s, n);
}

bool vault_valid_code(const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return false;
    }
    return !mns_text_contains_mynumber(s, n);
}

char *vault_json_text(const json_t *j)
{
    size_t n = json_dumpb(j, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
    char *s = n > 0 ? malloc(n + 1) : NULL;
    if (s != NULL)
        s[json_dumpb(j, s, n, JSON_COMPACT | JSON_SORT_KEYS)] = '\0';
    return s;
}

bool vault_valid_birth_date(const char *d)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (d == NULL || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return false;
    int y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
    int m = (d[5] - '0') * 10 + (d[6] - '0'), day = (d[8] - '0') * 10 + (d[9] - '0');
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1868 && m >= 1 && m <= 12 && day >= 1 && day <= mdays[m - 1] && !(m == 2 && day == 29 && !leap);
}

mns_err vault_only_fields(const json_t *body, const char *const *known, size_t n, mns_errmsg *em)
{
    const char *key;
    json_t *val;
    if (!json_is_object(body))
        return mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
    json_object_foreach((json_t *)body, key, val) {
        bool ok = false;
        for (size_t i = 0; i < n; i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok)
            return vault_valid_code(key) ? mns_fail(em, MNS_ERR_INVALID, "%s: unknown field / 不明な項目です", key)
                                         : mns_fail(em, MNS_ERR_INVALID, "body: unknown field / 不明な項目です");
    }
    return MNS_OK;
}
