#pragma once

#include <string>

#include <Poco/Net/Context.h>
#include <Poco/Net/StreamSocket.h>

#include "net/deadline.h"

namespace outbound::net {

/// HandshakeError is how a TLS handshake ended, grouped by what fixes it.
enum class HandshakeError {
  /// The handshake completed.
  kNone,
  /// OpenSSL rejected the server's certificate ("certificate verify failed"): a chain that does
  /// not lead to a trusted CA, an expired certificate, or one issued for another host name.
  /// Another attempt fails the same way until the certificate or the trusted CAs change.
  kCertificateRejected,
  /// The server replied to the client hello with bytes that are not TLS ("wrong version
  /// number"), as a plaintext service on the port does. Another attempt fails the same way.
  kNotTls,
  /// Any other error that OpenSSL reported, such as an alert from the server or no protocol
  /// version or cipher in common.
  kProtocol,
  /// The server closed or reset the connection before the handshake completed.
  kClosed,
  /// The deadline passed before the handshake completed.
  kDeadline,
};

/// HandshakeResult is the outcome of run_tls_handshake().
struct HandshakeResult {
  HandshakeError error = HandshakeError::kNone;
  /// The error's text from OpenSSL or Poco, such as "SSL Exception: error:0A000086:SSL
  /// routines::certificate verify failed"; empty when the handshake completed.
  std::string cause;

  bool ok() const { return error == HandshakeError::kNone; }
};

/// Runs the client side of a TLS handshake with `context` over `socket`, a connected TCP
/// socket, and returns kDeadline when `deadline` passes first. `server_name` is sent as SNI
/// unless it is empty.
///
/// The handshake runs on the socket in non-blocking mode and waits with poll(2) for the time
/// left, rounded up to the next millisecond. A blocking handshake in Poco 1.11
/// (SecureStreamSocket::attach) does not keep to the socket timeouts. Against a silent server,
/// attach returned after the receive timeout with the handshake unfinished, and the first send
/// then waited for it again.
///
/// Poco's own host name check (extended certificate verification), which the blocking attach
/// runs after the handshake, is not run: it may resolve the name again without a deadline. So
/// `context` must have OpenSSL check the host name (X509_VERIFY_PARAM_set1_host or
/// X509_VERIFY_PARAM_set1_ip_asc) when the name matters.
///
/// `socket` refers to the TLS socket afterwards, in blocking mode when the handshake completed.
/// After a failure it must be closed, not used.
HandshakeResult run_tls_handshake(Poco::Net::StreamSocket& socket, const std::string& server_name,
                                  const Poco::Net::Context::Ptr& context, SteadyTime deadline);

}  // namespace outbound::net
