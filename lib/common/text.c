/* text.c: the growing text buffer of mnsafe/text.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/text.h"

void mns_text_add(struct mns_text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->len + n + 1 > t->cap) {
        size_t cap = (t->len + n + 1) * 2;
        char *p = realloc(t->p, cap);
        if (p == NULL) {
            t->failed = true;
            return;
        }
        t->p = p;
        t->cap = cap;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

void mns_text_str(struct mns_text *t, const char *s)
{
    if (s != NULL)
        mns_text_add(t, s, strlen(s));
}

void mns_text_printf(struct mns_text *t, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = true;
    } else if ((size_t)n < sizeof(small)) {
        mns_text_add(t, small, (size_t)n);
    } else {
        char *big = malloc((size_t)n + 1);
        if (big == NULL) {
            t->failed = true;
            return;
        }
        va_start(ap, fmt);
        vsnprintf(big, (size_t)n + 1, fmt, ap);
        va_end(ap);
        mns_text_add(t, big, (size_t)n);
        free(big);
    }
}

void mns_text_xml(struct mns_text *t, const char *s)
{
    for (; s != NULL && *s; s++) {
        switch (*s) {
        case '&': mns_text_str(t, "&amp;"); break;
        case '<': mns_text_str(t, "&lt;"); break;
        case '>': mns_text_str(t, "&gt;"); break;
        case '"': mns_text_str(t, "&quot;"); break;
        case '\'': mns_text_str(t, "&apos;"); break;
        default: mns_text_add(t, s, 1);
        }
    }
}

void mns_text_csv(struct mns_text *t, const char *s)
{
    mns_text_add(t, "\"", 1);
    for (; s != NULL && *s; s++) {
        if (*s == '"')
            mns_text_add(t, "\"", 1);
        mns_text_add(t, s, 1);
    }
    mns_text_add(t, "\"", 1);
}

char *mns_text_take(struct mns_text *t)
{
    char *p = t->p;
    if (t->failed) {
        free(p);
        p = NULL;
    }
    t->p = NULL;
    t->len = t->cap = 0;
    return p;
}
