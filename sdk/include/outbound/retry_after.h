#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "outbound/clock.h"
#include "outbound/export.h"

namespace outbound {

/// Parses an HTTP-date (RFC 9110, section 5.6.7) into seconds since the Unix epoch. All three
/// formats that the RFC requires a recipient to accept are read, case-sensitively:
///
///   IMF-fixdate   Sun, 06 Nov 1994 08:49:37 GMT
///   RFC 850       Sunday, 06-Nov-94 08:49:37 GMT
///   asctime       Sun Nov  6 08:49:37 1994
///
/// An RFC 850 two-digit year is read as the latest year with those digits that is at most 50
/// years after `now`. Returns nullopt for any other text and for impossible dates
/// (31 Apr, 29 Feb of a common year, hour 24). The day name is checked against the list of
/// names, not against the date.
OUTBOUND_SDK_API std::optional<std::chrono::seconds> parse_http_date(std::string_view text,
                                                    std::chrono::system_clock::time_point now);

/// Parses the value of an HTTP Retry-After header field (RFC 9110, section 10.2.3) into the
/// delay it requests, measured from `clock.now()`:
///
///   - delay-seconds, one or more digits: that many seconds; a number too large for the
///     return type saturates at its maximum;
///   - an HTTP-date, as parse_http_date() reads it: the time until that date, rounded up to a
///     whole millisecond, and zero for a date that has passed;
///   - a minus sign followed by digits, which the RFC does not allow but servers send: zero.
///
/// Spaces and tabs around the value are ignored. Returns nullopt for anything else, including
/// an empty value, a fraction ("1.5") and a date with a zone other than GMT.
OUTBOUND_SDK_API std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           const Clock& clock);

}  // namespace outbound
