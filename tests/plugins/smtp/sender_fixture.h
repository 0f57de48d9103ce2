#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>

#include "outbound/clock.h"
#include "outbound/mail.h"
#include "outbound/plugin_context.h"
#include "smtp/smtp_sender.h"

namespace outbound::smtp::testing {

/// StringSink keeps every formatted log line in memory.
class StringSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(message, formatted);
    text_.append(formatted.data(), formatted.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

/// CapturedLog is a debug-level logger whose lines the test can read.
class CapturedLog {
 public:
  CapturedLog()
      : sink_(std::make_shared<StringSink>()),
        logger_(std::make_shared<spdlog::logger>("plugin.smtp", sink_)) {
    logger_->set_level(spdlog::level::debug);
    logger_->set_pattern("%l %v");
  }

  std::shared_ptr<spdlog::logger> logger() const { return logger_; }
  std::string text() const { return sink_->text(); }

 private:
  std::shared_ptr<StringSink> sink_;
  std::shared_ptr<spdlog::logger> logger_;
};

/// FixedClock is a Clock whose wall time does not move, so a message's Date header is known.
class FixedClock : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point now) : now_(now) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  std::chrono::system_clock::time_point now_;
};

/// Makes a sender the way the host would: `password` goes into the secrets at /password.
inline std::unique_ptr<SmtpSender> make_sender(const std::string& settings_json,
                                               const std::string& password = {},
                                               const CapturedLog* log = nullptr,
                                               std::shared_ptr<const Clock> clock = nullptr) {
  PluginContext context;
  context.client.id = "mail";
  context.client.kind = ClientKind::kMail;
  context.client.plugin_name = "smtp";
  context.settings_json = settings_json;
  context.base_directory = "/";
  if (!password.empty()) context.secrets.emplace("/password", Secret::copy_of(password));
  if (log != nullptr) context.logger = log->logger();
  context.clock = std::move(clock);
  Result<std::unique_ptr<SmtpSender>> sender = SmtpSender::create(context);
  if (!sender.ok()) {
    throw std::runtime_error("SmtpSender::create failed: " + sender.status().to_string());
  }
  return std::move(sender).value();
}

/// Returns a CallContext whose attempt ends `budget` from now.
inline CallContext call_within(std::chrono::milliseconds budget) {
  CallContext context;
  context.deadline = std::chrono::steady_clock::now() + budget;
  context.attempt_deadline = context.deadline;
  return context;
}

/// A plain text message from sender@example.test to `to`.
inline MailMessage text_message(const std::string& to = "rcpt@example.test",
                                const std::string& text = "Hello.\n") {
  MailMessage message;
  message.from.address = "sender@example.test";
  message.to.push_back({to, ""});
  message.subject = "Test";
  message.text_body = text;
  return message;
}

}  // namespace outbound::smtp::testing
