/*
 * test_crypto_age.c: age v1 encryption (lib/crypto/age.c) against the real
 * `age` tool (Debian package age, 1.1.1 here).
 *
 * Keys are made with age-keygen at test time; what mns_age_encrypt writes is
 * decrypted with `age -d -i KEY` and compared byte for byte, for sizes around
 * the 64 KiB chunk boundary and with two recipients. Altered and truncated
 * files must make age fail. Recipient parsing is checked against a Bech32
 * encoder of this file's own (valid texts, wrong HRP, Bech32m, bad padding,
 * wrong lengths), and against mistyped text. A missing age or age-keygen fails
 * the test: it is not skipped.
 */
#include <ctype.h>
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

#define CMD_MAX (3 * PATH_MAX + 128)
#define RECIPIENT_MAX 128
#define BECH32_CONST 1u
#define BECH32M_CONST 0x2bc830a3u

/* ---- a Bech32 encoder of the test's own (BIP 173 reference algorithm) ---- */

static const char b32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t b32_polymod(const uint8_t *v, size_t n)
{
    static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                    0x2a1462b3u};
    uint32_t chk = 1;

    for (size_t i = 0; i < n; i++) {
        uint32_t top = chk >> 25;
        chk = ((chk & 0x1ffffffu) << 5) ^ v[i];
        for (int j = 0; j < 5; j++)
            if ((top >> j) & 1u)
                chk ^= gen[j];
    }
    return chk;
}

/* 8-bit bytes to 5-bit groups, zero-padded; returns the number of groups. */
static size_t to5(uint8_t *out, const uint8_t *in, size_t n)
{
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;

    for (size_t i = 0; i < n; i++) {
        acc = (acc << 8) | in[i];
        bits += 8;
        while (bits >= 5) {
            bits -= 5;
            out[o++] = (uint8_t)((acc >> bits) & 31u);
        }
    }
    if (bits > 0)
        out[o++] = (uint8_t)((acc << (5 - bits)) & 31u);
    return o;
}

/* hrp "1" data checksum, with the given checksum constant (Bech32 or Bech32m). */
static void b32_encode5(char *out, size_t outsize, const char *hrp, const uint8_t *d5, size_t n5,
                        uint32_t constant)
{
    uint8_t v[256];
    size_t hl = strlen(hrp), k = 0, o = 0;
    uint32_t mod;

    assert_true(2 * hl + 1 + n5 + 6 <= sizeof(v));
    assert_true(hl + 1 + n5 + 6 < outsize);
    for (size_t i = 0; i < hl; i++)
        v[k++] = (uint8_t)((unsigned char)hrp[i] >> 5);
    v[k++] = 0;
    for (size_t i = 0; i < hl; i++)
        v[k++] = (uint8_t)((unsigned char)hrp[i] & 31u);
    memcpy(v + k, d5, n5);
    k += n5;
    memset(v + k, 0, 6);
    mod = b32_polymod(v, k + 6) ^ constant;

    memcpy(out, hrp, hl);
    o = hl;
    out[o++] = '1';
    for (size_t i = 0; i < n5; i++)
        out[o++] = b32_charset[d5[i]];
    for (int i = 0; i < 6; i++)
        out[o++] = b32_charset[(mod >> (5 * (5 - i))) & 31u];
    out[o] = '\0';
}

static void b32_encode(char *out, size_t outsize, const char *hrp, const uint8_t *data, size_t n,
                       uint32_t constant)
{
    uint8_t d5[128];

    assert_true(n * 8 / 5 + 1 <= sizeof(d5));
    b32_encode5(out, outsize, hrp, d5, to5(d5, data, n), constant);
}

/* ---- running age ---------------------------------------------------------- */

/* Runs cmd through the shell; its exit status, or -1 if it did not exit. */
static int run(const char *cmd)
{
    int st = system(cmd);

    if (st == -1 || !WIFEXITED(st))
        return -1;
    return WEXITSTATUS(st);
}

static void require_age(void)
{
    if (run("age --version >/dev/null 2>&1") != 0)
        fail_msg("age is not installed or does not run: this test decrypts with it "
                 "(apt-get install age)");
    if (run("command -v age-keygen >/dev/null 2>&1") != 0)
        fail_msg("age-keygen is not installed (apt-get install age)");
}

static void path_in(char *out, const char *dir, const char *name)
{
    int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
    assert_true(n > 0 && n < PATH_MAX);
}

static void cmd_fmt(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cmd_fmt(char *out, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(out, CMD_MAX, fmt, ap);
    va_end(ap);
    assert_true(n > 0 && n < CMD_MAX);
}

/* A temp dir whose name can go between single quotes in a shell command. */
static void make_dir(char *dir, const char *tag)
{
    tu_mkdtemp(dir, PATH_MAX, tag);
    assert_null(strchr(dir, '\''));
}

/* age-keygen -o dir/name; recipient gets `age-keygen -y` of it. */
static void make_key(char *keypath, char recipient[RECIPIENT_MAX], const char *dir,
                     const char *name)
{
    char cmd[CMD_MAX];
    FILE *p;
    size_t n;
    int st;

    path_in(keypath, dir, name);
    cmd_fmt(cmd, "age-keygen -o '%s' 2>/dev/null", keypath);
    assert_int_equal(run(cmd), 0);
    cmd_fmt(cmd, "age-keygen -y '%s'", keypath);
    p = popen(cmd, "r");
    assert_non_null(p);
    if (fgets(recipient, RECIPIENT_MAX, p) == NULL)
        recipient[0] = '\0';
    st = pclose(p);
    assert_true(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0);
    n = strlen(recipient);
    assert_true(n > 0 && recipient[n - 1] == '\n');
    recipient[n - 1] = '\0';
    assert_int_equal(strncmp(recipient, "age1", 4), 0);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* age -d -i key ct > pt; 0 if age succeeded and pt holds want[0..len). */
static int age_decrypts_to(const char *dir, const char *key, const char *ct,
                           const uint8_t *want, size_t len, bool quiet)
{
    char cmd[CMD_MAX], pt[PATH_MAX];
    uint8_t *got;
    size_t got_len;
    int st;

    path_in(pt, dir, "decrypted");
    unlink(pt);
    /* to stdout: with -o, age makes no file at all for an empty plaintext */
    cmd_fmt(cmd, "age -d -i '%s' '%s' >'%s'%s", key, ct, pt, quiet ? " 2>/dev/null" : "");
    if ((st = run(cmd)) != 0)
        return st;
    got = tu_read_file(pt, &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, len);
    if (len > 0)
        assert_memory_equal(got, want, len);
    free(got);
    return 0;
}

/* Length of the header (through the MAC line's \n) at the start of ct. */
static size_t header_len(const uint8_t *ct, size_t len)
{
    const char *s = (const char *)ct;
    const char *mac = NULL, *nl;

    for (size_t i = 0; i + 5 <= len; i++)
        if (memcmp(s + i, "\n--- ", 5) == 0) {
            mac = s + i + 5;
            break;
        }
    assert_non_null(mac);
    nl = memchr(mac, '\n', len - (size_t)(mac - s));
    assert_non_null(nl);
    assert_int_equal(nl - mac, 43); /* 32-byte MAC, base64 without padding */
    return (size_t)(nl - s) + 1;
}

static uint8_t *random_bytes(size_t n)
{
    uint8_t *p = malloc(n > 0 ? n : 1);

    assert_non_null(p);
    if (n > 0)
        assert_int_equal(mns_random(p, n), MNS_OK);
    return p;
}

/* ---- recipient parsing ------------------------------------------------------ */

static void expect_refused(const char *text, const char *why)
{
    uint8_t pub[MNS_AGE_PUB_LEN];
    mns_errmsg em = {{0}};

    memset(pub, 0xa5, sizeof(pub));
    if (mns_age_recipient_parse(pub, text, &em) != MNS_ERR_INVALID)
        fail_msg("accepted %s: \"%s\"", why, text);
    for (size_t i = 0; i < sizeof(pub); i++)
        assert_int_equal(pub[i], 0);
    assert_non_null(strstr(em.text, "age recipient: "));
    assert_non_null(strstr(em.text, " / age 受信者"));
}

static void test_recipient_roundtrip(void **state)
{
    char dir[PATH_MAX], key[PATH_MAX], rcpt[RECIPIENT_MAX], again[RECIPIENT_MAX];
    uint8_t pub[MNS_AGE_PUB_LEN], pub2[MNS_AGE_PUB_LEN];
    mns_errmsg em = {{0}};
    (void)state;

    require_age();
    make_dir(dir, "age-parse");
    for (int k = 0; k < 3; k++) {
        make_key(key, rcpt, dir, k == 0 ? "k0" : k == 1 ? "k1" : "k2");
        assert_int_equal(strlen(rcpt), 62);
        assert_int_equal(mns_age_recipient_parse(pub, rcpt, &em), MNS_OK);
        /* the test's own encoder gives back age-keygen -y's text */
        b32_encode(again, sizeof(again), "age", pub, sizeof(pub), BECH32_CONST);
        assert_string_equal(again, rcpt);
        assert_int_equal(mns_age_recipient_parse(pub2, again, NULL), MNS_OK);
        assert_memory_equal(pub, pub2, sizeof(pub));
    }
    /* any 32 bytes, e.g. all 0xff (all padding bits then come out as zero) */
    memset(pub, 0xff, sizeof(pub));
    b32_encode(again, sizeof(again), "age", pub, sizeof(pub), BECH32_CONST);
    assert_int_equal(mns_age_recipient_parse(pub2, again, NULL), MNS_OK);
    assert_memory_equal(pub, pub2, sizeof(pub));
    tu_rm_tree(dir);
}

static void test_recipient_refused(void **state)
{
    char dir[PATH_MAX], key[PATH_MAX], rcpt[RECIPIENT_MAX], bad[2 * RECIPIENT_MAX];
    uint8_t pub[MNS_AGE_PUB_LEN + 1], d5[64];
    mns_errmsg em = {{0}};
    size_t n, n5;
    (void)state;

    require_age();
    make_dir(dir, "age-refuse");
    make_key(key, rcpt, dir, "k");
    n = strlen(rcpt);
    assert_int_equal(mns_age_recipient_parse(pub, rcpt, NULL), MNS_OK);

    /* one character mistyped, anywhere in the data or checksum */
    for (size_t i = 4; i < n; i++) {
        memcpy(bad, rcpt, n + 1);
        bad[i] = bad[i] == 'q' ? 'p' : 'q';
        expect_refused(bad, "a mistyped character");
    }
    memcpy(bad, rcpt, n + 1);
    bad[20] = rcpt[20] == 'q' ? 'p' : 'q';
    assert_int_equal(mns_age_recipient_parse(pub, bad, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "checksum"));
    /* two neighbours swapped */
    memcpy(bad, rcpt, n + 1);
    for (size_t i = 10; i < n - 1; i++)
        if (bad[i] != bad[i + 1]) {
            char t = bad[i];
            bad[i] = bad[i + 1];
            bad[i + 1] = t;
            break;
        }
    expect_refused(bad, "swapped characters");

    /* case: all upper (which age itself takes) and mixed */
    for (size_t i = 0; i <= n; i++)
        bad[i] = (char)toupper((unsigned char)rcpt[i]);
    expect_refused(bad, "upper case");
    assert_int_equal(mns_age_recipient_parse(pub, bad, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "lower case"));
    memcpy(bad, rcpt, n + 1);
    bad[0] = 'A';
    expect_refused(bad, "mixed case (HRP)");
    memcpy(bad, rcpt, n + 1);
    for (size_t i = 4; i < n; i++)
        if (isalpha((unsigned char)bad[i])) {
            bad[i] = (char)toupper((unsigned char)bad[i]);
            break;
        }
    expect_refused(bad, "mixed case (data)");

    /* valid Bech32, wrong HRP; Bech32m; wrong lengths; non-zero padding */
    assert_int_equal(mns_age_recipient_parse(pub, rcpt, NULL), MNS_OK);
    b32_encode(bad, sizeof(bad), "agf", pub, MNS_AGE_PUB_LEN, BECH32_CONST);
    expect_refused(bad, "HRP agf");
    b32_encode(bad, sizeof(bad), "ag", pub, MNS_AGE_PUB_LEN, BECH32_CONST);
    expect_refused(bad, "HRP ag");
    b32_encode(bad, sizeof(bad), "agex", pub, MNS_AGE_PUB_LEN, BECH32_CONST);
    expect_refused(bad, "HRP agex");
    b32_encode(bad, sizeof(bad), "age-secret-key-", pub, MNS_AGE_PUB_LEN, BECH32_CONST);
    expect_refused(bad, "HRP age-secret-key-");
    b32_encode(bad, sizeof(bad), "age", pub, MNS_AGE_PUB_LEN, BECH32M_CONST);
    expect_refused(bad, "Bech32m");
    assert_int_equal(mns_age_recipient_parse(pub, bad, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "checksum"));
    assert_int_equal(mns_age_recipient_parse(pub, rcpt, NULL), MNS_OK);
    b32_encode(bad, sizeof(bad), "age", pub, MNS_AGE_PUB_LEN - 1, BECH32_CONST);
    expect_refused(bad, "31 bytes");
    assert_int_equal(mns_age_recipient_parse(pub, bad, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "length"));
    pub[MNS_AGE_PUB_LEN] = 0x42;
    b32_encode(bad, sizeof(bad), "age", pub, MNS_AGE_PUB_LEN + 1, BECH32_CONST);
    expect_refused(bad, "33 bytes");
    b32_encode(bad, sizeof(bad), "age", pub, 0, BECH32_CONST);
    expect_refused(bad, "no data");
    assert_int_equal(mns_age_recipient_parse(pub, rcpt, NULL), MNS_OK);
    n5 = to5(d5, pub, MNS_AGE_PUB_LEN);
    assert_int_equal(n5, 52); /* 260 bits: 4 of padding */
    d5[51] |= 1;
    b32_encode5(bad, sizeof(bad), "age", d5, n5, BECH32_CONST);
    expect_refused(bad, "non-zero padding");
    assert_int_equal(mns_age_recipient_parse(pub, bad, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "padding"));
    assert_int_equal(mns_age_recipient_parse(pub, rcpt, NULL), MNS_OK);
    n5 = to5(d5, pub, MNS_AGE_PUB_LEN);
    d5[n5++] = 0; /* one group more: 265 bits, 33 bytes */
    b32_encode5(bad, sizeof(bad), "age", d5, n5, BECH32_CONST);
    expect_refused(bad, "a padding group too many");

    /* truncated, empty, surrounding space, characters outside Bech32 */
    memcpy(bad, rcpt, n + 1);
    bad[n - 1] = '\0';
    expect_refused(bad, "the last character missing");
    expect_refused(rcpt + 4, "no HRP");
    expect_refused(rcpt + 1, "HRP cut");
    memcpy(bad, rcpt, 30);
    bad[30] = '\0';
    expect_refused(bad, "cut in half");
    expect_refused("age1", "nothing after the separator");
    expect_refused("age1qqqqq", "shorter than a checksum");
    expect_refused("", "empty");
    expect_refused("1", "a separator alone");
    snprintf(bad, sizeof(bad), "%s\n", rcpt);
    expect_refused(bad, "a trailing newline");
    snprintf(bad, sizeof(bad), " %s", rcpt);
    expect_refused(bad, "a leading space");
    memcpy(bad, rcpt, n + 1);
    bad[10] = 'b'; /* b, i, o and 1 are not in the data alphabet */
    expect_refused(bad, "a 'b'");
    bad[10] = 'o';
    expect_refused(bad, "an 'o'");
    snprintf(bad, sizeof(bad), "%s\xc3\xa9", rcpt);
    expect_refused(bad, "non-ASCII");
    {
        char longer[400];
        memset(longer, 'q', sizeof(longer) - 1);
        longer[sizeof(longer) - 1] = '\0';
        memcpy(longer, "age1", 4);
        expect_refused(longer, "too long");
        assert_int_equal(mns_age_recipient_parse(pub, longer, &em), MNS_ERR_INVALID);
        assert_non_null(strstr(em.text, "too long"));
    }

    /* NULL arguments */
    assert_int_equal(mns_age_recipient_parse(pub, NULL, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_age_recipient_parse(NULL, rcpt, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_age_recipient_parse(pub, NULL, NULL), MNS_ERR_INVALID);
    tu_rm_tree(dir);
}

/* ---- encryption ------------------------------------------------------------ */

static void test_encrypt_args(void **state)
{
    uint8_t pubs[17][MNS_AGE_PUB_LEN];
    uint8_t *out = (uint8_t *)1;
    size_t out_len = 7;
    (void)state;

    memset(pubs, 9, sizeof(pubs));
    assert_int_equal(mns_age_encrypt(&out, &out_len, pubs, 0, (const uint8_t *)"x", 1),
                     MNS_ERR_INVALID);
    assert_null(out);
    assert_int_equal(out_len, 0);
    assert_int_equal(mns_age_encrypt(&out, &out_len, pubs, 17, (const uint8_t *)"x", 1),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_age_encrypt(&out, &out_len, NULL, 1, (const uint8_t *)"x", 1),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_age_encrypt(&out, &out_len, pubs, 1, NULL, 1), MNS_ERR_INVALID);
    assert_int_equal(mns_age_encrypt(NULL, &out_len, pubs, 1, (const uint8_t *)"x", 1),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_age_encrypt(&out, NULL, pubs, 1, (const uint8_t *)"x", 1),
                     MNS_ERR_INVALID);
    assert_null(out);

    /* a low-order point (all zero) as the recipient: refused, nothing out */
    memset(pubs[0], 0, MNS_AGE_PUB_LEN);
    assert_int_not_equal(mns_age_encrypt(&out, &out_len, pubs, 1, (const uint8_t *)"x", 1),
                         MNS_OK);
    assert_null(out);
    assert_int_equal(out_len, 0);

    /* 16 recipients is the limit, and fits; shape of the output */
    for (int i = 0; i < 16; i++)
        memset(pubs[i], 9 + i, MNS_AGE_PUB_LEN);
    assert_int_equal(mns_age_encrypt(&out, &out_len, pubs, 16, NULL, 0), MNS_OK);
    assert_non_null(out);
    assert_int_equal(memcmp(out, "age-encryption.org/v1\n-> X25519 ", 32), 0);
    /* 22 + 16 * (10 + 43 + 1 + 43 + 1) + 4 + 43 + 1, nonce, one empty chunk's tag */
    assert_int_equal(header_len(out, out_len), 22 + 16 * 98 + 48);
    assert_int_equal(out_len, 22 + 16 * 98 + 48 + 16 + 16);
    free(out);
}

static void encrypt_to(uint8_t **ct, size_t *ct_len, const uint8_t (*pubs)[MNS_AGE_PUB_LEN],
                       size_t npubs, const uint8_t *pt, size_t len)
{
    size_t chunks = len == 0 ? 1 : (len + 65535) / 65536;

    assert_int_equal(mns_age_encrypt(ct, ct_len, pubs, npubs, pt, len), MNS_OK);
    assert_non_null(*ct);
    /* exactly: header, 16-byte nonce, plaintext, one tag per chunk (a full
     * last chunk is the last: no empty chunk after it) */
    assert_int_equal(*ct_len, header_len(*ct, *ct_len) + 16 + len + 16 * chunks);
}

static void test_interop_sizes(void **state)
{
    static const size_t sizes[] = {0, 1, 65535, 65536, 65537, 131072, 200000};
    char dir[PATH_MAX], key[PATH_MAX], rcpt[RECIPIENT_MAX], ctpath[PATH_MAX];
    uint8_t pub[1][MNS_AGE_PUB_LEN];
    (void)state;

    require_age();
    make_dir(dir, "age-sizes");
    make_key(key, rcpt, dir, "key.txt");
    assert_int_equal(mns_age_recipient_parse(pub[0], rcpt, NULL), MNS_OK);
    path_in(ctpath, dir, "file.age");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *pt = random_bytes(sizes[i]), *ct = NULL;
        size_t ct_len = 0;

        print_message("  %zu bytes\n", sizes[i]);
        encrypt_to(&ct, &ct_len, pub, 1, sizes[i] > 0 ? pt : NULL, sizes[i]);
        write_file(ctpath, ct, ct_len);
        assert_int_equal(age_decrypts_to(dir, key, ctpath, pt, sizes[i], false), 0);
        free(ct);
        free(pt);
    }
    tu_rm_tree(dir);
}

static void test_interop_two_recipients(void **state)
{
    char dir[PATH_MAX], ka[PATH_MAX], kb[PATH_MAX], kc[PATH_MAX], ctpath[PATH_MAX];
    char ra[RECIPIENT_MAX], rb[RECIPIENT_MAX], rc[RECIPIENT_MAX];
    uint8_t pubs[2][MNS_AGE_PUB_LEN];
    static const size_t sizes[] = {0, 65536, 200000};
    (void)state;

    require_age();
    make_dir(dir, "age-two");
    make_key(ka, ra, dir, "a.txt");
    make_key(kb, rb, dir, "b.txt");
    make_key(kc, rc, dir, "c.txt");
    assert_int_equal(mns_age_recipient_parse(pubs[0], ra, NULL), MNS_OK);
    assert_int_equal(mns_age_recipient_parse(pubs[1], rb, NULL), MNS_OK);
    path_in(ctpath, dir, "file.age");
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        uint8_t *pt = random_bytes(sizes[i]), *ct = NULL;
        size_t ct_len = 0;

        encrypt_to(&ct, &ct_len, pubs, 2, pt, sizes[i]);
        write_file(ctpath, ct, ct_len);
        assert_int_equal(age_decrypts_to(dir, ka, ctpath, pt, sizes[i], false), 0);
        assert_int_equal(age_decrypts_to(dir, kb, ctpath, pt, sizes[i], false), 0);
        /* not a recipient */
        assert_int_not_equal(age_decrypts_to(dir, kc, ctpath, pt, sizes[i], true), 0);
        free(ct);
        free(pt);
    }
    tu_rm_tree(dir);
}

static void test_tampered(void **state)
{
    char dir[PATH_MAX], key[PATH_MAX], rcpt[RECIPIENT_MAX], ctpath[PATH_MAX];
    uint8_t pub[1][MNS_AGE_PUB_LEN];
    const size_t len = 65537; /* two chunks, the last of one byte */
    uint8_t *pt, *ct = NULL;
    size_t ct_len = 0, hlen;
    /* offsets from the start of the payload nonce */
    const size_t payload_at[] = {0, 15, 16, 16 + 1000, 16 + 65536 + 15, 16 + 65536 + 16,
                                 16 + 65536 + 16 + 16};
    (void)state;

    require_age();
    make_dir(dir, "age-tamper");
    make_key(key, rcpt, dir, "key.txt");
    assert_int_equal(mns_age_recipient_parse(pub[0], rcpt, NULL), MNS_OK);
    path_in(ctpath, dir, "file.age");
    pt = random_bytes(len);
    encrypt_to(&ct, &ct_len, pub, 1, pt, len);
    hlen = header_len(ct, ct_len);
    assert_int_equal(ct_len, hlen + 16 + 65536 + 16 + 1 + 16);

    /* untouched, it decrypts */
    write_file(ctpath, ct, ct_len);
    assert_int_equal(age_decrypts_to(dir, key, ctpath, pt, len, false), 0);

    /* one payload byte flipped: nonce, first chunk, its tag, last chunk, its tag */
    for (size_t i = 0; i < sizeof(payload_at) / sizeof(payload_at[0]); i++) {
        size_t at = hlen + payload_at[i];
        assert_true(at < ct_len);
        ct[at] ^= 0x01;
        write_file(ctpath, ct, ct_len);
        assert_int_not_equal(age_decrypts_to(dir, key, ctpath, pt, len, true), 0);
        ct[at] ^= 0x01;
    }
    /* a header byte flipped: the ephemeral share, the body, the MAC */
    {
        const size_t at[] = {40, 80, hlen - 10};
        for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
            uint8_t c = ct[at[i]];
            ct[at[i]] = c == 'A' ? 'B' : 'A';
            write_file(ctpath, ct, ct_len);
            assert_int_not_equal(age_decrypts_to(dir, key, ctpath, pt, len, true), 0);
            ct[at[i]] = c;
        }
    }
    /* truncated: the last chunk dropped (the first is not marked last), and
     * one byte short */
    write_file(ctpath, ct, hlen + 16 + 65536 + 16);
    assert_int_not_equal(age_decrypts_to(dir, key, ctpath, pt, 65536, true), 0);
    write_file(ctpath, ct, ct_len - 1);
    assert_int_not_equal(age_decrypts_to(dir, key, ctpath, pt, len, true), 0);
    /* and back as it was, it still decrypts */
    write_file(ctpath, ct, ct_len);
    assert_int_equal(age_decrypts_to(dir, key, ctpath, pt, len, false), 0);

    free(ct);
    free(pt);
    tu_rm_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_recipient_roundtrip),
        cmocka_unit_test(test_recipient_refused),
        cmocka_unit_test(test_encrypt_args),
        cmocka_unit_test(test_interop_sizes),
        cmocka_unit_test(test_interop_two_recipients),
        cmocka_unit_test(test_tampered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
