// The smtp plugin against a second server implementation, nodemailer's smtp-server 3.21.6 on
// node, with STARTTLS and AUTH: the same sessions that aiosmtpd accepts.

#include <chrono>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "mail/message.h"
#include "sender_fixture.h"
#include "smtp_server.h"
#include "test_ca.h"
#include "test_support.h"

namespace outbound::smtp {
namespace {

using outbound::testing::SmtpImplementation;
using outbound::testing::SmtpMessage;
using outbound::testing::SmtpServer;
using outbound::testing::SmtpServerOptions;
using std::chrono::milliseconds;
using testing::call_within;
using testing::FixedClock;
using testing::make_sender;
using testing::text_message;

constexpr milliseconds kWait{10000};
constexpr const char* kUser = "interop";
constexpr const char* kPassword = "interop-Password-9";
const std::chrono::system_clock::time_point kDate =
    std::chrono::system_clock::from_time_t(1714979289);

class SmtpInterop : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    folder_ = new outbound::testing::TempDir();
    ca_ = new outbound::testing::TestCa(outbound::testing::make_test_ca(folder_->path()));
    SmtpServerOptions options;
    options.implementation = SmtpImplementation::kSmtpServer;
    options.tls_certificate = ca_->server_certificate;
    options.tls_private_key = ca_->server_private_key;
    options.require_tls = true;
    options.user = kUser;
    options.password = kPassword;
    options.reject_rcpt = "reject";
    options.tempfail_rcpt = "busy";
    server_ = new SmtpServer(options);
    server_->start();
  }

  static void TearDownTestSuite() {
    delete server_;
    delete ca_;
    delete folder_;
  }

  std::unique_ptr<SmtpSender> sender(const std::string& auth = "auto") {
    return make_sender(R"({"host":"localhost","port":)" + std::to_string(server_->port()) +
                           R"(,"helo_name":"client.test","ca_file":")" +
                           ca_->ca_certificate.string() + R"(","username":")" + kUser +
                           R"(","password":"[REDACTED]","auth":")" + auth + "\"}",
                       kPassword, nullptr, std::make_shared<FixedClock>(kDate));
  }

  static outbound::testing::TempDir* folder_;
  static outbound::testing::TestCa* ca_;
  static SmtpServer* server_;
};

outbound::testing::TempDir* SmtpInterop::folder_ = nullptr;
outbound::testing::TestCa* SmtpInterop::ca_ = nullptr;
SmtpServer* SmtpInterop::server_ = nullptr;

TEST_F(SmtpInterop, SameBytesAsBuilt) {
  server_->clear_messages();
  MailMessage message = text_message("rcpt@example.test", "Grüße\n.\n..dots\n");
  message.html_body = "<p>Grüße</p>";
  message.attachments.push_back({"data.bin", "", std::string("\0\x01\xfe\xff", 4), ""});
  Result<MailReceipt> receipt = sender()->send(call_within(kWait), message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  const std::vector<SmtpMessage> stored = server_->wait_for_messages(1, kWait);
  ASSERT_EQ(stored.size(), 1u) << server_->output_tail();
  mail::BuildOptions options;
  options.date = kDate;
  options.allow_utf8_addresses = true;
  Result<mail::BuiltMessage> built = mail::build_message(message, options);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_EQ(stored[0].data, built->bytes);
  EXPECT_TRUE(stored[0].tls);
  EXPECT_EQ(stored[0].auth_user, std::optional<std::string>(kUser));
}

TEST_F(SmtpInterop, PlainAndLogin) {
  for (const char* mechanism : {"plain", "login"}) {
    SCOPED_TRACE(mechanism);
    server_->clear_messages();
    Result<MailReceipt> receipt = sender(mechanism)->send(call_within(kWait), text_message());
    ASSERT_TRUE(receipt.ok()) << receipt.status();
    EXPECT_EQ(server_->wait_for_messages(1, kWait).size(), 1u);
  }
}

TEST_F(SmtpInterop, PartialRejectionAndWrongPassword) {
  server_->clear_messages();
  MailMessage message = text_message("ok@example.test");
  message.cc.push_back({"reject@example.test", ""});
  message.bcc.push_back({"busy@example.test", ""});
  Result<MailReceipt> receipt = sender()->send(call_within(kWait), message);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  ASSERT_EQ(receipt->recipients.size(), 3u);
  EXPECT_TRUE(receipt->recipients[0].accepted);
  EXPECT_EQ(receipt->recipients[1].reply_code, 550);
  EXPECT_EQ(receipt->recipients[2].reply_code, 451);

  auto wrong = make_sender(R"({"host":"localhost","port":)" + std::to_string(server_->port()) +
                               R"(,"ca_file":")" + ca_->ca_certificate.string() +
                               R"(","username":"interop","password":"[REDACTED]"})",
                           "wrong-Password-0");
  Result<MailReceipt> refused = wrong->send(call_within(kWait), text_message());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(refused.status().reason(), "auth_failed");
}

TEST_F(SmtpInterop, ReusesOneConnection) {
  server_->clear_messages();
  auto pooled = sender();
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(pooled->send(call_within(kWait), text_message()).ok()) << i;
  }
  const std::vector<SmtpMessage> stored = server_->wait_for_messages(5, kWait);
  ASSERT_EQ(stored.size(), 5u);
  std::set<int> ports;
  for (const SmtpMessage& message : stored) ports.insert(message.peer_port);
  EXPECT_EQ(ports.size(), 1u);
  pooled->close();
}

}  // namespace
}  // namespace outbound::smtp
