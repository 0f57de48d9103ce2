#include "resilience/backoff.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <functional>
#include <random>
#include <thread>

namespace outbound::resilience {
namespace {

/// Returns a seed from std::random_device, or, when the device is unavailable, one mixed from
/// the time and the thread id, which still differs between threads and processes.
std::uint64_t fresh_seed() {
  try {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  } catch (const std::exception&) {
    const auto time = static_cast<std::uint64_t>(
        std::chrono::high_resolution_clock::now().time_since_epoch().count());
    return time ^ std::hash<std::thread::id>{}(std::this_thread::get_id());
  }
}

}  // namespace

std::uint64_t SplitMix64Random::next() {
  // SplitMix64: a Weyl sequence with the golden-ratio increment, then an output mix.
  state_ += 0x9e3779b97f4a7c15ULL;
  std::uint64_t mixed = state_;
  mixed = (mixed ^ (mixed >> 30)) * 0xbf58476d1ce4e5b9ULL;
  mixed = (mixed ^ (mixed >> 27)) * 0x94d049bb133111ebULL;
  return mixed ^ (mixed >> 31);
}

RandomSource& thread_random() {
  thread_local SplitMix64Random random(fresh_seed());
  return random;
}

std::uint64_t uniform_up_to(RandomSource& random, std::uint64_t bound) {
  const std::uint64_t bits = random.next();
  if (bound == UINT64_MAX) return bits;
  return bits % (bound + 1);
}

std::chrono::milliseconds backoff_cap(const config::RetryPolicy& policy, int retry_number) {
  const std::int64_t initial = std::max<std::int64_t>(policy.initial_backoff.count(), 0);
  const std::int64_t max = std::max<std::int64_t>(policy.max_backoff.count(), 0);
  const int shift = std::max(retry_number, 1) - 1;
  // initial << shift <= max exactly when initial <= max >> shift; beyond 62 bits any
  // positive initial is above max.
  if (initial == 0) return std::chrono::milliseconds(0);
  if (shift > 62 || initial > (max >> shift)) return std::chrono::milliseconds(max);
  return std::chrono::milliseconds(initial << shift);
}

std::chrono::milliseconds backoff_delay(const config::RetryPolicy& policy, int retry_number,
                                        RandomSource& random) {
  const auto cap = static_cast<std::uint64_t>(backoff_cap(policy, retry_number).count());
  switch (policy.jitter) {
    case config::Jitter::kFull:
      return std::chrono::milliseconds(uniform_up_to(random, cap));
    case config::Jitter::kEqual: {
      const std::uint64_t half = cap / 2;
      return std::chrono::milliseconds(half + uniform_up_to(random, cap - half));
    }
    case config::Jitter::kNone:
      break;
  }
  return std::chrono::milliseconds(cap);
}

std::chrono::milliseconds next_delay(const config::RetryPolicy& policy, int retry_number,
                                     std::optional<std::chrono::milliseconds> retry_after,
                                     RandomSource& random) {
  if (retry_after) {
    return std::clamp(*retry_after, std::chrono::milliseconds::zero(), kMaxRetryAfter);
  }
  return backoff_delay(policy, retry_number, random);
}

}  // namespace outbound::resilience
