/*
 * test_vault_dependents.c: one person in detail, and dependents added to a
 * stored person: masked as in lists (clerks the last four, officers none),
 * revealed with the person for its purpose, refused when malformed or
 * duplicated, and gone with the person's crypto-shredding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"
#include "vault_fixture.h"

static mns_err add_dep(struct vf *f, const struct mns_actor *who, int64_t pid, const char *json, mns_errmsg *em)
{
    json_t *d = json_loads(json, 0, NULL), *res = NULL;
    assert_non_null(d);
    mns_err err = mns_vault_dependent_add(f->v, who, "acme", pid, d, &res, em);
    json_decref(d);
    json_decref(res);
    return err;
}

static void test_add_show_reveal(void **state)
{
    struct vf *f = vf_new_world("deps");
    char pnum[13], dnum[13], json[512], last4[13];
    mns_errmsg em = {""};
    json_t *res = NULL;
    (void)state;
    vf_number(pnum, 8100);
    vf_number(dnum, 8101);
    int64_t pid = vf_add_one(f, &f->clerk, "acme", vf_person("扶養 太郎", pnum, "dependent_deduction"));
    snprintf(json, sizeof(json),
             "{\"name\":\"扶養 花子\",\"relationship\":\"配偶者\",\"mynumber\":\"%s\",\"name_kana\":\"フヨウ ハナコ\","
             "\"birth_date\":\"1990-02-28\"}", dnum);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_OK);
    /* the clerk's detail: last four digits of both numbers, the dependent's fields */
    assert_int_equal(mns_vault_person_get(f->v, &f->clerk, "acme", pid, &res, &em), MNS_OK);
    snprintf(last4, sizeof(last4), "********%s", pnum + 8);
    assert_string_equal(json_string_value(json_object_get(res, "mynumber_masked")), last4);
    json_t *d = json_array_get(json_object_get(res, "dependents"), 0);
    snprintf(last4, sizeof(last4), "********%s", dnum + 8);
    assert_string_equal(json_string_value(json_object_get(d, "mynumber_masked")), last4);
    assert_string_equal(json_string_value(json_object_get(d, "relationship")), "配偶者");
    assert_string_equal(json_string_value(json_object_get(d, "birth_date")), "1990-02-28");
    char *dump = json_dumps(res, 0);
    assert_null(strstr(dump, pnum));
    assert_null(strstr(dump, dnum));
    free(dump);
    json_decref(res);
    /* the officer sees no digit */
    assert_int_equal(mns_vault_person_get(f->v, &f->officer, "acme", pid, &res, &em), MNS_OK);
    assert_string_equal(json_string_value(json_object_get(res, "mynumber_masked")), "************");
    d = json_array_get(json_object_get(res, "dependents"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "mynumber_masked")), "************");
    json_decref(res);
    /* revealed with the person, for the person's purpose */
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", pid, "dependent_deduction", &res, &em), MNS_OK);
    d = json_array_get(json_object_get(res, "dependents"), 0);
    assert_string_equal(json_string_value(json_object_get(d, "mynumber")), dnum);
    json_decref(res);
    /* refusals: each leaves the person as it was */
    snprintf(json, sizeof(json), "{\"name\":\"x\",\"relationship\":\"子\",\"mynumber\":\"%s\"}", dnum);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_ERR_EXISTS);
    snprintf(json, sizeof(json), "{\"name\":\"x\",\"relationship\":\"子\",\"mynumber\":\"%s\"}", pnum);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_ERR_INVALID);
    assert_non_null(strstr(em.text, "person's own"));
    char bad[13];
    vf_number_bad(bad, 8102);
    snprintf(json, sizeof(json), "{\"name\":\"x\",\"relationship\":\"子\",\"mynumber\":\"%s\"}", bad);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_ERR_CHECK_DIGIT);
    assert_null(strstr(em.text, bad));
    vf_number(dnum, 8103);
    snprintf(json, sizeof(json), "{\"name\":\"x\",\"relationship\":\"子\",\"mynumber\":\"%s\",\"birth_date\":\"2023-02-29\"}", dnum);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_ERR_INVALID);
    snprintf(json, sizeof(json), "{\"name\":\"x\",\"relationship\":\"子\",\"mynumber\":\"%s\",\"salary\":1}", dnum);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_ERR_INVALID);
    snprintf(json, sizeof(json), "{\"name\":\"x\",\"relationship\":\"子\",\"mynumber\":\"%s\"}", dnum);
    assert_int_equal(add_dep(f, &f->officer, pid, json, &em), MNS_ERR_DENIED);
    assert_int_equal(add_dep(f, &f->clerk, pid + 1, json, &em), MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_person_get(f->v, &f->clerk, "acme", pid, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "dependents")), 1);
    json_decref(res);
    /* the person's deletion takes the dependent with it */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", pid, NULL, &em), MNS_OK);
    vf_db *db = vf_db_open(f, true);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents", 0, 0, 0), 0);
    vf_db_close(db);
    assert_int_equal(mns_vault_person_get(f->v, &f->clerk, "acme", pid, &res, &em), MNS_ERR_NOT_FOUND);
    vf_free(f);
}

static void test_delete_journal_restore(void **state)
{
    struct vf *f = vf_new_world("dep-delete");
    char pnum[13], d1[13], d2[13], json[256], restored[1100], db[1200];
    mns_errmsg em = {""};
    json_t *res = NULL;
    (void)state;
    vf_number(pnum, 8300);
    vf_number(d1, 8301);
    vf_number(d2, 8302);
    int64_t pid = vf_add_one(f, &f->clerk, "acme", vf_person("削除 太郎", pnum, "dependent_deduction"));
    snprintf(json, sizeof(json), "{\"name\":\"子 一\",\"relationship\":\"子\",\"mynumber\":\"%s\"}", d1);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_OK);
    snprintf(json, sizeof(json), "{\"name\":\"子 二\",\"relationship\":\"子\",\"mynumber\":\"%s\"}", d2);
    assert_int_equal(add_dep(f, &f->clerk, pid, json, &em), MNS_OK);
    /* a backup with both dependents */
    assert_int_equal(mns_vault_backup(f->v, &f->admin, &res, &em), MNS_OK);
    char backup[1024];
    snprintf(backup, sizeof(backup), "%s", json_string_value(json_object_get(res, "path")));
    json_decref(res);
    assert_int_equal(mns_vault_person_get(f->v, &f->clerk, "acme", pid, &res, &em), MNS_OK);
    int64_t first = json_integer_value(json_object_get(json_array_get(json_object_get(res, "dependents"), 0), "id"));
    json_decref(res);
    /* a legal hold on the person keeps its dependents */
    assert_int_equal(mns_vault_hold(f->v, &f->officer, "acme", pid, "訴訟対応", &em), MNS_OK);
    assert_int_not_equal(mns_vault_dependent_delete(f->v, &f->clerk, "acme", pid, first, NULL, &em), MNS_OK);
    assert_int_equal(mns_vault_hold(f->v, &f->officer, "acme", pid, NULL, &em), MNS_OK);
    /* only a clerk, only this person's dependent */
    assert_int_equal(mns_vault_dependent_delete(f->v, &f->officer, "acme", pid, first, NULL, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_dependent_delete(f->v, &f->clerk, "acme", pid + 1, first, NULL, &em), MNS_ERR_NOT_FOUND);
    assert_int_equal(mns_vault_dependent_delete(f->v, &f->clerk, "acme", pid, first, "扶養から外れた", &em), MNS_OK);
    assert_int_equal(mns_vault_dependent_delete(f->v, &f->clerk, "acme", pid, first, NULL, &em), MNS_ERR_NOT_FOUND);
    /* gone from the person and its reveal; the other stays */
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", pid, "dependent_deduction", &res, &em), MNS_OK);
    json_t *deps = json_object_get(res, "dependents");
    assert_int_equal(json_array_size(deps), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(deps, 0), "mynumber")), d2);
    json_decref(res);
    /* written in the disposal register */
    assert_int_equal(mns_vault_disposal_list(f->v, &f->officer, "acme", NULL, NULL, &res, &em), MNS_OK);
    char *dump = json_dumps(res, 0);
    assert_non_null(strstr(dump, "My Numbers of dependents"));
    assert_null(strstr(dump, d1));
    free(dump);
    json_decref(res);
    /* the backup still holds both; its restore must not bring the deleted one back */
    snprintf(restored, sizeof(restored), "%s/restored", f->root);
    assert_int_equal(mns_vault_restore(f->v, &f->admin, backup, restored, &res, &em), MNS_OK);
    json_decref(res);
    snprintf(db, sizeof(db), "%s/%s", restored, MNS_DB_FILE);
    sqlite3 *rdb = NULL;
    assert_int_equal(sqlite3_open_v2(db, &rdb, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(vf_sqlite_int(rdb, "SELECT count(*) FROM dependents WHERE person_id = ?", 1, pid, 0), 1);
    assert_int_equal(vf_sqlite_int(rdb, "SELECT count(*) FROM dependent_deletions WHERE dependent_id = ?", 1, first, 0), 1);
    sqlite3_close(rdb);
    vf_free(f);
}

static size_t count_filtered(struct vf *f, const char *kind, const char *name)
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    struct mns_person_filter filter = {kind, name};
    mns_err err = mns_vault_person_list_ex(f->v, &f->clerk, "acme", 0, 100, &filter, &res, &em);
    if (err != MNS_OK)
        fail_msg("list: %s (%s)", mns_err_name(err), em.text);
    size_t n = json_array_size(json_object_get(res, "persons"));
    json_decref(res);
    return n;
}

static void test_list_filters(void **state)
{
    struct vf *f = vf_new_world("filters");
    char num[13];
    (void)state;
    static const struct {
        const char *name, *kind;
    } people[] = {{"山田 太郎", "employee"}, {"山田 花子", "payee"}, {"鈴木 100%", "employee"}, {"佐藤 一郎", "employee"}};
    for (unsigned i = 0; i < 4; i++) {
        vf_number(num, 8200 + i);
        json_t *p = vf_person(people[i].name, num, "withholding_slip");
        json_object_set_new(p, "kind", json_string(people[i].kind));
        (void)vf_add_one(f, &f->clerk, "acme", p);
    }
    assert_int_equal(count_filtered(f, NULL, NULL), 4);
    assert_int_equal(count_filtered(f, "payee", NULL), 1);
    assert_int_equal(count_filtered(f, NULL, "山田"), 2);
    assert_int_equal(count_filtered(f, "employee", "山田"), 1);
    assert_int_equal(count_filtered(f, NULL, "花子"), 1);
    /* LIKE's own characters are taken literally */
    assert_int_equal(count_filtered(f, NULL, "100%"), 1);
    assert_int_equal(count_filtered(f, NULL, "%"), 1);
    assert_int_equal(count_filtered(f, NULL, "_"), 0);
    assert_int_equal(count_filtered(f, NULL, "田中"), 0);
    vf_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_add_show_reveal), cmocka_unit_test(test_list_filters),
                                       cmocka_unit_test(test_delete_journal_restore)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
