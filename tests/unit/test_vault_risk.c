/*
 * test_vault_risk.c: login risk (F-b optional 2): a new address needs the
 * second factor (or is refused), and two logins from far-apart places in too
 * short a time are refused; both audited with the reason.
 */
#include <time.h>

#include "vault_fixture.h"

static mns_err login_from(struct vf *f, const char *client, const char *otp, mns_errmsg *em)
{
    char tok[MNS_TOKEN_LEN + 1];
    struct mns_actor a;
    return mns_vault_login_mfa(f->v, "clerk", f->pw_clerk, otp, client, tok, &a, em);
}

static void test_new_address(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vrisk-new");
    struct mns_vault_config cfg = {.refuse_new_address = true};
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);

    assert_int_equal(login_from(f, "192.0.2.1", NULL, &em), MNS_OK);   /* the first address is learnt */
    assert_int_equal(login_from(f, "192.0.2.1", NULL, &em), MNS_OK);
    assert_int_equal(login_from(f, "198.51.100.7", NULL, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "new address"));
    assert_int_equal(login_from(f, "unix", NULL, &em), MNS_OK);        /* the operator's socket */

    /* with two factors the new address is fine, and learnt */
    char *uri = malloc(MNS_TOTP_URI_MAX), codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1];
    assert_non_null(uri);
    struct mns_actor c;
    vf_login(f, "clerk", f->pw_clerk, &c);
    assert_int_equal(mns_vault_totp_begin(f->v, &c, uri, &em), MNS_OK);
    const char *p = strstr(uri, "secret=") + 7;
    uint8_t key[64];
    size_t len = 0;
    assert_int_equal(mns_base32_decode(key, sizeof(key), &len, p, strcspn(p, "&")), MNS_OK);
    uint32_t code;
    char text[8];
    int64_t now = (int64_t)time(NULL);
    assert_int_equal(mns_totp_at(&code, key, len, now, 30, MNS_TOTP_SHA1, 6), MNS_OK);
    snprintf(text, sizeof(text), "%06u", (unsigned)code);
    assert_int_equal(mns_vault_totp_confirm(f->v, &c, text, codes, &em), MNS_OK);
    assert_int_equal(mns_totp_at(&code, key, len, now + 30, 30, MNS_TOTP_SHA1, 6), MNS_OK);
    snprintf(text, sizeof(text), "%06u", (unsigned)code);
    assert_int_equal(login_from(f, "198.51.100.7", text, &em), MNS_OK);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "clerk", "auth.login", "user:clerk", NULL, "denied:denied", &e), 1);
    assert_string_equal(vf_str(e, "detail"), "new address without a second factor");
    json_decref(log);
    mns_wipe(codes, sizeof(codes));
    free(uri);
    vf_free(f);
}

static void test_impossible_travel(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vrisk-travel");
    const char *places[] = {"tokyo=192.0.2.0/24", "osaka=198.51.100.0/24", NULL};
    struct mns_vault_config cfg = {.places = places, .travel_minutes = 60};
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);

    assert_int_equal(login_from(f, "192.0.2.10", NULL, &em), MNS_OK);
    assert_int_equal(login_from(f, "192.0.2.11", NULL, &em), MNS_OK);   /* same place */
    assert_int_equal(login_from(f, "198.51.100.3", NULL, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "osaka"));
    assert_int_equal(login_from(f, "203.0.113.5", NULL, &em), MNS_OK);  /* no place: no rule */
    /* two hours later, Osaka is fine */
    vf_db *db = vf_db_open(f, false);
    vf_db_exec(db, "UPDATE users SET last_place_at = last_place_at - 7200000 WHERE name = 'clerk'");
    vf_db_close(db);
    assert_int_equal(login_from(f, "198.51.100.3", NULL, &em), MNS_OK);

    json_t *log = vf_audit_since(f, &f->auditor, 0), *e = NULL;
    assert_int_equal(vf_audit_count(log, "clerk", "auth.login", "user:clerk", NULL, "denied:denied", &e), 1);
    assert_string_equal(vf_str(e, "detail"), "impossible travel");
    json_decref(log);
    /* malformed places stop the vault */
    const char *bad[] = {"=10.0.0.0/8", NULL};
    struct mns_vault_config badcfg = {.places = bad};
    assert_int_equal(vf_reopen(f, &badcfg, &em), MNS_ERR_INVALID);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_address),
        cmocka_unit_test(test_impossible_travel),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
