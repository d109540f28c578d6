/*
 * sheet.c: loading and checking data/checksheet.json (schema in
 * docs/checksheet.md). Every rule the rest of mnsafe relies on is checked
 * here once, so that readers can take the shape for granted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "checksheet/internal.h"

static const char *const statuses[] = {"satisfied", "not_satisfied", "partly", "not_applicable", "not_assessed"};

bool mns_checksheet_status_valid(const char *status)
{
    for (size_t i = 0; status != NULL && i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(status, statuses[i]) == 0)
            return true;
    return false;
}

static bool nonempty(const json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s != NULL && s[0] != '\0';
}

static bool string_or_null(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    return v == NULL || json_is_null(v) || json_is_string(v);
}

/* Checks one item of section sec (group ids in groups); indexes it. */
static mns_err check_item(struct mns_checksheet *cs, const json_t *item, const char *sec, const json_t *groups,
                          size_t *nparts, mns_errmsg *em)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    const char *level = json_string_value(json_object_get(item, "level"));
    const json_t *group = json_object_get(item, "group"), *parts = json_object_get(item, "parts"), *p;
    char want[64];
    size_t i;

    if (id == NULL || strlen(id) > 40)
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: an item of %s has no id", sec);
    if (level == NULL || (strcmp(level, "minimum") != 0 && strcmp(level, "optional") != 0))
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: level is minimum or optional", id);
    if (!json_is_integer(json_object_get(item, "number")) || json_integer_value(json_object_get(item, "number")) < 1)
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: number is a positive integer", id);
    /* the id says where the item is: SECTION[-GROUP]-min|opt-N */
    const char *gid = json_string_value(group);
    if (gid != NULL) {
        bool known = false;
        json_array_foreach(groups, i, p) known = known || strcmp(json_string_value(json_object_get(p, "id")), gid) == 0;
        if (!known)
            return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: unknown group %s", id, gid);
    } else if (group != NULL && !json_is_null(group)) {
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: group is a group id or null", id);
    }
    snprintf(want, sizeof(want), "%s-%s-%lld", gid != NULL ? gid : sec, strcmp(level, "minimum") == 0 ? "min" : "opt",
             (long long)json_integer_value(json_object_get(item, "number")));
    if (strcmp(id, want) != 0)
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: item %s: its id should be %s", id, want);
    if (!nonempty(item, "text_ja") || !nonempty(item, "text_en"))
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: text_ja and text_en are required", id);
    if (!string_or_null(item, "comment_ja") || !string_or_null(item, "comment_en"))
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: comments are text or null", id);
    if (json_object_get(cs->index, id) != NULL)
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: item id %s appears twice", id);
    if (parts != NULL && !json_is_array(parts))
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: parts is a list", id);
    json_array_foreach(parts, i, p) {
        const char *pid = json_string_value(json_object_get(p, "id"));
        snprintf(want, sizeof(want), "%s-p%zu", id, i + 1);
        if (pid == NULL || strcmp(pid, want) != 0 || !nonempty(p, "text_ja") || !nonempty(p, "text_en"))
            return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: part %zu needs id %s and both texts", id, i + 1, want);
        (*nparts)++;
    }
    json_object_set(cs->index, id, (json_t *)item);
    json_object_set_new(cs->section_of, id, json_string(sec));
    return MNS_OK;
}

static mns_err check_sheet(struct mns_checksheet *cs, mns_errmsg *em)
{
    const json_t *cats = json_object_get(cs->sheet, "categories"), *cat, *sec, *item;
    static const char *const cat_ids[] = {"C", "D", "E", "F"};
    size_t i, j, k;
    mns_err err;

    if (!json_is_array(cats) || json_array_size(cats) != 4)
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: four categories (C, D, E, F) expected");
    json_array_foreach(cats, i, cat) {
        const char *cid = json_string_value(json_object_get(cat, "id"));
        const json_t *secs = json_object_get(cat, "sections");
        if (cid == NULL || strcmp(cid, cat_ids[i]) != 0)
            return mns_fail(em, MNS_ERR_INVALID, "checksheet: category %zu should be %s", i + 1, cat_ids[i]);
        if (!nonempty(cat, "title_ja") || !nonempty(cat, "title_en") || !json_is_array(secs) || json_array_size(secs) == 0)
            return mns_fail(em, MNS_ERR_INVALID, "checksheet: category %s needs titles and sections", cid);
        json_array_foreach(secs, j, sec) {
            const char *sid = json_string_value(json_object_get(sec, "id"));
            const json_t *items = json_object_get(sec, "items"), *groups = json_object_get(sec, "groups");
            char want[8];
            snprintf(want, sizeof(want), "%s-%c", cid, (char)('a' + j));
            if (sid == NULL || strcmp(sid, want) != 0)
                return mns_fail(em, MNS_ERR_INVALID, "checksheet: section %zu of %s should be %s", j + 1, cid, want);
            if (!nonempty(sec, "title_ja") || !nonempty(sec, "title_en") || !nonempty(sec, "page"))
                return mns_fail(em, MNS_ERR_INVALID, "checksheet: section %s needs titles and its page", sid);
            if (!json_is_array(items) || json_array_size(items) == 0 || (groups != NULL && !json_is_array(groups)))
                return mns_fail(em, MNS_ERR_INVALID, "checksheet: section %s needs items (and groups as a list)", sid);
            json_array_foreach(items, k, item) {
                if ((err = check_item(cs, item, sid, groups, &cs->nparts, em)) != MNS_OK)
                    return err;
                cs->nitems++;
            }
        }
    }
    return MNS_OK;
}

mns_err mns_checksheet_load(struct mns_checksheet **out, const char *path, mns_errmsg *em)
{
    json_error_t jerr;
    unsigned char md[32];
    unsigned int mdlen = 0;
    mns_err err;

    *out = NULL;
    struct mns_checksheet *cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
        return MNS_ERR_NOMEM;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        free(cs);
        return mns_fail(em, MNS_ERR_NOT_FOUND, "checksheet: cannot read %s / チェックシートを読めません", path);
    }
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[65536];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n > cap) {
            cap = (len + n) * 2;
            char *nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                free(cs);
                return MNS_ERR_NOMEM;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    cs->sheet = buf != NULL ? json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr) : NULL;
    if (buf != NULL && EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) == 1)
        for (unsigned i = 0; i < mdlen; i++)
            snprintf(cs->sha256 + 2 * i, 3, "%02x", md[i]);
    free(buf);
    if (cs->sheet == NULL) {
        free(cs);
        return mns_fail(em, MNS_ERR_INVALID, "checksheet: %s: not JSON (line %d: %s)", path, jerr.line, jerr.text);
    }
    cs->index = json_object();
    cs->section_of = json_object();
    if (cs->index == NULL || cs->section_of == NULL)
        err = MNS_ERR_NOMEM;
    else if (mdlen != 32)
        err = mns_fail(em, MNS_ERR_CRYPTO, "checksheet: cannot hash %s", path);
    else
        err = check_sheet(cs, em);
    if (err != MNS_OK) {
        mns_checksheet_free(cs);
        return err;
    }
    *out = cs;
    return MNS_OK;
}

void mns_checksheet_free(struct mns_checksheet *cs)
{
    if (cs == NULL)
        return;
    json_decref(cs->index);
    json_decref(cs->section_of);
    json_decref(cs->sheet);
    free(cs);
}

const json_t *mns_checksheet_json(const struct mns_checksheet *cs)
{
    return cs->sheet;
}

const char *mns_checksheet_sha256(const struct mns_checksheet *cs)
{
    return cs->sha256;
}

size_t mns_checksheet_item_count(const struct mns_checksheet *cs)
{
    return cs->nitems;
}

const json_t *mns_checksheet_item(const struct mns_checksheet *cs, const char *id)
{
    return id != NULL ? json_object_get(cs->index, id) : NULL;
}

const char *mns_checksheet_section_of(const struct mns_checksheet *cs, const char *item_id)
{
    return item_id != NULL ? json_string_value(json_object_get(cs->section_of, item_id)) : NULL;
}

json_t *mns_checksheet_counts(const struct mns_checksheet *cs)
{
    json_t *out = json_object(), *cat, *sec, *item;
    json_int_t tmin = 0, topt = 0, tparts = 0;
    size_t i, j, k;
    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
    {
        json_int_t min = 0, opt = 0, parts = 0;
        json_array_foreach(json_object_get(sec, "items"), k, item) {
            if (strcmp(json_string_value(json_object_get(item, "level")), "minimum") == 0)
                min++;
            else
                opt++;
            parts += (json_int_t)json_array_size(json_object_get(item, "parts"));
        }
        json_object_set_new(out, json_string_value(json_object_get(sec, "id")),
                            json_pack("{s:I, s:I, s:I}", "minimum", min, "optional", opt, "parts", parts));
        tmin += min;
        topt += opt;
        tparts += parts;
    }
    json_object_set_new(out, "total", json_pack("{s:I, s:I, s:I}", "minimum", tmin, "optional", topt, "parts", tparts));
    return out;
}
