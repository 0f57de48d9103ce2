#include "http/connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketAddress.h>

#include "net/deadline.h"
#include "net/resolver.h"
#include "net/tls_handshake.h"

namespace outbound::http {
namespace {

using net::ended_early;
using net::time_left;

constexpr std::size_t kReadSize = 16 * 1024;

void check_deadline(SteadyTime deadline, const std::string& step) {
  if (std::chrono::steady_clock::now() >= deadline) {
    throw IoError(IoError::Kind::kTimeout, "the deadline passed before " + step);
  }
}

std::vector<Poco::Net::SocketAddress> resolve_or_throw(const std::string& host, std::uint16_t port,
                                                       SteadyTime deadline) {
  Result<std::vector<Poco::Net::SocketAddress>> addresses = net::resolve(host, port, deadline);
  if (addresses.ok()) return std::move(addresses).value();
  if (addresses.status().code() == StatusCode::kDeadlineExceeded) {
    throw IoError(IoError::Kind::kTimeout, addresses.status().message());
  }
  throw IoError(IoError::Kind::kResolve, "the " + addresses.status().message());
}

/// Runs the TLS handshake over `socket`, connected to `address` for `origin`, and throws
/// IoError when it fails.
void secure_or_throw(Poco::Net::StreamSocket& socket, const Origin& origin,
                     const Poco::Net::SocketAddress& address, const Poco::Net::Context::Ptr& tls,
                     SteadyTime deadline) {
  // SNI carries host names only; an IP literal is checked against the certificate by the
  // verification parameters of the context.
  Poco::Net::IPAddress literal;
  const std::string server_name =
      Poco::Net::IPAddress::tryParse(origin.host, literal) ? std::string() : origin.host;
  const net::HandshakeResult handshake = net::run_tls_handshake(socket, server_name, tls, deadline);
  const std::string server = origin.key() + " (" + address.toString() + ")";
  switch (handshake.error) {
    case net::HandshakeError::kNone:
      return;
    case net::HandshakeError::kDeadline:
      throw IoError(IoError::Kind::kTimeout, "the deadline passed during the TLS handshake with " +
                                                 address.toString() + " for " + origin.key());
    case net::HandshakeError::kClosed:
      throw IoError(IoError::Kind::kClosed,
                    "the TLS handshake with " + server + " failed: " + handshake.cause);
    case net::HandshakeError::kCertificateRejected:
      throw IoError(IoError::Kind::kTlsRejected,
                    "the TLS handshake with " + server + " failed: " + handshake.cause + "; " +
                        handshake.certificate_fix(origin.host,
                                                  "the client's ca_file (or in the system store "
                                                  "when ca_file is not set)"));
    case net::HandshakeError::kNotTls:
      throw IoError(IoError::Kind::kTlsRejected,
                    "the TLS handshake with " + server + " failed: " + handshake.cause +
                        "; the server did not answer with TLS, so check that the port serves "
                        "https and not plain http");
    case net::HandshakeError::kProtocol:
      break;
  }
  throw IoError(IoError::Kind::kTls,
                "the TLS handshake with " + server + " failed: " + handshake.cause);
}

}  // namespace

std::unique_ptr<Connection> Connection::open(const Origin& origin, Poco::Net::Context::Ptr tls,
                                             SteadyTime deadline) {
  const std::vector<Poco::Net::SocketAddress> addresses =
      resolve_or_throw(origin.host, origin.port, deadline);
  std::string last_error;
  for (const Poco::Net::SocketAddress& address : addresses) {
    check_deadline(deadline, "connecting to " + origin.key());
    Poco::Net::StreamSocket socket;
    try {
      socket.connect(address, Poco::Timespan(time_left(deadline).count()));
    } catch (const Poco::TimeoutException&) {
      throw IoError(IoError::Kind::kTimeout, "the deadline passed while connecting to " +
                                                 address.toString() + " for " + origin.key());
    } catch (const Poco::Exception& error) {
      last_error = address.toString() + ": " + error.displayText();
      continue;
    }
    socket.setNoDelay(true);
    socket.setKeepAlive(true);
    const int descriptor = socket.impl()->sockfd();
    if (origin.secure()) secure_or_throw(socket, origin, address, tls, deadline);
    return std::unique_ptr<Connection>(new Connection(socket, address.toString(), descriptor));
  }
  throw IoError(IoError::Kind::kConnect,
                "connecting to " + origin.key() + " failed (" + last_error + ")");
}

Connection::Connection(Poco::Net::StreamSocket socket, std::string peer, int descriptor)
    : socket_(std::move(socket)),
      peer_(std::move(peer)),
      descriptor_(descriptor),
      storage_(kReadSize) {}

Connection::~Connection() {
  try {
    socket_.close();
  } catch (const Poco::Exception&) {
    // The connection is being discarded; a failed close changes nothing for anyone.
  }
}

void Connection::write_all(std::string_view data, SteadyTime deadline) {
  while (!data.empty()) {
    check_deadline(deadline, "the request was sent");
    timeouts_.before_send(socket_, deadline);
    int sent = 0;
    try {
      sent = socket_.sendBytes(data.data(),
                               static_cast<int>(std::min<std::size_t>(data.size(), 1 << 30)));
    } catch (const Poco::TimeoutException&) {
      if (ended_early(deadline)) continue;
      throw IoError(IoError::Kind::kTimeout, "the deadline passed while sending the request");
    } catch (const Poco::Exception& error) {
      throw IoError(IoError::Kind::kClosed, "sending the request failed: " + error.displayText());
    }
    if (sent < 0) {
      if (ended_early(deadline)) continue;
      throw IoError(IoError::Kind::kTimeout, "the deadline passed while sending the request");
    }
    if (sent == 0) throw IoError(IoError::Kind::kClosed, "the peer stopped accepting the request");
    data.remove_prefix(static_cast<std::size_t>(sent));
  }
}

bool Connection::fill(SteadyTime deadline) {
  check_deadline(deadline, "the response was complete");
  if (start_ == end_) start_ = end_ = 0;
  if (storage_.size() - end_ < kReadSize) {
    if (start_ > 0) {
      std::copy(storage_.begin() + static_cast<std::ptrdiff_t>(start_),
                storage_.begin() + static_cast<std::ptrdiff_t>(end_), storage_.begin());
      end_ -= start_;
      start_ = 0;
    }
    if (storage_.size() - end_ < kReadSize) storage_.resize(end_ + kReadSize);
  }
  int received = 0;
  for (;;) {
    timeouts_.before_receive(socket_, deadline);
    try {
      received = socket_.receiveBytes(storage_.data() + end_, static_cast<int>(kReadSize));
    } catch (const Poco::TimeoutException&) {
      if (ended_early(deadline)) continue;
      throw IoError(IoError::Kind::kTimeout, "the deadline passed while waiting for the response");
    } catch (const Poco::Exception& error) {
      throw IoError(IoError::Kind::kClosed,
                    "the connection failed while reading the response: " + error.displayText());
    }
    // A TLS socket reports a read that timed out inside OpenSSL as a negative count.
    if (received >= 0) break;
    if (!ended_early(deadline)) {
      throw IoError(IoError::Kind::kTimeout, "the deadline passed while waiting for the response");
    }
  }
  if (received == 0) return false;
  end_ += static_cast<std::size_t>(received);
  return true;
}

void Connection::consume(std::size_t count) {
  start_ = std::min(start_ + count, end_);
  if (start_ == end_) start_ = end_ = 0;
}

bool Connection::stale() {
  if (!buffered().empty()) return true;
  // One poll(2) with no wait: Poco's Socket::poll makes a new epoll instance per call, which
  // costs four system calls on every reuse.
  pollfd entry{};
  entry.fd = descriptor_;
  entry.events = POLLIN | POLLRDHUP;
  int ready = 0;
  do {
    ready = ::poll(&entry, 1, 0);
  } while (ready < 0 && errno == EINTR);
  return ready != 0;
}

}  // namespace outbound::http
