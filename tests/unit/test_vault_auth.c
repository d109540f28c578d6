/*
 * test_vault_auth.c: lockout after failed logins (per user and per network
 * address, audited, lifted by a sysadmin or by time) and one live session
 * per ID (a new login ends the old session, or is refused); a session
 * served from the session cache ends as soon as it is ended.
 */
#include "vault_fixture.h"


static mns_err try_login(struct vf *f, const char *user, const char *pw, const char *client, char tok[MNS_TOKEN_LEN + 1],
                         mns_errmsg *em)
{
    struct mns_actor a;
    return mns_vault_login(f->v, user, pw, client, tok, &a, em);
}

static void test_user_lockout(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vauth-user");
    struct mns_vault_config cfg = {.lockout_failures = 3, .lockout_s = 1};
    char tok[MNS_TOKEN_LEN + 1];
    mns_errmsg em = {""}, em_wrong = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    int64_t head = vf_audit_head(f);

    for (int i = 0; i < 3; i++)
        assert_int_equal(try_login(f, "clerk", "wrong password!", "unix", tok, &em_wrong), MNS_ERR_AUTH);
    /* locked: the right password is refused, with the very same error */
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "unix", tok, &em), MNS_ERR_AUTH);
    assert_string_equal(em.text, em_wrong.text);
    /* other users are not affected */
    assert_int_equal(try_login(f, "officer", f->pw_officer, "unix", tok, &em), MNS_OK);

    json_t *log = vf_audit_since(f, &f->auditor, head);
    json_t *e = NULL;
    assert_int_equal(vf_audit_count(log, NULL, "auth.lockout", "user:clerk", NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, NULL, "auth.login", "user:clerk", NULL, "denied:auth", NULL), 4);
    size_t i;
    json_t *x;
    json_array_foreach(log, i, x) if (strcmp(vf_str(x, "detail"), "user locked") == 0) e = x;
    assert_non_null(e); /* the refused right password says why */
    json_decref(log);

    /* only a sysadmin lifts it, and that is audited */
    assert_int_equal(mns_vault_user_unlock(f->v, &f->auditor, "clerk", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_user_unlock(f->v, &f->admin, "clerk", &em), MNS_OK);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "unix", tok, &em), MNS_OK);
    log = vf_audit_since(f, &f->auditor, head);
    assert_int_equal(vf_audit_count(log, "admin", "user.unlock", "user:clerk", NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "auditor", "user.unlock", "user:clerk", NULL, "denied:denied", NULL), 1);
    json_decref(log);

    /* a lock also runs out by itself */
    for (int k = 0; k < 3; k++)
        assert_int_equal(try_login(f, "clerk2", "wrong password!", "unix", tok, &em), MNS_ERR_AUTH);
    assert_int_equal(try_login(f, "clerk2", f->pw_clerk2, "unix", tok, &em), MNS_ERR_AUTH);
    usleep(1200 * 1000);
    assert_int_equal(try_login(f, "clerk2", f->pw_clerk2, "unix", tok, &em), MNS_OK);
    /* and a success resets the count: two more failures do not lock */
    for (int k = 0; k < 2; k++)
        assert_int_equal(try_login(f, "clerk2", "wrong password!", "unix", tok, &em), MNS_ERR_AUTH);
    assert_int_equal(try_login(f, "clerk2", f->pw_clerk2, "unix", tok, &em), MNS_OK);
    vf_free(f);
}

static void test_address_lockout(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vauth-addr");
    struct mns_vault_config cfg = {.address_failures = 4, .lockout_failures = 100};
    char tok[MNS_TOKEN_LEN + 1];
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);

    /* guessing names from one address locks the address, not the users */
    const char *names[] = {"alice", "bob", "carol", "dave"};
    for (int i = 0; i < 4; i++)
        assert_int_equal(try_login(f, names[i], "guess guess", "192.0.2.7", tok, &em), MNS_ERR_AUTH);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "192.0.2.7", tok, &em), MNS_ERR_AUTH);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "192.0.2.8", tok, &em), MNS_OK);
    /* the local socket is never locked: it is the operator's */
    for (int i = 0; i < 6; i++)
        assert_int_equal(try_login(f, names[i % 4], "guess guess", "unix", tok, &em), MNS_ERR_AUTH);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "unix", tok, &em), MNS_OK);
    vf_free(f);
}

static void test_one_session_ends_the_first(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vauth-end");
    char tok1[MNS_TOKEN_LEN + 1], tok2[MNS_TOKEN_LEN + 1];
    struct mns_actor a;
    mns_errmsg em = {""};

    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "unix", tok1, &em), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok1, "unix", &a), MNS_OK);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "192.0.2.9", tok2, &em), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok1, "unix", &a), MNS_ERR_AUTH);
    assert_int_equal(mns_vault_authenticate(f->v, tok2, "192.0.2.9", &a), MNS_OK);
    assert_string_equal(a.name, "clerk");
    json_t *log = vf_audit_since(f, &f->auditor, 0);
    json_t *e = NULL;
    assert_true(vf_audit_count(log, "clerk", "auth.login", "user:clerk", NULL, "ok", NULL) >= 2);
    size_t i;
    json_t *x;
    json_array_foreach(log, i, x) if (strncmp(vf_str(x, "detail"), "ended ", 6) == 0) e = x;
    assert_non_null(e);
    json_decref(log);
    vf_free(f);
}

static void test_one_session_refuses_the_second(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vauth-refuse");
    struct mns_vault_config cfg = {.sessions_refuse = true};
    char tok1[MNS_TOKEN_LEN + 1], tok2[MNS_TOKEN_LEN + 1];
    struct mns_actor a;
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);

    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "unix", tok1, &em), MNS_OK);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "192.0.2.9", tok2, &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, "another session"));
    assert_int_equal(mns_vault_authenticate(f->v, tok1, "unix", &a), MNS_OK); /* the first lives on */
    assert_int_equal(mns_vault_logout(f->v, &a, tok1), MNS_OK);
    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "192.0.2.9", tok2, &em), MNS_OK);
    vf_free(f);
}

/* A session or program token used a moment ago is served from the session
 * cache; ending it (revoke, password reset) must count at once all the same. */
static void test_cached_session_ends_at_once(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vauth-cache");
    char tok[MNS_TOKEN_LEN + 1], pw[40];
    struct mns_actor a, b;
    mns_errmsg em = {""};
    json_t *made = NULL;

    assert_int_equal(try_login(f, "clerk", f->pw_clerk, "unix", tok, &em), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "unix", &a), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "192.0.2.7", &b), MNS_OK); /* from the cache */
    assert_int_equal(b.user_id, a.user_id);
    assert_string_equal(b.name, "clerk");
    assert_int_equal(b.role, MNS_ROLE_CLERK);
    assert_string_equal(b.client, "192.0.2.7"); /* this request's, not the cached one's */

    assert_int_equal(mns_vault_token_create(f->v, &a, "batch", 1, &made, &em), MNS_OK);
    const char *prog = json_string_value(json_object_get(made, "token"));
    int64_t id = json_integer_value(json_object_get(made, "id"));
    assert_non_null(prog);
    assert_int_equal(mns_vault_authenticate(f->v, prog, "unix", &b), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, prog, "unix", &b), MNS_OK);
    assert_true(b.program);
    assert_int_equal(mns_vault_token_revoke(f->v, &a, id, &em), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, prog, "unix", &b), MNS_ERR_AUTH);
    json_decref(made);

    assert_int_equal(mns_vault_authenticate(f->v, tok, "unix", &a), MNS_OK);
    assert_int_equal(mns_vault_user_reset_password(f->v, &f->admin, "clerk", pw, &em), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "unix", &a), MNS_ERR_AUTH);
    assert_int_equal(a.user_id, 0);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_lockout),
        cmocka_unit_test(test_address_lockout),
        cmocka_unit_test(test_one_session_ends_the_first),
        cmocka_unit_test(test_one_session_refuses_the_second),
        cmocka_unit_test(test_cached_session_ends_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
