#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "jwt_auth/json_scanner.h"
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

/// ClaimSet is what the claim checks read from a payload: the registered claims, each absent
/// or a JSON value, and which of the policy's required claims are present. The values point
/// into the payload text, which must stay unchanged and in place while they are used.
struct ClaimSet {
  std::optional<JsonValue> exp;
  std::optional<JsonValue> nbf;
  std::optional<JsonValue> iat;
  std::optional<JsonValue> iss;
  std::optional<JsonValue> sub;
  std::optional<JsonValue> aud;

  /// Whether ClaimPolicy::required_claims[index] is present.
  bool has_required(std::size_t index) const;
  /// Records that ClaimPolicy::required_claims[index] is present.
  void set_required(std::size_t index);

 private:
  // Flags of the first 64 required claims, then of the rest.
  std::uint64_t required_flags_ = 0;
  std::vector<bool> more_required_flags_;
};

/// Parses the payload `text` with scan_json_object() into `claims`, which must be
/// default-constructed: strict JSON, one object, no repeated member names at any depth,
/// nesting within kMaxJsonDepth. Picks out the registered claims and the required claims of
/// `policy` among the top-level members. Returns kInvalidArgument with the scanner's message
/// ("is not valid JSON: ...") otherwise.
Status parse_claims(std::string_view text, const ClaimPolicy& policy, ClaimSet& claims);

/// Checks `claims` against `policy` at `now`. A token is expired when now >= exp + leeway, not
/// yet valid when now < nbf - leeway or now < iat - leeway. Returns ok, or a rejection with
/// reason malformed (a registered claim of the wrong type or range), expired, not_yet_valid or
/// claim_mismatch (`iss`, `aud`, a required claim, or `exp` missing while required). Times are
/// compared as seconds in double precision, never as nanosecond time points.
Status check_claims(const ClaimSet& claims, const ClaimPolicy& policy,
                    std::chrono::system_clock::time_point now);

/// Reads the NumericDate claim `claim` named `name` (RFC 7519 section 2) into `seconds`:
/// nullopt when it is absent, the seconds when it is a JSON number, integer or fractional,
/// within 0 to kMaxNumericDate. Returns a rejection with reason malformed otherwise.
Status read_numeric_date(const std::optional<JsonValue>& claim, const char* name,
                         std::optional<double>& seconds);

/// Does what the overload above does, for the member `name` of the parsed object `claims`.
Result<std::optional<double>> read_numeric_date(const nlohmann::json& claims, const char* name);

/// Returns `time` as seconds since the Unix epoch, with the fraction.
double seconds_since_epoch(std::chrono::system_clock::time_point time);

/// Converts seconds since the Unix epoch to a time point. system_clock counts nanoseconds in
/// 64 bits, which ends in 2262, so later dates saturate at time_point::max().
std::chrono::system_clock::time_point time_point_from_seconds(double seconds);

}  // namespace outbound::jwt
