/*
 * pg.c: the PostgreSQL backend of the store, through libpq.
 *
 * Connection. One PGconn per store, opened from the whole URL
 * (postgresql://...; libpq's own parameters such as sslmode=verify-full and
 * sslrootcert pass through), then client_encoding UTF8 and UTC.
 *
 * Transactions. begin_sql opens a transaction and takes one transaction-
 * level advisory lock, so that write transactions run one at a time as on
 * SQLite (BEGIN IMMEDIATE), also across several mnsafe servers on one
 * database: the audit chain is appended by one writer at a time. A COMMIT
 * of a transaction that failed earlier answers "ROLLBACK" without an error
 * in libpq; that is reported as a failed commit.
 *
 * Statements. `?` and `?N` become `$N`. A statement is prepared on the
 * server (PQprepare, a name per store) at its first run, with the types of
 * the values bound then (int8, text, bytea; a NULL lets the server infer);
 * it is prepared again under a new name if a later run binds other types.
 * Values go as text (int8, text) or binary (bytea); results come as text:
 * an int8 is parsed, a boolean is "t"/"f", a bytea "\x..." is decoded into
 * a buffer of the statement's, wiped and freed at the next row or reset.
 * Bound values are wiped at reset.
 *
 * Errors. Only the SQLSTATE and PostgreSQL's primary message go into the
 * store's error text; its DETAIL would quote the values of a violated key,
 * and data exceptions (class 22) quote the input, so for those only the
 * code is kept.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>
#include <openssl/crypto.h> /* OPENSSL_cleanse: the store links no mnsafe crypto */

#include "store/store_internal.h"

/* pg_type OIDs (stable, from catalog/pg_type.dat) */
#define OID_INT8 20
#define OID_TEXT 25
#define OID_BYTEA 17

/* The key of the advisory lock that serialises write transactions. */
#define WRITE_LOCK_KEY "7242012345"

#define PG_MAX_PARAMS 64

/* Opens a write transaction: see the top of the file. */
#define BEGIN_SQL "BEGIN; SELECT pg_advisory_xact_lock(" WRITE_LOCK_KEY ")"

struct pg_conn {
    PGconn *conn;
    uint64_t next_name;
    uint64_t epoch; /* counts reconnections: statements prepared before are gone */
    bool txn_open;  /* BEGIN was sent and neither COMMIT nor ROLLBACK since */
    int64_t last_purge; /* time() of the last VACUUM FULL, 0: none */
};

struct pg_stmt {
    struct pg_conn *c;
    char *sql;                     /* with $N placeholders */
    int nparams;                   /* highest placeholder number */
    char name[32];                 /* server-side name; "" until prepared */
    uint64_t epoch;                /* the connection's epoch when prepared */
    unsigned types[PG_MAX_PARAMS]; /* of the prepared statement */
    char *values[PG_MAX_PARAMS];   /* owned copies; NULL: SQL NULL */
    int lengths[PG_MAX_PARAMS];
    int formats[PG_MAX_PARAMS];
    unsigned bound_types[PG_MAX_PARAMS];
    PGresult *res;
    int row;      /* current row, -1 before the first */
    bool ran;
    bool per_call; /* MNS_SQL_PLAN_PER_CALL: planned at every run, for its values */
    int64_t changes;
    /* decoded bytea values of the current row, per column (like SQLite's,
     * valid until the next step or reset); nblobs columns allocated */
    unsigned char **blobs;
    size_t *blob_lens;
    int nblobs;
};

static struct pg_conn *c_of(struct mns_store *st)
{
    return st->impl;
}

static PGconn *conn_of(struct mns_store *st)
{
    const struct pg_conn *c = st->impl;
    return c != NULL ? c->conn : NULL;
}

/* ---- errors -------------------------------------------------------------- */

static mns_err map_sqlstate(const char *state)
{
    if (state == NULL)
        return MNS_ERR_IO; /* no answer from the server: connection trouble */
    if (strcmp(state, "23505") == 0)
        return MNS_ERR_EXISTS;
    if (strcmp(state, "53100") == 0)
        return MNS_ERR_FULL;
    if (strncmp(state, "53", 2) == 0)
        return MNS_ERR_NOMEM;
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
        return MNS_ERR_IO;
    if (strcmp(state, "54000") == 0 || strcmp(state, "54001") == 0)
        return MNS_ERR_LIMIT;
    return MNS_ERR_STORE;
}

static mns_err result_fail(struct mns_store *st, const PGresult *res, const char *what)
{
    const char *state = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res != NULL ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

    if (state == NULL) {
        /* libpq's own text (connection lost, out of memory) quotes no values */
        const char *m = PQerrorMessage(conn_of(st));
        char line[256];
        snprintf(line, sizeof(line), "%s", m != NULL ? m : "");
        line[strcspn(line, "\n")] = '\0';
        mns_store_set_error(st, "%s: %s", what, line[0] ? line : "no answer from the database server");
    } else if (strncmp(state, "22", 2) == 0 || primary == NULL) {
        mns_store_set_error(st, "%s: data exception (SQLSTATE %s)", what, state);
    } else {
        mns_store_set_error(st, "%s: %s (SQLSTATE %s)", what, primary, state);
    }
    return map_sqlstate(state);
}

/* ---- connection ---------------------------------------------------------- */

/*
 * SQLite's json_extract(text, '$.a.b') and group_concat(text[, sep]), which
 * the vault's SQL uses, as SQL functions in the store's schema. Created if
 * missing, in a transaction holding an advisory lock.
 */
#define COMPAT_SQL                                                                                             \
    "BEGIN; SELECT pg_advisory_xact_lock(7242012346);"                                                        \
    "DO $compat$ BEGIN "                                                                                       \
    "IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'json_extract' "                                     \
    "  AND pronamespace = current_schema()::regnamespace) THEN "                                               \
    "  CREATE FUNCTION json_extract(doc text, path text) RETURNS text LANGUAGE sql IMMUTABLE AS "               \
    "  'SELECT (doc::jsonb) #>> string_to_array(substr(path, 3), ''.'')'; "                                   \
    "END IF; "                                                                                                 \
    "IF NOT EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'group_concat' "                                     \
    "  AND pronamespace = current_schema()::regnamespace) THEN "                                               \
    "  CREATE FUNCTION mns_group_concat_step(acc text, v text, sep text) RETURNS text LANGUAGE sql IMMUTABLE " \
    "  AS 'SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || sep || v END'; "            \
    "  CREATE FUNCTION mns_group_concat_step(acc text, v text) RETURNS text LANGUAGE sql IMMUTABLE "           \
    "  AS 'SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL THEN v ELSE acc || '','' || v END'; "          \
    "  CREATE AGGREGATE group_concat(text, text) (SFUNC = mns_group_concat_step, STYPE = text); "              \
    "  CREATE AGGREGATE group_concat(text) (SFUNC = mns_group_concat_step, STYPE = text); "                    \
    "END IF; "                                                                                                 \
    "END $compat$; COMMIT"


/* What every new connection needs: settings and the compatibility functions. */
static mns_err session_setup(struct mns_store *st)
{
    PGconn *conn = conn_of(st);
    PGresult *res = PQexec(conn, "SET client_encoding = 'UTF8'; SET TIME ZONE 'UTC'; "
                                 "SET client_min_messages = 'warning'");
    mns_err r = PQresultStatus(res) == PGRES_COMMAND_OK ? MNS_OK : result_fail(st, res, "configure");
    PQclear(res);
    if (r != MNS_OK)
        return r;
    /* the SQLite functions the vault's SQL uses, made once per schema
     * (under a lock: several servers may open at once) */
    res = PQexec(conn, COMPAT_SQL);
    r = PQresultStatus(res) == PGRES_COMMAND_OK ? MNS_OK : result_fail(st, res, "compatibility functions");
    PQclear(res);
    return r;
}

/*
 * A connection that broke (the server restarted, the network went away) is
 * made again before the next statement, so that a server recovers by itself
 * once the database is back. A transaction open on the old connection is
 * gone with it, but stays open for the caller: its statements and its COMMIT
 * fail with MNS_ERR_IO (on a new connection they would each commit by
 * themselves), and its ROLLBACK ends it (pg_exec), after which the next
 * statement connects again. MNS_ERR_IO while the database cannot be reached.
 */
static mns_err recover(struct mns_store *st)
{
    struct pg_conn *c = st->impl;
    if (PQstatus(c->conn) == CONNECTION_OK)
        return MNS_OK;
    if (c->txn_open) {
        mns_store_set_error(st, "the connection to the PostgreSQL store broke during a transaction / "
                                "トランザクション中にデータベースとの接続が切れました");
        return MNS_ERR_IO;
    }
    PQreset(c->conn);
    c->epoch++;
    if (PQstatus(c->conn) != CONNECTION_OK) {
        char line[256];
        snprintf(line, sizeof(line), "%s", PQerrorMessage(c->conn));
        line[strcspn(line, "\n")] = '\0';
        mns_store_set_error(st, "the PostgreSQL store cannot be reached: %s / データベースに接続できません", line);
        return MNS_ERR_IO;
    }
    return session_setup(st);
}

static mns_err pg_open(struct mns_store *st, const char *url)
{
    struct pg_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        mns_store_set_error(st, "out of memory opening the store");
        return MNS_ERR_NOMEM;
    }
    st->impl = c;
    /* a connect_timeout unless the URL names one (the URL comes later and wins) */
    static const char *const keys[] = {"connect_timeout", "dbname", NULL};
    const char *values[] = {"10", url, NULL};
    c->conn = PQconnectdbParams(keys, values, 1);
    if (c->conn == NULL) {
        mns_store_set_error(st, "out of memory opening the store");
        return MNS_ERR_NOMEM;
    }
    if (PQstatus(c->conn) != CONNECTION_OK) {
        char line[256];
        snprintf(line, sizeof(line), "%s", PQerrorMessage(c->conn));
        line[strcspn(line, "\n")] = '\0';
        /* the URL may hold a password: it is not repeated */
        mns_store_set_error(st,
                            "cannot connect to the PostgreSQL store: %s / PostgreSQL のストアに接続できません",
                            line);
        return MNS_ERR_IO;
    }
    return session_setup(st);
}

static void pg_close(struct mns_store *st)
{
    struct pg_conn *c = st->impl;
    if (c == NULL)
        return;
    if (c->conn != NULL)
        PQfinish(c->conn); /* the server rolls back an open transaction */
    free(c);
    st->impl = NULL;
}

static bool ends_with_rollback(const PGresult *res)
{
    const char *tag = PQcmdStatus((PGresult *)res);
    return tag != NULL && strcmp(tag, "ROLLBACK") == 0;
}

static mns_err pg_exec(struct mns_store *st, const char *sql)
{
    struct pg_conn *c = c_of(st);
    if (c->txn_open && PQstatus(c->conn) != CONNECTION_OK && strcmp(sql, "ROLLBACK") == 0) {
        /* the server rolled it back when the connection broke */
        c->txn_open = false;
        return MNS_OK;
    }
    mns_err rr = recover(st);
    if (rr != MNS_OK)
        return rr;
    PGresult *res = PQexec(conn_of(st), sql);
    ExecStatusType s = PQresultStatus(res);
    mns_err r = MNS_OK;
    if (s != PGRES_COMMAND_OK && s != PGRES_TUPLES_OK && s != PGRES_EMPTY_QUERY) {
        r = result_fail(st, res, "exec");
    } else if (strcmp(sql, "COMMIT") == 0 && ends_with_rollback(res)) {
        mns_store_set_error(st, "commit: the transaction had failed and was rolled back");
        r = MNS_ERR_STORE;
    }
    PQclear(res);
    if (strcmp(sql, BEGIN_SQL) == 0) {
        /* BEGIN may have opened the transaction before its lock failed; a
         * BEGIN whose connection broke opened none (the status is UNKNOWN),
         * and its caller, told it failed, will not roll back */
        PGTransactionStatusType t = PQtransactionStatus(conn_of(st));
        c_of(st)->txn_open = r == MNS_OK || t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
    }
    else if (strcmp(sql, "COMMIT") == 0 || strcmp(sql, "ROLLBACK") == 0)
        c_of(st)->txn_open = false;
    return r;
}

/* Whether ch is part of a quoted literal or name ('...' or "..."), its
 * quotes included, for rewriters that copy those untouched. *quote is the
 * open quote character, 0 outside. */
static bool copy_quoted(char ch, char *quote)
{
    if (*quote) {
        if (ch == *quote)
            *quote = 0;
        return true;
    }
    if (ch == '\'' || ch == '"') {
        *quote = ch;
        return true;
    }
    return false;
}

/* Copies sql, replacing the type names of portable DDL as whole words
 * outside quotes: BLOB -> BYTEA, INTEGER -> BIGINT. */
static char *ddl_rewrite(const char *sql)
{
    size_t n = strlen(sql);
    char *out = malloc(n * 2 + 1), *o = out;
    char quote = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < n;) {
        if (copy_quoted(sql[i], &quote)) {
            *o++ = sql[i++];
            continue;
        }
        bool word_start = i == 0 || !(isalnum((unsigned char)sql[i - 1]) || sql[i - 1] == '_');
        if (word_start && strncmp(sql + i, "BLOB", 4) == 0 && !(isalnum((unsigned char)sql[i + 4]) || sql[i + 4] == '_')) {
            memcpy(o, "BYTEA", 5);
            o += 5;
            i += 4;
        } else if (word_start && strncmp(sql + i, "INTEGER", 7) == 0 &&
                   !(isalnum((unsigned char)sql[i + 7]) || sql[i + 7] == '_')) {
            memcpy(o, "BIGINT", 6);
            o += 6;
            i += 7;
        } else {
            *o++ = sql[i++];
        }
    }
    *o = '\0';
    return out;
}

static mns_err pg_exec_ddl(struct mns_store *st, const char *sql)
{
    char *pg = ddl_rewrite(sql);
    if (pg == NULL) {
        mns_store_set_error(st, "out of memory");
        return MNS_ERR_NOMEM;
    }
    mns_err r = pg_exec(st, pg);
    free(pg);
    return r;
}

/* The import staging as unlogged tables of the store's schema: not written
 * to PostgreSQL's WAL, and emptied by the server itself after its crash
 * (the vault then finds the imports' rows missing). Under the write lock:
 * servers starting at once would race to create them. */
static mns_err pg_staging_open(struct mns_store *st, bool *emptied)
{
    *emptied = false;
    char *ddl = store_staging_ddl("", "UNLOGGED ");
    if (ddl == NULL) {
        mns_store_set_error(st, "out of memory creating the import staging");
        return MNS_ERR_NOMEM;
    }
    mns_err r = pg_exec(st, BEGIN_SQL);
    if (r == MNS_OK)
        r = pg_exec_ddl(st, ddl);
    if (r == MNS_OK)
        r = pg_exec(st, "COMMIT");
    else if (c_of(st)->txn_open)
        (void)pg_exec(st, "ROLLBACK");
    free(ddl);
    return r;
}

static mns_err pg_table_exists(struct mns_store *st, const char *name, bool *exists)
{
    const char *values[1] = {name};
    mns_err rr = recover(st);
    if (rr != MNS_OK)
        return rr;
    PGresult *res = PQexecParams(conn_of(st),
                                 "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                                 "AND tablename = $1",
                                 1, NULL, values, NULL, NULL, 0);
    mns_err r = MNS_OK;
    *exists = false;
    if (PQresultStatus(res) == PGRES_TUPLES_OK)
        *exists = PQntuples(res) > 0;
    else
        r = result_fail(st, res, "table lookup");
    PQclear(res);
    return r;
}

static bool pg_in_transaction(struct mns_store *st)
{
    PGconn *conn = conn_of(st);
    if (conn == NULL)
        return false;
    if (c_of(st)->txn_open && PQstatus(conn) != CONNECTION_OK)
        return true; /* lost with the connection, until the caller rolls it back */
    PGTransactionStatusType t = PQtransactionStatus(conn);
    return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static bool pg_connected(struct mns_store *st)
{
    PGconn *conn = conn_of(st);
    return conn != NULL && PQstatus(conn) == CONNECTION_OK;
}

/* ---- statements ---------------------------------------------------------- */

/* `?` -> `$k` (k counting up), `?N` -> `$N`, outside quotes (the vault's
 * SQL has no comments). */
static char *placeholders_rewrite(const char *sql, size_t len, int *nparams)
{
    char *out = malloc(len * 4 + 8), *o = out;
    int next = 0, max = 0;
    char quote = 0;
    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < len;) {
        char ch = sql[i];
        if (copy_quoted(ch, &quote)) {
            *o++ = sql[i++];
        } else if (ch == '?') {
            int k;
            i++;
            if (i < len && isdigit((unsigned char)sql[i])) {
                k = 0;
                while (i < len && isdigit((unsigned char)sql[i]) && k < 10000)
                    k = k * 10 + (sql[i++] - '0');
            } else {
                k = ++next;
            }
            if (k > max)
                max = k;
            o += snprintf(o, 8, "$%d", k); /* k <= 10000: at most 6 bytes, room for 4 per byte of input */
        } else {
            *o++ = sql[i++];
        }
    }
    *o = '\0';
    *nparams = max;
    return out;
}

static mns_err pg_prepare(struct mns_store *st, const char *sql, size_t len, void **h)
{
    struct pg_stmt *s = calloc(1, sizeof(*s));
    *h = NULL;
    if (s == NULL) {
        mns_store_set_error(st, "out of memory");
        return MNS_ERR_NOMEM;
    }
    s->c = st->impl;
    s->row = -1;
    if ((s->sql = placeholders_rewrite(sql, len, &s->nparams)) == NULL) {
        free(s);
        mns_store_set_error(st, "out of memory");
        return MNS_ERR_NOMEM;
    }
    if (s->nparams > PG_MAX_PARAMS) {
        free(s->sql);
        free(s);
        mns_store_set_error(st, "prepare: more than %d parameters", PG_MAX_PARAMS);
        return MNS_ERR_LIMIT;
    }
    s->per_call = strncmp(sql, MNS_SQL_PLAN_PER_CALL, strlen(MNS_SQL_PLAN_PER_CALL)) == 0;
    *h = s;
    return MNS_OK;
}

static void drop_blob(struct pg_stmt *s)
{
    for (int i = 0; i < s->nblobs; i++) {
        if (s->blobs[i] != NULL) {
            OPENSSL_cleanse(s->blobs[i], s->blob_lens[i]);
            PQfreemem(s->blobs[i]);
            s->blobs[i] = NULL;
            s->blob_lens[i] = 0;
        }
    }
}

static void clear_values(struct pg_stmt *s)
{
    for (int i = 0; i < PG_MAX_PARAMS; i++) {
        if (s->values[i] != NULL) {
            OPENSSL_cleanse(s->values[i], (size_t)s->lengths[i]);
            free(s->values[i]);
            s->values[i] = NULL;
        }
        s->lengths[i] = 0;
        s->formats[i] = 0;
        s->bound_types[i] = 0;
    }
}

static void clear_result(struct pg_stmt *s)
{
    drop_blob(s);
    if (s->res != NULL) {
        /* the rows may hold ciphertext and blind indexes */
        for (int r = 0; r < PQntuples(s->res); r++) {
            for (int col = 0; col < PQnfields(s->res); col++)
                OPENSSL_cleanse(PQgetvalue(s->res, r, col), (size_t)PQgetlength(s->res, r, col));
        }
        PQclear(s->res);
        s->res = NULL;
    }
    s->row = -1;
}

static void pg_finalize(struct mns_store *st, void *h)
{
    struct pg_stmt *s = h;
    if (s == NULL)
        return;
    clear_result(s);
    clear_values(s);
    free(s->blobs);
    free(s->blob_lens);
    if (s->name[0] != '\0' && s->epoch == s->c->epoch && conn_of(st) != NULL && PQstatus(conn_of(st)) == CONNECTION_OK &&
        (PQtransactionStatus(conn_of(st)) == PQTRANS_IDLE || PQtransactionStatus(conn_of(st)) == PQTRANS_INTRANS)) {
        char sql[48];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
        PQclear(PQexec(conn_of(st), sql));
    }
    free(s->sql);
    free(s);
}

static mns_err bind_value(struct mns_store *st, struct pg_stmt *s, int idx, const void *v, size_t len, int format,
                          unsigned type)
{
    if (idx < 1 || idx > s->nparams) {
        mns_store_set_error(st, "bind: no parameter %d", idx);
        return MNS_ERR_INVALID;
    }
    if (len > INT32_MAX) {
        mns_store_set_error(st, "bind: value too long");
        return MNS_ERR_LIMIT;
    }
    char *copy = NULL;
    if (v != NULL) {
        copy = malloc(len + 1);
        if (copy == NULL) {
            mns_store_set_error(st, "out of memory");
            return MNS_ERR_NOMEM;
        }
        if (len > 0)
            memcpy(copy, v, len);
        copy[len] = '\0';
    }
    int i = idx - 1;
    if (s->values[i] != NULL) {
        OPENSSL_cleanse(s->values[i], (size_t)s->lengths[i]);
        free(s->values[i]);
    }
    s->values[i] = copy;
    s->lengths[i] = (int)len;
    s->formats[i] = format;
    s->bound_types[i] = type;
    return MNS_OK;
}

static mns_err pg_bind_int64(struct mns_store *st, void *h, int idx, int64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof(text), "%" PRId64, v);
    return bind_value(st, h, idx, text, (size_t)n, 0, OID_INT8);
}

static mns_err pg_bind_text(struct mns_store *st, void *h, int idx, const char *v, size_t len)
{
    if (memchr(v, '\0', len) != NULL) {
        mns_store_set_error(st, "bind: text with a NUL byte");
        return MNS_ERR_INVALID;
    }
    return bind_value(st, h, idx, v, len, 0, OID_TEXT);
}

static mns_err pg_bind_blob(struct mns_store *st, void *h, int idx, const void *v, size_t len)
{
    static const unsigned char empty[1];
    return bind_value(st, h, idx, v != NULL ? v : empty, len, 1, OID_BYTEA);
}

static mns_err pg_bind_null(struct mns_store *st, void *h, int idx)
{
    return bind_value(st, h, idx, NULL, 0, 0, 0);
}

/* Prepares s on the server for the types bound now, unless it already is. */
static mns_err ensure_prepared(struct mns_store *st, struct pg_stmt *s)
{
    if (s->name[0] != '\0' && s->epoch != s->c->epoch)
        s->name[0] = '\0'; /* prepared on a connection that is gone */
    if (s->name[0] != '\0') {
        bool same = true; /* a NULL suits any prepared type */
        for (int i = 0; i < s->nparams && same; i++)
            same = s->bound_types[i] == 0 || s->bound_types[i] == s->types[i];
        if (same)
            return MNS_OK;
    }
    if (s->name[0] != '\0' && PQtransactionStatus(conn_of(st)) != PQTRANS_INERROR) {
        char sql[48];
        snprintf(sql, sizeof(sql), "DEALLOCATE %s", s->name);
        PQclear(PQexec(conn_of(st), sql));
    }
    s->name[0] = '\0';
    char name[32];
    snprintf(name, sizeof(name), "mns_%" PRIu64, ++s->c->next_name);
    /* A NULL bound where nothing in the SQL tells its type ("? IS NULL")
     * fails to prepare; it is then sent as text, which SQLite would not
     * mind either. A failed prepare aborts a transaction, so inside one the
     * attempt runs under a savepoint of its own. */
    bool untyped = false;
    for (int i = 0; i < s->nparams; i++)
        untyped = untyped || s->bound_types[i] == 0;
    bool guarded = untyped && PQtransactionStatus(conn_of(st)) == PQTRANS_INTRANS;
    if (guarded)
        PQclear(PQexec(conn_of(st), "SAVEPOINT mns_prepare"));
    PGresult *res = PQprepare(conn_of(st), name, s->sql, s->nparams, s->bound_types);
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (untyped && PQresultStatus(res) != PGRES_COMMAND_OK && state != NULL &&
        (strcmp(state, "42P18") == 0 || strcmp(state, "42P08") == 0) &&
        (guarded || PQtransactionStatus(conn_of(st)) == PQTRANS_IDLE)) {
        PQclear(res);
        if (guarded)
            PQclear(PQexec(conn_of(st), "ROLLBACK TO SAVEPOINT mns_prepare"));
        for (int i = 0; i < s->nparams; i++) {
            if (s->bound_types[i] == 0)
                s->bound_types[i] = OID_TEXT;
        }
        res = PQprepare(conn_of(st), name, s->sql, s->nparams, s->bound_types);
    }
    if (guarded && PQresultStatus(res) == PGRES_COMMAND_OK)
        PQclear(PQexec(conn_of(st), "RELEASE SAVEPOINT mns_prepare"));
    mns_err r = PQresultStatus(res) == PGRES_COMMAND_OK ? MNS_OK : result_fail(st, res, "prepare");
    PQclear(res);
    if (r == MNS_OK) {
        memcpy(s->name, name, sizeof(name));
        memcpy(s->types, s->bound_types, sizeof(s->types));
        s->epoch = s->c->epoch;
    }
    return r;
}

static mns_err pg_step(struct mns_store *st, void *h, bool *row)
{
    struct pg_stmt *s = h;
    *row = false;
    if (!s->ran) {
        mns_err r = recover(st);
        if (r == MNS_OK)
            r = ensure_prepared(st, s);
        if (r != MNS_OK)
            return r;
        s->ran = true;
        /* per call: an unnamed statement with the prepared one's types,
         * planned for these values (a tenant's size changes the best plan) */
        s->res = s->per_call ? PQexecParams(conn_of(st), s->sql, s->nparams, s->types, (const char *const *)s->values,
                                            s->lengths, s->formats, 0)
                             : PQexecPrepared(conn_of(st), s->name, s->nparams, (const char *const *)s->values,
                                              s->lengths, s->formats, 0);
        ExecStatusType t = PQresultStatus(s->res);
        if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
            r = result_fail(st, s->res, "step");
            clear_result(s);
            return r;
        }
        const char *n = PQcmdTuples(s->res);
        s->changes = (n != NULL && n[0] != '\0') ? strtoll(n, NULL, 10) : 0;
        if (t == PGRES_TUPLES_OK && strncmp(PQcmdStatus(s->res), "SELECT", 6) == 0)
            s->changes = 0;
        s->row = -1;
    }
    drop_blob(s);
    if (s->res != NULL && s->row + 1 < PQntuples(s->res)) {
        s->row++;
        *row = true;
    }
    return MNS_OK;
}

static int64_t pg_changes(struct mns_store *st, void *h)
{
    (void)st;
    return ((struct pg_stmt *)h)->changes;
}

static void pg_reset(struct mns_store *st, void *h)
{
    (void)st;
    struct pg_stmt *s = h;
    clear_result(s);
    clear_values(s);
    s->ran = false;
}

static int pg_column_count(void *h)
{
    struct pg_stmt *s = h;
    return s->res != NULL ? PQnfields(s->res) : 0;
}

static bool pg_column_is_null(void *h, int col)
{
    struct pg_stmt *s = h;
    return PQgetisnull(s->res, s->row, col) != 0;
}

static int64_t pg_column_int64(void *h, int col)
{
    struct pg_stmt *s = h;
    if (PQgetisnull(s->res, s->row, col))
        return 0;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (v[0] == 't' && v[1] == '\0')
        return 1; /* boolean: SQLite answers 1 and 0 */
    if (v[0] == 'f' && v[1] == '\0')
        return 0;
    return strtoll(v, NULL, 10);
}

static const char *pg_column_text(void *h, int col)
{
    struct pg_stmt *s = h;
    if (PQgetisnull(s->res, s->row, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static const void *pg_column_blob(void *h, int col, size_t *len)
{
    struct pg_stmt *s = h;
    *len = 0;
    if (PQgetisnull(s->res, s->row, col))
        return NULL;
    const char *v = PQgetvalue(s->res, s->row, col);
    if (PQftype(s->res, col) != OID_BYTEA) {
        /* text read as bytes, as SQLite allows */
        *len = (size_t)PQgetlength(s->res, s->row, col);
        return v;
    }
    if (s->nblobs < PQnfields(s->res)) {
        int n = PQnfields(s->res);
        unsigned char **b = calloc((size_t)n, sizeof(*b));
        size_t *l = calloc((size_t)n, sizeof(*l));
        if (b == NULL || l == NULL) {
            free(b);
            free(l);
            return NULL;
        }
        drop_blob(s);
        free(s->blobs);
        free(s->blob_lens);
        s->blobs = b;
        s->blob_lens = l;
        s->nblobs = n;
    }
    if (s->blobs[col] == NULL)
        s->blobs[col] = PQunescapeBytea((const unsigned char *)v, &s->blob_lens[col]);
    *len = s->blobs[col] != NULL ? s->blob_lens[col] : 0;
    return s->blobs[col];
}

/*
 * A deleted row stays in the table file (a dead version, then free space
 * that VACUUM does not zero) until the table is rewritten: VACUUM FULL
 * writes the live rows into a new file and removes the old one. It locks
 * the table while it runs, so it is done at most once in
 * MNS_STORE_PURGE_EVERY_S seconds per connection; the caller retries.
 */
static mns_err pg_purge_deleted(struct mns_store *st, const char *const *tables)
{
    struct pg_conn *c = st->impl;
    char sql[512];
    size_t o = 0;
    int64_t now = (int64_t)time(NULL);
    if (c->last_purge != 0 && now - c->last_purge < MNS_STORE_PURGE_EVERY_S) {
        mns_store_set_error(st, "purge_deleted: done %lds ago; later", (long)(now - c->last_purge));
        return MNS_ERR_STATE;
    }
    o += (size_t)snprintf(sql, sizeof(sql), "VACUUM (FULL)");
    for (size_t i = 0; tables[i] != NULL && o < sizeof(sql); i++)
        o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s %s", i == 0 ? "" : ",", tables[i]);
    if (o >= sizeof(sql)) {
        mns_store_set_error(st, "purge_deleted: too many tables");
        return MNS_ERR_INVALID;
    }
    mns_err err = pg_exec(st, sql);
    if (err == MNS_OK)
        c->last_purge = now;
    return err;
}

static mns_err pg_analyze(struct mns_store *st, const char *table)
{
    char sql[96];
    snprintf(sql, sizeof(sql), "ANALYZE %s", table);
    return pg_exec(st, sql);
}

const struct mns_store_ops mns_store_pg_ops = {
    .name = "postgresql",
    .shared = true,
    .begin_sql = BEGIN_SQL,
    .tables_sql = "SELECT c.relname FROM pg_catalog.pg_class c WHERE c.relnamespace = current_schema()::regnamespace "
                  "AND c.relkind = 'r' AND c.relpersistence = 'p' ORDER BY c.oid", /* not the unlogged staging */
    .columns_sql = "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() "
                   "AND table_name = ? ORDER BY ordinal_position",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .exec_ddl = pg_exec_ddl,
    .table_exists = pg_table_exists,
    .staging_open = pg_staging_open,
    .staging_wipe = NULL,
    .purge_deleted = pg_purge_deleted,
    .analyze = pg_analyze,
    .backup = NULL,
    .in_transaction = pg_in_transaction,
    .connected = pg_connected,
    .sync = NULL,
    .watch = NULL,
    .prepare = pg_prepare,
    .finalize = pg_finalize,
    .bind_int64 = pg_bind_int64,
    .bind_text = pg_bind_text,
    .bind_blob = pg_bind_blob,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .changes = pg_changes,
    .reset = pg_reset,
    .column_count = pg_column_count,
    .column_is_null = pg_column_is_null,
    .column_int64 = pg_column_int64,
    .column_text = pg_column_text,
    .column_blob = pg_column_blob,
};
