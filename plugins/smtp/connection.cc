#include "smtp/connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

#include "net/resolver.h"
#include "net/tls_handshake.h"
#include "smtp/settings.h"
#include "smtp/tls.h"

namespace outbound::smtp {
namespace {

using net::ended_early;
using net::time_left;
using std::chrono::milliseconds;

constexpr std::size_t kReadSize = 16 * 1024;
/// How long check_idle() lets OpenSSL read TLS records that carry no data.
constexpr milliseconds kIdleReadWait{5};

Status timed_out(const Stage& stage) {
  return Status::deadline_exceeded("the SMTP server took too long: " + stage.name +
                                   " did not finish within " + stage.limit)
      .set_retryable(true)
      .set_reason("timeout");
}

}  // namespace

Stage make_stage(std::string name, milliseconds timeout, std::string_view setting,
                 SteadyTime attempt_deadline) {
  const SteadyTime own = std::chrono::steady_clock::now() + timeout;
  Stage stage;
  stage.name = std::move(name);
  if (attempt_deadline != SteadyTime{} && attempt_deadline < own) {
    stage.deadline = attempt_deadline;
    const auto left = std::chrono::duration_cast<milliseconds>(attempt_deadline -
                                                               std::chrono::steady_clock::now());
    stage.limit = "the call's attempt deadline (" +
                  std::to_string(std::max<long>(left.count(), 0)) +
                  " ms left when the step began; see timeouts.attempt_ms)";
  } else {
    stage.deadline = own;
    stage.limit =
        "timeouts." + std::string(setting) + " (" + std::to_string(timeout.count()) + " ms)";
  }
  return stage;
}

Stage quit_stage(SteadyTime attempt_deadline) {
  Stage stage;
  stage.name = "QUIT";
  stage.deadline = std::chrono::steady_clock::now() + kQuitTimeout;
  stage.limit = "the " + std::to_string(kQuitTimeout.count()) + " ms bound of QUIT";
  if (attempt_deadline != SteadyTime{} && attempt_deadline < stage.deadline) {
    stage.deadline = attempt_deadline;
    stage.limit = "the call's attempt deadline";
  }
  return stage;
}

Result<std::unique_ptr<Connection>> Connection::open(const Endpoint& endpoint, const Stage& stage,
                                                     std::string id,
                                                     std::shared_ptr<spdlog::logger> logger) {
  Result<std::vector<Poco::Net::SocketAddress>> addresses =
      net::resolve(endpoint.host, endpoint.port, stage.deadline);
  if (!addresses.ok()) {
    if (addresses.status().code() == StatusCode::kDeadlineExceeded) return timed_out(stage);
    return Status::unavailable("the SMTP " + addresses.status().message())
        .set_retryable(true)
        .set_reason("dns_failed");
  }
  const std::string server = endpoint.host + ":" + std::to_string(endpoint.port);
  std::string last_error;
  for (const Poco::Net::SocketAddress& address : *addresses) {
    if (std::chrono::steady_clock::now() >= stage.deadline) return timed_out(stage);
    Poco::Net::StreamSocket socket;
    try {
      socket.connect(address, Poco::Timespan(time_left(stage.deadline).count()));
    } catch (const Poco::TimeoutException&) {
      return timed_out(stage);
    } catch (const Poco::Exception& error) {
      last_error = address.toString() + ": " + error.displayText();
      continue;
    }
    socket.setNoDelay(true);
    std::unique_ptr<Connection> connection(new Connection(
        socket, address.toString(), address.host().isLoopback(), std::move(id), logger));
    if (logger) {
      logger->debug("smtp connection {} opened to {} ({})", connection->id_, server,
                    connection->peer_);
    }
    if (!endpoint.implicit_tls) return connection;
    if (Status secured = connection->handshake(endpoint.tls, endpoint.host, stage); !secured.ok()) {
      return secured;
    }
    return connection;
  }
  return Status::unavailable("connecting to the SMTP server " + server + " failed (" + last_error +
                             ")")
      .set_retryable(true)
      .set_reason("connect_failed");
}

Connection::Connection(Poco::Net::StreamSocket socket, std::string peer, bool loopback,
                       std::string id, std::shared_ptr<spdlog::logger> logger)
    : socket_(std::move(socket)),
      descriptor_(socket_.impl()->sockfd()),
      peer_(std::move(peer)),
      peer_loopback_(loopback),
      id_(std::move(id)),
      logger_(std::move(logger)) {}

Connection::~Connection() { close(); }

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  try {
    socket_.close();
  } catch (const Poco::Exception&) {
    // The connection is being discarded; a failed close changes nothing for anyone.
  }
  if (logger_) logger_->debug("smtp connection {} closed", id_);
}

Status Connection::failure(const char* reason, const std::string& message) {
  broken_ = true;
  return Status::unavailable(message).set_retryable(true).set_reason(reason);
}

Connection::FillResult Connection::fill(SteadyTime deadline, std::string& error) {
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  const std::size_t end = buffer_.size();
  buffer_.resize(end + kReadSize);
  int received = 0;
  for (;;) {
    if (std::chrono::steady_clock::now() >= deadline) {
      buffer_.resize(end);
      return FillResult::kTimeout;
    }
    timeouts_.before_receive(socket_, deadline);
    try {
      received = socket_.receiveBytes(buffer_.data() + end, static_cast<int>(kReadSize));
    } catch (const Poco::TimeoutException&) {
      if (ended_early(deadline)) continue;
      buffer_.resize(end);
      return FillResult::kTimeout;
    } catch (const Poco::Exception& failure) {
      buffer_.resize(end);
      error = failure.displayText();
      return FillResult::kFailed;
    }
    // A TLS socket reports a read that timed out inside OpenSSL as a negative count.
    if (received >= 0) break;
    if (!ended_early(deadline)) {
      buffer_.resize(end);
      return FillResult::kTimeout;
    }
  }
  buffer_.resize(end + static_cast<std::size_t>(received));
  return received == 0 ? FillResult::kEnd : FillResult::kData;
}

Result<Reply> Connection::read_reply(const Stage& stage) {
  if (broken_) return failure("connection_lost", "the SMTP connection is no longer usable");
  for (;;) {
    const ReplyParser::Step step = parser_.feed(buffered());
    start_ += step.consumed;
    if (step.state == ReplyParser::State::kComplete) {
      Reply reply = parser_.take();
      if (logger_ && logger_->should_log(spdlog::level::debug)) {
        for (std::size_t i = 0; i < reply.lines.size(); ++i) {
          const char separator = i + 1 == reply.lines.size() ? ' ' : '-';
          const std::string enhanced =
              reply.enhanced_code.empty() ? std::string() : reply.enhanced_code + " ";
          logger_->debug("smtp {} < {}{}{}{}", id_, reply.code, separator, enhanced,
                         reply.lines[i]);
        }
      }
      return reply;
    }
    if (step.state == ReplyParser::State::kError) {
      const std::string message = "the SMTP server " + peer_ + " broke the protocol during " +
                                  stage.name + ": " + parser_.error();
      return failure("protocol_error", message);
    }
    std::string error;
    switch (fill(stage.deadline, error)) {
      case FillResult::kData:
        break;
      case FillResult::kEnd:
        return failure("connection_lost",
                       "the SMTP server " + peer_ + " closed the connection " +
                           (parser_.in_progress() ? "in the middle of a reply" : "") +
                           (parser_.in_progress() ? " " : "") + "during " + stage.name);
      case FillResult::kTimeout:
        broken_ = true;
        return timed_out(stage);
      case FillResult::kFailed:
        return failure("connection_lost", "the connection to the SMTP server " + peer_ +
                                              " failed during " + stage.name + ": " + error);
    }
  }
}

Status Connection::write_all(std::string_view data, const Stage& stage) {
  if (broken_) return failure("connection_lost", "the SMTP connection is no longer usable");
  while (!data.empty()) {
    if (std::chrono::steady_clock::now() >= stage.deadline) {
      broken_ = true;
      return timed_out(stage);
    }
    timeouts_.before_send(socket_, stage.deadline);
    int sent = 0;
    try {
      sent = socket_.sendBytes(data.data(),
                               static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
    } catch (const Poco::TimeoutException&) {
      if (ended_early(stage.deadline)) continue;
      broken_ = true;
      return timed_out(stage);
    } catch (const Poco::Exception& error) {
      return failure("connection_lost", "sending to the SMTP server " + peer_ + " failed during " +
                                            stage.name + ": " + error.displayText());
    }
    if (sent < 0) {
      if (ended_early(stage.deadline)) continue;
      broken_ = true;
      return timed_out(stage);
    }
    if (sent == 0) {
      return failure("connection_lost",
                     "the SMTP server " + peer_ + " stopped accepting data during " + stage.name);
    }
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
  return Status();
}

Status Connection::send_command(std::string_view command, const Stage& stage,
                                std::string_view logged) {
  if (command.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos) {
    return Status::invalid_argument(
               "an SMTP command argument contains CR, LF or NUL, which would end the command "
               "early; nothing was sent")
        .set_reason("invalid_command");
  }
  if (logger_) logger_->debug("smtp {} > {}", id_, logged.empty() ? command : logged);
  std::string line;
  line.reserve(command.size() + 2);
  line.append(command);
  line.append("\r\n");
  return write_all(line, stage);
}

Result<Reply> Connection::command(std::string_view command, const Stage& stage,
                                  std::string_view logged) {
  if (Status sent = send_command(command, stage, logged); !sent.ok()) return sent;
  return read_reply(stage);
}

Status Connection::send_data(std::string_view data, const Stage& stage) {
  if (logger_) logger_->debug("smtp {} > [message data, {} octets]", id_, data.size());
  return write_all(data, stage);
}

std::string Connection::local_address_literal() const {
  try {
    const Poco::Net::IPAddress address = socket_.address().host();
    return address_literal(address.toString(), address.family() == Poco::Net::IPAddress::IPv6);
  } catch (const Poco::Exception&) {
    return address_literal("127.0.0.1", false);
  }
}

bool Connection::socket_readable() {
  // One poll(2) with no wait on the TCP socket under the TLS layer, if any.
  pollfd entry{};
  entry.fd = descriptor_;
  entry.events = POLLIN | POLLRDHUP;
  int ready = 0;
  do {
    ready = ::poll(&entry, 1, 0);
  } while (ready < 0 && errno == EINTR);
  return ready != 0;
}

Status Connection::handshake(Poco::Net::Context::Ptr context, const std::string& host,
                             const Stage& stage) {
  const net::HandshakeResult result =
      net::run_tls_handshake(socket_, server_name_for(host), context, stage.deadline);
  if (result.ok()) {
    tls_active_ = true;
    timeouts_.forget();
    return Status();
  }
  broken_ = true;
  const std::string failed = "the TLS handshake with the SMTP server " + peer_ + " (host '" + host +
                             "') failed: " + result.cause;
  switch (result.error) {
    case net::HandshakeError::kNone:
      break;
    case net::HandshakeError::kDeadline:
      return timed_out(stage);
    case net::HandshakeError::kClosed:
      return failure("connection_lost", failed);
    case net::HandshakeError::kNotTls:
      // A server that does not speak TLS on this port replies to the client hello with plain
      // text, which OpenSSL reports as a wrong version number.
      return Status::failed_precondition(
                 failed +
                 "; the server did not answer with TLS, so check the tls setting (\"implicit\" "
                 "is for a port such as 465 that starts with TLS, \"starttls\" for 587 or 25)")
          .set_retryable(false)
          .set_reason("tls_failed");
    case net::HandshakeError::kCertificateRejected:
      return Status::failed_precondition(
                 failed + "; " +
                 result.certificate_fix(host, "ca_file (or the system store without ca_file)"))
          .set_retryable(false)
          .set_reason("tls_failed");
    case net::HandshakeError::kProtocol:
      break;
  }
  return Status::unavailable(failed).set_retryable(false).set_reason("tls_failed");
}

Status Connection::start_tls(Poco::Net::Context::Ptr context, const std::string& host,
                             const Stage& stage) {
  if (!buffered().empty() || parser_.in_progress() || socket_readable()) {
    broken_ = true;
    close();
    return Status::unavailable(
               "the SMTP server " + peer_ +
               " sent bytes after its reply to STARTTLS and before the TLS handshake; they "
               "could be commands injected by an attacker on the network, so the connection "
               "was closed")
        .set_retryable(false)
        .set_reason("starttls_injection");
  }
  if (Status secured = handshake(std::move(context), host, stage); !secured.ok()) return secured;
  if (logger_) logger_->debug("smtp {} TLS is active after STARTTLS", id_);
  return Status();
}

Connection::IdleState Connection::check_idle() {
  unsolicited_.clear();
  if (broken_) return IdleState::kClosed;
  if (buffered().empty() && !socket_readable()) return IdleState::kClean;
  std::string error;
  const FillResult result = buffered().empty()
                                ? fill(std::chrono::steady_clock::now() + kIdleReadWait, error)
                                : FillResult::kData;
  switch (result) {
    case FillResult::kTimeout:
      // Only TLS records without data arrived, such as TLS 1.3 session tickets.
      return IdleState::kClean;
    case FillResult::kEnd:
    case FillResult::kFailed:
      broken_ = true;
      return IdleState::kClosed;
    case FillResult::kData:
      break;
  }
  broken_ = true;
  unsolicited_ = std::string(buffered().substr(0, 200));
  while (!unsolicited_.empty() && (unsolicited_.back() == '\n' || unsolicited_.back() == '\r')) {
    unsolicited_.pop_back();
  }
  for (char& c : unsolicited_) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  if (logger_) logger_->debug("smtp {} < {} (while idle)", id_, unsolicited_);
  return IdleState::kUnsolicited;
}

void Connection::quit(const Stage& stage) {
  if (!broken_ && !closed_) {
    Result<Reply> reply = command("QUIT", stage);
    (void)reply;
  }
  close();
}

}  // namespace outbound::smtp
