#include "smtp/smtp_sender.h"

#include <utility>

#include "mail/message.h"
#include "outbound/setting_problems.h"
#include "smtp/session.h"
#include "smtp/tls.h"
#include "smtp/transaction.h"

namespace outbound::smtp {

Result<std::unique_ptr<SmtpSender>> SmtpSender::create(const PluginContext& context) {
  Result<Settings> settings = parse_settings(context);
  if (!settings.ok()) return settings.status();
  if (context.logger) {
    const std::string base = client_settings_pointer(context.client.id);
    for (const SettingProblem& warning : settings->warnings) {
      context.logger->warn("{}{}: {}", base, warning.pointer, warning.problem);
    }
  }
  Poco::Net::Context::Ptr tls;
  if (settings->tls != TlsMode::kNone) {
    Result<Poco::Net::Context::Ptr> context_made =
        make_tls_context(settings->host, settings->ca_file);
    if (!context_made.ok()) return context_made.status();
    tls = *context_made;
  }
  return std::unique_ptr<SmtpSender>(new SmtpSender(context, std::move(settings).value(), tls));
}

SmtpSender::SmtpSender(const PluginContext& context, Settings settings, Poco::Net::Context::Ptr tls)
    : info_(context.client),
      settings_(std::move(settings)),
      tls_(std::move(tls)),
      logger_(context.logger),
      clock_(context.clock) {
  if (!clock_) clock_ = std::shared_ptr<const Clock>(&Clock::system(), [](const Clock*) {});
  PoolHooks hooks;
  hooks.open = [this](SteadyTime deadline) { return open_connection(deadline); };
  hooks.probe = [this](Connection& connection, SteadyTime deadline) {
    return probe(connection, settings_, deadline);
  };
  pool_ = std::make_unique<ConnectionPool>(settings_.pool, std::move(hooks), logger_);
  if (logger_) {
    logger_->debug("smtp client '{}' for {}:{} (tls {}{})", info_.id, settings_.host,
                   settings_.port, tls_mode_name(settings_.tls),
                   settings_.username.empty() ? "" : ", AUTH as " + settings_.username);
  }
}

SmtpSender::~SmtpSender() { close(); }

Result<std::unique_ptr<Connection>> SmtpSender::open_connection(SteadyTime deadline) {
  const std::string id = info_.id + "#" + std::to_string(next_connection_.fetch_add(1));
  return open_session(settings_, tls_, deadline, id, logger_);
}

Result<SteadyTime> SmtpSender::deadline_of(const CallContext& context) const {
  if (closed_.load()) {
    return Status::failed_precondition("the smtp client '" + info_.id + "' was closed")
        .set_reason("closed");
  }
  const SteadyTime deadline = context.effective_deadline();
  if (deadline == SteadyTime{}) {
    return Status::invalid_argument(
               "the smtp client was called without a deadline; pass the CallContext the host "
               "gave the call")
        .set_reason("no_deadline");
  }
  if (std::chrono::steady_clock::now() >= deadline) {
    return Status::deadline_exceeded("the deadline passed before the smtp client started")
        .set_retryable(true)
        .set_reason("timeout");
  }
  return deadline;
}

Status SmtpSender::health_check(const CallContext& context) {
  Result<SteadyTime> deadline = deadline_of(context);
  if (!deadline.ok()) return deadline.status();
  Result<ConnectionPool::Lease> lease = pool_->acquire(*deadline, false);
  if (!lease.ok()) return lease.status();
  if (lease->reused) {
    Status probed = probe(*lease->connection, settings_, *deadline);
    pool_->release(std::move(lease->connection));
    if (probed.ok()) return probed;
    // The server may just have closed an idle connection; a new one tells more.
    lease = pool_->acquire(*deadline, true);
    if (!lease.ok()) return lease.status();
  }
  // A new connection has just passed the greeting, EHLO, STARTTLS and AUTH.
  pool_->retire(std::move(lease->connection));
  return Status();
}

void SmtpSender::close() {
  if (closed_.exchange(true)) return;
  pool_->close();
  if (logger_) logger_->debug("smtp client '{}' closed", info_.id);
}

Result<MailReceipt> SmtpSender::send(const CallContext& context, const MailMessage& message) {
  Result<SteadyTime> deadline = deadline_of(context);
  if (!deadline.ok()) return deadline.status();
  mail::BuildOptions options;
  options.date = clock_->now();
  // Whether the server offers SMTPUTF8 is known only on the connection; deliver() checks it
  // before MAIL FROM.
  options.allow_utf8_addresses = true;
  options.message_id_seed = context.request_id;
  Result<mail::BuiltMessage> built = mail::build_message(message, options);
  if (!built.ok()) return built.status();

  for (int round = 0;; ++round) {
    Result<ConnectionPool::Lease> lease = pool_->acquire(*deadline, round > 0);
    if (!lease.ok()) return lease.status();
    const std::string id = lease->connection->id();
    Delivery delivery = deliver(*lease->connection, *built, settings_, *deadline);
    const bool resend = delivery.dead_before_mail && lease->reused && round == 0;
    pool_->release(std::move(lease->connection));
    if (resend) {
      if (logger_) {
        logger_->info(
            "smtp connection {} was dropped by the server before MAIL FROM ({}); "
            "sending message {} on a new connection",
            id, delivery.result.status().message(), built->message_id);
      }
      continue;
    }
    if (logger_ && delivery.result.ok()) {
      std::size_t accepted = 0;
      for (const RecipientResult& recipient : delivery.result->recipients) {
        accepted += recipient.accepted ? 1 : 0;
      }
      logger_->debug("smtp message {} sent on connection {}: {} of {} recipients accepted; {}",
                     built->message_id, id, accepted, delivery.result->recipients.size(),
                     delivery.result->server_reply);
    }
    return std::move(delivery.result);
  }
}

}  // namespace outbound::smtp
