#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <Poco/Net/SocketAddress.h>

#include "outbound/status.h"

namespace outbound::smtp {

using SteadyTime = std::chrono::steady_clock::time_point;

/// Returns the time left until `deadline`, at least 1 µs, because Poco reads a timeout of 0 as
/// "no timeout".
std::chrono::microseconds time_left(SteadyTime deadline);

/// Returns the socket timeout for a wait that must end by `deadline`: 7/8 of the time left.
/// Linux runs socket timeouts on its timer wheel, which fires up to about 12% late for waits
/// of seconds, so a wait for the whole time left would overrun the deadline. A wait that ends
/// early is followed by one for the rest.
std::chrono::microseconds socket_wait(SteadyTime deadline);

/// Returns true when a socket wait that timed out ended before the deadline, so another wait
/// for the rest is due.
bool ended_early(SteadyTime deadline);

/// Returns the IPv4 and IPv6 addresses of `host` (an IP literal or a name) with `port`. The
/// lookup runs on a thread of its own, because getaddrinfo cannot be cancelled. When `deadline`
/// passes first, the result is kDeadlineExceeded and the lookup finishes in the background. A
/// name that does not resolve is kUnavailable with the resolver's message.
Result<std::vector<Poco::Net::SocketAddress>> resolve(const std::string& host, std::uint16_t port,
                                                      SteadyTime deadline);

}  // namespace outbound::smtp
