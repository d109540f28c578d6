/*
 * test_vault_sod.c: separation of duties (F-b optional 3): with it on, an
 * assignment is a request; only an officer who neither asked nor is the user
 * concerned decides it; until approved it gives no reach; all audited.
 */
#include "vault_fixture.h"


static void test_requests_and_approvals(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vsod");
    char pw_officer2[40];
    struct mns_actor officer2;
    int64_t req = 0, req2 = 0;
    json_t *res = NULL;
    mns_errmsg em = {""};
    vf_user(f, "officer2", MNS_ROLE_OFFICER, pw_officer2);
    struct mns_vault_config cfg = {.separation_of_duties = true};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    vf_login(f, "clerk2", f->pw_clerk2, &f->clerk2);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_login(f, "officer2", pw_officer2, &officer2);

    /* the sysadmin asks; nothing changes yet */
    assert_int_equal(mns_vault_assign_ex(f->v, &f->admin, "clerk2", "acme", 0, &req, &em), MNS_OK);
    assert_true(req > 0);
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk2, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    /* a sysadmin cannot decide, and a decision needs a real request */
    assert_int_equal(mns_vault_grant_decide(f->v, &f->admin, req, true, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_grant_decide(f->v, &f->officer, 12345, true, &em), MNS_ERR_NOT_FOUND);
    /* an officer approves: the clerk now reaches the tenant */
    assert_int_equal(mns_vault_grant_decide(f->v, &f->officer, req, true, &em), MNS_OK);
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk2, "acme", 0, 10, &res, &em), MNS_OK);
    json_decref(res);
    res = NULL;
    assert_int_equal(mns_vault_grant_decide(f->v, &officer2, req, false, &em), MNS_ERR_STATE);

    /* nobody decides their own request */
    assert_int_equal(mns_vault_assign_ex(f->v, &f->officer, "clerk2", "acme", 0, &req2, &em), MNS_OK);
    assert_int_equal(mns_vault_grant_decide(f->v, &f->officer, req2, true, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_grant_decide(f->v, &officer2, req2, false, &em), MNS_OK);
    /* nor a grant to themselves */
    assert_int_equal(mns_vault_assign_ex(f->v, &f->admin, "officer2", "acme", 0, &req2, &em), MNS_OK);
    assert_int_equal(mns_vault_grant_decide(f->v, &officer2, req2, true, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_grant_decide(f->v, &f->officer, req2, true, &em), MNS_OK);

    /* a page of two, then the rest */
    struct mns_list_page page = {0, 2};
    assert_int_equal(mns_vault_grant_list(f->v, &f->auditor, &page, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "requests")), 2);
    page.before = json_integer_value(json_object_get(res, "next_before"));
    assert_int_equal(page.before, json_integer_value(json_object_get(json_array_get(json_object_get(res, "requests"), 1), "id")));
    json_decref(res);
    assert_int_equal(mns_vault_grant_list(f->v, &f->auditor, &page, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "requests")), 1);
    assert_true(json_is_null(json_object_get(res, "next_before")));
    json_decref(res);
    assert_int_equal(mns_vault_grant_list(f->v, &f->auditor, NULL, &res, &em), MNS_OK);
    json_t *list = json_object_get(res, "requests");
    assert_int_equal(json_array_size(list), 3);
    assert_true(json_is_null(json_object_get(res, "next_before")));
    size_t approved = 0, rejected = 0, i;
    json_t *e;
    json_array_foreach(list, i, e) {
        approved += strcmp(vf_str(e, "status"), "approved") == 0;
        rejected += strcmp(vf_str(e, "status"), "rejected") == 0;
    }
    assert_int_equal(approved, 2);
    assert_int_equal(rejected, 1);
    json_decref(res);

    json_t *log = vf_audit_since(f, &f->auditor, 0);
    assert_int_equal(vf_audit_count(log, "admin", "user.assign_request", "user:clerk2", NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "officer", "user.assign_approve", "user:clerk2", NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "officer", "user.assign_approve", NULL, NULL, "denied:denied", NULL), 1);
    assert_int_equal(vf_audit_count(log, "officer2", "user.assign_reject", "user:clerk2", NULL, "ok", NULL), 1);
    json_decref(log);
    vf_free(f);
}

/* Roles: without separation of duties a sysadmin changes a role at once
 * (assignments end with a role that has none); with it, a new user's role
 * and a role change wait for another officer or sysadmin. */
static void test_role_grants(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vsod-role");
    json_t *res = NULL;
    mns_errmsg em = {""};
    int64_t req = 0;
    char pw[40];
    struct mns_actor who;

    assert_int_equal(mns_vault_user_role(f->v, &f->admin, "clerk", MNS_ROLE_AUDITOR, &req, &em), MNS_OK);
    assert_int_equal(req, 0);
    vf_login(f, "clerk", f->pw_clerk, &who);
    assert_int_equal(who.role, MNS_ROLE_AUDITOR);
    assert_int_equal(mns_vault_user_role(f->v, &f->admin, "clerk", MNS_ROLE_CLERK, &req, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &who);
    assert_int_equal(mns_vault_person_list(f->v, &who, "acme", 0, 10, &res, &em), MNS_ERR_DENIED); /* unassigned */
    assert_int_equal(mns_vault_user_role(f->v, &f->admin, "admin", MNS_ROLE_CLERK, &req, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_user_role(f->v, &f->clerk, "clerk2", MNS_ROLE_OFFICER, &req, &em), MNS_ERR_DENIED);

    struct mns_vault_config cfg = {.separation_of_duties = true};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_user(f, "newclerk", MNS_ROLE_CLERK, pw);
    vf_login(f, "newclerk", pw, &who);
    assert_true(who.role_pending);
    assert_int_equal(who.role, MNS_ROLE_NONE);
    assert_int_equal(mns_vault_tenant_list(f->v, &who, &res, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "approval"));
    assert_int_equal(mns_vault_grant_list(f->v, &f->officer, NULL, &res, &em), MNS_OK);
    json_t *r0 = json_array_get(json_object_get(res, "requests"), 0);
    assert_string_equal(json_string_value(json_object_get(r0, "kind")), "role");
    assert_string_equal(json_string_value(json_object_get(r0, "role")), "clerk");
    int64_t id = json_integer_value(json_object_get(r0, "id"));
    json_decref(res);
    assert_int_equal(mns_vault_grant_decide(f->v, &f->admin, id, true, &em), MNS_ERR_DENIED); /* asked it */
    assert_int_equal(mns_vault_grant_decide(f->v, &f->officer, id, true, &em), MNS_OK);
    vf_login(f, "newclerk", pw, &who);
    assert_false(who.role_pending);
    assert_int_equal(who.role, MNS_ROLE_CLERK);

    /* a change waits; the old role stays until then; a rejection keeps it */
    assert_int_equal(mns_vault_user_role(f->v, &f->admin, "newclerk", MNS_ROLE_SYSADMIN, &req, &em), MNS_OK);
    assert_true(req > 0);
    vf_login(f, "newclerk", pw, &who);
    assert_int_equal(who.role, MNS_ROLE_CLERK);
    assert_int_equal(mns_vault_grant_decide(f->v, &f->officer, req, false, &em), MNS_OK);
    vf_login(f, "newclerk", pw, &who);
    assert_int_equal(who.role, MNS_ROLE_CLERK);

    /* with separation of duties a lost second factor is reset by an officer, not a sysadmin */
    assert_int_equal(mns_vault_user_reset_mfa(f->v, &f->admin, "newclerk", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_user_reset_mfa(f->v, &f->officer, "newclerk", &em), MNS_ERR_STATE); /* none set */
    assert_int_equal(mns_vault_user_reset_mfa(f->v, &f->officer, "officer", &em), MNS_ERR_DENIED);   /* oneself */

    json_t *log = vf_audit_since(f, &f->auditor, 0);
    assert_int_equal(vf_audit_count(log, "officer", "user.role_approve", "user:newclerk", NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "officer", "user.role_reject", "user:newclerk", NULL, "ok", NULL), 1);
    assert_int_equal(vf_audit_count(log, "admin", "user.role_approve", NULL, NULL, "denied:denied", NULL), 1);
    json_decref(log);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_requests_and_approvals),
        cmocka_unit_test(test_role_grants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
