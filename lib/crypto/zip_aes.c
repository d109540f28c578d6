/*
 * zip_aes.c: a zip archive of one file, encrypted with WinZip AES-256 (AE-2),
 * for people outside mnsafe who open exports with 7-Zip or a Windows tool.
 *
 * Layout (PKWARE APPNOTE.TXT 4.3.7, 4.3.12, 4.3.16; WinZip "AES Encryption
 * Information: Encryption Specification AE-1 and AE-2"), all little-endian:
 *
 *   local file header (30) | name | extra 0x9901 (4 + 7)
 *   salt (16) | password verification value (2) | ciphertext (len) | auth code (10)
 *   central directory header (46) | name | extra 0x9901 (4 + 7)
 *   end of central directory record (22)
 *
 * The entry's method is 99 (AES), version needed 5.1, flags bit 0 (encrypted)
 * and bit 11 (UTF-8 name); the real method, in the 0x9901 extra field, is 0
 * (stored: exports are small and compressing before encrypting would leak
 * their redundancy through the length). AE-2 leaves the CRC-32 at 0: the
 * HMAC authenticates the data instead, and a CRC of the plaintext would let
 * anyone test guesses of a short file.
 *
 * Keys: PBKDF2-HMAC-SHA1(password, salt, 1000 iterations) gives 66 bytes:
 * the AES-256 key, the HMAC-SHA1 key, and 2 bytes of password verification
 * value. These parameters are fixed by the format (weak as 1000 iterations
 * are, the password from mns_zip_password carries ~116 bits on its own).
 * Encryption: AES-256 in WinZip's counter mode, whose counter block is a
 * 128-bit LITTLE-endian integer starting at 1 (Gladman's fcrypt), not
 * OpenSSL's big-endian CTR: the counter blocks are built here and encrypted
 * with AES-256-ECB, many per EVP call. Auth code: the first 10 bytes of
 * HMAC-SHA1(HMAC key, ciphertext).
 *
 * No Zip64: every size and offset must stay below 0xFFFFFFFF (that value
 * means "see the Zip64 record"), so the whole archive must too.
 *
 * Secrets: the derived keys and the keystream live on the stack and are wiped
 * on every path; the cipher and MAC contexts are freed (OpenSSL cleanses them).
 * The output holds only ciphertext. Thread-safe: nothing is shared.
 */
#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "mnsafe/crypto.h"

#define ZIP_SALT_LEN 16    /* for AES-256 */
#define ZIP_PV_LEN 2       /* password verification value */
#define ZIP_AUTH_LEN 10    /* truncated HMAC-SHA1 */
#define ZIP_AES_KEY_LEN 32
#define ZIP_HMAC_KEY_LEN 32
#define ZIP_KDF_LEN (ZIP_AES_KEY_LEN + ZIP_HMAC_KEY_LEN + ZIP_PV_LEN)
#define ZIP_KDF_ITER 1000
#define ZIP_SHA1_LEN 20
#define ZIP_DATA_OVERHEAD (ZIP_SALT_LEN + ZIP_PV_LEN + ZIP_AUTH_LEN)

#define ZIP_SIG_LOCAL UINT32_C(0x04034b50)
#define ZIP_SIG_CENTRAL UINT32_C(0x02014b50)
#define ZIP_SIG_END UINT32_C(0x06054b50)
#define ZIP_LOCAL_LEN 30
#define ZIP_CENTRAL_LEN 46
#define ZIP_END_LEN 22

#define ZIP_VERSION_MADE 0x033F /* host 3 (Unix: external attrs are a mode), spec 6.3 */
#define ZIP_VERSION_NEEDED 51   /* 5.1: AES encryption */
#define ZIP_FLAGS 0x0801        /* bit 0 encrypted, bit 11 name is UTF-8 */
#define ZIP_METHOD_AES 99
#define ZIP_METHOD_STORED 0
#define ZIP_EXT_ATTRS UINT32_C(0x81A40000) /* S_IFREG | 0644 in the upper half */

#define ZIP_AES_EXTRA_ID 0x9901
#define ZIP_AES_EXTRA_DATA 7 /* vendor version 2, vendor id 2, strength 1, method 2 */
#define ZIP_AES_EXTRA_LEN (4 + ZIP_AES_EXTRA_DATA)
#define ZIP_AE_2 2
#define ZIP_AES_256 3

#define ZIP_NAME_MAX 255
/* The largest archive: 0xFFFFFFFF in a size or offset field would mean Zip64. */
#define ZIP_MAX UINT32_C(0xFFFFFFFE)

/* Keystream blocks per EVP call (4 KiB on the stack). */
#define ZIP_BATCH_BLOCKS 256
#define ZIP_BLOCK 16

/* mns_zip_password bounds and its alphabet: no 0/O/o, 1/l/I (the one
 * mns_password_generate uses, so both kinds of password look alike). */
#define ZIP_PASSWORD_MIN 16
#define ZIP_PASSWORD_MAX 1024
static const char zip_alphabet[] = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";

/* DOS dates run from 1980-01-01 to 2107-12-31; times outside are clamped. */
#define ZIP_DOS_MIN INT64_C(315532800)  /* 1980-01-01 00:00:00 UTC */
#define ZIP_DOS_MAX INT64_C(4354819198) /* 2107-12-31 23:59:58 UTC */

struct zip_entry {
    const char *name;
    size_t name_len;
    uint16_t dos_time, dos_date;
    uint32_t csize, usize;
};

static uint8_t *put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return p + 4;
}

/* The fields local and central headers share, from "version needed" to the
 * extra field length. */
static uint8_t *put_common(uint8_t *p, const struct zip_entry *e)
{
    p = put16(p, ZIP_VERSION_NEEDED);
    p = put16(p, ZIP_FLAGS);
    p = put16(p, ZIP_METHOD_AES);
    p = put16(p, e->dos_time);
    p = put16(p, e->dos_date);
    p = put32(p, 0); /* CRC-32: not used in AE-2 */
    p = put32(p, e->csize);
    p = put32(p, e->usize);
    p = put16(p, (uint16_t)e->name_len);
    return put16(p, ZIP_AES_EXTRA_LEN);
}

static uint8_t *put_name_extra(uint8_t *p, const struct zip_entry *e)
{
    memcpy(p, e->name, e->name_len);
    p += e->name_len;
    p = put16(p, ZIP_AES_EXTRA_ID);
    p = put16(p, ZIP_AES_EXTRA_DATA);
    p = put16(p, ZIP_AE_2);
    *p++ = 'A'; /* vendor id "AE" */
    *p++ = 'E';
    *p++ = ZIP_AES_256;
    return put16(p, ZIP_METHOD_STORED);
}

static uint8_t *put_local(uint8_t *p, const struct zip_entry *e)
{
    p = put32(p, ZIP_SIG_LOCAL);
    p = put_common(p, e);
    return put_name_extra(p, e);
}

static uint8_t *put_central(uint8_t *p, const struct zip_entry *e)
{
    p = put32(p, ZIP_SIG_CENTRAL);
    p = put16(p, ZIP_VERSION_MADE);
    p = put_common(p, e);
    p = put16(p, 0); /* comment length */
    p = put16(p, 0); /* disk number start */
    p = put16(p, 0); /* internal attributes */
    p = put32(p, ZIP_EXT_ATTRS);
    p = put32(p, 0); /* offset of the local header */
    return put_name_extra(p, e);
}

static uint8_t *put_end(uint8_t *p, uint32_t cd_size, uint32_t cd_offset)
{
    p = put32(p, ZIP_SIG_END);
    p = put16(p, 0); /* this disk */
    p = put16(p, 0); /* disk with the central directory */
    p = put16(p, 1); /* entries on this disk */
    p = put16(p, 1); /* entries in all */
    p = put32(p, cd_size);
    p = put32(p, cd_offset);
    return put16(p, 0); /* comment length */
}

/* DOS time and date (UTC) of a Unix time, clamped to the DOS range. */
static void dos_time_date(int64_t mtime, uint16_t *dos_time, uint16_t *dos_date)
{
    struct tm tm;
    time_t t;

    if (mtime < ZIP_DOS_MIN)
        mtime = ZIP_DOS_MIN;
    if (mtime > ZIP_DOS_MAX)
        mtime = ZIP_DOS_MAX;
    t = (time_t)mtime;
    if ((int64_t)t != mtime || gmtime_r(&t, &tm) == NULL) {
        /* only with a 32-bit time_t, past 2038: the latest DOS time */
        tm = (struct tm){.tm_year = 2107 - 1900, .tm_mon = 11, .tm_mday = 31,
                         .tm_hour = 23, .tm_min = 59, .tm_sec = 58};
    }
    *dos_time = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
    *dos_date = (uint16_t)((tm.tm_year + 1900 - 1980) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
}

/*
 * A file name fit for the entry: 1..ZIP_NAME_MAX bytes of well-formed UTF-8
 * (no overlong forms, surrogates or code points above U+10FFFF, since flag
 * bit 11 promises UTF-8), no C0 or C1 control characters or DEL, no '/' or
 * '\' (the entry is one file at the top, never a path), not "." or "..".
 */
static bool name_ok(const char *name, size_t *name_len)
{
    const unsigned char *s = (const unsigned char *)name;
    size_t n = strnlen(name, ZIP_NAME_MAX + 1);

    if (n == 0 || n > ZIP_NAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return false;
    for (size_t i = 0; i < n;) {
        unsigned c = s[i];
        size_t more;
        uint32_t cp;

        if (c < 0x80) {
            if (c < 0x20 || c == 0x7F || c == '/' || c == '\\')
                return false;
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            cp = c & 0x07;
        } else {
            return false; /* continuation byte first, or C0/C1/F5..FF */
        }
        if (n - i - 1 < more)
            return false;
        for (size_t j = 1; j <= more; j++) {
            if ((s[i + j] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp <= 0x9F ||                                            /* C1 controls */
            (more == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
            (more == 3 && (cp < 0x10000 || cp > 0x10FFFF)))
            return false;
        i += more + 1;
    }
    *name_len = n;
    return true;
}

/*
 * Encrypts len bytes of in into ct (WinZip CTR: little-endian counter from 1)
 * and feeds the ciphertext to mac. ks is scratch for the keystream,
 * ZIP_BATCH_BLOCKS blocks; the caller wipes it.
 */
static mns_err encrypt_and_mac(EVP_CIPHER_CTX *ctx, EVP_MAC_CTX *mac, uint8_t *ct,
                               const uint8_t *in, size_t len, uint8_t *ks)
{
    uint64_t counter = 1;
    size_t done = 0;

    while (done < len) {
        size_t chunk = len - done;
        size_t blocks;
        int outl = 0;

        if (chunk > (size_t)ZIP_BATCH_BLOCKS * ZIP_BLOCK)
            chunk = (size_t)ZIP_BATCH_BLOCKS * ZIP_BLOCK;
        blocks = (chunk + ZIP_BLOCK - 1) / ZIP_BLOCK;
        /* Below 4 GiB the counter never leaves its low 8 bytes. */
        memset(ks, 0, blocks * ZIP_BLOCK);
        for (size_t b = 0; b < blocks; b++, counter++)
            for (unsigned k = 0; k < 8; k++)
                ks[b * ZIP_BLOCK + k] = (uint8_t)(counter >> (8 * k));
        /* ECB in place: the counter blocks become the keystream. */
        if (EVP_EncryptUpdate(ctx, ks, &outl, ks, (int)(blocks * ZIP_BLOCK)) != 1 ||
            (size_t)outl != blocks * ZIP_BLOCK)
            return MNS_ERR_CRYPTO;
        for (size_t i = 0; i < chunk; i++)
            ct[done + i] = in[done + i] ^ ks[i];
        if (EVP_MAC_update(mac, ct + done, chunk) != 1)
            return MNS_ERR_CRYPTO;
        done += chunk;
    }
    return MNS_OK;
}

mns_err mns_zip_aes_write(uint8_t **out, size_t *out_len, const char *file_name, int64_t mtime,
                          const uint8_t *data, size_t len, const char *password)
{
    EVP_CIPHER *ecb = NULL;
    EVP_CIPHER_CTX *ctx = NULL;
    EVP_MAC *hmac = NULL;
    EVP_MAC_CTX *mac = NULL;
    OSSL_PARAM params[2];
    uint8_t keys[ZIP_KDF_LEN]; /* AES key | HMAC key | verification value */
    uint8_t ks[ZIP_BATCH_BLOCKS * ZIP_BLOCK];
    uint8_t tag[ZIP_SHA1_LEN];
    uint8_t *buf = NULL, *p;
    struct zip_entry e;
    size_t name_len = 0, pass_len, fixed, total, tag_len = 0;
    uint32_t data_offset, cd_offset, cd_size;
    mns_err r = MNS_ERR_CRYPTO;

    if (out != NULL)
        *out = NULL;
    if (out_len != NULL)
        *out_len = 0;
    if (out == NULL || out_len == NULL || file_name == NULL || (data == NULL && len > 0) ||
        password == NULL || password[0] == '\0' || !name_ok(file_name, &name_len))
        return MNS_ERR_INVALID;
    if ((pass_len = strlen(password)) > INT_MAX)
        return MNS_ERR_LIMIT;
    /* Everything but the data: at most about 640 bytes. */
    fixed = 2 * (name_len + ZIP_AES_EXTRA_LEN) + ZIP_LOCAL_LEN + ZIP_CENTRAL_LEN +
            ZIP_END_LEN + ZIP_DATA_OVERHEAD;
    if (len > ZIP_MAX - fixed)
        return MNS_ERR_LIMIT;
    total = fixed + len;

    e = (struct zip_entry){.name = file_name, .name_len = name_len,
                           .csize = (uint32_t)(len + ZIP_DATA_OVERHEAD), .usize = (uint32_t)len};
    dos_time_date(mtime, &e.dos_time, &e.dos_date);
    data_offset = (uint32_t)(ZIP_LOCAL_LEN + name_len + ZIP_AES_EXTRA_LEN);
    cd_offset = data_offset + e.csize;
    cd_size = (uint32_t)(ZIP_CENTRAL_LEN + name_len + ZIP_AES_EXTRA_LEN);

    if (mns_global_init() != MNS_OK)
        goto out;
    if ((buf = malloc(total)) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    p = put_local(buf, &e);

    /* salt, keys, verification value */
    if ((r = mns_random(p, ZIP_SALT_LEN)) != MNS_OK)
        goto out;
    r = MNS_ERR_CRYPTO;
    if (PKCS5_PBKDF2_HMAC(password, (int)pass_len, p, ZIP_SALT_LEN, ZIP_KDF_ITER, EVP_sha1(),
                          ZIP_KDF_LEN, keys) != 1)
        goto out;
    p += ZIP_SALT_LEN;
    memcpy(p, keys + ZIP_AES_KEY_LEN + ZIP_HMAC_KEY_LEN, ZIP_PV_LEN);
    p += ZIP_PV_LEN;

    /* AES-256-ECB on counter blocks, HMAC-SHA1 over the ciphertext */
    if ((ecb = EVP_CIPHER_fetch(NULL, "AES-256-ECB", NULL)) == NULL ||
        (hmac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL)) == NULL)
        goto out;
    if ((ctx = EVP_CIPHER_CTX_new()) == NULL || (mac = EVP_MAC_CTX_new(hmac)) == NULL) {
        r = MNS_ERR_NOMEM;
        goto out;
    }
    if (EVP_EncryptInit_ex2(ctx, ecb, keys, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_set_padding(ctx, 0) != 1)
        goto out;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA1", 0);
    params[1] = OSSL_PARAM_construct_end();
    if (EVP_MAC_init(mac, keys + ZIP_AES_KEY_LEN, ZIP_HMAC_KEY_LEN, params) != 1)
        goto out;
    if ((r = encrypt_and_mac(ctx, mac, p, data, len, ks)) != MNS_OK)
        goto out;
    r = MNS_ERR_CRYPTO;
    p += len;
    if (EVP_MAC_final(mac, tag, &tag_len, sizeof(tag)) != 1 || tag_len != ZIP_SHA1_LEN)
        goto out;
    memcpy(p, tag, ZIP_AUTH_LEN);
    p += ZIP_AUTH_LEN;

    p = put_central(p, &e);
    p = put_end(p, cd_size, cd_offset);
    if ((size_t)(p - buf) != total) {
        r = MNS_ERR_INTERNAL;
        goto out;
    }
    *out = buf;
    *out_len = total;
    buf = NULL;
    r = MNS_OK;
out:
    if (r != MNS_OK)
        ERR_clear_error();
    mns_wipe(keys, sizeof(keys));
    mns_wipe(ks, sizeof(ks));
    EVP_CIPHER_CTX_free(ctx); /* cleanses the key schedule */
    EVP_MAC_CTX_free(mac);    /* cleanses the keyed state */
    EVP_CIPHER_free(ecb);
    EVP_MAC_free(hmac);
    free(buf); /* only on failure: salt and ciphertext so far, nothing secret */
    return r;
}

mns_err mns_zip_password(char *out, size_t len)
{
    const unsigned n = sizeof(zip_alphabet) - 1;
    const unsigned limit = 256 - 256 % n; /* bytes at or over it are redrawn: no bias */
    uint8_t rnd[64];
    size_t have = 0, used = sizeof(rnd);
    mns_err r = MNS_OK;

    if (out == NULL || len < ZIP_PASSWORD_MIN)
        return MNS_ERR_INVALID;
    if (len > ZIP_PASSWORD_MAX)
        return MNS_ERR_LIMIT;
    while (have < len) {
        if (used == sizeof(rnd)) {
            if ((r = mns_random(rnd, sizeof(rnd))) != MNS_OK)
                goto out;
            used = 0;
        }
        uint8_t b = rnd[used++];
        if (b < limit)
            out[have++] = zip_alphabet[b % n];
    }
    out[len] = '\0';
out:
    mns_wipe(rnd, sizeof(rnd));
    if (r != MNS_OK)
        mns_wipe(out, len + 1);
    return r;
}
