#include "smtp/pool.h"

#include <utility>

namespace outbound::smtp {

ConnectionPool::ConnectionPool(PoolSettings settings, PoolHooks hooks,
                               std::shared_ptr<spdlog::logger> logger)
    : settings_(settings), hooks_(std::move(hooks)), logger_(std::move(logger)) {}

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
      return;
    }
  }
  discard(std::move(connection), true);
}

void ConnectionPool::retire(std::unique_ptr<Connection> connection) {
  if (connection) discard(std::move(connection), true);
}

void ConnectionPool::close() {
  std::deque<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
    freed_.notify_all();
  }
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

std::uint64_t ConnectionPool::discarded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return discarded_;
}

}  // namespace outbound::smtp
