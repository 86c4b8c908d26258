#ifndef SEALCAST_COPENSSL_SHIM_H
#define SEALCAST_COPENSSL_SHIM_H

// OpenSSL headers that the TLS module uses, plus static inline wrappers for
// OpenSSL's function-like macros, which Swift cannot import.

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
#include <openssl/ec.h>

#endif
