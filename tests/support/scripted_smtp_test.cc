#include "scripted_smtp.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "smtp_server.h"
#include "test_ca.h"
#include "test_support.h"

namespace {

using outbound::testing::ScriptedConnection;
using outbound::testing::ScriptedSmtpServer;
using outbound::testing::ScriptedSmtpServerOptions;
using outbound::testing::SmtpReply;
using outbound::testing::SmtpScript;
using outbound::testing::SmtpTestClient;
using outbound::testing::TempDir;
using outbound::testing::TestCa;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = std::chrono::seconds(5);

// Returns the only connection's record once the server has closed it, or fails the test.
ScriptedConnection closed_connection(const ScriptedSmtpServer& server) {
  EXPECT_TRUE(server.wait_for_closed_connections(1, kWait));
  const std::vector<ScriptedConnection> connections = server.connections();
  if (connections.size() != 1) {
    ADD_FAILURE() << "expected 1 connection, got " << connections.size();
    return {};
  }
  return connections[0];
}

// A test CA shared by the tests of this file, made on first use.
const TestCa& test_ca() {
  static TempDir folder;
  static const TestCa ca = outbound::testing::make_test_ca(folder.path());
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

TEST(ScriptedSmtpServer, RunsScriptAndRecordsCommands) {
  ScriptedSmtpServer server({SmtpScript()
                                 .greet()
                                 .exchange("EHLO", "250-scripted.test\r\n250 8BITMIME\r\n")
                                 .exchange("QUIT", "221 bye\r\n")});
  server.start();
  ASSERT_GT(server.port(), 0);

  SmtpTestClient client(server.port());
  const SmtpReply greeting = client.read_reply();
  EXPECT_EQ(greeting.code, 220);
  EXPECT_EQ(greeting.raw, "220 scripted.test ESMTP ready\r\n");
  const SmtpReply ehlo = client.command("EHLO client.test");
  EXPECT_EQ(ehlo.code, 250);
  EXPECT_EQ(ehlo.lines, (std::vector<std::string>{"scripted.test", "8BITMIME"}));
  EXPECT_EQ(client.command("QUIT").code, 221);
  EXPECT_EQ(client.read_to_eof(), "");

  const ScriptedConnection record = closed_connection(server);
  EXPECT_EQ(record.received, "EHLO client.test\r\nQUIT\r\n");
  EXPECT_EQ(record.lines, (std::vector<std::string>{"EHLO client.test", "QUIT"}));
  EXPECT_TRUE(record.script_completed);
  EXPECT_EQ(record.steps_done, 5u);
  EXPECT_TRUE(record.error.empty()) << record.error;
  EXPECT_EQ(record.tls_offset, std::string::npos);
}

TEST(ScriptedSmtpServer, ExpectLineComparesPrefixIgnoringCase) {
  ScriptedSmtpServer server({SmtpScript().greet().exchange("EHLO", "250 ok\r\n")});
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  EXPECT_EQ(client.command("ehlo lower.test").code, 250);
  EXPECT_TRUE(closed_connection(server).script_completed);
}

TEST(ScriptedSmtpServer, UnexpectedLineStopsScript) {
  ScriptedSmtpServer server({SmtpScript().greet().exchange("EHLO", "250 ok\r\n")});
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  client.send("HELO old.test\r\n");
  // The server sends no reply and closes.
  EXPECT_EQ(client.read_to_eof(), "");

  const ScriptedConnection record = closed_connection(server);
  EXPECT_FALSE(record.script_completed);
  EXPECT_EQ(record.steps_done, 1u);
  EXPECT_EQ(record.lines, std::vector<std::string>{"HELO old.test"});
  EXPECT_NE(record.error.find("step 2 of 3, expect_line \"EHLO\""), std::string::npos)
      << record.error;
  EXPECT_NE(record.error.find("does not start with"), std::string::npos) << record.error;
}

TEST(ScriptedSmtpServer, ReadUntilCapturesDataExactly) {
  const std::string data = "Subject: t\r\n\r\nline\n.\nbare\r..stuffed\r\n.\r\n";
  ScriptedSmtpServer server({SmtpScript()
                                 .greet()
                                 .exchange("DATA", "354 go\r\n")
                                 .read_until("\r\n.\r\n")
                                 .send("250 queued\r\n")});
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  EXPECT_EQ(client.command("DATA").code, 354);
  client.send(data);
  EXPECT_EQ(client.read_reply().code, 250);

  const ScriptedConnection record = closed_connection(server);
  ASSERT_EQ(record.reads.size(), 1u);
  EXPECT_EQ(record.reads[0], data);
  EXPECT_EQ(record.received, "DATA\r\n" + data);
}

TEST(ScriptedSmtpServer, SendBytewiseSplitsReply) {
  const std::string reply = "250-first\r\n250 second\r\n";
  ScriptedSmtpServer server({SmtpScript().send_bytewise(reply, milliseconds(5))});
  server.start();
  SmtpTestClient client(server.port());
  const auto started = Clock::now();
  const SmtpReply parsed = client.read_reply();
  EXPECT_EQ(parsed.raw, reply);
  EXPECT_EQ(parsed.lines, (std::vector<std::string>{"first", "second"}));
  // 23 pauses of 5 ms lie between the 24 bytes.
  EXPECT_GE(Clock::now() - started, milliseconds(100));
}

TEST(ScriptedSmtpServer, CloseStepEndsInsideMultilineReply) {
  ScriptedSmtpServer server({SmtpScript()
                                 .greet()
                                 .expect_line("EHLO")
                                 .send("250-scripted.test\r\n250-PIPE")
                                 .close()
                                 .send("never sent\r\n")});
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  client.send("EHLO client.test\r\n");
  EXPECT_EQ(client.read_to_eof(), "250-scripted.test\r\n250-PIPE");

  const ScriptedConnection record = closed_connection(server);
  EXPECT_TRUE(record.script_completed);
  EXPECT_TRUE(record.error.empty()) << record.error;
}

TEST(ScriptedSmtpServer, StaySilentEndsWhenClientCloses) {
  ScriptedSmtpServer server({SmtpScript().greet().stay_silent(std::chrono::seconds(30))});
  server.start();
  const auto started = Clock::now();
  {
    SmtpTestClient client(server.port());
    client.read_reply();
    client.send("DATA\r\n");
  }
  const ScriptedConnection record = closed_connection(server);
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5));
  EXPECT_TRUE(record.client_closed);
  EXPECT_TRUE(record.script_completed);
  EXPECT_EQ(record.received, "DATA\r\n");
}

TEST(ScriptedSmtpServer, StaySilentEndsAfterDuration) {
  ScriptedSmtpServer server(
      {SmtpScript().greet().stay_silent(milliseconds(300)).send("421 4.4.2 idle too long\r\n")});
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  const auto started = Clock::now();
  const SmtpReply reply = client.read_reply();
  EXPECT_EQ(reply.code, 421);
  EXPECT_GE(Clock::now() - started, milliseconds(250));
  EXPECT_FALSE(closed_connection(server).client_closed);
}

TEST(ScriptedSmtpServer, ReadTimesOutAfterStepTimeout) {
  ScriptedSmtpServerOptions options;
  options.step_timeout = milliseconds(300);
  ScriptedSmtpServer server({SmtpScript().greet().expect_line("EHLO")}, options);
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  client.send("EHL");

  const ScriptedConnection record = closed_connection(server);
  EXPECT_FALSE(record.script_completed);
  EXPECT_NE(record.error.find("timed out after 300 ms; unread input \"EHL\""), std::string::npos)
      << record.error;
}

TEST(ScriptedSmtpServer, ConnectionsFollowScriptsInOrder) {
  ScriptedSmtpServer server({SmtpScript().send("220 first\r\n").exchange("QUIT", "221 a\r\n"),
                             SmtpScript().send("220 second\r\n").exchange("QUIT", "221 b\r\n")});
  server.start();
  for (const char* expected : {"first", "second"}) {
    SmtpTestClient client(server.port());
    const SmtpReply greeting = client.read_reply();
    ASSERT_EQ(greeting.lines.size(), 1u);
    EXPECT_EQ(greeting.lines[0], expected);
    EXPECT_EQ(client.command("QUIT").code, 221);
  }
  // A third connection finds no script left and is closed at once.
  SmtpTestClient extra(server.port());
  EXPECT_EQ(extra.read_to_eof(), "");
  EXPECT_TRUE(server.wait_for_closed_connections(2, kWait));
  EXPECT_EQ(server.connections().size(), 2u);
  EXPECT_EQ(server.extra_connections(), 1u);
}

TEST(ScriptedSmtpServer, StopInterruptsWaitingScript) {
  ScriptedSmtpServer server({SmtpScript().greet().stay_silent(std::chrono::seconds(60))});
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  ASSERT_TRUE(server.connections().size() == 1u);
  const auto started = Clock::now();
  server.stop();
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(1));
  const std::vector<ScriptedConnection> connections = server.connections();
  ASSERT_EQ(connections.size(), 1u);
  EXPECT_TRUE(connections[0].closed);
  EXPECT_NE(connections[0].error.find("the server was stopped"), std::string::npos)
      << connections[0].error;
  EXPECT_NO_THROW(server.stop());
}

TEST(ScriptedSmtpServer, StartTlsUpgradesConnection) {
  ScriptedSmtpServer server({SmtpScript()
                                 .greet()
                                 .exchange("STARTTLS", "220 2.0.0 ready\r\n")
                                 .start_tls()
                                 .exchange("EHLO", "250 secured\r\n")},
                            tls_options());
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  EXPECT_EQ(client.command("STARTTLS").code, 220);
  ASSERT_NO_THROW(client.start_tls(test_ca().ca_certificate));
  EXPECT_EQ(client.command("EHLO client.test").code, 250);

  const ScriptedConnection record = closed_connection(server);
  EXPECT_TRUE(record.script_completed) << record.error;
  EXPECT_EQ(record.tls_offset, std::string("STARTTLS\r\n").size());
  EXPECT_EQ(record.received.substr(record.tls_offset), "EHLO client.test\r\n");
  EXPECT_TRUE(record.discarded_before_tls.empty());
}

TEST(ScriptedSmtpServer, DiscardsPlaintextSentBeforeHandshake) {
  ScriptedSmtpServer server({SmtpScript()
                                 .greet()
                                 .exchange("STARTTLS", "220 2.0.0 ready\r\n")
                                 .start_tls()
                                 .exchange("EHLO", "250 secured\r\n")},
                            tls_options());
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  // One segment, so the server reads the injected command together with STARTTLS.
  client.send("STARTTLS\r\nMAIL FROM:<injected@example.test>\r\n");
  EXPECT_EQ(client.read_reply().code, 220);
  ASSERT_NO_THROW(client.start_tls(test_ca().ca_certificate));
  EXPECT_EQ(client.command("EHLO client.test").code, 250);

  const ScriptedConnection record = closed_connection(server);
  EXPECT_TRUE(record.script_completed) << record.error;
  EXPECT_EQ(record.discarded_before_tls, "MAIL FROM:<injected@example.test>\r\n");
  EXPECT_EQ(record.lines, (std::vector<std::string>{"STARTTLS", "EHLO client.test"}));
}

TEST(ScriptedSmtpServer, WrongHostCertificateFailsVerification) {
  ScriptedSmtpServer server({SmtpScript()
                                 .greet()
                                 .exchange("STARTTLS", "220 2.0.0 ready\r\n")
                                 .start_tls()
                                 .exchange("EHLO", "250 secured\r\n")},
                            tls_options(/*wrong_host=*/true));
  server.start();
  SmtpTestClient client(server.port());
  client.read_reply();
  EXPECT_EQ(client.command("STARTTLS").code, 220);
  // The chain is valid, but the certificate names wrong-host.test, not localhost.
  EXPECT_THROW(client.start_tls(test_ca().ca_certificate), std::runtime_error);
  client.close();

  // Under TLS 1.3 the server's side of the handshake may complete before the client checks
  // the name, so the script fails either in start_tls or while it waits for EHLO.
  const ScriptedConnection record = closed_connection(server);
  EXPECT_FALSE(record.script_completed);
  EXPECT_FALSE(record.error.empty());
  EXPECT_EQ(record.received, "STARTTLS\r\n");
}

TEST(ScriptedSmtpServer, WrongHostCertificateMatchesItsOwnName) {
  ScriptedSmtpServer server({SmtpScript().start_tls().greet()}, tls_options(/*wrong_host=*/true));
  server.start();
  SmtpTestClient client(server.port());
  ASSERT_NO_THROW(client.start_tls(test_ca().ca_certificate, outbound::testing::kWrongHostName));
  EXPECT_EQ(client.read_reply().code, 220);
}

TEST(ScriptedSmtpServer, ImplicitTlsStartsWithHandshake) {
  ScriptedSmtpServer server({SmtpScript().start_tls().greet().exchange("QUIT", "221 bye\r\n")},
                            tls_options());
  server.start();
  SmtpTestClient client(server.port(), kWait, test_ca().ca_certificate);
  EXPECT_EQ(client.read_reply().code, 220);
  EXPECT_EQ(client.command("QUIT").code, 221);
  const ScriptedConnection record = closed_connection(server);
  EXPECT_TRUE(record.script_completed) << record.error;
  EXPECT_EQ(record.tls_offset, 0u);
}

TEST(ScriptedSmtpServer, StartTlsWithoutCertificateThrows) {
  ScriptedSmtpServer server({SmtpScript().greet().start_tls()});
  EXPECT_THROW(server.start(), std::runtime_error);
}

TEST(TestCa, SignsServerCertificates) {
  const TestCa& ca = test_ca();
  for (const auto& [certificate, host_option] :
       std::vector<std::pair<std::filesystem::path, std::string>>{
           {ca.server_certificate, "-verify_hostname=localhost"},
           {ca.server_certificate, "-verify_ip=127.0.0.1"},
           {ca.wrong_host_certificate, "-verify_hostname=wrong-host.test"}}) {
    SCOPED_TRACE(certificate.filename().string() + " " + host_option);
    const std::string option = host_option.substr(0, host_option.find('='));
    const std::string value = host_option.substr(host_option.find('=') + 1);
    const outbound::testing::ProcessResult result =
        outbound::testing::run_process({"openssl", "verify", "-CAfile", ca.ca_certificate.string(),
                                        option, value, certificate.string()});
    EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  }
  const outbound::testing::ProcessResult wrong = outbound::testing::run_process(
      {"openssl", "verify", "-CAfile", ca.ca_certificate.string(), "-verify_hostname", "localhost",
       ca.wrong_host_certificate.string()});
  EXPECT_NE(wrong.exit_code, 0) << wrong.out;
}

}  // namespace
