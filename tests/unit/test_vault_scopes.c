/*
 * test_vault_scopes.c: scopes (F-a 1, 2, optional 2) and a tenant's own
 * access policy. An assignment can be limited to SPI files (employees,
 * payees): the clerk then lists, finds, reveals, adds and deletes only
 * persons of those files. A tenant can require two factors of everyone
 * working on it and limit the networks and hours it is reached from.
 * Each refusal is audited with its reason and changes nothing.
 */
#include <time.h>

#include "vault_fixture.h"

static json_t *payee(const char *name, const char *number)
{
    json_t *p = vf_person(name, number, "payment_record");
    json_object_set_new(p, "kind", json_string("payee"));
    return p;
}

static size_t listed(struct vf *f, const struct mns_actor *who)
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    assert_int_equal(mns_vault_person_list(f->v, who, "acme", 0, 100, &res, &em), MNS_OK);
    size_t n = json_array_size(json_object_get(res, "persons"));
    json_decref(res);
    return n;
}

static void test_files_parse(void **state)
{
    (void)state;
    char buf[32];
    assert_int_equal(mns_files_parse("employees"), MNS_FILE_EMPLOYEES);
    assert_int_equal(mns_files_parse("payees,employees"), MNS_FILES_ALL);
    assert_int_equal(mns_files_parse("all"), MNS_FILES_ALL);
    assert_int_equal(mns_files_parse("payroll"), 0);
    assert_int_equal(mns_files_parse(""), 0);
    assert_string_equal(mns_files_name(MNS_FILES_ALL, buf), "employees,payees");
    assert_string_equal(mns_files_name(MNS_FILE_PAYEES, buf), "payees");
}

static void test_file_scope(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vscope");
    char n1[13], n2[13], shown[13];
    json_t *res = NULL, *batch;
    mns_errmsg em = {""};
    int64_t req = 0;
    vf_number(n1, 11);
    vf_number(n2, 12);
    int64_t emp = vf_add_one(f, &f->clerk, "acme", vf_person("山田太郎", n1, "withholding_slip"));
    int64_t pay = vf_add_one(f, &f->clerk, "acme", payee("佐藤花子", n2));

    /* clerk2 gets the payees file only */
    assert_int_equal(mns_vault_assign_ex(f->v, &f->admin, "clerk2", "acme", MNS_FILE_PAYEES, &req, &em), MNS_OK);
    assert_int_equal(req, 0);
    assert_int_equal(listed(f, &f->clerk), 2);
    assert_int_equal(listed(f, &f->clerk2), 1);
    /* the access review shows the part of the tenant clerk2 reaches */
    assert_int_equal(mns_vault_access_review(f->v, &f->officer, &res, &em), MNS_OK);
    json_t *u;
    size_t i;
    const char *reach = NULL;
    json_array_foreach(json_object_get(res, "users"), i, u)
        if (strcmp(vf_str(u, "name"), "clerk2") == 0)
            reach = vf_str(u, "tenants");
    assert_non_null(reach);
    assert_string_equal(reach, "acme(payees)");
    json_decref(res);
    res = NULL;

    vf_reveal_ok(f, &f->clerk2, "acme", pay, "payment_record", shown);
    assert_string_equal(shown, n2);
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk2, "acme", emp, "withholding_slip", &res, &em), MNS_ERR_DENIED);
    assert_null(res);
    assert_non_null(strstr(em.text, "employees"));

    /* found by number only in the file it may reach */
    assert_int_equal(vf_find_count(f, &f->clerk2, "acme", n1, "persons"), 0);
    assert_int_equal(vf_find_count(f, &f->clerk2, "acme", n2, "persons"), 1);

    /* adding an employee is refused, whole batch, naming the row */
    char n3[13], n4[13];
    vf_number(n3, 13);
    vf_number(n4, 14);
    batch = json_pack("[o, o]", payee("鈴木一郎", n3), vf_person("田中次郎", n4, "withholding_slip"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk2, "acme", batch, &res, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "persons[1]"));
    json_decref(batch);
    assert_int_equal(listed(f, &f->clerk), 2);   /* nothing of the batch stored */

    /* deleting an employee is refused and leaves it */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk2, "acme", emp, NULL, &em), MNS_ERR_DENIED);
    vf_reveal_ok(f, &f->clerk, "acme", emp, "withholding_slip", shown);
    assert_string_equal(shown, n1);

    /* assigning again replaces the files */
    assert_int_equal(mns_vault_assign_ex(f->v, &f->admin, "clerk2", "acme", MNS_FILES_ALL, &req, &em), MNS_OK);
    assert_int_equal(listed(f, &f->clerk2), 2);
    assert_int_equal(mns_vault_assign_ex(f->v, &f->admin, "clerk2", "acme", 8, &req, &em), MNS_ERR_INVALID);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "clerk2", "person.reveal", NULL, NULL, "denied:denied", &e), 1);
    assert_string_equal(vf_str(e, "detail"), "file not assigned");
    assert_int_equal(vf_audit_count(log, "clerk2", "person.delete", NULL, NULL, "denied:denied", NULL), 1);
    assert_int_equal(vf_audit_count(log, "clerk2", "person.create", NULL, NULL, "denied:denied", NULL), 1);
    assert_true(vf_audit_count(log, "admin", "user.assign", "user:clerk2", NULL, "ok", &e) >= 1);
    json_decref(log);
    vf_free(f);
}

static void test_tenant_policy(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vtpol");
    json_t *res = NULL, *p;
    mns_errmsg em = {""};

    assert_int_equal(mns_vault_tenant_policy_get(f->v, &f->clerk, "acme", &res, &em), MNS_OK);
    assert_false(json_is_true(json_object_get(res, "require_mfa")));
    assert_true(json_is_null(json_object_get(res, "allow_networks")));
    json_decref(res);

    /* who may set it, and what is refused */
    p = json_pack("{s:b}", "require_mfa", 1);
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->clerk, "acme", p, &res, &em), MNS_ERR_DENIED);
    json_decref(p);
    p = json_pack("{s:s}", "allow_networks", "10.0.0.0/33");
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_ERR_INVALID);
    json_decref(p);
    p = json_pack("{s:s}", "allow_hours", "9-25");
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_ERR_INVALID);
    json_decref(p);
    p = json_pack("{s:s}", "colour", "red");
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_ERR_INVALID);
    json_decref(p);
    p = json_pack("{s:i}", "require_mfa", 1);
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_ERR_INVALID);
    json_decref(p);
    assert_null(res);

    /* networks: a clerk from outside is refused; the local socket is the operator's */
    struct mns_actor outside = f->clerk;
    snprintf(outside.client, sizeof(outside.client), "198.51.100.9");
    struct mns_actor inside = f->clerk;
    snprintf(inside.client, sizeof(inside.client), "192.0.2.20");
    p = json_pack("{s:s}", "allow_networks", "192.0.2.0/24");
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_OK);
    assert_string_equal(json_string_value(json_object_get(res, "allow_networks")), "192.0.2.0/24");
    json_decref(res);
    json_decref(p);
    assert_int_equal(listed(f, &inside), 0);
    assert_int_equal(mns_vault_person_list(f->v, &outside, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "address"));
    assert_int_equal(listed(f, &f->clerk), 0);   /* "unix" */

    /* hours: a window that excludes now */
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char spec[32];
    int from = (tm.tm_hour + 2) % 24;   /* one hour, two hours from now */
    snprintf(spec, sizeof(spec), "%02d-%02d", from, from + 1);
    p = json_pack("{s:n, s:s}", "allow_networks", "allow_hours", spec);
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->officer, "acme", p, &res, &em), MNS_OK);
    json_decref(res);
    json_decref(p);
    assert_int_equal(mns_vault_person_list(f->v, &outside, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "time"));

    /* two factors for everyone working on the tenant */
    p = json_pack("{s:n, s:b}", "allow_hours", "require_mfa", 1);
    assert_int_equal(mns_vault_tenant_policy_set(f->v, &f->admin, "acme", p, &res, &em), MNS_OK);
    json_decref(res);
    json_decref(p);
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "two-factor"));
    struct mns_actor with_mfa = f->clerk;
    with_mfa.totp_enabled = true;
    assert_int_equal(listed(f, &with_mfa), 0);
    /* an auditor, who never sees a number, is not bound by it */
    assert_int_equal(mns_vault_purpose_list(f->v, &f->auditor, "acme", &res, &em), MNS_OK);
    json_decref(res);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "clerk", "person.list", NULL, NULL, "denied:denied", NULL), 3);
    assert_true(vf_audit_count(log, "clerk", "person.list", NULL, NULL, "denied:denied", &e) > 0);
    assert_int_equal(vf_audit_count(log, "officer", "tenant.policy_set", NULL, NULL, "ok", &e), 2);
    assert_non_null(strstr(vf_str(e, "detail"), "allow_"));
    assert_int_equal(vf_audit_count(log, "officer", "tenant.policy_set", NULL, NULL, "error:invalid", NULL), 4);
    json_decref(log);
    vf_free(f);
}

/* The installation's settings read back as data (what the check sheet
 * probes will read), and only by the roles that oversee. */
static void test_access_policy(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vapol");
    const char *nets[] = {"clerk=192.0.2.0/24,2001:db8::/32", NULL};
    const char *hours[] = {"clerk=00-24", "officer=09-18@mon-fri", NULL}; /* officer: not logged in here */
    const char *places[] = {"tokyo=198.51.100.0/24", NULL};
    struct mns_vault_config cfg = {.allow_networks = nets, .allow_hours = hours, .places = places,
                                   .travel_minutes = 90, .refuse_new_device = true, .separation_of_duties = true,
                                   .require_mfa_roles = MNS_ROLE_CLERK | MNS_ROLE_OFFICER, .password_history = 5};
    json_t *res = NULL;
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    assert_int_equal(mns_vault_access_policy(f->v, &f->clerk, &res, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_access_policy(f->v, &f->auditor, &res, &em), MNS_OK);
    json_t *clerk = json_object_get(json_object_get(json_object_get(res, "where_and_when"), "roles"), "clerk");
    assert_string_equal(json_string_value(json_array_get(json_object_get(clerk, "networks"), 0)), "192.0.2.0/24");
    assert_string_equal(json_string_value(json_array_get(json_object_get(clerk, "networks"), 1)), "2001:db8::/32");
    assert_string_equal(json_string_value(json_object_get(clerk, "hours")), "00-24@sun,mon,tue,wed,thu,fri,sat");
    json_t *officer = json_object_get(json_object_get(json_object_get(res, "where_and_when"), "roles"), "officer");
    assert_string_equal(json_string_value(json_object_get(officer, "hours")), "09-18@mon,tue,wed,thu,fri");
    json_t *admin = json_object_get(json_object_get(json_object_get(res, "where_and_when"), "roles"), "sysadmin");
    assert_int_equal(json_array_size(json_object_get(admin, "networks")), 0);
    assert_true(json_is_null(json_object_get(admin, "hours")));
    assert_true(json_is_true(json_object_get(res, "separation_of_duties")));
    assert_int_equal(json_array_size(json_object_get(res, "require_mfa_roles")), 2);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "password"), "history")), 5);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(res, "password"), "min_length")), 12);
    json_t *risk = json_object_get(res, "login_risk");
    assert_true(json_is_true(json_object_get(risk, "refuse_new_device")));
    assert_false(json_is_true(json_object_get(risk, "refuse_new_address")));
    assert_int_equal(json_integer_value(json_object_get(risk, "travel_minutes")), 90);
    json_decref(res);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_parse),
        cmocka_unit_test(test_file_scope),
        cmocka_unit_test(test_tenant_policy),
        cmocka_unit_test(test_access_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
