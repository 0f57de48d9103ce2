#include "jwt_auth/claims.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "jwt_auth/rejection.h"

namespace outbound::jwt {
namespace {

Status malformed(std::string message) {
  return token_rejected(auth_reason::kMalformed, std::move(message));
}

Status mismatch(std::string message) {
  return token_rejected(auth_reason::kClaimMismatch, std::move(message));
}

// Formats seconds for a message: whole seconds without a fraction, others with milliseconds.
std::string format_seconds(double seconds) {
  char text[48];
  if (seconds == std::floor(seconds)) {
    std::snprintf(text, sizeof(text), "%.0f", seconds);
  } else {
    std::snprintf(text, sizeof(text), "%.3f", seconds);
  }
  return text;
}

Status check_string_claim(const nlohmann::json& claims, const char* name) {
  const auto claim = claims.find(name);
  if (claim != claims.end() && !claim->is_string()) {
    return malformed(std::string("token claim ") + name + " is not a string");
  }
  return Status();
}

Status check_audience_type(const nlohmann::json& claims) {
  const auto aud = claims.find("aud");
  if (aud == claims.end() || aud->is_string()) return Status();
  if (aud->is_array()) {
    for (const nlohmann::json& entry : *aud) {
      if (!entry.is_string()) {
        return malformed("token claim aud lists a value that is not a string");
      }
    }
    return Status();
  }
  return malformed("token claim aud is neither a string nor an array of strings");
}

bool audience_accepted(const nlohmann::json& aud, const std::vector<std::string>& accepted) {
  const auto is_accepted = [&](const std::string& value) {
    for (const std::string& audience : accepted) {
      if (value == audience) return true;
    }
    return false;
  };
  if (aud.is_string()) return is_accepted(aud.get_ref<const std::string&>());
  for (const nlohmann::json& entry : aud) {
    if (is_accepted(entry.get_ref<const std::string&>())) return true;
  }
  return false;
}

Status check_times(const nlohmann::json& claims, const ClaimPolicy& policy, double now) {
  Result<std::optional<double>> exp = read_numeric_date(claims, "exp");
  if (!exp.ok()) return exp.status();
  Result<std::optional<double>> nbf = read_numeric_date(claims, "nbf");
  if (!nbf.ok()) return nbf.status();
  Result<std::optional<double>> iat = read_numeric_date(claims, "iat");
  if (!iat.ok()) return iat.status();

  const auto leeway = static_cast<double>(policy.leeway_s);
  const std::string at_now =
      " (now " + format_seconds(now) + ", leeway " + std::to_string(policy.leeway_s) + " s)";
  if (!exp->has_value()) {
    if (policy.require_exp) {
      return mismatch("token has no exp claim, and require_exp is on; the issuer must set exp");
    }
  } else if (now >= **exp + leeway) {
    return token_rejected(auth_reason::kExpired,
                          "token expired at exp " + format_seconds(**exp) + at_now);
  }
  if (nbf->has_value() && now < **nbf - leeway) {
    return token_rejected(auth_reason::kNotYetValid,
                          "token is not valid before nbf " + format_seconds(**nbf) + at_now);
  }
  if (iat->has_value() && now < **iat - leeway) {
    return token_rejected(
        auth_reason::kNotYetValid,
        "token claims to be issued in the future, at iat " + format_seconds(**iat) + at_now);
  }
  return Status();
}

}  // namespace

Result<std::optional<double>> read_numeric_date(const nlohmann::json& claims, const char* name) {
  const auto claim = claims.find(name);
  if (claim == claims.end()) return std::optional<double>();
  if (!claim->is_number()) {
    return malformed(std::string("token claim ") + name + " is a JSON " + claim->type_name() +
                     ", not a NumericDate number");
  }
  // Reading as double cannot overflow: a huge unsigned or signed integer becomes a large double
  // that fails the range check below.
  const double seconds = claim->get<double>();
  if (!std::isfinite(seconds) || seconds < 0 || seconds > static_cast<double>(kMaxNumericDate)) {
    return malformed(std::string("token claim ") + name +
                     " is outside the NumericDate range 0 to " + std::to_string(kMaxNumericDate));
  }
  return std::optional<double>(seconds);
}

Status check_claims(const nlohmann::json& claims, const ClaimPolicy& policy,
                    std::chrono::system_clock::time_point now) {
  for (const char* name : {"iss", "sub"}) {
    if (Status type = check_string_claim(claims, name); !type.ok()) return type;
  }
  if (Status type = check_audience_type(claims); !type.ok()) return type;
  if (Status times = check_times(claims, policy, seconds_since_epoch(now)); !times.ok()) {
    return times;
  }

  if (!policy.issuer.empty()) {
    const auto iss = claims.find("iss");
    if (iss == claims.end()) {
      return mismatch("token has no iss claim; expected \"" + policy.issuer + "\"");
    }
    if (iss->get_ref<const std::string&>() != policy.issuer) {
      return mismatch("token iss " + quote_token_value(iss->get_ref<const std::string&>()) +
                      " is not the expected issuer \"" + policy.issuer + "\"");
    }
  }
  if (!policy.audiences.empty()) {
    const auto aud = claims.find("aud");
    if (aud == claims.end()) return mismatch("token has no aud claim");
    if (!audience_accepted(*aud, policy.audiences)) {
      std::string accepted;
      for (const std::string& audience : policy.audiences) {
        accepted += (accepted.empty() ? "\"" : ", \"") + audience + "\"";
      }
      return mismatch("token aud does not contain an accepted audience: " + accepted);
    }
  }
  for (const std::string& name : policy.required_claims) {
    if (!claims.contains(name)) {
      return mismatch("token lacks the required claim \"" + name + "\"");
    }
  }
  return Status();
}

double seconds_since_epoch(std::chrono::system_clock::time_point time) {
  return std::chrono::duration<double>(time.time_since_epoch()).count();
}

std::chrono::system_clock::time_point time_point_from_seconds(double seconds) {
  using TimePoint = std::chrono::system_clock::time_point;
  // One second of margin, because the limit itself rounds up when converted to double.
  const double limit =
      std::chrono::duration<double>(TimePoint::max().time_since_epoch()).count() - 1.0;
  if (seconds >= limit) return TimePoint::max();
  if (seconds <= -limit) return TimePoint::min();
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace outbound::jwt
