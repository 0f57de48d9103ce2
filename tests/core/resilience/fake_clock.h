#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "outbound/clock.h"

namespace outbound::resilience::testing {

/// FakeClock is an outbound::Clock whose steady and wall times move only when a test sets or
/// advances them. Safe to read and move from several threads.
class FakeClock final : public Clock {
 public:
  /// Starts the steady time at 1000 s after its epoch, so that tests can step back a little,
  /// and the wall time at 2024-01-01T00:00:00Z.
  FakeClock()
      : steady_(std::int64_t{1000} * 1000000000), wall_(std::int64_t{1704067200} * 1000000000) {}

  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(wall_.load())));
  }

  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(steady_.load()));
  }

  /// Moves both times forward by `step`.
  void advance(std::chrono::nanoseconds step) {
    steady_ += step.count();
    wall_ += step.count();
  }

  void set_steady(std::chrono::steady_clock::time_point time) {
    steady_ = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  }

  void set_now(std::chrono::system_clock::time_point time) {
    wall_ = std::chrono::duration_cast<std::chrono::nanoseconds>(time.time_since_epoch()).count();
  }

 private:
  std::atomic<std::int64_t> steady_;
  std::atomic<std::int64_t> wall_;
};

}  // namespace outbound::resilience::testing
