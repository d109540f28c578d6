/*
 * rate_share.h: the request rate limit shared by the servers on one
 * database (rate_share.c).
 */
#ifndef MNS_SRC_RATE_SHARE_H
#define MNS_SRC_RATE_SHARE_H

#include <stdbool.h>

#include "server.h"

struct rate_share;

/* Starts the exchange thread when the store is shared with other servers
 * and per_s > 0; otherwise *out stays NULL (and rate_share_allows lets
 * everything through). 0, or -1 without memory or a thread. */
int rate_share_start(struct rate_share **out, struct mns_vault *vault, unsigned per_s);
/* Counts one request of client; false if all servers together let this
 * client through too much lately. For one thread (the event loop). */
bool rate_share_allows(struct rate_share *rs, const char *client);
/* Stops the thread and frees. NULL-safe. */
void rate_share_stop(struct rate_share *rs);

#endif
