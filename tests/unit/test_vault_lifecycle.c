/*
 * test_vault_lifecycle.c: creating a store (dev and Shamir), opening it, the
 * seal state, unsealing with shares (threshold, any subset, mistyped,
 * foreign, repeated and forged shares) and sealing again.
 *
 * With MNS_TEST_BACKEND=postgresql every store here (dev and Shamir) is a
 * schema of its own on the test server; where a test looks at the SQLite
 * file, it looks at the store's tables instead (vf_db_*).
 */
#include "vault_fixture.h"

/* ---- Shamir stores -------------------------------------------------------- */

struct sh {
    char root[512], dir[600];
    char store_url[1024]; /* PostgreSQL runs: the store's own schema; "": SQLite */
    struct mns_vault_config cfg;
    struct mns_vault_init_result init;
    char text[MNS_SHARES_MAX][MNS_SHARE_TEXT_MAX];
    struct mns_vault *v;
};

static struct sh *sh_new(const char *tag, unsigned n, unsigned k)
{
    struct sh *s = calloc(1, sizeof(*s));
    mns_errmsg em = {""};
    assert_non_null(s);
    tu_mkdtemp(s->root, sizeof(s->root), tag);
    snprintf(s->dir, sizeof(s->dir), "%s/data", s->root);
    s->cfg.data_dir = s->dir;
    {
        /* on PostgreSQL runs, a schema of its own (vf_pg_schema fills a vf) */
        struct vf *tmp = calloc(1, sizeof(*tmp));
        assert_non_null(tmp);
        vf_pg_schema(tmp);
        snprintf(s->store_url, sizeof(s->store_url), "%s", tmp->store_url);
        free(tmp);
        if (s->store_url[0] != '\0')
            s->cfg.store_url = s->store_url;
    }
    mns_err err = mns_vault_create(&s->cfg, n, k, false, &s->init, &em);
    if (err != MNS_OK)
        fail_msg("create shamir: %s (%s)", mns_err_name(err), em.text);
    assert_int_equal(s->init.nshares, n);
    assert_int_equal(s->init.threshold, k);
    for (unsigned i = 0; i < n; i++) {
        mns_share_format(s->text[i], &s->init.shares[i]);
        assert_true(strncmp(s->text[i], "mns1-", 5) == 0);
    }
    err = mns_vault_open(&s->v, &s->cfg, &em);
    if (err != MNS_OK)
        fail_msg("open shamir: %s (%s)", mns_err_name(err), em.text);
    return s;
}

static void sh_free(struct sh *s)
{
    if (s == NULL)
        return;
    mns_vault_free(s->v);
    mns_wipe(&s->init, sizeof(s->init));
    mns_wipe(s->text, sizeof(s->text));
    tu_rm_tree(s->root);
    free(s);
}

/* Offers a share text; returns the error and fills st. */
static mns_err offer(struct mns_vault *v, const char *text, struct mns_unseal_status *st)
{
    mns_errmsg em = {""};
    memset(st, 0xa5, sizeof(*st));
    return mns_vault_unseal(v, NULL, text, st, &em);
}

static void expect_status(struct mns_vault *v, bool sealed, unsigned have, unsigned threshold)
{
    struct mns_unseal_status st;
    memset(&st, 0xa5, sizeof(st));
    mns_vault_unseal_status(v, &st);
    assert_int_equal(st.sealed, sealed);
    assert_int_equal(st.have, have);
    assert_int_equal(st.threshold, threshold);
    assert_int_equal(mns_vault_is_sealed(v), sealed);
}

/* The value of one meta row (malloc'ed, NUL added; NULL when there is none). */
static char *meta_value(vf_db *db, const char *key, size_t *len)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    char *out = NULL;
    *len = 0;
    assert_int_equal(mns_store_prepare(db, &s, "SELECT value FROM meta WHERE key = ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(s, 1, key, -1), MNS_OK);
    if (mns_stmt_step(s, &row) == MNS_OK && row) {
        size_t n = 0;
        const void *b = mns_stmt_blob(s, 0, &n);
        out = malloc(n + 1);
        assert_non_null(out);
        if (n > 0)
            memcpy(out, b, n);
        out[n] = '\0';
        *len = n;
    }
    mns_stmt_reset(s);
    return out;
}

/* Whether names (NULL-ended) holds name. */
static bool has_name(char **names, const char *name)
{
    for (size_t i = 0; names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/*
 * The store behind f, on either backend, is a freshly made dev vault: the
 * schema, the facts in meta, the one-time admin and the first audit entry
 * and nothing after it.
 */
static void expect_new_dev_store(struct vf *f)
{
    vf_db *db = vf_db_open(f, true);
    size_t ntables = 0, len = 0;
    char **tables = vf_db_tables(db, &ntables);
    assert_true(ntables >= 10);
    assert_true(has_name(tables, "meta"));
    assert_true(has_name(tables, "users"));
    assert_true(has_name(tables, "audit_log"));
    assert_true(has_name(tables, "persons"));
    assert_false(has_name(tables, "person_keys")); /* folded into persons (migration 23) */
    vf_db_free_names(tables);
    char *v = meta_value(db, "seal_mode", &len);
    assert_non_null(v);
    assert_string_equal(v, "dev");
    free(v);
    v = meta_value(db, "store_id", &len);
    assert_non_null(v);
    assert_int_equal(len, 32);
    free(v);
    v = meta_value(db, "share_threshold", &len);
    assert_non_null(v);
    assert_string_equal(v, "0");
    free(v);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM users", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM users WHERE name = 'admin' AND role = 'sysadmin' AND "
                                   "must_change = 1", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM audit_log WHERE seq = 1 AND action = 'store.init' AND "
                                   "actor = 'system' AND result = 'ok'", 0, 0, 0), 1);
    assert_int_equal(vf_db_int(db, "SELECT count(*) FROM tenants", 0, 0, 0), 0);
    vf_db_close(db);
}

/* What must not change when a second create is refused: the store's id, its
 * users and its audit log (count and head). */
struct fingerprint {
    char *store_id;
    int64_t users, audit_rows, audit_head;
};

static void fingerprint_take(struct vf *f, struct fingerprint *fp)
{
    vf_db *db = vf_db_open(f, true);
    size_t len = 0;
    fp->store_id = meta_value(db, "store_id", &len);
    assert_non_null(fp->store_id);
    assert_int_equal(len, 32);
    fp->users = vf_db_int(db, "SELECT count(*) FROM users", 0, 0, 0);
    fp->audit_rows = vf_db_int(db, "SELECT count(*) FROM audit_log", 0, 0, 0);
    fp->audit_head = vf_db_int(db, "SELECT max(seq) FROM audit_log", 0, 0, 0);
    vf_db_close(db);
}

/* ---- create and open ---------------------------------------------------- */

static void test_create_dev(void **state)
{
    (void)state;
    struct vf f0 = {0}, *f = &f0;
    char path[1024];
    struct stat sb;
    mns_errmsg em = {""};

    vf_paths(f, "vlife-dev");
    assert_false(vf_file_exists(f->dir));
    assert_int_equal(mns_vault_create(&f->cfg, 0, 0, true, &f->init, &em), MNS_OK);
    assert_int_equal(f->init.nshares, 0);
    assert_string_equal(f->init.admin_name, "admin");
    assert_int_equal(strlen(f->init.admin_password), 20);

    assert_int_equal(stat(f->dir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    if (f->store_url[0] == '\0')
        assert_true(vf_file_exists(f->db)); /* the SQLite store is in the data directory */
    else
        assert_false(vf_file_exists(f->db)); /* the store is the schema: no SQLite file made beside it */
    /* and the store (file or schema) holds the new vault */
    expect_new_dev_store(f);
    vf_join(path, f->dir, MNS_DEV_KEY_FILE);
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    vf_join(path, f->dir, MNS_AUDIT_PUB_FILE);
    assert_true(vf_file_exists(path));

    assert_int_equal(mns_vault_open(&f->v, &f->cfg, &em), MNS_OK);
    assert_non_null(f->v);
    assert_string_equal(mns_vault_seal_mode(f->v), "dev");
    /* a new vault starts sealed */
    assert_true(mns_vault_is_sealed(f->v));
    expect_status(f->v, true, 0, 0);

    /* sealed: no keys, so no tenant can be made (login works, it needs none) */
    vf_activate(f, "admin", f->init.admin_password);
    vf_login(f, "admin", f->init.admin_password, &f->admin);
    json_t *res = (json_t *)0x1;
    assert_int_equal(mns_vault_tenant_create(f->v, &f->admin, "acme", "Acme", NULL, &res, &em), MNS_ERR_SEALED);
    assert_null(res);

    /* a dev store is not unsealed by shares */
    struct mns_unseal_status st;
    assert_int_equal(offer(f->v, "mns1-3-00000000-01-00-00000000", &st), MNS_ERR_STATE);
    assert_true(mns_vault_is_sealed(f->v));

    assert_int_equal(mns_vault_unseal_dev(f->v, &em), MNS_OK);
    assert_false(mns_vault_is_sealed(f->v));
    expect_status(f->v, false, 0, 0);
    assert_int_equal(mns_vault_tenant_create(f->v, &f->admin, "acme", "Acme", NULL, &res, &em), MNS_OK);
    json_decref(res);

    mns_vault_free(f->v);
    f->v = NULL;
    mns_wipe(&f->init, sizeof(f->init));
    tu_rm_tree(f->root);
}

/* PostgreSQL runs: the world's schema holds no table (nothing was made
 * there); SQLite runs check the file instead. */
static void expect_no_tables(struct vf *f)
{
    if (f->store_url[0] == '\0')
        return;
    size_t ntables = 99;
    vf_db *db = vf_db_open(f, true);
    vf_db_free_names(vf_db_tables(db, &ntables));
    vf_db_close(db);
    assert_int_equal(ntables, 0);
}

/*
 * A store's audit evidence is never replaced: with only the checkpoint file
 * of an earlier store left (its database deleted), init refuses, and the
 * file stays as it was.
 *
 * The same with a store elsewhere (PostgreSQL): the directory would get the
 * new store's checkpoint notes and keys; nothing is made in the schema.
 */
static void test_create_refuses_foreign_evidence(void **state)
{
    (void)state;
    struct vf f0 = {0}, *f = &f0;
    mns_errmsg em = {""};
    char cp[1024];
    size_t len = 0;

    vf_paths(f, "vlife-evidence");
    assert_int_equal(mkdir(f->dir, 0700), 0);
    vf_join(cp, f->dir, MNS_CHECKPOINT_FILE);
    FILE *out = fopen(cp, "w");
    assert_non_null(out);
    fputs("mnsafe.local/audit\n7\nAAAA\n\n", out);
    fclose(out);
    assert_int_equal(mns_vault_create(&f->cfg, 0, 0, true, &f->init, &em), MNS_ERR_STATE);
    assert_non_null(strstr(em.text, MNS_CHECKPOINT_FILE));
    assert_false(vf_file_exists(f->db));
    uint8_t *kept = tu_read_file(cp, &len);
    assert_non_null(kept);
    assert_int_equal(len, strlen("mnsafe.local/audit\n7\nAAAA\n\n"));
    free(kept);
    expect_no_tables(f);
    tu_rm_tree(f->root);
}

static void test_create_refuses_existing_store(void **state)
{
    (void)state;
    struct vf f0 = {0}, *f = &f0;
    struct mns_vault_init_result again;
    mns_errmsg em = {""};
    char keypath[1024];
    size_t len1, len2;

    vf_paths(f, "vlife-exist");
    assert_int_equal(mns_vault_create(&f->cfg, 0, 0, true, &f->init, &em), MNS_OK);
    vf_join(keypath, f->dir, MNS_DEV_KEY_FILE);
    uint8_t *key1 = tu_read_file(keypath, &len1);
    assert_non_null(key1);
    if (f->store_url[0] == '\0') {
        uint8_t *db1 = tu_read_file(f->db, &len2);
        assert_non_null(db1);
        free(db1);
    }
    struct fingerprint fp1, fp2;
    fingerprint_take(f, &fp1);
    assert_int_equal(fp1.users, 1);
    assert_int_equal(fp1.audit_rows, 1);

    memset(&again, 0x5a, sizeof(again));
    assert_int_equal(mns_vault_create(&f->cfg, 0, 0, true, &again, &em), MNS_ERR_STATE);
    assert_int_equal(again.nshares, 0);
    assert_int_equal(again.admin_password[0], '\0');
    assert_int_equal(mns_vault_create(&f->cfg, 5, 3, false, &again, &em), MNS_ERR_STATE);
    assert_int_equal(again.nshares, 0);
    if (f->store_url[0] != '\0') {
        /* On PostgreSQL the store is the schema, not the data directory:
         * from a new, empty data directory, a create on the same schema is
         * refused too, by the store itself, and leaves no files there. */
        char root2[512], dir2[700], path2[1024];
        tu_mkdtemp(root2, sizeof(root2), "vlife-exist2");
        snprintf(dir2, sizeof(dir2), "%s/data", root2);
        struct mns_vault_config cfg2 = f->cfg;
        cfg2.data_dir = dir2;
        memset(&again, 0x5a, sizeof(again));
        assert_int_equal(mns_vault_create(&cfg2, 0, 0, true, &again, &em), MNS_ERR_STATE);
        assert_int_equal(again.nshares, 0);
        assert_int_equal(again.admin_password[0], '\0');
        vf_join(path2, dir2, MNS_DEV_KEY_FILE);
        assert_false(vf_file_exists(path2));
        vf_join(path2, dir2, MNS_AUDIT_PUB_FILE);
        assert_false(vf_file_exists(path2));
        vf_join(path2, dir2, MNS_CHECKPOINT_FILE);
        assert_false(vf_file_exists(path2));
        tu_rm_tree(root2);
    }

    /* the store is untouched: same id, one user, the audit log as it was */
    fingerprint_take(f, &fp2);
    assert_string_equal(fp1.store_id, fp2.store_id);
    assert_int_equal(fp2.users, fp1.users);
    assert_int_equal(fp2.audit_rows, fp1.audit_rows);
    assert_int_equal(fp2.audit_head, fp1.audit_head);
    free(fp1.store_id);
    free(fp2.store_id);

    /* the first store is untouched: same key file, its admin still logs in */
    uint8_t *key2 = tu_read_file(keypath, &len2);
    assert_non_null(key2);
    assert_int_equal(len1, len2);
    assert_memory_equal(key1, key2, len1);
    mns_wipe(key1, len1);
    mns_wipe(key2, len2);
    free(key1);
    free(key2);
    assert_int_equal(mns_vault_open(&f->v, &f->cfg, &em), MNS_OK);
    assert_string_equal(mns_vault_seal_mode(f->v), "dev");
    assert_int_equal(mns_vault_unseal_dev(f->v, &em), MNS_OK);
    vf_login(f, "admin", f->init.admin_password, &f->admin);

    mns_vault_free(f->v);
    mns_wipe(&f->init, sizeof(f->init));
    tu_rm_tree(f->root);
}

static void test_create_bad_parameters(void **state)
{
    (void)state;
    struct vf f0 = {0}, *f = &f0;
    struct mns_vault_init_result res;
    mns_errmsg em = {""};

    vf_paths(f, "vlife-params");
    assert_int_equal(mns_vault_create(&f->cfg, 5, 1, false, &res, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_create(&f->cfg, 2, 3, false, &res, &em), MNS_ERR_INVALID);
    assert_int_equal(mns_vault_create(&f->cfg, 256, 3, false, &res, &em), MNS_ERR_INVALID);
    struct mns_vault_config none = {0};
    assert_int_equal(mns_vault_create(&none, 0, 0, true, &res, &em), MNS_ERR_INVALID);
    assert_false(vf_file_exists(f->db));
    assert_false(vf_file_exists(f->dir));
    expect_no_tables(f); /* on PostgreSQL: nothing made in the world's schema either */
    tu_rm_tree(f->root);
}

static void test_open_missing(void **state)
{
    (void)state;
    char root[512], dir[700];
    struct mns_vault *v = (struct mns_vault *)0x1;
    mns_errmsg em = {""};

    tu_mkdtemp(root, sizeof(root), "vlife-missing");
    snprintf(dir, sizeof(dir), "%s/nope", root);
    struct mns_vault_config cfg = {.data_dir = dir};
    assert_int_equal(mns_vault_open(&v, &cfg, &em), MNS_ERR_NOT_FOUND);
    assert_null(v);
    assert_true(em.text[0] != '\0');
    /* open does not create anything */
    assert_false(vf_file_exists(dir));

    /* an existing but empty directory holds no store either */
    cfg.data_dir = root;
    v = (struct mns_vault *)0x1;
    assert_int_equal(mns_vault_open(&v, &cfg, &em), MNS_ERR_NOT_FOUND);
    assert_null(v);
    tu_rm_tree(root);

    /* on PostgreSQL, a store URL naming an empty schema holds no store either */
    struct vf f0 = {0};
    vf_paths(&f0, "vlife-missing-pg");
    if (f0.store_url[0] != '\0') {
        v = (struct mns_vault *)0x1;
        em.text[0] = '\0';
        assert_int_not_equal(mns_vault_open(&v, &f0.cfg, &em), MNS_OK);
        assert_null(v);
        assert_true(em.text[0] != '\0');
        assert_false(vf_file_exists(f0.dir));
    }
    tu_rm_tree(f0.root);
}

/* ---- Shamir unseal ---------------------------------------------------------- */

static void test_shamir_create(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-sh", 5, 3);
    char path[1024];

    vf_join(path, s->dir, MNS_DEV_KEY_FILE);
    assert_false(vf_file_exists(path)); /* the root key is nowhere on disk */
    for (unsigned i = 0; i < 5; i++) {
        assert_int_equal(s->init.shares[i].threshold, 3);
        assert_int_equal(s->init.shares[i].set_id, s->init.shares[0].set_id);
        assert_true(s->init.shares[i].x != 0);
        for (unsigned j = 0; j < i; j++) {
            assert_true(s->init.shares[i].x != s->init.shares[j].x);
            assert_string_not_equal(s->text[i], s->text[j]);
        }
    }
    assert_string_equal(mns_vault_seal_mode(s->v), "shamir");
    assert_true(mns_vault_is_sealed(s->v));
    expect_status(s->v, true, 0, 3);
    mns_errmsg em = {""};
    assert_int_equal(mns_vault_unseal_dev(s->v, &em), MNS_ERR_STATE);
    assert_true(mns_vault_is_sealed(s->v));
    sh_free(s);
}

static void test_shamir_threshold(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-thr", 5, 3);
    struct mns_unseal_status st;

    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_true(st.sealed);
    assert_int_equal(st.have, 1);
    assert_int_equal(st.threshold, 3);
    assert_int_equal(offer(s->v, s->text[3], &st), MNS_OK);
    assert_true(st.sealed);
    assert_int_equal(st.have, 2);
    expect_status(s->v, true, 2, 3);

    assert_int_equal(offer(s->v, s->text[4], &st), MNS_OK);
    assert_false(st.sealed);
    assert_int_equal(st.have, 0);
    expect_status(s->v, false, 0, 3);
    sh_free(s);
}

/*
 * Once unsealed, another share is refused (MNS_ERR_STATE) and changes
 * nothing. The daemon offers unseal without a session (POST /sys/unseal with
 * an anonymous actor), so if a refused share sealed the vault, anybody who
 * can reach the socket could seal it at will.
 */
static void test_unseal_while_unsealed_changes_nothing(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-extra", 5, 3);
    struct mns_unseal_status st;
    struct mns_actor anon;
    mns_errmsg em = {""};

    mns_actor_anonymous(&anon, "127.0.0.1");
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(offer(s->v, s->text[i], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));

    assert_int_equal(mns_vault_unseal(s->v, &anon, "not a share", &st, &em), MNS_ERR_STATE);
    assert_false(st.sealed);
    assert_false(mns_vault_is_sealed(s->v));
    assert_int_equal(mns_vault_unseal(s->v, &anon, s->text[3], &st, &em), MNS_ERR_STATE);
    assert_false(mns_vault_is_sealed(s->v));
    sh_free(s);
}

/* Every 3 of the 5 shares, in two orders, open the store with the same root:
 * a number stored under the first unseal reads back under every other. */
static void test_shamir_any_subset(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-subset", 5, 3);
    struct mns_unseal_status st;
    struct vf f0 = {0}, *f = &f0;
    mns_errmsg em = {""};
    char num[13], got[13];
    unsigned subsets = 0;

    /* a vf view on this vault to reuse the helpers */
    f->v = s->v;
    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[1], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[2], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    vf_activate(f, "admin", s->init.admin_password);
    vf_login(f, "admin", s->init.admin_password, &f->admin);
    vf_tenant(f, "acme", "Acme");
    vf_user(f, "clerk", MNS_ROLE_CLERK, f->pw_clerk);
    vf_assign(f, "clerk", "acme");
    vf_login(f, "clerk", f->pw_clerk, &f->clerk);
    vf_number(num, 1);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Taro", num, "withholding_slip"));

    for (unsigned a = 0; a < 5; a++)
        for (unsigned b = a + 1; b < 5; b++)
            for (unsigned c = b + 1; c < 5; c++)
                for (unsigned order = 0; order < 2; order++) {
                    unsigned idx[3] = {a, b, c};
                    if (order == 1) {
                        idx[0] = c;
                        idx[2] = a;
                    }
                    assert_int_equal(mns_vault_seal(s->v, NULL, &em), MNS_OK);
                    assert_true(mns_vault_is_sealed(s->v));
                    assert_int_equal(offer(s->v, s->text[idx[0]], &st), MNS_OK);
                    assert_int_equal(offer(s->v, s->text[idx[1]], &st), MNS_OK);
                    assert_true(mns_vault_is_sealed(s->v));
                    mns_err err = offer(s->v, s->text[idx[2]], &st);
                    if (err != MNS_OK)
                        fail_msg("shares %u,%u,%u: %s", idx[0] + 1, idx[1] + 1, idx[2] + 1, mns_err_name(err));
                    assert_false(mns_vault_is_sealed(s->v));
                    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
                    assert_string_equal(got, num);
                    subsets++;
                }
    assert_int_equal(subsets, 20);
    mns_wipe(got, sizeof(got));
    sh_free(s);
}

static void test_shamir_mistyped_share(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-typo", 5, 3);
    struct mns_unseal_status st;
    char bad[MNS_SHARE_TEXT_MAX];
    mns_errmsg em = {""};

    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_int_equal(st.have, 1);

    /* one character changed, in y, in the checksum, in x, in the set id */
    size_t len = strlen(s->text[1]);
    size_t positions[] = {len / 2, len - 1, 16, 8};
    for (size_t i = 0; i < sizeof(positions) / sizeof(positions[0]); i++) {
        snprintf(bad, sizeof(bad), "%s", s->text[1]);
        char *c = &bad[positions[i]];
        assert_true(*c != '-');
        *c = *c == '0' ? '1' : '0';
        assert_string_not_equal(bad, s->text[1]);
        memset(&em, 0, sizeof(em));
        memset(&st, 0xa5, sizeof(st));
        assert_int_equal(mns_vault_unseal(s->v, NULL, bad, &st, &em), MNS_ERR_BAD_SHARE);
        assert_true(em.text[0] != '\0');
        /* not kept */
        assert_true(st.sealed);
        assert_int_equal(st.have, 1);
        expect_status(s->v, true, 1, 3);
    }
    /* garbage is refused too and not kept */
    assert_int_not_equal(offer(s->v, "hello", &st), MNS_OK);
    assert_int_not_equal(offer(s->v, "", &st), MNS_OK);
    expect_status(s->v, true, 1, 3);

    /* the correct shares still finish the job */
    assert_int_equal(offer(s->v, s->text[1], &st), MNS_OK);
    assert_int_equal(st.have, 2);
    assert_int_equal(offer(s->v, s->text[2], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    mns_wipe(bad, sizeof(bad));
    sh_free(s);
}

static void test_shamir_foreign_share(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-own", 5, 3);
    struct sh *other = sh_new("vlife-other", 5, 3);
    struct sh *other2 = sh_new("vlife-other2", 3, 2);
    struct mns_unseal_status st;

    assert_true(s->init.shares[0].set_id != other->init.shares[0].set_id);
    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    /* a share of another init, same threshold: valid on its own, wrong here */
    assert_int_equal(offer(s->v, other->text[1], &st), MNS_ERR_BAD_SHARE);
    assert_true(st.sealed);
    assert_int_equal(st.have, 1);
    assert_int_equal(offer(s->v, other2->text[1], &st), MNS_ERR_BAD_SHARE);
    assert_int_equal(st.have, 1);
    /* a foreign share as the first one is not kept either */
    assert_int_equal(offer(other->v, s->text[3], &st), MNS_ERR_BAD_SHARE);
    expect_status(other->v, true, 0, 3);

    assert_int_equal(offer(s->v, s->text[1], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[2], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    sh_free(other2);
    sh_free(other);
    sh_free(s);
}

static void test_shamir_same_share_twice(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-twice", 5, 3);
    struct mns_unseal_status st;
    char upper[MNS_SHARE_TEXT_MAX];

    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[0], &st), MNS_ERR_BAD_SHARE);
    assert_true(st.sealed);
    assert_int_equal(st.have, 1);
    /* the same share typed differently (upper case, spaces) is still the same */
    size_t i;
    for (i = 0; s->text[0][i] != '\0'; i++)
        upper[i] = (char)((s->text[0][i] >= 'a' && s->text[0][i] <= 'z') ? s->text[0][i] - 32 : s->text[0][i]);
    upper[i] = '\0';
    assert_int_equal(offer(s->v, upper, &st), MNS_ERR_BAD_SHARE);
    assert_int_equal(st.have, 1);

    assert_int_equal(offer(s->v, s->text[1], &st), MNS_OK);
    assert_int_equal(st.have, 2);
    /* twice at have == 2 must not reach the threshold with a duplicate */
    assert_int_equal(offer(s->v, s->text[1], &st), MNS_ERR_BAD_SHARE);
    assert_true(mns_vault_is_sealed(s->v));
    assert_int_equal(st.have, 2);
    assert_int_equal(offer(s->v, s->text[4], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    mns_wipe(upper, sizeof(upper));
    sh_free(s);
}

/* A share with the right structure, set id and threshold but a made-up y:
 * only the combination can tell, and then everything held is dropped. */
static void test_shamir_forged_share(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-forged", 5, 3);
    struct mns_unseal_status st;
    struct mns_share forged;
    char ftext[MNS_SHARE_TEXT_MAX];
    mns_errmsg em = {""};

    memset(&forged, 0, sizeof(forged));
    forged.threshold = s->init.shares[0].threshold;
    forged.set_id = s->init.shares[0].set_id;
    forged.x = 200;
    for (unsigned i = 0; i < 5; i++)
        assert_true(s->init.shares[i].x != forged.x);
    assert_int_equal(mns_random(forged.y, sizeof(forged.y)), MNS_OK);
    mns_share_format(ftext, &forged);
    {
        struct mns_share back;
        assert_int_equal(mns_share_parse(&back, ftext, NULL), MNS_OK); /* structurally valid */
        mns_wipe(&back, sizeof(back));
    }

    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[1], &st), MNS_OK);
    assert_int_equal(st.have, 2);
    memset(&st, 0xa5, sizeof(st));
    assert_int_equal(mns_vault_unseal(s->v, NULL, ftext, &st, &em), MNS_ERR_BAD_SHARE);
    assert_true(em.text[0] != '\0');
    assert_true(st.sealed);
    assert_int_equal(st.have, 0);
    expect_status(s->v, true, 0, 3);

    /* dropped means dropped: the two good shares must be given again */
    assert_int_equal(offer(s->v, s->text[2], &st), MNS_OK);
    assert_int_equal(st.have, 1);
    assert_true(st.sealed);

    /* the forged share first, then two good ones: same outcome */
    assert_int_equal(offer(s->v, ftext, &st), MNS_OK);
    assert_int_equal(st.have, 2);
    assert_int_equal(offer(s->v, s->text[3], &st), MNS_ERR_BAD_SHARE);
    expect_status(s->v, true, 0, 3);

    /* a forged y on a real x that was not given yet */
    forged.x = s->init.shares[4].x;
    mns_share_format(ftext, &forged);
    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_int_equal(offer(s->v, ftext, &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[2], &st), MNS_ERR_BAD_SHARE);
    expect_status(s->v, true, 0, 3);

    /* and the real shares still open it afterwards */
    assert_int_equal(offer(s->v, s->text[4], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[2], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    mns_wipe(&forged, sizeof(forged));
    mns_wipe(ftext, sizeof(ftext));
    sh_free(s);
}

/* ---- seal ------------------------------------------------------------------ */

static void test_seal_wipes(void **state)
{
    (void)state;
    struct vf *f = vf_new_world("vlife-seal");
    mns_errmsg em = {""};
    char num[13], got[13];
    json_t *res = NULL;

    vf_number(num, 42);
    int64_t id = vf_add_one(f, &f->clerk, "acme", vf_person("Hanako", num, "withholding_slip"));

    /* only a sysadmin (or the daemon) seals */
    assert_int_equal(mns_vault_seal(f->v, &f->clerk, &em), MNS_ERR_DENIED);
    assert_false(mns_vault_is_sealed(f->v));
    assert_int_equal(mns_vault_seal(f->v, &f->auditor, &em), MNS_ERR_DENIED);
    assert_false(mns_vault_is_sealed(f->v));
    assert_int_equal(mns_vault_seal(f->v, &f->anon, &em), MNS_ERR_AUTH);
    assert_false(mns_vault_is_sealed(f->v));

    assert_int_equal(mns_vault_seal(f->v, &f->admin, &em), MNS_OK);
    assert_true(mns_vault_is_sealed(f->v));
    expect_status(f->v, true, 0, 0);

    json_t *batch = json_pack("[o]", vf_person("Jiro", "123456789018", "withholding_slip"));
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_add(f->v, &f->clerk, "acme", batch, &res, &em), MNS_ERR_SEALED);
    assert_null(res);
    json_decref(batch);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_reveal(f->v, &f->clerk, "acme", id, "withholding_slip", &res, &em),
                     MNS_ERR_SEALED);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_find(f->v, &f->clerk, "acme", num, &res, &em), MNS_ERR_SEALED);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_list(f->v, &f->clerk, "acme", 0, 10, &res, &em), MNS_ERR_SEALED);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_person_list(f->v, &f->officer, "acme", 0, 10, &res, &em), MNS_ERR_SEALED);
    assert_null(res);
    res = (json_t *)0x1;
    assert_int_equal(mns_vault_tenant_create(f->v, &f->admin, "beta", "Beta", NULL, &res, &em), MNS_ERR_SEALED);
    assert_null(res);

    /* sealing twice is harmless; unsealing brings the same keys back */
    assert_int_equal(mns_vault_seal(f->v, NULL, &em), MNS_OK);
    assert_int_equal(mns_vault_unseal_dev(f->v, &em), MNS_OK);
    vf_reveal_ok(f, &f->clerk, "acme", id, "withholding_slip", got);
    assert_string_equal(got, num);
    mns_wipe(got, sizeof(got));
    vf_free(f);
}

/* Sealing a Shamir store in the middle of giving shares. */
static void test_shamir_seal_then_unseal(void **state)
{
    (void)state;
    struct sh *s = sh_new("vlife-reseal", 5, 3);
    struct mns_unseal_status st;
    mns_errmsg em = {""};

    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(offer(s->v, s->text[i], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    assert_int_equal(mns_vault_seal(s->v, NULL, &em), MNS_OK);
    expect_status(s->v, true, 0, 3);
    /* the old shares are not remembered: one share is one share */
    assert_int_equal(offer(s->v, s->text[3], &st), MNS_OK);
    assert_int_equal(st.have, 1);
    /* seal drops pending shares */
    assert_int_equal(mns_vault_seal(s->v, NULL, &em), MNS_OK);
    expect_status(s->v, true, 0, 3);
    assert_int_equal(offer(s->v, s->text[3], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[4], &st), MNS_OK);
    assert_int_equal(offer(s->v, s->text[0], &st), MNS_OK);
    assert_false(mns_vault_is_sealed(s->v));
    sh_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_dev),
        cmocka_unit_test(test_create_refuses_existing_store),
        cmocka_unit_test(test_create_refuses_foreign_evidence),
        cmocka_unit_test(test_create_bad_parameters),
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_shamir_create),
        cmocka_unit_test(test_shamir_threshold),
        cmocka_unit_test(test_unseal_while_unsealed_changes_nothing),
        cmocka_unit_test(test_shamir_any_subset),
        cmocka_unit_test(test_shamir_mistyped_share),
        cmocka_unit_test(test_shamir_foreign_share),
        cmocka_unit_test(test_shamir_same_share_twice),
        cmocka_unit_test(test_shamir_forged_share),
        cmocka_unit_test(test_seal_wipes),
        cmocka_unit_test(test_shamir_seal_then_unseal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
