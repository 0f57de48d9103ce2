#pragma once

#include <atomic>
#include <chrono>
#include <memory>

#include <spdlog/logger.h>

#include "async/executor.h"
#include "outbound/async.h"
#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"

namespace outbound {

/// AsyncBinding is what every call of one async client needs. Each queued call keeps a
/// reference to it, and so to the hosted client, until the call ends.
struct AsyncBinding {
  /// The hosted client (already wrapped in the call policy) that runs each call.
  std::shared_ptr<ExternalClient> client;
  std::shared_ptr<async::AsyncGate> gate;
  /// The client's `timeouts.total_ms`, applied at submission.
  std::chrono::milliseconds total_timeout{0};
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<MetricsSink> metrics;
  /// {"outbound.client": id}, built once for the per-call measurements.
  MetricAttributes client_attributes;
  /// Whether a throwing completion handler was logged; later ones are only counted.
  mutable std::atomic<bool> handler_exception_logged{false};
};

/// Returns the async client of `binding->client`'s kind: an AsyncAuthProvider,
/// AsyncPaymentGateway or AsyncMailSender.
std::shared_ptr<AsyncClient> make_async_client(std::shared_ptr<const AsyncBinding> binding);

}  // namespace outbound
