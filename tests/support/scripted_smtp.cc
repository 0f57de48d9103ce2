#include "scripted_smtp.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace outbound::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Maximum duration of one poll(2), so that every wait notices stop() within this time.
constexpr int kPollSliceMs = 50;
// Characters of a byte string that messages quote before they cut it short.
constexpr std::size_t kQuoteLimit = 120;

// Returns `bytes` as C-style escaped text, such as "250 OK\r\n", cut at kQuoteLimit.
std::string escape(std::string_view bytes) {
  std::string text;
  for (const char c : bytes.substr(0, kQuoteLimit)) {
    if (c == '\r') {
      text += "\\r";
    } else if (c == '\n') {
      text += "\\n";
    } else if (c == '"' || c == '\\') {
      text += '\\';
      text += c;
    } else if (std::isprint(static_cast<unsigned char>(c)) != 0) {
      text += c;
    } else {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", static_cast<unsigned char>(c));
      text += hex;
    }
  }
  if (bytes.size() > kQuoteLimit) text += "...";
  return text;
}

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) ==
           std::tolower(static_cast<unsigned char>(b));
  });
}

// Returns the oldest error in OpenSSL's queue of this thread as text, and empties the queue.
std::string openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error recorded";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

long remaining_ms(Clock::time_point deadline) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
}

}  // namespace

std::string describe(const SmtpScriptStep& step) {
  switch (step.kind) {
    case SmtpScriptStep::Kind::kSend:
      if (step.duration.count() > 0) {
        return "send_bytewise \"" + escape(step.bytes) + "\" every " +
               std::to_string(step.duration.count()) + " ms";
      }
      return "send \"" + escape(step.bytes) + "\"";
    case SmtpScriptStep::Kind::kExpectLine:
      return "expect_line \"" + escape(step.bytes) + "\"";
    case SmtpScriptStep::Kind::kReadUntil:
      return "read_until \"" + escape(step.bytes) + "\"";
    case SmtpScriptStep::Kind::kSleep:
      return "sleep " + std::to_string(step.duration.count()) + " ms";
    case SmtpScriptStep::Kind::kStartTls:
      return "start_tls";
    case SmtpScriptStep::Kind::kStaySilent:
      return "stay_silent " + std::to_string(step.duration.count()) + " ms";
    case SmtpScriptStep::Kind::kClose:
      return "close";
  }
  return "unknown step";
}

SmtpScript& SmtpScript::send(std::string bytes) {
  steps_.push_back({SmtpScriptStep::Kind::kSend, std::move(bytes), {}});
  return *this;
}

SmtpScript& SmtpScript::send_bytewise(std::string bytes, std::chrono::milliseconds pause) {
  // A zero pause would read as "all at once", so one byte at a time waits at least 1 ms.
  steps_.push_back({SmtpScriptStep::Kind::kSend, std::move(bytes),
                    std::max(pause, std::chrono::milliseconds(1))});
  return *this;
}

SmtpScript& SmtpScript::expect_line(std::string prefix) {
  steps_.push_back({SmtpScriptStep::Kind::kExpectLine, std::move(prefix), {}});
  return *this;
}

SmtpScript& SmtpScript::read_until(std::string pattern) {
  if (pattern.empty()) throw std::invalid_argument("SmtpScript: read_until needs a pattern");
  steps_.push_back({SmtpScriptStep::Kind::kReadUntil, std::move(pattern), {}});
  return *this;
}

SmtpScript& SmtpScript::sleep(std::chrono::milliseconds duration) {
  steps_.push_back({SmtpScriptStep::Kind::kSleep, {}, duration});
  return *this;
}

SmtpScript& SmtpScript::start_tls() {
  steps_.push_back({SmtpScriptStep::Kind::kStartTls, {}, {}});
  return *this;
}

SmtpScript& SmtpScript::stay_silent(std::chrono::milliseconds duration) {
  steps_.push_back({SmtpScriptStep::Kind::kStaySilent, {}, duration});
  return *this;
}

SmtpScript& SmtpScript::close() {
  steps_.push_back({SmtpScriptStep::Kind::kClose, {}, {}});
  return *this;
}

SmtpScript& SmtpScript::greet() { return send("220 scripted.test ESMTP ready\r\n"); }

SmtpScript& SmtpScript::exchange(std::string command_prefix, std::string reply) {
  expect_line(std::move(command_prefix));
  return send(std::move(reply));
}

// Session runs one script on one accepted connection and keeps its record up to date. Every
// socket is non-blocking, and every wait polls in slices of kPollSliceMs so that stop() is
// noticed.
class ScriptedSmtpServer::Session {
 public:
  Session(ScriptedSmtpServer& server, int fd, std::size_t index)
      : server_(server), fd_(fd), index_(index) {}
  ~Session() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
  }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void run(const SmtpScript& script) {
    const std::vector<SmtpScriptStep>& steps = script.steps();
    bool completed = true;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].kind == SmtpScriptStep::Kind::kClose) break;
      const std::string error = run_step(steps[i]);
      if (!error.empty()) {
        update([&](ScriptedConnection& record) {
          record.error = "step " + std::to_string(i + 1) + " of " + std::to_string(steps.size()) +
                         ", " + describe(steps[i]) + ": " + error;
        });
        completed = false;
        break;
      }
      update([](ScriptedConnection& record) { ++record.steps_done; });
    }
    if (completed) {
      // A close step completes too; it ends the script here.
      update([&](ScriptedConnection& record) {
        record.steps_done = steps.size();
        record.script_completed = true;
      });
    }
    close_connection();
  }

 private:
  enum class Wait { kReady, kTimedOut, kStopped };
  enum class Read { kData, kEof, kTimedOut, kStopped, kFailed };

  template <typename Change>
  void update(Change change) {
    {
      std::lock_guard<std::mutex> lock(server_.mutex_);
      change(server_.connections_[index_]);
    }
    server_.changed_.notify_all();
  }

  Clock::time_point step_deadline() const { return Clock::now() + server_.options_.step_timeout; }

  std::string timed_out() const {
    return "timed out after " + std::to_string(server_.options_.step_timeout.count()) +
           " ms; unread input \"" + escape(pending_) + "\"";
  }

  std::string run_step(const SmtpScriptStep& step) {
    switch (step.kind) {
      case SmtpScriptStep::Kind::kSend:
        return send(step);
      case SmtpScriptStep::Kind::kExpectLine:
        return expect_line(step.bytes);
      case SmtpScriptStep::Kind::kReadUntil:
        return read_until(step.bytes);
      case SmtpScriptStep::Kind::kSleep:
        return pause(step.duration);
      case SmtpScriptStep::Kind::kStartTls:
        return start_tls();
      case SmtpScriptStep::Kind::kStaySilent:
        return stay_silent(step.duration);
      case SmtpScriptStep::Kind::kClose:
        return {};
    }
    return "unknown step";
  }

  std::string send(const SmtpScriptStep& step) {
    if (step.duration.count() == 0) return write_all(step.bytes, step_deadline());
    for (std::size_t i = 0; i < step.bytes.size(); ++i) {
      if (i > 0) {
        const std::string error = pause(step.duration);
        if (!error.empty()) return error;
      }
      const std::string error =
          write_all(std::string_view(step.bytes).substr(i, 1), step_deadline());
      if (!error.empty()) return error;
    }
    return {};
  }

  std::string expect_line(const std::string& prefix) {
    const auto deadline = step_deadline();
    std::size_t end = pending_.find('\n');
    while (end == std::string::npos) {
      const std::string error = read_more(deadline);
      if (!error.empty()) return error;
      end = pending_.find('\n');
    }
    std::string line = pending_.substr(0, end);
    pending_.erase(0, end + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    update([&](ScriptedConnection& record) { record.lines.push_back(line); });
    if (!starts_with_ignoring_case(line, prefix)) {
      return "the line \"" + escape(line) + "\" does not start with \"" + escape(prefix) + "\"";
    }
    return {};
  }

  std::string read_until(const std::string& pattern) {
    const auto deadline = step_deadline();
    std::size_t found = pending_.find(pattern);
    while (found == std::string::npos) {
      const std::string error = read_more(deadline);
      if (!error.empty()) return error;
      found = pending_.find(pattern);
    }
    const std::string block = pending_.substr(0, found + pattern.size());
    pending_.erase(0, found + pattern.size());
    update([&](ScriptedConnection& record) { record.reads.push_back(block); });
    return {};
  }

  std::string pause(std::chrono::milliseconds duration) {
    const auto deadline = Clock::now() + duration;
    while (Clock::now() < deadline) {
      if (server_.stopping_) return "the server was stopped";
      const long left = remaining_ms(deadline);
      std::this_thread::sleep_for(std::chrono::milliseconds(std::min<long>(left, kPollSliceMs)));
    }
    return {};
  }

  std::string stay_silent(std::chrono::milliseconds duration) {
    const auto deadline = Clock::now() + duration;
    while (true) {
      const Read result = read_some(deadline);
      if (result == Read::kData) continue;
      if (result == Read::kEof || result == Read::kTimedOut) return {};
      if (result == Read::kStopped) return "the server was stopped";
      return read_error_;
    }
  }

  std::string start_tls() {
    if (!pending_.empty()) {
      update([&](ScriptedConnection& record) { record.discarded_before_tls += pending_; });
      pending_.clear();
    }
    update([](ScriptedConnection& record) { record.tls_offset = record.received.size(); });
    ssl_ = SSL_new(server_.tls_context_);
    if (ssl_ == nullptr || SSL_set_fd(ssl_, fd_) != 1) return "SSL_new failed: " + openssl_error();
    const auto deadline = step_deadline();
    while (true) {
      ERR_clear_error();
      const int result = SSL_accept(ssl_);
      if (result == 1) return {};
      const int error = SSL_get_error(ssl_, result);
      short events = 0;
      if (error == SSL_ERROR_WANT_READ) {
        events = POLLIN;
      } else if (error == SSL_ERROR_WANT_WRITE) {
        events = POLLOUT;
      } else {
        return "TLS handshake failed: " + openssl_error();
      }
      const Wait waited = wait(events, deadline);
      if (waited == Wait::kStopped) return "the server was stopped";
      if (waited == Wait::kTimedOut) return "TLS handshake " + timed_out();
    }
  }

  // Reads once more into pending_, or returns why it could not.
  std::string read_more(Clock::time_point deadline) {
    switch (read_some(deadline)) {
      case Read::kData:
        return {};
      case Read::kEof:
        return "the client closed the connection; unread input \"" + escape(pending_) + "\"";
      case Read::kTimedOut:
        return timed_out();
      case Read::kStopped:
        return "the server was stopped";
      case Read::kFailed:
        return read_error_;
    }
    return "unknown read result";
  }

  Read read_some(Clock::time_point deadline) {
    char buffer[16384];
    while (true) {
      short events = POLLIN;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int count = SSL_read(ssl_, buffer, sizeof(buffer));
        if (count > 0) return received(buffer, static_cast<std::size_t>(count));
        const int error = SSL_get_error(ssl_, count);
        if (error == SSL_ERROR_ZERO_RETURN) return client_closed();
        if (error == SSL_ERROR_WANT_WRITE) {
          events = POLLOUT;
        } else if (error != SSL_ERROR_WANT_READ) {
          read_error_ = "TLS read failed: " + openssl_error();
          return Read::kFailed;
        }
      } else {
        const ssize_t count = ::recv(fd_, buffer, sizeof(buffer), 0);
        if (count > 0) return received(buffer, static_cast<std::size_t>(count));
        if (count == 0) return client_closed();
        if (errno == EINTR) continue;
        // A reset is how a client that closes with unread input ends the connection.
        if (errno == ECONNRESET) return client_closed();
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
          read_error_ = std::string("recv failed: ") + std::strerror(errno);
          return Read::kFailed;
        }
      }
      const Wait waited = wait(events, deadline);
      if (waited == Wait::kStopped) return Read::kStopped;
      if (waited == Wait::kTimedOut) return Read::kTimedOut;
    }
  }

  Read received(const char* bytes, std::size_t count) {
    pending_.append(bytes, count);
    update([&](ScriptedConnection& record) { record.received.append(bytes, count); });
    return Read::kData;
  }

  Read client_closed() {
    update([](ScriptedConnection& record) { record.client_closed = true; });
    return Read::kEof;
  }

  std::string write_all(std::string_view bytes, Clock::time_point deadline) {
    while (!bytes.empty()) {
      short events = POLLOUT;
      if (ssl_ != nullptr) {
        ERR_clear_error();
        const int count = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
        if (count > 0) {
          bytes.remove_prefix(static_cast<std::size_t>(count));
          continue;
        }
        const int error = SSL_get_error(ssl_, count);
        if (error == SSL_ERROR_WANT_READ) {
          events = POLLIN;
        } else if (error != SSL_ERROR_WANT_WRITE) {
          return "TLS write failed: " + openssl_error();
        }
      } else {
        const ssize_t count = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (count > 0) {
          bytes.remove_prefix(static_cast<std::size_t>(count));
          continue;
        }
        if (count < 0 && errno == EINTR) continue;
        if (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
          return std::string("send failed: ") + std::strerror(errno);
        }
      }
      const Wait waited = wait(events, deadline);
      if (waited == Wait::kStopped) return "the server was stopped";
      if (waited == Wait::kTimedOut) {
        return "write timed out after " + std::to_string(server_.options_.step_timeout.count()) +
               " ms";
      }
    }
    return {};
  }

  Wait wait(short events, Clock::time_point deadline) {
    while (true) {
      if (server_.stopping_) return Wait::kStopped;
      const long left = remaining_ms(deadline);
      if (left <= 0) return Wait::kTimedOut;
      pollfd entry{fd_, events, 0};
      const int ready = ::poll(&entry, 1, static_cast<int>(std::min<long>(left, kPollSliceMs)));
      if (ready > 0) return Wait::kReady;
      if (ready < 0 && errno != EINTR) return Wait::kReady;  // the next call reports the error
    }
  }

  // Sends close_notify under TLS and a FIN, then reads until the client closes or the linger
  // time passes, recording what arrives, and closes the socket.
  void close_connection() {
    if (ssl_ != nullptr) {
      ERR_clear_error();
      SSL_shutdown(ssl_);
    }
    ::shutdown(fd_, SHUT_WR);
    if (!server_.stopping_) {
      const auto deadline = Clock::now() + server_.options_.close_linger;
      while (read_some(deadline) == Read::kData) {
      }
    }
    if (ssl_ != nullptr) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    ::close(fd_);
    fd_ = -1;
    update([](ScriptedConnection& record) { record.closed = true; });
  }

  ScriptedSmtpServer& server_;
  int fd_;
  std::size_t index_;
  SSL* ssl_ = nullptr;
  // Bytes read but not yet used by a step.
  std::string pending_;
  std::string read_error_;
};

ScriptedSmtpServer::ScriptedSmtpServer(std::vector<SmtpScript> scripts,
                                       ScriptedSmtpServerOptions options)
    : scripts_(std::move(scripts)), options_(std::move(options)) {}

ScriptedSmtpServer::~ScriptedSmtpServer() { stop(); }

void ScriptedSmtpServer::start() {
  if (thread_.joinable() || listen_fd_ >= 0) {
    throw std::runtime_error("ScriptedSmtpServer: start() called twice");
  }
  bool needs_tls = false;
  for (const SmtpScript& script : scripts_) {
    for (const SmtpScriptStep& step : script.steps()) {
      needs_tls = needs_tls || step.kind == SmtpScriptStep::Kind::kStartTls;
    }
  }
  if (needs_tls && (options_.tls_certificate.empty() || options_.tls_private_key.empty())) {
    throw std::runtime_error(
        "ScriptedSmtpServer: a script has a start_tls step, but the options name no "
        "tls_certificate and tls_private_key");
  }
  if (!options_.tls_certificate.empty()) {
    tls_context_ = SSL_CTX_new(TLS_server_method());
    if (tls_context_ == nullptr) {
      throw std::runtime_error("ScriptedSmtpServer: SSL_CTX_new failed: " + openssl_error());
    }
    // A client that closes without close_notify then reads as an ordinary end of stream.
    SSL_CTX_set_options(tls_context_, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (SSL_CTX_use_certificate_chain_file(tls_context_, options_.tls_certificate.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(tls_context_, options_.tls_private_key.c_str(),
                                    SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(tls_context_) != 1) {
      const std::string error = openssl_error();
      SSL_CTX_free(tls_context_);
      tls_context_ = nullptr;
      throw std::runtime_error("ScriptedSmtpServer: cannot load " +
                               options_.tls_certificate.string() + " and " +
                               options_.tls_private_key.string() + ": " + error);
    }
  }
  ::signal(SIGPIPE, SIG_IGN);

  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (listen_fd_ < 0) {
    throw std::runtime_error(std::string("ScriptedSmtpServer: socket failed: ") +
                             std::strerror(errno));
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = 0;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(listen_fd_);
    listen_fd_ = -1;
    throw std::runtime_error(std::string("ScriptedSmtpServer: cannot listen on 127.0.0.1: ") +
                             std::strerror(error));
  }
  port_ = ntohs(address.sin_port);
  stopping_ = false;
  thread_ = std::thread(&ScriptedSmtpServer::serve, this);
}

void ScriptedSmtpServer::stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  if (listen_fd_ >= 0) {
    ::close(listen_fd_);
    listen_fd_ = -1;
  }
  if (tls_context_ != nullptr) {
    SSL_CTX_free(tls_context_);
    tls_context_ = nullptr;
  }
  changed_.notify_all();
}

void ScriptedSmtpServer::serve() {
  while (!stopping_) {
    pollfd entry{listen_fd_, POLLIN, 0};
    if (::poll(&entry, 1, kPollSliceMs) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::size_t index = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      index = connections_.size();
      if (index >= scripts_.size()) {
        ++extra_connections_;
      } else {
        connections_.emplace_back();
      }
    }
    changed_.notify_all();
    if (index >= scripts_.size()) {
      ::close(fd);
      continue;
    }
    run_script(fd, index);
  }
}

void ScriptedSmtpServer::run_script(int fd, std::size_t index) {
  // Each byte of a send_bytewise step must leave in its own segment.
  const int enabled = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &enabled, sizeof(enabled));
  Session session(*this, fd, index);
  try {
    session.run(scripts_[index]);
  } catch (const std::exception& error) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ScriptedConnection& record = connections_[index];
      if (record.error.empty()) record.error = std::string("exception: ") + error.what();
      record.closed = true;
    }
    changed_.notify_all();
  }
}

bool ScriptedSmtpServer::wait_for_closed_connections(std::size_t count,
                                                     std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    const auto closed =
        std::count_if(connections_.begin(), connections_.end(),
                      [](const ScriptedConnection& record) { return record.closed; });
    return static_cast<std::size_t>(closed) >= count;
  });
}

std::vector<ScriptedConnection> ScriptedSmtpServer::connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return connections_;
}

std::size_t ScriptedSmtpServer::extra_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return extra_connections_;
}

}  // namespace outbound::testing
