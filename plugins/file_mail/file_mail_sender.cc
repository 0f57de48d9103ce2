#include "file_mail/file_mail_sender.h"

#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "file_mail/reasons.h"
#include "mail/message.h"

namespace outbound::file_mail {
namespace {

// The maximum length of the Message-ID in a file name: enough to tell messages apart, and far
// below the 255 octets most file systems allow for a name.
constexpr std::size_t kMaxIdInName = 100;

// Returns `time` in UTC as "20260101T090500.123456Z" when `compact`, else as RFC 3339
// "2026-01-01T09:05:00.123456Z".
std::string format_time(std::chrono::system_clock::time_point time, bool compact) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds);
  const std::time_t stamp = static_cast<std::time_t>(seconds.count());
  std::tm fields{};
  gmtime_r(&stamp, &fields);
  char text[48];
  std::snprintf(
      text, sizeof(text),
      compact ? "%04d%02d%02dT%02d%02d%02d.%06lldZ" : "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ",
      fields.tm_year + 1900, fields.tm_mon + 1, fields.tm_mday, fields.tm_hour, fields.tm_min,
      fields.tm_sec, static_cast<long long>(micros.count()));
  return text;
}

// Returns `message_id` with every character outside letters, digits and ".-_@+=" replaced by
// '_', cut at kMaxIdInName, so it is safe in a file name on any system.
std::string sanitize_for_file_name(std::string_view message_id) {
  std::string name;
  for (char c : message_id.substr(0, kMaxIdInName)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-' || c == '_' || c == '@' || c == '+' || c == '=';
    name += keep ? c : '_';
  }
  return name;
}

std::string envelope_json(const mail::BuiltMessage& built, const std::string& created) {
  const nlohmann::json envelope = {{"message_id", built.message_id},
                                   {"mail_from", built.envelope_from},
                                   {"rcpt_to", built.recipients},
                                   {"size", built.bytes.size()},
                                   {"created", created}};
  return envelope.dump(2) + "\n";
}

}  // namespace

Result<std::unique_ptr<FileMailSender>> FileMailSender::create(const PluginContext& context) {
  SettingProblems problems;
  std::optional<Settings> settings = parse_settings(context, problems);
  if (!settings) return problems.status();
  if (std::optional<std::string> problem = MailFolder(settings->directory).find_setting_problem()) {
    problems.add("/directory", std::move(*problem));
    return problems.status();
  }
  return std::unique_ptr<FileMailSender>(
      new FileMailSender(context.client, std::move(*settings), context));
}

FileMailSender::FileMailSender(ClientInfo info, Settings settings, const PluginContext& context)
    : info_(std::move(info)),
      folder_(std::move(settings.directory)),
      clock_(context.clock ? context.clock
                           : std::shared_ptr<const Clock>(&Clock::system(), [](const Clock*) {})),
      logger_(context.logger) {}

void FileMailSender::close() { closed_.store(true, std::memory_order_release); }

Status FileMailSender::check_callable(const CallContext& context, const char* operation) const {
  if (closed_.load(std::memory_order_acquire)) {
    return Status::failed_precondition("file-mail client '" + info_.id + "' is closed")
        .set_reason(reason::kClosed);
  }
  const CallContext::TimePoint deadline = context.effective_deadline();
  if (deadline != CallContext::TimePoint{} && clock_->steady_now() >= deadline) {
    return Status::deadline_exceeded("file-mail client '" + info_.id +
                                     "': the deadline passed before " + operation)
        .set_reason(reason::kTimeout);
  }
  return Status();
}

Status FileMailSender::health_check(const CallContext& context) {
  if (Status callable = check_callable(context, "the health check"); !callable.ok()) {
    return callable;
  }
  if (Status ready = folder_.ensure(); !ready.ok()) return ready;
  return folder_.check_writable();
}

Result<WrittenMessage> FileMailSender::write_files(
    const mail::BuiltMessage& built, std::chrono::system_clock::time_point now) const {
  if (Status ready = folder_.ensure(); !ready.ok()) return ready;
  const std::string base = format_time(now, true) + "-" + sanitize_for_file_name(built.message_id);
  return folder_.write(base, built.bytes, envelope_json(built, format_time(now, false)));
}

Result<MailReceipt> FileMailSender::send(const CallContext& context, const MailMessage& message) {
  if (Status callable = check_callable(context, "the message was written"); !callable.ok()) {
    return callable;
  }
  const auto now = clock_->now();
  mail::BuildOptions options;
  options.date = now;
  options.allow_utf8_addresses = true;
  options.message_id_seed = context.request_id;
  Result<mail::BuiltMessage> built = mail::build_message(message, options);
  if (!built.ok()) {
    Status failed = built.status();
    if (failed.reason().empty()) failed.set_reason(reason::kMessageBuildFailed);
    return failed;
  }

  Result<WrittenMessage> written = write_files(*built, now);
  if (!written.ok()) {
    if (logger_) {
      logger_->error("file-mail client '{}' failed to write message {}: {}", info_.id,
                     built->message_id, written.status().message());
    }
    return written.status();
  }

  MailReceipt receipt;
  receipt.message_id = built->message_id;
  receipt.server_reply = "written to " + written->eml.string();
  receipt.size_octets = built->bytes.size();
  for (const std::string& recipient : built->recipients) {
    RecipientResult result;
    result.address = recipient;
    result.accepted = true;
    result.reply_code = 250;
    // The file is named once, in server_reply, so that a listing of many recipients stays short.
    result.reply = "written";
    receipt.recipients.push_back(std::move(result));
  }
  if (logger_) {
    logger_->debug("file-mail client '{}' wrote message {} ({} octets, {} recipients) to {}",
                   info_.id, built->message_id, receipt.size_octets, receipt.recipients.size(),
                   written->eml.string());
  }
  return receipt;
}

}  // namespace outbound::file_mail
