#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <spdlog/logger.h>

#include "config/config.h"
#include "http/pool.h"
#include "http/url.h"
#include "outbound/http.h"
#include "outbound/metrics.h"

namespace outbound::http {

/// TransportOptions configure the transport of one client.
struct TransportOptions {
  /// The client's id, for log lines and metrics.
  std::string client_id;
  /// The User-Agent of every request: "outbound/<version> <plugin>/<version>".
  std::string user_agent;
  config::HttpSettings http;
  /// The maximum time for a new connection, TCP connect and TLS handshake together. The call's
  /// deadline may cut it shorter.
  std::chrono::milliseconds connect_timeout{5000};
  /// The maximum number of redirects followed, when a request enables them.
  int max_redirects = 5;
  std::shared_ptr<spdlog::logger> logger;
  std::shared_ptr<MetricsSink> metrics;
};

/// PooledTransport is the HttpTransport the host gives plugins: a pool of connections per
/// origin, TLS verified by default, and the same outbound headers for every plugin.
///
/// Per request it:
///   - refuses to run without a deadline, and bounds connect, TLS handshake, every send and
///     every receive by the attempt's deadline (CallContext::effective_deadline());
///   - sets User-Agent, Host, Content-Length, X-Request-Id (the call's request id) and
///     `traceparent` (when the caller gave a valid one), and refuses those names, Referer,
///     Connection and Transfer-Encoding from plugins, and any CR, LF or NUL in a header;
///   - re-sends a request once on a new connection when a reused connection turns out to have
///     been closed by the peer, but only when the request is replay-safe;
///   - follows redirects only when the request enables them, at most max_redirects, never from
///   https to
///     http, and drops Authorization, Proxy-Authorization, Cookie and the request's
///     sensitive headers from the first change of origin to the end of the chain;
///   - reads the response strictly, with a size cap, so that a malformed or truncated body is
///     an error and never a success;
///   - logs requests and responses at debug level, credentials masked, bodies at trace level.
///
/// Thread safety: send() may be called from many threads at once.
class PooledTransport final : public HttpTransport {
 public:
  explicit PooledTransport(TransportOptions options);
  ~PooledTransport() override;

  Result<HttpResponse> send(const CallContext& context, const HttpRequest& request) override;

  /// Totals over every origin since the transport was made.
  struct Totals {
    std::uint64_t opened = 0;
    std::uint64_t reused = 0;
    std::uint64_t discarded = 0;
    std::uint64_t stale_resends = 0;
  };
  Totals totals() const;

  /// The pool of `origin`, made on first use.
  OriginPool& pool(const Origin& origin);

  const TransportOptions& options() const { return options_; }

 private:
  /// Sends one request of a redirect chain and reads its response, re-sending once on a new
  /// connection when a reused one turns out to be closed and the request is replay-safe.
  Result<HttpResponse> exchange(const CallContext& context, const HttpRequest& request,
                                const std::string& method, std::string_view body, const Url& url,
                                bool strip_credentials, SteadyTime deadline);
  Poco::Net::Context::Ptr tls_context(const Origin& origin);

  const TransportOptions options_;
  mutable std::mutex pools_mutex_;
  std::map<std::string, std::unique_ptr<OriginPool>> pools_;
  std::atomic<std::uint64_t> stale_resends_{0};
};

}  // namespace outbound::http
