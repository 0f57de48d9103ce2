#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "test_support.h"

namespace outbound::testing {

/// WireMockOptions configures one WireMock server. The defaults start plain HTTP only, with the
/// jar that scripts/setup.sh installs into the source tree's .peers folder.
struct WireMockOptions {
  /// Path of wiremock-standalone-3.13.2.jar. Empty selects the jar under the source tree.
  std::filesystem::path jar;
  /// Folder with mappings/ and __files/ that WireMock loads at start (--root-dir), or empty.
  std::filesystem::path root_dir;
  /// PEM certificate and private key for an HTTPS port. Both stay empty for plain HTTP only.
  std::filesystem::path tls_certificate;
  std::filesystem::path tls_private_key;
  /// Maximum number of journal entries (--max-request-journal-entries), or 0 for no limit.
  int max_journal_entries = 0;
  /// Maximum wait for GET /__admin/health to return 200 after java starts.
  std::chrono::milliseconds start_timeout = std::chrono::seconds(20);
  /// Timeout of each admin call, for connecting, sending and receiving.
  std::chrono::milliseconds admin_timeout = std::chrono::seconds(10);
};

/// LoggedRequest is one request from WireMock's journal.
struct LoggedRequest {
  std::string method;
  /// Path and query, as the client sent them (WireMock's "url").
  std::string url;
  /// Header names in the case the client sent. A header sent more than once has its values
  /// joined with ", " in arrival order.
  std::map<std::string, std::string> headers;
  /// The exact body bytes (decoded from WireMock's bodyAsBase64).
  std::string body;
  /// Arrival time in milliseconds since the Unix epoch (WireMock's loggedDate).
  std::int64_t logged_date_ms = 0;
  /// Whether a stub matched the request. An unmatched request gets WireMock's 404.
  bool was_matched = false;
  /// Status code of the response WireMock sent.
  int response_status = 0;

  /// Returns the value of header `name`, compared case-insensitively, or nullopt when absent.
  std::optional<std::string> header(std::string_view name) const;
};

/// WireMock runs a WireMock 3.13.2 standalone server as a child java process on 127.0.0.1, on
/// ports chosen at start, and drives it through its admin API. The child gets SIGTERM when the
/// thread that called start() ends, so a crashed test leaves no java behind. Errors throw
/// std::runtime_error with WireMock's reply or the end of java's output. Admin calls open a new
/// connection each, so they may run from several threads; start() and stop() may not.
class WireMock {
 public:
  explicit WireMock(WireMockOptions options = {});
  ~WireMock();
  WireMock(const WireMock&) = delete;
  WireMock& operator=(const WireMock&) = delete;

  /// Starts java and waits until GET /__admin/health returns 200. Throws when java or the jar is
  /// missing (the message names scripts/setup.sh), or when the server does not become
  /// healthy within options.start_timeout. A port taken between choosing and binding it is
  /// retried on new ports, up to three times.
  void start();
  /// Sends SIGTERM to the java process and waits up to 5 s, then sends SIGKILL. Does nothing
  /// when the server is not running.
  void stop();
  bool running() const { return pid_ > 0; }
  /// PID of the java process, or -1 when not running.
  pid_t pid() const { return pid_; }

  int port() const { return port_; }
  /// The HTTPS port, or 0 when the options named no certificate.
  int https_port() const { return https_port_; }
  /// "http://127.0.0.1:PORT", without a trailing slash.
  std::string base_url() const;
  /// "https://127.0.0.1:PORT", or an empty string without HTTPS.
  std::string https_base_url() const;
  /// Time that the last successful start() took, from fork to a healthy reply.
  std::chrono::milliseconds start_duration() const { return start_duration_; }

  /// Adds a stub mapping (POST /__admin/mappings) and returns its id.
  std::string stub(const std::string& mapping_json);
  /// Removes the stubs added through the admin API, restores those from root_dir, and clears
  /// the journal (POST /__admin/reset).
  void reset();
  /// Clears only the journal (DELETE /__admin/requests).
  void reset_journal();
  /// Moves every scenario back to its "Started" state (POST /__admin/scenarios/reset).
  void reset_scenarios();
  /// Returns the journal, oldest request first (GET /__admin/requests).
  std::vector<LoggedRequest> requests();
  /// Returns how many journal entries match a request pattern such as
  /// {"method":"GET","urlPath":"/hello"} (POST /__admin/requests/count).
  int count(const std::string& request_pattern_json);

 private:
  struct AdminReply {
    int status = 0;
    std::string body;
  };

  AdminReply admin(const std::string& method, const std::string& path, const std::string& body,
                   std::chrono::milliseconds timeout) const;
  AdminReply admin_expecting(int expected_status, const std::string& method,
                             const std::string& path, const std::string& body = {}) const;
  std::vector<std::string> java_command_line() const;
  void make_keystore();
  void spawn(const std::vector<std::string>& command_line);
  // Returns an empty string once healthy, "bind" when java could not bind a port, or an error.
  std::string wait_until_healthy();
  bool java_reported_start() const;
  std::string java_output_tail() const;

  WireMockOptions options_;
  std::unique_ptr<TempDir> work_dir_;
  std::filesystem::path keystore_;
  std::string java_;
  pid_t pid_ = -1;
  int port_ = 0;
  int https_port_ = 0;
  std::chrono::milliseconds start_duration_{0};
};

/// Returns this test binary's one WireMock server (plain HTTP, default options), started on the
/// first call and stopped at exit. A failed start is remembered, and every later call throws
/// the same error without waiting again. Call it first from a thread that outlives the tests,
/// such as the main thread, because java gets SIGTERM when that thread ends.
WireMock& shared_wiremock();

/// WireMockTest is a fixture for tests against shared_wiremock(). SetUp fails the test when the
/// server cannot start and otherwise resets stubs, journal and scenarios, so each test starts
/// clean.
class WireMockTest : public ::testing::Test {
 protected:
  void SetUp() override;
  WireMock& wiremock() { return *wiremock_; }

 private:
  WireMock* wiremock_ = nullptr;
};

/// TestCertificate is a self-signed certificate for 127.0.0.1 and localhost.
struct TestCertificate {
  std::filesystem::path certificate;  // PEM
  std::filesystem::path private_key;  // PEM, unencrypted
};

/// Writes a new P-256 key and a self-signed certificate, valid for one day, with subjectAltName
/// IP:127.0.0.1 and DNS:localhost, into `folder` through the openssl command. Throws when
/// openssl fails.
TestCertificate make_test_certificate(const std::filesystem::path& folder);

}  // namespace outbound::testing
