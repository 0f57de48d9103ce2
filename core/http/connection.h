#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include "http/url.h"
#include "net/deadline.h"

namespace outbound::http {

using SteadyTime = std::chrono::steady_clock::time_point;

/// IoError is the exception Connection throws when a socket operation fails. Its kind names the
/// phase, so the transport can tell a request that never left from one that may have been
/// processed.
class IoError : public std::runtime_error {
 public:
  enum class Kind {
    kResolve,      ///< The host name did not resolve.
    kConnect,      ///< No TCP connection: refused, unreachable.
    kTlsRejected,  ///< The TLS handshake failed for good: the certificate was rejected, or
                   ///< the peer does not speak TLS on the port.
    kTls,          ///< The TLS handshake failed otherwise, such as on an alert from the peer.
    kTimeout,      ///< The deadline passed while waiting for the peer.
    kClosed,       ///< The peer closed or reset the connection, also during the handshake.
  };
  IoError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

/// Connection is one open TCP or TLS connection to an origin, with the bytes read from it but
/// not yet used. Every operation is bounded by a deadline: each blocking receive or send is
/// given the time left, so a peer that never responds cannot hold a caller past it.
///
/// Not thread-safe: a connection is used by one request at a time.
class Connection {
 public:
  /// Connects to `origin`, trying each resolved address in turn, and for https runs the TLS
  /// handshake with `tls` (SNI set for host names). Name resolution, connect and handshake end
  /// by `deadline`.
  static std::unique_ptr<Connection> open(const Origin& origin, Poco::Net::Context::Ptr tls,
                                          SteadyTime deadline);

  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Sends all of `data`.
  void write_all(std::string_view data, SteadyTime deadline);

  /// Receives more bytes into the read buffer. Returns false when the peer closed the
  /// connection in an orderly way (end of stream).
  bool fill(SteadyTime deadline);

  /// Bytes received and not yet consumed.
  std::string_view buffered() const {
    return std::string_view(storage_.data() + start_, end_ - start_);
  }
  void consume(std::size_t count);

  /// Returns true when an idle connection can no longer be used: the peer closed it, reset
  /// it, or sent bytes that no request expected.
  bool stale();

  /// Total requests sent on this connection.
  int requests() const { return requests_; }
  void count_request() { ++requests_; }

  SteadyTime idle_since() const { return idle_since_; }
  void set_idle_since(SteadyTime when) { idle_since_ = when; }

  const std::string& peer() const { return peer_; }

 private:
  /// `descriptor` is the file descriptor of the TCP socket under `socket`, TLS or not.
  Connection(Poco::Net::StreamSocket socket, std::string peer, int descriptor);

  Poco::Net::StreamSocket socket_;
  std::string peer_;
  int descriptor_;
  /// Received bytes are storage_[start_, end_); the storage only grows, so reads do not
  /// allocate once a connection is warm.
  std::vector<char> storage_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
  int requests_ = 0;
  SteadyTime idle_since_{};
  net::SocketTimeouts timeouts_;
};

}  // namespace outbound::http
