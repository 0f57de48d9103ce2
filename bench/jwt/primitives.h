#pragma once

// The OpenSSL primitives under JWT verification, measured the way `openssl speed` measures
// them: every key and context is set up once, and each call does only the signature math.

#include <cstddef>
#include <memory>
#include <string>

#include <openssl/evp.h>

#include "bench/jwt/fixtures.h"
#include "outbound/status.h"

namespace outbound::bench {

/// SignaturePrimitive verifies the signature of one fixture token with OpenSSL alone: no
/// base64url, no JSON, no claims. RSA and ECDSA check the signature against the SHA-256 digest
/// of the signing input, computed once, with an EVP_PKEY_CTX initialised once, as `openssl
/// speed rsa2048` and `ecdsap256` do. Ed25519 runs EVP_DigestVerify on the signing input with
/// an EVP_MD_CTX initialised once, as `openssl speed ed25519` does.
///
/// Thread safety: none; verify() reuses the contexts.
class SignaturePrimitive {
 public:
  /// Prepares the primitive for `fixture`, which must be RS256, ES256 or EdDSA. Returns
  /// kInvalidArgument for another algorithm and kInternal when OpenSSL fails.
  static Result<SignaturePrimitive> create(const TokenFixture& fixture);

  /// Returns whether the signature verifies.
  bool verify();

 private:
  struct State;
  explicit SignaturePrimitive(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

/// HmacPrimitive computes HMAC-SHA256 with one EVP_MAC_CTX, keyed once and reinitialised for
/// every message, as `openssl speed -hmac sha256` does.
///
/// Thread safety: none; compute() reuses the context.
class HmacPrimitive {
 public:
  /// Keys the context with `secret`. Returns kInternal when OpenSSL fails.
  static Result<HmacPrimitive> create(const std::string& secret);

  /// Computes the MAC of `size` bytes at `data` into `mac` (32 bytes); false when OpenSSL
  /// fails.
  bool compute(const unsigned char* data, std::size_t size, unsigned char* mac);

 private:
  struct State;
  explicit HmacPrimitive(std::shared_ptr<State> state);

  std::shared_ptr<State> state_;
};

}  // namespace outbound::bench
