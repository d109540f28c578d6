/*
 * pool.c: a fixed number of connections to one database, taken by one
 * thread at a time (issue 10). A server on PostgreSQL has one writer
 * connection under the vault lock; the pool lets the other threads read
 * what needs no lock (a session check) at the same time, each on its own
 * connection, instead of queueing behind the writer.
 *
 * Connections open when first needed, so an idle server keeps one. A
 * broken connection stays in its slot: the PostgreSQL backend connects
 * again before its next statement outside a transaction.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h> /* OPENSSL_cleanse: the store links no mnsafe crypto */
#include "store_internal.h"

struct mns_store_pool {
    pthread_mutex_t lock;
    pthread_cond_t freed;
    char *url; /* may hold a password: wiped on close */
    unsigned size;
    struct mns_store **conns; /* size slots; NULL until first opened */
    bool *busy;
};

mns_err mns_store_pool_open(struct mns_store_pool **out, const char *url, unsigned size, mns_errmsg *em)
{
    *out = NULL;
    if (url == NULL || size == 0 || size > MNS_STORE_POOL_MAX)
        return mns_fail(em, MNS_ERR_INVALID, "store pool: between 1 and %d connections / 接続数は 1〜%d です",
                        MNS_STORE_POOL_MAX, MNS_STORE_POOL_MAX);
    struct mns_store_pool *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return mns_fail(em, MNS_ERR_NOMEM, "store pool: out of memory");
    p->url = strdup(url);
    p->conns = calloc(size, sizeof(*p->conns));
    p->busy = calloc(size, sizeof(*p->busy));
    if (p->url == NULL || p->conns == NULL || p->busy == NULL) {
        free(p->url);
        free(p->conns);
        free(p->busy);
        free(p);
        return mns_fail(em, MNS_ERR_NOMEM, "store pool: out of memory");
    }
    p->size = size;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->freed, NULL);
    *out = p;
    return MNS_OK;
}

void mns_store_pool_close(struct mns_store_pool *p)
{
    if (p == NULL)
        return;
    for (unsigned i = 0; i < p->size; i++)
        mns_store_close(p->conns[i]);
    OPENSSL_cleanse(p->url, strlen(p->url));
    free(p->url);
    free(p->conns);
    free(p->busy);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p);
}

mns_err mns_store_pool_take(struct mns_store_pool *p, struct mns_store **st, mns_errmsg *em)
{
    *st = NULL;
    pthread_mutex_lock(&p->lock);
    unsigned slot = p->size;
    for (;;) {
        /* an open connection first; a slot never opened only if none is free */
        for (unsigned i = 0; i < p->size && slot == p->size; i++)
            if (!p->busy[i] && p->conns[i] != NULL)
                slot = i;
        for (unsigned i = 0; i < p->size && slot == p->size; i++)
            if (!p->busy[i])
                slot = i;
        if (slot < p->size)
            break;
        pthread_cond_wait(&p->freed, &p->lock);
    }
    p->busy[slot] = true;
    struct mns_store *conn = p->conns[slot];
    pthread_mutex_unlock(&p->lock);
    if (conn == NULL) {
        /* connecting takes a round trip or a TLS handshake: not under the lock */
        mns_err err = mns_store_open(&conn, p->url, em);
        if (err != MNS_OK) {
            pthread_mutex_lock(&p->lock);
            p->busy[slot] = false;
            pthread_cond_signal(&p->freed);
            pthread_mutex_unlock(&p->lock);
            return err;
        }
        p->conns[slot] = conn; /* the slot is ours while busy */
    }
    *st = conn;
    return MNS_OK;
}

void mns_store_pool_give(struct mns_store_pool *p, struct mns_store *st)
{
    if (st == NULL)
        return;
    if (mns_store_in_transaction(st))
        mns_store_rollback(st);
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < p->size; i++) {
        if (p->conns[i] == st) {
            p->busy[i] = false;
            break;
        }
    }
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

unsigned mns_store_pool_open_count(struct mns_store_pool *p)
{
    unsigned n = 0;
    pthread_mutex_lock(&p->lock);
    for (unsigned i = 0; i < p->size; i++)
        n += p->conns[i] != NULL;
    pthread_mutex_unlock(&p->lock);
    return n;
}
