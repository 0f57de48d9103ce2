#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

// OpenSSL's context type, declared here so that users of this header need no OpenSSL headers.
struct ssl_ctx_st;

namespace outbound::testing {

/// SmtpScriptStep is one action of a SmtpScript.
struct SmtpScriptStep {
  enum class Kind {
    /// Write `bytes`, all at once, or one byte at a time with `duration` between bytes.
    kSend,
    /// Read one line ending in LF and record it without its CR LF. When `bytes` is not empty,
    /// the line must start with it, compared case-insensitively.
    kExpectLine,
    /// Read until the received bytes contain `bytes`, such as "\r\n.\r\n", and record what was
    /// read, the pattern included.
    kReadUntil,
    /// Wait `duration` without reading.
    kSleep,
    /// Run the server side of a TLS handshake, then read and write through TLS.
    kStartTls,
    /// Read and record without replying until the client closes or `duration` passes.
    kStaySilent,
    /// Close the connection, ending the script.
    kClose,
  };
  Kind kind;
  std::string bytes;
  std::chrono::milliseconds duration{0};
};

/// Returns the step's kind and argument for messages, such as `expect_line "EHLO"`.
std::string describe(const SmtpScriptStep& step);

/// SmtpScript is what ScriptedSmtpServer does on one connection, step by step. When the steps
/// run out, the server closes the connection.
class SmtpScript {
 public:
  SmtpScript& send(std::string bytes);
  /// Sends `bytes` one byte per write, each in its own TCP segment, with `pause` between them.
  SmtpScript& send_bytewise(std::string bytes, std::chrono::milliseconds pause);
  SmtpScript& expect_line(std::string prefix = {});
  SmtpScript& read_until(std::string pattern);
  SmtpScript& sleep(std::chrono::milliseconds duration);
  SmtpScript& start_tls();
  SmtpScript& stay_silent(std::chrono::milliseconds duration);
  SmtpScript& close();

  /// Sends the greeting "220 scripted.test ESMTP ready\r\n".
  SmtpScript& greet();
  /// Expects a line that starts with `command_prefix`, then sends `reply`.
  SmtpScript& exchange(std::string command_prefix, std::string reply);

  const std::vector<SmtpScriptStep>& steps() const { return steps_; }

 private:
  std::vector<SmtpScriptStep> steps_;
};

/// ScriptedConnection is what happened on one accepted connection.
struct ScriptedConnection {
  /// Every byte read from the client, in arrival order: before the handshake as sent, after it
  /// as decrypted.
  std::string received;
  /// Offset in `received` where TLS began, or std::string::npos without TLS.
  std::size_t tls_offset = std::string::npos;
  /// Bytes the client sent after the command before start_tls and before its handshake. A
  /// correct server discards them (RFC 3207 section 4.2), and so does this one.
  std::string discarded_before_tls;
  /// Lines that expect_line steps read, without CR LF.
  std::vector<std::string> lines;
  /// What each read_until step read, the pattern included.
  std::vector<std::string> reads;
  /// Number of steps that completed.
  std::size_t steps_done = 0;
  /// Whether every step completed.
  bool script_completed = false;
  /// Whether the server has closed the connection; the record changes no more after that.
  bool closed = false;
  /// Whether the client closed its side (EOF) while the script ran or at the close.
  bool client_closed = false;
  /// The first failed step with its reason, or empty.
  std::string error;
};

/// ScriptedSmtpServerOptions configures a ScriptedSmtpServer.
struct ScriptedSmtpServerOptions {
  /// PEM certificate chain and private key for start_tls steps, such as a TestCa's server pair.
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
  /// Maximum wait of each read, write and handshake step.
  std::chrono::milliseconds step_timeout = std::chrono::seconds(5);
  /// After the last step the server stops sending, then reads for at most this long until the
  /// client closes, so that the client receives all replies before the close. Closing with
  /// unread input would make the kernel send a reset, which can destroy replies in flight.
  std::chrono::milliseconds close_linger = std::chrono::milliseconds(200);
};

/// ScriptedSmtpServer is an SMTP server for byte-exact fault tests. It listens on
/// 127.0.0.1 at a port that the OS chooses, on its own thread, and runs scripts[i] on the i-th
/// accepted connection, one connection at a time. A connection beyond the scripts is closed at
/// once and counted. Every wait is bounded by the options and by stop(). Records may be read
/// from any thread while the server runs.
class ScriptedSmtpServer {
 public:
  explicit ScriptedSmtpServer(std::vector<SmtpScript> scripts,
                              ScriptedSmtpServerOptions options = {});
  ~ScriptedSmtpServer();
  ScriptedSmtpServer(const ScriptedSmtpServer&) = delete;
  ScriptedSmtpServer& operator=(const ScriptedSmtpServer&) = delete;

  /// Listens and starts the server thread. Throws std::runtime_error when a script has a
  /// start_tls step without a certificate, the certificate cannot be loaded, or listening
  /// fails. Ignores SIGPIPE for the whole process, because OpenSSL writes to the socket with
  /// write(2), which raises SIGPIPE when the client has gone.
  void start();
  /// Stops the thread within about 100 ms plus one write, closing any connection. Safe to call
  /// twice.
  void stop();
  int port() const { return port_; }

  /// Waits until `count` connections are closed, or `timeout` passes. Returns whether they
  /// are.
  bool wait_for_closed_connections(std::size_t count, std::chrono::milliseconds timeout) const;
  /// Returns copies of the records of the connections accepted so far, in accept order.
  std::vector<ScriptedConnection> connections() const;
  /// Number of connections accepted after the scripts ran out.
  std::size_t extra_connections() const;

 private:
  class Session;

  void serve();
  void run_script(int fd, std::size_t index);

  std::vector<SmtpScript> scripts_;
  ScriptedSmtpServerOptions options_;
  ssl_ctx_st* tls_context_ = nullptr;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::vector<ScriptedConnection> connections_;
  std::size_t extra_connections_ = 0;
};

}  // namespace outbound::testing
