/*
 * test_crypto_totp.c: HOTP (RFC 4226), TOTP (RFC 6238), base32 (RFC 4648)
 * and the otpauth:// key URI.
 *
 * Known answers come from the RFCs' appendices; random keys and times are
 * checked against oathtool (Debian package oathtool, in scripts/install-deps),
 * run through popen. A missing oathtool fails the test: it is not skipped.
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

/* The RFC 6238 Appendix B seeds ("1234567890" repeated to the MAC's size). */
static const uint8_t seed20[] = "12345678901234567890";
static const uint8_t seed32[] = "12345678901234567890123456789012";
static const uint8_t seed64[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static const uint8_t *seed_for(mns_totp_alg alg, size_t *len)
{
    switch (alg) {
    case MNS_TOTP_SHA1:
        *len = 20;
        return seed20;
    case MNS_TOTP_SHA256:
        *len = 32;
        return seed32;
    case MNS_TOTP_SHA512:
        *len = 64;
        return seed64;
    }
    fail_msg("unknown algorithm");
    return NULL;
}

/* ---- known answers -------------------------------------------------------- */

static void test_hotp_rfc4226(void **state)
{
    /* RFC 4226 Appendix D: HMAC-SHA1, 6 digits, counters 0..9 */
    static const uint32_t expect[10] = {755224, 287082, 359152, 969429, 338314,
                                        254676, 287922, 162583, 399871, 520489};
    (void)state;
    for (uint64_t c = 0; c < 10; c++) {
        uint32_t code = 1;
        assert_int_equal(mns_hotp(&code, seed20, 20, c, MNS_TOTP_SHA1, 6), MNS_OK);
        if (code != expect[c])
            print_error("counter %" PRIu64 ": %06" PRIu32 "\n", c, code);
        assert_int_equal(code, expect[c]);
    }
}

static void test_totp_rfc6238(void **state)
{
    /* RFC 6238 Appendix B: 8 digits, 30 s steps, T0 = 0 */
    static const struct {
        int64_t time;
        mns_totp_alg alg;
        uint32_t code;
    } vec[] = {
        {59, MNS_TOTP_SHA1, 94287082},          {59, MNS_TOTP_SHA256, 46119246},
        {59, MNS_TOTP_SHA512, 90693936},        {1111111109, MNS_TOTP_SHA1, 7081804},
        {1111111109, MNS_TOTP_SHA256, 68084774}, {1111111109, MNS_TOTP_SHA512, 25091201},
        {1111111111, MNS_TOTP_SHA1, 14050471},  {1111111111, MNS_TOTP_SHA256, 67062674},
        {1111111111, MNS_TOTP_SHA512, 99943326}, {1234567890, MNS_TOTP_SHA1, 89005924},
        {1234567890, MNS_TOTP_SHA256, 91819424}, {1234567890, MNS_TOTP_SHA512, 93441116},
        {2000000000, MNS_TOTP_SHA1, 69279037},  {2000000000, MNS_TOTP_SHA256, 90698825},
        {2000000000, MNS_TOTP_SHA512, 38618901}, {20000000000, MNS_TOTP_SHA1, 65353130},
        {20000000000, MNS_TOTP_SHA256, 77737706}, {20000000000, MNS_TOTP_SHA512, 47863826},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        size_t keylen = 0;
        const uint8_t *key = seed_for(vec[i].alg, &keylen);
        uint32_t code = 1;

        assert_int_equal(mns_totp_at(&code, key, keylen, vec[i].time, 30, vec[i].alg, 8), MNS_OK);
        if (code != vec[i].code)
            print_error("vector %zu: %08" PRIu32 "\n", i, code);
        assert_int_equal(code, vec[i].code);
        /* the same code as HOTP with counter T, and its 6-digit form is the tail */
        assert_int_equal(mns_hotp(&code, key, keylen, (uint64_t)(vec[i].time / 30), vec[i].alg, 8),
                         MNS_OK);
        assert_int_equal(code, vec[i].code);
        assert_int_equal(mns_totp_at(&code, key, keylen, vec[i].time, 30, vec[i].alg, 6), MNS_OK);
        assert_int_equal(code, vec[i].code % 1000000);
    }
}

/* ---- against oathtool ----------------------------------------------------- */

/* Runs cmd, returns its one line of output as a number; fails the test if the
 * command fails or prints anything else. */
static uint32_t run_oathtool(const char *cmd)
{
    char line[64] = "";
    char *end = NULL;
    FILE *p = popen(cmd, "r");
    unsigned long v;
    int st;

    if (p == NULL)
        fail_msg("popen failed for: %s", cmd);
    if (fgets(line, sizeof(line), p) == NULL)
        line[0] = '\0';
    st = pclose(p);
    if (st != 0)
        fail_msg("oathtool failed (status %d) for: %s", st, cmd);
    v = strtoul(line, &end, 10);
    if (end == line || (*end != '\n' && *end != '\0'))
        fail_msg("unexpected oathtool output \"%s\" for: %s", line, cmd);
    return (uint32_t)v;
}

static void require_oathtool(void)
{
    FILE *p = popen("oathtool --version >/dev/null 2>&1", "r");
    int st;

    if (p == NULL)
        fail_msg("popen failed");
    st = pclose(p);
    if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail_msg("oathtool is not installed or does not run: this test compares with it "
                 "(apt-get install oathtool, or scripts/install-deps)");
}

static void test_totp_oathtool(void **state)
{
    static const char *const mode[] = {"", "sha1", "sha256", "sha512"};
    static const size_t keylens[] = {16, 20, 32, 37, 64, 128};
    static const unsigned steps[] = {30, 60, 1, 45};
    static const int64_t fixed_times[] = {0, 29, 30, 1700000000, 4102444800, 17179869184};
    unsigned checked = 0;
    (void)state;

    require_oathtool();
    for (unsigned a = MNS_TOTP_SHA1; a <= MNS_TOTP_SHA512; a++) {
        for (size_t k = 0; k < sizeof(keylens) / sizeof(keylens[0]); k++) {
            for (unsigned digits = 6; digits <= 8; digits += 2) {
                uint8_t key[MNS_TOTP_KEY_MAX];
                char hex[2 * MNS_TOTP_KEY_MAX + 1], cmd[512];
                uint32_t r32 = 0, mine = 0, theirs;
                unsigned step = steps[(k + digits) % 4];
                int64_t t;
                int n;

                assert_int_equal(mns_random(key, keylens[k]), MNS_OK);
                assert_int_equal(mns_random(&r32, sizeof(r32)), MNS_OK);
                t = (k % 2 == 0) ? (int64_t)r32 : fixed_times[(a + k) % 6];
                mns_hex_encode(hex, key, keylens[k]);
                n = snprintf(cmd, sizeof(cmd), "oathtool --totp=%s -d %u -s %us --now '@%" PRId64
                             "' %s 2>&1", mode[a], digits, step, t, hex);
                assert_true(n > 0 && (size_t)n < sizeof(cmd));
                theirs = run_oathtool(cmd);
                assert_int_equal(mns_totp_at(&mine, key, keylens[k], t, step, (mns_totp_alg)a,
                                             digits),
                                 MNS_OK);
                if (mine != theirs)
                    print_error("differs from: %s\n", cmd);
                assert_int_equal(mine, theirs);
                checked++;
            }
        }
    }
    /* HOTP (oathtool's HOTP mode is SHA-1) at random counters */
    for (int i = 0; i < 6; i++) {
        uint8_t key[20];
        char hex[41], cmd[256];
        uint64_t counter = 0;
        uint32_t mine = 0, theirs;
        unsigned digits = i % 2 ? 8 : 6;

        assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
        assert_int_equal(mns_random(&counter, sizeof(counter)), MNS_OK);
        counter >>= 20 * (i % 3);
        mns_hex_encode(hex, key, sizeof(key));
        snprintf(cmd, sizeof(cmd), "oathtool --hotp -d %u -c %" PRIu64 " %s 2>&1", digits,
                 counter, hex);
        theirs = run_oathtool(cmd);
        assert_int_equal(mns_hotp(&mine, key, sizeof(key), counter, MNS_TOTP_SHA1, digits),
                         MNS_OK);
        if (mine != theirs)
            print_error("differs from: %s\n", cmd);
        assert_int_equal(mine, theirs);
        checked++;
    }
    assert_int_equal(checked, 3 * 6 * 2 + 6);
}

/* ---- verification --------------------------------------------------------- */

/* RFC 6238: at 1111111109 (step 37037036) SHA-1 gives 07081804. */
#define V_TIME 1111111109
#define V_STEP 37037036
#define V_CODE "07081804"

static mns_err verify_at(const char *code, int64_t time, int64_t last, int64_t *matched)
{
    return mns_totp_verify(seed20, 20, code, time, 30, MNS_TOTP_SHA1, 8, last, matched);
}

static void test_verify_window(void **state)
{
    int64_t m;
    (void)state;

    m = -7;
    assert_int_equal(verify_at(V_CODE, V_TIME, -1, &m), MNS_OK);
    assert_int_equal(m, V_STEP);
    /* the clock of the verifier one step behind or ahead: accepted */
    m = -7;
    assert_int_equal(verify_at(V_CODE, V_TIME + 30, -1, &m), MNS_OK);
    assert_int_equal(m, V_STEP);
    m = -7;
    assert_int_equal(verify_at(V_CODE, V_TIME - 30, -1, &m), MNS_OK);
    assert_int_equal(m, V_STEP);
    /* two steps: refused, and *matched_step left alone */
    m = -7;
    assert_int_equal(verify_at(V_CODE, V_TIME + 60, -1, &m), MNS_ERR_AUTH);
    assert_int_equal(verify_at(V_CODE, V_TIME - 60, -1, &m), MNS_ERR_AUTH);
    assert_int_equal(m, -7);
    /* a wrong code (last digit changed) */
    assert_int_equal(verify_at("07081805", V_TIME, -1, &m), MNS_ERR_AUTH);
    assert_int_equal(verify_at("00000000", V_TIME, -1, &m), MNS_ERR_AUTH);

    /* 6 digits, around step 0 where no step -1 exists (RFC 4226 counters 0, 1, 2) */
    m = -7;
    assert_int_equal(mns_totp_verify(seed20, 20, "755224", 0, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_OK);
    assert_int_equal(m, 0);
    assert_int_equal(mns_totp_verify(seed20, 20, "287082", 0, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_OK);
    assert_int_equal(m, 1);
    assert_int_equal(mns_totp_verify(seed20, 20, "359152", 0, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_ERR_AUTH);
    assert_int_equal(mns_totp_verify(seed20, 20, "755224", 45, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_OK);
    assert_int_equal(m, 0);
    assert_int_equal(mns_totp_verify(seed20, 20, "755224", 60, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_ERR_AUTH);
    /* SHA-256 and SHA-512, 8 digits, RFC vectors at 59 s */
    assert_int_equal(mns_totp_verify(seed32, 32, "46119246", 59, 30, MNS_TOTP_SHA256, 8, -1, &m),
                     MNS_OK);
    assert_int_equal(m, 1);
    assert_int_equal(mns_totp_verify(seed64, 64, "90693936", 89, 30, MNS_TOTP_SHA512, 8, -1, &m),
                     MNS_OK);
    assert_int_equal(m, 1);
    /* the code of one algorithm is not the code of another */
    assert_int_equal(mns_totp_verify(seed32, 32, "94287082", 59, 30, MNS_TOTP_SHA256, 8, -1, &m),
                     MNS_ERR_AUTH);
}

static void test_verify_replay(void **state)
{
    uint8_t key[MNS_TOTP_KEY_SHA256];
    char text[16];
    uint32_t next = 0;
    int64_t m = -7, last;
    (void)state;

    /* accepted once */
    assert_int_equal(verify_at(V_CODE, V_TIME, -1, &m), MNS_OK);
    last = m;
    /* the same code again, in the same step or the next: refused */
    m = -7;
    assert_int_equal(verify_at(V_CODE, V_TIME, last, &m), MNS_ERR_AUTH);
    assert_int_equal(verify_at(V_CODE, V_TIME + 30, last, &m), MNS_ERR_AUTH);
    assert_int_equal(m, -7);
    /* an earlier step's code, still inside the window: refused */
    assert_int_equal(verify_at(V_CODE, V_TIME + 30, V_STEP + 1, &m), MNS_ERR_AUTH);
    assert_int_equal(verify_at(V_CODE, V_TIME, V_STEP + 5, &m), MNS_ERR_AUTH);
    assert_int_equal(m, -7);
    /* the code for step 0 after step 0 was used, at time 0 */
    assert_int_equal(mns_totp_verify(seed20, 20, "755224", 0, 30, MNS_TOTP_SHA1, 6, 0, &m),
                     MNS_ERR_AUTH);
    /* the next step's code is still good, and then it too is spent */
    assert_int_equal(mns_hotp(&next, seed20, 20, (uint64_t)last + 1, MNS_TOTP_SHA1, 8), MNS_OK);
    snprintf(text, sizeof(text), "%08" PRIu32, next);
    assert_int_equal(verify_at(text, V_TIME + 30, last, &m), MNS_OK);
    assert_int_equal(m, last + 1);
    last = m;
    assert_int_equal(verify_at(text, V_TIME + 30, last, &m), MNS_ERR_AUTH);

    /* with a random key: accept, then the same code is refused */
    assert_int_equal(mns_totp_secret_new(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_totp_at(&next, key, sizeof(key), 1700000000, 30, MNS_TOTP_SHA256, 6),
                     MNS_OK);
    snprintf(text, sizeof(text), "%06" PRIu32, next);
    assert_int_equal(mns_totp_verify(key, sizeof(key), text, 1700000000, 30, MNS_TOTP_SHA256, 6,
                                     -1, &m),
                     MNS_OK);
    assert_int_equal(m, 1700000000 / 30);
    assert_int_equal(mns_totp_verify(key, sizeof(key), text, 1700000000, 30, MNS_TOTP_SHA256, 6,
                                     m, &m),
                     MNS_ERR_AUTH);
    mns_wipe(key, sizeof(key));
}

static void test_verify_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "0708180",        /* 7 digits */
        "070818040",      /* 9 digits */
        "0708180a",       /* a letter */
        "O7081804",       /* letter O for zero */
        "+7081804",
        "-7081804",
        "0708-1804",
        "07081804\n",
        "\t07081804",
        "0708\x31" "804\x80",
        "\xef\xbc\x90\xef\xbc\x97\xef\xbc\x90\xef\xbc\x98\xef\xbc\x91\xef\xbc\x98\xef\xbc\x90"
        "\xef\xbc\x94", /* full-width ０７０８１８０４ */
        "        ",
        "0 7 0 8 1 8 0 4                  x",
        "0708 1804                         ", /* 34 bytes: over MNS_TOTP_CODE_TEXT_MAX */
    };
    int64_t m = -7;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mns_err r = verify_at(bad[i], V_TIME, -1, &m);
        if (r != MNS_ERR_INVALID)
            print_error("case %zu gave %d\n", i, (int)r);
        assert_int_equal(r, MNS_ERR_INVALID);
    }
    assert_int_equal(m, -7);
    /* a 6-digit code where 8 are expected, and the other way round */
    assert_int_equal(mns_totp_verify(seed20, 20, "081804", V_TIME, 30, MNS_TOTP_SHA1, 8, -1, &m),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_verify(seed20, 20, V_CODE, V_TIME, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_ERR_INVALID);
    /* spaces are ignored: as apps show it, around it, up to the length limit */
    assert_int_equal(verify_at("0708 1804", V_TIME, -1, &m), MNS_OK);
    assert_int_equal(verify_at(" 07081804 ", V_TIME, -1, &m), MNS_OK);
    assert_int_equal(verify_at("0 7 0 8 1 8 0 4", V_TIME, -1, &m), MNS_OK);
    assert_int_equal(verify_at("0708 1804                       ", V_TIME, -1, &m), MNS_OK);
    assert_int_equal(mns_totp_verify(seed20, 20, "081 804", V_TIME, 30, MNS_TOTP_SHA1, 6, -1, &m),
                     MNS_OK);
    assert_int_equal(m, V_STEP);
}

static void test_bad_arguments(void **state)
{
    uint32_t code = 5;
    int64_t m = -7;
    uint8_t key[MNS_TOTP_KEY_MAX + 1];
    (void)state;

    memset(key, 0x5a, sizeof(key));
    assert_int_equal(mns_hotp(NULL, seed20, 20, 0, MNS_TOTP_SHA1, 6), MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, NULL, 20, 0, MNS_TOTP_SHA1, 6), MNS_ERR_INVALID);
    assert_int_equal(code, 0);
    assert_int_equal(mns_hotp(&code, key, MNS_TOTP_KEY_MIN - 1, 0, MNS_TOTP_SHA1, 6),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, key, MNS_TOTP_KEY_MAX + 1, 0, MNS_TOTP_SHA1, 6),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, key, MNS_TOTP_KEY_MIN, 0, MNS_TOTP_SHA1, 6), MNS_OK);
    assert_int_equal(mns_hotp(&code, key, MNS_TOTP_KEY_MAX, 0, MNS_TOTP_SHA512, 8), MNS_OK);
    assert_int_equal(mns_hotp(&code, seed20, 20, 0, (mns_totp_alg)0, 6), MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, seed20, 20, 0, (mns_totp_alg)4, 6), MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, seed20, 20, 0, MNS_TOTP_SHA1, 7), MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, seed20, 20, 0, MNS_TOTP_SHA1, 10), MNS_ERR_INVALID);
    assert_int_equal(mns_hotp(&code, seed20, 20, UINT64_MAX, MNS_TOTP_SHA1, 6), MNS_OK);

    assert_int_equal(mns_totp_at(&code, seed20, 20, -1, 30, MNS_TOTP_SHA1, 6), MNS_ERR_INVALID);
    assert_int_equal(mns_totp_at(&code, seed20, 20, 59, 0, MNS_TOTP_SHA1, 6), MNS_ERR_INVALID);
    assert_int_equal(mns_totp_at(&code, seed20, 20, 59, MNS_TOTP_STEP_MAX + 1, MNS_TOTP_SHA1, 6),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_at(&code, seed20, 20, INT64_MAX, 1, MNS_TOTP_SHA1, 6), MNS_OK);

    assert_int_equal(mns_totp_verify(seed20, 20, NULL, V_TIME, 30, MNS_TOTP_SHA1, 8, -1, &m),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_verify(seed20, 20, V_CODE, V_TIME, 30, MNS_TOTP_SHA1, 8, -1, NULL),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_verify(seed20, 20, V_CODE, -30, 30, MNS_TOTP_SHA1, 8, -1, &m),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_verify(seed20, 20, V_CODE, V_TIME, 0, MNS_TOTP_SHA1, 8, -1, &m),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_verify(seed20, 8, V_CODE, V_TIME, 30, MNS_TOTP_SHA1, 8, -1, &m),
                     MNS_ERR_INVALID);
    /* the last step of time: no step after it, and no overflow */
    assert_int_equal(mns_totp_at(&code, seed20, 20, INT64_MAX, 1, MNS_TOTP_SHA1, 8), MNS_OK);
    {
        char text[16];
        snprintf(text, sizeof(text), "%08" PRIu32, code);
        assert_int_equal(mns_totp_verify(seed20, 20, text, INT64_MAX, 1, MNS_TOTP_SHA1, 8, -1, &m),
                         MNS_OK);
        assert_int_equal(m, INT64_MAX);
    }
    assert_int_equal(m, INT64_MAX);

    assert_int_equal(mns_totp_secret_new(NULL, 20), MNS_ERR_INVALID);
    assert_int_equal(mns_totp_secret_new(key, MNS_TOTP_KEY_MIN - 1), MNS_ERR_INVALID);
    assert_int_equal(mns_totp_secret_new(key, MNS_TOTP_KEY_MAX + 1), MNS_ERR_INVALID);
}

static void test_secret_new(void **state)
{
    uint8_t a[MNS_TOTP_KEY_SHA512], b[MNS_TOTP_KEY_SHA512], zero[MNS_TOTP_KEY_SHA512] = {0};
    (void)state;

    memset(a, 0, sizeof(a));
    memset(b, 0, sizeof(b));
    assert_int_equal(mns_totp_secret_new(a, MNS_TOTP_KEY_SHA1), MNS_OK);
    /* only len bytes written */
    assert_memory_equal(a + MNS_TOTP_KEY_SHA1, zero, sizeof(a) - MNS_TOTP_KEY_SHA1);
    assert_memory_not_equal(a, zero, MNS_TOTP_KEY_SHA1);
    assert_int_equal(mns_totp_secret_new(a, sizeof(a)), MNS_OK);
    assert_int_equal(mns_totp_secret_new(b, sizeof(b)), MNS_OK);
    assert_memory_not_equal(a, b, sizeof(a));
    mns_wipe(a, sizeof(a));
    mns_wipe(b, sizeof(b));
}

/* ---- base32 --------------------------------------------------------------- */

static void test_base32_rfc4648(void **state)
{
    /* RFC 4648 section 10, with and without the padding */
    static const char *const vec[][3] = {
        {"", "", ""},
        {"f", "MY", "MY======"},
        {"fo", "MZXQ", "MZXQ===="},
        {"foo", "MZXW6", "MZXW6==="},
        {"foob", "MZXW6YQ", "MZXW6YQ="},
        {"fooba", "MZXW6YTB", "MZXW6YTB"},
        {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
        char enc[32], lower[32];
        uint8_t dec[16];
        size_t n = strlen(vec[i][0]), outlen = 99;

        assert_int_equal(mns_base32_encode(enc, sizeof(enc), (const uint8_t *)vec[i][0], n),
                         MNS_OK);
        assert_string_equal(enc, vec[i][1]);
        assert_int_equal(strlen(enc), MNS_BASE32_LEN(n));
        for (int pad = 0; pad < 2; pad++) {
            const char *t = vec[i][1 + pad];
            outlen = 99;
            assert_int_equal(mns_base32_decode(dec, sizeof(dec), &outlen, t, strlen(t)), MNS_OK);
            assert_int_equal(outlen, n);
            assert_memory_equal(dec, vec[i][0], n);
            /* lower case too */
            for (size_t j = 0; j <= strlen(t); j++)
                lower[j] = (char)(t[j] >= 'A' && t[j] <= 'Z' ? t[j] - 'A' + 'a' : t[j]);
            outlen = 99;
            assert_int_equal(mns_base32_decode(dec, sizeof(dec), &outlen, lower, strlen(lower)),
                             MNS_OK);
            assert_int_equal(outlen, n);
            assert_memory_equal(dec, vec[i][0], n);
        }
    }
    {
        char enc[40];
        assert_int_equal(mns_base32_encode(enc, sizeof(enc), seed20, 20), MNS_OK);
        assert_string_equal(enc, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }
}

static void test_base32_roundtrip(void **state)
{
    static uint8_t in[700], dec[700];
    static char enc[MNS_BASE32_LEN(sizeof(in)) + 1];
    (void)state;

    assert_int_equal(mns_random(in, sizeof(in)), MNS_OK);
    for (size_t n = 0; n <= sizeof(in); n += (n < 150 ? 1 : 137)) {
        size_t outlen = 0;
        assert_int_equal(mns_base32_encode(enc, MNS_BASE32_LEN(n) + 1, in, n), MNS_OK); /* exact */
        assert_int_equal(strlen(enc), MNS_BASE32_LEN(n));
        assert_int_equal(mns_base32_decode(dec, n, &outlen, enc, strlen(enc)), MNS_OK);
        assert_int_equal(outlen, n);
        assert_memory_equal(dec, in, n);
        if (n > 0) {
            /* one byte short of room, either way */
            assert_int_equal(mns_base32_decode(dec, n - 1, &outlen, enc, strlen(enc)),
                             MNS_ERR_INVALID);
            assert_int_equal(outlen, 0);
            assert_int_equal(mns_base32_encode(enc, MNS_BASE32_LEN(n), in, n), MNS_ERR_LIMIT);
            assert_string_equal(enc, "");
        }
    }
    /* every byte value in every position of a 5-byte group */
    for (unsigned v = 0; v < 256; v++) {
        uint8_t blk[5], back[5];
        char e[9];
        size_t outlen = 0;
        memset(blk, (int)(v * 7 + 3), sizeof(blk));
        blk[v % 5] = (uint8_t)v;
        assert_int_equal(mns_base32_encode(e, sizeof(e), blk, 5), MNS_OK);
        assert_int_equal(mns_base32_decode(back, 5, &outlen, e, 8), MNS_OK);
        assert_memory_equal(back, blk, 5);
    }
}

static void test_base32_rejects(void **state)
{
    static const char *const bad[] = {
        "M",          /* 1 character: no whole byte */
        "MZX",        /* 3 */
        "MZXW6Y",     /* 6 */
        "MZ",         /* non-canonical: low bits of 'Z' set ("MY" is 'f') */
        "MZXR",       /* non-canonical */
        "MY=",        /* partial padding */
        "MY=====",
        "MY=======",  /* too much */
        "MZXW6YTB=",  /* padding where none belongs */
        "========",
        "MY======MY",  /* padding in the middle */
        "M=Y=====",
        "MZXW 6YTB",  /* whitespace */
        "MZXW6YTB\n",
        "MZXW6YT1",   /* '1' is not in the alphabet */
        "MZXW6YT8",   /* nor '8' */
        "MZXW6YT0",   /* nor '0' */
        "MZXW6YT@",   /* 'A' - 1 */
        "MZXW6YT[",   /* 'Z' + 1 */
        "MZXW6YT`",   /* 'a' - 1 */
        "MZXW6YT{",   /* 'z' + 1 */
        "MZXW6YT-",
        "MZXW6YT\x80",
    };
    uint8_t out[16];
    size_t outlen;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        mns_err r;
        memset(out, 0, sizeof(out));
        outlen = 77;
        r = mns_base32_decode(out, sizeof(out), &outlen, bad[i], strlen(bad[i]));
        if (r != MNS_ERR_INVALID)
            print_error("accepted \"%s\"\n", bad[i]);
        assert_int_equal(r, MNS_ERR_INVALID);
        assert_int_equal(outlen, 0);
        assert_int_equal(out[0], 0); /* nothing left behind */
    }
    assert_int_equal(mns_base32_decode(out, sizeof(out), NULL, "MY", 2), MNS_ERR_INVALID);
    assert_int_equal(mns_base32_decode(NULL, 0, &outlen, "MY", 2), MNS_ERR_INVALID);
    assert_int_equal(mns_base32_decode(NULL, 0, &outlen, "", 0), MNS_OK);
    assert_int_equal(mns_base32_decode(out, sizeof(out), &outlen, "MY\0\0", 4), MNS_ERR_INVALID);
    assert_int_equal(mns_base32_encode(NULL, 8, out, 1), MNS_ERR_INVALID);
    assert_int_equal(mns_base32_encode((char *)out, 0, out, 1), MNS_ERR_INVALID);
}

/* ---- otpauth URI ---------------------------------------------------------- */

/* The secret parameter of a URI, decoded. */
static size_t uri_secret(uint8_t *key, size_t size, const char *uri)
{
    const char *s = strstr(uri, "?secret="), *e;
    size_t len = 0;

    assert_non_null(s);
    s += strlen("?secret=");
    e = strchr(s, '&');
    assert_non_null(e);
    assert_int_equal(mns_base32_decode(key, size, &len, s, (size_t)(e - s)), MNS_OK);
    return len;
}

static void test_uri(void **state)
{
    /* issuer "マイナ管理 株式会社", account "経理部 田中@example.jp" */
    static const char issuer[] = "\xe3\x83\x9e\xe3\x82\xa4\xe3\x83\x8a\xe7\xae\xa1\xe7\x90\x86 "
                                 "\xe6\xa0\xaa\xe5\xbc\x8f\xe4\xbc\x9a\xe7\xa4\xbe";
    static const char account[] = "\xe7\xb5\x8c\xe7\x90\x86\xe9\x83\xa8 "
                                  "\xe7\x94\xb0\xe4\xb8\xad@example.jp";
    static const char expect[] =
        "otpauth://totp/"
        "%E3%83%9E%E3%82%A4%E3%83%8A%E7%AE%A1%E7%90%86%20%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE"
        ":%E7%B5%8C%E7%90%86%E9%83%A8%20%E7%94%B0%E4%B8%AD%40example.jp"
        "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        "&issuer="
        "%E3%83%9E%E3%82%A4%E3%83%8A%E7%AE%A1%E7%90%86%20%E6%A0%AA%E5%BC%8F%E4%BC%9A%E7%A4%BE"
        "&algorithm=SHA1&digits=6&period=30";
    char uri[MNS_TOTP_URI_MAX];
    uint8_t back[MNS_TOTP_KEY_MAX], key[MNS_TOTP_KEY_SHA512];
    (void)state;

    assert_int_equal(mns_totp_uri(uri, sizeof(uri), issuer, account, seed20, 20, MNS_TOTP_SHA1,
                                  6, 30),
                     MNS_OK);
    assert_string_equal(uri, expect);
    assert_int_equal(uri_secret(back, sizeof(back), uri), 20);
    assert_memory_equal(back, seed20, 20);
    /* exact fit, and one byte short (wiped) */
    assert_int_equal(mns_totp_uri(uri, sizeof(expect), issuer, account, seed20, 20,
                                  MNS_TOTP_SHA1, 6, 30),
                     MNS_OK);
    assert_string_equal(uri, expect);
    assert_int_equal(mns_totp_uri(uri, sizeof(expect) - 1, issuer, account, seed20, 20,
                                  MNS_TOTP_SHA1, 6, 30),
                     MNS_ERR_LIMIT);
    assert_null(memchr(uri, 'G', sizeof(expect) - 1));
    assert_int_equal(uri[0], '\0');

    /* ASCII, unreserved characters kept, a random SHA-512 secret decodes back */
    assert_int_equal(mns_totp_secret_new(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_totp_uri(uri, sizeof(uri), "mnsafe", "a-b.c_d~e+f/g", key, sizeof(key),
                                  MNS_TOTP_SHA512, 8, 60),
                     MNS_OK);
    assert_int_equal(strncmp(uri, "otpauth://totp/mnsafe:a-b.c_d~e%2Bf%2Fg?secret=", 47), 0);
    assert_non_null(strstr(uri, "&issuer=mnsafe&algorithm=SHA512&digits=8&period=60"));
    assert_int_equal(strlen(strstr(uri, "&issuer=")),
                     strlen("&issuer=mnsafe&algorithm=SHA512&digits=8&period=60"));
    assert_int_equal(strlen(uri), 47 + MNS_BASE32_LEN(sizeof(key)) +
                                      strlen("&issuer=mnsafe&algorithm=SHA512&digits=8&period=60"));
    assert_int_equal(uri_secret(back, sizeof(back), uri), sizeof(key));
    assert_memory_equal(back, key, sizeof(key));
    assert_int_equal(mns_totp_uri(uri, sizeof(uri), "mnsafe", "x", seed32, 32, MNS_TOTP_SHA256, 6,
                                  30),
                     MNS_OK);
    assert_string_equal(uri, "otpauth://totp/mnsafe:x?secret="
                             "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZA"
                             "&issuer=mnsafe&algorithm=SHA256&digits=6&period=30");

    /* refused names: ':' splits the label, controls, ill-formed UTF-8, empty, too long */
    {
        static const char *const bad[] = {
            "",
            "a:b",
            "a\nb",
            "a\x7f",
            "\xc2\x85",          /* U+0085, a C1 control */
            "\xe7\xae",          /* truncated */
            "\xc0\xaf",          /* overlong '/' */
            "\xe0\x80\xaf",      /* overlong */
            "\xed\xa0\x80",      /* surrogate */
            "\xf4\x90\x80\x80",  /* past U+10FFFF */
            "\xff",
            "\x80",
        };
        char longname[MNS_TOTP_NAME_MAX + 2];
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            if (mns_totp_uri(uri, sizeof(uri), bad[i], "x", seed20, 20, MNS_TOTP_SHA1, 6, 30) !=
                MNS_ERR_INVALID)
                print_error("issuer case %zu accepted\n", i);
            assert_int_equal(
                mns_totp_uri(uri, sizeof(uri), bad[i], "x", seed20, 20, MNS_TOTP_SHA1, 6, 30),
                MNS_ERR_INVALID);
            assert_int_equal(
                mns_totp_uri(uri, sizeof(uri), "x", bad[i], seed20, 20, MNS_TOTP_SHA1, 6, 30),
                MNS_ERR_INVALID);
        }
        memset(longname, 'n', sizeof(longname));
        longname[MNS_TOTP_NAME_MAX + 1] = '\0';
        assert_int_equal(
            mns_totp_uri(uri, sizeof(uri), longname, "x", seed20, 20, MNS_TOTP_SHA1, 6, 30),
            MNS_ERR_INVALID);
        longname[MNS_TOTP_NAME_MAX] = '\0';
        assert_int_equal(
            mns_totp_uri(uri, sizeof(uri), longname, "x", seed20, 20, MNS_TOTP_SHA1, 6, 30),
            MNS_OK);
        /* 4-byte UTF-8 (an emoji) is fine */
        assert_int_equal(mns_totp_uri(uri, sizeof(uri), "\xf0\x9f\x94\x91", "x", seed20, 20,
                                      MNS_TOTP_SHA1, 6, 30),
                         MNS_OK);
        assert_int_equal(strncmp(uri, "otpauth://totp/%F0%9F%94%91:x?", 30), 0);
    }
    /* the longest URI fits MNS_TOTP_URI_MAX */
    {
        char big[MNS_TOTP_NAME_MAX + 1];
        uint8_t kmax[MNS_TOTP_KEY_MAX] = {0};
        memset(big, ' ', MNS_TOTP_NAME_MAX);
        big[MNS_TOTP_NAME_MAX] = '\0';
        assert_int_equal(mns_totp_uri(uri, sizeof(uri), big, big, kmax, sizeof(kmax),
                                      MNS_TOTP_SHA512, 8, MNS_TOTP_STEP_MAX),
                         MNS_OK);
    }
    assert_int_equal(mns_totp_uri(uri, sizeof(uri), "i", "a", seed20, 20, MNS_TOTP_SHA1, 7, 30),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_uri(uri, sizeof(uri), "i", "a", seed20, 20, MNS_TOTP_SHA1, 6, 0),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_uri(uri, sizeof(uri), NULL, "a", seed20, 20, MNS_TOTP_SHA1, 6, 30),
                     MNS_ERR_INVALID);
    assert_int_equal(mns_totp_uri(NULL, 10, "i", "a", seed20, 20, MNS_TOTP_SHA1, 6, 30),
                     MNS_ERR_INVALID);
    mns_wipe(key, sizeof(key));
    mns_wipe(uri, sizeof(uri));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hotp_rfc4226),
        cmocka_unit_test(test_totp_rfc6238),
        cmocka_unit_test(test_totp_oathtool),
        cmocka_unit_test(test_verify_window),
        cmocka_unit_test(test_verify_replay),
        cmocka_unit_test(test_verify_malformed),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_secret_new),
        cmocka_unit_test(test_base32_rfc4648),
        cmocka_unit_test(test_base32_roundtrip),
        cmocka_unit_test(test_base32_rejects),
        cmocka_unit_test(test_uri),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
