#pragma once

#include <string>
#include <string_view>

#include "outbound/status.h"

namespace outbound::jwt {

/// Checks `url` as a `jwks_url` value: an absolute https URL, or an http URL whose host is a
/// loopback address ("localhost", 127.0.0.0/8 or [::1]), because keys fetched in clear text
/// from another host could be replaced on the way. User information ("user:pass@"), a
/// fragment, an invalid port, spaces and control characters are rejected. Returns
/// kInvalidArgument whose message completes "setting /jwks_url ...", and never repeats the
/// query string.
Status check_jwks_url(std::string_view url);

/// Returns `url` without its query string and fragment, for messages and logs, because a query
/// string may carry credentials.
std::string url_without_query(std::string_view url);

/// Returns whether `host` (without brackets) is "localhost", an IPv4 address in 127.0.0.0/8
/// or the IPv6 loopback address ::1.
bool is_loopback_host(std::string_view host);

}  // namespace outbound::jwt
