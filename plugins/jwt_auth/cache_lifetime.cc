#include "jwt_auth/cache_lifetime.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace outbound::jwt {
namespace {

// RFC 9111 (HTTP Caching) reads a delta-seconds value too large to represent as 2^31.
constexpr std::int64_t kMaxDeltaSeconds = std::int64_t{1} << 31;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// Parses delta-seconds, which RFC 9111 defines as one or more digits and nothing else. A quoted
// value is accepted too, because RFC 9111 expects recipients of max-age to accept both forms.
std::optional<std::int64_t> parse_delta_seconds(std::string_view text) {
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
    text = text.substr(1, text.size() - 2);
  }
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
    value = std::min(kMaxDeltaSeconds, value * 10 + (c - '0'));
  }
  return value;
}

// The Cache-Control directives that decide a private cache's lifetime.
struct Directives {
  bool no_store = false;
  bool no_cache = false;
  std::vector<std::int64_t> max_ages;
  bool invalid_max_age = false;
};

void read_directives(std::string_view field, Directives& directives) {
  while (!field.empty()) {
    const std::size_t comma = field.find(',');
    const std::string_view directive = trim(field.substr(0, comma));
    field = comma == std::string_view::npos ? std::string_view() : field.substr(comma + 1);

    const std::size_t equals = directive.find('=');
    const std::string_view name = trim(directive.substr(0, equals));
    if (equals_ignoring_case(name, "no-store")) {
      directives.no_store = true;
    } else if (equals_ignoring_case(name, "no-cache")) {
      directives.no_cache = true;
    } else if (equals_ignoring_case(name, "max-age")) {
      const std::optional<std::int64_t> seconds =
          equals == std::string_view::npos
              ? std::nullopt
              : parse_delta_seconds(trim(directive.substr(equals + 1)));
      if (seconds) {
        directives.max_ages.push_back(*seconds);
      } else {
        directives.invalid_max_age = true;
      }
    }
  }
}

}  // namespace

CacheLifetime cache_lifetime(const HttpHeaders& headers, const CacheLimits& limits) {
  Directives directives;
  std::optional<std::int64_t> age;
  for (const auto& [name, value] : headers) {
    if (equals_ignoring_case(name, "Cache-Control")) read_directives(value, directives);
    if (equals_ignoring_case(name, "Age") && !age) age = parse_delta_seconds(trim(value));
  }

  if (directives.no_store || directives.no_cache) {
    return {limits.minimum, directives.no_store ? "no-store" : "no-cache"};
  }
  const bool one_max_age =
      !directives.max_ages.empty() && !directives.invalid_max_age &&
      std::all_of(directives.max_ages.begin(), directives.max_ages.end(),
                  [&](std::int64_t value) { return value == directives.max_ages.front(); });
  if (!one_max_age) return {limits.fallback, "jwks_cache_s"};

  const std::int64_t max_age = directives.max_ages.front();
  std::string source = "max-age=" + std::to_string(max_age);
  std::int64_t fresh = max_age;
  if (age && *age > 0) {
    fresh = std::max<std::int64_t>(0, max_age - *age);
    source += " minus Age " + std::to_string(*age);
  }
  const std::int64_t clamped =
      std::clamp<std::int64_t>(fresh, limits.minimum.count(), limits.maximum.count());
  if (clamped != fresh) source += " clamped to " + std::to_string(clamped);
  return {std::chrono::seconds(clamped), std::move(source)};
}

}  // namespace outbound::jwt
