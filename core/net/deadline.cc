#include "net/deadline.h"

#include <algorithm>

namespace outbound::net {

using std::chrono::microseconds;

namespace {

/// The largest difference between the timeout set and the one due that leaves the socket as
/// it is.
constexpr microseconds kTimeoutSlack{2000};

/// Returns whether a timeout of `due` is to be set on a socket whose timeout is `set`.
bool needs_setting(microseconds set, microseconds due) {
  return due > set || set - due > kTimeoutSlack;
}

}  // namespace

void SocketTimeouts::before_receive(Poco::Net::Socket& socket, SteadyTime deadline) {
  const microseconds wait = socket_wait(deadline);
  if (!needs_setting(receive_, wait)) return;
  socket.setReceiveTimeout(Poco::Timespan(wait.count()));
  receive_ = wait;
}

void SocketTimeouts::before_send(Poco::Net::Socket& socket, SteadyTime deadline) {
  const microseconds wait = socket_wait(deadline);
  if (!needs_setting(send_, wait)) return;
  socket.setSendTimeout(Poco::Timespan(wait.count()));
  send_ = wait;
}

microseconds time_left(SteadyTime deadline) {
  const auto left =
      std::chrono::duration_cast<microseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, microseconds(1));
}

microseconds socket_wait(SteadyTime deadline) {
  const microseconds left = time_left(deadline);
  return left > microseconds(8000) ? left - left / 8 : left;
}

bool ended_early(SteadyTime deadline) {
  return std::chrono::steady_clock::now() + microseconds(500) < deadline;
}

}  // namespace outbound::net
