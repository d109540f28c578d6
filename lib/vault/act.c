/*
 * act.c: every act of the vault is one transaction that holds the act's rows
 * and its audit entry, so neither exists without the other. A refused or
 * failed act leaves no rows, only its own audit entry.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vault/internal.h"

static const struct mns_actor system_actor = {.user_id = 0, .name = "system", .role = MNS_ROLE_NONE, .client = "local"};

void mns_actor_anonymous(struct mns_actor *actor, const char *client)
{
    memset(actor, 0, sizeof(*actor));
    snprintf(actor->name, sizeof(actor->name), "-");
    snprintf(actor->client, sizeof(actor->client), "%s", client != NULL ? client : "-");
}

void act_init(struct act *a, struct mns_vault *v, const struct mns_actor *actor, const char *action)
{
    memset(a, 0, sizeof(*a));
    a->v = v;
    a->actor = actor != NULL ? actor : &system_actor;
    a->action = action;
}

/*
 * Group commit. One fsync per act would cap the vault at the disk's commit
 * rate, so the acts of concurrent threads share one transaction: each act
 * runs under a savepoint of its own inside the open group (so a failing act
 * undoes only itself), then waits, without the lock, until the group is
 * durable. The group is committed by whichever thread holds the lock when
 * nobody else is queued for it (or the group is big or old enough). That
 * thread commits under the lock and then, with the lock released, syncs the
 * store (mns_store_sync) while the next group is already being built; only
 * then does every member learn the outcome. An act whose group failed to
 * commit or to sync reports MNS_ERR_AUDIT: its audit entry is not durable,
 * so it did not happen. A failed sync leaves committed rows that may not be
 * on disk: the vault then refuses every further act until it is restarted
 * (as PostgreSQL does after a failed fsync).
 *
 * A group's members wait on durable_lock/durable, not on the vault lock, so
 * that the wake-up after a commit does not make them all queue for it again.
 */

void vault_lock(struct mns_vault *v)
{
    atomic_fetch_add(&v->queued, 1);
    pthread_mutex_lock(&v->lock);
    atomic_fetch_sub(&v->queued, 1);
}

static bool group_due(struct mns_vault *v)
{
    return v->group != NULL && (atomic_load(&v->queued) == 0 || v->group_acts >= GROUP_MAX_ACTS ||
                                mns_now_ms() - v->group_started_ms >= GROUP_MAX_MS);
}

/* With the committer running, an act still commits its group itself when
 * the group is big or old: a long act (an add of 10,000 persons) would
 * otherwise wait for the acts that took the lock before the committer. */
static bool group_overdue(struct mns_vault *v)
{
    return v->group != NULL &&
           (v->group_acts >= GROUP_MAX_ACTS || mns_now_ms() - v->group_started_ms >= GROUP_MAX_MS);
}

/* Tells g's members its outcome (waiting threads, then the deferred acts'
 * callbacks); frees it if nobody waits. */
static void group_finish(struct mns_vault *v, struct group *g, mns_err result)
{
    pthread_mutex_lock(&v->durable_lock);
    g->done = true;
    g->result = result;
    struct durable_cb *cbs = g->callbacks;
    g->callbacks = NULL;
    for (struct durable_cb *c = cbs; c != NULL; c = c->next)
        g->waiters--;
    bool unused = g->waiters == 0;
    pthread_cond_broadcast(&v->durable);
    pthread_mutex_unlock(&v->durable_lock);
    while (cbs != NULL) {
        struct durable_cb *c = cbs;
        cbs = c->next;
        c->fn(c->arg, result);
        free(c);
    }
    if (unused)
        free(g);
}

/* With the committer running, acts ask it to commit instead of committing. */
static void committer_nudge(struct mns_vault *v)
{
    pthread_mutex_lock(&v->commit_lock);
    if (!v->commit_wanted) {
        v->commit_wanted = true;
        pthread_cond_signal(&v->commit_cond);
    }
    pthread_mutex_unlock(&v->commit_lock);
}

/*
 * An act that failed because the database server went away (PostgreSQL
 * restarting) did not happen either way, but its caller should hear "cannot
 * be reached, try again" (MNS_ERR_IO, 503) rather than an internal error.
 * Lock held: the store's connection is read.
 */
static mns_err unless_unreachable(struct mns_vault *v, mns_err err)
{
    bool generic = err == MNS_ERR_AUDIT || err == MNS_ERR_STORE;
    return generic && !mns_store_connected(v->store) ? MNS_ERR_IO : err;
}

/*
 * Commits the open group (lock held) without waiting for the disk and
 * detaches it: the next act opens a new group. Returns the group, to be
 * handed to group_sync; NULL when there was none or the commit failed (its
 * members have been told).
 */
static struct group *group_commit(struct mns_vault *v, mns_err *result)
{
    struct group *g = v->group;
    *result = MNS_OK;
    if (g == NULL)
        return NULL;
    /* a transaction the database ended by itself cannot be committed */
    mns_err c = mns_store_in_transaction(v->store) ? mns_store_commit_unsynced(v->store) : MNS_ERR_STORE;
    v->group = NULL;
    v->group_acts = 0;
    if (c != MNS_OK) {
        /* either way the acts did not happen; a full disk or an unreachable
         * database is worth naming */
        *result = (c == MNS_ERR_FULL || c == MNS_ERR_IO) ? c : unless_unreachable(v, MNS_ERR_AUDIT);
        mns_store_rollback(v->store);
        mns_audit_abort(v->audit);
        group_finish(v, g, *result);
        return NULL;
    }
    /* a failed checkpoint does not undo committed acts: `audit verify`
     * sees the gap, and the next checkpoint covers it */
    ignore_err(mns_audit_commit_unsynced(v->audit));
    g->audit_upto = mns_audit_count(v->audit);
    if (v->purge_pending && mns_store_purge_deleted(v->store, person_tables) == MNS_OK)
        v->purge_pending = false;
    return g;
}

const char *const person_tables[] = {"persons", "dependents", "person_purposes", "collection_documents",
                                     "collections", NULL};

/* Makes a committed group durable and tells its members (lock not needed);
 * without file, a checkpoint signed at its commit is left for a later
 * mns_audit_flush_file_upto (the committer's). */
static mns_err group_sync_ex(struct mns_vault *v, struct group *g, bool file)
{
    uint64_t upto = g->audit_upto; /* group_finish may free g */
    mns_err r = mns_store_sync(v->store);
    if (r != MNS_OK) {
        atomic_store(&v->sync_failed, true);
        r = MNS_ERR_AUDIT;
    }
    group_finish(v, g, r);
    /* a checkpoint signed at this commit goes to the file once its row is
     * durable; if that fails, the next flush retries it */
    if (r == MNS_OK && file)
        ignore_err(mns_audit_flush_file_upto(v->audit, upto));
    return r;
}

static mns_err group_sync(struct mns_vault *v, struct group *g)
{
    return group_sync_ex(v, g, true);
}

mns_err vault_flush(struct mns_vault *v)
{
    mns_err r;
    struct group *g = group_commit(v, &r);
    return g != NULL ? group_sync(v, g) : r;
}

void vault_unlock(struct mns_vault *v)
{
    mns_err r;
    bool nudge = v->committer_on && v->group != NULL;
    struct group *g = !v->committer_on && group_due(v) ? group_commit(v, &r) : NULL;
    pthread_mutex_unlock(&v->lock);
    if (nudge)
        committer_nudge(v);
    if (g != NULL)
        ignore_err(group_sync(v, g));
}

static mns_err group_join(struct mns_vault *v)
{
    if (atomic_load(&v->sync_failed))
        return MNS_ERR_STORE;
    if (v->group != NULL && !mns_store_in_transaction(v->store)) {
        /* the database rolled the group back after an error: its acts fail */
        struct group *g = v->group;
        v->group = NULL;
        v->group_acts = 0;
        mns_audit_abort(v->audit);
        group_finish(v, g, unless_unreachable(v, MNS_ERR_AUDIT));
    }
    if (v->group != NULL)
        return MNS_OK;
    struct group *g = calloc(1, sizeof(*g));
    if (g == NULL)
        return MNS_ERR_NOMEM;
    mns_err b = mns_store_begin(v->store);
    if (b != MNS_OK) {
        free(g);
        return b == MNS_ERR_IO ? MNS_ERR_IO : MNS_ERR_STORE; /* IO: the database cannot be reached */
    }
    /* other servers may have appended to the audit log since our last
     * group: continue their chain (the write lock is held now) */
    if (mns_store_is_shared(v->store) && mns_audit_reload(v->audit) != MNS_OK) {
        mns_store_rollback(v->store);
        free(g);
        return MNS_ERR_AUDIT;
    }
    v->group = g;
    v->group_started_ms = mns_now_ms();
    return MNS_OK;
}

/* Waits for g's outcome and lets go of it (one waiter's count). */
static mns_err group_await(struct mns_vault *v, struct group *g)
{
    pthread_mutex_lock(&v->durable_lock);
    while (!g->done)
        pthread_cond_wait(&v->durable, &v->durable_lock);
    mns_err result = g->result;
    bool last = --g->waiters == 0;
    pthread_mutex_unlock(&v->durable_lock);
    if (last)
        free(g);
    return result;
}

/* Deferred durability on this thread (mns_vault_defer_begin): the group the
 * thread's acts wait for, and the outcome of an earlier one that failed. */
static _Thread_local struct {
    struct mns_vault *v;
    struct group *g;
    mns_err early;
} deferred;

/*
 * Counts the act into the open group, releases the vault lock and waits for
 * the group's outcome; commits (and syncs) it first if it is due. With
 * relock, takes the lock again before returning. Under deferral (and without
 * relock) it does not wait: the thread's ticket holds the group.
 */
static mns_err group_wait(struct mns_vault *v, bool relock)
{
    struct group *g = v->group;
    if (g == NULL) {
        if (!relock)
            pthread_mutex_unlock(&v->lock);
        return MNS_ERR_AUDIT;
    }
    pthread_mutex_lock(&v->durable_lock);
    g->waiters++;
    pthread_mutex_unlock(&v->durable_lock);
    v->group_acts++;
    mns_err r;
    bool committer = v->committer_on, deferring = !relock && deferred.v == v;
    /* a deferred act never commits (its thread has answers to serve) */
    struct group *mine = (committer ? !deferring && group_overdue(v) : group_due(v)) ? group_commit(v, &r) : NULL;
    pthread_mutex_unlock(&v->lock);
    if (committer)
        committer_nudge(v);
    if (mine != NULL)
        ignore_err(group_sync(v, mine));

    if (!relock && deferred.v == v) {
        if (deferred.g == NULL) {
            deferred.g = g;
            return MNS_OK;
        }
        /* a second act of the same request: one count per group is enough,
         * and an older group is waited for now (rare) */
        mns_err older = MNS_OK;
        if (deferred.g != g) {
            older = group_await(v, deferred.g);
            deferred.g = g;
        } else {
            older = MNS_OK;
            pthread_mutex_lock(&v->durable_lock);
            g->waiters--; /* g had a count from the first act; never the last one here */
            pthread_mutex_unlock(&v->durable_lock);
        }
        if (older != MNS_OK && deferred.early == MNS_OK)
            deferred.early = older;
        return MNS_OK;
    }
    mns_err result = group_await(v, g);
    if (relock)
        vault_lock(v);
    return result;
}

void mns_vault_defer_begin(struct mns_vault *v)
{
    deferred.v = v;
    deferred.g = NULL;
    deferred.early = MNS_OK;
}

mns_err mns_vault_defer_end(struct mns_vault *v, struct mns_durable_ticket **ticket)
{
    mns_err early = deferred.early;
    struct group *g = deferred.g;
    (void)v;
    deferred.v = NULL;
    deferred.g = NULL;
    deferred.early = MNS_OK;
    *ticket = NULL;
    if (early != MNS_OK) {
        if (g != NULL)
            ignore_err(group_await(v, g));
        return early;
    }
    *ticket = (struct mns_durable_ticket *)g;
    return MNS_OK;
}

void mns_vault_when_durable(struct mns_vault *v, struct mns_durable_ticket *ticket, mns_durable_fn fn, void *arg)
{
    struct group *g = (struct group *)ticket;
    struct durable_cb *c = malloc(sizeof(*c));
    pthread_mutex_lock(&v->durable_lock);
    if (!g->done && c != NULL) {
        /* the ticket's waiter count passes to the callback */
        c->fn = fn;
        c->arg = arg;
        c->next = g->callbacks;
        g->callbacks = c;
        pthread_mutex_unlock(&v->durable_lock);
        return;
    }
    pthread_mutex_unlock(&v->durable_lock);
    free(c);
    /* known already (or no memory for a callback): wait here */
    fn(arg, group_await(v, g));
}

/* ---- the committer ------------------------------------------------------- */

/* Under load the checkpoint file (an append and an fsync of its own) is
 * written at most this often, with every note signed since. */
#define COMMITTER_FILE_MS 200

static void *committer_main(void *arg)
{
    struct mns_vault *v = arg;
    int64_t file_at = 0;
    uint64_t durable_upto = 0; /* audit entries the committer's syncs made durable */
    for (;;) {
        pthread_mutex_lock(&v->commit_lock);
        while (!v->commit_wanted && !v->commit_stop)
            pthread_cond_wait(&v->commit_cond, &v->commit_lock);
        bool stopping = v->commit_stop;
        v->commit_wanted = false;
        pthread_mutex_unlock(&v->commit_lock);
        /* everything joined meanwhile goes in one commit and one sync */
        vault_lock(v);
        mns_err r;
        struct group *g = group_commit(v, &r);
        pthread_mutex_unlock(&v->lock);
        uint64_t upto = g != NULL ? g->audit_upto : 0; /* group_sync_ex may free g */
        if (g != NULL && group_sync_ex(v, g, false) == MNS_OK) {
            /* the file gets the notes now durable: at once when nothing
             * waits, else now and then */
            durable_upto = upto;
            pthread_mutex_lock(&v->commit_lock);
            bool busy = v->commit_wanted && !v->commit_stop;
            pthread_mutex_unlock(&v->commit_lock);
            int64_t now = mns_now_ms();
            if (!busy || now - file_at >= COMMITTER_FILE_MS) {
                ignore_err(mns_audit_flush_file_upto(v->audit, durable_upto));
                file_at = now;
            }
        }
        if (stopping) {
            ignore_err(mns_audit_flush_file_upto(v->audit, durable_upto));
            return NULL;
        }
    }
}

mns_err mns_vault_committer_start(struct mns_vault *v)
{
    vault_lock(v);
    if (v->committer_on) {
        pthread_mutex_unlock(&v->lock);
        return MNS_OK;
    }
    v->commit_stop = false;
    v->commit_wanted = false;
    if (pthread_create(&v->committer, NULL, committer_main, v) != 0) {
        pthread_mutex_unlock(&v->lock);
        return MNS_ERR_NOMEM;
    }
    v->committer_on = true;
    pthread_mutex_unlock(&v->lock);
    return MNS_OK;
}

void mns_vault_committer_stop(struct mns_vault *v)
{
    vault_lock(v);
    bool on = v->committer_on;
    pthread_mutex_unlock(&v->lock);
    if (!on)
        return;
    pthread_mutex_lock(&v->commit_lock);
    v->commit_stop = true;
    pthread_cond_signal(&v->commit_cond);
    pthread_mutex_unlock(&v->commit_lock);
    pthread_join(v->committer, NULL);
    vault_lock(v);
    v->committer_on = false;
    pthread_mutex_unlock(&v->lock);
    /* what joined after the committer's last commit is committed here */
    vault_lock(v);
    ignore_err(vault_flush(v));
    pthread_mutex_unlock(&v->lock);
}

mns_err act_group_join(struct act *a)
{
    return group_join(a->v);
}

mns_err act_begin(struct act *a)
{
    if (a->open)
        return MNS_OK;
    mns_err j = group_join(a->v);
    if (j != MNS_OK)
        return j == MNS_ERR_IO ? MNS_ERR_IO : unless_unreachable(a->v, MNS_ERR_STORE);
    if (mns_store_savepoint(a->v->store, "act") != MNS_OK)
        return unless_unreachable(a->v, MNS_ERR_STORE);
    a->audit_mark = mns_audit_mark(a->v->audit);
    a->open = true;
    return MNS_OK;
}

static mns_err append(struct act *a, const char *action, const char *subject, const char *result)
{
    /* an entry outside a transaction would be durable at once, whatever
     * became of the act: never */
    if (!mns_store_in_transaction(a->v->store))
        return MNS_ERR_AUDIT;
    struct mns_audit_entry e = {
        .actor = a->actor->name[0] ? a->actor->name : "-",
        .action = action,
        .tenant_id = a->tenant_id,
        .subject = (subject != NULL && subject[0]) ? subject : NULL,
        .purpose = a->purpose,
        .result = result,
        .client = a->actor->client[0] ? a->actor->client : NULL,
        .detail = (action == a->action && a->detail[0]) ? a->detail : NULL,
    };
    return mns_audit_append(a->v->audit, &e) == MNS_OK ? MNS_OK : MNS_ERR_AUDIT;
}

mns_err act_audit(struct act *a, const char *action, const char *subject, const char *result)
{
    return append(a, action, subject, result);
}

void act_note(struct act *a, const char *fmt, ...)
{
    size_t used = strlen(a->detail);
    if (used > 0 && used + 2 < sizeof(a->detail)) {
        memcpy(a->detail + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->detail + used, sizeof(a->detail) - used, fmt, ap);
    va_end(ap);
}

static void result_text(char *buf, size_t size, mns_err err)
{
    if (err == MNS_ERR_DENIED || err == MNS_ERR_AUTH || err == MNS_ERR_PURPOSE || err == MNS_ERR_SEALED ||
        err == MNS_ERR_MFA)
        snprintf(buf, size, "denied:%s", mns_err_name(err));
    else
        snprintf(buf, size, "error:%s", mns_err_name(err));
}

/* Undoes everything the act wrote, its audit entries included. */
static void act_undo(struct act *a)
{
    if (!a->open)
        return;
    mns_store_rollback_to(a->v->store, "act");
    ignore_err(mns_store_release(a->v->store, "act"));
    mns_audit_abort_to(a->v->audit, a->audit_mark);
    a->open = false;
}

static mns_err act_close(struct act *a, mns_err err, bool relock)
{
    struct mns_vault *v = a->v;
    if (err == MNS_OK) {
        mns_err e2 = act_begin(a);
        if (e2 == MNS_OK)
            e2 = append(a, a->action, a->subject, "ok");
        if (e2 == MNS_OK && mns_store_release(v->store, "act") != MNS_OK)
            e2 = MNS_ERR_AUDIT;
        if (e2 != MNS_OK) {
            mns_err failed = unless_unreachable(v, MNS_ERR_AUDIT);
            act_undo(a);
            if (!relock)
                vault_unlock(v);
            return failed;
        }
        a->open = false;
        mns_err r = group_wait(v, relock);
        return r == MNS_OK || r == MNS_ERR_FULL || r == MNS_ERR_IO ? r : MNS_ERR_AUDIT;
    }
    err = unless_unreachable(v, err);
    act_undo(a);
    /* the ok detail described what the act did; it did nothing */
    snprintf(a->detail, sizeof(a->detail), "%s", a->failure_detail != NULL ? a->failure_detail : "");
    char result[48];
    result_text(result, sizeof(result), err);
    /* the refusal itself is evidence: written in the group, outside the
     * undone savepoint; if even that fails, the refusal stands */
    if (group_join(v) != MNS_OK) {
        if (!relock)
            vault_unlock(v);
        return err;
    }
    if (append(a, a->action, a->subject, result) != MNS_OK) {
        /* a field the log refuses (too long, odd characters) must not hide
         * the refusal: record it without the caller-supplied parts */
        a->purpose = NULL;
        if (append(a, a->action, NULL, "error:audit_field") != MNS_OK) {
            if (!relock)
                vault_unlock(v);
            return err;
        }
    }
    ignore_err(group_wait(v, relock));
    return err;
}

mns_err act_end(struct act *a, mns_err err)
{
    return act_close(a, err, true);
}

mns_err act_finish(struct act *a, mns_err err)
{
    return act_close(a, err, false);
}

mns_err act_finish_result(struct act *a, mns_err err, json_t *obj, json_t **result)
{
    err = act_finish(a, err);
    if (err != MNS_OK) {
        json_decref(obj);
        return err;
    }
    *result = obj;
    return MNS_OK;
}

mns_err act_end_list(struct act *a, mns_err err, const char *key, json_t *list, json_t **result)
{
    err = act_finish(a, err);
    if (err != MNS_OK) {
        json_decref(list);
        return err;
    }
    *result = json_pack("{s:o}", key, list);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err require_role(const struct mns_actor *actor, unsigned roles, mns_errmsg *em)
{
    if (actor == NULL || actor->user_id == 0)
        return mns_fail(em, MNS_ERR_AUTH, "login required / ログインが必要です");
    if (actor->must_change_password)
        return mns_fail(em, MNS_ERR_DENIED, "change your one-time password first (mnsafe passwd) / "
                        "先に初期パスワードを変更してください（mnsafe passwd）");
    if (actor->role_pending)
        return mns_fail(em, MNS_ERR_DENIED, "your role awaits approval by another person / "
                        "ロールの付与は承認待ちです");
    if (actor->must_enroll_mfa)
        return mns_fail(em, MNS_ERR_DENIED, "your role needs two-factor login: set it up first (mnsafe mfa enroll) / "
                        "このロールには二要素認証が必要です。先に設定してください（mnsafe mfa enroll）");
    if ((actor->role & roles) == 0)
        return mns_fail(em, MNS_ERR_DENIED, "your role (%s) may not do this / このロール（%s）では実行できません",
                        mns_role_name(actor->role), mns_role_name(actor->role));
    return MNS_OK;
}

mns_err require_unsealed(struct mns_vault *v, mns_errmsg *em)
{
    if (!v->unsealed)
        return mns_fail(em, MNS_ERR_SEALED, "the vault is sealed: unseal it first / 金庫が封印されています。先にアンシールしてください");
    return MNS_OK;
}

/* The tenant's own rules (networks, hours, two factors) bind those who work
 * on its persons, clerks and officers; sysadmins and auditors, who never see
 * a number, answer to the installation's role rules (so a bad tenant rule
 * cannot lock out the sysadmin who would fix it). why names the rule refused. */
static mns_err tenant_policy_check(const struct mns_actor *actor, bool require_mfa,
                                   const char *networks, const char *hours, const char **why, mns_errmsg *em)
{
    struct access_role rule;
    mns_err err;
    *why = NULL;
    if ((actor->role & (MNS_ROLE_CLERK | MNS_ROLE_OFFICER)) == 0)
        return MNS_OK;
    if (require_mfa && !actor->totp_enabled) {
        *why = "tenant requires two-factor login";
        return mns_fail(em, MNS_ERR_DENIED, "this tenant requires two-factor login: set it up first (mnsafe mfa enroll) / "
                        "この事業者では二要素認証が必要です。先に設定してください（mnsafe mfa enroll）");
    }
    if ((networks == NULL || networks[0] == '\0') && (hours == NULL || hours[0] == '\0'))
        return MNS_OK;
    /* stored rules were checked when set; one that no longer parses denies */
    if ((err = access_rule_parse(&rule, networks, hours, NULL)) != MNS_OK) {
        *why = "tenant rule unreadable";
        return mns_fail(em, MNS_ERR_DENIED, "this tenant's access rule cannot be read / 事業者のアクセス規則を読めません");
    }
    return access_rule_check(&rule, actor->client, mns_now_ms(), true, why, em);
}

mns_err resolve_tenant(struct mns_vault *v, struct act *a, const struct mns_actor *actor, const char *code,
                       int64_t *tenant_id, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row, require_mfa = false;
    char networks[1024] = "", hours[64] = "";
    const char *why = NULL;
    mns_err err;

    *tenant_id = 0;
    if (a != NULL)
        a->files = 0;
    if (code == NULL || code[0] == '\0')
        return mns_fail(em, MNS_ERR_INVALID, "no tenant given / 事業者が指定されていません");
    /* the tenant and the actor's assignment to it in one statement (every
     * act on a tenant's data runs it) */
    bool assigned = false;
    unsigned files = MNS_FILES_ALL;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT t.id, t.require_mfa, t.allow_networks, t.allow_hours, a.files FROM tenants t "
                                 "LEFT JOIN assignments a ON a.tenant_id = t.id AND a.user_id = ? WHERE t.code = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, actor->user_id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, code, -1)) == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row) {
        *tenant_id = mns_stmt_int64(s, 0);
        require_mfa = mns_stmt_int64(s, 1) != 0;
        snprintf(networks, sizeof(networks), "%s", mns_stmt_text(s, 2) ? mns_stmt_text(s, 2) : "");
        snprintf(hours, sizeof(hours), "%s", mns_stmt_text(s, 3) ? mns_stmt_text(s, 3) : "");
        assigned = !mns_stmt_is_null(s, 4);
        if (assigned)
            files = (unsigned)mns_stmt_int64(s, 4);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (*tenant_id == 0)
        return mns_fail(em, MNS_ERR_NOT_FOUND, "no such tenant / 事業者が見つかりません");
    /* recorded before the assignment check: a refused probe names its tenant */
    if (a != NULL)
        a->tenant_id = *tenant_id;
    if (actor->role == MNS_ROLE_SYSADMIN || actor->role == MNS_ROLE_AUDITOR) {
        files = MNS_FILES_ALL;
    } else if (!assigned) {
        /* clerks and officers work only on the tenants they are assigned to,
         * and there only on the SPI files of their assignment */
        return mns_fail(em, MNS_ERR_DENIED, "you are not assigned to this tenant / この事業者の担当ではありません");
    }
    if ((err = tenant_policy_check(actor, require_mfa, networks, hours, &why, em)) != MNS_OK) {
        if (a != NULL)
            a->failure_detail = why;
        return err;
    }
    if (a != NULL)
        a->files = files;
    return MNS_OK;
}

unsigned file_of_kind(const char *kind)
{
    if (kind == NULL)
        return 0;
    return strcmp(kind, "employee") == 0 ? MNS_FILE_EMPLOYEES : strcmp(kind, "payee") == 0 ? MNS_FILE_PAYEES : 0;
}

mns_err require_file(const struct act *a, const char *kind, mns_errmsg *em)
{
    unsigned f = file_of_kind(kind);
    if (f != 0 && (a->files & f) != 0)
        return MNS_OK;
    return mns_fail(em, MNS_ERR_DENIED, "you are not assigned to the %s file of this tenant / "
                    "この事業者の%sファイルの担当ではありません", f == MNS_FILE_PAYEES ? "payees" : "employees",
                    f == MNS_FILE_PAYEES ? "支払先" : "従業員");
}

mns_err tenant_act_begin(struct act *a, const struct mns_actor *actor, unsigned roles, const char *tenant_code,
                         int64_t *tid, mns_errmsg *em)
{
    mns_err err;
    if ((err = require_role(actor, roles, em)) != MNS_OK ||
        (err = resolve_tenant(a->v, a, actor, tenant_code, tid, em)) != MNS_OK)
        return err;
    return act_begin(a);
}
