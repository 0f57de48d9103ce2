#include "metrics/registry.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "fake_clients.h"
#include "outbound/metrics_snapshot.h"

namespace outbound {
namespace {

using metrics::MetricsRegistry;
using std::chrono::milliseconds;

const MetricAttributes kIssue = {{"outbound.client", "auth"}, {"outbound.operation", "issue"}};

TEST(MetricsRegistry, CountersSumPerSeries) {
  MetricsRegistry registry;

  registry.add("outbound.client.calls", 1, kIssue);
  registry.add("outbound.client.calls", 2, kIssue);
  registry.add("outbound.client.calls", 5, {{"outbound.client", "auth"}});

  EXPECT_EQ(registry.value("outbound.client.calls", kIssue), 3);
  EXPECT_EQ(registry.value("outbound.client.calls", {{"outbound.client", "auth"}}), 5);
  EXPECT_EQ(registry.value("outbound.client.calls"), 0);
  EXPECT_EQ(registry.value("outbound.client.failures", kIssue), 0);
}

TEST(MetricsRegistry, AttributeOrderDoesNotMatter) {
  MetricsRegistry registry;
  const MetricAttributes reversed = {kIssue[1], kIssue[0]};

  registry.add("outbound.client.calls", 1, kIssue);
  registry.add("outbound.client.calls", 1, reversed);

  EXPECT_EQ(registry.value("outbound.client.calls", reversed), 2);
  const MetricsSnapshot snapshot = registry.snapshot();
  ASSERT_EQ(snapshot.counters.size(), 1u);
  EXPECT_EQ(snapshot.counters[0].attributes, kIssue);
}

TEST(MetricsRegistry, HistogramBucketsHaveInclusiveUpperBounds) {
  MetricsRegistry registry;
  const std::vector<double> values = {0.001, 0.005, 0.0051, 0.3, 10, 11};

  for (double value : values) registry.record("outbound.client.call.duration", value, kIssue);

  const MetricsSnapshot snapshot = registry.snapshot();
  const HistogramPoint* point = snapshot.histogram("outbound.client.call.duration", kIssue);
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->bounds, metrics::default_duration_buckets());
  ASSERT_EQ(point->counts.size(), 15u);
  const std::vector<std::uint64_t> expected = {2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1};
  EXPECT_EQ(point->counts, expected);
  EXPECT_EQ(point->count, 6u);
  EXPECT_DOUBLE_EQ(point->sum, 0.001 + 0.005 + 0.0051 + 0.3 + 10 + 11);
  EXPECT_EQ(registry.value("outbound.client.call.duration", kIssue), 6);
}

TEST(MetricsRegistry, SetBucketsChecksBoundsAndTiming) {
  MetricsRegistry registry;

  EXPECT_EQ(registry.set_buckets("mail.size", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(registry.set_buckets("mail.size", {1, 1}).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(registry.set_buckets("mail.size", {1024, 65536}).ok());
  registry.record("mail.size", 2000, {});
  EXPECT_EQ(registry.set_buckets("mail.size", {1}).code(), StatusCode::kFailedPrecondition);

  const MetricsSnapshot snapshot = registry.snapshot();
  const HistogramPoint* point = snapshot.histogram("mail.size");
  ASSERT_NE(point, nullptr);
  EXPECT_EQ(point->bounds, (std::vector<double>{1024, 65536}));
  EXPECT_EQ(point->counts, (std::vector<std::uint64_t>{0, 1, 0}));
}

TEST(MetricsRegistry, NegativeAmountMakesAnUpDownCounter) {
  MetricsRegistry registry;
  const MetricAttributes host = {{"server.address", "127.0.0.1"}};

  registry.add("http.client.open_connections", 3, host);
  registry.add("http.client.open_connections", -1, host);

  const MetricsSnapshot snapshot = registry.snapshot();
  ASSERT_EQ(snapshot.counters.size(), 1u);
  EXPECT_EQ(snapshot.counters[0].value, 2);
  EXPECT_FALSE(snapshot.counters[0].monotonic);
}

TEST(MetricsRegistry, SeriesPastTheLimitGoToOverflow) {
  metrics::RegistryOptions options;
  options.max_series_per_instrument = 2;
  MetricsRegistry registry(options);

  for (int i = 0; i < 5; ++i) {
    registry.add("plugin.requests", 1, {{"customer", "cus_" + std::to_string(i)}});
  }

  EXPECT_EQ(registry.value("plugin.requests", {{"customer", "cus_0"}}), 1);
  EXPECT_EQ(registry.value("plugin.requests", {{"customer", "cus_1"}}), 1);
  EXPECT_EQ(registry.value("plugin.requests", {{"customer", "cus_2"}}), 0);
  EXPECT_EQ(registry.value("plugin.requests", {{metrics::kOverflowAttribute, "true"}}), 3);
  EXPECT_EQ(registry.snapshot().counters.size(), 3u);
}

TEST(MetricsRegistry, NonFiniteValuesAreDropped) {
  MetricsRegistry registry;

  registry.add("outbound.client.calls", std::numeric_limits<double>::quiet_NaN(), kIssue);
  registry.record("outbound.client.call.duration", std::numeric_limits<double>::infinity(), kIssue);

  EXPECT_TRUE(registry.snapshot().counters.empty());
  EXPECT_TRUE(registry.snapshot().histograms.empty());
}

TEST(MetricsRegistry, ConcurrentRecordingLosesNothing) {
  MetricsRegistry registry;
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&registry, t] {
      const MetricAttributes mine = {{"outbound.client", "c" + std::to_string(t % 4)}};
      for (int i = 0; i < kPerThread; ++i) {
        registry.add("outbound.client.calls", 1, mine);
        registry.record("outbound.client.call.duration", 0.02, mine);
        if (i % 1000 == 0) registry.snapshot();
      }
    });
  }
  for (auto& thread : threads) thread.join();

  const MetricsSnapshot snapshot = registry.snapshot();
  EXPECT_EQ(snapshot.total("outbound.client.calls"), kThreads * kPerThread);
  EXPECT_EQ(snapshot.total("outbound.client.call.duration"), kThreads * kPerThread);
  for (int c = 0; c < 4; ++c) {
    const MetricAttributes client = {{"outbound.client", "c" + std::to_string(c)}};
    SCOPED_TRACE(c);
    EXPECT_EQ(snapshot.value("outbound.client.calls", client), 2 * kPerThread);
    const HistogramPoint* point = snapshot.histogram("outbound.client.call.duration", client);
    ASSERT_NE(point, nullptr);
    EXPECT_EQ(point->counts[2], 2u * kPerThread);  // (0.01, 0.025]
    EXPECT_NEAR(point->sum, 0.02 * 2 * kPerThread, 1e-6);
  }
}

TEST(MetricsSnapshot, LookupsIgnoreAttributeOrder) {
  MetricsSnapshot snapshot;
  snapshot.counters.push_back({"outbound.client.calls", kIssue, 4, true});
  snapshot.gauges.push_back({"outbound.circuit_breaker.state", {{"outbound.client", "auth"}}, 1});

  EXPECT_EQ(snapshot.value("outbound.client.calls", {kIssue[1], kIssue[0]}), 4);
  EXPECT_EQ(snapshot.value("outbound.circuit_breaker.state", {{"outbound.client", "auth"}}), 1);
  EXPECT_EQ(snapshot.value("outbound.circuit_breaker.state", {{"outbound.client", "mail"}}), 0);
  EXPECT_EQ(snapshot.histogram("outbound.client.calls", kIssue), nullptr);
}

TEST(PrometheusText, RendersAKnownSnapshot) {
  MetricsSnapshot snapshot;
  snapshot.counters.push_back({"outbound.client.calls", kIssue, 3, true});
  snapshot.counters.push_back({"outbound.client.calls",
                               {{"outbound.client", "auth"}, {"outbound.operation", "verify"}},
                               1,
                               true});
  snapshot.counters.push_back(
      {"http.client.open_connections", {{"server.address", "127.0.0.1"}}, 2, false});
  snapshot.gauges.push_back({"outbound.circuit_breaker.state", {{"outbound.client", "auth"}}, 1});
  HistogramPoint duration;
  duration.name = "outbound.client.call.duration";
  duration.attributes = kIssue;
  duration.bounds = {0.1, 0.5, 2.5};
  duration.counts = {1, 1, 0, 1};
  duration.count = 3;
  duration.sum = 3.25;
  snapshot.histograms.push_back(duration);

  const std::string expected =
      "# HELP http_client_open_connections HTTP connections the transport holds open.\n"
      "# TYPE http_client_open_connections gauge\n"
      "http_client_open_connections{server_address=\"127.0.0.1\"} 2\n"
      "# HELP outbound_circuit_breaker_state Circuit breaker state when the metrics were read: "
      "0 closed, 1 open, 2 half-open.\n"
      "# TYPE outbound_circuit_breaker_state gauge\n"
      "outbound_circuit_breaker_state{outbound_client=\"auth\"} 1\n"
      "# HELP outbound_client_call_duration_seconds Duration of logical calls, every attempt "
      "and backoff included.\n"
      "# TYPE outbound_client_call_duration_seconds histogram\n"
      "outbound_client_call_duration_seconds_bucket{outbound_client=\"auth\","
      "outbound_operation=\"issue\",le=\"0.1\"} 1\n"
      "outbound_client_call_duration_seconds_bucket{outbound_client=\"auth\","
      "outbound_operation=\"issue\",le=\"0.5\"} 2\n"
      "outbound_client_call_duration_seconds_bucket{outbound_client=\"auth\","
      "outbound_operation=\"issue\",le=\"2.5\"} 2\n"
      "outbound_client_call_duration_seconds_bucket{outbound_client=\"auth\","
      "outbound_operation=\"issue\",le=\"+Inf\"} 3\n"
      "outbound_client_call_duration_seconds_sum{outbound_client=\"auth\","
      "outbound_operation=\"issue\"} 3.25\n"
      "outbound_client_call_duration_seconds_count{outbound_client=\"auth\","
      "outbound_operation=\"issue\"} 3\n"
      "# HELP outbound_client_calls_total Logical calls through a hosted client, counted when "
      "they end.\n"
      "# TYPE outbound_client_calls_total counter\n"
      "outbound_client_calls_total{outbound_client=\"auth\",outbound_operation=\"issue\"} 3\n"
      "outbound_client_calls_total{outbound_client=\"auth\",outbound_operation=\"verify\"} 1\n";
  EXPECT_EQ(to_prometheus_text(snapshot), expected);
}

TEST(PrometheusText, EscapesValuesAndSanitisesNames) {
  MetricsSnapshot snapshot;
  snapshot.counters.push_back(
      {"3rd-party.calls", {{"error.type", "say \"hi\"\\\nbye"}}, 0.5, true});
  snapshot.gauges.push_back({"queue", {}, 7});

  const std::string text = to_prometheus_text(snapshot);

  EXPECT_NE(text.find("# TYPE _3rd_party_calls_total counter\n"), std::string::npos) << text;
  EXPECT_NE(text.find("_3rd_party_calls_total{error_type=\"say \\\"hi\\\"\\\\\\nbye\"} 0.5\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nqueue 7\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("# HELP queue"), std::string::npos) << text;
}

TEST(HostMetrics, CallsThroughAWrappedClientAreRecorded) {
  testing::Rig<testing::FakePayments, AsyncPaymentGateway> rig;
  auto payments = std::static_pointer_cast<PaymentGateway>(rig.hosted);
  rig.fake->take(rig.clock, milliseconds(30));
  RetrieveRequest request;

  for (int i = 0; i < 3; ++i) ASSERT_TRUE(payments->retrieve_charge(CallContext{}, request).ok());
  rig.fake->take(rig.clock, milliseconds(300));
  rig.fake->fail_with(Status::unavailable("provider down"));
  EXPECT_FALSE(payments->retrieve_charge(CallContext{}, request).ok());

  const MetricAttributes retrieve = {{"outbound.client", "payments"},
                                     {"outbound.operation", "retrieve_charge"}};
  const MetricsSnapshot snapshot = rig.registry->snapshot();
  EXPECT_EQ(snapshot.value("outbound.client.calls", retrieve), 4);
  EXPECT_EQ(snapshot.value("outbound.client.failures", retrieve), 1);
  const HistogramPoint* duration = snapshot.histogram("outbound.client.call.duration", retrieve);
  ASSERT_NE(duration, nullptr);
  EXPECT_EQ(duration->count, 4u);
  EXPECT_EQ(duration->counts[3], 3u);  // (0.025, 0.05]
  EXPECT_EQ(duration->counts[7], 1u);  // (0.25, 0.5]
  EXPECT_GE(duration->sum, 0.39);
  const std::string text = to_prometheus_text(snapshot);
  EXPECT_NE(text.find("outbound_client_calls_total{outbound_client=\"payments\","
                      "outbound_operation=\"retrieve_charge\"} 4\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("outbound_client_call_duration_seconds_bucket{outbound_client=\"payments\","
                      "outbound_operation=\"retrieve_charge\",le=\"0.05\"} 3\n"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace outbound
