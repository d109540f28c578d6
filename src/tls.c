/*
 * tls.c: the HTTPS side's certificate and TLS settings. `mnsafe init` makes a
 * self-signed certificate (ECDSA P-256, localhost) unless one is configured;
 * the server speaks TLS 1.2 and 1.3 only, with forward-secret AEAD suites.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "server.h"

static void openssl_error(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[200] = "";
    if (e != 0)
        ERR_error_string_n(e, buf, sizeof(buf));
    snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
    ERR_clear_error();
}

static int add_ext(X509 *cert, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL)
        return -1;
    int rc = X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
    X509_EXTENSION_free(ext);
    return rc;
}

int tls_make_self_signed(const char *cert_path, const char *key_path, char *err, size_t errlen)
{
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    FILE *f = NULL;
    int rc = -1, fd = -1;

    key = EVP_EC_gen("P-256");
    cert = X509_new();
    if (key == NULL || cert == NULL) {
        openssl_error(err, errlen, "cannot make a key");
        goto out;
    }
    unsigned char serial[16];
    if (RAND_bytes(serial, sizeof(serial)) != 1)
        goto out;
    serial[0] &= 0x7f;
    BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
    if (bn == NULL || BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert)) == NULL) {
        BN_free(bn);
        goto out;
    }
    BN_free(bn);
    X509_set_version(cert, 2);
    X509_gmtime_adj(X509_getm_notBefore(cert), -300);
    X509_gmtime_adj(X509_getm_notAfter(cert), 825L * 24 * 3600);
    X509_set_pubkey(cert, key);
    X509_NAME *name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"mnsafe", -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
    X509_set_issuer_name(cert, name);
    if (add_ext(cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1") != 0 ||
        add_ext(cert, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
        add_ext(cert, NID_key_usage, "critical,digitalSignature") != 0 ||
        add_ext(cert, NID_ext_key_usage, "serverAuth") != 0 || X509_sign(cert, key, EVP_sha256()) == 0) {
        openssl_error(err, errlen, "cannot sign the certificate");
        goto out;
    }
    fd = open(key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        snprintf(err, errlen, "cannot create %s", key_path);
        goto out;
    }
    fd = -1;
    if (PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0) {
        f = NULL;
        snprintf(err, errlen, "cannot write %s", key_path);
        goto out;
    }
    f = NULL;
    fd = open(cert_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0 || (f = fdopen(fd, "w")) == NULL) {
        snprintf(err, errlen, "cannot create %s", cert_path);
        goto out;
    }
    fd = -1;
    if (PEM_write_X509(f, cert) != 1 || fclose(f) != 0) {
        f = NULL;
        snprintf(err, errlen, "cannot write %s", cert_path);
        goto out;
    }
    f = NULL;
    rc = 0;
out:
    if (f != NULL)
        fclose(f);
    if (fd >= 0)
        close(fd);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

void *tls_server_ctx(const char *cert_path, const char *key_path, const char *client_ca, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL) {
        openssl_error(err, errlen, "SSL_CTX_new");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    /* CLEANSE_PLAINTEXT: decrypted records are wiped once read (they may hold numbers) */
    SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_CLEANSE_PLAINTEXT);
    /* TLS 1.2: ECDHE with AEAD only; TLS 1.3 suites are all AEAD */
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                     "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
                                     "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256") != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
        openssl_error(err, errlen, "cannot load the certificate or key");
        SSL_CTX_free(ctx);
        return NULL;
    }
    if (client_ca != NULL) {
        /* certificates are asked for, not demanded: the roles that need one
         * are refused later, by name, and audited */
        if (SSL_CTX_load_verify_locations(ctx, client_ca, NULL) != 1) {
            openssl_error(err, errlen, "cannot load the client CA");
            SSL_CTX_free(ctx);
            return NULL;
        }
        SSL_CTX_set_client_CA_list(ctx, SSL_load_client_CA_file(client_ca));
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        SSL_CTX_set_verify_depth(ctx, 4);
    }
    return ctx;
}

bool tls_peer_cn(void *ssl, char *cn, size_t size)
{
    cn[0] = '\0';
    if (ssl == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
        return false;
    X509 *peer = SSL_get1_peer_certificate(ssl);
    if (peer == NULL)
        return false;
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, (int)size);
    X509_free(peer);
    if (n <= 0 || (size_t)n >= size || memchr(cn, '\0', (size_t)n) != NULL) {
        cn[0] = '\0';
        return false;
    }
    return true;
}

void tls_free_ctx(void *ctx)
{
    SSL_CTX_free(ctx);
}
