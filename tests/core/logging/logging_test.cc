#include "logging/logging.h"

#include <chrono>
#include <memory>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

#include "logging/encodings.h"
#include "outbound/secret.h"

namespace outbound::logging {
namespace {

// CapturedLog is a LogSystem destination that keeps every line in memory.
struct CapturedLog {
  std::ostringstream stream;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink =
      std::make_shared<spdlog::sinks::ostream_sink_mt>(stream);

  std::string text() const { return stream.str(); }

  std::vector<std::string> lines() const {
    std::vector<std::string> result;
    std::istringstream input(stream.str());
    for (std::string line; std::getline(input, line);) result.push_back(line);
    return result;
  }
};

// ThrowingSink fails every write, as a full disk or a closed pipe would.
class ThrowingSink : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& /*message*/) override {
    throw std::runtime_error("destination is full");
  }
  void flush_() override {}
};

spdlog::details::log_msg make_message(std::string_view logger_name, spdlog::level::level_enum level,
                                      std::string_view payload) {
  // 2026-12-04T16:20:31.123Z
  const spdlog::log_clock::time_point time{std::chrono::milliseconds(1796401231123)};
  return spdlog::details::log_msg(time, spdlog::source_loc{}, logger_name, level, payload);
}

TEST(ParseLevel, AcceptsEveryLevelName) {
  const std::vector<std::pair<std::string, spdlog::level::level_enum>> cases = {
      {"trace", spdlog::level::trace}, {"debug", spdlog::level::debug},
      {"info", spdlog::level::info},   {"warn", spdlog::level::warn},
      {"error", spdlog::level::err},   {"critical", spdlog::level::critical},
      {"off", spdlog::level::off},
  };
  for (const auto& [name, level] : cases) {
    SCOPED_TRACE(name);
    const Result<spdlog::level::level_enum> parsed = parse_level(name);
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, level);
    EXPECT_EQ(level_name(level), name);
  }
}

TEST(ParseLevel, RejectsUnknownName) {
  const Result<spdlog::level::level_enum> parsed = parse_level("verbose");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("\"verbose\""), std::string::npos);
  EXPECT_NE(parsed.status().message().find("warn"), std::string::npos);
}

TEST(ParseFormat, AcceptsTextAndJson) {
  const Result<LogFormat> text = parse_format("text");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, LogFormat::kText);
  const Result<LogFormat> json = parse_format("json");
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, LogFormat::kJson);
}

TEST(ParseFormat, RejectsUnknownName) {
  const Result<LogFormat> parsed = parse_format("yaml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find("\"yaml\""), std::string::npos);
}

TEST(MaskingSink, FormatsTextLine) {
  const MaskingSink sink(std::make_shared<Masker>(), {}, LogFormat::kText);
  EXPECT_EQ(sink.format_line(make_message("host", spdlog::level::info, "message")),
            "2026-12-04T16:20:31.123Z info [host] message");
  EXPECT_EQ(sink.format_line(make_message("plugin.stripe", spdlog::level::warn, "slow")),
            "2026-12-04T16:20:31.123Z warn [plugin.stripe] slow");
}

TEST(MaskingSink, FormatsJsonLine) {
  const MaskingSink sink(std::make_shared<Masker>(), {}, LogFormat::kJson);
  EXPECT_EQ(sink.format_line(make_message("host", spdlog::level::err, "said \"no\"")),
            R"({"time":"2026-12-04T16:20:31.123Z","level":"error","logger":"host",)"
            R"("message":"said \"no\""})");
}

TEST(MaskingSink, MasksRawAndEscapedFormsInJson) {
  auto masker = std::make_shared<Masker>();
  ASSERT_TRUE(masker->add("q\"uoted\\secret"));
  const MaskingSink sink(masker, {}, LogFormat::kJson);
  const std::vector<std::string> messages = {
      "raw q\"uoted\\secret end",
      R"(escaped {"password":"q\"uoted\\secret"} end)",
  };
  for (const std::string& message : messages) {
    SCOPED_TRACE(message);
    const std::string line = sink.format_line(make_message("http", spdlog::level::info, message));
    EXPECT_EQ(line.find("uoted"), std::string::npos);
    EXPECT_NE(line.find("[REDACTED]"), std::string::npos);
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
}

// Escaping turns `ab"cd` into the registered `ab\"cd`, and a line break into the registered
// `line\nbreak`, so only masking after escaping catches them.
TEST(MaskingSink, MasksValuesThatEscapingCreates) {
  auto masker = std::make_shared<Masker>();
  ASSERT_TRUE(masker->add(R"(ab\"cd-42)"));
  ASSERT_TRUE(masker->add(R"(line\nbreak-42)"));
  const std::vector<std::pair<LogFormat, std::string>> cases = {
      {LogFormat::kJson, "quote ab\"cd-42 end"},
      {LogFormat::kJson, "break line\nbreak-42 end"},
      {LogFormat::kText, "break line\nbreak-42 end"},
  };
  for (const auto& [format, message] : cases) {
    SCOPED_TRACE(message);
    const MaskingSink sink(masker, {}, format);
    const std::string line = sink.format_line(make_message("http", spdlog::level::info, message));
    EXPECT_EQ(line.find("-42"), std::string::npos) << line;
    EXPECT_NE(line.find("[REDACTED] end"), std::string::npos) << line;
  }
}

TEST(LogSystem, WritesTextLineToDestination) {
  CapturedLog captured;
  LogSystem system(spdlog::level::info, LogFormat::kText, {captured.sink});
  system.logger("host")->info("started {} clients", 3);
  const std::regex layout(
      R"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z info \[host\] started 3 clients\n)");
  EXPECT_TRUE(std::regex_match(captured.text(), layout)) << captured.text();
}

TEST(LogSystem, WritesJsonObjectPerLine) {
  CapturedLog captured;
  LogSystem system(spdlog::level::info, LogFormat::kJson, {captured.sink});
  system.logger("loader")->warn("plugin {} skipped:\n\"bad\" version", "jwt-auth");
  const std::vector<std::string> lines = captured.lines();
  ASSERT_EQ(lines.size(), 1U);
  const nlohmann::json object = nlohmann::json::parse(lines[0]);
  ASSERT_TRUE(object.is_object());
  EXPECT_EQ(object.size(), 4U);
  EXPECT_TRUE(object.at("time").is_string());
  EXPECT_EQ(object.at("level"), "warn");
  EXPECT_EQ(object.at("logger"), "loader");
  EXPECT_EQ(object.at("message"), "plugin jwt-auth skipped:\n\"bad\" version");
}

TEST(LogSystem, EscapesLineBreaksInText) {
  CapturedLog captured;
  LogSystem system(spdlog::level::info, LogFormat::kText, {captured.sink});
  system.logger("http")->info("user input\r\n2026-01-01T00:00:00.000Z error [host] forged");
  const std::vector<std::string> lines = captured.lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_NE(lines[0].find(R"(user input\r\n2026-01-01)"), std::string::npos);
  EXPECT_EQ(lines[0].find('\r'), std::string::npos);
}

TEST(LogSystem, FiltersBelowLevel) {
  CapturedLog captured;
  LogSystem system(spdlog::level::warn, LogFormat::kText, {captured.sink});
  auto logger = system.logger("host");
  logger->debug("hidden debug");
  logger->info("hidden info");
  logger->warn("shown warn");
  logger->error("shown error");
  const std::string text = captured.text();
  EXPECT_EQ(text.find("hidden"), std::string::npos);
  EXPECT_NE(text.find("shown warn"), std::string::npos);
  EXPECT_NE(text.find("shown error"), std::string::npos);
  EXPECT_EQ(captured.lines().size(), 2U);
}

TEST(LogSystem, SetLevelAppliesToExistingAndNewLoggers) {
  CapturedLog captured;
  LogSystem system(spdlog::level::info, LogFormat::kText, {captured.sink});
  auto existing = system.logger("host");
  system.set_level(spdlog::level::debug);
  EXPECT_EQ(system.level(), spdlog::level::debug);
  auto created_later = system.logger("config");
  existing->debug("existing debug");
  created_later->debug("later debug");
  system.set_level(spdlog::level::err);
  existing->warn("existing warn");
  created_later->warn("later warn");

  const std::string text = captured.text();
  EXPECT_NE(text.find("existing debug"), std::string::npos);
  EXPECT_NE(text.find("later debug"), std::string::npos);
  EXPECT_EQ(text.find("existing warn"), std::string::npos);
  EXPECT_EQ(text.find("later warn"), std::string::npos);
}

TEST(LogSystem, SetFormatAppliesToExistingLoggers) {
  CapturedLog captured;
  LogSystem system(spdlog::level::info, LogFormat::kText, {captured.sink});
  auto logger = system.logger("host");
  system.set_format(LogFormat::kJson);
  logger->info("now json");
  const std::vector<std::string> lines = captured.lines();
  ASSERT_EQ(lines.size(), 1U);
  EXPECT_EQ(nlohmann::json::parse(lines[0]).at("message"), "now json");
}

TEST(LogSystem, ReturnsSameLoggerForSameName) {
  LogSystem system(spdlog::level::info, LogFormat::kText, {});
  auto first = system.logger("http");
  EXPECT_EQ(system.logger("http"), first);
  EXPECT_NE(system.logger("plugin.smtp"), first);
  EXPECT_EQ(first->name(), "http");
}

TEST(LogSystem, LeavesGlobalRegistryAlone) {
  const std::shared_ptr<spdlog::logger> default_before = spdlog::default_logger();
  LogSystem system(spdlog::level::info, LogFormat::kText, {});
  system.logger("registry-check");
  EXPECT_EQ(spdlog::get("registry-check"), nullptr);
  EXPECT_EQ(spdlog::default_logger(), default_before);
}

TEST(LogSystem, ReportsSinkErrorsWithoutThrowing) {
  LogSystem system(spdlog::level::info, LogFormat::kText, {std::make_shared<ThrowingSink>()});
  auto logger = system.logger("host");
  testing::internal::CaptureStderr();
  EXPECT_NO_THROW(logger->info("first"));
  EXPECT_NO_THROW(logger->info("second"));
  const std::string error_output = testing::internal::GetCapturedStderr();
  EXPECT_NE(error_output.find("logger \"host\""), std::string::npos) << error_output;
  EXPECT_NE(error_output.find("destination is full"), std::string::npos) << error_output;
  // The second error falls inside the one-second window and is counted, not written.
  EXPECT_EQ(error_output.find("destination is full", error_output.find("destination is full") + 1),
            std::string::npos)
      << error_output;
}

TEST(LogSystem, WritesWholeLinesFromManyThreads) {
  CapturedLog captured;
  LogSystem system(spdlog::level::info, LogFormat::kJson, {captured.sink});
  ASSERT_TRUE(system.masker()->add("thread-secret-value"));
  constexpr int kThreads = 6;
  constexpr int kLinesPerThread = 300;
  std::vector<std::thread> threads;
  for (int index = 0; index < kThreads; ++index) {
    threads.emplace_back([&system, index] {
      auto logger = system.logger("worker." + std::to_string(index % 3));
      for (int i = 0; i < kLinesPerThread; ++i) {
        logger->info("line {} of {} with {}", i, index, "thread-secret-value");
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  const std::vector<std::string> lines = captured.lines();
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(kThreads * kLinesPerThread));
  for (const std::string& line : lines) {
    ASSERT_TRUE(nlohmann::json::accept(line)) << line;
  }
  EXPECT_EQ(captured.text().find("thread-secret-value"), std::string::npos);
}

// A canary secret logged through every level and both formats, as an outbound::Secret, as its
// exposed value and in encoded forms, must never reach the destination.
TEST(LogSystem, CanaryNeverReachesOutput) {
  const std::string canary = "canary-7Qz!x/9\"k";
  const Secret secret = Secret::copy_of(canary);
  const std::vector<spdlog::level::level_enum> levels = {
      spdlog::level::trace, spdlog::level::debug, spdlog::level::info,
      spdlog::level::warn,  spdlog::level::err,   spdlog::level::critical,
  };
  for (const LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
    SCOPED_TRACE(format == LogFormat::kText ? "text" : "json");
    CapturedLog captured;
    LogSystem system(spdlog::level::trace, format, {captured.sink});
    ASSERT_TRUE(system.masker()->add(secret.expose()));
    auto logger = system.logger("plugin.smtp");
    for (const spdlog::level::level_enum level : levels) {
      logger->log(level, "wrapped {}", secret);
      logger->log(level, "exposed {}", secret.expose());
      logger->log(level, "basic {}",
                  base64_encode(std::string("user:") + canary, Base64Alphabet::kStandard, true));
      logger->log(level, "url https://user:{}@smtp.example.com", secret.expose());
    }
    logger->flush();

    const std::string output = captured.text();
    EXPECT_EQ(captured.lines().size(), levels.size() * 4);
    EXPECT_EQ(output.find("canary"), std::string::npos) << output;
    EXPECT_EQ(output.find("7Qz"), std::string::npos) << output;
    EXPECT_NE(output.find("wrapped [REDACTED]"), std::string::npos) << output;
    EXPECT_NE(output.find("exposed [REDACTED]"), std::string::npos) << output;
  }
}

}  // namespace
}  // namespace outbound::logging
