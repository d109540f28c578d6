/*
 * exports.c: selected persons and fields for a purpose, as CSV for payroll
 * and filing software (issue 8; E-c, F-d optional 8, C-b optional 1).
 *
 * A file that holds numbers is always encrypted before it leaves the vault:
 * to age recipients (the `age` tool opens it) or as a WinZip AES-256 zip whose
 * random password is shown once (7-Zip and Windows open it). The plaintext
 * CSV exists only in this process's memory, in a buffer that is wiped when it
 * grows and when it is freed. A masked export (no number) needs no
 * encryption and says so. Every export is one audited act that also writes
 * its entry in the take-out register (持出管理記録簿) and lists the persons it
 * carried; with the tenant's export_approval on, an export with numbers needs
 * an officer's approval of its exact specification first.
 *
 * The CSV has the import's Japanese headers, so an export can be imported
 * into another mnsafe as it is: one row per person (続柄 本人) followed by a
 * row per dependent (続柄 as recorded, the person's employee code).
 */
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mnsafe/mynumber.h"
#include "vault/internal.h"

#define EXPORT_PERSONS_MAX 100000
#define EXPORT_IDS_MAX 10000
#define EXPORT_AGE_MAX 16
#define UNREPRESENTABLE_MAX 100

enum { X_CODE = 1, X_NAME = 2, X_KANA = 4, X_BIRTH = 8, X_KIND = 16, X_NUMBER = 32, X_DEPENDENTS = 64 };
static const struct {
    const char *code, *header;
    unsigned bit;
} xfields[] = {
    {"employee_code", "従業員番号", X_CODE}, {"name", "氏名", X_NAME},         {"name_kana", "フリガナ", X_KANA},
    {"birth_date", "生年月日", X_BIRTH},     {"kind", "区分", X_KIND},         {"mynumber", "個人番号", X_NUMBER},
    {"dependents", "続柄", X_DEPENDENTS},
};
#define NXFIELDS (sizeof(xfields) / sizeof(xfields[0]))

enum charset { CS_UTF8, CS_SJIS, CS_JIS0208 };

struct export_spec {
    char purpose[65];
    char recipient[256];
    char route[128];
    char kind[16];
    int64_t *ids;
    size_t nids;
    unsigned fields;
    enum charset charset;
    bool replace;
    char protection[8];
    uint8_t (*age)[MNS_AGE_PUB_LEN];
    size_t nage;
    char file_name[128];
    int64_t request_id;
};

static void spec_release(struct export_spec *s)
{
    free(s->ids);
    free(s->age);
    memset(s, 0, sizeof(*s));
}

static bool copy_text(char *out, size_t size, const json_t *v, bool required)
{
    const char *t = json_string_value(v);
    if (v == NULL)
        return !required;
    if (!vault_valid_text(t, size - 1))
        return false;
    snprintf(out, size, "%s", t);
    return true;
}

/* The export's specification from the request body (or a stored request). */
static mns_err spec_parse(struct export_spec *s, const json_t *b, bool allow_request, mns_errmsg *em)
{
    static const char *const known[] = {"purpose", "recipient", "route", "kind", "persons", "fields", "encoding",
                                        "unrepresentable", "protection", "age_recipients", "file_name", "request_id"};
    const char *key;
    json_t *v;
    memset(s, 0, sizeof(*s));
    if (!json_is_object(b))
        return mns_fail(em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
    json_object_foreach((json_t *)b, key, v) {
        size_t i = 0;
        while (i < sizeof(known) / sizeof(known[0]) && strcmp(key, known[i]) != 0)
            i++;
        if (i == sizeof(known) / sizeof(known[0]) || (!allow_request && strcmp(key, "request_id") == 0))
            return mns_fail(em, MNS_ERR_INVALID, "%.40s: unknown field / 不明な項目です", vault_valid_code(key) ? key : "field");
    }
    if ((v = json_object_get(b, "request_id")) != NULL) {
        if (!json_is_integer(v) || json_integer_value(v) <= 0 || json_object_size(b) != 1)
            return mns_fail(em, MNS_ERR_INVALID, "request_id: alone, the id of an approved export request / "
                            "承認済みの持出し申請のIDだけを指定してください");
        s->request_id = json_integer_value(v);
        return MNS_OK;
    }
    if ((v = json_object_get(b, "fields")) == NULL) {
        s->fields = X_CODE | X_NAME | X_KANA | X_BIRTH | X_NUMBER;
    } else {
        if (!json_is_array(v) || json_array_size(v) == 0)
            return mns_fail(em, MNS_ERR_INVALID, "fields: a non-empty list / 1件以上の一覧です");
        for (size_t i = 0; i < json_array_size(v); i++) {
            const char *f = json_string_value(json_array_get(v, i));
            size_t k = 0;
            while (k < NXFIELDS && (f == NULL || strcmp(f, xfields[k].code) != 0))
                k++;
            if (k == NXFIELDS)
                return mns_fail(em, MNS_ERR_INVALID, "fields[%zu]: one of employee_code, name, name_kana, birth_date, "
                                "kind, mynumber, dependents / 項目名が正しくありません", i);
            s->fields |= xfields[k].bit;
        }
    }
    bool numbers = (s->fields & X_NUMBER) != 0;
    if (!copy_text(s->purpose, sizeof(s->purpose), json_object_get(b, "purpose"), numbers) ||
        (s->purpose[0] && !vault_valid_code(s->purpose)))
        return mns_fail(em, MNS_ERR_PURPOSE, "purpose: the purpose code the numbers are taken out for is required / "
                        "利用目的コードが必要です");
    if (!copy_text(s->recipient, sizeof(s->recipient), json_object_get(b, "recipient"), true))
        return mns_fail(em, MNS_ERR_INVALID, "recipient: who receives the file (相手先), at most 255 bytes, is required / "
                        "相手先が必要です");
    if (!copy_text(s->route, sizeof(s->route), json_object_get(b, "route"), true))
        return mns_fail(em, MNS_ERR_INVALID, "route: how the file travels (移送経路, e.g. e-Tax, 書留), at most 127 bytes, "
                        "is required / 移送経路が必要です");
    if (!copy_text(s->kind, sizeof(s->kind), json_object_get(b, "kind"), false) ||
        (s->kind[0] && strcmp(s->kind, "employee") != 0 && strcmp(s->kind, "payee") != 0))
        return mns_fail(em, MNS_ERR_INVALID, "kind: employee or payee / employee か payee です");
    if (!copy_text(s->file_name, sizeof(s->file_name), json_object_get(b, "file_name"), false) ||
        strpbrk(s->file_name, "/\\") != NULL)
        return mns_fail(em, MNS_ERR_INVALID, "file_name: a name without / or \\, at most 127 bytes / ファイル名が不正です");
    if ((v = json_object_get(b, "persons")) != NULL) {
        if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > EXPORT_IDS_MAX)
            return mns_fail(em, MNS_ERR_INVALID, "persons: a list of 1 to %d person ids / 本人IDの一覧（%d件まで）です",
                            EXPORT_IDS_MAX, EXPORT_IDS_MAX);
        if ((s->ids = calloc(json_array_size(v), sizeof(*s->ids))) == NULL)
            return MNS_ERR_NOMEM;
        for (size_t i = 0; i < json_array_size(v); i++) {
            json_t *x = json_array_get(v, i);
            if (!json_is_integer(x) || json_integer_value(x) <= 0)
                return mns_fail(em, MNS_ERR_INVALID, "persons[%zu]: a person id / 本人IDです", i);
            s->ids[s->nids++] = json_integer_value(x);
        }
    }
    const char *enc = json_string_value(json_object_get(b, "encoding"));
    if (json_object_get(b, "encoding") != NULL && enc == NULL)
        enc = "?";
    if (enc == NULL || strcmp(enc, "utf-8") == 0)
        s->charset = CS_UTF8;
    else if (strcmp(enc, "shift_jis") == 0)
        s->charset = CS_SJIS;
    else if (strcmp(enc, "jis0208") == 0)
        s->charset = CS_JIS0208;
    else
        return mns_fail(em, MNS_ERR_INVALID, "encoding: utf-8, shift_jis (CP932) or jis0208 (Shift_JIS, JIS X 0208 only) / "
                        "utf-8, shift_jis, jis0208 のいずれかです");
    const char *unrep = json_string_value(json_object_get(b, "unrepresentable"));
    if (json_object_get(b, "unrepresentable") != NULL &&
        (unrep == NULL || (strcmp(unrep, "refuse") != 0 && strcmp(unrep, "replace") != 0)))
        return mns_fail(em, MNS_ERR_INVALID, "unrepresentable: refuse or replace (〓) / refuse か replace です");
    s->replace = unrep != NULL && strcmp(unrep, "replace") == 0;
    if (!copy_text(s->protection, sizeof(s->protection), json_object_get(b, "protection"), false))
        return mns_fail(em, MNS_ERR_INVALID, "protection: age, zip or none / age, zip, none のいずれかです");
    if (s->protection[0] == '\0')
        snprintf(s->protection, sizeof(s->protection), "%s", numbers ? "" : "none");
    if (strcmp(s->protection, "age") != 0 && strcmp(s->protection, "zip") != 0 &&
        (strcmp(s->protection, "none") != 0 || numbers))
        return mns_fail(em, MNS_ERR_INVALID,
                        numbers ? "protection: a file with My Numbers is always encrypted: age (with age_recipients) or "
                                  "zip (AES-256, a password shown once) / 個人番号を含むファイルは必ず暗号化します（age か zip）"
                                : "protection: age, zip or none / age, zip, none のいずれかです");
    v = json_object_get(b, "age_recipients");
    if (strcmp(s->protection, "age") == 0) {
        if (!json_is_array(v) || json_array_size(v) == 0 || json_array_size(v) > EXPORT_AGE_MAX)
            return mns_fail(em, MNS_ERR_INVALID, "age_recipients: 1 to 16 age public keys (age1...) / age の公開鍵が必要です");
        if ((s->age = calloc(json_array_size(v), sizeof(*s->age))) == NULL)
            return MNS_ERR_NOMEM;
        for (size_t i = 0; i < json_array_size(v); i++) {
            mns_err err = mns_age_recipient_parse(s->age[s->nage], json_string_value(json_array_get(v, i)), em);
            if (err != MNS_OK)
                return err;
            s->nage++;
        }
    } else if (v != NULL) {
        return mns_fail(em, MNS_ERR_INVALID, "age_recipients: only with protection age / protection が age のときだけです");
    }
    return MNS_OK;
}

/* ---- the CSV, in a buffer that is wiped as it grows ---------------------------- */

struct wbuf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void wb_add(struct wbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 65536;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *np = malloc(cap);
        if (np == NULL) {
            b->failed = true;
            return;
        }
        if (b->p != NULL) {
            memcpy(np, b->p, b->len);
            mns_wipe(b->p, b->cap);
            free(b->p);
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void wb_release(struct wbuf *b)
{
    if (b->p != NULL) {
        mns_wipe(b->p, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof(*b));
}

struct writer {
    struct wbuf out;
    enum charset charset;
    bool replace;
    iconv_t cd;
    int64_t row;
    json_t *unrep; /* [{row, field, character}] */
    size_t nunrep;
};

static size_t utf8_len(unsigned char c)
{
    return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

/* One character in the target charset; false if it has no place there. */
static bool put_char(struct writer *w, const char *ch, size_t n)
{
    if (w->charset == CS_UTF8 || (n == 1 && (unsigned char)*ch < 0x80)) {
        wb_add(&w->out, ch, n);
        return true;
    }
    char buf[8], *ip = (char *)ch, *op = buf;
    size_t il = n, ol = sizeof(buf);
    iconv(w->cd, NULL, NULL, NULL, NULL);
    if (iconv(w->cd, &ip, &il, &op, &ol) == (size_t)-1 || il != 0)
        return false;
    size_t m = (size_t)(op - buf);
    unsigned char lead = (unsigned char)buf[0];
    /* JIS X 0208 only: no half-width kana, no NEC row 13, no IBM or user-defined extensions */
    if (w->charset == CS_JIS0208 && (m == 1 || lead == 0x87 || lead >= 0xED))
        return false;
    wb_add(&w->out, buf, m);
    return true;
}

static void put_field(struct writer *w, const char *field, const char *s, bool first)
{
    static const char geta[] = "〓";
    if (!first)
        put_char(w, ",", 1);
    put_char(w, "\"", 1);
    for (size_t i = 0; s != NULL && s[i];) {
        size_t n = utf8_len((unsigned char)s[i]);
        if (s[i] == '"')
            put_char(w, "\"", 1);
        if (!put_char(w, s + i, n)) {
            if (w->nunrep < UNREPRESENTABLE_MAX) {
                unsigned long cp = 0;
                for (size_t k = 0; k < n; k++)
                    cp = k == 0 ? (unsigned char)s[i] & (0xFFu >> (n + 1 > 7 ? 0 : n + 1)) : (cp << 6) | ((unsigned char)s[i + k] & 0x3F);
                if (n == 1)
                    cp = (unsigned char)s[i];
                char code[16], chr[8];
                snprintf(code, sizeof(code), "U+%04lX", cp);
                snprintf(chr, sizeof(chr), "%.*s", (int)n, s + i);
                json_array_append_new(w->unrep, json_pack("{s:I, s:s, s:s, s:s}", "row", (json_int_t)w->row, "field",
                                                          field, "code_point", code, "character", chr));
            }
            w->nunrep++;
            if (w->replace)
                put_char(w, geta, sizeof(geta) - 1);
        }
        i += n;
    }
    put_char(w, "\"", 1);
}

/* One CSV row: person or dependent values in the order of xfields. */
static void put_row(struct writer *w, unsigned fields, const char *const val[NXFIELDS])
{
    bool first = true;
    w->row++;
    for (size_t k = 0; k < NXFIELDS; k++)
        if (fields & xfields[k].bit) {
            put_field(w, xfields[k].code, val[k], first);
            first = false;
        }
    put_char(w, "\r\n", 2);
}

/* ---- selection ---------------------------------------------------------------- */

struct picked {
    int64_t id;
    char kind[12];
};

/* The persons of the export, checked: in the tenant, collected for the
 * purpose, in a file the clerk is assigned to. */
static mns_err pick_persons(struct mns_vault *v, struct act *a, int64_t tid, const struct export_spec *sp,
                            struct picked **out, size_t *n, mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row;
    size_t cap = sp->nids ? sp->nids : 1024;
    struct picked *list = malloc(cap * sizeof(*list));
    mns_err err = MNS_OK;
    *out = NULL;
    *n = 0;
    if (list == NULL)
        return MNS_ERR_NOMEM;
    const char *purpose_cond = sp->purpose[0] ? " AND EXISTS (SELECT 1 FROM person_purposes x WHERE x.person_id = p.id "
                                                "AND x.purpose_code = ?3)"
                                              : " AND ?3 IS NULL";
    char sql[512];
    if (sp->nids > 0) {
        snprintf(sql, sizeof(sql), "SELECT p.id, p.kind FROM persons p WHERE p.tenant_id = ?1 AND p.id = ?2%s", purpose_cond);
        for (size_t i = 0; i < sp->nids && err == MNS_OK; i++) {
            if ((err = mns_store_prepare(v->store, &s, sql)) != MNS_OK)
                break;
            row = false;
            err = mns_stmt_bind_int64(s, 1, tid);
            if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, sp->ids[i]);
            if (err == MNS_OK) err = sp->purpose[0] ? mns_stmt_bind_text(s, 3, sp->purpose, -1) : mns_stmt_bind_null(s, 3);
            if (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                list[*n].id = mns_stmt_int64(s, 0);
                snprintf(list[*n].kind, sizeof(list[0].kind), "%s", mns_stmt_text(s, 1));
                (*n)++;
            }
            mns_stmt_reset(s);
            if (err == MNS_OK && !row)
                err = mns_fail(em, sp->purpose[0] ? MNS_ERR_PURPOSE : MNS_ERR_NOT_FOUND,
                               "persons[%zu]: no such person in this tenant%s / この事業者の本人ではないか、%s", i,
                               sp->purpose[0] ? ", or not collected for the purpose" : "",
                               sp->purpose[0] ? "指定の利用目的で取得されていません" : "見つかりません");
        }
    } else {
        snprintf(sql, sizeof(sql), MNS_SQL_PLAN_PER_CALL "SELECT p.id, p.kind FROM persons p WHERE p.tenant_id = ?1 AND (?2 IS NULL OR p.kind = ?2)%s "
                 "ORDER BY p.employee_code, p.id", purpose_cond);
        if ((err = mns_store_prepare(v->store, &s, sql)) == MNS_OK) {
            err = mns_stmt_bind_int64(s, 1, tid);
            if (err == MNS_OK) err = sp->kind[0] ? mns_stmt_bind_text(s, 2, sp->kind, -1) : mns_stmt_bind_null(s, 2);
            if (err == MNS_OK) err = sp->purpose[0] ? mns_stmt_bind_text(s, 3, sp->purpose, -1) : mns_stmt_bind_null(s, 3);
            while (err == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                const char *kind = mns_stmt_text(s, 1);
                if (file_of_kind(kind) == 0 || (a->files & file_of_kind(kind)) == 0)
                    continue; /* "all" means all the clerk may handle */
                if (*n == EXPORT_PERSONS_MAX) {
                    err = mns_fail(em, MNS_ERR_LIMIT, "more than %d persons: export by kind or by ids / "
                                   "%d件を超えます。区分かIDで分けてください", EXPORT_PERSONS_MAX, EXPORT_PERSONS_MAX);
                    break;
                }
                if (*n == cap) {
                    struct picked *np = realloc(list, cap * 2 * sizeof(*list));
                    if (np == NULL) {
                        err = MNS_ERR_NOMEM;
                        break;
                    }
                    list = np;
                    cap *= 2;
                }
                list[*n].id = mns_stmt_int64(s, 0);
                snprintf(list[*n].kind, sizeof(list[0].kind), "%s", kind);
                (*n)++;
            }
            mns_stmt_reset(s);
        }
    }
    for (size_t i = 0; i < *n && err == MNS_OK; i++)
        err = require_file(a, list[i].kind, em);
    if (err == MNS_OK && *n == 0)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no person to export (none collected for the purpose in your files) / "
                       "持ち出す本人がいません");
    if (err != MNS_OK) {
        free(list);
        *n = 0;
        return err;
    }
    *out = list;
    return MNS_OK;
}

/* Writes the CSV of the picked persons (lock held). */
static mns_err write_csv(struct mns_vault *v, const struct tenant_keys *tk, int64_t tid, const struct export_spec *sp,
                         const struct picked *list, size_t n, struct writer *w, int64_t *ndeps, mns_errmsg *em)
{
    struct mns_stmt *s;
    char num[MNS_MYNUMBER_LEN + 1];
    uint8_t dk[MNS_KEY_LEN];
    const char *val[NXFIELDS];
    mns_err err = MNS_OK;
    bool row;

    if (w->charset == CS_UTF8)
        wb_add(&w->out, "\xEF\xBB\xBF", 3); /* Excel reads UTF-8 CSV by its BOM */
    for (size_t k = 0; k < NXFIELDS; k++)
        val[k] = xfields[k].header;
    w->row = 0;
    put_row(w, sp->fields, val);
    for (size_t i = 0; i < n && err == MNS_OK; i++) {
        if ((err = mns_store_prepare(v->store, &s,
                                     "SELECT kind, name, name_kana, birth_date, employee_code, number_ct FROM persons "
                                     "WHERE id = ? AND tenant_id = ?")) != MNS_OK)
            break;
        row = false;
        if ((err = mns_stmt_bind_int64(s, 1, list[i].id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK)
            err = mns_stmt_step(s, &row);
        if (err == MNS_OK && !row)
            err = MNS_ERR_NOT_FOUND;
        num[0] = '\0';
        if (err == MNS_OK && (sp->fields & (X_NUMBER | X_DEPENDENTS))) {
            size_t ctlen = 0;
            const uint8_t *ct = mns_stmt_blob(s, 5, &ctlen);
            if ((err = person_key(v, tk, list[i].id, dk)) == MNS_OK && (sp->fields & X_NUMBER))
                err = open_number(num, dk, tid, "person", list[i].id, ct, ctlen);
        }
        char code[65] = "";
        if (err == MNS_OK) {
            const char *kind = mns_stmt_text(s, 0);
            snprintf(code, sizeof(code), "%s", mns_stmt_text(s, 4) ? mns_stmt_text(s, 4) : "");
            val[0] = code;
            val[1] = mns_stmt_text(s, 1);
            val[2] = mns_stmt_text(s, 2);
            val[3] = mns_stmt_text(s, 3);
            val[4] = strcmp(kind, "payee") == 0 ? "支払先" : "従業員";
            val[5] = num;
            val[6] = "本人";
            put_row(w, sp->fields, val);
        }
        mns_stmt_reset(s);
        mns_wipe(num, sizeof(num));
        if (err != MNS_OK || !(sp->fields & X_DEPENDENTS))
            continue;
        if ((err = mns_store_prepare(v->store, &s,
                                     "SELECT id, name, name_kana, birth_date, relationship, number_ct FROM dependents "
                                     "WHERE person_id = ? ORDER BY id")) != MNS_OK)
            break;
        if ((err = mns_stmt_bind_int64(s, 1, list[i].id)) == MNS_OK)
            while ((err = mns_stmt_step(s, &row)) == MNS_OK && row) {
                size_t ctlen = 0;
                const uint8_t *ct = mns_stmt_blob(s, 5, &ctlen);
                if ((sp->fields & X_NUMBER) &&
                    (err = open_number(num, dk, tid, "dependent", mns_stmt_int64(s, 0), ct, ctlen)) != MNS_OK)
                    break;
                val[0] = code;
                val[1] = mns_stmt_text(s, 1);
                val[2] = mns_stmt_text(s, 2);
                val[3] = mns_stmt_text(s, 3);
                val[4] = "";
                val[5] = num;
                val[6] = mns_stmt_text(s, 4);
                put_row(w, sp->fields, val);
                mns_wipe(num, sizeof(num));
                (*ndeps)++;
            }
        mns_stmt_reset(s);
    }
    mns_wipe(dk, sizeof(dk));
    mns_wipe(num, sizeof(num));
    if (err == MNS_OK && w->out.failed)
        err = MNS_ERR_NOMEM;
    if (err == MNS_OK && w->nunrep > 0 && !w->replace) {
        json_t *first = json_array_get(w->unrep, 0);
        err = mns_fail(em, MNS_ERR_INVALID,
                       "%zu characters cannot be written in %s (first: row %lld, %s, %s); fix them, or choose "
                       "unrepresentable replace (〓) / %s で表せない文字が%zu個あります（最初: %lld行目 %s %s）",
                       w->nunrep, w->charset == CS_JIS0208 ? "JIS X 0208" : "Shift_JIS",
                       (long long)json_integer_value(json_object_get(first, "row")),
                       json_string_value(json_object_get(first, "field")),
                       json_string_value(json_object_get(first, "code_point")),
                       w->charset == CS_JIS0208 ? "JIS X 0208" : "Shift_JIS", w->nunrep,
                       (long long)json_integer_value(json_object_get(first, "row")),
                       json_string_value(json_object_get(first, "field")),
                       json_string_value(json_object_get(first, "code_point")));
    }
    return err;
}

/* ---- requests (with the tenant's export_approval on) ---------------------------- */

static mns_err export_approval_on(struct mns_vault *v, int64_t tid, bool *on)
{
    struct mns_stmt *s;
    bool row = false;
    mns_err err = mns_store_prepare(v->store, &s, "SELECT export_approval FROM tenants WHERE id = ?");
    *on = false;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, tid)) == MNS_OK && (err = mns_stmt_step(s, &row)) == MNS_OK && row)
        *on = mns_stmt_int64(s, 0) != 0;
    mns_stmt_reset(s);
    return err;
}

mns_err mns_vault_export_request(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                 const json_t *spec, const char *reason, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct export_spec sp = {0};
    struct mns_stmt *s;
    int64_t tid = 0, id = 0;
    char *text = NULL;
    mns_err err;

    *result = NULL;
    vault_lock(v);
    act_init(&a, v, actor, "export.request");
    if ((err = require_role(actor, MNS_ROLE_CLERK, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = spec_parse(&sp, spec, false, em)) != MNS_OK)
        goto out;
    if (reason != NULL && !vault_valid_text(reason, 500)) {
        err = mns_fail(em, MNS_ERR_INVALID, "reason: at most 500 bytes, no number / 500バイト以内、番号は不可");
        goto out;
    }
    if ((text = vault_json_text(spec)) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = act_begin(&a)) != MNS_OK || (err = vault_new_id(v, &id)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO export_requests (id, tenant_id, spec, reason, requested_by, requested_at, "
                                 "status) VALUES (?, ?, ?, ?, ?, ?, 'pending')")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, text, -1);
    if (err == MNS_OK) err = reason ? mns_stmt_bind_text(s, 4, reason, -1) : mns_stmt_bind_null(s, 4);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 5, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 6, mns_now_ms());
    err = run_or_reset(s, err);
    snprintf(a.subject, sizeof(a.subject), "export_request:%lld", (long long)id);
    act_note(&a, "purpose=%s protection=%s", sp.purpose[0] ? sp.purpose : "-", sp.protection);
out:
    spec_release(&sp);
    free(text);
    err = act_finish(&a, err);
    if (err != MNS_OK)
        return err;
    *result = json_pack("{s:I, s:s}", "request_id", (json_int_t)id, "status", "pending");
    return *result ? MNS_OK : MNS_ERR_NOMEM;
}

mns_err mns_vault_export_decide(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                int64_t request_id, bool approve, mns_errmsg *em)
{
    struct act a;
    struct mns_stmt *s;
    int64_t tid = 0;
    bool row = false;
    char by[128] = "", status[16] = "";
    mns_err err;

    vault_lock(v);
    act_init(&a, v, actor, approve ? "export.approve" : "export.reject");
    snprintf(a.subject, sizeof(a.subject), "export_request:%lld", (long long)request_id);
    if ((err = require_role(actor, MNS_ROLE_OFFICER, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK ||
        (err = mns_store_prepare(v->store, &s,
                                 "SELECT requested_by, status FROM export_requests WHERE id = ? AND tenant_id = ?")) != MNS_OK)
        goto out;
    if ((err = mns_stmt_bind_int64(s, 1, request_id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
        (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        snprintf(by, sizeof(by), "%s", mns_stmt_text(s, 0));
        snprintf(status, sizeof(status), "%s", mns_stmt_text(s, 1));
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such export request / 持出し申請が見つかりません");
    else if (err == MNS_OK && strcmp(status, "pending") != 0)
        err = mns_fail(em, MNS_ERR_STATE, "the request is already %s / この申請は既に%sです", status, status);
    else if (err == MNS_OK && strcmp(by, actor->name) == 0)
        err = mns_fail(em, MNS_ERR_DENIED, "nobody approves their own request / 自分の申請は承認できません");
    if (err == MNS_OK && (err = act_begin(&a)) == MNS_OK)
        err = request_decide(v, "export_requests", request_id, approve, actor->name);
out:
    err = act_finish(&a, err);
    return err;
}

mns_err mns_vault_export_requests(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                                  const struct mns_list_page *page, json_t **result, mns_errmsg *em)
{
    static const struct list_col cols[] = {
        /* the same names as the deletion and grant requests' lists */
        {"id", COL_INT},              {"spec", COL_JSON},   {"reason", COL_TEXT},     {"requested_by", COL_TEXT},
        {"requested_at_ms", COL_INT}, {"status", COL_TEXT}, {"decided_by", COL_TEXT},
    };
    return tenant_list(v, actor, "export.requests", MNS_ROLE_CLERK | MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, tenant_code,
                       page,
                       "SELECT id, spec, reason, requested_by, requested_at, status, decided_by FROM export_requests "
                       "WHERE tenant_id = ?1 AND id < ?2 ORDER BY id DESC LIMIT ?3",
                       cols, sizeof(cols) / sizeof(cols[0]), "requests", result, em);
}

/* The approved request's spec, for its requester (lock held). */
static mns_err load_request(struct mns_vault *v, int64_t tid, int64_t id, const char *user, json_t **spec,
                            mns_errmsg *em)
{
    struct mns_stmt *s;
    bool row = false;
    char status[16] = "", by[128] = "";
    mns_err err = mns_store_prepare(v->store, &s,
                                    "SELECT spec, status, requested_by FROM export_requests WHERE id = ? AND tenant_id = ?");
    *spec = NULL;
    if (err != MNS_OK)
        return err;
    if ((err = mns_stmt_bind_int64(s, 1, id)) == MNS_OK && (err = mns_stmt_bind_int64(s, 2, tid)) == MNS_OK &&
        (err = mns_stmt_step(s, &row)) == MNS_OK && row) {
        *spec = json_loads(mns_stmt_text(s, 0), 0, NULL);
        snprintf(status, sizeof(status), "%s", mns_stmt_text(s, 1));
        snprintf(by, sizeof(by), "%s", mns_stmt_text(s, 2));
    }
    mns_stmt_reset(s);
    if (err == MNS_OK && !row)
        err = mns_fail(em, MNS_ERR_NOT_FOUND, "no such export request / 持出し申請が見つかりません");
    else if (err == MNS_OK && strcmp(by, user) != 0)
        err = mns_fail(em, MNS_ERR_DENIED, "another clerk's request / 他の担当者の申請です");
    else if (err == MNS_OK && strcmp(status, "approved") != 0)
        err = mns_fail(em, MNS_ERR_DENIED, "the request is %s, not approved%s / この申請は承認されていません（%s）", status,
                       strcmp(status, "used") == 0 ? " (an approval is good for one export)" : "", status);
    else if (err == MNS_OK && *spec == NULL)
        err = MNS_ERR_INTERNAL;
    if (err != MNS_OK) {
        json_decref(*spec);
        *spec = NULL;
    }
    return err;
}

/* ---- the export ------------------------------------------------------------------- */

static json_t *takeout_fields(const struct mns_actor *actor, const struct export_spec *sp, int64_t export_id,
                              size_t persons, int64_t deps)
{
    char when[17], what[400], purpose[400];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M", &tm);
    bool numbers = (sp->fields & X_NUMBER) != 0;
    snprintf(what, sizeof(what), "CSV export:%lld, %zu persons, %lld dependents; %s; %s / CSV %zu人・扶養親族%lld人（%s、%s）",
             (long long)export_id, persons, (long long)deps, numbers ? "with My Numbers" : "masked, no My Number",
             strcmp(sp->protection, "age") == 0   ? "age-encrypted"
             : strcmp(sp->protection, "zip") == 0 ? "AES-256 zip"
                                                  : "not encrypted",
             persons, (long long)deps, numbers ? "個人番号あり" : "個人番号なし",
             strcmp(sp->protection, "none") == 0 ? "暗号化なし" : "暗号化済み");
    snprintf(purpose, sizeof(purpose), "%s（%s）", sp->purpose[0] ? sp->purpose : "-", sp->recipient);
    return json_pack("{s:s, s:s, s:s, s:s, s:s}", "taken_at", when, "by", actor->name, "taken_data", what,
                     "purpose_recipient", purpose, "route", sp->route);
}

mns_err mns_vault_export(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                         const json_t *body, json_t **result, mns_errmsg *em)
{
    struct act a;
    struct export_spec sp = {0};
    struct writer w = {0};
    struct picked *list = NULL;
    const struct tenant_keys *tk = NULL;
    json_t *spec_json = NULL, *tofields = NULL;
    uint8_t *file = NULL;
    size_t npicked = 0, file_len = 0;
    int64_t tid = 0, export_id = 0, takeout_id = 0, ndeps = 0, request_id = 0;
    char password[24] = "", sha[2 * MNS_HASH_LEN + 1] = "", fname[160];
    bool approval = false;
    mns_err err;

    *result = NULL;
    w.cd = (iconv_t)-1;
    vault_lock(v);
    act_init(&a, v, actor, "export.create");
    if ((err = require_role(actor, MNS_ROLE_CLERK, em)) != MNS_OK ||
        (err = resolve_tenant(v, &a, actor, tenant_code, &tid, em)) != MNS_OK)
        goto out;
    a.tenant_id = tid;
    if ((err = require_unsealed(v, em)) != MNS_OK || (err = spec_parse(&sp, body, true, em)) != MNS_OK)
        goto out;
    if (sp.request_id != 0) {
        request_id = sp.request_id;
        if ((err = load_request(v, tid, request_id, actor->name, &spec_json, em)) != MNS_OK)
            goto out;
        spec_release(&sp);
        if ((err = spec_parse(&sp, spec_json, false, em)) != MNS_OK)
            goto out;
    } else if ((err = export_approval_on(v, tid, &approval)) != MNS_OK) {
        goto out;
    } else if (approval && (sp.fields & X_NUMBER)) {
        a.failure_detail = "approval required";
        err = mns_fail(em, MNS_ERR_DENIED, "this tenant takes out numbers only with an officer's approval: request it "
                       "first (mnsafe export request) / この事業者では責任者の承認が必要です（持出し申請）");
        goto out;
    }
    a.purpose = sp.purpose[0] ? sp.purpose : NULL;
    if ((err = pick_persons(v, &a, tid, &sp, &list, &npicked, em)) != MNS_OK ||
        (err = tenant_keys_get(v, tid, &tk)) != MNS_OK)
        goto out;
    w.charset = sp.charset;
    w.replace = sp.replace;
    if ((w.unrep = json_array()) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if (sp.charset != CS_UTF8 && (w.cd = iconv_open("CP932", "UTF-8")) == (iconv_t)-1) {
        err = mns_fail(em, MNS_ERR_STATE, "Shift_JIS is not available on this system / Shift_JIS を扱えません");
        goto out;
    }
    if ((err = write_csv(v, tk, tid, &sp, list, npicked, &w, &ndeps, em)) != MNS_OK)
        goto out;
    if ((err = vault_new_id(v, &export_id)) != MNS_OK)
        goto out;
    if (sp.file_name[0])
        snprintf(fname, sizeof(fname), "%s", sp.file_name);
    else
        snprintf(fname, sizeof(fname), "mnsafe-export-%s-%lld.csv", tenant_code, (long long)export_id);
    /* the plaintext never leaves this function unencrypted when it holds numbers */
    if (strcmp(sp.protection, "age") == 0) {
        err = mns_age_encrypt(&file, &file_len, (const uint8_t(*)[MNS_AGE_PUB_LEN])sp.age, sp.nage,
                              (const uint8_t *)w.out.p, w.out.len);
        strncat(fname, ".age", sizeof(fname) - strlen(fname) - 1);
    } else if (strcmp(sp.protection, "zip") == 0) {
        char inner[160];
        snprintf(inner, sizeof(inner), "%s", fname);
        if ((err = mns_zip_password(password, 20)) == MNS_OK)
            err = mns_zip_aes_write(&file, &file_len, inner, (int64_t)time(NULL), (const uint8_t *)w.out.p, w.out.len,
                                    password);
        char *dot = strrchr(fname, '.');
        if (dot != NULL)
            *dot = '\0';
        strncat(fname, ".zip", sizeof(fname) - strlen(fname) - 1);
    } else if ((file = malloc(w.out.len ? w.out.len : 1)) == NULL) {
        err = MNS_ERR_NOMEM;
    } else {
        memcpy(file, w.out.p, w.out.len);
        file_len = w.out.len;
    }
    wb_release(&w.out);
    if (err != MNS_OK)
        goto out;
    {
        uint8_t digest[MNS_HASH_LEN];
        if ((err = mns_sha256(digest, file, file_len)) != MNS_OK)
            goto out;
        mns_hex_encode(sha, digest, sizeof(digest));
    }
    /* the records: export, its persons, the take-out entry, the request used */
    if ((err = act_begin(&a)) != MNS_OK)
        goto out;
    char fields_text[160] = "";
    for (size_t k = 0; k < NXFIELDS; k++)
        if (sp.fields & xfields[k].bit)
            snprintf(fields_text + strlen(fields_text), sizeof(fields_text) - strlen(fields_text), "%s%s",
                     fields_text[0] ? "," : "", xfields[k].code);
    if ((tofields = takeout_fields(actor, &sp, export_id, npicked, ndeps)) == NULL) {
        err = MNS_ERR_NOMEM;
        goto out;
    }
    if ((err = register_insert(v, tid, "takeouts", tofields, actor->name, &takeout_id)) != MNS_OK)
        goto out;
    struct mns_stmt *s;
    if ((err = mns_store_prepare(v->store, &s,
                                 "INSERT INTO exports (id, tenant_id, created_by, created_at, purpose_code, recipient, fields, "
                                 "encoding, protection, persons, dependents, sha256, takeout_id, request_id) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) != MNS_OK)
        goto out;
    err = mns_stmt_bind_int64(s, 1, export_id);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 2, tid);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 3, actor->name, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 4, mns_now_ms());
    if (err == MNS_OK) err = sp.purpose[0] ? mns_stmt_bind_text(s, 5, sp.purpose, -1) : mns_stmt_bind_null(s, 5);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 6, sp.recipient, -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 7, fields_text, -1);
    if (err == MNS_OK)
        err = mns_stmt_bind_text(s, 8, sp.charset == CS_UTF8 ? "utf-8" : sp.charset == CS_SJIS ? "shift_jis" : "jis0208", -1);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 9, sp.protection, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 10, (int64_t)npicked);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 11, ndeps);
    if (err == MNS_OK) err = mns_stmt_bind_text(s, 12, sha, -1);
    if (err == MNS_OK) err = mns_stmt_bind_int64(s, 13, takeout_id);
    if (err == MNS_OK) err = request_id ? mns_stmt_bind_int64(s, 14, request_id) : mns_stmt_bind_null(s, 14);
    if ((err = run_or_reset(s, err)) != MNS_OK)
        goto out;
    for (size_t i = 0; i < npicked && err == MNS_OK; i++) {
        if ((err = mns_store_prepare(v->store, &s, "INSERT INTO export_persons (export_id, person_id) VALUES (?, ?)")) !=
            MNS_OK)
            break;
        err = mns_stmt_bind_int64(s, 1, export_id);
        if (err == MNS_OK)
            err = mns_stmt_bind_int64(s, 2, list[i].id);
        err = run_or_reset(s, err);
    }
    if (err == MNS_OK && request_id != 0 &&
        (err = mns_store_prepare(v->store, &s, "UPDATE export_requests SET status = 'used' WHERE id = ?")) == MNS_OK)
        err = run_or_reset(s, mns_stmt_bind_int64(s, 1, request_id));
    snprintf(a.subject, sizeof(a.subject), "export:%lld", (long long)export_id);
    act_note(&a, "persons=%zu dependents=%lld fields=%s protection=%s takeout=%lld", npicked, (long long)ndeps,
             fields_text, sp.protection, (long long)takeout_id);
out:
    err = act_finish(&a, err);
    wb_release(&w.out);
    if (w.cd != (iconv_t)-1)
        iconv_close(w.cd);
    json_decref(spec_json);
    json_decref(tofields);
    free(list);
    if (err == MNS_OK) {
        size_t b64cap = 4 * ((file_len + 2) / 3) + 1;
        char *b64 = malloc(b64cap);
        bool numbers = (sp.fields & X_NUMBER) != 0;
        if (b64 != NULL) {
            mns_base64_encode(b64, file, file_len);
            *result = json_pack("{s:I, s:I, s:s, s:s, s:b, s:s, s:I, s:I, s:s, s:s, s:o}", "export_id",
                                (json_int_t)export_id, "takeout_id", (json_int_t)takeout_id, "file_name", fname,
                                "protection", sp.protection, "contains_numbers", numbers, "sha256", sha, "persons",
                                (json_int_t)npicked, "dependents", (json_int_t)ndeps, "content_type",
                                strcmp(sp.protection, "zip") == 0   ? "application/zip"
                                : strcmp(sp.protection, "age") == 0 ? "application/octet-stream"
                                                                    : "text/csv",
                                "content_base64", b64, "replaced", json_incref(w.unrep));
            free(b64);
        }
        if (*result != NULL && password[0])
            json_object_set_new(*result, "password", json_string(password));
        if (*result != NULL && !numbers)
            json_object_set_new(*result, "note",
                                json_string("a masked export: no My Number, so no encryption is needed / "
                                            "個人番号を含まないため暗号化は不要です"));
        if (*result == NULL)
            err = MNS_ERR_NOMEM;
    }
    json_decref(w.unrep);
    mns_wipe(password, sizeof(password));
    free(file);
    spec_release(&sp);
    return err;
}

mns_err mns_vault_export_list(struct mns_vault *v, const struct mns_actor *actor, const char *tenant_code,
                              const struct mns_list_page *page, json_t **result, mns_errmsg *em)
{
    static const struct list_col cols[] = {
        {"export_id", COL_INT},   {"created_by", COL_TEXT}, {"created_at", COL_INT},  {"purpose", COL_TEXT},
        {"recipient", COL_TEXT},  {"fields", COL_TEXT},     {"encoding", COL_TEXT},   {"protection", COL_TEXT},
        {"persons", COL_INT},     {"dependents", COL_INT},  {"sha256", COL_TEXT},     {"takeout_id", COL_INT},
        {"request_id", COL_INT},
    };
    return tenant_list(v, actor, "export.list", MNS_ROLE_CLERK | MNS_ROLE_OFFICER | MNS_ROLE_AUDITOR, tenant_code,
                       page,
                       "SELECT id, created_by, created_at, purpose_code, recipient, fields, encoding, protection, persons, "
                       "dependents, sha256, takeout_id, request_id FROM exports WHERE tenant_id = ?1 AND id < ?2 "
                       "ORDER BY id DESC LIMIT ?3",
                       cols, sizeof(cols) / sizeof(cols[0]), "exports", result, em);
}
