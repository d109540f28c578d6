/*
 * copy.c: every row of one store into another, of either backend (issue 10).
 *
 * It gives PostgreSQL the encrypted backup SQLite has (the rows copied into
 * a new SQLite file, which backup.c then seals like SQLite's own copy), and
 * moves a store between backends (`mnsafe store copy`): a SQLite store, or a
 * restored backup, into PostgreSQL, and back. Rows are copied as they are:
 * numbers stay encrypted, the audit chain keeps its hashes and verifies in
 * the new place.
 *
 * The target must have the same schema version and no rows: copying into a
 * live store would mix two stores' keys and chains. Tables go oldest first,
 * so that a row's references exist before it; each table's rows in the
 * order of its first column (the id).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "store/store_internal.h"

#define COPY_TABLES_MAX 128
#define COPY_COLUMNS_MAX 48
#define COPY_NAME_MAX 64

enum copy_kind { KIND_INT, KIND_TEXT, KIND_BLOB };

struct copy_table {
    char name[COPY_NAME_MAX];
    int ncols;
    char cols[COPY_COLUMNS_MAX][COPY_NAME_MAX];
    enum copy_kind kinds[COPY_COLUMNS_MAX];
};

static bool is_identifier(const char *s)
{
    return s != NULL && s[0] != '\0' && strlen(s) < COPY_NAME_MAX &&
           strspn(s, "abcdefghijklmnopqrstuvwxyz_0123456789") == strlen(s);
}

static enum copy_kind kind_of(const char *decl)
{
    if (decl == NULL)
        return KIND_TEXT;
    if (strcasestr(decl, "int") != NULL)
        return KIND_INT;
    if (strcasestr(decl, "blob") != NULL || strcasestr(decl, "bytea") != NULL)
        return KIND_BLOB;
    return KIND_TEXT;
}

static mns_err fail(mns_errmsg *em, mns_err err, struct mns_store *st, const char *what)
{
    return mns_fail(em, err, "store copy: %s: %s / ストアの複製に失敗しました", what,
                    st != NULL ? mns_store_errmsg(st) : "");
}

/* The tables of st (schema_migrations first, as the migrations made it). */
static mns_err list_tables(struct mns_store *st, struct copy_table *t, size_t *n, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err;
    *n = 0;
    if ((err = mns_store_prepare(st, &s, st->ops->tables_sql)) != MNS_OK)
        return fail(em, err, st, "listing the tables");
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        const char *name = mns_stmt_text(s, 0);
        if (!is_identifier(name) || *n == COPY_TABLES_MAX) {
            mns_stmt_reset(s);
            return mns_fail(em, MNS_ERR_STATE, "store copy: unexpected table %.64s / 想定外のテーブルがあります",
                            name ? name : "");
        }
        memset(&t[*n], 0, sizeof(t[*n]));
        snprintf(t[(*n)++].name, COPY_NAME_MAX, "%s", name);
    }
    mns_stmt_reset(s);
    return err == MNS_OK ? MNS_OK : fail(em, err, st, "listing the tables");
}

static mns_err list_columns(struct mns_store *st, struct copy_table *t, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err;
    t->ncols = 0;
    if ((err = mns_store_prepare(st, &s, st->ops->columns_sql)) != MNS_OK ||
        (err = mns_stmt_bind_text(s, 1, t->name, -1)) != MNS_OK)
        return fail(em, err, st, "listing the columns");
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        const char *name = mns_stmt_text(s, 0);
        if (!is_identifier(name) || t->ncols == COPY_COLUMNS_MAX) {
            mns_stmt_reset(s);
            return mns_fail(em, MNS_ERR_STATE, "store copy: unexpected column in %s / 想定外の列があります", t->name);
        }
        snprintf(t->cols[t->ncols], COPY_NAME_MAX, "%s", name);
        t->kinds[t->ncols++] = kind_of(mns_stmt_text(s, 1));
    }
    mns_stmt_reset(s);
    return err == MNS_OK ? MNS_OK : fail(em, err, st, "listing the columns");
}

/* Appends to buf (size) at *o; false if it does not fit. */
static bool append(char *buf, size_t size, size_t *o, const char *text)
{
    size_t n = strlen(text);
    if (*o + n + 1 > size)
        return false;
    memcpy(buf + *o, text, n + 1);
    *o += n;
    return true;
}

/* The SELECT of t's columns on the source and the INSERT on the target. */
static bool copy_sql(const struct copy_table *t, char *select, char *insert, size_t size)
{
    size_t so = 0, io = 0;
    bool ok = append(select, size, &so, "SELECT ") && append(insert, size, &io, "INSERT INTO ") &&
              append(insert, size, &io, t->name) && append(insert, size, &io, " (");
    for (int c = 0; ok && c < t->ncols; c++)
        ok = append(select, size, &so, c ? ", " : "") && append(select, size, &so, t->cols[c]) &&
             append(insert, size, &io, c ? ", " : "") && append(insert, size, &io, t->cols[c]);
    ok = ok && append(select, size, &so, " FROM ") && append(select, size, &so, t->name) &&
         append(select, size, &so, " ORDER BY 1") && append(insert, size, &io, ") VALUES (");
    for (int c = 0; ok && c < t->ncols; c++)
        ok = append(insert, size, &io, c ? ", ?" : "?");
    return ok && append(insert, size, &io, ")");
}

static mns_err copy_rows(struct mns_store *from, struct mns_store *to, const struct copy_table *t, int64_t *rows,
                         mns_errmsg *em)
{
    char select[4096], insert[4096];
    struct mns_stmt *src, *dst;
    bool row = false;
    mns_err err;
    if (!copy_sql(t, select, insert, sizeof(select)))
        return mns_fail(em, MNS_ERR_LIMIT, "store copy: table %s has too many columns", t->name);
    if ((err = mns_store_prepare(from, &src, select)) != MNS_OK)
        return fail(em, err, from, t->name);
    while ((err = mns_stmt_step(src, &row)) == MNS_OK && row) {
        if ((err = mns_store_prepare(to, &dst, insert)) != MNS_OK)
            break;
        for (int c = 0; err == MNS_OK && c < t->ncols; c++) {
            size_t len = 0;
            const void *blob;
            if (mns_stmt_is_null(src, c))
                err = mns_stmt_bind_null(dst, c + 1);
            else if (t->kinds[c] == KIND_INT)
                err = mns_stmt_bind_int64(dst, c + 1, mns_stmt_int64(src, c));
            else if (t->kinds[c] == KIND_BLOB)
                err = (blob = mns_stmt_blob(src, c, &len)) != NULL || len == 0
                          ? mns_stmt_bind_blob(dst, c + 1, blob != NULL ? blob : "", len)
                          : MNS_ERR_NOMEM;
            else
                err = mns_stmt_bind_text(dst, c + 1, mns_stmt_text(src, c), -1);
        }
        if (err == MNS_OK)
            err = mns_stmt_run(dst);
        mns_stmt_reset(dst);
        if (err != MNS_OK) {
            mns_stmt_reset(src);
            return fail(em, err, to, t->name);
        }
        (*rows)++;
    }
    mns_stmt_reset(src);
    return err == MNS_OK ? MNS_OK : fail(em, err, from, t->name);
}

static int64_t count_rows(struct mns_store *st, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    return mns_store_query_int64(st, sql);
}

mns_err mns_store_copy(struct mns_store *from, struct mns_store *to, int64_t *rows, mns_errmsg *em)
{
    struct copy_table *tables = calloc(COPY_TABLES_MAX, sizeof(*tables));
    size_t n = 0;
    int vfrom = -1, vto = -2;
    mns_err err;
    *rows = 0;
    if (tables == NULL)
        return mns_fail(em, MNS_ERR_NOMEM, "store copy: out of memory");
    if ((err = mns_store_schema_version(from, &vfrom)) != MNS_OK ||
        (err = mns_store_schema_version(to, &vto)) != MNS_OK || vfrom != vto) {
        free(tables);
        return err != MNS_OK ? fail(em, err, NULL, "reading the schema versions")
                             : mns_fail(em, MNS_ERR_STATE,
                                        "store copy: schema version %d here, %d there: migrate both first / "
                                        "スキーマのバージョンが異なります",
                                        vfrom, vto);
    }
    /* a consistent read on the source, and one transaction on the target */
    if ((err = mns_store_begin(from)) != MNS_OK) {
        free(tables);
        return fail(em, err, from, "begin");
    }
    if ((err = mns_store_begin(to)) != MNS_OK) {
        mns_store_rollback(from);
        free(tables);
        return fail(em, err, to, "begin");
    }
    err = list_tables(from, tables, &n, em);
    for (size_t i = 0; err == MNS_OK && i < n; i++) {
        if (strcmp(tables[i].name, "schema_migrations") == 0)
            continue; /* the target's own, made by its migrations */
        int64_t there = count_rows(to, tables[i].name);
        if (there != 0) {
            err = there < 0 ? fail(em, MNS_ERR_STATE, to, tables[i].name)
                            : mns_fail(em, MNS_ERR_STATE,
                                       "store copy: the target is not empty (%s has %lld rows) / "
                                       "複製先のストアが空ではありません",
                                       tables[i].name, (long long)there);
            break;
        }
        if ((err = list_columns(to, &tables[i], em)) == MNS_OK)
            err = copy_rows(from, to, &tables[i], rows, em);
    }
    mns_store_rollback(from);
    if (err == MNS_OK && (err = mns_store_commit(to)) != MNS_OK)
        fail(em, err, to, "commit");
    if (err != MNS_OK)
        mns_store_rollback(to);
    free(tables);
    return err;
}

/* A backend without a file copy of its own (PostgreSQL): the rows into a
 * new SQLite file, which the backup then seals like SQLite's own copy. */
mns_err store_backup_by_copy(struct mns_store *st, const char *path)
{
    char url[MNS_STORE_URL_MAX];
    struct mns_store *copy = NULL;
    mns_errmsg em = {""};
    int64_t rows = 0;
    int version = 0;
    snprintf(url, sizeof(url), "sqlite:%s", path);
    mns_err err = mns_store_open(&copy, url, &em);
    if (err == MNS_OK && (err = mns_store_migrate(copy, &version, &em)) == MNS_OK)
        err = mns_store_copy(st, copy, &rows, &em);
    mns_store_close(copy);
    if (err != MNS_OK)
        mns_store_set_error(st, "backup: %s", em.text);
    return err;
}
