/* error.c: texts of mns_err, mns_fail and the one global initialisation. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>

#include <openssl/crypto.h>
#include <sodium.h>

#include "mnsafe/error.h"

static const struct {
    const char *name;
    const char *en;
    const char *ja;
} err_texts[MNS_ERR__COUNT] = {
    [MNS_OK] = {"ok", "success", "成功"},
    [MNS_ERR_INVALID] = {"invalid", "invalid input", "入力が正しくありません"},
    [MNS_ERR_CHECK_DIGIT] = {"check_digit", "wrong check digit", "チェックデジットが一致しません"},
    [MNS_ERR_NOMEM] = {"nomem", "out of memory", "メモリが不足しています"},
    [MNS_ERR_CRYPTO] = {"crypto", "cryptographic failure", "暗号処理に失敗しました"},
    [MNS_ERR_STORE] = {"store", "database error", "データベースエラー"},
    [MNS_ERR_NOT_FOUND] = {"not_found", "not found", "見つかりません"},
    [MNS_ERR_EXISTS] = {"exists", "already exists", "既に存在します"},
    [MNS_ERR_AUTH] = {"auth", "authentication failed", "認証に失敗しました"},
    [MNS_ERR_DENIED] = {"denied", "permission denied", "権限がありません"},
    [MNS_ERR_PURPOSE] = {"purpose", "purpose not permitted for this number",
                         "この番号の利用目的に含まれていません"},
    [MNS_ERR_SEALED] = {"sealed", "vault is sealed", "金庫は封印されています"},
    [MNS_ERR_BAD_SHARE] = {"bad_share", "bad unseal share", "アンシール用シェアが正しくありません"},
    [MNS_ERR_IO] = {"io", "input/output error", "入出力エラー"},
    [MNS_ERR_AUDIT] = {"audit", "audit entry could not be written; nothing was done",
                       "監査ログを書き込めないため処理を中止しました"},
    [MNS_ERR_TAMPERED] = {"tampered", "audit log verification failed",
                          "監査ログの検証に失敗しました"},
    [MNS_ERR_LIMIT] = {"limit", "limit exceeded", "上限を超えています"},
    [MNS_ERR_STATE] = {"state", "not possible in the current state", "現在の状態では実行できません"},
    [MNS_ERR_INTERNAL] = {"internal", "internal error", "内部エラー"},
    [MNS_ERR_MFA] = {"mfa", "a one-time code from the authenticator app is required",
                     "認証アプリのワンタイムコードが必要です"},
    [MNS_ERR_FULL] = {"disk_full", "the disk is full; nothing was done",
                      "ディスクの空きがありません。処理は行われていません"},
};

static int err_index(mns_err err)
{
    return (err >= 0 && err < MNS_ERR__COUNT) ? (int)err : (int)MNS_ERR_INTERNAL;
}

const char *mns_strerror(mns_err err)
{
    return err_texts[err_index(err)].en;
}

const char *mns_strerror_ja(mns_err err)
{
    return err_texts[err_index(err)].ja;
}

const char *mns_err_name(mns_err err)
{
    return err_texts[err_index(err)].name;
}

mns_err mns_fail(mns_errmsg *em, mns_err err, const char *fmt, ...)
{
    if (em != NULL && fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(em->text, sizeof(em->text), fmt, ap);
        va_end(ap);
    }
    return err;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static mns_err init_result = MNS_ERR_INTERNAL;

static void global_init_once(void)
{
    if (sodium_init() < 0) {
        init_result = MNS_ERR_CRYPTO;
        return;
    }
    if (OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) != 1) {
        init_result = MNS_ERR_CRYPTO;
        return;
    }
    init_result = MNS_OK;
}

mns_err mns_global_init(void)
{
    pthread_once(&init_once, global_init_once);
    return init_result;
}
