/*
 * listing.c: the tenant listings that are a SELECT turned into JSON objects,
 * one per row, described by a column table instead of a json_pack each.
 */
#include "vault/internal.h"

/* rows_json, with ?2 and ?3 bound too when more is given (nmore: 0 or 2) */
static mns_err rows_json_ex(struct mns_vault *v, const char *sql, int64_t param, const int64_t *more, int nmore,
                            const struct list_col *cols, size_t ncols, json_t *list)
{
    struct mns_stmt *s;
    bool row;
    mns_err err = mns_store_prepare(v->store, &s, sql);
    if (err != MNS_OK)
        return err;
    err = mns_stmt_bind_int64(s, 1, param);
    for (int i = 0; err == MNS_OK && i < nmore; i++)
        err = mns_stmt_bind_int64(s, 2 + i, more[i]);
    if (err == MNS_OK)
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            json_t *o = json_object();
            for (size_t c = 0; o != NULL && c < ncols; c++) {
                int i = (int)c;
                bool null = mns_stmt_is_null(s, i);
                json_t *val = NULL;
                if (null && cols[c].type == COL_TEXT_OMIT)
                    continue;
                if (null)
                    val = json_null();
                else if (cols[c].type == COL_INT)
                    val = json_integer(mns_stmt_int64(s, i));
                else if (cols[c].type == COL_JSON)
                    val = json_loads(mns_stmt_text(s, i), 0, NULL);
                else
                    val = json_string(mns_stmt_text(s, i));
                json_object_set_new(o, cols[c].key, val != NULL ? val : json_null());
            }
            if (o == NULL || json_array_append_new(list, o) != 0) {
                err = MNS_ERR_NOMEM;
                break;
            }
        }
    mns_stmt_reset(s);
    return err;
}

mns_err rows_json(struct mns_vault *v, const char *sql, int64_t param, const struct list_col *cols, size_t ncols,
                  json_t *list)
{
    return rows_json_ex(v, sql, param, NULL, 0, cols, ncols, list);
}

mns_err tenant_list_fill(struct mns_vault *v, const struct mns_actor *actor, const char *action, unsigned roles,
                         const char *tenant_code, list_fill_fn fill, const void *ctx, const char *key, json_t **result,
                         mns_errmsg *em)
{
    struct act a;
    int64_t tid = 0;
    json_t *list = json_array();
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, action);
    if ((err = tenant_act_begin(&a, actor, roles, tenant_code, &tid, em)) == MNS_OK)
        err = fill(v, tid, list, ctx);
    return act_end_list(&a, err, key, list, result);
}

struct page_bounds page_bounds_of(const struct mns_list_page *page)
{
    struct page_bounds b = {INT64_MAX, MNS_LIST_PAGE_DEFAULT};
    if (page != NULL && page->before > 0)
        b.before = page->before;
    if (page != NULL && page->limit > 0)
        b.limit = page->limit > MNS_LIST_PAGE_MAX ? MNS_LIST_PAGE_MAX : page->limit;
    return b;
}

mns_err page_next_set(json_t **result, int64_t next)
{
    if (json_object_set_new(*result, "next_before", next > 0 ? json_integer(next) : json_null()) == 0)
        return MNS_OK;
    json_decref(*result);
    *result = NULL;
    return MNS_ERR_NOMEM;
}

struct sql_cols {
    const char *sql;
    const struct list_col *cols;
    size_t ncols;
    struct page_bounds page;
};

static mns_err fill_rows(struct mns_vault *v, int64_t tid, json_t *list, const void *ctx)
{
    const struct sql_cols *q = ctx;
    /* one row more than the page: whether there is a next one */
    const int64_t more[2] = {q->page.before, q->page.limit + 1};
    return rows_json_ex(v, q->sql, tid, more, 2, q->cols, q->ncols, list);
}

mns_err tenant_list(struct mns_vault *v, const struct mns_actor *actor, const char *action, unsigned roles,
                    const char *tenant_code, const struct mns_list_page *page, const char *sql,
                    const struct list_col *cols, size_t ncols, const char *key, json_t **result, mns_errmsg *em)
{
    const struct sql_cols q = {sql, cols, ncols, page_bounds_of(page)};
    mns_err err = tenant_list_fill(v, actor, action, roles, tenant_code, fill_rows, &q, key, result, em);
    if (err != MNS_OK)
        return err;
    json_t *list = json_object_get(*result, key);
    int64_t next = 0;
    if ((int64_t)json_array_size(list) > q.page.limit) {
        json_array_remove(list, (size_t)q.page.limit);
        /* the id is the first column */
        next = json_integer_value(json_object_get(json_array_get(list, (size_t)q.page.limit - 1), cols[0].key));
    }
    return page_next_set(result, next);
}
