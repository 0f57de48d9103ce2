#include "smtp/settings.h"

#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>

#include "outbound/setting_problems.h"
#include "smtp/smtp_sender.h"
#include "test_support.h"

namespace outbound::smtp {
namespace {

constexpr const char* kPassword = "pa55-w0rd-never-shown";

// Builds a context the way the host does: the password moves into `secrets` and reads
// "[REDACTED]" in the JSON text.
PluginContext context_with(const std::string& settings_json, const char* password = nullptr,
                           const std::string& base_directory = "/") {
  PluginContext context;
  context.settings_json = settings_json;
  context.base_directory = base_directory;
  if (password) context.secrets.emplace("/password", Secret::copy_of(password));
  return context;
}

Status parse_error(const std::string& settings_json, const char* password = nullptr) {
  Result<Settings> settings = parse_settings(context_with(settings_json, password));
  EXPECT_FALSE(settings.ok()) << settings_json;
  return settings.ok() ? Status() : settings.status();
}

void expect_message(const Status& status, const std::string& part) {
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.reason(), "invalid_settings");
  EXPECT_NE(status.message().find(part), std::string::npos) << status.message();
  EXPECT_EQ(status.message().find(kPassword), std::string::npos) << status.message();
}

TEST(SmtpSettings, DefaultsWithOnlyAHost) {
  Result<Settings> settings = parse_settings(context_with(R"({"host":"smtp.example.com"})"));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->host, "smtp.example.com");
  EXPECT_EQ(settings->port, 587);
  EXPECT_EQ(settings->tls, TlsMode::kStartTls);
  EXPECT_TRUE(settings->username.empty());
  EXPECT_TRUE(settings->password.empty());
  EXPECT_EQ(settings->auth, AuthMechanism::kAuto);
  EXPECT_TRUE(settings->ca_file.empty());
  EXPECT_EQ(settings->helo_name, qualified_host_name());
  // Empty means "this end's address as a literal", chosen per connection.
  EXPECT_TRUE(settings->helo_name.empty() || valid_helo_name(settings->helo_name));
  EXPECT_EQ(settings->pool.max_connections, 4);
  EXPECT_EQ(settings->pool.idle, std::chrono::milliseconds(30000));
  EXPECT_EQ(settings->pool.max_messages_per_connection, 100);
  EXPECT_EQ(settings->timeouts.connect, std::chrono::milliseconds(10000));
  EXPECT_EQ(settings->timeouts.data_end, std::chrono::milliseconds(120000));
  EXPECT_GT(settings->timeouts.data_end, settings->timeouts.data);
}

TEST(SmtpSettings, ReadsEverySetting) {
  testing::TempDir folder;
  testing::write_file(folder / "tls/ca.pem", "not parsed here");
  Result<Settings> settings = parse_settings(context_with(
      R"({"host":"127.0.0.1","port":2525,"tls":"implicit","username":"demo",)"
      R"("password":"[REDACTED]","auth":"login","ca_file":"tls/ca.pem",)"
      R"("helo_name":"client.example.org",)"
      R"("pool":{"max_connections":2,"idle_ms":500,"close_idle_ms":900,)"
      R"("max_messages_per_connection":7},)"
      R"("timeouts":{"connect_ms":1,"greeting_ms":2,"ehlo_ms":3,"starttls_ms":4,"auth_ms":5,)"
      R"("mail_ms":6,"rcpt_ms":7,"data_ms":8,"data_end_ms":9}})",
      kPassword, folder.path().string()));
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->host, "127.0.0.1");
  EXPECT_EQ(settings->port, 2525);
  EXPECT_EQ(settings->tls, TlsMode::kImplicit);
  EXPECT_EQ(settings->username, "demo");
  EXPECT_EQ(settings->password.expose(), kPassword);
  EXPECT_EQ(settings->auth, AuthMechanism::kLogin);
  EXPECT_EQ(settings->ca_file, (folder.path() / "tls/ca.pem").lexically_normal().string());
  EXPECT_EQ(settings->helo_name, "client.example.org");
  EXPECT_EQ(settings->pool.max_connections, 2);
  EXPECT_EQ(settings->pool.idle, std::chrono::milliseconds(500));
  EXPECT_EQ(settings->pool.close_idle, std::chrono::milliseconds(900));
  EXPECT_EQ(settings->pool.max_messages_per_connection, 7);
  const StageTimeouts& t = settings->timeouts;
  const std::vector<std::chrono::milliseconds> read = {
      t.connect, t.greeting, t.ehlo, t.starttls, t.auth, t.mail, t.rcpt, t.data, t.data_end};
  for (std::size_t i = 0; i < read.size(); ++i) {
    EXPECT_EQ(read[i], std::chrono::milliseconds(i + 1)) << "stage " << i;
  }
}

TEST(SmtpSettings, PortDefaultsByTls) {
  const std::vector<std::pair<std::string, int>> cases = {
      {R"({"host":"h.example","tls":"starttls"})", 587},
      {R"({"host":"h.example","tls":"implicit"})", 465},
      {R"({"host":"h.example","tls":"none","allow_plaintext":true})", 25},
      {R"({"host":"h.example","tls":"implicit","port":2465})", 2465},
  };
  for (const auto& [json, port] : cases) {
    SCOPED_TRACE(json);
    Result<Settings> settings = parse_settings(context_with(json));
    ASSERT_TRUE(settings.ok()) << settings.status();
    EXPECT_EQ(settings->port, port);
  }
}

TEST(SmtpSettings, HostForms) {
  Result<Settings> bracketed = parse_settings(context_with(R"({"host":"[::1]"})"));
  ASSERT_TRUE(bracketed.ok()) << bracketed.status();
  EXPECT_EQ(bracketed->host, "::1");
  expect_message(parse_error(R"({"port":25})"), "/host: is missing");
  expect_message(parse_error(R"({"host":""})"), "/host: is empty");
  expect_message(parse_error(R"({"host":42})"), "/host: must be a string");
  for (const char* host : {"smtp://mail.example.com", "mail.example.com:25", "mail example",
                           "-bad.example", "mail..example", "mail.example.com/x"}) {
    SCOPED_TRACE(host);
    expect_message(parse_error(std::string(R"({"host":")") + host + "\"}"), "/host: is");
  }
}

TEST(SmtpSettings, TlsValues) {
  expect_message(parse_error(R"({"host":"h.example","tls":"ssl"})"),
                 "give \"starttls\", \"implicit\" or \"none\"");
  expect_message(parse_error(R"({"host":"h.example","tls":"none"})"), "allow_plaintext");
  expect_message(parse_error(R"({"host":"h.example","tls":"none","allow_plaintext":false})"),
                 "allow_plaintext");
  expect_message(parse_error(R"({"host":"h.example","tls":"none","allow_plaintext":"yes"})"),
                 "/allow_plaintext: must be true or false");
}

TEST(SmtpSettings, PortRange) {
  for (const char* port : {"0", "65536", "-1", "25.5", "\"25\"", "true"}) {
    SCOPED_TRACE(port);
    expect_message(parse_error(std::string(R"({"host":"h.example","port":)") + port + "}"),
                   "/port");
  }
  Result<Settings> whole_float =
      parse_settings(context_with(R"({"host":"h.example","port":25.0})"));
  ASSERT_TRUE(whole_float.ok()) << whole_float.status();
  EXPECT_EQ(whole_float->port, 25);
}

TEST(SmtpSettings, CredentialsComeTogether) {
  expect_message(parse_error(R"({"host":"h.example","username":"demo"})"), "/password: is missing");
  expect_message(parse_error(R"({"host":"h.example","password":"[REDACTED]"})", kPassword),
                 "/username: is missing");
  expect_message(parse_error(R"({"host":"h.example","auth":"plain"})"),
                 "/auth: is given without /username");
  expect_message(parse_error(R"({"host":"h.example","username":"demo","password":"[REDACTED]",)"
                             R"("auth":"cram-md5"})",
                             kPassword),
                 "give \"auto\", \"plain\" or \"login\"");
  expect_message(parse_error(R"({"host":"h.example","username":"de\nmo",)"
                             R"("password":"[REDACTED]"})",
                             kPassword),
                 "/username: contains a control character");
}

TEST(SmtpSettings, PasswordChecks) {
  // A password that is not a string stays in the JSON text and is no secret.
  expect_message(parse_error(R"({"host":"h.example","username":"demo","password":12})"),
                 "/password: must be a string");
  expect_message(
      parse_error(R"({"host":"h.example","username":"demo","password":"[REDACTED]"})", ""),
      "/password: is empty");
  const std::string with_nul("a\0b", 3);
  PluginContext context =
      context_with(R"({"host":"h.example","username":"demo","password":"[REDACTED]"})");
  context.secrets.emplace("/password", Secret::copy_of(with_nul));
  Result<Settings> settings = parse_settings(context);
  ASSERT_FALSE(settings.ok());
  expect_message(settings.status(), "NUL");
}

TEST(SmtpSettings, PlaintextAuthOnlyToLoopback) {
  const std::string rest =
      R"(,"tls":"none","allow_plaintext":true,"username":"demo","password":"[REDACTED]"})";
  expect_message(parse_error(R"({"host":"mail.example.com")" + rest, kPassword), "unencrypted");
  expect_message(parse_error(R"({"host":"192.0.2.1")" + rest, kPassword), "unencrypted");
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"}) {
    SCOPED_TRACE(host);
    Result<Settings> settings =
        parse_settings(context_with(std::string(R"({"host":")") + host + "\"" + rest, kPassword));
    EXPECT_TRUE(settings.ok()) << settings.status();
  }
}

TEST(SmtpSettings, CaFile) {
  testing::TempDir folder;
  expect_message(parse_error(R"({"host":"h.example","ca_file":"/nonexistent/ca.pem"})"),
                 "/ca_file: names /nonexistent/ca.pem, which is not a file");
  Result<Settings> settings = parse_settings(
      context_with(R"({"host":"h.example","ca_file":"."})", nullptr, folder.path().string()));
  ASSERT_FALSE(settings.ok());
  expect_message(settings.status(), "which is not a file");
}

TEST(SmtpSettings, HeloName) {
  for (const char* name :
       {"client.example.org", "localhost", "[192.0.2.1]", "[IPv6:2001:db8::1]", "a-b.c"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(valid_helo_name(name));
  }
  for (const char* name : {"", "bad name", "under_score.example", "[192.0.2]", "[IPv6:192.0.2.1]",
                           "[2001:db8::1]", "trailing.", "-lead.example"}) {
    SCOPED_TRACE(name);
    EXPECT_FALSE(valid_helo_name(name));
  }
  expect_message(parse_error(R"({"host":"h.example","helo_name":"bad name"})"),
                 "/helo_name: is \"bad name\"");
}

TEST(SmtpSettings, UnknownKeysSuggestTheKnownOne) {
  expect_message(parse_error(R"({"host":"h.example","Port":25})"), "did you mean /port?");
  expect_message(parse_error(R"({"host":"h.example","user":"x"})"), "did you mean /username?");
  expect_message(parse_error(R"({"server":"h.example"})"), "did you mean /host?");
  expect_message(parse_error(R"({"host":"h.example","verify":true})"),
                 "/verify: is unknown; the known settings here are host, port");
  expect_message(parse_error(R"({"host":"h.example","timeouts":{"data_end":5}})"),
                 "did you mean /timeouts/data_end_ms?");
  expect_message(parse_error(R"({"host":"h.example","pool":{"max-connections":5}})"),
                 "did you mean /pool/max_connections?");
}

TEST(SmtpSettings, PoolAndTimeoutRanges) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"("pool":{"max_connections":0})", "/pool/max_connections: is 0"},
      {R"("pool":{"max_connections":1001})", "/pool/max_connections: is 1001"},
      {R"("pool":{"idle_ms":"1000"})", "/pool/idle_ms: must be a number"},
      {R"("pool":{"idle_ms":1.5})", "/pool/idle_ms: is 1.5"},
      {R"("pool":{"close_idle_ms":0})", "/pool/close_idle_ms: is 0"},
      {R"("pool":{"max_messages_per_connection":0})", "/pool/max_messages_per_connection"},
      {R"("pool":4)", "/pool: must be an object"},
      {R"("timeouts":{"data_end_ms":0})", "/timeouts/data_end_ms: is 0"},
      {R"("timeouts":{"connect_ms":3600001})", "/timeouts/connect_ms: is 3600001"},
      {R"("timeouts":{"mail_ms":-5})", "/timeouts/mail_ms: is -5"},
      {R"("timeouts":[])", "/timeouts: must be an object"},
  };
  for (const auto& [member, message] : cases) {
    SCOPED_TRACE(member);
    expect_message(parse_error(R"({"host":"h.example",)" + member + "}"), message);
  }
}

TEST(SmtpSettings, NotAnObject) {
  for (const char* json : {"[]", "\"x\"", "{", ""}) {
    SCOPED_TRACE(json);
    const Status status = parse_error(json);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  }
}

// Returns the problems in the message of a failed parse, by pointer.
std::vector<SettingProblem> problems_of(const std::string& settings_json,
                                        const char* password = nullptr) {
  const Status status = parse_error(settings_json, password);
  EXPECT_EQ(status.reason(), "invalid_settings") << status;
  std::optional<std::vector<SettingProblem>> problems = parse_setting_problems(status.message());
  EXPECT_TRUE(problems.has_value()) << status.message();
  return problems.value_or(std::vector<SettingProblem>{});
}

std::vector<std::string> pointers_of(const std::vector<SettingProblem>& problems) {
  std::vector<std::string> pointers;
  for (const SettingProblem& problem : problems) pointers.push_back(problem.pointer);
  return pointers;
}

TEST(SmtpSettings, ReportsEveryProblemAtOnce) {
  const std::vector<SettingProblem> problems =
      problems_of(R"({"host":"smtp://mail.example.com","port":99999,"tls":"none","verify":true,)"
                  R"("helo_name":"bad name","pool":{"max_connections":0,"idle":5},)"
                  R"("timeouts":{"data_ms":-1,"connect_ms":"10"}})");
  EXPECT_EQ(pointers_of(problems),
            (std::vector<std::string>{"/verify", "/host", "/tls", "/port", "/helo_name",
                                      "/pool/idle", "/pool/max_connections", "/timeouts/connect_ms",
                                      "/timeouts/data_ms"}));
  ASSERT_EQ(problems.size(), 9u);
  // Each problem keeps its own wording and fix.
  EXPECT_EQ(problems[0].problem.rfind("is unknown; the known settings here are host", 0), 0u);
  EXPECT_NE(problems[1].problem.find("not a host name or IP address"), std::string::npos);
  EXPECT_NE(problems[2].problem.find("add \"allow_plaintext\": true"), std::string::npos);
  EXPECT_EQ(problems[3].problem, "is 99999; give a whole number of the port from 1 to 65535");
  EXPECT_EQ(problems[5].problem, "is unknown; did you mean /pool/idle_ms?");
  EXPECT_EQ(problems[7].problem,
            "must be a number, not a JSON string; give a whole number of milliseconds from 1 to "
            "3600000");
  EXPECT_EQ(problems[8].problem, "is -1; give a whole number of milliseconds from 1 to 3600000");
}

TEST(SmtpSettings, EveryUnknownKeyIsReported) {
  const std::vector<SettingProblem> problems =
      problems_of(R"({"host":"h.example","hots":1,"user":"x","a/b":2,"timeouts":{"dat_ms":1}})");
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0].pointer, "/a~1b");
  EXPECT_EQ(problems[0].problem.rfind("is unknown; the known settings here are", 0), 0u);
  EXPECT_EQ(problems[1].pointer, "/hots");
  EXPECT_EQ(problems[1].problem, "is unknown; did you mean /host?");
  EXPECT_EQ(problems[2].pointer, "/user");
  EXPECT_EQ(problems[2].problem, "is unknown; did you mean /username?");
  EXPECT_EQ(problems[3].pointer, "/timeouts/dat_ms");
  EXPECT_EQ(problems[3].problem, "is unknown; did you mean /timeouts/data_ms?");
}

TEST(SmtpSettings, UnknownTlsLeavesPortUnchecked) {
  // Without a known tls the default port is unknown, and a missing port is no problem.
  EXPECT_EQ(pointers_of(problems_of(R"({"host":"h.example","tls":"ssl"})")),
            (std::vector<std::string>{"/tls"}));
  // A given port is still checked.
  EXPECT_EQ(pointers_of(problems_of(R"({"host":"h.example","tls":"ssl","port":0})")),
            (std::vector<std::string>{"/tls", "/port"}));
}

TEST(SmtpSettings, CredentialProblemsTogether) {
  const std::vector<SettingProblem> problems =
      problems_of(R"({"host":"mail.example.com","tls":"none","allow_plaintext":true,)"
                  R"("username":"de\nmo","password":"[REDACTED]","auth":"cram-md5"})",
                  kPassword);
  EXPECT_EQ(pointers_of(problems), (std::vector<std::string>{"/username", "/username", "/auth"}));
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].problem, "contains a control character or line break");
  EXPECT_NE(problems[1].problem.find("unencrypted"), std::string::npos);
  EXPECT_EQ(problems[2].problem, "is \"cram-md5\"; give \"auto\", \"plain\" or \"login\"");

  EXPECT_EQ(pointers_of(problems_of(R"({"host":"h.example","password":"[REDACTED]",)"
                                    R"("auth":"plain"})",
                                    kPassword)),
            (std::vector<std::string>{"/username", "/auth"}));
  // Without a username, a wrong mechanism still shows in the same run.
  EXPECT_EQ(pointers_of(problems_of(R"({"host":"h.example","user":"demo","auth":"cram-md5"})")),
            (std::vector<std::string>{"/user", "/auth", "/auth"}));
}

TEST(SmtpSettings, HostWithPortNamesBothSettings) {
  expect_message(parse_error(R"({"host":"127.0.0.1:2626"})"),
                 "/host: is \"127.0.0.1:2626\", a host and a port; give them apart, as "
                 "\"host\": \"127.0.0.1\", \"port\": 2626");
  expect_message(parse_error(R"({"host":"smtp.example.com:587"})"),
                 "\"host\": \"smtp.example.com\", \"port\": 587");
}

TEST(SmtpSettings, WarnsAboutSettingsThatDoNothing) {
  testing::TempDir folder;
  testing::write_file(folder / "ca.pem", "not parsed here");

  Result<Settings> plaintext_with_tls = parse_settings(
      context_with(R"({"host":"h.example","tls":"implicit","allow_plaintext":true})"));
  ASSERT_TRUE(plaintext_with_tls.ok()) << plaintext_with_tls.status();
  ASSERT_EQ(plaintext_with_tls->warnings.size(), 1u);
  EXPECT_EQ(plaintext_with_tls->warnings[0].pointer, "/allow_plaintext");
  EXPECT_EQ(plaintext_with_tls->warnings[0].problem,
            "is true and does nothing, because /tls is \"implicit\", which encrypts the "
            "connection; remove it");

  Result<Settings> ca_without_tls = parse_settings(
      context_with(R"({"host":"h.example","tls":"none","allow_plaintext":true,"ca_file":"ca.pem"})",
                   nullptr, folder.path().string()));
  ASSERT_TRUE(ca_without_tls.ok()) << ca_without_tls.status();
  ASSERT_EQ(ca_without_tls->warnings.size(), 1u);
  EXPECT_EQ(ca_without_tls->warnings[0].pointer, "/ca_file");
  EXPECT_NE(ca_without_tls->warnings[0].problem.find("does nothing, because /tls is \"none\""),
            std::string::npos);

  for (const char* quiet :
       {R"({"host":"h.example"})", R"({"host":"h.example","tls":"none","allow_plaintext":true})",
        R"({"host":"h.example","allow_plaintext":false})"}) {
    SCOPED_TRACE(quiet);
    Result<Settings> settings = parse_settings(context_with(quiet));
    ASSERT_TRUE(settings.ok()) << settings.status();
    EXPECT_TRUE(settings->warnings.empty());
  }
}

TEST(SmtpSettings, CreateLogsEachWarningOnce) {
  std::ostringstream lines;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines);
  PluginContext context =
      context_with(R"({"host":"h.example","tls":"starttls","allow_plaintext":true})");
  context.client.id = "mail";
  context.logger = std::make_shared<spdlog::logger>("plugin.smtp", sink);
  context.logger->set_pattern("%l %v");

  Result<std::unique_ptr<SmtpSender>> sender = SmtpSender::create(context);
  ASSERT_TRUE(sender.ok()) << sender.status();
  const std::string expected =
      "warning /clients/mail/settings/allow_plaintext: is true and does nothing, because /tls "
      "is \"starttls\", which encrypts the connection; remove it\n";
  EXPECT_EQ(lines.str().find(expected), 0u) << lines.str();
  EXPECT_EQ(lines.str().find("allow_plaintext", expected.size()), std::string::npos) << lines.str();
}

TEST(SmtpSettings, LoopbackHost) {
  for (const char* host : {"127.0.0.1", "127.255.0.9", "::1", "localhost", "LOCALHOST"}) {
    EXPECT_TRUE(loopback_host(host)) << host;
  }
  for (const char* host : {"128.0.0.1", "10.0.0.1", "localhost.example", "::2", "example.com"}) {
    EXPECT_FALSE(loopback_host(host)) << host;
  }
}

}  // namespace
}  // namespace outbound::smtp
