#include "outbound/near_miss.h"

#include <gtest/gtest.h>

namespace outbound::config {
namespace {

TEST(EditDistance, CountsEditsAndSwaps) {
  struct Case {
    std::string a;
    std::string b;
    std::size_t expected;
  };
  const Case cases[] = {
      {"", "", 0},
      {"size", "size", 0},
      {"", "abc", 3},
      {"resilence", "resilience", 1},
      {"reslience", "resilience", 1},
      {"timeout", "timeouts", 1},
      {"kitten", "sitting", 3},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.a + " / " + c.b);
    EXPECT_EQ(edit_distance(c.a, c.b), c.expected);
    EXPECT_EQ(edit_distance(c.b, c.a), c.expected);
  }
}

TEST(SuggestNearMiss, PicksCloseCandidate) {
  const std::vector<std::string> candidates = {"plugin", "settings", "resilience", "_comment"};
  struct Case {
    std::string word;
    std::optional<std::string> expected;
  };
  const Case cases[] = {
      {"resilence", "resilience"}, {"Settings", "settings"}, {"SETTINGS", "settings"},
      {"plugins", "plugin"},       {"_coment", "_comment"},  {"unrelated", std::nullopt},
      {"timeouts", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.word);
    EXPECT_EQ(suggest_near_miss(c.word, candidates), c.expected);
  }
}

TEST(SuggestNearMiss, AddsForgottenUnitSuffix) {
  const std::vector<std::string> candidates = {"connect_ms", "attempt_ms", "total_ms"};
  EXPECT_EQ(suggest_near_miss("connect", candidates), "connect_ms");
  EXPECT_EQ(suggest_near_miss("Attempt", candidates), "attempt_ms");
  EXPECT_EQ(suggest_near_miss("connect_s", candidates), "connect_ms");
  EXPECT_EQ(suggest_near_miss("connect_seconds", candidates), std::nullopt);
}

TEST(SuggestNearMiss, PrefersCaseInsensitiveMatch) {
  // "Size" is one edit from "site" but only a case change from "size".
  EXPECT_EQ(suggest_near_miss("Size", {"site", "size"}), "size");
}

}  // namespace
}  // namespace outbound::config
