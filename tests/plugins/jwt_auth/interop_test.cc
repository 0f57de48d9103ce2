// Interop with two independent JWT libraries: npm `jose` on node and PyJWT on the Debian
// python3. Tokens issued here must verify there, and tokens issued there must verify here,
// for HS256, RS256, PS256, ES256, ES384 and EdDSA. The peers run through the driver scripts in
// interop/.
//
// The peers are test dependencies, not optional extras. When one is missing, the tests fail
// with a message that names it and the script that installs it.

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "jwt_auth/claims.h"
#include "jwt_auth/signer.h"
#include "jwt_auth/verifier.h"
#include "test_support.h"

namespace outbound::jwt {
namespace {

using nlohmann::json;

constexpr char kIssuer[] = "https://issuer.example";
constexpr char kAudience[] = "api";
constexpr char kSetupHint[] = "; run scripts/setup.sh to install the interop peers";
const Algorithm kInteropAlgorithms[] = {Algorithm::kHs256, Algorithm::kRs256, Algorithm::kPs256,
                                        Algorithm::kEs256, Algorithm::kEs384, Algorithm::kEdDsa};

std::string env_or(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value != nullptr && *value != '\0' ? value : fallback;
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

struct CommandResult {
  int exit_code = -1;
  std::string output;
  std::string errors;
};

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// A peer library reached through its driver script.
struct Peer {
  std::string name;
  std::vector<std::string> command;
};

class Interop : public ::testing::Test {
 protected:
  void SetUp() override {
    peers_dir_ = env_or("OUTBOUND_PEERS_DIR", OUTBOUND_DEFAULT_PEERS_DIR);
    const std::filesystem::path scripts = OUTBOUND_JWT_INTEROP_DIR;
    const std::string python = env_or("OUTBOUND_PYTHON", OUTBOUND_DEFAULT_PYTHON);
    setenv("OUTBOUND_PEERS_DIR", peers_dir_.c_str(), 1);

    if (run({"node", "--version"}).exit_code != 0) {
      FAIL() << "node is not on PATH" << kSetupHint;
    }
    if (!std::filesystem::exists(std::filesystem::path(peers_dir_) / "node_modules" / "jose" /
                                 "package.json")) {
      FAIL() << "npm jose is not installed in " << peers_dir_
             << "/node_modules (OUTBOUND_PEERS_DIR)" << kSetupHint;
    }
    const CommandResult pyjwt = run({python, "-c", "import jwt, cryptography"});
    if (pyjwt.exit_code != 0) {
      FAIL() << "PyJWT is not importable by " << python << ": " << pyjwt.errors << kSetupHint;
    }
    peers_ = {{"jose", {"node", (scripts / "jose_peer.mjs").string()}},
              {"PyJWT", {python, (scripts / "pyjwt_peer.py").string()}}};
  }

  CommandResult run(const std::vector<std::string>& argv) {
    const std::filesystem::path errors_file = temp_.path() / "stderr.txt";
    std::string command;
    for (const std::string& argument : argv) command += shell_quote(argument) + " ";
    command += "2>" + shell_quote(errors_file.string());

    CommandResult result;
    FILE* pipe = popen(command.c_str(), "r");
    if (pipe == nullptr) return result;
    char buffer[4096];
    std::size_t read = 0;
    while ((read = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
      result.output.append(buffer, read);
    }
    const int status = pclose(pipe);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::error_code ignored;
    if (std::filesystem::exists(errors_file, ignored)) {
      FILE* errors = std::fopen(errors_file.c_str(), "r");
      while (errors != nullptr && (read = std::fread(buffer, 1, sizeof(buffer), errors)) > 0) {
        result.errors.append(buffer, read);
      }
      if (errors != nullptr) std::fclose(errors);
    }
    return result;
  }

  CommandResult run_peer(const Peer& peer, std::vector<std::string> arguments) {
    std::vector<std::string> argv = peer.command;
    argv.insert(argv.end(), arguments.begin(), arguments.end());
    return run(argv);
  }

  // Writes the key material of `algorithm` and returns the paths of the signing and
  // verification files.
  std::pair<std::string, std::string> write_keys(Algorithm algorithm) {
    const testing::KeyPair& pair = testing::test_key_pair(algorithm);
    const std::string name(algorithm_name(algorithm));
    return {temp_.write(name + ".signing", pair.signing).string(),
            temp_.write(name + ".verification", pair.verification).string()};
  }

  testing::TempDir temp_;
  std::string peers_dir_;
  std::vector<Peer> peers_;
};

std::string our_token(Algorithm algorithm, std::chrono::system_clock::time_point now) {
  Result<Key> key = Key::signing_key(algorithm, testing::test_key_pair(algorithm).signing,
                                     "ours-" + std::string(algorithm_name(algorithm)));
  EXPECT_TRUE(key.ok()) << key.status();
  SignerOptions options;
  options.issuer = kIssuer;
  options.audiences = {kAudience};
  options.ttl = std::chrono::seconds(300);
  Result<Signer> signer = Signer::create(std::move(key).value(), options);
  EXPECT_TRUE(signer.ok()) << signer.status();
  IssueRequest request;
  request.subject = "user-" + std::string(algorithm_name(algorithm));
  request.claims_json = R"({"role":"interop"})";
  Result<IssuedToken> issued = signer->issue(request, now);
  EXPECT_TRUE(issued.ok()) << issued.status();
  return issued.ok() ? issued->token : std::string();
}

TEST_F(Interop, OurTokensVerifyWithPeers) {
  for (Algorithm algorithm : kInteropAlgorithms) {
    const std::string alg(algorithm_name(algorithm));
    const auto [signing_file, verification_file] = write_keys(algorithm);
    const std::string token = our_token(algorithm, std::chrono::system_clock::now());
    for (const Peer& peer : peers_) {
      SCOPED_TRACE(alg + " verified by " + peer.name);
      const CommandResult result =
          run_peer(peer, {"verify", alg, verification_file, token, kIssuer, kAudience});
      ASSERT_EQ(result.exit_code, 0) << result.output << result.errors;
      const json payload = json::parse(result.output);
      EXPECT_EQ(payload.at("sub"), "user-" + alg);
      EXPECT_EQ(payload.at("role"), "interop");
      EXPECT_EQ(payload.at("iss"), kIssuer);
    }
  }
}

TEST_F(Interop, PeersRejectOurTokenWithChangedSignature) {
  for (Algorithm algorithm : kInteropAlgorithms) {
    const std::string alg(algorithm_name(algorithm));
    const auto [signing_file, verification_file] = write_keys(algorithm);
    std::string token = our_token(algorithm, std::chrono::system_clock::now());
    char& c = token[token.size() - 10];
    c = c == 'A' ? 'B' : 'A';
    for (const Peer& peer : peers_) {
      SCOPED_TRACE(alg + " verified by " + peer.name);
      const CommandResult result =
          run_peer(peer, {"verify", alg, verification_file, token, kIssuer, kAudience});
      EXPECT_EQ(result.exit_code, 1) << result.output << result.errors;
    }
  }
}

TEST_F(Interop, PeerTokensVerifyWithOurs) {
  const auto now = std::chrono::system_clock::now();
  const auto now_s = static_cast<std::int64_t>(seconds_since_epoch(now));
  const json claims = {{"sub", "peer-user"}, {"iss", kIssuer},     {"aud", kAudience},
                       {"iat", now_s},       {"exp", now_s + 300}, {"role", "interop"}};
  const std::string claims_file = temp_.write("claims.json", claims.dump()).string();

  for (Algorithm algorithm : kInteropAlgorithms) {
    const std::string alg(algorithm_name(algorithm));
    const auto [signing_file, verification_file] = write_keys(algorithm);
    Result<Key> key = Key::verification_key(
        algorithm, testing::test_key_pair(algorithm).verification, "peer-kid");
    ASSERT_TRUE(key.ok()) << key.status();
    KeySet keys;
    ASSERT_TRUE(keys.add(std::move(key).value()).ok());
    VerifierOptions options;
    options.claims.issuer = kIssuer;
    options.claims.audiences = {kAudience};
    const Verifier verifier(std::move(keys), options);

    for (const Peer& peer : peers_) {
      SCOPED_TRACE(alg + " signed by " + peer.name);
      const CommandResult result =
          run_peer(peer, {"sign", alg, signing_file, claims_file, "peer-kid"});
      ASSERT_EQ(result.exit_code, 0) << result.output << result.errors;
      Result<VerifiedToken> verified = verifier.verify(trim(result.output), now);
      ASSERT_TRUE(verified.ok()) << verified.status();
      EXPECT_EQ(verified->subject, "peer-user");
      EXPECT_EQ(verified->algorithm, alg);
      EXPECT_EQ(verified->key_id, "peer-kid");
      EXPECT_EQ(json::parse(verified->claims_json).at("role"), "interop");
    }
  }
}

}  // namespace
}  // namespace outbound::jwt
