/*
 * test_vault_audit.c: every act of the vault leaves its audit entry (also
 * when refused), the log reads back for auditors only, verifies intact live
 * and offline, and an act whose entry cannot be written does not happen
 * (fail closed: a trigger on audit_log made from a second connection, in
 * SQLite's dialect or, with MNS_TEST_BACKEND=postgresql, as a PL/pgSQL
 * trigger function in the world's schema).
 */
#include "vault_fixture.h"

static int setup(void **state)
{
    *state = vf_new_world("vaudit");
    return 0;
}

static int teardown(void **state)
{
    vf_free(*state);
    return 0;
}

static char *subject_of(char buf[48], int64_t id)
{
    snprintf(buf, 48, "person:%lld", (long long)id);
    return buf;
}

/* Fails unless exactly `want` entries match. */
static void expect_entries(json_t *list, size_t want, const char *actor, const char *action, const char *subject,
                           const char *purpose, const char *result)
{
    size_t n = vf_audit_count(list, actor, action, subject, purpose, result, NULL);
    if (n != want)
        fail_msg("audit: %zu entries for actor=%s action=%s subject=%s purpose=%s result=%s, want %zu", n,
                 actor ? actor : "*", action ? action : "*", subject ? subject : "*", purpose ? purpose : "*",
                 result ? result : "*", want);
}

/* ---- the trail ------------------------------------------------------------------ */

static void test_audit_trail(void **state)
{
    struct vf *f = *state;
    mns_errmsg em1 = {""}, em2 = {""}, em = {""};
    char tok[MNS_TOKEN_LEN + 1], s1[48], s2[48];
    char n1[13], n2[13], bad[13], got[13];
    struct mns_actor a;
    json_t *res = NULL;

    int64_t mark = vf_audit_head(f);

    /* wrong password and unknown user: one code, one message */
    memset(&a, 0x5a, sizeof(a));
    assert_int_equal(mns_vault_login(f->v, "clerk", "wrong password!", "10.0.0.9", tok, &a, &em1), MNS_ERR_AUTH);
    assert_int_equal(a.user_id, 0);
    assert_int_equal(tok[0], '\0');
    assert_int_equal(mns_vault_login(f->v, "nobody", "wrong password!", "10.0.0.9", tok, &a, &em2), MNS_ERR_AUTH);
    assert_int_equal(a.user_id, 0);
    assert_true(em1.text[0] != '\0');
    assert_string_equal(em1.text, em2.text);
    assert_int_equal(mns_vault_login(f->v, "clerk", f->pw_clerk, "10.0.0.9", tok, &a, &em), MNS_OK);

    /* persons: a batch of two, a refused batch, list, find, reveals, delete */
    vf_number(n1, 10);
    vf_number(n2, 11);
    vf_number_bad(bad, 12);
    json_t *batch = json_pack("[o, o]", vf_person("Aoki", n1, "withholding_slip"), vf_person("Baba", n2, "payment_record"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_OK);
    json_decref(batch);
    int64_t id1 = json_integer_value(json_array_get(json_object_get(res, "created"), 0));
    int64_t id2 = json_integer_value(json_array_get(json_object_get(res, "created"), 1));
    json_decref(res);
    subject_of(s1, id1);
    subject_of(s2, id2);
    batch = json_pack("[o]", vf_person("Chiba", bad, "withholding_slip"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_CHECK_DIGIT);
    json_decref(batch);
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 0, &res, &em), MNS_OK);
    json_decref(res);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", n1, &res, &em), MNS_OK);
    json_decref(res);
    vf_reveal_ok(f, &f->clerk, "acme", id1, "withholding_slip", got);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id1, "health_pension", &res, &em),
                     MNS_ERR_PURPOSE);
    assert_int_not_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id1, NULL, &res, &em), MNS_OK);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->officer, "acme", id1, "withholding_slip", &res, &em),
                     MNS_ERR_DENIED);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->anon, "acme", id1, "withholding_slip", &res, &em),
                     MNS_ERR_AUTH);
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", id2, "contract ended", &em), MNS_OK);
    assert_int_equal(mns_vault_seal(f->v, &f->clerk, &em), MNS_ERR_DENIED);

    json_t *log = vf_audit_since(f, &f->auditor, mark);

    expect_entries(log, 1, "clerk", "auth.login", NULL, NULL, "denied:auth");
    expect_entries(log, 1, "nobody", "auth.login", NULL, NULL, "denied:auth");
    expect_entries(log, 1, "clerk", "auth.login", "user:clerk", NULL, "ok");
    json_t *e;
    assert_int_equal(vf_audit_count(log, "nobody", "auth.login", NULL, NULL, NULL, &e), 1);
    assert_string_equal(vf_str(e, "client"), "10.0.0.9");

    expect_entries(log, 1, "clerk", "person.create", s1, NULL, "ok");
    expect_entries(log, 1, "clerk", "person.create", s2, NULL, "ok");
    expect_entries(log, 1, "clerk", "person.create", NULL, NULL, "error:check_digit");
    assert_int_equal(vf_audit_count(log, "clerk", "person.create", s1, NULL, "ok", &e), 1);
    vf_db *db = vf_db_open(f, true);
    int64_t acme = vf_db_int(db, "SELECT id FROM tenants WHERE code = 'acme'", 0, 0, 0);
    vf_db_close(db);
    assert_int_equal(json_integer_value(json_object_get(e, "tenant_id")), acme);

    expect_entries(log, 1, "clerk", "person.list", NULL, NULL, "ok");
    expect_entries(log, 1, "clerk", "person.find", NULL, NULL, "ok");
    expect_entries(log, 1, "clerk", "person.reveal", s1, "withholding_slip", "ok");
    expect_entries(log, 1, "clerk", "person.reveal", s1, "health_pension", "denied:purpose");
    expect_entries(log, 2, "clerk", "person.reveal", s1, NULL, "denied:purpose");
    expect_entries(log, 1, "officer", "person.reveal", s1, NULL, "denied:denied");
    expect_entries(log, 1, "-", "person.reveal", s1, NULL, "denied:auth");
    expect_entries(log, 1, "clerk", "person.delete", s2, NULL, "ok");
    expect_entries(log, 1, "clerk", "vault.seal", NULL, NULL, "denied:denied");

    /* sequence numbers are consecutive, entries carry their hash */
    size_t i;
    int64_t prev = mark;
    json_array_foreach(log, i, e) {
        assert_int_equal(json_integer_value(json_object_get(e, "seq")), prev + 1);
        prev++;
        assert_int_equal(strlen(vf_str(e, "hash")), 64);
        assert_true(json_integer_value(json_object_get(e, "time_ms")) > 0);
    }

    /* no entry holds a number */
    char *dump = json_dumps(log, JSON_COMPACT);
    assert_non_null(dump);
    assert_null(strstr(dump, n1));
    assert_null(strstr(dump, n2));
    assert_null(strstr(dump, bad));
    assert_null(strstr(dump, f->pw_clerk));
    free(dump);
    json_decref(log);
    mns_wipe(got, sizeof(got));
}

/* Admin work and the seal state are audited too. */
static void test_audit_admin_acts(void **state)
{
    struct vf *f = *state;
    mns_errmsg em = {""};
    char pw[40];
    json_t *res = NULL;

    int64_t mark = vf_audit_head(f);
    vf_tenant(f, "beta", "Beta");
    assert_int_equal(mns_vault_tenant_create(f->v, &f->clerk, "gamma", "Gamma", NULL, &res, &em), MNS_ERR_DENIED);
    vf_user(f, "clerk3", MNS_ROLE_CLERK, pw);
    vf_assign(f, "clerk3", "beta");
    assert_int_equal(mns_vault_assign(f->v, &f->admin, "auditor", "beta", &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_seal(f->v, &f->admin, &em), MNS_OK);
    assert_int_equal(mns_vault_unseal_dev(f->v, &em), MNS_OK);

    json_t *log = vf_audit_since(f, &f->auditor, mark);
    expect_entries(log, 1, "admin", "tenant.create", "tenant:beta", NULL, "ok");
    expect_entries(log, 1, "clerk", "tenant.create", NULL, NULL, "denied:denied");
    expect_entries(log, 1, "admin", "user.create", "user:clerk3", NULL, "ok");
    expect_entries(log, 1, "admin", "user.assign", "user:clerk3", NULL, "ok");
    expect_entries(log, 1, "admin", "user.assign", "user:auditor", NULL, "error:invalid");
    expect_entries(log, 1, "admin", "vault.seal", NULL, NULL, "ok");
    expect_entries(log, 1, "system", "vault.unseal", NULL, NULL, "ok");
    json_decref(log);
    mns_wipe(pw, sizeof(pw));
}

/* ---- reading the log ------------------------------------------------------------ */

static void test_audit_read_access(void **state)
{
    struct vf *f = *state;
    mns_errmsg em = {""};
    json_t *res;
    struct mns_audit_report rep;

    int64_t mark = vf_audit_head(f);
    const struct mns_actor *refused[] = {&f->clerk, &f->clerk2, &f->officer};
    for (size_t i = 0; i < 3; i++) {
        res = (json_t *)0x1;
        assert_int_equal(mns_vault_audit_list(f->v, refused[i], 0, 10, &res, &em), MNS_ERR_DENIED);
        assert_null(res);
        assert_int_equal(mns_vault_audit_verify(f->v, refused[i], &rep, &em), MNS_ERR_DENIED);
    }
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_audit_list(f->v, &f->anon, 0, 10, &res, &em), MNS_ERR_AUTH);
    assert_null(res);
    assert_int_equal(mns_vault_audit_list(f->v, &f->admin, 0, 10, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "entries")), 10);
    assert_int_equal(json_integer_value(json_object_get(res, "next_after")), 10);
    /* the first entry of every store */
    json_t *first = json_array_get(json_object_get(res, "entries"), 0);
    assert_int_equal(json_integer_value(json_object_get(first, "seq")), 1);
    assert_string_equal(vf_str(first, "action"), "store.init");
    assert_string_equal(vf_str(first, "actor"), "system");
    json_decref(res);

    json_t *log = vf_audit_since(f, &f->auditor, mark);
    expect_entries(log, 1, "clerk", "audit.read", NULL, NULL, "denied:denied");
    expect_entries(log, 1, "officer", "audit.verify", NULL, NULL, "denied:denied");
    expect_entries(log, 1, "-", "audit.read", NULL, NULL, "denied:auth");
    expect_entries(log, 1, "admin", "audit.read", NULL, NULL, "ok");
    json_decref(log);
}

/* ---- verification --------------------------------------------------------------- */

static void test_audit_verify(void **state)
{
    struct vf *f = *state;
    mns_errmsg em = {""};
    struct mns_audit_report rep;
    char n1[13], got[13];
    json_t *res = NULL;

    vf_number(n1, 20);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Endo", n1, "withholding_slip"));
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "health_pension", &res, &em),
                     MNS_ERR_PURPOSE);

    vf_db *db = vf_db_open(f, true);
    int64_t rows = vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0);
    int64_t denied_seq = vf_db_int(db, "SELECT seq FROM audit_log WHERE action = 'person.reveal' AND "
                                       "result = 'denied:purpose'", 0, 0, 0);
    vf_db_close(db);

    memset(&rep, 0x5a, sizeof(rep));
    assert_int_equal(mns_vault_audit_verify(f->v, &f->auditor, &rep, &em), MNS_OK);
    assert_int_equal(rep.first_bad_seq, 0);
    assert_string_equal(rep.problem, "");
    assert_true(rep.entries >= (uint64_t)rows);
    assert_true(rep.checkpoints >= 1);
    assert_int_equal(mns_vault_audit_verify(f->v, &f->admin, &rep, &em), MNS_OK);

    memset(&rep, 0x5a, sizeof(rep));
    assert_int_equal(mns_vault_verify_offline(f->dir, f->store_url[0] ? f->store_url : NULL, &rep, &em), MNS_OK);
    assert_int_equal(rep.first_bad_seq, 0);
    assert_true(rep.entries >= (uint64_t)rows);

    /* the verifier can say no: a DBA turns a refused reveal into an ok one */
    db = vf_db_open(f, false);
    assert_int_equal(vf_db_int(db, "UPDATE audit_log SET result = 'ok' WHERE seq = ? RETURNING seq", 1, denied_seq, 0),
                     denied_seq);
    vf_db_close(db);
    assert_int_equal(mns_vault_audit_verify(f->v, &f->auditor, &rep, &em), MNS_ERR_TAMPERED);
    assert_int_equal(rep.first_bad_seq, (uint64_t)denied_seq);
    assert_true(rep.problem[0] != '\0');
    assert_int_equal(mns_vault_verify_offline(f->dir, f->store_url[0] ? f->store_url : NULL, &rep, &em), MNS_ERR_TAMPERED);
    assert_int_equal(rep.first_bad_seq, (uint64_t)denied_seq);
    mns_wipe(got, sizeof(got));
}

/* ---- fail closed ---------------------------------------------------------------- */

/* A trigger that makes every insert into audit_log fail, and its removal. */
static const char trigger_sql[] =
    "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'audit down'); END;";
static const char untrigger_sql[] = "DROP TRIGGER no_audit;";
/* The same on PostgreSQL. */
static const char trigger_sql_pg[] = VF_PG_AUDIT_TRIGGER("no_audit", "BEFORE", "RAISE EXCEPTION 'audit down';");
static const char untrigger_sql_pg[] = VF_PG_AUDIT_UNTRIGGER("no_audit");

static void test_fail_closed(void **state)
{
    struct vf *f = *state;
    mns_errmsg em = {""};
    char n0[13], n1[13], n2[13], got[13], tok[MNS_TOKEN_LEN + 1];
    json_t *res;
    struct mns_actor a;

    vf_number(n0, 30);
    vf_number(n1, 31);
    vf_number(n2, 32);
    int64_t id0 = vf_add_one(f, &f->clerk, "acme", vf_person("Before", n0, "withholding_slip"));

    vf_db *db = vf_db_open(f, false);
    int64_t audit_rows = vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0);
    int64_t sessions = vf_db_int(db, "SELECT count(*) FROM sessions", 0, 0, 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons", 0, 0, 0), 1);
    bool pg = vf_db_is_pg(db);
    vf_db_exec(db, pg ? trigger_sql_pg : trigger_sql);
    if (pg) /* in the world's schema, on its audit_log */
        assert_int_equal(vf_db_int(db, "SELECT count(*) FROM information_schema.triggers WHERE trigger_name = "
                                       "'no_audit' AND event_object_table = 'audit_log' AND "
                                       "event_object_schema = current_schema()", 0, 0, 0), 1);

    /* add: refused, nothing stored */
    json_t *batch = json_pack("[o]", vf_person("During", n1, "withholding_slip"));
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_AUDIT);
    assert_null(res);
    json_decref(batch);
    batch = json_pack("[o, o]", vf_person("During", n1, "withholding_slip"), vf_person("Too", n2, "withholding_slip"));
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_AUDIT);
    assert_null(res);
    json_decref(batch);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE wrapped IS NOT NULL", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM person_purposes", 0, 0, 0), 1);

    /* reveal: refused, no result */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id0, "withholding_slip", &res, &em),
                     MNS_ERR_AUDIT);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", n0, &res, &em), MNS_ERR_AUDIT);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 0, &res, &em), MNS_ERR_AUDIT);
    assert_null(res);

    /* delete: refused, the person is whole */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", id0, "x", &em), MNS_ERR_AUDIT);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE id = ? AND wrapped IS NOT NULL", 1, id0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM deletions", 0, 0, 0), 0);

    /* login: no session without its entry */
    assert_int_not_equal(mns_vault_login(f->v, "clerk", f->pw_clerk, "unix", tok, &a, &em), MNS_OK);
    assert_int_equal(a.user_id, 0);
    assert_int_equal(tok[0], '\0');
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM sessions", 0, 0, 0), sessions);

    /* admin acts */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_tenant_create(f->v, &f->admin, "beta", "Beta", NULL, &res, &em), MNS_ERR_AUDIT);
    assert_null(res);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM tenants", 0, 0, 0), 1);

    /* sealing still seals (the safe direction); unsealing needs its entry */
    assert_int_not_equal(mns_vault_seal(f->v, &f->admin, &em), MNS_OK);
    assert_true(mns_vault_is_sealed(f->v));
    assert_int_not_equal(mns_vault_unseal_dev(f->v, &em), MNS_OK);
    assert_true(mns_vault_is_sealed(f->v));

    /* nothing reached the log */
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0), audit_rows);

    /* repaired: everything works again, and the chain has no hole */
    vf_db_exec(db, pg ? untrigger_sql_pg : untrigger_sql);
    assert_int_equal(mns_vault_unseal_dev(f->v, &em), MNS_OK);
    int64_t id1 = vf_add_one(f, &f->clerk, "acme", vf_person("After", n1, "withholding_slip"));
    vf_reveal_ok(f, &f->clerk, "acme", id1, "withholding_slip", got);
    assert_string_equal(got, n1);
    vf_reveal_ok(f, &f->clerk, "acme", id0, "withholding_slip", got);
    assert_string_equal(got, n0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons", 0, 0, 0), 2);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0), audit_rows + 4);
    assert_int_equal(vf_db_int(db, "SELECT max(seq) = count(*) FROM audit_log", 0, 0, 0), 1);
    vf_db_close(db);

    struct mns_audit_report rep;
    assert_int_equal(mns_vault_audit_verify(f->v, &f->auditor, &rep, &em), MNS_OK);
    assert_int_equal(rep.first_bad_seq, 0);
    assert_int_equal(mns_vault_verify_offline(f->dir, f->store_url[0] ? f->store_url : NULL, &rep, &em), MNS_OK);
    mns_wipe(got, sizeof(got));
}

/*
 * PostgreSQL only (an embedded database has no connection to lose): the
 * server ends the vault's connection in the middle of an act, as a restart
 * does, here from a trigger on the audit entry's row. The act fails closed
 * and says MNS_ERR_IO (503, "cannot be reached, try again"), not an internal
 * error; nothing of it is stored; once the server answers again the vault
 * goes on by itself, and the chain has no hole.
 */
static const char lose_sql_pg[] = VF_PG_AUDIT_TRIGGER(
    "lose_connection", "AFTER", "PERFORM pg_terminate_backend(pg_backend_pid()); PERFORM pg_sleep(1); RETURN NEW;");
static const char unlose_sql_pg[] = VF_PG_AUDIT_UNTRIGGER("lose_connection");

static void test_database_goes_away(void **state)
{
    struct vf *f = *state;
    mns_errmsg em = {""};
    char n0[13], n1[13], got[13];
    json_t *res;

    vf_number(n0, 33);
    vf_number(n1, 34);
    int64_t id0 = vf_add_one(f, &f->clerk, "acme", vf_person("Before", n0, "withholding_slip"));
    vf_db *db = vf_db_open(f, false);
    assert_true(vf_db_is_pg(db));
    int64_t audit_rows = vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0);
    vf_db_exec(db, lose_sql_pg);

    res = (json_t *)0x1;
    mns_err r = mns_vault_person_reveal(f->v, &f->clerk, "acme", id0, "withholding_slip", &res, &em);
    if (r != MNS_ERR_IO)
        fail_msg("reveal while the connection is lost: %s (%s), not io", mns_err_name(r), em.text);
    assert_null(res);
    json_t *batch = json_pack("[o]", vf_person("During", n1, "withholding_slip"));
    res = (json_t *)0x1;
    r = mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em);
    json_decref(batch);
    if (r != MNS_ERR_IO)
        fail_msg("add while the connection is lost: %s (%s), not io", mns_err_name(r), em.text);
    assert_null(res);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0), audit_rows);

    /* the server answers again: the same vault, no restart */
    vf_db_exec(db, unlose_sql_pg);
    vf_reveal_ok(f, &f->clerk, "acme", id0, "withholding_slip", got);
    assert_string_equal(got, n0);
    int64_t id1 = vf_add_one(f, &f->clerk, "acme", vf_person("After", n1, "withholding_slip"));
    vf_reveal_ok(f, &f->clerk, "acme", id1, "withholding_slip", got);
    assert_string_equal(got, n1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons", 0, 0, 0), 2);
    assert_int_equal(vf_db_int(db, "SELECT max(seq) = count(*) FROM audit_log", 0, 0, 0), 1);
    vf_db_close(db);
    struct mns_audit_report rep;
    assert_int_equal(mns_vault_audit_verify(f->v, &f->auditor, &rep, &em), MNS_OK);
    assert_int_equal(rep.first_bad_seq, 0);
    mns_wipe(got, sizeof(got));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_audit_trail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_admin_acts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_read_access, setup, teardown),
        cmocka_unit_test_setup_teardown(test_audit_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fail_closed, setup, teardown),
    };
    const struct CMUnitTest pg_tests[] = {
        cmocka_unit_test_setup_teardown(test_database_goes_away, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    const char *backend = getenv("MNS_TEST_BACKEND");
    if (backend != NULL && strcmp(backend, "postgresql") == 0)
        failed += cmocka_run_group_tests_name("vault_audit_postgresql", pg_tests, NULL, NULL);
    return failed;
}
