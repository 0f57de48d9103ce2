#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outbound/export.h"
#include "outbound/status.h"

namespace outbound {

/// The reason of the Status that SettingProblems::status() returns. The host matches it to
/// write each problem under the client's full JSON pointer in the configuration file.
inline constexpr const char* kInvalidSettingsReason = "invalid_settings";

/// Returns `pointer` extended by one reference token, escaped as RFC 6901 section 3 requires:
/// "~" becomes "~0" and "/" becomes "~1". append_json_pointer("/pool", "a/b") is "/pool/a~1b".
OUTBOUND_SDK_API std::string append_json_pointer(std::string_view pointer, std::string_view token);

/// Returns the JSON pointer of the `settings` object of the client `client_id` in a
/// configuration file: "/clients/<id>/settings", with the id escaped as one token.
OUTBOUND_SDK_API std::string client_settings_pointer(std::string_view client_id);

/// SettingProblem is one invalid setting of a client.
struct SettingProblem {
  /// The JSON pointer of the setting, relative to the client's `settings` object
  /// ("/pool/max_connections"); empty for the `settings` object itself.
  std::string pointer;
  /// The description of the fault and its fix, without the pointer: "is 99999; give a whole
  /// number of the port from 1 to 65535".
  std::string problem;
};

/// SettingProblems collects every problem a plugin finds in a client's settings, so that one
/// run reports all of them. A plugin adds each problem as it finds it, keeps checking the
/// settings that remain meaningful, and returns status() from create when any was added:
///
///   SettingProblems problems;
///   if (port < 1 || port > 65535) {
///     problems.add("/port", "is " + std::to_string(port) + "; give a port from 1 to 65535");
///   }
///   ...
///   if (!problems.empty()) return problems.status();
///
/// Problem texts never quote a credential, because the host prints them.
///
/// Thread safety: none; use one collector per create call.
class OUTBOUND_SDK_API SettingProblems {
 public:
  /// Records `problem` about the setting at `pointer`, relative to the client's `settings`
  /// object. Build pointers from member names with append_json_pointer(). A problem equal to
  /// one already recorded is dropped.
  void add(std::string pointer, std::string problem);

  bool empty() const { return problems_.empty(); }
  std::size_t size() const { return problems_.size(); }

  /// Returns whether a problem was recorded at `pointer` or at a pointer below it, so that a
  /// check that depends on a setting can be skipped once that setting is known to be wrong.
  bool contains(std::string_view pointer) const;

  /// The problems in the order they were added.
  const std::vector<SettingProblem>& problems() const { return problems_; }

  /// Returns an ok Status when no problem was added. Otherwise returns kInvalidArgument with
  /// reason kInvalidSettingsReason and one line per problem, "<pointer>: <problem>", where the
  /// pointer of the `settings` object itself is written "(root)". Control characters in
  /// pointers and problems are written as escapes (\n, \u001b), so every problem stays on
  /// its own line.
  Status status() const;

 private:
  std::vector<SettingProblem> problems_;
};

/// Reads the problems back from the message of a Status that SettingProblems::status() made.
/// Status::with_context() puts text before the first line ("plugin smtp (smtp.so): /port: ..."),
/// so the first line may start with any text that ends in ": " before its pointer. Returns
/// nullopt when a line does not start with a pointer ("/..." or "(root)") followed by ": ".
///
/// NOTE: a member name that contains ": " splits at the wrong place. The pointer and problem
/// joined again with ": " still give the original line.
OUTBOUND_SDK_API std::optional<std::vector<SettingProblem>> parse_setting_problems(
    std::string_view message);

}  // namespace outbound
