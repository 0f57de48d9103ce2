#pragma once

#include <memory>

#include <spdlog/logger.h>

#include "config/config.h"
#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"
#include "resilience/pipeline.h"

namespace outbound {

/// CallPolicy is what the host applies around every call of one client before the call
/// reaches the plugin. It sets the call's deadline, the request id and, for payment
/// operations that create or change an object, one idempotency key for all attempts. Then it
/// runs the call through the client's resilience pipeline, and logs and counts the outcome.
struct CallPolicy {
  config::Resilience resilience;
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<MetricsSink> metrics;
  /// Shared by every call of the client, and kept across a reload that leaves the client's
  /// plugin, settings and policy unchanged, so its breaker state survives.
  std::shared_ptr<resilience::Pipeline> pipeline;
};

/// Wraps a client made by a plugin in the host's call policy. The wrapper implements the
/// same capability interface as `plugin_client` and keeps it alive.
std::shared_ptr<ExternalClient> wrap_client(std::shared_ptr<ExternalClient> plugin_client,
                                            CallPolicy policy);

}  // namespace outbound
