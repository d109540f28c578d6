/*
 * test_vault_password.c: the password policy: length (NIST defaults),
 * blocklist, user name, My Numbers, optional character classes, history
 * and expiry (the JNSA sheet's complexity / expiry / history).
 */
#include "vault_fixture.h"


/* Changes clerk's password from *cur to next; on success *cur becomes next
 * and the clerk logs in again (a change ends the sessions). */
static mns_err change(struct vf *f, char cur[64], const char *next, mns_errmsg *em)
{
    mns_err err = mns_vault_password_change(f->v, &f->clerk, cur, next, em);
    if (err == MNS_OK) {
        snprintf(cur, 64, "%s", next);
        vf_login(f, "clerk", cur, &f->clerk);
    }
    return err;
}

static void test_length_blocklist_name_number(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vpw-basic");
    char blocklist[1100], cur[64];
    mns_errmsg em = {""};
    vf_join(blocklist, f->root, "blocklist.txt");
    FILE *out = fopen(blocklist, "w");
    assert_non_null(out);
    fputs("#!comment: test list\ncorrecthorsebatterystaple\nshoganaishoganai\n", out);
    fclose(out);
    struct mns_vault_config cfg = {.password_blocklist = blocklist};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    snprintf(cur, sizeof(cur), "%s", f->pw_clerk);

    assert_int_equal(change(f, cur, "elevenchars", &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "at least 12 characters"));
    assert_non_null(strstr(em.text, "12文字以上"));
    /* characters, not bytes: 12 kana pass, 11 do not */
    assert_int_equal(change(f, cur, "あいうえおかきくけこさ", &em), MNS_ERR_INVALID);
    assert_int_equal(change(f, cur, "CorrectHorseBatteryStaple", &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "commonly used"));
    assert_int_equal(change(f, cur, "my-clerk-password-2026", &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "user name"));
    char with_number[64];
    char num[13];
    vf_number(num, 5);
    snprintf(with_number, sizeof(with_number), "pw-%s-x", num);
    assert_int_equal(change(f, cur, with_number, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "My Number"));
    assert_null(strstr(em.text, num));
    /* nothing changed so far: the old password still logs in */
    vf_login(f, "clerk", cur, &f->clerk);
    assert_int_equal(change(f, cur, "あいうえおかきくけこさし", &em), MNS_OK);
    /* an explicitly configured blocklist that is missing stops the vault */
    mns_vault_free(f->v);
    f->v = NULL;
    struct mns_vault_config bad = f->cfg;
    bad.password_blocklist = "/nonexistent/blocklist.txt";
    assert_int_equal(mns_vault_open(&f->v, &bad, &em), MNS_ERR_IO);
    assert_non_null(strstr(em.text, "blocklist"));
    assert_int_equal(mns_vault_open(&f->v, &f->cfg, &em), MNS_OK);
    vf_free(f);
}

static void test_classes_and_history(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vpw-hist");
    struct mns_vault_config cfg = {.password_classes = 3, .password_history = 2};
    char cur[64], first[64];
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    snprintf(cur, sizeof(cur), "%s", f->pw_clerk);

    assert_int_equal(change(f, cur, "onlylowercaseletters", &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "at least 3"));
    assert_int_equal(change(f, cur, "Mixed-case-one", &em), MNS_OK);
    snprintf(first, sizeof(first), "%s", cur);
    assert_int_equal(change(f, cur, "Mixed-case-one", &em), MNS_ERR_INVALID); /* the current one */
    assert_non_null(strstr(em.text, "used before"));
    assert_int_equal(change(f, cur, "Mixed-case-two", &em), MNS_OK);
    assert_int_equal(change(f, cur, first, &em), MNS_ERR_INVALID); /* within the last 2 */
    assert_int_equal(change(f, cur, "Mixed-case-three", &em), MNS_OK);
    assert_int_equal(change(f, cur, first, &em), MNS_OK); /* out of the window again */
    vf_db *db = vf_db_open(f, true);
    assert_true(vf_db_int(db, "SELECT count(*) FROM password_history", 0, 0, 0) <= 2 * 5);
    vf_db_close(db);
    vf_free(f);
}

static void test_expiry(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vpw-expiry");
    struct mns_vault_config cfg = {.password_expiry_days = 90};
    struct mns_actor a;
    char tok[MNS_TOKEN_LEN + 1];
    mns_errmsg em = {""};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    assert_int_equal(mns_vault_login(f->v, "clerk", f->pw_clerk, "unix", tok, &a, &em), MNS_OK);
    assert_false(a.must_change_password);
    /* the password was set 91 days ago */
    vf_db *db = vf_db_open(f, false);
    vf_db_exec(db, "UPDATE users SET password_changed_at = password_changed_at - 91 * CAST(86400000 AS BIGINT) WHERE name = 'clerk'");
    vf_db_close(db);
    assert_int_equal(mns_vault_login(f->v, "clerk", f->pw_clerk, "unix", tok, &a, &em), MNS_OK);
    assert_true(a.must_change_password);
    json_t *res = NULL;
    assert_int_equal(mns_vault_person_list(f->v, &a, "acme", 0, 10, &res, &em), MNS_ERR_DENIED);
    assert_null(res);
    char cur[64];
    snprintf(cur, sizeof(cur), "%s", f->pw_clerk);
    f->clerk = a;
    assert_int_equal(change(f, cur, "a-fresh-password-2026", &em), MNS_OK);
    assert_false(f->clerk.must_change_password);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_length_blocklist_name_number),
        cmocka_unit_test(test_classes_and_history),
        cmocka_unit_test(test_expiry),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
