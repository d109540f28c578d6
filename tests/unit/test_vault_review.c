/*
 * test_vault_review.c: the access review (F-a optional 5): the report shows
 * every user's reach and last use; an officer confirms exactly the report
 * read (by hash) or revokes an assignment; everything is audited.
 */
#include "vault_fixture.h"

static json_t *user_in(json_t *report, const char *name)
{
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(report, "users"), i, u) if (strcmp(vf_str(u, "name"), name) == 0) return u;
    return NULL;
}

static void test_review_confirm_revoke(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vreview");
    json_t *rep = NULL;
    mns_errmsg em = {""};

    assert_int_equal(mns_vault_access_review(f->v, &f->clerk, &rep, &em), MNS_ERR_DENIED);
    assert_null(rep);
    assert_int_equal(mns_vault_access_review(f->v, &f->officer, &rep, &em), MNS_OK);
    json_t *clerk = user_in(rep, "clerk"), *clerk2 = user_in(rep, "clerk2");
    assert_non_null(clerk);
    assert_string_equal(vf_str(clerk, "role"), "clerk");
    assert_string_equal(vf_str(clerk, "tenants"), "acme");
    assert_string_equal(vf_str(clerk2, "tenants"), "");
    assert_true(json_is_integer(json_object_get(clerk, "last_login_ms")));
    assert_false(json_is_true(json_object_get(clerk, "two_factor")));
    char hash[80];
    snprintf(hash, sizeof(hash), "%s", vf_str(rep, "report_sha256"));
    assert_int_equal(strlen(hash), 64);
    /* never confirmed so far */
    assert_true(json_is_null(json_object_get(rep, "last_confirmed")));
    /* the last act of each user, from the one pass over the log: the
     * officer's is this review's access.review or later */
    json_t *officer = user_in(rep, "officer");
    assert_true(json_is_integer(json_object_get(officer, "last_act_ms")));
    json_decref(rep);

    /* only an officer confirms, and only the report as read */
    assert_int_equal(mns_vault_access_review_confirm(f->v, &f->admin, hash, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_access_review_confirm(f->v, &f->officer, "00", &em), MNS_ERR_STATE);
    assert_int_equal(mns_vault_access_review_confirm(f->v, &f->officer, hash, &em), MNS_OK);
    /* the report says when, by whom, and that it is the access shown now */
    assert_int_equal(mns_vault_access_review(f->v, &f->auditor, &rep, &em), MNS_OK);
    json_t *last = json_object_get(rep, "last_confirmed");
    assert_true(json_is_object(last));
    assert_string_equal(vf_str(last, "by"), "officer");
    assert_string_equal(vf_str(last, "report_sha256"), hash);
    assert_true(json_is_true(json_object_get(last, "current")));
    assert_true(json_integer_value(json_object_get(last, "at_ms")) > 1700000000000LL);
    json_decref(rep);

    /* revoking changes the report; the old hash no longer confirms */
    assert_int_equal(mns_vault_unassign(f->v, &f->clerk, "clerk", "acme", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_unassign(f->v, &f->officer, "clerk", "acme", &em), MNS_OK);
    assert_int_equal(mns_vault_unassign(f->v, &f->officer, "clerk", "acme", &em), MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_access_review_confirm(f->v, &f->officer, hash, &em), MNS_ERR_STATE);
    /* the confirmed review no longer matches the access shown */
    assert_int_equal(mns_vault_access_review(f->v, &f->officer, &rep, &em), MNS_OK);
    assert_false(json_is_true(json_object_get(json_object_get(rep, "last_confirmed"), "current")));
    assert_string_equal(vf_str(json_object_get(rep, "last_confirmed"), "report_sha256"), hash);
    json_decref(rep);
    /* and the clerk has lost the tenant */
    json_t *res = NULL;
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    assert_null(res);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "officer", "access.review_confirm", NULL, NULL, "ok", &e), 1);
    char want[sizeof("report sha256:") + sizeof(hash)];
    snprintf(want, sizeof(want), "report sha256:%s", hash);
    assert_string_equal(vf_str(e, "detail"), want);
    assert_int_equal(vf_audit_count(log, "officer", "user.unassign", "user:clerk", NULL, "ok", NULL), 1);
    assert_true(vf_audit_count(log, "officer", "access.review", NULL, NULL, "ok", NULL) >= 1);
    json_decref(log);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_review_confirm_revoke),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
