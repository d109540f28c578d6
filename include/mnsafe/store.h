/*
 * store.h: the one storage interface of mnsafe.
 *
 * A store is a relational database reached through portable SQL: `?`
 * placeholders, INTEGER/TEXT/BLOB values, `INSERT ... RETURNING`, no
 * backend-specific functions in the SQL of other modules. The backend is
 * chosen by URL ("sqlite:/path/to/mnsafe.db" now, "postgresql://..." later);
 * everything backend-specific (pragmas, DDL types, placeholder rewriting)
 * stays inside lib/store/<backend>.c.
 *
 * The schema is versioned: mns_store_migrate() applies the missing
 * migrations, each in its own transaction, and records them.
 *
 * A store handle is used by one thread at a time. Statements prepared with
 * mns_store_prepare() are owned by the store (cached by SQL text) and reset by
 * the next mns_store_prepare() of the same SQL; text and blob pointers from a
 * row stay valid until the next step, reset or prepare of that statement.
 */
#ifndef MNSAFE_STORE_H
#define MNSAFE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mns_store;
struct mns_stmt;

/* Opens (creating if needed) the store at url. For SQLite: WAL,
 * synchronous=FULL, secure_delete=ON, foreign_keys=ON, busy timeout; the file
 * is created 0600. */
mns_err mns_store_open(struct mns_store **out, const char *url, mns_errmsg *em) MNS_WUR;
/* Finalises statements and closes. NULL-safe. */
void mns_store_close(struct mns_store *st);
/* "sqlite" or "postgresql". */
const char *mns_store_backend(const struct mns_store *st);

/* Brings the schema up to the newest version. *version (optional) gets it. */
mns_err mns_store_migrate(struct mns_store *st, int *version, mns_errmsg *em) MNS_WUR;
/* Current schema version (0 for an empty store). */
mns_err mns_store_schema_version(struct mns_store *st, int *version) MNS_WUR;

/* Transactions. begin is BEGIN IMMEDIATE on SQLite (writer lock up front). */
mns_err mns_store_begin(struct mns_store *st) MNS_WUR;
mns_err mns_store_commit(struct mns_store *st) MNS_WUR;
/* Group commit in two steps. commit_unsynced commits (the transaction is
 * visible and cannot be undone) without waiting for the disk; sync then
 * makes every commit so far durable. sync may run without the caller's lock,
 * concurrently with other calls on the store, so that the next transaction
 * is built while the disk writes the last one. Until sync has returned
 * MNS_OK, nobody may be told that the transaction happened. */
mns_err mns_store_commit_unsynced(struct mns_store *st) MNS_WUR;
mns_err mns_store_sync(struct mns_store *st) MNS_WUR;
/* Whether other processes may write to the same database at once (several
 * mnsafe servers on one PostgreSQL): what a process keeps in memory about
 * the data must then be read again inside each write transaction. */
bool mns_store_is_shared(const struct mns_store *st);
/* Change counter for caches: adds one to *counter (atomically) whenever a
 * row of one of tables (NULL-ended, kept by the caller for the store's life)
 * changes through this store, rolled back or not. MNS_ERR_STATE where the
 * backend cannot see every change (a database shared with other servers):
 * the caller must not cache then. */
mns_err mns_store_watch(struct mns_store *st, const char *const *tables, _Atomic uint64_t *counter) MNS_WUR;
/* Never fails from the caller's point of view; safe without a transaction. */
void mns_store_rollback(struct mns_store *st);
/* Whether a transaction is open. A backend may end one by itself after a
 * severe error (SQLite does on a full disk or I/O error), which callers
 * holding a transaction open across calls must notice. */
bool mns_store_in_transaction(struct mns_store *st);
/* False once the backend knows its connection to the database server is
 * broken (PostgreSQL down, the network gone), until a later statement has
 * connected again; always true for SQLite. Lets a caller whose act failed
 * say "cannot be reached, try again" rather than "internal error". */
bool mns_store_connected(struct mns_store *st);
/* Nested points inside a transaction, by name ([a-z_]+). */
mns_err mns_store_savepoint(struct mns_store *st, const char *name) MNS_WUR;
mns_err mns_store_release(struct mns_store *st, const char *name) MNS_WUR;
void mns_store_rollback_to(struct mns_store *st, const char *name);

/* After deleting rows of tables (NULL-ended) for good: removes the copies
 * the backend still keeps of them outside its live rows. SQLite (whose
 * secure_delete zeroes freed space in the pages) checkpoints and truncates
 * the WAL, whose old frames hold the rows as they were. PostgreSQL rewrites
 * the tables (VACUUM FULL: the old table files, with the deleted rows'
 * versions, are removed), at most once in MNS_STORE_PURGE_EVERY_S seconds;
 * sooner, it answers MNS_ERR_STATE and the caller tries again later. What
 * no database can purge (PostgreSQL's WAL archive, base backups, replicas)
 * is the operator's (docs/operations.md). Outside a transaction only. */
#define MNS_STORE_PURGE_EVERY_S 10
mns_err mns_store_purge_deleted(struct mns_store *st, const char *const *tables) MNS_WUR;
/* A consistent copy of the whole store into a new SQLite file at path (0600;
 * it must not exist), taken while the store stays in use: SQLite's backup
 * API, or for PostgreSQL mns_store_copy into a new SQLite store. Outside a
 * transaction only. */
mns_err mns_store_backup(struct mns_store *st, const char *path) MNS_WUR;
/* Copies every row of every table of from into to (lib/store/copy.c), of
 * either backend: both at the same schema version, to without rows. A
 * consistent read of from, one transaction on to (nothing lands on
 * failure). *rows gets the number of rows copied. */
mns_err mns_store_copy(struct mns_store *from, struct mns_store *to, int64_t *rows, mns_errmsg *em) MNS_WUR;

/* Runs one or more statements without parameters or results. */
mns_err mns_store_exec(struct mns_store *st, const char *sql, mns_errmsg *em) MNS_WUR;

/* A statement whose best plan depends on its values starts with this
 * comment: a tenant of 1,000 persons and one of 100,000 need different
 * plans, and one plan made for any value (PostgreSQL's generic plan of a
 * prepared statement) scanned the whole table by primary key for a name
 * search in the small one (92 ms instead of 0.3 ms; bench/tenants.sh).
 * PostgreSQL then plans it at every run; SQLite sees a comment. Planning costs about 0.1 ms: for
 * listings and reports, not for the statements of every request. */
#define MNS_SQL_PLAN_PER_CALL "/* plan per call */ "

/* Prepare (cached) a statement; bind indexes are 1-based. */
mns_err mns_store_prepare(struct mns_store *st, struct mns_stmt **out, const char *sql) MNS_WUR;
mns_err mns_stmt_bind_int64(struct mns_stmt *s, int idx, int64_t v) MNS_WUR;
/* len < 0: strlen. The store copies the value. */
mns_err mns_stmt_bind_text(struct mns_stmt *s, int idx, const char *v, long len) MNS_WUR;
mns_err mns_stmt_bind_blob(struct mns_stmt *s, int idx, const void *v, size_t len) MNS_WUR;
mns_err mns_stmt_bind_null(struct mns_stmt *s, int idx) MNS_WUR;
/* *row = true with a row to read, false when done. A unique-constraint
 * violation gives MNS_ERR_EXISTS. */
mns_err mns_stmt_step(struct mns_stmt *s, bool *row) MNS_WUR;
/* Steps once and expects no row (INSERT/UPDATE/DELETE without RETURNING). */
mns_err mns_stmt_run(struct mns_stmt *s) MNS_WUR;
/* Columns are 0-based. */
int64_t mns_stmt_int64(struct mns_stmt *s, int col);
/* NULL for SQL NULL. */
const char *mns_stmt_text(struct mns_stmt *s, int col);
const void *mns_stmt_blob(struct mns_stmt *s, int col, size_t *len);
bool mns_stmt_is_null(struct mns_stmt *s, int col);
/* Rows changed by the last run of this statement. */
int64_t mns_stmt_changes(struct mns_stmt *s);
/* Resets the statement and clears its bindings (also done by prepare). */
void mns_stmt_reset(struct mns_stmt *s);

/*
 * The import staging: the tables (import_rows, import_purposes) where an
 * import keeps the rows it checked and sealed until they are stored. They
 * are scratch space, outside the versioned, durable schema and outside
 * backups and copies. SQLite keeps them in a file of their own beside the
 * store (the store's path plus "-staging", 0600), attached to the
 * connection as "staging" and written without syncs: one copy of each
 * staged row instead of the WAL's two, and no secure deletion row by row.
 * Its rollback journal (a file too) keeps it whole when a process is
 * killed; a crash of the machine may damage it. PostgreSQL keeps them as
 * unlogged tables of the store's schema.
 *
 * mns_store_staging_open creates them where missing; it must run before an
 * import stages a row, outside a transaction. Where the staging is damaged
 * (SQLite's quick check fails), it starts it empty and sets *emptied (may
 * be NULL): the imports staged before cannot be stored.
 *
 * mns_store_staging_wipe, outside a transaction, empties the whole staging
 * at once, for good: SQLite overwrites the file and its journal with zeros,
 * syncs and truncates them (what secure_delete does for the store's own
 * pages). MNS_ERR_STATE where the backend cannot (PostgreSQL, whose
 * staging other servers may be using): delete the rows instead.
 */
mns_err mns_store_staging_open(struct mns_store *st, bool *emptied) MNS_WUR;
mns_err mns_store_staging_wipe(struct mns_store *st) MNS_WUR;

/* After many rows of table were added (a bulk load, also inside the open
 * transaction): lets the backend's planner know. PostgreSQL runs ANALYZE,
 * which also replans its cached statements on the table (planned while it
 * was small, they would scan it whole for every row); SQLite needs nothing. */
mns_err mns_store_analyze(struct mns_store *st, const char *table) MNS_WUR;

/* The first column of the first row of sql (no parameters) as an integer,
 * e.g. a count; -1 if the query fails or gives no row. */
int64_t mns_store_query_int64(struct mns_store *st, const char *sql);

/* Last backend error text of this store (never holds bound values). */
const char *mns_store_errmsg(const struct mns_store *st);

/*
 * A pool of connections to one database (lib/store/pool.c), for reads that
 * several threads of one server run at once, outside the lock around its
 * writer connection. Connections open on first use; each is used by the one
 * thread that took it until it is given back.
 */
#define MNS_STORE_POOL_MAX 64
struct mns_store_pool;
mns_err mns_store_pool_open(struct mns_store_pool **out, const char *url, unsigned size, mns_errmsg *em) MNS_WUR;
/* Closes every connection; none may still be taken. NULL-safe. */
void mns_store_pool_close(struct mns_store_pool *pool);
/* Waits for a free connection, opening one if needed (MNS_ERR_IO when the
 * database cannot be reached). */
mns_err mns_store_pool_take(struct mns_store_pool *pool, struct mns_store **st, mns_errmsg *em) MNS_WUR;
/* Gives it back; a transaction left open is rolled back. */
void mns_store_pool_give(struct mns_store_pool *pool, struct mns_store *st);
/* How many connections are open now. */
unsigned mns_store_pool_open_count(struct mns_store_pool *pool);

#ifdef __cplusplus
}
#endif
#endif
