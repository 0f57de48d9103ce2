#pragma once

#include <chrono>

namespace outbound::net {

using SteadyTime = std::chrono::steady_clock::time_point;

/// Returns the time left until `deadline`, at least 1 µs, because Poco reads a socket timeout
/// of 0 as "no timeout".
std::chrono::microseconds time_left(SteadyTime deadline);

/// Returns the socket timeout for a wait that must end by `deadline`: 7/8 of the time left, or
/// all of it when less than 8 ms are left. Linux runs socket timeouts on its timer wheel, which
/// may fire up to about 12% late for waits of seconds. So a wait for the whole time left would
/// overrun the deadline, by 40 ms of 2.5 s as measured on the HTTP transport. A wait that ends
/// early is followed by one for the rest.
std::chrono::microseconds socket_wait(SteadyTime deadline);

/// Returns true when a socket wait that timed out ended more than 500 µs before `deadline`, so
/// another wait for the rest is due.
bool ended_early(SteadyTime deadline);

}  // namespace outbound::net
