/* test_crypto_ed25519.c: RFC 8032 known answers (tests/data/crypto/ed25519.kat)
 * and rejection of altered signatures, messages and keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mnsafe/crypto.h"

/* ---- known-answer file reader ("field = hex", blank line ends a record) ---- */

#define KAT_MAX 256

enum { F_SEED, F_PUB, F_MSG, F_SIG, F_COUNT };
static const char *const kat_fields[F_COUNT] = {"seed", "pub", "msg", "sig"};

struct kat {
    char name[64];
    uint8_t v[F_COUNT][KAT_MAX];
    size_t len[F_COUNT];
    bool have[F_COUNT];
};

static FILE *open_data(const char *file)
{
    const char *dir = getenv("MNS_TEST_DATA");
    char path[1024];
    if (dir != NULL) {
        snprintf(path, sizeof(path), "%s/crypto/%s", dir, file);
    } else {
        /* run by hand: the data folder beside this source file */
        const char *slash = strrchr(__FILE__, '/');
        int dlen = slash != NULL ? (int)(slash - __FILE__) : 1;
        snprintf(path, sizeof(path), "%.*s/../data/crypto/%s", dlen,
                 slash != NULL ? __FILE__ : ".", file);
    }
    return fopen(path, "r");
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

/* 1 and a record, or 0 at the end of the file. */
static int kat_next(FILE *fp, struct kat *k)
{
    char line[1024];
    bool any = false;

    memset(k, 0, sizeof(*k));
    while (fgets(line, sizeof(line), fp) != NULL) {
        char *l = trim(line), *eq, *key, *val;
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
        key = trim(l);
        val = trim(eq + 1);
        any = true;
        if (strcmp(key, "name") == 0) {
            snprintf(k->name, sizeof(k->name), "%s", val);
            continue;
        }
        for (int f = 0; f < F_COUNT; f++) {
            if (strcmp(key, kat_fields[f]) != 0)
                continue;
            assert_true(strlen(val) / 2 <= KAT_MAX);
            k->len[f] = strlen(val) / 2;
            assert_int_equal(mns_hex_decode(k->v[f], k->len[f], val, strlen(val)), MNS_OK);
            k->have[f] = true;
        }
    }
    return any ? 1 : 0;
}

/* ---- tests ------------------------------------------------------------- */

static void test_rfc8032(void **state)
{
    FILE *fp = open_data("ed25519.kat");
    struct kat k;
    int records = 0;
    (void)state;

    assert_non_null(fp);
    while (kat_next(fp, &k)) {
        uint8_t pub[MNS_ED25519_PUB_LEN], sig[MNS_ED25519_SIG_LEN];
        const void *msg = k.len[F_MSG] ? k.v[F_MSG] : NULL;

        for (int f = 0; f < F_COUNT; f++)
            assert_true(k.have[f]);
        assert_int_equal(k.len[F_SEED], MNS_ED25519_SEED_LEN);
        assert_int_equal(k.len[F_PUB], MNS_ED25519_PUB_LEN);
        assert_int_equal(k.len[F_SIG], MNS_ED25519_SIG_LEN);
        print_message("  %s\n", k.name);

        assert_int_equal(mns_ed25519_public(pub, k.v[F_SEED]), MNS_OK);
        assert_memory_equal(pub, k.v[F_PUB], sizeof(pub));
        assert_int_equal(mns_ed25519_sign(sig, k.v[F_SEED], msg, k.len[F_MSG]), MNS_OK);
        assert_memory_equal(sig, k.v[F_SIG], sizeof(sig));
        assert_int_equal(mns_ed25519_verify(k.v[F_SIG], k.v[F_PUB], msg, k.len[F_MSG]), MNS_OK);

        /* every byte of the signature */
        for (size_t i = 0; i < sizeof(sig); i++) {
            sig[i] ^= 0x01;
            assert_int_equal(mns_ed25519_verify(sig, pub, msg, k.len[F_MSG]), MNS_ERR_TAMPERED);
            sig[i] ^= 0x01;
        }
        /* another message */
        assert_int_equal(mns_ed25519_verify(sig, pub, "x", 1), MNS_ERR_TAMPERED);
        records++;
    }
    fclose(fp);
    assert_int_equal(records, 2);
}

static void test_roundtrip_and_wrong_key(void **state)
{
    uint8_t seed[MNS_ED25519_SEED_LEN], seed2[MNS_ED25519_SEED_LEN];
    uint8_t pub[MNS_ED25519_PUB_LEN], pub2[MNS_ED25519_PUB_LEN], sig[MNS_ED25519_SIG_LEN];
    char msg[] = "audit checkpoint 42: 8f3c...";
    (void)state;

    assert_int_equal(mns_random(seed, sizeof(seed)), MNS_OK);
    assert_int_equal(mns_random(seed2, sizeof(seed2)), MNS_OK);
    assert_int_equal(mns_ed25519_public(pub, seed), MNS_OK);
    assert_int_equal(mns_ed25519_public(pub2, seed2), MNS_OK);
    assert_int_equal(mns_ed25519_sign(sig, seed, msg, strlen(msg)), MNS_OK);
    assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg)), MNS_OK);
    assert_int_equal(mns_ed25519_verify(sig, pub2, msg, strlen(msg)), MNS_ERR_TAMPERED);
    for (size_t i = 0; i < strlen(msg); i++) {
        msg[i] ^= 0x20;
        assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg)), MNS_ERR_TAMPERED);
        msg[i] ^= 0x20;
    }
    assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg) - 1), MNS_ERR_TAMPERED);
    for (size_t i = 0; i < sizeof(pub); i++) {
        pub[i] ^= 0x04;
        assert_int_equal(mns_ed25519_verify(sig, pub, msg, strlen(msg)), MNS_ERR_TAMPERED);
        pub[i] ^= 0x04;
    }
    assert_int_equal(mns_ed25519_sign(sig, seed, NULL, 1), MNS_ERR_INVALID);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_roundtrip_and_wrong_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
