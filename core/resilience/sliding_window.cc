#include "resilience/sliding_window.h"

#include <algorithm>

namespace outbound::resilience {
namespace {

/// Returns `value` modulo `divisor`, in [0, divisor) also for a negative value.
std::int64_t floor_mod(std::int64_t value, std::int64_t divisor) {
  const std::int64_t rest = value % divisor;
  return rest < 0 ? rest + divisor : rest;
}

void subtract(WindowTotals& from, const WindowTotals& part) {
  from.calls -= part.calls;
  from.failures -= part.failures;
  from.slow_calls -= part.slow_calls;
}

void count(WindowTotals& totals, bool failure, bool slow) {
  ++totals.calls;
  if (failure) ++totals.failures;
  if (slow) ++totals.slow_calls;
}

}  // namespace

double percent_of(std::int64_t part, std::int64_t calls) {
  if (calls <= 0) return 0;
  return 100.0 * static_cast<double>(part) / static_cast<double>(calls);
}

CountWindow::CountWindow(int size)
    : outcomes_(static_cast<std::size_t>(std::clamp(size, 1, kMaxSize)), 0) {}

void CountWindow::add(bool failure, bool slow) {
  std::uint8_t& slot = outcomes_[next_];
  if ((slot & kRecorded) != 0) {
    --totals_.calls;
    if ((slot & kFailure) != 0) --totals_.failures;
    if ((slot & kSlow) != 0) --totals_.slow_calls;
  }
  slot = static_cast<std::uint8_t>(kRecorded | (failure ? kFailure : 0) | (slow ? kSlow : 0));
  count(totals_, failure, slow);
  next_ = next_ + 1 == outcomes_.size() ? 0 : next_ + 1;
}

void CountWindow::clear() {
  std::fill(outcomes_.begin(), outcomes_.end(), std::uint8_t{0});
  next_ = 0;
  totals_ = {};
}

TimeWindow::TimeWindow(int size_seconds) {
  const std::int64_t size = std::max(size_seconds, 1);
  bucket_seconds_ = (size + kMaxBuckets - 1) / kMaxBuckets;
  buckets_.resize(static_cast<std::size_t>((size + bucket_seconds_ - 1) / bucket_seconds_));
}

std::size_t TimeWindow::advance(std::chrono::steady_clock::time_point now) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count();
  // Floor division, so that bucket boundaries are whole multiples also before the epoch. The
  // divisions are skipped where they can be, because a breaker advances the window twice per
  // call and most calls land in the newest bucket.
  const std::int64_t index =
      bucket_seconds_ == 1
          ? seconds
          : seconds / bucket_seconds_ -
                (seconds % bucket_seconds_ < 0 ? std::int64_t{1} : std::int64_t{0});
  if (!empty_ && index == newest_) return newest_slot_;
  const auto bucket_count = static_cast<std::int64_t>(buckets_.size());
  if (empty_) {
    newest_ = index;
    empty_ = false;
  } else if (index > newest_) {
    if (index - newest_ >= bucket_count) {
      clear();
      newest_ = index;
      empty_ = false;
    } else {
      // Every bucket between the newest and `index` has passed out of the window.
      for (std::int64_t passed = newest_ + 1; passed <= index; ++passed) {
        WindowTotals& bucket = buckets_[static_cast<std::size_t>(floor_mod(passed, bucket_count))];
        subtract(totals_, bucket);
        bucket = {};
      }
      newest_ = index;
    }
  }
  newest_slot_ = static_cast<std::size_t>(floor_mod(newest_, bucket_count));
  return newest_slot_;
}

void TimeWindow::add(std::chrono::steady_clock::time_point now, bool failure, bool slow) {
  count(buckets_[advance(now)], failure, slow);
  count(totals_, failure, slow);
}

const WindowTotals& TimeWindow::totals(std::chrono::steady_clock::time_point now) {
  advance(now);
  return totals_;
}

void TimeWindow::clear() {
  std::fill(buckets_.begin(), buckets_.end(), WindowTotals{});
  totals_ = {};
  empty_ = true;
}

SlidingWindow::SlidingWindow(const config::WindowPolicy& policy)
    : type_(policy.type),
      count_(policy.type == config::WindowPolicy::Type::kCount ? policy.size : 1),
      time_(policy.type == config::WindowPolicy::Type::kTime ? policy.size : 1) {}

void SlidingWindow::add(std::chrono::steady_clock::time_point now, bool failure, bool slow) {
  if (type_ == config::WindowPolicy::Type::kCount) {
    count_.add(failure, slow);
  } else {
    time_.add(now, failure, slow);
  }
}

WindowTotals SlidingWindow::totals(std::chrono::steady_clock::time_point now) {
  if (type_ == config::WindowPolicy::Type::kCount) return count_.totals();
  return time_.totals(now);
}

void SlidingWindow::clear() {
  count_.clear();
  time_.clear();
}

}  // namespace outbound::resilience
