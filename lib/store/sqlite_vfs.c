/*
 * sqlite_vfs.c: a thin VFS over SQLite's own that gathers the writes of a
 * commit to the WAL into few write(2) calls.
 *
 * Why. SQLite writes each WAL frame with two pwrite(2) calls, its 24-byte
 * header and then its page. A batch of 1000 persons commits some 800 frames,
 * and a system call costs microseconds on a VM: the commit's WAL writes were
 * about an eighth of the daemon's time in bench_import, all of it under the
 * vault lock.
 *
 * How. Only WAL files are wrapped; every other file is opened by the
 * underlying VFS straight into SQLite's handle, with its own methods. A write
 * that continues the gathered ones is copied into a buffer; the buffer goes to
 * the file in one write when it is full, when a write does not continue it,
 * before any other operation on the file (read, sync, size, truncate, lock,
 * file control, close) and at the end of every write from a commit frame on:
 * a frame header whose "database size after commit" field is not zero marks
 * a commit, and SQLite writes it last (then, at most, padding frames that
 * repeat it, or the commit frame's header again with its checksum redone),
 * until the next transaction's first frame header. So when COMMIT returns, every byte it wrote is in the file,
 * where other connections (which learn of new frames only from the
 * wal-index, updated after the frames are written) and sqlite_sync's
 * fdatasync find it, and a failed write (a full disk) is the failure of the
 * write or commit that caused it, as without the buffer.
 *
 * A WAL handle belongs to one connection, and a store's connection to one
 * thread at a time, so the buffer needs no lock.
 */
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store/store_internal.h"

#define WAL_FRAME_HEADER 24
/* the unix VFS writes at most 0x1ffff bytes a call (and reports a full disk
 * for more): 127 KiB, some 30 frames of 4 KiB pages */
#define WAL_GATHER_MAX (127u * 1024)

struct wal_file {
    sqlite3_file base; /* pMethods = &wal_methods */
    sqlite3_file *real; /* the underlying VFS's handle, just after this struct */
    unsigned char *buf; /* WAL_GATHER_MAX bytes once something was gathered */
    size_t len;         /* bytes gathered */
    sqlite3_int64 off;  /* where buf[0] goes in the file */
    bool committing;    /* a commit frame was seen: every write is flushed */
};

/* the underlying handle starts at this offset in SQLite's allocation */
#define WAL_FILE_SIZE ((sizeof(struct wal_file) + alignof(max_align_t) - 1) / alignof(max_align_t) * alignof(max_align_t))

static sqlite3_vfs *real_vfs;
static sqlite3_vfs gather_vfs;
static const sqlite3_io_methods wal_methods;
static atomic_uint_fast64_t writes_asked, writes_made;

static struct wal_file *wal_of(sqlite3_file *f)
{
    return (struct wal_file *)f;
}

static int flush(struct wal_file *w)
{
    if (w->len == 0)
        return SQLITE_OK;
    size_t len = w->len;
    w->len = 0; /* written or failed, it is not written again */
    atomic_fetch_add_explicit(&writes_made, 1, memory_order_relaxed);
    return w->real->pMethods->xWrite(w->real, w->buf, (int)len, w->off);
}

static int write_through(struct wal_file *w, const void *data, int amount, sqlite3_int64 offset)
{
    atomic_fetch_add_explicit(&writes_made, 1, memory_order_relaxed);
    return w->real->pMethods->xWrite(w->real, data, amount, offset);
}

static bool is_frame_header(int amount)
{
    return amount == WAL_FRAME_HEADER;
}

/* bytes 4..7 of a frame header: the database size in pages after a commit,
 * zero in any other frame */
static bool header_commits(const unsigned char *h)
{
    return (h[4] | h[5] | h[6] | h[7]) != 0;
}

static int wal_write(sqlite3_file *f, const void *data, int amount, sqlite3_int64 offset)
{
    struct wal_file *w = wal_of(f);
    int rc;

    atomic_fetch_add_explicit(&writes_asked, 1, memory_order_relaxed);
    if (is_frame_header(amount))
        w->committing = header_commits(data);
    if (w->len > 0 && (offset != w->off + (sqlite3_int64)w->len || w->len + (size_t)amount > WAL_GATHER_MAX) &&
        (rc = flush(w)) != SQLITE_OK)
        return rc;
    if (w->buf == NULL)
        w->buf = malloc(WAL_GATHER_MAX);
    if (w->buf == NULL || (size_t)amount > WAL_GATHER_MAX)
        return write_through(w, data, amount, offset);
    if (w->len == 0)
        w->off = offset;
    memcpy(w->buf + w->len, data, (size_t)amount);
    w->len += (size_t)amount;
    /* the commit frame's header too: walRewriteChecksums may rewrite it
     * last, alone, after the frame's page */
    return w->committing ? flush(w) : SQLITE_OK;
}

static int wal_close(sqlite3_file *f)
{
    struct wal_file *w = wal_of(f);
    int rc = flush(w);
    int rc2 = w->real->pMethods->xClose(w->real);
    free(w->buf);
    w->buf = NULL;
    return rc != SQLITE_OK ? rc : rc2;
}

/* Every other method that touches the file: the gathered writes first, then
 * the underlying one. FLUSH_THEN(name, method, (parameters), (arguments))
 * defines one; the parameters start with `sqlite3_file *f`, the arguments
 * with `w->real`. */
#define FLUSH_THEN(name, method, params, args)                                                                   \
    static int name params                                                                                       \
    {                                                                                                            \
        struct wal_file *w = wal_of(f);                                                                          \
        int rc = flush(w);                                                                                       \
        return rc != SQLITE_OK ? rc : w->real->pMethods->method args;                                            \
    }

FLUSH_THEN(wal_read, xRead, (sqlite3_file *f, void *data, int amount, sqlite3_int64 offset),
           (w->real, data, amount, offset))
FLUSH_THEN(wal_truncate, xTruncate, (sqlite3_file *f, sqlite3_int64 size), (w->real, size))
FLUSH_THEN(wal_sync, xSync, (sqlite3_file *f, int flags), (w->real, flags))
FLUSH_THEN(wal_file_size, xFileSize, (sqlite3_file *f, sqlite3_int64 *size), (w->real, size))
FLUSH_THEN(wal_lock, xLock, (sqlite3_file *f, int level), (w->real, level))
FLUSH_THEN(wal_unlock, xUnlock, (sqlite3_file *f, int level), (w->real, level))
FLUSH_THEN(wal_check_reserved, xCheckReservedLock, (sqlite3_file *f, int *out), (w->real, out))
FLUSH_THEN(wal_file_control, xFileControl, (sqlite3_file *f, int op, void *arg), (w->real, op, arg))

static int wal_sector_size(sqlite3_file *f)
{
    struct wal_file *w = wal_of(f);
    return w->real->pMethods->xSectorSize(w->real);
}

static int wal_device_characteristics(sqlite3_file *f)
{
    struct wal_file *w = wal_of(f);
    return w->real->pMethods->xDeviceCharacteristics(w->real);
}

/* The shared-memory and memory-map methods belong to database files; a WAL
 * handle is never asked for them, but answers as its underlying one would. */
static int wal_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **p)
{
    struct wal_file *w = wal_of(f);
    if (w->real->pMethods->iVersion < 2 || w->real->pMethods->xShmMap == NULL)
        return SQLITE_IOERR_SHMMAP;
    return w->real->pMethods->xShmMap(w->real, region, size, extend, p);
}

static int wal_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
    struct wal_file *w = wal_of(f);
    if (w->real->pMethods->iVersion < 2 || w->real->pMethods->xShmLock == NULL)
        return SQLITE_IOERR_SHMLOCK;
    return w->real->pMethods->xShmLock(w->real, offset, n, flags);
}

static void wal_shm_barrier(sqlite3_file *f)
{
    struct wal_file *w = wal_of(f);
    (void)flush(w); /* nothing is gathered once a commit returned; no error to give here */
    if (w->real->pMethods->iVersion >= 2 && w->real->pMethods->xShmBarrier != NULL)
        w->real->pMethods->xShmBarrier(w->real);
}

static int wal_shm_unmap(sqlite3_file *f, int delete_flag)
{
    struct wal_file *w = wal_of(f);
    if (w->real->pMethods->iVersion < 2 || w->real->pMethods->xShmUnmap == NULL)
        return SQLITE_OK;
    return w->real->pMethods->xShmUnmap(w->real, delete_flag);
}

static int wal_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **p)
{
    struct wal_file *w = wal_of(f);
    int rc = flush(w);
    *p = NULL;
    if (rc != SQLITE_OK)
        return rc;
    if (w->real->pMethods->iVersion < 3 || w->real->pMethods->xFetch == NULL)
        return SQLITE_OK;
    return w->real->pMethods->xFetch(w->real, offset, amount, p);
}

static int wal_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *p)
{
    struct wal_file *w = wal_of(f);
    if (w->real->pMethods->iVersion < 3 || w->real->pMethods->xUnfetch == NULL)
        return SQLITE_OK;
    return w->real->pMethods->xUnfetch(w->real, offset, p);
}

static const sqlite3_io_methods wal_methods = {
    .iVersion = 3,
    .xClose = wal_close,
    .xRead = wal_read,
    .xWrite = wal_write,
    .xTruncate = wal_truncate,
    .xSync = wal_sync,
    .xFileSize = wal_file_size,
    .xLock = wal_lock,
    .xUnlock = wal_unlock,
    .xCheckReservedLock = wal_check_reserved,
    .xFileControl = wal_file_control,
    .xSectorSize = wal_sector_size,
    .xDeviceCharacteristics = wal_device_characteristics,
    .xShmMap = wal_shm_map,
    .xShmLock = wal_shm_lock,
    .xShmBarrier = wal_shm_barrier,
    .xShmUnmap = wal_shm_unmap,
    .xFetch = wal_fetch,
    .xUnfetch = wal_unfetch,
};

static int gather_open(sqlite3_vfs *vfs, sqlite3_filename name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    if ((flags & SQLITE_OPEN_WAL) == 0)
        return real_vfs->xOpen(real_vfs, name, f, flags, out_flags); /* its own methods, not ours */
    struct wal_file *w = wal_of(f);
    memset(w, 0, sizeof(*w));
    w->real = (sqlite3_file *)((unsigned char *)f + WAL_FILE_SIZE);
    memset(w->real, 0, (size_t)real_vfs->szOsFile);
    int rc = real_vfs->xOpen(real_vfs, name, w->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (w->real->pMethods != NULL)
            w->real->pMethods->xClose(w->real);
        f->pMethods = NULL; /* SQLite then calls no xClose */
        return rc;
    }
    f->pMethods = &wal_methods;
    return SQLITE_OK;
}

/* Everything but opening is the underlying VFS's. */
static int gather_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
    (void)vfs;
    return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int gather_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int gather_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out)
{
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, size, out);
}

static void *gather_dl_open(sqlite3_vfs *vfs, const char *name)
{
    (void)vfs;
    return real_vfs->xDlOpen(real_vfs, name);
}

static void gather_dl_error(sqlite3_vfs *vfs, int size, char *out)
{
    (void)vfs;
    real_vfs->xDlError(real_vfs, size, out);
}

static void (*gather_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void)
{
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, handle, symbol);
}

static void gather_dl_close(sqlite3_vfs *vfs, void *handle)
{
    (void)vfs;
    real_vfs->xDlClose(real_vfs, handle);
}

static int gather_randomness(sqlite3_vfs *vfs, int size, char *out)
{
    (void)vfs;
    return real_vfs->xRandomness(real_vfs, size, out);
}

static int gather_sleep(sqlite3_vfs *vfs, int micros)
{
    (void)vfs;
    return real_vfs->xSleep(real_vfs, micros);
}

static int gather_current_time(sqlite3_vfs *vfs, double *out)
{
    (void)vfs;
    return real_vfs->xCurrentTime(real_vfs, out);
}

static int gather_last_error(sqlite3_vfs *vfs, int size, char *out)
{
    (void)vfs;
    return real_vfs->xGetLastError != NULL ? real_vfs->xGetLastError(real_vfs, size, out) : 0;
}

static int gather_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
    (void)vfs;
    if (real_vfs->iVersion >= 2 && real_vfs->xCurrentTimeInt64 != NULL)
        return real_vfs->xCurrentTimeInt64(real_vfs, out);
    double days;
    int rc = real_vfs->xCurrentTime(real_vfs, &days);
    *out = (sqlite3_int64)(days * 86400000.0);
    return rc;
}

static pthread_once_t register_once = PTHREAD_ONCE_INIT;
static int register_rc = SQLITE_ERROR;

static void register_vfs(void)
{
    /* Before anything initializes SQLite: no global tally of its memory
     * (nothing here reads it), which took a process-wide mutex on every
     * sqlite3_malloc and sqlite3_free, ~4% of the daemon's import. Refused
     * (SQLITE_MISUSE) when the program used SQLite first; that only costs
     * the speed. */
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL)
        return;
    gather_vfs = (sqlite3_vfs){
        .iVersion = 2,
        .szOsFile = (int)WAL_FILE_SIZE + real_vfs->szOsFile,
        .mxPathname = real_vfs->mxPathname,
        .zName = MNS_SQLITE_VFS,
        .xOpen = gather_open,
        .xDelete = gather_delete,
        .xAccess = gather_access,
        .xFullPathname = gather_full_pathname,
        .xDlOpen = gather_dl_open,
        .xDlError = gather_dl_error,
        .xDlSym = gather_dl_sym,
        .xDlClose = gather_dl_close,
        .xRandomness = gather_randomness,
        .xSleep = gather_sleep,
        .xCurrentTime = gather_current_time,
        .xGetLastError = gather_last_error,
        .xCurrentTimeInt64 = gather_current_time_int64,
    };
    register_rc = sqlite3_vfs_register(&gather_vfs, 0);
}

const char *mns_sqlite_vfs(void)
{
    pthread_once(&register_once, register_vfs);
    return register_rc == SQLITE_OK ? MNS_SQLITE_VFS : NULL;
}

void mns_sqlite_vfs_counts(uint64_t *asked, uint64_t *made)
{
    *asked = atomic_load(&writes_asked);
    *made = atomic_load(&writes_made);
}
