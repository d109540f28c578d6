/*
 * random.c: random bytes for keys, nonces and ids.
 *
 * RAND_bytes costs about 2 us a call whatever the length (OpenSSL 3 takes
 * the DRBG's lock, checks the pid and re-keys the CTR-DRBG after every
 * generate), and sealing one person asks four times: data key, two nonces,
 * the id's random bits. So each thread draws POOL_SIZE bytes at once and
 * hands them out in order. The pool is a secure allocation (mlock'ed, left
 * out of core dumps), and every byte handed out is wiped from it at once: the
 * pool only ever holds bytes nobody has been given.
 *
 * Fork: a child must never hand out the bytes its parent will, so a
 * pthread_atfork child handler wipes the forking thread's pool (the only
 * thread the child has). Thread exit frees (wipes) the thread's pool through
 * a pthread key destructor. Requests larger than DIRECT_MIN, and any thread
 * whose pool cannot be set up, go to RAND_bytes directly.
 */
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/rand.h>

#include "mnsafe/crypto.h"

#define POOL_SIZE 1024
#define DIRECT_MIN 128

struct random_pool {
    unsigned char *bytes; /* POOL_SIZE, mns_secure_alloc; NULL until first use */
    size_t used;          /* bytes[0, used) were handed out (and wiped) */
    bool registered;      /* the pthread key points here: freed at thread exit */
};

static _Thread_local struct random_pool tpool;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;
static pthread_key_t pool_key;
static bool pool_ok;

static void pool_free(void *p)
{
    struct random_pool *pool = p;

    mns_secure_free(pool->bytes, POOL_SIZE); /* wipes */
    pool->bytes = NULL;
    pool->used = POOL_SIZE;
    pool->registered = false;
}

static void pool_forked_child(void)
{
    if (tpool.bytes != NULL)
        mns_wipe(tpool.bytes, POOL_SIZE);
    tpool.used = POOL_SIZE; /* refilled from the child's own DRBG */
}

static void pool_init(void)
{
    pool_ok = pthread_key_create(&pool_key, pool_free) == 0 && pthread_atfork(NULL, NULL, pool_forked_child) == 0;
}

static mns_err rand_direct(unsigned char *p, size_t n)
{
    while (n > 0) {
        int chunk = n > (size_t)INT_MAX ? INT_MAX : (int)n;
        if (RAND_bytes(p, chunk) != 1) {
            ERR_clear_error();
            return MNS_ERR_CRYPTO;
        }
        p += chunk;
        n -= (size_t)chunk;
    }
    return MNS_OK;
}

/* This thread's pool, set up on first use; NULL if it cannot be. */
static struct random_pool *thread_pool(void)
{
    struct random_pool *pool = &tpool;

    if (pool->registered)
        return pool;
    if (pthread_once(&pool_once, pool_init) != 0 || !pool_ok)
        return NULL;
    if ((pool->bytes = mns_secure_alloc(POOL_SIZE)) == NULL)
        return NULL;
    if (pthread_setspecific(pool_key, pool) != 0) {
        mns_secure_free(pool->bytes, POOL_SIZE);
        pool->bytes = NULL;
        return NULL;
    }
    pool->used = POOL_SIZE;
    pool->registered = true;
    return pool;
}

mns_err mns_random(void *buf, size_t n)
{
    unsigned char *out = buf;
    struct random_pool *pool;

    if (n == 0)
        return MNS_OK;
    if (buf == NULL)
        return MNS_ERR_INVALID;
    if (mns_global_init() != MNS_OK)
        return MNS_ERR_CRYPTO;
    if (n >= DIRECT_MIN || (pool = thread_pool()) == NULL)
        return rand_direct(out, n);
    while (n > 0) {
        if (pool->used == POOL_SIZE) {
            mns_err err = rand_direct(pool->bytes, POOL_SIZE);
            if (err != MNS_OK) {
                mns_wipe(buf, (size_t)(out - (unsigned char *)buf));
                return err;
            }
            pool->used = 0;
        }
        size_t take = POOL_SIZE - pool->used < n ? POOL_SIZE - pool->used : n;
        memcpy(out, pool->bytes + pool->used, take);
        mns_wipe(pool->bytes + pool->used, take);
        pool->used += take;
        out += take;
        n -= take;
    }
    return MNS_OK;
}
