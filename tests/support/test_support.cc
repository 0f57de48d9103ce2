#include "test_support.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace outbound::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/outbound-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern + ": " + std::strerror(errno));
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file << text;
  ASSERT_TRUE(file.good()) << "cannot write " << path;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

std::vector<std::string> child_environment(const std::map<std::string, std::string>& changes) {
  std::map<std::string, std::string> variables;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string text(*entry);
    const auto equals = text.find('=');
    if (equals != std::string::npos) variables[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : changes) {
    if (value == kUnset) {
      variables.erase(name);
    } else {
      variables[name] = value;
    }
  }
  std::vector<std::string> lines;
  for (const auto& [name, value] : variables) lines.push_back(name + "=" + value);
  return lines;
}

ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& environment,
                          const std::string& input, std::chrono::milliseconds timeout) {
  ProcessResult result;
  int in_pipe[2];
  int out_pipe[2];
  int err_pipe[2];
  if (pipe(in_pipe) != 0 || pipe(out_pipe) != 0 || pipe(err_pipe) != 0) {
    throw std::runtime_error(std::string("pipe failed: ") + std::strerror(errno));
  }
  std::vector<std::string> env_lines = child_environment(environment);
  std::vector<char*> env_pointers;
  for (auto& line : env_lines) env_pointers.push_back(line.data());
  env_pointers.push_back(nullptr);
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (auto& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);

  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      close(fd);
    }
    environ = env_pointers.data();
    execvp(arg_pointers[0], arg_pointers.data());
    const std::string message =
        std::string("exec ") + argv[0] + " failed: " + std::strerror(errno) + "\n";
    (void)!write(STDERR_FILENO, message.data(), message.size());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  signal(SIGPIPE, SIG_IGN);

  std::size_t written = 0;
  int input_fd = in_pipe[1];
  if (input.empty()) {
    close(input_fd);
    input_fd = -1;
  } else {
    fcntl(input_fd, F_SETFL, O_NONBLOCK);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true;
  bool err_open = true;
  char buffer[65536];
  while (out_open || err_open) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(pid, SIGKILL);
      break;
    }
    std::vector<pollfd> fds;
    if (out_open) fds.push_back({out_pipe[0], POLLIN, 0});
    if (err_open) fds.push_back({err_pipe[0], POLLIN, 0});
    if (input_fd >= 0) fds.push_back({input_fd, POLLOUT, 0});
    const int ready = poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    for (const pollfd& entry : fds) {
      if (entry.revents == 0) continue;
      if (entry.fd == input_fd) {
        const ssize_t n = write(input_fd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n < 0 || written == input.size()) {
          close(input_fd);
          input_fd = -1;
        }
        continue;
      }
      const ssize_t n = read(entry.fd, buffer, sizeof(buffer));
      if (n > 0) {
        (entry.fd == out_pipe[0] ? result.out : result.err).append(buffer, n);
      } else {
        if (entry.fd == out_pipe[0]) out_open = false;
        if (entry.fd == err_pipe[0]) err_open = false;
      }
    }
  }
  if (input_fd >= 0) close(input_fd);
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

std::string find_on_path(std::string_view name) {
  const char* path = std::getenv("PATH");
  std::istringstream folders(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string folder;
  while (std::getline(folders, folder, ':')) {
    if (folder.empty()) continue;
    const std::string candidate = folder + "/" + std::string(name);
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

pid_t spawn_logged(const std::vector<std::string>& argv,
                   const std::vector<std::string>* environment,
                   const std::filesystem::path& log_file, std::string_view who) {
  // Everything the child needs is prepared before fork(), because a child of a multi-threaded
  // process may only call async-signal-safe functions until exec.
  std::vector<std::string> args = argv;
  std::vector<char*> arg_pointers;
  for (std::string& arg : args) arg_pointers.push_back(arg.data());
  arg_pointers.push_back(nullptr);
  std::vector<std::string> variables =
      environment != nullptr ? *environment : std::vector<std::string>();
  std::vector<char*> env_pointers;
  for (std::string& variable : variables) env_pointers.push_back(variable.data());
  env_pointers.push_back(nullptr);
  char* const* envp = environment != nullptr ? env_pointers.data() : environ;
  const std::string exec_failed =
      "exec " + std::filesystem::path(argv.at(0)).filename().string() + " failed\n";
  const std::string prefix(who);

  // stdout and stderr share one file, so lines arrive in the order the child wrote them, and a
  // child that logs a lot cannot block on a full pipe that nobody reads.
  const std::string log_path = log_file.string();
  const int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    const int error = errno;
    throw std::runtime_error(prefix + ": failed to open " + log_path + ": " + std::strerror(error));
  }
  const int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    const int error = errno;
    close(log_fd);
    throw std::runtime_error(prefix + ": failed to open /dev/null: " + std::strerror(error));
  }
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid < 0) {
    const int error = errno;
    close(log_fd);
    close(null_fd);
    throw std::runtime_error(prefix + ": fork failed: " + std::strerror(error));
  }
  if (pid == 0) {
    // PR_SET_PDEATHSIG fires when the thread that forked ends, and the check after it covers a
    // parent that died before prctl ran.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null_fd, STDIN_FILENO);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(arg_pointers[0], arg_pointers.data(), envp);
    (void)!write(STDERR_FILENO, exec_failed.data(), exec_failed.size());
    _exit(127);
  }
  close(log_fd);
  close(null_fd);
  return pid;
}

void stop_child(pid_t pid, std::chrono::milliseconds grace, std::string_view who,
                std::string_view program) {
  kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return;
    if (done < 0 && errno != EINTR) {
      const int error = errno;
      throw std::runtime_error(std::string(who) + ": waitpid failed for " + std::string(program) +
                               " PID " + std::to_string(pid) + ": " + std::strerror(error));
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

std::string describe_exit(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  }
  return "was killed by signal " + std::to_string(WTERMSIG(wait_status));
}

std::string log_tail(const std::filesystem::path& path, std::size_t max_lines) {
  const std::string output = read_file(path);
  if (output.empty()) return "(no output)";
  // A newline counts only when a line follows it, so a final newline adds no empty line.
  std::size_t start = output.size();
  for (std::size_t lines = 0; start > 0 && lines < max_lines;) {
    --start;
    if (output[start] == '\n' && start + 1 < output.size()) ++lines;
  }
  if (start > 0) ++start;
  return output.substr(start);
}

}  // namespace outbound::testing
