#pragma once

// OpenSSL's libcrypto, loaded by the first call of any of its functions (see lazy_library.h), so
// that a command that hashes and signs nothing does not load it. Include this header, not the
// OpenSSL headers alone, in every file of rkt that calls libcrypto: the pointers below hide the
// library's own declarations within namespace rkt.

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/lazy_library.h"

// Every libcrypto function rkt calls.
// clang-format off
#define RKT_CRYPTO_FUNCTIONS(X) \
  X(CRYPTO_memcmp) X(EVP_Digest) X(EVP_DigestFinal_ex) X(EVP_DigestInit_ex) X(EVP_DigestUpdate) \
  X(EVP_MD_CTX_free) X(EVP_MD_CTX_new) X(EVP_sha256) X(EVP_sha512) X(HMAC)
// clang-format on

namespace rkt {
RKT_CRYPTO_FUNCTIONS(RKT_LAZY_EXTERN)
}  // namespace rkt
