#include "bench/jwt/libjwt_verifier.h"

#include <cerrno>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>

#include <jwt.h>

#include "bench/jwt/fixtures.h"

namespace outbound::bench {
namespace {

struct JwtDeleter {
  void operator()(jwt_t* token) const { jwt_free(token); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtDeleter>;

Status rejected(std::string message) { return Status::unauthenticated(std::move(message)); }

// Reads the integer claim `name` into `value`. Returns false when it is missing or not an integer.
bool read_integer_claim(jwt_t* token, const char* name, long& value) {
  errno = 0;
  value = jwt_get_grant_int(token, name);
  return errno == 0;
}

}  // namespace

LibjwtVerifier::LibjwtVerifier(std::string algorithm_name, std::string key)
    : algorithm_name_(std::move(algorithm_name)), key_(std::move(key)) {}

Status LibjwtVerifier::verify(const std::string& token) const {
  jwt_t* raw = nullptr;
  const int error =
      jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key_.data()),
                 static_cast<int>(key_.size()));
  JwtPtr decoded(raw);
  if (error != 0 || !decoded) {
    return rejected("libjwt jwt_decode failed: " + std::string(std::strerror(error)));
  }
  // libjwt 1.10 verifies with whatever algorithm the header names, so the caller must pin it.
  if (jwt_get_alg(decoded.get()) != jwt_str_alg(algorithm_name_.c_str())) {
    return rejected("token alg is not " + algorithm_name_);
  }

  const long now = static_cast<long>(std::time(nullptr));
  long exp = 0;
  if (!read_integer_claim(decoded.get(), "exp", exp)) return rejected("token has no exp claim");
  if (now >= exp + kLeewaySeconds) return rejected("token expired");
  long iat = 0;
  if (read_integer_claim(decoded.get(), "iat", iat) && now < iat - kLeewaySeconds) {
    return rejected("token iat is in the future");
  }

  const char* iss = jwt_get_grant(decoded.get(), "iss");
  if (iss == nullptr || std::strcmp(iss, kIssuer) != 0) {
    return rejected(std::string("token iss is missing or not ") + kIssuer);
  }
  // jwt_get_grant reads string claims only, so an `aud` array fails here. The fixture tokens
  // carry one audience, as a string.
  const char* aud = jwt_get_grant(decoded.get(), "aud");
  if (aud == nullptr || std::strcmp(aud, kAudience) != 0) {
    return rejected(std::string("token aud is missing or not ") + kAudience);
  }
  return Status();
}

}  // namespace outbound::bench
