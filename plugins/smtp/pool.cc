#include "smtp/pool.h"

#include <algorithm>
#include <utility>

namespace outbound::smtp {
namespace {

/// How often the background thread looks at idle connections for a server that closed them,
/// at the latest.
constexpr std::chrono::seconds kIdleCheckInterval{5};

}  // namespace

ConnectionPool::ConnectionPool(PoolSettings settings, PoolHooks hooks,
                               std::shared_ptr<spdlog::logger> logger)
    : settings_(settings),
      hooks_(std::move(hooks)),
      logger_(std::move(logger)),
      reaper_(&ConnectionPool::reap_idle, this) {}

ConnectionPool::~ConnectionPool() { close(); }

bool ConnectionPool::usable(Connection& connection, SteadyTime deadline) {
  switch (connection.check_idle()) {
    case Connection::IdleState::kClosed:
      if (logger_) {
        logger_->info("smtp connection {} was closed by the server while idle; using another",
                      connection.id());
      }
      return false;
    case Connection::IdleState::kUnsolicited:
      if (logger_) {
        logger_->info("smtp connection {} received \"{}\" while idle; using another",
                      connection.id(), connection.unsolicited());
      }
      return false;
    case Connection::IdleState::kClean:
      break;
  }
  const auto idle_for = std::chrono::steady_clock::now() - connection.last_use();
  if (idle_for <= settings_.idle) return true;
  if (Status probed = hooks_.probe(connection, deadline); !probed.ok()) {
    if (logger_) {
      logger_->info("smtp connection {} failed its NOOP probe after {} ms idle ({}); using another",
                    connection.id(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(idle_for).count(),
                    probed.message());
    }
    return false;
  }
  return true;
}

Result<ConnectionPool::Lease> ConnectionPool::acquire(SteadyTime deadline, bool fresh) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (closed_) {
      return Status::failed_precondition("the smtp client was closed").set_reason("closed");
    }
    if (!fresh && !idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      if (usable(*connection, deadline)) {
        if (logger_) logger_->debug("smtp connection {} reused", connection->id());
        lock.lock();
        ++reused_;
        return Lease{std::move(connection), true};
      }
      discard(std::move(connection), false);
      lock.lock();
      ++discarded_;
      continue;
    }
    if (open_ < settings_.max_connections) {
      ++open_;
      lock.unlock();
      Result<std::unique_ptr<Connection>> opened = hooks_.open(deadline);
      lock.lock();
      if (!opened.ok()) {
        --open_;
        freed_.notify_one();
        return opened.status();
      }
      ++opened_;
      return Lease{std::move(opened).value(), false};
    }
    if (fresh && !idle_.empty()) {
      // Make room by closing the connection idle for the longest time.
      std::unique_ptr<Connection> oldest = std::move(idle_.front());
      idle_.pop_front();
      lock.unlock();
      discard(std::move(oldest), true);
      lock.lock();
      continue;
    }
    if (freed_.wait_until(lock, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      return Status::deadline_exceeded("all " + std::to_string(settings_.max_connections) +
                                       " SMTP connections (pool.max_connections) stayed busy "
                                       "until the deadline")
          .set_retryable(true)
          .set_reason("timeout");
    }
  }
}

void ConnectionPool::discard(std::unique_ptr<Connection> connection, bool send_quit) {
  if (send_quit && !connection->broken()) {
    connection->quit(quit_stage());
  }
  connection.reset();
  std::lock_guard<std::mutex> lock(mutex_);
  --open_;
  freed_.notify_one();
}

void ConnectionPool::release(std::unique_ptr<Connection> connection) {
  if (!connection) return;
  if (connection->broken()) {
    discard(std::move(connection), false);
    return;
  }
  if (connection->messages() >= settings_.max_messages_per_connection) {
    if (logger_) {
      logger_->debug(
          "smtp connection {} carried {} messages (pool.max_messages_per_connection); "
          "closing it",
          connection->id(), connection->messages());
    }
    discard(std::move(connection), true);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!closed_) {
      connection->set_last_use(std::chrono::steady_clock::now());
      idle_.push_back(std::move(connection));
      freed_.notify_one();
      if (idle_.size() == 1) reaper_wake_.notify_one();
      return;
    }
  }
  discard(std::move(connection), true);
}

void ConnectionPool::retire(std::unique_ptr<Connection> connection) {
  if (connection) discard(std::move(connection), true);
}

std::deque<std::unique_ptr<Connection>> ConnectionPool::take_stale_idle(SteadyTime now) {
  std::deque<std::unique_ptr<Connection>> stale;
  // idle_ is in the order the connections came back, so the oldest are at the front.
  while (!idle_.empty() && now - idle_.front()->last_use() >= settings_.close_idle) {
    stale.push_back(std::move(idle_.front()));
    idle_.pop_front();
  }
  for (auto it = idle_.begin(); it != idle_.end();) {
    if ((*it)->check_idle() == Connection::IdleState::kClean) {
      ++it;
      continue;
    }
    stale.push_back(std::move(*it));
    it = idle_.erase(it);
  }
  return stale;
}

void ConnectionPool::reap_idle() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!closed_) {
    if (idle_.empty()) {
      reaper_wake_.wait(lock);
      continue;
    }
    const SteadyTime now = std::chrono::steady_clock::now();
    std::deque<std::unique_ptr<Connection>> stale = take_stale_idle(now);
    if (stale.empty()) {
      SteadyTime wake = now + kIdleCheckInterval;
      if (!idle_.empty()) wake = std::min(wake, idle_.front()->last_use() + settings_.close_idle);
      reaper_wake_.wait_until(lock, wake);
      continue;
    }
    reaped_ += stale.size();
    lock.unlock();
    for (std::unique_ptr<Connection>& connection : stale) {
      if (logger_) {
        logger_->debug("smtp connection {} closed after {} ms idle (pool.close_idle_ms {})",
                       connection->id(),
                       std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - connection->last_use())
                           .count(),
                       settings_.close_idle.count());
      }
      discard(std::move(connection), true);
    }
    lock.lock();
  }
}

void ConnectionPool::close() {
  std::deque<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
    freed_.notify_all();
    reaper_wake_.notify_all();
  }
  if (reaper_.joinable() && reaper_.get_id() != std::this_thread::get_id()) reaper_.join();
  // One bound for all of them, so that a server that stopped replying delays close() by
  // kQuitTimeout, not by that much per connection.
  const Stage stage = quit_stage();
  for (std::unique_ptr<Connection>& connection : idle) {
    if (!connection->broken()) connection->quit(stage);
    discard(std::move(connection), false);
  }
}

std::uint64_t ConnectionPool::opened() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return opened_;
}

std::uint64_t ConnectionPool::reused() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reused_;
}

std::uint64_t ConnectionPool::reaped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return reaped_;
}

std::uint64_t ConnectionPool::discarded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return discarded_;
}

}  // namespace outbound::smtp
