#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <exception>
#include <filesystem>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
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

/// Returns the absolute path of the executable `name` in the first folder of PATH that has one
/// (/usr/local/bin:/usr/bin:/bin when PATH is unset), or an empty string when none has it.
std::string find_on_path(std::string_view name);

/// Returns this process's environment as NAME=VALUE lines with `changes` applied: a value of
/// kUnset removes the variable, any other value sets it.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& changes);

/// Starts `argv` (argv[0] is an absolute path) as a child whose standard input is /dev/null and
/// whose standard output and error go to `log_file`, created or truncated. A null `environment`
/// keeps this process's environment. The child gets SIGTERM when the calling thread ends.
/// Returns the child's PID. Throws std::runtime_error starting with `who` when the log file
/// cannot be opened or fork fails. A failed exec writes "exec NAME failed" to the log and exits
/// with status 127.
pid_t spawn_logged(const std::vector<std::string>& argv,
                   const std::vector<std::string>* environment,
                   const std::filesystem::path& log_file, std::string_view who);

/// Sends SIGTERM to the child `pid` and waits up to `grace` for it to exit, then sends SIGKILL
/// if it is still running and reaps it. Throws std::runtime_error, such as "WireMock: waitpid
/// failed for java PID 12: ..." with `who` and `program`, when waitpid fails other than by EINTR.
void stop_child(pid_t pid, std::chrono::milliseconds grace, std::string_view who,
                std::string_view program);

/// Returns how a child ended, from a waitpid status: "exited with status N" or "was killed by
/// signal N".
std::string describe_exit(int wait_status);

/// Returns the last `max_lines` lines of the file at `path`, to quote a child's log in an error
/// message, or "(no output)" when the file is empty or cannot be read.
std::string log_tail(const std::filesystem::path& path, std::size_t max_lines = 20);

/// Returns this test binary's one `Server`, default-constructed, started on the first call and
/// stopped at exit by its destructor. A failed start is remembered, and every later call throws
/// the same error without waiting again. `Server` provides start(), which throws on failure, and
/// running().
template <typename Server>
Server& shared_server() {
  static std::mutex mutex;
  static Server server;
  static std::string start_error;
  std::lock_guard<std::mutex> lock(mutex);
  if (!start_error.empty()) throw std::runtime_error(start_error);
  if (!server.running()) {
    try {
      server.start();
    } catch (const std::exception& error) {
      start_error = error.what();
      throw;
    }
  }
  return server;
}

}  // namespace outbound::testing
