// The file-mail plugin's settings: the one `directory`, and how a relative path resolves.

#include "file_mail/settings.h"

#include <string>

#include <gtest/gtest.h>

namespace outbound::file_mail {
namespace {

Result<Settings> parse(const std::string& settings_json, const std::string& base = "/etc/app") {
  PluginContext context;
  context.settings_json = settings_json;
  context.base_directory = base;
  return parse_settings(context);
}

TEST(FileMailSettings, ResolvesRelativeDirectory) {
  Result<Settings> settings = parse(R"({"directory": "mail-out"})");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->directory, "/etc/app/mail-out");

  settings = parse(R"({"directory": "../var/./mail/"})");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->directory, "/etc/var/mail");
}

TEST(FileMailSettings, KeepsAbsoluteDirectory) {
  Result<Settings> settings = parse(R"({"directory": "/var/spool/outbound"})");
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(settings->directory, "/var/spool/outbound");
}

TEST(FileMailSettings, RejectsMissingOrInvalidDirectory) {
  struct Case {
    std::string settings;
    std::string expected;
  };
  const Case cases[] = {
      {R"({})", "file-mail setting /directory is missing"},
      {R"({"directory": 42})", "file-mail setting /directory must be a string, not a JSON number"},
      {R"({"directory": ""})", "file-mail setting /directory is empty"},
      {R"({"directory": "a\u0000b"})", "file-mail setting /directory contains a NUL"},
      {R"({"directory": "x", "dir": "y"})",
       "file-mail setting /dir is unknown; did you mean /directory?"},
      {R"({"directory": "x", "host": "y"})", "file-mail setting /host is unknown"},
      {R"([1])", "file-mail settings must be a JSON object"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.settings);
    Result<Settings> settings = parse(test.settings);
    ASSERT_FALSE(settings.ok());
    EXPECT_EQ(settings.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(settings.status().message().rfind(test.expected, 0), 0u)
        << settings.status().message();
  }
}

}  // namespace
}  // namespace outbound::file_mail
