/*
 * password_policy.c: what a new password must be.
 *
 * Defaults follow NIST SP 800-63B-4: length over composition (at least 12
 * characters), a blocklist of common passwords, no forced periodic change.
 * The JNSA sheet's F-b minimum 2 asks for complexity, expiry and history:
 * each can be turned on (character classes, days, how many earlier
 * passwords may not come back). The blocklist is John the Ripper's list of
 * common passwords from Debian's john-data (GPL data, read at run time, not
 * shipped here); when that file is absent a short built-in list stands in
 * and the vault reports which one is in force.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

#define BLOCKLIST_DEFAULT "/usr/share/john/password.lst"
#define BLOCKLIST_MAX 200000

static const char *const builtin_blocklist[] = {
    "123456789012", "1234567890123", "password1234", "passwordpassword", "qwertyuiopas", "administrator",
    "111111111111", "000000000000", "abcdefghijkl", "abc123abc123", "iloveyou1234", "letmeinletmein",
    "welcome12345", "mynumber1234", "mnsafemnsafe", "changeme1234", "p@ssw0rd1234", "qwerty123456",
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void lower_ascii(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

void password_policy_release(struct password_policy *p)
{
    for (size_t i = 0; i < p->nblock; i++)
        free(p->block[i]);
    free(p->block);
    p->block = NULL;
    p->nblock = 0;
}

static mns_err add_word(struct password_policy *p, size_t *cap, const char *w)
{
    if (p->nblock == *cap) {
        size_t ncap = *cap ? *cap * 2 : 1024;
        char **nb = realloc(p->block, ncap * sizeof(*nb));
        if (nb == NULL)
            return MNS_ERR_NOMEM;
        p->block = nb;
        *cap = ncap;
    }
    if ((p->block[p->nblock] = strdup(w)) == NULL)
        return MNS_ERR_NOMEM;
    lower_ascii(p->block[p->nblock++]);
    return MNS_OK;
}

mns_err password_policy_init(struct password_policy *p, const struct mns_vault_config *cfg, mns_errmsg *em)
{
    size_t cap = 0;
    mns_err err = MNS_OK;
    memset(p, 0, sizeof(*p));
    p->min_length = cfg->password_min_length ? cfg->password_min_length : 12;
    p->classes = cfg->password_classes;
    p->history = cfg->password_history;
    p->expiry_days = cfg->password_expiry_days;
    const char *path = cfg->password_blocklist ? cfg->password_blocklist : BLOCKLIST_DEFAULT;
    FILE *f = fopen(path, "re");
    if (f == NULL && cfg->password_blocklist != NULL)
        return mns_fail(em, MNS_ERR_IO, "cannot read the password blocklist %s / パスワード禁止リストを読めません", path);
    if (f != NULL) {
        char line[512];
        while (err == MNS_OK && fgets(line, sizeof(line), f) != NULL && p->nblock < BLOCKLIST_MAX) {
            line[strcspn(line, "\r\n")] = '\0';
            if (line[0] == '\0' || strncmp(line, "#!comment", 9) == 0)
                continue;
            err = add_word(p, &cap, line);
        }
        fclose(f);
        snprintf(p->source, sizeof(p->source), "%s", path);
    } else {
        for (size_t i = 0; err == MNS_OK && i < sizeof(builtin_blocklist) / sizeof(builtin_blocklist[0]); i++)
            err = add_word(p, &cap, builtin_blocklist[i]);
        snprintf(p->source, sizeof(p->source), "builtin");
    }
    if (err != MNS_OK) {
        password_policy_release(p);
        return err;
    }
    qsort(p->block, p->nblock, sizeof(*p->block), cmp_str);
    return MNS_OK;
}

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static unsigned char_classes(const char *s)
{
    bool lower = false, upper = false, digit = false, other = false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (islower(c))
            lower = true;
        else if (isupper(c))
            upper = true;
        else if (isdigit(c))
            digit = true;
        else
            other = true;
    }
    return (unsigned)lower + upper + digit + other;
}

mns_err password_policy_check(const struct password_policy *p, const char *user, const char *pw, mns_errmsg *em)
{
    size_t n = pw != NULL ? strlen(pw) : 0;
    if (n > MNS_PASSWORD_MAX)
        return mns_fail(em, MNS_ERR_LIMIT, "the new password is too long (at most %d bytes) / "
                        "新しいパスワードが長すぎます（%dバイト以内）", MNS_PASSWORD_MAX, MNS_PASSWORD_MAX);
    if (pw == NULL || utf8_chars(pw) < p->min_length)
        return mns_fail(em, MNS_ERR_INVALID, "the new password must have at least %u characters / "
                        "新しいパスワードは%u文字以上にしてください", p->min_length, p->min_length);
    if (p->classes > 1 && char_classes(pw) < p->classes)
        return mns_fail(em, MNS_ERR_INVALID, "the new password must mix at least %u of: lower case, upper case, "
                        "digits, other characters / 新しいパスワードには英小文字・英大文字・数字・記号のうち%u種類以上が必要です",
                        p->classes, p->classes);
    if (mns_text_contains_mynumber(pw, n))
        return mns_fail(em, MNS_ERR_INVALID, "the new password must not contain a My Number / "
                        "パスワードに個人番号を含めることはできません");
    char *low = strdup(pw);
    if (low == NULL)
        return MNS_ERR_NOMEM;
    lower_ascii(low);
    bool listed = bsearch(&low, p->block, p->nblock, sizeof(*p->block), cmp_str) != NULL;
    char uname[64];
    snprintf(uname, sizeof(uname), "%s", user != NULL ? user : "");
    lower_ascii(uname);
    bool has_name = uname[0] != '\0' && strstr(low, uname) != NULL;
    mns_wipe(low, n);
    free(low);
    if (listed)
        return mns_fail(em, MNS_ERR_INVALID, "the new password is a commonly used one; choose another / "
                        "よく使われるパスワードです。別のものにしてください");
    if (has_name)
        return mns_fail(em, MNS_ERR_INVALID, "the new password must not contain the user name / "
                        "パスワードにユーザー名を含めることはできません");
    return MNS_OK;
}
