#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbound/export.h"

namespace outbound {

/// MetricAttributes are the low-cardinality labels of one measurement. Never put ids,
/// addresses of people, tokens or URLs with query strings into them.
using MetricAttributes = std::vector<std::pair<std::string, std::string>>;

/// MetricsSink receives a plugin's own measurements. Names follow OpenTelemetry's
/// conventions: dotted lower case, units in the instrument, not the name
/// ("outbound.jwt.verifications", "smtp.client.send.duration" in seconds).
///
/// Thread safety: methods may be called from several threads at once.
class OUTBOUND_SDK_API MetricsSink {
 public:
  virtual ~MetricsSink();

  /// Adds `value` (non-negative) to the counter `name`.
  virtual void add(std::string_view name, double value, const MetricAttributes& attributes) = 0;

  /// Records `value` into the histogram `name`; durations are in seconds.
  virtual void record(std::string_view name, double value, const MetricAttributes& attributes) = 0;
};

}  // namespace outbound
