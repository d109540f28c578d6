/*
 * kat.h: the known-answer file reader shared by the test_crypto_*.c programs.
 *
 * A file under tests/data/crypto holds records of "field = hex" lines (plus
 * an optional "name = text"), a blank line ending each record and '#'
 * starting a comment. Each test names the hex fields it expects, in the
 * order of its own enum, and reads one record at a time with kat_next().
 *
 * Header-only: every helper is static and marked unused, since each test
 * program uses a different subset.
 */
#ifndef MNS_TEST_KAT_H
#define MNS_TEST_KAT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

#define KAT_UNUSED __attribute__((unused))

#define KAT_MAX 256       /* bytes per field */
#define KAT_FIELDS_MAX 8  /* hex fields per record */

struct kat {
    char name[64];
    uint8_t v[KAT_FIELDS_MAX][KAT_MAX];
    size_t len[KAT_FIELDS_MAX];
    bool have[KAT_FIELDS_MAX];
};

/* Opens tests/data/crypto/<file> ($MNS_TEST_DATA/crypto when set); NULL if missing. */
static KAT_UNUSED FILE *kat_open(const char *file)
{
    const char *dir = getenv("MNS_TEST_DATA");
    char path[1024];
    if (dir != NULL) {
        snprintf(path, sizeof(path), "%s/crypto/%s", dir, file);
    } else {
        /* run by hand: the data folder beside this header (tests/unit) */
        const char *slash = strrchr(__FILE__, '/');
        int dlen = slash != NULL ? (int)(slash - __FILE__) : 1;
        snprintf(path, sizeof(path), "%.*s/../data/crypto/%s", dlen,
                 slash != NULL ? __FILE__ : ".", file);
    }
    return fopen(path, "r");
}

/* Strips leading blanks and trailing blanks and line ends, in place. */
static KAT_UNUSED char *kat_trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* 1 and a record, or 0 at the end of the file. fields[0..nfields) are the
 * names of the hex fields: k->v[f], k->len[f], k->have[f] for fields[f]. */
static KAT_UNUSED int kat_next(FILE *fp, struct kat *k, const char *const *fields, int nfields)
{
    char line[1024];
    bool any = false;

    memset(k, 0, sizeof(*k));
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *l = kat_trim(line), *eq, *key, *val;
        if (*l == '#')
            continue;
        if (*l == '\0') {
            if (any)
                return 1;
            continue;
        }
        eq = strchr(l, '=');
        assert_non_null(eq);
        *eq = '\0';
        key = kat_trim(l);
        val = kat_trim(eq + 1);
        any = true;
        if (strcmp(key, "name") == 0) {
            snprintf(k->name, sizeof(k->name), "%s", val);
            continue;
        }
        for (int f = 0; f < nfields; f++) {
            if (strcmp(key, fields[f]) != 0)
                continue;
            assert_true(strlen(val) / 2 <= KAT_MAX);
            k->len[f] = strlen(val) / 2;
            assert_int_equal(mns_hex_decode(k->v[f], k->len[f], val, strlen(val)), MNS_OK);
            k->have[f] = true;
        }
    }
    return any ? 1 : 0;
}

#endif
