#pragma once

// A pool of OpenSSL contexts that are set up once and reused. Internal to outbound_jwt.

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace outbound::jwt {

/// ContextPool keeps objects of type T that are expensive to set up (OpenSSL contexts keyed and
/// initialised for one key), so that each call reuses one instead of setting up its own.
/// OpenSSL contexts must not be used by two threads at once, so acquire() hands a context to
/// one caller at a time. It takes an idle context, or makes a new one when none is idle. The
/// Lease gives the context back when it goes out of scope.
///
/// Thread safety: acquire() may be called from several threads at once.
template <typename T>
class ContextPool {
 public:
  /// The function that makes a context; it returns null when it fails.
  using Factory = std::function<std::unique_ptr<T>()>;

  /// Lease is one context lent to the caller, who alone uses it until the Lease ends.
  class Lease {
   public:
    Lease(ContextPool* pool, std::unique_ptr<T> context)
        : pool_(pool), context_(std::move(context)) {}
    Lease(Lease&& other) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (context_) pool_->release(std::move(context_));
    }

    /// The context, or null when the factory failed.
    T* get() const { return context_.get(); }
    T* operator->() const { return context_.get(); }
    explicit operator bool() const { return context_ != nullptr; }

    /// Frees the context instead of returning it to the pool, after an OpenSSL call on it
    /// failed and left it in an unknown state.
    void discard() { context_.reset(); }

   private:
    ContextPool* pool_;
    std::unique_ptr<T> context_;
  };

  /// Makes a pool whose contexts come from `factory`. At most `max_idle` contexts are kept
  /// idle; more are freed when their Lease ends.
  ContextPool(Factory factory, std::size_t max_idle)
      : factory_(std::move(factory)), max_idle_(max_idle) {
    // Reserved now, so that returning a context never allocates.
    idle_.reserve(max_idle_);
  }

  ContextPool(const ContextPool&) = delete;
  ContextPool& operator=(const ContextPool&) = delete;

  /// Lends an idle context, or a new one from the factory. The Lease is empty when the factory
  /// failed.
  Lease acquire() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        std::unique_ptr<T> context = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(context));
      }
    }
    return Lease(this, factory_());
  }

  /// Returns the number of idle contexts, for tests.
  std::size_t idle_count() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return idle_.size();
  }

 private:
  void release(std::unique_ptr<T> context) {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (idle_.size() < max_idle_) {
        idle_.push_back(std::move(context));
        return;
      }
    }
    // The pool is full: `context` is freed here, outside the lock.
  }

  const Factory factory_;
  const std::size_t max_idle_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<T>> idle_;
};

}  // namespace outbound::jwt
