#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/metrics.h"
#include "outbound/metrics_snapshot.h"
#include "outbound/status.h"

namespace outbound::metrics {

/// Returns the bucket bounds, in seconds, that histograms get unless set_buckets() chose
/// others: 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5 and 10, the
/// boundaries OpenTelemetry's semantic conventions advise for HTTP request durations.
const std::vector<double>& default_duration_buckets();

/// The attribute of the series that takes the measurements of new attribute sets once an
/// instrument has max_series_per_instrument series, as OpenTelemetry SDKs name it.
inline constexpr const char* kOverflowAttribute = "otel.metric.overflow";

struct RegistryOptions {
  /// Bucket bounds of every histogram without its own; strictly ascending and finite.
  std::vector<double> default_buckets = default_duration_buckets();
  /// Series one instrument may have. Past it, new attribute sets are counted in one series
  /// with the attribute otel.metric.overflow="true", so that a plugin putting ids into
  /// attributes cannot grow memory without bound. 2000 is OpenTelemetry SDKs' default.
  std::size_t max_series_per_instrument = 2000;
};

/// MetricsRegistry stores the measurements of the host, its pipelines, its transport and its
/// plugins: counters (MetricsSink::add) and histograms with explicit buckets
/// (MetricsSink::record). Series are keyed by name and attributes, whatever the attributes'
/// order. Non-finite values are dropped.
///
/// Thread safety: every member may be called from any thread. Recording into an existing
/// series takes a shared lock for the lookup and updates atomics, without allocating. Only the
/// first measurement of a new series takes the exclusive lock and allocates.
class MetricsRegistry final : public MetricsSink {
 public:
  explicit MetricsRegistry(RegistryOptions options = {});
  ~MetricsRegistry() override;

  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  /// Adds `value` to the counter series. A negative value makes the series an up-down counter.
  void add(std::string_view name, double value, const MetricAttributes& attributes) override;

  /// Records `value` into the histogram series.
  void record(std::string_view name, double value, const MetricAttributes& attributes) override;

  /// Sets the bucket bounds of histogram `name`. Fails with kInvalidArgument when `bounds` is
  /// empty, not strictly ascending or not finite, and with kFailedPrecondition when the
  /// histogram already has a series, because its buckets cannot change after that.
  Status set_buckets(std::string_view name, std::vector<double> bounds);

  /// Returns the counter's value, or the histogram's count, for exactly these attributes (in
  /// any order); 0 when the series does not exist.
  double value(std::string_view name, const MetricAttributes& attributes = {}) const;

  /// Returns a copy of every series. Gauges are left empty: the host adds the ones it reads
  /// from its clients.
  MetricsSnapshot snapshot() const;

  struct State;

 private:
  std::unique_ptr<State> state_;
};

}  // namespace outbound::metrics
