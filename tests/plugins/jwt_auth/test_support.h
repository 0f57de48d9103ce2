#pragma once

// Helpers shared by the jwt-auth tests: a fixed clock, key material generated with OpenSSL,
// the keys of the RFC examples, hand-built tokens and temporary folders.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "jwt_auth/algorithm.h"
#include "jwt_auth/key.h"
#include "outbound/clock.h"

namespace outbound::jwt::testing {

/// FixedClock returns the wall-clock time a test sets.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point now) : now_(now) {}

  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(now_.time_since_epoch());
  }
  void set(std::chrono::system_clock::time_point now) { now_ = now; }

 private:
  std::chrono::system_clock::time_point now_;
};

/// Returns the time point `seconds` after the Unix epoch.
std::chrono::system_clock::time_point at_seconds(std::int64_t seconds);

/// KeyPair is the key material of one algorithm as the settings take it: the HMAC secret
/// twice, or a PKCS#8 private key and its SubjectPublicKeyInfo public key in PEM.
struct KeyPair {
  std::string signing;
  std::string verification;
};

/// Returns key material for `algorithm`, generated once per test process: RSA 2048 for RS* and
/// PS*, P-256 for ES256, P-384 for ES384, Ed25519 for EdDSA, and a secret of the digest's
/// length plus 8 bytes for HS*. A `variant` other than 0 gives another, independent key.
const KeyPair& test_key_pair(Algorithm algorithm, int variant = 0);

/// Generates a PKCS#8 PEM private key: `type` is "RSA" (with `rsa_bits`), "EC" (with the
/// OpenSSL curve name in `curve`), "ED25519" or "ED448".
std::string generate_private_pem(const char* type, int rsa_bits = 2048, const char* curve = "");

/// Returns the SubjectPublicKeyInfo PEM of a PEM private key.
std::string public_pem_of(std::string_view private_pem);

/// The RSA key of RFC 7515 appendix A.2.1 as a PKCS#8 PEM private key.
std::string rfc7515_rsa_private_pem();

/// The P-256 key of RFC 7515 appendix A.3.1: the private key and the public key alone.
std::string rfc7515_ec_private_pem();
std::string rfc7515_ec_public_pem();

/// The Ed25519 key of RFC 8037 appendix A.1 as a PKCS#8 PEM private key.
std::string rfc8037_ed25519_private_pem();

/// Returns the compact form of a JWS from the raw header and payload bytes and the raw
/// signature, none of them checked, for building hostile tokens.
std::string encode_token(std::string_view header_json, std::string_view payload,
                         std::string_view signature);

/// Signs `payload` under the header `header_json` with `key`; fails the test on error.
std::string sign_token(const Key& key, std::string_view header_json, std::string_view payload);

/// Computes HMAC-SHA256 of `data` with `secret` directly through OpenSSL, bypassing the
/// engine's key checks, as an attacker's tool would.
std::string raw_hmac_sha256(std::string_view secret, std::string_view data);

/// TempDir is a folder made with mkdtemp and removed with its contents on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

  /// Writes `content` to the file `name` in the folder and returns its path.
  std::filesystem::path write(const std::string& name, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace outbound::jwt::testing
