/*
 * retention.h: how long a My Number may be kept, from data/retention.json.
 *
 * A number is kept while a procedure needs it. Once the person's need ends
 * (retirement, contract end, or a payee's last payment), each purpose the
 * number was collected for gives, through its rule and legal basis, the
 * date from which the documents (and so the number) may be disposed of;
 * the latest of those dates is when the number must go.
 *
 * Rule kinds:
 *   until_jan10      kept until 10 January of (end year + years): deletable
 *                    from 11 January (扶養控除等申告書: years = 8)
 *   years_after_end  kept `years` years counted from the day after the end
 *                    (民法140条, 143条: ends on the corresponding day, or at
 *                    the month's end when there is none): deletable the day after
 *   after_filing     kept until the filing deadline filing_month/filing_day of
 *                    the year after the end (支払調書: 31 January): deletable after
 *
 * Dates are calendar dates (proleptic Gregorian), no time zone.
 */
#ifndef MNSAFE_RETENTION_H
#define MNSAFE_RETENTION_H

#include <stdbool.h>

#include <jansson.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mns_date {
    int year, month, day;
} mns_date;

/* "YYYY-MM-DD" that is a real date (years 1900-2999) */
bool mns_date_parse(const char *text, mns_date *out);
/* out: 11 bytes */
void mns_date_format(mns_date d, char out[11]);
mns_date mns_date_add_days(mns_date d, int days);
int mns_date_cmp(mns_date a, mns_date b);
bool mns_date_leap(int year);
int mns_date_days_in_month(int year, int month);
/* today in local time */
mns_date mns_date_today(void);

struct mns_retention;

/* Loads and checks the rules (every rule has a code, names, a basis, the
 * purposes it covers and a known kind); *out owned by the caller. */
mns_err mns_retention_load(struct mns_retention **out, const char *path, mns_errmsg *em) MNS_WUR;
void mns_retention_free(struct mns_retention *r);
const json_t *mns_retention_json(const struct mns_retention *r);

/* The date from which a number collected for purposes (a JSON list of
 * purpose codes) may be deleted, the need having ended on end: the latest
 * date any rule of those purposes gives; *rule_code names that rule
 * (borrowed). MNS_ERR_NOT_FOUND when no rule covers any purpose (the
 * caller decides: mnsafe then deletes from the day after the end). */
mns_err mns_retention_due(const struct mns_retention *r, const json_t *purposes, mns_date end, mns_date *due,
                          const char **rule_code) MNS_WUR;

/* A date rounded up to the end of the fiscal year that ends with month
 * fy_end_month (1-12), plus one day (a tenant's batch deletion "at fiscal
 * year end"): never earlier than d. */
mns_date mns_date_after_fiscal_year_end(mns_date d, int fy_end_month);

/* The deletion certificate (削除・廃棄証明書) for disposal register entries
 * (as mns_vault_disposal_list gives them) between from and to: one HTML
 * page in Japanese. Caller frees. */
char *mns_retention_certificate_html(const json_t *entries, const char *tenant_name, const char *from, const char *to,
                                     const char *issued_by, const char *issued_on);

/* ---- incidents (incident.c) ---- */

/* 国民の祝日, 振替休日 and 国民の休日 by the rules in force since 2020 */
bool mns_date_holiday(mns_date d);
/* Saturday, Sunday, a national holiday, 29 December - 3 January */
bool mns_date_office_closed(mns_date d);
/* Whether an incident (its register fields: known_on, persons,
 * wrongful_purpose, insider, public_exposure, strong_encryption,
 * preliminary_reported_on, final_reported_on) must be reported to the PPC,
 * why, and when: {"reportable","reasons","preliminary_target","final_due",
 * "final_last_day","warnings",...}; NULL when known_on is missing. */
json_t *mns_incident_assess(const json_t *fields, mns_date today);
/* A draft of the preliminary or final report under the PPC form's nine
 * headings, in Japanese. Caller frees. */
char *mns_incident_draft(const json_t *fields, bool final);

#ifdef __cplusplus
}
#endif
#endif
