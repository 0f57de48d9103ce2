#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <spdlog/logger.h>

#include "file_mail/mail_folder.h"
#include "file_mail/settings.h"
#include "mail/message.h"
#include "outbound/clock.h"
#include "outbound/mail.h"
#include "outbound/plugin_context.h"

namespace outbound::file_mail {

/// FileMailSender is the `file-mail` plugin: a MailSender that writes each message into a
/// folder instead of sending it, for development and tests.
///
/// send() builds the message with mail::build_message (the Date from the host clock, UTF-8
/// addresses allowed), so the .eml holds the bytes an SMTP server would receive before
/// dot-stuffing, and writes <stamp>-<message id>.eml and .json beside it (see
/// MailFolder::write). The stamp is the UTC time to the microsecond, "20260101T090500.123456Z";
/// the message id keeps letters, digits and ".-_@+=" and is cut at 100 characters. The .json
/// is {"message_id", "mail_from", "rcpt_to": [...], "size", "created"}. Every recipient is
/// accepted with reply code 250 and the reply "written to <file>". Every error carries a
/// reason (see file_mail/reasons.h, and mail/message.h for invalid messages).
///
/// Thread safety: every method may be called from several threads at once.
class FileMailSender final : public MailSender {
 public:
  /// Reads the settings (see parse_settings) and checks the folder on disk (see
  /// MailFolder::find_setting_problem): a path that is not a folder, a folder this process
  /// cannot write to, or a missing folder that cannot be created is a problem of `/directory`.
  /// Returns kInvalidArgument with reason "invalid_settings" then. Leaves no file behind: a
  /// missing folder is created by the first send() or health_check().
  static Result<std::unique_ptr<FileMailSender>> create(const PluginContext& context);

  const ClientInfo& info() const override { return info_; }
  /// Creates the folder when it is missing and checks that a file can be created in it.
  Status health_check(const CallContext& context) override;
  void close() override;
  Result<MailReceipt> send(const CallContext& context, const MailMessage& message) override;

 private:
  FileMailSender(ClientInfo info, Settings settings, const PluginContext& context);

  /// Creates the folder when it is missing and writes the .eml and .json of `built`, named
  /// after `now`.
  Result<WrittenMessage> write_files(const mail::BuiltMessage& built,
                                     std::chrono::system_clock::time_point now) const;
  /// Returns kFailedPrecondition after close() and kDeadlineExceeded when the deadline of
  /// `context` has passed.
  Status check_callable(const CallContext& context, const char* operation) const;

  ClientInfo info_;
  MailFolder folder_;
  std::shared_ptr<const Clock> clock_;
  std::shared_ptr<spdlog::logger> logger_;
  std::atomic<bool> closed_{false};
};

}  // namespace outbound::file_mail
