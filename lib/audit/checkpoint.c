/*
 * checkpoint.c: signed checkpoints of the audit chain.
 *
 * A database administrator could cut the newest rows of audit_log, or
 * recompute the whole chain after editing it; the chain alone cannot show
 * that. So every `every` entries (and on demand) the head is signed with
 * Ed25519 as a C2SP signed note (https://c2sp.org/signed-note, the body as in
 * https://c2sp.org/tlog-checkpoint with the chain head for a root hash):
 *
 *     mnsafe.local/audit\n                      origin
 *     <entry count>\n                          decimal, no leading zeros
 *     <base64 of the hash of entry <count>>\n  std base64 with padding
 *     \n
 *     — <key name> <base64(key id || signature)>\n
 *
 * "—" is U+2014 (bytes E2 80 94) followed by one space. The signature is
 * Ed25519 over exactly the body bytes (the first three lines, newlines
 * included). key id = the first 4 bytes of
 * SHA-256(key name || 0x0A || 0x01 || public key), 0x01 being the C2SP
 * signature type of Ed25519.
 *
 * Each note is stored in audit_checkpoints (entries, ts, head_hash, note) in a
 * transaction of its own, and then appended to the checkpoint file, outside
 * the database, followed by fsync. Under group commit
 * (mns_audit_commit_unsynced) the row is committed without a sync and the
 * note is appended by mns_audit_flush_file once the caller's sync has made
 * the row durable, without the caller's lock: so the file never holds a
 * note whose row could still be lost.
 *
 * Checkpoint file format: a sequence of records, each one note followed by
 * one empty line ("\n"). A note has exactly three body lines, an empty line,
 * and then one or more signature lines that start with "— "; so a reader
 * splits records at the first empty line that follows a signature line
 * (the empty line after the third body line is the note's own). Example:
 *
 *     mnsafe.local/audit
 *     1000
 *     q1Yy...=
 *
 *     — mnsafe-audit AbCd...==
 *
 *     mnsafe.local/audit
 *     2000
 *     ...
 *
 * The file is opened O_APPEND|O_CREAT with mode 0600 and each record is
 * written with one write(); a failed write is truncated away. The database row
 * comes first: if the file write fails, the note is kept in memory and the
 * file write retried at the next commit; until then `audit verify` reports
 * the checkpoint as missing from the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/internal.h"

/* ---- key name and key id ------------------------------------------------ */

bool audit_key_name_ok(const char *name)
{
    if (name == NULL)
        return false;
    size_t n = strnlen(name, AUDIT_KEY_NAME_MAX + 1);
    if (n == 0 || n > AUDIT_KEY_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c <= 0x20 || c >= 0x7f || c == '+')
            return false;
    }
    return true;
}

mns_err audit_key_id(uint8_t id[4], const char *key_name, const uint8_t pub[MNS_ED25519_PUB_LEN])
{
    uint8_t buf[AUDIT_KEY_NAME_MAX + 2 + MNS_ED25519_PUB_LEN], h[MNS_HASH_LEN];
    size_t n;

    if (!audit_key_name_ok(key_name) || pub == NULL)
        return MNS_ERR_INVALID;
    n = strlen(key_name);
    memcpy(buf, key_name, n);
    buf[n++] = 0x0a;
    buf[n++] = AUDIT_SIGTYPE_ED25519;
    memcpy(buf + n, pub, MNS_ED25519_PUB_LEN);
    n += MNS_ED25519_PUB_LEN;
    if (mns_sha256(h, buf, n) != MNS_OK)
        return MNS_ERR_CRYPTO;
    memcpy(id, h, 4);
    return MNS_OK;
}

void mns_audit_key_id(uint8_t id[4], const char *key_name, const uint8_t pub[MNS_ED25519_PUB_LEN])
{
    if (id == NULL)
        return;
    if (audit_key_id(id, key_name, pub) != MNS_OK)
        memset(id, 0, 4); /* no note carries this id, so nothing verifies against it */
}

/* ---- note text -------------------------------------------------------- */

mns_err audit_note_format(char *out, size_t size, size_t *len, const char *key_name,
                          const uint8_t seed[MNS_ED25519_SEED_LEN],
                          const uint8_t pub[MNS_ED25519_PUB_LEN], uint64_t count,
                          const uint8_t head[MNS_HASH_LEN])
{
    char head64[4 * ((MNS_HASH_LEN + 2) / 3) + 1];
    uint8_t blob[4 + MNS_ED25519_SIG_LEN];
    char blob64[4 * ((sizeof(blob) + 2) / 3) + 1];
    int n, m;
    mns_err err;

    *len = 0;
    mns_base64_encode(head64, head, MNS_HASH_LEN);
    n = snprintf(out, size, "%s\n%" PRIu64 "\n%s\n", MNS_AUDIT_ORIGIN, count, head64);
    if (n < 0 || (size_t)n >= size)
        return MNS_ERR_LIMIT;
    if ((err = audit_key_id(blob, key_name, pub)) != MNS_OK)
        return err;
    if (mns_ed25519_sign(blob + 4, seed, out, (size_t)n) != MNS_OK)
        return MNS_ERR_CRYPTO;
    mns_base64_encode(blob64, blob, sizeof(blob));
    m = snprintf(out + n, size - (size_t)n, "\n" AUDIT_EM_DASH " %s %s\n", key_name, blob64);
    if (m < 0 || (size_t)m >= size - (size_t)n)
        return MNS_ERR_LIMIT;
    *len = (size_t)n + (size_t)m;
    return MNS_OK;
}

/* The line starting at *p (before end), without its "\n"; advances *p past
 * it. false if there is no complete line. */
static bool next_line(const char **p, const char *end, const char **line, size_t *n)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (*p >= end || nl == NULL)
        return false;
    *line = *p;
    *n = (size_t)(nl - *p);
    *p = nl + 1;
    return true;
}

static bool parse_count(const char *s, size_t n, uint64_t *out)
{
    uint64_t v = 0;
    if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

mns_err audit_note_open(enum audit_note_status *status, uint64_t *count,
                        uint8_t head[MNS_HASH_LEN], const char *text, size_t len,
                        const char *key_name, const uint8_t pub[MNS_ED25519_PUB_LEN])
{
    static const char dash[] = AUDIT_EM_DASH " ";
    const size_t dash_len = sizeof(dash) - 1;
    const char *p = text, *end = text + len, *line;
    size_t n, body_len, outlen, sigs = 0;
    uint8_t id[4], blob[4 + MNS_ED25519_SIG_LEN + 64];
    uint64_t cnt;
    bool found = false, good = false;
    mns_err err;

    *status = AUDIT_NOTE_MALFORMED;
    if (text == NULL || len == 0 || len > AUDIT_NOTE_MAX)
        return MNS_OK;
    /* C2SP: text is UTF-8 without control characters other than newline. */
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        if ((c < 0x20 && c != '\n') || c == 0x7f)
            return MNS_OK;
    }
    if (!next_line(&p, end, &line, &n) || n != strlen(MNS_AUDIT_ORIGIN) ||
        memcmp(line, MNS_AUDIT_ORIGIN, n) != 0)
        return MNS_OK;
    if (!next_line(&p, end, &line, &n) || !parse_count(line, n, &cnt))
        return MNS_OK;
    if (!next_line(&p, end, &line, &n) ||
        mns_base64_decode(head, MNS_HASH_LEN, &outlen, line, n) != MNS_OK || outlen != MNS_HASH_LEN)
        return MNS_OK;
    body_len = (size_t)(p - text);
    if (!next_line(&p, end, &line, &n) || n != 0)
        return MNS_OK;
    if ((err = audit_key_id(id, key_name, pub)) != MNS_OK)
        return err;
    while (p < end) {
        const char *name, *sp, *b64;
        if (!next_line(&p, end, &line, &n) || n < dash_len || memcmp(line, dash, dash_len) != 0 ||
            ++sigs > AUDIT_NOTE_SIGS_MAX)
            return MNS_OK;
        name = line + dash_len;
        sp = memchr(name, ' ', n - dash_len);
        if (sp == NULL || sp == name)
            return MNS_OK;
        b64 = sp + 1;
        if (mns_base64_decode(blob, sizeof(blob), &outlen, b64, (size_t)(line + n - b64)) != MNS_OK ||
            outlen < 5)
            return MNS_OK;
        if ((size_t)(sp - name) != strlen(key_name) || memcmp(name, key_name, (size_t)(sp - name)) != 0 ||
            outlen != 4 + MNS_ED25519_SIG_LEN || memcmp(blob, id, 4) != 0)
            continue; /* another signer's line: ignored, as C2SP says */
        found = true;
        err = mns_ed25519_verify(blob + 4, pub, text, body_len);
        if (err == MNS_OK)
            good = true;
        else if (err != MNS_ERR_TAMPERED)
            return MNS_ERR_CRYPTO;
        else {
            good = false;
            break; /* a known key whose signature fails makes the note fail */
        }
    }
    if (sigs == 0)
        return MNS_OK;
    *status = good ? AUDIT_NOTE_OK : found ? AUDIT_NOTE_BAD_SIG : AUDIT_NOTE_UNSIGNED;
    if (good)
        *count = cnt;
    return MNS_OK;
}

/* ---- the file --------------------------------------------------------- */

static mns_err fsync_parent(const char *path)
{
    char dir[4097];
    const char *slash = strrchr(path, '/');
    size_t n = slash == NULL || slash == path ? 1 : (size_t)(slash - path);
    int fd, r, e;

    if (n >= sizeof(dir))
        return MNS_ERR_IO;
    if (slash == NULL)
        memcpy(dir, ".", 2);
    else {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return MNS_ERR_IO;
    r = fsync(fd);
    e = errno;
    close(fd);
    errno = e;
    /* Some file systems cannot fsync a directory (EINVAL): nothing to do. */
    return (r == 0 || e == EINVAL) ? MNS_OK : MNS_ERR_IO;
}

/* On failure errno tells why. */
mns_err audit_file_append(const char *path, const char *record, size_t len)
{
    struct stat sb;
    size_t done = 0;
    bool created = true;
    int fd, e = EIO;

    fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 && errno == EEXIST) {
        created = false;
        fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
    }
    if (fd < 0)
        return MNS_ERR_IO;
    if (fstat(fd, &sb) != 0) {
        e = errno;
        goto fail;
    }
    if (!S_ISREG(sb.st_mode)) {
        e = EINVAL;
        goto fail;
    }
    while (done < len) {
        ssize_t w = write(fd, record + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            e = w < 0 ? errno : EIO;
            /* Leave no torn record for the next one to run into; should the
             * truncation fail too, verify reports the torn record. */
            if (done > 0 && ftruncate(fd, sb.st_size) != 0)
                e = errno;
            goto fail;
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0) {
        e = errno;
        goto fail;
    }
    if (close(fd) != 0)
        return MNS_ERR_IO;
    return created ? fsync_parent(path) : MNS_OK;
fail:
    close(fd);
    errno = e;
    return MNS_ERR_IO;
}

/* ---- several servers ----------------------------------------------------- */

/* The whole file as NUL-terminated text (malloc'ed), or NULL. */
static char *audit_read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t cap = 0, n = 0;
    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        if (n + 4096 + 1 > cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            char *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, 4096, f);
        n += got;
        if (got < 4096)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/*
 * Each server appends its own notes to its own file; with several servers on
 * one database the others' notes are copied in here, read from the table
 * (a forged one would fail verification from the file as from the table).
 * Notes already in the file (found by their exact text) are skipped. Looked
 * at: every note above the newest adopted one, less a margin for notes that
 * another server stored late for an older head.
 */
mns_err audit_adopt_notes(struct mns_audit *a)
{
    struct mns_stmt *s = NULL;
    bool row = false;
    mns_err err = MNS_OK;
    size_t flen = 0;
    char *file = NULL;
    uint64_t margin = (uint64_t)a->every * 64, floor = a->adopted_upto > margin ? a->adopted_upto - margin : 0;

    if (a->checkpoint_path == NULL || a->cp_count <= a->adopted_upto)
        return MNS_OK;
    pthread_mutex_lock(&a->file_lock);
    file = audit_read_text(a->checkpoint_path, &flen);
    if ((err = mns_store_prepare(a->st, &s, "SELECT entries, note FROM audit_checkpoints WHERE entries > ? "
                                            "ORDER BY entries")) != MNS_OK ||
        (err = mns_stmt_bind_int64(s, 1, (int64_t)floor)) != MNS_OK)
        goto out;
    while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        int64_t entries = mns_stmt_int64(s, 0);
        const char *note = mns_stmt_text(s, 1);
        size_t len = note != NULL ? strlen(note) : 0;
        char record[AUDIT_NOTE_MAX + 2];
        if (len == 0 || len > AUDIT_NOTE_MAX)
            continue;
        if (file == NULL || strstr(file, note) == NULL) {
            memcpy(record, note, len);
            record[len] = '\n';
            if (audit_file_append(a->checkpoint_path, record, len + 1) != MNS_OK) {
                err = MNS_ERR_IO;
                break;
            }
        }
        if ((uint64_t)entries > a->adopted_upto)
            a->adopted_upto = (uint64_t)entries;
    }
out:
    if (s != NULL)
        mns_stmt_reset(s);
    pthread_mutex_unlock(&a->file_lock);
    free(file);
    return err;
}

/* ---- writing checkpoints ------------------------------------------------- */

static mns_err db_insert(struct mns_audit *a, const char *note, size_t len, bool unsynced, mns_errmsg *em)
{
    struct mns_stmt *s = NULL;
    mns_err err;

    if (mns_store_begin(a->st) != MNS_OK)
        return mns_fail(em, MNS_ERR_STORE, "cannot store the audit checkpoint: %s / "
                                           "監査チェックポイントを保存できません",
                        mns_store_errmsg(a->st));
    if ((err = mns_store_prepare(a->st, &s, "INSERT INTO audit_checkpoints (entries, ts, head_hash, note) "
                                            "VALUES (?, ?, ?, ?)")) != MNS_OK ||
        (err = mns_stmt_bind_int64(s, 1, (int64_t)a->count)) != MNS_OK ||
        (err = mns_stmt_bind_int64(s, 2, audit_now_ms())) != MNS_OK ||
        (err = mns_stmt_bind_blob(s, 3, a->head, MNS_HASH_LEN)) != MNS_OK ||
        (err = mns_stmt_bind_text(s, 4, note, (long)len)) != MNS_OK || (err = mns_stmt_run(s)) != MNS_OK) {
        err = mns_fail(em, MNS_ERR_STORE, "cannot store the audit checkpoint: %s / "
                                          "監査チェックポイントを保存できません",
                       mns_store_errmsg(a->st));
        if (s != NULL)
            mns_stmt_reset(s);
        mns_store_rollback(a->st);
        return err;
    }
    mns_stmt_reset(s);
    if ((unsynced ? mns_store_commit_unsynced(a->st) : mns_store_commit(a->st)) != MNS_OK) {
        err = mns_fail(em, MNS_ERR_STORE, "cannot store the audit checkpoint: %s / "
                                          "監査チェックポイントを保存できません",
                       mns_store_errmsg(a->st));
        mns_store_rollback(a->st);
        return err;
    }
    return MNS_OK;
}

void audit_file_notes_release(struct mns_audit *a)
{
    while (a->file_head != NULL) {
        struct audit_file_note *n = a->file_head;
        a->file_head = n->next;
        free(n);
    }
    a->file_tail = NULL;
    a->file_waiting = 0;
}

/* Queues a note for the file (file_lock held). */
static mns_err file_note_add(struct mns_audit *a, const char *note, size_t len, uint64_t count)
{
    struct audit_file_note *n = malloc(sizeof(*n) + len + 1);
    if (n == NULL)
        return MNS_ERR_NOMEM;
    n->next = NULL;
    n->count = count;
    memcpy(n->text, note, len);
    n->text[len] = '\n';
    n->len = len + 1;
    if (a->file_tail != NULL)
        a->file_tail->next = n;
    else
        a->file_head = n;
    a->file_tail = n;
    if (++a->file_waiting > AUDIT_FILE_WAITING_MAX) {
        struct audit_file_note *old = a->file_head;
        a->file_head = old->next;
        a->file_waiting--;
        free(old);
    }
    return MNS_OK;
}

/* Appends, in one write and one fsync, the waiting notes of at most upto
 * entries (those whose rows the caller's sync made durable). */
static mns_err flush_file(struct mns_audit *a, uint64_t upto, mns_errmsg *em)
{
    mns_err err = MNS_OK;
    pthread_mutex_lock(&a->file_lock);
    if (a->checkpoint_path == NULL) {
        audit_file_notes_release(a);
        goto out;
    }
    size_t total = 0, k = 0;
    for (struct audit_file_note *n = a->file_head; n != NULL && n->count <= upto; n = n->next)
        total += n->len, k++;
    if (k == 0)
        goto out;
    char *buf = malloc(total);
    if (buf == NULL) {
        err = mns_fail(em, MNS_ERR_NOMEM, "out of memory / メモリが不足しています");
        goto out;
    }
    size_t at = 0;
    struct audit_file_note *n = a->file_head;
    for (size_t i = 0; i < k; i++, n = n->next) {
        memcpy(buf + at, n->text, n->len);
        at += n->len;
    }
    if (audit_file_append(a->checkpoint_path, buf, total) != MNS_OK) {
        char why[128];
        /* GNU strerror_r (_GNU_SOURCE) */
        err = mns_fail(em, MNS_ERR_IO, "cannot append the audit checkpoint to %s: %s / "
                                       "監査チェックポイントをファイルに書き込めません",
                       a->checkpoint_path, strerror_r(errno, why, sizeof(why)));
    } else {
        for (size_t i = 0; i < k; i++) {
            n = a->file_head;
            a->file_head = n->next;
            free(n);
        }
        a->file_waiting -= k;
        if (a->file_head == NULL)
            a->file_tail = NULL;
    }
    free(buf);
out:
    pthread_mutex_unlock(&a->file_lock);
    return err;
}

mns_err mns_audit_flush_file(struct mns_audit *a)
{
    return a != NULL ? flush_file(a, UINT64_MAX, NULL) : MNS_ERR_INVALID;
}

mns_err mns_audit_flush_file_upto(struct mns_audit *a, uint64_t entries)
{
    return a != NULL ? flush_file(a, entries, NULL) : MNS_ERR_INVALID;
}

/* Signs the committed head, stores it, then appends it to the file; with
 * deferred, stores it without a sync and leaves the file to
 * mns_audit_flush_file[_upto] (after the caller's sync). */
static mns_err sign_new(struct mns_audit *a, bool deferred, mns_errmsg *em)
{
    char note[AUDIT_NOTE_MAX];
    size_t len;
    mns_err err;

    if ((err = audit_note_format(note, sizeof(note), &len, a->key_name, a->seed, a->pub, a->count,
                                 a->head)) != MNS_OK)
        return mns_fail(em, err, "cannot sign the audit checkpoint / 監査チェックポイントに署名できません");
    if ((err = db_insert(a, note, len, deferred, em)) != MNS_OK)
        return err;
    a->cp_count = a->count;
    pthread_mutex_lock(&a->file_lock);
    err = file_note_add(a, note, len, a->count);
    pthread_mutex_unlock(&a->file_lock);
    if (err != MNS_OK) /* the row is stored; only the file misses the note */
        return mns_fail(em, err, "out of memory / メモリが不足しています");
    /* a synced commit made every earlier row durable too */
    return deferred ? MNS_OK : flush_file(a, UINT64_MAX, em);
}

mns_err mns_audit_checkpoint(struct mns_audit *a, mns_errmsg *em)
{
    if (a == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "no audit log / 監査ログがありません");
    if (a->seed == NULL)
        return mns_fail(em, MNS_ERR_STATE, "no audit signing key is set / 監査署名鍵が設定されていません");
    /* several servers: sign the newest head, and hold the others' notes too */
    if (mns_store_is_shared(a->st) && mns_audit_reload(a) != MNS_OK)
        return mns_fail(em, MNS_ERR_STORE, "cannot read the audit log: %s / 監査ログを読めません",
                        mns_store_errmsg(a->st));
    if (a->count == 0)
        return mns_fail(em, MNS_ERR_STATE, "the audit log is empty / 監査ログが空です");
    if (a->count == a->cp_count)
        return flush_file(a, UINT64_MAX, em); /* this head is signed already */
    return sign_new(a, false, em);
}

mns_err audit_checkpoint_due(struct mns_audit *a, bool deferred)
{
    mns_err err = deferred ? MNS_OK : flush_file(a, UINT64_MAX, NULL), e2 = MNS_OK;

    if (a->seed != NULL && a->count > a->cp_count && a->count - a->cp_count >= a->every)
        e2 = sign_new(a, deferred, NULL);
    return err != MNS_OK ? err : e2;
}
