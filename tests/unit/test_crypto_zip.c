/*
 * test_crypto_zip.c: WinZip AES-256 (AE-2) zip archives and zip passwords.
 *
 * The archive is checked against 7-Zip (Debian package p7zip-full, /usr/bin/7z),
 * run through popen: `7z t` and `7z x` with the password must succeed and give
 * back the same bytes under the same (UTF-8) name, a wrong password and an
 * altered byte must make 7-Zip fail. A missing 7z fails the test: it is not
 * skipped. The fixed header fields are also read back here byte by byte.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"
#include "test_util.h"

#define PW_LEN 20
#define JA_NAME "\xe6\xba\x90\xe6\xb3\x89\xe5\xbe\xb4\xe5\x8f\x8e\xe7\xa5\xa8_2026.csv" /* 源泉徴収票_2026.csv */
#define MTIME INT64_C(1768480496) /* 2026-01-15 12:34:56 UTC */

/* 7z with no prompts (stdin closed, -y), no progress (-bd), UTF-8 names. */
#define SEVENZ "LC_ALL=C.UTF-8 7z"

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* snprintf that fails the test rather than truncate. */
static void __attribute__((format(printf, 3, 4))) fmt(char *out, size_t size, const char *f, ...)
{
    va_list ap;
    int n;

    va_start(ap, f);
    n = vsnprintf(out, size, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size)
        fail_msg("text too long for its buffer");
}

/* Runs cmd through the shell; its exit status, or -1 if it did not exit. */
static int run(const char *cmd)
{
    int st = system(cmd);

    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

/* Runs cmd, its standard output (malloc'ed, NUL-terminated) into *text. */
static int run_capture(const char *cmd, char **text)
{
    FILE *p = popen(cmd, "r");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    int st;

    if (p == NULL)
        fail_msg("popen failed for: %s", cmd);
    for (;;) {
        if (n + 1 >= cap) {
            cap = cap ? cap * 2 : 4096;
            char *nb = realloc(buf, cap);
            assert_non_null(nb);
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - 1 - n, p);
        n += r;
        if (r == 0)
            break;
    }
    buf[n] = '\0';
    st = pclose(p);
    *text = buf;
    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static void require_7z(void)
{
    if (run(SEVENZ " i </dev/null >/dev/null 2>&1") != 0)
        fail_msg("7z is not installed or does not run: this test opens the archives with it "
                 "(apt-get install p7zip-full)");
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    if (len > 0)
        assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* Paths go into single quotes in shell commands: make sure that is safe. */
static void assert_quotable(const char *s)
{
    assert_null(strchr(s, '\''));
}

static void make_zip(uint8_t **zip, size_t *zip_len, const char *name, const uint8_t *data,
                     size_t len, const char *pw)
{
    assert_int_equal(mns_zip_aes_write(zip, zip_len, name, MTIME, data, len, pw), MNS_OK);
    assert_non_null(*zip);
    assert_int_equal(*zip_len, 30 + 46 + 22 + 2 * (strlen(name) + 11) + 28 + len);
}

/* ---- interop with 7-Zip ----------------------------------------------------- */

/* Writes, tests, lists and extracts one archive of len random bytes. */
static void roundtrip(const char *name, size_t len)
{
    char dir[PATH_MAX], zpath[PATH_MAX], xdir[PATH_MAX], xfile[PATH_MAX], cmd[4 * PATH_MAX];
    char pw[PW_LEN + 1], want[512];
    uint8_t *data = NULL, *zip = NULL;
    size_t zip_len = 0, got_len = 0;
    char *got, *listing;

    tu_mkdtemp(dir, sizeof(dir), "zip");
    assert_quotable(dir);
    fmt(zpath, sizeof(zpath), "%s/export.zip", dir);
    fmt(xdir, sizeof(xdir), "%s/x", dir);
    fmt(xfile, sizeof(xfile), "%s/%s", xdir, name);

    data = malloc(len > 0 ? len : 1);
    assert_non_null(data);
    assert_int_equal(mns_random(data, len), MNS_OK);
    assert_int_equal(mns_zip_password(pw, PW_LEN), MNS_OK);
    make_zip(&zip, &zip_len, name, data, len, pw);
    write_file(zpath, zip, zip_len);

    fmt(cmd, sizeof(cmd), SEVENZ " t -y -bd -p'%s' '%s' </dev/null >/dev/null 2>&1", pw,
             zpath);
    if (run(cmd) != 0)
        fail_msg("7z t failed for %zu bytes named %s", len, name);

    fmt(cmd, sizeof(cmd), SEVENZ " l -slt -y -bd -p'%s' '%s' </dev/null 2>&1", pw, zpath);
    assert_int_equal(run_capture(cmd, &listing), 0);
    fmt(want, sizeof(want), "\nPath = %s\n", name);
    if (strstr(listing, want) == NULL)
        fail_msg("no \"Path = %s\" in:\n%s", name, listing);
    fmt(want, sizeof(want), "\nSize = %zu\n", len);
    if (strstr(listing, want) == NULL)
        fail_msg("no \"Size = %zu\" in:\n%s", len, listing);
    if (strstr(listing, "\nEncrypted = +\n") == NULL)
        fail_msg("not listed as encrypted:\n%s", listing);
    /* 7-Zip names the method "AES-256 Store" (or "AES-256" alone) */
    if (strstr(listing, "\nMethod = AES-256 Store\n") == NULL &&
        strstr(listing, "\nMethod = AES-256\n") == NULL)
        fail_msg("method is not AES-256 (stored):\n%s", listing);
    free(listing);

    fmt(cmd, sizeof(cmd), SEVENZ " x -y -bd -p'%s' -o'%s' '%s' </dev/null >/dev/null 2>&1",
             pw, xdir, zpath);
    if (run(cmd) != 0)
        fail_msg("7z x failed for %zu bytes named %s", len, name);
    got = tu_read_file(xfile, &got_len);
    if (got == NULL)
        fail_msg("7z x did not extract %s", name);
    assert_int_equal(got_len, len);
    if (len > 0)
        assert_memory_equal(got, data, len);

    free(got);
    free(zip);
    free(data);
    tu_rm_tree(dir);
}

static void test_7z_roundtrip_sizes(void **state)
{
    static const size_t sizes[] = {0, 1, 15, 16, 17, 4096, 1000003};
    (void)state;
    require_7z();
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        roundtrip("export.csv", sizes[i]);
}

static void test_7z_japanese_name(void **state)
{
    (void)state;
    require_7z();
    roundtrip(JA_NAME, 1000);
    roundtrip(JA_NAME, 0);
}

/* A wrong password: 7z x fails and leaves nothing with the plaintext. */
static void test_7z_wrong_password(void **state)
{
    char dir[PATH_MAX], zpath[PATH_MAX], xdir[PATH_MAX], xfile[PATH_MAX], cmd[4 * PATH_MAX];
    char pw[PW_LEN + 1], wrong[PW_LEN + 1];
    uint8_t data[4096], *zip = NULL;
    size_t zip_len = 0, got_len = 0;
    char *got;
    (void)state;

    require_7z();
    tu_mkdtemp(dir, sizeof(dir), "zip");
    assert_quotable(dir);
    fmt(zpath, sizeof(zpath), "%s/export.zip", dir);
    fmt(xdir, sizeof(xdir), "%s/x", dir);
    fmt(xfile, sizeof(xfile), "%s/export.csv", xdir);

    assert_int_equal(mns_random(data, sizeof(data)), MNS_OK);
    assert_int_equal(mns_zip_password(pw, PW_LEN), MNS_OK);
    assert_int_equal(mns_zip_password(wrong, PW_LEN), MNS_OK);
    assert_string_not_equal(pw, wrong);
    make_zip(&zip, &zip_len, "export.csv", data, sizeof(data), pw);
    write_file(zpath, zip, zip_len);

    fmt(cmd, sizeof(cmd), SEVENZ " x -y -bd -p'%s' -o'%s' '%s' </dev/null >/dev/null 2>&1",
             wrong, xdir, zpath);
    assert_int_not_equal(run(cmd), 0);
    fmt(cmd, sizeof(cmd), SEVENZ " t -y -bd -p'%s' '%s' </dev/null >/dev/null 2>&1", wrong,
             zpath);
    assert_int_not_equal(run(cmd), 0);
    got = tu_read_file(xfile, &got_len);
    if (got != NULL) {
        /* 7-Zip may leave an empty or garbled file behind, never the data */
        if (got_len == sizeof(data))
            assert_memory_not_equal(got, data, sizeof(data));
        free(got);
    }

    free(zip);
    tu_rm_tree(dir);
}

/* One flipped bit in the ciphertext, or in the auth code: 7z t reports an error. */
static void test_7z_tampered(void **state)
{
    char dir[PATH_MAX], zpath[PATH_MAX], cmd[4 * PATH_MAX];
    char pw[PW_LEN + 1];
    uint8_t data[1000], *zip = NULL;
    size_t zip_len = 0;
    const size_t data_off = 30 + strlen("export.csv") + 11 + 16 + 2;
    const size_t where[] = {data_off, data_off + 517, data_off + sizeof(data) - 1,
                            data_off + sizeof(data), data_off + sizeof(data) + 9};
    (void)state;

    require_7z();
    tu_mkdtemp(dir, sizeof(dir), "zip");
    assert_quotable(dir);
    fmt(zpath, sizeof(zpath), "%s/export.zip", dir);
    assert_int_equal(mns_random(data, sizeof(data)), MNS_OK);
    assert_int_equal(mns_zip_password(pw, PW_LEN), MNS_OK);
    make_zip(&zip, &zip_len, "export.csv", data, sizeof(data), pw);
    fmt(cmd, sizeof(cmd), SEVENZ " t -y -bd -p'%s' '%s' </dev/null >/dev/null 2>&1", pw,
             zpath);

    write_file(zpath, zip, zip_len); /* untouched: passes */
    assert_int_equal(run(cmd), 0);
    for (size_t i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
        zip[where[i]] ^= 0x01;
        write_file(zpath, zip, zip_len);
        if (run(cmd) == 0)
            fail_msg("7z t passed with byte %zu flipped", where[i]);
        zip[where[i]] ^= 0x01;
    }

    free(zip);
    tu_rm_tree(dir);
}

/* ---- the bytes themselves ------------------------------------------------- */

static void check_aes_extra(const uint8_t *p)
{
    assert_int_equal(get16(p), 0x9901);
    assert_int_equal(get16(p + 2), 7);
    assert_int_equal(get16(p + 4), 2); /* AE-2 */
    assert_int_equal(p[6], 'A');
    assert_int_equal(p[7], 'E');
    assert_int_equal(p[8], 3); /* AES-256 */
    assert_int_equal(get16(p + 9), 0); /* stored */
}

static void test_layout(void **state)
{
    const char *name = "a.csv";
    const size_t n = strlen(name), len = 33;
    uint8_t data[33], *zip = NULL, *c, *e;
    char pw[PW_LEN + 1];
    size_t zip_len = 0;
    (void)state;

    memset(data, 'x', sizeof(data));
    assert_int_equal(mns_zip_password(pw, PW_LEN), MNS_OK);
    make_zip(&zip, &zip_len, name, data, len, pw);

    /* local file header */
    assert_int_equal(get32(zip), 0x04034b50);
    assert_int_equal(get16(zip + 4), 51);
    assert_int_equal(get16(zip + 6), 0x0801);
    assert_int_equal(get16(zip + 8), 99);
    /* 2026-01-15 12:34:56 UTC */
    assert_int_equal(get16(zip + 10), 12 << 11 | 34 << 5 | 56 / 2);
    assert_int_equal(get16(zip + 12), (2026 - 1980) << 9 | 1 << 5 | 15);
    assert_int_equal(get32(zip + 14), 0); /* no CRC in AE-2 */
    assert_int_equal(get32(zip + 18), len + 28);
    assert_int_equal(get32(zip + 22), len);
    assert_int_equal(get16(zip + 26), n);
    assert_int_equal(get16(zip + 28), 11);
    assert_memory_equal(zip + 30, name, n);
    check_aes_extra(zip + 30 + n);
    /* the stored data is not there in the clear */
    assert_null(memmem(zip, zip_len, data, 16));

    /* central directory header */
    c = zip + 30 + n + 11 + len + 28;
    assert_int_equal(get32(c), 0x02014b50);
    assert_int_equal(get16(c + 4), 0x033F);
    assert_memory_equal(c + 6, zip + 4, 26); /* version needed .. name length */
    assert_int_equal(get16(c + 30), 11);
    assert_int_equal(get16(c + 32), 0);          /* comment */
    assert_int_equal(get16(c + 34), 0);          /* disk */
    assert_int_equal(get16(c + 36), 0);          /* internal attributes */
    assert_int_equal(get32(c + 38), 0100644u << 16); /* regular file, 0644 */
    assert_int_equal(get32(c + 42), 0);          /* local header offset */
    assert_memory_equal(c + 46, name, n);
    check_aes_extra(c + 46 + n);

    /* end of central directory */
    e = c + 46 + n + 11;
    assert_int_equal(e + 22 - zip, zip_len);
    assert_int_equal(get32(e), 0x06054b50);
    assert_int_equal(get16(e + 4), 0);
    assert_int_equal(get16(e + 6), 0);
    assert_int_equal(get16(e + 8), 1);
    assert_int_equal(get16(e + 10), 1);
    assert_int_equal(get32(e + 12), 46 + n + 11);
    assert_int_equal(get32(e + 16), c - zip);
    assert_int_equal(get16(e + 20), 0);
    free(zip);
}

/* Times outside the DOS range are clamped to 1980-01-01 and 2107-12-31. */
static void test_dos_time_clamped(void **state)
{
    const int64_t times[] = {-1, 0, INT64_MIN, INT64_MAX, INT64_C(315532800),
                             INT64_C(4354819199)};
    const uint16_t want_date[] = {0x21, 0x21, 0x21, 127 << 9 | 12 << 5 | 31, 0x21,
                                  127 << 9 | 12 << 5 | 31};
    const uint16_t want_time[] = {0, 0, 0, 23 << 11 | 59 << 5 | 29, 0, 23 << 11 | 59 << 5 | 29};
    uint8_t *zip = NULL;
    size_t zip_len = 0;
    (void)state;

    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        assert_int_equal(mns_zip_aes_write(&zip, &zip_len, "t.txt", times[i],
                                           (const uint8_t *)"x", 1, "pw"),
                         MNS_OK);
        assert_int_equal(get16(zip + 10), want_time[i]);
        assert_int_equal(get16(zip + 12), want_date[i]);
        free(zip);
    }
}

/* Two archives of the same input differ (fresh salt), with the same length. */
static void test_fresh_salt(void **state)
{
    uint8_t *a = NULL, *b = NULL;
    size_t alen = 0, blen = 0;
    (void)state;

    make_zip(&a, &alen, "s.txt", (const uint8_t *)"same", 4, "pw");
    make_zip(&b, &blen, "s.txt", (const uint8_t *)"same", 4, "pw");
    assert_int_equal(alen, blen);
    assert_memory_not_equal(a + 46, b + 46, 16); /* salt after header, name, extra */
    free(a);
    free(b);
}

/* ---- bad arguments ------------------------------------------------------------- */

static void expect_err(mns_err want, const char *name, const uint8_t *data, size_t len,
                       const char *pw)
{
    uint8_t *zip = (uint8_t *)"sentinel";
    size_t zip_len = 99;

    assert_int_equal(mns_zip_aes_write(&zip, &zip_len, name, MTIME, data, len, pw), want);
    assert_null(zip);
    assert_int_equal(zip_len, 0);
}

static void test_bad_arguments(void **state)
{
    const uint8_t d[] = "data";
    char longname[300];
    uint8_t *zip = NULL;
    size_t zip_len = 0;
    (void)state;

    expect_err(MNS_ERR_INVALID, "", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, NULL, d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "dir/a.csv", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "/a.csv", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "dir\\a.csv", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "a\nb.csv", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "a\tb.csv", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "a\x7f.csv", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "a\xc2\x85.csv", d, 4, "pw");     /* C1 NEL */
    expect_err(MNS_ERR_INVALID, "a\xff.csv", d, 4, "pw");         /* not UTF-8 */
    expect_err(MNS_ERR_INVALID, "a\xe6\xba.csv", d, 4, "pw");     /* truncated */
    expect_err(MNS_ERR_INVALID, "a\xc0\xaf.csv", d, 4, "pw");     /* overlong '/' */
    expect_err(MNS_ERR_INVALID, "a\xed\xa0\x80.csv", d, 4, "pw"); /* surrogate */
    expect_err(MNS_ERR_INVALID, "\xe6\xba", d, 4, "pw");          /* cut at the end */
    expect_err(MNS_ERR_INVALID, ".", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "..", d, 4, "pw");
    expect_err(MNS_ERR_INVALID, "a.csv", d, 4, "");
    expect_err(MNS_ERR_INVALID, "a.csv", d, 4, NULL);
    expect_err(MNS_ERR_INVALID, "a.csv", NULL, 4, "pw");
    assert_int_equal(mns_zip_aes_write(NULL, &zip_len, "a.csv", MTIME, d, 4, "pw"),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_zip_aes_write(&zip, NULL, "a.csv", MTIME, d, 4, "pw"), MNS_ERR_INVALID);

    /* 255 bytes is the longest name */
    memset(longname, 'n', sizeof(longname));
    longname[256] = '\0';
    expect_err(MNS_ERR_INVALID, longname, d, 4, "pw");
    longname[255] = '\0';
    assert_int_equal(mns_zip_aes_write(&zip, &zip_len, longname, MTIME, d, 4, "pw"), MNS_OK);
    free(zip);
    zip = NULL;
    /* NULL data with no length is an empty file */
    assert_int_equal(mns_zip_aes_write(&zip, &zip_len, "e.csv", MTIME, NULL, 0, "pw"), MNS_OK);
    free(zip);

    /* No Zip64: refused before the data is touched (d is not that long). */
    if (SIZE_MAX > UINT32_MAX) {
        expect_err(MNS_ERR_LIMIT, "a.csv", d, (size_t)UINT32_MAX, "pw");
        expect_err(MNS_ERR_LIMIT, "a.csv", d, (size_t)UINT32_MAX - 100, "pw");
        expect_err(MNS_ERR_LIMIT, "a.csv", d, SIZE_MAX, "pw");
    }
}

/* ---- mns_zip_password ------------------------------------------------------- */

static void test_password(void **state)
{
    const char *alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
    char a[PW_LEN + 2], b[PW_LEN + 2], big[65];
    unsigned seen[256] = {0};
    (void)state;

    assert_int_equal(strlen(alphabet), 56);
    memset(a, '#', sizeof(a));
    assert_int_equal(mns_zip_password(a, PW_LEN), MNS_OK);
    assert_int_equal(strlen(a), PW_LEN);
    assert_int_equal(a[PW_LEN], '\0');
    assert_int_equal(a[PW_LEN + 1], '#'); /* nothing written past out[len] */
    assert_int_equal(mns_zip_password(b, PW_LEN), MNS_OK);
    assert_string_not_equal(a, b);

    assert_int_equal(mns_zip_password(big, 16), MNS_OK);
    assert_int_equal(strlen(big), 16);
    assert_int_equal(mns_zip_password(big, 64), MNS_OK);
    assert_int_equal(strlen(big), 64);

    /* 2000 passwords of 20: every character in the alphabet, and (at ~714
     * draws each) every symbol of the alphabet seen, none far from even. */
    for (int i = 0; i < 2000; i++) {
        assert_int_equal(mns_zip_password(a, PW_LEN), MNS_OK);
        for (size_t j = 0; j < PW_LEN; j++) {
            if (strchr(alphabet, a[j]) == NULL || a[j] == '\0')
                fail_msg("character 0x%02x is not in the alphabet", (unsigned char)a[j]);
            seen[(unsigned char)a[j]]++;
        }
    }
    for (const char *s = alphabet; *s != '\0'; s++) {
        assert_in_range(seen[(unsigned char)*s], 550, 900);
    }
    for (const char *s = "01OolI"; *s != '\0'; s++)
        assert_int_equal(seen[(unsigned char)*s], 0);

    assert_int_equal(mns_zip_password(a, 15), MNS_ERR_INVALID);
    assert_int_equal(mns_zip_password(a, 0), MNS_ERR_INVALID);
    assert_int_equal(mns_zip_password(NULL, PW_LEN), MNS_ERR_INVALID);
    assert_int_equal(mns_zip_password(a, SIZE_MAX), MNS_ERR_LIMIT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_7z_roundtrip_sizes),
        cmocka_unit_test(test_7z_japanese_name),
        cmocka_unit_test(test_7z_wrong_password),
        cmocka_unit_test(test_7z_tampered),
        cmocka_unit_test(test_layout),
        cmocka_unit_test(test_dos_time_clamped),
        cmocka_unit_test(test_fresh_salt),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_password),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
