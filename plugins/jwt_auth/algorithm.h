#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace outbound::jwt {

/// Algorithm is a JWS signature algorithm: the HMAC, RSA and ECDSA ones of RFC 7518 section 3
/// and EdDSA with Ed25519 from RFC 8037. Every key is bound to exactly one of them when the
/// configuration loads.
enum class Algorithm {
  kHs256,
  kHs384,
  kHs512,
  kRs256,
  kRs384,
  kRs512,
  kPs256,
  kPs384,
  kPs512,
  kEs256,
  kEs384,
  kEdDsa,
};

/// AlgorithmFamily is the key type and signature scheme an algorithm needs.
enum class AlgorithmFamily {
  /// A shared secret (HS*).
  kHmac,
  /// An RSA key with RSASSA-PKCS1-v1_5 padding (RS*).
  kRsaPkcs1,
  /// An RSA key with RSASSA-PSS padding, MGF1 and a salt as long as the digest (PS*).
  kRsaPss,
  /// An EC key on the curve the algorithm names (ES256: P-256, ES384: P-384).
  kEcdsa,
  /// An Ed25519 key (EdDSA).
  kEdDsa,
};

/// Every supported algorithm, in the order the messages list them.
inline constexpr std::array<Algorithm, 12> kAllAlgorithms = {
    Algorithm::kHs256, Algorithm::kHs384, Algorithm::kHs512, Algorithm::kRs256,
    Algorithm::kRs384, Algorithm::kRs512, Algorithm::kPs256, Algorithm::kPs384,
    Algorithm::kPs512, Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEdDsa};

/// Returns the JWS name of `algorithm` ("HS256", "EdDSA").
std::string_view algorithm_name(Algorithm algorithm);

/// Parses a JWS algorithm name. The match is exact and case-sensitive, as RFC 7515 section
/// 4.1.1 requires, so "hs256" and "none" return nullopt.
std::optional<Algorithm> parse_algorithm(std::string_view name);

/// Returns the names of every supported algorithm, separated by ", ", for error messages.
std::string supported_algorithm_names();

AlgorithmFamily algorithm_family(Algorithm algorithm);

/// Returns the OpenSSL name of the digest the algorithm uses ("SHA256"), or nullptr for EdDSA,
/// which hashes inside the signature scheme.
const char* digest_name(Algorithm algorithm);

/// Returns the digest output size in bytes: 32, 48 or 64, and 0 for EdDSA. It is also the
/// minimum length of an HMAC secret (RFC 7518 section 3.2).
std::size_t digest_size(Algorithm algorithm);

/// Returns the size in bytes of one ECDSA coordinate: 32 for ES256, 48 for ES384, 0 otherwise.
/// A JWS ECDSA signature is r and s, each left-padded to this size (RFC 7518 section 3.4).
std::size_t ecdsa_field_size(Algorithm algorithm);

}  // namespace outbound::jwt
