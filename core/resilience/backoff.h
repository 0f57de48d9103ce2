#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "config/config.h"

namespace outbound::resilience {

/// RandomSource produces the random bits that jitter draws from; tests inject a seeded one.
/// An instance is used by one thread at a time.
class RandomSource {
 public:
  virtual ~RandomSource() = default;

  /// Returns 64 uniformly distributed random bits.
  virtual std::uint64_t next() = 0;
};

/// SplitMix64Random is the SplitMix64 generator: fast, 8 bytes of state, and the same
/// sequence for the same seed. Not for secrets.
class SplitMix64Random final : public RandomSource {
 public:
  explicit SplitMix64Random(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() override;

 private:
  std::uint64_t state_;
};

/// Returns the calling thread's random source: a SplitMix64Random seeded from
/// std::random_device the first time the thread calls it. Jitter only has to keep clients
/// from retrying in step, so it needs no cryptographic generator.
RandomSource& thread_random();

/// Returns a number drawn uniformly from [0, bound]. The draw reduces 64 random bits modulo
/// bound + 1, so its bias is below (bound + 1) / 2^64.
std::uint64_t uniform_up_to(RandomSource& random, std::uint64_t bound);

/// Returns the cap of the delay before retry `retry_number` (1 for the first retry):
///
///   cap = min(max_backoff, initial_backoff * 2^(retry_number - 1))
///
/// computed without overflow for any retry_number; a retry_number below 1 counts as 1.
std::chrono::milliseconds backoff_cap(const config::RetryPolicy& policy, int retry_number);

/// Returns the delay before retry `retry_number` (1 for the first retry), exponential with
/// the policy's jitter, in whole milliseconds:
///
///   full jitter:   uniform in [0, cap]
///   equal jitter:  cap / 2 + uniform in [0, cap - cap / 2]   (cap / 2 rounds down)
///   no jitter:     cap
///
/// where cap is backoff_cap(policy, retry_number). The result is never above cap.
std::chrono::milliseconds backoff_delay(const config::RetryPolicy& policy, int retry_number,
                                        RandomSource& random);

/// The longest Retry-After delay next_delay() returns. A provider asking for longer is
/// treated as asking for this long, which is already past most clients' total deadline, so
/// such a caller gives up instead of retrying.
inline constexpr std::chrono::milliseconds kMaxRetryAfter = std::chrono::minutes(5);

/// Returns how long to wait before retry `retry_number`. When the provider sent `retry_after`
/// (an HTTP Retry-After, Status::retry_after()), that delay clamped to [0, kMaxRetryAfter]
/// replaces the computed backoff. Otherwise the delay is backoff_delay(). A caller must still
/// give up when the delay does not fit before its deadline.
std::chrono::milliseconds next_delay(const config::RetryPolicy& policy, int retry_number,
                                     std::optional<std::chrono::milliseconds> retry_after,
                                     RandomSource& random);

}  // namespace outbound::resilience
