#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include <Poco/Net/Context.h>
#include <spdlog/logger.h>

#include "outbound/clock.h"
#include "outbound/mail.h"
#include "outbound/plugin_context.h"
#include "smtp/pool.h"
#include "smtp/settings.h"

namespace outbound::smtp {

/// SmtpSender is the `smtp` plugin: a MailSender that speaks SMTP (RFC 5321) to one server
/// over its own connections. It has STARTTLS or implicit TLS, AUTH PLAIN or LOGIN, per-stage
/// timeouts within the call's attempt deadline, and a pool of reused connections.
///
/// send() builds the message with mail::build_message before any connection, so invalid
/// input (CR or LF in a header, an invalid address) is kInvalidArgument and nothing is sent.
/// It makes one attempt; the host's pipeline retries when the Status is retryable. The only
/// resend inside send() is this: when a pooled connection turns out to be dead before the
/// server accepted MAIL FROM, the message goes once more on a new connection. Nothing is
/// ever sent again after the message data started.
///
/// Thread safety: every method may be called from several threads at once.
class SmtpSender final : public MailSender {
 public:
  /// Reads the settings (see parse_settings) and loads the TLS context. Makes no network call.
  static Result<std::unique_ptr<SmtpSender>> create(const PluginContext& context);

  ~SmtpSender() override;

  const ClientInfo& info() const override { return info_; }

  /// Probes an idle pooled connection with NOOP. Without one, or when the probe fails, opens a
  /// connection (greeting, EHLO, STARTTLS, AUTH) and closes it with QUIT. Sends no mail.
  Status health_check(const CallContext& context) override;

  /// Closes the pooled connections with QUIT, each within one second.
  void close() override;

  Result<MailReceipt> send(const CallContext& context, const MailMessage& message) override;

  /// The pool, for tests and benchmarks that count connections.
  const ConnectionPool& pool() const { return *pool_; }

 private:
  SmtpSender(const PluginContext& context, Settings settings, Poco::Net::Context::Ptr tls);

  Result<std::unique_ptr<Connection>> open_connection(SteadyTime deadline);
  Result<SteadyTime> deadline_of(const CallContext& context) const;

  ClientInfo info_;
  Settings settings_;
  Poco::Net::Context::Ptr tls_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<const Clock> clock_;
  std::unique_ptr<ConnectionPool> pool_;
  std::atomic<std::uint64_t> next_connection_{1};
  std::atomic<bool> closed_{false};
};

}  // namespace outbound::smtp
