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
  /// With kCertificateRejected on a context set up by keep_verification_errors(): OpenSSL's
  /// text for the first verification error, such as "unable to get local issuer certificate",
  /// else empty.
  std::string verification_error;
  /// With kCertificateRejected: whether the certificate is valid but issued for another host
  /// name or IP address, so that the fix is the host setting, not the trusted CAs.
  bool name_mismatch = false;

  bool ok() const { return error == HandshakeError::kNone; }

  /// Returns the fix for kCertificateRejected: a host name or address to check when the
  /// certificate names another, else the CA store `trust` to check ("ca_file").
  std::string certificate_fix(const std::string& host, const std::string& trust) const;
};

/// Makes OpenSSL keep the first certificate verification error of each handshake that uses
/// `context`, so that run_tls_handshake() can report it. Call once, when the context is made and
/// before any handshake, because it changes the context's verify callback. The verify mode stays
/// as it is.
void keep_verification_errors(const Poco::Net::Context::Ptr& context);

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
