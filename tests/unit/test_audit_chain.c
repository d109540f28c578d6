/*
 * test_audit_chain.c: appending to the audit chain, the canonical encoding
 * (recomputed here from the documented format, independently of chain.c),
 * transactions, savepoints, validation and failing closed.
 */
#include "audit_fixture.h"

/* ---- fixture: a migrated store in a fresh temp dir (audit_fixture.h) ---- */

static int fx_setup(void **state)
{
    *state = af_new("audit-chain");
    return 0;
}

static struct mns_audit_entry entry(const char *action)
{
    struct mns_audit_entry e = {.actor = "alice", .action = action, .tenant_id = 7,
                                .subject = "person:1", .purpose = "payroll", .result = "ok",
                                .client = "127.0.0.1", .detail = NULL};
    return e;
}

/* Appends n entries in one transaction and commits. */
static void append_txn(struct fx *f, unsigned n)
{
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    for (unsigned i = 0; i < n; i++) {
        struct mns_audit_entry e = entry("person.reveal");
        assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    }
    assert_int_equal(mns_store_commit(f->st), MNS_OK);
    assert_int_equal(mns_audit_commit(f->a), MNS_OK);
}

static mns_err verify(struct fx *f, struct mns_audit_report *r)
{
    static const uint8_t pub[MNS_ED25519_PUB_LEN]; /* no checkpoints in these tests */
    return mns_audit_verify(f->st, NULL, pub, "mnsafe-audit", r);
}

/* ---- the encoding, written from the comment in chain.c ------------------ */

struct buf {
    uint8_t b[4096];
    size_t n;
};

static void b_u64(struct buf *b, uint64_t v)
{
    for (int i = 7; i >= 0; i--)
        b->b[b->n++] = (uint8_t)(v >> (8 * i));
}

static void b_text(struct buf *b, const char *v)
{
    if (v == NULL) {
        b->b[b->n++] = 0;
        return;
    }
    uint32_t n = (uint32_t)strlen(v);
    b->b[b->n++] = 1;
    b->b[b->n++] = (uint8_t)(n >> 24);
    b->b[b->n++] = (uint8_t)(n >> 16);
    b->b[b->n++] = (uint8_t)(n >> 8);
    b->b[b->n++] = (uint8_t)n;
    memcpy(b->b + b->n, v, n);
    b->n += n;
}

static void expected_hash(uint8_t out[32], uint64_t seq, int64_t ts, const struct mns_audit_entry *e,
                          const uint8_t prev[32])
{
    struct buf b = {.n = 0};
    memcpy(b.b, "mnsafe-audit-v1\0", 16);
    b.n = 16;
    b_u64(&b, seq);
    b_u64(&b, (uint64_t)ts);
    b_text(&b, e->actor);
    b_text(&b, e->action);
    b_u64(&b, (uint64_t)e->tenant_id);
    b_text(&b, e->subject);
    b_text(&b, e->purpose);
    b_text(&b, e->result);
    b_text(&b, e->client);
    b_text(&b, e->detail);
    memcpy(b.b + b.n, prev, 32);
    b.n += 32;
    assert_int_equal(mns_sha256(out, b.b, b.n), MNS_OK);
}

/* Reads the row of seq: ts, prev_hash, hash. */
static void read_row(struct fx *f, int64_t seq, int64_t *ts, uint8_t prev[32], uint8_t hash[32])
{
    struct mns_stmt *s;
    bool row = false;
    size_t n1 = 0, n2 = 0;
    assert_int_equal(mns_store_prepare(f->st, &s, "SELECT ts, prev_hash, hash FROM audit_log WHERE seq = ?"),
                     MNS_OK);
    assert_int_equal(mns_stmt_bind_int64(s, 1, seq), MNS_OK);
    assert_int_equal(mns_stmt_step(s, &row), MNS_OK);
    assert_true(row);
    *ts = mns_stmt_int64(s, 0);
    const void *p = mns_stmt_blob(s, 1, &n1);
    const void *h = mns_stmt_blob(s, 2, &n2);
    assert_int_equal(n1, 32);
    assert_int_equal(n2, 32);
    memcpy(prev, p, 32);
    memcpy(hash, h, 32);
    mns_stmt_reset(s);
}

/* ---- tests ---------------------------------------------------------------- */

static void test_append_and_verify(void **state)
{
    struct fx *f = *state;
    struct mns_audit_report r;

    af_open_audit(f, f->cp, 0, false);
    assert_int_equal(mns_audit_count(f->a), 0);
    append_txn(f, 4);
    append_txn(f, 1);
    append_txn(f, 7);
    assert_int_equal(mns_audit_count(f->a), 12);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_log"), 12);
    assert_int_equal(query_int(f, "SELECT MIN(seq) FROM audit_log"), 1);
    assert_int_equal(query_int(f, "SELECT MAX(seq) FROM audit_log"), 12);
    assert_int_equal(verify(f, &r), MNS_OK);
    assert_int_equal(r.entries, 12);
    assert_int_equal(r.first_bad_seq, 0);
    assert_string_equal(r.problem, "");
}

static void test_encoding_matches_spec(void **state)
{
    struct fx *f = *state;
    uint8_t zero[32] = {0}, prev[32], hash[32], want[32], prev2[32], hash2[32];
    int64_t ts, ts2;

    af_open_audit(f, f->cp, 0, false);
    /* All fields, including a Japanese subject and empty (present) purpose. */
    struct mns_audit_entry e1 = {.time_ms = 1700000000123, .actor = "alice", .action = "person.create",
                                 .tenant_id = 42, .subject = "person:9", .purpose = "",
                                 .result = "ok", .client = "unix", .detail = "名前を変更"};
    /* NULL optional fields and a negative tenant id encode as documented. */
    struct mns_audit_entry e2 = {.time_ms = 0, .actor = "-", .action = "auth.login", .tenant_id = -1,
                                 .result = "denied:auth"};
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    assert_int_equal(mns_audit_append(f->a, &e1), MNS_OK);
    assert_int_equal(mns_audit_append(f->a, &e2), MNS_OK);
    assert_int_equal(mns_store_commit(f->st), MNS_OK);
    assert_int_equal(mns_audit_commit(f->a), MNS_OK);

    read_row(f, 1, &ts, prev, hash);
    assert_int_equal(ts, 1700000000123);
    assert_memory_equal(prev, zero, 32); /* first entry links to zeros */
    expected_hash(want, 1, ts, &e1, zero);
    assert_memory_equal(hash, want, 32);

    read_row(f, 2, &ts2, prev2, hash2);
    assert_true(ts2 > 1700000000000); /* time_ms 0: now */
    assert_memory_equal(prev2, hash, 32);
    expected_hash(want, 2, ts2, &e2, hash);
    assert_memory_equal(hash2, want, 32);

    /* NULL and empty are different: the presence flag is hashed. */
    struct mns_audit_entry e3 = e1;
    e3.purpose = NULL;
    uint8_t other[32];
    expected_hash(other, 1, ts, &e3, zero);
    assert_memory_not_equal(other, hash, 32);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_log WHERE purpose IS NULL"), 1);
}

static void test_abort_forgets(void **state)
{
    struct fx *f = *state;
    struct mns_audit_report r;
    uint8_t prev[32], hash3[32], hash4[32], p4[32];
    int64_t ts;

    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 3);
    read_row(f, 3, &ts, prev, hash3);

    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    struct mns_audit_entry e = entry("person.delete");
    assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    assert_int_equal(mns_audit_mark(f->a), 5);
    mns_store_rollback(f->st);
    mns_audit_abort(f->a);
    assert_int_equal(mns_audit_count(f->a), 3);
    assert_int_equal(mns_audit_mark(f->a), 3);

    append_txn(f, 1);
    assert_int_equal(mns_audit_count(f->a), 4);
    assert_int_equal(query_int(f, "SELECT MAX(seq) FROM audit_log"), 4); /* seq 4 reused */
    read_row(f, 4, &ts, p4, hash4);
    assert_memory_equal(p4, hash3, 32);
    assert_int_equal(verify(f, &r), MNS_OK);
    assert_int_equal(r.entries, 4);
}

static void test_savepoint(void **state)
{
    struct fx *f = *state;
    struct mns_audit_report r;
    uint8_t prev[32], h2[32], p3[32], h3[32];
    int64_t ts;

    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 1);
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    struct mns_audit_entry a = entry("a"), b = entry("b"), d = entry("d");
    assert_int_equal(mns_audit_append(f->a, &a), MNS_OK); /* seq 2 */
    uint64_t mark = mns_audit_mark(f->a);
    assert_int_equal(mark, 2);
    assert_int_equal(mns_store_savepoint(f->st, "act"), MNS_OK);
    assert_int_equal(mns_audit_append(f->a, &b), MNS_OK);
    assert_int_equal(mns_audit_append(f->a, &b), MNS_OK);
    mns_store_rollback_to(f->st, "act");
    mns_audit_abort_to(f->a, mark);
    assert_int_equal(mns_store_release(f->st, "act"), MNS_OK);
    assert_int_equal(mns_audit_mark(f->a), 2);
    assert_int_equal(mns_audit_append(f->a, &d), MNS_OK); /* seq 3, after a */
    assert_int_equal(mns_store_commit(f->st), MNS_OK);
    assert_int_equal(mns_audit_commit(f->a), MNS_OK);

    assert_int_equal(mns_audit_count(f->a), 3);
    read_row(f, 2, &ts, prev, h2);
    read_row(f, 3, &ts, p3, h3);
    assert_memory_equal(p3, h2, 32);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_log WHERE action = 'b'"), 0);
    assert_int_equal(verify(f, &r), MNS_OK);
    assert_int_equal(r.entries, 3);

    /* A mark below the committed count only drops what is pending. */
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    assert_int_equal(mns_audit_append(f->a, &d), MNS_OK);
    mns_store_rollback(f->st);
    mns_audit_abort_to(f->a, 1);
    assert_int_equal(mns_audit_mark(f->a), 3);
    assert_int_equal(mns_audit_count(f->a), 3);
}

static void test_validation(void **state)
{
    struct fx *f = *state;
    char longtext[300], longdetail[1100];

    memset(longtext, 'x', sizeof(longtext) - 1);
    longtext[sizeof(longtext) - 1] = '\0';
    memset(longdetail, 'y', sizeof(longdetail) - 1);
    longdetail[sizeof(longdetail) - 1] = '\0';

    af_open_audit(f, f->cp, 0, false);
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    struct mns_audit_entry e;
#define BAD(field, value)                                                                          \
    do {                                                                                           \
        e = entry("x");                                                                            \
        e.field = value;                                                                           \
        assert_int_equal(mns_audit_append(f->a, &e), MNS_ERR_INVALID);                             \
    } while (0)
    BAD(actor, NULL);
    BAD(actor, "");
    BAD(action, NULL);
    BAD(action, "");
    BAD(result, NULL);
    BAD(result, "");
    BAD(actor, "al\nice");
    BAD(detail, "tab\there");
    BAD(client, "x\x7f");
    BAD(subject, "\xc2\x85"); /* C1 NEL */
    BAD(purpose, "\xe2\x80\xae" "evil"); /* RIGHT-TO-LEFT OVERRIDE */
    BAD(detail, "\xff\xfe");             /* not UTF-8 */
    BAD(detail, "\xc0\xaf");             /* overlong */
    BAD(subject, longtext);
    BAD(detail, longdetail);
    BAD(time_ms, -5);
#undef BAD
    assert_int_equal(mns_audit_append(f->a, NULL), MNS_ERR_INVALID);
    /* At the limits it is fine: 256 bytes, 1024 for detail, Japanese text. */
    e = entry("x");
    longtext[256] = '\0';
    longdetail[1024] = '\0';
    e.subject = longtext;
    e.detail = longdetail;
    assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    e = entry("x");
    e.detail = "マイナンバーの提供を受けた（番号は記録しない）";
    assert_int_equal(mns_audit_append(f->a, &e), MNS_OK);
    assert_int_equal(mns_store_commit(f->st), MNS_OK);
    assert_int_equal(mns_audit_commit(f->a), MNS_OK);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_log"), 2);
    assert_int_equal(mns_audit_count(f->a), 2);
}

static void test_fail_closed_no_table(void **state)
{
    struct fx *f = *state;

    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 2);
    assert_int_equal(mns_store_exec(f->st, "DROP TABLE audit_log", NULL), MNS_OK);
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    struct mns_audit_entry e = entry("person.reveal");
    assert_int_equal(mns_audit_append(f->a, &e), MNS_ERR_AUDIT);
    mns_store_rollback(f->st);
    mns_audit_abort(f->a);
    assert_int_equal(mns_audit_count(f->a), 2);
    assert_int_equal(mns_audit_mark(f->a), 2);
}

static void test_fail_closed_other_writer(void **state)
{
    struct fx *f = *state;

    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 1);
    /* Someone else wrote seq 2 behind our back: the insert must fail, not
     * fork the chain. */
    assert_int_equal(mns_store_exec(f->st,
                                    "INSERT INTO audit_log (seq, ts, actor, action, tenant_id, result, "
                                    "prev_hash, hash) VALUES (2, 1, 'x', 'y', 0, 'ok', x'00', x'00')",
                                    NULL),
                     MNS_OK);
    assert_int_equal(mns_store_begin(f->st), MNS_OK);
    struct mns_audit_entry e = entry("person.reveal");
    assert_int_equal(mns_audit_append(f->a, &e), MNS_ERR_AUDIT);
    assert_int_equal(mns_audit_mark(f->a), 1); /* nothing pending */
    mns_store_rollback(f->st);
    mns_audit_abort(f->a);
}

static void test_fail_closed_read_only(void **state)
{
    struct fx *f = *state;
    char url[700];
    struct mns_store *ro = NULL;
    struct mns_audit *a = NULL;

    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 1);
    /* A trigger stands in for a store that refuses writes. */
    assert_int_equal(mns_store_exec(f->st,
                                    "CREATE TRIGGER no_audit BEFORE INSERT ON audit_log "
                                    "BEGIN SELECT RAISE(ABORT, 'read-only'); END",
                                    NULL),
                     MNS_OK);
    snprintf(url, sizeof(url), "sqlite:%s", f->db);
    assert_int_equal(mns_store_open(&ro, url, NULL), MNS_OK);
    assert_int_equal(mns_audit_open(&a, ro, NULL, NULL), MNS_OK);
    assert_int_equal(mns_audit_count(a), 1);
    assert_int_equal(mns_store_begin(ro), MNS_OK);
    struct mns_audit_entry e = entry("person.reveal");
    assert_int_equal(mns_audit_append(a, &e), MNS_ERR_AUDIT);
    mns_store_rollback(ro);
    mns_audit_abort(a);
    mns_audit_free(a);
    mns_store_close(ro);
}

static void test_reopen_continues(void **state)
{
    struct fx *f = *state;
    struct mns_audit_report r;

    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 5);
    af_open_audit(f, f->cp, 0, false); /* frees and opens again */
    assert_int_equal(mns_audit_count(f->a), 5);
    append_txn(f, 2);
    assert_int_equal(query_int(f, "SELECT MAX(seq) FROM audit_log"), 7);
    assert_int_equal(verify(f, &r), MNS_OK);
    assert_int_equal(r.entries, 7);
}

static void test_open_bad_args(void **state)
{
    struct fx *f = *state;
    struct mns_audit *a = (struct mns_audit *)&a;
    mns_errmsg em = {""};

    struct mns_audit_config bad_name = {NULL, "has space", 0};
    assert_int_equal(mns_audit_open(&a, f->st, &bad_name, &em), MNS_ERR_INVALID);
    assert_null(a);
    assert_true(em.text[0] != '\0');
    struct mns_audit_config plus = {NULL, "a+b", 0};
    assert_int_equal(mns_audit_open(&a, f->st, &plus, NULL), MNS_ERR_INVALID);
    assert_int_equal(mns_audit_open(&a, NULL, NULL, NULL), MNS_ERR_INVALID);
    assert_int_equal(mns_audit_append(NULL, NULL), MNS_ERR_INVALID);
    assert_int_equal(mns_audit_commit(NULL), MNS_ERR_INVALID);
    mns_audit_abort(NULL);
    mns_audit_free(NULL);

    /* A malformed head row stops open: appending after it would hide it. */
    assert_int_equal(mns_store_exec(f->st,
                                    "INSERT INTO audit_log (seq, ts, actor, action, tenant_id, result, "
                                    "prev_hash, hash) VALUES (1, 1, 'x', 'y', 0, 'ok', x'00', x'00')",
                                    NULL),
                     MNS_OK);
    assert_int_equal(mns_audit_open(&a, f->st, NULL, NULL), MNS_ERR_TAMPERED);
    assert_null(a);
    assert_int_equal(mns_store_exec(f->st, "UPDATE audit_log SET seq = 0, hash = zeroblob(32)", NULL), MNS_OK);
    assert_int_equal(mns_audit_open(&a, f->st, NULL, NULL), MNS_ERR_TAMPERED); /* seq starts at 1 */
    assert_null(a);
}

static void test_signer(void **state)
{
    struct fx *f = *state;
    uint8_t seed[32], seed2[32];
    mns_errmsg em = {""};

    memset(seed, 0x11, sizeof(seed));
    memset(seed2, 0x22, sizeof(seed2));
    af_open_audit(f, f->cp, 0, false);
    append_txn(f, 1);
    assert_int_equal(mns_audit_checkpoint(f->a, &em), MNS_ERR_STATE); /* no key */
    assert_true(em.text[0] != '\0');
    assert_int_equal(mns_audit_set_signer(f->a, seed), MNS_OK);
    assert_int_equal(mns_audit_set_signer(f->a, seed2), MNS_OK); /* replace */
    assert_int_equal(mns_audit_set_signer(f->a, NULL), MNS_OK);  /* forget */
    assert_int_equal(mns_audit_checkpoint(f->a, NULL), MNS_ERR_STATE);
    assert_int_equal(mns_audit_set_signer(NULL, seed), MNS_ERR_INVALID);
    assert_int_equal(query_int(f, "SELECT COUNT(*) FROM audit_checkpoints"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_append_and_verify, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_encoding_matches_spec, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_abort_forgets, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_savepoint, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_validation, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fail_closed_no_table, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fail_closed_other_writer, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_fail_closed_read_only, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reopen_continues, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_open_bad_args, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_signer, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
