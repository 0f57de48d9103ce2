#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <spdlog/logger.h>
#include <spdlog/sinks/sink.h>

#include "logging/masker.h"
#include "outbound/status.h"

namespace outbound::logging {

/// Parses "trace", "debug", "info", "warn", "error", "critical" or "off".
Result<spdlog::level::level_enum> parse_level(std::string_view name);

/// LogFormat of every line: "text" is human-readable, "json" is one JSON object per line
/// with `time`, `level`, `logger` and `message`.
enum class LogFormat { kText, kJson };

Result<LogFormat> parse_format(std::string_view name);

/// MaskingSink is the sink every logger of the host writes to. It formats a record, passes
/// the whole line through the Masker, then hands it to the destination sinks, so nothing
/// reaches a destination unmasked whatever logger, format or call site produced it.
class MaskingSink : public spdlog::sinks::sink {
 public:
  MaskingSink(std::shared_ptr<const Masker> masker,
              std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations, LogFormat format);

  void log(const spdlog::details::log_msg& message) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

  void set_format(LogFormat format);

 private:
  std::shared_ptr<const Masker> masker_;
  std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations_;
  std::mutex mutex_;
  std::unique_ptr<spdlog::formatter> formatter_;
  LogFormat format_;
};

/// LogSystem owns the masking sink and makes the named loggers of the host ("host", "loader",
/// "config", "http", "plugin.<name>"). Loggers are handed to their owners, never fetched from
/// spdlog's global registry.
class LogSystem {
 public:
  /// Logs to stderr.
  LogSystem(spdlog::level::level_enum level, LogFormat format);

  /// Logs to `destinations` (tests pass an ostream sink).
  LogSystem(spdlog::level::level_enum level, LogFormat format,
            std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations);

  /// Returns the logger called `name`, creating it on first use.
  std::shared_ptr<spdlog::logger> logger(const std::string& name);

  /// Changes the level and format of every logger made so far and from now on.
  void set_level(spdlog::level::level_enum level);
  void set_format(LogFormat format);

  spdlog::level::level_enum level() const { return level_; }

  const std::shared_ptr<Masker>& masker() const { return masker_; }

 private:
  std::shared_ptr<Masker> masker_;
  std::shared_ptr<MaskingSink> sink_;
  spdlog::level::level_enum level_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<spdlog::logger>> loggers_;
};

}  // namespace outbound::logging
