/*
 * backup.c: encrypted online backups, their restore test, and restoring one
 * into a new data directory without bringing deleted numbers back (issue 6,
 * check sheet F-c optional ⑩).
 *
 * A backup is a consistent copy of the store (SQLite's backup API, taken
 * under the vault lock after the open group is committed), encrypted in
 * chunks of 1 MiB with AES-256-GCM under a key derived from the root key (so
 * it opens only with the unseal shares), in one file:
 *
 *     "MNSBAK1\n" MANIFEST "\n" then per chunk: u32 length (big-endian) || sealed chunk
 *
 * The manifest (JSON, no secret) names the store, the time, the size and
 * SHA-256 of the plain copy, the chunk count and what the copy holds
 * (persons, audit entries, deletion journal). Each chunk's associated data
 * binds it to the manifest's SHA-256 and to its index, so chunks cannot be
 * swapped, cut or moved between backups.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

#define BACKUP_MAGIC "MNSBAK1\n"
#define CHUNK (1u << 20)

static mns_err backup_key(struct mns_vault *v, uint8_t key[MNS_KEY_LEN])
{
    static const char label[] = "mnsafe-backup-v1";
    return mns_hmac_sha256(key, v->sec->root, label, sizeof(label) - 1);
}

static mns_err sha256_file(const char *path, char hex[65], int64_t *size)
{
    uint8_t md[MNS_HASH_LEN];
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return MNS_ERR_IO;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n > 0 ? malloc((size_t)n) : NULL;
    mns_err err = n <= 0 ? MNS_ERR_IO : buf == NULL ? MNS_ERR_NOMEM : MNS_OK;
    if (err == MNS_OK && fread(buf, 1, (size_t)n, f) != (size_t)n)
        err = MNS_ERR_IO;
    fclose(f);
    if (err == MNS_OK && (err = mns_sha256(md, buf, (size_t)n)) == MNS_OK) {
        mns_hex_encode(hex, md, sizeof(md));
        *size = n;
    }
    free(buf);
    return err;
}

/* Overwrites a plain copy before removing it: it holds names and wrapped keys. */
static void shred_file(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        struct stat st;
        if (fstat(fd, &st) == 0) {
            static const uint8_t zero[65536];
            for (off_t done = 0; done < st.st_size;) {
                size_t n = (size_t)(st.st_size - done) < sizeof(zero) ? (size_t)(st.st_size - done) : sizeof(zero);
                ssize_t w = write(fd, zero, n);
                if (w <= 0)
                    break;
                done += w;
            }
            ignore_err(fsync(fd) == 0 ? MNS_OK : MNS_ERR_IO);
        }
        close(fd);
    }
    unlink(path);
}

static int ad_chunk(char *buf, size_t n, const char *manifest_sha, uint32_t index, uint32_t total)
{
    return snprintf(buf, n, "mnsbak|v1|%s|%u|%u", manifest_sha, index, total);
}

/* Encrypts the file plain into out (a new file) with the manifest. */
static mns_err seal_backup(const char *plain, const char *out, const uint8_t key[MNS_KEY_LEN], json_t *manifest,
                           mns_errmsg *em)
{
    /* into a buffer of our own: json_dumps would allocate with jansson's
     * (wiping) allocator, which plain free must not see */
    size_t mlen = json_dumpb(manifest, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
    char *mtext = mlen > 0 ? malloc(mlen + 1) : NULL, msha[65], ad[160];
    if (mtext != NULL)
        mtext[json_dumpb(manifest, mtext, mlen, JSON_COMPACT | JSON_SORT_KEYS)] = '\0';
    uint8_t md[MNS_HASH_LEN], *buf = malloc(CHUNK), *ct = malloc(CHUNK + MNS_AEAD_OVERHEAD);
    FILE *in = fopen(plain, "rb");
    int fd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *o = fd >= 0 ? fdopen(fd, "wb") : NULL;
    mns_err err = mtext == NULL || buf == NULL || ct == NULL ? MNS_ERR_NOMEM : in == NULL || o == NULL ? MNS_ERR_IO : MNS_OK;
    if (err == MNS_OK && (err = mns_sha256(md, mtext, strlen(mtext))) == MNS_OK) {
        mns_hex_encode(msha, md, sizeof(md));
        uint32_t total = (uint32_t)json_integer_value(json_object_get(manifest, "chunks"));
        if (fputs(BACKUP_MAGIC, o) < 0 || fputs(mtext, o) < 0 || fputc('\n', o) < 0)
            err = MNS_ERR_IO;
        for (uint32_t i = 0; err == MNS_OK && i < total; i++) {
            size_t n = fread(buf, 1, CHUNK, in);
            ad_chunk(ad, sizeof(ad), msha, i, total);
            if (n == 0 || (err = mns_aead_seal(ct, key, ad, strlen(ad), buf, n)) != MNS_OK)
                err = err != MNS_OK ? err : MNS_ERR_IO;
            uint32_t len = (uint32_t)(n + MNS_AEAD_OVERHEAD);
            uint8_t be[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
            if (err == MNS_OK && (fwrite(be, 1, 4, o) != 4 || fwrite(ct, 1, len, o) != len))
                err = errno == ENOSPC ? MNS_ERR_FULL : MNS_ERR_IO;
        }
    }
    if (o != NULL) {
        if (fflush(o) != 0 || fsync(fileno(o)) != 0)
            err = err != MNS_OK ? err : errno == ENOSPC ? MNS_ERR_FULL : MNS_ERR_IO;
        fclose(o);
    } else if (fd >= 0) {
        close(fd);
    }
    if (in != NULL)
        fclose(in);
    if (buf != NULL) {
        mns_wipe(buf, CHUNK);
        free(buf);
    }
    free(ct);
    free(mtext);
    if (err != MNS_OK) {
        unlink(out);
        mns_fail(em, err, "backup: cannot write %s / バックアップを書き込めません", out);
    }
    return err;
}

/* Decrypts a backup file into the new file plain; *manifest gets its manifest. */
static mns_err open_backup(const char *path, const char *plain, const uint8_t key[MNS_KEY_LEN], json_t **manifest,
                           mns_errmsg *em)
{
    char line[4096], msha[65], ad[160];
    uint8_t md[MNS_HASH_LEN], *ct = malloc(CHUNK + MNS_AEAD_OVERHEAD), *pt = malloc(CHUNK);
    FILE *in = fopen(path, "rb");
    int fd = -1;
    FILE *o = NULL;
    json_error_t jerr;
    mns_err err = ct == NULL || pt == NULL ? MNS_ERR_NOMEM : MNS_OK;

    *manifest = NULL;
    if (err == MNS_OK && in == NULL)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "backup: cannot read %s / バックアップを読めません", path);
    if (err == MNS_OK && (fgets(line, sizeof(line), in) == NULL || strcmp(line, BACKUP_MAGIC) != 0))
        err = mns_fail(em, MNS_ERR_INVALID, "backup: %s is not an mnsafe backup / バックアップではありません", path);
    if (err == MNS_OK && (fgets(line, sizeof(line), in) == NULL || line[strlen(line) - 1] != '\n'))
        err = mns_fail(em, MNS_ERR_INVALID, "backup: the manifest is damaged / マニフェストが壊れています");
    if (err == MNS_OK) {
        line[strlen(line) - 1] = '\0';
        *manifest = json_loads(line, JSON_REJECT_DUPLICATES, &jerr);
        if (*manifest == NULL || mns_sha256(md, line, strlen(line)) != MNS_OK)
            err = mns_fail(em, MNS_ERR_INVALID, "backup: the manifest is damaged / マニフェストが壊れています");
        else
            mns_hex_encode(msha, md, sizeof(md));
    }
    if (err == MNS_OK) {
        fd = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        o = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (o == NULL)
            err = mns_fail(em, MNS_ERR_IO, "backup: cannot create %s", plain);
    }
    uint32_t total = err == MNS_OK ? (uint32_t)json_integer_value(json_object_get(*manifest, "chunks")) : 0;
    for (uint32_t i = 0; err == MNS_OK && i < total; i++) {
        uint8_t be[4];
        size_t n = 0;
        if (fread(be, 1, 4, in) != 4) {
            err = mns_fail(em, MNS_ERR_INVALID, "backup: cut short at chunk %u of %u / 途中で切れています", i + 1, total);
            break;
        }
        uint32_t len = (uint32_t)be[0] << 24 | (uint32_t)be[1] << 16 | (uint32_t)be[2] << 8 | be[3];
        ad_chunk(ad, sizeof(ad), msha, i, total);
        if (len < MNS_AEAD_OVERHEAD + 1 || len > CHUNK + MNS_AEAD_OVERHEAD || fread(ct, 1, len, in) != len ||
            mns_aead_open(pt, &n, key, ad, strlen(ad), ct, len) != MNS_OK)
            err = mns_fail(em, MNS_ERR_INVALID, "backup: chunk %u of %u does not open (damaged, or another "
                           "installation's) / 復号できません", i + 1, total);
        else if (fwrite(pt, 1, n, o) != n)
            err = errno == ENOSPC ? MNS_ERR_FULL : MNS_ERR_IO;
    }
    if (err == MNS_OK && fgetc(in) != EOF)
        err = mns_fail(em, MNS_ERR_INVALID, "backup: data after the last chunk / 余分なデータがあります");
    if (o != NULL) {
        if (fflush(o) != 0)
            err = err != MNS_OK ? err : MNS_ERR_IO;
        fclose(o);
    } else if (fd >= 0) {
        close(fd);
    }
    if (in != NULL)
        fclose(in);
    if (pt != NULL) {
        mns_wipe(pt, CHUNK);
        free(pt);
    }
    free(ct);
    /* the plain copy must be the one the manifest names */
    int64_t size = 0;
    char sha[65];
    if (err == MNS_OK && (sha256_file(plain, sha, &size) != MNS_OK ||
                          !json_is_string(json_object_get(*manifest, "db_sha256")) ||
                          strcmp(sha, json_string_value(json_object_get(*manifest, "db_sha256"))) != 0 ||
                          size != json_integer_value(json_object_get(*manifest, "db_size"))))
        err = mns_fail(em, MNS_ERR_INVALID, "backup: the restored copy does not match its checksum / "
                       "チェックサムが一致しません");
    if (err != MNS_OK) {
        if (fd >= 0)
            shred_file(plain);
        json_decref(*manifest);
        *manifest = NULL;
    }
    return err;
}

mns_err mns_vault_backup(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    char dir[MNS_PATH_MAX + 16], plain[MNS_PATH_MAX + 64], out[MNS_PATH_MAX + 64], stamp[32], sha[65], ts[32];
    uint8_t key[MNS_KEY_LEN];
    json_t *manifest = NULL;
    int64_t size = 0;
    mns_err err;

    *result = NULL;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(dir, sizeof(dir), "%s/backups", v->data_dir);
    vault_lock(v);
    act_init(&a, v, actor, "backup.create");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN, em)) != MNS_OK || (err = require_unsealed(v, em)) != MNS_OK)
        goto out;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        err = mns_fail(em, MNS_ERR_IO, "backup: cannot create %s", dir);
        goto out;
    }
    snprintf(plain, sizeof(plain), "%s/.copy-%s.db", dir, stamp);
    snprintf(out, sizeof(out), "%s/mnsafe-%s.mnsbak", dir, stamp);
    /* what is committed, and nothing half-done: the open group first */
    if ((err = vault_flush(v)) != MNS_OK || (err = mns_store_backup(v->store, plain)) != MNS_OK) {
        mns_fail(em, err, "backup: the copy failed: %s / コピーに失敗しました", mns_store_errmsg(v->store));
        goto out;
    }
    if ((err = sha256_file(plain, sha, &size)) == MNS_OK && (err = backup_key(v, key)) == MNS_OK) {
        manifest = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:I, s:I, s:I, s:I}", "format", "mnsafe-backup-1",
                             "created_at", ts, "created_by", actor->name, "db_size", (json_int_t)size, "db_sha256", sha,
                             "chunks", (json_int_t)((size + CHUNK - 1) / CHUNK), "persons",
                             (json_int_t)mns_store_query_int64(v->store, "SELECT count(*) FROM persons"), "audit_entries",
                             (json_int_t)mns_store_query_int64(v->store, "SELECT count(*) FROM audit_log"), "deletions",
                             (json_int_t)mns_store_query_int64(v->store, "SELECT count(*) FROM deletions"), "tenants",
                             (json_int_t)mns_store_query_int64(v->store, "SELECT count(*) FROM tenants"));
        err = manifest == NULL ? MNS_ERR_NOMEM : seal_backup(plain, out, key, manifest, em);
    }
    shred_file(plain);
    if (err == MNS_OK && (err = act_begin(&a)) == MNS_OK)
        act_note(&a, "%s sha256:%s", strrchr(out, '/') + 1, sha);
out:
    mns_wipe(key, sizeof(key));
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(manifest);
        return err;
    }
    *result = json_pack("{s:s, s:o}", "path", out, "manifest", manifest);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

/* Opens up to three numbers of the store copy with the keys the root key
 * unwraps, and checks their check digits: the copy can really be read. */
static mns_err sample_decrypt(struct mns_vault *v, struct mns_store *st, int *checked)
{
    struct mns_stmt *s;
    bool row;
    mns_err err;
    *checked = 0;
    if ((err = mns_store_prepare(st, &s,
                                 "SELECT p.id, p.tenant_id, p.number_ct, p.key_version, p.wrapped, t.version, t.wrapped "
                                 "FROM persons p JOIN tenant_keys t ON "
                                 "t.tenant_id = p.tenant_id AND t.version = p.key_version ORDER BY p.id LIMIT 3")) != MNS_OK)
        return err;
    while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        uint8_t tkeys[2 * MNS_KEY_LEN], dk[MNS_KEY_LEN];
        char ad[160], num[MNS_MYNUMBER_LEN + 1];
        size_t n = 0, wl = 0, pl = 0, cl = 0;
        int64_t pid = mns_stmt_int64(s, 0), tid = mns_stmt_int64(s, 1);
        const uint8_t *ct = mns_stmt_blob(s, 2, &cl), *pw = mns_stmt_blob(s, 4, &pl), *tw = mns_stmt_blob(s, 6, &wl);
        ad_format(ad, sizeof(ad), "tenant-keys|v1|%lld|%lld", (long long)tid, (long long)mns_stmt_int64(s, 5));
        if (wl != sizeof(tkeys) + MNS_AEAD_OVERHEAD || mns_aead_open(tkeys, &n, v->sec->root, ad, strlen(ad), tw, wl) != MNS_OK)
            err = MNS_ERR_CRYPTO;
        ad_format(ad, sizeof(ad), "person-key|v1|%lld|%lld|%lld", (long long)tid, (long long)pid,
                  (long long)mns_stmt_int64(s, 3));
        if (err == MNS_OK &&
            (pl != MNS_KEY_LEN + MNS_AEAD_OVERHEAD || mns_aead_open(dk, &n, tkeys, ad, strlen(ad), pw, pl) != MNS_OK))
            err = MNS_ERR_CRYPTO;
        ad_format(ad, sizeof(ad), "mynumber|v1|%lld|person:%lld", (long long)tid, (long long)pid);
        if (err == MNS_OK && (cl != MNS_MYNUMBER_LEN + MNS_AEAD_OVERHEAD ||
                              mns_aead_open((uint8_t *)num, &n, dk, ad, strlen(ad), ct, cl) != MNS_OK ||
                              n != MNS_MYNUMBER_LEN))
            err = MNS_ERR_CRYPTO;
        if (err == MNS_OK) {
            mns_errmsg nem;
            num[MNS_MYNUMBER_LEN] = '\0';
            char norm[MNS_MYNUMBER_LEN + 1];
            if (mns_mynumber_parse(norm, num, MNS_MYNUMBER_LEN, &nem) != MNS_OK)
                err = MNS_ERR_CRYPTO;
            mns_wipe(norm, sizeof(norm));
            (*checked)++;
        }
        mns_wipe(tkeys, sizeof(tkeys));
        mns_wipe(dk, sizeof(dk));
        mns_wipe(num, sizeof(num));
    }
    mns_stmt_reset(s);
    return err;
}

static mns_err open_copy(const char *plain, struct mns_store **st, mns_errmsg *em)
{
    char url[MNS_PATH_MAX + 16];
    snprintf(url, sizeof(url), "sqlite:%s", plain);
    int version = 0;
    mns_errmsg sem = {""};
    mns_err err = mns_store_open(st, url, &sem);
    /* a backup from an older mnsafe gets this version's schema */
    if (err == MNS_OK)
        err = mns_store_migrate(*st, &version, &sem);
    if (err != MNS_OK)
        mns_fail(em, err, "backup: the copy does not open as a store (%.200s) / ストアとして開けません", sem.text);
    return err;
}

mns_err mns_vault_backup_verify(struct mns_vault *v, const struct mns_actor *actor, const char *path, json_t **result,
                                mns_errmsg *em)
{
    struct act a;
    char plain[MNS_PATH_MAX + 64], integrity[64] = "";
    uint8_t key[MNS_KEY_LEN];
    json_t *manifest = NULL;
    struct mns_store *st = NULL;
    struct mns_audit_report report;
    int checked = 0;
    mns_err err, audit = MNS_OK;

    *result = NULL;
    snprintf(plain, sizeof(plain), "%s/backups/.verify-%ld.db", v->data_dir, (long)getpid());
    vault_lock(v);
    act_init(&a, v, actor, "backup.verify");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_AUDITOR, em)) != MNS_OK ||
        (err = require_unsealed(v, em)) != MNS_OK || (err = backup_key(v, key)) != MNS_OK)
        goto out;
    {
        char dir[MNS_PATH_MAX + 16];
        snprintf(dir, sizeof(dir), "%s/backups", v->data_dir);
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            err = mns_fail(em, MNS_ERR_IO, "backup: cannot create %s", dir);
            goto out;
        }
    }
    /* restored into a scratch place: checksum, integrity, audit chain, a sample decrypt */
    if ((err = open_backup(path, plain, key, &manifest, em)) != MNS_OK || (err = open_copy(plain, &st, em)) != MNS_OK)
        goto out;
    struct mns_stmt *s;
    bool row = false;
    if ((err = mns_store_prepare(st, &s, "PRAGMA integrity_check")) == MNS_OK) {
        if (mns_stmt_step(s, &row) == MNS_OK && row)
            snprintf(integrity, sizeof(integrity), "%s", mns_stmt_text(s, 0));
        mns_stmt_reset(s);
    }
    if (strcmp(integrity, "ok") != 0) {
        err = mns_fail(em, MNS_ERR_TAMPERED, "backup: SQLite integrity check: %.40s / 整合性チェックに失敗しました", integrity);
        goto out;
    }
    audit = audit_verify_store(v, st, &report, em);
    if (audit != MNS_OK) {
        err = mns_fail(em, audit == MNS_ERR_TAMPERED ? MNS_ERR_TAMPERED : audit,
                       "backup: the audit chain in the copy is broken at entry %llu / 監査ログが壊れています",
                       (unsigned long long)report.first_bad_seq);
        goto out;
    }
    if ((err = sample_decrypt(v, st, &checked)) != MNS_OK) {
        mns_fail(em, err, "backup: numbers in the copy do not open with this installation's keys / 復号できません");
        goto out;
    }
    if ((err = act_begin(&a)) == MNS_OK)
        act_note(&a, "%s: intact; %d number(s) opened", strrchr(path, '/') ? strrchr(path, '/') + 1 : path, checked);
out:
    mns_wipe(key, sizeof(key));
    if (st != NULL)
        mns_store_close(st);
    shred_file(plain);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(manifest);
        return err;
    }
    *result = json_pack("{s:s, s:o, s:s, s:s, s:i}", "path", path, "manifest", manifest, "integrity", integrity, "audit",
                        "intact", "numbers_opened", checked);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

/* In the restored copy st, every person the live deletion journal names is
 * removed again (and journaled there), and the live disposal register
 * entries it lacks are copied: *removed, *copied. */
static mns_err replay_deletions(struct mns_vault *v, struct mns_store *st, int64_t *removed, int64_t *copied)
{
    static const char *const deletes[] = {
        "DELETE FROM dependents WHERE person_id = ?",
        "DELETE FROM person_purposes WHERE person_id = ?", "DELETE FROM person_end WHERE person_id = ?",
        "DELETE FROM legal_holds WHERE person_id = ?", "DELETE FROM collection_documents WHERE person_id = ?",
        "UPDATE collections SET state = 'deleted', name = '-', employee_code = NULL WHERE person_id = ?",
        "DELETE FROM persons WHERE id = ?",
    };
    const size_t persons_delete = sizeof(deletes) / sizeof(deletes[0]) - 1;
    struct mns_stmt *s, *t;
    bool row;
    mns_err err;
    *removed = *copied = 0;
    if ((err = mns_store_begin(st)) != MNS_OK)
        return err;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT person_id, tenant_id, deleted_at, deleted_by, reason FROM deletions")) != MNS_OK)
        goto out;
    while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        int64_t pid = mns_stmt_int64(s, 0);
        bool had = false;
        for (size_t i = 0; err == MNS_OK && i < sizeof(deletes) / sizeof(deletes[0]); i++) {
            if ((err = mns_store_prepare(st, &t, deletes[i])) != MNS_OK)
                break;
            if ((err = mns_stmt_bind_int64(t, 1, pid)) == MNS_OK && (err = mns_stmt_run(t)) == MNS_OK && i == persons_delete)
                had = mns_stmt_changes(t) > 0;
            mns_stmt_reset(t);
        }
        if (err == MNS_OK &&
            (err = mns_store_prepare(st, &t,
                                     "INSERT INTO deletions (person_id, tenant_id, deleted_at, deleted_by, reason) "
                                     "VALUES (?, ?, ?, ?, ?) ON CONFLICT (person_id) DO NOTHING")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(t, 1, pid)) == MNS_OK &&
                (err = mns_stmt_bind_int64(t, 2, mns_stmt_int64(s, 1))) == MNS_OK &&
                (err = mns_stmt_bind_int64(t, 3, mns_stmt_int64(s, 2))) == MNS_OK &&
                (err = mns_stmt_bind_text(t, 4, mns_stmt_text(s, 3), -1)) == MNS_OK &&
                (err = mns_stmt_text(s, 4) ? mns_stmt_bind_text(t, 5, mns_stmt_text(s, 4), -1) : mns_stmt_bind_null(t, 5)) ==
                    MNS_OK)
                err = mns_stmt_run(t);
            mns_stmt_reset(t);
        }
        if (had)
            (*removed)++;
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        goto out;
    /* single dependents deleted since: removed again, and journaled there */
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT dependent_id, person_id, tenant_id, deleted_at, deleted_by, reason "
                                 "FROM dependent_deletions")) != MNS_OK)
        goto out;
    while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        if ((err = mns_store_prepare(st, &t, "DELETE FROM dependents WHERE id = ?")) != MNS_OK)
            break;
        if ((err = mns_stmt_bind_int64(t, 1, mns_stmt_int64(s, 0))) == MNS_OK && (err = mns_stmt_run(t)) == MNS_OK)
            *removed += mns_stmt_changes(t);
        mns_stmt_reset(t);
        if (err != MNS_OK ||
            (err = mns_store_prepare(st, &t,
                                     "INSERT INTO dependent_deletions (dependent_id, person_id, tenant_id, deleted_at, "
                                     "deleted_by, reason) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dependent_id) DO NOTHING")) !=
                MNS_OK)
            break;
        for (int c = 0; err == MNS_OK && c < 6; c++)
            err = mns_stmt_is_null(s, c) ? mns_stmt_bind_null(t, c + 1)
                  : c < 4                ? mns_stmt_bind_int64(t, c + 1, mns_stmt_int64(s, c))
                                         : mns_stmt_bind_text(t, c + 1, mns_stmt_text(s, c), -1);
        if (err == MNS_OK)
            err = mns_stmt_run(t);
        mns_stmt_reset(t);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        goto out;
    /* the register keeps every disposal, including those after the backup */
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT id, tenant_id, source, data_kind, persons, disposed_on, recorded_at, disposed_by, "
                                 "method, rules, contractor, certificate_sha256, note FROM disposal_register")) != MNS_OK)
        goto out;
    while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        if ((err = mns_store_prepare(st, &t,
                                     "INSERT INTO disposal_register (id, tenant_id, source, data_kind, persons, disposed_on, "
                                     "recorded_at, disposed_by, method, rules, contractor, certificate_sha256, note) "
                                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING")) != MNS_OK)
            break;
        for (int c = 0; err == MNS_OK && c < 13; c++) {
            if (mns_stmt_is_null(s, c))
                err = mns_stmt_bind_null(t, c + 1);
            else if (c == 0 || c == 1 || c == 4 || c == 6)
                err = mns_stmt_bind_int64(t, c + 1, mns_stmt_int64(s, c));
            else
                err = mns_stmt_bind_text(t, c + 1, mns_stmt_text(s, c), -1);
        }
        if (err == MNS_OK && (err = mns_stmt_run(t)) == MNS_OK)
            *copied += mns_stmt_changes(t);
        mns_stmt_reset(t);
    }
    mns_stmt_reset(s);
    /* the ledger's counts of the purposes in use, after the persons removed */
    if (err == MNS_OK)
        err = mns_store_exec(st, PURPOSE_USE_RECOUNT_SQL, NULL);
out:
    if (err == MNS_OK)
        return mns_store_commit(st);
    mns_store_rollback(st);
    return err;
}

static mns_err copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb");
    int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *out = fd >= 0 ? fdopen(fd, "wb") : NULL;
    char buf[65536];
    size_t n;
    mns_err err = in != NULL && out != NULL ? MNS_OK : MNS_ERR_IO;
    while (err == MNS_OK && (n = fread(buf, 1, sizeof(buf), in)) > 0)
        if (fwrite(buf, 1, n, out) != n)
            err = MNS_ERR_IO;
    if (in != NULL)
        fclose(in);
    if (out != NULL) {
        if (fclose(out) != 0)
            err = MNS_ERR_IO;
    } else if (fd >= 0) {
        close(fd);
    }
    mns_wipe(buf, sizeof(buf));
    return err;
}

mns_err mns_vault_restore(struct mns_vault *v, const struct mns_actor *actor, const char *path, const char *dest_dir,
                          json_t **result, mns_errmsg *em)
{
    struct act a;
    char db[MNS_PATH_MAX + 64], from[MNS_PATH_MAX + 64], to[MNS_PATH_MAX + 64];
    uint8_t key[MNS_KEY_LEN];
    json_t *manifest = NULL;
    struct mns_store *st = NULL;
    int64_t removed = 0, copied = 0;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "backup.restore");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN, em)) != MNS_OK || (err = require_unsealed(v, em)) != MNS_OK ||
        (err = backup_key(v, key)) != MNS_OK)
        goto out;
    /* a new directory, never the live one: the operator swaps them with the daemon stopped */
    if (dest_dir == NULL || dest_dir[0] != '/' || strlen(dest_dir) > MNS_PATH_MAX || mkdir(dest_dir, 0700) != 0) {
        err = mns_fail(em, MNS_ERR_INVALID, "to: an absolute path of a directory that does not exist yet / "
                       "存在しない絶対パスのディレクトリを指定してください");
        goto out;
    }
    snprintf(db, sizeof(db), "%s/%s", dest_dir, MNS_DB_FILE);
    if ((err = open_backup(path, db, key, &manifest, em)) != MNS_OK || (err = open_copy(db, &st, em)) != MNS_OK ||
        (err = vault_flush(v)) != MNS_OK || (err = replay_deletions(v, st, &removed, &copied)) != MNS_OK)
        goto out;
    /* the outside copy of the checkpoints, as the backup's database has them
     * (the live file names later entries, which the copy does not hold) */
    {
        struct mns_stmt *s;
        bool row;
        snprintf(to, sizeof(to), "%s/%s", dest_dir, MNS_CHECKPOINT_FILE);
        int fd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
        if (f == NULL || (err = mns_store_prepare(st, &s, "SELECT note FROM audit_checkpoints ORDER BY entries")) != MNS_OK) {
            err = err != MNS_OK ? err : MNS_ERR_IO;
            if (f != NULL)
                fclose(f);
            else if (fd >= 0)
                close(fd);
            mns_fail(em, err, "restore: cannot write %s", to);
            goto out;
        }
        while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
            if (fputs(mns_stmt_text(s, 0), f) < 0 || fputc('\n', f) < 0)
                err = MNS_ERR_IO;
        mns_stmt_reset(s);
        if (fflush(f) != 0 || fsync(fileno(f)) != 0)
            err = err != MNS_OK ? err : MNS_ERR_IO;
        fclose(f);
        if (err != MNS_OK)
            goto out;
    }
    mns_store_close(st);
    st = NULL;
    /* the files beside the store that open and check it */
    static const char *const files[] = {MNS_DEV_KEY_FILE, MNS_AUDIT_PUB_FILE, "tls/cert.pem", "tls/key.pem"};
    snprintf(to, sizeof(to), "%s/tls", dest_dir);
    if (mkdir(to, 0700) != 0) {
        err = mns_fail(em, MNS_ERR_IO, "restore: cannot create %s", to);
        goto out;
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        snprintf(from, sizeof(from), "%s/%s", v->data_dir, files[i]);
        snprintf(to, sizeof(to), "%s/%s", dest_dir, files[i]);
        if (access(from, F_OK) == 0 && (err = copy_file(from, to)) != MNS_OK) {
            mns_fail(em, err, "restore: cannot copy %s", files[i]);
            goto out;
        }
    }
    if ((err = act_begin(&a)) == MNS_OK)
        act_note(&a, "into %.200s: %lld deleted person(s) removed again, %lld disposal entries carried over", dest_dir,
                 (long long)removed, (long long)copied);
out:
    mns_wipe(key, sizeof(key));
    if (st != NULL)
        mns_store_close(st);
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        json_decref(manifest);
        return err;
    }
    *result = json_pack("{s:s, s:o, s:I, s:I}", "restored_to", dest_dir, "manifest", manifest, "deleted_removed_again",
                        (json_int_t)removed, "disposal_entries_carried_over", (json_int_t)copied);
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}
