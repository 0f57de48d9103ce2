#include <algorithm>

#include "outbound/metrics_snapshot.h"

namespace outbound {
namespace {

bool same_attributes(const MetricAttributes& stored, const MetricAttributes& expected) {
  if (stored.size() != expected.size()) return false;
  return std::is_permutation(stored.begin(), stored.end(), expected.begin());
}

template <typename Point>
const Point* find_point(const std::vector<Point>& points, std::string_view name,
                        const MetricAttributes& attributes) {
  for (const Point& point : points) {
    if (point.name == name && same_attributes(point.attributes, attributes)) return &point;
  }
  return nullptr;
}

}  // namespace

double MetricsSnapshot::value(std::string_view name, const MetricAttributes& attributes) const {
  if (const auto* counter = find_point(counters, name, attributes)) return counter->value;
  if (const auto* gauge = find_point(gauges, name, attributes)) return gauge->value;
  if (const auto* point = histogram(name, attributes)) return static_cast<double>(point->count);
  return 0;
}

double MetricsSnapshot::total(std::string_view name) const {
  double sum = 0;
  for (const auto& counter : counters) {
    if (counter.name == name) sum += counter.value;
  }
  for (const auto& gauge : gauges) {
    if (gauge.name == name) sum += gauge.value;
  }
  for (const auto& point : histograms) {
    if (point.name == name) sum += static_cast<double>(point.count);
  }
  return sum;
}

const HistogramPoint* MetricsSnapshot::histogram(std::string_view name,
                                                 const MetricAttributes& attributes) const& {
  return find_point(histograms, name, attributes);
}

}  // namespace outbound
