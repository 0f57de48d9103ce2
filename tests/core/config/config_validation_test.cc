#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "test_support.h"

namespace outbound::config {
namespace {

using nlohmann::json;
using testing::fake_environment;
using testing::kTestFile;
using testing::minimal_config;
using testing::parse;
using testing::parse_text;

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = text.find('\n', start);
    lines.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return lines;
}

/// One value set at a pointer of the minimal configuration, and the error loading must report.
struct RuleCase {
  std::string pointer;
  json value;
  /// Empty when the value must be accepted; otherwise a part of the expected error line.
  std::string error;
  /// The pointer the error must name; defaults to `pointer`.
  std::string error_pointer = {};
};

void run_rule_cases(const std::vector<RuleCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.pointer + " = " + c.value.dump());
    json document = minimal_config();
    document[json::json_pointer(c.pointer)] = c.value;
    const Result<Config> config = parse(document);
    if (c.error.empty()) {
      EXPECT_TRUE(config.ok()) << config.status();
      continue;
    }
    ASSERT_FALSE(config.ok());
    EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
    const std::string& message = config.status().message();
    const std::string at = c.error_pointer.empty() ? c.pointer : c.error_pointer;
    EXPECT_TRUE(contains(message, kTestFile.string() + ": " + at + ": ")) << message;
    EXPECT_TRUE(contains(message, c.error)) << message;
  }
}

TEST(ConfigValidation, TimeoutRules) {
  run_rule_cases({
      {"/defaults/timeouts/connect_ms", 1, ""},
      {"/defaults/timeouts/connect_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/timeouts/connect_ms", -5, "no call ever runs without a deadline"},
      {"/defaults/timeouts/connect_ms", 10000, ""},
      {"/defaults/timeouts/connect_ms", 10001, "connect_ms 10001 exceeds attempt_ms 10000"},
      {"/defaults/timeouts/attempt_ms", 30000, ""},
      {"/defaults/timeouts/attempt_ms", 30001, "attempt_ms 30001 exceeds total_ms 30000"},
      {"/defaults/timeouts/attempt_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/timeouts/total_ms", 10000, ""},
      {"/defaults/timeouts/total_ms", 9999,
       "attempt_ms 10000 exceeds total_ms 9999 (attempt_ms is the built-in default)"},
      {"/defaults/timeouts/total_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/timeouts/total_ms", 2147483647, ""},
      {"/defaults/timeouts/total_ms", 2147483648LL,
       "must be at most 2147483647 ms, got 2147483648"},
      {"/defaults/timeouts/total_ms", 18446744073709551615ULL,
       "must be at most 2147483647 ms, got 18446744073709551615"},
  });
}

TEST(ConfigValidation, RetryRules) {
  run_rule_cases({
      {"/defaults/retry/max_retries", 0, ""},
      {"/defaults/retry/max_retries", 10, ""},
      {"/defaults/retry/max_retries", 11, "must be between 0 and 10, got 11"},
      {"/defaults/retry/max_retries", -1, "must be between 0 and 10, got -1"},
      {"/defaults/retry/initial_backoff_ms", 1, ""},
      {"/defaults/retry/initial_backoff_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/retry/initial_backoff_ms", 5000, ""},
      {"/defaults/retry/initial_backoff_ms", 5001,
       "initial_backoff_ms 5001 exceeds max_backoff_ms 5000"},
      {"/defaults/retry/max_backoff_ms", 500, ""},
      {"/defaults/retry/max_backoff_ms", 499, "initial_backoff_ms 500 exceeds max_backoff_ms 499"},
      {"/defaults/retry/jitter", "full", ""},
      {"/defaults/retry/jitter", "equal", ""},
      {"/defaults/retry/jitter", "none", ""},
      {"/defaults/retry/jitter", "Full", "invalid value \"Full\"; did you mean \"full\"?"},
      {"/defaults/retry/jitter", "random", "use one of \"full\", \"equal\", \"none\""},
      {"/defaults/retry/jitter", 1, "expected a string, got 1"},
      {"/defaults/retry/budget_percent", 0, ""},
      {"/defaults/retry/budget_percent", 100, ""},
      {"/defaults/retry/budget_percent", 12.5, ""},
      {"/defaults/retry/budget_percent", -1, "must be between 0 and 100, got -1"},
      {"/defaults/retry/budget_percent", 100.5, "must be between 0 and 100, got 100.5"},
      {"/defaults/retry/budget_percent", "20", "expected a number (a percentage), got a string"},
      {"/defaults/retry/min_retries_per_second", 0, ""},
      {"/defaults/retry/min_retries_per_second", 2147483647, ""},
      {"/defaults/retry/min_retries_per_second", -1, "must be at least 0, got -1"},
      {"/defaults/retry/min_retries_per_second", 2.5, "2.5 is not a whole number"},
  });
}

TEST(ConfigValidation, CircuitBreakerRules) {
  run_rule_cases({
      {"/defaults/circuit_breaker/failure_rate_threshold", 100, ""},
      {"/defaults/circuit_breaker/failure_rate_threshold", 0.5, ""},
      {"/defaults/circuit_breaker/failure_rate_threshold", 0,
       "must be above 0 and at most 100, got 0"},
      {"/defaults/circuit_breaker/failure_rate_threshold", 100.5,
       "must be above 0 and at most 100, got 100.5"},
      {"/defaults/circuit_breaker/slow_call_rate_threshold", 100, ""},
      {"/defaults/circuit_breaker/slow_call_rate_threshold", 0.01, ""},
      {"/defaults/circuit_breaker/slow_call_rate_threshold", 0, "must be above 0"},
      {"/defaults/circuit_breaker/slow_call_rate_threshold", 101, "at most 100, got 101"},
      {"/defaults/circuit_breaker/slow_call_ms", 1, ""},
      {"/defaults/circuit_breaker/slow_call_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/circuit_breaker/minimum_calls", 1, ""},
      {"/defaults/circuit_breaker/minimum_calls", 0, "must be at least 1, got 0"},
      {"/defaults/circuit_breaker/window/type", "time", ""},
      {"/defaults/circuit_breaker/window/type", "count", ""},
      {"/defaults/circuit_breaker/window/type", "sliding", "invalid value \"sliding\""},
      {"/defaults/circuit_breaker/window/size", 1, ""},
      {"/defaults/circuit_breaker/window/size", 0, "must be at least 1, got 0"},
      {"/defaults/circuit_breaker/window", 30, "expected an object, got 30"},
      {"/defaults/circuit_breaker/open_ms", 1, ""},
      {"/defaults/circuit_breaker/open_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/circuit_breaker/half_open_calls", 1, ""},
      {"/defaults/circuit_breaker/half_open_calls", 0, "must be at least 1, got 0"},
      {"/defaults/circuit_breaker/half_open_max_wait_ms", 1, ""},
      {"/defaults/circuit_breaker/half_open_max_wait_ms", 0, "must be at least 1 ms, got 0"},
      {"/defaults/circuit_breaker/half_open_max_wait_ms", -1, "must be at least 1 ms, got -1"},
  });
}

TEST(ConfigValidation, BulkheadAndRateLimitRules) {
  run_rule_cases({
      {"/defaults/bulkhead/max_concurrent", 1, ""},
      {"/defaults/bulkhead/max_concurrent", 0, "must be at least 1, got 0"},
      {"/defaults/bulkhead/max_wait_ms", 0, ""},
      {"/defaults/bulkhead/max_wait_ms", -1, "must be at least 0 ms, got -1"},
      {"/defaults/rate_limit/per_second", 0, ""},
      {"/defaults/rate_limit/per_second", 0.5, ""},
      {"/defaults/rate_limit/per_second", -0.5, "must be 0 or more, got -0.5"},
      {"/defaults/rate_limit/burst", 0, ""},
      {"/defaults/rate_limit/burst", -1, "must be at least 0, got -1"},
      {"/defaults/rate_limit/max_wait_ms", 0, ""},
      {"/defaults/rate_limit/max_wait_ms", 1000, ""},
      {"/defaults/rate_limit/max_wait_ms", -1, "must be at least 0 ms, got -1"},
      {"/defaults/rate_limit/max_wait_ms", 0.5, "0.5 is not a whole number"},
  });
}

TEST(ConfigValidation, LoggingRules) {
  std::vector<RuleCase> cases;
  for (const char* level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    cases.push_back({"/logging/level", level, ""});
  }
  cases.push_back({"/logging/level", "warning", "invalid value \"warning\""});
  cases.push_back({"/logging/level", "INFO", "did you mean \"info\"?"});
  cases.push_back({"/logging/format", "text", ""});
  cases.push_back({"/logging/format", "json", ""});
  cases.push_back({"/logging/format", "xml", "use one of \"text\", \"json\""});
  cases.push_back({"/logging", "info", "expected an object, got a string"});
  run_rule_cases(cases);
}

TEST(ConfigValidation, TypeErrorsNameExpectedType) {
  run_rule_cases({
      {"/defaults/timeouts/connect_ms", "5000",
       "expected an integer number of milliseconds, got a string; write a number without "
       "quotes, as in 5000"},
      {"/defaults/timeouts/connect_ms", 5000.5, "5000.5 is not a whole number"},
      {"/defaults/timeouts/connect_ms", 5000.0, ""},
      {"/defaults/timeouts/connect_ms", true, "got true"},
      {"/defaults/timeouts/connect_ms", nullptr, "got null"},
      {"/defaults/timeouts/connect_ms", json::array({1}), "got an array"},
      {"/defaults/retry/max_retries", 2.5, "2.5 is not a whole number"},
      {"/defaults/circuit_breaker/failure_rate_threshold", "50",
       "expected a number (a percentage), got a string"},
      {"/defaults/rate_limit/per_second", json::object(), "expected a number, got an object"},
      {"/defaults/timeouts", 5000, "expected an object, got 5000"},
      {"/defaults", json::array(), "expected an object, got an array"},
      {"/clients/auth/resilience", "fast", "expected an object, got a string"},
      {"/clients/auth/settings", json::array(), "expected an object, got an array"},
  });
}

TEST(ConfigValidation, UnknownKeysSuggestNearMiss) {
  run_rule_cases({
      {"/plugin_dir", json::array({"x"}),
       "unknown key \"plugin_dir\"; did you mean \"plugin_dirs\"?"},
      {"/Clients", json::object(), "did you mean \"clients\"?"},
      {"/defaults/timeout", json::object(), "did you mean \"timeouts\"?"},
      {"/defaults/timeouts/conect_ms", 5, "did you mean \"connect_ms\"?"},
      {"/defaults/timeouts/total", 5, "did you mean \"total_ms\"?"},
      {"/clients/auth/resilience/circuit_breaker/open", 5, "did you mean \"open_ms\"?"},
      {"/defaults/circuit_breaker/window/sise", 5, "did you mean \"size\"?"},
      {"/logging/Level", "info", "did you mean \"level\"?"},
      {"/clients/auth/resilence", json::object(), "did you mean \"resilience\"?"},
      {"/clients/auth/resilience/retry/jiter", "full", "did you mean \"jitter\"?"},
      {"/clients/auth/_coment", "x", "did you mean \"_comment\"?"},
      {"/clients/auth/api_key", "x",
       "unknown key \"api_key\"; remove it; the keys allowed here are \"plugin\", \"settings\", "
       "\"resilience\", \"_comment\""},
  });
}

TEST(ConfigValidation, AcceptsCommentsOutsideSettings) {
  run_rule_cases({
      {"/_comment", "Production configuration.", ""},
      {"/logging/_comment", "text for people", ""},
      {"/defaults/_comment", "x", ""},
      {"/defaults/circuit_breaker/window/_comment", "x", ""},
      {"/clients/_comment", "x", ""},
      {"/clients/auth/_comment", "x", ""},
      {"/clients/auth/resilience/_comment", "x", ""},
      {"/_comment", "Comments are not expanded: ${env:NOT_SET}", ""},
      {"/_comment", 5, "expected a string, got 5", "/_comment"},
      {"/clients/_comment", json::object(), "expected a string, got an object"},
  });
}

TEST(ConfigValidation, CommentInSettingsReachesPlugin) {
  json document = minimal_config();
  document["clients"]["auth"]["settings"] = {{"_comment", "for the plugin"}};
  const Result<Config> config = parse(document);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->clients.at(0).settings_json, R"({"_comment":"for the plugin"})");
}

TEST(ConfigValidation, ClientRules) {
  run_rule_cases({
      {"/clients/payments-eu_2", {{"plugin", "stripe"}}, ""},
      {"/clients/pay ments", {{"plugin", "stripe"}}, "invalid client id \"pay ments\""},
      {"/clients/pay.ments", {{"plugin", "stripe"}}, "use only letters, digits"},
      {"/clients/", {{"plugin", "stripe"}}, "empty client id"},
      {"/clients/auth", "jwt-auth", "expected an object, got a string"},
      {"/clients/auth/plugin", "", "empty plugin name"},
      {"/clients/auth/plugin", 5, "expected a string, got 5"},
      {"/clients/auth/plugin", "../../tmp/evil", "contains a path separator"},
      {"/clients", json::array(), "expected an object, got an array"},
      {"/plugin_dirs", json::array(), "expected a non-empty array of folders, got an empty array"},
      {"/plugin_dirs", "plugins", "expected a non-empty array of folders, got a string"},
      {"/plugin_dirs/0", 5, "expected a string, got 5"},
      {"/plugin_dirs/0", "", "empty folder path"},
  });
}

TEST(ConfigValidation, RejectsMissingRequiredKeys) {
  struct Case {
    std::string remove;
    std::string pointer;
    std::string error;
  };
  const Case cases[] = {
      {"/plugin_dirs", "/plugin_dirs", "missing required key \"plugin_dirs\""},
      {"/clients", "/clients", "missing required key \"clients\""},
      {"/clients/auth/plugin", "/clients/auth/plugin", "missing required key \"plugin\""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.remove);
    json document = minimal_config();
    const json::json_pointer remove(c.remove);
    document[remove.parent_pointer()].erase(remove.back());
    const Result<Config> config = parse(document);
    ASSERT_FALSE(config.ok());
    EXPECT_TRUE(contains(config.status().message(), c.pointer + ": " + c.error)) << config.status();
  }
}

TEST(ConfigValidation, RejectsEmptyClients) {
  json document = minimal_config();
  document["clients"] = {{"_comment", "nothing yet"}};
  const Result<Config> config = parse(document);
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.status().message(), "/clients: no clients are defined; add at "))
      << config.status();
}

TEST(ConfigValidation, RejectsNonObjectDocument) {
  const Result<Config> config = parse_text("[1, 2]");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().message(),
            kTestFile.string() +
                ": (root): expected an object, got an array; write an object, "
                "as in {\"plugin_dirs\": [...], \"clients\": {...}}");
}

TEST(ConfigValidation, ReportsAllErrorsOneLineEach) {
  json document = minimal_config();
  document["logging"] = {{"level", "loud"}};
  document["defaults"] = {{"timeouts", {{"connect_ms", 0}}}};
  document["clients"]["auth"]["resilence"] = json::object();
  document["clients"]["bad id"] = {{"plugin", "x"}};
  const Result<Config> config = parse(document);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const auto lines = lines_of(config.status().message());
  ASSERT_EQ(lines.size(), 4u) << config.status();
  for (const auto& line : lines) {
    SCOPED_TRACE(line);
    EXPECT_EQ(line.rfind(kTestFile.string() + ": /", 0), 0u);
    EXPECT_TRUE(contains(line, "; "));
  }
  EXPECT_TRUE(contains(lines[0], "/logging/level: invalid value \"loud\""));
  EXPECT_TRUE(contains(lines[1], "/defaults/timeouts/connect_ms: must be at least 1 ms"));
  EXPECT_TRUE(contains(lines[2], "/clients/auth/resilence: unknown key"));
  EXPECT_TRUE(contains(lines[3], "/clients/bad id: invalid client id"));
}

TEST(ConfigValidation, RejectsDuplicateKeys) {
  const Result<Config> config = parse_text(R"({
    "plugin_dirs": ["plugins"],
    "clients": {
      "auth": {"plugin": "jwt-auth"},
      "auth": {"plugin": "other"}
    }
  })");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.status().message(),
                       "/clients/auth: duplicate key \"auth\" in the same object"))
      << config.status();
}

TEST(ConfigValidation, DuplicateKeyPointerCountsArrayItems) {
  const Result<Config> config = parse_text(R"({
    "plugin_dirs": ["a", "b"],
    "clients": {"auth": {"plugin": "jwt-auth", "settings": {
      "keys": [{"id": 1}, [2, 3], {"id": 1, "id": 2}]}}}
  })");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.status().message(), "/clients/auth/settings/keys/2/id: duplicate"))
      << config.status();
}

TEST(ConfigValidation, RejectsDeepNesting) {
  std::string nested;
  for (int i = 0; i < 100; ++i) nested += "[";
  for (int i = 0; i < 100; ++i) nested += "]";
  const Result<Config> config = parse_text(
      R"({"plugin_dirs": ["p"], "clients": {"a": {"plugin": "x", "settings": {"deep": )" + nested +
      "}}}}");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.status().message(), "nest deeper than 64 levels")) << config.status();
}

TEST(ConfigValidation, SyntaxErrorShowsLineAndColumn) {
  const Result<Config> config = parse_text("{\n  \"plugin_dirs\": [\"p\"],\n  \"clients\": x\n}");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), StatusCode::kInvalidArgument);
  const std::string& message = config.status().message();
  EXPECT_TRUE(contains(message, kTestFile.string() + ": line 3, column 14: invalid JSON: "))
      << message;
  EXPECT_TRUE(contains(message, "syntax error while parsing value")) << message;
}

TEST(ConfigValidation, SyntaxErrorLocationTable) {
  struct Case {
    std::string text;
    std::string location;
  };
  const Case cases[] = {
      {"", "line 1, column 1"},
      {"{\"a\": 1,}", "line 1, column 9"},
      {"{\n\"a\": \"open\n\"}", "line 2, column 11"},
      {"{}\n// comment", "line 2, column 1"},
      {"{\"a\": [1, 2}", "line 1, column 12"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const Result<Config> config = parse_text(c.text);
    ASSERT_FALSE(config.ok());
    EXPECT_TRUE(contains(config.status().message(), ": " + c.location + ": invalid JSON: "))
        << config.status();
  }
}

TEST(ConfigValidation, SyntaxErrorKeepsExpectedToken) {
  const Result<Config> config = parse_text("{\"plugin_dirs\" [\"p\"]}");
  ASSERT_FALSE(config.ok());
  EXPECT_TRUE(contains(config.status().message(), "expected ':'")) << config.status();
}

TEST(ConfigMerge, DeepMergesClientOverrides) {
  json document = minimal_config();
  document["defaults"] = {{"circuit_breaker", {{"window", {{"size", 60}}}}},
                          {"retry", {{"max_retries", 4}}}};
  document["clients"]["auth"]["resilience"] = {
      {"circuit_breaker", {{"window", {{"type", "count"}}}}}, {"timeouts", {{"total_ms", 45000}}}};
  document["clients"]["mail"] = {{"plugin", "smtp"}};
  const Result<Config> config = parse(document);
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->clients.size(), 2u);

  const Resilience& auth = config->clients[0].resilience;
  EXPECT_EQ(auth.circuit_breaker.window.type, WindowPolicy::Type::kCount);
  EXPECT_EQ(auth.circuit_breaker.window.size, 60);
  EXPECT_EQ(auth.retry.max_retries, 4);
  EXPECT_EQ(auth.timeouts.total, std::chrono::milliseconds(45000));
  EXPECT_EQ(auth.timeouts.attempt, std::chrono::milliseconds(10000));
  EXPECT_EQ(auth.circuit_breaker.minimum_calls, 20);

  const Resilience& mail = config->clients[1].resilience;
  EXPECT_EQ(mail.circuit_breaker.window.type, WindowPolicy::Type::kTime);
  EXPECT_EQ(mail.circuit_breaker.window.size, 60);
  EXPECT_EQ(mail.timeouts.total, std::chrono::milliseconds(30000));

  EXPECT_EQ(config->defaults.circuit_breaker.window.size, 60);
  EXPECT_EQ(config->defaults.circuit_breaker.window.type, WindowPolicy::Type::kTime);
}

TEST(ConfigMerge, BuiltInDefaultsMatchDocumentedValues) {
  const Result<Config> config = parse(minimal_config());
  ASSERT_TRUE(config.ok()) << config.status();
  const Resilience& r = config->clients.at(0).resilience;
  EXPECT_EQ(r.timeouts.connect, std::chrono::milliseconds(5000));
  EXPECT_EQ(r.timeouts.attempt, std::chrono::milliseconds(10000));
  EXPECT_EQ(r.timeouts.total, std::chrono::milliseconds(30000));
  EXPECT_EQ(r.retry.max_retries, 2);
  EXPECT_EQ(r.retry.initial_backoff, std::chrono::milliseconds(500));
  EXPECT_EQ(r.retry.max_backoff, std::chrono::milliseconds(5000));
  EXPECT_EQ(r.retry.jitter, Jitter::kFull);
  EXPECT_EQ(r.retry.budget_percent, 20);
  EXPECT_EQ(r.retry.min_retries_per_second, 10);
  EXPECT_EQ(r.circuit_breaker.failure_rate_threshold, 50);
  EXPECT_EQ(r.circuit_breaker.slow_call, std::chrono::milliseconds(5000));
  EXPECT_EQ(r.circuit_breaker.slow_call_rate_threshold, 100);
  EXPECT_EQ(r.circuit_breaker.minimum_calls, 20);
  EXPECT_EQ(r.circuit_breaker.window.type, WindowPolicy::Type::kTime);
  EXPECT_EQ(r.circuit_breaker.window.size, 30);
  EXPECT_EQ(r.circuit_breaker.open, std::chrono::milliseconds(5000));
  EXPECT_EQ(r.circuit_breaker.half_open_calls, 3);
  EXPECT_EQ(r.circuit_breaker.half_open_max_wait, std::chrono::milliseconds(30000));
  EXPECT_EQ(r.bulkhead.max_concurrent, 64);
  EXPECT_EQ(r.bulkhead.max_wait, std::chrono::milliseconds(0));
  EXPECT_EQ(r.rate_limit.per_second, 0);
  EXPECT_EQ(r.rate_limit.burst, 0);
  EXPECT_EQ(r.rate_limit.max_wait, std::chrono::milliseconds(0));
  EXPECT_EQ(config->logging.level, "info");
  EXPECT_EQ(config->logging.format, "text");
}

TEST(ConfigMerge, ReadsEveryOverriddenValue) {
  json document = minimal_config();
  document["clients"]["auth"]["resilience"] = json::parse(R"({
    "timeouts": {"connect_ms": 100, "attempt_ms": 200, "total_ms": 900},
    "retry": {"max_retries": 5, "initial_backoff_ms": 10, "max_backoff_ms": 80, "jitter": "equal",
              "budget_percent": 7.5, "min_retries_per_second": 3},
    "circuit_breaker": {"failure_rate_threshold": 25.5, "slow_call_ms": 150,
                        "slow_call_rate_threshold": 75, "minimum_calls": 7,
                        "window": {"type": "count", "size": 40}, "open_ms": 1500,
                        "half_open_calls": 2, "half_open_max_wait_ms": 4500},
    "bulkhead": {"max_concurrent": 8, "max_wait_ms": 250},
    "rate_limit": {"per_second": 12.5, "burst": 30, "max_wait_ms": 40}
  })");
  const Result<Config> config = parse(document);
  ASSERT_TRUE(config.ok()) << config.status();

  const Resilience& r = config->clients.at(0).resilience;
  EXPECT_EQ(r.timeouts.connect, std::chrono::milliseconds(100));
  EXPECT_EQ(r.timeouts.attempt, std::chrono::milliseconds(200));
  EXPECT_EQ(r.timeouts.total, std::chrono::milliseconds(900));
  EXPECT_EQ(r.retry.max_retries, 5);
  EXPECT_EQ(r.retry.initial_backoff, std::chrono::milliseconds(10));
  EXPECT_EQ(r.retry.max_backoff, std::chrono::milliseconds(80));
  EXPECT_EQ(r.retry.jitter, Jitter::kEqual);
  EXPECT_EQ(r.retry.budget_percent, 7.5);
  EXPECT_EQ(r.retry.min_retries_per_second, 3);
  EXPECT_EQ(r.circuit_breaker.failure_rate_threshold, 25.5);
  EXPECT_EQ(r.circuit_breaker.slow_call, std::chrono::milliseconds(150));
  EXPECT_EQ(r.circuit_breaker.slow_call_rate_threshold, 75);
  EXPECT_EQ(r.circuit_breaker.minimum_calls, 7);
  EXPECT_EQ(r.circuit_breaker.window.type, WindowPolicy::Type::kCount);
  EXPECT_EQ(r.circuit_breaker.window.size, 40);
  EXPECT_EQ(r.circuit_breaker.open, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.circuit_breaker.half_open_calls, 2);
  EXPECT_EQ(r.circuit_breaker.half_open_max_wait, std::chrono::milliseconds(4500));
  EXPECT_EQ(r.bulkhead.max_concurrent, 8);
  EXPECT_EQ(r.bulkhead.max_wait, std::chrono::milliseconds(250));
  EXPECT_EQ(r.rate_limit.per_second, 12.5);
  EXPECT_EQ(r.rate_limit.burst, 30);
  EXPECT_EQ(r.rate_limit.max_wait, std::chrono::milliseconds(40));
}

TEST(ConfigMerge, NoneJitterAndReferencedChoice) {
  json document = minimal_config();
  document["clients"]["auth"]["resilience"] = {{"retry", {{"jitter", "${env:JITTER}"}}}};
  const Result<Config> config = parse(document, fake_environment({{"JITTER", "none"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->clients.at(0).resilience.retry.jitter, Jitter::kNone);
}

TEST(ConfigMerge, CanonicalJsonComparesPolicies) {
  json document = minimal_config();
  document["defaults"] = {{"bulkhead", {{"max_concurrent", 16}}}};
  // Same values as the merged defaults, written differently.
  document["clients"]["same"] = {
      {"plugin", "x"},
      {"resilience",
       {{"rate_limit", {{"per_second", 0}}}, {"bulkhead", {{"max_concurrent", 16.0}}}}}};
  document["clients"]["other"] = {{"plugin", "x"},
                                  {"resilience", {{"rate_limit", {{"per_second", 5}}}}}};
  const Result<Config> config = parse(document);
  ASSERT_TRUE(config.ok()) << config.status();
  // nlohmann::json sorts keys, so the clients are auth, other, same.
  ASSERT_EQ(config->clients.size(), 3u);
  ASSERT_EQ(config->clients[1].id, "other");
  ASSERT_EQ(config->clients[2].id, "same");
  const std::string& auth = config->clients[0].resilience.canonical_json;
  EXPECT_EQ(auth, config->defaults.canonical_json);
  EXPECT_NE(config->clients[1].resilience.canonical_json, auth);
  EXPECT_EQ(config->clients[2].resilience.canonical_json, auth);
  EXPECT_EQ(auth.rfind("{\"bulkhead\":{\"max_concurrent\":16,\"max_wait_ms\":0},", 0), 0u) << auth;
}

TEST(ConfigMerge, CanonicalJsonCoversBudgetWaitKeys) {
  const Result<Config> defaults = parse(minimal_config());
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  const std::string& text = defaults->defaults.canonical_json;
  EXPECT_TRUE(contains(text, "\"budget_percent\":20.0")) << text;
  EXPECT_TRUE(contains(text, "\"min_retries_per_second\":10")) << text;
  EXPECT_TRUE(contains(text, "\"half_open_max_wait_ms\":30000")) << text;
  EXPECT_TRUE(contains(text, "\"burst\":0,\"max_wait_ms\":0,")) << text;

  // Each key set to another value gives another text; the same value written as a fraction
  // gives the same text.
  const std::vector<std::pair<std::string, json>> changed = {
      {"/clients/auth/resilience/retry/budget_percent", 25},
      {"/clients/auth/resilience/retry/min_retries_per_second", 0},
      {"/clients/auth/resilience/circuit_breaker/half_open_max_wait_ms", 1000},
      {"/clients/auth/resilience/rate_limit/max_wait_ms", 50},
  };
  for (const auto& [pointer, value] : changed) {
    SCOPED_TRACE(pointer);
    json document = minimal_config();
    document[json::json_pointer(pointer)] = value;
    const Result<Config> config = parse(document);
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_NE(config->clients.at(0).resilience.canonical_json, text);
  }
  json same = minimal_config();
  same["clients"]["auth"]["resilience"] = {{"retry", {{"budget_percent", 20.0}}},
                                           {"rate_limit", {{"max_wait_ms", 0.0}}}};
  const Result<Config> config = parse(same);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->clients.at(0).resilience.canonical_json, text);
}

TEST(ConfigMerge, RelationErrorNamesLayerThatBrokeIt) {
  json document = minimal_config();
  document["defaults"] = {{"timeouts", {{"total_ms", 20000}}}};
  document["clients"]["auth"]["resilience"] = {{"timeouts", {{"attempt_ms", 25000}}}};
  document["clients"]["mail"] = {{"plugin", "smtp"}};
  const Result<Config> config = parse(document);
  ASSERT_FALSE(config.ok());
  const auto lines = lines_of(config.status().message());
  ASSERT_EQ(lines.size(), 1u) << config.status();
  EXPECT_TRUE(contains(lines[0],
                       "/clients/auth/resilience/timeouts/attempt_ms: attempt_ms 25000 exceeds "
                       "total_ms 20000 (total_ms is set at /defaults/timeouts/total_ms)"))
      << lines[0];
}

TEST(ConfigMerge, RejectedValueSkipsRelationCheck) {
  json document = minimal_config();
  document["defaults"] = {{"timeouts", {{"total_ms", 5000}, {"attempt_ms", 0}}}};
  const Result<Config> config = parse(document);
  ASSERT_FALSE(config.ok());
  const auto lines = lines_of(config.status().message());
  ASSERT_EQ(lines.size(), 1u) << config.status();
  EXPECT_TRUE(contains(lines[0], "/defaults/timeouts/attempt_ms: must be at least 1 ms"));
}

TEST(ConfigPaths, ResolvesPluginDirsAgainstConfigFolder) {
  json document = minimal_config();
  document["plugin_dirs"] = {"../build/plugins", "/opt/outbound/plugins/", "./local/./x/..",
                             "${env:PLUGIN_ROOT}/extra"};
  const Result<Config> config =
      parse(document, fake_environment({{"PLUGIN_ROOT", "/srv/outbound"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  ASSERT_EQ(config->plugin_dirs.size(), 4u);
  EXPECT_EQ(config->plugin_dirs[0], std::filesystem::path("/etc/build/plugins"));
  EXPECT_EQ(config->plugin_dirs[1], std::filesystem::path("/opt/outbound/plugins/"));
  EXPECT_EQ(config->plugin_dirs[2], std::filesystem::path("/etc/outbound/local/"));
  EXPECT_EQ(config->plugin_dirs[3], std::filesystem::path("/srv/outbound/extra"));
  EXPECT_EQ(config->base_directory, std::filesystem::path("/etc/outbound"));
  EXPECT_EQ(config->file, kTestFile);
}

TEST(ConfigReferences, ResolvesPlainValuesOutsideSettings) {
  json document = minimal_config();
  document["logging"] = {{"level", "${env:LOG_LEVEL}"}};
  document["clients"]["auth"]["plugin"] = "${env:AUTH_PLUGIN}";
  const Result<Config> config =
      parse(document, fake_environment({{"LOG_LEVEL", "debug"}, {"AUTH_PLUGIN", "jwt-auth"}}));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->logging.level, "debug");
  EXPECT_EQ(config->clients.at(0).plugin, "jwt-auth");
  EXPECT_TRUE(config->clients.at(0).secrets.empty());
}

TEST(ConfigReferences, ErrorsNamePointerAndVariable) {
  json document = minimal_config();
  document["logging"] = {{"format", "${env:LOG_FORMAT}"}};
  document["plugin_dirs"] = {"${file:missing-dirs.txt}"};
  const Result<Config> config = parse(document);
  ASSERT_FALSE(config.ok());
  const std::string& message = config.status().message();
  EXPECT_TRUE(contains(message, "/logging/format: environment variable \"LOG_FORMAT\" is not set"))
      << message;
  EXPECT_TRUE(contains(
      message, "/plugin_dirs/0: referenced file \"/etc/outbound/missing-dirs.txt\" not found"))
      << message;
}

}  // namespace
}  // namespace outbound::config
