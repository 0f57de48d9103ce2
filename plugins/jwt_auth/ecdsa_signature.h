#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace outbound::jwt {

/// The largest ECDSA coordinate ecdsa_jose_to_der_into() accepts, in bytes: 66, the size for
/// P-521, so every curve of RFC 7518 section 3.4 fits.
inline constexpr std::size_t kMaxEcdsaFieldSize = 66;

/// The size of the largest DER ECDSA-Sig-Value ecdsa_jose_to_der_into() writes: a SEQUENCE
/// header of up to 3 bytes around two INTEGERs, each with a 2-byte header and up to
/// kMaxEcdsaFieldSize + 1 bytes of value.
inline constexpr std::size_t kMaxEcdsaDerSize = 3 + 2 * (2 + kMaxEcdsaFieldSize + 1);

/// Writes the DER ECDSA-Sig-Value that OpenSSL verifies for a JWS ECDSA signature: r and s as
/// big-endian integers, each exactly `field_size` bytes long (RFC 7518 section 3.4). Each
/// INTEGER drops the leading zero bytes and gains one 0x00 byte when its first byte has the
/// high bit set, as DER requires. `out` must have room for kMaxEcdsaDerSize bytes.
///
/// Returns the number of bytes written. Returns 0 when `jose` is not exactly 2 * `field_size`
/// bytes, so that a DER signature or a truncated one is rejected before it reaches OpenSSL. It
/// also returns 0 when `field_size` is 0 or above kMaxEcdsaFieldSize, and when r or s is zero,
/// which no valid signature has.
std::size_t ecdsa_jose_to_der_into(std::string_view jose, std::size_t field_size,
                                   unsigned char* out);

/// Returns what ecdsa_jose_to_der_into() writes, as a string, or nullopt where it returns 0.
std::optional<std::string> ecdsa_jose_to_der(std::string_view jose, std::size_t field_size);

/// Converts a DER ECDSA-Sig-Value from OpenSSL to the JWS form: r then s, each left-padded
/// with zeros to `field_size` bytes. Returns nullopt for invalid DER or a value that does not
/// fit.
std::optional<std::string> ecdsa_der_to_jose(std::string_view der, std::size_t field_size);

}  // namespace outbound::jwt
