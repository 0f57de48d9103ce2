// run_tls_handshake() against peers on 127.0.0.1 that this binary runs itself, one per test:
// a TLS server with the test CA's certificates, and peers that stay silent, close, reset or
// reply in plain text.
#include "net/tls_handshake.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Exception.h>
#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <gtest/gtest.h>

#include "test_ca.h"
#include "test_support.h"

namespace outbound::net {
namespace {

using Poco::Net::Context;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

/// Returns the binary's test CA, which is made on first use.
const outbound::testing::TestCa& test_ca() {
  static outbound::testing::TempDir folder;
  static const outbound::testing::TestCa ca = outbound::testing::make_test_ca(folder.path());
  return ca;
}

void initialize_tls_once() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
}

/// Returns a client context like the ones of the HTTP transport and the smtp plugin: OpenSSL
/// verifies the chain against `ca_file` (the system store when empty) and the name `host`.
Context::Ptr client_context(const std::string& ca_file, const std::string& host) {
  initialize_tls_once();
  Context::Params params;
  params.verificationMode = Context::VERIFY_RELAXED;
  params.loadDefaultCAs = ca_file.empty();
  params.caLocation = ca_file;
  Context::Ptr context = new Context(Context::TLS_CLIENT_USE, params);
  context->enableExtendedCertificateVerification(false);
  SSL_CTX_set_verify(context->sslContext(), SSL_VERIFY_PEER, nullptr);
  X509_VERIFY_PARAM* verify = SSL_CTX_get0_param(context->sslContext());
  X509_VERIFY_PARAM_set1_host(verify, host.c_str(), host.size());
  keep_verification_errors(context);
  return context;
}

Context::Ptr server_context(const std::filesystem::path& certificate,
                            const std::filesystem::path& private_key) {
  initialize_tls_once();
  Context::Params params;
  params.certificateFile = certificate.string();
  params.privateKeyFile = private_key.string();
  params.verificationMode = Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  return new Context(Context::TLS_SERVER_USE, params);
}

/// What a Peer does with each connection it accepts.
enum class Behaviour {
  kSilent,     ///< Keeps the connection open and sends nothing.
  kClose,      ///< Reads the client hello, then closes the connection.
  kReset,      ///< Resets the connection (SO_LINGER with a timeout of 0).
  kGreeting,   ///< Sends an SMTP greeting in plain text, as a server without implicit TLS does.
  kHttpReply,  ///< Reads the client hello and replies with a plain-text HTTP 400.
  kTlsServer,  ///< Runs the server side of a TLS handshake, then sends "hello\n".
};

/// Peer accepts connections on 127.0.0.1 at a port chosen by the kernel and treats each according
/// to its Behaviour, until it is destroyed. The sockets it accepted stay open until then.
class Peer {
 public:
  explicit Peer(Behaviour behaviour, Context::Ptr tls = nullptr)
      : behaviour_(behaviour),
        tls_(std::move(tls)),
        listener_(Poco::Net::SocketAddress("127.0.0.1", 0)) {
    thread_ = std::thread([this] { serve(); });
  }
  ~Peer() {
    stopping_ = true;
    thread_.join();
  }
  Peer(const Peer&) = delete;
  Peer& operator=(const Peer&) = delete;

  std::uint16_t port() const { return listener_.address().port(); }

 private:
  void serve() {
    const Poco::Timespan poll_wait(0, 20 * 1000);
    while (!stopping_) {
      if (!listener_.poll(poll_wait, Poco::Net::Socket::SELECT_READ)) continue;
      Poco::Net::StreamSocket accepted = listener_.acceptConnection();
      accepted.setReceiveTimeout(Poco::Timespan(2, 0));
      try {
        treat(accepted);
      } catch (const Poco::Exception&) {
        // The client gave up on the connection, as most tests expect it to.
      }
    }
  }

  void treat(Poco::Net::StreamSocket& accepted) {
    switch (behaviour_) {
      case Behaviour::kSilent:
        break;
      case Behaviour::kClose: {
        // Reading the client hello first makes the close an orderly end of stream; a close with
        // unread bytes would reset the connection instead.
        char hello[4096];
        accepted.receiveBytes(hello, sizeof(hello));
        accepted.close();
        break;
      }
      case Behaviour::kReset:
        accepted.setLinger(true, 0);
        accepted.close();
        break;
      case Behaviour::kGreeting:
        accepted.sendBytes("220 mail.test ESMTP ready\r\n", 27);
        break;
      case Behaviour::kHttpReply: {
        char hello[4096];
        accepted.receiveBytes(hello, sizeof(hello));
        const std::string reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        accepted.sendBytes(reply.data(), static_cast<int>(reply.size()));
        break;
      }
      case Behaviour::kTlsServer: {
        Poco::Net::SecureStreamSocket secure =
            Poco::Net::SecureStreamSocket::attach(accepted, tls_);
        held_.push_back(secure);
        secure.completeHandshake();
        secure.sendBytes("hello\n", 6);
        break;
      }
    }
    held_.push_back(accepted);
  }

  const Behaviour behaviour_;
  const Context::Ptr tls_;
  Poco::Net::ServerSocket listener_;
  std::vector<Poco::Net::StreamSocket> held_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

Poco::Net::StreamSocket connect_to(const Peer& peer) {
  Poco::Net::StreamSocket socket;
  socket.connect(Poco::Net::SocketAddress("127.0.0.1", peer.port()), Poco::Timespan(2, 0));
  return socket;
}

const char* name_of(HandshakeError error) {
  switch (error) {
    case HandshakeError::kNone:
      return "kNone";
    case HandshakeError::kCertificateRejected:
      return "kCertificateRejected";
    case HandshakeError::kNotTls:
      return "kNotTls";
    case HandshakeError::kProtocol:
      return "kProtocol";
    case HandshakeError::kClosed:
      return "kClosed";
    case HandshakeError::kDeadline:
      return "kDeadline";
  }
  return "unknown";
}

TEST(TlsHandshake, CompletesAndLeavesSocketBlocking) {
  const outbound::testing::TestCa& ca = test_ca();
  Peer peer(Behaviour::kTlsServer, server_context(ca.server_certificate, ca.server_private_key));
  Poco::Net::StreamSocket socket = connect_to(peer);

  const HandshakeResult result = run_tls_handshake(
      socket, "localhost", client_context(ca.ca_certificate.string(), "localhost"),
      steady_clock::now() + milliseconds(5000));
  ASSERT_TRUE(result.ok()) << name_of(result.error) << ": " << result.cause;
  EXPECT_TRUE(result.cause.empty());
  EXPECT_TRUE(socket.getBlocking());

  // The socket now reads through TLS.
  socket.setReceiveTimeout(Poco::Timespan(2, 0));
  char received[16] = {};
  const int count = socket.receiveBytes(received, sizeof(received));
  EXPECT_EQ(std::string(received, count > 0 ? static_cast<std::size_t>(count) : 0u), "hello\n");
}

struct FailureCase {
  const char* name;
  Behaviour behaviour;
  /// For kTlsServer: whether the server presents the certificate for another host.
  bool wrong_host;
  /// Whether the client trusts the test CA; without it, the system store is used.
  bool trust_test_ca;
  HandshakeError expected;
  /// Text that the cause must contain; empty for any.
  const char* cause;
};

TEST(TlsHandshake, FailuresAreClassified) {
  const outbound::testing::TestCa& ca = test_ca();
  const FailureCase cases[] = {
      {"untrusted CA", Behaviour::kTlsServer, false, false, HandshakeError::kCertificateRejected,
       "certificate verify failed (unable to get local issuer certificate)"},
      {"wrong host name", Behaviour::kTlsServer, true, true, HandshakeError::kCertificateRejected,
       "certificate verify failed (hostname mismatch)"},
      {"plaintext greeting", Behaviour::kGreeting, false, true, HandshakeError::kNotTls,
       "wrong version number"},
      {"plaintext HTTP reply", Behaviour::kHttpReply, false, true, HandshakeError::kNotTls,
       "wrong version number"},
      {"closed", Behaviour::kClose, false, true, HandshakeError::kClosed, ""},
      {"reset", Behaviour::kReset, false, true, HandshakeError::kClosed, ""},
  };
  for (const FailureCase& failure : cases) {
    SCOPED_TRACE(failure.name);
    Context::Ptr server_tls;
    if (failure.behaviour == Behaviour::kTlsServer) {
      server_tls = failure.wrong_host
                       ? server_context(ca.wrong_host_certificate, ca.wrong_host_private_key)
                       : server_context(ca.server_certificate, ca.server_private_key);
    }
    Peer peer(failure.behaviour, server_tls);
    Poco::Net::StreamSocket socket = connect_to(peer);
    const std::string ca_file = failure.trust_test_ca ? ca.ca_certificate.string() : "";

    const auto start = steady_clock::now();
    const HandshakeResult result = run_tls_handshake(
        socket, "localhost", client_context(ca_file, "localhost"), start + milliseconds(5000));
    EXPECT_EQ(name_of(result.error), std::string(name_of(failure.expected))) << result.cause;
    EXPECT_NE(result.cause.find(failure.cause), std::string::npos) << result.cause;
    EXPECT_FALSE(result.cause.empty());
    EXPECT_EQ(result.name_mismatch, failure.wrong_host) << result.cause;
    EXPECT_LT(steady_clock::now() - start, milliseconds(2000));
  }
}

TEST(TlsHandshake, SilentPeerEndsAtDeadline) {
  Peer peer(Behaviour::kSilent);
  Poco::Net::StreamSocket socket = connect_to(peer);

  const auto start = steady_clock::now();
  const HandshakeResult result = run_tls_handshake(
      socket, "localhost", client_context(test_ca().ca_certificate.string(), "localhost"),
      start + milliseconds(300));
  const auto elapsed = std::chrono::duration_cast<milliseconds>(steady_clock::now() - start);
  EXPECT_EQ(name_of(result.error), std::string("kDeadline")) << result.cause;
  EXPECT_GE(elapsed.count(), 300);
  EXPECT_LE(elapsed.count(), 350);
}

}  // namespace
}  // namespace outbound::net
