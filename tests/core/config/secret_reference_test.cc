#include "config/secret_reference.h"

#include <gtest/gtest.h>

#include "test_support.h"

namespace outbound::config {
namespace {

using testing::fake_environment;
using testing::TemporaryFolder;

std::string all_problems(const ExpandedString& expanded) {
  std::string text;
  for (const auto& problem : expanded.problems) text += problem.problem + "; " + problem.fix + "\n";
  return text;
}

TEST(ReferenceResolver, ExpandsTable) {
  const ReferenceResolver resolver(
      fake_environment({{"TOKEN", "t0ken-value"}, {"USER", "alice"}, {"EMPTY", ""}}), "/");
  struct Case {
    std::string text;
    std::string expected;
    bool has_reference;
  };
  const Case cases[] = {
      {"plain", "plain", false},
      {"", "", false},
      {"${env:TOKEN}", "t0ken-value", true},
      {"Bearer ${env:TOKEN}", "Bearer t0ken-value", true},
      {"${env:USER}:${env:TOKEN}", "alice:t0ken-value", true},
      {"[${env:EMPTY}]", "[]", true},
      {"$${env:TOKEN}", "${env:TOKEN}", false},
      {"cost: $5", "cost: $5", false},
      {"$$", "$$", false},
      {"trailing $", "trailing $", false},
      {"a}b{c", "a}b{c", false},
      {"$$${env:USER}", "$${env:USER}", false},
      {"$${ and ${env:USER}", "${ and alice", true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const ExpandedString expanded = resolver.expand(c.text);
    EXPECT_TRUE(expanded.problems.empty()) << all_problems(expanded);
    EXPECT_EQ(expanded.value, c.expected);
    EXPECT_EQ(expanded.has_reference, c.has_reference);
  }
}

TEST(ReferenceResolver, ReportsProblemsTable) {
  const ReferenceResolver resolver(fake_environment({{"TOKEN", "t0ken-value"}}), "/nonexistent");
  struct Case {
    std::string text;
    std::string expected;
  };
  const Case cases[] = {
      {"${env:MISSING_VARIABLE}", "environment variable \"MISSING_VARIABLE\" is not set"},
      {"${vault:payments/key}", "unknown reference scheme \"vault\""},
      {"${ENV:TOKEN}", "unknown reference scheme \"ENV\""},
      {"${env:TOKEN", "unterminated reference: the \"${\" at character 1 has no closing \"}\""},
      {"Bearer ${env:TOKEN", "the \"${\" at character 8 has no closing"},
      {"${env:}", "empty variable name"},
      {"${file:}", "empty path"},
      {"${TOKEN}", "the reference at character 1 has no scheme"},
      {"${a b:c}", "the reference at character 1 has an unknown scheme"},
      {"${file:missing.pem}", "referenced file \"/nonexistent/missing.pem\" not found"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const ExpandedString expanded = resolver.expand(c.text);
    ASSERT_EQ(expanded.problems.size(), 1u);
    EXPECT_NE(expanded.problems[0].problem.find(c.expected), std::string::npos)
        << expanded.problems[0].problem;
    EXPECT_FALSE(expanded.problems[0].fix.empty());
    EXPECT_EQ(all_problems(expanded).find("t0ken-value"), std::string::npos);
  }
}

TEST(ReferenceResolver, ReportsEveryProblemOfOneString) {
  const ReferenceResolver resolver(fake_environment(), "/");
  const ExpandedString expanded = resolver.expand("${env:FIRST}-${env:SECOND}");
  ASSERT_EQ(expanded.problems.size(), 2u);
  EXPECT_NE(expanded.problems[0].problem.find("FIRST"), std::string::npos);
  EXPECT_NE(expanded.problems[1].problem.find("SECOND"), std::string::npos);
}

TEST(ReferenceResolver, TrimsOneLineEndFromFiles) {
  TemporaryFolder folder;
  struct Case {
    std::string content;
    std::string expected;
  };
  const Case cases[] = {
      {"s3cret", "s3cret"},
      {"s3cret\n", "s3cret"},
      {"s3cret\r\n", "s3cret"},
      {"s3cret\n\n", "s3cret\n"},
      {"s3cret\r\n\r\n", "s3cret\r\n"},
      {"s3cret\r", "s3cret\r"},
      {"\n", ""},
      {"", ""},
      {"line one\nline two\n", "line one\nline two"},
  };
  const ReferenceResolver resolver(fake_environment(), folder.path());
  int index = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.content));
    const std::string name = "secret" + std::to_string(index++);
    folder.write(name, c.content);
    const ExpandedString expanded = resolver.expand("${file:" + name + "}");
    EXPECT_TRUE(expanded.problems.empty()) << all_problems(expanded);
    EXPECT_EQ(expanded.value, c.expected);
    EXPECT_TRUE(expanded.has_reference);
  }
}

TEST(ReferenceResolver, ResolvesRelativeAndAbsoluteFilePaths) {
  TemporaryFolder folder;
  const auto absolute = folder.write("keys/signing.pem", "pem-content\n");
  const ReferenceResolver resolver(fake_environment(), folder.path());

  const ExpandedString relative = resolver.expand("${file:keys/signing.pem}");
  EXPECT_TRUE(relative.problems.empty()) << all_problems(relative);
  EXPECT_EQ(relative.value, "pem-content");

  const ExpandedString dotted = resolver.expand("${file:./keys/../keys/signing.pem}");
  EXPECT_TRUE(dotted.problems.empty()) << all_problems(dotted);
  EXPECT_EQ(dotted.value, "pem-content");

  const ReferenceResolver elsewhere(fake_environment(), "/nonexistent");
  const ExpandedString full = elsewhere.expand("${file:" + absolute.string() + "}");
  EXPECT_TRUE(full.problems.empty()) << all_problems(full);
  EXPECT_EQ(full.value, "pem-content");
}

TEST(ReferenceResolver, MissingFileNamesAbsolutePath) {
  TemporaryFolder folder;
  const ReferenceResolver resolver(fake_environment(), folder.path());
  const ExpandedString expanded = resolver.expand("${file:secrets/../absent.txt}");
  ASSERT_EQ(expanded.problems.size(), 1u);
  const std::string expected = "\"" + (folder.path() / "absent.txt").string() + "\" not found";
  EXPECT_NE(expanded.problems[0].problem.find(expected), std::string::npos)
      << expanded.problems[0].problem;
}

TEST(ReferenceResolver, RejectsFolderInPlaceOfFile) {
  TemporaryFolder folder;
  folder.write("keys/a.pem", "x");
  const ReferenceResolver resolver(fake_environment(), folder.path());
  const ExpandedString expanded = resolver.expand("${file:keys}");
  ASSERT_EQ(expanded.problems.size(), 1u);
  EXPECT_NE(expanded.problems[0].problem.find("is not a regular file"), std::string::npos)
      << expanded.problems[0].problem;
}

TEST(ReferenceResolver, CapsFileSizeAtOneMebibyte) {
  TemporaryFolder folder;
  folder.write("at_limit", std::string(kMaxReferencedFileSize, 'a'));
  folder.write("over_limit", std::string(kMaxReferencedFileSize + 1, 'a'));
  const ReferenceResolver resolver(fake_environment(), folder.path());

  const ExpandedString at_limit = resolver.expand("${file:at_limit}");
  EXPECT_TRUE(at_limit.problems.empty()) << all_problems(at_limit);
  EXPECT_EQ(at_limit.value.size(), kMaxReferencedFileSize);

  const ExpandedString over_limit = resolver.expand("${file:over_limit}");
  ASSERT_EQ(over_limit.problems.size(), 1u);
  EXPECT_NE(over_limit.problems[0].problem.find("over the limit of 1048576 bytes"),
            std::string::npos)
      << over_limit.problems[0].problem;
}

TEST(ProcessEnvironment, ReadsProcessVariables) {
  const std::string name = "OUTBOUND_CONFIG_TEST_VARIABLE";
  ASSERT_EQ(setenv(name.c_str(), "from-process", 1), 0);
  const Environment environment = process_environment();
  EXPECT_EQ(environment(name), "from-process");
  ASSERT_EQ(unsetenv(name.c_str()), 0);
  EXPECT_EQ(environment(name), std::nullopt);
}

}  // namespace
}  // namespace outbound::config
