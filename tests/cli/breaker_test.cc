// `outbound batch` against a WireMock endpoint that always returns 503: the client's circuit
// breaker opens after its minimum calls, later lines fail fast without reaching the server,
// and after open_ms one trial call reaches it again.

#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "outbound/host.h"
#include "test_support.h"
#include "wiremock.h"

namespace outbound {
namespace {

using nlohmann::json;
using testing::ProcessResult;
using testing::TempDir;

constexpr int kMinimumCalls = 3;
constexpr int kOpenMs = 1500;

std::filesystem::path write_breaker_config(const TempDir& dir, int port) {
  json resilience = {{"retry", {{"max_retries", 0}}},
                     {"circuit_breaker",
                      {{"minimum_calls", kMinimumCalls},
                       {"window", {{"type", "count"}, {"size", 5}}},
                       {"failure_rate_threshold", 50},
                       {"open_ms", kOpenMs},
                       {"half_open_calls", 1}}}};
  json config = {{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
                 {"clients",
                  {{"auth",
                    {{"plugin", "jwt-auth"},
                     {"settings",
                      {{"jwks_url", "http://127.0.0.1:" + std::to_string(port) + "/jwks"},
                       {"issuer", "https://issuer.test"},
                       {"audience", "api"}}},
                     {"resilience", resilience}}}}}};
  const auto path = dir / "config.json";
  testing::write_file(path, config.dump(2));
  return path;
}

std::vector<json> parse_lines(const std::string& out) {
  std::vector<json> lines;
  std::istringstream stream(out);
  std::string line;
  while (std::getline(stream, line)) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

ProcessResult run_batch(const std::filesystem::path& config, int count) {
  std::string input;
  for (int i = 0; i < count; ++i)
    input += R"({"op":"check","client":"auth"})"
             "\n";
  return testing::run_process({OUTBOUND_CLI_PATH, "--config", config.string(), "batch", "-"},
                              {{"OUTBOUND_CONFIG", testing::kUnset}}, input);
}

class CliBreaker : public testing::WireMockTest {};

TEST_F(CliBreaker, OpenBreakerFailsLinesFast) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/jwks"},
                      "response":{"status":503,"body":"down"}})");
  TempDir dir;
  const auto config = write_breaker_config(dir, wiremock().port());

  const ProcessResult result = run_batch(config, 20);
  ASSERT_EQ(result.exit_code, 5) << result.out << result.err;
  const std::vector<json> lines = parse_lines(result.out);
  ASSERT_EQ(lines.size(), 20u) << result.out;
  for (int i = 0; i < kMinimumCalls; ++i) {
    EXPECT_EQ(lines[i]["error"]["code"], "unavailable") << lines[i];
    EXPECT_NE(lines[i]["error"].value("reason", ""), "circuit_open") << lines[i];
  }
  for (std::size_t i = kMinimumCalls; i < lines.size(); ++i) {
    SCOPED_TRACE(lines[i].dump());
    EXPECT_FALSE(lines[i]["ok"].get<bool>());
    EXPECT_EQ(lines[i]["error"]["code"], "unavailable");
    EXPECT_EQ(lines[i]["error"]["reason"], "circuit_open");
    EXPECT_LT(lines[i]["elapsed_ms"].get<double>(), 5.0);
  }
  EXPECT_EQ(wiremock().requests().size(), static_cast<std::size_t>(kMinimumCalls));
}

TEST_F(CliBreaker, TrialCallAfterOpenTime) {
  wiremock().stub(R"({"request":{"method":"GET","url":"/jwks"},
                      "response":{"status":503,"body":"down"}})");
  TempDir dir;
  HostOptions options;
  options.config_file = write_breaker_config(dir, wiremock().port());
  options.log_level = "off";
  Result<std::unique_ptr<Host>> host = Host::open(options);
  ASSERT_TRUE(host.ok()) << host.status().to_string();
  Result<std::shared_ptr<AuthProvider>> auth = (*host)->auth("auth");
  ASSERT_TRUE(auth.ok()) << auth.status().to_string();

  for (int i = 0; i < kMinimumCalls + 5; ++i) (*auth)->health_check(CallContext{});
  EXPECT_EQ(wiremock().requests().size(), static_cast<std::size_t>(kMinimumCalls));
  const Status rejected = (*auth)->health_check(CallContext{});
  EXPECT_EQ(rejected.reason(), "circuit_open") << rejected.to_string();
  ASSERT_TRUE(rejected.retry_after().has_value());
  EXPECT_GT(rejected.retry_after()->count(), 0);

  // Verifications bypass the breaker: they need the endpoint only for keys not yet cached.
  VerifyRequest request;
  request.token = "eyJhbGciOiJFUzI1NiIsImtpZCI6Im5ldyJ9.eyJzdWIiOiJ1In0.c2ln";
  const Result<VerifiedToken> verified = (*auth)->verify(CallContext{}, request);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.status().reason(), "circuit_open") << verified.status().to_string();

  std::this_thread::sleep_for(std::chrono::milliseconds(kOpenMs + 100));
  const Status trial = (*auth)->health_check(CallContext{});
  EXPECT_EQ(trial.code(), StatusCode::kUnavailable);
  EXPECT_NE(trial.reason(), "circuit_open") << trial.to_string();
  EXPECT_EQ(wiremock().requests().size(), static_cast<std::size_t>(kMinimumCalls) + 1);
  // The failed trial opens the breaker again.
  EXPECT_EQ((*auth)->health_check(CallContext{}).reason(), "circuit_open");
  EXPECT_EQ(wiremock().requests().size(), static_cast<std::size_t>(kMinimumCalls) + 1);
}

}  // namespace
}  // namespace outbound
