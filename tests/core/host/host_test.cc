#include "outbound/host.h"

#include <sstream>

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace outbound {
namespace {

using nlohmann::json;
using testing::TempDir;
namespace fs = std::filesystem;

void write_versioned_config(const fs::path& file, const std::string& folder) {
  json config = {{"plugin_dirs", {(fs::path(OUTBOUND_FIXTURES_DIR) / folder).string()}},
                 {"clients", {{"auth", {{"plugin", "fixture-versioned"}}}}}};
  testing::write_file(file, config.dump());
}

IssueRequest request_for(const std::string& subject) {
  IssueRequest request;
  request.subject = subject;
  return request;
}

HostOptions quiet_options(const fs::path& config) {
  HostOptions options;
  options.config_file = config;
  options.log_level = "off";
  return options;
}

std::string issue_token(const Host& host) {
  auto client = host.auth();
  if (!client.ok()) return "lookup failed: " + client.status().to_string();
  auto issued = (*client)->issue(CallContext{}, request_for("subject"));
  if (!issued.ok()) return "issue failed: " + issued.status().to_string();
  return issued->token;
}

TEST(HostReload, SwitchesPluginVersionWithoutRebuild) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();
  auto before = (*host)->auth();
  ASSERT_TRUE(before.ok()) << before.status();

  write_versioned_config(config, "versioned_v2");
  const Status reloaded = (*host)->reload();

  ASSERT_TRUE(reloaded.ok()) << reloaded;
  EXPECT_EQ(issue_token(**host), "v2");
  EXPECT_EQ((*host)->clients().front().plugin_version, "2.0.0");
  auto old_call = (*before)->issue(CallContext{}, request_for("subject"));
  ASSERT_TRUE(old_call.ok()) << old_call.status();
  EXPECT_EQ(old_call->token, "v1");
}

TEST(HostReload, FailureKeepsThePreviousClients) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();

  write_versioned_config(config, "wrong_major");
  const Status reloaded = (*host)->reload();

  EXPECT_FALSE(reloaded.ok());
  EXPECT_NE(reloaded.message().find("ABI major"), std::string::npos) << reloaded;
  EXPECT_EQ(issue_token(**host), "v1");
}

TEST(HostClients, ClientOutlivesTheHost) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  std::shared_ptr<AuthProvider> client;
  {
    auto host = Host::open(quiet_options(config));
    ASSERT_TRUE(host.ok()) << host.status();
    auto found = (*host)->auth();
    ASSERT_TRUE(found.ok()) << found.status();
    client = *found;
  }

  auto issued = client->issue(CallContext{}, request_for("subject"));

  ASSERT_TRUE(issued.ok()) << issued.status();
  EXPECT_EQ(issued->token, "v1");
}

TEST(HostClients, LookupErrorsCarryReasons) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();

  EXPECT_EQ((*host)->auth("nobody").status().reason(), "unknown_client");
  EXPECT_EQ((*host)->payments().status().reason(), "no_client_configured");
  EXPECT_EQ((*host)->payments("auth").status().reason(), "wrong_client_kind");
}

TEST(HostCalls, DeadlineInThePastFailsBeforeThePlugin) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();
  CallContext context;
  context.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);

  auto issued = (*(*host)->auth())->issue(context, request_for("subject"));

  EXPECT_EQ(issued.status().code(), StatusCode::kDeadlineExceeded);
}

/// Writes a configuration whose client fails every health check and whose breaker opens after
/// two failures.
void write_failing_config(const fs::path& file, int open_ms) {
  json resilience = {
      {"retry", {{"max_retries", 0}}},
      {"circuit_breaker",
       {{"minimum_calls", 2}, {"window", {{"type", "count"}, {"size", 2}}}, {"open_ms", open_ms}}}};
  json config = {{"plugin_dirs", {OUTBOUND_LEAKY_PLUGIN_DIR}},
                 {"clients",
                  {{"auth",
                    {{"plugin", "leaky-auth"},
                     {"settings", {{"api_key", "not-a-real-key"}}},
                     {"resilience", resilience}}}}}};
  testing::write_file(file, config.dump());
}

Status health(const Host& host) {
  auto client = host.client("auth");
  if (!client.ok()) return client.status();
  return (*client)->health_check(CallContext{});
}

TEST(HostReload, UnchangedClientKeepsBreakerState) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_failing_config(config, 60000);
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();
  EXPECT_EQ(health(**host).reason(), "");
  EXPECT_EQ(health(**host).reason(), "");
  ASSERT_EQ(health(**host).reason(), "circuit_open");

  ASSERT_TRUE((*host)->reload().ok());
  const Status after_same = health(**host);
  write_failing_config(config, 30000);
  ASSERT_TRUE((*host)->reload().ok());
  const Status after_change = health(**host);

  EXPECT_EQ(after_same.reason(), "circuit_open");
  EXPECT_EQ(after_change.code(), StatusCode::kUnavailable);
  EXPECT_EQ(after_change.reason(), "");
}

TEST(HostLogging, SecretsFromConfigAreMasked) {
  TempDir dir;
  const std::string canary = "host-canary-5d1f0e2a9b7c";
  testing::write_file(dir / "secret.txt", canary + "\n");
  json config = {
      {"plugin_dirs", {(fs::path(OUTBOUND_FIXTURES_DIR) / "versioned_v1").string()}},
      {"clients",
       {{"auth",
         {{"plugin", "fixture-versioned"}, {"settings", {{"password", "${file:secret.txt}"}}}}}}}};
  testing::write_file(dir / "config.json", config.dump());
  std::ostringstream captured;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(captured);
  HostOptions options = quiet_options(dir / "config.json");
  options.log_level = "trace";
  options.log_destinations = {sink};
  auto host = Host::open(options);
  ASSERT_TRUE(host.ok()) << host.status();

  (*host)->logger("test")->info("the password is {}", canary);

  EXPECT_EQ(captured.str().find(canary), std::string::npos) << captured.str();
  EXPECT_NE(captured.str().find("[REDACTED]"), std::string::npos) << captured.str();
}

}  // namespace
}  // namespace outbound
