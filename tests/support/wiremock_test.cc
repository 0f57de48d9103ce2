#include "wiremock.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace {

using outbound::testing::LoggedRequest;
using outbound::testing::TempDir;
using outbound::testing::WireMock;
using outbound::testing::WireMockOptions;
using outbound::testing::WireMockTest;

struct Reply {
  int status = 0;
  std::string body;
};

// Sends one request with a plain Poco session and a 5 s timeout.
Reply send_request(Poco::Net::HTTPClientSession& session, const std::string& method,
                   const std::string& path, const std::string& body = {},
                   const std::map<std::string, std::string>& headers = {}) {
  session.setTimeout(Poco::Timespan(5, 0));
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  for (const auto& [name, value] : headers) request.add(name, value);
  if (!body.empty()) request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  Reply reply;
  reply.status = response.getStatus();
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

Reply send_request(const WireMock& server, const std::string& method, const std::string& path,
                   const std::string& body = {},
                   const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server.port()));
  return send_request(session, method, path, body, headers);
}

// Returns whether something accepts TCP connections on 127.0.0.1:port.
bool accepts_connections(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  const bool connected = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return connected;
}

// Returns whether process `pid` still runs: it exists and is not a zombie.
bool process_alive(pid_t pid) {
  const std::string stat = outbound::testing::read_file("/proc/" + std::to_string(pid) + "/stat");
  if (stat.empty()) return false;
  const auto after_name = stat.rfind(')');
  if (after_name == std::string::npos || after_name + 2 >= stat.size()) return false;
  const char state = stat[after_name + 2];
  return state != 'Z' && state != 'X';
}

TEST_F(WireMockTest, StubbedGetIsJournaled) {
  const std::string id = wiremock().stub(
      R"({"request":{"method":"GET","url":"/hello"},"response":{"status":200,"body":"hi"}})");
  EXPECT_FALSE(id.empty());

  const auto before_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  const Reply reply = send_request(wiremock(), "GET", "/hello", {}, {{"X-Trace-Id", "abc-123"}});
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "hi");

  const std::vector<LoggedRequest> journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 1u);
  const LoggedRequest& logged = journal[0];
  EXPECT_EQ(logged.method, "GET");
  EXPECT_EQ(logged.url, "/hello");
  EXPECT_EQ(logged.header("x-trace-id"), "abc-123");
  EXPECT_EQ(logged.headers.count("X-Trace-Id"), 1u);
  EXPECT_EQ(logged.header("Host"), "127.0.0.1:" + std::to_string(wiremock().port()));
  EXPECT_EQ(logged.body, "");
  EXPECT_TRUE(logged.was_matched);
  EXPECT_EQ(logged.response_status, 200);
  // WireMock stamps arrival in milliseconds from the same system clock, so the stamp falls
  // between the send and a generous minute after it.
  EXPECT_GE(logged.logged_date_ms, before_ms);
  EXPECT_LE(logged.logged_date_ms, before_ms + 60'000);
  EXPECT_EQ(wiremock().count(R"({"method":"GET","url":"/hello"})"), 1);
  EXPECT_EQ(wiremock().count(R"({"method":"POST","url":"/hello"})"), 0);
}

TEST_F(WireMockTest, JournalListsOldestFirst) {
  const std::string binary_body("\x01\xff\x00json", 7);
  EXPECT_EQ(send_request(wiremock(), "GET", "/first").status, 404);
  EXPECT_EQ(send_request(wiremock(), "POST", "/second", binary_body).status, 404);
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(wiremock().port()));
  Poco::Net::HTTPRequest request("GET", "/third", Poco::Net::HTTPMessage::HTTP_1_1);
  request.add("X-Repeated", "one");
  request.add("X-Repeated", "two");
  session.setTimeout(Poco::Timespan(5, 0));
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  session.receiveResponse(response).ignore(1 << 20);

  const std::vector<LoggedRequest> journal = wiremock().requests();
  ASSERT_EQ(journal.size(), 3u);
  EXPECT_EQ(journal[0].url, "/first");
  EXPECT_EQ(journal[1].url, "/second");
  EXPECT_EQ(journal[1].method, "POST");
  EXPECT_EQ(journal[1].body, binary_body);
  EXPECT_EQ(journal[2].url, "/third");
  EXPECT_EQ(journal[2].header("X-Repeated"), "one, two");
  EXPECT_FALSE(journal[0].was_matched);
  EXPECT_EQ(journal[0].response_status, 404);
  EXPECT_LE(journal[0].logged_date_ms, journal[2].logged_date_ms);

  wiremock().reset_journal();
  EXPECT_TRUE(wiremock().requests().empty());
}

TEST_F(WireMockTest, ResetRemovesStubs) {
  wiremock().stub(R"({"request":{"url":"/gone"},"response":{"status":204}})");
  EXPECT_EQ(send_request(wiremock(), "GET", "/gone").status, 204);

  wiremock().reset();
  EXPECT_EQ(send_request(wiremock(), "GET", "/gone").status, 404);
  EXPECT_EQ(wiremock().requests().size(), 1u);
}

TEST_F(WireMockTest, ScenarioResetsToStarted) {
  wiremock().stub(R"({"scenarioName":"flaky","requiredScenarioState":"Started",
      "newScenarioState":"ok","request":{"url":"/flaky"},"response":{"status":503}})");
  wiremock().stub(R"({"scenarioName":"flaky","requiredScenarioState":"ok",
      "request":{"url":"/flaky"},"response":{"status":200}})");
  EXPECT_EQ(send_request(wiremock(), "GET", "/flaky").status, 503);
  EXPECT_EQ(send_request(wiremock(), "GET", "/flaky").status, 200);

  wiremock().reset_scenarios();
  EXPECT_EQ(send_request(wiremock(), "GET", "/flaky").status, 503);
}

TEST_F(WireMockTest, ConnectionResetFaultReachesPoco) {
  const std::string id = wiremock().stub(
      R"({"request":{"url":"/reset"},"response":{"fault":"CONNECTION_RESET_BY_PEER"}})");
  EXPECT_FALSE(id.empty());

  EXPECT_THROW(send_request(wiremock(), "GET", "/reset"), Poco::Net::ConnectionResetException);
  EXPECT_EQ(wiremock().count(R"({"url":"/reset"})"), 1);
}

TEST_F(WireMockTest, StubRejectsInvalidMapping) {
  try {
    wiremock().stub(R"({"request":{"method":"GET"},"response":{"status":"not a number"}})");
    FAIL() << "stub() accepted an invalid mapping";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("POST /__admin/mappings returned"), std::string::npos)
        << error.what();
  }
}

TEST(WireMock, StartFailsWithoutJar) {
  WireMockOptions options;
  options.jar = "/nonexistent/wiremock-standalone-3.13.2.jar";
  WireMock server(options);
  try {
    server.start();
    FAIL() << "start() succeeded without a jar";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("scripts/setup.sh"), std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(server.running());
}

TEST(WireMock, StartTimeoutNamesHealthCheck) {
  WireMockOptions options;
  options.start_timeout = std::chrono::milliseconds(1);
  WireMock server(options);
  try {
    server.start();
    FAIL() << "start() succeeded within 1 ms";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("/__admin/health did not return 200 within 1 ms"),
              std::string::npos)
        << error.what();
  }
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
}

TEST(WireMock, StopFreesPort) {
  WireMock server;
  ASSERT_NO_THROW(server.start());
  ASSERT_TRUE(server.running());
  const int port = server.port();
  EXPECT_GT(port, 0);
  EXPECT_EQ(server.base_url(), "http://127.0.0.1:" + std::to_string(port));
  EXPECT_EQ(server.https_port(), 0);
  EXPECT_EQ(server.https_base_url(), "");
  EXPECT_TRUE(accepts_connections(port));
  std::cout << "WireMock start() took " << server.start_duration().count() << " ms\n";
  RecordProperty("start_ms", static_cast<int>(server.start_duration().count()));

  const auto stop_began = std::chrono::steady_clock::now();
  server.stop();
  std::cout << "WireMock stop() took "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - stop_began)
                   .count()
            << " ms\n";
  EXPECT_FALSE(server.running());
  EXPECT_FALSE(accepts_connections(port));
}

TEST(WireMock, JavaEndsWithItsParent) {
  int pid_pipe[2];
  ASSERT_EQ(pipe(pid_pipe), 0);
  const pid_t parent = fork();
  ASSERT_GE(parent, 0);
  if (parent == 0) {
    // This child starts WireMock, reports java's PID and exits without calling stop().
    close(pid_pipe[0]);
    // The server is leaked on purpose: no destructor may stop java before this process ends.
    pid_t java_pid = -1;
    try {
      auto* server = new WireMock();
      server->start();
      java_pid = server->pid();
    } catch (...) {
    }
    (void)!write(pid_pipe[1], &java_pid, sizeof(java_pid));
    _exit(0);
  }
  close(pid_pipe[1]);
  pid_t java_pid = -1;
  const ssize_t read_bytes = read(pid_pipe[0], &java_pid, sizeof(java_pid));
  close(pid_pipe[0]);
  int status = 0;
  waitpid(parent, &status, 0);
  ASSERT_EQ(read_bytes, static_cast<ssize_t>(sizeof(java_pid)));
  ASSERT_GT(java_pid, 0) << "the child could not start WireMock";

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (process_alive(java_pid) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_FALSE(process_alive(java_pid)) << "java PID " << java_pid << " outlived its parent";
}

TEST(WireMock, ServesHttpsWithTestCertificate) {
  TempDir folder;
  const outbound::testing::TestCertificate certificate =
      outbound::testing::make_test_certificate(folder.path());
  WireMockOptions options;
  options.tls_certificate = certificate.certificate;
  options.tls_private_key = certificate.private_key;
  WireMock server(options);
  ASSERT_NO_THROW(server.start());
  ASSERT_GT(server.https_port(), 0);
  EXPECT_NE(server.https_port(), server.port());
  EXPECT_EQ(server.https_base_url(), "https://127.0.0.1:" + std::to_string(server.https_port()));
  server.stub(R"({"request":{"url":"/secure"},"response":{"status":200,"body":"tls"}})");

  Poco::Net::initializeSSL();
  {
    // The client trusts only the test certificate and checks that it names 127.0.0.1.
    Poco::Net::Context::Ptr context =
        new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "",
                               certificate.certificate.string(), Poco::Net::Context::VERIFY_STRICT);
    Poco::Net::HTTPSClientSession session("127.0.0.1",
                                          static_cast<Poco::UInt16>(server.https_port()), context);
    const Reply reply = send_request(session, "GET", "/secure");
    EXPECT_EQ(reply.status, 200);
    EXPECT_EQ(reply.body, "tls");
  }
  Poco::Net::uninitializeSSL();

  const std::vector<LoggedRequest> journal = server.requests();
  ASSERT_EQ(journal.size(), 1u);
  EXPECT_EQ(journal[0].url, "/secure");
}

}  // namespace
