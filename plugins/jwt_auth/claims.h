#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "outbound/status.h"

namespace outbound::jwt {

/// The largest NumericDate accepted, 9999-12-31T23:59:59Z. Bounding dates keeps every sum of
/// a date, a lifetime and a leeway far inside the range of int64 and double.
inline constexpr std::int64_t kMaxNumericDate = 253402300799;

/// ClaimPolicy is what verification requires of a token's claims besides its signature.
struct ClaimPolicy {
  /// The required `iss`, compared exactly; empty accepts any issuer.
  std::string issuer;
  /// The accepted audiences: `aud` must contain at least one of them. Empty accepts any.
  std::vector<std::string> audiences;
  /// Claims that must be present, whatever their value.
  std::vector<std::string> required_claims;
  /// Whether a token without `exp` is rejected.
  bool require_exp = true;
  /// The clock skew in seconds tolerated for `exp`, `nbf` and `iat`.
  std::int64_t leeway_s = 30;
};

/// Reads the NumericDate claim `name` (RFC 7519 section 2): nullopt when it is absent, the
/// seconds when it is a finite JSON number, integer or fractional, within 0 to
/// kMaxNumericDate, and a rejection with reason malformed otherwise.
Result<std::optional<double>> read_numeric_date(const nlohmann::json& claims, const char* name);

/// Checks `claims` against `policy` at `now`. A token is expired when now >= exp + leeway, not
/// yet valid when now < nbf - leeway or now < iat - leeway. Returns ok, or a rejection with
/// reason malformed (a registered claim of the wrong type or range), expired, not_yet_valid or
/// claim_mismatch (`iss`, `aud`, a required claim, or `exp` missing while required). Times are
/// compared as seconds in double precision, never as nanosecond time points.
Status check_claims(const nlohmann::json& claims, const ClaimPolicy& policy,
                    std::chrono::system_clock::time_point now);

/// Returns `time` as seconds since the Unix epoch, with the fraction.
double seconds_since_epoch(std::chrono::system_clock::time_point time);

/// Converts seconds since the Unix epoch to a time point. system_clock counts nanoseconds in
/// 64 bits, which ends in 2262, so later dates saturate at time_point::max().
std::chrono::system_clock::time_point time_point_from_seconds(double seconds);

}  // namespace outbound::jwt
