#include "smtp_server.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <gtest/gtest.h>

#include "peer_probes.h"
#include "test_ca.h"
#include "test_support.h"

namespace {

using outbound::testing::SmtpImplementation;
using outbound::testing::SmtpMessage;
using outbound::testing::SmtpReply;
using outbound::testing::SmtpServer;
using outbound::testing::SmtpServerOptions;
using outbound::testing::SmtpTestClient;
using outbound::testing::TempDir;
using outbound::testing::TestCa;

constexpr auto kWait = std::chrono::seconds(10);
constexpr const char* kUser = "alice";
constexpr const char* kPassword = "correct horse";

std::string base64(const std::string& text) {
  std::ostringstream encoded;
  Poco::Base64Encoder encoder(encoded);
  encoder.rdbuf()->setLineLength(0);
  encoder << text;
  encoder.close();
  return encoded.str();
}

std::string unbase64(const std::string& text) {
  std::istringstream input(text);
  Poco::Base64Decoder decoder(input);
  std::string decoded;
  char c = 0;
  while (decoder.get(c)) decoded += c;
  return decoded;
}

const TestCa& test_ca() {
  static TempDir folder;
  static const TestCa ca = outbound::testing::make_test_ca(folder.path());
  return ca;
}

// The server configurations that the tests share. Each starts once per implementation.
enum class Configuration {
  // Plain text, no AUTH, SMTPUTF8 advertised.
  kOpen,
  // STARTTLS required, AUTH with the standard LOGIN prompts, "reject" and "busy" recipients.
  kSecure,
  // Plain text with AUTH in clear text and the implementation's own LOGIN prompts.
  kStockPrompts,
  // Implicit TLS, AUTH with custom LOGIN prompts, SMTPUTF8 not advertised.
  kImplicit,
};

SmtpServerOptions options_for(SmtpImplementation implementation, Configuration configuration) {
  SmtpServerOptions options;
  options.implementation = implementation;
  if (configuration == Configuration::kSecure || configuration == Configuration::kImplicit) {
    options.tls_certificate = test_ca().server_certificate;
    options.tls_private_key = test_ca().server_private_key;
  }
  if (configuration != Configuration::kOpen) {
    options.user = kUser;
    options.password = kPassword;
  }
  switch (configuration) {
    case Configuration::kOpen:
      options.smtputf8 = true;
      break;
    case Configuration::kSecure:
      options.require_tls = true;
      options.reject_rcpt = "reject";
      options.tempfail_rcpt = "busy";
      break;
    case Configuration::kStockPrompts:
      options.stock_login_prompts = true;
      break;
    case Configuration::kImplicit:
      options.implicit_tls = true;
      options.login_username_prompt = "Who goes there?";
      options.login_password_prompt = "Secret word?";
      break;
  }
  return options;
}

// Returns the running server of `configuration` for `implementation`, with no stored messages.
SmtpServer& shared(SmtpImplementation implementation, Configuration configuration) {
  static std::map<std::pair<SmtpImplementation, Configuration>, std::unique_ptr<SmtpServer>>
      servers;
  std::unique_ptr<SmtpServer>& server = servers[{implementation, configuration}];
  if (!server) {
    auto started = std::make_unique<SmtpServer>(options_for(implementation, configuration));
    started->start();
    server = std::move(started);
  }
  server->clear_messages();
  return *server;
}

bool lists(const SmtpReply& reply, const std::string& keyword) {
  return std::any_of(reply.lines.begin(), reply.lines.end(),
                     [&](const std::string& line) { return line.rfind(keyword, 0) == 0; });
}

class SmtpServerTest : public ::testing::TestWithParam<SmtpImplementation> {
 protected:
  SmtpImplementation implementation() const { return GetParam(); }
  SmtpServer& server(Configuration configuration) {
    return shared(implementation(), configuration);
  }

  // Connects, reads the greeting and sends EHLO; returns the EHLO reply.
  static SmtpReply greet(SmtpTestClient& client) {
    const SmtpReply greeting = client.read_reply();
    EXPECT_EQ(greeting.code, 220) << greeting.raw;
    const SmtpReply ehlo = client.command("EHLO client.test");
    EXPECT_EQ(ehlo.code, 250) << ehlo.raw;
    return ehlo;
  }

  // Runs STARTTLS with the test CA and EHLO again; returns the second EHLO reply.
  static SmtpReply start_tls(SmtpTestClient& client) {
    const SmtpReply ready = client.command("STARTTLS");
    EXPECT_EQ(ready.code, 220) << ready.raw;
    client.start_tls(test_ca().ca_certificate);
    const SmtpReply ehlo = client.command("EHLO client.test");
    EXPECT_EQ(ehlo.code, 250) << ehlo.raw;
    return ehlo;
  }

  static SmtpReply auth_plain(SmtpTestClient& client, const std::string& user,
                              const std::string& password) {
    return client.command("AUTH PLAIN " + base64(std::string(1, '\0') + user + '\0' + password));
  }

  struct LoginExchange {
    std::string username_prompt;
    std::string password_prompt;
    SmtpReply result;
  };

  static LoginExchange auth_login(SmtpTestClient& client) {
    LoginExchange exchange;
    const SmtpReply first = client.command("AUTH LOGIN");
    EXPECT_EQ(first.code, 334) << first.raw;
    exchange.username_prompt = unbase64(first.lines.at(0));
    const SmtpReply second = client.command(base64(kUser));
    EXPECT_EQ(second.code, 334) << second.raw;
    exchange.password_prompt = unbase64(second.lines.at(0));
    exchange.result = client.command(base64(kPassword));
    return exchange;
  }

  // Runs AUTH LOGIN as kUser and checks the two prompts and the final 235.
  static void expect_login_prompts(SmtpTestClient& client, const std::string& username_prompt,
                                   const std::string& password_prompt) {
    const LoginExchange login = auth_login(client);
    EXPECT_EQ(login.username_prompt, username_prompt);
    EXPECT_EQ(login.password_prompt, password_prompt);
    EXPECT_EQ(login.result.code, 235) << login.result.raw;
  }

  // Sends DATA, `data` and the terminating dot; returns the final reply.
  static SmtpReply send_data(SmtpTestClient& client, const std::string& data) {
    const SmtpReply go_ahead = client.command("DATA");
    EXPECT_EQ(go_ahead.code, 354) << go_ahead.raw;
    client.send(data + ".\r\n");
    return client.read_reply();
  }

  // Sends a message from sender@example.test to rcpt@example.test with the subject `subject`,
  // expecting 250 to MAIL, RCPT and the end of DATA.
  static void send_message(SmtpTestClient& client, const std::string& subject) {
    EXPECT_EQ(client.command("MAIL FROM:<sender@example.test>").code, 250);
    EXPECT_EQ(client.command("RCPT TO:<rcpt@example.test>").code, 250);
    EXPECT_EQ(send_data(client, "Subject: " + subject + "\r\n\r\nbody\r\n").code, 250);
  }

  // Waits for the one message that `smtp` should store and checks that it arrived over TLS
  // from kUser.
  static void expect_one_secure_message(SmtpServer& smtp) {
    const std::vector<SmtpMessage> messages = smtp.wait_for_messages(1, kWait);
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_TRUE(messages[0].tls);
    EXPECT_EQ(messages[0].auth_user, kUser);
  }
};

TEST_P(SmtpServerTest, DeliversMessageWithEnvelope) {
  SmtpServer& smtp = server(Configuration::kOpen);
  SmtpTestClient client(smtp.port());
  greet(client);
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test> BODY=8BITMIME").code, 250);
  EXPECT_EQ(client.command("RCPT TO:<first@example.test>").code, 250);
  EXPECT_EQ(client.command("RCPT TO:<second@example.test>").code, 250);
  // The second body line is dot-stuffed on the wire, and the server stores it unstuffed.
  const SmtpReply stored =
      send_data(client, "Subject: hello\r\n\r\n..leading dot\r\nlast line\r\n");
  EXPECT_EQ(stored.code, 250) << stored.raw;
  EXPECT_EQ(client.command("QUIT").code, 221);

  const std::vector<SmtpMessage> messages = smtp.wait_for_messages(1, kWait);
  ASSERT_EQ(messages.size(), 1u);
  const SmtpMessage& message = messages[0];
  EXPECT_EQ(message.data, "Subject: hello\r\n\r\n.leading dot\r\nlast line\r\n");
  EXPECT_EQ(message.size, message.data.size());
  EXPECT_EQ(message.mail_from, "sender@example.test");
  EXPECT_EQ(message.rcpt_tos,
            (std::vector<std::string>{"first@example.test", "second@example.test"}));
  EXPECT_EQ(message.mail_options, std::vector<std::string>{"BODY=8BITMIME"});
  EXPECT_EQ(message.rcpt_options, (std::vector<std::vector<std::string>>{{}, {}}));
  EXPECT_EQ(message.auth_user, std::nullopt);
  EXPECT_FALSE(message.tls);
  EXPECT_EQ(message.peer_address, "127.0.0.1");
  EXPECT_GT(message.peer_port, 0);
  EXPECT_EQ(message.name.size(), 4u);
  ASSERT_FALSE(stored.lines.empty());
  EXPECT_NE(stored.lines.back().find("stored " + message.name), std::string::npos) << stored.raw;
}

TEST_P(SmtpServerTest, StoresMessagesInArrivalOrder) {
  SmtpServer& smtp = server(Configuration::kOpen);
  SmtpTestClient client(smtp.port());
  greet(client);
  for (const char* subject : {"one", "two"}) {
    SCOPED_TRACE(subject);
    send_message(client, subject);
    EXPECT_EQ(client.command("RSET").code, 250);
  }

  const std::vector<SmtpMessage> messages = smtp.wait_for_messages(2, kWait);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_LT(messages[0].name, messages[1].name);
  EXPECT_EQ(messages[0].data, "Subject: one\r\n\r\nbody\r\n");
  EXPECT_EQ(messages[1].data, "Subject: two\r\n\r\nbody\r\n");

  // A wait for more than arrived ends at its timeout with what is there.
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(smtp.wait_for_messages(3, std::chrono::milliseconds(200)).size(), 2u);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  smtp.clear_messages();
  EXPECT_TRUE(smtp.messages().empty());
}

TEST_P(SmtpServerTest, RequiresStartTlsBeforeMailAndAuth) {
  SmtpServer& smtp = server(Configuration::kSecure);
  SmtpTestClient client(smtp.port());
  const SmtpReply plain_ehlo = greet(client);
  EXPECT_TRUE(lists(plain_ehlo, "STARTTLS")) << plain_ehlo.raw;
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test>").code, 530);
  // aiosmtpd refuses every command before STARTTLS with 530; smtp-server refuses AUTH with 538.
  const SmtpReply early_auth = auth_plain(client, kUser, kPassword);
  EXPECT_EQ(early_auth.code, implementation() == SmtpImplementation::kAiosmtpd ? 530 : 538)
      << early_auth.raw;

  const SmtpReply secure_ehlo = start_tls(client);
  EXPECT_FALSE(lists(secure_ehlo, "STARTTLS")) << secure_ehlo.raw;
  EXPECT_TRUE(lists(secure_ehlo, "AUTH")) << secure_ehlo.raw;
  EXPECT_NE(secure_ehlo.raw.find("PLAIN"), std::string::npos) << secure_ehlo.raw;
  EXPECT_NE(secure_ehlo.raw.find("LOGIN"), std::string::npos) << secure_ehlo.raw;
}

TEST_P(SmtpServerTest, AuthPlainChecksPassword) {
  SmtpServer& smtp = server(Configuration::kSecure);
  SmtpTestClient client(smtp.port());
  greet(client);
  start_tls(client);
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test>").code, 530);
  EXPECT_EQ(auth_plain(client, kUser, "wrong password").code, 535);
  EXPECT_EQ(auth_plain(client, kUser, kPassword).code, 235);
  send_message(client, "secure");

  expect_one_secure_message(smtp);
}

TEST_P(SmtpServerTest, AuthLoginSendsStandardPrompts) {
  SmtpServer& smtp = server(Configuration::kSecure);
  SmtpTestClient client(smtp.port());
  greet(client);
  start_tls(client);
  expect_login_prompts(client, "Username:", "Password:");
}

TEST_P(SmtpServerTest, AuthLoginSendsStockPrompts) {
  SmtpServer& smtp = server(Configuration::kStockPrompts);
  SmtpTestClient client(smtp.port());
  greet(client);
  if (implementation() == SmtpImplementation::kAiosmtpd) {
    expect_login_prompts(client, std::string("User Name\0", 10), std::string("Password\0", 9));
  } else {
    expect_login_prompts(client, "Username:", "Password:");
  }
}

TEST_P(SmtpServerTest, AuthLoginSendsCustomPrompts) {
  SmtpServer& smtp = server(Configuration::kImplicit);
  SmtpTestClient client(smtp.port(), kWait, test_ca().ca_certificate);
  greet(client);
  expect_login_prompts(client, "Who goes there?", "Secret word?");
}

TEST_P(SmtpServerTest, RejectsAndTempfailsRecipients) {
  SmtpServer& smtp = server(Configuration::kSecure);
  SmtpTestClient client(smtp.port());
  greet(client);
  start_tls(client);
  ASSERT_EQ(auth_plain(client, kUser, kPassword).code, 235);
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test>").code, 250);
  const SmtpReply rejected = client.command("RCPT TO:<reject-me@example.test>");
  EXPECT_EQ(rejected.code, 550);
  EXPECT_NE(rejected.raw.find("5.1.1"), std::string::npos) << rejected.raw;
  const SmtpReply deferred = client.command("RCPT TO:<busy-box@example.test>");
  EXPECT_EQ(deferred.code, 451);
  EXPECT_NE(deferred.raw.find("4.3.0"), std::string::npos) << deferred.raw;
  EXPECT_EQ(client.command("RCPT TO:<ok@example.test>").code, 250);
  EXPECT_EQ(send_data(client, "Subject: partial\r\n\r\nbody\r\n").code, 250);

  const std::vector<SmtpMessage> messages = smtp.wait_for_messages(1, kWait);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].rcpt_tos, std::vector<std::string>{"ok@example.test"});
}

TEST_P(SmtpServerTest, ImplicitTlsDelivers) {
  SmtpServer& smtp = server(Configuration::kImplicit);
  SmtpTestClient client(smtp.port(), kWait, test_ca().ca_certificate);
  const SmtpReply ehlo = greet(client);
  EXPECT_FALSE(lists(ehlo, "STARTTLS")) << ehlo.raw;
  EXPECT_TRUE(lists(ehlo, "AUTH")) << ehlo.raw;
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test>").code, 530);
  ASSERT_EQ(auth_plain(client, kUser, kPassword).code, 235);
  send_message(client, "implicit");

  expect_one_secure_message(smtp);
}

TEST_P(SmtpServerTest, AcceptsSmtpUtf8WhenEnabled) {
  SmtpServer& smtp = server(Configuration::kOpen);
  SmtpTestClient client(smtp.port());
  const SmtpReply ehlo = greet(client);
  EXPECT_TRUE(lists(ehlo, "SMTPUTF8")) << ehlo.raw;
  EXPECT_EQ(client.command("MAIL FROM:<jörg@example.test> SMTPUTF8").code, 250);
  EXPECT_EQ(client.command("RCPT TO:<zoë@example.test>").code, 250);
  EXPECT_EQ(send_data(client, "Subject: utf-8\r\n\r\nbody\r\n").code, 250);

  const std::vector<SmtpMessage> messages = smtp.wait_for_messages(1, kWait);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0].mail_from, "jörg@example.test");
  EXPECT_EQ(messages[0].rcpt_tos, std::vector<std::string>{"zoë@example.test"});
  EXPECT_EQ(messages[0].mail_options, std::vector<std::string>{"SMTPUTF8"});
}

TEST_P(SmtpServerTest, RefusesSmtpUtf8WhenDisabled) {
  SmtpServer& smtp = server(Configuration::kImplicit);
  SmtpTestClient client(smtp.port(), kWait, test_ca().ca_certificate);
  const SmtpReply ehlo = greet(client);
  EXPECT_FALSE(lists(ehlo, "SMTPUTF8")) << ehlo.raw;
  ASSERT_EQ(auth_plain(client, kUser, kPassword).code, 235);
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test> SMTPUTF8").code, 501);
}

TEST_P(SmtpServerTest, ListensOnLoopbackOnly) {
  outbound::testing::expect_loopback_only(server(Configuration::kOpen).port());
}

TEST_P(SmtpServerTest, StopLeavesNoProcess) {
  SmtpServerOptions options;
  options.implementation = implementation();
  SmtpServer smtp(options);
  ASSERT_NO_THROW(smtp.start());
  const pid_t pid = smtp.pid();
  const int port = smtp.port();
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(outbound::testing::process_exists(pid));
  {
    // An open connection must not hold the server up.
    SmtpTestClient client(port);
    EXPECT_EQ(client.read_reply().code, 220);
    smtp.stop();
  }
  outbound::testing::expect_stopped(smtp, pid, port);
}

TEST_P(SmtpServerTest, ExitsWithZeroOnSigterm) {
  TempDir folder;
  const std::string script = implementation() == SmtpImplementation::kAiosmtpd
                                 ? OUTBOUND_SMTP_SERVER_SCRIPT
                                 : OUTBOUND_SMTP_NODE_SERVER_SCRIPT;
  const std::string interpreter = implementation() == SmtpImplementation::kAiosmtpd
                                      ? std::string("/usr/bin/python3")
                                      : outbound::testing::find_on_path("node");
  ASSERT_FALSE(interpreter.empty()) << "node not found on PATH";
  const std::vector<std::string> environment =
      outbound::testing::child_environment({{"NODE_PATH", OUTBOUND_SMTP_NODE_MODULES}});
  const pid_t pid = outbound::testing::spawn_logged(
      {interpreter, script, "--port", "0", "--outdir", (folder / "messages").string()},
      &environment, folder / "server.log", "ExitsWithZeroOnSigterm");
  int port = 0;
  const auto deadline = std::chrono::steady_clock::now() + kWait;
  while (port == 0 && std::chrono::steady_clock::now() < deadline) {
    const std::string output = outbound::testing::read_file(folder / "server.log");
    const auto ready = output.find("READY ");
    if (ready != std::string::npos && output.find('\n', ready) != std::string::npos) {
      port = std::stoi(output.substr(ready + 6));
    } else {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ASSERT_GT(port, 0) << outbound::testing::log_tail(folder / "server.log");

  SmtpTestClient client(port);
  EXPECT_EQ(client.read_reply().code, 220);
  ASSERT_EQ(kill(pid, SIGTERM), 0);
  int status = -1;
  pid_t done = 0;
  const auto stop_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 &&
         std::chrono::steady_clock::now() < stop_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (done != pid) {
    outbound::testing::stop_child(pid, std::chrono::seconds(1), "ExitsWithZeroOnSigterm",
                                  interpreter);
    FAIL() << "the server did not exit within 5 s of SIGTERM";
  }
  EXPECT_TRUE(WIFEXITED(status)) << outbound::testing::describe_exit(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << outbound::testing::log_tail(folder / "server.log");
}

TEST_P(SmtpServerTest, TakenPortIsReported) {
  const int taken = server(Configuration::kOpen).port();
  SmtpServerOptions options;
  options.implementation = implementation();
  options.port = taken;
  SmtpServer second(options);
  const std::string message = outbound::testing::start_error(second, "on a port in use");
  EXPECT_NE(message.find("port " + std::to_string(taken) + " on 127.0.0.1 is already in use"),
            std::string::npos)
      << message;
  EXPECT_FALSE(second.running());
}

INSTANTIATE_TEST_SUITE_P(Implementations, SmtpServerTest,
                         ::testing::Values(SmtpImplementation::kAiosmtpd,
                                           SmtpImplementation::kSmtpServer),
                         [](const ::testing::TestParamInfo<SmtpImplementation>& info) {
                           return info.param == SmtpImplementation::kAiosmtpd ? "aiosmtpd"
                                                                              : "smtp_server";
                         });

TEST(SmtpServer, MissingNpmPackageNamesSetup) {
  TempDir empty_modules;
  SmtpServerOptions options;
  options.implementation = SmtpImplementation::kSmtpServer;
  options.node_modules = empty_modules.path();
  SmtpServer smtp(options);
  const std::string message = outbound::testing::start_error(smtp, "without the npm package");
  EXPECT_NE(message.find("exited with status 2"), std::string::npos) << message;
  EXPECT_NE(message.find("cannot load the npm package smtp-server"), std::string::npos) << message;
  EXPECT_NE(message.find("scripts/setup.sh"), std::string::npos) << message;
  EXPECT_FALSE(smtp.running());
}

TEST(SmtpServer, TlsOptionsNeedCertificate) {
  for (const bool implicit : {false, true}) {
    SCOPED_TRACE(implicit ? "implicit_tls" : "require_tls");
    SmtpServerOptions options;
    options.require_tls = !implicit;
    options.implicit_tls = implicit;
    SmtpServer smtp(options);
    EXPECT_THROW(smtp.start(), std::runtime_error);
    EXPECT_FALSE(smtp.running());
  }
}

TEST(SmtpServer, SharedServerUsesItsTestCa) {
  outbound::testing::SharedSmtpServer* shared = nullptr;
  ASSERT_NO_THROW(shared = &outbound::testing::shared_smtp_server());
  shared->clear_messages();
  SmtpTestClient client(shared->port());
  EXPECT_EQ(client.read_reply().code, 220);
  EXPECT_EQ(client.command("EHLO client.test").code, 250);
  EXPECT_EQ(client.command("STARTTLS").code, 220);
  ASSERT_NO_THROW(client.start_tls(shared->test_ca().ca_certificate));
  EXPECT_EQ(client.command("EHLO client.test").code, 250);
  const std::string credentials = std::string(1, '\0') + outbound::testing::kSharedSmtpUser + '\0' +
                                  outbound::testing::kSharedSmtpPassword;
  EXPECT_EQ(client.command("AUTH PLAIN " + base64(credentials)).code, 235);
  EXPECT_EQ(client.command("MAIL FROM:<sender@example.test>").code, 250);
  EXPECT_EQ(client
                .command(std::string("RCPT TO:<") + outbound::testing::kSharedSmtpRejectText +
                         "@example.test>")
                .code,
            550);
  EXPECT_EQ(client
                .command(std::string("RCPT TO:<") + outbound::testing::kSharedSmtpTempfailText +
                         "@example.test>")
                .code,
            451);
}

}  // namespace
