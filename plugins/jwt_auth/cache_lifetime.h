#pragma once

#include <chrono>
#include <string>

#include "outbound/http.h"

namespace outbound::jwt {

/// CacheLimits are the `jwks_cache_s`, `jwks_cache_min_s` and `jwks_cache_max_s` settings.
struct CacheLimits {
  /// The lifetime when the response sets none.
  std::chrono::seconds fallback{300};
  /// The bounds on a lifetime the response sets. `no-cache` and `no-store` give the minimum.
  std::chrono::seconds minimum{60};
  std::chrono::seconds maximum{86400};
};

/// CacheLifetime is how long a fetched JWK Set stays fresh, and where that number came from.
struct CacheLifetime {
  std::chrono::seconds ttl{0};
  /// For logs: "max-age=600", "max-age=600 minus Age 20", "no-cache", "jwks_cache_s".
  std::string source;
};

/// Returns the freshness lifetime of a response from its Cache-Control and Age header fields,
/// as a private cache computes it (RFC 9111, HTTP Caching). `no-store` or `no-cache`
/// give `limits.minimum`. Otherwise `max-age`, less the `Age` the response already has, is
/// clamped to [minimum, maximum]. Without a usable `max-age` (absent, not a number, or given
/// twice with different values) the result is `limits.fallback`, unclamped. `s-maxage` is for
/// shared caches and `Expires` is not read, so neither changes the result.
CacheLifetime cache_lifetime(const HttpHeaders& headers, const CacheLimits& limits);

}  // namespace outbound::jwt
