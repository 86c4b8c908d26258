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
#include <stdlib.h>
#include <string.h>

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

// A write-only BIO that collects ciphertext in one malloc'd block, which the caller then takes
// over whole. A memory BIO zeroes each new stretch of its buffer and needs a second copy out,
// so this one saves both and costs a single memcpy per record.
typedef struct sealcast_output_block {
    unsigned char *data;
    size_t count;
    size_t capacity;
} sealcast_output_block;

// The smallest block. A block for a small record starts at that record's size, because one
// sized for a full 16 KiB record would waste memory while it is queued. A full record usually
// comes with more (the sender encrypts up to 64 KiB per pass), so its block starts with room
// for four, which saves reallocating and copying the first ones.
#define SEALCAST_OUTPUT_MINIMUM_CAPACITY 1024
#define SEALCAST_OUTPUT_FULL_RECORD 16384

static int sealcast_output_write(BIO *bio, const char *bytes, size_t length, size_t *written) {
    sealcast_output_block *block = (sealcast_output_block *)BIO_get_data(bio);
    if (block->capacity - block->count < length) {
        size_t capacity = block->capacity;
        if (capacity == 0 && length >= SEALCAST_OUTPUT_FULL_RECORD) {
            capacity = 4 * length;
        } else if (capacity == 0) {
            capacity = length > SEALCAST_OUTPUT_MINIMUM_CAPACITY ? length : SEALCAST_OUTPUT_MINIMUM_CAPACITY;
        }
        while (capacity - block->count < length) {
            capacity *= 2;
        }
        unsigned char *grown = (unsigned char *)realloc(block->data, capacity);
        if (grown == NULL) {
            return 0;
        }
        block->data = grown;
        block->capacity = capacity;
    }
    memcpy(block->data + block->count, bytes, length);
    block->count += length;
    *written = length;
    return 1;
}

static long sealcast_output_ctrl(BIO *bio, int command, long number, void *pointer) {
    (void)number;
    (void)pointer;
    sealcast_output_block *block = (sealcast_output_block *)BIO_get_data(bio);
    switch (command) {
    case BIO_CTRL_FLUSH:
        return 1;
    case BIO_CTRL_WPENDING:
        return (long)block->count;
    default:
        return 0;
    }
}

static int sealcast_output_create(BIO *bio) {
    sealcast_output_block *block = (sealcast_output_block *)calloc(1, sizeof(sealcast_output_block));
    if (block == NULL) {
        return 0;
    }
    BIO_set_data(bio, block);
    BIO_set_init(bio, 1);
    return 1;
}

static int sealcast_output_destroy(BIO *bio) {
    sealcast_output_block *block = (sealcast_output_block *)BIO_get_data(bio);
    if (block != NULL) {
        free(block->data);
        free(block);
    }
    BIO_set_data(bio, NULL);
    return 1;
}

// Call once per process; the method lives as long as the process.
static inline BIO_METHOD *sealcast_output_method_new(void) {
    BIO_METHOD *method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "sealcast output");
    if (method == NULL) {
        return NULL;
    }
    BIO_meth_set_write_ex(method, sealcast_output_write);
    BIO_meth_set_ctrl(method, sealcast_output_ctrl);
    BIO_meth_set_create(method, sealcast_output_create);
    BIO_meth_set_destroy(method, sealcast_output_destroy);
    return method;
}

static inline size_t sealcast_output_count(BIO *bio) {
    return ((sealcast_output_block *)BIO_get_data(bio))->count;
}

// Hands the filled block to the caller, who frees it, and leaves the BIO empty. Sets *count to
// the number of bytes in it; returns NULL when the BIO is empty.
static inline unsigned char *sealcast_output_take(BIO *bio, size_t *count) {
    sealcast_output_block *block = (sealcast_output_block *)BIO_get_data(bio);
    unsigned char *data = block->data;
    *count = block->count;
    if (block->count == 0) {
        return NULL;
    }
    block->data = NULL;
    block->count = 0;
    block->capacity = 0;
    return data;
}

#endif
