#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Net/SocketAddress.h>

#include "net/deadline.h"
#include "outbound/status.h"

namespace outbound::net {

/// Returns the IPv4 and IPv6 addresses of `host` (an IP literal or a name) with `port`.
/// getaddrinfo cannot be cancelled, so a name lookup runs on a detached thread of its own. When
/// `deadline` passes first, the result is kDeadlineExceeded and the lookup finishes in the
/// background. A name that does not resolve, or resolves to no IPv4 or IPv6 address, is
/// kUnavailable with the resolver's message: "host name 'mail.example' does not resolve: Name
/// or service not known". Neither status carries a reason; callers set their own.
Result<std::vector<Poco::Net::SocketAddress>> resolve(const std::string& host, std::uint16_t port,
                                                      SteadyTime deadline);

}  // namespace outbound::net
