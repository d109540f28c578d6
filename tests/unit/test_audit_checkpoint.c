/*
 * test_audit_checkpoint.c: the signed checkpoint notes (format checked
 * byte for byte against C2SP signed-note, key id recomputed here), the
 * checkpoint file, checkpoints every N entries, and write failures.
 */
#include <sys/stat.h>

#include "audit_fixture.h"

#define EM_DASH "\xE2\x80\x94"

/* ---- fixture (audit_fixture.h) ----------------------------------------- */

static int fx_setup(void **state)
{
    struct fx *f = af_new("audit-cp");
    for (int i = 0; i < 32; i++)
        f->seed[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(mns_ed25519_public(f->pub, f->seed), MNS_OK);
    *state = f;
    return 0;
}

/* Appends n entries in one transaction; returns what commit said. */
static mns_err append_txn(struct fx *f, unsigned n)
{
    struct mns_audit_entry e = {.actor = "bob", .action = "person.list", .result = "ok"};
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    assert_int_equal(mns_store_commit(f->st), MNS_OK);
    return mns_audit_commit(f->a);
}

static size_t count_substr(const char *hay, const char *needle)
{
    size_t k = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        k++;
    return k;
}

static void entry_hash(struct fx *f, int64_t seq, uint8_t out[32])
{
    struct mns_stmt *s;
    bool row = false;
    size_t n = 0;
    assert_int_equal(mns_store_prepare(f->st, &s, "SELECT hash FROM audit_log WHERE seq = ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, seq), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    const void *h = mns_stmt_blob(s, 0, &n);
    assert_int_equal(n, 32);
    memcpy(out, h, 32);
    mns_stmt_reset(s);
}

/* key id per C2SP signed-note, computed here: SHA-256(name || 0x0A || 0x01 || pub)[:4] */
static void expected_key_id(uint8_t id[4], const char *name, const uint8_t pub[32])
{
    uint8_t buf[128], h[32];
    size_t n = strlen(name);
    memcpy(buf, name, n);
    buf[n] = 0x0a;
    buf[n + 1] = 0x01;
    memcpy(buf + n + 2, pub, 32);
    assert_int_equal(mns_sha256(h, buf, n + 2 + 32), MNS_OK);
    memcpy(id, h, 4);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_note_format(void **state)
{
    struct fx *f = *state;
    uint8_t head[32], id[4], id2[4], blob[128];
    char head64[64];
    size_t len = 0, blen = 0;
    struct stat sb;
    struct mns_audit_report r;

    af_open_audit(f, f->cp, 1000, true);
    assert_int_equal(append_txn(f, 3), MNS_OK);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 0); /* not due */
    assert_int_equal(mns_audit_checkpoint(f->a, NULL), MNS_OK);

    char *file = tu_read_file(f->cp, &len);
    assert_non_null(file);
    assert_int_equal(stat(f->cp, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    /* body */
    entry_hash(f, 3, head);
    mns_base64_encode(head64, head, 32);
    char body[256];
    int blen_body = snprintf(body, sizeof(body), "mnsafe.local/audit\n3\n%s\n", head64);
    assert_true((size_t)blen_body < len);
    assert_memory_equal(file, body, (size_t)blen_body);
    /* blank line, then the signature line */
    const char *p = file + blen_body;
    assert_int_equal(p[0], '\n');
    p++;
    const char *prefix = EM_DASH " mnsafe-audit ";
    assert_memory_equal(p, prefix, strlen(prefix));
    assert_int_equal((unsigned char)p[0], 0xE2); /* U+2014, not a hyphen */
    p += strlen(prefix);
    const char *nl = strchr(p, '\n');
    assert_non_null(nl);
    assert_int_equal(mns_base64_decode(blob, sizeof(blob), &blen, p, (size_t)(nl - p)), MNS_OK);
    assert_int_equal(blen, 4 + 64);
    expected_key_id(id, "mnsafe-audit", f->pub);
    assert_memory_equal(blob, id, 4);
    mns_audit_key_id(id2, "mnsafe-audit", f->pub);
    assert_memory_equal(id2, id, 4);
    /* signature over exactly the body */
    assert_int_equal(mns_ed25519_verify(blob + 4, f->pub, body, (size_t)blen_body), MNS_OK);
    assert_int_equal(mns_ed25519_verify(blob + 4, f->pub, file, (size_t)(nl + 1 - file)), MNS_ERR_TAMPERED);
    /* the record ends with the note's newline and one empty line, nothing else */
    size_t note_len = (size_t)(nl + 1 - file);
    assert_int_equal(len, note_len + 1);
    assert_int_equal(file[note_len], '\n');

    /* the database row holds the same note */
    struct mns_stmt *s;
    bool row = false;
    size_t hl = 0;
    assert_int_equal(mns_store_prepare(f->st, &s, "SELECT entries, head_hash, note, ts FROM audit_checkpoints"),
                     MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    assert_int_equal(mns_stmt_int64(s, 0), 3);
    const void *hh = mns_stmt_blob(s, 1, &hl);
    assert_int_equal(hl, 32);
    assert_memory_equal(hh, head, 32);
    assert_int_equal(strlen(mns_stmt_text(s, 2)), note_len);
    assert_memory_equal(mns_stmt_text(s, 2), file, note_len);
    assert_true(mns_stmt_int64(s, 3) > 0);
    mns_stmt_reset(s);
    free(file);

    assert_int_equal(mns_audit_verify(f->st, f->cp, f->pub, "mnsafe-audit", &r), MNS_OK);
    assert_int_equal(r.checkpoints, 2);
    assert_int_equal(r.entries, 3);
}

static void test_every_n(void **state)
{
    struct fx *f = *state;
    struct mns_audit_report r;
    size_t len;

    af_open_audit(f, f->cp, 4, true);
    for (int i = 0; i < 10; i++)
        assert_int_equal(append_txn(f, 1), MNS_OK);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 2);
    assert_int_equal(query_int(f, "SELECT MIN(entries) FROM audit_checkpoints"), 4);
    assert_int_equal(query_int(f, "SELECT MAX(entries) FROM audit_checkpoints"), 8);
    /* a transaction that crosses the interval checkpoints its end */
    assert_int_equal(append_txn(f, 5), MNS_OK); /* 15 */
    assert_int_equal(query_int(f, "SELECT MAX(entries) FROM audit_checkpoints"), 15);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 3);

    char *file = tu_read_file(f->cp, &len);
    assert_non_null(file);
    assert_int_equal(count_substr(file, "mnsafe.local/audit\n"), 3);
    assert_int_equal(count_substr(file, "\n" EM_DASH " mnsafe-audit "), 3);
    assert_non_null(strstr(file, "mnsafe.local/audit\n4\n"));
    assert_non_null(strstr(file, "mnsafe.local/audit\n8\n"));
    assert_non_null(strstr(file, "mnsafe.local/audit\n15\n"));
    free(file);

    /* reopening knows the last checkpoint: the next is due at 19 */
    af_open_audit(f, f->cp, 4, true);
    assert_int_equal(append_txn(f, 3), MNS_OK);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 3);
    assert_int_equal(append_txn(f, 1), MNS_OK);
    assert_int_equal(query_int(f, "SELECT MAX(entries) FROM audit_checkpoints"), 19);

    assert_int_equal(mns_audit_verify(f->st, f->cp, f->pub, "mnsafe-audit", &r), MNS_OK);
    assert_int_equal(r.checkpoints, 8);
    assert_int_equal(r.entries, 19);
}

/* Group commit: the checkpoint's row is committed with the group (synced by
 * the caller later) and its note reaches the file only at
 * mns_audit_flush_file, which then writes it once. */
static void test_deferred_file_append(void **state)
{
    struct fx *f = *state;
    struct mns_audit_entry e = {.actor = "bob", .action = "person.list", .result = "ok"};
    struct mns_audit_report r;
    size_t len = 0;

    af_open_audit(f, f->cp, 4, true);
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    for (int i = 0; i < 5; i++)
        assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    assert_int_equal(mns_store_commit_unsynced(f->st), MNS_OK);
    assert_int_equal(mns_audit_commit_unsynced(f->a), MNS_OK);
    assert_int_equal(query_int(f, "SELECT MAX(entries) FROM audit_checkpoints"), 5);
    char *file = tu_read_file(f->cp, &len);
    assert_true(file == NULL || count_substr(file, "mnsafe.local/audit\n5\n") == 0);
    free(file);

    assert_int_equal(mns_store_sync(f->st), MNS_OK);
    assert_int_equal(mns_audit_flush_file(f->a), MNS_OK);
    assert_int_equal(mns_audit_flush_file(f->a), MNS_OK); /* nothing left: not twice */
    file = tu_read_file(f->cp, &len);
    assert_non_null(file);
    assert_int_equal(count_substr(file, "mnsafe.local/audit\n5\n"), 1);
    free(file);
    assert_int_equal(mns_audit_verify(f->st, f->cp, f->pub, "mnsafe-audit", &r), MNS_OK);
    assert_int_equal(r.entries, 5);
}

static void test_no_signer_no_checkpoint(void **state)
{
    struct fx *f = *state;
    struct stat sb;

    af_open_audit(f, f->cp, 1, false);
    assert_int_equal(append_txn(f, 3), MNS_OK);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 0);
    assert_int_equal(stat(f->cp, &sb), -1);
    /* once the key is set, the next commit catches up */
    assert_int_equal(mns_audit_set_signer(f->a, f->seed), MNS_OK);
    assert_int_equal(append_txn(f, 1), MNS_OK);
    assert_int_equal(query_int(f, "SELECT MAX(entries) FROM audit_checkpoints"), 4);
    assert_int_equal(stat(f->cp, &sb), 0);
}

static void test_checkpoint_idempotent(void **state)
{
    struct fx *f = *state;
    size_t len;

    af_open_audit(f, f->cp, 1000, true);
    assert_int_equal(mns_audit_checkpoint(f->a, NULL), MNS_ERR_STATE); /* empty log */
    assert_int_equal(append_txn(f, 2), MNS_OK);
    assert_int_equal(mns_audit_checkpoint(f->a, NULL), MNS_OK);
    assert_int_equal(mns_audit_checkpoint(f->a, NULL), MNS_OK);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 1);
    char *file = tu_read_file(f->cp, &len);
    assert_non_null(file);
    assert_int_equal(count_substr(file, "mnsafe.local/audit\n"), 1);
    free(file);
}

static void test_file_failure_then_retry(void **state)
{
    struct fx *f = *state;
    char sub[700], path[760];
    mns_errmsg em = {""};
    struct mns_audit_report r;
    size_t len;

    snprintf(sub, sizeof(sub), "%s/later", f->dir);
    snprintf(path, sizeof(path), "%s/checkpoints", sub);
    af_open_audit(f, path, 2, true);
    /* The directory does not exist: the act is committed, the error said. */
    assert_int_equal(append_txn(f, 2), MNS_ERR_IO);
    assert_int_equal(mns_audit_count(f->a), 2);
    assert_int_equal(query_int(f, "SELECT MAX(entries) FROM audit_checkpoints"), 2);
    /* verify sees the checkpoint missing from the file */
    assert_int_equal(mns_audit_verify(f->st, path, f->pub, "mnsafe-audit", &r), MNS_ERR_TAMPERED);
    assert_non_null(strstr(r.problem, "checkpoint file is missing"));
    assert_int_equal(mns_audit_checkpoint(f->a, &em), MNS_ERR_IO);
    assert_non_null(strstr(em.text, "cannot append"));

    /* The chain goes on meanwhile, and the next commit retries the file. */
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(append_txn(f, 1), MNS_OK);
    assert_int_equal(mns_audit_count(f->a), 3);
    char *file = tu_read_file(path, &len);
    assert_non_null(file);
    assert_non_null(strstr(file, "mnsafe.local/audit\n2\n"));
    free(file);
    assert_int_equal(mns_audit_verify(f->st, path, f->pub, "mnsafe-audit", &r), MNS_OK);
    assert_int_equal(r.entries, 3);
    assert_int_equal(r.checkpoints, 2);
    assert_int_equal(append_txn(f, 1), MNS_OK); /* 4: due again */
    assert_int_equal(mns_audit_verify(f->st, path, f->pub, "mnsafe-audit", &r), MNS_OK);
    assert_int_equal(r.checkpoints, 4);
}

static void test_store_failure(void **state)
{
    struct fx *f = *state;
    struct stat sb;
    mns_errmsg em = {""};

    af_open_audit(f, f->cp, 1000, true);
    assert_int_equal(append_txn(f, 2), MNS_OK);
    assert_int_equal(mns_store_exec(f->st, "DROP TABLE audit_checkpoints", NULL), MNS_OK);
    assert_int_equal(mns_audit_checkpoint(f->a, &em), MNS_ERR_STORE);
    assert_true(em.text[0] != '\0');
    assert_int_equal(stat(f->cp, &sb), -1); /* the file gets nothing the table lacks */
    assert_int_equal(mns_audit_count(f->a), 2);
    assert_int_equal(append_txn(f, 1), MNS_OK); /* the chain still works */
    assert_int_equal(mns_audit_count(f->a), 3);
}

static void test_key_id(void **state)
{
    struct fx *f = *state;
    uint8_t a[4], b[4], c[4], zero[4] = {0};

    mns_audit_key_id(a, "mnsafe-audit", f->pub);
    expected_key_id(b, "mnsafe-audit", f->pub);
    assert_memory_equal(a, b, 4);
    mns_audit_key_id(c, "other-name", f->pub);
    assert_memory_not_equal(a, c, 4);
    mns_audit_key_id(c, "bad name", f->pub); /* not a valid key name */
    assert_memory_equal(c, zero, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_note_format, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_every_n, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_deferred_file_append, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_no_signer_no_checkpoint, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_checkpoint_idempotent, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_file_failure_then_retry, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_store_failure, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_key_id, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
