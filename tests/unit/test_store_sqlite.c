/*
 * test_store_sqlite.c: the store API on its SQLite backend, against real
 * database files in a temporary directory ($MNS_TEST_TMP or /tmp), removed
 * after each test.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "test_util.h"

#include "mnsafe/store.h"
#include "store/migrations.h"
#include "store/store_internal.h" /* MNS_STORE_STMT_CACHE_MAX */

struct fx {
    char dir[PATH_MAX];
    char path[PATH_MAX + 32];
    char url[PATH_MAX + 64];
    struct mns_store *st;
};

/* ---- fixture ------------------------------------------------------------- */

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof(*fx));

    if (fx == NULL)
        return -1;
    if (tu_mkdtemp_try(fx->dir, sizeof(fx->dir), "store") != 0)
        goto fail;
    snprintf(fx->path, sizeof(fx->path), "%s/mnsafe.db", fx->dir);
    snprintf(fx->url, sizeof(fx->url), "sqlite:%s", fx->path);
    *state = fx;
    return 0;
fail:
    free(fx);
    return -1;
}

static int teardown(void **state)
{
    struct fx *fx = *state;

    mns_store_close(fx->st);
    tu_rm_tree(fx->dir);
    free(fx);
    return 0;
}

/* ---- helpers ------------------------------------------------------------- */

static struct mns_store *open_url(const char *url)
{
    struct mns_store *st = NULL;
    mns_errmsg em = {{0}};
    mns_err r = mns_store_open(&st, url, &em);

    if (r != MNS_OK)
        fail_msg("mns_store_open(%s): %s: %s", url, mns_strerror(r), em.text);
    assert_non_null(st);
    return st;
}

static void open_fx(struct fx *fx)
{
    fx->st = open_url(fx->url);
}

static void migrate_fx(struct fx *fx)
{
    mns_errmsg em = {{0}};
    int v = -1;
    mns_err r = mns_store_migrate(fx->st, &v, &em);

    if (r != MNS_OK)
        fail_msg("migrate: %s: %s", mns_strerror(r), em.text);
    assert_int_equal(v, mns_migrations_count);
}

static void exec_ok(struct mns_store *st, const char *sql)
{
    mns_errmsg em = {{0}};
    mns_err r = mns_store_exec(st, sql, &em);

    if (r != MNS_OK)
        fail_msg("exec(%s): %s: %s", sql, mns_strerror(r), em.text);
}

/* The single integer answered by sql (optionally with one text parameter). */
static int64_t query_int(struct mns_store *st, const char *sql, const char *param)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    int64_t v;

    assert_int_equal(mns_store_prepare(st, &s, sql), MNS_OK);
    if (param != NULL)
        assert_int_equal(mns_stmt_bind_text(s, 1, param, -1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    v = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return v;
}

static void query_text(struct mns_store *st, const char *sql, char *buf, size_t size)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    const char *t;

    assert_int_equal(mns_store_prepare(st, &s, sql), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    t = mns_stmt_text(s, 0);
    assert_non_null(t);
    snprintf(buf, size, "%s", t);
    mns_stmt_reset(s);
}

static mns_err insert_tenant(struct mns_store *st, const char *code)
{
    struct mns_stmt *s = NULL;
    mns_err r;

    if ((r = mns_store_prepare(st, &s,
                               "INSERT INTO tenants (code, name, created_at) VALUES (?, ?, ?)")) !=
            MNS_OK ||
        (r = mns_stmt_bind_text(s, 1, code, -1)) != MNS_OK ||
        (r = mns_stmt_bind_text(s, 2, "株式会社テスト", -1)) != MNS_OK ||
        (r = mns_stmt_bind_int64(s, 3, 1700000000000)) != MNS_OK)
        return r;
    return mns_stmt_run(s);
}

static int64_t count_tenants(struct mns_store *st)
{
    return query_int(st, "SELECT COUNT(*) FROM tenants", NULL);
}

static mode_t file_mode(const char *path)
{
    struct stat sb;

    if (stat(path, &sb) != 0)
        fail_msg("stat(%s): %s", path, strerror(errno));
    return sb.st_mode & 07777;
}

/* ---- open and migrate ---------------------------------------------------- */

/* Whether a later step drops table name ("DROP TABLE name;"). */
static bool dropped_later(const char *name)
{
    char stmt[96];
    snprintf(stmt, sizeof(stmt), "DROP TABLE %s;", name);
    for (int i = 0; i < mns_migrations_count; i++)
        if (strstr(mns_migrations[i].sql, stmt) != NULL)
            return true;
    return false;
}

/* Checks that every "CREATE TABLE x" / "CREATE INDEX x ON t" in sql exists
 * after migrating, or is gone if a later step drops x (or t); returns how
 * many. */
static int each_created(const char *sql, struct mns_store *st)
{
    static const char *const kw[] = {"CREATE TABLE ", "CREATE INDEX "};
    int n = 0;

    for (size_t k = 0; k < 2; k++) {
        for (const char *p = strstr(sql, kw[k]); p != NULL; p = strstr(p, kw[k])) {
            char name[64];
            size_t len = 0;
            p += strlen(kw[k]);
            while (len + 1 < sizeof(name) && ((*p >= 'a' && *p <= 'z') || *p == '_' ||
                                              (*p >= '0' && *p <= '9')))
                name[len++] = *p++;
            name[len] = '\0';
            assert_true(len > 0);
            /* an index goes with its table */
            char table[64];
            size_t tlen = 0;
            if (k == 1 && strncmp(p, " ON ", 4) == 0)
                for (const char *q = p + 4; tlen + 1 < sizeof(table) && ((*q >= 'a' && *q <= 'z') || *q == '_');)
                    table[tlen++] = *q++;
            table[tlen] = '\0';
            int want = dropped_later(k == 0 ? name : table) ? 0 : 1;
            if (query_int(st, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", name) != want)
                fail_msg("%s %s %s after migrate", kw[k], name, want ? "missing" : "still there");
            n++;
        }
    }
    return n;
}

static void test_migrate_creates_schema(void **state)
{
    struct fx *fx = *state;
    int v = -1, objects = 0;
    char name[128];

    open_fx(fx);
    assert_string_equal(mns_store_backend(fx->st), "sqlite");
    assert_int_equal(mns_store_schema_version(fx->st, &v), MNS_OK);
    assert_int_equal(v, 0);

    migrate_fx(fx);
    assert_int_equal(mns_store_schema_version(fx->st, &v), MNS_OK);
    assert_int_equal(v, mns_migrations_count);
    assert_int_equal(v, mns_migrations[mns_migrations_count - 1].version);

    for (int i = 0; i < mns_migrations_count; i++)
        objects += each_created(mns_migrations[i].sql, fx->st);
    assert_true(objects >= 16); /* v1 alone has 16 tables and 2 indexes */
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", "persons"), 1);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", "audit_log"), 1);

    /* One row per step, named as in migrations.c, with a plausible time. */
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM schema_migrations", NULL),
                     mns_migrations_count);
    query_text(fx->st, "SELECT name FROM schema_migrations WHERE version = 1", name, sizeof(name));
    assert_string_equal(name, mns_migrations[0].name);
    assert_true(query_int(fx->st, "SELECT MIN(applied_at) FROM schema_migrations", NULL) >
                1600000000000);
}

static void test_migrate_twice_is_noop(void **state)
{
    struct fx *fx = *state;
    mns_errmsg em = {{0}};
    int64_t applied;
    int v = -1;

    open_fx(fx);
    migrate_fx(fx);
    applied = query_int(fx->st, "SELECT SUM(applied_at) FROM schema_migrations", NULL);
    assert_int_equal(insert_tenant(fx->st, "keep_me"), MNS_OK);

    /* Re-running step 1 would fail ("table meta already exists"). */
    usleep(2000);
    assert_int_equal(mns_store_migrate(fx->st, &v, &em), MNS_OK);
    assert_int_equal(v, mns_migrations_count);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM schema_migrations", NULL),
                     mns_migrations_count);
    assert_int_equal(query_int(fx->st, "SELECT SUM(applied_at) FROM schema_migrations", NULL),
                     applied);
    assert_int_equal(count_tenants(fx->st), 1);

    /* And after reopening. */
    mns_store_close(fx->st);
    open_fx(fx);
    assert_int_equal(mns_store_schema_version(fx->st, &v), MNS_OK);
    assert_int_equal(v, mns_migrations_count);
    migrate_fx(fx);
    assert_int_equal(count_tenants(fx->st), 1);
}

static void test_pragmas_in_force(void **state)
{
    struct fx *fx = *state;
    char mode[16];

    open_fx(fx);
    query_text(fx->st, "PRAGMA journal_mode", mode, sizeof(mode));
    assert_string_equal(mode, "wal");
    /* NORMAL: commits are made durable by mns_store_sync (test_sync_*) */
    assert_int_equal(query_int(fx->st, "PRAGMA synchronous", NULL), 1);
    assert_int_equal(query_int(fx->st, "PRAGMA secure_delete", NULL), 1);
    assert_int_equal(query_int(fx->st, "PRAGMA foreign_keys", NULL), 1);
    assert_int_equal(query_int(fx->st, "PRAGMA busy_timeout", NULL), 5000);
    assert_int_equal(query_int(fx->st, "PRAGMA temp_store", NULL), 2);    /* MEMORY */
    assert_int_equal(query_int(fx->st, "PRAGMA cell_size_check", NULL), 1);
    assert_int_equal(query_int(fx->st, "PRAGMA trusted_schema", NULL), 0);
    assert_int_equal(query_int(fx->st, "PRAGMA cache_size", NULL), -8192); /* KiB */
    /* SQLite's global tally of its memory is off (it took a mutex on every
     * allocation); were it on, the open connection's memory would show */
    sqlite3_int64 used = -1, peak = -1;
    assert_int_equal(sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &used, &peak, 0), SQLITE_OK);
    assert_int_equal(used, 0);

    /* WAL is persistent: a fresh connection finds it in the file. */
    mns_store_close(fx->st);
    open_fx(fx);
    query_text(fx->st, "PRAGMA journal_mode", mode, sizeof(mode));
    assert_string_equal(mode, "wal");
}

static void test_files_are_0600(void **state)
{
    struct fx *fx = *state;
    char wal[PATH_MAX + 80], shm[PATH_MAX + 80], loose[PATH_MAX + 80], loose_wal[PATH_MAX + 80];
    mode_t old = umask(022); /* what SQLite alone would turn into 0644 */
    struct mns_store *st2;
    int fd;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(insert_tenant(fx->st, "t1"), MNS_OK);
    snprintf(wal, sizeof(wal), "%s-wal", fx->path);
    snprintf(shm, sizeof(shm), "%s-shm", fx->path);
    assert_int_equal(file_mode(fx->path), 0600);
    assert_int_equal(file_mode(wal), 0600);
    assert_int_equal(file_mode(shm), 0600);

    /* An existing store and WAL file readable by others are tightened. */
    snprintf(loose, sizeof(loose), "%s/loose.db", fx->dir);
    snprintf(loose_wal, sizeof(loose_wal), "%s/loose.db-wal", fx->dir);
    fd = open(loose, O_RDWR | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    close(fd);
    fd = open(loose_wal, O_RDWR | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(file_mode(loose), 0644);
    st2 = open_url(loose);
    umask(old);
    assert_int_equal(file_mode(loose), 0600);
    assert_int_equal(file_mode(loose_wal), 0600);
    mns_store_close(st2);
}

static void test_open_missing_directory(void **state)
{
    struct fx *fx = *state;
    struct mns_store *st = (struct mns_store *)fx; /* must be overwritten */
    mns_errmsg em = {{0}};
    char url[PATH_MAX + 128], dir[PATH_MAX + 32];
    struct stat sb;

    snprintf(dir, sizeof(dir), "%s/no_such_dir", fx->dir);
    snprintf(url, sizeof(url), "sqlite:%s/mnsafe.db", dir);
    assert_int_equal(mns_store_open(&st, url, &em), MNS_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(em.text, "directory does not exist"));
    assert_non_null(strstr(em.text, "no_such_dir"));
    assert_int_not_equal(stat(dir, &sb), 0);
}

static void test_open_urls(void **state)
{
    struct fx *fx = *state;
    struct mns_store *st = NULL;
    mns_errmsg em = {{0}};

    /* A bare path is SQLite too, and reaches the same file. */
    st = open_url(fx->url);
    exec_ok(st, "CREATE TABLE marker (x INTEGER)");
    mns_store_close(st);
    st = open_url(fx->path);
    assert_string_equal(mns_store_backend(st), "sqlite");
    assert_int_equal(query_int(st, "SELECT COUNT(*) FROM sqlite_master WHERE name = ?", "marker"), 1);
    mns_store_close(st);

    st = NULL;
    /* a PostgreSQL URL goes to libpq: nobody listens on port 1 */
    assert_int_equal(mns_store_open(&st, "postgresql://127.0.0.1:1/mnsafe?connect_timeout=2", &em), MNS_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(em.text, "PostgreSQL"));
    assert_int_equal(mns_store_open(&st, "https://example.com/x.db", &em), MNS_ERR_INVALID);
    assert_int_equal(mns_store_open(&st, "sqlite:", &em), MNS_ERR_INVALID);
    assert_int_equal(mns_store_open(&st, "sqlite::memory:", &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "memory"));
    /* A directory is not a store file. */
    assert_int_equal(mns_store_open(&st, fx->dir, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "not a regular file"));
    assert_null(st);
    assert_int_equal(mns_store_open(&st, NULL, &em), MNS_ERR_INVALID);
}

static void test_newer_schema_refused(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *s = NULL;
    mns_errmsg em = {{0}};
    int v = -1;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(mns_store_prepare(fx->st, &s,
                                       "INSERT INTO schema_migrations (version, name, applied_at) "
                                       "VALUES (?, 'from the future', 0)"),
                     MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, mns_migrations_count + 5), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);
    mns_store_close(fx->st);

    open_fx(fx);
    assert_int_equal(mns_store_schema_version(fx->st, &v), MNS_OK);
    assert_int_equal(v, mns_migrations_count + 5);
    v = -1;
    assert_int_equal(mns_store_migrate(fx->st, &v, &em), MNS_ERR_STATE);
    assert_int_equal(v, 0);
    assert_non_null(strstr(em.text, "newer"));
    assert_non_null(strstr(em.text, "upgrade mnsafe"));
    assert_non_null(strstr(mns_store_errmsg(fx->st), "newer"));
    /* Nothing was written, no transaction left open. */
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM schema_migrations", NULL),
                     mns_migrations_count + 1);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    mns_store_rollback(fx->st);
}

/* ---- values -------------------------------------------------------------- */

static void test_roundtrip_values(void **state)
{
    struct fx *fx = *state;
    static const int64_t ints[] = {INT64_MIN, -1, 0, -((INT64_C(1) << 53) + 3),
                                   (INT64_C(1) << 53) + 1, INT64_MAX};
    static const char text[] = "個人番号の保管テスト「ＡＢＣ」𠮷";
    static const unsigned char blob[] = {0x00, 'a', 0x00, 0xff, 0x00, 0x80};
    struct mns_stmt *s = NULL;
    const unsigned char *b;
    const char *t;
    bool row = false;
    size_t n, len = 99;

    open_fx(fx);
    exec_ok(fx->st, "CREATE TABLE v (id INTEGER PRIMARY KEY, i INTEGER, s TEXT, b BLOB)");
    n = sizeof(ints) / sizeof(ints[0]);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO v (id, i, s, b) VALUES (?, ?, ?, ?)"),
                         MNS_OK);
        assert_int_equal(mns_stmt_bind_int64(s, 1, (int64_t)k + 1), MNS_OK);
        assert_int_equal(mns_stmt_bind_int64(s, 2, ints[k]), MNS_OK);
        assert_int_equal(mns_stmt_bind_text(s, 3, text, -1), MNS_OK);
        assert_int_equal(mns_stmt_bind_blob(s, 4, blob, sizeof(blob)), MNS_OK);
        assert_int_equal(mns_stmt_run(s), MNS_OK);
        assert_int_equal(mns_stmt_changes(s), 1);
    }
    /* NULLs; then empty (not NULL) text and blob, and a text cut by length. */
    assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO v (id, i, s, b) VALUES (?, ?, ?, ?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, 100), MNS_OK);
    assert_int_equal(mns_stmt_bind_null(s, 2), MNS_OK);
    assert_int_equal(mns_stmt_bind_null(s, 3), MNS_OK);
    assert_int_equal(mns_stmt_bind_null(s, 4), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);
    assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO v (id, i, s, b) VALUES (?, ?, ?, ?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, 101), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 2, 7), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 3, "", 0), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 4, NULL, 0), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);
    assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO v (id, i, s, b) VALUES (?, ?, ?, ?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, 102), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 2, 8), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 3, "abcdef", 3), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 4, blob, 1), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);

    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT i, s, b, typeof(b) FROM v ORDER BY id"), MNS_OK);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
        assert_true(row);
        assert_true(mns_stmt_int64(s, 0) == ints[k]);
        assert_false(mns_stmt_is_null(s, 0));
        assert_string_equal(mns_stmt_text(s, 1), text);
        b = mns_stmt_blob(s, 2, &len);
        assert_int_equal(len, sizeof(blob));
        assert_memory_equal(b, blob, sizeof(blob));
        assert_string_equal(mns_stmt_text(s, 3), "blob");
    }
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK); /* the NULL row */
    assert_true(row);
    for (int c = 0; c < 3; c++)
        assert_true(mns_stmt_is_null(s, c));
    assert_null(mns_stmt_text(s, 1));
    assert_null(mns_stmt_blob(s, 2, &len));
    assert_int_equal(len, 0);
    assert_int_equal(mns_stmt_int64(s, 0), 0);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK); /* the empty row */
    assert_true(row);
    assert_false(mns_stmt_is_null(s, 1));
    assert_false(mns_stmt_is_null(s, 2));
    assert_string_equal(mns_stmt_text(s, 1), "");
    len = 99;
    assert_non_null(mns_stmt_blob(s, 2, &len));
    assert_int_equal(len, 0);
    assert_string_equal(mns_stmt_text(s, 3), "blob");
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK); /* the cut row */
    assert_true(row);
    assert_string_equal(mns_stmt_text(s, 1), "abc");
    b = mns_stmt_blob(s, 2, &len);
    assert_int_equal(len, 1);
    assert_int_equal(b[0], 0);
    /* Out-of-range columns are harmless. */
    assert_null(mns_stmt_text(s, 9));
    assert_int_equal(mns_stmt_int64(s, -1), 0);
    assert_true(mns_stmt_is_null(s, 4));
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_false(row);
    /* No row: accessors give nothing. */
    assert_null(mns_stmt_text(s, 1));
    assert_int_equal(mns_stmt_changes(s), 0);

    /* Values come back through a WHERE on the bound value, too. */
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT COUNT(*) FROM v WHERE i = ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, (INT64_C(1) << 53) + 1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    assert_int_equal(mns_stmt_int64(s, 0), 1);
    mns_stmt_reset(s);
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT COUNT(*) FROM v WHERE b = ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 1, blob, sizeof(blob)), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_int_equal(mns_stmt_int64(s, 0), (int64_t)n);
    mns_stmt_reset(s);

    /* Bind errors. */
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 2, 1), MNS_ERR_INVALID);
    assert_int_equal(mns_stmt_bind_int64(s, 0, 1), MNS_ERR_INVALID);
    assert_int_equal(mns_stmt_bind_text(s, 1, NULL, 0), MNS_ERR_INVALID);
    assert_int_equal(mns_stmt_bind_blob(s, 1, NULL, 3), MNS_ERR_INVALID);
    t = mns_store_errmsg(fx->st);
    assert_true(t[0] != '\0');
    mns_stmt_reset(s);
}

static void test_returning(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *s = NULL;
    bool row = false;
    int64_t id1, rows = 0;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(mns_store_prepare(fx->st, &s,
                                       "INSERT INTO tenants (code, name, created_at) VALUES (?, ?, ?) "
                                       "RETURNING id, code"),
                     MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, "acme", -1), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 2, "アクメ株式会社", -1), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 3, 1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    id1 = mns_stmt_int64(s, 0);
    assert_true(id1 > 0);
    assert_string_equal(mns_stmt_text(s, 1), "acme");
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_false(row);
    assert_int_equal(mns_stmt_changes(s), 1);
    assert_int_equal(query_int(fx->st, "SELECT id FROM tenants WHERE code = ?", "acme"), id1);

    assert_int_equal(insert_tenant(fx->st, "second"), MNS_OK);
    assert_int_equal(mns_store_prepare(fx->st, &s, "UPDATE tenants SET name = ? RETURNING id"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, "改名", -1), MNS_OK);
    for (;;) {
        assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
        if (!row)
            break;
        rows++;
    }
    assert_int_equal(rows, 2);
    assert_int_equal(mns_stmt_changes(s), 2);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants WHERE name = ?", "改名"), 2);

    /* run expects no row */
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT 1"), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_ERR_INTERNAL);
}

/* ---- errors -------------------------------------------------------------- */

static void test_unique_violation_and_savepoint(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *s = NULL;
    const char *msg;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, "dup_secret_7391"), MNS_OK);
    assert_int_equal(mns_store_savepoint(fx->st, "before_dup"), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, "after_savepoint"), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, "dup_secret_7391"), MNS_ERR_EXISTS);
    msg = mns_store_errmsg(fx->st);
    assert_non_null(strstr(msg, "UNIQUE"));
    assert_null(strstr(msg, "dup_secret_7391")); /* never a bound value */
    assert_null(strstr(msg, "株式会社"));

    mns_store_rollback_to(fx->st, "before_dup");
    assert_int_equal(mns_store_release(fx->st, "before_dup"), MNS_OK);
    assert_int_equal(count_tenants(fx->st), 1); /* "after_savepoint" undone */
    assert_int_equal(insert_tenant(fx->st, "other"), MNS_OK);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    assert_int_equal(count_tenants(fx->st), 2);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants WHERE code = ?", "after_savepoint"), 0);

    /* A primary key clash is MNS_ERR_EXISTS as well. */
    exec_ok(fx->st, "INSERT INTO meta (key, value) VALUES ('store_id', x'01')");
    assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO meta (key, value) VALUES (?, ?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, "store_id", -1), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 2, "\x02", 1), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_ERR_EXISTS);
}

static void test_foreign_key_violation(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *s = NULL;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(mns_store_prepare(fx->st, &s,
                                       "INSERT INTO tenant_keys (tenant_id, version, wrapped, created_at) "
                                       "VALUES (?, 1, ?, 0)"),
                     MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, 424242), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 2, "k", 1), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_ERR_STORE);
    assert_non_null(strstr(mns_store_errmsg(fx->st), "FOREIGN KEY"));
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenant_keys", NULL), 0);

    /* ON DELETE CASCADE works, so foreign keys are really on. */
    exec_ok(fx->st, "INSERT INTO users (id, name, role, pwhash, created_at) "
                    "VALUES (1, 'u', 'clerk', 'x', 0)");
    exec_ok(fx->st, "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at) "
                    "VALUES (x'00', 1, 0, 0, 0)");
    exec_ok(fx->st, "DELETE FROM users WHERE id = 1");
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM sessions", NULL), 0);
}

static void test_disk_full_is_named(void **state)
{
    struct fx *fx = *state;
    static unsigned char big[256 * 1024];
    struct mns_stmt *s = NULL;
    char sql[64];

    open_fx(fx);
    exec_ok(fx->st, "CREATE TABLE big (b BLOB)");
    snprintf(sql, sizeof(sql), "PRAGMA max_page_count = %lld",
             (long long)query_int(fx->st, "PRAGMA page_count", NULL) + 4);
    exec_ok(fx->st, sql);
    assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO big (b) VALUES (?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 1, big, sizeof(big)), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_ERR_FULL);
    assert_non_null(strstr(mns_store_errmsg(fx->st), "full"));
}

static void test_busy_is_store_error(void **state)
{
    struct fx *fx = *state;
    struct mns_store *other;

    open_fx(fx);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    /* A second handle in the same process: opening it must not disturb the
     * first one's locks (no open/close of a file SQLite holds). */
    other = open_url(fx->url);
    exec_ok(other, "PRAGMA busy_timeout = 0");
    assert_int_equal(mns_store_begin(other), MNS_ERR_STORE);
    assert_non_null(strstr(mns_store_errmsg(other), "locked"));
    mns_store_rollback(fx->st);
    assert_int_equal(mns_store_begin(other), MNS_OK);
    assert_int_equal(mns_store_commit(other), MNS_OK);
    mns_store_close(other);
}

static void test_prepare_and_exec_errors(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *s = (struct mns_stmt *)fx;
    mns_errmsg em = {{0}};

    open_fx(fx);
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELEKT 1"), MNS_ERR_STORE);
    assert_null(s);
    assert_non_null(strstr(mns_store_errmsg(fx->st), "syntax error"));
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT * FROM no_such_table"), MNS_ERR_STORE);
    assert_non_null(strstr(mns_store_errmsg(fx->st), "no such table"));
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT 1; SELECT 2"), MNS_ERR_INVALID);
    assert_int_equal(mns_store_prepare(fx->st, &s, "  \n "), MNS_ERR_INVALID);
    assert_int_equal(mns_store_prepare(fx->st, &s, NULL), MNS_ERR_INVALID);
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT 1;\n"), MNS_OK);
    assert_non_null(s);
    mns_stmt_reset(s);

    assert_int_equal(mns_store_exec(fx->st, "CREATE TABLE a (x); CREATE TABLE b (y)", &em), MNS_OK);
    assert_int_equal(mns_store_exec(fx->st, "CREATE TABLE a (x)", &em), MNS_ERR_STORE);
    assert_non_null(strstr(em.text, "already exists"));
}

/* ---- transactions -------------------------------------------------------- */

static void test_rollback_discards(void **state)
{
    struct fx *fx = *state;

    open_fx(fx);
    migrate_fx(fx);
    /* Safe without a transaction, any number of times. */
    mns_store_rollback(fx->st);
    mns_store_rollback(fx->st);
    mns_store_rollback_to(fx->st, "nothing");
    assert_int_equal(mns_store_commit(fx->st), MNS_ERR_STATE);

    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(mns_store_begin(fx->st), MNS_ERR_STATE);
    assert_int_equal(insert_tenant(fx->st, "gone"), MNS_OK);
    assert_int_equal(count_tenants(fx->st), 1);
    mns_store_rollback(fx->st);
    assert_int_equal(count_tenants(fx->st), 0);
    mns_store_rollback(fx->st);

    /* And the same through close/reopen: an open transaction is not kept. */
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, "gone_too"), MNS_OK);
    mns_store_close(fx->st);
    open_fx(fx);
    assert_int_equal(count_tenants(fx->st), 0);
}

static void test_commit_persists(void **state)
{
    struct fx *fx = *state;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, "kept"), MNS_OK);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    mns_store_close(fx->st);
    fx->st = NULL;

    open_fx(fx);
    assert_int_equal(count_tenants(fx->st), 1);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants WHERE code = ?", "kept"), 1);
}

static void *sync_thread(void *arg)
{
    return (void *)(intptr_t)mns_store_sync(arg);
}

/* Group commit: commit_unsynced makes the transaction visible at once, and
 * mns_store_sync may run on another thread while the connection goes on
 * with the next transaction; both survive a reopen. */
static void test_sync_outside_the_connection_thread(void **state)
{
    struct fx *fx = *state;
    struct mns_store *other = NULL;
    mns_errmsg em;
    pthread_t t;
    void *ret;

    open_fx(fx);
    migrate_fx(fx);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, "first"), MNS_OK);
    assert_int_equal(mns_store_commit_unsynced(fx->st), MNS_OK);
    /* committed: another connection sees it before any sync */
    assert_int_equal(mns_store_open(&other, fx->url, &em), MNS_OK);
    assert_int_equal(query_int(other, "SELECT COUNT(*) FROM tenants WHERE code = ?", "first"), 1);
    mns_store_close(other);

    for (int i = 0; i < 20; i++) {
        char code[16];
        snprintf(code, sizeof(code), "t%d", i);
        assert_int_equal(pthread_create(&t, NULL, sync_thread, fx->st), 0);
        assert_int_equal(mns_store_begin(fx->st), MNS_OK);
        assert_int_equal(insert_tenant(fx->st, code), MNS_OK);
        assert_int_equal(mns_store_commit_unsynced(fx->st), MNS_OK);
        assert_int_equal(pthread_join(t, &ret), 0);
        assert_int_equal((intptr_t)ret, MNS_OK);
    }
    assert_int_equal(mns_store_sync(fx->st), MNS_OK);
    mns_store_close(fx->st);
    fx->st = NULL;
    open_fx(fx);
    assert_int_equal(count_tenants(fx->st), 1 + 20);
}

static void test_failed_commit_rolls_back(void **state)
{
    struct fx *fx = *state;

    open_fx(fx);
    exec_ok(fx->st, "CREATE TABLE parent (id INTEGER PRIMARY KEY);"
                    "CREATE TABLE child (pid INTEGER REFERENCES parent(id) "
                    "DEFERRABLE INITIALLY DEFERRED)");
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    exec_ok(fx->st, "INSERT INTO child (pid) VALUES (9)"); /* checked at commit */
    assert_int_equal(mns_store_commit(fx->st), MNS_ERR_STORE);
    assert_non_null(strstr(mns_store_errmsg(fx->st), "FOREIGN KEY"));
    /* No transaction is left open, and nothing was kept. */
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM child", NULL), 0);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
}

static void test_savepoint_names(void **state)
{
    struct fx *fx = *state;
    char longname[MNS_STORE_SAVEPOINT_MAX + 2];

    open_fx(fx);
    assert_int_equal(mns_store_savepoint(fx->st, "sp"), MNS_ERR_STATE); /* no transaction */
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(mns_store_savepoint(fx->st, ""), MNS_ERR_INVALID);
    assert_int_equal(mns_store_savepoint(fx->st, NULL), MNS_ERR_INVALID);
    assert_int_equal(mns_store_savepoint(fx->st, "Upper"), MNS_ERR_INVALID);
    assert_int_equal(mns_store_savepoint(fx->st, "x; DROP TABLE meta"), MNS_ERR_INVALID);
    assert_int_equal(mns_store_savepoint(fx->st, "sp1"), MNS_ERR_INVALID);
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    assert_int_equal(mns_store_savepoint(fx->st, longname), MNS_ERR_INVALID);
    longname[sizeof(longname) - 2] = '\0';
    assert_int_equal(mns_store_savepoint(fx->st, longname), MNS_OK);
    assert_int_equal(mns_store_savepoint(fx->st, "inner_point"), MNS_OK);
    assert_int_equal(mns_store_release(fx->st, "inner_point"), MNS_OK);
    assert_int_equal(mns_store_release(fx->st, "inner_point"), MNS_ERR_STORE); /* gone */
    assert_int_equal(mns_store_release(fx->st, longname), MNS_OK);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
}

/* ---- statement cache ----------------------------------------------------- */

static void test_cache_returns_reset_statement(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *s1 = NULL, *s2 = NULL;
    bool row = false;

    open_fx(fx);
    exec_ok(fx->st, "CREATE TABLE n (x INTEGER); INSERT INTO n VALUES (1), (2), (3)");
    assert_int_equal(mns_store_prepare(fx->st, &s1, "SELECT x FROM n ORDER BY x"), MNS_OK);
    assert_int_equal(mns_stmt_step(s1, &row), MNS_OK);
    assert_int_equal(mns_stmt_int64(s1, 0), 1);
    assert_int_equal(mns_stmt_step(s1, &row), MNS_OK);
    assert_int_equal(mns_stmt_int64(s1, 0), 2);

    assert_int_equal(mns_store_prepare(fx->st, &s2, "SELECT x FROM n ORDER BY x"), MNS_OK);
    assert_ptr_equal(s1, s2); /* cached */
    assert_null(mns_stmt_text(s2, 0)); /* no row current after prepare */
    assert_int_equal(mns_stmt_step(s2, &row), MNS_OK);
    assert_true(row);
    assert_int_equal(mns_stmt_int64(s2, 0), 1); /* from the start again */
    mns_stmt_reset(s2);
    assert_int_equal(mns_stmt_step(s2, &row), MNS_OK);
    assert_int_equal(mns_stmt_int64(s2, 0), 1);

    /* Bindings are cleared by prepare... */
    assert_int_equal(mns_store_prepare(fx->st, &s1, "SELECT ?, ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s1, 1, 42), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s1, 2, "secret", 6), MNS_OK);
    assert_int_equal(mns_store_prepare(fx->st, &s2, "SELECT ?, ?"), MNS_OK);
    assert_ptr_equal(s1, s2);
    assert_int_equal(mns_stmt_step(s2, &row), MNS_OK);
    assert_true(row);
    assert_true(mns_stmt_is_null(s2, 0));
    assert_true(mns_stmt_is_null(s2, 1));
    /* ...and binding on a statement with a current row is refused. */
    assert_int_equal(mns_stmt_bind_int64(s2, 1, 1), MNS_ERR_STATE);
    /* ...and by reset. */
    mns_stmt_reset(s2);
    assert_int_equal(mns_stmt_bind_int64(s2, 1, 42), MNS_OK);
    mns_stmt_reset(s2);
    assert_int_equal(mns_stmt_step(s2, &row), MNS_OK);
    assert_true(mns_stmt_is_null(s2, 0));
    mns_stmt_reset(s2);

    /* ...and as soon as a run is done: a bound secret does not outlive it. */
    assert_int_equal(mns_store_prepare(fx->st, &s1, "SELECT ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s1, 1, "secret", 6), MNS_OK);
    assert_int_equal(mns_stmt_step(s1, &row), MNS_OK);
    assert_true(row);
    assert_memory_equal(mns_stmt_blob(s1, 0, NULL), "secret", 6);
    assert_int_equal(mns_stmt_step(s1, &row), MNS_OK);
    assert_false(row);
    assert_int_equal(mns_stmt_step(s1, &row), MNS_OK); /* runs again, unbound */
    assert_true(row);
    assert_true(mns_stmt_is_null(s1, 0));
    mns_stmt_reset(s1);
}

static void test_more_statements_than_cache(void **state)
{
    struct fx *fx = *state;
    struct mns_stmt *held = NULL, *s = NULL;
    struct mns_stmt *pins[MNS_STORE_STMT_CACHE_MAX];
    const int many = 3 * MNS_STORE_STMT_CACHE_MAX;
    char sql[64];
    bool row = false;

    open_fx(fx);
    exec_ok(fx->st, "CREATE TABLE n (x INTEGER)");
    /* Bound but not yet run: must survive any number of other statements. */
    assert_int_equal(mns_store_prepare(fx->st, &held, "INSERT INTO n (x) VALUES (?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(held, 1, 1000), MNS_OK);

    for (int i = 0; i < many; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d + 0", i);
        assert_int_equal(mns_store_prepare(fx->st, &s, sql), MNS_OK);
        assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
        assert_true(row);
        assert_int_equal(mns_stmt_int64(s, 0), i);
        assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
        assert_false(row);
    }
    assert_int_equal(mns_stmt_run(held), MNS_OK);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM n WHERE x = 1000", NULL), 1);
    /* An evicted statement is simply prepared again. */
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT 0 + 0"), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    assert_int_equal(mns_stmt_int64(s, 0), 0);
    mns_stmt_reset(s);

    /* Every slot running (a row current): the cache refuses to grow. */
    for (int i = 0; i < MNS_STORE_STMT_CACHE_MAX; i++) {
        snprintf(sql, sizeof(sql), "SELECT %d, 'pinned'", i);
        assert_int_equal(mns_store_prepare(fx->st, &pins[i], sql), MNS_OK);
        assert_int_equal(mns_stmt_step(pins[i], &row), MNS_OK);
        assert_true(row);
    }
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT 'one too many'"), MNS_ERR_LIMIT);
    assert_null(s);
    /* The pinned ones are all intact. */
    for (int i = 0; i < MNS_STORE_STMT_CACHE_MAX; i++) {
        assert_int_equal(mns_stmt_int64(pins[i], 0), i);
        assert_string_equal(mns_stmt_text(pins[i], 1), "pinned");
    }
    mns_stmt_reset(pins[7]);
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT 'one too many'"), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_string_equal(mns_stmt_text(s, 0), "one too many");
    mns_stmt_reset(s);
    for (int i = 0; i < MNS_STORE_STMT_CACHE_MAX; i++)
        if (i != 7)
            mns_stmt_reset(pins[i]);
}

/* ---- the WAL's gathered writes (sqlite_vfs.c) ------------------------------ */

static void copy_file(const char *from, const char *to)
{
    static char buf[1 << 16];
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1;
    ssize_t n;

    if (in < 0)
        fail_msg("open(%s): %s", from, strerror(errno));
    out = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0)
        fail_msg("open(%s): %s", to, strerror(errno));
    while ((n = read(in, buf, sizeof(buf))) > 0)
        assert_int_equal(write(out, buf, (size_t)n), n);
    assert_int_equal(n, 0);
    close(in);
    close(out);
}

/*
 * What a crash right now would leave: the database file and its WAL as the
 * file system has them (not as the open connection sees them), opened as
 * another store, which recovers the WAL and keeps only transactions whose
 * commit frame is there with a good checksum. Returns that store.
 */
static struct mns_store *crash_image(struct fx *fx, int n)
{
    char db[PATH_MAX + 64], wal[PATH_MAX + 128], from_wal[PATH_MAX + 128], url[PATH_MAX + 128];

    snprintf(db, sizeof(db), "%s/crash%d.db", fx->dir, n);
    snprintf(wal, sizeof(wal), "%s-wal", db);
    snprintf(from_wal, sizeof(from_wal), "%s-wal", fx->path);
    copy_file(fx->path, db);
    copy_file(from_wal, wal);
    snprintf(url, sizeof(url), "sqlite:%s", db);
    return open_url(url);
}

/* The first bytes of every row's blob, in id order: what the rows hold. */
static char *fingerprint(struct mns_store *st)
{
    static const char sql[] = "SELECT coalesce(group_concat(hex(substr(b, 1, 4)) || hex(substr(b, -4)), ''), "
                              "'') FROM (SELECT b FROM big ORDER BY id)";
    size_t size = 1 << 20;
    char *buf = malloc(size);

    assert_non_null(buf);
    query_text(st, sql, buf, size);
    return buf;
}

static void insert_rows(struct mns_store *st, int rows, int bytes)
{
    char sql[256];

    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO big (b) SELECT randomblob(%d) FROM n",
             rows, bytes);
    exec_ok(st, sql);
}

/* The file system's copy equals what the connection sees, page for page. */
static void expect_crash_image_equal(struct fx *fx, int n, int64_t rows)
{
    struct mns_store *copy = crash_image(fx, n);
    char *want = fingerprint(fx->st), *got = fingerprint(copy), ok[16];

    assert_int_equal(query_int(copy, "SELECT COUNT(*) FROM big", NULL), rows);
    assert_string_equal(got, want);
    query_text(copy, "PRAGMA integrity_check", ok, sizeof(ok));
    assert_string_equal(ok, "ok");
    free(want);
    free(got);
    mns_store_close(copy);
}

/*
 * SQLite writes a WAL frame as two writes (header, page); the store's VFS
 * gathers a commit's frames into a few writes, and has every one of them in
 * the file when the commit returns: a copy of the files taken then (what a
 * crash would leave, once synced) holds the transaction. Also through a
 * transaction bigger than the page cache (frames spilled before the commit,
 * some rewritten in place and their checksums redone at the commit) and a
 * rolled-back one.
 */
static void test_wal_writes_gathered(void **state)
{
    struct fx *fx = *state;
    uint64_t asked0, made0, asked, made;

    open_fx(fx);
    exec_ok(fx->st, "CREATE TABLE big (id INTEGER PRIMARY KEY, b BLOB)");

    mns_sqlite_vfs_counts(&asked0, &made0);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    insert_rows(fx->st, 300, 3000); /* a page each */
    assert_int_equal(mns_store_commit_unsynced(fx->st), MNS_OK);
    mns_sqlite_vfs_counts(&asked, &made);
    /* two writes asked per frame, at least 300 frames; ~30 frames a write */
    assert_true(asked - asked0 >= 600);
    if ((made - made0) * 8 > asked - asked0)
        fail_msg("%llu writes asked, %llu made: not gathered", (unsigned long long)(asked - asked0),
                 (unsigned long long)(made - made0));
    expect_crash_image_equal(fx, 1, 300);

    /* 12 MB in one transaction: more than the 8 MiB cache, so pages spill
     * into the WAL before the commit, then the first rows change again */
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    insert_rows(fx->st, 4000, 3000);
    exec_ok(fx->st, "UPDATE big SET b = randomblob(3000) WHERE id % 7 = 0");
    assert_int_equal(mns_store_commit_unsynced(fx->st), MNS_OK);
    expect_crash_image_equal(fx, 2, 4300);

    /* a spilled transaction rolled back leaves nothing; the next commit
     * writes over its frames */
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    insert_rows(fx->st, 4000, 3000);
    mns_store_rollback(fx->st);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    insert_rows(fx->st, 10, 3000);
    assert_int_equal(mns_store_commit_unsynced(fx->st), MNS_OK);
    expect_crash_image_equal(fx, 3, 4310);
    assert_int_equal(mns_store_sync(fx->st), MNS_OK);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_migrate_creates_schema),
        T(test_migrate_twice_is_noop),
        T(test_pragmas_in_force),
        T(test_files_are_0600),
        T(test_open_missing_directory),
        T(test_open_urls),
        T(test_newer_schema_refused),
        T(test_roundtrip_values),
        T(test_returning),
        T(test_unique_violation_and_savepoint),
        T(test_foreign_key_violation),
        T(test_disk_full_is_named),
        T(test_busy_is_store_error),
        T(test_prepare_and_exec_errors),
        T(test_rollback_discards),
        T(test_commit_persists),
        T(test_sync_outside_the_connection_thread),
        T(test_failed_commit_rolls_back),
        T(test_savepoint_names),
        T(test_cache_returns_reset_statement),
        T(test_more_statements_than_cache),
        T(test_wal_writes_gathered),
    };
#undef T
    return cmocka_run_group_tests_name("store_sqlite", tests, NULL, NULL);
}
