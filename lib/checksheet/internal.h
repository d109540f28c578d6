/* internal.h: what the check sheet files share. */
#ifndef MNS_CHECKSHEET_INTERNAL_H
#define MNS_CHECKSHEET_INTERNAL_H

#include "mnsafe/checksheet.h"
#include "mnsafe/text.h"

struct mns_checksheet {
    json_t *sheet;      /* the file as loaded */
    json_t *index;      /* item id -> item (borrowed from sheet) */
    json_t *section_of; /* item id -> section id */
    size_t nitems, nparts;
    char sha256[65];
};

/* The item's result in results, or NULL; its status ("not_assessed" when none). */
const json_t *result_of(const json_t *results, const char *id);
const char *status_of(const json_t *results, const char *id);
/* obj[key] as text, or dflt */
const char *text_or(const json_t *obj, const char *key, const char *dflt);

#endif
