/*
 * vault_fixture.h: what the test_vault_*.c programs share.
 *
 * A fresh data directory under $MNS_TEST_TMP (or /tmp) per test, a dev-mode
 * store opened and unsealed, the one-time admin logged in, and optionally a
 * "world": tenant "acme" with users clerk, clerk2, officer, auditor, of which
 * clerk and officer are assigned to acme (clerk2 is a clerk of nothing).
 *
 * Test-side helpers that read the store behind the vault's back open a
 * second connection through the store API, as a DBA would (vf_db_*), so they
 * work on both backends. With MNS_TEST_BACKEND=postgresql the world's store
 * is a schema of its own on the test PostgreSQL server. My Numbers are made here with an independent implementation of the
 * check digit, so a wrong check digit in the library is caught.
 *
 * Header-only: every helper is static and marked unused, since each test
 * program uses a different subset.
 */
#ifndef MNS_TEST_VAULT_FIXTURE_H
#define MNS_TEST_VAULT_FIXTURE_H

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "test_util.h"

#include "mnsafe/crypto.h"
#include "mnsafe/error.h"
#include "mnsafe/store.h"
#include "mnsafe/vault.h"

#define VF_UNUSED __attribute__((unused))

/* PostgreSQL: a row trigger on audit_log that runs a PL/pgSQL body (when:
 * "BEFORE" or "AFTER" the insert), and its removal; string literals. Made
 * unqualified, so in the world's schema (the connection's search path). */
#define VF_PG_AUDIT_TRIGGER(name, when, body)                                                  \
    "CREATE FUNCTION " name "() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN " body " END$$; " \
    "CREATE TRIGGER " name " " when " INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION " name "();"
#define VF_PG_AUDIT_UNTRIGGER(name) "DROP TRIGGER " name " ON audit_log; DROP FUNCTION " name "();"

/* ---- paths and bytes (temp dirs and file reading: test_util.h) ---------- */

/* out = dir/name (out holds 1024). */
static VF_UNUSED void vf_join(char out[1024], const char *dir, const char *name)
{
    int n = snprintf(out, 1024, "%s/%s", dir, name);
    assert_true(n > 0 && n < 1024);
}

static VF_UNUSED bool vf_file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

/* Whether needle occurs in hay. */
static VF_UNUSED bool vf_mem_contains(const uint8_t *hay, size_t hlen, const void *needle, size_t nlen)
{
    if (nlen == 0 || hay == NULL || hlen < nlen)
        return false;
    return memmem(hay, hlen, needle, nlen) != NULL;
}

/* ---- My Numbers, made independently of lib/core ------------------------- */

/* Check digit of 11 ASCII digits: weights 2..7 then 2..6 from the right, mod 11. */
static VF_UNUSED int vf_check_digit(const char d[11])
{
    int sum = 0;
    for (int n = 1; n <= 11; n++) {
        int p = d[11 - n] - '0';
        int q = n <= 6 ? n + 1 : n - 5;
        sum += p * q;
    }
    int r = sum % 11;
    return r <= 1 ? 0 : 11 - r;
}

/* A valid 12-digit My Number derived from seed (distinct seeds, distinct numbers). */
static VF_UNUSED void vf_number(char out[13], unsigned seed)
{
    unsigned long long v = 31400000000ULL + (unsigned long long)(seed % 100000000u) * 7ULL;
    for (int i = 10; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
    out[11] = (char)('0' + vf_check_digit(out));
    out[12] = '\0';
}

/* The same number with a wrong check digit. */
static VF_UNUSED void vf_number_bad(char out[13], unsigned seed)
{
    vf_number(out, seed);
    out[11] = (char)('0' + (out[11] - '0' + 1) % 10);
}

/* Full-width form (U+FF10..U+FF19, 3 bytes each); out holds 12*3+1. */
static VF_UNUSED void vf_fullwidth(char out[37], const char digits[12])
{
    for (int i = 0; i < 12; i++) {
        out[3 * i] = (char)0xef;
        out[3 * i + 1] = (char)0xbc;
        out[3 * i + 2] = (char)(0x90 + (digits[i] - '0'));
    }
    out[36] = '\0';
}

/* "1234-5678-9018" */
static VF_UNUSED void vf_hyphenated(char out[15], const char digits[12])
{
    snprintf(out, 15, "%.4s-%.4s-%.4s", digits, digits + 4, digits + 8);
}

/* ---- the vault world ---------------------------------------------------- */

struct vf {
    char root[512];     /* mkdtemp'ed */
    char dir[600];      /* root/data: the data directory */
    char db[700];       /* dir/mnsafe.db */
    struct mns_vault_config cfg;
    struct mns_vault *v;
    struct mns_vault_init_result init;
    struct mns_actor admin, clerk, clerk2, officer, auditor, anon;
    char tok[MNS_TOKEN_LEN + 1];
    char pw_clerk[40], pw_clerk2[40], pw_officer[40], pw_auditor[40];
    char store_url[1024]; /* PostgreSQL runs: the world's own schema; "": SQLite */
    char pg_admin_url[900]; /* PostgreSQL runs: the server's URL */
    char pg_dir[900];       /* PostgreSQL runs: the server's directory (data/ in it) */
};

/*
 * With MNS_TEST_BACKEND=postgresql (the unit.pg.* tests), the store is the
 * test PostgreSQL server (MNS_TEST_PG_STATE, tests/pg/pg-server.sh), in a
 * new schema per world.
 */
static VF_UNUSED void vf_pg_schema(struct vf *f)
{
    static int n;
    const char *backend = getenv("MNS_TEST_BACKEND"), *state = getenv("MNS_TEST_PG_STATE");
    char base[900] = "", line[900], sql[160], schema[48];
    FILE *in = NULL;
    if (backend == NULL || strcmp(backend, "postgresql") != 0)
        return;
    if (state == NULL || (in = fopen(state, "r")) == NULL) {
        fail_msg("MNS_TEST_BACKEND=postgresql needs MNS_TEST_PG_STATE (ctest fixture pg.start)");
        return;
    }
    while (fgets(line, sizeof(line), in) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "URL=", 4) == 0)
            snprintf(base, sizeof(base), "%s", line + 4);
        else if (strncmp(line, "DIR=", 4) == 0)
            snprintf(f->pg_dir, sizeof(f->pg_dir), "%s", line + 4);
    }
    fclose(in);
    snprintf(f->pg_admin_url, sizeof(f->pg_admin_url), "%s", base);
    snprintf(schema, sizeof(schema), "v_%ld_%d", (long)getpid(), n++);
    struct mns_store *admin = NULL;
    mns_errmsg em = {""};
    if (mns_store_open(&admin, base, &em) != MNS_OK)
        fail_msg("PostgreSQL test server: %s", em.text);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema, schema);
    if (mns_store_exec(admin, sql, &em) != MNS_OK)
        fail_msg("create schema: %s", em.text);
    mns_store_close(admin);
    snprintf(f->store_url, sizeof(f->store_url), "%.900s&options=-csearch_path%%3D%s", base, schema);
    f->cfg.store_url = f->store_url;
}

static VF_UNUSED void vf_paths(struct vf *f, const char *tag)
{
    tu_mkdtemp(f->root, sizeof(f->root), tag);
    snprintf(f->dir, sizeof(f->dir), "%s/data", f->root);
    snprintf(f->db, sizeof(f->db), "%s/%s", f->dir, MNS_DB_FILE);
    memset(&f->cfg, 0, sizeof(f->cfg));
    f->cfg.data_dir = f->dir;
    vf_pg_schema(f);
}

static VF_UNUSED void vf_login(struct vf *f, const char *user, const char *pw, struct mns_actor *out)
{
    mns_errmsg em = {""};
    char tok[MNS_TOKEN_LEN + 1];
    mns_err err = mns_vault_login(f->v, user, pw, "unix", tok, out, &em);
    if (err != MNS_OK)
        fail_msg("login %s: %s (%s)", user, mns_err_name(err), em.text);
    assert_int_equal(strlen(tok), MNS_TOKEN_LEN);
    assert_true(out->user_id != 0);
}

/* First login of a new user: the one-time password allows nothing but its
 * change (checked here), which ends the session. pw gets the new password. */
static VF_UNUSED void vf_activate(struct vf *f, const char *user, char pw[40])
{
    struct mns_actor a;
    mns_errmsg em = {""};
    char newpw[40];
    vf_login(f, user, pw, &a);
    assert_true(a.must_change_password);
    snprintf(newpw, sizeof(newpw), "%.20s-Changed1", pw);
    mns_err err = mns_vault_password_change(f->v, &a, pw, newpw, &em);
    if (err != MNS_OK)
        fail_msg("password_change %s: %s (%s)", user, mns_err_name(err), em.text);
    snprintf(pw, 40, "%s", newpw);
}

/* Dev store created, opened, unsealed, admin logged in. */
static VF_UNUSED struct vf *vf_new_dev(const char *tag)
{
    struct vf *f = calloc(1, sizeof(*f));
    mns_errmsg em = {""};
    mns_err err;

    assert_non_null(f);
    vf_paths(f, tag);
    err = mns_vault_create(&f->cfg, 0, 0, true, &f->init, &em);
    if (err != MNS_OK)
        fail_msg("create: %s (%s)", mns_err_name(err), em.text);
    err = mns_vault_open(&f->v, &f->cfg, &em);
    if (err != MNS_OK)
        fail_msg("open: %s (%s)", mns_err_name(err), em.text);
    err = mns_vault_unseal_dev(f->v, &em);
    if (err != MNS_OK)
        fail_msg("unseal_dev: %s (%s)", mns_err_name(err), em.text);
    assert_false(mns_vault_is_sealed(f->v));
    vf_activate(f, f->init.admin_name, f->init.admin_password);
    vf_login(f, f->init.admin_name, f->init.admin_password, &f->admin);
    assert_int_equal(f->admin.role, MNS_ROLE_SYSADMIN);
    assert_false(f->admin.must_change_password);
    mns_actor_anonymous(&f->anon, "unix");
    return f;
}

static VF_UNUSED void vf_tenant(struct vf *f, const char *code, const char *name)
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    mns_err err = mns_vault_tenant_create(f->v, &f->admin, code, name, NULL, &res, &em);
    if (err != MNS_OK)
        fail_msg("tenant_create %s: %s (%s)", code, mns_err_name(err), em.text);
    assert_non_null(res);
    json_decref(res);
}

static VF_UNUSED void vf_user(struct vf *f, const char *name, mns_role role, char pw[40])
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    mns_err err = mns_vault_user_create(f->v, &f->admin, name, role, pw, &res, &em);
    if (err != MNS_OK)
        fail_msg("user_create %s: %s (%s)", name, mns_err_name(err), em.text);
    assert_non_null(res);
    assert_true(strlen(pw) >= 10);
    json_decref(res);
    vf_activate(f, name, pw);
}

static VF_UNUSED void vf_assign(struct vf *f, const char *user, const char *tenant)
{
    mns_errmsg em = {""};
    mns_err err = mns_vault_assign(f->v, &f->admin, user, tenant, &em);
    if (err != MNS_OK)
        fail_msg("assign %s %s: %s (%s)", user, tenant, mns_err_name(err), em.text);
}

/* Dev store plus tenant acme, the four users logged in, clerk+officer assigned. */
static VF_UNUSED struct vf *vf_new_world(const char *tag)
{
    struct vf *f = vf_new_dev(tag);
    vf_tenant(f, "acme", "Acme 株式会社");
    vf_user(f, "clerk", MNS_ROLE_CLERK, f->pw_clerk);
    vf_user(f, "clerk2", MNS_ROLE_CLERK, f->pw_clerk2);
    vf_user(f, "officer", MNS_ROLE_OFFICER, f->pw_officer);
    vf_user(f, "auditor", MNS_ROLE_AUDITOR, f->pw_auditor);
    vf_assign(f, "clerk", "acme");
    vf_assign(f, "officer", "acme");
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    vf_login(f, "clerk2", f->pw_clerk2, &f->clerk2);
    vf_login(f, "officer", f->pw_officer, &f->officer);
    vf_login(f, "auditor", f->pw_auditor, &f->auditor);
    assert_int_equal(f->clerk.role, MNS_ROLE_CLERK);
    assert_int_equal(f->officer.role, MNS_ROLE_OFFICER);
    assert_int_equal(f->auditor.role, MNS_ROLE_AUDITOR);
    return f;
}

/*
 * Reopens the world's vault with another configuration (as at a restart):
 * the old sessions are cleared behind the vault's back, the vault opened
 * with cfg (returned error, em filled) and unsealed, and admin and auditor
 * logged in again; other users log in as each test needs.
 */
static VF_UNUSED mns_err vf_reopen(struct vf *f, const struct mns_vault_config *cfg, mns_errmsg *em);

static VF_UNUSED void vf_free(struct vf *f)
{
    if (f == NULL)
        return;
    mns_vault_free(f->v);
    mns_wipe(&f->init, sizeof(f->init));
    tu_rm_tree(f->root);
    free(f);
}


/* The world's store URL: its PostgreSQL schema, or its SQLite file. */
static VF_UNUSED void vf_store_url(const struct vf *f, char *url, size_t size)
{
    if (f->store_url[0] != '\0')
        snprintf(url, size, "%s", f->store_url);
    else
        snprintf(url, size, "sqlite:%s", f->db);
}

static VF_UNUSED mns_err vf_reopen(struct vf *f, const struct mns_vault_config *cfg, mns_errmsg *em)
{
    mns_vault_free(f->v);
    f->v = NULL;
    struct mns_store *st = NULL;
    mns_errmsg e2 = {""};
    char url[1100];
    vf_store_url(f, url, sizeof(url));
    assert_int_equal(mns_store_open(&st, url, &e2), MNS_OK);
    assert_int_equal(mns_store_exec(st, "DELETE FROM sessions", &e2), MNS_OK);
    mns_store_close(st);
    f->cfg = *cfg;
    f->cfg.data_dir = f->dir;
    f->cfg.store_url = f->store_url[0] != '\0' ? f->store_url : NULL;
    mns_err err = mns_vault_open(&f->v, &f->cfg, em);
    if (err != MNS_OK)
        return err;
    assert_int_equal(mns_vault_unseal_dev(f->v, em), MNS_OK);
    vf_login(f, "admin", f->init.admin_password, &f->admin);
    vf_login(f, "auditor", f->pw_auditor, &f->auditor);
    return MNS_OK;
}

/* ---- persons ------------------------------------------------------------------ */

/* {"kind":"employee","name":name,"mynumber":number,"purposes":[purpose]} */
static VF_UNUSED json_t *vf_person(const char *name, const char *number, const char *purpose)
{
    json_t *p = json_pack("{s:s, s:s, s:s, s:[s]}", "kind", "employee", "name", name, "mynumber", number,
                          "purposes", purpose);
    assert_non_null(p);
    return p;
}

/* Adds one person (clerk on acme unless said otherwise); returns the id. */
static VF_UNUSED int64_t vf_add_one(struct vf *f, const struct mns_actor *who, const char *tenant, json_t *person)
{
    json_t *batch = json_array(), *res = NULL;
    mns_errmsg em = {""};
    assert_non_null(batch);
    assert_int_equal(json_array_append_new(batch, person), 0);
    mns_err err = mns_vault_person_add(f->v, who, tenant, batch, &res, &em);
    json_decref(batch);
    if (err != MNS_OK)
        fail_msg("person_add: %s (%s)", mns_err_name(err), em.text);
    assert_non_null(res);
    json_t *ids = json_object_get(res, "created");
    assert_true(json_is_array(ids));
    assert_int_equal(json_array_size(ids), 1);
    int64_t id = json_integer_value(json_array_get(ids, 0));
    assert_true(id > 0);
    json_decref(res);
    return id;
}

/* How many entries of list ("persons" or "dependents") a find of number
 * answers; fails the test if the find fails. */
static VF_UNUSED size_t vf_find_count(struct vf *f, const struct mns_actor *who, const char *tenant, const char *number,
                                      const char *list)
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    mns_err err = mns_vault_person_find(f->v, who, tenant, number, &res, &em);
    if (err != MNS_OK)
        fail_msg("person_find: %s (%s)", mns_err_name(err), em.text);
    size_t n = json_array_size(json_object_get(res, list));
    json_decref(res);
    return n;
}

/* Reveals the person's number into out; fails the test if the reveal fails. */
static VF_UNUSED void vf_reveal_ok(struct vf *f, const struct mns_actor *who, const char *tenant, int64_t id,
                                   const char *purpose, char out[13])
{
    json_t *res = NULL;
    mns_errmsg em = {""};
    mns_err err = mns_vault_person_reveal(f->v, who, tenant, id, purpose, &res, &em);
    if (err != MNS_OK)
        fail_msg("reveal %lld: %s (%s)", (long long)id, mns_err_name(err), em.text);
    assert_non_null(res);
    const char *n = json_string_value(json_object_get(res, "mynumber"));
    assert_non_null(n);
    assert_int_equal(strlen(n), 12);
    snprintf(out, 13, "%s", n);
    json_decref(res);
}

/* ---- the store behind the vault (a second connection) --------------------- */

/* The store as a DBA would open it, through the store API so that the same
 * helpers work on SQLite and PostgreSQL. (readonly is a statement of intent;
 * the helpers that write say so by their names.) */
typedef struct mns_store vf_db;

static VF_UNUSED vf_db *vf_db_open(struct vf *f, bool readonly)
{
    (void)readonly;
    struct mns_store *st = NULL;
    mns_errmsg em = {""};
    char url[1100];
    vf_store_url(f, url, sizeof(url));
    if (mns_store_open(&st, url, &em) != MNS_OK)
        fail_msg("open the store behind the vault: %s", em.text);
    return st;
}

static VF_UNUSED void vf_db_close(vf_db *db)
{
    mns_store_close(db);
}

static VF_UNUSED void vf_db_exec(vf_db *db, const char *sql)
{
    mns_errmsg em = {""};
    if (mns_store_exec(db, sql, &em) != MNS_OK)
        fail_msg("exec \"%s\": %s", sql, em.text);
}

/* One integer from a query with up to two int64 parameters (nparams 0..2). */
static VF_UNUSED int64_t vf_db_int(vf_db *db, const char *sql, int nparams, int64_t p1, int64_t p2)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    if (mns_store_prepare(db, &s, sql) != MNS_OK)
        fail_msg("prepare \"%s\": %s", sql, mns_store_errmsg(db));
    if (nparams >= 1)
        assert_int_equal(mns_stmt_bind_int64(s, 1, p1), MNS_OK);
    if (nparams >= 2)
        assert_int_equal(mns_stmt_bind_int64(s, 2, p2), MNS_OK);
    if (mns_stmt_step(s, &row) != MNS_OK || !row) {
        mns_stmt_reset(s);
        fail_msg("query \"%s\" gave no row (%s)", sql, mns_store_errmsg(db));
    }
    int64_t v = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return v;
}

/* The (tenant, kind, purpose) pairs whose kept count of persons (purpose_use,
 * the ledger's purposes in use) differs from a count over the persons. */
static VF_UNUSED int64_t vf_purpose_use_differs(vf_db *db)
{
    return vf_db_int(db,
                     "SELECT count(*) FROM (SELECT p.tenant_id, p.kind, x.purpose_code, count(*) AS n "
                     "FROM person_purposes x JOIN persons p ON p.id = x.person_id "
                     "GROUP BY p.tenant_id, p.kind, x.purpose_code) c "
                     "FULL OUTER JOIN (SELECT * FROM purpose_use WHERE persons <> 0) u "
                     "ON u.tenant_id = c.tenant_id AND u.kind = c.kind AND u.purpose_code = c.purpose_code "
                     "WHERE c.n IS NULL OR u.persons IS NULL OR c.n <> u.persons",
                     0, 0, 0);
}

/* A blob column of one row selected by one int64 parameter; malloc'ed copy
 * in *out (NULL, 0 when there is no row). */
static VF_UNUSED void vf_db_blob(vf_db *db, const char *sql, int64_t p1, uint8_t **out, size_t *len)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    *out = NULL;
    *len = 0;
    if (mns_store_prepare(db, &s, sql) != MNS_OK)
        fail_msg("prepare \"%s\": %s", sql, mns_store_errmsg(db));
    assert_int_equal(mns_stmt_bind_int64(s, 1, p1), MNS_OK);
    if (mns_stmt_step(s, &row) == MNS_OK && row) {
        size_t n = 0;
        const void *b = mns_stmt_blob(s, 0, &n);
        *out = malloc(n > 0 ? n : 1);
        assert_non_null(*out);
        if (n > 0)
            memcpy(*out, b, n);
        *len = n;
    }
    mns_stmt_reset(s);
}

/* Runs sql with parameter 1 a blob and parameter 2 an int64; returns changes. */
static VF_UNUSED int vf_db_set_blob(vf_db *db, const char *sql, const uint8_t *blob, size_t len, int64_t p2)
{
    struct mns_stmt *s = NULL;
    if (mns_store_prepare(db, &s, sql) != MNS_OK)
        fail_msg("prepare \"%s\": %s", sql, mns_store_errmsg(db));
    assert_int_equal(mns_stmt_bind_blob(s, 1, blob, len), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 2, p2), MNS_OK);
    if (mns_stmt_run(s) != MNS_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", mns_store_errmsg(db));
        fail_msg("step \"%s\": %s", sql, msg);
    }
    return (int)mns_stmt_changes(s);
}

/* Whether db is a PostgreSQL store (else SQLite). */
static VF_UNUSED bool vf_db_is_pg(vf_db *db)
{
    return strcmp(mns_store_backend(db), "postgresql") == 0;
}

/* The first column (as text) of every row of sql, which takes one text
 * parameter when param is non-NULL: a malloc'ed NULL-ended array (free it
 * with vf_db_free_names), *n (if non-NULL) gets the number of rows. */
static VF_UNUSED char **vf_db_texts(vf_db *db, const char *sql, const char *param, size_t *n)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    size_t count = 0, cap = 16;
    char **out = calloc(cap, sizeof(*out));
    mns_err err;
    assert_non_null(out);
    if (mns_store_prepare(db, &s, sql) != MNS_OK) {
        fail_msg("prepare \"%s\": %s", sql, mns_store_errmsg(db));
        return out;
    }
    if (param != NULL)
        assert_int_equal(mns_stmt_bind_text(s, 1, param, -1), MNS_OK);
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        const char *t = mns_stmt_text(s, 0);
        assert_non_null(t);
        if (count + 1 >= cap) {
            char **more = realloc(out, 2 * cap * sizeof(*out));
            assert_non_null(more);
            out = more;
            cap *= 2;
        }
        out[count] = strdup(t);
        assert_non_null(out[count]);
        out[++count] = NULL;
    }
    if (err != MNS_OK) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", mns_store_errmsg(db));
        mns_stmt_reset(s);
        fail_msg("query \"%s\": %s", sql, msg);
    }
    mns_stmt_reset(s);
    if (n != NULL)
        *n = count;
    return out;
}

static VF_UNUSED void vf_db_free_names(char **names)
{
    if (names == NULL)
        return;
    for (size_t i = 0; names[i] != NULL; i++)
        free(names[i]);
    free(names);
}

/* Every table of the store: SQLite's from sqlite_schema; on PostgreSQL the
 * base tables of the world's schema (the first of the search path), from
 * information_schema.tables. Free with vf_db_free_names. */
static VF_UNUSED char **vf_db_tables(vf_db *db, size_t *n)
{
    if (vf_db_is_pg(db))
        return vf_db_texts(db, "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE "
                               "table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1",
                           NULL, n);
    return vf_db_texts(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1", NULL, n);
}

/* The columns of one table of the store, in their order. Free with
 * vf_db_free_names. */
static VF_UNUSED char **vf_db_columns(vf_db *db, const char *table, size_t *n)
{
    if (vf_db_is_pg(db))
        return vf_db_texts(db, "SELECT CAST(column_name AS TEXT) FROM information_schema.columns WHERE "
                               "table_schema = current_schema() AND CAST(table_name AS TEXT) = ? "
                               "ORDER BY ordinal_position",
                           table, n);
    return vf_db_texts(db, "SELECT name FROM pragma_table_info(?) ORDER BY cid", table, n);
}

/* Whether needle occurs in any file under dir (recursively). */
static VF_UNUSED bool vf_tree_contains(const char *dir, const void *needle, size_t nlen)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    bool found = false;
    if (d == NULL)
        return false;
    while (!found && (e = readdir(d)) != NULL) {
        char path[1400];
        struct stat sb;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (lstat(path, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode)) {
            found = vf_tree_contains(path, needle, nlen);
        } else if (S_ISREG(sb.st_mode)) {
            size_t len = 0;
            uint8_t *data = tu_read_file(path, &len);
            found = vf_mem_contains(data, len, needle, nlen);
            free(data);
        }
    }
    closedir(d);
    return found;
}

/*
 * Whether needle is anywhere the store keeps data on disk: the SQLite file
 * and its WAL; on PostgreSQL every file of the server's data directory
 * (tables, indexes, WAL) after a CHECKPOINT has written the pages out.
 */
static VF_UNUSED bool vf_store_files_contain(struct vf *f, const void *needle, size_t nlen)
{
    if (f->store_url[0] == '\0') {
        char wal[800];
        size_t len = 0;
        uint8_t *data = tu_read_file(f->db, &len);
        assert_non_null(data);
        bool found = vf_mem_contains(data, len, needle, nlen);
        free(data);
        snprintf(wal, sizeof(wal), "%s-wal", f->db);
        data = tu_read_file(wal, &len);
        found = found || vf_mem_contains(data, len, needle, nlen);
        free(data);
        return found;
    }
    struct mns_store *admin = NULL;
    mns_errmsg em = {""};
    char data_dir[1000];
    if (mns_store_open(&admin, f->pg_admin_url, &em) != MNS_OK || mns_store_exec(admin, "CHECKPOINT", &em) != MNS_OK)
        fail_msg("CHECKPOINT on the test server: %s", em.text);
    mns_store_close(admin);
    snprintf(data_dir, sizeof(data_dir), "%s/data", f->pg_dir);
    assert_true(vf_file_exists(data_dir));
    return vf_tree_contains(data_dir, needle, nlen);
}

/* PostgreSQL runs: whether the test server's table and index files (its
 * data directory without pg_wal, after a CHECKPOINT) hold needle. */
static VF_UNUSED bool vf_pg_tables_contain(struct vf *f, const void *needle, size_t nlen)
{
    struct mns_store *admin = NULL;
    mns_errmsg em = {""};
    char base[1000];
    if (mns_store_open(&admin, f->pg_admin_url, &em) != MNS_OK || mns_store_exec(admin, "CHECKPOINT", &em) != MNS_OK)
        fail_msg("CHECKPOINT on the test server: %s", em.text);
    mns_store_close(admin);
    snprintf(base, sizeof(base), "%s/data/base", f->pg_dir);
    assert_true(vf_file_exists(base));
    return vf_tree_contains(base, needle, nlen);
}

/* ---- the SQLite file itself, for the tests about what is in it ---------- */

static VF_UNUSED sqlite3 *vf_sqlite_open(struct vf *f, bool readonly)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(f->db, &db, readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK)
        fail_msg("sqlite3_open_v2 %s: %s", f->db, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_busy_timeout(db, 5000);
    return db;
}

static VF_UNUSED void vf_sqlite_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        char copy[256];
        snprintf(copy, sizeof(copy), "%s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        fail_msg("exec \"%s\": %s", sql, copy);
    }
}

/* One integer from a query with up to two int64 parameters (nparams 0..2). */
static VF_UNUSED int64_t vf_sqlite_int(sqlite3 *db, const char *sql, int nparams, int64_t p1, int64_t p2)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    if (rc != SQLITE_OK)
        fail_msg("prepare \"%s\": %s", sql, sqlite3_errmsg(db));
    if (nparams >= 1)
        assert_int_equal(sqlite3_bind_int64(s, 1, p1), SQLITE_OK);
    if (nparams >= 2)
        assert_int_equal(sqlite3_bind_int64(s, 2, p2), SQLITE_OK);
    rc = sqlite3_step(s);
    if (rc != SQLITE_ROW) {
        sqlite3_finalize(s);
        fail_msg("query \"%s\" gave no row (%d)", sql, rc);
    }
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* A blob column of one row selected by one int64 parameter; malloc'ed copy
 * in *out (NULL, 0 when there is no row). */
static VF_UNUSED void vf_sqlite_blob(sqlite3 *db, const char *sql, int64_t p1, uint8_t **out, size_t *len)
{
    sqlite3_stmt *s = NULL;
    *out = NULL;
    *len = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare \"%s\": %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_bind_int64(s, 1, p1), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW) {
        int n = sqlite3_column_bytes(s, 0);
        const void *b = sqlite3_column_blob(s, 0);
        *out = malloc(n > 0 ? (size_t)n : 1);
        assert_non_null(*out);
        if (n > 0)
            memcpy(*out, b, (size_t)n);
        *len = (size_t)n;
    }
    sqlite3_finalize(s);
}

/* Runs sql with parameter 1 a blob and parameter 2 an int64; returns changes. */
static VF_UNUSED int vf_sqlite_set_blob(sqlite3 *db, const char *sql, const uint8_t *blob, size_t len, int64_t p2)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("prepare \"%s\": %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_bind_blob(s, 1, blob, (int)len, SQLITE_TRANSIENT), SQLITE_OK);
    assert_int_equal(sqlite3_bind_int64(s, 2, p2), SQLITE_OK);
    int rc = sqlite3_step(s);
    if (rc != SQLITE_DONE) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s", sqlite3_errmsg(db));
        sqlite3_finalize(s);
        fail_msg("step \"%s\": %s", sql, msg);
    }
    sqlite3_finalize(s);
    return sqlite3_changes(db);
}

/* ---- the audit log as an auditor reads it -------------------------------- */

/* Every entry with seq > after (a JSON array, caller decrefs), read as who. */
static VF_UNUSED json_t *vf_audit_since(struct vf *f, const struct mns_actor *who, int64_t after)
{
    json_t *all = json_array();
    assert_non_null(all);
    for (;;) {
        json_t *res = NULL;
        mns_errmsg em = {""};
        mns_err err = mns_vault_audit_list(f->v, who, after, 1000, &res, &em);
        if (err != MNS_OK)
            fail_msg("audit_list: %s (%s)", mns_err_name(err), em.text);
        json_t *entries = json_object_get(res, "entries");
        assert_true(json_is_array(entries));
        size_t i;
        json_t *e;
        json_array_foreach(entries, i, e) {
            assert_int_equal(json_array_append(all, e), 0);
            after = json_integer_value(json_object_get(e, "seq"));
        }
        bool more = json_is_integer(json_object_get(res, "next_after"));
        json_decref(res);
        if (!more)
            break;
    }
    return all;
}

/* The highest seq so far, to read only what follows. (The read itself adds
 * an audit.read entry after it, which callers will see.) */
static VF_UNUSED int64_t vf_audit_head(struct vf *f)
{
    json_t *all = vf_audit_since(f, &f->auditor, 0);
    size_t n = json_array_size(all);
    assert_true(n > 0);
    int64_t seq = json_integer_value(json_object_get(json_array_get(all, n - 1), "seq"));
    json_decref(all);
    return seq;
}

static VF_UNUSED const char *vf_str(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL ? s : "";
}

/*
 * Counts entries in list matching every non-NULL criterion. *first (if
 * non-NULL) gets the first match.
 */
static VF_UNUSED size_t vf_audit_count(json_t *list, const char *actor, const char *action, const char *subject,
                                       const char *purpose, const char *result, json_t **first)
{
    size_t i, n = 0;
    json_t *e;
    if (first != NULL)
        *first = NULL;
    json_array_foreach(list, i, e) {
        if (actor != NULL && strcmp(vf_str(e, "actor"), actor) != 0)
            continue;
        if (action != NULL && strcmp(vf_str(e, "action"), action) != 0)
            continue;
        if (subject != NULL && strcmp(vf_str(e, "subject"), subject) != 0)
            continue;
        if (purpose != NULL && strcmp(vf_str(e, "purpose"), purpose) != 0)
            continue;
        if (result != NULL && strcmp(vf_str(e, "result"), result) != 0)
            continue;
        if (first != NULL && n == 0)
            *first = e;
        n++;
    }
    return n;
}

#endif
