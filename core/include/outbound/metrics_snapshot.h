#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/metrics.h"

namespace outbound {

/// CounterPoint is one counter series: a name, its attributes sorted by attribute name, and
/// the sum of every amount added to it.
struct CounterPoint {
  std::string name;
  MetricAttributes attributes;
  double value = 0;
  /// False once a negative amount was added, which makes the series an up-down counter (open
  /// connections, say). Prometheus text exports such a counter as a gauge.
  bool monotonic = true;
};

/// GaugePoint is one gauge series: a value read when the snapshot was taken.
struct GaugePoint {
  std::string name;
  MetricAttributes attributes;
  double value = 0;
};

/// HistogramPoint is one histogram series with explicit bucket boundaries.
struct HistogramPoint {
  std::string name;
  MetricAttributes attributes;
  /// Upper bounds of the buckets, strictly ascending. A value v lands in the first bucket
  /// whose bound is >= v, or in the last bucket when v is above every bound.
  std::vector<double> bounds;
  /// Values per bucket, not cumulative: bounds.size() + 1 entries.
  std::vector<std::uint64_t> counts;
  /// The number of values recorded: the sum of `counts`.
  std::uint64_t count = 0;
  double sum = 0;
};

/// MetricsSnapshot is a copy of every metric at one moment, a plain value that can be kept,
/// compared in tests and rendered with to_prometheus_text().
///
/// Series built by the host's registry are sorted by name and then by attributes.
struct MetricsSnapshot {
  std::vector<CounterPoint> counters;
  std::vector<GaugePoint> gauges;
  std::vector<HistogramPoint> histograms;

  /// Returns the value of the counter or gauge series `name` with exactly `attributes`, or the
  /// count of that histogram series; 0 when there is no such series. Attribute order does not
  /// matter.
  double value(std::string_view name, const MetricAttributes& attributes = {}) const;

  /// Returns the sum of the values (for a histogram, of the counts) of every series `name`.
  double total(std::string_view name) const;

  /// Returns the histogram series `name` with exactly `attributes`, or null. The pointer
  /// points into this snapshot, so calling it on a temporary does not compile.
  const HistogramPoint* histogram(std::string_view name,
                                  const MetricAttributes& attributes = {}) const&;
  const HistogramPoint* histogram(std::string_view name,
                                  const MetricAttributes& attributes = {}) const&& = delete;
};

/// Renders `snapshot` in the Prometheus text exposition format (version 0.0.4).
///
/// Names and attribute names get every character outside [A-Za-z0-9_:] replaced by '_', so
/// "outbound.client.calls" becomes "outbound_client_calls". Durations, the instruments whose
/// name ends in "duration", are in seconds and get the unit suffix "_seconds". Monotonic
/// counters get "_total" and type counter; up-down counters and gauges have type gauge.
/// Histograms become the cumulative series _bucket (with label `le`, ending at "+Inf"), _sum
/// and _count. Families are sorted by their exported name, each with a # TYPE line and, for the
/// instruments the host and its transport record, a # HELP line.
std::string to_prometheus_text(const MetricsSnapshot& snapshot);

}  // namespace outbound
