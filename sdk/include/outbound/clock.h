#pragma once

#include <chrono>

#include "outbound/export.h"

namespace outbound {

/// Clock is the host's source of time, injected into plugins so that tests can fix it.
/// Wall time (now) is for token claims and webhook timestamps; steady time is for deadlines
/// and backoff, which must not move when the wall clock is adjusted.
///
/// Implementations are safe to call from any thread.
class OUTBOUND_SDK_API Clock {
 public:
  virtual ~Clock();

  /// Returns the current wall-clock time.
  virtual std::chrono::system_clock::time_point now() const = 0;

  /// Returns the current monotonic time.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;

  /// Returns the process-wide clock backed by std::chrono's system and steady clocks.
  static const Clock& system();
};

}  // namespace outbound
