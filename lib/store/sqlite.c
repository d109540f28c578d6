/*
 * sqlite.c: the SQLite backend of the store.
 *
 * Connection. Opened READWRITE|CREATE|NOMUTEX: a store handle is used by one
 * thread at a time, so SQLite's own mutexes on it are not needed (the
 * library must still be built thread-safe, which is checked). Then:
 * busy timeout 5 s; journal_mode=WAL (checked: it silently stays "delete" or
 * "memory" where WAL is impossible); synchronous=NORMAL with the WAL synced
 * by sqlite_sync before a commit counts (mns_store_commit); secure_delete=ON so
 * freed pages are zeroed; foreign_keys=ON; temp_store=MEMORY so sorts and
 * temporary tables never land in files; cell_size_check=ON; and, as defence
 * in depth, SQLITE_DBCONFIG_DEFENSIVE and trusted_schema=OFF; an 8 MiB page
 * cache. Every pragma is read back after it is set. Opened through the VFS
 * of sqlite_vfs.c, which writes a commit's WAL frames in a few calls instead
 * of two per frame.
 *
 * File modes. The database file is created by us with open(O_CREAT|O_EXCL,
 * 0600) before SQLite sees it, and an existing one with group or other bits
 * is chmod'ed to 0600. SQLite creates the -wal, -shm (and -journal) files
 * with the mode of the database file, so they are 0600 too; any left over
 * from earlier with looser modes are tightened after opening. The umask is
 * not touched: it is process-wide and other threads may be creating files.
 *
 * Only path-based stat()/chmod() are used on files SQLite may already have
 * open in this process: closing any descriptor of a file drops every POSIX
 * lock the process holds on it, which would silently break SQLite's locking.
 * The one open()/close() is on a file that did not exist a moment before
 * (O_EXCL). Two threads creating the same brand-new store at the very same
 * moment is the only case left, and is not a supported use.
 *
 * Secrets. Text and blob values are bound SQLITE_TRANSIENT (SQLite copies
 * them), and store.c resets and clears the bindings as soon as a step is
 * done, so the copies are freed promptly. SQLite's heap and page cache are
 * not wiped on free; the columns that matter hold ciphertext and blind
 * indexes only (see migrations.c), never a My Number in clear.
 *
 * Error text is sqlite3_errmsg(), which names tables, columns and
 * constraints but never a bound value.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store_internal.h"

#define BUSY_TIMEOUT_MS 5000

struct sqlite_conn {
    sqlite3 *db;
    /* A descriptor of our own on the WAL, for sqlite_sync: opened at the
     * first sync (the WAL exists once something was committed), closed after
     * the database. fd_lock guards opening it. */
    pthread_mutex_t fd_lock;
    int wal_fd;
    /* the store file's path, and whether the import staging file beside
     * it is attached (sqlite_staging_open) */
    char path[MNS_STORE_URL_MAX];
    bool staging;
    /* sqlite_watch: tables whose row changes count into watch_counter */
    const char *const *watch_tables;
    _Atomic uint64_t *watch_counter;
};

static sqlite3 *db_of(struct mns_store *st)
{
    const struct sqlite_conn *c = st->impl;
    return c != NULL ? c->db : NULL;
}

/* Maps an SQLite result code to mns_err and keeps the text in the store. */
static mns_err sqlite_fail(struct mns_store *st, int rc, const char *what)
{
    sqlite3 *db = db_of(st);
    const char *msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);

    mns_store_set_error(st, "%s: %s", what, msg);
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        return MNS_ERR_EXISTS;
    default:
        break;
    }
    switch (rc & 0xff) {
    case SQLITE_FULL:
        mns_store_set_error(st, "%s: disk full or database too large: %s", what, msg);
        return MNS_ERR_FULL;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
        return MNS_ERR_IO;
    case SQLITE_NOMEM:
        return MNS_ERR_NOMEM;
    case SQLITE_TOOBIG:
        return MNS_ERR_LIMIT;
    case SQLITE_RANGE:
        return MNS_ERR_INVALID;
    case SQLITE_MISUSE:
        return MNS_ERR_INTERNAL;
    default: /* BUSY, LOCKED, CONSTRAINT, CORRUPT, NOTADB, READONLY, ERROR... */
        return MNS_ERR_STORE;
    }
}

/* The extended code of the last failure on the connection. */
static int last_rc(struct mns_store *st, int rc)
{
    sqlite3 *db = db_of(st);
    return db != NULL ? sqlite3_extended_errcode(db) : rc;
}

/* ---- file modes ---------------------------------------------------------- */

static mns_err errno_fail(struct mns_store *st, int e, const char *what, const char *path)
{
    char buf[128];
    const char *es = strerror_r(e, buf, sizeof(buf)); /* GNU form (_GNU_SOURCE) */

    if (e == ENOENT)
        mns_store_set_error(st,
                            "cannot %s the store file %s: the directory does not exist (%s) / "
                            "ストアファイルのディレクトリが存在しません",
                            what, path, es);
    else
        mns_store_set_error(st, "cannot %s the store file %s: %s", what, path, es);
    return MNS_ERR_IO;
}

/* Makes path 0600 if group or others have any access to it. */
static mns_err tighten(struct mns_store *st, const char *path, const struct stat *sb)
{
    if ((sb->st_mode & 077) == 0)
        return MNS_OK;
    if (chmod(path, sb->st_mode & 0700) != 0)
        return errno_fail(st, errno, "restrict the mode of", path);
    return MNS_OK;
}

/* Creates the database file 0600 if it does not exist; tightens it if it does. */
static mns_err prepare_file(struct mns_store *st, const char *path)
{
    struct stat sb;
    int fd;

    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return errno_fail(st, errno, "open", path);
        fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd >= 0) {
            /* 0600 also under a umask that clears owner bits. */
            int r = fchmod(fd, 0600);
            int e = errno;
            close(fd);
            return r == 0 ? MNS_OK : errno_fail(st, e, "set the mode of", path);
        }
        if (errno != EEXIST)
            return errno_fail(st, errno, "create", path);
        if (stat(path, &sb) != 0) /* created meanwhile by someone else */
            return errno_fail(st, errno, "open", path);
    }
    if (!S_ISREG(sb.st_mode)) {
        mns_store_set_error(st, "the store path %s is not a regular file", path);
        return MNS_ERR_INVALID;
    }
    return tighten(st, path, &sb);
}

/* Tightens -wal, -shm, -journal files left with looser modes. */
static mns_err tighten_sidecars(struct mns_store *st, const char *path)
{
    static const char *const suffixes[] = {"-wal", "-shm", "-journal"};
    char name[MNS_STORE_URL_MAX + 16];
    struct stat sb;
    mns_err r;

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        if ((size_t)snprintf(name, sizeof(name), "%s%s", path, suffixes[i]) >= sizeof(name))
            return MNS_ERR_LIMIT;
        if (stat(name, &sb) != 0)
            continue; /* not there (yet): SQLite will create it 0600 */
        if ((r = tighten(st, name, &sb)) != MNS_OK)
            return r;
    }
    return MNS_OK;
}

/* ---- connection ---------------------------------------------------------- */

/* Runs a one-value query and copies the value as text. */
static mns_err query_text(struct mns_store *st, const char *sql, char *buf, size_t size)
{
    sqlite3 *db = db_of(st);
    sqlite3_stmt *s = NULL;
    const unsigned char *v;
    mns_err r = MNS_OK;
    int rc;

    buf[0] = '\0';
    if ((rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL)) != SQLITE_OK) {
        r = sqlite_fail(st, last_rc(st, rc), sql);
        goto out;
    }
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if ((v = sqlite3_column_text(s, 0)) != NULL)
            snprintf(buf, size, "%s", (const char *)v);
    } else if (rc != SQLITE_DONE) {
        r = sqlite_fail(st, last_rc(st, rc), sql);
    }
out:
    sqlite3_finalize(s);
    return r;
}

static const struct {
    const char *set;
    const char *get;
    const char *want;
} pragmas[] = {
    /* WAL first: it answers with the mode it really got. */
    {"PRAGMA journal_mode=WAL", "PRAGMA journal_mode", "wal"},
    {"PRAGMA synchronous=NORMAL", "PRAGMA synchronous", "1"},
    {"PRAGMA secure_delete=ON", "PRAGMA secure_delete", "1"},
    {"PRAGMA foreign_keys=ON", "PRAGMA foreign_keys", "1"},
    {"PRAGMA temp_store=MEMORY", "PRAGMA temp_store", "2"},
    {"PRAGMA cell_size_check=ON", "PRAGMA cell_size_check", "1"},
    {"PRAGMA trusted_schema=OFF", "PRAGMA trusted_schema", "0"},
    /* fewer, larger WAL checkpoints: each copies a page once however often
     * it changed; ~32 MiB of WAL at most */
    {"PRAGMA wal_autocheckpoint=8192", "PRAGMA wal_autocheckpoint", "8192"},
    /* 8 MiB of page cache (SQLite's default is 2): a batch of 1000 persons
     * dirties more pages than 2 MiB holds (its blind indexes land on random
     * leaves), and spilling them mid-transaction wrote and re-read them; 13%
     * more persons/s in bench_import, none from 16 or 32 MiB. Allocated as
     * pages are used, so an idle connection does not hold it. */
    {"PRAGMA cache_size=-8192", "PRAGMA cache_size", "-8192"},
    {NULL, "PRAGMA busy_timeout", "5000"},
};

static mns_err set_pragmas(struct mns_store *st)
{
    char got[32];
    mns_err r;
    int rc;

    for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++) {
        if (pragmas[i].set != NULL &&
            (rc = sqlite3_exec(db_of(st), pragmas[i].set, NULL, NULL, NULL)) != SQLITE_OK)
            return sqlite_fail(st, last_rc(st, rc), pragmas[i].set);
        if ((r = query_text(st, pragmas[i].get, got, sizeof(got))) != MNS_OK)
            return r;
        if (strcmp(got, pragmas[i].want) != 0) {
            mns_store_set_error(st, "%s is \"%s\", not \"%s\"", pragmas[i].get, got,
                                pragmas[i].want);
            return MNS_ERR_STORE;
        }
    }
    return MNS_OK;
}

static mns_err sqlite_open(struct mns_store *st, const char *path)
{
    struct sqlite_conn *c = NULL;
    int rc, on = 1, off = 0;
    mns_err r;

    if (sqlite3_threadsafe() == 0) {
        mns_store_set_error(st, "this SQLite library was built without thread support");
        return MNS_ERR_STORE;
    }
    if (path[0] == '\0') {
        mns_store_set_error(st, "the store URL names no file (sqlite:<path>)");
        return MNS_ERR_INVALID;
    }
    if (strcmp(path, ":memory:") == 0) {
        mns_store_set_error(st, "an in-memory SQLite store is not supported (WAL needs a file)");
        return MNS_ERR_INVALID;
    }
    if ((r = prepare_file(st, path)) != MNS_OK)
        return r;
    if ((c = calloc(1, sizeof(*c))) == NULL) {
        mns_store_set_error(st, "out of memory opening the store");
        return MNS_ERR_NOMEM;
    }
    c->wal_fd = -1;
    snprintf(c->path, sizeof(c->path), "%s", path);
    pthread_mutex_init(&c->fd_lock, NULL);
    st->impl = c;
    rc = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                         mns_sqlite_vfs());
    if (rc != SQLITE_OK) {
        if (c->db == NULL) {
            mns_store_set_error(st, "cannot open the store file %s: %s", path, sqlite3_errstr(rc));
            return MNS_ERR_NOMEM;
        }
        r = sqlite_fail(st, last_rc(st, rc), "open");
        return r == MNS_ERR_STORE ? MNS_ERR_IO : r;
    }
    sqlite3_extended_result_codes(c->db, 1);
    if ((rc = sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS)) != SQLITE_OK ||
        (rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, on, NULL)) != SQLITE_OK ||
        (rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, off, NULL)) != SQLITE_OK ||
        (rc = sqlite3_db_config(c->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, off, NULL)) !=
            SQLITE_OK)
        return sqlite_fail(st, last_rc(st, rc), "configure");
    if ((r = set_pragmas(st)) != MNS_OK)
        return r;
    return tighten_sidecars(st, path);
}

static void sqlite_close(struct mns_store *st)
{
    struct sqlite_conn *c = st->impl;

    if (c == NULL)
        return;
    /* Rolls back an open transaction; _v2 defers the close should a
     * statement be left (there should be none: the cache finalised all). */
    sqlite3_close_v2(c->db);
    if (c->wal_fd >= 0)
        close(c->wal_fd);
    pthread_mutex_destroy(&c->fd_lock);
    free(c);
    st->impl = NULL;
}

/*
 * fdatasync of the WAL through a descriptor of our own, not SQLite's: this
 * runs without the vault lock, while another thread uses the connection.
 * With synchronous=NORMAL a commit's frames are written but not synced;
 * once they are on disk the commit survives a crash (recovery replays the
 * WAL), and a checkpoint syncs the WAL before it copies frames from it. The
 * store's error text is not touched (another thread may be writing it).
 */
static mns_err sqlite_sync(struct mns_store *st)
{
    struct sqlite_conn *c = st->impl;
    int fd;

    pthread_mutex_lock(&c->fd_lock);
    if (c->wal_fd < 0) {
        const char *wal = sqlite3_filename_wal(sqlite3_db_filename(c->db, "main"));
        if (wal != NULL)
            c->wal_fd = open(wal, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    }
    fd = c->wal_fd;
    pthread_mutex_unlock(&c->fd_lock);
    if (fd < 0)
        return MNS_ERR_IO;
    while (fdatasync(fd) != 0) {
        if (errno != EINTR)
            return MNS_ERR_IO;
    }
    return MNS_OK;
}

static void on_update(void *arg, int op, const char *db, const char *table, sqlite3_int64 rowid)
{
    struct sqlite_conn *c = arg;
    (void)op;
    (void)db;
    (void)rowid;
    for (const char *const *t = c->watch_tables; *t != NULL; t++) {
        if (strcmp(*t, table) == 0) {
            atomic_fetch_add(c->watch_counter, 1);
            return;
        }
    }
}

/* The update hook sees every row change of rowid tables, foreign-key
 * cascades included. It misses WITHOUT ROWID tables and the rows of a
 * DELETE without WHERE that SQLite turns into a truncation: the watched
 * tables are rowid tables that mnsafe never empties that way, and callers
 * bound the age of what they cache as well. One watcher per connection. */
static mns_err sqlite_watch(struct mns_store *st, const char *const *tables, _Atomic uint64_t *counter)
{
    struct sqlite_conn *c = st->impl;
    c->watch_tables = tables;
    c->watch_counter = counter;
    sqlite3_update_hook(c->db, on_update, c);
    return MNS_OK;
}

static mns_err sqlite_exec(struct mns_store *st, const char *sql)
{
    int rc = sqlite3_exec(db_of(st), sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? MNS_OK : sqlite_fail(st, last_rc(st, rc), "exec");
}

/* ---- import staging ------------------------------------------------------ */

/*
 * The staging file is scratch space (see mns_store_staging_open): written
 * without syncs, with a rollback journal in a file of its own (truncated at
 * every commit), so a failed transaction or a killed process leaves it as
 * it was at a commit. Only a crash of the machine may leave it damaged:
 * staging_damaged checks it at open. secure_delete stays on (ATTACH takes
 * the main database's setting) for the rows deleted one import at a time;
 * all of it at once is sqlite_staging_wipe's overwrite.
 */
static const struct {
    const char *set, *get, *want;
} staging_pragmas[] = {
    {"PRAGMA staging.journal_mode=TRUNCATE", "PRAGMA staging.journal_mode", "truncate"},
    {"PRAGMA staging.synchronous=OFF", "PRAGMA staging.synchronous", "0"},
    {NULL, "PRAGMA staging.secure_delete", "1"},
    {"PRAGMA staging.cache_size=-4096", "PRAGMA staging.cache_size", "-4096"},
};

static mns_err staging_file(struct mns_store *st, char *out, size_t size)
{
    const struct sqlite_conn *c = st->impl;
    if ((size_t)snprintf(out, size, "%s-staging", c->path) >= size) {
        mns_store_set_error(st, "the store path is too long for its staging file");
        return MNS_ERR_LIMIT;
    }
    return MNS_OK;
}

/* Overwrites the file with zeros, makes that durable and truncates it: the
 * staged rows are gone from the disk, not only from the file. SQLite must
 * not have it open (detached): closing a descriptor would drop its locks. */
static mns_err zero_file(struct mns_store *st, const char *path)
{
    static const unsigned char zeros[65536];
    struct stat sb;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);

    if (fd < 0)
        return errno == ENOENT ? MNS_OK : errno_fail(st, errno, "open", path);
    if (fstat(fd, &sb) != 0)
        goto fail;
    for (off_t off = 0; off < sb.st_size;) {
        size_t n = (size_t)(sb.st_size - off) < sizeof(zeros) ? (size_t)(sb.st_size - off) : sizeof(zeros);
        ssize_t w = pwrite(fd, zeros, n, off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            goto fail;
        off += w;
    }
    if (fdatasync(fd) != 0 || ftruncate(fd, 0) != 0 || fsync(fd) != 0)
        goto fail;
    close(fd);
    return MNS_OK;
fail: {
    int e = errno;
    close(fd);
    return errno_fail(st, e, "overwrite", path);
}
}

static mns_err staging_attach(struct mns_store *st, bool fresh)
{
    struct sqlite_conn *c = st->impl;
    char path[MNS_STORE_URL_MAX + 16], journal[MNS_STORE_URL_MAX + 32], got[32];
    sqlite3_stmt *s = NULL;
    mns_err r;
    int rc;

    if ((r = staging_file(st, path, sizeof(path))) != MNS_OK)
        return r;
    snprintf(journal, sizeof(journal), "%s-journal", path);
    if (fresh && ((r = zero_file(st, path)) != MNS_OK || (r = zero_file(st, journal)) != MNS_OK))
        return r;
    if ((r = prepare_file(st, path)) != MNS_OK)
        return r;
    rc = sqlite3_prepare_v2(c->db, "ATTACH DATABASE ?1 AS staging", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_bind_text(s, 1, path, -1, SQLITE_STATIC)) == SQLITE_OK)
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(c->db);
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return sqlite_fail(st, last_rc(st, rc), "attach the import staging");
    c->staging = true;
    for (size_t i = 0; i < sizeof(staging_pragmas) / sizeof(staging_pragmas[0]); i++) {
        if (staging_pragmas[i].set != NULL && (rc = sqlite3_exec(c->db, staging_pragmas[i].set, NULL, NULL, NULL)) != SQLITE_OK)
            return sqlite_fail(st, last_rc(st, rc), staging_pragmas[i].set);
        if ((r = query_text(st, staging_pragmas[i].get, got, sizeof(got))) != MNS_OK)
            return r;
        if (strcmp(got, staging_pragmas[i].want) != 0) {
            mns_store_set_error(st, "%s is \"%s\", not \"%s\"", staging_pragmas[i].get, got, staging_pragmas[i].want);
            return MNS_ERR_STORE;
        }
    }
    char *ddl = store_staging_ddl("staging.", "");
    if (ddl == NULL) {
        mns_store_set_error(st, "out of memory creating the import staging");
        return MNS_ERR_NOMEM;
    }
    rc = sqlite3_exec(c->db, ddl, NULL, NULL, NULL);
    free(ddl);
    return rc == SQLITE_OK ? MNS_OK : sqlite_fail(st, last_rc(st, rc), "create the import staging");
}

static mns_err staging_detach(struct mns_store *st)
{
    struct sqlite_conn *c = st->impl;
    int rc;

    if (!c->staging)
        return MNS_OK;
    if ((rc = sqlite3_exec(c->db, "DETACH DATABASE staging", NULL, NULL, NULL)) != SQLITE_OK)
        return sqlite_fail(st, last_rc(st, rc), "detach the import staging");
    c->staging = false;
    return MNS_OK;
}

/* Whether the attached staging fails SQLite's quick check (or cannot be
 * read at all); an empty one is not read through. */
static bool staging_damaged(struct mns_store *st)
{
    char got[64];
    if (query_text(st, "SELECT EXISTS (SELECT 1 FROM staging.import_rows) OR "
                       "EXISTS (SELECT 1 FROM staging.import_purposes)", got, sizeof(got)) != MNS_OK)
        return true;
    if (strcmp(got, "0") == 0)
        return false;
    return query_text(st, "PRAGMA staging.quick_check(1)", got, sizeof(got)) != MNS_OK || strcmp(got, "ok") != 0;
}

static mns_err sqlite_staging_open(struct mns_store *st, bool *emptied)
{
    struct sqlite_conn *c = st->impl;
    mns_err r;

    if (c->staging)
        return MNS_OK;
    r = staging_attach(st, false);
    if (r == MNS_OK && !staging_damaged(st))
        return MNS_OK;
    /* damaged (the machine stopped while it was written): started anew */
    if ((r = staging_detach(st)) != MNS_OK || (r = staging_attach(st, true)) != MNS_OK)
        return r;
    *emptied = true;
    return MNS_OK;
}

static mns_err sqlite_staging_wipe(struct mns_store *st)
{
    mns_err r;
    if ((r = staging_detach(st)) != MNS_OK)
        return r;
    return staging_attach(st, true);
}

static mns_err sqlite_table_exists(struct mns_store *st, const char *name, bool *exists)
{
    sqlite3_stmt *s = NULL;
    mns_err r = MNS_OK;
    int rc;

    *exists = false;
    rc = sqlite3_prepare_v2(db_of(st), "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                            -1, &s, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            *exists = rc == SQLITE_ROW;
            rc = SQLITE_OK;
        }
    }
    if (rc != SQLITE_OK)
        r = sqlite_fail(st, last_rc(st, rc), "table lookup");
    sqlite3_finalize(s);
    return r;
}

/* The WAL keeps page images from before a delete until it is checkpointed;
 * TRUNCATE copies them into the (secure-deleted) database and empties it. */
static mns_err sqlite_backup(struct mns_store *st, const char *path)
{
    sqlite3 *dest = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        mns_store_set_error(st, "backup: cannot create the file");
        return MNS_ERR_IO;
    }
    close(fd);
    int rc = sqlite3_open_v2(path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        /* the copy keeps deleted space zeroed too */
        sqlite3_exec(dest, "PRAGMA secure_delete=ON", NULL, NULL, NULL);
        sqlite3_backup *b = sqlite3_backup_init(dest, "main", db_of(st), "main");
        if (b == NULL) {
            rc = sqlite3_errcode(dest);
        } else {
            rc = sqlite3_backup_step(b, -1);
            int frc = sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? frc : rc;
        }
    }
    if (dest != NULL && sqlite3_close(dest) != SQLITE_OK && rc == SQLITE_OK)
        rc = SQLITE_ERROR;
    if (rc != SQLITE_OK) {
        unlink(path);
        mns_store_set_error(st, "backup: %s", sqlite3_errstr(rc));
        return rc == SQLITE_FULL ? MNS_ERR_FULL : MNS_ERR_STORE;
    }
    return MNS_OK;
}

static mns_err sqlite_purge_deleted(struct mns_store *st, const char *const *tables)
{
    (void)tables; /* secure_delete zeroed the rows in the pages; the WAL is what remains */
    int frames = -1, done = -1;
    /* never wait for an outside reader here: the vault lock is held; a busy
     * journal is purged at a later commit or timer tick instead */
    sqlite3_busy_timeout(db_of(st), 0);
    int rc = sqlite3_wal_checkpoint_v2(db_of(st), NULL, SQLITE_CHECKPOINT_TRUNCATE, &frames, &done);
    sqlite3_busy_timeout(db_of(st), BUSY_TIMEOUT_MS);
    if (rc != SQLITE_OK)
        return sqlite_fail(st, last_rc(st, rc), "wal checkpoint");
    if (frames != 0 || done != 0) {
        mns_store_set_error(st, "wal checkpoint left %d frames (%d copied)", frames, done);
        return MNS_ERR_STORE;
    }
    return MNS_OK;
}

static bool sqlite_in_transaction(struct mns_store *st)
{
    sqlite3 *db = db_of(st);
    return db != NULL && !sqlite3_get_autocommit(db);
}

/* ---- statements ---------------------------------------------------------- */

static mns_err sqlite_prepare(struct mns_store *st, const char *sql, size_t len, void **h)
{
    sqlite3_stmt *s = NULL;
    const char *tail = NULL;
    int rc;

    *h = NULL;
    /* len <= MNS_STORE_SQL_MAX; +1: the text is NUL-terminated, which
     * spares SQLite a copy. */
    rc = sqlite3_prepare_v3(db_of(st), sql, (int)len + 1, SQLITE_PREPARE_PERSISTENT, &s, &tail);
    if (rc != SQLITE_OK)
        return sqlite_fail(st, last_rc(st, rc), "prepare");
    if (s == NULL) {
        mns_store_set_error(st, "prepare: the SQL holds no statement");
        return MNS_ERR_INVALID;
    }
    while (tail != NULL && (*tail == ' ' || *tail == '\t' || *tail == '\n' || *tail == '\r' ||
                            *tail == ';'))
        tail++;
    if (tail != NULL && *tail != '\0') {
        sqlite3_finalize(s);
        mns_store_set_error(st, "prepare: one statement at a time (use mns_store_exec for more)");
        return MNS_ERR_INVALID;
    }
    *h = s;
    return MNS_OK;
}

static void sqlite_finalize(struct mns_store *st, void *h)
{
    (void)st;
    sqlite3_finalize(h);
}

static mns_err bind_result(struct mns_store *st, int rc)
{
    return rc == SQLITE_OK ? MNS_OK : sqlite_fail(st, last_rc(st, rc), "bind");
}

static mns_err sqlite_bind_int64(struct mns_store *st, void *h, int idx, int64_t v)
{
    return bind_result(st, sqlite3_bind_int64(h, idx, v));
}

static mns_err sqlite_bind_text(struct mns_store *st, void *h, int idx, const char *v, size_t len)
{
    return bind_result(st, sqlite3_bind_text64(h, idx, v, len, SQLITE_TRANSIENT, SQLITE_UTF8));
}

static mns_err sqlite_bind_blob(struct mns_store *st, void *h, int idx, const void *v, size_t len)
{
    static const unsigned char empty[1];

    /* A NULL pointer would bind SQL NULL; an empty blob is not NULL. */
    if (v == NULL)
        v = empty;
    return bind_result(st, sqlite3_bind_blob64(h, idx, v, len, SQLITE_TRANSIENT));
}

static mns_err sqlite_bind_null(struct mns_store *st, void *h, int idx)
{
    return bind_result(st, sqlite3_bind_null(h, idx));
}

static mns_err sqlite_step(struct mns_store *st, void *h, bool *row)
{
    int rc = sqlite3_step(h);

    *row = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return MNS_OK;
    return sqlite_fail(st, last_rc(st, rc), "step");
}

static int64_t sqlite_changes(struct mns_store *st, void *h)
{
    /* sqlite3_changes64 keeps the count of the last writing statement; a
     * read-only one changed nothing. */
    return sqlite3_stmt_readonly(h) ? 0 : sqlite3_changes64(db_of(st));
}

static void sqlite_reset(struct mns_store *st, void *h)
{
    (void)st;
    /* sqlite3_reset repeats the last step's error, already reported. */
    (void)sqlite3_reset(h);
    sqlite3_clear_bindings(h);
}

static int sqlite_column_count(void *h)
{
    return sqlite3_data_count(h);
}

static bool sqlite_column_is_null(void *h, int col)
{
    return sqlite3_column_type(h, col) == SQLITE_NULL;
}

static int64_t sqlite_column_int64(void *h, int col)
{
    return sqlite3_column_int64(h, col);
}

static const char *sqlite_column_text(void *h, int col)
{
    if (sqlite3_column_type(h, col) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_column_text(h, col);
}

static const void *sqlite_column_blob(void *h, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(h, col); /* before _bytes, as documented */
    int n = sqlite3_column_bytes(h, col);

    *len = n > 0 ? (size_t)n : 0;
    return p;
}

const struct mns_store_ops mns_store_sqlite_ops = {
    .name = "sqlite",
    .begin_sql = "BEGIN IMMEDIATE",
    .cache_savepoints = true,
    .tables_sql = "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
    .columns_sql = "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
    .open = sqlite_open,
    .close = sqlite_close,
    .exec = sqlite_exec,
    .exec_ddl = sqlite_exec, /* the portable DDL is SQLite's own */
    .table_exists = sqlite_table_exists,
    .staging_open = sqlite_staging_open,
    .staging_wipe = sqlite_staging_wipe,
    .in_transaction = sqlite_in_transaction,
    .sync = sqlite_sync,
    .watch = sqlite_watch,
    .purge_deleted = sqlite_purge_deleted,
    .backup = sqlite_backup,
    .prepare = sqlite_prepare,
    .finalize = sqlite_finalize,
    .bind_int64 = sqlite_bind_int64,
    .bind_text = sqlite_bind_text,
    .bind_blob = sqlite_bind_blob,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .changes = sqlite_changes,
    .reset = sqlite_reset,
    .column_count = sqlite_column_count,
    .column_is_null = sqlite_column_is_null,
    .column_int64 = sqlite_column_int64,
    .column_text = sqlite_column_text,
    .column_blob = sqlite_column_blob,
};
