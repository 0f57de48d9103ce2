#pragma once

#include <chrono>

#include "outbound/clock.h"

namespace outbound::resilience {

/// Deadline is a point in the steady time of an outbound::Clock by which a call must end.
/// It is a value: copy it into every step of a call, and take the earliest of two.
class Deadline {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  /// Returns a deadline at `time`.
  static Deadline at(TimePoint time) { return Deadline(time); }

  /// Returns the deadline `timeout` after the clock's steady now. A timeout of zero or less
  /// gives a deadline that has already passed, and one beyond the end of the clock's range
  /// gives never().
  static Deadline after(const Clock& clock, std::chrono::nanoseconds timeout) {
    const TimePoint now = clock.steady_now();
    if (timeout <= std::chrono::nanoseconds::zero()) return Deadline(now);
    // With a negative reading the sum cannot overflow, and max() - now would.
    if (now.time_since_epoch().count() >= 0 && timeout > TimePoint::max() - now) return never();
    return Deadline(now + timeout);
  }

  /// Returns a deadline that never passes.
  static Deadline never() { return Deadline(TimePoint::max()); }

  TimePoint time() const { return time_; }

  /// Returns the time left until the deadline, or zero once it has passed.
  std::chrono::nanoseconds remaining(const Clock& clock) const {
    const TimePoint now = clock.steady_now();
    if (now >= time_) return std::chrono::nanoseconds::zero();
    return time_ - now;
  }

  /// Returns whether the deadline has passed: the clock's steady now is at or after it.
  bool expired(const Clock& clock) const { return clock.steady_now() >= time_; }

  friend bool operator==(Deadline a, Deadline b) { return a.time_ == b.time_; }
  friend bool operator!=(Deadline a, Deadline b) { return a.time_ != b.time_; }
  friend bool operator<(Deadline a, Deadline b) { return a.time_ < b.time_; }

 private:
  explicit Deadline(TimePoint time) : time_(time) {}

  TimePoint time_;
};

/// Returns the earlier of two deadlines.
inline Deadline earliest(Deadline a, Deadline b) { return b < a ? b : a; }

}  // namespace outbound::resilience
