/*
 * store_internal.h: what store.c (backend-neutral) and the backends share.
 * Not part of the public face.
 *
 * store.c owns everything that is the same for every database: URL dispatch,
 * the statement cache, transactions and savepoints, the migration runner and
 * the checks on arguments. A backend (sqlite.c now, postgres.c later) is one
 * table of operations, struct mns_store_ops, and knows nothing of the cache.
 *
 * Error text: a backend writes the reason for a failure with
 * mns_store_set_error() into the store (mns_store_errmsg()); store.c copies
 * it to the caller's mns_errmsg where the public function takes one. Neither
 * ever puts a bound value into that text.
 */
#ifndef MNS_STORE_INTERNAL_H
#define MNS_STORE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnsafe/error.h"
#include "mnsafe/store.h"

/* Cached statements per store; the least recently used finished one is
 * finalised when a new SQL text needs a slot. */
#define MNS_STORE_STMT_CACHE_MAX 128
/* Longest SQL text accepted by prepare and exec. */
#define MNS_STORE_SQL_MAX 65536
/* Longest store URL. */
#define MNS_STORE_URL_MAX 4096
/* Longest savepoint name. */
#define MNS_STORE_SAVEPOINT_MAX 64

/*
 * One backend. `st->impl` is the backend's connection, `h` a backend
 * statement. Every operation that can fail returns an mns_err and has set
 * the store's error text. Placeholders in the SQL handed to prepare are `?`
 * (or `?N`); a backend that needs another syntax ($1 for libpq) rewrites
 * them. Stepping runs the statement on the first call after a reset and
 * returns its rows one at a time; RETURNING is used on both backends.
 */
struct mns_store_ops {
    /* "sqlite", "postgresql": what mns_store_backend() answers. */
    const char *name;
    /* SQL that opens a transaction holding the write lock up front. */
    const char *begin_sql;
    /* Other processes (servers) may write to the same database at once. */
    bool shared;
    /* SAVEPOINT and RELEASE go through the statement cache: SQLite would
     * parse them again at every exec, and every act takes one. */
    bool cache_savepoints;
    /* The schema's tables, oldest first (a table's references point to
     * older ones), one name per row; and one table's columns (parameter 1:
     * the table), name and declared type per row, in order (copy.c). */
    const char *tables_sql;
    const char *columns_sql;

    /* target is the URL without the scheme for SQLite (a path), the whole
     * URL for libpq. Sets st->impl. On failure, close is still called. */
    mns_err (*open)(struct mns_store *st, const char *target);
    /* Frees st->impl (may be partly set up or NULL); rolls back an open
     * transaction. Statements are finalised before. */
    void (*close)(struct mns_store *st);

    /* Runs SQL without parameters or results (several statements allowed). */
    mns_err (*exec)(struct mns_store *st, const char *sql);
    /* Runs portable DDL from migrations.c, rewriting type names where the
     * backend needs to (BLOB -> BYTEA, INTEGER -> BIGINT). */
    mns_err (*exec_ddl)(struct mns_store *st, const char *sql);
    /* Whether a table of that name exists. */
    mns_err (*table_exists)(struct mns_store *st, const char *name, bool *exists);
    /* Removes copies of deleted data that the backend keeps outside the live
     * pages (SQLite: the WAL). NULL: nothing to do. */
    mns_err (*purge_deleted)(struct mns_store *st, const char *const *tables);
    /* Creates the import staging tables (mns_staging_ddl) where missing;
     * starts them empty, setting *emptied, where they were damaged. */
    mns_err (*staging_open)(struct mns_store *st, bool *emptied);
    /* Overwrites and empties all of the staging at once. NULL: the backend
     * cannot (PostgreSQL: other servers may be staging). */
    mns_err (*staging_wipe)(struct mns_store *st);
    /* Refreshes the planner's statistics of one table. NULL: not needed. */
    mns_err (*analyze)(struct mns_store *st, const char *table);
    /* A consistent copy of the whole database into a new file at path
     * (0600), while others keep working. NULL: not supported. */
    mns_err (*backup)(struct mns_store *st, const char *path);
    /* Whether a transaction is open on the connection. */
    bool (*in_transaction)(struct mns_store *st);
    /* Whether the connection to the server is known to be broken. NULL: an
     * embedded database, always connected. */
    bool (*connected)(struct mns_store *st);
    /* Makes every commit so far durable (SQLite: fdatasync of the WAL, whose
     * commits are not synced by themselves). Safe to call from any thread,
     * concurrently with other calls on the connection. NULL: every commit is
     * durable when it returns. */
    mns_err (*sync)(struct mns_store *st);
    /* Adds one to *counter whenever a row of one of the tables (a NULL-ended
     * list, kept by the caller) is inserted, updated or deleted through this
     * connection, even if the change is later rolled back. NULL: the backend
     * cannot tell (other servers may write to the database). */
    mns_err (*watch)(struct mns_store *st, const char *const *tables, _Atomic uint64_t *counter);

    /* Compiles exactly one statement of len bytes (sql is NUL-terminated). */
    mns_err (*prepare)(struct mns_store *st, const char *sql, size_t len, void **h);
    void (*finalize)(struct mns_store *st, void *h);
    /* Values are copied by the backend before the call returns. */
    mns_err (*bind_int64)(struct mns_store *st, void *h, int idx, int64_t v);
    mns_err (*bind_text)(struct mns_store *st, void *h, int idx, const char *v, size_t len);
    mns_err (*bind_blob)(struct mns_store *st, void *h, int idx, const void *v, size_t len);
    mns_err (*bind_null)(struct mns_store *st, void *h, int idx);
    /* *row = true with a row; false once done. Maps unique/primary key
     * violations to MNS_ERR_EXISTS. */
    mns_err (*step)(struct mns_store *st, void *h, bool *row);
    /* Rows changed by the statement that just returned done. */
    int64_t (*changes)(struct mns_store *st, void *h);
    /* Resets the statement and clears (and drops) its bound values. */
    void (*reset)(struct mns_store *st, void *h);

    /* Row access, only called while a row is current and col is in range. */
    int (*column_count)(void *h);
    bool (*column_is_null)(void *h, int col);
    int64_t (*column_int64)(void *h, int col);
    /* NUL-terminated; NULL for SQL NULL. */
    const char *(*column_text)(void *h, int col);
    /* NULL with *len = 0 for SQL NULL; a zero-length blob may give NULL too. */
    const void *(*column_blob)(void *h, int col, size_t *len);
};

/* A cached statement. Owned by the store's cache. */
struct mns_stmt {
    struct mns_store *st;
    void *h;           /* backend statement */
    char *sql;         /* cache key (owned) */
    size_t sql_len;
    uint64_t hash;     /* of sql, to skip most string compares */
    uint64_t last_use; /* store tick of the last prepare/bind/step: LRU order */
    int64_t changes;   /* of the last completed run */
    bool running;      /* handed out by prepare, bound or stepped, and not yet
                        * done or reset: never evicted */
    bool has_row;      /* a row is current: column accessors are valid */
};

struct mns_store {
    const struct mns_store_ops *ops;
    void *impl; /* backend connection */
    struct mns_stmt *cache[MNS_STORE_STMT_CACHE_MAX];
    int ncached;
    uint64_t tick;
    char errmsg[MNS_ERRMSG_MAX];
};

/* Sets the store's error text (truncated to fit). */
void mns_store_set_error(struct mns_store *st, const char *fmt, ...) MNS_PRINTF(2, 3);
/* mns_staging_ddl with {schema} and {kind} filled in; NULL without memory.
 * The caller frees it. */
char *store_staging_ddl(const char *schema, const char *kind);

extern const struct mns_store_ops mns_store_sqlite_ops;
extern const struct mns_store_ops mns_store_pg_ops;

/* copy.c: mns_store_backup for a backend without .backup. */
mns_err store_backup_by_copy(struct mns_store *st, const char *path);

/* sqlite_vfs.c: the VFS the SQLite backend opens stores with, registered
 * on first use (NULL if that failed: the default VFS is used then); and how
 * many WAL writes SQLite asked for and how many reached the file. */
#define MNS_SQLITE_VFS "mnsafe-gather"
const char *mns_sqlite_vfs(void);
void mns_sqlite_vfs_counts(uint64_t *asked, uint64_t *made);

#endif
