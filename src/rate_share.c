/*
 * rate_share.c: the part of the request rate limit that several servers on
 * one database share (issue 10). http.c's token bucket limits what one
 * server takes from a client; here the requests each server let through are
 * counted per client and handed to the database once a second
 * (mns_vault_rate_share), which answers the clients that all servers
 * together let through too much. Those are refused on every server until a
 * later exchange clears them, so a client cannot multiply its rate by the
 * number of servers behind a load balancer.
 *
 * The event loop thread counts and checks (rate_share_allows); a thread of
 * its own does the exchange, so the loop never waits for the database.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "rate_share.h"

#define COUNT_SLOTS 1024 /* clients counted between two exchanges */
#define OVER_MAX 256     /* clients refused at once */
#define WINDOW_S 2       /* the shared limit is per_s * WINDOW_S over the last WINDOW_S seconds */

struct rate_share {
    struct mns_vault *vault;
    unsigned per_s;
    pthread_t thread;
    pthread_mutex_t lock; /* counts, over, stop */
    pthread_cond_t wake;
    bool stop;
    bool failing; /* the last exchange failed (logged once) */
    struct mns_rate_count counts[COUNT_SLOTS];
    struct mns_rate_count over[OVER_MAX];
    size_t n_over;
};

static uint32_t client_hash(const char *client)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)client; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

bool rate_share_allows(struct rate_share *rs, const char *client)
{
    if (rs == NULL)
        return true;
    bool allowed = true;
    pthread_mutex_lock(&rs->lock);
    for (size_t i = 0; i < rs->n_over && allowed; i++)
        if (strcmp(rs->over[i].client, client) == 0)
            allowed = false;
    if (allowed) {
        uint32_t h = client_hash(client);
        for (unsigned i = 0; i < COUNT_SLOTS; i++) {
            struct mns_rate_count *c = &rs->counts[(h + i) % COUNT_SLOTS];
            if (c->client[0] == '\0')
                snprintf(c->client, sizeof(c->client), "%s", client);
            if (strcmp(c->client, client) == 0) {
                c->requests++;
                break;
            }
        }
        /* a table full of other clients leaves this one uncounted until the
         * next exchange; its own server's bucket still limits it */
    }
    pthread_mutex_unlock(&rs->lock);
    return allowed;
}

static void *exchange_main(void *arg)
{
    struct rate_share *rs = arg;
    struct mns_rate_count *counts = calloc(COUNT_SLOTS, sizeof(*counts));
    struct mns_rate_count over[OVER_MAX];
    size_t n_over = 0;
    if (counts == NULL)
        return NULL;
    pthread_mutex_lock(&rs->lock);
    while (!rs->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_cond_timedwait(&rs->wake, &rs->lock, &until);
        if (rs->stop)
            break;
        size_t n = 0;
        for (unsigned i = 0; i < COUNT_SLOTS; i++)
            if (rs->counts[i].client[0] != '\0')
                counts[n++] = rs->counts[i];
        memset(rs->counts, 0, sizeof(rs->counts));
        pthread_mutex_unlock(&rs->lock);

        mns_errmsg em = {{0}};
        mns_err err = mns_vault_rate_share(rs->vault, (int64_t)time(NULL), counts, n, rs->per_s, WINDOW_S, over,
                                           OVER_MAX, &n_over, &em);

        pthread_mutex_lock(&rs->lock);
        /* without the database the shared limit is not known: each server's
         * own bucket is what is left (requests then fail with 503 anyway) */
        if (err != MNS_OK) {
            n_over = 0;
            if (!rs->failing)
                log_line("warn", "shared rate limit unavailable", "\"error\":\"%s\"", mns_strerror(err));
        } else if (rs->failing) {
            log_line("info", "shared rate limit available again", NULL);
        }
        rs->failing = err != MNS_OK;
        for (size_t i = 0; i < n_over; i++) {
            bool known = false;
            for (size_t k = 0; k < rs->n_over && !known; k++)
                known = strcmp(rs->over[k].client, over[i].client) == 0;
            if (!known)
                log_line("warn", "client over the shared rate limit", "\"client\":\"%s\",\"requests\":%u",
                         over[i].client, over[i].requests);
        }
        memcpy(rs->over, over, n_over * sizeof(over[0]));
        rs->n_over = n_over;
    }
    pthread_mutex_unlock(&rs->lock);
    free(counts);
    return NULL;
}

int rate_share_start(struct rate_share **out, struct mns_vault *vault, unsigned per_s)
{
    *out = NULL;
    if (per_s == 0 || !mns_vault_store_is_shared(vault))
        return 0; /* nothing to share */
    struct rate_share *rs = calloc(1, sizeof(*rs));
    if (rs == NULL)
        return -1;
    rs->vault = vault;
    rs->per_s = per_s;
    pthread_mutex_init(&rs->lock, NULL);
    pthread_cond_init(&rs->wake, NULL);
    if (pthread_create(&rs->thread, NULL, exchange_main, rs) != 0) {
        pthread_mutex_destroy(&rs->lock);
        pthread_cond_destroy(&rs->wake);
        free(rs);
        return -1;
    }
    *out = rs;
    return 0;
}

void rate_share_stop(struct rate_share *rs)
{
    if (rs == NULL)
        return;
    pthread_mutex_lock(&rs->lock);
    rs->stop = true;
    pthread_cond_signal(&rs->wake);
    pthread_mutex_unlock(&rs->lock);
    pthread_join(rs->thread, NULL);
    pthread_mutex_destroy(&rs->lock);
    pthread_cond_destroy(&rs->wake);
    free(rs);
}
