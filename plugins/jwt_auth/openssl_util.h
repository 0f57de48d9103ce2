#pragma once

// Ownership wrappers for the OpenSSL objects the engine keeps, and error text from OpenSSL's
// per-thread error queue. Internal to outbound_jwt.

#include <memory>
#include <string>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

namespace outbound::jwt {

template <typename T, void (*Free)(T*)>
struct OpensslDeleter {
  void operator()(T* object) const { Free(object); }
};

using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, OpensslDeleter<EVP_PKEY, EVP_PKEY_free>>;
using EvpPkeyCtxPtr =
    std::unique_ptr<EVP_PKEY_CTX, OpensslDeleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using EvpMdPtr = std::unique_ptr<EVP_MD, OpensslDeleter<EVP_MD, EVP_MD_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslDeleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using EvpMacPtr = std::unique_ptr<EVP_MAC, OpensslDeleter<EVP_MAC, EVP_MAC_free>>;
using EvpMacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OpensslDeleter<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslDeleter<BIGNUM, BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslDeleter<ECDSA_SIG, ECDSA_SIG_free>>;

/// Returns the text of the oldest error in this thread's OpenSSL error queue, or `fallback`
/// when the queue is empty, and clears the queue so the next call starts clean.
std::string take_openssl_error(const char* fallback);

/// Empties this thread's OpenSSL error queue. Called after an expected failure, such as a
/// signature that does not verify, so that no stale entry is reported later.
void clear_openssl_errors();

}  // namespace outbound::jwt
