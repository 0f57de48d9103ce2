#include "outbound/retry_after.h"

#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

#include "fake_clock.h"

namespace outbound::resilience {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeClock;

/// Returns the seconds since the Unix epoch of a UTC date, computed by the C library.
std::chrono::seconds utc(int year, int month, int day, int hour, int minute, int second) {
  std::tm fields{};
  fields.tm_year = year - 1900;
  fields.tm_mon = month - 1;
  fields.tm_mday = day;
  fields.tm_hour = hour;
  fields.tm_min = minute;
  fields.tm_sec = second;
  return std::chrono::seconds(timegm(&fields));
}

std::chrono::system_clock::time_point at(std::chrono::seconds since_epoch) {
  return std::chrono::system_clock::time_point(since_epoch);
}

TEST(ParseHttpDate, ReadsAllThreeFormats) {
  const auto now = at(utc(2024, 1, 1, 0, 0, 0));
  const auto expected = utc(1994, 11, 6, 8, 49, 37);
  const std::vector<std::string> texts = {
      "Sun, 06 Nov 1994 08:49:37 GMT",
      "Sunday, 06-Nov-94 08:49:37 GMT",
      "Sun Nov  6 08:49:37 1994",
      "Sun Nov 06 08:49:37 1994",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    const auto date = parse_http_date(text, now);
    ASSERT_TRUE(date.has_value());
    EXPECT_EQ(*date, expected);
  }
}

TEST(ParseHttpDate, MatchesCalendarOfCLibrary) {
  const auto now = at(utc(2024, 1, 1, 0, 0, 0));
  struct Case {
    std::string text;
    std::chrono::seconds expected;
  };
  const std::vector<Case> cases = {
      {"Thu, 01 Jan 1970 00:00:00 GMT", seconds(0)},
      {"Thu, 29 Feb 2024 23:59:59 GMT", utc(2024, 2, 29, 23, 59, 59)},
      {"Tue, 29 Feb 2000 12:00:00 GMT", utc(2000, 2, 29, 12, 0, 0)},
      {"Fri, 31 Dec 1999 23:59:59 GMT", utc(1999, 12, 31, 23, 59, 59)},
      {"Mon, 01 Mar 2100 00:00:00 GMT", utc(2100, 3, 1, 0, 0, 0)},
      {"Wed, 31 Dec 1969 23:59:59 GMT", seconds(-1)},
      {"Fri, 31 Dec 9999 23:59:59 GMT", utc(9999, 12, 31, 23, 59, 59)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const auto date = parse_http_date(c.text, now);
    ASSERT_TRUE(date.has_value());
    EXPECT_EQ(*date, c.expected);
  }
}

TEST(ParseHttpDate, TwoDigitYearAtMostFiftyYearsAhead) {
  const auto now = at(utc(2024, 6, 1, 0, 0, 0));
  struct Case {
    std::string text;
    int year;
  };
  const std::vector<Case> cases = {
      {"Monday, 01-Jan-24 00:00:00 GMT", 2024}, {"Monday, 01-Jan-74 00:00:00 GMT", 2074},
      {"Monday, 01-Jan-75 00:00:00 GMT", 1975}, {"Monday, 01-Jan-99 00:00:00 GMT", 1999},
      {"Monday, 01-Jan-00 00:00:00 GMT", 2000},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    const auto date = parse_http_date(c.text, now);
    ASSERT_TRUE(date.has_value());
    EXPECT_EQ(*date, utc(c.year, 1, 1, 0, 0, 0));
  }
}

TEST(ParseHttpDate, RejectsMalformedDates) {
  const auto now = at(utc(2024, 1, 1, 0, 0, 0));
  const std::vector<std::string> texts = {
      "",
      "Sun, 06 Nov 1994 08:49:37 UTC",
      "Sun, 06 Nov 1994 08:49:37 GMT ",
      "sun, 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 nov 1994 08:49:37 GMT",
      "Sun, 6 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 94 08:49:37 GMT",
      "Sun, 06 Nov 1994 8:49:37 GMT",
      "Sun 06 Nov 1994 08:49:37 GMT",
      "Xyz, 06 Nov 1994 08:49:37 GMT",
      "Sun, 31 Apr 1994 08:49:37 GMT",
      "Sun, 29 Feb 1900 08:49:37 GMT",
      "Sun, 00 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT",
      "Sun, 06 Nov 1994 08:60:00 GMT",
      "Sun, 06 Nov 1994 08:49:61 GMT",
      "Sunday, 06-Nov-1994 08:49:37 GMT",
      "Sun, 06-Nov-94 08:49:37 GMT",
      "Sun Nov 6 08:49:37 1994",
      "Sun Nov  6 08:49:37 94",
      "Sun Nov  6 08:49:37 1994 GMT",
      "2024-01-01T00:00:00Z",
  };
  for (const std::string& text : texts) {
    SCOPED_TRACE("\"" + text + "\"");
    EXPECT_FALSE(parse_http_date(text, now).has_value());
  }
}

TEST(ParseHttpDate, AcceptsLeapSecond) {
  const auto now = at(utc(2024, 1, 1, 0, 0, 0));
  const auto date = parse_http_date("Sat, 31 Dec 2016 23:59:60 GMT", now);
  ASSERT_TRUE(date.has_value());
  EXPECT_EQ(*date, utc(2017, 1, 1, 0, 0, 0));
}

TEST(ParseRetryAfter, ReadsDelaySeconds) {
  FakeClock clock;
  struct Case {
    std::string value;
    milliseconds expected;
  };
  const std::vector<Case> cases = {
      {"0", milliseconds(0)},
      {"1", milliseconds(1000)},
      {"120", milliseconds(120000)},
      {"  30\t", milliseconds(30000)},
      {"007", milliseconds(7000)},
      {"-5", milliseconds(0)},
      {"99999999999999999999999", milliseconds(milliseconds::max().count() / 1000 * 1000)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE("\"" + c.value + "\"");
    const auto delay = parse_retry_after(c.value, clock);
    ASSERT_TRUE(delay.has_value());
    EXPECT_EQ(*delay, c.expected);
  }
}

TEST(ParseRetryAfter, ReadsDateRelativeToClock) {
  FakeClock clock;
  clock.set_now(at(utc(2024, 3, 1, 12, 0, 0)));
  struct Case {
    std::string value;
    milliseconds expected;
  };
  const std::vector<Case> cases = {
      {"Fri, 01 Mar 2024 12:00:30 GMT", milliseconds(30000)},
      {"Fri, 01 Mar 2024 12:00:00 GMT", milliseconds(0)},
      {"Fri, 01 Mar 2024 11:59:00 GMT", milliseconds(0)},
      {"Sun, 06 Nov 1994 08:49:37 GMT", milliseconds(0)},
      {"Sat, 02 Mar 2024 12:00:00 GMT", milliseconds(86400000)},
      {"Friday, 01-Mar-24 12:01:00 GMT", milliseconds(60000)},
      {"Fri Mar  1 12:00:05 2024", milliseconds(5000)},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.value);
    const auto delay = parse_retry_after(c.value, clock);
    ASSERT_TRUE(delay.has_value());
    EXPECT_EQ(*delay, c.expected);
  }
}

TEST(ParseRetryAfter, RoundsDateDelayUp) {
  FakeClock clock;
  clock.set_now(at(utc(2024, 3, 1, 12, 0, 0)) + std::chrono::microseconds(1500));
  const auto delay = parse_retry_after("Fri, 01 Mar 2024 12:00:01 GMT", clock);
  ASSERT_TRUE(delay.has_value());
  EXPECT_EQ(*delay, milliseconds(999));
}

TEST(ParseRetryAfter, RejectsGarbage) {
  FakeClock clock;
  const std::vector<std::string> values = {
      "",
      "   ",
      "soon",
      "1.5",
      "+5",
      "5s",
      "1 2",
      "-",
      "--5",
      "-5x",
      "0x10",
      "1e3",
      "Fri, 01 Mar 2024 12:00:30 PST",
  };
  for (const std::string& value : values) {
    SCOPED_TRACE("\"" + value + "\"");
    EXPECT_FALSE(parse_retry_after(value, clock).has_value());
  }
}

}  // namespace
}  // namespace outbound::resilience
