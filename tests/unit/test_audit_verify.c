/*
 * test_audit_verify.c: tampering with the log through plain SQL (and with
 * the checkpoint file), and verify naming where it happened.
 *
 * Each test starts from 20 entries with a checkpoint every 5 (at 5, 10, 15,
 * 20), in the database and in the file, and an intact verification.
 */
#include "audit_fixture.h"
#include "audit/internal.h" /* audit_entry_hash, for the rewritten-chain test */

#define KEY "mnsafe-audit"

static void append_txn(struct fx *f, unsigned n)
{
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    for (unsigned i = 0; i < n; i++) {
        char detail[32];
        snprintf(detail, sizeof(detail), "step %u", i);
        struct mns_audit_entry e = {.actor = i % 2 ? "alice" : "bob", .action = "person.reveal",
                                    .tenant_id = 1, .subject = "person:3", .purpose = "payroll",
                                    .result = "ok", .client = "10.0.0.1", .detail = detail};
        assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    }
    assert_int_equal(mns_store_commit(f->st), MNS_OK);
    assert_int_equal(mns_audit_commit(f->a), MNS_OK);
}

static int fx_setup(void **state)
{
    struct fx *f = af_new("audit-verify");
    memset(f->seed, 0x5a, sizeof(f->seed));
    assert_int_equal(mns_ed25519_public(f->pub, f->seed), MNS_OK);

    af_open_audit(f, f->cp, 5, true);
    for (int i = 0; i < 4; i++)
        append_txn(f, 5);
    assert_int_equal(mns_audit_verify(f->st, f->cp, f->pub, KEY, &f->r), MNS_OK);
    assert_int_equal(f->r.entries, 20);
    assert_int_equal(f->r.checkpoints, 8);
    *state = f;
    return 0;
}

static void exec(struct fx *f, const char *sql)
{
    mns_errmsg em = {""};
    if (mns_store_exec(f->st, sql, &em) != MNS_OK)
        fail_msg("%s: %s", sql, em.text);
}

/* verify (with the file when with_file) must fail naming `want` (both
 * languages are in the text) and first_bad_seq */
static void expect_tampered(struct fx *f, bool with_file, const char *want, uint64_t bad_seq)
{
    mns_err err = mns_audit_verify(f->st, with_file ? f->cp : NULL, f->pub, KEY, &f->r);
    if (err != MNS_ERR_TAMPERED || strstr(f->r.problem, want) == NULL)
        fail_msg("verify gave %s, \"%s\"; wanted \"%s\"", mns_err_name(err), f->r.problem, want);
    assert_non_null(strstr(f->r.problem, " / "));
    assert_int_equal(f->r.first_bad_seq, bad_seq);
}

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

static void append_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "ab");
    assert_non_null(fp);
    assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
    assert_int_equal(fclose(fp), 0);
}

/* ---- the chain ------------------------------------------------------------ */

static void test_intact(void **state)
{
    struct fx *f = *state;
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, KEY, &f->r), MNS_OK);
    assert_int_equal(f->r.entries, 20);
    assert_int_equal(f->r.checkpoints, 4);
    assert_int_equal(f->r.first_bad_seq, 0);
    assert_string_equal(f->r.problem, "");
}

static void test_edited_field(void **state)
{
    struct fx *f = *state;
    exec(f, "UPDATE audit_log SET actor = 'x' WHERE seq = 5");
    expect_tampered(f, true, "entry 5: hash does not match its content (edited?)", 5);
    assert_non_null(strstr(f->r.problem, "エントリ5：内容とハッシュが一致しません（改ざんの可能性）"));
    assert_int_equal(f->r.entries, 20);
}

static void test_edited_other_columns(void **state)
{
    struct fx *f = *state;
    exec(f, "UPDATE audit_log SET subject = NULL WHERE seq = 7");
    expect_tampered(f, false, "entry 7: hash does not match", 7);
    exec(f, "UPDATE audit_log SET subject = 'person:3' WHERE seq = 7");
    assert_int_equal(mns_audit_verify(f->st, f->cp, f->pub, KEY, &f->r), MNS_OK);
    exec(f, "UPDATE audit_log SET ts = ts + 1 WHERE seq = 11");
    expect_tampered(f, false, "entry 11: hash does not match", 11);
    exec(f, "UPDATE audit_log SET ts = ts - 1 WHERE seq = 11");
    exec(f, "UPDATE audit_log SET tenant_id = 2 WHERE seq = 20");
    expect_tampered(f, false, "entry 20: hash does not match", 20);
    exec(f, "UPDATE audit_log SET tenant_id = 1 WHERE seq = 20");
    exec(f, "UPDATE audit_log SET detail = 'step 0\nforged' WHERE seq = 1");
    expect_tampered(f, false, "entry 1: field detail is not valid", 1);
}

static void test_deleted_middle_row(void **state)
{
    struct fx *f = *state;
    exec(f, "DELETE FROM audit_log WHERE seq = 5");
    expect_tampered(f, true, "entry 5 is missing", 5);
    assert_int_equal(f->r.entries, 19);
}

static void test_deleted_and_renumbered(void **state)
{
    struct fx *f = *state;
    exec(f, "DELETE FROM audit_log WHERE seq = 5");
    exec(f, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5");
    expect_tampered(f, true, "entry 5: hash does not match", 5);
}

/* Recomputes the hash of row seq from its columns, keeping its prev_hash. */
static void rehash_row(struct fx *f, int64_t seq)
{
    struct mns_stmt *s, *u;
    bool row = false;
    size_t pl = 0;
    uint8_t prev[32], hash[32];

    assert_int_equal(mns_store_prepare(f->st, &s,
                                       "SELECT seq, ts, actor, action, tenant_id, subject, purpose, result, "
                                       "client, detail, prev_hash FROM audit_log WHERE seq = ?"),
                     MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, seq), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    memcpy(prev, mns_stmt_blob(s, 10, &pl), 32);
    struct mns_audit_entry e = {.actor = mns_stmt_text(s, 2), .action = mns_stmt_text(s, 3),
                                .tenant_id = mns_stmt_int64(s, 4), .subject = mns_stmt_text(s, 5),
                                .purpose = mns_stmt_text(s, 6), .result = mns_stmt_text(s, 7),
                                .client = mns_stmt_text(s, 8), .detail = mns_stmt_text(s, 9)};
    assert_int_equal(audit_entry_hash(hash, (uint64_t)seq, mns_stmt_int64(s, 1), &e, prev), MNS_OK);
    mns_stmt_reset(s);
    assert_int_equal(mns_store_prepare(f->st, &u, "UPDATE audit_log SET hash = ? WHERE seq = ?"), MNS_OK);
    assert_int_equal(mns_stmt_bind_blob(u, 1, hash, 32), MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(u, 2, seq), MNS_OK);
    assert_int_equal(mns_stmt_run(u), MNS_OK);
}

static void test_broken_link(void **state)
{
    struct fx *f = *state;
    /* Entry 5 removed, 6.. renumbered and each rehashed over its new seq:
     * every hash fits its row, but entry 5 (once 6) links to the old 5. */
    exec(f, "DELETE FROM audit_log WHERE seq = 5");
    exec(f, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 5");
    for (int64_t seq = 5; seq <= 19; seq++)
        rehash_row(f, seq);
    expect_tampered(f, false, "entry 5: does not link to entry 4 (removed, inserted or reordered?)", 5);
    assert_non_null(strstr(f->r.problem, "エントリ5：前のエントリとつながっていません"));
}

static void test_reordered_rows(void **state)
{
    struct fx *f = *state;
    /* Swap everything but seq between rows 3 and 4. */
    exec(f, "CREATE TEMP TABLE t AS SELECT * FROM audit_log WHERE seq IN (3, 4)");
    exec(f, "UPDATE audit_log SET "
            "ts = (SELECT ts FROM t WHERE t.seq = 7 - audit_log.seq), "
            "actor = (SELECT actor FROM t WHERE t.seq = 7 - audit_log.seq), "
            "detail = (SELECT detail FROM t WHERE t.seq = 7 - audit_log.seq), "
            "prev_hash = (SELECT prev_hash FROM t WHERE t.seq = 7 - audit_log.seq), "
            "hash = (SELECT hash FROM t WHERE t.seq = 7 - audit_log.seq) "
            "WHERE seq IN (3, 4)");
    expect_tampered(f, true, "entry 3: hash does not match", 3);
}

static void test_rewritten_chain(void **state)
{
    struct fx *f = *state;
    struct mns_stmt *s, *u;
    bool row;
    uint8_t prev[32];

    /* Edit entry 12 and recompute every hash after it, as a database
     * administrator could: the chain is whole again, the checkpoints at 15
     * and 20 are not. */
    exec(f, "UPDATE audit_log SET actor = 'mallory' WHERE seq = 12");
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    assert_int_equal(mns_store_prepare(f->st, &s,
                                       "SELECT seq, ts, actor, action, tenant_id, subject, purpose, result, "
                                       "client, detail, prev_hash FROM audit_log WHERE seq >= 12 ORDER BY seq"),
                     MNS_OK);
    struct {
        uint8_t prev[32], hash[32];
    } fix[9];
    int n = 0;
    while (mns_stmt_step(s, &row) == MNS_OK && row) {
        size_t pl;
        if (n == 0)
            memcpy(prev, mns_stmt_blob(s, 10, &pl), 32);
        struct mns_audit_entry e = {.actor = mns_stmt_text(s, 2), .action = mns_stmt_text(s, 3),
                                    .tenant_id = mns_stmt_int64(s, 4), .subject = mns_stmt_text(s, 5),
                                    .purpose = mns_stmt_text(s, 6), .result = mns_stmt_text(s, 7),
                                    .client = mns_stmt_text(s, 8), .detail = mns_stmt_text(s, 9)};
        memcpy(fix[n].prev, prev, 32);
        assert_int_equal(audit_entry_hash(fix[n].hash, (uint64_t)mns_stmt_int64(s, 0), mns_stmt_int64(s, 1), &e,
                                          prev),
                         MNS_OK);
        memcpy(prev, fix[n].hash, 32);
        n++;
    }
    mns_stmt_reset(s);
    assert_int_equal(n, 9);
    for (int i = 0; i < n; i++) {
        assert_int_equal(mns_store_prepare(f->st, &u, "UPDATE audit_log SET prev_hash = ?, hash = ? WHERE seq = ?"),
                         MNS_OK);
        assert_int_equal(mns_stmt_bind_blob(u, 1, fix[i].prev, 32), MNS_OK);
        assert_int_equal(mns_stmt_bind_blob(u, 2, fix[i].hash, 32), MNS_OK);
        assert_int_equal(mns_stmt_bind_int64(u, 3, 12 + i), MNS_OK);
        assert_int_equal(mns_stmt_run(u), MNS_OK);
    }
    assert_int_equal(mns_store_commit(f->st), MNS_OK);

    expect_tampered(f, false, "checkpoint 15 in the database: entry 15 has another hash than was signed", 15);
    expect_tampered(f, true, "entry 15 has another hash than was signed (log rewritten?)", 15);
}

/* ---- the tail ------------------------------------------------------------- */

static void test_tail_cut_seen_by_db_checkpoints(void **state)
{
    struct fx *f = *state;
    exec(f, "DELETE FROM audit_log WHERE seq > 17");
    expect_tampered(f, false,
                    "checkpoint 20 in the database: names 20 entries, the log has 17: newest entries removed", 18);
    assert_non_null(strstr(f->r.problem, "末尾のエントリが削除されています"));
    assert_int_equal(f->r.entries, 17);
}

static void test_tail_cut_seen_by_file(void **state)
{
    struct fx *f = *state;
    /* The administrator also removes the checkpoints that would tell. */
    exec(f, "DELETE FROM audit_log WHERE seq > 17");
    exec(f, "DELETE FROM audit_checkpoints WHERE entries > 17");
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, KEY, &f->r), MNS_OK); /* the DB alone can't */
    expect_tampered(f, true,
                    "note 4 in the checkpoint file: names 20 entries, the log has 17: newest entries removed", 18);
}

/* ---- the checkpoints -------------------------------------------------------- */

static void test_checkpoint_of_other_key(void **state)
{
    struct fx *f = *state;
    uint8_t other[32];
    struct mns_audit *b = NULL;
    struct mns_audit_config cfg = {f->cp, KEY, 1000};

    /* Another key under the same name signs entry 21. */
    append_txn(f, 1);
    memset(other, 0x77, sizeof(other));
    assert_int_equal(mns_audit_open(&b, f->st, &cfg, NULL), MNS_OK);
    assert_int_equal(mns_audit_set_signer(b, other), MNS_OK);
    assert_int_equal(mns_audit_checkpoint(b, NULL), MNS_OK);
    mns_audit_free(b);
    expect_tampered(f, false, "checkpoint 21 in the database: bad signature, not signed by key mnsafe-audit", 0);
    expect_tampered(f, true, "note 5 in the checkpoint file: bad signature", 0);
}

static void test_checkpoint_note_altered(void **state)
{
    struct fx *f = *state;
    /* Claim the checkpoint at 20 was at 19: the signature no longer fits. */
    exec(f, "UPDATE audit_checkpoints SET entries = 19, note = replace(note, char(10) || '20' || char(10), "
            "char(10) || '19' || char(10)) WHERE entries = 20");
    expect_tampered(f, false, "checkpoint 19 in the database: bad signature, does not verify", 0);
}

/* Adds a signature line to the note of the database checkpoint at 20. */
static void add_sig_line(struct fx *f, const char *name, bool same_key_bad_sig)
{
    struct mns_stmt *s, *u;
    bool row = false;
    char note[2048], b64[128], line[256];
    uint8_t blob[68];
    size_t n = 0;

    assert_int_equal(mns_store_prepare(f->st, &s, "SELECT note FROM audit_checkpoints WHERE entries = 20"), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    snprintf(note, sizeof(note), "%s", mns_stmt_text(s, 0));
    mns_stmt_reset(s);
    /* the existing signature line's blob: key id || signature */
    const char *b = strrchr(note, ' ') + 1;
    assert_int_equal(mns_base64_decode(blob, sizeof(blob), &n, b, strlen(b) - 1), MNS_OK);
    assert_int_equal(n, 68);
    if (same_key_bad_sig)
        blob[67] ^= 0x01;
    else
        blob[0] ^= 0x01; /* another key id: a signer we do not know */
    mns_base64_encode(b64, blob, sizeof(blob));
    snprintf(line, sizeof(line), "\xE2\x80\x94 %s %s\n", name, b64);
    /* insert it as the first signature line, before the good one */
    char *sigs = strstr(note, "\n\n");
    assert_non_null(sigs);
    sigs += 2;
    size_t ll = strlen(line), rest = strlen(sigs);
    assert_true(strlen(note) + ll < sizeof(note));
    memmove(sigs + ll, sigs, rest + 1);
    memcpy(sigs, line, ll);
    assert_int_equal(mns_store_prepare(f->st, &u, "UPDATE audit_checkpoints SET note = ? WHERE entries = 20"), MNS_OK);
    assert_int_equal(mns_stmt_bind_text(u, 1, note, -1), MNS_OK);
    assert_int_equal(mns_stmt_run(u), MNS_OK);
}

static void test_checkpoint_cosigned(void **state)
{
    struct fx *f = *state;
    /* C2SP: lines of signers we do not know are ignored... */
    add_sig_line(f, "witness.example", false);
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, KEY, &f->r), MNS_OK);
    add_sig_line(f, KEY, false); /* our name, another key id */
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, KEY, &f->r), MNS_OK);
    /* ...but a failing signature of our key fails the note, even beside a good one. */
    add_sig_line(f, KEY, true);
    expect_tampered(f, false, "checkpoint 20 in the database: bad signature, does not verify", 0);
}

static void test_checkpoint_columns_altered(void **state)
{
    struct fx *f = *state;
    exec(f, "UPDATE audit_checkpoints SET head_hash = zeroblob(32) WHERE entries = 10");
    expect_tampered(f, false, "checkpoint 10 in the database: columns differ from the signed note", 0);
}

static void test_checkpoint_file_missing(void **state)
{
    struct fx *f = *state;
    assert_int_equal(unlink(f->cp), 0);
    expect_tampered(f, true, "the checkpoint file is missing, the database has 4 checkpoints", 0);
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, KEY, &f->r), MNS_OK);
}

static void test_db_checkpoint_deleted(void **state)
{
    struct fx *f = *state;
    exec(f, "DELETE FROM audit_checkpoints WHERE entries = 10");
    expect_tampered(f, true, "checkpoint of 10 entries is in the checkpoint file but not in the database", 0);
}

static void test_file_note_dropped(void **state)
{
    struct fx *f = *state;
    struct mns_stmt *s;
    bool row;
    char text[8192] = "";
    size_t len = 0;

    /* Rewrite the file with every note but the one at 10. */
    assert_int_equal(mns_store_prepare(f->st, &s, "SELECT note FROM audit_checkpoints WHERE entries <> 10 "
                                                  "ORDER BY entries"),
                     MNS_OK);
    while (mns_stmt_step(s, &row) == MNS_OK && row)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "%s\n", mns_stmt_text(s, 0));
    mns_stmt_reset(s);
    write_file(f->cp, text);
    expect_tampered(f, true, "checkpoint of 10 entries is in the database but not in the checkpoint file", 0);
}

static void test_file_garbage(void **state)
{
    struct fx *f = *state;
    append_file(f->cp, "hello\n\n"); /* 4 records of 6 lines before it */
    expect_tampered(f, true, "checkpoint file line 25: not in checkpoint format", 0);
}

static void test_file_note_malformed(void **state)
{
    struct fx *f = *state;
    /* shaped like a note, but the hash line is no base64 */
    append_file(f->cp, "mnsafe.local/audit\n25\nnot base64\n\n\xE2\x80\x94 mnsafe-audit AAAAAAAA\n\n");
    expect_tampered(f, true, "note 5 in the checkpoint file: not a valid checkpoint note", 0);
}

static void test_file_torn_note(void **state)
{
    struct fx *f = *state;
    append_file(f->cp, "mnsafe.local/audit\n25\n");
    expect_tampered(f, true, "checkpoint file: the last note is incomplete", 0);
}

static void test_file_bad_line(void **state)
{
    struct fx *f = *state;
    append_file(f->cp, "\n");
    expect_tampered(f, true, "checkpoint file line 25: not in checkpoint format", 0);
}

static void test_bad_args(void **state)
{
    struct fx *f = *state;
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, "bad name", &f->r), MNS_ERR_INVALID);
    assert_true(f->r.problem[0] != '\0');
    assert_int_equal(mns_audit_verify(NULL, NULL, f->pub, KEY, &f->r), MNS_ERR_INVALID);
    assert_int_equal(mns_audit_verify(f->st, NULL, NULL, KEY, &f->r), MNS_ERR_INVALID);
    assert_int_equal(mns_audit_verify(f->st, NULL, f->pub, KEY, NULL), MNS_ERR_INVALID);
    /* a wrong public key: every checkpoint fails */
    uint8_t pub2[32];
    memcpy(pub2, f->pub, 32);
    pub2[0] ^= 1;
    assert_int_equal(mns_audit_verify(f->st, NULL, pub2, KEY, &f->r), MNS_ERR_TAMPERED);
    assert_non_null(strstr(f->r.problem, "checkpoint 5 in the database: bad signature"));
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
    const struct CMUnitTest tests[] = {
        T(test_intact),
        T(test_edited_field),
        T(test_edited_other_columns),
        T(test_deleted_middle_row),
        T(test_deleted_and_renumbered),
        T(test_reordered_rows),
        T(test_broken_link),
        T(test_rewritten_chain),
        T(test_tail_cut_seen_by_db_checkpoints),
        T(test_tail_cut_seen_by_file),
        T(test_checkpoint_of_other_key),
        T(test_checkpoint_note_altered),
        T(test_checkpoint_columns_altered),
        T(test_checkpoint_cosigned),
        T(test_checkpoint_file_missing),
        T(test_db_checkpoint_deleted),
        T(test_file_note_dropped),
        T(test_file_garbage),
        T(test_file_note_malformed),
        T(test_file_torn_note),
        T(test_file_bad_line),
        T(test_bad_args),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
