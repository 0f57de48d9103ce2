#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <Poco/Net/Context.h>

#include "http/connection.h"
#include "http/url.h"

namespace outbound::http {

/// Lease is a connection taken from a pool, and whether it served a request before.
struct Lease {
  std::unique_ptr<Connection> connection;
  bool reused = false;
};

/// OriginPool keeps the connections to one origin. At most `max_connections` exist at once,
/// idle or busy; a caller that finds them all busy waits for one until its deadline. Idle
/// connections are reused most recent first, and one idle for `idle_timeout` or found closed
/// by its peer is discarded instead of reused.
///
/// Thread safety: every method may be called from many threads at once.
class OriginPool {
 public:
  using Opener = std::unique_ptr<Connection> (*)(const Origin&, Poco::Net::Context::Ptr,
                                                 SteadyTime);

  OriginPool(Origin origin, Poco::Net::Context::Ptr tls, int max_connections,
             std::chrono::milliseconds idle_timeout, Opener opener = &Connection::open);
  ~OriginPool();
  OriginPool(const OriginPool&) = delete;
  OriginPool& operator=(const OriginPool&) = delete;

  /// Returns an idle connection that still looks open, else a new one. Throws IoError: kTimeout
  /// when every connection stays busy until `deadline`, or the failure of opening a connection.
  /// With `fresh`, idle connections are not considered.
  Lease acquire(SteadyTime deadline, bool fresh = false);

  /// Gives a connection back: kept for reuse when `reusable`, else closed.
  void release(std::unique_ptr<Connection> connection, bool reusable);

  const Origin& origin() const { return origin_; }

  /// Connections open now (idle and busy), and idle now.
  int open_connections() const;
  int idle_connections() const;

  /// Connections opened, reuses of an idle connection, and idle connections discarded because
  /// they had expired or been closed by the peer, since the pool was made.
  std::uint64_t opened() const { return opened_.load(std::memory_order_relaxed); }
  std::uint64_t reused() const { return reused_.load(std::memory_order_relaxed); }
  std::uint64_t discarded() const { return discarded_.load(std::memory_order_relaxed); }

 private:
  /// Moves the idle connections past their idle time into `expired`; the caller holds mutex_.
  void collect_expired(SteadyTime now, std::vector<std::unique_ptr<Connection>>& expired);

  const Origin origin_;
  const Poco::Net::Context::Ptr tls_;
  const int max_connections_;
  const std::chrono::milliseconds idle_timeout_;
  const Opener opener_;

  mutable std::mutex mutex_;
  std::condition_variable slot_freed_;
  /// Idle connections, oldest first.
  std::vector<std::unique_ptr<Connection>> idle_;
  int open_ = 0;

  std::atomic<std::uint64_t> opened_{0};
  std::atomic<std::uint64_t> reused_{0};
  std::atomic<std::uint64_t> discarded_{0};
};

}  // namespace outbound::http
