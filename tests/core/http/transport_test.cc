// The HTTP transport against a real WireMock 3.13.2 on 127.0.0.1, one server for the whole
// binary (plain and TLS ports). Every test resets WireMock's stubs, journal and scenarios.
#include "http/transport.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/sinks/ostream_sink.h>

#include "outbound/clock.h"
#include "resilience/pipeline.h"
#include "test_support.h"
#include "wiremock.h"

namespace outbound::http {
namespace {

using outbound::testing::WireMock;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

/// Discards measurements.
class CounterSink final : public MetricsSink {
 public:
  void add(std::string_view, double, const MetricAttributes&) override {}
  void record(std::string_view, double, const MetricAttributes&) override {}
};

/// The binary's one WireMock, with an HTTPS port whose certificate is in `certificate()`.
struct Server {
  outbound::testing::TempDir folder;
  outbound::testing::TestCertificate certificate;
  std::unique_ptr<WireMock> wiremock;

  Server() {
    certificate = outbound::testing::make_test_certificate(folder.path());
    outbound::testing::WireMockOptions options;
    options.tls_certificate = certificate.certificate;
    options.tls_private_key = certificate.private_key;
    wiremock = std::make_unique<WireMock>(options);
    wiremock->start();
  }
};

Server& server() {
  static Server instance;
  return instance;
}

std::shared_ptr<spdlog::logger> quiet_logger() {
  return std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_mt>());
}

TransportOptions test_options() {
  TransportOptions options;
  options.client_id = "test-client";
  options.user_agent = "outbound/0.1.0 test-plugin/9.9.9";
  options.logger = quiet_logger();
  options.connect_timeout = milliseconds(2000);
  return options;
}

CallContext context_for(milliseconds budget) {
  CallContext context;
  context.deadline = steady_clock::now() + budget;
  context.attempt_deadline = context.deadline;
  context.request_id = "req-0001";
  return context;
}

HttpRequest get(const std::string& path, bool replay_safe = true) {
  HttpRequest request;
  request.method = "GET";
  request.url = server().wiremock->base_url() + path;
  request.replay_safe = replay_safe;
  return request;
}

long long elapsed_ms(steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(steady_clock::now() - start).count();
}

class TransportTest : public ::testing::Test {
 protected:
  void SetUp() override { wiremock().reset(); }
  WireMock& wiremock() { return *server().wiremock; }
};

TEST_F(TransportTest, SendsUniformHeaders) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/hello"},
                      "response":{"status":200,"body":"hi","headers":{"X-Answer":"42"}}})");
  PooledTransport transport(test_options());
  CallContext context = context_for(milliseconds(3000));
  context.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  HttpRequest request = get("/hello");
  request.headers.push_back({"Accept", "text/plain"});
  Result<HttpResponse> response = transport.send(context, request);
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hi");
  EXPECT_EQ(response->header("x-answer"), "42");

  const auto journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].header("User-Agent").value_or(""), "outbound/0.1.0 test-plugin/9.9.9");
  EXPECT_EQ(journal[0].header("X-Request-Id").value_or(""), "req-0001");
  EXPECT_EQ(journal[0].header("traceparent").value_or(""), context.traceparent);
  EXPECT_EQ(journal[0].header("Accept").value_or(""), "text/plain");
  EXPECT_FALSE(journal[0].header("Referer").has_value());
}

TEST_F(TransportTest, DropsAnInvalidTraceparent) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/hello"},"response":{"status":200}})");
  PooledTransport transport(test_options());
  CallContext context = context_for(milliseconds(3000));
  context.traceparent = "00-00000000000000000000000000000000-00f067aa0ba902b7-01";
  ASSERT_TRUE(transport.send(context, get("/hello")).ok());
  EXPECT_FALSE(wiremock().requests().at(0).header("traceparent").has_value());
}

TEST_F(TransportTest, RejectsReservedAndInjectedHeaders) {
  PooledTransport transport(test_options());
  for (const auto& header :
       std::vector<std::pair<std::string, std::string>>{{"User-Agent", "mine"},
                                                        {"Referer", "https://app.example/"},
                                                        {"Host", "evil"},
                                                        {"Content-Length", "1"},
                                                        {"X-Note", "a\r\nX-Injected: 1"},
                                                        {"Bad Name", "x"}}) {
    HttpRequest request = get("/hello");
    request.headers.push_back(header);
    Result<HttpResponse> response = transport.send(context_for(milliseconds(1000)), request);
    ASSERT_FALSE(response.ok()) << header.first;
    EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument) << header.first;
  }
  EXPECT_TRUE(wiremock().requests().empty());
}

TEST_F(TransportTest, RejectsRequestWithoutDeadline) {
  PooledTransport transport(test_options());
  Result<HttpResponse> response = transport.send(CallContext{}, get("/hello"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().reason(), "no_deadline");
  EXPECT_TRUE(wiremock().requests().empty());
}

TEST_F(TransportTest, ReusesOnePooledConnection) {
  wiremock().stub(
      R"({"request":{"method":"GET","url":"/hello"},"response":{"status":200,"body":"hi"}})");
  PooledTransport transport(test_options());
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(transport.send(context_for(milliseconds(3000)), get("/hello")).ok());
  }
  const PooledTransport::Totals totals = transport.totals();
  EXPECT_EQ(totals.opened, 1u);
  EXPECT_EQ(totals.reused, 4u);
}

TEST_F(TransportTest, ClosesExpiredIdleConnections) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/hello"},"response":{"status":200}})");
  TransportOptions options = test_options();
  options.http.idle_timeout = milliseconds(150);
  PooledTransport transport(options);
  ASSERT_TRUE(transport.send(context_for(milliseconds(3000)), get("/hello")).ok());
  std::this_thread::sleep_for(milliseconds(250));
  ASSERT_TRUE(transport.send(context_for(milliseconds(3000)), get("/hello")).ok());
  EXPECT_EQ(transport.totals().opened, 2u);
  EXPECT_EQ(transport.totals().discarded, 1u);
}

TEST_F(TransportTest, SlowPeerEndsAtDeadline) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/slow"},
                      "response":{"status":200,"fixedDelayMilliseconds":3000}})");
  PooledTransport transport(test_options());
  const auto start = steady_clock::now();
  Result<HttpResponse> response = transport.send(context_for(milliseconds(300)), get("/slow"));
  const long long elapsed = elapsed_ms(start);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_GE(elapsed, 290);
  EXPECT_LT(elapsed, 400);
  EXPECT_EQ(wiremock().requests().size(), 1u);
}

struct FaultCase {
  const char* fault;
  const char* reason;
};

TEST_F(TransportTest, ConnectionFaultsAreErrors) {
  for (const FaultCase& fault : {FaultCase{"CONNECTION_RESET_BY_PEER", "connection_lost"},
                                 FaultCase{"EMPTY_RESPONSE", "connection_lost"},
                                 FaultCase{"RANDOM_DATA_THEN_CLOSE", "malformed_response"},
                                 FaultCase{"MALFORMED_RESPONSE_CHUNK", "malformed_response"}}) {
    SCOPED_TRACE(fault.fault);
    wiremock().reset();
    wiremock().stub(
        std::string(R"({"request":{"method":"GET","url":"/fault"},"response":{"fault":")") +
        fault.fault + "\"}}");
    PooledTransport transport(test_options());
    const auto start = steady_clock::now();
    Result<HttpResponse> response = transport.send(context_for(milliseconds(2000)), get("/fault"));
    ASSERT_FALSE(response.ok()) << "status " << (response.ok() ? response->status : 0);
    EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(response.status().reason(), fault.reason) << response.status().to_string();
    EXPECT_TRUE(response.status().retryable());
    EXPECT_LT(elapsed_ms(start), 2000);
    EXPECT_EQ(wiremock().requests().size(), 1u);
  }
}

TEST_F(TransportTest, UnsafeRequestFaultNotRetryable) {
  wiremock().stub(
      R"({"request":{"method":"POST","url":"/pay"},"response":{"fault":"CONNECTION_RESET_BY_PEER"}})");
  PooledTransport transport(test_options());
  HttpRequest request = get("/pay", /*replay_safe=*/false);
  request.method = "POST";
  request.body = "amount=100";
  Result<HttpResponse> response = transport.send(context_for(milliseconds(2000)), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(response.status().retryable());
  EXPECT_NE(response.status().message().find("may have been processed"), std::string::npos);
}

TEST_F(TransportTest, ConnectionRefusedIsRetryable) {
  const int port = server().wiremock->port();
  (void)port;
  TransportOptions options = test_options();
  PooledTransport transport(options);
  HttpRequest request = get("/x", /*replay_safe=*/false);
  request.method = "POST";
  request.url = "http://127.0.0.1:1/x";  // port 1: nothing listens there
  Result<HttpResponse> response = transport.send(context_for(milliseconds(2000)), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().reason(), "connect_failed");
  EXPECT_TRUE(response.status().retryable());
}

/// Stubs a scenario in which the first request succeeds and the second meets a reset, so the
/// second goes out on a pooled connection that fails before any byte of the response.
void stub_reset_on_second_request(WireMock& wiremock, const char* method) {
  const std::string match =
      std::string(R"("request":{"method":")") + method + R"(","url":"/stale"})";
  wiremock.stub(
      R"({"scenarioName":"stale","requiredScenarioState":"Started","newScenarioState":"second",)" +
      match + R"(,"response":{"status":200,"body":"first"}})");
  wiremock.stub(
      R"({"scenarioName":"stale","requiredScenarioState":"second","newScenarioState":"third",)" +
      match + R"(,"response":{"fault":"CONNECTION_RESET_BY_PEER"}})");
  wiremock.stub(R"({"scenarioName":"stale","requiredScenarioState":"third",)" + match +
                R"(,"response":{"status":200,"body":"after"}})");
}

TEST_F(TransportTest, StaleConnectionResentWhenSafe) {
  stub_reset_on_second_request(wiremock(), "GET");
  PooledTransport transport(test_options());
  ASSERT_EQ(transport.send(context_for(milliseconds(3000)), get("/stale"))->body, "first");
  Result<HttpResponse> second = transport.send(context_for(milliseconds(3000)), get("/stale"));
  ASSERT_TRUE(second.ok()) << second.status().to_string();
  EXPECT_EQ(second->body, "after");
  EXPECT_EQ(transport.totals().stale_resends, 1u);
  EXPECT_EQ(wiremock().requests().size(), 3u);
}

TEST_F(TransportTest, StaleConnectionNotResentWhenUnsafe) {
  stub_reset_on_second_request(wiremock(), "POST");
  PooledTransport transport(test_options());
  HttpRequest request = get("/stale", /*replay_safe=*/false);
  request.method = "POST";
  ASSERT_TRUE(transport.send(context_for(milliseconds(3000)), request).ok());
  Result<HttpResponse> second = transport.send(context_for(milliseconds(3000)), request);
  ASSERT_FALSE(second.ok());
  EXPECT_FALSE(second.status().retryable());
  EXPECT_EQ(transport.totals().stale_resends, 0u);
  EXPECT_EQ(wiremock().requests().size(), 2u);
}

TEST_F(TransportTest, BodyLargerThanTheCapIsAnError) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/big"},"response":{"status":200,"body":")" +
                  std::string(4096, 'x') + "\"}}");
  TransportOptions options = test_options();
  options.http.max_response_bytes = 1024;
  PooledTransport transport(options);
  Result<HttpResponse> response = transport.send(context_for(milliseconds(3000)), get("/big"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().reason(), "response_too_large");
  EXPECT_FALSE(response.status().retryable());
}

TEST_F(TransportTest, RedirectsAreNotFollowedUnlessAsked) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/start"},
                      "response":{"status":302,"headers":{"Location":"/landing"}}})");
  PooledTransport transport(test_options());
  Result<HttpResponse> response = transport.send(context_for(milliseconds(3000)), get("/start"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 302);
  EXPECT_EQ(wiremock().requests().size(), 1u);
}

HttpRequest with_credentials(HttpRequest request) {
  request.follow_redirects = true;
  request.headers = {{"Authorization", "Bearer tok_canary_1234"},
                     {"Cookie", "session=canary"},
                     {"X-Api-Key", "key_canary_5678"},
                     {"Accept", "application/json"}};
  request.sensitive_headers = {"X-Api-Key"};
  return request;
}

TEST_F(TransportTest, SameOriginRedirectKeepsCredentials) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/start"},
                      "response":{"status":302,"headers":{"Location":"/landing"}}})");
  wiremock().stub(
      R"({"request":{"method":"GET","url":"/landing"},"response":{"status":200,"body":"here"}})");
  PooledTransport transport(test_options());
  Result<HttpResponse> response =
      transport.send(context_for(milliseconds(3000)), with_credentials(get("/start")));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "here");
  const auto journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[1].header("Authorization").value_or(""), "Bearer tok_canary_1234");
}

TEST_F(TransportTest, CrossOriginRedirectDropsCredentials) {
  const int port = wiremock().port();
  // localhost and 127.0.0.1 are different hosts, hence different origins, on the same server.
  wiremock().stub(R"({"request":{"method":"GET","url":"/start"},
                      "response":{"status":302,"headers":{"Location":"http://localhost:)" +
                  std::to_string(port) + R"(/middle"}}})");
  wiremock().stub(R"({"request":{"method":"GET","url":"/middle"},
                      "response":{"status":307,"headers":{"Location":"http://127.0.0.1:)" +
                  std::to_string(port) + R"(/landing"}}})");
  wiremock().stub(
      R"({"request":{"method":"GET","url":"/landing"},"response":{"status":200,"body":"here"}})");
  PooledTransport transport(test_options());
  Result<HttpResponse> response =
      transport.send(context_for(milliseconds(3000)), with_credentials(get("/start")));
  ASSERT_TRUE(response.ok()) << response.status().to_string();
  EXPECT_EQ(response->body, "here");
  const auto journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_TRUE(journal[0].header("Authorization").has_value());
  for (std::size_t i = 1; i < journal.size(); ++i) {
    SCOPED_TRACE(journal[i].url);
    EXPECT_FALSE(journal[i].header("Authorization").has_value());
    EXPECT_FALSE(journal[i].header("Cookie").has_value());
    EXPECT_FALSE(journal[i].header("X-Api-Key").has_value());
    EXPECT_EQ(journal[i].header("Accept").value_or(""), "application/json");
  }
}

TEST_F(TransportTest, RedirectLoopStopsAfterTheLimit) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/loop"},
                      "response":{"status":302,"headers":{"Location":"/loop"}}})");
  PooledTransport transport(test_options());
  HttpRequest request = get("/loop");
  request.follow_redirects = true;
  Result<HttpResponse> response = transport.send(context_for(milliseconds(3000)), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().reason(), "too_many_redirects");
  EXPECT_EQ(wiremock().requests().size(), 6u);
}

TEST_F(TransportTest, DebugLogMasksCredentialHeaders) {
  wiremock().stub(
      R"({"request":{"method":"GET","urlPath":"/hello"},"response":{"status":200,"body":"hi"}})");
  std::ostringstream lines;
  TransportOptions options = test_options();
  options.logger = std::make_shared<spdlog::logger>(
      "http", std::make_shared<spdlog::sinks::ostream_sink_mt>(lines));
  options.logger->set_level(spdlog::level::trace);
  PooledTransport transport(options);
  HttpRequest request = with_credentials(get("/hello?token=query_canary"));
  ASSERT_TRUE(transport.send(context_for(milliseconds(3000)), request).ok());
  const std::string text = lines.str();
  EXPECT_NE(text.find("http request GET"), std::string::npos) << text;
  EXPECT_NE(text.find("[REDACTED]"), std::string::npos) << text;
  for (const char* canary :
       {"tok_canary_1234", "session=canary", "key_canary_5678", "query_canary"}) {
    EXPECT_EQ(text.find(canary), std::string::npos) << canary << " in: " << text;
  }
}

TEST_F(TransportTest, PoolStaysWithinLimitUnderLoad) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/work"},
                      "response":{"status":200,"body":"done","fixedDelayMilliseconds":5}})");
  TransportOptions options = test_options();
  options.http.max_connections_per_host = 3;
  PooledTransport transport(options);
  std::atomic<int> failures{0};
  std::atomic<int> most_open{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 15; ++i) {
        if (!transport.send(context_for(milliseconds(5000)), get("/work")).ok()) ++failures;
        const int open = transport.pool(parse_url(get("/work").url)->origin).open_connections();
        int seen = most_open.load();
        while (open > seen && !most_open.compare_exchange_weak(seen, open)) {
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(most_open.load(), 3);
  EXPECT_LE(transport.totals().opened, 3u);
  EXPECT_EQ(transport.totals().opened + transport.totals().reused, 120u);
}

// TLS

HttpRequest get_tls(const std::string& path, const std::string& host = "127.0.0.1") {
  HttpRequest request = get(path);
  request.url = "https://" + host + ":" + std::to_string(server().wiremock->https_port()) + path;
  return request;
}

TEST_F(TransportTest, TlsVerifiesWithCaFile) {
  wiremock().stub(
      R"({"request":{"method":"GET","url":"/hello"},"response":{"status":200,"body":"secure"}})");
  TransportOptions options = test_options();
  options.http.ca_file = server().certificate.certificate;
  PooledTransport transport(options);
  for (const char* host : {"127.0.0.1", "localhost"}) {
    Result<HttpResponse> response =
        transport.send(context_for(milliseconds(5000)), get_tls("/hello", host));
    ASSERT_TRUE(response.ok()) << host << ": " << response.status().to_string();
    EXPECT_EQ(response->body, "secure");
  }
}

TEST_F(TransportTest, TlsWithoutTrustFails) {
  PooledTransport transport(test_options());  // the system store does not know the test CA
  Result<HttpResponse> response =
      transport.send(context_for(milliseconds(5000)), get_tls("/hello"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kFailedPrecondition)
      << response.status().to_string();
  EXPECT_EQ(response.status().reason(), "tls_failed") << response.status().to_string();
  EXPECT_NE(response.status().message().find("certificate verify failed"), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("ca_file"), std::string::npos)
      << response.status().message();
  EXPECT_FALSE(response.status().retryable());
  EXPECT_TRUE(wiremock().requests().empty());
}

TEST_F(TransportTest, TlsChecksTheHostName) {
  // The certificate names 127.0.0.1 and localhost. The IPv4-mapped IPv6 form of 127.0.0.1
  // reaches the same server under an address the certificate does not name.
  TransportOptions options = test_options();
  options.http.ca_file = server().certificate.certificate;
  PooledTransport transport(options);
  HttpRequest request = get_tls("/hello");
  request.url =
      "https://[::ffff:127.0.0.1]:" + std::to_string(server().wiremock->https_port()) + "/hello";
  Result<HttpResponse> response = transport.send(context_for(milliseconds(5000)), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kFailedPrecondition)
      << response.status().to_string();
  EXPECT_EQ(response.status().reason(), "tls_failed") << response.status().to_string();
  EXPECT_NE(response.status().message().find("certificate verify failed"), std::string::npos)
      << response.status().message();
  EXPECT_FALSE(response.status().retryable());
}

TEST_F(TransportTest, HttpsToPlainHttpPortIsPermanent) {
  // WireMock's plain port replies to the client hello with an HTTP 400 in plain text.
  PooledTransport transport(test_options());
  HttpRequest request = get("/hello");
  request.url = "https://127.0.0.1:" + std::to_string(server().wiremock->port()) + "/hello";
  Result<HttpResponse> response = transport.send(context_for(milliseconds(5000)), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kFailedPrecondition)
      << response.status().to_string();
  EXPECT_EQ(response.status().reason(), "tls_failed");
  EXPECT_FALSE(response.status().retryable());
  EXPECT_NE(response.status().message().find("wrong version number"), std::string::npos)
      << response.status().message();
  EXPECT_NE(response.status().message().find("did not answer with TLS"), std::string::npos)
      << response.status().message();
}

TEST_F(TransportTest, TlsVerificationOffStillConnects) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/hello"},"response":{"status":200}})");
  TransportOptions options = test_options();
  options.http.verify_tls = false;
  PooledTransport transport(options);
  EXPECT_TRUE(transport.send(context_for(milliseconds(5000)), get_tls("/hello")).ok());
}

TEST_F(TransportTest, HttpsToHttpRedirectRejected) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/start"},
                      "response":{"status":302,"headers":{"Location":")" +
                  wiremock().base_url() + R"(/landing"}}})");
  TransportOptions options = test_options();
  options.http.ca_file = server().certificate.certificate;
  PooledTransport transport(options);
  HttpRequest request = with_credentials(get_tls("/start"));
  Result<HttpResponse> response = transport.send(context_for(milliseconds(5000)), request);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().reason(), "insecure_redirect");
  EXPECT_EQ(wiremock().requests().size(), 1u);
}

// Through the resilience pipeline, as a plugin's calls run.

struct PipelineRun {
  int attempts = 0;
  long long elapsed_ms = 0;
  Result<HttpResponse> result = Status::internal("not run");
};

PipelineRun run_through_pipeline(PooledTransport& transport, const HttpRequest& request,
                                 config::Resilience policy,
                                 std::vector<std::chrono::nanoseconds>* sleeps = nullptr) {
  std::shared_ptr<const Clock> clock(&Clock::system(), [](const Clock*) {});
  resilience::Pipeline pipeline("test-client", policy, clock, quiet_logger(),
                                std::make_shared<CounterSink>(),
                                [sleeps](std::chrono::nanoseconds delay) {
                                  if (sleeps) sleeps->push_back(delay);
                                  std::this_thread::sleep_for(delay);
                                });
  PipelineRun run;
  const auto start = steady_clock::now();
  CallContext context;
  context.deadline = start + policy.timeouts.total;
  context.request_id = "req-pipeline";
  run.result =
      pipeline.run("get", context, [&](const CallContext& attempt) -> Result<HttpResponse> {
        ++run.attempts;
        Result<HttpResponse> response = transport.send(attempt, request);
        if (!response.ok() || response->status < 300) return response;
        return status_from_response(*response, "the test endpoint", *clock);
      });
  run.elapsed_ms = elapsed_ms(start);
  return run;
}

config::Resilience fast_policy() {
  config::Resilience policy;
  policy.timeouts.attempt = milliseconds(300);
  policy.timeouts.total = milliseconds(1000);
  policy.retry.max_retries = 3;
  policy.retry.initial_backoff = milliseconds(20);
  policy.retry.max_backoff = milliseconds(50);
  return policy;
}

TEST_F(TransportTest, PipelineRetriesA503ThenSucceeds) {
  wiremock().stub(
      R"({"scenarioName":"flaky","requiredScenarioState":"Started","newScenarioState":"up",
                      "request":{"method":"GET","url":"/flaky"},"response":{"status":503}})");
  wiremock().stub(R"({"scenarioName":"flaky","requiredScenarioState":"up",
                      "request":{"method":"GET","url":"/flaky"},"response":{"status":200,"body":"up"}})");
  PooledTransport transport(test_options());
  PipelineRun run = run_through_pipeline(transport, get("/flaky"), fast_policy());
  ASSERT_TRUE(run.result.ok()) << run.result.status().to_string();
  EXPECT_EQ(run.result->body, "up");
  EXPECT_EQ(run.attempts, 2);
  const auto journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].header("X-Request-Id"), journal[1].header("X-Request-Id"));
}

TEST_F(TransportTest, PipelineHonoursRetryAfter) {
  wiremock().stub(
      R"({"scenarioName":"limited","requiredScenarioState":"Started","newScenarioState":"free",
                      "request":{"method":"GET","url":"/limited"},
                      "response":{"status":429,"headers":{"Retry-After":"1"}}})");
  wiremock().stub(R"({"scenarioName":"limited","requiredScenarioState":"free",
                      "request":{"method":"GET","url":"/limited"},"response":{"status":200}})");
  PooledTransport transport(test_options());
  config::Resilience policy = fast_policy();
  policy.timeouts.total = milliseconds(3000);
  std::vector<std::chrono::nanoseconds> sleeps;
  PipelineRun run = run_through_pipeline(transport, get("/limited"), policy, &sleeps);
  ASSERT_TRUE(run.result.ok()) << run.result.status().to_string();
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_EQ(std::chrono::duration_cast<milliseconds>(sleeps[0]).count(), 1000);
  const auto journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_GE(journal[1].logged_date_ms - journal[0].logged_date_ms, 950);
}

TEST_F(TransportTest, PipelineStopsAtTotalDeadline) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/slow"},
                      "response":{"status":200,"fixedDelayMilliseconds":5000}})");
  PooledTransport transport(test_options());
  PipelineRun run = run_through_pipeline(transport, get("/slow"), fast_policy());
  ASSERT_FALSE(run.result.ok());
  EXPECT_EQ(run.result.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_LE(run.elapsed_ms, 1000 + 100);
  EXPECT_GE(run.attempts, 2);
  // The last attempt's request can reach WireMock's journal just after the deadline ended the
  // call, so the journal is read again for up to 2 s until it has every attempt.
  int logged = static_cast<int>(wiremock().requests().size());
  for (int i = 0; i < 20 && logged < run.attempts; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    logged = static_cast<int>(wiremock().requests().size());
  }
  EXPECT_EQ(logged, run.attempts);
}

TEST_F(TransportTest, PipelineRetriesResetWhenSafe) {
  wiremock().stub(
      R"({"request":{"method":"GET","url":"/reset"},"response":{"fault":"CONNECTION_RESET_BY_PEER"}})");
  wiremock().stub(
      R"({"request":{"method":"POST","url":"/reset"},"response":{"fault":"CONNECTION_RESET_BY_PEER"}})");
  PooledTransport transport(test_options());
  PipelineRun safe = run_through_pipeline(transport, get("/reset"), fast_policy());
  EXPECT_FALSE(safe.result.ok());
  EXPECT_EQ(safe.attempts, 4);
  HttpRequest post = get("/reset", /*replay_safe=*/false);
  post.method = "POST";
  PipelineRun unsafe = run_through_pipeline(transport, post, fast_policy());
  EXPECT_FALSE(unsafe.result.ok());
  EXPECT_EQ(unsafe.attempts, 1);
  EXPECT_EQ(wiremock().count(R"({"method":"GET","url":"/reset"})"), 4);
  EXPECT_EQ(wiremock().count(R"({"method":"POST","url":"/reset"})"), 1);
}

}  // namespace
}  // namespace outbound::http
