/*
 * error.h: the one error type of mnsafe.
 *
 * Every library function that can fail returns an mns_err. Where a caller needs
 * to know more (which character, which row, which share), the function also
 * takes an optional struct mns_errmsg that it fills with a short bilingual
 * sentence. Error text never holds a My Number, a key or a password.
 */
#ifndef MNSAFE_ERROR_H
#define MNSAFE_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MNS_WUR __attribute__((warn_unused_result))
#define MNS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define MNS_WUR
#define MNS_PRINTF(a, b)
#endif

typedef enum mns_err {
    MNS_OK = 0,
    MNS_ERR_INVALID,       /* malformed input (number, share, JSON, argument) */
    MNS_ERR_CHECK_DIGIT,   /* well-formed number whose check digit is wrong */
    MNS_ERR_NOMEM,
    MNS_ERR_CRYPTO,        /* a primitive failed, or an AEAD tag did not verify */
    MNS_ERR_STORE,         /* the database refused or failed */
    MNS_ERR_NOT_FOUND,
    MNS_ERR_EXISTS,        /* unique value already present (e.g. duplicate number) */
    MNS_ERR_AUTH,          /* authentication failed: one code, no user enumeration */
    MNS_ERR_DENIED,        /* authenticated, but not allowed */
    MNS_ERR_PURPOSE,       /* reveal asked for a purpose the number was not collected for */
    MNS_ERR_SEALED,        /* the daemon holds no keys */
    MNS_ERR_BAD_SHARE,     /* an unseal share is mistyped, foreign or insufficient */
    MNS_ERR_IO,
    MNS_ERR_AUDIT,         /* the audit entry could not be written: the act did not happen */
    MNS_ERR_TAMPERED,      /* the audit chain or a checkpoint does not verify */
    MNS_ERR_LIMIT,         /* a size or count limit was exceeded */
    MNS_ERR_STATE,         /* the call does not fit the current state (already init, not sealed...) */
    MNS_ERR_INTERNAL,
    MNS_ERR_FULL,          /* the disk is full: nothing was written */
    MNS_ERR_MFA,           /* the password was right; a (right) one-time code is needed */
    MNS_ERR__COUNT
} mns_err;

/* Short English name of the code ("invalid input"); never NULL. */
const char *mns_strerror(mns_err err);
/* The same in Japanese (UTF-8); never NULL. */
const char *mns_strerror_ja(mns_err err);
/* A stable machine name ("invalid", "check_digit"...), used in the API. */
const char *mns_err_name(mns_err err);

#define MNS_ERRMSG_MAX 320

/* Detail for a failure. Always NUL-terminated once set; callers may pass NULL
 * wherever a function takes one. */
typedef struct mns_errmsg {
    char text[MNS_ERRMSG_MAX];
} mns_errmsg;

/* Sets em->text (if em is non-NULL) and returns err, so that a failing path can
 * say `return mns_fail(em, MNS_ERR_INVALID, "...", ...);`. */
mns_err mns_fail(mns_errmsg *em, mns_err err, const char *fmt, ...) MNS_PRINTF(3, 4);

/* One idempotent, thread-safe initialisation of OpenSSL and libsodium. */
mns_err mns_global_init(void) MNS_WUR;

#ifdef __cplusplus
}
#endif
#endif
