/* test_crypto_random.c: mns_random, its per-thread pool, refills, threads, fork. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mnsafe/crypto.h"
#include "test_util.h"

static void test_random_basic(void **state)
{
    uint8_t a[32] = {0}, b[32] = {0};
    (void)state;
    assert_int_equal(mns_random(a, sizeof(a)), MNS_OK);
    assert_int_equal(mns_random(b, sizeof(b)), MNS_OK);
    assert_false(tu_all_zero(a, sizeof(a)));
    assert_false(mns_equal(a, b, sizeof(a)));
    assert_int_equal(mns_random(NULL, 0), MNS_OK);
    assert_int_equal(mns_random(NULL, 1), MNS_ERR_INVALID);
}

#define DRAWS 6000
#define DRAW_LEN 12

static int compare_draws(const void *a, const void *b)
{
    return memcmp(a, b, DRAW_LEN);
}

/* Nonce-sized draws across many refills of the pool (and between them draws
 * of other sizes, large ones too): no two alike, none all zero. A pool that
 * handed out a byte twice, or a refill that reused old bytes, shows here. */
static void test_random_draws_never_repeat(void **state)
{
    uint8_t (*draws)[DRAW_LEN] = calloc(DRAWS, DRAW_LEN);
    uint8_t other[300];
    (void)state;
    assert_non_null(draws);
    for (size_t i = 0; i < DRAWS; i++) {
        assert_int_equal(mns_random(draws[i], DRAW_LEN), MNS_OK);
        size_t odd = 1 + (i * 37) % sizeof(other); /* 1..300: from the pool and direct */
        assert_int_equal(mns_random(other, odd), MNS_OK);
    }
    qsort(draws, DRAWS, DRAW_LEN, compare_draws);
    for (size_t i = 0; i < DRAWS; i++) {
        assert_false(tu_all_zero(draws[i], DRAW_LEN));
        if (i > 0)
            assert_int_not_equal(memcmp(draws[i - 1], draws[i], DRAW_LEN), 0);
    }
    free(draws);
}

/* Bytes that do not look random at all: each of 256 values in a 64 KiB run
 * of one-byte draws (expected 256 each) far from 0 or 1000. */
static void test_random_bytes_spread(void **state)
{
    unsigned counts[256] = {0};
    (void)state;
    for (size_t i = 0; i < 65536; i++) {
        uint8_t b;
        assert_int_equal(mns_random(&b, 1), MNS_OK);
        counts[b]++;
    }
    for (size_t v = 0; v < 256; v++) {
        assert_true(counts[v] > 128);
        assert_true(counts[v] < 400);
    }
}

/* A forked child must not hand out what its parent hands out next: the
 * child's copy of the pool is thrown away. */
static void test_random_fork_child_differs(void **state)
{
    uint8_t warm, parent[64], child[64];
    int fd[2];
    (void)state;
    assert_int_equal(mns_random(&warm, 1), MNS_OK); /* the pool holds unused bytes now */
    assert_int_equal(pipe(fd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fd[0]);
        uint8_t mine[64];
        int ok = mns_random(mine, sizeof(mine)) == MNS_OK && write(fd[1], mine, sizeof(mine)) == (ssize_t)sizeof(mine);
        _exit(ok ? 0 : 1);
    }
    close(fd[1]);
    assert_int_equal(mns_random(parent, sizeof(parent)), MNS_OK);
    size_t got = 0;
    while (got < sizeof(child)) {
        ssize_t r = read(fd[0], child + got, sizeof(child) - got);
        assert_true(r > 0);
        got += (size_t)r;
    }
    close(fd[0]);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_false(mns_equal(parent, child, sizeof(parent)));
    /* nor any 12-byte window of it (a nonce) */
    for (size_t i = 0; i + DRAW_LEN <= sizeof(parent); i++)
        for (size_t j = 0; j + DRAW_LEN <= sizeof(child); j++)
            assert_int_not_equal(memcmp(parent + i, child + j, DRAW_LEN), 0);
}

#define THREADS 4
#define THREAD_DRAWS 500

static uint8_t thread_draws[THREADS][THREAD_DRAWS][DRAW_LEN];

static void *draw_thread(void *arg)
{
    size_t t = (size_t)(uintptr_t)arg;
    for (size_t i = 0; i < THREAD_DRAWS; i++)
        if (mns_random(thread_draws[t][i], DRAW_LEN) != MNS_OK)
            return (void *)1;
    return NULL;
}

static size_t mapping_count(void)
{
    FILE *fp = fopen("/proc/self/maps", "r");
    size_t n = 0;
    int c;
    if (fp == NULL)
        return 0;
    while ((c = fgetc(fp)) != EOF)
        n += c == '\n';
    fclose(fp);
    return n;
}

/* Threads drawing at once never get the same bytes; and a thread's pool
 * goes with the thread (mapping count back where it was after 40 threads). */
static void test_random_threads(void **state)
{
    pthread_t th[THREADS];
    (void)state;
    for (size_t t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&th[t], NULL, draw_thread, (void *)(uintptr_t)t), 0);
    for (size_t t = 0; t < THREADS; t++) {
        void *r = (void *)1;
        assert_int_equal(pthread_join(th[t], &r), 0);
        assert_null(r);
    }
    uint8_t (*all)[DRAW_LEN] = (uint8_t (*)[DRAW_LEN])thread_draws;
    qsort(all, THREADS * THREAD_DRAWS, DRAW_LEN, compare_draws);
    for (size_t i = 1; i < THREADS * THREAD_DRAWS; i++)
        assert_int_not_equal(memcmp(all[i - 1], all[i], DRAW_LEN), 0);

    /* warm up: thread stacks and the allocator's arenas stay mapped */
    for (int round = 0; round < 2; round++) {
        size_t before = mapping_count();
        for (int k = 0; k < 40; k++) {
            pthread_t one;
            assert_int_equal(pthread_create(&one, NULL, draw_thread, (void *)(uintptr_t)0), 0);
            assert_int_equal(pthread_join(one, NULL), 0);
        }
        size_t after = mapping_count();
        if (round == 1)
            assert_true(after <= before + 4); /* 40 pools left behind would be 40+ mappings */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_basic),
        cmocka_unit_test(test_random_draws_never_repeat),
        cmocka_unit_test(test_random_bytes_spread),
        cmocka_unit_test(test_random_fork_child_differs),
        cmocka_unit_test(test_random_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
