#pragma once

#include <chrono>

#include <Poco/Net/Socket.h>

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

/// SocketTimeouts sets a socket's receive and send timeouts to socket_wait() of each wait's
/// deadline. It skips the system call when the timeout set last differs from the one due by
/// at most 2 ms, so a busy connection does not pay one per read. A wait can thus be up to 2 ms
/// longer than socket_wait() returns, which matters only in the last 16 ms.
class SocketTimeouts {
 public:
  /// Sets the receive timeout of `socket` for a wait that must end by `deadline`.
  void before_receive(Poco::Net::Socket& socket, SteadyTime deadline);
  /// Sets the send timeout of `socket` for a wait that must end by `deadline`.
  void before_send(Poco::Net::Socket& socket, SteadyTime deadline);
  /// Forgets the timeouts set, so that the next waits set them again (after a TLS handshake
  /// replaced the socket).
  void forget() { receive_ = send_ = std::chrono::microseconds(-1); }

 private:
  std::chrono::microseconds receive_{-1};
  std::chrono::microseconds send_{-1};
};

}  // namespace outbound::net
