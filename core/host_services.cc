#include "host_services.h"

#include <array>
#include <cstdio>
#include <stdexcept>

#include <openssl/rand.h>

namespace outbound {

std::string new_uuid_v4() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    // Without entropy no key is safe to send; OpenSSL fails here only when the system has
    // no random source at all.
    throw std::runtime_error("OpenSSL RAND_bytes failed: no random source");
  }
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);  // version 4
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string text(36, '-');
  static constexpr char kHex[] = "0123456789abcdef";
  std::size_t out = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (out == 8 || out == 13 || out == 18 || out == 23) ++out;
    text[out++] = kHex[bytes[i] >> 4];
    text[out++] = kHex[bytes[i] & 0x0f];
  }
  return text;
}

std::string CounterRegistry::key(std::string_view name, const MetricAttributes& attributes) {
  std::string text(name);
  for (const auto& [attribute, value] : attributes) {
    text += '|';
    text += attribute;
    text += '=';
    text += value;
  }
  return text;
}

void CounterRegistry::add(std::string_view name, double value, const MetricAttributes& attributes) {
  std::lock_guard lock(mutex_);
  counters_[key(name, attributes)] += value;
}

void CounterRegistry::record(std::string_view name, double value,
                             const MetricAttributes& attributes) {
  std::lock_guard lock(mutex_);
  auto& [count, sum] = histograms_[key(name, attributes)];
  count += 1;
  sum += value;
}

double CounterRegistry::value(std::string_view name, const MetricAttributes& attributes) const {
  std::lock_guard lock(mutex_);
  const std::string wanted = key(name, attributes);
  if (auto found = counters_.find(wanted); found != counters_.end()) return found->second;
  if (auto found = histograms_.find(wanted); found != histograms_.end()) {
    return found->second.first;
  }
  return 0;
}

}  // namespace outbound
