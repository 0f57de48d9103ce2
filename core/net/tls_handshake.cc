#include "net/tls_handshake.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/sslerr.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <utility>

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>

namespace outbound::net {
namespace {

using std::chrono::milliseconds;

/// The first verification error of the handshake running on this thread. OpenSSL calls the
/// verify callback on the thread that drives the handshake, which is run_tls_handshake's.
thread_local int handshake_verification_error = X509_V_OK;

HandshakeResult failed(HandshakeError error, std::string cause) {
  HandshakeResult result;
  result.error = error;
  result.cause = std::move(cause);
  return result;
}

int keep_first_verification_error(int preverify_ok, X509_STORE_CTX* store) {
  if (preverify_ok == 0 && handshake_verification_error == X509_V_OK) {
    handshake_verification_error = X509_STORE_CTX_get_error(store);
  }
  return preverify_ok;
}

/// Returns the OpenSSL error code in a Poco SSLException message, which Poco formats with
/// ERR_error_string_n ("error:0A000086:SSL routines::certificate verify failed"), or 0 when
/// the message has none.
unsigned long openssl_code(const std::string& message) {
  const std::string::size_type at = message.find("error:");
  if (at == std::string::npos) return 0;
  const char* digits = message.c_str() + at + std::strlen("error:");
  char* end = nullptr;
  const unsigned long code = std::strtoul(digits, &end, 16);
  return end != digits && *end == ':' ? code : 0;
}

/// Sorts an SSLException raised by the handshake by the OpenSSL reason in its message.
HandshakeError classify_ssl_error(const std::string& message) {
  const unsigned long code = openssl_code(message);
  if (code == 0 || ERR_GET_LIB(code) != ERR_LIB_SSL) return HandshakeError::kProtocol;
  switch (ERR_GET_REASON(code)) {
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return HandshakeError::kCertificateRejected;
    case SSL_R_WRONG_VERSION_NUMBER:
      return HandshakeError::kNotTls;
    // OpenSSL 3 reports an end of stream in the middle of the handshake as an error of its own.
    case SSL_R_UNEXPECTED_EOF_WHILE_READING:
      return HandshakeError::kClosed;
    default:
      return HandshakeError::kProtocol;
  }
}

/// Waits until the socket `descriptor` is ready for `events` or `deadline` passes. Returns
/// false only when poll(2) itself failed, with errno set.
bool wait_for(int descriptor, short events, SteadyTime deadline) {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline - std::chrono::steady_clock::now());
  pollfd entry{};
  entry.fd = descriptor;
  entry.events = events;
  // Rounded up, so that the last wait does not end a little before the deadline.
  const int ready = ::poll(&entry, 1, static_cast<int>(left.count()) + 1);
  return ready >= 0 || errno == EINTR;
}

/// Drives the handshake on the non-blocking `secure` socket until it completes or `deadline`
/// passes. Poco exceptions pass through to the caller.
HandshakeResult complete_handshake(Poco::Net::SecureStreamSocket& secure, int descriptor,
                                   SteadyTime deadline) {
  for (;;) {
    const int result = secure.completeHandshake();
    if (result == 1) return HandshakeResult{};
    short events = 0;
    if (result == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_READ) {
      events = POLLIN;
    } else if (result == Poco::Net::SecureStreamSocket::ERR_SSL_WANT_WRITE) {
      events = POLLOUT;
    } else {
      // 0 means that the server sent close_notify. Any other result is an error that Poco did
      // not raise as an exception.
      return failed(HandshakeError::kClosed, "the server closed the connection");
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return failed(HandshakeError::kDeadline,
                    "the deadline passed before the handshake completed");
    }
    if (!wait_for(descriptor, events, deadline)) {
      return failed(HandshakeError::kClosed, std::string("poll failed: ") + std::strerror(errno));
    }
  }
}

/// Runs the handshake of run_tls_handshake(), without the verification error's details.
HandshakeResult attempt_handshake(Poco::Net::StreamSocket& socket, const std::string& server_name,
                                  const Poco::Net::Context::Ptr& context, SteadyTime deadline) {
  handshake_verification_error = X509_V_OK;
  const int descriptor = socket.impl()->sockfd();
  try {
    socket.setBlocking(false);
    // On a non-blocking socket attach() only prepares the TLS state; the handshake runs below.
    Poco::Net::SecureStreamSocket secure =
        Poco::Net::SecureStreamSocket::attach(socket, server_name, context);
    socket = secure;
    HandshakeResult result = complete_handshake(secure, descriptor, deadline);
    if (result.ok()) socket.setBlocking(true);
    return result;
  } catch (const Poco::Net::SSLConnectionUnexpectedlyClosedException& error) {
    return failed(HandshakeError::kClosed, error.displayText());
  } catch (const Poco::Net::SSLException& error) {
    return failed(classify_ssl_error(error.message()), error.displayText());
  } catch (const Poco::TimeoutException& error) {
    return failed(HandshakeError::kDeadline, error.displayText());
  } catch (const Poco::IOException& error) {
    // Socket errors: a reset (ConnectionResetException), a broken pipe.
    return failed(HandshakeError::kClosed, error.displayText());
  } catch (const Poco::Exception& error) {
    return failed(HandshakeError::kProtocol, error.displayText());
  }
}

}  // namespace

std::string HandshakeResult::certificate_fix(const std::string& host,
                                             const std::string& trust) const {
  if (name_mismatch) {
    return "the certificate is signed by a trusted CA but issued for another name than '" + host +
           "'; connect with a host name or address that the certificate names";
  }
  return "check that the server's certificate is for '" + host + "' and is signed by a CA in " +
         trust;
}

void keep_verification_errors(const Poco::Net::Context::Ptr& context) {
  SSL_CTX* ssl = context->sslContext();
  SSL_CTX_set_verify(ssl, SSL_CTX_get_verify_mode(ssl), keep_first_verification_error);
}

HandshakeResult run_tls_handshake(Poco::Net::StreamSocket& socket, const std::string& server_name,
                                  const Poco::Net::Context::Ptr& context, SteadyTime deadline) {
  HandshakeResult result = attempt_handshake(socket, server_name, context, deadline);
  if (result.error == HandshakeError::kCertificateRejected &&
      handshake_verification_error != X509_V_OK) {
    result.verification_error = X509_verify_cert_error_string(handshake_verification_error);
    result.name_mismatch = handshake_verification_error == X509_V_ERR_HOSTNAME_MISMATCH ||
                           handshake_verification_error == X509_V_ERR_IP_ADDRESS_MISMATCH;
    result.cause += " (" + result.verification_error + ")";
  }
  return result;
}

}  // namespace outbound::net
