/*
 * test_vault_mfa.c: two-factor login with TOTP (RFC 6238): enrolment through
 * an otpauth URI, confirmation with a current code, codes accepted once only,
 * recovery codes once each, wrong codes counted toward the lockout, and the
 * secret never in the database in clear.
 */
#include <time.h>

#include "vault_fixture.h"

/* The base32 secret inside an otpauth URI, decoded. */
static size_t uri_secret(const char *uri, uint8_t *key, size_t size)
{
    const char *p = strstr(uri, "secret=");
    assert_non_null(p);
    p += 7;
    size_t n = strcspn(p, "&");
    size_t len = 0;
    assert_int_equal(mns_base32_decode(key, size, &len, p, n), MNS_OK);
    return len;
}

static void code_at(char out[8], const uint8_t *key, size_t len, int64_t t)
{
    uint32_t c;
    assert_int_equal(mns_totp_at(&c, key, len, t, 30, MNS_TOTP_SHA1, 6), MNS_OK);
    snprintf(out, 8, "%06u", (unsigned)c);
}

static mns_err login(struct vf *f, const char *otp, struct mns_actor *a, mns_errmsg *em)
{
    char tok[MNS_TOKEN_LEN + 1];
    return mns_vault_login_mfa(f->v, "clerk", f->pw_clerk, otp, "unix", tok, a, em);
}

static void test_totp_login(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vmfa");
    char *uri = malloc(MNS_TOTP_URI_MAX), code[8], codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1];
    uint8_t key[64];
    struct mns_actor a;
    mns_errmsg em = {""};
    assert_non_null(uri);

    assert_int_equal(mns_vault_totp_begin(f->v, &f->clerk, uri, &em), MNS_OK);
    assert_non_null(strstr(uri, "otpauth://totp/mnsafe:clerk?secret="));
    size_t len = uri_secret(uri, key, sizeof(key));
    assert_int_equal(len, 20);
    /* not in force before it is confirmed */
    assert_int_equal(login(f, NULL, &a, &em), MNS_OK);
    int64_t now = (int64_t)time(NULL);
    /* a wrong code does not confirm */
    code_at(code, key, len, now);
    char wrong[8];
    snprintf(wrong, sizeof(wrong), "%06u", (unsigned)((strtoul(code, NULL, 10) + 1) % 1000000));
    assert_int_equal(mns_vault_totp_confirm(f->v, &f->clerk, wrong, codes, &em), MNS_ERR_MFA);
    assert_int_equal(login(f, NULL, &a, &em), MNS_OK); /* still not in force */
    assert_int_equal(mns_vault_totp_confirm(f->v, &f->clerk, code, codes, &em), MNS_OK);
    for (int i = 0; i < MNS_RECOVERY_CODES; i++)
        assert_int_equal(strlen(codes[i]), MNS_RECOVERY_CODE_LEN);

    /* now required */
    assert_int_equal(login(f, NULL, &a, &em), MNS_ERR_MFA);
    assert_non_null(strstr(em.text, "one-time code"));
    /* the code that confirmed (this step) is used: refused */
    assert_int_equal(login(f, code, &a, &em), MNS_ERR_MFA);
    /* the next step's code works once */
    code_at(code, key, len, now + 30);
    assert_int_equal(login(f, code, &a, &em), MNS_OK);
    assert_true(a.totp_enabled);
    assert_int_equal(login(f, code, &a, &em), MNS_ERR_MFA);
    /* a recovery code works once */
    assert_int_equal(login(f, codes[3], &a, &em), MNS_OK);
    assert_int_equal(login(f, codes[3], &a, &em), MNS_ERR_MFA);
    /* a right code with a wrong password is still a wrong password */
    char tok[MNS_TOKEN_LEN + 1];
    code_at(code, key, len, now + 60);
    assert_int_equal(mns_vault_login_mfa(f->v, "clerk", "not the password", code, "unix", tok, &a, &em), MNS_ERR_AUTH);

    /* the audit log says what happened, never a code */
    json_t *log = vf_audit_since(f, &f->auditor, 0);
    assert_int_equal(vf_audit_count(log, "clerk", "auth.totp_enable", "user:clerk", NULL, "ok", NULL), 1);
    assert_true(vf_audit_count(log, "clerk", "auth.login", "user:clerk", NULL, "denied:mfa", NULL) >= 3);
    char *dump = json_dumps(log, 0);
    assert_null(strstr(dump, codes[3]));
    free(dump);
    json_decref(log);

    /* the secret is in the database only wrapped (SQLite file and WAL, or
     * the PostgreSQL server's whole data directory) */
    assert_false(vf_store_files_contain(f, key, len));
    /* ...where the scan does see what is stored in clear (the tenant's name) */
    assert_true(vf_store_files_contain(f, "Acme 株式会社", strlen("Acme 株式会社")));
    mns_wipe(codes, sizeof(codes));
    free(uri);
    vf_free(f);
}

static void test_wrong_codes_lock(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vmfa-lock");
    char *uri = malloc(MNS_TOTP_URI_MAX), code[8], codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1];
    uint8_t key[64];
    struct mns_actor a;
    mns_errmsg em = {""};
    assert_non_null(uri);
    assert_int_equal(mns_vault_totp_begin(f->v, &f->clerk, uri, &em), MNS_OK);
    size_t len = uri_secret(uri, key, sizeof(key));
    int64_t now = (int64_t)time(NULL);
    code_at(code, key, len, now);
    assert_int_equal(mns_vault_totp_confirm(f->v, &f->clerk, code, codes, &em), MNS_OK);
    /* five wrong codes (default lockout) lock the user like wrong passwords */
    for (int i = 0; i < 5; i++)
        assert_int_equal(login(f, "999999", &a, &em), MNS_ERR_MFA);
    code_at(code, key, len, now + 30);
    assert_int_equal(login(f, code, &a, &em), MNS_ERR_AUTH);
    mns_wipe(codes, sizeof(codes));
    free(uri);
    vf_free(f);
}

/* A tenant of clerks that must log in with two factors: until enrolled, a
 * clerk may do nothing else; other roles are not affected. */
static void test_required_for_role(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vmfa-req");
    struct mns_vault_config cfg = {.require_mfa_roles = MNS_ROLE_CLERK};
    char *uri = malloc(MNS_TOTP_URI_MAX), code[8], codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1];
    uint8_t key[64];
    struct mns_actor a;
    json_t *res = NULL;
    mns_errmsg em = {""};
    assert_non_null(uri);
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);

    assert_int_equal(login(f, NULL, &a, &em), MNS_OK);
    assert_true(a.must_enroll_mfa);
    assert_int_equal(mns_vault_person_list(f->v, &a, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    assert_non_null(strstr(em.text, "two-factor"));
    assert_null(res);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    assert_false(f->officer.must_enroll_mfa);
    assert_int_equal(mns_vault_person_list(f->v, &f->officer, "acme", 0, 10, &res, &em), MNS_OK);
    json_decref(res);
    res = NULL;

    assert_int_equal(mns_vault_totp_begin(f->v, &a, uri, &em), MNS_OK);
    size_t len = uri_secret(uri, key, sizeof(key));
    int64_t now = (int64_t)time(NULL);
    code_at(code, key, len, now);
    assert_int_equal(mns_vault_totp_confirm(f->v, &a, code, codes, &em), MNS_OK);
    code_at(code, key, len, now + 30);
    assert_int_equal(login(f, code, &a, &em), MNS_OK);
    assert_false(a.must_enroll_mfa);
    assert_int_equal(mns_vault_person_list(f->v, &a, "acme", 0, 10, &res, &em), MNS_OK);
    json_decref(res);
    mns_wipe(codes, sizeof(codes));
    free(uri);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_totp_login),
        cmocka_unit_test(test_wrong_codes_lock),
        cmocka_unit_test(test_required_for_role),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
