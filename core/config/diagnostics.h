#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outbound/status.h"

namespace outbound::config {

/// Returns `pointer` extended by one reference token, escaped as RFC 6901 requires
/// ("~" becomes "~0", "/" becomes "~1").
std::string append_pointer(std::string_view pointer, std::string_view token);

/// Returns `text` with control characters written as \n, \t or \u00XX, so that a key or value
/// quoted in a message cannot break the one-problem-per-line layout.
std::string printable(std::string_view text);

/// Diagnostics collects the problems found in one configuration file, so that all of them are
/// reported together. Each line reads `<file>: <location>: <problem>; <fix>`, where the location
/// is a JSON pointer ("(root)" for the whole document) or a line and column.
class Diagnostics {
 public:
  explicit Diagnostics(std::string file);

  /// Records an error about the value at `pointer`.
  void error(std::string_view pointer, std::string_view problem, std::string_view fix);

  /// Records an error at a place that has no JSON pointer, such as "line 3, column 7".
  void error_at(std::string_view location, std::string_view problem, std::string_view fix);

  /// Records a problem that does not stop loading.
  void warning(std::string_view pointer, std::string_view problem, std::string_view fix);

  bool has_errors() const { return !errors_.empty(); }

  /// Returns one Status with `code` whose message holds every error, one per line.
  Status to_status(StatusCode code = StatusCode::kInvalidArgument) const;

  const std::vector<std::string>& errors() const { return errors_; }
  std::vector<std::string> take_warnings() { return std::move(warnings_); }

 private:
  std::string format_line(std::string_view location, std::string_view problem,
                          std::string_view fix) const;

  std::string file_;
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
};

}  // namespace outbound::config
