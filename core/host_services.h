#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "logging/masker.h"
#include "outbound/metrics.h"
#include "outbound/plugin_context.h"

namespace outbound {

/// Returns a random UUID version 4 from OpenSSL's CSPRNG, in the 8-4-4-4-12 form.
std::string new_uuid_v4();

/// MaskerSecretRegistry lets plugins add their derived credentials to the log masking.
class MaskerSecretRegistry final : public SecretRegistry {
 public:
  explicit MaskerSecretRegistry(std::shared_ptr<logging::Masker> masker)
      : masker_(std::move(masker)) {}

  void add(const Secret& secret) override { masker_->add(secret.expose()); }

 private:
  std::shared_ptr<logging::Masker> masker_;
};

/// CounterRegistry keeps the counters and histogram sums plugins report, by name and
/// attributes, so that they can be read back in tests and dumped by an operator.
class CounterRegistry final : public MetricsSink {
 public:
  void add(std::string_view name, double value, const MetricAttributes& attributes) override;
  void record(std::string_view name, double value, const MetricAttributes& attributes) override;

  /// Returns the counter's value (or the histogram's count) for exactly these attributes.
  double value(std::string_view name, const MetricAttributes& attributes = {}) const;

 private:
  static std::string key(std::string_view name, const MetricAttributes& attributes);

  mutable std::mutex mutex_;
  std::map<std::string, double> counters_;
  std::map<std::string, std::pair<double, double>> histograms_;  // count, sum
};

}  // namespace outbound
