#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "outbound/clock.h"
#include "outbound/mail.h"

namespace outbound::file_mail::testing {

/// FixedClock returns one wall-clock time, so that a test can build the same message the
/// plugin wrote, and the real steady time, so that deadlines behave.
class FixedClock final : public Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point now) : now_(now) {}
  std::chrono::system_clock::time_point now() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  std::chrono::system_clock::time_point now_;
};

/// 2026-01-01T09:05:00.123456Z.
inline const std::chrono::system_clock::time_point kNow =
    std::chrono::system_clock::time_point(std::chrono::seconds(1767258300)) +
    std::chrono::microseconds(123456);

/// Returns the names of the entries in `folder`, sorted, hidden ones included.
std::vector<std::string> list_folder(const std::filesystem::path& folder);

/// A valid message with two recipients, a Bcc, an attachment and a dot line in the text.
MailMessage sample_message();

}  // namespace outbound::file_mail::testing
