/*
 * audit_fixture.h: what the test_audit_*.c programs share.
 *
 * A fresh temp directory under $MNS_TEST_TMP (or /tmp) per test holding a
 * migrated SQLite store (t.db) and the path of a checkpoint file
 * (checkpoints, not created here), an audit log opened on demand, and a
 * query helper reading the store through the store API.
 *
 * Each program keeps its own fx_setup (the tag of its temp directory, its
 * signing key, any entries it starts from) and its own append helper, since
 * the entries differ; fx_teardown is the same for all.
 *
 * Header-only: every helper is static and marked unused, since each test
 * program uses a different subset.
 */
#ifndef MNS_TEST_AUDIT_FIXTURE_H
#define MNS_TEST_AUDIT_FIXTURE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_util.h"

#include "mnsafe/audit.h"

#define AF_UNUSED __attribute__((unused))

struct fx {
    char dir[512];  /* the temp directory */
    char db[600];   /* dir/t.db */
    char cp[600];   /* dir/checkpoints */
    struct mns_store *st;
    struct mns_audit *a;
    uint8_t seed[32], pub[32]; /* signing key, for the programs that sign */
    struct mns_audit_report r;
};

/* A fixture with the store open and migrated, no audit log open yet. */
static AF_UNUSED struct fx *af_new(const char *tag)
{
    struct fx *f = calloc(1, sizeof(*f));
    char url[700];

    assert_non_null(f);
    tu_mkdtemp(f->dir, sizeof(f->dir), tag);
    snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
    snprintf(f->cp, sizeof(f->cp), "%s/checkpoints", f->dir);
    snprintf(url, sizeof(url), "sqlite:%s", f->db);
    assert_int_equal(mns_global_init(), MNS_OK);
    assert_int_equal(mns_store_open(&f->st, url, NULL), MNS_OK);
    assert_int_equal(mns_store_migrate(f->st, NULL, NULL), MNS_OK);
    return f;
}

static AF_UNUSED int fx_teardown(void **state)
{
    struct fx *f = *state;
    mns_audit_free(f->a);
    mns_store_close(f->st);
    tu_rm_tree(f->dir);
    free(f);
    return 0;
}

/* (Re)opens f->a with checkpoints to path every `every` entries (0: never),
 * under the key name "mnsafe-audit", signing with f->seed when signer. */
static AF_UNUSED void af_open_audit(struct fx *f, const char *path, unsigned every, bool signer)
{
    struct mns_audit_config cfg = {path, "mnsafe-audit", every};
    mns_audit_free(f->a);
    f->a = NULL;
    assert_int_equal(mns_audit_open(&f->a, f->st, &cfg, NULL), MNS_OK);
    if (signer)
        assert_int_equal(mns_audit_set_signer(f->a, f->seed), MNS_OK);
}

/* The single integer answered by sql. */
static AF_UNUSED int64_t query_int(struct fx *f, const char *sql)
{
    struct mns_stmt *s;
    bool row = false;
    assert_int_equal(mns_store_prepare(f->st, &s, sql), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    int64_t v = mns_stmt_int64(s, 0);
    mns_stmt_reset(s);
    return v;
}

#endif
