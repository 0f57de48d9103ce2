#include "wiremock.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <istream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/Base64Decoder.h>
#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>
#include <nlohmann/json.hpp>

namespace outbound::testing {

namespace {

constexpr const char* kSetupHint = "run scripts/setup.sh, which installs it";
constexpr int kPortAttempts = 3;
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kHealthPollInterval = std::chrono::milliseconds(50);
constexpr auto kHealthTimeout = std::chrono::milliseconds(1000);
// Password of the PKCS12 keystore made from the test certificate, because WireMock requires one.
constexpr const char* kKeystorePassword = "password";

std::string errno_text() { return std::strerror(errno); }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Binds `count` sockets to port 0 on 127.0.0.1 at once, so the ports differ, reads the ports
// the kernel chose and closes the sockets. Another process may take a port before java binds
// it, and start() then retries on new ports.
std::vector<int> pick_free_ports(int count) {
  std::vector<int> sockets;
  std::vector<int> ports;
  std::string error;
  for (int i = 0; i < count && error.empty(); ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      error = "socket() failed: " + errno_text();
      break;
    }
    sockets.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      error = "cannot bind a free port on 127.0.0.1: " + errno_text();
      break;
    }
    ports.push_back(ntohs(address.sin_port));
  }
  for (int fd : sockets) close(fd);
  if (!error.empty()) throw std::runtime_error("WireMock: " + error);
  return ports;
}

std::string decode_base64(const std::string& text) {
  std::istringstream encoded(text);
  Poco::Base64Decoder decoder(encoded);
  std::string decoded;
  Poco::StreamCopier::copyToString(decoder, decoded);
  return decoded;
}

LoggedRequest parse_logged_request(const nlohmann::json& entry) {
  const nlohmann::json& request = entry.at("request");
  LoggedRequest logged;
  logged.method = request.value("method", "");
  logged.url = request.value("url", "");
  if (request.contains("headers")) {
    for (const auto& [name, value] : request.at("headers").items()) {
      // WireMock reports a header sent once as a string and one sent more often as an array.
      if (value.is_array()) {
        std::string joined;
        for (const auto& item : value) {
          if (!joined.empty()) joined += ", ";
          joined += item.get<std::string>();
        }
        logged.headers[name] = joined;
      } else {
        logged.headers[name] = value.get<std::string>();
      }
    }
  }
  if (request.contains("bodyAsBase64")) {
    logged.body = decode_base64(request.at("bodyAsBase64").get<std::string>());
  } else {
    logged.body = request.value("body", "");
  }
  logged.logged_date_ms = request.value("loggedDate", std::int64_t{0});
  logged.was_matched = entry.value("wasMatched", false);
  if (entry.contains("response")) logged.response_status = entry.at("response").value("status", 0);
  return logged;
}

}  // namespace

std::optional<std::string> LoggedRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equals_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

WireMock::WireMock(WireMockOptions options) : options_(std::move(options)) {
  if (options_.jar.empty()) options_.jar = OUTBOUND_WIREMOCK_JAR;
}

WireMock::~WireMock() {
  try {
    stop();
  } catch (...) {
    // stop() throws only when waitpid fails, and a destructor must not throw.
  }
}

std::string WireMock::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string WireMock::https_base_url() const {
  if (https_port_ == 0) return {};
  return "https://127.0.0.1:" + std::to_string(https_port_);
}

void WireMock::start() {
  if (running()) throw std::runtime_error("WireMock: start() called while already running");
  java_ = find_on_path("java");
  if (java_.empty()) {
    throw std::runtime_error("WireMock: java not found on PATH; " + std::string(kSetupHint) +
                             " (openjdk-17-jre-headless)");
  }
  if (!std::filesystem::is_regular_file(options_.jar)) {
    throw std::runtime_error("WireMock: jar not found at " + options_.jar.string() + "; " +
                             kSetupHint + " (npm package wiremock@3.13.2 into .peers)");
  }
  const bool https = !options_.tls_certificate.empty() || !options_.tls_private_key.empty();
  if (https && (options_.tls_certificate.empty() || options_.tls_private_key.empty())) {
    throw std::runtime_error("WireMock: HTTPS needs both tls_certificate and tls_private_key");
  }
  work_dir_ = std::make_unique<TempDir>();
  if (https) make_keystore();

  std::string last_error;
  for (int attempt = 1; attempt <= kPortAttempts; ++attempt) {
    const std::vector<int> ports = pick_free_ports(https ? 2 : 1);
    port_ = ports[0];
    https_port_ = https ? ports[1] : 0;
    const auto started = std::chrono::steady_clock::now();
    spawn(java_command_line());
    last_error = wait_until_healthy();
    if (last_error.empty()) {
      start_duration_ = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - started);
      return;
    }
    stop();
    if (last_error != "bind") break;
    last_error = "every attempt found its port taken:\n" + java_output_tail();
  }
  port_ = 0;
  https_port_ = 0;
  throw std::runtime_error("WireMock: failed to start " + options_.jar.string() + ": " +
                           last_error);
}

std::vector<std::string> WireMock::java_command_line() const {
  // The C1 compiler alone and the serial collector cut the time to a healthy server from about
  // 2.0 s to 1.2 s (median of 6 starts each, 2 cores under a load average of 6).
  std::vector<std::string> command = {java_,
                                      "-Xmx256m",
                                      "-XX:TieredStopAtLevel=1",
                                      "-XX:+UseSerialGC",
                                      "-jar",
                                      options_.jar.string(),
                                      "--port",
                                      std::to_string(port_),
                                      "--bind-address",
                                      "127.0.0.1",
                                      "--disable-banner"};
  if (!options_.root_dir.empty()) {
    command.insert(command.end(), {"--root-dir", options_.root_dir.string()});
  }
  if (options_.max_journal_entries > 0) {
    command.insert(command.end(),
                   {"--max-request-journal-entries", std::to_string(options_.max_journal_entries)});
  }
  if (https_port_ != 0) {
    command.insert(command.end(),
                   {"--https-port", std::to_string(https_port_), "--https-keystore",
                    keystore_.string(), "--keystore-type", "PKCS12", "--keystore-password",
                    kKeystorePassword, "--key-manager-password", kKeystorePassword});
  }
  return command;
}

void WireMock::make_keystore() {
  keystore_ = *work_dir_ / "wiremock.p12";
  const ProcessResult result =
      run_process({"openssl", "pkcs12", "-export", "-in", options_.tls_certificate.string(),
                   "-inkey", options_.tls_private_key.string(), "-out", keystore_.string(),
                   "-passout", std::string("pass:") + kKeystorePassword},
                  {}, {}, std::chrono::seconds(30));
  if (result.exit_code != 0) {
    throw std::runtime_error("WireMock: openssl pkcs12 failed (exit " +
                             std::to_string(result.exit_code) + "): " + result.err);
  }
}

void WireMock::spawn(const std::vector<std::string>& command_line) {
  pid_ = spawn_logged(command_line, nullptr, *work_dir_ / "java.log", "WireMock");
}

std::string WireMock::wait_until_healthy() {
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  std::string last_failure = "no reply yet";
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      const std::string output = java_output_tail();
      // WireMock 3.13.2 reports a taken port as "FatalStartupException: java.io.IOException:
      // Failed to bind to /127.0.0.1:PORT" and exits with status 1.
      if (output.find("Failed to bind") != std::string::npos ||
          output.find("Address already in use") != std::string::npos) {
        return "bind";
      }
      return "java " + describe_exit(status) + " before it became healthy; its last output:\n" +
             output;
    }
    try {
      const AdminReply reply = admin("GET", "/__admin/health", {}, kHealthTimeout);
      // A 200 may come from another process's WireMock that took the port first, so the
      // server counts as ours only once our java has also printed its start message.
      if (reply.status == 200 && java_reported_start()) return {};
      last_failure = "GET /__admin/health returned " + std::to_string(reply.status) +
                     (reply.status == 200 ? " but java has not printed its start message" : "");
    } catch (const std::exception& error) {
      last_failure = error.what();
    }
    std::this_thread::sleep_for(kHealthPollInterval);
  }
  return "GET " + base_url() + "/__admin/health did not return 200 within " +
         std::to_string(options_.start_timeout.count()) + " ms (last: " + last_failure +
         "); java's last output:\n" + java_output_tail();
}

bool WireMock::java_reported_start() const {
  // WireMock 3.13.2 prints this line to stdout once it listens on every port.
  return read_file(*work_dir_ / "java.log").find("The WireMock server is started") !=
         std::string::npos;
}

std::string WireMock::java_output_tail() const {
  if (!work_dir_) return {};
  return log_tail(*work_dir_ / "java.log");
}

void WireMock::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  stop_child(pid, kStopTimeout, "WireMock", "java");
}

WireMock::AdminReply WireMock::admin(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     std::chrono::milliseconds timeout_ms) const {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port_));
  const Poco::Timespan timeout(
      std::chrono::duration_cast<std::chrono::microseconds>(timeout_ms).count());
  session.setTimeout(timeout, timeout, timeout);
  Poco::Net::HTTPRequest request(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
  request.setKeepAlive(false);
  if (!body.empty() || method == "POST") {
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
  }
  std::ostream& out = session.sendRequest(request);
  out << body;
  Poco::Net::HTTPResponse response;
  std::istream& in = session.receiveResponse(response);
  AdminReply reply;
  reply.status = response.getStatus();
  Poco::StreamCopier::copyToString(in, reply.body);
  return reply;
}

WireMock::AdminReply WireMock::admin_expecting(int expected_status, const std::string& method,
                                               const std::string& path,
                                               const std::string& body) const {
  if (!running()) throw std::runtime_error("WireMock: " + method + " " + path + ": not running");
  AdminReply reply;
  try {
    reply = admin(method, path, body, options_.admin_timeout);
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("WireMock: " + method + " " + path +
                             " failed: " + error.displayText());
  }
  if (reply.status != expected_status) {
    throw std::runtime_error("WireMock: " + method + " " + path + " returned " +
                             std::to_string(reply.status) + ", expected " +
                             std::to_string(expected_status) + ": " + reply.body);
  }
  return reply;
}

std::string WireMock::stub(const std::string& mapping_json) {
  const AdminReply reply = admin_expecting(201, "POST", "/__admin/mappings", mapping_json);
  try {
    return nlohmann::json::parse(reply.body).at("id").get<std::string>();
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("WireMock: POST /__admin/mappings returned no id (" +
                             std::string(error.what()) + "): " + reply.body);
  }
}

void WireMock::reset() { admin_expecting(200, "POST", "/__admin/reset"); }

void WireMock::reset_journal() { admin_expecting(200, "DELETE", "/__admin/requests"); }

void WireMock::reset_scenarios() { admin_expecting(200, "POST", "/__admin/scenarios/reset"); }

std::vector<LoggedRequest> WireMock::requests() {
  const AdminReply reply = admin_expecting(200, "GET", "/__admin/requests");
  std::vector<LoggedRequest> requests;
  try {
    const nlohmann::json journal = nlohmann::json::parse(reply.body);
    for (const nlohmann::json& entry : journal.at("requests")) {
      requests.push_back(parse_logged_request(entry));
    }
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("WireMock: failed to parse the reply to GET /__admin/requests: " +
                             std::string(error.what()));
  }
  // WireMock lists the newest request first.
  return {requests.rbegin(), requests.rend()};
}

int WireMock::count(const std::string& request_pattern_json) {
  const AdminReply reply =
      admin_expecting(200, "POST", "/__admin/requests/count", request_pattern_json);
  try {
    return nlohmann::json::parse(reply.body).at("count").get<int>();
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("WireMock: POST /__admin/requests/count returned no count (" +
                             std::string(error.what()) + "): " + reply.body);
  }
}

WireMock& shared_wiremock() { return shared_server<WireMock>(); }

void WireMockTest::SetUp() {
  try {
    wiremock_ = &shared_wiremock();
  } catch (const std::exception& error) {
    FAIL() << error.what();
  }
  ASSERT_NO_THROW(wiremock_->reset());
  ASSERT_NO_THROW(wiremock_->reset_scenarios());
}

TestCertificate make_test_certificate(const std::filesystem::path& folder) {
  TestCertificate files{folder / "cert.pem", folder / "key.pem"};
  std::filesystem::create_directories(folder);
  const ProcessResult result = run_process(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
       "-keyout", files.private_key.string(), "-out", files.certificate.string(), "-days", "1",
       "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"},
      {}, {}, std::chrono::seconds(30));
  if (result.exit_code != 0) {
    throw std::runtime_error("openssl req failed (exit " + std::to_string(result.exit_code) +
                             "; install it with scripts/setup.sh): " + result.err);
  }
  return files;
}

}  // namespace outbound::testing
