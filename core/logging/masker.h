#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

namespace outbound::logging {

/// Masker replaces credentials in log text with `[REDACTED]`. It hides two kinds of them:
///
/// - registered values: every secret the host loaded, together with the forms it takes on the
///   wire and in logs. These are standard and URL-safe base64 with and without padding,
///   percent-encoding with upper and lower hex digits, and JSON escaping. They also include the
///   stable middle part of the value's base64 when the value sits at byte offset 0, 1 or 2 of a
///   longer base64 run, as in SMTP AUTH PLAIN, which encodes "\0user\0password";
/// - shapes, whatever their value:
///   - the value of an `Authorization` or `Proxy-Authorization` header up to the end of the
///     line, keeping the header name and the scheme word (`Authorization: Bearer [REDACTED]`);
///   - the token after `Bearer`, and the credentials after `Basic` when they decode to
///     "user:password" as RFC 7617 defines them;
///   - JWT-shaped strings: `eyJ...` `.` `eyJ...` `.` and an optional signature, all base64url;
///   - PEM private key blocks from `-----BEGIN ... PRIVATE KEY-----` through the matching END
///     line, or to the end of the text when the END line is missing;
///   - Stripe-style secret keys (`sk_live_`, `sk_test_`, `rk_live_`, `rk_test_`, `whsec_`
///     followed by letters and digits). The prefix stays visible so a reader can tell test keys
///     from live ones;
///   - the password of a URL's userinfo (`https://user:[REDACTED]@host`).
///
/// mask() works on the original text, collects every span to hide and replaces each run of
/// overlapping or adjacent spans once, so overlapping secrets and a secret inside another are
/// hidden completely. It makes one pass over the text and, at each byte, looks up the byte and
/// the next one in a table of the first two bytes of every needle and shape marker. Text without
/// such a pair is copied as it is.
///
/// Thread safety: add() and mask() may be called concurrently.
class Masker {
 public:
  /// Values shorter than this are not registered: masking every "abc" in a log would hide
  /// more than it protects. The config loader warns about such secrets.
  static constexpr std::size_t kMinSecretLength = 4;

  /// The text that replaces every hidden span, equal to outbound::Secret::kRedacted.
  static constexpr std::string_view kRedacted = "[REDACTED]";

  Masker();

  /// Overwrites the registered needles before their memory is released.
  ~Masker();

  Masker(const Masker&) = delete;
  Masker& operator=(const Masker&) = delete;

  /// Registers `value` and its encoded forms. Returns false, and registers nothing, when the
  /// value is shorter than kMinSecretLength or occurs inside kRedacted (masking it would then
  /// rewrite the placeholder of every earlier match).
  bool add(std::string_view value);

  /// Returns `text` with every registered value and every credential shape replaced.
  std::string mask(std::string_view text) const;

  /// Returns the number of registered needles, which are the values and their encoded forms.
  std::size_t size() const;

 private:
  static constexpr std::size_t kPairCount = 1U << 16;

  mutable std::shared_mutex mutex_;
  /// Needles grouped by their first byte, each group sorted longest first, so that at one
  /// position a value is matched before any of its prefixes.
  std::array<std::vector<std::string>, 256> needles_;
  std::size_t needle_count_ = 0;
  /// Bit `(first << 8) | second` is set when a needle or a shape marker starts with those two
  /// bytes. mask() skips every other position after one lookup.
  std::bitset<kPairCount> start_pairs_;
};

}  // namespace outbound::logging
