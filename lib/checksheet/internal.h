/* internal.h: what the check sheet files share. */
#ifndef MNS_CHECKSHEET_INTERNAL_H
#define MNS_CHECKSHEET_INTERNAL_H

#include "mnsafe/checksheet.h"

struct mns_checksheet {
    json_t *sheet;      /* the file as loaded */
    json_t *index;      /* item id -> item (borrowed from sheet) */
    json_t *section_of; /* item id -> section id */
    size_t nitems, nparts;
    char sha256[65];
};

/* A growing text buffer; on allocation failure it stops growing and
 * remembers it (buf_take then gives NULL). */
struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};
void buf_add(struct buf *b, const char *s, size_t n);
void buf_str(struct buf *b, const char *s);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* XML text escaping (& < > " ') */
void buf_xml(struct buf *b, const char *s);
/* CSV field: quoted, quotes doubled */
void buf_csv(struct buf *b, const char *s);
char *buf_take(struct buf *b);

/* The item's result in results, or NULL; its status ("not_assessed" when none). */
const json_t *result_of(const json_t *results, const char *id);
const char *status_of(const json_t *results, const char *id);
/* obj[key] as text, or dflt */
const char *text_or(const json_t *obj, const char *key, const char *dflt);

#endif
