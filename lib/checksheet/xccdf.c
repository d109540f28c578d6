/*
 * xccdf.c: the sheet as an XCCDF 1.2 Benchmark, and an assessment as its
 * TestResult, for SCAP tools (checked with `oscap xccdf validate` and
 * rendered with `oscap xccdf generate report` in the tests).
 *
 * category -> Group, section -> Group, item -> Rule (a minimum item has
 * severity "high", an optional one "low"); Profiles "minimum" (optional
 * items deselected) and "all". An attestation is a rule-result whose
 * message carries the attester's words; no override element (oscap 1.3.7
 * mishandles it), no check-import, no platform (oscap would then call every
 * result notapplicable). The default score ignores notchecked, so the
 * TestResult carries the coverage as a score of its own system too.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "checksheet/internal.h"

#define NS "jp.mnsafe"

static const char *xccdf_result(const char *status)
{
    if (strcmp(status, "satisfied") == 0)
        return "pass";
    if (strcmp(status, "not_satisfied") == 0 || strcmp(status, "partly") == 0)
        return "fail";
    if (strcmp(status, "not_applicable") == 0)
        return "notapplicable";
    return "notchecked";
}

/* <title xml:lang="ja">..</title><title xml:lang="en">..</title> from obj's KEY_ja / KEY_en */
static void titles(struct mns_text *b, const json_t *obj, const char *tag, const char *key, const char *indent)
{
    static const char *const langs[] = {"ja", "en"};
    for (int i = 0; i < 2; i++) {
        char k[32];
        snprintf(k, sizeof(k), "%s_%s", key, langs[i]);
        const char *text = json_string_value(json_object_get(obj, k));
        if (text == NULL)
            continue;
        mns_text_printf(b, "%s<%s xml:lang=\"%s\">", indent, tag, langs[i]);
        mns_text_xml(b, text);
        mns_text_printf(b, "</%s>\n", tag);
    }
}

static void iso_time(char out[32], const char *given)
{
    if (given != NULL && strlen(given) < 32) {
        snprintf(out, 32, "%s", given);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void rule(struct mns_text *b, const json_t *item)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    bool minimum = strcmp(json_string_value(json_object_get(item, "level")), "minimum") == 0;
    mns_text_printf(b, "      <Rule id=\"xccdf_" NS "_rule_%s\" selected=\"true\" severity=\"%s\">\n", id,
               minimum ? "high" : "low");
    titles(b, item, "title", "text", "        ");
    /* the description: the comment, and the check boxes inside the item */
    const json_t *parts = json_object_get(item, "parts"), *p;
    const char *comment = json_string_value(json_object_get(item, "comment_ja"));
    size_t i;
    mns_text_str(b, "        <description xml:lang=\"ja\">");
    mns_text_xml(b, minimum ? "最低限取るべき措置" : "プラスα（オプションとして取るべき措置）");
    if (comment != NULL) {
        mns_text_str(b, "。コメント: ");
        mns_text_xml(b, comment);
    }
    json_array_foreach(parts, i, p) {
        mns_text_str(b, i == 0 ? "。確認項目: □" : " □");
        mns_text_xml(b, json_string_value(json_object_get(p, "text_ja")));
    }
    mns_text_str(b, "</description>\n");
    comment = json_string_value(json_object_get(item, "comment_en"));
    mns_text_str(b, "        <description xml:lang=\"en\">");
    mns_text_xml(b, minimum ? "Minimum measure" : "Optional measure");
    if (comment != NULL) {
        mns_text_str(b, ". Comment: ");
        mns_text_xml(b, comment);
    }
    json_array_foreach(parts, i, p) {
        mns_text_str(b, i == 0 ? ". Check: [ ] " : " [ ] ");
        mns_text_xml(b, json_string_value(json_object_get(p, "text_en")));
    }
    mns_text_str(b, " (English: a translation)</description>\n      </Rule>\n");
}

static void test_result(struct mns_text *b, const struct mns_checksheet *cs, const json_t *results, const json_t *info)
{
    char start[32], end[32];
    const json_t *cat, *sec, *item;
    size_t i, j, k;
    const char *aid = json_string_value(json_object_get(info, "id"));
    iso_time(start, json_string_value(json_object_get(info, "started_at")));
    iso_time(end, NULL);
    mns_text_printf(b, "  <TestResult id=\"xccdf_" NS "_testresult_%s\" start-time=\"%s\" end-time=\"%s\">\n",
               aid != NULL ? aid : "assessment", start, end);
    mns_text_str(b, "    <title>");
    mns_text_xml(b, json_string_value(json_object_get(info, "title")) ? json_string_value(json_object_get(info, "title"))
                                                                  : "assessment");
    mns_text_str(b, "</title>\n    <target>");
    mns_text_xml(b, json_string_value(json_object_get(info, "tenant")) ? json_string_value(json_object_get(info, "tenant"))
                                                                   : "mnsafe");
    mns_text_str(b, "</target>\n");
    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
        json_array_foreach(json_object_get(sec, "items"), k, item)
    {
        const char *id = json_string_value(json_object_get(item, "id"));
        const char *status = status_of(results, id);
        const json_t *r = result_of(results, id);
        mns_text_printf(b, "    <rule-result idref=\"xccdf_" NS "_rule_%s\"><result>%s</result>", id, xccdf_result(status));
        /* the attestation, in the words given, with who and when */
        const char *who = json_string_value(json_object_get(r, "attested_by"));
        if (r != NULL && strcmp(status, "not_assessed") != 0) {
            mns_text_str(b, "<message severity=\"info\">");
            mns_text_xml(b, status);
            if (who != NULL) {
                mns_text_str(b, " (");
                mns_text_xml(b, who);
                const char *at = json_string_value(json_object_get(r, "attested_at"));
                if (at != NULL) {
                    mns_text_str(b, ", ");
                    mns_text_xml(b, at);
                }
                mns_text_str(b, ")");
            }
            static const char *const keys[] = {"reason", "evidence_note", "evidence_link", "probe_detail"};
            for (size_t x = 0; x < 4; x++) {
                const char *t = json_string_value(json_object_get(r, keys[x]));
                if (t != NULL) {
                    mns_text_str(b, ": ");
                    mns_text_xml(b, t);
                }
            }
            mns_text_str(b, "</message>");
        }
        mns_text_str(b, "</rule-result>\n");
    }
    json_t *rep = mns_checksheet_report(cs, results);
    const json_t *all = json_object_get(json_object_get(json_object_get(rep, "summary"), "all"), "all");
    double score = json_number_value(json_object_get(all, "score")) * 100.0;
    double coverage = json_number_value(json_object_get(all, "coverage")) * 100.0;
    mns_text_printf(b, "    <score system=\"urn:xccdf:scoring:default\" maximum=\"100\">%.2f</score>\n", score);
    mns_text_printf(b, "    <score system=\"urn:" NS ":coverage\" maximum=\"100\">%.2f</score>\n", coverage);
    json_decref(rep);
    mns_text_str(b, "  </TestResult>\n");
}

char *mns_checksheet_xccdf(const struct mns_checksheet *cs, const json_t *results, const json_t *info)
{
    struct mns_text b = {0};
    const json_t *cat, *sec, *item, *source = json_object_get(cs->sheet, "source");
    size_t i, j, k;

    mns_text_str(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                "<Benchmark xmlns=\"http://checklists.nist.gov/xccdf/1.2\" id=\"xccdf_" NS
                "_benchmark_jnsa-mynumber-checksheet\" resolved=\"1\" xml:lang=\"ja\">\n"
                "  <status>accepted</status>\n");
    titles(&b, source, "title", "title", "  ");
    titles(&b, source, "description", "description", "  ");
    mns_text_str(&b, "  <version>");
    mns_text_xml(&b, json_string_value(json_object_get(source, "version")) ? json_string_value(json_object_get(source, "version"))
                                                                      : "1");
    mns_text_str(&b, "</version>\n");
    for (int prof = 0; prof < 2; prof++) {
        mns_text_printf(&b, "  <Profile id=\"xccdf_" NS "_profile_%s\">\n", prof == 0 ? "minimum" : "all");
        mns_text_str(&b, prof == 0 ? "    <title xml:lang=\"ja\">最低限取るべき措置</title>\n"
                                "    <title xml:lang=\"en\">Minimum measures</title>\n"
                              : "    <title xml:lang=\"ja\">全項目（最低限＋プラスα）</title>\n"
                                "    <title xml:lang=\"en\">All measures (minimum and optional)</title>\n");
        json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) json_array_foreach(json_object_get(cat, "sections"), j, sec)
            json_array_foreach(json_object_get(sec, "items"), k, item)
        {
            bool minimum = strcmp(json_string_value(json_object_get(item, "level")), "minimum") == 0;
            mns_text_printf(&b, "    <select idref=\"xccdf_" NS "_rule_%s\" selected=\"%s\"/>\n",
                       json_string_value(json_object_get(item, "id")), prof == 1 || minimum ? "true" : "false");
        }
        mns_text_str(&b, "  </Profile>\n");
    }
    json_array_foreach(json_object_get(cs->sheet, "categories"), i, cat) {
        mns_text_printf(&b, "  <Group id=\"xccdf_" NS "_group_%s\">\n", json_string_value(json_object_get(cat, "id")));
        titles(&b, cat, "title", "title", "    ");
        titles(&b, cat, "description", "guideline", "    ");
        json_array_foreach(json_object_get(cat, "sections"), j, sec) {
            mns_text_printf(&b, "    <Group id=\"xccdf_" NS "_group_%s\">\n", json_string_value(json_object_get(sec, "id")));
            titles(&b, sec, "title", "title", "      ");
            titles(&b, sec, "description", "guideline", "      ");
            json_array_foreach(json_object_get(sec, "items"), k, item) rule(&b, item);
            mns_text_str(&b, "    </Group>\n");
        }
        mns_text_str(&b, "  </Group>\n");
    }
    if (results != NULL)
        test_result(&b, cs, results, info);
    mns_text_str(&b, "</Benchmark>\n");
    return mns_text_take(&b);
}
