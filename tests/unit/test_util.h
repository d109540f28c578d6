/*
 * test_util.h: helpers shared by the unit test programs (files, bytes).
 *
 * Temporary directories live under $MNS_TEST_TMP (set by CTest; made if
 * missing) or /tmp, and are removed with everything in them.
 *
 * Header-only: every helper is static and marked unused, since each test
 * program uses a different subset.
 */
#ifndef MNS_TEST_UTIL_H
#define MNS_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#define TU_UNUSED __attribute__((unused))

/* ---- bytes -------------------------------------------------------------- */

/* Whether n bytes at p are all zero (wiped, or not filled in). */
static TU_UNUSED bool tu_all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* ---- temp directories ----------------------------------------------------- */

/*
 * mkdtemp of <base>/<tag>-XXXXXX into out, base being $MNS_TEST_TMP (made
 * if missing) or /tmp. 0 on success, -1 on failure; for setup functions
 * that report failure by their return value rather than an assertion.
 */
static TU_UNUSED int tu_mkdtemp_try(char *out, size_t size, const char *tag)
{
    const char *base = getenv("MNS_TEST_TMP");
    int n;

    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    else if (mkdir(base, 0700) != 0 && errno != EEXIST)
        return -1;
    n = snprintf(out, size, "%s/%s-XXXXXX", base, tag);
    if (n <= 0 || (size_t)n >= size || mkdtemp(out) == NULL)
        return -1;
    return 0;
}

/* The same, failing the test when the directory cannot be made. */
static TU_UNUSED void tu_mkdtemp(char *out, size_t size, const char *tag)
{
    assert_int_equal(tu_mkdtemp_try(out, size, tag), 0);
}

/* Removes a directory tree (files and subdirectories). */
static TU_UNUSED void tu_rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char p[PATH_MAX];
    struct stat sb;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
            tu_rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* ---- files ---------------------------------------------------------------- */

/*
 * Reads a whole file into a malloc'ed buffer with a NUL after the last byte
 * (not counted in *len), so text can be searched with the str* functions.
 * NULL, and *len 0, if the file cannot be opened.
 */
static TU_UNUSED void *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;

    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, cap);
            assert_non_null(nb);
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

#endif
