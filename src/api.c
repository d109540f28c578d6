/*
 * api.c: the JSON API under /api/v1, mapped onto the vault. Runs on worker
 * threads. Request bodies are parsed strictly (jansson, duplicates rejected,
 * unknown fields refused); every error answers in one shape:
 *   {"error":{"code":"check_digit","message":"...","message_ja":"...","field":"persons[0].mynumber"}}
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mnsafe/crypto.h"
#include "mnsafe/mynumber.h"
#include "mnsafe/vault.h"
#include "qr.h"
#include "mnsafe/text.h"
#include "server.h"

#define SEG_MAX 8
/* Login and unseal are open to anyone: their bodies are small. */
#define ANON_BODY_MAX 4096

static int http_status(mns_err err)
{
    switch (err) {
    case MNS_OK: return 200;
    case MNS_ERR_INVALID:
    case MNS_ERR_CHECK_DIGIT:
    case MNS_ERR_BAD_SHARE: return 400;
    case MNS_ERR_AUTH:
    case MNS_ERR_MFA: return 401;
    case MNS_ERR_DENIED:
    case MNS_ERR_PURPOSE: return 403;
    case MNS_ERR_NOT_FOUND: return 404;
    case MNS_ERR_EXISTS:
    case MNS_ERR_STATE: return 409;
    case MNS_ERR_LIMIT: return 413;
    case MNS_ERR_SEALED:
    case MNS_ERR_IO: return 503; /* the database cannot be reached (PostgreSQL down): try again */
    case MNS_ERR_FULL: return 507;
    default: return 500;
    }
}

/* A text answer of another type (CSV, XML); text is taken over. */
static void respond_text(struct api_response *resp, char *text, const char *content_type)
{
    resp->status = text != NULL ? 200 : 500;
    resp->body = text;
    resp->body_len = text != NULL ? strlen(text) : 0;
    resp->content_type = text != NULL ? content_type : NULL;
}

static void respond_json(struct api_response *resp, int status, json_t *body)
{
    /* into a buffer of our own (plain malloc), which the sender wipes and frees */
    resp->status = status;
    resp->body = NULL;
    resp->body_len = 0;
    size_t n = body != NULL ? json_dumpb(body, NULL, 0, JSON_COMPACT) : 0;
    if (n > 0 && (resp->body = malloc(n + 1)) != NULL) {
        resp->body_len = json_dumpb(body, resp->body, n, JSON_COMPACT);
        resp->body[resp->body_len] = '\0';
    } else if (body != NULL) {
        resp->status = 500;
    }
    json_decref(body);
}

/* Splits "field: english / japanese" messages into their parts. */
static void respond_error(struct api_response *resp, mns_err err, const mns_errmsg *em)
{
    char field[96] = "", en[MNS_ERRMSG_MAX], ja[MNS_ERRMSG_MAX];
    const char *text = (em != NULL && em->text[0]) ? em->text : NULL;
    snprintf(en, sizeof(en), "%s", mns_strerror(err));
    snprintf(ja, sizeof(ja), "%s", mns_strerror_ja(err));
    if (err == MNS_ERR_IO) {
        /* what the vault says of a store it cannot reach is not for clients */
        text = NULL;
        snprintf(en, sizeof(en), "the database cannot be reached (or an I/O error): try again shortly");
        snprintf(ja, sizeof(ja), "データベースに接続できないか、入出力エラーです。しばらくしてから再試行してください");
    }
    if (text != NULL) {
        const char *colon = strstr(text, ": ");
        const char *rest = text;
        if (colon != NULL && (size_t)(colon - text) < sizeof(field) && memchr(text, ' ', (size_t)(colon - text)) == NULL) {
            memcpy(field, text, (size_t)(colon - text));
            field[colon - text] = '\0';
            rest = colon + 2;
        }
        const char *slash = strstr(rest, " / ");
        if (slash != NULL) {
            snprintf(en, sizeof(en), "%.*s", (int)(slash - rest), rest);
            snprintf(ja, sizeof(ja), "%s", slash + 3);
        } else {
            snprintf(en, sizeof(en), "%s", rest);
        }
    }
    json_t *e = json_pack("{s:s, s:s, s:s}", "code", mns_err_name(err), "message", en, "message_ja", ja);
    if (e != NULL && field[0])
        json_object_set_new(e, "field", json_string(field));
    respond_json(resp, http_status(err), json_pack("{s:o}", "error", e));
}

static void respond_result(struct api_response *resp, mns_err err, json_t *result, const mns_errmsg *em, int ok_status)
{
    if (err != MNS_OK) {
        json_decref(result);
        respond_error(resp, err, em);
        return;
    }
    respond_json(resp, ok_status, result != NULL ? result : json_object());
}

/* A file answered in JSON as {meta..., "content_base64"}; data wiped and
 * freed, meta handed over (freed on error). */
static void respond_file(struct api_response *resp, mns_err err, uint8_t *data, size_t len, json_t *meta,
                         const mns_errmsg *em)
{
    if (err == MNS_OK) {
        char *b64 = malloc(4 * ((len + 2) / 3) + 1);
        if (b64 == NULL) {
            err = MNS_ERR_NOMEM;
        } else {
            mns_base64_encode(b64, data, len);
            json_object_set_new(meta, "content_base64", json_string(b64));
            mns_wipe(b64, strlen(b64));
            free(b64);
        }
    }
    if (data != NULL) {
        mns_wipe(data, len);
        free(data);
    }
    respond_result(resp, err, meta, em, 200);
}

/* Parses the body as one JSON object; NULL (with the error sent) if not. */
static json_t *body_object(const struct api_request *req, struct api_response *resp)
{
    json_error_t jerr;
    mns_errmsg em;
    if (req->body == NULL || req->body_len == 0) {
        mns_fail(&em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
        respond_error(resp, MNS_ERR_INVALID, &em);
        return NULL;
    }
    json_t *v = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (v == NULL || !json_is_object(v)) {
        /* jansson's text quotes the input near the error: never echoed */
        if (v == NULL)
            mns_fail(&em, MNS_ERR_INVALID, "body: malformed JSON at line %d column %d / JSONの形式が不正です（%d行%d列）",
                     jerr.line, jerr.column, jerr.line, jerr.column);
        else
            mns_fail(&em, MNS_ERR_INVALID, "body: a JSON object is required / JSONオブジェクトが必要です");
        json_decref(v);
        respond_error(resp, MNS_ERR_INVALID, &em);
        return NULL;
    }
    return v;
}

/* Checks that obj has only the listed keys; answers the error if not. */
static bool only_fields(json_t *obj, const char *const *known, size_t n, struct api_response *resp)
{
    const char *key;
    json_t *val;
    json_object_foreach(obj, key, val) {
        bool ok = false;
        for (size_t i = 0; i < n; i++)
            ok |= strcmp(key, known[i]) == 0;
        if (!ok) {
            mns_errmsg em;
            /* the key is echoed only when it is plainly a field name */
            bool plain = strlen(key) <= 40 && strspn(key, "abcdefghijklmnopqrstuvwxyz_") == strlen(key);
            mns_fail(&em, MNS_ERR_INVALID, "%s: unknown field / 不明な項目です", plain ? key : "body");
            respond_error(resp, MNS_ERR_INVALID, &em);
            return false;
        }
    }
    return true;
}

static const char *str_field(json_t *obj, const char *name)
{
    return json_string_value(json_object_get(obj, name));
}

static bool require_str(json_t *obj, const char *name, struct api_response *resp, const char **out)
{
    *out = str_field(obj, name);
    if (*out == NULL) {
        mns_errmsg em;
        mns_fail(&em, MNS_ERR_INVALID, "%s: a string is required / 文字列が必要です", name);
        respond_error(resp, MNS_ERR_INVALID, &em);
        return false;
    }
    return true;
}

/* Query parameter as a non-negative integer; def when absent. */
static bool query_int(const char *query, const char *name, long long def, long long *out)
{
    *out = def;
    if (query == NULL)
        return true;
    size_t nlen = strlen(name);
    for (const char *p = query; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            char *end;
            long long v = strtoll(p + nlen + 1, &end, 10);
            if (end == p + nlen + 1 || (*end != '\0' && *end != '&') || v < 0)
                return false;
            *out = v;
        }
    }
    return true;
}

/* The page a newest-first list asks for (?before=ID&limit=N); api_handle
 * has checked both are well formed. */
static struct mns_list_page list_page(const struct api_request *req)
{
    long long before = 0, limit = 0;
    if (!query_int(req->query, "before", 0, &before) || !query_int(req->query, "limit", 0, &limit))
        before = limit = 0;
    struct mns_list_page page = {before, limit > MNS_LIST_PAGE_MAX ? MNS_LIST_PAGE_MAX : (unsigned)limit};
    return page;
}

/* The query parameter name as text into out (a plain value: letters,
 * digits, '-'), or NULL when absent; false when malformed. */
static bool query_text(const char *query, const char *name, char *out, size_t size, const char **value)
{
    size_t nlen = strlen(name);
    *value = NULL;
    for (const char *p = query; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            size_t n = strcspn(p + nlen + 1, "&");
            if (n == 0 || n >= size)
                return false;
            memcpy(out, p + nlen + 1, n);
            out[n] = '\0';
            if (strspn(out, "abcdefghijklmnopqrstuvwxyz0123456789-") != n)
                return false;
            *value = out;
        }
    }
    return true;
}

/* Query parameter as percent-decoded text ('+' is a space), e.g. a name in
 * Japanese; false if malformed, too long, or holding control bytes. */
static bool query_decoded(const char *query, const char *name, char *out, size_t size, const char **value)
{
    size_t nlen = strlen(name);
    *value = NULL;
    for (const char *p = query; p != NULL && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, name, nlen) != 0 || p[nlen] != '=')
            continue;
        size_t o = 0;
        for (const char *q = p + nlen + 1; *q && *q != '&'; q++) {
            unsigned c = (unsigned char)*q;
            if (c == '%') {
                if (!isxdigit((unsigned char)q[1]) || !isxdigit((unsigned char)q[2]))
                    return false;
                char hex[3] = {q[1], q[2], 0};
                c = (unsigned)strtoul(hex, NULL, 16);
                q += 2;
            } else if (c == '+') {
                c = ' ';
            }
            if (c < 0x20 || c == 0x7f || o + 1 >= size)
                return false;
            out[o++] = (char)c;
        }
        out[o] = '\0';
        *value = out;
    }
    return true;
}

static bool parse_id(const char *s, int64_t *id)
{
    char *end;
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return false;
    long long v = strtoll(s, &end, 10);
    if (*end != '\0' || v <= 0)
        return false;
    *id = v;
    return true;
}

/* ---- handlers ------------------------------------------------------------- */

static void seal_status(struct mns_vault *v, struct api_response *resp)
{
    struct mns_unseal_status st;
    mns_vault_unseal_status(v, &st);
    respond_json(resp, 200, json_pack("{s:b, s:i, s:i, s:s}", "sealed", st.sealed, "shares_given", st.have,
                                      "threshold", st.threshold, "seal_mode", mns_vault_seal_mode(v)));
}

static void h_unseal(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                     struct api_response *resp)
{
    static const char *const fields[] = {"share"};
    const char *share;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 1, resp) && require_str(b, "share", resp, &share)) {
        struct mns_unseal_status st;
        mns_errmsg em = {""};
        mns_err err = mns_vault_unseal(v, actor, share, &st, &em);
        if (err != MNS_OK)
            respond_error(resp, err, &em);
        else
            respond_json(resp, 200, json_pack("{s:b, s:i, s:i}", "sealed", st.sealed, "shares_given", st.have,
                                              "threshold", st.threshold));
    }
    json_decref(b);
}

/* The CSRF token of a browser session: derived from the session token, so
 * nothing is stored, and unknowable to a page that cannot read the cookie. */
static void csrf_of(const char *token, char out[33])
{
    uint8_t key[MNS_HASH_LEN], mac[MNS_HASH_LEN];
    char hex[2 * MNS_HASH_LEN + 1];
    out[0] = '\0';
    if (mns_sha256(key, token, strlen(token)) == MNS_OK &&
        mns_hmac_sha256(mac, key, "mnsafe-csrf-v1", strlen("mnsafe-csrf-v1")) == MNS_OK) {
        mns_hex_encode(hex, mac, 16);
        memcpy(out, hex, 32);
        out[32] = '\0';
    }
    mns_wipe(key, sizeof(key));
    mns_wipe(mac, sizeof(mac));
}

static void h_login(struct mns_vault *v, const struct api_request *req, struct api_response *resp)
{
    static const char *const fields[] = {"user", "password", "otp", "device", "cookie"};
    const char *user, *password;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    json_t *cookie = json_object_get(b, "cookie");
    if (cookie != NULL && !json_is_boolean(cookie)) {
        mns_errmsg em;
        mns_fail(&em, MNS_ERR_INVALID, "cookie: true or false / true か false です");
        respond_error(resp, MNS_ERR_INVALID, &em);
        json_decref(b);
        return;
    }
    if (only_fields(b, fields, 5, resp) && require_str(b, "user", resp, &user) &&
        require_str(b, "password", resp, &password)) {
        char token[MNS_TOKEN_LEN + 1], device[MNS_DEVICE_TOKEN_LEN + 1];
        struct mns_actor actor;
        mns_errmsg em = {""};
        const struct mns_login in = {.user = user, .password = password, .otp = str_field(b, "otp"),
                                     .client = req->client, .device = str_field(b, "device"),
                                     .cert_cn = req->client_cert_cn};
        mns_err err = mns_vault_login_ex(v, &in, device, token, &actor, &em);
        if (err != MNS_OK) {
            respond_error(resp, err, &em);
        } else if (json_is_true(cookie)) {
            /* a browser: the token goes into an HttpOnly cookie the page cannot
             * read; the page gets the CSRF token to send with every change */
            char csrf[33];
            csrf_of(token, csrf);
            snprintf(resp->set_cookie, sizeof(resp->set_cookie),
                     "mnsafe_session=%s; Path=/api/v1; HttpOnly; Secure; SameSite=Strict", token);
            respond_json(resp, 201, json_pack("{s:s, s:s, s:s, s:b, s:b, s:s*}", "csrf_token", csrf, "user", actor.name,
                                              "role", mns_role_name(actor.role), "must_change_password",
                                              actor.must_change_password, "role_pending", actor.role_pending, "device",
                                              device[0] ? device : NULL));
        } else {
            /* device: the token to present at the next login from this device */
            respond_json(resp, 201, json_pack("{s:s, s:s, s:s, s:b, s:b, s:s*}", "token", token, "user", actor.name,
                                              "role", mns_role_name(actor.role), "must_change_password",
                                              actor.must_change_password, "role_pending", actor.role_pending, "device",
                                              device[0] ? device : NULL));
        }
        mns_wipe(token, sizeof(token));
        mns_wipe(device, sizeof(device));
    }
    json_decref(b);
}

static void h_password(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                       struct api_response *resp)
{
    static const char *const fields[] = {"old_password", "new_password"};
    const char *oldp, *newp;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 2, resp) && require_str(b, "old_password", resp, &oldp) &&
        require_str(b, "new_password", resp, &newp)) {
        mns_errmsg em = {""};
        mns_err err = mns_vault_password_change(v, actor, oldp, newp, &em);
        respond_result(resp, err, json_pack("{s:b}", "changed", 1), &em, 200);
    }
    json_decref(b);
}

static void h_totp_confirm(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                           struct api_response *resp)
{
    static const char *const fields[] = {"code"};
    const char *code;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 1, resp) && require_str(b, "code", resp, &code)) {
        char codes[MNS_RECOVERY_CODES][MNS_RECOVERY_CODE_LEN + 1];
        mns_errmsg em = {""};
        mns_err err = mns_vault_totp_confirm(v, actor, code, codes, &em);
        json_t *list = json_array();
        for (int i = 0; err == MNS_OK && i < MNS_RECOVERY_CODES; i++)
            json_array_append_new(list, json_string(codes[i]));
        mns_wipe(codes, sizeof(codes));
        if (err != MNS_OK)
            json_decref(list);
        respond_result(resp, err, err == MNS_OK ? json_pack("{s:b, s:o}", "enabled", 1, "recovery_codes", list) : NULL,
                       &em, 200);
    }
    json_decref(b);
}

static void h_user_create(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                          struct api_response *resp)
{
    static const char *const fields[] = {"name", "role"};
    const char *name, *role;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 2, resp) && require_str(b, "name", resp, &name) && require_str(b, "role", resp, &role)) {
        char password[40];
        json_t *res = NULL;
        mns_errmsg em = {""};
        mns_err err = mns_vault_user_create(v, actor, name, mns_role_parse(role), password, &res, &em);
        if (err == MNS_OK)
            json_object_set_new(res, "one_time_password", json_string(password));
        mns_wipe(password, sizeof(password));
        respond_result(resp, err, res, &em, 201);
    }
    json_decref(b);
}

static void h_assign(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                     const char *user, struct api_response *resp)
{
    static const char *const fields[] = {"tenant", "files"};
    const char *tenant;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 2, resp) && require_str(b, "tenant", resp, &tenant)) {
        mns_errmsg em = {""};
        int64_t request_id = 0;
        /* files: a list of SPI file names ("employees", "payees"); absent: all */
        json_t *fl = json_object_get(b, "files"), *f;
        unsigned files = fl == NULL ? MNS_FILES_ALL : 0;
        size_t i;
        bool files_ok = fl == NULL || (json_is_array(fl) && json_array_size(fl) > 0);
        json_array_foreach(fl, i, f) {
            unsigned one = json_is_string(f) ? mns_files_parse(json_string_value(f)) : 0;
            files_ok = files_ok && one != 0;
            files |= one;
        }
        if (!files_ok) {
            mns_fail(&em, MNS_ERR_INVALID, "files: a list of \"employees\" and/or \"payees\" / "
                     "files には employees と payees の一覧を指定してください");
            respond_error(resp, MNS_ERR_INVALID, &em);
            json_decref(b);
            return;
        }
        char fname[32];
        mns_err err = mns_vault_assign_ex(v, actor, user, tenant, files, &request_id, &em);
        if (err == MNS_OK && request_id > 0)
            respond_result(resp, err,
                           json_pack("{s:s, s:s, s:s, s:s, s:I}", "user", user, "tenant", tenant, "files",
                                     mns_files_name(files, fname), "status", "pending", "request_id",
                                     (json_int_t)request_id),
                           &em, 202);
        else
            respond_result(resp, err,
                           json_pack("{s:s, s:s, s:s, s:s}", "user", user, "tenant", tenant, "files",
                                     mns_files_name(files, fname), "status", "assigned"),
                           &em, 200);
    }
    json_decref(b);
}

static void h_tenant_create(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                            struct api_response *resp)
{
    static const char *const fields[] = {"code", "name", "corporate_number"};
    const char *code, *name;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 3, resp) && require_str(b, "code", resp, &code) && require_str(b, "name", resp, &name)) {
        json_t *res = NULL;
        mns_errmsg em = {""};
        mns_err err = mns_vault_tenant_create(v, actor, code, name, str_field(b, "corporate_number"), &res, &em);
        respond_result(resp, err, res, &em, 201);
    }
    json_decref(b);
}

static void h_persons_add(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                          const char *tenant, struct api_response *resp)
{
    static const char *const fields[] = {"persons"};
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 1, resp)) {
        json_t *res = NULL;
        mns_errmsg em = {""};
        mns_err err = mns_vault_person_add(v, actor, tenant, json_object_get(b, "persons"), &res, &em);
        respond_result(resp, err, res, &em, 201);
    }
    json_decref(b);
}

static void h_persons_search(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                             const char *tenant, struct api_response *resp)
{
    static const char *const fields[] = {"mynumber"};
    const char *number;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 1, resp) && require_str(b, "mynumber", resp, &number)) {
        json_t *res = NULL;
        mns_errmsg em = {""};
        mns_err err = mns_vault_person_find(v, actor, tenant, number, &res, &em);
        respond_result(resp, err, res, &em, 200);
    }
    json_decref(b);
}

static void h_reveal(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                     const char *tenant, int64_t id, struct api_response *resp)
{
    static const char *const fields[] = {"purpose"};
    const char *purpose;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 1, resp) && require_str(b, "purpose", resp, &purpose)) {
        json_t *res = NULL;
        mns_errmsg em = {""};
        mns_err err = mns_vault_person_reveal(v, actor, tenant, id, purpose, &res, &em);
        respond_result(resp, err, res, &em, 200);
    }
    json_decref(b);
}

/* A DELETE's optional body {"reason": "..."}: *b (NULL without a body) is
 * the caller's to decref, *reason points into it. false: answered already. */
static bool optional_reason(const struct api_request *req, struct api_response *resp, json_t **b,
                            const char **reason)
{
    static const char *const fields[] = {"reason"};
    *b = NULL;
    *reason = NULL;
    if (req->body_len == 0)
        return true;
    if ((*b = body_object(req, resp)) == NULL)
        return false;
    if (!only_fields(*b, fields, 1, resp)) {
        json_decref(*b);
        *b = NULL;
        return false;
    }
    *reason = str_field(*b, "reason");
    return true;
}

static void h_delete(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor,
                     const char *tenant, int64_t id, struct api_response *resp)
{
    const char *reason = NULL;
    json_t *b = NULL;
    if (!optional_reason(req, resp, &b, &reason))
        return;
    mns_errmsg em = {""};
    int64_t request_id = 0;
    mns_err err = mns_vault_person_delete_ex(v, actor, tenant, id, reason, &request_id, &em);
    if (err == MNS_OK && request_id != 0)
        respond_result(resp, err,
                       json_pack("{s:I, s:s, s:I}", "id", (json_int_t)id, "status", "pending", "request_id",
                                 (json_int_t)request_id),
                       &em, 202);
    else
        respond_result(resp, err, json_pack("{s:I, s:b}", "id", (json_int_t)id, "deleted", 1), &em, 200);
    json_decref(b);
}

static void h_audit_verify(struct mns_vault *v, const struct mns_actor *actor, struct api_response *resp)
{
    struct mns_audit_report rep;
    mns_errmsg em = {""};
    mns_err err = mns_vault_audit_verify(v, actor, &rep, &em);
    if (err != MNS_OK && err != MNS_ERR_TAMPERED) {
        respond_error(resp, err, &em);
        return;
    }
    respond_json(resp, 200, json_pack("{s:b, s:I, s:I, s:I, s:s}", "intact", err == MNS_OK, "entries",
                                      (json_int_t)rep.entries, "checkpoints", (json_int_t)rep.checkpoints,
                                      "first_bad_seq", (json_int_t)rep.first_bad_seq, "problem", rep.problem));
}

/* ---- routing ---------------------------------------------------------------- */

static size_t split_path(char *path, char **seg)
{
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(path, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save)) {
        if (n == SEG_MAX)
            return SEG_MAX + 1;
        seg[n++] = t;
    }
    return n;
}

#define IS(m) (strcmp(req->method, (m)) == 0)
#define SEG(i, s) (strcmp(seg[(i)], (s)) == 0)

/* ?format=NAME of the query, or dflt */
static void query_format(const char *query, char *out, size_t size, const char *dflt)
{
    const char *q = query != NULL ? strstr(query, "format=") : NULL;
    snprintf(out, size, "%s", dflt);
    if (q != NULL && (q == query || q[-1] == '&')) {
        size_t n = strcspn(q + 7, "&");
        snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), q + 7);
    }
}

/* Renders results (NULL: the sheet alone) in format; false if unknown. */
static bool render_sheet(const struct mns_checksheet *cs, const json_t *results, const json_t *info, const char *format,
                         struct api_response *resp)
{
    static const char xml[] = "application/xml; charset=utf-8", csv[] = "text/csv; charset=utf-8",
                      html[] = "text/html; charset=utf-8";
    if (strcmp(format, "xccdf") == 0)
        respond_text(resp, mns_checksheet_xccdf(cs, results, info), xml);
    else if (strcmp(format, "oscal-catalog") == 0)
        respond_json(resp, 200, mns_checksheet_oscal_catalog(cs));
    else if (results == NULL)
        return false;
    else if (strcmp(format, "json") == 0) {
        json_t *rep = mns_checksheet_report(cs, results);
        json_object_set(rep, "assessment", (json_t *)info);
        respond_json(resp, 200, rep);
    } else if (strcmp(format, "csv") == 0 || strcmp(format, "csv-en") == 0)
        respond_text(resp, mns_checksheet_csv(cs, results, strcmp(format, "csv-en") == 0), csv);
    else if (strcmp(format, "html") == 0 || strcmp(format, "html-en") == 0)
        respond_text(resp, mns_checksheet_html(cs, results, info, strcmp(format, "html-en") == 0), html);
    else if (strcmp(format, "oscal-results") == 0)
        respond_json(resp, 200, mns_checksheet_oscal_results(cs, results, info));
    else if (strcmp(format, "oscal-poam") == 0)
        respond_json(resp, 200, mns_checksheet_oscal_poam(cs, results, info));
    else
        return false;
    return true;
}

/* POST /assessments/{id}/items/{item}/evidence {"filename","content_type","content_base64"} */
static void h_evidence_add(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor, int64_t id,
                           const char *item, struct api_response *resp)
{
    static const char *const fields[] = {"filename", "content_type", "content_base64"};
    const char *filename, *type, *b64;
    json_t *b = body_object(req, resp);
    if (b == NULL)
        return;
    if (only_fields(b, fields, 3, resp) && require_str(b, "filename", resp, &filename) &&
        require_str(b, "content_type", resp, &type) && require_str(b, "content_base64", resp, &b64)) {
        mns_errmsg em = {""};
        size_t n = strlen(b64), len = 0;
        uint8_t *data = malloc(n / 4 * 3 + 3);
        json_t *res = NULL;
        mns_err err = data == NULL ? MNS_ERR_NOMEM : mns_base64_decode(data, n / 4 * 3 + 3, &len, b64, n);
        if (err == MNS_ERR_INVALID)
            mns_fail(&em, err, "content_base64: not base64 / base64 ではありません");
        if (err == MNS_OK)
            err = mns_vault_evidence_add(v, actor, id, item, filename, type, data, len, &res, &em);
        respond_result(resp, err, res, &em, 201);
        if (data != NULL) {
            mns_wipe(data, n / 4 * 3 + 3);
            free(data);
        }
    }
    json_decref(b);
}

/* A view as a register listing ({"register","fields","entries"}) in format
 * csv, csv-sjis or html; false when format is json (the caller answers). */
static bool respond_listing(struct api_response *resp, json_t *listing, const char *format, const char *tenant)
{
    mns_errmsg em = {""};
    if (format == NULL || strcmp(format, "json") == 0)
        return false;
    char *text = NULL;
    if (strcmp(format, "html") == 0)
        text = mns_vault_register_html(listing, tenant);
    else if (strcmp(format, "csv") == 0 || strcmp(format, "csv-sjis") == 0)
        text = mns_vault_register_csv(listing, strcmp(format, "csv-sjis") == 0, &em);
    else
        mns_fail(&em, MNS_ERR_INVALID, "format: json, csv, csv-sjis or html / 形式の指定が不正です");
    if (text == NULL) {
        respond_error(resp, em.text[0] ? MNS_ERR_INVALID : MNS_ERR_NOMEM, &em);
        return true;
    }
    respond_text(resp, text,
                 strcmp(format, "html") == 0       ? "text/html; charset=utf-8"
                 : strcmp(format, "csv-sjis") == 0 ? "text/csv; charset=Shift_JIS"
                                                   : "text/csv; charset=utf-8");
    return true;
}

/* lists of strings joined with "、" for a flat view */
static json_t *joined(const json_t *list)
{
    struct mns_text t = {0};
    const json_t *x;
    size_t i;
    if (!json_is_array(list))
        return json_incref((json_t *)list);
    json_array_foreach(list, i, x) {
        if (i > 0)
            mns_text_str(&t, "、");
        mns_text_str(&t, json_string_value(x));
    }
    char *p = mns_text_take(&t);
    json_t *j = json_string(p != NULL ? p : "");
    free(p);
    return j;
}

/* exports and export requests under /tenants/{code}/ */
static bool h_exports(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor, char **seg,
                      size_t n, struct api_response *resp)
{
    mns_errmsg em = {""};
    json_t *res = NULL, *b = NULL;
    mns_err err;
    int64_t id = 0;
    if (n == 3 && SEG(2, "exports")) {
        if (IS("GET")) {
            const struct mns_list_page page = list_page(req);
            err = mns_vault_export_list(v, actor, seg[1], &page, &res, &em);
        } else if (IS("POST")) {
            if ((b = body_object(req, resp)) == NULL)
                return true;
            err = mns_vault_export(v, actor, seg[1], b, &res, &em);
            json_decref(b);
        } else {
            return false;
        }
        respond_result(resp, err, res, &em, IS("POST") ? 201 : 200);
        return true;
    }
    if (n == 3 && SEG(2, "export-requests")) {
        if (IS("GET")) {
            const struct mns_list_page page = list_page(req);
            err = mns_vault_export_requests(v, actor, seg[1], &page, &res, &em);
        } else if (IS("POST")) {
            if ((b = body_object(req, resp)) == NULL)
                return true;
            /* the spec is the export's body; reason is the request's own */
            json_t *reason = json_incref(json_object_get(b, "reason"));
            json_object_del(b, "reason");
            if (reason != NULL && !json_is_string(reason)) {
                json_decref(reason);
                json_decref(b);
                mns_fail(&em, MNS_ERR_INVALID, "reason: a string / 文字列です");
                respond_error(resp, MNS_ERR_INVALID, &em);
                return true;
            }
            err = mns_vault_export_request(v, actor, seg[1], b, json_string_value(reason), &res, &em);
            json_decref(reason);
            json_decref(b);
        } else {
            return false;
        }
        respond_result(resp, err, res, &em, IS("POST") ? 202 : 200);
        return true;
    }
    if (n == 5 && SEG(2, "export-requests") && parse_id(seg[3], &id) && (SEG(4, "approve") || SEG(4, "reject")) &&
        IS("POST")) {
        err = mns_vault_export_decide(v, actor, seg[1], id, SEG(4, "approve"), &em);
        respond_result(resp, err,
                       json_pack("{s:I, s:s}", "request_id", (json_int_t)id, "status",
                                 SEG(4, "approve") ? "approved" : "rejected"),
                       &em, 200);
        return true;
    }
    return false;
}

/* CSV imports under /tenants/{code}/imports: begin, data chunks, report, store, discard */
static bool h_imports(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor, char **seg,
                      size_t n, struct api_response *resp)
{
    mns_errmsg em = {""};
    json_t *res = NULL, *b = NULL;
    mns_err err;
    int64_t id = 0;
    long long after = 0, limit = 100, last = 0;
    if (n < 3 || !SEG(2, "imports") || (n >= 4 && !parse_id(seg[3], &id)))
        return false;
    if (!query_int(req->query, "errors_after", 0, &after) || !query_int(req->query, "limit", 100, &limit) ||
        !query_int(req->query, "last", 0, &last)) {
        mns_fail(&em, MNS_ERR_INVALID, "query: malformed parameter / クエリの形式が不正です");
        respond_error(resp, MNS_ERR_INVALID, &em);
        return true;
    }
    if (n == 3 && IS("GET")) {
        const struct mns_list_page page = list_page(req);
        err = mns_vault_import_list(v, actor, seg[1], &page, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 3 && IS("POST")) {
        if (req->body_len > 0 && (b = body_object(req, resp)) == NULL)
            return true;
        err = mns_vault_import_begin(v, actor, seg[1], b, &res, &em);
        json_decref(b);
        respond_result(resp, err, res, &em, 201);
        return true;
    }
    if (n == 5 && SEG(4, "data") && IS("POST")) {
        /* the body is the file's bytes as they are (UTF-8 or Shift_JIS) */
        err = mns_vault_import_data(v, actor, seg[1], id, req->body, req->body_len, last != 0, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 4 && IS("GET")) {
        err = mns_vault_import_get(v, actor, seg[1], id, after, (unsigned)limit, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 5 && SEG(4, "store") && IS("POST")) {
        static const char *const fields[] = {"valid_only"};
        if (req->body_len > 0 && (b = body_object(req, resp)) == NULL)
            return true;
        if (b != NULL && !only_fields(b, fields, 1, resp)) {
            json_decref(b);
            return true;
        }
        json_t *vo = json_object_get(b, "valid_only");
        if (vo != NULL && !json_is_boolean(vo)) {
            json_decref(b);
            mns_fail(&em, MNS_ERR_INVALID, "valid_only: true or false / true か false です");
            respond_error(resp, MNS_ERR_INVALID, &em);
            return true;
        }
        err = mns_vault_import_store(v, actor, seg[1], id, json_is_true(vo), &res, &em);
        json_decref(b);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 4 && IS("DELETE")) {
        err = mns_vault_import_discard(v, actor, seg[1], id, &em);
        respond_result(resp, err, json_pack("{s:I, s:s}", "import_id", (json_int_t)id, "status", "discarded"), &em, 200);
        return true;
    }
    return false;
}

/* the retention and disposal routes under /tenants/{code}/ */
/* {"content_type","content_base64"} decoded into *data (malloc'ed; the
 * caller wipes and frees it); false with the answer set when it is not */
static bool body_file(json_t *b, const char **type, uint8_t **data, size_t *len, size_t *cap,
                      struct api_response *resp)
{
    const char *b64 = NULL;
    mns_errmsg em = {""};
    if (!require_str(b, "content_type", resp, type) || !require_str(b, "content_base64", resp, &b64))
        return false;
    size_t n = strlen(b64);
    *cap = n / 4 * 3 + 3;
    *len = 0;
    if ((*data = malloc(*cap)) == NULL) {
        respond_error(resp, MNS_ERR_NOMEM, NULL);
        return false;
    }
    if (mns_base64_decode(*data, *cap, len, b64, n) != MNS_OK) {
        mns_fail(&em, MNS_ERR_INVALID, "content_base64: not base64 / base64 ではありません");
        respond_error(resp, MNS_ERR_INVALID, &em);
        return false;
    }
    return true;
}

/* An https:// origin the link may be shown under (for its QR code). */
static bool origin_ok(const char *s)
{
    return s != NULL && strncmp(s, "https://", 8) == 0 && strlen(s) < 200 && strlen(s) > 8 &&
           strspn(s + 8, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") == strlen(s + 8);
}

/* The employee's side of a self-service collection: the link's token
 * comes as "Authorization: Bearer mnc_...", never in the address. */
static void h_collect(struct mns_vault *v, const struct api_request *req, char **seg, size_t n,
                      struct api_response *resp)
{
    mns_errmsg em = {""};
    json_t *res = NULL, *b = NULL;
    mns_err err;
    /* a browser's session cookie is not a link */
    const char *token = req->token_from_cookie ? NULL : req->token;
    if (token == NULL || strncmp(token, "mnc_", 4) != 0) {
        mns_fail(&em, MNS_ERR_AUTH, "this link is not valid; ask your HR office for a new one / "
                 "このリンクは無効です。担当者に新しいリンクを依頼してください");
        respond_error(resp, MNS_ERR_AUTH, &em);
        return;
    }
    if (n == 1 && IS("GET")) {
        err = mns_vault_collect_info(v, token, req->client, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if ((b = body_object(req, resp)) == NULL)
        return;
    if (n == 1 && IS("POST")) {
        err = mns_vault_collect_submit(v, token, req->client, b, &res, &em);
        respond_result(resp, err, res, &em, 201);
    } else if (n == 3 && IS("PUT")) {
        static const char *const fields[] = {"content_type", "content_base64"};
        const char *type = NULL;
        uint8_t *data = NULL;
        size_t len = 0, cap = 0;
        if (only_fields(b, fields, 2, resp) && body_file(b, &type, &data, &len, &cap, resp)) {
            err = mns_vault_collect_upload(v, token, req->client, seg[2], type, data, len, &res, &em);
            respond_result(resp, err, res, &em, 200);
        }
        if (data != NULL) {
            mns_wipe(data, cap);
            free(data);
        }
    }
    json_decref(b);
}

/* The clerk's side: /tenants/{code}/collections... */
static bool h_collections(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor, char **seg,
                          size_t n, struct api_response *resp)
{
    mns_errmsg em = {""};
    json_t *res = NULL, *b = NULL;
    mns_err err;
    int64_t id = 0;
    if (!SEG(2, "collections"))
        return false;
    if (n == 3 && IS("GET")) {
        char st[16];
        const char *state = NULL;
        if (!query_text(req->query, "state", st, sizeof(st), &state)) {
            mns_fail(&em, MNS_ERR_INVALID, "state: malformed / state の形式が不正です");
            respond_error(resp, MNS_ERR_INVALID, &em);
            return true;
        }
        const struct mns_list_page page = list_page(req);
        err = mns_vault_collection_list(v, actor, seg[1], state, &page, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 3 && IS("POST")) {
        if ((b = body_object(req, resp)) == NULL)
            return true;
        /* where the page is served, for the link's QR code: not stored */
        char origin[200] = "";
        json_t *o = json_object_get(b, "base_url");
        if (o != NULL) {
            if (!origin_ok(json_string_value(o))) {
                mns_fail(&em, MNS_ERR_INVALID, "base_url: an https:// origin / https:// で始まるオリジンを指定してください");
                respond_error(resp, MNS_ERR_INVALID, &em);
                json_decref(b);
                return true;
            }
            snprintf(origin, sizeof(origin), "%s", json_string_value(o));
            json_object_del(b, "base_url");
        }
        err = mns_vault_collection_issue(v, actor, seg[1], b, &res, &em);
        if (err == MNS_OK && origin[0] != '\0') {
            char url[512];
            snprintf(url, sizeof(url), "%s%s", origin, json_string_value(json_object_get(res, "path")));
            char *svg = qr_svg(url);
            json_object_set_new(res, "url", json_string(url));
            if (svg != NULL) {
                json_object_set_new(res, "qr_svg", json_string(svg));
                mns_wipe(svg, strlen(svg));
                free(svg);
            }
            mns_wipe(url, sizeof(url));
        }
        respond_result(resp, err, res, &em, 201);
        json_decref(b);
        return true;
    }
    if (n < 4 || !parse_id(seg[3], &id))
        return false;
    if (n == 4 && IS("GET")) {
        err = mns_vault_collection_get(v, actor, seg[1], id, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 4 && IS("DELETE")) {
        err = mns_vault_collection_cancel(v, actor, seg[1], id, &em);
        respond_result(resp, err, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state", "cancelled"), &em, 200);
        return true;
    }
    if (n == 6 && SEG(4, "documents") && IS("GET")) {
        uint8_t *data = NULL;
        size_t len = 0;
        json_t *meta = NULL;
        err = mns_vault_collection_document(v, actor, seg[1], id, seg[5], &data, &len, &meta, &em);
        respond_file(resp, err, data, len, meta, &em);
        return true;
    }
    if (n == 5 && SEG(4, "identity-check") && IS("POST")) {
        if ((b = body_object(req, resp)) == NULL)
            return true;
        err = mns_vault_collection_check(v, actor, seg[1], id, b, &res, &em);
        respond_result(resp, err, res, &em, 200);
        json_decref(b);
        return true;
    }
    return false;
}

static bool h_retention(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor, char **seg,
                        size_t n, struct api_response *resp)
{
    mns_errmsg em = {""};
    json_t *res = NULL, *b = NULL;
    mns_err err;
    int64_t id = 0;
    char d1[16], d2[16], fmt[16];
    const char *as_of = NULL, *from = NULL, *to = NULL, *format = NULL;
    if (!query_text(req->query, "as_of", d1, sizeof(d1), &as_of) || !query_text(req->query, "from", d1, sizeof(d1), &from) ||
        !query_text(req->query, "to", d2, sizeof(d2), &to) || !query_text(req->query, "format", fmt, sizeof(fmt), &format)) {
        mns_fail(&em, MNS_ERR_INVALID, "query: malformed parameter / クエリの形式が不正です");
        respond_error(resp, MNS_ERR_INVALID, &em);
        return true;
    }
    if (n == 5 && SEG(2, "persons") && parse_id(seg[3], &id) && (SEG(4, "end") || SEG(4, "hold"))) {
        bool end = SEG(4, "end");
        if (IS("DELETE")) {
            err = end ? mns_vault_person_end_cancel(v, actor, seg[1], id, &em) : mns_vault_hold(v, actor, seg[1], id, NULL, &em);
            respond_result(resp, err, json_pack("{s:I}", "person", (json_int_t)id), &em, 200);
            return true;
        }
        if (!IS("PUT") || (b = body_object(req, resp)) == NULL)
            return IS("PUT");
        static const char *const end_fields[] = {"ended_on", "reason"}, *const hold_fields[] = {"reason"};
        const char *x, *y = NULL;
        if (only_fields(b, end ? end_fields : hold_fields, end ? 2 : 1, resp) &&
            require_str(b, end ? "ended_on" : "reason", resp, &x) && (!end || require_str(b, "reason", resp, &y))) {
            err = end ? mns_vault_person_end(v, actor, seg[1], id, x, y, &res, &em)
                      : mns_vault_hold(v, actor, seg[1], id, x, &em);
            respond_result(resp, err, end ? res : json_pack("{s:I, s:s}", "person", (json_int_t)id, "hold", x), &em, 200);
        }
        json_decref(b);
        return true;
    }
    if (n == 4 && SEG(2, "retention") && SEG(3, "due") && IS("GET")) {
        err = mns_vault_retention_due(v, actor, seg[1], as_of, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 4 && SEG(2, "retention") && SEG(3, "delete") && IS("POST")) {
        static const char *const fields[] = {"as_of"};
        if ((b = body_object(req, resp)) == NULL)
            return true;
        if (only_fields(b, fields, 1, resp)) {
            err = mns_vault_retention_delete_due(v, actor, seg[1], json_string_value(json_object_get(b, "as_of")), &res, &em);
            respond_result(resp, err, res, &em, 200);
        }
        json_decref(b);
        return true;
    }
    if (n == 4 && SEG(2, "retention") && SEG(3, "rule") && IS("PUT")) {
        static const char *const fields[] = {"fy_end_month", "reason"};
        if ((b = body_object(req, resp)) == NULL)
            return true;
        if (only_fields(b, fields, 2, resp)) {
            json_t *m = json_object_get(b, "fy_end_month");
            err = json_is_integer(m) ? mns_vault_tenant_retention_rule(v, actor, seg[1], (int)json_integer_value(m),
                                                                       json_string_value(json_object_get(b, "reason")), &em)
                                     : mns_fail(&em, MNS_ERR_INVALID, "fy_end_month: a month 1-12, or 0 / 月を指定してください");
            respond_result(resp, err, json_pack("{s:O}", "fy_end_month", m ? m : json_null()), &em, 200);
        }
        json_decref(b);
        return true;
    }
    if (n == 3 && SEG(2, "usage") && IS("GET")) {
        char fbuf[16];
        const char *file = NULL;
        if (!query_text(req->query, "file", fbuf, sizeof(fbuf), &file)) {
            mns_fail(&em, MNS_ERR_INVALID, "file: employees or payees / file の指定が不正です");
            respond_error(resp, MNS_ERR_INVALID, &em);
            return true;
        }
        /* JSON a page at a time; a printed or CSV register holds the whole range */
        bool whole = format != NULL && strcmp(format, "json") != 0;
        const struct mns_list_page page = list_page(req);
        err = mns_vault_usage(v, actor, seg[1], file, from, to, whole ? NULL : &page, &res, &em);
        if (err == MNS_OK && whole) {
            json_t *listing = json_pack(
                "{s:{s:s, s:s, s:s}, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}, {s:s, s:s}], "
                "s:O}",
                "register", "code", "usage", "ja", "特定個人情報ファイルの利用・出力状況", "en", "usage and output records",
                "fields", "name", "at", "ja", "日時", "name", "actor", "ja", "利用者", "name", "what_ja", "ja", "利用・出力の内容",
                "name", "subject", "ja", "対象", "name", "purpose", "ja", "利用目的", "name", "result", "ja", "結果", "name",
                "file", "ja", "ファイル", "entries", json_object_get(res, "records"));
            respond_listing(resp, listing, format, seg[1]);
            json_decref(listing);
            json_decref(res);
            return true;
        }
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 3 && SEG(2, "ledger") && IS("GET")) {
        err = mns_vault_ledger(v, actor, seg[1], &res, &em);
        if (err == MNS_OK && format != NULL && strcmp(format, "json") != 0) {
            static const char *const cols[][2] = {{"name_ja", "ファイル名"}, {"kind", "種類"}, {"department", "取扱部署"},
                                                  {"responsible", "責任者"}, {"purposes", "利用目的"},
                                                  {"access", "アクセス権を有する者"}, {"persons", "本人の数"},
                                                  {"disposal_status", "削除・廃棄状況"}, {"location", "保管場所"}};
            json_t *fields = json_array(), *entries = json_array(), *f;
            size_t i;
            for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++)
                json_array_append_new(fields, json_pack("{s:s, s:s}", "name", cols[k][0], "ja", cols[k][1]));
            json_array_foreach(json_object_get(res, "files"), i, f) {
                /* one flat row per file; people's entries use their own names */
                const json_t *del = json_object_get(f, "deletion");
                char status[96] = "";
                if (del != NULL)
                    snprintf(status, sizeof(status), "削除予定 %lld 人、廃棄済み %lld 人",
                             (long long)json_integer_value(json_object_get(del, "scheduled")),
                             (long long)json_integer_value(json_object_get(del, "disposed")));
                json_t *row = json_pack("{s:O?, s:O?, s:O?, s:o?, s:o?, s:o?, s:O?, s:s?, s:O?}", "name_ja",
                                        json_object_get(f, json_object_get(f, "name_ja") ? "name_ja" : "name"), "kind",
                                        json_object_get(f, "kind"), "department", json_object_get(f, "department"),
                                        "responsible", joined(json_object_get(f, json_object_get(f, "responsible_person")
                                                                                     ? "responsible_person" : "responsible")),
                                        "purposes", joined(json_object_get(f, json_object_get(f, "purposes") ? "purposes"
                                                                                                              : "purpose")),
                                        "access", joined(json_object_get(f, "access")), "persons",
                                        json_object_get(f, "persons"), "disposal_status",
                                        del != NULL ? status : json_string_value(json_object_get(f, "disposal")),
                                        "location", json_object_get(f, "location"));
                json_object_set_new(row, "id", json_integer((json_int_t)i + 1));
                json_array_append_new(entries, row);
            }
            json_t *listing = json_pack("{s:{s:s, s:s, s:s}, s:o, s:o}", "register", "code", "ledger", "ja",
                                        "特定個人情報ファイル台帳", "en", "ledger of SPI files", "fields", fields, "entries",
                                        entries);
            respond_listing(resp, listing, format, seg[1]);
            json_decref(listing);
            json_decref(res);
            return true;
        }
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 6 && SEG(2, "registers") && SEG(3, "incidents") && parse_id(seg[4], &id) && SEG(5, "draft") &&
        IS("GET")) {
        /* ?format=final for the final report, else the preliminary one */
        err = mns_vault_register_list(v, actor, seg[1], "incidents", &res, &em);
        const json_t *e, *found = NULL;
        size_t i;
        json_array_foreach(json_object_get(res, "entries"), i, e) if (json_integer_value(json_object_get(e, "id")) == id)
            found = e;
        if (err == MNS_OK && found == NULL)
            err = mns_fail(&em, MNS_ERR_NOT_FOUND, "no such incident / 事案が見つかりません");
        if (err != MNS_OK)
            respond_error(resp, err, &em);
        else
            respond_text(resp, mns_incident_draft(found, format != NULL && strcmp(format, "final") == 0),
                         "text/plain; charset=utf-8");
        json_decref(res);
        return true;
    }
    if (n == 5 && SEG(2, "registers") && SEG(4, "import") && IS("POST")) {
        static const char *const fields[] = {"csv_base64"};
        const char *b64;
        if ((b = body_object(req, resp)) == NULL)
            return true;
        if (only_fields(b, fields, 1, resp) && require_str(b, "csv_base64", resp, &b64)) {
            size_t blen = strlen(b64), len = 0;
            char *csv = malloc(blen / 4 * 3 + 3);
            err = csv == NULL ? MNS_ERR_NOMEM : mns_base64_decode((uint8_t *)csv, blen / 4 * 3 + 3, &len, b64, blen);
            if (err == MNS_ERR_INVALID)
                mns_fail(&em, err, "csv_base64: not base64 / base64 ではありません");
            if (err == MNS_OK)
                err = mns_vault_register_import(v, actor, seg[1], seg[3], csv, len, &res, &em);
            if (err != MNS_OK) {
                json_decref(res);
                res = NULL;
            }
            respond_result(resp, err, res, &em, 201);
            free(csv);
        }
        json_decref(b);
        return true;
    }
    if ((n == 4 || n == 5) && SEG(2, "registers")) {
        if (n == 4 && IS("GET")) {
            err = mns_vault_register_list(v, actor, seg[1], seg[3], &res, &em);
            if (err == MNS_OK && respond_listing(resp, res, format, seg[1])) {
                json_decref(res);
                return true;
            }
            respond_result(resp, err, res, &em, 200);
            return true;
        }
        if ((n == 4 && IS("POST")) || (n == 5 && IS("PUT") && parse_id(seg[4], &id))) {
            if ((b = body_object(req, resp)) == NULL)
                return true;
            if (n == 4) {
                err = mns_vault_register_add(v, actor, seg[1], seg[3], b, &res, &em);
                respond_result(resp, err, res, &em, 201);
            } else {
                err = mns_vault_register_update(v, actor, seg[1], seg[3], id, b, &em);
                respond_result(resp, err, json_pack("{s:I}", "id", (json_int_t)id), &em, 200);
            }
            json_decref(b);
            return true;
        }
    }
    if (n == 3 && SEG(2, "deletion-requests") && IS("GET")) {
        const struct mns_list_page page = list_page(req);
        err = mns_vault_deletion_requests(v, actor, seg[1], &page, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return true;
    }
    if (n == 5 && SEG(2, "deletion-requests") && parse_id(seg[3], &id) && (SEG(4, "approve") || SEG(4, "reject")) &&
        IS("POST")) {
        err = mns_vault_deletion_decide(v, actor, seg[1], id, SEG(4, "approve"), &em);
        respond_result(resp, err, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status",
                                            SEG(4, "approve") ? "approved" : "rejected"), &em, 200);
        return true;
    }
    if (n == 3 && SEG(2, "disposals") && IS("GET")) {
        err = mns_vault_disposal_list(v, actor, seg[1], from, to, &res, &em);
        if (err == MNS_OK && format != NULL && strcmp(format, "html") == 0) {
            char today[11];
            mns_date_format(mns_date_today(), today);
            respond_text(resp,
                         mns_retention_certificate_html(json_object_get(res, "entries"),
                                                        json_string_value(json_object_get(res, "tenant_name")), from, to,
                                                        actor->name, today),
                         "text/html; charset=utf-8");
            json_decref(res);
        } else {
            respond_result(resp, err, res, &em, 200);
        }
        return true;
    }
    if (n == 5 && SEG(2, "disposals") && parse_id(seg[3], &id) && SEG(4, "certificate") && IS("GET")) {
        uint8_t *data = NULL;
        size_t len = 0;
        err = mns_vault_disposal_certificate(v, actor, seg[1], id, &data, &len, &res, &em);
        respond_file(resp, err, data, len, res, &em);
        return true;
    }
    if (n == 3 && SEG(2, "disposals") && IS("POST")) {
        if ((b = body_object(req, resp)) == NULL)
            return true;
        err = mns_vault_disposal_add(v, actor, seg[1], b, &res, &em);
        respond_result(resp, err, res, &em, 201);
        json_decref(b);
        return true;
    }
    return false;
}

/* GET /assessments/{id}/report?format=json|csv|csv-en|html|html-en|xccdf|oscal-catalog|oscal-results|oscal-poam */
static void h_report(struct mns_vault *v, const struct api_request *req, const struct mns_actor *actor, int64_t id,
                     struct api_response *resp)
{
    char format[24];
    mns_errmsg em = {""};
    json_t *res = NULL;
    const struct mns_checksheet *cs = mns_vault_checksheet(v);
    query_format(req->query, format, sizeof(format), "json");
    mns_err err = cs != NULL ? mns_vault_assessment_get(v, actor, id, &res, &em)
                             : mns_fail(&em, MNS_ERR_STATE, "no check sheet is loaded / チェックシートが読み込まれていません");
    if (err != MNS_OK) {
        respond_error(resp, err, &em);
        return;
    }
    if (!render_sheet(cs, json_object_get(res, "results"), json_object_get(res, "assessment"), format, resp)) {
        mns_fail(&em, MNS_ERR_INVALID, "format: json, csv, csv-en, html, html-en, xccdf, oscal-catalog, oscal-results "
                 "or oscal-poam / 形式の指定が不正です");
        respond_error(resp, MNS_ERR_INVALID, &em);
    }
    json_decref(res);
}

bool api_is_quick(const char *method, const char *path, const char *query)
{
    char copy[512];
    char *seg[SEG_MAX];
    if (strncmp(path, API_PREFIX "/", sizeof(API_PREFIX)) != 0 || strlen(path) >= sizeof(copy))
        return false;
    snprintf(copy, sizeof(copy), "%s", path + strlen(API_PREFIX));
    size_t n = split_path(copy, seg);
    if (strcmp(method, "POST") == 0)
        return n == 5 && SEG(0, "tenants") && SEG(2, "persons") && SEG(4, "reveal") ? true
               : n == 4 && SEG(0, "tenants") && SEG(2, "persons") && SEG(3, "search");
    if (strcmp(method, "GET") != 0)
        return false;
    /* a long page of persons (each masked number is opened) would hold up
     * the reveals behind it: it goes to the general pool */
    long long limit = 0;
    if (n == 3 && SEG(2, "persons") && (!query_int(query, "limit", 100, &limit) || limit > API_QUICK_LIST_MAX))
        return false;
    return (n == 1 && (SEG(0, "health") || SEG(0, "tenants"))) || (n == 2 && SEG(0, "sessions") && SEG(1, "current")) ||
           (n == 2 && SEG(0, "sys") && SEG(1, "seal-status")) ||
           (n >= 3 && n <= 4 && SEG(0, "tenants") && (SEG(2, "persons") || SEG(2, "purposes")) && !(n == 4 && SEG(2, "purposes")));
}

void api_respond_failure(struct api_response *resp, mns_err err)
{
    if (resp->body != NULL) {
        mns_wipe(resp->body, resp->body_len);
        free(resp->body);
    }
    resp->body = NULL;
    resp->body_len = 0;
    resp->content_type = NULL;
    resp->set_cookie[0] = '\0';
    respond_error(resp, err, NULL);
}

bool api_may_defer(const char *method, const char *path)
{
    size_t n = strlen(path);
    if (strcmp(method, "GET") == 0)
        return true;
    return strcmp(method, "POST") == 0 &&
           ((n > 7 && strcmp(path + n - 7, "/reveal") == 0) || (n > 15 && strcmp(path + n - 15, "/persons/search") == 0));
}

void api_handle(struct mns_vault *v, const struct api_request *req, struct api_response *resp)
{
    char path[512];
    char *seg[SEG_MAX];
    struct mns_actor actor;
    mns_errmsg em = {""};
    json_t *res = NULL;
    long long after = 0, limit = 0;
    int64_t id = 0;

    memset(resp, 0, sizeof(*resp));
    if (strlen(req->path) >= sizeof(path) || strncmp(req->path, API_PREFIX "/", sizeof(API_PREFIX)) != 0) {
        mns_fail(&em, MNS_ERR_NOT_FOUND, "no such endpoint / エンドポイントがありません");
        respond_error(resp, MNS_ERR_NOT_FOUND, &em);
        return;
    }
    snprintf(path, sizeof(path), "%s", req->path + strlen(API_PREFIX));
    size_t n = split_path(path, seg);
    int known = api_route_check(req->method, seg, n);
    if (known != 200) {
        if (known == 405) {
            mns_fail(&em, MNS_ERR_INVALID, "method %s not allowed here / このメソッドは使えません", req->method);
            respond_error(resp, MNS_ERR_INVALID, &em);
            resp->status = 405;
        } else {
            mns_fail(&em, MNS_ERR_NOT_FOUND, "no such endpoint / エンドポイントがありません");
            respond_error(resp, MNS_ERR_NOT_FOUND, &em);
        }
        return;
    }
    long long before = 0;
    if (!query_int(req->query, "after", 0, &after) || !query_int(req->query, "limit", 100, &limit) ||
        !query_int(req->query, "before", 0, &before)) {
        mns_fail(&em, MNS_ERR_INVALID, "after, before, limit: non-negative integers / 0以上の整数で指定してください");
        respond_error(resp, MNS_ERR_INVALID, &em);
        return;
    }

    /* endpoints without a session: small bodies only, since anyone may call them */
    bool anonymous_post = IS("POST") && ((n == 2 && SEG(0, "sys") && SEG(1, "unseal")) || (n == 1 && SEG(0, "sessions")));
    if (anonymous_post && req->body_len > ANON_BODY_MAX) {
        mns_fail(&em, MNS_ERR_LIMIT, "body: at most %d bytes here / 本文は%dバイト以内にしてください", ANON_BODY_MAX,
                 ANON_BODY_MAX);
        respond_error(resp, MNS_ERR_LIMIT, &em);
        return;
    }
    if (n == 1 && SEG(0, "health") && IS("GET")) {
        respond_json(resp, 200, json_pack("{s:s, s:b}", "status", "ok", "sealed", mns_vault_is_sealed(v)));
        return;
    }
    if (n == 2 && SEG(0, "sys") && SEG(1, "seal-status") && IS("GET")) {
        seal_status(v, resp);
        return;
    }
    if (n == 2 && SEG(0, "sys") && SEG(1, "unseal") && IS("POST")) {
        mns_actor_anonymous(&actor, req->client);
        h_unseal(v, req, &actor, resp);
        return;
    }
    if (n == 1 && SEG(0, "sessions") && IS("POST")) {
        h_login(v, req, resp);
        return;
    }
    /* a self-service collection link: its token instead of a session */
    if (n >= 1 && SEG(0, "collect")) {
        h_collect(v, req, seg, n, resp);
        return;
    }

    /* everything else needs a live session */
    mns_err auth = mns_vault_authenticate_cert(v, req->token, req->client, req->client_cert_cn, &actor);
    /* metrics: on the owner-only socket without a session (a local scraper),
     * over the network for a sysadmin's session */
    if (n == 1 && SEG(0, "metrics") && IS("GET") &&
        (strcmp(req->client, "unix") == 0 || (auth == MNS_OK && actor.role == MNS_ROLE_SYSADMIN))) {
        char *text = metrics_render(v);
        if (text == NULL) {
            respond_error(resp, MNS_ERR_NOMEM, NULL);
            return;
        }
        respond_text(resp, text, "text/plain; version=0.0.4; charset=utf-8");
        return;
    }
    if (n == 1 && SEG(0, "metrics") && auth == MNS_OK) {
        mns_fail(&em, MNS_ERR_DENIED, "metrics are for the sysadmin / メトリクスはシステム管理者用です");
        respond_error(resp, MNS_ERR_DENIED, &em);
        return;
    }
    if (auth == MNS_ERR_DENIED) {
        mns_fail(&em, MNS_ERR_DENIED, "your role may not work from this address, at this time or without its "
                 "client certificate / このロールはこのアドレス・時間帯・クライアント証明書なしでは利用できません");
        respond_error(resp, MNS_ERR_DENIED, &em);
        return;
    }
    if (auth == MNS_ERR_IO) { /* the session could not be looked up: not the client's fault */
        respond_error(resp, MNS_ERR_IO, NULL);
        return;
    }
    if (auth != MNS_OK) {
        mns_fail(&em, MNS_ERR_AUTH, "login required or session expired / ログインが必要か、セッションの有効期限が切れています");
        respond_error(resp, MNS_ERR_AUTH, &em);
        return;
    }
    /* a browser session changes nothing without its CSRF token */
    if (req->token_from_cookie && !IS("GET")) {
        char want[33];
        csrf_of(req->token, want);
        if (req->csrf == NULL || strlen(req->csrf) != 32 || !mns_equal(req->csrf, want, 32)) {
            mns_fail(&em, MNS_ERR_DENIED, "X-CSRF-Token: missing or wrong for this session / CSRFトークンがないか誤っています");
            respond_error(resp, MNS_ERR_DENIED, &em);
            return;
        }
    }
    mns_err err = MNS_ERR_NOT_FOUND;
    if (n == 2 && SEG(0, "sessions") && SEG(1, "current")) {
        if (IS("DELETE")) {
            err = mns_vault_logout(v, &actor, req->token);
            if (err == MNS_OK && req->token_from_cookie)
                snprintf(resp->set_cookie, sizeof(resp->set_cookie),
                         "mnsafe_session=; Path=/api/v1; Max-Age=0; HttpOnly; Secure; SameSite=Strict");
            respond_result(resp, err, json_pack("{s:b}", "logged_out", 1), &em, 200);
            return;
        }
        if (IS("GET")) {
            respond_json(resp, 200, json_pack("{s:s, s:s, s:b}", "user", actor.name, "role", mns_role_name(actor.role),
                                              "must_change_password", actor.must_change_password));
            return;
        }
    }
    if (n >= 2 && SEG(0, "sys") && (SEG(1, "backup") || SEG(1, "restore")) && IS("POST")) {
        if (n == 2 && SEG(1, "backup")) {
            err = mns_vault_backup(v, &actor, &res, &em);
            respond_result(resp, err, res, &em, 201);
            return;
        }
        static const char *const fields[] = {"path", "to"};
        const char *file, *to = NULL;
        json_t *b = body_object(req, resp);
        if (b == NULL)
            return;
        bool restore = SEG(1, "restore");
        if ((n == 2 || (n == 3 && SEG(2, "verify") && !restore)) && only_fields(b, fields, 2, resp) &&
            require_str(b, "path", resp, &file) && (!restore || require_str(b, "to", resp, &to))) {
            err = restore ? mns_vault_restore(v, &actor, file, to, &res, &em)
                          : mns_vault_backup_verify(v, &actor, file, &res, &em);
            respond_result(resp, err, res, &em, 200);
        } else if (n != 2 && !(n == 3 && SEG(2, "verify") && !restore)) {
            mns_fail(&em, MNS_ERR_NOT_FOUND, "no such endpoint / エンドポイントがありません");
            respond_error(resp, MNS_ERR_NOT_FOUND, &em);
        }
        json_decref(b);
        return;
    }
    if (n == 2 && SEG(0, "sys") && SEG(1, "seal") && IS("POST")) {
        err = mns_vault_seal(v, &actor, &em);
        respond_result(resp, err, json_pack("{s:b}", "sealed", 1), &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(1, "me") && SEG(2, "totp") && IS("POST")) {
        /* optional body {"algorithm":"SHA1|SHA256|SHA512","digits":6|8}; SHA1 and 6 suit every app */
        static const char *const fields[] = {"algorithm", "digits"};
        mns_totp_alg alg = MNS_TOTP_SHA1;
        unsigned digits = 6;
        if (req->body_len > 0) {
            json_t *b = body_object(req, resp);
            if (b == NULL)
                return;
            if (!only_fields(b, fields, 2, resp)) {
                json_decref(b);
                return;
            }
            const char *name = str_field(b, "algorithm");
            json_t *d = json_object_get(b, "digits");
            alg = name == NULL                   ? MNS_TOTP_SHA1
                  : strcmp(name, "SHA1") == 0   ? MNS_TOTP_SHA1
                  : strcmp(name, "SHA256") == 0 ? MNS_TOTP_SHA256
                  : strcmp(name, "SHA512") == 0 ? MNS_TOTP_SHA512
                                                : (mns_totp_alg)0;
            digits = d == NULL ? 6 : json_is_integer(d) ? (unsigned)json_integer_value(d) : 0;
            json_decref(b);
        }
        char *uri = malloc(MNS_TOTP_URI_MAX);
        err = uri != NULL ? mns_vault_totp_begin_ex(v, &actor, alg, digits, uri, &em) : MNS_ERR_NOMEM;
        json_t *out = NULL;
        if (err == MNS_OK) {
            /* the QR image for the app, beside the URI it encodes */
            char *svg = qr_svg(uri);
            out = json_pack("{s:s, s:s*}", "uri", uri, "qr_svg", svg);
            if (svg != NULL) {
                mns_wipe(svg, strlen(svg));
                free(svg);
            }
        }
        respond_result(resp, err, out, &em, 200);
        if (uri != NULL) {
            mns_wipe(uri, MNS_TOTP_URI_MAX);
            free(uri);
        }
        return;
    }
    if (n == 4 && SEG(0, "users") && SEG(1, "me") && SEG(2, "totp") && SEG(3, "confirm") && IS("POST")) {
        h_totp_confirm(v, req, &actor, resp);
        return;
    }
    if (n >= 3 && SEG(0, "users") && SEG(1, "me") && SEG(2, "tokens")) {
        if (n == 3 && IS("GET")) {
            err = mns_vault_token_list(v, &actor, &res, &em);
            respond_result(resp, err, res, &em, 200);
        } else if (n == 3 && IS("POST")) {
            static const char *const fields[] = {"name", "days"};
            const char *name;
            json_t *b = body_object(req, resp);
            if (b == NULL)
                return;
            json_t *days = json_object_get(b, "days");
            if (only_fields(b, fields, 2, resp) && require_str(b, "name", resp, &name)) {
                if (days != NULL && !json_is_integer(days)) {
                    mns_fail(&em, MNS_ERR_INVALID, "days: an integer from 1 to 365 / 1〜365の整数です");
                    respond_error(resp, MNS_ERR_INVALID, &em);
                } else {
                    json_int_t d = days ? json_integer_value(days) : 90;
                    err = mns_vault_token_create(v, &actor, name, d < 1 || d > 365 ? 0 : (unsigned)d, &res, &em);
                    respond_result(resp, err, res, &em, 201);
                }
            }
            json_decref(b);
        } else if (n == 4 && IS("DELETE") && parse_id(seg[3], &id)) {
            err = mns_vault_token_revoke(v, &actor, id, &em);
            respond_result(resp, err, json_pack("{s:I, s:b}", "id", (json_int_t)id, "revoked", 1), &em, 200);
        } else {
            mns_fail(&em, MNS_ERR_NOT_FOUND, "no such endpoint / エンドポイントがありません");
            respond_error(resp, MNS_ERR_NOT_FOUND, &em);
        }
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(1, "me") && SEG(2, "password") && IS("POST")) {
        h_password(v, req, &actor, resp);
        return;
    }
    if (n == 1 && SEG(0, "users")) {
        if (IS("GET")) {
            err = mns_vault_user_list(v, &actor, &res, &em);
            respond_result(resp, err, res, &em, 200);
            return;
        }
        if (IS("POST")) {
            h_user_create(v, req, &actor, resp);
            return;
        }
    }
    if (n == 1 && SEG(0, "grant-requests") && IS("GET")) {
        const struct mns_list_page page = list_page(req);
        err = mns_vault_grant_list(v, &actor, &page, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "grant-requests") && (SEG(2, "approve") || SEG(2, "reject")) && IS("POST") &&
        parse_id(seg[1], &id)) {
        bool approve = SEG(2, "approve");
        err = mns_vault_grant_decide(v, &actor, id, approve, &em);
        respond_result(resp, err, json_pack("{s:I, s:s}", "id", (json_int_t)id, "status", approve ? "approved" : "rejected"),
                       &em, 200);
        return;
    }
    if (n == 1 && SEG(0, "access-policy") && IS("GET")) {
        err = mns_vault_access_policy(v, &actor, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 1 && SEG(0, "access-review") && IS("GET")) {
        err = mns_vault_access_review(v, &actor, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 2 && SEG(0, "access-review") && SEG(1, "confirm") && IS("POST")) {
        static const char *const fields[] = {"report_sha256"};
        const char *hash;
        json_t *b = body_object(req, resp);
        if (b == NULL)
            return;
        if (only_fields(b, fields, 1, resp) && require_str(b, "report_sha256", resp, &hash)) {
            err = mns_vault_access_review_confirm(v, &actor, hash, &em);
            respond_result(resp, err, json_pack("{s:b}", "confirmed", 1), &em, 200);
        }
        json_decref(b);
        return;
    }
    if (n == 4 && SEG(0, "users") && SEG(2, "assignments") && IS("DELETE")) {
        err = mns_vault_unassign(v, &actor, seg[1], seg[3], &em);
        respond_result(resp, err, json_pack("{s:s, s:s, s:b}", "user", seg[1], "tenant", seg[3], "revoked", 1), &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(2, "role") && IS("PUT")) {
        static const char *const fields[] = {"role"};
        const char *role;
        json_t *b = body_object(req, resp);
        if (b == NULL)
            return;
        if (only_fields(b, fields, 1, resp) && require_str(b, "role", resp, &role)) {
            int64_t request_id = 0;
            err = mns_vault_user_role(v, &actor, seg[1], mns_role_parse(role), &request_id, &em);
            if (err == MNS_OK && request_id > 0)
                respond_result(resp, err,
                               json_pack("{s:s, s:s, s:s, s:I}", "user", seg[1], "role", role, "status", "pending",
                                         "request_id", (json_int_t)request_id),
                               &em, 202);
            else
                respond_result(resp, err, json_pack("{s:s, s:s, s:s}", "user", seg[1], "role", role, "status", "granted"),
                               &em, 200);
        }
        json_decref(b);
        return;
    }
    if (n == 3 && SEG(0, "tenants") && SEG(2, "policy") && (IS("GET") || IS("PUT"))) {
        if (IS("GET")) {
            err = mns_vault_tenant_policy_get(v, &actor, seg[1], &res, &em);
        } else {
            json_t *b = body_object(req, resp);
            if (b == NULL)
                return;
            err = mns_vault_tenant_policy_set(v, &actor, seg[1], b, &res, &em);
            json_decref(b);
        }
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(2, "password-reset") && IS("POST")) {
        char password[40];
        err = mns_vault_user_reset_password(v, &actor, seg[1], password, &em);
        respond_result(resp, err,
                       err == MNS_OK ? json_pack("{s:s, s:s, s:b}", "user", seg[1], "one_time_password", password,
                                                 "must_change_password", 1)
                                     : NULL,
                       &em, 200);
        mns_wipe(password, sizeof(password));
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(2, "mfa-reset") && IS("POST")) {
        err = mns_vault_user_reset_mfa(v, &actor, seg[1], &em);
        respond_result(resp, err, json_pack("{s:s, s:b}", "user", seg[1], "two_factor", 0), &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(2, "unlock") && IS("POST")) {
        err = mns_vault_user_unlock(v, &actor, seg[1], &em);
        respond_result(resp, err, json_pack("{s:s, s:b}", "user", seg[1], "unlocked", 1), &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "users") && SEG(2, "assignments") && IS("POST")) {
        h_assign(v, req, &actor, seg[1], resp);
        return;
    }
    if (n >= 1 && SEG(0, "checksheet") && IS("GET")) {
        const struct mns_checksheet *cs = mns_vault_checksheet(v);
        if (cs == NULL) {
            mns_fail(&em, MNS_ERR_STATE, "no check sheet is loaded / チェックシートが読み込まれていません");
            respond_error(resp, MNS_ERR_STATE, &em);
        } else if (n == 1) {
            respond_json(resp, 200, json_deep_copy(mns_checksheet_json(cs)));
        } else if (n == 2 && SEG(1, "export")) {
            /* the sheet alone, for SCAP and OSCAL tools */
            char format[24];
            query_format(req->query, format, sizeof(format), "xccdf");
            if (!render_sheet(cs, NULL, NULL, format, resp)) {
                mns_fail(&em, MNS_ERR_INVALID, "format: xccdf or oscal-catalog / 形式は xccdf か oscal-catalog です");
                respond_error(resp, MNS_ERR_INVALID, &em);
            }
        } else if (n == 2 && SEG(1, "counts")) {
            respond_json(resp, 200, mns_checksheet_counts(cs));
        } else if (n == 2 && SEG(1, "probes")) {
            err = mns_vault_probe(v, &actor, &res, &em);
            respond_result(resp, err, res, &em, 200);
        } else {
            mns_fail(&em, MNS_ERR_NOT_FOUND, "no such endpoint / エンドポイントがありません");
            respond_error(resp, MNS_ERR_NOT_FOUND, &em);
        }
        return;
    }
    if (n >= 3 && SEG(0, "tenants") && h_exports(v, req, &actor, seg, n, resp))
        return;
    if (n >= 3 && SEG(0, "tenants") && h_imports(v, req, &actor, seg, n, resp))
        return;
    if (n >= 3 && SEG(0, "tenants") && h_retention(v, req, &actor, seg, n, resp))
        return;
    if (n >= 3 && SEG(0, "tenants") && h_collections(v, req, &actor, seg, n, resp))
        return;
    if (n == 1 && SEG(0, "retention-rules") && IS("GET")) {
        const struct mns_retention *r = mns_vault_retention(v);
        if (r == NULL) {
            mns_fail(&em, MNS_ERR_STATE, "no retention rules are loaded / 保存期間の規則が読み込まれていません");
            respond_error(resp, MNS_ERR_STATE, &em);
        } else {
            respond_json(resp, 200, json_deep_copy(mns_retention_json(r)));
        }
        return;
    }
    if (n == 4 && SEG(0, "tenants") && SEG(2, "assessments") && SEG(3, "trend") && IS("GET")) {
        err = mns_vault_assessment_trend(v, &actor, seg[1], &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 2 && SEG(0, "evidence") && parse_id(seg[1], &id) && IS("GET")) {
        uint8_t *data = NULL;
        size_t len = 0;
        json_t *meta = NULL;
        err = mns_vault_evidence_get(v, &actor, id, &data, &len, &meta, &em);
        respond_file(resp, err, data, len, meta, &em);
        return;
    }
    if (n == 3 && SEG(0, "tenants") && SEG(2, "assessments")) {
        if (IS("GET")) {
            err = mns_vault_assessment_list(v, &actor, seg[1], &res, &em);
            respond_result(resp, err, res, &em, 200);
            return;
        }
        if (IS("POST")) {
            static const char *const fields[] = {"title"};
            const char *title;
            json_t *b = body_object(req, resp);
            if (b == NULL)
                return;
            if (only_fields(b, fields, 1, resp) && require_str(b, "title", resp, &title)) {
                err = mns_vault_assessment_create(v, &actor, seg[1], title, &res, &em);
                respond_result(resp, err, res, &em, 201);
            }
            json_decref(b);
            return;
        }
    }
    if (n >= 2 && SEG(0, "assessments") && parse_id(seg[1], &id)) {
        if (n == 2 && IS("GET")) {
            err = mns_vault_assessment_get(v, &actor, id, &res, &em);
            respond_result(resp, err, res, &em, 200);
            return;
        }
        if (n == 4 && SEG(2, "items") && IS("PUT")) {
            json_t *b = body_object(req, resp);
            if (b == NULL)
                return;
            err = mns_vault_assessment_set(v, &actor, id, seg[3], b, &em);
            json_decref(b);
            respond_result(resp, err, json_pack("{s:I, s:s}", "assessment", (json_int_t)id, "item", seg[3]), &em, 200);
            return;
        }
        if (n == 3 && SEG(2, "report") && IS("GET")) {
            h_report(v, req, &actor, id, resp);
            return;
        }
        if (n == 5 && SEG(2, "items") && SEG(4, "evidence") && IS("POST")) {
            h_evidence_add(v, req, &actor, id, seg[3], resp);
            return;
        }
    }
    if (n == 1 && SEG(0, "tenants")) {
        if (IS("GET")) {
            err = mns_vault_tenant_list(v, &actor, &res, &em);
            respond_result(resp, err, res, &em, 200);
            return;
        }
        if (IS("POST")) {
            h_tenant_create(v, req, &actor, resp);
            return;
        }
    }
    if (n == 3 && SEG(0, "tenants") && SEG(2, "purposes") && IS("GET")) {
        err = mns_vault_purpose_list(v, &actor, seg[1], &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 3 && SEG(0, "tenants") && SEG(2, "persons")) {
        if (IS("GET")) {
            char kind[16], name[200];
            const char *k = NULL, *nm = NULL;
            if (!query_text(req->query, "kind", kind, sizeof(kind), &k) ||
                !query_decoded(req->query, "name", name, sizeof(name), &nm) ||
                (k != NULL && strcmp(k, "employee") != 0 && strcmp(k, "payee") != 0) ||
                (nm != NULL && (nm[0] == '\0' || mns_text_contains_mynumber(nm, strlen(nm))))) {
                mns_fail(&em, MNS_ERR_INVALID, "kind: employee or payee; name: a part of a name (never a number) / "
                         "kind は employee か payee、name は氏名の一部です");
                respond_error(resp, MNS_ERR_INVALID, &em);
                return;
            }
            struct mns_person_filter filter = {k, nm};
            err = mns_vault_person_list_ex(v, &actor, seg[1], after, (unsigned)(limit > 1000 ? 1000 : limit), &filter,
                                           &res, &em);
            respond_result(resp, err, res, &em, 200);
            return;
        }
        if (IS("POST")) {
            h_persons_add(v, req, &actor, seg[1], resp);
            return;
        }
    }
    if (n == 4 && SEG(0, "tenants") && SEG(2, "persons") && SEG(3, "search") && IS("POST")) {
        h_persons_search(v, req, &actor, seg[1], resp);
        return;
    }
    if (n == 4 && SEG(0, "tenants") && SEG(2, "persons") && IS("GET") && parse_id(seg[3], &id)) {
        err = mns_vault_person_get(v, &actor, seg[1], id, &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 4 && SEG(0, "tenants") && SEG(2, "persons") && IS("PUT") && parse_id(seg[3], &id)) {
        json_t *b = body_object(req, resp);
        if (b == NULL)
            return;
        err = mns_vault_person_update(v, &actor, seg[1], id, b, &res, &em);
        respond_result(resp, err, res, &em, 200);
        json_decref(b);
        return;
    }
    if (n == 6 && SEG(0, "tenants") && SEG(2, "persons") && SEG(4, "dependents") && IS("PUT") && parse_id(seg[3], &id)) {
        int64_t did = 0;
        if (!parse_id(seg[5], &did)) {
            mns_fail(&em, MNS_ERR_NOT_FOUND, "no such dependent / 扶養親族が見つかりません");
            respond_error(resp, MNS_ERR_NOT_FOUND, &em);
            return;
        }
        json_t *b = body_object(req, resp);
        if (b == NULL)
            return;
        err = mns_vault_dependent_update(v, &actor, seg[1], id, did, b, &res, &em);
        respond_result(resp, err, res, &em, 200);
        json_decref(b);
        return;
    }
    if (n == 6 && SEG(0, "tenants") && SEG(2, "persons") && SEG(4, "dependents") && IS("DELETE") && parse_id(seg[3], &id)) {
        int64_t did = 0;
        const char *reason = NULL;
        json_t *b = NULL;
        if (!parse_id(seg[5], &did)) {
            mns_fail(&em, MNS_ERR_NOT_FOUND, "no such dependent / 扶養親族が見つかりません");
            respond_error(resp, MNS_ERR_NOT_FOUND, &em);
            return;
        }
        if (!optional_reason(req, resp, &b, &reason))
            return;
        err = mns_vault_dependent_delete(v, &actor, seg[1], id, did, reason, &em);
        json_decref(b);
        respond_result(resp, err, json_pack("{s:I, s:I, s:b}", "person", (json_int_t)id, "dependent", (json_int_t)did,
                                            "deleted", 1), &em, 200);
        return;
    }
    if (n == 5 && SEG(0, "tenants") && SEG(2, "persons") && SEG(4, "dependents") && IS("POST") && parse_id(seg[3], &id)) {
        json_t *b = body_object(req, resp);
        if (b == NULL)
            return;
        err = mns_vault_dependent_add(v, &actor, seg[1], id, b, &res, &em);
        json_decref(b);
        respond_result(resp, err, res, &em, 201);
        return;
    }
    if (n == 4 && SEG(0, "tenants") && SEG(2, "persons") && IS("DELETE") && parse_id(seg[3], &id)) {
        h_delete(v, req, &actor, seg[1], id, resp);
        return;
    }
    if (n == 5 && SEG(0, "tenants") && SEG(2, "persons") && SEG(4, "reveal") && IS("POST") && parse_id(seg[3], &id)) {
        h_reveal(v, req, &actor, seg[1], id, resp);
        return;
    }
    if (n == 1 && SEG(0, "audit") && IS("GET")) {
        err = mns_vault_audit_list(v, &actor, after, (unsigned)(limit > 1000 ? 1000 : limit), &res, &em);
        respond_result(resp, err, res, &em, 200);
        return;
    }
    if (n == 2 && SEG(0, "audit") && SEG(1, "verify") && IS("POST")) {
        h_audit_verify(v, &actor, resp);
        return;
    }
    mns_fail(&em, MNS_ERR_NOT_FOUND, "no such endpoint / エンドポイントがありません");
    respond_error(resp, MNS_ERR_NOT_FOUND, &em);
}
