/*
 * test_vault_persons.c: persons and their numbers through the vault's public
 * API: adding (with dependents, all or nothing), masked lists, lookup by
 * number, purpose-bound reveal, deletion, and who may do what.
 */
#include "vault_fixture.h"

static int setup(void **state)
{
    *state = vf_new_world("vpersons");
    return 0;
}

static int teardown(void **state)
{
    vf_free(*state);
    return 0;
}

static int64_t count_persons(struct vf *f)
{
    vf_db *db = vf_db_open(f, true);
    int64_t n = vf_db_int(db, "SELECT count(*) FROM persons", 0, 0, 0);
    vf_db_close(db);
    return n;
}

static int64_t count_rows(struct vf *f, const char *sql, int64_t id)
{
    vf_db *db = vf_db_open(f, true);
    int64_t n = vf_db_int(db, sql, 1, id, 0);
    vf_db_close(db);
    return n;
}

/* A person with two dependents, collected for withholding_slip and
 * dependent_deduction. */
static json_t *family(const char *name, const char *num, const char *spouse, const char *child)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:[s, s], s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "kind", "employee",
                          "name", name, "employee_code", "E-001", "mynumber", num, "purposes", "withholding_slip",
                          "dependent_deduction", "dependents", "name", "山田 花子", "relationship", "配偶者",
                          "mynumber", spouse, "name", "山田 一郎", "relationship", "子", "mynumber", child);
    assert_non_null(p);
    return p;
}

static json_t *find_by(json_t *list, const char *key, json_int_t id)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e) {
        if (json_integer_value(json_object_get(e, key)) == id)
            return e;
    }
    return NULL;
}

/* ---- add and list ------------------------------------------------------------ */

static void test_add_and_list_masked(void **state)
{
    struct vf *f = *state;
    char n1[13], n2[13], d1[13], d2[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n1, 100);
    vf_number(n2, 101);
    vf_number(d1, 102);
    vf_number(d2, 103);
    json_t *batch = json_pack("[o, o]", family("山田 太郎", n1, d1, d2),
                              json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "payee", "name", "Suzuki", "mynumber", n2,
                                        "purposes", "payment_record"));
    assert_non_null(batch);
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_OK);
    json_decref(batch);
    json_t *ids = json_object_get(res, "created");
    assert_int_equal(json_array_size(ids), 2);
    json_int_t id1 = json_integer_value(json_array_get(ids, 0));
    json_int_t id2 = json_integer_value(json_array_get(ids, 1));
    assert_true(id1 > 0 && id2 > 0 && id1 != id2);
    json_decref(res);
    assert_int_equal(count_persons(f), 2);
    assert_int_equal(count_rows(f, "SELECT count(*) FROM dependents WHERE person_id = ?", id1), 2);

    /* the assigned clerk sees the last four digits */
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 0, &res, &em), MNS_OK);
    json_t *list = json_object_get(res, "persons");
    assert_int_equal(json_array_size(list), 2);
    json_t *p1 = find_by(list, "id", id1), *p2 = find_by(list, "id", id2);
    assert_non_null(p1);
    assert_non_null(p2);
    char want[13];
    snprintf(want, sizeof(want), "********%s", n1 + 8);
    assert_string_equal(vf_str(p1, "mynumber_masked"), want);
    snprintf(want, sizeof(want), "********%s", n2 + 8);
    assert_string_equal(vf_str(p2, "mynumber_masked"), want);
    assert_string_equal(vf_str(p1, "name"), "山田 太郎");
    assert_string_equal(vf_str(p1, "kind"), "employee");
    assert_string_equal(vf_str(p1, "employee_code"), "E-001");
    assert_string_equal(vf_str(p2, "kind"), "payee");
    assert_int_equal(json_integer_value(json_object_get(p1, "dependents")), 2);
    assert_int_equal(json_integer_value(json_object_get(p2, "dependents")), 0);
    json_t *purp = json_object_get(p1, "purposes");
    assert_int_equal(json_array_size(purp), 2);
    assert_string_equal(json_string_value(json_array_get(purp, 0)), "dependent_deduction");
    assert_string_equal(json_string_value(json_array_get(purp, 1)), "withholding_slip");
    /* no number in clear anywhere in the list */
    char *dump = json_dumps(res, JSON_COMPACT);
    assert_non_null(dump);
    assert_null(strstr(dump, n1));
    assert_null(strstr(dump, n2));
    assert_null(strstr(dump, d1));
    free(dump);
    json_decref(res);

    /* the officer sees stars only */
    assert_int_equal(mns_vault_person_list(f->v, &f->officer, "acme", 0, 0, &res, &em), MNS_OK);
    list = json_object_get(res, "persons");
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(vf_str(find_by(list, "id", id1), "mynumber_masked"), "************");
    assert_string_equal(vf_str(find_by(list, "id", id2), "mynumber_masked"), "************");
    json_decref(res);

    /* paging: limit 1 gives one row and a cursor to the next */
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 1, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 1);
    json_int_t after = json_integer_value(json_object_get(res, "next_after"));
    assert_true(after > 0);
    json_decref(res);
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", after, 1, &res, &em), MNS_OK);
    list = json_object_get(res, "persons");
    assert_int_equal(json_array_size(list), 1);
    assert_true(json_integer_value(json_object_get(json_array_get(list, 0), "id")) > after);
    json_decref(res);

    /* not for the unassigned clerk, not for an auditor */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk2, "acme", 0, 0, &res, &em), MNS_ERR_DENIED);
    assert_null(res);
    assert_int_equal(mns_vault_person_list(f->v, &f->auditor, "acme", 0, 0, &res, &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_person_list(f->v, &f->anon, "acme", 0, 0, &res, &em), MNS_ERR_AUTH);
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "nosuch", 0, 0, &res, &em), MNS_ERR_NOT_FOUND);
}

/* ---- find -------------------------------------------------------------------- */

static void test_find_normalized(void **state)
{
    struct vf *f = *state;
    char n1[13], d1[13], d2[13], other[13], fw[37], hy[15], spaced[40];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n1, 200);
    vf_number(d1, 201);
    vf_number(d2, 202);
    vf_number(other, 203);
    int64_t id = vf_add_one(f, &f->clerk, "acme", family("Sato", n1, d1, d2));
    vf_fullwidth(fw, n1);
    vf_hyphenated(hy, n1);
    snprintf(spaced, sizeof(spaced), "%.4s %.4s %.4s", n1, n1 + 4, n1 + 8);

    const char *inputs[] = {n1, fw, hy, spaced};
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        mns_err err = mns_vault_person_find(f->v, &f->clerk, "acme", inputs[i], &res, &em);
        if (err != MNS_OK)
            fail_msg("find form %zu: %s (%s)", i, mns_err_name(err), em.text);
        json_t *persons = json_object_get(res, "persons");
        assert_int_equal(json_array_size(persons), 1);
        json_t *p = json_array_get(persons, 0);
        assert_int_equal(json_integer_value(json_object_get(p, "id")), id);
        assert_string_equal(vf_str(p, "name"), "Sato");
        char want[13];
        snprintf(want, sizeof(want), "********%s", n1 + 8);
        assert_string_equal(vf_str(p, "mynumber_masked"), want);
        assert_int_equal(json_array_size(json_object_get(res, "dependents")), 0);
        json_decref(res);
    }

    /* a dependent's number finds the dependent and its person */
    char dfw[37];
    vf_fullwidth(dfw, d2);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", dfw, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 0);
    json_t *deps = json_object_get(res, "dependents");
    assert_int_equal(json_array_size(deps), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(deps, 0), "person_id")), id);
    assert_string_equal(vf_str(json_array_get(deps, 0), "relationship"), "子");
    json_decref(res);

    /* a valid number nobody has: empty, not an error */
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", other, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 0);
    assert_int_equal(json_array_size(json_object_get(res, "dependents")), 0);
    json_decref(res);

    /* a wrong check digit, and garbage */
    char bad[13];
    vf_number_bad(bad, 200);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", bad, &res, &em), MNS_ERR_CHECK_DIGIT);
    assert_null(res);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", "12345", &res, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", NULL, &res, &em), MNS_ERR_INVALID);
}

/* ---- reveal ------------------------------------------------------------------- */

static void test_reveal_purpose(void **state)
{
    struct vf *f = *state;
    char n1[13], d1[13], d2[13], got[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n1, 300);
    vf_number(d1, 301);
    vf_number(d2, 302);
    int64_t id = vf_add_one(f, &f->clerk, "acme", family("Tanaka", n1, d1, d2));

    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", &res, &em), MNS_OK);
    assert_non_null(res);
    assert_string_equal(vf_str(res, "mynumber"), n1);
    assert_int_equal(json_integer_value(json_object_get(res, "id")), id);
    assert_string_equal(vf_str(res, "purpose"), "withholding_slip");
    json_t *deps = json_object_get(res, "dependents");
    assert_int_equal(json_array_size(deps), 2);
    bool seen_spouse = false, seen_child = false;
    size_t i;
    json_t *d;
    json_array_foreach(deps, i, d) {
        if (strcmp(vf_str(d, "relationship"), "配偶者") == 0) {
            assert_string_equal(vf_str(d, "mynumber"), d1);
            assert_string_equal(vf_str(d, "name"), "山田 花子");
            seen_spouse = true;
        } else if (strcmp(vf_str(d, "relationship"), "子") == 0) {
            assert_string_equal(vf_str(d, "mynumber"), d2);
            seen_child = true;
        }
    }
    assert_true(seen_spouse && seen_child);
    json_decref(res);

    /* the other collected purpose works too */
    vf_reveal_ok(f, &f->clerk, "acme", id, "dependent_deduction", got);
    assert_string_equal(got, n1);

    /* a lawful purpose of the tenant, but not one this number was collected for */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "health_pension", &res, &em),
                     MNS_ERR_PURPOSE);
    assert_null(res);
    assert_null(strstr(em.text, n1));
    /* no such purpose at all */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "marketing", &res, &em), MNS_ERR_PURPOSE);
    assert_null(res);
    /* no purpose */
    res = (json_t *)0x1;
    assert_int_not_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, NULL, &res, &em), MNS_OK);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_not_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "", &res, &em), MNS_OK);
    assert_null(res);
    /* no such person */
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id + 1, "withholding_slip", &res, &em),
                     MNS_ERR_NOT_FOUND);
    assert_null(res);
    mns_wipe(got, sizeof(got));
}

/* ---- delete ------------------------------------------------------------------- */

static void test_delete(void **state)
{
    struct vf *f = *state;
    char n1[13], d1[13], d2[13], keep[13], got[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n1, 400);
    vf_number(d1, 401);
    vf_number(d2, 402);
    vf_number(keep, 403);
    int64_t id = vf_add_one(f, &f->clerk, "acme", family("Ito", n1, d1, d2));
    int64_t other = vf_add_one(f, &f->clerk, "acme", vf_person("Kato", keep, "withholding_slip"));

    /* not by the unassigned clerk nor the auditor; nothing happens */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk2, "acme", id, "left", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_person_delete(f->v, &f->auditor, "acme", id, "left", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_person_delete(f->v, &f->anon, "acme", id, "left", &em), MNS_ERR_AUTH);
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
    assert_string_equal(got, n1);

    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", id, "退職 (retired)", &em), MNS_OK);

    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", &res, &em),
                     MNS_ERR_NOT_FOUND);
    assert_null(res);
    const char *gone[] = {n1, d1, d2};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", gone[i], &res, &em), MNS_OK);
        assert_int_equal(json_array_size(json_object_get(res, "persons")), 0);
        assert_int_equal(json_array_size(json_object_get(res, "dependents")), 0);
        json_decref(res);
    }
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 0, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 1);
    assert_null(find_by(json_object_get(res, "persons"), "id", id));
    json_decref(res);

    /* the store, read directly: rows gone, the journal has the deletion */
    vf_db *db = vf_db_open(f, true);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE id = ?", 1, id, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents WHERE person_id = ?", 1, id, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM person_purposes WHERE person_id = ?", 1, id, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM deletions WHERE person_id = ?", 1, id, 0), 1);
    int64_t tid = vf_db_int(db, "SELECT id FROM tenants WHERE code = 'acme'", 0, 0, 0);
    assert_int_equal(vf_db_int(db, "SELECT tenant_id FROM deletions WHERE person_id = ?", 1, id, 0), tid);
    assert_int_equal(vf_db_int(db, "SELECT deleted_by = 'clerk' AND reason = '退職 (retired)' AND deleted_at > 0 "
                                   "FROM deletions WHERE person_id = ?", 1, id, 0), 1);
    /* the other person is untouched */
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE id = ? AND wrapped IS NOT NULL", 1, other, 0), 1);
    vf_db_close(db);
    vf_reveal_ok(f, &f->clerk, "acme", other, "withholding_slip", got);
    assert_string_equal(got, keep);

    /* deleting again: not found; the number may be registered anew */
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", id, NULL, &em), MNS_ERR_NOT_FOUND);
    int64_t again = vf_add_one(f, &f->clerk, "acme", vf_person("Ito", n1, "withholding_slip"));
    assert_true(again != id);
    mns_wipe(got, sizeof(got));
}

/* A person of one tenant cannot be reached through another tenant. */
static void test_cross_tenant(void **state)
{
    struct vf *f = *state;
    char n1[13], got[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_tenant(f, "beta", "Beta");
    vf_assign(f, "clerk2", "beta");
    vf_number(n1, 500);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Mori", n1, "withholding_slip"));

    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk2, "beta", id, "withholding_slip", &res, &em),
                     MNS_ERR_NOT_FOUND);
    assert_null(res);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk2, "beta", n1, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 0);
    json_decref(res);
    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk2, "beta", id, "x", &em), MNS_ERR_NOT_FOUND);
    /* still whole: key, row, number */
    assert_int_equal(count_rows(f, "SELECT count(*) FROM persons WHERE id = ? AND wrapped IS NOT NULL", id), 1);
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
    assert_string_equal(got, n1);
    /* and the same number may live in both tenants */
    int64_t id2 = vf_add_one(f, &f->clerk2, "beta", vf_person("Mori", n1, "withholding_slip"));
    assert_true(id2 != id);
    mns_wipe(got, sizeof(got));
}

/* ---- all or nothing ------------------------------------------------------------- */

static void test_batch_bad_check_digit(void **state)
{
    struct vf *f = *state;
    char n[5][13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    for (unsigned i = 0; i < 5; i++)
        vf_number(n[i], 600 + i);
    vf_number_bad(n[2], 602);
    json_t *batch = json_pack("[o, o, o, o, o]", vf_person("A", n[0], "withholding_slip"),
                              vf_person("B", n[1], "withholding_slip"), vf_person("C", n[2], "withholding_slip"),
                              vf_person("D", n[3], "withholding_slip"), vf_person("E", n[4], "withholding_slip"));
    assert_non_null(batch);
    int64_t before = count_persons(f);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_CHECK_DIGIT);
    assert_null(res);
    assert_true(strncmp(em.text, "persons[2].mynumber", strlen("persons[2].mynumber")) == 0);
    /* the message never repeats the number */
    assert_null(strstr(em.text, n[2]));
    assert_null(strstr(em.text, n[0]));
    assert_int_equal(count_persons(f), before);
    json_decref(batch);

    /* a bad dependent number names its place too */
    char good[13], dbad[13];
    vf_number(good, 610);
    vf_number_bad(dbad, 611);
    batch = json_pack("[o, o]", vf_person("F", n[0], "withholding_slip"), family("G", good, n[1], dbad));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_CHECK_DIGIT);
    assert_true(strncmp(em.text, "persons[1].dependents[1].mynumber", 33) == 0);
    assert_int_equal(count_persons(f), before);
    json_decref(batch);

    vf_db *db = vf_db_open(f, true);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE wrapped IS NOT NULL", 0, 0, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents", 0, 0, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM person_purposes", 0, 0, 0), 0);
    vf_db_close(db);

    /* an empty list, and not a list */
    batch = json_array();
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    json_decref(batch);
    batch = vf_person("H", n[0], "withholding_slip");
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    json_decref(batch);
    assert_int_equal(count_persons(f), before);
}

static void test_duplicate_number(void **state)
{
    struct vf *f = *state;
    char n1[13], n2[13], n3[13], fw[37];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n1, 700);
    vf_number(n2, 701);
    vf_number(n3, 702);
    vf_add_one(f, &f->clerk, "acme", vf_person("First", n1, "withholding_slip"));
    assert_int_equal(count_persons(f), 1);

    /* a new person first, then the registered number: nothing is stored */
    json_t *batch = json_pack("[o, o]", vf_person("New", n2, "withholding_slip"),
                              vf_person("Again", n1, "withholding_slip"));
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_EXISTS);
    assert_null(res);
    assert_true(strncmp(em.text, "persons[1]", 10) == 0);
    assert_null(strstr(em.text, n1));
    json_decref(batch);
    assert_int_equal(count_persons(f), 1);

    /* the same number written differently is the same number */
    vf_fullwidth(fw, n1);
    batch = json_pack("[o]", vf_person("Wide", fw, "withholding_slip"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_EXISTS);
    json_decref(batch);

    /* twice within one batch */
    batch = json_pack("[o, o]", vf_person("X", n3, "withholding_slip"), vf_person("Y", n3, "withholding_slip"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_EXISTS);
    json_decref(batch);
    assert_int_equal(count_persons(f), 1);

    /* n2 and n3 were never stored: they can be added now */
    vf_add_one(f, &f->clerk, "acme", vf_person("New", n2, "withholding_slip"));
    vf_add_one(f, &f->clerk, "acme", vf_person("X", n3, "withholding_slip"));
    assert_int_equal(count_persons(f), 3);
}

static void test_invalid_fields(void **state)
{
    struct vf *f = *state;
    char n1[13], n2[13], n3[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n1, 800);
    vf_number(n2, 801);
    vf_number(n3, 802);

    json_t *p = vf_person("Unknown", n1, "withholding_slip");
    json_object_set_new(p, "salary", json_integer(300000));
    json_t *batch = json_pack("[o, o]", vf_person("Fine", n2, "withholding_slip"), p);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    assert_null(res);
    assert_true(strncmp(em.text, "persons[1]", 10) == 0);
    assert_non_null(strstr(em.text, "salary"));
    json_decref(batch);

    /* an unknown field in a dependent */
    p = family("Dep", n1, n2, n3);
    json_object_set_new(json_array_get(json_object_get(p, "dependents"), 0), "birthday", json_string("2000-01-01"));
    batch = json_pack("[o]", p);
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    assert_true(strncmp(em.text, "persons[0].dependents[0]", 24) == 0);
    json_decref(batch);

    /* an unknown purpose, no purposes, a number that is not a string, a bad kind */
    batch = json_pack("[o]", vf_person("P", n1, "marketing"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    json_decref(batch);
    batch = json_pack("[{s:s, s:s, s:[]}]", "name", "Q", "mynumber", n1, "purposes");
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    json_decref(batch);
    batch = json_pack("[{s:s, s:I, s:[s]}]", "name", "R", "mynumber", (json_int_t)123456789018LL, "purposes",
                      "withholding_slip");
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    json_decref(batch);
    batch = json_pack("[{s:s, s:s, s:s, s:[s]}]", "kind", "boss", "name", "S", "mynumber", n1, "purposes",
                      "withholding_slip");
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_INVALID);
    json_decref(batch);
    assert_int_equal(count_persons(f), 0);
}

/* ---- who may do what ---------------------------------------------------------- */

static void test_role_matrix(void **state)
{
    struct vf *f = *state;
    char n1[13], n2[13], got[13];
    json_t *res;
    mns_errmsg em = {""};

    vf_number(n1, 900);
    vf_number(n2, 901);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Abe", n1, "withholding_slip"));

    struct {
        const char *who;
        const struct mns_actor *actor;
        mns_err want;
    } cases[] = {
        {"sysadmin", &f->admin, MNS_ERR_DENIED},
        {"auditor", &f->auditor, MNS_ERR_DENIED},
        {"officer", &f->officer, MNS_ERR_DENIED},
        {"unassigned clerk", &f->clerk2, MNS_ERR_DENIED},
        {"anonymous", &f->anon, MNS_ERR_AUTH},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mns_err err;
        res = (json_t *)0x1;
        err = mns_vault_person_reveal(f->v, cases[i].actor, "acme", id, "withholding_slip", &res, &em);
        if (err != cases[i].want)
            fail_msg("reveal as %s: %s, want %s", cases[i].who, mns_err_name(err), mns_err_name(cases[i].want));
        assert_null(res);
        res = (json_t *)0x1;
        err = mns_vault_person_find(f->v, cases[i].actor, "acme", n1, &res, &em);
        if (err != cases[i].want)
            fail_msg("find as %s: %s, want %s", cases[i].who, mns_err_name(err), mns_err_name(cases[i].want));
        assert_null(res);
        json_t *batch = json_pack("[o]", vf_person("Intruder", n2, "withholding_slip"));
        res = (json_t *)0x1;
        err = mns_vault_person_add(f->v, cases[i].actor, "acme", batch, &res, &em);
        json_decref(batch);
        if (err != cases[i].want)
            fail_msg("add as %s: %s, want %s", cases[i].who, mns_err_name(err), mns_err_name(cases[i].want));
        assert_null(res);
        assert_int_equal(count_persons(f), 1);
    }

    /* only the assigned clerk */
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
    assert_string_equal(got, n1);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", n1, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 1);
    json_decref(res);
    vf_add_one(f, &f->clerk, "acme", vf_person("Welcome", n2, "withholding_slip"));
    assert_int_equal(count_persons(f), 2);

    /* a session that was logged out is nobody */
    struct mns_actor a2;
    char tok[MNS_TOKEN_LEN + 1];
    assert_int_equal(mns_vault_login(f->v, "clerk", f->pw_clerk, "unix", tok, &a2, &em), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "unix", &a2), MNS_OK);
    assert_int_equal(a2.role, MNS_ROLE_CLERK);
    assert_int_equal(mns_vault_logout(f->v, &a2, tok), MNS_OK);
    assert_int_equal(mns_vault_authenticate(f->v, tok, "unix", &a2), MNS_ERR_AUTH);
    assert_int_equal(a2.user_id, 0);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &a2, "acme", id, "withholding_slip", &res, &em), MNS_ERR_AUTH);
    assert_null(res);
    mns_wipe(got, sizeof(got));
}

/* Tenants, purposes and users as each role sees them. */
static void test_lists_by_role(void **state)
{
    struct vf *f = *state;
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_tenant(f, "beta", "Beta");
    /* sysadmin and auditor see every tenant, a clerk only its own */
    const struct mns_actor *all[] = {&f->admin, &f->auditor};
    for (size_t i = 0; i < 2; i++) {
        assert_int_equal(mns_vault_tenant_list(f->v, all[i], &res, &em), MNS_OK);
        assert_int_equal(json_array_size(json_object_get(res, "tenants")), 2);
        json_decref(res);
    }
    assert_int_equal(mns_vault_tenant_list(f->v, &f->clerk, &res, &em), MNS_OK);
    json_t *t = json_object_get(res, "tenants");
    assert_int_equal(json_array_size(t), 1);
    assert_string_equal(vf_str(json_array_get(t, 0), "code"), "acme");
    assert_string_equal(vf_str(json_array_get(t, 0), "name"), "Acme 株式会社");
    json_decref(res);
    assert_int_equal(mns_vault_tenant_list(f->v, &f->clerk2, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "tenants")), 0);
    json_decref(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_tenant_list(f->v, &f->anon, &res, &em), MNS_ERR_AUTH);
    assert_null(res);

    /* the standard purposes; not for a clerk of another tenant */
    assert_int_equal(mns_vault_purpose_list(f->v, &f->clerk, "acme", &res, &em), MNS_OK);
    json_t *p = json_object_get(res, "purposes");
    assert_int_equal(json_array_size(p), 8);
    bool seen = false;
    size_t i;
    json_t *e;
    json_array_foreach(p, i, e) seen |= strcmp(vf_str(e, "code"), "withholding_slip") == 0;
    assert_true(seen);
    json_decref(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_purpose_list(f->v, &f->clerk, "beta", &res, &em), MNS_ERR_DENIED);
    assert_null(res);

    /* users: sysadmin and auditor only */
    assert_int_equal(mns_vault_user_list(f->v, &f->admin, &res, &em), MNS_OK);
    json_t *u = json_object_get(res, "users");
    assert_int_equal(json_array_size(u), 5);
    json_t *clerk = NULL;
    json_array_foreach(u, i, e) if (strcmp(vf_str(e, "name"), "clerk") == 0) clerk = e;
    assert_non_null(clerk);
    assert_string_equal(vf_str(clerk, "role"), "clerk");
    assert_string_equal(vf_str(clerk, "tenants"), "acme");
    /* the fixture changed the one-time password at the first login */
    assert_true(json_is_false(json_object_get(clerk, "must_change_password")));
    char *dump = json_dumps(res, JSON_COMPACT);
    assert_non_null(dump);
    assert_null(strstr(dump, "argon2")); /* no password hashes */
    assert_null(strstr(dump, f->pw_clerk));
    free(dump);
    json_decref(res);
    assert_int_equal(mns_vault_user_list(f->v, &f->auditor, &res, &em), MNS_OK);
    json_decref(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_user_list(f->v, &f->clerk, &res, &em), MNS_ERR_DENIED);
    assert_null(res);
    assert_int_equal(mns_vault_user_list(f->v, &f->officer, &res, &em), MNS_ERR_DENIED);
    /* and only a sysadmin makes users and assignments */
    char pw[40];
    assert_int_equal(mns_vault_user_create(f->v, &f->clerk, "evil", MNS_ROLE_SYSADMIN, pw, &res, &em),
                     MNS_ERR_DENIED);
    assert_int_equal(pw[0], '\0');
    assert_int_equal(mns_vault_assign(f->v, &f->clerk, "clerk", "beta", &em), MNS_ERR_DENIED);
    assert_int_equal(mns_vault_tenant_list(f->v, &f->clerk, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "tenants")), 1);
    json_decref(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_add_and_list_masked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_find_normalized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reveal_purpose, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_batch_bad_check_digit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_number, setup, teardown),
        cmocka_unit_test_setup_teardown(test_invalid_fields, setup, teardown),
        cmocka_unit_test_setup_teardown(test_role_matrix, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lists_by_role, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
