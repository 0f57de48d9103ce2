#include "stripe_mock.h"

#include <sys/wait.h>

#include <cctype>
#include <istream>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <Poco/Exception.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timespan.h>

namespace outbound::testing {

namespace {

constexpr const char* kSetupHint = "run scripts/setup.sh, which installs it";
constexpr auto kStopTimeout = std::chrono::seconds(5);
constexpr auto kReadyPollInterval = std::chrono::milliseconds(10);
// Exit status of scripts/lib/stripe_mock.js for an invalid setting or a missing npm package.
constexpr int kLauncherSetupExit = 2;

std::string to_lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// Returns the port of the first line that reads exactly "READY <port>", or 0.
int ready_port(const std::string& output) {
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    constexpr std::string_view kPrefix = "READY ";
    if (line.compare(0, kPrefix.size(), kPrefix) != 0) continue;
    const std::string digits = line.substr(kPrefix.size());
    if (digits.empty() || digits.size() > 5) continue;
    bool all_digits = true;
    for (char c : digits) all_digits = all_digits && std::isdigit(static_cast<unsigned char>(c));
    if (!all_digits) continue;
    const int port = std::stoi(digits);
    if (port > 0 && port <= 65535) return port;
  }
  return 0;
}

StripeJournalEntry parse_journal_entry(const nlohmann::json& entry) {
  StripeJournalEntry parsed;
  parsed.method = entry.value("method", "");
  parsed.path = entry.value("path", "");
  parsed.query = entry.value("query", nlohmann::json::object());
  if (entry.contains("headers")) {
    for (const auto& [name, value] : entry.at("headers").items()) {
      // Node joins most repeated headers itself, but keeps some as arrays.
      if (value.is_array()) {
        std::string joined;
        for (const auto& item : value) {
          if (!joined.empty()) joined += ", ";
          joined += item.get<std::string>();
        }
        parsed.headers[name] = joined;
      } else {
        parsed.headers[name] = value.get<std::string>();
      }
    }
  }
  parsed.body = entry.value("body", nlohmann::json::object());
  parsed.raw_body = entry.value("raw_body", "");
  parsed.status = entry.value("status", 0);
  return parsed;
}

}  // namespace

std::optional<std::string> StripeJournalEntry::header(std::string_view name) const {
  const auto found = headers.find(to_lower(std::string(name)));
  if (found == headers.end()) return std::nullopt;
  return found->second;
}

nlohmann::json StripeReply::json() const {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("StripeMock: the response body is not JSON (" +
                             std::string(error.what()) + "): " + body);
  }
}

StripeMock::StripeMock(StripeMockOptions options) : options_(std::move(options)) {
  if (options_.script.empty()) options_.script = OUTBOUND_STRIPE_MOCK_SCRIPT;
  if (options_.node_modules.empty()) options_.node_modules = OUTBOUND_STRIPE_MOCK_NODE_MODULES;
}

StripeMock::~StripeMock() {
  try {
    stop();
  } catch (...) {
    // stop() throws only when waitpid fails, and a destructor must not throw.
  }
}

std::string StripeMock::base_url() const {
  const bool https = !options_.tls_certificate.empty();
  return std::string(https ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

void StripeMock::check_installed() const {
  if (node_.empty()) {
    throw std::runtime_error("StripeMock: node not found on PATH; " + std::string(kSetupHint) +
                             " (Debian package nodejs)");
  }
  if (!std::filesystem::is_regular_file(options_.script)) {
    throw std::runtime_error("StripeMock: launcher script not found at " +
                             options_.script.string());
  }
  if (options_.tls_certificate.empty() != options_.tls_private_key.empty()) {
    throw std::runtime_error("StripeMock: HTTPS needs both tls_certificate and tls_private_key");
  }
}

void StripeMock::start() {
  if (running()) throw std::runtime_error("StripeMock: start() called while already running");
  node_ = find_on_path("node");
  check_installed();
  work_dir_ = std::make_unique<TempDir>();

  const bool https = !options_.tls_certificate.empty();
  const std::map<std::string, std::string> changes = {
      {"PORT", "0"},
      {"NODE_PATH", options_.node_modules.string()},
      {"LOG_LEVEL", options_.log_level},
      {"TLS_CERT", https ? options_.tls_certificate.string() : kUnset},
      {"TLS_KEY", https ? options_.tls_private_key.string() : kUnset},
  };
  spawn(child_environment(changes));
  port_ = wait_until_ready();
}

void StripeMock::spawn(const std::vector<std::string>& environment) {
  pid_ = spawn_logged({node_, options_.script.string()}, &environment, *work_dir_ / "node.log",
                      "StripeMock");
}

int StripeMock::wait_until_ready() {
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (true) {
    const int port = ready_port(read_file(*work_dir_ / "node.log"));
    if (port != 0) return port;

    int status = 0;
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
      pid_ = -1;
      const bool setup_exit = WIFEXITED(status) && WEXITSTATUS(status) == kLauncherSetupExit;
      throw std::runtime_error(
          "StripeMock: node " + options_.script.string() + " " + describe_exit(status) +
          " before it printed READY" +
          (setup_exit
               ? "; if the npm package stripe-stateful-mock is missing, " + std::string(kSetupHint)
               : std::string()) +
          "; its last output:\n" + node_output_tail());
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(kReadyPollInterval);
  }
  const std::string output = node_output_tail();
  stop();
  throw std::runtime_error(
      "StripeMock: node " + options_.script.string() + " did not print READY within " +
      std::to_string(options_.start_timeout.count()) + " ms; its last output:\n" + output);
}

std::string StripeMock::node_output_tail() const {
  if (!work_dir_) return {};
  return log_tail(*work_dir_ / "node.log");
}

void StripeMock::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = pid_;
  pid_ = -1;
  port_ = 0;
  stop_child(pid, kStopTimeout, "StripeMock", "node");
}

StripeReply StripeMock::send(const std::string& method, const std::string& path_and_query,
                             const std::map<std::string, std::string>& headers,
                             const std::string& body) const {
  if (!running()) {
    throw std::runtime_error("StripeMock: " + method + " " + path_and_query + ": not running");
  }
  try {
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    const auto port = static_cast<Poco::UInt16>(port_);
    if (options_.tls_certificate.empty()) {
      session = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1", port);
    } else {
      static std::once_flag ssl_initialized;
      std::call_once(ssl_initialized, [] { Poco::Net::initializeSSL(); });
      Poco::Net::Context::Ptr context = new Poco::Net::Context(
          Poco::Net::Context::TLS_CLIENT_USE, "", "", options_.tls_certificate.string(),
          Poco::Net::Context::VERIFY_STRICT);
      session = std::make_unique<Poco::Net::HTTPSClientSession>("127.0.0.1", port, context);
    }
    const Poco::Timespan timeout(
        std::chrono::duration_cast<std::chrono::microseconds>(options_.request_timeout).count());
    session->setTimeout(timeout, timeout, timeout);

    Poco::Net::HTTPRequest request(method, path_and_query, Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(false);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || method == "POST") {
      request.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    session->sendRequest(request) << body;

    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    StripeReply reply;
    reply.status = response.getStatus();
    for (const auto& [name, value] : response) {
      std::string& joined = reply.headers[to_lower(name)];
      if (!joined.empty()) joined += ", ";
      joined += value;
    }
    Poco::StreamCopier::copyToString(in, reply.body);
    return reply;
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("StripeMock: " + method + " " + base_url() + path_and_query +
                             " failed: " + error.displayText());
  }
}

StripeReply StripeMock::send_expecting(int expected_status, const std::string& method,
                                       const std::string& path_and_query) const {
  const StripeReply reply = send(method, path_and_query, {}, {});
  if (reply.status != expected_status) {
    throw std::runtime_error("StripeMock: " + method + " " + path_and_query + " returned " +
                             std::to_string(reply.status) + ", expected " +
                             std::to_string(expected_status) + ": " + reply.body);
  }
  return reply;
}

StripeReply StripeMock::request(const std::string& method, const std::string& path_and_query,
                                const std::string& api_key, const std::string& form_body,
                                const std::string& account,
                                const std::map<std::string, std::string>& headers) const {
  std::map<std::string, std::string> all_headers;
  if (!api_key.empty()) all_headers["Authorization"] = "Bearer " + api_key;
  if (!account.empty()) all_headers["Stripe-Account"] = account;
  if (!form_body.empty()) all_headers["Content-Type"] = "application/x-www-form-urlencoded";
  for (const auto& [name, value] : headers) all_headers[name] = value;
  return send(method, path_and_query, all_headers, form_body);
}

std::string StripeMock::new_account(const std::string& api_key) const {
  const StripeReply reply = request("POST", "/v1/accounts", api_key, "type=custom");
  if (reply.status != 200) {
    throw std::runtime_error("StripeMock: POST /v1/accounts returned " +
                             std::to_string(reply.status) + ", expected 200: " + reply.body);
  }
  try {
    return nlohmann::json::parse(reply.body).at("id").get<std::string>();
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("StripeMock: POST /v1/accounts returned no id (" +
                             std::string(error.what()) + "): " + reply.body);
  }
}

std::vector<StripeJournalEntry> StripeMock::journal() const {
  const StripeReply reply = send_expecting(200, "GET", "/__journal");
  std::vector<StripeJournalEntry> entries;
  try {
    for (const nlohmann::json& entry : nlohmann::json::parse(reply.body)) {
      entries.push_back(parse_journal_entry(entry));
    }
  } catch (const nlohmann::json::exception& error) {
    throw std::runtime_error("StripeMock: failed to parse the reply to GET /__journal: " +
                             std::string(error.what()));
  }
  return entries;
}

void StripeMock::clear_journal() const { send_expecting(200, "DELETE", "/__journal"); }

StripeMock& shared_stripe_mock() { return shared_server<StripeMock>(); }

void StripeMockTest::SetUp() {
  try {
    stripe_mock_ = &shared_stripe_mock();
  } catch (const std::exception& error) {
    FAIL() << error.what();
  }
  ASSERT_NO_THROW(account_ = stripe_mock_->new_account(kStripeTestApiKey));
  ASSERT_NO_THROW(stripe_mock_->clear_journal());
}

}  // namespace outbound::testing
