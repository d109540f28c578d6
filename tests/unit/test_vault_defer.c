/*
 * test_vault_defer.c: deferred durability, as the daemon's workers use it.
 * Between mns_vault_defer_begin and _end an act returns before its group is
 * durable; the ticket tells the outcome (at once, or later on the committer
 * thread). When the group's commit fails after the act itself went well
 * (a deferred foreign key that only COMMIT checks, set up from a second
 * connection), the ticket says MNS_ERR_AUDIT: the answer must not go out,
 * and without deferral the same act is refused. Runs on SQLite and, with
 * MNS_TEST_BACKEND=postgresql, on PostgreSQL.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "vault_fixture.h"

static int setup(void **state)
{
    *state = vf_new_world("vdefer");
    return 0;
}

static int teardown(void **state)
{
    vf_free(*state);
    return 0;
}

/* what a ticket's callback reports, and a wait for it */
struct outcome {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool called;
    int calls;
    mns_err result;
    pthread_t thread;
};

static void outcome_init(struct outcome *o)
{
    memset(o, 0, sizeof(*o));
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->cond, NULL);
}

static void on_durable(void *arg, mns_err result)
{
    struct outcome *o = arg;
    pthread_mutex_lock(&o->lock);
    o->called = true;
    o->calls++;
    o->result = result;
    o->thread = pthread_self();
    pthread_cond_broadcast(&o->cond);
    pthread_mutex_unlock(&o->lock);
}

/* waits up to 10 s for the callback; its result */
static mns_err outcome_wait(struct outcome *o)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&o->lock);
    while (!o->called && pthread_cond_timedwait(&o->cond, &o->lock, &until) == 0)
        ;
    bool called = o->called;
    mns_err r = o->result;
    pthread_mutex_unlock(&o->lock);
    if (!called)
        fail_msg("the ticket's callback did not come within 10 s");
    return r;
}

/* one deferred reveal: the act's own result, and the ticket's outcome */
static mns_err deferred_reveal(struct vf *f, int64_t id, struct outcome *o, json_t **res)
{
    mns_errmsg em = {""};
    struct mns_durable_ticket *ticket = NULL;
    mns_vault_defer_begin(f->v);
    mns_err act = mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", res, &em);
    mns_err end = mns_vault_defer_end(f->v, &ticket);
    assert_int_equal(end, MNS_OK);
    if (act != MNS_OK)
        fail_msg("deferred reveal: %s (%s)", mns_err_name(act), em.text);
    assert_non_null(ticket);
    mns_vault_when_durable(f->v, ticket, on_durable, o);
    return outcome_wait(o);
}

/* the person's reveals that the log holds as done */
static int64_t reveals_in_log(vf_db *db, int64_t id)
{
    char subject[48];
    snprintf(subject, sizeof(subject), "person:%lld", (long long)id);
    char **rows = NULL;
    size_t n = 0;
    rows = vf_db_texts(db, "SELECT subject FROM audit_log WHERE action = 'person.reveal' AND result = 'ok' AND subject = ?",
                       subject, &n);
    vf_db_free_names(rows);
    return (int64_t)n;
}

static void test_defer_durable(void **state)
{
    struct vf *f = *state;
    char n[13];
    json_t *res = NULL;
    struct outcome o;
    vf_number(n, 41);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Deferred", n, "withholding_slip"));
    vf_db *db = vf_db_open(f, true);
    int64_t before = reveals_in_log(db, id);

    /* without the committer the act's own thread commits: the outcome is known at once */
    outcome_init(&o);
    assert_int_equal(deferred_reveal(f, id, &o, &res), MNS_OK);
    assert_true(pthread_equal(o.thread, pthread_self()));
    assert_string_equal(json_string_value(json_object_get(res, "mynumber")), n);
    json_decref(res);
    assert_int_equal(reveals_in_log(db, id), before + 1);

    /* with it, the act returns before the commit and the committer reports */
    assert_int_equal(mns_vault_committer_start(f->v), MNS_OK);
    outcome_init(&o);
    assert_int_equal(deferred_reveal(f, id, &o, &res), MNS_OK);
    json_decref(res);
    assert_int_equal(o.calls, 1);
    assert_int_equal(reveals_in_log(db, id), before + 2);

    /* two acts of one request: one ticket, for the later group */
    struct mns_durable_ticket *ticket = NULL;
    mns_errmsg em = {""};
    outcome_init(&o);
    mns_vault_defer_begin(f->v);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_defer_end(f->v, &ticket), MNS_OK);
    assert_non_null(ticket);
    mns_vault_when_durable(f->v, ticket, on_durable, &o);
    assert_int_equal(outcome_wait(&o), MNS_OK);
    assert_int_equal(reveals_in_log(db, id), before + 4);

    /* acts that are not deferred wait as before, with the committer committing */
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", n);
    assert_int_equal(reveals_in_log(db, id), before + 5);
    mns_vault_committer_stop(f->v);
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", n);
    assert_int_equal(reveals_in_log(db, id), before + 6);
    vf_db_close(db);
}

/* A row every audit entry adds, whose foreign key only COMMIT checks: the
 * act goes well, its group's commit fails. */
static const char breaker_sql[] =
    "CREATE TABLE commit_breaker (tenant INTEGER REFERENCES tenants(id) DEFERRABLE INITIALLY DEFERRED);"
    "CREATE TRIGGER break_commit AFTER INSERT ON audit_log BEGIN INSERT INTO commit_breaker VALUES (-1); END;";
static const char unbreaker_sql[] = "DROP TRIGGER break_commit; DROP TABLE commit_breaker;";
static const char breaker_sql_pg[] =
    "CREATE TABLE commit_breaker (tenant BIGINT REFERENCES tenants(id) DEFERRABLE INITIALLY DEFERRED);"
    VF_PG_AUDIT_TRIGGER("break_commit", "AFTER", "INSERT INTO commit_breaker VALUES (-1); RETURN NEW;");
static const char unbreaker_sql_pg[] = VF_PG_AUDIT_UNTRIGGER("break_commit") " DROP TABLE commit_breaker;";

static void test_defer_commit_fails(void **state)
{
    struct vf *f = *state;
    char n[13], got[13];
    json_t *res = NULL;
    mns_errmsg em = {""};
    struct outcome o;
    vf_number(n, 42);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Breaker", n, "withholding_slip"));
    vf_db *db = vf_db_open(f, false);
    bool pg = vf_db_is_pg(db);
    int64_t before = reveals_in_log(db, id);
    vf_db_exec(db, pg ? breaker_sql_pg : breaker_sql);

    /* not deferred: refused, no result */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", &res, &em),
                     MNS_ERR_AUDIT);
    assert_null(res);

    /* deferred, the act's thread committing: the act went well, the ticket says no */
    outcome_init(&o);
    assert_int_equal(deferred_reveal(f, id, &o, &res), MNS_ERR_AUDIT);
    json_decref(res);

    /* deferred, the committer committing */
    assert_int_equal(mns_vault_committer_start(f->v), MNS_OK);
    outcome_init(&o);
    assert_int_equal(deferred_reveal(f, id, &o, &res), MNS_ERR_AUDIT);
    json_decref(res);
    assert_int_equal(o.calls, 1);
    assert_int_equal(reveals_in_log(db, id), before);

    /* the vault goes on once the commit can succeed again */
    vf_db_exec(db, pg ? unbreaker_sql_pg : unbreaker_sql);
    outcome_init(&o);
    assert_int_equal(deferred_reveal(f, id, &o, &res), MNS_OK);
    json_decref(res);
    mns_vault_committer_stop(f->v);
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
    assert_string_equal(got, n);
    assert_int_equal(reveals_in_log(db, id), before + 2);
    vf_db_close(db);
}

/* Many deferred acts from several threads while the committer runs, with a
 * checkpoint due at nearly every commit: the committer writes the file only
 * now and then under load, and each of its writes must carry every note
 * signed since, or `audit verify` names the skipped ones as missing. */
struct loader {
    struct vf *f;
    int64_t id;
    int acts;
    atomic_int *answered, *failed;
};

static void count_durable(void *arg, mns_err result)
{
    struct loader *l = arg;
    atomic_fetch_add(result == MNS_OK ? l->answered : l->failed, 1);
}

static void *load_main(void *arg)
{
    struct loader *l = arg;
    for (int i = 0; i < l->acts; i++) {
        mns_errmsg em = {""};
        json_t *res = NULL;
        struct mns_durable_ticket *ticket = NULL;
        mns_vault_defer_begin(l->f->v);
        mns_err act = mns_vault_person_reveal(l->f->v, &l->f->clerk, "acme", l->id, "withholding_slip", &res, &em);
        json_decref(res);
        if (mns_vault_defer_end(l->f->v, &ticket) != MNS_OK || act != MNS_OK || ticket == NULL) {
            atomic_fetch_add(l->failed, 1);
            continue;
        }
        mns_vault_when_durable(l->f->v, ticket, count_durable, l);
    }
    return NULL;
}

static void test_committer_file_every_note(void **state)
{
    struct vf *f = *state;
    enum { THREADS = 4, ACTS = 1500 };
    struct mns_vault_config cfg = f->cfg;
    mns_errmsg em = {""};
    char n[13];
    cfg.checkpoint_every = 2;
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    vf_number(n, 42);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Loaded", n, "withholding_slip"));
    vf_db *db = vf_db_open(f, true);
    int64_t notes_before = vf_db_int(db, "SELECT count(*) FROM audit_checkpoints", 0, 0, 0);

    atomic_int answered = 0, failed = 0;
    struct loader l = {f, id, ACTS, &answered, &failed};
    pthread_t t[THREADS];
    assert_int_equal(mns_vault_committer_start(f->v), MNS_OK);
    for (int i = 0; i < THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, load_main, &l), 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    mns_vault_committer_stop(f->v); /* tells every ticket */
    assert_int_equal(atomic_load(&failed), 0);
    assert_int_equal(atomic_load(&answered), THREADS * ACTS);

    /* the load signed many notes; the file has every one */
    int64_t notes = vf_db_int(db, "SELECT count(*) FROM audit_checkpoints", 0, 0, 0) - notes_before;
    vf_db_close(db);
    assert_true(notes >= 3);
    struct mns_audit_report rep;
    mns_err v = mns_vault_audit_verify(f->v, &f->auditor, &rep, &em);
    if (v != MNS_OK)
        fail_msg("verify after the load: %s: %s", mns_err_name(v), rep.problem);
    assert_true(rep.checkpoints >= (uint64_t)(2 * notes));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defer_durable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defer_commit_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committer_file_every_note, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
