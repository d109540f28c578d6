/*
 * test_vault_access.c: where and when roles may work (F-a 2): networks
 * (IPv4 and IPv6 CIDR) and hours/weekdays per role, at login and on every
 * use of a session; refusals audited; the local socket exempt from network
 * rules; malformed rules stop the vault.
 */
#include <time.h>

#include "vault_fixture.h"


static mns_err login_from(struct vf *f, const char *client, char tok[MNS_TOKEN_LEN + 1], struct mns_actor *a)
{
    mns_errmsg em = {""};
    return mns_vault_login(f->v, "clerk", f->pw_clerk, client, tok, a, &em);
}

static void test_networks(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vacc-net");
    const char *nets[] = {"clerk=192.0.2.0/24,2001:db8:1::/48", NULL};
    struct mns_vault_config cfg = {.allow_networks = nets};
    char tok[MNS_TOKEN_LEN + 1];
    struct mns_actor a;
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);

    assert_int_equal(login_from(f, "192.0.2.77", tok, &a), MNS_OK);
    assert_int_equal(login_from(f, "2001:db8:1:ff::1", tok, &a), MNS_OK);
    assert_int_equal(login_from(f, "unix", tok, &a), MNS_OK); /* the operator's socket */
    assert_int_equal(login_from(f, "198.51.100.1", tok, &a), MNS_ERR_DENIED);
    assert_int_equal(login_from(f, "2001:db8:2::1", tok, &a), MNS_ERR_DENIED);
    /* other roles have no rule */
    assert_int_equal(mns_vault_login(f->v, "officer", f->pw_officer, "198.51.100.1", tok, &a, &em), MNS_OK);

    /* a session from an allowed address, used from another: refused and audited */
    assert_int_equal(login_from(f, "192.0.2.77", tok, &a), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "192.0.2.78", &a), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "203.0.113.9", &a), MNS_ERR_DENIED);
    assert_int_equal(a.user_id, 0);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "clerk", "auth.login", "user:clerk", NULL, "denied:denied", &e), 2);
    assert_string_equal(vf_str(e, "detail"), "network not allowed");
    assert_int_equal(vf_audit_count(log, "clerk", "auth.session", "user:clerk", NULL, "denied:denied", &e), 1);
    assert_string_equal(vf_str(e, "client"), "203.0.113.9");
    json_decref(log);
    vf_free(f);
}

static void test_hours(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vacc-hours");
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    static const char *const days[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
    char inside[64], outside[64], otherday[64];
    snprintf(inside, sizeof(inside), "clerk=%02d-%02d", tm.tm_hour, tm.tm_hour + 1);
    if (tm.tm_hour < 23)
        snprintf(outside, sizeof(outside), "clerk=%02d-24", tm.tm_hour + 1);
    else
        snprintf(outside, sizeof(outside), "clerk=00-23");
    snprintf(otherday, sizeof(otherday), "clerk=00-24@%s", days[(tm.tm_wday + 1) % 7]);
    char tok[MNS_TOKEN_LEN + 1];
    struct mns_actor a;
    mns_errmsg em = {""};

    const char *in[] = {inside, NULL};
    struct mns_vault_config cfg = {.allow_hours = in};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    if (time(NULL) / 3600 == t / 3600) /* unless the hour turned meanwhile */
        assert_int_equal(login_from(f, "unix", tok, &a), MNS_OK);

    const char *out[] = {outside, NULL};
    cfg.allow_hours = out;
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    assert_int_equal(login_from(f, "unix", tok, &a), MNS_ERR_DENIED);

    const char *od[] = {otherday, NULL};
    cfg.allow_hours = od;
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    assert_int_equal(login_from(f, "unix", tok, &a), MNS_ERR_DENIED);
    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_true(vf_audit_count(log, "clerk", "auth.login", "user:clerk", NULL, "denied:denied", &e) >= 2);
    assert_string_equal(vf_str(e, "detail"), "outside allowed hours");
    json_decref(log);
    vf_free(f);
}

static void test_malformed_rules(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vacc-bad");
    mns_errmsg em = {""};
    const char *bad_role[] = {"janitor=10.0.0.0/8", NULL};
    const char *bad_cidr[] = {"clerk=10.0.0.0/33", NULL};
    const char *bad_hours[] = {"clerk=18-09", NULL};
    struct mns_vault_config cfg = {.allow_networks = bad_role};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "role"));
    cfg.allow_networks = bad_cidr;
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_ERR_INVALID);
    cfg.allow_networks = NULL;
    cfg.allow_hours = bad_hours;
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "HH-HH"));
    struct mns_vault_config good = {0};
    assert_int_equal(vf_reopen(f, &good, &em), MNS_OK);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_networks),
        cmocka_unit_test(test_hours),
        cmocka_unit_test(test_malformed_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
