#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include <spdlog/logger.h>

#include "outbound/status.h"
#include "smtp/connection.h"
#include "smtp/settings.h"

namespace outbound::smtp {

/// PoolHooks are the session steps the pool runs on connections.
struct PoolHooks {
  /// Opens a connection ready for a mail transaction, within `deadline`.
  std::function<Result<std::unique_ptr<Connection>>(SteadyTime deadline)> open;
  /// Checks with NOOP that an idle connection still works, within `deadline`.
  std::function<Status(Connection&, SteadyTime deadline)> probe;
};

/// ConnectionPool keeps the connections of one client to its server: at most
/// `max_connections` open at once, idle or leased. A caller that finds them all leased waits
/// for one until its deadline.
///
/// Before an idle connection is leased again, it is checked, without waiting, for an end of
/// stream or for bytes the server sent on its own, such as a "421" before it hangs up. One
/// idle for longer than `idle` is also probed with NOOP. A connection that fails either check is
/// discarded and the caller gets another one. A connection that has carried
/// `max_messages_per_connection` messages is closed with QUIT when it comes back. A thread of
/// the pool closes connections left idle for `close_idle` with QUIT, and with them any idle
/// connection that the server closed or sent a reply to on its own.
///
/// Thread safety: every method may be called from several threads at once.
class ConnectionPool {
 public:
  ConnectionPool(PoolSettings settings, PoolHooks hooks, std::shared_ptr<spdlog::logger> logger);
  ~ConnectionPool();
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  /// Lease is a connection taken from the pool; give it back with release() or retire().
  struct Lease {
    std::unique_ptr<Connection> connection;
    /// Whether the connection had carried a transaction before.
    bool reused = false;
  };

  /// Returns an idle connection that passed its checks, or a new one. With `fresh`, always a
  /// new one, closing an idle connection when that makes room. Fails with the opening's Status,
  /// with kDeadlineExceeded (reason "timeout") when no connection became free by `deadline`,
  /// and with kFailedPrecondition (reason "closed") after close().
  Result<Lease> acquire(SteadyTime deadline, bool fresh);

  /// Takes back a leased connection: broken ones are closed, ones at the message limit or
  /// returned after close() are closed with QUIT, and the rest wait for the next caller.
  void release(std::unique_ptr<Connection> connection);

  /// Closes a leased connection with QUIT (unless it is broken) instead of keeping it.
  void retire(std::unique_ptr<Connection> connection);

  /// Stops the thread that closes idle connections, then closes every idle connection with
  /// QUIT, all within kQuitTimeout (one second). Later acquires fail and later releases close
  /// their connection. Closing twice is harmless.
  void close();

  /// Counters for tests and benchmarks.
  std::uint64_t opened() const;
  std::uint64_t reused() const;
  std::uint64_t discarded() const;
  /// Idle connections closed by the background thread.
  std::uint64_t reaped() const;

 private:
  /// Runs the reuse checks on an idle connection, outside the lock.
  bool usable(Connection& connection, SteadyTime deadline);
  /// Closes `connection` (with QUIT when it is healthy) and frees its place.
  void discard(std::unique_ptr<Connection> connection, bool send_quit);
  /// Runs on reaper_ until close(): closes idle connections past settings_.close_idle, waking
  /// when the oldest one reaches it or a connection comes back.
  void reap_idle();
  /// Takes out of idle_, under the lock, the connections to close: those idle for
  /// settings_.close_idle by `now`, and those whose server closed them or spoke unasked.
  std::deque<std::unique_ptr<Connection>> take_stale_idle(SteadyTime now);

  const PoolSettings settings_;
  const PoolHooks hooks_;
  std::shared_ptr<spdlog::logger> logger_;

  mutable std::mutex mutex_;
  std::condition_variable freed_;
  /// Wakes reap_idle() when a connection comes back or the pool closes.
  std::condition_variable reaper_wake_;
  /// Idle connections, the most recently used at the back.
  std::deque<std::unique_ptr<Connection>> idle_;
  /// Connections open or being opened, idle or leased.
  int open_ = 0;
  bool closed_ = false;
  std::uint64_t opened_ = 0;
  std::uint64_t reused_ = 0;
  std::uint64_t discarded_ = 0;
  std::uint64_t reaped_ = 0;
  /// Declared last, so that it starts after every other member is ready.
  std::thread reaper_;
};

}  // namespace outbound::smtp
