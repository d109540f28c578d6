/*
 * csv.h: a streaming CSV reader for the files payroll staff bring (Excel's
 * "CSV UTF-8" with or without BOM, and Excel's plain "CSV", which is
 * Shift_JIS as Windows writes it: CP932).
 *
 * Bytes are fed in chunks of any size (a multibyte character or a record may
 * straddle two chunks); each complete record is handed to a callback as UTF-8
 * fields. Memory is fixed at creation: one record of at most
 * MNS_CSV_RECORD_MAX bytes and MNS_CSV_FIELDS_MAX fields, whatever the file's size.
 *
 * A record that breaks the format (a quote inside an unquoted field, text
 * after a closing quote, bytes that are not the file's encoding, a NUL, a
 * record too long) still reaches the callback, with `bad` naming the problem
 * in English and Japanese, so that the caller reports that row and goes on.
 * Records are numbered as a spreadsheet numbers rows: the first record is 1,
 * and blank lines count but are not handed over.
 *
 * The record buffer may hold My Numbers: it lives in secure memory and is
 * wiped after every record and on free. Not thread-safe per reader; readers
 * are independent.
 */
#ifndef MNSAFE_CSV_H
#define MNSAFE_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MNS_CSV_RECORD_MAX (64u * 1024)
#define MNS_CSV_FIELDS_MAX 256

typedef enum mns_csv_encoding {
    MNS_CSV_AUTO = 0, /* BOM: UTF-8; else decided on the 4 KiB from the first
                       * non-ASCII byte (held back until then), whatever the chunks */
    MNS_CSV_UTF8,
    MNS_CSV_SJIS      /* CP932: JIS X 0208 plus the NEC and IBM extensions */
} mns_csv_encoding;

/* "auto", "utf-8", "shift_jis" (also "utf8", "sjis", "cp932"); false if unknown. */
bool mns_csv_encoding_parse(const char *name, mns_csv_encoding *out);
/* "utf-8", "shift_jis", or "undecided" for AUTO (all ASCII so far). */
const char *mns_csv_encoding_name(mns_csv_encoding enc);

/*
 * One record: nfields fields, each NUL-terminated UTF-8 (len[i] bytes, a
 * field may not hold NUL: such a record is bad). bad is NULL, or what is
 * wrong ("english / 日本語"); the fields are then what could be read.
 * A non-OK return stops the feed and is returned from it.
 */
typedef mns_err (*mns_csv_record_fn)(void *ctx, uint64_t record_no, char *const *field, const size_t *len,
                                     size_t nfields, const char *bad, mns_errmsg *em);

struct mns_csv;

mns_err mns_csv_new(struct mns_csv **out, mns_csv_encoding enc) MNS_WUR;
/* NULL-safe; wipes the record buffer. */
void mns_csv_free(struct mns_csv *c);
/* Feeds len bytes; complete records go to fn. */
mns_err mns_csv_feed(struct mns_csv *c, const void *data, size_t len, mns_csv_record_fn fn, void *ctx,
                     mns_errmsg *em) MNS_WUR;
/* End of input: the last record (without a final newline) goes to fn; an
 * open quote or a cut-off character makes it bad. */
mns_err mns_csv_finish(struct mns_csv *c, mns_csv_record_fn fn, void *ctx, mns_errmsg *em) MNS_WUR;
/* The encoding in use (AUTO while only ASCII has been seen). */
mns_csv_encoding mns_csv_encoding_of(const struct mns_csv *c);
/* Records seen so far (blank lines included) and bytes fed. */
uint64_t mns_csv_records(const struct mns_csv *c);
uint64_t mns_csv_bytes(const struct mns_csv *c);

#ifdef __cplusplus
}
#endif
#endif
