// The smtp plugin against a scripted SMTP server that sends exactly the bytes of each fault and
// records every byte the plugin sends.

#include <algorithm>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/SSLManager.h>
#include <gtest/gtest.h>

#include "mail/message.h"
#include "scripted_smtp.h"
#include "sender_fixture.h"
#include "smtp/connection.h"
#include "smtp/settings.h"
#include "test_ca.h"
#include "test_support.h"

namespace outbound::smtp {
namespace {

using outbound::testing::ScriptedConnection;
using outbound::testing::ScriptedSmtpServer;
using outbound::testing::ScriptedSmtpServerOptions;
using outbound::testing::SmtpScript;
using std::chrono::milliseconds;
using testing::call_within;
using testing::CapturedLog;
using testing::make_sender;
using testing::text_message;
using Clock = std::chrono::steady_clock;

constexpr milliseconds kWait{5000};
constexpr const char* kUser = "scripted-user";
constexpr const char* kPassword = "scripted-Pa55word";
// base64("scripted-user") and base64("scripted-Pa55word").
constexpr const char* kUserBase64 = "c2NyaXB0ZWQtdXNlcg==";
constexpr const char* kPasswordBase64 = "c2NyaXB0ZWQtUGE1NXdvcmQ=";
// base64("\0scripted-user\0scripted-Pa55word").
constexpr const char* kPlainBase64 = "AHNjcmlwdGVkLXVzZXIAc2NyaXB0ZWQtUGE1NXdvcmQ=";

const outbound::testing::TestCa& test_ca() {
  static outbound::testing::TempDir folder;
  static const outbound::testing::TestCa ca = outbound::testing::make_test_ca(folder.path());
  return ca;
}

ScriptedSmtpServerOptions tls_options(bool wrong_host = false) {
  ScriptedSmtpServerOptions options;
  options.tls_certificate =
      wrong_host ? test_ca().wrong_host_certificate : test_ca().server_certificate;
  options.tls_private_key =
      wrong_host ? test_ca().wrong_host_private_key : test_ca().server_private_key;
  return options;
}

std::string plain_settings(int port, const std::string& extra = {}) {
  return R"({"host":"127.0.0.1","port":)" + std::to_string(port) +
         R"(,"tls":"none","allow_plaintext":true,"helo_name":"client.test")" + extra + "}";
}

std::string starttls_settings(int port, const std::string& extra = {}) {
  return R"({"host":"127.0.0.1","port":)" + std::to_string(port) +
         R"(,"tls":"starttls","helo_name":"client.test","ca_file":")" +
         test_ca().ca_certificate.string() + "\"" + extra + "}";
}

std::string credentials() {
  return std::string(R"(,"username":")") + kUser + R"(","password":"[REDACTED]")";
}

// Greeting and an EHLO reply with `extensions` (each "250-..." or "250 ..." line).
SmtpScript session(const std::string& extensions = "250 8BITMIME\r\n") {
  SmtpScript script;
  script.greet().exchange("EHLO client.test", "250-scripted.test\r\n" + extensions);
  return script;
}

// One accepted message: MAIL, one RCPT, DATA, the data, and the final reply.
SmtpScript& transaction(SmtpScript& script, const std::string& queue_id = "Q1") {
  return script.exchange("MAIL FROM:<sender@example.test>", "250 2.1.0 OK\r\n")
      .exchange("RCPT TO:<", "250 2.1.5 OK\r\n")
      .exchange("DATA", "354 go ahead\r\n")
      .read_until("\r\n.\r\n")
      .send("250 2.0.0 queued as " + queue_id + "\r\n");
}

std::size_t count_lines(const ScriptedConnection& record, const std::string& line) {
  return static_cast<std::size_t>(std::count(record.lines.begin(), record.lines.end(), line));
}

std::size_t count_text(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (std::size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

std::vector<ScriptedConnection> closed_connections(const ScriptedSmtpServer& server,
                                                   std::size_t count) {
  EXPECT_TRUE(server.wait_for_closed_connections(count, kWait));
  return server.connections();
}

long elapsed_ms(Clock::time_point start) {
  return static_cast<long>(std::chrono::duration_cast<milliseconds>(Clock::now() - start).count());
}

TEST(SmtpScripted, SendsPlainMessage) {
  SmtpScript script = session("250-SIZE 100000\r\n250 8BITMIME\r\n");
  transaction(script).exchange("QUIT", "221 bye\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->server_reply, "250 2.0.0 queued as Q1");
  ASSERT_EQ(receipt->recipients.size(), 1u);
  EXPECT_TRUE(receipt->recipients[0].accepted);
  EXPECT_EQ(receipt->recipients[0].reply_code, 250);
  EXPECT_EQ(receipt->recipients[0].enhanced_code, "2.1.5");
  EXPECT_FALSE(receipt->message_id.empty());
  EXPECT_GT(receipt->size_octets, 0u);
  sender->close();

  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
  ASSERT_GE(records[0].lines.size(), 2u);
  EXPECT_EQ(records[0].lines[1],
            "MAIL FROM:<sender@example.test> SIZE=" + std::to_string(receipt->size_octets));
  ASSERT_EQ(records[0].reads.size(), 1u);
  EXPECT_NE(records[0].reads[0].find("Subject: Test\r\n"), std::string::npos);
}

TEST(SmtpScripted, SmugglingSequencesDotStuffedOnTheWire) {
  const auto clock =
      std::make_shared<testing::FixedClock>(std::chrono::system_clock::from_time_t(1714979289));
  for (const std::string sequence : {"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n"}) {
    SCOPED_TRACE(::testing::PrintToString(sequence));
    SmtpScript script = session();
    transaction(script);
    ScriptedSmtpServer server({script});
    server.start();
    auto sender = make_sender(plain_settings(server.port()), {}, nullptr, clock);
    const MailMessage message = text_message(
        "rcpt@example.test", "before" + sequence + "MAIL FROM:<evil@example.test>" + sequence);
    ASSERT_TRUE(sender->send(call_within(kWait), message).ok());
    sender->close();

    mail::BuildOptions options;
    options.date = clock->now();
    options.allow_utf8_addresses = true;
    Result<mail::BuiltMessage> built = mail::build_message(message, options);
    ASSERT_TRUE(built.ok()) << built.status();
    const std::vector<ScriptedConnection> records = closed_connections(server, 1);
    ASSERT_EQ(records.size(), 1u);
    ASSERT_EQ(records[0].reads.size(), 1u);
    // The server's first CRLF.CRLF is the end of the whole payload, and the dot lines inside
    // it went out doubled.
    const std::string& payload = records[0].reads[0];
    EXPECT_EQ(payload, mail::smtp_data(built->bytes));
    EXPECT_EQ(count_text(payload, "\r\n.\r\n"), 1u);
    EXPECT_NE(payload.find("\r\nbefore\r\n..\r\nMAIL FROM:<evil@example.test>\r\n..\r\n"),
              std::string::npos)
        << payload;
    EXPECT_TRUE(records[0].script_completed) << records[0].error;
  }
}

TEST(SmtpScripted, BytesInjectedAfterStartTlsReply) {
  SmtpScript script = session("250 STARTTLS\r\n");
  // The 220 and a forged reply in one segment, as an attacker on the path would send them.
  script.exchange("STARTTLS", "220 ready\r\n250-scripted.test\r\n250 AUTH PLAIN\r\n")
      .stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  auto sender = make_sender(starttls_settings(server.port(), credentials()), kPassword);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().reason(), "starttls_injection");
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(receipt.status().retryable());

  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  // Nothing after STARTTLS: no handshake, no AUTH, no QUIT.
  EXPECT_EQ(records[0].received, "EHLO client.test\r\nSTARTTLS\r\n");
  EXPECT_TRUE(records[0].client_closed);
}

TEST(SmtpScripted, StartTlsNotOffered) {
  SmtpScript script = session("250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n");
  script.stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  auto sender = make_sender(starttls_settings(server.port(), credentials()), kPassword);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().reason(), "starttls_unavailable");
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition);

  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].received.find("AUTH"), std::string::npos) << records[0].received;
  EXPECT_EQ(records[0].received.find("MAIL"), std::string::npos) << records[0].received;
  EXPECT_EQ(records[0].received.find(kPlainBase64), std::string::npos);
}

TEST(SmtpScripted, CapabilitiesOnlyFromEhloAfterTls) {
  // Before TLS the server offers PLAIN; after it only LOGIN, which the client must use.
  SmtpScript script = session("250-AUTH PLAIN\r\n250 STARTTLS\r\n");
  script.exchange("STARTTLS", "220 ready\r\n")
      .start_tls()
      .exchange("EHLO client.test", "250-scripted.test\r\n250-AUTH LOGIN\r\n250 8BITMIME\r\n")
      .exchange("AUTH LOGIN", "334 VXNlcm5hbWU6\r\n")
      .exchange("", "334 UGFzc3dvcmQ6\r\n")
      .exchange("", "235 2.7.0 Authentication successful\r\n");
  transaction(script);
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  CapturedLog log;
  auto sender = make_sender(starttls_settings(server.port(), credentials()), kPassword, &log);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  sender->close();

  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  const ScriptedConnection& record = records[0];
  EXPECT_TRUE(record.script_completed) << record.error;
  EXPECT_EQ(record.received.substr(0, record.tls_offset), "EHLO client.test\r\nSTARTTLS\r\n");
  ASSERT_GE(record.lines.size(), 6u);
  EXPECT_EQ(record.lines[2], "EHLO client.test");
  EXPECT_EQ(record.lines[3], "AUTH LOGIN");
  EXPECT_EQ(record.lines[4], kUserBase64);
  EXPECT_EQ(record.lines[5], kPasswordBase64);

  const std::string logged = log.text();
  EXPECT_NE(logged.find("> [REDACTED]"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(kPassword), std::string::npos) << logged;
  EXPECT_EQ(logged.find(kPasswordBase64), std::string::npos) << logged;
  EXPECT_EQ(logged.find("Subject: Test"), std::string::npos) << "the body was logged";
}

TEST(SmtpScripted, CertificateForAnotherHostRejected) {
  SmtpScript script = session("250 STARTTLS\r\n");
  script.exchange("STARTTLS", "220 ready\r\n").start_tls().stay_silent(milliseconds(2000));
  ScriptedSmtpServer server({script}, tls_options(/*wrong_host=*/true));
  server.start();
  auto sender = make_sender(starttls_settings(server.port(), credentials()), kPassword);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition) << receipt.status();
  EXPECT_EQ(receipt.status().reason(), "tls_failed");
  EXPECT_FALSE(receipt.status().retryable());
  EXPECT_NE(receipt.status().message().find("certificate verify failed (IP address mismatch)"),
            std::string::npos)
      << receipt.status().message();
  EXPECT_NE(receipt.status().message().find("issued for another name than '127.0.0.1'"),
            std::string::npos)
      << receipt.status().message();

  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  // No byte arrived through TLS: the client gave up in the handshake.
  ASSERT_NE(records[0].tls_offset, std::string::npos);
  EXPECT_EQ(records[0].received.size(), records[0].tls_offset) << records[0].received;
}

TEST(SmtpScripted, CertificateCheckIgnoresProcessHandlers) {
  // An application that told Poco to accept every certificate does not weaken the plugin.
  Poco::Net::SSLManager::instance().initializeClient(
      nullptr, new Poco::Net::AcceptCertificateHandler(false), nullptr);
  SmtpScript script = session("250 STARTTLS\r\n");
  script.exchange("STARTTLS", "220 ready\r\n").start_tls().stay_silent(milliseconds(2000));
  ScriptedSmtpServer server({script}, tls_options(/*wrong_host=*/true));
  server.start();
  auto sender = make_sender(starttls_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  Poco::Net::SSLManager::instance().initializeClient(nullptr, nullptr, nullptr);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition) << receipt.status();
  EXPECT_EQ(receipt.status().reason(), "tls_failed");
}

TEST(SmtpScripted, ImplicitTlsCertificateForAnotherHostRejected) {
  SmtpScript script;
  script.start_tls().greet().stay_silent(milliseconds(2000));
  ScriptedSmtpServer server({script}, tls_options(/*wrong_host=*/true));
  server.start();
  const std::string settings = R"({"host":"localhost","port":)" + std::to_string(server.port()) +
                               R"(,"tls":"implicit","ca_file":")" +
                               test_ca().ca_certificate.string() + "\"}";
  auto sender = make_sender(settings);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition) << receipt.status();
  EXPECT_EQ(receipt.status().reason(), "tls_failed");
}

TEST(SmtpScripted, ImplicitTlsToPlaintextPortIsPermanent) {
  // The server greets in plain text, as a port for "starttls" does, so the client hello meets
  // "220 ..." and OpenSSL reports a wrong version number.
  SmtpScript script;
  script.greet().stay_silent(milliseconds(2000));
  ScriptedSmtpServer server({script});
  server.start();
  const std::string settings = R"({"host":"localhost","port":)" + std::to_string(server.port()) +
                               R"(,"tls":"implicit","ca_file":")" +
                               test_ca().ca_certificate.string() + "\"}";
  auto sender = make_sender(settings);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition) << receipt.status();
  EXPECT_EQ(receipt.status().reason(), "tls_failed");
  EXPECT_FALSE(receipt.status().retryable());
  EXPECT_NE(receipt.status().message().find("check the tls setting"), std::string::npos)
      << receipt.status().message();
  server.stop();
}

TEST(SmtpScripted, TlsHandshakeBoundedByStageTimeout) {
  // The server accepts STARTTLS and then never answers the client's TLS hello.
  SmtpScript script = session("250 STARTTLS\r\n");
  script.exchange("STARTTLS", "220 ready\r\n").stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  auto sender = make_sender(starttls_settings(server.port(), R"(,"timeouts":{"starttls_ms":400})"));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  const long took = elapsed_ms(start);
  ASSERT_FALSE(receipt.ok());
  EXPECT_GE(took, 350);
  EXPECT_LT(took, 1000);
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded) << receipt.status();
  EXPECT_NE(receipt.status().message().find("timeouts.starttls_ms (400 ms)"), std::string::npos)
      << receipt.status().message();
  server.stop();
}

TEST(SmtpScripted, TlsReadBoundedByStageTimeout) {
  SmtpScript script = session("250 STARTTLS\r\n");
  script.exchange("STARTTLS", "220 ready\r\n")
      .start_tls()
      .exchange("EHLO client.test", "250 scripted.test\r\n")
      .expect_line("MAIL")
      .stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  auto sender = make_sender(starttls_settings(server.port(), R"(,"timeouts":{"mail_ms":300})"));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  const long took = elapsed_ms(start);
  ASSERT_FALSE(receipt.ok());
  EXPECT_GE(took, 250);
  EXPECT_LT(took, 1000);
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded) << receipt.status();
  server.stop();
}

TEST(SmtpScripted, ImplicitTlsHandshakeBoundedByConnectTimeout) {
  SmtpScript script;
  script.stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script});
  server.start();
  const std::string settings = R"({"host":"localhost","port":)" + std::to_string(server.port()) +
                               R"(,"tls":"implicit","timeouts":{"connect_ms":400},"ca_file":")" +
                               test_ca().ca_certificate.string() + "\"}";
  auto sender = make_sender(settings);

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  const long took = elapsed_ms(start);
  ASSERT_FALSE(receipt.ok());
  EXPECT_LT(took, 1000);
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded) << receipt.status();
  server.stop();
}

TEST(SmtpScripted, HealthCheckReplacesDeadPooledConnection) {
  SmtpScript first = session();
  transaction(first).exchange("NOOP", "").close();
  SmtpScript second = session();
  second.exchange("QUIT", "221 bye\r\n");
  ScriptedSmtpServer server({first, second});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  EXPECT_TRUE(sender->health_check(call_within(kWait)).ok());
  const std::vector<ScriptedConnection> records = closed_connections(server, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(count_lines(records[0], "NOOP"), 1u);
  EXPECT_TRUE(records[1].script_completed) << records[1].error;
}

TEST(SmtpScripted, ImplicitTlsSends) {
  SmtpScript script;
  script.start_tls().greet().exchange("EHLO client.test", "250 scripted.test\r\n");
  transaction(script);
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  const std::string settings = R"({"host":"localhost","port":)" + std::to_string(server.port()) +
                               R"(,"tls":"implicit","helo_name":"client.test","ca_file":")" +
                               test_ca().ca_certificate.string() + "\"}";
  auto sender = make_sender(settings);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].tls_offset, 0u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
}

TEST(SmtpScripted, RepliesSplitIntoSingleBytes) {
  SmtpScript script;
  script.send_bytewise("220 scripted.test ESMTP ready\r\n", milliseconds(1))
      .expect_line("EHLO")
      .send_bytewise("250-scripted.test\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n", milliseconds(1))
      .expect_line("MAIL")
      .send_bytewise("250 2.1.0 OK\r\n", milliseconds(1))
      .expect_line("RCPT")
      .send_bytewise("250 2.1.5 OK\r\n", milliseconds(1))
      .expect_line("DATA")
      .send_bytewise("354 go\r\n", milliseconds(1))
      .read_until("\r\n.\r\n")
      .send_bytewise("250-2.0.0 queued\r\n250 2.0.0 as BYTES\r\n", milliseconds(1));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(milliseconds(20000)), text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(receipt->server_reply, "250 2.0.0 queued");
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
}

TEST(SmtpScripted, DefaultEhloNameIsQualified) {
  SmtpScript script;
  script.greet().expect_line("EHLO").send("421 closing\r\n").close();
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(R"({"host":"127.0.0.1","port":)" + std::to_string(server.port()) +
                            R"(,"tls":"none","allow_plaintext":true})");

  ASSERT_FALSE(sender->send(call_within(milliseconds(10000)), text_message()).ok());
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_FALSE(records[0].lines.empty());
  // A fully qualified host name, or else this end's address as a literal; never a bare name.
  const std::string host = smtp::qualified_host_name();
  EXPECT_EQ(records[0].lines[0], host.empty() ? "EHLO [127.0.0.1]" : "EHLO " + host);
}

TEST(SmtpScripted, EndOfStreamInsideMultiLineReply) {
  SmtpScript script;
  script.greet().expect_line("EHLO").send("250-scripted.test\r\n250-SIZE 1000\r\n").close();
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(milliseconds(10000)), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_LT(elapsed_ms(start), 3000);
  EXPECT_EQ(receipt.status().reason(), "connection_lost");
  EXPECT_NE(receipt.status().message().find("in the middle of a reply"), std::string::npos)
      << receipt.status().message();
  EXPECT_TRUE(receipt.status().retryable());
}

TEST(SmtpScripted, NonNumericReplyIsProtocolError) {
  SmtpScript script;
  script.send("HTTP/1.1 400 Bad Request\r\n\r\n").stay_silent(milliseconds(2000));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().reason(), "protocol_error");
  EXPECT_NE(receipt.status().message().find("HTTP/1.1 400"), std::string::npos)
      << receipt.status().message();
}

TEST(SmtpScripted, SilentGreetingSuggestsImplicitTls) {
  // A server on an implicit-TLS port waits for the client's TLS hello and sends nothing.
  SmtpScript script;
  script.stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script}, tls_options());
  server.start();
  auto sender = make_sender(starttls_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(milliseconds(500)), text_message());

  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded) << receipt.status();
  EXPECT_EQ(receipt.status().reason(), "timeout");
  const std::string& message = receipt.status().message();
  EXPECT_NE(message.find("waiting for the greeting did not finish within the call's attempt "
                         "deadline ("),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("ms left when the step began; see timeouts.attempt_ms)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("set tls to \"implicit\""), std::string::npos) << message;
}

TEST(SmtpScripted, ServiceClosingAtGreeting) {
  SmtpScript script;
  script.send("421 4.3.2 Service not available, closing channel\r\n").close();
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(receipt.status().retryable());
  EXPECT_EQ(receipt.status().reason(), "service_closing");
  EXPECT_EQ(receipt.status().provider().reply_code, 421);
  EXPECT_EQ(receipt.status().provider().code, "4.3.2");
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].received, "");
}

TEST(SmtpScripted, ServiceClosingWhileIdleInPool) {
  SmtpScript first = session();
  transaction(first, "FIRST").sleep(milliseconds(100)).send("421 4.4.2 idle too long\r\n");
  SmtpScript second = session();
  transaction(second, "SECOND");
  ScriptedSmtpServer server({first, second});
  server.start();
  CapturedLog log;
  auto sender = make_sender(plain_settings(server.port()), {}, &log);

  Result<MailReceipt> first_receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(first_receipt.ok()) << first_receipt.status();
  ASSERT_TRUE(server.wait_for_closed_connections(1, kWait));
  Result<MailReceipt> second_receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(second_receipt.ok()) << second_receipt.status();
  EXPECT_EQ(second_receipt->server_reply, "250 2.0.0 queued as SECOND");
  sender->close();

  const std::vector<ScriptedConnection> records = closed_connections(server, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(count_lines(records[0], "DATA"), 1u);
  EXPECT_EQ(count_lines(records[1], "DATA"), 1u);
  EXPECT_EQ(server.extra_connections(), 0u);
  EXPECT_EQ(sender->pool().opened(), 2u);
  EXPECT_NE(log.text().find("while idle"), std::string::npos) << log.text();
}

TEST(SmtpScripted, ServiceClosingAtMailOnReusedConnection) {
  SmtpScript first = session();
  transaction(first, "FIRST").exchange("MAIL", "421 4.4.2 closing now\r\n").close();
  SmtpScript second = session();
  transaction(second, "SECOND");
  ScriptedSmtpServer server({first, second});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  Result<MailReceipt> second_receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(second_receipt.ok()) << second_receipt.status();
  EXPECT_EQ(second_receipt->server_reply, "250 2.0.0 queued as SECOND");
  sender->close();

  const std::vector<ScriptedConnection> records = closed_connections(server, 2);
  ASSERT_EQ(records.size(), 2u);
  // The second message went once, on the new connection.
  EXPECT_EQ(count_lines(records[0], "DATA"), 1u);
  EXPECT_EQ(count_lines(records[1], "DATA"), 1u);
  EXPECT_EQ(server.extra_connections(), 0u);
}

TEST(SmtpScripted, DroppedAfterDataIsNotResent) {
  SmtpScript first = session();
  transaction(first, "FIRST")
      .exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT", "250 OK\r\n")
      .exchange("DATA", "354 go\r\n")
      .read_until("\r\n.\r\n")
      .close();
  ScriptedSmtpServer server({first, session()});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  Result<MailReceipt> second_receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(second_receipt.ok());
  EXPECT_EQ(second_receipt.status().reason(), "unknown_outcome");
  EXPECT_FALSE(second_receipt.status().retryable());
  sender->close();
  // Only the first connection: the message was not tried again elsewhere.
  EXPECT_EQ(server.connections().size(), 1u);
}

TEST(SmtpScripted, SilenceAfterFinalDot) {
  SmtpScript script = session();
  script.exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT", "250 OK\r\n")
      .exchange("DATA", "354 go\r\n")
      .read_until("\r\n.\r\n")
      .stay_silent(milliseconds(4000));
  ScriptedSmtpServer server({script, session()});
  server.start();
  auto sender = make_sender(plain_settings(server.port(), R"(,"timeouts":{"data_end_ms":800})"));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  const long took = elapsed_ms(start);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(receipt.status().reason(), "unknown_outcome");
  EXPECT_FALSE(receipt.status().retryable());
  EXPECT_NE(receipt.status().message().find("timeouts.data_end_ms (800 ms)"), std::string::npos)
      << receipt.status().message();
  EXPECT_GE(took, 750);
  EXPECT_LT(took, 1500);
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_GE(records.size(), 1u);
  EXPECT_EQ(count_lines(records[0], "DATA"), 1u);
  EXPECT_EQ(server.connections().size(), 1u);
}

TEST(SmtpScripted, SilenceAfterFinalDotBoundedByAttemptDeadline) {
  SmtpScript script = session();
  script.exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT", "250 OK\r\n")
      .exchange("DATA", "354 go\r\n")
      .read_until("\r\n.\r\n")
      .stay_silent(milliseconds(4000));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(milliseconds(1000)), text_message());
  const long took = elapsed_ms(start);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().reason(), "unknown_outcome");
  EXPECT_NE(receipt.status().message().find("attempt deadline"), std::string::npos)
      << receipt.status().message();
  EXPECT_LT(took, 1300);
}

TEST(SmtpScripted, SlowServerNeverBlocksPastDeadline) {
  SmtpScript script;
  // About 3 s for the greeting, first_receipt byte every 100 ms.
  script.send_bytewise("220 scripted.test ESMTP ready\r\n", milliseconds(100));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(milliseconds(700)), text_message());
  const long took = elapsed_ms(start);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(receipt.status().reason(), "timeout");
  EXPECT_NE(receipt.status().message().find("greeting"), std::string::npos)
      << receipt.status().message();
  EXPECT_GE(took, 650);
  EXPECT_LT(took, 1000);
  server.stop();
}

TEST(SmtpScripted, StageTimeoutNamesTheStage) {
  SmtpScript script = session();
  script.expect_line("MAIL").stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port(), R"(,"timeouts":{"mail_ms":300})"));

  const auto start = Clock::now();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_LT(elapsed_ms(start), 1000);
  EXPECT_EQ(receipt.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(receipt.status().message().find("MAIL FROM did not finish within timeouts.mail_ms"),
            std::string::npos)
      << receipt.status().message();
  server.stop();
}

TEST(SmtpScripted, HeloAfterEhloRejected) {
  SmtpScript script;
  script.greet()
      .exchange("EHLO client.test", "502 5.5.1 Command not recognized\r\n")
      .exchange("HELO client.test", "250 scripted.test\r\n");
  transaction(script);
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_GE(records[0].lines.size(), 3u);
  // No SIZE or BODY parameter without EHLO.
  EXPECT_EQ(records[0].lines[2], "MAIL FROM:<sender@example.test>");
}

TEST(SmtpScripted, AuthLoginAnswersAnyPrompt) {
  // aiosmtpd's stock prompts: "User Name\0" and "Password\0".
  SmtpScript script = session("250 AUTH LOGIN\r\n");
  script.exchange("AUTH LOGIN", "334 VXNlciBOYW1lAA==\r\n")
      .exchange("", "334 UGFzc3dvcmQA\r\n")
      .exchange("", "235 2.7.0 Authentication successful\r\n");
  transaction(script);
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port(), credentials()), kPassword);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_GE(records[0].lines.size(), 4u);
  EXPECT_EQ(records[0].lines[2], kUserBase64);
  EXPECT_EQ(records[0].lines[3], kPasswordBase64);
}

TEST(SmtpScripted, WrongPassword) {
  SmtpScript script = session("250 AUTH PLAIN LOGIN\r\n");
  // A server that echoes the password must not get it into the message.
  script
      .exchange("AUTH PLAIN",
                std::string("535 5.7.8 Authentication credentials invalid: ") + kPassword + "\r\n")
      .stay_silent(milliseconds(2000));
  ScriptedSmtpServer server({script});
  server.start();
  CapturedLog log;
  auto sender = make_sender(plain_settings(server.port(), credentials()), kPassword, &log);

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  const Status& status = receipt.status();
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(status.reason(), "auth_failed");
  EXPECT_FALSE(status.retryable());
  EXPECT_EQ(status.provider().reply_code, 535);
  EXPECT_EQ(status.message().find(kPassword), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("[REDACTED]"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find(kUser), std::string::npos) << status.message();

  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].lines.back(), std::string("AUTH PLAIN ") + kPlainBase64);
  EXPECT_EQ(records[0].received.find("MAIL"), std::string::npos);
  EXPECT_TRUE(records[0].client_closed);
  const std::string logged = log.text();
  EXPECT_NE(logged.find("AUTH PLAIN [REDACTED]"), std::string::npos) << logged;
  EXPECT_EQ(logged.find(kPlainBase64), std::string::npos) << logged;
}

TEST(SmtpScripted, PartialRejection) {
  SmtpScript script = session();
  script.exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT TO:<ok@example.test>", "250 2.1.5 OK\r\n")
      .exchange("RCPT TO:<gone@example.test>", "550 5.1.1 No such user\r\n")
      .exchange("RCPT TO:<busy@example.test>", "451 4.3.0 Try later\r\n")
      .exchange("DATA", "354 go\r\n")
      .read_until("\r\n.\r\n")
      .send("250 2.0.0 queued\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  MailMessage message = text_message("ok@example.test");
  message.cc.push_back({"gone@example.test", ""});
  message.bcc.push_back({"busy@example.test", ""});

  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(receipt->recipients.size(), 3u);
  EXPECT_TRUE(receipt->recipients[0].accepted);
  EXPECT_FALSE(receipt->recipients[1].accepted);
  EXPECT_EQ(receipt->recipients[1].address, "gone@example.test");
  EXPECT_EQ(receipt->recipients[1].reply_code, 550);
  EXPECT_EQ(receipt->recipients[1].enhanced_code, "5.1.1");
  EXPECT_EQ(receipt->recipients[1].reply, "No such user");
  EXPECT_FALSE(receipt->recipients[2].accepted);
  EXPECT_EQ(receipt->recipients[2].reply_code, 451);
}

TEST(SmtpScripted, EveryRecipientRejectedPermanently) {
  SmtpScript script = session();
  script.exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT", "550 5.1.1 No such user\r\n")
      .exchange("RCPT", "553 5.1.3 Bad address\r\n")
      .exchange("RSET", "250 OK\r\n");
  transaction(script, "AFTER");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  MailMessage message = text_message("a@example.test");
  message.to.push_back({"b@example.test", ""});

  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(receipt.status().reason(), "all_recipients_rejected");
  EXPECT_FALSE(receipt.status().retryable());
  EXPECT_NE(receipt.status().message().find("b@example.test (553 5.1.3 Bad address)"),
            std::string::npos)
      << receipt.status().message();
  // After RSET the same connection carries the next message.
  Result<MailReceipt> next = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(next.ok()) << next.status();
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(count_lines(records[0], "DATA"), 1u);
  EXPECT_EQ(count_lines(records[0], "RSET"), 1u);
}

TEST(SmtpScripted, NoRecipientAcceptedWithTransientRejection) {
  SmtpScript script = session();
  script.exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT", "550 5.1.1 No such user\r\n")
      .exchange("RCPT", "451 4.3.0 Try later\r\n")
      .exchange("RSET", "250 OK\r\n")
      .stay_silent(milliseconds(1000));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  MailMessage message = text_message("a@example.test");
  message.to.push_back({"b@example.test", ""});

  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(receipt.status().reason(), "recipients_deferred");
  EXPECT_TRUE(receipt.status().retryable());
  EXPECT_NE(receipt.status().message().find(
                "only b@example.test may accept it later, the others are rejected for good"),
            std::string::npos)
      << receipt.status().message();
  // The two recipients got different replies, so the provider details hold neither.
  EXPECT_EQ(receipt.status().provider().reply_code, 0);
  sender->close();
}

TEST(SmtpScripted, TransientAndPermanentReplies) {
  struct Case {
    const char* name;
    SmtpScript script;
    StatusCode code;
    const char* reason;
    bool retryable;
  };
  std::vector<Case> cases;
  cases.push_back({"MAIL 451", session().exchange("MAIL", "451 4.3.0 Try later\r\n"),
                   StatusCode::kUnavailable, "transient_failure", true});
  cases.push_back({"MAIL 550", session().exchange("MAIL", "550 5.7.1 Sender denied\r\n"),
                   StatusCode::kInvalidArgument, "sender_rejected", false});
  cases.push_back({"MAIL 530", session().exchange("MAIL", "530 5.7.0 Authentication required\r\n"),
                   StatusCode::kFailedPrecondition, "access_denied", false});
  cases.push_back({"DATA 554",
                   session()
                       .exchange("MAIL", "250 OK\r\n")
                       .exchange("RCPT", "250 OK\r\n")
                       .exchange("DATA", "554 5.5.1 No valid recipients\r\n")
                       .exchange("RSET", "250 OK\r\n"),
                   StatusCode::kInvalidArgument, "message_rejected", false});
  cases.push_back({"end of data 452",
                   session()
                       .exchange("MAIL", "250 OK\r\n")
                       .exchange("RCPT", "250 OK\r\n")
                       .exchange("DATA", "354 go\r\n")
                       .read_until("\r\n.\r\n")
                       .send("452 4.3.1 Insufficient storage\r\n"),
                   StatusCode::kUnavailable, "transient_failure", true});
  cases.push_back({"end of data 550",
                   session()
                       .exchange("MAIL", "250 OK\r\n")
                       .exchange("RCPT", "250 OK\r\n")
                       .exchange("DATA", "354 go\r\n")
                       .read_until("\r\n.\r\n")
                       .send("550 5.7.1 Spam\r\n"),
                   StatusCode::kInvalidArgument, "message_rejected", false});
  for (Case& test : cases) {
    SCOPED_TRACE(test.name);
    test.script.stay_silent(milliseconds(500));
    ScriptedSmtpServer server({test.script});
    server.start();
    auto sender = make_sender(plain_settings(server.port()));
    Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
    ASSERT_FALSE(receipt.ok());
    EXPECT_EQ(receipt.status().code(), test.code) << receipt.status();
    EXPECT_EQ(receipt.status().reason(), test.reason) << receipt.status();
    EXPECT_EQ(receipt.status().retryable(), test.retryable) << receipt.status();
    EXPECT_NE(receipt.status().provider().reply_code, 0);
  }
}

TEST(SmtpScripted, Smtputf8NeededAndNotOffered) {
  SmtpScript script = session("250 8BITMIME\r\n");
  transaction(script);
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  MailMessage message = text_message("jos\xc3\xa9@example.test");

  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(receipt.status().reason(), "smtputf8_required");
  // The connection is clean and carries the next message.
  Result<MailReceipt> next = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(next.ok()) << next.status();
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(count_text(records[0].received, "MAIL FROM"), 1u);
}

TEST(SmtpScripted, Smtputf8UsedWhenOffered) {
  SmtpScript script = session("250-8BITMIME\r\n250 SMTPUTF8\r\n");
  script.exchange("MAIL FROM:<sender@example.test> BODY=8BITMIME SMTPUTF8", "250 OK\r\n")
      .exchange("RCPT TO:<jos\xc3\xa9@example.test>", "250 OK\r\n")
      .exchange("DATA", "354 go\r\n")
      .read_until("\r\n.\r\n")
      .send("250 2.0.0 queued\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt =
      sender->send(call_within(kWait), text_message("jos\xc3\xa9@example.test"));
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
}

TEST(SmtpScripted, InvalidMessageMakesNoConnection) {
  ScriptedSmtpServer server({session()});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  for (const char* address :
       {"a@example.test>\r\nRCPT TO:<b@example.test", "no-at-sign", "a@example.test\nx"}) {
    SCOPED_TRACE(address);
    Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message(address));
    ASSERT_FALSE(receipt.ok());
    EXPECT_EQ(receipt.status().code(), StatusCode::kInvalidArgument);
  }
  std::this_thread::sleep_for(milliseconds(100));
  EXPECT_TRUE(server.connections().empty());
}

TEST(SmtpScripted, UnresolvableHostAndRefusedConnection) {
  // RFC 2606 reserves .invalid, so the name never resolves.
  auto unresolvable = make_sender(
      R"({"host":"no-such-host.invalid","port":25,"tls":"none","allow_plaintext":true})");
  Result<MailReceipt> receipt = unresolvable->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().reason(), "dns_failed") << receipt.status();
  EXPECT_TRUE(receipt.status().retryable());

  // A port that was just free on loopback refuses the connection.
  int port = 0;
  {
    ScriptedSmtpServer closed({});
    closed.start();
    port = closed.port();
  }
  auto refused = make_sender(plain_settings(port));
  receipt = refused->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(receipt.status().reason(), "connect_failed") << receipt.status();
  EXPECT_TRUE(receipt.status().retryable());
}

TEST(SmtpScripted, CommandWithLineBreakIsNotSent) {
  SmtpScript script;
  script.greet().exchange("QUIT", "221 bye\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  Endpoint endpoint;
  endpoint.host = "127.0.0.1";
  endpoint.port = static_cast<std::uint16_t>(server.port());
  const SteadyTime deadline = Clock::now() + kWait;
  Result<std::unique_ptr<Connection>> connection = Connection::open(
      endpoint, make_stage("connecting", kWait, "connect_ms", deadline), "t1", nullptr);
  ASSERT_TRUE(connection.ok()) << connection.status();
  const Stage stage = make_stage("test", kWait, "ehlo_ms", deadline);
  ASSERT_TRUE((*connection)->read_reply(stage).ok());
  for (const std::string& command : {std::string("NOOP\r\nRSET"), std::string("NOOP\nRSET"),
                                     std::string("NOOP\rRSET"), std::string("NOOP\0RSET", 9)}) {
    const Status sent = (*connection)->send_command(command, stage);
    EXPECT_EQ(sent.code(), StatusCode::kInvalidArgument);
  }
  (*connection)->quit(stage);
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].received, "QUIT\r\n");
}

TEST(SmtpScripted, IdleConnectionProbedWithNoop) {
  SmtpScript script = session();
  transaction(script, "FIRST").exchange("NOOP", "250 2.0.0 OK\r\n");
  transaction(script, "SECOND");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port(), R"(,"pool":{"idle_ms":50})"));

  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  std::this_thread::sleep_for(milliseconds(200));
  Result<MailReceipt> second_receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(second_receipt.ok()) << second_receipt.status();
  EXPECT_EQ(second_receipt->server_reply, "250 2.0.0 queued as SECOND");
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(count_lines(records[0], "NOOP"), 1u);
  EXPECT_EQ(sender->pool().reused(), 1u);
}

TEST(SmtpScripted, FailedNoopProbeOpensNewConnection) {
  SmtpScript first = session();
  transaction(first, "FIRST").exchange("NOOP", "").close();
  SmtpScript second = session();
  transaction(second, "SECOND");
  ScriptedSmtpServer server({first, second});
  server.start();
  auto sender = make_sender(plain_settings(server.port(), R"(,"pool":{"idle_ms":50})"));

  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  std::this_thread::sleep_for(milliseconds(200));
  Result<MailReceipt> second_receipt = sender->send(call_within(kWait), text_message());
  ASSERT_TRUE(second_receipt.ok()) << second_receipt.status();
  EXPECT_EQ(second_receipt->server_reply, "250 2.0.0 queued as SECOND");
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(count_lines(records[0], "DATA"), 1u);
  EXPECT_EQ(count_lines(records[1], "DATA"), 1u);
  EXPECT_EQ(sender->pool().discarded(), 1u);
}

TEST(SmtpScripted, IdleConnectionClosedInBackground) {
  SmtpScript script = session();
  transaction(script).exchange("QUIT", "221 2.0.0 bye\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender =
      make_sender(plain_settings(server.port(), R"(,"pool":{"idle_ms":50,"close_idle_ms":300})"));

  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  const auto sent = Clock::now();
  // Nothing calls the sender now: the pool's own thread closes the connection.
  const bool closed = server.wait_for_closed_connections(1, kWait);
  const long idle_ms = elapsed_ms(sent);

  EXPECT_TRUE(closed);
  EXPECT_GE(idle_ms, 250);
  EXPECT_LT(idle_ms, 2000);
  EXPECT_EQ(sender->pool().reaped(), 1u);
  const std::vector<ScriptedConnection> records = server.connections();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
  EXPECT_EQ(count_lines(records[0], "QUIT"), 1u);
  EXPECT_EQ(sender->pool().opened(), 1u);
  sender->close();
}

TEST(SmtpScripted, WaitForBusyConnectionEndsAtDeadline) {
  SmtpScript script = session();
  script.exchange("MAIL", "250 OK\r\n")
      .exchange("RCPT", "250 OK\r\n")
      .exchange("DATA", "354 go\r\n")
      .read_until("\r\n.\r\n")
      .sleep(milliseconds(1500))
      .send("250 2.0.0 queued late\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port(), R"(,"pool":{"max_connections":1})"));

  std::thread busy([&] {
    Result<MailReceipt> slow = sender->send(call_within(kWait), text_message());
    EXPECT_TRUE(slow.ok()) << slow.status();
  });
  std::this_thread::sleep_for(milliseconds(300));
  const auto start = Clock::now();
  Result<MailReceipt> waiting = sender->send(call_within(milliseconds(400)), text_message());
  const long took = elapsed_ms(start);
  busy.join();
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_NE(waiting.status().message().find("stayed busy"), std::string::npos)
      << waiting.status().message();
  EXPECT_LT(took, 800);
  sender->close();
}

TEST(SmtpScripted, HealthCheckQuitsNewConnection) {
  SmtpScript script = session();
  script.exchange("QUIT", "221 bye\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  EXPECT_TRUE(sender->health_check(call_within(kWait)).ok());
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
  EXPECT_EQ(records[0].received, "EHLO client.test\r\nQUIT\r\n");
}

TEST(SmtpScripted, CloseQuitsPooledConnections) {
  SmtpScript script = session();
  transaction(script).exchange("QUIT", "221 bye\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
  Result<MailReceipt> after = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SmtpScripted, PipeliningSendsEnvelopeAtOnce) {
  // The server reads MAIL, both RCPT and DATA before it replies to any of them, so a client
  // that waited for each reply would stall here until the step timeout.
  SmtpScript script = session("250-PIPELINING\r\n250 8BITMIME\r\n");
  script.expect_line("MAIL FROM:<sender@example.test>")
      .expect_line("RCPT TO:<a@example.test>")
      .expect_line("RCPT TO:<b@example.test>")
      .expect_line("DATA")
      .send("250 2.1.0 OK\r\n250 2.1.5 OK\r\n550 5.1.1 no such user\r\n354 go ahead\r\n")
      .read_until("\r\n.\r\n")
      .send("250 2.0.0 queued as P1\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));
  MailMessage message = text_message("a@example.test");
  message.to.push_back({"b@example.test", ""});

  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);

  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(receipt->recipients.size(), 2u);
  EXPECT_TRUE(receipt->recipients[0].accepted);
  EXPECT_FALSE(receipt->recipients[1].accepted);
  EXPECT_EQ(receipt->recipients[1].reply_code, 550);
  EXPECT_EQ(receipt->server_reply, "250 2.0.0 queued as P1");
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
}

TEST(SmtpScripted, PipelinedDataWithoutRecipientsGetsNoData) {
  // Every recipient is rejected, yet this server accepts DATA, against RFC 2920.
  SmtpScript script = session("250-PIPELINING\r\n250 8BITMIME\r\n");
  script.expect_line("MAIL FROM")
      .expect_line("RCPT TO")
      .expect_line("DATA")
      .send("250 2.1.0 OK\r\n550 5.1.1 no such user\r\n354 go ahead\r\n")
      .stay_silent(milliseconds(3000));
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());

  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().reason(), "all_recipients_rejected");
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].client_closed);
  EXPECT_EQ(records[0].received.find("Subject:"), std::string::npos) << records[0].received;
  EXPECT_TRUE(records[0].received.size() >= 6 &&
              records[0].received.substr(records[0].received.size() - 6) == "DATA\r\n")
      << records[0].received;
}

TEST(SmtpScripted, PipelinedSenderRejectionKeepsStep) {
  SmtpScript script = session("250-PIPELINING\r\n250 8BITMIME\r\n");
  script.expect_line("MAIL FROM")
      .expect_line("RCPT TO")
      .expect_line("DATA")
      .send("550 5.7.1 sender refused\r\n503 5.5.1 need MAIL\r\n503 5.5.1 need RCPT\r\n")
      .expect_line("MAIL FROM")
      .expect_line("RCPT TO")
      .expect_line("DATA")
      .send("250 2.1.0 OK\r\n250 2.1.5 OK\r\n354 go ahead\r\n")
      .read_until("\r\n.\r\n")
      .send("250 2.0.0 queued as P2\r\n");
  ScriptedSmtpServer server({script});
  server.start();
  auto sender = make_sender(plain_settings(server.port()));

  Result<MailReceipt> rejected = sender->send(call_within(kWait), text_message());
  Result<MailReceipt> sent = sender->send(call_within(kWait), text_message());

  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().reason(), "sender_rejected");
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(sent->server_reply, "250 2.0.0 queued as P2");
  sender->close();
  const std::vector<ScriptedConnection> records = closed_connections(server, 1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].script_completed) << records[0].error;
}

}  // namespace
}  // namespace outbound::smtp
