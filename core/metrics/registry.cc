#include "metrics/registry.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <type_traits>
#include <utility>

namespace outbound::metrics {
namespace {

using Attribute = std::pair<std::string, std::string>;

/// SortedView orders a caller's attributes by name without copying them, so that looking up
/// an existing series allocates nothing for up to kInline attributes.
class SortedView {
 public:
  explicit SortedView(const MetricAttributes& attributes) : size_(attributes.size()) {
    const Attribute** slots = inline_.data();
    if (size_ > inline_.size()) {
      heap_.resize(size_);
      slots = heap_.data();
    }
    for (std::size_t i = 0; i < size_; ++i) slots[i] = &attributes[i];
    std::sort(slots, slots + size_, [](const Attribute* a, const Attribute* b) { return *a < *b; });
    data_ = slots;
  }
  SortedView(const SortedView&) = delete;
  SortedView& operator=(const SortedView&) = delete;

  std::size_t size() const { return size_; }
  const Attribute& operator[](std::size_t i) const { return *data_[i]; }

  MetricAttributes copy() const {
    MetricAttributes sorted;
    sorted.reserve(size_);
    for (std::size_t i = 0; i < size_; ++i) sorted.push_back(*data_[i]);
    return sorted;
  }

 private:
  static constexpr std::size_t kInline = 8;
  std::size_t size_;
  std::array<const Attribute*, kInline> inline_{};
  std::vector<const Attribute*> heap_;
  const Attribute* const* data_ = nullptr;
};

/// Compares sorted attribute lists with each other and with a SortedView, lexicographically.
struct AttributesLess {
  using is_transparent = void;

  bool operator()(const MetricAttributes& a, const MetricAttributes& b) const { return a < b; }
  bool operator()(const MetricAttributes& a, const SortedView& b) const {
    return compare(a, b) < 0;
  }
  bool operator()(const SortedView& a, const MetricAttributes& b) const {
    return compare(b, a) > 0;
  }

  static int compare(const MetricAttributes& a, const SortedView& b) {
    const std::size_t common = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < common; ++i) {
      if (a[i] < b[i]) return -1;
      if (b[i] < a[i]) return 1;
    }
    if (a.size() == b.size()) return 0;
    return a.size() < b.size() ? -1 : 1;
  }
};

void add_relaxed(std::atomic<double>& target, double delta) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

const MetricAttributes& overflow_attributes() {
  static const MetricAttributes attributes = {{kOverflowAttribute, "true"}};
  return attributes;
}

Status check_bounds(const std::vector<double>& bounds) {
  if (bounds.empty()) return Status::invalid_argument("histogram bucket bounds are empty");
  for (std::size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i])) {
      return Status::invalid_argument("histogram bucket bound " + std::to_string(i) +
                                      " is not finite");
    }
    if (i > 0 && bounds[i] <= bounds[i - 1]) {
      return Status::invalid_argument("histogram bucket bounds are not strictly ascending at " +
                                      std::to_string(i));
    }
  }
  return Status();
}

}  // namespace

const std::vector<double>& default_duration_buckets() {
  static const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25,
                                             0.5,   0.75, 1,     2.5,  5,     7.5, 10};
  return bounds;
}

struct CounterSeries {
  std::atomic<double> value{0};
  std::atomic<bool> monotonic{true};
};

struct HistogramSeries {
  explicit HistogramSeries(std::size_t buckets) : counts(buckets) {
    // std::atomic's default constructor leaves the value uninitialised before C++20.
    for (auto& count : counts) count.store(0, std::memory_order_relaxed);
  }

  /// Values per bucket.
  std::vector<std::atomic<std::uint64_t>> counts;
  std::atomic<double> sum{0};
};

/// One instrument: its series by sorted attributes. Map nodes never move, so a reference to
/// a series stays valid after the lock is released.
template <typename Series>
struct Instrument {
  std::map<MetricAttributes, Series, AttributesLess> series;
  /// Histograms only: the bucket bounds every series of the instrument shares.
  std::vector<double> bounds;
};

struct MetricsRegistry::State {
  explicit State(RegistryOptions registry_options) : options(std::move(registry_options)) {}

  /// Returns the series and its instrument, creating the series (or using the overflow
  /// series) when it is new.
  template <typename Series>
  std::pair<Series*, const Instrument<Series>*> series(
      std::map<std::string, Instrument<Series>, std::less<>>& instruments, std::string_view name,
      const MetricAttributes& attributes) {
    const SortedView view(attributes);
    {
      std::shared_lock lock(mutex);
      auto instrument = instruments.find(name);
      if (instrument != instruments.end()) {
        auto found = instrument->second.series.find(view);
        if (found != instrument->second.series.end()) {
          return {&found->second, &instrument->second};
        }
      }
    }
    std::unique_lock lock(mutex);
    auto instrument = instruments.find(name);
    if (instrument == instruments.end()) {
      instrument = instruments.emplace(std::string(name), Instrument<Series>{}).first;
      instrument->second.bounds = bounds_for(name);
    }
    auto& all = instrument->second.series;
    if (auto found = all.find(view); found != all.end()) {
      return {&found->second, &instrument->second};
    }
    // NOTE: past the limit, every measurement with a new attribute set takes this exclusive
    // path, because the lookup above cannot find its series.
    MetricAttributes key =
        all.size() < options.max_series_per_instrument ? view.copy() : overflow_attributes();
    Series* created = nullptr;
    if constexpr (std::is_same_v<Series, HistogramSeries>) {
      created =
          &all.try_emplace(std::move(key), instrument->second.bounds.size() + 1).first->second;
    } else {
      created = &all.try_emplace(std::move(key)).first->second;
    }
    return {created, &instrument->second};
  }

  std::vector<double> bounds_for(std::string_view name) const {
    auto found = bucket_overrides.find(name);
    return found != bucket_overrides.end() ? found->second : options.default_buckets;
  }

  const RegistryOptions options;
  mutable std::shared_mutex mutex;
  std::map<std::string, Instrument<CounterSeries>, std::less<>> counters;
  std::map<std::string, Instrument<HistogramSeries>, std::less<>> histograms;
  std::map<std::string, std::vector<double>, std::less<>> bucket_overrides;
};

MetricsRegistry::MetricsRegistry(RegistryOptions options)
    : state_(std::make_unique<State>(std::move(options))) {}

MetricsRegistry::~MetricsRegistry() = default;

void MetricsRegistry::add(std::string_view name, double value, const MetricAttributes& attributes) {
  if (!std::isfinite(value)) return;
  CounterSeries& series = *state_->series(state_->counters, name, attributes).first;
  if (value < 0) series.monotonic.store(false, std::memory_order_relaxed);
  add_relaxed(series.value, value);
}

void MetricsRegistry::record(std::string_view name, double value,
                             const MetricAttributes& attributes) {
  if (!std::isfinite(value)) return;
  auto [series, instrument] = state_->series(state_->histograms, name, attributes);
  // The bounds never change once the instrument has a series, so they are read unlocked.
  const std::vector<double>& bounds = instrument->bounds;
  const auto bucket = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  series->counts[static_cast<std::size_t>(bucket)].fetch_add(1, std::memory_order_relaxed);
  add_relaxed(series->sum, value);
}

Status MetricsRegistry::set_buckets(std::string_view name, std::vector<double> bounds) {
  if (Status valid = check_bounds(bounds); !valid.ok()) {
    return Status::invalid_argument(std::string(name) + ": " + valid.message() +
                                    "; give finite bounds in ascending order");
  }
  std::unique_lock lock(state_->mutex);
  auto existing = state_->histograms.find(name);
  if (existing != state_->histograms.end() && !existing->second.series.empty()) {
    return Status::failed_precondition(std::string(name) +
                                       " already has series; set its buckets before the "
                                       "first value is recorded");
  }
  if (existing != state_->histograms.end()) existing->second.bounds = bounds;
  state_->bucket_overrides[std::string(name)] = std::move(bounds);
  return Status();
}

double MetricsRegistry::value(std::string_view name, const MetricAttributes& attributes) const {
  const SortedView view(attributes);
  std::shared_lock lock(state_->mutex);
  if (auto counter = state_->counters.find(name); counter != state_->counters.end()) {
    auto found = counter->second.series.find(view);
    if (found != counter->second.series.end()) {
      return found->second.value.load(std::memory_order_relaxed);
    }
  }
  if (auto histogram = state_->histograms.find(name); histogram != state_->histograms.end()) {
    auto found = histogram->second.series.find(view);
    if (found != histogram->second.series.end()) {
      std::uint64_t count = 0;
      for (const auto& bucket : found->second.counts) {
        count += bucket.load(std::memory_order_relaxed);
      }
      return static_cast<double>(count);
    }
  }
  return 0;
}

MetricsSnapshot MetricsRegistry::snapshot() const {
  MetricsSnapshot snapshot;
  std::shared_lock lock(state_->mutex);
  for (const auto& [name, instrument] : state_->counters) {
    for (const auto& [attributes, series] : instrument.series) {
      CounterPoint point;
      point.name = name;
      point.attributes = attributes;
      point.value = series.value.load(std::memory_order_relaxed);
      point.monotonic = series.monotonic.load(std::memory_order_relaxed);
      snapshot.counters.push_back(std::move(point));
    }
  }
  for (const auto& [name, instrument] : state_->histograms) {
    for (const auto& [attributes, series] : instrument.series) {
      HistogramPoint point;
      point.name = name;
      point.attributes = attributes;
      point.bounds = instrument.bounds;
      point.counts.reserve(series.counts.size());
      for (const auto& bucket : series.counts) {
        point.counts.push_back(bucket.load(std::memory_order_relaxed));
        point.count += point.counts.back();
      }
      // A value being recorded now may be in a bucket and not yet in the sum, or the reverse.
      // The count is the sum of the buckets, so that _count always equals the +Inf bucket.
      point.sum = series.sum.load(std::memory_order_relaxed);
      snapshot.histograms.push_back(std::move(point));
    }
  }
  return snapshot;
}

}  // namespace outbound::metrics
