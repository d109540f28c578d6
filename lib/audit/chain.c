/*
 * chain.c: the hash chain of the audit log.
 *
 * Every entry is one row of audit_log, appended inside the caller's
 * transaction. The row's hash is SHA-256 over the canonical encoding below;
 * the next row holds it as prev_hash. Editing a field changes the entry's
 * hash; deleting, inserting or renumbering rows breaks the sequence or the
 * links; recomputing the whole chain (or cutting its tail) is caught by the
 * signed checkpoints (checkpoint.c), which live outside the database too.
 *
 * Canonical encoding of entry `seq` (version 1). An outside verifier can
 * recompute every hash from the columns of audit_log with this alone:
 *
 *     "mnsafe-audit-v1" 0x00          16 bytes, domain separation
 *     seq                             8 bytes, unsigned big-endian, 1, 2, 3...
 *     ts                              8 bytes, big-endian (Unix ms, >= 0)
 *     actor                           text field (below)
 *     action                          text field
 *     tenant_id                       8 bytes, big-endian two's complement
 *     subject                         text field
 *     purpose                         text field
 *     result                          text field
 *     client                          text field
 *     detail                          text field
 *     prev_hash                       32 bytes; 32 zero bytes for seq 1
 *
 *     text field = 0x00                          for SQL NULL
 *                | 0x01 || len (4 bytes, BE) || the UTF-8 bytes, no NUL
 *
 *     hash = SHA-256(encoding), stored in column hash (32 bytes).
 *
 * Sequence numbers start at 1 and have no gaps. A valid entry has non-empty
 * actor, action and result; each text field is valid UTF-8 of at most 256
 * bytes (detail: 1024) without control characters (C0, DEL, C1, U+2028,
 * U+2029, bidirectional overrides and isolates), so that a log viewer shows
 * exactly what was hashed.
 *
 * Chain state: `count`/`head` are what committed transactions hold; the
 * hashes of entries appended in the open transaction are kept in `pend`, so
 * that abort() forgets them and abort_to() returns to a savepoint.
 */
#include <string.h>
#include <time.h>

#include "audit/internal.h"

/* ---- validation ------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (at most n bytes) whose code point
 * is not a control or bidi character; 0 if invalid or banned. */
static size_t utf8_char_ok(const unsigned char *s, size_t n)
{
    uint32_t cp;
    size_t len;

    if (s[0] < 0x80) {
        return (s[0] >= 0x20 && s[0] != 0x7f) ? 1 : 0;
    } else if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1fu;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0fu;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3fu);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0; /* overlong or out of range */
    if (cp >= 0xd800 && cp <= 0xdfff)
        return 0; /* surrogate */
    if (cp >= 0x80 && cp <= 0x9f)
        return 0; /* C1 controls */
    if (cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
        (cp >= 0x2066 && cp <= 0x2069))
        return 0; /* line/paragraph separators, bidi overrides and isolates */
    return len;
}

static bool text_ok(const char *v, size_t max, bool required)
{
    if (v == NULL)
        return !required;
    size_t n = strnlen(v, max + 1);
    if (n > max || (required && n == 0))
        return false;
    const unsigned char *s = (const unsigned char *)v;
    for (size_t i = 0; i < n;) {
        size_t l = utf8_char_ok(s + i, n - i);
        if (l == 0)
            return false;
        i += l;
    }
    return true;
}

mns_err audit_entry_check(const struct mns_audit_entry *e, const char **field)
{
    const char *bad = NULL;

    if (e == NULL)
        bad = "entry";
    else if (e->time_ms < 0)
        bad = "time_ms";
    else if (!text_ok(e->actor, AUDIT_FIELD_MAX, true))
        bad = "actor";
    else if (!text_ok(e->action, AUDIT_FIELD_MAX, true))
        bad = "action";
    else if (!text_ok(e->subject, AUDIT_FIELD_MAX, false))
        bad = "subject";
    else if (!text_ok(e->purpose, AUDIT_FIELD_MAX, false))
        bad = "purpose";
    else if (!text_ok(e->result, AUDIT_FIELD_MAX, true))
        bad = "result";
    else if (!text_ok(e->client, AUDIT_FIELD_MAX, false))
        bad = "client";
    else if (!text_ok(e->detail, AUDIT_DETAIL_MAX, false))
        bad = "detail";
    if (field != NULL)
        *field = bad;
    return bad == NULL ? MNS_OK : MNS_ERR_INVALID;
}

/* ---- canonical encoding ------------------------------------------------ */

struct enc {
    uint8_t *buf;
    size_t size, len;
    bool overflow;
};

static void put(struct enc *b, const void *p, size_t n)
{
    if (b->overflow || n > b->size - b->len) {
        b->overflow = true;
        return;
    }
    memcpy(b->buf + b->len, p, n);
    b->len += n;
}

static void put_u64(struct enc *b, uint64_t v)
{
    uint8_t x[8];
    for (int i = 7; i >= 0; i--) {
        x[i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
    put(b, x, sizeof(x));
}

static void put_text(struct enc *b, const char *v)
{
    uint8_t flag = v != NULL ? 1 : 0;
    put(b, &flag, 1);
    if (v == NULL)
        return;
    size_t n = strlen(v);
    if (n > UINT32_MAX) {
        b->overflow = true;
        return;
    }
    uint8_t x[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    put(b, x, sizeof(x));
    put(b, v, n);
}

mns_err audit_entry_hash(uint8_t out[MNS_HASH_LEN], uint64_t seq, int64_t ts,
                         const struct mns_audit_entry *e, const uint8_t prev[MNS_HASH_LEN])
{
    uint8_t buf[AUDIT_ENC_MAX];
    struct enc b = {buf, sizeof(buf), 0, false};
    mns_err err;

    put(&b, AUDIT_DOMAIN, AUDIT_DOMAIN_LEN); /* the literal's NUL is byte 16 */
    put_u64(&b, seq);
    put_u64(&b, (uint64_t)ts);
    put_text(&b, e->actor);
    put_text(&b, e->action);
    put_u64(&b, (uint64_t)e->tenant_id);
    put_text(&b, e->subject);
    put_text(&b, e->purpose);
    put_text(&b, e->result);
    put_text(&b, e->client);
    put_text(&b, e->detail);
    put(&b, prev, MNS_HASH_LEN);
    if (b.overflow)
        return MNS_ERR_LIMIT;
    err = mns_sha256(out, buf, b.len);
    mns_wipe(buf, b.len); /* ids only, but no need to leave them on the stack */
    return err == MNS_OK ? MNS_OK : MNS_ERR_CRYPTO;
}

int64_t audit_now_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- lifecycle ---------------------------------------------------------- */

static mns_err load_head(struct mns_audit *a, mns_errmsg *em)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    mns_err err;

    if ((err = mns_store_prepare(a->st, &s, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")) !=
            MNS_OK ||
        (err = mns_stmt_step(s, &row)) != MNS_OK) {
        err = mns_fail(em, MNS_ERR_STORE, "cannot read the audit log: %s / 監査ログを読めません",
                       mns_store_errmsg(a->st));
        goto out;
    }
    if (row) {
        size_t hlen = 0;
        int64_t seq = mns_stmt_int64(s, 0);
        const void *h = mns_stmt_blob(s, 1, &hlen);
        if (seq < 1 || h == NULL || hlen != MNS_HASH_LEN) {
            err = mns_fail(em, MNS_ERR_TAMPERED,
                           "the newest audit entry is malformed; run audit verify / "
                           "最新の監査ログエントリが壊れています。audit verify を実行してください");
            goto out;
        }
        a->count = (uint64_t)seq;
        memcpy(a->head, h, MNS_HASH_LEN);
    }
    mns_stmt_reset(s);
    s = NULL;

    row = false;
    if ((err = mns_store_prepare(a->st, &s,
                                 "SELECT entries FROM audit_checkpoints ORDER BY entries DESC LIMIT 1")) !=
            MNS_OK ||
        (err = mns_stmt_step(s, &row)) != MNS_OK) {
        err = mns_fail(em, MNS_ERR_STORE, "cannot read the audit checkpoints: %s / 監査チェックポイントを読めません",
                       mns_store_errmsg(a->st));
        goto out;
    }
    if (row) {
        int64_t n = mns_stmt_int64(s, 0);
        a->cp_count = n > 0 ? (uint64_t)n : 0;
    }
    err = MNS_OK;
out:
    if (s != NULL)
        mns_stmt_reset(s);
    return err;
}

mns_err mns_audit_reload(struct mns_audit *a)
{
    if (a == NULL)
        return MNS_ERR_INVALID;
    if (a->pend_len > 0)
        return MNS_ERR_STATE;
    mns_err err = load_head(a, NULL);
    /* the others' checkpoints into our file; a failure here is the file's,
     * not the chain's: verify reports a note missing from the file */
    if (err == MNS_OK)
        (void)audit_adopt_notes(a);
    return err;
}

mns_err mns_audit_open(struct mns_audit **out, struct mns_store *st,
                       const struct mns_audit_config *cfg, mns_errmsg *em)
{
    struct mns_audit *a = NULL;
    const char *key_name = AUDIT_KEY_NAME_DEFAULT;
    mns_err err;

    if (out != NULL)
        *out = NULL;
    if (out == NULL || st == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "no store given / ストアが指定されていません");
    if (cfg != NULL && cfg->key_name != NULL)
        key_name = cfg->key_name;
    if (!audit_key_name_ok(key_name))
        return mns_fail(em, MNS_ERR_INVALID,
                        "audit key name must be 1-64 printable characters without spaces or '+' / "
                        "監査鍵の名前は空白と'+'を含まない1〜64文字です");
    if ((a = calloc(1, sizeof(*a))) == NULL)
        return mns_fail(em, MNS_ERR_NOMEM, "out of memory / メモリが不足しています");
    a->st = st;
    pthread_mutex_init(&a->file_lock, NULL);
    snprintf(a->key_name, sizeof(a->key_name), "%s", key_name);
    a->every = (cfg != NULL && cfg->every_entries != 0) ? cfg->every_entries : AUDIT_EVERY_DEFAULT;
    if (cfg != NULL && cfg->checkpoint_path != NULL) {
        size_t n = strnlen(cfg->checkpoint_path, 4097);
        if (n == 0 || n > 4096) {
            err = mns_fail(em, MNS_ERR_INVALID, "checkpoint file path is empty or too long / "
                                                "チェックポイントファイルのパスが空か長すぎます");
            goto out;
        }
        if ((a->checkpoint_path = strdup(cfg->checkpoint_path)) == NULL) {
            err = mns_fail(em, MNS_ERR_NOMEM, "out of memory / メモリが不足しています");
            goto out;
        }
    }
    if ((err = load_head(a, em)) != MNS_OK)
        goto out;
    *out = a;
    a = NULL;
    err = MNS_OK;
out:
    mns_audit_free(a);
    return err;
}

void mns_audit_free(struct mns_audit *a)
{
    if (a == NULL)
        return;
    if (a->seed != NULL)
        mns_secure_free(a->seed, MNS_ED25519_SEED_LEN);
    free(a->checkpoint_path);
    free(a->pend);
    audit_file_notes_release(a);
    pthread_mutex_destroy(&a->file_lock);
    mns_wipe(a, sizeof(*a));
    free(a);
}

mns_err mns_audit_set_signer(struct mns_audit *a, const uint8_t seed[MNS_ED25519_SEED_LEN])
{
    uint8_t pub[MNS_ED25519_PUB_LEN];

    if (a == NULL)
        return MNS_ERR_INVALID;
    if (seed == NULL) {
        if (a->seed != NULL)
            mns_secure_free(a->seed, MNS_ED25519_SEED_LEN);
        a->seed = NULL;
        memset(a->pub, 0, sizeof(a->pub));
        return MNS_OK;
    }
    if (mns_ed25519_public(pub, seed) != MNS_OK)
        return MNS_ERR_CRYPTO;
    if (a->seed == NULL && (a->seed = mns_secure_alloc(MNS_ED25519_SEED_LEN)) == NULL)
        return MNS_ERR_NOMEM;
    memcpy(a->seed, seed, MNS_ED25519_SEED_LEN); /* overwrites (wipes) a previous key */
    memcpy(a->pub, pub, sizeof(pub));
    return MNS_OK;
}

/* ---- appending ---------------------------------------------------------- */

static const uint8_t *pending_head(const struct mns_audit *a)
{
    return a->pend_len > 0 ? a->pend[a->pend_len - 1] : a->head;
}

static mns_err pend_reserve(struct mns_audit *a)
{
    if (a->pend_len < a->pend_cap)
        return MNS_OK;
    if (a->pend_cap >= AUDIT_PENDING_MAX)
        return MNS_ERR_LIMIT;
    size_t cap = a->pend_cap == 0 ? 16 : a->pend_cap * 2;
    if (cap > AUDIT_PENDING_MAX)
        cap = AUDIT_PENDING_MAX;
    uint8_t(*p)[MNS_HASH_LEN] = realloc(a->pend, cap * sizeof(*p));
    if (p == NULL)
        return MNS_ERR_NOMEM;
    a->pend = p;
    a->pend_cap = cap;
    return MNS_OK;
}

static mns_err bind_opt(struct mns_stmt *s, int idx, const char *v)
{
    return v != NULL ? mns_stmt_bind_text(s, idx, v, (long)strlen(v)) : mns_stmt_bind_null(s, idx);
}

mns_err mns_audit_append(struct mns_audit *a, const struct mns_audit_entry *e)
{
    uint8_t hash[MNS_HASH_LEN];
    struct mns_stmt *s = NULL;
    mns_err err;

    if (a == NULL || audit_entry_check(e, NULL) != MNS_OK)
        return MNS_ERR_INVALID;
    if ((err = pend_reserve(a)) != MNS_OK)
        return err;
    uint64_t seq = a->count + a->pend_len + 1;
    if (seq > (uint64_t)INT64_MAX)
        return MNS_ERR_LIMIT;
    int64_t ts = e->time_ms != 0 ? e->time_ms : audit_now_ms();
    const uint8_t *prev = pending_head(a);
    if ((err = audit_entry_hash(hash, seq, ts, e, prev)) != MNS_OK)
        return err;

    /* Fail closed: whatever goes wrong in the store, the caller gets
     * MNS_ERR_AUDIT and must roll the act back. */
    err = MNS_ERR_AUDIT;
    if (mns_store_prepare(a->st, &s,
                          "INSERT INTO audit_log (seq, ts, actor, action, tenant_id, subject, purpose, "
                          "result, client, detail, prev_hash, hash) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)") != MNS_OK)
        return MNS_ERR_AUDIT;
    if (mns_stmt_bind_int64(s, 1, (int64_t)seq) != MNS_OK || mns_stmt_bind_int64(s, 2, ts) != MNS_OK ||
        bind_opt(s, 3, e->actor) != MNS_OK || bind_opt(s, 4, e->action) != MNS_OK ||
        mns_stmt_bind_int64(s, 5, e->tenant_id) != MNS_OK || bind_opt(s, 6, e->subject) != MNS_OK ||
        bind_opt(s, 7, e->purpose) != MNS_OK || bind_opt(s, 8, e->result) != MNS_OK ||
        bind_opt(s, 9, e->client) != MNS_OK || bind_opt(s, 10, e->detail) != MNS_OK ||
        mns_stmt_bind_blob(s, 11, prev, MNS_HASH_LEN) != MNS_OK ||
        mns_stmt_bind_blob(s, 12, hash, MNS_HASH_LEN) != MNS_OK || mns_stmt_run(s) != MNS_OK ||
        mns_stmt_changes(s) != 1)
        goto out;
    memcpy(a->pend[a->pend_len++], hash, MNS_HASH_LEN);
    err = MNS_OK;
out:
    mns_stmt_reset(s);
    return err;
}

static mns_err commit_pending(struct mns_audit *a, bool deferred)
{
    if (a == NULL)
        return MNS_ERR_INVALID;
    if (a->pend_len > 0) {
        a->count += a->pend_len;
        memcpy(a->head, a->pend[a->pend_len - 1], MNS_HASH_LEN);
        a->pend_len = 0;
    }
    return audit_checkpoint_due(a, deferred);
}

mns_err mns_audit_commit(struct mns_audit *a)
{
    return commit_pending(a, false);
}

mns_err mns_audit_commit_unsynced(struct mns_audit *a)
{
    return commit_pending(a, true);
}

void mns_audit_abort(struct mns_audit *a)
{
    if (a != NULL)
        a->pend_len = 0;
}

uint64_t mns_audit_mark(const struct mns_audit *a)
{
    return a != NULL ? a->count + a->pend_len : 0;
}

void mns_audit_abort_to(struct mns_audit *a, uint64_t mark)
{
    if (a == NULL || mark >= a->count + a->pend_len)
        return; /* nothing appended since the mark (or a mark from the future) */
    /* A mark below the committed count cannot undo a commit: forget only
     * what is pending. */
    a->pend_len = mark > a->count ? (size_t)(mark - a->count) : 0;
}

uint64_t mns_audit_count(const struct mns_audit *a)
{
    return a != NULL ? a->count : 0;
}
