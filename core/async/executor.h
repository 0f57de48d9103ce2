#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>

#include <spdlog/logger.h>
#include <boost/asio/thread_pool.hpp>

namespace outbound::async {

/// JobStart is the way a queued job starts: it runs its call or completes without running.
enum class JobStart {
  /// Run the call.
  kRun,
  /// The host began closing while the job waited in the queue; complete without running.
  kHostClosing,
  /// The host had closed before the job was submitted; it runs on the submitting thread and
  /// must complete without running.
  kHostClosed,
};

/// AsyncGate is the part of the executor that async clients hold. It lets them submit jobs
/// while the host is open and turns every job submitted later into a kHostClosed completion,
/// so an async client that outlives its host never touches the destroyed thread pool.
///
/// Thread safety: every member may be called from any thread.
class AsyncGate : public std::enable_shared_from_this<AsyncGate> {
 public:
  using Job = std::function<void(JobStart)>;

  AsyncGate(boost::asio::thread_pool& pool, std::shared_ptr<spdlog::logger> logger)
      : logger_(std::move(logger)), pool_(&pool) {}

  AsyncGate(const AsyncGate&) = delete;
  AsyncGate& operator=(const AsyncGate&) = delete;

  /// Queues `job` on the pool. After close(), runs it at once on this thread with kHostClosed.
  /// An exception a job throws on the pool is caught and logged, so it cannot end a pool
  /// thread.
  void post(Job job);

  /// Stops accepting jobs; jobs still queued start with kHostClosing.
  void close();

  /// Returns the number of jobs queued and not yet started.
  std::size_t queued() const { return queued_.load(std::memory_order_relaxed); }

 private:
  const std::shared_ptr<spdlog::logger> logger_;
  mutable std::mutex mutex_;
  /// Written under mutex_; null once closed.
  boost::asio::thread_pool* pool_;
  std::atomic<bool> closing_{false};
  std::atomic<std::size_t> queued_{0};
};

/// AsyncExecutor owns the host's thread pool, on which the async forms of client calls run.
///
/// Destruction (or shutdown()) closes the gate, so that queued calls complete with
/// kFailedPrecondition "host_closed" without running, and waits for the calls already running
/// to end. A pool thread cannot wait for itself. So when shutdown runs on a pool thread (a
/// completion handler released the last reference to the host), it logs an error and leaves
/// the waiting to a detached thread, and calls still running end after the host is gone.
class AsyncExecutor {
 public:
  /// Starts `threads` threads (0 means max(2, std::thread::hardware_concurrency())) that log
  /// to `logger`.
  AsyncExecutor(std::size_t threads, std::shared_ptr<spdlog::logger> logger);
  ~AsyncExecutor();

  AsyncExecutor(const AsyncExecutor&) = delete;
  AsyncExecutor& operator=(const AsyncExecutor&) = delete;

  const std::shared_ptr<AsyncGate>& gate() const { return gate_; }
  std::size_t threads() const { return threads_; }

  /// Closes the gate and waits for the pool's threads to finish; calling it again does nothing.
  void shutdown();

  /// Returns the thread count a HostOptions value of `requested` gives.
  static std::size_t thread_count(std::size_t requested);

 private:
  const std::size_t threads_;
  const std::shared_ptr<spdlog::logger> logger_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::shared_ptr<AsyncGate> gate_;
  std::once_flag shutdown_once_;
};

}  // namespace outbound::async
