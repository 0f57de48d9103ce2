#include "bench/jwt/cpp_jwt_verifier.h"

#include <system_error>
#include <utility>

#include <jwt/jwt.hpp>

#include "bench/jwt/fixtures.h"

namespace outbound::bench {

CppJwtVerifier::CppJwtVerifier(std::string algorithm_name, std::string key)
    : algorithm_name_(std::move(algorithm_name)), key_(std::move(key)) {}

Status CppJwtVerifier::verify(std::string_view token) const {
  std::error_code error;
  // The error_code overload reports failures without throwing, as a server would call it.
  // `::jwt` is cpp-jwt; `jwt` alone would name outbound::jwt here.
  const ::jwt::jwt_object decoded = ::jwt::decode(
      ::jwt::string_view(token.data(), token.size()), ::jwt::params::algorithms({algorithm_name_}),
      error, ::jwt::params::secret(key_), ::jwt::params::issuer(kIssuer),
      ::jwt::params::aud(kAudience),
      ::jwt::params::leeway(static_cast<std::uint32_t>(kLeewaySeconds)),
      ::jwt::params::verify(true));
  if (error) return Status::unauthenticated("cpp-jwt rejected the token: " + error.message());
  return Status();
}

}  // namespace outbound::bench
