// The smtp plugin against aiosmtpd on 127.0.0.1 with STARTTLS and AUTH, reading back the stored
// .eml bytes and envelopes. One CTest entry runs the whole binary, so the shared server starts
// once.

#include <algorithm>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "mail/message.h"
#include "outbound/host.h"
#include "sender_fixture.h"
#include "smtp_server.h"
#include "test_ca.h"
#include "test_support.h"

namespace outbound::smtp {
namespace {

using outbound::testing::SmtpMessage;
using outbound::testing::SmtpServer;
using outbound::testing::SmtpServerOptions;
using std::chrono::milliseconds;
using testing::call_within;
using testing::CapturedLog;
using testing::FixedClock;
using testing::make_sender;
using testing::text_message;

constexpr milliseconds kWait{10000};
// 2024-05-06T07:08:09Z, the Date of every message these tests compare byte for byte.
const std::chrono::system_clock::time_point kDate =
    std::chrono::system_clock::from_time_t(1714979289);

outbound::testing::SharedSmtpServer& server() { return outbound::testing::shared_smtp_server(); }

std::string settings_for(int port, const std::string& ca_file, const std::string& extra = {}) {
  return R"({"host":"127.0.0.1","port":)" + std::to_string(port) +
         R"(,"tls":"starttls","helo_name":"client.test","ca_file":")" + ca_file + "\"" + extra +
         "}";
}

std::string shared_settings(const std::string& extra = {}) {
  return settings_for(server().port(), server().test_ca().ca_certificate.string(),
                      std::string(R"(,"username":")") + outbound::testing::kSharedSmtpUser +
                          R"(","password":"[REDACTED]")" + extra);
}

std::unique_ptr<SmtpSender> shared_sender(const std::string& extra = {},
                                          const CapturedLog* log = nullptr) {
  return make_sender(shared_settings(extra), outbound::testing::kSharedSmtpPassword, log,
                     std::make_shared<FixedClock>(kDate));
}

// The bytes the plugin builds for `message`: what the server must store.
std::string built_bytes(const MailMessage& message) {
  mail::BuildOptions options;
  options.date = kDate;
  options.allow_utf8_addresses = true;
  Result<mail::BuiltMessage> built = mail::build_message(message, options);
  EXPECT_TRUE(built.ok()) << built.status();
  return built.ok() ? built->bytes : std::string();
}

// Sends `message` on a new sender and returns the one message the server stored, after
// checking that no second message follows it.
SmtpMessage deliver_one(const MailMessage& message) {
  server().clear_messages();
  auto sender = shared_sender();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);
  EXPECT_TRUE(receipt.ok()) << receipt.status();
  sender->close();
  std::vector<SmtpMessage> stored = server().wait_for_messages(1, kWait);
  std::this_thread::sleep_for(milliseconds(200));
  stored = server().messages();
  EXPECT_EQ(stored.size(), 1u) << server().output_tail();
  return stored.empty() ? SmtpMessage() : stored.front();
}

class SmtpAiosmtpd : public ::testing::Test {
 protected:
  void SetUp() override {
    try {
      server();
    } catch (const std::exception& error) {
      FAIL() << "aiosmtpd did not start: " << error.what();
    }
  }
};

TEST_F(SmtpAiosmtpd, DeliversTextOverStartTlsWithAuth) {
  const MailMessage message = text_message("rcpt@example.test", "Hello,\nplain text.\n");
  const SmtpMessage stored = deliver_one(message);
  EXPECT_EQ(stored.data, built_bytes(message));
  EXPECT_EQ(stored.mail_from, "sender@example.test");
  EXPECT_EQ(stored.rcpt_tos, std::vector<std::string>{"rcpt@example.test"});
  EXPECT_EQ(stored.auth_user, std::optional<std::string>(outbound::testing::kSharedSmtpUser));
  EXPECT_TRUE(stored.tls);
}

TEST_F(SmtpAiosmtpd, DeliversHtmlAttachmentsAndUnicode) {
  MailMessage message = text_message("rcpt@example.test", "Grüße aus Köln — 你好\n");
  message.from.display_name = "Zoë Šimůnková";
  message.to[0].display_name = "Émile";
  message.subject = "Prüfung: ünïcödé subject that is long enough to need folding in the header";
  message.html_body = "<p>Grüße <b>aus</b> Köln</p>\n";
  message.attachments.push_back({"report.pdf", "", std::string("%PDF-1.4\0\x01\x02\xff", 12), ""});
  message.attachments.push_back({"naïve résumé.txt", "text/plain", "bytes\n", ""});
  const SmtpMessage stored = deliver_one(message);
  EXPECT_EQ(stored.data, built_bytes(message));
  EXPECT_NE(stored.data.find("multipart/mixed"), std::string::npos);
  EXPECT_NE(stored.data.find("multipart/alternative"), std::string::npos);
}

TEST_F(SmtpAiosmtpd, DotLinesArriveIntact) {
  const MailMessage message = text_message("rcpt@example.test", ".\n..\n.hidden\nmiddle\n.\nend\n");
  const SmtpMessage stored = deliver_one(message);
  EXPECT_EQ(stored.data, built_bytes(message));
  EXPECT_NE(stored.data.find("\r\n.\r\n..\r\n.hidden\r\nmiddle\r\n.\r\nend\r\n"), std::string::npos)
      << stored.data;
}

TEST_F(SmtpAiosmtpd, SmugglingSequencesStayInOneMessage) {
  for (const std::string sequence : {"\n.\n", "\r.\r", "\r\n.\n", "\n.\r\n"}) {
    SCOPED_TRACE(::testing::PrintToString(sequence));
    const std::string body = "before" + sequence +
                             "MAIL FROM:<evil@example.test>\r\nRCPT TO:<victim@example.test>\r\n"
                             "DATA\r\nsmuggled\r\n" +
                             sequence + "after\n";
    const MailMessage message = text_message("rcpt@example.test", body);
    const SmtpMessage stored = deliver_one(message);
    EXPECT_EQ(stored.data, built_bytes(message));
    EXPECT_EQ(stored.rcpt_tos, std::vector<std::string>{"rcpt@example.test"});
    EXPECT_NE(stored.data.find("\r\nbefore\r\n.\r\nMAIL FROM:<evil@example.test>\r\n"),
              std::string::npos)
        << stored.data;
    EXPECT_NE(stored.data.find("\r\nsmuggled\r\n\r\n.\r\nafter\r\n"), std::string::npos)
        << stored.data;
    // Only CRLF line endings reach the server.
    for (std::size_t at = 0; at < stored.data.size(); ++at) {
      if (stored.data[at] == '\n') {
        ASSERT_GT(at, 0u);
        ASSERT_EQ(stored.data[at - 1], '\r') << "bare LF at " << at;
      }
      if (stored.data[at] == '\r') {
        ASSERT_LT(at + 1, stored.data.size());
        ASSERT_EQ(stored.data[at + 1], '\n') << "bare CR at " << at;
      }
    }
  }
}

TEST_F(SmtpAiosmtpd, LongLineDelivered) {
  const std::string line(1200, 'x');
  const MailMessage message = text_message("rcpt@example.test", "start\n" + line + "\nend\n");
  const SmtpMessage stored = deliver_one(message);
  EXPECT_EQ(stored.data, built_bytes(message));
  std::size_t longest = 0;
  std::size_t start = 0;
  for (std::size_t end = stored.data.find("\r\n"); end != std::string::npos;
       end = stored.data.find("\r\n", start)) {
    longest = std::max(longest, end - start);
    start = end + 2;
  }
  EXPECT_LE(longest, 998u);
  // Python's email package decodes the body back to the 1,200-octet line.
  outbound::testing::TempDir folder;
  outbound::testing::write_file(folder / "message.eml", stored.data);
  const outbound::testing::ProcessResult decoded = outbound::testing::run_process(
      {"/usr/bin/python3", "-c",
       "import email, email.policy, sys\n"
       "m = email.message_from_binary_file(open(sys.argv[1], 'rb'), policy=email.policy.default)\n"
       "print(max(len(l) for l in m.get_content().splitlines()))\n",
       (folder / "message.eml").string()});
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  EXPECT_EQ(decoded.out, "1200\n");
}

TEST_F(SmtpAiosmtpd, PartialRejection) {
  server().clear_messages();
  MailMessage message = text_message("ok@example.test");
  message.cc.push_back({"reject-me@example.test", ""});
  message.bcc.push_back({"busy-box@example.test", ""});
  auto sender = shared_sender();
  Result<MailReceipt> receipt = sender->send(call_within(kWait), message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(receipt->recipients.size(), 3u);
  EXPECT_TRUE(receipt->recipients[0].accepted);
  EXPECT_FALSE(receipt->recipients[1].accepted);
  EXPECT_EQ(receipt->recipients[1].reply_code, 550);
  EXPECT_EQ(receipt->recipients[1].enhanced_code, "5.1.1");
  EXPECT_FALSE(receipt->recipients[2].accepted);
  EXPECT_EQ(receipt->recipients[2].reply_code, 451);
  EXPECT_EQ(receipt->recipients[2].enhanced_code, "4.3.0");
  const std::vector<SmtpMessage> stored = server().wait_for_messages(1, kWait);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].rcpt_tos, std::vector<std::string>{"ok@example.test"});
  EXPECT_EQ(stored[0].data.find("busy-box"), std::string::npos) << "Bcc in the headers";

  MailMessage nobody = text_message("reject-1@example.test");
  nobody.to.push_back({"reject-2@example.test", ""});
  Result<MailReceipt> refused = sender->send(call_within(kWait), nobody);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "all_recipients_rejected");
  MailMessage deferred = text_message("reject-1@example.test");
  deferred.to.push_back({"busy-2@example.test", ""});
  Result<MailReceipt> later = sender->send(call_within(kWait), deferred);
  ASSERT_FALSE(later.ok());
  EXPECT_EQ(later.status().reason(), "recipients_deferred");
  EXPECT_TRUE(later.status().retryable());
  // Both were reset on the same connection, which still delivers.
  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  EXPECT_EQ(sender->pool().opened(), 1u);
}

TEST_F(SmtpAiosmtpd, WrongPassword) {
  const std::string wrong = "not-the-Password-42";
  CapturedLog log;
  auto sender = make_sender(
      settings_for(server().port(), server().test_ca().ca_certificate.string(),
                   std::string(R"(,"username":")") + outbound::testing::kSharedSmtpUser +
                       R"(","password":"[REDACTED]")"),
      wrong, &log);
  Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(receipt.status().reason(), "auth_failed");
  EXPECT_FALSE(receipt.status().retryable());
  EXPECT_EQ(receipt.status().provider().reply_code, 535);
  EXPECT_EQ(receipt.status().message().find(wrong), std::string::npos);
  EXPECT_EQ(log.text().find(wrong), std::string::npos) << log.text();
}

TEST_F(SmtpAiosmtpd, ServerRequiresStartTlsAndConfigHasNone) {
  const std::string plain = R"({"host":"127.0.0.1","port":)" + std::to_string(server().port()) +
                            R"(,"tls":"none","allow_plaintext":true)";
  auto anonymous = make_sender(plain + "}");
  Result<MailReceipt> receipt = anonymous->send(call_within(kWait), text_message());
  ASSERT_FALSE(receipt.ok());
  EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(receipt.status().reason(), "access_denied");
  EXPECT_EQ(receipt.status().provider().reply_code, 530);

  // With credentials, the server offers no AUTH before TLS, so none is sent.
  auto with_user =
      make_sender(plain + R"(,"username":"tester","password":"[REDACTED]"})", "test-password-1");
  Result<MailReceipt> refused = with_user->send(call_within(kWait), text_message());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().reason(), "auth_unavailable");
}

TEST_F(SmtpAiosmtpd, CertificateForAnotherHostRejected) {
  const outbound::testing::TestCa& ca = server().test_ca();
  SmtpServerOptions options;
  options.tls_certificate = ca.wrong_host_certificate;
  options.tls_private_key = ca.wrong_host_private_key;
  options.require_tls = true;
  SmtpServer wrong_host(options);
  wrong_host.start();
  for (const char* host : {"127.0.0.1", "localhost"}) {
    SCOPED_TRACE(host);
    auto sender = make_sender(std::string(R"({"host":")") + host + R"(","port":)" +
                              std::to_string(wrong_host.port()) + R"(,"ca_file":")" +
                              ca.ca_certificate.string() + "\"}");
    Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
    ASSERT_FALSE(receipt.ok());
    EXPECT_EQ(receipt.status().code(), StatusCode::kFailedPrecondition) << receipt.status();
    EXPECT_EQ(receipt.status().reason(), "tls_failed") << receipt.status();
  }
  EXPECT_TRUE(wrong_host.messages().empty());
  wrong_host.stop();
}

TEST_F(SmtpAiosmtpd, LoginWithEitherPromptWording) {
  const outbound::testing::TestCa& ca = server().test_ca();
  for (bool stock : {false, true}) {
    SCOPED_TRACE(stock ? "aiosmtpd's prompts" : "Username:/Password:");
    SmtpServerOptions options;
    options.tls_certificate = ca.server_certificate;
    options.tls_private_key = ca.server_private_key;
    options.require_tls = true;
    options.user = "login-user";
    options.password = "login-Password-7";
    options.stock_login_prompts = stock;
    SmtpServer login_server(options);
    login_server.start();
    auto sender = make_sender(
        settings_for(login_server.port(), ca.ca_certificate.string(),
                     R"(,"username":"login-user","password":"[REDACTED]","auth":"login")"),
        "login-Password-7");
    Result<MailReceipt> receipt = sender->send(call_within(kWait), text_message());
    ASSERT_TRUE(receipt.ok()) << receipt.status();
    const std::vector<SmtpMessage> stored = login_server.wait_for_messages(1, kWait);
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].auth_user, std::optional<std::string>("login-user"));
    sender->close();
    login_server.stop();
  }
}

TEST_F(SmtpAiosmtpd, TwentyMessagesOverOneConnection) {
  server().clear_messages();
  auto sender = shared_sender();
  for (int i = 0; i < 20; ++i) {
    Result<MailReceipt> receipt =
        sender->send(call_within(kWait), text_message("rcpt@example.test", std::to_string(i)));
    ASSERT_TRUE(receipt.ok()) << i << ": " << receipt.status();
  }
  const std::vector<SmtpMessage> stored = server().wait_for_messages(20, kWait);
  ASSERT_EQ(stored.size(), 20u);
  std::set<int> ports;
  for (const SmtpMessage& message : stored) ports.insert(message.peer_port);
  EXPECT_EQ(ports.size(), 1u);
  EXPECT_EQ(sender->pool().opened(), 1u);
  EXPECT_EQ(sender->pool().reused(), 19u);
}

TEST_F(SmtpAiosmtpd, IdleConnectionProbedBeforeReuse) {
  server().clear_messages();
  CapturedLog log;
  auto sender = shared_sender(R"(,"pool":{"idle_ms":100})", &log);
  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  const std::vector<SmtpMessage> stored = server().wait_for_messages(2, kWait);
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].peer_port, stored[1].peer_port);
  EXPECT_NE(log.text().find("> NOOP"), std::string::npos) << log.text();
}

TEST_F(SmtpAiosmtpd, MessagesPerConnectionCap) {
  server().clear_messages();
  auto sender = shared_sender(R"(,"pool":{"max_messages_per_connection":3})");
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok()) << i;
  }
  const std::vector<SmtpMessage> stored = server().wait_for_messages(7, kWait);
  ASSERT_EQ(stored.size(), 7u);
  std::vector<int> ports;
  for (const SmtpMessage& message : stored) ports.push_back(message.peer_port);
  EXPECT_EQ(ports[0], ports[2]);
  EXPECT_NE(ports[2], ports[3]);
  EXPECT_EQ(ports[3], ports[5]);
  EXPECT_NE(ports[5], ports[6]);
  EXPECT_EQ(sender->pool().opened(), 3u);
}

TEST_F(SmtpAiosmtpd, ConcurrentSendsShareTheCappedPool) {
  server().clear_messages();
  auto sender = shared_sender(R"(,"pool":{"max_connections":2})");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 5; ++i) {
        if (!sender->send(call_within(kWait), text_message()).ok()) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  const std::vector<SmtpMessage> stored = server().wait_for_messages(20, kWait);
  ASSERT_EQ(stored.size(), 20u);
  std::set<int> ports;
  for (const SmtpMessage& message : stored) ports.insert(message.peer_port);
  EXPECT_LE(ports.size(), 2u);
  EXPECT_LE(sender->pool().opened(), 2u);
}

TEST_F(SmtpAiosmtpd, HealthCheck) {
  auto sender = shared_sender();
  EXPECT_TRUE(sender->health_check(call_within(kWait)).ok());
  ASSERT_TRUE(sender->send(call_within(kWait), text_message()).ok());
  // Now a pooled connection is probed instead.
  EXPECT_TRUE(sender->health_check(call_within(kWait)).ok());
  EXPECT_EQ(sender->pool().opened(), 2u);
}

TEST_F(SmtpAiosmtpd, ThroughTheHost) {
  server().clear_messages();
  outbound::testing::TempDir folder;
  outbound::testing::write_file(folder / "smtp-password", outbound::testing::kSharedSmtpPassword);
  const std::string config =
      R"({"plugin_dirs":[")" + std::string(OUTBOUND_PLUGIN_DIR) +
      R"("],"clients":{"mail":{"plugin":"smtp","settings":{"host":"127.0.0.1","port":)" +
      std::to_string(server().port()) + R"(,"ca_file":")" +
      server().test_ca().ca_certificate.string() + R"(","username":")" +
      outbound::testing::kSharedSmtpUser + R"(","password":"${file:smtp-password}"}}}})";
  outbound::testing::write_file(folder / "config.json", config);
  HostOptions options;
  options.config_file = (folder / "config.json").string();
  Result<std::unique_ptr<Host>> host = Host::open(std::move(options));
  ASSERT_TRUE(host.ok()) << host.status();
  Result<std::shared_ptr<MailSender>> mail = (*host)->mail();
  ASSERT_TRUE(mail.ok()) << mail.status();
  EXPECT_EQ((*mail)->plugin_name(), "smtp");
  Result<MailReceipt> receipt = (*mail)->send(CallContext{}, text_message());
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  const std::vector<SmtpMessage> stored = server().wait_for_messages(1, kWait);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].auth_user, std::optional<std::string>(outbound::testing::kSharedSmtpUser));
}

}  // namespace
}  // namespace outbound::smtp

namespace outbound::smtp {
namespace {

// The same client "mail" configured first with smtp and then with file-mail, in two files that
// differ only in that client's entry: with a fixed clock and one request id, the server stores
// exactly the bytes that file-mail writes. Switching the plugin is a configuration change, and
// recipients get the same message either way.
TEST_F(SmtpAiosmtpd, SwitchingToFileMailKeepsTheBytes) {
  server().clear_messages();
  outbound::testing::TempDir folder;
  outbound::testing::write_file(folder / "smtp-password", outbound::testing::kSharedSmtpPassword);
  const std::string smtp_client = R"({"plugin":"smtp","settings":{"host":"127.0.0.1","port":)" +
                                  std::to_string(server().port()) + R"(,"ca_file":")" +
                                  server().test_ca().ca_certificate.string() + R"(","username":")" +
                                  outbound::testing::kSharedSmtpUser +
                                  R"(","password":"${file:smtp-password}"}})";
  const std::string file_client = R"({"plugin":"file-mail","settings":{"directory":"outbox"}})";
  const auto config_with = [&](const std::string& client) {
    return R"({"plugin_dirs":[")" + std::string(OUTBOUND_PLUGIN_DIR) + R"("],"clients":{"mail":)" +
           client + "}}";
  };
  outbound::testing::write_file(folder / "smtp.json", config_with(smtp_client));
  outbound::testing::write_file(folder / "files.json", config_with(file_client));

  MailMessage message = text_message("alice@example.test", "Hi.\n.leading dot\n");
  message.subject = "Grüße";
  message.html_body = "<p>Hi.</p>";
  message.attachments = {{"report.csv", "", "a,b\r\n1,2\r\n", ""}};
  CallContext context;
  context.request_id = "same-request";
  for (const char* config : {"smtp.json", "files.json"}) {
    HostOptions options;
    options.config_file = (folder / config).string();
    options.clock = std::make_shared<FixedClock>(kDate);
    Result<std::unique_ptr<Host>> host = Host::open(std::move(options));
    ASSERT_TRUE(host.ok()) << config << ": " << host.status();
    Result<std::shared_ptr<MailSender>> mail = (*host)->mail("mail");
    ASSERT_TRUE(mail.ok()) << mail.status();
    Result<MailReceipt> receipt = (*mail)->send(context, message);
    ASSERT_TRUE(receipt.ok()) << config << ": " << receipt.status();
  }

  const std::vector<SmtpMessage> stored = server().wait_for_messages(1, kWait);
  ASSERT_EQ(stored.size(), 1u);
  std::string written;
  for (const auto& entry : std::filesystem::directory_iterator(folder / "outbox")) {
    if (entry.path().extension() == ".eml") written = outbound::testing::read_file(entry.path());
  }
  ASSERT_FALSE(written.empty());
  EXPECT_EQ(stored[0].data, written);
}

}  // namespace
}  // namespace outbound::smtp
