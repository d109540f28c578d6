/*
 * rate_counts.c: the request rate limit shared by the servers on one
 * database (issue 10). The servers' HTTP layers count their network
 * clients' requests; once a second each adds its counts here and reads the
 * sums of every server. Counting in the database per request would put a
 * write on every request's path; once a second per server is cheap, and a
 * client that spreads a flood over the servers is stopped within about a
 * second on all of them.
 */
#include <string.h>

#include "vault/internal.h"

/* Rows older than this are deleted by the next call. */
#define RATE_KEEP_S 60

bool mns_vault_store_is_shared(struct mns_vault *v)
{
    return mns_store_is_shared(v->store);
}

static mns_err add_counts(struct mns_store *st, int64_t now_s, const struct mns_rate_count *counts, size_t n)
{
    struct mns_stmt *s;
    mns_err err = MNS_OK;
    for (size_t i = 0; i < n && err == MNS_OK; i++) {
        if (counts[i].requests == 0)
            continue;
        if ((err = mns_store_prepare(st, &s,
                                     "INSERT INTO rate_counts (client, window_start, requests) VALUES (?, ?, ?) "
                                     "ON CONFLICT (client, window_start) DO UPDATE "
                                     "SET requests = rate_counts.requests + excluded.requests")) != MNS_OK)
            break;
        if ((err = mns_stmt_bind_text(s, 1, counts[i].client, -1)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 2, now_s)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 3, counts[i].requests)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    return err;
}

static mns_err read_over(struct mns_store *st, int64_t now_s, unsigned per_s, unsigned window_s,
                         struct mns_rate_count *over, size_t max_over, size_t *n_over)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(st, &s,
                                    "SELECT client, sum(requests) FROM rate_counts WHERE window_start > ? "
                                    "GROUP BY client HAVING sum(requests) > ? ORDER BY 2 DESC LIMIT ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, now_s - (int64_t)window_s)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 2, (int64_t)per_s * window_s)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, (int64_t)max_over)) == MNS_OK) {
        while (*n_over < max_over && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            struct mns_rate_count *o = &over[(*n_over)++];
            const char *client = mns_stmt_text(s, 0);
            int64_t sum = mns_stmt_int64(s, 1);
            snprintf(o->client, sizeof(o->client), "%s", client ? client : "");
            o->requests = sum > UINT32_MAX ? UINT32_MAX : (uint32_t)sum;
        }
    }
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_rate_share(struct mns_vault *v, int64_t now_s, const struct mns_rate_count *counts, size_t n,
                             unsigned per_s, unsigned window_s, struct mns_rate_count *over, size_t max_over,
                             size_t *n_over, mns_errmsg *em)
{
    struct mns_store *st = NULL;
    struct mns_stmt *s;
    mns_err err;
    *n_over = 0;
    if (v->readers == NULL)
        return mns_fail(em, MNS_ERR_STATE, "rate limit: the store is not shared with other servers");
    if (per_s == 0 || window_s == 0)
        return mns_fail(em, MNS_ERR_INVALID, "rate limit: per_s and window_s must be above 0");
    if ((err = mns_store_pool_take(v->readers, &st, em)) != MNS_OK)
        return err;
    /* one statement each, no transaction: an upsert adds atomically, and
     * the write lock of the acts is not needed for counts */
    if ((err = add_counts(st, now_s, counts, n)) == MNS_OK &&
        (err = read_over(st, now_s, per_s, window_s, over, max_over, n_over)) == MNS_OK &&
        (err = mns_store_prepare(st, &s, "DELETE FROM rate_counts WHERE window_start < ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, now_s - RATE_KEEP_S)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    if (err != MNS_OK)
        mns_fail(em, err, "rate limit: %s", mns_store_errmsg(st));
    mns_store_pool_give(v->readers, st);
    return err;
}
