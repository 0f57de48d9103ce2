#include "test_ca.h"

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.h"

namespace outbound::testing {

namespace {

// The extensions of each certificate, in one OpenSSL configuration file, so that the result
// does not depend on the system's openssl.cnf. The req sections serve only the CA's
// self-signed request, whose subject comes from -subj.
constexpr const char* kOpensslConfig = R"(
[req]
distinguished_name = subject
prompt = no

[subject]

[ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[wrong_host]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:wrong-host.test
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
)";

void run_openssl(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const ProcessResult result = run_process(argv, {}, {}, std::chrono::seconds(30));
  if (result.exit_code != 0) {
    throw std::runtime_error("openssl " + arguments.at(0) + " failed (exit " +
                             std::to_string(result.exit_code) +
                             "; scripts/setup.sh installs the openssl command): " + result.err);
  }
}

// Writes a new P-256 key and a certificate for `common_name` signed by the CA, with the
// extensions of `section` in the configuration file.
void sign_server_certificate(const TestCa& ca, const std::filesystem::path& config,
                             const std::string& common_name, const std::string& section,
                             const std::filesystem::path& certificate,
                             const std::filesystem::path& private_key) {
  const std::filesystem::path request = certificate.string() + ".csr";
  run_openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
               "-config", config.string(), "-keyout", private_key.string(), "-out",
               request.string(), "-subj", "/CN=" + common_name});
  run_openssl({"x509", "-req", "-in", request.string(), "-CA", ca.ca_certificate.string(), "-CAkey",
               ca.ca_private_key.string(), "-set_serial", section == "server" ? "2" : "3", "-days",
               "1", "-extfile", config.string(), "-extensions", section, "-out",
               certificate.string()});
  std::filesystem::remove(request);
}

}  // namespace

TestCa make_test_ca(const std::filesystem::path& folder) {
  std::filesystem::create_directories(folder);
  TestCa ca;
  ca.ca_certificate = folder / "ca.pem";
  ca.ca_private_key = folder / "ca.key";
  ca.server_certificate = folder / "server.pem";
  ca.server_private_key = folder / "server.key";
  ca.wrong_host_certificate = folder / "wrong-host.pem";
  ca.wrong_host_private_key = folder / "wrong-host.key";

  const std::filesystem::path config = folder / "openssl.cnf";
  write_file(config, kOpensslConfig);
  run_openssl({"req",
               "-x509",
               "-newkey",
               "ec",
               "-pkeyopt",
               "ec_paramgen_curve:P-256",
               "-nodes",
               "-config",
               config.string(),
               "-extensions",
               "ca",
               "-keyout",
               ca.ca_private_key.string(),
               "-out",
               ca.ca_certificate.string(),
               "-days",
               "1",
               "-set_serial",
               "1",
               "-subj",
               "/CN=outbound test CA"});
  sign_server_certificate(ca, config, "localhost", "server", ca.server_certificate,
                          ca.server_private_key);
  sign_server_certificate(ca, config, kWrongHostName, "wrong_host", ca.wrong_host_certificate,
                          ca.wrong_host_private_key);
  return ca;
}

}  // namespace outbound::testing
