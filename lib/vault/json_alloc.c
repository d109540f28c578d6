/*
 * json_alloc.c: jansson allocation functions that wipe each block before
 * freeing it, because a revealed number passes through jansson strings.
 * Each block carries its size in a 16-byte header (keeps alignment).
 */
#include <stdlib.h>

#include "mnsafe/crypto.h"
#include "mnsafe/vault.h"

#define HEADER 16

static void *wipe_malloc(size_t n)
{
    if (n > SIZE_MAX - HEADER)
        return NULL;
    unsigned char *p = malloc(n + HEADER);
    if (p == NULL)
        return NULL;
    *(size_t *)(void *)p = n;
    return p + HEADER;
}

static void wipe_free(void *ptr)
{
    if (ptr == NULL)
        return;
    unsigned char *p = (unsigned char *)ptr - HEADER;
    mns_wipe(p, *(size_t *)(void *)p + HEADER);
    free(p);
}

void mns_vault_json_wipe_allocator(void)
{
    json_set_alloc_funcs(wipe_malloc, wipe_free);
}
