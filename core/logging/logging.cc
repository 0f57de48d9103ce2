#include "logging/logging.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <utility>

#include <fmt/format.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <nlohmann/json.hpp>

namespace outbound::logging {
namespace {

struct LevelEntry {
  std::string_view name;
  spdlog::level::level_enum level;
};

constexpr LevelEntry kLevels[] = {
    {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
    {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
    {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
    {"off", spdlog::level::off},
};

// Writes `time` as ISO 8601 in UTC with milliseconds: 2026-12-04T16:20:31.123Z.
std::string format_utc_time(spdlog::log_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
  const auto milliseconds =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const std::time_t whole_seconds = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&whole_seconds, &utc);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", utc.tm_year + 1900,
                     utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                     milliseconds);
}

// Returns `text` as a quoted JSON string. Invalid UTF-8 becomes U+FFFD instead of raising
// an exception, so a message with invalid bytes is still written.
std::string json_string(std::string_view text) {
  return nlohmann::json(std::string(text))
      .dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

// Writes CR and LF as `\r` and `\n`, so a message cannot start a forged log line.
std::string escape_line_breaks(std::string line) {
  if (line.find_first_of("\r\n") == std::string::npos) return line;
  std::string escaped;
  escaped.reserve(line.size() + 8);
  for (const char character : line) {
    if (character == '\r') {
      escaped.append("\\r");
    } else if (character == '\n') {
      escaped.append("\\n");
    } else {
      escaped.push_back(character);
    }
  }
  return escaped;
}

// ErrorReporter writes spdlog's internal errors for one logger to stderr, at most one line a
// second, with the count of errors left out since the previous line.
class ErrorReporter {
 public:
  ErrorReporter(std::string logger_name, std::shared_ptr<const Masker> masker)
      : logger_name_(std::move(logger_name)), masker_(std::move(masker)) {}

  void report(const std::string& error) noexcept {
    try {
      std::lock_guard lock(mutex_);
      const auto now = std::chrono::steady_clock::now();
      if (reported_ && now - last_report_ < kInterval) {
        ++left_out_;
        return;
      }
      const std::string masked = masker_->mask(error);
      std::fprintf(stderr, "outbound: logger \"%s\" failed to write a record: %s",
                   logger_name_.c_str(), masked.c_str());
      if (left_out_ > 0) std::fprintf(stderr, " (%zu more errors not shown)", left_out_);
      std::fputc('\n', stderr);
      reported_ = true;
      last_report_ = now;
      left_out_ = 0;
    } catch (...) {
      // Only allocation can fail here. The report is dropped because stderr is the last resort.
    }
  }

 private:
  static constexpr std::chrono::seconds kInterval{1};

  std::string logger_name_;
  std::shared_ptr<const Masker> masker_;
  std::mutex mutex_;
  bool reported_ = false;
  std::chrono::steady_clock::time_point last_report_;
  std::size_t left_out_ = 0;
};

}  // namespace

Result<spdlog::level::level_enum> parse_level(std::string_view name) {
  for (const LevelEntry& entry : kLevels) {
    if (entry.name == name) return entry.level;
  }
  return Status::invalid_argument(fmt::format(
      "invalid log level \"{}\": use one of trace, debug, info, warn, error, critical, off", name));
}

std::string_view level_name(spdlog::level::level_enum level) {
  for (const LevelEntry& entry : kLevels) {
    if (entry.level == level) return entry.name;
  }
  return "unknown";
}

Result<LogFormat> parse_format(std::string_view name) {
  if (name == "text") return LogFormat::kText;
  if (name == "json") return LogFormat::kJson;
  return Status::invalid_argument(
      fmt::format("invalid log format \"{}\": use \"text\" or \"json\"", name));
}

MaskingSink::MaskingSink(std::shared_ptr<const Masker> masker,
                         std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations,
                         LogFormat format)
    : masker_(std::move(masker)), destinations_(std::move(destinations)), format_(format) {
  for (const auto& destination : destinations_) destination->set_pattern("%v");
}

std::string MaskingSink::format_line(const spdlog::details::log_msg& message) const {
  const std::string_view payload(message.payload.data(), message.payload.size());
  const std::string_view logger_name(message.logger_name.data(), message.logger_name.size());
  const std::string time = format_utc_time(message.time);
  const std::string_view level = level_name(message.level);

  if (format_.load() == LogFormat::kJson) {
    const std::string masked_message = masker_->mask(payload);
    std::string line;
    line.reserve(masked_message.size() + logger_name.size() + 80);
    line.append("{\"time\":").append(json_string(time));
    line.append(",\"level\":").append(json_string(level));
    line.append(",\"logger\":").append(json_string(logger_name));
    line.append(",\"message\":").append(json_string(masked_message));
    line.push_back('}');
    return masker_->mask(line);
  }

  std::string line;
  line.reserve(payload.size() + logger_name.size() + 40);
  line.append(time).push_back(' ');
  line.append(level).append(" [").append(logger_name).append("] ").append(payload);
  // Mask after escaping, because escaping can turn a message into a registered value. The
  // masker treats the escaped `\r` and `\n` as line ends too.
  return masker_->mask(escape_line_breaks(std::move(line)));
}

void MaskingSink::log(const spdlog::details::log_msg& message) {
  const std::string line = format_line(message);
  spdlog::details::log_msg masked = message;
  masked.payload = spdlog::string_view_t(line.data(), line.size());
  std::lock_guard lock(mutex_);
  for (const auto& destination : destinations_) {
    if (destination->should_log(masked.level)) destination->log(masked);
  }
}

void MaskingSink::flush() {
  std::lock_guard lock(mutex_);
  for (const auto& destination : destinations_) destination->flush();
}

void MaskingSink::set_pattern(const std::string& /*pattern*/) {}

void MaskingSink::set_formatter(std::unique_ptr<spdlog::formatter> /*formatter*/) {}

void MaskingSink::set_format(LogFormat format) { format_.store(format); }

LogSystem::LogSystem(spdlog::level::level_enum level, LogFormat format)
    : LogSystem(level, format, {std::make_shared<spdlog::sinks::stderr_sink_mt>()}) {}

LogSystem::LogSystem(spdlog::level::level_enum level, LogFormat format,
                     std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations)
    : masker_(std::make_shared<Masker>()),
      sink_(std::make_shared<MaskingSink>(masker_, std::move(destinations), format)),
      level_(level) {}

namespace {

/// CaptureSink hands each line to a WarningCapture, then to the masking sink unless the capture
/// keeps it back.
class CaptureSink : public spdlog::sinks::sink {
 public:
  CaptureSink(std::shared_ptr<WarningCapture> capture, std::shared_ptr<MaskingSink> target,
              std::shared_ptr<const Masker> masker)
      : capture_(std::move(capture)), target_(std::move(target)), masker_(std::move(masker)) {}

  void log(const spdlog::details::log_msg& message) override {
    // Lines are masked for the capture only while it runs, so other lines cost nothing more.
    if (message.level >= spdlog::level::warn && capture_->active()) {
      const std::string text =
          masker_->mask(std::string_view(message.payload.data(), message.payload.size()));
      if (!capture_->keep(message.level, text)) return;
    }
    target_->log(message);
  }
  void flush() override { target_->flush(); }
  void set_pattern(const std::string& pattern) override { target_->set_pattern(pattern); }
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override {
    target_->set_formatter(std::move(formatter));
  }

 private:
  std::shared_ptr<WarningCapture> capture_;
  std::shared_ptr<MaskingSink> target_;
  std::shared_ptr<const Masker> masker_;
};

}  // namespace

void WarningCapture::begin(spdlog::level::level_enum forward_from) {
  std::lock_guard lock(mutex_);
  active_.store(true);
  forward_from_ = forward_from;
  kept_.clear();
}

std::vector<std::string> WarningCapture::end() {
  std::lock_guard lock(mutex_);
  active_.store(false);
  return std::move(kept_);
}

bool WarningCapture::keep(spdlog::level::level_enum level, const std::string& text) {
  std::lock_guard lock(mutex_);
  if (!active_.load() || level < spdlog::level::warn) return true;
  kept_.push_back(text);
  return level >= forward_from_;
}

std::shared_ptr<spdlog::logger> LogSystem::capturing_logger(
    const std::string& name, std::shared_ptr<WarningCapture> capture) {
  std::lock_guard lock(mutex_);
  auto sink = std::make_shared<CaptureSink>(std::move(capture), sink_, masker_);
  auto created = std::make_shared<spdlog::logger>(name, sink);
  created->set_level(level_.load());
  created->flush_on(spdlog::level::warn);
  auto reporter = std::make_shared<ErrorReporter>(name, masker_);
  created->set_error_handler([reporter](const std::string& error) { reporter->report(error); });
  // Each client made from a configuration gets one, so the list keeps only live loggers.
  client_loggers_.erase(std::remove_if(client_loggers_.begin(), client_loggers_.end(),
                                       [](const auto& weak) { return weak.expired(); }),
                        client_loggers_.end());
  client_loggers_.push_back(created);
  return created;
}

std::shared_ptr<spdlog::logger> LogSystem::logger(const std::string& name) {
  std::lock_guard lock(mutex_);
  for (const auto& existing : loggers_) {
    if (existing->name() == name) return existing;
  }
  auto created = std::make_shared<spdlog::logger>(name, sink_);
  created->set_level(level_.load());
  created->flush_on(spdlog::level::warn);
  auto reporter = std::make_shared<ErrorReporter>(name, masker_);
  created->set_error_handler([reporter](const std::string& error) { reporter->report(error); });
  loggers_.push_back(created);
  return created;
}

void LogSystem::set_level(spdlog::level::level_enum level) {
  std::lock_guard lock(mutex_);
  level_.store(level);
  for (const auto& existing : loggers_) existing->set_level(level);
  for (const auto& weak : client_loggers_) {
    if (auto existing = weak.lock()) existing->set_level(level);
  }
}

void LogSystem::set_format(LogFormat format) { sink_->set_format(format); }

}  // namespace outbound::logging
