/*
 * test_store_pg.c: the PostgreSQL backend of the store against a real
 * server (tests/pg/pg-server.sh, started by the ctest fixture pg.start; the
 * URL comes from the state file named by MNS_TEST_PG_STATE). Each test
 * works in a schema of its own, dropped afterwards.
 *
 * What is shown: the migrations run on PostgreSQL as they are; values of
 * every kind go in and come back unchanged; a duplicate key is
 * MNS_ERR_EXISTS and the error text quotes no value; transactions, savepoints
 * and a failed commit behave as on SQLite; a failed statement inside a
 * transaction is undone by rolling back to a savepoint; write transactions of
 * two connections run one after the other; more statements than the cache
 * holds; TLS with verify-full works, and refuses a foreign CA and a wrong
 * host name.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "test_util.h"

#include "mnsafe/store.h"
#include "store/migrations.h"
#include "store/store_internal.h" /* MNS_STORE_STMT_CACHE_MAX */

struct fx {
    char schema[48];
    char url[1024];
    struct mns_store *st;
};

/* A line KEY=... of the state file pg-server.sh wrote. */
static void state_value(const char *key, char *out, size_t size);

/* The server's URL (Unix socket) from the state file. */
static void base_url(char *out, size_t size)
{
    state_value("URL", out, size);
}

static void state_value(const char *key, char *out, size_t size)
{
    const char *state = getenv("MNS_TEST_PG_STATE");
    char line[900];
    FILE *f = NULL;

    out[0] = '\0';
    if (state == NULL || (f = fopen(state, "r")) == NULL) {
        fail_msg("no PostgreSQL test server: run this test through ctest (fixture pg.start), "
                 "MNS_TEST_PG_STATE=%s", state ? state : "(unset)");
        return;
    }
    size_t klen = strlen(key);
    while (fgets(line, sizeof(line), f) != NULL) {
        if (strncmp(line, key, klen) == 0 && line[klen] == '=') {
            line[strcspn(line, "\n")] = '\0';
            snprintf(out, size, "%s", line + klen + 1);
        }
    }
    fclose(f);
    if (out[0] == '\0')
        fail_msg("no %s= line in %s", key, state);
}

static struct mns_store *open_url(const char *url)
{
    struct mns_store *st = NULL;
    mns_errmsg em = {{0}};
    mns_err r = mns_store_open(&st, url, &em);
    if (r != MNS_OK)
        fail_msg("mns_store_open: %s: %s", mns_strerror(r), em.text);
    return st;
}

static void exec_ok(struct mns_store *st, const char *sql)
{
    mns_errmsg em = {{0}};
    mns_err r = mns_store_exec(st, sql, &em);
    if (r != MNS_OK)
        fail_msg("exec(%s): %s: %s", sql, mns_strerror(r), em.text);
}

static int setup(void **state)
{
    static atomic_int n;
    struct fx *fx = calloc(1, sizeof(*fx));
    char base[900], sql[200];
    if (fx == NULL)
        return -1;
    base_url(base, sizeof(base));
    snprintf(fx->schema, sizeof(fx->schema), "t_%ld_%d", (long)getpid(), atomic_fetch_add(&n, 1));
    struct mns_store *admin = open_url(base);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", fx->schema, fx->schema);
    exec_ok(admin, sql);
    mns_store_close(admin);
    snprintf(fx->url, sizeof(fx->url), "%s&options=-csearch_path%%3D%s", base, fx->schema);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    char base[900], sql[128];
    mns_store_close(fx->st);
    base_url(base, sizeof(base));
    struct mns_store *admin = open_url(base);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", fx->schema);
    exec_ok(admin, sql);
    mns_store_close(admin);
    free(fx);
    return 0;
}

static void migrate(struct mns_store *st)
{
    mns_errmsg em = {{0}};
    int v = -1;
    mns_err r = mns_store_migrate(st, &v, &em);
    if (r != MNS_OK)
        fail_msg("migrate: %s: %s", mns_strerror(r), em.text);
    assert_int_equal(v, mns_migrations_count);
}

static int64_t query_int(struct mns_store *st, const char *sql)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    assert_int_equal(mns_store_prepare(st, &s, sql), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    int64_t v = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return v;
}

static mns_err insert_tenant(struct mns_store *st, int64_t id, const char *code)
{
    struct mns_stmt *s = NULL;
    mns_err r;
    if ((r = mns_store_prepare(st, &s, "INSERT INTO tenants (id, code, name, created_at) VALUES (?, ?, ?, ?)")) !=
            MNS_OK ||
        (r = mns_stmt_bind_int64(s, 1, id)) != MNS_OK || (r = mns_stmt_bind_text(s, 2, code, -1)) != MNS_OK ||
        (r = mns_stmt_bind_text(s, 3, "株式会社テスト", -1)) != MNS_OK ||
        (r = mns_stmt_bind_int64(s, 4, 1700000000000)) != MNS_OK)
        return r;
    return mns_stmt_run(s);
}

/* ---- tests --------------------------------------------------------------- */

static void test_migrate_on_postgresql(void **state)
{
    struct fx *fx = *state;
    int v = -1;
    fx->st = open_url(fx->url);
    assert_string_equal(mns_store_backend(fx->st), "postgresql");
    assert_int_equal(mns_store_schema_version(fx->st, &v), MNS_OK);
    assert_int_equal(v, 0);
    migrate(fx->st);
    migrate(fx->st); /* again: nothing to do */
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM schema_migrations"), mns_migrations_count);
    /* the portable DDL became PostgreSQL types */
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
                                       "current_schema() AND table_name = 'persons' AND column_name = 'number_bidx' "
                                       "AND data_type = 'bytea'"),
                     1);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
                                       "current_schema() AND table_name = 'persons' AND column_name = 'id' "
                                       "AND data_type = 'bigint'"),
                     1);
}

static void test_values_round_trip(void **state)
{
    struct fx *fx = *state;
    static const uint8_t blob[] = {0x00, 0x01, 0xff, 0x00, 0x5c, 0x78, 0x27};
    struct mns_stmt *s = NULL;
    bool row = false;
    size_t n = 0;

    fx->st = open_url(fx->url);
    exec_ok(fx->st, "CREATE TABLE v (i BIGINT, t TEXT, b BYTEA, z TEXT)");
    assert_int_equal(mns_store_prepare(fx->st, &s, "INSERT INTO v (i, t, b, z) VALUES (?, ?, ?, ?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, INT64_MIN + 1), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 2, "氏名 'quoted' ?", -1), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 3, blob, sizeof(blob)), MNS_OK);
    assert_int_equal(mns_stmt_bind_null(s, 4), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);
    assert_int_equal(mns_stmt_changes(s), 1);

    /* ?N placeholders, used twice, and a literal '?' left alone */
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT i, t, b, z, ?1 + ?1, '?' FROM v WHERE t = ?2"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, 21), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 2, "氏名 'quoted' ?", -1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    assert_true(mns_stmt_int64(s, 0) == INT64_MIN + 1);
    assert_string_equal(mns_stmt_text(s, 1), "氏名 'quoted' ?");
    const uint8_t *b = mns_stmt_blob(s, 2, &n);
    assert_int_equal(n, sizeof(blob));
    assert_memory_equal(b, blob, sizeof(blob));
    assert_true(mns_stmt_is_null(s, 3));
    assert_null(mns_stmt_text(s, 3));
    assert_int_equal(mns_stmt_int64(s, 4), 42);
    assert_string_equal(mns_stmt_text(s, 5), "?");
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_false(row);

    /* two bytea columns of one row stay valid together, as on SQLite */
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT b, i, b FROM v"), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    size_t n1 = 0, n2 = 0;
    const uint8_t *b1 = mns_stmt_blob(s, 0, &n1), *b2 = mns_stmt_blob(s, 2, &n2);
    assert_int_equal(n1, sizeof(blob));
    assert_int_equal(n2, sizeof(blob));
    assert_memory_equal(b1, blob, sizeof(blob));
    assert_memory_equal(b2, blob, sizeof(blob));
    mns_stmt_reset(s);

    /* a comparison answers 1 or 0, as on SQLite */
    assert_int_equal(query_int(fx->st, "SELECT 2 > 1"), 1);
    assert_int_equal(query_int(fx->st, "SELECT 2 < 1"), 0);
}

static void test_duplicate_key_quotes_no_value(void **state)
{
    struct fx *fx = *state;
    fx->st = open_url(fx->url);
    migrate(fx->st);
    assert_int_equal(insert_tenant(fx->st, 1, "secret-code-4711"), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, 2, "secret-code-4711"), MNS_ERR_EXISTS);
    assert_null(strstr(mns_store_errmsg(fx->st), "4711"));
    assert_non_null(strstr(mns_store_errmsg(fx->st), "23505"));

    /* a data exception quotes its input in PostgreSQL's message: not here */
    struct mns_stmt *s = NULL;
    bool row;
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT CAST(? AS BIGINT)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, "123456789018-not-a-number", -1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_ERR_STORE);
    assert_null(strstr(mns_store_errmsg(fx->st), "123456789018"));
    assert_non_null(strstr(mns_store_errmsg(fx->st), "22P02"));
}

static void test_transactions_and_savepoints(void **state)
{
    struct fx *fx = *state;
    fx->st = open_url(fx->url);
    migrate(fx->st);

    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_true(mns_store_in_transaction(fx->st));
    assert_int_equal(mns_store_begin(fx->st), MNS_ERR_STATE); /* no nesting */
    assert_int_equal(insert_tenant(fx->st, 1, "gone"), MNS_OK);
    mns_store_rollback(fx->st);
    assert_false(mns_store_in_transaction(fx->st));
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants"), 0);

    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, 1, "kept"), MNS_OK);
    assert_int_equal(mns_store_savepoint(fx->st, "act"), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, 2, "undone"), MNS_OK);
    /* a failed statement aborts a PostgreSQL transaction: the savepoint
     * brings it back, as the vault's acts rely on */
    assert_int_equal(insert_tenant(fx->st, 3, "kept"), MNS_ERR_EXISTS);
    mns_store_rollback_to(fx->st, "act");
    assert_int_equal(mns_store_release(fx->st, "act"), MNS_OK);
    assert_int_equal(insert_tenant(fx->st, 4, "after"), MNS_OK);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants"), 2);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants WHERE code = 'undone'"), 0);

    /* reopened: committed rows are there */
    mns_store_close(fx->st);
    fx->st = open_url(fx->url);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants"), 2);
}

static void test_failed_commit_rolls_back(void **state)
{
    struct fx *fx = *state;
    fx->st = open_url(fx->url);
    exec_ok(fx->st, "CREATE TABLE parent (id BIGINT PRIMARY KEY);"
                    "CREATE TABLE child (pid BIGINT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)");
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    exec_ok(fx->st, "INSERT INTO child (pid) VALUES (9)"); /* checked at commit */
    assert_int_equal(mns_store_commit(fx->st), MNS_ERR_STORE);
    assert_false(mns_store_in_transaction(fx->st));
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM child"), 0);

    /* a transaction that failed earlier: COMMIT answers ROLLBACK, which is a failure */
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    exec_ok(fx->st, "INSERT INTO parent (id) VALUES (1)");
    mns_errmsg em = {{0}};
    assert_int_not_equal(mns_store_exec(fx->st, "INSERT INTO parent (id) VALUES (1)", &em), MNS_OK);
    assert_int_equal(mns_store_commit(fx->st), MNS_ERR_STORE);
    assert_false(mns_store_in_transaction(fx->st));
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM parent"), 0);
}

static void test_more_statements_than_cache(void **state)
{
    struct fx *fx = *state;
    char sql[64];
    fx->st = open_url(fx->url);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < MNS_STORE_STMT_CACHE_MAX + 20; i++) {
            snprintf(sql, sizeof(sql), "SELECT %d + ?", i);
            struct mns_stmt *s = NULL;
            bool row = false;
            assert_int_equal(mns_store_prepare(fx->st, &s, sql), MNS_OK);
            assert_int_equal(mns_stmt_bind_int64(s, 1, 1000), MNS_OK);
            assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
            assert_true(row);
            assert_int_equal(mns_stmt_int64(s, 0), i + 1000);
            mns_stmt_reset(s);
        }
    }
    /* the same statement with another type bound is prepared again */
    struct mns_stmt *s = NULL;
    bool row = false;
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT ? IS NULL"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, 5), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_int_equal(mns_stmt_int64(s, 0), 0);
    mns_stmt_reset(s);
    assert_int_equal(mns_store_prepare(fx->st, &s, "SELECT ? IS NULL"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, "x", -1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_int_equal(mns_stmt_int64(s, 0), 0);
    mns_stmt_reset(s);
}

struct writer {
    const char *url;
    atomic_int *order;
    int began_at;
    mns_err err;
};

static void *second_writer(void *arg)
{
    struct writer *w = arg;
    struct mns_store *st = open_url(w->url);
    w->err = mns_store_begin(st); /* waits for the first writer's commit */
    w->began_at = atomic_fetch_add(w->order, 1);
    if (w->err == MNS_OK)
        w->err = insert_tenant(st, 2, "second");
    if (w->err == MNS_OK)
        w->err = mns_store_commit(st);
    mns_store_close(st);
    return NULL;
}

/* Write transactions run one at a time, across connections (and servers). */
static void test_writers_one_at_a_time(void **state)
{
    struct fx *fx = *state;
    atomic_int order = 0;
    struct writer w = {.url = fx->url, .order = &order};
    pthread_t t;
    fx->st = open_url(fx->url);
    migrate(fx->st);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_int_equal(pthread_create(&t, NULL, second_writer, &w), 0);
    struct timespec pause = {0, 300 * 1000 * 1000};
    nanosleep(&pause, NULL); /* the second writer is waiting by now, or will wait */
    assert_int_equal(insert_tenant(fx->st, 1, "first"), MNS_OK);
    int committed_at = atomic_fetch_add(&order, 1);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(w.err, MNS_OK);
    assert_true(committed_at < w.began_at);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants"), 2);
}

/* TLS to the database with certificate and host name checks (check sheet
 * F-d optional 1), and the refusals when either check fails. */
static void test_tls_verify_full(void **state)
{
    (void)state;
    char url[900], ca[700], other[700], port[16], bad[1200];
    struct mns_store *st = NULL;
    mns_errmsg em = {{0}};

    state_value("TLS_URL", url, sizeof(url));
    state_value("CA", ca, sizeof(ca));
    state_value("OTHER_CA", other, sizeof(other));
    state_value("PORT", port, sizeof(port));
    assert_non_null(strstr(url, "sslmode=verify-full"));
    st = open_url(url);
    assert_int_equal(query_int(st, "SELECT CASE WHEN ssl THEN 1 ELSE 0 END FROM pg_stat_ssl WHERE pid = pg_backend_pid()"),
                     1);
    assert_int_equal(query_int(st, "SELECT 6 * 7"), 42);
    mns_store_close(st);

    /* a server certificate from a CA we do not trust */
    snprintf(bad, sizeof(bad), "postgresql://mnsafe@localhost:%s/mnsafe_test?sslmode=verify-full&sslrootcert=%s", port,
             other);
    st = NULL;
    assert_int_equal(mns_store_open(&st, bad, &em), MNS_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(em.text, "certificate"));

    /* the right CA, but a name the certificate is not for */
    snprintf(bad, sizeof(bad), "postgresql://mnsafe@127.0.0.1:%s/mnsafe_test?sslmode=verify-full&sslrootcert=%s", port,
             ca);
    memset(&em, 0, sizeof(em));
    assert_int_equal(mns_store_open(&st, bad, &em), MNS_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(em.text, "127.0.0.1"));
}

static void test_unreachable_server(void **state)
{
    (void)state;
    struct mns_store *st = NULL;
    mns_errmsg em = {{0}};
    assert_int_equal(mns_store_open(&st, "postgresql://mnsafe:pw-not-shown@127.0.0.1:1/x?connect_timeout=2", &em),
                     MNS_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(em.text, "PostgreSQL"));
    assert_null(strstr(em.text, "pw-not-shown"));
}

/* A connection the server ends (PostgreSQL restarting) inside a transaction:
 * the statement fails with MNS_ERR_IO, mns_store_connected says so, the
 * transaction is gone (never continued on a new connection), and the next
 * statement connects again by itself. */
static void test_connection_lost(void **state)
{
    struct fx *fx = *state;
    char base[900];
    mns_errmsg em = {{0}};
    fx->st = open_url(fx->url);
    exec_ok(fx->st, "CREATE TABLE t (v BIGINT)");
    assert_true(mns_store_connected(fx->st));
    base_url(base, sizeof(base));
    struct mns_store *admin = open_url(base);

    int64_t pid = mns_store_query_int64(fx->st, "SELECT pg_backend_pid()");
    assert_true(pid > 0);
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    exec_ok(fx->st, "INSERT INTO t VALUES (1)");
    char sql[100];
    snprintf(sql, sizeof(sql), "SELECT CASE WHEN pg_terminate_backend(%lld) THEN 1 ELSE 0 END", (long long)pid);
    assert_int_equal(mns_store_query_int64(admin, sql), 1);
    usleep(100 * 1000); /* the FATAL message reaches the socket */
    assert_int_equal(mns_store_exec(fx->st, "INSERT INTO t VALUES (2)", &em), MNS_ERR_IO);
    assert_false(mns_store_connected(fx->st));
    /* still open for the caller, who must end it */
    assert_true(mns_store_in_transaction(fx->st));

    /* a statement of the lost transaction is not run on a new connection,
     * where it would commit by itself */
    assert_int_equal(mns_store_exec(fx->st, "INSERT INTO t VALUES (3)", &em), MNS_ERR_IO);
    assert_false(mns_store_connected(fx->st));
    assert_int_equal(mns_store_commit(fx->st), MNS_ERR_IO);
    /* the failed COMMIT rolled it back; the next transaction connects
     * again, and nothing of the lost one is there */
    assert_false(mns_store_in_transaction(fx->st));
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_true(mns_store_connected(fx->st));
    assert_int_equal(mns_store_query_int64(fx->st, "SELECT count(*) FROM t"), 0);
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    mns_store_close(admin);
}

/* The server ends an idle connection and the next statement is the BEGIN
 * (the first write after PostgreSQL went down): BEGIN fails with
 * MNS_ERR_IO and leaves no transaction behind, since its caller has nothing
 * to roll back; the BEGIN after it connects again. (Once, a BEGIN lost this
 * way counted as an open transaction, and the store refused everything until
 * the server was restarted.) */
static void test_connection_lost_before_begin(void **state)
{
    struct fx *fx = *state;
    char base[900], sql[100];
    fx->st = open_url(fx->url);
    exec_ok(fx->st, "CREATE TABLE t (v BIGINT)");
    base_url(base, sizeof(base));
    struct mns_store *admin = open_url(base);

    int64_t pid = mns_store_query_int64(fx->st, "SELECT pg_backend_pid()");
    assert_true(pid > 0);
    snprintf(sql, sizeof(sql), "SELECT CASE WHEN pg_terminate_backend(%lld) THEN 1 ELSE 0 END", (long long)pid);
    assert_int_equal(mns_store_query_int64(admin, sql), 1);
    usleep(100 * 1000);
    assert_int_equal(mns_store_begin(fx->st), MNS_ERR_IO);
    assert_false(mns_store_in_transaction(fx->st));
    assert_int_equal(mns_store_begin(fx->st), MNS_OK);
    assert_true(mns_store_connected(fx->st));
    exec_ok(fx->st, "INSERT INTO t VALUES (1)");
    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    assert_int_equal(mns_store_query_int64(fx->st, "SELECT count(*) FROM t"), 1);
    mns_store_close(admin);
}

struct pool_taker {
    struct mns_store_pool *pool;
    struct mns_store *got;
    atomic_bool done;
};

static void *pool_take_thread(void *arg)
{
    struct pool_taker *t = arg;
    if (mns_store_pool_take(t->pool, &t->got, NULL) != MNS_OK)
        t->got = NULL;
    atomic_store(&t->done, true);
    return NULL;
}

/* The pool of a server's readers: connections open when first taken, read
 * beside a writer that holds the write lock, are handed to one thread at a
 * time (a third taker waits for one to come back), and a database that
 * cannot be reached gives MNS_ERR_IO without using up the pool. */
static void test_pool_reads_beside_writer(void **state)
{
    struct fx *fx = *state;
    struct mns_store_pool *pool = NULL, *bad = NULL;
    struct mns_store *a = NULL, *b = NULL;
    mns_errmsg em = {{0}};
    pthread_t t;

    fx->st = open_url(fx->url);
    migrate(fx->st);
    assert_int_equal(mns_store_pool_open(&pool, fx->url, 0, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_store_pool_open(&pool, fx->url, 2, &em), MNS_OK);
    assert_int_equal(mns_store_pool_open_count(pool), 0);

    assert_int_equal(mns_store_begin(fx->st), MNS_OK); /* holds the write lock */
    assert_int_equal(insert_tenant(fx->st, 1, "uncommitted"), MNS_OK);
    assert_int_equal(mns_store_pool_take(pool, &a, &em), MNS_OK);
    assert_int_equal(mns_store_pool_open_count(pool), 1);
    assert_int_equal(query_int(a, "SELECT COUNT(*) FROM tenants"), 0); /* not blocked, sees only commits */
    assert_int_equal(mns_store_pool_take(pool, &b, &em), MNS_OK);
    assert_ptr_not_equal(a, b);
    assert_int_equal(mns_store_pool_open_count(pool), 2);

    struct pool_taker third = {.pool = pool};
    assert_int_equal(pthread_create(&t, NULL, pool_take_thread, &third), 0);
    struct timespec pause = {0, 200 * 1000 * 1000};
    nanosleep(&pause, NULL);
    assert_false(atomic_load(&third.done)); /* both connections are taken */
    mns_store_pool_give(pool, a);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_ptr_equal(third.got, a); /* the same connection, not a new one */
    assert_int_equal(mns_store_pool_open_count(pool), 2);

    assert_int_equal(mns_store_commit(fx->st), MNS_OK);
    assert_int_equal(query_int(b, "SELECT COUNT(*) FROM tenants"), 1);
    mns_store_pool_give(pool, b);
    mns_store_pool_give(pool, third.got);
    mns_store_pool_close(pool);

    assert_int_equal(mns_store_pool_open(&bad, "postgresql://mnsafe@127.0.0.1:1/x?connect_timeout=2", 1, &em), MNS_OK);
    for (int i = 0; i < 2; i++) { /* the failed slot is free again: no hang */
        memset(&em, 0, sizeof(em));
        assert_int_equal(mns_store_pool_take(bad, &a, &em), MNS_ERR_IO);
        assert_null(a);
        assert_non_null(strstr(em.text, "PostgreSQL"));
    }
    assert_int_equal(mns_store_pool_open_count(bad), 0);
    mns_store_pool_close(bad);
}

static void put_meta(struct mns_store *st, const char *key, const void *v, size_t len)
{
    struct mns_stmt *s = NULL;
    assert_int_equal(mns_store_prepare(st, &s, "INSERT INTO meta (key, value) VALUES (?, ?)"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, key, -1), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 2, v, len), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);
}

static void expect_meta(struct mns_store *st, const char *key, const void *v, size_t len)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    size_t n = 0;
    assert_int_equal(mns_store_prepare(st, &s, "SELECT value FROM meta WHERE key = ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, key, -1), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    const void *got = mns_stmt_blob(s, 0, &n);
    assert_int_equal(n, len);
    assert_memory_equal(got, v, len);
    mns_stmt_reset(s);
}

/* mns_store_copy between backends: a SQLite store's rows (text, integers,
 * NULL, a blob with NUL and quote bytes) into PostgreSQL and from there into
 * a second SQLite store, unchanged. A target with rows, or at another schema
 * version, is refused; a copy refused half-way (a row in the target's last
 * table) leaves the target as it was. */
static void test_copy_between_backends(void **state)
{
    struct fx *fx = *state;
    static const uint8_t blob[] = {0x00, 0x27, 0x5c, 0xff, 0x00, 0x3f};
    char dir[] = "/tmp/mnsafe-copy-XXXXXX", url[128];
    struct mns_store *a = NULL, *b = NULL, *c = NULL;
    mns_errmsg em = {{0}};
    int64_t rows = 0;

    assert_non_null(mkdtemp(dir));
    snprintf(url, sizeof(url), "sqlite:%s/a.db", dir);
    a = open_url(url);
    migrate(a);
    assert_int_equal(insert_tenant(a, 1, "acme"), MNS_OK);
    assert_int_equal(insert_tenant(a, 2, "beta"), MNS_OK);
    put_meta(a, "k", blob, sizeof(blob));

    fx->st = open_url(fx->url);
    migrate(fx->st);
    exec_ok(fx->st, "INSERT INTO rate_counts (client, window_start, requests) VALUES ('x', 1, 1)");
    assert_int_equal(mns_store_copy(a, fx->st, &rows, &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "rate_counts"));
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants"), 0); /* the earlier tables rolled back */
    exec_ok(fx->st, "DELETE FROM rate_counts");

    assert_int_equal(mns_store_copy(a, fx->st, &rows, &em), MNS_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants WHERE name = '株式会社テスト'"), 2);
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants WHERE allow_networks IS NULL"), 2);
    assert_int_equal(query_int(fx->st, "SELECT created_at FROM tenants WHERE code = 'beta'"), 1700000000000);
    expect_meta(fx->st, "k", blob, sizeof(blob));

    memset(&em, 0, sizeof(em));
    assert_int_equal(mns_store_copy(a, fx->st, &rows, &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "not empty"));
    assert_int_equal(query_int(fx->st, "SELECT COUNT(*) FROM tenants"), 2);

    snprintf(url, sizeof(url), "sqlite:%s/b.db", dir);
    b = open_url(url);
    migrate(b);
    assert_int_equal(mns_store_copy(fx->st, b, &rows, &em), MNS_OK);
    assert_int_equal(rows, 3);
    assert_int_equal(query_int(b, "SELECT COUNT(*) FROM tenants WHERE name = '株式会社テスト' AND allow_networks IS NULL"),
                     2);
    expect_meta(b, "k", blob, sizeof(blob));

    snprintf(url, sizeof(url), "sqlite:%s/c.db", dir); /* never migrated: version 0 */
    c = open_url(url);
    memset(&em, 0, sizeof(em));
    assert_int_equal(mns_store_copy(a, c, &rows, &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "schema version"));

    mns_store_close(a);
    mns_store_close(b);
    mns_store_close(c);
    char cmd[200];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_migrate_on_postgresql),
        T(test_values_round_trip),
        T(test_duplicate_key_quotes_no_value),
        T(test_transactions_and_savepoints),
        T(test_failed_commit_rolls_back),
        T(test_more_statements_than_cache),
        T(test_writers_one_at_a_time),
        T(test_tls_verify_full),
        T(test_unreachable_server),
        T(test_connection_lost),
        T(test_connection_lost_before_begin),
        T(test_pool_reads_beside_writer),
        T(test_copy_between_backends),
    };
#undef T
    return cmocka_run_group_tests_name("store_pg", tests, NULL, NULL);
}
