/*
 * checksheet.h: JNSA's 「マイナンバーの安全管理措置チェックシート」 as data.
 *
 * The sheet lives in data/checksheet.json (see docs/checksheet.md for its
 * schema and the decisions taken where the PDF text is garbled): four
 * categories (C organizational, D human, E physical, F technical), their
 * sections (C-a ...), the numbered sub-points of section F (groups), and
 * every item, minimum and optional, in Japanese as on the sheet and in an
 * English translation, with its comment and the check boxes inside it
 * (parts). Ids are stable: "C-a-min-1", "F-a-2-opt-3", "C-b-opt-1-p1".
 *
 * mns_checksheet_load() checks the whole file (shape, unique ids, levels,
 * texts) and refuses it with the first problem named, so that nothing is
 * lost silently. The loaded sheet is read-only and may be shared by threads.
 *
 * Results of an assessment are a JSON object {ITEM_ID: RESULT}; a RESULT is
 * {"status": "satisfied" | "not_satisfied" | "partly" | "not_applicable" |
 * "not_assessed", ...}. mns_checksheet_report() scores them: per category
 * and section, minimum and optional apart, the coverage (items assessed /
 * items) and the score ((satisfied + partly/2) / applicable assessed items),
 * and the gap list, minimum items first.
 */
#ifndef MNSAFE_CHECKSHEET_H
#define MNSAFE_CHECKSHEET_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mns_checksheet;

/* Loads and checks the sheet at path; *out owned by the caller. */
mns_err mns_checksheet_load(struct mns_checksheet **out, const char *path, mns_errmsg *em) MNS_WUR;
void mns_checksheet_free(struct mns_checksheet *cs);

/* The whole sheet (borrowed; do not change it). */
const json_t *mns_checksheet_json(const struct mns_checksheet *cs);
/* SHA-256 (hex) of the file as loaded: an assessment records which sheet it used. */
const char *mns_checksheet_sha256(const struct mns_checksheet *cs);
size_t mns_checksheet_item_count(const struct mns_checksheet *cs);
/* The item with this id (borrowed), or NULL. */
const json_t *mns_checksheet_item(const struct mns_checksheet *cs, const char *id);
/* The id of the section (e.g. "F-b") an item belongs to, or NULL. */
const char *mns_checksheet_section_of(const struct mns_checksheet *cs, const char *item_id);

/* {"C-a": {"minimum": N, "optional": N, "parts": N}, ..., "total": {...}} (new reference). */
json_t *mns_checksheet_counts(const struct mns_checksheet *cs);

/* Statuses of a result; mns_checksheet_status_valid says if text is one. */
bool mns_checksheet_status_valid(const char *status);

/* The report of results (see above) as JSON (new reference):
 * {"summary": {"all"|"C"|"C-a"...: {"minimum": SCORE, "optional": SCORE, "all": SCORE}},
 *  "gaps": [{"item","level","status","owner","due",...}], "items": N}
 * where SCORE = {"items","assessed","satisfied","partly","not_satisfied",
 * "not_applicable","coverage","score"}. */
json_t *mns_checksheet_report(const struct mns_checksheet *cs, const json_t *results);

/* The report as CSV (UTF-8 with a BOM, so that Excel reads it; CRLF): one
 * row per item. Caller frees. */
char *mns_checksheet_csv(const struct mns_checksheet *cs, const json_t *results, bool english);

/* The sheet as an XCCDF 1.2 Benchmark (profiles "minimum" and "all") and,
 * when results is not NULL, with one TestResult for them (assessment meta
 * in info: "id", "title", "started_at" (ISO 8601), "tenant"). Caller frees. */
char *mns_checksheet_xccdf(const struct mns_checksheet *cs, const json_t *results, const json_t *info);

/* OSCAL 1.0.6 JSON (new references): the sheet as a catalog; an
 * assessment's results (info as for XCCDF) as assessment-results; its gaps
 * as a plan of action and milestones. */
json_t *mns_checksheet_oscal_catalog(const struct mns_checksheet *cs);
json_t *mns_checksheet_oscal_results(const struct mns_checksheet *cs, const json_t *results, const json_t *info);
json_t *mns_checksheet_oscal_poam(const struct mns_checksheet *cs, const json_t *results, const json_t *info);

/* A self-contained HTML page of the report (Japanese, or English when
 * english): scores and coverage per category and section, the gap list and
 * every item with its status. Caller frees. */
char *mns_checksheet_html(const struct mns_checksheet *cs, const json_t *results, const json_t *info, bool english);

#ifdef __cplusplus
}
#endif
#endif
