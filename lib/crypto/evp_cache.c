/*
 * evp_cache.c: OpenSSL algorithms fetched once, contexts reused per thread.
 *
 * Algorithms: fetched together under pthread_once and kept for the life of
 * the process. They are not freed at exit on purpose: an atexit handler could
 * free them while another thread is still sealing. The statics below keep them
 * reachable, so LeakSanitizer does not count them. Fetched algorithm objects
 * are immutable and reference-counted, safe to share between threads.
 *
 * Per thread: one EVP_CIPHER_CTX, reset after every use, and one HMAC-SHA256
 * context with the digest set but no key, copied for every MAC (setting the
 * digest by name would fetch it again each time). Neither holds a key between
 * calls. They live in a _Thread_local block; a pthread key with a destructor
 * frees them when the thread exits. The main thread's block, left at process
 * exit, stays reachable through its TLS.
 */
#include <pthread.h>
#include <stdbool.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/evp_cache_internal.h"
#include "mnsafe/crypto.h"

static pthread_once_t algs_once = PTHREAD_ONCE_INIT;
static struct {
    EVP_CIPHER *aes256gcm;
    EVP_MAC *hmac;
    EVP_MD *sha256;
    pthread_key_t thread_key; /* only to free the thread's block at its exit */
    bool ok;                  /* all of the above; set once, read after pthread_once */
} algs;

struct thread_cache {
    EVP_CIPHER_CTX *cipher;  /* NULL until first use */
    EVP_MAC_CTX *hmac;       /* unkeyed, digest SHA-256; NULL until first use */
    bool cipher_lent;        /* cipher is borrowed (get without put yet) */
    bool registered;         /* the pthread key points here: freed at thread exit */
};

static _Thread_local struct thread_cache tcache;

static void thread_cache_free(void *p)
{
    struct thread_cache *t = p;

    EVP_CIPHER_CTX_free(t->cipher);
    EVP_MAC_CTX_free(t->hmac);
    t->cipher = NULL;
    t->hmac = NULL;
    t->cipher_lent = false;
    t->registered = false; /* a later use in this thread's exit registers again */
}

static void algs_init(void)
{
    if (mns_global_init() != MNS_OK)
        return;
    algs.aes256gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    algs.hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    algs.sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    /* aead.c relies on the cipher's default nonce length being ours */
    if (algs.aes256gcm == NULL || algs.hmac == NULL || algs.sha256 == NULL ||
        EVP_CIPHER_get_key_length(algs.aes256gcm) != MNS_KEY_LEN ||
        EVP_CIPHER_get_iv_length(algs.aes256gcm) != MNS_AEAD_NONCE_LEN ||
        EVP_MD_get_size(algs.sha256) != MNS_HASH_LEN ||
        pthread_key_create(&algs.thread_key, thread_cache_free) != 0) {
        EVP_CIPHER_free(algs.aes256gcm);
        EVP_MAC_free(algs.hmac);
        EVP_MD_free(algs.sha256);
        algs.aes256gcm = NULL;
        algs.hmac = NULL;
        algs.sha256 = NULL;
        return;
    }
    algs.ok = true;
}

static bool algs_ready(void)
{
    return pthread_once(&algs_once, algs_init) == 0 && algs.ok;
}

const EVP_CIPHER *mns_evp_aes256gcm(void)
{
    return algs_ready() ? algs.aes256gcm : NULL;
}

const EVP_MD *mns_evp_sha256(void)
{
    return algs_ready() ? algs.sha256 : NULL;
}

/* This thread's cache, registered for freeing at thread exit; NULL if it
 * cannot be (then callers use contexts of their own for the call). */
static struct thread_cache *thread_cache(void)
{
    struct thread_cache *t = &tcache;

    if (t->registered)
        return t;
    if (!algs_ready() || pthread_setspecific(algs.thread_key, t) != 0)
        return NULL;
    t->registered = true;
    return t;
}

EVP_CIPHER_CTX *mns_evp_cipher_ctx_get(void)
{
    struct thread_cache *t = thread_cache();

    if (t == NULL || t->cipher_lent)
        return EVP_CIPHER_CTX_new(); /* not cached: put frees it */
    if (t->cipher == NULL && (t->cipher = EVP_CIPHER_CTX_new()) == NULL)
        return NULL;
    t->cipher_lent = true;
    return t->cipher;
}

void mns_evp_cipher_ctx_put(EVP_CIPHER_CTX *ctx)
{
    struct thread_cache *t = &tcache;

    if (ctx == NULL)
        return;
    if (ctx != t->cipher) {
        EVP_CIPHER_CTX_free(ctx);
        return;
    }
    /* Reset frees the provider's context with OPENSSL_clear_free: the key
     * schedule and GHASH key do not outlive the call. */
    if (EVP_CIPHER_CTX_reset(ctx) != 1) {
        EVP_CIPHER_CTX_free(ctx);
        t->cipher = NULL;
    }
    t->cipher_lent = false;
}

static EVP_MAC_CTX *hmac_unkeyed_new(void)
{
    EVP_MAC_CTX *ctx;
    OSSL_PARAM params[2];

    if ((ctx = EVP_MAC_CTX_new(algs.hmac)) == NULL)
        return NULL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_CTX_set_params(ctx, params) != 1) {
        EVP_MAC_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

EVP_MAC_CTX *mns_evp_hmac_sha256_new(void)
{
    struct thread_cache *t = thread_cache();

    if (t == NULL)
        return algs_ready() ? hmac_unkeyed_new() : NULL;
    if (t->hmac == NULL && (t->hmac = hmac_unkeyed_new()) == NULL)
        return NULL;
    return EVP_MAC_CTX_dup(t->hmac);
}
