/*
 * users.c: users, roles, sessions and logins.
 *
 * Passwords are Argon2id hashes; the check runs outside the vault lock so a
 * login does not stall other requests. An unknown user costs the same hash as
 * a known one and gives the same error (no user enumeration). Sessions are
 * stored by the SHA-256 of their bearer token, never the token.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"


static const char *const role_names[] = {"sysadmin", "officer", "clerk", "auditor"};

const char *mns_role_name(mns_role role)
{
    switch (role) {
    case MNS_ROLE_SYSADMIN: return role_names[0];
    case MNS_ROLE_OFFICER: return role_names[1];
    case MNS_ROLE_CLERK: return role_names[2];
    case MNS_ROLE_AUDITOR: return role_names[3];
    default: return "none";
    }
}

mns_role mns_role_parse(const char *name)
{
    static const mns_role roles[] = {MNS_ROLE_SYSADMIN, MNS_ROLE_OFFICER, MNS_ROLE_CLERK, MNS_ROLE_AUDITOR};
    for (size_t i = 0; name != NULL && i < 4; i++)
        if (strcmp(name, role_names[i]) == 0)
            return roles[i];
    return MNS_ROLE_NONE;
}

static bool valid_user_name(const char *name)
{
    size_t n = name != NULL ? strlen(name) : 0;
    if (n == 0 || n > 63)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        if (!(islower(c) || isdigit(c) || c == '.' || c == '_' || c == '-'))
            return false;
    }
    return !mns_text_contains_mynumber(name, n);
}

struct user_row {
    int64_t id;
    mns_role role;
    bool disabled;
    bool must_change;
    int64_t locked_until;
    int64_t password_changed_at;
    bool totp_enabled;
    bool role_pending;
    int64_t totp_last_step;
    uint8_t totp_wrapped[MNS_TOTP_KEY_SHA512 + MNS_AEAD_OVERHEAD];
    mns_totp_alg totp_alg;
    unsigned totp_digits;
    size_t totp_wrapped_len;
    char last_place[32];
    int64_t last_place_at;
    char name[64];
    char pwhash[MNS_PWHASH_STR_MAX];
};

static mns_err user_load(struct mns_vault *v, const char *name, int64_t id, struct user_row *u)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err;
    memset(u, 0, sizeof(*u));
    if (name != NULL)
        err = mns_store_prepare(v->store, &s,
                                "SELECT id, name, role, pwhash, disabled, must_change, locked_until, password_changed_at, "
                                "totp_enabled, totp_last_step, totp_wrapped, last_place, last_place_at, role_pending, totp_alg, totp_digits "
                                "FROM users WHERE name = ?");
    else
        err = mns_store_prepare(v->store, &s,
                                "SELECT id, name, role, pwhash, disabled, must_change, locked_until, password_changed_at, "
                                "totp_enabled, totp_last_step, totp_wrapped, last_place, last_place_at, role_pending, totp_alg, totp_digits "
                                "FROM users WHERE id = ?");
    if (err != MNS_OK)
        return err;
    err = name != NULL ? mns_stmt_bind_text(s, 1, name, -1) : mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK)
        err = mns_stmt_step(s, &row);
    if (err == MNS_OK && row) {
        u->id = mns_stmt_int64(s, 0);
        snprintf(u->name, sizeof(u->name), "%s", mns_stmt_text(s, 1));
        u->role = mns_role_parse(mns_stmt_text(s, 2));
        snprintf(u->pwhash, sizeof(u->pwhash), "%s", mns_stmt_text(s, 3));
        u->disabled = mns_stmt_int64(s, 4) != 0;
        u->must_change = mns_stmt_int64(s, 5) != 0;
        u->locked_until = mns_stmt_int64(s, 6);
        u->password_changed_at = mns_stmt_int64(s, 7);
        u->totp_enabled = mns_stmt_int64(s, 8) != 0;
        u->totp_last_step = mns_stmt_int64(s, 9);
        size_t wl = 0;
        const void *w = mns_stmt_blob(s, 10, &wl);
        if (w != NULL && wl <= sizeof(u->totp_wrapped)) {
            memcpy(u->totp_wrapped, w, wl);
            u->totp_wrapped_len = wl;
        }
        snprintf(u->last_place, sizeof(u->last_place), "%s", mns_stmt_text(s, 11) ? mns_stmt_text(s, 11) : "");
        u->last_place_at = mns_stmt_int64(s, 12);
        u->role_pending = mns_stmt_int64(s, 13) != 0;
        u->totp_alg = (mns_totp_alg)mns_stmt_int64(s, 14);
        u->totp_digits = (unsigned)mns_stmt_int64(s, 15);
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = MNS_ERR_NOT_FOUND;
    return err;
}

static mns_err token_hash(uint8_t out[MNS_HASH_LEN], const char *token)
{
    return mns_sha256(out, token, strlen(token));
}

/* The local socket is one OS user's: an address lock there would lock out
 * the operator, so only network addresses are counted. */
static bool counts_address(const char *client)
{
    return client != NULL && strcmp(client, "unix") != 0 && strcmp(client, "local") != 0;
}

static mns_err address_locked(struct mns_vault *v, const char *client, int64_t now, bool *locked)
{
    struct mns_stmt *s;
    bool row = false;
    *locked = false;
    if (!counts_address(client))
        return MNS_OK;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT locked_until FROM address_failures WHERE client = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, client, -1)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        *locked = mns_stmt_int64(s, 0) > now;
    mns_stmt_reset(s);
    return err;
}

/* Counts a failed login against the user (if known) and the address, in the
 * group but outside the refused act, so that the counts stay. Sets
 * *user_now_locked when this failure locked the user. */
static mns_err count_failure(struct mns_vault *v, struct act *a, const struct user_row *u, const char *client,
                             int64_t now, bool *user_now_locked)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err;
    int64_t until = now + (int64_t)v->lockout_s * 1000;

    *user_now_locked = false;
    if ((err = act_group_join(a)) != MNS_OK)
        return err;
    if (u != NULL) {
        if ((err = mns_store_prepare(v->store, &s,
                                     "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? "
                                     "RETURNING failed_logins")) != MNS_OK)
            return err;
        if ((err = mns_stmt_bind_int64(s, 1, u->id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
            *user_now_locked = mns_stmt_int64(s, 0) >= (int64_t)v->lockout_failures && u->locked_until <= now;
        mns_stmt_reset(s);
        if (err == MNS_OK && *user_now_locked &&
            (err = mns_store_prepare(v->store, &s, "UPDATE users SET locked_until = ? WHERE id = ?")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, until)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, u->id)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
        }
        if (err != MNS_OK)
            return err;
    }
    if (!counts_address(client))
        return MNS_OK;
    int64_t failures = 0, window_start = now, locked_until = 0;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT failures, window_start, locked_until FROM address_failures WHERE client = ?")) !=
        MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, client, -1)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        failures = mns_stmt_int64(s, 0);
        window_start = mns_stmt_int64(s, 1);
        locked_until = mns_stmt_int64(s, 2);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (now - window_start > (int64_t)v->lockout_s * 1000) {
        failures = 0; /* a new window */
        window_start = now;
    }
    failures++;
    if (failures >= (int64_t)v->address_failures && locked_until <= now)
        locked_until = until;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO address_failures (client, failures, window_start, locked_until) "
                                 "VALUES (?, ?, ?, ?) ON CONFLICT (client) DO UPDATE SET failures = excluded.failures, "
                                 "window_start = excluded.window_start, locked_until = excluded.locked_until")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, client, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, failures)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, window_start)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 4, locked_until)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

/* One live session per ID: ends the user's other sessions, or refuses. */
static mns_err one_session(struct mns_vault *v, struct act *a, int64_t user_id, int64_t now, mns_errmsg *em)
{
    struct mns_stmt *s;
    mns_err err;
    if (v->sessions_refuse) {
        bool row = false;
        int64_t live = 0;
        if ((err = mns_store_prepare(v->store, &s,
                                     "SELECT count(*) FROM sessions WHERE user_id = ? AND expires_at > ? AND last_seen > ?")) !=
            MNS_OK)
            return err;
        if ((err = mns_stmt_bind_int64(s, 1, user_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, now)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 3, now - (int64_t)v->session_idle_s * 1000)) == MNS_OK &&
            (err = mns_stmt_step(s, &row)) == MNS_OK && row)
            live = mns_stmt_int64(s, 0);
        mns_stmt_reset(s);
        if (err == MNS_OK && live > 0) {
            a->failure_detail = "id in use in another session";
            return mns_fail(em, MNS_ERR_STATE, "this ID is in use in another session: log out there first / "
                            "このIDは別のセッションで使用中です。先にそちらでログアウトしてください");
        }
        return err;
    }
    if ((err = mns_store_prepare(v->store, &s, "DELETE FROM sessions WHERE user_id = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, user_id)) == MNS_OK && (err = mns_stmt_run(s)) == MNS_OK &&
        mns_stmt_changes(s) > 0)
        act_note(a, "ended %lld other session(s)", (long long)mns_stmt_changes(s));
    mns_stmt_reset(s);
    return err;
}

/* ---- second factor (TOTP, recovery codes) ------------------------------ */

#define TOTP_STEP 30

static int totp_ad(char *buf, size_t size, int64_t user_id)
{
    return ad_format(buf, size, "totp|v1|%lld", (long long)user_id);
}

/* Runs sql with one or two integer parameters (a2 < 0 with one "?" only). */
static mns_err run1(struct mns_vault *v, const char *sql, int64_t a1, int64_t a2)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(v->store, &s, sql);
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, a1)) == MNS_OK && (a2 < 0 || (err = mns_stmt_bind_int64(s, 2, a2)) == MNS_OK))
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

/* Checks otp against the user's TOTP secret, then recovery codes; records
 * the step (or the code) as used inside the act. Lock held. */
static mns_err second_factor(struct mns_vault *v, struct act *a, const struct user_row *u, const char *otp,
                             int64_t now, mns_errmsg *em)
{
    uint8_t key[MNS_TOTP_KEY_SHA512 + 16];
    size_t keylen = 0;
    char ad[64];
    int64_t step = -1;
    mns_err err;

    a->failure_detail = "second factor";
    if (otp == NULL)
        return mns_fail(em, MNS_ERR_MFA, "a one-time code from the authenticator app is required / "
                        "認証アプリのワンタイムコードが必要です");
    if (!v->unsealed)
        return mns_fail(em, MNS_ERR_SEALED, "the vault is sealed: codes cannot be checked / 封印中のためコードを確認できません");
    totp_ad(ad, sizeof(ad), u->id);
    if ((err = mns_aead_open(key, &keylen, v->sec->root, ad, strlen(ad), u->totp_wrapped, u->totp_wrapped_len)) !=
        MNS_OK)
        return MNS_ERR_CRYPTO;
    err = mns_totp_verify(key, keylen, otp, now / 1000, TOTP_STEP, u->totp_alg, u->totp_digits, u->totp_last_step, &step);
    mns_wipe(key, sizeof(key));
    if ((err == MNS_OK) && (err = act_begin(a)) == MNS_OK)
        return run1(v, "UPDATE users SET totp_last_step = ? WHERE id = ?", step, u->id);
    /* not a current code: perhaps one of the recovery codes */
    uint8_t hash[MNS_HASH_LEN];
    if (strlen(otp) == MNS_RECOVERY_CODE_LEN && mns_sha256(hash, otp, strlen(otp)) == MNS_OK &&
        act_begin(a) == MNS_OK) {
        struct mns_stmt *s;
        if ((err = mns_store_prepare(v->store, &s,
                                     "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? "
                                     "AND used_at IS NULL")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, now)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, u->id)) == MNS_OK &&
                (err = mns_stmt_bind_blob(s, 3, hash, sizeof(hash))) == MNS_OK)
                err = mns_stmt_run(s);
            bool used = err == MNS_OK && mns_stmt_changes(s) == 1;
            mns_stmt_reset(s);
            if (used) {
                act_note(a, "recovery code used");
                return MNS_OK;
            }
        }
    }
    return mns_fail(em, MNS_ERR_MFA, "the one-time code is wrong or was already used / "
                    "ワンタイムコードが違うか、使用済みです");
}

/* Enrolment is what a user whose role needs two factors may do before
 * anything else (after changing a one-time password). */
static mns_err require_enrolment(const struct mns_actor *actor, mns_errmsg *em)
{
    if (actor == NULL || actor->user_id == 0)
        return mns_fail(em, MNS_ERR_AUTH, "login required / ログインが必要です");
    if (actor->must_change_password)
        return mns_fail(em, MNS_ERR_DENIED, "change your one-time password first (mnsafe passwd) / "
                        "先に初期パスワードを変更してください（mnsafe passwd）");
    return MNS_OK;
}

mns_err mns_vault_totp_begin(struct mns_vault *v, const struct mns_actor *actor, char *uri, mns_errmsg *em)
{
    return mns_vault_totp_begin_ex(v, actor, MNS_TOTP_SHA1, 6, uri, em);
}

mns_err mns_vault_totp_begin_ex(struct mns_vault *v, const struct mns_actor *actor, mns_totp_alg alg, unsigned digits,
                                char *uri, mns_errmsg *em)
{
    struct act a;
    struct user_row u;
    uint8_t key[MNS_TOTP_KEY_SHA512], wrapped[MNS_TOTP_KEY_SHA512 + MNS_AEAD_OVERHEAD];
    /* the key is as long as the hash's output (RFC 6238 appendix B) */
    size_t keylen = alg == MNS_TOTP_SHA512 ? MNS_TOTP_KEY_SHA512 : alg == MNS_TOTP_SHA256 ? MNS_TOTP_KEY_SHA256
                                                                                          : MNS_TOTP_KEY_SHA1;
    char ad[64];
    struct mns_stmt *s;
    mns_err err;

    uri[0] = '\0';
    memset(&u, 0, sizeof(u));
    vault_lock(v);
    act_init(&a, v, actor, "auth.totp_begin");
    if ((err = require_enrolment(actor, em)) != MNS_OK || (err = require_unsealed(v, em)) != MNS_OK ||
        (err = user_load(v, NULL, actor->user_id, &u)) != MNS_OK)
        goto out;
    if ((alg != MNS_TOTP_SHA1 && alg != MNS_TOTP_SHA256 && alg != MNS_TOTP_SHA512) || (digits != 6 && digits != 8)) {
        err = mns_fail(em, MNS_ERR_INVALID, "algorithm: SHA1, SHA256 or SHA512; digits: 6 or 8 / "
                       "アルゴリズムは SHA1, SHA256, SHA512、桁数は 6 か 8 です");
        goto out;
    }
    snprintf(a.subject, sizeof(a.subject), "user:%s", u.name);
    if (u.totp_enabled) {
        err = mns_fail(em, MNS_ERR_STATE, "two-factor login is already on / 二要素認証は設定済みです");
        goto out;
    }
    totp_ad(ad, sizeof(ad), u.id);
    if ((err = mns_totp_secret_new(key, keylen)) != MNS_OK ||
        (err = mns_aead_seal(wrapped, v->sec->root, ad, strlen(ad), key, keylen)) != MNS_OK ||
        (err = mns_totp_uri(uri, MNS_TOTP_URI_MAX, "mnsafe", u.name, key, keylen, alg, digits, TOTP_STEP)) != MNS_OK ||
        (err = act_begin(&a)) != MNS_OK)
        goto out;
    act_note(&a, "%s, %u digits", alg == MNS_TOTP_SHA512 ? "SHA512" : alg == MNS_TOTP_SHA256 ? "SHA256" : "SHA1", digits);
    if ((err = mns_store_prepare(v->store, &s,
                                 "UPDATE users SET totp_wrapped = ?, totp_enabled = 0, totp_last_step = -1, totp_alg = ?, "
                                 "totp_digits = ? WHERE id = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_blob(s, 1, wrapped, keylen + MNS_AEAD_OVERHEAD)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 2, alg)) == MNS_OK && (err = mns_stmt_bind_int64(s, 3, digits)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 4, u.id)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
out:
    mns_wipe(key, sizeof(key));
    err = act_finish(&a, err);
    if (err != MNS_OK)
        mns_wipe(uri, MNS_TOTP_URI_MAX);
    mns_wipe(&u, sizeof(u));
    return err;
}

mns_err mns_vault_totp_confirm(struct mns_vault *v, const struct mns_actor *actor, const char *code,
                               char codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1], mns_errmsg *em)
{
    struct act a;
    struct user_row u;
    uint8_t key[MNS_TOTP_KEY_SHA512 + 16];
    size_t keylen = 0;
    int64_t step = -1;
    char ad[64];
    struct mns_stmt *s;
    mns_err err;

    memset(&u, 0, sizeof(u));
    memset(codes, 0, MNS_RECOVERY_CODES * (MNS_RECOVERY_CODE_LEN + 1));
    vault_lock(v);
    act_init(&a, v, actor, "auth.totp_enable");
    if ((err = require_enrolment(actor, em)) != MNS_OK || (err = require_unsealed(v, em)) != MNS_OK ||
        (err = user_load(v, NULL, actor->user_id, &u)) != MNS_OK)
        goto out;
    snprintf(a.subject, sizeof(a.subject), "user:%s", u.name);
    if (u.totp_enabled || u.totp_wrapped_len == 0) {
        err = mns_fail(em, MNS_ERR_STATE, "no enrolment is waiting: start one first / 登録手続きが開始されていません");
        goto out;
    }
    totp_ad(ad, sizeof(ad), u.id);
    if ((err = mns_aead_open(key, &keylen, v->sec->root, ad, strlen(ad), u.totp_wrapped, u.totp_wrapped_len)) !=
        MNS_OK)
        goto out;
    if (code == NULL ||
        mns_totp_verify(key, keylen, code, mns_now_ms() / 1000, TOTP_STEP, u.totp_alg, u.totp_digits, -1, &step) !=
            MNS_OK) {
        err = mns_fail(em, MNS_ERR_MFA, "the code does not match: check the app's clock and try again / "
                       "コードが一致しません。アプリの時刻を確認して再度入力してください");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = run1(v, "UPDATE users SET totp_enabled = 1, totp_last_step = ? WHERE id = ?", step, u.id)) != MNS_OK ||
        (err = run1(v, "DELETE FROM recovery_codes WHERE user_id = ?", u.id, -1)) != MNS_OK)
        goto out;
    for (int i = 0; err == MNS_OK && i < MNS_RECOVERY_CODES; i++) {
        uint8_t hash[MNS_HASH_LEN];
        if ((err = mns_password_generate(codes[i])) != MNS_OK || (err = mns_sha256(hash, codes[i], strlen(codes[i]))) != MNS_OK ||
            (err = mns_store_prepare(v->store, &s, "INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")) !=
                MNS_OK)
            break;
        if ((err = mns_stmt_bind_int64(s, 1, u.id)) == MNS_OK && (err = mns_stmt_bind_blob(s, 2, hash, sizeof(hash))) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
out:
    mns_wipe(key, sizeof(key));
    err = act_finish(&a, err);
    if (err != MNS_OK)
        mns_wipe(codes, MNS_RECOVERY_CODES * (MNS_RECOVERY_CODE_LEN + 1));
    mns_wipe(&u, sizeof(u));
    return err;
}

/* ---- login risk (F-b optional 2) --------------------------------------- */

static bool network_client(const char *client)
{
    return client != NULL && strcmp(client, "unix") != 0 && strcmp(client, "local") != 0;
}

/* A new address needs the second factor (users without one are refused
 * when the vault is configured so); two places too far apart in too short a
 * time are refused. Only reads; login_risk_record writes after success. */
/* Is the device token known for the user (*known), and does the user have
 * any device yet (*any)? */
static mns_err device_known(struct mns_vault *v, int64_t user_id, const char *device, bool *known, bool *any)
{
    struct mns_stmt *s;
    uint8_t hash[MNS_HASH_LEN] = {0};
    bool row = false, have = device != NULL && strlen(device) == MNS_DEVICE_TOKEN_LEN;
    mns_err err;
    *known = *any = false;
    if (have && (err = mns_sha256(hash, (const uint8_t *)device, strlen(device))) != MNS_OK)
        return err;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT count(*), sum(CASE WHEN token_hash = ? THEN 1 ELSE 0 END) FROM user_devices "
                                 "WHERE user_id = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_blob(s, 1, hash, sizeof(hash))) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 2, user_id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        *any = mns_stmt_int64(s, 0) > 0;
        *known = have && !mns_stmt_is_null(s, 1) && mns_stmt_int64(s, 1) > 0;
    }
    mns_stmt_reset(s);
    return err;
}

static mns_err login_risk_check(struct mns_vault *v, struct act *a, const struct user_row *u, const char *client,
                                const char *device, int64_t now, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false, dev_known = false, dev_any = false;
    int64_t known = 0, any = 0;
    mns_err err;
    if (!network_client(client))
        return MNS_OK;
    if ((err = device_known(v, u->id, device, &dev_known, &dev_any)) != MNS_OK)
        return err;
    if (!dev_known && dev_any) {
        if (v->refuse_new_device && !u->totp_enabled) {
            a->failure_detail = "new device without a second factor";
            return mns_fail(em, MNS_ERR_DENIED, "login from a new device needs two-factor login / "
                            "新しい端末からのログインには二要素認証が必要です");
        }
        act_note(a, "new device");
    }
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT count(*), sum(CASE WHEN client = ? THEN 1 ELSE 0 END) FROM user_addresses "
                                 "WHERE user_id = ?")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, client, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, u->id)) == MNS_OK &&
        (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        any = mns_stmt_int64(s, 0);
        known = mns_stmt_is_null(s, 1) ? 0 : mns_stmt_int64(s, 1);
    }
    mns_stmt_reset(s);
    if (err != MNS_OK)
        return err;
    if (known == 0 && any > 0) {
        if (v->refuse_new_address && !u->totp_enabled) {
            a->failure_detail = "new address without a second factor";
            return mns_fail(em, MNS_ERR_DENIED, "login from a new address needs two-factor login / "
                            "新しいアドレスからのログインには二要素認証が必要です");
        }
        act_note(a, "new address");
    }
    const char *place = access_place_of(&v->access, client);
    if (v->travel_minutes > 0 && place != NULL && u->last_place[0] != '\0' && strcmp(place, u->last_place) != 0 &&
        now - u->last_place_at < (int64_t)v->travel_minutes * 60000) {
        a->failure_detail = "impossible travel";
        return mns_fail(em, MNS_ERR_DENIED, "login from %s too soon after one from %s / "
                        "%s からのログインの直後に %s からはログインできません", place, u->last_place, u->last_place, place);
    }
    return MNS_OK;
}

/* Remembers the device: device_out gets the presented token when it is
 * known, a new one otherwise. */
static mns_err device_record(struct mns_vault *v, const struct user_row *u, const char *device,
                             char device_out[MNS_DEVICE_TOKEN_LEN + 1], int64_t now)
{
    struct mns_stmt *s;
    uint8_t hash[MNS_HASH_LEN], raw[32];
    char hex[65];
    bool known = false, any = false;
    mns_err err = device_known(v, u->id, device, &known, &any);
    if (err != MNS_OK)
        return err;
    if (known) {
        snprintf(device_out, MNS_DEVICE_TOKEN_LEN + 1, "%s", device);
    } else {
        if ((err = mns_random(raw, sizeof(raw))) != MNS_OK)
            return err;
        mns_hex_encode(hex, raw, sizeof(raw));
        snprintf(device_out, MNS_DEVICE_TOKEN_LEN + 1, "mnd_%s", hex);
        mns_wipe(raw, sizeof(raw));
        mns_wipe(hex, sizeof(hex));
    }
    if ((err = mns_sha256(hash, (const uint8_t *)device_out, strlen(device_out))) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO user_devices (user_id, token_hash, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT (user_id, token_hash) DO UPDATE SET last_seen = excluded.last_seen")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, u->id)) == MNS_OK && (err = mns_stmt_bind_blob(s, 2, hash, sizeof(hash))) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, now)) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, now)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

static mns_err login_risk_record(struct mns_vault *v, const struct user_row *u, const char *client, int64_t now)
{
    struct mns_stmt *s;
    mns_err err;
    if (!network_client(client))
        return MNS_OK;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO user_addresses (user_id, client, first_seen, last_seen) VALUES (?, ?, ?, ?) "
                                 "ON CONFLICT (user_id, client) DO UPDATE SET last_seen = excluded.last_seen")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, u->id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, client, -1)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, now)) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, now)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    const char *place = access_place_of(&v->access, client);
    if (err == MNS_OK && place != NULL &&
        (err = mns_store_prepare(v->store, &s, "UPDATE users SET last_place = ?, last_place_at = ? WHERE id = ?")) ==
            MNS_OK) {
        if ((err = mns_stmt_bind_text(s, 1, place, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, now)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 3, u->id)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    return err;
}

mns_err mns_vault_login(struct mns_vault *v, const char *user, const char *password, const char *client,
                        char token[MNS_TOKEN_LEN + 1], struct mns_actor *actor, mns_errmsg *em)
{
    return mns_vault_login_mfa(v, user, password, NULL, client, token, actor, em);
}

mns_err mns_vault_login_mfa(struct mns_vault *v, const char *user, const char *password, const char *otp,
                            const char *client, char token[MNS_TOKEN_LEN + 1], struct mns_actor *actor,
                            mns_errmsg *em)
{
    char device[MNS_DEVICE_TOKEN_LEN + 1];
    const struct mns_login in = {.user = user, .password = password, .otp = otp, .client = client};
    mns_err err = mns_vault_login_ex(v, &in, device, token, actor, em);
    mns_wipe(device, sizeof(device));
    return err;
}

mns_err mns_vault_login_ex(struct mns_vault *v, const struct mns_login *in, char device_out[MNS_DEVICE_TOKEN_LEN + 1],
                           char token[MNS_TOKEN_LEN + 1], struct mns_actor *actor, mns_errmsg *em)
{
    const char *user = in->user, *password = in->password, *otp = in->otp, *client = in->client, *device = in->device;
    struct user_row u;
    struct act a;
    mns_err err, lookup;
    bool user_locked = false, addr_locked = false;

    token[0] = '\0';
    device_out[0] = '\0';
    memset(&u, 0, sizeof(u));
    mns_actor_anonymous(actor, client);
    if (user == NULL || password == NULL || strlen(password) > MNS_PASSWORD_MAX || strlen(user) > 63) {
        /* refused before any lookup, but audited like every failed login */
        vault_lock(v);
        act_init(&a, v, actor, "auth.login");
        err = act_finish(&a, MNS_ERR_AUTH);
        return mns_fail(em, err, "wrong user name or password / ユーザー名またはパスワードが違います");
    }

    vault_lock(v);
    int64_t now = mns_now_ms();
    lookup = user_load(v, user, 0, &u);
    if (lookup == MNS_OK)
        user_locked = u.locked_until > now;
    if (lookup == MNS_OK || lookup == MNS_ERR_NOT_FOUND)
        lookup = address_locked(v, client, now, &addr_locked) == MNS_OK ? lookup : MNS_ERR_STORE;
    vault_unlock(v);

    /* the slow part, without the lock; an unknown or locked user pays the
     * same price, so that timing tells nothing */
    if (lookup == MNS_OK && !u.disabled && !user_locked && !addr_locked) {
        err = mns_pwhash_verify(u.pwhash, password, strlen(password));
    } else {
        char dummy[MNS_PWHASH_STR_MAX];
        ignore_err(mns_pwhash(dummy, password, strlen(password)));
        err = lookup == MNS_OK || lookup == MNS_ERR_NOT_FOUND ? MNS_ERR_AUTH : lookup;
    }
    mns_wipe(u.pwhash, sizeof(u.pwhash));

    vault_lock(v);
    now = mns_now_ms();
    struct mns_actor who;
    mns_actor_anonymous(&who, client);
    snprintf(who.name, sizeof(who.name), "%s", valid_user_name(user) ? user : "-");
    act_init(&a, v, &who, "auth.login");
    if (valid_user_name(user))
        snprintf(a.subject, sizeof(a.subject), "user:%s", user);
    if (err == MNS_OK && u.totp_enabled) {
        err = second_factor(v, &a, &u, otp, now, em);
        if (err == MNS_ERR_MFA && otp != NULL) {
            /* a wrong code counts like a wrong password */
            bool now_locked = false;
            if (count_failure(v, &a, &u, client, now, &now_locked) == MNS_OK && now_locked)
                ignore_err(act_audit(&a, "auth.lockout", a.subject, "ok"));
        }
    }
    if (err == MNS_OK) {
        const char *why = NULL;
        if ((err = access_rules_check(&v->access, u.role, client, now, &why, em)) != MNS_OK)
            a.failure_detail = why;
    }
    /* a role that needs a client certificate needs it to log in, too */
    if (err == MNS_OK && (v->require_client_cert_roles & u.role) != 0 && network_client(client) &&
        (in->cert_cn == NULL || strcmp(in->cert_cn, u.name) != 0)) {
        a.failure_detail = "client certificate required";
        err = mns_fail(em, MNS_ERR_DENIED, "your role logs in with your client certificate only / "
                       "このロールはクライアント証明書でのみログインできます");
    }
    if (err == MNS_OK)
        err = login_risk_check(v, &a, &u, client, device, now, em);
    if (err == MNS_OK) {
        uint8_t raw[32], hash[MNS_HASH_LEN];
        char hex[65];
        struct mns_stmt *s;
        if ((err = mns_random(raw, sizeof(raw))) != MNS_OK)
            goto out;
        mns_hex_encode(hex, raw, sizeof(raw));
        snprintf(token, MNS_TOKEN_LEN + 1, "mns_%s", hex);
        mns_wipe(raw, sizeof(raw));
        mns_wipe(hex, sizeof(hex));
        if ((err = token_hash(hash, token)) != MNS_OK || (err = act_begin(&a)) != MNS_OK ||
            (err = one_session(v, &a, u.id, now, em)) != MNS_OK)
            goto out;
        if ((err = mns_store_prepare(v->store, &s,
                                     "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at, client) "
                                     "VALUES (?, ?, ?, ?, ?, ?)")) != MNS_OK)
            goto out;
        if ((err = mns_stmt_bind_blob(s, 1, hash, sizeof(hash))) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 2, u.id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 3, now)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 4, now)) == MNS_OK &&
            (err = mns_stmt_bind_int64(s, 5, now + (int64_t)v->session_max_s * 1000)) == MNS_OK &&
            (err = mns_stmt_bind_text(s, 6, client != NULL ? client : "-", -1)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
        if (err == MNS_OK)
            err = login_risk_record(v, &u, client, now);
        if (err == MNS_OK && network_client(client))
            err = device_record(v, &u, device, device_out, now);
        /* a success ends the run of failures; sessions that ran out go for good */
        if (err == MNS_OK && (err = mns_store_prepare(v->store, &s, "UPDATE users SET failed_logins = 0 WHERE id = ?")) ==
                                 MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, u.id)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
        }
        if (err == MNS_OK && (err = mns_store_prepare(v->store, &s,
                                                      "DELETE FROM sessions WHERE expires_at < ? OR last_seen < ?")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, now)) == MNS_OK &&
                (err = mns_stmt_bind_int64(s, 2, now - (int64_t)v->session_idle_s * 1000)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
        }
        actor->user_id = u.id;
        /* a role granted with separation of duties works once approved */
        actor->role = u.role_pending ? MNS_ROLE_NONE : u.role;
        actor->role_pending = u.role_pending;
        /* an expired password (when the policy sets an expiry) is like a
         * one-time password: nothing but its change until it is changed */
        bool expired = v->pw_policy.expiry_days > 0 && u.password_changed_at > 0 &&
                       now - u.password_changed_at > (int64_t)v->pw_policy.expiry_days * 86400 * 1000;
        if (expired) {
            struct mns_stmt *s2;
            if (err == MNS_OK && (err = mns_store_prepare(v->store, &s2, "UPDATE users SET must_change = 1 WHERE id = ?")) ==
                                     MNS_OK) {
                if ((err = mns_stmt_bind_int64(s2, 1, u.id)) == MNS_OK)
                    err = mns_stmt_run(s2);
                mns_stmt_reset(s2);
            }
            act_note(&a, "password expired");
        }
        actor->must_change_password = u.must_change || expired;
        actor->totp_enabled = u.totp_enabled;
        actor->must_enroll_mfa = (v->require_mfa_roles & u.role) != 0 && !u.totp_enabled;
        snprintf(actor->name, sizeof(actor->name), "%s", u.name);
    } else if (err == MNS_ERR_AUTH) {
        bool now_locked = false;
        a.failure_detail = addr_locked ? "address locked" : user_locked ? "user locked" : NULL;
        /* a locked attempt is not counted again: the lock runs out as set */
        if (!user_locked && !addr_locked &&
            count_failure(v, &a, lookup == MNS_OK ? &u : NULL, client, now, &now_locked) == MNS_OK && now_locked)
            ignore_err(act_audit(&a, "auth.lockout", a.subject, "ok"));
        mns_fail(em, MNS_ERR_AUTH, "wrong user name or password / ユーザー名またはパスワードが違います");
    }
out:
    err = act_end(&a, err);
    if (err != MNS_OK) {
        mns_wipe(token, MNS_TOKEN_LEN + 1);
        mns_wipe(device_out, MNS_DEVICE_TOKEN_LEN + 1);
        mns_actor_anonymous(actor, client);
    }
    vault_unlock(v);
    return err;
}

mns_err mns_vault_user_unlock(struct mns_vault *v, const struct mns_actor *actor, const char *user, mns_errmsg *em)
{
    struct act a;
    struct user_row u;
    struct mns_stmt *s;
    mns_err err;

    memset(&u, 0, sizeof(u));
    vault_lock(v);
    act_init(&a, v, actor, "user.unlock");
    snprintf(a.subject, sizeof(a.subject), "user:%s", valid_user_name(user) ? user : "-");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN, em)) != MNS_OK)
        goto out;
    if ((err = user_load(v, user, 0, &u)) != MNS_OK) {
        mns_fail(em, err, "no such user / ユーザーが見つかりません");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s, "UPDATE users SET failed_logins = 0, locked_until = 0 WHERE id = ?")) !=
            MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, u.id)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
out:
    err = act_finish(&a, err);
    mns_wipe(&u, sizeof(u));
    return err;
}

/* Resets another user's password (pwhash set: a new one-time password) or
 * second factor (pwhash NULL), ending their sessions. */
static mns_err user_reset(struct mns_vault *v, const struct mns_actor *actor, const char *user, const char *pwhash,
                          mns_errmsg *em)
{
    struct act a;
    struct user_row u;
    mns_err err;
    bool mfa = pwhash == NULL;

    memset(&u, 0, sizeof(u));
    vault_lock(v);
    act_init(&a, v, actor, mfa ? "user.mfa_reset" : "user.password_reset");
    snprintf(a.subject, sizeof(a.subject), "user:%s", valid_user_name(user) ? user : "-");
    /* with separation of duties a second factor is reset by an officer, so
     * that a sysadmin alone (who resets passwords) cannot take an account */
    if ((err = require_role(actor, mfa && v->separation_of_duties ? MNS_ROLE_OFFICER : MNS_ROLE_SYSADMIN, em)) != MNS_OK)
        goto out;
    if ((err = user_load(v, user, 0, &u)) != MNS_OK) {
        mns_fail(em, err, "no such user / ユーザーが見つかりません");
        goto out;
    }
    if (u.id == actor->user_id) {
        err = mns_fail(em, MNS_ERR_DENIED, "not for yourself: use passwd or mfa enroll / "
                       "自分自身には使えません（passwd / mfa enroll を使ってください）");
        goto out;
    }
    if (mfa && !u.totp_enabled && u.totp_wrapped_len == 0) {
        err = mns_fail(em, MNS_ERR_STATE, "the user has no second factor / このユーザーは二要素認証を設定していません");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    struct mns_stmt *s;
    if (mfa) {
        err = run1(v, "UPDATE users SET totp_enabled = 0, totp_wrapped = NULL, totp_last_step = -1 WHERE id = ?", u.id, -1);
        if (err == MNS_OK)
            err = run1(v, "DELETE FROM recovery_codes WHERE user_id = ?", u.id, -1);
    } else if ((err = mns_store_prepare(v->store, &s,
                                        "UPDATE users SET pwhash = ?, must_change = 1, failed_logins = 0, "
                                        "locked_until = 0 WHERE id = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_text(s, 1, pwhash, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, u.id)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    if (err == MNS_OK)
        err = run1(v, "DELETE FROM sessions WHERE user_id = ?", u.id, -1);
    if (err == MNS_OK)
        err = run1(v, "DELETE FROM api_tokens WHERE user_id = ?", u.id, -1);
out:
    err = act_finish(&a, err);
    mns_wipe(&u, sizeof(u));
    return err;
}

mns_err mns_vault_user_reset_password(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                                      char password_out[40], mns_errmsg *em)
{
    char hash[MNS_PWHASH_STR_MAX];
    /* hashed before the lock: Argon2id takes a while */
    mns_err err = mns_password_generate(password_out);
    if (err == MNS_OK)
        err = mns_pwhash(hash, password_out, strlen(password_out));
    if (err == MNS_OK)
        err = user_reset(v, actor, user, hash, em);
    if (err != MNS_OK)
        mns_wipe(password_out, 40);
    mns_wipe(hash, sizeof(hash));
    return err;
}

mns_err mns_vault_user_reset_mfa(struct mns_vault *v, const struct mns_actor *actor, const char *user, mns_errmsg *em)
{
    return user_reset(v, actor, user, NULL, em);
}

mns_err mns_vault_authenticate(struct mns_vault *v, const char *token, const char *client,
                               struct mns_actor *actor)
{
    return mns_vault_authenticate_cert(v, token, client, NULL, actor);
}

/* Idle time is tracked to the minute, to spare a write per request. */
#define SESSION_TOUCH_MS 60000

/*
 * The session (or program token) from the cache, if it is there, live, and
 * passes the where-and-when rules. Anything else, a refusal included, goes
 * the long way under the lock, where it is audited and the cache refilled.
 */
static bool authenticate_cached(struct mns_vault *v, const uint8_t hash[MNS_HASH_LEN], const char *client,
                                const char *cert_cn, struct mns_actor *actor)
{
    struct session_cache_entry e;
    int64_t now = mns_now_ms();
    if (!session_cache_get(v, hash, now, &e))
        return false;
    bool ok = now < e.expires_at && now - e.last_seen < (int64_t)v->session_idle_s * 1000 &&
              (e.actor.program || now - e.last_seen <= SESSION_TOUCH_MS);
    bool network = client != NULL && strcmp(client, "unix") != 0 && strcmp(client, "local") != 0;
    if (ok && (v->require_client_cert_roles & e.actor.role) != 0 && network &&
        (cert_cn == NULL || strcmp(cert_cn, e.actor.name) != 0))
        ok = false;
    const char *why = NULL;
    if (ok && access_rules_check(&v->access, e.actor.role, client, now, &why, NULL) != MNS_OK)
        ok = false;
    if (ok) {
        char keep[sizeof(actor->client)];
        snprintf(keep, sizeof(keep), "%s", actor->client);
        *actor = e.actor;
        snprintf(actor->client, sizeof(actor->client), "%s", keep);
    }
    mns_wipe(&e, sizeof(e));
    return ok;
}

/* The user behind a session or program token, with what decides whether it
 * is live. Column 9 is the program token's last use (0 for a session). */
static const char SESSION_SQL[] = "SELECT u.id, u.name, u.role, u.disabled, s.last_seen, s.expires_at, u.must_change, "
                                  "u.totp_enabled, u.role_pending, 0 "
                                  "FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?1 "
                                  "AND ?2 = ?2";
/* a program token has no idle time: its "last seen" is now */
static const char PROGRAM_TOKEN_SQL[] = "SELECT u.id, u.name, u.role, u.disabled, ?2, t.expires_at, u.must_change, "
                                        "u.totp_enabled, u.role_pending, COALESCE(t.last_used, 0) "
                                        "FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?1";

struct session_row {
    bool live;
    int64_t last_seen, last_used, expires_at;
};

/* Runs SESSION_SQL or PROGRAM_TOKEN_SQL on st; *row tells whether the token
 * is known; a live one fills actor. */
static mns_err session_lookup(struct mns_vault *v, struct mns_store *st, const uint8_t hash[MNS_HASH_LEN], bool program,
                              int64_t now, bool *row, struct session_row *r, struct mns_actor *actor)
{
    struct mns_stmt *s;
    mns_err err;
    memset(r, 0, sizeof(*r));
    *row = false;
    if ((err = mns_store_prepare(st, &s, program ? PROGRAM_TOKEN_SQL : SESSION_SQL)) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_blob(s, 1, hash, MNS_HASH_LEN)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, now)) == MNS_OK)
        err = mns_stmt_step(s, row);
    if (err == MNS_OK && *row) {
        r->last_seen = mns_stmt_int64(s, 4);
        r->expires_at = mns_stmt_int64(s, 5);
        r->last_used = mns_stmt_int64(s, 9);
        r->live = mns_stmt_int64(s, 3) == 0 && now < r->expires_at &&
                  now - r->last_seen < (int64_t)v->session_idle_s * 1000;
        if (r->live) {
            actor->user_id = mns_stmt_int64(s, 0);
            snprintf(actor->name, sizeof(actor->name), "%s", mns_stmt_text(s, 1));
            actor->role_pending = mns_stmt_int64(s, 8) != 0;
            actor->role = actor->role_pending ? MNS_ROLE_NONE : mns_role_parse(mns_stmt_text(s, 2));
            actor->must_change_password = mns_stmt_int64(s, 6) != 0;
            actor->totp_enabled = mns_stmt_int64(s, 7) != 0;
            actor->must_enroll_mfa = (v->require_mfa_roles & actor->role) != 0 && !actor->totp_enabled;
            actor->program = program;
        }
    }
    mns_stmt_reset(s);
    return err;
}

/* Why a live session may not be used from this client now (NULL: it may). */
static const char *session_refusal(struct mns_vault *v, const struct mns_actor *actor, const char *client,
                                   const char *cert_cn, int64_t now)
{
    const char *why = NULL;
    bool network = client != NULL && strcmp(client, "unix") != 0 && strcmp(client, "local") != 0;
    if ((v->require_client_cert_roles & actor->role) != 0 && network &&
        (cert_cn == NULL || strcmp(cert_cn, actor->name) != 0))
        return "client certificate required";
    if (access_rules_check(&v->access, actor->role, client, now, &why, NULL) != MNS_OK)
        return why != NULL ? why : "access rules";
    return NULL;
}

/*
 * On a shared store (several servers on PostgreSQL, no session cache): the
 * session read on a pooled connection, without the vault lock, so that
 * requests do not queue behind the writer for it. Only the plain case is
 * answered here: a live session whose last use needs no new write and that
 * passes the where-and-when rules. Anything else goes the long way.
 */
static bool authenticate_pooled(struct mns_vault *v, const uint8_t hash[MNS_HASH_LEN], bool program,
                                const char *client, const char *cert_cn, struct mns_actor *actor)
{
    struct mns_store *st = NULL;
    struct session_row r;
    bool row = false;
    if (v->readers == NULL || mns_store_pool_take(v->readers, &st, NULL) != MNS_OK)
        return false;
    int64_t now = mns_now_ms();
    mns_err err = session_lookup(v, st, hash, program, now, &row, &r, actor);
    mns_store_pool_give(v->readers, st);
    bool ok = err == MNS_OK && row && r.live &&
              (program ? now - r.last_used <= SESSION_TOUCH_MS : now - r.last_seen <= SESSION_TOUCH_MS) &&
              session_refusal(v, actor, client, cert_cn, now) == NULL;
    if (!ok)
        mns_actor_anonymous(actor, client);
    return ok;
}

mns_err mns_vault_authenticate_cert(struct mns_vault *v, const char *token, const char *client, const char *cert_cn,
                                    struct mns_actor *actor)
{
    uint8_t hash[MNS_HASH_LEN];
    struct mns_stmt *s;
    struct session_row r;
    bool row = false;
    mns_err err;

    mns_actor_anonymous(actor, client);
    if (token == NULL || strlen(token) != MNS_TOKEN_LEN || (strncmp(token, "mns_", 4) != 0 && strncmp(token, "mnt_", 4) != 0))
        return MNS_ERR_AUTH;
    bool program = token[2] == 't';
    if ((err = token_hash(hash, token)) != MNS_OK)
        return err;
    if (authenticate_cached(v, hash, client, cert_cn, actor) ||
        authenticate_pooled(v, hash, program, client, cert_cn, actor)) {
        mns_wipe(hash, sizeof(hash));
        return MNS_OK;
    }
    vault_lock(v);
    int64_t now = mns_now_ms();
    bool seen_now = program;
    err = session_lookup(v, v->store, hash, program, now, &row, &r, actor);
    bool live = r.live;
    int64_t last_seen = r.last_seen, expires_at = r.expires_at;
    if (err != MNS_OK)
        goto out;
    if (!row) {
        err = MNS_ERR_AUTH;
        goto out;
    }
    if (!live && program) {
        err = MNS_ERR_AUTH; /* an expired program token stays listed until revoked */
        goto out;
    }
    if (!live) {
        /* an expired session is ended for good */
        if (mns_store_prepare(v->store, &s, "DELETE FROM sessions WHERE token_hash = ?") == MNS_OK) {
            if (mns_stmt_bind_blob(s, 1, hash, sizeof(hash)) == MNS_OK)
                ignore_err(mns_stmt_run(s));
            mns_stmt_reset(s);
        }
        err = MNS_ERR_AUTH;
        goto out;
    }
    /* where and when: a session used from a network or at an hour the role
     * may not work from is refused, and that is audited */
    {
        const char *why = session_refusal(v, actor, client, cert_cn, now);
        if (why != NULL) {
            struct act a;
            struct mns_actor who = *actor;
            act_init(&a, v, &who, "auth.session");
            snprintf(a.subject, sizeof(a.subject), "user:%s", actor->name);
            a.failure_detail = why;
            err = act_end(&a, MNS_ERR_DENIED);
            goto out;
        }
    }
    /* idle time is tracked to the minute (SESSION_TOUCH_MS), to spare a
     * write per request; a program token's last use is recorded the same way */
    if (program && mns_store_prepare(v->store, &s,
                                     "UPDATE api_tokens SET last_used = ?1 WHERE token_hash = ?2 AND "
                                     "(last_used IS NULL OR last_used < ?1 - 60000)") == MNS_OK) { /* SESSION_TOUCH_MS */
        if (mns_stmt_bind_int64(s, 1, now) == MNS_OK && mns_stmt_bind_blob(s, 2, hash, sizeof(hash)) == MNS_OK)
            ignore_err(mns_stmt_run(s));
        mns_stmt_reset(s);
    }
    if (!program && now - last_seen > SESSION_TOUCH_MS &&
        mns_store_prepare(v->store, &s, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?") == MNS_OK) {
        if (mns_stmt_bind_int64(s, 1, now) == MNS_OK && mns_stmt_bind_blob(s, 2, hash, sizeof(hash)) == MNS_OK)
            seen_now = mns_stmt_run(s) == MNS_OK;
        mns_stmt_reset(s);
    }
    if (seen_now || now - last_seen <= SESSION_TOUCH_MS) {
        /* read after our own writes: they count as changes too */
        struct session_cache_entry e = {.changes = session_cache_changes(v), .cached_at = now,
                                        .last_seen = seen_now ? now : last_seen, .expires_at = expires_at,
                                        .actor = *actor};
        memcpy(e.hash, hash, sizeof(hash));
        session_cache_put(v, &e);
        mns_wipe(&e, sizeof(e));
    }
out:
    if (err != MNS_OK)
        mns_actor_anonymous(actor, client);
    vault_unlock(v);
    mns_wipe(hash, sizeof(hash));
    return err;
}

mns_err mns_vault_logout(struct mns_vault *v, const struct mns_actor *actor, const char *token)
{
    uint8_t hash[MNS_HASH_LEN];
    struct act a;
    struct mns_stmt *s;
    mns_err err;

    if (token == NULL || (err = token_hash(hash, token)) != MNS_OK)
        return MNS_ERR_AUTH;
    vault_lock(v);
    act_init(&a, v, actor, "auth.logout");
    if ((err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s, "DELETE FROM sessions WHERE token_hash = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_blob(s, 1, hash, sizeof(hash))) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    err = act_finish(&a, err);
    return err;
}

/* History rule: the new password may not be the current one nor one of the
 * last `history` ones. Argon2id per hash, so outside the vault lock. */
static mns_err check_history(struct mns_vault *v, const struct user_row *u, const char *pw, mns_errmsg *em)
{
    char hashes[16][MNS_PWHASH_STR_MAX];
    size_t n = 0;
    struct mns_stmt *s;
    bool row;
    mns_err err = MNS_OK;
    unsigned keep = v->pw_policy.history > 16 ? 16 : v->pw_policy.history;

    if (keep == 0)
        return MNS_OK;
    snprintf(hashes[n++], sizeof(hashes[0]), "%s", u->pwhash);
    vault_lock(v);
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT pwhash FROM password_history WHERE user_id = ? ORDER BY changed_at DESC LIMIT ?")) ==
        MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, u->id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, keep - 1)) == MNS_OK)
            while (n < keep && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
                snprintf(hashes[n++], sizeof(hashes[0]), "%s", mns_stmt_text(s, 0));
        mns_stmt_reset(s);
    }
    vault_unlock(v);
    for (size_t i = 0; err == MNS_OK && i < n; i++)
        if (mns_pwhash_verify(hashes[i], pw, strlen(pw)) == MNS_OK)
            err = mns_fail(em, MNS_ERR_INVALID, "the new password was used before (the last %u may not come back) / "
                           "以前に使ったパスワードです（直近%u個は使えません）", keep, keep);
    mns_wipe(hashes, sizeof(hashes));
    return err;
}

/* Keeps the replaced hash for the history rule, trimmed to its length. */
static mns_err remember_password(struct mns_vault *v, const struct user_row *u, int64_t now)
{
    struct mns_stmt *s;
    mns_err err;
    if (v->pw_policy.history == 0)
        return MNS_OK;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO password_history (user_id, changed_at, pwhash) VALUES (?, ?, ?)")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, u->id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, now)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 3, u->pwhash, -1)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "DELETE FROM password_history WHERE user_id = ? AND changed_at NOT IN "
                                 "(SELECT changed_at FROM password_history WHERE user_id = ? ORDER BY changed_at DESC LIMIT ?)")) !=
            MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, u->id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, u->id)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, v->pw_policy.history)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_password_change(struct mns_vault *v, const struct mns_actor *actor, const char *old_password,
                                  const char *new_password, mns_errmsg *em)
{
    struct user_row u;
    struct act a;
    char hash[MNS_PWHASH_STR_MAX];
    mns_err err;

    if (actor == NULL || actor->user_id == 0)
        return mns_fail(em, MNS_ERR_AUTH, "login required / ログインが必要です");
    vault_lock(v);
    err = user_load(v, NULL, actor->user_id, &u);
    vault_unlock(v);
    if (err == MNS_OK)
        err = old_password != NULL ? mns_pwhash_verify(u.pwhash, old_password, strlen(old_password)) : MNS_ERR_AUTH;
    if (err != MNS_OK)
        mns_fail(em, MNS_ERR_AUTH, "the current password is wrong / 現在のパスワードが違います");
    if (err == MNS_OK)
        err = password_policy_check(&v->pw_policy, u.name, new_password, em);
    if (err == MNS_OK)
        err = check_history(v, &u, new_password, em);
    if (err == MNS_OK)
        err = mns_pwhash(hash, new_password, strlen(new_password));
    vault_lock(v);
    act_init(&a, v, actor, "auth.password_change");
    snprintf(a.subject, sizeof(a.subject), "user:%s", actor->name);
    if (err == MNS_OK && (err = act_begin(&a)) == MNS_OK) {
        struct mns_stmt *s;
        int64_t now = mns_now_ms();
        if ((err = mns_store_prepare(v->store, &s,
                                     "UPDATE users SET pwhash = ?, must_change = 0, password_changed_at = ? WHERE id = ?")) ==
            MNS_OK) {
            if ((err = mns_stmt_bind_text(s, 1, hash, -1)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, now)) == MNS_OK &&
                (err = mns_stmt_bind_int64(s, 3, actor->user_id)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
        }
        if (err == MNS_OK && !u.must_change)
            err = remember_password(v, &u, now); /* a one-time password is not worth keeping */
        /* whoever knew the old password may hold a session or have made a
         * program token: all of them end */
        if (err == MNS_OK && (err = mns_store_prepare(v->store, &s, "DELETE FROM sessions WHERE user_id = ?")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, actor->user_id)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
        }
        if (err == MNS_OK)
            err = run1(v, "DELETE FROM api_tokens WHERE user_id = ?", actor->user_id, -1);
    }
    err = act_finish(&a, err == MNS_ERR_AUTH ? MNS_ERR_DENIED : err);
    mns_wipe(&u, sizeof(u));
    return err;
}

static mns_err grant_request_insert(struct mns_vault *v, const char *kind, int64_t user_id, int64_t tenant_id,
                                    unsigned files, mns_role role, const char *requested_by, int64_t *request_id);

/* Is there anyone but the actor who could approve a role (an officer or
 * sysadmin in force)? While there is not (the first users of a new
 * installation), a role is granted at once, and the audit entry says so. */
static mns_err role_approver_exists(struct mns_vault *v, int64_t actor_id, bool *exists)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT count(*) FROM users WHERE role IN ('officer','sysadmin') AND role_pending = 0 "
                                    "AND disabled = 0 AND id != ?");
    *exists = false;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, actor_id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        *exists = mns_stmt_int64(s, 0) > 0;
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_user_create(struct mns_vault *v, const struct mns_actor *actor, const char *name, mns_role role,
                              char password_out[40], json_t **result, mns_errmsg *em)
{
    struct act a;
    char hash[MNS_PWHASH_STR_MAX];
    int64_t id = 0, request_id = 0;
    mns_err err;

    *result = NULL;
    password_out[0] = '\0';
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN, em)) == MNS_OK) {
        if (!valid_user_name(name))
            err = mns_fail(em, MNS_ERR_INVALID, "user name: 1-63 of a-z 0-9 . _ - / ユーザー名は英小文字・数字・._-で63文字以内");
        else if (role == MNS_ROLE_NONE)
            err = mns_fail(em, MNS_ERR_INVALID, "role must be sysadmin, officer, clerk or auditor / "
                           "ロールは sysadmin, officer, clerk, auditor のいずれかです");
    }
    if (err == MNS_OK && (err = mns_password_generate(password_out)) == MNS_OK)
        err = mns_pwhash(hash, password_out, strlen(password_out));
    if (err == MNS_OK)
        err = vault_new_id(v, &id);
    vault_lock(v);
    act_init(&a, v, actor, "user.create");
    snprintf(a.subject, sizeof(a.subject), "user:%s", valid_user_name(name) ? name : "-");
    bool pending = false;
    if (err == MNS_OK && (err = act_begin(&a)) == MNS_OK && v->separation_of_duties &&
        (err = role_approver_exists(v, actor->user_id, &pending)) == MNS_OK && !pending)
        act_note(&a, "no other approver yet: role granted at once");
    if (err == MNS_OK) {
        struct mns_stmt *s;
        /* with separation of duties the role waits for another person */
        if ((err = mns_store_prepare(v->store, &s,
                                     "INSERT INTO users (id, name, role, pwhash, must_change, created_at, role_pending) "
                                     "VALUES (?, ?, ?, ?, 1, ?, ?)")) == MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, name, -1)) == MNS_OK &&
                (err = mns_stmt_bind_text(s, 3, mns_role_name(role), -1)) == MNS_OK &&
                (err = mns_stmt_bind_text(s, 4, hash, -1)) == MNS_OK &&
                (err = mns_stmt_bind_int64(s, 5, mns_now_ms())) == MNS_OK &&
                (err = mns_stmt_bind_int64(s, 6, pending ? 1 : 0)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
            if (err == MNS_ERR_EXISTS)
                mns_fail(em, err, "a user with this name exists / 同じ名前のユーザーが既に存在します");
        }
        if (err == MNS_OK && pending &&
            (err = grant_request_insert(v, "role", id, 0, 0, role, actor->name, &request_id)) == MNS_OK)
            act_note(&a, "role pending; request:%lld", (long long)request_id);
    }
    err = act_finish(&a, err);
    if (err != MNS_OK) {
        mns_wipe(password_out, 40);
        return err;
    }
    *result = json_pack("{s:I, s:s, s:s, s:b, s:b}", "id", (json_int_t)id, "name", name, "role", mns_role_name(role),
                        "must_change_password", 1, "role_pending", request_id != 0);
    if (*result != NULL && request_id != 0)
        json_object_set_new(*result, "request_id", json_integer(request_id));
    return *result != NULL ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_user_list(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row;
    mns_err err;
    json_t *list = json_array();

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "user.list");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN | MNS_ROLE_AUDITOR, em)) == MNS_OK &&
        (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT u.id, u.name, u.role, u.disabled, u.must_change, "
                                 "(SELECT group_concat(t.code, ',') FROM assignments x JOIN tenants t "
                                 " ON t.id = x.tenant_id WHERE x.user_id = u.id), u.role_pending FROM users u "
                                 "ORDER BY u.name")) == MNS_OK) {
        /* role: the role asked for; role_pending: it awaits an approval and
         * gives no rights until then */
        while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            const char *tenants = mns_stmt_text(s, 5);
            json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:b, s:b, s:s, s:b}", "id",
                                                  (json_int_t)mns_stmt_int64(s, 0), "name", mns_stmt_text(s, 1),
                                                  "role", mns_stmt_text(s, 2), "disabled",
                                                  (int)mns_stmt_int64(s, 3), "must_change_password",
                                                  (int)mns_stmt_int64(s, 4), "tenants", tenants ? tenants : "",
                                                  "role_pending", (int)mns_stmt_int64(s, 6)));
        }
        mns_stmt_reset(s);
    }
    return act_end_list(&a, err, "users", list, result);
}

unsigned mns_files_parse(const char *text)
{
    unsigned files = 0;
    char buf[64];
    if (text == NULL || strlen(text) >= sizeof(buf))
        return 0;
    if (strcmp(text, "all") == 0)
        return MNS_FILES_ALL;
    snprintf(buf, sizeof(buf), "%s", text);
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t != NULL; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "employees") == 0)
            files |= MNS_FILE_EMPLOYEES;
        else if (strcmp(t, "payees") == 0)
            files |= MNS_FILE_PAYEES;
        else
            return 0;
    }
    return files;
}

const char *mns_files_name(unsigned files, char buf[32])
{
    snprintf(buf, 32, "%s%s%s", (files & MNS_FILE_EMPLOYEES) ? "employees" : "",
             (files & MNS_FILE_EMPLOYEES) && (files & MNS_FILE_PAYEES) ? "," : "",
             (files & MNS_FILE_PAYEES) ? "payees" : "");
    return buf;
}

static mns_err insert_assignment(struct mns_vault *v, int64_t user_id, int64_t tenant_id, unsigned files)
{
    struct mns_stmt *s;
    /* assigning again replaces the files */
    mns_err err = mns_store_prepare(v->store, &s,
                                    "INSERT INTO assignments (user_id, tenant_id, files) VALUES (?, ?, ?) "
                                    "ON CONFLICT (user_id, tenant_id) DO UPDATE SET files = excluded.files");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, user_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tenant_id)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, files)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

/* A pending request: kind "assignment" (tenant_id, files) or "role" (role). */
static mns_err grant_request_insert(struct mns_vault *v, const char *kind, int64_t user_id, int64_t tenant_id,
                                    unsigned files, mns_role role, const char *requested_by, int64_t *request_id)
{
    struct mns_stmt *s;
    int64_t id = 0;
    mns_err err;
    *request_id = 0;
    if ((err = vault_new_id(v, &id)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO grant_requests (id, kind, user_id, tenant_id, files, role, requested_by, "
                                 "requested_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending')")) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_text(s, 2, kind, -1)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, user_id)) == MNS_OK &&
        (err = tenant_id > 0 ? mns_stmt_bind_int64(s, 4, tenant_id) : mns_stmt_bind_null(s, 4)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 5, files ? files : MNS_FILES_ALL)) == MNS_OK &&
        (err = role != MNS_ROLE_NONE ? mns_stmt_bind_text(s, 6, mns_role_name(role), -1) : mns_stmt_bind_null(s, 6)) ==
            MNS_OK &&
        (err = mns_stmt_bind_text(s, 7, requested_by, -1)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 8, mns_now_ms())) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK)
        *request_id = id;
    return err;
}

/* Puts a role in force: assignments end unless the role works on tenants. */
static mns_err apply_role(struct mns_vault *v, int64_t user_id, mns_role role)
{
    struct mns_stmt *s;
    mns_err err = mns_store_prepare(v->store, &s, "UPDATE users SET role = ?, role_pending = 0 WHERE id = ?");
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, mns_role_name(role), -1)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 2, user_id)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    if (err == MNS_OK && role != MNS_ROLE_CLERK && role != MNS_ROLE_OFFICER &&
        (err = mns_store_prepare(v->store, &s, "DELETE FROM assignments WHERE user_id = ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, user_id)) == MNS_OK)
            err = mns_stmt_run(s);
        mns_stmt_reset(s);
    }
    return err;
}

mns_err mns_vault_assign(struct mns_vault *v, const struct mns_actor *actor, const char *user, const char *tenant_code,
                         mns_errmsg *em)
{
    int64_t request_id = 0;
    return mns_vault_assign_ex(v, actor, user, tenant_code, MNS_FILES_ALL, &request_id, em);
}

mns_err mns_vault_assign_ex(struct mns_vault *v, const struct mns_actor *actor, const char *user,
                            const char *tenant_code, unsigned files, int64_t *request_id, mns_errmsg *em)
{
    struct act a;
    struct user_row u;
    int64_t tenant_id = 0;
    char fname[32];
    mns_err err;

    *request_id = 0;
    if (files == 0)
        files = MNS_FILES_ALL;
    memset(&u, 0, sizeof(u));
    vault_lock(v);
    act_init(&a, v, actor, v->separation_of_duties ? "user.assign_request" : "user.assign");
    snprintf(a.subject, sizeof(a.subject), "user:%s", valid_user_name(user) ? user : "-");
    /* with separation of duties an officer may ask too; without, only a sysadmin assigns */
    if ((err = require_role(actor, v->separation_of_duties ? MNS_ROLE_SYSADMIN | MNS_ROLE_OFFICER : MNS_ROLE_SYSADMIN,
                            em)) != MNS_OK)
        goto out;
    if (files > MNS_FILES_ALL) {
        err = mns_fail(em, MNS_ERR_INVALID, "files: employees and/or payees / ファイルは employees か payees です");
        goto out;
    }
    if ((err = resolve_tenant(v, &a, actor, tenant_code, &tenant_id, em)) != MNS_OK)
        goto out;
    if ((err = user_load(v, user, 0, &u)) != MNS_OK) {
        mns_fail(em, err, "no such user / ユーザーが見つかりません");
        goto out;
    }
    if (u.role != MNS_ROLE_CLERK && u.role != MNS_ROLE_OFFICER) {
        err = mns_fail(em, MNS_ERR_INVALID, "only clerks and officers are assigned to tenants / "
                       "事業者に割り当てられるのは事務取扱担当者と責任者だけです");
        goto out;
    }
    /* a tenant may want a pledge and training on record before the clerk role */
    if (u.role == MNS_ROLE_CLERK && (err = registers_clerk_ready(v, tenant_id, u.name, em)) != MNS_OK) {
        a.failure_detail = "no pledge or training on record";
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    act_note(&a, "files:%s", mns_files_name(files, fname));
    if (!v->separation_of_duties) {
        err = insert_assignment(v, u.id, tenant_id, files);
        goto out;
    }
    if ((err = grant_request_insert(v, "assignment", u.id, tenant_id, files, MNS_ROLE_NONE, actor->name, request_id)) ==
        MNS_OK)
        act_note(&a, "request:%lld", (long long)*request_id);
out:
    err = act_end(&a, err);
    if (err != MNS_OK)
        *request_id = 0;
    vault_unlock(v);
    mns_wipe(&u, sizeof(u));
    return err;
}

mns_err mns_vault_user_role(struct mns_vault *v, const struct mns_actor *actor, const char *user, mns_role role,
                            int64_t *request_id, mns_errmsg *em)
{
    struct act a;
    struct user_row u;
    mns_err err;

    *request_id = 0;
    memset(&u, 0, sizeof(u));
    vault_lock(v);
    act_init(&a, v, actor, v->separation_of_duties ? "user.role_request" : "user.role");
    snprintf(a.subject, sizeof(a.subject), "user:%s", valid_user_name(user) ? user : "-");
    if ((err = require_role(actor, MNS_ROLE_SYSADMIN, em)) != MNS_OK)
        goto out;
    if (role == MNS_ROLE_NONE) {
        err = mns_fail(em, MNS_ERR_INVALID, "role must be sysadmin, officer, clerk or auditor / "
                       "ロールは sysadmin, officer, clerk, auditor のいずれかです");
        goto out;
    }
    if ((err = user_load(v, user, 0, &u)) != MNS_OK) {
        mns_fail(em, err, "no such user / ユーザーが見つかりません");
        goto out;
    }
    if (u.id == actor->user_id) {
        err = mns_fail(em, MNS_ERR_DENIED, "nobody changes their own role / 自分のロールは変更できません");
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    act_note(&a, "%s -> %s", mns_role_name(u.role), mns_role_name(role));
    bool approver = false;
    if (v->separation_of_duties && (err = role_approver_exists(v, actor->user_id, &approver)) != MNS_OK)
        goto out;
    if (v->separation_of_duties && !approver)
        act_note(&a, "no other approver yet: role granted at once");
    if (!approver) {
        err = apply_role(v, u.id, role);
        goto out;
    }
    if ((err = grant_request_insert(v, "role", u.id, 0, 0, role, actor->name, request_id)) == MNS_OK)
        act_note(&a, "request:%lld", (long long)*request_id);
out:
    err = act_end(&a, err);
    if (err != MNS_OK)
        *request_id = 0;
    vault_unlock(v);
    mns_wipe(&u, sizeof(u));
    return err;
}

mns_err mns_vault_grant_decide(struct mns_vault *v, const struct mns_actor *actor, int64_t request_id, bool approve,
                               mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row = false;
    int64_t user_id = 0, tenant_id = 0;
    unsigned files = MNS_FILES_ALL;
    mns_role role = MNS_ROLE_NONE;
    char requested_by[64] = "", status[16] = "", kind[16] = "";
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, approve ? "user.assign_approve" : "user.assign_reject");
    snprintf(a.detail, sizeof(a.detail), "request:%lld", (long long)request_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_SYSADMIN, em)) != MNS_OK)
        goto out;
    if ((err = mns_store_prepare(v->store, &s,
                                 "SELECT r.user_id, r.tenant_id, r.requested_by, r.status, u.name, r.kind, r.files, r.role "
                                 "FROM grant_requests r JOIN users u ON u.id = r.user_id WHERE r.id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, request_id)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        user_id = mns_stmt_int64(s, 0);
        tenant_id = mns_stmt_is_null(s, 1) ? 0 : mns_stmt_int64(s, 1);
        snprintf(requested_by, sizeof(requested_by), "%s", mns_stmt_text(s, 2));
        snprintf(status, sizeof(status), "%s", mns_stmt_text(s, 3));
        snprintf(a.subject, sizeof(a.subject), "user:%s", mns_stmt_text(s, 4));
        snprintf(kind, sizeof(kind), "%s", mns_stmt_text(s, 5));
        files = (unsigned)mns_stmt_int64(s, 6);
        role = mns_stmt_is_null(s, 7) ? MNS_ROLE_NONE : mns_role_parse(mns_stmt_text(s, 7));
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such request / 申請が見つかりません");
    if (err != MNS_OK)
        goto out;
    a.tenant_id = tenant_id;
    if (strcmp(kind, "role") == 0) {
        a.action = approve ? "user.role_approve" : "user.role_reject";
        act_note(&a, "role:%s", mns_role_name(role));
    }
    /* an assignment is an officer's to approve; a role an officer's or a sysadmin's */
    if (strcmp(kind, "assignment") == 0 && actor->role != MNS_ROLE_OFFICER) {
        err = mns_fail(em, MNS_ERR_DENIED, "an assignment is approved by an officer / 割当ては責任者が承認します");
        goto out;
    }
    if (strcmp(status, "pending") != 0) {
        err = mns_fail(em, MNS_ERR_STATE, "the request was already decided / この申請は処理済みです");
        goto out;
    }
    /* nobody decides their own request, nor a grant to themselves */
    if (strcmp(requested_by, actor->name) == 0 || user_id == actor->user_id) {
        err = mns_fail(em, MNS_ERR_DENIED, "a request is decided by another person than the one who asked and "
                       "the one it concerns / 申請者本人・対象者本人は承認できません");
        goto out;
    }
    if (approve && strcmp(kind, "assignment") == 0) {
        struct user_row u;
        memset(&u, 0, sizeof(u));
        if ((err = user_load(v, NULL, user_id, &u)) == MNS_OK && u.role == MNS_ROLE_CLERK)
            err = registers_clerk_ready(v, tenant_id, u.name, em);
        mns_wipe(&u, sizeof(u));
        if (err != MNS_OK)
            goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    if (approve && strcmp(kind, "assignment") == 0)
        err = insert_assignment(v, user_id, tenant_id, files);
    else if (approve)
        err = apply_role(v, user_id, role);
    else if (strcmp(kind, "role") == 0) {
        /* a new user whose role is refused keeps no role at all */
        if ((err = mns_store_prepare(v->store, &s, "UPDATE users SET disabled = 1 WHERE id = ? AND role_pending = 1")) ==
            MNS_OK) {
            if ((err = mns_stmt_bind_int64(s, 1, user_id)) == MNS_OK)
                err = mns_stmt_run(s);
            mns_stmt_reset(s);
        }
    }
    if (err != MNS_OK)
        goto out;
    err = request_decide(v, "grant_requests", request_id, approve, actor->name);
out:
    err = act_finish(&a, err);
    return err;
}

mns_err request_decide(struct mns_vault *v, const char *table, int64_t request_id, bool approve, const char *actor)
{
    char sql[128];
    struct mns_stmt *s;
    mns_err err;

    snprintf(sql, sizeof sql, "UPDATE %s SET status = ?, decided_by = ?, decided_at = ? WHERE id = ?", table);
    if ((err = mns_store_prepare(v->store, &s, sql)) != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_text(s, 1, approve ? "approved" : "rejected", -1)) == MNS_OK &&
        (err = mns_stmt_bind_text(s, 2, actor, -1)) == MNS_OK &&
        (err = mns_stmt_bind_int64(s, 3, mns_now_ms())) == MNS_OK && (err = mns_stmt_bind_int64(s, 4, request_id)) == MNS_OK)
        err = mns_stmt_run(s);
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_grant_list(struct mns_vault *v, const struct mns_actor *actor, const struct mns_list_page *page,
                             json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row;
    mns_err err;
    json_t *list = json_array();
    const struct page_bounds b = page_bounds_of(page);
    int64_t nread = 0, next = 0;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "user.assign_requests");
    if ((err = require_role(actor, MNS_ROLE_OFFICER | MNS_ROLE_SYSADMIN | MNS_ROLE_AUDITOR, em)) == MNS_OK &&
        (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT r.id, u.name, t.code, r.requested_by, r.requested_at, r.status, r.decided_by, "
                                 "r.kind, r.files, r.role "
                                 "FROM grant_requests r JOIN users u ON u.id = r.user_id LEFT JOIN tenants t ON t.id = r.tenant_id "
                                 "WHERE r.id < ? ORDER BY r.id DESC LIMIT ?")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, b.before)) == MNS_OK)
            err = mns_stmt_bind_int64(s, 2, b.limit + 1);
        while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
            if (nread++ == b.limit) {
                next = json_integer_value(json_object_get(json_array_get(list, json_array_size(list) - 1), "id"));
                break;
            }
            char fname[32];
            bool assignment = strcmp(mns_stmt_text(s, 7), "assignment") == 0;
            json_array_append_new(list, json_pack("{s:I, s:s, s:s, s:s*, s:s*, s:s*, s:s, s:I, s:s, s:s*}", "id",
                                                  (json_int_t)mns_stmt_int64(s, 0), "kind", mns_stmt_text(s, 7),
                                                  "user", mns_stmt_text(s, 1), "tenant", mns_stmt_text(s, 2), "files",
                                                  assignment ? mns_files_name((unsigned)mns_stmt_int64(s, 8), fname) : NULL,
                                                  "role", mns_stmt_text(s, 9), "requested_by", mns_stmt_text(s, 3),
                                                  "requested_at_ms", (json_int_t)mns_stmt_int64(s, 4), "status",
                                                  mns_stmt_text(s, 5), "decided_by", mns_stmt_text(s, 6)));
        }
        mns_stmt_reset(s);
    }
    err = act_end_list(&a, err, "requests", list, result);
    return err == MNS_OK ? page_next_set(result, next) : err;
}

/* ---- program tokens ------------------------------------------------------ */

static mns_err token_session_only(const struct mns_actor *actor, mns_errmsg *em)
{
    if (actor == NULL || actor->user_id == 0)
        return mns_fail(em, MNS_ERR_AUTH, "login required / ログインが必要です");
    if (actor->program)
        return mns_fail(em, MNS_ERR_DENIED, "a program token cannot make or revoke tokens: log in / "
                        "プログラム用トークンではトークンを作成・失効できません");
    if (actor->must_change_password || actor->must_enroll_mfa || actor->role_pending || actor->role == MNS_ROLE_NONE)
        return mns_fail(em, MNS_ERR_DENIED, "your account is not ready for program tokens / "
                        "このアカウントではまだトークンを作成できません");
    return MNS_OK;
}

mns_err mns_vault_token_create(struct mns_vault *v, const struct mns_actor *actor, const char *name, unsigned days,
                               json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    uint8_t raw[32], hash[MNS_HASH_LEN];
    char hex[65], token[MNS_TOKEN_LEN + 1];
    int64_t id = 0, now = mns_now_ms(), expires = 0;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "token.create");
    if ((err = token_session_only(actor, em)) != MNS_OK)
        goto out;
    if (!vault_valid_text(name, 64)) {
        err = mns_fail(em, MNS_ERR_INVALID, "name: what the token is for, at most 64 bytes / 用途（64バイト以内）が必要です");
        goto out;
    }
    if (days < 1 || days > 365) {
        err = mns_fail(em, MNS_ERR_INVALID, "days: 1 to 365 / 1〜365日です");
        goto out;
    }
    expires = now + (int64_t)days * 86400000;
    if ((err = mns_random(raw, sizeof(raw))) != MNS_OK)
        goto out;
    mns_hex_encode(hex, raw, sizeof(raw));
    snprintf(token, sizeof(token), "mnt_%s", hex);
    if ((err = token_hash(hash, token)) != MNS_OK || (err = vault_new_id(v, &id)) != MNS_OK ||
        (err = act_begin(&a)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) "
                                 "VALUES (?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, actor->user_id);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_blob(s, 4, hash, sizeof(hash));
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 5, now);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, expires);
    err = run_or_reset(s, err);
    snprintf(a.subject, sizeof(a.subject), "token:%lld", (long long)id);
    act_note(&a, "days=%u", days);
out:
    err = act_finish(&a, err);
    if (err == MNS_OK &&
        (*result = json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)id, "name", name, "token", token, "expires_at",
                             (json_int_t)expires)) == NULL)
        err = MNS_ERR_NOMEM;
    mns_wipe(raw, sizeof(raw));
    mns_wipe(hex, sizeof(hex));
    mns_wipe(token, sizeof(token));
    return err;
}

mns_err mns_vault_token_list(struct mns_vault *v, const struct mns_actor *actor, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    bool row;
    json_t *list = json_array();
    mns_err err;

    *result = NULL;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    vault_lock(v);
    act_init(&a, v, actor, "token.list");
    if ((err = token_session_only(actor, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT id, name, created_at, expires_at, last_used FROM api_tokens WHERE user_id = ? "
                                 "ORDER BY id")) == MNS_OK) {
        if ((err = mns_stmt_bind_int64(s, 1, actor->user_id)) == MNS_OK)
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                json_t *t = json_pack("{s:I, s:s, s:I, s:I, s:b}", "id", (json_int_t)mns_stmt_int64(s, 0), "name",
                                      mns_stmt_text(s, 1), "created_at", (json_int_t)mns_stmt_int64(s, 2), "expires_at",
                                      (json_int_t)mns_stmt_int64(s, 3), "expired", mns_stmt_int64(s, 3) <= mns_now_ms());
                if (t != NULL && !mns_stmt_is_null(s, 4))
                    json_object_set_new(t, "last_used", json_integer(mns_stmt_int64(s, 4)));
                json_array_append_new(list, t);
            }
        mns_stmt_reset(s);
    }
    return act_end_list(&a, err, "tokens", list, result);
}

mns_err mns_vault_token_revoke(struct mns_vault *v, const struct mns_actor *actor, int64_t id, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, "token.revoke");
    snprintf(a.subject, sizeof(a.subject), "token:%lld", (long long)id);
    if ((err = token_session_only(actor, em)) == MNS_OK && (err = act_begin(&a)) == MNS_OK &&
        (err = mns_store_prepare(v->store, &s, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?")) == MNS_OK) {
        err = mns_stmt_bind_int64(s, 1, id);
        if (err == MNS_OK)
            err = mns_stmt_bind_int64(s, 2, actor->user_id);
        if (err == MNS_OK && (err = mns_stmt_run(s)) == MNS_OK && mns_stmt_changes(s) == 0)
            err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such token of yours / このトークンはありません");
        mns_stmt_reset(s);
    }
    err = act_finish(&a, err);
    return err;
}
