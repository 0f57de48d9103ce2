#include "http/connection.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>

namespace outbound::http {
namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;

/// Receive and send timeouts are set again only when the wait due differs from the one set by
/// more than this, so that a busy connection does not pay a system call per read. A wait can
/// thus be this much longer than socket_wait() returns, which matters only in the last 16 ms.
constexpr microseconds kTimeoutSlack{2000};
constexpr std::size_t kReadSize = 16 * 1024;

microseconds time_left(SteadyTime deadline) {
  const auto left = duration_cast<microseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, microseconds(1));  // Poco reads 0 as "no timeout"
}

/// Returns the socket timeout for a wait that must end by `deadline`: 7/8 of the time left.
/// Linux runs socket timeouts on its timer wheel, which may fire up to about 12% late for
/// waits of seconds, so a wait for the whole time left would overrun the deadline (by 40 ms
/// of 2.5 s, measured here). A wait that ends early is followed by one for the rest.
microseconds socket_wait(SteadyTime deadline) {
  const microseconds left = time_left(deadline);
  return left > microseconds(8000) ? left - left / 8 : left;
}

/// Returns true when a socket wait that timed out ended before the deadline, so another wait
/// for the rest is due.
bool ended_early(SteadyTime deadline) {
  return std::chrono::steady_clock::now() + microseconds(500) < deadline;
}

void check_deadline(SteadyTime deadline, const std::string& step) {
  if (std::chrono::steady_clock::now() >= deadline) {
    throw IoError(IoError::Kind::kTimeout, "the deadline passed before " + step);
  }
}

/// The state a name lookup shares with the thread that runs it.
struct Lookup {
  std::mutex mutex;
  std::condition_variable done_signal;
  bool done = false;
  int error = 0;
  std::vector<Poco::Net::SocketAddress> addresses;
};

void run_lookup(const std::shared_ptr<Lookup>& lookup, const std::string& host,
                std::uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  const int error = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  std::vector<Poco::Net::SocketAddress> addresses;
  if (error == 0) {
    for (addrinfo* entry = found; entry != nullptr; entry = entry->ai_next) {
      if (entry->ai_family != AF_INET && entry->ai_family != AF_INET6) continue;
      Poco::Net::SocketAddress address(entry->ai_addr,
                                       static_cast<poco_socklen_t>(entry->ai_addrlen));
      addresses.emplace_back(address.host(), port);
    }
    ::freeaddrinfo(found);
  }
  std::lock_guard<std::mutex> lock(lookup->mutex);
  lookup->error = error;
  lookup->addresses = std::move(addresses);
  lookup->done = true;
  lookup->done_signal.notify_all();
}

}  // namespace

std::vector<Poco::Net::SocketAddress> resolve(const std::string& host, std::uint16_t port,
                                              SteadyTime deadline) {
  Poco::Net::IPAddress literal;
  if (Poco::Net::IPAddress::tryParse(host, literal))
    return {Poco::Net::SocketAddress(literal, port)};
  auto lookup = std::make_shared<Lookup>();
  std::thread(run_lookup, lookup, host, port).detach();
  std::unique_lock<std::mutex> lock(lookup->mutex);
  if (!lookup->done_signal.wait_until(lock, deadline, [&] { return lookup->done; })) {
    throw IoError(IoError::Kind::kTimeout,
                  "the deadline passed while resolving the host name '" + host + "'");
  }
  if (lookup->error != 0) {
    throw IoError(IoError::Kind::kResolve, "the host name '" + host + "' does not resolve: " +
                                               ::gai_strerror(lookup->error));
  }
  if (lookup->addresses.empty()) {
    throw IoError(IoError::Kind::kResolve,
                  "the host name '" + host + "' resolves to no IPv4 or IPv6 address");
  }
  return lookup->addresses;
}

std::unique_ptr<Connection> Connection::open(const Origin& origin, Poco::Net::Context::Ptr tls,
                                             SteadyTime deadline) {
  const std::vector<Poco::Net::SocketAddress> addresses =
      resolve(origin.host, origin.port, deadline);
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
    if (!origin.secure()) {
      return std::unique_ptr<Connection>(new Connection(socket, address.toString(), descriptor));
    }
    try {
      socket.setReceiveTimeout(Poco::Timespan(time_left(deadline).count()));
      socket.setSendTimeout(Poco::Timespan(time_left(deadline).count()));
      Poco::Net::IPAddress literal;
      // SNI carries host names only; an IP literal is checked against the certificate by the
      // verification parameters of the context.
      const std::string server_name =
          Poco::Net::IPAddress::tryParse(origin.host, literal) ? std::string() : origin.host;
      Poco::Net::SecureStreamSocket secure =
          Poco::Net::SecureStreamSocket::attach(socket, server_name, tls);
      return std::unique_ptr<Connection>(new Connection(secure, address.toString(), descriptor));
    } catch (const Poco::TimeoutException&) {
      throw IoError(IoError::Kind::kTimeout, "the deadline passed during the TLS handshake with " +
                                                 address.toString() + " for " + origin.key());
    } catch (const Poco::Exception& error) {
      throw IoError(IoError::Kind::kTls, "the TLS handshake with " + origin.key() + " (" +
                                             address.toString() +
                                             ") failed: " + error.displayText());
    }
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

void Connection::set_receive_timeout(SteadyTime deadline) {
  const microseconds wait = socket_wait(deadline);
  if (wait > receive_timeout_ || receive_timeout_ - wait > kTimeoutSlack) {
    socket_.setReceiveTimeout(Poco::Timespan(wait.count()));
    receive_timeout_ = wait;
  }
}

void Connection::set_send_timeout(SteadyTime deadline) {
  const microseconds wait = socket_wait(deadline);
  if (wait > send_timeout_ || send_timeout_ - wait > kTimeoutSlack) {
    socket_.setSendTimeout(Poco::Timespan(wait.count()));
    send_timeout_ = wait;
  }
}

void Connection::write_all(std::string_view data, SteadyTime deadline) {
  while (!data.empty()) {
    check_deadline(deadline, "the request was sent");
    set_send_timeout(deadline);
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
    set_receive_timeout(deadline);
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
