/*
 * check_number.c: `mnsafe check-number VALUE...` and `mnsafe check-number -`.
 * Scripts depend on the output: one line per value, VALUE<TAB>ok or
 * VALUE<TAB>error: <reason>; exit 0 only when every value is ok. The kind
 * (My Number or Corporate Number) follows from the digit count. Nothing is
 * stored or logged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mnsafe/crypto.h"
#include "mnsafe/mynumber.h"

static bool check_one(const char *value, size_t len)
{
    char out[MNS_CORPORATE_NUMBER_LEN + 1];
    mns_number_kind kind;
    mns_errmsg em = {""};
    mns_err err = mns_number_parse(out, &kind, value, len, &em);
    mns_wipe(out, sizeof(out));
    fwrite(value, 1, len, stdout);
    if (err == MNS_OK)
        printf("\tok\n");
    else
        printf("\terror: %s\n", em.text[0] ? em.text : mns_strerror(err));
    return err == MNS_OK;
}

int cmd_check_number(int argc, char **argv)
{
    bool all_ok = true;
    size_t checked = 0;
    if (argc < 1) {
        fprintf(stderr, "usage: mnsafe check-number VALUE... | -\n");
        return 2;
    }
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            /* getline, not fgets: a long line is one value (and one error), never split */
            char *line = NULL;
            size_t cap = 0;
            ssize_t got;
            while ((got = getline(&line, &cap, stdin)) != -1) {
                size_t n = (size_t)got;
                while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
                    line[--n] = '\0';
                all_ok &= check_one(line, n);
                checked++;
            }
            if (line != NULL) {
                mns_wipe(line, cap);
                free(line);
            }
        } else {
            all_ok &= check_one(argv[i], strlen(argv[i]));
            checked++;
        }
    }
    fflush(stdout);
    return (all_ok && checked > 0) ? 0 : 1;
}
