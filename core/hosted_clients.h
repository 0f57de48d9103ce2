#pragma once

#include <memory>

#include <spdlog/logger.h>

#include "config/config.h"
#include "outbound/client.h"
#include "outbound/clock.h"
#include "outbound/metrics.h"

namespace outbound {

/// CallPolicy is what the host applies around every call of one client before the call
/// reaches the plugin: it sets the deadlines, the request id and, for payment operations
/// that create or change an object, the idempotency key; then it logs and counts the outcome.
struct CallPolicy {
  config::Resilience resilience;
  std::shared_ptr<const Clock> clock;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<MetricsSink> metrics;
};

/// Wraps a client made by a plugin in the host's call policy. The wrapper implements the
/// same capability interface as `plugin_client` and keeps it alive.
std::shared_ptr<ExternalClient> wrap_client(std::shared_ptr<ExternalClient> plugin_client,
                                            CallPolicy policy);

}  // namespace outbound
