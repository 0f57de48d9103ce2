#pragma once

// Owning handles for the OpenSSL objects the benchmark sets up, and helpers to load the
// fixture keys and signatures into them.

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "outbound/status.h"

namespace outbound::bench {

template <typename T, void (*Free)(T*)>
struct OpensslFree {
  void operator()(T* object) const { Free(object); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, OpensslFree<EVP_PKEY, EVP_PKEY_free>>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, OpensslFree<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using MdPtr = std::unique_ptr<EVP_MD, OpensslFree<EVP_MD, EVP_MD_free>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, OpensslFree<EVP_MD_CTX, EVP_MD_CTX_free>>;
using MacPtr = std::unique_ptr<EVP_MAC, OpensslFree<EVP_MAC, EVP_MAC_free>>;
using MacCtxPtr = std::unique_ptr<EVP_MAC_CTX, OpensslFree<EVP_MAC_CTX, EVP_MAC_CTX_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpensslFree<BIGNUM, BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, OpensslFree<ECDSA_SIG, ECDSA_SIG_free>>;
using BioPtr = std::unique_ptr<BIO, OpensslFree<BIO, BIO_free_all>>;

/// Parses a SubjectPublicKeyInfo PEM public key. Returns kInternal when OpenSSL cannot.
Result<PkeyPtr> parse_public_pem(const std::string& pem);

/// Returns an HMAC-SHA256 context keyed with `secret`, or kInternal when OpenSSL fails.
Result<MacCtxPtr> keyed_hmac_sha256(const std::string& secret);

/// Converts an ECDSA P-256 signature in JWS form (r || s, 32 bytes each) to DER with OpenSSL's
/// ECDSA_SIG, independently of outbound::jwt's converter. Returns kInvalidArgument for another
/// length.
Result<std::string> ecdsa_p256_jose_to_der(const std::string& jose);

}  // namespace outbound::bench
