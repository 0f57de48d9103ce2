#include "config/diagnostics.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "outbound/setting_problems.h"

namespace outbound::config {

std::string append_pointer(std::string_view pointer, std::string_view token) {
  return append_json_pointer(pointer, token);
}

std::string printable(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      result += "\\n";
    } else if (c == '\t') {
      result += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(byte));
      result += escaped;
    } else {
      result += c;
    }
  }
  return result;
}

Diagnostics::Diagnostics(std::string file) : file_(std::move(file)) {}

void Diagnostics::error(std::string_view pointer, std::string_view problem, std::string_view fix) {
  error_at(pointer.empty() ? "(root)" : printable(pointer), problem, fix);
}

void Diagnostics::error_at(std::string_view location, std::string_view problem,
                           std::string_view fix) {
  std::string line = format_line(location, problem, fix);
  // The same rule can fail for the defaults and again for a client that inherits them.
  if (std::find(errors_.begin(), errors_.end(), line) == errors_.end()) {
    errors_.push_back(std::move(line));
  }
}

void Diagnostics::warning(std::string_view pointer, std::string_view problem,
                          std::string_view fix) {
  warnings_.push_back(format_line(printable(pointer), problem, fix));
}

Status Diagnostics::to_status(StatusCode code) const {
  std::string message;
  for (const auto& line : errors_) {
    if (!message.empty()) message += '\n';
    message += line;
  }
  return Status(code, std::move(message));
}

std::string Diagnostics::format_line(std::string_view location, std::string_view problem,
                                     std::string_view fix) const {
  std::string line = file_;
  line += ": ";
  line += location;
  line += ": ";
  line += problem;
  if (!fix.empty()) {
    line += "; ";
    line += fix;
  }
  return line;
}

}  // namespace outbound::config
