#pragma once

#include <filesystem>

namespace outbound::testing {

/// TestCa is a certificate authority made for one test run, with two server certificates that
/// it signed. Every file is PEM, and every private key is unencrypted P-256 in PKCS#8.
struct TestCa {
  /// Self-signed CA certificate (CN "outbound test CA"), for a client's ca_file.
  std::filesystem::path ca_certificate;
  std::filesystem::path ca_private_key;
  /// Server certificate for DNS:localhost and IP:127.0.0.1.
  std::filesystem::path server_certificate;
  std::filesystem::path server_private_key;
  /// Server certificate for DNS:wrong-host.test only, so a client that checks the host name
  /// must reject it on 127.0.0.1 and localhost although the CA is trusted.
  std::filesystem::path wrong_host_certificate;
  std::filesystem::path wrong_host_private_key;
};

/// Host name in the wrong-host certificate.
inline constexpr const char* kWrongHostName = "wrong-host.test";

/// Creates `folder` when missing and writes a new CA and both server certificates into it,
/// each valid for one day, through the openssl command. Throws std::runtime_error with
/// openssl's output when a command fails.
TestCa make_test_ca(const std::filesystem::path& folder);

}  // namespace outbound::testing
