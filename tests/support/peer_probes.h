#pragma once

// Checks of a test peer (stripe mock, smtp-server, aiosmtpd) from outside its own API: whether
// its process still exists, which addresses its port accepts connections on, and how its start
// fails. The start and stop tests of the peers share them.

#include <sys/types.h>

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace outbound::testing {

/// Returns whether a TCP connection to `address` (IPv4 or IPv6 text) and `port` succeeds.
/// Throws std::invalid_argument when `address` is not an IP address.
bool accepts_connections(const std::string& address, int port);

/// Returns the local addresses, in /proc/net/tcp's hex form such as "0100007F", of the
/// listening sockets on `port` in the table at `proc_path` (/proc/net/tcp or /proc/net/tcp6).
std::vector<std::string> listening_addresses(const std::string& proc_path, int port);

/// Returns whether process `pid` exists: kill(pid, 0) succeeds, or fails for a reason other than
/// ESRCH.
bool process_exists(pid_t pid);

/// Checks that `port` accepts connections on 127.0.0.1 and not on 127.0.0.2 or ::1, and that
/// the kernel's socket tables list one listener on it, at 127.0.0.1, and no IPv6 listener.
void expect_loopback_only(int port);

/// Checks that process `pid` is gone: kill(pid, 0) fails with ESRCH.
void expect_no_process(pid_t pid);

/// Checks `peer` after the test stopped it: it reports itself stopped, its process `pid` is gone,
/// its `port` is closed, and a second stop() does not throw. `Peer` provides stop(), running(),
/// pid() and port().
template <typename Peer>
void expect_stopped(Peer& peer, pid_t pid, int port) {
  EXPECT_FALSE(peer.running());
  EXPECT_EQ(peer.pid(), -1);
  EXPECT_EQ(peer.port(), 0);
  expect_no_process(pid);
  EXPECT_FALSE(accepts_connections("127.0.0.1", port)) << "port " << port;
  EXPECT_NO_THROW(peer.stop());
}

/// Calls `peer.start()`, which the test expects to fail, and returns the message of the
/// std::runtime_error it throws. A start that returns is a test failure whose message ends with
/// `condition`, such as "without the npm package", and the result is then empty.
template <typename Peer>
std::string start_error(Peer& peer, const std::string& condition) {
  try {
    peer.start();
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  ADD_FAILURE() << "start() succeeded " << condition;
  return "";
}

}  // namespace outbound::testing
