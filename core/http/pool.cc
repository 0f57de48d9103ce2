#include "http/pool.h"

#include <utility>

namespace outbound::http {

OriginPool::OriginPool(Origin origin, Poco::Net::Context::Ptr tls, int max_connections,
                       std::chrono::milliseconds idle_timeout, Opener opener)
    : origin_(std::move(origin)),
      tls_(std::move(tls)),
      max_connections_(max_connections < 1 ? 1 : max_connections),
      idle_timeout_(idle_timeout),
      opener_(opener) {}

OriginPool::~OriginPool() = default;

void OriginPool::collect_expired(SteadyTime now,
                                 std::vector<std::unique_ptr<Connection>>& expired) {
  std::size_t count = 0;
  while (count < idle_.size() && now - idle_[count]->idle_since() >= idle_timeout_) ++count;
  if (count == 0) return;
  for (std::size_t i = 0; i < count; ++i) expired.push_back(std::move(idle_[i]));
  idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(count));
  open_ -= static_cast<int>(count);
  discarded_.fetch_add(count, std::memory_order_relaxed);
  slot_freed_.notify_all();
}

Lease OriginPool::acquire(SteadyTime deadline, bool fresh) {
  std::vector<std::unique_ptr<Connection>> expired;  // closed after the lock is released
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    collect_expired(std::chrono::steady_clock::now(), expired);
    if (!fresh && !idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (!connection->stale()) {
        reused_.fetch_add(1, std::memory_order_relaxed);
        return Lease{std::move(connection), true};
      }
      // The peer closed it while it sat idle: replace it in its own slot.
      connection.reset();
      discarded_.fetch_add(1, std::memory_order_relaxed);
      break;
    }
    if (open_ < max_connections_) {
      ++open_;
      lock.unlock();
      break;
    }
    if (!idle_.empty()) {
      // Only `fresh` callers get here: close the oldest idle connection to make room.
      expired.push_back(std::move(idle_.front()));
      idle_.erase(idle_.begin());
      discarded_.fetch_add(1, std::memory_order_relaxed);
      lock.unlock();
      break;
    }
    if (slot_freed_.wait_until(lock, deadline) == std::cv_status::timeout &&
        open_ >= max_connections_ && idle_.empty()) {
      throw IoError(IoError::Kind::kTimeout,
                    "all " + std::to_string(max_connections_) + " connections to " + origin_.key() +
                        " stayed busy until the deadline (http.max_connections_per_host)");
    }
  }
  expired.clear();
  try {
    std::unique_ptr<Connection> connection = opener_(origin_, tls_, deadline);
    opened_.fetch_add(1, std::memory_order_relaxed);
    return Lease{std::move(connection), false};
  } catch (...) {
    {
      std::lock_guard<std::mutex> relock(mutex_);
      --open_;
    }
    slot_freed_.notify_one();
    throw;
  }
}

void OriginPool::release(std::unique_ptr<Connection> connection, bool reusable) {
  if (!connection) return;
  const SteadyTime now = std::chrono::steady_clock::now();
  if (reusable) {
    connection->set_idle_since(now);
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(std::move(connection));
  } else {
    connection.reset();
    std::lock_guard<std::mutex> lock(mutex_);
    --open_;
  }
  slot_freed_.notify_one();
}

int OriginPool::open_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return open_;
}

int OriginPool::idle_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(idle_.size());
}

}  // namespace outbound::http
