/*
 * mynumber.h: the My Number (個人番号, 12 digits, last one a check digit) and
 * the Corporate Number (法人番号, 13 digits, FIRST one a check digit).
 *
 * Pure functions, no allocation, thread-safe. Error messages say what is wrong
 * and where (character position, 1-based, counted in characters of the input),
 * in English and Japanese, and never repeat the digits of the input.
 */
#ifndef MNSAFE_MYNUMBER_H
#define MNSAFE_MYNUMBER_H

#include <stdbool.h>
#include <stddef.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MNS_MYNUMBER_LEN 12
#define MNS_CORPORATE_NUMBER_LEN 13
/* Longest raw input accepted for normalisation, in bytes. */
#define MNS_NUMBER_INPUT_MAX 256

typedef enum mns_number_kind {
    MNS_NUMBER_MYNUMBER = 1,
    MNS_NUMBER_CORPORATE = 2
} mns_number_kind;

/*
 * Normalise user input to ASCII digits: full-width digits become ASCII; ASCII
 * and ideographic spaces are dropped; the hyphen family (- ‐ − － ― ー) is
 * dropped only when it stands between two digits. Anything else is an error
 * naming the character's position. The input must be valid UTF-8.
 * out must hold at least outsize bytes; on success it is NUL-terminated and
 * *outlen (if non-NULL) is the digit count. On failure out is wiped.
 */
mns_err mns_number_normalize(char *out, size_t outsize, size_t *outlen,
                             const char *in, size_t inlen, mns_errmsg *em) MNS_WUR;

/* Check digit of the first 11 digits of a My Number (ASCII digits). */
int mns_mynumber_check_digit(const char digits11[11]);
/* Check digit (the first digit) for the 12 digits after it. */
int mns_corporate_number_check_digit(const char digits12[12]);

/* Validate a normalised 12-digit My Number: length, digits, check digit. */
mns_err mns_mynumber_validate(const char *digits, size_t len, mns_errmsg *em) MNS_WUR;
/* Validate a normalised 13-digit Corporate Number. */
mns_err mns_corporate_number_validate(const char *digits, size_t len, mns_errmsg *em) MNS_WUR;

/*
 * Normalise and validate in one step, choosing the kind by digit count
 * (12: My Number, 13: Corporate Number, anything else: an error).
 * out must hold at least MNS_CORPORATE_NUMBER_LEN + 1 bytes.
 */
mns_err mns_number_parse(char out[MNS_CORPORATE_NUMBER_LEN + 1], mns_number_kind *kind,
                         const char *in, size_t inlen, mns_errmsg *em) MNS_WUR;

/* Same, but only a My Number is accepted. out holds 13 bytes. */
mns_err mns_mynumber_parse(char out[MNS_MYNUMBER_LEN + 1], const char *in, size_t inlen,
                           mns_errmsg *em) MNS_WUR;

/* True when free text (a name, a reason, a code) holds something that is a
 * valid My Number: such text is refused wherever it would be stored or
 * logged in clear. text must be UTF-8; invalid bytes count as non-digits. */
bool mns_text_contains_mynumber(const char *text, size_t len);

/*
 * Masking for display. With show_last4 false every digit becomes '*'
 * ("************"), for anybody who may not reveal; with show_last4 true the
 * last four stay ("********9018"), for an assigned clerk's lists.
 * out must hold len + 1 bytes.
 */
void mns_number_mask(char *out, const char *digits, size_t len, bool show_last4);

#ifdef __cplusplus
}
#endif
#endif
