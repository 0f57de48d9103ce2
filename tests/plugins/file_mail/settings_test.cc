// The file-mail plugin's settings: the one `directory`, how a relative path resolves, and the
// problems reported together.

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
      {R"({})", "/directory: is missing"},
      {R"({"directory": 42})", "/directory: must be a string, not a JSON number"},
      {R"({"directory": ""})", "/directory: is empty"},
      {R"({"directory": "a\u0000b"})", "/directory: contains a NUL"},
      {R"({"directory": "x", "dir": "y"})", "/dir: is unknown; did you mean /directory?"},
      {R"({"directory": "x", "Directory": "y"})",
       "/Directory: is unknown; did you mean /directory?"},
      {R"({"directory": "x", "directry": "y"})", "/directry: is unknown; did you mean /directory?"},
      {R"({"directory": "x", "host": "y"})", "/host: is unknown; the only setting is directory"},
      {R"([1])", "(root): must be a JSON object"},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(test.settings);
    Result<Settings> settings = parse(test.settings);
    ASSERT_FALSE(settings.ok());
    EXPECT_EQ(settings.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(settings.status().reason(), "invalid_settings");
    EXPECT_EQ(settings.status().message().rfind(test.expected, 0), 0u)
        << settings.status().message();
  }
}

TEST(FileMailSettings, ReportsEveryProblemAtOnce) {
  Result<Settings> settings = parse(R"({"dir": "x", "host": "y", "directory": 7})");
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.status().message(),
            "/dir: is unknown; did you mean /directory?\n"
            "/host: is unknown; the only setting is directory\n"
            "/directory: must be a string, not a JSON number");
}

}  // namespace
}  // namespace outbound::file_mail
