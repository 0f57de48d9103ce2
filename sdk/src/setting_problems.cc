#include "outbound/setting_problems.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace outbound {
namespace {

/// The text that SettingProblems::status() writes for the pointer of the `settings` object
/// itself, the same as in the host's own configuration errors.
constexpr std::string_view kRootPointer = "(root)";

/// Appends `text` to `line` with control characters written as \n, \t or \u00XX.
void append_printable(std::string& line, std::string_view text) {
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      line += "\\n";
    } else if (c == '\t') {
      line += "\\t";
    } else if (byte < 0x20 || byte == 0x7f) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(byte));
      line += escaped;
    } else {
      line += c;
    }
  }
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

/// Returns where the pointer of `line` starts. That is 0 when the line starts with a pointer.
/// Otherwise, when `allow_context` is set, it is just after the first ": " that a pointer
/// follows. Returns npos when there is no pointer.
std::size_t pointer_start(std::string_view line, bool allow_context) {
  const std::string root_with_separator = std::string(kRootPointer) + ": ";
  if (starts_with(line, "/") || starts_with(line, root_with_separator)) return 0;
  if (!allow_context) return std::string_view::npos;
  const std::size_t slash = line.find(": /");
  const std::size_t root = line.find(": " + root_with_separator);
  const std::size_t separator = std::min(slash, root);
  return separator == std::string_view::npos ? separator : separator + 2;
}

std::optional<SettingProblem> parse_line(std::string_view line, bool allow_context) {
  const std::size_t start = pointer_start(line, allow_context);
  if (start == std::string_view::npos) return std::nullopt;
  line.remove_prefix(start);
  const std::size_t separator = line.find(": ");
  if (separator == std::string_view::npos) return std::nullopt;
  SettingProblem parsed;
  const std::string_view pointer = line.substr(0, separator);
  parsed.pointer = pointer == kRootPointer ? std::string() : std::string(pointer);
  parsed.problem = std::string(line.substr(separator + 2));
  return parsed;
}

}  // namespace

std::string append_json_pointer(std::string_view pointer, std::string_view token) {
  std::string result(pointer);
  result += '/';
  for (const char c : token) {
    if (c == '~') {
      result += "~0";
    } else if (c == '/') {
      result += "~1";
    } else {
      result += c;
    }
  }
  return result;
}

std::string client_settings_pointer(std::string_view client_id) {
  return append_json_pointer(append_json_pointer("/clients", client_id), "settings");
}

void SettingProblems::add(std::string pointer, std::string problem) {
  const bool known = std::any_of(problems_.begin(), problems_.end(), [&](const auto& recorded) {
    return recorded.pointer == pointer && recorded.problem == problem;
  });
  if (known) return;
  problems_.push_back(SettingProblem{std::move(pointer), std::move(problem)});
}

bool SettingProblems::contains(std::string_view pointer) const {
  return std::any_of(problems_.begin(), problems_.end(), [&](const SettingProblem& recorded) {
    const std::string_view other = recorded.pointer;
    return starts_with(other, pointer) &&
           (other.size() == pointer.size() || other[pointer.size()] == '/');
  });
}

Status SettingProblems::status() const {
  if (problems_.empty()) return Status();
  std::string message;
  for (const SettingProblem& recorded : problems_) {
    if (!message.empty()) message += '\n';
    if (recorded.pointer.empty()) {
      message += kRootPointer;
    } else {
      append_printable(message, recorded.pointer);
    }
    message += ": ";
    append_printable(message, recorded.problem);
  }
  return Status::invalid_argument(std::move(message)).set_reason(kInvalidSettingsReason);
}

std::optional<std::vector<SettingProblem>> parse_setting_problems(std::string_view message) {
  std::vector<SettingProblem> problems;
  std::string_view rest = message;
  do {
    const std::size_t end = rest.find('\n');
    std::optional<SettingProblem> parsed = parse_line(rest.substr(0, end), problems.empty());
    if (!parsed) return std::nullopt;
    problems.push_back(std::move(*parsed));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  } while (!rest.empty());
  return problems;
}

}  // namespace outbound
