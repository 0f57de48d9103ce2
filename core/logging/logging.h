#pragma once

#include <atomic>
#include <memory>
#include <mutex>
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

/// Returns the name parse_level() accepts for `level` ("warn", not spdlog's "warning").
std::string_view level_name(spdlog::level::level_enum level);

/// LogFormat of every line: "text" is human-readable, "json" is one JSON object per line
/// with `time`, `level`, `logger` and `message`.
enum class LogFormat { kText, kJson };

/// Parses "text" or "json".
Result<LogFormat> parse_format(std::string_view name);

/// MaskingSink is the sink every logger of the host writes to. It formats a record, passes
/// the whole line through the Masker, then hands it to the destination sinks, so nothing
/// reaches a destination unmasked whatever logger, format or call site produced it.
///
/// Text lines read `2026-12-04T16:20:31.123Z info [host] message`, in UTC; CR and LF in them
/// are written as `\r` and `\n` so that one record is one line. In JSON lines the message is
/// masked before it is escaped and the whole line again after, so that both the raw and the
/// escaped form of a secret are caught.
///
/// Thread safety: log() and set_format() may be called from many threads. Each line reaches
/// all destinations before the next one does.
class MaskingSink : public spdlog::sinks::sink {
 public:
  /// Sets the pattern of every destination to "%v", because the line it receives is final.
  MaskingSink(std::shared_ptr<const Masker> masker,
              std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations, LogFormat format);

  void log(const spdlog::details::log_msg& message) override;
  void flush() override;

  /// Ignored: the layout follows LogFormat. A pattern set through one logger would otherwise
  /// change the lines of every logger that shares this sink.
  void set_pattern(const std::string& pattern) override;
  /// Ignored, for the same reason as set_pattern().
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

  void set_format(LogFormat format);

  /// Returns the masked line that log() writes for `message`, without the line ending.
  std::string format_line(const spdlog::details::log_msg& message) const;

 private:
  std::shared_ptr<const Masker> masker_;
  std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations_;
  std::mutex mutex_;
  std::atomic<LogFormat> format_;
};

/// WarningCapture keeps the warnings that one plugin logs while it creates a client, so that
/// the host can list them with the configuration's own warnings (Host::warnings()).
///
/// Thread safety: every method may be called from many threads.
class WarningCapture {
 public:
  /// Starts keeping warnings. Those below `forward_from` are kept and not logged, because the
  /// caller lists them itself; spdlog::level::off keeps every warning out of the log.
  void begin(spdlog::level::level_enum forward_from);
  /// Stops keeping warnings and returns those kept since begin(), masked, in order.
  std::vector<std::string> end();

  /// Keeps `text` when capturing and `level` is warn or above. Returns whether the line is to
  /// be logged too.
  bool keep(spdlog::level::level_enum level, const std::string& text);

  /// Whether begin() was called without end() since.
  bool active() const { return active_.load(); }

 private:
  std::mutex mutex_;
  std::atomic<bool> active_{false};
  spdlog::level::level_enum forward_from_ = spdlog::level::trace;
  std::vector<std::string> kept_;
};

/// LogSystem owns the masking sink and makes the named loggers of the host ("host", "loader",
/// "config", "http", "plugin.<name>"). Loggers are handed to their owners, never registered
/// in or fetched from spdlog's global registry.
///
/// Errors inside spdlog (a sink that throws, a bad format string) never reach the caller: each
/// logger writes a short line about them to stderr, at most one per second per logger, with the
/// number of errors left out.
///
/// Thread safety: every method may be called from many threads.
class LogSystem {
 public:
  /// Logs to stderr.
  LogSystem(spdlog::level::level_enum level, LogFormat format);

  /// Logs to `destinations` (tests pass an ostream sink).
  LogSystem(spdlog::level::level_enum level, LogFormat format,
            std::vector<std::shared_ptr<spdlog::sinks::sink>> destinations);

  /// Returns the logger called `name`, creating it on first use.
  std::shared_ptr<spdlog::logger> logger(const std::string& name);

  /// Returns a new logger called `name`, not shared with other callers, whose warnings go to
  /// `capture` while it is capturing (see WarningCapture). The levels set with set_level()
  /// apply to it like to the others.
  std::shared_ptr<spdlog::logger> capturing_logger(const std::string& name,
                                                   std::shared_ptr<WarningCapture> capture);

  /// Changes the level of every logger made so far and from now on.
  void set_level(spdlog::level::level_enum level);
  /// Changes the format of every line from now on, whichever logger writes it.
  void set_format(LogFormat format);

  spdlog::level::level_enum level() const { return level_.load(); }

  const std::shared_ptr<Masker>& masker() const { return masker_; }

 private:
  std::shared_ptr<Masker> masker_;
  std::shared_ptr<MaskingSink> sink_;
  std::atomic<spdlog::level::level_enum> level_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<spdlog::logger>> loggers_;
  /// The loggers of capturing_logger(), owned by the clients that use them.
  std::vector<std::weak_ptr<spdlog::logger>> client_loggers_;
};

}  // namespace outbound::logging
