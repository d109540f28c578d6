/*
 * crypto.h: the primitives mnsafe builds on, each with one job.
 *
 *  - secure memory: mlock'ed, excluded from core dumps, wiped on free;
 *  - AEAD: AES-256-GCM, output = nonce(12) || ciphertext || tag(16);
 *  - blind index: HMAC-SHA256(index key, normalised number);
 *  - Shamir secret sharing over GF(256), constant time, text shares with a
 *    checksum and a set id;
 *  - password hashing: Argon2id (libsodium);
 *  - signatures: Ed25519 (OpenSSL).
 * Key wrapping is AEAD with associated data naming the key's place (lib/vault/keys.c).
 *
 * All functions are thread-safe (the only shared state, the fetched OpenSSL
 * algorithms, is set up once and never changes). Secrets passed in are never
 * copied into non-secure memory by these functions, and anything secret they
 * produce in a buffer of their own is wiped before it is freed.
 */
#ifndef MNSAFE_CRYPTO_H
#define MNSAFE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnsafe/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MNS_KEY_LEN 32
#define MNS_AEAD_NONCE_LEN 12
#define MNS_AEAD_TAG_LEN 16
#define MNS_AEAD_OVERHEAD (MNS_AEAD_NONCE_LEN + MNS_AEAD_TAG_LEN)
#define MNS_HASH_LEN 32
#define MNS_ED25519_PUB_LEN 32
#define MNS_ED25519_SEED_LEN 32
#define MNS_ED25519_SIG_LEN 64

/* ---- secure memory ---------------------------------------------------- */

/* Zeroes n bytes in a way the compiler cannot elide. NULL-safe. */
void mns_wipe(void *p, size_t n);
/* Constant-time comparison; true when equal. */
bool mns_equal(const void *a, const void *b, size_t n);
/* Cryptographically secure random bytes. */
mns_err mns_random(void *buf, size_t n) MNS_WUR;

/*
 * Page-aligned allocation that is mlock'ed (best effort: a failed mlock is
 * not an error, mns_secure_alloc_locked() tells) and marked MADV_DONTDUMP; zeroed.
 * Free with mns_secure_free, which wipes and unlocks. Returns NULL on failure.
 */
void *mns_secure_alloc(size_t n);
void mns_secure_free(void *p, size_t n);
/* Whether the last mns_secure_alloc managed to mlock (for the check sheet probes). */
bool mns_secure_alloc_locked(const void *p);

/* Makes the process undumpable (prctl PR_SET_DUMPABLE 0, RLIMIT_CORE 0). */
mns_err mns_process_harden(void) MNS_WUR;

/* ---- hashing ---------------------------------------------------------- */

mns_err mns_sha256(uint8_t out[MNS_HASH_LEN], const void *data, size_t len) MNS_WUR;
mns_err mns_hmac_sha256(uint8_t out[MNS_HASH_LEN], const uint8_t key[MNS_KEY_LEN],
                        const void *data, size_t len) MNS_WUR;

/* ---- AEAD: AES-256-GCM -------------------------------------------------- */

/* out must hold ptlen + MNS_AEAD_OVERHEAD bytes; a fresh random nonce is used. */
mns_err mns_aead_seal(uint8_t *out, const uint8_t key[MNS_KEY_LEN], const void *ad,
                      size_t adlen, const void *pt, size_t ptlen) MNS_WUR;
/* out must hold inlen - MNS_AEAD_OVERHEAD bytes; *outlen set on success.
 * A wrong key, wrong ad or altered input gives MNS_ERR_CRYPTO and a wiped out. */
mns_err mns_aead_open(uint8_t *out, size_t *outlen, const uint8_t key[MNS_KEY_LEN],
                      const void *ad, size_t adlen, const uint8_t *in, size_t inlen) MNS_WUR;

/* ---- blind index ------------------------------------------------------ */

/* The first MNS_BLIND_INDEX_LEN bytes of HMAC-SHA256(key, "mnsafe-bidx-v1"
 * 0x00 normalised digits). 128 bits: no two of the 10^11 possible numbers
 * are expected to meet in any tenant, and every index entry is 16 bytes
 * shorter, which a random-order index on disk pays for on each insert. */
#define MNS_BLIND_INDEX_LEN 16
mns_err mns_blind_index(uint8_t out[MNS_BLIND_INDEX_LEN], const uint8_t key[MNS_KEY_LEN],
                        const char *digits, size_t len) MNS_WUR;

/* ---- Shamir secret sharing ------------------------------------------- */

/*
 * Shares are text, one line each, e.g.
 *   mns1-3-5f2a91c0-02-<64 hex>-<8 hex>
 * version, threshold k, set id (random per init, tells shares of different
 * stores apart), x coordinate (1..255), y (32 bytes, hex), checksum (first 4
 * bytes of SHA-256 over everything before it). Case and surrounding spaces are
 * ignored on input; inner spaces and hyphens between groups are tolerated.
 */
#define MNS_SHARE_TEXT_MAX 128
#define MNS_SHARES_MAX 255

struct mns_share {
    uint8_t threshold;
    uint32_t set_id;
    uint8_t x;
    uint8_t y[MNS_KEY_LEN];
};

/* Split secret into n shares with threshold k (2 <= k <= n <= 255), set id
 * chosen at random. shares must have room for n entries; wipe them after use. */
mns_err mns_shamir_split(struct mns_share *shares, unsigned n, unsigned k,
                         const uint8_t secret[MNS_KEY_LEN]) MNS_WUR;
/* Recombine exactly the given shares (count >= threshold, all one set id,
 * distinct x). Errors are MNS_ERR_BAD_SHARE with a message naming the share
 * (1-based) that is wrong. */
mns_err mns_shamir_combine(uint8_t secret[MNS_KEY_LEN], const struct mns_share *shares,
                           size_t count, mns_errmsg *em) MNS_WUR;
/* Text form; out holds MNS_SHARE_TEXT_MAX bytes. */
void mns_share_format(char out[MNS_SHARE_TEXT_MAX], const struct mns_share *share);
/* Parse and checksum one share. A typo gives MNS_ERR_BAD_SHARE "checksum". */
mns_err mns_share_parse(struct mns_share *share, const char *text, mns_errmsg *em) MNS_WUR;

/* Constant-time GF(2^8) arithmetic (AES polynomial), exposed for tests. */
uint8_t mns_gf256_mul(uint8_t a, uint8_t b);
uint8_t mns_gf256_inv(uint8_t a);

/* ---- password hashing: Argon2id --------------------------------------- */

#define MNS_PWHASH_STR_MAX 128
/* Argon2id with at least m=19 MiB, t=2, p=1; out is the PHC string. */
mns_err mns_pwhash(char out[MNS_PWHASH_STR_MAX], const char *password, size_t len) MNS_WUR;
/* MNS_OK if it matches, MNS_ERR_AUTH if not. */
mns_err mns_pwhash_verify(const char *hash, const char *password, size_t len) MNS_WUR;

/* A new password of MNS_PASSWORD_GEN_LEN characters from an alphabet without
 * look-alikes (56 symbols, ~116 bits), uniformly drawn; out holds len + 1. */
#define MNS_PASSWORD_GEN_LEN 20
mns_err mns_password_generate(char out[MNS_PASSWORD_GEN_LEN + 1]) MNS_WUR;

/* ---- Ed25519 ------------------------------------------------------------ */

mns_err mns_ed25519_public(uint8_t pub[MNS_ED25519_PUB_LEN],
                           const uint8_t seed[MNS_ED25519_SEED_LEN]) MNS_WUR;
mns_err mns_ed25519_sign(uint8_t sig[MNS_ED25519_SIG_LEN], const uint8_t seed[MNS_ED25519_SEED_LEN],
                         const void *msg, size_t len) MNS_WUR;
/* MNS_OK if valid, MNS_ERR_TAMPERED if not. */
mns_err mns_ed25519_verify(const uint8_t sig[MNS_ED25519_SIG_LEN],
                           const uint8_t pub[MNS_ED25519_PUB_LEN], const void *msg,
                           size_t len) MNS_WUR;

/* ---- encodings ---------------------------------------------------------- */

/* Standard base64 with padding; out holds 4*((n+2)/3)+1. Returns length. */
size_t mns_base64_encode(char *out, const uint8_t *in, size_t n);
/* Strict decode; MNS_ERR_INVALID on bad input or overflow of outsize. */
mns_err mns_base64_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *in,
                          size_t n) MNS_WUR;
/* Lower-case hex; out holds 2n+1. */
void mns_hex_encode(char *out, const uint8_t *in, size_t n);
mns_err mns_hex_decode(uint8_t *out, size_t n, const char *in, size_t inlen) MNS_WUR;

/* ---- one-time passwords: HOTP (RFC 4226), TOTP (RFC 6238) ------------------
 *
 * Second factor for the people who use mnsafe: the daemon keeps each user's
 * shared secret (a key, stored like any other secret), the user's
 * authenticator app shows the codes. T0 is 0; HMAC through OpenSSL.
 * Keys are 16..128 bytes (RFC 4226 asks for at least 128 bits; 128 bytes is
 * SHA-512's block size); recommended MNS_TOTP_KEY_SHA1/256/512. Codes have 6
 * or 8 digits; a time step is 1..86400 s (30 s usual). Stateless, thread-safe.
 * The dynamic truncation and the comparison of codes do not branch on or
 * index memory by secret values; HMAC output and codes on the stack are wiped.
 */
#define MNS_TOTP_KEY_MIN 16
#define MNS_TOTP_KEY_MAX 128
#define MNS_TOTP_KEY_SHA1 20
#define MNS_TOTP_KEY_SHA256 32
#define MNS_TOTP_KEY_SHA512 64
#define MNS_TOTP_STEP_MAX 86400u
/* A code as typed: at most this many bytes are looked at (digits and spaces). */
#define MNS_TOTP_CODE_TEXT_MAX 32

typedef enum { MNS_TOTP_SHA1 = 1, MNS_TOTP_SHA256 = 2, MNS_TOTP_SHA512 = 3 } mns_totp_alg;

/* HOTP: *code = Truncate(HMAC-alg(key, counter as 8 bytes big-endian)) mod
 * 10^digits (print it zero-padded to `digits`). MNS_ERR_INVALID for a NULL
 * pointer, a key length outside MNS_TOTP_KEY_MIN..MAX, an unknown alg or
 * digits other than 6 or 8 (*code is then 0); MNS_ERR_CRYPTO if HMAC failed. */
mns_err mns_hotp(uint32_t *code, const uint8_t *key, size_t keylen, uint64_t counter,
                 mns_totp_alg alg, unsigned digits) MNS_WUR;

/* TOTP: HOTP with counter floor(unix_time / step_s). unix_time must be >= 0
 * and step_s 1..MNS_TOTP_STEP_MAX, else MNS_ERR_INVALID; otherwise as mns_hotp. */
mns_err mns_totp_at(uint32_t *code, const uint8_t *key, size_t keylen, int64_t unix_time,
                    unsigned step_s, mns_totp_alg alg, unsigned digits) MNS_WUR;

/*
 * Checks a code typed by the user against the steps t-1, t and t+1 around
 * t = floor(unix_time / step_s) (one step of clock drift either way), never
 * accepting a step <= last_used_step: a code is good once only. Pass -1 for
 * last_used_step if the key has never been used; on MNS_OK store *matched_step
 * (the step the code belongs to; the latest one should two steps share the
 * code) as the new last_used_step, atomically with the check if several
 * requests can race (the caller's job: the step is the only state).
 *
 * code_text: a NUL-terminated string of exactly `digits` ASCII digits;
 * ASCII spaces anywhere in it are ignored ("123 456", as apps show it, is
 * fine). Anything else, including tabs, other lengths, signs and full-width
 * digits (normalise IME input first), and texts longer than
 * MNS_TOTP_CODE_TEXT_MAX bytes, is MNS_ERR_INVALID, as are the argument errors
 * of mns_totp_at. A wrong code and a replayed one are both MNS_ERR_AUTH, with
 * nothing telling them apart; the candidates are all computed and compared in
 * constant time. *matched_step is written on MNS_OK only.
 */
mns_err mns_totp_verify(const uint8_t *key, size_t keylen, const char *code_text,
                        int64_t unix_time, unsigned step_s, mns_totp_alg alg, unsigned digits,
                        int64_t last_used_step, int64_t *matched_step) MNS_WUR;

/* A new random shared secret of len bytes (MNS_TOTP_KEY_MIN..MAX; use
 * MNS_TOTP_KEY_SHA1/256/512 for the algorithm). Wipe it after use. */
mns_err mns_totp_secret_new(uint8_t *key, size_t len) MNS_WUR;

/* Base32 (RFC 4648 section 6, alphabet A-Z 2-7) for shared secrets.
 * MNS_BASE32_LEN(n): characters for n bytes, without padding. */
#define MNS_BASE32_LEN(n) (((n) * 8 + 4) / 5)
/* Upper case, no '=' padding, NUL-terminated; outsize must be at least
 * MNS_BASE32_LEN(n) + 1, else MNS_ERR_LIMIT (and out is emptied). */
mns_err mns_base32_encode(char *out, size_t outsize, const uint8_t *in, size_t n) MNS_WUR;
/* Decodes n characters: either case, '=' padding optional but, if present,
 * complete (to a multiple of 8 characters). Strict otherwise: no whitespace or
 * separators, no impossible lengths (1, 3 or 6 characters left over), and
 * unused trailing bits must be zero, so a value has one text. MNS_ERR_INVALID
 * on bad input or if the result does not fit in outsize (out is then wiped and
 * *outlen 0). */
mns_err mns_base32_decode(uint8_t *out, size_t outsize, size_t *outlen, const char *in,
                          size_t n) MNS_WUR;

/*
 * The key URI an authenticator app reads from a QR code (Google Authenticator
 * "Key Uri Format"):
 *   otpauth://totp/<issuer>:<account>?secret=<base32>&issuer=<issuer>
 *       &algorithm=SHA1|SHA256|SHA512&digits=6|8&period=<step_s>
 * issuer and account are UTF-8 (e.g. a 事業者 name), 1..MNS_TOTP_NAME_MAX
 * bytes, percent-encoded (everything but A-Z a-z 0-9 - . _ ~, upper-case hex);
 * they may not contain ':' (it splits the label), control characters or
 * ill-formed UTF-8. The secret is base32 without padding. Errors:
 * MNS_ERR_INVALID for bad arguments, MNS_ERR_LIMIT if outsize is too small
 * (MNS_TOTP_URI_MAX always fits). out holds the secret: wipe it after use; on
 * failure it is wiped here.
 */
#define MNS_TOTP_NAME_MAX 256
#define MNS_TOTP_URI_MAX 3072
mns_err mns_totp_uri(char *out, size_t outsize, const char *issuer, const char *account,
                     const uint8_t *key, size_t keylen, mns_totp_alg alg, unsigned digits,
                     unsigned step_s) MNS_WUR;


/* ---- encrypted files for people outside mnsafe (exports) ----------------- */

/*
 * age v1 (https://age-encryption.org/v1), X25519 recipients, as the `age`
 * tool (Debian package age) reads it with `age -d -i KEYFILE`.
 *
 * mns_age_recipient_parse: "age1..." (Bech32, lower case, HRP "age", 32-byte
 * payload) into the X25519 public key. MNS_ERR_INVALID with a reason in em
 * (e.g. a bad checksum) otherwise; the text is a public key, so it may be quoted.
 *
 * mns_age_encrypt: encrypts in[0..len) (len may be 0) to npubs (1..16)
 * recipients into *out (malloc'ed, the caller frees), *out_len its length.
 * Binary format (no armor). The file key and every derived key are wiped.
 * Thread-safe.
 */
#define MNS_AGE_PUB_LEN 32
mns_err mns_age_recipient_parse(uint8_t pub[MNS_AGE_PUB_LEN], const char *text, mns_errmsg *em) MNS_WUR;
mns_err mns_age_encrypt(uint8_t **out, size_t *out_len, const uint8_t (*pubs)[MNS_AGE_PUB_LEN], size_t npubs,
                        const uint8_t *in, size_t len) MNS_WUR;

/*
 * A zip archive holding one file, encrypted with WinZip AES-256 (AE-2,
 * compression method 99, stored inside), as 7-Zip (Debian p7zip-full) and
 * Windows tools open it with the password. file_name is UTF-8 (flag bit 11
 * set), 1..255 bytes, no '/' or '\'; mtime is a Unix time shown as the
 * entry's DOS date (UTC). *out malloc'ed, the caller frees. Derived keys are
 * wiped. MNS_ERR_INVALID for a bad name or an empty password; MNS_ERR_LIMIT
 * above 4 GiB - 1 (no Zip64).
 *
 * mns_zip_password: a random password of len characters (len >= 16) from
 * an alphabet without look-alikes (no 0/O, 1/l/I), NUL-terminated in
 * out[len]; at 20 characters over 56 symbols, about 116 bits.
 */
mns_err mns_zip_aes_write(uint8_t **out, size_t *out_len, const char *file_name, int64_t mtime,
                          const uint8_t *data, size_t len, const char *password) MNS_WUR;
mns_err mns_zip_password(char *out, size_t len) MNS_WUR;

#ifdef __cplusplus
}
#endif
#endif
