#include "outbound/retry_after.h"

#include <array>
#include <cstdint>
#include <limits>

namespace outbound {
namespace {

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDayNames = {"Mon", "Tue", "Wed", "Thu",
                                                       "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDayNames = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

constexpr std::int64_t kSecondsPerDay = 86400;

std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  const std::int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

bool is_leap_year(std::int64_t year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(std::int64_t year, int month) {
  constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[static_cast<std::size_t>(month - 1)];
}

/// Returns the leap years of the proleptic Gregorian calendar before `year`, counted from
/// year 1; negative for years before 1.
std::int64_t leap_years_before(std::int64_t year) {
  return floor_div(year - 1, 4) - floor_div(year - 1, 100) + floor_div(year - 1, 400);
}

/// Returns the days from 1970-01-01 to the given date of the proleptic Gregorian calendar.
std::int64_t days_since_epoch(std::int64_t year, int month, int day) {
  constexpr std::array<int, 12> kDaysBeforeMonth = {0,   31,  59,  90,  120, 151,
                                                    181, 212, 243, 273, 304, 334};
  std::int64_t days = 365 * (year - 1970) + leap_years_before(year) - leap_years_before(1970);
  days += kDaysBeforeMonth[static_cast<std::size_t>(month - 1)];
  if (month > 2 && is_leap_year(year)) ++days;
  return days + day - 1;
}

/// Returns the Gregorian year that contains the day `days` after 1970-01-01.
std::int64_t year_of_day(std::int64_t days) {
  // An estimate from the mean year length, then corrected by at most a step or two.
  std::int64_t year = 1970 + floor_div(days * 400, 146097);
  while (days_since_epoch(year, 1, 1) > days) --year;
  while (days_since_epoch(year + 1, 1, 1) <= days) ++year;
  return year;
}

/// Cursor reads an HTTP-date from left to right; every read returns false on a mismatch.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return position_ == text_.size(); }

  bool literal(std::string_view expected) {
    if (text_.substr(position_, expected.size()) != expected) return false;
    position_ += expected.size();
    return true;
  }

  /// Reads exactly `count` digits.
  bool digits(std::size_t count, int& value) {
    if (text_.size() - position_ < count) return false;
    value = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const char c = text_[position_ + i];
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    position_ += count;
    return true;
  }

  /// Reads one of `names` and stores its index.
  template <std::size_t N>
  bool one_of(const std::array<std::string_view, N>& names, int& index) {
    for (std::size_t i = 0; i < N; ++i) {
      if (literal(names[i])) {
        index = static_cast<int>(i);
        return true;
      }
    }
    return false;
  }

  /// Reads hour ":" minute ":" second.
  bool time_of_day(int& hour, int& minute, int& second) {
    return digits(2, hour) && literal(":") && digits(2, minute) && literal(":") &&
           digits(2, second);
  }

 private:
  std::string_view text_;
  std::size_t position_ = 0;
};

struct DateFields {
  std::int64_t year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
};

/// Returns whether the fields name a real time; second 60 is a leap second.
bool valid(const DateFields& date) {
  return date.month >= 1 && date.month <= 12 && date.day >= 1 &&
         date.day <= days_in_month(date.year, date.month) && date.hour <= 23 && date.minute <= 59 &&
         date.second <= 60;
}

bool read_imf_fixdate(Cursor& cursor, DateFields& date) {
  int day_name = 0;
  int month = 0;
  int year = 0;
  if (!(cursor.one_of(kDayNames, day_name) && cursor.literal(", ") && cursor.digits(2, date.day) &&
        cursor.literal(" ") && cursor.one_of(kMonths, month) && cursor.literal(" ") &&
        cursor.digits(4, year) && cursor.literal(" ") &&
        cursor.time_of_day(date.hour, date.minute, date.second) && cursor.literal(" GMT"))) {
    return false;
  }
  date.month = month + 1;
  date.year = year;
  return true;
}

bool read_rfc850_date(Cursor& cursor, DateFields& date, std::int64_t now_year) {
  int day_name = 0;
  int month = 0;
  int two_digit_year = 0;
  if (!(cursor.one_of(kLongDayNames, day_name) && cursor.literal(", ") &&
        cursor.digits(2, date.day) && cursor.literal("-") && cursor.one_of(kMonths, month) &&
        cursor.literal("-") && cursor.digits(2, two_digit_year) && cursor.literal(" ") &&
        cursor.time_of_day(date.hour, date.minute, date.second) && cursor.literal(" GMT"))) {
    return false;
  }
  date.month = month + 1;
  // The latest year ending in these digits that is at most 50 years ahead of now.
  date.year = floor_div(now_year + 50 - two_digit_year, 100) * 100 + two_digit_year;
  return true;
}

bool read_asctime_date(Cursor& cursor, DateFields& date) {
  int day_name = 0;
  int month = 0;
  int year = 0;
  if (!(cursor.one_of(kDayNames, day_name) && cursor.literal(" ") &&
        cursor.one_of(kMonths, month) && cursor.literal(" "))) {
    return false;
  }
  // The day is two digits, or a space and one digit.
  if (!(cursor.literal(" ") ? cursor.digits(1, date.day) : cursor.digits(2, date.day))) {
    return false;
  }
  if (!(cursor.literal(" ") && cursor.time_of_day(date.hour, date.minute, date.second) &&
        cursor.literal(" ") && cursor.digits(4, year))) {
    return false;
  }
  date.month = month + 1;
  date.year = year;
  return true;
}

std::string_view trim(std::string_view text) {
  const auto blank = [](char c) { return c == ' ' || c == '\t'; };
  while (!text.empty() && blank(text.front())) text.remove_prefix(1);
  while (!text.empty() && blank(text.back())) text.remove_suffix(1);
  return text;
}

/// Returns the value of a non-empty run of digits, saturating at `max`, or nullopt when
/// `text` is empty or contains anything but digits.
std::optional<std::int64_t> read_digits(std::string_view text, std::int64_t max) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    value = value > (max - digit) / 10 ? max : value * 10 + digit;
  }
  return value;
}

}  // namespace

std::optional<std::chrono::seconds> parse_http_date(std::string_view text,
                                                    std::chrono::system_clock::time_point now) {
  const std::size_t comma = text.find(',');
  DateFields date;
  Cursor cursor(text);
  bool read = false;
  if (comma == 3) {
    read = read_imf_fixdate(cursor, date);
  } else if (comma != std::string_view::npos) {
    const auto today = floor_div(
        std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count(), kSecondsPerDay);
    read = read_rfc850_date(cursor, date, year_of_day(today));
  } else {
    read = read_asctime_date(cursor, date);
  }
  if (!read || !cursor.done() || !valid(date)) return std::nullopt;

  const std::int64_t days = days_since_epoch(date.year, date.month, date.day);
  return std::chrono::seconds(days * kSecondsPerDay + date.hour * 3600 + date.minute * 60 +
                              date.second);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           const Clock& clock) {
  using std::chrono::milliseconds;
  constexpr std::int64_t kMaxSeconds = std::numeric_limits<milliseconds::rep>::max() / 1000;
  const std::string_view text = trim(value);

  if (!text.empty() && text.front() == '-') {
    if (!read_digits(text.substr(1), kMaxSeconds)) return std::nullopt;
    return milliseconds::zero();
  }
  if (const auto seconds = read_digits(text, kMaxSeconds)) {
    return milliseconds(*seconds * 1000);
  }

  const auto now = clock.now();
  const auto date = parse_http_date(text, now);
  if (!date) return std::nullopt;
  // Rounding now down rounds the delay up, so a caller never retries before the date.
  const auto now_ms = std::chrono::floor<milliseconds>(now.time_since_epoch());
  const milliseconds delay = std::chrono::duration_cast<milliseconds>(*date) - now_ms;
  return delay > milliseconds::zero() ? delay : milliseconds::zero();
}

}  // namespace outbound
