/*
 * evp_cache_internal.h: OpenSSL objects kept between calls, inside lib/crypto
 * only (not part of the public API).
 *
 * Fetching an algorithm by name takes locks and string compares in OpenSSL 3,
 * and did so on every seal, open and HMAC. The algorithms are fetched once per
 * process instead, and each thread keeps the contexts it can reuse. Nothing
 * kept here ever holds key material between calls: a borrowed cipher context
 * is reset (which wipes its key schedule) when it is given back, and HMAC
 * contexts are fresh copies of an unkeyed one, freed (and wiped) after use.
 */
#ifndef MNSAFE_CRYPTO_EVP_CACHE_INTERNAL_H
#define MNSAFE_CRYPTO_EVP_CACHE_INTERNAL_H

#include <openssl/evp.h>

/* The process-wide algorithms (AES-256-GCM, SHA-256), fetched on first use;
 * NULL if OpenSSL could not provide them. Shared and never changed: callers
 * only pass them to OpenSSL, never free them. */
const EVP_CIPHER *mns_evp_aes256gcm(void);
const EVP_MD *mns_evp_sha256(void);

/*
 * This thread's cipher context, in the state of a new one; NULL on failure.
 * Give it back with mns_evp_cipher_ctx_put on every path. (A get while the
 * thread's context is out returns a new context, which put frees.)
 */
EVP_CIPHER_CTX *mns_evp_cipher_ctx_get(void);
/* Resets ctx (OpenSSL cleanses the key schedule) for the next borrower. */
void mns_evp_cipher_ctx_put(EVP_CIPHER_CTX *ctx);

/* A new, unkeyed HMAC-SHA256 context (EVP_MAC_init with a key and no
 * parameters); free it with EVP_MAC_CTX_free. NULL on failure. */
EVP_MAC_CTX *mns_evp_hmac_sha256_new(void);

#endif
