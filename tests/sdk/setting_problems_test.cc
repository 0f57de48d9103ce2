// SettingProblems: the collector plugins report setting problems with, and the parser the
// host reads them back with.

#include "outbound/setting_problems.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace outbound {
namespace {

TEST(JsonPointer, AppendEscapesTildeAndSlash) {
  EXPECT_EQ(append_json_pointer("", "port"), "/port");
  EXPECT_EQ(append_json_pointer("/pool", "max_connections"), "/pool/max_connections");
  EXPECT_EQ(append_json_pointer("", "a/b"), "/a~1b");
  EXPECT_EQ(append_json_pointer("", "m~n"), "/m~0n");
  // "~1" in a name is the two characters, so the tilde is escaped and the one stays.
  EXPECT_EQ(append_json_pointer("", "~1"), "/~01");
  EXPECT_EQ(append_json_pointer("/x", ""), "/x/");
}

TEST(JsonPointer, ClientSettingsPointer) {
  EXPECT_EQ(client_settings_pointer("mail"), "/clients/mail/settings");
  EXPECT_EQ(client_settings_pointer("a/b"), "/clients/a~1b/settings");
}

TEST(SettingProblems, EmptyGivesOkStatus) {
  const SettingProblems problems;
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(problems.size(), 0u);
  EXPECT_TRUE(problems.status().ok());
}

TEST(SettingProblems, StatusHasOneLinePerProblem) {
  SettingProblems problems;
  problems.add("/port", "is 99999; give a whole number of the port from 1 to 65535");
  problems.add("/host", "is missing; give the SMTP server's host name");
  problems.add("", "must be a JSON object");

  const Status status = problems.status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.reason(), kInvalidSettingsReason);
  EXPECT_EQ(status.reason(), "invalid_settings");
  EXPECT_FALSE(status.retryable());
  EXPECT_EQ(status.message(),
            "/port: is 99999; give a whole number of the port from 1 to 65535\n"
            "/host: is missing; give the SMTP server's host name\n"
            "(root): must be a JSON object");
  EXPECT_EQ(problems.size(), 3u);
}

TEST(SettingProblems, KeepsOrderAndDropsRepeats) {
  SettingProblems problems;
  problems.add("/b", "first");
  problems.add("/a", "second");
  problems.add("/b", "first");
  problems.add("/b", "another problem of the same setting");
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems.problems()[0].pointer, "/b");
  EXPECT_EQ(problems.problems()[0].problem, "first");
  EXPECT_EQ(problems.problems()[1].pointer, "/a");
  EXPECT_EQ(problems.problems()[2].problem, "another problem of the same setting");
}

TEST(SettingProblems, ContainsMatchesPointerAndBelow) {
  SettingProblems problems;
  problems.add("/pool/max_connections", "is 0");
  problems.add("/tls", "is \"ssl\"");
  EXPECT_TRUE(problems.contains("/pool"));
  EXPECT_TRUE(problems.contains("/pool/max_connections"));
  EXPECT_TRUE(problems.contains("/tls"));
  EXPECT_TRUE(problems.contains(""));
  EXPECT_FALSE(problems.contains("/po"));
  EXPECT_FALSE(problems.contains("/tl"));
  EXPECT_FALSE(problems.contains("/tls_mode"));
  EXPECT_FALSE(problems.contains("/pool/idle_ms"));
  EXPECT_FALSE(SettingProblems().contains(""));
}

TEST(SettingProblems, ControlCharactersStayOnOneLine) {
  SettingProblems problems;
  problems.add("/a\nb", "is \"x\ny\tz\x1b\"");
  const Status status = problems.status();
  EXPECT_EQ(status.message(), "/a\\nb: is \"x\\ny\\tz\\u001b\"");
  EXPECT_EQ(status.message().find('\n'), std::string::npos);
}

TEST(ParseSettingProblems, RoundTrip) {
  SettingProblems problems;
  problems.add("/port", "is 99999; give a port");
  problems.add("/pool/max_connections", "is 0: too few");
  problems.add("", "must be a JSON object");

  const auto parsed = parse_setting_problems(problems.status().message());
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->size(), 3u);
  EXPECT_EQ((*parsed)[0].pointer, "/port");
  EXPECT_EQ((*parsed)[0].problem, "is 99999; give a port");
  EXPECT_EQ((*parsed)[1].pointer, "/pool/max_connections");
  EXPECT_EQ((*parsed)[1].problem, "is 0: too few");
  EXPECT_EQ((*parsed)[2].pointer, "");
  EXPECT_EQ((*parsed)[2].problem, "must be a JSON object");
}

TEST(ParseSettingProblems, SkipsContextBeforeTheFirstLine) {
  SettingProblems problems;
  problems.add("/port", "is 99999");
  problems.add("/host", "is missing");
  const Status wrapped = problems.status()
                             .with_context("jwt-auth client 'auth'")
                             .with_context("plugin smtp (/opt/plugins/smtp.so)");

  const auto parsed = parse_setting_problems(wrapped.message());
  ASSERT_TRUE(parsed.has_value()) << wrapped.message();
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].pointer, "/port");
  EXPECT_EQ((*parsed)[0].problem, "is 99999");
  EXPECT_EQ((*parsed)[1].pointer, "/host");

  SettingProblems root;
  root.add("", "must be a JSON object");
  const auto parsed_root =
      parse_setting_problems(root.status().with_context("plugin x (/p/x.so)").message());
  ASSERT_TRUE(parsed_root.has_value());
  ASSERT_EQ(parsed_root->size(), 1u);
  EXPECT_EQ((*parsed_root)[0].pointer, "");
  EXPECT_EQ((*parsed_root)[0].problem, "must be a JSON object");
}

TEST(ParseSettingProblems, RejectsOtherMessages) {
  const std::vector<std::string> messages = {
      "",
      "smtp setting /port is 99999",
      "/port is 99999",
      "/port: is 99999\nsecond line without pointer",
      "/port: is 99999\ncontext: /host: is missing",
  };
  for (const std::string& message : messages) {
    SCOPED_TRACE(message);
    EXPECT_FALSE(parse_setting_problems(message).has_value());
  }
}

}  // namespace
}  // namespace outbound
