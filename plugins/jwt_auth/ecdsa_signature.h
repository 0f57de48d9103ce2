#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace outbound::jwt {

/// Converts a JWS ECDSA signature, r and s as big-endian integers each exactly `field_size`
/// bytes long (RFC 7518 section 3.4), to the DER ECDSA-Sig-Value OpenSSL verifies. Returns
/// nullopt unless the input is exactly 2 * `field_size` bytes, so a DER signature or a
/// truncated one is rejected before it reaches OpenSSL.
std::optional<std::string> ecdsa_jose_to_der(std::string_view jose, std::size_t field_size);

/// Converts a DER ECDSA-Sig-Value from OpenSSL to the JWS form: r then s, each left-padded
/// with zeros to `field_size` bytes. Returns nullopt for invalid DER or a value that does not
/// fit.
std::optional<std::string> ecdsa_der_to_jose(std::string_view der, std::size_t field_size);

}  // namespace outbound::jwt
