/*
 * verify.c: offline verification of the audit log.
 *
 * Trusts nothing in the database: recomputes every entry's hash from its
 * columns (encoding in chain.c), follows the prev_hash links and the sequence
 * from 1, then checks every checkpoint, from the table and from the file
 * outside the database, against the given public key and against the chain:
 *
 *  1. entries: seq 1, 2, 3... without gaps; each a valid entry; hash equal to
 *     the recomputed one; prev_hash equal to the previous entry's hash;
 *  2. each checkpoint note: well-formed, signed by (key name, public key);
 *     for a table row, its columns equal what the note says;
 *  3. each checkpoint against the log: entry <count> exists (else the newest
 *     entries were cut) and its hash is the note's head (else the log was
 *     rewritten and its chain recomputed);
 *  4. the file against the table: every note of one is in the other (the
 *     file is missing, a row was deleted, or a file write failed).
 *
 * The first problem found is reported, in English and Japanese; verification
 * goes on to count the rest. verify() runs no transaction of its own (the
 * caller may hold one); to be exact while a writer appends, it reads the file
 * before the checkpoint table (the table gets a note before the file does)
 * and looks a checkpoint's entry up when it checks it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "audit/internal.h"

struct cp {
    uint64_t count;
    uint8_t head[MNS_HASH_LEN];
    bool in_file;
    uint64_t no; /* note number in the file (1-based) */
};

struct cplist {
    struct cp *v;
    size_t n, cap;
};

struct vctx {
    struct mns_store *st;
    const uint8_t *pub;
    const char *key_name;
    struct mns_audit_report *r;
    uint64_t rows;     /* rows of audit_log read */
    uint64_t problems; /* problems found */
    bool quiet;        /* re-reading the file: collect, report nothing */
};

static void problem(struct vctx *c, uint64_t bad_seq, const char *fmt, ...) MNS_PRINTF(3, 4);

static void problem(struct vctx *c, uint64_t bad_seq, const char *fmt, ...)
{
    if (c->quiet)
        return;
    c->problems++;
    if (c->r->problem[0] == '\0') {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->r->problem, sizeof(c->r->problem), fmt, ap);
        va_end(ap);
    }
    if (c->r->first_bad_seq == 0 && bad_seq != 0)
        c->r->first_bad_seq = bad_seq;
}

/* Sets the problem text for a failure that stops verification. */
static mns_err stop(struct vctx *c, mns_err err, const char *what)
{
    const char *why = err == MNS_ERR_STORE ? mns_store_errmsg(c->st) : mns_strerror(err);
    if (c->problems == 0) /* else the first problem found stays the report */
        snprintf(c->r->problem, sizeof(c->r->problem), "cannot verify, %s: %s / 検証できません（%s）",
                 what, why, mns_strerror_ja(err));
    return err;
}

static mns_err cp_push(struct cplist *l, const struct cp *x)
{
    if (l->n == l->cap) {
        if (l->cap >= AUDIT_VERIFY_CHECKPOINTS_MAX)
            return MNS_ERR_LIMIT;
        size_t cap = l->cap == 0 ? 64 : l->cap * 2;
        struct cp *v = realloc(l->v, cap * sizeof(*v));
        if (v == NULL)
            return MNS_ERR_NOMEM;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = *x;
    return MNS_OK;
}

static void cp_release(struct cplist *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

static int cp_cmp(const void *x, const void *y);

static void cp_sort(struct cplist *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), cp_cmp);
}

static int cp_cmp(const void *x, const void *y)
{
    const struct cp *a = x, *b = y;
    if (a->count != b->count)
        return a->count < b->count ? -1 : 1;
    return memcmp(a->head, b->head, MNS_HASH_LEN);
}

static bool cp_contains(const struct cplist *sorted, const struct cp *x)
{
    return sorted->n > 0 && bsearch(x, sorted->v, sorted->n, sizeof(*x), cp_cmp) != NULL;
}

/* How a checkpoint is named in a report: "checkpoint 120 in the database"
 * (a row is known by its entry count) or "note 3 in the checkpoint file". */
#define WHERE_MAX 128
static void cp_where(char en[WHERE_MAX], char ja[WHERE_MAX], const struct cp *x)
{
    if (x->in_file) {
        snprintf(en, WHERE_MAX, "note %" PRIu64 " in the checkpoint file", x->no);
        snprintf(ja, WHERE_MAX, "チェックポイントファイルのノート%" PRIu64, x->no);
    } else {
        snprintf(en, WHERE_MAX, "checkpoint %" PRIu64 " in the database", x->count);
        snprintf(ja, WHERE_MAX, "データベースのチェックポイント%" PRIu64, x->count);
    }
}

/* ---- 1. the chain ------------------------------------------------------- */

static const char *col_text(struct mns_stmt *s, int col)
{
    return mns_stmt_is_null(s, col) ? NULL : mns_stmt_text(s, col);
}

static mns_err check_chain(struct vctx *c)
{
    struct mns_stmt *s = NULL;
    uint8_t prev[MNS_HASH_LEN] = {0}, h[MNS_HASH_LEN];
    uint64_t expect = 1;
    bool row, broken = false;
    mns_err err;

    if ((err = mns_store_prepare(c->st, &s,
                                 "SELECT seq, ts, actor, action, tenant_id, subject, purpose, result, "
                                 "client, detail, prev_hash, hash FROM audit_log ORDER BY seq")) != MNS_OK)
        return stop(c, MNS_ERR_STORE, "reading the audit log");
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        c->rows++;
        if (broken)
            continue; /* what follows a break cannot be judged; count the rows */
        int64_t seq = mns_stmt_int64(s, 0);
        if (seq < 0 || (uint64_t)seq != expect) {
            problem(c, expect,
                    "entry %" PRIu64 " is missing (deleted or renumbered?) / "
                    "エントリ%" PRIu64 "がありません（削除または番号の書き換えの可能性）",
                    expect, expect);
            broken = true;
            continue;
        }
        struct mns_audit_entry e = {
            .time_ms = mns_stmt_int64(s, 1),
            .actor = col_text(s, 2),
            .action = col_text(s, 3),
            .tenant_id = mns_stmt_int64(s, 4),
            .subject = col_text(s, 5),
            .purpose = col_text(s, 6),
            .result = col_text(s, 7),
            .client = col_text(s, 8),
            .detail = col_text(s, 9),
        };
        size_t plen = 0, hlen = 0;
        const void *ph = mns_stmt_blob(s, 10, &plen);
        const void *hh = mns_stmt_blob(s, 11, &hlen);
        const char *field = NULL;
        if (ph == NULL || hh == NULL || plen != MNS_HASH_LEN || hlen != MNS_HASH_LEN) {
            problem(c, expect,
                    "entry %" PRIu64 ": hash columns are malformed (edited?) / "
                    "エントリ%" PRIu64 "：ハッシュ列が壊れています（改ざんの可能性）",
                    expect, expect);
        } else if (audit_entry_check(&e, &field) != MNS_OK) {
            problem(c, expect,
                    "entry %" PRIu64 ": field %s is not valid (edited?) / "
                    "エントリ%" PRIu64 "：%s の値が不正です（改ざんの可能性）",
                    expect, field, expect, field);
        } else if ((err = audit_entry_hash(h, expect, e.time_ms, &e, ph)) != MNS_OK) {
            mns_stmt_reset(s);
            return stop(c, err, "hashing an entry");
        } else if (!mns_equal(h, hh, MNS_HASH_LEN)) {
            problem(c, expect,
                    "entry %" PRIu64 ": hash does not match its content (edited?) / "
                    "エントリ%" PRIu64 "：内容とハッシュが一致しません（改ざんの可能性）",
                    expect, expect);
        } else if (!mns_equal(ph, prev, MNS_HASH_LEN)) {
            problem(c, expect,
                    "entry %" PRIu64 ": does not link to entry %" PRIu64 " (removed, inserted or reordered?) / "
                    "エントリ%" PRIu64 "：前のエントリとつながっていません（削除・挿入・並べ替えの可能性）",
                    expect, expect - 1, expect);
        } else {
            memcpy(prev, hh, MNS_HASH_LEN);
            expect++;
            continue;
        }
        broken = true;
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return stop(c, MNS_ERR_STORE, "reading the audit log");
    c->r->entries = c->rows;
    return MNS_OK;
}

/* ---- 2. checkpoint notes ------------------------------------------------- */

/* Checks one note; a valid one goes to list. db_head is the table row's
 * head_hash (NULL for a file note). */
static mns_err check_note(struct vctx *c, struct cplist *list, const char *text, size_t len, struct cp *x,
                          const void *db_head, size_t db_head_len)
{
    enum audit_note_status status;
    uint64_t count = 0;
    uint8_t head[MNS_HASH_LEN];
    char en[WHERE_MAX], ja[WHERE_MAX];
    mns_err err;

    if (!c->quiet)
        c->r->checkpoints++;
    cp_where(en, ja, x);
    if ((err = audit_note_open(&status, &count, head, text, len, c->key_name, c->pub)) != MNS_OK)
        return stop(c, err, "checking a checkpoint signature");
    switch (status) {
    case AUDIT_NOTE_OK:
        break;
    case AUDIT_NOTE_MALFORMED:
        problem(c, 0, "%s: not a valid checkpoint note (edited?) / %s：チェックポイントの形式が正しくありません（改ざんの可能性）",
                en, ja);
        return MNS_OK;
    case AUDIT_NOTE_UNSIGNED:
        problem(c, 0, "%s: bad signature, not signed by key %s / %s：署名が不正です（鍵 %s の署名がありません）", en,
                c->key_name, ja, c->key_name);
        return MNS_OK;
    case AUDIT_NOTE_BAD_SIG:
    default:
        problem(c, 0, "%s: bad signature, does not verify (forged or altered?) / %s：署名が一致しません（偽造・改ざんの可能性）",
                en, ja);
        return MNS_OK;
    }
    if (!x->in_file &&
        (count != x->count || db_head == NULL || db_head_len != MNS_HASH_LEN || memcmp(head, db_head, MNS_HASH_LEN) != 0)) {
        problem(c, 0, "%s: columns differ from the signed note (edited?) / %s：列の値が署名済みの内容と一致しません（改ざんの可能性）",
                en, ja);
        return MNS_OK;
    }
    x->count = count;
    memcpy(x->head, head, MNS_HASH_LEN);
    if ((err = cp_push(list, x)) != MNS_OK)
        return stop(c, err, "too many checkpoints");
    return MNS_OK;
}

/* 1: a line (without "\n") in buf; 0: end of file; -1: too long or holds a
 * NUL; -2: the last line has no "\n"; -3: read error. */
static int read_line(FILE *f, char *buf, size_t size, size_t *n)
{
    size_t i = 0;
    int ch;

    while ((ch = getc(f)) != EOF) {
        if (ch == '\n') {
            buf[i] = '\0';
            *n = i;
            return 1;
        }
        if (ch == 0 || i + 1 >= size)
            return -1;
        buf[i++] = (char)ch;
    }
    if (ferror(f))
        return -3;
    *n = i;
    return i == 0 ? 0 : -2;
}

/* Reads the checkpoint file (format in checkpoint.c). */
static mns_err load_file(struct vctx *c, const char *path, struct cplist *list, bool *missing)
{
    char rec[AUDIT_NOTE_MAX + 1], line[AUDIT_NOTE_MAX + 1];
    size_t rlen = 0, n = 0;
    unsigned lines = 0; /* lines of the record so far */
    uint64_t lineno = 0, recno = 0;
    mns_err err = MNS_OK;
    FILE *f;

    *missing = false;
    if ((f = fopen(path, "re")) == NULL) {
        if (errno == ENOENT) {
            *missing = true;
            return MNS_OK;
        }
        return stop(c, MNS_ERR_IO, "opening the checkpoint file");
    }
    for (;;) {
        int r = read_line(f, line, sizeof(line), &n);
        lineno++;
        if (r == 0) {
            if (rlen > 0)
                problem(c, 0, "checkpoint file: the last note is incomplete (cut?) / "
                              "チェックポイントファイル：最後のノートが途中で切れています");
            break;
        }
        if (r == -3) {
            err = stop(c, MNS_ERR_IO, "reading the checkpoint file");
            break;
        }
        if (r == -2) {
            problem(c, 0, "checkpoint file: the last note is incomplete (cut?) / "
                          "チェックポイントファイル：最後のノートが途中で切れています");
            break;
        }
        if (n == 0 && lines >= 5) { /* the empty line that ends a record */
            struct cp x = {.in_file = true, .no = ++recno};
            if ((err = check_note(c, list, rec, rlen, &x, NULL, 0)) != MNS_OK)
                break;
            rlen = 0;
            lines = 0;
            continue;
        }
        /* The shape of a record: origin, two non-empty lines, an empty
         * line, signature lines. The note's content is checked as a whole. */
        bool shape = r > 0;
        if (shape && lines == 0)
            shape = n == strlen(MNS_AUDIT_ORIGIN) && memcmp(line, MNS_AUDIT_ORIGIN, n) == 0;
        else if (shape && lines < 3)
            shape = n > 0;
        else if (shape && lines == 3)
            shape = n == 0;
        else if (shape)
            shape = n >= strlen(AUDIT_EM_DASH " ") && memcmp(line, AUDIT_EM_DASH " ", strlen(AUDIT_EM_DASH " ")) == 0;
        if (!shape) {
            problem(c, 0, "checkpoint file line %" PRIu64 ": not in checkpoint format (edited?) / "
                          "チェックポイントファイル%" PRIu64 "行目：形式が正しくありません（改ざんの可能性）",
                    lineno, lineno);
            break;
        }
        if (n + 1 > sizeof(rec) - 1 - rlen) {
            problem(c, 0, "checkpoint file line %" PRIu64 ": not in checkpoint format (edited?) / "
                          "チェックポイントファイル%" PRIu64 "行目：形式が正しくありません（改ざんの可能性）",
                    lineno, lineno);
            break;
        }
        memcpy(rec + rlen, line, n);
        rec[rlen + n] = '\n';
        rlen += n + 1;
        lines++;
    }
    fclose(f);
    return err;
}

static mns_err load_table(struct vctx *c, struct cplist *list)
{
    struct mns_stmt *s = NULL;
    bool row;
    mns_err err;

    if ((err = mns_store_prepare(c->st, &s, "SELECT entries, head_hash, note FROM audit_checkpoints "
                                            "ORDER BY entries")) != MNS_OK)
        return stop(c, MNS_ERR_STORE, "reading the audit checkpoints");
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        int64_t entries = mns_stmt_int64(s, 0);
        size_t hlen = 0;
        const void *h = mns_stmt_blob(s, 1, &hlen);
        const char *note = mns_stmt_text(s, 2);
        struct cp x = {.count = entries > 0 ? (uint64_t)entries : 0};
        if ((err = check_note(c, list, note, note != NULL ? strnlen(note, AUDIT_NOTE_MAX + 1) : 0, &x, h,
                              hlen)) != MNS_OK) {
            mns_stmt_reset(s);
            return err;
        }
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return stop(c, MNS_ERR_STORE, "reading the audit checkpoints");
    return MNS_OK;
}

/* ---- 3. checkpoints against the log ------------------------------------- */

static mns_err check_against_log(struct vctx *c, const struct cp *x)
{
    static const uint8_t zero[MNS_HASH_LEN];
    struct mns_stmt *s = NULL;
    char en[WHERE_MAX], ja[WHERE_MAX];
    bool row = false, same = false;
    mns_err err;

    cp_where(en, ja, x);
    if (x->count == 0) {
        row = true;
        same = mns_equal(x->head, zero, MNS_HASH_LEN);
    } else {
        if ((err = mns_store_prepare(c->st, &s, "SELECT hash FROM audit_log WHERE seq = ?")) != MNS_OK ||
            (err = mns_stmt_bind_int64(s, 1, x->count > INT64_MAX ? INT64_MAX : (int64_t)x->count)) != MNS_OK ||
            (err = mns_stmt_step(s, &row)) != MNS_OK) {
            if (s != NULL)
                mns_stmt_reset(s);
            return stop(c, MNS_ERR_STORE, "reading the audit log");
        }
        if (row) {
            size_t hlen = 0;
            const void *h = mns_stmt_blob(s, 0, &hlen);
            same = h != NULL && hlen == MNS_HASH_LEN && mns_equal(h, x->head, MNS_HASH_LEN);
        }
        mns_stmt_reset(s);
    }
    if (!row && x->count > c->rows)
        problem(c, c->rows + 1,
                "%s: names %" PRIu64 " entries, the log has %" PRIu64 ": newest entries removed / "
                "%s：%" PRIu64 "件とありますがログは%" PRIu64 "件です。末尾のエントリが削除されています",
                en, x->count, c->rows, ja, x->count, c->rows);
    else if (!row)
        problem(c, x->count,
                "%s: names entry %" PRIu64 ", which is missing (deleted?) / "
                "%s：エントリ%" PRIu64 "がありません（削除の可能性）",
                en, x->count, ja, x->count);
    else if (!same)
        problem(c, x->count,
                "%s: entry %" PRIu64 " has another hash than was signed (log rewritten?) / "
                "%s：エントリ%" PRIu64 "のハッシュが署名時と異なります（書き換えの可能性）",
                en, x->count, ja, x->count);
    return MNS_OK;
}

/* ---- 4. file against table --------------------------------------------- */

static void report_not_in(struct vctx *c, const struct cplist *from, const struct cplist *in, bool from_file)
{
    for (size_t i = 0; i < from->n; i++) {
        if (cp_contains(in, &from->v[i]))
            continue;
        if (from_file)
            problem(c, 0,
                    "checkpoint of %" PRIu64 " entries is in the checkpoint file but not in the database "
                    "(deleted?) / %" PRIu64 "件のチェックポイントがファイルにありデータベースにありません（削除の可能性）",
                    from->v[i].count, from->v[i].count);
        else
            problem(c, 0,
                    "checkpoint of %" PRIu64 " entries is in the database but not in the checkpoint file "
                    "(write failed or file edited) / %" PRIu64 "件のチェックポイントがファイルにありません"
                    "（書き込み失敗またはファイルの改変）",
                    from->v[i].count, from->v[i].count);
    }
}

static size_t count_missing(const struct cplist *from, const struct cplist *in)
{
    size_t k = 0;
    for (size_t i = 0; i < from->n; i++)
        k += !cp_contains(in, &from->v[i]);
    return k;
}

mns_err mns_audit_verify(struct mns_store *st, const char *checkpoint_path,
                         const uint8_t pub[MNS_ED25519_PUB_LEN], const char *key_name,
                         struct mns_audit_report *report)
{
    struct vctx c = {st, pub, key_name, report, 0, 0, false};
    struct cplist db = {0}, file = {0};
    bool missing = false;
    mns_err err;

    if (report == NULL)
        return MNS_ERR_INVALID;
    memset(report, 0, sizeof(*report));
    if (st == NULL || pub == NULL || !audit_key_name_ok(key_name)) {
        snprintf(report->problem, sizeof(report->problem),
                 "no store, public key or valid key name given / ストア、公開鍵または鍵名がありません");
        return MNS_ERR_INVALID;
    }

    if ((err = check_chain(&c)) != MNS_OK)
        goto out;
    /* The file before the table: a note reaches the table first. */
    if (checkpoint_path != NULL && (err = load_file(&c, checkpoint_path, &file, &missing)) != MNS_OK)
        goto out;
    if ((err = load_table(&c, &db)) != MNS_OK)
        goto out;
    for (size_t i = 0; i < db.n; i++)
        if ((err = check_against_log(&c, &db.v[i])) != MNS_OK)
            goto out;
    for (size_t i = 0; i < file.n; i++)
        if ((err = check_against_log(&c, &file.v[i])) != MNS_OK)
            goto out;

    if (checkpoint_path != NULL && missing && db.n > 0) {
        problem(&c, 0,
                "the checkpoint file is missing, the database has %zu checkpoints (file deleted?) / "
                "チェックポイントファイルがありません（データベースには%zu件。削除の可能性）",
                db.n, db.n);
    } else if (checkpoint_path != NULL) {
        cp_sort(&db);
        cp_sort(&file);
        report_not_in(&c, &file, &db, true);
        if (count_missing(&db, &file) > 0) {
            /* A note may have reached the table after the file was read:
             * read the file once more before calling it missing there. */
            struct cplist again = {0};
            c.quiet = true;
            err = load_file(&c, checkpoint_path, &again, &missing);
            c.quiet = false;
            if (err == MNS_OK) {
                cp_sort(&again);
                report_not_in(&c, &db, &again, false);
            }
            cp_release(&again);
            if (err != MNS_OK)
                goto out;
        }
    }
    err = MNS_OK;
out:
    /* A problem found is the verdict even if reading stopped later on. */
    if (c.problems > 0)
        err = MNS_ERR_TAMPERED;
    cp_release(&db);
    cp_release(&file);
    return err;
}
