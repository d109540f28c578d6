/* test_crypto_threads.c: seal, open, blind index and SHA-256 from 8 threads at
 * once. The algorithms are fetched once for the process and each thread keeps
 * contexts of its own (lib/crypto/evp_cache.c); every thread checks its results
 * against answers worked out beforehand on the main thread, opens what the
 * other threads sealed, and goes on working after refused opens. Threads are
 * started in two waves, so contexts are freed at thread exit and made again
 * (LeakSanitizer checks the freeing under MNS_SANITIZE). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/aead_internal.h"
#include "mnsafe/crypto.h"

#define THREADS 8
#define ROUNDS 300
#define PT_LEN 12

/* Filled in on the main thread before any worker starts. */
static uint8_t shared_key[MNS_KEY_LEN];
static uint8_t thread_keys[THREADS][MNS_KEY_LEN];
static char numbers[ROUNDS][PT_LEN + 1];
static uint8_t want_bidx[ROUNDS][MNS_BLIND_INDEX_LEN]; /* under shared_key */
static uint8_t want_sha[ROUNDS][MNS_HASH_LEN];
static uint8_t want_sealed[ROUNDS][PT_LEN + MNS_AEAD_OVERHEAD]; /* fixed nonce, shared_key */
static uint8_t nonces[ROUNDS][MNS_AEAD_NONCE_LEN];
/* Each thread's sealed messages, for the others to open after the barrier. */
static uint8_t sealed_by[THREADS][ROUNDS][PT_LEN + MNS_AEAD_OVERHEAD];

static pthread_barrier_t start, sealed_all;

struct worker {
    int id;
    unsigned failures; /* cmocka's asserts cannot be used off the main thread */
    const char *first; /* what failed first */
};

static void note_failure(struct worker *w, const char *what)
{
    if (w->failures++ == 0)
        w->first = what;
}

static const char ad[] = "tenant=7;person=";

static void *work(void *arg)
{
    struct worker *w = arg;
    const uint8_t *key = thread_keys[w->id];
    uint8_t buf[PT_LEN + MNS_AEAD_OVERHEAD], out[PT_LEN + 1], h[MNS_HASH_LEN];
    size_t outlen;

    pthread_barrier_wait(&start);
    for (int i = 0; i < ROUNDS; i++) {
        /* this thread's own key: seal, open, and refuse a flipped tag */
        if (mns_aead_seal(sealed_by[w->id][i], key, ad, sizeof(ad) - 1, numbers[i], PT_LEN) !=
            MNS_OK)
            note_failure(w, "seal");
        outlen = 0;
        if (mns_aead_open(out, &outlen, key, ad, sizeof(ad) - 1, sealed_by[w->id][i],
                          sizeof(buf)) != MNS_OK ||
            outlen != PT_LEN || memcmp(out, numbers[i], PT_LEN) != 0)
            note_failure(w, "open own");
        memcpy(buf, sealed_by[w->id][i], sizeof(buf));
        buf[sizeof(buf) - 1] ^= 0x01;
        if (mns_aead_open(out, &outlen, key, ad, sizeof(ad) - 1, buf, sizeof(buf)) !=
                MNS_ERR_CRYPTO ||
            outlen != 0)
            note_failure(w, "tampered open accepted");
        /* a wrong key after a refusal: still refused, and the context still works */
        if (mns_aead_open(out, &outlen, shared_key, ad, sizeof(ad) - 1, sealed_by[w->id][i],
                          sizeof(buf)) != MNS_ERR_CRYPTO)
            note_failure(w, "wrong key accepted");

        /* the shared key: known answers, same from every thread */
        if (mns_aead_seal_with_nonce(buf, shared_key, nonces[i], ad, sizeof(ad) - 1,
                                     numbers[i], PT_LEN) != MNS_OK ||
            memcmp(buf, want_sealed[i], sizeof(buf)) != 0)
            note_failure(w, "seal with nonce");
        if (mns_aead_open(out, &outlen, shared_key, ad, sizeof(ad) - 1, want_sealed[i],
                          sizeof(buf)) != MNS_OK ||
            outlen != PT_LEN || memcmp(out, numbers[i], PT_LEN) != 0)
            note_failure(w, "open shared");
        if (mns_blind_index(h, shared_key, numbers[i], PT_LEN) != MNS_OK ||
            memcmp(h, want_bidx[i], MNS_BLIND_INDEX_LEN) != 0)
            note_failure(w, "blind index");
        if (mns_sha256(h, numbers[i], PT_LEN) != MNS_OK || memcmp(h, want_sha[i], sizeof(h)) != 0)
            note_failure(w, "sha256");
    }

    /* everyone's messages, once all are sealed */
    pthread_barrier_wait(&sealed_all);
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < ROUNDS; i += 7) {
            outlen = 0;
            if (mns_aead_open(out, &outlen, thread_keys[t], ad, sizeof(ad) - 1, sealed_by[t][i],
                              sizeof(buf)) != MNS_OK ||
                outlen != PT_LEN || memcmp(out, numbers[i], PT_LEN) != 0)
                note_failure(w, "open other thread's");
            if (t != w->id &&
                mns_aead_open(out, &outlen, key, ad, sizeof(ad) - 1, sealed_by[t][i],
                              sizeof(buf)) != MNS_ERR_CRYPTO)
                note_failure(w, "other thread's message opened under own key");
        }
    }
    return NULL;
}

static void prepare(void)
{
    assert_int_equal(mns_random(shared_key, sizeof(shared_key)), MNS_OK);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(mns_random(thread_keys[t], MNS_KEY_LEN), MNS_OK);
    for (int i = 0; i < ROUNDS; i++) {
        snprintf(numbers[i], sizeof(numbers[i]), "%012d", 123456789 + i * 7919);
        assert_int_equal(mns_random(nonces[i], MNS_AEAD_NONCE_LEN), MNS_OK);
        assert_int_equal(mns_blind_index(want_bidx[i], shared_key, numbers[i], PT_LEN), MNS_OK);
        assert_int_equal(mns_sha256(want_sha[i], numbers[i], PT_LEN), MNS_OK);
        assert_int_equal(mns_aead_seal_with_nonce(want_sealed[i], shared_key, nonces[i], ad,
                                                  sizeof(ad) - 1, numbers[i], PT_LEN),
                         MNS_OK);
    }
}

static void run_wave(void)
{
    pthread_t tid[THREADS];
    struct worker w[THREADS];

    assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
    assert_int_equal(pthread_barrier_init(&sealed_all, NULL, THREADS), 0);
    for (int t = 0; t < THREADS; t++) {
        w[t] = (struct worker){.id = t};
        assert_int_equal(pthread_create(&tid[t], NULL, work, &w[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(tid[t], NULL), 0);
    pthread_barrier_destroy(&start);
    pthread_barrier_destroy(&sealed_all);
    for (int t = 0; t < THREADS; t++) {
        if (w[t].failures != 0)
            print_error("thread %d: %u failures, first: %s\n", t, w[t].failures, w[t].first);
        assert_int_equal(w[t].failures, 0);
    }
}

static void test_concurrent(void **state)
{
    (void)state;
    prepare();
    run_wave();
    run_wave(); /* new threads: contexts made afresh after the first wave's were freed */
}

/* The main thread keeps working after refusals and interleaved operations:
 * the reused cipher context is reset on every path. */
static void test_reuse_after_failure(void **state)
{
    uint8_t key[MNS_KEY_LEN], sealed[PT_LEN + MNS_AEAD_OVERHEAD], out[PT_LEN];
    uint8_t a[MNS_BLIND_INDEX_LEN], b[MNS_BLIND_INDEX_LEN];
    size_t outlen;
    (void)state;

    assert_int_equal(mns_random(key, sizeof(key)), MNS_OK);
    assert_int_equal(mns_blind_index(a, key, "123456789018", PT_LEN), MNS_OK);
    for (int i = 0; i < 50; i++) {
        assert_int_equal(mns_aead_seal(sealed, key, NULL, 0, "123456789018", PT_LEN), MNS_OK);
        sealed[MNS_AEAD_NONCE_LEN] ^= 0x20;
        assert_int_equal(mns_aead_open(out, &outlen, key, NULL, 0, sealed, sizeof(sealed)),
                         MNS_ERR_CRYPTO);
        sealed[MNS_AEAD_NONCE_LEN] ^= 0x20;
        assert_int_equal(mns_aead_open(out, &outlen, key, "x", 1, sealed, sizeof(sealed)),
                         MNS_ERR_CRYPTO);
        assert_int_equal(mns_blind_index(b, key, "123456789018", PT_LEN), MNS_OK);
        assert_memory_equal(a, b, sizeof(a));
        assert_int_equal(mns_aead_open(out, &outlen, key, NULL, 0, sealed, sizeof(sealed)),
                         MNS_OK);
        assert_int_equal(outlen, PT_LEN);
        assert_memory_equal(out, "123456789018", PT_LEN);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reuse_after_failure),
        cmocka_unit_test(test_concurrent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
