#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "test_ca.h"
#include "test_support.h"

namespace outbound::testing {

/// SmtpImplementation names the SMTP server that SmtpServer runs.
enum class SmtpImplementation {
  /// scripts/lib/smtp_server.py on Debian's python3-aiosmtpd 1.4, the tests' main peer.
  kAiosmtpd,
  /// scripts/lib/smtp_node_server.js on the npm package smtp-server 3.21.6, for interop runs.
  /// It waits 100 ms before each greeting.
  kSmtpServer,
};

/// Returns "aiosmtpd" or "smtp-server".
std::string to_string(SmtpImplementation implementation);

/// SmtpServerOptions configures one SmtpServer. The defaults run aiosmtpd in plain text, with
/// no AUTH, on a port that the OS chooses.
struct SmtpServerOptions {
  SmtpImplementation implementation = SmtpImplementation::kAiosmtpd;
  /// TCP port on 127.0.0.1, or 0 to let the OS choose one.
  int port = 0;
  /// PEM certificate chain and private key. With both set the server offers STARTTLS, and AUTH
  /// only after it.
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
  /// Reply 530 to MAIL FROM and AUTH before STARTTLS (aiosmtpd rejects every command but EHLO,
  /// NOOP, STARTTLS and QUIT). Needs the certificate.
  bool require_tls = false;
  /// Speak TLS from the first byte instead of offering STARTTLS. Needs the certificate.
  bool implicit_tls = false;
  /// With a non-empty user, AUTH PLAIN and LOGIN are offered and required before MAIL FROM.
  std::string user;
  std::string password;
  /// Text of the AUTH LOGIN challenges, before base64.
  std::string login_username_prompt = "Username:";
  std::string login_password_prompt = "Password:";
  /// Send the implementation's own AUTH LOGIN challenges instead: aiosmtpd's are "User Name"
  /// and "Password" each followed by a NUL byte; smtp-server's are "Username:" and "Password:".
  bool stock_login_prompts = false;
  /// RCPT TO addresses that contain this text get 550 5.1.1; empty rejects none.
  std::string reject_rcpt;
  /// RCPT TO addresses that contain this text get 451 4.3.0; empty fails none.
  std::string tempfail_rcpt;
  /// Advertise SMTPUTF8 and accept its MAIL FROM parameter.
  bool smtputf8 = false;
  /// Maximum wait for the server to print "READY <port>".
  std::chrono::milliseconds start_timeout = std::chrono::seconds(15);
  /// Launcher script; empty selects the implementation's script under scripts/lib.
  std::filesystem::path script;
  /// node_modules folder for smtp-server; empty selects the source tree's .peers/node_modules.
  std::filesystem::path node_modules;
};

/// SmtpMessage is one message that the server accepted: the NNNN.eml and NNNN.json pair.
struct SmtpMessage {
  /// The files' common name, such as "0001"; names count up from 0001 in arrival order.
  std::string name;
  /// The DATA bytes after dot-unstuffing, up to and including the CRLF before the final ".".
  std::string data;
  std::string mail_from;
  /// Accepted recipients, in RCPT TO order. Rejected ones are not listed.
  std::vector<std::string> rcpt_tos;
  /// MAIL FROM parameters, upper-cased, such as "BODY=8BITMIME" or "SMTPUTF8".
  std::vector<std::string> mail_options;
  /// RCPT TO parameters of each accepted recipient, parallel to rcpt_tos.
  std::vector<std::vector<std::string>> rcpt_options;
  /// The authenticated user name, or nullopt when the client did not authenticate.
  std::optional<std::string> auth_user;
  /// Whether the message arrived over TLS, after STARTTLS or with implicit TLS.
  bool tls = false;
  /// The client's address and port.
  std::string peer_address;
  int peer_port = 0;
  /// Length of `data` as the server counted it.
  std::size_t size = 0;
  /// The whole NNNN.json document.
  nlohmann::json envelope;
};

/// SmtpServer runs a loopback SMTP server as a child process, aiosmtpd by default, and reads
/// back the messages that it stores. The child gets SIGTERM when the thread that called start()
/// ends. Errors throw std::runtime_error with the end of the server's output. Reading messages
/// may run from several threads; start() and stop() may not.
class SmtpServer {
 public:
  explicit SmtpServer(SmtpServerOptions options = {});
  virtual ~SmtpServer();
  SmtpServer(const SmtpServer&) = delete;
  SmtpServer& operator=(const SmtpServer&) = delete;

  /// Starts the server and waits until it prints READY. Throws when python3, node, aiosmtpd or
  /// smtp-server is missing (the message names scripts/setup.sh), when the port is taken, or
  /// when the server does not get ready within options.start_timeout.
  void start();
  /// Sends SIGTERM to the server's PID and waits up to 5 s, then sends SIGKILL. Does nothing
  /// when the server is not running. Stored messages stay readable until destruction.
  void stop();
  bool running() const { return pid_ > 0; }
  /// PID of the server process, or -1 when not running.
  pid_t pid() const { return pid_; }
  /// Port on 127.0.0.1 from the READY line, or 0 when not running.
  int port() const { return port_; }
  const SmtpServerOptions& options() const { return options_; }

  /// Folder that contains the NNNN.eml and NNNN.json files, or empty before the first start().
  std::filesystem::path outdir() const;
  /// Returns the stored messages, oldest first. A message is listed once its .json exists,
  /// which the server writes after the complete .eml.
  std::vector<SmtpMessage> messages() const;
  /// Waits until at least `count` messages are stored or `timeout` passes, and returns the
  /// messages stored by then, which may be fewer.
  std::vector<SmtpMessage> wait_for_messages(std::size_t count,
                                             std::chrono::milliseconds timeout) const;
  /// Deletes the stored messages. The server keeps counting, so later names do not restart.
  void clear_messages() const;
  /// Returns the last lines of the server's stdout and stderr, to quote in a failure.
  std::string output_tail() const;

 private:
  std::vector<std::string> command_line() const;
  void check_options() const;
  int wait_until_ready();

  SmtpServerOptions options_;
  std::unique_ptr<TempDir> work_dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

/// SmtpReply is one SMTP reply, single- or multi-line.
struct SmtpReply {
  /// The three-digit reply code, such as 250.
  int code = 0;
  /// The text after "250-" or "250 " on each line.
  std::vector<std::string> lines;
  /// The reply as received, CR LF included.
  std::string raw;
};

/// SmtpTestClient is a bare SMTP client over Poco sockets for tests of the peers: it sends
/// exactly the bytes it is given and parses replies, so a test can drive any step of a session.
/// Each read waits at most `timeout` and throws std::runtime_error after it, or on EOF.
class SmtpTestClient {
 public:
  /// Connects to 127.0.0.1:`port`. With a non-empty `implicit_tls_ca_file`, runs a TLS
  /// handshake at once, checking the chain against that CA and the name "localhost".
  explicit SmtpTestClient(int port, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                          const std::filesystem::path& implicit_tls_ca_file = {});
  ~SmtpTestClient();
  SmtpTestClient(const SmtpTestClient&) = delete;
  SmtpTestClient& operator=(const SmtpTestClient&) = delete;

  /// Sends `bytes` as they are.
  void send(const std::string& bytes);
  /// Reads one complete reply.
  SmtpReply read_reply();
  /// Sends `line` with CR LF appended and reads the reply.
  SmtpReply command(const std::string& line);
  /// Runs the client side of a TLS handshake on the connection, checking the chain against
  /// `ca_file` and the certificate's names against `host_name`. Throws on failure.
  void start_tls(const std::filesystem::path& ca_file, const std::string& host_name = "localhost");
  /// Reads until the received bytes contain `pattern` and returns them, the pattern included.
  std::string read_until(const std::string& pattern);
  /// Reads until the server closes the connection and returns what arrived.
  std::string read_to_eof();
  /// Closes the connection.
  void close();

 private:
  // Reads once more into buffer_; returns false on EOF.
  bool receive_more();

  struct Connection;
  std::unique_ptr<Connection> connection_;
  std::string buffer_;
};

/// User name and password of shared_smtp_server().
inline constexpr const char* kSharedSmtpUser = "tester";
inline constexpr const char* kSharedSmtpPassword = "test-password-1";
/// RCPT TO addresses containing these get 550 5.1.1 and 451 4.3.0 from shared_smtp_server().
inline constexpr const char* kSharedSmtpRejectText = "reject";
inline constexpr const char* kSharedSmtpTempfailText = "busy";

/// SharedSmtpServer is aiosmtpd with a test CA of its own: STARTTLS required, AUTH with
/// kSharedSmtpUser and kSharedSmtpPassword, and the kSharedSmtpRejectText and
/// kSharedSmtpTempfailText recipients refused.
class SharedSmtpServer : public SmtpServer {
 public:
  SharedSmtpServer();
  /// The CA whose ca_certificate a client must trust, and which signed the server's
  /// certificate for localhost and 127.0.0.1.
  const TestCa& test_ca() const { return test_ca_; }

 private:
  struct CaFolder {
    std::unique_ptr<TempDir> dir;
    TestCa ca;
  };
  static CaFolder make_ca_folder();
  explicit SharedSmtpServer(CaFolder folder);

  std::unique_ptr<TempDir> ca_dir_;
  TestCa test_ca_;
};

/// Returns this test binary's one SharedSmtpServer, started on the first call and stopped at
/// exit. A failed start is remembered, and every later call throws the same error without
/// waiting again. Call it first from a thread that outlives the tests, such as the main
/// thread, because the server gets SIGTERM when that thread ends.
SharedSmtpServer& shared_smtp_server();

}  // namespace outbound::testing
