#include "outbound/host.h"

#include <atomic>
#include <future>
#include <sstream>
#include <vector>

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

TEST(HostConfigErrors, SettingProblemsNameTheFullPointer) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  json document = {
      {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
      {"clients",
       {{"mail",
         {{"plugin", "smtp"},
          {"settings", {{"host", "smtp.example.com"}, {"port", 99999}, {"tls", "ssl"}}}}},
        {"auth",
         {{"plugin", "jwt-auth"}, {"settings", {{"algorithm", "HS257"}, {"leeway", 5}}}}}}}};
  testing::write_file(config, document.dump());

  auto host = Host::open(quiet_options(config));
  ASSERT_FALSE(host.ok());
  EXPECT_EQ(host.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(host.status().reason(), "configuration");
  const std::string file = fs::absolute(config).lexically_normal().string();
  // Clients load in the order of the file, and json sorts the keys.
  const std::vector<std::string> expected = {
      file +
          ": /clients/auth/settings/leeway: is unknown; did you mean /leeway_s? (plugin "
          "jwt-auth)",
      file +
          ": /clients/auth/settings/algorithm: is \"HS257\", which is not a supported "
          "algorithm; use one of HS256, HS384, HS512, RS256, RS384, RS512, PS256, PS384, "
          "PS512, ES256, ES384, EdDSA (plugin jwt-auth)",
      file +
          ": /clients/mail/settings/tls: is \"ssl\"; give \"starttls\", \"implicit\" or "
          "\"none\" (plugin smtp)",
      file +
          ": /clients/mail/settings/port: is 99999; give a whole number of the port from 1 to "
          "65535 (plugin smtp)",
  };
  std::vector<std::string> lines;
  std::istringstream message(host.status().message());
  for (std::string line; std::getline(message, line);) lines.push_back(line);
  EXPECT_EQ(lines, expected);
  // The loader's "plugin NAME (FILE)" prefix is replaced by the name at the end of each line.
  EXPECT_EQ(host.status().message().find(".so"), std::string::npos) << host.status();
}

TEST(HostConfigErrors, OtherCreateFailuresKeepTheirMessage) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  const fs::path plugins = fs::path(OUTBOUND_FIXTURES_DIR) / "throws_in_create";
  json document = {{"plugin_dirs", {plugins.string()}},
                   {"clients", {{"auth", {{"plugin", "fixture-throws-in-create"}}}}}};
  testing::write_file(config, document.dump());

  auto host = Host::open(quiet_options(config));
  ASSERT_FALSE(host.ok());
  const std::string file = fs::absolute(config).lexically_normal().string();
  EXPECT_EQ(host.status().message(),
            file + ": /clients/auth/settings: plugin fixture-throws-in-create (" +
                (plugins / "throws_in_create.so").string() +
                "): plugin threw from create: fixture create failure");
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

TEST(HostAsync, AuthFormsMatchSync) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();
  auto async = (*host)->async_auth();
  ASSERT_TRUE(async.ok()) << async.status();

  auto future = (*async)->issue(CallContext{}, request_for("subject"));
  std::promise<Result<IssuedToken>> handled;
  (*async)->issue(CallContext{}, request_for("subject"),
                  [&handled](Result<IssuedToken> issued) { handled.set_value(issued); });
  auto handled_future = handled.get_future();
  ASSERT_EQ(future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  ASSERT_EQ(handled_future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  Result<IssuedToken> from_future = future.get();
  Result<IssuedToken> from_handler = handled_future.get();

  ASSERT_TRUE(from_future.ok()) << from_future.status();
  ASSERT_TRUE(from_handler.ok()) << from_handler.status();
  EXPECT_EQ(from_future->token, issue_token(**host));
  EXPECT_EQ(from_handler->token, issue_token(**host));
  EXPECT_EQ((*async)->info().plugin_version, "1.0.0");
}

TEST(HostAsync, LookupErrorsMatchSync) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();

  EXPECT_EQ((*host)->async_auth("nobody").status().reason(), "unknown_client");
  EXPECT_EQ((*host)->async_payments().status().reason(), "no_client_configured");
  EXPECT_EQ((*host)->async_mail("auth").status().reason(), "wrong_client_kind");
  EXPECT_EQ((*host)->async_client("nobody").status().code(), StatusCode::kNotFound);
  auto any = (*host)->async_client("auth");
  ASSERT_TRUE(any.ok()) << any.status();
  EXPECT_EQ((*any)->kind(), ClientKind::kAuth);
}

TEST(HostAsync, DestructionWithCallsInFlight) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  HostOptions options = quiet_options(config);
  options.async_threads = 1;
  auto host = Host::open(options);
  ASSERT_TRUE(host.ok()) << host.status();
  auto async = (*host)->async_auth();
  ASSERT_TRUE(async.ok()) << async.status();
  std::vector<std::future<Result<IssuedToken>>> futures;
  auto handled = std::make_shared<std::atomic<int>>(0);
  for (int i = 0; i < 200; ++i) {
    futures.push_back((*async)->issue(CallContext{}, request_for("subject")));
    (*async)->issue(CallContext{}, request_for("subject"),
                    [handled](Result<IssuedToken>) { ++*handled; });
  }

  host->reset();

  int succeeded = 0;
  int cancelled = 0;
  for (auto& future : futures) {
    ASSERT_EQ(future.wait_for(std::chrono::milliseconds(0)), std::future_status::ready);
    Result<IssuedToken> result = future.get();
    if (result.ok()) ++succeeded;
    if (result.status().reason() == "host_closed") ++cancelled;
  }
  EXPECT_EQ(succeeded + cancelled, 200);
  EXPECT_EQ(handled->load(), 200);
  auto after = (*async)->issue(CallContext{}, request_for("subject"));
  ASSERT_EQ(after.wait_for(std::chrono::milliseconds(0)), std::future_status::ready);
  const Status closed = after.get().status();
  EXPECT_EQ(closed.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(closed.reason(), "host_closed");
}

TEST(HostAsync, HostReleasedInsideHandler) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_versioned_config(config, "versioned_v1");
  HostOptions options = quiet_options(config);
  options.async_threads = 2;
  auto opened = Host::open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::shared_ptr<Host> host = std::move(*opened);
  auto async = host->async_auth();
  ASSERT_TRUE(async.ok()) << async.status();
  std::promise<void> main_released;
  std::shared_future<void> main_released_future = main_released.get_future().share();
  std::promise<void> released;
  auto released_future = released.get_future();

  // The handler keeps the last reference: it waits until this thread has let go of its own.
  (*async)->issue(CallContext{}, request_for("subject"),
                  [host, main_released_future, &released](Result<IssuedToken>) mutable {
                    main_released_future.wait_for(std::chrono::seconds(10));
                    host.reset();
                    released.set_value();
                  });
  host.reset();
  main_released.set_value();

  ASSERT_EQ(released_future.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  auto after = (*async)->issue(CallContext{}, request_for("subject"));
  ASSERT_EQ(after.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(after.get().status().reason(), "host_closed");
}

TEST(HostMetrics, BreakerStateAndTransitionsAreReported) {
  TempDir dir;
  const fs::path config = dir / "config.json";
  write_failing_config(config, 60000);
  auto host = Host::open(quiet_options(config));
  ASSERT_TRUE(host.ok()) << host.status();
  const MetricAttributes client = {{"outbound.client", "auth"}};
  const double closed = (*host)->metrics().value("outbound.circuit_breaker.state", client);

  for (int i = 0; i < 3; ++i) health(**host);
  const MetricsSnapshot snapshot = (*host)->metrics();

  const MetricAttributes health_check = {{"outbound.client", "auth"},
                                         {"outbound.operation", "health_check"}};
  EXPECT_EQ(closed, 0);
  EXPECT_EQ(snapshot.value("outbound.circuit_breaker.state", client), 1);
  EXPECT_EQ(
      snapshot.value("outbound.circuit_breaker.transitions",
                     {{"outbound.client", "auth"}, {"outbound.circuit_breaker.state", "open"}}),
      1);
  EXPECT_EQ(snapshot.value("outbound.client.calls", health_check), 3);
  EXPECT_EQ(snapshot.value("outbound.client.failures", health_check), 3);
  EXPECT_EQ(
      snapshot.value("outbound.client.rejections",
                     {{"outbound.client", "auth"}, {"outbound.rejection.reason", "circuit_open"}}),
      1);
  EXPECT_EQ(snapshot.histogram("outbound.client.call.duration", health_check)->count, 3u);
  const std::string text = to_prometheus_text(snapshot);
  EXPECT_NE(text.find("outbound_circuit_breaker_state{outbound_client=\"auth\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("outbound_async_queue_size 0\n"), std::string::npos) << text;
}

}  // namespace
}  // namespace outbound
