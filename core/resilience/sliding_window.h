#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "config/config.h"

namespace outbound::resilience {

/// WindowTotals are the outcomes a circuit breaker decides on. A slow call is counted in
/// `slow_calls` whether it succeeded or failed.
struct WindowTotals {
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::int64_t slow_calls = 0;
};

/// Returns `part` as a percentage of `calls`, or 0 when there are no calls.
double percent_of(std::int64_t part, std::int64_t calls);

/// CountWindow keeps the outcomes of the last `size` calls in a ring buffer of one byte per
/// call, so adding an outcome evicts the oldest once the window is full.
class CountWindow {
 public:
  /// The largest window kept; a larger size is clamped to it to bound memory per breaker.
  static constexpr int kMaxSize = 1 << 20;

  explicit CountWindow(int size);

  void add(bool failure, bool slow);
  void clear();
  const WindowTotals& totals() const { return totals_; }
  int size() const { return static_cast<int>(outcomes_.size()); }

 private:
  static constexpr std::uint8_t kFailure = 1;
  static constexpr std::uint8_t kSlow = 2;
  static constexpr std::uint8_t kRecorded = 4;

  std::vector<std::uint8_t> outcomes_;
  std::size_t next_ = 0;
  WindowTotals totals_;
};

/// TimeWindow keeps the outcomes of the last `size` seconds in one-second buckets. A call
/// leaves the window when its bucket does: between size - 1 and size seconds after it was
/// added, as the clock passes the bucket's end. Buckets are evicted as time moves forward;
/// a clock reading older than the newest bucket is counted in the newest bucket.
class TimeWindow {
 public:
  /// The largest number of buckets kept. A window of more seconds uses buckets of
  /// ceil(size / kMaxBuckets) seconds, so its calls leave up to that many seconds early.
  static constexpr int kMaxBuckets = 3600;

  explicit TimeWindow(int size_seconds);

  void add(std::chrono::steady_clock::time_point now, bool failure, bool slow);
  /// Returns the totals of the window as of `now`, evicting the buckets that have passed.
  const WindowTotals& totals(std::chrono::steady_clock::time_point now);
  void clear();

 private:
  /// Moves the window forward to `now` and returns the slot of the bucket that counts `now`.
  std::size_t advance(std::chrono::steady_clock::time_point now);

  std::vector<WindowTotals> buckets_;
  std::int64_t bucket_seconds_ = 1;
  /// The index, counted in buckets since the clock's epoch, of the newest bucket.
  std::int64_t newest_ = 0;
  /// The slot in buckets_ of the newest bucket.
  std::size_t newest_slot_ = 0;
  bool empty_ = true;
  WindowTotals totals_;
};

/// SlidingWindow is the window a circuit breaker policy names: a CountWindow or a TimeWindow.
class SlidingWindow {
 public:
  explicit SlidingWindow(const config::WindowPolicy& policy);

  void add(std::chrono::steady_clock::time_point now, bool failure, bool slow);
  WindowTotals totals(std::chrono::steady_clock::time_point now);
  void clear();

 private:
  config::WindowPolicy::Type type_;
  CountWindow count_;
  TimeWindow time_;
};

}  // namespace outbound::resilience
