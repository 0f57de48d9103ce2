#include "bench/jwt/fixtures.h"

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <nlohmann/json.hpp>

#include "bench/jwt/openssl_handles.h"
#include "jwt_auth/signer.h"
#include "outbound/auth.h"
#include "outbound/plugin_context.h"
#include "outbound/secret.h"

namespace outbound::bench {
namespace {

// The signing key as the settings take it, and the key libjwt and cpp-jwt verify with.
struct KeyMaterialText {
  std::string signing;
  std::string verification;
};

Result<PkeyPtr> generate_key(jwt::Algorithm algorithm) {
  PkeyPtr pkey;
  switch (algorithm) {
    case jwt::Algorithm::kRs256:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)));
      break;
    case jwt::Algorithm::kEs256:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case jwt::Algorithm::kEdDsa:
      pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
      break;
    default:
      return Status::invalid_argument("the benchmark has no key type for " +
                                      std::string(jwt::algorithm_name(algorithm)) +
                                      "; use HS256, RS256, ES256 or EdDSA");
  }
  if (!pkey) {
    return Status::internal("EVP_PKEY_Q_keygen failed for " +
                            std::string(jwt::algorithm_name(algorithm)));
  }
  return pkey;
}

// Returns the text a PEM writer put into a memory BIO.
Result<std::string> write_pem(EVP_PKEY* pkey, bool private_key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio) return Status::internal("BIO_new failed");
  const int written =
      private_key ? PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr, nullptr)
                  : PEM_write_bio_PUBKEY(bio.get(), pkey);
  if (written != 1) return Status::internal("cannot write the benchmark key as PEM");
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

Result<KeyMaterialText> make_key_material(jwt::Algorithm algorithm) {
  if (algorithm == jwt::Algorithm::kHs256) {
    // 32 random bytes as 64 hex characters: a 64-byte secret that fits in a JSON string.
    unsigned char random[32];
    if (RAND_bytes(random, sizeof(random)) != 1) return Status::internal("RAND_bytes failed");
    static constexpr char kHex[] = "0123456789abcdef";
    std::string secret;
    for (unsigned char byte : random) {
      secret += kHex[byte >> 4];
      secret += kHex[byte & 0x0f];
    }
    return KeyMaterialText{secret, secret};
  }
  Result<PkeyPtr> pkey = generate_key(algorithm);
  if (!pkey.ok()) return pkey.status();
  Result<std::string> private_pem = write_pem(pkey->get(), true);
  if (!private_pem.ok()) return private_pem.status();
  Result<std::string> public_pem = write_pem(pkey->get(), false);
  if (!public_pem.ok()) return public_pem.status();
  return KeyMaterialText{std::move(private_pem).value(), std::move(public_pem).value()};
}

// Loads the configuration the way the host hands it to jwt-auth: the key material moved into
// `secrets` and redacted in the settings text.
Result<jwt::JwtConfig> load_plugin_config(jwt::Algorithm algorithm, const std::string& key) {
  const nlohmann::json settings = {
      {"algorithm", std::string(jwt::algorithm_name(algorithm))},
      {"signing_key", "[REDACTED]"},
      {"key_id", "bench-key"},
      {"issuer", kIssuer},
      {"audience", kAudience},
      {"leeway_s", kLeewaySeconds},
      {"ttl_s", kTokenLifetimeSeconds},
  };
  PluginContext context;
  context.client.id = "bench";
  context.settings_json = settings.dump();
  context.secrets.emplace("/signing_key", Secret::copy_of(key));
  return jwt::load_config(context);
}

Result<std::unique_ptr<TokenFixture>> build_fixture(jwt::Algorithm algorithm) {
  const std::string name(jwt::algorithm_name(algorithm));
  Result<KeyMaterialText> material = make_key_material(algorithm);
  if (!material.ok()) return material.status();
  Result<jwt::JwtConfig> config = load_plugin_config(algorithm, material->signing);
  if (!config.ok()) {
    return Status::internal("jwt-auth rejected the " + name +
                            " benchmark configuration: " + config.status().message());
  }

  IssueRequest request;
  request.subject = "user-5821";
  request.claims_json = R"({"scope":"orders:read orders:write","tenant":"acme-gmbh"})";
  Result<IssuedToken> issued = config->signer->issue(request, std::chrono::system_clock::now());
  if (!issued.ok()) {
    return Status::internal("cannot issue the " + name +
                            " benchmark token: " + issued.status().message());
  }

  auto fixture = std::make_unique<TokenFixture>(
      TokenFixture{algorithm, name, std::move(issued->token), std::move(material->verification),
                   std::move(config).value()});
  return fixture;
}

}  // namespace

Result<const TokenFixture*> token_fixture(jwt::Algorithm algorithm) {
  static std::mutex mutex;
  static std::map<jwt::Algorithm, std::unique_ptr<TokenFixture>> fixtures;
  const std::lock_guard<std::mutex> lock(mutex);
  if (const auto found = fixtures.find(algorithm); found != fixtures.end()) {
    return static_cast<const TokenFixture*>(found->second.get());
  }
  Result<std::unique_ptr<TokenFixture>> built = build_fixture(algorithm);
  if (!built.ok()) return built.status();
  const TokenFixture* fixture = built->get();
  fixtures.emplace(algorithm, std::move(built).value());
  return fixture;
}

}  // namespace outbound::bench
