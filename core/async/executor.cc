#include "async/executor.h"

#include <algorithm>
#include <exception>
#include <thread>

#include <boost/asio/post.hpp>

namespace outbound::async {

void AsyncGate::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (pool_ != nullptr) {
      queued_.fetch_add(1, std::memory_order_relaxed);
      boost::asio::post(*pool_, [this_gate = shared_from_this(), job = std::move(job)]() mutable {
        this_gate->queued_.fetch_sub(1, std::memory_order_relaxed);
        const JobStart start = this_gate->closing_.load(std::memory_order_acquire)
                                   ? JobStart::kHostClosing
                                   : JobStart::kRun;
        try {
          job(start);
        } catch (const std::exception& error) {
          this_gate->logger_->error("an async job threw and was stopped: {}", error.what());
        } catch (...) {
          this_gate->logger_->error("an async job threw a non-standard exception and was stopped");
        }
      });
      return;
    }
  }
  job(JobStart::kHostClosed);
}

void AsyncGate::close() {
  std::lock_guard lock(mutex_);
  pool_ = nullptr;
  closing_.store(true, std::memory_order_release);
}

std::size_t AsyncExecutor::thread_count(std::size_t requested) {
  if (requested > 0) return requested;
  return std::max<std::size_t>(2, std::thread::hardware_concurrency());
}

AsyncExecutor::AsyncExecutor(std::size_t threads, std::shared_ptr<spdlog::logger> logger)
    : threads_(thread_count(threads)),
      logger_(std::move(logger)),
      pool_(std::make_unique<boost::asio::thread_pool>(threads_)),
      gate_(std::make_shared<AsyncGate>(*pool_, logger_)) {}

AsyncExecutor::~AsyncExecutor() { shutdown(); }

void AsyncExecutor::shutdown() {
  std::call_once(shutdown_once_, [this] {
    gate_->close();
    if (pool_->get_executor().running_in_this_thread()) {
      // A thread cannot join itself, so a detached thread waits for the pool instead, after
      // this handler returns, and then destroys it.
      logger_->error(
          "the host was closed by one of its own async threads (a completion handler released "
          "it); the calls still running end after the host is gone. Release the host outside "
          "completion handlers");
      std::thread([pool = std::move(pool_)] { pool->join(); }).detach();
      return;
    }
    pool_->join();
  });
}

}  // namespace outbound::async
