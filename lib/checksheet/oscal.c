/*
 * oscal.c: the sheet as an OSCAL 1.0.6 catalog, an assessment as OSCAL
 * assessment-results, and its gaps as a plan of action and milestones
 * (POA&M), in JSON. The tests validate all three against NIST's schemas
 * with ajv.
 *
 * category and section -> group (F's sub-points -> nested groups), item ->
 * control (its Japanese text the statement, the English translation a
 * statement part of class "translation-en", the comment guidance, the
 * check boxes "item" parts). UUIDs are version 5 (SHA-1, RFC 4122) from a
 * fixed namespace and the object's name, so the same input gives the same
 * document.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

#include "checksheet/internal.h"

#define OSCAL_VERSION "1.0.6"
#define NS "urn:mnsafe:oscal"

/* a random namespace of our own for the v5 UUIDs */
static const unsigned char uuid_ns[16] = {0x3f, 0x1c, 0x5e, 0x92, 0x7a, 0x44, 0x4b, 0x0d,
                                          0x9e, 0x61, 0x2c, 0xd8, 0x05, 0xb3, 0x7f, 0x10};

static json_t *uuid5(const char *name)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    char out[37];
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    if (c == NULL || EVP_DigestInit_ex(c, EVP_sha1(), NULL) != 1 || EVP_DigestUpdate(c, uuid_ns, 16) != 1 ||
        EVP_DigestUpdate(c, name, strlen(name)) != 1 || EVP_DigestFinal_ex(c, md, &mdlen) != 1 || mdlen < 16) {
        EVP_MD_CTX_free(c);
        return NULL;
    }
    EVP_MD_CTX_free(c);
    md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
    md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
    snprintf(out, sizeof(out), "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0], md[1],
             md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
    return json_string(out);
}

static json_t *now_iso(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

static json_t *prop(const char *name, const char *value, bool ours)
{
    return ours ? json_pack("{s:s, s:s, s:s}", "name", name, "ns", NS, "value", value)
                : json_pack("{s:s, s:s}", "name", name, "value", value);
}

static json_t *metadata(const char *title, const char *version, const char *remarks)
{
    return json_pack("{s:s, s:o, s:s, s:s, s:s}", "title", title, "last-modified", now_iso(), "version", version,
                     "oscal-version", OSCAL_VERSION, "remarks", remarks);
}

static const char *text(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static json_t *control(const json_t *item)
{
    const char *id = text(item, "id");
    char pid[80];
    json_t *parts = json_array(), *p;
    size_t i;
    snprintf(pid, sizeof(pid), "%s_smt", id);
    json_array_append_new(parts, json_pack("{s:s, s:s, s:s}", "id", pid, "name", "statement", "prose", text(item, "text_ja")));
    snprintf(pid, sizeof(pid), "%s_smt.en", id);
    json_array_append_new(parts, json_pack("{s:s, s:s, s:s, s:s, s:s}", "id", pid, "name", "statement", "class",
                                           "translation-en", "title", "English (translation)", "prose",
                                           text(item, "text_en")));
    if (text(item, "comment_ja") != NULL)
        json_array_append_new(parts, json_pack("{s:s, s:s}", "name", "guidance", "prose", text(item, "comment_ja")));
    if (text(item, "comment_en") != NULL)
        json_array_append_new(parts, json_pack("{s:s, s:s, s:s}", "name", "guidance", "class", "translation-en", "prose",
                                               text(item, "comment_en")));
    json_array_foreach(json_object_get(item, "parts"), i, p)
        json_array_append_new(parts, json_pack("{s:s, s:s, s:s, s:[{s:s, s:s}]}", "id", text(p, "id"), "name", "item",
                                               "prose", text(p, "text_ja"), "props", "name", "translation-en", "value",
                                               text(p, "text_en")));
    /* translation-en above is a name of ours: it needs the namespace */
    json_array_foreach(parts, i, p) {
        json_t *props = json_object_get(p, "props");
        if (props != NULL)
            json_object_set_new(json_array_get(props, 0), "ns", json_string(NS));
    }
    json_t *props = json_pack("[o, o]", prop("label", id, false), prop("level", text(item, "level"), true));
    if (json_is_true(json_object_get(item, "precondition")))
        json_array_append_new(props, prop("precondition", "true", true));
    return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", id, "class", text(item, "level"), "title", text(item, "text_ja"),
                     "props", props, "parts", parts);
}

/* a group with its title, label and guideline as overview */
static json_t *group(const json_t *obj, const char *cls, const char *title_key, const char *guideline_key)
{
    json_t *g = json_pack("{s:s, s:s, s:s, s:[o]}", "id", text(obj, "id"), "class", cls, "title", text(obj, title_key),
                          "props", prop("label", text(obj, "id"), false));
    const char *gl = guideline_key != NULL ? text(obj, guideline_key) : NULL;
    if (gl != NULL) {
        char pid[64];
        snprintf(pid, sizeof(pid), "%s_ovw", text(obj, "id"));
        json_object_set_new(g, "parts", json_pack("[{s:s, s:s, s:s}]", "id", pid, "name", "overview", "prose", gl));
    }
    return g;
}

json_t *mns_checksheet_oscal_catalog(const struct mns_checksheet *cs)
{
    const json_t *source = json_object_get(cs->sheet, "source"), *cat, *sec, *item, *g;
    json_t *groups = json_array();
    size_t i, j, k, m;

    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) {
        json_t *cg = group(cat, "category", "title_ja", "guideline_ja"), *secs = json_array();
        json_array_foreach(json_object_get(cat, "sections"), j, sec) {
            json_t *sg = group(sec, "section", "title_ja", "guideline_ja");
            const json_t *subs = json_object_get(sec, "groups");
            if (json_array_size(subs) > 0) {
                /* F's sections: a group per sub-point with its items */
                json_t *sub = json_array();
                json_array_foreach(subs, m, g) {
                    json_t *gg = json_pack("{s:s, s:s, s:s, s:[o]}", "id", text(g, "id"), "class", "sub-point", "title",
                                           text(g, "text_ja"), "props", prop("label", text(g, "id"), false));
                    json_t *controls = json_array();
                    json_array_foreach(json_object_get(sec, "items"), k, item)
                        if (strcmp(text(item, "group") ? text(item, "group") : "", text(g, "id")) == 0)
                            json_array_append_new(controls, control(item));
                    if (json_array_size(controls) > 0)
                        json_object_set_new(gg, "controls", controls);
                    else
                        json_decref(controls);
                    json_array_append_new(sub, gg);
                }
                json_object_set_new(sg, "groups", sub);
            } else {
                json_t *controls = json_array();
                json_array_foreach(json_object_get(sec, "items"), k, item) json_array_append_new(controls, control(item));
                json_object_set_new(sg, "controls", controls);
            }
            json_array_append_new(secs, sg);
        }
        json_object_set_new(cg, "groups", secs);
        json_array_append_new(groups, cg);
    }
    return json_pack("{s:{s:o, s:o, s:o}}", "catalog", "uuid", uuid5("catalog"), "metadata",
                     metadata(text(source, "title_ja"), text(source, "version") ? text(source, "version") : "1",
                              "JNSA's check sheet as published; English texts (class translation-en) are translations "
                              "made for mnsafe."),
                     "groups", groups);
}


json_t *mns_checksheet_oscal_results(const struct mns_checksheet *cs, const json_t *results, const json_t *info)
{
    json_t *findings = json_array(), *observations = json_array();
    const json_t *cat, *sec, *item;
    size_t i, j, k;
    const char *aid = text_or(info, "id", "0");
    char name[160];

    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
        json_array_foreach(json_object_get(sec, "items"), k, item)
    {
        const char *id = text(item, "id"), *status = status_of(results, id);
        const json_t *r = result_of(results, id);
        if (strcmp(status, "not_assessed") == 0)
            continue;
        bool ok = strcmp(status, "satisfied") == 0 || strcmp(status, "not_applicable") == 0;
        bool probe = text(r, "probe_detail") != NULL;
        /* what was looked at: the probe's reading, or the evidence given */
        snprintf(name, sizeof(name), "observation:%s:%s", aid, id);
        json_t *obs_uuid = uuid5(name);
        const char *what = probe ? text(r, "probe_detail")
                                 : text(r, "evidence_note") ? text(r, "evidence_note")
                                 : text(r, "reason")        ? text(r, "reason")
                                                            : "attested without a note";
        json_t *obs = json_pack("{s:O, s:s, s:[s], s:s}", "uuid", obs_uuid, "description", what, "methods",
                                probe ? "TEST" : "EXAMINE", "collected",
                                text_or(r, "attested_at", text_or(info, "started_at", "2016-01-01T00:00:00Z")));
        if (text(r, "evidence_link") != NULL)
            json_object_set_new(obs, "relevant-evidence",
                                json_pack("[{s:s}]", "description", text(r, "evidence_link")));
        json_object_set_new(obs, "props", json_pack("[o]", prop("attested-by", text_or(r, "attested_by", "-"), true)));
        json_array_append_new(observations, obs);
        snprintf(name, sizeof(name), "finding:%s:%s", aid, id);
        json_t *target = json_pack("{s:s, s:s, s:{s:s, s:s}}", "type", "objective-id", "target-id", id, "status", "state",
                                   ok ? "satisfied" : "not-satisfied", "reason",
                                   strcmp(status, "satisfied") == 0 ? "pass" : ok ? "other" : "fail");
        json_t *f = json_pack("{s:o, s:s, s:s, s:o, s:[o], s:[{s:O}]}", "uuid", uuid5(name), "title", id, "description",
                              text(item, "text_ja"), "target", target, "props", prop("assessment-status", status, true),
                              "related-observations", "observation-uuid", obs_uuid);
        if (text(r, "reason") != NULL)
            json_object_set_new(f, "remarks", json_string(text(r, "reason")));
        json_decref(obs_uuid);
        json_array_append_new(findings, f);
    }
    snprintf(name, sizeof(name), "results:%s", aid);
    json_t *result = json_pack("{s:o, s:s, s:s, s:s, s:{s:[{s:{}}]}}", "uuid", uuid5(name), "title",
                               text_or(info, "title", "assessment"), "description",
                               "マイナンバーの安全管理措置チェックシートによる評価 / assessment against JNSA's My Number "
                               "check sheet",
                               "start", text_or(info, "started_at", "2016-01-01T00:00:00Z"), "reviewed-controls",
                               "control-selections", "include-all");
    if (json_array_size(observations) > 0)
        json_object_set_new(result, "observations", observations);
    else
        json_decref(observations);
    if (json_array_size(findings) > 0)
        json_object_set_new(result, "findings", findings);
    else
        json_decref(findings);
    json_object_set_new(result, "props", json_pack("[o]", prop("tenant", text_or(info, "tenant", "-"), true)));
    snprintf(name, sizeof(name), "assessment-results:%s", aid);
    return json_pack("{s:{s:o, s:o, s:{s:s}, s:[o]}}", "assessment-results", "uuid", uuid5(name), "metadata",
                     metadata(text_or(info, "title", "assessment"), aid,
                              "Statuses beyond satisfied / not-satisfied (partly, not applicable) are in the "
                              "assessment-status property."),
                     "import-ap", "href", "#assessment-plan-not-kept-by-mnsafe", "results", result);
}

json_t *mns_checksheet_oscal_poam(const struct mns_checksheet *cs, const json_t *results, const json_t *info)
{
    json_t *rep = mns_checksheet_report(cs, results), *items = json_array(), *g;
    const char *aid = text_or(info, "id", "0");
    char name[160];
    size_t i;

    json_array_foreach(json_object_get(rep, "gaps"), i, g) {
        const char *id = text(g, "item");
        const json_t *r = result_of(results, id);
        json_t *props = json_pack("[o, o, o]", prop("item", id, true), prop("level", text(g, "level"), true),
                                  prop("assessment-status", text(g, "status"), true));
        if (text(r, "owner") != NULL)
            json_array_append_new(props, prop("owner", text(r, "owner"), true));
        if (text(r, "due") != NULL)
            json_array_append_new(props, prop("due-date", text(r, "due"), true));
        snprintf(name, sizeof(name), "poam-item:%s:%s", aid, id);
        json_array_append_new(items, json_pack("{s:o, s:s, s:s, s:o}", "uuid", uuid5(name), "title", id, "description",
                                               text(g, "text_ja"), "props", props));
    }
    json_decref(rep);
    snprintf(name, sizeof(name), "poam:%s", aid);
    /* an empty plan still needs one entry: say there is nothing to do */
    if (json_array_size(items) == 0)
        json_array_append_new(items, json_pack("{s:o, s:s, s:s}", "uuid", uuid5("poam-item:none"), "title", "none",
                                               "description", "ギャップはありません / no gaps"));
    return json_pack("{s:{s:o, s:o, s:o}}", "plan-of-action-and-milestones", "uuid", uuid5(name), "metadata",
                     metadata(text_or(info, "title", "assessment"), aid,
                              "The gaps of the assessment, minimum items first, with owners and due dates."),
                     "poam-items", items);
}
