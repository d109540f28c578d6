/*
 * session_cache.c: the sessions and program tokens that authenticated a
 * moment ago, so that a request need not queue for the vault lock and read
 * the database only to learn who sent it (it did so for every request: a
 * fifth of the daemon's time under load).
 *
 * An entry is used only while nothing it was read from can have changed:
 * the store counts every row change of users, sessions and api_tokens
 * (mns_store_watch), and an entry remembers the count it was read at. A
 * login, logout, lockout, password or role change, disabling, or a revoked
 * token therefore empties the cache for everyone at once. Entries are also
 * at most SESSION_CACHE_MAX_AGE_MS old, in case a change escaped the count.
 * A backend that cannot count (a database shared by several servers) gets
 * no cache. The cache holds token hashes, never tokens.
 */
#include <string.h>


#include "vault/internal.h"

static const char *const watched[] = {"users", "sessions", "api_tokens", NULL};

void session_cache_init(struct mns_vault *v)
{
    struct session_cache *c = &v->sessions;
    pthread_mutex_init(&c->lock, NULL);
    atomic_init(&c->changes, 0);
    c->enabled = false;
}

void session_cache_enable(struct mns_vault *v)
{
    struct session_cache *c = &v->sessions;
    c->enabled = v->store != NULL && mns_store_watch(v->store, watched, &c->changes) == MNS_OK;
}

void session_cache_release(struct mns_vault *v)
{
    struct session_cache *c = &v->sessions;
    mns_wipe(c->entries, sizeof(c->entries));
    pthread_mutex_destroy(&c->lock);
}

uint64_t session_cache_changes(struct mns_vault *v)
{
    return atomic_load(&v->sessions.changes);
}

bool session_cache_get(struct mns_vault *v, const uint8_t hash[MNS_HASH_LEN], int64_t now,
                       struct session_cache_entry *out)
{
    struct session_cache *c = &v->sessions;
    bool found = false;
    if (!c->enabled)
        return false;
    uint64_t changes = atomic_load(&c->changes);
    pthread_mutex_lock(&c->lock);
    for (size_t i = 0; i < SESSION_CACHE_SLOTS; i++) {
        struct session_cache_entry *e = &c->entries[i];
        if (e->used && memcmp(e->hash, hash, MNS_HASH_LEN) == 0) {
            if (e->changes == changes && now >= e->cached_at && now - e->cached_at < SESSION_CACHE_MAX_AGE_MS) {
                *out = *e;
                found = true;
            } else {
                mns_wipe(e, sizeof(*e));
            }
            break;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

void session_cache_put(struct mns_vault *v, const struct session_cache_entry *entry)
{
    struct session_cache *c = &v->sessions;
    if (!c->enabled)
        return;
    pthread_mutex_lock(&c->lock);
    struct session_cache_entry *slot = NULL;
    for (size_t i = 0; i < SESSION_CACHE_SLOTS && slot == NULL; i++) {
        if (c->entries[i].used && memcmp(c->entries[i].hash, entry->hash, MNS_HASH_LEN) == 0)
            slot = &c->entries[i];
    }
    for (size_t i = 0; i < SESSION_CACHE_SLOTS && slot == NULL; i++) {
        if (!c->entries[i].used)
            slot = &c->entries[i];
    }
    if (slot == NULL) /* full: replace in turn */
        slot = &c->entries[c->next++ % SESSION_CACHE_SLOTS];
    *slot = *entry;
    slot->used = true;
    pthread_mutex_unlock(&c->lock);
}
