// End-to-end tests of the `outbound` command: the real binary, the real plugins and the
// loader fixtures, each run in a fresh temporary folder with its own configuration.

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli_process.h"
#include "test_support.h"

namespace outbound {
namespace {

using cli_testing::contains;
using cli_testing::describe;
using cli_testing::run_cli;
using cli_testing::run_cli_with_environment;
using nlohmann::json;
using testing::ProcessResult;
using testing::TempDir;

namespace fs = std::filesystem;

constexpr const char* kHmacSecret = "cli-test-hmac-secret-0123456789abcdef";

/// Writes a configuration with one auth client and returns its path.
fs::path write_config(const TempDir& dir, const std::string& plugin_dir, const std::string& plugin,
                      const json& settings, const std::string& name = "config.json") {
  json config = {{"plugin_dirs", {plugin_dir}},
                 {"clients", {{"auth", {{"plugin", plugin}, {"settings", settings}}}}}};
  const fs::path path = dir / name;
  testing::write_file(path, config.dump(2));
  return path;
}

json hs256_settings() {
  return {{"algorithm", "HS256"},
          {"signing_key", kHmacSecret},
          {"issuer", "https://issuer.test"},
          {"audience", "api"},
          {"key_id", "k1"},
          {"leeway_s", 0}};
}

std::string base64url(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  for (char& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string hmac_sha256(const std::string& key, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<char*>(digest), length);
}

/// Signs header and claims with HMAC-SHA256 under `key`, whatever the header claims.
std::string forge_hs256(const json& header, const json& claims, const std::string& key) {
  const std::string input = base64url(header.dump()) + "." + base64url(claims.dump());
  return input + "." + base64url(hmac_sha256(key, input));
}

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json valid_claims() {
  return {{"sub", "u1"},
          {"iss", "https://issuer.test"},
          {"aud", "api"},
          {"iat", unix_now()},
          {"exp", unix_now() + 600}};
}

fs::path canonical_plugin(const std::string& file) {
  return fs::canonical(fs::path(OUTBOUND_PLUGIN_DIR) / file);
}

TEST(CliPlugins, ListsJwtAuthWithVersionAndAbsoluteFile) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());

  const ProcessResult result = run_cli({"--config", config.string(), "plugins"});

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_NE(result.out.find("jwt-auth"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("1.0.0"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(canonical_plugin("jwt_auth.so").string()), std::string::npos)
      << result.out;
}

TEST(CliPlugins, JsonListsTheClient) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());

  const ProcessResult result = run_cli({"--config", config.string(), "--json", "plugins"});

  ASSERT_EQ(result.exit_code, 0) << describe(result);
  const json listed = json::parse(result.out);
  ASSERT_EQ(listed["clients"].size(), 1u);
  EXPECT_EQ(listed["clients"][0]["id"], "auth");
  EXPECT_EQ(listed["clients"][0]["kind"], "auth");
  EXPECT_EQ(listed["clients"][0]["plugin"], "jwt-auth");
  EXPECT_EQ(listed["clients"][0]["file"], canonical_plugin("jwt_auth.so").string());
}

struct FixtureCase {
  const char* folder;
  const char* plugin;
  std::vector<std::string> command;
  std::vector<const char*> expected;
};

TEST(CliLoaderFixtures, EachExitsThreeNamingFileAndReason) {
  const std::vector<FixtureCase> cases = {
      {"wrong_major", "fixture-good", {"plugins"}, {"ABI major", "host 1"}},
      {"newer_minor", "fixture-good", {"plugins"}, {"ABI minor"}},
      {"wrong_fingerprint", "fixture-good", {"plugins"}, {"fingerprint", "compiler"}},
      {"no_descriptor", "fixture-good", {"plugins"}, {"outbound_plugin_descriptor"}},
      {"undefined_symbol", "fixture-good", {"plugins"}, {"outbound_fixture_missing_function"}},
      {"duplicate", "fixture-dup", {"plugins"}, {"fixture-dup", "first.so", "second.so"}},
      {"throws_in_create", "fixture-throws-in-create", {"plugins"}, {"fixture create failure"}},
      {"throws_in_call",
       "fixture-throws-in-call",
       {"auth", "issue", "--sub", "x"},
       {"threw from issue"}},
  };
  for (const FixtureCase& fixture : cases) {
    SCOPED_TRACE(fixture.folder);
    TempDir dir;
    const fs::path folder = fs::canonical(fs::path(OUTBOUND_FIXTURES_DIR) / fixture.folder);
    const fs::path config = write_config(dir, folder.string(), fixture.plugin, json::object());
    std::vector<std::string> arguments = {"--config", config.string()};
    arguments.insert(arguments.end(), fixture.command.begin(), fixture.command.end());

    const ProcessResult result = run_cli(arguments);

    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_NE(result.err.find(folder.string() + "/"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(".so"), std::string::npos) << result.err;
    for (const char* expected : fixture.expected) {
      EXPECT_NE(result.err.find(expected), std::string::npos)
          << "missing '" << expected << "' in:\n"
          << result.err;
    }
  }
}

TEST(CliLoaderFixtures, ConfigRewriteSwitchesV1ToV2) {
  TempDir dir;
  const fs::path fixtures(OUTBOUND_FIXTURES_DIR);
  const fs::path config =
      write_config(dir, (fixtures / "versioned_v1").string(), "fixture-versioned", json::object());
  const auto binary_time = fs::last_write_time(OUTBOUND_CLI_PATH);

  const ProcessResult first = run_cli({"--config", config.string(), "auth", "issue", "--sub", "s"});
  write_config(dir, (fixtures / "versioned_v2").string(), "fixture-versioned", json::object());
  const ProcessResult second =
      run_cli({"--config", config.string(), "auth", "issue", "--sub", "s"});

  ASSERT_EQ(first.exit_code, 0) << describe(first);
  ASSERT_EQ(second.exit_code, 0) << describe(second);
  EXPECT_EQ(first.out, "v1\n");
  EXPECT_EQ(second.out, "v2\n");
  EXPECT_EQ(fs::last_write_time(OUTBOUND_CLI_PATH), binary_time);
}

TEST(CliAuth, IssuedTokenVerifies) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());

  const ProcessResult issued = run_cli({"--config", config.string(), "auth", "issue", "--sub",
                                        "alice", "--claim", "role=admin", "--claim", "n=5"});
  ASSERT_EQ(issued.exit_code, 0) << describe(issued);
  const ProcessResult verified =
      run_cli({"--config", config.string(), "--json", "auth", "verify", "-"}, issued.out);

  ASSERT_EQ(verified.exit_code, 0) << describe(verified);
  const json result = json::parse(verified.out);
  EXPECT_EQ(result["claims"]["sub"], "alice");
  EXPECT_EQ(result["claims"]["role"], "admin");
  EXPECT_EQ(result["claims"]["n"], 5);
  EXPECT_EQ(result["claims"]["iss"], "https://issuer.test");
  EXPECT_EQ(result["claims"]["aud"], "api");
  EXPECT_EQ(result["algorithm"], "HS256");
}

struct HostileCase {
  const char* name;
  std::string token;
  std::string reason;
};

TEST(CliAuth, HostileTokensExitFourWithReason) {
  TempDir dir;
  ASSERT_EQ(testing::run_process({"openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                                  "rsa_keygen_bits:2048", "-out", (dir / "rsa.pem").string()})
                .exit_code,
            0);
  ASSERT_EQ(testing::run_process({"openssl", "pkey", "-in", (dir / "rsa.pem").string(), "-pubout",
                                  "-out", (dir / "rsa.pub.pem").string()})
                .exit_code,
            0);
  const std::string public_pem = testing::read_file(dir / "rsa.pub.pem");
  json rs256 = {{"algorithm", "RS256"},
                {"signing_key", testing::read_file(dir / "rsa.pem")},
                {"issuer", "https://issuer.test"},
                {"audience", "api"},
                {"leeway_s", 0}};
  const fs::path hs_config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());
  const fs::path rs_config =
      write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", rs256, "rs256.json");

  const json hs_header = {{"alg", "HS256"}, {"typ", "JWT"}};
  const std::string good = forge_hs256(hs_header, valid_claims(), kHmacSecret);
  const std::string good_input = good.substr(0, good.rfind('.'));
  json expired_now = valid_claims();
  expired_now["exp"] = unix_now();
  json huge_exp = valid_claims();
  huge_exp["exp"] = 1e300;
  json wrong_aud = valid_claims();
  wrong_aud["aud"] = "other";
  json wrong_iss = valid_claims();
  wrong_iss["iss"] = "https://evil.test";
  const json crit_header = {{"alg", "HS256"}, {"crit", {"exp-ext"}}, {"exp-ext", true}};

  const std::vector<std::pair<fs::path, HostileCase>> cases = {
      {hs_config,
       {"alg none", base64url(R"({"alg":"none"})") + "." + base64url(valid_claims().dump()) + ".",
        "algorithm_not_allowed"}},
      {hs_config,
       {"alg None", base64url(R"({"alg":"None"})") + "." + base64url(valid_claims().dump()) + ".",
        "algorithm_not_allowed"}},
      {hs_config,
       {"alg NONE", base64url(R"({"alg":"NONE"})") + "." + base64url(valid_claims().dump()) + ".",
        "algorithm_not_allowed"}},
      {hs_config,
       {"alg nOnE", base64url(R"({"alg":"nOnE"})") + "." + base64url(valid_claims().dump()) + ".",
        "algorithm_not_allowed"}},
      {rs_config,
       {"HS256 keyed with the RSA public key", forge_hs256(hs_header, valid_claims(), public_pem),
        "algorithm_not_allowed"}},
      {hs_config, {"stripped signature", good_input + ".", "bad_signature"}},
      {hs_config, {"bad base64url", good_input + ".abc=", "malformed"}},
      {hs_config, {"extra segments", good + ".extra", "malformed"}},
      {hs_config,
       {"expired at exactly exp", forge_hs256(hs_header, expired_now, kHmacSecret), "expired"}},
      {hs_config, {"huge exp", forge_hs256(hs_header, huge_exp, kHmacSecret), "malformed"}},
      {hs_config, {"wrong aud", forge_hs256(hs_header, wrong_aud, kHmacSecret), "claim_mismatch"}},
      {hs_config, {"wrong iss", forge_hs256(hs_header, wrong_iss, kHmacSecret), "claim_mismatch"}},
      {hs_config,
       {"unknown crit", forge_hs256(crit_header, valid_claims(), kHmacSecret),
        "unsupported_critical"}},
      {hs_config,
       {"other key", forge_hs256(hs_header, valid_claims(), "another-secret-0123456789-abcdef"),
        "bad_signature"}},
  };
  for (const auto& [config, hostile] : cases) {
    SCOPED_TRACE(hostile.name);
    const ProcessResult result =
        run_cli({"--config", config.string(), "--json", "auth", "verify", hostile.token});

    EXPECT_EQ(result.exit_code, 4) << describe(result);
    const json error = json::parse(result.out, nullptr, false);
    ASSERT_FALSE(error.is_discarded()) << describe(result);
    EXPECT_EQ(error["error"]["code"], "unauthenticated") << result.out;
    EXPECT_EQ(error["error"]["reason"], hostile.reason) << result.out;
    EXPECT_EQ(error["error"]["retryable"], false) << result.out;
  }
}

TEST(CliAuth, OneSecondBeforeExpiryIsValid) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());
  json claims = valid_claims();
  claims["exp"] = unix_now() + 2;

  const ProcessResult result =
      run_cli({"--config", config.string(), "auth", "verify",
               forge_hs256({{"alg", "HS256"}, {"typ", "JWT"}}, claims, kHmacSecret)});

  EXPECT_EQ(result.exit_code, 0) << describe(result);
}

TEST(CliSecrets, CanariesNeverAppearAtTraceLevel) {
  TempDir dir;
  const std::string env_canary = "canary-env-7f3a9c1e5b2d4f6a8c0e2b4d6f8a";
  const std::string file_canary = "canary-file-1b3d5f7a9c2e4f6b8d0a2c4e6f8b";
  testing::write_file(dir / "secrets" / "signing.key", file_canary + "\n");
  json settings = hs256_settings();
  settings["signing_key"] = "${file:secrets/signing.key}";
  settings["verification_keys"] = {
      {{"key_id", "k1"}, {"algorithm", "HS256"}, {"key", "${file:secrets/signing.key}"}},
      {{"key_id", "k2"}, {"algorithm", "HS256"}, {"key", "${env:OUTBOUND_TEST_CANARY}"}}};
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", settings);
  const std::map<std::string, std::string> env = {{"OUTBOUND_TEST_CANARY", env_canary}};
  const std::vector<std::string> base = {"--config", config.string(), "--log-level", "trace"};

  std::vector<ProcessResult> runs;
  auto run = [&](std::vector<std::string> arguments, const std::string& input = {}) {
    std::vector<std::string> all = base;
    all.insert(all.end(), arguments.begin(), arguments.end());
    runs.push_back(run_cli_with_environment(all, env, input));
    return runs.back();
  };
  const ProcessResult issued = run({"auth", "issue", "--sub", "canary-user"});
  ASSERT_EQ(issued.exit_code, 0) << describe(issued);
  run({"auth", "verify", "-"}, issued.out);
  run({"--json", "auth", "verify", issued.out.substr(0, issued.out.size() - 5)});
  run({"plugins"});
  run({"check"});
  run({"config", "check"});
  run({"demo"});
  const std::string with_env_key =
      forge_hs256({{"alg", "HS256"}, {"kid", "k2"}}, valid_claims(), env_canary);
  run({"auth", "verify", with_env_key});
  // A failure path that reads the secrets: an unknown key beside them in the configuration.
  json broken = json::parse(testing::read_file(config));
  broken["clients"]["auth"]["settings"]["no_such_setting"] = true;
  broken["clients"]["auth"]["resiliense"] = json::object();
  testing::write_file(dir / "broken.json", broken.dump());
  runs.push_back(run_cli_with_environment({"--config", (dir / "broken.json").string(),
                                           "--log-level", "trace", "auth", "issue", "--sub", "x"},
                                          env));
  EXPECT_NE(runs.back().exit_code, 0);

  ASSERT_EQ(runs.size(), 9u);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE("run " + std::to_string(i));
    for (const std::string& canary : {env_canary, file_canary}) {
      EXPECT_EQ(runs[i].out.find(canary), std::string::npos) << runs[i].out;
      EXPECT_EQ(runs[i].err.find(canary), std::string::npos) << runs[i].err;
    }
  }
  EXPECT_EQ(runs[7].exit_code, 0) << describe(runs[7]);
}

TEST(CliSecrets, PluginErrorsAreMasked) {
  TempDir dir;
  const std::string canary = "canary-plugin-6e1c0a9d3f5b7e2c";
  const std::map<std::string, std::string> env = {{"OUTBOUND_TEST_CANARY", canary}};
  const json settings = {{"api_key", "${env:OUTBOUND_TEST_CANARY}"}};
  const fs::path config = write_config(dir, OUTBOUND_LEAKY_PLUGIN_DIR, "leaky-auth", settings);
  json throwing = settings;
  throwing["throw_in_create"] = true;
  const fs::path throwing_config =
      write_config(dir, OUTBOUND_LEAKY_PLUGIN_DIR, "leaky-auth", throwing, "throwing.json");
  const std::string batch = R"({"op":"auth.issue","args":{"sub":"x"}})"
                            "\n"
                            R"({"op":"auth.verify","args":{"token":"a.b.c"}})"
                            "\n"
                            R"({"op":"check"})"
                            "\n";

  const std::vector<ProcessResult> runs = {
      run_cli_with_environment({"--config", config.string(), "auth", "issue", "--sub", "x"}, env),
      run_cli_with_environment(
          {"--config", config.string(), "--json", "auth", "issue", "--sub", "x"}, env),
      run_cli_with_environment({"--config", config.string(), "auth", "verify", "a.b.c"}, env),
      run_cli_with_environment({"--config", config.string(), "check"}, env),
      run_cli_with_environment({"--config", config.string(), "--json", "check"}, env),
      run_cli_with_environment({"--config", config.string(), "demo"}, env),
      run_cli_with_environment({"--config", config.string(), "batch", "-"}, env, batch),
      run_cli_with_environment({"--config", throwing_config.string(), "config", "check"}, env),
      run_cli_with_environment({"--config", throwing_config.string(), "--json", "plugins"}, env),
  };

  for (std::size_t i = 0; i < runs.size(); ++i) {
    SCOPED_TRACE("run " + std::to_string(i));
    EXPECT_NE(runs[i].exit_code, 0) << describe(runs[i]);
    EXPECT_EQ(runs[i].out.find(canary), std::string::npos) << runs[i].out;
    EXPECT_EQ(runs[i].err.find(canary), std::string::npos) << runs[i].err;
    EXPECT_NE((runs[i].out + runs[i].err).find("[REDACTED]"), std::string::npos)
        << describe(runs[i]);
  }
}

TEST(CliConfig, CheckReportsValidConfiguration) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());

  const ProcessResult result = run_cli({"config", "check", config.string()});

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_NE(result.out.find("valid"), std::string::npos) << result.out;
}

TEST(CliConfig, ProblemsExitThreeNamingThePointer) {
  const std::vector<std::pair<json, const char*>> cases = {
      {{{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}}, {"clientz", json::object()}}, "/clientz"},
      {{{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
        {"defaults", {{"timeouts", {{"total_ms", 0}}}}},
        {"clients", {{"auth", {{"plugin", "jwt-auth"}, {"settings", hs256_settings()}}}}}},
       "/defaults/timeouts/total_ms"},
      {{{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
        {"clients",
         {{"auth",
           {{"plugin", "jwt-auth"},
            {"settings",
             {{"algorithm", "HS256"}, {"signing_key", "${env:OUTBOUND_TEST_MISSING}"}}}}}}}},
       "OUTBOUND_TEST_MISSING"},
      {{{"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
        {"clients", {{"auth", {{"plugin", "no-such-plugin"}}}}}},
       "no-such-plugin"},
  };
  for (const auto& [config, expected] : cases) {
    SCOPED_TRACE(expected);
    TempDir dir;
    testing::write_file(dir / "config.json", config.dump());

    const ProcessResult result =
        run_cli_with_environment({"config", "check", (dir / "config.json").string()},
                                 {{"OUTBOUND_TEST_MISSING", testing::kUnset}});

    EXPECT_EQ(result.exit_code, 3) << describe(result);
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
}

TEST(CliConfig, EveryProblemGetsALine) {
  TempDir dir;
  const json config = {
      {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
      {"defaults", {{"timeouts", {{"total_ms", 0}}}}},
      {"clients",
       {{"auth",
         {{"plugin", "jwt-auth"},
          {"settings",
           {{"algorithm", "HS256"}, {"signing_key", "${env:OUTBOUND_TEST_MISSING}"}}}}}}}};
  testing::write_file(dir / "config.json", config.dump());

  const ProcessResult result =
      run_cli_with_environment({"config", "check", (dir / "config.json").string()},
                               {{"OUTBOUND_TEST_MISSING", testing::kUnset}});

  EXPECT_EQ(result.exit_code, 3) << describe(result);
  EXPECT_TRUE(contains(result.err, "error: invalid_argument (configuration):\n")) << result.err;
  const std::string file = (dir / "config.json").string();
  EXPECT_TRUE(contains(result.err, "\n  " + file + ": /defaults/timeouts/total_ms")) << result.err;
  EXPECT_TRUE(contains(result.err, "\n  " + file + ": /clients/auth/settings/signing_key"))
      << result.err;
  EXPECT_FALSE(contains(result.err, "\\n")) << result.err;

  const ProcessResult as_json =
      run_cli_with_environment({"--json", "config", "check", (dir / "config.json").string()},
                               {{"OUTBOUND_TEST_MISSING", testing::kUnset}});
  const json problems = json::parse(as_json.out)["error"]["problems"];
  ASSERT_EQ(problems.size(), 2u) << as_json.out;
  EXPECT_TRUE(contains(problems[0].get<std::string>(), file + ": /")) << as_json.out;
  EXPECT_TRUE(contains(problems[1].get<std::string>(), file + ": /")) << as_json.out;
}

TEST(CliConfig, MissingDefaultConfigurationSaysHowToGiveOne) {
  // Run in an empty folder, where config/default.json is not.
  TempDir dir;
  const ProcessResult result =
      testing::run_process({"/bin/sh", "-c", "cd \"$DIR\" && exec \"$OUTBOUND\" check"},
                           {{"DIR", dir.path().string()},
                            {"OUTBOUND", OUTBOUND_CLI_PATH},
                            {"OUTBOUND_CONFIG", testing::kUnset}});

  EXPECT_EQ(result.exit_code, 3) << describe(result);
  EXPECT_TRUE(contains(result.err, "configuration file not found")) << result.err;
  EXPECT_TRUE(contains(result.err, "pass --config FILE, or set OUTBOUND_CONFIG")) << result.err;
}

TEST(CliUsage, BadArgumentsExitTwo) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());
  const std::vector<std::vector<std::string>> cases = {
      {"--no-such-flag"},
      {"no-such-command"},
      {"auth"},
      {"auth", "issue"},
      {"auth", "issue", "--sub"},
      {"auth", "issue", "--sub", "x", "--ttl", "soon"},
      {"auth", "verify"},
      {"auth", "issue", "--sub", "x", "--client", "nobody"},
      {"batch"},
  };
  for (const auto& arguments : cases) {
    std::vector<std::string> all = {"--config", config.string()};
    all.insert(all.end(), arguments.begin(), arguments.end());
    SCOPED_TRACE(all.back());

    const ProcessResult result = run_cli(all);

    EXPECT_EQ(result.exit_code, 2) << describe(result);
  }
}

TEST(CliUsage, HelpExitsZero) {
  for (const std::vector<std::string>& arguments :
       std::vector<std::vector<std::string>>{{"--help"},
                                             {"plugins", "--help"},
                                             {"check", "--help"},
                                             {"config", "check", "--help"},
                                             {"auth", "issue", "--help"},
                                             {"auth", "verify", "--help"},
                                             {"batch", "--help"},
                                             {"demo", "--help"}}) {
    SCOPED_TRACE(arguments.front());
    const ProcessResult result = run_cli(arguments);

    EXPECT_EQ(result.exit_code, 0) << describe(result);
    EXPECT_NE(result.out.find("usage: outbound"), std::string::npos) << result.out;
  }
}

TEST(CliBatch, RunsEveryLineAndReportsEach) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());
  const std::string token = forge_hs256({{"alg", "HS256"}}, valid_claims(), kHmacSecret);
  const std::string lines = R"({"op":"auth.issue","args":{"sub":"u1","ttl":60}})"
                            "\n"
                            "\n"
                            R"({"op":"auth.verify","client":"auth","args":{"token":")" +
                            token +
                            R"("}})"
                            "\n"
                            R"({"op":"auth.verify","args":{"token":"not-a-token"}})"
                            "\n"
                            "not json\n"
                            R"({"op":"check"})"
                            "\n";

  const ProcessResult result =
      run_cli({"--config", config.string(), "batch", "-", "--concurrency", "3"}, lines);

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  std::vector<json> outputs;
  std::istringstream stream(result.out);
  for (std::string line; std::getline(stream, line);) outputs.push_back(json::parse(line));
  ASSERT_EQ(outputs.size(), 5u) << result.out;
  EXPECT_EQ(outputs[0]["line"], 1);
  EXPECT_EQ(outputs[0]["ok"], true);
  EXPECT_TRUE(outputs[0]["elapsed_ms"].is_number());
  EXPECT_EQ(outputs[1]["line"], 3);
  EXPECT_EQ(outputs[1]["ok"], true);
  EXPECT_EQ(outputs[1]["result"]["claims"]["sub"], "u1");
  EXPECT_EQ(outputs[2]["ok"], false);
  EXPECT_EQ(outputs[2]["error"]["reason"], "malformed");
  EXPECT_EQ(outputs[3]["ok"], false);
  EXPECT_EQ(outputs[3]["error"]["code"], "invalid_argument");
  EXPECT_EQ(outputs[4]["line"], 6);
  EXPECT_EQ(outputs[4]["ok"], true);
}

TEST(CliBatch, PrintsEachResultBeforeTheInputEnds) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());
  // The shell feeds the second line 3 s after the first and stamps each result line with the
  // time it arrived, in milliseconds since the start.
  const std::string script =
      "start=$(date +%s%3N); "
      "{ echo '{\"op\":\"auth.issue\",\"args\":{\"sub\":\"first\"}}'; sleep 3; "
      "echo '{\"op\":\"auth.issue\",\"args\":{\"sub\":\"second\"}}'; } | "
      "\"$OUTBOUND\" --config \"$CONFIG\" batch - | "
      "while IFS= read -r result; do echo \"$(( $(date +%s%3N) - start )) $result\"; done";

  const ProcessResult result =
      testing::run_process({"/bin/sh", "-c", script}, {{"OUTBOUND", OUTBOUND_CLI_PATH},
                                                       {"CONFIG", config.string()},
                                                       {"OUTBOUND_CONFIG", testing::kUnset}});

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  std::istringstream stream(result.out);
  std::vector<long> arrived;
  for (std::string line; std::getline(stream, line);) arrived.push_back(std::stol(line));
  ASSERT_EQ(arrived.size(), 2u) << result.out;
  EXPECT_LT(arrived[0], 2000) << result.out;
  EXPECT_GE(arrived[1], 2900) << result.out;
}

TEST(CliDemo, IssuesAndVerifiesAToken) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());

  const ProcessResult result = run_cli({"--config", config.string(), "demo"});

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  EXPECT_NE(result.out.find("auth.issue"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("\"sub\": \"demo-user\""), std::string::npos) << result.out;
}

TEST(CliJson, ErrorsAreSingleJsonDocuments) {
  TempDir dir;
  const fs::path config = write_config(dir, OUTBOUND_PLUGIN_DIR, "jwt-auth", hs256_settings());

  const ProcessResult result =
      run_cli({"--config", config.string(), "--json", "auth", "verify", "a.b.c"});

  EXPECT_EQ(result.exit_code, 4) << describe(result);
  const json error = json::parse(result.out);
  EXPECT_TRUE(error["error"]["code"].is_string());
  EXPECT_TRUE(error["error"]["message"].is_string());
  EXPECT_EQ(error["error"]["retryable"], false);
}

TEST(CliConfig, PluginSettingProblemsEachGetAFullPointer) {
  TempDir dir;
  const json config = {
      {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
      {"clients",
       {{"mail",
         {{"plugin", "smtp"},
          {"settings", {{"host", "smtp.example.com"}, {"port", 99999}, {"tls", "ssl"}}}}}}}};
  testing::write_file(dir / "config.json", config.dump());

  const ProcessResult result = run_cli({"config", "check", (dir / "config.json").string()});

  EXPECT_EQ(result.exit_code, 3) << describe(result);
  const std::string file = (dir / "config.json").string();
  EXPECT_TRUE(contains(result.err, file + ": /clients/mail/settings/tls: is \"ssl\"; give "
                                          "\"starttls\", \"implicit\" or \"none\" (plugin smtp)\n"))
      << result.err;
  EXPECT_TRUE(contains(result.err, file + ": /clients/mail/settings/port: is 99999; give a whole "
                                          "number of the port from 1 to 65535 (plugin smtp)\n"))
      << result.err;
  // The loader logs the plugin's file, but the error names only the plugin.
  const std::size_t error = result.err.find("error: ");
  ASSERT_NE(error, std::string::npos) << result.err;
  EXPECT_FALSE(contains(result.err.substr(error), "smtp.so")) << result.err;
}

TEST(CliConfig, SmtpSettingThatDoesNothingIsAWarning) {
  TempDir dir;
  const json config = {
      {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
      {"clients",
       {{"mail",
         {{"plugin", "smtp"},
          {"settings",
           {{"host", "smtp.example.com"}, {"tls", "implicit"}, {"allow_plaintext", true}}}}}}}};
  testing::write_file(dir / "config.json", config.dump());

  const ProcessResult result = run_cli({"config", "check", (dir / "config.json").string()});
  const ProcessResult as_json =
      run_cli({"--json", "config", "check", (dir / "config.json").string()});
  const ProcessResult quiet =
      run_cli({"--config", (dir / "config.json").string(), "--log-level", "error", "plugins"});

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  const std::string warning =
      "/clients/mail/settings/allow_plaintext: is true and does nothing, because /tls is "
      "\"implicit\", which encrypts the connection; remove it";
  // Listed once, as a warning line of the report, with the file and the plugin.
  const std::string line =
      "warning: " + (dir / "config.json").string() + ": " + warning + " (plugin smtp)\n";
  EXPECT_TRUE(contains(result.out, line)) << describe(result);
  EXPECT_FALSE(contains(result.err, warning)) << describe(result);
  ASSERT_EQ(as_json.exit_code, 0) << describe(as_json);
  const json warnings = json::parse(as_json.out)["warnings"];
  ASSERT_EQ(warnings.size(), 1u) << as_json.out;
  EXPECT_TRUE(contains(warnings[0].get<std::string>(), warning)) << as_json.out;
  EXPECT_EQ(quiet.exit_code, 0) << describe(quiet);
  EXPECT_FALSE(contains(quiet.err, warning)) << describe(quiet);
}

TEST(CliConfig, ConfigurationWarningPrintedOnce) {
  TempDir dir;
  const json config = {
      {"plugin_dirs", {OUTBOUND_PLUGIN_DIR}},
      {"clients",
       {{"mail",
         {{"plugin", "smtp"},
          {"settings", {{"host", "smtp.example.com"}, {"username", "u"}, {"password", "pw"}}}}}}}};
  testing::write_file(dir / "config.json", config.dump());

  const ProcessResult result = run_cli({"config", "check", (dir / "config.json").string()});

  EXPECT_EQ(result.exit_code, 0) << describe(result);
  const std::string warning = "/clients/mail/settings/password: secret is 2 characters long";
  EXPECT_TRUE(contains(result.out, warning)) << describe(result);
  EXPECT_FALSE(contains(result.err, warning)) << describe(result);
}

}  // namespace
}  // namespace outbound
