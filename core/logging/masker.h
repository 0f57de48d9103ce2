#pragma once

#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace outbound::logging {

/// Masker replaces credentials in log text with `[REDACTED]`. It knows two kinds of them:
///
/// - registered values: every secret the host loaded, together with the forms it takes on the
///   wire and in logs (standard and URL-safe base64, including the stable middle part of the
///   value base64-encoded at the other two byte offsets, percent-encoding and JSON escaping);
/// - shapes, whatever their value: the value of an `Authorization` or `Proxy-Authorization`
///   header, the credential after `Bearer` or `Basic`, JWT-shaped strings (three base64url
///   segments, the first two starting with `eyJ`), PEM private key blocks, and Stripe-style
///   secret keys (`sk_live_`, `sk_test_`, `rk_...`, `whsec_...`).
///
/// Thread safety: add() and mask() may be called concurrently.
class Masker {
 public:
  /// Values shorter than this are not registered: masking every "abc" in a log would hide
  /// more than it protects. The config loader warns about such secrets.
  static constexpr std::size_t kMinSecretLength = 4;

  /// Registers `value` and its encoded forms. Returns false when the value is too short.
  bool add(std::string_view value);

  /// Returns `text` with every registered value and every credential shape replaced.
  std::string mask(std::string_view text) const;

  /// Number of registered needles (values and their encodings); for tests and metrics.
  std::size_t size() const;

 private:
  mutable std::shared_mutex mutex_;
  /// Sorted longest first, so that a value is replaced before any of its substrings.
  std::vector<std::string> needles_;
};

}  // namespace outbound::logging
