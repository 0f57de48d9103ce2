#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace outbound::testing {

/// API key for tests against the mock. The mock accepts any key that starts with "sk_test_".
inline constexpr const char* kStripeTestApiKey = "sk_test_outbound_tests";

/// StripeMockOptions configures one stripe-stateful-mock server. The defaults serve plain HTTP
/// with the project's launcher and the npm package that scripts/setup.sh installs into .peers.
struct StripeMockOptions {
  /// The launcher script. Empty selects scripts/lib/stripe_mock.js in the source tree.
  std::filesystem::path script;
  /// Folder that contains stripe-stateful-mock, passed to node as NODE_PATH. Empty selects the
  /// source tree's .peers/node_modules.
  std::filesystem::path node_modules;
  /// PEM certificate and private key. With both set the port serves HTTPS only, and request()
  /// trusts this certificate. Both stay empty for plain HTTP.
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
  /// The mock's log level: trace, debug, info, warn, error or silent. Its log goes to the
  /// output that start() quotes when it fails.
  std::string log_level = "warn";
  /// Maximum wait for the launcher to print "READY <port>" after node starts.
  std::chrono::milliseconds start_timeout = std::chrono::seconds(15);
  /// Timeout of each request(), journal() and clear_journal() call, for connecting, sending and
  /// receiving.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(10);
};

/// StripeJournalEntry is one request that the mock received, from its journal.
struct StripeJournalEntry {
  std::string method;
  /// Path without the query, such as "/v1/charges".
  std::string path;
  /// Query parameters as Express parsed them: an object of strings, arrays and nested objects.
  nlohmann::json query;
  /// The request headers a Stripe client sets, under lowercase names: authorization,
  /// idempotency-key, stripe-version, stripe-account, content-type, user-agent,
  /// x-stripe-client-user-agent and x-request-id. Absent headers have no entry.
  std::map<std::string, std::string> headers;
  /// The form body as the mock parsed it ("metadata[k]=v" becomes {"metadata":{"k":"v"}}), or
  /// an empty object for a body that is not form-encoded.
  nlohmann::json body;
  /// The body exactly as received, after any Content-Encoding is undone, decoded as UTF-8.
  std::string raw_body;
  /// Status code of the mock's response.
  int status = 0;

  /// Returns the value of header `name`, compared case-insensitively, or nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

/// StripeReply is the mock's response to request().
struct StripeReply {
  int status = 0;
  std::string body;
  /// Response headers under lowercase names, such as "request-id" and "idempotent-replayed".
  std::map<std::string, std::string> headers;

  /// Parses the body as JSON. Throws std::runtime_error with the body when it is not JSON.
  nlohmann::json json() const;
};

/// StripeMock runs the npm package stripe-stateful-mock 0.0.16 through
/// scripts/lib/stripe_mock.js as a child node process on 127.0.0.1, on a port the kernel
/// chooses. The mock keeps Stripe objects in memory and cannot be reset, so tests isolate their
/// state with new_account() and the Stripe-Account header. The child gets SIGTERM when the
/// thread that called start() ends, so a crashed test leaves no node behind. Errors throw
/// std::runtime_error with node's output. Requests open a new connection each, so they may run
/// from several threads; start() and stop() may not.
class StripeMock {
 public:
  explicit StripeMock(StripeMockOptions options = {});
  ~StripeMock();
  StripeMock(const StripeMock&) = delete;
  StripeMock& operator=(const StripeMock&) = delete;

  /// Starts node and waits until the launcher prints "READY <port>". Throws when node, the
  /// script or the npm package is missing (the message names scripts/setup.sh), when node
  /// exits first, or when no READY line comes within options.start_timeout.
  void start();
  /// Sends SIGTERM to node and waits up to 5 s, then sends SIGKILL. Does nothing when the
  /// server is not running.
  void stop();
  bool running() const { return pid_ > 0; }
  /// PID of the node process, or -1 when not running.
  pid_t pid() const { return pid_; }
  int port() const { return port_; }
  /// "http://127.0.0.1:PORT", or "https://..." when the options name a certificate, without a
  /// trailing slash.
  std::string base_url() const;

  /// Sends one request to the mock and returns its response, whatever the status.
  /// `path_and_query` starts with "/", such as "/v1/charges?limit=3". An empty `api_key` sends
  /// no Authorization header. A non-empty `form_body` is sent as
  /// application/x-www-form-urlencoded, and `account` as the Stripe-Account header.
  /// `headers` adds more, such as Idempotency-Key. Throws when the connection fails or times
  /// out.
  StripeReply request(const std::string& method, const std::string& path_and_query,
                      const std::string& api_key, const std::string& form_body = {},
                      const std::string& account = {},
                      const std::map<std::string, std::string>& headers = {}) const;
  /// Creates a custom connected account (POST /v1/accounts type=custom) and returns its id.
  /// Requests with that id as Stripe-Account see only the objects made under it.
  std::string new_account(const std::string& api_key) const;

  /// Returns the journal, oldest request first (GET /__journal). Requests to the journal
  /// itself are not recorded, and only the newest 10000 requests are kept.
  std::vector<StripeJournalEntry> journal() const;
  /// Empties the journal (DELETE /__journal).
  void clear_journal() const;

 private:
  void check_installed() const;
  void spawn(const std::vector<std::string>& environment);
  // Returns the port from the READY line, or throws with node's output.
  int wait_until_ready();
  std::string node_output_tail() const;
  StripeReply send(const std::string& method, const std::string& path_and_query,
                   const std::map<std::string, std::string>& headers,
                   const std::string& body) const;
  StripeReply send_expecting(int expected_status, const std::string& method,
                             const std::string& path_and_query) const;

  StripeMockOptions options_;
  std::unique_ptr<TempDir> work_dir_;
  std::string node_;
  pid_t pid_ = -1;
  int port_ = 0;
};

/// Returns this test binary's one mock server (plain HTTP, default options), started on the
/// first call and stopped at exit. A failed start is remembered, and every later call throws
/// the same error without waiting again. Call it first from a thread that outlives the tests,
/// such as the main thread, because node gets SIGTERM when that thread ends.
StripeMock& shared_stripe_mock();

/// StripeMockTest is a fixture for tests against shared_stripe_mock(). The mock cannot be
/// reset, so SetUp creates a new connected account for each test, whose namespace starts
/// empty, and then clears the journal. SetUp fails the test when the server cannot start.
class StripeMockTest : public ::testing::Test {
 protected:
  void SetUp() override;
  StripeMock& stripe_mock() { return *stripe_mock_; }
  /// The test's own connected account, to send as Stripe-Account.
  const std::string& account() const { return account_; }
  const char* api_key() const { return kStripeTestApiKey; }

 private:
  StripeMock* stripe_mock_ = nullptr;
  std::string account_;
};

}  // namespace outbound::testing
