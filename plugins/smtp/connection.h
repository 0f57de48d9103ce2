#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>
#include <spdlog/logger.h>

#include "net/deadline.h"
#include "outbound/status.h"
#include "smtp/capabilities.h"
#include "smtp/reply.h"

namespace outbound::smtp {

using SteadyTime = net::SteadyTime;

/// Stage is one step of an SMTP session and the moment it must be over: the earlier of the
/// step's own timeout and the call's attempt deadline.
struct Stage {
  /// The step's description for messages: "waiting for the greeting", "MAIL FROM".
  std::string name;
  SteadyTime deadline;
  /// The limit that set `deadline`, for messages: "timeouts.mail_ms (30000 ms)" or "the call's
  /// attempt deadline".
  std::string limit;
};

/// Returns the stage `name` that starts now and lasts `timeout`, cut short by
/// `attempt_deadline`. `setting` names the timeout's key under `timeouts`.
Stage make_stage(std::string name, std::chrono::milliseconds timeout, std::string_view setting,
                 SteadyTime attempt_deadline);

/// How long QUIT may take when the client closes a connection it no longer needs: a short
/// bound, because nothing depends on the reply.
inline constexpr std::chrono::milliseconds kQuitTimeout{1000};

/// Returns the stage for QUIT: kQuitTimeout from now, or `attempt_deadline` when that is earlier
/// and set.
Stage quit_stage(SteadyTime attempt_deadline = SteadyTime{});

/// Endpoint is where a connection goes and how it is protected.
struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
  /// True for implicit TLS: the handshake runs right after the TCP connect.
  bool implicit_tls = false;
  /// The context for implicit TLS and STARTTLS; null when TLS is never used.
  Poco::Net::Context::Ptr tls;
};

/// Connection is one TCP connection to an SMTP server, TLS or not, with the bytes received and
/// not yet parsed. It sends command lines, reads replies, and upgrades itself with STARTTLS.
/// Every blocking receive or send is given the time left until the stage's deadline, so a
/// silent or slow server cannot hold a caller past it.
///
/// A failure is a Status with one of these reasons:
/// - "dns_failed" and "connect_failed", retryable;
/// - "tls_failed", not retryable: kFailedPrecondition when the certificate was rejected or the
///   server does not speak TLS, because neither changes by itself, and kUnavailable for other
///   handshake errors;
/// - "timeout", with kDeadlineExceeded;
/// - "connection_lost", for an end of stream or a reset, also during the TLS handshake;
/// - "protocol_error", for bytes that are not a reply.
/// After any of them the connection is broken() and must be discarded without QUIT.
///
/// Not thread-safe: one session uses a connection at a time.
class Connection {
 public:
  /// Resolves the host, connects to each address in turn, and for implicit TLS runs the
  /// handshake, all within `stage`. `id` names the connection in logs; `logger` may be null.
  static Result<std::unique_ptr<Connection>> open(const Endpoint& endpoint, const Stage& stage,
                                                  std::string id,
                                                  std::shared_ptr<spdlog::logger> logger);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Reads one complete reply.
  Result<Reply> read_reply(const Stage& stage);

  /// Sends `command` and CRLF. A command with CR, LF or NUL is kInvalidArgument and nothing
  /// is sent, so that no value can smuggle a second command. `logged` replaces the command in
  /// the debug log when it carries a credential.
  Status send_command(std::string_view command, const Stage& stage, std::string_view logged = {});

  /// Sends `command` and reads its reply.
  Result<Reply> command(std::string_view command, const Stage& stage, std::string_view logged = {});

  /// Sends `data` as it is: the message payload after DATA.
  Status send_data(std::string_view data, const Stage& stage);

  /// Runs the TLS handshake on this connection after the server's 220 reply to STARTTLS.
  /// Any byte already received or waiting on the socket at that point was sent before the
  /// handshake, outside its protection: it is an error with reason "starttls_injection",
  /// and the connection is broken. A failed handshake has reason "tls_failed", or
  /// "connection_lost" when the server closed or reset the connection during it.
  /// The handshake uses `context` and verifies the certificate for `host`.
  Status start_tls(Poco::Net::Context::Ptr context, const std::string& host, const Stage& stage);

  /// IdleState is what check_idle() found on a connection that waited in the pool.
  enum class IdleState {
    kClean,
    /// The server closed or reset the connection.
    kClosed,
    /// The server sent bytes without a command to reply to, such as "421 timeout"; see
    /// unsolicited().
    kUnsolicited,
  };

  /// Looks for bytes or the end of stream on the idle connection without waiting, beyond a
  /// few milliseconds for TLS records that carry no data (TLS 1.3 session tickets).
  IdleState check_idle();

  /// The reply check_idle() read when it returned kUnsolicited, as received.
  const std::string& unsolicited() const { return unsolicited_; }

  /// Sends QUIT and waits for its reply within `stage`, then closes. Errors are ignored: the
  /// connection is being discarded either way.
  void quit(const Stage& stage);

  /// Closes the socket without QUIT.
  void close();

  bool broken() const { return broken_; }
  void mark_broken() { broken_ = true; }
  bool tls_active() const { return tls_active_; }
  const std::string& id() const { return id_; }
  /// The server's address and port, "127.0.0.1:2525".
  const std::string& peer() const { return peer_; }
  /// Whether the server's address is a loopback address.
  bool peer_loopback() const { return peer_loopback_; }
  /// This end's address as an EHLO address literal ("[127.0.0.1]", "[IPv6:::1]"), or
  /// "[127.0.0.1]" when the socket address is unavailable.
  std::string local_address_literal() const;

  const Capabilities& capabilities() const { return capabilities_; }
  void set_capabilities(Capabilities capabilities) { capabilities_ = std::move(capabilities); }

  /// Messages whose data was sent on this connection.
  int messages() const { return messages_; }
  void count_message() { ++messages_; }

  SteadyTime last_use() const { return last_use_; }
  void set_last_use(SteadyTime when) { last_use_ = when; }

 private:
  Connection(Poco::Net::StreamSocket socket, std::string peer, bool loopback, std::string id,
             std::shared_ptr<spdlog::logger> logger);

  /// Runs the client side of a TLS handshake with `context`, verifying `host`, within `stage`.
  Status handshake(Poco::Net::Context::Ptr context, const std::string& host, const Stage& stage);

  enum class FillResult { kData, kEnd, kTimeout, kFailed };
  /// Receives more bytes into the buffer; `error` gets the socket's message on kFailed.
  FillResult fill(SteadyTime deadline, std::string& error);
  Status write_all(std::string_view data, const Stage& stage);
  bool socket_readable();
  Status failure(const char* reason, const std::string& message);
  std::string_view buffered() const { return std::string_view(buffer_).substr(start_); }

  Poco::Net::StreamSocket socket_;
  int descriptor_;
  std::string peer_;
  bool peer_loopback_;
  std::string id_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string buffer_;
  std::size_t start_ = 0;
  ReplyParser parser_;
  Capabilities capabilities_;
  std::string unsolicited_;
  bool broken_ = false;
  bool tls_active_ = false;
  bool closed_ = false;
  int messages_ = 0;
  SteadyTime last_use_{};
  net::SocketTimeouts timeouts_;
};

}  // namespace outbound::smtp
