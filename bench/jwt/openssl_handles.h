#pragma once

// Owning handles for the OpenSSL objects the benchmark sets up, and helpers to load the
// fixture keys and signatures into them.

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include "jwt_auth/openssl_util.h"
#include "outbound/status.h"

namespace outbound::bench {

// The engine's own handle types, so the benchmark frees OpenSSL objects the same way.
using PkeyPtr = jwt::EvpPkeyPtr;
using PkeyCtxPtr = jwt::EvpPkeyCtxPtr;
using MdPtr = jwt::EvpMdPtr;
using MdCtxPtr = jwt::EvpMdCtxPtr;
using MacPtr = jwt::EvpMacPtr;
using MacCtxPtr = jwt::EvpMacCtxPtr;
using BignumPtr = jwt::BignumPtr;
using EcdsaSigPtr = jwt::EcdsaSigPtr;
using BioPtr = std::unique_ptr<BIO, jwt::OpensslDeleter<BIO, BIO_free_all>>;

/// Parses a SubjectPublicKeyInfo PEM public key. Returns kInternal when OpenSSL cannot.
Result<PkeyPtr> parse_public_pem(const std::string& pem);

/// Returns an HMAC-SHA256 context keyed with `secret`, or kInternal when OpenSSL fails.
Result<MacCtxPtr> keyed_hmac_sha256(const std::string& secret);

/// Converts an ECDSA P-256 signature in JWS form (r || s, 32 bytes each) to DER with OpenSSL's
/// ECDSA_SIG, independently of outbound::jwt's converter. Returns kInvalidArgument for another
/// length.
Result<std::string> ecdsa_p256_jose_to_der(const std::string& jose);

}  // namespace outbound::bench
