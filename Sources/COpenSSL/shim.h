#ifndef SEALCAST_COPENSSL_SHIM_H
#define SEALCAST_COPENSSL_SHIM_H

// OpenSSL headers that the TLS module uses, plus static inline wrappers for
// OpenSSL's function-like macros, variadic functions and computed constants,
// none of which Swift can import.

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/pem.h>
#include <openssl/crypto.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

// SSL_OP_* values are built with the SSL_OP_BIT(n) macro in OpenSSL 3.0.
static const uint64_t sealcast_SSL_OP_NO_RENEGOTIATION = SSL_OP_NO_RENEGOTIATION;
static const uint64_t sealcast_SSL_OP_NO_COMPRESSION = SSL_OP_NO_COMPRESSION;
static const uint64_t sealcast_SSL_OP_CIPHER_SERVER_PREFERENCE = SSL_OP_CIPHER_SERVER_PREFERENCE;
static const uint64_t sealcast_SSL_OP_NO_TICKET = SSL_OP_NO_TICKET;
static const unsigned long sealcast_XN_FLAG_RFC2253 = XN_FLAG_RFC2253;

static inline long sealcast_SSL_CTX_set_session_cache_off(SSL_CTX *ctx) {
    return SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
}

// The server-name callback is set through SSL_CTX_callback_ctrl, which takes a generic function pointer.
static inline void sealcast_SSL_CTX_set_servername_callback(
    SSL_CTX *ctx, int (*callback)(SSL *, int *, void *), void *argument
) {
    SSL_CTX_set_tlsext_servername_callback(ctx, callback);
    SSL_CTX_set_tlsext_servername_arg(ctx, argument);
}

static inline int sealcast_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_min_proto_version(ctx, version);
}

static inline int sealcast_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return (int)SSL_CTX_set_max_proto_version(ctx, version);
}

static inline long sealcast_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_mode(ctx, mode);
}

static inline int sealcast_SSL_set_tlsext_host_name(SSL *ssl, const char *name) {
    return (int)SSL_set_tlsext_host_name(ssl, name);
}

static inline void sealcast_X509V3_set_ctx_nodb(X509V3_CTX *ctx) {
    X509V3_set_ctx_nodb(ctx);
}

// Keys a session-ticket MAC context for HMAC-SHA256. The OSSL_PARAM array that this needs is
// built from macros and unions that Swift cannot express.
static inline int sealcast_ticket_mac_init(EVP_MAC_CTX *mac, const unsigned char *key, size_t length) {
    OSSL_PARAM params[3];
    params[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)key, length);
    params[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[2] = OSSL_PARAM_construct_end();
    return EVP_MAC_CTX_set_params(mac, params);
}

// EVP_PKEY_Q_keygen is variadic; this fixes its arguments to an EC P-256 key.
static inline EVP_PKEY *sealcast_generate_ec_p256_key(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

#endif
