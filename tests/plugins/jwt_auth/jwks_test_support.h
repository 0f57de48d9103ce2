#pragma once

// Helpers for the JWK Set tests: an in-process HTTP transport that serves scripted responses,
// a clock that tests move from several threads, a metrics sink that counts, a log capture, and
// public JWKs made from the PEM keys of test_support.h.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <nlohmann/json.hpp>

#include "outbound/clock.h"
#include "outbound/http.h"
#include "outbound/metrics.h"

namespace outbound::jwt::testing {

/// SteppingClock is a clock that tests move forward, safe to read and move from any thread.
/// Its steady time equals its wall time, as with FixedClock.
class SteppingClock final : public Clock {
 public:
  explicit SteppingClock(std::int64_t seconds) : nanoseconds_(seconds * 1'000'000'000) {}

  std::chrono::system_clock::time_point now() const override {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::nanoseconds(nanoseconds_.load())));
  }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(nanoseconds_.load()));
  }
  void advance(std::chrono::nanoseconds step) { nanoseconds_ += step.count(); }

 private:
  std::atomic<std::int64_t> nanoseconds_;
};

/// RecordedRequest is what FakeTransport received in one send().
struct RecordedRequest {
  HttpRequest request;
  CallContext context;
};

/// FakeTransport serves the response a test sets, or fails with the status it sets, and
/// records every request. It may also wait before it returns, to stand for network time.
///
/// Thread safety: every method may be called from several threads at once.
class FakeTransport final : public HttpTransport {
 public:
  Result<HttpResponse> send(const CallContext& context, const HttpRequest& request) override;

  /// Serves `body` with HTTP `status` and the extra header fields `headers`.
  void serve(std::string body, int status = 200, HttpHeaders headers = {});
  /// Makes every send() fail with `failure`, as a connection failure would.
  void fail_with(Status failure);
  /// Makes every send() wait `delay` of real time before it returns.
  void set_delay(std::chrono::milliseconds delay);

  /// The number of send() calls so far.
  int sends() const { return sends_.load(); }
  std::vector<RecordedRequest> requests() const;

 private:
  mutable std::mutex mutex_;
  HttpResponse response_;
  Status failure_;
  std::chrono::milliseconds delay_{0};
  std::vector<RecordedRequest> requests_;
  std::atomic<int> sends_{0};
};

/// CountingMetrics sums counters by name and attributes ("name,result=ok,trigger=expired").
class CountingMetrics final : public MetricsSink {
 public:
  void add(std::string_view name, double value, const MetricAttributes& attributes) override;
  void record(std::string_view name, double value, const MetricAttributes& attributes) override;

  /// Returns the counter with `key`, 0 when it was never added to.
  double count(const std::string& key) const;
  /// Returns the sum of every counter whose key starts with `prefix`.
  double total(const std::string& prefix) const;
  /// Returns the values of the `outbound.client` attribute seen, "" for a measurement without.
  std::set<std::string> clients() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, double> counts_;
  std::set<std::string> clients_;
};

/// LogCapture is a logger at debug level whose lines a test reads back.
class LogCapture {
 public:
  LogCapture();
  const std::shared_ptr<spdlog::logger>& logger() const { return logger_; }
  std::string text() const;
  /// Returns how many lines contain `part`.
  int lines_with(std::string_view part) const;

 private:
  std::shared_ptr<std::ostringstream> stream_;
  std::shared_ptr<spdlog::logger> logger_;
};

/// Returns the public JWK of a PEM private key: kty RSA (n, e), EC (crv, x, y) or OKP (crv,
/// x), with `kid` and `alg` when they are not empty.
nlohmann::json public_jwk(std::string_view private_pem, const std::string& kid,
                          const std::string& alg = {});

/// Returns the text of {"keys": [...]} for `keys`.
std::string jwk_set(const std::vector<nlohmann::json>& keys);

}  // namespace outbound::jwt::testing
