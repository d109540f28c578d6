/*
 * memory.c: handling secrets in memory.
 *
 * Keys live in their own anonymous mappings: mlock'ed so they never reach
 * swap (best effort; RLIMIT_MEMLOCK may refuse, and the caller can ask),
 * MADV_DONTDUMP so a core dump leaves them out, wiped before unmapping.
 *
 * Layout of one secure allocation:
 *
 *   [ header page, read-only ][ data pages, RW, mlock'ed ][ guard page, none ]
 *                              ^ pointer returned
 *
 * The header records the mapping size and whether mlock succeeded; it is made
 * read-only once written, so an underflow of the data faults instead of
 * corrupting it, and the guard page makes an overflow fault too. The data is
 * page-aligned, as crypto.h promises.
 */
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "mnsafe/crypto.h"

#define SECURE_MAGIC UINT64_C(0x6d6e7373656375) /* "mnssecu" */

struct secure_header {
    uint64_t magic;
    size_t map_size;  /* whole mapping: header + data + guard */
    size_t data_size; /* page-rounded data region */
    bool locked;
};

void mns_wipe(void *p, size_t n)
{
    if (p != NULL && n > 0)
        OPENSSL_cleanse(p, n);
}

bool mns_equal(const void *a, const void *b, size_t n)
{
    if (n == 0)
        return true;
    return CRYPTO_memcmp(a, b, n) == 0;
}

static size_t page_size(void)
{
    long ps = sysconf(_SC_PAGESIZE);
    return ps > 0 ? (size_t)ps : 4096;
}

static const struct secure_header *header_of(const void *p)
{
    const struct secure_header *h;

    if (p == NULL)
        return NULL;
    h = (const struct secure_header *)((const unsigned char *)p - page_size());
    return h->magic == SECURE_MAGIC ? h : NULL;
}

void *mns_secure_alloc(size_t n)
{
    size_t ps = page_size();
    size_t data_size, map_size;
    unsigned char *base;
    struct secure_header *h;

    if (n == 0)
        n = 1;
    if (n > SIZE_MAX - 3 * ps)
        return NULL;
    data_size = (n + ps - 1) / ps * ps;
    map_size = data_size + 2 * ps;

    base = mmap(NULL, map_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED)
        return NULL;
    /* Advice and locking are best effort: the kernel may not know
     * MADV_DONTDUMP, and RLIMIT_MEMLOCK may be small. */
    (void)madvise(base, map_size, MADV_DONTDUMP);
    if (mprotect(base + ps + data_size, ps, PROT_NONE) != 0) {
        munmap(base, map_size);
        return NULL;
    }

    h = (struct secure_header *)base;
    h->magic = SECURE_MAGIC;
    h->map_size = map_size;
    h->data_size = data_size;
    h->locked = mlock(base + ps, data_size) == 0;
    if (mprotect(base, ps, PROT_READ) != 0) {
        if (h->locked)
            munlock(base + ps, data_size);
        munmap(base, map_size);
        return NULL;
    }
    /* Fresh anonymous pages are zero-filled by the kernel. */
    return base + ps;
}

void mns_secure_free(void *p, size_t n)
{
    const struct secure_header *h;
    unsigned char *base;
    size_t map_size, data_size;
    bool locked;

    (void)n; /* the header knows the real size; n only documents the caller's intent */
    h = header_of(p);
    if (h == NULL)
        return; /* NULL, or not ours: touching it would do more harm */
    map_size = h->map_size;
    data_size = h->data_size;
    locked = h->locked;
    base = (unsigned char *)p - page_size();

    mns_wipe(p, data_size);
    if (locked)
        munlock(p, data_size);
    munmap(base, map_size);
}

bool mns_secure_alloc_locked(const void *p)
{
    const struct secure_header *h = header_of(p);
    return h != NULL && h->locked;
}

mns_err mns_process_harden(void)
{
    struct rlimit rl = {0, 0};

    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
        return MNS_ERR_INTERNAL;
    if (setrlimit(RLIMIT_CORE, &rl) != 0)
        return MNS_ERR_INTERNAL;
    return MNS_OK;
}
