/*
 * test_vault_crypto.c: the store as a DBA sees it. Numbers are nowhere in
 * clear (no column of any table, no byte of any file in the data directory),
 * the blind index is keyed per tenant, a ciphertext moved to another row
 * does not open, and deleting a person destroys its data key
 * (crypto-shredding) so that its old rows, put back, open no more.
 *
 * The tables are read through the store API (vf_db_*), so the same scans run
 * on SQLite and, with MNS_TEST_BACKEND=postgresql, on the world's schema;
 * "every file" is the data directory, and on PostgreSQL also the server's
 * whole data directory (tables, indexes, WAL) after a CHECKPOINT.
 */
#include "vault_fixture.h"

static int setup(void **state)
{
    struct vf *f = vf_new_world("vcrypto");
    vf_tenant(f, "beta", "Beta");
    vf_assign(f, "clerk2", "beta");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    vf_free(*state);
    return 0;
}

static json_t *with_deps(const char *name, const char *num, const char *d1, const char *d2)
{
    json_t *p = json_pack("{s:s, s:s, s:[s], s:[{s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "name", name, "mynumber", num,
                          "purposes", "withholding_slip", "dependents", "name", "Spouse", "relationship", "配偶者",
                          "mynumber", d1, "name", "Child", "relationship", "子", "mynumber", d2);
    assert_non_null(p);
    return p;
}

/* ---- scanning ---------------------------------------------------------------- */

/*
 * Looks for needle in every column of every row of every table, as bytes
 * (text and blob alike; a PostgreSQL bytea decoded). Returns the number of
 * cells holding it; where (if non-NULL) gets "table.column" of the first;
 * *cells (if non-NULL) is increased by the number of cells read.
 */
static size_t scan_tables(vf_db *db, const void *needle, size_t nlen, char *where, size_t wsize, size_t *cells)
{
    size_t hits = 0, ntables = 0;
    char **tables = vf_db_tables(db, &ntables);
    if (where != NULL)
        where[0] = '\0';
    /* the listing itself works: the vault's tables are among them */
    assert_true(ntables >= 10);
    for (size_t t = 0; tables[t] != NULL; t++) {
        char **cols = vf_db_columns(db, tables[t], NULL);
        assert_non_null(cols[0]);
        for (size_t c = 0; cols[c] != NULL; c++) {
            char sql[256];
            struct mns_stmt *s = NULL;
            bool row = false;
            mns_err err;
            int n = snprintf(sql, sizeof(sql), "SELECT \"%s\" FROM \"%s\"", cols[c], tables[t]);
            assert_true(n > 0 && (size_t)n < sizeof(sql));
            if (mns_store_prepare(db, &s, sql) != MNS_OK) {
                fail_msg("prepare \"%s\": %s", sql, mns_store_errmsg(db));
                break;
            }
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                size_t len = 0;
                const void *b = mns_stmt_blob(s, 0, &len);
                if (cells != NULL)
                    (*cells)++;
                if (vf_mem_contains(b, len, needle, nlen)) {
                    if (hits == 0 && where != NULL)
                        snprintf(where, wsize, "%s.%s", tables[t], cols[c]);
                    hits++;
                }
            }
            mns_stmt_reset(s);
            assert_int_equal(err, MNS_OK);
        }
        vf_db_free_names(cols);
    }
    vf_db_free_names(tables);
    return hits;
}

/* Looks for needle in every file of the data directory; where gets the first file. */
static size_t scan_files(struct vf *f, const void *needle, size_t nlen, char *where, size_t wsize, size_t *bytes)
{
    DIR *d = opendir(f->dir);
    struct dirent *de;
    size_t hits = 0;
    assert_non_null(d);
    if (where != NULL)
        where[0] = '\0';
    while ((de = readdir(d)) != NULL) {
        char path[1024];
        size_t len;
        if (de->d_name[0] == '.')
            continue;
        vf_join(path, f->dir, de->d_name);
        uint8_t *buf = tu_read_file(path, &len);
        if (bytes != NULL)
            *bytes += len;
        if (vf_mem_contains(buf, len, needle, nlen)) {
            if (hits == 0 && where != NULL)
                snprintf(where, wsize, "%.60s", de->d_name);
            hits++;
        }
        free(buf);
    }
    closedir(d);
    return hits;
}

/* The PostgreSQL server's files, as scan_disk names them. */
#define PG_FILES "the PostgreSQL server's data directory"

/*
 * Looks for needle in every file the store has on disk: the data directory
 * (on SQLite the database and its WAL are there), and on PostgreSQL also
 * every file of the server's data directory after a CHECKPOINT. Returns the
 * number of files (the server's directory counted as one) holding it; where
 * gets the first; *bytes (if non-NULL) is increased by the data directory's
 * size.
 */
static size_t scan_disk(struct vf *f, const void *needle, size_t nlen, char *where, size_t wsize, size_t *bytes)
{
    size_t hits = scan_files(f, needle, nlen, where, wsize, bytes);
    if (f->store_url[0] != '\0' && vf_store_files_contain(f, needle, nlen)) {
        if (hits == 0 && where != NULL)
            snprintf(where, wsize, "%s", PG_FILES);
        hits++;
    }
    return hits;
}

/* A random tag (8 hex digits) for names that must be this test's own: on
 * PostgreSQL other worlds share the server's files. */
static void unique_tag(char out[9])
{
    uint32_t r = 0;
    assert_int_equal(mns_random(&r, sizeof(r)), MNS_OK);
    snprintf(out, 9, "%08x", (unsigned)r);
}

/* ---- numbers are nowhere in clear ------------------------------------------------ */

static void test_no_number_in_clear(void **state)
{
    struct vf *f = *state;
    enum { NP = 4 };
    char num[3 * NP][13], got[13], where[128], tag[9], marker[32];
    json_t *res = NULL;
    mns_errmsg em = {""};
    int64_t ids[NP];

    for (unsigned i = 0; i < 3 * NP; i++)
        vf_number(num[i], 1000 + i);
    unique_tag(tag);
    snprintf(marker, sizeof(marker), "Marker2-%s", tag);
    json_t *batch = json_array();
    for (unsigned i = 0; i < NP; i++) {
        char name[32];
        snprintf(name, sizeof(name), "Marker%u-%s", i, tag);
        json_array_append_new(batch, with_deps(name, num[3 * i], num[3 * i + 1], num[3 * i + 2]));
    }
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_OK);
    json_decref(batch);
    for (unsigned i = 0; i < NP; i++)
        ids[i] = json_integer_value(json_array_get(json_object_get(res, "created"), i));
    json_decref(res);
    /* the same numbers in the other tenant, typed full-width */
    char fw[37];
    vf_fullwidth(fw, num[0]);
    vf_add_one(f, &f->clerk2, "beta", vf_person("Beta0", fw, "withholding_slip"));

    /* every path a number travels: find (all forms), reveal, list, refused acts */
    for (unsigned i = 0; i < NP; i++) {
        char hy[15];
        vf_hyphenated(hy, num[3 * i]);
        assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", hy, &res, &em), MNS_OK);
        json_decref(res);
        vf_fullwidth(fw, num[3 * i + 1]);
        assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", fw, &res, &em), MNS_OK);
        json_decref(res);
        vf_reveal_ok(f, &f->clerk, "acme", ids[i], "withholding_slip", got);
        assert_string_equal(got, num[3 * i]);
        assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", ids[i], "health_pension", &res, &em),
                         MNS_ERR_PURPOSE);
    }
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 0, &res, &em), MNS_OK);
    json_decref(res);
    batch = json_pack("[o]", vf_person("Dup", num[0], "withholding_slip"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_EXISTS);
    json_decref(batch);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk2, "acme", num[0], &res, &em), MNS_ERR_DENIED);

    vf_db *db = vf_db_open(f, true);
    /* the scanner works: it finds a name it should find */
    size_t cells = 0;
    assert_int_equal(scan_tables(db, marker, strlen(marker), where, sizeof(where), &cells), 1);
    assert_string_equal(where, "persons.name");
    assert_true(cells > 100);
    int64_t ncts = vf_db_int(db, "SELECT (SELECT count(*) FROM persons) + (SELECT count(*) FROM dependents)", 0, 0, 0);
    assert_int_equal(ncts, NP + 2 * NP + 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE length(number_ct) = 40 AND "
                                   "length(number_bidx) = 16", 0, 0, 0), NP + 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents WHERE length(number_ct) = 40 AND "
                                   "length(number_bidx) = 16", 0, 0, 0), 2 * NP);

    for (unsigned i = 0; i < 3 * NP; i++) {
        char hy[15];
        vf_fullwidth(fw, num[i]);
        vf_hyphenated(hy, num[i]);
        const char *forms[] = {num[i], fw, hy};
        for (size_t k = 0; k < 3; k++) {
            size_t hits = scan_tables(db, forms[k], strlen(forms[k]), where, sizeof(where), NULL);
            if (hits != 0)
                fail_msg("number %u (form %zu) in clear in %zu cell(s), first %s", i, k, hits, where);
        }
    }
    vf_db_close(db);

    /* and in the raw bytes of every file (database, WAL, checkpoints...; on
     * PostgreSQL the data directory and all of the server's files) */
    size_t bytes = 0;
    assert_true(scan_disk(f, marker, strlen(marker), where, sizeof(where), &bytes) >= 1);
    if (f->store_url[0] == '\0') {
        assert_true(bytes > 4096); /* the database itself was read */
    } else {
        assert_string_equal(where, PG_FILES); /* the server's files were read */
        assert_true(bytes > 0);                /* and the data directory's */
    }
    for (unsigned i = 0; i < 3 * NP; i++) {
        size_t hits = scan_disk(f, num[i], 12, where, sizeof(where), NULL);
        if (hits != 0)
            fail_msg("number %u in clear in file %s", i, where);
        vf_fullwidth(fw, num[i]);
        assert_int_equal(scan_disk(f, fw, 36, where, sizeof(where), NULL), 0);
    }
    mns_wipe(got, sizeof(got));
}

/* ---- blind index -------------------------------------------------------------------- */

static void test_blind_index_per_tenant(void **state)
{
    struct vf *f = *state;
    char n[13], d1[13], d2[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n, 2000);
    vf_number(d1, 2001);
    vf_number(d2, 2002);
    int64_t a = vf_add_one(f, &f->clerk, "acme", with_deps("A", n, d1, d2));
    int64_t b = vf_add_one(f, &f->clerk2, "beta", with_deps("B", n, d1, d2));

    vf_db *db = vf_db_open(f, true);
    uint8_t *ba, *bb, *ca, *cb;
    size_t la, lb, lca, lcb;
    vf_db_blob(db, "SELECT number_bidx FROM persons WHERE id = ?", a, &ba, &la);
    vf_db_blob(db, "SELECT number_bidx FROM persons WHERE id = ?", b, &bb, &lb);
    vf_db_blob(db, "SELECT number_ct FROM persons WHERE id = ?", a, &ca, &lca);
    vf_db_blob(db, "SELECT number_ct FROM persons WHERE id = ?", b, &cb, &lcb);
    assert_int_equal(la, MNS_BLIND_INDEX_LEN);
    assert_int_equal(lb, MNS_BLIND_INDEX_LEN);
    /* same number, different tenants: unrelated index values and ciphertexts */
    assert_memory_not_equal(ba, bb, MNS_BLIND_INDEX_LEN);
    assert_int_equal(lca, lcb);
    assert_memory_not_equal(ca, cb, lca);
    /* not an unkeyed hash anybody could compute from the number */
    uint8_t h[MNS_HASH_LEN];
    assert_int_equal(mns_sha256(h, n, 12), MNS_OK);
    assert_memory_not_equal(ba, h, MNS_BLIND_INDEX_LEN);
    uint8_t msg[15 + 12];
    memcpy(msg, "mnsafe-bidx-v1", 15); /* with its NUL */
    memcpy(msg + 15, n, 12);
    assert_int_equal(mns_sha256(h, msg, sizeof(msg)), MNS_OK);
    assert_memory_not_equal(ba, h, MNS_BLIND_INDEX_LEN);
    /* the dependents' numbers too: two numbers in two tenants, four index values */
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents", 0, 0, 0), 4);
    assert_int_equal(vf_db_int(db, "SELECT count(DISTINCT number_bidx) FROM dependents", 0, 0, 0), 4);
    free(ba);
    free(bb);
    free(ca);
    free(cb);
    vf_db_close(db);

    /* each tenant's find sees its own person only */
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk2, "beta", n, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(json_object_get(res, "persons"), 0), "id")), b);
    json_decref(res);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", d2, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "dependents")), 1);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(json_object_get(res, "dependents"), 0), "person_id")), a);
    json_decref(res);
}

/* Undoes migration 24 (the staging tables taken out of the schema): the
 * steps run from the one after the newest recorded, so undoing an older
 * step undoes this one first. Step 22 only needs the tables to be there. */
static void undo_migration_24(vf_db *db)
{
    bool pg = vf_db_is_pg(db);
    vf_db_exec(db, "DROP TABLE IF EXISTS import_purposes"); /* PostgreSQL: the unlogged staging */
    vf_db_exec(db, "DROP TABLE IF EXISTS import_rows");
    vf_db_exec(db, pg ? "CREATE TABLE import_rows (import_id BIGINT, number_bidx BYTEA)"
                      : "CREATE TABLE import_rows (import_id INTEGER, number_bidx BLOB)");
    vf_db_exec(db, pg ? "CREATE TABLE import_purposes (import_id BIGINT)" : "CREATE TABLE import_purposes (import_id INTEGER)");
    vf_db_exec(db, "DELETE FROM schema_migrations WHERE version = 24");
}

/* Gives the store the shape it had before migration 23 (the wrapped keys in
 * a table of their own) and undoes the step, so that the next open runs it. */
static void undo_migration_23(vf_db *db)
{
    undo_migration_24(db);
    vf_db_exec(db, vf_db_is_pg(db) ? "CREATE TABLE person_keys (person_id BIGINT PRIMARY KEY REFERENCES persons(id) "
                                     "ON DELETE CASCADE, key_version BIGINT NOT NULL, wrapped BYTEA NOT NULL)"
                                   : "CREATE TABLE person_keys (person_id INTEGER PRIMARY KEY REFERENCES persons(id) "
                                     "ON DELETE CASCADE, key_version INTEGER NOT NULL, wrapped BLOB NOT NULL)");
    vf_db_exec(db, "INSERT INTO person_keys (person_id, key_version, wrapped) SELECT id, key_version, wrapped FROM persons");
    vf_db_exec(db, "ALTER TABLE persons DROP COLUMN wrapped");
    vf_db_exec(db, "ALTER TABLE persons DROP COLUMN key_version");
    vf_db_exec(db, "DELETE FROM schema_migrations WHERE version = 23");
}

/* Numbers stored before migration 22 have 32-byte blind indexes (the whole
 * HMAC); the step cuts them to the 16 bytes the code computes now, so they
 * are found and still refuse a second registration. The old rows are made
 * by lengthening today's, and the step is undone so that the reopen runs it. */
static void lengthen_bidx(vf_db *db, const char *select, const char *update, int64_t id)
{
    uint8_t *b = NULL, longer[2 * MNS_BLIND_INDEX_LEN];
    size_t len = 0;
    vf_db_blob(db, select, id, &b, &len);
    assert_int_equal(len, MNS_BLIND_INDEX_LEN);
    memcpy(longer, b, len);
    memset(longer + len, 0x5a, sizeof(longer) - len);
    assert_true(vf_db_set_blob(db, update, longer, sizeof(longer), id) >= 1);
    free(b);
}

static void test_blind_index_from_before_22(void **state)
{
    struct vf *f = *state;
    char n[13], d1[13], d2[13];
    json_t *res = NULL;
    mns_errmsg em = {""};

    vf_number(n, 2200);
    vf_number(d1, 2201);
    vf_number(d2, 2202);
    int64_t a = vf_add_one(f, &f->clerk, "acme", with_deps("Old", n, d1, d2));

    vf_db *db = vf_db_open(f, false);
    lengthen_bidx(db, "SELECT number_bidx FROM persons WHERE id = ?", "UPDATE persons SET number_bidx = ? WHERE id = ?",
                  a);
    for (int first = 1; first >= 0; first--) {
        int64_t dep = vf_db_int(db, first ? "SELECT min(id) FROM dependents WHERE person_id = ?"
                                          : "SELECT max(id) FROM dependents WHERE person_id = ?", 1, a, 0);
        lengthen_bidx(db, "SELECT number_bidx FROM dependents WHERE id = ?",
                      "UPDATE dependents SET number_bidx = ? WHERE id = ?", dep);
    }
    undo_migration_23(db); /* the steps run from the first one missing */
    vf_db_exec(db, "DELETE FROM schema_migrations WHERE version = 22");
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE length(number_bidx) = 32", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents WHERE length(number_bidx) = 32", 0, 0, 0), 2);
    vf_db_close(db);

    /* while the long index is stored, the number is not found (the test's
     * premise: what the migration has to repair) */
    assert_int_equal(vf_find_count(f, &f->clerk, "acme", n, "persons"), 0);

    struct mns_vault_config cfg = {0};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);

    db = vf_db_open(f, true);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM schema_migrations WHERE version IN (22, 23)", 0, 0, 0), 2);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE length(number_bidx) <> 16", 0, 0, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM dependents WHERE length(number_bidx) <> 16", 0, 0, 0), 0);
    vf_db_close(db);
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", n, &res, &em), MNS_OK);
    json_t *found = json_object_get(res, "persons");
    assert_int_equal(json_array_size(found), 1);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(found, 0), "id")), a);
    json_decref(res);
    assert_int_equal(vf_find_count(f, &f->clerk, "acme", d1, "dependents"), 1);
    assert_int_equal(vf_find_count(f, &f->clerk, "acme", d2, "dependents"), 1);
    json_t *again = json_pack("[o]", vf_person("Again", n, "withholding_slip"));
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", again, &res, &em), MNS_ERR_EXISTS);
    json_decref(again);
}

/* Before migration 23 the wrapped data keys had a table of their own; the
 * step moves them into the persons' rows and drops it. The old shape is made
 * from today's (the keys copied out, the columns dropped, the step undone),
 * and the reopen must bring every number back. */
static void test_person_keys_from_before_23(void **state)
{
    struct vf *f = *state;
    char n1[13], n2[13], d1[13], d2[13], got[13];
    mns_errmsg em = {""};

    vf_number(n1, 2300);
    vf_number(n2, 2301);
    vf_number(d1, 2302);
    vf_number(d2, 2303);
    int64_t a = vf_add_one(f, &f->clerk, "acme", with_deps("OldKey", n1, d1, d2));
    int64_t b = vf_add_one(f, &f->clerk, "acme", vf_person("OldKey2", n2, "withholding_slip"));

    vf_db *db = vf_db_open(f, false);
    undo_migration_23(db);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM person_keys", 0, 0, 0), 2);
    vf_db_close(db);

    struct mns_vault_config cfg = {0};
    assert_int_equal(vf_reopen(f, &cfg, &em), MNS_OK);
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);

    db = vf_db_open(f, true);
    size_t ntables = 0;
    char **tables = vf_db_tables(db, &ntables);
    for (size_t i = 0; tables[i] != NULL; i++)
        if (strcmp(tables[i], "person_keys") == 0)
            fail_msg("person_keys is still there after migration 23");
    vf_db_free_names(tables);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE wrapped IS NOT NULL AND key_version = 1", 0, 0, 0),
                     2);
    vf_db_close(db);
    vf_reveal_ok(f, &f->clerk, "acme", a, "withholding_slip", got);
    assert_string_equal(got, n1);
    vf_reveal_ok(f, &f->clerk, "acme", b, "withholding_slip", got);
    assert_string_equal(got, n2);
    /* and a person added now keeps its key in its row too */
    vf_number(n1, 2304);
    int64_t c = vf_add_one(f, &f->clerk, "acme", vf_person("NewKey", n1, "withholding_slip"));
    vf_reveal_ok(f, &f->clerk, "acme", c, "withholding_slip", got);
    assert_string_equal(got, n1);
    mns_wipe(got, sizeof(got));
}

/* ---- a moved ciphertext does not open -------------------------------------------- */

/* Reveal must fail with no result and nothing of `forbidden` in the message. */
static void expect_no_reveal(struct vf *f, const struct mns_actor *who, const char *tenant, int64_t id,
                             const char *forbidden, const char *what)
{
    json_t *res = (json_t *)0x1;
    mns_errmsg em = {""};
    mns_err err = mns_vault_person_reveal(f->v, who, tenant, id, "withholding_slip", &res, &em);
    if (err == MNS_OK) {
        const char *got = json_string_value(json_object_get(res, "mynumber"));
        bool leaked = got != NULL && strcmp(got, forbidden) == 0;
        json_decref(res);
        fail_msg("%s: reveal succeeded%s", what, leaked ? " and returned the other person's number" : "");
    }
    assert_null(res);
    assert_null(strstr(em.text, forbidden));
    if (err != MNS_ERR_CRYPTO)
        fail_msg("%s: %s, want crypto", what, mns_err_name(err));
}

static void test_ciphertext_moved(void **state)
{
    struct vf *f = *state;
    char na[13], nb[13], nc[13], da[2][13], db_[2][13], got[13];
    mns_errmsg em = {""};
    json_t *res = NULL;

    vf_number(na, 3000);
    vf_number(nb, 3001);
    vf_number(nc, 3002);
    vf_number(da[0], 3003);
    vf_number(da[1], 3004);
    vf_number(db_[0], 3005);
    vf_number(db_[1], 3006);
    int64_t a = vf_add_one(f, &f->clerk, "acme", with_deps("A", na, da[0], da[1]));
    int64_t b = vf_add_one(f, &f->clerk, "acme", with_deps("B", nb, db_[0], db_[1]));
    int64_t c = vf_add_one(f, &f->clerk2, "beta", vf_person("C", nc, "withholding_slip"));

    vf_db *db = vf_db_open(f, false);
    uint8_t *cta, *ctb, *cto, *wa, *wb, *dca, *dcb;
    size_t lcta, lctb, lcto, lwa, lwb, ldca, ldcb;
    vf_db_blob(db, "SELECT number_ct FROM persons WHERE id = ?", a, &cta, &lcta);
    vf_db_blob(db, "SELECT number_ct FROM persons WHERE id = ?", b, &ctb, &lctb);
    vf_db_blob(db, "SELECT number_ct FROM persons WHERE id = ?", c, &cto, &lcto);
    vf_db_blob(db, "SELECT wrapped FROM persons WHERE id = ?", a, &wa, &lwa);
    vf_db_blob(db, "SELECT wrapped FROM persons WHERE id = ?", b, &wb, &lwb);
    vf_db_blob(db, "SELECT number_ct FROM dependents WHERE person_id = ? ORDER BY id LIMIT 1", a, &dca, &ldca);
    vf_db_blob(db, "SELECT number_ct FROM dependents WHERE person_id = ? ORDER BY id LIMIT 1", b, &dcb, &ldcb);
    assert_non_null(cta);
    assert_non_null(wa);
    assert_non_null(dca);
    int64_t dep_b = vf_db_int(db, "SELECT id FROM dependents WHERE person_id = ? ORDER BY id LIMIT 1", 1, b, 0);
    int64_t dep_b2 = vf_db_int(db, "SELECT id FROM dependents WHERE person_id = ? ORDER BY id DESC LIMIT 1", 1, b, 0);

    /* 1. A's number ciphertext in B's row */
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET number_ct = ? WHERE id = ?", cta, lcta, b), 1);
    expect_no_reveal(f, &f->clerk, "acme", b, na, "A's ciphertext in B's row");
    /* the clerk's list must not show A's last four digits for B */
    mns_err err = mns_vault_person_list(f->v, &f->clerk, "acme", 0, 0, &res, &em);
    if (err == MNS_OK) {
        size_t i;
        json_t *p;
        json_array_foreach(json_object_get(res, "persons"), i, p) {
            if (json_integer_value(json_object_get(p, "id")) == b)
                assert_string_not_equal(vf_str(p, "mynumber_masked") + 8, na + 8);
        }
        json_decref(res);
    }

    /* 2. A's ciphertext and A's wrapped key in B's rows */
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET wrapped = ? WHERE id = ?", wa, lwa, b), 1);
    expect_no_reveal(f, &f->clerk, "acme", b, na, "A's ciphertext and key in B's rows");

    /* 3. B's own ciphertext under A's wrapped key */
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET number_ct = ? WHERE id = ?", ctb, lctb, b), 1);
    expect_no_reveal(f, &f->clerk, "acme", b, nb, "A's key in B's row");

    /* 4. B whole again, but A's dependent's ciphertext in B's dependent */
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET wrapped = ? WHERE id = ?", wb, lwb, b), 1);
    vf_reveal_ok(f, &f->clerk, "acme", b, "withholding_slip", got);
    assert_string_equal(got, nb);
    assert_int_equal(vf_db_set_blob(db, "UPDATE dependents SET number_ct = ? WHERE id = ?", dca, ldca, dep_b), 1);
    expect_no_reveal(f, &f->clerk, "acme", b, da[0], "A's dependent's ciphertext in B's dependent");

    /* 5. one dependent's ciphertext in the other dependent of the same person */
    assert_int_equal(vf_db_set_blob(db, "UPDATE dependents SET number_ct = ? WHERE id = ?", dcb, ldcb, dep_b2), 1);
    assert_int_equal(vf_db_set_blob(db, "UPDATE dependents SET number_ct = ? WHERE id = ?", dcb, ldcb, dep_b), 1);
    expect_no_reveal(f, &f->clerk, "acme", b, db_[0], "dependent ciphertext swapped within a person");

    /* 6. across tenants: acme's A ciphertext and key in beta's C */
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET number_ct = ? WHERE id = ?", cta, lcta, c), 1);
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET wrapped = ? WHERE id = ?", wa, lwa, c), 1);
    expect_no_reveal(f, &f->clerk2, "beta", c, na, "acme ciphertext and key in a beta row");

    /* A was never touched and still opens */
    vf_reveal_ok(f, &f->clerk, "acme", a, "withholding_slip", got);
    assert_string_equal(got, na);
    vf_db_close(db);
    free(cta);
    free(ctb);
    free(cto);
    free(wa);
    free(wb);
    free(dca);
    free(dcb);
    mns_wipe(got, sizeof(got));
}

/* ---- crypto-shredding --------------------------------------------------------------- */

static void test_crypto_shredding(void **state)
{
    struct vf *f = *state;
    char na[13], nb[13], d1[13], d2[13], got[13], where[128];
    mns_errmsg em = {""};
    json_t *res;

    vf_number(na, 4000);
    vf_number(nb, 4001);
    vf_number(d1, 4002);
    vf_number(d2, 4003);
    int64_t a = vf_add_one(f, &f->clerk, "acme", with_deps("Shredded", na, d1, d2));
    int64_t b = vf_add_one(f, &f->clerk, "acme", vf_person("Kept", nb, "withholding_slip"));

    /* what a backup or a DBA would have kept of A */
    vf_db *db = vf_db_open(f, false);
    uint8_t *ct, *bidx, *wrapped;
    size_t lct, lbidx, lw;
    vf_db_blob(db, "SELECT number_ct FROM persons WHERE id = ?", a, &ct, &lct);
    vf_db_blob(db, "SELECT number_bidx FROM persons WHERE id = ?", a, &bidx, &lbidx);
    vf_db_blob(db, "SELECT wrapped FROM persons WHERE id = ?", a, &wrapped, &lw);
    int64_t tenant = vf_db_int(db, "SELECT tenant_id FROM persons WHERE id = ?", 1, a, 0);
    int64_t kver = vf_db_int(db, "SELECT key_version FROM persons WHERE id = ?", 1, a, 0);
    assert_int_equal(lw, MNS_KEY_LEN + MNS_AEAD_OVERHEAD);
    assert_int_equal(lct, 12 + MNS_AEAD_OVERHEAD);
    assert_int_equal(scan_tables(db, wrapped, lw, NULL, 0, NULL), 1);

    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", a, "shred", &em), MNS_OK);

    /* the row with the key is gone, and the key's bytes are nowhere in any table */
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE id = ?", 1, a, 0), 0);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE wrapped IS NOT NULL", 0, 0, 0), 1);
    assert_int_equal(scan_tables(db, wrapped, lw, where, sizeof(where), NULL), 0);
    assert_int_equal(scan_tables(db, ct, lct, where, sizeof(where), NULL), 0);

    /* put A's person row back (as from a backup), without its wrapped key */
    struct mns_stmt *s = NULL;
    assert_int_equal(mns_store_prepare(db, &s,
                                       "INSERT INTO persons (id, tenant_id, kind, name, number_ct, number_bidx, "
                                       "created_at) VALUES (?, ?, 'employee', 'Shredded', ?, ?, 1)"),
                     MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, a), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 2, tenant), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 3, ct, lct), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(s, 4, bidx, lbidx), MNS_OK);
    assert_int_equal(mns_stmt_run(s), MNS_OK);
    assert_int_equal(mns_stmt_changes(s), 1);
    mns_stmt_reset(s);
    assert_int_equal(vf_db_int(db, "INSERT INTO person_purposes (person_id, purpose_code) VALUES (?, "
                                   "'withholding_slip') RETURNING person_id", 1, a, 0), a);

    /* found again by its index, but nothing opens it */
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", na, &res, &em), MNS_OK);
    assert_int_equal(json_array_size(json_object_get(res, "persons")), 1);
    json_decref(res);
    res = (json_t *)0x1;
    mns_err err = mns_vault_person_reveal(f->v, &f->clerk, "acme", a, "withholding_slip", &res, &em);
    assert_int_not_equal(err, MNS_OK);
    assert_null(res);
    /* nor does another person's key, put in as A's */
    uint8_t *wb;
    size_t lwb;
    vf_db_blob(db, "SELECT wrapped FROM persons WHERE id = ?", b, &wb, &lwb);
    assert_non_null(wb);
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET wrapped = ?, key_version = 1 WHERE id = ?", wb, lwb, a), 1);
    res = (json_t *)0x1;
    assert_int_not_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", a, "withholding_slip", &res, &em), MNS_OK);
    assert_null(res);
    /* the other person is fine */
    vf_reveal_ok(f, &f->clerk, "acme", b, "withholding_slip", got);
    assert_string_equal(got, nb);

    /*
     * Control: it is the key, and only the key, that was missing: with the
     * saved wrapped key put back, the saved row opens. So the key's bytes
     * must not survive anywhere on disk after the deletion.
     */
    assert_int_equal(vf_db_set_blob(db, "UPDATE persons SET wrapped = ? WHERE id = ?", wrapped, lw, a), 1);
    assert_int_equal(kver, 1);
    vf_reveal_ok(f, &f->clerk, "acme", a, "withholding_slip", got);
    assert_string_equal(got, na);
    vf_db_close(db);
    mns_wipe(got, sizeof(got));
    free(ct);
    free(bidx);
    free(wb);
    free(wrapped);
}

/*
 * After a deletion, the person's wrapped data key must be gone from the
 * files on disk too, not just from the tables: the store runs in WAL mode,
 * and secure_delete zeroes freed space in the database pages but not the
 * older page images in the -wal file.
 *
 * On PostgreSQL the deleted row stays in the table file (a dead version,
 * then free space that VACUUM does not zero) until the table is rewritten:
 * the vault's purge after a deletion does that (VACUUM FULL,
 * mns_store_purge_deleted), and the table files must then not hold the key.
 * PostgreSQL's WAL (and its archive, base backups, replicas) still does:
 * that is the operator's to expire (docs/operations.md), and is not
 * checked here.
 */
static void test_shredded_key_not_on_disk(void **state)
{
    struct vf *f = *state;
    char na[13], where[128];
    mns_errmsg em = {""};
    bool pg = f->store_url[0] != '\0';

    vf_number(na, 5000);
    int64_t a = vf_add_one(f, &f->clerk, "acme", vf_person("Gone", na, "withholding_slip"));
    vf_db *db = vf_db_open(f, true);
    uint8_t *wrapped;
    size_t lw;
    vf_db_blob(db, "SELECT wrapped FROM persons WHERE id = ?", a, &wrapped, &lw);
    assert_int_equal(lw, MNS_KEY_LEN + MNS_AEAD_OVERHEAD);
    assert_int_equal(scan_tables(db, wrapped, lw, where, sizeof(where), NULL), 1);
    assert_string_equal(where, "persons.wrapped");
    /* the scan sees it while it exists */
    assert_true(scan_disk(f, wrapped, lw, where, sizeof(where), NULL) >= 1);

    assert_int_equal(mns_vault_person_delete(f->v, &f->clerk, "acme", a, "shred", &em), MNS_OK);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM persons WHERE id = ?", 1, a, 0), 0);
    if (scan_tables(db, wrapped, lw, where, sizeof(where), NULL) != 0)
        fail_msg("the deleted person's wrapped data key is still in %s", where);
    vf_db_close(db);
    if (pg) {
        bool in_tables = vf_pg_tables_contain(f, wrapped, lw);
        free(wrapped);
        if (in_tables)
            fail_msg("the deleted person's wrapped data key is still in PostgreSQL's table files");
        return;
    }
    char where_open[128];
    size_t hits_open = scan_disk(f, wrapped, lw, where_open, sizeof(where_open), NULL);
    /* and once the vault is closed (SQLite checkpoints and removes the WAL) */
    mns_vault_free(f->v);
    f->v = NULL;
    size_t hits_closed = scan_disk(f, wrapped, lw, where, sizeof(where), NULL);
    free(wrapped);
    if (hits_open != 0 || hits_closed != 0)
        fail_msg("the deleted person's wrapped data key is still on disk: while the vault is open in %zu file(s) "
                 "(first %s), after it is closed in %zu file(s) (first %s)",
                 hits_open, hits_open ? where_open : "-", hits_closed, hits_closed ? where : "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_number_in_clear, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_index_per_tenant, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blind_index_from_before_22, setup, teardown),
        cmocka_unit_test_setup_teardown(test_person_keys_from_before_23, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ciphertext_moved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crypto_shredding, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shredded_key_not_on_disk, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
