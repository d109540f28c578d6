/*
 * wipe_alloc.c: allocation functions that wipe each block before freeing
 * it, for the libraries that hold request and response text (jansson,
 * libevent's buffers): a number that was in a body must not linger in freed
 * heap memory. Each block carries its size in a 16-byte header (which keeps
 * the alignment malloc gives).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mnsafe/crypto.h"
#include "mnsafe/vault.h"

#define HEADER 16

void *mns_wipe_malloc(size_t n)
{
    if (n > SIZE_MAX - HEADER)
        return NULL;
    unsigned char *p = malloc(n + HEADER);
    if (p == NULL)
        return NULL;
    memcpy(p, &n, sizeof(n));
    return p + HEADER;
}

static size_t block_size(const void *ptr)
{
    size_t n;
    memcpy(&n, (const unsigned char *)ptr - HEADER, sizeof(n));
    return n;
}

void mns_wipe_free(void *ptr)
{
    if (ptr == NULL)
        return;
    unsigned char *p = (unsigned char *)ptr - HEADER;
    mns_wipe(p, block_size(ptr) + HEADER);
    free(p);
}

/* Never grows in place: the old block is copied, then wiped and freed. */
void *mns_wipe_realloc(void *ptr, size_t n)
{
    if (ptr == NULL)
        return mns_wipe_malloc(n);
    if (n == 0) {
        mns_wipe_free(ptr);
        return NULL;
    }
    void *q = mns_wipe_malloc(n);
    if (q == NULL)
        return NULL;
    size_t old = block_size(ptr);
    memcpy(q, ptr, old < n ? old : n);
    mns_wipe_free(ptr);
    return q;
}

void mns_vault_json_wipe_allocator(void)
{
    json_set_alloc_funcs(mns_wipe_malloc, mns_wipe_free);
}
