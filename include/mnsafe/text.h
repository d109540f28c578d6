/*
 * text.h: a growing text buffer for the reports and registers mnsafe writes
 * (HTML, XML, CSV). On an allocation failure it stops growing and remembers
 * it; mns_text_take() then gives NULL, so callers check once at the end.
 */
#ifndef MNSAFE_TEXT_H
#define MNSAFE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mns_text {
    char *p;
    size_t len, cap;
    bool failed;
};

void mns_text_add(struct mns_text *t, const char *s, size_t n);
/* s may be NULL (nothing added) */
void mns_text_str(struct mns_text *t, const char *s);
void mns_text_printf(struct mns_text *t, const char *fmt, ...) MNS_PRINTF(2, 3);
/* XML and HTML text: & < > " ' escaped */
void mns_text_xml(struct mns_text *t, const char *s);
/* one CSV field: quoted, quotes doubled */
void mns_text_csv(struct mns_text *t, const char *s);
/* The text (caller frees), or NULL after a failure. */
char *mns_text_take(struct mns_text *t);

#ifdef __cplusplus
}
#endif
#endif
