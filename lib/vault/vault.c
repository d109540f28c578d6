/*
 * vault.c: creating a store, opening it, and its seal state.
 *
 * A store starts sealed. The root key exists only in the daemon's memory,
 * rebuilt from Shamir shares (or, for demos, a key file) and checked against
 * the store's root check blob (an AEAD tag), so wrong shares are detected
 * before any key is used. Sealing wipes every key.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vault/internal.h"

static const char root_check_ad[] = "mnsafe-root-check-v1";
static const char root_check_pt[] = "mnsafe root key ok";

int64_t mns_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int ad_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return (n < 0 || (size_t)n >= size) ? -1 : n;
}

mns_err random_id(int64_t *id)
{
    uint64_t r;
    mns_err err = mns_random(&r, sizeof(r));
    if (err != MNS_OK)
        return err;
    r &= (UINT64_C(1) << 53) - 1;
    if (r < 1000)
        r += 1000; /* keep ids visibly distinct from small counters */
    *id = (int64_t)r;
    return MNS_OK;
}

#define ID_EPOCH_MS INT64_C(1704067200000) /* 2024-01-01T00:00:00Z */

mns_err vault_new_id(struct mns_vault *v, int64_t *id)
{
    uint16_t r;
    mns_err err = mns_random(&r, sizeof(r));
    if (err != MNS_OK)
        return err;
    int64_t t = ((mns_now_ms() - ID_EPOCH_MS) << 12) | (r & 0xfff);
    int64_t last = atomic_load(&v->last_id);
    for (;;) {
        int64_t next = t > last ? t : last + 1;
        if (next >= (INT64_C(1) << 53))
            return MNS_ERR_LIMIT;
        if (atomic_compare_exchange_weak(&v->last_id, &last, next)) {
            *id = next;
            return MNS_OK;
        }
    }
}

mns_err meta_get(struct mns_store *st, const char *key, uint8_t *buf, size_t size, size_t *len)
{
    struct mns_stmt *s;
    bool row;
    mns_err err = mns_store_prepare(st, &s, "SELECT value FROM meta WHERE key = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, key, -1)) != MNS_OK || (err = mns_stmt_step(s, &row)) != MNS_OK)
        goto out;
    if (!row) {
        err = MNS_ERR_NOT_FOUND;
        goto out;
    }
    size_t n = 0;
    const void *p = mns_stmt_blob(s, 0, &n);
    if (n > size) {
        err = MNS_ERR_LIMIT;
        goto out;
    }
    if (n > 0)
        memcpy(buf, p, n);
    *len = n;
out:
    mns_stmt_reset(s);
    return err;
}

mns_err meta_put(struct mns_store *st, const char *key, const void *val, size_t len)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(st, &s, "INSERT INTO meta (key, value) VALUES (?, ?)");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, key, -1)) == MNS_OK &&
        (err = mns_stmt_bind_blob(s, 2, val, len)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

static mns_err meta_get_text(struct mns_store *st, const char *key, char *buf, size_t size)
{
    size_t n = 0;
    mns_err err = meta_get(st, key, (uint8_t *)buf, size - 1, &n);
    if (err == MNS_OK)
        buf[n] = '\0';
    return err;
}

static mns_err path_join(char *out, size_t size, const char *dir, const char *file, mns_errmsg *em)
{
    int n = snprintf(out, size, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= size)
        return mns_fail(em, MNS_ERR_LIMIT, "data directory path too long / データディレクトリのパスが長すぎます");
    return MNS_OK;
}

static mns_err store_url(char *out, size_t size, const struct mns_vault_config *cfg, mns_errmsg *em)
{
    if (cfg->store_url != NULL) {
        int n = snprintf(out, size, "%s", cfg->store_url);
        if (n < 0 || (size_t)n >= size)
            return mns_fail(em, MNS_ERR_LIMIT, "store URL too long / ストアURLが長すぎます");
        return MNS_OK;
    }
    int n = snprintf(out, size, "sqlite:%s/%s", cfg->data_dir, MNS_DB_FILE);
    if (n < 0 || (size_t)n >= size)
        return mns_fail(em, MNS_ERR_LIMIT, "data directory path too long / データディレクトリのパスが長すぎます");
    return MNS_OK;
}

/* Writes a small file with mode 0600, refusing to replace one. */
static mns_err write_new_file(const char *path, const void *data, size_t len, mns_errmsg *em)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return mns_fail(em, MNS_ERR_IO, "cannot create %s: %s / ファイルを作成できません", path, strerror(errno));
    const uint8_t *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(path);
            return mns_fail(em, MNS_ERR_IO, "cannot write %s: %s / 書き込めません", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        unlink(path);
        return mns_fail(em, MNS_ERR_IO, "cannot write %s: %s / 書き込めません", path, strerror(errno));
    }
    return MNS_OK;
}

/* The files `init` makes in a data directory (the TLS files are the CLI's). */
static void remove_store_files(const char *dir)
{
    static const char *const files[] = {MNS_DB_FILE, MNS_DB_FILE "-wal", MNS_DB_FILE "-shm", MNS_AUDIT_PUB_FILE,
                                        MNS_DEV_KEY_FILE, MNS_CHECKPOINT_FILE};
    char path[MNS_PATH_MAX];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        int n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (n > 0 && (size_t)n < sizeof(path))
            unlink(path);
    }
}

/* Files of another store (its audit evidence above all) are never replaced:
 * init refuses to run beside them. */
static mns_err check_no_store_files(const char *dir, mns_errmsg *em)
{
    static const char *const files[] = {MNS_DB_FILE "-wal", MNS_AUDIT_PUB_FILE, MNS_DEV_KEY_FILE, MNS_CHECKPOINT_FILE};
    char path[MNS_PATH_MAX];
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        int n = snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0)
            return mns_fail(em, MNS_ERR_STATE,
                            "the data directory holds %s of another store: move it away first / "
                            "データディレクトリに別のストアのファイル（%s）があります。先に移動してください",
                            files[i], files[i]);
    }
    return MNS_OK;
}

mns_err mns_vault_create(const struct mns_vault_config *cfg, unsigned n, unsigned k, bool dev,
                         struct mns_vault_init_result *res, mns_errmsg *em)
{
    struct mns_store *st = NULL;
    struct mns_audit *audit = NULL;
    uint8_t *root = NULL;
    uint8_t seed[MNS_ED25519_SEED_LEN];
    char url[MNS_PATH_MAX + 16], path[MNS_PATH_MAX];
    bool in_txn = false, made_store = false;
    mns_err err;

    memset(res, 0, sizeof(*res));
    if ((err = mns_global_init()) != MNS_OK)
        return mns_fail(em, err, "crypto library initialisation failed / 暗号ライブラリを初期化できません");
    if (cfg == NULL || cfg->data_dir == NULL || cfg->data_dir[0] == '\0')
        return mns_fail(em, MNS_ERR_INVALID, "no data directory given / データディレクトリが指定されていません");
    if (!dev && (k < 2 || n < k || n > MNS_SHARES_MAX))
        return mns_fail(em, MNS_ERR_INVALID,
                        "shares must satisfy 2 <= threshold <= shares <= 255 / シェア数としきい値が正しくありません");
    if (mkdir(cfg->data_dir, 0700) != 0 && errno != EEXIST)
        return mns_fail(em, MNS_ERR_IO, "cannot create data directory: %s / データディレクトリを作成できません",
                        strerror(errno));
    /* an existing directory becomes owner-only too: it will hold the store */
    if (chmod(cfg->data_dir, 0700) != 0)
        return mns_fail(em, MNS_ERR_IO, "cannot make the data directory owner-only: %s / "
                        "データディレクトリの権限を設定できません", strerror(errno));
    if ((err = path_join(path, sizeof(path), cfg->data_dir, MNS_DB_FILE, em)) != MNS_OK)
        return err;
    if (cfg->store_url == NULL && access(path, F_OK) == 0)
        return mns_fail(em, MNS_ERR_STATE,
                        "the data directory already holds a store / データディレクトリには既にストアがあります");
    if ((err = store_url(url, sizeof(url), cfg, em)) != MNS_OK)
        return err;
    /* also with a database elsewhere: the directory gets the new store's
     * checkpoint file and keys, which another store's must not be mixed with */
    if ((err = check_no_store_files(cfg->data_dir, em)) != MNS_OK)
        return err;
    if ((err = mns_store_open(&st, url, em)) != MNS_OK)
        return err;
    made_store = cfg->store_url == NULL;
    if ((err = mns_store_migrate(st, NULL, em)) != MNS_OK)
        goto out;
    {
        uint8_t probe[8];
        size_t plen;
        if (meta_get(st, "seal_mode", probe, sizeof(probe), &plen) == MNS_OK) {
            err = mns_fail(em, MNS_ERR_STATE, "the store is already initialised / ストアは初期化済みです");
            goto out;
        }
    }
    char cp_path[MNS_PATH_MAX];
    if ((err = path_join(cp_path, sizeof(cp_path), cfg->data_dir, MNS_CHECKPOINT_FILE, em)) != MNS_OK)
        goto out;
    struct mns_audit_config acfg = {cp_path, MNS_AUDIT_KEY_NAME, cfg->checkpoint_every};
    if ((err = mns_audit_open(&audit, st, &acfg, em)) != MNS_OK)
        goto out;

    root = mns_secure_alloc(MNS_KEY_LEN);
    if (root == NULL) {
        err = mns_fail(em, MNS_ERR_NOMEM, "cannot allocate secure memory / 安全なメモリを確保できません");
        goto out;
    }
    if ((err = mns_random(root, MNS_KEY_LEN)) != MNS_OK || (err = mns_random(seed, sizeof(seed))) != MNS_OK)
        goto out;

    uint32_t set_id = 0;
    if (!dev) {
        if ((err = mns_shamir_split(res->shares, n, k, root)) != MNS_OK) {
            mns_fail(em, err, "cannot split the root key / ルート鍵を分割できません");
            goto out;
        }
        res->nshares = n;
        res->threshold = k;
        set_id = res->shares[0].set_id;
    } else if ((err = mns_random(&set_id, sizeof(set_id))) != MNS_OK) {
        goto out;
    }

    if ((err = mns_store_begin(st)) != MNS_OK) {
        mns_fail(em, err, "cannot begin a transaction: %s", mns_store_errmsg(st));
        goto out;
    }
    in_txn = true;

    uint8_t check[sizeof(root_check_pt) + MNS_AEAD_OVERHEAD];
    uint8_t wrapped[MNS_ED25519_SEED_LEN + MNS_AEAD_OVERHEAD];
    uint8_t pub[MNS_ED25519_PUB_LEN];
    uint8_t store_id[16];
    char store_id_hex[33], num[16];
    int64_t now = mns_now_ms();
    char ad[128];
    ad_format(ad, sizeof(ad), "system-key|%s|%d", "audit", 1);
    if ((err = mns_aead_seal(check, root, root_check_ad, strlen(root_check_ad), root_check_pt,
                             sizeof(root_check_pt))) != MNS_OK ||
        (err = mns_aead_seal(wrapped, root, ad, strlen(ad), seed, sizeof(seed))) != MNS_OK ||
        (err = mns_ed25519_public(pub, seed)) != MNS_OK || (err = mns_random(store_id, sizeof(store_id))) != MNS_OK)
        goto out;
    mns_hex_encode(store_id_hex, store_id, sizeof(store_id));
    const char *mode = dev ? "dev" : "shamir";
    if ((err = meta_put(st, "store_id", store_id_hex, strlen(store_id_hex))) != MNS_OK ||
        (err = meta_put(st, "seal_mode", mode, strlen(mode))) != MNS_OK ||
        (err = meta_put(st, "root_check", check, sizeof(check))) != MNS_OK ||
        (err = meta_put(st, "audit_public_key", pub, sizeof(pub))) != MNS_OK)
        goto out_store;
    snprintf(num, sizeof(num), "%08x", (unsigned)set_id);
    if ((err = meta_put(st, "share_set_id", num, strlen(num))) != MNS_OK)
        goto out_store;
    snprintf(num, sizeof(num), "%u", dev ? 0u : k);
    if ((err = meta_put(st, "share_threshold", num, strlen(num))) != MNS_OK)
        goto out_store;
    {
        struct mns_stmt *s;
        if ((err = mns_store_prepare(st, &s,
                                     "INSERT INTO system_keys (name, version, wrapped, public_key, created_at) "
                                     "VALUES ('audit', 1, ?, ?, ?)")) != MNS_OK)
            goto out_store;
        if ((err = mns_stmt_bind_blob(s, 1, wrapped, sizeof(wrapped))) != MNS_OK ||
            (err = mns_stmt_bind_blob(s, 2, pub, sizeof(pub))) != MNS_OK ||
            (err = mns_stmt_bind_int64(s, 3, now)) != MNS_OK || (err = mns_stmt_run(s)) != MNS_OK) {
            mns_stmt_reset(s);
            goto out_store;
        }
        mns_stmt_reset(s);
    }
    {
        char hash[MNS_PWHASH_STR_MAX];
        int64_t uid;
        struct mns_stmt *s;
        snprintf(res->admin_name, sizeof(res->admin_name), "admin");
        if ((err = mns_password_generate(res->admin_password)) != MNS_OK)
            goto out;
        if ((err = mns_pwhash(hash, res->admin_password, strlen(res->admin_password))) != MNS_OK ||
            (err = random_id(&uid)) != MNS_OK)
            goto out;
        if ((err = mns_store_prepare(st, &s,
                                     "INSERT INTO users (id, name, role, pwhash, must_change, created_at) "
                                     "VALUES (?, ?, 'sysadmin', ?, 1, ?)")) != MNS_OK)
            goto out_store;
        if ((err = mns_stmt_bind_int64(s, 1, uid)) != MNS_OK ||
            (err = mns_stmt_bind_text(s, 2, res->admin_name, -1)) != MNS_OK ||
            (err = mns_stmt_bind_text(s, 3, hash, -1)) != MNS_OK ||
            (err = mns_stmt_bind_int64(s, 4, now)) != MNS_OK || (err = mns_stmt_run(s)) != MNS_OK) {
            mns_stmt_reset(s);
            goto out_store;
        }
        mns_stmt_reset(s);
    }
    {
        char detail[96];
        snprintf(detail, sizeof(detail), dev ? "mode=dev" : "mode=shamir shares=%u threshold=%u", n, k);
        struct mns_audit_entry e = {.actor = "system", .action = "store.init", .result = "ok",
                                    .client = "local", .detail = detail};
        if ((err = mns_audit_append(audit, &e)) != MNS_OK) {
            mns_fail(em, MNS_ERR_AUDIT, "audit entry could not be written / 監査ログを書き込めません");
            goto out;
        }
    }
    if ((err = mns_store_commit(st)) != MNS_OK)
        goto out_store;
    in_txn = false;
    if ((err = mns_audit_commit(audit)) != MNS_OK)
        goto out;

    /* The public key also lives outside the database, beside the checkpoint
     * file, so that `audit verify` does not trust what it verifies. */
    {
        char line[128], b64[64];
        mns_base64_encode(b64, pub, sizeof(pub));
        int len = snprintf(line, sizeof(line), "%s %s\n", MNS_AUDIT_KEY_NAME, b64);
        if ((err = path_join(path, sizeof(path), cfg->data_dir, MNS_AUDIT_PUB_FILE, em)) != MNS_OK ||
            (err = write_new_file(path, line, (size_t)len, em)) != MNS_OK)
            goto out;
    }
    if (dev) {
        char hex[2 * MNS_KEY_LEN + 1];
        char text[256];
        mns_hex_encode(hex, root, MNS_KEY_LEN);
        int len = snprintf(text, sizeof(text),
                           "# mnsafe DEVELOPMENT root key: anyone with this file can read every number.\n"
                           "# Demos and tests only; a real store is sealed with Shamir shares.\n%s\n",
                           hex);
        mns_wipe(hex, sizeof(hex));
        err = path_join(path, sizeof(path), cfg->data_dir, MNS_DEV_KEY_FILE, em);
        if (err == MNS_OK)
            err = write_new_file(path, text, (size_t)len, em);
        mns_wipe(text, sizeof(text));
        if (err != MNS_OK)
            goto out;
    }
    /* Anchor the log outside the database from its first entry on. */
    if ((err = mns_audit_set_signer(audit, seed)) != MNS_OK || (err = mns_audit_checkpoint(audit, em)) != MNS_OK)
        goto out;
    err = MNS_OK;
    goto out;

out_store:
    mns_fail(em, err, "cannot write the new store: %s / ストアを書き込めません", mns_store_errmsg(st));
out:
    if (in_txn) {
        mns_store_rollback(st);
        if (audit != NULL)
            mns_audit_abort(audit);
    }
    mns_wipe(seed, sizeof(seed));
    mns_secure_free(root, MNS_KEY_LEN);
    mns_audit_free(audit);
    mns_store_close(st);
    if (err != MNS_OK) {
        mns_wipe(res, sizeof(*res));
        /* a half-made store could neither be opened nor made again: remove
         * what this call made, so that `init` can simply be run again */
        if (made_store)
            remove_store_files(cfg->data_dir);
    }
    return err;
}

mns_err mns_vault_open(struct mns_vault **out, const struct mns_vault_config *cfg, mns_errmsg *em)
{
    struct mns_vault *v = NULL;
    char url[MNS_PATH_MAX + 16], buf[32], path[MNS_PATH_MAX];
    mns_err err;

    *out = NULL;
    if ((err = mns_global_init()) != MNS_OK)
        return mns_fail(em, err, "crypto library initialisation failed / 暗号ライブラリを初期化できません");
    if (cfg == NULL || cfg->data_dir == NULL)
        return mns_fail(em, MNS_ERR_INVALID, "no data directory given / データディレクトリが指定されていません");
    if ((err = path_join(path, sizeof(path), cfg->data_dir, MNS_DB_FILE, em)) != MNS_OK)
        return err;
    if (cfg->store_url == NULL && access(path, F_OK) != 0)
        return mns_fail(em, MNS_ERR_NOT_FOUND,
                        "no store in %s: run `mnsafe init` first / ストアがありません。先に mnsafe init を実行してください",
                        cfg->data_dir);
    v = calloc(1, sizeof(*v));
    if (v == NULL)
        return MNS_ERR_NOMEM;
    pthread_mutex_init(&v->lock, NULL);
    pthread_mutex_init(&v->durable_lock, NULL);
    pthread_mutex_init(&v->commit_lock, NULL);
    pthread_cond_init(&v->commit_cond, NULL);
    session_cache_init(v);
    pthread_cond_init(&v->durable, NULL);
    snprintf(v->data_dir, sizeof(v->data_dir), "%s", cfg->data_dir);
    v->session_idle_s = cfg->session_idle_s ? cfg->session_idle_s : 1800;
    v->session_max_s = cfg->session_max_s ? cfg->session_max_s : 43200;
    v->lockout_failures = cfg->lockout_failures ? cfg->lockout_failures : 5;
    v->address_failures = cfg->address_failures ? cfg->address_failures : 20;
    v->lockout_s = cfg->lockout_s ? cfg->lockout_s : 900;
    v->sessions_refuse = cfg->sessions_refuse;
    v->separation_of_duties = cfg->separation_of_duties;
    v->require_mfa_roles = cfg->require_mfa_roles;
    v->require_client_cert_roles = cfg->require_client_cert_roles;
    v->refuse_new_address = cfg->refuse_new_address;
    v->refuse_new_device = cfg->refuse_new_device;
    v->travel_minutes = cfg->travel_minutes;
    v->checksheet = cfg->checksheet;
    v->retention = cfg->retention;
    v->deletion_approval = cfg->deletion_approval;
    v->server_facts = cfg->server_facts;
    if ((err = password_policy_init(&v->pw_policy, cfg, em)) != MNS_OK ||
        (err = access_rules_init(&v->access, cfg, em)) != MNS_OK)
        goto fail;
    if ((err = path_join(v->checkpoint_path, sizeof(v->checkpoint_path), cfg->data_dir, MNS_CHECKPOINT_FILE,
                         em)) != MNS_OK ||
        (err = store_url(url, sizeof(url), cfg, em)) != MNS_OK || (err = mns_store_open(&v->store, url, em)) != MNS_OK ||
        (err = mns_store_migrate(v->store, NULL, em)) != MNS_OK)
        goto fail;
    session_cache_enable(v);
    /* several servers on one database keep no session cache: each request
     * reads its session, on a connection of its own rather than the writer's */
    if (mns_store_is_shared(v->store) &&
        (err = mns_store_pool_open(&v->readers, url, cfg->store_pool ? cfg->store_pool : 4, em)) != MNS_OK)
        goto fail;
    if ((err = meta_get_text(v->store, "seal_mode", v->seal_mode, sizeof(v->seal_mode))) != MNS_OK) {
        err = mns_fail(em, MNS_ERR_STATE, "the store was never initialised / ストアが初期化されていません");
        goto fail;
    }
    if ((err = meta_get_text(v->store, "share_set_id", buf, sizeof(buf))) != MNS_OK)
        goto fail_meta;
    v->set_id = (uint32_t)strtoul(buf, NULL, 16);
    if ((err = meta_get_text(v->store, "share_threshold", buf, sizeof(buf))) != MNS_OK)
        goto fail_meta;
    v->threshold = (unsigned)strtoul(buf, NULL, 10);
    struct mns_audit_config acfg = {v->checkpoint_path, MNS_AUDIT_KEY_NAME, cfg->checkpoint_every};
    if ((err = mns_audit_open(&v->audit, v->store, &acfg, em)) != MNS_OK)
        goto fail;
    if ((err = imports_recover(v)) != MNS_OK) {
        err = mns_fail(em, err, "cannot clean up interrupted imports / 中断した取込みを片付けられません");
        goto fail;
    }
    *out = v;
    return MNS_OK;

fail_meta:
    err = mns_fail(em, MNS_ERR_STORE, "the store's metadata is incomplete / ストアのメタデータが不完全です");
fail:
    mns_vault_free(v);
    return err;
}

void mns_vault_free(struct mns_vault *v)
{
    if (v == NULL)
        return;
    mns_vault_committer_stop(v);
    ignore_err(vault_flush(v));
    /* anchor the newest entries outside the database while the key is here */
    if (v->unsealed && mns_audit_count(v->audit) > 0)
        ignore_err(mns_audit_checkpoint(v->audit, NULL));
    vault_wipe_secrets(v);
    imports_release(v);
    mns_audit_free(v->audit);
    mns_store_pool_close(v->readers);
    mns_store_close(v->store);
    password_policy_release(&v->pw_policy);
    pthread_mutex_destroy(&v->lock);
    pthread_cond_destroy(&v->durable);
    pthread_mutex_destroy(&v->durable_lock);
    pthread_mutex_destroy(&v->commit_lock);
    pthread_cond_destroy(&v->commit_cond);
    session_cache_release(v);
    free(v);
}

bool mns_vault_is_sealed(struct mns_vault *v)
{
    vault_lock(v);
    bool sealed = !v->unsealed;
    vault_unlock(v);
    return sealed;
}

uint64_t mns_vault_audit_entries(struct mns_vault *v)
{
    vault_lock(v);
    uint64_t n = mns_audit_count(v->audit);
    vault_unlock(v);
    return n;
}

const char *mns_vault_seal_mode(struct mns_vault *v)
{
    return v->seal_mode;
}

void mns_vault_unseal_status(struct mns_vault *v, struct mns_unseal_status *status)
{
    vault_lock(v);
    status->sealed = !v->unsealed;
    status->have = (v->sec != NULL && !v->unsealed) ? (unsigned)v->sec->nshares : 0;
    status->threshold = v->threshold;
    vault_unlock(v);
}

/* With the root key in v->sec->root: check it and load the system keys. */
static mns_err finish_unseal(struct mns_vault *v)
{
    mns_err err = vault_check_root(v, v->sec->root);
    if (err != MNS_OK)
        return err;
    /* v->unsealed is set by the caller, once the unseal's audit entry is
     * durable: until then no act may use the keys */
    return vault_load_system_keys(v);
}

static void drop_pending_shares(struct mns_vault *v)
{
    if (v->sec != NULL) {
        mns_wipe(v->sec->shares, sizeof(v->sec->shares));
        v->sec->nshares = 0;
    }
}

mns_err mns_vault_unseal(struct mns_vault *v, const struct mns_actor *actor, const char *share_text,
                         struct mns_unseal_status *status, mns_errmsg *em)
{
    struct act a;
    struct mns_share share;
    bool opened = false; /* this call unsealed the vault */
    mns_err err;

    memset(&share, 0, sizeof(share));
    vault_lock(v);
    act_init(&a, v, actor, "vault.unseal");
    if (v->unsealed) {
        err = mns_fail(em, MNS_ERR_STATE, "the vault is already unsealed / 既にアンシールされています");
        goto out;
    }
    if (strcmp(v->seal_mode, "shamir") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "this store is sealed by a key file (dev mode) / 開発用鍵ファイルのストアです");
        goto out;
    }
    if ((err = mns_share_parse(&share, share_text, em)) != MNS_OK)
        goto out;
    if (share.set_id != v->set_id) {
        err = mns_fail(em, MNS_ERR_BAD_SHARE,
                       "this share belongs to another store (another init) / このシェアは別のストアのものです");
        goto out;
    }
    if (share.threshold != v->threshold) {
        err = mns_fail(em, MNS_ERR_BAD_SHARE, "this share's threshold does not match the store / しきい値が一致しません");
        goto out;
    }
    if ((err = vault_secrets_ensure(v)) != MNS_OK)
        goto out;
    for (size_t i = 0; i < v->sec->nshares; i++) {
        if (v->sec->shares[i].x == share.x) {
            err = mns_fail(em, MNS_ERR_BAD_SHARE, "this share was already given / このシェアは入力済みです");
            goto out;
        }
    }
    v->sec->shares[v->sec->nshares++] = share;
    if (v->sec->nshares >= v->threshold) {
        err = mns_shamir_combine(v->sec->root, v->sec->shares, v->sec->nshares, em);
        drop_pending_shares(v);
        if (err == MNS_OK && (err = finish_unseal(v)) == MNS_OK)
            opened = true;
        if (err != MNS_OK) {
            vault_wipe_secrets(v);
            err = mns_fail(em, MNS_ERR_BAD_SHARE,
                           "the shares do not open this store; all shares given were dropped, start again / "
                           "シェアでストアを開けません。入力済みのシェアを破棄しました。最初からやり直してください");
        }
    }
out:
    mns_wipe(&share, sizeof(share));
    if (status != NULL) {
        status->sealed = !v->unsealed;
        status->have = (v->sec != NULL && !v->unsealed) ? (unsigned)v->sec->nshares : 0;
        status->threshold = v->threshold;
    }
    if ((err = act_end(&a, err)) == MNS_OK && opened)
        v->unsealed = true;
    else if (opened)
        vault_wipe_secrets(v); /* no audit entry, no unseal */
    if (status != NULL) {
        status->sealed = !v->unsealed;
        status->have = (v->sec != NULL && !v->unsealed) ? (unsigned)v->sec->nshares : 0;
    }
    vault_unlock(v);
    return err;
}

mns_err mns_vault_unseal_dev(struct mns_vault *v, mns_errmsg *em)
{
    char path[MNS_PATH_MAX], text[512];
    mns_err err;
    struct mns_actor system;
    struct act a;

    mns_actor_anonymous(&system, "local");
    snprintf(system.name, sizeof(system.name), "system");
    vault_lock(v);
    act_init(&a, v, &system, "vault.unseal");
    if (v->unsealed) {
        vault_unlock(v);
        return MNS_OK;
    }
    if (strcmp(v->seal_mode, "dev") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "this store is sealed by shares, not a key file / シェアで封印されたストアです");
        goto out;
    }
    if ((err = path_join(path, sizeof(path), v->data_dir, MNS_DEV_KEY_FILE, em)) != MNS_OK)
        goto out;
    FILE *f = fopen(path, "re");
    if (f == NULL) {
        err = mns_fail(em, MNS_ERR_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    const char *hex = NULL;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
        if (line[0] != '#' && line[0] != '\0')
            hex = line;
    if ((err = vault_secrets_ensure(v)) != MNS_OK)
        goto out;
    if (hex == NULL || mns_hex_decode(v->sec->root, MNS_KEY_LEN, hex, strlen(hex)) != MNS_OK) {
        err = mns_fail(em, MNS_ERR_BAD_SHARE, "the dev key file is malformed / 開発用鍵ファイルが不正です");
        goto out;
    }
    if ((err = finish_unseal(v)) != MNS_OK)
        mns_fail(em, MNS_ERR_BAD_SHARE, "the dev key file does not open this store / 開発用鍵ファイルでストアを開けません");
    /* only reached when this call was the one to unseal */
out:
    mns_wipe(text, sizeof(text));
    if (err != MNS_OK)
        vault_wipe_secrets(v);
    if ((err = act_end(&a, err)) == MNS_OK)
        v->unsealed = true;
    else
        vault_wipe_secrets(v); /* no audit entry, no unseal */
    vault_unlock(v);
    return err;
}

mns_err mns_vault_seal(struct mns_vault *v, const struct mns_actor *actor, mns_errmsg *em)
{
    struct act a;
    mns_err err = MNS_OK;
    vault_lock(v);
    act_init(&a, v, actor, "vault.seal");
    if (actor != NULL)
        err = require_role(actor, MNS_ROLE_SYSADMIN, em);
    err = act_end(&a, err);
    if (actor == NULL || actor->role == MNS_ROLE_SYSADMIN) {
        /* the last checkpoint before the key goes: covers the seal entry too */
        if (v->unsealed && vault_flush(v) == MNS_OK)
            ignore_err(mns_audit_checkpoint(v->audit, NULL));
        /* Sealing happens even if the audit entry failed: wiping keys is
         * always the safe direction. */
        vault_wipe_secrets(v);
        ignore_err(mns_audit_set_signer(v->audit, NULL));
    }
    vault_unlock(v);
    return err;
}
