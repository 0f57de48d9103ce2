#include "jwt_auth/claims.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "jwt_auth/json_text.h"
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

// ClaimReader picks the registered claims and the required claims out of the scanner's
// members of the payload object.
class ClaimReader final : public JsonMemberHandler {
 public:
  ClaimReader(const ClaimPolicy& policy, ClaimSet& claims) : policy_(policy), claims_(claims) {}

  void member(std::string_view name, const JsonValue& value) override {
    if (std::optional<JsonValue>* registered = registered_claim(name)) *registered = value;
    for (std::size_t i = 0; i < policy_.required_claims.size(); ++i) {
      if (policy_.required_claims[i] == name) claims_.set_required(i);
    }
  }

 private:
  std::optional<JsonValue>* registered_claim(std::string_view name) {
    // Every registered claim read here has a three-letter name.
    if (name.size() != 3) return nullptr;
    if (name == "exp") return &claims_.exp;
    if (name == "iat") return &claims_.iat;
    if (name == "iss") return &claims_.iss;
    if (name == "sub") return &claims_.sub;
    if (name == "aud") return &claims_.aud;
    if (name == "nbf") return &claims_.nbf;
    return nullptr;
  }

  const ClaimPolicy& policy_;
  ClaimSet& claims_;
};

Status check_string_claim(const std::optional<JsonValue>& claim, const char* name) {
  if (claim && claim->type != JsonType::kString) {
    return malformed(std::string("token claim ") + name + " is not a string");
  }
  return Status();
}

Status check_audience_type(const std::optional<JsonValue>& aud) {
  if (!aud || aud->type == JsonType::kString) return Status();
  if (aud->type == JsonType::kArray) {
    JsonArrayReader entries(aud->text);
    JsonValue entry;
    while (entries.next(entry)) {
      if (entry.type != JsonType::kString) {
        return malformed("token claim aud lists a value that is not a string");
      }
    }
    return Status();
  }
  return malformed("token claim aud is neither a string nor an array of strings");
}

bool audience_accepted(const JsonValue& aud, const std::vector<std::string>& accepted) {
  std::string storage;
  const auto is_accepted = [&](const JsonValue& value) {
    const std::string_view text = json_string_content(value.text, storage);
    for (const std::string& audience : accepted) {
      if (text == audience) return true;
    }
    return false;
  };
  if (aud.type == JsonType::kString) return is_accepted(aud);
  JsonArrayReader entries(aud.text);
  JsonValue entry;
  while (entries.next(entry)) {
    if (is_accepted(entry)) return true;
  }
  return false;
}

Status check_times(const ClaimSet& claims, const ClaimPolicy& policy, double now) {
  std::optional<double> exp;
  if (Status read = read_numeric_date(claims.exp, "exp", exp); !read.ok()) return read;
  std::optional<double> nbf;
  if (Status read = read_numeric_date(claims.nbf, "nbf", nbf); !read.ok()) return read;
  std::optional<double> iat;
  if (Status read = read_numeric_date(claims.iat, "iat", iat); !read.ok()) return read;

  const auto leeway = static_cast<double>(policy.leeway_s);
  // The text is built only for a rejection, because formatting costs more than the checks.
  const auto at_now = [&] {
    return " (now " + format_seconds(now) + ", leeway " + std::to_string(policy.leeway_s) + " s)";
  };
  if (!exp) {
    if (policy.require_exp) {
      return mismatch("token has no exp claim, and require_exp is on; the issuer must set exp");
    }
  } else if (now >= *exp + leeway) {
    return token_rejected(auth_reason::kExpired,
                          "token expired at exp " + format_seconds(*exp) + at_now());
  }
  if (nbf && now < *nbf - leeway) {
    return token_rejected(auth_reason::kNotYetValid,
                          "token is not valid before nbf " + format_seconds(*nbf) + at_now());
  }
  if (iat && now < *iat - leeway) {
    return token_rejected(
        auth_reason::kNotYetValid,
        "token claims to be issued in the future, at iat " + format_seconds(*iat) + at_now());
  }
  return Status();
}

Status out_of_range(const char* name) {
  return malformed(std::string("token claim ") + name + " is outside the NumericDate range 0 to " +
                   std::to_string(kMaxNumericDate));
}

bool in_numeric_date_range(double seconds) {
  return std::isfinite(seconds) && seconds >= 0 && seconds <= static_cast<double>(kMaxNumericDate);
}

}  // namespace

bool ClaimSet::has_required(std::size_t index) const {
  if (index < 64) return (required_flags_ >> index & 1) != 0;
  return index - 64 < more_required_flags_.size() && more_required_flags_[index - 64];
}

void ClaimSet::set_required(std::size_t index) {
  if (index < 64) {
    required_flags_ |= std::uint64_t{1} << index;
    return;
  }
  if (more_required_flags_.size() <= index - 64) more_required_flags_.resize(index - 63);
  more_required_flags_[index - 64] = true;
}

Status parse_claims(std::string_view text, const ClaimPolicy& policy, ClaimSet& claims) {
  ClaimReader reader(policy, claims);
  return scan_json_object(text, &reader);
}

Status read_numeric_date(const std::optional<JsonValue>& claim, const char* name,
                         std::optional<double>& seconds) {
  seconds.reset();
  if (!claim) return Status();
  if (claim->type != JsonType::kNumber) {
    return malformed(std::string("token claim ") + name + " is a JSON " +
                     std::string(json_type_name(claim->type)) + ", not a NumericDate number");
  }
  const double value = json_number_value(claim->text);
  if (!in_numeric_date_range(value)) return out_of_range(name);
  seconds = value;
  return Status();
}

Result<std::optional<double>> read_numeric_date(const nlohmann::json& claims, const char* name) {
  const auto claim = claims.find(name);
  if (claim == claims.end()) return std::optional<double>();
  if (!claim->is_number()) {
    return malformed(std::string("token claim ") + name + " is a JSON " + claim->type_name() +
                     ", not a NumericDate number");
  }
  // Reading as double cannot overflow: a huge unsigned or signed integer becomes a large double
  // that fails the range check.
  const double seconds = claim->get<double>();
  if (!in_numeric_date_range(seconds)) return out_of_range(name);
  return std::optional<double>(seconds);
}

Status check_claims(const ClaimSet& claims, const ClaimPolicy& policy,
                    std::chrono::system_clock::time_point now) {
  if (Status type = check_string_claim(claims.iss, "iss"); !type.ok()) return type;
  if (Status type = check_string_claim(claims.sub, "sub"); !type.ok()) return type;
  if (Status type = check_audience_type(claims.aud); !type.ok()) return type;
  if (Status times = check_times(claims, policy, seconds_since_epoch(now)); !times.ok()) {
    return times;
  }

  if (!policy.issuer.empty()) {
    if (!claims.iss) return mismatch("token has no iss claim; expected \"" + policy.issuer + "\"");
    std::string storage;
    const std::string_view iss = json_string_content(claims.iss->text, storage);
    if (iss != policy.issuer) {
      return mismatch("token iss " + quote_token_value(iss) + " is not the expected issuer \"" +
                      policy.issuer + "\"");
    }
  }
  if (!policy.audiences.empty()) {
    if (!claims.aud) return mismatch("token has no aud claim");
    if (!audience_accepted(*claims.aud, policy.audiences)) {
      std::string accepted;
      for (const std::string& audience : policy.audiences) {
        accepted += (accepted.empty() ? "\"" : ", \"") + audience + "\"";
      }
      return mismatch("token aud does not contain an accepted audience: " + accepted);
    }
  }
  for (std::size_t i = 0; i < policy.required_claims.size(); ++i) {
    if (!claims.has_required(i)) {
      return mismatch("token lacks the required claim \"" + policy.required_claims[i] + "\"");
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
