/*
 * store.c: the backend-neutral half of the store.
 *
 * URL dispatch. "sqlite:<path>" or a bare path opens the SQLite backend;
 * "postgresql://" and "postgres://" the libpq backend (pg.c), which gets the
 * whole URL; any other "scheme://" is refused.
 *
 * Statement cache. mns_store_prepare() looks the SQL text up among at most
 * MNS_STORE_STMT_CACHE_MAX statements (hash first, then the text), resets it
 * and clears its bindings before handing it out. When the cache is full, the
 * least recently used statement that is not running is finalised. "Running"
 * means: handed out by prepare, or bound or stepped since, and not yet done
 * (a step that returned no row or an error) nor reset. So a statement the
 * caller is still binding or reading rows from is never freed under it; a
 * finished one may be, once MNS_STORE_STMT_CACHE_MAX other SQL texts have
 * been used after it. Callers should therefore prepare again rather than keep
 * an mns_stmt pointer across unrelated work. If every slot is running,
 * prepare fails with MNS_ERR_LIMIT instead of growing.
 *
 * A step that returns no row (or fails) also resets the statement and clears
 * its bindings at once, so that bound values (ciphertext, hashes) do not stay
 * in the backend's memory and no read snapshot is held; mns_stmt_changes()
 * is saved first. Stepping again after that runs the statement again with
 * no values bound.
 *
 * Transactions. begin refuses to nest (MNS_ERR_STATE), commit refuses
 * without a transaction and, if it fails, rolls back so that a failed commit
 * leaves no transaction open on any backend (PostgreSQL ends a failed one by
 * itself; SQLite would keep it). rollback and rollback_to never fail from
 * the caller's view. Savepoints need an open transaction: on SQLite a
 * SAVEPOINT outside one would silently start a deferred transaction, on
 * PostgreSQL it is an error; refusing both keeps callers portable.
 *
 * Migrations. schema_migrations(version, name, applied_at) records every
 * step of migrations.c. Each missing step runs in its own transaction
 * together with its row in schema_migrations; the version is read again
 * inside that transaction (which holds the write lock), so two processes
 * migrating at once apply each step once. A store whose version is newer than
 * the newest step this program knows is refused with MNS_ERR_STATE: an old
 * mnsafe must not write to a schema it does not understand.
 */
#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mnsafe/store.h"
#include "store/migrations.h"
#include "store/store_internal.h"

void mns_store_set_error(struct mns_store *st, const char *fmt, ...)
{
    va_list ap;

    if (st == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(st->errmsg, sizeof(st->errmsg), fmt, ap);
    va_end(ap);
}

/* Sets the store's error text and the caller's, returns err. */
static mns_err store_fail(struct mns_store *st, mns_errmsg *em, mns_err err, const char *fmt, ...)
    MNS_PRINTF(4, 5);

static mns_err store_fail(struct mns_store *st, mns_errmsg *em, mns_err err, const char *fmt, ...)
{
    char buf[MNS_ERRMSG_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (st != NULL)
        memcpy(st->errmsg, buf, sizeof(st->errmsg));
    return mns_fail(em, err, "%s", buf);
}

/* Copies the store's error text to em after a failed backend call. */
static mns_err pass_error(struct mns_store *st, mns_errmsg *em, mns_err err)
{
    return mns_fail(em, err, "%s", st->errmsg);
}

/* ---- URL dispatch -------------------------------------------------------- */

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "scheme://" at the start of s (RFC 3986 scheme characters). */
static bool has_url_scheme(const char *s)
{
    size_t i = 0;

    if (!isalpha((unsigned char)s[0]))
        return false;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/';
}

static mns_err pick_backend(const char *url, const struct mns_store_ops **ops, const char **target,
                            mns_errmsg *em)
{
    if (has_prefix(url, "sqlite:")) {
        *ops = &mns_store_sqlite_ops;
        *target = url + strlen("sqlite:");
        return MNS_OK;
    }
    /* (mns_fail's result is not returned directly so that analysers see
     * that *ops is set whenever MNS_OK is.) */
    if (has_prefix(url, "postgresql://") || has_prefix(url, "postgres://")) {
        *ops = &mns_store_pg_ops;
        *target = url; /* libpq takes the whole URL */
        return MNS_OK;
    }
    if (has_url_scheme(url)) {
        mns_fail(em, MNS_ERR_INVALID,
                 "unknown store URL scheme (use sqlite:<path>) / "
                 "ストアの URL の形式が不明です (sqlite:<パス> を使ってください)");
        return MNS_ERR_INVALID;
    }
    *ops = &mns_store_sqlite_ops; /* a bare path */
    *target = url;
    return MNS_OK;
}

/* ---- open / close -------------------------------------------------------- */

mns_err mns_store_open(struct mns_store **out, const char *url, mns_errmsg *em)
{
    const struct mns_store_ops *ops = NULL;
    const char *target = NULL;
    struct mns_store *st = NULL;
    mns_err r;

    if (out == NULL || url == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "mns_store_open: no store URL");
    *out = NULL;
    if (strnlen(url, MNS_STORE_URL_MAX + 1) > MNS_STORE_URL_MAX)
        return mns_fail(em, MNS_ERR_LIMIT, "the store URL is longer than %d bytes",
                        MNS_STORE_URL_MAX);
    if ((r = pick_backend(url, &ops, &target, em)) != MNS_OK)
        return r;
    if ((st = calloc(1, sizeof(*st))) == NULL)
        return mns_fail(em, MNS_ERR_NOMEM, "out of memory opening the store");
    st->ops = ops;
    if ((r = ops->open(st, target)) != MNS_OK) {
        pass_error(st, em, r);
        goto out;
    }
    *out = st;
    st = NULL;
    r = MNS_OK;
out:
    if (st != NULL) {
        st->ops->close(st);
        free(st);
    }
    return r;
}

static void stmt_free(struct mns_store *st, struct mns_stmt *s)
{
    if (s == NULL)
        return;
    if (s->h != NULL)
        st->ops->finalize(st, s->h);
    free(s->sql);
    free(s);
}

void mns_store_close(struct mns_store *st)
{
    if (st == NULL)
        return;
    for (int i = 0; i < st->ncached; i++)
        stmt_free(st, st->cache[i]);
    st->ncached = 0;
    st->ops->close(st);
    free(st);
}

const char *mns_store_backend(const struct mns_store *st)
{
    return st != NULL ? st->ops->name : "";
}

const char *mns_store_errmsg(const struct mns_store *st)
{
    return st != NULL ? st->errmsg : "";
}

/* ---- exec and transactions ---------------------------------------------- */

static mns_err check_sql(struct mns_store *st, const char *sql, size_t *len)
{
    if (sql == NULL) {
        mns_store_set_error(st, "no SQL given");
        return MNS_ERR_INVALID;
    }
    *len = strnlen(sql, MNS_STORE_SQL_MAX + 1);
    if (*len > MNS_STORE_SQL_MAX) {
        mns_store_set_error(st, "SQL text longer than %d bytes", MNS_STORE_SQL_MAX);
        return MNS_ERR_LIMIT;
    }
    return MNS_OK;
}

mns_err mns_store_exec(struct mns_store *st, const char *sql, mns_errmsg *em)
{
    size_t len;
    mns_err r;

    if (st == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "mns_store_exec: no store");
    if ((r = check_sql(st, sql, &len)) != MNS_OK || (r = st->ops->exec(st, sql)) != MNS_OK)
        return pass_error(st, em, r);
    return MNS_OK;
}

bool mns_store_in_transaction(struct mns_store *st)
{
    return st != NULL && st->ops->in_transaction(st);
}

bool mns_store_connected(struct mns_store *st)
{
    return st != NULL && (st->ops->connected == NULL || st->ops->connected(st));
}

mns_err mns_store_purge_deleted(struct mns_store *st, const char *const *tables)
{
    if (st == NULL || tables == NULL)
        return MNS_ERR_INVALID;
    for (size_t i = 0; tables[i] != NULL; i++) {
        /* names go into the SQL as they are: identifiers only */
        if (tables[i][0] == '\0' || strspn(tables[i], "abcdefghijklmnopqrstuvwxyz_") != strlen(tables[i])) {
            mns_store_set_error(st, "purge_deleted: not a table name");
            return MNS_ERR_INVALID;
        }
    }
    if (st->ops->in_transaction(st)) {
        mns_store_set_error(st, "purge_deleted inside a transaction");
        return MNS_ERR_STATE;
    }
    return st->ops->purge_deleted != NULL ? st->ops->purge_deleted(st, tables) : MNS_OK;
}

mns_err mns_store_backup(struct mns_store *st, const char *path)
{
    if (st == NULL || path == NULL)
        return MNS_ERR_INVALID;
    if (st->ops->in_transaction(st)) {
        mns_store_set_error(st, "backup inside a transaction");
        return MNS_ERR_STATE;
    }
    return st->ops->backup != NULL ? st->ops->backup(st, path) : store_backup_by_copy(st, path);
}

char *store_staging_ddl(const char *schema, const char *kind)
{
    static const char *const tokens[] = {"{schema}", "{kind}"};
    const char *const with[] = {schema, kind};
    char *out = NULL, *o = NULL;
    size_t len = 0;

    /* two passes over the template: the length, then the text */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1 && (o = out = malloc(len + 1)) == NULL)
            return NULL;
        for (const char *p = mns_staging_ddl; *p != '\0';) {
            size_t t = 0;
            while (t < 2 && strncmp(p, tokens[t], strlen(tokens[t])) != 0)
                t++;
            const char *piece = t < 2 ? with[t] : p;
            size_t n = t < 2 ? strlen(with[t]) : 1;
            p += t < 2 ? strlen(tokens[t]) : 1;
            if (pass == 0)
                len += n;
            else
                o = mempcpy(o, piece, n);
        }
    }
    *o = '\0';
    return out;
}

mns_err mns_store_staging_open(struct mns_store *st, bool *emptied)
{
    bool ignored = false;
    if (emptied == NULL)
        emptied = &ignored;
    *emptied = false;
    if (st == NULL)
        return MNS_ERR_INVALID;
    if (st->ops->in_transaction(st)) {
        mns_store_set_error(st, "the import staging is opened outside a transaction");
        return MNS_ERR_STATE;
    }
    return st->ops->staging_open(st, emptied);
}

mns_err mns_store_staging_wipe(struct mns_store *st)
{
    if (st == NULL)
        return MNS_ERR_INVALID;
    if (st->ops->staging_wipe == NULL) {
        mns_store_set_error(st, "this store cannot wipe its import staging at once");
        return MNS_ERR_STATE;
    }
    if (st->ops->in_transaction(st)) {
        mns_store_set_error(st, "the import staging is wiped outside a transaction");
        return MNS_ERR_STATE;
    }
    return st->ops->staging_wipe(st);
}

mns_err mns_store_analyze(struct mns_store *st, const char *table)
{
    if (st == NULL || table == NULL || table[0] == '\0' ||
        strspn(table, "abcdefghijklmnopqrstuvwxyz_") != strlen(table))
        return MNS_ERR_INVALID;
    return st->ops->analyze != NULL ? st->ops->analyze(st, table) : MNS_OK;
}

int64_t mns_store_query_int64(struct mns_store *st, const char *sql)
{
    struct mns_stmt *s;
    bool row = false;
    int64_t n = -1;
    if (mns_store_prepare(st, &s, sql) != MNS_OK)
        return -1;
    if (mns_stmt_step(s, &row) == MNS_OK && row)
        n = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return n;
}

mns_err mns_store_begin(struct mns_store *st)
{
    if (st == NULL)
        return MNS_ERR_INVALID;
    if (st->ops->in_transaction(st)) {
        mns_store_set_error(st, "a transaction is already open");
        return MNS_ERR_STATE;
    }
    return st->ops->exec(st, st->ops->begin_sql);
}

mns_err mns_store_commit(struct mns_store *st)
{
    mns_err r = mns_store_commit_unsynced(st);
    return r == MNS_OK ? mns_store_sync(st) : r;
}

mns_err mns_store_sync(struct mns_store *st)
{
    if (st == NULL)
        return MNS_ERR_INVALID;
    return st->ops->sync != NULL ? st->ops->sync(st) : MNS_OK;
}

bool mns_store_is_shared(const struct mns_store *st)
{
    return st != NULL && st->ops->shared;
}

mns_err mns_store_watch(struct mns_store *st, const char *const *tables, _Atomic uint64_t *counter)
{
    if (st == NULL || tables == NULL || counter == NULL)
        return MNS_ERR_INVALID;
    if (st->ops->watch == NULL) {
        mns_store_set_error(st, "the %s backend cannot watch for changes", st->ops->name);
        return MNS_ERR_STATE;
    }
    return st->ops->watch(st, tables, counter);
}

mns_err mns_store_commit_unsynced(struct mns_store *st)
{
    mns_err r;

    if (st == NULL)
        return MNS_ERR_INVALID;
    if (!st->ops->in_transaction(st)) {
        mns_store_set_error(st, "commit without an open transaction");
        return MNS_ERR_STATE;
    }
    if ((r = st->ops->exec(st, "COMMIT")) != MNS_OK && st->ops->in_transaction(st)) {
        /* Keep the commit's error text, not the rollback's. */
        char saved[MNS_ERRMSG_MAX];
        memcpy(saved, st->errmsg, sizeof(saved));
        (void)st->ops->exec(st, "ROLLBACK");
        memcpy(st->errmsg, saved, sizeof(saved));
    }
    return r;
}

void mns_store_rollback(struct mns_store *st)
{
    if (st == NULL || !st->ops->in_transaction(st))
        return;
    /* Nothing the caller could do about a failed ROLLBACK; the text stays in
     * the store's errmsg. */
    (void)st->ops->exec(st, "ROLLBACK");
}

/* Savepoint names go into the SQL text, so only [a-z_]+ is allowed. */
static mns_err savepoint_sql(struct mns_store *st, char *buf, size_t size, const char *verb,
                             const char *name)
{
    size_t n;

    if (name == NULL || name[0] == '\0') {
        mns_store_set_error(st, "empty savepoint name");
        return MNS_ERR_INVALID;
    }
    for (n = 0; name[n] != '\0'; n++) {
        if (n >= MNS_STORE_SAVEPOINT_MAX || !((name[n] >= 'a' && name[n] <= 'z') || name[n] == '_')) {
            mns_store_set_error(st, "bad savepoint name (want [a-z_]{1,%d})",
                                MNS_STORE_SAVEPOINT_MAX);
            return MNS_ERR_INVALID;
        }
    }
    if (!st->ops->in_transaction(st)) {
        mns_store_set_error(st, "savepoint without an open transaction");
        return MNS_ERR_STATE;
    }
    if ((size_t)snprintf(buf, size, "%s %s", verb, name) >= size) {
        mns_store_set_error(st, "savepoint name too long");
        return MNS_ERR_INTERNAL;
    }
    return MNS_OK;
}

#define SAVEPOINT_SQL_SIZE (MNS_STORE_SAVEPOINT_MAX + 32)

/* Runs a savepoint statement, from the statement cache where the backend
 * gains by it. */
static mns_err savepoint_run(struct mns_store *st, const char *sql)
{
    struct mns_stmt *s;
    mns_err r;

    if (!st->ops->cache_savepoints)
        return st->ops->exec(st, sql);
    if ((r = mns_store_prepare(st, &s, sql)) != MNS_OK)
        return r;
    r = mns_stmt_run(s);
    mns_stmt_reset(s);
    return r;
}

mns_err mns_store_savepoint(struct mns_store *st, const char *name)
{
    char sql[SAVEPOINT_SQL_SIZE];
    mns_err r;

    if (st == NULL)
        return MNS_ERR_INVALID;
    if ((r = savepoint_sql(st, sql, sizeof(sql), "SAVEPOINT", name)) != MNS_OK)
        return r;
    return savepoint_run(st, sql);
}

mns_err mns_store_release(struct mns_store *st, const char *name)
{
    char sql[SAVEPOINT_SQL_SIZE];
    mns_err r;

    if (st == NULL)
        return MNS_ERR_INVALID;
    if ((r = savepoint_sql(st, sql, sizeof(sql), "RELEASE SAVEPOINT", name)) != MNS_OK)
        return r;
    return savepoint_run(st, sql);
}

void mns_store_rollback_to(struct mns_store *st, const char *name)
{
    char sql[SAVEPOINT_SQL_SIZE];

    if (st == NULL)
        return;
    /* On both backends the savepoint stays defined after ROLLBACK TO; the
     * caller releases it (or rolls back further) as usual. */
    if (savepoint_sql(st, sql, sizeof(sql), "ROLLBACK TO SAVEPOINT", name) != MNS_OK)
        return;
    (void)st->ops->exec(st, sql);
}

/* ---- statement cache ----------------------------------------------------- */

/* FNV-1a's constants, 8 bytes a step, each product's high half folded
 * back: only a filter before the string compare. Byte by byte it was ~1% of
 * the import daemon's samples (a statement's text is 100-300 bytes, and
 * every prepare hashes it). */
static uint64_t sql_hash(const char *s, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u ^ len;
    size_t i = 0;

    for (; i + sizeof(uint64_t) <= len; i += sizeof(uint64_t)) {
        uint64_t w;
        memcpy(&w, s + i, sizeof(w));
        h = (h ^ w) * 0x100000001b3u;
        h ^= h >> 32;
    }
    for (; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3u;
    return h;
}

static void touch(struct mns_stmt *s)
{
    s->last_use = ++s->st->tick;
}

static struct mns_stmt *cache_find(struct mns_store *st, const char *sql, size_t len, uint64_t hash)
{
    for (int i = 0; i < st->ncached; i++) {
        struct mns_stmt *s = st->cache[i];
        if (s->hash == hash && s->sql_len == len && memcmp(s->sql, sql, len) == 0)
            return s;
    }
    return NULL;
}

/* Slot of the least recently used statement that is not running, or -1. */
static int cache_victim(const struct mns_store *st)
{
    int victim = -1;

    for (int i = 0; i < st->ncached; i++) {
        const struct mns_stmt *s = st->cache[i];
        if (!s->running && (victim < 0 || s->last_use < st->cache[victim]->last_use))
            victim = i;
    }
    return victim;
}

mns_err mns_store_prepare(struct mns_store *st, struct mns_stmt **out, const char *sql)
{
    struct mns_stmt *s = NULL;
    void *h = NULL;
    size_t len;
    uint64_t hash;
    int slot;
    mns_err r;

    if (out != NULL)
        *out = NULL;
    if (st == NULL || out == NULL)
        return MNS_ERR_INVALID;
    if ((r = check_sql(st, sql, &len)) != MNS_OK)
        return r;
    hash = sql_hash(sql, len);

    if ((s = cache_find(st, sql, len, hash)) != NULL) {
        st->ops->reset(st, s->h);
        s->has_row = false;
        s->changes = 0;
        s->running = true;
        touch(s);
        *out = s;
        return MNS_OK;
    }

    if (st->ncached < MNS_STORE_STMT_CACHE_MAX) {
        slot = st->ncached;
    } else if ((slot = cache_victim(st)) < 0) {
        mns_store_set_error(st, "all %d cached statements are in use (reset finished ones)",
                            MNS_STORE_STMT_CACHE_MAX);
        return MNS_ERR_LIMIT;
    }

    if ((r = st->ops->prepare(st, sql, len, &h)) != MNS_OK)
        goto out;
    if ((s = calloc(1, sizeof(*s))) == NULL || (s->sql = malloc(len + 1)) == NULL) {
        mns_store_set_error(st, "out of memory preparing a statement");
        r = MNS_ERR_NOMEM;
        goto out;
    }
    memcpy(s->sql, sql, len + 1);
    s->sql_len = len;
    s->hash = hash;
    s->st = st;
    s->h = h;
    h = NULL;
    s->running = true;
    touch(s);

    if (slot < st->ncached)
        stmt_free(st, st->cache[slot]); /* the evicted one */
    else
        st->ncached++;
    st->cache[slot] = s;
    *out = s;
    s = NULL;
    r = MNS_OK;
out:
    if (h != NULL)
        st->ops->finalize(st, h);
    stmt_free(st, s);
    return r;
}

/* ---- binding, stepping, reading ----------------------------------------- */

static mns_err bind_check(struct mns_stmt *s, int idx)
{
    if (s == NULL)
        return MNS_ERR_INVALID;
    if (idx < 1) {
        mns_store_set_error(s->st, "bind index %d (they start at 1)", idx);
        return MNS_ERR_INVALID;
    }
    if (s->has_row) {
        mns_store_set_error(s->st, "bind on a statement with a current row (reset it first)");
        return MNS_ERR_STATE;
    }
    s->running = true;
    touch(s);
    return MNS_OK;
}

mns_err mns_stmt_bind_int64(struct mns_stmt *s, int idx, int64_t v)
{
    mns_err r;

    if ((r = bind_check(s, idx)) != MNS_OK)
        return r;
    return s->st->ops->bind_int64(s->st, s->h, idx, v);
}

mns_err mns_stmt_bind_text(struct mns_stmt *s, int idx, const char *v, long len)
{
    mns_err r;

    if ((r = bind_check(s, idx)) != MNS_OK)
        return r;
    if (v == NULL) {
        mns_store_set_error(s->st, "bind_text of a NULL pointer (use bind_null)");
        return MNS_ERR_INVALID;
    }
    return s->st->ops->bind_text(s->st, s->h, idx, v, len < 0 ? strlen(v) : (size_t)len);
}

mns_err mns_stmt_bind_blob(struct mns_stmt *s, int idx, const void *v, size_t len)
{
    mns_err r;

    if ((r = bind_check(s, idx)) != MNS_OK)
        return r;
    if (v == NULL && len > 0) {
        mns_store_set_error(s->st, "bind_blob of a NULL pointer");
        return MNS_ERR_INVALID;
    }
    return s->st->ops->bind_blob(s->st, s->h, idx, v, len);
}

mns_err mns_stmt_bind_null(struct mns_stmt *s, int idx)
{
    mns_err r;

    if ((r = bind_check(s, idx)) != MNS_OK)
        return r;
    return s->st->ops->bind_null(s->st, s->h, idx);
}

mns_err mns_stmt_step(struct mns_stmt *s, bool *row)
{
    struct mns_store *st;
    mns_err r;

    if (row != NULL)
        *row = false;
    if (s == NULL || row == NULL)
        return MNS_ERR_INVALID;
    st = s->st;
    if (!s->has_row)
        s->changes = 0; /* first step of a run */
    s->running = true;
    touch(s);

    r = st->ops->step(st, s->h, row);
    if (r == MNS_OK && *row) {
        s->has_row = true;
        return MNS_OK;
    }
    *row = false;
    s->has_row = false;
    if (r == MNS_OK)
        s->changes = st->ops->changes(st, s->h);
    /* Done or failed: drop the bound values now (see the top of the file). */
    st->ops->reset(st, s->h);
    s->running = false;
    return r;
}

mns_err mns_stmt_run(struct mns_stmt *s)
{
    bool row;
    mns_err r;

    if ((r = mns_stmt_step(s, &row)) != MNS_OK)
        return r;
    if (row) {
        /* A programming error. The statement's changes (if any) were made:
         * the caller's transaction should be rolled back. */
        mns_stmt_reset(s);
        mns_store_set_error(s->st, "mns_stmt_run: the statement returned a row (use mns_stmt_step)");
        return MNS_ERR_INTERNAL;
    }
    return MNS_OK;
}

/* A row is current and col names one of its columns. */
static bool column_ok(struct mns_stmt *s, int col)
{
    return s != NULL && s->has_row && col >= 0 && col < s->st->ops->column_count(s->h);
}

int64_t mns_stmt_int64(struct mns_stmt *s, int col)
{
    return column_ok(s, col) ? s->st->ops->column_int64(s->h, col) : 0;
}

const char *mns_stmt_text(struct mns_stmt *s, int col)
{
    return column_ok(s, col) ? s->st->ops->column_text(s->h, col) : NULL;
}

const void *mns_stmt_blob(struct mns_stmt *s, int col, size_t *len)
{
    static const unsigned char empty[1];
    const void *p;
    size_t n = 0;

    if (!column_ok(s, col) || s->st->ops->column_is_null(s->h, col)) {
        p = NULL;
    } else {
        p = s->st->ops->column_blob(s->h, col, &n);
        /* SQLite gives NULL for a zero-length blob: keep NULL for SQL NULL. */
        if (p == NULL)
            p = empty;
    }
    if (len != NULL)
        *len = p != NULL ? n : 0;
    return p;
}

bool mns_stmt_is_null(struct mns_stmt *s, int col)
{
    return column_ok(s, col) ? s->st->ops->column_is_null(s->h, col) : true;
}

int64_t mns_stmt_changes(struct mns_stmt *s)
{
    return s != NULL ? s->changes : 0;
}

void mns_stmt_reset(struct mns_stmt *s)
{
    if (s == NULL)
        return;
    s->st->ops->reset(s->st, s->h);
    s->has_row = false;
    s->running = false;
}

/* ---- migrations ---------------------------------------------------------- */

static const char schema_migrations_ddl[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (\n"
    "  version INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL,\n"
    "  applied_at INTEGER NOT NULL\n"
    ")";

static int64_t now_ms(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The highest recorded version; schema_migrations must exist. */
static mns_err read_version(struct mns_store *st, int *version)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    int64_t v;
    mns_err r;

    if ((r = mns_store_prepare(st, &s, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) !=
            MNS_OK ||
        (r = mns_stmt_step(s, &row)) != MNS_OK)
        return r;
    v = row ? mns_stmt_int64(s, 0) : 0;
    mns_stmt_reset(s);
    if (v < 0 || v > INT_MAX) {
        mns_store_set_error(st, "schema_migrations holds a version out of range");
        return MNS_ERR_STORE;
    }
    *version = (int)v;
    return MNS_OK;
}

mns_err mns_store_schema_version(struct mns_store *st, int *version)
{
    bool exists = false;
    mns_err r;

    if (st == NULL || version == NULL)
        return MNS_ERR_INVALID;
    *version = 0;
    if ((r = st->ops->table_exists(st, "schema_migrations", &exists)) != MNS_OK)
        return r;
    return exists ? read_version(st, version) : MNS_OK;
}

/* The steps of migrations.c must be numbered upwards from 1. */
static mns_err check_migrations(struct mns_store *st, mns_errmsg *em)
{
    if (mns_migrations_count < 1)
        return store_fail(st, em, MNS_ERR_INTERNAL, "no schema migrations are compiled in");
    for (int i = 0; i < mns_migrations_count; i++) {
        const struct mns_migration *m = &mns_migrations[i];
        if (m->version < 1 || (i > 0 && m->version <= mns_migrations[i - 1].version) ||
            m->name == NULL || m->sql == NULL)
            return store_fail(st, em, MNS_ERR_INTERNAL, "schema migration #%d is malformed", i);
    }
    return MNS_OK;
}

/* Applies one step and records it; a transaction is open. */
static mns_err apply_migration(struct mns_store *st, const struct mns_migration *m)
{
    struct mns_stmt *s = NULL;
    mns_err r;

    if ((r = st->ops->exec_ddl(st, m->sql)) != MNS_OK)
        return r;
    if ((r = mns_store_prepare(
             st, &s, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")) !=
            MNS_OK ||
        (r = mns_stmt_bind_int64(s, 1, m->version)) != MNS_OK ||
        (r = mns_stmt_bind_text(s, 2, m->name, -1)) != MNS_OK ||
        (r = mns_stmt_bind_int64(s, 3, now_ms())) != MNS_OK || (r = mns_stmt_run(s)) != MNS_OK) {
        mns_stmt_reset(s);
        return r;
    }
    return MNS_OK;
}

mns_err mns_store_migrate(struct mns_store *st, int *version, mns_errmsg *em)
{
    const int known = mns_migrations[mns_migrations_count - 1].version;
    const struct mns_migration *next;
    int current = 0;
    mns_err r;

    if (version != NULL)
        *version = 0;
    if (st == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "mns_store_migrate: no store");
    if ((r = check_migrations(st, em)) != MNS_OK)
        return r;
    if (st->ops->in_transaction(st))
        return store_fail(st, em, MNS_ERR_STATE, "cannot migrate inside a transaction");
    if ((r = st->ops->exec_ddl(st, schema_migrations_ddl)) != MNS_OK)
        return store_fail(st, em, r, "cannot create schema_migrations: %s", st->errmsg);

    for (;;) {
        if ((r = mns_store_begin(st)) != MNS_OK)
            return store_fail(st, em, r, "cannot begin a migration: %s", st->errmsg);
        if ((r = read_version(st, &current)) != MNS_OK) {
            r = store_fail(st, em, r, "cannot read the schema version: %s", st->errmsg);
            goto fail;
        }
        if (current > known) {
            r = store_fail(st, em, MNS_ERR_STATE,
                           "the store's schema version %d is newer than version %d known to this "
                           "mnsafe; upgrade mnsafe / ストアのスキーマ (版 %d) はこの mnsafe "
                           "(版 %d まで) より新しいため使えません",
                           current, known, current, known);
            goto fail;
        }
        next = NULL;
        for (int i = 0; i < mns_migrations_count && next == NULL; i++)
            if (mns_migrations[i].version > current)
                next = &mns_migrations[i];
        if (next == NULL) {
            mns_store_rollback(st); /* nothing written */
            break;
        }
        if ((r = apply_migration(st, next)) != MNS_OK) {
            r = store_fail(st, em, r, "schema migration %d (%s) failed: %s", next->version,
                           next->name, st->errmsg);
            goto fail;
        }
        if ((r = mns_store_commit(st)) != MNS_OK)
            return store_fail(st, em, r, "cannot commit schema migration %d (%s): %s",
                              next->version, next->name, st->errmsg);
    }
    if (version != NULL)
        *version = current;
    return MNS_OK;
fail:
    mns_store_rollback(st);
    return r;
}
