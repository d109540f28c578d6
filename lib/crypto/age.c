/*
 * age.c: age v1 encryption (https://age-encryption.org/v1) to X25519
 * recipients, for exports read by people outside mnsafe with the `age` tool.
 *
 * A file is a text header and a binary payload:
 *
 *   age-encryption.org/v1
 *   -> X25519 <base64 of the ephemeral share>       one stanza per recipient
 *   <base64 of the wrapped file key, 64 columns a line, the last one shorter>
 *   --- <base64 of the header MAC>
 *   <16-byte nonce><STREAM chunks>
 *
 * base64 is the standard alphabet without padding. For each recipient a fresh
 * ephemeral X25519 key gives the shared secret; the wrap key is
 * HKDF-SHA256(shared, salt = share || recipient, "age-encryption.org/v1/X25519")
 * and the stanza body is ChaCha20-Poly1305(wrap key, zero nonce, file key).
 * The MAC is HMAC-SHA256(HKDF(file key, no salt, "header")) over the header up
 * to and including "---". The payload key is HKDF(file key, nonce, "payload");
 * the plaintext goes in 64 KiB chunks, each sealed with ChaCha20-Poly1305 under
 * nonce = 11-byte big-endian chunk number || 1 on the last chunk else 0. Only
 * an empty plaintext has an empty (last) chunk; a full last chunk stays last.
 *
 * Recipients are Bech32 (BIP 173, not Bech32m) with HRP "age". Unlike the age
 * tool, which also takes an all-upper-case recipient, only lower case is
 * accepted, as age-keygen writes it.
 *
 * The algorithms are fetched per call (no state outside the call, so the
 * functions are thread-safe); the file key, ephemeral scalars, shared secrets
 * and derived keys are wiped before returning, on every path.
 */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "mnsafe/crypto.h"

#define AGE_FILE_KEY_LEN 16
#define AGE_CHUNK 65536u
#define AGE_TAG_LEN 16
#define AGE_NONCE_LEN 12
#define AGE_PAYLOAD_NONCE_LEN 16
#define AGE_RECIPIENTS_MAX 16
#define AGE_BODY_COLUMNS 64
/* Header: 22 + 16 stanzas of 98 + 48 bytes; room to spare. */
#define AGE_HEADER_MAX 2048
/* Longest recipient text looked at (an X25519 one is 62 characters). */
#define AGE_RECIPIENT_TEXT_MAX 256

static const char age_intro[] = "age-encryption.org/v1\n";
static const char age_x25519_info[] = "age-encryption.org/v1/X25519";

/* ---- Bech32 (BIP 173) ------------------------------------------------------ */

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t bech32_polymod_step(uint32_t chk, unsigned v)
{
    static const uint32_t gen[5] = {0x3b6a57b2u, 0x26508e6du, 0x1ea119fau, 0x3d4233ddu,
                                    0x2a1462b3u};
    uint32_t b = chk >> 25;

    chk = ((chk & 0x1ffffffu) << 5) ^ v;
    for (unsigned i = 0; i < 5; i++)
        if ((b >> i) & 1u)
            chk ^= gen[i];
    return chk;
}

/* Value 0..31 of a Bech32 data character, or -1. */
static int bech32_value(char c)
{
    for (int i = 0; i < 32; i++)
        if (bech32_charset[i] == c)
            return i;
    return -1;
}

#define AGE_BAD(why_en, why_ja) "age recipient: " why_en " / age 受信者の" why_ja

mns_err mns_age_recipient_parse(uint8_t pub[MNS_AGE_PUB_LEN], const char *text, mns_errmsg *em)
{
    uint8_t key[MNS_AGE_PUB_LEN];
    size_t n, sep, nkey = 0;
    uint32_t chk = 1, acc = 0;
    unsigned bits = 0;
    bool upper = false;
    mns_err r = MNS_ERR_INVALID;

    if (pub == NULL || text == NULL)
        return mns_fail(em, MNS_ERR_INVALID,
                        AGE_BAD("no text given", "文字列が渡されていません"));
    memset(pub, 0, MNS_AGE_PUB_LEN);

    n = strnlen(text, AGE_RECIPIENT_TEXT_MAX + 1);
    if (n == 0) {
        r = mns_fail(em, r, AGE_BAD("empty", "文字列が空です"));
        goto out;
    }
    if (n > AGE_RECIPIENT_TEXT_MAX) {
        r = mns_fail(em, r, AGE_BAD("too long", "文字列が長すぎます"));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 33 || c > 126) {
            r = mns_fail(em, r,
                         AGE_BAD("a space or a character outside ASCII at position %zu",
                                 "%zu文字目に空白または使えない文字があります"),
                         i + 1, i + 1);
            goto out;
        }
        upper |= c >= 'A' && c <= 'Z';
    }
    if (upper) {
        r = mns_fail(em, r,
                     AGE_BAD("must be lower case (as age-keygen writes it)",
                             "英字は小文字でなければなりません（age-keygen の出力のとおり）"));
        goto out;
    }

    /* The separator is the last '1'; the human-readable part must be "age". */
    sep = n;
    while (sep > 0 && text[sep - 1] != '1')
        sep--;
    if (sep == 0 || sep - 1 != 3 || memcmp(text, "age", 3) != 0) {
        r = mns_fail(em, r,
                     AGE_BAD("not an age public key (must start with \"age1\")",
                             "形式が正しくありません（\"age1\" で始まる公開鍵ではありません）"));
        goto out;
    }
    sep--; /* index of the '1' */
    if (n - sep - 1 < 6) {
        r = mns_fail(em, r, AGE_BAD("too short", "文字列が短すぎます"));
        goto out;
    }

    for (size_t i = 0; i < sep; i++)
        chk = bech32_polymod_step(chk, (unsigned char)text[i] >> 5);
    chk = bech32_polymod_step(chk, 0);
    for (size_t i = 0; i < sep; i++)
        chk = bech32_polymod_step(chk, (unsigned char)text[i] & 31u);

    for (size_t i = sep + 1; i < n; i++) {
        int v = bech32_value(text[i]);
        if (v < 0) {
            r = mns_fail(em, r,
                         AGE_BAD("character %zu is not a Bech32 character",
                                 "%zu文字目は Bech32 で使えない文字です"),
                         i + 1, i + 1);
            goto out;
        }
        chk = bech32_polymod_step(chk, (unsigned)v);
        if (i >= n - 6)
            continue; /* checksum characters */
        /* 5-bit groups to bytes; beyond 32 they are only counted */
        acc = ((acc << 5) | (unsigned)v) & 0xfffu;
        bits += 5;
        if (bits >= 8) {
            bits -= 8;
            if (nkey < sizeof(key))
                key[nkey] = (uint8_t)(acc >> bits);
            nkey++;
        }
    }
    if (chk != 1) { /* 1 for Bech32; Bech32m's constant is refused here */
        r = mns_fail(em, r,
                     AGE_BAD("bad checksum (a character is mistyped or missing)",
                             "チェックサムが合いません（文字の誤りか欠落があります）"));
        goto out;
    }
    if (nkey != sizeof(key)) {
        r = mns_fail(em, r,
                     AGE_BAD("wrong key length (want 32 bytes)",
                             "鍵の長さが正しくありません（32 バイトではありません）"));
        goto out;
    }
    /* Leftover bits: fewer than 5, all zero (one text per key). */
    if (bits >= 5 || (acc & ((1u << bits) - 1u)) != 0) {
        r = mns_fail(em, r,
                     AGE_BAD("bad padding bits", "末尾のパディングビットが正しくありません"));
        goto out;
    }
    memcpy(pub, key, sizeof(key));
    r = MNS_OK;
out:
    mns_wipe(key, sizeof(key)); /* public, but no stale bytes left around */
    return r;
}

/* ---- building blocks --------------------------------------------------------- */

/* A bounded text buffer for the header. */
struct age_hdr {
    uint8_t buf[AGE_HEADER_MAX];
    size_t len;
};

static bool hdr_put(struct age_hdr *h, const void *p, size_t n)
{
    if (n > sizeof(h->buf) - h->len)
        return false;
    memcpy(h->buf + h->len, p, n);
    h->len += n;
    return true;
}

static bool hdr_puts(struct age_hdr *h, const char *s)
{
    return hdr_put(h, s, strlen(s));
}

/* base64 without padding of in[0..n) (n <= 48), appended to h. */
static bool hdr_put_b64(struct age_hdr *h, const uint8_t *in, size_t n)
{
    char tmp[4 * ((48 + 2) / 3) + 1];
    size_t w;

    if (n > 48)
        return false;
    w = mns_base64_encode(tmp, in, n);
    while (w > 0 && tmp[w - 1] == '=')
        w--;
    return hdr_put(h, tmp, w);
}

/* A stanza body: base64 without padding, 64 columns a line, the last line
 * shorter than 64 (empty if the text fills whole lines), each ending in \n. */
static bool hdr_put_body(struct age_hdr *h, const uint8_t *in, size_t n)
{
    char tmp[4 * ((48 + 2) / 3) + 1];
    size_t w, done = 0;

    if (n > 48)
        return false;
    w = mns_base64_encode(tmp, in, n);
    while (w > 0 && tmp[w - 1] == '=')
        w--;
    for (;;) {
        size_t line = w - done < AGE_BODY_COLUMNS ? w - done : AGE_BODY_COLUMNS;
        if (!hdr_put(h, tmp + done, line) || !hdr_put(h, "\n", 1))
            return false;
        done += line;
        if (line < AGE_BODY_COLUMNS)
            return true;
    }
}

/* HKDF-SHA256 into out[0..outlen); salt may be empty (then none is set, which
 * RFC 5869 treats as HashLen zero bytes, as age does). */
static mns_err hkdf_sha256(uint8_t *out, size_t outlen, EVP_KDF *kdf, const uint8_t *ikm,
                           size_t ikmlen, const uint8_t *salt, size_t saltlen, const char *info)
{
    EVP_KDF_CTX *kctx = NULL;
    OSSL_PARAM params[5], *p = params;
    char digest[] = "SHA256";
    mns_err r = MNS_ERR_CRYPTO;

    if ((kctx = EVP_KDF_CTX_new(kdf)) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    *p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikmlen);
    if (saltlen > 0)
        *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, saltlen);
    *p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    *p = OSSL_PARAM_construct_end();
    if (EVP_KDF_derive(kctx, out, outlen, params) != 1)
        goto out;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        mns_wipe(out, outlen);
    EVP_KDF_CTX_free(kctx); /* cleanses the key it copied */
    return r;
}

/* ChaCha20-Poly1305 of pt[0..n) (n <= 64 KiB) without associated data:
 * out gets n bytes of ciphertext and the 16-byte tag. The context is reset
 * after use, wiping the key state. */
static mns_err chacha_seal(uint8_t *out, EVP_CIPHER_CTX *ctx, const EVP_CIPHER *cipher,
                           const uint8_t key[MNS_KEY_LEN], const uint8_t nonce[AGE_NONCE_LEN],
                           const uint8_t *pt, size_t n)
{
    int w = 0;
    mns_err r = MNS_ERR_CRYPTO;

    if (n > AGE_CHUNK)
        return MNS_ERR_INVALID;
    if (EVP_EncryptInit_ex2(ctx, cipher, key, nonce, NULL) != 1)
        goto out;
    if (n > 0 && (EVP_EncryptUpdate(ctx, out, &w, pt, (int)n) != 1 || (size_t)w != n))
        goto out;
    if (EVP_EncryptFinal_ex(ctx, out + n, &w) != 1 || w != 0)
        goto out;
    if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AGE_TAG_LEN, out + n) != 1)
        goto out;
    r = MNS_OK;
out:
    EVP_CIPHER_CTX_reset(ctx);
    return r;
}

/* One "-> X25519" stanza wrapping file_key to pub, appended to h. */
static mns_err x25519_stanza(struct age_hdr *h, EVP_KDF *kdf, EVP_CIPHER_CTX *cctx,
                             const EVP_CIPHER *cipher, const uint8_t pub[MNS_AGE_PUB_LEN],
                             const uint8_t file_key[AGE_FILE_KEY_LEN])
{
    static const uint8_t zero_nonce[AGE_NONCE_LEN];
    static const uint8_t zero_secret[MNS_AGE_PUB_LEN];
    EVP_PKEY *eph = NULL, *peer = NULL;
    EVP_PKEY_CTX *dctx = NULL;
    uint8_t scalar[32], shared[32], wrap_key[MNS_KEY_LEN];
    uint8_t salt[2 * MNS_AGE_PUB_LEN], body[AGE_FILE_KEY_LEN + AGE_TAG_LEN];
    size_t plen = MNS_AGE_PUB_LEN, slen = sizeof(shared);
    mns_err r;

    if ((r = mns_random(scalar, sizeof(scalar))) != MNS_OK)
        goto out;
    r = MNS_ERR_CRYPTO;
    eph = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, scalar, sizeof(scalar));
    peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, MNS_AGE_PUB_LEN);
    if (eph == NULL || peer == NULL)
        goto out;
    /* salt = ephemeral share || recipient */
    if (EVP_PKEY_get_raw_public_key(eph, salt, &plen) != 1 || plen != MNS_AGE_PUB_LEN)
        goto out;
    memcpy(salt + MNS_AGE_PUB_LEN, pub, MNS_AGE_PUB_LEN);

    if ((dctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL)) == NULL ||
        EVP_PKEY_derive_init(dctx) != 1 || EVP_PKEY_derive_set_peer(dctx, peer) != 1 ||
        EVP_PKEY_derive(dctx, shared, &slen) != 1 || slen != sizeof(shared))
        goto out; /* OpenSSL refuses a low-order recipient (all-zero secret) here */
    if (mns_equal(shared, zero_secret, sizeof(shared))) {
        r = MNS_ERR_INVALID; /* the same check, should OpenSSL ever stop making it */
        goto out;
    }
    if ((r = hkdf_sha256(wrap_key, sizeof(wrap_key), kdf, shared, sizeof(shared), salt,
                         sizeof(salt), age_x25519_info)) != MNS_OK)
        goto out;
    if ((r = chacha_seal(body, cctx, cipher, wrap_key, zero_nonce, file_key,
                         AGE_FILE_KEY_LEN)) != MNS_OK)
        goto out;

    r = MNS_ERR_INTERNAL; /* the header buffer is sized for AGE_RECIPIENTS_MAX */
    if (!hdr_puts(h, "-> X25519 ") || !hdr_put_b64(h, salt, MNS_AGE_PUB_LEN) ||
        !hdr_put(h, "\n", 1) || !hdr_put_body(h, body, sizeof(body)))
        goto out;
    r = MNS_OK;
out:
    mns_wipe(scalar, sizeof(scalar));
    mns_wipe(shared, sizeof(shared));
    mns_wipe(wrap_key, sizeof(wrap_key));
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_free(eph); /* OpenSSL cleanses the private key */
    EVP_PKEY_free(peer);
    return r;
}

/* ---- encryption ---------------------------------------------------------------- */

mns_err mns_age_encrypt(uint8_t **out, size_t *out_len, const uint8_t (*pubs)[MNS_AGE_PUB_LEN],
                        size_t npubs, const uint8_t *in, size_t len)
{
    EVP_KDF *kdf = NULL;
    EVP_CIPHER *cipher = NULL;
    EVP_CIPHER_CTX *cctx = NULL;
    struct age_hdr *h = NULL;
    uint8_t file_key[AGE_FILE_KEY_LEN], mac_key[MNS_KEY_LEN], payload_key[MNS_KEY_LEN];
    uint8_t mac[MNS_HASH_LEN], nonce[AGE_NONCE_LEN];
    uint8_t *buf = NULL, *p;
    size_t nchunks, total = 0;
    mns_err r;

    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (out == NULL || out_len == NULL || pubs == NULL || npubs == 0 ||
        npubs > AGE_RECIPIENTS_MAX || (in == NULL && len > 0))
        return MNS_ERR_INVALID;
    nchunks = len == 0 ? 1 : (len - 1) / AGE_CHUNK + 1;
    if (len > SIZE_MAX - AGE_HEADER_MAX - AGE_PAYLOAD_NONCE_LEN - nchunks * AGE_TAG_LEN)
        return MNS_ERR_LIMIT;

    if ((r = mns_global_init()) != MNS_OK)
        return r;
    r = MNS_ERR_CRYPTO;
    if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
        (cipher = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL)) == NULL ||
        EVP_CIPHER_get_key_length(cipher) != MNS_KEY_LEN ||
        EVP_CIPHER_get_iv_length(cipher) != AGE_NONCE_LEN)
        goto out;
    if ((cctx = EVP_CIPHER_CTX_new()) == NULL || (h = malloc(sizeof(*h))) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    h->len = 0;
    if ((r = mns_random(file_key, sizeof(file_key))) != MNS_OK)
        goto out;

    /* Header: intro, stanzas, "---", then the MAC over all of that. */
    r = MNS_ERR_INTERNAL;
    if (!hdr_puts(h, age_intro))
        goto out;
    for (size_t i = 0; i < npubs; i++)
        if ((r = x25519_stanza(h, kdf, cctx, cipher, pubs[i], file_key)) != MNS_OK)
            goto out;
    r = MNS_ERR_INTERNAL;
    if (!hdr_puts(h, "---"))
        goto out;
    if ((r = hkdf_sha256(mac_key, sizeof(mac_key), kdf, file_key, sizeof(file_key), NULL, 0,
                         "header")) != MNS_OK ||
        (r = mns_hmac_sha256(mac, mac_key, h->buf, h->len)) != MNS_OK)
        goto out;
    r = MNS_ERR_INTERNAL;
    if (!hdr_put(h, " ", 1) || !hdr_put_b64(h, mac, sizeof(mac)) || !hdr_put(h, "\n", 1))
        goto out;

    /* Payload: nonce, then the STREAM chunks. */
    total = h->len + AGE_PAYLOAD_NONCE_LEN + len + nchunks * AGE_TAG_LEN;
    if ((buf = malloc(total)) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    memcpy(buf, h->buf, h->len);
    p = buf + h->len;
    if ((r = mns_random(p, AGE_PAYLOAD_NONCE_LEN)) != MNS_OK ||
        (r = hkdf_sha256(payload_key, sizeof(payload_key), kdf, file_key, sizeof(file_key), p,
                         AGE_PAYLOAD_NONCE_LEN, "payload")) != MNS_OK)
        goto out;
    p += AGE_PAYLOAD_NONCE_LEN;
    for (size_t i = 0; i < nchunks; i++) {
        size_t off = i * AGE_CHUNK, n = len - off < AGE_CHUNK ? len - off : AGE_CHUNK;
        uint64_t ctr = i;

        memset(nonce, 0, sizeof(nonce));
        for (int b = 10; b >= 3; b--, ctr >>= 8) /* 11-byte big-endian counter */
            nonce[b] = (uint8_t)ctr;
        nonce[11] = i + 1 == nchunks ? 1 : 0;
        if ((r = chacha_seal(p, cctx, cipher, payload_key, nonce, n > 0 ? in + off : NULL,
                             n)) != MNS_OK)
            goto out;
        p += n + AGE_TAG_LEN;
    }
    *out = buf;
    *out_len = total;
    buf = NULL;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        ERR_clear_error();
    mns_wipe(file_key, sizeof(file_key));
    mns_wipe(mac_key, sizeof(mac_key));
    mns_wipe(payload_key, sizeof(payload_key));
    free(buf); /* ciphertext only: nothing secret to wipe */
    free(h);
    EVP_CIPHER_CTX_free(cctx);
    EVP_CIPHER_free(cipher);
    EVP_KDF_free(kdf);
    return r;
}
