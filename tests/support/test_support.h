#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace outbound::testing {

/// TempDir is a fresh folder under $TMPDIR (or /tmp), removed with its contents on
/// destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

/// Writes `text` to `path`, creating parent folders; fails the current test on error.
void write_file(const std::filesystem::path& path, const std::string& text);

/// Returns the whole content of `path`, or an empty string when it cannot be read.
std::string read_file(const std::filesystem::path& path);

/// ProcessResult is what a child process printed and how it ended.
struct ProcessResult {
  /// The exit code, or 128 + signal number when a signal ended it.
  int exit_code = -1;
  std::string out;
  std::string err;
  bool timed_out = false;
};

/// Runs `argv` (argv[0] is an absolute path or found on PATH) with `environment` added to
/// this process's environment (a value of "\x01unset" removes the variable), feeding `input`
/// on standard input. A child still running after `timeout` is killed by its PID and reported
/// with timed_out set.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& environment = {},
                          const std::string& input = {},
                          std::chrono::milliseconds timeout = std::chrono::seconds(60));

/// Value for run_process's environment that removes the variable.
inline constexpr const char* kUnset = "\x01unset";

}  // namespace outbound::testing
